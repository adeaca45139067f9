-- tests/lua/test_session.lua — folio.session through the host: SessionMatrix
-- construction and its refusals, resolve{} at explicit instants (DST changes,
-- holidays, early closes, each asset class), the calendar override table,
-- parse_asof / local_time / is_holiday / is_early_close / is_trading_day.
local T = dofile((arg[0]:match("^(.*)/") or ".") .. "/testlib.lua")
local folio = require "folio"
local S = folio.session

-- ---- parse_asof and local_time ------------------------------------------------
T.eq(S.parse_asof("2024-03-08T14:30:00Z"), 1709908200, "parse Z")
T.eq(S.parse_asof("2024-03-08T09:30:00-05:00"), 1709908200, "parse offset")
T.eq(S.parse_asof("2024-03-08T09:30-0500"), 1709908200, "parse compact offset")
T.eq(S.parse_asof("2024-03-08T14:30:00.75Z"), 1709908200, "fraction truncated")
T.eq(S.parse_asof(1709908200), 1709908200, "epoch integer")
T.eq(S.parse_asof(1709908200.9), 1709908200, "epoch float floored")
T.check(math.type(S.parse_asof(1709908200.5)) == "integer", "integer result")
T.eq(S.local_time("2024-03-10T07:00:00Z"), "2024-03-10T03:00:00-04:00", "spring forward")
T.eq(S.local_time("2024-11-03T06:00:00Z"), "2024-11-03T01:00:00-05:00", "fall back")
T.eq(S.local_time(1709908200), "2024-03-08T09:30:00-05:00", "local of epoch")
T.raises(function() S.parse_asof("2024-13-01T00:00Z") end, { "parse_asof", "month", "2024-13-01T00:00Z" })
T.raises(function() S.parse_asof("2024-03-08T25:00Z") end, "hour out of range")
T.raises(function() S.parse_asof("2024-03-08T10:00+25:00") end, "offset hour")
T.raises(function() S.parse_asof("2024-03-08T10:00Zjunk") end, "unexpected text")
T.raises(function() S.parse_asof("") end, "empty asof")
T.raises(function() S.parse_asof("2024-03-08") end, "no time of day")
T.raises(function() S.parse_asof("2024-03-08T10:00") end, "no UTC offset")
T.raises(function() S.parse_asof(0) end, "outside the supported range")
T.raises(function() S.parse_asof(1e300) end, "outside the supported range")
T.raises(function() S.parse_asof(0 / 0) end, "finite")
T.raises(function() S.parse_asof({}) end, "got table")
T.raises(function() S.parse_asof() end, "bad argument")

-- ---- holidays ------------------------------------------------------------------
T.eq(S.is_holiday("2024-07-04"), true, "July 4")
T.eq(S.is_holiday("2024-07-06"), false, "a Saturday is not a holiday")
T.eq(S.is_holiday("2022-06-20"), true, "Juneteenth observed")
T.eq(S.is_holiday("2021-12-31"), false, "no Friday for a Saturday New Year")
T.eq(S.is_holiday("2024-03-29"), true, "Good Friday 2024")
T.eq(S.is_holiday("2025-04-18"), true, "Good Friday 2025")
T.eq(S.is_holiday("2027-07-05"), true, "observed Independence Day")
T.eq(S.is_early_close("2024-07-03"), true, "early close")
T.eq(S.is_early_close("2024-11-29"), true, "day after Thanksgiving")
T.eq(S.is_early_close("2024-07-04"), false, "a holiday is no early close")
T.eq(S.is_trading_day("2024-07-05"), true)
T.eq(S.is_trading_day("2024-07-06"), false)
T.eq(S.is_holiday("2025-01-09"), false, "unscheduled closings are not rules")
T.eq(S.is_holiday("2025-01-09", { equities = { holidays_add = { "2025-01-09" } } }), true, "added")
T.eq(S.is_holiday("2025-12-25", { equities = { holidays_remove = { "2025-12-25" } } }), false, "removed")
T.raises(function() S.is_holiday("2024-02-30") end, { "is_holiday", "2024-02-30" })
T.raises(function() S.is_holiday("1980-01-02") end, "1987..9999")
T.raises(function() S.is_holiday() end, "bad argument")

