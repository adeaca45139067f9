-- Exactly once (docs/rebalance.md, section 6): whatever fails — an
-- unwritable --out, an OMS that raises half-way or after accepting, a full
-- disk, a read-only store, a second run at the same time — the store says
-- exactly what reached the OMS, and rerunning the same command submits only
-- what is missing, never twice. The kill test (tests/crash) adds SIGKILL.
local dir = (arg[0]:match("^(.*)/") or ".")
local T = dofile(dir .. "/testlib.lua")
local F = dofile(dir .. "/rebalance_fixture.lua")
local folio = require "folio"

local ASOF = "2024-03-20"
local POS = "symbol,quantity,avg_price\nEQ1,100,100\nCR1,1,30000\nCASH,1000000,1\n"

-- The store's view of the last run: its state and its orders by client id.
local function store_view(path)
  local st <close> = folio.store.open{ path = path, readonly = true }
  local recs = st:rebalances{}
  local key
  for _, r in ipairs(recs) do key = r.run_key or key end
  return st, recs, key
end
local function run_of(path, key)
  local ok, st = pcall(folio.store.open, { path = path, readonly = true })
  if not ok then return nil end -- no store yet (or an empty file a full disk left)
  local r = st:run(key)
  st:close()
  return r
end
-- The key of a run from the JSON summary of a dry run (same inputs, same key).
local function key_of(fx, extra)
  local out, code = fx:cli(F.JOURNAL_OMS .. " --dry-run --json --asof " .. ASOF .. (extra or ""), false, F.journal_env(fx))
  assert(code == 0, out)
  return folio.store.decode_json(out)
end

