-- folio.policy, folio.registry and the built-in adapters through the host:
-- declaration and parameter checks, result validation, the registry, and
-- the shipped policies in policies/ against the C built-ins.
local T = dofile((arg[0]:match("^(.*)/") or ".") .. "/testlib.lua")
local folio = require "folio"

local function ok_size(ctx, p) return { A = 0.1 } end
local function decl(extra)
  local d = { name = "t", size = ok_size }
  for k, v in pairs(extra or {}) do d[k] = v end
  return d
end

-- ---- declarations -------------------------------------------------------------
local pol = folio.policy{
  name = "demo.one", description = "a demo",
  params = {
    n = { type = "integer", default = 5, min = 0, doc = "count" },
    g = { type = "number", default = 1.0, min = 0, exclusive_min = true },
    mode = { type = "string", default = "a", enum = { "a", "b" } },
    flag = { type = "boolean", default = false },
    extra = { type = "table" },
    need = { type = "number", required = true, max = 10 },
  },
  size = function(ctx, p)
    return { A = p.g * p.n, B = p.need }, { mode = p.mode, flag = p.flag, extra = p.extra }
  end,
}
T.eq(tostring(pol), "folio.policy(demo.one)", "tostring")
T.eq(pol.name, "demo.one"); T.eq(pol.kind, "policy"); T.eq(pol.description, "a demo")
T.eq(getmetatable(pol), false, "metatable hidden")
T.raises(function() pol.name = "x" end, { "attempt to modify", "'name'" })
T.raises(function() pol.size = ok_size end, { "attempt to modify" })
T.check(folio.is_policy(pol) and not folio.is_policy({}) and not folio.is_pipeline(pol), "is_policy")

local P = "bad argument #1 to 'policy'"
T.raises(function() folio.policy("x") end, { P, "table of named arguments expected, got string" })
T.raises(function() folio.policy(decl{ sise = ok_size }) end, { P, "unknown key 'sise'" })
T.raises(function() folio.policy{ size = ok_size } end, { P, "name must be a string, got nil" })
T.raises(function() folio.policy(decl{ name = "9lives" }) end, { P, "'9lives' is not a valid name" })
T.raises(function() folio.policy(decl{ name = "a-b" }) end, { P, "'a-b' is not a valid name" })
T.raises(function() folio.policy(decl{ name = "" }) end, { P, "is not a valid name" })
T.check(pcall(folio.policy, decl{ name = "_a.b_2" }), "dots and underscores are fine")
T.raises(function() folio.policy(decl{ description = 5 }) end, { P, "description must be a string" })
T.raises(function() folio.policy{ name = "t" } end, { P, "size must be a function" })
T.raises(function() folio.policy(decl{ size = "f" }) end, { P, "size must be a function(ctx, p), got string" })
T.raises(function() folio.policy(decl{ params = 3 }) end, { P, "params must be a table" })
T.raises(function() folio.policy(decl{ params = { "x" } }) end, { P, "params key 1 is not a valid parameter name" })
T.raises(function() folio.policy(decl{ params = { ["a b"] = { type = "number" } } }) end, { P, "'a b' is not a valid parameter name" })
T.raises(function() folio.policy(decl{ params = { x = 1 } }) end, { P, "params.x: spec must be a table, got number" })
T.raises(function() folio.policy(decl{ params = { x = { type = "number", defualt = 1 } } }) end,
  { P, "params.x: unknown key 'defualt'" })
T.raises(function() folio.policy(decl{ params = { x = { type = "float" } } }) end, { P, "params.x: type must be one of", "'float'" })
T.raises(function() folio.policy(decl{ params = { x = { default = 1 } } }) end, { P, "params.x: type must be one of", "got nil" })
T.raises(function() folio.policy(decl{ params = { x = { type = "number", default = "1" } } }) end,
  { P, "params.x: default must be a number, got string" })
T.raises(function() folio.policy(decl{ params = { x = { type = "number", default = 0 / 0 } } }) end,
  { P, "params.x: default must be finite" })
T.raises(function() folio.policy(decl{ params = { x = { type = "integer", default = 1.5 } } }) end,
  { P, "params.x: default must be a whole number, got 1.5" })