-- ---- at{} ------------------------------------------------------------------------
T.eq(S.at { asset_class = "equities", asof = "2024-03-08T14:30:00Z" }, "RTH")
T.eq(S.at { asset_class = "equities", asof = "2024-03-08T14:29:59Z" }, "pre")
T.eq(S.at { asset_class = "equities", asof = "2024-07-03T13:00:00-04:00" }, "post", "early-close post")
T.eq(S.at { asset_class = "equities", asof = "2024-07-03T17:00:00-04:00" }, "closed")
T.eq(S.at { asset_class = "equities", asof = "2024-07-03T20:00:00-04:00" }, "closed", "no IBEOS into a holiday")
T.eq(S.at { asset_class = "equities", asof = "2024-07-04T20:00:00-04:00" }, "IBEOS")
T.eq(S.at { asset_class = "equities", asof = "2024-03-10T20:00:00-04:00" }, "IBEOS", "Sunday evening")
T.eq(S.at { asset_class = "equities", asof = "2024-03-11T03:50:00-04:00" }, "closed")
T.eq(S.at { asset_class = "crypto", asof = "2024-03-09T12:00:00Z" }, "24h")
T.eq(S.at { asset_class = "fx", asof = "2024-03-10T16:59:00-04:00" }, "closed")
T.eq(S.at { asset_class = "fx", asof = "2024-03-10T17:00:00-04:00" }, "24h")
T.eq(S.at { asset_class = "futures", asof = "2024-03-12T17:30:00-04:00" }, "closed", "CME break")
T.eq(S.at { asset_class = "futures", asof = "2024-03-12T18:00:00-04:00" }, "24h")
T.eq(S.at { asset_class = "futures", asof = "2024-03-15T17:00:00-04:00" }, "closed", "Friday close")
T.eq(S.at { asset_class = "equities", asof = "2025-01-09T10:00:00-05:00",
            calendar = { equities = { holidays_add = { "2025-01-09" } } } }, "closed")
T.eq(S.at { asset_class = "fx", asof = "2024-03-10T17:30:00-04:00",
            calendar = { fx = { open = "18:00" } } }, "closed")
T.raises(function() S.at { asset_class = "stocks", asof = 1709908200 } end,
  { "'at'", "unknown asset class 'stocks'", "equities, crypto, fx, futures" })
T.raises(function() S.at { asof = 1709908200 } end, "asset_class is required")
T.raises(function() S.at { asset_class = "fx" } end, "asof is required")
T.raises(function() S.at { asset_class = "fx", asof = 1709908200, when = 1 } end, "unknown key 'when'")
T.raises(function() S.at { asset_class = "fx", asof = true } end, "got boolean")
T.raises(function() S.at "fx" end, "table of named arguments")

-- ---- SessionMatrix --------------------------------------------------------------
local m = S.SessionMatrix {
  RTH = { sizer = "kelly_voltarget_12", gross_cap = 1.0 },
  pre = { sizer = "kelly_voltarget_8", gross_cap = 0.5 },
  post = { sizer = "kelly_voltarget_8", gross_cap = 0.5 },
  IBEOS = { sizer = "kelly_voltarget_8", gross_cap = 0.25 },
  ["24h"] = { sizer = "kelly_voltarget_8", gross_cap = 0.3 },
}
local r = m:resolve { asset_class = "equities", asof = "2024-03-08T09:30:00-05:00" }
T.eq(r.session, "RTH")
T.eq(r.sizer, "kelly_voltarget_12")
T.eq(r.gross_cap, 1.0)
T.eq(r.asset_class, "equities")
T.eq(r.asof, 1709908200)
T.eq(r.local_time, "2024-03-08T09:30:00-05:00")
T.eq(T.keys(r)[1], "asof")
r = m:resolve { asset_class = "equities", asof = 1709908200 - 60 }
T.eq(r.session, "pre"); T.eq(r.gross_cap, 0.5); T.eq(r.sizer, "kelly_voltarget_8")
r = m:resolve { asset_class = "equities", asof = "2024-07-04T12:00:00-04:00" }
T.eq(r.session, "closed"); T.eq(r.sizer, nil); T.eq(r.gross_cap, 0)
r = m:resolve { asset_class = "equities", asof = "2024-11-29T13:30:00-05:00" }
T.eq(r.session, "post", "day after Thanksgiving 13:30"); T.eq(r.gross_cap, 0.5)
r = m:resolve { asset_class = "crypto", asof = "2024-12-25T12:00:00Z" }
T.eq(r.session, "24h"); T.eq(r.gross_cap, 0.3)
r = m:resolve { asset_class = "equities", asof = "2024-03-11T02:00:00-04:00" }
T.eq(r.session, "IBEOS"); T.eq(r.gross_cap, 0.25)

