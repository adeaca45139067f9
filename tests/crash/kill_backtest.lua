-- tests/crash/kill_backtest.lua — the resume kill test of `folio backtest`:
-- an unkilled reference run writes --out; then, round after round, the
-- same backtest with --store (a fresh store, --checkpoint-every K with K
-- varied per round) is SIGKILLed at a random instant (fixed seed,
-- FOLIO_BT_KILL_POINTS kills, default 20), sometimes twice in a row and
-- sometimes very late, while the outputs are being written. After every
-- kill each file of --out is absent or whole and identical to the
-- reference (they are written atomically at the end); the rerun that
-- completes leaves every file byte-identical to the reference (cmp). Last,
-- a second run on a store that a first run holds is refused (the store is
-- locked) and the first run's outputs are still the reference's.
-- Run from the source folder: folio run --trusted tests/crash/kill_backtest.lua
local T = dofile("tests/lua/testlib.lua")
local folio = require "folio"

local KILLS = tonumber(os.getenv("FOLIO_BT_KILL_POINTS") or "") or 20
local BIN = os.getenv("FOLIO_BIN") or "./build/folio"
local FILES = { "nav.csv", "trades.csv", "weights.csv", "costs.csv", "summary.json", "equity.svg", "weights.svg",
  "turnover_costs.svg", "contributions.svg" }

local mkdtemp, read = T.tmpdir, T.read

local dir = mkdtemp()
local ref_dir, out, store = dir .. "/ref", dir .. "/out", dir .. "/bt.db"
local base = string.format("%s backtest --fund examples/fund.yaml --prices examples/data/prices.csv", BIN)
local function cmd(k, o) return string.format("%s --out '%s' --store '%s' --checkpoint-every %d", base, o or out, store, k) end
local function reset()
  os.execute(string.format("rm -rf '%s' '%s'-wal '%s'-shm '%s'.lock '%s'", store, store, store, store, out))
end