T.raises(function() folio.policy(decl{ params = { x = { type = "number", default = -1, min = 0 } } }) end,
  { P, "params.x: default must be >= 0, got -1" })
T.raises(function() folio.policy(decl{ params = { x = { type = "number", default = 0, min = 0, exclusive_min = true } } }) end,
  { P, "params.x: default must be > 0, got 0" })
T.raises(function() folio.policy(decl{ params = { x = { type = "number", default = 2, max = 1 } } }) end,
  { P, "params.x: default must be <= 1, got 2" })
T.raises(function() folio.policy(decl{ params = { x = { type = "number", default = 1, max = 1, exclusive_max = true } } }) end,
  { P, "params.x: default must be < 1, got 1" })
T.raises(function() folio.policy(decl{ params = { x = { type = "string", default = "c", enum = { "a", "b" } } } }) end,
  { P, "params.x: default must be one of a, b, got 'c'" })
T.raises(function() folio.policy(decl{ params = { x = { type = "boolean", default = 1 } } }) end,
  { P, "params.x: default must be a boolean, got number" })
T.raises(function() folio.policy(decl{ params = { x = { type = "table", default = true } } }) end,
  { P, "params.x: default must be a table, got boolean" })
T.raises(function() folio.policy(decl{ params = { x = { type = "string", min = 0 } } }) end,
  { P, "params.x: min is only for number and integer parameters" })
T.raises(function() folio.policy(decl{ params = { x = { type = "number", min = "0" } } }) end,
  { P, "params.x: min must be a finite number" })
T.raises(function() folio.policy(decl{ params = { x = { type = "number", exclusive_min = true } } }) end,
  { P, "params.x: exclusive_min needs min" })
T.raises(function() folio.policy(decl{ params = { x = { type = "number", min = 0, exclusive_min = 1 } } }) end,
  { P, "params.x: exclusive_min must be a boolean" })
T.raises(function() folio.policy(decl{ params = { x = { type = "number", min = 2, max = 1 } } }) end,
  { P, "params.x: min is greater than max" })
T.raises(function() folio.policy(decl{ params = { x = { type = "number", enum = { "a" } } } }) end,
  { P, "params.x: enum is only for string parameters" })
T.raises(function() folio.policy(decl{ params = { x = { type = "string", enum = {} } } }) end,
  { P, "params.x: enum must be a non-empty array of strings" })
T.raises(function() folio.policy(decl{ params = { x = { type = "string", enum = { "a", 2 } } } }) end,
  { P, "params.x: enum must be a non-empty array of strings" })
T.raises(function() folio.policy(decl{ params = { x = { type = "number", doc = 1 } } }) end, { P, "params.x: doc must be a string" })
T.raises(function() folio.policy(decl{ params = { x = { type = "number", required = true, default = 1 } } }) end,
  { P, "params.x: a required parameter has no default" })
-- the error points at the caller's line
local ok, err = pcall(function() folio.policy(decl{ name = "a b" }) end)
T.check(not ok and err:find("test_policy.lua:%d+: bad argument #1 to 'policy'"), "location of the caller: " .. tostring(err))

-- ---- describe -------------------------------------------------------------------
local d = pol:describe()
T.eq(d.name, "demo.one"); T.eq(d.kind, "policy"); T.eq(d.description, "a demo")
T.eq(d.params.n.default, 5); T.eq(d.params.n.type, "integer"); T.eq(d.params.n.doc, "count")
T.eq(d.params.g.exclusive_min, true); T.eq(d.params.need.required, true); T.eq(d.params.mode.enum[2], "b")
d.params.n.default = 99
T.eq(pol:describe().params.n.default, 5, "describe returns a copy")

-- ---- run: params ------------------------------------------------------------------
local r = pol:run({}, { need = 3 })
T.eq(r.name, "demo.one"); T.eq(r.weights.A, 5.0); T.eq(r.weights.B, 3.0)
T.eq(math.type(r.weights.A), "float", "weights are floats")
T.eq(r.params.n, 5); T.eq(r.params.g, 1.0); T.eq(r.params.mode, "a"); T.eq(r.params.flag, false); T.eq(r.params.need, 3)
T.eq(r.info.mode, "a"); T.eq(r.info.extra, nil)
r = pol:run({}, { need = 1, n = 2.0, g = 0.5, mode = "b", flag = true, extra = { 1 } })
T.eq(math.type(r.params.n), "integer", "integral float -> integer"); T.eq(r.weights.A, 1.0)
T.eq(r.info.mode, "b"); T.eq(r.info.flag, true); T.eq(r.info.extra[1], 1)
local R2 = "bad argument #2 to 'run'"
T.raises(function() pol:run({}, { need = 1, m = 1 }) end,
  { R2, "policy 'demo.one': unknown parameter 'm' (expected one of: extra, flag, g, mode, n, need)" })
