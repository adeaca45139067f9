-- tests/lua/test_rebalance_discrete.lua — orders.discrete in the fund file:
-- the rebalance's whole-lot orders come from folio.discrete_allocation
-- (greedy or mip) on the book's current holdings, the fractional classes
-- keep the stock rounding, the cash is never overspent, and a short target
-- or holding is an error naming the symbol; the key is checked by the loader.
local T = dofile((arg[0]:match("^(.*)/") or ".") .. "/testlib.lua")
local F = dofile((arg[0]:match("^(.*)/") or ".") .. "/rebalance_fixture.lua")
local folio = require "folio"

-- a long-only equities sleeve (n_short 0), crypto fractional, no FX
local function long_only(text, discrete, lot)
  text = text:gsub("params: {n_long: 2, n_short: 2}", "params: {n_long: 3, n_short: 0}")
  text = text:gsub("  %- name: crypto.-\n  %- name: fx.-\nlimits:", function(block)
    return block:gsub("params: {n_long: 1, n_short: 1}", "params: {n_long: 1, n_short: 0}", 1)
      :gsub("  %- name: fx.-\nlimits:", "limits:")
  end)
  text = text:gsub("allocation: 0.3", "allocation: 0.5")
  text = text:gsub("  fractional: %[crypto, fx%]", "  fractional: [crypto]" .. (discrete and ("\n  discrete: " .. discrete) or ""))
  if lot then text = text:gsub("  lot_size: 1\n", "  lot_size: " .. lot .. "\n") end
  return text
end

local POS = "symbol,quantity,avg_price\nEQ1,100,100\nEQ2,37,50\nCASH,1000000,1\n"
for _, method in ipairs{ "mip", "greedy" } do
  local fx = F.new{ yaml = function(t) return long_only(t, method) end, positions = POS }
  local plain = F.new{ yaml = function(t) return long_only(t, nil) end, positions = POS }
  local s = fx:run{ asof = "2023-12-15" }
  local p = plain:run{ asof = "2023-12-15" }
  T.eq(s.status, "ok", method .. ": the rebalance runs")
  -- the same targets; whole lots for the equities, fractional crypto as before
  local cash, spent = 1000000, 0
  local got = {}
  for _, o in ipairs(s.orders) do
    got[o.symbol] = o
    if o.symbol:match("^EQ") then
      T.eq(o.quantity, math.floor(o.quantity), method .. ": " .. o.symbol .. " trades whole shares")
    end
    spent = spent + (o.side == "BUY" and 1 or -1) * o.quantity * o.unit_value
  end
  T.check(spent <= cash + 1e-6, method .. ": never more than the cash the book has (" .. spent .. ")")
  for _, o in ipairs(p.orders) do
    if o.symbol:match("^CR") then
      T.near(got[o.symbol] and got[o.symbol].quantity or -1, o.quantity, 1e-12, method .. ": crypto keeps the stock rounding")
    end
  end
  -- the equities' orders are those of folio.discrete_allocation on the same inputs
  local _, run = fx:run{ asof = "2023-12-15" }
  local eq_targets, prices = {}, {}
  for sym, w in pairs(run.composite) do if sym:match("^EQ") and w ~= 0 then eq_targets[sym] = w end end
  for sym, u in pairs(run.unit) do if sym:match("^EQ") then prices[sym] = u end end
  local held, held_value = { EQ1 = 100, EQ2 = 37 }, 100 * prices.EQ1 + 37 * prices.EQ2
  local fcash = 1000000
  for _, o in ipairs(run.orders) do
    if o.symbol:match("^CR") then fcash = fcash - (o.side == "BUY" and 1 or -1) * o.quantity * o.price end
  end
  local V = math.max(0, fcash) + held_value
  local w = {}
  for sym, x in pairs(eq_targets) do w[sym] = x * run.nav / V end
  local r = folio.discrete_allocation{ weights = w, prices = prices, capital = math.max(0, fcash), current = held,
    lot_sizes = { EQ1 = 1, EQ2 = 1, EQ3 = 1, EQ4 = 1, EQ5 = 1 }, method = method }
  for _, o in ipairs(r.orders) do
    local mine = got[o.symbol]
    T.check(mine and mine.quantity == o.shares and mine.side == o.side:upper(),
      string.format("%s: %s %s %s as discrete_allocation says", method, o.symbol, o.side, o.shares))
  end
end

-- lots: whole multiples of orders.lot_size
do
  local fx = F.new{ yaml = function(t) return long_only(t, "mip", 10) end, positions = "symbol,quantity,avg_price\nEQ1,100,100\nCASH,1000000,1\n" }
  local s = fx:run{ asof = "2023-12-15" }
  for _, o in ipairs(s.orders) do
    if o.symbol:match("^EQ") then T.eq(o.quantity % 10, 0, "lots of 10: " .. o.symbol .. " " .. o.quantity) end
  end
end

-- a short target or a short holding is an error naming the symbol
do
  local fx = F.new{ yaml = function(t) return long_only(t, "mip"):gsub("n_short: 0}", "n_short: 1}", 1) end }
  T.raises(function() fx:run{ asof = "2023-12-15" } end, { "orders.discrete: the target of", "is short", "long-only" })
  local fy = F.new{ yaml = function(t) return long_only(t, "mip") end, positions = "symbol,quantity,avg_price\nEQ4,-10,100\nCASH,1000000,1\n" }
  T.raises(function() fy:run{ asof = "2023-12-15" } end, { "orders.discrete: EQ4 is held short" })
end

-- the loader checks the key
do
  local fx = F.new{ yaml = function(t) return long_only(t, "rounded") end }
  T.raises(function() folio.config.load{ path = fx.fund, sizers = false } end,
    { "orders.discrete", "unknown discrete allocation method 'rounded'", "greedy, mip" })
end

T.finish("test_rebalance_discrete")
