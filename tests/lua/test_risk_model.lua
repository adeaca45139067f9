-- folio.risk_model beyond sample_cov: ledoit_wolf, ewma_cov, corr, repair, and
-- the repair inside the Kelly sizers — results, info tables and argument errors.
local T = dofile((arg[0]:match("^(.*)/") or ".") .. "/testlib.lua")
local folio = require "folio"
local RM, S = folio.risk_model, folio.sizers
local NaN = folio.missing

local mat = T.matrix

-- 3 rows, 4 assets: fewer rows than assets.
local short = mat({ {0.01, -0.02, 0.005, 0.02}, {-0.01, -0.005, 0.01, 0.015}, {0.03, -0.01, 0.0, 0.002} },
                  {"AAA", "BBB", "CCC", "DDD"})
local lw, info = RM.ledoit_wolf{returns = short}
T.eq(select(2, lw:shape()), 4); T.eq(lw:rows()[2], "BBB"); T.eq(lw:cols()[4], "DDD")
T.check(info.shrinkage > 0 and info.shrinkage <= 1, "shrinkage in (0, 1]")
T.eq(info.rows_used, 3); T.eq(info.missing, "error"); T.eq(info.had_missing, false)
T.check(info.mu > 0, "mu reported")
local lwa = RM.ledoit_wolf{returns = short, annualize = true}
T.near(lwa:get("AAA", "BBB"), 252 * lw:get("AAA", "BBB"), 1e-15, "annualised LW")
local sc = RM.sample_cov{returns = short}
local mu = {AAA = 0.01, BBB = 0.02, CCC = 0.0, DDD = -0.01}
T.raises(function() S.kelly_fraction{expected_returns = mu, cov = sc} end, {"not positive definite (symbol"})
local w, ki = S.kelly_fraction{expected_returns = mu, cov = lw}
T.eq(ki.repair.applied, false); T.eq(ki.repair.method, "error"); T.eq(ki.ridge, 0)
for _, m in ipairs{"clip", "higham"} do
  w, ki = S.kelly_fraction{expected_returns = mu, cov = sc, repair = m}
  T.eq(ki.repair.method, m); T.eq(ki.repair.applied, true); T.eq(ki.ridge, 0)
  T.check(ki.repair.n_clipped >= 1 and ki.repair.frobenius_change > 0, m .. " reported")
  T.check(ki.repair.min_eigenvalue ~= nil, m .. " min_eigenvalue")
  T.check(w.AAA == w.AAA, m .. " weights finite")
end
T.eq(ki.repair.iterations >= 1, true, "higham iterations")

-- missing modes
local gappy = mat({ {0.01, NaN, 0.02}, {0.02, 0.01, -0.01}, {-0.01, 0.03, 0.0}, {0.0, -0.02, 0.01} },
                  {"AAA", "BBB", "CCC"})
T.raises(function() RM.ledoit_wolf{returns = gappy} end, {"ledoit_wolf: missing return (symbol BBB, row d01)"})
T.raises(function() RM.ledoit_wolf{returns = gappy, missing = "pairwise"} end, {"pairwise is not defined"})
T.raises(function() RM.ledoit_wolf{returns = gappy, missing = "drop"} end, {"missing must be"})
local _, i1 = RM.ledoit_wolf{returns = gappy, missing = "complete"}
T.eq(i1.rows_used, 3); T.eq(i1.had_missing, true)
local z, i2 = RM.ledoit_wolf{returns = gappy, missing = "zero"}
T.eq(i2.rows_used, 4); T.eq(i2.missing, "zero")
local filled = mat({ {0.01, 0, 0.02}, {0.02, 0.01, -0.01}, {-0.01, 0.03, 0.0}, {0.0, -0.02, 0.01} },
                   {"AAA", "BBB", "CCC"})
local z2 = RM.ledoit_wolf{returns = filled}
T.eq(z:get("BBB", "CCC"), z2:get("BBB", "CCC"), "zero = NaN read as 0")
T.raises(function() RM.sample_cov{returns = gappy, missing = "zero"} end, {"ledoit_wolf only"})
T.raises(function() RM.ledoit_wolf{returns = short, lag = 1} end, {"unknown key 'lag'"})
T.raises(function() RM.ledoit_wolf{} end, {"returns"})

