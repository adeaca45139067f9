-- tests/lua/test_sweep.lua — `folio sweep` and `folio merge` through the
-- program: results.csv and best.csv; byte-identical for one run and for
-- --shard 1/2 + 2/2 + merge; a rerun after a lost unit does only that unit;
-- bad grids name grid:line; merge names the missing units.
local T = dofile((arg[0]:match("^(.*)/") or ".") .. "/testlib.lua")
local BIN = os.getenv("FOLIO_BIN") or "./build/folio"
local FUND, PRICES = "examples/fund.yaml", "examples/data/prices.csv"

local function sh(cmd)
  local f = io.popen(cmd .. " 2>&1; echo \"rc=$?\"")
  local out = f:read("a")
  f:close()
  local rc = tonumber(out:match("rc=(%d+)%s*$"))
  return rc, out
end

local dir = T.tmpdir()
local grid = dir .. "/grid.yaml"
T.write(grid, "parameters:\n  sleeves.crypto_mean_rev.params.cap: [0.15, 0.1]\n"
  .. "windows: {train: 126, test: 63, step: 252}\nmetric: sharpe\n")
local function sweep(out, extra)
  return sh(string.format("%s sweep --fund %s --grid %s --prices %s --out %s %s", BIN, FUND, grid, PRICES, out, extra or ""))
end

-- one process
local rc, out = sweep(dir .. "/one")
T.eq(rc, 0, "sweep: " .. out)
local results, best = T.read(dir .. "/one/results.csv"), T.read(dir .. "/one/best.csv")
T.check(results and results:match("^sleeves%.crypto_mean_rev%.params%.cap,window,from,to,cagr,volatility,sharpe,max_drawdown,turnover,costs,train_sharpe\n"), "results.csv header")
local rows = {}
for line in results:gmatch("[^\n]+") do rows[#rows + 1] = line end
T.eq(#rows, 5, "2 combinations x 2 windows")
T.check(rows[2]:match("^0%.1,w001,") and rows[4]:match("^0%.15,w001,"), "sorted by the parameter values")
T.check(best:match("\nw001,sharpe,train,") and best:match("\nw002,sharpe,train,"), "best per window, chosen on train")

-- two shards and a merge: the same bytes
rc, out = sweep(dir .. "/two", "--shard 1/2")
T.eq(rc, 0, "shard 1/2: " .. out)
T.check(T.read(dir .. "/two/results.csv") == nil, "a shard writes no results")
rc, out = sh(string.format("%s merge --out %s/two", BIN, dir))
T.eq(rc, 1, "merge before shard 2 fails")
T.check(out:find("2 of 4 units have no result yet", 1, true), "names the missing units: " .. out)
rc, out = sweep(dir .. "/two", "--shard 2/2")
T.eq(rc, 0, "shard 2/2: " .. out)
rc, out = sh(string.format("%s merge --out %s/two", BIN, dir))
T.eq(rc, 0, "merge: " .. out)
T.eq(T.read(dir .. "/two/results.csv"), results, "results.csv: sharded = one process")
T.eq(T.read(dir .. "/two/best.csv"), best, "best.csv: sharded = one process")

-- a lost unit (a killed run): the rerun does only it
os.remove(dir .. "/one/units/c00002-w001.json")
os.remove(dir .. "/one/results.csv")
rc, out = sweep(dir .. "/one")
T.eq(rc, 0, "rerun")
T.check(out:find("1 done, 3 skipped", 1, true), "only the missing unit ran: " .. out)
T.eq(T.read(dir .. "/one/results.csv"), results, "the same results after the rerun")

-- bad grids: file:line
local function bad(text, needle, what)
  T.write(grid, text)
  local r, o = sweep(dir .. "/bad")
  T.eq(r, 1, what .. ": exit 1")
  T.check(o:find(needle, 1, true), what .. ": '" .. needle .. "' in: " .. o)
end
bad("parameters:\n  sleeves.nope.params.cap: [0.1]\n", grid .. ":2: unknown parameter path 'sleeves.nope.params.cap'", "unknown sleeve")
bad("parameters:\n  composition.max_turnover: [0.1]\n", grid .. ":2: unknown parameter path 'composition.max_turnover'", "unknown key")
bad("parameters:\n  composition.max_weekly_turnover: []\n", grid .. ":2: composition.max_weekly_turnover: the list of values is empty", "empty list")
bad("parameters:\n  composition.max_weekly_turnover: [x]\n", "is string, the fund's value is number", "wrong type")
bad("parameters:\n  composition.max_weekly_turnover: [0.1]\nwindows: {train: 0, test: 5, step: 5}\n", grid .. ":3: windows.train must be a whole number", "bad window")
bad("parameters:\n  composition.max_weekly_turnover: [0.1]\nwindows: {train: 5000, test: 5, step: 5}\n", grid .. ":3: no window fits", "no window fits")
bad("parameters:\n  composition.max_weekly_turnover: [0.1]\nmetric: luck\n", grid .. ":3: metric must be one of", "bad metric")
bad("params:\n  a: [1]\n", grid .. ":1: unknown key 'params'", "unknown top key")
rc, out = sweep(dir .. "/bad", "--shard 3/2")
T.eq(rc, 2, "bad --shard is a usage error: " .. out)
rc, out = sh(string.format("%s merge --out %s/none", BIN, dir))
T.eq(rc, 1, "merge of a folder without a plan")

os.execute("rm -rf '" .. dir .. "'")
T.finish("test_sweep")
