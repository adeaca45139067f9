-- folio.matrix through the host: construction, accessors, arithmetic, errors.
local T = dofile((arg[0]:match("^(.*)/") or ".") .. "/testlib.lua")
local folio = require "folio"

local m = folio.matrix{ {1, 2}, {3, 0/0}, {5, 6}, rows = {"d1", "d2", "d3"}, cols = {"AAA", "BBB"} }
local r, c = m:shape()
T.eq(r, 3, "rows"); T.eq(c, 2, "cols")
T.eq(m:get(1, 1), 1, "get by index")
T.eq(m:get("d3", "BBB"), 6, "get by labels")
T.eq(m:get(2, "BBB"), nil, "missing is nil")
T.eq(table.concat(m:rows(), ","), "d1,d2,d3", "row labels")
T.eq(table.concat(m:symbols(), ","), "AAA,BBB", "symbols")
T.eq(table.concat(m:dates(), ","), "d1,d2,d3", "dates")
local mean = m:mean()
T.near(mean.AAA, 3, 1e-15, "mean AAA"); T.near(mean.BBB, 4, 1e-15, "mean skips missing")
local m2 = m * 2
T.eq(m2:get(3, 2), 12, "m * 2"); T.eq(m2:get(2, 2), nil, "missing stays missing")
T.eq((0.5 * m):get(1, 2), 1, "k * m")
T.eq(table.concat(m2:cols(), ","), "AAA,BBB", "labels kept by *")
local t = m:tail(2)
T.eq(select(1, t:shape()), 2, "tail rows"); T.eq(t:get(1, 1), 3, "tail first"); T.eq(t:dates()[1], "d2", "tail labels")
T.eq(select(1, m:tail(10):shape()), 3, "tail(n > rows) = all rows")
T.eq(m:head(1):get(1, 2), 2, "head")
T.eq(select(1, m:tail(0):shape()), 0, "tail(0)")
local col = m:column("BBB")
T.eq(col[1], 2); T.eq(col[2], nil); T.eq(col[3], 6)
T.eq(tostring(m), "folio.matrix(3 x 2)", "tostring shows shape, no address")
T.eq(getmetatable(m), "locked", "metatable locked")
local d = folio.matrix{ {1}, {2} }
T.eq(d:cols()[1], "1", "default labels")

-- returns
local p = folio.matrix{ {0/0, 10}, {100, 11}, {110, 0/0}, {121, 12.1}, rows = {"a", "b", "c", "d"}, cols = {"X", "Y"} }
local rs = p:returns("simple")
T.eq(select(1, rs:shape()), 3, "returns rows (first all-missing row dropped? no: row b has Y)")
T.eq(rs:dates()[1], "b")
T.eq(rs:get("b", "X"), nil, "NaN when previous price missing")
T.near(rs:get("b", "Y"), 11 / 10 - 1, 0, "simple return exact")
T.near(rs:get("c", "X"), 110 / 100 - 1, 0)
T.eq(rs:get("d", "Y"), nil, "NaN when previous missing")
local lr = p:returns("log")
T.near(lr:get("d", "X"), math.log(121 / 110), 1e-15, "log return")
local q = folio.matrix{ {0/0, 0/0}, {0/0, 0/0}, {1, 2}, {2, 4}, cols = {"X", "Y"} }
T.eq(select(1, q:returns():shape()), 1, "all-missing rows dropped")
local g = folio.matrix{ {1, 2, 5}, {2, 4, 5}, {0/0, 0/0, 0/0}, {3, 6, 0/0}, {6, 3, 10},
                       rows = {"a", "b", "c", "d", "e"}, cols = {"X", "Y", "Z"} }
local gr = g:returns("simple")
T.eq(select(1, gr:shape()), 2, "rows with no return dropped in the middle")
T.eq(table.concat(gr:dates(), ","), "b,e", "the kept rows keep their labels")
T.eq(gr:get("b", "X"), 1.0); T.eq(gr:get("b", "Y"), 1.0); T.eq(gr:get("b", "Z"), 0.0)
T.eq(gr:get("e", "X"), 1.0); T.eq(gr:get("e", "Y"), -0.5); T.eq(gr:get("e", "Z"), nil, "NaN after a missing price")

-- errors
T.raises(function() return folio.matrix{ {1, 2}, {3} } end, {"row 2 has 1 values"})
T.raises(function() return folio.matrix{ {1, "x"} } end, {"row 1, column 2 must be a number"})
T.raises(function() return folio.matrix{ {1, math.huge} } end, {"infinite"})
T.raises(function() return folio.matrix{ {1, 2}, cols = {"A", "A"} } end, {"label 'A' twice"})
T.raises(function() return folio.matrix{ {1, 2}, cols = {"A"} } end, {"cols has 1 labels for 2 columns"})
T.raises(function() return folio.matrix{ {1, 2}, cols = {"A", ""} } end, {"empty label"})
T.raises(function() return folio.matrix{ {1}, colz = {"A"} } end, {"unknown key 'colz'"})
T.raises(function() return folio.matrix(2 ^ 31, 2 ^ 31) end, {"table expected"})
T.raises(function() return m:get(0, 1) end, {"out of range"})
T.raises(function() return m:get(4, 1) end, {"out of range"})
T.raises(function() return m:get(-1, 1) end, {"out of range"})
T.raises(function() return m:get(math.maxinteger, 1) end, {"out of range"})
T.raises(function() return m:get(1, "ZZZ") end, {"no column labelled 'ZZZ'"})
T.raises(function() return m:get(1.5, 1) end, {"integer index or label"})
T.raises(function() return m * "x" end, {"multiply by a number"})
T.raises(function() return m * math.huge end, {"finite"})
T.raises(function() return m:tail(-1) end, {">= 0"})
T.raises(function() return p:returns("weird") end, {"invalid option 'weird'"})
T.raises(function() return folio.matrix{ {1, -1}, {2, 3} }:returns() end, {"returns:", "not > 0", "symbol 2"})
T.raises(function() return folio.matrix{ {1} }:returns() end, {"at least 2 rows"})
T.raises(function() return folio.matrix{ {0/0}, {0/0}, cols = {"Q"} }:mean() end, {"Q"})

