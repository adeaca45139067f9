-- folio.plot: plain-SVG charts for a backtest — an equity curve, its
-- drawdown, weights over time, turnover and costs, sleeve contributions.
-- Each builder returns one SVG document as a string, built with
-- table.concat (no library, nothing written to disk):
--
--   folio.plot.line{title, x, series, y_label, percent = false, width = 900, height = 360}
--   folio.plot.area{...same keys...}                 stacked areas, diverging from 0
--   folio.plot.bars{...same keys..., stacked = true} stacked or grouped bars
--   folio.plot.figure{title, width = 900, panels = {{kind =, height = 300, ...}, ...}}
--   folio.plot.frontier{curve, assets, min_volatility, max_sharpe, title, percent = true,
--                       width = 900, height = 560}      the efficient frontier
--   folio.plot.dendrogram{tree, title, width = 900, height = 420}   folio.hrp's tree
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

local ipairs, pairs, type, error, tostring = ipairs, pairs, type, error, tostring
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

-- The tick labels' format for ticks `step` apart that need `decimals`
-- digits: returns the format and the factor the values are multiplied by
-- (100 for percentages).
local function tick_format(step, decimals, percent)
  local tick_scale, suffix = 1, ""
  if percent then tick_scale, suffix, decimals = 100, "%", math_max(0, decimals - 2) end
  -- (fixed decimals for everyday numbers; %.6g beyond them, which also
  -- keeps string.format's precision under its limit of 99)
  local tick_fmt = (decimals <= 10 and step * tick_scale < 1e15) and "%." .. decimals .. "f" or "%.6g"
  if suffix == "%" then tick_fmt = tick_fmt .. "%%" end
  return tick_fmt, tick_scale
end

-- The label of the tick at v, never "-0" (or "-0.00", "-0%").
local function tick_label(fmt, scale, v)
  local label = string_format(fmt, v * scale)
  if string_find(label, "^%-0%.?0*%%?$") then label = string_gsub(label, "^%-", "") end
  return label
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
-- Opens a panel's group (closed by the caller) with its bold title at (x, y) when it has one.
local function open_panel(out, kind, title, x, y)
  out[#out + 1] = string_format('<g class="panel" data-kind="%s">\n', kind)
  if title ~= "" then
    out[#out + 1] = string_format('<text class="title" x="%s" y="%s" font-size="14" font-weight="bold">%s</text>\n',
      coord(x), coord(y), escape(title))
  end
end

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

  open_panel(out, chart.kind, chart.title, left, y0 + 20)

  -- axes: horizontal grid lines with the y tick labels, the x labels below
  local tick_fmt, tick_scale = tick_format(step, decimals, chart.percent)
  out[#out + 1] = '<g class="axis y">\n'
  for k = k0, k1 do
    local v = k * step
    local y = coord(Y(v))
    local label = tick_label(tick_fmt, tick_scale, v)
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

-- ---- charts of points: the efficient frontier and the HRP dendrogram ----------

local FRONTIER_KEYS = {
  title = true, curve = true, assets = true, min_volatility = true, max_sharpe = true, percent = true,
  width = true, height = true,
}
local DENDROGRAM_KEYS = { title = true, tree = true, width = true, height = true }
local AXIS_TITLE = 18 -- the band under the x tick labels for the x axis's title
local ASSET_COLOUR, LINK_COLOUR = "#555555", PALETTE[1]
local FRONTIER_ITEMS = { -- legend entries and colours of the frontier chart, in order
  { name = "efficient frontier", colour = PALETTE[1] },
  { name = "assets", colour = ASSET_COLOUR },
  { name = "min volatility", colour = PALETTE[3], key = "min_volatility" },
  { name = "max Sharpe", colour = PALETTE[4], key = "max_sharpe" },
}

-- A five-pointed star of outer radius 1 (the max-Sharpe marker), point up.
local STAR = {}
for k = 0, 9 do
  local r, a = (k % 2 == 0) and 1 or 0.45, math.pi * (k / 5 - 0.5)
  STAR[#STAR + 1] = { r * math.cos(a), r * math.sin(a) }
end
local DIAMOND = { { 0, -1 }, { 1, 0 }, { 0, 1 }, { -1, 0 } }

-- The path of a marker shape (unit points) at (x, y) with radius r.
local function shape_path(shape, x, y, r)
  local parts = {}
  for i, p in ipairs(shape) do parts[i] = coord(x + r * p[1]) .. "," .. coord(y + r * p[2]) end
  return "M" .. parts[1] .. " L" .. table_concat(parts, " ", 2) .. " Z"
end

-- A point {volatility =, expected_return =} (other keys, such as weights or
-- sharpe, are ignored: the tables of folio.frontier can be passed as they
-- are), checked; returns volatility, expected_return.
local function check_point(fname, what, p, level)
  level = level + 1
  if type(p) ~= "table" then
    argerror(fname, string_format("%s must be a table {volatility =, expected_return =}, got %s", what, type(p)), level)
  end
  local vol, ret = p.volatility, p.expected_return
  local why = not_finite(vol)
  if why then error(string_format("%s: %s.volatility %s", fname, what, why), level) end
  if vol < 0 then error(string_format("%s: %s.volatility is negative (%.17g)", fname, what, vol), level) end
  why = not_finite(ret)
  if why then error(string_format("%s: %s.expected_return %s", fname, what, why), level) end
  return vol, ret
end

-- The nice ticks of an axis over [lo, hi] with their labels: returns the
-- axis's ends and an array of {v =, label =}; raises when no step fits.
local function linear_axis(fname, what, lo, hi, percent, level)
  local k0, k1, step, decimals = nice_ticks(lo, hi)
  if not k0 then
    error(string_format("%s: %s span a range (%.17g to %.17g) too wide or too narrow to draw", fname, what, lo, hi),
      level + 1)
  end
  local fmt, scale = tick_format(step, decimals, percent)
  local ticks = {}
  for k = k0, k1 do ticks[#ticks + 1] = { v = k * step, label = tick_label(fmt, scale, k * step) } end
  return k0 * step, k1 * step, ticks
end

-- The y axis: grid lines at the ticks, their labels at the left, and the
-- axis's title written vertically.
local function draw_y_axis(out, ticks, Y, left, right, top, bottom, title)
  out[#out + 1] = '<g class="axis y">\n'
  for _, t in ipairs(ticks) do
    local y = coord(Y(t.v))
    out[#out + 1] = string_format('<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="#dddddd"/>' ..
      '<text x="%s" y="%s" text-anchor="end" dominant-baseline="middle">%s</text>\n',
      coord(left), y, coord(right), y, coord(left - 6), y, t.label)
  end
  local cx, cy = coord(14), coord((top + bottom) / 2)
  out[#out + 1] = string_format('<text class="y-label" x="%s" y="%s" text-anchor="middle" transform="rotate(-90 %s %s)">%s</text>\n',
    cx, cy, cx, cy, escape(title))
  out[#out + 1] = '</g>\n'
end

-- The legend below the plot: items {name =, colour =} from left at y.
local function draw_legend(out, items, left, y, plot_w)
  local lx, lrow = legend_layout(items, plot_w)
  out[#out + 1] = '<g class="legend">\n'
  for j, item in ipairs(items) do
    local ix, iy = left + lx[j], y + lrow[j] * LEGEND_ROW
    out[#out + 1] = string_format('<g class="legend-item" data-name="%s"><rect x="%s" y="%s" width="12" height="10" fill="%s"/>' ..
      '<text x="%s" y="%s">%s</text></g>\n',
      escape(item.name), coord(ix), coord(iy), item.colour, coord(ix + 16), coord(iy + 9), escape(item.name))
  end
  out[#out + 1] = '</g>\n'
end

-- folio.plot.frontier{curve, assets, min_volatility, max_sharpe, title,
-- percent = true, width = 900, height = 560}: volatility on x, expected
-- return on y; the curve as one polyline in the order given, each asset a
-- labelled point, the two portfolios as a diamond and a star.
function plot.frontier(args)
  local fname = "plot.frontier"
  check_keys(fname, args, FRONTIER_KEYS, 2)
  local title = check_label(fname, "", "title", args.title, 2)
  local percent = check_bool(fname, "", "percent", args.percent, true, 2)
  local W = check_size(fname, "", "width", args.width, 900, 2)
  local H = check_size(fname, "", "height", args.height, 560, 2)
  local curve = args.curve
  if type(curve) ~= "table" then
    argerror(fname, "curve must be an array of {volatility =, expected_return =}, got " .. type(curve), 2)
  end
  if #curve == 0 then error(fname .. ": curve is empty (at least one point is needed)", 2) end
  local xs, ys = {}, {}
  for i = 1, #curve do xs[i], ys[i] = check_point(fname, string_format("curve[%d]", i), curve[i], 2) end
  local assets = args.assets
  if assets ~= nil and type(assets) ~= "table" then
    argerror(fname, "assets must be an array of {name =, volatility =, expected_return =}, got " .. type(assets), 2)
  end
  local names, ax, ay, seen = {}, {}, {}, {}
  for i = 1, assets and #assets or 0 do
    local a = assets[i]
    if type(a) ~= "table" then
      argerror(fname, string_format("assets[%d] must be a table {name =, volatility =, expected_return =}, got %s", i,
        type(a)), 2)
    end
    local name = a.name
    if type(name) ~= "string" or name == "" then
      error(string_format("%s: assets[%d] has no name (name must be a non-empty string, got %s)", fname, i,
        type(name) == "string" and "\"\"" or type(name)), 2)
    end
    local why = bad_text(name)
    if why then error(string_format("%s: assets[%d] name %s", fname, i, why), 2) end
    if seen[name] then
      error(string_format("%s: assets[%d] ('%s') has the same name as assets[%d]", fname, i, name, seen[name]), 2)
    end
    seen[name] = i
    names[i] = name
    ax[i], ay[i] = check_point(fname, string_format("assets[%d] ('%s')", i, name), a, 2)
  end
  local marks, items = {}, { FRONTIER_ITEMS[1] }
  if #names > 0 then items[#items + 1] = FRONTIER_ITEMS[2] end
  for k = 3, 4 do
    local item = FRONTIER_ITEMS[k]
    if args[item.key] ~= nil then
      local x, y = check_point(fname, item.key, args[item.key], 2)
      marks[#marks + 1] = { item = item, x = x, y = y, shape = k == 3 and DIAMOND or STAR, r = k == 3 and 6 or 8 }
      items[#items + 1] = item
    end
  end

  -- layout: the plot area above the x labels, the x title and the legend
  local left, right, top = LEFT, W - RIGHT, TOP
  local plot_w = right - left
  if plot_w < MIN_PLOT then
    argerror(fname, string_format("width %s is too small (at least %d)", size_text(W), LEFT + RIGHT + MIN_PLOT), 2)
  end
  local _, _, nrows = legend_layout(items, plot_w)
  local legend_h = LEGEND_GAP + nrows * LEGEND_ROW
  local bottom = H - BOTTOM - AXIS_TITLE - legend_h
  if bottom - top < MIN_PLOT then
    argerror(fname, string_format("height %s is too small for %d legend row%s (at least %s)", size_text(H), nrows,
      nrows == 1 and "" or "s", size_text(TOP + BOTTOM + AXIS_TITLE + legend_h + MIN_PLOT)), 2)
  end

  -- scales over every point drawn
  local xlo, xhi, ylo, yhi = math_huge, -math_huge, math_huge, -math_huge
  local function extend(x, y)
    if x < xlo then xlo = x end
    if x > xhi then xhi = x end
    if y < ylo then ylo = y end
    if y > yhi then yhi = y end
  end
  for i = 1, #xs do extend(xs[i], ys[i]) end
  for i = 1, #ax do extend(ax[i], ay[i]) end
  for _, m in ipairs(marks) do extend(m.x, m.y) end
  local x0, x1, xticks = linear_axis(fname, "the volatilities", xlo, xhi, percent, 2)
  local y0, y1, yticks = linear_axis(fname, "the expected returns", ylo, yhi, percent, 2)
  local xscale, yscale = (right - left) / (x1 - x0), (bottom - top) / (y1 - y0)
  local function X(v) return left + (v - x0) * xscale end
  local function Y(v) return bottom - (v - y0) * yscale end

  local out = {}
  open_svg(out, title, W, H)
  open_panel(out, "frontier", title, left, 20)
  draw_y_axis(out, yticks, Y, left, right, top, bottom, "expected return")
  out[#out + 1] = '<g class="axis x">\n'
  out[#out + 1] = string_format('<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="#333333"/>\n',
    coord(left), coord(bottom), coord(right), coord(bottom))
  for _, t in ipairs(xticks) do
    local x = coord(X(t.v))
    out[#out + 1] = string_format('<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="#dddddd"/>' ..
      '<text x="%s" y="%s" text-anchor="middle">%s</text>\n',
      x, coord(top), x, coord(bottom + 4), x, coord(bottom + 16), t.label)
  end
  out[#out + 1] = string_format('<text class="x-label" x="%s" y="%s" text-anchor="middle">volatility</text>\n',
    coord((left + right) / 2), coord(bottom + 16 + AXIS_TITLE - 2))
  out[#out + 1] = '</g>\n'

  local cx, cy = {}, {}
  for i = 1, #xs do cx[i], cy[i] = coord(X(xs[i])), Y(ys[i]) end
  out[#out + 1] = string_format('<polyline class="series" data-name="efficient frontier" fill="none" stroke="%s" ' ..
    'stroke-width="2" points="%s"/>\n', FRONTIER_ITEMS[1].colour, points(cx, cy, #xs))
  if #names > 0 then
    out[#out + 1] = '<g class="assets">\n'
    local middle = (left + right) / 2
    for i, name in ipairs(names) do
      local x, y = X(ax[i]), Y(ay[i])
      local east = x <= middle -- the label on the side with more room
      out[#out + 1] = string_format('<g class="asset" data-name="%s"><circle cx="%s" cy="%s" r="3.5" fill="%s"/>' ..
        '<text x="%s" y="%s" text-anchor="%s">%s</text></g>\n',
        escape(name), coord(x), coord(y), ASSET_COLOUR, coord(east and x + 6 or x - 6), coord(y - 5),
        east and "start" or "end", escape(name))
    end
    out[#out + 1] = '</g>\n'
  end
  for _, m in ipairs(marks) do
    out[#out + 1] = string_format('<path class="marker" data-name="%s" fill="%s" stroke="#333333" stroke-width="0.8" d="%s"/>\n',
      m.item.name, m.item.colour, shape_path(m.shape, X(m.x), Y(m.y), m.r))
  end
  draw_legend(out, items, left, bottom + 16 + AXIS_TITLE + LEGEND_GAP, plot_w)
  out[#out + 1] = '</g>\n</svg>\n'
  return table_concat(out)
end

-- ---- the dendrogram --------------------------------------------------------------

local LEAF_KEYS = { id = true, symbol = true }
local CLUSTER_KEYS = { id = true, left = true, right = true, distance = true, size = true }

-- The tree of folio.hrp{..., tree = true}, checked: a leaf {id, symbol}, a
-- cluster {id, left, right, distance, size}; ids 0..n-1 the leaves and
-- n..2n-2 the merges in order (sorted by distance, children before their
-- parent, left id < right id, size = the children's sizes). Returns the
-- leaves in pre-order (left first: info.order), the clusters by merge
-- (clusters[k] is id n + k - 1) and idof (node table -> id).
local function check_tree(fname, root, level)
  local lvl = level + 2 -- (raised from bad, inside this function)
  local function bad(fmt, ...)
    error(string_format("%s: tree is not the tree of folio.hrp{..., tree = true}: " .. fmt, fname, ...), lvl)
  end
  local function whole(v) return type(v) == "number" and v == math_floor(v) and v >= 0 and v < 2 ^ 31 end
  local n
  if root.symbol ~= nil then
    n = 1
  elseif not whole(root.size) or root.size < 2 then
    bad("the root's size is %s, expected the number of assets (a whole number >= 2)", tostring(root.size))
  else
    n = root.size
  end
  local leaves, clusters, idof, stack = {}, {}, {}, { root }
  local visited = 0
  while #stack > 0 do
    local node = stack[#stack]
    stack[#stack] = nil
    visited = visited + 1
    if visited > 2 * n - 1 then bad("more than %d nodes for %d leaves", 2 * n - 1, n) end
    if idof[node] then bad("node %s appears twice", tostring(idof[node])) end
    local id = node.id
    if not whole(id) then bad("a node's id is %s, expected a whole number", tostring(id)) end
    local is_leaf = node.symbol ~= nil
    for k in pairs(node) do
      if not (is_leaf and LEAF_KEYS or CLUSTER_KEYS)[k] then bad("node %d has an unexpected key %s", id, tostring(k)) end
    end
    if is_leaf then
      if id >= n then bad("leaf %d has an id outside 0..%d", id, n - 1) end
      local sym = node.symbol
      if type(sym) ~= "string" or sym == "" or bad_text(sym) then bad("leaf %d's symbol is not a name", id) end
      leaves[#leaves + 1] = node
    else
      if id < n or id > 2 * n - 2 then bad("cluster %d has an id outside %d..%d", id, n, 2 * n - 2) end
      if clusters[id - n + 1] then bad("id %d is used twice", id) end
      local why = not_finite(node.distance)
      if why then bad("cluster %d's distance %s", id, why) end
      if node.distance < 0 then bad("cluster %d's distance is negative", id) end
      if not whole(node.size) then bad("cluster %d's size is %s", id, tostring(node.size)) end
      if type(node.left) ~= "table" or type(node.right) ~= "table" then
        bad("cluster %d's left and right must be nodes, got %s and %s", id, type(node.left), type(node.right))
      end
      clusters[id - n + 1] = node
      stack[#stack + 1] = node.right
      stack[#stack + 1] = node.left
    end
    idof[node] = id
  end
  if #leaves ~= n then bad("%d leaves for a root of size %d", #leaves, n) end
  local leaf_ids = {}
  for _, leaf in ipairs(leaves) do
    if leaf_ids[leaf.id] then bad("id %d is used twice", leaf.id) end
    leaf_ids[leaf.id] = true
  end
  if idof[root] ~= 2 * n - 2 then bad("the root's id is %d, expected %d", idof[root], 2 * n - 2) end
  local prev = 0
  for k = 1, n - 1 do
    local c = clusters[k]
    if not c then bad("merge %d (id %d) is missing", k, n + k - 1) end
    local id, l, r = n + k - 1, idof[c.left], idof[c.right]
    if not (l < r and r < id) then bad("cluster %d joins %d and %d (expected left id < right id < %d)", id, l, r, id) end
    local size = (c.left.symbol ~= nil and 1 or c.left.size) + (c.right.symbol ~= nil and 1 or c.right.size)
    if c.size ~= size then bad("cluster %d has size %s, its children %d", id, tostring(c.size), size) end
    if c.distance < prev then bad("cluster %d's distance %.17g is below the previous merge's %.17g", id, c.distance, prev) end
    prev = c.distance
  end
  return leaves, clusters, idof, n
end

-- folio.plot.dendrogram{tree, title, width = 900, height = 420}: the leaves
-- along x in the tree's order (info.order), each merge a link at its
-- distance on the y axis.
function plot.dendrogram(args)
  local fname = "plot.dendrogram"
  check_keys(fname, args, DENDROGRAM_KEYS, 2)
  local title = check_label(fname, "", "title", args.title, 2)
  local W = check_size(fname, "", "width", args.width, 900, 2)
  local H = check_size(fname, "", "height", args.height, 420, 2)
  local tree = args.tree
  if type(tree) ~= "table" then
    argerror(fname, "tree must be the tree of folio.hrp{..., tree = true}, got " .. type(tree), 2)
  end
  local leaves, clusters, idof, n = check_tree(fname, tree, 2)

  local left, right, top = LEFT, W - RIGHT, TOP
  local plot_w = right - left
  if plot_w < MIN_PLOT then
    argerror(fname, string_format("width %s is too small (at least %d)", size_text(W), LEFT + RIGHT + MIN_PLOT), 2)
  end
  local band, longest = plot_w / n, 0
  for _, leaf in ipairs(leaves) do longest = math_max(longest, utf8_len(leaf.symbol)) end
  local label_w = longest * CHAR_WIDTH
  local rotated = label_w + 4 > band -- leaf labels written downwards when they do not fit side by side
  local labels_h = rotated and label_w + 10 or 18
  local bottom = H - BOTTOM - labels_h
  if bottom - top < MIN_PLOT then
    argerror(fname, string_format("height %s is too small for the leaf labels (at least %s)", size_text(H),
      size_text(TOP + BOTTOM + labels_h + MIN_PLOT)), 2)
  end
  local hi = 0
  for _, c in ipairs(clusters) do hi = math_max(hi, c.distance) end
  local y0, y1, yticks = linear_axis(fname, "the merge distances", 0, hi > 0 and hi or 1, false, 2)
  local yscale = (bottom - top) / (y1 - y0)
  local function Y(v) return bottom - (v - y0) * yscale end

  local out = {}
  open_svg(out, title, W, H)
  open_panel(out, "dendrogram", title, left, 20)
  draw_y_axis(out, yticks, Y, left, right, top, bottom, "distance")
  out[#out + 1] = string_format('<g class="axis x">\n<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="#333333"/>\n',
    coord(left), coord(bottom), coord(right), coord(bottom))
  local x_of, y_of = {}, {} -- by id
  for i, leaf in ipairs(leaves) do
    local x = left + (i - 0.5) * band
    x_of[leaf.id], y_of[leaf.id] = x, Y(0)
    local xt = coord(x)
    if rotated then
      local yt = coord(bottom + 6)
      out[#out + 1] = string_format('<text class="leaf" data-name="%s" x="%s" y="%s" text-anchor="end" ' ..
        'dominant-baseline="middle" transform="rotate(-90 %s %s)">%s</text>\n',
        escape(leaf.symbol), xt, yt, xt, yt, escape(leaf.symbol))
    else
      out[#out + 1] = string_format('<text class="leaf" data-name="%s" x="%s" y="%s" text-anchor="middle">%s</text>\n',
        escape(leaf.symbol), xt, coord(bottom + 14), escape(leaf.symbol))
    end
  end
  out[#out + 1] = '</g>\n<g class="links">\n'
  for k, c in ipairs(clusters) do
    local id, l, r = n + k - 1, idof[c.left], idof[c.right]
    local y = Y(c.distance)
    x_of[id], y_of[id] = (x_of[l] + x_of[r]) / 2, y
    out[#out + 1] = string_format('<path class="link" data-id="%d" data-distance="%.17g" fill="none" stroke="%s" ' ..
      'stroke-width="1.5" d="M%s,%s L%s,%s L%s,%s L%s,%s"/>\n', id, c.distance, LINK_COLOUR,
      coord(x_of[l]), coord(y_of[l]), coord(x_of[l]), coord(y), coord(x_of[r]), coord(y), coord(x_of[r]), coord(y_of[r]))
  end
  out[#out + 1] = '</g>\n</g>\n</svg>\n'
  return table_concat(out)
end

folio.plot = plot