T.raises(function() pol:run({}) end, { R2, "policy 'demo.one': parameter 'need' is required" })
T.raises(function() pol:run({}, { need = "1" }) end, { R2, "parameter 'need' must be a number, got string" })
T.raises(function() pol:run({}, { need = 11 }) end, { R2, "parameter 'need' must be <= 10, got 11" })
T.raises(function() pol:run({}, { need = 1, g = 0 }) end, { R2, "parameter 'g' must be > 0, got 0" })
T.raises(function() pol:run({}, { need = 1, n = -1 }) end, { R2, "parameter 'n' must be >= 0, got -1" })
T.raises(function() pol:run({}, { need = 1, n = 1.5 }) end, { R2, "parameter 'n' must be a whole number, got 1.5" })
T.raises(function() pol:run({}, { need = 1, mode = "z" }) end, { R2, "parameter 'mode' must be one of a, b, got 'z'" })
T.raises(function() pol:run({}, { need = 1, flag = 1 }) end, { R2, "parameter 'flag' must be a boolean, got number" })
T.raises(function() pol:run({}, { need = math.huge }) end, { R2, "parameter 'need' must be finite" })
T.raises(function() pol:run({}, 5) end, { R2, "overrides must be a table, got number" })
local noparams = folio.policy(decl{ name = "np" })
T.raises(function() noparams:run({}, { x = 1 }) end, { "unknown parameter 'x' (it takes no parameters)" })
T.raises(function() pol.run({}, {}) end, { "bad argument #1 to 'run' (folio.policy expected)" })

-- ---- run: ctx ------------------------------------------------------------------------
local R1 = "bad argument #1 to 'run'"
T.raises(function() noparams:run() end, { R1, "ctx must be a table, got nil" })
T.raises(function() noparams:run{ signals = {} } end, { R1, "unknown ctx key 'signals'" })
T.raises(function() noparams:run{ signal = 1 } end, { R1, "ctx.signal must be a table, got number" })
T.raises(function() noparams:run{ returns = {} } end, { R1, "ctx.returns must be a userdata" })
T.raises(function() noparams:run{ nav_usd = -1 } end, { R1, "ctx.nav_usd must be finite and > 0" })
T.raises(function() noparams:run{ weights = { A = 0 / 0 } } end, { R1, "ctx.weights.A is not finite" })
T.raises(function() noparams:run{ weights = { A = "x" } } end, { R1, "ctx.weights.A must be a number, got string" })
T.raises(function() noparams:run{ weights = { 0.5 } } end, { R1, "ctx.weights key 1 is not a symbol" })
T.raises(function() noparams:run{ session = 1 } end, { R1, "ctx.session must be a string" })
T.check(pcall(noparams.run, noparams, { signal = { A = folio.missing }, asof = 1700000000, session = "RTH" }), "NaN signal is fine")

-- a policy cannot change the caller's ctx
local meddler = folio.policy{ name = "meddler", size = function(ctx)
  ctx.weights.A = 99; ctx.signal.A = 99; ctx.nav_usd = 1; ctx.extra = true
  return { A = 0.5 }
end }
local ctx = { weights = { A = 0.1 }, signal = { A = 1 }, nav_usd = 100 }
r = meddler:run(ctx)
T.eq(ctx.weights.A, 0.1, "weights untouched"); T.eq(ctx.signal.A, 1, "signal untouched"); T.eq(ctx.nav_usd, 100); T.eq(ctx.extra, nil)
T.eq(r.trace[1].changed.A.before, 0.1, "trace before is the input weight"); T.eq(r.trace[1].changed.A.after, 0.5)
-- and the weights it returns are copied
local keep = { A = 0.3 }
local leaker = folio.policy{ name = "leaker", size = function() return keep end }
r = leaker:run{}
keep.A = 7
T.eq(r.weights.A, 0.3, "result weights are a copy")

