-- The numeric domains (docs/numbers.md) as a property: every public function,
-- called on random extreme instances (fixed seeds; values drawn from
-- ±1e308, 1e-300, denormals, 0, and huge/small ratios), either raises an
-- error with a message or returns only finite numbers — never a silent NaN
-- or Inf. (folio.missing, the NaN that marks "no value" in signals, is the
-- one NaN a caller may hand in; none comes back.)
local T = dofile((arg[0]:match("^(.*)/") or ".") .. "/testlib.lua")
local folio = require "folio"

local EXTREME = { 1e308, -1e308, 1e-300, -1e-300, 5e-324, 2.2250738585072014e-308, 1e-310, 0, 1, -1, 0.5, 1e-8,
                  1e12, 1e15, 1e-20, 1e10, 1e154, 3.0, 0.01 }
local function x() return EXTREME[math.random(#EXTREME)] end
local function pos() -- a positive extreme
  local v = math.abs(x())
  if v == 0 then v = 5e-324 end
  return v
end

-- The first non-finite number in v (a table walked recursively, a matrix
-- read whole), as a path, or nil.
local function bad_number(v, path, seen)
  seen = seen or {}
  local t = type(v)
  if t == "number" then
    if v ~= v or v == math.huge or v == -math.huge then return path .. " = " .. tostring(v) end
    return nil
  end
  if t == "userdata" and folio.matrix.is_matrix and folio.matrix.is_matrix(v) or (t == "userdata" and v.shape) then
    local ok, r, c = pcall(function() return v:shape() end)
    if ok and r then
      for i = 1, r do for j = 1, c do
        local e = v:get(i, j)
        if e ~= e or e == math.huge or e == -math.huge then return string.format("%s[%d,%d] = %s", path, i, j, tostring(e)) end
      end end
    end
    return nil
  end
  if t ~= "table" or seen[v] then return nil end
  seen[v] = true
  for k, e in pairs(v) do
    local b = bad_number(e, path .. "." .. tostring(k), seen)
    if b then return b end
  end
  return nil
end

local counts = { calls = 0, errors = 0, ok = 0 }
local function prop(name, fn, ...)
  counts.calls = counts.calls + 1
  local res = table.pack(pcall(fn, ...))
  if not res[1] then
    counts.errors = counts.errors + 1
    local msg = tostring(res[2])
    T.check(#msg > 0 and not msg:find("attempt to") and not msg:find("number has no integer"),
      name .. ": an error with a clear message, got: " .. msg)
    return
  end
  counts.ok = counts.ok + 1
  for i = 2, res.n do
    local b = bad_number(res[i], name .. "#" .. (i - 1))
    if b then T.check(false, "silent non-finite: " .. b) return end
  end
end

local SYMS = { "A", "B", "C" }
local function cov_matrix(n)
  local rows = {}
  for i = 1, n do rows[i] = {} end
  for i = 1, n do
    for j = i, n do
      local v = (i == j) and pos() or (math.random() < 0.5 and 0 or x())
      rows[i][j], rows[j][i] = v, v
    end
  end
  local names = { table.unpack(SYMS, 1, n) }
  rows.rows, rows.cols = names, names
  return folio.matrix(rows)
end
local function sym_map(n, gen)
  local t = {}
  for i = 1, n do t[SYMS[i]] = gen() end
  return t
end

math.randomseed(20261207)
local S = folio.sizers
for _ = 1, 300 do
  local n = math.random(2, 3)
  local C = cov_matrix(n)
  prop("kelly_fraction", S.kelly_fraction, { expected_returns = sym_map(n, x), cov = C })
  prop("kelly_fraction ridge", S.kelly_fraction, { expected_returns = sym_map(n, x), cov = C, repair = "ridge" })
  prop("inverse_vol", S.inverse_vol, { cov = C })
  prop("min_variance", S.min_variance, { cov = C })
  prop("max_diversification", S.max_diversification, { cov = C })
  prop("risk_parity", S.risk_parity, { cov = C })
  prop("risk_parity clip", S.risk_parity, { cov = C, repair = "clip" })
  prop("equal_weight_ls", S.equal_weight_ls, { signal = sym_map(n, x), n_long = 1, n_short = 1, gross = pos() })
  prop("fixed_weight", S.fixed_weight, { weights = sym_map(n, x) })
  prop("hrp", folio.hrp, { cov = C })
  prop("black_litterman", folio.black_litterman, { cov = C, market_weights = sym_map(n, pos) })
  prop("orders.diff", folio.orders.diff, { prices = sym_map(n, pos), targets = sym_map(n, x), nav_usd = pos(),
    min_notional = 0 })
  prop("orders.diff lots", folio.orders.diff, { prices = sym_map(n, pos), targets = sym_map(n, x), nav_usd = 1e6,
    lot_size = pos(), min_notional = 0 })
  local cands = {}
  for i = 1, n do cands[i] = { symbol = SYMS[i], score = x(), price = pos() } end
  prop("allocator.allocate", folio.allocator.allocate, { candidates = cands, capital = pos(), max_weight = 0.5 })
  prop("position_sizers risk_based", function()
    return folio.position_sizers.new{ kind = "risk_based" }:units{ symbol = "A", price = pos(), equity = pos() }
  end)
  prop("position_sizers portfolio_weight", function()
    return folio.position_sizers.new{ kind = "portfolio_weight", weights = { A = x() } }
      :units{ symbol = "A", price = pos(), equity = pos() }
  end)
  prop("state.position", folio.state.position, { symbol = "A", quantity = x(), avg_price = pos(), market_price = pos() })
  prop("state.snapshot", folio.state.snapshot, { timestamp = 1700000000, cash = x(),
    positions = { A = { quantity = x(), avg_price = pos(), market_price = pos() } } })
  prop("multi_sleeve.compose", folio.multi_sleeve.compose, {
    sleeves = { s1 = { weights = sym_map(n, x), allocation = 0.5 }, s2 = { weights = sym_map(n, x), allocation = 0.5 } },
    current = sym_map(n, x), max_weekly_turnover = 0.3 })
  prop("usd_round_cents", folio.usd_round_cents, x() * x())
  -- prices -> returns -> risk models
  local P = {}
  for i = 1, 6 do P[i] = { pos(), pos(), pos() } end
  P.cols = { "A", "B", "C" }
  local ok, M = pcall(folio.matrix, P)
  if ok then
    prop("returns simple", function() return M:returns("simple") end)
    prop("returns log", function() return M:returns("log") end)
    local R = {}
    for i = 1, 8 do R[i] = { x(), x(), x() } end
    R.cols = { "A", "B", "C" }
    local okr, RM = pcall(folio.matrix, R)
    if okr then
      prop("sample_cov", folio.risk_model.sample_cov, { returns = RM })
      prop("ledoit_wolf", folio.risk_model.ledoit_wolf, { returns = RM })
      prop("ewma_cov", folio.risk_model.ewma_cov, { returns = RM, half_life = 3 })
      prop("hrp returns", folio.hrp, { returns = RM })
      prop("vol_target_weights", S.vol_target_weights, { base_weights = sym_map(3, x), asset_log_returns = RM,
        target_ann_vol = pos(), window = 5 })
    end
  end
end
print(string.format("test_numbers_extreme: %d calls, %d errors, %d results checked", counts.calls, counts.errors, counts.ok))
T.check(counts.ok > 100 and counts.errors > 100, "both finite results and errors were checked")
T.finish("test_numbers_extreme")
