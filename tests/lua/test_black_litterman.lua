-- folio.black_litterman through the host: the hand-computed cases of
-- tests/unit/test_black_litterman.c, every view form, the helpers, and the
-- argument errors (each names the view and the symbol).
local T = dofile((arg[0]:match("^(.*)/") or ".") .. "/testlib.lua")
local folio = require "folio"
local BL = folio.black_litterman

-- cov columns deliberately out of symbol order: results are keyed by symbol
local cov = folio.matrix{ {0.09, 0.01}, {0.01, 0.04}, rows = {"BBB", "AAA"}, cols = {"BBB", "AAA"} }
local pi = {AAA = 0.05, BBB = 0.07}

-- One absolute view "AAA = 10 %" with Omega = 0.001 (see the C test for the arithmetic).
local r = BL{cov = cov, pi = pi, views = { {asset = "AAA", value = 0.10} }, omega = {0.001}}
T.near(r.returns.AAA, 0.25 / 3, 1e-15, "mu AAA")
T.near(r.returns.BBB, 0.235 / 3, 1e-15, "mu BBB")
T.near(r.weights.AAA, 40.3 / 54.1, 1e-13, "w AAA")
T.near(r.weights.BBB, 13.8 / 54.1, 1e-13, "w BBB")
T.near(r.cov:get("AAA", "AAA"), 0.122 / 3, 1e-15, "cov AAA")
T.near(r.cov:get("AAA", "BBB"), 0.0305 / 3, 1e-15, "cov AAA BBB")
T.near(r.cov:get("BBB", "BBB"), 0.28325 / 3, 1e-15, "cov BBB")
T.eq(table.concat(r.cov:symbols(), ","), "AAA,BBB", "cov_post in symbol order")
T.eq(r.prior.AAA, 0.05); T.eq(r.prior.BBB, 0.07)
T.eq(r.info.omega_method, "given"); T.eq(r.info.omega[1], 0.001)
T.eq(r.info.tau, 0.05); T.eq(r.info.delta, 1); T.eq(r.info.n_views, 1); T.eq(r.info.n_views_used, 1)
T.eq(r.info.repair.method, "error"); T.eq(r.info.repair.applied, false)

-- Default Omega: the viewed asset lands half-way, (0.05 + 0.10) / 2.
r = BL{cov = cov, pi = pi, views = { {asset = "AAA", value = 0.10} }}
T.near(r.returns.AAA, 0.075, 1e-15, "default omega midpoint"); T.eq(r.info.omega_method, "default")
T.near(r.info.omega[1], 0.002, 1e-18, "tau p S p'")
-- A matrix Omega is the same as its diagonal.
local r2 = BL{cov = cov, pi = pi, views = { {asset = "AAA", value = 0.10} },
              omega = folio.matrix{ {0.002} }}
T.near(r2.returns.AAA, 0.075, 1e-15, "matrix omega")

-- Confidences imply Idzorek's method; confidence 0.8 -> alpha 1/4 -> mu_AAA = 0.09.
r = BL{cov = cov, pi = pi, views = { {asset = "AAA", value = 0.10, confidence = 0.8} }}
T.eq(r.info.omega_method, "idzorek"); T.near(r.returns.AAA, 0.09, 1e-15, "idzorek 0.8")
r = BL{cov = cov, pi = pi, views = { {asset = "AAA", value = 0.10, confidence = 1} }}
T.near(r.returns.AAA, 0.10, 1e-15, "confidence 1: the view holds")
r = BL{cov = cov, pi = pi, views = { {asset = "AAA", value = 0.10, confidence = 0} }, omega = "idzorek"}
T.eq(r.returns.AAA, 0.05, "confidence 0: the prior"); T.eq(r.returns.BBB, 0.07)
T.eq(r.info.n_views_used, 0); T.eq(r.info.omega[1], math.huge)

-- No views: the prior, and cov_post = (1 + tau) Sigma.
r = BL{cov = cov, pi = pi, tau = 0.1}
T.eq(r.returns.AAA, 0.05); T.eq(r.cov:get("BBB", "BBB"), 0.09 + 0.1 * 0.09)
T.near(r.weights.AAA, 38 / 61, 1e-14, "no views: w = S^-1 pi normalised")
r = BL{cov = cov, pi = pi, views = {}}
T.eq(r.returns.BBB, 0.07, "empty views")

-- The market prior: Pi = delta S w + rf; no views gives back the market weights.
r = BL{cov = cov, market_weights = {AAA = 3e9, BBB = 1e9}, risk_aversion = 2.5, risk_free_rate = 0.01}
T.near(r.prior.AAA, 0.09125, 1e-15, "prior AAA"); T.near(r.prior.BBB, 0.085, 1e-15, "prior BBB")
r = BL{cov = cov, market_weights = {AAA = 3, BBB = 1}, risk_aversion = 2.5}
T.near(r.weights.AAA, 0.75, 1e-15, "equilibrium"); T.near(r.weights.BBB, 0.25, 1e-15)
local p = BL.market_implied_prior_returns{cov = cov, market_weights = {AAA = 3, BBB = 1},
                                           risk_aversion = 2.5, risk_free_rate = 0.01}
