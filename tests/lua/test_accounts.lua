-- tests/lua/test_accounts.lua — `folio rebalance --accounts`: each account
-- rebalanced on its own (orders, store, result per account); bad accounts
-- reported by id with their reason and never stopping the others; a rerun does
-- only the accounts not done; --shard 1/2 + 2/2 + merge = one process.
local T = dofile((arg[0]:match("^(.*)/") or ".") .. "/testlib.lua")
local BIN = os.getenv("FOLIO_BIN") or "./build/folio"
local FUND, PRICES = "examples/fund.yaml", "examples/data/prices.csv"

local function sh(cmd)
  local f = io.popen(cmd .. " 2>&1; echo \"rc=$?\"")
  local out = f:read("a")
  f:close()
  return tonumber(out:match("rc=(%d+)%s*$")), out
end

local dir = T.tmpdir()
local positions = T.read("examples/data/positions.csv")
T.write(dir .. "/p1.csv", positions)
local few = positions:match("^([^\n]*\n[^\n]*\n[^\n]*\n)")
T.write(dir .. "/p2.csv", few)
local good = "id,nav,positions,limits.max_gross\nalpha,1000000,p1.csv,\nbeta,500000,p2.csv,1.5\nzeta,250000,p2.csv,\n"
T.write(dir .. "/accounts.csv", good .. "gamma,-5,p1.csv,\ndelta,200000,missing.csv,\neps,300000,p2.csv,abc\n")
local function accounts(out, extra)
  return sh(string.format("%s rebalance --accounts %s/accounts.csv --fund %s --prices %s --out %s %s", BIN, dir, FUND,
    PRICES, out, extra or ""))
end

local rc, out = accounts(dir .. "/one")
T.eq(rc, 1, "a failed account: exit 1")
T.check(out:find("3 done, 0 skipped (already done), 3 failed", 1, true), "done and failed counted: " .. out)
T.check(out:find("failed gamma: " .. dir .. "/accounts.csv:5: nav '-5' must be a number > 0", 1, true), "bad nav named")
T.check(out:find("failed delta: ", 1, true) and out:find("missing.csv", 1, true), "missing positions named")
T.check(out:find("failed eps: " .. dir .. "/accounts.csv:7: limits.max_gross: 'abc' is not a number", 1, true), "bad override named")
T.check(T.read(dir .. "/one/orders/alpha.csv") ~= nil and T.read(dir .. "/one/orders/beta.csv") ~= nil, "orders per account")
T.check(T.read(dir .. "/one/summary.csv") == nil, "no summary while accounts fail")
local alpha_orders = T.read(dir .. "/one/orders/alpha.csv")

-- fixed input: the rerun does only the three accounts not done
T.write(dir .. "/accounts.csv", good .. "gamma,700000,p1.csv,\ndelta,200000,p2.csv,\neps,300000,p2.csv,1.2\n")
rc, out = accounts(dir .. "/one")
T.check(rc == 0 and out:find("3 done, 3 skipped", 1, true), "rerun does only the missing: " .. out)
T.eq(T.read(dir .. "/one/orders/alpha.csv"), alpha_orders, "a done account is not redone")
local summary = T.read(dir .. "/one/summary.csv")
T.check(summary and summary:match("^id,status,nav,orders,submitted,rejected,dropped,price_date\nalpha,") ~= nil, "summary.csv sorted by id")
local n = 0
for _ in summary:gmatch("\n") do n = n + 1 end
T.eq(n, 7, "six accounts and a header")

-- the plan must stay the same: a new accounts file in the same folder is refused
-- (a fresh folder, shards and the merge)
rc, out = accounts(dir .. "/two", "--shard 2/2")
T.eq(rc, 0, "shard 2/2: " .. out)
rc, out = accounts(dir .. "/two", "--shard 1/2")
T.eq(rc, 0, "shard 1/2: " .. out)
rc, out = sh(string.format("%s merge --out %s/two", BIN, dir))
T.eq(rc, 0, "merge: " .. out)
T.eq(T.read(dir .. "/two/summary.csv"), summary, "summary.csv: sharded = one process")

-- usage errors
rc, out = accounts(dir .. "/bad", "--positions x.csv")
T.eq(rc, 2, "--positions with --accounts is a usage error")
rc, out = sh(string.format("%s rebalance --fund %s --prices %s --shard 1/2", BIN, FUND, PRICES))
T.eq(rc, 2, "--shard without --accounts is a usage error")
T.write(dir .. "/badhead.csv", "account,nav\nx,1\n")
rc, out = sh(string.format("%s rebalance --accounts %s/badhead.csv --fund %s --prices %s --out %s/bh", BIN, dir, FUND, PRICES, dir))
T.check(rc == 1 and out:find("badhead.csv:1: the header must start id,nav,positions", 1, true), "bad header: " .. out)

os.execute("rm -rf '" .. dir .. "'")
T.finish("test_accounts")
