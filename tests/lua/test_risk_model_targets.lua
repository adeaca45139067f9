-- folio.risk_model: ledoit_wolf{target}, oas, semicovariance through the Lua
-- API — labels, info tables, invariants (shrinkage in [0, 1], symmetry,
-- constant_variance unchanged), missing modes, argument errors, and the
-- PyPortfolioOpt reference matrices when ../shared/reference is present.
local T = dofile((arg[0]:match("^(.*)/") or ".") .. "/testlib.lua")
local folio = require "folio"
local RM = folio.risk_model
local NaN = folio.missing

local mat = T.matrix

local rows = {}
for t = 1, 80 do
  local m = 0.01 * math.sin(t * 0.37)
  rows[t] = { 0.8 * m + 0.004 * math.cos(t * 1.7), 1.2 * m + 0.006 * math.sin(t * 2.3),
              0.5 * m + 0.003 * math.cos(t * 0.9 + 1), 1.0 * m + 0.005 * math.sin(t * 3.1 + 2) }
end
local R = mat(rows, {"AAA", "BBB", "CCC", "DDD"})
local syms = R:symbols()

local function symmetric(C)
  for _, a in ipairs(syms) do for _, b in ipairs(syms) do
    if C:get(a, b) ~= C:get(b, a) then return false end
  end end
  return true
end

-- constant_variance is the default and the estimator that was there
local lw0, i0 = RM.ledoit_wolf{returns = R}
local lw1, i1 = RM.ledoit_wolf{returns = R, target = "constant_variance"}
T.eq(lw0:digest(), lw1:digest(), "target = constant_variance is the default, bit for bit")
T.eq(i0.shrinkage, i1.shrinkage); T.eq(i1.target, "constant_variance")
for _, target in ipairs{"single_factor", "constant_correlation"} do
  local C, info = RM.ledoit_wolf{returns = R, target = target}
  T.eq(info.target, target); T.eq(info.rows_used, 80); T.eq(info.missing, "error")
  T.check(info.shrinkage >= 0 and info.shrinkage <= 1, target .. " shrinkage in [0, 1]")
  T.check(symmetric(C), target .. " symmetric")
  T.eq(C:rows()[2], "BBB"); T.eq(C:cols()[4], "DDD")
  local S = RM.sample_cov{returns = R}
  T.check(C:get("AAA", "AAA") > 0, target .. " variance")
  local Ca = RM.ledoit_wolf{returns = R, target = target, annualize = true}
  T.near(Ca:get("AAA", "BBB"), 252 * C:get("AAA", "BBB"), 1e-15, target .. " annualised")
  if target == "constant_correlation" then
    T.near(C:get("CCC", "CCC"), S:get("CCC", "CCC"), 1e-16, "constant_correlation keeps S's diagonal (ddof 1)")
  end
end
T.raises(function() RM.ledoit_wolf{returns = R, target = "identity"} end,
         {"target must be 'constant_variance', 'single_factor' or 'constant_correlation', got 'identity'"})
T.raises(function() RM.ledoit_wolf{returns = R, target = "single_factor", form = "factor"} end,
         {"form = 'factor' is the constant_variance target only"})
local flat = mat({ {0.01, 0.02}, {0.02, 0.02}, {-0.01, 0.02} }, {"AAA", "FLAT"})
T.raises(function() RM.ledoit_wolf{returns = flat, target = "constant_correlation"} end, {"symbol FLAT has zero variance"})

-- OAS
local O, oi = RM.oas{returns = R}
T.check(oi.shrinkage >= 0 and oi.shrinkage <= 1, "oas shrinkage in [0, 1]")
T.check(symmetric(O), "oas symmetric"); T.eq(oi.rows_used, 80)
local mu = 0
for _, s in ipairs(syms) do mu = mu + O:get(s, s) end
T.near(oi.mu, mu / 4, 1e-15, "OAS keeps the trace")
T.raises(function() RM.oas{returns = R, target = "x"} end, {"unknown key 'target'"})

