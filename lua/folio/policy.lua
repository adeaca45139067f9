-- folio.policy and folio.registry: policies (Lua files that declare a
-- sizer), the sizer registry, and the C sizers of folio.sizers as registry
-- entries ("built-in adapters").
--
-- A policy is a declaration {name, description, params, size} checked
-- strictly when it is made. pol:run(ctx, overrides) resolves the parameters,
-- calls size(ctx, p) on a private copy of the context, checks the weights it
-- returns and hands back one result table {name, weights, info, params,
-- trace}. The registry maps names to policies and pipelines
-- (lua/folio/pipeline.lua, which finds the registry at call time).
--
-- This file runs once, with the real globals, when the module opens.
-- Policies call into it from a sandbox where `folio` is a read-only proxy
-- and io/os/debug are absent, so: every global is captured below; mutable
-- state (declarations, the registry) lives in upvalues, never in `folio`;
-- and nothing here touches io or os.
local folio, internal = ...

local pairs, next, type, error, assert, setmetatable, getmetatable, pcall =
  pairs, next, type, error, assert, setmetatable, getmetatable, pcall
local math_type, math_floor, math_abs, math_huge =
  math.type, math.floor, math.abs, math.huge
local string_format, string_match, string_gsub = string.format, string.match, string.gsub
local table_sort, table_concat = table.sort, table.concat

-- The C sizers, captured now so that nothing a script does later to the
-- sizers table can change what the built-in adapters call.
local sizers = folio.sizers
local sz_equal_weight_ls = sizers.equal_weight_ls
local sz_kelly_fraction = sizers.kelly_fraction
local sz_vol_target_weights = sizers.vol_target_weights
local sz_fixed_weight = sizers.fixed_weight
local sz_kelly_voltarget_12 = sizers.kelly_voltarget_12
local sz_kelly_voltarget_8 = sizers.kelly_voltarget_8

-- ---- helpers -----------------------------------------------------------------



-- Keys in folio's stable order (by type, then numbers numerically and
-- strings bytewise); folio.sorted_keys is C, the comparator in Lua was the
-- single largest cost of a policy call on 500 names.
local sorted_keys = folio.sorted_keys

-- shared with the other Lua parts (folio/common.lua)
local argerror, check_keys = internal.argerror, internal.check_keys -- folio/common.lua
local key_text, num_text, shallow_copy, is_finite, has_user_location, with_label, locked, weight_changes, copy_ctx, CTX_TYPES =
  internal.key_text, internal.num_text, internal.shallow_copy, internal.is_finite, internal.has_user_location, internal.with_label, internal.locked, internal.weight_changes, internal.copy_ctx, internal.CTX_TYPES
local check_range = internal.check_range




-- Round a USD amount to the nearest cent, halves away from zero, after
-- snapping amount × 100 to a whole number of cents when it is within a few
-- ulps of one. The same rule as the core's folio_usd_round_cents (money.c).
local DBL_EPSILON = 2.220446049250313e-16
local function usd_round_cents(usd)
  if type(usd) ~= "number" then
    argerror("usd_round_cents", "number expected, got " .. type(usd), 2)
  end
  if not is_finite(usd) then -- no NaN or Inf leaves as an amount (docs/numbers.md)
    argerror("usd_round_cents", "amount is " .. (usd ~= usd and "NaN" or usd > 0 and "inf" or "-inf"), 2)
  end
  if math_abs(usd) >= 4503599627370496.0 then return usd + 0.0 end -- 2^52: already whole (and usd * 100 could overflow)
  local c = usd * 100.0
  local r = math_floor(c + 0.5)
  local tol = 8.0 * DBL_EPSILON * math_abs(c)
  if tol > 1e-3 then tol = 1e-3 end
  if math_abs(c - r) <= tol then c = r + 0.0 end
  local a = math_abs(c)
  local f = math_floor(a)
  if a - f >= 0.5 then f = f + 1 end
  if c < 0 then f = -f end
  return f / 100.0
end

-- ---- locked objects --------------------------------------------------------------


-- ---- declarations ------------------------------------------------------------------

local DECL_KEYS = { name = true, description = true, params = true, size = true }
local SPEC_KEYS = {
  type = true, default = true, doc = true, min = true, max = true,
  exclusive_min = true, exclusive_max = true, enum = true, required = true,
}
local PARAM_TYPES = { number = true, integer = true, string = true, boolean = true, table = true }
local NAME_PATTERN = "^[%a_][%w_%.]*$"

