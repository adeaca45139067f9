-- tests/crash/kill_scale.lua — sharded jobs under SIGKILL (docs/scale.md):
--
--   1. `folio sweep` in one process, killed at random instants: every rerun
--      does only the units without a result, and the final results.csv and
--      best.csv are byte-identical to an unkilled run's.
--   2. `mpirun -n 2 folio sweep`: rank 1 alone SIGKILLed at a random instant
--      (mpirun then ends the job): the rerun names the rank that died, does
--      exactly the missing units, and gives the same bytes.
--   3. `mpirun -n 2 folio rebalance --accounts`: rank 1 SIGKILLed mid-run:
--      after the rerun every account's orders file and summary.csv equal an
--      unkilled run's (no order sent twice, none lost).
--
-- Parts 2 and 3 are skipped, with a message, without mpirun or without MPI in
-- this folio. FOLIO_SCALE_KILL_ROUNDS sets the rounds per part (default 4).
local T = dofile("tests/lua/testlib.lua")
local BIN = os.getenv("FOLIO_BIN") or "./build/folio"
local ROUNDS = tonumber(os.getenv("FOLIO_SCALE_KILL_ROUNDS") or "4")
local FUND, PRICES = "examples/fund.yaml", "examples/data/prices.csv"
local check, sh, read, write = T.check, T.sh, T.read, T.write
math.randomseed(20261207)

local function sleep(s) os.execute(string.format("sleep %.3f", s)) end
local function alive(pid) return os.execute("kill -0 " .. pid .. " 2>/dev/null") == true end
local function count_files(dir, pattern)
  local n = 0
  for _, name in ipairs(folio.reconcile.list_dir(dir) or {}) do if name:find(pattern) then n = n + 1 end end
  return n
end
local function done_in(out)
  local n = 0
  for k in out:gmatch("units: (%d+) done") do n = n + tonumber(k) end
  return n
end
-- starts cmd in the background (its output to log); returns its pid
local function spawn(cmd, log)
  local f = io.popen(string.format("%s >'%s' 2>&1 & echo $!", cmd, log))
  local pid = tonumber(f:read("l"))
  f:close()
  return pid
end
local function wait_exit(pid, limit)
  local t = 0
  while alive(pid) and t < limit do sleep(0.05) t = t + 0.05 end
  return not alive(pid)
end

local tmp = T.tmpdir()
local grid = tmp .. "/grid.yaml"
write(grid, "parameters:\n  sleeves.crypto_mean_rev.params.cap: [0.05, 0.1, 0.15, 0.2, 0.25]\n"
  .. "  composition.max_weekly_turnover: [0.1, 0.2, 0.3, 0.4]\nwindows: {train: 126, test: 63, step: 126}\n")
local function sweep_cmd(prefix, out)
  return string.format("%s%s sweep --fund %s --grid %s --prices %s --out %s", prefix, BIN, FUND, grid, PRICES, out)
end
local rc, out = sh(sweep_cmd("", tmp .. "/ref"))
check(rc == 0, "the unkilled sweep: " .. out)
local ref_results, ref_best = read(tmp .. "/ref/results.csv"), read(tmp .. "/ref/best.csv")
local total = count_files(tmp .. "/ref/units", "%.json$")
check(total == 60, "60 units: " .. total)

-- ---- 1. one process killed at random instants ----------------------------------------------------
local kills = 0
do
  local out_dir = tmp .. "/one"
  for _ = 1, ROUNDS do
    local pid = spawn(sweep_cmd("", out_dir), tmp .. "/one.log")
    sleep(0.2 + math.random() * 2.5)
    if alive(pid) then os.execute("kill -9 " .. pid) kills = kills + 1 end
    wait_exit(pid, 30)
    local have = count_files(out_dir .. "/units", "%.json$")
    rc, out = sh(sweep_cmd("", out_dir))
    check(rc == 0, "rerun after a kill: " .. out)
    check(done_in(out) == total - have, string.format("the rerun did the %d missing units only: %s", total - have, out))
    check(read(out_dir .. "/results.csv") == ref_results, "results.csv after a kill = the unkilled run's")
    check(read(out_dir .. "/best.csv") == ref_best, "best.csv after a kill = the unkilled run's")
    -- a killed writer's temporary file may stay for a minute (folio.units.STALE_SECONDS): never read as a result
    os.execute("rm -rf '" .. out_dir .. "'")
  end
end

-- ---- 2 and 3: a rank killed under mpirun ---------------------------------------------------------
local _, version = sh(BIN .. " --version")
local has_mpirun = sh("command -v mpirun >/dev/null") == 0
local rank_kills = 0
if not version:find("MPI: yes", 1, true) or not has_mpirun then
  print("kill_scale: the MPI parts skipped: " .. (has_mpirun and "this folio has no MPI" or "no mpirun on PATH"))
