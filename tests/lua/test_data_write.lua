-- tests/lua/test_data_write.lua — folio.data.write_csv: weights sorted by
-- symbol, a matrix in its own row and column order, RFC 4180 quoting, %.17g
-- numbers that read back bit for bit through folio.data.read_csv (random
-- matrices with a fixed seed, NaN, -0, subnormals, extremes), the atomic
-- replacement (no temporary file left), each bad input's message, and the
-- refusal in a sandboxed engine.
local T = dofile((arg[0]:match("^(.*)/") or ".") .. "/testlib.lua")
local data = folio.data

local tmp = T.tmpdir()
local function bits(v) return string.pack("<d", v) end
local function same_bits(a, b) return a == b or (a ~= a and b ~= b) end -- NaN: any NaN reads back as missing

-- ---- weights ----------------------------------------------------------------------

local w = { MSFT = 0.3, AAPL = 0.1 + 0.2, ["B,C"] = -1e-300, ['Q"x'] = 1 / 3, ZERO = 0.0, NEG = -0.0 }
local path = tmp .. "/weights.csv"
T.eq(data.write_csv{ weights = w, path = path }, nil, "write_csv returns nothing")
local text = T.read(path)
T.eq(text, table.concat({
  "symbol,weight",
  "AAPL,0.30000000000000004",
  '"B,C",-1e-300',
  "MSFT,0.29999999999999999",
  "NEG,-0",
  '"Q""x",0.33333333333333331',
  "ZERO,0",
  "" }, "\n"), "weights: sorted by symbol, quoted, %.17g")
