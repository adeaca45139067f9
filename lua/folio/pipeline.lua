-- folio.pipeline and folio.transforms: sizers and weight transforms composed
-- into a new named sizer.
--
-- A pipeline is a list of steps run in order; each step's output weights are
-- the next step's input (ctx.weights). A step is a registered sizer name, a
-- policy or pipeline object, {sizer = name_or_object, params = {...}}, or a
-- transform made by folio.transforms (cap_per_name, gross_cap, net_neutral,
-- beta_neutral, scale, round_lots). Every step is recorded in result.trace:
-- which weights it changed (before/after) and which cap bound, so a result
-- can be explained line by line.
--
-- This file runs once, with the real globals, before policy.lua (file-name
-- order), so it finds folio.registry and folio.is_policy at call time, never
-- at load time. As in policy.lua, every global is captured here, state lives
-- in upvalues (never in `folio`), and nothing touches io or os: pipelines
-- run inside the policy sandbox.
local folio, internal = ...

local pairs, ipairs, type, error, setmetatable, pcall =
  pairs, ipairs, type, error, setmetatable, pcall
local math_type, math_floor, math_abs, math_huge, math_max =
  math.type, math.floor, math.abs, math.huge, math.max
local string_format, string_match, string_gsub = string.format, string.match, string.gsub
local table_sort, table_concat = table.sort, table.concat

-- ---- helpers (shared with the other Lua parts: folio/common.lua) ---------------

-- Keys in folio's stable order (by type, then numbers numerically and
-- strings bytewise); folio.sorted_keys is C, the comparator in Lua was the
-- single largest cost of a policy call on 500 names.
local sorted_keys = folio.sorted_keys

-- shared with the other Lua parts (folio/common.lua)
local key_text, num_text, shallow_copy, is_finite, has_user_location, with_label, locked, weight_changes, copy_ctx, CTX_TYPES =
  internal.key_text, internal.num_text, internal.shallow_copy, internal.is_finite, internal.has_user_location, internal.with_label, internal.locked, internal.weight_changes, internal.copy_ctx, internal.CTX_TYPES
local argerror, check_keys = internal.argerror, internal.check_keys

-- Strict named arguments for a transform constructor (nil = no arguments);
-- raises at the caller of the constructor.
local function check_args(fname, args, allowed)
  if args == nil then return {} end
  return check_keys(fname, args, allowed, 3)
end

-- A symbol map {SYM = finite number (> 0 when positive)}, copied.
local function check_symbol_map(fname, key, t, positive)
  if type(t) ~= "table" then
    argerror(fname, key .. " must be a table {SYMBOL = number}, got " .. type(t), 3)
  end
  local c = {}
  for _, s in ipairs(sorted_keys(t)) do
    local v = t[s]
    if type(s) ~= "string" then argerror(fname, key .. " key " .. key_text(s) .. " is not a symbol", 3) end
    if not is_finite(v) then
      argerror(fname, key .. "." .. s .. " must be a finite number", 3)
    end
    if positive and not (v > 0) then
      argerror(fname, key .. "." .. s .. " must be > 0, got " .. num_text(v), 3)
    end
    c[s] = v + 0.0
  end
  return c
end

-- ---- transforms ----------------------------------------------------------------------------

local transform_state = setmetatable({}, { __mode = "k" }) -- object -> {name, args, apply}

-- Runs a transform on the weights of a (copied) ctx: returns weights, bound, info.
local function apply_transform(st, ctx)
  local w = ctx.weights or {}
  return st.apply(w, ctx)
end

local function transform_run(self, ctx)
  local st = transform_state[self]
  if not st then argerror("run", "folio transform expected", 2) end
  local c, why = copy_ctx(ctx)
  if not c then argerror("run", why, 2) end
  local before = c.weights or {}
  local ok, w, bound, info = pcall(apply_transform, st, c)
  if not ok then
    local e, add = with_label(st.name, w)
    error(e, add and 2 or 0)
  end
  return {
    name = st.name, weights = w, info = info, params = shallow_copy(st.args),
    trace = { { step = 1, name = st.name, kind = "transform", changed = weight_changes(before, w), bound = bound,
      info = info, params = shallow_copy(st.args) } },
  }
end

