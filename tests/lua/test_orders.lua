-- folio.orders.diff through the host: both position forms, lots, fractional,
-- caps, exact closes, held symbols absent from targets, min notional drops,
-- sorted output, the report, and every bad input with its message.
local T = dofile((arg[0]:match("^(.*)/") or ".") .. "/testlib.lua")
local folio = require "folio"
local diff = folio.orders.diff

local prices = {AAA = 10, BBB = 20.33, CCC = 100, ZZZ = 5}
local o, r = diff{
  positions = {{symbol = "ZZZ", quantity = 3, avg_price = 4}, {symbol = "AAA", quantity = 10.5, avg_price = 9}},
  prices = prices, nav_usd = 100000,
  targets = {AAA = 0.1, BBB = 0.2, CCC = 0.00001},
  caps_usd = {BBB = 10000}, lot_size = {BBB = 10},
}
T.eq(#o, 3, "three orders")
T.eq(o[1].symbol, "AAA"); T.eq(o[2].symbol, "BBB"); T.eq(o[3].symbol, "ZZZ")
T.eq(o[1].side, "BUY"); T.eq(o[1].quantity, 989, "toward the position, whole shares")
T.eq(o[1].final_quantity, 999.5); T.eq(o[1].reason, "lot rounding")
T.eq(o[1].current_quantity, 10.5); T.eq(o[1].target_quantity, 1000)
T.eq(o[2].quantity, 490, "capped: 491.88 shares -> 49 lots of 10"); T.eq(o[2].reason, "capacity cap")
T.check(o[2].quantity * o[2].price <= 10000, "never past the cap")
T.eq(o[2].notional, 9961.7, "cents")
T.eq(o[3].side, "SELL"); T.eq(o[3].quantity, 3); T.eq(o[3].reason, "not in targets"); T.eq(o[3].close, true)
T.eq(#r.dropped, 1); T.eq(r.dropped[1].symbol, "CCC"); T.eq(r.dropped[1].reason, "below one lot")
T.eq(#r.adjusted, 3); T.eq(r.total_buy, 19851.7); T.eq(r.total_sell, 15); T.eq(r.n_orders, 3)

-- map form, shorts, min notional, exact close of dust with lots
o, r = diff{positions = {AAA = {quantity = -0.4}, BBB = {quantity = 200}}, prices = prices,
            nav_usd = 1e5, targets = {AAA = 0, BBB = 0.0406}, lot_size = 100}
T.eq(#o, 1, "BBB rounds to 0 lots; AAA closes")
T.eq(o[1].symbol, "AAA"); T.eq(o[1].side, "BUY"); T.eq(o[1].quantity, 0.4, "exact close, no dust")
T.eq(r.dropped[1].symbol, "BBB")
o, r = diff{positions = {}, prices = prices, nav_usd = 1e5, targets = {AAA = 0.0009}}
T.eq(#o, 0); T.eq(r.dropped[1].reason, "below min_notional"); T.eq(r.dropped[1].notional, 90)
o = diff{positions = {}, prices = prices, nav_usd = 1e5, targets = {AAA = 0.0009}, min_notional = 0}
T.eq(#o, 1)
o = diff{prices = prices, nav_usd = 1e5, targets = {BBB = 0.1}, fractional = true}
T.near(o[1].quantity, 10000 / 20.33, 1e-9, "fractional"); T.eq(o[1].notional, 10000); T.eq(o[1].lot_size, 0)
o = diff{positions = {AAA = {quantity = 100}}, prices = prices, nav_usd = 1e5, targets = {AAA = -0.01}}
T.eq(o[1].side, "SELL"); T.eq(o[1].quantity, 200); T.eq(o[1].final_quantity, -100)
-- a folio.state position is accepted as is
local p = folio.state.position{symbol = "AAA", quantity = 50, avg_price = 9, market_price = 10, strategy = "m"}
o = diff{positions = {p}, prices = prices, nav_usd = 1e5, targets = {AAA = 0.01}}
T.eq(o[1].quantity, 50)
-- deterministic: same input, same output
local a = diff{prices = prices, nav_usd = 123456.78, targets = {AAA = 0.3, BBB = -0.2, CCC = 0.1}}
local b = diff{prices = prices, nav_usd = 123456.78, targets = {CCC = 0.1, BBB = -0.2, AAA = 0.3}}
for i = 1, #a do for k, v in pairs(a[i]) do T.eq(b[i][k], v, "repeat " .. k) end end

-- bad input
local base = function(over)
  local t = {positions = {AAA = {quantity = 10}}, prices = {AAA = 10}, nav_usd = 1e5, targets = {AAA = 0.1}}
  for k, v in pairs(over) do t[k] = v end
  return function() diff(t) end
end
T.raises(base{positions = {QQQ = {quantity = 5}}}, {"orders: no price for QQQ (a held position)"})
T.raises(base{targets = {BBB = 0.1}}, {"no price for BBB (a non-zero target)"})
T.raises(base{nav_usd = -1}, {"orders.diff", "nav_usd must be >= 0"})
T.raises(base{nav_usd = 0 / 0}, {"nav_usd must be finite"})
T.raises(base{targets = {AAA = 0 / 0}}, {"targets.AAA is NaN"})
T.raises(base{targets = {AAA = math.huge}}, {"targets.AAA is infinite"})
T.raises(base{lot_size = 0}, {"lot_size must be > 0"})
T.raises(base{lot_size = {AAA = -1}}, {"lot_size.AAA must be > 0"})
T.raises(base{lot_size = 10, fractional = true}, {"exclude each other"})
T.raises(base{min_notional = -1}, {"min_notional must be >= 0"})
T.raises(base{caps_usd = {AAA = -5}}, {"caps_usd.AAA must be >= 0"})
T.raises(base{prices = {AAA = 0}}, {"prices.AAA must be > 0"})
T.raises(base{positions = {AAA = {quantity = 0 / 0}}}, {"positions.AAA: quantity must be finite"})
T.raises(base{positions = {{symbol = "AAA", quantity = 1}, {symbol = "AAA", quantity = 2}}}, {"duplicate position for symbol AAA"})
T.raises(base{positions = {{quantity = 1}}}, {"positions[1].symbol must be a non-empty string"})
T.raises(base{positions = {AAA = {qty = 1}}}, {"unknown key 'qty'"})
T.raises(base{positions = {AAA = {quantity = 1, avg_price = -3}}}, {"avg_price must be a finite number >= 0"})
T.raises(base{positions = {AAA = 5}}, {"positions.AAA must be a table"})
T.raises(function() diff{prices = {AAA = 10}, targets = {AAA = 0.1}} end, {"nav_usd is required"})
T.raises(base{targetz = {}}, {"unknown key 'targetz'"})
T.finish("test_orders.lua")