local function names_list(t)
  local k = sorted_keys(t)
  for i = 1, #k do k[i] = type(k[i]) == "string" and k[i] or key_text(k[i]) end
  return table_concat(k, ", ")
end

-- Checks value v against a parameter spec; returns the value to use (an
-- integral float becomes an integer for type "integer") or nil, reason.
local function check_value(v, spec)
  local t = spec.type
  if t == "number" or t == "integer" then
    if type(v) ~= "number" then return nil, "must be a number, got " .. type(v) end
    if not is_finite(v) then return nil, "must be finite, got " .. num_text(v) end
    return check_range(v, spec)
  end
  if type(v) ~= t then return nil, "must be a " .. t .. ", got " .. type(v) end
  if t == "string" and spec.enum then
    for _, e in pairs(spec.enum) do if e == v then return v end end
    return nil, "must be one of " .. table_concat(spec.enum, ", ") .. ", got '" .. v .. "'"
  end
  return v
end

-- Validates one parameter spec; returns a private copy, or nil and the reason.
local function check_spec(pname, spec)
  local reason
  local function bad(msg) reason = reason or ("params." .. pname .. ": " .. msg) end
  if type(spec) ~= "table" then return nil, "params." .. pname .. ": spec must be a table, got " .. type(spec) end
  for _, k in pairs(sorted_keys(spec)) do
    if not SPEC_KEYS[k] then
      bad("unknown key " .. key_text(k) .. " (expected one of: default, doc, enum, exclusive_max, exclusive_min, max, min, required, type)")
    end
  end
  if reason then return nil, reason end
  if not PARAM_TYPES[spec.type] then
    return nil, "params." .. pname .. ": type must be one of number, integer, string, boolean, table, got " ..
      (type(spec.type) == "string" and "'" .. spec.type .. "'" or type(spec.type))
  end
  local c = { type = spec.type }
  if spec.doc ~= nil and type(spec.doc) ~= "string" then bad("doc must be a string") end
  c.doc = spec.doc
  local numeric = spec.type == "number" or spec.type == "integer"
  for _, k in pairs{ "min", "max" } do
    if spec[k] ~= nil then
      if not numeric then
        bad(k .. " is only for number and integer parameters")
      elseif type(spec[k]) ~= "number" or not is_finite(spec[k]) then
        bad(k .. " must be a finite number")
      else
        c[k] = spec[k]
      end
    end
  end
  for _, k in pairs{ "exclusive_min", "exclusive_max", "required" } do
    if spec[k] ~= nil and type(spec[k]) ~= "boolean" then bad(k .. " must be a boolean") end
  end
  if spec.exclusive_min and c.min == nil then bad("exclusive_min needs min") end
  if spec.exclusive_max and c.max == nil then bad("exclusive_max needs max") end
  c.exclusive_min, c.exclusive_max = spec.exclusive_min or nil, spec.exclusive_max or nil
  if c.min ~= nil and c.max ~= nil and c.min > c.max then bad("min is greater than max") end
  if spec.enum ~= nil then
    if spec.type ~= "string" then bad("enum is only for string parameters") end
    local enum, ok = spec.enum, type(spec.enum) == "table" and #spec.enum > 0
    if ok then
      c.enum = {}
      for k, v in pairs(enum) do
        if math_type(k) ~= "integer" or k < 1 or k > #enum or type(v) ~= "string" then ok = false end
      end
      for i = 1, #enum do c.enum[i] = enum[i] end
    end
    if not ok then bad("enum must be a non-empty array of strings") end
  end
  c.required = spec.required or nil
  if reason then return nil, reason end
  if spec.default ~= nil then
    if c.required then return nil, "params." .. pname .. ": a required parameter has no default" end
    local v, why = check_value(spec.default, c)
    if v == nil then return nil, "params." .. pname .. ": default " .. why end
    c.default = (c.type == "table") and shallow_copy(v) or v
  end
  return c
end

-- ---- policy objects -------------------------------------------------------------

local policy_state = setmetatable({}, { __mode = "k" }) -- object -> declaration
local policy_methods = {}



