-- folio.format: readable, diff-able output of weights and tables.
-- Everything is sorted by symbol (or by the caller's row order) so that the
-- same inputs always print the same text.
local folio, internal = ...
local argerror, check_keys = internal.argerror, internal.check_keys -- folio/common.lua

local function sorted_keys(t, fname, what)
  local keys = {}
  for k, v in pairs(t) do
    if type(k) ~= "string" or type(v) ~= "number" then
      -- report the first bad entry in folio.sorted_keys order, never a traversal-order accident
      for _, key in ipairs(folio.sorted_keys(t)) do
        if type(key) ~= "string" then
          argerror(fname, string.format("%s key %s is not a symbol", what, tostring(key)), 3)
        end
        if type(t[key]) ~= "number" then
          argerror(fname, string.format("%s.%s is a %s, expected a number", what, key, type(t[key])), 3)
        end
      end
    end
    keys[#keys + 1] = k
  end
  table.sort(keys)
  return keys
end

local FORMAT_WEIGHTS_OPTS = { digits = true, total = true }

-- folio.format_weights(w [, opts]) -> string
-- One line per symbol, sorted: "AAPL      0.100000". opts.digits (default 6),
-- opts.total (default true) appends gross and net lines.
function folio.format_weights(w, opts)
  if type(w) ~= "table" then
    argerror("format_weights", "table {SYMBOL = weight} expected, got " .. type(w), 2)
  end
  opts = check_keys("format_weights", opts or {}, FORMAT_WEIGHTS_OPTS, 2, nil, 2)
  local digits = opts.digits or 6
  if math.type(digits) ~= "integer" or digits < 0 or digits > 17 then
    argerror("format_weights", "digits must be a whole number in 0..17", 2, 2)
  end
  local keys = sorted_keys(w, "format_weights", "weights")
  local width = 6
  for _, k in ipairs(keys) do width = math.max(width, #k) end
  local out, gross, net = {}, 0.0, 0.0
  local fmt = "%-" .. width .. "s  %" .. (digits + 4) .. "." .. digits .. "f"
  out[#out + 1] = string.format("%-" .. width .. "s  %" .. (digits + 4) .. "s", "symbol", "weight")
  for _, k in ipairs(keys) do
    out[#out + 1] = string.format(fmt, k, w[k])
    gross, net = gross + math.abs(w[k]), net + w[k]
  end
  if opts.total ~= false then
    out[#out + 1] = string.format(fmt, "gross", gross)
    out[#out + 1] = string.format(fmt, "net", net)
  end
  return table.concat(out, "\n") .. "\n"
end

-- folio.print_weights(w [, opts]): prints folio.format_weights(w, opts).
-- Uses io.write where the host provides io, else print (sandboxed policies).
function folio.print_weights(w, opts)
  local text = folio.format_weights(w, opts)
  if io and io.write then io.write(text) else print((text:gsub("\n$", ""))) end
end

-- folio.format_table{columns = {"symbol", "weight", ...}, rows = {{...}, ...},
--                    formats = {weight = "%.4f", ...}} -> string
-- An aligned text table; numbers right-aligned, text left-aligned. Rows are
-- printed in the order given (sort them first for stable output).
local TABLE_KEYS = { columns = true, rows = true, formats = true }
function folio.format_table(args)
  check_keys("format_table", args, TABLE_KEYS, 2)
  local cols, rows, formats = args.columns, args.rows, args.formats or {}
  if type(cols) ~= "table" or #cols == 0 then
    argerror("format_table", "columns must be a non-empty array of names", 2)
  end
  if type(rows) ~= "table" then
    argerror("format_table", "rows must be an array of tables", 2)
  end
  local cells, width, numeric = {}, {}, {}
  for j, c in ipairs(cols) do width[j] = #tostring(c) end
  for i, row in ipairs(rows) do
    if type(row) ~= "table" then
      argerror("format_table", string.format("rows[%d] is a %s, expected a table", i, type(row)), 2)
    end
    cells[i] = {}
    for j, c in ipairs(cols) do
      local v = row[c]
      if v == nil then v = row[j] end
      local s
      if type(v) == "number" then
        numeric[j] = true
        s = string.format(formats[c] or (math.type(v) == "integer" and "%d" or "%.6f"), v)
      elseif v == nil then
        s = ""
      else
        s = tostring(v)
      end
      cells[i][j] = s
      if #s > width[j] then width[j] = #s end
    end
  end
  local function line(values)
    local parts = {}
    for j = 1, #cols do
      local w = width[j]
      parts[j] = numeric[j] and string.format("%" .. w .. "s", values[j]) or string.format("%-" .. w .. "s", values[j])
    end
    return (table.concat(parts, "  "):gsub("%s+$", ""))
  end
  local out = { line(cols) }
  local rule = {}
  for j = 1, #cols do rule[j] = string.rep("-", width[j]) end
  out[2] = table.concat(rule, "  ")
  for i = 1, #cells do out[#out + 1] = line(cells[i]) end
  return table.concat(out, "\n") .. "\n"
end

-- folio.sorted_symbols(t) -> array of the table's keys, sorted.
function folio.sorted_symbols(t)
  if type(t) ~= "table" then
    argerror("sorted_symbols", "table expected, got " .. type(t), 2)
  end
  return folio.sorted_keys(t)
end
