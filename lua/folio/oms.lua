-- folio.oms: order-management adapters for folio.rebalance.
--
-- An adapter is a table of functions:
--   get_positions() -> {{symbol =, quantity =, avg_price =, strategy =}, ...}
--   get_nav(values) -> the book's value in the fund's currency (> 0); values
--                      = {SYMBOL = value of one unit on the rebalance row}
--   submit(order)   -> accepts one order {client_order_id, symbol, side,
--                      quantity, price, quote, notional}; raises to refuse it
--   flush()         -> optional: makes every order submitted so far durable
--                      at the OMS (an adapter that batches); orders are
--                      recorded as submitted only after it returns
--   accepted(ids)   -> optional: the subset of the client order ids the OMS
--                      already holds ({id = true}); a resumed rebalance asks
--                      before submitting again, so an order that reached the
--                      OMS just before a crash is never sent twice
-- folio.oms.file is the built-in adapter for CSV files; folio.oms.load reads
-- a Lua file that returns an adapter (folio rebalance --oms lua:FILE).
local folio = ...

local ipairs, pairs, type, tostring, tonumber, error, pcall = ipairs, pairs, type, tostring, tonumber, error, pcall
local string_format, table_concat, table_sort = string.format, table.concat, table.sort
local math_huge = math.huge

local oms = {}
folio.oms = oms

local function fail(msg, level) error("oms: " .. msg, (level or 1) + 1) end

local function is_finite(x) return type(x) == "number" and x == x and x ~= math_huge and x ~= -math_huge end

-- Reads a CSV file as records through libcsv (folio.data.read_records) and
-- returns the rows as tables keyed by column, each with its line number.
local function records(path, need)
  local ok, r = pcall(folio.data.read_records, path)
  if not ok then fail(tostring(r):gsub("^bad argument #%d+ to '[^']*' %((.*)%)$", "%1"), 2) end
  local col = {}
  for i, c in ipairs(r.columns) do col[c] = i end
  for _, c in ipairs(need) do
    if not col[c] then fail(string_format("%s:1: missing column '%s' (have %s)", path, c, table_concat(r.columns, ", ")), 2) end
  end
  local rows = {}
  for i, cells in ipairs(r.rows) do
    local row = { line = r.lines[i] }
    for c, j in pairs(col) do row[c] = cells[j] end
    rows[i] = row
  end
  return rows, col
end

