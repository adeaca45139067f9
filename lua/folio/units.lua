-- folio.units: the unit runner behind `folio sweep`, `folio rebalance
-- --accounts` and `folio merge` (docs/scale.md).
--
-- A job is a list of independent units {id =, cost =}. The units are dealt
-- to N shards by expected cost (LPT: the largest cost first, each to the
-- least-loaded shard; ties by id, then by shard number), so every process
-- that computes the assignment — a `--shard i/N` array job, an MPI rank —
-- gets the same one. Each unit's result is one file OUT/units/<id>.json,
-- written atomically (folio.reconcile.write_file), so a rerun skips the units
-- whose file exists and never does one twice; a unit that fails is reported
-- by id with its message and leaves no file. OUT/plan.json names the job and
-- all its units: `folio merge` reads it, checks that every unit has its file
-- and writes the final outputs once, sorted, whatever the sharding.
local folio, internal = ...

local pairs, ipairs, type, error, tostring, tonumber, pcall =
  pairs, ipairs, type, error, tostring, tonumber, pcall
local string_format, table_concat, table_sort = string.format, table.concat, table.sort

local M = {}
folio.units = M
internal.units = M

local function fail(msg, level) error("units: " .. msg, (level or 1) + 1) end

-- A unit id is a file name: letters, digits, '.', '_' and '-', not starting with '.'.
local function check_id(id, where)
  if type(id) ~= "string" or id == "" or #id > 200 or id:find("[^%w%._%-]") or id:sub(1, 1) == "." then
    fail(string_format("%s: unit id %s must be 1 to 200 of [A-Za-z0-9._-], not starting with '.'", where,
      type(id) == "string" and ("'" .. id .. "'") or tostring(id)), 3)
  end
end

--- folio.units.check(units) -> units: every unit has a valid, distinct id and a
--- finite cost > 0.
function M.check(units)
  if type(units) ~= "table" then fail("units must be a list of {id =, cost =}", 2) end
  local seen = {}
  for i, u in ipairs(units) do
    if type(u) ~= "table" then fail(string_format("units[%d] must be a table", i), 2) end
    check_id(u.id, string_format("units[%d]", i))
    if seen[u.id] then fail(string_format("units[%d]: unit id '%s' repeated (units[%d])", i, u.id, seen[u.id]), 2) end
    seen[u.id] = i
    if type(u.cost) ~= "number" or not (u.cost > 0 and u.cost < math.huge) then
      fail(string_format("units[%d] (%s): cost must be a finite number > 0, got %s", i, u.id, tostring(u.cost)), 2)
    end
  end
  return units
end

