-- folio.reconcile and `folio reconcile`: sizing from strategy states, diffing
-- against the paper exchange, acting only on changes, idempotence across
-- restarts and crashes, and every bad input of the issue (unknown strategy,
-- half-written and stale state files).
local T = dofile((arg[0]:match("^(.*)/") or ".") .. "/testlib.lua")
local folio = require "folio"
local R = folio.reconcile
local json = folio.json

local build = os.getenv("FOLIO_BUILD_DIR") or "build"
local bin = build .. "/folio"

-- ---- helpers ---------------------------------------------------------------------------------------

local function sh(cmd) return os.execute(cmd) end
local mkdtemp, write, read = T.tmpdir, T.write, T.read

local function run(cmd)
  local p = assert(io.popen(cmd .. " 2>&1; echo \"exit=$?\""))
  local out = p:read("a")
  p:close()
  return out, tonumber(out:match("exit=(%d+)%s*$"))
end

local NOW = os.time()
local function iso(t) return os.date("!%Y-%m-%dT%H:%M:%SZ", t) end

local root = mkdtemp()
sh("mkdir -p '" .. root .. "/strat_a' '" .. root .. "/strat_b' '" .. root .. "/manager'")
-- the strategy-weight manager's file, exactly in its format (keys it adds are ignored)
write(root .. "/portfolio_config.json", [[{"account_value": 10000, "ann_volatility_pct": 11.45, "asof": "2024-06-30",
"leverage": 2.0, "skipped": ["strat_c"], "target_vol_pct": 30.0, "weights": {"strat_a": 0.6, "strat_b": 0.4},
"window_days": 365}]])

local function state(name, seq, positions, prices, updated)
  write(root .. "/" .. name .. "/state.json", json.encode{ strategy = name, seq = seq, updated = updated or iso(NOW),
    positions = positions, prices = prices })
end

local paper_path = root .. "/paper_exchange.json"
local function paper() return folio.exchange.paper{ path = paper_path } end
local function n_fills() local j = json.decode(read(paper_path) or '{"n_fills": 0}') return j.n_fills end
local function held() return paper().get_positions() end
local function cycle(extra)
  local args = { root = root, exchange = paper(), now = NOW }
  for k, v in pairs(extra or {}) do args[k] = v end
  return R.cycle(args)
end
local function by_symbol(orders)
  local t = {}
  for _, o in ipairs(orders) do t[o.symbol] = o end
  return t
end
local function has_warning(rep, ...)
  for _, w in ipairs(rep.warnings) do
    local all = true
    for _, needle in ipairs{ ... } do all = all and w:find(needle, 1, true) ~= nil end
    if all then return true end
  end
  return false
end

-- ---- the paper exchange on its own ---------------------------------------------------------------

do
  local dir = mkdtemp()
  local ex = folio.exchange.paper{ path = dir .. "/ex.json" }
  T.eq(next(ex.get_positions()), nil, "a new paper exchange holds nothing")
  local f = ex.place_order{ symbol = "BTC-USD", side = "BUY", quantity = 0.1, client_id = "x-1", price = 60000 }
  T.eq(f.status, "filled")
  f = folio.exchange.paper{ path = dir .. "/ex.json" }.place_order{ symbol = "BTC-USD", side = "BUY", quantity = 0.1,
    client_id = "x-1" }
  T.eq(f.status, "duplicate", "a client id is filled once, across adapter objects")
  ex.place_order{ symbol = "BTC-USD", side = "SELL", quantity = 0.3, client_id = "x-2" }
  T.near(ex.get_positions()["BTC-USD"], -0.2, 1e-12, "positions net the fills")
  ex.place_order{ symbol = "BTC-USD", side = "BUY", quantity = 0.2, client_id = "x-3" }
  T.eq(ex.get_positions()["BTC-USD"], nil, "a flat position is removed")
  T.raises(function() ex.place_order{ symbol = "BTC-USD", side = "HOLD", quantity = 1, client_id = "y" } end, "side must be BUY or SELL")
  T.raises(function() ex.place_order{ symbol = "BTC-USD", side = "BUY", quantity = 0, client_id = "y" } end, "quantity must be > 0")
  T.raises(function() ex.place_order{ symbol = "BTC-USD", side = "BUY", quantity = 1 } end, "client_id is required")
  T.raises(function() ex.place_order{ symbol = "BTC-USD", side = "BUY", quantity = 1, client_id = "y", qty = 1 } end,
    "unknown key 'qty'")
  T.raises(function() folio.exchange.paper{ file = "x" } end, "unknown key 'file'")
  write(dir .. "/bad.json", '{"positions": ')
  T.raises(function() folio.exchange.paper{ path = dir .. "/bad.json" }.get_positions() end, { "paper exchange", "bad.json" })
  sh("rm -rf '" .. dir .. "'")
