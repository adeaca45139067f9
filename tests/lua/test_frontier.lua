-- folio.frontier, folio.performance and folio.clean_weights through the host:
-- closed forms on small cases, KKT certificates, binding constraints, the
-- curve, options (bounds, sectors, market_neutral, gamma, current with
-- max_turnover or cost_bps) and every bad input's message.
local T = dofile((arg[0]:match("^(.*)/") or ".") .. "/testlib.lua")
local folio = require "folio"
local F = folio.frontier

local function mat(syms, rows)
  rows.rows, rows.cols = syms, syms
  return folio.matrix(rows)
end
local function kkt_ok(info, what)
  for _, k in ipairs{"primal", "dual", "complementarity", "stationarity"} do
    T.check(info.kkt[k] <= 1e-9, what .. " kkt " .. k .. " " .. tostring(info.kkt[k]))
  end
end
local function has(list, name)
  for _, v in ipairs(list) do if v == name then return true end end
  return false
end

-- two uncorrelated assets: closed forms
local cov2 = mat({"B", "A"}, {{0.09, 0}, {0, 0.04}}) -- labels out of order on purpose
local mu2 = {A = 0.1, B = 0.2}
local w, info = F.min_volatility{cov = cov2}
T.near(w.A, 0.09 / 0.13, 1e-14, "min_volatility A")
T.near(w.B, 0.04 / 0.13, 1e-14, "min_volatility B")
T.eq(info.expected_return, nil, "no mu, no return")
T.near(info.volatility, math.sqrt(0.04 * 0.09 / 0.13), 1e-14, "min vol")
kkt_ok(info, "min_volatility")
T.eq(T.keys(w)[1], "A")
w, info = F.max_sharpe{mu = mu2, cov = cov2}
local ta, tb = 0.1 / 0.04, 0.2 / 0.09
T.near(w.A, ta / (ta + tb), 1e-12, "tangency A")
T.near(w.B, tb / (ta + tb), 1e-12, "tangency B")
T.near(info.sharpe, math.sqrt(0.1 ^ 2 / 0.04 + 0.2 ^ 2 / 0.09), 1e-12, "tangency Sharpe")
kkt_ok(info, "max_sharpe")
w, info = F.max_sharpe{mu = mu2, cov = cov2, risk_free_rate = 0.05}
ta, tb = 0.05 / 0.04, 0.15 / 0.09
T.near(w.A, ta / (ta + tb), 1e-12, "tangency with r_f")
T.near(info.sharpe, (info.expected_return - 0.05) / info.volatility, 1e-14, "Sharpe uses r_f")
-- quadratic utility with shorts: w = b/δ + a (1 − 1'b/δ) / 1'a
local a1, a2, b1, b2 = 25, 1 / 0.09, 2.5, 0.2 / 0.09
local nu = (1 - (b1 + b2)) / (a1 + a2)
w, info = F.max_quadratic_utility{mu = mu2, cov = cov2, bounds = {-1, 2}}
T.near(w.A, b1 + a1 * nu, 1e-12, "utility A")
T.near(w.B, b2 + a2 * nu, 1e-12, "utility B")
kkt_ok(info, "utility")
w, info = F.max_quadratic_utility{mu = mu2, cov = cov2}
T.near(w.A, 0, 1e-15, "utility long-only A at 0")
T.check(has(info.binding, "lower:A") and has(info.binding, "upper:B"), "utility binding")
w = F.max_quadratic_utility{mu = mu2, cov = cov2, risk_aversion = 50}
T.check(w.A > 0.5, "more risk aversion, more of the low-vol asset")

-- three assets: targets, binding, curve
local syms = {"AAA", "BBB", "CCC"}
local cov3 = mat(syms, {{0.04, 0.006, 0.002}, {0.006, 0.09, 0.01}, {0.002, 0.01, 0.0225}})
local mu3 = {AAA = 0.08, BBB = 0.15, CCC = 0.05}
local mv, mvi = F.min_volatility{cov = cov3, mu = mu3}
local pts, cinfo = F.curve{mu = mu3, cov = cov3, points = 12}
T.eq(#pts, 12)
kkt_ok(cinfo, "curve")
T.near(pts[1].volatility, mvi.volatility, 1e-12, "curve starts at min vol")
T.near(pts[12].expected_return, 0.15, 1e-8, "curve ends at the largest return")
for k = 2, #pts do
  T.check(pts[k].expected_return >= pts[k - 1].expected_return - 1e-12, "curve return monotone")
  T.check(pts[k].volatility >= pts[k - 1].volatility - 1e-12, "curve vol monotone")
end
w, info = F.efficient_return{mu = mu3, cov = cov3, target_return = 0.1}
T.near(info.expected_return, 0.1, 1e-12, "efficient_return hits the target")
T.check(has(info.binding, "target_return"), "target_return binds")
kkt_ok(info, "efficient_return")
local er_vol = info.volatility
w, info = F.efficient_risk{mu = mu3, cov = cov3, target_volatility = er_vol}
T.near(info.expected_return, 0.1, 1e-9, "efficient_risk inverts efficient_return")
T.near(info.volatility, er_vol, 1e-12, "efficient_risk hits the target")
T.check(has(info.binding, "target_volatility"), "target_volatility binds")
kkt_ok(info, "efficient_risk")
w, info = F.efficient_risk{mu = mu3, cov = cov3, target_volatility = 0.5}
T.near(w.BBB, 1, 1e-9, "a loose target gives the largest return")
T.check(not has(info.binding, "target_volatility"), "loose target does not bind")
local sw, si = F.max_sharpe{mu = mu3, cov = cov3}
w = F.efficient_risk{mu = mu3, cov = cov3, target_volatility = si.volatility}
for _, s in ipairs(syms) do T.near(w[s], sw[s], 1e-7, "efficient_risk at max_sharpe's vol " .. s) end

-- options: bounds per symbol, sectors, gamma, current with turnover / cost, market neutral
w, info = F.max_sharpe{mu = mu3, cov = cov3, bounds = {BBB = {0, 0.2}}}
T.near(w.BBB, 0.2, 1e-12, "per-symbol bound")
T.check(has(info.binding, "upper:BBB"), "upper:BBB binds")
local sect = {AAA = "x", BBB = "y", CCC = "y"}
w, info = F.max_sharpe{mu = mu3, cov = cov3, sectors = sect, sector_upper = {y = 0.3}}
T.near(w.BBB + w.CCC, 0.3, 1e-12, "sector cap")
T.check(has(info.binding, "sector_upper:y"), "sector_upper:y binds")
kkt_ok(info, "max_sharpe with sectors")
w, info = F.min_volatility{cov = cov3, sectors = sect, sector_lower = {x = 0.7}}
T.near(w.AAA, 0.7, 1e-12, "sector floor")
T.check(has(info.binding, "sector_lower:x"), "sector_lower:x binds")
local w0 = F.min_volatility{cov = cov3}
local wg = F.min_volatility{cov = cov3, gamma = 10}
T.check(math.abs(wg.AAA - 1 / 3) < math.abs(w0.AAA - 1 / 3), "gamma pulls toward equal weights")
local cur = {AAA = 1}
w, info = F.max_sharpe{mu = mu3, cov = cov3, current = cur, max_turnover = 0.2}
local turn = math.abs(w.AAA - 1) + w.BBB + w.CCC
T.near(turn, 0.2, 1e-9, "turnover cap")
T.check(has(info.binding, "max_turnover"), "max_turnover binds")
kkt_ok(info, "max_sharpe with turnover")
w, info = F.min_volatility{cov = cov3, current = cur, cost_bps = 1e6}
T.near(w.AAA, 1, 1e-9, "a prohibitive cost keeps the current book")
kkt_ok(info, "min_volatility with cost")
w, info = F.max_quadratic_utility{mu = mu3, cov = cov3, market_neutral = true, bounds = {-1, 1}}
T.near(w.AAA + w.BBB + w.CCC, 0, 1e-12, "market neutral sums to 0")
kkt_ok(info, "market neutral")
w, info = F.efficient_return{mu = mu3, cov = cov3, market_neutral = true, bounds = {-1, 1},
                             target_return = 0.05}
T.near(info.expected_return, 0.05, 1e-12, "market-neutral efficient_return")

-- mu as a one-column matrix
local mum = folio.matrix{{0.08}, {0.15}, {0.05}, rows = syms, cols = {"mu"}}
local wm = F.max_sharpe{mu = mum, cov = cov3}
for _, s in ipairs(syms) do T.near(wm[s], sw[s], 1e-15, "mu matrix " .. s) end

-- performance and clean_weights (PyPortfolioOpt's)
local p = folio.performance{weights = sw, mu = mu3, cov = cov3}
T.near(p.expected_return, si.expected_return, 1e-15)
T.near(p.volatility, si.volatility, 1e-15)
T.near(p.sharpe, si.sharpe, 1e-14)
p = folio.performance{weights = {AAA = 1}, mu = mu3, cov = cov3, risk_free_rate = 0.02}
T.near(p.sharpe, (0.08 - 0.02) / 0.2, 1e-15, "performance with r_f, absent weights are 0")
local cw = folio.clean_weights{weights = {A = 0.123456789, B = 0.00005, C = -0.00002, D = 0.876543211}}
T.eq(cw.A, 0.12346); T.eq(cw.B, 0); T.eq(cw.C, 0); T.eq(cw.D, 0.87654)
cw = folio.clean_weights{weights = {A = 0.123456789, B = 0.01}, cutoff = 0.05, rounding = 2}
T.eq(cw.A, 0.12); T.eq(cw.B, 0)
cw = folio.clean_weights{weights = {A = 0.123456789}, rounding = false}
T.eq(cw.A, 0.123456789)

-- bad input: each names the value and the symbol
local nanm = mat(syms, {{0.04, 0 / 0, 0}, {0 / 0, 0.09, 0}, {0, 0, 0.02}})
T.raises(function() F.min_volatility{cov = nanm} end, {"min_volatility: cov is not finite", "AAA"})
T.raises(function() F.max_sharpe{cov = cov3, mu = {AAA = 0 / 0, BBB = 0.1, CCC = 0.1}} end,
         {"mu.AAA is NaN"})
T.raises(function() F.max_sharpe{cov = cov3, mu = {AAA = 0.1, BBB = 0.1}} end, {"mu has no entry for 'CCC'"})
T.raises(function() F.max_sharpe{cov = cov3, mu = {AAA = 0.1, BBB = 0.1, CCC = 0.1, ZZZ = 1}} end,
         {"mu has symbol 'ZZZ'"})
local asym = mat(syms, {{0.04, 0.01, 0}, {0.02, 0.09, 0}, {0, 0, 0.02}})
T.raises(function() F.min_volatility{cov = asym} end, {"not symmetric", "AAA and BBB"})
local npsd = mat({"X", "Y"}, {{0.04, 0.1}, {0.1, 0.04}})
T.raises(function() F.min_volatility{cov = npsd} end, {"min_volatility: cov is not positive semidefinite", "symbol"})
T.raises(function() F.max_sharpe{mu = mu3, cov = cov3, bounds = {0, 0.3}} end,
         {"upper bounds sum to 0.9", "less than"})
T.raises(function() F.max_sharpe{mu = mu3, cov = cov3, bounds = {0.4, 1}} end,
         {"lower bounds sum to 1.2"})
T.raises(function() F.max_sharpe{mu = mu3, cov = cov3, bounds = {AAA = {0.5, 0.1}}} end,
         {"lower bound 0.5 > upper bound 0.1 (symbol AAA)"})
T.raises(function() F.max_sharpe{mu = mu3, cov = cov3, bounds = {ZZZ = {0, 1}}} end,
         {"bounds has symbol 'ZZZ'"})
T.raises(function() F.max_sharpe{mu = mu3, cov = cov3, sectors = {AAA = "x", ZZZ = "y"}} end,
         {"sectors has symbol 'ZZZ' that is not in cov"})
T.raises(function() F.max_sharpe{mu = mu3, cov = cov3, sectors = sect, sector_upper = {q = 0.1}} end,
         {"sector_upper names sector 'q'"})
T.raises(function() F.max_sharpe{mu = mu3, cov = cov3, sectors = sect, sector_upper = {x = 0.1},
                                 bounds = {AAA = {0.2, 1}}} end,
         {"sector x", "lower bounds sum to 0.2"})
T.raises(function() F.max_sharpe{mu = mu3, cov = cov3, sector_upper = {x = 0.1}} end, {"need sectors"})
T.raises(function() F.max_quadratic_utility{mu = mu3, cov = cov3, market_neutral = true} end,
         {"market_neutral needs shorts"})
T.raises(function() F.min_volatility{cov = cov3, market_neutral = true, bounds = {-1, 1}} end,
         {"market_neutral is not supported"})
T.raises(function() F.efficient_return{mu = mu3, cov = cov3, target_return = 0.9} end,
         {"efficient_return: target_return 0.9 is above the largest reachable return 0.15"})
T.raises(function() F.efficient_return{mu = mu3, cov = cov3, bounds = {AAA = {0, 0.5}, BBB = {0, 0.1}},
                                       target_return = 0.12} end,
         {"above the largest reachable return 0.0", "at these bounds"})
T.raises(function() F.efficient_return{mu = mu3, cov = cov3, target_return = 0.01} end,
         {"target_return 0.01 is below the return", "minimum-volatility portfolio"})
T.raises(function() F.efficient_risk{mu = mu3, cov = cov3, target_volatility = 0.05} end,
         {"efficient_risk: target_volatility 0.05 is below the minimum volatility 0.12"})
T.raises(function() F.efficient_risk{mu = mu3, cov = cov3, target_volatility = -1} end, {"target_volatility"})
T.raises(function() F.efficient_risk{mu = mu3, cov = cov3} end, {"target_volatility"})
T.raises(function() F.max_sharpe{mu = {AAA = 0.01, BBB = 0.01, CCC = 0.01}, cov = cov3, risk_free_rate = 0.02} end,
         {"no asset has an expected return above the risk-free rate 0.02"})
T.raises(function() F.max_sharpe{mu = mu3, cov = cov3, cost_bps = 10, current = cur} end,
         {"cost_bps is not supported"})
T.raises(function() F.min_volatility{cov = cov3, max_turnover = 0.1} end, {"need current weights"})
T.raises(function() F.min_volatility{cov = cov3, current = {ZZZ = 1}} end, {"current has symbol 'ZZZ'"})
T.raises(function() F.min_volatility{cov = cov3, gamma = -1} end, {"gamma"})
T.raises(function() F.max_quadratic_utility{mu = mu3, cov = cov3, risk_aversion = 0} end, {"risk_aversion"})
T.raises(function() F.min_volatility{cov = cov3, bogus = 1} end, {"unknown key 'bogus'"})
T.raises(function() F.max_sharpe{cov = cov3} end, {"mu is required"})
T.raises(function() F.curve{mu = mu3, cov = cov3, points = 1} end, {"points"})
T.raises(function() F.min_volatility{cov = cov3, current = {AAA = 1}, max_turnover = 0.0, bounds = {AAA = {0, 0.5}}} end,
         {"the constraints admit no portfolio"})
T.raises(function() folio.performance{weights = {ZZZ = 1}, mu = mu3, cov = cov3} end, {"weights has symbol 'ZZZ'"})
T.raises(function() folio.clean_weights{weights = {A = 0 / 0}} end, {"weights.A is NaN"})
T.raises(function() folio.clean_weights{weights = {A = 1}, cutoff = -1} end, {"cutoff"})

T.finish("test_frontier")
