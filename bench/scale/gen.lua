-- bench/scale/gen.lua — synthetic inputs for bench/scale/bench_scale.sh:
--
--   folio run --trusted bench/scale/gen.lua DIR NAMES ROWS ACCOUNTS [SEED]
--
-- writes DIR/prices.csv and DIR/volumes.csv (a seeded one-factor panel of
-- NAMES symbols over ROWS business days from 2005-01-03, the same model as
-- bench_backtest.c), DIR/fund.yaml (one weekly equal-weight long/short
-- momentum sleeve over every name, an ADV cap, a Ledoit-Wolf turnover budget,
-- costs) and, when ACCOUNTS > 0, DIR/accounts.csv with ACCOUNTS accounts each
-- holding a seeded book of every name (DIR/positions/<id>.csv), NAVs from
-- 1e5 to 1e7. Deterministic: the same arguments write the same bytes.
local dir, A, T, N, seed = arg[1], tonumber(arg[2]), tonumber(arg[3]), tonumber(arg[4]), tonumber(arg[5] or "7")
assert(dir and A and T and N, "usage: gen.lua DIR NAMES ROWS ACCOUNTS [SEED]")

local function u()
  seed = (seed * 6364136223846793005 + 1442695040888963407) % 9007199254740993
  return (seed % 1000003) / 1000003
end
local function gauss() return math.sqrt(-2 * math.log(u() + 1e-12)) * math.cos(2 * math.pi * u()) end

local syms = {}
for j = 1, A do syms[j] = string.format("S%04d", j) end
local dates, d = {}, 12784 -- 2005-01-03 in days since 1970-01-01
while #dates < T do
  if (d + 3) % 7 < 5 then dates[#dates + 1] = os.date("!%Y-%m-%d", d * 86400) end
  d = d + 1
end
local p, v = { rows = dates, cols = syms }, { rows = dates, cols = syms }
local level, beta, vol = {}, {}, {}
for j = 1, A do level[j], beta[j], vol[j] = 20 + 100 * u(), 0.5 + u(), 0.01 + 0.02 * u() end
for t = 1, T do
  local rp, rv, f = {}, {}, gauss() * 0.01
  for j = 1, A do
    level[j] = level[j] * math.exp(beta[j] * f + vol[j] * gauss() + 0.0002)
    rp[j], rv[j] = level[j], 1e6 * (1 + u())
  end
  p[t], v[t] = rp, rv
end
os.execute("mkdir -p '" .. dir .. "'")
folio.data.write_csv{ matrix = folio.matrix(p), path = dir .. "/prices.csv" }
folio.data.write_csv{ matrix = folio.matrix(v), path = dir .. "/volumes.csv" }

local function write(path, text)
  local f = assert(io.open(path, "w"))
  f:write(text)
  f:close()
end
local n_side = math.max(1, math.min(50, A // 5))
write(dir .. "/fund.yaml", table.concat({
  "fund: {id: scale" .. A .. ", nav: 10000000, currency: USD}",
  "sessions: {RTH: {sizer: equal_weight_ls, gross_cap: 1.0}}",
  "sleeves:",
  "  - {name: core, sizer: equal_weight_ls, asset_class: equities, rebalance: weekly, allocation: 1.0,",
  string.format("     signal: {name: momentum_12_1}, params: {n_long: %d, n_short: %d},", n_side, n_side),
  "     universe: [" .. table.concat(syms, ", ") .. "]}",
  "limits: {fraction_of_adv: 0.05, adv_lookback_days: 21, max_position_weight: 0.05, max_gross: 2}",
  "composition: {overlay: equal, max_weekly_turnover: 0.2, cov_lookback_days: 252}",
  "orders: {min_notional: 100}",
  "costs: {equities: {linear_bps: 5, impact: 0.1, borrow_rate: 0.01}}",
  "" }, "\n"))

if N > 0 then
  os.execute("mkdir -p '" .. dir .. "/positions'")
  local last = p[T]
  local lines = { "id,nav,positions" }
  for a = 1, N do
    local id = string.format("acct%05d", a)
    local nav = math.floor(1e5 * 100 ^ u())
    local book = { "symbol,quantity,avg_price,strategy" }
    for j = 1, A do
      -- about a fifth of the names held, long or short, up to 2 % of NAV each
      if u() < 0.2 then
        local q = math.floor((u() - 0.4) * 0.04 * nav / last[j])
        if q ~= 0 then book[#book + 1] = string.format("%s,%d,%.4f,core", syms[j], q, last[j]) end
      end
    end
    write(string.format("%s/positions/%s.csv", dir, id), table.concat(book, "\n") .. "\n")
    lines[#lines + 1] = string.format("%s,%d,positions/%s.csv", id, nav, id)
  end
  write(dir .. "/accounts.csv", table.concat(lines, "\n") .. "\n")
end