local function transform_describe(self)
  local st = transform_state[self]
  if not st then argerror("describe", "folio transform expected", 2) end
  local args = {}
  for k, v in pairs(st.args) do args[k] = type(v) == "table" and shallow_copy(v) or v end
  return { name = st.name, kind = "transform", params = args }
end

local function make_transform(name, args, apply)
  local obj = locked({ name = name, kind = "transform", run = transform_run, describe = transform_describe },
    "folio.transform(" .. name .. ")", "a folio transform")
  transform_state[obj] = { name = name, args = args, apply = apply }
  return obj
end

local transforms = {}

-- cap_per_name{cap = c, caps = {SYM = c}}: clip every |w| to its cap
-- (caps[SYM] if given, else cap; a name with neither is not capped).
function transforms.cap_per_name(args)
  local fname = "cap_per_name"
  args = check_args(fname, args, { cap = true, caps = true })
  if args.cap == nil and args.caps == nil then argerror(fname, "cap or caps is required", 2) end
  if args.cap ~= nil and not (is_finite(args.cap) and args.cap > 0) then
    argerror(fname, "cap must be a finite number > 0", 2)
  end
  local cap = args.cap and args.cap + 0.0
  local caps = args.caps and check_symbol_map(fname, "caps", args.caps, true) or {}
  return make_transform(fname, { cap = cap, caps = args.caps and caps or nil }, function(w)
    local out, bound, n_bound = {}, {}, 0
    for _, s in ipairs(sorted_keys(w)) do
      local x, c = w[s], caps[s] or cap
      if c and math_abs(x) > c then
        x = x > 0 and c or -c
        bound[s] = "cap " .. num_text(c)
        n_bound = n_bound + 1
      end
      out[s] = x
    end
    return out, bound, { n_bound = n_bound }
  end)
end

local function gross_of(w)
  local g = 0.0
  for _, s in ipairs(sorted_keys(w)) do g = g + math_abs(w[s]) end
  return g
end

-- gross_cap{max = g}: when sum |w| > g, scale every weight by g / sum |w|.
function transforms.gross_cap(args)
  local fname = "gross_cap"
  args = check_args(fname, args, { max = true })
  if not (is_finite(args.max) and args.max > 0) then argerror(fname, "max must be a finite number > 0", 2) end
  local max = args.max + 0.0
  return make_transform(fname, { max = max }, function(w)
    local gross = gross_of(w)
    local out, bound, factor = {}, {}, 1.0
    if gross > max then factor = max / gross end
    for _, s in ipairs(sorted_keys(w)) do
      out[s] = w[s] * factor
      if factor ~= 1.0 and w[s] ~= 0 then bound[s] = "gross_cap " .. num_text(max) end
    end
    return out, bound, { gross_before = gross, gross_after = gross_of(out), factor = factor }
  end)
end

-- net_neutral{}: subtract the mean of the non-zero weights from each of
-- them, so that the net (sum of weights) is 0; zero weights stay 0.
function transforms.net_neutral(args)
  local fname = "net_neutral"
  check_args(fname, args, {})
  return make_transform(fname, {}, function(w)
    local keys, sum, n = sorted_keys(w), 0.0, 0
    for _, s in ipairs(keys) do
      if w[s] ~= 0 then sum, n = sum + w[s], n + 1 end
    end
    local mean = n > 0 and sum / n or 0.0
    local out, net = {}, 0.0
    for _, s in ipairs(keys) do
      out[s] = w[s] ~= 0 and w[s] - mean or w[s]
      net = net + out[s]
    end
    return out, {}, { mean = mean, net_before = sum, net_after = net, n_names = n }
  end)
end

-- beta_neutral{betas = {SYM = b}}: over the held (non-zero) names, which
-- must all have a beta, w <- w - k b with k = sum(w b) / sum(b^2), so that
-- the beta exposure sum(w b) becomes 0. Names not held stay flat.
function transforms.beta_neutral(args)
  local fname = "beta_neutral"
  args = check_args(fname, args, { betas = true })
  if args.betas == nil then argerror(fname, "betas is required", 2) end
  local betas = check_symbol_map(fname, "betas", args.betas, false)
  return make_transform(fname, { betas = betas }, function(w)
    local keys, wb, bb = sorted_keys(w), 0.0, 0.0
    for _, s in ipairs(keys) do
      if w[s] ~= 0 then
        local b = betas[s]
        if b == nil then error("beta_neutral: no beta for held symbol '" .. s .. "'", 0) end
        wb, bb = wb + w[s] * b, bb + b * b
      end
    end
    local k = bb > 0 and wb / bb or 0.0
    local out, after = {}, 0.0
    for _, s in ipairs(keys) do
      out[s] = w[s] ~= 0 and w[s] - k * betas[s] or w[s]
      if out[s] ~= 0 then after = after + out[s] * betas[s] end
    end
    return out, {}, { beta_before = wb, beta_after = after, k = k }
  end)
