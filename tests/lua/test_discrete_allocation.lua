-- tests/lua/test_discrete_allocation.lua — folio.discrete_allocation through
-- the host: the documented call, greedy against PyPortfolioOpt's numbers,
-- mip from current holdings with lots, fees and a cardinality cap, the
-- result's shape and order, and every bad input of the issue.
local T = dofile((arg[0]:match("^(.*)/") or ".") .. "/testlib.lua")
local folio = require "folio"
local da = folio.discrete_allocation

local prices = { GOOG = 1019.969971, AAPL = 172.440002, FB = 166.320007, MA = 172.360001,
                 PFE = 35.790001, BAC = 29.9, AMD = 9.82, XOM = 77.43 }

-- ---- greedy: PyPortfolioOpt's greedy_portfolio (tests/reference case long_partial_invest) ----
local r = da{ weights = { AAPL = 0.35, MA = 0.25, PFE = 0.2, GOOG = 0.1 }, prices = prices,
              capital = 25000 }
T.eq(r.shares.AAPL, 50, "greedy AAPL")
T.eq(r.shares.GOOG, 3, "greedy GOOG")
T.eq(r.shares.MA, 36, "greedy MA")
T.eq(r.shares.PFE, 139, "greedy PFE")
T.near(r.leftover, 2138.32, 0.005, "greedy leftover to the cent")
T.eq(math.type(r.shares.AAPL), "integer", "whole shares are Lua integers")
T.eq(r.info.method, "greedy", "method")
T.eq(r.info.status, "greedy", "status")
T.check(r.tracking_error > 0 and r.tracking_error < 0.1, "tracking error")
T.eq(r.trades, nil, "no trades without current")
T.eq(r.info.positions, 4, "positions")

-- shorts with short_ratio (130/30)
r = da{ weights = { MA = 0.6, PFE = 0.4, BAC = -0.2, AMD = -0.1 }, prices = prices, capital = 10000,
        short_ratio = 0.3 }
T.check(r.shares.BAC < 0 and r.shares.AMD < 0, "shorts are negative")
local short_value = -(r.shares.BAC * prices.BAC + r.shares.AMD * prices.AMD)
T.check(short_value <= 3000 + 1e-9, "short book within short_ratio x capital")

-- ---- mip: the exact rounding ---------------------------------------------------------
local w = { AAPL = 0.3, MA = 0.3, PFE = 0.2, XOM = 0.2 }
local g = da{ weights = w, prices = prices, capital = 10000 }
local m = da{ weights = w, prices = prices, capital = 10000, method = "mip" }
T.eq(m.info.status, "optimal", "mip status")
T.check(m.info.objective <= g.info.objective + 1e-6, "mip never worse than greedy")
T.check(m.leftover >= 0, "mip leftover")

-- lots
m = da{ weights = w, prices = prices, capital = 10000, method = "mip", lot_sizes = { PFE = 10, XOM = 5 } }
T.eq((m.shares.PFE or 0) % 10, 0, "PFE in lots of 10")
T.eq((m.shares.XOM or 0) % 5, 0, "XOM in lots of 5")

-- from current holdings, with fees and a cardinality cap: what to trade
local cur = { AAPL = 20, MA = 10, BAC = 100 } -- BAC has no weight: sold
m = da{ weights = w, prices = prices, capital = 2000, method = "mip", current = cur,
        fees = { fixed = 1, proportional = 0.0005 }, max_positions = 3 }
T.check(m.info.positions <= 3, "cardinality cap")
T.eq(m.shares.BAC, nil, "the unweighted holding is sold")
T.eq(m.trades.BAC, -100, "BAC trade")
local spent, fees = 0, 0
for i, o in ipairs(m.orders) do
  if i > 1 then T.check(m.orders[i - 1].symbol < o.symbol, "orders sorted by symbol") end
  T.check(o.side == "buy" or o.side == "sell", "side")
  local signed = o.side == "buy" and o.shares or -o.shares
  T.eq(signed, m.trades[o.symbol], "order = trade")
  spent = spent + signed * o.price
  fees = fees + o.fee
