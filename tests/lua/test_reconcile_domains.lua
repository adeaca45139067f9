-- folio.reconcile against numbers outside their domains (docs/numbers.md):
-- three strategies, one of them with a bad price, weight, timestamp or
-- target; that one is skipped and reported, the other two trade.
local T = dofile((arg[0]:match("^(.*)/") or ".") .. "/testlib.lua")
local folio = require "folio"
local R = folio.reconcile
local json = folio.json

local NOW = os.time()
local function iso(t) return os.date("!%Y-%m-%dT%H:%M:%SZ", t) end

local function write(path, text)
  local f = assert(io.open(path, "wb"))
  f:write(text)
  f:close()
end

local function mkroot()
  local p = os.tmpname()
  os.remove(p)
  assert(os.execute("mkdir -p '" .. p .. "/a' '" .. p .. "/b' '" .. p .. "/c'"))
  return p
end

-- One fresh root: strategies a (AAA), b (BBB), c (CCC); c gets `bad`
-- (fields of its state or of the config replaced). Returns the cycle's report.
local function scenario(bad)
  local root = mkroot()
  local cfg = { account_value = 10000, leverage = 1, weights = { a = 0.5, b = 0.3, c = 0.2 } }
  for k, v in pairs(bad.config or {}) do cfg[k] = v end
  if bad.weight_text then -- a number JSON holds but the weight domain refuses
    write(root .. "/portfolio_config.json", json.encode(cfg):gsub('"c":[^,}]+', '"c":' .. bad.weight_text))
  else
    write(root .. "/portfolio_config.json", json.encode(cfg))
  end
  local function state(name, sym, px, extra)
    local st = { strategy = name, seq = 1, updated = iso(NOW), positions = { [sym] = 0.5 }, prices = { [sym] = px } }
    for k, v in pairs(extra or {}) do st[k] = v end
    write(root .. "/" .. name .. "/state.json", json.encode(st))
  end
  state("a", "AAA", 100)
  state("b", "BBB", 50)
  state("c", "CCC", bad.price or 20, bad.state)
  local ex = folio.exchange.paper{ path = root .. "/paper.json" }
  local rep = R.cycle{ root = root, exchange = ex, now = NOW }
  local by = {}
  for _, o in ipairs(rep.orders) do by[o.symbol] = o end
  return rep, by, ex, root
end

local function warned(rep, ...)
  for _, w in ipairs(rep.warnings) do
    local all = true
    for _, needle in ipairs{ ... } do all = all and w:find(needle, 1, true) ~= nil end
    if all then return true end
  end
  return false
end

