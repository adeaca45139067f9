-- The multi-sleeve rebalance end to end on the shipped demo (folio.rebalance
-- with the file OMS adapter): turnover budget, orders file, store records,
-- determinism, the summary, and bad inputs. Sessions, policies, FX, the
-- universe, stages, fund-file keys and exactly-once have their own files
-- (test_rebalance_*.lua).
local dir = (arg[0]:match("^(.*)/") or ".")
local T = dofile(dir .. "/testlib.lua")
local F = dofile(dir .. "/rebalance_fixture.lua")
local folio = require "folio"

local prices = folio.data.read_csv("examples/data/prices.csv")
local volumes = folio.data.read_csv("examples/data/volumes.csv")
local ASOF = "2024-11-25T15:45:00-05:00" -- the demo's instant: RTH on a Monday
local quiet = function() end
local tmp = F.new{}
local function run(extra)
  local args = { fund = "examples/fund.yaml", prices = prices, volumes = volumes, asof = ASOF, log = quiet,
    oms = folio.oms.file{ positions = "examples/data/positions.csv", orders = tmp.out } }
  for k, v in pairs(extra or {}) do args[k] = v end
  return folio.rebalance.run(args)
end

-- 1. a full run: turnover within the weekly budget, orders written, sorted and recorded
local s = run{ store = tmp.store }
T.check(s.submitted > 0, "orders submitted")
local rows = F.orders(tmp.out)
T.eq(#rows, s.submitted, "every submitted order is in the orders file")
local traded = 0
for _, r in ipairs(rows) do traded = traded + tonumber(r.notional) / s.nav end
T.check(traded <= 0.30 + 1e-6, "traded " .. traded .. " within the 30 % weekly cap")
T.check(s.turnover.constrained, "the budget binds on the sample book")
for i = 2, #rows do T.check(rows[i - 1].client_order_id < rows[i].client_order_id, "sorted by client order id") end
for _, r in ipairs(rows) do T.check(r.client_order_id:find("^%x+%-%d%d%d%d$"), "client order id " .. r.client_order_id) end
-- the sleeves: equities follows the session matrix (RTH), crypto runs the example policy file
local by = {}
for _, sl in ipairs(s.sleeves) do by[sl.name] = sl end
T.eq(by.equities_momentum.session, "RTH"); T.eq(by.equities_momentum.sizer, "kelly_voltarget_12")
T.eq(by.crypto_mean_rev.sizer, "invvol_capped", "a Lua policy from examples/policies drives a sleeve")
T.eq(s.price_date, "2024-11-22", "15:45 New York: the last close is Friday's")
-- the store: the rebalance, its trades, a snapshot and a checkpoint; the next run's budget is reduced
do
  local st <close> = folio.store.open{ path = tmp.store, readonly = true }
  T.eq(st:count("rebalances"), 1)
  T.eq(st:count("trades"), s.submitted, "one trade per submitted order")
  T.check(st:load_checkpoint() ~= nil, "checkpoint saved")
  T.near(st:turnover_since{ asof = s.asof_epoch, days = 7 }, traded, 1e-6, "turnover recorded")
end
local s2 = run{ store = tmp.store, asof = "2024-11-26T15:45:00-05:00", dry_run = true }
T.check(s2.turnover.budget <= 0.30 - traded + 1e-6, "second run: budget is the cap minus what was traded")
for _, sl in ipairs(s2.sleeves) do
  if sl.name == "equities_momentum" then T.eq(sl.status, "kept", "monthly sleeve not re-sized the same month") end
end
-- HRP allocations sum to one; the position cap holds
local alloc = 0
for _, sl in ipairs(s.sleeves) do alloc = alloc + sl.allocation end
T.near(alloc, 1.0, 1e-12, "HRP allocations sum to the stated total")
for sym, w in pairs(s.composite) do T.check(math.abs(w) <= 0.20 + 1e-12, "cap " .. sym) end

-- 2. deterministic: the same inputs give the same composite and orders, bit for bit
local d1, d2 = run{ dry_run = true }, run{ dry_run = true }
for sym, w in pairs(d1.composite) do T.eq(d2.composite[sym], w, "bit-identical " .. sym) end
T.eq(folio.store.encode_json(d1.orders), folio.store.encode_json(d2.orders), "same orders")
T.eq(d1.submitted, 0, "a dry run submits nothing")

-- 3. the orders file: RFC 4180 through libcsv; a symbol with a comma reads back as itself
do
  local odd = tmp.dir .. "/odd.csv"
  local a = folio.oms.file{ positions = "examples/data/positions.csv", orders = odd }
  a.submit{ client_order_id = "k-0001", symbol = "USD,JPY", side = "SELL", quantity = 225, price = 1, quote = 114.7006, notional = 225 }
  a.submit{ client_order_id = "k-0002", symbol = 'A"B', side = "BUY", quantity = 1.5, price = 10, notional = 15 }
  a.submit{ client_order_id = "k-0003", symbol = "AAPL", side = "BUY", quantity = 3, price = 190.25, notional = 570.75 }
  T.eq(a.flush(), 3, "three orders written")
  T.eq(F.read(odd), 'client_order_id,symbol,side,quantity,price,notional\nk-0001,"USD,JPY",SELL,225,114.7006,225.00\n'
    .. 'k-0002,"A""B",BUY,1.5,10,15.00\nk-0003,AAPL,BUY,3,190.25,570.75\n', "quoted where needed")
  local back = F.orders(odd)
  T.eq(back[1].symbol, "USD,JPY", "reads back as itself")
  T.eq(a.accepted{ "k-0001", "k-0009" }["k-0001"], true, "the file adapter knows what it holds")
  T.eq(a.accepted{ "k-0009" }["k-0009"], nil)
  -- the same run resumed: rows already there are kept, never doubled
  local b = folio.oms.file{ positions = "examples/data/positions.csv", orders = odd }
  b.submit{ client_order_id = "k-0004", symbol = "MSFT", side = "BUY", quantity = 1, price = 400, notional = 400 }
  b.flush()
  T.eq(#F.orders(odd), 4, "resumed: 3 + 1 rows")
  -- another run's file is replaced
  local c = folio.oms.file{ positions = "examples/data/positions.csv", orders = odd }
  c.submit{ client_order_id = "other-0001", symbol = "MSFT", side = "SELL", quantity = 1, price = 400, notional = 400 }
  c.flush()
  T.eq(#F.orders(odd), 1, "a new run's orders replace the last run's")
  -- an unwritable orders path is an error naming it (below a regular file: ENOTDIR, even for root)
  local u = folio.oms.file{ positions = "examples/data/positions.csv", orders = odd .. "/x.csv" }
  u.submit{ client_order_id = "k-0001", symbol = "A", side = "BUY", quantity = 1, price = 1, notional = 1 }
  T.raises(function() u.flush() end, { odd .. "/x.csv", "Not a directory" }, "orders below a file")
end

-- 4. the positions file through libcsv: quoted fields, bad rows named by line
local function positions(text) return folio.oms.file{ positions = T.tmpfile(text) } end
local p = positions('symbol,quantity,avg_price,strategy\n"X,Y",3,2,"a, b"\nCASH,10,1,\n')
T.eq(p.get_positions()[1].symbol, "X,Y"); T.eq(p.get_positions()[1].strategy, "a, b")
T.eq(p.get_nav(), 16, "cash plus the position at cost")
T.raises(function() positions("symbol,quantity\nA,1\n") end, { ":1: missing column 'avg_price'" })
T.raises(function() positions("symbol,quantity,avg_price\nA,x,1\n") end, { ":2: quantity of A is not a number" })
T.raises(function() positions("symbol,quantity,avg_price\nA,1,0\n") end, { ":2: avg_price of A must be a number > 0" })
T.raises(function() positions("symbol,quantity,avg_price\nA,1,1\nA,2,1\n") end, { ":3: A listed twice (first at line 2)" })
T.raises(function() positions("symbol,quantity,avg_price\nA,1,1,9\n") end, { ":2: ragged row" })
T.raises(function() positions("symbol,quantity,avg_price\n\"A,1,1\n") end, { "unterminated quoted field" })
T.raises(function() positions("") end, { "empty file" })
T.raises(function() folio.oms.file{ positions = "/no/such/file.csv" } end, { "/no/such/file.csv" })

-- 5. bad inputs to the run
local real = folio.oms.file{ positions = "examples/data/positions.csv" }
T.raises(function() run{ oms = folio.oms.file{ positions = T.tmpfile("symbol,quantity,avg_price\nCASH,-5,1\n") } } end, { "NAV" })
T.raises(function() folio.rebalance.run{ fund = "examples/fund.yaml", prices = prices, oms = real, asoff = ASOF } end, { "unknown key 'asoff'" })
T.raises(function() folio.rebalance.run{ fund = "examples/fund.yaml", prices = prices, oms = { get_nav = real.get_nav } } end, { "get_positions" })
T.raises(function() folio.rebalance.run{ fund = "examples/fund.yaml", prices = prices } end, { "oms is required" })
T.raises(function() folio.rebalance.run{ fund = "examples/fund.yaml", oms = real } end, { "prices (or market) is required" })
T.raises(function() folio.rebalance.run{ fund = 5, prices = prices, oms = real } end, { "fund must be" })
T.raises(function() folio.rebalance.run("x") end, { "a table of named arguments" })
-- a sleeve naming a symbol with no price column at all: left out, reported
local yaml = F.read("examples/fund.yaml")
local odd_fund = tmp.dir .. "/fund.yaml"
F.write(odd_fund, (yaml:gsub("EQ_TECH1,", "NOT_A_SYMBOL,", 1):gsub("policies/invvol_capped.lua", "../main/examples/policies/invvol_capped.lua")))
T.raises(function() run{ fund = odd_fund, dry_run = true } end, { "escapes the fund file's folder" })
os.execute("mkdir -p '" .. tmp.dir .. "/policies' && cp examples/policies/invvol_capped.lua '" .. tmp.dir .. "/policies/'")
F.write(odd_fund, (yaml:gsub("EQ_TECH1,", "NOT_A_SYMBOL,", 1)))
local o = run{ fund = odd_fund, dry_run = true }
local reported = false
for _, e in ipairs(o.excluded) do if e.symbol == "NOT_A_SYMBOL" and e.reason == "no price column" then reported = true end end
T.check(reported, "a universe symbol without a price column is left out and reported")
-- a corrupt store: clear error, file untouched
local corrupt = tmp.dir .. "/corrupt.db"
F.write(corrupt, string.rep("not a database ", 200))
T.raises(function() run{ store = corrupt } end, { "corrupt.db" })
T.eq(F.read(corrupt), string.rep("not a database ", 200), "corrupt store not overwritten")

-- 6. the command: --json summary and exit statuses
local out, code = F.cli({}, "--fund examples/fund.yaml --positions examples/data/positions.csv --prices examples/data/prices.csv --dry-run --json --asof " .. ASOF, true)
T.eq(code, 0, "exit 0 on success")
local j = folio.store.decode_json(out)
T.check(type(j) == "table" and j.fund == "multi_asset_demo" and #j.sleeves == 3 and type(j.orders) == "table"
  and type(j.excluded) == "table" and type(j.trace) == "table" and j.turnover ~= nil, "--json: sleeves, orders, excluded, trace, turnover")
out, code = F.cli({}, "--fund examples/fund.yaml --prices examples/data/prices.csv --dry-run", true)
T.eq(code, 2, "usage error"); T.check(out:find("--positions is required", 1, true), out)
out, code = F.cli({}, "--fund examples/fund.yaml --positions examples/data/positions.csv --prices examples/data/prices.csv --dry-run --asof 1999-01-01", true)
T.eq(code, 1, "failure"); T.check(out:find("no price row at or before 1999-01-01", 1, true), out)
T.check(not out:find("stack traceback", 1, true), "no Lua traceback for operators")
-- rejected orders: exit 3 (a guard that rejects: max_gross far below the book)
local strict = tmp.dir .. "/strict.yaml"
F.write(strict, (yaml:gsub("max_gross: 2.0", "max_gross: 0.01"):gsub("mode: scale", "mode: reject")))
out, code = F.cli({}, "--fund '" .. strict .. "' --positions examples/data/positions.csv --prices examples/data/prices.csv --dry-run --asof " .. ASOF, true)
T.eq(code, 3, "exit 3 when a guard rejected orders: " .. out)
out, code = F.cli({}, "--fund examples/fund.yaml --oms smtp:x --prices examples/data/prices.csv", true)
T.eq(code, 2, "a bad --oms is a usage error")
tmp:cleanup()
T.finish("test_rebalance")
