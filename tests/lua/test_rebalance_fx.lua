-- Instruments priced by their own convention (docs/rebalance.md, "FX"): an
-- FX pair's quantity is in its base currency and its value is converted to
-- the fund's currency at the asof rates — a USD-base pair's quantity is in
-- dollars, a USD-quote pair's is base units at the quote, a cross goes
-- through the quote currency's USD rate. Orders checked against numbers
-- computed by hand from the price file.
local dir = (arg[0]:match("^(.*)/") or ".")
local T = dofile(dir .. "/testlib.lua")
local F = dofile(dir .. "/rebalance_fixture.lua")
local folio = require "folio"

local ASOF = "2024-03-20"
local YAML = [[
fund: {id: fx_fund, nav: 1000000, currency: USD}
sessions:
  24h: {sizer: fixed_weight, gross_cap: 2.0}
sleeves:
  - name: fx
    sizer: fixed_weight
    asset_class: fx
    rebalance: daily
    allocation: 1.0
    universe: [EURUSD, USDJPY, EURGBP]
    params: {weights: {EURUSD: 0.10, USDJPY: -0.20, EURGBP: 0.30}}
limits: {max_position_weight: 0.5, max_gross: 3.0}
orders: {min_notional: 1, lot_size: 1, fractional: [fx]}
]]
local fx = F.new{ yaml = YAML, volumes = false, positions = "symbol,quantity,avg_price\nUSDJPY,50000,150\nCASH,950000,1\n" }
local P = folio.data.read_csv(fx.prices)
local row
for i, d in ipairs(P:dates()) do if d == ASOF then row = i end end
local eurusd, usdjpy, eurgbp, gbpusd = P:get(row, "EURUSD"), P:get(row, "USDJPY"), P:get(row, "EURGBP"), P:get(row, "GBPUSD")

-- the NAV: cash plus the USDJPY position worth its base amount in dollars
local s = fx:run{ asof = ASOF, dry_run = false }
local nav = 950000 + 50000
T.near(s.nav, nav, 1e-6, "a USD-base position is worth its quantity in dollars")
local by = {}
for _, o in ipairs(s.orders) do by[o.symbol] = o end
-- EURUSD (USD quote): +10 % of NAV in EUR units at the EURUSD price
local q = 0.10 * nav / eurusd
T.eq(by.EURUSD.side, "BUY"); T.near(by.EURUSD.quantity, q, 1e-6 * q, "EURUSD quantity in euros")
T.near(by.EURUSD.notional, 0.10 * nav, 0.01, "EURUSD notional in dollars")
T.eq(by.EURUSD.price, eurusd, "the order's price is the pair's quote")
-- USDJPY (USD base): -20 % of NAV; 50,000 USD held -> sell 250,000 USD
T.eq(by.USDJPY.side, "SELL"); T.near(by.USDJPY.quantity, 0.20 * nav + 50000, 1e-6, "USDJPY quantity in dollars")
T.near(by.USDJPY.notional, 250000, 0.01, "USDJPY notional = its quantity")
T.eq(by.USDJPY.price, usdjpy, "quoted in yen per dollar")
-- EURGBP (a cross): 30 % of NAV; one euro is worth EURGBP * GBPUSD dollars
local unit = eurgbp * gbpusd
T.near(by.EURGBP.quantity, 0.30 * nav / unit, 1e-6 * 0.30 * nav / unit, "EURGBP quantity in euros via GBPUSD")
T.near(by.EURGBP.notional, 0.30 * nav, 0.01, "EURGBP notional in dollars")
-- the orders file: RFC 4180, the quote in the price column, notional in dollars
local rows = F.orders(fx.out)
T.eq(#rows, 3, "three orders written")
for _, r in ipairs(rows) do
  local o = by[r.symbol]
  T.near(tonumber(r.quantity), o.quantity, 1e-6 * o.quantity, "file quantity " .. r.symbol)
  T.near(tonumber(r.price), o.price, 1e-9 * o.price, "file price " .. r.symbol)
  T.near(tonumber(r.notional), o.notional, 0.006, "file notional " .. r.symbol)
end

-- a cross whose quote currency has no rate is an error naming what is missing
local cross = F.new{ volumes = false, yaml = YAML:gsub("EURGBP", "EURCHF") }
local text = F.read(cross.prices):gsub("EURGBP", "EURCHF")
F.write(cross.prices, text)
T.raises(function() cross:run{ asof = ASOF } end, { "cannot value EURCHF in USD: no price for CHFUSD or USDCHF on 2024-03-20" })
cross:cleanup()
-- a symbol that does not spell its currencies needs instruments:, which then prices it
local gold = F.new{ volumes = false, yaml = YAML:gsub("EURGBP", "GOLD") }
F.write(gold.prices, (F.read(gold.prices):gsub("EURGBP", "GOLD")))
T.raises(function() gold:run{ asof = ASOF } end, { "FX symbol 'GOLD' does not spell its currencies", "instruments:" })
F.write(gold.fund, YAML:gsub("EURGBP", "GOLD") .. "instruments:\n  GOLD: {base: XAU, quote: GBP}\n")
local g = gold:run{ asof = ASOF }
local gby = {}
for _, o in ipairs(g.orders) do gby[o.symbol] = o end
T.near(gby.GOLD.quantity, 0.30 * g.nav / (eurgbp * gbpusd), 1e-3, "instruments: GOLD quoted in GBP, converted by GBPUSD")
gold:cleanup()
-- a fund in another currency: values converted into EUR
local eur = F.new{ volumes = false, yaml = YAML:gsub("currency: USD", "currency: EUR"),
  positions = "symbol,quantity,avg_price\nCASH,1000000,1\n" }
local e = eur:run{ asof = ASOF }
local eby = {}
for _, o in ipairs(e.orders) do eby[o.symbol] = o end
-- EURUSD in a EUR fund: one euro is worth one euro
T.near(eby.EURUSD.quantity, 0.10 * 1e6, 1e-6, "EURUSD in a EUR fund: quantity = EUR notional")
-- USDJPY in a EUR fund: one dollar is worth 1/EURUSD euros (JPY -> USD -> EUR)
T.near(eby.USDJPY.quantity, 0.20 * 1e6 * eurusd, 1e-3, "USDJPY in a EUR fund")
T.near(eby.USDJPY.notional, 0.20 * 1e6, 0.01, "notional in euros")
eur:cleanup()
fx:cleanup()
T.finish("test_rebalance_fx")