-- the good case: all three trade
local rep, by = scenario{}
T.check(rep.acted); T.eq(#rep.orders, 3)
T.eq(by.AAA.quantity, 25); T.eq(by.BBB.quantity, 30); T.eq(by.CCC.quantity, 50)

local function two_trade(label, rep, by, ...)
  T.check(rep.acted, label .. ": the others act")
  T.eq(#rep.orders, 2, label .. ": two orders")
  T.eq(by.AAA and by.AAA.quantity, 25, label .. ": a trades")
  T.eq(by.BBB and by.BBB.quantity, 30, label .. ": b trades")
  T.eq(by.CCC, nil, label .. ": nothing for c")
  T.eq(rep.strategies.c, "skipped", label .. ": c reported skipped")
  T.check(warned(rep, "c:", ...), label .. ": the warning names c and the value")
  for _, w in ipairs(rep.warnings) do T.check(not w:find("^[ab]:"), label .. ": no warning about a or b: " .. w) end
end

-- a reference price of 1e-290 (a BUY of 5e292 units before) and a denormal
-- (an infinite target, then an internal error that stopped every strategy)
rep, by = scenario{ price = 1e-290 }
two_trade("price 1e-290", rep, by, "price 1e-290 of CCC is outside the price domain [1e-08, 1e+12]")
rep, by = scenario{ price = 5e-324 }
two_trade("price 5e-324", rep, by, "price 4.94066e-324 of CCC is outside the price domain")
rep, by = scenario{ price = 2e12 }
two_trade("price 2e12", rep, by, "price 2e+12 of CCC is outside the price domain")
-- a config weight of 1e300 (accepted before), and a negative one
rep, by = scenario{ weight_text = "1e300" }
two_trade("weight 1e300", rep, by, "weight of 'c' 1e+300 is outside the weight domain [-100, 100]")
rep, by = scenario{ weight_text = "-0.2" }
two_trade("weight -0.2", rep, by, "weight of 'c' must be a finite number >= 0")
-- a state from the future: 9999-12-31 (never stale before) and tomorrow
rep, by = scenario{ state = { updated = "9999-12-31T00:00:00Z" } }
two_trade("updated 9999-12-31", rep, by, "is in the future")
rep, by = scenario{ state = { updated = iso(NOW + 86400) } }
two_trade("updated tomorrow", rep, by, "is in the future", "86400 s after now")
-- a little clock skew is tolerated
rep, by = scenario{ state = { updated = iso(NOW + 30) } }
T.eq(#rep.orders, 3, "30 s of clock skew is accepted")
-- targets beyond the quantity domain: 1e13 USD x 100 x 100 / 1e-8 per unit
rep = scenario{ config = { account_value = 1e13, leverage = 100, weights = { a = 1e-9, b = 1e-9, c = 100 } },
  price = 1e-8 }
T.eq(rep.strategies.c, "skipped"); T.check(warned(rep, "c:", "target units", "outside the quantity domain"))
T.eq(rep.strategies.a, "new (seq 1)"); T.eq(rep.strategies.b, "new (seq 1)")
for _, o in ipairs(rep.orders) do T.check(o.symbol ~= "CCC", "nothing for c") end

-- a bad state after a good one: the state acted on is kept, with its weight
do
  local rep1, _, ex, root = scenario{}
  T.eq(#rep1.orders, 3)
  write(root .. "/c/state.json", json.encode{ strategy = "c", seq = 2, updated = iso(NOW),
    positions = { CCC = 0.9 }, prices = { CCC = 1e-290 } })
  write(root .. "/a/state.json", json.encode{ strategy = "a", seq = 2, updated = iso(NOW),
    positions = { AAA = 0.6 }, prices = { AAA = 100 } })
  local rep2 = R.cycle{ root = root, exchange = ex, now = NOW }
  T.check(rep2.acted); T.eq(#rep2.orders, 1, "only a's change trades")
  T.eq(rep2.orders[1].symbol, "AAA"); T.eq(rep2.orders[1].quantity, 5)
  T.check(warned(rep2, "c:", "outside the price domain", "keeping the state acted on (seq 1)"))
  T.eq(ex.get_positions().CCC, 50, "c's position kept, not closed")
  -- then c's weight goes bad: c keeps the weight it was acted on with; b's change trades
  write(root .. "/portfolio_config.json", json.encode{ account_value = 10000, leverage = 1,
    weights = { a = 0.5, b = 0.6, c = 0.2 } }:gsub('"c":[^,}]+', '"c":1e300'))
  local rep3 = R.cycle{ root = root, exchange = ex, now = NOW }
  T.check(rep3.acted); T.eq(#rep3.orders, 1); T.eq(rep3.orders[1].symbol, "BBB"); T.eq(rep3.orders[1].quantity, 30)
  T.eq(rep3.strategies.c, "skipped"); T.eq(ex.get_positions().CCC, 50, "c still kept")
end

-- the exchange's positions are checked too (shared: the cycle stops, clearly)
do
  local root = mkroot()
  write(root .. "/portfolio_config.json", json.encode{ account_value = 10000, leverage = 1, weights = { a = 1 } })
  write(root .. "/a/state.json", json.encode{ strategy = "a", seq = 1, updated = iso(NOW), positions = { AAA = 0.5 },
    prices = { AAA = 100 } })
  local ex = { get_positions = function() return { AAA = 1e300 } end, place_order = function() return {} end }
  T.raises(function() R.cycle{ root = root, exchange = ex, now = NOW } end,
    "position 1e+300 of AAA is outside the quantity domain")
end

-- the cycle's own numbers: a step of 1e-300 made quantities infinite
do
  local root = mkroot()
  write(root .. "/portfolio_config.json", json.encode{ account_value = 10000, leverage = 1, weights = { a = 1 } })
  local ex = folio.exchange.paper{ path = root .. "/paper.json" }
  T.raises(function() R.cycle{ root = root, exchange = ex, now = NOW, step = 1e-300 } end,
    "step 1e-300 is outside the lot domain")
  T.raises(function() R.cycle{ root = root, exchange = ex, now = NOW, min_notional = 1e300 } end,
    "min_notional 1e+300 is outside the USD amount domain")
  T.raises(function() R.cycle{ root = root, exchange = ex, now = 0/0 } end, "now is NaN")
end

-- A journal of the right version but the wrong shape (found by fuzz_reconcile):
-- refused whole before anything is acted on, naming the field; the root's files
-- and the exchange are untouched.
local function journal_case(journal_text, needles, label)
  local root = mkroot()
  write(root .. "/portfolio_config.json", json.encode{ account_value = 10000, leverage = 1, weights = { a = 1 } })
  os.execute("rm -rf '" .. root .. "/b' '" .. root .. "/c'")
  write(root .. "/a/state.json", json.encode{ strategy = "a", seq = 2, updated = iso(NOW), positions = { X = 1 },
                                               prices = { X = 2 } })
  write(root .. "/.reconciler.json", journal_text)
  local ex = folio.exchange.paper{ path = root .. "/paper.json" }
  T.raises(function() R.cycle{ root = root, exchange = ex, now = NOW } end, needles, label)
  local f = io.open(root .. "/.reconciler.json", "rb")
  T.eq(f and f:read("a"), journal_text, label .. ": the journal is untouched")
  if f then f:close() end
  T.eq(io.open(root .. "/paper.json", "rb"), nil, label .. ": nothing reached the exchange")
  os.execute("rm -rf '" .. root .. "'")
end
journal_case('{"version": 1, "cycle": 4}', { "journal", "key is missing", "refusing to act" }, "no key")
journal_case('{"version": 1, "cycle": 4, "key": "k", "inputs": "i", "strategies": {"a": 7}}',
             { "strategies.a must be an object" }, "strategy a number")
journal_case('{"version": 1, "cycle": 4, "key": "k", "inputs": "i", "strategies": {"a": {"digest": "d"}}}',
             { "strategies.a.seq must be an integer" }, "strategy without seq")
journal_case('{"version": 1, "cycle": 1, "key": "k", "inputs": "i", "prices": {"X": 5e-324}}',
             { "prices", "outside the price domain" }, "denormal price")
journal_case('{"version": 1, "cycle": 1, "key": "k", "inputs": "i", "status": "pending", '
             .. '"orders": [{"symbol": "X", "side": "HOLD", "quantity": 1, "client_id": "c"}]}',
             { "orders[1].side must be BUY or SELL" }, "pending order of no side")
journal_case('{"version": 1, "cycle": -1}', { "cycle must be an integer >= 0" }, "negative cycle")
journal_case('{"version": 1, "cycle": 1, "key": "k", "inputs": "i", "status": "maybe"}',
             { "status must be 'done' or 'pending'" }, "unknown status")

-- A strategy acted on before whose state can no longer be sized (its units
-- leave the quantity domain under a new config) stops the cycle: skipping it
-- would close what it holds. Found in review: it used to SELL the whole line.
do
  local root = mkroot()
  os.execute("rm -rf '" .. root .. "/b' '" .. root .. "/c'")
  write(root .. "/portfolio_config.json", json.encode{ account_value = 10000, leverage = 1, weights = { a = 1 } })
  write(root .. "/a/state.json", json.encode{ strategy = "a", seq = 1, updated = iso(NOW), positions = { AAA = 0.5 },
                                               prices = { AAA = 0.01 } })
  local ex = folio.exchange.paper{ path = root .. "/paper.json" }
  local rep1 = R.cycle{ root = root, exchange = ex, now = NOW }
  T.check(rep1.acted and #rep1.orders == 1 and rep1.orders[1].side == "BUY", "held: a buys AAA")
  write(root .. "/portfolio_config.json", json.encode{ account_value = 1e13, leverage = 100, weights = { a = 100 } })
  T.raises(function() R.cycle{ root = root, exchange = ex, now = NOW } end,
           { "a:", "outside the quantity domain", "cannot be sized either", "nothing was acted on" },
           "an unsizable strategy that holds stops the cycle")
  T.eq(ex.get_positions().AAA, rep1.orders[1].quantity, "its position is still held")
  os.execute("rm -rf '" .. root .. "'")
end

-- folio.domains states the bounds the checks use
T.eq(folio.domains.price.min, 1e-8); T.eq(folio.domains.price.max, 1e12)
T.eq(folio.domains.weight.max, 100); T.eq(folio.domains.variance.zero_ok, true)

T.finish("test_reconcile_domains")
