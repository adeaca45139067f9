-- folio.multi_sleeve.compose with a factored covariance: the Ledoit-Wolf
-- factor (folio.risk_model.ledoit_wolf{form = "factor"}) gives the same
-- turnover-budgeted composite as the dense matrix, on many random books; the
-- factor itself equals the dense estimate; bad factors are refused by name.
local T = dofile((arg[0]:match("^(.*)/") or ".") .. "/testlib.lua")
local folio = require "folio"

local P = folio.data.read_csv("examples/data/prices.csv")
local R = P:returns("simple")
local syms = R:symbols()

-- the factor reproduces the dense estimate
for _, rows in ipairs{ 20, 120, 400 } do
  local X = R:select(syms, rows)
  local C, ic = folio.risk_model.ledoit_wolf{ returns = X, missing = "zero" }
  local F, iff = folio.risk_model.ledoit_wolf{ returns = X, missing = "zero", form = "factor" }
  T.eq(F.kind, "factor"); T.eq(F.rows_used, rows)
  T.near(iff.shrinkage, ic.shrinkage, 1e-12, "same shrinkage at " .. rows .. " rows")
  local worst = 0
  for a = 1, #syms, 5 do
    for b = 1, #syms, 3 do
      local s = 0
      for t = 1, rows do s = s + F.x:get(t, a) * F.x:get(t, b) end
      local q = F.weight * s + (a == b and F.diag or 0)
      worst = math.max(worst, math.abs(q - C:get(a, b)) / C:get(a, a))
    end
  end
  T.check(worst < 1e-12, "diag I + weight X'X equals the dense estimate (" .. worst .. ")")
end

-- the same composite as the dense matrix on random books (fixed seed)
local seed = 42
local function u() seed = (seed * 1103515245 + 12345) % 2147483648 return seed / 2147483648 end
local worst, cases = 0, 0
for case = 1, 40 do
  local rows = ({ 15, 40, 120, 252 })[case % 4 + 1]
  local X = R:select(syms, rows)
  local C = folio.risk_model.ledoit_wolf{ returns = X, missing = "zero" }
  local F = folio.risk_model.ledoit_wolf{ returns = X, missing = "zero", form = "factor" }
  local w, cur, caps = {}, {}, {}
  for _, s in ipairs(syms) do
    if u() < 0.6 then w[s] = (u() - 0.5) * 0.2 end
    if u() < 0.5 then cur[s] = (u() - 0.5) * 0.1 end
    caps[s] = 0.02 + 0.1 * u()
  end
  local sleeves = { a = { allocation = 1, weights = w } }
  local budget = 0.02 + u() * 0.6
  local a, ia = folio.multi_sleeve.compose{ sleeves = sleeves, max_weekly_turnover = budget, current = cur, cov = C, caps = caps }
  local b, ib = folio.multi_sleeve.compose{ sleeves = sleeves, max_weekly_turnover = budget, current = cur, cov = F, caps = caps }
  T.eq(ib.turnover.metric, "cov (factor)")
  if ia.turnover.converged and ib.turnover.converged then
    cases = cases + 1
    for s, x in pairs(a) do worst = math.max(worst, math.abs(x - (b[s] or 0))) end
    T.near(ib.turnover.turnover, ia.turnover.turnover, 1e-9, "case " .. case .. ": the same turnover")
    T.check(ib.turnover.turnover <= budget + 1e-9 or ib.turnover.budget_exceeded, "case " .. case .. ": within the budget unless caps force more")
  end
end
T.check(cases >= 38, "both solvers certified on almost every case (" .. cases .. ")")
T.check(worst < 1e-8, "the factor gives the dense composite (worst " .. worst .. ")")

-- bad factors
local X = R:select(syms, 30)
local F = folio.risk_model.ledoit_wolf{ returns = X, missing = "zero", form = "factor" }
local sleeves = { a = { allocation = 1, weights = { [syms[1]] = 0.1 } } }
local function compose(cov) return folio.multi_sleeve.compose{ sleeves = sleeves, max_weekly_turnover = 0.1, current = {}, cov = cov } end
T.raises(function() compose{ x = F.x, diag = 1, weight = 1 } end, { "cov must be a matrix or a factor" })
T.raises(function() compose{ kind = "factor", x = F.x, diag = -1, weight = 1 } end, { "cov.diag and cov.weight must be finite numbers >= 0" })
T.raises(function() compose{ kind = "factor", x = F.x, diag = 0, weight = 0 / 0 } end, { "weight must be finite" })
T.raises(function() compose{ kind = "factor", x = "no", diag = 0, weight = 1 } end, { "cov.x" })
local G = folio.risk_model.ledoit_wolf{ returns = R:select({ syms[2], syms[3] }, 30), missing = "zero", form = "factor" }
T.raises(function() compose(G) end, { "cov has no column for symbol '" .. syms[1] .. "'" })
T.raises(function() folio.risk_model.ledoit_wolf{ returns = X, missing = "complete", form = "factor" } end, { "form = 'factor' takes missing = 'error' or 'zero'" })
T.raises(function() folio.risk_model.ledoit_wolf{ returns = X, form = "dense" } end, { "form" })
T.finish("test_multi_sleeve_factor")