-- Checks the invariant: each client id at most once at the OMS; every order
-- the store calls submitted reached the OMS; when `complete`, the OMS holds
-- exactly the run's orders and the run is done.
local function check(fx, key, complete, what)
  local j = F.journal(fx.dir .. "/journal.csv")
  local seen, dup = {}, nil
  for _, e in ipairs(j) do
    if seen[e.id] then dup = e.id end
    seen[e.id] = e
  end
  T.check(dup == nil, what .. ": no order reached the OMS twice (" .. tostring(dup) .. ")")
  local r = run_of(fx.store, key)
  if not r then
    T.eq(#j, 0, what .. ": no run recorded, nothing at the OMS")
    return j
  end
  for _, o in ipairs(r.orders) do
    if o.state == "submitted" then T.check(seen[o.client_id] ~= nil, what .. ": submitted " .. o.client_id .. " is at the OMS") end
    local at = seen[o.client_id]
    if at then
      T.eq(at.symbol, o.symbol, what .. ": same symbol"); T.near(at.quantity, o.quantity, 1e-9 * o.quantity, what .. ": same quantity")
    end
  end
  if complete then
    T.eq(r.state, "done", what .. ": the run is done")
    T.eq(#j, #r.orders, what .. ": the OMS holds exactly the run's orders")
    for _, o in ipairs(r.orders) do T.eq(o.state, "submitted", what .. ": " .. o.client_id .. " submitted") end
  end
  return j, r
end

-- 1. an OMS that raises half-way: the first two orders are recorded as submitted, the rest intended
local fx = F.new{ positions = POS }
local dry = key_of(fx)
local key = dry.key
T.check(type(key) == "string" and #key >= 16, "the run has an idempotency key")
T.check(dry.intended >= 4, "the sample run has several orders")
local env = F.journal_env(fx, { FOLIO_TEST_FAIL_AT = 3 })
local out, code = fx:cli(F.JOURNAL_OMS .. " --store '" .. fx.store .. "' --asof " .. ASOF, false, env)
T.eq(code, 1, "the OMS failure fails the run: " .. out)
T.check(out:find("2 of " .. dry.intended .. " order(s) reached the OMS", 1, true), "says how many reached the OMS: " .. out)
local j, r = check(fx, key, false, "OMS down at the 3rd")
T.eq(#j, 2); T.eq(r.state, "open")
local n_sub = 0
for _, o in ipairs(r.orders) do if o.state == "submitted" then n_sub = n_sub + 1 end end
T.eq(n_sub, 2, "exactly the two accepted orders are submitted in the store")
-- the weekly budget counts what was traded in the open run
do
  local st <close> = folio.store.open{ path = fx.store, readonly = true }
  local w = 0
  for _, o in ipairs(r.orders) do if o.state == "submitted" then w = w + math.abs(o.weight) end end
  T.near(st:turnover_since{ asof = r.asof, days = 7 }, w, 1e-12, "an open run's submitted orders eat the budget")
  T.eq(st:count("rebalances"), 0, "no rebalance recorded before every order reached the OMS")
end
-- rerun the same command, the OMS back: only the missing orders go out
out, code = fx:cli(F.JOURNAL_OMS .. " --store '" .. fx.store .. "' --asof " .. ASOF, false, F.journal_env(fx))
T.eq(code, 0, "the rerun completes: " .. out)
T.check(out:find("resumed run", 1, true), "the summary says the run was resumed")
check(fx, key, true, "after the rerun")
-- and once more: nothing is sent again
out, code = fx:cli(F.JOURNAL_OMS .. " --store '" .. fx.store .. "' --asof " .. ASOF, false, F.journal_env(fx))
T.eq(code, 0); T.check(out:find("(done)", 1, true), "a done run is not repeated: " .. out)
check(fx, key, true, "a third run")
do
  local st <close> = folio.store.open{ path = fx.store, readonly = true }
  T.eq(st:count("rebalances"), 1, "one rebalance"); T.eq(st:count("trades"), dry.intended, "its trades: what was submitted")
end
fx:cleanup()

-- 2. the OMS accepted the order, then the connection dropped: the rerun asks the OMS and does not resend it
fx = F.new{ positions = POS }
key = key_of(fx).key
out, code = fx:cli(F.JOURNAL_OMS .. " --store '" .. fx.store .. "' --asof " .. ASOF, false,
  F.journal_env(fx, { FOLIO_TEST_FAIL_AT = 2, FOLIO_TEST_FAIL_MODE = "after" }))
T.eq(code, 1)
j, r = check(fx, key, false, "lost after accepting")
T.eq(#j, 2, "two orders at the OMS"); 
out, code = fx:cli(F.JOURNAL_OMS .. " --store '" .. fx.store .. "' --asof " .. ASOF, false, F.journal_env(fx))
T.eq(code, 0, out)
check(fx, key, true, "rerun after a lost acknowledgement")
fx:cleanup()

-- 3. an unwritable --out with the file OMS: nothing recorded as submitted; fixed, the rerun sends all once
fx = F.new{ positions = POS }
local out_path = fx.dir .. "/outbox/orders.csv" -- the folder does not exist yet
out, code = fx:cli("--positions '" .. fx.positions .. "' --out '" .. out_path .. "' --store '" .. fx.store .. "' --asof " .. ASOF)
T.eq(code, 1, "unwritable --out fails the run")
T.check(not out:find("wrote", 1, true), "no 'wrote' line")
do
  local st <close> = folio.store.open{ path = fx.store, readonly = true }
  T.eq(st:count("rebalances"), 0, "nothing recorded as traded")
  T.eq(st:turnover_since{ asof = folio.session.parse_asof(ASOF .. "T23:00:00Z"), days = 7 }, 0, "no budget used")
end
os.execute("mkdir '" .. fx.dir .. "/outbox'")
out, code = fx:cli("--positions '" .. fx.positions .. "' --out '" .. out_path .. "' --store '" .. fx.store .. "' --asof " .. ASOF)
T.eq(code, 0, "after the folder exists the same command completes: " .. out)
local rows = F.orders(out_path)
local ids = {}
for _, row in ipairs(rows) do T.check(not ids[row.client_order_id], "each order once in the file") ids[row.client_order_id] = true end
do
  local st <close> = folio.store.open{ path = fx.store, readonly = true }
  T.eq(st:count("trades"), #rows, "the store's trades are the file's orders")
end
-- rerun: the orders file is unchanged, byte for byte
local before = F.read(out_path)
out, code = fx:cli("--positions '" .. fx.positions .. "' --out '" .. out_path .. "' --store '" .. fx.store .. "' --asof " .. ASOF)
T.eq(code, 0); T.eq(F.read(out_path), before, "a rerun of a done run writes nothing new")
fx:cleanup()

-- 4. a second run on the same store at the same time fails at once, naming the holder
fx = F.new{ positions = POS }
do
  local st <close> = folio.store.open{ path = fx.store }
  st:lock{ holder = "folio rebalance (pid 4242 on ops1, since 2024-03-20T21:00:00Z)" }
  local t0 = folio.clock()
  out, code = fx:cli(F.JOURNAL_OMS .. " --store '" .. fx.store .. "' --asof " .. ASOF, false, F.journal_env(fx))
  T.eq(code, 1, "the second run fails")
  T.check(out:find("locked by another run: folio rebalance (pid 4242 on ops1", 1, true), "naming the holder: " .. out)
  T.check(folio.clock() - t0 < 1.5, "at once (no waiting on the lock)")
  T.eq(#F.journal(fx.dir .. "/journal.csv"), 0, "nothing submitted")
  st:unlock()
end
-- two real processes at once: exactly one submits, the other fails naming it
local a = io.popen("env FOLIO_TEST_POSITIONS='" .. fx.positions .. "' FOLIO_TEST_JOURNAL='" .. fx.dir .. "/journal.csv' FOLIO_TEST_DELAY=0.05 "
  .. F.BIN .. " rebalance --fund '" .. fx.fund .. "' --prices '" .. fx.prices .. "' --volumes '" .. fx.volumes .. "' "
  .. F.JOURNAL_OMS .. " --store '" .. fx.store .. "' --asof " .. ASOF .. " 2>&1; echo \"exit=$?\"")
folio.reconcile.sleep(0.3)
local out_b, code_b = fx:cli(F.JOURNAL_OMS .. " --store '" .. fx.store .. "' --asof " .. ASOF, false, F.journal_env(fx))
local out_a = a:read("a")
a:close()
T.check(out_a:find("exit=0", 1, true), "the first run completes: " .. out_a)
if code_b ~= 0 then
  T.check(out_b:find("locked by another run", 1, true), "the concurrent run names the lock: " .. out_b)
else
  T.check(out_b:find("(done)", 1, true), "or it came after and found the run done: " .. out_b)
end
check(fx, key_of(fx).key, true, "two processes at once")
fx:cleanup()

-- 5. a read-only store: refused before anything is submitted
fx = F.new{ positions = POS }
out, code = fx:cli(F.JOURNAL_OMS .. " --store '" .. fx.store .. "' --asof 2024-03-19", false, F.journal_env(fx))
T.eq(code, 0, out)
local n_before = #F.journal(fx.dir .. "/journal.csv")
os.execute("chmod 0444 '" .. fx.store .. "'")
out, code = fx:cli(F.JOURNAL_OMS .. " --store '" .. fx.store .. "' --asof " .. ASOF, false, F.journal_env(fx))
T.eq(code, 1, "a read-only store fails the run"); T.check(out:find("read-only", 1, true), out)
T.eq(#F.journal(fx.dir .. "/journal.csv"), n_before, "nothing submitted with a read-only store")
os.execute("chmod 0644 '" .. fx.store .. "'")
fx:cleanup()

-- 5b. a read-only store folder: refused before anything is submitted (as
-- nobody when the tests run as root, who may write anywhere)
do
  fx = F.new{ positions = POS }
  local store_dir, out_dir = fx.dir .. "/db", fx.dir .. "/outbox"
  os.execute("mkdir -p '" .. store_dir .. "' '" .. out_dir .. "' && chmod 0755 '" .. fx.dir .. "' && chmod 0777 '" .. out_dir
    .. "' && chmod 0644 '" .. fx.fund .. "' '" .. fx.prices .. "' '" .. fx.volumes .. "' '" .. fx.positions .. "'")
  local store = store_dir .. "/fund.db"
  local uid = io.popen("id -u"):read("l")
  local as_user = ""
  if uid == "0" then
    as_user = "setpriv --reuid=nobody --regid=nogroup --clear-groups "
    os.execute("chown -R nobody:nogroup '" .. out_dir .. "'")
  end
  -- a first run creates the store (owned by the runner), then the folder turns read-only
  local cmd = as_user .. F.BIN .. " rebalance --fund '" .. fx.fund .. "' --prices '" .. fx.prices .. "' --volumes '"
    .. fx.volumes .. "' --positions '" .. fx.positions .. "' --store '" .. store .. "' --out '" .. out_dir
    .. "/orders.csv' --asof "
  if uid == "0" then os.execute("chown nobody:nogroup '" .. store_dir .. "'") end
  local ok = os.execute(cmd .. "2024-03-19 >/dev/null 2>&1")
  T.check(ok, "the first run writes its store")
  os.execute("chmod 0555 '" .. store_dir .. "'")
  os.remove(out_dir .. "/orders.csv")
  local p = io.popen(cmd .. ASOF .. " 2>&1; echo \"exit=$?\"")
  local out2 = p:read("a")
  p:close()
  T.check(out2:find("exit=1", 1, true), "a read-only store folder fails the run: " .. out2)
  T.check(out2:find("fund.db", 1, true), "naming the store: " .. out2)
  T.eq(F.read(out_dir .. "/orders.csv"), nil, "no order reached the OMS")
  os.execute("chmod 0755 '" .. store_dir .. "'")
  fx:cleanup()
end

-- 6. a full disk (the file-size limit of the shell), at several sizes: the
-- run fails somewhere; the rerun without the limit completes exactly once
for _, kb in ipairs{ 1, 64, 160, 200, 240, 320 } do
  fx = F.new{ positions = POS }
  local cmd = "ulimit -f " .. kb .. " 2>/dev/null; trap '' XFSZ; env FOLIO_TEST_POSITIONS='" .. fx.positions
    .. "' FOLIO_TEST_JOURNAL='" .. fx.dir .. "/journal.csv' " .. F.BIN .. " rebalance --fund '" .. fx.fund
    .. "' --prices '" .. fx.prices .. "' --volumes '" .. fx.volumes .. "' " .. F.JOURNAL_OMS .. " --store '" .. fx.store
    .. "' --asof " .. ASOF .. " >/dev/null 2>&1"
  os.execute("sh -c \"" .. cmd:gsub('"', '\\"') .. "\"")
  local k = key_of(fx).key
  check(fx, k, false, "disk full at " .. kb .. " KB")
  out, code = fx:cli(F.JOURNAL_OMS .. " --store '" .. fx.store .. "' --asof " .. ASOF, false, F.journal_env(fx))
  T.eq(code, 0, "rerun after a full disk at " .. kb .. " KB: " .. out)
  check(fx, k, true, "rerun after a full disk at " .. kb .. " KB")
  fx:cleanup()
end

-- 8. the key does not depend on the path the fund file is reached by, and the
-- same inputs give the same key (and bit-identical JSON) every time
fx = F.new{ positions = POS }
do
  local a = key_of(fx)
  local b = key_of(fx)
  T.eq(a.key, b.key, "the same inputs, the same key")
  local out1 = fx:cli(F.JOURNAL_OMS .. " --dry-run --json --asof " .. ASOF, false, F.journal_env(fx))
  local out2 = fx:cli(F.JOURNAL_OMS .. " --dry-run --json --asof " .. ASOF, false, F.journal_env(fx))
  local strip = function(t) return (t:gsub('"timings":%b{},?', "")) end
  T.eq(strip(out1), strip(out2), "the JSON summary is bit-identical run to run (timings aside)")
  local rel = fx.dir .. "/./sub/../fund.yaml"
  os.execute("mkdir -p '" .. fx.dir .. "/sub'")
  local out = F.cli(fx, "--fund '" .. rel .. "' --prices '" .. fx.prices .. "' --volumes '" .. fx.volumes .. "' "
    .. F.JOURNAL_OMS .. " --dry-run --json --asof " .. ASOF, true, F.journal_env(fx))
  T.eq(folio.store.decode_json(out).key, a.key, "another path to the same fund file, the same key")
end
fx:cleanup()

-- 7. without accepted() the rerun resends what the store had not marked, with the same client ids
fx = F.new{ positions = POS }
key = key_of(fx).key
out, code = fx:cli(F.JOURNAL_OMS .. " --store '" .. fx.store .. "' --asof " .. ASOF, false,
  F.journal_env(fx, { FOLIO_TEST_FAIL_AT = 2, FOLIO_TEST_FAIL_MODE = "after", FOLIO_TEST_NO_ACCEPTED = 1 }))
T.eq(code, 1)
out, code = fx:cli(F.JOURNAL_OMS .. " --store '" .. fx.store .. "' --asof " .. ASOF, false, F.journal_env(fx, { FOLIO_TEST_NO_ACCEPTED = 1 }))
T.eq(code, 0, out)
j = F.journal(fx.dir .. "/journal.csv")
local count = {}
for _, e in ipairs(j) do count[e.id] = (count[e.id] or 0) + 1 end
local twice = 0
for _, c in pairs(count) do if c > 1 then twice = twice + 1 end end
T.eq(twice, 1, "one order was resent with its client id (an OMS deduplicates it; accepted() avoids it)")
fx:cleanup()
T.finish("test_rebalance_once")
