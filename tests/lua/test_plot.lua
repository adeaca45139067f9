-- tests/lua/test_plot.lua — folio.plot: every document is well-formed XML
-- (a small checker below: tag balance, quoted attributes, entities, one
-- root), has one series element per series in order, a legend, an escaped
-- title, finite coordinates inside the viewBox; a tiny chart's points by
-- hand; byte-identical output on repeat; each bad input's message; a stacked
-- area with mixed signs; 5,000 x 50 in well under a second; xmllint when
-- installed.
local T = dofile((arg[0]:match("^(.*)/") or ".") .. "/testlib.lua")
local plot = folio.plot

-- ---- a small XML checker ------------------------------------------------------

local svg = dofile((arg[0]:match("^(.*)/") or ".") .. "/svgcheck.lua")(T)
local parse_xml, find_all, has_class, coords_inside, check_doc, series_of, legend_of, names =
  svg.parse_xml, svg.find_all, svg.has_class, svg.coords_inside, svg.check_doc, svg.series_of, svg.legend_of, svg.names

-- the checker itself
T.check(parse_xml('<a x="1"><b/>t &amp; u</a>'), "checker accepts a small document")
T.check(not parse_xml('<a><b></a></b>'), "checker: crossed tags")
T.check(not parse_xml('<a x=1/>'), "checker: unquoted attribute")
T.check(not parse_xml('<a/><b/>'), "checker: two roots")
T.check(not parse_xml('<a>x & y</a>'), "checker: raw &")
T.check(not parse_xml('<a x="1" x="2"/>'), "checker: repeated attribute")
T.check(not parse_xml('<a>'), "checker: unclosed")

-- ---- a small line chart ---------------------------------------------------------

