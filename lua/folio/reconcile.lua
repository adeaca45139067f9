-- folio.reconcile: the live reconciler (docs/reconcile.md).
--
--   folio.reconcile.cycle{root =, config =, exchange =, journal =, max_age =, step =, min_notional =, now =}
--   folio.reconcile.watch{... the cycle's keys, interval =, cycles =, log =}
--   folio.exchange.paper{path = "paper_exchange.json"}
--
-- Each strategy keeps its current position in <root>/<strategy>/state.json;
-- portfolio_config.json (the strategy-weight manager's output) gives the
-- account value, the leverage and the strategies' weights. A symbol's target
-- is the sum over strategies of
--   units = account_value × leverage × weight × position / price,
-- diffed against the exchange's positions into orders. A cycle acts only when
-- its inputs (the config and the states it may use) changed since the cycle
-- it last acted on, and it journals its orders before placing them, under
-- client ids the exchange deduplicates, so a restart never places an order
-- twice. The exchange is a table of functions (get_positions, place_order);
-- folio.exchange.paper is the built-in file-based one.
local folio, internal = ...

local pairs, ipairs, type, error, tostring, tonumber, pcall = pairs, ipairs, type, error, tostring, tonumber, pcall
local loadfile = loadfile
local string_format, table_concat, table_remove = string.format, table.concat, table.remove
local math_abs, math_floor, math_type, math_huge = math.abs, math.floor, math.type, math.huge
local io, os = io, os -- nil in a sandbox: the reconciler runs on trusted hosts only

local encode, decode, digest = folio.store.encode_json, folio.store.decode_json, folio.store.digest
local sorted = folio.sorted_keys

local M = folio.reconcile -- the C part (lreconcile.c): sleep, now, file_info, list_dir, read_file, write_file, signals
local exchange = folio.exchange or {}
folio.exchange = exchange
-- The JSON converter of folio.store (sorted keys, strict), under a short name.
if folio.json == nil then folio.json = { encode = encode, decode = decode, digest = digest } end
folio.sleep = folio.sleep or M.sleep
folio.file_info = folio.file_info or M.file_info

local JOURNAL_VERSION = 1

-- Bad data (files, the exchange's answers) is not a mistake in the caller's
-- code, so its errors carry no Lua position: "reconcile: unknown strategy ...".
local function fail(msg) error("reconcile: " .. msg, 0) end

local argerror, check_keys = internal.argerror, internal.check_keys
-- The core's one check of the numeric domains (folio/numbers.h, docs/numbers.md):
-- check_number(domain, x, who, what, symbol) -> true, or nil, message.
local check_number = internal.check_number

-- How far in the future a state's `updated` may lie: the clock skew allowed
-- between the machine that wrote it and this one. Later is an error.
local MAX_CLOCK_SKEW = 60

local function finite(x) return type(x) == "number" and x == x and x ~= math_huge and x ~= -math_huge end

-- Numbers written to files: 12 significant digits, so 0.1 + 0.2 is stored as 0.3.
local function clean(x)
  local v = tonumber(string_format("%.12g", x))
  if v == 0 then return 0.0 end
  return v + 0.0
end

-- ---- files -----------------------------------------------------------------------------------

local function need_io()
  if not (io and io.open and os and os.rename) then
    fail("needs a trusted host (io and os are not available)")
  end
end

-- The whole file, or nil, message, missing (lreconcile.c: a regular file of
-- at most 64 MiB; a FIFO or a folder is refused without blocking; missing is
-- true when there is nothing at path).
local read_file = M.read_file

-- Writes text durably and atomically (lreconcile.c: temporary file, fsync,
-- rename, fsync of the folder): readers and a restart after a crash see the
-- old file or the new one, never half of one.
local function write_atomic(path, text)
  local ok, why = M.write_file(path, text .. "\n")
  if not ok then fail(why) end
end

local function decode_text(text)
  local ok, v = pcall(decode, text)
  if not ok then return nil, (tostring(v):gsub("^.-decode_json: ", "")) end
  return v
end

-- ---- the config (portfolio_config.json) ------------------------------------------------------

local function read_config(path)
  local text, why = read_file(path)
  if not text then fail("cannot read config " .. path .. ": " .. why) end
  local cfg, err = decode_text(text)
  if not cfg then fail("config " .. path .. " is not valid JSON: " .. err) end
  if type(cfg) ~= "table" then fail("config " .. path .. " must be a JSON object") end
  for _, spec in ipairs{ { "account_value", "usd" }, { "leverage", "weight" } } do
    local key, domain = spec[1], spec[2]
    local v = cfg[key]
    if v == nil then fail(string_format("config %s: %s is required", path, key)) end
    if not finite(v) or v <= 0 then
      fail(string_format("config %s: %s must be a finite number > 0, got %s", path, key, tostring(v)))
    end
    local ok, why = check_number(domain, v, "config " .. path, key)
    if not ok then fail(why) end
  end
  if type(cfg.weights) ~= "table" then fail(string_format("config %s: weights is required (an object)", path)) end
  -- A weight outside [0, FOLIO_MAX_WEIGHT] is that strategy's bad input: the
  -- strategy is skipped (reported), the others act. known keeps its name.
  local weights, bad_weights, known, all = {}, {}, {}, {}
  for name, w in pairs(cfg.weights) do
    if type(name) ~= "string" or name == "" then fail(string_format("config %s: weights must be keyed by strategy name", path)) end
    known[name] = true
    -- in the digest as given; a table as its type (an address would change the digest every cycle)
    all[name] = (type(w) == "number" or type(w) == "string" or type(w) == "boolean") and w or ("<" .. type(w) .. ">")
    local ok, why = finite(w) and w >= 0, nil
    if ok then ok, why = check_number("weight", w, "config " .. path, "weight of '" .. name .. "'") end
    if ok then
      weights[name] = w
    else
      bad_weights[name] = why or string_format("config %s: weight of '%s' must be a finite number >= 0, got %s",
        path, name, type(w) == "table" and "an object" or tostring(w))
    end
  end
  local used = { account_value = cfg.account_value, leverage = cfg.leverage, weights = all }
  used.digest = digest(used)
  used.weights, used.bad_weights, used.known = weights, bad_weights, known
  used.path = path
  return used
end

-- ---- strategy states (<root>/<strategy>/state.json) ------------------------------------------

-- Reads and checks one state file. Returns the state {seq, digest, updated,
-- positions, prices}, or nil, reason (unreadable, half-written, invalid or
-- stale: never acted on). A state naming another strategy than its folder
-- raises (the caller decided the folder is a known strategy).
local function read_state(path, name, known, now, max_age)
  local text, why = read_file(path)
  if not text then return nil, "cannot read: " .. why end
  local st, err = decode_text(text)
  if not st then return nil, "not valid JSON (half-written?): " .. err end
  if type(st) ~= "table" then return nil, "not a JSON object" end
  if type(st.strategy) ~= "string" then return nil, "strategy is required (the strategy's name)" end
  if not known[st.strategy] then
    fail(string_format("unknown strategy '%s' (%s): it is not in the config's weights; nothing was acted on",
      st.strategy, path))
  end
  if st.strategy ~= name then
    fail(string_format("%s names strategy '%s' but lies in the folder of '%s'; nothing was acted on", path,
      st.strategy, name))
  end
  if math_type(st.seq) ~= "integer" or st.seq < 0 then return nil, "seq must be an integer >= 0" end
  if type(st.updated) ~= "string" then return nil, "updated is required (an ISO-8601 time)" end
  local ok, t = pcall(folio.session.parse_asof, st.updated)
  if not ok then return nil, "updated '" .. st.updated .. "' is not an ISO-8601 time" end
  local okt, why = check_number("epoch", t, "state", "updated '" .. st.updated .. "'")
  if not okt then return nil, why end
  if t > now + MAX_CLOCK_SKEW then
    return nil, string_format("updated %s is in the future (%.0f s after now; at most %d s of clock skew allowed)",
      st.updated, t - now, MAX_CLOCK_SKEW)
  end
  if type(st.positions) ~= "table" then return nil, "positions is required (an object)" end
  local prices = st.prices or {}
  if type(prices) ~= "table" then return nil, "prices must be an object" end
  local pos, px = {}, {}
  for sym, p in pairs(st.positions) do
    if type(sym) ~= "string" or sym == "" then return nil, "positions must be keyed by symbol" end
    if not finite(p) or p < -1 or p > 1 then
      return nil, string_format("position of %s must be a number in [-1, 1], got %s", sym, tostring(p))
    end
    pos[sym] = p + 0.0
  end
  for sym, p in pairs(prices) do
    if type(sym) ~= "string" or sym == "" then return nil, "prices must be keyed by symbol" end
    if not finite(p) or p <= 0 then return nil, string_format("price of %s must be a number > 0, got %s", sym, tostring(p)) end
    local okp, why = check_number("price", p, "state", "price", sym)
    if not okp then return nil, why end
    px[sym] = p + 0.0
  end
  for sym, p in pairs(pos) do
    if p ~= 0 and not px[sym] then return nil, "no price for " .. sym end
  end
  local age = now - t
  if age > max_age then
    return nil, string_format("stale: updated %s, %.0f s ago (max age %g s)", st.updated, age, max_age)
  end
  local okd, d = pcall(digest, st)
  return { seq = st.seq, digest = okd and d or digest(text), updated = st.updated, positions = pos, prices = px }
end

-- The strategies present under root: folders with a state.json, sorted.
local function strategy_folders(root)
  local names, why = M.list_dir(root)
  if not names then fail("cannot list root " .. why) end
  local found = {}
  for _, name in ipairs(names) do
    if name:sub(1, 1) ~= "." then
      local info = M.file_info(root .. "/" .. name .. "/state.json")
      if info and info.kind == "file" then found[#found + 1] = name end
    end
  end
  return found
end

-- ---- the journal -------------------------------------------------------------------------------

local function empty_journal()
  return { version = JOURNAL_VERSION, cycle = 0, key = "", inputs = "", status = "done", strategies = {},
           prices = {}, orders = {} }
end

-- The shape of a version-1 journal, checked whole before anything is acted
-- on: nil, or what is wrong (the first problem, naming the field).
local function journal_problem(j)
  if type(j) ~= "table" or j.version ~= JOURNAL_VERSION then return "not a version " .. JOURNAL_VERSION .. " journal" end
  if math_type(j.cycle) ~= "integer" or j.cycle < 0 then return "cycle must be an integer >= 0" end
  for _, k in ipairs{ "key", "inputs" } do
    if j[k] ~= nil and type(j[k]) ~= "string" then return k .. " must be a string" end
    if j[k] == nil and j.cycle > 0 then return k .. " is missing" end
  end
  if j.status ~= nil and j.status ~= "done" and j.status ~= "pending" then return "status must be 'done' or 'pending'" end
  local function number_map(t, what, domain)
    if t == nil then return nil end
    if type(t) ~= "table" then return what .. " must be an object {SYMBOL = number}" end
    for sym, v in pairs(t) do
      if type(sym) ~= "string" or not finite(v) then return string_format("%s: bad entry %s", what, tostring(sym)) end
      if domain then
        local ok, why = check_number(domain, v, "journal", what, sym)
        if not ok then return why end
      end
    end
  end
  local bad = number_map(j.prices, "prices", "price")
  if bad then return bad end
  if j.strategies ~= nil and type(j.strategies) ~= "table" then return "strategies must be an object" end
  for name, st in pairs(j.strategies or {}) do
    local at = "strategies." .. tostring(name)
    if type(name) ~= "string" or type(st) ~= "table" then return at .. " must be an object" end
    if math_type(st.seq) ~= "integer" then return at .. ".seq must be an integer" end
    if type(st.digest) ~= "string" then return at .. ".digest must be a string" end
    if st.updated ~= nil and type(st.updated) ~= "string" then return at .. ".updated must be a string" end
    if st.weight ~= nil and not finite(st.weight) then return at .. ".weight must be a number" end
    bad = number_map(st.positions, at .. ".positions", "quantity") or number_map(st.prices, at .. ".prices", "price")
    if bad then return bad end
  end
  if j.orders ~= nil and type(j.orders) ~= "table" then return "orders must be an array" end
  for i, o in ipairs(j.orders or {}) do
    local at = "orders[" .. i .. "]"
    if type(o) ~= "table" then return at .. " must be an object" end
    if type(o.symbol) ~= "string" or o.symbol == "" then return at .. ".symbol must be a string" end
    if o.side ~= "BUY" and o.side ~= "SELL" then return at .. ".side must be BUY or SELL" end
    if not finite(o.quantity) or o.quantity <= 0 then return at .. ".quantity must be a number > 0" end
    if type(o.client_id) ~= "string" or o.client_id == "" then return at .. ".client_id must be a string" end
    if o.price ~= nil and not finite(o.price) then return at .. ".price must be a number" end
  end
end

local function read_journal(path)
  local text, why, missing = read_file(path)
  if not text and missing then return empty_journal() end
  local j, err
  if text then j, err = decode_text(text) else err = why end
  if j and not err then err = journal_problem(j) end
  if not j or err then
    fail(string_format("journal %s is unreadable (%s); refusing to act: restore it, or remove it to start "
      .. "over (the exchange's client-id check is then the only guard against repeats)", path,
      err or "not a version " .. JOURNAL_VERSION .. " journal"))
  end
  j.key, j.inputs = j.key or "", j.inputs or ""
  j.strategies = j.strategies or {}
  j.prices = j.prices or {}
  j.orders = j.orders or {}
  return j
end

-- What the journal keeps of a state: enough to size it again.
local function journal_state(st)
  return { seq = st.seq, digest = st.digest, updated = st.updated, positions = st.positions, prices = st.prices,
           weight = st.weight }
end

-- ---- the exchange ----------------------------------------------------------------------------

local function check_exchange(ex)
  if type(ex) ~= "table" then fail("exchange must be an adapter table {get_positions =, place_order =}") end
  for _, f in ipairs{ "get_positions", "place_order" } do
    if type(ex[f]) ~= "function" then fail("exchange." .. f .. " must be a function") end
  end
end

local function exchange_positions(ex)
  local got = ex.get_positions()
  if type(got) ~= "table" then fail("exchange.get_positions must return a table {SYMBOL = units}") end
  local pos = {}
  for sym, q in pairs(got) do
    if type(sym) ~= "string" or not finite(q) then
      fail(string_format("exchange.get_positions: bad entry %s = %s", tostring(sym), tostring(q)))
    end
    local ok, why = check_number("quantity", q, "exchange.get_positions", "position", sym)
    if not ok then fail(why) end
    pos[sym] = q
  end
  return pos
end

local function place(ex, o)
  local ok, fill = pcall(ex.place_order, { symbol = o.symbol, side = o.side, quantity = o.quantity,
                                           client_id = o.client_id, price = o.price })
  if not ok then
    fail(string_format("exchange.place_order failed for %s (%s %s %s): %s; the journal stays pending and "
      .. "the next cycle places the same orders again under the same client ids", o.client_id, o.side,
      tostring(o.quantity), o.symbol, tostring(fill)))
  end
  local status = type(fill) == "table" and fill.status or "placed"
  return tostring(status)
end

-- ---- orders --------------------------------------------------------------------------------------

-- |x| rounded down to a multiple of step (a tiny allowance for binary noise,
-- so 0.3 / 0.1 counts as 3 steps).
local function round_down(x, step)
  local n = math_floor(math_abs(x) / step + 1e-9)
  return clean(n * step)
end

-- One strategy's units per symbol, account_value × leverage × weight ×
-- position / price, or nil, why when a number leaves its domain (a price
-- outside [1e-8, 1e12], units beyond 1e15: docs/numbers.md). The states
-- read this cycle were checked already; the journal's are checked here.
local function strategy_targets(cfg, st, w)
  local scale = cfg.account_value * cfg.leverage * w
  local units = {}
  for _, sym in ipairs(sorted(st.positions)) do
    local p = st.positions[sym]
    if not finite(p) then return nil, string_format("position of %s is %s", sym, tostring(p)) end
    if p ~= 0 then
      local px = st.prices and st.prices[sym]
      if type(px) ~= "number" then return nil, "no price for " .. sym end
      local ok, why = check_number("price", px, "reconcile", "price", sym)
      if not ok then return nil, why end
      local u = scale * p / px
      ok, why = check_number("quantity", u, "reconcile", "target units", sym)
      if not ok then return nil, why end
      units[sym] = u
    else
      units[sym] = 0
    end
  end
  return units
end

-- Targets per symbol from the strategies' units (contrib[name], checked),
-- and the price of each symbol: the latest state's that prices it.
local function targets_of(used, contrib)
  local targets, price, price_time = {}, {}, {}
  for _, name in ipairs(sorted(contrib)) do
    local st = used[name]
    local ok, t = pcall(folio.session.parse_asof, st.updated)
    if not ok then t = 0 end
    for sym, u in pairs(contrib[name]) do
      targets[sym] = (targets[sym] or 0) + u
      local px = st.prices and st.prices[sym]
      if px and (price[sym] == nil or t > price_time[sym]) then
        price[sym], price_time[sym] = px, t
      end
    end
  end
  return targets, price
end

-- The orders that take the exchange's positions to the targets.
local function diff(targets, positions, price, known_prices, step, min_notional, id_prefix)
  local syms = {}
  for s in pairs(targets) do syms[s] = true end
  for s, q in pairs(positions) do if q ~= 0 then syms[s] = true end end
  local orders, small = {}, {}
  for _, sym in ipairs(sorted(syms)) do
    local cur, tgt = positions[sym] or 0, targets[sym] or 0
    local px = price[sym] or known_prices[sym]
    local qty, closing
    if math_abs(tgt) < step / 2 then
      qty, closing = clean(math_abs(cur)), true -- flat: close exactly, whatever the step
    else
      qty = round_down(tgt - cur, step)
    end
    if qty > 0 then
      local side = (closing and cur < 0 or (not closing and tgt > cur)) and "BUY" or "SELL"
      local o = { symbol = sym, side = side, quantity = qty, price = px, client_id = id_prefix .. sym,
                  target = clean(tgt), current = cur }
      if px then o.notional = folio.usd_round_cents(qty * px) end
      if not closing and px and qty * px < min_notional then
        small[#small + 1] = o
      else
        orders[#orders + 1] = o
      end
    end
  end
  return orders, small
end

-- ---- one cycle ------------------------------------------------------------------------------------

local CYCLE_KEYS = { root = true, config = true, exchange = true, journal = true, max_age = true, step = true,
                     min_notional = true, now = true }

--- folio.reconcile.cycle{root = DIR, config = FILE, exchange = adapter, journal = FILE, max_age = 3600,
---   step = 0.0001, min_notional = 10, now = epoch} -> report
--- One reconciliation: finish a pending cycle, read the config and the
--- states, and act (journal, place, journal) when the inputs changed.
function M.cycle(args)
  check_keys("cycle", args, CYCLE_KEYS, 2)
  need_io()
  if type(args.root) ~= "string" then argerror("cycle", "root is required: the strategies' folder", 2) end
  local root = args.root
  local max_age = args.max_age or 3600
  local step = args.step or 0.0001
  local min_notional = args.min_notional or 10
  if not finite(max_age) or max_age <= 0 then argerror("cycle", "max_age must be > 0 seconds", 2) end
  if not finite(step) or step <= 0 then argerror("cycle", "step must be > 0", 2) end
  if not finite(min_notional) or min_notional < 0 then argerror("cycle", "min_notional must be >= 0", 2) end
  -- the quantity step is a lot size, the minimum notional an amount (docs/numbers.md)
  local okd, why = check_number("lot", step, "cycle", "step")
  if okd then okd, why = check_number("usd", min_notional, "cycle", "min_notional") end
  if not okd then argerror("cycle", (why:gsub("^cycle: ", "")), 2) end
  local ex = args.exchange
  check_exchange(ex)
  local now = args.now or M.now()
  if type(now) ~= "number" then argerror("cycle", "now must be a number (epoch seconds)", 2) end
  local okn, whyn = check_number("epoch", now, "cycle", "now")
  if not okn then argerror("cycle", (whyn:gsub("^cycle: ", "")), 2) end
  local journal_path = args.journal or (root .. "/.reconciler.json")
  local report = { acted = false, orders = {}, small = {}, resumed = {}, warnings = {}, strategies = {} }
  local function warn(msg) report.warnings[#report.warnings + 1] = msg end

  -- 1. a cycle journaled as pending was interrupted: place its orders again
  --    (same ids: the exchange fills each id once), then mark it done
  local j = read_journal(journal_path)
  if j.status == "pending" then
    for _, o in ipairs(j.orders) do
      o.status = place(ex, o)
      report.resumed[#report.resumed + 1] = o
    end
    j.status = "done"
    write_atomic(journal_path, encode(j))
  end

  -- 2. the config and the states
  local cfg = read_config(args.config or (root .. "/portfolio_config.json"))
  local folders = strategy_folders(root)
  for _, name in ipairs(folders) do
    if not cfg.known[name] then
      fail(string_format("unknown strategy '%s' (%s/%s/state.json): it is not in the weights of %s; nothing "
        .. "was acted on", name, root, name, cfg.path), 2)
    end
  end
  local present, used, changed = {}, {}, {}
  for _, name in ipairs(folders) do
    present[name] = true
    local path = root .. "/" .. name .. "/state.json"
    local prev = j.strategies[name]
    local keep = prev and string_format("; keeping the state acted on (seq %d)", prev.seq) or "; nothing acted on yet"
    local st, why
    if cfg.bad_weights[name] then
      why = cfg.bad_weights[name] -- the strategy's bad input: skip it, keep what was acted on
    else
      st, why = read_state(path, name, cfg.known, now, max_age)
    end
    if cfg.bad_weights[name] then
      warn(string_format("%s: %s; skipped%s", name, why, keep))
      used[name] = prev
      report.strategies[name] = "skipped"
    elseif st and prev and st.digest == prev.digest then
      used[name] = prev
      report.strategies[name] = "unchanged (seq " .. prev.seq .. ")"
    elseif st and prev and st.seq <= prev.seq then
      warn(string_format("%s: seq %d did not increase past %d (acted on); skipped%s", name, st.seq, prev.seq, keep))
      used[name] = prev
      report.strategies[name] = "skipped"
    elseif st then
      used[name] = journal_state(st)
      changed[#changed + 1] = name .. " seq " .. st.seq
      report.strategies[name] = "new (seq " .. st.seq .. ")"
    else
      warn(string_format("%s: %s: %s; skipped%s", name, path, why, keep))
      used[name] = prev
      report.strategies[name] = "skipped"
    end
  end
  for _, name in ipairs(sorted(j.strategies)) do -- acted on before, state file gone since
    if not present[name] then
      used[name] = j.strategies[name]
      warn(string_format("%s: %s/%s/state.json is missing; keeping the state acted on (seq %d)", name, root, name,
        j.strategies[name].seq))
      report.strategies[name] = "missing"
    end
  end
  for _, name in ipairs(sorted(cfg.known)) do
    if not used[name] and not report.strategies[name] then
      warn(string_format("%s: no state file (%s/%s/state.json)", name, root, name))
      report.strategies[name] = "missing"
    end
  end

  -- each strategy's units, checked: a strategy whose numbers leave their
  -- domains falls back to the state acted on, or is skipped (reported)
  local contrib, weight_of = {}, {}
  for _, name in ipairs(sorted(used)) do
    local st, prev = used[name], j.strategies[name]
    local w = cfg.weights[name]
    if w == nil and cfg.bad_weights[name] then w = st.weight end -- the weight it was acted on with
    if w == nil and not cfg.known[name] then w = 0 end -- gone from the config: its positions close
    local units, why
    if w == nil then -- a journal of an older folio: no weight to fall back to; closing would be a guess
      fail(string_format("%s; the journal keeps no weight for the state %s was acted on with (seq %d), so "
        .. "nothing was acted on: correct the weight", cfg.bad_weights[name], name, st.seq))
    end
    units, why = strategy_targets(cfg, st, w)
    if not units and prev and st ~= prev then
      local w0 = cfg.weights[name] or prev.weight
      local back = w0 and strategy_targets(cfg, prev, w0)
      if back then
        warn(string_format("%s: %s; skipped; keeping the state acted on (seq %d)", name, why, prev.seq))
        report.strategies[name] = "skipped"
        used[name], units, w = prev, back, w0
      end
    end
    if not units or used[name] ~= st then
      for i = #changed, 1, -1 do -- its new state is not acted on after all
        if changed[i]:sub(1, #name + 5) == name .. " seq " then table_remove(changed, i) end
      end
    end
    if units then
      contrib[name], weight_of[name] = units, w
    elseif prev then -- acted on before: dropping its targets would close what it holds
      fail(string_format("%s: %s, and the state acted on (seq %d) cannot be sized either; nothing was "
        .. "acted on (skipping it would close its positions)", name, why, prev.seq))
    else
      warn(string_format("%s: %s; skipped, nothing of it targeted", name, why))
      report.strategies[name] = "skipped"
      used[name] = nil
    end
  end

  -- 3. act only when the inputs changed since the cycle last acted on
  local inputs = { config = cfg.digest, strategies = {} }
  for name, st in pairs(used) do inputs.strategies[name] = st.digest end
  local inputs_digest = digest(inputs)
  report.cycle = j.cycle
  if inputs_digest == j.inputs then return report end
  local cycle = j.cycle + 1
  local key = digest(j.key .. "|" .. inputs_digest) -- chained: the same inputs later give new ids
  local targets, price = targets_of(used, contrib)
  local positions = exchange_positions(ex)
  local prefix = string_format("r%d-%s-", cycle, key:sub(1, 8))
  local orders, small = diff(targets, positions, price, j.prices, step, min_notional, prefix)

  -- 4. journal the intent, place, journal the outcome
  local known = {}
  for s, p in pairs(j.prices) do known[s] = p end
  for s, p in pairs(price) do known[s] = p end
  local stored = {}
  for name, st in pairs(used) do
    stored[name] = journal_state(st)
    stored[name].weight = weight_of[name] -- what a skipped weight falls back to
  end
  local nj = { version = JOURNAL_VERSION, cycle = cycle, key = key, inputs = inputs_digest, status = "pending",
               config = cfg.digest, strategies = stored, prices = known, orders = orders,
               written = os.date("!%Y-%m-%dT%H:%M:%SZ", math_floor(now)) }
  write_atomic(journal_path, encode(nj))
  for _, o in ipairs(orders) do o.status = place(ex, o) end
  nj.status = "done"
  write_atomic(journal_path, encode(nj))
  report.acted, report.cycle, report.orders, report.small = true, cycle, orders, small
  report.changed = changed
  report.targets = {}
  for s, t in pairs(targets) do report.targets[s] = clean(t) end
  return report
end

-- ---- the loop ---------------------------------------------------------------------------------------

-- What the watch loop compares between polls: size and mtime of the config
-- and of every state file (a rewrite changes at least the mtime).
local function signature(root, config)
  local parts = {}
  local function add(path)
    local info = M.file_info(path)
    parts[#parts + 1] = info and string_format("%s:%d:%.0f:%d", path, info.size, math_floor(info.mtime), info.mtime_ns)
      or (path .. ":absent")
  end
  add(config)
  local names = M.list_dir(root) or {}
  for _, name in ipairs(names) do
    if name:sub(1, 1) ~= "." then add(root .. "/" .. name .. "/state.json") end
  end
  return table_concat(parts, "\n")
end

local function default_log(msg)
  io.stdout:write(msg, "\n")
  io.stdout:flush()
end

--- Formats a cycle's report as lines of text (what `folio reconcile` prints).
function M.format_report(rep)
  local lines = {}
  for _, o in ipairs(rep.resumed or {}) do
    lines[#lines + 1] = string_format("resumed %s %s %s (%s): %s", o.side, tostring(o.quantity), o.symbol, o.client_id,
      tostring(o.status))
  end
  for _, w in ipairs(rep.warnings or {}) do lines[#lines + 1] = "warning: " .. w end
  if not rep.acted then
    lines[#lines + 1] = string_format("cycle %d: nothing changed, no orders", rep.cycle or 0)
    return lines
  end
  lines[#lines + 1] = string_format("cycle %d: %s changed; %d order%s", rep.cycle,
    #rep.changed > 0 and table_concat(rep.changed, ", ") or "config", #rep.orders, #rep.orders == 1 and "" or "s")
  for _, o in ipairs(rep.orders) do
    lines[#lines + 1] = string_format("  %-4s %14s %-12s @ %-12s %12s  %s %s", o.side, string_format("%.10g", o.quantity),
      o.symbol, o.price and string_format("%.10g", o.price) or "-", o.notional and string_format("%.2f", o.notional) or "-",
      o.client_id, o.status or "")
  end
  for _, o in ipairs(rep.small) do
    lines[#lines + 1] = string_format("  skipped %s %.10g %s: notional %.2f under the minimum", o.side, o.quantity, o.symbol,
      o.notional)
  end
  return lines
end

local WATCH_KEYS = { interval = true, cycles = true, log = true, trap_signals = true }
for k in pairs(CYCLE_KEYS) do WATCH_KEYS[k] = true end

--- folio.reconcile.watch{<cycle keys>, interval = 5, cycles = nil, log = print-like, trap_signals = true}
--- Polls every `interval` seconds and runs a cycle when the config or a
--- state file changed (size or mtime; the cycle itself then compares
--- digests). Stops after `cycles` polls, or at SIGINT/SIGTERM between
--- cycles. A failing cycle is logged and tried again at the next poll.
--- Returns {polls =, acted =, errors =, interrupted = signal name or false}.
function M.watch(args)
  check_keys("watch", args, WATCH_KEYS, 2)
  need_io()
  local interval = args.interval or 5
  if not finite(interval) or interval < 0 then argerror("watch", "interval must be >= 0 seconds", 2) end
  local max_polls = args.cycles
  if max_polls ~= nil and (math_type(max_polls) ~= "integer" or max_polls < 1) then
    argerror("watch", "cycles must be an integer >= 1", 2)
  end
  if type(args.root) ~= "string" then argerror("watch", "root is required: the strategies' folder", 2) end
  local log = args.log or default_log
  local cargs = {}
  for k in pairs(CYCLE_KEYS) do cargs[k] = args[k] end
  local config = args.config or (args.root .. "/portfolio_config.json")
  if args.trap_signals ~= false then M.trap_signals() end
  local stats = { polls = 0, acted = 0, errors = 0, interrupted = false }
  local last_sig, last_error, last_warnings = nil, nil, nil
  while true do
    if M.interrupted() then break end
    local sig = signature(args.root, config)
    if sig ~= last_sig then
      local ok, rep = pcall(M.cycle, cargs)
      if ok then
        last_sig, last_error = sig, nil
        local warnings = table_concat(rep.warnings, "\n")
        if rep.acted then stats.acted = stats.acted + 1 end
        if rep.acted or #rep.resumed > 0 or warnings ~= last_warnings then
          for _, line in ipairs(M.format_report(rep)) do log(line) end
        end
        last_warnings = warnings
      else
        stats.errors = stats.errors + 1
        last_sig = nil -- try again at the next poll
        if rep ~= last_error then log("error: " .. tostring(rep)) end
        last_error = rep
      end
    end
    stats.polls = stats.polls + 1
    if max_polls and stats.polls >= max_polls then break end
    if not M.sleep(interval) then break end
  end
  stats.interrupted = M.interrupted()
  if stats.interrupted then log("reconcile: " .. stats.interrupted .. ", stopping between cycles") end
  return stats
end

-- ---- the paper exchange -------------------------------------------------------------------------------

--- folio.exchange.paper{path = "paper_exchange.json"} -> an exchange adapter
--- whose positions and fills live in a JSON file, rewritten atomically after
--- every fill: {"fills": {CLIENT_ID: {n, symbol, side, quantity, price}},
--- "n_fills": N, "positions": {SYMBOL: units}}. An order whose client id was
--- filled before is not filled again (place_order returns status "duplicate").
function exchange.paper(args)
  check_keys("paper", args, { path = true }, 2)
  need_io()
  local path = args.path
  if type(path) ~= "string" or path == "" then argerror("paper", "path is required", 2) end
  local function load()
    local text, why, missing = read_file(path)
    if not text and missing then return { positions = {}, fills = {}, n_fills = 0 } end
    local st, err
    if text then st, err = decode_text(text) else err = why end
    if type(st) ~= "table" or type(st.positions or {}) ~= "table" or type(st.fills or {}) ~= "table" then
      error(string_format("paper exchange: %s is unreadable (%s)", path, err or "not a paper exchange file"), 0)
    end
    st.positions, st.fills, st.n_fills = st.positions or {}, st.fills or {}, st.n_fills or 0
    return st
  end
  local a = {}
  function a.get_positions()
    local pos = {}
    for s, q in pairs(load().positions) do pos[s] = q end
    return pos
  end
  function a.place_order(o)
    if type(o) ~= "table" then argerror("place_order", "table expected", 2) end
    check_keys("place_order", o, { symbol = true, side = true, quantity = true, client_id = true, price = true }, 2)
    if type(o.symbol) ~= "string" or o.symbol == "" then argerror("place_order", "symbol is required", 2) end
    if o.side ~= "BUY" and o.side ~= "SELL" then argerror("place_order", "side must be BUY or SELL", 2) end
    if not finite(o.quantity) or o.quantity <= 0 then argerror("place_order", "quantity must be > 0", 2) end
    if type(o.client_id) ~= "string" or o.client_id == "" then
      argerror("place_order", "client_id is required", 2)
    end
    local st = load()
    local prev = st.fills[o.client_id]
    if prev then
      return { status = "duplicate", client_id = o.client_id, symbol = prev.symbol, side = prev.side,
               quantity = prev.quantity, price = prev.price }
    end
    local q = (st.positions[o.symbol] or 0) + (o.side == "BUY" and o.quantity or -o.quantity)
    q = clean(q)
    st.positions[o.symbol] = q ~= 0 and q or nil
    st.n_fills = st.n_fills + 1
    st.fills[o.client_id] = { n = st.n_fills, symbol = o.symbol, side = o.side, quantity = o.quantity, price = o.price }
    write_atomic(path, encode(st))
    return { status = "filled", client_id = o.client_id, symbol = o.symbol, side = o.side, quantity = o.quantity,
             price = o.price }
  end
  --- The fills so far, {CLIENT_ID = {n, symbol, side, quantity, price}}.
  function a.fills() return load().fills end
  return a
end

-- ---- the command line -----------------------------------------------------------------------------------

-- An exchange from its command-line spelling: paper:FILE, or lua:FILE (a
-- Lua file returning an adapter table, for a real exchange).
local function exchange_from_spec(spec, root)
  spec = spec or ("paper:" .. root .. "/paper_exchange.json")
  local kind, rest = spec:match("^(%a+):(.+)$")
  if kind == "paper" then return exchange.paper{ path = rest } end
  if kind == "lua" then
    local chunk, err = loadfile(rest, "t")
    if not chunk then fail("--exchange " .. spec .. ": " .. tostring(err)) end
    local ad = chunk()
    check_exchange(ad)
    return ad
  end
  fail("--exchange must be paper:FILE or lua:FILE, got '" .. spec .. "'")
end

--- The `folio reconcile` command: options from the command line.
function M.cli(opts)
  local ex = exchange_from_spec(opts.exchange, opts.root)
  local cargs = { root = opts.root, config = opts.config, journal = opts.journal, exchange = ex,
                  max_age = opts.max_age, step = opts.step, min_notional = opts.min_notional }
  if not opts.watch or opts.once then
    local rep = M.cycle(cargs)
    for _, line in ipairs(M.format_report(rep)) do default_log(line) end
    return
  end
  cargs.interval, cargs.cycles = opts.interval, opts.cycles
  default_log(string_format("reconcile: watching %s every %g s", opts.root, opts.interval or 5))
  local stats = M.watch(cargs)
  default_log(string_format("reconcile: %d polls, %d cycles acted, %d errors", stats.polls, stats.acted, stats.errors))
end
