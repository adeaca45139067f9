-- folio.plot: plain-SVG charts for a backtest — an equity curve, its
-- drawdown, weights over time, turnover and costs, sleeve contributions.
-- Each builder returns one SVG document as a string, built with
-- table.concat (no library, nothing written to disk):
--
--   folio.plot.line{title, x, series, y_label, percent = false, width = 900, height = 360}
--   folio.plot.area{...same keys...}                 stacked areas, diverging from 0
--   folio.plot.bars{...same keys..., stacked = true} stacked or grouped bars
--   folio.plot.figure{title, width = 900, panels = {{kind =, height = 300, ...}, ...}}
--
-- x is an array of labels (usually dates "YYYY-MM-DD"); a series is
-- {name =, values = {...}} with one finite number per label (NaN, i.e.
-- folio.missing, and ±inf are errors). The output is deterministic: the same
-- input gives byte-identical text; coordinates are printed with %.2f, the
-- legend lists the series in the order given, colours cycle through PALETTE.
-- Everything is linear in the number of points (nothing is downsampled).
--
-- Runs inside the policy sandbox too: every global is captured at load.
local folio, internal = ...

local ipairs, type, error, tostring = ipairs, type, error, tostring
local math_floor, math_ceil, math_log, math_max, math_min, math_huge =
  math.floor, math.ceil, math.log, math.max, math.min, math.huge
local string_format, string_gsub, string_find = string.format, string.gsub, string.find
local table_concat = table.concat
local utf8_len = utf8.len

local argerror, check_keys = internal.argerror, internal.check_keys -- folio/common.lua

