-- tests/lua/test_backtest.lua — folio.backtest.run's conventions (the header
-- of lua/folio/backtest.lua), one by one, on small synthetic funds whose
-- numbers can be worked out by hand: no look-ahead; the schedules; fills at
-- the close and the book marked at every close; interest on cash; names that
-- enter and leave; each kind of cost; equivalence with folio.rebalance.run on
-- the backtest's own book; determinism of the files; the plots.
local T = dofile((arg[0]:match("^(.*)/") or ".") .. "/testlib.lua")

-- ---- helpers ---------------------------------------------------------------------------------------

local DIRS = {}
local function tmpdir() local d = T.tmpdir() DIRS[#DIRS + 1] = d return d end
local write, read = T.write, T.read

-- Business days (Monday to Friday) from a date, skipping `holidays` {date = true}.
local function business_days(n, y, m, d, holidays)
  local out, t = {}, os.time{ year = y, month = m, day = d, hour = 12 }
  while #out < n do
    local dt = os.date("*t", t)
    local s = os.date("%Y-%m-%d", t)
    if dt.wday ~= 1 and dt.wday ~= 7 and not (holidays and holidays[s]) then out[#out + 1] = s end
    t = t + 86400
  end
  return out
end

-- Calendar days between two YYYY-MM-DD dates.
local function days_between(a, b)
  local function t(s) return os.time{ year = tonumber(s:sub(1, 4)), month = tonumber(s:sub(6, 7)), day = tonumber(s:sub(9, 10)), hour = 12 } end
  return math.floor((t(b) - t(a)) / 86400 + 0.5)
end

-- A CSV panel: cols = {{name, fn(i) -> value or nil}, ...}; fmt for the values.
local function panel_csv(dates, cols, fmt)
  local lines = { "date" }
  for _, c in ipairs(cols) do lines[1] = lines[1] .. "," .. c[1] end
  for i, d in ipairs(dates) do
    local row = { d }
    for _, c in ipairs(cols) do
      local v = c[2](i)
      row[#row + 1] = v and string.format(fmt or "%.4f", v) or ""
    end
    lines[#lines + 1] = table.concat(row, ",")
  end
  return table.concat(lines, "\n") .. "\n"
end

-- Deterministic wiggly prices: a drift, two sines, a level.
local function wiggle(level, drift, a, f, b, g)
  return function(i) return level * (1 + drift * i + a * math.sin(f * i) + b * math.cos(g * i)) end
end

local SESSIONS = [[
sessions:
  RTH:   {sizer: equal_weight_ls, gross_cap: 1.0}
  pre:   {sizer: equal_weight_ls, gross_cap: 1.0}
  post:  {sizer: equal_weight_ls, gross_cap: 1.0}
  IBEOS: {sizer: equal_weight_ls, gross_cap: 1.0}
  24h:   {sizer: equal_weight_ls, gross_cap: 1.0}
]]

-- A fund from the text of its sleeves and any extra sections.
local function fund(sleeves, extra)
  return folio.config.parse{ name = "test_fund.yaml", sizers = false, text = "fund: {id: bt_test, nav: 1_000_000, currency: USD}\n"
    .. SESSIONS .. "sleeves:\n" .. sleeves
    .. "limits: {max_position_weight: 1.0, max_gross: 3.0}\norders: {min_notional: 1, lot_size: 1}\n" .. (extra or "") }
end

-- The cells of a trades.csv line.
local function cells(line)
  local out = {}
  for c in (line .. ","):gmatch("([^,]*),") do out[#out + 1] = c end
  return out
end
-- The CSV lines of bt.acc.trades or bt.acc.weights (one string per day).
local function lines(chunks)
  local out = {}
  for _, c in ipairs(chunks) do for l in c:gmatch("[^\n]+") do out[#out + 1] = l end end
  return out
end
local function trades_of(bt)
  local out = {}
  for i, line in ipairs(lines(bt.acc.trades)) do
    local c = cells(line)
    out[i] = { date = c[1], symbol = c[2], side = c[3], quantity = tonumber(c[4]), price = tonumber(c[5]),
      notional = tonumber(c[6]), linear = tonumber(c[7]), impact = tonumber(c[8]), sleeve = c[9], reason = c[10] }
  end
  return out
end

local function run(args)
  args.json = true
  return folio.backtest.run(args)
end

local function row_of(dates, d) for i, x in ipairs(dates) do if x == d then return i end end end

-- ---- 1. no look-ahead ------------------------------------------------------------------------------

do
  local dir = tmpdir()
  local dates = business_days(140, 2024, 1, 1)
  local K = 90
  local base = {
    { "AAA", wiggle(100, 0.002, 0.03, 0.5, 0.02, 0.21) }, { "BBB", wiggle(50, -0.001, 0.04, 0.37, 0.01, 0.9) },
    { "CCC", wiggle(80, 0.001, 0.02, 0.71, 0.03, 0.13) }, { "DDD", wiggle(30, 0.0005, 0.05, 0.29, 0.02, 0.55) },
  }
  local spiked = {}
  for j, c in ipairs(base) do
    spiked[j] = { c[1], j == 2 and function(i) return i == K and c[2](i) * 10 or c[2](i) end or c[2] }
  end
  write(dir .. "/plain.csv", panel_csv(dates, base))
  write(dir .. "/spiked.csv", panel_csv(dates, spiked))
  local cfg = fund([[
  - name: eq
    sizer: equal_weight_ls
    asset_class: equities
    rebalance: daily
    allocation: 1.0
    universe: [AAA, BBB, CCC, DDD]
    signal: {name: reversal_5}
    params: {n_long: 2, n_short: 2}
]])
  local _, a = run{ fund = cfg, prices = dir .. "/plain.csv", from = dates[20] }
  local _, b = run{ fund = cfg, prices = dir .. "/spiked.csv", from = dates[20] }
  local dk = dates[K]
  local function before(list, date_of)
    local out = {}
    for _, x in ipairs(list) do if date_of(x) < dk then out[#out + 1] = x end end
    return out
  end
  local nav_date = function(r) return r[1] end
  local line_date = function(l) return l:sub(1, 10) end
  local function same_rows(x, y, what)
    local ok = #x == #y
    for i = 1, math.min(#x, #y) do
      local p, q = x[i], y[i]
      if type(p) == "table" then
        for k = 1, #p do if p[k] ~= q[k] then ok = false end end
      elseif p ~= q then ok = false end
    end
    T.check(ok, "no look-ahead: " .. what .. " before the spike row identical")
  end
  local na, nb = before(a.acc.nav, nav_date), before(b.acc.nav, nav_date)
  T.eq(#na, K - 20, "no look-ahead: NAV rows before the spike")
  same_rows(na, nb, "NAV rows")
  local ta, tb = before(lines(a.acc.trades), line_date), before(lines(b.acc.trades), line_date)
  T.check(#ta > 10, "no look-ahead: trades before the spike")
  same_rows(ta, tb, "trades")
  same_rows(before(lines(a.acc.weights), line_date), before(lines(b.acc.weights), line_date), "weights")
  same_rows(before(a.acc.rebalances, function(r) return r.date end), before(b.acc.rebalances, function(r) return r.date end), "rebalance count")
  -- the spike row is where things first differ: its NAV (BBB is held, long or short)
  local ra, rb = a.acc.nav[K - 19], b.acc.nav[K - 19]
  T.eq(ra[1], dk, "no look-ahead: the row of the spike")
  T.check(ra[2] ~= rb[2], "no look-ahead: the NAV differs on the spike row")
end

-- ---- 2. schedules ----------------------------------------------------------------------------------

do
  local sched = folio.backtest.schedule
  -- 2024: Friday 12 January a holiday (the week ends on Thursday 11th); Good
  -- Friday 29 March a holiday and 31 March a Sunday (March ends on Thursday 28th)
  local dates = business_days(70, 2024, 1, 1, { ["2024-01-12"] = true, ["2024-03-29"] = true })
  local function set(rows)
    local out = {}
    for r in pairs(rows) do out[#out + 1] = dates[r] end
    table.sort(out)
    return table.concat(out, " ")
  end
  local weekly, monthly, daily = sched(dates, "weekly"), sched(dates, "monthly"), sched(dates, "daily")
  -- by an independent rule: ISO week (%G-%V) and calendar month change
  local function iso(d)
    return os.date("%G-%V", os.time{ year = tonumber(d:sub(1, 4)), month = tonumber(d:sub(6, 7)), day = tonumber(d:sub(9, 10)), hour = 12 })
  end
  local ok_w, ok_m = true, true
  for i = 1, #dates do
    local last_w = i == #dates or iso(dates[i]) ~= iso(dates[i + 1])
    local last_m = i == #dates or dates[i]:sub(1, 7) ~= dates[i + 1]:sub(1, 7)
    if (weekly[i] or false) ~= last_w then ok_w = false end
    if (monthly[i] or false) ~= last_m then ok_m = false end
  end
  T.check(ok_w, "schedule: weekly = the last row of each ISO week")
  T.check(ok_m, "schedule: monthly = the last row of each calendar month")
  local n = 0
  for i = 1, #dates do if daily[i] then n = n + 1 end end
  T.eq(n, #dates, "schedule: daily = every row")
  T.check(weekly[row_of(dates, "2024-01-11")] and not weekly[row_of(dates, "2024-01-10")], "schedule: a week ending on a holiday ends on Thursday")
  T.check(weekly[row_of(dates, "2024-01-05")], "schedule: a full week ends on Friday")
  T.eq(set(monthly), "2024-01-31 2024-02-29 2024-03-28 " .. dates[#dates], "schedule: monthly rows (March ends on a weekend and Good Friday)")
  T.check(weekly[#dates] and monthly[#dates], "schedule: the file's last row ends its period (" .. dates[#dates] .. ", a " .. os.date("%A", os.time{ year = 2024, month = tonumber(dates[#dates]:sub(6, 7)), day = tonumber(dates[#dates]:sub(9, 10)), hour = 12 }) .. ")")
  -- a week across the new year is one ISO week: only its Friday
  local ny = business_days(10, 2024, 12, 23)
  local w, m = sched(ny, "weekly"), sched(ny, "monthly")
  local wrows = {}
  for r in pairs(w) do wrows[#wrows + 1] = ny[r] end
  table.sort(wrows)
  T.eq(table.concat(wrows, " "), "2024-12-27 2025-01-03", "schedule: weekly across the new year (ISO week 2025-W01)")
  T.check(m[row_of(ny, "2024-12-31")] and not w[row_of(ny, "2024-12-31")], "schedule: 31 December ends a month, not a week")
  T.raises(function() sched(ny, "hourly") end, "unknown frequency 'hourly'", "schedule: unknown frequency")

  -- in a backtest: a weekly sleeve and a monthly one; trades only on their rows
  local dir = tmpdir()
  local pdates = business_days(110, 2024, 1, 1, { ["2024-01-12"] = true, ["2024-03-29"] = true })
  write(dir .. "/p.csv", panel_csv(pdates, {
    { "AAA", wiggle(100, 0.002, 0.03, 0.5, 0.02, 0.21) }, { "BBB", wiggle(50, -0.001, 0.04, 0.37, 0.01, 0.9) },
    { "CCC", wiggle(80, 0.001, 0.02, 0.71, 0.03, 0.13) }, { "DDD", wiggle(30, 0.0005, 0.05, 0.29, 0.02, 0.55) },
    { "EEE", wiggle(60, 0.001, 0.03, 0.43, 0.02, 0.77) },
  }))
  local cfg = fund([[
  - name: wk
    sizer: fixed_weight
    asset_class: equities
    rebalance: weekly
    allocation: 0.5
    universe: [AAA, BBB]
    signal: {name: reversal_5}
    params: {weights: {AAA: 0.6, BBB: -0.4}}
  - name: mo
    sizer: equal_weight_ls
    asset_class: equities
    rebalance: monthly
    allocation: 0.5
    universe: [CCC, DDD, EEE]
    signal: {name: reversal_5}
    params: {n_long: 1, n_short: 1}
]])
  local _, bt = run{ fund = cfg, prices = dir .. "/p.csv", from = pdates[15] }
  local wk, mo = sched(pdates, "weekly"), sched(pdates, "monthly")
  local bad, mo_dates = {}, {}
  for _, t in ipairs(trades_of(bt)) do
    local r = row_of(pdates, t.date)
    if not (wk[r] or mo[r]) then bad[#bad + 1] = t.date .. " " .. t.symbol end
  end
  T.eq(table.concat(bad, " "), "", "schedule: every trade on a weekly or monthly row")
  for r = 15, #pdates do
    T.eq(bt.sched.wk[r] or false, wk[r] or false, "schedule: bt.sched.wk on " .. pdates[r])
    T.eq(bt.sched.mo[r] or false, mo[r] or false, "schedule: bt.sched.mo on " .. pdates[r])
  end
  -- every scheduled row of the weekly sleeve trades (fixed weights drift)
  local traded = {}
  for _, t in ipairs(trades_of(bt)) do traded[t.date .. t.sleeve] = true end
  local missed = {}
  for r = 15, #pdates do if wk[r] and not traded[pdates[r] .. "wk"] then missed[#missed + 1] = pdates[r] end end
  T.eq(table.concat(missed, " "), "", "schedule: the weekly sleeve trades on each of its rows")
  -- the monthly sleeve, not due on a weekly row, keeps its weights: its
  -- targets there are those of its last monthly rebalance
  local target, kept_ok, checked = {}, true, 0
  for _, line in ipairs(lines(bt.acc.weights)) do
    local c = cells(line)
    if c[3] == "mo" and mo[row_of(pdates, c[1])] then target[c[1] .. c[2]] = c[4] end
  end
  local last_month_end
  for r = 15, #pdates do
    if mo[r] then last_month_end = pdates[r]
    elseif wk[r] and last_month_end then
      for _, line in ipairs(lines(bt.acc.weights)) do
        local c = cells(line)
        if c[1] == pdates[r] and c[3] == "mo" then
          checked = checked + 1
          if target[last_month_end .. c[2]] ~= c[4] then kept_ok = false end
        end
      end
    end
  end
  T.check(checked > 4 and kept_ok, "schedule: a sleeve not due keeps its target weights (" .. checked .. " checked)")
end

-- ---- 3. fills at the close, positions held, NAV marked at every close ------------------------------

local FIXED = [[
  - name: eq
    sizer: fixed_weight
    asset_class: equities
    rebalance: weekly
    allocation: 1.0
    universe: [AAA, BBB, CCC]
    signal: {name: reversal_5}
    params: {weights: {AAA: 0.5, BBB: 0.3, CCC: -0.2}}
]]
local FIXED_COLS = {
  { "AAA", wiggle(100, 0.002, 0.03, 0.5, 0.02, 0.21) }, { "BBB", wiggle(50, -0.001, 0.04, 0.37, 0.01, 0.9) },
  { "CCC", wiggle(80, 0.001, 0.02, 0.71, 0.03, 0.13) },
}

-- Replays the trades of bt over its NAV rows: the quantities held at each
-- close (after that day's fills); calls check(row, date, q) on each NAV row.
local function replay(bt, check)
  local q, by_date = {}, {}
  for _, t in ipairs(trades_of(bt)) do
    by_date[t.date] = by_date[t.date] or {}
    table.insert(by_date[t.date], t)
  end
  for _, n in ipairs(bt.acc.nav) do
    for _, t in ipairs(by_date[n[1]] or {}) do
      q[t.symbol] = (q[t.symbol] or 0) + (t.side == "BUY" and t.quantity or -t.quantity)
      if q[t.symbol] == 0 then q[t.symbol] = nil end
    end
    check(row_of(bt.dates, n[1]), n, q, by_date[n[1]] or {})
  end
  return q
end

do
  local dir = tmpdir()
  local dates = business_days(100, 2024, 1, 1, { ["2024-01-15"] = true })
  write(dir .. "/p.csv", panel_csv(dates, FIXED_COLS))
  local m = folio.data.read_csv(dir .. "/p.csv")
  local close = {}
  for _, c in ipairs(FIXED_COLS) do close[c[1]] = m:column(c[1]) end
  local _, bt = run{ fund = fund(FIXED), prices = dir .. "/p.csv", from = dates[10] }
  local weekly = folio.backtest.schedule(dates, "weekly")
  local price_ok, nav_ok, held_ok, cash_ok, n_trades = true, true, true, true, 0
  local worst = 0
  local prev_cash, prev_q = nil, nil
  local final = replay(bt, function(r, n, q, fills)
    for _, t in ipairs(fills) do
      n_trades = n_trades + 1
      if t.price ~= close[t.symbol][r] then price_ok = false end
    end
    if #fills > 0 and not weekly[r] then held_ok = false end
    if not weekly[r] and prev_cash and n[3] ~= prev_cash then cash_ok = false end
    local nav = n[3]
    for s, x in pairs(q) do nav = nav + x * close[s][r] end
    worst = math.max(worst, math.abs(nav - n[2]))
    prev_cash = n[3]
  end)
  T.check(n_trades > 30, "fills: trades to check (" .. n_trades .. ")")
  T.check(price_ok, "fills: every trade's price is the close on its date")
  T.check(held_ok, "fills: no trade off the weekly rows (quantities unchanged between rebalances)")
  T.check(cash_ok, "fills: cash unchanged on the rows without a rebalance (cash_rate 0)")
  T.check(worst < 1e-6, "marks: NAV = cash + sum q * close on every row (worst " .. worst .. ")")
  T.eq(#bt.acc.nav, #dates - 9, "marks: one NAV row per price row")
  local same = true
  for s, x in pairs(final) do if not bt.positions[s] or bt.positions[s].quantity ~= x then same = false end end
  for s in pairs(bt.positions) do if final[s] == nil then same = false end end
  T.check(same, "fills: the book's positions are the sum of the trades")
  -- the first rebalance sizes to the fixed weights at that close (whole shares)
  local r = 10
  local t1 = trades_of(bt)
  T.eq(t1[1].date, dates[r], "fills: the first rebalance is on the first row of the range (" .. dates[r] .. ")")
  T.eq(t1[1].quantity, math.floor(0.5 * 1e6 / close.AAA[r] + 0.5), "fills: AAA's first order is 0.5 * NAV / close, rounded")
end

-- ---- 4. interest on cash -------------------------------------------------------------------------

do
  local dir = tmpdir()
  -- monthly: no rebalance from 2 to 30 January, the fund stays in cash; MLK day a holiday
  local dates = business_days(40, 2024, 1, 1, { ["2024-01-15"] = true })
  write(dir .. "/p.csv", panel_csv(dates, FIXED_COLS))
  local cfg = fund((FIXED:gsub("weekly", "monthly")))
  local res, bt = run{ fund = cfg, prices = dir .. "/p.csv", from = "2024-01-02", to = "2024-01-30", cash_rate = 0.05 }
  T.eq(#lines(bt.acc.trades), 0, "cash_rate: no trade in the range")
  local nav = bt.acc.nav
  T.eq(nav[1][1], "2024-01-02", "cash_rate: first row")
  T.eq(nav[1][2], 1e6, "cash_rate: no interest on the first row (no previous close)")
  T.near(nav[2][2], 1e6 + 1e6 * 0.05 / 365, 1e-9, "cash_rate: one day's interest on 2024-01-03")
  T.near(nav[2][2], 1000136.98630137, 1e-6, "cash_rate: 1,000,136.99 on 2024-01-03")
  local ok, weekend, holiday = true, nil, nil
  for i = 2, #nav do
    local days = days_between(nav[i - 1][1], nav[i][1])
    local want = nav[i - 1][3] + nav[i - 1][3] * 0.05 * days / 365
    if nav[i][3] ~= want or nav[i][2] ~= nav[i][3] then ok = false end
    if nav[i][1] == "2024-01-08" then weekend = { days, nav[i][2] - nav[i - 1][2], nav[i - 1][2] * 0.05 * 3 / 365 } end
    if nav[i][1] == "2024-01-16" then holiday = { days, nav[i][2] - nav[i - 1][2], nav[i - 1][2] * 0.05 * 4 / 365 } end
  end
  T.check(ok, "cash_rate: every row earns cash * rate * days / 365 on the previous close's cash")
  T.eq(weekend[1], 3, "cash_rate: Friday to Monday is 3 days")
  T.near(weekend[2], weekend[3], 1e-9, "cash_rate: three days' interest over the weekend")
  T.near(weekend[2], 411.13, 0.01, "cash_rate: 411.13 over the weekend (on 1,000,548 of cash)")
  T.eq(holiday[1], 4, "cash_rate: Friday to Tuesday over a holiday is 4 days")
  T.near(holiday[2], holiday[3], 1e-9, "cash_rate: four days' interest over the holiday weekend")
  T.near(res.interest, nav[#nav][2] - 1e6, 1e-6, "cash_rate: result.interest is the NAV's gain")
  T.eq(res.cash_rate, 0.05, "cash_rate: reported")
  local cash_attr
  for _, a in ipairs(res.attribution) do if a.sleeve == "cash and costs" then cash_attr = a end end
  T.near(cash_attr.pnl, res.interest, 1e-9, "cash_rate: attributed to cash and costs")
end

-- ---- 5. names that enter and leave ---------------------------------------------------------------

do
  local dir = tmpdir()
  local dates = business_days(120, 2024, 1, 1)
  local NEW_FROM, OLD_TO = 40, 70
  local cols = {
    { "AAA", wiggle(100, 0.002, 0.03, 0.5, 0.02, 0.21) }, { "BBB", wiggle(50, -0.001, 0.04, 0.37, 0.01, 0.9) },
    { "NEW", function(i) return i >= NEW_FROM and wiggle(80, 0.001, 0.02, 0.71, 0.03, 0.13)(i) or nil end },
    { "OLD", function(i) return i <= OLD_TO and wiggle(30, 0.0005, 0.05, 0.29, 0.02, 0.55)(i) or nil end },
  }
  write(dir .. "/p.csv", panel_csv(dates, cols))
  write(dir .. "/v.csv", panel_csv(dates, { { "AAA", function() return 1e6 end }, { "BBB", function() return 2e6 end },
    { "NEW", function(i) return i >= NEW_FROM and 1e6 or nil end }, { "OLD", function(i) return i <= OLD_TO and 3e6 or nil end } }, "%d"))
  -- equal weights, 2 long and 2 short: every name with a signal is held
  local cfg = fund([[
  - name: eq
    sizer: equal_weight_ls
    asset_class: equities
    rebalance: daily
    allocation: 1.0
    universe: [AAA, BBB, NEW, OLD]
    signal: {name: reversal_5}
    params: {n_long: 2, n_short: 2}
]])
  local function first_trade(bt, s)
    for _, t in ipairs(trades_of(bt)) do if t.symbol == s then return t end end
  end
  local res, bt = run{ fund = cfg, prices = dir .. "/p.csv", from = dates[20] }
  -- reversal_5 reads 5 returns: 6 prices, the first on row NEW_FROM
  T.eq(first_trade(bt, "NEW").date, dates[NEW_FROM + 5], "entry: NEW first traded once reversal_5 has 5 returns")
  -- with volumes, the ADV window (adv_lookback_days, 21 by default) must be full too
  local _, btv = run{ fund = cfg, prices = dir .. "/p.csv", volumes = dir .. "/v.csv", from = dates[20] }
  T.eq(first_trade(btv, "NEW").date, dates[NEW_FROM + 20], "entry: with volumes, NEW first traded after 21 rows of ADV")
  -- exit: closed at the last price on the first row without one, reported
  T.eq(#res.delisted, 1, "exit: one name delisted")
  local d = res.delisted[1]
  local m = folio.data.read_csv(dir .. "/p.csv")
  local last_price = m:column("OLD")[OLD_TO]
  T.eq(d.symbol, "OLD", "exit: OLD reported")
  T.eq(d.last_price_date, dates[OLD_TO], "exit: last price date")
  T.eq(d.closed, dates[OLD_TO + 1], "exit: closed on the first row without a price")
  T.eq(d.price, last_price, "exit: at the last price")
  local closing
  for _, t in ipairs(trades_of(bt)) do if t.symbol == "OLD" and t.reason == "delisted" then closing = t end end
  T.check(closing and closing.date == dates[OLD_TO + 1] and closing.price == last_price and closing.linear == 0,
    "exit: the closing trade in trades.csv, at the last price, no cost")
  T.eq(closing and (closing.side == "BUY" and 1 or -1) * closing.quantity, -d.quantity, "exit: the whole position closed")
  T.check(bt.positions.OLD == nil, "exit: OLD no longer held")
  local after = 0
  for _, t in ipairs(trades_of(bt)) do if t.symbol == "OLD" and t.date > dates[OLD_TO + 1] then after = after + 1 end end
  T.eq(after, 0, "exit: OLD never traded again")
end

-- a run resumed from a checkpoint taken just before a delisting closes the
-- name as the uninterrupted run does (the first fill after the resume is
-- the delisting's)
do
  local dir = tmpdir()
  local dates = business_days(120, 2024, 1, 1)
  local OLD_TO = 70
  write(dir .. "/p.csv", panel_csv(dates, {
    { "AAA", wiggle(100, 0.002, 0.03, 0.5, 0.02, 0.21) }, { "BBB", wiggle(50, -0.001, 0.04, 0.37, 0.01, 0.9) },
    { "CCC", wiggle(70, 0.001, 0.02, 0.8, 0.01, 0.3) },
    { "OLD", function(i) return i <= OLD_TO and wiggle(30, 0.0005, 0.05, 0.29, 0.02, 0.55)(i) or nil end } }))
  local cfg = fund([[
  - name: eq
    sizer: equal_weight_ls
    asset_class: equities
    rebalance: weekly
    allocation: 1.0
    universe: [AAA, BBB, CCC, OLD]
    signal: {name: reversal_5}
    params: {n_long: 2, n_short: 2}
]])
  local weekly = folio.backtest.schedule(dates, "weekly")
  T.check(not weekly[OLD_TO + 1], "resume/delisting: the delisting day is not a rebalance")
  local k = 0
  for i = 20, OLD_TO do if weekly[i] then k = k + 1 end end
  local ref = run{ fund = cfg, prices = dir .. "/p.csv", from = dates[20] }
  local args = { fund = cfg, prices = dir .. "/p.csv", from = dates[20], store = dir .. "/bt.db", checkpoint_every = 1,
    stop_after = k }
  local ok = pcall(run, args)
  T.check(not ok, "resume/delisting: the first leg stops at the checkpoint before the delisting")
  args.stop_after = nil
  local ok2, res = pcall(run, args)
  T.check(ok2, "resume/delisting: the resumed run succeeds: " .. tostring(not ok2 and res or ""))
  T.eq(ok2 and res.end_nav, ref.end_nav, "resume/delisting: the same final NAV")
  T.eq(ok2 and #res.delisted, 1, "resume/delisting: OLD reported once")
end

-- ---- 6. costs, each kind on its own --------------------------------------------------------------

do
  local dir = tmpdir()
  local dates = business_days(80, 2024, 1, 1)
  write(dir .. "/p.csv", panel_csv(dates, FIXED_COLS))
  write(dir .. "/v.csv", panel_csv(dates, { { "AAA", function(i) return 1e5 + 1000 * (i % 7) end },
    { "BBB", function(i) return 2e5 + 3000 * (i % 5) end }, { "CCC", function(i) return 1.5e5 + 500 * (i % 3) end } }, "%d"))
  local m, v = folio.data.read_csv(dir .. "/p.csv"), folio.data.read_csv(dir .. "/v.csv")
  local function cost_run(costs, volumes)
    local out = tmpdir()
    local res, bt = run{ fund = fund(FIXED, "costs:\n  equities: " .. costs .. "\n"), prices = dir .. "/p.csv",
      volumes = volumes and dir .. "/v.csv" or nil, from = dates[30], out = out }
    return res, bt, out
  end
  -- cash moves by the trades and their costs on a rebalance row; by -borrow elsewhere
  local function deducted(bt, what)
    local ok = true
    replay(bt, function(r, n, q, fills)
      local i = r - bt.r0 + 1
      if i == 1 then return end
      local flow = 0
      for _, t in ipairs(fills) do
        flow = flow + (t.side == "BUY" and -1 or 1) * t.quantity * t.price
      end
      local c = { 0, 0, 0 }
      for _, row in ipairs(bt.acc.costs) do if row[1] == n[1] then c = { row[2], row[3], row[4] } end end
      local want = bt.acc.nav[i - 1][3] + flow - c[1] - c[2] - c[3]
      if math.abs(n[3] - want) > 1e-6 then ok = false end
    end)
    T.check(ok, "costs: " .. what .. " deducted from cash (and NAV) on every row")
  end
  local function csv_total(out, col)
    local text = read(out .. "/costs.csv")
    local total, header = 0, nil
    for line in text:gmatch("[^\n]+") do
      local c = cells(line)
      if not header then header = c else
        for k, name in ipairs(header) do if name == col then total = total + tonumber(c[k]) end end
      end
    end
    return total
  end

  -- linear: bps of each trade's notional
  local res, bt, out = cost_run("{linear_bps: 10}")
  local ok, sum = true, 0
  for _, t in ipairs(trades_of(bt)) do
    local want = 10 * 1e-4 * t.quantity * t.price
    if math.abs(t.linear - want) > 6e-5 or t.impact ~= 0 then ok = false end
    sum = sum + want
  end
  T.check(ok and #lines(bt.acc.trades) > 10, "costs: linear = bps * 1e-4 * |notional| on every trade")
  T.near(res.costs.linear.total, sum, 1e-6, "costs: result.costs.linear.total")
  T.check(res.costs.impact.total == 0 and res.costs.borrow.total == 0, "costs: linear alone")
  T.near(csv_total(out, "linear"), sum, 1e-4 * #bt.acc.costs, "costs: costs.csv's linear column")
  deducted(bt, "linear")

  -- impact: b * sigma * |trade| * sqrt(|trade| / ADV), sigma and ADV over `window` rows ending at d
  res, bt, out = cost_run("{impact: 0.5, window: 10}", true)
  local t = trades_of(bt)[1]
  local r = row_of(dates, t.date)
  local px, vol = m:column(t.symbol), v:column(t.symbol)
  local rets = {}
  for i = r - 9, r do rets[#rets + 1] = px[i] / px[i - 1] - 1 end
  local mean = 0
  for _, x in ipairs(rets) do mean = mean + x end
  mean = mean / #rets
  local ss = 0
  for _, x in ipairs(rets) do ss = ss + (x - mean) ^ 2 end
  local sigma = math.sqrt(ss / (#rets - 1))
  local adv = 0
  for i = r - 9, r do adv = adv + px[i] * vol[i] end
  adv = adv / 10
  local notional = t.quantity * t.price
  local want = 0.5 * sigma * notional * math.sqrt(notional / adv)
  T.check(want > 1, "costs: an impact worth checking (" .. want .. ")")
  T.near(t.impact, want, 6e-5, "costs: impact of the first trade (" .. t.symbol .. " on " .. t.date .. ") by hand")
  T.eq(t.linear, 0, "costs: impact alone (no linear)")
  sum = 0
  for _, x in ipairs(trades_of(bt)) do sum = sum + x.impact end
  T.near(res.costs.impact.total, sum, 1e-4 * #lines(bt.acc.trades), "costs: result.costs.impact.total")
  T.near(csv_total(out, "impact"), res.costs.impact.total, 1e-4 * #bt.acc.costs, "costs: costs.csv's impact column")
  T.check(res.costs.linear.total == 0 and res.costs.borrow.total == 0, "costs: impact alone")
  deducted(bt, "impact")
  T.raises(function() cost_run("{impact: 0.5}") end, "needs volumes", "costs: impact without volumes")

  -- borrow: rate * days / 365 on the previous close's short notional (CCC)
  res, bt, out = cost_run("{borrow_rate: 0.1}")
  local borrow_ok, weekend, total = true, nil, 0
  local prev_q = {}
  replay(bt, function(row, n, q)
    local i = row - bt.r0 + 1
    if i > 1 then
      local days = days_between(bt.acc.nav[i - 1][1], n[1])
      local w = 0
      for s, x in pairs(prev_q) do if x < 0 then w = w - x * m:column(s)[row - 1] * 0.1 * days / 365 end end
      local got = 0
      for _, c in ipairs(bt.acc.costs) do if c[1] == n[1] then got = c[4] end end
      if math.abs(got - w) > 1e-9 then borrow_ok = false end
      total = total + w
      if days == 3 and not weekend then weekend = { got, w } end
    end
    prev_q = {}
    for s, x in pairs(q) do prev_q[s] = x end
  end)
  T.check(borrow_ok, "costs: borrow = rate * days / 365 * the previous close's short notional, every row")
  T.check(weekend and weekend[1] > 0 and math.abs(weekend[1] - weekend[2]) < 1e-9, "costs: three days of borrow over a weekend")
  T.near(res.costs.borrow.total, total, 1e-6, "costs: result.costs.borrow.total")
  T.near(csv_total(out, "borrow"), total, 1e-4 * #bt.acc.costs, "costs: costs.csv's borrow column")
  T.check(res.costs.linear.total == 0 and res.costs.impact.total == 0, "costs: borrow alone")
  deducted(bt, "borrow")
end

-- ---- 7. the backtest is folio.rebalance.run on its own book ----------------------------------------

-- For rebalance dates d of a backtest of examples/fund.yaml: the book just
-- before d (a backtest stopped on the row before d), served by a plain OMS
-- and a real SQLite store, given to folio.rebalance.run on the price file cut
-- at d, must give the orders the backtest filled on d.
do
  local dir = tmpdir()
  local P, V = folio.data.read_csv("examples/data/prices.csv"), folio.data.read_csv("examples/data/volumes.csv")
  local FROM = "2023-01-02"
  local args = function(to)
    return { fund = "examples/fund.yaml", prices = "examples/data/prices.csv", volumes = "examples/data/volumes.csv",
      from = FROM, to = to }
  end
  local _, full = run(args("2023-06-30"))
  local dates = full.dates
  -- a weekly-only row (the second rebalance), month ends with and without a
  -- Friday, the week after a month end, a Wednesday month end
  local checks = { "2023-01-13", "2023-01-31", "2023-02-03", "2023-03-31", "2023-05-31" }
  for _, d in ipairs(checks) do
    local r = row_of(dates, d)
    T.check(full.rebalance_rows[r], "equivalence: " .. d .. " is a rebalance date")
    local _, bt = run(args(dates[r - 1]))
    -- the book before d's close (no name stops on d and the fund has no cash
    -- rate: marking to d's close changes no quantity and no cash)
    local submitted = {}
    local oms = {}
    function oms.get_positions()
      local list = {}
      for _, s in ipairs(T.keys(bt.positions)) do
        local p = bt.positions[s]
        list[#list + 1] = { symbol = s, quantity = p.quantity, avg_price = p.avg_price, strategy = bt.sleeve_of[s] }
      end
      return list
    end
    function oms.get_nav(values)
      local nav = bt.cash
      for _, s in ipairs(T.keys(bt.positions)) do nav = nav + bt.positions[s].quantity * values[s] end
      return nav
    end
    function oms.submit(o) submitted[#submitted + 1] = o end
    local path = dir .. "/store_" .. d .. ".db"
    local st = folio.store.open{ path = path }
    st:save_checkpoint{ asof = bt.turnover_log[#bt.turnover_log].asof, state = bt.saved }
    for _, t in ipairs(bt.turnover_log) do st:record_rebalance{ asof = t.asof, fund = bt.cfg.fund.id, turnover = t.turnover } end
    st:close()
    local due = {}
    for _, sleeve in ipairs(bt.cfg.sleeves) do due[sleeve.name] = bt.sched[sleeve.name][r] or false end
    folio.rebalance.run{ fund = bt.cfg, prices = P:head(r), volumes = V:head(r), oms = oms, asof = d, store = path,
      json = true, due = due, loaded = true }
    local mine, theirs = {}, {}
    for _, o in ipairs(submitted) do
      mine[#mine + 1] = string.format("%s %s %.10g %.10g", o.symbol, o.side, o.quantity, o.price)
    end
    for _, t in ipairs(trades_of(full)) do
      if t.date == d then theirs[#theirs + 1] = string.format("%s %s %.10g %.10g", t.symbol, t.side, t.quantity, t.price) end
    end
    table.sort(mine)
    table.sort(theirs)
    T.check(#theirs > 0 and next(bt.positions) and bt.saved, "equivalence: a book, a saved state and trades on " .. d)
    T.eq(table.concat(mine, "\n"), table.concat(theirs, "\n"), "equivalence: folio.rebalance.run's orders = the backtest's trades on " .. d)
    -- exactly, not only to trades.csv's 10 digits: the orders the backtest's
    -- own rebalance on d queued (a run that stops on d)
    local _, btd = run(args(d))
    local exact = #btd.queue == #submitted
    local key = function(o) return o.symbol .. " " .. o.side end
    local by = {}
    for _, o in ipairs(btd.queue) do by[key(o)] = o end
    for _, o in ipairs(submitted) do
      local q = by[key(o)]
      if not (q and q.quantity == o.quantity and q.price == o.price) then exact = false end
    end
    T.check(exact, "equivalence: the same orders to the last bit on " .. d)
  end
end

-- The same through the command: `folio rebalance --asof d` on the backtest's
-- own book of d (a positions file with its cash, a store holding its saved
-- state and recent turnover), without `due`: a fund whose sleeves are all
-- weekly, where the calendar's rule (a new ISO week) and the backtest's
-- schedule (the last row of each ISO week) agree.
do
  local dir = tmpdir()
  local BIN = os.getenv("FOLIO_BIN") or "./build/folio"
  assert(os.execute(string.format("cp -r examples/policies '%s/'", dir)))
  local text = T.read("examples/fund.yaml"):gsub("rebalance: monthly", "rebalance: weekly")
  local fund_path = dir .. "/weekly.yaml"
  write(fund_path, text)
  local args = function(to)
    return { fund = fund_path, prices = "examples/data/prices.csv", volumes = "examples/data/volumes.csv",
      from = "2023-01-02", to = to }
  end
  local _, full = run(args("2023-04-28"))
  local dates = full.dates
  -- every fourth rebalance date of the range (the schedule's own rows)
  local picks, k = {}, 0
  for r = row_of(dates, "2023-01-09"), row_of(dates, "2023-04-28") do
    if full.rebalance_rows[r] then
      k = k + 1
      if k % 4 == 1 then picks[#picks + 1] = dates[r] end
    end
  end
  T.check(#picks >= 3, "command equivalence: several dates (" .. #picks .. ")")
  for _, d in ipairs(picks) do
    local r = row_of(dates, d)
    T.check(full.rebalance_rows[r], "command equivalence: " .. d .. " is a rebalance date")
    local _, bt = run(args(dates[r - 1]))
    local pos = { "symbol,quantity,avg_price" }
    for _, sym in ipairs(T.keys(bt.positions)) do
      local p = bt.positions[sym]
      pos[#pos + 1] = string.format("%s,%.17g,%.17g", sym, p.quantity, p.avg_price)
    end
    pos[#pos + 1] = string.format("CASH,%.17g,1", bt.cash)
    local positions, store, orders = dir .. "/pos_" .. d .. ".csv", dir .. "/st_" .. d .. ".db", dir .. "/orders_" .. d .. ".csv"
    write(positions, table.concat(pos, "\n") .. "\n")
    local st = folio.store.open{ path = store }
    st:save_checkpoint{ asof = bt.turnover_log[#bt.turnover_log].asof, state = bt.saved }
    for _, t in ipairs(bt.turnover_log) do st:record_rebalance{ asof = t.asof, fund = bt.cfg.fund.id, turnover = t.turnover } end
    st:close()
    local ok = os.execute(string.format("%s rebalance --fund '%s' --positions '%s' --prices examples/data/prices.csv "
      .. "--volumes examples/data/volumes.csv --asof %s --store '%s' --out '%s' >/dev/null 2>&1", BIN, fund_path, positions,
      d, store, orders))
    T.check(ok, "command equivalence: folio rebalance --asof " .. d .. " succeeds")
    local mine, theirs = {}, {}
    local first = true
    for line in (T.read(orders) or ""):gmatch("[^\n]+") do
      if first then first = false else
        local c = cells(line) -- client_order_id,symbol,side,quantity,price,notional
        mine[#mine + 1] = string.format("%s %s %.10g", c[2], c[3], tonumber(c[4]))
      end
    end
    for _, t in ipairs(trades_of(full)) do
      if t.date == d and t.reason == "rebalance" then
        theirs[#theirs + 1] = string.format("%s %s %.10g", t.symbol, t.side, t.quantity)
      end
    end
    table.sort(mine)
    table.sort(theirs)
    T.check(#theirs > 0, "command equivalence: the backtest trades on " .. d)
    T.eq(table.concat(mine, "\n"), table.concat(theirs, "\n"),
      "command equivalence: folio rebalance --asof " .. d .. " orders = the backtest's trades")
  end
end

-- ---- 8. determinism and 9. the plots -------------------------------------------------------------

-- a small XML checker (from test_plot.lua)

local svg = dofile((arg[0]:match("^(.*)/") or ".") .. "/svgcheck.lua")(T)
local parse_xml, find_all, has_class, coords_inside, check_doc, series_of, legend_of, names =
  svg.parse_xml, svg.find_all, svg.has_class, svg.coords_inside, svg.check_doc, svg.series_of, svg.legend_of, svg.names


do
  local files = { "nav.csv", "trades.csv", "weights.csv", "costs.csv", "summary.json", "equity.svg", "weights.svg",
    "turnover_costs.svg", "contributions.svg" }
  local dir = tmpdir()
  local dates = business_days(100, 2024, 1, 1)
  write(dir .. "/p.csv", panel_csv(dates, FIXED_COLS))
  write(dir .. "/v.csv", panel_csv(dates, { { "AAA", function(i) return 1e5 + 1000 * (i % 7) end },
    { "BBB", function(i) return 2e5 + 3000 * (i % 5) end }, { "CCC", function(i) return 1.5e5 + 500 * (i % 3) end } }, "%d"))
  local cfg = fund((FIXED:gsub("allocation: 1.0", "allocation: 0.6")) .. [[
  - name: ls
    sizer: equal_weight_ls
    asset_class: equities
    rebalance: daily
    allocation: 0.4
    universe: [AAA, BBB, CCC]
    signal: {name: reversal_5}
    params: {n_long: 1, n_short: 1}
]], "costs:\n  equities: {linear_bps: 5, impact: 0.3, borrow_rate: 0.05, window: 10}\n")
  local a, b = tmpdir(), tmpdir()
  run{ fund = cfg, prices = dir .. "/p.csv", volumes = dir .. "/v.csv", from = dates[20], out = a, cash_rate = 0.02 }
  run{ fund = cfg, prices = dir .. "/p.csv", volumes = dir .. "/v.csv", from = dates[20], out = b, cash_rate = 0.02 }
  for _, f in ipairs(files) do
    local x, y = read(a .. "/" .. f), read(b .. "/" .. f)
    T.check(x and #x > 0 and x == y, "determinism: " .. f .. " byte-identical over two runs")
  end
  -- the plots: well-formed, the expected series
  local function series_names(f)
    local root = check_doc(read(a .. "/" .. f), f)
    return root and names(series_of(root)) or ""
  end
  T.eq(series_names("equity.svg"), "NAV|drawdown", "plots: equity has the NAV and drawdown panels")
  T.eq(series_names("weights.svg"), "eq long|eq short|ls long|ls short", "plots: weights has each sleeve's long and short")
  T.eq(series_names("contributions.svg"), "eq|ls|cash and costs", "plots: contributions has each sleeve and cash and costs")
  T.eq(series_names("turnover_costs.svg"), "turnover|linear|impact", "plots: turnover and costs")
end

for _, d in ipairs(DIRS) do os.execute("rm -rf '" .. d .. "'") end
T.finish("test_backtest")
