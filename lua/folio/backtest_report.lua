-- What a backtest reports (part of folio.backtest, docs/backtest.md section
-- 4): each day's NAV row, the result (statistics, turnover, costs by kind,
-- hit rate, attribution by sleeve and by holding-period bucket), the files
-- of --out (CSV, summary.json, SVG plots) and the printed summary.
local folio, internal = ...

local pairs, ipairs, type, tostring = pairs, ipairs, type, tostring
local string_format, table_concat, table_sort = string.format, table.concat, table.sort
local math_abs, math_sqrt, math_max = math.abs, math.sqrt, math.max
local parts = internal.backtest
local fail = parts.fail
local is_finite = internal.is_finite

local function sorted(t) return folio.sorted_keys(t) end

-- The end of a day: the NAV row, each sleeve's contribution to the day's
-- return (its P/L over the previous close's NAV), the day's costs.
function parts.close_day(bt, r)
  local date = bt.dates[r]
  local nav, long, short = parts.nav_of(bt)
  if not is_finite(nav) or nav <= 0 then
    fail(string_format("on %s the NAV is %s: the fund has lost everything (costs, leverage or prices)", date, tostring(nav)), 3)
  end
  local prev = bt.last_nav or bt.cfg.fund.nav
  if nav > bt.peak then bt.peak = nav end
  bt.add.nav[#bt.add.nav + 1] = { date, nav, bt.cash, (long + short) / nav, (long - short) / nav, 1 - nav / bt.peak }
  local c = {}
  for i, sleeve in ipairs(bt.cfg.sleeves) do
    local p = bt.day_pnl[sleeve.name] or 0
    c[i] = p / prev
    bt.pnl[sleeve.name] = (bt.pnl[sleeve.name] or 0) + p
  end
  c[#bt.cfg.sleeves + 1] = (bt.day_pnl["\0cash"] or 0) / prev
  bt.add.contrib[#bt.add.contrib + 1] = c
  local k = bt.day_cost
  if k.linear ~= 0 or k.impact ~= 0 or k.borrow ~= 0 then
    bt.add.costs[#bt.add.costs + 1] = { date, k.linear, k.impact, k.borrow }
  end
  bt.last_nav = nav
end

-- Covariance (ddof 1) of two equal-length lists.
local function cov(a, b)
  local n = #a
  if n < 2 then return 0 end
  local ma, mb = 0, 0
  for i = 1, n do ma, mb = ma + a[i], mb + b[i] end
  ma, mb = ma / n, mb / n
  local s = 0
  for i = 1, n do s = s + (a[i] - ma) * (b[i] - mb) end
  return s / (n - 1)
end

--- The result of a backtest: plain data, sorted, ready for JSON.
function parts.result(bt)
  local acc, cfg = bt.acc, bt.cfg
  if #acc.nav < 2 then
    fail(string_format("the range %s to %s holds %d row(s) of prices: a backtest needs at least 2", bt.dates[bt.r0],
      bt.dates[bt.r1], #acc.nav), 3)
  end
  local dates, navs = {}, {}
  for i, row in ipairs(acc.nav) do dates[i], navs[i] = row[1], row[2] end
  -- the statistics start from the starting capital at the previous row's
  -- close (so the first day's costs count), as the drawdown column and the
  -- contributions do; without a previous row, from the first NAV row
  local sd, sn = dates, navs
  if bt.r0 > 1 then
    sd, sn = { bt.dates[bt.r0 - 1] }, { cfg.fund.nav }
    for i = 1, #dates do sd[i + 1], sn[i + 1] = dates[i], navs[i] end
  end
  local stats = folio.backtest.statistics{ dates = sd, nav = sn }
  local years = stats.years
  local mean_nav = 0
  for _, v in ipairs(navs) do mean_nav = mean_nav + v end
  mean_nav = mean_nav / #navs
  local per_year = function(x) return years > 0 and x / years or nil end
  local t = bt.total
  local costs = {
    linear = { total = t.linear, annual_fraction = per_year(t.linear / mean_nav) },
    impact = { total = t.impact, annual_fraction = per_year(t.impact / mean_nav) },
    borrow = { total = t.borrow, annual_fraction = per_year(t.borrow / mean_nav) },
  }
  -- holding trips: closed ones, and the open ones as of the last row
  local trips = {}
  for _, tr in ipairs(acc.trips) do trips[#trips + 1] = tr end
  local last = dates[#dates]
  for _, s in ipairs(sorted(bt.positions)) do
    local p = bt.positions[s]
    trips[#trips + 1] = { symbol = s, sleeve = bt.sleeve_of[s] or "", opened = p.opened, closed = nil,
      holding_days = internal.date_days(last) - internal.date_days(p.opened), pnl = p.trip_pnl, open = true }
  end
  local wins, closed = 0, 0
  for _, tr in ipairs(acc.trips) do
    closed = closed + 1
    if tr.pnl > 0 then wins = wins + 1 end
  end
  local buckets, by_bucket = {}, {}
  for i, b in ipairs(folio.holding.buckets()) do
    buckets[i] = { bucket = b.name, pnl = 0, trips = 0 }
    by_bucket[b.name] = buckets[i]
  end
  for _, tr in ipairs(trips) do
    local b = by_bucket[folio.holding.classify(tr.holding_days).name]
    b.pnl, b.trips = b.pnl + tr.pnl, b.trips + 1
  end
  -- attribution: each sleeve's P/L, its contribution to return (Σ daily
  -- contributions) and to risk (cov(c_s, r) / var(r), the Euler shares of the
  -- variance of the daily return, which sum to 1 with cash and costs)
  local K = #cfg.sleeves
  local series, total = {}, {}
  for k = 1, K + 1 do series[k] = {} end
  for i, c in ipairs(acc.contrib) do
    local sum = 0
    for k = 1, K + 1 do series[k][i] = c[k] sum = sum + c[k] end
    total[i] = sum
  end
  local var = cov(total, total)
  local attribution = {}
  local function attr(name, k, pnl)
    local contrib = 0
    for _, x in ipairs(series[k]) do contrib = contrib + x end
    local share = var > 0 and cov(series[k], total) / var or nil
    attribution[#attribution + 1] = { sleeve = name, pnl = pnl, contribution = contrib, risk_share = share,
      volatility_contribution = share and stats.volatility and share * stats.volatility or nil }
  end
  for k, sleeve in ipairs(cfg.sleeves) do attr(sleeve.name, k, bt.pnl[sleeve.name] or 0) end
  attr("cash and costs", K + 1, t.interest)
  local summary = {
    fund = cfg.fund.id, from = dates[1], to = last, start_nav = cfg.fund.nav, end_nav = navs[#navs],
    statistics = stats, rebalances = bt.n_rebalances,
    turnover = { total = bt.turnover_total, annual = per_year(bt.turnover_total) },
    costs = costs, interest = t.interest, cash_rate = bt.cash_rate,
    hit_rate = closed > 0 and wins / closed or nil, closed_trips = closed, open_positions = #trips - closed,
    guard_events = bt.guard_events, attribution = attribution, buckets = buckets,
    delisted = bt.delisted, warnings = bt.warnings,
  }
  return summary
end

-- ---- files ---------------------------------------------------------------------------------------

local function csv(header, rows)
  local out = { header .. "\n" }
  for _, r in ipairs(rows) do out[#out + 1] = r .. "\n" end
  return table_concat(out)
end

local function write(dir, name, text)
  local ok, why = folio.reconcile.write_file(dir .. "/" .. name, text)
  if not ok then fail(tostring(why), 3) end
end

parts.FILES = { "nav.csv", "trades.csv", "weights.csv", "costs.csv", "summary.json", "equity.svg", "weights.svg",
  "turnover_costs.svg", "contributions.svg" }

-- The files of --out (docs/backtest.md section 5), each written atomically.
function parts.write(bt, result, dir)
  local info = folio.reconcile.file_info(dir)
  if not info or info.kind ~= "directory" then fail(string_format("--out %s is not a folder", dir), 3) end
  -- a run killed while writing leaves a temporary file beside its target: gone now
  for _, name in ipairs(folio.reconcile.list_dir(dir) or {}) do
    for _, f in ipairs(parts.FILES) do
      if name:sub(1, #f + 5) == f .. ".tmp." then os.remove(dir .. "/" .. name) end
    end
  end
  local acc = bt.acc
  local rows = {}
  for i, n in ipairs(acc.nav) do
    rows[i] = string_format("%s,%.2f,%.2f,%.6f,%.6f,%.6f", n[1], n[2], n[3], n[4], n[5], n[6])
  end
  write(dir, "nav.csv", csv("date,nav,cash,gross,net,drawdown", rows))
  write(dir, "trades.csv", csv("date,symbol,side,quantity,price,notional,linear_cost,impact_cost,sleeve,reason", acc.trades))
  write(dir, "weights.csv", csv("date,symbol,sleeve,target,weight", acc.weights))
  rows = {}
  for i, c in ipairs(acc.costs) do
    rows[i] = string_format("%s,%.4f,%.4f,%.4f,%.4f", c[1], c[2], c[3], c[4], c[2] + c[3] + c[4])
  end
  write(dir, "costs.csv", csv("date,linear,impact,borrow,total", rows))
  local s = {}
  for k, v in pairs(result) do if k ~= "timings" then s[k] = v end end
  write(dir, "summary.json", folio.store.encode_json(s) .. "\n")
  parts.plots(bt, result, dir, write)
end

-- ---- plots ---------------------------------------------------------------------------------------

function parts.plots(bt, result, dir, put)
  local acc, cfg = bt.acc, bt.cfg
  local x, nav, dd = {}, {}, {}
  for i, n in ipairs(acc.nav) do x[i], nav[i], dd[i] = n[1], n[2], -n[6] end
  put(dir, "equity.svg", folio.plot.figure{ title = cfg.fund.id .. ": equity and drawdown", panels = {
    { kind = "line", title = "NAV (" .. (cfg.fund.currency or "USD") .. ")", x = x, series = { { name = "NAV", values = nav } } },
    { kind = "area", title = "drawdown", x = x, percent = true, series = { { name = "drawdown", values = dd } }, height = 200 },
  } })
  -- weights: each sleeve's long and short weight after each rebalance
  local rx, wseries = {}, {}
  for k, sleeve in ipairs(cfg.sleeves) do
    wseries[2 * k - 1] = { name = sleeve.name .. " long", values = {} }
    wseries[2 * k] = { name = sleeve.name .. " short", values = {} }
  end
  local turnover, linear, impact = {}, {}, {}
  for i, rb in ipairs(acc.rebalances) do
    rx[i] = rb.date
    for k, sleeve in ipairs(cfg.sleeves) do
      local e = rb.sleeves[sleeve.name] or {}
      wseries[2 * k - 1].values[i] = e.long or 0
      wseries[2 * k].values[i] = e.short or 0
    end
    turnover[i], linear[i], impact[i] = rb.turnover, rb.linear, rb.impact
  end
  if #rx == 0 then -- no rebalance in the range: the same charts, flat, over the NAV dates
    for i, d in ipairs(x) do
      rx[i], turnover[i], linear[i], impact[i] = d, 0, 0, 0
      for _, s in ipairs(wseries) do s.values[i] = 0 end
    end
  end
  do
    put(dir, "weights.svg", folio.plot.area{ title = cfg.fund.id .. ": weights by sleeve after each rebalance", x = rx,
      series = wseries, percent = true })
    put(dir, "turnover_costs.svg", folio.plot.figure{ title = cfg.fund.id .. ": turnover and costs", panels = {
      { kind = "bars", title = "turnover per rebalance (fraction of NAV)", x = rx, series = { { name = "turnover", values = turnover } }, percent = true },
      { kind = "bars", title = "trading costs per rebalance (" .. (cfg.fund.currency or "USD") .. ")", x = rx,
        series = { { name = "linear", values = linear }, { name = "impact", values = impact } } },
    } })
  end
  -- cumulative contribution of each sleeve (and cash and costs) to return
  local cseries = {}
  for k, sleeve in ipairs(cfg.sleeves) do cseries[k] = { name = sleeve.name, values = {} } end
  cseries[#cfg.sleeves + 1] = { name = "cash and costs", values = {} }
  local run = {}
  for i, c in ipairs(acc.contrib) do
    for k = 1, #cseries do
      run[k] = (run[k] or 0) + c[k]
      cseries[k].values[i] = run[k]
    end
  end
  put(dir, "contributions.svg", folio.plot.line{ title = cfg.fund.id .. ": cumulative contribution to return", x = x,
    series = cseries, percent = true })
end

-- ---- the printed summary -------------------------------------------------------------------------

local function pct(x) return x and string_format("%.2f%%", 100 * x) or "n/a" end
local function num(x, f) return x and string_format(f or "%.2f", x) or "n/a" end

--- Prints a backtest's result through log (sorted, stable).
function folio.backtest.print_summary(r, log)
  log = log or print
  local s = r.statistics
  log(string_format("backtest of %s from %s to %s: %d rebalances, NAV %.2f -> %.2f", r.fund, r.from, r.to, r.rebalances,
    r.start_nav, r.end_nav))
  log(string_format("  CAGR %s  volatility %s  Sharpe %s  Sortino %s", pct(s.cagr), pct(s.volatility), num(s.sharpe),
    num(s.sortino)))
  log(string_format("  max drawdown %s (peak %s, trough %s, recovered %s)  Calmar %s", pct(s.max_drawdown),
    s.max_drawdown_peak or "-", s.max_drawdown_trough or "-", s.max_drawdown_recovery or "not yet", num(s.calmar)))
  log(string_format("  turnover %s a year  costs a year: linear %s, impact %s, borrow %s of NAV  interest %.2f",
    num(r.turnover.annual), pct(r.costs.linear.annual_fraction), pct(r.costs.impact.annual_fraction),
    pct(r.costs.borrow.annual_fraction), r.interest))
  log(string_format("  hit rate %s of %d closed trips (%d still open)  guard events %d", pct(r.hit_rate), r.closed_trips,
    r.open_positions, r.guard_events))
  for _, a in ipairs(r.attribution) do
    log(string_format("  %-24s P/L %14.2f  contribution %8s  risk share %8s", a.sleeve, a.pnl, pct(a.contribution),
      pct(a.risk_share)))
  end
  for _, b in ipairs(r.buckets) do
    if b.trips > 0 then log(string_format("  holding %-10s P/L %14.2f over %d trips", b.bucket, b.pnl, b.trips)) end
  end
  for _, d in ipairs(r.delisted) do
    log(string_format("  delisted %s: last price %s, %.10g closed on %s at %.6g", d.symbol, d.last_price_date, d.quantity,
      d.closed, d.price))
  end
  for _, w in ipairs(r.warnings) do log("  note: " .. w) end
end