end

-- scale{factor = k}: every weight times k (k >= 0).
function transforms.scale(args)
  local fname = "scale"
  args = check_args(fname, args, { factor = true })
  if not (is_finite(args.factor) and args.factor >= 0) then argerror(fname, "factor must be a finite number >= 0", 2) end
  local factor = args.factor + 0.0
  return make_transform(fname, { factor = factor }, function(w)
    local out = {}
    for _, s in ipairs(sorted_keys(w)) do out[s] = w[s] * factor end
    return out, {}, { factor = factor }
  end)
end

-- A price for every name from ctx.market: its last row (missing there = error).
local function market_prices(market, keys)
  local P = market:prices()
  local n_rows = P:shape()
  local have = {}
  for _, s in ipairs(P:symbols()) do have[s] = true end
  local out = {}
  for _, s in ipairs(keys) do
    if have[s] then out[s] = P:get(n_rows, s) end
  end
  return out, P:dates()[n_rows]
end

-- round_lots{nav_usd =, prices = {SYM = p}, lot = 1, lots = {SYM = n}}:
-- units = w * nav / price rounded toward zero to whole lots, so |w| never
-- grows and a cap is never exceeded by rounding.
function transforms.round_lots(args)
  local fname = "round_lots"
  args = check_args(fname, args, { nav_usd = true, prices = true, lot = true, lots = true })
  if args.nav_usd ~= nil and not (is_finite(args.nav_usd) and args.nav_usd > 0) then
    argerror(fname, "nav_usd must be a finite number > 0", 2)
  end
  if args.lot ~= nil and not (is_finite(args.lot) and args.lot > 0) then argerror(fname, "lot must be a finite number > 0", 2) end
  local prices = args.prices and check_symbol_map(fname, "prices", args.prices, true)
  local lots = args.lots and check_symbol_map(fname, "lots", args.lots, true) or {}
  local lot = args.lot or 1
  local nav_arg = args.nav_usd
  local stored = { nav_usd = nav_arg, prices = prices, lot = lot, lots = args.lots and lots or nil }
  return make_transform(fname, stored, function(w, ctx)
    local nav = nav_arg or ctx.nav_usd
    if nav == nil then error("round_lots: nav_usd is required (argument or ctx.nav_usd)", 0) end
    local keys = sorted_keys(w)
    local px, asof = prices, nil
    if px == nil then
      if ctx.market == nil then error("round_lots: prices are required (argument or ctx.market)", 0) end
      px, asof = market_prices(ctx.market, keys)
    end
    local out, units = {}, {}
    for _, s in ipairs(keys) do
      local x = w[s]
      if x == 0 then
        out[s], units[s] = x, 0
      else
        local p = px[s]
        if p == nil then
          error("round_lots: no price for '" .. s .. "'" .. (asof and " in ctx.market on " .. asof or ""), 0)
        end
        local size = lots[s] or lot
        local n = math_abs(x) * nav / p / size
        local r = math_floor(n + 0.5)
        if math_abs(n - r) > 1e-9 * math_max(1.0, r) then r = math_floor(n) end -- toward zero, float noise aside
        local y = r * size * p / nav
        if y > math_abs(x) then y = math_abs(x) end -- never grow a position
        out[s] = x < 0 and -y or y
        units[s] = x < 0 and -(r * size) or r * size
      end
    end
    return out, {}, { units = units, nav_usd = nav }
  end)
end

-- ---- pipelines ---------------------------------------------------------------------------

local pipeline_state = setmetatable({}, { __mode = "k" }) -- object -> {name, description, steps}
local running = setmetatable({}, { __mode = "k" })       -- pipelines on the stack (self-reference guard)

local function is_pipeline(x) return pipeline_state[x] ~= nil end

