-- folio.pipeline and folio.transforms through the host: every transform on
-- small hand examples, trace contents, overrides, nesting, the registry,
-- determinism and errors.
local T = dofile((arg[0]:match("^(.*)/") or ".") .. "/testlib.lua")
local folio = require "folio"
local X = folio.transforms

local function run_t(t, w, ctx)
  ctx = ctx or {}
  ctx.weights = w
  return t:run(ctx)
end

-- ---- cap_per_name --------------------------------------------------------------------
local t = X.cap_per_name{ cap = 0.1 }
T.eq(tostring(t), "folio.transform(cap_per_name)"); T.eq(t.kind, "transform"); T.eq(t.name, "cap_per_name")
local r = run_t(t, { A = 0.25, B = -0.3, C = 0.05, D = 0.1 })
T.eq(r.weights.A, 0.1); T.eq(r.weights.B, -0.1); T.eq(r.weights.C, 0.05); T.eq(r.weights.D, 0.1)
local e = r.trace[1]
T.eq(e.step, 1); T.eq(e.name, "cap_per_name"); T.eq(e.kind, "transform")
T.eq(e.changed.A.before, 0.25); T.eq(e.changed.A.after, 0.1); T.eq(e.changed.B.after, -0.1)
T.eq(e.changed.C, nil, "unchanged not listed"); T.eq(e.changed.D, nil, "at the cap is not a change")
T.eq(e.bound.A, "cap 0.1"); T.eq(e.bound.B, "cap 0.1"); T.eq(e.bound.C, nil); T.eq(e.info.n_bound, 2)
r = run_t(X.cap_per_name{ cap = 0.2, caps = { A = 0.05 } }, { A = 0.1, B = 0.3, C = -0.1 })
T.eq(r.weights.A, 0.05); T.eq(r.weights.B, 0.2); T.eq(r.weights.C, -0.1)
T.eq(r.trace[1].bound.A, "cap 0.05"); T.eq(r.trace[1].bound.B, "cap 0.2")
r = run_t(X.cap_per_name{ caps = { A = 0.05 } }, { A = -0.1, B = 5 })
T.eq(r.weights.A, -0.05); T.eq(r.weights.B, 5.0, "no cap for a name without one")
local B1 = "bad argument #1 to 'cap_per_name'"
T.raises(function() X.cap_per_name{} end, { B1, "cap or caps is required" })
T.raises(function() X.cap_per_name() end, { B1, "cap or caps is required" })
T.raises(function() X.cap_per_name{ cap = 0 } end, { B1, "cap must be a finite number > 0" })
T.raises(function() X.cap_per_name{ cap = 0 / 0 } end, { B1, "cap must be a finite number > 0" })
T.raises(function() X.cap_per_name{ cpa = 0.1 } end, { B1, "unknown key 'cpa' (expected one of: cap, caps)" })
T.raises(function() X.cap_per_name{ caps = { A = -1 } } end, { B1, "caps.A must be > 0, got -1" })
T.raises(function() X.cap_per_name{ caps = { A = "x" } } end, { B1, "caps.A must be a finite number" })
T.raises(function() X.cap_per_name{ caps = 3 } end, { B1, "caps must be a table" })
T.raises(function() X.cap_per_name(0.1) end, { B1, "table of named arguments expected, got number" })
local ok, err = pcall(function() X.cap_per_name{ cap = -1 } end)
T.check(err:find("test_pipeline.lua:%d+: bad argument #1 to 'cap_per_name'"), "constructor errors point at the caller: " .. err)
-- one strict-key checker for every pure-Lua part (folio/common.lua), in the C
-- side's shapes (lua/module/largs.c fl_check_args) and pointing at the caller
T.raises(function() X.cap_per_name{ 0.1 } end, { B1, "unexpected positional value #1; use named arguments" })
T.raises(function() X.cap_per_name{ [true] = 1 } end, { B1, "unexpected key of type boolean" })
T.raises(function() X.cap_per_name{ zz = 1, cpa = 1, cap = 1 } end, { "unknown key 'cpa'" }, "the first bad key in sorted order")
for _, case in ipairs({
  { function() folio.report.sleeves{ windwo = 1 } end, "bad argument #1 to 'report.sleeves' (unknown key 'windwo' (expected one of: " },
  { function() folio.report.sleeves{ 1 } end, "bad argument #1 to 'report.sleeves' (unexpected positional value #1; use named arguments)" },
  { function() folio.PortfolioAllocator{ target_weigth = 0.1 } end, "bad argument #1 to 'PortfolioAllocator' (unknown key 'target_weigth' (expected one of: " },
  { function() folio.position_sizers.new{ risk_per_trade = 0.01, weights = {} } end, "(unknown key 'weights' (expected one of: " },
  { function() folio.reconcile.cycle{ maxage = 1 } end, "bad argument #1 to 'cycle' (unknown key 'maxage' (expected one of: " },
  { function() folio.reconcile.cycle(5) end, "bad argument #1 to 'cycle' (table of named arguments expected, got number)" },
  { function() folio.sizers.kelly_fraction{ cpa = 1 } end, "bad argument #1 to 'kelly_fraction' (unknown key 'cpa' (expected one of: " },
}) do
  local ok, e = pcall(case[1])
  T.check(not ok and e:find(case[2], 1, true), "shape: " .. tostring(e))
  T.check(not ok and e:find("^[^\n]*test_pipeline%.lua:%d+: "), "points at the caller: " .. tostring(e))