-- a session absent from the matrix means no trading
local rth_only = S.SessionMatrix { RTH = { sizer = "fixed_weight", gross_cap = 2 } }
r = rth_only:resolve { asset_class = "equities", asof = "2024-03-08T08:00:00-05:00" }
T.eq(r.session, "pre"); T.eq(r.sizer, nil); T.eq(r.gross_cap, 0)
T.eq(tostring(rth_only), "SessionMatrix{RTH = fixed_weight @ 2.0}")
T.check(not tostring(m):find("0x"), "no address in __tostring")
T.eq(getmetatable(m), "locked")
T.eq(S.SessionMatrix {}:resolve { asset_class = "fx", asof = 1709908200 }.gross_cap, 0, "empty matrix")

-- the calendar override inside a matrix
local cm = S.SessionMatrix {
  RTH = { sizer = "kelly_voltarget_12", gross_cap = 1 },
  calendar = {
    equities = { pre = { "04:00", "09:30" }, RTH = { "09:30", "16:15" }, post = { "16:15", "20:00" },
                 IBEOS = { "20:00", "03:50" }, early_close = "13:00", early_post_close = "17:00",
                 holidays_add = { "2025-01-09" }, holidays_remove = { "2025-12-25" },
                 early_closes_add = { "2025-12-26" }, early_closes_remove = { "2025-07-03" } },
    fx = { open = "17:00", close = "17:00" },
    futures = { open = "18:00", close = "17:00", break_start = "17:00", break_end = "18:00" },
  },
}
T.eq(cm:resolve { asset_class = "equities", asof = "2024-03-08T16:10:00-05:00" }.session, "RTH")
T.eq(cm:resolve { asset_class = "equities", asof = "2025-01-09T10:00:00-05:00" }.session, "closed")
T.eq(cm:resolve { asset_class = "equities", asof = "2025-12-25T10:00:00-05:00" }.session, "RTH")
T.eq(cm:resolve { asset_class = "equities", asof = "2025-12-26T13:00:00-05:00" }.session, "post")
T.eq(cm:resolve { asset_class = "equities", asof = "2025-07-03T15:00:00-04:00" }.session, "RTH")

-- refusals
local function bad(args, needles) T.raises(function() S.SessionMatrix(args) end, needles) end
bad({ rth = { sizer = "kelly_voltarget_12", gross_cap = 1 } },
  { "SessionMatrix", "unknown session 'rth'", "pre, RTH, post, IBEOS, 24h" })
