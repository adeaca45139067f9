-- folio.expected_returns: mean_historical, ema_historical, capm through the
-- Lua API — results keyed by symbol, info tables, the pandas rules for
-- missing prices, argument errors naming the value and the symbol, and the
-- PyPortfolioOpt reference numbers (tests/reference/data/expected_returns.csv)
-- on ../shared/reference/data/stock_prices.csv when that folder is present.
local T = dofile((arg[0]:match("^(.*)/") or ".") .. "/testlib.lua")
local folio = require "folio"
local ER = folio.expected_returns
local NaN = folio.missing

local function prices(rows, syms) return T.matrix(rows, syms, "2024-01-%02d") end

-- constant growth: 1 % a row for BBB, 0 for AAA
local P = prices({ {10, 100}, {10, 101}, {10, 102.01}, {10, 103.0301} }, {"AAA", "BBB"})
local mu, info = ER.mean_historical{prices = P}
T.near(mu.BBB, 1.01 ^ 252 - 1, 1e-10, "CAGR of constant growth")
T.eq(mu.AAA, 0, "flat price, zero return")
T.eq(info.rows_used, 3); T.eq(info.had_missing, false)
mu = ER.mean_historical{prices = P, compounding = false, frequency = 12}
T.near(mu.BBB, 0.01 * 12, 1e-13, "arithmetic mean x frequency")
mu = ER.mean_historical{prices = P, compounding = false, log_returns = true, frequency = 1}
T.near(mu.BBB, math.log(1.01), 1e-13, "mean log return")
local e, ei = ER.ema_historical{prices = P, span = 2}
T.near(e.BBB, 1.01 ^ 252 - 1, 1e-10, "ema of a constant return")
T.eq(ei.span, 2)

-- gaps: CCC listed from the third date; the row mean is the equal-weighted market
local G = prices({ {10, 20, NaN}, {11, 19, NaN}, {12, 21, 5}, {11, 22, 5.5}, {13, 21, 5.2} }, {"AAA", "BBB", "CCC"})
local mg, gi = ER.mean_historical{prices = G, frequency = 1}
T.near(mg.CCC, ((5.5 / 5) * (5.2 / 5.5)) ^ (1 / 2) - 1, 1e-15, "CCC over its own two returns")
T.eq(gi.had_missing, true); T.eq(gi.rows_used, 4)
local c, ci = ER.capm{prices = G}
T.check(ci.betas.AAA and ci.betas.CCC and ci.market_return, "capm info: betas and market_return")
T.near(c.AAA, ci.betas.AAA * ci.market_return, 1e-15, "mu = beta m when risk_free_rate = 0")
local c2, ci2 = ER.capm{prices = G, risk_free_rate = 0.02, compounding = false}
T.near(c2.BBB, 0.02 + ci2.betas.BBB * (ci2.market_return - 0.02), 1e-15, "CAPM formula")
-- a market matrix on the same dates
local M = prices({ {100}, {101}, {99}, {102}, {104} }, {"MKT"})
local c3, ci3 = ER.capm{prices = G, market_prices = M}
T.near(ci3.market_return, (104 / 100) ^ (252 / 4) - 1, 1e-9, "market CAGR")
T.check(c3.AAA ~= c.AAA, "the given market is used")
local ok = pcall(ER.capm, {prices = G, market_prices = G:select({"AAA"})})
T.check(ok, "a column of prices as the market")

-- bad input: each error names what is wrong
T.raises(function() ER.mean_historical{prices = P, frequency = 0} end, {"frequency must be > 0"})
T.raises(function() ER.mean_historical{prices = P, frequency = -1} end, {"frequency"})
T.raises(function() ER.ema_historical{prices = P, span = 0} end, {"span must be >= 1", "got 0.0"})
T.raises(function() ER.ema_historical{prices = P, span = -3} end, {"span must be >= 1", "got -3.0"})
T.raises(function() ER.mean_historical{prices = P, lookback = 3} end, {"unknown key 'lookback'"})
T.raises(function() ER.capm{prices = P, market = M} end, {"unknown key 'market'"})
T.raises(function() ER.mean_historical{} end, {"prices is required"})
local bad = prices({ {10, 20}, {11, -19}, {12, 21} }, {"AAA", "BBB"})
T.raises(function() ER.mean_historical{prices = bad} end,
         {"mean_historical: price -19 is not > 0 (symbol BBB, row 2024-01-02)"})
T.raises(function() ER.ema_historical{prices = bad} end, {"ema_historical: price -19", "BBB"})
T.raises(function() ER.capm{prices = bad} end, {"capm: price -19", "BBB"})
T.raises(function() ER.mean_historical{prices = prices({ {10, 20} }, {"AAA", "BBB"})} end, {"at least 2"})
local lonely = prices({ {10, NaN}, {11, NaN}, {12, 5} }, {"AAA", "BBB"})
T.raises(function() ER.mean_historical{prices = lonely} end, {"symbol BBB has no return"})
local short_m = prices({ {100}, {101}, {99}, {102} }, {"MKT"})
T.raises(function() ER.capm{prices = G, market_prices = short_m} end, {"market_prices has 4 row(s), prices 5"})
local other = folio.matrix{ {100}, {101}, {99}, {102}, {104}, rows = {"2024-01-01", "2024-01-02", "2024-01-04", "2024-01-05", "2024-01-06"}, cols = {"MKT"} }
T.raises(function() ER.capm{prices = G, market_prices = other} end, {"market_prices row 3 is 2024-01-04 where prices has 2024-01-03"})
T.raises(function() ER.capm{prices = G, market_prices = G} end, {"market_prices must have one column"})
local neg_m = prices({ {100}, {101}, {0}, {102}, {104} }, {"MKT"})
T.raises(function() ER.capm{prices = G, market_prices = neg_m} end, {"price 0 is not > 0 (symbol market, row 2024-01-03)"})
T.raises(function() ER.capm{prices = G, risk_free_rate = 0 / 0} end, {"risk_free_rate"})

-- reference: PyPortfolioOpt on stock_prices.csv
local dir = T.reference_dir()
if not dir then
  print("SKIP: ../shared/reference is absent (FOLIO_REFERENCE_DIR); expected-returns reference checks not run")
else
  local header, rows = T.read_ref_csv("tests/reference/data/expected_returns.csv")
  local want = {}
  for _, r in ipairs(rows) do
    for j = 2, #header do
      want[header[j]] = want[header[j]] or {}
      want[header[j]][r[1]] = tonumber(r[j])
    end
  end
  local SP = folio.data.read_csv(dir .. "/data/stock_prices.csv")
  local function dev(got, col)
    local worst = 0
    for s, w in pairs(want[col]) do
      worst = math.max(worst, math.abs(got[s] - w) / math.max(math.abs(w), 1e-3))
    end
    T.check(worst <= 1e-12, string.format("%s: worst relative deviation %.3g", col, worst))
  end
  dev(ER.mean_historical{prices = SP}, "mean_comp")
  dev(ER.mean_historical{prices = SP, compounding = false, log_returns = true}, "mean_log_arith")
  dev(ER.ema_historical{prices = SP}, "ema_comp")
  dev(ER.capm{prices = SP}, "capm_comp")
  dev(ER.capm{prices = SP, market_prices = SP:select({"XOM"}), compounding = false, risk_free_rate = 0.02},
      "capm_xom_arith_rf02")
end

T.finish("test_expected_returns")