-- Resolves the parameters of `decl` from its defaults and `overrides`;
-- returns them, or nil and the reason (naming the policy).
local function resolve_params(decl, overrides)
  local function bad(msg) return nil, decl.kind .. " '" .. decl.name .. "': " .. msg end
  if overrides ~= nil and type(overrides) ~= "table" then return bad("overrides must be a table, got " .. type(overrides)) end
  overrides = overrides or {}
  for _, k in pairs(sorted_keys(overrides)) do
    if decl.params[k] == nil then
      local known = names_list(decl.params)
      return bad("unknown parameter " .. key_text(k) ..
        (known ~= "" and " (expected one of: " .. known .. ")" or " (it takes no parameters)"))
    end
  end
  local p = {}
  for _, name in pairs(sorted_keys(decl.params)) do
    local spec, v = decl.params[name], overrides[name]
    if v == nil then
      v = spec.default
      if type(v) == "table" then v = shallow_copy(v) end
      if v == nil and spec.required then return bad("parameter '" .. name .. "' is required") end
    elseif type(v) == "table" then
      v = shallow_copy(v)
    end
    if v ~= nil then
      local ok, why = check_value(v, spec)
      if ok == nil then return bad("parameter '" .. name .. "' " .. why) end
      p[name] = ok
    end
  end
  return p
end

-- Checks returned weights; returns a private float copy or nil, reason.
local function check_weights(w)
  if type(w) ~= "table" then return nil, "returned a " .. type(w) .. " instead of a weights table {SYMBOL = weight}" end
  local out = {}
  for s, v in pairs(w) do
    if type(s) ~= "string" or s == "" or type(v) ~= "number" or not is_finite(v) then
      out = nil
      break
    end
    out[s] = v + 0.0
  end
  if out then return out end
  -- something is wrong: report the first bad entry in symbol order
  for _, s in pairs(sorted_keys(w)) do
    local v = w[s]
    if type(s) ~= "string" or s == "" then return nil, "returned weights with key " .. key_text(s) .. " that is not a symbol" end
    if type(v) ~= "number" then return nil, "returned a " .. type(v) .. " as the weight of '" .. s .. "'" end
    if v ~= v then return nil, "returned NaN as the weight of '" .. s .. "'" end
    if not is_finite(v) then return nil, "returned an infinite weight for '" .. s .. "'" end
  end
  return nil, "returned invalid weights"
end


-- The parameters size() sees: read-only, and reading a name the policy did
-- not declare is an error naming it (a misspelt p.capp must never read nil and
-- let the default through). pairs() lists the values as before.
local function params_view(decl, p)
  local function who() return decl.kind .. " '" .. decl.name .. "'" end
  return setmetatable({}, {
    __index = function(_, k)
      if decl.params[k] == nil then
        local known = names_list(decl.params)
        error(who() .. ": unknown parameter " .. key_text(k) ..
          (known ~= "" and " (declared: " .. known .. ")" or " (it declares no parameters)"), 2)
      end
      return p[k]
    end,
    __newindex = function(_, k) error(who() .. ": parameters are read-only (field " .. key_text(k) .. ")", 2) end,
    __pairs = function() return next, p, nil end,
    __metatable = false,
  })
end

-- Whether check_weights accepts w as it is: a plain table (no metatable,
-- so what pairs() sees is what is there) of symbol = finite number. Allocates
-- nothing; check_weights then only runs to word the reason.
local function weights_ok(w)
  if type(w) ~= "table" or getmetatable(w) ~= nil then return false end
  for s, v in next, w do -- is_finite inlined: this runs once per name
    if type(s) ~= "string" or s == "" or type(v) ~= "number" or v ~= v or v == math_huge or v == -math_huge then
      return false
    end
  end
  return true
end

