-- folio.report: the sleeve report over a window — per-sleeve P/L, annualised
-- Sharpe, contribution to the fund's return, turnover, and P/L by
-- holding-period bucket; printed as an aligned table (format) and written as
-- CSV (write_csv, in C: lreport.c, atomic rename).
--
-- Definitions (docs/lua-api.md, folio.report):
--   pnl          Π(1 + r_t) − 1 over the window's rows (compounded daily returns)
--   sharpe       mean(r) / std(r) · sqrt(periods_per_year), std with ddof 1;
--                nil with sharpe_note when fewer than 2 rows or std = 0
--   contribution constant allocations {sleeve = a}: a · pnl (the sleeve's
--                share of a buy-and-hold fund); a daily allocation matrix:
--                Σ_t a_{s,t} · r_{s,t} (arithmetic sum of daily contributions)
--   fund.pnl     Σ contributions; share = contribution / fund.pnl (nil when 0)
--   fund.sharpe  of the daily fund returns R_t = Σ_s a_{s,t} · r_{s,t}
-- Rows are sorted by sleeve (bytewise); buckets come in folio.holding order.
--
-- Runs inside the policy sandbox too: every global is captured at load, and
-- folio.* is looked up at call time.
local folio, internal = ...

local pairs, ipairs, type, error, tostring, pcall = pairs, ipairs, type, error, tostring, pcall
local math_type, math_sqrt, math_abs = math.type, math.sqrt, math.abs
local tonumber = tonumber
local string_format, string_match, string_find, string_gsub = string.format, string.match, string.find, string.gsub
local table_concat = table.concat

-- The C helper (lreport.c) that reads a folio.matrix into plain arrays; kept
-- private to this file. folio.report.write_csv is C too (lreport.c).
local matrix_columns = folio.report._matrix_columns
folio.report._matrix_columns = nil

local argerror, check_keys = internal.argerror, internal.check_keys
local check_date, mean_std = internal.check_date, internal.mean_std

-- Sharpe and a note when it is undefined.
local function sharpe_of(xs, ppy)
  local mean, std = mean_std(xs)
  if not std then return nil, "fewer than 2 returns in the window" end
  if std == 0 then return nil, "returns have zero standard deviation" end
  return mean / std * math_sqrt(ppy), nil
end

local SLEEVES_KEYS = {
  sleeve_returns = true, allocations = true, window = true, asof = true,
  periods_per_year = true, turnover = true, trades = true,
}
local WINDOW_KEYS = { from = true, to = true }
local TRADE_KEYS = { sleeve = true, symbol = true, holding_days = true, pnl = true }