local function is_sizer_object(x)
  if pipeline_state[x] then return true end
  local is_policy = folio.is_policy -- call-time lookup (policy.lua)
  return is_policy ~= nil and is_policy(x) == true
end

local NAME_PATTERN = "^[%a_][%w_%.]*$"

local STEP_KEYS = { sizer = true, params = true }

-- One step of a declaration -> {kind = "transform"|"sizer", ...}, or nil,
-- reason (a table step with a key other than sizer and params raises).
local function parse_step(i, step)
  if type(step) == "string" then
    if not string_match(step, NAME_PATTERN) then return nil, "step " .. i .. " '" .. step .. "' is not a valid sizer name" end
    return { kind = "sizer", ref = step, params = {} }
  end
  if transform_state[step] then return { kind = "transform", obj = step } end
  if is_sizer_object(step) then return { kind = "sizer", obj = step, params = {} } end
  if type(step) == "table" then
    -- raises at once, like folio.pipeline's own checks (level 3: the line
    -- that called folio.pipeline), naming the first bad key in sorted order
    check_keys("pipeline", step, STEP_KEYS, 3, "step " .. i .. " has ")
    local s = step.sizer
    local st
    if type(s) == "string" then
      if not string_match(s, NAME_PATTERN) then return nil, "step " .. i .. " sizer '" .. s .. "' is not a valid sizer name" end
      st = { kind = "sizer", ref = s }
    elseif is_sizer_object(s) then
      st = { kind = "sizer", obj = s }
    else
      return nil, "step " .. i .. " sizer must be a registered name or a policy/pipeline, got " .. type(s)
    end
    if step.params ~= nil and type(step.params) ~= "table" then
      return nil, "step " .. i .. " params must be a table, got " .. type(step.params)
    end
    st.params = shallow_copy(step.params or {})
    return st
  end
  return nil, "step " .. i .. " is a " .. type(step) ..
    " (expected a sizer name, a policy, a pipeline, {sizer =, params =} or a folio.transforms transform)"
end

local function step_name(st)
  if st.kind == "transform" then return transform_state[st.obj].name end
  return st.ref or st.obj.name
end

-- The overrides of a pipeline run: {[i] = params} or {step_name = params};
-- returns {[i] = params}, or nil and the reason.
local function step_overrides(state, overrides)
  if overrides == nil then return {} end
  if type(overrides) ~= "table" then return nil, "overrides must be a table, got " .. type(overrides) end
  local by_index = {}
  for _, k in ipairs(sorted_keys(overrides)) do
    local v, idx = overrides[k], nil
    if math_type(k) == "integer" then
      if k < 1 or k > #state.steps then return nil, "overrides key " .. k .. " is not a step (1.." .. #state.steps .. ")" end
      idx = k
    elseif type(k) == "string" then
      for i, st in ipairs(state.steps) do
        if st.kind == "sizer" and step_name(st) == k then
          if idx then return nil, "overrides key '" .. k .. "' names steps " .. idx .. " and " .. i .. " (use the step number)" end
          idx = i
        end
      end
      if not idx then return nil, "overrides key '" .. k .. "' names no sizer step" end
    else
      return nil, "overrides key " .. key_text(k) .. " is not a step number or name"
    end
    if state.steps[idx].kind ~= "sizer" then return nil, "step " .. idx .. " is a transform and takes no overrides" end
    if type(v) ~= "table" then return nil, "overrides for step " .. idx .. " must be a table, got " .. type(v) end
    if by_index[idx] then return nil, "step " .. idx .. " is overridden twice (by number and by name)" end
    by_index[idx] = v
  end
  return by_index
end

-- Runs one step; returns the trace entry (raises on failure).
local function run_step(i, st, sctx, over)
  if st.kind == "transform" then
    local tst = transform_state[st.obj]
    local w, bound, info = apply_transform(tst, sctx)
    return { step = i, name = tst.name, kind = "transform", weights = w, bound = bound, info = info,
      params = shallow_copy(tst.args) }
  end
  local obj = st.obj or folio.registry.get(st.ref) -- call-time lookup: the current registration wins
  local params = shallow_copy(st.params)
  for k, v in pairs(over or {}) do params[k] = v end
  local res = obj:run(sctx, params)
  local entry = { step = i, name = obj.name, kind = obj.kind, weights = res.weights, info = res.info, params = res.params }
  if obj.kind == "pipeline" then
    entry.trace = res.trace
    local bound = {}
    for _, e in ipairs(res.trace) do
      for _, s in ipairs(sorted_keys(e.bound)) do bound[s] = e.bound[s] end
    end
    entry.bound = bound
  else
    entry.bound = res.trace[1].bound
  end
  return entry
