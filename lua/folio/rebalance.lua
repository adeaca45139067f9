-- folio.rebalance: the weekly multi-sleeve rebalance, end to end.
--
--   folio.rebalance.run{fund =, market =, oms =, asof =, store =, dry_run =}
--
-- 1. each sleeve's policy sizes its universe from a signal (see SIGNALS) for
--    its share of NAV, when the sleeve is due (rebalance frequency) — else
--    its last recorded weights are kept;
-- 2. the sleeves are composed (overlay, turnover budget from the event store,
--    ADV capacity as bounds);
-- 3. the composite is diffed against the OMS's positions into orders, the
--    guards decide every order, approved orders go to the OMS;
-- 4. one store transaction records the rebalance; a snapshot and a
--    checkpoint (guard and portfolio state) follow.
-- The OMS is a table of functions (get_positions, get_nav, submit), so a
-- user replaces one table to reach a real broker; folio.oms.file is the
-- built-in adapter for CSV files.
local folio = ...

local pairs, ipairs, type, error, tostring, tonumber = pairs, ipairs, type, error, tostring, tonumber
local string_format, table_concat, table_sort = string.format, table.concat, table.sort
local math_abs, math_max, math_min, math_huge, math_floor = math.abs, math.max, math.min, math.huge, math.floor

local M = {}
folio.rebalance = M
local oms = {}
folio.oms = oms

local function fail(msg, level) error("rebalance: " .. msg, level or 2) end

local function sorted(t) return folio.sorted_keys(t) end

-- ---- signals -----------------------------------------------------------------------------------
-- The sample data has prices and volumes only, so each factor named in a
-- sleeve's params maps to a price-based signal (documented in
-- docs/rebalance.md). R are daily log returns; names without a complete
-- history over `need` rows get no signal (folio.missing).
local SIGNALS = {
  -- 12-1 momentum: the mean log return from 252 to 21 rows back
  momentum_12_1 = function(R, syms)
    return R:select(syms, 252):head(231):mean(), 252
  end,
  -- short-term mean reversion: minus the last 5 days' mean return
  reversal_5 = function(R, syms)
    local m = R:select(syms, 5):mean()
    for s, v in pairs(m) do m[s] = -v end
    return m, 5
  end,
  -- trend over 63 rows (a stand-in for carry: the sample data has no rates)
  trend_63 = function(R, syms)
    return R:select(syms, 63):mean(), 63
  end,
}
local FACTOR_SIGNAL = {
  f_momentum_12_1 = "momentum_12_1",
  f_crypto_realized_vol = "reversal_5",
  f_fx_carry = "trend_63",
}
local CLASS_SIGNAL = { equities = "momentum_12_1", crypto = "reversal_5", fx = "trend_63", futures = "trend_63" }
M.signals = SIGNALS

-- The sizing history a sleeve's sizer needs (rows of complete returns).
local function history_needed(params)
  return math_max(params.cov_window or 252, params.vol_window or 63)
end

-- ---- helpers --------------------------------------------------------------------------------------

local function week_of(epoch) return math_floor((epoch / 86400 + 3) / 7) end -- Monday-based weeks
local function month_of(epoch) local d = os and os.date and os.date("!*t", epoch) return d and (d.year * 12 + d.month) end

-- Whether a sleeve with frequency `freq` is due at `asof` after `last` (epoch seconds or nil).
local function due(freq, asof, last)
  if not last then return true end
  if freq == "daily" then return asof - last >= 86400 end
  if freq == "weekly" then return week_of(asof) ~= week_of(last) end
  if freq == "monthly" then return month_of(asof) ~= month_of(last) end
  if freq == "quarterly" then
    local a, l = month_of(asof), month_of(last)
    return math_floor((a - 1) / 3) ~= math_floor((l - 1) / 3)
  end
  return true
end

local function parse_date(label)
  return folio.session.parse_asof(label:match("^%d%d%d%d%-%d%d%-%d%d$") and (label .. "T00:00:00Z") or label)
end

