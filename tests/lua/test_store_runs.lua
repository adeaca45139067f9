-- tests/lua/test_store_runs.lua — folio.store runs and the run lock through
-- the host: lock/unlock (two stores exclude each other, the holder's text in
-- the message), open_run (new, rerun, mismatch, bad arguments naming the
-- field), run, mark_submitted, record_rebalance{run_key}, turnover_since of
-- a half-submitted open run, count of runs and orders.
local T = dofile((arg[0]:match("^(.*)/") or ".") .. "/testlib.lua")
local store = folio.store

local path = T.tmpfile("")
local function cleanup()
  for _, tail in ipairs{"-wal", "-shm", ".lock"} do os.remove(path .. tail) end
end

local st = store.open{path = path}
local other = store.open{path = path}

-- ---- the run lock ----------------------------------------------------------
T.eq(st:lock{holder = "folio rebalance pid 4242 on host h since 2026-12-07T06:00:00Z"}, true, "lock taken")
T.raises(function() other:lock{holder = "second"} end,
  {"is locked by another run: folio rebalance pid 4242 on host h since 2026-12-07T06:00:00Z",
   "(lock file " .. path .. ".lock)"}, "second store refused at once")
T.raises(function() other:lock{} end, "holder is required", "holder required")
T.raises(function() other:lock{holder = "x", wait = true} end, "unknown key 'wait'", "strict keys")
st:unlock()
T.eq(other:lock{holder = "other"}, true, "released by unlock")
other:close()
T.eq(st:lock{holder = "st again"}, true, "released by close")

-- ---- open_run / run ----------------------------------------------------------
local t0 = 1718928000 -- 2024-06-21
local function orders(key, n)
  local o = {}
  for i = 1, n do
    local buy = i % 2 == 1
    o[i] = {seq = i, client_id = key .. "-" .. i, symbol = ({"AAPL", "MSFT", "XOM"})[(i - 1) % 3 + 1],
            side = buy and "BUY" or "SELL", quantity = 10 * i, price = 100, notional = 1000 * i,
            weight = (buy and 1 or -1) * 0.01 * i}
  end
  return o
