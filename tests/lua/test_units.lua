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
T.eq(select(2, U.parse_shard("2/3")), 3, "2/3")
T.check(U.parse_shard("0/3") == nil and U.parse_shard("4/3") == nil and U.parse_shard("x") == nil, "bad shards refused")

-- ---- running units ----
local out = T.tmpdir()
os.execute("mkdir -p '" .. out .. "/units'")
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
T.check(folio.reconcile.file_info(U.unit_path(out, "u03")) == nil, "a failed unit leaves no file")
calls = {}
local r3 = U.run{ out = out, units = units, work = work }
T.eq(#r3.skipped, 9, "rerun skips the 9 done")
T.eq(table.concat(calls, " "), "u03", "only the missing unit runs again")
local text = T.read(U.unit_path(out, "u05"))
T.eq(text, '{"id":"u05","value":10}\n', "one JSON file per unit")

-- ---- plan and merge ----
U.write_plan{ out = out, job = "nojob", units = units }
U.write_plan{ out = out, job = "nojob", units = units } -- the same plan again: fine
T.raises(function() U.write_plan{ out = out, job = "other", units = units } end, "another job")
T.raises(function() U.merge{ out = out } end, "unknown job 'nojob'")
local empty = T.tmpdir()
T.raises(function() U.merge{ out = empty } end, "plan.json")

os.execute("rm -rf '" .. out .. "' '" .. empty .. "'")
T.finish("test_units")
