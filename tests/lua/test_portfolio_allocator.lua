-- test_portfolio_allocator.lua — folio.PortfolioAllocator (signal to order) through the
-- host: the sizing formula, the 100 USD floor, sides, lots, prices from the
-- snapshot, orders shaped like folio.orders.diff's, and orders from signals
-- going through folio.guards (exposure, leverage, drawdown, liquidity) with
-- decision records of the same shape as the rebalance path's; every bad
-- input with its message.
local T = dofile((arg[0]:match("^(.*)/") or ".") .. "/testlib.lua")

local snap = folio.state.snapshot{
  timestamp = 1700000000, cash = 900000,
  positions = {
    { symbol = "AAPL", quantity = 100, market_price = 190, strategy = "momo" },
    { symbol = "AAPL", quantity = 50, market_price = 190, strategy = "value" },
    { symbol = "MSFT", quantity = 200, market_price = 400 },
  },
}
local nav = snap.nav
T.eq(nav, 900000 + 150 * 190 + 200 * 400, "snapshot nav")

-- ---- the formula ------------------------------------------------------------------------

local pa = folio.PortfolioAllocator{ target_weight = 0.02 }
T.eq(tostring(pa), "folio.PortfolioAllocator(target_weight = 0.02)", "tostring")
T.eq(pa.target_weight, 0.02, "target_weight")
T.eq(pa.min_notional, 100, "default min_notional")
T.eq(folio.portfolio_allocator, folio.PortfolioAllocator, "alias")
local o = pa:order_from_signal({ symbol = "AAPL", direction = 1, confidence = 0.8 }, snap)
local target = nav * 0.02 * 0.8
T.near(o.target_notional, target, 1e-9, "notional = nav * w * confidence")
T.eq(o.quantity, math.floor(target / 190), "quantity = notional / price, whole shares toward zero")
T.eq(o.side, "BUY", "direction >= 0 buys")
T.eq(o.price, 190, "price from the snapshot")
T.eq(o.notional, folio.usd_round_cents(o.quantity * 190), "notional in cents")
T.eq(o.current_quantity, 150, "current quantity summed over strategies")
T.eq(o.final_quantity, 150 + o.quantity, "final quantity")
T.eq(o.lot_size, 1, "lot_size")
T.eq(o.reason, "lot rounding", "reason")
T.eq(o.source, "signal", "source")
o = pa:order_from_signal({ symbol = "MSFT", direction = -0.4, confidence = 1 }, snap)
T.eq(o.side, "SELL", "direction < 0 sells")
T.eq(o.final_quantity, 200 - o.quantity, "a sell lowers the position")
o = pa:order_from_signal({ symbol = "AAPL", direction = 0, confidence = 1 }, snap)
T.eq(o.side, "BUY", "direction 0 buys")
-- the floor: confidence 0 still gives 100 USD
o = pa:order_from_signal({ symbol = "NEW", direction = 1, confidence = 0, price = 9.99 }, snap)
T.eq(o.target_notional, 100, "min notional floor")
T.eq(o.quantity, 10, "100 / 9.99 -> 10")
T.eq(o.notional, 99.9, "10 * 9.99")
T.eq(o.reason, "min_notional floor", "floor reason")
T.eq(o.current_quantity, 0, "not held")
-- a missing confidence is 1
o = pa:order_from_signal({ symbol = "NEW", direction = 1, price = 20 }, snap)
T.eq(o.quantity, math.floor(nav * 0.02 / 20), "confidence defaults to 1")
-- exact: no reason
local exact = folio.state.snapshot{ cash = 1e6 }
o = pa:order_from_signal({ symbol = "X", direction = 1, confidence = 1, price = 20 }, exact)
T.eq(o.quantity, 1000, "20000 / 20")
T.eq(o.reason, nil, "no reason when nothing changed the size")
-- lots and fractional
o = folio.PortfolioAllocator{ target_weight = 0.05, lot_size = 100 }:order_from_signal(
  { symbol = "X", direction = 1, confidence = 1, price = 33.33 }, exact)
