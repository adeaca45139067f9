-- folio.data, folio.capacity, folio.holding and folio.format through the host.
local T = dofile((arg[0]:match("^(.*)/") or ".") .. "/testlib.lua")
local folio = require "folio"

-- read_csv: good file, then every kind of bad file with file:line:column
local good = T.tmpfile("date,AAA,BBB\n2024-01-02,10,\n2024-01-03,11,20\n2024-01-04,12.5,21\n")
local P = folio.data.read_csv(good)
T.eq(select(1, P:shape()), 3); T.eq(select(2, P:shape()), 2)
T.eq(P:get("2024-01-02", "BBB"), nil, "empty cell is missing")
T.eq(P:get(3, "AAA"), 12.5)
T.eq(folio.data.read_csv{path = good}:get(1, 1), 10, "named-argument form")
local function bad(text, needles)
  local path = T.tmpfile(text)
  if type(needles) == "string" then needles = {needles} end
  table.insert(needles, 1, path)
  T.raises(function() return folio.data.read_csv(path) end, needles)
end
bad("date,A,B\n2024-01-02,1,2\n2024-01-03,1\n", {":3:"})
bad("date,A\n2024-01-02,abc\n", {":2:2"})
bad("date,A\n2024-01-02,NaN\n", {":2:2", "NaN"})
bad("date,A\n2024-01-02,inf\n", {":2:2"})
bad("date,A\n2024-02-30,1\n", {":2:1"})
bad("date,A\n2024-01-03,1\n2024-01-02,1\n", {":3:1"})
bad("date,A,A\n2024-01-02,1,2\n", {"A"})
bad("date,A,\n2024-01-02,1,2\n", {":1:3"})
bad("", {})
T.raises(function() folio.data.read_csv("/nonexistent/prices.csv") end, {"/nonexistent/prices.csv"})
T.raises(function() folio.data.read_csv{} end, {"path is required"})
T.raises(function() folio.data.read_csv{path = good, sep = ";"} end, {"unknown key 'sep'"})

-- market data and capacity
local prices = T.tmpfile("date,AAA,BBB\n2024-01-02,10,100\n2024-01-03,10,100\n2024-01-04,10,\n2024-01-05,20,100\n")
local volumes = T.tmpfile("date,AAA,BBB\n2024-01-02,1000,50\n2024-01-03,3000,50\n2024-01-04,1000,\n2024-01-05,500,50\n")
local md = folio.data.read_market{prices = prices, volumes = volumes}
T.eq(table.concat(md:symbols(), ","), "AAA,BBB")
T.eq(tostring(md), "folio.market(4 dates x 2 symbols)")
-- AAA: last 2 days ADV = (10*1000 + 20*500) / 2 = 10000; 1% = 100.00
local cap = md:position_capacity{symbol = "AAA", nav_usd = 1000, fraction_of_adv = 0.01, adv_lookback_days = 2}
T.near(cap.adv_usd, 10000, 1e-9); T.eq(cap.cap_usd, 100); T.near(cap.cap_weight, 0.1, 1e-15); T.eq(cap.cap_cents, 10000)
-- BBB skips the missing day: last 2 present rows are 01-03 and 01-05
local capb = folio.capacity.position_capacity{market = md, symbol = "BBB", nav_usd = 1000, adv_lookback_days = 2}
T.near(capb.adv_usd, 5000, 1e-9); T.eq(capb.cap_usd, 50)
local capped, report = folio.capacity.apply{weights = {AAA = 0.3, BBB = -0.01}, market = md, nav_usd = 1000,
  fraction_of_adv = 0.01, adv_lookback_days = 2}
