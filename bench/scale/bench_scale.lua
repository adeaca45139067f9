-- bench/scale/bench_scale.lua — the benchmarks of docs/scale.md (`make bench-scale`):
--
--   folio run --trusted bench/scale/bench_scale.lua [sweep] [accounts]
--
-- sweep     64 backtests (a grid of 4 x 4 x 4 values: n_long, n_short and the
--           weekly turnover budget) of a 500-name weekly momentum fund over
--           5 years (bench/scale/gen.lua's seeded panel, 6 years of rows: one
--           of history). `folio sweep` in one process, then under `mpirun -n 2`
--           (each rank with one BLAS thread), interleaved, FOLIO_BENCH_REPS
--           pairs (default 1); the speed-up per pair and its median; the two
--           results.csv must be identical. Also the bytes gathered per unit.
-- accounts  `folio rebalance --accounts` of 1,000 accounts of 200 names on
--           one core (taskset -c 0, one BLAS thread), against the bound of one
--           `folio rebalance` process of one such account (interleaved); the
--           cost at 250, 500 and 1,000 accounts and its growth exponent; the
--           bytes of a result per account (what MPI gathers).
--
-- Times are wall-clock (these machines are shared: compare the ratios).
-- FOLIO_BIN names the program (default ./build/folio); FOLIO_BENCH_DIR the
-- scratch folder (default a fresh mktemp -d, removed at the end).
local BIN = os.getenv("FOLIO_BIN") or "./build/folio"
local REPS = tonumber(os.getenv("FOLIO_BENCH_REPS") or "1")
local want = {}
for _, a in ipairs(arg) do want[a] = true end
if not next(want) then want.sweep, want.accounts = true, true end

-- the tests' helpers: T.sh (status and output of a command), T.read
local T = dofile("tests/lua/testlib.lua")
local sh, read = T.sh, T.read
local function must(cmd)
  local rc, out = sh(cmd)
  if rc ~= 0 then error("bench_scale: failed (" .. tostring(rc) .. "): " .. cmd .. "\n" .. out, 0) end
  return out
end
local function timed(cmd)
  local t = folio.clock()
  local out = must(cmd)
  return folio.clock() - t, out