end

-- ---- first cycle: hand-computed orders -------------------------------------------------------------
-- units = account_value × leverage × weight × position / price:
--   strat_a (0.6): BTC 10000·2·0.6·0.5/60000 = 0.1,   ETH 10000·2·0.6·(−0.25)/3000 = −1
--   strat_b (0.4): BTC 10000·2·0.4·0.25/60000 = 0.0333…, SOL 10000·2·0.4·1/150 = 53.333…
-- targets BTC 0.13333…, ETH −1, SOL 53.333…; quantities round down to the 0.0001 step.

state("strat_a", 1, { ["BTC-USD"] = 0.5, ["ETH-USD"] = -0.25 }, { ["BTC-USD"] = 60000, ["ETH-USD"] = 3000 })
state("strat_b", 1, { ["BTC-USD"] = 0.25, ["SOL-USD"] = 1.0 }, { ["BTC-USD"] = 60000, ["SOL-USD"] = 150 })

local rep = cycle()
T.check(rep.acted, "the first cycle acts")
T.eq(rep.cycle, 1)
T.eq(#rep.orders, 3, "three orders")
local o = by_symbol(rep.orders)
T.eq(o["BTC-USD"].side, "BUY"); T.eq(o["BTC-USD"].quantity, 0.1333, "BTC quantity rounded down to the step")
T.eq(o["ETH-USD"].side, "SELL"); T.eq(o["ETH-USD"].quantity, 1.0)
T.eq(o["SOL-USD"].side, "BUY"); T.eq(o["SOL-USD"].quantity, 53.3333)
T.eq(o["SOL-USD"].notional, 8000.0, "notional in cents") -- 53.3333 × 150 = 7999.995 → 8000.00
T.near(rep.targets["BTC-USD"], 0.4 / 3, 1e-9, "the unrounded target")
T.check(o["BTC-USD"].client_id:match("^r1%-%x%x%x%x%x%x%x%x%-BTC%-USD$"), "client id r<cycle>-<key>-<symbol>: " .. o["BTC-USD"].client_id)
for _, x in ipairs(rep.orders) do T.eq(x.status, "filled", x.symbol .. " filled") end
local pos = held()
T.eq(pos["BTC-USD"], 0.1333); T.eq(pos["ETH-USD"], -1.0); T.eq(pos["SOL-USD"], 53.3333)
T.eq(n_fills(), 3)
T.check(not has_warning(rep, "strat"), "no warnings")
T.eq(rep.strategies.strat_a, "new (seq 1)")
local journal = json.decode(read(root .. "/.reconciler.json"))
T.eq(journal.status, "done"); T.eq(journal.cycle, 1); T.eq(#journal.orders, 3)
T.eq(journal.strategies.strat_a.seq, 1); T.eq(journal.strategies.strat_b.positions["SOL-USD"], 1.0)

-- ---- unchanged states: nothing --------------------------------------------------------------------------
rep = cycle()
T.check(not rep.acted, "unchanged states place nothing"); T.eq(#rep.orders, 0); T.eq(n_fills(), 3)
T.eq(rep.strategies.strat_a, "unchanged (seq 1)")
-- a rewrite with the same content (other whitespace, key order) is no change either
write(root .. "/strat_a/state.json", '{ "seq": 1, "strategy": "strat_a", "updated": "' .. iso(NOW) .. '",\n'
  .. '  "prices": {"ETH-USD": 3000, "BTC-USD": 60000}, "positions": {"ETH-USD": -0.25, "BTC-USD": 0.5} }')
rep = cycle()
T.check(not rep.acted, "the same state rewritten is no change"); T.eq(n_fills(), 3)

-- ---- one state changes: only its delta --------------------------------------------------------------
-- strat_a BTC 0.5 → 0.75: its BTC units 0.1 → 0.15; target 0.18333…, held 0.1333 → BUY 0.0500 (rounded down)
state("strat_a", 2, { ["BTC-USD"] = 0.75, ["ETH-USD"] = -0.25 }, { ["BTC-USD"] = 60000, ["ETH-USD"] = 3000 })
rep = cycle()
T.check(rep.acted, "a changed state acts"); T.eq(rep.cycle, 2)
T.eq(#rep.orders, 1, "only the changed symbol trades")
T.eq(rep.orders[1].symbol, "BTC-USD"); T.eq(rep.orders[1].side, "BUY"); T.eq(rep.orders[1].quantity, 0.05)
T.eq(rep.changed[1], "strat_a seq 2")
T.eq(held()["BTC-USD"], 0.1833); T.eq(n_fills(), 4)

-- ---- restart: a new exchange object, the journal read again, and a new process -----------------------------
rep = R.cycle{ root = root, exchange = folio.exchange.paper{ path = paper_path }, now = NOW }
T.check(not rep.acted, "after a restart nothing is placed again"); T.eq(n_fills(), 4)
local out, code = run(bin .. " reconcile --root " .. root .. " --once")
T.eq(code, 0, "folio reconcile --once"); T.check(out:find("nothing changed", 1, true), "a new process places nothing: " .. out)
T.eq(n_fills(), 4)

-- ---- a crash after placing, before the journal says done ------------------------------------------------------
-- strat_b: BTC 0.25 → 0.5 and SOL 1 → 0.5 → BTC target 0.15 + 0.0666… = 0.21666…, held 0.1833 → BUY 0.0333;
-- SOL target 26.6666…, held 53.3333 → SELL 26.6666
local function crashing(after) -- an exchange that dies right after its `after`-th fill
  local ex, calls = paper(), 0
  return { get_positions = ex.get_positions, place_order = function(order)
    local fill = ex.place_order(order)
    calls = calls + 1
    if calls >= after then error("simulated crash") end
    return fill
  end }
end
state("strat_b", 2, { ["BTC-USD"] = 0.5, ["SOL-USD"] = 0.5 }, { ["BTC-USD"] = 60000, ["SOL-USD"] = 150 })
T.raises(function() cycle{ exchange = crashing(1) } end, { "simulated crash", "journal stays pending" })
journal = json.decode(read(root .. "/.reconciler.json"))
T.eq(journal.status, "pending", "the intent was journaled before placing"); T.eq(#journal.orders, 2)
T.eq(n_fills(), 5, "one of the two orders reached the exchange")
rep = cycle()
T.eq(#rep.resumed, 2, "the pending cycle is resumed")
T.eq(rep.resumed[1].status, "duplicate", "the placed order is not filled twice")
T.eq(rep.resumed[2].status, "filled", "the other one is placed")
T.check(not rep.acted, "and nothing new is computed")
T.eq(n_fills(), 6)
T.eq(held()["BTC-USD"], 0.2166); T.eq(held()["SOL-USD"], 26.6667)
T.eq(json.decode(read(root .. "/.reconciler.json")).status, "done", "the journal completes")
rep = cycle()
T.check(not rep.acted and #rep.resumed == 0, "then nothing"); T.eq(n_fills(), 6)

-- all orders placed, crash before "done": a restart re-sends, the exchange dedups, no fill
state("strat_b", 3, { ["BTC-USD"] = 0.5, ["SOL-USD"] = 0.25 }, { ["BTC-USD"] = 60000, ["SOL-USD"] = 150 })
T.raises(function() cycle{ exchange = crashing(1) } end, "simulated crash")
T.eq(n_fills(), 7)
out, code = run(bin .. " reconcile --root " .. root)
T.eq(code, 0); T.check(out:find("resumed SELL", 1, true) and out:find("duplicate", 1, true), "CLI resumes: " .. out)
T.eq(n_fills(), 7, "no double fill across processes")
T.eq(held()["SOL-USD"], 13.3334) -- 26.6667 − 13.3333

-- ---- bad input: unknown strategy ----------------------------------------------------------------------
sh("mkdir -p '" .. root .. "/strat_x'")
write(root .. "/strat_x/state.json", json.encode{ strategy = "strat_x", seq = 1, updated = iso(NOW),
  positions = { ["BTC-USD"] = 1.0 }, prices = { ["BTC-USD"] = 60000 } })
state("strat_a", 3, { ["BTC-USD"] = 1.0, ["ETH-USD"] = -0.25 }, { ["BTC-USD"] = 60000, ["ETH-USD"] = 3000 })
T.raises(function() cycle() end, { "unknown strategy 'strat_x'", "strat_x/state.json", "nothing was acted on" })
T.eq(n_fills(), 7, "an unknown strategy stops the cycle before any order")
out, code = run(bin .. " reconcile --root " .. root)
T.eq(code, 1, "CLI: unknown strategy exits 1"); T.check(out:find("unknown strategy 'strat_x'", 1, true), out)
sh("rm -rf '" .. root .. "/strat_x'")
-- a state naming an unknown strategy inside a known folder
write(root .. "/strat_a/state.json", json.encode{ strategy = "strat_z", seq = 3, updated = iso(NOW),
  positions = {}, prices = {} })
T.raises(function() cycle() end, { "unknown strategy 'strat_z'", "strat_a/state.json" })
write(root .. "/strat_a/state.json", json.encode{ strategy = "strat_b", seq = 3, updated = iso(NOW),
  positions = {}, prices = {} })
T.raises(function() cycle() end, { "names strategy 'strat_b'", "folder of 'strat_a'" })
T.eq(n_fills(), 7)

-- ---- bad input: a half-written state file ------------------------------------------------------------------
-- strat_a's new state (BTC 1.0) arrives truncated: never acted on; the state acted on (seq 2) stays in use
local full = json.encode{ strategy = "strat_a", seq = 3, updated = iso(NOW), positions = { ["BTC-USD"] = 1.0,
  ["ETH-USD"] = -0.25 }, prices = { ["BTC-USD"] = 60000, ["ETH-USD"] = 3000 } }
write(root .. "/strat_a/state.json", full:sub(1, #full // 2))
rep = cycle()
T.check(not rep.acted, "a half-written state is not acted on")
T.check(has_warning(rep, "strat_a", "not valid JSON", "keeping the state acted on (seq 2)"), "warned: " .. table.concat(rep.warnings, " | "))
T.eq(n_fills(), 7)
-- a bad value is the same
write(root .. "/strat_a/state.json", json.encode{ strategy = "strat_a", seq = 3, updated = iso(NOW),
  positions = { ["BTC-USD"] = 1.5 }, prices = { ["BTC-USD"] = 60000 } })
rep = cycle()
T.check(not rep.acted and has_warning(rep, "position of BTC-USD must be a number in [-1, 1]"), "out-of-range position skipped")
write(root .. "/strat_a/state.json", json.encode{ strategy = "strat_a", seq = 3, updated = iso(NOW),
  positions = { ["BTC-USD"] = 0.5 }, prices = {} })
rep = cycle()
T.check(not rep.acted and has_warning(rep, "no price for BTC-USD"), "a position without a price is skipped")
-- seq must increase
write(root .. "/strat_a/state.json", json.encode{ strategy = "strat_a", seq = 2, updated = iso(NOW),
  positions = { ["BTC-USD"] = 0.1 }, prices = { ["BTC-USD"] = 60000 } })
rep = cycle()
T.check(not rep.acted and has_warning(rep, "seq 2 did not increase past 2"), "a rewritten seq is skipped")
T.eq(n_fills(), 7)
-- the complete file: acted on. strat_a BTC 0.75 → 1.0: +0.05 units → BUY 0.05 (held 0.2166, target 0.26666…)
write(root .. "/strat_a/state.json", full)
rep = cycle()
T.check(rep.acted, "the completed file is acted on"); T.eq(#rep.orders, 1)
T.eq(rep.orders[1].symbol, "BTC-USD"); T.eq(rep.orders[1].quantity, 0.05)
T.eq(n_fills(), 8)

-- ---- bad input: a stale state file -------------------------------------------------------------------------
state("strat_b", 4, { ["BTC-USD"] = 0.5, ["SOL-USD"] = 0.0 }, { ["BTC-USD"] = 60000, ["SOL-USD"] = 150 }, iso(NOW - 7200))
rep = cycle()
T.check(not rep.acted, "a stale state is not acted on")
T.check(has_warning(rep, "strat_b", "stale", "max age 3600"), "stale warned")
T.eq(n_fills(), 8)
-- with a longer max age the same file is fresh: SOL target 0 → close the 13.3334 held exactly
rep = cycle{ max_age = 3 * 3600 }
T.check(rep.acted); T.eq(#rep.orders, 1)
T.eq(rep.orders[1].symbol, "SOL-USD"); T.eq(rep.orders[1].side, "SELL"); T.eq(rep.orders[1].quantity, 13.3334, "closed exactly")
T.eq(held()["SOL-USD"], nil, "SOL flat")

-- ---- min notional and the step ---------------------------------------------------------------------------------
-- strat_a ETH −0.25 → −0.2499: target −0.9996, BUY 0.0004 ETH ≈ $1.20 < $10: dropped and reported, nothing placed
state("strat_a", 4, { ["BTC-USD"] = 1.0, ["ETH-USD"] = -0.2499 }, { ["BTC-USD"] = 60000, ["ETH-USD"] = 3000 })
local before = n_fills()
rep = cycle{ max_age = 3 * 3600 }
T.check(rep.acted); T.eq(#rep.orders, 0); T.eq(#rep.small, 1, "one order under the minimum")
T.eq(rep.small[1].symbol, "ETH-USD"); T.eq(n_fills(), before)
rep = cycle{ max_age = 3 * 3600 }
T.check(not rep.acted, "the dropped order is not retried while nothing changes")

-- ---- config: bad files, and a change of leverage acts --------------------------------------------------------
local cfg_text = read(root .. "/portfolio_config.json")
write(root .. "/portfolio_config.json", '{"account_value": 10000, "weights": {"strat_a": 0.6, "strat_b": 0.4}}')
T.raises(function() cycle() end, "leverage is required")
-- a bad weight is that strategy's bad input: it is skipped (its state acted on
-- kept, with the weight it was acted on with), reported, and the others act
write(root .. "/portfolio_config.json", '{"account_value": 10000, "leverage": 2, "weights": {"strat_a": -0.6, "strat_b": 0.4}}')
local fills_before = n_fills()
rep = cycle{ max_age = 3 * 3600 }
T.check(has_warning(rep, "strat_a", "weight of 'strat_a' must be a finite number >= 0", "skipped"), "bad weight skipped")
T.eq(rep.strategies.strat_a, "skipped"); T.eq(n_fills(), fills_before, "the same targets: nothing placed")
write(root .. "/portfolio_config.json", '{"account_value": 10000, "leverage": 2, "weights": {"strat_a": 1e300, "strat_b": 0.4}}')
rep = cycle{ max_age = 3 * 3600 }
T.check(has_warning(rep, "strat_a", "weight of 'strat_a' 1e+300 is outside the weight domain"), "huge weight skipped")
T.eq(n_fills(), fills_before)
write(root .. "/portfolio_config.json", '{"account_value": 1e300, "leverage": 2, "weights": {"strat_a": 0.6, "strat_b": 0.4}}')
T.raises(function() cycle() end, "account_value 1e+300 is outside the USD amount domain")
write(root .. "/portfolio_config.json", '{"account_value": 10000, "leverage": 2')
T.raises(function() cycle() end, { "portfolio_config.json is not valid JSON" })
write(root .. "/portfolio_config.json", cfg_text)
rep = cycle() -- the config as it was: the same targets again, nothing placed
T.eq(n_fills(), fills_before, "config restored: nothing placed")
T.raises(function() R.cycle{ root = root, exchange = paper(), step = 0 } end, "step must be > 0")
T.raises(function() R.cycle{ root = root, exchange = paper(), maxage = 1 } end, "unknown key 'maxage'")
T.raises(function() R.cycle{ root = root, exchange = { get_positions = function() return {} end } } end,
  "exchange.place_order must be a function")

-- ---- a corrupt journal stops everything ------------------------------------------------------------------------------
local jtext = read(root .. "/.reconciler.json")
write(root .. "/.reconciler.json", jtext:sub(1, 40))
T.raises(function() cycle() end, { "journal", "refusing to act" })
write(root .. "/.reconciler.json", jtext)

-- ---- watch: acts only on changes -------------------------------------------------------------------------------------
do
  local real_sleep, real_cycle = R.sleep, R.cycle
  local polls, cycles_run, logged = 0, 0, {}
  R.cycle = function(a) cycles_run = cycles_run + 1 return real_cycle(a) end
  R.sleep = function(s)
    polls = polls + 1
    if polls == 3 then -- strat_b changes between the 3rd and 4th poll: BTC 0.5 → 0.25 (−0.0333 BTC), SOL dropped
      state("strat_b", 5, { ["BTC-USD"] = 0.25 }, { ["BTC-USD"] = 60000 })
    end
    return real_sleep(s)
  end
  before = n_fills()
  local stats = R.watch{ root = root, exchange = paper(), interval = 0.1, cycles = 6, now = NOW,
    log = function(line) logged[#logged + 1] = line end }
  R.sleep, R.cycle = real_sleep, real_cycle
  T.eq(stats.polls, 6, "six polls")
  T.eq(stats.acted, 1, "one cycle acted (the change)")
  T.eq(cycles_run, 2, "a cycle runs at the first poll and after the change only (mtime/size gate)")
  T.eq(n_fills(), before + 1, "one order placed")
  -- target 0.2333…, held 0.2666: −0.03326… rounds toward zero to SELL 0.0332 (never past the target)
  T.eq(held()["BTC-USD"], 0.2334)
  T.check(table.concat(logged, "\n"):find("strat_b seq 5", 1, true), "the change is logged")
end

-- ---- the command line: watch, signals, usage -------------------------------------------------------------------------------
out, code = run(bin .. " reconcile --root " .. root .. " --watch --interval 0.05 --cycles 3")
T.eq(code, 0, "watch with --cycles ends"); T.check(out:find("3 polls, 0 cycles acted", 1, true), out)
do -- SIGTERM between cycles: a clean exit
  local pidfile, outfile = root .. "/watch.pid", root .. "/watch.out"
  sh("(" .. bin .. " reconcile --root " .. root .. " --watch --interval 0.2 > " .. outfile .. " 2>&1 & echo $! > "
    .. pidfile .. "; wait $!; echo \"exit=$?\" >> " .. outfile .. ") &")
  local pid
  for _ = 1, 100 do
    pid = tonumber(read(pidfile) or "")
    if pid and (read(outfile) or ""):find("watching", 1, true) then break end
    R.sleep(0.05)
  end
  T.check(pid ~= nil, "watcher started")
  if pid then
    sh("kill -TERM " .. pid)
    local text
    for _ = 1, 200 do
      text = read(outfile) or ""
      if text:find("exit=", 1, true) then break end
      R.sleep(0.05)
    end
    T.check(text:find("SIGTERM, stopping between cycles", 1, true), "stops on SIGTERM: " .. text)
    T.check(text:find("exit=0", 1, true), "exit status 0 after SIGTERM")
  end
end
out, code = run(bin .. " reconcile --watch")
T.eq(code, 2, "--root is required"); T.check(out:find("--root is required", 1, true))
out, code = run(bin .. " reconcile --root " .. root .. " --interval -1")
T.eq(code, 2); T.check(out:find("bad value for --interval", 1, true))
out, code = run(bin .. " reconcile --root " .. root .. " --frobnicate")
T.eq(code, 2); T.check(out:find("unknown option '--frobnicate'", 1, true))
out, code = run(bin .. " reconcile --root " .. root .. " --exchange nyse:x")
T.eq(code, 1); T.check(out:find("--exchange must be paper:FILE or lua:FILE", 1, true), out)
out, code = run(bin .. " --help")
T.check(out:find("reconcile --root DIR", 1, true), "--help lists reconcile")

-- ---- files: durable atomic writes leave no temporaries -------------------------------------------------------------------
local ok, why = R.write_file("/nonexistent-dir/x.json", "{}")
T.eq(ok, nil); T.check(why and why:find("cannot create a temporary file beside /nonexistent-dir/x.json", 1, true), "write_file reports the failure: " .. tostring(why))
for _, name in ipairs(R.list_dir(root)) do T.check(not name:find(".tmp", 1, true), "no temporary left: " .. name) end
T.eq(R.list_dir("/nonexistent-dir"), nil, "list_dir of a missing folder fails")
local info = R.file_info(root .. "/portfolio_config.json")
T.eq(info.kind, "file"); T.eq(info.size, #cfg_text); T.check(info.mtime > 0)
T.eq(R.file_info(root).kind, "directory"); T.eq(R.file_info(root .. "/none"), nil)

-- ---- files: whole-file reads (folio_i_read_file) -------------------------------------------------------------------------
T.eq(R.read_file(root .. "/portfolio_config.json"), cfg_text, "read_file reads a regular file whole")
do
  local text, why, missing = R.read_file(root .. "/none")
  T.eq(text, nil); T.eq(why, root .. "/none: No such file or directory", "a missing file: io.open's message")
  T.eq(missing, true, "a missing file is flagged")
  text, why, missing = R.read_file(root)
  T.eq(text, nil); T.eq(missing, false, "a folder is not missing")
  T.check(why and why:find(root .. " is not a regular file", 1, true), "a folder is refused, named: " .. tostring(why))
  T.raises(function() R.cycle{ root = root, exchange = paper(), config = root .. "/strat_a" } end,
    { "cannot read config " .. root .. "/strat_a", "is not a regular file" })
  T.raises(function() R.cycle{ root = root, exchange = paper(), journal = root .. "/strat_a" } end,
    { "journal " .. root .. "/strat_a is unreadable", "not a regular file", "refusing to act" })
  T.raises(function() folio.exchange.paper{ path = root .. "/strat_a" }.get_positions() end,
    { "paper exchange", root .. "/strat_a", "not a regular file" })
  -- a FIFO with no writer: refused at once, never waited on (in a child process
  -- under `timeout`, so that a reader that blocks fails the test instead of hanging it)
  local fifo = root .. "/fifo.json"
  if sh("mkfifo '" .. fifo .. "' 2>/dev/null") then
    local script = T.tmpfile(string.format([[
local R, path = folio.reconcile, %q
local text, why, missing = R.read_file(path)
print("read_file", text, why, missing)
print("config", pcall(R.cycle, { root = %q, exchange = folio.exchange.paper{ path = %q }, config = path }))
print("journal", pcall(R.cycle, { root = %q, exchange = folio.exchange.paper{ path = %q }, journal = path }))
print("paper", pcall(folio.exchange.paper{ path = path }.get_positions))
]], fifo, root, paper_path, root, paper_path))
    out, code = run("timeout 20 " .. bin .. " run --trusted " .. script)
    T.eq(code, 0, "the FIFO is not waited on: " .. out)
    T.check(out:find("read_file\tnil\t" .. "read_file: " .. fifo .. " is not a regular file\tfalse", 1, true), out)
    T.check(out:find("config\tfalse\treconcile: cannot read config " .. fifo .. ": read_file: " .. fifo
      .. " is not a regular file", 1, true), out)
    T.check(out:find("journal\tfalse\treconcile: journal " .. fifo .. " is unreadable (read_file: " .. fifo
      .. " is not a regular file); refusing to act", 1, true), out)
    T.check(out:find("paper\tfalse\tpaper exchange: " .. fifo .. " is unreadable (read_file: " .. fifo
      .. " is not a regular file)", 1, true), out)
    os.remove(fifo)
  end
end

-- ---- trusted hosts only --------------------------------------------------------------------------------------------
local sandboxed = T.tmpfile("local ok, err = pcall(folio.reconcile.sleep, 0)\nprint(ok, err)\n"
  .. "print(pcall(folio.reconcile.list_dir, '.'))\nprint(pcall(folio.reconcile.read_file, 'x.json'))\n")
out, code = run(bin .. " run " .. sandboxed)
T.eq(code, 0); T.check(out:find("reconcile.sleep: needs a trusted engine", 1, true) and out:find("reconcile.list_dir: needs a trusted engine", 1, true), out)
T.check(out:find("reconcile.read_file: needs a trusted engine", 1, true), out)

sh("rm -rf '" .. root .. "'")
T.finish("test_reconcile")