local X5 = { "2024-01-01", "2024-01-02", "2024-01-03", "2024-01-04", "2024-01-05" }
local args = {
  title = [[Equity & "drawdown" <fund 'A'>]], x = X5, y_label = "NAV",
  series = {
    { name = "fund", values = { 1.0, 1.02, 0.99, 1.05, 1.10 } },
    { name = "bench & co", values = { 1.0, 1.01, 1.00, 1.02, 1.03 } },
    { name = "<cash>", values = { 1.0, 1.0, 1.0, 1.0, 1.0 } },
  },
}
local line = plot.line(args)
local root = check_doc(line, "line")
T.check(line:find([[<title>Equity &amp; &quot;drawdown&quot; &lt;fund &apos;A&apos;&gt;</title>]], 1, true), "title escaped")
T.eq(root.children[1].text, args.title, "title reads back")
local s = series_of(root)
T.eq(#s, 3, "one series element per series")
T.eq(names(s), "fund|bench & co|<cash>", "series in order, by data-name")
for _, el in ipairs(s) do T.eq(el.name, "polyline", "line series are polylines") end
T.eq(names(legend_of(root)), "fund|bench & co|<cash>", "legend in order")
local legend_text = {}
for i, el in ipairs(legend_of(root)) do legend_text[i] = el.children[2].text end
T.eq(table.concat(legend_text, "|"), "fund|bench & co|<cash>", "legend texts")
T.eq(root.attrs.width, "900", "default width")
T.eq(root.attrs.height, "360", "default height")
T.eq(plot.line(args), line, "deterministic: same input, same bytes")
local x_labels = find_all(root, function(el) return el.name == "text" and el.text:match("^2024%-") end)
T.eq(#x_labels, 5, "five x points, five labels")
T.check(line:find(">NAV</text>", 1, true), "y label drawn")
T.eq(#series_of(root)[1].attrs.stroke, 7, "a colour")
T.check(series_of(root)[1].attrs.stroke ~= series_of(root)[2].attrs.stroke, "distinct colours")

-- y of known points by hand: 900 x 360 with one legend row — plot area
-- x 64..864 (LEFT 64, RIGHT 36), y 32 (TOP) .. 360 - 28 (BOTTOM) - 22
-- (a legend row of 16 and its gap of 6) = 310; values {0, 10} get the ticks
-- 0, 2, ..., 10, so 0 is the bottom and 10 the top.
local tiny = check_doc(plot.line{ x = { "a", "b" }, series = { { name = "s", values = { 0, 10 } } } }, "tiny")
T.eq(series_of(tiny)[1].attrs.points, "64.00,310.00 864.00,32.00", "values {0, 10} span the plot area")
local grid = find_all(tiny, function(el) return el.name == "line" and el.attrs.stroke == "#dddddd" end)
T.eq(#grid, 6, "ticks 0, 2, 4, 6, 8, 10")
T.eq(grid[1].attrs.y1, "310.00", "tick 0 at the bottom")
T.eq(grid[6].attrs.y1, "32.00", "tick 10 at the top")
local tick_text = find_all(tiny, function(el) return el.name == "text" and el.attrs["text-anchor"] == "end" end)
T.eq(tick_text[1].text .. " " .. tick_text[6].text, "0 10", "tick labels")
-- a taller chart moves the bottom only
local tall = check_doc(plot.line{ x = { "a", "b" }, height = 500, series = { { name = "s", values = { 0, 10 } } } }, "tall")
T.eq(series_of(tall)[1].attrs.points, "64.00,450.00 864.00,32.00", "height 500: bottom at 500 - 50")

-- percent ticks
local pct = check_doc(plot.line{ x = { "a", "b" }, percent = true, series = { { name = "r", values = { 0, 0.2 } } } }, "percent")
local pct_text = find_all(pct, function(el) return el.name == "text" and el.attrs["text-anchor"] == "end" end)
T.eq(pct_text[1].text .. " " .. pct_text[#pct_text].text, "0% 20%", "percent tick labels")

-- x labels: about 8 evenly spaced, first and last included
local X100 = {}
for i = 1, 100 do X100[i] = string.format("d%03d", i) end
local many = check_doc(plot.line{ x = X100, series = { { name = "s", values = (function()
  local v = {} for i = 1, 100 do v[i] = math.sin(i / 10) end return v end)() } } }, "100 points")
local xl = find_all(many, function(el) return el.name == "text" and el.text:match("^d%d%d%d$") end)
T.check(#xl >= 6 and #xl <= 10, "6 to 10 x labels, got " .. #xl)
T.eq(xl[1].text, "d001", "first x label")
T.eq(xl[#xl].text, "d100", "last x label")

-- ---- degenerate data still renders ----------------------------------------------

for _, kind in ipairs({ "line", "area", "bars" }) do
  local zeros = plot[kind]{ x = X5, series = { { name = "z", values = { 0, 0, 0, 0, 0 } } } }
  local r = check_doc(zeros, kind .. " all zeros")
  if r then T.eq(#series_of(r), 1, kind .. " all zeros: drawn") end
  local single = plot[kind]{ x = { "2024-01-01" }, series = { { name = "a", values = { 5 } }, { name = "b", values = { -2 } } } }
  r = check_doc(single, kind .. " one x point")
  if r then T.eq(names(series_of(r)), "a|b", kind .. " one x point: drawn") end
  local flat = plot[kind]{ x = { "a", "b" }, series = { { name = "f", values = { 1e6, 1e6 } } } }
  check_doc(flat, kind .. " flat non-zero")
  -- flat up to rounding noise, even where a step would need more than 2^53 ticks
  check_doc(plot[kind]{ x = { "a", "b" }, series = { { name = "f", values = { 1e6, 1e6 + 1e-10 } } } }, kind .. " noise")
  check_doc(plot[kind]{ x = { "a", "b" }, series = { { name = "f", values = { 1e300, 1e300 * (1 + 2 ^ -52) } } } }, kind .. " ulp")
  check_doc(plot[kind]{ x = { "a", "b" }, series = { { name = "f", values = { -5e-324, 5e-324 } } } }, kind .. " subnormal")
  check_doc(plot[kind]{ x = { "a", "b" }, series = { { name = "f", values = { 1e-200, 3e-200 } } } }, kind .. " tiny")
  check_doc(plot[kind]{ x = { "a", "b" }, percent = true, series = { { name = "f", values = { 1e200, 3e200 } } } }, kind .. " huge")
end

-- ---- stacked areas ------------------------------------------------------------------

-- y coordinates of a path's points
local function path_ys(el)
  local ys = {}
  for y in el.attrs.d:gmatch(",([%d%.%-]+)") do ys[#ys + 1] = tonumber(y) end
  return ys
end

local area = plot.area{ x = { "a", "b", "c" }, title = "weights", percent = true, series = {
  { name = "long", values = { 0.6, 0.8, 0.7 } },
  { name = "short", values = { -0.2, -0.4, -0.3 } },
  { name = "long2", values = { 0.4, 0.2, 0.3 } },
} }
local ar = check_doc(area, "area")
local bands = series_of(ar)
T.eq(names(bands), "long|short|long2", "area series in order")
for _, el in ipairs(bands) do T.eq(el.name, "path", "area series are paths") end
local zero = find_all(ar, function(el) return has_class(el, "zero") end)[1]
T.check(zero ~= nil, "a zero line when the range crosses 0")
if zero then
  local y0 = tonumber(zero.attrs.y1)
  for _, y in ipairs(path_ys(bands[2])) do T.check(y >= y0, "negative band below the zero line") end
  for _, y in ipairs(path_ys(bands[1])) do T.check(y <= y0, "positive band above the zero line") end
  -- long2 stacks on top of long: its lowest edge is long's top (0.6 at x = a)
  local ys1, ys3 = path_ys(bands[1]), path_ys(bands[3])
  T.eq(ys3[#ys3], ys1[1], "long2 starts where long ends (stacked)")
  -- the negative band reaches below the zero line by its value
  local lowest = math.max(table.unpack(path_ys(bands[2])))
  T.check(lowest > y0, "the short band has depth")
end

-- ---- bars ------------------------------------------------------------------------------

local bar_args = { x = X5, title = "turnover & costs", series = {
  { name = "turnover", values = { 0.1, 0.2, 0.0, 0.15, 0.05 } },
  { name = "costs", values = { -0.01, -0.02, 0, -0.015, -0.005 } },
} }
local stacked = check_doc(plot.bars(bar_args), "bars stacked")
local groups = series_of(stacked)
T.eq(names(groups), "turnover|costs", "bar series in order")
for _, g in ipairs(groups) do
  T.eq(g.name, "g", "bar series are groups")
  T.eq(#g.children, 5, "one rect per x")
end
local bz = find_all(stacked, function(el) return has_class(el, "zero") end)[1]
if T.check(bz ~= nil, "bars: zero line") then
  local y0 = tonumber(bz.attrs.y1)
  for _, r in ipairs(groups[2].children) do T.check(tonumber(r.attrs.y) >= y0 - 0.01, "cost bars below 0") end
  for _, r in ipairs(groups[1].children) do
    T.near(tonumber(r.attrs.y) + tonumber(r.attrs.height), y0, 0.011, "turnover bars stand on 0")
  end
end
bar_args.stacked = false
local grouped = check_doc(plot.bars(bar_args), "bars grouped")
local gg = series_of(grouped)
T.check(tonumber(gg[2].children[1].attrs.x) > tonumber(gg[1].children[1].attrs.x), "grouped bars side by side")
T.eq(plot.bars(bar_args), plot.bars(bar_args), "bars deterministic")

-- ---- figure ---------------------------------------------------------------------------

local fig_args = { title = "Backtest <2024>", panels = {
  { kind = "line", height = 320, title = "equity", x = X5, series = { { name = "fund", values = { 1, 1.1, 1.05, 1.2, 1.3 } } } },
  { kind = "area", height = 160, title = "drawdown", percent = true, x = X5,
    series = { { name = "drawdown", values = { 0, 0, -0.045, 0, 0 } } } },
  { kind = "bars", stacked = false, x = X5, series = bar_args.series },
} }
local fig = plot.figure(fig_args)
local fr = check_doc(fig, "figure")
T.eq(fr.attrs.height, tostring(28 + 320 + 160 + 300), "figure height: title band + panel heights (default 300)")
T.eq(fr.attrs.width, "900", "figure width")
local panels = find_all(fr, function(el) return has_class(el, "panel") end)
T.eq(#panels, 3, "one <g class=panel> per panel")
T.eq(panels[2].attrs["data-kind"], "area", "panel kinds")
T.eq(names(series_of(fr)), "fund|drawdown|turnover|costs", "figure series in order")
T.eq(plot.figure(fig_args), fig, "figure deterministic")
T.check(fig:find("<title>Backtest &lt;2024&gt;</title>", 1, true), "figure title escaped")
local untitled = check_doc(plot.figure{ width = 600, panels = { fig_args.panels[1] } }, "figure untitled")
T.eq(untitled.attrs.height, "320", "no title: the sum of the panel heights")

-- ---- bad input ---------------------------------------------------------------------------

local function one(values, extra)
  local a = { x = { "a", "b", "c" }, series = { { name = "s", values = values or { 1, 2, 3 } } } }
  for k, v in pairs(extra or {}) do a[k] = v end
  return a
end

local X41, V40, V17, ONES, MISSING = {}, {}, {}, {}, {}
for i = 1, 41 do X41[i], V17[i], ONES[i], MISSING[i] = "x" .. i, i, 1, i end
for i = 1, 40 do V40[i] = i end
V17[17], MISSING[17] = 0 / 0, folio.missing
T.raises(function() plot.line{ x = X41, series = { { name = "a", values = ONES }, { name = "momentum", values = V17 } } } end,
  "plot.line: series[2] ('momentum').values[17] is NaN", "NaN named by series, name and index")
T.raises(function() plot.line{ x = X41, series = { { name = "a", values = MISSING }, { name = "b", values = V40 } } } end,
  "plot.line: series[1] ('a').values[17] is NaN", "folio.missing is an error, and the first bad series is named")
T.raises(function() plot.line{ x = X41, series = { { name = "momentum", values = V40 } } } end,
  "plot.line: series[1] ('momentum') has 40 values, x has 41", "length mismatch")
T.raises(function() plot.area(one({ 1, 1 / 0, 3 })) end, "plot.area: series[1] ('s').values[2] is infinite", "inf")
T.raises(function() plot.bars(one({ 1, "2", 3 })) end, "plot.bars: series[1] ('s').values[2] is a string, expected a number", "string value")
T.raises(function() plot.line(one({ 1, nil, 3 })) end, "plot.line: series[1] ('s')", "a hole")
T.raises(function() plot.line{ x = {}, series = { { name = "s", values = {} } } } end, "plot.line: x is empty", "empty x")
T.raises(function() plot.line{ x = { "a", 2 }, series = { { name = "s", values = { 1, 2 } } } } end,
  "plot.line: x[2] is a number, expected a string label", "non-string x label")
T.raises(function() plot.line{ x = { "a" }, series = { { values = { 1 } } } } end, "plot.line: series[1] has no name", "missing name")
T.raises(function() plot.line{ x = { "a" }, series = { { name = "", values = { 1 } } } } end, "series[1] has no name", "empty name")
T.raises(function() plot.line{ x = { "a" }, series = { { name = "a", values = { 1 } }, { name = "b", values = { 1 } }, { name = "a", values = { 2 } } } } end,
  "plot.line: series[3] ('a') has the same name as series[1]", "duplicate names")
T.raises(function() plot.line{ x = { "a" }, series = {} } end, "plot.line: series is empty", "no series")
T.raises(function() plot.line{ x = { "a" } } end, "series must be an array", "series missing")
T.raises(function() plot.line(one(nil, { colour = "red" })) end, { "plot.line", "unknown key 'colour'" }, "unknown key")
T.raises(function() plot.line{ x = { "a" }, series = { { name = "s", values = { 1 }, color = "red" } } } end,
  { "plot.line", "series[1]: unknown key 'color'" }, "unknown series key")
T.raises(function() plot.line(one(nil, { stacked = true })) end, "unknown key 'stacked'", "stacked is for bars")
T.raises(function() plot.bars(one(nil, { stacked = "yes" })) end, "stacked must be a boolean", "stacked type")
T.raises(function() plot.line(one(nil, { percent = 1 })) end, "percent must be a boolean", "percent type")
T.raises(function() plot.line(one(nil, { title = 5 })) end, "title must be a string", "title type")
T.raises(function() plot.line(one(nil, { title = "a\1b" })) end, "plot.line: title holds a control character", "control char")
T.raises(function() plot.line{ x = { "a" }, series = { { name = "\255", values = { 1 } } } } end,
  "plot.line: series[1] name is not valid UTF-8", "bad UTF-8")
for _, bad in ipairs({ 0, -1, 1 / 0, 0 / 0, "900" }) do
  T.raises(function() plot.line(one(nil, { width = bad })) end, { "plot.line", "width must be a positive finite number" }, "width " .. tostring(bad))
  T.raises(function() plot.area(one(nil, { height = bad })) end, { "plot.area", "height must be a positive finite number" }, "height " .. tostring(bad))
end
T.raises(function() plot.line(one(nil, { width = 100 })) end, "plot.line", "width too small for a plot area")
T.raises(function() plot.line(one(nil, { height = 80 })) end, "height 80 is too small for 1 legend row", "height too small")
T.raises(function() plot.line(5) end, "table of named arguments expected", "not a table")
T.raises(function() plot.line(one({ -1e308, 1e308, 0 })) end, "too wide or too narrow", "a range that overflows")
-- the caller's line is named
local ok, err = pcall(plot.line, one(nil, { width = -1 }))
T.check(not ok and not tostring(err):find("%[folio%.plot%]"), "error points at the caller, not plot.lua: " .. tostring(err))

-- figure
T.raises(function() plot.figure{ panels = {} } end, "plot.figure: panels is empty", "no panels")
T.raises(function() plot.figure{ panels = { { kind = "pie", x = { "a" }, series = { { name = "s", values = { 1 } } } } } } end,
  "panels[1].kind must be \"line\", \"area\" or \"bars\", got \"pie\"", "bad kind")
T.raises(function() plot.figure{ panels = { fig_args.panels[1], { kind = "area", x = { "a" }, series = { { name = "s", values = { 0 / 0 } } } } } } end,
  "plot.figure: panels[2].series[1] ('s').values[1] is NaN", "panel data named")
T.raises(function() plot.figure{ panels = { { kind = "line", width = 5, x = { "a" }, series = { { name = "s", values = { 1 } } } } } } end,
  "panels[1]: unknown key 'width'", "panels share the figure's width")
T.raises(function() plot.figure{ panels = { { kind = "line", stacked = true, x = { "a" }, series = { { name = "s", values = { 1 } } } } } } end,
  "panels[1].stacked applies to kind = \"bars\" only", "stacked on a line panel")
T.raises(function() plot.figure{ width = 0, panels = { fig_args.panels[1] } } end, "width must be a positive finite number", "figure width")
T.raises(function() plot.figure{ panels = { { kind = "line", height = -3, x = { "a" }, series = { { name = "s", values = { 1 } } } } } } end,
  "panels[1].height must be a positive finite number", "panel height")

-- ---- 5,000 x 50 --------------------------------------------------------------------------

local BX, BS = {}, {}
for i = 1, 5000 do BX[i] = string.format("%04d-%02d-%02d", 2000 + i // 365, 1 + (i // 28) % 12, 1 + i % 28) end
for j = 1, 50 do
  local v = {}
  for i = 1, 5000 do v[i] = math.sin(i * 0.01 + j) * (j % 3 - 1) * 0.1 + j * 0.001 end
  BS[j] = { name = string.format("sleeve_%02d", j), values = v }
end
for _, kind in ipairs({ "line", "area", "bars" }) do
  -- speed is measured in bench/, never asserted here
  local big = plot[kind]{ x = BX, series = BS, height = 600, title = "big " .. kind }
  local r = check_doc(big, "big " .. kind)
  if r then T.eq(#series_of(r), 50, "big " .. kind .. ": 50 series") end
end

-- ---- xmllint, when installed -------------------------------------------------------------

local has_xmllint = os.execute("command -v xmllint >/dev/null 2>&1")
if has_xmllint then
  local path = T.tmpfile(fig)
  T.check(os.execute("xmllint --noout '" .. path .. "'"), "xmllint --noout accepts the figure")
  local path2 = T.tmpfile(area)
  T.check(os.execute("xmllint --noout '" .. path2 .. "'"), "xmllint --noout accepts the area chart")
else
  print("skipped: xmllint not installed")
end

T.finish("test_plot")
