-- Every key of the fund file has an observable effect on the rebalance (or
-- is an error): one case per key, each an edit of a baseline fund whose
-- dry-run summary must change. Keys with their own files: policy:/policy_path:
-- (test_rebalance_policies.lua), instruments: (test_rebalance_fx.lua),
-- sessions.*.gross_cap and a missing session (test_rebalance_sessions.lua).
local dir = (arg[0]:match("^(.*)/") or ".")
local T = dofile(dir .. "/testlib.lua")
local F = dofile(dir .. "/rebalance_fixture.lua")
local folio = require "folio"

local ASOF = "2024-03-20"
local BASE = [[
fund:
  id: keys_fund
  nav: 1_000_000
  currency: USD
sessions:
  RTH:   {sizer: equal_weight_ls, gross_cap: 1.0}
  pre:   {sizer: equal_weight_ls, gross_cap: 0.3}
  post:  {sizer: equal_weight_ls, gross_cap: 0.3}
  IBEOS: {sizer: equal_weight_ls, gross_cap: 0.1}
  24h:   {sizer: equal_weight_ls, gross_cap: 1.0}
calendar:
  equities: {holidays_add: [2024-01-03]}
sleeves:
  - name: equities
    asset_class: equities
    rebalance: daily
    allocation: 0.5
    universe: [EQ1, EQ2, EQ3, EQ4, EQ5]
    signal: {name: trend_63}
  - name: crypto
    sizer: equal_weight_ls
    asset_class: crypto
    rebalance: daily
    allocation: 0.3
    universe: [CR1, CR2, CR3]
    signal: {name: trend_63}
    params: {n_long: 1, n_short: 1}
  - name: fx
    sizer: equal_weight_ls
    asset_class: fx
    rebalance: daily
    allocation: 0.2
    universe: [EURUSD, USDJPY, EURGBP]
    signal: {name: trend_63}
    params: {n_long: 1, n_short: 1}
limits:
  fraction_of_adv: 0.05
  adv_lookback_days: 21
  max_position_weight: 0.3
  max_gross: 3.0
composition:
  overlay: hrp
  hrp_lookback_days: 120
  max_weekly_turnover: 0.4
  cov_lookback_days: 120
guards:
  max_leverage: 3.0
  max_drawdown: 0.5
  cooloff_days: 5
  rearm_drawdown: 0.05
  max_adv_fraction: 0.5
  mode: scale
orders:
  min_notional: 1
  lot_size: 1
  fractional: [crypto, fx]
]]

-- What a user sees of a dry run: sleeves, targets, orders and decisions.
local function signature(s)
  local t = { fund = s.fund, sleeves = {}, composite = s.composite, orders = {} }
  for _, sl in ipairs(s.sleeves) do
    t.sleeves[#t.sleeves + 1] = table.concat({ sl.name, tostring(sl.session), tostring(sl.sizer), tostring(sl.status),
      tostring(sl.allocation) }, " ")
  end
  for _, o in ipairs(s.orders) do
    t.orders[#t.orders + 1] = table.concat({ o.symbol, o.side, tostring(o.quantity), tostring(o.notional),
      tostring(o.decision), tostring(o.approved) }, " ")
  end
  return folio.store.encode_json(t)
end

local function edit(text, from, to)
  local a, b = text:find(from, 1, true)
  assert(a, "fixture edit: '" .. from .. "' not found")
  return text:sub(1, a - 1) .. to .. text:sub(b + 1)
end

local fx = F.new{ yaml = BASE }
local base_run = fx:run{ asof = ASOF }
local base = signature(base_run)
-- a session sizer no sleeve can run is reported, not silently ignored
local warned = table.concat(base_run.warnings, "\n")
T.check(warned:find("sessions.24h.sizer 'equal_weight_ls' is not run", 1, true), "the unused 24h sizer is reported: " .. warned)
T.check(not warned:find("sessions.RTH", 1, true), "the RTH sizer is run by the equities sleeve")