bad({ closed = { sizer = "kelly_voltarget_12", gross_cap = 1 } }, "unknown session 'closed'")
bad({ RTH = { gross_cap = 1 } }, "RTH.sizer must be a non-empty string")
bad({ RTH = { sizer = "", gross_cap = 1 } }, "RTH.sizer must be a non-empty string")
bad({ RTH = { sizer = 3, gross_cap = 1 } }, "got number")
bad({ RTH = { sizer = "kelly_voltarget_12" } }, "RTH.gross_cap is required")
bad({ RTH = { sizer = "kelly_voltarget_12", gross_cap = -0.1 } }, "gross_cap must be finite and >= 0")
bad({ RTH = { sizer = "kelly_voltarget_12", gross_cap = math.huge } }, "finite")
bad({ RTH = { sizer = "kelly_voltarget_12", gross_cap = 0 / 0 } }, "finite")
bad({ RTH = { sizer = "kelly_voltarget_12", gross_cap = "1" } }, "gross_cap must be a number")
bad({ RTH = { sizer = "kelly_voltarget_12", gross_cap = 1, cap = 2 } }, "RTH: unknown key 'cap' (expected one of: ")
bad({ RTH = "x" }, "RTH must be a table")
bad({ [1] = {} }, "unexpected key of type number")
bad({ calendar = 3 }, "calendar must be a table")
bad({ calendar = { equity = {} } }, "calendar: unknown key 'equity' (expected one of: ")
bad({ calendar = { equities = { rth = {} } } }, "calendar.equities: unknown key 'rth' (expected one of: ")
bad({ calendar = { equities = { RTH = { "09:30" } } } }, "calendar.equities.RTH must be a pair")
bad({ calendar = { equities = { RTH = "09:30-16:00" } } }, "calendar.equities.RTH must be a pair")
bad({ calendar = { equities = { RTH = { "9:30", "16:00" } } } }, { "calendar.equities.RTH", "'9:30' is not HH:MM" })
bad({ calendar = { equities = { RTH = { "10:00", "16:00" }, pre = { "04:00", "10:30" } } } }, "equities.pre ends at 10:30")
bad({ calendar = { equities = { early_close = 13 } } }, "early_close must be a string")
bad({ calendar = { equities = { holidays_add = "2025-01-09" } } }, "must be an array")
bad({ calendar = { equities = { holidays_add = { "2025-1-9" } } } }, { "holidays_add[1]", "2025-1-9" })
bad({ calendar = { equities = { holidays_add = { "2025-01-11" } } } }, "Saturday")
bad({ calendar = { equities = { holidays_remove = { "2025-12-24" } } } }, "not an NYSE holiday by rule")
bad({ calendar = { equities = { holidays_add = { "2025-01-09", "2025-01-09" } } } }, "twice")
bad({ calendar = { fx = { open = "25:00" } } }, "calendar.fx.open")
bad({ calendar = { fx = { opens = "17:00" } } }, "calendar.fx: unknown key 'opens' (expected one of: ")
bad({ calendar = { futures = { break_start = "18:00", break_end = "17:00" } } }, "futures break")
T.raises(function() S.SessionMatrix "RTH" end, "table of named arguments")

T.raises(function() m:resolve { asset_class = "equities" } end, "asof is required")
T.raises(function() m:resolve { asset_class = "bonds", asof = 1709908200 } end, "unknown asset class 'bonds'")
T.raises(function() m:resolve { asset_class = "equities", asof = "2024-03-08" } end,
  { "'resolve'", "no time of day" })
T.raises(function() m:resolve { asset_class = "equities", asof = 1709908200, at = 1 } end, "unknown key 'at'")
T.raises(function() m.resolve { asset_class = "equities", asof = 1709908200 } end, "SessionMatrix expected")

-- a sizer registry, when present, rejects unknown sizer names
if folio.registry == nil then
  folio.registry = { has = function(name) return name == "kelly_voltarget_12" end }
  T.check(S.SessionMatrix { RTH = { sizer = "kelly_voltarget_12", gross_cap = 1 } } ~= nil)
  bad({ RTH = { sizer = "kelly_voltarget_13", gross_cap = 1 } }, "unknown sizer 'kelly_voltarget_13'")
  folio.registry = nil
elseif type(folio.registry.has) == "function" then
  T.check(not folio.registry.has("no_such_sizer_xyz"))
  bad({ RTH = { sizer = "no_such_sizer_xyz", gross_cap = 1 } }, "unknown sizer 'no_such_sizer_xyz'")
end

T.eq(table.concat(S.sessions, ","), "closed,pre,RTH,post,IBEOS,24h")
T.eq(table.concat(S.asset_classes, ","), "equities,crypto,fx,futures")

T.finish("test_session.lua")
