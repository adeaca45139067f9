-- examples/quickstart.lua — the main example (`make demo`).
--
-- Loads the sample prices and volumes, builds a simple momentum signal,
-- sizes a $1,000,000 fund with kelly_voltarget_12 (Grinold expected returns,
-- Kelly capped at 20 % of NAV, vol-targeted to 12 % a year), applies the ADV
-- capacity limit (1 % of 21-day ADV) and prints one sorted table.
--
-- Run:  ./build/folio run examples/quickstart.lua [data_dir] [nav_usd]
-- (sandboxed: it reads its data through folio.data, prints with print)
local folio = require "folio"

local data_dir = arg and arg[1] or "examples/data"
local nav_usd = tonumber(arg and arg[2]) or 1000000

local market = folio.data.read_market{
  prices = data_dir .. "/prices.csv",
  volumes = data_dir .. "/volumes.csv",
}
local prices = market:prices()
local returns = prices:returns("log")
local n_rows = returns:shape()

-- Momentum signal: the 126-day log return, skipping the most recent 5 days
-- (short-term reversal). Names without a full year of history get no signal
-- (folio.missing) and are left out of the portfolio.
local lookback, skip, history = 126, 5, 252
local signal = {}
for _, sym in ipairs(returns:symbols()) do
  local complete = true
  for t = n_rows - history + 1, n_rows do
    if returns:get(t, sym) == nil then complete = false break end
  end
  if complete then
    local s = 0.0
    for t = n_rows - lookback - skip + 1, n_rows - skip do s = s + returns:get(t, sym) end
    signal[sym] = s
  else
    signal[sym] = folio.missing
  end
end

local weights, info = folio.sizers.kelly_voltarget_12{
  signal = signal, returns = returns, nav_usd = nav_usd,
}
local capped, report = folio.capacity.apply{
  weights = weights, market = market, nav_usd = nav_usd,
  fraction_of_adv = 0.01, adv_lookback_days = 21,
}

local rows, gross, n_bound = {}, 0.0, 0
for _, sym in ipairs(folio.sorted_symbols(capped)) do
  local r = report[sym]
  rows[#rows + 1] = {
    symbol = sym,
    weight = capped[sym],
    usd_target = r.usd,
    usd_cap = r.cap_usd,
    cap_bound = r.bound and "yes" or "no",
  }
  gross = gross + math.abs(capped[sym])
  if r.bound then n_bound = n_bound + 1 end
end

print(string.format("folio %s quickstart: kelly_voltarget_12 for a $%.2f fund, %s", folio.version,
  nav_usd, prices:dates()[select(1, prices:shape())]))
print(string.format("vol target %.0f%%: realised %.2f%% -> scale %.3f, final %.2f%%; %d names, %d at the 20%% cap",
  100 * info.target_ann_vol, 100 * info.realised_vol, info.scale, 100 * info.final_vol,
  info.n_active, info.n_capped))
print(string.format("capacity: 1%% of 21-day ADV; %d of %d targets cut to their cap; gross after caps %.4f",
  n_bound, #rows, gross))
print()
local text = folio.format_table{
  columns = {"symbol", "weight", "usd_target", "usd_cap", "cap_bound"},
  rows = rows,
  formats = {weight = "%.6f", usd_target = "%.2f", usd_cap = "%.2f"},
}
print((text:gsub("\n$", "")))