-- the reference: an unkilled run without a store, and how long a run with one takes
local t0 = folio.clock()
T.check(os.execute(string.format("%s --out '%s' >/dev/null 2>&1", base, ref_dir)), "the reference run succeeds")
local ref = {}
for _, f in ipairs(FILES) do
  ref[f] = read(ref_dir .. "/" .. f)
  T.check(ref[f] ~= nil and #ref[f] > 0, "the reference wrote " .. f)
end
-- (watched: when its first output appears, so that late kills land in the writing)
reset()
assert(os.execute("mkdir -p '" .. out .. "'"))
local done = dir .. "/done"
t0 = folio.clock()
os.execute(string.format("sh -c '%s >/dev/null 2>&1; echo $? >%s' &", cmd(3):gsub("'", "'\\''"), done))
local writing
-- (the shell creates the file before it writes the status: wait for the digits)
while not (read(done) or ""):match("%d") do
  if not writing and read(out .. "/nav.csv") then writing = folio.clock() - t0 end
  folio.reconcile.sleep(0.001)
end
local full = folio.clock() - t0
T.eq(tonumber(read(done)), 0, "an unkilled run with a store succeeds")
writing = writing or full * 0.9
for _, f in ipairs(FILES) do
  T.check(os.execute(string.format("cmp -s '%s/%s' '%s/%s'", ref_dir, f, out, f)), "with a store, " .. f .. " is the reference's")
end

-- how many checkpoints the store holds (nil: no store or no checkpoint table yet)
local function checkpoints()
  local ok, st = pcall(folio.store.open, { path = store, readonly = true, create = false })
  if not ok then return nil end
  local ok2, chain = pcall(st.checkpoints, st)
  st:close()
  return ok2 and #chain or nil
end

-- After a kill: each output absent or the reference's, whole; returns how many are there.
local function check_out(what)
  local present = 0
  for _, f in ipairs(FILES) do
    local t = read(out .. "/" .. f)
    if t then
      present = present + 1
      T.check(t == ref[f], string.format("%s: %s is whole and the reference's (%d bytes, want %d)", what, f, #t, #ref[f]))
    end
  end
  return present
end
local function temporaries()
  local p = io.popen(string.format("ls -A '%s' 2>/dev/null", out))
  local n = 0
  for name in p:lines() do if name:find("%.tmp%.") then n = n + 1 end end
  p:close()
  return n
end

-- fixed-seed delays: most over a little more than one run, some very late (the outputs)
local seed = 20261207
local function uniform()
  seed = (seed * 1103515245 + 12345) % 2147483648
  return seed / 2147483648
end
local EVERY = { 1, 2, 3, 5 }
local phases, kills, rounds, leftovers = {}, 0, 0, 0
while kills < KILLS do
  reset()
  assert(os.execute("mkdir -p '" .. out .. "'"))
  rounds = rounds + 1
  local k = EVERY[1 + math.floor(uniform() * #EVERY)]
  local chain = uniform() < 0.3 and 2 or 1 -- sometimes the rerun is killed too
  for c = 1, chain do
    local late = uniform() < 0.3
    local delay = late and writing + full * (0.15 * uniform() - 0.1) or uniform() * full
    local kk = c == 1 and k or EVERY[1 + math.floor(uniform() * #EVERY)] -- the rerun may checkpoint otherwise
    os.execute(string.format("sh -c '%s >/dev/null 2>&1 & p=$!; sleep %.4f; kill -9 $p 2>/dev/null; wait $p 2>/dev/null' 2>/dev/null",
      cmd(kk):gsub("'", "'\\''"), delay))
    kills = kills + 1
    local what = string.format("round %d, kill %d (K %d, %.3f s%s)", rounds, kills, kk, delay, late and ", late" or "")
    local present = check_out(what)
    local n_cp = checkpoints()
    local phase = present == #FILES and "outputs all written"
      or present > 0 and "during the output writing"
      or (n_cp or 0) == 0 and "before the first checkpoint" or "in the replay"
    phases[phase] = (phases[phase] or 0) + 1
  end
  T.check(os.execute(cmd(k) .. " >/dev/null 2>&1"), string.format("round %d: the rerun succeeds", rounds))
  for _, f in ipairs(FILES) do
    T.check(os.execute(string.format("cmp -s '%s/%s' '%s/%s'", ref_dir, f, out, f)),
      string.format("round %d (K %d): after the rerun %s is byte-identical to the reference", rounds, k, f))
  end
  local left = temporaries()
  T.eq(left, 0, string.format("round %d: after the rerun no temporary file is left in --out", rounds))
  leftovers = leftovers + left
end

-- a second run on a store the first one holds is refused, and harms nothing
reset()
assert(os.execute("mkdir -p '" .. out .. "' '" .. dir .. "/out2'"))
local log = dir .. "/second.log"
local first = io.popen(string.format("sh -c '%s >/dev/null 2>&1 & p=$!; echo $p; wait $p; echo $?'", cmd(2):gsub("'", "'\\''")))
local pid = first:read("l")
T.check(pid ~= nil, "the first run started")
-- wait until the first run holds the store (its first checkpoint)
local waited = 0
while (checkpoints() or 0) == 0 and waited < 10 do folio.reconcile.sleep(0.01) waited = waited + 0.01 end
local second_ok, _, second_rc = os.execute(string.format("%s 2>'%s' >/dev/null", cmd(2, dir .. "/out2"), log))
local msg = read(log) or ""
local first_rc = tonumber(first:read("l"))
first:close()
T.check(not second_ok and second_rc == 1, "the second run fails with status 1 (" .. tostring(second_rc) .. ")")
T.check(msg:find(store, 1, true) and msg:find("is locked by another run", 1, true) and msg:find("folio.backtest of", 1, true),
  "the second run says the store is busy and who holds it: " .. msg)
T.check(read(dir .. "/out2/nav.csv") == nil, "the refused run wrote nothing")
T.eq(first_rc, 0, "the first run completes")
for _, f in ipairs(FILES) do
  T.check(os.execute(string.format("cmp -s '%s/%s' '%s/%s'", ref_dir, f, out, f)), "the first run's " .. f .. " is the reference's")
end
T.check(os.execute(cmd(2, dir .. "/out2") .. " >/dev/null 2>&1"), "once free, the store serves a rerun")
for _, f in ipairs(FILES) do
  T.check(read(dir .. "/out2/" .. f) == ref[f], "the rerun on the finished store writes " .. f .. " as the reference")
end

local names = folio.sorted_keys(phases)
local parts = {}
for _, p in ipairs(names) do parts[#parts + 1] = string.format("%s %d", p, phases[p]) end
print(string.format("kill_backtest: %d kills in %d rounds (one run %.3f s, outputs from %.3f s): %s; %d temporary files left in --out",
  kills, rounds, full, writing, table.concat(parts, ", "), leftovers))
T.check((phases["in the replay"] or 0) >= KILLS // 4, "at least a quarter of the kills landed in the replay")
os.execute("rm -rf '" .. dir .. "'")
T.finish("kill_backtest")