-- The positions file: symbol,quantity,avg_price[,strategy]; a row with
-- symbol CASH holds the cash balance (in the fund's currency) in quantity.
local function read_positions(path)
  local rows, col = records(path, { "symbol", "quantity", "avg_price" })
  local list, cash, seen, cash_line = {}, 0, {}, nil
  for _, row in ipairs(rows) do
    local sym, n = row.symbol, row.line
    local q, p = tonumber(row.quantity), tonumber(row.avg_price)
    if sym == "" then fail(string_format("%s:%d: empty symbol", path, n), 2) end
    if not is_finite(q) then fail(string_format("%s:%d: quantity of %s is not a number ('%s')", path, n, sym, row.quantity), 2) end
    if seen[sym] then fail(string_format("%s:%d: %s listed twice (first at line %d)", path, n, sym, seen[sym]), 2) end
    seen[sym] = n
    if sym == "CASH" then
      cash, cash_line = q, n
    else
      if not is_finite(p) or not (p > 0) then fail(string_format("%s:%d: avg_price of %s must be a number > 0 ('%s')", path, n, sym, row.avg_price), 2) end
      list[#list + 1] = { symbol = sym, quantity = q, avg_price = p, strategy = col.strategy and row.strategy ~= "" and row.strategy or nil }
    end
  end
  table_sort(list, function(a, b) return a.symbol < b.symbol end)
  return list, cash, cash_line
end
oms.read_positions = read_positions

local ORDER_COLUMNS = { "client_order_id", "symbol", "side", "quantity", "price", "notional" }

local function order_row(o)
  return folio.data.csv_row{ o.client_order_id, o.symbol, o.side, string_format("%.10g", o.quantity),
    string_format("%.10g", o.quote or o.price), string_format("%.2f", o.notional) } .. "\n"
end

--- folio.oms.file{positions = "positions.csv", orders = "orders.csv" | nil, nav = X | nil}
--- -> an adapter: the book from the positions file (get_nav(values) values it
---    at `values`, else at avg_price, plus the CASH row; with `nav` the book's
---    NAV is X and the cash is what the positions leave of it — a CASH row
---    then is an error, the two would disagree); submitted orders are queued and flush() writes the
---    orders file atomically (RFC 4180, sorted by client order id). The file
---    holds one rebalance: rows of the same run (the client order ids' run
---    prefix) already in it are kept, so a resumed run never writes an order
---    twice; accepted(ids) reads the file.
function oms.file(args)
  if type(args) ~= "table" or type(args.positions) ~= "string" then
    fail("folio.oms.file{positions = path, orders = path} expected", 2)
  end
  if not (folio.reconcile and io and io.open) then fail("the file adapter needs a trusted host", 2) end
  local list, cash, cash_line = read_positions(args.positions)
  if args.nav ~= nil then
    if not is_finite(args.nav) or not (args.nav > 0) then fail("file: nav must be a finite number > 0, got " .. tostring(args.nav), 2) end
    if cash_line then
      fail(string_format("%s:%d: a CASH row and a NAV (%.17g) given: give one of them", args.positions, cash_line, args.nav), 2)
    end
  end
  local queue = {}
  local a = {}
  function a.get_positions() return list end
  function a.get_nav(values)
    if args.nav ~= nil then return args.nav end
    local nav = cash
    for _, p in ipairs(list) do
      local v = values and values[p.symbol] or p.avg_price
      nav = nav + p.quantity * v
    end
    return nav
  end
  -- the rows already in the orders file, by client order id
  local function existing()
    if not args.orders then return {} end
    local info = folio.reconcile.file_info(args.orders)
    if not info then return {} end
    local rows = records(args.orders, ORDER_COLUMNS)
    local by_id = {}
    for _, r in ipairs(rows) do
      by_id[r.client_order_id] = { client_order_id = r.client_order_id, symbol = r.symbol, side = r.side,
        quantity = tonumber(r.quantity), quote = tonumber(r.price), notional = tonumber(r.notional) }
    end
    return by_id
  end
  local function run_of(id) return (id:match("^(.-)%-%d+$")) end
  function a.accepted(ids)
    local have, out = existing(), {}
    for _, id in ipairs(ids) do if have[id] then out[id] = true end end
    return out
  end
  function a.submit(order)
    if type(order) ~= "table" or type(order.client_order_id) ~= "string" then fail("submit: an order with a client_order_id expected", 2) end
    queue[#queue + 1] = order
  end
  function a.flush()
    if #queue == 0 then return 0 end
    if not args.orders then queue = {} return 0 end
    local run = run_of(queue[1].client_order_id)
    local rows = {}
    for id, o in pairs(existing()) do
      if run_of(id) == run then rows[id] = o end -- the same rebalance, resumed
    end
    for _, o in ipairs(queue) do rows[o.client_order_id] = o end
    local ids = folio.sorted_keys(rows)
    local lines = { table_concat(ORDER_COLUMNS, ",") .. "\n" }
    for _, id in ipairs(ids) do lines[#lines + 1] = order_row(rows[id]) end
    -- the one atomic writer (folio_i_write_atomic): temporary file, fsync,
    -- rename, fsync of the folder, mode 0666 less the umask
    local ok, why = folio.reconcile.write_file(args.orders, table_concat(lines))
    if not ok then fail(why, 2) end
    local n = #queue
    queue = {}
    return n
  end
  return a
end

--- folio.oms.load(path) -> the adapter a trusted Lua file returns (checked:
--- get_positions, get_nav and submit are functions; flush and accepted
--- optional functions).
function oms.load(path)
  if type(path) ~= "string" then fail("load: a path expected", 2) end
  if not (loadfile and io) then fail("load: needs a trusted host", 2) end
  local chunk, why = loadfile(path, "t")
  if not chunk then fail("load: " .. tostring(why), 2) end
  local a = chunk()
  oms.check(a, path)
  return a
end

--- folio.oms.check(adapter, where) raises unless adapter is a valid adapter.
function oms.check(a, where)
  where = where and (where .. ": ") or ""
  if type(a) ~= "table" then fail(where .. "an OMS adapter is a table of functions, got " .. type(a), 2) end
  for _, f in ipairs{ "get_positions", "get_nav", "submit" } do
    if type(a[f]) ~= "function" then fail(where .. "adapter." .. f .. " must be a function, got " .. type(a[f]), 2) end
  end
  for _, f in ipairs{ "flush", "accepted" } do
    if a[f] ~= nil and type(a[f]) ~= "function" then fail(where .. "adapter." .. f .. " must be a function or nil, got " .. type(a[f]), 2) end
  end
end

return oms
