-- folio.backtest.statistics: the summary statistics of a NAV series (a
-- backtest's or a live fund's) — return, CAGR, volatility, Sharpe, Sortino,
-- maximum drawdown with its dates, Calmar, best and worst day — and
-- folio.backtest.drawdowns, the drawdown series the NAV file carries.
--
-- Definitions (docs/lua-api.md, folio.backtest.statistics), with n NAV points
-- nav_1..nav_n on dates d_1 < ... < d_n and ppy = periods_per_year:
--   r_t           nav_t / nav_{t−1} − 1, t = 2..n (n − 1 simple returns)
--   total_return  nav_n / nav_1 − 1
--   years         (d_n − d_1) in calendar days / 365.25
--   cagr          (nav_n / nav_1)^(1 / years) − 1; nil with cagr_note when years = 0
--   volatility    std(r) · sqrt(ppy), std with ddof 1; nil with volatility_note
--                 when there is a single return
--   rf_daily      (1 + risk_free_rate)^(1 / ppy) − 1;  x_t = r_t − rf_daily
--   sharpe        mean(x) / std(x) · sqrt(ppy) (ddof 1); nil with sharpe_note
--                 when fewer than 2 returns or std(x) = 0
--   sortino       mean(x) · ppy / (sqrt(mean(min(x_t, 0)^2)) · sqrt(ppy)) — the
--                 downside deviation is taken over ALL periods (empyrical's
--                 sortino_ratio); nil with sortino_note when it is 0
--   drawdown_t    1 − nav_t / max_{s≤t} nav_s (0 at a new peak)
--   max_drawdown  max_t drawdown_t, a fraction in [0, 1); the first t attaining
--                 it is max_drawdown_trough; max_drawdown_peak is the last date
--                 s ≤ trough with nav_s = max_{s≤trough} nav_s; max_drawdown_recovery
--                 the first date after the trough with nav ≥ that peak (nil when
--                 not recovered); all three nil when max_drawdown = 0
--   calmar        cagr / max_drawdown; nil with calmar_note when max_drawdown = 0
--                 (or cagr is nil)
--   best_day, worst_day   max_t r_t and min_t r_t, with best_day_date and
--                 worst_day_date = d_t (the first such t)
--   positive_days_share   #{r_t > 0} / #{r_t ≠ 0}; nil with
--                 positive_days_share_note when every return is 0
--   n_days        n (NAV points), n_returns = n − 1
-- Every sum runs in index order, so results are bit-identical from run to run.
--
-- folio.backtest itself (backtest.lua) loads before this file; the table is
-- created here when it does not exist, so either file may come alone.
-- Runs inside the policy sandbox too: every global is captured at load.
local folio, internal = ...

local type, next = type, next
local math_type, math_sqrt, math_huge = math.type, math.sqrt, math.huge
local string_format = string.format

local argerror, check_keys = internal.argerror, internal.check_keys
local num_text, key_text = internal.num_text, internal.key_text
local date_days, mean_std = internal.date_days, internal.mean_std

folio.backtest = folio.backtest or {}