T.near(capped.AAA, 0.1, 1e-15, "truncated to cap"); T.eq(report.AAA.bound, true)
T.eq(capped.BBB, -0.01, "under cap unchanged"); T.eq(report.BBB.bound, false)
-- every name in one call: the same records, keyed by symbol
local many = md:position_capacity{symbols = {"AAA", "BBB"}, nav_usd = 1000, fraction_of_adv = 0.01, adv_lookback_days = 2}
T.eq(many.AAA.cap_usd, cap.cap_usd); T.eq(many.AAA.adv_usd, cap.adv_usd); T.eq(many.BBB.symbol, "BBB")
T.eq(next(md:position_capacity{symbols = {}, nav_usd = 1000}), nil, "no symbols: an empty table")
T.raises(function() md:position_capacity{symbols = {"AAA", "ZZZ"}, nav_usd = 1000, adv_lookback_days = 2} end, {"'ZZZ'"})
T.raises(function() md:position_capacity{symbols = {"AAA", 3}, nav_usd = 1000, adv_lookback_days = 2} end, {"symbols[2] must be a string"})
T.raises(function() md:position_capacity{symbols = "AAA", nav_usd = 1000} end, {"symbols must be a list"})
T.raises(function() md:position_capacity{symbol = "AAA", symbols = {"AAA"}, nav_usd = 1000} end, {"not both"})
T.raises(function() md:position_capacity{nav_usd = 1000} end, {"symbol is required (or symbols"})
-- short = "mark": a name with too short a history is marked, not an error
local marked = md:position_capacity{symbols = {"AAA", "BBB"}, short = "mark", nav_usd = 1000, adv_lookback_days = 4}
T.eq(marked.AAA.cap_usd, md:position_capacity{symbol = "AAA", nav_usd = 1000, adv_lookback_days = 4}.cap_usd, "AAA has 4 rows: a record")
T.check(marked.BBB.short and marked.BBB.short:find("BBB has 3 rows with both price and volume", 1, true), "BBB marked short: " .. tostring(marked.BBB.short))
T.eq(marked.BBB.cap_usd, nil, "a short name has no cap")
T.raises(function() md:position_capacity{symbols = {"BBB"}, nav_usd = 1000, adv_lookback_days = 4} end, {"BBB has 3 rows"})
T.raises(function() md:position_capacity{symbols = {"AAA"}, short = "skip", nav_usd = 1000} end, {"short must be \"mark\""})
T.raises(function() md:position_capacity{symbol = "AAA", short = "mark", nav_usd = 1000} end, {"goes with symbols"})
T.raises(function() md:position_capacity{symbols = {"ZZZ"}, short = "mark", nav_usd = 1000} end, {"'ZZZ'"})
T.raises(function() md:position_capacity{symbol = "ZZZ", nav_usd = 1000} end, {"'ZZZ'"})
T.raises(function() md:position_capacity{symbol = "AAA", nav_usd = 0} end, {"nav_usd must be > 0"})
T.raises(function() md:position_capacity{symbol = "AAA", nav_usd = 1, fraction_of_adv = 2} end, {"fraction_of_adv"})
T.raises(function() md:position_capacity{symbol = "AAA", nav_usd = 1, adv_lookback_days = 0} end, {"adv_lookback_days"})
T.raises(function() md:position_capacity{symbol = "AAA", nav_usd = 1, adv_lookback_days = 5} end, {"AAA"})
T.raises(function() md:position_capacity{nav_usd = 1} end, {"symbol is required"})
T.raises(function() folio.capacity.position_capacity{symbol = "AAA", nav_usd = 1} end, {"market is required"})
local negvol = T.tmpfile("date,AAA,BBB\n2024-01-02,10,100\n2024-01-03,10,100\n2024-01-04,10,\n2024-01-05,20,-100\n")
T.raises(function() folio.data.read_market{prices = negvol, volumes = volumes} end, {"BBB"})
local zerovol = T.tmpfile("date,AAA,BBB\n2024-01-02,0,50\n2024-01-03,3000,50\n2024-01-04,1000,\n2024-01-05,500,50\n")
T.raises(function() folio.data.read_market{prices = prices, volumes = zerovol} end, {"AAA"})
local other = T.tmpfile("date,AAA,CCC\n2024-01-02,1,1\n2024-01-03,1,1\n2024-01-04,1,\n2024-01-05,1,1\n")
T.raises(function() folio.data.read_market{prices = prices, volumes = other} end, {"market"})

