-- A universe that changes (docs/rebalance.md, "Universe"): a name with no
-- price on the rebalance row is left out with a report line — a held one is
-- kept and flagged, never sold; a name without enough history gets no
-- signal; volumes are optional, unless the fund file asks for capacity.
local dir = (arg[0]:match("^(.*)/") or ".")
local T = dofile(dir .. "/testlib.lua")
local F = dofile(dir .. "/rebalance_fixture.lua")
local folio = require "folio"

local ASOF = "2024-03-20"
local function excluded(s, sym)
  for _, e in ipairs(s.excluded) do if e.symbol == sym then return e end end
end
local function ordered(s, sym)
  for _, o in ipairs(s.orders) do if o.symbol == sym then return o end end
end

-- EQ5 listed after the rebalance date, EQ2 delisted before it, and both held
local fx = F.new{ listed = { EQ5 = "2024-06-01", CR3 = "2024-02-01" }, delisted = { EQ2 = "2024-03-01" },
  positions = "symbol,quantity,avg_price\nEQ1,100,100\nEQ2,300,50\nEQ5,10,30\nCASH,1000000,1\n" }
local s = fx:run{ asof = ASOF }
local e5, e2 = excluded(s, "EQ5"), excluded(s, "EQ2")
T.check(e5 and e5.reason:find("not yet listed", 1, true), "EQ5 not yet listed: reported")
T.check(e2 and e2.reason:find("last price 2024-03-01", 1, true), "EQ2 delisted: reported with its last price")
T.check(e5 and e5.held and e2 and e2.held, "both are held")
T.eq(ordered(s, "EQ5"), nil, "a held name without a price is never sold")
T.eq(ordered(s, "EQ2"), nil, "nor is a delisted one")
T.eq(s.composite.EQ5, nil); T.eq(s.composite.EQ2, nil)
-- the held, unpriced EQ2 is valued at its last price in the NAV
local P = folio.data.read_csv(fx.prices)
local last
for i, d in ipairs(P:dates()) do if d == "2024-03-01" then last = P:get(i, "EQ2") end end
local row
for i, d in ipairs(P:dates()) do if d == ASOF then row = i end end
T.near(s.nav, 1000000 + 100 * P:get(row, "EQ1") + 300 * last + 10 * 30, 1e-6, "NAV: last price for EQ2, cost for EQ5")
-- CR3 listed six weeks ago: priced, but too little history for its signal
local cr3 = false
for _, e in ipairs(s.trace) do
  if e.symbol == "CR3" and e.decision == "no signal" then cr3 = true end
end
T.check(cr3, "CR3 has a price but not enough history: no signal, said in the trace")
T.eq(excluded(s, "CR3"), nil, "CR3 is not excluded (it has a price)")
-- the printed summary and the JSON say it
local out, code = fx:cli("--positions '" .. fx.positions .. "' --dry-run --asof " .. ASOF)
T.eq(code, 0, out)
T.check(out:find("excluded EQ5: no price on 2024-03-20 (not yet listed) (held: position kept, no order)", 1, true), out)
-- a late listing with no position is simply left out (the old `no price for EQ_HLTH6` error)
local late = F.new{ listed = { EQ4 = "2024-06-01" } }
local l = late:run{ asof = ASOF }
T.check(excluded(l, "EQ4") and not excluded(l, "EQ4").held, "EQ4 left out, not held")
late:cleanup()
-- the shipped demo data: EQ_HLTH6 lists late; an early --asof runs
out, code = F.cli({}, "--fund examples/fund.yaml --positions examples/data/positions.csv --prices examples/data/prices.csv --dry-run --asof 2023-06-01", true)
T.eq(code, 0, "--asof 2023-06-01 on the demo: " .. out)
T.check(out:find("excluded EQ_HLTH6", 1, true), "EQ_HLTH6 is reported")

-- volumes are optional: capacity and the liquidity guard are off, and said
local novol = F.new{ volumes = false }
local n = novol:run{ asof = ASOF }
T.eq(n.capacity, "off (no volumes)")
local said = false
for _, e in ipairs(n.trace) do if e.stage == "capacity" and e.decision == "off" then said = true end end
T.check(said, "the trace says capacity is off")
out, code = novol:cli("--positions '" .. novol.positions .. "' --dry-run --asof " .. ASOF)
T.eq(code, 0, "a prices-only user can run: " .. out)
T.check(out:find("capacity: off (no volumes), liquidity guard off", 1, true), out)
-- ...unless the fund file asks for capacity or the liquidity guard
F.write(novol.fund, F.YAML .. "guards: {max_adv_fraction: 0.1}\n")
T.raises(function() novol:run{ asof = ASOF } end, { "guards.max_adv_fraction, which needs volumes" })
F.write(novol.fund, (F.YAML:gsub("limits:\n", "limits:\n  fraction_of_adv: 0.02\n")))
T.raises(function() novol:run{ asof = ASOF } end, { "limits.fraction_of_adv/adv_lookback_days, which needs volumes" })
novol:cleanup()
-- with volumes, capacity is on and binds (the fixture's ADV is ~1e6 units)
local with = fx:run{ asof = ASOF }
T.eq(with.capacity, "on")
fx:cleanup()
T.finish("test_rebalance_universe")