T.near(p.AAA, 0.09125, 1e-15, "helper prior")
T.near(BL.market_implied_risk_aversion{returns = {0.01, -0.01, 0.02, 0.0}}, 1.24 / 0.042, 1e-12,
       "delta from returns")
T.near(BL.market_implied_risk_aversion{prices = {100, 101, 99.99, 101.9898, 101.9898}}, 1.24 / 0.042,
       1e-9, "delta from prices")
T.near(BL.market_implied_risk_aversion{returns = folio.matrix{ {0.01}, {-0.01}, {0.02}, {0} },
                                       frequency = 252, risk_free_rate = 0}, 1.26 / 0.042, 1e-12,
       "one-column matrix")

-- Relative views on three assets: the three forms agree.
local cov3 = folio.matrix{ {0.04, 0.006, 0.002}, {0.006, 0.09, 0.01}, {0.002, 0.01, 0.0625},
                           rows = {"GOOG", "MSFT", "AAPL"}, cols = {"GOOG", "MSFT", "AAPL"} }
local pi3 = {GOOG = 0.05, MSFT = 0.07, AAPL = 0.06}
local a = BL{cov = cov3, pi = pi3, views = { {long = {"MSFT"}, short = {"GOOG"}, value = 0.02} }}
local b = BL{cov = cov3, pi = pi3, views = { {weights = {MSFT = 1, GOOG = -1}, value = 0.02} }}
local c = BL{cov = cov3, pi = pi3, views = { {long = "MSFT", short = "GOOG", value = 0.02} }}
for _, s in ipairs{"AAPL", "GOOG", "MSFT"} do
  T.eq(a.returns[s], b.returns[s], "long/short = weights " .. s)
  T.eq(a.returns[s], c.returns[s], "string sides " .. s)
end
-- long {"MSFT", "AAPL"}: +1/2 each, as PyPortfolioOpt splits a side equally
local d = BL{cov = cov3, pi = pi3, views = { {long = {"MSFT", "AAPL"}, short = {"GOOG"}, value = 0.02, confidence = 1} }}
T.near((d.returns.MSFT + d.returns.AAPL) / 2 - d.returns.GOOG, 0.02, 1e-15, "certain basket view")
local e = BL{cov = cov3, pi = pi3, views = { {weights = {MSFT = 0.5, AAPL = 0.5, GOOG = -1}, value = 0.02, confidence = 1} }}
T.near(d.returns.MSFT, e.returns.MSFT, 1e-16, "equal split")
-- two views, a 2 x 2 Omega matrix
local f = BL{cov = cov3, pi = pi3, views = { {asset = "AAPL", value = 0.08}, {long = {"MSFT"}, short = {"GOOG"}, value = 0.01} },
             omega = folio.matrix{ {0.001, 0.0002}, {0.0002, 0.002} }}
T.eq(f.info.n_views, 2); T.eq(f.info.omega[2], 0.002)
local sw = 0
for _, w in pairs(f.weights) do sw = sw + w end
T.near(sw, 1, 1e-14, "weights sum to 1")

-- repair of a Sigma that is not positive definite
local bad = folio.matrix{ {0.04, 0.01, 0.05}, {0.01, 0.09, 0.10}, {0.05, 0.10, 0.14},
                          rows = {"A", "B", "C"}, cols = {"A", "B", "C"} }
local pib = {A = 0.05, B = 0.07, C = 0.06}
T.raises(function() BL{cov = bad, pi = pib} end, {"black_litterman: cov is not positive definite (symbol C)"})
r = BL{cov = bad, pi = pib, repair = "clip"}
T.eq(r.info.repair.method, "clip"); T.eq(r.info.repair.applied, true)

-- argument errors
local v1 = { {asset = "AAA", value = 0.1} }
T.raises(function() BL{cov = cov, pi = pi, views = { {asset = "XYZ", value = 0.1} }} end,
         {"views[1]: symbol 'XYZ' is not in cov"})
T.raises(function() BL{cov = cov, pi = pi, views = { v1[1], {long = {"AAA"}, short = {"ZZZ"}, value = 0.1} }} end,
         {"views[2]: symbol 'ZZZ' is not in cov"})
T.raises(function() BL{cov = cov, pi = pi, views = { {weights = {AAA = 1, QQQ = -1}, value = 0.1} }} end,
         {"views[1]: symbol 'QQQ' is not in cov"})
T.raises(function() BL{cov = cov, pi = pi, views = { {weights = {AAA = 0}, value = 0.1} }} end,
         {"view #1 is on nothing"})
