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
-- by id with its message in OUT/failed/<id>.json (a rerun tries it again).
-- Each shard's run writes OUT/shards/<i>-of-<N>.json when it starts (who
-- runs it: pid, host, MPI rank) and again when it finishes, so a shard or a
-- rank that died is named by the next run and by `folio merge`. OUT/plan.json
-- names the job and all its units: `folio merge` reads it, checks that every
-- unit has its result or its failure and writes the final outputs once
-- (with OUT/failures.csv), sorted, whatever the sharding.
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
  -- the least-loaded shard (ties: the lower number) from a binary min-heap of
  -- shard numbers: O(log N) per unit, so 100,000 units on 1,000 shards stay cheap
  local heap = {}
  for k = 1, n_shards do heap[k] = k end
  local function less(a, b) return load[a] < load[b] or (load[a] == load[b] and a < b) end
  for _, u in ipairs(order) do
    local best = heap[1]
    local s = shards[best]
    s[#s + 1] = u.id
    load[best] = load[best] + u.cost
    local i = 1 -- sift the root down
    while true do
      local l, r, m = 2 * i, 2 * i + 1, i
      if l <= n_shards and less(heap[l], heap[m]) then m = l end
      if r <= n_shards and less(heap[r], heap[m]) then m = r end
      if m == i then break end
      heap[i], heap[m] = heap[m], heap[i]
      i = m
    end
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

--- folio.units.failed_path(out, id) -> OUT/failed/<id>.json
function M.failed_path(out, id) return out .. "/failed/" .. id .. ".json" end

local function shard_path(out, i, n) return string_format("%s/shards/%d-of-%d.json", out, i, n) end

--- folio.units.make_dirs(out): OUT and its folders units/, failed/ and
--- shards/ (existing ones are fine); raises naming the folder.
function M.make_dirs(out)
  if type(out) ~= "string" or out == "" then fail("out must be a folder path", 2) end
  for _, dir in ipairs{ out, out .. "/units", out .. "/failed", out .. "/shards" } do
    local ok, why = folio.reconcile.make_dir(dir)
    if not ok then fail("--out " .. tostring(why), 2) end
  end
end

-- A plan: {job =, units = {{id =, cost =}...} sorted by id, meta = {...}}.
local function plan_text(job, units, meta)
  local list = {}
  for i, u in ipairs(units) do list[i] = { id = u.id, cost = u.cost } end
  table_sort(list, function(a, b) return a.id < b.id end)
  return folio.store.encode_json{ job = job, units = list, meta = meta or {} } .. "\n"
end

--- folio.units.write_plan{out =, job =, units =, meta =} -> units: OUT/plan.json.
--- The first run creates it (exclusively: of shards starting at once exactly
--- one writes it, the others read it). When it exists it stands — its costs,
--- hence the assignment, stay those of the first run — provided it is the
--- same job: the same job name, the same unit ids and the same meta (the
--- job's parameters and the digests of its inputs); anything else is an
--- error naming what differs (another job, or changed inputs, writing into
--- the same folder). Returns the plan's units.
function M.write_plan(args)
  M.check(args.units)
  local path = args.out .. "/plan.json"
  local ok, why, exists = folio.reconcile.write_file(path, plan_text(args.job, args.units, args.meta), { exclusive = true })
  if ok then return args.units end
  if not exists then fail(tostring(why), 2) end
  local old = M.read_plan(args.out)
  local ids = {}
  for _, u in ipairs(args.units) do ids[u.id] = true end
  local same = old.job == args.job and #old.units == #args.units
  for _, u in ipairs(old.units) do same = same and ids[u.id] == true end
  if not same then
    fail(string_format("%s belongs to another job or another set of units: use a fresh --out folder", path), 2)
  end
  -- the meta as the file holds it (a JSON round trip) against the file's
  local mine = folio.store.decode_json(folio.store.encode_json(args.meta or {}))
  local theirs = type(old.meta) == "table" and old.meta or {}
  local keys = {}
  for k in pairs(mine) do keys[k] = true end
  for k in pairs(theirs) do keys[k] = true end
  for _, k in ipairs(folio.sorted_keys(keys)) do
    if folio.store.encode_json({ v = mine[k] }) ~= folio.store.encode_json({ v = theirs[k] }) then
      local what = k
      if type(mine[k]) == "table" and type(theirs[k]) == "table" then
        local sub = {}
        for kk in pairs(mine[k]) do sub[kk] = true end
        for kk in pairs(theirs[k]) do sub[kk] = true end
        for _, kk in ipairs(folio.sorted_keys(sub)) do
          if folio.store.encode_json({ v = mine[k][kk] }) ~= folio.store.encode_json({ v = theirs[k][kk] }) then
            if type(kk) == "string" then what = k .. "." .. kk end -- a named input, not a list's position
            break
          end
        end
      end
      fail(string_format("%s was made for other inputs (%s differs): rerun with the same inputs, or use a fresh --out folder",
        path, what), 2)
    end
  end
  return old.units
end

--- folio.units.inputs{cfg =, prices =, volumes =, policy_files =} -> the digests
--- that make two runs of a job the same: the fund as loaded (not where it was
--- read from), each policy file, the prices and the volumes.
function M.inputs(args)
  local rb = internal.rebalance
  local policies = {}
  for _, name in ipairs(folio.sorted_keys(args.policy_files or {})) do
    policies[#policies + 1] = name .. "=" .. folio.store.digest(folio.reconcile.read_file(args.policy_files[name]) or "")
  end
  return { fund = folio.store.digest(table_concat(rb.canonical(rb.content(args.cfg), {}))),
    policies = table_concat(policies, ","), prices = args.prices:digest(),
    volumes = args.volumes and args.volumes:digest() or "none" }
end

--- folio.units.fail_plan(out, why): raises "OUT/plan.json: why (use a fresh --out folder)".
function M.fail_plan(out, why) fail(string_format("%s/plan.json: %s (use a fresh --out folder)", out, why), 2) end

--- folio.units.read_plan(out) -> plan; raises naming the file when absent or bad.
function M.read_plan(out)
  local plan, why = read_json(out .. "/plan.json")
  if not plan then fail(string_format("%s/plan.json: %s (run the job with --out %s first)", out, tostring(why), out), 2) end
  if type(plan.job) ~= "string" or type(plan.units) ~= "table" then fail(out .. "/plan.json: not a plan", 2) end
  return plan
end

--- folio.units.STALE_SECONDS: the age (60 s) after which a run removes a
--- temporary file a killed writer left in OUT/units or OUT/failed.
M.STALE_SECONDS = 60

--- folio.units.run{out =, units =, shard = {i, N} | nil, work = fn(unit) -> result table,
---                 ids = {...} | nil, on_unit = fn(id, status, message) | nil}
--- -> {done = {ids}, skipped = {ids}, failed = {{id =, message =}}}
--- Runs the units of shard i of N (all units without shard; only `ids` when
--- given) in id order: a unit whose result file exists is skipped; otherwise
--- work(unit) runs protected, its result is encoded as JSON and written
--- atomically (and an earlier failure record of it removed). A failing unit
--- writes OUT/failed/<id>.json {id, message} and no result. Never raises for
--- a unit's error.
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
  -- a unit killed while writing left a temporary file beside its target:
  -- removed once it is a minute old (a live writer's lasts milliseconds, and
  -- other shards, on this host or another, may be writing theirs right now);
  -- by the first shard only, so that N shards do not all list the folders
  local now = folio.reconcile.now()
  for _, sub in ipairs((not args.shard or args.shard[1] == 1) and { "/units", "/failed" } or {}) do
    for _, name in ipairs(folio.reconcile.list_dir(args.out .. sub) or {}) do
      if name:find("%.json%.tmp%.") then
        local info = folio.reconcile.file_info(args.out .. sub .. "/" .. name)
        if info and now - info.mtime > M.STALE_SECONDS then os.remove(args.out .. sub .. "/" .. name) end
      end
    end
  end
  for _, id in ipairs(ids) do
    local u = by_id[id]
    local path = M.unit_path(args.out, id)
    -- done when its result reads back as a JSON object (a damaged file is redone, replaced atomically)
    if type(read_json(path)) == "table" then
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
      local failed_path = M.failed_path(args.out, id)
      if ok then
        if folio.reconcile.file_info(failed_path) then os.remove(failed_path) end
        report.done[#report.done + 1] = id
        if args.on_unit then args.on_unit(id, "done") end
      else
        local msg = tostring(result):gsub("^%[folio%.[%w_]+%]:%d+: ", "")
        report.failed[#report.failed + 1] = { id = id, message = msg }
        -- recorded unless a concurrent run has done the unit meanwhile
        if not folio.reconcile.file_info(path) then
          local wrote, why = folio.reconcile.write_file(failed_path, folio.store.encode_json{ id = id, message = msg } .. "\n")
          if not wrote then report.failed[#report.failed].message = msg .. " (and its failure record: " .. tostring(why) .. ")" end
        end
        if args.on_unit then args.on_unit(id, "failed", msg) end
      end
    end
  end
  return report
end

--- folio.units.collect(out, plan [, results, failures]) -> results {id =
--- decoded result}, failures {id = message}, missing {ids}: the given ones
--- first, the others from their files; a unit's result wins over a failure
--- record (a later run did it).
function M.collect(out, plan, have_results, have_failures)
  local results, failures, missing = {}, {}, {}
  have_results, have_failures = have_results or {}, have_failures or {}
  for _, u in ipairs(plan.units) do
    local r = have_results[u.id]
    if r == nil and have_failures[u.id] then failures[u.id] = have_failures[u.id] goto next end
    r = r or read_json(M.unit_path(out, u.id))
    if type(r) == "table" then
      results[u.id] = r
    else
      local f = read_json(M.failed_path(out, u.id))
      if type(f) == "table" and type(f.message) == "string" then failures[u.id] = f.message
      else missing[#missing + 1] = u.id end
    end
    ::next::
  end
  return results, failures, missing
end

--- folio.units.missing(out, plan) -> ids of the plan's units with neither a
--- result nor a failure record (two folder listings, no file read).
function M.missing(out, plan)
  local have = {}
  for _, sub in ipairs{ "/units", "/failed" } do
    for _, name in ipairs(folio.reconcile.list_dir(out .. sub) or {}) do
      local id = name:match("^(.+)%.json$")
      if id then have[id] = true end
    end
  end
  local missing = {}
  for _, u in ipairs(plan.units) do if not have[u.id] then missing[#missing + 1] = u.id end end
  return missing
end

-- The shards of earlier runs that started and did not finish, with how many
-- of the units dealt to them are still missing (missing: the ids, or nil to
-- list them when needed): lines naming each (its number, MPI rank, process
-- and start), for the rerun and for the merge.
local function unfinished_shards(out, plan, missing, run_id, only)
  local lost
  local lines = {}
  for _, name in ipairs(folio.reconcile.list_dir(out .. "/shards") or {}) do
    local st = name:find("^%d+%-of%-%d+%.json$") and read_json(out .. "/shards/" .. name)
    if type(st) == "table" and st.state == "running" and (run_id == nil or st.run_id ~= run_id) and math.type(st.shard) == "integer"
      and math.type(st.shards) == "integer" and st.shard >= 1 and st.shard <= st.shards and st.shards <= 1000000 and (not only or only(st)) then
      if not lost then
        -- the units without a result or a failure record (listed only when a shard needs naming)
        lost = {}
        for _, id in ipairs(missing or M.missing(out, plan)) do lost[id] = true end
      end
      local ids = M.assign(plan.units, st.shards)[st.shard]
      local n = 0
      for _, id in ipairs(ids) do if lost[id] then n = n + 1 end end
      if n > 0 then
        lines[#lines + 1] = string_format("shard %d/%d%s (%s, started %s) did not finish (died, was killed, or is still running): %d of its %d units have no result",
          st.shard, st.shards, st.rank and string_format(" = MPI rank %d", st.rank) or "", tostring(st.holder), tostring(st.started), n, #ids)
      end
    end
  end
  return lines
end

-- A job is named after its module: folio[job].merge_units(out, plan, results)
-- writes the final outputs and returns a one-line message.
local function merger_of(job)
  local mod = type(job) == "string" and folio[job]
  return type(mod) == "table" and mod.merge_units or nil
end

--- folio.units.merge{out =, results = nil, failures = nil} -> message, n_failed:
--- (results/failures: ones already in memory, e.g. gathered from MPI ranks;
--- the others are read from their files) every unit of
--- OUT/plan.json must have its result or its failure record (else an error
--- naming the missing units and the shards that did not finish); then the
--- job's merger writes the outputs once and OUT/failures.csv (id,message,
--- sorted by id; the header alone when none failed).
function M.merge(args)
  local out = args.out
  local plan = M.read_plan(out)
  M.check(plan.units)
  local merger = merger_of(plan.job)
  if not merger then fail(string_format("%s/plan.json: unknown job '%s'", out, tostring(plan.job)), 2) end
  local results, failures, missing = M.collect(out, plan, args.results, args.failures)
  if #missing > 0 then
    local shown = {}
    for i = 1, math.min(#missing, 20) do shown[i] = missing[i] end
    local lines = { string_format("%d of %d units have no result yet: %s%s (rerun the job: only they run)", #missing,
      #plan.units, table_concat(shown, ", "), #missing > 20 and ", ..." or "") }
    for _, line in ipairs(unfinished_shards(out, plan, missing)) do lines[#lines + 1] = "  " .. line end
    fail(table_concat(lines, "\n"), 2)
  end
  local ids = folio.sorted_keys(failures)
  local rows = { "id,message" }
  for _, id in ipairs(ids) do rows[#rows + 1] = folio.data.csv_row{ id, failures[id] } end
  local message = merger(out, plan, results, failures)
  write(out .. "/failures.csv", table_concat(rows, "\n") .. "\n")
  if #ids > 0 then
    message = string_format("%s; %d of %d units failed (failures.csv; rerun the same command to retry them)", message,
      #ids, #plan.units)
  end
  return message, #ids
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

--- folio.units.cli_job{job =, out =, units =, meta =, work =, shard = {i, N} | nil,
---                     rank = r | nil, holder = "pid P on H" | nil, run_id = text | nil,
---                     bundle = path | nil} -> exit status
--- The plan, this shard's status file, its units, the report (stderr), then
--- — without --shard — the merge. 0 done, 1 a unit failed (rerun the same
--- command: only the failed and missing units run).
function M.cli_job(args)
  M.make_dirs(args.out)
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
  local label = args.rank and string_format("rank %d: ", args.rank) or ""
  local shard = args.shard or { 1, 1 }
  local mine = M.assign(units, shard[2])[shard[1]]
  -- this run's name in the shard files: every rank of one mpirun job shares it
  local run_id = args.run_id or args.holder or tostring(os.time())
  do
    -- the earlier runs that died before their units were done, named before
    -- this shard's file replaces its own: each shard names its own earlier
    -- run, the first also those of another number of shards
    local plan = { units = planned }
    local function only(st) return st.shards == shard[2] and st.shard == shard[1] or (st.shards ~= shard[2] and shard[1] == 1) end
    for _, line in ipairs(unfinished_shards(args.out, plan, nil, run_id, only)) do
      -- one write per line: ranks share the terminal, and a line must not be cut by another's
      io.stderr:write(label .. "an earlier run's " .. line .. "; they run now\n")
    end
  end
  local status = { shard = shard[1], shards = shard[2], rank = args.rank, holder = args.holder or "?", run_id = run_id,
    started = os.date("!%Y-%m-%dT%H:%M:%SZ"), state = "running", units = #mine }
  local spath = shard_path(args.out, shard[1], shard[2])
  write(spath, folio.store.encode_json(status) .. "\n")
  local report = M.run{ out = args.out, units = units, ids = mine, shard = shard, work = args.work }
  status.state, status.finished = "finished", os.date("!%Y-%m-%dT%H:%M:%SZ")
  status.done, status.skipped, status.failed = #report.done, #report.skipped, #report.failed
  write(spath, folio.store.encode_json(status) .. "\n")
  for _, line in ipairs(M.report_lines(report, #mine)) do io.stderr:write(label .. line .. "\n") end
  if args.bundle then
    -- an MPI rank: this shard's results, for the program to gather on rank 0
    M.write_bundle(args.out, mine, args.bundle)
    return #report.failed > 0 and 1 or 0
  end
  if args.shard then
    print(string_format("shard %d/%d: %d units done, %d failed, in %s (then: folio merge --out %s)", shard[1], shard[2],
      #report.done + #report.skipped, #report.failed, args.out, args.out))
    return #report.failed > 0 and 1 or 0
  end
  local message, n_failed = M.merge{ out = args.out }
  print(message)
  return n_failed > 0 and 1 or 0
end

--- folio.units.cli_options(opts) -> {volumes =, shard = {i, N} | nil, rank = r | nil,
---                                   bundle =, holder =}: what `folio sweep` and
--- `folio rebalance --accounts` share from the command line (strings): the
--- volumes file (the default one beside the prices when it exists), --shard,
--- or the MPI rank r of N (shard r + 1 of N) that the program passes.
function M.cli_options(opts)
  local o = { volumes = opts.volumes, bundle = opts.bundle, holder = opts.holder, run_id = opts.run_id }
  if not o.volumes and opts.default_volumes and folio.reconcile.file_info(opts.default_volumes) then
    o.volumes = opts.default_volumes
  end
  if opts.shard then
    local i, n = M.parse_shard(opts.shard)
    if not i then fail(n, 2) end
    o.shard = { i, n }
  elseif opts.mpi_ranks then
    local r, n = math.tointeger(tonumber(opts.mpi_rank)), math.tointeger(tonumber(opts.mpi_ranks))
    if not r or not n or r < 0 or r >= n then fail("bad MPI rank " .. tostring(opts.mpi_rank) .. " of " .. tostring(opts.mpi_ranks), 2) end
    o.shard, o.rank = { r + 1, n }, r
  end
  return o
end

-- ---- bundles: unit results in one file, for MPI's gather ---------------------------------------

--- folio.units.write_bundle(out, ids, path): the result files of ids that
--- exist, else their failure records, as "<unit|failed> <id> <length>\n<text>"
--- records, written to path (atomically).
function M.write_bundle(out, ids, path)
  local parts = {}
  for _, id in ipairs(ids) do
    local kind, text = "unit", folio.reconcile.read_file(M.unit_path(out, id))
    if not text then kind, text = "failed", folio.reconcile.read_file(M.failed_path(out, id)) end
    if text then parts[#parts + 1] = string_format("%s %s %d\n%s", kind, id, #text, text) end
  end
  write(path, table_concat(parts))
end

--- folio.units.unbundle(text) -> results {id = decoded result}, failures
--- {id = message}: the records of a gathered bundle, decoded; raises naming
--- the byte of a malformed or truncated record.
function M.unbundle(text)
  local pos, results, failures = 1, {}, {}
  while pos <= #text do
    local kind, id, len, body = text:match("^(%l+) ([%w%._%-]+) (%d+)\n()", pos)
    if not kind or (kind ~= "unit" and kind ~= "failed") then fail(string_format("malformed bundle at byte %d", pos), 2) end
    check_id(id, "bundle")
    len = tonumber(len)
    local record = text:sub(body, body + len - 1)
    if #record ~= len then fail("truncated bundle record " .. id, 2) end
    local ok, v = pcall(folio.store.decode_json, record)
    if not ok or type(v) ~= "table" then fail(string_format("bundle record %s at byte %d is not a JSON object", id, pos), 2) end
    if kind == "unit" then
      results[id] = v
    elseif type(v.message) == "string" and not results[id] then
      failures[id] = v.message
    end
    pos = body + len
  end
  for id in pairs(results) do failures[id] = nil end
  return results, failures
end

--- folio.units.cli_merge{out =, bundle = path | nil, complete = true | nil} -> exit
--- status (the `folio merge` command). Under MPI rank 0 passes the gathered
--- bundle: the merge takes the results from it instead of reading their files
--- again, and with `complete` (every rank ran its shard) the bundle must hold
--- every unit of the plan. 0 the outputs written and no unit failed, 1 a unit
--- failed (the outputs are written, failures.csv names it) or units are
--- missing (nothing written).
function M.cli_merge(opts)
  local results, failures
  if opts.bundle then
    local f = io.open(opts.bundle, "rb") -- no size limit: it holds every rank's results
    if not f then fail("cannot read the gathered results " .. opts.bundle, 2) end
    local text = f:read("a")
    f:close()
    os.remove(opts.bundle)
    results, failures = M.unbundle(text)
    if opts.complete then
      local plan = M.read_plan(opts.out)
      local lacking = {}
      for _, u in ipairs(plan.units) do
        if not results[u.id] and not failures[u.id] then lacking[#lacking + 1] = u.id end
      end
      if #lacking > 0 then
        fail(string_format("the results gathered from the ranks lack %d of %d units (%s%s): rerun the same command",
          #lacking, #plan.units, table_concat(lacking, ", ", 1, math.min(#lacking, 10)), #lacking > 10 and ", ..." or ""), 2)
      end
    end
  end
  local message, n_failed = M.merge{ out = opts.out, results = results, failures = failures }
  print(message)
  return n_failed > 0 and 1 or 0
end

return M
