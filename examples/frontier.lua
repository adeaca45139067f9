-- examples/frontier.lua — from prices to shares, the way a PyPortfolioOpt
-- user does it (docs/cookbook.md walks through it line by line):
--   expected returns -> a shrunk covariance -> the efficient frontier
--   (max Sharpe, min volatility, a volatility target, the whole curve) ->
--   performance -> clean weights -> whole shares with the money left over,
--   and an SVG of the frontier.
-- Run: ./build/folio run examples/frontier.lua (sandboxed), or
--      ./build/folio run --trusted examples/frontier.lua frontier.svg (also writes the SVG)
local folio = require "folio"

-- the equities of the sample data (36 names, three years of closes)
local all = folio.data.read_csv("examples/data/prices.csv")
local names = {}
for _, s in ipairs(all:symbols()) do if s:match("^EQ_") then names[#names + 1] = s end end
local prices = all:select(names)

-- 1. expected returns: the compounded annual growth of each name (mean_historical_return)
local mu = folio.expected_returns.mean_historical{ prices = prices }

-- 2. risk: Ledoit–Wolf shrinkage of the daily returns, annualised (CovarianceShrinkage(...).ledoit_wolf());
--    names listed late have missing returns: PyPortfolioOpt's convention is to count them as 0
local S = folio.risk_model.ledoit_wolf{ returns = prices:returns("simple"), missing = "zero", annualize = true }

-- 3. the efficient frontier: long only, at most 10 % in a name, the tech sector at most 30 %
local sectors = {}
for _, s in ipairs(names) do sectors[s] = s:match("^EQ_(%u+)%d") end
local common = { mu = mu, cov = S, bounds = { 0, 0.10 }, sectors = sectors, sector_upper = { TECH = 0.30 } }
local function with(extra)
  local t = {}
  for k, v in pairs(common) do t[k] = v end
  for k, v in pairs(extra) do t[k] = v end
  return t
end
local w_sharpe, info = folio.frontier.max_sharpe(with{ risk_free_rate = 0.02 })
local w_minvol, minvol = folio.frontier.min_volatility(with{})
local w_target = folio.frontier.efficient_risk(with{ target_volatility = (minvol.volatility + info.volatility) / 2 })
local curve = folio.frontier.curve(with{ points = 30 })

-- 4. what the max-Sharpe portfolio promises (portfolio_performance), its weights cleaned (clean_weights)
local perf = folio.performance{ weights = w_sharpe, mu = mu, cov = S, risk_free_rate = 0.02 }
print(string.format("max Sharpe: expected return %.2f%%, volatility %.2f%%, Sharpe %.3f (KKT residual %.1e)",
  100 * perf.expected_return, 100 * perf.volatility, perf.sharpe, info.kkt.stationarity))
print(string.format("min volatility: %.2f%%; the volatility target's portfolio holds %d names",
  100 * minvol.volatility, (function() local n = 0 for _, x in pairs(w_target) do if x > 1e-4 then n = n + 1 end end return n end)()))
local clean = folio.clean_weights{ weights = w_sharpe }
local held = {}
for s, x in pairs(clean) do if x ~= 0 then held[s] = x end end
print((folio.format_weights(held):gsub("\n$", "")))

-- 5. whole shares for 100,000 USD at the last closes (DiscreteAllocation): the greedy and the exact MIP
local last = prices:row(#prices:dates(), names)
for _, method in ipairs{ "greedy", "mip" } do
  local r = folio.discrete_allocation{ weights = clean, prices = last, capital = 100000, method = method }
  local n = 0
  for _ in pairs(r.shares) do n = n + 1 end
  print(string.format("%-6s %d names, %.2f USD left over, tracking error %.5f", method, n, r.leftover, r.tracking_error))
end

-- 6. the frontier as SVG
local points = {}
for i, p in ipairs(curve) do points[i] = { volatility = p.volatility, expected_return = p.expected_return } end
local assets = {}
for _, s in ipairs(names) do
  assets[#assets + 1] = { name = s, volatility = math.sqrt(S:get(s, s)), expected_return = mu[s] }
end
local svg = folio.plot.frontier{ title = "The sample equities' efficient frontier", curve = points, assets = assets,
  min_volatility = { volatility = minvol.volatility, expected_return = minvol.expected_return },
  max_sharpe = { volatility = info.volatility, expected_return = info.expected_return } }
local out = arg and arg[1]
if out then
  local f = assert(io.open(out, "w"))
  f:write(svg)
  f:close()
  print("wrote " .. out)
end