-- run(), and for_host: the host's own call (host_run below), which takes the
-- weights and nothing else, on a ctx it built for this call alone.
local function run_impl(self, ctx, overrides, for_host)
  local decl = policy_state[self]
  if not decl then argerror("run", "folio.policy expected", 2) end
  local sctx, why
  if for_host then
    -- host_marshal.c made ctx and its tables fresh, of the right types, and
    -- nothing else holds them: no copy is needed to keep size() from writing
    -- into someone else's tables. Only a weight can be a value copy_ctx
    -- refuses; then copy_ctx runs to say which.
    sctx = ctx
    local cw = ctx.weights
    if cw ~= nil then
      for _, x in next, cw do
        if not is_finite(x) then sctx = nil break end
      end
    end
  end
  if not sctx then sctx, why = copy_ctx(ctx) end
  if not sctx then argerror("run", why, 2) end
  local p
  p, why = resolve_params(decl, overrides)
  if not p then argerror("run", why, 2, 2) end
  local before = sctx.weights or {}
  if not for_host then sctx.weights = sctx.weights and shallow_copy(sctx.weights) end
  local ok, w, info = pcall(decl.size, sctx, params_view(decl, shallow_copy(p)))
  if not ok then
    local e, add_location = with_label("policy '" .. decl.name .. "'", w)
    error(e, add_location and 2 or 0)
  end
  local weights
  if for_host and weights_ok(w) then
    weights = w -- the host reads it once, in C, and keeps nothing
  else
    weights, why = check_weights(w)
    if not weights then error("policy '" .. decl.name .. "' " .. why, 2) end
  end
  if info ~= nil and type(info) ~= "table" then
    error("policy '" .. decl.name .. "' returned a " .. type(info) .. " as info (expected a table or nil)", 2)
  end
  if for_host then return { weights = weights } end -- no trace: nobody reads it
  info = info or {}
  local bound = {}
  if type(p.cap) == "number" then
    for s, x in pairs(weights) do
      if math_abs(x) == p.cap then bound[s] = "cap " .. num_text(p.cap) end
    end
  end
  local trace = {
    { step = 1, name = decl.name, kind = "policy", changed = weight_changes(before, weights), bound = bound,
      info = info, params = shallow_copy(p) },
  }
  return { name = decl.name, weights = weights, info = info, params = p, trace = trace }
end

function policy_methods.run(self, ctx, overrides) return run_impl(self, ctx, overrides, false) end

-- folio_host_size's calls (lua/runtime/host_marshal.c finds them in the Lua
-- registry; scripts never see them). host_run: obj:run(ctx, overrides) for a ctx the host
-- built for this one call, returning {weights = ...} only. Same checks and
-- messages as run(); pipelines run as they always do.
local function host_run(obj, ctx, overrides)
  if policy_state[obj] == nil then return obj:run(ctx, overrides) end
  return run_impl(obj, ctx, overrides, true)
end

-- Whether obj is a built-in adapter (not a policy registered under its
-- name): its C sizer reads only its window of ctx.returns and refuses an
-- infinite value there itself, naming symbol and row, so the host need not
-- scan every row first (a Lua policy may read any row: the host scans them).
local function host_builtin(obj)
  local decl = policy_state[obj]
  return decl ~= nil and decl.builtin == true
end

internal.host = { run = host_run, builtin = host_builtin }

-- pol:check(overrides) -> true, or nil and the reason: whether run() would
-- accept these parameters (names declared, types and ranges), without sizing.
function policy_methods.check(self, overrides)
  local decl = policy_state[self]
  if not decl then argerror("check", "folio.policy expected", 2) end
  local p, why = resolve_params(decl, overrides)
  if not p then return nil, why end
  return true
end

local function describe_params(params)
  local out = {}
  for name, spec in pairs(params) do
    local c = shallow_copy(spec)
    if c.enum then c.enum = shallow_copy(c.enum) end
    if type(c.default) == "table" then c.default = shallow_copy(c.default) end
    out[name] = c
  end
  return out
end

function policy_methods.describe(self)
  local decl = policy_state[self]
  if not decl then argerror("describe", "folio.policy expected", 2) end
  return { name = decl.name, kind = "policy", description = decl.description, builtin = decl.builtin,
    params = describe_params(decl.params) }
end