--- folio.units.assign(units, n_shards) -> shards: shards[k] is the list of the
--- unit ids of shard k (1-based), sorted by id, and shards.load[k] its expected
--- cost. LPT: units by cost descending (ties by id), each to the shard with
--- the least load so far (ties by the lower shard number). Deterministic.
function M.assign(units, n_shards)
  M.check(units)
  if math.type(n_shards) ~= "integer" or n_shards < 1 then
    fail("the number of shards must be a whole number >= 1, got " .. tostring(n_shards), 2)
  end
  local order = {}
  for i, u in ipairs(units) do order[i] = u end
  table_sort(order, function(a, b)
    if a.cost ~= b.cost then return a.cost > b.cost end
    return a.id < b.id
  end)
  local shards, load = {}, {}
  for k = 1, n_shards do shards[k], load[k] = {}, 0 end
  for _, u in ipairs(order) do
    local best = 1
    for k = 2, n_shards do if load[k] < load[best] then best = k end end
    local s = shards[best]
    s[#s + 1] = u.id
    load[best] = load[best] + u.cost
  end
  for k = 1, n_shards do table_sort(shards[k]) end
  shards.load = load
  return shards
end

--- folio.units.parse_shard("i/N") -> i, N; nil, message when malformed.
function M.parse_shard(text)
  local i, n = tostring(text):match("^(%d+)/(%d+)$")
  i, n = tonumber(i), tonumber(n)
  if not i or not n or n < 1 or i < 1 or i > n or n > 1000000 then
    return nil, string_format("--shard must be i/N with 1 <= i <= N, got '%s'", tostring(text))
  end
  return i, n
end

-- ---- files -------------------------------------------------------------------------------------

local function read_json(path)
  local text, why = folio.reconcile.read_file(path)
  if not text then return nil, why end
  local ok, v = pcall(folio.store.decode_json, text)
  if not ok then return nil, string_format("%s: not JSON (%s)", path, tostring(v)) end
  return v
end
M.read_json = read_json

local function write(path, text)
  local ok, why = folio.reconcile.write_file(path, text)
  if not ok then fail(tostring(why), 3) end
end

--- folio.units.unit_path(out, id) -> OUT/units/<id>.json
function M.unit_path(out, id) return out .. "/units/" .. id .. ".json" end

-- A plan: {job =, units = {{id =, cost =}...} sorted by id, meta = {...}}.
local function plan_text(job, units, meta)
  local list = {}
  for i, u in ipairs(units) do list[i] = { id = u.id, cost = u.cost } end
  table_sort(list, function(a, b) return a.id < b.id end)
  return folio.store.encode_json{ job = job, units = list, meta = meta or {} } .. "\n"
end

--- folio.units.write_plan{out =, job =, units =, meta =} -> units: OUT/plan.json,
--- the same text from every shard. When a plan of the same job and the same
--- unit ids exists it stands (its costs, hence the assignment, and its meta stay
--- those of the first run: a rerun after an input was fixed deals the units as
--- before) and its units are returned; another job or another set of ids is
--- an error (a different job writing into the same folder).
function M.write_plan(args)
  M.check(args.units)
  local path = args.out .. "/plan.json"
  if folio.reconcile.file_info(path) then
    local old = M.read_plan(args.out)
    local same = old.job == args.job and #old.units == #args.units
    local ids = {}
    for _, u in ipairs(args.units) do ids[u.id] = true end
    for _, u in ipairs(old.units) do same = same and ids[u.id] == true end
    if not same then
      fail(string_format("%s belongs to another job or another set of units: use a fresh --out folder", path), 2)
    end
    return old.units
  end
  write(path, plan_text(args.job, args.units, args.meta))
  return args.units
end

--- folio.units.read_plan(out) -> plan; raises naming the file when absent or bad.
function M.read_plan(out)
  local plan, why = read_json(out .. "/plan.json")
  if not plan then fail(string_format("%s/plan.json: %s (run the job with --out %s first)", out, tostring(why), out), 2) end
  if type(plan.job) ~= "string" or type(plan.units) ~= "table" then fail(out .. "/plan.json: not a plan", 2) end
  return plan
end

--- folio.units.run{out =, units =, shard = {i, N} | nil, work = fn(unit) -> result table,
---                 ids = {...} | nil, on_unit = fn(id, status, message) | nil}
--- -> {done = {ids}, skipped = {ids}, failed = {{id =, message =}}}
--- Runs the units of shard i of N (all units without shard; only `ids` when
--- given, as an MPI rank does) in id order: a unit whose result file exists is
--- skipped; otherwise work(unit) runs protected, its result is encoded as JSON
--- and written atomically. A failing unit leaves no file. Never raises for a
--- unit's error.
function M.run(args)
  local units = M.check(args.units)
  local by_id = {}
  for _, u in ipairs(units) do by_id[u.id] = u end
  local ids = args.ids
  if not ids then
    if args.shard then
      ids = M.assign(units, args.shard[2])[args.shard[1]]
    else
      ids = {}
      for i, u in ipairs(units) do ids[i] = u.id end
      table_sort(ids)
    end
  end
  local report = { done = {}, skipped = {}, failed = {} }
  -- a unit killed while writing left a temporary file beside its target: gone now
  for _, name in ipairs(folio.reconcile.list_dir(args.out .. "/units") or {}) do
    if name:find("%.json%.tmp%.") then os.remove(args.out .. "/units/" .. name) end
  end
  for _, id in ipairs(ids) do
    local u = by_id[id]
    local path = M.unit_path(args.out, id)
    if folio.reconcile.file_info(path) then
      report.skipped[#report.skipped + 1] = id
      if args.on_unit then args.on_unit(id, "skipped") end
    else
      local ok, result = pcall(args.work, u)
      local text
      if ok then
        ok, text = pcall(folio.store.encode_json, result)
        if not ok then result = "result is not JSON: " .. tostring(text) end
      end
      if ok then
        local wrote, why = folio.reconcile.write_file(path, text .. "\n")
        if not wrote then ok, result = false, why end
      end
      if ok then
        report.done[#report.done + 1] = id
        if args.on_unit then args.on_unit(id, "done") end
      else
        local msg = tostring(result):gsub("^%[folio%.[%w_]+%]:%d+: ", "")
        report.failed[#report.failed + 1] = { id = id, message = msg }
        if args.on_unit then args.on_unit(id, "failed", msg) end
      end
    end
  end
  return report
end

--- folio.units.collect(out, plan) -> results {id = decoded result}, missing {ids}
function M.collect(out, plan)
  local results, missing = {}, {}
  for _, u in ipairs(plan.units) do
    local r = read_json(M.unit_path(out, u.id))
    if r then results[u.id] = r else missing[#missing + 1] = u.id end
  end
  return results, missing
end

-- A job is named after its module: folio[job].merge_units(out, plan, results)
-- writes the final outputs and returns a one-line message.
local function merger_of(job)
  local mod = type(job) == "string" and folio[job]
  return type(mod) == "table" and mod.merge_units or nil
end

--- folio.units.merge{out =} -> message: every unit of OUT/plan.json must have
--- its file; then the job's merger writes the outputs once.
function M.merge(args)
  local out = args.out
  local plan = M.read_plan(out)
  local merger = merger_of(plan.job)
  if not merger then fail(string_format("%s/plan.json: unknown job '%s'", out, tostring(plan.job)), 2) end
  local results, missing = M.collect(out, plan)
  if #missing > 0 then
    local shown = {}
    for i = 1, math.min(#missing, 20) do shown[i] = missing[i] end
    fail(string_format("%d of %d units have no result yet: %s%s (rerun the job's shards)", #missing, #plan.units,
      table_concat(shown, ", "), #missing > 20 and ", ..." or ""), 2)
  end
  return merger(out, plan, results)
end

--- folio.units.report_lines(report, total) -> lines of the run's summary.
function M.report_lines(report, total)
  local lines = { string_format("units: %d done, %d skipped (already done), %d failed, of %d in this shard",
    #report.done, #report.skipped, #report.failed, total) }
  for _, f in ipairs(report.failed) do lines[#lines + 1] = string_format("  failed %s: %s", f.id, f.message) end
  return lines
end

--- folio.units.write_file(path, text): the atomic writer; raises naming the path.
function M.write_file(path, text) write(path, text) end

--- folio.units.cli_job{job =, out =, units =, meta =, work =, shard = {i, N} | nil} -> exit status
--- The plan, this shard's units, the report (stderr), then — without --shard
--- and when every unit is done — the merge. 0 done, 1 a unit failed (rerun
--- the same command: only the missing units run).
function M.cli_job(args)
  local planned = M.write_plan{ out = args.out, job = args.job, units = args.units, meta = args.meta }
  -- the work's units carry the job's fields; the costs are the plan's
  local cost = {}
  for _, u in ipairs(planned) do cost[u.id] = u.cost end
  local units = {}
  for i, u in ipairs(args.units) do
    local t = {}
    for k, v in pairs(u) do t[k] = v end
    t.cost = cost[u.id]
    units[i] = t
  end
  local total
  if args.shard then total = #M.assign(units, args.shard[2])[args.shard[1]] else total = #units end
  local report = M.run{ out = args.out, units = units, shard = args.shard, work = args.work }
  for _, line in ipairs(M.report_lines(report, total)) do
    io.stderr:write(args.rank_label and (args.rank_label .. ": ") or "", line, "\n")
  end
  if args.bundle then
    -- an MPI rank: this shard's results, for the program to gather on rank 0
    M.write_bundle(args.out, M.assign(units, args.shard[2])[args.shard[1]], args.bundle)
    return #report.failed > 0 and 1 or 0
  end
  if #report.failed > 0 then return 1 end
  if args.shard then
    print(string_format("shard %d/%d done: %d units in %s/units (then: folio merge --out %s)", args.shard[1], args.shard[2],
      #report.done + #report.skipped, args.out, args.out))
    return 0
  end
  print(M.merge{ out = args.out })
  return 0
end

-- ---- bundles: unit results in one file, for MPI's gather ---------------------------------------

--- folio.units.write_bundle(out, ids, path): the result files of ids that exist,
--- as "<id> <length>\n<text>" records, written to path (atomically).
function M.write_bundle(out, ids, path)
  local parts = {}
  for _, id in ipairs(ids) do
    local text = folio.reconcile.read_file(M.unit_path(out, id))
    if text then parts[#parts + 1] = string_format("%s %d\n%s", id, #text, text) end
  end
  write(path, table_concat(parts))
end

--- folio.units.unbundle(out, text) -> n: writes the records of a bundle whose
--- unit file is missing (ranks on other machines); raises on a malformed bundle.
function M.unbundle(out, text)
  local pos, n = 1, 0
  while pos <= #text do
    local id, len, body = text:match("^([%w%._%-]+) (%d+)\n()", pos)
    if not id then fail(string_format("malformed bundle at byte %d", pos), 2) end
    check_id(id, "bundle")
    len = tonumber(len)
    local record = text:sub(body, body + len - 1)
    if #record ~= len then fail("truncated bundle record " .. id, 2) end
    local path = M.unit_path(out, id)
    if not folio.reconcile.file_info(path) then write(path, record) n = n + 1 end
    pos = body + len
  end
  return n
end

--- folio.units.cli_merge{out =, bundle = path | nil, status = n | nil} -> exit status
--- (the `folio merge` command; under MPI rank 0 passes the gathered bundle and
--- the worst status of the ranks, and merges only when every rank succeeded).
function M.cli_merge(opts)
  if opts.bundle then
    local text = folio.reconcile.read_file(opts.bundle)
    if text then M.unbundle(opts.out, text) end
    os.remove(opts.bundle)
  end
  if opts.status and tonumber(opts.status) ~= 0 then
    io.stderr:write("units: a rank reported failed units (above): rerun the same command to do only the missing units\n")
    return 1
  end
  print(M.merge{ out = opts.out })
  return 0
end

return M
