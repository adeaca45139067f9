-- tests/lua/test_plot_charts.lua — folio.plot.frontier and folio.plot.dendrogram
-- through svgcheck.lua: well-formed documents with coordinates inside the
-- viewBox; the frontier's one curve, one labelled point per asset, both
-- portfolio markers and the legend, volatility on x and return on y; the
-- dendrogram's leaves in folio.hrp's order and one link per merge at its
-- distance; byte-identical output on repeat; each bad input's message,
-- including trees that are not folio.hrp's; xmllint when installed.
local T = dofile((arg[0]:match("^(.*)/") or ".") .. "/testlib.lua")
local svg = dofile((arg[0]:match("^(.*)/") or ".") .. "/svgcheck.lua")(T)
local plot = folio.plot
local find_all, has_class, check_doc, series_of, legend_of, names =
  svg.find_all, svg.has_class, svg.check_doc, svg.series_of, svg.legend_of, svg.names

local function of_class(root, class) return find_all(root, function(el) return has_class(el, class) end) end
local function pairs_of(s)
  local out = {}
  for x, y in s:gmatch("([%d.%-]+),([%d.%-]+)") do out[#out + 1] = { tonumber(x), tonumber(y) } end
  return out
end

-- ---- the frontier ----------------------------------------------------------------------

local curve = {}
for i = 1, 20 do
  local r = 0.04 + 0.005 * i
  curve[i] = { volatility = 0.08 + 0.2 * (r - 0.045) ^ 2 * 40, expected_return = r, weights = { A = 1 }, sharpe = 1 }
end
local assets = {
  { name = "AAPL", volatility = 0.28, expected_return = 0.13 },
  { name = "B&B <co>", volatility = 0.12, expected_return = 0.05 },
  { name = "CASH", volatility = 0.0, expected_return = 0.02 },
}
local args = { title = "Efficient frontier & assets", curve = curve, assets = assets,
  min_volatility = curve[1], max_sharpe = curve[9] }
local doc = plot.frontier(args)
local root = check_doc(doc, "frontier")
T.eq(root.attrs.width, "900", "default width")
T.eq(root.attrs.height, "560", "default height")
T.eq(root.children[1].text, args.title, "title reads back")
local s = series_of(root)
T.eq(#s, 1, "one curve")
T.eq(s[1].name, "polyline", "the curve is a polyline")
T.eq(s[1].attrs["data-name"], "efficient frontier", "the curve's name")
local pts = pairs_of(s[1].attrs.points)
T.eq(#pts, 20, "one vertex per curve point")
local monotone = true
for i = 2, #pts do monotone = monotone and pts[i][1] > pts[i - 1][1] and pts[i][2] < pts[i - 1][2] end
T.check(monotone, "volatility grows to the right, return upwards (y decreases)")
local a = of_class(root, "asset")
T.eq(#a, 3, "one point per asset")
T.eq(names(a), "AAPL|B&B <co>|CASH", "assets in order")
for i, el in ipairs(a) do
  T.eq(el.children[1].name, "circle", "asset " .. i .. " is a circle")
  T.eq(el.children[2].name, "text", "asset " .. i .. " has a label")
  T.eq(el.children[2].text, assets[i].name, "asset " .. i .. "'s label")
end
T.check(tonumber(a[1].children[1].attrs.cx) > tonumber(a[2].children[1].attrs.cx), "AAPL right of B&B (more volatile)")
T.check(tonumber(a[1].children[1].attrs.cy) < tonumber(a[2].children[1].attrs.cy), "AAPL above B&B (higher return)")
T.eq(tonumber(a[3].children[1].attrs.cx), 64, "zero volatility on the left edge (the x axis starts at 0)")
local m = of_class(root, "marker")
T.eq(#m, 2, "two markers")
T.eq(names(m), "min volatility|max Sharpe", "markers named")
-- a marker is centred on its portfolio: the diamond's corners 2 and 4, the star's points average
local function centre(el)
  local p, sx, sy = pairs_of(el.attrs.d), 0, 0
  for _, q in ipairs(p) do sx, sy = sx + q[1], sy + q[2] end
  return sx / #p, sy / #p
end
local mx, my = centre(m[1])
T.near(mx, pts[1][1], 0.011, "min volatility marker at curve point 1 (x)")
T.near(my, pts[1][2], 0.011, "min volatility marker at curve point 1 (y)")
mx, my = centre(m[2])
T.near(mx, pts[9][1], 0.02, "max Sharpe marker at curve point 9 (x)")
T.near(my, pts[9][2], 0.5, "max Sharpe marker at curve point 9 (y; a star's centroid is near its centre)")
T.eq(names(legend_of(root)), "efficient frontier|assets|min volatility|max Sharpe", "legend")
T.check(doc:find(">volatility</text>", 1, true) and doc:find(">expected return</text>", 1, true), "axis titles")
local ticks = find_all(root, function(el) return el.name == "text" and el.text:match("%%$") end)
T.check(#ticks >= 6, "percent tick labels by default")
T.eq(plot.frontier(args), doc, "deterministic: same input, same bytes")
T.check(doc:find("B&amp;B &lt;co&gt;", 1, true), "asset names escaped")

local bare = plot.frontier{ curve = curve, percent = false, width = 500, height = 300 }
local broot = check_doc(bare, "bare frontier")
T.eq(names(legend_of(broot)), "efficient frontier", "no assets, no markers: the curve alone in the legend")
T.eq(#of_class(broot, "asset") + #of_class(broot, "marker"), 0, "nothing else drawn")
T.check(not bare:find("%</text>", 1, true), "percent = false: plain tick labels")
check_doc(plot.frontier{ curve = { { volatility = 0.1, expected_return = 0.05 } } }, "one-point frontier")

-- the frontier's bad inputs, each named
local function fr(over)
  local t = { curve = curve, assets = assets, min_volatility = curve[1], max_sharpe = curve[9] }
  for k, v in pairs(over) do t[k] = v end
  return function() return plot.frontier(t) end
end
local NaN = 0 / 0
T.raises(fr{ curve = {} }, { "plot.frontier: curve is empty" }, "empty curve")
T.raises(fr{ curve = 3 }, { "plot.frontier", "curve must be an array" }, "curve a number")
T.raises(fr{ curve = { curve[1], { volatility = 0.1, expected_return = NaN } } },
  { "plot.frontier: curve[2].expected_return is NaN" }, "NaN return")
T.raises(fr{ curve = { { volatility = math.huge, expected_return = 0.1 } } },
  { "curve[1].volatility is infinite" }, "infinite volatility")
T.raises(fr{ curve = { { volatility = -0.1, expected_return = 0.1 } } },
  { "curve[1].volatility is negative" }, "negative volatility")
T.raises(fr{ curve = { { expected_return = 0.1 } } }, { "curve[1].volatility is missing (nil)" }, "missing volatility")
T.raises(fr{ assets = { { name = "X", volatility = NaN, expected_return = 0.1 } } },
  { "assets[1] ('X').volatility is NaN" }, "NaN asset")
T.raises(fr{ assets = { { volatility = 0.1, expected_return = 0.1 } } }, { "assets[1] has no name" }, "nameless asset")
T.raises(fr{ assets = { assets[1], assets[1] } }, { "assets[2] ('AAPL') has the same name as assets[1]" }, "duplicate")
T.raises(fr{ assets = { 5 } }, { "assets[1] must be a table" }, "asset not a table")
T.raises(fr{ max_sharpe = { volatility = 0.2, expected_return = NaN } }, { "max_sharpe.expected_return is NaN" },
  "NaN max Sharpe")
T.raises(fr{ min_volatility = "low" }, { "min_volatility must be a table" }, "min_volatility a string")
T.raises(fr{ colour = "red" }, { "plot.frontier", "unknown key 'colour'" }, "unknown key")
T.raises(fr{ percent = "yes" }, { "percent must be a boolean" }, "percent a string")
T.raises(fr{ width = 50 }, { "width 50 is too small" }, "too narrow")
T.raises(fr{ height = 60 }, { "height 60 is too small" }, "too low")
T.raises(fr{ title = "a\1b" }, { "title holds a control character" }, "bad title")

-- ---- the dendrogram ---------------------------------------------------------------------

local P = folio.data.read_csv("examples/data/prices.csv")
local R = P:returns():select({ "EQ_TECH1", "EQ_TECH2", "EQ_FIN1", "EQ_FIN2", "EQ_HLTH1", "EQ_ENGY1", "EQ_ENGY2" })
R = R:slice(2, select(1, R:shape()))
local _, info, tree = folio.hrp{ returns = R, linkage = "average", tree = true }
local n = #info.order
doc = plot.dendrogram{ title = "HRP clusters", tree = tree }
root = check_doc(doc, "dendrogram")
T.eq(root.attrs.height, "420", "default height")
local leaves = of_class(root, "leaf")
T.eq(#leaves, n, "one leaf label per asset")
T.eq(names(leaves), table.concat(info.order, "|"), "leaves in folio.hrp's order")
for i, el in ipairs(leaves) do T.eq(el.text, info.order[i], "leaf " .. i .. "'s text") end
local links = of_class(root, "link")
T.eq(#links, n - 1, "one link per merge")
local heights_ok, order_ok = true, true
for k, el in ipairs(links) do
  T.eq(el.attrs["data-distance"], string.format("%.17g", info.linkage[k].distance), "link " .. k .. " at its distance")
  T.eq(el.attrs["data-id"], tostring(n + k - 1), "link " .. k .. "'s id")
  local p = pairs_of(el.attrs.d)
  heights_ok = heights_ok and #p == 4 and p[2][2] == p[3][2] and p[1][2] >= p[2][2] and p[4][2] >= p[3][2]
  if k > 1 then order_ok = order_ok and p[2][2] <= pairs_of(links[k - 1].attrs.d)[2][2] end
end
T.check(heights_ok, "each link rises from its children to its merge height")
T.check(order_ok, "later merges are drawn higher")
-- the first merge joins two leaves: its feet are at their labels
local first = pairs_of(links[1].attrs.d)
local leaf_x = {}
for _, el in ipairs(leaves) do leaf_x[el.attrs["data-name"]] = tonumber(el.attrs.x) end
local function sym_of(id) return R:cols()[id + 1] end
T.near(first[1][1], leaf_x[sym_of(info.linkage[1].left)], 1e-9, "first link's left foot at its leaf")
T.near(first[4][1], leaf_x[sym_of(info.linkage[1].right)], 1e-9, "first link's right foot at its leaf")
T.check(doc:find(">distance</text>", 1, true), "y axis title")
T.eq(plot.dendrogram{ title = "HRP clusters", tree = tree }, doc, "deterministic: same input, same bytes")

-- all the example's assets (55) with long names: labels written downwards, still inside
local R54 = P:returns()
R54 = R54:slice(2, select(1, R54:shape()))
local _, info54, tree54 = folio.hrp{ returns = R54, tree = true }
local d54 = plot.dendrogram{ tree = tree54, width = 700, height = 500 }
local r54 = check_doc(d54, "55 leaves")
T.eq(names(of_class(r54, "leaf")), table.concat(info54.order, "|"), "55 leaves in order")
T.eq(#of_class(r54, "link"), #info54.order - 1, "a link per merge")
T.check(of_class(r54, "leaf")[1].attrs.transform ~= nil, "crowded labels rotated")
-- one asset: one leaf, no link
local _, _, tree1 = folio.hrp{ cov = folio.matrix{ { 0.04 }, rows = { "A" }, cols = { "A" } }, tree = true }
local r1 = check_doc(plot.dendrogram{ tree = tree1 }, "one leaf")
T.eq(#of_class(r1, "leaf"), 1, "one leaf")
T.eq(#of_class(r1, "link"), 0, "no link")

-- trees that are not folio.hrp's
local function copy(t, seen)
  seen = seen or {}
  if type(t) ~= "table" then return t end
  if seen[t] then return seen[t] end
  local c = {}
  seen[t] = c
  for k, v in pairs(t) do c[k] = copy(v, seen) end
  return c
end
local function den(tr) return function() return plot.dendrogram{ tree = tr } end end
local NOT = "plot.dendrogram: tree is not the tree of folio.hrp{..., tree = true}"
T.raises(function() plot.dendrogram{} end, { "plot.dendrogram", "tree must be the tree of folio.hrp" }, "no tree")
T.raises(den(info), { NOT }, "info is not a tree")
T.raises(den(info.linkage), { NOT }, "the linkage rows are not a tree")
local t = copy(tree); t.distance = NaN
T.raises(den(t), { NOT, "distance is NaN" }, "NaN distance")
t = copy(tree); t.left, t.right = t.right, t.left
T.raises(den(t), { NOT, "expected left id < right id" }, "children swapped")
t = copy(tree); t.size = t.size + 1
T.raises(den(t), { NOT }, "wrong size")
t = copy(tree); t.left.left = t
T.raises(den(t), { NOT }, "a cycle")
t = copy(tree); t.colour = "red"
T.raises(den(t), { NOT, "unexpected key colour" }, "an extra key")
t = copy(tree); t.right.distance = t.distance + 1
T.raises(den(t), { NOT }, "a child above its parent")
t = copy(tree); t.left = { id = 0, symbol = 5 }
T.raises(den(t), { NOT }, "a leaf without a name")
T.raises(function() plot.dendrogram{ tree = tree, width = 60 } end, { "width 60 is too small" }, "too narrow")
T.raises(function() plot.dendrogram{ tree = tree, kind = "x" } end, { "unknown key 'kind'" }, "unknown key")

-- ---- xmllint, when installed ---------------------------------------------------------------

if os.execute("command -v xmllint >/dev/null 2>&1") then
  local dir = T.tmpdir()
  T.write(dir .. "/f.svg", plot.frontier(args))
  T.write(dir .. "/d.svg", d54)
  T.check(os.execute("xmllint --noout '" .. dir .. "/f.svg' '" .. dir .. "/d.svg'"), "xmllint accepts both")
  os.execute("rm -rf '" .. dir .. "'")
end

T.finish("test_plot_charts")
