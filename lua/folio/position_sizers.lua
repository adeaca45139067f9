-- folio.position_sizers: one interface, "how many units for this entry?",
-- with three built-in kinds and a registry for users' own sizers.
--
--   local s = folio.position_sizers.new{kind = "risk_based", risk_per_trade = 0.01, stop_loss_pct = 0.05}
--   local units, info = s:units{symbol = "AAPL", price = 190.0, equity = 1e6}
--
-- Kinds: "risk_based" (default), "portfolio_weight", "beta", and any name
-- given to folio.position_sizers.register{name, units, params}. The
-- arithmetic lives in the core (position_sizers.h, through the primitives
-- of lposition_sizers.c); this file parses arguments, keeps the objects and
-- the registry, and checks what a user sizer returns.
--
-- As in policy.lua: every global is captured below, mutable state (the
-- registry, object state) lives in upvalues, never in `folio`, and nothing
-- here touches io or os, so sandboxed policies can use it through their
-- read-only proxy of `folio`.
local folio, internal = ...

local pairs, ipairs, type, error, pcall, setmetatable, tostring =
  pairs, ipairs, type, error, pcall, setmetatable, tostring
local math_type, math_huge, math_tointeger = math.type, math.huge, math.tointeger
local string_format, string_match, string_gsub = string.format, string.match, string.gsub
local table_concat, table_sort = table.concat, table.sort

local C = folio.position_sizers -- the primitives (lposition_sizers.c)
local c_risk_based, c_portfolio_weight, c_beta_scaled, c_round_lots, c_beta =
  C._risk_based, C._portfolio_weight, C._beta_scaled, C._round_lots, C.beta
local BETA_MIN, BETA_MAX = C._beta_min, C._beta_max

-- The documented defaults (docs/lua-api.md, folio.position_sizers).
local DEFAULTS = {
  risk_per_trade = 0.01, -- 1 % of equity at risk per entry
  stop_loss_pct = 0.05,  -- stop 5 % below (above) the entry price
  window = 252,          -- beta window, in return observations
  beta_min = BETA_MIN,   -- 0.25
  beta_max = BETA_MAX,   -- 4.0
  lot_size = 1,
  fractional = false,
}

-- ---- helpers -------------------------------------------------------------------------

-- shared with the other Lua parts (folio/common.lua)
local is_finite, num_text, key_text, check_range =
  internal.is_finite, internal.num_text, internal.key_text, internal.check_range

local argerror, check_keys = internal.argerror, internal.check_keys

-- Calls a C primitive; its error (no location of its own) is raised again
-- at the caller of the function that called call() (level 3).
local function call(fn, ...)
  local ok, a, b = pcall(fn, ...)
  if ok then return a, b end
  if type(a) == "string" and a ~= "not enough memory" then
    a = string_gsub(a, "^%[folio%.[%w_]+%]:%d+: ", "")
    error(a, 3)
  end
  error(a, 0)
end

