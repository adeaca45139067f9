-- folio/common.lua — helpers shared by the pure-Lua parts of the module
-- (policies, pipelines, ...). Every embedded chunk receives (folio, internal);
-- this one, loaded first (cmake/embed_lua.cmake puts it ahead of the others,
-- which follow in file-name order), fills `internal`, a private table that
-- scripts cannot reach. One definition each, so the parts cannot drift.
local folio, internal = ...

local pairs, type, error, setmetatable = pairs, type, error, setmetatable
local math_type, math_huge, math_tointeger, math_sqrt = math.type, math.huge, math.tointeger, math.sqrt
local string_format, string_match, string_gsub = string.format, string.match, string.gsub
local ipairs, table_concat = ipairs, table.concat
local sorted_keys = folio.sorted_keys

-- A key as text for messages, never calling a metamethod.
local function key_text(k)
  if type(k) == "string" then return "'" .. k .. "'" end
  if math_type(k) == "integer" then return string_format("%d", k) end
  return "<" .. type(k) .. ">"
end

-- %.15g, so 0.1 prints as 0.1 and integers without a fraction.
local function num_text(x)
  if math_type(x) == "integer" then return string_format("%d", x) end
  if type(x) == "number" then return string_format("%.15g", x) end
  return type(x) -- a value of the wrong type is named by its type
end

-- ---- argument errors, in the shapes of the C side (lua/module/largs.c) ----

-- Raises "bad argument #<argn> to '<fname>' (<msg>)", as fl_argerror does
-- (argn: the argument's position, 1 when nil; 2 for the options after a
-- value, the overrides after a ctx). `level` counts as for error(), from the
-- caller of argerror: 1 (the default) points at the line that calls
-- argerror, 2 at the line that called that function (the usual choice in a
-- public function), and so on.
local function argerror(fname, msg, level, argn)
  error("bad argument #" .. string_format("%d", argn or 1) .. " to '" .. fname .. "' (" .. msg .. ")", (level or 1) + 1)
end

