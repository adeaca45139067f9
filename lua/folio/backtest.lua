-- folio.backtest: a fund replayed over history through folio.rebalance.run
-- itself, with a simulated OMS that fills at each close (docs/backtest.md).
--
--   folio.backtest.run{fund =, prices =, volumes =, from =, to =, out =,
--                      store =, checkpoint_every =, cash_rate =, policy_path =,
--                      progress =, log =, json =}
--
-- The conventions (docs/backtest.md section 2), each tested one by one:
--   * the decision on date d sees the price rows up to and including d;
--   * a sleeve rebalances on its schedule over the price file's rows: daily =
--     every row, weekly = the last row of each ISO week, monthly = the last
--     row of each calendar month, quarterly = of each quarter (the file's
--     last row ends its period); a sleeve never sized is sized at the first
--     rebalance date;
--   * orders fill at d's close; the book is marked to market at every close;
--     cash earns cash_rate (ACT/365, simple, on the previous close's cash);
--   * a name enters when its policy has the history it needs (the rebalance
--     leaves it out until then) and leaves when its prices stop: the position
--     is closed at its last price on the first row without one, and reported;
--   * costs per asset class (fund file `costs:`): linear_bps of traded
--     notional, impact · σ · |trade| · sqrt(|trade| / ADV) over `window` rows,
--     and borrow_rate a year on short notional (ACT/365); each reported apart.
--
-- The day, in order: mark to market at the close (P/L of the book held since
-- the last close, interest and borrow over the calendar days since), close
-- the names whose prices stopped, then — on a rebalance date — run the
-- rebalance on the history window ending at d and fill its orders at d's
-- close less their costs; the NAV row is the book after all of it.
local folio, internal = ...

local pairs, ipairs, type, error, tostring, tonumber, pcall, select, next =
  pairs, ipairs, type, error, tostring, tonumber, pcall, select, next
local string_format, table_concat, table_sort = string.format, table.concat, table.sort
local math_abs, math_max, math_min, math_sqrt, math_huge, math_floor =
  math.abs, math.max, math.min, math.sqrt, math.huge, math.floor

local M = folio.backtest or {}
folio.backtest = M
local parts = {}
internal.backtest = parts

local function fail(msg, level) error("backtest: " .. msg, (level or 1) + 1) end
parts.fail = fail
local function sorted(t) return folio.sorted_keys(t) end
-- The held names in order (every sum over the book runs in it: bit-identical
-- results), kept until a name enters or leaves the book.
local function held(bt)
  local h = bt.held
  if not h then h = sorted(bt.positions) bt.held = h end
  return h
end
local is_finite = internal.is_finite
local date_days = internal.date_days

-- ---- the schedule --------------------------------------------------------------------------------

-- Monday-based week number of a day count (1970-01-01 was a Thursday).
local function week_of(days) return (days + 3) // 7 end
local function period_of(freq, date, days)
  if freq == "weekly" then return week_of(days) end
  local y, m = tonumber(date:sub(1, 4)), tonumber(date:sub(6, 7))
  if freq == "monthly" then return y * 12 + m end
  if freq == "quarterly" then return y * 4 + (m - 1) // 3 end
  return days -- daily
end

--- folio.backtest.schedule(dates, freq) -> {row = true}: the rows a sleeve
--- of frequency freq rebalances on (the last row of each of its periods in
--- the list of dates; every row for daily; the last row ends its period).
function M.schedule(dates, freq)
  if type(dates) ~= "table" then fail("schedule: dates must be a list of YYYY-MM-DD", 2) end
  if freq ~= "daily" and freq ~= "weekly" and freq ~= "monthly" and freq ~= "quarterly" then
    fail("schedule: unknown frequency '" .. tostring(freq) .. "' (daily, weekly, monthly, quarterly)", 2)
  end
  local rows, n = {}, #dates
  local days = {}
  for i = 1, n do days[i] = date_days(dates[i]:sub(1, 10)) end
  for i = 1, n do
    if i == n or period_of(freq, dates[i], days[i]) ~= period_of(freq, dates[i + 1], days[i + 1]) then rows[i] = true end
  end
  return rows
end

-- ---- inputs --------------------------------------------------------------------------------------

local RUN_KEYS = { fund = true, prices = true, volumes = true, from = true, to = true, out = true, store = true,
  checkpoint_every = true, cash_rate = true, policy_path = true, progress = true, log = true, json = true,
  prices_path = true, volumes_path = true, stop_after = true }

-- A price or volume file: a path (read once) or a folio.matrix; and the name errors use.
local function panel(v, path, key)
  if type(v) == "string" then return folio.data.read_csv(v), v end
  if folio.is_matrix and folio.is_matrix(v) or (type(v) == "userdata" and v.spans) then return v, path or key end
  fail(key .. " must be a CSV path or a folio.matrix, got " .. type(v), 3)
end

-- Every series: present from its first row to its last without a hole, every value > 0.
local function check_series(m, name, what)
  local dates = m:dates()
  local spans = m:spans()
  for _, s in ipairs(m:symbols()) do
    local sp = spans[s]
    if sp.gap then
      fail(string_format("%s:%d: %s has no %s on %s inside its series (%s to %s): fill the gap or split the symbol",
        name, sp.gap + 1, s, what, dates[sp.gap], dates[sp.first], dates[sp.last]), 3)
    end
    -- (a volume <= 0 is refused too: the rebalance's market would refuse it
    -- mid-run, at the first window holding it, naming no file or line)
    if sp.bad then
      fail(string_format("%s:%d: %s: %s %.10g on %s is not a number > 0", name, sp.bad + 1, s, what,
        m:get(sp.bad, s), dates[sp.bad]), 3)
    end
  end
  for i = 2, #dates do
    if not (dates[i] > dates[i - 1]) then
      fail(string_format("%s:%d: date %s is not after %s", name, i + 1, dates[i], dates[i - 1]), 3)
    end
  end
  return spans
end

-- The first row at or after a date, or the last at or before it.
local function row_at_or_after(dates, d)
  for i = 1, #dates do if dates[i]:sub(1, 10) >= d then return i end end
end
local function row_at_or_before(dates, d)
  for i = #dates, 1, -1 do if dates[i]:sub(1, 10) <= d then return i end end
end

local function check_date_option(v, key)
  if v == nil then return nil end
  if type(v) ~= "string" or not internal.check_date(v) then
    fail(string_format("--%s must be a date YYYY-MM-DD, got '%s'", key, tostring(v)), 3)
  end
  return v
end

-- The rows of history a rebalance on d reads: the most any sleeve's sizers
-- and signals need, the overlay's and the covariance's lookbacks, the ADV
-- window and the cost windows, plus the row returns start from.
local function history_rows(cfg)
  local rb = internal.rebalance
  local need = 0
  local function sizer_need(name, sleeve)
    if name and folio.registry.has(name) then
      need = math_max(need, rb.history_needed(folio.registry.get(name), sleeve.params or {}))
    end
  end
  for _, sleeve in ipairs(cfg.sleeves) do
    sizer_need(sleeve.sizer or sleeve.policy_name, sleeve)
    if not (sleeve.sizer or sleeve.policy_name) then
      for _, sess in pairs(cfg.sessions) do sizer_need(sess.sizer, sleeve) end
    end
    local sig = sleeve.signal or {}
    local name = sig.factor and folio.signals.FACTORS[sig.factor] or sig.name or folio.signals.CLASS_DEFAULT[sleeve.asset_class]
    need = math_max(need, name and folio.signals.ROWS[name] or 0)
  end
  local comp = cfg.composition or {}
  need = math_max(need, comp.hrp_lookback_days or 252, comp.cov_lookback_days or 252, cfg.limits.adv_lookback_days or 0)
  for _, c in pairs(cfg.costs or {}) do need = math_max(need, c.window or 21) end
  return need + 2
end
parts.history_rows = history_rows

-- ---- the panel's columns ------------------------------------------------------------------------


-- The FX conversion of a row, every held name's value on a row (one call
-- to the panel per day; the rebalance's own valuation for FX pairs).
function parts.columns(bt)
  local fx = {}
  for _, sleeve in ipairs(bt.cfg.sleeves) do
    if sleeve.asset_class == "fx" then for _, s in ipairs(sleeve.universe) do fx[s] = true end end
  end
  for s in pairs(bt.cfg.instruments or {}) do fx[s] = true end
  bt.fx = fx
  local function fx_values(r, names)
    local run = { cfg = bt.cfg, prices = bt.prices, row = r, row_date = bt.dates[r], names = names }
    internal.rebalance.value_book(run)
    return run
  end
  function bt.rate_at(s, r)
    if not fx[s] then return 1 end
    return fx_values(r, { [s] = true }).rate[s] or 1
  end
  function bt.units_at(r)
    local plain, fxnames, any = {}, {}, false
    for _, s in ipairs(bt.held_list()) do
      if fx[s] then fxnames[s], any = true, true else plain[#plain + 1] = s end
    end
    local units = bt.prices:row(r, plain)
    if any then
      local run = fx_values(r, fxnames)
      for s in pairs(fxnames) do units[s] = run.unit[s] end
    end
    return units
  end
end

-- ---- the simulated OMS and the ledger ------------------------------------------------------------

-- The book: cash and positions {symbol -> {quantity, avg_price, opened, trip_pnl, unit}}.
-- The OMS the rebalance talks to reads it and queues the orders it accepts.
local function sim_oms(bt)
  local a = {}
  function a.get_positions()
    local list = {}
    for _, s in ipairs(held(bt)) do
      local p = bt.positions[s]
      list[#list + 1] = { symbol = s, quantity = p.quantity, avg_price = p.avg_price, strategy = bt.sleeve_of[s] }
    end
    return list
  end
  function a.get_nav(values)
    local nav = bt.cash
    for _, s in ipairs(held(bt)) do nav = nav + bt.positions[s].quantity * values[s] end
    return nav
  end
  function a.submit(order) bt.queue[#bt.queue + 1] = order end
  return a
end

-- What the rebalance asks of a store, kept in memory: the saved state
-- (guards, drawdown memory, each sleeve's last weights) and the turnover of
-- the last days (the weekly budget).
local function ledger(bt)
  local l = {}
  function l.load_checkpoint() return bt.saved and { state = bt.saved } or nil end
  function l.save_checkpoint(_, c) bt.saved = c.state end
  function l.turnover_since(_, q)
    local total, lo = 0, q.asof - (q.days or 7) * 86400
    for _, t in ipairs(bt.turnover_log) do if t.asof > lo and t.asof <= q.asof then total = total + t.turnover end end
    return total
  end
  function l.record_rebalance(_, rec)
    local log = bt.turnover_log
    log[#log + 1] = { asof = rec.asof, turnover = rec.turnover }
    -- only the last weeks matter
    local keep = {}
    for _, t in ipairs(log) do if t.asof > rec.asof - 31 * 86400 then keep[#keep + 1] = t end end
    bt.turnover_log = keep
  end
  function l.record_snapshot() end
  function l.close() end
  return l
end

-- ---- costs ---------------------------------------------------------------------------------------

-- σ (std of daily simple returns, ddof 1, over the last `window` returns)
-- and ADV (mean price · volume · rate over the last `window` rows) of each
-- name the rebalance on row r trades, whose class has an impact cost: one
-- small slice of the panel for all of them.
local function impact_inputs(bt, r, orders)
  local names, seen, longest = {}, {}, 0
  for _, o in ipairs(orders) do
    local c = bt.costs[bt.class_of[o.symbol] or ""]
    if c and (c.impact or 0) > 0 and not seen[o.symbol] then
      seen[o.symbol] = true
      names[#names + 1] = o.symbol
      longest = math_max(longest, c.window or 21)
    end
  end
  local out = {}
  if #names == 0 then return out end
  table_sort(names)
  local has_volume = {}
  for _, s in ipairs(bt.volumes:symbols()) do has_volume[s] = true end
  local with = {}
  for _, s in ipairs(names) do
    if has_volume[s] then with[#with + 1] = s else bt.warn(string_format("impact cost of %s not charged: no volume column", s)) end
  end
  names = with
  if #names == 0 then return out end
  local first = math_max(1, r - longest)
  local P = bt.prices:slice(first, r):select(names)
  local V = bt.volumes:slice(first, r):select(names)
  local n = r - first + 1
  for _, s in ipairs(names) do
    local window = bt.costs[bt.class_of[s]].window or 21
    local p, v, rate = P:column(s), V:column(s), bt.rate_at(s, r)
    local rets, dollar, n_vol = {}, 0, 0
    for i = math_max(2, n - window + 1), n do
      local a, b = p[i - 1], p[i]
      if a and b then rets[#rets + 1] = b / a - 1 end
    end
    for i = math_max(1, n - window + 1), n do
      if v[i] and p[i] then dollar, n_vol = dollar + p[i] * v[i] * rate, n_vol + 1 end
    end
    local _, sd = internal.mean_std(rets)
    out[s] = { sd = (#rets >= 2) and sd or nil, adv = n_vol > 0 and dollar / n_vol or nil }
  end
  return out
end

-- The cost of trading `notional` (in the fund's currency) of s on row r.
local function trade_costs(bt, s, r, notional, inputs)
  local c = bt.costs[bt.class_of[s] or ""]
  if not c then return 0, 0 end
  local linear = (c.linear_bps or 0) * 1e-4 * notional
  local impact = 0
  if (c.impact or 0) > 0 and notional > 0 then
    local inp = inputs[s]
    local sd, adv = inp and inp.sd, inp and inp.adv
    if sd and adv and adv > 0 then
      impact = c.impact * sd * notional * math_sqrt(notional / adv)
    elseif inp then -- (a name without a volume column was said by impact_inputs)
      bt.warn(string_format("impact cost of %s not charged on some trades: %s in the last %d rows", s,
        sd and "no volume" or "fewer than 3 prices", c.window or 21))
    end
  end
  return linear, impact
end

-- ---- the book ------------------------------------------------------------------------------------

-- Closes a holding trip (a position from its opening to flat or a flip).
local function close_trip(bt, s, p, date)
  bt.add.trips[#bt.add.trips + 1] = { symbol = s, sleeve = bt.sleeve_of[s] or "", opened = p.opened, closed = date,
    holding_days = date_days(date) - date_days(p.opened), pnl = p.trip_pnl }
end

-- Applies a fill of signed quantity q at unit value u (fund currency) on row r.
local function fill(bt, s, q, u, r, linear, impact, reason)
  local date = bt.dates[r]
  local p = bt.positions[s]
  local old = p and p.quantity or 0.0
  local new = old + q
  bt.cash = bt.cash - q * u - linear - impact
  if p and (new == 0 or (old > 0) ~= (new > 0)) then
    p.trip_pnl = p.trip_pnl - linear - impact
    close_trip(bt, s, p, date)
    bt.positions[s] = nil
    bt.held = nil
    p = nil
    if new ~= 0 then
      p = { quantity = new, avg_price = u, opened = date, trip_pnl = 0.0, unit = u }
      bt.positions[s] = p
    end
  elseif p then
    if math_abs(new) > math_abs(old) then p.avg_price = (old * p.avg_price + q * u) / new end
    p.quantity = new
    p.trip_pnl = p.trip_pnl - linear - impact
  elseif new ~= 0 then
    bt.positions[s] = { quantity = new, avg_price = u, opened = date, trip_pnl = -linear - impact, unit = u }
    bt.held = nil
  end
  local sl = bt.sleeve_of[s] or ""
  bt.day_pnl[sl] = (bt.day_pnl[sl] or 0) - linear - impact
  bt.total.linear, bt.total.impact = bt.total.linear + linear, bt.total.impact + impact
  bt.day_cost.linear, bt.day_cost.impact = bt.day_cost.linear + linear, bt.day_cost.impact + impact
  bt.add.trades[#bt.add.trades + 1] = folio.data.csv_row{ date, s, q > 0 and "BUY" or "SELL",
    string_format("%.10g", math_abs(q)), string_format("%.10g", u), string_format("%.2f", math_abs(q) * u),
    string_format("%.4f", linear), string_format("%.4f", impact), sl, reason }
  bt.traded = bt.traded + math_abs(q) * u
end

-- Mark to market at row r's close; interest and borrow over the days since
-- the previous row; names whose prices stopped are closed at their last price.
local function mark(bt, r)
  local date, days = bt.dates[r], 0
  if bt.prev_row then days = bt.days[r] - bt.days[bt.prev_row] end
  bt.day_pnl = {}
  bt.day_cost = { linear = 0, impact = 0, borrow = 0 }
  local units = bt.units_at(r)
  -- interest on the previous close's cash; borrow on the previous close's short notional
  local interest = bt.cash * bt.cash_rate * days / 365
  local borrow = 0
  for _, s in ipairs(held(bt)) do
    local p = bt.positions[s]
    local c = bt.costs[bt.class_of[s] or ""]
    if p.quantity < 0 and c and (c.borrow_rate or 0) > 0 then
      local b = -p.quantity * p.unit * c.borrow_rate * days / 365
      borrow = borrow + b
      p.trip_pnl = p.trip_pnl - b
      local sl = bt.sleeve_of[s] or ""
      bt.day_pnl[sl] = (bt.day_pnl[sl] or 0) - b
    end
  end
  bt.cash = bt.cash + interest - borrow
  bt.day_pnl["\0cash"] = interest
  bt.total.interest, bt.total.borrow = bt.total.interest + interest, bt.total.borrow + borrow
  bt.day_cost.borrow = borrow
  local list = held(bt) -- closing a delisted name below changes bt.held, not this list
  for _, s in ipairs(list) do
    local p = bt.positions[s]
    local u = units[s]
    if u then
      local pnl = p.quantity * (u - p.unit)
      p.trip_pnl = p.trip_pnl + pnl
      p.unit = u
      local sl = bt.sleeve_of[s] or ""
      bt.day_pnl[sl] = (bt.day_pnl[sl] or 0) + pnl
    elseif bt.spans[s] and bt.spans[s].last and bt.spans[s].last < r then
      -- the prices stopped: closed at the last one (no trading cost), reported
      local q = p.quantity
      bt.delisted[#bt.delisted + 1] = { symbol = s, last_price_date = bt.dates[bt.spans[s].last], closed = date,
        quantity = q, price = p.unit }
      fill(bt, s, -q, p.unit, r, 0, 0, "delisted")
    else
      fail(string_format("%s: no value for held %s on %s", bt.prices_name, s, date), 3)
    end
  end
end

local function nav_of(bt)
  local long, short = 0, 0
  for _, s in ipairs(held(bt)) do
    local v = bt.positions[s].quantity * bt.positions[s].unit
    if v > 0 then long = long + v else short = short - v end
  end
  return bt.cash + long - short, long, short
end
parts.nav_of = nav_of

-- ---- one rebalance -------------------------------------------------------------------------------

local function rebalance(bt, r)
  local date = bt.dates[r]
  local due = {}
  for _, sleeve in ipairs(bt.cfg.sleeves) do due[sleeve.name] = bt.sched[sleeve.name][r] or false end
  local first = math_max(1, r - bt.window + 1)
  local pw = bt.prices:slice(first, r)
  local vw = bt.volumes and bt.volumes:slice(first, r) or nil
  -- the panel's returns, computed once: the rows of this window
  local returns = bt.returns and { log = bt.returns.log:slice(first, r - 1), simple = bt.returns.simple:slice(first, r - 1) }
  bt.queue = {}
  local nav_before = nav_of(bt)
  local ok, summary, run = pcall(folio.rebalance.run, { fund = bt.cfg, prices = pw, volumes = vw, oms = bt.oms,
    asof = date, store = bt.ledger, json = true, due = due, loaded = true, returns = returns })
  if not ok then
    local msg = tostring(summary)
    repeat -- the library's chunk positions say nothing to the user
      local before = msg
      msg = msg:gsub("^%[folio%.[%w_]+%]:%d+: ", ""):gsub("^rebalance: ", "")
    until msg == before
    fail(string_format("on %s%s: %s", date, bt.n_rebalances == 0 and " (the first rebalance)" or "", msg), 3)
  end
  bt.n_rebalances = bt.n_rebalances + 1
  local st = bt.timing.stages
  for k, v in pairs(summary.timings or {}) do st[k] = (st[k] or 0) + v end
  bt.traded = 0
  local fills = {}
  for _, o in ipairs(bt.queue) do fills[#fills + 1] = o end
  table_sort(fills, function(a, b) return a.symbol < b.symbol or (a.symbol == b.symbol and a.side < b.side) end)
  local inputs = impact_inputs(bt, r, fills)
  for _, o in ipairs(fills) do
    local q = (o.side == "SELL" and -1 or 1) * o.quantity
    local linear, impact = trade_costs(bt, o.symbol, r, o.quantity * o.price, inputs)
    fill(bt, o.symbol, q, o.price, r, linear, impact, "rebalance")
  end
  local events = 0
  for _, d in ipairs(summary.orders) do if d.decision and d.decision ~= "approved" then events = events + 1 end end
  bt.guard_events = bt.guard_events + events
  local turnover = nav_before > 0 and bt.traded / nav_before or 0
  bt.turnover_total = bt.turnover_total + turnover
  -- weights after the fills, and the rebalance's targets
  local nav = nav_of(bt)
  local names = {}
  for s in pairs(summary.composite or {}) do names[s] = true end
  for s in pairs(bt.positions) do names[s] = true end
  local by_sleeve = {}
  for _, s in ipairs(sorted(names)) do
    local p = bt.positions[s]
    local w = p and p.quantity * p.unit / nav or 0
    local target = summary.composite and summary.composite[s] or 0
    if w ~= 0 or target ~= 0 then
      local sl = bt.sleeve_of[s] or ""
      bt.add.weights[#bt.add.weights + 1] = folio.data.csv_row{ date, s, sl, string_format("%.8f", target),
        string_format("%.8f", w) }
      local e = by_sleeve[sl] or { long = 0, short = 0 }
      by_sleeve[sl] = e
      if w > 0 then e.long = e.long + w else e.short = e.short + w end
    end
  end
  local sessions = {}
  for _, sl in ipairs(summary.sleeves) do sessions[#sessions + 1] = sl.name .. "=" .. (sl.status or "?") end
  bt.add.rebalances[#bt.add.rebalances + 1] = { date = date, turnover = turnover, orders = #fills, guard_events = events,
    linear = bt.day_cost.linear, impact = bt.day_cost.impact, sleeves = by_sleeve, status = table_concat(sessions, " "),
    excluded = #summary.excluded, constrained = summary.turnover.constrained }
  for _, w in ipairs(summary.warnings or {}) do bt.warn(w) end
end

-- ---- the run -------------------------------------------------------------------------------------

local function new_book(cfg, cash_rate)
  return { cash = cfg.fund.nav + 0.0, positions = {}, saved = nil, turnover_log = {}, prev_row = nil, peak = cfg.fund.nav + 0.0,
    n_rebalances = 0, guard_events = 0, turnover_total = 0, cash_rate = cash_rate,
    total = { linear = 0, impact = 0, borrow = 0, interest = 0 }, pnl = {}, delisted = {} }
end

local run_here

--- folio.backtest.run{...} -> the result (summary table); writes --out files when out is given.
--- Errors carry the caller's position, not the library's.
function M.run(args)
  local ok, result, bt = pcall(run_here, args)
  if ok then return result, bt end
  local msg = tostring(result)
  repeat
    local before = msg
    msg = msg:gsub("^%[folio%.[%w_]+%]:%d+: ", "")
  until msg == before
  error(msg, 2)
end

run_here = function(args)
  if type(args) ~= "table" then fail("a table of named arguments is expected", 2) end
  for _, k in ipairs(sorted(args)) do
    if not RUN_KEYS[k] then fail("unknown key '" .. tostring(k) .. "' (expected " .. table_concat(sorted(RUN_KEYS), ", ") .. ")", 2) end
  end
  local clock = folio.clock
  local t_start = clock()
  local cfg = args.fund
  if type(cfg) == "string" then cfg = folio.config.load{ path = cfg, sizers = false } end
  if type(cfg) ~= "table" or not cfg.sleeves then fail("fund must be a fund file path or a folio.config table", 2) end
  if args.prices == nil then fail("prices is required (a CSV path or a folio.matrix)", 2) end
  local prices, prices_name = panel(args.prices, args.prices_path, "prices")
  local volumes, volumes_name
  if args.volumes ~= nil then volumes, volumes_name = panel(args.volumes, args.volumes_path, "volumes") end
  -- traded: the notional filled since the rebalance reset it (a delisting
  -- before the first rebalance of a resumed run fills too)
  local bt = { cfg = cfg, prices = prices, volumes = volumes, prices_name = prices_name, warnings = {}, seen_warning = {},
    traded = 0 }
  function bt.warn(msg)
    if not bt.seen_warning[msg] then bt.seen_warning[msg] = true bt.warnings[#bt.warnings + 1] = msg end
  end
  -- the panel: dates, no gap inside a series, prices > 0, volumes on the same rows
  bt.spans = check_series(prices, prices_name, "price")
  local dates = prices:dates()
  bt.dates = dates
  if volumes then
    check_series(volumes, volumes_name, "volume")
    local vd = volumes:dates()
    if #vd ~= #dates then fail(string_format("%s has %d rows, %s has %d: the volumes must be on the price rows", volumes_name, #vd, prices_name, #dates), 2) end
    for i = 1, #dates do
      if vd[i] ~= dates[i] then fail(string_format("%s:%d: date %s, but %s has %s on that row", volumes_name, i + 1, vd[i], prices_name, dates[i]), 2) end
    end
  end
  -- costs need what they read
  bt.costs = cfg.costs or {}
  for _, class in ipairs(sorted(bt.costs)) do
    if (bt.costs[class].impact or 0) > 0 and not volumes then
      fail(string_format("%s: costs.%s.impact needs volumes (--volumes)", cfg.path or "fund", class), 2)
    end
  end
  -- --out is checked before the replay, not after it
  if args.out ~= nil then
    local info = type(args.out) == "string" and folio.reconcile.file_info(args.out)
    if not info or info.kind ~= "directory" then fail(string_format("--out %s is not a folder", tostring(args.out)), 2) end
  end
  if not volumes and (cfg.limits.capacity_set or (cfg.guards and cfg.guards.max_adv_fraction ~= nil)) then
    fail(string_format("%s: the fund file sets %s, which needs volumes (--volumes)", cfg.path or "fund",
      cfg.limits.capacity_set and "limits.fraction_of_adv/adv_lookback_days" or "guards.max_adv_fraction"), 2)
  end
  local bcfg = cfg.backtest or {}
  local cash_rate = args.cash_rate
  if cash_rate == nil then cash_rate = bcfg.cash_rate or 0 end
  if not is_finite(cash_rate) or cash_rate <= -1 or cash_rate >= 1 then fail("cash_rate must be a number in (-1, 1), got " .. tostring(cash_rate), 2) end
  local every = args.checkpoint_every or bcfg.checkpoint_every or 20
  if math.type(every) ~= "integer" and not (is_finite(every) and every == math_floor(every)) or every < 1 then
    fail("checkpoint_every must be a whole number >= 1, got " .. tostring(every), 2)
  end
  -- an explicit checkpoint_every without a store would do nothing: said, not ignored
  if args.checkpoint_every ~= nil and not args.store then
    fail("checkpoint_every (--checkpoint-every) needs a store to checkpoint to (--store)", 2)
  end
  -- the policies, once; the window of history each rebalance reads
  local loaded = { cfg = cfg, args = { policy_path = args.policy_path } }
  internal.rebalance.load_policies(loaded)
  bt.policy_files = loaded.policy_files
  bt.window = history_rows(cfg)
  -- the range
  local from, to = check_date_option(args.from, "from"), check_date_option(args.to, "to")
  local first_date, last_date = dates[1]:sub(1, 10), dates[#dates]:sub(1, 10)
  if from and to and from > to then fail(string_format("--from %s is after --to %s", from, to), 2) end
  if from and from > last_date then fail(string_format("--from %s is after the last row of %s (%s)", from, prices_name, last_date), 2) end
  if to and to < first_date then fail(string_format("--to %s is before the first row of %s (%s)", to, prices_name, first_date), 2) end
  if from and from < first_date then fail(string_format("--from %s is before the first row of %s (%s)", from, prices_name, first_date), 2) end
  if to and to > last_date then fail(string_format("--to %s is after the last row of %s (%s)", to, prices_name, last_date), 2) end
  local r0 = from and row_at_or_after(dates, from) or math_min(#dates, bt.window)
  local r1 = to and row_at_or_before(dates, to) or #dates
  if r1 < r0 then
    if from then fail(string_format("no price row between --from %s and --to %s in %s", from, to or dates[r1], prices_name), 2) end
    fail(string_format("--to %s is before the default start %s (the first row with the %d rows of history the fund's windows need): "
      .. "give a later --to or an explicit --from", to, dates[r0], bt.window), 2)
  end
  bt.r0, bt.r1 = r0, r1
  -- who is who
  bt.sleeve_of, bt.class_of = {}, {}
  for _, sleeve in ipairs(cfg.sleeves) do
    for _, s in ipairs(sleeve.universe) do
      if not bt.sleeve_of[s] then bt.sleeve_of[s], bt.class_of[s] = sleeve.name, sleeve.asset_class end
    end
  end
  bt.sched, bt.rebalance_rows = {}, {}
  for _, sleeve in ipairs(cfg.sleeves) do
    bt.sched[sleeve.name] = M.schedule(dates, sleeve.rebalance)
    for r in pairs(bt.sched[sleeve.name]) do bt.rebalance_rows[r] = true end
  end
  bt.days = {}
  for i = 1, #dates do bt.days[i] = date_days(dates[i]:sub(1, 10)) end
  parts.columns(bt)
  function bt.held_list() return held(bt) end
  -- returns once for the whole panel (row i: from price row i to i + 1),
  -- unless a row of returns is missing everywhere (then each window computes its own)
  local log_r, simple_r = prices:returns("log"), prices:returns("simple")
  if (log_r:shape()) == #dates - 1 and (simple_r:shape()) == #dates - 1 then bt.returns = { log = log_r, simple = simple_r } end
  -- the book, fresh or from the store's checkpoints
  local book = new_book(cfg, cash_rate)
  for k, v in pairs(book) do bt[k] = v end
  bt.oms, bt.ledger = sim_oms(bt), ledger(bt)
  bt.acc = { nav = {}, trades = {}, weights = {}, costs = {}, trips = {}, contrib = {}, rebalances = {} }
  local store
  if args.store then
    bt.identity = parts.identity(bt, args, from, to) -- digests of the whole panel: only for a store
    store = parts.resume(bt, args)
  end
  local progress = args.progress
  if progress ~= nil and type(progress) ~= "boolean" and type(progress) ~= "function" then
    fail("progress must be true, false or a function(k, n, date), got " .. type(progress), 2)
  end
  if progress == true then
    progress = function(k, n, d) io.stderr:write(string_format("\rbacktest: %s, rebalance %d of %d ", d, k, n)) end
  end
  local start_row = bt.prev_row and bt.prev_row + 1 or r0
  -- the replay
  local total_rebalances = 0
  for r = r0, r1 do if bt.rebalance_rows[r] then total_rebalances = total_rebalances + 1 end end
  local since_checkpoint = 0
  local t_loop = clock()
  bt.timing = { rebalance = 0, mark = 0, checkpoint = 0, stages = {} }
  local ok, err = pcall(function()
    for r = start_row, r1 do
      bt.add = { nav = {}, trades = {}, weights = {}, costs = {}, trips = {}, contrib = {}, rebalances = {} }
      local t0 = clock()
      mark(bt, r)
      local t1 = clock()
      bt.timing.mark = bt.timing.mark + (t1 - t0)
      if bt.rebalance_rows[r] then
        rebalance(bt, r)
        bt.timing.rebalance = bt.timing.rebalance + (clock() - t1)
        since_checkpoint = since_checkpoint + 1
      end
      parts.close_day(bt, r)
      table_sort(bt.add.trades) -- "date,symbol,side,...": by symbol within the day (closes and fills together)
      for k, list in pairs(bt.add) do
        local acc = bt.acc[k]
        if k == "trades" or k == "weights" then
          -- a day's CSV lines as one string: a 20-year run keeps thousands of
          -- strings, not a million (the garbage collector sweeps every one)
          if #list > 0 then acc[#acc + 1] = table_concat(list, "\n") end
        else
          for _, v in ipairs(list) do acc[#acc + 1] = v end
        end
      end
      bt.prev_row = r
      if store and (since_checkpoint >= every or r == r1) and (bt.rebalance_rows[r] or r == r1) then
        local t2 = clock()
        parts.checkpoint(bt, store, r == r1)
        bt.timing.checkpoint = bt.timing.checkpoint + (clock() - t2)
        since_checkpoint = 0
        if args.stop_after and bt.n_rebalances >= args.stop_after then error("stopped after " .. bt.n_rebalances .. " rebalances", 0) end
      end
      if progress and bt.rebalance_rows[r] then
        if type(progress) == "function" then progress(bt.n_rebalances, total_rebalances, dates[r]) end
      end
    end
  end)
  if store then store:close() end
  if args.progress == true then io.stderr:write("\n") end
  if not ok then error(err, 0) end
  bt.timing.loop = clock() - t_loop
  local result = parts.result(bt)
  result.timings = { total = clock() - t_start, loop = bt.timing.loop, rebalance = bt.timing.rebalance,
    mark = bt.timing.mark, checkpoint = bt.timing.checkpoint, stages = bt.timing.stages }
  if args.out then parts.write(bt, result, args.out) end
  if not args.json then M.print_summary(result, args.log or print) end
  return result, bt
end

-- ---- the command -------------------------------------------------------------------------------

--- The `folio backtest` command: options from the command line (strings);
--- returns the exit status.
function M.cli(opts)
  local volumes = opts.volumes
  if not volumes and opts.default_volumes and folio.reconcile.file_info(opts.default_volumes) then
    volumes = opts.default_volumes
  end
  local function number(key, option)
    local v = opts[key]
    if v == nil then return nil end
    local x = tonumber(v)
    if not x then fail(string_format("%s must be a number, got '%s'", option, v)) end
    return x
  end
  local every = number("checkpoint_every", "--checkpoint-every")
  if every and (every < 1 or every ~= math_floor(every)) then
    fail(string_format("--checkpoint-every must be a whole number >= 1, got '%s'", opts.checkpoint_every))
  end
  local cash_rate = number("cash_rate", "--cash-rate")
  if cash_rate and not (cash_rate > -1 and cash_rate < 1) then
    fail(string_format("--cash-rate must be in (-1, 1), got '%s'", opts.cash_rate))
  end
  local result = M.run{ fund = opts.fund, prices = opts.prices, volumes = volumes, from = opts.from, to = opts.to,
    out = opts.out, store = opts.store, checkpoint_every = every and math_floor(every), cash_rate = cash_rate,
    policy_path = opts.policy_path, progress = opts.progress, json = opts.json }
  if opts.json then
    local r = {}
    for k, v in pairs(result) do if k ~= "timings" then r[k] = v end end
    print(folio.store.encode_json(r))
  elseif opts.out then
    print(string_format("wrote nav.csv, trades.csv, weights.csv, costs.csv, summary.json and 4 plots to %s", opts.out))
  end
  return 0
end

return M