-- Builds a policy object from a declaration; returns it, or nil and the reason.
local function make_policy(decl, builtin)
  if type(decl) ~= "table" then return nil, "table of named arguments expected, got " .. type(decl) end
  for _, k in pairs(sorted_keys(decl)) do
    if not DECL_KEYS[k] then return nil, "unknown key " .. key_text(k) .. " (expected one of: description, name, params, size)" end
  end
  if type(decl.name) ~= "string" then return nil, "name must be a string, got " .. type(decl.name) end
  if not string_match(decl.name, NAME_PATTERN) then
    return nil, "name '" .. decl.name .. "' is not a valid name (letters, digits, _ and ., not starting with a digit)"
  end
  if decl.description ~= nil and type(decl.description) ~= "string" then
    return nil, "description must be a string, got " .. type(decl.description)
  end
  if type(decl.size) ~= "function" then return nil, "size must be a function(ctx, p), got " .. type(decl.size) end
  if decl.params ~= nil and type(decl.params) ~= "table" then return nil, "params must be a table, got " .. type(decl.params) end
  local params = {}
  for _, pname in pairs(sorted_keys(decl.params or {})) do
    if type(pname) ~= "string" or not string_match(pname, "^[%a_][%w_]*$") then
      return nil, "params key " .. key_text(pname) .. " is not a valid parameter name"
    end
    local spec, why = check_spec(pname, decl.params[pname])
    if not spec then return nil, why end
    params[pname] = spec
  end
  local state = { kind = "policy", name = decl.name, description = decl.description, params = params,
    size = decl.size, builtin = builtin or nil }
  local obj = locked({
    name = decl.name, kind = "policy", description = decl.description,
    run = policy_methods.run, describe = policy_methods.describe, check = policy_methods.check,
  }, "folio.policy(" .. decl.name .. ")", "a folio.policy")
  policy_state[obj] = state
  return obj
end

-- ---- the registry ---------------------------------------------------------------------

local entries = {} -- name -> policy or pipeline object

local function is_policy(x) return policy_state[x] ~= nil end

local function is_sizer_object(x)
  if policy_state[x] then return true end
  local is_pipeline = folio.is_pipeline -- call-time lookup (pipeline.lua)
  return is_pipeline ~= nil and is_pipeline(x) == true
end

local function registry_names()
  local n = sorted_keys(entries)
  return n
end

local REGISTER_OPTS = { replace = true }
local origins, policy_shadowed -- where each name came from, and its words (below, after the built-ins)

local function register(obj, opts)
  if not is_sizer_object(obj) then
    argerror("register", "folio.policy or folio.pipeline expected, got " .. type(obj), 2)
  end
  if opts ~= nil then
    if type(opts) ~= "table" then argerror("register", "table expected, got " .. type(opts), 2, 2) end
    check_keys("register", opts, REGISTER_OPTS, 2, nil, 2)
    if opts.replace ~= nil and type(opts.replace) ~= "boolean" then
      argerror("register", "replace must be a boolean", 2, 2)
    end
  end
  local name = obj.name
  if entries[name] ~= nil and not (opts and opts.replace) then
    argerror("register", "a sizer named '" .. name .. "' is already registered; pass {replace = true} to replace it", 2)
  end
  -- a sandboxed script's replace = true is not the user's word: a built-in, a shipped policy or a
  -- policy folder's file stays (docs/sandbox.md, Capabilities) unless the host allows overrides
  local o = origins[name]
  if entries[name] ~= nil and o and (o.builtin or o.file) and not internal.may_override() then
    argerror("register", "'" .. name .. "' is " .. policy_shadowed(name) .. ", which a sandboxed script may " ..
      "not replace (register it under another name; or run trusted, or with --allow-override)", 2)
  end
  entries[name] = obj
  origins[name] = nil -- a script's registration
  return obj
end

local function registry_get(name)
  if type(name) ~= "string" then argerror("get", "string expected, got " .. type(name), 2) end
  local obj = entries[name]
  if obj == nil then
    argerror("get", "unknown sizer '" .. name .. "' (known: " .. table_concat(registry_names(), ", ") .. ")", 2)
  end
  return obj
end

-- The C-backed adapter of a built-in, whatever is registered under its name now.
local builtin_entries = {}
local function registry_builtin(name)
  if type(name) ~= "string" then argerror("builtin", "string expected, got " .. type(name), 2) end
  local obj = builtin_entries[name]
  if obj == nil then
    argerror("builtin", "unknown built-in '" .. name .. "' (known: " ..
      table_concat(sorted_keys(builtin_entries), ", ") .. ")", 2)
  end
  return obj
end

local function registry_has(name)
  if type(name) ~= "string" then argerror("has", "string expected, got " .. type(name), 2) end
  return entries[name] ~= nil
end

-- ---- built-in adapters ------------------------------------------------------------------