T.raises(function() BL{cov = cov, pi = pi, views = { {asset = "AAA"} }} end, {"views[1].value must be a number"})
T.raises(function() BL{cov = cov, pi = pi, views = { {asset = "AAA", value = 0.1, confidence = 1.5} }} end,
         {"views[1].confidence must be in [0, 1]"})
T.raises(function() BL{cov = cov, pi = pi, views = { {asset = "AAA", value = 0.1, confidence = 0.5} }, omega = "default"} end,
         {"views[1] has a confidence", "idzorek"})
T.raises(function() BL{cov = cov, pi = pi, views = v1, omega = "idzorek"} end, {"views[1] needs a confidence"})
T.raises(function() BL{cov = cov, pi = pi, views = { {asset = "AAA", long = {"BBB"}, value = 0.1} }} end,
         {"views[1] must name exactly one of asset, long/short or weights"})
T.raises(function() BL{cov = cov, pi = pi, views = { {value = 0.1} }} end, {"exactly one of asset"})
T.raises(function() BL{cov = cov, pi = pi, views = { {asset = "AAA", value = 0.1, conf = 1} }} end,
         {"views[1]: unknown key 'conf'"})
T.raises(function() BL{cov = cov, pi = pi, views = { {long = {"AAA"}, short = {"AAA"}, value = 0.1} }} end,
         {"views[1]: symbol 'AAA' is on both sides"})
T.raises(function() BL{cov = cov, pi = pi, views = { {long = {"AAA", "AAA"}, value = 0.1} }} end,
         {"listed twice"})
T.raises(function() BL{cov = cov, pi = pi, views = { {long = {}, value = 0.1} }} end, {"views[1].long is empty"})
T.raises(function() BL{cov = cov, pi = pi, views = { "AAA" }} end, {"views[1] must be a table"})
T.raises(function() BL{cov = cov, pi = pi, views = { x = 1 }} end, {"views must be an array"})
T.raises(function() BL{cov = cov, pi = pi, views = v1, omega = "idzorak"} end, {"omega must be \"default\", \"idzorek\""})
T.raises(function() BL{cov = cov, pi = pi, views = v1, omega = {0.1, 0.2}} end, {"omega must list 1 view variances"})
T.raises(function() BL{cov = cov, pi = pi, views = v1, omega = {-0.1}} end, {"omega has a negative variance (view #1"})
T.raises(function() BL{cov = cov, pi = pi, views = v1, omega = folio.matrix{ {1, 0}, {0, 1} }} end, {"omega must be 1 x 1"})
T.raises(function() BL{cov = cov, pi = pi, tau = 0} end, {"tau must be > 0"})
T.raises(function() BL{cov = cov, pi = pi, tau = 2} end, {"tau must be in (0, 1]"})
T.raises(function() BL{cov = cov, pi = pi, risk_aversion = -1} end, {"risk_aversion must be > 0"})
T.raises(function() BL{cov = cov, pi = pi, repair = "fix"} end, {"repair"})
T.raises(function() BL{cov = cov, pi = {AAA = 0.05}} end, {"pi lacks symbol 'BBB' of cov"})
T.raises(function() BL{cov = cov, pi = {AAA = 0.05, BBB = 0.07, CCC = 0}} end, {"pi has symbol 'CCC' that cov does not have"})
T.raises(function() BL{cov = cov} end, {"exactly one of pi"})
T.raises(function() BL{cov = cov, pi = pi, market_weights = {AAA = 1, BBB = 1}} end, {"exactly one of pi"})
T.raises(function() BL{cov = cov, pi = pi, risk_free_rate = 0.02} end, {"risk_free_rate applies to the market prior only"})
T.raises(function() BL{cov = cov, market_weights = {AAA = -1, BBB = 2}} end, {"market weight is negative (symbol AAA"})
T.raises(function() BL{cov = cov, pi = pi, viewz = {}} end, {"unknown key 'viewz'"})
T.raises(function() BL{pi = pi} end, {"cov is required"})
T.raises(function() BL{cov = folio.matrix{ {1, 2} }, pi = pi} end, {"cov must be square"})
T.raises(function() BL{cov = folio.matrix{ {0.04, 0.01}, {0.02, 0.09}, rows = {"AAA", "BBB"}, cols = {"AAA", "BBB"} }, pi = pi} end,
         {"cov is not symmetric (symbols AAA and BBB"})
T.raises(function() BL{cov = cov, pi = {AAA = 0.05, BBB = 0 / 0}} end, {"pi.BBB is NaN"})
T.raises(function() BL.market_implied_risk_aversion{returns = {0.01}} end, {"1 return(s)"})
T.raises(function() BL.market_implied_risk_aversion{returns = {0.01, 0.02}, prices = {1, 2}} end, {"exactly one of returns or prices"})
T.raises(function() BL.market_implied_risk_aversion{prices = {100, -1, 3}} end, {"prices[2] must be finite and > 0"})
T.raises(function() BL.market_implied_prior_returns{cov = cov, pi = pi} end, {"unknown key 'pi'"})

T.finish("test_black_litterman")
