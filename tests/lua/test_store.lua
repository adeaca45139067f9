-- tests/lua/test_store.lua — folio.store through the host: records, queries,
-- JSON round trips and rejections, bad files, digest.
local T = dofile((arg[0]:match("^(.*)/") or ".") .. "/testlib.lua")
local store = folio.store

local function cleanup(path)
  os.remove(path .. "-wal")
  os.remove(path .. "-shm")
end

local function slurp(path)
  local f = assert(io.open(path, "rb"))
  local s = f:read("a")
  f:close()
  return s
end

-- ---- JSON ------------------------------------------------------------------
local enc, dec = store.encode_json, store.decode_json
T.eq(enc({b = {1, 2.0, 0.1}, a = "x", c = true}), '{"a":"x","b":[1,2.0,0.1],"c":true}', "sorted keys")
T.eq(enc({}), "{}", "empty table")
T.eq(enc("a\"b\\c\n\1"), '"a\\"b\\\\c\\n\\u0001"', "escapes")
T.eq(enc(-0.0), "-0.0", "negative zero")
T.eq(enc(1e300), "1e+300", "big")
T.eq(enc({1e-5, 3.14159e-7, "\31"}), '[1e-05,3.14159e-07,"\\u001f"]', "the spelling folio always wrote (digests depend on it)")
T.eq(enc(math.maxinteger), tostring(math.maxinteger), "maxinteger")
local v = {w = {AAPL = 0.1, MSFT = -1 / 3}, n = 3, f = 3.0, s = "é\t", list = {{a = 1}, {b = {true, false}}}}
local back = dec(enc(v))
T.eq(back.w.MSFT, -1 / 3, "float round trip")
T.eq(math.type(back.n), "integer", "integer stays integer")
T.eq(math.type(back.f), "float", "float stays float")
T.eq(back.s, "é\t", "string round trip")
T.eq(back.list[2].b[2], false, "nested")
T.eq(enc(back), enc(v), "stable text")
T.eq(dec('"\\u00e9\\ud83d\\ude00"'), "é😀", "unicode escapes")
T.eq(dec("[1,null,3]")[3], 3, "null in array is a hole")
T.eq(dec('{"a":null}').a, nil, "null in object")
T.raises(function() enc({x = 0 / 0}) end, "value.x is NaN", "NaN")
T.raises(function() enc({1, 2, math.huge}) end, "value[3] is infinite", "Inf")
local cyc = {a = {}}
cyc.a.b = cyc
T.raises(function() enc(cyc) end, "value.a.b contains itself", "cycle")
local deep = 1
for _ = 1, 32 do deep = {deep} end
T.check(pcall(enc, deep), "depth 32 is fine")
T.raises(function() enc({deep}) end, "nests deeper than 32", "depth 33")
T.raises(function() enc({[1] = 1, [3] = 3}) end, "array with holes", "holes")
T.raises(function() enc({1, a = 2}) end, "mixes string and number keys", "mixed")
T.raises(function() enc({[1.5] = 1}) end, "key of type", "float key")
T.raises(function() enc({f = print}) end, "value.f is a function", "function")
T.raises(function() dec("[1,]") end, "not valid JSON", "bad json")
T.raises(function() dec("NaN") end, "not valid JSON", "NaN text")
T.raises(function() dec(string.rep("[", 33) .. string.rep("]", 33)) end, "deeper than 32", "deep text")

-- ---- digest ------------------------------------------------------------------
T.eq(store.digest("abc"), "e71fa2190541574b", "FNV-1a 64 of abc")
T.eq(store.digest(""), "cbf29ce484222325", "FNV-1a 64 of empty")
T.eq(store.digest({b = 1, a = 2}), store.digest('{"a":2,"b":1}'), "table digest = digest of canonical JSON")

-- ---- a store -----------------------------------------------------------------
local path = T.tmpfile("") -- an empty file: initialised on open (create = true)
local st = store.open{path = path}
T.check(tostring(st):find("folio.store('", 1, true) == 1, "tostring")
T.eq(getmetatable(st), "locked", "locked metatable")
T.eq(st:load_checkpoint(), nil, "no checkpoint yet")
T.eq(st:latest_snapshot(), nil, "no snapshot yet")
local day = 86400
local t0 = 1718928000 -- 2024-06-21
local id = st:record_rebalance{asof = "2024-06-14", fund = "demo", inputs_digest = store.digest("x"),
  composite = {AAPL = 0.5, MSFT = 0.5}, allocations = {core = 0.7, tactical = 0.3},
  orders = {{symbol = "AAPL", side = "buy", quantity = 10}}, decisions = {{guard = "drawdown", pass = true}},
  turnover = 1.0, trades = {AAPL = 0.5, MSFT = 0.5}}
