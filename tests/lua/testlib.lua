-- tests/lua/testlib.lua — a small harness for Lua tests run through the host.
-- Each check counts; finish() prints "N passed, N failed" and fails the process.
local T = { passed = 0, failed = 0 }

local function report(ok, msg, level)
  if ok then
    T.passed = T.passed + 1
  else
    T.failed = T.failed + 1
    local info = debug and debug.getinfo(level or 3, "Sl")
    local where = info and (info.short_src .. ":" .. info.currentline) or "?"
    io.stderr:write(where .. ": FAILED: " .. tostring(msg) .. "\n")
  end
  return ok
end

function T.check(cond, msg) return report(cond and true or false, msg or "check") end

function T.eq(a, b, msg)
  return report(a == b, (msg or "eq") .. ": got " .. tostring(a) .. ", want " .. tostring(b))
end

function T.near(a, b, tol, msg)
  local ok = type(a) == "number" and type(b) == "number" and math.abs(a - b) <= tol
  return report(ok, string.format("%s: got %s, want %s (tol %g)", msg or "near", tostring(a), tostring(b), tol))
end

-- fn must raise an error whose message contains every plain-text needle.
function T.raises(fn, needles, msg)
  local ok, err = pcall(fn)
  if ok then return report(false, (msg or "raises") .. ": no error raised") end
  err = tostring(err)
  if type(needles) == "string" then needles = { needles } end
  for _, n in ipairs(needles or {}) do
    if not err:find(n, 1, true) then
      return report(false, (msg or "raises") .. ": error '" .. err .. "' lacks '" .. n .. "'")
    end
  end
  return report(true)
end

function T.keys(t)
  local k = {}
  for key in pairs(t) do k[#k + 1] = key end
  table.sort(k)
  return k
end

-- Writes text to a fresh temporary file and returns its path.
function T.tmpfile(text)
  local path = os.tmpname()
  local f = assert(io.open(path, "w"))
  f:write(text)
  f:close()
  T.tmp = T.tmp or {}
  T.tmp[#T.tmp + 1] = path
  return path
end

-- A fresh temporary folder (removed by the caller: rm -rf).
function T.tmpdir()
  local p = os.tmpname()
  os.remove(p)
  assert(os.execute("mkdir -p '" .. p .. "'"))
  return p
end

-- The bytes of a file, or nil when it cannot be opened.
function T.read(path)
  local f = io.open(path, "rb")
  if not f then return nil end
  local t = f:read("a")
  f:close()
  return t
end

-- Writes text to path (raises when it cannot).
function T.write(path, text)
  local f = assert(io.open(path, "wb"))
  f:write(text)
  f:close()
end

-- A copy of base with the keys of extra set over it (one level): a call's
-- arguments with one changed, for the bad-input tests.
function T.with(base, extra)
  local t = {}
  for k, v in pairs(base) do t[k] = v end
  for k, v in pairs(extra) do t[k] = v end
  return t
end

-- A folio.matrix of rows (arrays of numbers) with columns cols and row labels
-- from fmt (a string.format pattern of the row number; default "d%02d").
function T.matrix(rows, cols, fmt)
  local labels = {}
  for i = 1, #rows do labels[i] = string.format(fmt or "d%02d", i) end
  rows.rows, rows.cols = labels, cols
  return folio.matrix(rows)
end

-- Runs a shell command: its exit status and its stdout and stderr together.
function T.sh(cmd)
  local f = io.popen(cmd .. " 2>&1; echo \"rc=$?\"")
  local out = f:read("a")
  f:close()
  return tonumber(out:match("rc=(%d+)%s*$")), out
end

-- ../shared/reference or nil (with a visible message).
function T.reference_dir()
  local dir = os.getenv("FOLIO_REFERENCE_DIR")
  if dir and io.open(dir .. "/README.md", "r") then return dir end
  return nil
end

-- Reads a reference CSV: header row, then rows whose first cell is a label;
-- lines starting with '#' are comments.
function T.read_ref_csv(path)
  local f = assert(io.open(path, "r"))
  local header, rows = nil, {}
  for line in f:lines() do
    line = line:gsub("\r$", "")
    if line ~= "" and line:sub(1, 1) ~= "#" then -- '#': a header comment (how the file was made)
      local cells = {}
      for cell in (line .. ","):gmatch("([^,]*),") do cells[#cells + 1] = cell end
      if not header then header = cells else rows[#rows + 1] = cells end
    end
  end
  f:close()
  return header, rows
end

function T.finish(name)
  for _, p in ipairs(T.tmp or {}) do os.remove(p) end
  print(string.format("%s: %d passed, %d failed", name, T.passed, T.failed))
  if T.failed > 0 then os.exit(1) end
end

return T