-- ---- run: returned weights and errors -------------------------------------------------
local function returning(w, info)
  return folio.policy{ name = "ret", size = function() return w, info end }
end
T.raises(function() returning({ A = 0 / 0 }):run{} end, { "policy 'ret' returned NaN as the weight of 'A'" })
T.raises(function() returning({ A = math.huge }):run{} end, { "policy 'ret' returned an infinite weight for 'A'" })
T.raises(function() returning({ A = "0.1" }):run{} end, { "policy 'ret' returned a string as the weight of 'A'" })
T.raises(function() returning("weights"):run{} end, { "policy 'ret' returned a string instead of a weights table" })
T.raises(function() returning(nil):run{} end, { "policy 'ret' returned a nil instead of a weights table" })
T.raises(function() returning({ 0.5 }):run{} end, { "policy 'ret' returned weights with key 1 that is not a symbol" })
T.raises(function() returning({ A = 0.1 }, "info"):run{} end, { "policy 'ret' returned a string as info" })
T.eq(next(returning({}):run{}.weights), nil, "empty weights are fine")
ok, err = pcall(function() returning({ A = 0 / 0 }):run{} end)
T.check(err:find("^.-test_policy.lua:%d+: policy 'ret'"), "bad weights point at the run caller: " .. err)

local function failing(f) return folio.policy{ name = "boom", size = f } end
T.raises(function() failing(function() error("no location", 0) end):run{} end, { "policy 'boom': no location" })
ok, err = pcall(function() failing(function() error("with location") end):run{} end)
T.check(err:find("test_policy.lua:%d+: with location$") and not err:find("policy 'boom'"), "user location kept: " .. err)
ok, err = pcall(function() failing(function() error({ code = 7 }) end):run{} end)
T.eq(type(err), "table", "error objects pass through"); T.eq(err.code, 7)
ok, err = pcall(function() failing(function() local x = nil; return x.y end):run{} end)
T.check(err:find("test_policy.lua:%d+: attempt to index"), "runtime error keeps its location: " .. err)

-- ---- the registry -----------------------------------------------------------------------------
local names = folio.registry.names()
for _, n in ipairs{ "equal_weight_ls", "fixed_weight", "kelly_fraction", "kelly_voltarget_12", "kelly_voltarget_8", "vol_target_weights" } do
  T.check(folio.registry.has(n), "built-in registered: " .. n)
end
for i = 2, #names do T.check(names[i - 1] < names[i], "names sorted") end
T.eq(folio.registry.has("nope"), false)
T.raises(function() folio.registry.get("nope") end,
  { "bad argument #1 to 'get' (unknown sizer 'nope' (known: ", "equal_weight_ls, fixed_weight, kelly_fraction, kelly_voltarget_12, kelly_voltarget_8" })
T.raises(function() folio.registry.builtin("nope") end,
  { "bad argument #1 to 'builtin' (unknown built-in 'nope' (known: equal_weight_ls, fixed_weight, kelly_fraction, kelly_voltarget_12, kelly_voltarget_8, vol_target_weights))" })
T.raises(function() folio.registry.get(1) end, { "bad argument #1 to 'get' (string expected, got number)" })
T.raises(function() folio.registry.has(nil) end, { "bad argument #1 to 'has' (string expected" })
local mine = folio.policy{ name = "mine", size = ok_size }
T.eq(folio.registry.register(mine), mine, "register returns the object")
T.eq(folio.registry.get("mine"), mine)
T.raises(function() folio.registry.register(folio.policy{ name = "mine", size = ok_size }) end,
  { "bad argument #1 to 'register' (a sizer named 'mine' is already registered; pass {replace = true} to replace it)" })
local mine2 = folio.policy{ name = "mine", size = function() return { B = 1 } end }
folio.registry.register(mine2, { replace = true })
T.eq(folio.registry.get("mine"), mine2, "replaced")
T.raises(function() folio.registry.register({ name = "fake", run = ok_size }) end,
  { "bad argument #1 to 'register' (folio.policy or folio.pipeline expected, got table)" })
