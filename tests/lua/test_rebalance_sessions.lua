-- The session matrix in force (docs/rebalance.md, "Sessions"): --asof is an
-- instant, a date alone is each asset class's close; the session in force
-- picks the sizer of a sleeve without one, caps every sleeve's gross, and a
-- closed session (or one the matrix lacks) holds the sleeve.
local dir = (arg[0]:match("^(.*)/") or ".")
local T = dofile(dir .. "/testlib.lua")
local F = dofile(dir .. "/rebalance_fixture.lua")
local folio = require "folio"

local function sleeve(summary, name)
  for _, s in ipairs(summary.sleeves) do if s.name == name then return s end end
end
local function gross_of(summary, names)
  local g = 0
  for _, s in ipairs(names) do g = g + math.abs(summary.composite[s] or 0) end
  return g
end
local EQ = { "EQ1", "EQ2", "EQ3", "EQ4", "EQ5" }
local CR = { "CR1", "CR2", "CR3" }
local FXS = { "EURUSD", "USDJPY", "EURGBP" }
local function orders_for(summary, names)
  local set, n = {}, 0
  for _, s in ipairs(names) do set[s] = true end
  for _, o in ipairs(summary.orders) do if set[o.symbol] then n = n + 1 end end
  return n
end

local fx = F.new{}
-- equities at 10:00 New York (RTH) on Wednesday 2024-03-20: sized at full gross cap
local s = fx:run{ asof = "2024-03-20T10:00:00-04:00" }
T.eq(sleeve(s, "equities").session, "RTH", "10:00 New York is RTH")
T.eq(sleeve(s, "equities").status, "sized")
T.eq(s.price_date, "2024-03-19", "at 10:00 the day's close is not known yet: the previous row")
T.check(gross_of(s, EQ) > 0.3 * 0.5 + 1e-6, "RTH: equities gross not capped at 0.3")
-- the same day at 18:00 New York: post, gross cap 0.3 of the sleeve
local s18 = fx:run{ asof = "2024-03-20T18:00:00-04:00" }
T.eq(sleeve(s18, "equities").session, "post", "18:00 New York is post")
T.eq(s18.price_date, "2024-03-20", "after the close the day's row is used")
T.eq(sleeve(s18, "equities").gross_cap, 0.3)
T.check(gross_of(s18, EQ) <= 0.3 * 0.5 + 1e-12, "post: the sleeve's gross is capped at 0.3 (times its allocation)")
local scaled = false
for _, e in ipairs(s18.trace) do
  if e.stage == "sizing" and e.sleeve == "equities" and e.decision == "scaled" then scaled = e.reason:find("gross_cap 0.3", 1, true) ~= nil end
end
T.check(scaled, "the trace says the session's gross cap bound the sleeve")
-- the same instant written in UTC gives the same rebalance
local s18z = fx:run{ asof = "2024-03-20T22:00:00Z" }
for _, sym in ipairs(EQ) do T.eq(s18z.composite[sym], s18.composite[sym], "same instant in UTC: " .. sym) end

-- crypto on a Sunday: crypto trades (24h); equities and FX are closed and held
local sun = fx:run{ asof = "2024-03-17T12:00:00Z" }
T.eq(sleeve(sun, "crypto").session, "24h"); T.eq(sleeve(sun, "crypto").status, "sized")
T.eq(sleeve(sun, "equities").status, "held"); T.eq(sleeve(sun, "equities").session, "closed")
T.eq(sleeve(sun, "fx").status, "held", "FX is closed on Sunday before 17:00 New York")
T.check(sleeve(sun, "fx").reason:find("session closed for fx", 1, true), "the hold says why")
T.eq(orders_for(sun, EQ), 0, "no equity order on a Sunday"); T.eq(orders_for(sun, FXS), 0, "no FX order")
T.check(orders_for(sun, CR) > 0, "crypto orders on a Sunday")
-- the held position in EQ1 is kept, not sold
for _, o in ipairs(sun.orders) do T.check(o.symbol ~= "EQ1", "held equity position untouched") end
-- FX on a Saturday (a date alone: the 17:00 New York roll): held
local sat = fx:run{ asof = "2024-03-16" }
T.eq(sleeve(sat, "fx").status, "held"); T.eq(orders_for(sat, FXS), 0, "no FX order on a Saturday")
T.eq(sleeve(sat, "crypto").status, "sized", "crypto trades on Saturday")
T.eq(sat.price_date, "2024-03-15", "a weekend date uses the last row before it")
-- held sleeves keep their capital: with an HRP overlay the trading crypto sleeve gets its own 0.3, no more
local hrp = F.new{ yaml = function(y) return y .. "composition: {overlay: hrp, hrp_lookback_days: 60}\n" end }
local hs = hrp:run{ asof = "2024-03-16" }
T.near(sleeve(hs, "crypto").allocation, 0.3, 1e-12, "the overlay shares only the active sleeves' stated 0.3")
T.check(gross_of(hs, CR) <= 0.3 + 1e-12, "crypto's gross within its allocation")
hrp:cleanup()
-- Sunday evening after 17:00 New York: FX is open again
local sun_eve = fx:run{ asof = "2024-03-17T18:00:00-04:00" }
T.eq(sleeve(sun_eve, "fx").session, "24h", "FX opens Sunday 17:00 New York")
T.eq(sleeve(sun_eve, "equities").session, "closed", "Sunday 20:00 (IBEOS) is not reached yet")
T.eq(sleeve(sun_eve, "equities").status, "held", "closed until IBEOS at 20:00")