else
  local MPI = "LSAN_OPTIONS=suppressions=tests/lua/lsan_mpi.supp ASAN_OPTIONS=${ASAN_OPTIONS:-}:fast_unwind_on_malloc=0 mpirun -n 2 --oversubscribe --allow-run-as-root "
  -- the pid of rank 1 from its shard file (written when its shard starts)
  local function rank1_pid(out_dir, limit)
    local t = 0
    while t < limit do
      local text = read(out_dir .. "/shards/2-of-2.json")
      local pid = text and text:find('"state":"running"', 1, true) and text:match("pid (%d+)")
      if pid then return tonumber(pid) end
      sleep(0.02)
      t = t + 0.02
    end
  end
  local function kill_rank1(cmd, out_dir, log, max_delay)
    os.execute("rm -f '" .. out_dir .. "/shards/2-of-2.json'")
    local mpirun = spawn(cmd, log)
    local pid = rank1_pid(out_dir, 30)
    check(pid ~= nil, "rank 1 started: " .. (read(log) or ""))
    if pid then
      sleep(math.random() * max_delay)
      if alive(pid) then os.execute("kill -9 " .. pid) rank_kills = rank_kills + 1 end
    end
    check(wait_exit(mpirun, 60), "mpirun ended after rank 1 died")
    return pid
  end

  -- 2. sweep
  local out_dir = tmp .. "/mpi"
  for _ = 1, ROUNDS do
    local pid = kill_rank1(sweep_cmd(MPI, out_dir), out_dir, tmp .. "/mpi.log", 2.5)
    local have = count_files(out_dir .. "/units", "%.json$")
    local plan = folio.store.decode_json(read(out_dir .. "/plan.json"))
    local lost1 = 0
    for _, id in ipairs(folio.units.assign(plan.units, 2)[2]) do
      if not folio.reconcile.file_info(out_dir .. "/units/" .. id .. ".json") then lost1 = lost1 + 1 end
    end
    rc, out = sh(sweep_cmd(MPI, out_dir))
    check(rc == 0, "rerun under mpirun after rank 1 died: " .. out)
    check(done_in(out) == total - have, string.format("the rerun did the %d missing units only: %s", total - have, out))
    if lost1 > 0 then
      check(out:find("an earlier run's shard 2/2 = MPI rank 1 (folio sweep (pid " .. pid .. " on ", 1, true) ~= nil,
        "the rerun names the rank that died (pid " .. tostring(pid) .. "): " .. out)
    end
    check(read(out_dir .. "/results.csv") == ref_results, "results.csv after a rank died = the unkilled run's")
    check(read(out_dir .. "/best.csv") == ref_best, "best.csv after a rank died = the unkilled run's")
    os.execute("rm -rf '" .. out_dir .. "'")
  end

  -- 3. accounts: 120 accounts on two books
  local positions = read("examples/data/positions.csv")
  write(tmp .. "/p1.csv", positions)
  write(tmp .. "/p2.csv", positions:gsub("\nCASH,[^\n]*", ""))
  local rows = { "id,nav,positions" }
  for i = 1, 120 do
    rows[#rows + 1] = i % 2 == 0 and string.format("acc%03d,,p1.csv", i)
      or string.format("acc%03d,%d,p2.csv", i, 200000 + 10000 * i)
  end
  write(tmp .. "/accounts.csv", table.concat(rows, "\n") .. "\n")
  local function accounts_cmd(prefix, dir)
    return string.format("%s%s rebalance --accounts %s/accounts.csv --fund %s --prices %s --out %s", prefix, BIN, tmp,
      FUND, PRICES, dir)
  end
  rc, out = sh(accounts_cmd("", tmp .. "/acc_ref"))
  check(rc == 0, "the unkilled accounts run: " .. out)
  local ref_summary = read(tmp .. "/acc_ref/summary.csv")
  local acc_dir = tmp .. "/acc"
  for _ = 1, ROUNDS do
    kill_rank1(accounts_cmd(MPI, acc_dir), acc_dir, tmp .. "/acc.log", 1.5)
    rc, out = sh(accounts_cmd(MPI, acc_dir))
    check(rc == 0, "accounts rerun after rank 1 died: " .. out)
    check(read(acc_dir .. "/summary.csv") == ref_summary, "summary.csv after a rank died = the unkilled run's")
    local same = 0
    for i = 1, 120 do
      local name = string.format("/orders/acc%03d.csv", i)
      if read(acc_dir .. name) == read(tmp .. "/acc_ref" .. name) then same = same + 1 end
    end
    check(same == 120, string.format("every account's orders = the unkilled run's (%d of 120)", same))
    -- no order sent twice: each account's store holds one run, every order of it submitted once,
    -- and the orders file has exactly those orders
    local one_run = 0
    for i = 1, 120 do
      local st = folio.store.open{ path = string.format("%s/stores/acc%03d.db", acc_dir, i), readonly = true }
      local runs, rebalances = st:count("runs"), st:count("rebalances")
      local r = folio.store.decode_json(read(string.format("%s/units/acc%03d.json", acc_dir, i)))
      local rec = st:run(r.run)
      local sent = 0
      for _, o in ipairs(rec and rec.orders or {}) do if o.state == "submitted" then sent = sent + 1 end end
      local rows = -1
      for _ in (read(string.format("%s/orders/acc%03d.csv", acc_dir, i)) or ""):gmatch("\n") do rows = rows + 1 end
      st:close()
      if runs == 1 and rebalances == 1 and rec and sent == #rec.orders and (sent == 0 or rows == sent) then one_run = one_run + 1 end
    end
    check(one_run == 120, string.format("one run per account, each order submitted once (%d of 120)", one_run))
    os.execute("rm -rf '" .. acc_dir .. "'")
  end
end

os.execute("rm -rf '" .. tmp .. "'")
print(string.format("kill_scale: %d kills of the process, %d of rank 1", kills, rank_kills))
check(kills > 0, "at least one kill of the process landed before it finished")
if version:find("MPI: yes", 1, true) and has_mpirun then check(rank_kills > 0, "at least one kill of rank 1 landed") end
T.finish("kill_scale")
