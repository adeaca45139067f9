-- folio.PortfolioAllocator (alias folio.portfolio_allocator): the
-- signal-to-order allocation.
--
--   local pa = folio.PortfolioAllocator{target_weight = 0.02}
--   local order = pa:order_from_signal({symbol = "AAPL", direction = 1, confidence = 0.8}, snapshot)
--   local orders, decisions, events, skipped = pa:orders_from_signals(signals, snapshot, guards)
--
-- notional = max(nav * target_weight * confidence, min_notional); quantity =
-- notional / price in whole lots toward zero (unless fractional); BUY when
-- direction >= 0, else SELL. The arithmetic is the core's
-- (portfolio_allocator.h); this file reads signals and snapshots and shapes the
-- order exactly like an order of folio.orders.diff, so folio.guards decides
-- it unchanged, with the same decision records as the rebalance path.
--
-- As in policy.lua: globals captured, state in upvalues, no io/os.
local folio, internal = ...

local pairs, ipairs, type, error, pcall, setmetatable =
  pairs, ipairs, type, error, pcall, setmetatable
local math_type, math_huge = math.type, math.huge
local string_format, string_gsub = string.format, string.gsub
local table_concat, table_sort = table.concat, table.sort

local C = folio.PortfolioAllocator -- the primitives (lposition_sizers.c)
local c_order_from_signal, c_options_check = C._order_from_signal, C._options_check
local TARGET_WEIGHT, MIN_NOTIONAL = C._target_weight, C._min_notional

-- shared with the other Lua parts (folio/common.lua)
local is_finite, num_text, key_text = internal.is_finite, internal.num_text, internal.key_text

local argerror, check_keys = internal.argerror, internal.check_keys

-- Calls a C primitive; its error (no location of its own) is raised again
-- `level` frames up, as argerror's level counts.
local function call(level, fn, ...)
  local ok, a = pcall(fn, ...)
  if ok then return a end
  if type(a) == "string" and a ~= "not enough memory" then
    error((string_gsub(a, "^%[folio%.[%w_]+%]:%d+: ", "")), level + 1)
  end
  error(a, 0)
end

-- ---- allocator objects --------------------------------------------------------------------

local state = setmetatable({}, { __mode = "k" }) -- object -> options
local methods = {}

local SIGNAL_KEYS = { symbol = true, direction = true, confidence = true, price = true, strategy = true }

-- The snapshot's NAV, and {SYM = {quantity (summed over strategies), market_price}}.
local function read_snapshot(fname, snapshot, level)
  if type(snapshot) ~= "table" then
    argerror(fname, "snapshot must be a table (folio.state.snapshot), got " .. type(snapshot), level + 1)
  end
  local nav = snapshot.nav
  if not is_finite(nav) then argerror(fname, "snapshot.nav must be a finite number, got " .. num_text(nav), level + 1) end
  local book = {}
  local positions = snapshot.positions
  if positions ~= nil then
    if type(positions) ~= "table" then argerror(fname, "snapshot.positions must be an array, got " .. type(positions), level + 1) end
    for i, p in ipairs(positions) do
      if type(p) ~= "table" or type(p.symbol) ~= "string" or not is_finite(p.quantity) then
        argerror(fname, "snapshot.positions[" .. i .. "] must be a position {symbol, quantity, market_price}", level + 1)
      end
      local b = book[p.symbol]
      if not b then
        b = { quantity = 0 }
        book[p.symbol] = b
      end
      b.quantity = b.quantity + p.quantity
      if b.market_price == nil and is_finite(p.market_price) then b.market_price = p.market_price end
    end
  end
  return nav, book
end