end

-- ---- gross_cap ------------------------------------------------------------------------------
r = run_t(X.gross_cap{ max = 1.0 }, { A = 0.75, B = -0.5, C = 0.0, D = 0.25 })
T.eq(r.weights.A, 0.5); T.eq(r.weights.B, -1 / 3); T.eq(r.weights.D, 0.25 * (1.0 / 1.5)); T.eq(r.weights.C, 0.0)
e = r.trace[1]
T.eq(e.info.gross_before, 1.5); T.near(e.info.gross_after, 1.0, 1e-15); T.eq(e.info.factor, 1.0 / 1.5)
T.eq(e.bound.A, "gross_cap 1"); T.eq(e.bound.B, "gross_cap 1"); T.eq(e.bound.C, nil, "a zero weight is not bound")
r = run_t(X.gross_cap{ max = 2 }, { A = 0.75, B = -0.5 })
T.eq(r.weights.A, 0.75); T.eq(next(r.trace[1].bound), nil, "under the cap: nothing bound"); T.eq(next(r.trace[1].changed), nil)
T.raises(function() X.gross_cap{ max = -1 } end, { "bad argument #1 to 'gross_cap' (max must be a finite number > 0)" })
T.raises(function() X.gross_cap{} end, { "max must be a finite number > 0" })
T.raises(function() X.gross_cap{ max = 1, min = 0 } end, { "unknown key 'min' (expected one of: max)" })

-- ---- net_neutral ---------------------------------------------------------------------------------
r = run_t(X.net_neutral{}, { A = 0.5, B = 0.25, C = 0.0, D = -0.25 })
-- mean of the non-zero weights = 0.5 / 3
T.eq(r.weights.A, 0.5 - 0.5 / 3); T.eq(r.weights.B, 0.25 - 0.5 / 3); T.eq(r.weights.D, -0.25 - 0.5 / 3)
T.eq(r.weights.C, 0.0, "zero weights stay zero")
T.near(r.weights.A + r.weights.B + r.weights.D, 0, 1e-15, "net 0")
T.eq(r.trace[1].info.mean, 0.5 / 3); T.eq(r.trace[1].info.n_names, 3); T.eq(r.trace[1].info.net_before, 0.5)
r = run_t(X.net_neutral(), { A = 0.25, B = -0.25 })
T.eq(r.weights.A, 0.25, "already neutral"); T.eq(next(r.trace[1].changed), nil)
r = run_t(X.net_neutral{}, {})
T.eq(next(r.weights), nil, "empty book")
T.raises(function() X.net_neutral{ x = 1 } end, { "bad argument #1 to 'net_neutral' (unknown key 'x' (expected no arguments))" })

-- ---- beta_neutral ------------------------------------------------------------------------------------
-- w = (0.5, 0.5), b = (1, 2): k = (0.5 + 1) / (1 + 4) = 0.3 -> (0.2, -0.1); exposure 0.2 - 0.2 = 0
r = run_t(X.beta_neutral{ betas = { A = 1, B = 2, Z = 5 } }, { A = 0.5, B = 0.5, C = 0 })
T.eq(r.weights.A, 0.5 - 0.3 * 1); T.eq(r.weights.B, 0.5 - 0.3 * 2); T.eq(r.weights.C, 0, "flat names stay flat")
T.eq(r.weights.Z, nil, "a beta for a name not held adds no position")
T.eq(r.trace[1].info.k, 0.3); T.eq(r.trace[1].info.beta_before, 1.5); T.near(r.trace[1].info.beta_after, 0, 1e-16)
T.raises(function() run_t(X.beta_neutral{ betas = { A = 1 } }, { A = 0.5, B = 0.1 }) end,
  { "beta_neutral: no beta for held symbol 'B'" })