-- Strict named arguments, as fl_check_args checks them: `args` must be a
-- table whose keys are all strings in `known` (a set). Raises through
-- argerror (same `level`), naming the first bad key in folio.sorted_keys
-- order (never a traversal-order accident):
--   "unknown key 'x' (expected one of: a, b)" ("expected no arguments" when
--   known is empty), "unexpected positional value #1; use named
--   arguments", "unexpected key of type boolean", and "table of named
--   arguments expected, got string" for a non-table.
-- `what` (optional) prefixes the message, e.g. "signals[2]: "; `argn`
-- (optional, 1 when nil) is the argument's position, as for argerror.
-- Returns args.
local function check_keys(fname, args, known, level, what, argn)
  level, what = (level or 1) + 1, what or ""
  if type(args) ~= "table" then
    argerror(fname, what .. "table of named arguments expected, got " .. type(args), level, argn)
  end
  for k in pairs(args) do
    if type(k) ~= "string" or not known[k] then
      for _, key in ipairs(sorted_keys(args)) do
        if type(key) ~= "string" or not known[key] then
          k = key
          break
        end
      end
      if type(k) == "number" then
        argerror(fname, what .. "unexpected positional value #" .. num_text(k) .. "; use named arguments", level,
          argn)
      elseif type(k) ~= "string" then
        argerror(fname, what .. "unexpected key of type " .. type(k), level, argn)
      end
      local names = sorted_keys(known)
      argerror(fname, what .. "unknown key " .. key_text(k) .. " (" ..
        (#names > 0 and "expected one of: " .. table_concat(names, ", ") or "expected no arguments") .. ")", level,
        argn)
    end
  end
  return args
end

local function shallow_copy(t)
  local c = {}
  for k, v in pairs(t) do c[k] = v end
  return c
end

local function is_finite(x) return type(x) == "number" and x == x and x ~= math_huge and x ~= -math_huge end

-- The finite number v of a parameter spec {type = "number"|"integer", min,
-- max, exclusive_min, exclusive_max} (policies and user position sizers):
-- an integral float becomes an integer for type "integer"; returns v, or
-- nil and the reason ("must be a whole number, got 2.5", "must be >= 1, got 0").
local function check_range(v, spec)
  if spec.type == "integer" then
    local i = math_tointeger(v)
    if not i then return nil, "must be a whole number, got " .. num_text(v) end
    v = i
  end
  if spec.min ~= nil then
    if spec.exclusive_min then
      if not (v > spec.min) then return nil, "must be > " .. num_text(spec.min) .. ", got " .. num_text(v) end
    elseif v < spec.min then
      return nil, "must be >= " .. num_text(spec.min) .. ", got " .. num_text(v)
    end
  end
  if spec.max ~= nil then
    if spec.exclusive_max then
      if not (v < spec.max) then return nil, "must be < " .. num_text(spec.max) .. ", got " .. num_text(v) end
    elseif v > spec.max then
      return nil, "must be <= " .. num_text(spec.max) .. ", got " .. num_text(v)
    end
  end
  return v
end

-- True when an error message starts with a location ("file.lua:12: ") that
-- is not one of folio's own embedded chunks ("[folio.policy]:40: ").
local function has_user_location(msg)
  return string_match(msg, "^[^\n]-:%d+: ") ~= nil and string_match(msg, "^%[folio%.[%w_]+%]:%d+: ") == nil
end

-- An error raised while running `label` (e.g. "policy 'x'"): strings without
-- a user location get the label in front (and lose folio's internal
-- location); anything else (a user location, a non-string error object) is
-- returned unchanged, so the second value says whether a caller location
-- should be added.
local function with_label(label, e)
  -- (an out-of-memory error stays exactly as it is: the host recognises it by its text)
  if type(e) ~= "string" or e == "not enough memory" or has_user_location(e) then return e, false end
  e = string_gsub(e, "^%[folio%.[%w_]+%]:%d+: ", "")
  return label .. ": " .. e, true
end

-- A read-only object: reads come from `fields` (which also holds the
-- methods), writes raise, the metatable is hidden, tostring is fixed.
local function locked(fields, text, what)
  return setmetatable({}, {
    __index = fields,
    __newindex = function(_, k) error("attempt to modify " .. what .. " (field " .. key_text(k) .. ")", 2) end,
    __metatable = false,
    __tostring = function() return text end,
    __name = what,
  })
end

-- The day number of a "YYYY-MM-DD" that is a real calendar date (days since
-- 1970-01-01, proleptic Gregorian; Howard Hinnant's days_from_civil), or nil.
local function date_days(s)
  if type(s) ~= "string" then return nil end
  local y, m, d = string_match(s, "^(%d%d%d%d)%-(%d%d)%-(%d%d)$")
  if not y then return nil end
  y, m, d = y + 0, m + 0, d + 0
  local mdays = { 31, (y % 4 == 0 and (y % 100 ~= 0 or y % 400 == 0)) and 29 or 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 }
  if m < 1 or m > 12 or d < 1 or d > mdays[m] then return nil end
  if m <= 2 then y = y - 1 end
  local era = y // 400                                          -- y >= -1: floor division is exact
  local yoe = y - era * 400                                     -- [0, 399]
  local doy = (153 * (m > 2 and m - 3 or m + 9) + 2) // 5 + d - 1 -- [0, 365], from March 1
  local doe = yoe * 365 + yoe // 4 - yoe // 100 + doy           -- [0, 146096]
  return era * 146097 + doe - 719468
end

-- "YYYY-MM-DD" (a real calendar date) or nil.
local function check_date(s)
  if date_days(s) then return s end
  return nil
end

-- Mean and sample standard deviation (ddof 1) of xs[1..n], summed in index
-- order (so results are bit-identical from run to run); the std is nil when
-- n < 2. folio.report and folio.backtest.statistics share it.
local function mean_std(xs)
  local n, sum = #xs, 0.0
  for i = 1, n do sum = sum + xs[i] end
  local mean = sum / n
  if n < 2 then return mean, nil end
  local ss = 0.0
  for i = 1, n do
    local d = xs[i] - mean
    ss = ss + d * d
  end
  return mean, math_sqrt(ss / (n - 1))
end

local CTX_TYPES = {
  signal = "table", returns = "userdata", nav_usd = "number", market = "userdata",
  weights = "table", asof = "number", session = "string", cov = "userdata",
  expected_returns = "table",
}

-- {SYM = {before = x, after = y}} for every name whose weight changed (a
-- missing name counts as 0; a missing before/after means "not held").
local function weight_changes(before, after)
  local all = {}
  for s in pairs(before) do all[s] = true end
  for s in pairs(after) do all[s] = true end
  local changed = {} -- keyed by symbol: the traversal order cannot show
  for s in pairs(all) do
    local b, a = before[s], after[s]
    if (b or 0) ~= (a or 0) then changed[s] = { before = b, after = a } end
  end
  return changed
end

-- The context a sizer sees: a fresh copy with its symbol tables copied too,
-- so a policy that writes into ctx changes only its own copy. Returns the
-- copy, or nil and the reason.
local function copy_ctx(ctx)
  if type(ctx) ~= "table" then return nil, "ctx must be a table, got " .. type(ctx) end
  local c = {}
  for _, k in pairs(sorted_keys(ctx)) do
    local v, want = ctx[k], CTX_TYPES[k]
    if not want then
      return nil, "unknown ctx key " .. key_text(k) ..
        " (expected one of: asof, cov, expected_returns, market, nav_usd, returns, session, signal, weights)"
    end
    if type(v) ~= want then return nil, "ctx." .. k .. " must be a " .. want .. ", got " .. type(v) end
    if want == "table" then
      -- fast path in table order; on a problem, rescan in symbol order so the
      -- reported entry does not depend on traversal order
      local t, bad = {}, false
      for s, x in pairs(v) do
        if type(s) ~= "string" or type(x) ~= "number" or (k ~= "signal" and not is_finite(x)) then
          bad = true
          break
        end
        t[s] = x
      end
      if bad then
        for _, s in pairs(sorted_keys(v)) do
          local x = v[s]
          if type(s) ~= "string" then return nil, "ctx." .. k .. " key " .. key_text(s) .. " is not a symbol" end
          if type(x) ~= "number" then return nil, "ctx." .. k .. "." .. s .. " must be a number, got " .. type(x) end
          if k ~= "signal" and not is_finite(x) then return nil, "ctx." .. k .. "." .. s .. " is not finite" end
        end
      end
      v = t
    end
    c[k] = v
  end
  if c.nav_usd ~= nil and not (c.nav_usd > 0 and c.nav_usd < math_huge) then
    return nil, "ctx.nav_usd must be finite and > 0"
  end
  return c
end

internal.CTX_TYPES = CTX_TYPES
internal.check_range = check_range
internal.argerror = argerror
internal.check_keys = check_keys
internal.key_text = key_text
internal.num_text = num_text
internal.shallow_copy = shallow_copy
internal.is_finite = is_finite
internal.date_days = date_days
internal.check_date = check_date
internal.mean_std = mean_std
internal.has_user_location = has_user_location
internal.with_label = with_label
internal.locked = locked
internal.weight_changes = weight_changes
internal.copy_ctx = copy_ctx