-- One order from one signal against a read snapshot; nil, reason when it rounds to zero lots.
local function make_order(fname, o, signal, what, nav, book, level)
  if type(signal) ~= "table" then argerror(fname, what .. " must be a table {symbol, direction, confidence}", level + 1) end
  check_keys(fname, signal, SIGNAL_KEYS, level + 1, what .. ": ")
  local sym = signal.symbol
  if type(sym) ~= "string" or sym == "" then argerror(fname, what .. ": symbol must be a non-empty string", level + 1) end
  local direction = signal.direction
  if type(direction) ~= "number" then
    argerror(fname, what .. " (" .. sym .. "): direction must be a number, got " .. type(direction), level + 1)
  end
  local confidence = signal.confidence
  if confidence == nil then confidence = 1.0 end
  if type(confidence) ~= "number" then
    argerror(fname, what .. " (" .. sym .. "): confidence must be a number in [0, 1], got " .. type(confidence), level + 1)
  end
  if not (confidence >= 0 and confidence <= 1) then
    argerror(fname, what .. " (" .. sym .. "): confidence must be in [0, 1], got " .. num_text(confidence), level + 1)
  end
  if signal.strategy ~= nil and type(signal.strategy) ~= "string" then
    argerror(fname, what .. " (" .. sym .. "): strategy must be a string", level + 1)
  end
  local held = book[sym]
  local price = signal.price
  if price == nil then price = held and held.market_price end
  if price == nil then
    argerror(fname, what .. ": no price for " .. sym .. " (give signal.price, or hold it in the snapshot)", level + 1)
  end
  if type(price) ~= "number" then argerror(fname, what .. " (" .. sym .. "): price must be a number, got " .. type(price), level + 1) end
  local r = call(level + 1, c_order_from_signal, nav, direction, confidence, price, o.target_weight, o.min_notional,
    o.lot_size, o.fractional)
  if r.zero_lots then
    return nil, string_format("order_from_signal: %s: %s USD buys less than one lot at %s (lot size %s)",
      sym, num_text(r.target_notional), num_text(price), num_text(o.lot_size))
  end
  local current = held and held.quantity or 0
  local side = r.side > 0 and "BUY" or "SELL"
  local order = {
    symbol = sym, side = side, quantity = r.quantity, price = price, notional = r.notional,
    lot_size = o.fractional and 0 or o.lot_size,
    target_notional = r.target_notional, target_quantity = r.raw_quantity,
    current_quantity = current, final_quantity = current + r.side * r.quantity,
    direction = direction, confidence = confidence, strategy = signal.strategy,
    source = "signal",
  }
  -- the same precedence idea as folio.orders' reasons: what changed the size
  if r.floored then order.reason = "min_notional floor"
  elseif r.rounded then order.reason = "lot rounding" end
  return order
end

-- pa:order_from_signal(signal, snapshot) -> order | nil, reason
function methods.order_from_signal(self, signal, snapshot)
  local o = state[self]
  if not o then error("bad self to 'order_from_signal' (a PortfolioAllocator expected)", 2) end
  local nav, book = read_snapshot("order_from_signal", snapshot, 2)
  local order, why = make_order("order_from_signal", o, signal, "signal", nav, book, 2)
  return order, why -- (not a tail call: error levels count this frame)
end

