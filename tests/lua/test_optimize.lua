-- folio.optimize through the host: NLopt results, argument errors, and
-- hostile callbacks (docs/sandbox.md, errors across foreign C frames: errors, NaN, yields, nesting).
local T = dofile((arg[0]:match("^(.*)/") or ".") .. "/testlib.lua")
local folio = require "folio"
local optimize = folio.optimize

T.eq(type(optimize), "function", "folio.optimize is a function")

-- ---- results ----------------------------------------------------------------

local function quad(x, grad)
  if grad then grad[1] = 2 * (x[1] - 0.3); grad[2] = 2 * (x[2] + 0.7) end
  return (x[1] - 0.3) ^ 2 + (x[2] + 0.7) ^ 2 + 1
end

local res = optimize{objective = quad, x0 = {0, 0}, maxeval = 2000, xtol_rel = 1e-12}
T.near(res.x[1], 0.3, 1e-6, "cobyla x1"); T.near(res.x[2], -0.7, 1e-6, "cobyla x2")
T.near(res.f, 1, 1e-10, "cobyla f")
T.check(res.status == "XTOL_REACHED" or res.status == "FTOL_REACHED", "cobyla status " .. tostring(res.status))
T.check(res.evaluations > 0 and res.evaluations <= 2000, "evaluations counted")
T.eq(#res.x, 2, "x has n entries")

local saw_grad = false
res = optimize{objective = function(x, g) if g then saw_grad = true end return quad(x, g) end,
               x0 = {0, 0}, algorithm = "LD_SLSQP", maxeval = 200, xtol_rel = 1e-12}
T.check(saw_grad, "LD_SLSQP passes a grad table")
T.near(res.x[1], 0.3, 1e-6, "slsqp x1"); T.near(res.x[2], -0.7, 1e-6, "slsqp x2")
res = optimize{objective = quad, x0 = {0, 0}, algorithm = "LD_LBFGS", maxeval = 200}
T.near(res.x[1], 0.3, 1e-6, "lbfgs x1"); T.near(res.x[2], -0.7, 1e-6, "lbfgs x2")

local grad_arg = "unset"
optimize{objective = function(x, g) grad_arg = g return quad(x) end, x0 = {0, 0}, maxeval = 5}
T.eq(grad_arg, nil, "derivative-free algorithms pass grad = nil")

-- x is a fresh table per call: scribbling on it changes nothing
res = optimize{objective = function(x) local f = quad(x) x[1] = 1e9 x[3] = "junk" return f end,
               x0 = {0, 0}, maxeval = 2000}
T.near(res.x[1], 0.3, 1e-6, "x table is a copy")

-- bounds (arrays and a single number), x0 on a bound
res = optimize{objective = quad, x0 = {0, 0}, lower = {-1, 0}, upper = {0.1, 1}, maxeval = 1000}
T.near(res.x[1], 0.1, 1e-7, "upper bound active"); T.near(res.x[2], 0, 1e-7, "lower bound active")
res = optimize{objective = quad, x0 = {0, 0}, lower = 0, upper = 1, algorithm = "LN_BOBYQA", maxeval = 1000}
T.near(res.x[1], 0.3, 1e-6, "bobyqa scalar bounds x1"); T.near(res.x[2], 0, 1e-7, "bobyqa scalar bounds x2")
res = optimize{objective = quad, x0 = {0, 0}, lower = -math.huge, upper = math.huge, maxeval = 1000,
               algorithm = "LN_NELDERMEAD"}
T.near(res.x[1], 0.3, 1e-5, "nelder-mead with infinite bounds")

-- maximise
res = optimize{objective = function(x) return 3 - (x[1] - 1) ^ 2 end, x0 = {0}, minimize = false, maxeval = 500}
T.near(res.x[1], 1, 1e-6, "maximise x"); T.near(res.f, 3, 1e-10, "maximise f is the maximum")

-- equality constraint: min x^2 + y^2 s.t. x + y = 1 -> (0.5, 0.5)
local function norm2(x, g)
  if g then g[1] = 2 * x[1]; g[2] = 2 * x[2] end
  return x[1] ^ 2 + x[2] ^ 2
end
local function sum_is_one(x, g)
  if g then g[1] = 1; g[2] = 1 end
  return x[1] + x[2] - 1
end
for _, alg in ipairs{"LN_COBYLA", "LD_SLSQP"} do
  res = optimize{objective = norm2, x0 = {0, 0}, algorithm = alg, maxeval = 1000, xtol_rel = 1e-12,
                 equality = {sum_is_one}}
  T.near(res.x[1], 0.5, 1e-6, alg .. " equality x"); T.near(res.x[2], 0.5, 1e-6, alg .. " equality y")
end
-- inequality: min (x - 2)^2 s.t. x - 1 <= 0 -> x = 1
res = optimize{objective = function(x, g) if g then g[1] = 2 * (x[1] - 2) end return (x[1] - 2) ^ 2 end,
               x0 = {0}, algorithm = "LD_MMA", maxeval = 500,
               inequality = {function(x, g) if g then g[1] = 1 end return x[1] - 1 end}}
T.near(res.x[1], 1, 1e-6, "mma inequality")
-- the constraint list is snapshotted: editing it during the run changes nothing
local cons = {sum_is_one}
res = optimize{objective = function(x) cons[1] = nil return norm2(x) end, x0 = {0, 0},
               maxeval = 1000, equality = cons}
T.near(res.x[1], 0.5, 1e-6, "constraints snapshotted")

-- MLSL (NLopt 2.7.1 crashes here unless xtol_abs is set: we always set it)
res = optimize{objective = quad, x0 = {0, 0}, lower = -1, upper = 1, algorithm = "GN_MLSL_LDS", maxeval = 3000}
T.near(res.x[1], 0.3, 1e-4, "mlsl runs")
res = optimize{objective = norm2, x0 = {0, 0}, algorithm = "LN_AUGLAG", maxeval = 3000, equality = {sum_is_one}}
T.near(res.x[1], 0.5, 1e-4, "auglag runs")

-- determinism, including stochastic algorithms with a seed
local function run(alg, seed)
  return optimize{objective = quad, x0 = {0, 0}, lower = -1, upper = 1, algorithm = alg, maxeval = 400, seed = seed}
end
for _, alg in ipairs{"LN_COBYLA", "GN_ISRES", "GN_CRS2_LM", "GN_DIRECT_L_RAND"} do
  local a, b = run(alg, 7), run(alg, 7)
  T.check(a.x[1] == b.x[1] and a.x[2] == b.x[2] and a.f == b.f and a.evaluations == b.evaluations,
          alg .. " bit-identical with the same seed")
  local c, d = run(alg), run(alg)
  T.check(c.x[1] == d.x[1] and c.x[2] == d.x[2], alg .. " bit-identical with the default seed")
end
local s1, s2 = run("GN_ISRES", 1), run("GN_ISRES", 2)
T.check(s1.x[1] ~= s2.x[1] or s1.x[2] ~= s2.x[2], "seed changes a stochastic run")

-- maxtime stops a slow objective
res = optimize{objective = function(x) local t = os.clock() while os.clock() - t < 0.01 do end return quad(x) end,
               x0 = {0, 0}, maxeval = 100000, maxtime = 0.05, xtol_rel = 0}
T.eq(res.status, "MAXTIME_REACHED", "maxtime")

-- ---- hostile callbacks -------------------------------------------------------

-- objective_errors: the message survives, the solver stops, the next run is clean
local calls = 0
T.raises(function()
  optimize{objective = function(x) calls = calls + 1 if calls == 3 then error("boom") end return quad(x) end,
           x0 = {0, 0}, maxeval = 1000}
end, {"boom"}, "objective_errors")
T.eq(calls, 3, "no objective call after the error")
res = optimize{objective = quad, x0 = {0, 0}, maxeval = 2000}
T.near(res.x[1], 0.3, 1e-6, "normal optimize after an error")

-- objective_error_table: the error object comes back as the same object
local obj = {code = 1}
local ok, e = pcall(optimize, {objective = function() error(obj) end, x0 = {0}, maxeval = 10})
T.check(not ok and rawequal(e, obj), "objective_error_table: identity kept")
ok, e = pcall(optimize, {objective = function() error(obj) end, x0 = {0, 0}, algorithm = "LD_SLSQP", maxeval = 10})
T.check(not ok and rawequal(e, obj), "error table through a gradient algorithm")
ok, e = pcall(optimize, {objective = function() error(nil) end, x0 = {0}, maxeval = 10})
T.check(not ok and e == nil, "error(nil) stays nil")
ok, e = pcall(optimize, {objective = function() error(42) end, x0 = {0}, maxeval = 10})
T.check(not ok and e == 42 and math.type(e) == "integer", "error(42) stays the integer 42")
-- a constraint's error object too
ok, e = pcall(optimize, {objective = norm2, x0 = {0, 0}, maxeval = 10, inequality = {function() error(obj) end}})
T.check(not ok and rawequal(e, obj), "constraint error object kept")

-- objective_returns_nan / inf / string / nothing / nil
local n_nan = 0
T.raises(function()
  optimize{objective = function(x) n_nan = n_nan + 1 if n_nan == 3 then return 0 / 0 end return quad(x) end,
           x0 = {0, 0}, maxeval = 100}
end, {"optimize: objective returned NaN at evaluation 3"}, "objective_returns_nan")
T.raises(function() optimize{objective = function() return math.huge end, x0 = {0}, maxeval = 10} end,
  {"objective returned inf at evaluation 1"})
T.raises(function() optimize{objective = function() return -math.huge end, x0 = {0}, maxeval = 10} end,
  {"objective returned -inf"})
T.raises(function() optimize{objective = function() return "1.5" end, x0 = {0}, maxeval = 10} end,
  {"objective returned a string at evaluation 1"}, "objective_returns_string")
T.raises(function() optimize{objective = function() end, x0 = {0}, maxeval = 10} end,
  {"objective returned nothing"}, "objective_returns_nothing")
T.raises(function() optimize{objective = function() return nil end, x0 = {0}, maxeval = 10} end,
  {"objective returned a nil"})
T.raises(function() optimize{objective = function() return {} end, x0 = {0}, maxeval = 10} end,
  {"objective returned a table"})
T.raises(function()
  optimize{objective = norm2, x0 = {0, 0}, maxeval = 10, inequality = {sum_is_one, function() return 0 / 0 end}}
end, {"inequality constraint 2 returned NaN"})
T.raises(function()
  optimize{objective = norm2, x0 = {0, 0}, maxeval = 10, equality = {function() return "x" end}}
end, {"equality constraint 1 returned a string"})
-- the message carries the caller's position
ok, e = pcall(function() optimize{objective = function() return 0 / 0 end, x0 = {0}, maxeval = 10} end)
T.check(type(e) == "string" and e:find("test_optimize.lua:%d+: optimize:"), "position in callback errors: " .. tostring(e))

-- gradient entries: NaN, missing, wrong type
T.raises(function()
  optimize{objective = function(x, g) if g then g[1] = 0 / 0; g[2] = 0 end return 1 end,
           x0 = {0, 0}, algorithm = "LD_SLSQP", maxeval = 10}
end, {"objective set gradient entry 1 to NaN"}, "gradient NaN")
T.raises(function()
  optimize{objective = function(x, g) if g then g[1] = 0 end return 1 end, x0 = {0, 0}, algorithm = "LD_LBFGS", maxeval = 10}
end, {"gradient entry 2 to a nil"}, "gradient missing")
T.raises(function()
  optimize{objective = function(x, g) if g then g[1] = "0"; g[2] = 0 end return 1 end,
           x0 = {0, 0}, algorithm = "LD_MMA", maxeval = 10}
end, {"gradient entry 1 to a string"})
T.raises(function()
  optimize{objective = norm2, x0 = {0, 0}, algorithm = "LD_SLSQP", maxeval = 10,
           equality = {function(x, g) if g then g[1] = 1; g[2] = math.huge end return x[1] + x[2] - 1 end}}
end, {"equality constraint 1 set gradient entry 2 to inf"})

-- objective_yields: trusted scripts have coroutine; the yield is a clean error
local co_result = {pcall(coroutine.wrap(function()
  return optimize{objective = function(x) coroutine.yield(1) return quad(x) end, x0 = {0, 0}, maxeval = 10}
end))}
T.check(not co_result[1] and tostring(co_result[2]):find("attempt to yield across a C%-call boundary"),
        "objective_yields in a coroutine: " .. tostring(co_result[2]))
T.raises(function()
  optimize{objective = function() coroutine.yield() return 1 end, x0 = {0}, maxeval = 10}
end, {"attempt to yield from outside a coroutine"}, "yield outside a coroutine")
-- a coroutine used inside the objective is fine
res = optimize{objective = function(x) return coroutine.wrap(function() coroutine.yield(quad(x)) end)() end,
               x0 = {0, 0}, maxeval = 2000}
T.near(res.x[1], 0.3, 1e-6, "coroutines inside the objective work")
-- policy-like environment without `coroutine`: a normal error
local policy = load("local o = ... return o{objective = function() return coroutine.yield() end, x0 = {0}, maxeval = 5}",
                    "=policy", "t", {})
T.raises(function() policy(optimize) end, {"coroutine"}, "objective_yields without coroutine")

-- objective_nested: optimize inside the objective
local inner_runs = 0
res = optimize{
  objective = function(x)
    inner_runs = inner_runs + 1
    local r = optimize{objective = function(y) return (y[1] - x[1]) ^ 2 + 1 end, x0 = {0}, maxeval = 200,
                       algorithm = "LN_BOBYQA"}
    return r.f + (x[1] - 0.25) ^ 2
  end,
  x0 = {0}, maxeval = 200}
T.near(res.x[1], 0.25, 1e-5, "objective_nested"); T.check(inner_runs > 1, "inner optimize ran")
-- an error in the inner objective unwinds both solvers with the same object
ok, e = pcall(optimize, {objective = function()
  return optimize{objective = function() error(obj) end, x0 = {0}, maxeval = 5}.f
end, x0 = {0}, maxeval = 5})
T.check(not ok and rawequal(e, obj), "nested error object kept")
-- unbounded recursion: Lua's C-stack limit, caught and unwound level by level
local function recurse() return optimize{objective = recurse, x0 = {0}, maxeval = 1}.f end
ok, e = pcall(recurse)
T.check(not ok and tostring(e):find("stack overflow"), "recursive optimize: " .. tostring(e))
res = optimize{objective = quad, x0 = {0, 0}, maxeval = 2000}
T.near(res.x[1], 0.3, 1e-6, "normal optimize after deep recursion")

-- a kill raised by an instruction-count hook (as the sandbox host does) inside
-- the objective reaches the caller as the same object
if debug and debug.sethook then
  local sentinel, ticks = {}, 0
  ok, e = pcall(function()
    debug.sethook(function() ticks = ticks + 1 if ticks == 5 then error(sentinel) end end, "", 1000)
    optimize{objective = function() while true do end end, x0 = {0, 0}, algorithm = "LD_SLSQP", maxeval = 10}
  end)
  debug.sethook()
  T.check(not ok and rawequal(e, sentinel), "hook sentinel propagates unchanged")
end

-- repeated failures leave nothing behind (ASan checks the C side)
collectgarbage()
local before = collectgarbage("count")
for _ = 1, 200 do
  pcall(optimize, {objective = function() error("x") end, x0 = {0, 0, 0}, algorithm = "LD_SLSQP", maxeval = 5})
  pcall(optimize, {objective = function() return 0 / 0 end, x0 = {0, 0}, maxeval = 5})
end
collectgarbage(); collectgarbage()
T.check(collectgarbage("count") < before + 64, "no Lua memory growth over repeated failures")

-- ---- argument errors -----------------------------------------------------------

local function args(extra)
  local t = {objective = quad, x0 = {0, 0}, maxeval = 10}
  for k, v in pairs(extra) do t[k] = v end
  return t
end
T.raises(function() optimize{objectve = quad, x0 = {0}, maxeval = 10} end,
  {"bad argument #1 to 'optimize'", "unknown key 'objectve'"}, "kwargs_unknown")
T.raises(function() local t = {} t.x0 = t optimize(t) end, {"bad argument #1 to 'optimize'", "x0"}, "kwargs_cycle")
T.raises(function() local t = {objective = quad, maxeval = 10} t.x0 = t optimize(t) end, {"x0 must be an array"},
  "kwargs_cycle with an objective")
T.raises(function() optimize() end, {"table of named arguments expected"})
T.raises(function() optimize{quad} end, {"positional"})
T.raises(function() optimize{x0 = {0}, maxeval = 10} end, {"objective must be a function, got nil"})
T.raises(function() optimize(args{objective = setmetatable({}, {__call = quad})}) end, {"objective must be a function"})
T.raises(function() optimize(args{x0 = {}}) end, {"x0 is empty"})
T.raises(function() optimize(args{x0 = 1}) end, {"x0 must be a non-empty array"})
T.raises(function() optimize(args{x0 = {0, 0 / 0}}) end, {"x0[2] must be finite"}, "x0 with NaN")
T.raises(function() optimize(args{x0 = {0, math.huge}}) end, {"x0[2] must be finite"})
T.raises(function() optimize(args{x0 = {0, "1"}}) end, {"x0[2] must be a number, got string"})
T.raises(function() optimize(args{x0 = {1, 2, a = 3}}) end, {"x0 must be an array"})
T.raises(function() optimize(args{x0 = {[1] = 1, [3] = 3}}) end, {"x0 must be an array"})
T.raises(function() optimize(args{x0 = setmetatable({}, {__len = function() return 5 end, __index = function() return 0 end})}) end,
  {"x0 is empty"}, "x0 metatables are ignored")
local big = {}
for i = 1, 10001 do big[i] = 0 end
T.raises(function() optimize(args{x0 = big}) end, {"x0 has more than 10000 entries"}, "10001 variables")
local wide = {}
for i = 1, 5000 do wide[i] = 0 end
T.raises(function() optimize(args{x0 = wide, algorithm = "LN_NELDERMEAD"}) end, {"LN_NELDERMEAD with 5000 variables", "MiB", "LD_LBFGS"}, "workspace cap")
-- dense O(n^3) work between calls: no deadline can interrupt it, so n is capped
local dense = {}
for i = 1, 401 do dense[i] = 0 end
for _, alg in ipairs{"LN_COBYLA", "LN_BOBYQA", "LN_NEWUOA", "LN_NEWUOA_BOUND", "LD_SLSQP"} do
  T.raises(function() optimize(args{x0 = dense, algorithm = alg}) end,
    {alg .. " does dense O(n^3) work", "at most 400 variables (x0 has 401)", "LD_LBFGS"}, "dense cap " .. alg)
end
T.raises(function() optimize(args{x0 = {0, 0}, algorithm = "GN_DIRECT_L", lower = -1, upper = 1, maxeval = 10000000}) end,
  {"GN_DIRECT_L", "work space"}, "workspace cap per evaluation")
res = optimize(args{x0 = wide, algorithm = "LD_LBFGS", objective = function(x, g)
  local f = 0
  for i = 1, #x do f = f + (x[i] - 1) ^ 2 g[i] = 2 * (x[i] - 1) end
  return f
end, maxeval = 100})
T.near(res.x[5000], 1, 1e-6, "LD_LBFGS with 5000 variables")

T.raises(function() optimize{objective = quad, x0 = {0}} end, {"maxeval is required"}, "maxeval missing")
T.raises(function() optimize(args{maxeval = 0}) end, {"maxeval must be between 1 and 10000000"})
T.raises(function() optimize(args{maxeval = 1e8}) end, {"maxeval must be between"})
T.raises(function() optimize(args{maxeval = 1.5}) end, {"maxeval must be a whole number"})
T.raises(function() optimize(args{maxtime = -1}) end, {"maxtime must be >= 0"})
T.raises(function() optimize(args{xtol_rel = -1}) end, {"xtol_rel must be >= 0"})
T.raises(function() optimize(args{ftol_abs = 0 / 0}) end, {"ftol_abs must be finite"})
T.raises(function() optimize(args{xtol_abs = {1, -1}}) end, {"xtol_abs[2] must be >= 0"})
T.raises(function() optimize(args{xtol_abs = {1}}) end, {"xtol_abs has 1 entries but x0 has 2"})
T.raises(function() optimize(args{seed = -1}) end, {"seed must be between"})
T.raises(function() optimize(args{minimize = "yes"}) end, {"minimize must be a boolean"})
T.raises(function() optimize(args{algorithm = "LN_FOO"}) end, {"unknown algorithm 'LN_FOO'", "LN_COBYLA", "LD_SLSQP"},
  "unknown algorithm")
T.raises(function() optimize(args{algorithm = "AUGLAG"}) end, {"local optimizer"})
T.raises(function() optimize(args{algorithm = 3}) end, {"algorithm must be a string"})

-- bad bounds
T.raises(function() optimize(args{lower = {1, 0}, upper = {0, 1}, x0 = {0, 0}}) end, {"lower[1] = 1", "above upper[1] = 0"})
T.raises(function() optimize(args{lower = 0, upper = 1, x0 = {0, 2}}) end, {"x0[2] = 2", "outside its bounds"})
T.raises(function() optimize(args{lower = {0}}) end, {"lower has 1 entries but x0 has 2"})
T.raises(function() optimize(args{upper = {0, 0 / 0}}) end, {"upper[2] must be finite"})
T.raises(function() optimize(args{lower = 0 / 0}) end, {"lower must not be"})
T.raises(function() optimize(args{upper = "1"}) end, {"upper must be an array of numbers or a number"})
T.raises(function() optimize(args{algorithm = "GN_DIRECT_L", lower = 0}) end, {"finite lower and upper bounds"})

-- constraints
T.raises(function() optimize(args{inequality = quad}) end, {"inequality must be an array of functions"})
T.raises(function() optimize(args{equality = {quad, 1}}) end, {"equality[2] must be a function, got number"})
T.raises(function() optimize(args{algorithm = "LN_NELDERMEAD", inequality = {quad}}) end,
  {"LN_NELDERMEAD does not support inequality constraints"})
T.raises(function() optimize(args{algorithm = "LD_MMA", equality = {quad}}) end,
  {"LD_MMA does not support equality constraints"})
local many = {}
for i = 1, 1001 do many[i] = quad end
T.raises(function() optimize(args{inequality = many}) end, {"inequality has more than 1000 entries"})

T.finish("test_optimize")