r = run_t(X.beta_neutral{ betas = { A = 0, B = 0 } }, { A = 0.5, B = 0.1 })
T.eq(r.weights.A, 0.5, "all betas 0: nothing to remove")
T.raises(function() X.beta_neutral{} end, { "bad argument #1 to 'beta_neutral' (betas is required)" })
T.raises(function() X.beta_neutral{ betas = { A = 0 / 0 } } end, { "betas.A must be a finite number" })

-- ---- scale -------------------------------------------------------------------------------------------------
r = run_t(X.scale{ factor = 0.5 }, { A = 0.3, B = -0.1 })
T.eq(r.weights.A, 0.15); T.eq(r.weights.B, -0.05); T.eq(r.trace[1].info.factor, 0.5)
r = run_t(X.scale{ factor = 0 }, { A = 0.3 })
T.eq(r.weights.A, 0.0)
T.raises(function() X.scale{ factor = -1 } end, { "bad argument #1 to 'scale' (factor must be a finite number >= 0)" })
T.raises(function() X.scale{ factor = math.huge } end, { "factor must be a finite number >= 0" })

-- ---- round_lots ----------------------------------------------------------------------------------------------
-- nav 1e6: A 0.1234 at $100 -> 1234 shares exactly; B -0.05 at $33 -> -1515.15 -> -1515 (toward zero);
-- C 0.1 at $7 with lots of 100 -> 14285.7 shares -> 142 lots = 14200 shares
r = run_t(X.round_lots{ nav_usd = 1e6, prices = { A = 100, B = 33, C = 7 }, lots = { C = 100 } },
  { A = 0.1234, B = -0.05, C = 0.1, D = 0 })
T.eq(r.weights.A, 0.1234, "whole lots kept (float noise snapped)")
T.eq(r.weights.B, -1515 * 33 / 1e6); T.eq(r.weights.C, 14200 * 7 / 1e6); T.eq(r.weights.D, 0)
local u = r.trace[1].info.units
T.eq(u.A, 1234); T.eq(u.B, -1515); T.eq(u.C, 14200); T.eq(u.D, 0)
T.check(math.abs(r.weights.B) <= 0.05 and r.weights.C <= 0.1, "never grows a position")
T.eq(r.trace[1].changed.A, nil); T.eq(r.trace[1].changed.B.before, -0.05)
-- nav from ctx, prices from ctx.market's last row, a lot size for all
local P = folio.matrix{ { 10, 20 }, { 11, 25 }, rows = { "2024-01-02", "2024-01-03" }, cols = { "A", "B" } }
local V = folio.matrix{ { 1000, 1000 }, { 1000, 1000 }, rows = { "2024-01-02", "2024-01-03" }, cols = { "A", "B" } }
local md = folio.data.market{ prices = P, volumes = V }
r = run_t(X.round_lots{ lot = 10 }, { A = 0.5, B = -0.3 }, { nav_usd = 1000, market = md })
-- A: 0.5 * 1000 / 11 = 45.45 -> 40 units; B: 300 / 25 = 12 -> 10 units
T.eq(r.weights.A, 40 * 11 / 1000); T.eq(r.weights.B, -10 * 25 / 1000)
T.eq(r.trace[1].info.units.A, 40); T.eq(r.trace[1].info.nav_usd, 1000)
T.raises(function() run_t(X.round_lots{}, { A = 0.5 }, { market = md }) end, { "round_lots: nav_usd is required" })
T.raises(function() run_t(X.round_lots{}, { A = 0.5 }, { nav_usd = 1 }) end, { "round_lots: prices are required" })
T.raises(function() run_t(X.round_lots{}, { Q = 0.5 }, { nav_usd = 1, market = md }) end,
  { "round_lots: no price for 'Q' in ctx.market on 2024-01-03" })
T.raises(function() run_t(X.round_lots{ prices = { A = 1 } }, { B = 0.5 }, { nav_usd = 1 }) end, { "round_lots: no price for 'B'" })
T.raises(function() X.round_lots{ lot = 0 } end, { "bad argument #1 to 'round_lots' (lot must be a finite number > 0)" })
T.raises(function() X.round_lots{ prices = { A = -1 } } end, { "prices.A must be > 0" })
T.raises(function() X.round_lots{ nav_usd = 0 } end, { "nav_usd must be a finite number > 0" })
T.raises(function() X.round_lots{ lots = { A = 1.5, B = 0 } } end, { "lots.B must be > 0" })

