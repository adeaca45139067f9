-- folio.config.override and folio.config.check: a fund with some values
-- changed — a sweep's combination (folio.sweep), an account's override
-- columns (folio.accounts) — and checked by the fund file's own rules
-- (docs/config.md), so that a grid or an accounts file can never set what a
-- fund file could not.
local folio = ...

local pairs, ipairs, type, error, tostring, tonumber, pcall = pairs, ipairs, type, error, tostring, tonumber, pcall
local string_format, table_concat = string.format, table.concat

local M = folio.config

local function deep_copy(v)
  if type(v) ~= "table" then return v end
  local t = {}
  for k, x in pairs(v) do t[k] = deep_copy(x) end
  return t
end

-- A copy whose whole floats are integers, as a fund file writes them (the
-- loader hands some whole-number settings back as floats; the text form of
-- 252.0 would read as a fraction).
local function file_numbers(v)
  if type(v) == "table" then
    local t = {}
    for k, x in pairs(v) do t[k] = file_numbers(x) end
    return t
  end
  return math.type(v) == "float" and math.tointeger(v) or v
end

-- The parent table and the leaf key of a dotted path in cfg (`sleeves.NAME`
-- picks the sleeve of that name), and whether the leaf is a policy parameter
-- (sleeves.NAME.params.KEY: free-form, checked by the policy); nil, message
-- when the path does not lead to a value of the fund.
local function resolve(cfg, path)
  local segs = {}
  for seg in (path .. "."):gmatch("([^.]*)%.") do segs[#segs + 1] = seg end
  local t = cfg
  for i = 1, #segs - 1 do
    local seg, nxt = segs[i], nil
    if seg == "" then return nil, "an empty segment" end
    if t == cfg.sleeves then
      for _, s in ipairs(cfg.sleeves) do if s.name == seg then nxt = s end end
      if not nxt then return nil, string_format("no sleeve named '%s'", seg) end
    else
      nxt = t[seg]
    end
    if type(nxt) ~= "table" then return nil, string_format("'%s' is not a section of the fund", table_concat(segs, ".", 1, i)) end
    t = nxt
  end
  local leaf, in_params = segs[#segs], segs[#segs - 1] == "params" and #segs >= 4 and segs[1] == "sleeves"
  if leaf == "" then return nil, "an empty segment" end
  if t[leaf] == nil and not in_params then return nil, string_format("the fund has no '%s' there", leaf) end
  if type(t[leaf]) == "table" then return nil, "a section, not a value" end
  return t, leaf
end

-- A text typed as base (the fund's value; nil: inferred); nil, message.
local function typed(text, base)
  local want = base == nil and (tonumber(text) and "number" or (text == "true" or text == "false") and "boolean" or "string")
    or type(base)
  if want == "number" then
    local v = tonumber(text)
    if not v or v ~= v or v == math.huge or v == -math.huge then return nil, string_format("'%s' is not a number", text) end
    if math.type(base) == "float" then v = v + 0.0 end
    return v
  elseif want == "boolean" then
    if text ~= "true" and text ~= "false" then return nil, string_format("'%s' is not true or false", text) end
    return text == "true"
  end
  return text
end

--- folio.config.get(cfg, path) -> the value at a dotted path of the fund
--- (as folio.config.override names them), or nil, message.
function M.get(cfg, path)
  if type(cfg) ~= "table" or type(path) ~= "string" then error("config.get(cfg, path) expected", 2) end
  local parent, leaf = resolve(cfg, path)
  if not parent then return nil, string_format("unknown fund path '%s': %s", path, leaf) end
  return parent[leaf]
end

--- folio.config.check(cfg) -> cfg: raises "config.check: <key>: <rule>"
--- unless cfg (a table folio.config.load returned, changed) is a fund a fund
--- file could hold: the same rules, ranges and cross-checks as the loader.
function M.check(cfg)
  if type(cfg) ~= "table" or type(cfg.sleeves) ~= "table" then error("config.check: a fund table expected", 2) end
  -- what the loader adds beside the file's keys: its path, positions, flags
  local plain = file_numbers(cfg)
  plain.path = nil
  for _, s in ipairs(plain.sleeves) do s.where = nil end
  if type(plain.limits) == "table" then plain.limits.capacity_set = nil end
  local ok, why = pcall(M.parse, { text = folio.store.encode_json(plain), name = "fund", sizers = false })
  if not ok then
    error("config.check: " .. tostring(why):gsub("^config%.parse: fund:%d+:%d+: ", ""):gsub("^config%.parse: ", ""), 2)
  end
  return cfg
end

--- folio.config.override{fund = cfg, set = {{path, value}, ...}, text = false}
--- -> a new fund table: a deep copy of cfg with each value set at its path
--- (`limits.max_gross`, `composition.max_weekly_turnover`,
--- `sleeves.NAME.allocation`, `sleeves.NAME.params.KEY` — a policy parameter
--- may be new), then checked (folio.config.check). A value has the type of
--- the fund's (a whole number where the fund has one; a float stays a float);
--- with `text = true` values are texts typed as the fund's. Raises
--- "config.override: PATH: why" naming the path.
function M.override(args)
  if type(args) ~= "table" or type(args.fund) ~= "table" or type(args.set) ~= "table" then
    error("config.override{fund = cfg, set = {{path, value}, ...}} expected", 2)
  end
  local cfg = deep_copy(args.fund)
  for i, kv in ipairs(args.set) do
    local path, v = kv[1], kv[2]
    if type(path) ~= "string" then error(string_format("config.override: set[%d]: a path string expected", i), 2) end
    local parent, leaf = resolve(cfg, path)
    if not parent then error(string_format("config.override: unknown fund path '%s': %s", path, leaf), 2) end
    local base = parent[leaf]
    if args.text then
      local why
      v, why = typed(tostring(v), base)
      if v == nil then error(string_format("config.override: %s: %s", path, why), 2) end
    else
      if type(v) ~= "number" and type(v) ~= "string" and type(v) ~= "boolean" then
        error(string_format("config.override: %s: a number, a string or a boolean expected, got %s", path, type(v)), 2)
      end
      if base ~= nil and type(v) ~= type(base) then
        error(string_format("config.override: %s: %s is a %s, the fund's value is a %s", path, tostring(v), type(v), type(base)), 2)
      end
      if math.type(base) == "integer" and math.type(v) ~= "integer" then
        error(string_format("config.override: %s: %s must be a whole number", path, tostring(v)), 2)
      end
      if math.type(base) == "float" then v = v + 0.0 end
    end
    parent[leaf] = v
    -- a capacity setting given is one the fund asks for, as when a fund file sets it (volumes then required)
    if path == "limits.fraction_of_adv" or path == "limits.adv_lookback_days" then cfg.limits.capacity_set = true end
  end
  local ok, why = pcall(M.check, cfg)
  if not ok then error("config.override: " .. tostring(why):gsub("^config%.check: ", ""), 2) end
  return cfg
end

return M
