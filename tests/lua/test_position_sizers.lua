-- test_position_sizers.lua — folio.position_sizers through the host: the
-- three built-in kinds by hand, beta from a returns matrix (a column or a
-- separate benchmark matrix), clamping, lots, a user-registered Lua sizer,
-- use from a sandboxed policy, and every bad input with its message.
local T = dofile((arg[0]:match("^(.*)/") or ".") .. "/testlib.lua")
local ps = folio.position_sizers

-- ---- defaults and the interface --------------------------------------------------------

local d = ps.defaults()
T.eq(d.risk_per_trade, 0.01, "default risk_per_trade")
T.eq(d.stop_loss_pct, 0.05, "default stop_loss_pct")
T.eq(d.window, 252, "default window")
T.eq(d.beta_min, 0.25, "default beta_min")
T.eq(d.beta_max, 4.0, "default beta_max")
T.eq(table.concat(ps.names(), ","), "beta,portfolio_weight,risk_based", "built-in names")

-- ---- risk-based ----------------------------------------------------------------------------

local rb = ps.new{}
T.eq(rb.kind, "risk_based", "risk_based is the default kind")
T.eq(tostring(rb), "folio.position_sizer(risk_based)", "tostring")
T.check(ps.is_sizer(rb) and not ps.is_sizer({}), "is_sizer")
local u, info = rb:units{symbol = "AAPL", price = 20, equity = 10000}
T.eq(u, 100, "10k * 1% / (20 * 5%)")
T.eq(info.kind, "risk_based", "info.kind")
T.eq(info.risk_budget, 100, "info.risk_budget")
T.eq(info.notional, 2000, "info.notional")
T.eq(info.lot_size, 1, "info.lot_size")
u = rb:units{price = 33.33, equity = 1e6}
T.eq(u, 6000, "6000.6 -> 6000 (symbol optional)")
u = ps.new{kind = "risk_based", risk_per_trade = 0.02, stop_loss_pct = 0.1, lot_size = 100}:units{price = 33.33, equity = 1e6}
T.eq(u, 6000, "20000 / 3.333 = 6000.6 -> 60 lots")
u = ps.new{risk_per_trade = 0.02, stop_loss_pct = 0.1, lot_size = 7}:units{price = 33.33, equity = 1e6}
T.eq(u, 5999, "lots of 7 -> 5999")
u = ps.new{fractional = true}:units{price = 33.33, equity = 1e6}
T.near(u, 1e4 / (33.33 * 0.05), 1e-9, "fractional")
local desc = rb:describe()
T.eq(desc.kind, "risk_based", "describe.kind")
T.eq(desc.params.risk_per_trade, 0.01, "describe.params")
T.raises(function() rb.kind = "x" end, "attempt to modify a position sizer", "read-only")

-- ---- portfolio-weight --------------------------------------------------------------------------

local pw = ps.new{kind = "portfolio_weight", weights = {AAPL = 0.05, TSLA = -0.02}}
u, info = pw:units{symbol = "AAPL", price = 190, equity = 1e6}
T.eq(u, 263, "5% of 1e6 at 190")
T.eq(info.side, "BUY", "long weight")
u, info = pw:units{symbol = "TSLA", price = 250, equity = 1e6}
T.eq(u, 80, "a short weight sizes its magnitude")
T.eq(info.side, "SELL", "short weight side")
u, info = pw:units{symbol = "MSFT", price = 400, equity = 1e6}
T.eq(u, 0, "no weight, no units")
T.eq(info.reason, "not in weights", "reason")

-- ---- beta ---------------------------------------------------------------------------------------