-- Checks a plain-data config section against the keys it may have.
local function section(cfg, name, allowed)
  local t = cfg[name] or {}
  for k in pairs(t) do
    if allowed[k] == nil then
      local names = {}
      for a in pairs(allowed) do names[#names + 1] = a end
      table_sort(names)
      fail(string_format("fund file: unknown key '%s' in %s (expected %s)", tostring(k), name, table_concat(names, ", ")), 3)
    end
    if type(t[k]) ~= allowed[k] then
      fail(string_format("fund file: %s.%s must be a %s, got %s", name, k, allowed[k], type(t[k])), 3)
    end
  end
  return t
end

-- ---- the rebalance ----------------------------------------------------------------------------------

-- Sizes one sleeve; returns its weights (fractions of the sleeve's capital).
local function size_sleeve(sleeve, R, market, nav)
  local params = {}
  for k, v in pairs(sleeve.params or {}) do params[k] = v end
  local factor = params.factor
  params.factor = nil
  -- a named factor or signal must exist: never a silent fall-back to another one
  if factor ~= nil and params.signal == nil and not FACTOR_SIGNAL[factor] then
    fail(string_format("sleeve '%s': unknown factor '%s' (known factors: %s)", sleeve.name,
      tostring(factor), table_concat(sorted(FACTOR_SIGNAL), ", ")), 3)
  end
  local signal_name = params.signal or FACTOR_SIGNAL[factor] or CLASS_SIGNAL[sleeve.asset_class]
  params.signal = nil
  local fn = SIGNALS[signal_name]
  if not fn then
    fail(string_format("sleeve '%s': unknown signal '%s' (known signals: %s)", sleeve.name,
      tostring(signal_name), table_concat(sorted(SIGNALS), ", ")), 3)
  end
  local universe = sleeve.universe
  local have = {}
  for _, s in ipairs(R:symbols()) do have[s] = true end
  for _, s in ipairs(universe) do
    if not have[s] then fail(string_format("sleeve '%s': symbol '%s' is not in the prices", sleeve.name, s), 3) end
  end
  local raw, sig_rows = fn(R, universe)
  local need = math_max(sig_rows, history_needed(params))
  local complete = R:select(universe, need):complete_columns()
  local signal, n_active = {}, 0
  for _, s in ipairs(universe) do
    if complete[s] and raw[s] ~= nil then
      signal[s] = raw[s]
      n_active = n_active + 1
    else
      signal[s] = folio.missing
    end
  end
  if n_active < 2 then fail(string_format("sleeve '%s': fewer than 2 names with %d rows of history", sleeve.name, need), 3) end
  local sizer = folio.registry.get(sleeve.policy or sleeve.sizer)
  local ctx = { signal = signal, returns = R:select(universe, math_min(need, (R:shape()))), nav_usd = nav * sleeve.allocation, market = market }
  local res = sizer:run(ctx, params)
  return res.weights, res.info
end

-- Daily returns of each sleeve (constant current weights over the window),
-- as a matrix with one column per sleeve: the overlay's input.
local function sleeve_returns(simple, sleeve_weights, names, rows)
  local window = simple:tail(rows)
  local cols, series = {}, {}
  for k, name in ipairs(names) do
    cols[k] = name
    series[k] = window:dot(sleeve_weights[name])
  end
  local n = window:shape()
  local data = { rows = window:dates(), cols = cols }
  for t = 1, n do
    local row = {}
    for k = 1, #names do row[k] = series[k]:get(t, 1) end
    data[t] = row
  end
  return folio.matrix(data)
end

--- folio.rebalance.run{fund = cfg (folio.config table) | path, market = md, oms = adapter,
---                     asof = "YYYY-MM-DD" (default: the last price date), store = path | nil,
---                     dry_run = false, log = function(line) (default print)}
--- -> summary table (also printed line by line through log)
function M.run(args)
  if type(args) ~= "table" then fail("a table of named arguments is expected") end
  local known = { fund = true, market = true, oms = true, asof = true, store = true, dry_run = true, log = true }
  for k in pairs(args) do
    if not known[k] then fail("unknown key '" .. tostring(k) .. "' (expected asof, dry_run, fund, log, market, oms, store)") end
  end
  local cfg = args.fund
  if type(cfg) == "string" then cfg = folio.config.load(cfg) end
  if type(cfg) ~= "table" or not cfg.sleeves then fail("fund must be a fund file path or folio.config table") end
  local market, adapter = args.market, args.oms
  if market == nil then fail("market is required (folio.data.read_market{...})") end
  if type(adapter) ~= "table" then fail("oms must be a table with get_positions, get_nav and submit") end
  for _, f in ipairs{ "get_positions", "get_nav", "submit" } do
    if type(adapter[f]) ~= "function" then fail("oms." .. f .. " must be a function") end
  end
  local log = args.log or print
  local clock = folio.clock
  local t0 = clock()
  local timings = {}
  local function phase(name, since) local now = clock() timings[name] = now - since return now end
  local prices = market:prices()
  local dates = prices:dates()
  local asof_label = args.asof or dates[#dates]
  local asof_row
  for i = #dates, 1, -1 do if dates[i] == asof_label then asof_row = i break end end
  if not asof_row then fail("asof '" .. tostring(asof_label) .. "' is not a date of the prices") end
  if asof_row < #dates then prices = prices:head(asof_row) end
  local asof = parse_date(asof_label)
  local R = prices:returns("log")
  local simple = prices:returns("simple")
  local comp = cfg.composition or { overlay = "equal", hrp_lookback_days = 252, cov_lookback_days = 252 }
  local gcfg = section(cfg, "guards", { max_leverage = "number", max_drawdown = "number", cooloff_days = "number",
    rearm_drawdown = "number", max_adv_fraction = "number", mode = "string" })
  local ocfg = section(cfg, "orders", { min_notional = "number", lot_size = "number", fractional = "table" })

  -- the store: previous sleeve weights, turnover already traded, checkpoint
  local st = args.store and folio.store.open{ path = args.store }
  local checkpoint = st and st:load_checkpoint()
  local saved = checkpoint and checkpoint.state or {}
  local previous = saved.sleeves or {}

  -- the book
  local positions = adapter.get_positions()
  local nav = adapter.get_nav()
  if type(nav) ~= "number" or not (nav > 0) then fail("the OMS reported a NAV that is not > 0: " .. tostring(nav)) end
  local px = {}
  local universe_all = {}
  for _, sleeve in ipairs(cfg.sleeves) do for _, s in ipairs(sleeve.universe) do universe_all[s] = true end end
  for _, p in ipairs(positions) do universe_all[p.symbol] = true end
  for _, s in ipairs(sorted(universe_all)) do
    local ok, v = pcall(prices.get, prices, asof_row, s)
    if not ok then fail("symbol '" .. s .. "' has no price column") end
    if v == nil then fail(string_format("no price for %s on the rebalance date %s (a gap in the prices)", s, asof_label)) end
    px[s] = v
  end

  local t = phase("inputs", t0)
  -- 1. sleeves
  local sleeve_weights, sized, names = {}, {}, {}
  for _, sleeve in ipairs(cfg.sleeves) do
    names[#names + 1] = sleeve.name
    local prev = previous[sleeve.name]
    if prev and not due(sleeve.rebalance, asof, prev.asof) then
      sleeve_weights[sleeve.name] = prev.weights
      sized[sleeve.name] = "kept (" .. sleeve.rebalance .. ", sized " .. os.date("!%Y-%m-%d", prev.asof) .. ")"
    else
      sleeve_weights[sleeve.name] = size_sleeve(sleeve, R, market, nav)
      sized[sleeve.name] = "sized"
    end
  end

  t = phase("sleeves", t)
  -- 2. composition: overlay, capacity bounds, turnover budget
  local sleeves = {}
  for _, sleeve in ipairs(cfg.sleeves) do
    sleeves[sleeve.name] = { weights = sleeve_weights[sleeve.name], allocation = sleeve.allocation }
  end
  local current = {}
  for _, p in ipairs(positions) do
    current[p.symbol] = (current[p.symbol] or 0) + p.quantity * px[p.symbol] / nav
  end
  local caps, caps_usd = {}, {}
  local limits = cfg.limits or {}
  for s in pairs(universe_all) do
    local c = market:position_capacity{ symbol = s, nav_usd = nav, fraction_of_adv = limits.fraction_of_adv or 0.01,
      adv_lookback_days = limits.adv_lookback_days or 21 }
    caps_usd[s] = c.cap_usd
    caps[s] = math_min(c.cap_weight, limits.max_position_weight or math_huge)
  end
  local compose_args = { sleeves = sleeves, overlay = comp.overlay, caps = caps }
  if comp.overlay ~= "equal" then
    compose_args.sleeve_returns = sleeve_returns(simple, sleeve_weights, names, math_min(comp.hrp_lookback_days, (simple:shape())))
    compose_args.hrp_lookback_days = comp.hrp_lookback_days
  end
  local turnover_used = 0
  if comp.max_weekly_turnover then
    turnover_used = st and st:turnover_since{ asof = asof, days = 7 } or 0
    compose_args.max_weekly_turnover = comp.max_weekly_turnover
    compose_args.turnover_used = turnover_used
    compose_args.current = current
    local syms = sorted(universe_all)
    compose_args.cov = folio.risk_model.ledoit_wolf{ returns = simple:select(syms, math_min(comp.cov_lookback_days, (simple:shape()))), missing = "zero" }
  end
  t = phase("capacity_and_cov", t)
  local composite, cinfo = folio.multi_sleeve.compose(compose_args)
  t = phase("compose", t)

  -- 3. orders and guards
  local fractional = {}
  for i, cls in ipairs(ocfg.fractional or {}) do
    if not CLASS_SIGNAL[cls] then -- every asset class has a default signal: the list of classes
      fail(string_format("orders.fractional[%d]: unknown asset class %s (expected one of: %s)", i,
        type(cls) == "string" and "'" .. cls .. "'" or "a " .. type(cls), table_concat(sorted(CLASS_SIGNAL), ", ")))
    end
    fractional[cls] = true
  end
  local frac_syms = {}
  for _, sleeve in ipairs(cfg.sleeves) do
    if fractional[sleeve.asset_class] then
      for _, s in ipairs(sleeve.universe) do frac_syms[s] = true end
    end
  end
  local orders, oreport = folio.orders.diff{ positions = positions, prices = px, nav_usd = nav, targets = composite,
    lot_size = ocfg.lot_size or 1, fractional = frac_syms, min_notional = ocfg.min_notional or 100,
    caps_usd = caps_usd }
  local memory = folio.state.new{ state = saved.memory }
  local snap_positions = {}
  for _, p in ipairs(positions) do
    snap_positions[#snap_positions + 1] = folio.state.position{ symbol = p.symbol, quantity = p.quantity,
      avg_price = p.avg_price, market_price = px[p.symbol], strategy = p.strategy }
  end
  local cash = nav
  for _, p in ipairs(snap_positions) do cash = cash - p.market_value end
  local snapshot = folio.state.snapshot{ timestamp = asof, cash = cash, positions = snap_positions }
  local metrics = memory:update_snapshot(snapshot)
  local adv = {}
  for s in pairs(universe_all) do
    local c = market:position_capacity{ symbol = s, nav_usd = nav, adv_lookback_days = limits.adv_lookback_days or 21 }
    adv[s] = c.adv_usd
  end
  local guards = folio.guards.new{ max_position_weight = limits.max_position_weight, max_gross = limits.max_gross,
    max_leverage = gcfg.max_leverage, max_drawdown = gcfg.max_drawdown, cooloff_days = gcfg.cooloff_days,
    rearm_drawdown = gcfg.rearm_drawdown, max_adv_fraction = gcfg.max_adv_fraction, mode = gcfg.mode,
    state = saved.guards }
  guards:update{ snapshot = snapshot, asof = asof }
  local decisions, events = guards:check{ orders = orders, positions = positions, prices = px, nav_usd = nav,
    adv_usd = adv, snapshot = snapshot, asof = asof }

  t = phase("orders_and_guards", t)
  -- 4. submit approved orders (nothing is recorded as submitted that was not)
  local submitted, submit_error = {}, nil
  if not args.dry_run then
    for i, d in ipairs(decisions) do
      if d.decision ~= "rejected" and d.quantity > 0 then
        local o = orders[i]
        local order = { symbol = o.symbol, side = o.side, quantity = d.quantity, price = o.price,
          notional = folio.usd_round_cents(d.quantity * o.price) }
        local ok, err = pcall(adapter.submit, order)
        if not ok then submit_error = err break end
        submitted[#submitted + 1] = order
      end
    end
  end
  local traded, trades = 0, {}
  for _, o in ipairs(submitted) do
    traded = traded + o.notional / nav
    -- what reached the OMS, as the signed weight change the store's trades table keeps
    trades[o.symbol] = (trades[o.symbol] or 0) + (o.side == "SELL" and -1 or 1) * o.notional / nav
  end

  -- 5. record (one transaction each)
  local sleeve_state = {}
  for _, name in ipairs(names) do
    local prev = previous[name]
    sleeve_state[name] = { weights = sleeve_weights[name], asof = (sized[name] == "sized") and asof or prev.asof }
  end
  if st and not args.dry_run then
    st:record_rebalance{ asof = asof, fund = cfg.fund.id, inputs_digest = folio.store.digest(table_concat{
        asof_label, tostring(nav), tostring(#positions) }), composite = composite, allocations = cinfo.allocations,
      orders = submitted, decisions = decisions, turnover = traded, trades = trades }
    st:record_snapshot{ timestamp = asof, nav = snapshot.nav, cash = snapshot.cash, gross = snapshot.gross,
      net = snapshot.net, positions = snap_positions }
    st:save_checkpoint{ asof = asof, state = { guards = guards:state(), memory = memory:state(), sleeves = sleeve_state } }
  end
  if st then st:close() end
  t = phase("submit_and_record", t)
  timings.total = t - t0
  if submit_error then
    error("rebalance: the OMS failed after " .. #submitted .. " order(s) were submitted (they are recorded): " ..
      tostring(submit_error), 2)
  end

  -- summary
  local rejected = 0
  for _, d in ipairs(decisions) do if d.decision == "rejected" then rejected = rejected + 1 end end
  local summary = {
    asof = asof_label, fund = cfg.fund.id, nav = nav, composite = composite, allocations = cinfo.allocations,
    turnover = cinfo.turnover, turnover_used = turnover_used, orders = orders, decisions = decisions,
    submitted = submitted, rejected = rejected, dropped = oreport.dropped, metrics = metrics, sleeves = sized,
    events = events, dry_run = args.dry_run and true or false, timings = timings,
  }
  M.print_summary(summary, log)
  return summary
end

--- Prints a rebalance summary through log (sorted, stable).
function M.print_summary(s, log)
  log = log or print
  log(string_format("rebalance %s of %s: NAV %.2f%s", s.asof, s.fund, s.nav, s.dry_run and " (dry run)" or ""))
  for _, name in ipairs(sorted(s.sleeves)) do
    log(string_format("  sleeve %-20s allocation %.4f  %s", name, s.allocations[name] or 0, s.sleeves[name]))
  end
  local t = s.turnover or {}
  if t.budget then
    log(string_format("  turnover: needed %.4f, budget %.4f (weekly cap minus %.4f already traded), %s",
      t.needed or 0, t.budget, s.turnover_used, t.constrained and "constrained" or "within budget"))
  end
  local rows = {}
  local gross = 0
  for _, sym in ipairs(sorted(s.composite)) do
    if s.composite[sym] ~= 0 then
      rows[#rows + 1] = { symbol = sym, target = s.composite[sym] }
      gross = gross + math_abs(s.composite[sym])
    end
  end
  log(string_format("  targets: %d names, gross %.4f", #rows, gross))
  local orows = {}
  for i, o in ipairs(s.orders) do
    local d = s.decisions[i]
    orows[#orows + 1] = { symbol = o.symbol, side = o.side, quantity = o.quantity, price = o.price,
      notional = o.notional, decision = d.decision, approved = d.quantity,
      why = (d.events and d.events[1] and d.events[1].guard) or o.reason or "" }
  end
  log(string_format("  orders: %d, submitted %d, rejected %d, dropped below min notional %d", #s.orders,
    #s.submitted, s.rejected, #(s.dropped or {})))
  if #orows > 0 then
    local text = folio.format_table{ columns = { "symbol", "side", "quantity", "price", "notional", "decision", "approved", "why" },
      rows = orows, formats = { quantity = "%.6g", price = "%.4f", notional = "%.2f", approved = "%.6g" } }
    log((text:gsub("\n$", "")))
  end
end

-- ---- the file OMS adapter ------------------------------------------------------------------------------

-- Reads positions CSV: header symbol,quantity,avg_price[,strategy]; a row
-- with symbol CASH holds the cash balance in quantity (USD).
local function read_positions(path)
  if not (io and io.open) then fail("the file OMS adapter needs a trusted host (io is not available)", 3) end
  local f, why = io.open(path, "r")
  if not f then fail("cannot open positions file " .. path .. ": " .. tostring(why), 3) end
  local header, list, cash, seen = nil, {}, 0, {}
  local n = 0
  for line in f:lines() do
    n = n + 1
    line = line:gsub("\r$", "")
    if line ~= "" then
      local cells = {}
      for c in (line .. ","):gmatch("([^,]*),") do cells[#cells + 1] = c end
      if not header then
        header = {}
        for i, c in ipairs(cells) do header[c] = i end
        for _, need in ipairs{ "symbol", "quantity", "avg_price" } do
          if not header[need] then f:close() fail(string_format("%s:1: missing column '%s'", path, need), 3) end
        end
      else
        local sym = cells[header.symbol]
        local q, p = tonumber(cells[header.quantity]), tonumber(cells[header.avg_price])
        if not sym or sym == "" then f:close() fail(string_format("%s:%d: empty symbol", path, n), 3) end
        if not q or q ~= q or q == math_huge or q == -math_huge then f:close() fail(string_format("%s:%d: quantity of %s is not a number", path, n, sym), 3) end
        if seen[sym] then f:close() fail(string_format("%s:%d: %s listed twice", path, n, sym), 3) end
        seen[sym] = true
        if sym == "CASH" then
          cash = q
        else
          if not p or not (p > 0) then f:close() fail(string_format("%s:%d: avg_price of %s must be > 0", path, n, sym), 3) end
          list[#list + 1] = { symbol = sym, quantity = q, avg_price = p, strategy = header.strategy and cells[header.strategy] or nil }
        end
      end
    end
  end
  f:close()
  if not header then fail(path .. ": empty positions file", 3) end
  table_sort(list, function(a, b) return a.symbol < b.symbol end)
  return list, cash
end

--- folio.oms.file{positions = "positions.csv", orders = "orders.csv", prices = {SYM = price}}
--- -> an OMS adapter: get_positions, get_nav (cash + positions at `prices`),
---    submit(order) (collected), finish() writes the orders CSV (sorted, atomically).
function oms.file(args)
  if type(args) ~= "table" or type(args.positions) ~= "string" then
    fail("folio.oms.file{positions = path, orders = path, prices = {...}} expected")
  end
  local list, cash = read_positions(args.positions)
  local out = {}
  local a = {}
  function a.get_positions() return list end
  function a.get_nav()
    local nav = cash
    for _, p in ipairs(list) do
      local price = args.prices and args.prices[p.symbol] or p.avg_price
      nav = nav + p.quantity * price
    end
    return nav
  end
  function a.submit(order) out[#out + 1] = order end
  function a.finish()
    if not args.orders then return 0 end
    table_sort(out, function(x, y) return x.symbol < y.symbol end)
    local lines = { "symbol,side,quantity,price,notional\n" }
    for _, o in ipairs(out) do
      -- RFC 4180 through libcsv: a symbol with a comma or a quote reads back as itself
      lines[#lines + 1] = folio.data.csv_row{ o.symbol, o.side, string_format("%.10g", o.quantity),
        string_format("%.10g", o.price), string_format("%.2f", o.notional) } .. "\n"
    end
    -- the one atomic writer (folio_i_write_atomic through lreconcile.c): temporary
    -- file, fsync, rename, fsync of the folder, mode 0666 less the umask
    local ok, why = folio.reconcile.write_file(args.orders, table_concat(lines))
    if not ok then fail(why) end
    return #out
  end
  return a
end

--- The `folio rebalance` command: options from the command line.
function M.cli(opts)
  local market = folio.data.read_market{ prices = opts.prices, volumes = opts.volumes }
  local prices = market:prices()
  local dates = prices:dates()
  local asof = opts.asof or dates[#dates]
  local row
  for i = #dates, 1, -1 do if dates[i] == asof then row = i break end end
  if not row then fail("--asof " .. tostring(asof) .. " is not a date of " .. opts.prices) end
  local px = {}
  for _, s in ipairs(prices:symbols()) do px[s] = prices:get(row, s) end
  local adapter = oms.file{ positions = opts.positions, orders = (not opts.dry_run) and opts.out or nil, prices = px }
  local summary = M.run{ fund = opts.fund, market = market, oms = adapter, asof = asof, store = opts.store,
    dry_run = opts.dry_run }
  local n = adapter.finish()
  if opts.out and not opts.dry_run then print(string_format("wrote %d order(s) to %s", n, opts.out)) end
  return summary
end