T.raises(function() folio.registry.register(mine, { replcae = true }) end, { "bad argument #2 to 'register' (unknown key 'replcae'" })
T.raises(function() folio.registry.register(mine, { replace = 1 }) end, { "replace must be a boolean" })
T.raises(function() folio.registry.register(mine, true) end, { "bad argument #2 to 'register' (table expected" })
T.raises(function() folio.registry.register(mine, { replcae = true, aaa = 1 }) end,
  { "bad argument #2 to 'register' (unknown key 'aaa' (expected one of: replace))" })
T.raises(function() folio.registry.register(mine, { true }) end,
  { "bad argument #2 to 'register' (unexpected positional value #1; use named arguments)" })
T.raises(function() folio.registry.register(mine, { replace = 1 }) end, { "bad argument #2 to 'register' (replace must be a boolean)" })
-- a policy file may override a built-in of the same name
-- (the host may already have registered the shipped policies/ over the built-ins;
-- folio.registry.builtin(name) is always the C-backed adapter)
local builtin_ew = folio.registry.builtin("equal_weight_ls")
T.eq(builtin_ew:describe().builtin, true)
local current_ew = folio.registry.get("equal_weight_ls")
folio.registry.register(folio.policy{ name = "equal_weight_ls", size = ok_size }, { replace = true })
T.eq(folio.registry.get("equal_weight_ls"):run{}.weights.A, 0.1, "override of a built-in")
T.eq(folio.registry.builtin("equal_weight_ls"), builtin_ew, "builtin() unaffected")
folio.registry.register(current_ew, { replace = true })

