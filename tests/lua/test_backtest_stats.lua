-- tests/lua/test_backtest_stats.lua — folio.backtest.statistics and
-- folio.backtest.drawdowns: hand-computed cases with the arithmetic written
-- out, the undefined cases and their notes, properties over 500 random NAV
-- paths (fixed seed), and bad inputs naming the key or index.
local T = dofile((arg[0]:match("^(.*)/") or ".") .. "/testlib.lua")

local stats, drawdowns = folio.backtest.statistics, folio.backtest.drawdowns

-- |a − b| <= tol · max(1, |b|)
local function rnear(a, b, tol, msg)
  return T.near(a, b, tol * math.max(1, math.abs(b)), msg)
end

-- ---- hand-computed: nav {100, 110, 99, 121} over 2024-01-01..04 -----------
do
  local s = stats{ dates = { "2024-01-01", "2024-01-02", "2024-01-03", "2024-01-04" }, nav = { 100, 110, 99, 121 } }
  -- r = {110/100 − 1, 99/110 − 1, 121/99 − 1} = {0.1, −0.1, 2/9}
  T.eq(s.n_days, 4, "n_days")
  T.eq(s.n_returns, 3, "n_returns")
  T.near(s.total_return, 0.21, 1e-12, "total_return = 121/100 − 1")
  T.near(s.years, 3 / 365.25, 1e-12, "years = 3 days / 365.25")
  -- cagr = 1.21^(365.25/3) − 1 (about 1.2e10: checked relatively)
  rnear(s.cagr, 1.21 ^ (365.25 / 3) - 1, 1e-12, "cagr")
  -- mean r = (0.1 − 0.1 + 2/9)/3 = 2/27 = 20/270; deviations 7/270, −47/270, 40/270
  -- Σd² = (49 + 2209 + 1600)/72900 = 3858/72900; var (ddof 1) = 1929/72900; std = sqrt(1929)/270
  local std = math.sqrt(1929) / 270
  T.near(s.volatility, std * math.sqrt(252), 1e-12, "volatility = sqrt(1929)/270 · sqrt(252)")
  -- sharpe = (2/27) / (sqrt(1929)/270) · sqrt(252) = 20/sqrt(1929) · sqrt(252)
  T.near(s.sharpe, 20 / math.sqrt(1929) * math.sqrt(252), 1e-12, "sharpe")
  T.eq(s.sharpe_note, nil, "sharpe defined")
  -- downside: min(x, 0) = {0, −0.1, 0}; sqrt(0.01/3) · sqrt(252) = 0.1/sqrt(3) · sqrt(252)
  -- sortino = (2/27) · 252 / (0.1/sqrt(3) · sqrt(252)) = (20/27) · sqrt(756)
  T.near(s.sortino, 20 / 27 * math.sqrt(756), 1e-12, "sortino")
  -- drawdowns {0, 0, 1 − 99/110 = 0.1, 0}: peak 01-02, trough 01-03, recovered 01-04
  T.near(s.max_drawdown, 0.1, 1e-12, "max_drawdown")
  T.eq(s.max_drawdown_peak, "2024-01-02", "peak")
  T.eq(s.max_drawdown_trough, "2024-01-03", "trough")
  T.eq(s.max_drawdown_recovery, "2024-01-04", "recovery")
  rnear(s.calmar, (1.21 ^ (365.25 / 3) - 1) / 0.1, 1e-12, "calmar = cagr / 0.1")
  T.near(s.best_day, 2 / 9, 1e-12, "best_day = 121/99 − 1")
  T.eq(s.best_day_date, "2024-01-04", "best_day_date")
  T.near(s.worst_day, -0.1, 1e-12, "worst_day")
  T.eq(s.worst_day_date, "2024-01-03", "worst_day_date")
  T.near(s.positive_days_share, 2 / 3, 1e-12, "positive_days_share = 2 of 3")
  T.eq(s.periods_per_year, 252, "periods_per_year echoed")
  T.eq(s.risk_free_rate, 0, "risk_free_rate echoed")
  local dd = drawdowns{ 100, 110, 99, 121 }
  T.eq(#dd, 4, "drawdowns length")
  T.eq(dd[1], 0.0, "dd[1]")
  T.eq(dd[2], 0.0, "dd[2] (new peak)")
  T.near(dd[3], 0.1, 1e-12, "dd[3]")
  T.eq(dd[4], 0.0, "dd[4] (new peak)")
  T.eq(math.type(dd[1]), "float", "drawdowns are floats even for integer NAVs")
  T.eq(dd[3], s.max_drawdown, "series and statistic agree bit for bit")

  -- a year apart: cagr = total return; years = 366/365.25 across a leap year
  local y = stats{ dates = { "2023-01-01", "2024-01-01" }, nav = { 100, 110 } }
  T.near(y.years, 365 / 365.25, 1e-12, "2023 has 365 days")
  T.near(y.cagr, 1.1 ^ (365.25 / 365) - 1, 1e-12, "cagr over 365 days")
  T.eq(y.volatility, nil, "one return: no volatility")
  T.eq(y.volatility_note, "fewer than 2 returns", "volatility_note")
  T.eq(y.sharpe, nil, "one return: no sharpe")
  T.eq(y.sharpe_note, "fewer than 2 returns", "sharpe_note")
  T.eq(y.sortino, nil, "no negative return: no sortino")
  T.check(y.sortino_note ~= nil, "sortino_note")
  local leap = stats{ dates = { "2024-02-28", "2024-03-01" }, nav = { 1, 1 } }
  T.near(leap.years, 2 / 365.25, 1e-15, "2024-02-29 exists")
end

-- ---- no drawdown: calmar nil with a note; no downside: sortino nil ---------
do
  local s = stats{ dates = { "2024-01-01", "2024-01-02", "2024-01-03", "2024-01-04" }, nav = { 100, 101, 102.5, 103 } }
  T.eq(s.max_drawdown, 0.0, "max_drawdown 0")
  T.eq(s.max_drawdown_peak, nil, "no peak")
  T.eq(s.max_drawdown_trough, nil, "no trough")
  T.eq(s.max_drawdown_recovery, nil, "no recovery")
  T.eq(s.calmar, nil, "calmar nil")
  T.eq(s.calmar_note, "no drawdown (max_drawdown = 0)", "calmar_note")
  T.eq(s.sortino, nil, "sortino nil")
  T.check(type(s.sortino_note) == "string", "sortino_note")
  T.check(s.sharpe and s.sharpe > 0, "sharpe defined")
  T.eq(s.positive_days_share, 1.0, "all days positive")
end

-- ---- flat: volatility 0, sharpe and sortino nil with notes -----------------
do
  local s = stats{ dates = { "2024-01-01", "2024-01-02", "2024-01-05" }, nav = { 100, 100, 100 } }
  T.eq(s.volatility, 0.0, "volatility 0")
  T.eq(s.sharpe, nil, "sharpe nil")
  T.eq(s.sharpe_note, "excess returns have zero standard deviation", "sharpe_note")
  T.eq(s.sortino, nil, "sortino nil")
  T.check(type(s.sortino_note) == "string", "sortino_note")
  T.eq(s.total_return, 0.0, "total_return 0")
  T.eq(s.cagr, 0.0, "cagr 0")
  T.eq(s.positive_days_share, nil, "no nonzero day")
  T.eq(s.positive_days_share_note, "every daily return is 0", "positive_days_share_note")
  T.eq(s.best_day, 0.0, "best_day 0")
  T.eq(s.best_day_date, "2024-01-02", "first such day")
  -- flat NAV with rf > 0: x = −rf_daily every day, std 0: still no sharpe,
  -- but downside = rf_daily · sqrt(ppy) > 0, so sortino = −rf_daily · ppy / (rf_daily · sqrt(ppy)) = −sqrt(ppy)
  local r = stats{ dates = { "2024-01-01", "2024-01-02", "2024-01-05" }, nav = { 100, 100, 100 }, risk_free_rate = 0.05 }
  T.eq(r.sharpe, nil, "flat with rf: sharpe nil")
  T.near(r.sortino, -math.sqrt(252), 1e-9, "flat with rf: sortino = −sqrt(ppy)")
end

-- ---- a drawdown not recovered; the peak is the last date at the high ------
do
  local s = stats{ dates = { "2024-01-01", "2024-01-02", "2024-01-03", "2024-01-04" }, nav = { 100, 120, 90, 110 } }
  T.near(s.max_drawdown, 0.25, 1e-12, "1 − 90/120")
  T.eq(s.max_drawdown_peak, "2024-01-02", "peak")
  T.eq(s.max_drawdown_trough, "2024-01-03", "trough")
  T.eq(s.max_drawdown_recovery, nil, "not recovered (110 < 120)")
  local t = stats{ dates = { "2024-01-01", "2024-01-02", "2024-01-03", "2024-01-04", "2024-01-05" },
                   nav = { 100, 90, 100, 80, 100 } }
  T.near(t.max_drawdown, 0.2, 1e-12, "1 − 80/100")
  T.eq(t.max_drawdown_peak, "2024-01-03", "peak: the last date at the running high")
  T.eq(t.max_drawdown_trough, "2024-01-04", "trough")
  T.eq(t.max_drawdown_recovery, "2024-01-05", "recovery when nav is back at the peak (>=)")
end

-- ---- risk_free_rate > 0 lowers sharpe by rf_daily / std · sqrt(ppy) -------
do
  local dates = { "2024-01-01", "2024-01-02", "2024-01-03", "2024-01-04" }
  local s0 = stats{ dates = dates, nav = { 100, 110, 99, 121 } }
  local s1 = stats{ dates = dates, nav = { 100, 110, 99, 121 }, risk_free_rate = 0.05, periods_per_year = 252 }
  local rf_daily = 1.05 ^ (1 / 252) - 1
  local std = math.sqrt(1929) / 270 -- the std of the excess returns is the std of the returns
  T.near(s0.sharpe - s1.sharpe, rf_daily / std * math.sqrt(252), 1e-12, "sharpe drops by rf_daily/std·sqrt(252)")
  T.near(s1.sharpe, (2 / 27 - rf_daily) / std * math.sqrt(252), 1e-12, "sharpe with rf")
  -- sortino with rf: x = {0.1 − c, −0.1 − c, 2/9 − c}; downside sqrt((0.1 + c)²/3) · sqrt(252)
  T.near(s1.sortino, (2 / 27 - rf_daily) * 252 / (math.sqrt((0.1 + rf_daily) ^ 2 / 3) * math.sqrt(252)), 1e-12,
    "sortino with rf")
  T.eq(s1.volatility, s0.volatility, "volatility ignores rf")
  local w = stats{ dates = dates, nav = { 100, 110, 99, 121 }, periods_per_year = 52 }
  T.near(w.volatility, std * math.sqrt(52), 1e-12, "periods_per_year scales volatility")
end

-- ---- properties over 500 random NAV paths (fixed seed) ---------------------
do
  math.randomseed(20240101)
  local base = os.time{ year = 2020, month = 1, day = 1, hour = 12 }
  local function date_of(day) return os.date("!%Y-%m-%d", base + day * 86400) end
  local fields = { "total_return", "years", "cagr", "volatility", "sharpe", "sortino", "max_drawdown", "calmar",
                   "best_day", "worst_day", "positive_days_share" }
  local texts = { "max_drawdown_peak", "max_drawdown_trough", "max_drawdown_recovery", "best_day_date",
                  "worst_day_date", "n_days" }
  local paths, bad = 0, 0
  for _ = 1, 500 do
    local n = math.random(2, 80)
    local dates, nav, scaled2, scaled = {}, {}, {}, {}
    local day, v = math.random(0, 400), 50 + 100 * math.random()
    local day1 = day
    local c = 0.5 + 10 * math.random()
    for t = 1, n do
      if t > 1 then
        day = day + math.random(1, 4)
        local u = math.random()
        v = v * (u < 0.1 and 1 or (1 + 0.2 * (math.random() - 0.5))) -- some flat days
      end
      dates[t], nav[t], scaled2[t], scaled[t] = date_of(day), v, v * 1024, v * c
    end
    local s = stats{ dates = dates, nav = nav, risk_free_rate = 0.02 }
    local ok = s.max_drawdown >= 0 and s.max_drawdown < 1
    local dd = drawdowns(nav)
    local mx = 0.0
    for t = 1, n do
      if not (dd[t] >= 0 and dd[t] < 1) then ok = false end
      if dd[t] > mx then mx = dd[t] end
    end
    ok = ok and mx == s.max_drawdown and #dd == n
    for t = 1, n do -- the trough is the first date where the series attains the maximum
      if dd[t] == mx then
        ok = ok and (mx == 0 and s.max_drawdown_trough == nil or s.max_drawdown_trough == dates[t])
        break
      end
    end
    -- cagr consistent with total_return and years
    ok = ok and math.abs((1 + s.cagr) ^ s.years - (1 + s.total_return)) <= 1e-9 * (1 + s.total_return)
    ok = ok and s.years == (day - day1) / 365.25
    -- scaling by 2^10 changes nothing, bit for bit; by c, only rounding
    local s2, sc = stats{ dates = dates, nav = scaled2, risk_free_rate = 0.02 }, stats{ dates = dates, nav = scaled, risk_free_rate = 0.02 }
    for _, f in ipairs(fields) do
      if s2[f] ~= s[f] then ok = false end
      local a, b = sc[f], s[f]
      if (a == nil) ~= (b == nil) and not (f == "sharpe" or f == "sortino" or f == "calmar") then ok = false end
      if a and b and math.abs(a - b) > 1e-9 * math.max(1, math.abs(b)) then ok = false end
    end
    for _, f in ipairs(texts) do
      if s2[f] ~= s[f] then ok = false end
    end
    -- bit-identical from run to run
    local again = stats{ dates = dates, nav = nav, risk_free_rate = 0.02 }
    for _, f in ipairs(fields) do
      if again[f] ~= s[f] then ok = false end
    end
    paths = paths + 1
    if not ok then
      bad = bad + 1
      if bad <= 3 then io.stderr:write("property failed for n = " .. n .. "\n") end
    end
  end
  T.eq(paths, 500, "500 random paths")
  T.eq(bad, 0, "properties hold on every path")
end

-- ---- bad inputs: each names the key or the index ---------------------------
do
  local D = { "2024-01-01", "2024-01-02", "2024-01-03", "2024-01-04" }
  local N = { 100, 110, 99, 121 }
  T.raises(function()
    stats{ dates = { "2024-01-01", "2024-01-02", "2024-01-03", "2024-01-04", "2024-01-04", "2024-01-05", "2024-01-05" },
           nav = { 1, 1, 1, 1, 1, 1, 1 } }
  end, "dates[5] '2024-01-04' is not after dates[4] '2024-01-04'", "equal dates")
  T.raises(function()
    stats{ dates = { "2024-01-01", "2024-01-02", "2024-01-03", "2024-01-04", "2024-01-05", "2024-01-06", "2024-01-05" },
           nav = { 1, 1, 1, 1, 1, 1, 1 } }
  end, { "bad argument #1 to 'backtest.statistics'", "dates[7] '2024-01-05' is not after dates[6] '2024-01-06'" },
    "decreasing dates")
  T.raises(function() stats{ dates = { "2024-01-01", "2024-02-30" }, nav = { 1, 2 } } end,
    "dates[2] must be a date \"YYYY-MM-DD\", got '2024-02-30'", "invalid date")
  T.raises(function() stats{ dates = { "2023-02-29", "2024-02-29" }, nav = { 1, 2 } } end,
    "dates[1] must be a date", "2023 is no leap year")
  T.raises(function() stats{ dates = { "2024-1-01", "2024-02-03" }, nav = { 1, 2 } } end, "dates[1]", "bad format")
  T.raises(function() stats{ dates = { 20240101, "2024-02-03" }, nav = { 1, 2 } } end, "dates[1] must be a date \"YYYY-MM-DD\", got number", "date of a wrong type")
  T.raises(function() stats{ dates = D, nav = { 100, 110, 0, 121 } } end, "nav[3] must be a finite number > 0, got 0", "nav 0")
  T.raises(function() stats{ dates = D, nav = { 100, -5, 99, 121 } } end, "nav[2] must be a finite number > 0, got -5", "nav < 0")
  T.raises(function() stats{ dates = D, nav = { 100, 110, 99, 0 / 0 } } end, { "nav[4] must be a finite number > 0, got", "nan" }, "nav NaN")
  T.raises(function() stats{ dates = D, nav = { 1 / 0, 110, 99, 121 } } end, "nav[1] must be a finite number > 0, got inf", "nav inf")
  T.raises(function() stats{ dates = D, nav = { 100, "110", 99, 121 } } end, "nav[2] must be a finite number > 0, got string", "nav string")
  T.raises(function() stats{ dates = D, nav = { 100, 110, 99 } } end, "nav has 3 values but dates has 4", "length mismatch")
  T.raises(function() stats{ dates = { "2024-01-01" }, nav = { 100 } } end, "at least 2 dates and NAVs are needed, got 1", "one point")
  T.raises(function() stats{ dates = {}, nav = {} } end, "at least 2 dates and NAVs are needed, got 0", "no point")
  T.raises(function() stats{ dates = D, nav = N, periods = 12 } end,
    "unknown key 'periods' (expected one of: dates, nav, periods_per_year, risk_free_rate)", "unknown key")
  T.raises(function() stats{ dates = D, nav = N, periods_per_year = 0 } end, "periods_per_year must be a finite number > 0, got 0", "ppy 0")
  T.raises(function() stats{ dates = D, nav = N, periods_per_year = -12 } end, "periods_per_year must be a finite number > 0, got -12", "ppy < 0")
  T.raises(function() stats{ dates = D, nav = N, periods_per_year = 1 / 0 } end, "periods_per_year must be a finite number > 0", "ppy inf")
  T.raises(function() stats{ dates = D, nav = N, risk_free_rate = -1 } end, "risk_free_rate must be a finite number > -1, got -1", "rf -1")
  T.raises(function() stats{ dates = D, nav = N, risk_free_rate = 0 / 0 } end, "risk_free_rate must be a finite number > -1", "rf NaN")
  T.raises(function() stats{ dates = "2024-01-01", nav = N } end, "dates must be an array, got string", "dates not a table")
  T.raises(function() stats{ dates = D } end, "nav must be an array, got nil", "nav missing")
  T.raises(function() stats{ dates = { "2024-01-01", "2024-01-02", x = 1 }, nav = { 1, 2 } } end, "dates must be an array (key 'x')", "dates with a named key")
  T.raises(function() stats(nil) end, "table of named arguments expected, got nil", "no table")
  -- the error points at the caller's line
  local ok, err = pcall(function() stats{ dates = D, nav = N, periods_per_year = 0 } end)
  T.check(not ok and err:find("test_backtest_stats.lua:%d+:") ~= nil, "error located at the caller: " .. tostring(err))
  T.raises(function() drawdowns{} end, "bad argument #1 to 'backtest.drawdowns' (nav must hold at least 1 value)", "empty drawdowns")
  T.raises(function() drawdowns{ 1, 2, -3 } end, "nav[3] must be a finite number > 0, got -3", "drawdowns nav < 0")
  T.raises(function() drawdowns(5) end, "nav must be an array, got number", "drawdowns of a number")
end

T.finish("test_backtest_stats.lua")