-- rb = 1..4 (x0.01), A = 2, 1, 4, 3 (x0.01): beta 0.6 by hand; B = 2 * SPY: beta 2; C = 10 * SPY
local R = folio.matrix{
  { 0.02, 0.02, 0.10, 0.01 },
  { 0.01, 0.04, 0.20, 0.02 },
  { 0.04, 0.06, 0.30, 0.03 },
  { 0.03, 0.08, 0.40, 0.04 },
  cols = { "A", "B", "C", "SPY" },
}
local b, binfo = ps.beta{returns = R, symbol = "A", benchmark = "SPY", window = 4}
T.near(b, 0.6, 1e-12, "beta by hand")
T.eq(binfo.window, 4, "beta info window")
T.near(ps.beta{returns = R, symbol = "B", benchmark = "SPY", window = 4}, 2, 1e-12, "beta 2")
T.near(ps.beta{returns = R, symbol = "A", benchmark = "SPY", window = 2}, -1, 1e-12, "the last rows")

local bs = ps.new{kind = "beta", returns = R, benchmark = "SPY", window = 4, risk_per_trade = 0.01, stop_loss_pct = 0.05}
u, info = bs:units{symbol = "B", price = 20, equity = 10000}
T.eq(u, 50, "risk-based 100 / beta 2")
T.near(info.beta, 2, 1e-12, "info.beta")
T.eq(info.clamped, false, "not clamped")
u, info = bs:units{symbol = "C", price = 20, equity = 10000}
T.eq(u, 25, "beta 10 clamped to 4")
T.eq(info.beta_used, 4, "beta_used")
T.eq(info.clamped, true, "clamped")
u, info = bs:units{symbol = "A", price = 20, equity = 10000}
T.eq(u, 166, "beta 0.6: 166.67 -> 166 (never up)")
u = ps.new{kind = "beta", returns = R, benchmark = "SPY", window = 4, beta_max = 20}:units{symbol = "C", price = 20, equity = 10000}
T.eq(u, 10, "beta_max lifted: 100 / 10")
u, info = ps.new{kind = "beta", returns = R, benchmark = "SPY", window = 2}:units{symbol = "A", price = 20, equity = 10000}
T.eq(info.beta_used, 0.25, "a negative beta is clamped to beta_min")
T.eq(u, 400, "100 / 0.25")
-- a separate benchmark matrix
local BR = folio.matrix{ { 0.01 }, { 0.02 }, { 0.03 }, { 0.04 }, cols = { "SPY" } }
T.near(ps.beta{returns = R, symbol = "A", benchmark_returns = BR, window = 4}, 0.6, 1e-12, "benchmark_returns")
u = ps.new{kind = "beta", returns = R, benchmark_returns = BR, window = 4}:units{symbol = "B", price = 20, equity = 10000}
T.eq(u, 50, "beta sizer with benchmark_returns")
-- precomputed betas
u = ps.new{kind = "beta", betas = {X = 2}}:units{symbol = "X", price = 20, equity = 10000}
T.eq(u, 50, "betas table")

-- against a naive cov/var on random data
local rows, x, y = {}, {}, {}
local seed = 12345
local function rnd()
  seed = (seed * 1103515245 + 12345) % 2147483648
  return seed / 2147483648 - 0.5
end
for t = 1, 300 do
  y[t] = 0.02 * rnd()
  x[t] = 1.4 * y[t] + 0.01 * rnd()
  rows[t] = { x[t], y[t] }
end
rows.cols = { "X", "M" }
local RR = folio.matrix(rows)
local function naive(n)
  local mx, my = 0, 0
  for t = 301 - n, 300 do mx, my = mx + x[t], my + y[t] end
  mx, my = mx / n, my / n
  local c, v = 0, 0
  for t = 301 - n, 300 do c, v = c + (x[t] - mx) * (y[t] - my), v + (y[t] - my) ^ 2 end
  return (c / (n - 1)) / (v / (n - 1))
end
T.near(ps.beta{returns = RR, symbol = "X", benchmark = "M", window = 252}, naive(252), 1e-12, "naive beta 252")
T.near(ps.beta{returns = RR, symbol = "X", benchmark = "M", window = 30}, naive(30), 1e-12, "naive beta 30")