-- Series colours, in order, cycling (d3's category10).
local PALETTE = {
  "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
  "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf",
}

-- Layout in user units (the SVG's pixels). The plot area of a chart of
-- width W and height H is [LEFT, W - RIGHT] × [TOP, H - BOTTOM - legend].
local LEFT, RIGHT, TOP, BOTTOM = 64, 36, 32, 28
local LEGEND_ROW, LEGEND_GAP = 16, 6  -- one legend row; the gap above the legend
local CHAR_WIDTH = 6.5                -- estimated width of a character at font-size 11
local MIN_PLOT = 40                   -- smallest plot area, in each direction
local FIGURE_TITLE = 28               -- the band above a figure's panels when it has a title
local MAX_X_LABELS = 8

local CHART_KEYS = {
  title = true, x = true, series = true, y_label = true, percent = true, width = true, height = true,
}
local BARS_KEYS = {
  title = true, x = true, series = true, y_label = true, percent = true, width = true, height = true,
  stacked = true,
}
local PANEL_KEYS = {
  kind = true, height = true, title = true, x = true, series = true, y_label = true, percent = true,
  stacked = true,
}
local FIGURE_KEYS = { title = true, width = true, panels = true }
local SERIES_KEYS = { name = true, values = true }
local KINDS = { line = true, area = true, bars = true }

-- ---- text and numbers -----------------------------------------------------

local ESCAPES = { ["&"] = "&amp;", ["<"] = "&lt;", [">"] = "&gt;", ['"'] = "&quot;", ["'"] = "&apos;" }

local function escape(s)
  return (string_gsub(s, "[&<>\"']", ESCAPES))
end

-- A coordinate: %.2f, never "-0.00".
local function coord(v)
  local s = string_format("%.2f", v)
  if s == "-0.00" then return "0.00" end
  return s
end

-- A size (width, height, viewBox): an integer without a fraction, else %.2f.
local function size_text(v)
  if v == math_floor(v) then return string_format("%d", math_floor(v)) end
  return coord(v)
end

local function is_finite(v)
  return type(v) == "number" and v == v and v ~= math_huge and v ~= -math_huge
end

-- Why a value is not a finite number, or nil when it is one.
local function not_finite(v)
  if v == nil then return "is missing (nil)" end
  if type(v) ~= "number" then return "is a " .. type(v) .. ", expected a number" end
  if v ~= v then return "is NaN" end
  if v == math_huge or v == -math_huge then return "is infinite" end
  return nil
end

-- Why s cannot be drawn as text (not valid UTF-8, or a control character
-- XML 1.0 forbids), or nil.
local function bad_text(s)
  if not utf8_len(s) then return "is not valid UTF-8" end
  if string_find(s, "[%z\1-\8\11\12\14-\31]") then return "holds a control character" end
  return nil
end

-- "x1,y1 x2,y2 ...": the x coordinates (already text) with the y
-- coordinates (numbers) at %.2f, eight pairs per string.format call (about
-- twice as fast as one pair per call on 250,000 points).
local PAIRS8 = string.rep("%s,%.2f", 8, " ")
local function points(xs, ys, n)
  local parts, k, i = {}, 0, 1
  while i + 7 <= n do
    k = k + 1
    parts[k] = string_format(PAIRS8, xs[i], ys[i], xs[i + 1], ys[i + 1], xs[i + 2], ys[i + 2], xs[i + 3], ys[i + 3],
      xs[i + 4], ys[i + 4], xs[i + 5], ys[i + 5], xs[i + 6], ys[i + 6], xs[i + 7], ys[i + 7])
    i = i + 8
  end
  for r = i, n do
    k = k + 1
    parts[k] = string_format("%s,%.2f", xs[r], ys[r])
  end
  return table_concat(parts, " ")
end

-- The <rect>s of bars at xs (numbers), tops ys, heights hs, all of width
-- `w` (text); four per string.format call, as for points.
local RECT = '<rect x="%.2f" y="%.2f" width="%s" height="%.2f"/>'
local RECT4 = string.rep(RECT, 4)
local function rects(xs, ys, hs, n, w)
  local parts, k, i = {}, 0, 1
  while i + 3 <= n do
    k = k + 1
    parts[k] = string_format(RECT4, xs[i], ys[i], w, hs[i], xs[i + 1], ys[i + 1], w, hs[i + 1],
      xs[i + 2], ys[i + 2], w, hs[i + 2], xs[i + 3], ys[i + 3], w, hs[i + 3])
    i = i + 4
  end
  for r = i, n do
    k = k + 1
    parts[k] = string_format(RECT, xs[r], ys[r], w, hs[r])
  end
  return table_concat(parts)
end

-- ---- validation -------------------------------------------------------------

-- An optional text argument (title, y_label): "" when nil.
local function check_label(fname, what, key, v, level)
  if v == nil then return "" end
  if type(v) ~= "string" then argerror(fname, string_format("%s%s must be a string, got %s", what, key, type(v)), level + 1) end
  local why = bad_text(v)
  if why then error(string_format("%s: %s%s %s", fname, what, key, why), level + 1) end
  return v
end

local function check_size(fname, what, key, v, default, level)
  if v == nil then return default end
  if not is_finite(v) or not (v > 0) then
    argerror(fname, string_format("%s%s must be a positive finite number, got %s", what, key, tostring(v)), level + 1)
  end
  return v
end

local function check_bool(fname, what, key, v, default, level)
  if v == nil then return default end
  if type(v) ~= "boolean" then argerror(fname, string_format("%s%s must be a boolean, got %s", what, key, type(v)), level + 1) end
  return v
end

-- The x labels and the series of a chart, checked; `what` prefixes every
-- message ("" or "panels[2]."). Returns x, series (copies of the arrays).
local function check_data(fname, what, x, series, level)
  level = level + 1
  if type(x) ~= "table" then argerror(fname, string_format("%sx must be an array of labels, got %s", what, type(x)), level) end
  local n = #x
  if n == 0 then error(string_format("%s: %sx is empty (at least one label is needed)", fname, what), level) end
  local labels = {}
  for i = 1, n do
    local s = x[i]
    if type(s) ~= "string" then
      error(string_format("%s: %sx[%d] is a %s, expected a string label", fname, what, i, type(s)), level)
    end
    local why = bad_text(s)
    if why then error(string_format("%s: %sx[%d] %s", fname, what, i, why), level) end
    labels[i] = s
  end
  if type(series) ~= "table" then
    argerror(fname, string_format("%sseries must be an array of {name =, values =}, got %s", what, type(series)), level)
  end
  if #series == 0 then error(string_format("%s: %sseries is empty (at least one series is needed)", fname, what), level) end
  local out, seen = {}, {}
  for j = 1, #series do
    local s = series[j]
    if type(s) ~= "table" then
      argerror(fname, string_format("%sseries[%d] must be a table {name =, values =}, got %s", what, j, type(s)), level)
    end
    check_keys(fname, s, SERIES_KEYS, level, string_format("%sseries[%d]: ", what, j))
    local name = s.name
    if type(name) ~= "string" or name == "" then
      error(string_format("%s: %sseries[%d] has no name (name must be a non-empty string, got %s)", fname, what, j,
        type(name) == "string" and "\"\"" or type(name)), level)
    end
    local why = bad_text(name)
    if why then error(string_format("%s: %sseries[%d] name %s", fname, what, j, why), level) end
    if seen[name] then
      error(string_format("%s: %sseries[%d] ('%s') has the same name as series[%d]", fname, what, j, name, seen[name]), level)
    end
    seen[name] = j
    local values = s.values
    if type(values) ~= "table" then
      error(string_format("%s: %sseries[%d] ('%s').values must be an array of numbers, got %s", fname, what, j, name,
        type(values)), level)
    end
    if #values ~= n then
      error(string_format("%s: %sseries[%d] ('%s') has %d values, x has %d", fname, what, j, name, #values, n), level)
    end
    local copy = {}
    for i = 1, n do
      local v = values[i]
      if not is_finite(v) then
        error(string_format("%s: %sseries[%d] ('%s').values[%d] %s", fname, what, j, name, i, not_finite(v)), level)
      end
      copy[i] = v
    end
    out[j] = { name = name, values = copy }
  end
  return labels, out
end

-- A chart's arguments (line, area, bars, or a panel of a figure), checked:
-- {kind, title, x, series, y_label, percent, stacked, width, height}.
local function check_chart(fname, kind, args, what, width, default_height, level)
  level = level + 1
  local x, series = check_data(fname, what, args.x, args.series, level)
  local stacked = args.stacked
  if kind == "bars" then
    stacked = check_bool(fname, what, "stacked", stacked, true, level)
  elseif stacked ~= nil then
    argerror(fname, string_format("%sstacked applies to kind = \"bars\" only", what), level)
  end
  return {
    kind = kind,
    title = check_label(fname, what, "title", args.title, level),
    y_label = check_label(fname, what, "y_label", args.y_label, level),
    percent = check_bool(fname, what, "percent", args.percent, false, level),
    stacked = stacked,
    width = width or check_size(fname, what, "width", args.width, 900, level),
    height = check_size(fname, what, "height", args.height, default_height, level),
    x = x, series = series,
  }
end

-- ---- scales -------------------------------------------------------------------

-- Nice ticks over [lo, hi] by the 1-2-5 rule (about five steps): returns
-- k0, k1, step, decimals — the ticks are k * step for k = k0..k1 (a range
-- widened to whole steps) and need `decimals` digits. A flat range (or one
-- flat to 1e-9 of its size, rounding noise) is padded first: ±10% of the
-- value, ±1 around 0 (or within 1e-290 of it). Returns nil when no step
-- fits in a double.
local function nice_ticks(lo, hi)
  local size = math_max(lo < 0 and -lo or lo, hi < 0 and -hi or hi)
  if hi - lo <= size * 1e-9 or hi - lo < 1e-290 then
    local mid = lo + (hi - lo) / 2
    local pad = size * 0.1
    if pad < 1e-290 then pad = 1 end -- 0, or too close to 0 for a step
    lo, hi = mid - pad, mid + pad
  end
  local raw = (hi - lo) / 5
  if not is_finite(raw) or raw <= 0 then return nil end
  local mag = 10 ^ math_floor(math_log(raw, 10))
  local norm = raw / mag
  local step = (norm <= 1 and 1 or norm <= 2 and 2 or norm <= 5 and 5 or 10) * mag
  local k0 = math_floor(lo / step + 1e-9)
  local k1 = math_ceil(hi / step - 1e-9)
  -- (at most a dozen ticks unless the arithmetic broke down: then refuse,
  -- rather than loop over k0..k1)
  if not (step > 0) or not is_finite(k0 * step) or not is_finite(k1 * step) or not (k1 - k0 >= 1 and k1 - k0 <= 50) then
    return nil
  end
  local decimals = math_max(0, -math_floor(math_log(step, 10) + 1e-9))
  return k0, k1, step, decimals
end

-- The y extent of a chart: plain min/max for lines; for stacked charts the
-- positive and negative stacks, always with 0.
local function y_extent(chart)
  local series, n = chart.series, #chart.x
  local lo, hi
  if chart.kind == "line" or (chart.kind == "bars" and not chart.stacked) then
    lo, hi = math_huge, -math_huge
    for _, s in ipairs(series) do
      local values = s.values
      for i = 1, n do
        local v = values[i]
        if v < lo then lo = v end
        if v > hi then hi = v end
      end
    end
    if chart.kind == "bars" then lo, hi = math_min(lo, 0), math_max(hi, 0) end
  else
    lo, hi = 0, 0
    for i = 1, n do
      local pos, neg = 0, 0
      for _, s in ipairs(series) do
        local v = s.values[i]
        if v >= 0 then pos = pos + v else neg = neg + v end
      end
      if pos > hi then hi = pos end
      if neg < lo then lo = neg end
    end
  end
  return lo, hi
end

-- Legend rows: items flow left to right and wrap at the plot's width.
-- Returns, per series, the item's x and row, and the number of rows.
local function legend_layout(series, plot_width)
  local xs, rows, row, at = {}, {}, 0, 0
  for j, s in ipairs(series) do
    local w = 12 + 4 + utf8_len(s.name) * CHAR_WIDTH + 14
    if at > 0 and at + w > plot_width then row, at = row + 1, 0 end
    xs[j], rows[j] = at, row
    at = at + w
  end
  return xs, rows, row + 1
end

-- ---- drawing ------------------------------------------------------------------

-- Draws `chart` into `out` with its top edge at y0. Returns nothing; raises
-- (at `level`) when the height leaves no room for the plot area.
local function draw_chart(fname, what, chart, y0, out, level)
  level = level + 1
  local W, H = chart.width, chart.height
  local series, x, n = chart.series, chart.x, #chart.x
  local plot_w = W - LEFT - RIGHT
  if plot_w < MIN_PLOT then
    argerror(fname, string_format("%swidth %s is too small (at least %d)", what, size_text(W), LEFT + RIGHT + MIN_PLOT), level)
  end
  local lx, lrow, nrows = legend_layout(series, plot_w)
  local legend_h = LEGEND_GAP + nrows * LEGEND_ROW
  local top = y0 + TOP
  local bottom = y0 + H - BOTTOM - legend_h
  if bottom - top < MIN_PLOT then
    argerror(fname, string_format("%sheight %s is too small for %d legend row%s (at least %s)", what, size_text(H), nrows,
      nrows == 1 and "" or "s", size_text(TOP + BOTTOM + legend_h + MIN_PLOT)), level)
  end
  local left, right = LEFT, W - RIGHT

  -- y scale
  local lo, hi = y_extent(chart)
  local k0, k1, step, decimals = nice_ticks(lo, hi)
  if not k0 then
    error(string_format("%s: %sthe values span a range (%.17g to %.17g) too wide or too narrow to draw", fname, what, lo, hi), level)
  end
  local ylo, yhi = k0 * step, k1 * step
  local yscale = (bottom - top) / (yhi - ylo)
  local function Y(v) return bottom - (v - ylo) * yscale end

  -- x scale: points for lines and areas, bands for bars
  local X, band = {}, (right - left) / n
  for i = 1, n do
    if chart.kind == "bars" then
      X[i] = left + (i - 0.5) * band
    elseif n == 1 then
      X[i] = (left + right) / 2
    else
      X[i] = left + (i - 1) * (right - left) / (n - 1)
    end
  end

  out[#out + 1] = string_format('<g class="panel" data-kind="%s">\n', chart.kind)
  if chart.title ~= "" then
    out[#out + 1] = string_format('<text class="title" x="%s" y="%s" font-size="14" font-weight="bold">%s</text>\n',
      coord(left), coord(y0 + 20), escape(chart.title))
  end

  -- axes: horizontal grid lines with the y tick labels, the x labels below
  local tick_scale, suffix = 1, ""
  if chart.percent then tick_scale, suffix, decimals = 100, "%", math_max(0, decimals - 2) end
  -- (fixed decimals for everyday numbers; %.6g beyond them, which also
  -- keeps string.format's precision under its limit of 99)
  local tick_fmt = (decimals <= 10 and step * tick_scale < 1e15) and "%." .. decimals .. "f" or "%.6g"
  if suffix == "%" then tick_fmt = tick_fmt .. "%%" end
  out[#out + 1] = '<g class="axis y">\n'
  for k = k0, k1 do
    local v = k * step
    local y = coord(Y(v))
    local label = string_format(tick_fmt, v * tick_scale)
    if string_find(label, "^%-0%.?0*%%?$") then label = string_gsub(label, "^%-", "") end
    out[#out + 1] = string_format('<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="#dddddd"/>' ..
      '<text x="%s" y="%s" text-anchor="end" dominant-baseline="middle">%s</text>\n',
      coord(left), y, coord(right), y, coord(left - 6), y, label)
  end
  if chart.y_label ~= "" then
    local cx, cy = coord(14), coord((top + bottom) / 2)
    out[#out + 1] = string_format('<text class="y-label" x="%s" y="%s" text-anchor="middle" transform="rotate(-90 %s %s)">%s</text>\n',
      cx, cy, cx, cy, escape(chart.y_label))
  end
  out[#out + 1] = '</g>\n<g class="axis x">\n'
  out[#out + 1] = string_format('<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="#333333"/>\n',
    coord(left), coord(bottom), coord(right), coord(bottom))
  local n_labels = math_min(n, MAX_X_LABELS, math_max(2, math_floor(plot_w / 90)))
  local last = 0
  for j = 1, n_labels do
    local i = n_labels == 1 and 1 or 1 + math_floor((j - 1) * (n - 1) / (n_labels - 1) + 0.5)
    if i ~= last then
      out[#out + 1] = string_format('<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="#333333"/>' ..
        '<text x="%s" y="%s" text-anchor="middle">%s</text>\n',
        coord(X[i]), coord(bottom), coord(X[i]), coord(bottom + 4), coord(X[i]), coord(bottom + 16), escape(x[i]))
      last = i
    end
  end
  out[#out + 1] = '</g>\n'
  if ylo < 0 and yhi > 0 then
    local y = coord(Y(0))
    out[#out + 1] = string_format('<line class="zero" x1="%s" y1="%s" x2="%s" y2="%s" stroke="#333333"/>\n',
      coord(left), y, coord(right), y)
  end

  -- the series (every y is inside the plot area, so %.2f never prints "-0.00")
  local xs, ys = {}, {}
  for i = 1, n do xs[i] = coord(X[i]) end
  if chart.kind == "line" then
    for j, s in ipairs(series) do
      local values = s.values
      for i = 1, n do ys[i] = bottom - (values[i] - ylo) * yscale end
      out[#out + 1] = string_format('<polyline class="series" data-name="%s" fill="none" stroke="%s" stroke-width="1.5" points="%s"/>\n',
        escape(s.name), PALETTE[(j - 1) % #PALETTE + 1], points(xs, ys, n))
    end
  elseif chart.kind == "area" then
    -- each band between its base and base + v: positives on the positive
    -- stack, negatives on the negative stack (d3's "diverging" offset)
    -- (the path runs along the band's outer edge left to right, then back
    -- along its base; pairs after M and L are implicit line-tos)
    local pos, neg, xs_back, base = {}, {}, {}, {}
    for i = 1, n do pos[i], neg[i], xs_back[i] = 0, 0, xs[n + 1 - i] end
    for j, s in ipairs(series) do
      local values = s.values
      for i = 1, n do
        local v = values[i]
        local a, b
        if v >= 0 then a, b = pos[i], pos[i] + v; pos[i] = b else a, b = neg[i], neg[i] + v; neg[i] = b end
        ys[i] = bottom - (b - ylo) * yscale
        base[n + 1 - i] = bottom - (a - ylo) * yscale
      end
      out[#out + 1] = string_format('<path class="series" data-name="%s" fill="%s" fill-opacity="0.8" stroke="none" d="M%s L%s Z"/>\n',
        escape(s.name), PALETTE[(j - 1) % #PALETTE + 1], points(xs, ys, n), points(xs_back, base, n))
    end
  else
    local pos, neg, bx, hs = {}, {}, {}, {}
    for i = 1, n do pos[i], neg[i] = 0, 0 end
    local bw = chart.stacked and band * 0.8 or band * 0.8 / #series
    local bw_text = coord(bw)
    for j, s in ipairs(series) do
      local values = s.values
      local offset = band * 0.1 + (chart.stacked and 0 or (j - 1) * bw)
      for i = 1, n do
        local v, a, b = values[i]
        if chart.stacked then
          if v >= 0 then a, b = pos[i], pos[i] + v; pos[i] = b else a, b = neg[i], neg[i] + v; neg[i] = b end
        else
          a, b = 0, v
        end
        if a > b then a, b = b, a end
        bx[i], ys[i], hs[i] = left + (i - 1) * band + offset, bottom - (b - ylo) * yscale, (b - a) * yscale
      end
      out[#out + 1] = string_format('<g class="series" data-name="%s" fill="%s">%s</g>\n',
        escape(s.name), PALETTE[(j - 1) % #PALETTE + 1], rects(bx, ys, hs, n, bw_text))
    end
  end

  -- the legend, below the x labels
  local ly = bottom + BOTTOM + LEGEND_GAP
  out[#out + 1] = '<g class="legend">\n'
  for j, s in ipairs(series) do
    local ix, iy = left + lx[j], ly + lrow[j] * LEGEND_ROW
    out[#out + 1] = string_format('<g class="legend-item" data-name="%s"><rect x="%s" y="%s" width="12" height="10" fill="%s"/>' ..
      '<text x="%s" y="%s">%s</text></g>\n',
      escape(s.name), coord(ix), coord(iy), PALETTE[(j - 1) % #PALETTE + 1], coord(ix + 16), coord(iy + 9), escape(s.name))
  end
  out[#out + 1] = '</g>\n</g>\n'
end

-- The document around the drawing.
local function open_svg(out, title, W, H)
  local w, h = size_text(W), size_text(H)
  out[#out + 1] = string_format('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %s %s" width="%s" height="%s" ' ..
    'font-family="sans-serif" font-size="11">\n', w, h, w, h)
  out[#out + 1] = "<title>" .. escape(title) .. "</title>\n"
  out[#out + 1] = string_format('<rect class="background" x="0" y="0" width="%s" height="%s" fill="#ffffff"/>\n', w, h)
end

local function chart_builder(kind, keys)
  local fname = "plot." .. kind
  return function(args)
    check_keys(fname, args, keys, 2)
    local chart = check_chart(fname, kind, args, "", nil, 360, 2)
    local out = {}
    open_svg(out, chart.title, chart.width, chart.height)
    draw_chart(fname, "", chart, 0, out, 2)
    out[#out + 1] = "</svg>\n"
    return table_concat(out)
  end
end

local plot = {}

-- folio.plot.line{...}: one polyline per series.
plot.line = chart_builder("line", CHART_KEYS)
-- folio.plot.area{...}: stacked areas, positives up from 0, negatives down.
plot.area = chart_builder("area", CHART_KEYS)
-- folio.plot.bars{..., stacked = true}: bars per x, stacked or grouped.
plot.bars = chart_builder("bars", BARS_KEYS)

-- folio.plot.figure{title, width = 900, panels = {...}}: panels stacked
-- vertically, sharing the width; the height is the title band (when there
-- is a title) plus the panels' heights.
function plot.figure(args)
  local fname = "plot.figure"
  check_keys(fname, args, FIGURE_KEYS, 2)
  local title = check_label(fname, "", "title", args.title, 2)
  local width = check_size(fname, "", "width", args.width, 900, 2)
  local panels = args.panels
  if type(panels) ~= "table" then argerror(fname, "panels must be an array of panel tables, got " .. type(panels), 2) end
  if #panels == 0 then error(fname .. ": panels is empty (at least one panel is needed)", 2) end
  local charts, height = {}, title ~= "" and FIGURE_TITLE or 0
  for p = 1, #panels do
    local panel, what = panels[p], string_format("panels[%d].", p)
    if type(panel) ~= "table" then argerror(fname, string_format("panels[%d] must be a table, got %s", p, type(panel)), 2) end
    check_keys(fname, panel, PANEL_KEYS, 2, string_format("panels[%d]: ", p))
    local kind = panel.kind
    if not KINDS[kind] then
      argerror(fname, string_format("panels[%d].kind must be \"line\", \"area\" or \"bars\", got %s", p,
        type(kind) == "string" and "\"" .. kind .. "\"" or type(kind)), 2)
    end
    charts[p] = check_chart(fname, kind, panel, what, width, 300, 2)
    height = height + charts[p].height
  end
  local out = {}
  open_svg(out, title, width, height)
  local y0 = 0
  if title ~= "" then
    out[#out + 1] = string_format('<text class="title" x="%s" y="%s" font-size="16" font-weight="bold">%s</text>\n',
      coord(LEFT), coord(20), escape(title))
    y0 = FIGURE_TITLE
  end
  for p, chart in ipairs(charts) do
    draw_chart(fname, string_format("panels[%d].", p), chart, y0, out, 2)
    y0 = y0 + chart.height
  end
  out[#out + 1] = "</svg>\n"
  return table_concat(out)
end

folio.plot = plot
