-- folio.multi_sleeve.compose through the host: the documented overlap example,
-- 1/K allocations, every overlay on a small sleeve-return history, the
-- turnover budget (identity and covariance), caps, and argument errors.
local T = dofile((arg[0]:match("^(.*)/") or ".") .. "/testlib.lua")
local folio = require "folio"
local compose = folio.multi_sleeve.compose

local function sum(w) local s = 0 for _, v in pairs(w) do s = s + v end return s end
local function l1(a, b)
  local s, seen = 0, {}
  for k, v in pairs(a) do s = s + math.abs(v - (b[k] or 0)); seen[k] = true end
  for k, v in pairs(b) do if not seen[k] then s = s + math.abs(v) end end
  return s
end

-- overlapping sleeves net out
local sleeves = {
  equities_long = {weights = {SPY = 0.4, QQQ = 0.6}, allocation = 0.6},
  spy_hedge = {weights = {SPY = -0.5}, allocation = 0.4},
}
local c, info = compose{sleeves = sleeves, overlay = "equal"}
T.eq(c.SPY, 0.6 * 0.4 + 0.4 * (-0.5), "SPY is 0.6*0.4 + 0.4*(-0.5)")
T.near(c.SPY, 0.04, 1e-15, "SPY 0.04")
T.eq(c.QQQ, 0.6 * 0.6, "QQQ is 0.6*0.6")
T.near(c.QQQ, 0.36, 1e-15, "QQQ 0.36")
T.eq(info.overlay, "equal")
T.eq(info.allocations.equities_long, 0.6)
T.eq(info.allocations.spy_hedge, 0.4)
T.eq(next(info.clipped), nil, "nothing clipped")
T.eq(info.turnover, nil, "no turnover report without a budget")

-- 1/K when no allocation is stated
c, info = compose{sleeves = {a = {weights = {X = 1}}, b = {weights = {Y = 1}}, d = {weights = {X = 1}}}}
T.eq(info.allocations.a, 1 / 3)
T.near(c.X, 2 / 3, 1e-15, "X in two of three sleeves")
T.near(c.Y, 1 / 3, 1e-15)

-- overlays on a small hand-made return history: sleeve "calm" has a tenth
-- of the volatility of "wild"; "mid" in between
local rows, dates = {}, {}
for i = 1, 300 do
  local z1, z2, z3 = math.sin(i * 0.7), math.cos(i * 1.3), math.sin(i * 2.9 + 1)
  rows[i] = {0.001 * z1, 0.01 * z2, 0.004 * z3}
  dates[i] = string.format("d%03d", i)
end
rows.rows, rows.cols = dates, {"calm", "wild", "mid"}
local R = folio.matrix(rows)
local three = {
  calm = {weights = {A = 1.0}, allocation = 0.3},
  wild = {weights = {B = 1.0}, allocation = 0.3},
  mid = {weights = {C = 0.5, A = 0.5}, allocation = 0.3},
}
for _, ov in ipairs{"hrp", "inverse_vol", "risk_parity", "min_variance", "bl"} do
  local comp, inf = compose{sleeves = three, overlay = ov, sleeve_returns = R, hrp_lookback_days = 200}
  T.eq(inf.overlay, ov)
  T.near(sum(inf.allocations), 0.9, 1e-12, ov .. ": allocations keep the stated total 0.9")
  T.eq(inf.lookback_rows, 200, ov .. ": lookback rows")
  if ov ~= "bl" then
    T.check(inf.allocations.calm > inf.allocations.wild, ov .. ": the calm sleeve gets more")
  else
    T.near(inf.allocations.calm, 0.3, 1e-9, "bl without views: the prior")
  end
  T.near(comp.A, inf.allocations.calm + 0.5 * inf.allocations.mid, 1e-15, ov .. ": A from two sleeves")
end
local iv = select(2, compose{sleeves = three, overlay = "inverse_vol", sleeve_returns = R})
local function sd(col, n)
  local m, v = 0, 0
  for i = 300 - n + 1, 300 do m = m + rows[i][col] end
  m = m / n
  for i = 300 - n + 1, 300 do v = v + (rows[i][col] - m) ^ 2 end
  return math.sqrt(v / (n - 1))
end
local s1 = 1 / sd(1, 252) + 1 / sd(2, 252) + 1 / sd(3, 252)
T.near(iv.allocations.wild, 0.9 * (1 / sd(2, 252)) / s1, 1e-12,
       "inverse_vol: 1/sigma over the default 252-row window")
local bv = select(2, compose{sleeves = three, overlay = "bl", sleeve_returns = R, views = {wild = 0.01}})
T.check(bv.allocations.wild > 0.3, "bl: a bullish view on wild raises its allocation")

-- turnover budget, identity metric: the exact L1 projection
local cur = {A = 0.5, B = 0.1, D = 0.2}
local target = compose{sleeves = three}
local full = l1(target, cur)
c, info = compose{sleeves = three, current = cur, max_weekly_turnover = 0.30, turnover_used = 0.1}
T.eq(info.turnover.budget, 0.30 - 0.1, "budget = weekly cap minus used")
T.near(info.turnover.needed, full, 1e-15)
T.check(info.turnover.constrained, "constrained")
T.check(l1(c, cur) <= 0.2 + 1e-12, "turnover within the budget")
T.eq(info.turnover.solver, "projection")
T.check(c.D ~= nil, "a held symbol outside every sleeve is in the result")
-- budget suffices: exactly the composite
c, info = compose{sleeves = three, current = cur, max_weekly_turnover = 5}
for k, v in pairs(target) do T.eq(c[k], v, "ample budget: " .. k .. " bit-identical") end
T.eq(c.D, 0, "D sold out")
T.check(not info.turnover.constrained)