-- ---- a user-registered Lua sizer ---------------------------------------------------------------

T.eq(ps.register{
  name = "fixed_dollars",
  description = "a fixed USD amount per entry",
  params = { dollars = { type = "number", default = 5000, min = 0 }, tag = { type = "string" } },
  units = function(self, a)
    return self.params.dollars / a.price, { note = "fixed " .. self.params.dollars }
  end,
}, "fixed_dollars", "register returns the name")
T.eq(table.concat(ps.names(), ","), "beta,fixed_dollars,portfolio_weight,risk_based", "names with a user sizer")
local fd = ps.new{kind = "fixed_dollars"}
u, info = fd:units{symbol = "AAPL", price = 190, equity = 1e6}
T.eq(u, 26, "5000 / 190 = 26.3 -> 26 (lots apply to user sizers too)")
T.eq(info.note, "fixed 5000", "user info is kept")
T.eq(info.kind, "fixed_dollars", "info.kind")
T.near(info.raw_units, 5000 / 190, 1e-12, "raw units")
u = ps.new{kind = "fixed_dollars", dollars = 1000, fractional = true}:units{price = 400, equity = 1}
T.eq(u, 2.5, "params and fractional")
u = ps.new{kind = "fixed_dollars", dollars = 10000, lot_size = 10}:units{price = 190, equity = 1}
T.eq(u, 50, "lot_size 10")
T.raises(function() ps.new{kind = "fixed_dollars", dollars = -1} end, "fixed_dollars: dollars must be >= 0")
T.raises(function() ps.new{kind = "fixed_dollars", dolars = 1} end, "unknown key 'dolars'")
T.raises(function() ps.new{kind = "fixed_dollars", tag = 3} end, "tag must be a string")

-- what a user sizer returns is checked
local returns_what
ps.register{ name = "bad_sizer", units = function() return returns_what end }
local bad = ps.new{kind = "bad_sizer"}
for _, v in ipairs{ -1, 0 / 0, math.huge, "12" } do
  returns_what = v
  T.raises(function() bad:units{price = 10, equity = 1000} end,
    { "position sizer 'bad_sizer' returned", "units must be a finite number >= 0" }, "bad return " .. tostring(v))
end
returns_what = nil
T.raises(function() bad:units{price = 10, equity = 1000} end, "returned a nil")
returns_what = 0
T.eq(bad:units{price = 10, equity = 1000}, 0, "zero is fine")
T.raises(function() ps.register{ name = "bad_sizer", units = function() return 1 end } end, "already registered")
ps.register{ name = "bad_sizer", units = function() return 7 end, replace = true }
T.eq(ps.new{kind = "bad_sizer"}:units{price = 10, equity = 1000}, 7, "replace = true")
T.raises(function() ps.register{ name = "risk_based", units = function() return 1 end } end, "built-in sizer")
T.raises(function() ps.register{ name = "x y", units = function() return 1 end } end, "name must be a string matching")
T.raises(function() ps.register{ name = "nofn" } end, "units must be a function")
T.raises(function() ps.register{ name = "p", units = print, params = { lot_size = { type = "number" } } } end, "reserved")
T.raises(function() ps.register{ name = "p", units = print, params = { a = { type = "float" } } } end, "type must be one of")
T.raises(function() ps.register{ name = "p", units = print, params = { a = { type = "number", default = "x" } } } end, "default must be a finite number")
T.raises(function() ps.register{ name = "p", units = print, bogus = 1 } end, "unknown key 'bogus'")
ps.register{ name = "needs_k", units = function(self) return self.params.k end, params = { k = { type = "integer", required = true } } }
T.raises(function() ps.new{kind = "needs_k"} end, "needs_k: parameter k is required")
T.raises(function() ps.new{kind = "needs_k", k = 1.5} end, "must be a whole number")
T.eq(ps.new{kind = "needs_k", k = 3}:units{price = 1, equity = 1}, 3, "required param")

