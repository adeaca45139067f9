-- tests/lua/test_scale_mpi.lua — `mpirun -n 2 folio sweep|rebalance --accounts`:
-- the ranks split the units with the --shard assignment and rank 0 writes the
-- outputs once: byte-identical to one process and to --shard 1/2 + 2/2 +
-- merge; a killed run's rerun does only the missing units. Skipped (exit 77,
-- with a message) when mpirun is absent or this folio was built without MPI.
local T = dofile((arg[0]:match("^(.*)/") or ".") .. "/testlib.lua")
local BIN = os.getenv("FOLIO_BIN") or "./build/folio"
local FUND, PRICES = "examples/fund.yaml", "examples/data/prices.csv"

local sh = T.sh

local _, version = sh(BIN .. " --version")
local has_mpirun = sh("command -v mpirun >/dev/null") == 0
if not has_mpirun then
  print("test_scale_mpi: skipped: no mpirun on PATH")
  os.exit(77)
end
if not version:find("MPI: yes", 1, true) then
  -- a folio built without MPI: the version says so, and under mpirun each
  -- process runs its shard (from the launcher's environment); folio merge
  -- then writes the outputs of one process
  T.check(version:find("MPI: no, --shard i/N only", 1, true) ~= nil, "--version says there is no MPI: " .. version)
  local dir = T.tmpdir()
  local grid = dir .. "/grid.yaml"
  T.write(grid, "parameters:\n  sleeves.crypto_mean_rev.params.cap: [0.15, 0.1, 0.2]\nwindows: {train: 126, test: 63, step: 126}\n")
  local function sweep(prefix, out)
    return sh(string.format("%s%s sweep --fund %s --grid %s --prices %s --out %s", prefix, BIN, FUND, grid, PRICES, out))
  end
  local rc, out = sweep("", dir .. "/one")
  T.eq(rc, 0, "one process: " .. out)
  rc, out = sweep("mpirun -n 2 --oversubscribe --allow-run-as-root ", dir .. "/two")
  T.eq(rc, 0, "mpirun -n 2 without MPI: " .. out)
  T.check(out:find("this folio has no MPI: each of the 2 processes runs its shard", 1, true) and out:find("shard 1/2:", 1, true)
    and out:find("shard 2/2:", 1, true), "each process ran its shard: " .. out)
  rc, out = sh(string.format("%s merge --out %s/two", BIN, dir))
  T.eq(rc, 0, "merge: " .. out)
  T.eq(T.read(dir .. "/two/results.csv"), T.read(dir .. "/one/results.csv"), "results.csv: 2 processes + merge = 1 process")
  os.execute("rm -rf '" .. dir .. "'")
  T.finish("test_scale_mpi")
  os.exit(0)
end
-- (an ASan build: Open MPI's own allocations outlive MPI_Finalize; suppressed, folio's are still checked)
local MPI = "LSAN_OPTIONS=suppressions=" .. (arg[0]:match("^(.*)/") or ".") .. "/lsan_mpi.supp ASAN_OPTIONS=${ASAN_OPTIONS:-}:fast_unwind_on_malloc=0 "
  .. "mpirun -n 2 --oversubscribe --allow-run-as-root "

local dir = T.tmpdir()
local grid = dir .. "/grid.yaml"
T.write(grid, "parameters:\n  sleeves.crypto_mean_rev.params.cap: [0.15, 0.1, 0.2]\n"
  .. "windows: {train: 126, test: 63, step: 126}\n")
local function sweep(prefix, out, extra)
  return sh(string.format("%s%s sweep --fund %s --grid %s --prices %s --out %s %s", prefix, BIN, FUND, grid, PRICES, out, extra or ""))
end

local rc, out = sweep("", dir .. "/one")
T.eq(rc, 0, "one process: " .. out)
local results, best = T.read(dir .. "/one/results.csv"), T.read(dir .. "/one/best.csv")
rc, out = sweep(MPI, dir .. "/mpi")
T.eq(rc, 0, "mpirun -n 2: " .. out)
T.check(out:find("rank 0: units:", 1, true) and out:find("rank 1: units:", 1, true), "both ranks ran units: " .. out)
T.eq(T.read(dir .. "/mpi/results.csv"), results, "results.csv: 2 ranks = 1 process")
T.eq(T.read(dir .. "/mpi/best.csv"), best, "best.csv: 2 ranks = 1 process")
rc = sweep("", dir .. "/shard", "--shard 1/2")
rc = sweep("", dir .. "/shard", "--shard 2/2")
rc, out = sh(string.format("%s merge --out %s/shard", BIN, dir))
T.eq(rc, 0, "merge: " .. out)
T.eq(T.read(dir .. "/shard/results.csv"), results, "results.csv: --shard 1/2 + 2/2 + merge = 1 process")
-- the ranks are the shards: --shard under mpirun -n 2 is a usage error
rc, out = sweep(MPI, dir .. "/bad", "--shard 1/2")
T.check(rc ~= 0 and out:find("--shard does not go with mpirun", 1, true), "--shard under mpirun: " .. out)

-- a run that lost units (killed ranks): the rerun does only those
for _, id in ipairs{ "c00001-w002", "c00003-w001" } do os.remove(dir .. "/mpi/units/" .. id .. ".json") end
os.remove(dir .. "/mpi/results.csv")
rc, out = sweep(MPI, dir .. "/mpi")
T.eq(rc, 0, "rerun under mpirun")
local done = 0
for n in out:gmatch("(%d+) done") do done = done + tonumber(n) end
T.eq(done, 2, "only the 2 missing units ran: " .. out)
T.eq(T.read(dir .. "/mpi/results.csv"), results, "the same results after the rerun")
-- (a rank killed mid-run: tests/crash/kill_scale.lua)

-- ranks that do not see one --out folder: refused before anything runs (here rank 1 runs in
-- another working folder, so the relative --out names another folder there)
os.execute("mkdir -p '" .. dir .. "/wa' '" .. dir .. "/wb'")
local abs = function(p) return p:sub(1, 1) == "/" and p or (os.getenv("PWD") .. "/" .. p) end
local mpmd = string.format("%s sweep --fund %s --grid %s --prices %s --out rel", abs(BIN), abs(FUND), grid, abs(PRICES))
rc, out = sh(string.format("LSAN_OPTIONS=suppressions=%s/lsan_mpi.supp ASAN_OPTIONS=${ASAN_OPTIONS:-}:fast_unwind_on_malloc=0 "
  .. "mpirun --oversubscribe --allow-run-as-root -n 1 -wdir %s/wa %s : -n 1 -wdir %s/wb %s", abs(arg[0]:match("^(.*)/") or "."),
  dir, mpmd, dir, mpmd))
T.check(rc ~= 0 and out:find("--out rel is not one folder every rank sees", 1, true) and out:find("rank 1 cannot see", 1, true),
  "a --out that is not shared is refused, naming the rank: " .. out)
T.check(folio.reconcile.file_info(dir .. "/wa/rel/plan.json") == nil, "and nothing ran")

-- accounts over two ranks
local positions = T.read("examples/data/positions.csv")
T.write(dir .. "/p1.csv", positions)
T.write(dir .. "/p2.csv", positions:match("^([^\n]*\n[^\n]*\n[^\n]*\n)")) -- two names, no CASH row
-- a1 and a3 good, a2 failing (a NAV beside a CASH row), a4 failing (a bad override)
T.write(dir .. "/accounts.csv", "id,nav,positions,limits.max_gross\na1,,p1.csv,\na2,500000,p1.csv,\na3,250000,p2.csv,1.5\n"
  .. "a4,250000,p2.csv,-2\na5,400000,p2.csv,\n")
local function accounts(prefix, out)
  return sh(string.format("%s%s rebalance --accounts %s/accounts.csv --fund %s --prices %s --out %s", prefix, BIN, dir, FUND, PRICES, out))
end
rc, out = accounts("", dir .. "/acc1")
T.eq(rc, 1, "accounts, one process: two fail: " .. out)
rc, out = accounts(MPI, dir .. "/acc2")
T.eq(rc, 1, "accounts, 2 ranks: two fail: " .. out)
T.check(out:find("accounts: 3 rebalanced, 2 failed, of 5", 1, true), "rank 0 merged every rank's results: " .. out)
T.eq(T.read(dir .. "/acc2/summary.csv"), T.read(dir .. "/acc1/summary.csv"), "summary.csv: 2 ranks = 1 process")
T.eq(T.read(dir .. "/acc2/failures.csv"), T.read(dir .. "/acc1/failures.csv"), "failures.csv: 2 ranks = 1 process")
for _, id in ipairs{ "a1", "a3", "a5" } do
  T.eq(T.read(dir .. "/acc2/orders/" .. id .. ".csv"), T.read(dir .. "/acc1/orders/" .. id .. ".csv"), id .. "'s orders: 2 ranks = 1 process")
end
-- a rerun: the failed accounts are tried again, the done ones never redone
rc, out = accounts(MPI, dir .. "/acc2")
T.check(rc == 1 and out:find("units: 0 done, ", 1, true) and not out:find("units: [1-9]%d* done"), "a rerun under mpirun: no account redone: " .. out)

os.execute("rm -rf '" .. dir .. "'")
T.finish("test_scale_mpi")