local CASES = {
  { "fund.id", "id: keys_fund", "id: other_fund" },
  { "fund.nav", "nav: 1_000_000", "nav: 3_000_000" }, -- the first high-water mark: drawdown 2/3 > 0.5
  { "fund.currency", "currency: USD", "currency: EUR" },
  { "sessions.RTH.sizer", "RTH:   {sizer: equal_weight_ls", "RTH:   {sizer: kelly_voltarget_8" },
  { "sessions.RTH.gross_cap", "RTH:   {sizer: equal_weight_ls, gross_cap: 1.0}", "RTH:   {sizer: equal_weight_ls, gross_cap: 0.2}" },
  { "sessions.24h.gross_cap", "24h:   {sizer: equal_weight_ls, gross_cap: 1.0}", "24h:   {sizer: equal_weight_ls, gross_cap: 0.5}" },
  { "calendar", "holidays_add: [2024-01-03]", "holidays_add: [" .. ASOF .. "]" },
  { "sleeves.name", "- name: crypto", "- name: digital" },
  { "sleeves.sizer", "  - name: equities\n", "  - name: equities\n    sizer: kelly_voltarget_12\n" },
  { "sleeves.policy", "  - name: equities\n", "  - name: equities\n    policy: kelly_voltarget_8\n" },
  { "sleeves.universe", "universe: [EQ1, EQ2, EQ3, EQ4, EQ5]", "universe: [EQ1, EQ2, EQ3, EQ4]" },
  { "sleeves.asset_class", "    asset_class: crypto\n", "    asset_class: equities\n" },
  { "sleeves.allocation", "allocation: 0.3", "allocation: 0.1" },
  { "sleeves.params", "params: {n_long: 1, n_short: 1}\n  - name: fx", "params: {n_long: 2, n_short: 1}\n  - name: fx" },
  { "sleeves.signal", "universe: [CR1, CR2, CR3]\n    signal: {name: trend_63}", "universe: [CR1, CR2, CR3]\n    signal: {name: reversal_5}" },
  { "limits.fraction_of_adv", "fraction_of_adv: 0.05", "fraction_of_adv: 0.0005" },
  { "limits.adv_lookback_days", "adv_lookback_days: 21", "adv_lookback_days: 3" },
  { "limits.max_position_weight", "max_position_weight: 0.3", "max_position_weight: 0.02" },
  { "limits.max_gross", "max_gross: 3.0", "max_gross: 0.2" },
  { "composition.overlay", "overlay: hrp", "overlay: equal" },
  { "composition.hrp_lookback_days", "hrp_lookback_days: 120", "hrp_lookback_days: 30" },
  { "composition.max_weekly_turnover", "max_weekly_turnover: 0.4", "max_weekly_turnover: 0.05" },
  { "composition.cov_lookback_days", "cov_lookback_days: 120", "cov_lookback_days: 20" },
  { "guards.max_leverage", "max_leverage: 3.0", "max_leverage: 0.1" },
  { "guards.max_drawdown", "nav: 1_000_000", "nav: 1_300_000", "max_drawdown: 0.5", "max_drawdown: 0.1" },
  { "guards.max_adv_fraction", "max_adv_fraction: 0.5", "max_adv_fraction: 0.0001" },
  { "guards.mode", "max_adv_fraction: 0.5", "max_adv_fraction: 0.0001", "mode: scale", "mode: reject" },
  { "orders.min_notional", "min_notional: 1\n", "min_notional: 50000\n" },
  { "orders.lot_size", "lot_size: 1\n", "lot_size: 100\n" },
  { "orders.fractional", "fractional: [crypto, fx]", "fractional: [fx]" },
}
for _, c in ipairs(CASES) do
  local text = edit(BASE, c[2], c[3])
  local ref = base
  if c[4] then -- a key whose effect shows against a first edit (drawdown, mode)
    local first = F.new{ yaml = text }
    ref = signature(first:run{ asof = ASOF })
    first:cleanup()
    text = edit(text, c[4], c[5])
  end
  local case = F.new{ yaml = text }
  local ok, s = pcall(case.run, case, { asof = ASOF })
  T.check(ok, c[1] .. ": runs (" .. tostring(not ok and s or "") .. ")")
  if ok then T.check(signature(s) ~= ref, c[1] .. " has an effect on the rebalance") end
  case:cleanup()
end

-- keys whose effect shows across runs (the store's state): rebalance
-- frequency, and the guard's cool-off and re-arm level after a breach
local function two_days(yaml, second_positions)
  local c = F.new{ yaml = yaml, positions = "symbol,quantity,avg_price\nCASH,1000000,1\n" }
  c:run{ asof = "2024-03-19", store = c.store }
  if second_positions then F.write(c.positions, second_positions) end
  local s = c:run{ asof = "2024-03-20", dry_run = true, store = c.store }
  c:cleanup()
  return s
end
local function status_of(s, name)
  for _, sl in ipairs(s.sleeves) do if sl.name == name then return sl.status end end
end
T.eq(status_of(two_days(BASE), "crypto"), "sized", "daily: sized again the next day")
T.eq(status_of(two_days(edit(BASE, "    rebalance: daily\n    allocation: 0.3", "    rebalance: weekly\n    allocation: 0.3")), "crypto"),
  "kept", "sleeves.rebalance weekly: kept within the week")
-- a breach on day 1 (the book is 0.8 of fund.nav), back to 0.96 of it on day 2
local breach = edit(edit(BASE, "nav: 1_000_000", "nav: 1_250_000"), "max_drawdown: 0.5", "max_drawdown: 0.15")
local recovered = "symbol,quantity,avg_price\nCASH,1200000,1\n"
local function rejected(s) return s.rejected end
local held = two_days(breach, recovered)
T.check(rejected(held) > 0, "cooloff_days 5: still blocked the next day")
local cool0 = two_days(edit(breach, "cooloff_days: 5", "cooloff_days: 0"), recovered)
T.eq(rejected(cool0), 0, "guards.cooloff_days 0: re-armed once the drawdown is under rearm_drawdown")
local rearm = two_days(edit(edit(breach, "cooloff_days: 5", "cooloff_days: 0"), "rearm_drawdown: 0.05", "rearm_drawdown: 0.01"), recovered)
T.check(rejected(rearm) > 0, "guards.rearm_drawdown 0.01: a drawdown of 0.04 keeps it blocked")

-- values of the wrong type or range are errors naming the file, line and key
local BAD = {
  { "max_leverage: 3.0", "max_leverage: lots", "guards.max_leverage: expected a number" },
  { "mode: scale", "mode: clip", "guards.mode: unknown guard mode 'clip'" },
  { "fractional: [crypto, fx]", "fractional: [crypto, fxx]", "orders.fractional[2]: unknown asset class 'fxx'" },
  { "lot_size: 1\n", "lot_size: 0\n", "orders.lot_size: must be > 0" },
  { "overlay: hrp", "overlay: hrpp", "composition.overlay: unknown overlay 'hrpp'" },
  { "signal: {name: trend_63}\n    params: {n_long: 1", "signal: {nam: trend_63}\n    params: {n_long: 1", "unknown key 'nam' in sleeves[2].signal" },
}
for _, b in ipairs(BAD) do
  local c = F.new{ yaml = edit(BASE, b[1], b[2]) }
  T.raises(function() c:run{ asof = ASOF } end, { c.fund .. ":", b[3] }, b[3])
  c:cleanup()
end
fx:cleanup()
T.finish("test_rebalance_keys")
