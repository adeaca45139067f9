-- folio.sizers allocators through the host: closed forms, optimality
-- conditions, info tables and argument errors.
local T = dofile((arg[0]:match("^(.*)/") or ".") .. "/testlib.lua")
local folio = require "folio"
local S = folio.sizers

local syms = {"AAA", "BBB", "CCC", "DDD"}
local var = {AAA = 0.04, BBB = 0.09, CCC = 0.01, DDD = 0.16}
local function diag(v)
  local rows = {}
  for i, a in ipairs(syms) do
    rows[i] = {}
    for j, b in ipairs(syms) do rows[i][j] = (a == b) and v[a] or 0 end
  end
  rows.rows, rows.cols = syms, syms
  return folio.matrix(rows)
end
local cov = diag(var)

-- closed forms on a diagonal
local sv, ss = 0, 0
for _, s in ipairs(syms) do sv = sv + 1 / var[s]; ss = ss + 1 / math.sqrt(var[s]) end
local w, info = S.min_variance{cov = cov}
for _, s in ipairs(syms) do T.near(w[s], (1 / var[s]) / sv, 1e-15, "min_variance " .. s) end
T.eq(info.method, "closed_form"); T.eq(info.converged, true)
T.near(info.variance, 1 / sv, 1e-16, "variance")
T.eq(info.repair.method, "error"); T.eq(info.repair.applied, false)
w, info = S.inverse_vol{cov = cov}
for _, s in ipairs(syms) do T.near(w[s], (1 / math.sqrt(var[s])) / ss, 1e-15, "inverse_vol " .. s) end
w, info = S.risk_parity{cov = cov}
for _, s in ipairs(syms) do
  T.near(w[s], (1 / math.sqrt(var[s])) / ss, 1e-13, "risk_parity " .. s)
  T.near(info.risk_contributions[s], 0.25, 1e-12, "ERC " .. s)
end
T.eq(info.method, "newton")
w, info = S.max_diversification{cov = cov}
T.near(info.diversification_ratio, 2, 1e-14, "D = sqrt(n) on a diagonal")
for _, s in ipairs(syms) do T.near(w[s], (1 / math.sqrt(var[s])) / ss, 1e-15, "max_div " .. s) end

-- symbols: a subset of cov; budgets
w = S.min_variance{cov = cov, symbols = {"CCC", "AAA"}}
T.near(w.CCC, 0.8, 1e-15, "subset"); T.eq(w.BBB, nil)
w, info = S.risk_parity{cov = cov, budgets = {AAA = 0.1, BBB = 0.2, CCC = 0.3, DDD = 0.4}}
T.near(info.risk_contributions.DDD, 0.4, 1e-12, "budget DDD")

-- a dense case: bounds binding, KKT, permutation of the file's columns
local rng = 12345
local function rnd() rng = (rng * 1103515245 + 12345) % 2147483648; return rng / 2147483648 - 0.5 end
local n, names, B = 12, {}, {}
for i = 1, n do names[i] = string.format("S%02d", i); B[i] = {} for k = 1, 3 do B[i][k] = rnd() * 0.4 end end
local function dense(order)
  local rows = {}
  for i, a in ipairs(order) do
    rows[i] = {}
    for j, b in ipairs(order) do
      local ia, ib = tonumber(a:sub(2)), tonumber(b:sub(2))
      local s = (ia == ib) and 0.01 + ia * 0.002 or 0
      for k = 1, 3 do s = s + B[ia][k] * B[ib][k] end
      rows[i][j] = s
    end
  end
  rows.rows, rows.cols = order, order
  return folio.matrix(rows)