local function need(ctx, key, what)
  if ctx[key] == nil then error("ctx." .. key .. " is required (" .. what .. ")", 0) end
  return ctx[key]
end

local REPAIR = { type = "string", default = "error", enum = { "error", "ridge", "clip", "higham" },
  doc = "what to do with a covariance that is not positive definite: error, ridge (add the smallest ridge that works), clip (raise small eigenvalues to a floor) or higham (nearest correlation matrix, rescaled)" }

local builtins = {
  {
    name = "equal_weight_ls",
    description = "Top n_long names by ctx.signal long, bottom n_short short, equal weight within each side (folio.sizers.equal_weight_ls).",
    params = {
      n_long = { type = "integer", default = 5, min = 0, doc = "names held long" },
      n_short = { type = "integer", default = 5, min = 0, doc = "names held short" },
      gross = { type = "number", default = 1.0, min = 0, exclusive_min = true, doc = "gross exposure, split evenly between the sides" },
    },
    size = function(ctx, p)
      return sz_equal_weight_ls{ signal = need(ctx, "signal", "the signal to rank"),
        n_long = p.n_long, n_short = p.n_short, gross = p.gross }
    end,
  },
  {
    name = "kelly_fraction",
    description = "w = cov^-1 mu / risk_aversion from ctx.expected_returns and ctx.cov, each |w| <= cap (folio.sizers.kelly_fraction).",
    params = {
      risk_aversion = { type = "number", default = 1.0, min = 0, exclusive_min = true, doc = "1 = full Kelly, 2 = half Kelly" },
      cap = { type = "number", min = 0, exclusive_min = true, doc = "per-name cap as a fraction of NAV (none by default)" },
      repair = REPAIR,
    },
    size = function(ctx, p)
      return sz_kelly_fraction{ expected_returns = need(ctx, "expected_returns", "mu"), cov = need(ctx, "cov", "covariance matrix"),
        risk_aversion = p.risk_aversion, cap = p.cap, repair = p.repair }
    end,
  },
  {
    name = "vol_target_weights",
    description = "ctx.weights scaled so that their realised vol over ctx.returns hits target_ann_vol (folio.sizers.vol_target_weights).",
    params = {
      target_ann_vol = { type = "number", required = true, min = 0, exclusive_min = true, doc = "annualised volatility target" },
      window = { type = "integer", default = 63, min = 2, doc = "rows of returns behind the realised vol" },
      max_scale = { type = "number", default = 3.0, min = 0, exclusive_min = true, doc = "largest scale-up" },
      periods_per_year = { type = "number", default = 252, min = 0, exclusive_min = true, doc = "rows per year" },
    },
    size = function(ctx, p)
      return sz_vol_target_weights{ base_weights = need(ctx, "weights", "the weights to scale"),
        asset_log_returns = need(ctx, "returns", "daily log returns"), target_ann_vol = p.target_ann_vol,
        window = p.window, max_scale = p.max_scale, periods_per_year = p.periods_per_year }
    end,
  },
  {
    name = "fixed_weight",
    description = "The weights given (params.weights, else ctx.weights), validated (folio.sizers.fixed_weight).",
    params = {
      weights = { type = "table", doc = "{SYMBOL = weight}; ctx.weights when not given" },
    },
    size = function(ctx, p)
      local w = p.weights or need(ctx, "weights", "or params.weights")
      return sz_fixed_weight{ weights = w }, {}
    end,
  },
}

local function kvt_params()
  return {
    ic = { type = "number", default = 0.05, min = 0, exclusive_min = true, doc = "information coefficient of Grinold's rule mu = ic * sigma * z" },
    risk_aversion = { type = "number", default = 2.0, min = 0, exclusive_min = true, doc = "Kelly risk aversion (2 = half Kelly)" },
    cap = { type = "number", default = 0.20, min = 0, exclusive_min = true, doc = "hard per-name cap, fraction of NAV" },
    cov_window = { type = "integer", default = 252, min = 2, doc = "rows of returns behind sigma and the covariance" },
    vol_window = { type = "integer", default = 63, min = 2, doc = "rows of returns behind the realised vol" },
    max_scale = { type = "number", default = 3.0, min = 0, exclusive_min = true, doc = "largest vol-target scale-up" },
    periods_per_year = { type = "number", default = 252, min = 0, exclusive_min = true, doc = "rows per year" },
    repair = REPAIR,
  }
