-- folio.rebalance: the multi-sleeve rebalance as a pipeline of Lua stages.
--
--   folio.rebalance.run{fund =, market = | prices = [, volumes =], oms =, asof =,
--                       store =, dry_run =, policy_path =, stages =, log =, holder =,
--                       due =, loaded =}
--
-- The stages, in order (docs/rebalance.md): inputs -> signals -> sizing ->
-- capacity -> compose -> orders -> guards -> submit -> record. Each is a plain
-- function(run, default) that reads and extends the `run` table; a fund's
-- script replaces or wraps any of them (`stages = {orders = function(run,
-- default) default(run) ... end}`) or adds its own (listed in
-- `stages.order`). Every decision is written to run.trace with its reason.
--
-- Exactly once: with a store, the run holds the store's lock from the first
-- stage to the last, has an idempotency key (fund, asof, inputs digest),
-- records its orders as intended before the first submission and marks each
-- one submitted only after the OMS adapter accepted it (after flush() for a
-- batching adapter); a rerun with the same key submits only what is missing.
local folio, internal = ...

local pairs, ipairs, type, error, tostring, tonumber, pcall, select, next =
  pairs, ipairs, type, error, tostring, tonumber, pcall, select, next
local string_format, table_concat, table_sort = string.format, table.concat, table.sort
local math_abs, math_max, math_min, math_huge, math_floor = math.abs, math.max, math.min, math.huge, math.floor

local M = {}
folio.rebalance = M
-- the rest of the rebalance, filled in by lua/folio/rebalance_*.lua (loaded
-- after this file): the clock, the fund's policies, the book
local parts = {}
internal.rebalance = parts
local parse_asof, local_time = folio.session.parse_asof, folio.session.local_time
-- a signal by name (folio.signals, lua/folio/signals.lua, loaded after this file)
local function signal_fn(name)
  local fn = folio.signals[name]
  return type(fn) == "function" and name:match("^%l") and fn or nil
end
local function factors() return folio.signals.FACTORS end
local function class_signal(c) return folio.signals.CLASS_DEFAULT[c] end

local function fail(msg, level) error("rebalance: " .. msg, (level or 1) + 1) end
parts.fail = fail
local function sorted(t) return folio.sorted_keys(t) end
local function is_finite(x) return type(x) == "number" and x == x and x ~= math_huge and x ~= -math_huge end

-- ---- trace ---------------------------------------------------------------------------------------

