-- The weekly rebalance end to end (folio.rebalance with the file OMS adapter)
-- and its bad inputs: every case of the issue's list.
local T = dofile((arg[0]:match("^(.*)/") or ".") .. "/testlib.lua")
local folio = require "folio"

local fund = folio.config.load("examples/fund.yaml")
local market = folio.data.read_market{ prices = "examples/data/prices.csv", volumes = "examples/data/volumes.csv" }
local prices = market:prices()
local dates = prices:dates()
local asof = dates[#dates]
local px = {}
for _, s in ipairs(prices:symbols()) do px[s] = prices:get(#dates, s) end
local lines = {}
local function quiet(line) lines[#lines + 1] = line end

local function tmpdir()
  local p = os.tmpname()
  os.remove(p)
  assert(os.execute("mkdir -p " .. p))
  return p
end
local dir = tmpdir()

-- 1. a full run: turnover within the weekly budget, orders sorted and recorded
local out = dir .. "/orders.csv"
local store = dir .. "/fund.db"
local adapter = folio.oms.file{ positions = "examples/data/positions.csv", orders = out, prices = px }
local s = folio.rebalance.run{ fund = fund, market = market, oms = adapter, asof = asof, store = store, log = quiet }
local n = adapter.finish()
T.check(n > 0, "orders submitted")
T.eq(n, #s.submitted, "every submitted order written")
local traded = 0
for _, o in ipairs(s.submitted) do traded = traded + o.notional / s.nav end
T.check(traded <= 0.30 + 1e-9, "traded " .. traded .. " within the 30 % weekly cap")
T.check(s.turnover.constrained, "the budget binds on the sample book")
-- the store's trades table holds what reached the OMS: one row per submitted order
do
  local st <close> = folio.store.open{ path = store, readonly = true }
  T.eq(st:count("trades"), #s.submitted, "one trade per submitted order")
end
-- the orders file goes through the one atomic writer: an unwritable path is an
-- error naming it (below a regular file: ENOTDIR, even for root)
local unwritable = folio.oms.file{ positions = "examples/data/positions.csv", orders = out .. "/x.csv", prices = px }
T.raises(function() unwritable.finish() end, { "rebalance: ", out .. "/x.csv", "Not a directory" }, "orders below a file")
-- a symbol with a comma or a quote is written as RFC 4180 says (through libcsv),
-- so it reads back as itself, and plain fields stay as they were
do
  local odd = dir .. "/odd_orders.csv"
  local a2 = folio.oms.file{ positions = "examples/data/positions.csv", orders = odd, prices = px }
  a2.submit{ symbol = "USD,JPY", side = "SELL", quantity = 225, price = 114.7006, notional = 25807.64 }
  a2.submit{ symbol = 'A"B', side = "BUY", quantity = 1.5, price = 10, notional = 15 }
  a2.submit{ symbol = "AAPL", side = "BUY", quantity = 3, price = 190.25, notional = 570.75 }
  T.eq(a2.finish(), 3, "three orders written")
  local g = assert(io.open(odd))
  local text = g:read("a")
  g:close()
  T.eq(text, 'symbol,side,quantity,price,notional\n"A""B",BUY,1.5,10,15.00\nAAPL,BUY,3,190.25,570.75\n'
    .. '"USD,JPY",SELL,225,114.7006,25807.64\n', "quoted where needed, sorted by symbol")
end
local f = assert(io.open(out))
local header = f:read("l")
T.eq(header, "symbol,side,quantity,price,notional")
local prev = ""
for line in f:lines() do
  local sym = line:match("^([^,]+),")
  T.check(sym > prev, "orders sorted by symbol")
  prev = sym
end
f:close()
local alloc = 0
for _, a in pairs(s.allocations) do alloc = alloc + a end
T.near(alloc, 1.0, 1e-12, "HRP allocations sum to the stated total")
for sym, w in pairs(s.composite) do
  T.check(math.abs(w) <= fund.limits.max_position_weight + 1e-12, "cap " .. sym)
end

-- the store has the rebalance, a snapshot and a checkpoint; the next run's budget is reduced
local st = folio.store.open{ path = store }
T.eq(st:count("rebalances"), 1)
T.check(st:load_checkpoint() ~= nil, "checkpoint saved")
T.near(st:turnover_since{ asof = folio.session.parse_asof(asof .. "T00:00:00Z"), days = 7 }, traded, 1e-9, "turnover recorded")
st:close()
lines = {}
local s2 = folio.rebalance.run{ fund = fund, market = market, asof = asof, store = store, log = quiet,
  oms = folio.oms.file{ positions = "examples/data/positions.csv", prices = px } }
T.check(s2.turnover.budget <= 0.30 - traded + 1e-9, "second run: budget is the cap minus what was traded")
T.check(s2.sleeves.equities_momentum:find("kept", 1, true), "monthly sleeve not re-sized the same week")

-- 2. deterministic: the same inputs give the same composite, bit for bit
local dry1 = folio.rebalance.run{ fund = fund, market = market, asof = asof, dry_run = true, log = quiet,
  oms = folio.oms.file{ positions = "examples/data/positions.csv", prices = px } }
local dry2 = folio.rebalance.run{ fund = fund, market = market, asof = asof, dry_run = true, log = quiet,
  oms = folio.oms.file{ positions = "examples/data/positions.csv", prices = px } }
for sym, w in pairs(dry1.composite) do T.eq(dry2.composite[sym], w, "bit-identical " .. sym) end
T.eq(#dry1.submitted, 0, "dry run submits nothing")

-- 3. bad inputs
local function positions_file(text) return T.tmpfile(text) end
-- a position in a symbol with no price
local nopx = positions_file("symbol,quantity,avg_price\nNOPE,10,5\nCASH,1000000,1\n")
T.raises(function()
  folio.rebalance.run{ fund = fund, market = market, asof = asof, dry_run = true, log = quiet,
    oms = folio.oms.file{ positions = nopx, prices = px } }
end, { "NOPE" })
-- negative NAV
local neg = positions_file("symbol,quantity,avg_price\nCASH,-5,1\n")
T.raises(function()
  folio.rebalance.run{ fund = fund, market = market, asof = asof, dry_run = true, log = quiet,
    oms = folio.oms.file{ positions = neg, prices = px } }
end, { "NAV" })
-- a sleeve whose universe names an unknown symbol
local bad = folio.config.load("examples/fund.yaml")
bad.sleeves[1].universe[1] = "NOT_A_SYMBOL"
T.raises(function()
  folio.rebalance.run{ fund = bad, market = market, asof = asof, dry_run = true, log = quiet,
    oms = folio.oms.file{ positions = "examples/data/positions.csv", prices = px } }
end, { "NOT_A_SYMBOL" })
-- allocations negative / above 1, and a negative turnover budget: the fund file refuses them
local yaml = assert(io.open("examples/fund.yaml")):read("a")
local function bad_fund(from, to, needle)
  local text = yaml:gsub(from, to, 1)
  T.raises(function() folio.config.parse{ text = text, name = "fund.yaml" } end, { "fund.yaml:", needle })
end
bad_fund("allocation: 0%.5", "allocation: -0.5", "allocation")
bad_fund("allocation: 0%.3", "allocation: 0.9", "above 1")
bad_fund("max_weekly_turnover: 0%.30", "max_weekly_turnover: -0.1", "max_weekly_turnover")
-- prices with a gap on the rebalance date
local gap_prices = T.tmpfile((assert(io.open("examples/data/prices.csv")):read("a"):gsub("\n([^\n]*)\n$", function(last)
  local cells = {}
  for c in (last .. ","):gmatch("([^,]*),") do cells[#cells + 1] = c end
  cells[2] = "" -- the first symbol has no price on the last date
  return "\n" .. table.concat(cells, ",") .. "\n"
end)))
local gap_market = folio.data.read_market{ prices = gap_prices, volumes = "examples/data/volumes.csv" }
T.raises(function()
  folio.rebalance.run{ fund = fund, market = gap_market, dry_run = true, log = quiet,
    oms = folio.oms.file{ positions = "examples/data/positions.csv", prices = px } }
end, { "gap" })
-- a corrupt store: clear error, file untouched
local corrupt = dir .. "/corrupt.db"
local cf = assert(io.open(corrupt, "wb"))
cf:write(string.rep("not a database ", 200))
cf:close()
T.raises(function()
  folio.rebalance.run{ fund = fund, market = market, asof = asof, store = corrupt, log = quiet,
    oms = folio.oms.file{ positions = "examples/data/positions.csv", prices = px } }
end, { "corrupt.db" })
T.eq(assert(io.open(corrupt, "rb")):read("a"), string.rep("not a database ", 200), "corrupt store not overwritten")
-- an OMS that fails midway: only what was submitted is recorded
local flaky_store = dir .. "/flaky.db"
local calls = 0
local real = folio.oms.file{ positions = "examples/data/positions.csv", prices = px }
local flaky = { get_positions = real.get_positions, get_nav = real.get_nav,
  submit = function(o) calls = calls + 1 if calls == 3 then error("broker down") end end }
T.raises(function()
  folio.rebalance.run{ fund = fund, market = market, asof = asof, store = flaky_store, oms = flaky, log = quiet }
end, { "broker down", "2 order(s)" })
local fs = folio.store.open{ path = flaky_store }
local recs = fs:rebalances{}
T.eq(#recs, 1, "the partial rebalance is recorded")
T.eq(#recs[1].orders, 2, "with exactly the 2 orders that were submitted")
fs:close()
-- unknown keys and a missing OMS function
T.raises(function() folio.rebalance.run{ fund = fund, market = market, oms = real, asoff = asof } end, { "unknown key 'asoff'" })
T.raises(function() folio.rebalance.run{ fund = fund, market = market, oms = { get_nav = real.get_nav } } end, { "get_positions" })

-- a misspelt factor, signal or fractional asset class is an error, never a fall-back
local function copy(t)
  if type(t) ~= "table" then return t end
  local c = {}
  for k, v in pairs(t) do c[k] = copy(v) end
  return c
end
local function run_with(edit)
  local f = copy(fund)
  edit(f)
  return function()
    folio.rebalance.run{ fund = f, market = market, oms = real, asof = asof, dry_run = true, log = quiet }
  end
end
T.raises(run_with(function(f) f.sleeves[1].params.factor = "f_momentum_12_1x" end),
  { "sleeve '" .. fund.sleeves[1].name .. "': unknown factor 'f_momentum_12_1x' (known factors: " })
T.raises(run_with(function(f) f.sleeves[1].params.signal = "trend_64" end),
  { "unknown signal 'trend_64' (known signals: momentum_12_1, reversal_5, trend_63)" })
T.raises(run_with(function(f) f.orders = f.orders or {} f.orders.fractional = { "crypto", "fxx" } end),
  { "orders.fractional[2]: unknown asset class 'fxx' (expected one of: crypto, equities, futures, fx)" })

os.execute("rm -rf " .. dir)
T.finish("test_rebalance")