-- m:select(cols) without the optional last_rows (it used to raise "bad argument
-- #2 to 'select' (number expected, got userdata)": a scratch buffer sat in slot 3)
do
  local s = m:select({"BBB", "AAA"})
  local sr, sc = s:shape()
  T.eq(sr, 3, "select: all rows"); T.eq(sc, 2, "select: two columns")
  T.eq(table.concat(s:cols(), ","), "BBB,AAA", "select: column order")
  T.eq(s:get("d3", "BBB"), 6, "select: values"); T.eq(s:get(2, 1), nil, "select: missing kept")
  T.eq(table.concat(s:rows(), ","), "d1,d2,d3", "select: row labels")
  local s1 = m:select({2})
  T.eq(select(2, s1:shape()), 1, "select by index"); T.eq(s1:get(1, 1), 2, "select by index: value")
  local s2 = m:select({"AAA"}, 2)
  T.eq(select(1, s2:shape()), 2, "select with last_rows"); T.eq(s2:get(1, 1), 3, "select last_rows: first")
  T.eq(select(1, m:select({"AAA"}, nil):shape()), 3, "select with last_rows = nil")
  T.raises(function() return m:select({"AAA"}, "x") end, {"bad argument #2 to 'select'"})
  T.raises(function() return m:select({"AAA"}, -1) end, {"row count must be >= 0"})
end

-- slice(first, last): rows first..last, labels kept; spans(): each column's
-- first and last present row, a gap inside and the first value not > 0;
-- digest(): the shape, labels and values
do
  local nan = 0 / 0
  local p = folio.matrix{ rows = { "d1", "d2", "d3", "d4", "d5" }, cols = { "A", "B", "C", "D" },
    { 1, nan, nan, nan }, { 2, 5, -1, nan }, { 3, nan, 4, nan }, { 4, 6, 0, nan }, { nan, 7, 8, nan } }
  local s = p:slice(2, 4)
  T.eq((s:shape()), 3, "slice rows"); T.eq(s:dates()[1], "d2"); T.eq(s:dates()[3], "d4"); T.eq(s:get(3, "A"), 4)
  T.eq(p:slice(5, 5):get(1, "C"), 8, "a one-row slice")
  T.raises(function() return p:slice(0, 2) end, { "rows 0..2", "1 <= first <= last <= 5" })
  T.raises(function() return p:slice(3, 2) end, { "rows 3..2" })
  T.raises(function() return p:slice(1, 6) end, { "rows 1..6" })
  T.raises(function() return p:slice(1) end, { "bad argument #2" })
  local sp = p:spans()
  T.eq(sp.A.first, 1); T.eq(sp.A.last, 4); T.eq(sp.A.gap, nil, "a trailing gap is no gap"); T.eq(sp.A.bad, nil)
  T.eq(sp.B.first, 2); T.eq(sp.B.last, 5); T.eq(sp.B.gap, 3, "the first missing row inside B")
  T.eq(sp.C.bad, 2, "the first value not > 0 (-1)"); T.eq(sp.C.gap, nil)
  T.eq(sp.D.first, nil, "an empty column has no first"); T.eq(sp.D.last, nil)
  local row = p:row(2, { "A", "C", "D" })
  T.eq(row.A, 2); T.eq(row.C, -1); T.eq(row.D, nil, "a missing value is absent")
  T.eq(p:row("d5", { "B" }).B, 7, "a row by its label")
  T.eq(next(p:row(1, {})), nil, "no symbols: an empty table")
  T.raises(function() return p:row(6, { "A" }) end, { "row index 6 out of range" })
  T.raises(function() return p:row(1, { "Z" }) end, { "no column labelled 'Z'" })
  T.raises(function() return p:row(1, { "A", 3 }) end, { "symbols[2] must be a string" })
  T.raises(function() return p:row(1) end, { "bad argument #2 to 'row'" })
  local d = p:digest()
  T.check(type(d) == "string" and #d == 16 and d:match("^%x+$"), "digest: 16 hex digits")
  T.eq(p:slice(1, 5):digest(), d, "the same values: the same digest")
  T.check(p:slice(1, 4):digest() ~= d, "fewer rows: another digest")
  local q = folio.matrix{ rows = { "d1", "d2", "d3", "d4", "d5" }, cols = { "A", "B", "C", "D" },
    { 1, nan, nan, nan }, { 2, 5, -1, nan }, { 3, nan, 4, nan }, { 4, 6, 0, nan }, { nan, 7, 8.000000000000002, nan } }
  T.check(q:digest() ~= d, "one value one ulp away: another digest")
  local r = folio.matrix{ rows = { "d1", "d2", "d3", "d4", "d5" }, cols = { "A", "B", "C", "E" },
    { 1, nan, nan, nan }, { 2, 5, -1, nan }, { 3, nan, 4, nan }, { 4, 6, 0, nan }, { nan, 7, 8, nan } }
  T.check(r:digest() ~= d, "another label: another digest")
end

T.finish("test_matrix")