-- ---- transforms are read-only objects ----------------------------------------------------------------------------------
T.raises(function() t.name = "x" end, { "attempt to modify" })
T.eq(X.cap_per_name{ cap = 0.1 }:describe().params.cap, 0.1)

-- ---- pipelines --------------------------------------------------------------------------------------------------------------
local sig = { A = 5, B = 4, C = 3, D = 2, E = 1, F = folio.missing }
local capped = folio.pipeline{
  name = "capped_ew", description = "equal weight, capped",
  { sizer = "equal_weight_ls", params = { n_long = 2, n_short = 1, gross = 1.5 } },
  X.cap_per_name{ cap = 0.3 },
  X.gross_cap{ max = 1.0 },
}
T.eq(tostring(capped), "folio.pipeline(capped_ew)"); T.eq(capped.kind, "pipeline"); T.eq(capped.name, "capped_ew")
T.check(folio.is_pipeline(capped) and not folio.is_policy(capped), "is_pipeline")
r = capped:run{ signal = sig, weights = { A = 0.1, Z = 0.2 } }
-- step 1: A, B long 0.375 each, E short -0.75; step 2: caps to 0.3 / -0.3; step 3: gross 0.9 <= 1, unchanged
T.eq(r.name, "capped_ew"); T.eq(r.weights.A, 0.3); T.eq(r.weights.B, 0.3); T.eq(r.weights.E, -0.3); T.eq(r.weights.Z, nil)
T.eq(#r.trace, 3)
local e1, e2, e3 = r.trace[1], r.trace[2], r.trace[3]
T.eq(e1.step, 1); T.eq(e1.name, "equal_weight_ls"); T.eq(e1.kind, "policy")
T.eq(e1.changed.A.before, 0.1, "first step's input is ctx.weights"); T.eq(e1.changed.A.after, 0.375)
T.eq(e1.changed.Z.before, 0.2); T.eq(e1.changed.Z.after, nil, "Z dropped by the sizer")
T.eq(e1.changed.B.before, nil); T.eq(e1.changed.B.after, 0.375)
T.eq(e1.info.n_long, 2, "sizer step info recorded"); T.eq(e1.params.gross, 1.5)
T.eq(e2.name, "cap_per_name"); T.eq(e2.changed.A.before, 0.375); T.eq(e2.changed.A.after, 0.3)
T.eq(e2.changed.E.before, -0.75); T.eq(e2.bound.A, "cap 0.3"); T.eq(e2.bound.E, "cap 0.3")
T.eq(e3.name, "gross_cap"); T.eq(next(e3.changed), nil); T.eq(next(e3.bound), nil)
T.eq(r.params[1].n_long, 2, "result.params by step"); T.eq(r.params[2], nil)
T.eq(r.info.n_steps, 3); T.eq(r.info.usd_targets, nil, "no usd without ctx.nav_usd")
-- the gross cap binds when the per-name cap is looser
local tight = folio.pipeline{ name = "tight", { sizer = "equal_weight_ls", params = { n_long = 2, n_short = 2 } },
  X.cap_per_name{ cap = 0.4 }, X.gross_cap{ max = 0.5 } }
r = tight:run({ signal = sig, nav_usd = 1e6 })
T.eq(r.weights.A, 0.125); T.eq(r.weights.E, -0.125)
T.eq(r.trace[2].bound.A, nil, "per-name cap did not bind"); T.eq(r.trace[3].bound.A, "gross_cap 0.5", "gross cap bound")
T.eq(r.info.usd_targets.A, 125000.0); T.eq(r.info.usd_targets.E, -125000.0)

-- overrides by step name and number; a typo is an error
r = capped:run({ signal = sig }, { equal_weight_ls = { n_long = 1 } })
T.eq(r.weights.A, 0.3); T.eq(r.weights.B, nil); T.eq(r.params[1].n_long, 1); T.eq(r.params[1].gross, 1.5, "declared params kept")
r = capped:run({ signal = sig }, { [1] = { gross = 0.3 } })
T.eq(r.weights.A, 0.075)
local B2 = "bad argument #2 to 'run' (pipeline 'capped_ew': "
T.raises(function() capped:run({ signal = sig }, { kelly = {} }) end, { B2, "overrides key 'kelly' names no sizer step" })
T.raises(function() capped:run({ signal = sig }, { [2] = {} }) end, { B2, "step 2 is a transform and takes no overrides" })
T.raises(function() capped:run({ signal = sig }, { [4] = {} }) end, { B2, "overrides key 4 is not a step (1..3)" })
T.raises(function() capped:run({ signal = sig }, { [1] = 5 }) end, { B2, "overrides for step 1 must be a table" })
T.raises(function() capped:run({ signal = sig }, { [1] = {}, equal_weight_ls = {} }) end, { B2, "overridden twice" })
T.raises(function() capped:run({ signal = sig }, 1) end, { B2, "overrides must be a table" })
T.raises(function() capped:run({ signal = sig }, { equal_weight_ls = { n_lonng = 1 } }) end,
  { "pipeline 'capped_ew' step 1 (equal_weight_ls)", "unknown parameter 'n_lonng'" })
T.raises(function() capped:run{ signals = sig } end, { "bad argument #1 to 'run' (unknown ctx key 'signals'" })

-- a step's failure names the pipeline and the step; the caller's line comes first
ok, err = pcall(function() capped:run{} end)
T.check(err:find("^.-test_pipeline.lua:%d+: pipeline 'capped_ew' step 1 %(equal_weight_ls%): policy 'equal_weight_ls': ctx.signal is required"),
  "step error: " .. err)
local ghost = folio.pipeline{ name = "ghost", "no_such_sizer" }
T.raises(function() ghost:run{} end, { "pipeline 'ghost' step 1 (no_such_sizer)", "unknown sizer 'no_such_sizer' (known: " })

-- ctx is not changed by a pipeline, and each step sees its own copy
local ctx = { signal = sig, weights = { A = 0.1 } }
capped:run(ctx)
T.eq(ctx.weights.A, 0.1); T.eq(ctx.weights.B, nil)

-- pipeline of pipelines, registered and fetched by name
folio.registry.register(capped)
T.eq(folio.registry.get("capped_ew"), capped)
local outer = folio.pipeline{ name = "outer", "capped_ew", X.net_neutral{}, X.scale{ factor = 2 } }
r = outer:run{ signal = sig }
-- capped: A 0.3, B 0.3, E -0.3; mean 0.1 -> 0.2, 0.2, -0.4; x2 -> 0.4, 0.4, -0.8
T.near(r.weights.A, 0.4, 1e-15); T.near(r.weights.B, 0.4, 1e-15); T.near(r.weights.E, -0.8, 1e-15)
T.eq(r.trace[1].kind, "pipeline"); T.eq(r.trace[1].name, "capped_ew"); T.eq(#r.trace[1].trace, 3, "nested trace kept")
T.eq(r.trace[1].bound.A, "cap 0.3", "nested bounds surface"); T.eq(r.trace[1].trace[2].bound.E, "cap 0.3")
T.eq(r.trace[1].changed.A.after, 0.3); T.eq(r.trace[2].name, "net_neutral"); T.near(r.trace[3].changed.E.before, -0.4, 1e-15)
T.eq(r.params[1][1].n_long, 2, "nested params")
local outer2 = folio.pipeline{ name = "outer2", capped, { sizer = outer }, X.scale{ factor = 1 } }
T.near(outer2:run{ signal = sig }.weights.A, 0.4, 1e-15, "objects as steps")
-- a registered pipeline is a step by name, and a registered name resolves at run time
folio.registry.register(outer)
local byname = folio.pipeline{ name = "byname", "outer" }
T.near(byname:run{ signal = sig }.weights.E, -0.8, 1e-15)
folio.registry.register(folio.pipeline{ name = "capped_ew", { sizer = "fixed_weight", params = { weights = { A = 0.01 } } } },
  { replace = true })
T.eq(byname:run{ signal = sig }.weights.A, 0.0, "the current registration wins (0.01 net-neutralised to 0)")
folio.registry.register(capped, { replace = true })
-- a pipeline that reaches itself is an error, not a stack overflow
local selfref = folio.pipeline{ name = "selfref", "selfref" }
folio.registry.register(selfref)
T.raises(function() selfref:run{} end, { "pipeline 'selfref' runs itself" })
T.check(pcall(capped.run, capped, { signal = sig }), "guard released after an error")

-- describe
local d = capped:describe()
T.eq(d.name, "capped_ew"); T.eq(d.kind, "pipeline"); T.eq(d.description, "equal weight, capped"); T.eq(#d.steps, 3)
T.eq(d.steps[1].kind, "sizer"); T.eq(d.steps[1].name, "equal_weight_ls"); T.eq(d.steps[1].params.n_long, 2)
T.eq(d.steps[2].kind, "transform"); T.eq(d.steps[2].name, "cap_per_name"); T.eq(d.steps[2].params.cap, 0.3)

-- declaration errors
local BP = "bad argument #1 to 'pipeline'"
T.raises(function() folio.pipeline{ "equal_weight_ls" } end, { BP, "name must be a string" })
T.raises(function() folio.pipeline{ name = "x y", "equal_weight_ls" } end, { BP, "'x y' is not a valid name" })
T.raises(function() folio.pipeline{ name = "p" } end, { BP, "a pipeline needs at least one step" })
T.raises(function() folio.pipeline{ name = "p", step = "x" } end, { BP, "unknown key 'step'" })
T.raises(function() folio.pipeline{ name = "p", 42 } end, { BP, "step 1 is a number" })
T.raises(function() folio.pipeline{ name = "p", "bad name" } end, { BP, "step 1 'bad name' is not a valid sizer name" })
T.raises(function() folio.pipeline{ name = "p", { sizer = 1 } } end, { BP, "step 1 sizer must be a registered name or a policy/pipeline" })
T.raises(function() folio.pipeline{ name = "p", { sizer = "x", parms = {} } } end, { BP, "step 1 has unknown key 'parms'" })
T.raises(function() folio.pipeline{ name = "p", { sizer = "x", zz = 1, parms = {} } } end,
  { BP .. " (step 1 has unknown key 'parms' (expected one of: params, sizer))" })
T.raises(function() folio.pipeline{ name = "p", { "x" } } end,
  { BP .. " (step 1 has unexpected positional value #1; use named arguments)" })
T.raises(function() folio.pipeline{ name = "p", { sizer = "x", params = 1 } } end, { BP, "step 1 params must be a table" })
T.raises(function() folio.pipeline{ name = "p", description = 1, "x" } end, { BP, "description must be a string" })
T.raises(function() folio.pipeline("p") end, { BP, "table of named arguments expected" })
T.raises(function() capped.name = "x" end, { "attempt to modify" })

-- kelly + caps + lots on the sample data: deterministic to the bit, caps never exceeded
local market = folio.data.read_market{ prices = "examples/data/prices.csv", volumes = "examples/data/volumes.csv" }
local LR = market:prices():returns("log")
local n_rows = LR:shape()
local signal = {}
for _, sym in ipairs(LR:symbols()) do
  local complete, s = true, 0.0
  for tt = n_rows - 251, n_rows do if LR:get(tt, sym) == nil then complete = false end end
  if complete then
    for tt = n_rows - 130, n_rows - 5 do s = s + LR:get(tt, sym) end
    signal[sym] = s
  else
    signal[sym] = folio.missing
  end
end
local kelly = folio.pipeline{ name = "capped_kelly",
  { sizer = "kelly_voltarget_12", params = { cap = 0.25 } },
  X.cap_per_name{ cap = 0.08, caps = { EQ_TECH1 = 0.02 } },
  X.gross_cap{ max = 1.2 },
  X.round_lots{},
}
local sctx = { signal = signal, returns = LR, nav_usd = 1e6, market = market }
local a, b = kelly:run(sctx), kelly:run(sctx)
for _, s in ipairs(T.keys(a.weights)) do
  T.eq(a.weights[s], b.weights[s], "deterministic " .. s)
  T.check(math.abs(a.weights[s]) <= (s == "EQ_TECH1" and 0.02 or 0.08), "cap kept through rounding " .. s)
end
local g = 0
for _, v in pairs(a.weights) do g = g + math.abs(v) end
T.check(g <= 1.2 + 1e-12, "gross cap kept")
T.check(next(a.trace[2].bound) ~= nil, "some names bound by the per-name cap")
for s, why in pairs(a.trace[2].bound) do T.eq(why, s == "EQ_TECH1" and "cap 0.02" or "cap 0.08", "bound " .. s) end
local direct = folio.sizers.kelly_voltarget_12{ signal = signal, returns = LR, nav_usd = 1e6, cap = 0.25 }
for s, v in pairs(direct) do T.eq(a.trace[1].changed[s].after, v, "step 1 output = the sizer " .. s) end
for s, v in pairs(a.trace[4].info.units) do T.eq(math.type(v) == "integer" or v == math.floor(v), true, "whole units " .. s) end
T.eq(a.info.usd_targets.EQ_TECH1, folio.usd_round_cents(a.weights.EQ_TECH1 * 1e6))

T.finish("test_pipeline")
