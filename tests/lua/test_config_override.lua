-- tests/lua/test_config_override.lua — folio.config.override, check and get:
-- values set by dotted path, typed as the fund's, and the changed fund
-- checked by the fund file's own rules; bad arguments named.
local T = dofile((arg[0]:match("^(.*)/") or ".") .. "/testlib.lua")
local C = folio.config

local cfg = C.load{ path = "examples/fund.yaml", sizers = false }
T.eq(C.check(cfg), cfg, "a loaded fund passes its own rules")
T.eq(C.get(cfg, "limits.max_gross"), 2.0, "get: a value")
T.eq(C.get(cfg, "sleeves.crypto_mean_rev.params.cap"), 0.15, "get: a sleeve's policy parameter by the sleeve's name")
T.check(select(2, C.get(cfg, "sleeves.nope.allocation")):find("no sleeve named 'nope'", 1, true), "get: an unknown sleeve")
T.check(select(2, C.get(cfg, "limits.nope")):find("the fund has no 'nope' there", 1, true), "get: an unknown key")
T.check(select(2, C.get(cfg, "limits")):find("a section, not a value", 1, true), "get: a section")
T.eq(select("#", C.get(cfg, "sleeves.fx_carry.params.brand_new")), 1, "get: a new policy parameter is nil, no message")

-- set, typed as the fund's; the original untouched
local c2 = C.override{ fund = cfg, set = { { "limits.max_gross", 1.5 }, { "composition.max_weekly_turnover", 0.25 },
  { "sleeves.fx_carry.params.n_long", 4 }, { "sleeves.fx_carry.params.brand_new", true } } }
T.check(c2 ~= cfg and c2.limits.max_gross == 1.5 and cfg.limits.max_gross == 2.0, "a copy; the original unchanged")
T.eq(c2.sleeves[3].params.n_long, 4, "a policy parameter")
T.eq(c2.sleeves[3].params.brand_new, true, "a new policy parameter")
local c3 = C.override{ fund = cfg, set = { { "limits.max_gross", 3 } } }
T.eq(math.type(c3.limits.max_gross), "float", "a whole number given for a float stays a float")
local c4 = C.override{ fund = cfg, set = { { "limits.max_gross", "1.25" }, { "sleeves.fx_carry.params.flag", "true" },
  { "fund.id", "acct.7" } }, text = true }
T.check(c4.limits.max_gross == 1.25 and c4.sleeves[3].params.flag == true and c4.fund.id == "acct.7", "text = true: typed as the fund's")

-- the fund file's rules
local function bad(set, needle, what, text)
  T.raises(function() C.override{ fund = cfg, set = set, text = text } end, needle, what)
end
bad({ { "composition.max_weekly_turnover", -0.5 } }, "config.override: composition.max_weekly_turnover: must be >= 0 (got -0.5)", "a range")
bad({ { "sleeves.fx_carry.allocation", 0.9 } }, "sleeves: allocations sum to 1.7 (above 1)", "a rule across values")
bad({ { "sleeves.fx_carry.rebalance", "hourly" } }, "unknown rebalance frequency 'hourly'", "an unknown frequency")
bad({ { "limits.adv_lookback_days", 2.5 } }, "limits.adv_lookback_days: 2.5 must be a whole number", "a fraction for a whole number")
bad({ { "limits.max_gross", "x" } }, "limits.max_gross: x is a string, the fund's value is a number", "a type")
bad({ { "limits.max_gross", "abc" } }, "limits.max_gross: 'abc' is not a number", "text: not a number", true)
bad({ { "limits.max_gross", "nan" } }, "limits.max_gross: 'nan' is not a number", "text: NaN", true)
bad({ { "sleeves.fx_carry.params.flag", {} } }, "a number, a string or a boolean expected, got table", "a table value")
bad({ { "limits.nope", 1 } }, "config.override: unknown fund path 'limits.nope': the fund has no 'nope' there", "an unknown key")
bad({ { "sleeves.nope.allocation", 0.1 } }, "unknown fund path 'sleeves.nope.allocation': no sleeve named 'nope'", "an unknown sleeve")
bad({ { "limits", 1 } }, "a section, not a value", "a section")
bad({ { "limits..max_gross", 1 } }, "an empty segment", "an empty segment")
bad({ { 7, 1 } }, "set[1]: a path string expected", "a path that is not a string")
T.raises(function() C.override{ fund = cfg } end, "config.override{fund = cfg, set = {{path, value}, ...}} expected", "no set")
T.raises(function() C.check({}) end, "config.check: a fund table expected", "check: not a fund")
T.raises(function() C.get(cfg, 5) end, "config.get(cfg, path) expected", "get: not a path")

-- a capacity setting given is one the fund asks for (volumes then required), as in a fund file
local nocap = C.parse{ name = "nocap.yaml", sizers = false, text = table.concat({
  "fund: {id: f, nav: 1000, currency: USD}",
  "sessions: {RTH: {sizer: equal_weight_ls, gross_cap: 1.0}}",
  "sleeves:",
  "  - {name: a, sizer: equal_weight_ls, asset_class: equities, rebalance: weekly, allocation: 1.0, universe: [X, Y]}" }, "\n") }
T.eq(nocap.limits.capacity_set, false, "no capacity setting in the file")
T.eq(C.override{ fund = nocap, set = { { "limits.fraction_of_adv", 0.02 } } }.limits.capacity_set, true,
  "overriding fraction_of_adv asks for capacity")
T.eq(C.override{ fund = nocap, set = { { "limits.max_gross", 1.5 } } }.limits.capacity_set, false, "another limit does not")

T.finish("test_config_override")
