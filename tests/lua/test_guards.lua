-- folio.guards and folio.state through the host: decisions aligned with the
-- orders, scale vs reject, events naming guard/limit/value, the drawdown
-- guard across a restart (state saved, restored, still blocking, then
-- re-armed after the cool-off and the recovery), snapshots and the memory.
local T = dofile((arg[0]:match("^(.*)/") or ".") .. "/testlib.lua")
local folio = require "folio"
local DAY = 86400

local prices = {AAA = 10, BBB = 20, CCC = 50}
local positions = {{symbol = "AAA", quantity = 1000}, {symbol = "BBB", quantity = -500}}
local orders = folio.orders.diff{positions = positions, prices = prices, nav_usd = 1e5,
                                 targets = {AAA = 0.3, BBB = 0, CCC = 0.25}, lot_size = 10}
T.eq(#orders, 3)

-- exposure manager: max position weight 20 %, scale
local g = folio.guards.new{max_position_weight = 0.20, max_gross = 2.0, mode = "scale"}
local d, ev = g:check{orders = orders, positions = positions, prices = prices, nav_usd = 1e5}
T.eq(#d, 3); T.eq(d[1].symbol, "AAA"); T.eq(d[1].decision, "resized"); T.eq(d[1].quantity, 1000)
T.eq(d[2].decision, "approved", "a close always passes"); T.eq(d[2].quantity, 500)
T.eq(d[3].decision, "resized"); T.eq(d[3].quantity, 400)
T.eq(#ev, 2); T.eq(ev[1].guard, "max_position_weight"); T.near(ev[1].value, 0.30, 1e-12); T.eq(ev[1].limit, 0.2)
T.check(ev[1].message:find("AAA", 1, true) and ev[1].message:find("resized", 1, true), ev[1].message)
T.eq(d[1].events[1].guard, "max_position_weight")
-- reject mode
local gr = folio.guards.new{max_position_weight = 0.20, mode = "reject"}
d = gr:check{orders = orders, positions = positions, prices = prices, nav_usd = 1e5}
T.eq(d[1].decision, "rejected"); T.eq(d[1].quantity, 0); T.eq(d[2].decision, "approved")
-- decisions stay aligned with a reordered order array
local shuffled = {orders[3], orders[1], orders[2]}
d = g:check{orders = shuffled, positions = positions, prices = prices, nav_usd = 1e5}
T.eq(d[1].symbol, "CCC"); T.eq(d[1].quantity, 400); T.eq(d[2].symbol, "AAA")
-- liquidity
local gl = folio.guards.new{max_adv_fraction = 0.1}
d, ev = gl:check{orders = orders, positions = positions, prices = prices, nav_usd = 1e5,
                 adv_usd = {AAA = 1e5, BBB = 1e6, CCC = 1e6}}
T.eq(d[1].quantity, 1000); T.eq(d[1].decision, "resized"); T.eq(ev[1].guard, "max_adv_fraction")
T.near(ev[1].value, 0.2, 1e-12)
T.raises(function() gl:check{orders = orders, positions = positions, prices = prices, nav_usd = 1e5, adv_usd = {AAA = 1e5}} end,
  {"guards: no ADV for BBB"})
-- leverage against the snapshot's NAV
local gv = folio.guards.new{max_leverage = 1.0}
local snap = folio.state.snapshot{timestamp = 0, cash = 40000, positions = {
  {symbol = "AAA", quantity = 1000, market_price = 10}, {symbol = "BBB", quantity = -500, market_price = 20}}}
T.eq(snap.nav, 40000); T.eq(snap.gross, 20000); T.eq(snap.net, 0)
d, ev = gv:check{orders = orders, positions = positions, prices = prices, nav_usd = 1e5, snapshot = snap}
T.eq(d[3].decision, "resized"); T.eq(ev[1].guard, "max_leverage"); T.eq(d[3].quantity, 200)

-- the drawdown guard across a restart
local dd = folio.guards.new{max_drawdown = 0.10, cooloff_days = 5, rearm_drawdown = 0.05}
local buy = {{symbol = "AAA", side = "BUY", quantity = 100, price = 10, lot_size = 1}}
local sell = {{symbol = "AAA", side = "SELL", quantity = 100, price = 10}}
local held = {AAA = {quantity = 1000}}
ev = dd:update{nav = 100000, asof = 0}; T.eq(#ev, 0)
ev = dd:update{snapshot = {nav = 89000, timestamp = 2 * DAY}}
T.eq(#ev, 1); T.eq(ev[1].kind, "breach"); T.eq(ev[1].guard, "max_drawdown"); T.near(ev[1].value, 0.11, 1e-12)
d, ev = dd:check{orders = buy, positions = held, prices = prices, nav_usd = 89000}
T.eq(d[1].decision, "rejected"); T.eq(ev[1].guard, "max_drawdown"); T.eq(ev[1].limit, 0.1)
d = dd:check{orders = sell, positions = held, prices = prices, nav_usd = 89000}
T.eq(d[1].decision, "approved", "reducing orders always allowed")
local saved = dd:state()
T.eq(saved.breached, true); T.eq(saved.breach_time, 2 * DAY); T.eq(saved.peak_nav, 100000)
for k, v in pairs(saved) do T.check(type(v) == "number" or type(v) == "boolean", "plain state " .. k) end
-- restart
local dd2 = folio.guards.new{max_drawdown = 0.10, cooloff_days = 5, rearm_drawdown = 0.05, state = saved}
T.check(tostring(dd2):find("breached", 1, true), tostring(dd2))
d = dd2:check{orders = buy, positions = held, prices = prices, nav_usd = 96000,
              snapshot = {nav = 96000, timestamp = 4 * DAY}}
T.eq(d[1].decision, "rejected", "recovered but still cooling off")
d = dd2:check{orders = buy, positions = held, prices = prices, nav_usd = 94000,
              snapshot = {nav = 94000, timestamp = 8 * DAY}}
T.eq(d[1].decision, "rejected", "cool-off over, drawdown above re-arm")
d, ev = dd2:check{orders = buy, positions = held, prices = prices, nav_usd = 95500,
                  snapshot = {nav = 95500, timestamp = 9 * DAY}}
T.eq(ev[1].kind, "rearm"); T.eq(d[1].decision, "approved", "re-armed")
T.eq(dd2:state().breached, false); T.eq(dd2:state().n_breaches, 1)
T.raises(function() dd2:update{nav = 1e5, asof = 0} end, {"before the last update"})
-- a failed check does not advance the state
local before = dd2:state().last_update
pcall(dd2.check, dd2, {orders = {{symbol = "AAA", side = "BUY", quantity = -1}}, nav_usd = 1, snapshot = {nav = 1, timestamp = 20 * DAY}})
T.eq(dd2:state().last_update, before)

-- bad configuration and input
T.raises(function() folio.guards.new{max_gross = 0} end, {"guards: max_gross must be > 0"})
T.raises(function() folio.guards.new{mode = "maybe"} end, {"mode must be 'scale' or 'reject', got 'maybe'"})
T.raises(function() folio.guards.new{max_drawdown = 0.1, rearm_drawdown = 0.2} end, {"must be below max_drawdown"})
T.raises(function() folio.guards.new{max_drawdwn = 0.1} end, {"unknown key 'max_drawdwn'"})
T.raises(function() folio.guards.new{state = {breached = true}} end, {"breach_time"})
T.raises(function() folio.guards.new{state = {nope = 1}} end, {"unknown key 'nope'"})
T.raises(function() g:check{orders = {{symbol = "AAA", side = "BUY", quantity = -5}}, nav_usd = 1e5, prices = prices} end,
  {"orders[1] (AAA): quantity must be a finite number > 0"})
T.raises(function() g:check{orders = {{symbol = "AAA", side = "HOLD", quantity = 5}}, nav_usd = 1e5, prices = prices} end,
  {"side must be \"BUY\" or \"SELL\""})
T.raises(function() g:check{orders = {buy[1], buy[1]}, nav_usd = 1e5, prices = prices} end, {"a second order for AAA"})
T.raises(function() g:check{orders = buy, nav_usd = -1, prices = prices} end, {"nav_usd must be > 0"})
T.raises(function() g:check{orders = {{symbol = "QQQ", side = "BUY", quantity = 5}}, nav_usd = 1e5, prices = prices} end,
  {"guards: no price for QQQ"})
T.raises(function() g:check{orders = buy, nav_usd = 1e5, asof = 5} end, {"asof needs a snapshot"})

-- folio.state
local pos = folio.state.position{symbol = "AAA", quantity = -7, avg_price = 12, market_price = 12.345, strategy = "mom"}
T.eq(pos.market_value, -86.42); T.eq(pos.strategy, "mom")
T.raises(function() folio.state.position{symbol = "AAA", quantity = 1, market_price = -1} end, {"market_price must be > 0"})
T.raises(function() folio.state.position{quantity = 1, market_price = 1} end, {"symbol is required"})
local s1 = folio.state.snapshot{timestamp = 19723 * DAY, cash = 1000, positions = {
  BBB = {quantity = 10, market_price = 20}, AAA = {quantity = -5, market_price = 10.005}}}
T.eq(s1.positions[1].symbol, "AAA"); T.eq(s1.positions[1].market_value, -50.03)
T.eq(s1.gross, 250.03); T.eq(s1.net, 149.97); T.eq(s1.nav, 1149.97)
T.raises(function() folio.state.snapshot{cash = 0, positions = {{symbol = "A", quantity = 1, market_price = 1}, {symbol = "A", quantity = 2, market_price = 1}}} end,
  {"duplicate position for A"})
T.raises(function() folio.state.snapshot{positions = {}} end, {"cash is required"})
local mem = folio.state.new{}
local f = mem:update_snapshot{timestamp = 19723 * DAY, nav = 1000, gross = 500}
T.eq(f.latest_pnl, 0); T.eq(f.peak_nav, 1000); T.eq(f.current_leverage, 0.5); T.eq(f.rolling_drawdown, 0)
f = mem:update_snapshot{timestamp = 19724 * DAY, nav = 900, gross = 900}
T.near(f.latest_pnl, -0.1, 1e-15); T.near(f.rolling_drawdown, 0.1, 1e-15); T.eq(f.current_leverage, 1)
local m2 = folio.state.new{state = mem:state()}
f = m2:update_snapshot(folio.state.snapshot{timestamp = 19725 * DAY, cash = 990, positions = {}})
T.near(f.latest_pnl, 0.1, 1e-15); T.near(f.rolling_drawdown, 0.01, 1e-15); T.eq(m2:state().n_updates, 3)
T.eq(m2:latest_snapshot().nav, 990)
T.raises(function() m2:update_snapshot{timestamp = 0, nav = 1, gross = 0} end, {"update_snapshot: timestamp"})
T.raises(function() m2:update_snapshot{nav = 1, gross = 0} end, {"timestamp is required"})
T.raises(function() folio.state.new{state = {peak_nav = -1, n_updates = 2}} end, {"state.peak_nav"})
T.finish("test_guards.lua")
