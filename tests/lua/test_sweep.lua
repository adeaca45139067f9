-- tests/lua/test_sweep.lua — `folio sweep` and `folio merge` through the
-- program: results.csv and best.csv; byte-identical for one run and for
-- --shard 1/2 + 2/2 + merge; a rerun after a lost unit does only that unit;
-- bad grids name grid:line; merge names the missing units.
local T = dofile((arg[0]:match("^(.*)/") or ".") .. "/testlib.lua")
local BIN = os.getenv("FOLIO_BIN") or "./build/folio"
local FUND, PRICES = "examples/fund.yaml", "examples/data/prices.csv"

local sh = T.sh

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
T.check(results and results:match("^sleeves%.crypto_mean_rev%.params%.cap,window,from,to,cagr,volatility,sharpe,max_drawdown,turnover,costs,train_sharpe,error\n"), "results.csv header")
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
bad("parameters:\n  composition.max_weekly_turnover: [x]\n", grid .. ":2: composition.max_weekly_turnover: x is a string, the fund's value is a number", "wrong type")
-- a value a fund file could not hold: the fund's own rules, at the value's line
bad("parameters:\n  composition.max_weekly_turnover:\n    - 0.2\n    - -0.5\n", grid .. ":4: composition.max_weekly_turnover: must be >= 0 (got -0.5)", "out of range")
bad("parameters:\n  limits.adv_lookback_days: [21, 2.5]\n", grid .. ":2: limits.adv_lookback_days: 2.5 must be a whole number", "fraction for a whole number")
bad("parameters:\n  sleeves.fx_carry.rebalance: [weekly, hourly]\n", grid .. ":2: sleeves[3].rebalance: unknown rebalance frequency 'hourly'", "unknown frequency")
-- a value that breaks a rule across values: at its line when it breaks it in every combination
bad("parameters:\n  sleeves.fx_carry.allocation: [0.2, 0.5]\n", grid .. ":2: sleeves: allocations sum to 1.3 (above 1)", "allocation too high")
-- ... else the combination is named
bad("parameters:\n  sleeves.fx_carry.allocation: [0.1, 0.3]\n  sleeves.crypto_mean_rev.allocation: [0.2, 0.4]\n",
  "combination c00004 (sleeves.crypto_mean_rev.allocation = 0.4, sleeves.fx_carry.allocation = 0.3): sleeves: allocations sum to 1.2 (above 1)", "allocations above 1")
bad("parameters:\n  composition.max_weekly_turnover: [0.1]\nwindows: {train: 0, test: 5, step: 5}\n", grid .. ":3: windows.train must be a whole number", "bad window")
bad("parameters:\n  composition.max_weekly_turnover: [0.1]\nwindows: {train: 5000, test: 5, step: 5}\n", grid .. ":3: no window fits", "no window fits")
bad("parameters:\n  composition.max_weekly_turnover: [0.1]\nmetric: luck\n", grid .. ":3: metric must be one of", "bad metric")
bad("params:\n  a: [1]\n", grid .. ":1: unknown key 'params'", "unknown top key")
-- a unit that fails: reported by id, failures.csv, its row kept with the reason; the rerun retries it only
T.write(grid, "parameters:\n  sleeves.crypto_mean_rev.params.cap: [0.15, 0.1]\n  sleeves.crypto_mean_rev.params.gross: [0.8, -3.0]\n")
rc, out = sweep(dir .. "/fail")
T.eq(rc, 1, "a failed unit: exit 1: " .. out)
T.check(out:find("2 done, 0 skipped (already done), 2 failed", 1, true), "two units failed: " .. out)
local failures = T.read(dir .. "/fail/failures.csv")
T.check(failures and failures:match("^id,message\nc00001,[^\n]+\nc00003,[^\n]+\n$"), "failures.csv names the failed units: " .. tostring(failures))
local fres = T.read(dir .. "/fail/results.csv")
T.check(fres and fres:match("\n0%.1,%-3,all,,,,,,,,,[^\n]+\n"), "a failed combination keeps its row with the reason: " .. tostring(fres))
T.check(fres:match("\n0%.1,0%.8,all,[^,]+,[^,]+,%-?%d[^,]*,") ~= nil, "the good combinations have figures")
T.check(folio.reconcile.file_info(dir .. "/fail/failed/c00001.json") ~= nil, "a failure record per failed unit")
rc, out = sweep(dir .. "/fail")
T.check(rc == 1 and out:find("0 done, 2 skipped (already done), 2 failed", 1, true), "the rerun retries only the failed units: " .. out)

bad("parameters:\n  composition.max_weekly_turnover: [0.1]\nwindows: {train: 9223372036854775807, test: 5, step: 5}\n",
  grid .. ":3: windows.train must be a whole number of rows from 1 to 10000000", "a huge window")
bad("parameters:\n  sleeves.fx_carry.params.newkey: [1, a]\n", grid .. ":2: sleeves.fx_carry.params.newkey: a is not of the type of the first value (1)",
  "mixed types for a new policy parameter")
bad("parameters:\n  sleeves.fx_carry.params.newkey: [1, 2.5]\n", "2.5 is not of the type of the first value (1)", "a whole number and a fraction")

-- the same folder with other inputs: refused, naming what differs
T.write(grid, "parameters:\n  sleeves.crypto_mean_rev.params.cap: [0.15, 0.12]\nwindows: {train: 126, test: 63, step: 252}\nmetric: sharpe\n")
rc, out = sweep(dir .. "/one")
T.check(rc == 1 and out:find("plan.json was made for other inputs (params differs)", 1, true), "other values, same count: refused: " .. out)
T.write(grid, "parameters:\n  sleeves.crypto_mean_rev.params.cap: [0.15, 0.1]\nwindows: {train: 126, test: 63, step: 252}\nmetric: sharpe\n")
local px = T.read(PRICES)
T.write(dir .. "/prices2.csv", px:gsub("\n([^\n]*)\n$", "\n%1\n", 1):gsub("(%d)\n$", "1\n", 1))
rc, out = sh(string.format("%s sweep --fund %s --grid %s --prices %s/prices2.csv --out %s/one", BIN, FUND, grid, dir, dir))
T.check(rc == 1 and out:find("plan.json was made for other inputs (inputs.prices differs)", 1, true), "other prices: refused: " .. out)
-- a damaged result file is redone, not taken
T.write(dir .. "/one/units/c00001-w001.json", "{not json")
os.remove(dir .. "/one/results.csv")
rc, out = sweep(dir .. "/one")
T.check(rc == 0 and out:find("1 done, 3 skipped", 1, true), "a damaged unit file is redone: " .. out)
T.eq(T.read(dir .. "/one/results.csv"), results, "and the results are the same")

rc, out = sweep(dir .. "/bad", "--shard 3/2")
T.eq(rc, 2, "bad --shard is a usage error: " .. out)
for _, bad_shard in ipairs{ " 1/2", "+1/2", "1/-2", "1/2000000", "1/2x", "0/0" } do
  rc, out = sweep(dir .. "/bad", "--shard '" .. bad_shard .. "'")
  T.check(rc == 2 and out:find("--shard must be i/N", 1, true), "--shard '" .. bad_shard .. "' is a usage error: " .. out)
end
rc, out = sh(string.format("%s merge --out %s/none", BIN, dir))
T.eq(rc, 1, "merge of a folder without a plan")

os.execute("rm -rf '" .. dir .. "'")
T.finish("test_sweep")