-- ---- usable from a sandboxed script and policy -----------------------------------------------------

local host = (os.getenv("FOLIO_BUILD_DIR") or "build") .. "/folio"
local script = T.tmpfile([[
local ps = folio.position_sizers
ps.register{ name = "half_risk", units = function(self, a) return a.equity * 0.005 / a.price end }
local pol = folio.policy{
  name = "sized_by_risk",
  size = function(ctx, p)
    local s = folio.position_sizers.new{kind = "risk_based", risk_per_trade = 0.01, stop_loss_pct = 0.05}
    local u = s:units{symbol = "AAPL", price = 20, equity = ctx.nav_usd}
    return { AAPL = u * 20 / ctx.nav_usd }
  end,
}
print("policy", pol:run{ nav_usd = 10000 }.weights.AAPL)
print("user", ps.new{kind = "half_risk"}:units{price = 10, equity = 10000})
]])
local p = io.popen(host .. " run " .. script .. " 2>&1")
local out = p and p:read("a") or ""
if p then p:close() end
T.check(out:find("policy\t0.2", 1, true) ~= nil, "a sizer inside a sandboxed policy: " .. out)
T.check(out:find("user\t5.0", 1, true) ~= nil, "a user sizer registered in the sandbox: " .. out)

-- ---- bad inputs --------------------------------------------------------------------------------------

T.raises(function() ps.new{kind = "kelly"} end, { "unknown sizer kind 'kelly'", "risk_based" }, "unknown kind")
T.raises(function() ps.new{kind = 3} end, "kind must be a string")
T.raises(function() ps.new{risk_per_trade = 0} end, "risk_per_trade must be > 0")
T.raises(function() ps.new{risk_per_trade = 2} end, "risk_per_trade must be <= 1")
T.raises(function() ps.new{stop_loss_pct = -0.05} end, "stop_loss_pct must be > 0")
T.raises(function() ps.new{stop_loss_pct = 0 / 0} end, "stop_loss_pct must be finite")
T.raises(function() ps.new{lot_size = 0} end, "lot_size must be > 0")
T.raises(function() ps.new{lot_size = 10, fractional = true} end, "not both")
T.raises(function() ps.new{risk_per_trade = 0.01, weights = {}} end, "unknown key 'weights'")
T.raises(function() ps.new{kind = "portfolio_weight"} end, "weights is required")
T.raises(function() ps.new{kind = "portfolio_weight", weights = {A = 0 / 0}} end, "weights.A must be a finite number")
T.raises(function() ps.new{kind = "beta"} end, "needs returns")
T.raises(function() ps.new{kind = "beta", returns = R} end, "needs benchmark")
T.raises(function() ps.new{kind = "beta", returns = R, benchmark = "SPY", window = 5} end,
  { "window of 5 observations is longer than the history (4)" }, "window longer than the history")
T.raises(function() ps.new{kind = "beta", returns = R, benchmark = "QQQ", window = 4} end, "returns has no column 'QQQ'")
T.raises(function() ps.new{kind = "beta", returns = R, benchmark = "SPY", window = 1} end, "window must be a whole number >= 2")
T.raises(function() ps.new{kind = "beta", returns = R, benchmark = "SPY", beta_min = 5, beta_max = 4} end, "beta_min 5 is greater than beta_max 4")
T.raises(function() ps.new{kind = "beta", returns = R, benchmark = "SPY", beta_min = 0} end, "beta_min must be > 0")
T.raises(function() ps.new{kind = "beta", betas = {A = 1}, window = 3} end, "window needs returns")
local flat = folio.matrix{ { 0.01, 0.01 }, { 0.02, 0.01 }, { 0.03, 0.01 }, cols = { "A", "FLAT" } }
T.raises(function() ps.new{kind = "beta", returns = flat, benchmark = "FLAT", window = 3} end, "zero variance")
T.raises(function() ps.beta{returns = flat, symbol = "A", benchmark = "FLAT", window = 3} end,
  { "beta: the benchmark has zero variance", "(symbol A)" })