-- semicovariance
local SC, si = RM.semicovariance{returns = R}
T.eq(si.benchmark, 0); T.eq(si.frequency, 252); T.eq(si.rows_used, 80)
T.check(symmetric(SC), "semicovariance symmetric")
local d = 0
for t = 1, 80 do d = d + math.min(rows[t][1], 0) * math.min(rows[t][2], 0) end
T.near(SC:get("AAA", "BBB"), 252 * d / 80, 1e-15, "D'D / T x frequency")
local SC1 = RM.semicovariance{returns = R, benchmark = -1, frequency = 1}
T.eq(SC1:get("AAA", "AAA"), 0, "a benchmark below every return: no downside")
T.raises(function() RM.semicovariance{returns = R, frequency = 0} end, {"frequency must be > 0"})
T.raises(function() RM.semicovariance{returns = R, benchmark = 0 / 0} end, {"benchmark"})
T.raises(function() RM.semicovariance{returns = R, annualize = true} end, {"unknown key 'annualize'"})

-- missing data: error names symbol and date; zero and complete as documented
local G = mat({ {0.01, NaN, 0.02}, {0.02, 0.01, -0.01}, {-0.01, 0.03, 0.0}, {0.0, -0.02, 0.01}, {0.01, 0.0, -0.02} },
              {"AAA", "BBB", "CCC"})
for _, f in ipairs{function(a) return RM.oas(a) end, function(a) return RM.semicovariance(a) end,
                   function(a) a.target = "single_factor"; return RM.ledoit_wolf(a) end} do
  T.raises(function() f{returns = G} end, {"missing return (symbol BBB, row d01)"})
  local _, info = f{returns = G, missing = "zero"}
  T.eq(info.rows_used, 5); T.eq(info.had_missing, true)
  local _, ic = f{returns = G, missing = "complete"}
  T.eq(ic.rows_used, 4)
end
T.raises(function() RM.oas{returns = G, missing = "pairwise"} end, {"missing must be"})
local one = mat({ {0.01, 0.02} }, {"AAA", "BBB"})
T.raises(function() RM.oas{returns = one} end, {"1 row(s), at least 2"})
T.raises(function() RM.semicovariance{returns = one} end, {"1 row(s), at least 2"})
T.raises(function() RM.ledoit_wolf{returns = one, target = "constant_correlation"} end, {"1 row(s), at least 2"})

-- reference: PyPortfolioOpt on stock_prices.csv (NaN as PyPortfolioOpt takes them: missing = "zero")
local dir = T.reference_dir()
if not dir then
  print("SKIP: ../shared/reference is absent (FOLIO_REFERENCE_DIR); risk-model reference checks not run")
else
  local SP = folio.data.read_csv(dir .. "/data/stock_prices.csv")
  local SR = SP:returns("simple")
  local function dev(C, file)
    local header, rrows = T.read_ref_csv("tests/reference/data/" .. file)
    local ref = {}
    for _, r in ipairs(rrows) do
      ref[r[1]] = {}
      for j = 2, #header do ref[r[1]][header[j]] = tonumber(r[j]) end
    end
    local worst = 0
    for a in pairs(ref) do for b in pairs(ref) do
      worst = math.max(worst, math.abs(C:get(a, b) - ref[a][b]) / math.sqrt(ref[a][a] * ref[b][b]))
    end end
    T.check(worst <= 1e-12, string.format("%s: worst deviation %.3g", file, worst))
  end
  dev(RM.ledoit_wolf{returns = SR, target = "single_factor", missing = "zero", annualize = true}, "cov_ledoit_wolf_single_factor.csv")
  dev(RM.ledoit_wolf{returns = SR, target = "constant_correlation", missing = "zero", annualize = true}, "cov_ledoit_wolf_constant_correlation.csv")
  dev(RM.oas{returns = SR, missing = "zero", annualize = true}, "cov_oas.csv")
  dev(RM.semicovariance{returns = SR, missing = "zero"}, "cov_semicovariance_b0.csv")
  dev(RM.semicovariance{returns = SR, missing = "zero", benchmark = 0.000079}, "cov_semicovariance_b000079.csv")
  dev(RM.oas{returns = SR, missing = "complete", annualize = true}, "cov_oas_complete.csv")
end

T.finish("test_risk_model_targets")
