-- tests/lua/test_accounts.lua — `folio rebalance --accounts`: each account
-- rebalanced on its own through the same path as `folio rebalance` (orders,
-- store, decisions per account); the nav column; bad accounts reported by id
-- with their reason, in summary.csv and failures.csv, never stopping the
-- others; a rerun does only the accounts not done; --shard 1/2 + 2/2 + merge
-- = one process.
local T = dofile((arg[0]:match("^(.*)/") or ".") .. "/testlib.lua")
local BIN = os.getenv("FOLIO_BIN") or "./build/folio"
local FUND, PRICES = "examples/fund.yaml", "examples/data/prices.csv"

local sh = T.sh
local function lines(text)
  local t = {}
  for line in (text or ""):gmatch("[^\n]+") do t[#t + 1] = line end
  return t
end
-- an orders file without its client order ids (they carry the run's key, which names the fund)
local function orders_body(text)
  local t = {}
  for _, line in ipairs(lines(text)) do t[#t + 1] = line:gsub("^[^,]*,", "") end
  return table.concat(t, "\n")
end

local dir = T.tmpdir()
local positions = T.read("examples/data/positions.csv")
T.check(positions:find("\nCASH,", 1, true) ~= nil, "the sample book has a CASH row")
T.write(dir .. "/p1.csv", positions) -- with CASH: the NAV is the file's
local few = positions:match("^([^\n]*\n[^\n]*\n[^\n]*\n)")
T.write(dir .. "/p2.csv", few) -- two names, no CASH: the NAV comes from accounts.csv
local good = "id,nav,positions,limits.max_gross\nalpha,,p1.csv,\nbeta,500000,p2.csv,1.5\nzeta,250000,p2.csv,\n"
T.write(dir .. "/accounts.csv", good .. "gamma,-5,p1.csv,\ndelta,200000,missing.csv,\neps,300000,p2.csv,abc\n"
  .. "kappa,900000,p1.csv,\nlambda,300000,p2.csv,-1\n")
local function accounts(out, extra)
  return sh(string.format("%s rebalance --accounts %s/accounts.csv --fund %s --prices %s --out %s %s", BIN, dir, FUND,
    PRICES, out, extra or ""))
end

local rc, out = accounts(dir .. "/one")
T.eq(rc, 1, "a failed account: exit 1")
T.check(out:find("3 done, 0 skipped (already done), 5 failed", 1, true), "done and failed counted: " .. out)
T.check(out:find("failed gamma: " .. dir .. "/accounts.csv:5: nav '-5' must be a number > 0", 1, true), "bad nav named")
T.check(out:find("failed delta: ", 1, true) and out:find("missing.csv", 1, true), "missing positions named")
T.check(out:find("failed eps: " .. dir .. "/accounts.csv:7: limits.max_gross: 'abc' is not a number", 1, true), "bad override named")
T.check(out:find("failed kappa: oms: " .. dir .. "/p1.csv:", 1, true) and out:find("a CASH row and a NAV (900000) given", 1, true),
  "a NAV and a CASH row: named with the line")
T.check(out:find("failed lambda: " .. dir .. "/accounts.csv:9: limits.max_gross: must be", 1, true),
  "an override a fund file could not hold: the fund's own rule: " .. out)
T.check(T.read(dir .. "/one/orders/alpha.csv") ~= nil and T.read(dir .. "/one/orders/beta.csv") ~= nil, "orders per account")
-- the summary lists every account, the failed ones with their reason
local summary1 = T.read(dir .. "/one/summary.csv")
local rows = lines(summary1)
T.eq(rows[1], "id,status,nav,orders,submitted,rejected,price_date,run,message", "summary.csv header")
T.eq(#rows, 9, "eight accounts and a header")
T.check(rows[2]:match("^alpha,ok,") and rows[3]:match("^beta,ok,500000%.00,") and rows[4]:match("^delta,failed,,,,,,,")
  and rows[5]:match("^eps,failed,") and rows[9]:match("^zeta,ok,250000%.00,"), "sorted by id, status, NAV: " .. summary1)
T.check(rows[6]:find("nav '-5' must be a number > 0", 1, true) ~= nil, "the reason in the summary")
local failures = T.read(dir .. "/one/failures.csv")
T.eq(#lines(failures), 6, "failures.csv: five failed accounts")
T.check(failures:match("^id,message\ndelta,") ~= nil, "failures.csv sorted by id")
-- each account's decisions: its unit's result
local alpha = folio.store.decode_json(T.read(dir .. "/one/units/alpha.json"))
T.check(alpha.status == "ok" and alpha.orders > 0 and #alpha.order_list == alpha.orders and alpha.submitted == alpha.orders,
  "alpha's orders in units/alpha.json")
T.check(#alpha.decisions >= alpha.orders, "and the guards' decisions")
for _, o in ipairs(alpha.order_list) do T.eq(o.state, "submitted", "an order has its state") end
for _, d in ipairs(alpha.decisions) do T.check(d.symbol and d.decision, "a decision names its symbol and what was decided") end
-- one store per account
T.check(folio.reconcile.file_info(dir .. "/one/stores/alpha.db") ~= nil, "alpha's store")

-- the same path as `folio rebalance`: alpha's orders = a single rebalance of its book
rc, out = sh(string.format("%s rebalance --fund %s --prices %s --positions %s/p1.csv --out %s/single.csv --store %s/single.db",
  BIN, FUND, PRICES, dir, dir, dir))
T.eq(rc, 0, "single rebalance: " .. out)
local alpha_orders = T.read(dir .. "/one/orders/alpha.csv")
T.eq(orders_body(alpha_orders), orders_body(T.read(dir .. "/single.csv")), "an account's orders = folio rebalance of its book")
-- the nav column: beta's NAV is 500,000 whatever its two positions are worth; cash = NAV - positions
local beta = folio.store.decode_json(T.read(dir .. "/one/units/beta.json"))
T.eq(beta.nav, 500000.0, "beta's NAV from accounts.csv")

-- fixed input: the rerun does only the five accounts not done, and never resends the others' orders
local mtime = folio.reconcile.file_info(dir .. "/one/orders/alpha.csv").mtime_ns
T.write(dir .. "/accounts.csv", good .. "gamma,700000,p2.csv,\ndelta,200000,p2.csv,\neps,300000,p2.csv,1.2\n"
  .. "kappa,,p1.csv,\nlambda,300000,p2.csv,1\n")
rc, out = accounts(dir .. "/one")
T.check(rc == 0 and out:find("5 done, 3 skipped", 1, true), "rerun does only the missing: " .. out)
T.eq(T.read(dir .. "/one/orders/alpha.csv"), alpha_orders, "a done account is not redone")
T.eq(folio.reconcile.file_info(dir .. "/one/orders/alpha.csv").mtime_ns, mtime, "its orders file is not rewritten")
local summary = T.read(dir .. "/one/summary.csv")
rows = lines(summary)
T.eq(#rows, 9, "eight accounts and a header")
for i = 2, #rows do T.check(not rows[i]:find(",failed,", 1, true), "all done: " .. rows[i]) end
T.eq(T.read(dir .. "/one/failures.csv"), "id,message\n", "failures.csv: the header alone")
T.check(folio.reconcile.list_dir(dir .. "/one/failed")[1] == nil, "the failure records are gone")
-- a third run: nothing to do, nothing sent again
rc, out = accounts(dir .. "/one")
T.check(rc == 0 and out:find("0 done, 8 skipped", 1, true), "a third run does nothing: " .. out)
T.eq(T.read(dir .. "/one/summary.csv"), summary, "the same summary")

-- a fresh folder, two shards and the merge: the same bytes
rc, out = accounts(dir .. "/two", "--shard 2/2")
T.eq(rc, 0, "shard 2/2: " .. out)
rc, out = sh(string.format("%s merge --out %s/two", BIN, dir))
T.check(rc == 1 and out:find("have no result yet", 1, true) and out:find("shard 1/", 1, true) == nil,
  "merge before shard 1 names the missing accounts: " .. out)
rc, out = accounts(dir .. "/two", "--shard 1/2")
T.eq(rc, 0, "shard 1/2: " .. out)
rc, out = sh(string.format("%s merge --out %s/two", BIN, dir))
T.eq(rc, 0, "merge: " .. out)
T.eq(T.read(dir .. "/two/summary.csv"), summary, "summary.csv: sharded = one process")
T.eq(T.read(dir .. "/two/orders/kappa.csv"), T.read(dir .. "/one/orders/kappa.csv"), "an account's orders: sharded = one process")

-- a shard that died (its status file says running, some of its units missing) is named
local plan = folio.store.decode_json(T.read(dir .. "/two/plan.json"))
local s2 = folio.units.assign(plan.units, 2)[2]
os.remove(dir .. "/two/units/" .. s2[1] .. ".json")
T.write(dir .. "/two/shards/2-of-2.json", '{"holder":"folio rebalance --accounts (pid 4242 on nodeB)","shard":2,"shards":2,'
  .. '"rank":1,"started":"2026-01-05T22:00:00Z","state":"running","units":' .. #s2 .. '}\n')
rc, out = sh(string.format("%s merge --out %s/two", BIN, dir))
T.check(rc == 1 and out:find("1 of 8 units have no result yet: " .. s2[1], 1, true)
  and out:find("shard 2/2 = MPI rank 1 (folio rebalance --accounts (pid 4242 on nodeB), started 2026-01-05T22:00:00Z) did not finish", 1, true),
  "the merge names the dead shard: " .. out)
rc, out = accounts(dir .. "/two")
T.check(rc == 0 and out:find("an earlier run's shard 2/2 = MPI rank 1", 1, true) and out:find("1 done, 7 skipped", 1, true),
  "the rerun names it and does only its missing unit: " .. out)
T.eq(T.read(dir .. "/two/summary.csv"), summary, "and the summary is the same")

-- usage and input errors
rc, out = accounts(dir .. "/bad", "--positions x.csv")
T.eq(rc, 2, "--positions with --accounts is a usage error")
rc, out = sh(string.format("%s rebalance --fund %s --prices %s --shard 1/2", BIN, FUND, PRICES))
T.eq(rc, 2, "--shard without --accounts is a usage error")
rc, out = accounts(dir .. "/bad", "--shard 0/2")
T.eq(rc, 2, "a bad --shard is a usage error")
-- a bad accounts file: an error naming the file and line, nothing run
local function bad_file(name, text, needle, what)
  T.write(dir .. "/" .. name, text)
  local r, o = sh(string.format("%s rebalance --accounts %s/%s --fund %s --prices %s --out %s/out_%s", BIN, dir, name, FUND,
    PRICES, dir, name))
  T.check(r == 1 and o:find(needle, 1, true), what .. ": " .. o)
end
bad_file("badhead.csv", "account,nav\nx,1\n", "badhead.csv:1: the header must start id,nav,positions", "bad header")
bad_file("dup.csv", "id,nav,positions\na,1,p2.csv\na,2,p2.csv\n", "dup.csv:3: account 'a' repeated (line 2)", "a repeated account")
bad_file("empty.csv", "id,nav,positions\n", "empty.csv: no accounts", "no accounts")
bad_file("unknown.csv", "id,nav,positions,limits.nope\na,1000,p2.csv,\n", "unknown.csv:1: column 4: unknown fund path 'limits.nope'",
  "an unknown override column, even with every cell empty")
bad_file("ragged.csv", "id,nav,positions\na,1000,p2.csv\nb,1000\n", "ragged.csv:3: ragged row: 2 fields, the header has 3",
  "a ragged row: the file is malformed")

-- bad ids never stop the others: a stand-in id per line, the reason in the summary
T.write(dir .. "/ids.csv", 'id,nav,positions\nok1,100000,p2.csv\n"bad id",100000,p2.csv\n,100000,p2.csv\nok1,200000,p2.csv\n'
  .. '"ok2",100000,"p2.csv"\n')
rc, out = sh(string.format("%s rebalance --accounts %s/ids.csv --fund %s --prices %s --out %s/ids", BIN, dir, FUND, PRICES, dir))
T.check(rc == 1 and out:find("2 done, 0 skipped (already done), 3 failed", 1, true), "bad ids: two done, three failed: " .. out)
T.check(out:find("failed bad-line-3: " .. dir .. "/ids.csv:3: account id 'bad id' must be", 1, true)
  and out:find("failed bad-line-4: " .. dir .. "/ids.csv:4: account id '' must be", 1, true)
  and out:find("failed bad-line-5: " .. dir .. "/ids.csv:5: account 'ok1' repeated (line 2)", 1, true), "each named by its line: " .. out)
T.check((T.read(dir .. "/ids/summary.csv") or ""):find("\nok2,ok,", 1, true) ~= nil, "a quoted id and path (RFC 4180, libcsv)")
-- another accounts list in a folder that has a plan: refused
T.write(dir .. "/other.csv", "id,nav,positions\nomega,1000,p2.csv\n")
rc, out = sh(string.format("%s rebalance --accounts %s/other.csv --fund %s --prices %s --out %s/one", BIN, dir, FUND, PRICES, dir))
T.check(rc == 1 and out:find("belongs to another job or another set of units", 1, true), "another list in the same folder: " .. out)
-- --out that is a file
T.write(dir .. "/afile", "x")
rc, out = sh(string.format("%s rebalance --accounts %s/accounts.csv --fund %s --prices %s --out %s/afile", BIN, dir, FUND, PRICES, dir))
T.check(rc == 1 and out:find("afile: exists and is not a folder", 1, true), "--out a file: " .. out)

os.execute("rm -rf '" .. dir .. "'")
T.finish("test_accounts")