T.eq(id, 1, "first rebalance id")
st:record_rebalance{asof = t0 - 7 * day + 1, fund = "demo", turnover = 0.25}
st:record_rebalance{asof = "2024-06-21T00:00:00Z", fund = "demo", turnover = 0.125}
st:record_rebalance{asof = t0 + 1, fund = "demo", turnover = 8}
T.eq(st:turnover_since{asof = t0, days = 7}, 0.375, "window (asof-7d, asof]")
T.eq(st:turnover_since{asof = "2024-06-21"}, 0.375, "default 7 days, date string")
T.eq(st:turnover_since{asof = t0 - 7 * day}, 1.0, "right edge included")
T.eq(st:turnover_since{asof = t0, days = 0}, 0.0, "empty window")
local rs = st:rebalances{from = "2024-06-14", to = "2024-06-14"}
T.eq(#rs, 1, "one rebalance on the day")
T.eq(rs[1].composite.MSFT, 0.5, "composite back")
T.eq(rs[1].orders[1].quantity, 10, "orders back")
T.eq(rs[1].decisions[1].guard, "drawdown", "decisions back")
T.eq(rs[1].allocations.tactical, 0.3, "allocations back")
T.eq(rs[1].inputs_digest, store.digest("x"), "digest back")
T.eq(#st:rebalances(), 4, "all rebalances")
T.eq(st:count("trades"), 2, "trades table")
T.raises(function() st:rebalances{from = t0, to = t0 - 1} end, "from is after to")
T.raises(function() st:record_rebalance{asof = t0, fund = "demo", turnover = 0.1, composite = {x = 0 / 0}} end,
  "composite.x is NaN", "NaN payload")
T.raises(function() st:record_rebalance{asof = t0, fund = "demo", turnover = -1} end, "turnover must be >= 0")
T.raises(function() st:record_rebalance{asof = t0, turnover = 1} end, "fund is required")
T.raises(function() st:record_rebalance{asof = "June", fund = "d"} end, "is not a date")
T.raises(function() st:record_rebalance{asof = t0, fund = "d", turnvoer = 1} end, "unknown key 'turnvoer'")
T.eq(#st:rebalances(), 4, "nothing written by failed calls")

T.eq(st:record_snapshot{timestamp = t0, nav = 1e6, cash = 5e4, gross = 0.95, net = 0.2,
  positions = {AAPL = {quantity = 10, avg_price = 190.5}}}, 1, "snapshot id")
local snap = st:latest_snapshot()
T.eq(snap.nav, 1e6, "nav")
T.eq(snap.positions.AAPL.avg_price, 190.5, "positions back")
T.eq(st:save_checkpoint{asof = t0, state = {peak_nav = 1.1e6, drawdown = 0.05}}, 1, "checkpoint id")
st:save_checkpoint{asof = t0 + day, state = {peak_nav = 1.2e6, drawdown = 0.0}}
local cp = st:load_checkpoint()
T.eq(cp.asof, t0 + day, "latest checkpoint asof")
T.eq(cp.state.peak_nav, 1.2e6, "latest checkpoint state")
T.raises(function() st:save_checkpoint{asof = t0} end, "state is required")
-- the chain of checkpoints, oldest first; after = an id
local chain = st:checkpoints()
T.eq(#chain, 2, "two checkpoints in the chain")
T.eq(chain[1].id, 1); T.eq(chain[1].state.peak_nav, 1.1e6); T.eq(chain[2].asof, t0 + day)
T.eq(#st:checkpoints{after = 1}, 1, "after = 1 leaves the second")
T.eq(#st:checkpoints{after = 2}, 0, "after the last: none")
T.raises(function() st:checkpoints{after = -1} end, "after must be a checkpoint id >= 0")
T.raises(function() st:checkpoints{after = 1.5} end, "after must be a checkpoint id >= 0")
T.raises(function() st:checkpoints{since = 1} end, "since")
st:close()
st:close() -- idempotent
T.raises(function() st:load_checkpoint() end, "the store is closed")

-- reopen: the state survives; readonly refuses writes
local ro = store.open{path = path, readonly = true}
T.eq(ro:load_checkpoint().state.peak_nav, 1.2e6, "after reopen")
T.eq(ro:readonly(), true, "readonly")
T.raises(function() ro:save_checkpoint{asof = 1, state = {}} end, "read-only")
ro:close()
do
  local scoped <close> = store.open{path = path}
  T.eq(scoped:count("checkpoints"), 2, "to-be-closed variable")
end
cleanup(path)

-- bad files
local garbage = T.tmpfile(string.rep("not a database, definitely garbage\n", 200))
T.raises(function() store.open{path = garbage} end, {"corrupt", garbage}, "corrupt file")
T.eq(slurp(garbage), string.rep("not a database, definitely garbage\n", 200), "corrupt file unchanged")
T.raises(function() store.open{path = "/nonexistent-dir/x.db"} end, "store.open", "unopenable")
T.raises(function() store.open{path = os.tmpname() .. ".missing", create = false} end, "no store at", "missing")
T.raises(function() store.open{} end, "path is required")
T.raises(function() store.open{path = path, readonly = "yes"} end, "readonly must be a boolean")
-- SQLite URIs are refused even in a trusted engine: file:/abs/other.db would open another fund's store
T.raises(function() store.open{path = "file:" .. path} end, {"looks like an SQLite URI", "./file:"}, "URI, absolute")
T.raises(function() store.open{path = "file:../x.db?mode=rwc"} end, "looks like an SQLite URI", "URI, relative")

T.finish("test_store.lua")