T.eq(o.quantity, 1500, "lots of 100")
T.eq(o.lot_size, 100, "lot_size in the order")
o = folio.PortfolioAllocator{ target_weight = 0.05, fractional = true }:order_from_signal(
  { symbol = "X", direction = -1, confidence = 1, price = 33.33 }, exact)
T.near(o.quantity, 50000 / 33.33, 1e-9, "fractional quantity")
T.eq(o.notional, 50000, "fractional notional")
T.eq(o.lot_size, 0, "fractional lot_size 0 (the guards' convention)")
-- min_notional option
o = folio.PortfolioAllocator{ min_notional = 1000 }:order_from_signal({ symbol = "X", direction = 1, confidence = 0.01, price = 10 }, exact)
T.eq(o.quantity, 100, "min_notional 1000")
-- less than one lot: nil, reason
local none, why = pa:order_from_signal({ symbol = "BRK", direction = 1, confidence = 0.001, price = 600000 }, snap)
T.eq(none, nil, "zero lots: no order")
T.check(why and why:find("buys less than one lot", 1, true), "zero-lot reason: " .. tostring(why))

-- ---- through the guards ----------------------------------------------------------------------

local signals = {
  { symbol = "AAPL", direction = 1, confidence = 1 },          -- adds to 150 held
  { symbol = "NVDA", direction = 1, confidence = 0.5, price = 480 },
  { symbol = "MSFT", direction = -1, confidence = 1 },         -- reduces
  { symbol = "BRK", direction = 1, confidence = 0.001, price = 600000 }, -- zero lots
}
local g = folio.guards.new{ max_position_weight = 0.05 }
local orders, decisions, events, skipped = pa:orders_from_signals(signals, snap, g)
T.eq(#orders, 3, "three orders")
T.eq(#decisions, 3, "a decision per order")
T.eq(#skipped, 1, "one skipped")
T.eq(skipped[1].symbol, "BRK", "skipped symbol")
T.eq(skipped[1].signal, 4, "skipped signal index")
for i, d in ipairs(decisions) do T.eq(d.symbol, orders[i].symbol, "decision " .. i .. " aligned") end
-- AAPL: (150 + q) * 190 / nav vs 5%: approved (0.05 * 1.0095e6 / 190 = 265 > 150 + 106)
T.eq(decisions[1].decision, "approved", "AAPL approved")
T.eq(decisions[3].decision, "approved", "MSFT reducing sell always passes")

local tight = folio.guards.new{ max_position_weight = 0.03 }
orders, decisions, events = pa:orders_from_signals(signals, snap, tight)
-- AAPL: 150 held = 28500 = 2.8%; max 0.03 * nav / 190 = 159.4 -> resized to 9 shares
T.eq(decisions[1].decision, "resized", "AAPL resized under 3%")
T.eq(decisions[1].quantity, math.floor(0.03 * nav / 190) - 150, "resized to the limit in whole shares")
T.eq(decisions[1].requested_quantity, orders[1].quantity, "requested = the order")
T.eq(#decisions[1].events, 1, "one event")
T.eq(decisions[1].events[1].guard, "max_position_weight", "event guard")
T.check(#events >= 1, "events listed")

-- decision records have the same shape as the rebalance path's (orders from folio.orders.diff)
local function shape(t)
  local k = {}
  for key, v in pairs(t) do k[#k + 1] = key .. ":" .. type(v) end
  table.sort(k)
  return table.concat(k, ",")
end
local g1 = folio.guards.new{ max_position_weight = 0.03 }
local g2 = folio.guards.new{ max_position_weight = 0.03 }
local held = { AAPL = { quantity = 150 }, MSFT = { quantity = 200 } }
local px = { AAPL = 190, MSFT = 400, NVDA = 480 }
local diff_orders = folio.orders.diff{ positions = held, prices = px, nav_usd = nav,
  targets = { AAPL = 0.05, MSFT = 0.06, NVDA = 0.01 } }
local d_reb, e_reb = g1:check{ orders = diff_orders, positions = held, prices = px, nav_usd = nav }
local s_orders, d_sig, e_sig = pa:orders_from_signals(signals, snap, g2)
local function find(ds, sym) for _, d in ipairs(ds) do if d.symbol == sym then return d end end end
T.eq(find(d_reb, "AAPL").decision, "resized", "rebalance AAPL resized")
T.eq(shape(find(d_sig, "AAPL")), shape(find(d_reb, "AAPL")), "decision shape (resized)")
T.eq(shape(find(d_sig, "AAPL").events[1]), shape(find(d_reb, "AAPL").events[1]), "event shape")
T.eq(shape(find(d_sig, "MSFT")), shape(find(d_reb, "MSFT")), "decision shape (approved)")
T.eq(shape(e_sig[1]), shape(e_reb[1]), "events list shape")
-- the signal orders carry every field the guards read, as diff's orders do
for _, k in ipairs{ "symbol", "side", "quantity", "price", "notional", "lot_size", "current_quantity", "final_quantity" } do
  T.eq(type(s_orders[1][k]), type(diff_orders[1][k]), "order field " .. k)
end
-- and g:check takes a signal order unchanged
local g3 = folio.guards.new{ max_position_weight = 0.03 }
local one = pa:order_from_signal(signals[1], snap)
local d3 = g3:check{ orders = { one }, positions = held, prices = px, nav_usd = nav }
T.eq(d3[1].decision, "resized", "g:check{orders = {order_from_signal(...)}}")

-- reject mode, gross exposure, leverage
local rej = folio.guards.new{ max_position_weight = 0.03, mode = "reject" }
orders, decisions = pa:orders_from_signals(signals, snap, rej)
T.eq(decisions[1].decision, "rejected", "reject mode")
T.eq(decisions[1].quantity, 0, "rejected quantity 0")
local gross = folio.guards.new{ max_gross = 0.10 }
orders, decisions = pa:orders_from_signals(signals, snap, gross)
T.check(decisions[1].decision ~= "approved" or decisions[2].decision ~= "approved", "gross exposure limits the buys")
T.eq(decisions[3].decision, "approved", "gross: the reducing sell passes")
local lev = folio.guards.new{ max_leverage = 0.11 }
orders, decisions = pa:orders_from_signals(signals, snap, lev)
T.check(decisions[1].events[1] == nil or decisions[1].events[1].guard == "max_leverage", "leverage guard event")

-- liquidity: adv_usd passed through
local liq = folio.guards.new{ max_adv_fraction = 0.01 }
orders, decisions, events = pa:orders_from_signals(signals, snap, liq,
  { adv_usd = { AAPL = 1e6, NVDA = 1e9, MSFT = 1e9 } })
T.eq(decisions[1].decision, "resized", "liquidity resizes AAPL (order > 1% of ADV)")
T.eq(decisions[1].quantity, math.floor(0.01 * 1e6 / 190), "to 1% of ADV")
T.eq(decisions[1].events[1].guard, "max_adv_fraction", "liquidity event")
T.raises(function() pa:orders_from_signals(signals, snap, liq) end, "ADV", "liquidity guard needs ADV")

-- drawdown: a timestamped snapshot advances the guard; a breach blocks buys, not the reducing sell
local dd = folio.guards.new{ max_drawdown = 0.10 }
dd:update{ nav = nav / 0.85, asof = 1699000000 } -- peak above: the snapshot is a 15% drawdown
orders, decisions, events = pa:orders_from_signals(signals, snap, dd)
T.eq(dd:state().breached, true, "the snapshot breached the drawdown guard")
T.eq(events[1].kind, "breach", "breach event first")
T.eq(decisions[1].decision, "rejected", "drawdown blocks a buy")
T.eq(decisions[1].events[1].guard, "max_drawdown", "drawdown event")
T.eq(decisions[3].decision, "approved", "drawdown lets the reducing sell through")

-- ---- bad inputs -------------------------------------------------------------------------------------

T.raises(function() pa:order_from_signal({ symbol = "AAPL", direction = 1, confidence = 1.5 }, snap) end,
  "confidence must be in [0, 1], got 1.5")
T.raises(function() pa:order_from_signal({ symbol = "AAPL", direction = 1, confidence = -0.1 }, snap) end,
  "confidence must be in [0, 1]")
T.raises(function() pa:order_from_signal({ symbol = "AAPL", direction = 1, confidence = 0 / 0 }, snap) end,
  "confidence must be in [0, 1]")
T.raises(function() pa:order_from_signal({ symbol = "AAPL", direction = 0 / 0 }, snap) end, "direction must be finite")
T.raises(function() pa:order_from_signal({ symbol = "AAPL" }, snap) end, "direction must be a number")
T.raises(function() pa:order_from_signal({ direction = 1 }, snap) end, "symbol must be a non-empty string")
T.raises(function() pa:order_from_signal({ symbol = "ZZZ", direction = 1 }, snap) end, "no price for ZZZ")
T.raises(function() pa:order_from_signal({ symbol = "ZZZ", direction = 1, price = 0 }, snap) end, "price must be > 0")
T.raises(function() pa:order_from_signal({ symbol = "ZZZ", direction = 1, price = -3 }, snap) end, "price must be > 0")
T.raises(function() pa:order_from_signal({ symbol = "AAPL", direction = 1, confidnce = 1 }, snap) end, "unknown key 'confidnce'")
T.raises(function() pa:order_from_signal({ symbol = "AAPL", direction = 1, price = 1 }, { nav = 0, positions = {} }) end, "nav must be in")
T.raises(function() pa:order_from_signal({ symbol = "AAPL", direction = 1, price = 1 }, { nav = -5 }) end, "nav must be in")
T.raises(function() pa:order_from_signal({ symbol = "AAPL", direction = 1 }, nil) end, "snapshot must be a table")
T.raises(function() pa:order_from_signal("AAPL", snap) end, "signal must be a table")
T.raises(function() folio.PortfolioAllocator{ target_weight = 0 } end, "target_weight must be in (0, 1]")
T.raises(function() folio.PortfolioAllocator{ target_weight = 2 } end, "target_weight must be in (0, 1]")
T.raises(function() folio.PortfolioAllocator{ min_notional = -1 } end, "min_notional")
T.raises(function() folio.PortfolioAllocator{ lot_size = 0 } end, "lot size must be > 0")
T.raises(function() folio.PortfolioAllocator{ lot_size = 10, fractional = true } end, "not both")
T.raises(function() folio.PortfolioAllocator{ target_weigth = 0.1 } end, "unknown key 'target_weigth'")
T.raises(function() folio.PortfolioAllocator{ target_weight = "2%" } end, "target_weight must be a number")
T.raises(function() pa.target_weight = 1 end, "attempt to modify a PortfolioAllocator")
T.raises(function() pa:orders_from_signals(signals, snap, {}) end, "guards must be a folio.guards object")
T.raises(function() pa:orders_from_signals({ signals[1], signals[1] }, snap, g) end, "a second signal for AAPL")
T.raises(function() pa:orders_from_signals({ x = 1 }, snap, g) end, "signals must be an array")
T.raises(function() pa:orders_from_signals(signals, snap, g, { adv = {} }) end, "unknown key 'adv'")
T.raises(function() pa:orders_from_signals({ { symbol = "A", direction = 1, confidence = 3, price = 1 } }, snap, g) end,
  "signals[1] (A): confidence must be in [0, 1], got 3")
-- errors carry the caller's location (argument errors and core errors alike)
local ok, msg = pcall(function() pa:order_from_signal({ symbol = "AAPL", direction = 1, price = 1 }, { nav = -1 }) end)
T.check(not ok and msg:find("test_portfolio_allocator.lua:%d+: order_from_signal: nav") ~= nil, "location: " .. tostring(msg))
ok, msg = pcall(function() pa:order_from_signal({ symbol = "AAPL", direction = 1, confidence = 2 }, snap) end)
T.check(not ok and msg:find("test_portfolio_allocator.lua:%d+:") ~= nil, "location: " .. tostring(msg))

T.finish("test_portfolio_allocator")