-- The length of an array argument `name` (a table whose keys are exactly
-- 1..#t), or an argerror at `level` (counted as for argerror).
local function array_length(fname, t, name, level)
  if type(t) ~= "table" then
    argerror(fname, string_format("%s must be an array, got %s", name, type(t)), level + 1)
  end
  local n, count = #t, 0
  for k in next, t do
    if math_type(k) ~= "integer" or k < 1 or k > n then
      argerror(fname, string_format("%s must be an array (key %s)", name, key_text(k)), level + 1)
    end
    count = count + 1
  end
  if count ~= n then argerror(fname, string_format("%s must be an array without holes", name), level + 1) end
  return n
end

-- nav[i] must be a finite number > 0.
local function check_nav(fname, nav, n, level)
  for i = 1, n do
    local v = nav[i]
    if type(v) ~= "number" or not (v > 0) or v == math_huge then
      argerror(fname, string_format("nav[%d] must be a finite number > 0, got %s", i,
        type(v) == "number" and num_text(v) or type(v)), level + 1)
    end
  end
end

-- drawdown_t = 1 − nav_t / peak_t into out[1..n]; returns out and, for the
-- largest drawdown (first t attaining it), its value, trough index and peak
-- index (the last s ≤ trough where nav_s is the running peak).
local function drawdown_series(nav, n, out)
  local peak, peak_i = nav[1], 1
  local max_dd, trough_i, max_peak_i = 0.0, nil, nil
  for t = 1, n do
    local v = nav[t]
    if v >= peak then peak, peak_i = v, t end
    local dd = 1.0 - v / peak
    if dd == 0 then dd = 0.0 end -- an integer-valued nav must not give integer 0 or -0.0
    out[t] = dd
    if dd > max_dd then max_dd, trough_i, max_peak_i = dd, t, peak_i end
  end
  return out, max_dd, trough_i, max_peak_i
end

-- folio.backtest.drawdowns(nav) -> {drawdown_1, ..., drawdown_n}
function folio.backtest.drawdowns(nav)
  local fname = "backtest.drawdowns"
  local n = array_length(fname, nav, "nav", 2)
  if n < 1 then argerror(fname, "nav must hold at least 1 value", 2) end
  check_nav(fname, nav, n, 2)
  return (drawdown_series(nav, n, {}))
end

local STATISTICS_KEYS = { dates = true, nav = true, periods_per_year = true, risk_free_rate = true }

-- folio.backtest.statistics{dates, nav, periods_per_year = 252, risk_free_rate = 0}
function folio.backtest.statistics(args)
  local fname = "backtest.statistics"
  check_keys(fname, args, STATISTICS_KEYS, 2)
  local dates, nav = args.dates, args.nav
  local n = array_length(fname, dates, "dates", 2)
  local n_nav = array_length(fname, nav, "nav", 2)
  if n_nav ~= n then
    argerror(fname, string_format("nav has %d values but dates has %d (one NAV per date)", n_nav, n), 2)
  end
  if n < 2 then argerror(fname, string_format("at least 2 dates and NAVs are needed, got %d", n), 2) end
  local ppy = args.periods_per_year or 252
  if type(ppy) ~= "number" or not (ppy > 0) or ppy == math_huge then
    argerror(fname, "periods_per_year must be a finite number > 0, got " .. num_text(ppy), 2)
  end
  local rf = args.risk_free_rate or 0
  if type(rf) ~= "number" or not (rf > -1) or rf == math_huge then
    argerror(fname, "risk_free_rate must be a finite number > -1, got " .. num_text(rf), 2)
  end
  local days = {}
  for i = 1, n do
    local d = dates[i]
    days[i] = date_days(d)
    if not days[i] then
      argerror(fname, string_format("dates[%d] must be a date \"YYYY-MM-DD\", got %s", i,
        type(d) == "string" and "'" .. d .. "'" or type(d)), 2)
    end
    if i > 1 and days[i] <= days[i - 1] then
      argerror(fname, string_format("dates[%d] '%s' is not after dates[%d] '%s' (dates must be strictly increasing)",
        i, d, i - 1, dates[i - 1]), 2)
    end
  end
  check_nav(fname, nav, n, 2)

  local s = { n_days = n, n_returns = n - 1, periods_per_year = ppy, risk_free_rate = rf }

  -- return and growth rate
  local ratio = nav[n] / nav[1]
  s.total_return = ratio - 1.0
  s.years = (days[n] - days[1]) / 365.25
  if s.years > 0 then
    s.cagr = ratio ^ (1.0 / s.years) - 1.0
  else
    s.cagr_note = "the dates span no time (years = 0)" -- unreachable with increasing dates; kept as the contract
  end

  -- daily returns, their excess over rf_daily, best and worst day
  local rf_daily = (1.0 + rf) ^ (1.0 / ppy) - 1.0
  local r, x = {}, {}
  local best, worst, best_i, worst_i = -math_huge, math_huge, nil, nil
  local n_pos, n_nonzero = 0, 0
  for t = 2, n do
    local rt = nav[t] / nav[t - 1] - 1.0
    r[t - 1], x[t - 1] = rt, rt - rf_daily
    if rt > best then best, best_i = rt, t end
    if rt < worst then worst, worst_i = rt, t end
    if rt ~= 0 then
      n_nonzero = n_nonzero + 1
      if rt > 0 then n_pos = n_pos + 1 end
    end
  end
  s.best_day, s.best_day_date = best, dates[best_i]
  s.worst_day, s.worst_day_date = worst, dates[worst_i]
  if n_nonzero > 0 then
    s.positive_days_share = n_pos / n_nonzero
  else
    s.positive_days_share_note = "every daily return is 0"
  end

  local sqrt_ppy = math_sqrt(ppy)
  local _, std_r = mean_std(r)
  if std_r then
    s.volatility = std_r * sqrt_ppy
  else
    s.volatility_note = "fewer than 2 returns"
  end
  local mean_x, std_x = mean_std(x)
  if not std_x then
    s.sharpe_note = "fewer than 2 returns"
  elseif std_x == 0 then
    s.sharpe_note = "excess returns have zero standard deviation"
  else
    s.sharpe = mean_x / std_x * sqrt_ppy
  end
  local down = 0.0
  for t = 1, n - 1 do
    local xt = x[t]
    if xt < 0 then down = down + xt * xt end
  end
  local downside = math_sqrt(down / (n - 1)) * sqrt_ppy
  if downside > 0 then
    s.sortino = mean_x * ppy / downside
  else
    s.sortino_note = "no return is below the risk-free rate (downside deviation 0)"
  end

  -- drawdowns
  local _, max_dd, trough_i, peak_i = drawdown_series(nav, n, {})
  s.max_drawdown = max_dd
  if trough_i then
    s.max_drawdown_trough, s.max_drawdown_peak = dates[trough_i], dates[peak_i]
    local peak_nav = nav[peak_i]
    for t = trough_i + 1, n do
      if nav[t] >= peak_nav then
        s.max_drawdown_recovery = dates[t]
        break
      end
    end
  end
  if max_dd > 0 and s.cagr then
    s.calmar = s.cagr / max_dd
  elseif max_dd == 0 then
    s.calmar_note = "no drawdown (max_drawdown = 0)"
  else
    s.calmar_note = "cagr is undefined"
  end
  return s
end