-- pa:orders_from_signals(signals, snapshot, guards [, {adv_usd =, asof =}])
--   -> orders, decisions, events, skipped
function methods.orders_from_signals(self, signals, snapshot, guards, opts)
  local fname = "orders_from_signals"
  local o = state[self]
  if not o then error("bad self to '" .. fname .. "' (a PortfolioAllocator expected)", 2) end
  if type(signals) ~= "table" then argerror(fname, "signals must be an array of signals, got " .. type(signals), 2) end
  if type(guards) ~= "userdata" or type(guards.check) ~= "function" then
    argerror(fname, "guards must be a folio.guards object (folio.guards.new{...}), got " .. type(guards), 2)
  end
  if opts ~= nil and type(opts) ~= "table" then argerror(fname, "options must be a table {adv_usd =, asof =}", 2) end
  opts = opts or {}
  check_keys(fname, opts, { adv_usd = true, asof = true }, 2, "options: ")
  local nav, book = read_snapshot(fname, snapshot, 2)
  local orders, skipped, seen = {}, {}, {}
  for k in pairs(signals) do
    if math_type(k) ~= "integer" or k < 1 or k > #signals then
      argerror(fname, "signals must be an array (key " .. key_text(k) .. ")", 2)
    end
  end
  for i = 1, #signals do
    local what = "signals[" .. i .. "]"
    local sig = signals[i]
    local order, why = make_order(fname, o, sig, what, nav, book, 2)
    local sym = sig.symbol
    if seen[sym] then argerror(fname, what .. ": a second signal for " .. sym .. " (signals[" .. seen[sym] .. "])", 2) end
    seen[sym] = i
    if order then orders[#orders + 1] = order
    else skipped[#skipped + 1] = { symbol = sym, signal = i, reason = why } end
  end
  -- the book the guards see: positions summed per symbol, the snapshot's prices,
  -- and for ordered symbols the price the order was sized at
  local positions, prices = {}, {}
  for sym, b in pairs(book) do
    positions[sym] = { quantity = b.quantity }
    prices[sym] = b.market_price
  end
  for _, ord in ipairs(orders) do prices[ord.symbol] = ord.price end
  local check = { orders = orders, positions = positions, prices = prices, nav_usd = nav, adv_usd = opts.adv_usd }
  -- a timestamped snapshot (or an explicit asof) also advances the drawdown guard, as in the rebalance
  if snapshot.timestamp ~= nil or opts.asof ~= nil then
    check.snapshot, check.asof = snapshot, opts.asof
  end
  local ok, decisions, events = pcall(guards.check, guards, check)
  if not ok then
    if type(decisions) == "string" and decisions ~= "not enough memory" then
      error(string_gsub(decisions, "^%[folio%.[%w_]+%]:%d+: ", ""), 2)
    end
    error(decisions, 0)
  end
  return orders, decisions, events, skipped
end

-- pa:describe() -> {target_weight, min_notional, lot_size, fractional}
function methods.describe(self)
  local o = state[self]
  if not o then error("bad self to 'describe' (a PortfolioAllocator expected)", 2) end
  return { target_weight = o.target_weight, min_notional = o.min_notional, lot_size = o.fractional and 0 or o.lot_size,
    fractional = o.fractional }
end

local ALLOC_KEYS = { target_weight = true, min_notional = true, lot_size = true, fractional = true }

-- folio.PortfolioAllocator{target_weight = 0.02, min_notional = 100, lot_size = 1 | fractional = true}
local function new(args)
  local fname = "PortfolioAllocator"
  if args == nil then args = {} end
  if type(args) ~= "table" then argerror(fname, "table of named arguments expected, got " .. type(args), 2) end
  check_keys(fname, args, ALLOC_KEYS, 2)
  for _, k in ipairs{ "target_weight", "min_notional", "lot_size" } do
    if args[k] ~= nil and type(args[k]) ~= "number" then argerror(fname, k .. " must be a number, got " .. type(args[k]), 2) end
  end
  if args.fractional ~= nil and type(args.fractional) ~= "boolean" then
    argerror(fname, "fractional must be a boolean, got " .. type(args.fractional), 2)
  end
  if args.fractional and args.lot_size ~= nil then argerror(fname, "give lot_size or fractional = true, not both", 2) end
  local o = {
    target_weight = args.target_weight or TARGET_WEIGHT,
    min_notional = args.min_notional or MIN_NOTIONAL,
    lot_size = args.lot_size or 1,
    fractional = args.fractional or false,
  }
  local ok, e = pcall(c_options_check, o.target_weight, o.min_notional, o.lot_size, o.fractional)
  if not ok then
    if type(e) == "string" then argerror(fname, (string_gsub(e, "^PortfolioAllocator: order_from_signal: ", "")), 2) end
    error(e, 0)
  end
  local fields = {
    target_weight = o.target_weight, min_notional = o.min_notional,
    lot_size = o.fractional and 0 or o.lot_size, fractional = o.fractional,
    order_from_signal = methods.order_from_signal, orders_from_signals = methods.orders_from_signals,
    describe = methods.describe,
  }
  local obj = setmetatable({}, {
    __index = fields,
    __newindex = function(_, k) error("attempt to modify a PortfolioAllocator (field " .. key_text(k) .. ")", 2) end,
    __metatable = false,
    __tostring = function() return "folio.PortfolioAllocator(target_weight = " .. num_text(o.target_weight) .. ")" end,
    __name = "folio.PortfolioAllocator",
  })
  state[obj] = o
  return obj
end

folio.PortfolioAllocator = new
folio.portfolio_allocator = new