-- Sorted, comma-separated string keys of t.
local function key_list(t)
  local k = {}
  for name in pairs(t) do k[#k + 1] = name end
  table_sort(k)
  return table_concat(k, ", ")
end

-- args[key] as a finite number in a range; `lo_open` makes lo exclusive.
local function opt_number(fname, args, key, def, lo, lo_open, hi, level)
  local v = args[key]
  if v == nil then return def end
  if type(v) ~= "number" then argerror(fname, key .. " must be a number, got " .. type(v), level + 1) end
  if not is_finite(v) then argerror(fname, key .. " must be finite, got " .. num_text(v), level + 1) end
  if lo ~= nil and (lo_open and not (v > lo) or not lo_open and v < lo) then
    argerror(fname, key .. " must be " .. (lo_open and "> " or ">= ") .. num_text(lo) .. ", got " .. num_text(v), level + 1)
  end
  if hi ~= nil and v > hi then
    argerror(fname, key .. " must be <= " .. num_text(hi) .. ", got " .. num_text(v), level + 1)
  end
  return v
end

local function opt_boolean(fname, args, key, def, level)
  local v = args[key]
  if v == nil then return def end
  if type(v) ~= "boolean" then argerror(fname, key .. " must be a boolean, got " .. type(v), level + 1) end
  return v
end

-- A {SYM = finite number} table copied, or an error naming the entry.
local function symbol_numbers(fname, key, t, level)
  if type(t) ~= "table" then argerror(fname, key .. " must be a table {SYMBOL = number}, got " .. type(t), level + 1) end
  local c = {}
  for s, v in pairs(t) do
    if type(s) ~= "string" or s == "" then argerror(fname, key .. ": a key " .. key_text(s) .. " is not a symbol", level + 1) end
    if not is_finite(v) then argerror(fname, key .. "." .. s .. " must be a finite number, got " .. num_text(v), level + 1) end
    c[s] = v
  end
  return c
end

-- (the C side checks the userdata really is a folio.matrix; tostring could run a foreign __tostring)
local function is_matrix(x) return type(x) == "userdata" end

-- ---- the registry of user sizers -------------------------------------------------------

local BUILTIN = { risk_based = true, portfolio_weight = true, beta = true }
local registry = {} -- name -> {name, description, units, params = {p = spec}}
local NAME_PATTERN = "^[%a_][%w_%.]*$"
local SPEC_KEYS = { type = true, default = true, required = true, min = true, max = true, doc = true }
local PARAM_TYPES = { number = true, integer = true, string = true, boolean = true, table = true }
local COMMON_KEYS = { kind = true, lot_size = true, fractional = true }

-- Checks value v against spec; returns the value or nil, reason.
local function check_param(v, spec)
  local t = spec.type
  if t == "number" or t == "integer" then
    if not is_finite(v) then return nil, "must be a finite number, got " .. num_text(v) end
    return check_range(v, spec) -- specs here have no exclusive_min/max (SPEC_KEYS)
  end
  if type(v) ~= t then return nil, "must be a " .. t .. ", got " .. type(v) end
  return v
end

-- folio.position_sizers.register{name, units = function(self, args) ... end, params = {...},
--   description = "...", replace = false}
local function register(decl)
  local fname = "position_sizers.register"
  if type(decl) ~= "table" then argerror(fname, "table of named arguments expected, got " .. type(decl), 2) end
  check_keys(fname, decl, { name = true, units = true, params = true, description = true, replace = true }, 2)
  local name = decl.name
  if type(name) ~= "string" or not string_match(name, NAME_PATTERN) then
    argerror(fname, "name must be a string matching " .. NAME_PATTERN .. ", got " .. num_text(name), 2)
  end
  if BUILTIN[name] then argerror(fname, "'" .. name .. "' is a built-in sizer and cannot be replaced", 2) end
  if registry[name] and decl.replace ~= true then
    argerror(fname, "a sizer named '" .. name .. "' is already registered (pass replace = true)", 2)
  end
  if decl.replace ~= nil and type(decl.replace) ~= "boolean" then argerror(fname, "replace must be a boolean", 2) end
  if type(decl.units) ~= "function" then
    argerror(fname, "units must be a function(self, args) returning units, got " .. type(decl.units), 2)
  end
  if decl.description ~= nil and type(decl.description) ~= "string" then
    argerror(fname, "description must be a string", 2)
  end
  local params = {}
  if decl.params ~= nil then
    if type(decl.params) ~= "table" then argerror(fname, "params must be a table {name = spec}", 2) end
    for p, spec in pairs(decl.params) do
      if type(p) ~= "string" or not string_match(p, "^[%a_][%w_]*$") then
        argerror(fname, "params: bad parameter name " .. key_text(p), 2)
      end
      if COMMON_KEYS[p] then argerror(fname, "params." .. p .. ": '" .. p .. "' is reserved (every sizer has it)", 2) end
      if type(spec) ~= "table" then argerror(fname, "params." .. p .. " must be a spec table {type =, default =, ...}", 2) end
      check_keys(fname .. " params." .. p, spec, SPEC_KEYS, 2)
      if not PARAM_TYPES[spec.type] then
        argerror(fname, "params." .. p .. ": type must be one of boolean, integer, number, string, table", 2)
      end
      local c = { type = spec.type, required = spec.required and true or nil, doc = spec.doc }
      for _, k in ipairs{ "min", "max" } do
        if spec[k] ~= nil then
          if not is_finite(spec[k]) then argerror(fname, "params." .. p .. ": " .. k .. " must be a finite number", 2) end
          c[k] = spec[k]
        end
      end
      if spec.default ~= nil then
        if c.required then argerror(fname, "params." .. p .. ": a required parameter has no default", 2) end
        local v, why = check_param(spec.default, c)
        if v == nil then argerror(fname, "params." .. p .. ": default " .. why, 2) end
        c.default = v
      end
      params[p] = c
    end
  end
  registry[name] = { name = name, description = decl.description, units = decl.units, params = params }
  return name
end

-- folio.position_sizers.names() -> sorted names of every kind (built-ins too)
local function names()
  local n = {}
  for k in pairs(BUILTIN) do n[#n + 1] = k end
  for k in pairs(registry) do n[#n + 1] = k end
  table_sort(n)
  return n
end

-- ---- sizer objects ----------------------------------------------------------------------

local state = setmetatable({}, { __mode = "k" }) -- object -> private state
local methods = {}

-- Reads and checks the arguments of s:units.
local function units_args(args, level)
  local fname = "units"
  if type(args) ~= "table" then argerror(fname, "table of named arguments expected, got " .. type(args), level + 1) end
  check_keys(fname, args, { symbol = true, price = true, equity = true }, level + 1)
  local sym = args.symbol
  if sym ~= nil and (type(sym) ~= "string" or sym == "") then
    argerror(fname, "symbol must be a non-empty string, got " .. num_text(sym), level + 1)
  end
  if args.price == nil then argerror(fname, "price is required", level + 1) end
  if args.equity == nil then argerror(fname, "equity is required", level + 1) end
  if type(args.price) ~= "number" then argerror(fname, "price must be a number, got " .. type(args.price), level + 1) end
  if type(args.equity) ~= "number" then argerror(fname, "equity must be a number, got " .. type(args.equity), level + 1) end
  return sym, args.price, args.equity
end

local function notional(units, price) return folio.usd_round_cents(units * price) end

-- s:units{symbol =, price =, equity =} -> units, info
function methods.units(self, args)
  local st = state[self]
  if not st then error("bad self to 'units' (a position sizer expected)", 2) end
  local sym, price, equity = units_args(args, 2)
  local kind, p = st.kind, st.params
  local lot, frac = p.lot_size, p.fractional
  local info = { kind = kind, symbol = sym, price = price, equity = equity }
  local units
  if kind == "risk_based" then
    units = call(c_risk_based, equity, p.risk_per_trade, price, p.stop_loss_pct, lot, frac)
    info.risk_per_trade, info.stop_loss_pct = p.risk_per_trade, p.stop_loss_pct
    info.risk_budget = equity * p.risk_per_trade
    info.raw_units = info.risk_budget / (price * p.stop_loss_pct)
  elseif kind == "portfolio_weight" then
    if sym == nil then argerror("units", "symbol is required by a portfolio_weight sizer", 2) end
    local w = st.weights[sym]
    info.weight = w or 0
    if w == nil then
      info.reason = "not in weights"
      -- still validates price and equity
      units = call(c_portfolio_weight, 0, equity, price, lot, frac)
    else
      units = call(c_portfolio_weight, w, equity, price, lot, frac)
      info.raw_units = (w < 0 and -w or w) * equity / price
      if w ~= 0 then info.side = w > 0 and "BUY" or "SELL" end
    end
  elseif kind == "beta" then
    if sym == nil then argerror("units", "symbol is required by a beta sizer", 2) end
    local beta = st.betas and st.betas[sym]
    if beta == nil then
      if not st.returns then argerror("units", "no beta for " .. sym .. " (betas has no entry)", 2) end
      beta = call(c_beta, { returns = st.returns, symbol = sym, benchmark = st.benchmark,
        benchmark_returns = st.benchmark_returns, window = p.window })
    end
    local used
    units, used = call(c_beta_scaled, equity, p.risk_per_trade, price, p.stop_loss_pct, beta,
      p.beta_min, p.beta_max, lot, frac)
    info.beta, info.beta_used, info.clamped = beta, used, used ~= beta
    info.risk_per_trade, info.stop_loss_pct = p.risk_per_trade, p.stop_loss_pct
    info.risk_budget = equity * p.risk_per_trade
    info.raw_units = info.risk_budget / (price * p.stop_loss_pct) / used
    info.window = st.returns and p.window or nil
  else
    local def = st.def
    -- user sizers get the same validation of price and equity as the built-ins
    if not is_finite(price) or price <= 0 then argerror("units", "price must be a finite number > 0, got " .. num_text(price), 2) end
    if not is_finite(equity) or equity <= 0 then argerror("units", "equity must be a finite number > 0, got " .. num_text(equity), 2) end
    local raw, uinfo = def.units(self, { symbol = sym, price = price, equity = equity })
    if not is_finite(raw) or raw < 0 then
      error("position sizer '" .. kind .. "' returned " ..
        (type(raw) == "number" and num_text(raw) or "a " .. type(raw)) ..
        " for " .. (sym or "the entry") .. "; units must be a finite number >= 0", 2)
    end
    if uinfo ~= nil and type(uinfo) ~= "table" then
      error("position sizer '" .. kind .. "' returned info of type " .. type(uinfo) .. " (a table or nil expected)", 2)
    end
    if uinfo then for k, v in pairs(uinfo) do if info[k] == nil then info[k] = v end end end
    info.raw_units = raw
    units = call(c_round_lots, raw, lot, frac)
  end
  info.units = units
  info.lot_size = frac and 0 or lot
  info.notional = notional(units, price)
  return units, info
end

-- s:describe() -> {kind, params = {...}} (a copy)
function methods.describe(self)
  local st = state[self]
  if not st then error("bad self to 'describe' (a position sizer expected)", 2) end
  local p = {}
  for k, v in pairs(st.params) do p[k] = v end
  return { kind = st.kind, params = p, builtin = BUILTIN[st.kind] or false }
end

local function make_object(st)
  local fields = { kind = st.kind, params = {} }
  for k, v in pairs(st.params) do fields.params[k] = v end
  fields.units, fields.describe = methods.units, methods.describe
  local obj = setmetatable({}, {
    __index = fields,
    __newindex = function(_, k) error("attempt to modify a position sizer (field " .. key_text(k) .. ")", 2) end,
    __metatable = false,
    __tostring = function() return "folio.position_sizer(" .. st.kind .. ")" end,
    __name = "folio.position_sizer",
  })
  state[obj] = st
  return obj
end

local KEYS = {
  risk_based = { risk_per_trade = true, stop_loss_pct = true },
  portfolio_weight = { weights = true },
  beta = { risk_per_trade = true, stop_loss_pct = true, returns = true, benchmark = true,
    benchmark_returns = true, window = true, beta_min = true, beta_max = true, betas = true },
}

-- folio.position_sizers.new{kind = "risk_based", ...} -> sizer
local function new(args)
  local fname = "position_sizers.new"
  if type(args) ~= "table" then argerror(fname, "table of named arguments expected, got " .. type(args), 2) end
  local kind = args.kind or "risk_based"
  if type(kind) ~= "string" then argerror(fname, "kind must be a string, got " .. type(kind), 2) end
  local def = registry[kind]
  if not BUILTIN[kind] and not def then
    argerror(fname, "unknown sizer kind '" .. kind .. "' (known: " .. table_concat(names(), ", ") .. ")", 2)
  end
  local known = {}
  for k in pairs(COMMON_KEYS) do known[k] = true end
  for k in pairs(BUILTIN[kind] and KEYS[kind] or def.params) do known[k] = true end
  check_keys(fname, args, known, 2)
  local frac = opt_boolean(fname, args, "fractional", false, 2)
  if frac and args.lot_size ~= nil then argerror(fname, "give lot_size or fractional = true, not both", 2) end
  local p = { fractional = frac, lot_size = opt_number(fname, args, "lot_size", DEFAULTS.lot_size, 0, true, nil, 2) }
  local st = { kind = kind, params = p }
  if kind == "risk_based" or kind == "beta" then
    p.risk_per_trade = opt_number(fname, args, "risk_per_trade", DEFAULTS.risk_per_trade, 0, true, 1, 2)
    p.stop_loss_pct = opt_number(fname, args, "stop_loss_pct", DEFAULTS.stop_loss_pct, 0, true, 1, 2)
  end
  if kind == "portfolio_weight" then
    if args.weights == nil then argerror(fname, "weights is required (a table {SYMBOL = weight})", 2) end
    st.weights = symbol_numbers(fname, "weights", args.weights, 2)
  elseif kind == "beta" then
    p.beta_min = opt_number(fname, args, "beta_min", DEFAULTS.beta_min, 0, true, nil, 2)
    p.beta_max = opt_number(fname, args, "beta_max", DEFAULTS.beta_max, 0, true, nil, 2)
    if p.beta_min > p.beta_max then
      argerror(fname, "beta_min " .. num_text(p.beta_min) .. " is greater than beta_max " .. num_text(p.beta_max), 2)
    end
    if args.betas ~= nil then st.betas = symbol_numbers(fname, "betas", args.betas, 2) end
    if args.returns ~= nil then
      if not is_matrix(args.returns) then argerror(fname, "returns must be a folio.matrix of returns, got " .. type(args.returns), 2) end
      if args.benchmark ~= nil and type(args.benchmark) ~= "string" then
        argerror(fname, "benchmark must be a column name of returns (or benchmark_returns), got " .. type(args.benchmark), 2)
      end
      if args.benchmark_returns ~= nil and not is_matrix(args.benchmark_returns) then
        argerror(fname, "benchmark_returns must be a folio.matrix, got " .. type(args.benchmark_returns), 2)
      end
      if args.benchmark == nil and args.benchmark_returns == nil then
        argerror(fname, "a beta sizer with returns needs benchmark (a column of returns) or benchmark_returns", 2)
      end
      local w = args.window
      if w ~= nil and (math_type(w) ~= "integer" and not (is_finite(w) and math_tointeger(w)) or w < 2) then
        argerror(fname, "window must be a whole number >= 2, got " .. num_text(w), 2)
      end
      p.window = w and math_tointeger(w) or DEFAULTS.window
      st.returns, st.benchmark, st.benchmark_returns = args.returns, args.benchmark, args.benchmark_returns
      p.benchmark = args.benchmark
      -- the benchmark against itself checks its column, the window and its variance now
      if args.benchmark ~= nil and args.benchmark_returns == nil then
        call(c_beta, { returns = st.returns, symbol = args.benchmark, benchmark = args.benchmark, window = p.window })
      end
    elseif st.betas == nil then
      argerror(fname, "a beta sizer needs returns (with benchmark or benchmark_returns) or betas = {SYMBOL = beta}", 2)
    else
      for _, k in ipairs{ "benchmark", "benchmark_returns", "window" } do
        if args[k] ~= nil then argerror(fname, k .. " needs returns", 2) end
      end
    end
  elseif def then
    st.def = def
    for pname, spec in pairs(def.params) do
      local v = args[pname]
      if v == nil then
        if spec.required then argerror(fname, kind .. ": parameter " .. pname .. " is required", 2) end
        v = spec.default
      else
        local why
        v, why = check_param(v, spec)
        if v == nil then argerror(fname, kind .. ": " .. pname .. " " .. why, 2) end
      end
      p[pname] = v
    end
  end
  return make_object(st)
end

-- folio.position_sizers.defaults() -> the documented defaults (a copy)
local function defaults()
  local d = {}
  for k, v in pairs(DEFAULTS) do d[k] = v end
  return d
end

-- folio.position_sizers.is_sizer(x) -> true for objects made by new
local function is_sizer(x) return state[x] ~= nil end

-- folio.position_sizers.beta{returns, symbol, benchmark | benchmark_returns, window = 252}
local function beta(args)
  local b, info = call(c_beta, args)
  return b, info -- (not a tail call: call() raises at this function's caller)
end

folio.position_sizers = {
  new = new,
  register = register,
  names = names,
  defaults = defaults,
  is_sizer = is_sizer,
  beta = beta,
}