-- folio.report.sleeves{sleeve_returns, allocations, window, asof, periods_per_year = 252,
--                      turnover = {sleeve = x}, trades = {{sleeve, symbol, holding_days, pnl}, ...}}
function folio.report.sleeves(args)
  local fname = "report.sleeves"
  check_keys(fname, args, SLEEVES_KEYS, 2)
  local dates, sleeves, columns = matrix_columns(args.sleeve_returns)
  if not dates then
    argerror(fname, string_format("sleeve_returns must be a folio.matrix (rows = dates, columns = sleeves), got %s", type(args.sleeve_returns)), 2)
  end
  local ppy = args.periods_per_year or 252
  if type(ppy) ~= "number" or not (ppy > 0) or ppy == 1 / 0 then
    argerror(fname, "periods_per_year must be a finite number > 0", 2)
  end

  -- the window: inclusive dates
  local asof = args.asof
  if asof ~= nil and not check_date(asof) then argerror(fname, string_format("asof must be a date \"YYYY-MM-DD\", got %s", tostring(asof)), 2) end
  local from, to
  local window = args.window
  if window == "ytd" then
    if not asof then argerror(fname, "window = \"ytd\" needs asof = \"YYYY-MM-DD\"", 2) end
    from, to = string_match(asof, "^%d%d%d%d") .. "-01-01", asof
  elseif type(window) == "table" then
    check_keys(fname, window, WINDOW_KEYS, 2, "window: ")
    from, to = window.from, window.to or asof
    if not check_date(from) then argerror(fname, string_format("window.from must be a date \"YYYY-MM-DD\", got %s", tostring(from)), 2) end
    if not check_date(to) then argerror(fname, string_format("window.to (or asof) must be a date \"YYYY-MM-DD\", got %s", tostring(to)), 2) end
    if from > to then argerror(fname, string_format("window.from %s is after window.to %s", from, to), 2) end
  else
    argerror(fname, string_format("window must be \"ytd\" or {from = \"YYYY-MM-DD\", to = \"YYYY-MM-DD\"}, got %s", tostring(window)), 2)
  end
  local rows = {}
  for i, d in ipairs(dates) do
    if not check_date(d) then argerror(fname, string_format("sleeve_returns row %d is labelled '%s', not a date \"YYYY-MM-DD\"", i, d), 2) end
    if i > 1 and d <= dates[i - 1] then argerror(fname, string_format("sleeve_returns dates are not increasing at row %d (%s)", i, d), 2) end
    if d >= from and d <= to then rows[#rows + 1] = i end
  end
  if #rows == 0 then
    error(string_format("%s: the window %s..%s holds no rows of sleeve_returns (dates %s..%s)", fname, from, to,
      dates[1] or "none", dates[#dates] or "none"), 2)
  end
  for j, s in ipairs(sleeves) do
    for _, i in ipairs(rows) do
      local r = columns[j][i]
      if r ~= r then error(string_format("%s: sleeve_returns of %s on %s is missing", fname, s, dates[i]), 2) end
    end
  end

  -- allocations: {sleeve = a} or a matrix aligned by date
  local alloc = args.allocations
  local alloc_at -- alloc_at(j, i) -> allocation of sleeve j on row i
  local constant = true
  local adates, asleeves, acols = matrix_columns(alloc)
  if adates then
    constant = false
    local arow, acol = {}, {}
    for i, d in ipairs(adates) do arow[d] = i end
    for j, s in ipairs(asleeves) do acol[s] = j end
    for j, s in ipairs(sleeves) do
      if not acol[s] then error(string_format("%s: allocations has no column for sleeve %s", fname, s), 2) end
      for _, i in ipairs(rows) do
        local ai = arow[dates[i]]
        if not ai then error(string_format("%s: allocations has no row for %s", fname, dates[i]), 2) end
        local a = acols[acol[s]][ai]
        if a ~= a then error(string_format("%s: allocation of %s on %s is missing", fname, s, dates[i]), 2) end
      end
    end
    alloc_at = function(j, i) return acols[acol[sleeves[j]]][arow[dates[i]]] end
  elseif type(alloc) == "table" then
    for k, v in pairs(alloc) do
      if type(k) ~= "string" or type(v) ~= "number" or v ~= v or math_abs(v) == 1 / 0 then
        argerror(fname, string_format("allocations must map sleeve names to finite numbers (bad entry %s)", tostring(k)), 2)
      end
    end
    for _, s in ipairs(sleeves) do
      if alloc[s] == nil then error(string_format("%s: allocations has no entry for sleeve %s", fname, s), 2) end
    end
    alloc_at = function(j) return alloc[sleeves[j]] end
  else
    argerror(fname, string_format("allocations must be {sleeve = weight} or a folio.matrix of daily allocations, got %s", type(alloc)), 2)
  end
  local is_sleeve = {}
  for _, s in ipairs(sleeves) do is_sleeve[s] = true end
  if constant then
    for k in pairs(alloc) do
      if not is_sleeve[k] then error(string_format("%s: allocations names %s, which is not a sleeve of sleeve_returns", fname, k), 2) end
    end
  end

  local turnover = args.turnover
  if turnover ~= nil then
    if type(turnover) ~= "table" then argerror(fname, string_format("turnover must be {sleeve = x}, got %s", type(turnover)), 2) end
    for k, v in pairs(turnover) do
      if not is_sleeve[k] then error(string_format("%s: turnover names %s, which is not a sleeve", fname, tostring(k)), 2) end
      if type(v) ~= "number" or not (v >= 0) or v == 1 / 0 then
        argerror(fname, string_format("turnover.%s must be a finite number >= 0", k), 2)
      end
    end
  end

  -- per sleeve, in sorted order
  local col_of, order = {}, {}
  for j, s in ipairs(sleeves) do col_of[s] = j end
  for k, s in ipairs(folio.sorted_keys(col_of)) do order[k] = col_of[s] end -- bytewise, not strcoll
  local report_rows, fund_daily, fund_pnl = {}, {}, 0.0
  for k = 1, #rows do fund_daily[k] = 0.0 end
  for _, j in ipairs(order) do
    local xs, growth, contribution = {}, 1.0, 0.0
    for k, i in ipairs(rows) do
      local r = columns[j][i]
      xs[k] = r
      growth = growth * (1.0 + r)
      local a = alloc_at(j, i)
      fund_daily[k] = fund_daily[k] + a * r
      if not constant then contribution = contribution + a * r end
    end
    local pnl = growth - 1.0
    if constant then contribution = alloc_at(j) * pnl end
    local sharpe, note = sharpe_of(xs, ppy)
    fund_pnl = fund_pnl + contribution
    report_rows[#report_rows + 1] = {
      sleeve = sleeves[j], pnl = pnl, sharpe = sharpe, sharpe_note = note,
      contribution = contribution, turnover = turnover and turnover[sleeves[j]] or nil,
      allocation = constant and alloc_at(j) or nil,
    }
  end
  for _, row in ipairs(report_rows) do
    if fund_pnl ~= 0 then row.share = row.contribution / fund_pnl end
  end
  local fund_sharpe, fund_note = sharpe_of(fund_daily, ppy)
  local fund = { pnl = fund_pnl, contribution = fund_pnl, share = fund_pnl ~= 0 and 1.0 or nil,
                 sharpe = fund_sharpe, sharpe_note = fund_note }

  -- P/L by holding-period bucket
  local buckets = {}
  local trades = args.trades
  if trades ~= nil then
    if type(trades) ~= "table" then argerror(fname, "trades must be an array of {sleeve, symbol, holding_days, pnl}", 2) end
    local holding = folio.holding
    local all = holding.buckets()
    local by_name = {}
    for i, b in ipairs(all) do
      buckets[i] = { bucket = b.name, pnl = 0.0, trades = 0 }
      by_name[b.name] = buckets[i]
    end
    local n = #trades
    for k in pairs(trades) do
      if math_type(k) ~= "integer" or k < 1 or k > n then argerror(fname, string_format("trades must be an array (key %s)", tostring(k)), 2) end
    end
    for i = 1, n do
      local t = trades[i]
      if type(t) ~= "table" then argerror(fname, string_format("trades[%d] must be a table", i), 2) end
      check_keys(fname, t, TRADE_KEYS, 2, string_format("trades[%d]: ", i))
      if t.sleeve ~= nil and not is_sleeve[t.sleeve] then
        error(string_format("%s: trades[%d] names sleeve %s, which is not a sleeve", fname, i, tostring(t.sleeve)), 2)
      end
      if type(t.pnl) ~= "number" or t.pnl ~= t.pnl or math_abs(t.pnl) == 1 / 0 then
        argerror(fname, string_format("trades[%d].pnl must be a finite number", i), 2)
      end
      if type(t.holding_days) ~= "number" then argerror(fname, string_format("trades[%d].holding_days must be a number", i), 2) end
      local ok, b = pcall(holding.classify, t.holding_days)
      if not ok then argerror(fname, string_format("trades[%d].holding_days: %s", i, tostring(b)), 2) end
      local slot = by_name[b.name]
      slot.pnl = slot.pnl + t.pnl
      slot.trades = slot.trades + 1
    end
  end

  return {
    rows = report_rows, fund = fund, buckets = buckets,
    window = { from = from, to = to, days = #rows }, asof = asof or to,
    periods_per_year = ppy,
  }
end

-- folio.report.format(report) -> aligned text: the sleeve table with a fund
-- line, then P/L by holding bucket when the report has buckets.
function folio.report.format(report)
  local fname = "report.format"
  if type(report) ~= "table" or type(report.rows) ~= "table" or type(report.fund) ~= "table" then
    argerror(fname, "a report from folio.report.sleeves expected", 2)
  end
  local rows = {}
  local function cell(x) if x == nil then return "n/a" end return x end
  for i, r in ipairs(report.rows) do
    rows[i] = { sleeve = r.sleeve, pnl = r.pnl, sharpe = cell(r.sharpe), contribution = r.contribution,
                share = cell(r.share), turnover = cell(r.turnover) }
  end
  local f = report.fund
  rows[#rows + 1] = { sleeve = "fund", pnl = f.pnl, sharpe = cell(f.sharpe), contribution = f.contribution,
                      share = cell(f.share), turnover = "" }
  local out = {}
  local w = report.window or {}
  out[1] = string_format("Sleeve report %s..%s (%s days)\n", tostring(w.from), tostring(w.to), tostring(w.days))
  out[2] = folio.format_table{
    columns = { "sleeve", "pnl", "sharpe", "contribution", "share", "turnover" },
    rows = rows,
    formats = { pnl = "%.4f", sharpe = "%.2f", contribution = "%.4f", share = "%.4f", turnover = "%.4f" },
  }
  if type(report.buckets) == "table" and #report.buckets > 0 then
    out[3] = "\nP/L by holding period\n"
    out[4] = folio.format_table{
      columns = { "bucket", "pnl", "trades" },
      rows = report.buckets,
      formats = { pnl = "%.2f", trades = "%d" },
    }
  end
  return table_concat(out)
end

-- The shortest of %.15g/%.16g/%.17g that reads back to the same double.
local function num(x)
  if x == nil then return "" end
  if math_type(x) == "integer" then return string_format("%d", x) end
  for _, f in ipairs({ "%.15g", "%.16g" }) do
    local s = string_format(f, x)
    if tonumber(s) == x then return s end
  end
  return string_format("%.17g", x)
end

-- RFC 4180 quoting for a text cell.
local function text(s)
  s = tostring(s)
  if string_find(s, '[,"\r\n]') then return '"' .. string_gsub(s, '"', '""') .. '"' end
  return s
end

-- folio.report.csv(report) -> the CSV text write_csv writes:
--   kind,name,pnl,sharpe,contribution,share,turnover,trades
-- one "sleeve" line per sleeve (sorted), one "fund" line, then one "bucket"
-- line per holding bucket (bucket order); empty cells for undefined values.
function folio.report.csv(report)
  if type(report) ~= "table" or type(report.rows) ~= "table" or type(report.fund) ~= "table" then
    argerror("report.csv", "a report from folio.report.sleeves expected", 2)
  end
  local by_name, rows = {}, {}
  for i, r in ipairs(report.rows) do
    if type(r) ~= "table" or type(r.sleeve) ~= "string" or by_name[r.sleeve] then
      argerror("report.csv", string_format("rows[%d] must have a distinct sleeve name", i), 2)
    end
    by_name[r.sleeve] = r
  end
  for i, name in ipairs(folio.sorted_keys(by_name)) do rows[i] = by_name[name] end -- bytewise
  local out = { "kind,name,pnl,sharpe,contribution,share,turnover,trades" }
  for _, r in ipairs(rows) do
    out[#out + 1] = table_concat({ "sleeve", text(r.sleeve), num(r.pnl), num(r.sharpe), num(r.contribution),
      num(r.share), num(r.turnover), "" }, ",")
  end
  local f = report.fund
  out[#out + 1] = table_concat({ "fund", "fund", num(f.pnl), num(f.sharpe), num(f.contribution), num(f.share), "", "" }, ",")
  for _, b in ipairs(report.buckets or {}) do
    out[#out + 1] = table_concat({ "bucket", text(b.bucket), num(b.pnl), "", "", "", "", num(b.trades) }, ",")
  end
  return table_concat(out, "\n") .. "\n"
end