end
local run = {key = "k1", fund = "demo", asof = "2024-06-21", inputs_digest = "d1", orders = orders("k1", 3)}
T.eq(st:open_run(run), false, "a new run")
T.eq(st:open_run(run), true, "a rerun finds it")
T.eq(st:count("runs"), 1, "one run")
T.eq(st:count("orders"), 3, "three orders")
local r = st:run("k1")
T.eq(r.key, "k1", "key")
T.eq(r.state, "open", "open")
T.eq(r.fund, "demo", "fund")
T.eq(r.asof, t0, "asof as epoch seconds")
T.eq(r.inputs_digest, "d1", "digest")
T.eq(r.rebalance_id, nil, "no rebalance yet")
T.eq(#r.orders, 3, "orders back")
T.eq(r.orders[2].client_id, "k1-2", "client id")
T.eq(r.orders[2].side, "SELL", "side")
T.eq(r.orders[2].weight, -0.02, "signed weight")
T.eq(r.orders[3].quantity, 30, "quantity")
T.eq(r.orders[1].state, "intended", "intended")
T.eq(r.orders[1].submitted_at, nil, "not submitted")
T.eq(st:run("nope"), nil, "absent run is nil")
T.raises(function() st:open_run{key = "k1", fund = "other", asof = t0, inputs_digest = "d1", orders = {}} end,
  "run 'k1' exists with fund 'demo', not 'other'", "mismatched rerun")

-- bad arguments name the field and the order
local function bad(change, needle, msg)
  local o = orders("b", 2)
  change(o[2])
  T.raises(function() st:open_run{key = "b", fund = "demo", asof = t0, orders = o} end, needle, msg)
end
bad(function(o) o.side = "buy" end, "order #2 (b-2): side must be \"BUY\" or \"SELL\"", "side")
bad(function(o) o.quantity = 0 end, "quantity must be > 0", "quantity")
bad(function(o) o.quantity = "10" end, "orders[2].quantity must be a number, got string", "quantity type")
bad(function(o) o.weight = 0 / 0 end, "order #2 (b-2): weight is not finite", "NaN weight")
bad(function(o) o.client_id = nil end, "orders[2].client_id must be a string, got nil", "client id")
bad(function(o) o.client_id = "b-1" end, "client_id 'b-1' is used by two orders", "duplicate client id")
bad(function(o) o.seq = 1 end, "seq 1 is used by two orders", "duplicate seq")
bad(function(o) o.seq = 1.5 end, "orders[2].seq must be an integer", "seq")
bad(function(o) o.sid = "BUY" end, "orders[2]: unknown key 'sid'", "unknown order key")
T.raises(function() st:open_run{key = "", fund = "demo", asof = t0, orders = {}} end, "key is required")
T.raises(function() st:open_run{key = "b", asof = t0, orders = {}} end, "fund is required")
T.raises(function() st:open_run{key = "b", fund = "demo", orders = {}} end, "asof is required")
T.raises(function() st:open_run{key = "b", fund = "demo", asof = t0} end, "orders must be an array")
T.raises(function() st:open_run{key = "b", fund = "demo", asof = t0, orders = {x = {}}} end,
  "orders must be an array 1..n")
T.raises(function() st:open_run{key = "b", fund = "demo", asof = t0, orders = {1}} end,
  "orders[1] must be a table")
T.raises(function() st:open_run{key = "b", fund = "demo", asof = t0, orders = {}, extra = 1} end,
  "unknown key 'extra'")
T.eq(st:count("runs"), 1, "nothing written by failed calls")

-- ---- mark_submitted and completion --------------------------------------------
st:mark_submitted{key = "k1", client_ids = {"k1-1"}, when = t0 + 60}
r = st:run("k1")
T.eq(r.orders[1].state, "submitted", "submitted")
T.eq(r.orders[1].submitted_at, t0 + 60, "submitted_at")
T.eq(r.orders[2].state, "intended", "others still intended")
st:mark_submitted{key = "k1", client_ids = {"k1-1"}, when = t0 + 999}
T.eq(st:run("k1").orders[1].submitted_at, t0 + 60, "idempotent: the first time stays")
T.raises(function() st:mark_submitted{key = "k1", client_ids = {"zz"}} end,
  "run 'k1' has no order with client_id 'zz'", "unknown client id")
T.raises(function() st:mark_submitted{key = "k1", client_ids = {1}} end, "client_ids[1] must be a string")
T.raises(function() st:mark_submitted{key = "k1"} end, "client_ids must be an array")
T.raises(function() st:mark_submitted{client_ids = {}} end, "key is required")
T.raises(function() st:mark_submitted{key = "nope", client_ids = {"a"}} end, "no run 'nope'")

-- a half-submitted open run counts as far as it traded (|w| 0.01)
T.near(st:turnover_since{asof = t0}, 0.01, 1e-15, "open run: submitted orders")
T.raises(function() st:record_rebalance{asof = t0, fund = "demo", turnover = 0.06, run_key = "k1"} end,
  "order k1-2 was never submitted", "never submitted")
T.raises(function() st:record_rebalance{asof = t0, fund = "demo", turnover = 0.06, run_key = ""} end,
  "run_key is empty")
st:mark_submitted{key = "k1", client_ids = {"k1-2", "k1-3"}} -- when: now
T.check(st:run("k1").orders[3].submitted_at > t0, "when defaults to now")
T.near(st:turnover_since{asof = t0}, 0.06, 1e-15, "all submitted")
local id = st:record_rebalance{asof = t0, fund = "demo", turnover = 0.06, run_key = "k1", trades = {AAPL = 0.04}}
r = st:run("k1")
T.eq(r.state, "done", "done")
T.eq(r.rebalance_id, id, "rebalance id")
T.eq(st:rebalances()[1].run_key, "k1", "rebalance names its run")
T.near(st:turnover_since{asof = t0}, 0.06, 1e-15, "done: counted once")
T.raises(function() st:record_rebalance{asof = t0, fund = "demo", turnover = 0, run_key = "k1"} end,
  "run 'k1' is already done", "done twice")
T.raises(function() st:record_rebalance{asof = t0, fund = "demo", turnover = 0, run_key = "zz"} end,
  "no run 'zz'", "unknown run")
st:close()

-- read-only: runs read, writes refused
local ro = store.open{path = path, readonly = true}
T.eq(ro:run("k1").state, "done", "read-only read")
T.raises(function() ro:mark_submitted{key = "k1", client_ids = {}} end, "read-only")
ro:close()
cleanup()

T.finish("test_store_runs.lua")
