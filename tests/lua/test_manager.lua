-- tests/lua/test_manager.lua — folio.manager through the host (--trusted):
-- optimize{} on the example strategies, its argument checks, read_stats on
-- both formats, the sandbox rules, and `folio manager` writing
-- portfolio_config.json atomically (the file parses; a failed run leaves a
-- previous file intact).
package.path = "tests/lua/?.lua;" .. package.path
local T = require "testlib"
local folio = require "folio"
local M = folio.manager

local root = "examples/manager"

-- ---- optimize on the example ---------------------------------------------------
local r = M.optimize{ root = root }
T.eq(#r.strategies, 3, "three strategies")
T.eq(r.strategies[1], "carry_daily", "sorted names")
T.eq(#r.skipped, 1, "one skipped")
T.eq(r.skipped[1], "breakout_1h", "the folder without a stats file is skipped")
local sum = 0
for _, name in ipairs(r.strategies) do
  T.check(r.weights[name] >= 0, "weight >= 0: " .. name)
  sum = sum + r.weights[name]
end
T.near(sum, 1, 1e-12, "weights sum to 1")
T.eq(r.window_days, 365, "default window")
T.eq(r.asof, "2024-08-09", "asof = the window's last date")
T.near(r.ann_volatility, r.daily_std * math.sqrt(252), 1e-15, "annualised with sqrt(252)")
T.near(r.ann_volatility_pct, 100 * r.ann_volatility, 1e-12, "pct")
T.near(r.leverage, 0.30 / r.ann_volatility, 1e-12, "leverage = target / ann vol")
T.eq(r.capped, false, "no cap")
T.near(r.score, r.slope / r.daily_std, 1e-12, "score = slope / std")
T.check(r.starts_at_best >= 1 and r.starts_at_best <= r.starts, "starts")
T.eq(r.account_value, 10000, "default account value")

-- deterministic
local r2 = M.optimize{ root = root }
for _, name in ipairs(r.strategies) do T.eq(r2.weights[name], r.weights[name], "repeatable: " .. name) end

-- the cap and other options
local c = M.optimize{ root = root, window = 100, target_vol = 2.0, max_leverage = 3, account_value = 25000, random_starts = 2, seed = 7 }
T.eq(c.capped, true, "capped")
T.eq(c.leverage, 3, "leverage at the cap")
T.check(c.raw_leverage > 3, "raw leverage above the cap")
T.eq(c.max_leverage, 3, "max_leverage reported")
T.eq(c.window_days, 100, "window")
T.eq(c.starts, 3 + 1 + 2, "vertices + centre + random starts")

-- argument errors
T.raises(function() M.optimize{ root = root, windw = 10 } end, { "unknown key 'windw'" })
T.raises(function() M.optimize{} end, { "root is required" })
T.raises(function() M.optimize{ root = root, target_vol = -0.3 } end, { "target_vol must be > 0" })
T.raises(function() M.optimize{ root = root, max_leverage = 0 } end, { "max_leverage must be > 0" })
T.raises(function() M.optimize{ root = root, window = 1 } end, { "window must be between 2" })
T.raises(function() M.optimize{ root = root, window = 5000 } end, { "manager.optimize", "longer than the strategies' common data" })
T.raises(function() M.optimize{ root = "no/such/root" } end, { "cannot open folder no/such/root" })

-- ---- read_stats: both formats ------------------------------------------------------
local s = M.read_stats{ path = root .. "/trend_24h/stats.json" }
T.eq(s.name, "trend_24h", "name from the folder")
T.eq(#s.dates, 420, "420 days")
T.eq(s.dates[1], "2023-01-02", "first date")
T.eq(s.lines[1], 4, "line of the first record")
local cs = M.read_stats{ path = root .. "/carry_daily/stats.csv" }
T.eq(#cs.returns, 420, "csv days")
T.eq(cs.lines[1], 2, "csv line")
T.raises(function() M.read_stats{ path = root .. "/trend_24h/stats.json", name = "other" } end,
  { "differs from the strategy's folder name 'other'" })

-- bad files name file:line
local tmp = os.tmpname()
os.remove(tmp)
assert(os.execute("mkdir -p '" .. tmp .. "/a' '" .. tmp .. "/b'"))
local function write(path, text)
  local f = assert(io.open(path, "w"))
  f:write(text)
  f:close()
end
write(tmp .. "/a/stats.csv", "date,return\n2024-01-01,0.01\n2024-01-02,abc\n")
T.raises(function() M.read_stats{ path = tmp .. "/a/stats.csv" } end, { tmp .. "/a/stats.csv:3:2" })
os.remove(tmp .. "/a/stats.csv")

-- ---- the CLI: portfolio_config.json written atomically --------------------------
local bin = (os.getenv("FOLIO_BUILD_DIR") or "build") .. "/folio"
local function sh(cmd)
  local ok, _, code = os.execute(cmd .. " >" .. tmp .. "/out.txt 2>&1")
  local f = io.open(tmp .. "/out.txt")
  local text = f and f:read("a") or ""
  if f then f:close() end
  return ok and 0 or code, text
end
local cfg = tmp .. "/portfolio_config.json"
local code, out = sh(bin .. " manager --root " .. root .. " --target-vol 0.25 --max-leverage 10 --account-value 5000 --out " .. cfg)
T.eq(code, 0, "folio manager exits 0: " .. out)
T.check(out:find("carry_daily", 1, true) and out:find("skipped        breakout_1h", 1, true), "prints weights and skipped")
local f = assert(io.open(cfg))
local text = f:read("a")
f:close()
local doc = folio.store.decode_json(text)
T.eq(doc.account_value, 5000, "account_value")
T.near(doc.target_vol_pct, 25, 1e-12, "target_vol_pct")
T.eq(doc.window_days, 365, "window_days")
T.eq(doc.skipped[1], "breakout_1h", "skipped")
T.eq(doc.asof, "2024-08-09", "asof")
T.near(doc.ann_volatility_pct, 100 * r.ann_volatility, 1e-12, "same ann vol as optimize{}")
T.near(doc.leverage, 0.25 / r.ann_volatility, 1e-12, "leverage")
for _, name in ipairs(r.strategies) do T.eq(doc.weights[name], r.weights[name], "weight round-trips: " .. name) end
-- keys sorted, weights sorted
local order = {}
for k in text:gmatch('\n  "([%w_]+)":') do order[#order + 1] = k end
T.eq(table.concat(order, ","), "account_value,ann_volatility_pct,asof,leverage,skipped,target_vol_pct,weights,window_days", "sorted keys")

-- a failed run leaves the previous file intact and no temporary file behind
code, out = sh(bin .. " manager --root " .. root .. " --window 9999 --out " .. cfg)
T.eq(code, 1, "a failing run exits 1")
T.check(out:find("longer than the strategies' common data", 1, true), "message: " .. out)
f = assert(io.open(cfg))
T.eq(f:read("a"), text, "previous file intact")
f:close()
code, out = sh("ls -a " .. tmp)
T.check(not out:find(".tmp.", 1, true), "no temporary file left: " .. out)
-- usage errors exit 2
code = sh(bin .. " manager --root " .. root .. " --target-vol -1")
T.eq(code, 2, "bad option value exits 2")
code = sh(bin .. " manager")
T.eq(code, 2, "--root is required")
code = sh(bin .. " manager --root " .. root .. " --bogus 1")
T.eq(code, 2, "unknown option")
-- optimize{out=} writes too, through the same atomic writer
local w = M.optimize{ root = root, out = tmp .. "/via_lua.json" }
T.eq(w.written, tmp .. "/via_lua.json", "written")
f = assert(io.open(tmp .. "/via_lua.json"))
T.check(folio.store.decode_json(f:read("a")).weights ~= nil, "parses")
f:close()

-- sandboxed: reading below the working folder is fine, writing is not
write(tmp .. "/sandboxed.lua", [[
local ok, err = pcall(folio.manager.optimize, { root = "examples/manager", out = "pc.json" })
print(ok, err)
print(pcall(folio.manager.optimize, { root = "/etc" }))
print(folio.manager.optimize{ root = "examples/manager" }.window_days)
]])
code, out = sh(bin .. " run " .. tmp .. "/sandboxed.lua")
T.eq(code, 0, "sandboxed script runs: " .. out)
T.check(out:find("needs a trusted engine", 1, true), "out needs trust: " .. out)
T.check(out:find("the sandbox reads only files below the working folder", 1, true), "absolute root refused: " .. out)
T.check(out:find("\n365\n", 1, true), "sandboxed optimize works: " .. out)

os.execute("rm -rf '" .. tmp .. "'")
T.finish("test_manager")