-- holding buckets
T.eq(folio.holding.bucket("weekly").min_days, 5)
T.eq(folio.holding.bucket("weekly").max_days, 21)
T.eq(folio.holding.bucket("intraday").min_days, 0)
T.eq(folio.holding.classify(0).name, "intraday")
T.eq(folio.holding.classify(4).name, "daily")
T.eq(folio.holding.classify(5).name, "weekly")
T.eq(folio.holding.classify(21).name, "monthly")
T.eq(folio.holding.classify(62).name, "monthly")
T.eq(folio.holding.classify(63).name, "quarterly")
T.eq(folio.holding.classify(300).name, "yearly")
T.eq(#folio.holding.buckets(), 6)
T.raises(function() folio.holding.bucket("fortnightly") end, {"fortnightly"})
T.raises(function() folio.holding.classify(-1) end, {"classify"})
T.raises(function() folio.holding.classify(0/0) end, {"classify"})

-- formatting is sorted and stable
local text = folio.format_weights({ZZZ = -0.25, AAA = 0.5, MMM = 0.25})
T.eq(text, "symbol      weight\nAAA       0.500000\nMMM       0.250000\nZZZ      -0.250000\ngross     1.000000\nnet       0.500000\n")
T.raises(function() folio.format_weights({A = "x"}) end, {"A"})
local tbl = folio.format_table{columns = {"symbol", "w"}, rows = {{symbol = "A", w = 0.5}, {symbol = "BB", w = -1}}}
T.eq(tbl, "symbol         w\n------  --------\nA       0.500000\nBB            -1\n", "format_table")
T.check(tbl:find("^symbol") ~= nil, "format_table header first")
T.raises(function() folio.format_table{columns = {}, rows = {}} end, {"columns"})
T.raises(function() folio.format_table{columns = {"a"}, rows = {}, colour = 1} end, {"unknown key 'colour'"})

-- market and helpers: wrong types
T.raises(function() folio.data.market{prices = {}, volumes = {}} end, {"prices must be a folio.matrix"})
T.raises(function() folio.data.market{prices = P} end, {"volumes is required"})
T.raises(function() folio.data.read_market{prices = prices} end, {"required"})
T.raises(function() folio.sorted_symbols(5) end, {"sorted_symbols", "table expected"})
T.eq(table.concat(folio.sorted_symbols({b = 1, a = 2}), ","), "a,b")
T.raises(function() folio.format_weights({A = 1}, {digits = 40}) end, {"digits"})
T.raises(function() folio.format_weights({A = 1}, {colour = true}) end, {"unknown key 'colour'"})
-- the options are argument #2, checked like every named-argument table: the
-- first unknown key in sorted order, whatever the traversal order
for _ = 1, 20 do
  local opts = {digits = 2}
  for i = 1, 8 do opts["zz" .. i] = true end
  opts.aa = true
  T.raises(function() folio.format_weights({A = 1}, opts) end,
    {"bad argument #2 to 'format_weights' (unknown key 'aa' (expected one of: digits, total))"})
end
T.raises(function() folio.format_weights({A = 1}, {true}) end,
  {"bad argument #2 to 'format_weights' (unexpected positional value #1; use named arguments)"})
T.raises(function() folio.format_weights({A = 1}, "x") end,
  {"bad argument #2 to 'format_weights' (table of named arguments expected, got string)"})
T.raises(function() folio.format_weights({A = 1}, {digits = 1.5}) end,
  {"bad argument #2 to 'format_weights' (digits must be a whole number in 0..17)"})
do -- the first bad weight in sorted order, whatever the traversal order
  local w = {AAA = "x", [1] = 0.5}
  for i = 1, 8 do w["Z" .. i] = "y" end
  T.raises(function() folio.format_weights(w) end, {"bad argument #1 to 'format_weights' (weights key 1 is not a symbol)"})
  w[1] = nil
  T.raises(function() folio.format_weights(w) end,
    {"bad argument #1 to 'format_weights' (weights.AAA is a string, expected a number)"})
end
T.raises(function() folio.format_weights(nil) end, {"format_weights"})
T.raises(function() folio.holding.bucket() end, {"bucket"})
T.raises(function() folio.holding.classify("soon") end, {"classify"})
-- keys that are tables with hostile __tostring are named by type, never converted
local evil = setmetatable({}, {__tostring = function() error("must not be called") end})
T.raises(function() folio.sizers.fixed_weight{weights = {[evil] = 1}} end, {"key of type table"})
T.raises(function() folio.matrix{ {1}, [evil] = 1 } end, {"key of type table"})

-- folio.data.csv_row: RFC 4180 fields through libcsv
T.eq(folio.data.csv_row{ "AAPL", "SELL", "225" }, "AAPL,SELL,225", "plain fields unchanged")
T.eq(folio.data.csv_row{ "USD,JPY", 'A"B', "", " x" }, '"USD,JPY","A""B",," x"', "quoted where RFC 4180 needs it")
T.eq(folio.data.csv_row{}, "", "no fields")
T.raises(function() folio.data.csv_row{ "a", 1 } end, { "csv_row", "field #2 is a number" })
T.raises(function() folio.data.csv_row{ "a", x = "b" } end, { "csv_row", "array of strings" })
T.raises(function() folio.data.csv_row("a") end, { "table expected" })
T.finish("test_data")