local holes = folio.matrix{ { 0 / 0, 0.01 }, { 0.02, 0.02 }, { 0.03, 0.03 }, cols = { "A", "M" }, rows = { "d1", "d2", "d3" } }
T.raises(function() ps.beta{returns = holes, symbol = "A", benchmark = "M", window = 3} end, "beta: the return of A at row 1 (d1) is missing (NaN)")
local holes2 = folio.matrix{ { 0.01, 0.01 }, { 0.02, 0 / 0 }, { 0.03, 0.03 }, cols = { "A", "M" } }
T.raises(function() ps.beta{returns = holes2, symbol = "A", benchmark = "M", window = 3} end, "beta: benchmark return of M at row 2 is missing (NaN)")
T.near(ps.beta{returns = holes, symbol = "A", benchmark = "M", window = 2}, 1, 1e-12, "NaN outside the window")
T.raises(function() ps.beta{returns = R, symbol = "ZZZ", benchmark = "SPY", window = 4} end, "returns has no column 'ZZZ'")
T.raises(function() ps.beta{returns = R, symbol = "A", benchmark_returns = folio.matrix{ { 1 }, { 2 } }, window = 2} end, "benchmark_returns has 2 rows")
T.raises(function() ps.beta{returns = R, symbol = "A"} end, "benchmark (a column of returns) or benchmark_returns is required")
T.raises(function() ps.beta{returns = R, symbol = "A", benchmark = "SPY", windw = 3} end, "unknown key 'windw'")
T.raises(function() ps.beta{returns = {}, symbol = "A", benchmark = "SPY"} end, "returns")
-- units
for _, case in ipairs{
  { { price = 20, equity = 0 }, "equity must be > 0" },
  { { price = 20, equity = -1 }, "equity must be > 0" },
  { { price = 0, equity = 1000 }, "price must be > 0" },
  { { price = -20, equity = 1000 }, "price must be > 0" },
  { { price = 0 / 0, equity = 1000 }, "price must be finite" },
  { { price = 20, equity = 0 / 0 }, "equity must be finite" },
  { { price = 20 }, "equity is required" },
  { { equity = 20 }, "price is required" },
  { { price = "20", equity = 1 }, "price must be a number" },
  { { price = 20, equity = 1, stop = 1 }, "unknown key 'stop'" },
} do
  T.raises(function() rb:units(case[1]) end, case[2], "units: " .. case[2])
end
T.raises(function() bs:units{price = 20, equity = 1000} end, "symbol is required by a beta sizer")
T.raises(function() pw:units{price = 20, equity = 1000} end, "symbol is required by a portfolio_weight sizer")
T.raises(function() bs:units{symbol = "NOPE", price = 20, equity = 1000} end, "returns has no column 'NOPE'")
T.raises(function() fd:units{price = 0, equity = 1000} end, "price must be a finite number > 0")
T.raises(function() fd:units{price = 10, equity = -1} end, "equity must be a finite number > 0")
-- errors carry the caller's location
local ok, msg = pcall(function() rb:units{price = 20, equity = 0} end)
T.check(not ok and msg:find("test_position_sizers.lua:%d+:") ~= nil, "location of a core error: " .. tostring(msg))
ok, msg = pcall(function() ps.beta{returns = flat, symbol = "A", benchmark = "FLAT", window = 3} end)
T.check(not ok and msg:find("test_position_sizers.lua:%d+: beta:") ~= nil, "location of a beta error: " .. tostring(msg))
ok, msg = pcall(function() ps.new{kind = "beta", returns = flat, benchmark = "FLAT", window = 3} end)
T.check(not ok and msg:find("test_position_sizers.lua:%d+: beta:") ~= nil, "location of a new error: " .. tostring(msg))

T.finish("test_position_sizers")