end

local function pipeline_run(self, ctx, overrides)
  local state = pipeline_state[self]
  if not state then argerror("run", "folio.pipeline expected", 2) end
  local c, why = copy_ctx(ctx)
  if not c then argerror("run", why, 2) end
  local over
  over, why = step_overrides(state, overrides)
  if not over then argerror("run", "pipeline '" .. state.name .. "': " .. why, 2, 2) end
  if running[self] then error("pipeline '" .. state.name .. "' runs itself (a step refers back to it)", 2) end
  running[self] = true
  local w = c.weights or {}
  local trace, params = {}, {}
  for i, st in ipairs(state.steps) do
    local sctx = shallow_copy(c)
    sctx.weights = shallow_copy(w)
    local ok, entry = pcall(run_step, i, st, sctx, over[i])
    if not ok then
      running[self] = nil
      local e, add = with_label("pipeline '" .. state.name .. "' step " .. i .. " (" .. step_name(st) .. ")", entry)
      error(e, add and 2 or 0)
    end
    entry.changed = weight_changes(w, entry.weights)
    w = entry.weights
    entry.weights = nil
    if st.kind == "sizer" then params[i] = entry.params end
    trace[i] = entry
  end
  running[self] = nil
  local info = { n_steps = #state.steps }
  if c.nav_usd then
    local round = folio.usd_round_cents
    local usd = {}
    for _, s in ipairs(sorted_keys(w)) do usd[s] = round(w[s] * c.nav_usd) end
    info.usd_targets = usd
  end
  return { name = state.name, weights = w, info = info, params = params, trace = trace }
end

local function pipeline_describe(self)
  local state = pipeline_state[self]
  if not state then argerror("describe", "folio.pipeline expected", 2) end
  local steps = {}
  for i, st in ipairs(state.steps) do
    if st.kind == "transform" then
      local d = st.obj:describe()
      d.step = i
      steps[i] = d
    else
      steps[i] = { step = i, kind = "sizer", name = step_name(st), params = shallow_copy(st.params),
        object = st.obj and st.obj.kind or nil }
    end
  end
  return { name = state.name, kind = "pipeline", description = state.description, steps = steps }
end

-- folio.pipeline{name = "x", description = "...", step, step, ...}
function folio.pipeline(decl)
  local function bad(msg) argerror("pipeline", msg, 3) end
  if type(decl) ~= "table" then bad("table of named arguments expected, got " .. type(decl)) end
  local n = #decl
  for _, k in ipairs(sorted_keys(decl)) do
    if k ~= "name" and k ~= "description" and not (math_type(k) == "integer" and k >= 1 and k <= n) then
      bad("unknown key " .. key_text(k) .. " (expected name, description and the steps 1..n)")
    end
  end
  if type(decl.name) ~= "string" then bad("name must be a string, got " .. type(decl.name)) end
  if not string_match(decl.name, NAME_PATTERN) then
    bad("name '" .. decl.name .. "' is not a valid name (letters, digits, _ and ., not starting with a digit)")
  end
  if decl.description ~= nil and type(decl.description) ~= "string" then
    bad("description must be a string, got " .. type(decl.description))
  end
  if n == 0 then bad("a pipeline needs at least one step") end
  local steps = {}
  for i = 1, n do
    local st, why = parse_step(i, decl[i])
    if not st then bad(why) end
    steps[i] = st
  end
  local obj = locked({ name = decl.name, kind = "pipeline", description = decl.description,
    run = pipeline_run, describe = pipeline_describe }, "folio.pipeline(" .. decl.name .. ")", "a folio.pipeline")
  pipeline_state[obj] = { name = decl.name, description = decl.description, steps = steps }
  return obj
end

-- folio.is_pipeline(x) -> true for objects made by folio.pipeline.
function folio.is_pipeline(x) return is_pipeline(x) end

-- A plain table, as folio.registry (see policy.lua): the sandbox proxies it.
folio.transforms = transforms