local rec = data.read_records(path)
T.eq(table.concat(rec.columns, ","), "symbol,weight", "weights header")
T.eq(#rec.rows, 6, "one row per symbol")
for _, row in ipairs(rec.rows) do
  local s = row[2]:find("[.eEn]") and row[2] or row[2] .. ".0" -- (Lua reads "-0" as the integer 0)
  T.eq(bits(tonumber(s)), bits(w[row[1]]), "weight of " .. row[1] .. " reads back bit for bit")
end
data.write_csv{ weights = {}, path = tmp .. "/empty.csv" }
T.eq(T.read(tmp .. "/empty.csv"), "symbol,weight\n", "no weights: the header alone")

-- ---- a matrix: its own order, bit for bit through read_csv ---------------------------

local NaN = 0 / 0
local special = {
  { 1 / 3, NaN, -0.0, 5e-324 },
  { 1.7976931348623157e308, -2.2250738585072014e-308, 0.1, NaN },
  { -1e-5, 123456789012345678, 1, -1 },
}
local m = folio.matrix{ special[1], special[2], special[3],
  rows = { "2024-01-02", "2024-01-03", "2024-01-04 10:30" }, cols = { "ZZZ", "A,B", 'q"t', "x y" } }
path = tmp .. "/m.csv"
data.write_csv{ matrix = m, path = path }
text = T.read(path)
T.eq(text:match("^[^\n]*"), 'date,ZZZ,"A,B","q""t",x y', "header: date, then the columns in order, quoted")
T.check(text:find("\n2024-01-02,0.33333333333333331,,-0,4.9406564584124654e-324\n", 1, true), "row 1 text: " .. text)
local back = data.read_csv(path)
T.eq(table.concat(back:rows(), "|"), table.concat(m:rows(), "|"), "row labels read back in order")
T.eq(table.concat(back:cols(), "|"), table.concat(m:cols(), "|"), "column labels read back in order")
local ok = true
for i = 1, 3 do
  for j = 1, 4 do
    local a, b = special[i][j], back:get(i, j)
    if a ~= a then
      ok = ok and b == nil
    else
      ok = ok and b ~= nil and bits(a) == bits(b)
    end
  end
end
T.check(ok, "special values read back bit for bit (NaN as missing, -0 as -0)")

-- random matrices, fixed seed: every double reads back bit for bit
math.randomseed(20240613)
local all_ok, n_values = true, 0
for trial = 1, 20 do
  local n_rows, n_cols = math.random(1, 40), math.random(1, 12)
  local rows, cols, values = {}, {}, {}
  for i = 1, n_rows do
    rows[i] = string.format("%04d-%02d-%02d", 2000 + i // 12, i % 12 + 1, 1 + trial % 28)
    values[i] = {}
    for j = 1, n_cols do
      local r = math.random()
      local v
      if r < 0.05 then
        v = NaN
      elseif r < 0.1 then
        v = string.unpack("<d", string.pack("<i8", math.random(0, (1 << 52) - 1))) -- a subnormal
      else
        v = (math.random() - 0.5) * 10.0 ^ math.random(-300, 300)
      end
      values[i][j] = v
    end
  end
  -- rows must increase as dates: sort them
  table.sort(rows)
  for j = 1, n_cols do cols[j] = "S" .. (n_cols - j) end -- a column order that is not sorted
  local args = { rows = rows, cols = cols }
  for i = 1, n_rows do args[i] = values[i] end
  local rm = folio.matrix(args)
  local p = tmp .. "/r" .. trial .. ".csv"
  data.write_csv{ matrix = rm, path = p }
  local rb = data.read_csv(p)
  all_ok = all_ok and rb:digest() == rm:digest()
  for i = 1, n_rows do
    for j = 1, n_cols do
      n_values = n_values + 1
      local a, b = values[i][j], rb:get(i, j)
      if a ~= a then all_ok = all_ok and b == nil else all_ok = all_ok and b ~= nil and bits(a) == bits(b) end
    end
  end
end
T.check(all_ok, "20 random matrices (" .. n_values .. " values) read back bit for bit, same digest")

-- a matrix whose rows are not dates (a covariance): "label" in the corner
local cov = folio.matrix{ { 0.04, 0.01 }, { 0.01, 0.09 }, rows = { "AAA", "BBB" }, cols = { "AAA", "BBB" } }
data.write_csv{ matrix = cov, path = tmp .. "/cov.csv" }
T.eq(T.read(tmp .. "/cov.csv"), "label,AAA,BBB\nAAA,0.040000000000000001,0.01\nBBB,0.01,0.089999999999999997\n",
  "covariance: label corner, rows and columns in order")

-- ---- atomic replacement ----------------------------------------------------------------

T.write(tmp .. "/replace.csv", "old contents\n")
data.write_csv{ weights = { A = 1 }, path = tmp .. "/replace.csv" }
T.eq(T.read(tmp .. "/replace.csv"), "symbol,weight\nA,1\n", "an existing file is replaced whole")
local ls = io.popen("ls -A '" .. tmp .. "'")
local names = ls:read("a")
ls:close()
T.check(not names:find("%.tmp") and not names:find("~"), "no temporary file left: " .. names)

-- ---- bad inputs ---------------------------------------------------------------------------

local p = tmp .. "/bad.csv"
T.raises(function() data.write_csv{ weights = { A = 1 }, matrix = m, path = p } end,
  { "write_csv", "give either weights or matrix, not both" }, "both")
T.raises(function() data.write_csv{ path = p } end, { "write_csv", "not neither" }, "neither")
T.raises(function() data.write_csv{ weights = { A = 0.5, B = NaN }, path = p } end, { "weights.B is NaN" }, "NaN weight")
T.raises(function() data.write_csv{ weights = { A = math.huge }, path = p } end, { "weights.A is infinite" }, "inf weight")
T.raises(function() data.write_csv{ weights = { 0.5 }, path = p } end, { "not a symbol string" }, "array weights")
T.raises(function() data.write_csv{ weights = { A = 1 }, path = "" } end, { "write_csv", "path is empty" }, "empty path")
T.raises(function() data.write_csv{ weights = { A = 1 } } end, { "write_csv", "path is required" }, "no path")
T.raises(function() data.write_csv{ weights = { A = 1 }, path = 7 } end, { "path must be a string" }, "path a number")
T.raises(function() data.write_csv{ weights = { A = 1 }, path = tmp .. "/no/such/dir/x.csv" } end,
  { "data.write_csv", tmp .. "/no/such/dir/x.csv" }, "unwritable path named")
T.raises(function() data.write_csv{ matrix = { 1, 2 }, path = p } end, { "write_csv", "matrix" }, "matrix not a matrix")
T.raises(function() data.write_csv{ weights = { A = 1 }, path = p, sorted = true } end,
  { "write_csv", "unknown key 'sorted'" }, "unknown key")
T.raises(function() data.write_csv("x.csv") end, { "write_csv" }, "not a table")
T.check(T.read(p) == nil, "no file written by a bad call")

-- ---- a writer: refused in a sandbox ------------------------------------------------------

local found = false
for _, name in ipairs(folio.capabilities.writes) do found = found or name == "data.write_csv" end
T.check(found, "data.write_csv is listed in folio.capabilities.writes")
local bin = (os.getenv("FOLIO_BUILD_DIR") or "build") .. "/folio"
T.write(tmp .. "/sandboxed.lua", [[
print(pcall(folio.data.write_csv, { weights = { A = 1 }, path = "sandbox_written.csv" }))
]])
if bin:sub(1, 1) ~= "/" then -- the script runs in tmp: the program by its absolute path
  local pwd = io.popen("pwd")
  bin = pwd:read("l") .. "/" .. bin
  pwd:close()
end
local okx, _, code = os.execute("cd '" .. tmp .. "' && '" .. bin .. "' run sandboxed.lua > out.txt 2>&1")
local out = T.read(tmp .. "/out.txt") or ""
T.check(okx, "sandboxed script runs: " .. out .. tostring(code))
T.check(out:find("data.write_csv: needs a trusted engine", 1, true), "refused in a sandbox: " .. out)
T.check(T.read(tmp .. "/sandbox_written.csv") == nil, "nothing written by the sandbox")

os.execute("rm -rf '" .. tmp .. "'")
T.finish("test_data_write")
