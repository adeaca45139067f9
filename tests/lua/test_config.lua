-- folio.config through the host: the shipped fund file as Lua tables, the
-- named-argument forms, sizer checking (built-in list, explicit list, the
-- registry when present), and bad files named by file:line:column and key.
local T = dofile((arg[0]:match("^(.*)/") or ".") .. "/testlib.lua")
local folio = require "folio"

-- the shipped example: the seed's multi-asset fund
local c = folio.config.load("examples/fund.yaml")
T.eq(c.fund.id, "multi_asset_demo"); T.eq(c.fund.nav, 1000000); T.eq(c.fund.currency, "USD")
T.eq(table.concat(T.keys(c.sessions), ","), "24h,IBEOS,RTH,post,pre")
T.eq(c.sessions.RTH.sizer, "kelly_voltarget_12"); T.eq(c.sessions.RTH.gross_cap, 1.0)
T.eq(c.sessions.pre.sizer, "kelly_voltarget_8"); T.eq(c.sessions.pre.gross_cap, 0.3)
T.eq(c.sessions.IBEOS.sizer, "equal_weight_ls"); T.eq(c.sessions.IBEOS.gross_cap, 0.1)
T.eq(c.calendar, nil)
T.eq(#c.sleeves, 3)
local want = {
  {"equities_momentum", 0.5, 36, "equities", "monthly", nil},
  {"crypto_mean_rev", 0.3, 10, "crypto", "weekly", nil},
  {"fx_carry", 0.2, 9, "fx", "monthly", "equal_weight_ls"},
}
local total = 0
for i, w in ipairs(want) do
  local s = c.sleeves[i]
  T.eq(s.name, w[1]); T.eq(s.allocation, w[2]); T.eq(#s.universe, w[3])
  T.eq(s.asset_class, w[4]); T.eq(s.rebalance, w[5]); T.eq(s.sizer, w[6])
  T.eq(type(s.params), "table")
  total = total + s.allocation
end
T.near(total, 1.0, 1e-15)
T.eq(c.sleeves[1].signal.factor, "f_momentum_12_1"); T.eq(c.sleeves[2].params.cap, 0.15)
T.eq(c.sleeves[2].policy, "policies/invvol_capped.lua"); T.eq(c.sleeves[1].sizer, nil, "equities follow the session matrix")
T.check(c.sleeves[1].where.sleeve:find("^examples/fund.yaml:%d+:%d+$"), "where each sleeve is written")
T.check(c.sleeves[2].where.params.cap:find("^examples/fund.yaml:%d+:%d+$"), "where each parameter is written")
T.eq(math.type(c.sleeves[3].params.n_long), "integer")
T.eq(c.limits.fraction_of_adv, 0.01); T.eq(c.limits.adv_lookback_days, 21)
T.eq(math.type(c.limits.adv_lookback_days), "integer")
T.eq(c.limits.max_position_weight, 0.2); T.eq(c.limits.max_gross, 2.0)

-- every universe symbol is a column of the sample prices
local P = folio.data.read_csv("examples/data/prices.csv")
local cols = {}
for _, s in ipairs(P:symbols()) do cols[s] = true end
local missing = {}
for _, s in ipairs(c.sleeves) do
  for _, sym in ipairs(s.universe) do if not cols[sym] then missing[#missing + 1] = sym end end
end
T.eq(#missing, 0, "symbols not in prices.csv: " .. table.concat(missing, ","))

-- the named-argument forms
T.eq(folio.config.load{path = "examples/fund.yaml"}.fund.id, "multi_asset_demo")
local mini = [[
fund: {id: f, nav: 100, currency: EUR}
sessions: {24h: {sizer: my_sizer, gross_cap: 0.5}}
calendar:
  holidays: [2024-12-25, 2025-01-01]
  early_close: {"2024-12-24": "13:00"}
  strict: true
  weights: [1, 2.5]
sleeves:
  - name: carry
    policy: policies/carry.lua
    universe: [EURUSD, "7203"]
    asset_class: fx
    rebalance: weekly
    allocation: 0.25
    params: {lookback: 63, tilt: -0.5, flags: {long_only: false}, tags: [a, b]}
]]
T.raises(function() folio.config.parse{text = mini, name = "m.yaml"} end,
  {"m.yaml:2:25:", "sessions.24h.sizer: unknown sizer 'my_sizer' (known: ", "kelly_voltarget_12"})
local m = folio.config.parse{text = mini, name = "m.yaml", sizers = {"my_sizer"}}
T.eq(m.fund.currency, "EUR"); T.eq(m.sessions["24h"].gross_cap, 0.5); T.eq(m.sessions.RTH, nil)
T.eq(m.calendar.holidays[2], "2025-01-01"); T.eq(m.calendar.early_close["2024-12-24"], "13:00")
T.eq(m.calendar.strict, true); T.eq(m.calendar.weights[2], 2.5)
local s = m.sleeves[1]
T.eq(s.sizer, nil); T.eq(s.policy, "policies/carry.lua"); T.eq(s.universe[2], "7203")
T.eq(s.params.lookback, 63); T.eq(s.params.tilt, -0.5); T.eq(s.params.flags.long_only, false)
T.eq(table.concat(s.params.tags, ","), "a,b")
T.eq(m.limits.max_gross, 2.0, "default limits")
T.eq(folio.config.parse{text = mini, sizers = false}.fund.id, "f", "sizers = false: no check")
T.raises(function() folio.config.parse{text = mini} end, {"<string>:2:25:"})

-- the registry, when it exists, decides which sizers are known
local saved = folio.registry
folio.registry = {names = function() return {"my_sizer"} end}
T.eq(folio.config.parse{text = mini}.sessions["24h"].sizer, "my_sizer")
T.raises(function() folio.config.load("examples/fund.yaml") end,
  {"examples/fund.yaml:16:18:", "sessions.RTH.sizer: unknown sizer 'kelly_voltarget_12' (known: my_sizer)"})
folio.registry = {names = function() return "nope" end}
T.raises(function() folio.config.parse{text = mini} end, {"registry.names() returned string"})
folio.registry = nil -- no registry: the built-in sizers
T.raises(function() folio.config.parse{text = mini} end,
  {"unknown sizer 'my_sizer' (known: equal_weight_ls, kelly_fraction, vol_target_weights, fixed_weight, kelly_voltarget_12, kelly_voltarget_8)"})
T.eq(folio.config.load("examples/fund.yaml").fund.id, "multi_asset_demo")
folio.registry = saved

-- bad files: file:line:column and the key
local function bad(text, needles)
  local path = T.tmpfile(text)
  table.insert(needles, 1, path .. ":")
  T.raises(function() folio.config.load(path) end, needles)
end
local head = "fund:\n  id: f\n  nav: 100\nsessions:\n  RTH: {sizer: fixed_weight}\nsleeves:\n"
local function sleeve(name, alloc)
  return "  - name: " .. name .. "\n    sizer: fixed_weight\n    universe: [X]\n" ..
         "    asset_class: equities\n    rebalance: daily\n    allocation: " .. alloc .. "\n"
end
bad("fund:\n  id: f\n  navv: 1\n", {":3:3:", "unknown key 'navv' in fund (expected id, nav, currency)"})
bad(head .. sleeve("a", "0.5") .. sleeve("b", "-0.2"),
  {":18:17:", "sleeves[2].allocation: must be between 0 and 1 (got -0.2)"})
bad(head .. sleeve("a", "0.5") .. sleeve("b", "0.3") .. sleeve("c", "0.4"),
  {":7:3:", "sleeves: allocations sum to 1.2 (above 1)"})
bad("fund: {id: f, nav: 1}\nsessions: {lunch: {sizer: x}}\n",
  {":2:12:", "sessions: unknown session 'lunch' (expected RTH, pre, post, IBEOS, 24h)"})
bad(head .. "  - {name: a, sizer: kely}\n", {":7:22:", "sleeves[1].sizer: unknown sizer 'kely'"})
bad("fund: {id: f, nav: {x: 1}}\n", {":1:20:", "fund.nav: expected a number, got a mapping"})
bad("fund: {id: f, nav: 1, nav: 2}\n", {":1:23:", "duplicate key 'nav' in fund"})
bad("a: &x [1]\nb: *x\n", {":2:4:", "alias '*x' is not allowed"})
bad("fund: [1\n", {":2:1:", "YAML syntax error"})
bad("", {":1:1:", "empty file"})
bad("- 1\n", {":1:1:", "top level must be a mapping"})
bad(string.rep("[", 70) .. string.rep("]", 70) .. "\n", {":1:1:", "top level must be a mapping"})
bad("a: " .. string.rep("[", 70) .. string.rep("]", 70) .. "\n", {":1:67:", "nesting deeper than 64"})
T.raises(function() folio.config.load("/nonexistent/fund.yaml") end, {"/nonexistent/fund.yaml: cannot open"})

-- misuse
T.raises(function() folio.config.load{} end, {"path is required"})
T.raises(function() folio.config.load{path = "x", sizer = {}} end, {"unknown key 'sizer'"})
T.raises(function() folio.config.parse{name = "x"} end, {"text must be a string"})
T.raises(function() folio.config.parse{text = mini, sizers = "all"} end, {"sizers must be an array"})
T.raises(function() folio.config.parse{text = mini, sizers = {1}} end, {"sizers[1] must be a string"})

-- a sandboxed policy loads fund files too (no `io` needed), below the working folder only
local host = (os.getenv("FOLIO_BUILD_DIR") or "build") .. "/folio"
local script = T.tmpfile([[
print(folio.config.load("examples/fund.yaml").fund.id)
print(pcall(folio.config.load, "/etc/passwd"))
]])
local p = io.popen(host .. " run " .. script .. " 2>&1")
local out = p and p:read("a") or ""
if p then p:close() end
T.check(out:find("multi_asset_demo", 1, true), "sandboxed load: " .. out)
T.check(out:find("config.load: '/etc/passwd' is an absolute path; the sandbox reads only files below the working folder", 1, true),
  "sandboxed load outside the tree: " .. out)

-- costs: and backtest: (docs/backtest.md): typed, ranged, an unknown asset
-- class or key named with file:line:column
do
  local base = "fund: {id: f, nav: 1000, currency: USD}\n" ..
    "sessions: {RTH: {sizer: equal_weight_ls}}\n" ..
    "sleeves:\n  - {name: a, sizer: equal_weight_ls, asset_class: equities, rebalance: weekly, allocation: 1, universe: [X, Y]}\n"
  local function parse(extra) return folio.config.parse{ text = base .. extra, name = "c.yaml", sizers = false } end
  local c = parse("costs:\n  equities: {linear_bps: 5, impact: 0.1, borrow_rate: 0.01, window: 21}\n" ..
    "  crypto: {linear_bps: 20}\nbacktest: {cash_rate: 0.02, checkpoint_every: 10}\n")
  T.eq(c.costs.equities.linear_bps, 5); T.eq(c.costs.equities.impact, 0.1); T.eq(c.costs.equities.window, 21)
  T.eq(c.costs.crypto.linear_bps, 20); T.eq(c.costs.crypto.impact, nil, "absent terms stay absent (0)")
  T.eq(c.backtest.cash_rate, 0.02); T.eq(c.backtest.checkpoint_every, 10)
  T.eq(parse("").costs, nil, "no costs section: nil"); T.eq(parse("").backtest, nil)
  T.raises(function() parse("costs:\n  bonds: {linear_bps: 5}\n") end, { "c.yaml:6:3:", "costs.bonds: unknown asset class 'bonds'", "equities" })
  T.raises(function() parse("costs:\n  equities: {linear_bps: -1}\n") end, { "c.yaml:6:26:", "costs.equities.linear_bps", "in [0, 10000]" })
  T.raises(function() parse("costs:\n  equities: {impact: -0.1}\n") end, { "costs.equities.impact", ">= 0" })
  T.raises(function() parse("costs:\n  equities: {borrow_rate: 11}\n") end, { "costs.equities.borrow_rate" })
  T.raises(function() parse("costs:\n  equities: {window: 1}\n") end, { "costs.equities.window", "in [2, 100000]" })
  T.raises(function() parse("costs:\n  equities: {window: 21.5}\n") end, { "c.yaml:6:22:", "costs.equities.window", "whole number" })
  T.raises(function() parse("costs:\n  equities: {spread: 1}\n") end, { "unknown key 'spread' in costs.equities" })
  T.raises(function() parse("costs: [1, 2]\n") end, { "costs" })
  T.raises(function() parse("backtest: {cash_rate: 1}\n") end, { "backtest.cash_rate", "in (-1, 1)" })
  T.raises(function() parse("backtest: {checkpoint_every: 0}\n") end, { "backtest.checkpoint_every" })
  T.raises(function() parse("backtest: {checkpoint_every: 2.5}\n") end, { "backtest.checkpoint_every", "whole number" })
  T.raises(function() parse("backtest: {resume: true}\n") end, { "unknown key 'resume' in backtest" })
end

T.finish("test_config.lua")