end
T.near(fees, m.info.fees, 0.01 * #m.orders, "fees")
T.check(spent + m.info.fees <= 2000 + 1e-6, "never spends more than capital plus what it sells")
T.near(m.leftover, 2000 - spent - m.info.fees, 0.006, "leftover")

-- a fee too high to be worth a trade: nothing is traded
m = da{ weights = { AAPL = 0.5, MA = 0.5 }, prices = prices, capital = 200, method = "mip",
        current = { AAPL = 29, MA = 29 }, fees = { fixed = 1000 } }
T.eq(m.info.trades, 0, "no trade pays a 1000 fee")
T.eq(#m.orders, 0, "no orders")

-- ---- bad input: each a clear error naming the value and the symbol ---------------------
local function bad(args, needles, msg) T.raises(function() da(args) end, needles, msg) end
local base = { weights = { AAPL = 0.5, MA = 0.5 }, prices = prices, capital = 10000 }
local function with(extra) return T.with(base, extra) end
bad(with{ prices = { AAPL = 0, MA = 10 } }, { "price of AAPL must be > 0, got 0" }, "zero price")
bad(with{ prices = { AAPL = -5, MA = 10 } }, { "price of AAPL must be > 0, got -5" }, "negative price")
bad(with{ prices = { AAPL = 0 / 0, MA = 10 } }, { "prices.AAPL is NaN" }, "NaN price")
bad(with{ weights = { AAPL = 0 / 0 } }, { "weights.AAPL is NaN" }, "NaN weight")
bad(with{ capital = 0 / 0 }, { "capital" }, "NaN capital")
bad(with{ capital = 100 }, { "capital 100 buys nothing", "cheapest lot is MA, 1 x 172.360001" }, "capital buys nothing")
bad(with{ lot_sizes = { AAPL = 0 } }, { "lot size of AAPL must be > 0, got 0" }, "zero lot")
bad(with{ lot_sizes = { MA = -10 } }, { "lot size of MA must be > 0, got -10" }, "negative lot")
bad(with{ lot_sizes = { MA = 0 / 0 } }, { "lot_sizes.MA is NaN" }, "NaN lot")
bad(with{ weights = { AAPL = 0.5, ZZZ = 0.5 } }, { "weights names ZZZ, which has no price" }, "no price")
bad(with{ current = { QQQ = 3 } }, { "current names QQQ, which has no price" }, "current without price")
bad(with{ current = { AAPL = 0 / 0 } }, { "current.AAPL is NaN" }, "NaN current")
bad(with{ current = { AAPL = -3 } }, { "current holding of AAPL is -3" }, "negative current")
bad(with{ weights = { AAPL = 0.5, MA = -0.5 } }, { "weight of MA is -0.5 < 0: short weights need short_ratio" }, "short without ratio")
bad(with{ method = "best" }, { "method must be" }, "unknown method")
bad(with{ fees = { fixed = 1 } }, { "need method mip" }, "fees with greedy")
bad(with{ max_positions = 2 }, { "need method mip" }, "max_positions with greedy")
bad(with{ method = "mip", fees = { fixed = -1 } }, { "fixed fee" }, "negative fee")
bad(with{ method = "mip", fees = { flat = 1 } }, { "unknown key 'flat'" }, "unknown fee key")
bad(with{ method = "mip", fees = { proportional = 0 / 0 } }, { "proportional must be finite" }, "NaN fee")
bad(with{ method = "mip", max_positions = -1 }, { "max_positions" }, "negative cap")
bad(with{ short_ratio = 0 / 0 }, { "short_ratio must be finite" }, "NaN short_ratio")
bad(with{ short_ratio = -1, weights = { AAPL = 1, MA = -0.2 } }, { "short_ratio must be in" }, "negative short_ratio")
bad(with{ extra = 1 }, { "unknown key 'extra'" }, "unknown key")
bad({ prices = prices, capital = 1 }, { "weights is required" }, "weights required")
bad(with{ weights = {} }, { "weights is empty" }, "empty weights")
bad(with{ capital = -1 }, { "capital must be in [0" }, "negative capital")
bad(with{ capital = 0 }, { "capital 0 buys nothing: the cheapest lot is MA" }, "zero capital, nothing held")
-- capital 0 is fine when the holdings pay for the book
r = da{ weights = { AAPL = 1 }, prices = prices, capital = 0, method = "mip", current = { PFE = 100 } }
T.eq(r.trades.PFE, -100, "sell PFE")
T.eq(r.shares.AAPL, 20, "buy AAPL with it (3579 / 172.44)")

T.finish("test_discrete_allocation")