end

for _, spec in pairs{ { "kelly_voltarget_12", sz_kelly_voltarget_12, "12 %" }, { "kelly_voltarget_8", sz_kelly_voltarget_8, "8 %" } } do
  local sizer = spec[2]
  builtins[#builtins + 1] = {
    name = spec[1],
    description = "Grinold expected returns from ctx.signal, capped Kelly, vol-targeted to " .. spec[3] ..
      " a year over ctx.returns, cap re-applied; info.usd_targets for ctx.nav_usd (folio.sizers." .. spec[1] .. ").",
    params = kvt_params(),
    size = function(ctx, p)
      return sizer{ signal = need(ctx, "signal", "one number per name"), returns = need(ctx, "returns", "daily log returns"),
        nav_usd = need(ctx, "nav_usd", "fund NAV in USD"), ic = p.ic, risk_aversion = p.risk_aversion, cap = p.cap,
        cov_window = p.cov_window, vol_window = p.vol_window, max_scale = p.max_scale,
        periods_per_year = p.periods_per_year, repair = p.repair }
    end,
  }
end

for _, b in pairs(builtins) do
  local obj = assert(make_policy(b, true))
  entries[b.name] = obj
  builtin_entries[b.name] = obj
end

-- ---- where registered policies came from (docs/sandbox.md, Capabilities) ---------------------
-- name -> { builtin = true } | { file = path, shipped = true|nil } | { script = true }.
-- The shipped folder may replace built-ins (its files re-implement them); a
-- policy folder of the user's may not replace a built-in, a shipped policy
-- or another file's policy unless the user allows it explicitly
-- (folio run/check --allow-override, folio_host_opts.allow_override). The
-- host's loader and the rebalance's (rebalance_policies.lua) both go through here.
origins = {}
for _, b in pairs(builtins) do origins[b.name] = { builtin = true } end

-- What registering `name` from `file` would replace, as words; nil when
-- nothing (the name is free, or `file` itself registered it).
function policy_shadowed(name, file)
  if entries[name] == nil then return nil end
  local o = origins[name] or { script = true }
  if o.builtin then return "the built-in sizer '" .. name .. "'" end
  if o.script then return "the policy '" .. name .. "' a script registered" end
  if o.file == file then return nil end
  return (o.shipped and "the shipped policy '" or "the policy '") .. name .. "' of " .. o.file
end
internal.policy_shadowed = policy_shadowed

-- Registers obj, returned by the policy file `file`. kind: "shipped" (the
-- shipped folder: replaces), "folder" (a user's policy folder: refuses to
-- replace what policy_shadowed names unless allow_override), "explicit"
-- (folio_host_load_policy_file/string: replaces, as documented).
local function register_file(obj, file, kind, allow_override)
  if is_sizer_object(obj) and kind == "folder" and not allow_override then
    local what = policy_shadowed(obj.name, file)
    if what then
      error(string_format("policy '%s' of %s would replace %s; rename it, or allow it explicitly " ..
        "(--allow-override, folio_host_opts.allow_override)", obj.name, file, what), 0)
    end
  end
  if not is_sizer_object(obj) then
    argerror("register", "folio.policy or folio.pipeline expected, got " .. type(obj), 2)
  end
  entries[obj.name] = obj -- not through register: a loader's kind decides, not the sandbox
  origins[obj.name] = { file = file, shipped = kind == "shipped" or nil }
  return obj.name
end
internal.host.register_file = register_file

-- ---- the public functions --------------------------------------------------------------------

-- folio.policy{name =, description =, params = {...}, size = function(ctx, p) ... end}
function folio.policy(decl)
  local obj, why = make_policy(decl, false)
  if not obj then argerror("policy", why, 2) end
  return obj
end

-- folio.is_policy(x) -> true for objects made by folio.policy (built-ins too).
function folio.is_policy(x) return is_policy(x) end

folio.usd_round_cents = usd_round_cents

-- A plain table of functions (the registry itself is the upvalue `entries`):
-- the sandbox's read-only proxy of `folio` copies the fields it sees, so a
-- table whose functions hid behind __index would look empty to policies.
folio.registry = {
  register = register,
  get = registry_get,
  has = registry_has,
  names = registry_names,
  builtin = registry_builtin,
}