-- ewma_cov: a long half-life approaches the sample covariance; gaps; bad half-life
local e, ei = RM.ewma_cov{returns = filled, half_life = 1e12}
local s4 = RM.sample_cov{returns = filled}
T.near(e:get("AAA", "CCC"), s4:get("AAA", "CCC"), 1e-12, "ewma -> sample cov")
T.eq(ei.rows_used, 4); T.eq(ei.half_life, 1e12)
e = RM.ewma_cov{returns = filled, half_life = 2, annualize = true, periods_per_year = 260}
local e1 = RM.ewma_cov{returns = filled, half_life = 2}
T.near(e:get("BBB", "BBB"), 260 * e1:get("BBB", "BBB"), 1e-15, "ewma annualised")
T.raises(function() RM.ewma_cov{returns = gappy} end, {"ewma_cov: missing return (symbol BBB, row d01)"})
local _, ec = RM.ewma_cov{returns = gappy, missing = "complete"}
T.eq(ec.rows_used, 3)
T.raises(function() RM.ewma_cov{returns = gappy, missing = "zero"} end, {"missing must be 'error' or 'complete'"})
T.raises(function() RM.ewma_cov{returns = filled, half_life = 0} end, {"half_life must be > 0"})
T.raises(function() RM.ewma_cov{returns = filled, half_life = 1e-3} end, {"all the weight on the last row"})

-- corr
local c = RM.corr{cov = s4}
T.eq(c:get("AAA", "AAA"), 1); T.eq(c:rows()[3], "CCC")
T.near(c:get("AAA", "BBB"), s4:get("AAA", "BBB") / math.sqrt(s4:get("AAA", "AAA") * s4:get("BBB", "BBB")), 1e-15)
local const = mat({ {0.01, 0.25}, {0.02, 0.25}, {-0.01, 0.25} }, {"AAA", "FLAT"}) -- 0.25: an exact mean
local cc = RM.sample_cov{returns = const}
T.raises(function() RM.corr{cov = cc} end, {"FLAT"})
local lwc = RM.ledoit_wolf{returns = const} -- a constant asset is fine for LW
T.check(lwc:get("FLAT", "FLAT") > 0, "LW gives a constant asset the target variance")
T.raises(function() RM.corr{cov = short} end, {"cov must be square"})

-- repair: perfectly correlated pair, non-symmetric input, unknown method, single asset
local pair = folio.matrix{ {0.04, 0.04, 0}, {0.04, 0.04, 0}, {0, 0, 0.09}, rows = {"A", "B", "C"}, cols = {"A", "B", "C"} }
T.raises(function() RM.repair{cov = pair, method = "error"} end, {"repair: cov_repair: cov is not positive definite (symbol B)"})
for _, m in ipairs{"ridge", "clip", "higham"} do
  local r, ri = RM.repair{cov = pair, method = m}
  T.eq(ri.method, m); T.eq(ri.applied, true)
  T.eq(r:rows()[2], "B"); T.eq(r:cols()[3], "C")
  S.kelly_fraction{expected_returns = {A = 0.01, B = 0.01, C = 0.01}, cov = r} -- factorises
end
local r0, r0i = RM.repair{cov = s4}
T.eq(r0i.applied, false); T.eq(r0i.method, "clip"); T.eq(r0i.min_eigenvalue, nil)
T.eq(r0:get("AAA", "BBB"), s4:get("AAA", "BBB"), "PD input untouched")
local asym = folio.matrix{ {0.04, 0.01}, {0.02, 0.09}, rows = {"A", "B"}, cols = {"A", "B"} }
T.raises(function() RM.repair{cov = asym} end, {"not symmetric (symbols A and B"})
T.raises(function() RM.repair{cov = pair, method = "magic"} end, {"method: repair: unknown value \"magic\""})
T.raises(function() RM.repair{cov = pair, methd = "clip"} end, {"unknown key 'methd'"})
local one = folio.matrix{ {0.0}, rows = {"A"}, cols = {"A"} }
T.raises(function() RM.repair{cov = one, method = "higham"} end, {"largest eigenvalue is 0"})
T.raises(function() S.kelly_fraction{expected_returns = {A = 1}, cov = one, repair = "clip"} end, {"not positive definite (symbol A)"})

-- kelly_voltarget reports the repair table too
local rows = {}
for t = 1, 300 do rows[t] = { 0.01 * math.sin(t), 0.01 * math.cos(t * 1.3), 0.005 * math.sin(t * 0.7 + 1) } end
local R = mat(rows, {"X", "Y", "Z"})
local _, kv = S.kelly_voltarget_12{signal = {X = 1, Y = -1, Z = 0.5}, returns = R, nav_usd = 1e6, repair = "clip"}
T.eq(kv.repair.method, "clip"); T.eq(kv.repair.applied, false); T.eq(kv.ridge, 0)

T.finish("test_risk_model")