-- Appends a decision with its reason to run.trace.
local function note(run, stage, fields)
  fields.stage = stage
  run.trace[#run.trace + 1] = fields
end
M.note = note

-- ---- stages ------------------------------------------------------------------------------------------

local stages = {}
local window_returns
local session_matrix = setmetatable({}, { __mode = "k" }) -- fund table -> its session matrix (loaded runs)

-- The most calendar days the price row may be older than the instant (a long
-- weekend with a holiday is 4).
M.MAX_STALE_DAYS = 7

-- "asof: ..." from an error of folio.session.parse_asof
local function asof_message(e)
  local m = tostring(e):gsub("^bad argument #%d+ to '[^']*' %((.*)%)$", "%1")
  return m:match("^asof") and m or "asof: " .. m
end

-- inputs: the fund file, the policies, the rebalance instant and price row,
-- the store (locked), the book and which names are tradable.
function stages.inputs(run)
  local args = run.args
  local cfg = args.fund
  if type(cfg) == "string" then cfg = folio.config.load{ path = cfg, sizers = false } end
  if type(cfg) ~= "table" or not cfg.sleeves then fail("fund must be a fund file path or a folio.config table", 3) end
  run.cfg = cfg
  -- a backtest loads the fund's policies once and says so (loaded = true)
  if not args.loaded then parts.load_policies(run) end
  -- the market
  local prices, volumes = args.prices, args.volumes
  if args.market ~= nil then prices, volumes = args.market:prices(), args.market:volumes() end
  if prices == nil then fail("prices (or market) is required", 3) end
  run.prices, run.volumes = prices, volumes
  local wants_volumes = cfg.limits.capacity_set or (cfg.guards and cfg.guards.max_adv_fraction ~= nil)
  if not volumes and wants_volumes then
    fail(string_format("%s: the fund file sets %s, which needs volumes (--volumes)", cfg.path or "fund",
      cfg.limits.capacity_set and "limits.fraction_of_adv/adv_lookback_days" or "guards.max_adv_fraction"), 3)
  end
  run.market = volumes and (args.market or folio.data.market{ prices = prices, volumes = volumes }) or nil
  -- the instant
  local dates = prices:dates()
  local asof_arg = args.asof or dates[#dates]:sub(1, 10)
  if type(asof_arg) ~= "string" and type(asof_arg) ~= "number" then fail("asof must be a date or an instant", 3) end
  local date_only = type(asof_arg) == "string" and asof_arg:match("^%d%d%d%d%-%d%d%-%d%d$") ~= nil
  local cutoff_date, include_cutoff
  if date_only then
    local ok, why = pcall(parse_asof, asof_arg .. "T12:00:00Z")
    if not ok then fail((asof_message(why):gsub("T12:00:00Z", "", 1)), 3) end
    run.asof = parts.ny_instant(asof_arg, 16, 0)
    cutoff_date, include_cutoff = asof_arg, true
  else
    local ok, t = pcall(parse_asof, asof_arg)
    if not ok then fail(asof_message(t), 3) end
    run.asof = t
    local d, minute = parts.ny_date_minute(t)
    cutoff_date, include_cutoff = d, minute >= 16 * 60 -- a day's row is its close: known from 16:00 New York
  end
  run.asof_label = date_only and asof_arg or local_time(run.asof)
  run.date_only = date_only and asof_arg or nil
  local row
  for i = #dates, 1, -1 do
    local d = dates[i]:sub(1, 10)
    if d < cutoff_date or (include_cutoff and d == cutoff_date) then row = i break end
  end
  if not row then fail(string_format("no price row at or before %s (the prices start on %s)", run.asof_label, dates[1]), 3) end
  run.row, run.row_date = row, dates[row]
  -- prices that end well before the instant would trade on stale closes
  local gap = (parse_asof(cutoff_date .. "T12:00:00Z") - parse_asof(dates[row]:sub(1, 10) .. "T12:00:00Z")) / 86400
  if gap > M.MAX_STALE_DAYS then
    fail(string_format("the prices end on %s, %d days before the rebalance instant %s (more than %d): update the price file",
      dates[row]:sub(1, 10), gap, run.asof_label, M.MAX_STALE_DAYS), 3)
  end
  if row < #dates then
    run.prices = prices:head(row)
    if volumes then run.volumes = volumes:head(row) end
    if run.market then run.market = folio.data.market{ prices = run.prices, volumes = run.volumes } end
  end
  -- returns computed once by a backtest: each on the rows of these prices
  if args.returns ~= nil then
    local n_rows = (run.prices:shape())
    local last = run.prices:dates()[n_rows]
    for _, kind in ipairs{ "log", "simple" } do
      local g = type(args.returns) == "table" and args.returns[kind]
      local gd = g and g:dates()
      if not gd or #gd ~= n_rows - 1 or gd[#gd] ~= last then
        fail(string_format("returns.%s must be the %s returns of the prices' %d rows, ending on %s", kind, kind, n_rows, last), 3)
      end
    end
  end
  -- the store: locked for the whole run
  if args.store then
    -- a path, or an object with the store's methods (folio.backtest's ledger)
    local st = type(args.store) == "table" and args.store or folio.store.open{ path = args.store }
    run.store = st
    if st.lock then
      st:lock{ holder = args.holder or string_format("folio.rebalance of %s as of %s", cfg.fund.id, run.asof_label) }
    end
    local cp = st:load_checkpoint()
    run.saved = cp and cp.state or {}
  else
    run.saved = {}
  end
  -- the book: positions, their values on the rebalance row, the NAV
  local adapter = run.oms
  run.positions = adapter.get_positions()
  if type(run.positions) ~= "table" then fail("the OMS's get_positions() returned " .. type(run.positions) .. ", not a list", 3) end
  local names = {}
  for _, sleeve in ipairs(cfg.sleeves) do for _, s in ipairs(sleeve.universe) do names[s] = true end end
  for _, p in ipairs(run.positions) do names[p.symbol] = true end
  run.names = names
  parts.value_book(run)
  -- names with no price on the rebalance row leave this rebalance; held ones are kept and flagged
  local cols = {}
  for _, s in ipairs(run.prices:symbols()) do cols[s] = true end
  local held = {}
  for _, p in ipairs(run.positions) do held[p.symbol] = p end
  run.excluded, run.frozen = {}, {}
  local values = {}
  for s, u in pairs(run.unit) do values[s] = u end
  for _, s in ipairs(sorted(names)) do
    if not run.unit[s] then
      local reason, lp, when
      if not cols[s] then
        reason = "no price column"
      else
        lp, when = parts.last_price(run.prices, row, s)
        reason = when and ("no price on " .. run.row_date .. " (last price " .. when .. ": delisted or halted)")
          or ("no price on " .. run.row_date .. " (not yet listed)")
      end
      if held[s] then values[s] = lp or held[s].avg_price end
      run.excluded[#run.excluded + 1] = { symbol = s, reason = reason, held = held[s] ~= nil }
      if held[s] then run.frozen[s] = "held position kept: " .. reason end
      note(run, "inputs", { symbol = s, decision = held[s] and "kept" or "excluded", reason = reason })
    end
  end
  run.values = values
  run.nav = adapter.get_nav(values)
  if not is_finite(run.nav) or not (run.nav > 0) then fail("the OMS reported a NAV that is not a number > 0: " .. tostring(run.nav), 3) end
  run.current = {}
  for _, p in ipairs(run.positions) do
    run.current[p.symbol] = (run.current[p.symbol] or 0) + p.quantity * values[p.symbol] / run.nav
  end
  -- the session matrix
  -- (once per fund table when the fund is fixed between runs: loaded = true)
  run.sessions = args.loaded and session_matrix[cfg]
  if not run.sessions then
    local m = {}
    for name, s in pairs(cfg.sessions) do m[name] = { sizer = s.sizer, gross_cap = s.gross_cap } end
    m.calendar = cfg.calendar
    run.sessions = folio.session.SessionMatrix(m)
    if args.loaded then session_matrix[cfg] = run.sessions end
  end
  -- simple returns once, over the rows the overlay and the covariance read;
  -- log returns (signals and sizers) are computed by the signals stage over
  -- the rows the sleeves need
  local comp = cfg.composition or {}
  local simple_rows = math_max(comp.hrp_lookback_days or 252, comp.cov_lookback_days or 252) + 1
  run.simple = window_returns(run, "simple", simple_rows)
end

-- The returns over the last `rows` price rows (all of them when fewer): from
-- the returns a backtest computed once for its whole panel (args.returns,
-- the same values), else from the prices.
window_returns = function(run, kind, rows)
  local n_rows = (run.prices:shape())
  local given = run.args.returns and run.args.returns[kind]
  if given then
    local want = math_min(rows, n_rows) - 1
    return want >= (given:shape()) and given or given:tail(want) -- no copy when every row is wanted
  end
  return (n_rows > rows and run.prices:tail(rows) or run.prices):returns(kind)
end

-- Which sessions a sleeve of this asset class can meet (for checking params up front).
local CLASS_SESSIONS = { equities = { "RTH", "pre", "post", "IBEOS" }, crypto = { "24h" }, fx = { "24h" }, futures = { "24h" } }

-- signals: for each sleeve, the session in force, which sizer runs, and the
-- signal it is sized from (only for sleeves that are due and open).
function stages.signals(run)
  local cfg, args = run.cfg, run.args
  run.sleeve = {}
  -- due = {SLEEVE = true | false}: the caller's schedule (a backtest's) in place of the calendar rule
  if args.due ~= nil then
    if type(args.due) ~= "table" then fail("due must be a table {SLEEVE = true | false}, got " .. type(args.due), 3) end
    local known = {}
    for _, sleeve in ipairs(cfg.sleeves) do known[sleeve.name] = true end
    for _, k in ipairs(sorted(args.due)) do
      if not known[k] then fail(string_format("due.%s: no sleeve of that name in the fund", tostring(k)), 3) end
      if type(args.due[k]) ~= "boolean" then fail(string_format("due.%s must be true or false, got %s", k, type(args.due[k])), 3) end
    end
  end
  local previous = run.saved.sleeves or {}
  for i, sleeve in ipairs(cfg.sleeves) do
    local where = sleeve.where or {}
    local s = { name = sleeve.name, asset_class = sleeve.asset_class, allocation = sleeve.allocation, index = i }
    run.sleeve[sleeve.name] = s
    -- the session in force
    local instant = run.date_only and parts.class_instant(sleeve.asset_class, run.date_only, cfg.calendar) or run.asof
    local res = run.sessions:resolve{ asset_class = sleeve.asset_class, asof = instant }
    s.session, s.local_time = res.session, res.local_time
    s.gross_cap = res.gross_cap
    s.sizer = sleeve.sizer or sleeve.policy_name or res.sizer
    -- params: the policy's declared parameters, checked for every sizer the sleeve may run
    local candidates = {}
    if sleeve.sizer or sleeve.policy_name then
      candidates[1] = sleeve.sizer or sleeve.policy_name
    else
      for _, sess in ipairs(CLASS_SESSIONS[sleeve.asset_class]) do
        if cfg.sessions[sess] then candidates[#candidates + 1] = cfg.sessions[sess].sizer end
      end
    end
    for _, name in ipairs(candidates) do
      if not folio.registry.has(name) then
        fail(string_format("%s: sleeves[%d]: unknown sizer or policy '%s' (known: %s)", where.sleeve or cfg.path or "fund",
          i, name, table_concat(folio.registry.names(), ", ")), 3)
      end
      local pol = folio.registry.get(name)
      if pol.check then
        local ok, why = pol:check(sleeve.params)
        if not ok then
          local k = why:match("parameter '([^']+)'") or why:match("parameter ([%w_]+)")
          local at = (k and where.params and where.params[k]) or where.params_block or where.sleeve or cfg.path
          fail(string_format("%s: sleeves[%d].params%s: %s", at, i, k and ("." .. k) or "", why), 3)
        end
      end
    end
    -- a signal must exist: never a silent fall-back to another one
    local sig = sleeve.signal or {}
    local signal_name
    if sig.factor then
      signal_name = factors()[sig.factor]
      if not signal_name then
        fail(string_format("%s: sleeves[%d].signal.factor: unknown factor '%s' (known factors: %s)", where.signal or cfg.path,
          i, sig.factor, table_concat(sorted(factors()), ", ")), 3)
      end
    elseif sig.name then
      signal_name = sig.name
      if not signal_fn(signal_name) then
        fail(string_format("%s: sleeves[%d].signal.name: unknown signal '%s' (known signals: %s)", where.signal or cfg.path,
          i, sig.name, table_concat(folio.signals.NAMES, ", ")), 3)
      end
    else
      signal_name = class_signal(sleeve.asset_class)
    end
    s.signal_name = signal_name
    -- hold, keep or size
    local prev = previous[sleeve.name]
    if res.session == "closed" or not res.sizer then
      s.status = "held"
      s.reason = res.session == "closed" and ("session closed for " .. sleeve.asset_class .. " at " .. res.local_time)
        or ("no entry for session " .. res.session .. " in the session matrix")
    elseif prev and not (args.due and args.due[sleeve.name] or (not args.due and parts.due(sleeve.rebalance, run.asof, prev.asof))) then
      s.status = "kept"
      s.weights = prev.weights
      s.reason = "kept (" .. sleeve.rebalance .. ", sized " .. os.date("!%Y-%m-%d", prev.asof) .. ")"
    else
      s.status = "sized"
      local universe = {}
      for _, sym in ipairs(sleeve.universe) do if run.unit[sym] then universe[#universe + 1] = sym end end
      s.universe = universe
      local sizer = folio.registry.get(s.sizer)
      s.need = math_max(folio.signals.ROWS[signal_name] or 0, parts.history_needed(sizer, sleeve.params or {}))
    end
    note(run, "signals", { sleeve = sleeve.name, decision = s.status, session = s.session, sizer = s.sizer,
      reason = s.reason or ("session " .. s.session .. " at " .. res.local_time .. ": " .. s.sizer) })
  end
  -- a session sizer no sleeve can run is said, never silently ignored
  local used = {}
  for _, sleeve in ipairs(cfg.sleeves) do
    if not (sleeve.sizer or sleeve.policy_name) then
      for _, sess in ipairs(CLASS_SESSIONS[sleeve.asset_class]) do used[sess] = true end
    end
  end
  for _, name in ipairs(sorted(cfg.sessions)) do
    if not used[name] then
      local msg = string_format("sessions.%s.sizer '%s' is not run: no sleeve that trades in %s follows the session matrix "
        .. "(its gross_cap %.4g applies)", name, cfg.sessions[name].sizer, name, cfg.sessions[name].gross_cap)
      run.warnings[#run.warnings + 1] = msg
      note(run, "signals", { decision = "unused", reason = msg })
    end
  end
  -- daily log returns once, over the most rows a sized sleeve needs
  local rows = 1
  for _, s in pairs(run.sleeve) do if s.need and s.need > rows then rows = s.need end end
  run.R = window_returns(run, "log", rows + 1)
  for _, sleeve in ipairs(cfg.sleeves) do
    local s = run.sleeve[sleeve.name]
    if s.status == "sized" then
      s.raw_signal, s.signal_rows = signal_fn(s.signal_name)(run.R, s.universe)
    end
  end
end

-- sizing: each sleeve that is sized runs its sizer on its signal; the
-- session's gross cap bounds the sleeve's gross.
function stages.sizing(run)
  local cfg = run.cfg
  for _, sleeve in ipairs(cfg.sleeves) do
    local s = run.sleeve[sleeve.name]
    if s.status == "sized" then
      local params = sleeve.params or {}
      local sizer = folio.registry.get(s.sizer)
      local need = math_max(s.signal_rows, parts.history_needed(sizer, params))
      local window = run.R:select(s.universe, math_min(need, (run.R:shape())))
      local complete = window:complete_columns()
      local enough = (run.R:shape()) >= need
      local signal, n_active = {}, 0
      for _, sym in ipairs(s.universe) do
        if enough and complete[sym] and s.raw_signal[sym] ~= nil and s.raw_signal[sym] == s.raw_signal[sym] then
          signal[sym] = s.raw_signal[sym]
          n_active = n_active + 1
        else
          signal[sym] = folio.missing
          note(run, "sizing", { sleeve = sleeve.name, symbol = sym, decision = "no signal",
            reason = string_format("fewer than %d rows of history", need) })
        end
      end
      if n_active < 2 then
        fail(string_format("sleeve '%s': fewer than 2 names with %d rows of history", sleeve.name, need), 3)
      end
      local ctx = { signal = signal, returns = window,
        nav_usd = run.nav * sleeve.allocation, asof = run.asof, session = s.session }
      if run.market then ctx.market = run.market end
      local res = sizer:run(ctx, params)
      s.weights, s.info = res.weights, res.info
    end
    -- the session's gross cap
    if s.weights and s.status ~= "held" then
      local gross = 0
      for _, sym in ipairs(sorted(s.weights)) do gross = gross + math_abs(s.weights[sym]) end -- in order: bit-identical
      if gross > s.gross_cap then
        local k = gross > 0 and s.gross_cap / gross or 0
        local capped = {}
        for sym, w in pairs(s.weights) do capped[sym] = w * k end
        s.weights = capped
        note(run, "sizing", { sleeve = sleeve.name, decision = "scaled", reason = string_format(
          "session %s gross_cap %.4g: gross %.4f scaled by %.6f", s.session, s.gross_cap, gross, k) })
      end
    end
  end
end

-- capacity: each tradable name's cap as a weight (ADV capacity and the
-- position limit), or only the position limit without volumes.
function stages.capacity(run)
  local cfg, limits = run.cfg, run.cfg.limits
  run.caps, run.caps_usd, run.adv = {}, {}, {}
  run.capacity_on = run.market ~= nil
  run.unit_sorted = sorted(run.unit)
  if not run.capacity_on then
    note(run, "capacity", { decision = "off", reason = "no volumes: ADV capacity and the liquidity guard are off" })
  end
  -- a name listed fewer rows ago than the ADV window has no capacity yet:
  -- not tradable (a held one is kept as it is), never an error
  local young, caps = {}, {}
  if run.capacity_on then
    caps = run.market:position_capacity{ symbols = run.unit_sorted, short = "mark", nav_usd = run.nav,
      fraction_of_adv = limits.fraction_of_adv, adv_lookback_days = limits.adv_lookback_days }
    local held = {}
    for _, p in ipairs(run.positions) do held[p.symbol] = true end
    for _, s in ipairs(run.unit_sorted) do
      local why = caps[s].short
      if why then
        young[s] = true
        why = why:gsub("^position_capacity: ", "")
        run.frozen[s] = held[s] and ("held position kept: " .. why) or ("not tradable yet: " .. why)
        note(run, "capacity", { symbol = s, decision = held[s] and "kept" or "not tradable", reason = why })
      end
    end
  end
  for s in pairs(run.unit) do
    local cap = limits.max_position_weight or math_huge
    if run.capacity_on and not young[s] then
      local c = caps[s]
      -- ADV in the quote currency for FX pairs: into the fund's currency
      run.caps_usd[s] = c.cap_usd * run.rate[s]
      run.adv[s] = c.adv_usd * run.rate[s]
      cap = math_min(cap, run.caps_usd[s] / run.nav)
    end
    run.caps[s] = cap
  end
end

-- Daily returns of each sleeve (constant current weights over the window),
-- as a matrix with one column per sleeve: the overlay's input.
local function sleeve_returns(simple, weights, names, rows)
  local window = simple:tail(rows)
  local series = {}
  for k, name in ipairs(names) do series[k] = window:dot(weights[name]) end
  local n = window:shape()
  local data = { rows = window:dates(), cols = names }
  for t = 1, n do
    local r = {}
    for k = 1, #names do r[k] = series[k]:get(t, 1) end
    data[t] = r
  end
  return folio.matrix(data)
end

-- compose: the sleeves that trade are combined (overlay, caps, turnover
-- budget); held sleeves keep their names as they are.
function stages.compose(run)
  local cfg, comp = run.cfg, run.cfg.composition
  local sleeves, names = {}, {}
  for _, sleeve in ipairs(cfg.sleeves) do
    local s = run.sleeve[sleeve.name]
    if s.status == "held" then
      for _, sym in ipairs(sleeve.universe) do
        if not run.frozen[sym] then run.frozen[sym] = "sleeve " .. sleeve.name .. " held: " .. s.reason end
      end
    else
      local w = {}
      for sym, x in pairs(s.weights) do if run.unit[sym] then w[sym] = x end end
      sleeves[sleeve.name] = { weights = w, allocation = sleeve.allocation }
      names[#names + 1] = sleeve.name
    end
  end
  run.composite, run.allocations, run.turnover = {}, {}, {}
  if #names == 0 then
    note(run, "compose", { decision = "nothing to compose", reason = "every sleeve is held" })
    return
  end
  local caps = {}
  for s, c in pairs(run.caps) do if not run.frozen[s] then caps[s] = c end end
  local args = { sleeves = sleeves, overlay = comp.overlay, caps = caps }
  local simple = run.simple
  if comp.overlay ~= "equal" and #names > 1 then
    local weights = {}
    for _, n in ipairs(names) do weights[n] = sleeves[n].weights end
    args.sleeve_returns = sleeve_returns(simple, weights, names, math_min(comp.hrp_lookback_days, (simple:shape())))
    args.hrp_lookback_days = comp.hrp_lookback_days
  elseif comp.overlay ~= "equal" then
    args.overlay = "equal"
  end
  run.turnover_used = 0
  if comp.max_weekly_turnover then
    run.turnover_used = run.store and run.store:turnover_since{ asof = run.asof, days = 7 } or 0
    args.max_weekly_turnover = comp.max_weekly_turnover
    args.turnover_used = run.turnover_used
    local current = {}
    for s, w in pairs(run.current) do if not run.frozen[s] and run.unit[s] then current[s] = w end end
    args.current = current
    -- the covariance of the names the turnover problem holds: the active
    -- sleeves' names and the book's (every other name stays at zero)
    local in_problem = {}
    for _, n in ipairs(names) do for sym in pairs(sleeves[n].weights) do in_problem[sym] = true end end
    for sym in pairs(current) do in_problem[sym] = true end
    local syms = sorted(in_problem)
    -- Ledoit-Wolf: as a factor (diag I + weight X'X) when there are more names
    -- than rows, so nothing of size names x names is ever formed
    local rows = math_min(comp.cov_lookback_days, (simple:shape()))
    local all = simple:symbols()
    local same = rows == (simple:shape()) and #all == #syms
    for i = 1, same and #syms or 0 do if all[i] ~= syms[i] then same = false break end end
    args.cov = folio.risk_model.ledoit_wolf{ returns = same and simple or simple:select(syms, rows), missing = "zero",
      form = rows < #syms and "factor" or "matrix" }
  end
  -- held sleeves keep their capital: the overlay shares the active sleeves'
  -- stated total (its allocations sum to it), so nothing is scaled here
  local composite, info = folio.multi_sleeve.compose(args)
  run.composite, run.allocations, run.turnover = composite, info.allocations, info.turnover
  for _, s in ipairs(sorted(composite)) do
    local w, cap = composite[s], caps[s]
    if cap and w ~= 0 and math_abs(w) >= cap * (1 - 1e-9) then
      local why = (run.caps_usd[s] and run.caps_usd[s] / run.nav <= (cfg.limits.max_position_weight or math_huge))
        and string_format("ADV capacity %.4f (%.4g of ADV)", cap, cfg.limits.fraction_of_adv)
        or string_format("limits.max_position_weight %.4g", cap)
      note(run, "compose", { symbol = s, decision = "capped", reason = why })
    end
  end
  if info.turnover and info.turnover.constrained then
    note(run, "compose", { decision = "turnover constrained", reason = string_format(
      "needed %.4f, budget %.4f (weekly cap %.4g minus %.4f traded in the last 7 days)", info.turnover.needed or 0,
      info.turnover.budget or 0, comp.max_weekly_turnover, run.turnover_used) })
  end
end

-- orders: the composite against the book, in whole lots (fractional classes
-- excepted); frozen names are left out.
function stages.orders(run)
  local cfg = run.cfg
  local ocfg = cfg.orders or {}
  local fractional = {}
  for _, cls in ipairs(ocfg.fractional or {}) do fractional[cls] = true end
  local frac_syms = {}
  for _, sleeve in ipairs(cfg.sleeves) do
    if fractional[sleeve.asset_class] then for _, s in ipairs(sleeve.universe) do frac_syms[s] = true end end
  end
  local positions, targets, prices = {}, {}, {}
  for _, p in ipairs(run.positions) do
    if not run.frozen[p.symbol] and run.unit[p.symbol] then positions[#positions + 1] = p end
  end
  for s, w in pairs(run.composite) do if not run.frozen[s] then targets[s] = w end end
  for s, u in pairs(run.unit) do if not run.frozen[s] then prices[s] = u end end
  local caps_usd = {}
  for s, c in pairs(run.caps_usd) do caps_usd[s] = c end
  local orders, report
  if ocfg.discrete then
    orders, report = parts.discrete_orders(run, ocfg, positions, targets, prices, frac_syms, caps_usd)
  else
    orders, report = folio.orders.diff{ positions = positions, prices = prices, nav_usd = run.nav, targets = targets,
      lot_size = ocfg.lot_size or 1, fractional = frac_syms, min_notional = ocfg.min_notional or 100,
      caps_usd = run.capacity_on and caps_usd or nil }
  end
  for _, o in ipairs(orders) do o.quote = run.quote[o.symbol] end
  run.orders, run.dropped = orders, report.dropped or {}
  for _, d in ipairs(run.dropped) do
    note(run, "orders", { symbol = d.symbol, decision = "dropped", reason = d.reason or "below orders.min_notional" })
  end
  for _, s in ipairs(sorted(run.frozen)) do note(run, "orders", { symbol = s, decision = "no order", reason = run.frozen[s] }) end
end

-- orders.discrete = "greedy" | "mip": the targets rounded by
-- folio.discrete_allocation from the current holdings (docs/rebalance.md):
-- whole lots of orders.lot_size, never more cash than the book has plus
-- what it sells; fractional classes keep the stock rounding (their orders
-- are costed first). Long-only: a short target or holding is an error.
function parts.discrete_orders(run, ocfg, positions, targets, prices, frac_syms, caps_usd)
  local lot = ocfg.lot_size or 1
  local min_notional = ocfg.min_notional or 100
  -- the fractional names through the stock diff
  local fpos, ftargets = {}, {}
  for _, p in ipairs(positions) do if frac_syms[p.symbol] then fpos[#fpos + 1] = p end end
  for s, w in pairs(targets) do if frac_syms[s] then ftargets[s] = w end end
  local orders, report = folio.orders.diff{ positions = fpos, prices = prices, nav_usd = run.nav, targets = ftargets,
    lot_size = lot, fractional = frac_syms, min_notional = min_notional, caps_usd = run.capacity_on and caps_usd or nil }
  -- the cash the book holds, less what the fractional orders spend
  local cash = run.nav
  for _, p in ipairs(run.positions) do cash = cash - p.quantity * (run.values[p.symbol] or p.avg_price) end
  for _, o in ipairs(orders) do cash = cash - (o.side == "BUY" and 1 or -1) * o.quantity * o.price end
  -- the whole-lot names through discrete allocation, on the same targets in dollars
  local current, weights, held_value, px = {}, {}, 0, {}
  for _, p in ipairs(positions) do
    if not frac_syms[p.symbol] then
      if p.quantity < 0 then fail(string_format("orders.discrete: %s is held short (%.10g): discrete allocation from "
        .. "current holdings is long-only; remove orders.discrete or the short", p.symbol, p.quantity), 3) end
      if p.quantity > 0 then current[p.symbol] = p.quantity held_value = held_value + p.quantity * prices[p.symbol] end
      px[p.symbol] = prices[p.symbol]
    end
  end
  local capital = math_max(0, cash)
  local V = capital + held_value
  for _, s in ipairs(sorted(targets)) do
    local w = targets[s]
    if not frac_syms[s] and w ~= 0 then
      if w < 0 then fail(string_format("orders.discrete: the target of %s is short (%.6g): discrete allocation from "
        .. "current holdings is long-only; remove orders.discrete or the short", s, w), 3) end
      weights[s], px[s] = w * run.nav / V, prices[s]
    end
  end
  if next(weights) == nil and next(current) == nil then return orders, report end
  local lots = {}
  for s in pairs(px) do lots[s] = lot end
  local ok, r = pcall(folio.discrete_allocation, { weights = weights, prices = px, capital = capital, current = current,
    lot_sizes = lots, method = ocfg.discrete })
  if not ok then fail("orders.discrete: " .. tostring(r):gsub("^.-discrete_allocation: ", ""), 3) end
  report.dropped = report.dropped or {}
  for _, o in ipairs(r.orders or {}) do
    local q = o.shares
    local notional = q * o.price
    if notional < min_notional then
      report.dropped[#report.dropped + 1] = { symbol = o.symbol, reason = string_format(
        "below orders.min_notional %.2f (%s %.10g at %.6g)", min_notional, o.side, q, o.price) }
    else
      local held = current[o.symbol] or 0
      local final = held + (o.side == "buy" and q or -q)
      orders[#orders + 1] = { symbol = o.symbol, side = o.side == "buy" and "BUY" or "SELL", quantity = q, price = o.price,
        notional = folio.usd_round_cents(notional), current_quantity = held, target_quantity = final,
        capped_quantity = final, final_quantity = final, lot_size = lot, reason = "orders.discrete " .. ocfg.discrete }
    end
  end
  table_sort(orders, function(a, b) return a.symbol < b.symbol or (a.symbol == b.symbol and a.side < b.side) end)
  return orders, report
end

-- guards: every order checked against position, gross, leverage, drawdown
-- and (with volumes) liquidity limits.
function stages.guards(run)
  local cfg = run.cfg
  local gcfg, limits = cfg.guards or {}, cfg.limits
  local saved = run.saved
  -- fund.nav is the capital the fund started with: the first high-water mark
  local memory = folio.state.new{ state = saved.memory or { version = 1, peak_nav = cfg.fund.nav } }
  local snap_positions = {}
  for _, p in ipairs(run.positions) do
    local u = run.values[p.symbol] or p.avg_price
    snap_positions[#snap_positions + 1] = folio.state.position{ symbol = p.symbol, quantity = p.quantity,
      avg_price = p.avg_price, market_price = u, strategy = p.strategy }
  end
  local cash = run.nav
  for _, p in ipairs(snap_positions) do cash = cash - p.market_value end
  local snapshot = folio.state.snapshot{ timestamp = run.asof, cash = cash, positions = snap_positions }
  run.snapshot, run.snap_positions = snapshot, snap_positions
  run.metrics = memory:update_snapshot(snapshot)
  local guards = folio.guards.new{ max_position_weight = limits.max_position_weight, max_gross = limits.max_gross,
    max_leverage = gcfg.max_leverage, max_drawdown = gcfg.max_drawdown, cooloff_days = gcfg.cooloff_days,
    rearm_drawdown = gcfg.rearm_drawdown, max_adv_fraction = run.capacity_on and gcfg.max_adv_fraction or nil,
    mode = gcfg.mode, state = saved.guards or { peak_nav = cfg.fund.nav } }
  guards:update{ snapshot = snapshot, asof = run.asof }
  local positions, prices = {}, {}
  for _, p in ipairs(run.positions) do if run.unit[p.symbol] then positions[#positions + 1] = p end end
  for s, u in pairs(run.unit) do prices[s] = u end
  local decisions, events = guards:check{ orders = run.orders, positions = positions, prices = prices, nav_usd = run.nav,
    adv_usd = run.capacity_on and run.adv or nil, snapshot = snapshot, asof = run.asof }
  run.decisions, run.events, run.guards, run.memory = decisions, events, guards, memory
  run.rejected = 0
  for i, d in ipairs(decisions) do
    if d.decision == "rejected" then run.rejected = run.rejected + 1 end
    if d.decision ~= "approved" then
      local e = d.events and d.events[1]
      note(run, "guards", { symbol = run.orders[i].symbol, decision = d.decision,
        reason = e and (e.message or e.guard) or d.decision })
    end
  end
end

-- The idempotency key: the fund, the instant and a digest of the inputs
-- (the fund file's content as loaded, the positions, the NAV and the prices
-- the rebalance saw on its row).
-- The fund as loaded, without where it was read from: the same fund file
-- reached by another path (cron's absolute, an operator's relative) is the
-- same rebalance.
local function content(t)
  if type(t) ~= "table" then return t end
  local c = {}
  for k, v in pairs(t) do
    if k ~= "path" and k ~= "where" then c[k] = content(v) end
  end
  return c
end

-- A canonical text of plain data for the digest: keys in order, numbers
-- exactly (%a), strings quoted; cheaper than JSON for thousands of prices.
local function canonical(v, out)
  local t = type(v)
  if t == "table" then
    out[#out + 1] = "{"
    for _, k in ipairs(sorted(v)) do
      out[#out + 1] = type(k) == "string" and string_format("%q=", k) or string_format("[%d]=", k)
      canonical(v[k], out)
      out[#out + 1] = ","
    end
    out[#out + 1] = "}"
  elseif t == "number" then
    out[#out + 1] = math.type(v) == "integer" and string_format("%d", v) or string_format("%a", v)
  elseif t == "string" then
    out[#out + 1] = string_format("%q", v)
  else
    out[#out + 1] = tostring(v)
  end
  return out
end

parts.content, parts.canonical = content, canonical

-- The fund's canonical text, kept per fund table for the runs that promise
-- the fund does not change between them (loaded = true: a backtest).
local fund_text = setmetatable({}, { __mode = "k" })

local function run_key(run)
  local px = {}
  for s, u in pairs(run.unit) do px[s] = u end
  -- canonical{fund =, nav =, positions =, prices =, row =}, the keys in order
  local text = run.args.loaded and fund_text[run.cfg]
  if not text then
    text = table_concat(canonical(content(run.cfg), {}))
    if run.args.loaded then fund_text[run.cfg] = text end
  end
  local out = { "{", '"fund"=', text, "," }
  for _, kv in ipairs{ { "nav", run.nav }, { "positions", run.positions }, { "prices", px }, { "row", run.row_date } } do
    out[#out + 1] = string_format("%q=", kv[1])
    canonical(kv[2], out)
    out[#out + 1] = ","
  end
  out[#out + 1] = "}"
  local inputs = table_concat(out)
  local digest = folio.store.digest(inputs)
  local key = folio.store.digest(table_concat({ run.cfg.fund.id, tostring(run.asof), digest }, "\n"))
  return key, digest
end

local function args_loaded(run) return run.args.loaded and true or false end

-- submit: the approved orders reach the OMS once. With a store they are
-- recorded as intended first; a rerun with the same key resumes.
function stages.submit(run)
  local adapter, st = run.oms, run.store
  if st and not st.open_run and args_loaded(run) then
    -- a store without runs (a backtest's ledger, one rebalance per instant)
    -- keeps no idempotency record: the key only names the orders
    run.key = folio.store.digest(run.cfg.fund.id .. "\n" .. tostring(run.asof))
    run.inputs_digest = nil
  else
    run.key, run.inputs_digest = run_key(run)
  end
  local intended = {}
  for i, d in ipairs(run.decisions) do
    if d.decision ~= "rejected" and d.quantity > 0 then
      local o = run.orders[i]
      local seq = #intended + 1
      local notional = folio.usd_round_cents(d.quantity * o.price)
      intended[seq] = { seq = seq, client_order_id = string_format("%s-%04d", run.key:sub(1, 16), seq),
        symbol = o.symbol, side = o.side, quantity = d.quantity, price = o.price, quote = o.quote,
        notional = notional, weight = (o.side == "SELL" and -1 or 1) * notional / run.nav }
    end
  end
  run.intended, run.submitted = intended, {}
  if run.args.dry_run then return end
  local pending = intended
  if st and st.open_run then
    local rec = st:run(run.key)
    if rec then
      -- the same rebalance again: its recorded orders, not a recomputation
      local list = {}
      for _, o in ipairs(rec.orders) do
        list[#list + 1] = { seq = o.seq, client_order_id = o.client_id, symbol = o.symbol, side = o.side,
          quantity = o.quantity, price = o.price, quote = run.quote[o.symbol] or o.price, notional = o.notional,
          weight = o.weight, state = o.state }
      end
      run.intended = list
      run.resumed = rec.state
      pending = {}
      for _, o in ipairs(list) do
        if o.state == "submitted" then run.submitted[#run.submitted + 1] = o else pending[#pending + 1] = o end
      end
      note(run, "submit", { decision = rec.state == "done" and "already done" or "resumed", reason = string_format(
        "run %s already in the store: %d submitted, %d still to submit", run.key:sub(1, 16), #run.submitted, #pending) })
    else
      local orders = {}
      for _, o in ipairs(intended) do
        orders[#orders + 1] = { seq = o.seq, client_id = o.client_order_id, symbol = o.symbol, side = o.side,
          quantity = o.quantity, price = o.price, notional = o.notional, weight = o.weight }
      end
      st:open_run{ key = run.key, fund = run.cfg.fund.id, asof = run.asof, inputs_digest = run.inputs_digest, orders = orders }
    end
  end
  if #pending == 0 then return end
  local function mark(list)
    if st and st.mark_submitted and #list > 0 then
      local ids = {}
      for _, o in ipairs(list) do ids[#ids + 1] = o.client_order_id end
      st:mark_submitted{ key = run.key, client_ids = ids, when = run.asof }
    end
    for _, o in ipairs(list) do run.submitted[#run.submitted + 1] = o end
  end
  -- ask the OMS what it already holds (an order accepted just before a crash)
  if adapter.accepted then
    local ids = {}
    for _, o in ipairs(pending) do ids[#ids + 1] = o.client_order_id end
    local have = adapter.accepted(ids) or {}
    local rest, known = {}, {}
    for _, o in ipairs(pending) do
      if have[o.client_order_id] then known[#known + 1] = o else rest[#rest + 1] = o end
    end
    mark(known)
    pending = rest
  end
  local batch = {}
  for _, o in ipairs(pending) do
    local order = { client_order_id = o.client_order_id, symbol = o.symbol, side = o.side, quantity = o.quantity,
      price = o.price, quote = o.quote, notional = o.notional }
    local ok, err = pcall(adapter.submit, order)
    if not ok then run.submit_error = "the OMS refused " .. o.client_order_id .. " (" .. o.symbol .. "): " .. tostring(err) break end
    if adapter.flush then batch[#batch + 1] = o else mark{ o } end
  end
  if adapter.flush and #batch > 0 then
    local ok, err = pcall(adapter.flush)
    if ok then mark(batch) else run.submit_error = "the OMS did not accept the orders: " .. tostring(err) end
  end
end

-- record: with every order at the OMS, the rebalance, a snapshot and a
-- checkpoint (the run is marked done in the rebalance's transaction).
function stages.record(run)
  local st = run.store
  if not st or run.args.dry_run or run.submit_error or run.resumed == "done" then return end
  local trades, traded = {}, 0
  for _, o in ipairs(run.submitted) do
    traded = traded + math_abs(o.weight)
    trades[o.symbol] = (trades[o.symbol] or 0) + o.weight
  end
  local sleeve_state, previous = {}, run.saved.sleeves or {}
  for _, sleeve in ipairs(run.cfg.sleeves) do
    local s = run.sleeve[sleeve.name]
    if s.status == "sized" then
      sleeve_state[sleeve.name] = { weights = s.weights, asof = run.asof }
    else
      sleeve_state[sleeve.name] = previous[sleeve.name]
    end
  end
  local orders = {}
  for _, o in ipairs(run.submitted) do
    orders[#orders + 1] = { client_order_id = o.client_order_id, symbol = o.symbol, side = o.side, quantity = o.quantity,
      price = o.price, notional = o.notional }
  end
  local rec = { asof = run.asof, fund = run.cfg.fund.id, inputs_digest = run.inputs_digest, composite = run.composite,
    allocations = run.allocations, orders = orders, decisions = run.decisions, turnover = traded, trades = trades }
  if st.open_run then rec.run_key = run.key end
  st:record_rebalance(rec)
  st:record_snapshot{ timestamp = run.asof, nav = run.snapshot.nav, cash = run.snapshot.cash, gross = run.snapshot.gross,
    net = run.snapshot.net, positions = run.snap_positions }
  st:save_checkpoint{ asof = run.asof, state = { guards = run.guards:state(), memory = run.memory:state(), sleeves = sleeve_state } }
end

M.STAGES = { "inputs", "signals", "sizing", "capacity", "compose", "orders", "guards", "submit", "record" }
M.stages = setmetatable({}, { __index = stages, __newindex = function() fail("folio.rebalance.stages is read-only; pass stages = {...} to run", 2) end })

-- ---- the run -----------------------------------------------------------------------------------------

local RUN_KEYS = { fund = true, market = true, prices = true, volumes = true, oms = true, asof = true, store = true,
  dry_run = true, log = true, policy_path = true, stages = true, holder = true, json = true, due = true, loaded = true,
  returns = true }

-- The stage list and functions: the stock ones, replaced or wrapped by args.stages.
local function pipeline(custom)
  if custom == nil then return M.STAGES, stages end
  if type(custom) ~= "table" then fail("stages must be a table {name = function(run, default), order = {...}}", 3) end
  local order = custom.order or M.STAGES
  if type(order) ~= "table" then fail("stages.order must be a list of stage names", 3) end
  local fns = {}
  for _, k in ipairs(sorted(custom)) do
    local v = custom[k]
    if k ~= "order" then
      if type(k) ~= "string" or type(v) ~= "function" then
        fail("stages." .. tostring(k) .. " must be a function(run, default), got " .. type(v), 3)
      end
      fns[k] = v
    end
  end
  local listed = {}
  for i, name in ipairs(order) do
    if type(name) ~= "string" then fail(string_format("stages.order[%d] must be a stage name", i), 3) end
    if not stages[name] and not fns[name] then
      fail(string_format("stages.order[%d]: unknown stage '%s' (stock stages: %s; a new stage needs a function)", i,
        name, table_concat(M.STAGES, ", ")), 3)
    end
    listed[name] = true
  end
  for _, k in ipairs(sorted(fns)) do
    if not listed[k] then fail(string_format("stage '%s' is given but not in the order (%s)", k, table_concat(order, ", ")), 3) end
  end
  local out = {}
  for _, name in ipairs(order) do
    local custom_fn, stock = fns[name], stages[name]
    out[name] = custom_fn and function(run) return custom_fn(run, stock or function() end) end or stock
  end
  return order, out
end

--- folio.rebalance.run{...} -> the summary table (printed through log
--- unless json); raises on failure (after releasing the store's lock).
function M.run(args)
  if type(args) ~= "table" then fail("a table of named arguments is expected", 2) end
  for _, k in ipairs(sorted(args)) do
    if not RUN_KEYS[k] then
      fail("unknown key '" .. tostring(k) .. "' (expected " .. table_concat(sorted(RUN_KEYS), ", ") .. ")", 2)
    end
  end
  if args.oms == nil then fail("oms is required (folio.oms.file{...} or a table of functions)", 2) end
  folio.oms.check(args.oms)
  local order, fns = pipeline(args.stages)
  local run = { args = args, oms = args.oms, trace = {}, timings = {}, warnings = {} }
  local clock = folio.clock
  local t0 = clock()
  local ok, err = pcall(function()
    for _, name in ipairs(order) do
      local t = clock()
      fns[name](run)
      run.timings[name] = clock() - t
    end
  end)
  if run.store then run.store:close() end
  if not ok then error(err, 0) end
  run.timings.total = clock() - t0
  local summary = M.summary(run)
  if not args.json then M.print_summary(summary, args.log or print) end
  if run.submit_error then
    error(string_format("rebalance: %s; %d of %d order(s) reached the OMS and are recorded as submitted; " ..
      "rerun the same command to submit the rest", run.submit_error, #run.submitted, #(run.intended or {})), 0)
  end
  return summary, run
end

--- The summary of a run: plain data (sorted lists), ready for JSON.
function M.summary(run)
  local sleeves = {}
  for _, sleeve in ipairs(run.cfg.sleeves) do
    local s = run.sleeve and run.sleeve[sleeve.name] or {}
    sleeves[#sleeves + 1] = { name = sleeve.name, asset_class = sleeve.asset_class, session = s.session,
      local_time = s.local_time, sizer = s.sizer, gross_cap = s.gross_cap, status = s.status, reason = s.reason,
      allocation = run.allocations and run.allocations[sleeve.name] or 0 }
  end
  table_sort(sleeves, function(a, b) return a.name < b.name end)
  local orders, state = {}, {}
  for _, o in ipairs(run.submitted or {}) do state[o.client_order_id] = "submitted" end
  local ids = {}
  for _, o in ipairs(run.intended or {}) do ids[o.symbol .. "\0" .. o.side] = o.client_order_id end
  for i, o in ipairs(run.orders or {}) do
    local d = run.decisions and run.decisions[i] or {}
    local id = ids[o.symbol .. "\0" .. o.side]
    orders[#orders + 1] = { symbol = o.symbol, side = o.side, quantity = o.quantity, price = o.quote or o.price,
      unit_value = o.price, notional = o.notional, decision = d.decision, approved = d.quantity,
      why = (d.events and d.events[1] and d.events[1].guard) or o.reason or "", client_order_id = id,
      state = id and (state[id] or (run.args.dry_run and "dry run" or "intended")) or "not sent" }
  end
  local gross, targets = 0, 0
  for _, sym in ipairs(sorted(run.composite or {})) do
    local w = run.composite[sym]
    if w ~= 0 then gross = gross + math_abs(w) targets = targets + 1 end
  end
  local t = run.turnover or {}
  local status = run.submit_error and "failed" or ((run.rejected or 0) > 0 and "rejected orders" or "ok")
  return {
    fund = run.cfg.fund.id, asof = run.asof_label, asof_epoch = run.asof, price_date = run.row_date, nav = run.nav,
    dry_run = run.args.dry_run and true or false, key = run.key, resumed = run.resumed, status = status,
    sleeves = sleeves, excluded = run.excluded or {}, warnings = run.warnings or {}, capacity = run.capacity_on and "on" or "off (no volumes)",
    turnover = { needed = t.needed, budget = t.budget, used = run.turnover_used, constrained = t.constrained and true or false },
    targets = { names = targets, gross = gross }, composite = run.composite, orders = orders,
    submitted = #(run.submitted or {}), intended = #(run.intended or {}), rejected = run.rejected or 0,
    dropped = #(run.dropped or {}), trace = run.trace, metrics = run.metrics, events = run.events,
    timings = run.timings,
  }
end

--- Prints a rebalance summary through log (sorted, stable).
function M.print_summary(s, log)
  log = log or print
  log(string_format("rebalance %s of %s: NAV %.2f, prices of %s%s", s.asof, s.fund, s.nav, s.price_date,
    s.dry_run and " (dry run)" or ""))
  if s.resumed then log("  resumed run " .. tostring(s.key):sub(1, 16) .. " (" .. s.resumed .. ")") end
  for _, sl in ipairs(s.sleeves) do
    log(string_format("  sleeve %-20s allocation %.4f  %-6s %s (%s, %s, gross cap %.4g)", sl.name, sl.allocation or 0,
      sl.status or "?", sl.reason or "", sl.session or "?", sl.sizer or "-", sl.gross_cap or 0))
  end
  for _, e in ipairs(s.excluded) do
    log(string_format("  excluded %s: %s%s", e.symbol, e.reason, e.held and " (held: position kept, no order)" or ""))
  end
  if s.capacity ~= "on" then log("  capacity: " .. s.capacity .. ", liquidity guard off") end
  for _, w in ipairs(s.warnings or {}) do log("  note: " .. w) end
  local t = s.turnover
  if t.budget then
    log(string_format("  turnover: needed %.4f, budget %.4f (weekly cap minus %.4f already traded), %s",
      t.needed or 0, t.budget, t.used or 0, t.constrained and "constrained" or "within budget"))
  end
  log(string_format("  targets: %d names, gross %.4f", s.targets.names, s.targets.gross))
  log(string_format("  orders: %d, submitted %d, rejected %d, dropped below min notional %d", #s.orders,
    s.submitted, s.rejected, s.dropped))
  if #s.orders > 0 then
    local text = folio.format_table{ columns = { "symbol", "side", "quantity", "price", "notional", "decision", "approved", "why" },
      rows = s.orders, formats = { quantity = "%.6g", price = "%.4f", notional = "%.2f", approved = "%.6g" } }
    log((text:gsub("\n$", "")))
  end
end

-- ---- the command -------------------------------------------------------------------------------------

-- Exit statuses of `folio rebalance` (docs/rebalance.md).
M.EXIT = { ok = 0, failed = 1, usage = 2, rejected = 3 }

--- The `folio rebalance` command: options from the command line; returns the exit status.
function M.cli(opts)
  local cfg = folio.config.load{ path = opts.fund, sizers = false }
  local prices = folio.data.read_csv(opts.prices)
  local volumes
  if opts.volumes then
    volumes = folio.data.read_csv(opts.volumes)
  elseif opts.default_volumes and folio.reconcile.file_info(opts.default_volumes) then
    volumes = folio.data.read_csv(opts.default_volumes)
  end
  local adapter
  if opts.oms and opts.oms ~= "file" then
    local path = opts.oms:match("^lua:(.+)$")
    if not path then fail("--oms must be file or lua:FILE, got '" .. opts.oms .. "'") end
    adapter = folio.oms.load(path)
  else
    adapter = folio.oms.file{ positions = opts.positions, orders = (not opts.dry_run) and opts.out or nil }
  end
  local custom
  if opts.script then
    local chunk, why = loadfile(opts.script, "t")
    if not chunk then fail("--script: " .. tostring(why)) end
    custom = chunk()
    if type(custom) ~= "table" then fail("--script " .. opts.script .. " must return a table of stages, got " .. type(custom)) end
  end
  local summary = M.run{ fund = cfg, prices = prices, volumes = volumes, oms = adapter, asof = opts.asof,
    store = opts.store, dry_run = opts.dry_run, policy_path = opts.policy_path, stages = custom,
    holder = opts.holder, json = opts.json }
  if opts.json then print(folio.store.encode_json(summary)) end
  if opts.out and not opts.dry_run and not opts.json then
    print(string_format("wrote %d order(s) to %s", summary.submitted, opts.out))
  end
  return summary.rejected > 0 and M.EXIT.rejected or M.EXIT.ok
end
