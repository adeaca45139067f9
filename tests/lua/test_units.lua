-- tests/lua/test_units.lua — folio.units: the LPT assignment (balanced by
-- cost, deterministic, ties by id), --shard parsing, one atomic file per unit,
-- a rerun that skips what exists, failed units reported by id, the plan and
-- the merge's check for missing units.
local T = dofile((arg[0]:match("^(.*)/") or ".") .. "/testlib.lua")
local U = folio.units

-- ---- assignment ----
local units = {}
for i = 1, 10 do units[i] = { id = string.format("u%02d", i), cost = i } end
local s = U.assign(units, 2)
T.eq(s.load[1] + s.load[2], 55, "all cost assigned")
T.check(math.abs(s.load[1] - s.load[2]) <= 1, "LPT balances 55 as 28/27")
-- 10, 9, 8 -> 1, 2, 2; 7 -> 1 (10 < 17); 6 -> 1 (17 = 17: the lower shard); ...
T.eq(table.concat(s[1], " "), "u02 u03 u06 u07 u10", "shard 1, sorted by id")
T.eq(table.concat(s[2], " "), "u01 u04 u05 u08 u09", "shard 2")
local again = U.assign({ units[10], units[3], units[7], units[1], units[2], units[4], units[5], units[6], units[8], units[9] }, 2)
T.eq(table.concat(again[1], " "), table.concat(s[1], " "), "the order of the list does not matter")
-- equal costs: dealt round-robin by id
local eq = {}
for i = 1, 5 do eq[i] = { id = "e" .. i, cost = 1 } end
local se = U.assign(eq, 3)
T.eq(table.concat(se[1], " ") .. "|" .. table.concat(se[2], " ") .. "|" .. table.concat(se[3], " "), "e1 e4|e2 e5|e3", "ties by id")
T.eq(#U.assign(units, 20)[20], 0, "more shards than units: empty shards")
T.raises(function() U.assign({ { id = "a", cost = 1 }, { id = "a", cost = 2 } }, 2) end, "repeated")
T.raises(function() U.assign({ { id = "../x", cost = 1 } }, 2) end, "unit id")
T.raises(function() U.assign({ { id = "a", cost = 0 } }, 2) end, "cost must be")
T.raises(function() U.assign(units, 0) end, "shards")
-- --shard
-- property: on random instances every unit is dealt once, the loads add up, and
-- no shard carries more than the mean load plus the largest unit (list
-- scheduling's bound), nor more than 4/3 of the best lower bound plus the largest
-- unit's share; the same instance always gets the same assignment
-- the reference: LPT with a linear scan for the least-loaded shard
local function lpt(list, k)
  local order = {}
  for i, u in ipairs(list) do order[i] = u end
  table.sort(order, function(a, b) if a.cost ~= b.cost then return a.cost > b.cost end return a.id < b.id end)
  local out, load = {}, {}
  for j = 1, k do out[j], load[j] = {}, 0 end
  for _, u in ipairs(order) do
    local best = 1
    for j = 2, k do if load[j] < load[best] then best = j end end
    out[best][#out[best] + 1] = u.id
    load[best] = load[best] + u.cost
  end
  for j = 1, k do table.sort(out[j]) end
  return out
end
local seed = 12345
local function rnd() seed = (seed * 1103515245 + 12345) % 2147483648 return seed / 2147483648 end
local cases, bad = 0, 0
for case = 1, 500 do
  local n, k = 1 + math.floor(rnd() * 60), 1 + math.floor(rnd() * (case % 5 == 0 and 40 or 8))
  local list, total, biggest = {}, 0, 0
  for i = 1, n do
    local c = rnd() < 0.2 and 1 or 1 + math.floor(rnd() * 1000) * (rnd() < 0.1 and 50 or 1)
    list[i] = { id = string.format("p%03d-%d", i, case), cost = c }
    total, biggest = total + c, math.max(biggest, c)
  end
  local a, seen, sum = U.assign(list, k), {}, 0
  local ok = #a == k
  for j = 1, k do
    local load = 0
    for _, id in ipairs(a[j]) do
      ok = ok and not seen[id]
      seen[id] = true
      for _, u in ipairs(list) do if u.id == id then load = load + u.cost end end
    end
    ok = ok and math.abs(load - a.load[j]) < 1e-9 and a.load[j] <= total / k + biggest + 1e-9
    sum = sum + load
  end
  local count = 0
  for _ in pairs(seen) do count = count + 1 end
  ok = ok and count == n and math.abs(sum - total) < 1e-6
  local b, ref = U.assign(list, k), lpt(list, k)
  for j = 1, k do
    ok = ok and table.concat(a[j], " ") == table.concat(b[j], " ") and table.concat(a[j], " ") == table.concat(ref[j], " ")
  end
  cases = cases + 1
  if not ok then bad = bad + 1 end
end
T.eq(bad, 0, string.format("LPT invariants on %d random instances, and the same assignment as a linear scan", cases))

T.eq(select(2, U.parse_shard("2/3")), 3, "2/3")
T.check(U.parse_shard("0/3") == nil and U.parse_shard("4/3") == nil and U.parse_shard("x") == nil, "bad shards refused")

-- ---- running units ----
local out = T.tmpdir()
U.make_dirs(out)
U.make_dirs(out) -- existing folders are fine
T.check(folio.reconcile.file_info(out .. "/failed").kind == "directory" and folio.reconcile.file_info(out .. "/shards").kind == "directory", "make_dirs")
T.write(out .. "/afile", "x")
T.raises(function() U.make_dirs(out .. "/afile") end, "exists and is not a folder")
T.raises(function() U.make_dirs(out .. "/no/such/parent") end, "cannot create the folder")
os.remove(out .. "/afile")
-- the exclusive writer under write_plan: one creator wins, the file stays whole
local R = folio.reconcile
T.eq(R.write_file(out .. "/x.json", "one", { exclusive = true }), true, "write_file exclusive: created")
local okx, whyx, existsx = R.write_file(out .. "/x.json", "two", { exclusive = true })
T.check(okx == nil and whyx:find("x.json exists", 1, true) and existsx == "exists", "write_file exclusive: exists")
T.eq(T.read(out .. "/x.json"), "one", "the first stays")
T.raises(function() R.write_file(out .. "/x.json", "two", { exclusiv = true }) end, "unknown option")
os.remove(out .. "/x.json")
local calls = {}
local function work(u)
  calls[#calls + 1] = u.id
  if u.id == "u03" then error("bad input for u03") end
  return { id = u.id, value = u.cost * 2 }
end
local r = U.run{ out = out, units = units, shard = { 2, 2 }, work = work }
T.eq(#r.done, 5, "shard 2 did its 5 units")
local r2 = U.run{ out = out, units = units, shard = { 1, 2 }, work = work }
T.eq(#r2.done, 4, "shard 1: 4 done")
T.eq(#r2.failed, 1, "one failure")
T.eq(r2.failed[1].id, "u03", "failed unit named")
T.check(r2.failed[1].message:find("bad input for u03", 1, true) ~= nil, "with its message")
T.check(folio.reconcile.file_info(U.unit_path(out, "u03")) == nil, "a failed unit leaves no result")
local rec = folio.store.decode_json(T.read(U.failed_path(out, "u03")))
T.check(rec.id == "u03" and rec.message:find("bad input for u03", 1, true), "and a failure record with its message")
T.eq(#U.missing(out, { units = units }), 0, "no unit missing: 9 results and 1 failure")
local res, fails, miss = U.collect(out, { units = units })
T.check(res.u05 and res.u05.value == 10 and fails.u03 and #miss == 0, "collect: results, failures, missing")
-- a unit killed while writing left a temporary file: removed by a run once a
-- minute old (a fresh one may be another shard's write in flight: kept)
T.write(out .. "/units/u09.json.tmp.12345", "{")
T.write(out .. "/failed/u03.json.tmp.999", "{")
T.write(out .. "/units/u08.json.tmp.777", "{")
os.execute(string.format("touch -d '2 minutes ago' '%s/units/u09.json.tmp.12345' '%s/failed/u03.json.tmp.999'", out, out))
calls = {}
local fixed = function(u) calls[#calls + 1] = u.id return { id = u.id, value = u.cost * 2 } end
local r3 = U.run{ out = out, units = units, work = fixed }
T.eq(#r3.skipped, 9, "rerun skips the 9 done")
T.eq(table.concat(calls, " "), "u03", "only the failed unit runs again")
T.check(folio.reconcile.file_info(U.failed_path(out, "u03")) == nil, "its failure record is gone once it is done")
T.check(folio.reconcile.file_info(out .. "/units/u09.json.tmp.12345") == nil and folio.reconcile.file_info(out .. "/failed/u03.json.tmp.999") == nil,
  "stale temporary files removed")
T.check(folio.reconcile.file_info(out .. "/units/u08.json.tmp.777") ~= nil, "a fresh one kept")
os.remove(out .. "/units/u08.json.tmp.777")
-- a result wins over a failure record (a concurrent run did the unit)
T.write(U.failed_path(out, "u05"), '{"id":"u05","message":"stale"}\n')
res, fails = U.collect(out, { units = units })
T.check(res.u05 and not fails.u05, "a result wins over a failure record")
os.remove(U.failed_path(out, "u05"))
-- a work that returns what JSON cannot hold fails that unit, by id
local r4 = U.run{ out = out, units = { { id = "odd", cost = 1 } }, work = function() return { f = function() end } end }
T.check(#r4.failed == 1 and r4.failed[1].message:find("not JSON", 1, true), "a result that is not JSON: " .. tostring(r4.failed[1] and r4.failed[1].message))
os.remove(U.failed_path(out, "odd"))

-- ---- bundles: what an MPI rank sends to rank 0 ----
local bundle = out .. "/b.bundle"
U.write_bundle(out, { "u01", "u02", "u03", "nothere" }, bundle)
local btext = T.read(bundle)
T.check(btext:find("^unit u01 %d+\n") ~= nil, "bundle records: kind, id, length")
local got, gfail = U.unbundle(btext)
T.check(got.u01 and got.u01.value == 2 and got.u02 and got.u03 and not got.nothere, "unbundle: the results, decoded")
T.eq(next(gfail), nil, "no failure in this bundle")
local f2, ff = U.unbundle('failed x 30\n{"id":"x","message":"broken"}\n')
T.check(next(f2) == nil and ff.x == "broken", "a failure record carried")
T.raises(function() U.unbundle("unit u01 999\n{}") end, "truncated bundle record u01")
T.raises(function() U.unbundle("garbage") end, "malformed bundle at byte 1")
T.raises(function() U.unbundle("unit ../x 2\n{}") end, "malformed bundle")
T.raises(function() U.unbundle("unit a 1\n5") end, "bundle record a at byte 1 is not a JSON object")

-- ---- command-line options shared by sweep and accounts ----
local o = U.cli_options{ shard = "2/5", holder = "h" }
T.check(o.shard[1] == 2 and o.shard[2] == 5 and o.rank == nil, "cli_options: --shard")
o = U.cli_options{ mpi_rank = "1", mpi_ranks = "4" }
T.check(o.shard[1] == 2 and o.shard[2] == 4 and o.rank == 1, "cli_options: MPI rank 1 of 4 = shard 2/4")
T.raises(function() U.cli_options{ shard = "5/2" } end, "--shard must be i/N")
T.raises(function() U.cli_options{ mpi_rank = "4", mpi_ranks = "4" } end, "bad MPI rank")
local text = T.read(U.unit_path(out, "u05"))
T.eq(text, '{"id":"u05","value":10}\n', "one JSON file per unit")

-- ---- plan and merge ----
U.write_plan{ out = out, job = "nojob", units = units }
U.write_plan{ out = out, job = "nojob", units = units } -- the same plan again: fine
T.raises(function() U.write_plan{ out = out, job = "other", units = units } end, "another job")
T.raises(function() U.merge{ out = out } end, "unknown job 'nojob'")
local empty = T.tmpdir()
T.raises(function() U.merge{ out = empty } end, "plan.json")
-- the merge names the missing units and the shards that did not finish
U.make_dirs(empty)
U.write_plan{ out = empty, job = "sweep", units = units }
T.write(empty .. "/shards/2-of-2.json", '{"holder":"folio sweep (pid 77 on n2)","run_id":"x","shard":2,"shards":2,"rank":1,'
  .. '"started":"2026-01-01T00:00:00Z","state":"running","units":5}\n')
T.write(empty .. "/shards/1-of-2.json", '{"holder":"folio sweep (pid 76 on n1)","run_id":"x","shard":1,"shards":2,"rank":0,'
  .. '"started":"2026-01-01T00:00:00Z","state":"finished","units":5}\n')
local shard2 = U.assign(units, 2)[2]
for _, u in ipairs(units) do
  local in2 = false
  for _, id in ipairs(shard2) do in2 = in2 or id == u.id end
  if not in2 then T.write(U.unit_path(empty, u.id), "{}\n") end
end
T.raises(function() U.merge{ out = empty } end, { "5 of 10 units have no result yet", "shard 2/2 = MPI rank 1 (folio sweep (pid 77 on n2)",
  "did not finish", "5 of its 5 units" })

os.execute("rm -rf '" .. out .. "' '" .. empty .. "'")
T.finish("test_units")