-- a date alone is each class's close: equities RTH at the NYSE close, early close included
local d = fx:run{ asof = "2024-03-20" }
T.eq(sleeve(d, "equities").session, "RTH"); T.eq(d.price_date, "2024-03-20")
T.eq(sleeve(d, "equities").local_time, "2024-03-20T15:59:59-04:00")
local early = fx:run{ asof = "2023-11-24" }
T.eq(sleeve(early, "equities").local_time, "2023-11-24T12:59:59-05:00", "early close at 13:00")
T.eq(sleeve(early, "equities").session, "RTH")
local after_early = fx:run{ asof = "2023-11-24T14:00:00-05:00" }
T.eq(sleeve(after_early, "equities").session, "post", "after an early close: post")
-- a holiday: equities closed
local hol = fx:run{ asof = "2023-12-25" }
T.eq(sleeve(hol, "equities").status, "held", "Christmas: equities held")

-- every gross cap 0: targets are zero (the session matrix is in force)
local zero = F.new{ yaml = function(y) return (y:gsub("gross_cap: [%d.]+", "gross_cap: 0")) end }
local z = zero:run{ asof = "2024-03-20T10:00:00-04:00" }
T.eq(gross_of(z, EQ) + gross_of(z, CR) + gross_of(z, FXS), 0, "gross caps of 0: nothing held")
local sold = false
for _, o in ipairs(z.orders) do if o.symbol == "EQ1" and o.side == "SELL" then sold = true end end
T.check(sold, "the held EQ1 is sold down to the cap")
zero:cleanup()

-- a sleeve without a sizer runs the session's: pre -> kelly_voltarget_8, RTH -> equal_weight_ls
local follow = F.new{ yaml = function(y)
  y = y:gsub("pre:   {sizer: equal_weight_ls", "pre:   {sizer: kelly_voltarget_8")
  y = y:gsub("  %- name: equities\n    sizer: equal_weight_ls\n", "  - name: equities\n")
  y = y:gsub("    params: {n_long: 2, n_short: 2}\n", "")
  return y
end }
local pre = follow:run{ asof = "2024-03-20T08:00:00-04:00" }
T.eq(sleeve(pre, "equities").session, "pre"); T.eq(sleeve(pre, "equities").sizer, "kelly_voltarget_8")
local rth = follow:run{ asof = "2024-03-20T11:00:00-04:00" }
T.eq(sleeve(rth, "equities").sizer, "equal_weight_ls", "RTH: the matrix's RTH sizer")
T.eq(sleeve(rth, "crypto").sizer, "equal_weight_ls", "a sleeve's own sizer wins")
follow:cleanup()
-- a following sleeve's params must suit every sizer it may run
local clash = F.new{ yaml = function(y)
  y = y:gsub("pre:   {sizer: equal_weight_ls", "pre:   {sizer: kelly_voltarget_8")
  return (y:gsub("  %- name: equities\n    sizer: equal_weight_ls\n", "  - name: equities\n"))
end }
T.raises(function() clash:run{ asof = "2024-03-20T11:00:00-04:00" } end,
  { "fund.yaml:", "sleeves[1].params.n_long", "kelly_voltarget_8", "unknown parameter 'n_long'" })
clash:cleanup()

-- a session the matrix lacks holds the sleeve (stated in docs/rebalance.md)
local nopost = F.new{ yaml = function(y) return (y:gsub("  post:[^\n]*\n", "")) end }
local np = nopost:run{ asof = "2024-03-20T18:00:00-04:00" }
T.eq(sleeve(np, "equities").status, "held")
T.check(sleeve(np, "equities").reason:find("no entry for session post", 1, true), "says which session is missing")
nopost:cleanup()

-- bad instants
T.raises(function() fx:run{ asof = "2024-03-20T10:00:00" } end, { "asof", "no UTC offset" })
T.raises(function() fx:run{ asof = "2024-02-30" } end, { "asof" })
T.raises(function() fx:run{ asof = "yesterday" } end, { "asof" })
T.raises(function() fx:run{ asof = "2022-06-01" } end, { "no price row at or before 2022-06-01" })
-- prices that stop well before the instant: an error, not a trade on stale closes
T.raises(function() fx:run{ asof = "2024-04-30T10:00:00Z" } end, { "the prices end on 2024-03-22", "days before the rebalance instant" })
local long_weekend = fx:run{ asof = "2024-03-25T10:00:00-04:00" } -- Monday morning: Friday's close, 3 days old
T.eq(long_weekend.price_date, "2024-03-22", "a weekend gap is fine")

-- the command line: an instant, and the JSON summary names each sleeve's session
local out, code = fx:cli("--positions '" .. fx.positions .. "' --dry-run --json --asof 2024-03-16T12:00:00Z")
T.eq(code, 0, "dry run by JSON")
local j = folio.store.decode_json(out)
T.eq(type(j), "table", "--json prints one JSON document")
if type(j) == "table" then
  local by = {}
  for _, sl in ipairs(j.sleeves) do by[sl.name] = sl end
  T.eq(by.fx.status, "held"); T.eq(by.crypto.session, "24h"); T.eq(by.equities.session, "closed")
end
out, code = fx:cli("--positions '" .. fx.positions .. "' --dry-run --asof 2024-03-20T10:00")
T.eq(code, 1); T.check(out:find("no UTC offset", 1, true), "an instant without an offset: " .. out)
fx:cleanup()
T.finish("test_rebalance_sessions")