-- covariance metric and caps
local syms = {"A", "B", "C", "D"}
local cov = folio.matrix{{0.04, 0.01, 0.0, 0.0}, {0.01, 0.09, 0.02, 0.0}, {0.0, 0.02, 0.05, 0.01},
                         {0.0, 0.0, 0.01, 0.03}, rows = syms, cols = syms}
c, info = compose{sleeves = three, current = cur, max_weekly_turnover = 0.2, cov = cov,
                  caps = {A = 0.35, C = 0.5}}
T.check(l1(c, cur) <= 0.2 + 1e-12, "cov: turnover within the budget")
T.check(math.abs(c.A) <= 0.35, "cap on A respected")
T.eq(info.turnover.solver, "apg+active_set")
T.check(info.turnover.converged, "certified optimum")
T.eq(info.turnover.metric, "cov")
-- a target above its cap is clipped and reported
c, info = compose{sleeves = {s = {weights = {A = 0.8, B = 0.2}}}, caps = {A = 0.25}}
T.eq(c.A, 0.25)
T.eq(info.clipped.A, 0.25)
-- a current position above its cap trades down even when the budget cannot cover it
c, info = compose{sleeves = {s = {weights = {A = 0.1}}}, current = {A = 0.9}, caps = {A = 0.3},
                  max_weekly_turnover = 0.2}
T.eq(c.A, 0.3, "caps are hard")
T.check(info.turnover.budget_exceeded, "reported")

-- errors
T.raises(function() compose{sleeves = sleeves, overlay = "equal", bogus = 1} end, "unknown key 'bogus'")
T.raises(function() compose{sleeves = {a = {weights = {X = 1}, allocation = -0.1}}} end,
         {"sleeves.a.allocation", ">= 0"})
T.raises(function() compose{sleeves = {a = {weights = {X = 1}, allocation = 0.7},
                                       b = {weights = {X = 1}, allocation = 0.7}}} end,
         {"sum to", "sleeve b"})
T.raises(function() compose{sleeves = {a = {weights = {X = 1}, allocation = 0.5},
                                       b = {weights = {X = 1}}}} end, "sleeve b has none")
T.raises(function() compose{sleeves = {a = {weights = {X = 0 / 0}}}} end, "sleeves.a.weights.X is NaN")
T.raises(function() compose{sleeves = {a = {weights = {X = 1}, alocation = 1}}} end, "unknown key 'alocation'")
T.raises(function() compose{sleeves = {}} end, "sleeves is empty")
T.raises(function() compose{sleeves = three, overlay = "hrp"} end, "needs sleeve_returns")
T.raises(function() compose{sleeves = three, overlay = "magic"} end, "unknown overlay 'magic'")
T.raises(function() compose{sleeves = three, current = cur, max_weekly_turnover = -0.1} end,
         "max_weekly_turnover must be >= 0")
T.raises(function() compose{sleeves = three, max_weekly_turnover = 0.1} end, "needs current")
T.raises(function() compose{sleeves = three, caps = {A = 0}} end, "caps.A must be > 0")
local cov3 = folio.matrix{{0.04, 0.0, 0.0}, {0.0, 0.09, 0.0}, {0.0, 0.0, 0.05}, rows = {"A", "B", "C"},
                          cols = {"A", "B", "C"}}
T.raises(function() compose{sleeves = three, current = cur, max_weekly_turnover = 0.1, cov = cov3} end,
         "symbol 'D'")
T.raises(function() compose{sleeves = {a = {weights = {X = 1}}}, overlay = "hrp", sleeve_returns = R} end,
         "column 'calm' is not a sleeve")
T.raises(function() compose{sleeves = three, views = {calm = 0.1}} end, "views go with overlay 'bl'")
-- docs/lua-api.md, section "folio.multi_sleeve": the example, copied exactly
-- (it used to pass views without overlay "bl", a placeholder `...` and
-- undefined R and S, so it raised when copied). Keep the two in step.
do
  local composite, info = folio.multi_sleeve.compose{
    sleeves = {
      equities_long = {weights = {SPY = 0.4, QQQ = 0.6}, allocation = 0.6},
      spy_hedge     = {weights = {SPY = -0.5},           allocation = 0.4},
    },
    overlay = "equal",                   -- the default: the stated allocations
    current = {SPY = 0.10, QQQ = 0.30},  -- the fund's current weights
    max_weekly_turnover = 0.30,          -- fraction of NAV per trailing 7 days
    turnover_used = 0.05,                -- already traded in the trailing 7 days (from the event store)
    caps = {SPY = 0.25, QQQ = 0.40},     -- max |w| per symbol (ADV caps converted to weights by the driver)
  }
  T.near(composite.QQQ, 0.36, 1e-15, "doc example: QQQ"); T.near(composite.SPY, 0.04, 1e-15, "doc example: SPY")
  T.eq(info.overlay, "equal", "doc example: overlay")
  T.near(info.turnover.needed, 0.12, 1e-15, "doc example: needed"); T.near(info.turnover.budget, 0.25, 1e-15, "doc example: budget")
  T.eq(info.turnover.constrained, false, "doc example: the targets, unchanged")
end

T.finish("test_multi_sleeve.lua")