end
local function median(t)
  local s = {}
  for i, v in ipairs(t) do s[i] = v end
  table.sort(s)
  local n = #s
  return n % 2 == 1 and s[(n + 1) // 2] or (s[n // 2] + s[n // 2 + 1]) / 2
end
local function dir_bytes(dir, pattern)
  local n, bytes = 0, 0
  for _, name in ipairs(folio.reconcile.list_dir(dir) or {}) do
    if name:find(pattern) then
      n = n + 1
      bytes = bytes + folio.reconcile.file_info(dir .. "/" .. name).size
    end
  end
  return bytes, n
end

local scratch = os.getenv("FOLIO_BENCH_DIR")
local own = not scratch
if own then scratch = assert(io.popen("mktemp -d")):read("l") end
local cpu = (read("/proc/cpuinfo") or ""):match("model name%s*:%s*([^\n]+)") or "?"
local ncpu = tonumber((select(2, sh("nproc")) or ""):match("%d+")) or 0
local load = (read("/proc/loadavg") or ""):match("^(%S+)") or "?"
print(string.format("bench_scale: %s, %d cores, load %s, %s", cpu, ncpu, load,
  ((select(2, sh(BIN .. " --version"))):gsub("\n?rc=%d+%s*$", ""):gsub("\n", ""))))

if want.sweep then
  local d = scratch .. "/sweep"
  must(string.format("%s run --trusted bench/scale/gen.lua %s 500 1512 0 7", BIN, d))
  local grid = d .. "/grid.yaml"
  local f = assert(io.open(grid, "w"))
  f:write("parameters:\n  sleeves.core.params.n_long: [20, 30, 40, 50]\n  sleeves.core.params.n_short: [20, 30, 40, 50]\n",
    "  composition.max_weekly_turnover: [0.1, 0.2, 0.3, 0.4]\n")
  f:close()
  local has_mpi = (select(2, sh(BIN .. " --version"))):find("MPI: yes", 1, true) and sh("command -v mpirun >/dev/null") == 0
  local base = string.format("%s sweep --fund %s/fund.yaml --grid %s --prices %s/prices.csv", BIN, d, grid, d)
  local ratios, t1s, t2s = {}, {}, {}
  for r = 1, REPS do
    os.execute("rm -rf '" .. d .. "/one' '" .. d .. "/two'")
    local t1 = timed(base .. " --out " .. d .. "/one")
    t1s[#t1s + 1] = t1
    if has_mpi then
      local t2 = timed("mpirun -n 2 --oversubscribe --allow-run-as-root -x OPENBLAS_NUM_THREADS=1 " .. base .. " --out " .. d .. "/two")
      t2s[#t2s + 1] = t2
      ratios[#ratios + 1] = t1 / t2
      local same = read(d .. "/one/results.csv") == read(d .. "/two/results.csv")
      print(string.format("  sweep pair %d: 1 rank %.1f s, 2 ranks %.1f s: speed-up %.2fx; results.csv identical: %s", r, t1, t2,
        t1 / t2, same and "yes" or "NO"))
    else
      print(string.format("  sweep %d: 1 process %.1f s (no MPI: the 2-rank run skipped)", r, t1))
    end
  end
  local bytes, n = dir_bytes(d .. "/one/units", "%.json$")
  print(string.format("sweep of 64 backtests (500 names, 5 years weekly): 1 rank %.1f s (%.2f s per backtest), 2 ranks %s, "
    .. "speed-up %s; a unit's result %.0f bytes",
    median(t1s), median(t1s) / 64, #t2s > 0 and string.format("%.1f s", median(t2s)) or "-",
    #ratios > 0 and string.format("%.2fx (median of %d)", median(ratios), #ratios) or "-", bytes / math.max(n, 1)))
end

if want.accounts then
  local d = scratch .. "/accounts"
  must(string.format("%s run --trusted bench/scale/gen.lua %s 200 300 1000 11", BIN, d))
  local one = "OPENBLAS_NUM_THREADS=1 taskset -c 0 "
  -- the accounts file's first N rows
  local lines = {}
  for line in read(d .. "/accounts.csv"):gmatch("[^\n]+") do lines[#lines + 1] = line end
  local function accounts_file(n)
    local path = string.format("%s/accounts_%d.csv", d, n)
    local f = assert(io.open(path, "w"))
    f:write(table.concat(lines, "\n", 1, n + 1), "\n")
    f:close()
    return path
  end
  -- the bound: one `folio rebalance` process of the first account (its store fresh each time)
  local first_id, first_nav, first_pos = lines[2]:match("^([^,]+),([^,]+),(.+)$")
  local function single()
    os.execute(string.format("rm -rf '%s/single' && mkdir -p '%s/single'", d, d))
    return timed(string.format("%s%s rebalance --fund %s/fund.yaml --prices %s/prices.csv --positions %s/%s "
      .. "--out %s/single/orders.csv --store %s/single/s.db", one, BIN, d, d, d, first_pos, d, d))
  end
  local sizes, times, bound = { 250, 500, 1000 }, {}, {}
  for _, n in ipairs(sizes) do
    local path = accounts_file(n)
    local ts = {}
    for _ = 1, REPS do
      os.execute(string.format("rm -rf '%s/out_%d'", d, n))
      ts[#ts + 1] = timed(string.format("%s%s rebalance --accounts %s --fund %s/fund.yaml --prices %s/prices.csv --out %s/out_%d",
        one, BIN, path, d, d, d, n))
      bound[#bound + 1] = single()
    end
    times[n] = median(ts)
    print(string.format("  accounts %4d: %.2f s on one core (%.1f ms per account)", n, times[n], 1000 * times[n] / n))
  end
  local b = median(bound)
  local bytes, nres = dir_bytes(d .. "/out_1000/units", "%.json$")
  -- rank 0's serial part: reading every result and writing the outputs (folio merge)
  local tm = timed(string.format("%s%s merge --out %s/out_1000", one, BIN, d))
  local store_bytes = dir_bytes(d .. "/out_1000/stores", "%.db$")
  local exponent = math.log(times[1000] / times[250]) / math.log(4)
  print(string.format("accounts: 1,000 accounts of 200 names on one core: %.2f s (goal < 30 s), %.1f ms per account; "
    .. "one `folio rebalance` process of one account %.1f ms: ratio %.2f; cost grows as N^%.2f over 250-1,000; "
    .. "a result %.0f bytes (%d); the merge of 1,000 results %.2f s; a store %.0f bytes", times[1000], 1000 * times[1000] / 1000,
    1000 * b, times[1000] / 1000 / b, exponent, bytes / math.max(nres, 1), nres, tm, store_bytes / 1000))
  print(string.format("  first account %s (nav %s)", first_id, first_nav))
end

if own then os.execute("rm -rf '" .. scratch .. "'") end
