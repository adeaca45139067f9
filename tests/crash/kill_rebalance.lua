-- tests/crash/kill_rebalance.lua — the exactly-once kill test: `folio
-- rebalance` with a store and a journaling Lua OMS is SIGKILLed at random
-- instants (fixed seed, FOLIO_KILL_POINTS kills, default 240), sometimes
-- twice in a row; after every kill and after the final rerun it checks that
-- the OMS received each order exactly once and that the store agrees with
-- it: every order the store calls submitted is at the OMS, the OMS holds
-- nothing the run did not intend, and after the rerun the OMS holds exactly
-- the orders of an unkilled run and the run is done.
-- Run from the source folder: folio run --trusted tests/crash/kill_rebalance.lua
local T = dofile("tests/lua/testlib.lua")
local F = dofile("tests/lua/rebalance_fixture.lua")
local folio = require "folio"

local KILLS = tonumber(os.getenv("FOLIO_KILL_POINTS") or "") or 240
local ASOF = "2024-03-20"
local fx = F.new{ positions = "symbol,quantity,avg_price\nEQ1,100,100\nEQ3,-50,80\nCR1,1,30000\nUSDJPY,20000,140\nCASH,1000000,1\n" }
local journal, store = fx.dir .. "/journal.csv", fx.store
local env = string.format("env FOLIO_TEST_POSITIONS='%s' FOLIO_TEST_JOURNAL='%s' FOLIO_TEST_DELAY=0.004", fx.positions, journal)
local cmd = string.format("%s %s rebalance --fund '%s' --prices '%s' --volumes '%s' %s --store '%s' --asof %s",
  env, F.BIN, fx.fund, fx.prices, fx.volumes, F.JOURNAL_OMS, store, ASOF)

local function reset()
  os.execute(string.format("rm -f '%s' '%s'-wal '%s'-shm '%s'.lock '%s'", store, store, store, store, journal))
end
local function run_quiet()
  local ok = os.execute(cmd .. " >/dev/null 2>&1")
  return ok
end

-- the reference: an unkilled run, and how long one takes
reset()
local t0 = folio.clock()
T.check(run_quiet(), "the reference run succeeds")
local full = folio.clock() - t0
local ref = {}
for _, e in ipairs(F.journal(journal)) do ref[e.id] = e end
local n_ref = #F.journal(journal)
T.check(n_ref >= 6, "the reference run sends several orders (" .. n_ref .. ")")
local key
do
  local st <close> = folio.store.open{ path = store, readonly = true }
  for _, r in ipairs(st:rebalances{}) do key = r.run_key end
end
T.check(key ~= nil, "the reference run is recorded with its key")

-- the store's run, or nil when none was recorded yet
local function run_of()
  local ok, st = pcall(folio.store.open, { path = store, readonly = true })
  if not ok then return nil end
  local ok2, r = pcall(st.run, st, key)
  st:close()
  return ok2 and r or nil
end

local phases = {}
local function check(complete, what)
  local j = F.journal(journal)
  local seen, dup = {}, nil
  for _, e in ipairs(j) do
    if seen[e.id] then dup = e.id end
    seen[e.id] = e
    local want = ref[e.id]
    T.check(want and want.symbol == e.symbol and want.side == e.side and want.quantity == e.quantity,
      what .. ": " .. e.id .. " is an order of the run, unchanged")
  end
  T.check(dup == nil, what .. ": no order reached the OMS twice (" .. tostring(dup) .. ")")
  local r = run_of()
  local submitted = 0
  if r then
    for _, o in ipairs(r.orders) do
      if o.state == "submitted" then
        submitted = submitted + 1
        T.check(seen[o.client_id] ~= nil, what .. ": submitted " .. o.client_id .. " is at the OMS")
      end
    end
  else
    T.eq(#j, 0, what .. ": no run in the store, nothing at the OMS")
  end
  if complete then
    T.check(r and r.state == "done", what .. ": the run is done")
    T.eq(#j, n_ref, what .. ": the OMS holds every order of the run")
    T.eq(submitted, n_ref, what .. ": the store says all were submitted")
  end
  local phase = not r and "no run yet" or r.state == "done" and "done"
    or (#j == 0 and "open, nothing at the OMS") or (#j < n_ref and "open, some orders at the OMS")
    or "open, every order at the OMS"
  return phase
end

-- fixed-seed delays spread over a little more than one run
local seed = 20261207
local function uniform()
  seed = (seed * 1103515245 + 12345) % 2147483648
  return seed / 2147483648
end
local kills = 0
while kills < KILLS do
  reset()
  local chain = uniform() < 0.3 and 2 or 1 -- sometimes the rerun is killed too
  for c = 1, chain do
    local delay = uniform() * full * 1.1
    os.execute(string.format("sh -c '%s >/dev/null 2>&1 & p=$!; sleep %.4f; kill -9 $p 2>/dev/null; wait $p 2>/dev/null' 2>/dev/null",
      cmd:gsub("'", "'\\''"), delay))
    kills = kills + 1
    local phase = check(false, string.format("kill %d (%.3f s)", kills, delay))
    phases[phase] = (phases[phase] or 0) + 1
  end
  T.check(run_quiet(), "the rerun after kill " .. kills .. " succeeds")
  check(true, "rerun after kill " .. kills)
end
local names = F.sorted(phases)
local parts = {}
for _, p in ipairs(names) do parts[#parts + 1] = string.format("%s %d", p, phases[p]) end
print(string.format("kill_rebalance: %d kills (one run %.3f s): %s", kills, full, table.concat(parts, ", ")))
T.check((phases["open, some orders at the OMS"] or 0) >= 10, "at least 10 kills landed in the middle of submission")
fx:cleanup()
T.finish("kill_rebalance")