-- ---- built-in adapters == direct folio.sizers calls -------------------------------------------------
local function same(a, b, what, tol)
  for _, s in ipairs(T.keys(b)) do
    if tol then T.near(a[s], b[s], tol, what .. " " .. s) else T.eq(a[s], b[s], what .. " " .. s) end
  end
  T.eq(#T.keys(a), #T.keys(b), what .. " same names")
end
local S = folio.sizers
local sig = { A = 3, B = -1, C = 2, D = folio.missing, E = 0.5, F = -2 }
r = folio.registry.builtin("equal_weight_ls"):run({ signal = sig }, { n_long = 2, n_short = 1, gross = 2 })
local w, info = S.equal_weight_ls{ signal = sig, n_long = 2, n_short = 1, gross = 2 }
same(r.weights, w, "equal_weight_ls"); same(r.info, info, "equal_weight_ls info")
r = folio.registry.builtin("equal_weight_ls"):run{ signal = sig }
w = S.equal_weight_ls{ signal = sig, n_long = 5, n_short = 5, gross = 1.0 }
same(r.weights, w, "equal_weight_ls defaults")
T.raises(function() folio.registry.builtin("equal_weight_ls"):run{} end, { "policy 'equal_weight_ls': ctx.signal is required" })

local cov = folio.matrix{ { 0.04, 0.01 }, { 0.01, 0.09 }, rows = { "X", "Y" }, cols = { "X", "Y" } }
local mu = { X = 0.004, Y = 0.018 }
r = folio.registry.builtin("kelly_fraction"):run({ expected_returns = mu, cov = cov }, { risk_aversion = 2, cap = 0.08 })
w, info = S.kelly_fraction{ expected_returns = mu, cov = cov, risk_aversion = 2, cap = 0.08 }
same(r.weights, w, "kelly_fraction"); same(r.info.raw, info.raw, "kelly raw"); same(r.info.capped, info.capped, "kelly capped")
T.eq(r.info.ridge, info.ridge); T.eq(r.info.repair.method, "error"); T.eq(r.info.repair.applied, false)
T.eq(r.trace[1].bound.Y, "cap 0.08", "trace: the cap bound Y"); T.eq(r.trace[1].bound.X, nil)
r = folio.registry.builtin("kelly_fraction"):run{ expected_returns = mu, cov = cov }
same(r.weights, S.kelly_fraction{ expected_returns = mu, cov = cov }, "kelly_fraction defaults (no cap)")
local bad = folio.matrix{ { 1, 2 }, { 2, 1 }, rows = { "X", "Y" }, cols = { "X", "Y" } }
ok, err = pcall(function() folio.registry.builtin("kelly_fraction"):run{ expected_returns = mu, cov = bad } end)
T.check(err:find("^.-test_policy.lua:%d+: policy 'kelly_fraction': kelly_fraction: cov is not positive definite"),
  "core error: caller location + policy name, no internal location: " .. err)

local rows = {}
for i = 1, 80 do rows[i] = { (i % 2 == 0) and 0.01 or -0.01, (i % 3 == 0) and 0.02 or -0.005 } end
rows.cols = { "X", "Y" }
local LRs = folio.matrix(rows)
r = folio.registry.builtin("vol_target_weights"):run({ weights = { X = 0.5, Y = -0.2 }, returns = LRs }, { target_ann_vol = 0.1, window = 40 })
w, info = S.vol_target_weights{ base_weights = { X = 0.5, Y = -0.2 }, asset_log_returns = LRs, target_ann_vol = 0.1, window = 40 }
same(r.weights, w, "vol_target_weights"); same(r.info, info, "vol_target info")
T.raises(function() folio.registry.builtin("vol_target_weights"):run{ weights = { X = 1 }, returns = LRs } end,
  { "parameter 'target_ann_vol' is required" })

r = folio.registry.builtin("fixed_weight"):run({}, { weights = { A = 0.3, B = -0.2 } })
same(r.weights, S.fixed_weight{ weights = { A = 0.3, B = -0.2 } }, "fixed_weight params")
r = folio.registry.builtin("fixed_weight"):run{ weights = { A = 0.25 } }
T.eq(r.weights.A, 0.25, "fixed_weight from ctx.weights")
T.raises(function() folio.registry.builtin("fixed_weight"):run({}, { weights = { A = 0 / 0 } }) end, { "weights.A is NaN" })

-- ---- the shipped policies == the built-ins, on the sample data ------------------------------------
local market = folio.data.read_market{ prices = "examples/data/prices.csv", volumes = "examples/data/volumes.csv" }
local LR = market:prices():returns("log")
local n_rows = LR:shape()
local signal = {}
for _, sym in ipairs(LR:symbols()) do
  local complete, s = true, 0.0
  for t = n_rows - 251, n_rows do if LR:get(t, sym) == nil then complete = false end end
  if complete then
    for t = n_rows - 130, n_rows - 5 do s = s + LR:get(t, sym) end
    signal[sym] = s
  else
    signal[sym] = folio.missing
  end
end
local sample_ctx = { signal = signal, returns = LR, nav_usd = 1e6 }
local INFO_KEYS = { "scale", "realised_vol", "final_vol", "ridge", "n_capped", "n_active", "target_ann_vol", "ic", "risk_aversion", "cap", "nav_usd" }
for _, case in ipairs{
  { "kelly_voltarget_12", S.kelly_voltarget_12, {} },
  { "kelly_voltarget_8", S.kelly_voltarget_8, {} },
  { "kelly_voltarget_12", S.kelly_voltarget_12, { cap = 0.05, ic = 0.1, cov_window = 126, vol_window = 21, risk_aversion = 1 } },
  { "kelly_voltarget_8", S.kelly_voltarget_8, { max_scale = 0.5, repair = "ridge", periods_per_year = 260 } },
} do
  local name, direct, over = case[1], case[2], case[3]
  local args = { signal = signal, returns = LR, nav_usd = 1e6 }
  for k, v in pairs(over) do args[k] = v end
  local dw, dinfo = direct(args)
  local b = folio.registry.builtin(name):run(sample_ctx, over)
  same(b.weights, dw, "adapter " .. name)
  same(b.info.usd_targets, dinfo.usd_targets, "adapter usd " .. name)
  local shipped = dofile("policies/" .. name .. ".lua")
  T.check(folio.is_policy(shipped), name .. ".lua returns a policy")
  T.eq(shipped.name, name)
  local a = shipped:run(sample_ctx, over)
  same(a.weights, dw, "shipped " .. name, 1e-12)
  same(a.info.usd_targets, dinfo.usd_targets, "shipped usd " .. name, 1e-9)
  for _, k in ipairs(INFO_KEYS) do
    if type(dinfo[k]) == "number" then T.near(a.info[k], dinfo[k], 1e-12, "shipped info." .. k .. " " .. name) end
  end
  -- same parameters, same defaults
  local ds, dd = shipped:describe().params, folio.registry.builtin(name):describe().params
  for _, k in ipairs(T.keys(dd)) do T.eq(ds[k] and ds[k].default, dd[k].default, "default " .. name .. "." .. k) end
  T.eq(#T.keys(ds), #T.keys(dd), "same parameters " .. name)
end
T.check(#T.keys(folio.registry.builtin("kelly_voltarget_12"):run(sample_ctx).weights) > 40, "sample run sizes many names")

local shipped_ew = dofile("policies/equal_weight_ls.lua")
for _, over in ipairs{ {}, { n_long = 3, n_short = 7, gross = 1.5 }, { n_long = 0, n_short = 4 }, { n_long = 40, n_short = 40 } } do
  local args = { signal = signal, n_long = over.n_long or 5, n_short = over.n_short or 5, gross = over.gross or 1.0 }
  local dw, dinfo = S.equal_weight_ls(args)
  local a = shipped_ew:run(sample_ctx, over)
  same(a.weights, dw, "shipped equal_weight_ls", 1e-12)
  same(a.info, dinfo, "shipped equal_weight_ls info")
end
local tie = { A = 1, B = 1, C = 1, D = folio.missing }
same(shipped_ew:run({ signal = tie }, { n_long = 1, n_short = 1 }).weights,
  S.equal_weight_ls{ signal = tie, n_long = 1, n_short = 1 }, "ties break by symbol")

-- registering a shipped policy over the built-in, as the host does
folio.registry.register(dofile("policies/kelly_voltarget_12.lua"), { replace = true })
T.check(not folio.registry.get("kelly_voltarget_12"):describe().builtin, "shipped file replaced the built-in")
T.eq(folio.registry.builtin("kelly_voltarget_12"):describe().builtin, true)
folio.registry.register(dofile("policies/kelly_voltarget_8.lua"), { replace = true })
folio.registry.register(shipped_ew, { replace = true })

-- usd_round_cents follows the core's rule
T.eq(folio.usd_round_cents(1.005), 1.0); T.eq(folio.usd_round_cents(0.125), 0.13); T.eq(folio.usd_round_cents(-0.125), -0.13)
T.eq(folio.usd_round_cents(0.1 + 0.2), 0.3); T.eq(folio.usd_round_cents(-2.675), -2.68)
T.eq(folio.usd_round_cents(1e6 * 0.123456789), 123456.79)
T.raises(function() folio.usd_round_cents("1") end, { "bad argument #1 to 'usd_round_cents'" })

-- deterministic: the same inputs give bit-identical results
local r1 = folio.registry.get("kelly_voltarget_12"):run(sample_ctx)
local r2 = folio.registry.get("kelly_voltarget_12"):run(sample_ctx)
same(r1.weights, r2.weights, "deterministic")

-- ---- p is read-only and refuses names the policy did not declare -------------------
local typo = folio.policy{ name = "typo", params = { cap = { type = "number", default = 0.1 } },
  size = function(ctx, p) return { A = p.capp or 0.5 } end }
T.raises(function() typo:run{} end, { "policy 'typo': unknown parameter 'capp' (declared: cap)" },
  "a misspelt parameter is an error, never nil and a silent default")
local writer = folio.policy{ name = "writer", params = { cap = { type = "number", default = 0.1 } },
  size = function(ctx, p) p.cap = 1 return { A = p.cap } end }
T.raises(function() writer:run{} end, { "policy 'writer': parameters are read-only (field 'cap')" })
local bare_pol = folio.policy{ name = "bare", size = function(ctx, p) return { A = p.x or 0 } end }
T.raises(function() bare_pol:run{} end, { "unknown parameter 'x' (it declares no parameters)" })
local lister = folio.policy{ name = "lister",
  params = { cap = { type = "number", default = 0.1 }, opt = { type = "number" } },
  size = function(ctx, p)
    local n = 0
    for k, v in pairs(p) do n = n + 1 end
    return { A = n + (p.opt or 0) }   -- a declared parameter without a value reads nil
  end }
T.eq(lister:run{}.weights.A, 1, "pairs(p) lists the values; an unset declared parameter is nil")
T.eq(lister:run({}, { opt = 2 }).weights.A, 4)

T.finish("test_policy")
