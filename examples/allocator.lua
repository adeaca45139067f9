-- examples/allocator.lua — the cardinality-constrained allocator on the sample data.
--
-- Scores every equity and crypto asset by its 126-day momentum (simple return
-- over the last 126 days), then asks folio.allocator for at most 10 names
-- between 2 % and 15 % of a $1,000,000 fund, with each equity sector and
-- crypto capped at 30 %. The MIP (GLPK) picks the names; dollars are rounded
-- down to the cent and shares to whole units. Prints one table sorted by symbol.
--
-- Run:  ./build/folio run examples/allocator.lua [data_dir] [capital]
-- (sandboxed: it reads its data through folio.data, prints with print)
local folio = require "folio"

local data_dir = arg and arg[1] or "examples/data"
local capital = tonumber(arg and arg[2]) or 1000000

local prices = folio.data.read_csv(data_dir .. "/prices.csv")
local n_rows = prices:shape()
local lookback = 126

local candidates, sectors, sector_caps = {}, {}, {}
for _, sym in ipairs(prices:symbols()) do
  local sector = sym:match("^EQ_(%a+)%d+$") or (sym:match("^CRY%d+$") and "CRYPTO")
  local now, before = prices:get(n_rows, sym), prices:get(n_rows - lookback, sym)
  if sector and now and before then -- FX pairs and names without the history are left out
    candidates[#candidates + 1] = { symbol = sym, score = now / before - 1, price = now }
    sectors[sym] = sector
    sector_caps[sector] = 0.30
  end
end

local allocations, info = folio.allocator.allocate{
  candidates = candidates,
  capital = capital,
  max_weight = 0.15,
  min_weight = 0.02,
  max_positions = 10,
  sectors = sectors,
  sector_caps = sector_caps,
}

print(string.format("folio.allocator: %d candidates, %d with a score <= 0 dropped, %d modelled; %s",
  #candidates, #info.dropped, info.modelled, info.status))
print(string.format("%-10s %-7s %9s %8s %14s %10s %14s", "symbol", "sector", "momentum", "weight",
  "dollars", "shares", "cost"))
local score = {}
for _, c in ipairs(candidates) do score[c.symbol] = c.score end
for _, a in ipairs(allocations) do
  local price = prices:get(n_rows, a.symbol)
  print(string.format("%-10s %-7s %8.2f%% %7.2f%% %14.2f %10d %14.2f", a.symbol, sectors[a.symbol],
    100 * score[a.symbol], 100 * a.weight, a.dollars, math.tointeger(a.shares) or a.shares,
    a.shares * price))
end
print(string.format("objective %.6f  invested %.2f  spent %.2f  cash %.2f", info.objective,
  info.invested, info.spent, info.cash))