end
local C = dense(names)
local rev = {}
for i = n, 1, -1 do rev[#rev + 1] = names[i] end
local CR = dense(rev)
w, info = S.min_variance{cov = C, bounds = {min = 0, max = 0.15}}
local sum = 0
for _, s in ipairs(names) do sum = sum + w[s]; T.check(w[s] >= 0 and w[s] <= 0.15 + 1e-15, "bounds " .. s) end
T.near(sum, 1, 1e-12, "sum")
-- KKT: (Σw)_i equal on the free set, >= on the lower set, <= on the upper set
local g = {}
for i, a in ipairs(names) do g[a] = 0 for j, b in ipairs(names) do g[a] = g[a] + C:get(i, j) * w[b] end end
local nu, nf = 0, 0
for _, s in ipairs(names) do if w[s] > 1e-12 and w[s] < 0.15 - 1e-12 then nu = nu + g[s]; nf = nf + 1 end end
nu = nu / nf
for _, s in ipairs(names) do
  if w[s] > 1e-12 and w[s] < 0.15 - 1e-12 then T.near(g[s], nu, 1e-12, "free " .. s)
  elseif w[s] <= 1e-12 then T.check(g[s] >= nu - 1e-12, "lower multiplier " .. s)
  else T.check(g[s] <= nu + 1e-12, "upper multiplier " .. s) end
end
local wr = S.min_variance{cov = CR, bounds = {min = 0, max = 0.15}}
for _, s in ipairs(names) do T.eq(wr[s], w[s], "bit-identical under column reordering " .. s) end
w, info = S.risk_parity{cov = C}
for _, s in ipairs(names) do T.near(info.risk_contributions[s], 1 / n, 1e-12, "ERC dense " .. s) end
wr = S.risk_parity{cov = CR}
for _, s in ipairs(names) do T.eq(wr[s], w[s], "risk_parity reordering " .. s) end
w = S.min_variance{cov = C, long_only = false, bounds = {min = -0.1, max = {S01 = 0.2}}}
sum = 0
for _, s in ipairs(names) do sum = sum + w[s]; T.check(w[s] >= -0.1 - 1e-15, "long/short floor " .. s) end
T.check(w.S01 <= 0.2 + 1e-15, "per-symbol max"); T.near(sum, 1, 1e-12, "long/short sum")
w, info = S.max_diversification{cov = C, long_only = false}
T.eq(info.method, "closed_form")

-- a singular matrix: error naming the symbol, or a documented repair
local sing = folio.matrix{ {0.04, 0.04, 0}, {0.04, 0.04, 0}, {0, 0, 0.01}, rows = {"X", "Y", "Z"}, cols = {"X", "Y", "Z"} }
T.raises(function() S.min_variance{cov = sing} end, {"min_variance: cov is not positive definite (symbol Y)"})
T.raises(function() S.risk_parity{cov = sing} end, {"risk_parity", "symbol Y"})
w, info = S.risk_parity{cov = sing, repair = "clip"}
T.eq(info.repair.applied, true); T.eq(info.repair.method, "clip")
T.near(w.X, w.Y, 1e-9, "clip: the twins share")

-- bad input
local zero = diag{AAA = 0.04, BBB = 0, CCC = 0.01, DDD = 0.16}
T.raises(function() S.min_variance{cov = zero} end, {"zero variance (symbol BBB)"})
T.raises(function() S.inverse_vol{cov = zero} end, {"inverse_vol", "zero variance (symbol BBB)"})
local nanm = folio.matrix{ {0.04, 0 / 0}, {0 / 0, 0.09}, rows = {"X", "Y"}, cols = {"X", "Y"} }
T.raises(function() S.risk_parity{cov = nanm} end, {"not finite"})
local asym = folio.matrix{ {0.04, 0.01}, {0.02, 0.09}, rows = {"X", "Y"}, cols = {"X", "Y"} }
T.raises(function() S.max_diversification{cov = asym} end, {"not symmetric (symbols X and Y"})
T.raises(function() S.min_variance{cov = cov, bounds = {min = 0.3}} end, {"infeasible bounds", "lower bounds sum to 1.2"})
T.raises(function() S.min_variance{cov = cov, bounds = {max = 0.2}} end, {"upper bounds sum to 0.8"})
T.raises(function() S.min_variance{cov = cov, bounds = {min = {AAA = 0.5}, max = {AAA = 0.4}}} end, {"(symbol AAA)"})
T.raises(function() S.min_variance{cov = cov, bounds = {min = {ZZZ = 0.1}}} end, {"bounds.min has symbol 'ZZZ'"})
T.raises(function() S.min_variance{cov = cov, bounds = {min = -0.1}} end, {"< 0 with long_only"})
T.raises(function() S.min_variance{cov = cov, bounds = {mn = 0}} end, {"unknown key 'mn'"})
T.raises(function() S.min_variance{cov = cov, bounds = {min = 0 / 0}} end, {"bounds.min is NaN"})
T.raises(function() S.risk_parity{cov = cov, budgets = {AAA = 0.5, BBB = 0.5, CCC = 0.1, DDD = 0.1}} end, {"risk budgets sum to 1.2"})
T.raises(function() S.risk_parity{cov = cov, budgets = {AAA = 0.5, BBB = 0.5, CCC = 0, DDD = 0}} end, {"(symbol CCC: 0)"})
T.raises(function() S.risk_parity{cov = cov, budgets = {AAA = 0.5, BBB = 0.5}} end, {"budgets has no entry for 'CCC'"})
T.raises(function() S.risk_parity{cov = cov, budgets = {AAA = 1, QQQ = 0}} end, {"budgets has symbol 'QQQ'"})
T.raises(function() S.risk_parity{cov = cov, tol = 0} end, {"tol must be > 0"})
T.raises(function() S.inverse_vol{cov = cov, symbols = {"AAA", "NOPE"}} end, {"symbol 'NOPE' is not in cov"})
T.raises(function() S.inverse_vol{cov = cov, symbols = {"AAA", "AAA"}} end, {"'AAA' twice"})
T.raises(function() S.inverse_vol{cov = cov, symbols = {}} end, {"no assets"})
T.raises(function() S.max_diversification{cov = cov, bounds = {}} end, {"unknown key 'bounds'"})
T.raises(function() S.min_variance{cov = cov, repair = "magic"} end, {"repair"})
T.raises(function() S.min_variance{} end, {"cov is required"})
local one = folio.matrix{ {0.04}, rows = {"ONE"}, cols = {"ONE"} }
T.eq(S.min_variance{cov = one}.ONE, 1.0, "single asset")
T.eq(S.risk_parity{cov = one}.ONE, 1.0, "single asset rp")
T.eq(S.max_diversification{cov = one}.ONE, 1.0, "single asset md")

T.finish("test_risk_sizers")
