-- tests/lua/test_backtest.lua — folio.backtest.run's conventions (the header
-- of lua/folio/backtest.lua), one by one, on small synthetic funds whose
-- numbers can be worked out by hand: no look-ahead; the schedules; fills at
-- the close and the book marked at every close; interest on cash; names that
-- enter and leave; each kind of cost; equivalence with folio.rebalance.run on
-- the backtest's own book; determinism of the files; the plots.
local T = dofile((arg[0]:match("^(.*)/") or ".") .. "/testlib.lua")

-- ---- helpers ---------------------------------------------------------------------------------------

local function mkdtemp()
  local p = os.tmpname()
  os.remove(p)
  assert(os.execute("mkdir -p '" .. p .. "'"))
  return p
end
local DIRS = {}
local function tmpdir() local d = mkdtemp() DIRS[#DIRS + 1] = d return d end

local function write(path, text)
  local f = assert(io.open(path, "w"))
  f:write(text)
  f:close()
end
local function read(path)
  local f = io.open(path, "rb")
  if not f then return nil end
  local t = f:read("a")
  f:close()
  return t
end

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
local function trades_of(bt)
  local out = {}
  for i, line in ipairs(bt.acc.trades) do
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
  local ta, tb = before(a.acc.trades, line_date), before(b.acc.trades, line_date)
  T.check(#ta > 10, "no look-ahead: trades before the spike")
  same_rows(ta, tb, "trades")
  same_rows(before(a.acc.weights, line_date), before(b.acc.weights, line_date), "weights")
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
  for _, line in ipairs(bt.acc.weights) do
    local c = cells(line)
    if c[3] == "mo" and mo[row_of(pdates, c[1])] then target[c[1] .. c[2]] = c[4] end
  end
  local last_month_end
  for r = 15, #pdates do
    if mo[r] then last_month_end = pdates[r]
    elseif wk[r] and last_month_end then
      for _, line in ipairs(bt.acc.weights) do
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

T.finish("test_backtest")
