-- Tests of the lua/module helpers every binding shares: largs.c, lbox.c, ltype.c.
-- Seen through several bindings at once: the same argument reads, the same
-- messages, the same metatables, wherever a binding uses them.
local T = dofile((arg[0]:match("^(.*)/") or ".") .. "/testlib.lua")
local folio = require "folio"

local R = folio.matrix{ {0.01, 0.02}, {0.03, -0.01}, {-0.02, 0.01}, {0.0, 0.02},
                        rows = {"a", "b", "c", "d"}, cols = {"X", "Y"} }
local C = folio.risk_model.sample_cov{returns = R}

-- fl_opt_repair / fl_opt_missing: "<key>: <core message>"
T.raises(function() folio.sizers.min_variance{cov = C, repair = "nope"} end,
         {"bad argument #1 to 'min_variance' (repair: ", "unknown value \"nope\""})
T.raises(function() folio.sizers.kelly_fraction{expected_returns = {X = 0.1}, cov = C, repair = "nope"} end,
         {"bad argument #1 to 'kelly_fraction' (repair: "})
T.raises(function() folio.risk_model.repair{cov = C, method = "nope"} end,
         {"bad argument #1 to 'repair' (method: "})
T.raises(function() folio.risk_model.sample_cov{returns = R, missing = "nope"} end,
         {"bad argument #1 to 'sample_cov' (missing: ", "'nope'"})
T.raises(function() folio.sizers.kelly_fraction{expected_returns = {X = 0.1}, cov = C, repair = 3} end,
         {"(repair must be a string, got number)"})

-- fl_check_square_labelled: the same messages from every binding that takes a cov
for _, call in ipairs{
  function() folio.risk_model.corr{cov = R} end,
  function() folio.sizers.inverse_vol{cov = R} end,
  function() folio.sizers.kelly_fraction{expected_returns = {X = 0.1}, cov = R} end,
} do
  T.raises(call, {"(cov must be square, got 4 x 2)"})
end
local skew = folio.matrix{ {1, 0}, {0, 1}, rows = {"X", "Y"}, cols = {"Y", "X"} }
T.raises(function() folio.risk_model.corr{cov = skew} end,
         {"(cov row 1 is 'X' but column 1 is 'Y' (labels must match))"})
T.raises(function() folio.sizers.min_variance{cov = skew} end,
         {"(cov row 1 is 'X' but column 1 is 'Y' (labels must match))"})

-- typed field reads (fl_opt_number / fl_opt_boolean / fl_opt_string)
T.raises(function() folio.risk_model.sample_cov{returns = R, annualize = 1} end,
         {"(annualize must be a boolean, got number)"})
T.raises(function() folio.risk_model.ewma_cov{returns = R, half_life = "x"} end,
         {"(half_life must be a number, got string)"})
T.raises(function() folio.risk_model.ewma_cov{returns = R, half_life = 0/0} end,
         {"(half_life must be finite, got"})

-- the estimators' info tables (push_estimate)
local _, info = folio.risk_model.sample_cov{returns = R}
T.eq(info.missing, "error", "info.missing")
T.eq(info.had_missing, false, "info.had_missing")
T.eq(info.rows_used, 4, "info.rows_used")

-- metatables (fl_new_type, fl_make_callable): locked where they were locked
T.eq(getmetatable(C), "locked", "matrix metatable locked")
for _, name in ipairs{"matrix", "hrp", "black_litterman"} do
  T.eq(getmetatable(folio[name]), "locked", "folio." .. name .. " callable, metatable locked")
end
local g = folio.guards.new{}
T.eq(type(getmetatable(g)), "table", "guards metatable visible")
T.eq(getmetatable(g).__name, "folio.guards", "guards __name")
T.check(tostring(g):find("^folio%.guards %(") ~= nil, "guards tostring")
T.eq(type(getmetatable(folio.state.new{})), "table", "state memory metatable visible")

-- clocks (fl_push_clock)
T.eq(math.type(folio.clock()), "float", "folio.clock")
T.eq(math.type(folio.reconcile.now()), "float", "folio.reconcile.now")
T.check(folio.reconcile.now() > 1.5e9, "reconcile.now is epoch seconds")

-- optional fields (fl_has_field) and optional tables (lsession's opt_table)
local cands = { {symbol = "A", score = 1, price = 10}, {symbol = "B", score = 2, price = 20} }
T.raises(function() folio.allocator.allocate{candidates = cands, capital = 1000, max_turnover = "x"} end,
         {"(max_turnover must be a number, got string)"})
T.raises(function() folio.allocator.allocate{candidates = cands, capital = 1000, sector_caps = {t = 0.5}} end,
         {"(sector_caps needs sectors = {SYMBOL = sector name})"})
T.raises(function() folio.sizers.risk_parity{cov = C, budgets = {X = 0.5}} end,
         {"(budgets has no entry for 'Y')"})
local at = "2025-01-09T15:00:00Z"
T.raises(function() folio.session.at{asset_class = "equities", asof = at, calendar = {equities = {holidays_add = "x"}}} end,
         {"(calendar.equities.holidays_add must be an array of \"YYYY-MM-DD\" strings, got string)"})
T.raises(function() folio.session.at{asset_class = "equities", asof = at, calendar = {equities = {RTH = 5}}} end,
         {"(calendar.equities.RTH must be a pair {\"HH:MM\", \"HH:MM\"}, got number)"})
T.eq(folio.session.at{asset_class = "equities", asof = at, calendar = {equities = {holidays_add = {"2025-01-09"}}}},
     "closed", "a holiday added by the calendar")

T.finish("test_largs")
