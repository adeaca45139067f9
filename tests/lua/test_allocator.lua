-- tests/lua/test_allocator.lua — folio.allocator.allocate through the host:
-- the documented call, the result's shape and order, each constraint, every
-- bad input of the issue, and the example script running sandboxed.
local T = dofile((arg[0]:match("^(.*)/") or ".") .. "/testlib.lua")
local folio = require "folio"
local allocate = folio.allocator.allocate

local function cands(list)
  local out = {}
  for i, c in ipairs(list) do out[i] = { symbol = c[1], score = c[2], price = c[3] } end
  return out
end

-- ---- the documented call ---------------------------------------------------
local base = cands{ { "MSFT", 0.6, 420.1 }, { "AAPL", 0.8, 190.5 }, { "XOM", -0.1, 110 },
                    { "JPM", 0.4, 200 }, { "KO", 0.0, 60 } }
local allocs, info = allocate{ candidates = base, capital = 1e6, max_weight = 0.4,
                               min_weight = 0.02, max_positions = 2, fractional = false }
T.eq(#allocs, 2, "two names")
T.eq(allocs[1].symbol, "AAPL", "sorted by symbol")
T.eq(allocs[2].symbol, "MSFT", "sorted by symbol (2)")
T.near(allocs[1].weight, 0.4, 1e-12, "AAPL weight")
T.near(allocs[1].dollars, 400000, 1e-9, "dollars = weight x capital")
T.eq(allocs[1].shares, math.floor(400000 / 190.5), "whole shares")
T.eq(info.status, "optimal", "status")
T.eq(info.selected, 2, "selected")
T.near(info.objective, 0.8 * 0.4 + 0.6 * 0.4, 1e-12, "objective")
T.eq(table.concat(info.dropped, ","), "KO,XOM", "dropped sorted")
T.near(info.cash, 1e6 - allocs[1].shares * 190.5 - allocs[2].shares * 420.1, 0.005, "cash")
T.check(info.spent <= 1e6, "never spends more than the capital")

-- defaults: no cardinality cap, max_weight 1 -> everything in the best name
allocs = allocate{ candidates = base, capital = 1000 }
T.eq(#allocs, 1, "default max_weight 1")
T.eq(allocs[1].symbol, "AAPL", "best name")

-- fractional shares (to 1e-6)
allocs = allocate{ candidates = base, capital = 1000, max_weight = 0.5, fractional = true }
T.near(allocs[1].shares, math.floor(500 / 190.5 * 1e6) / 1e6, 0, "fractional shares")

-- ---- sector caps and turnover ------------------------------------------------
local sc = cands{ { "A", 1.0, 1 }, { "B", 0.9, 1 }, { "C", 0.5, 1 } }
allocs, info = allocate{ candidates = sc, capital = 1000, max_weight = 0.4,
                         sectors = { A = "tech", B = "tech", C = "fin" }, sector_caps = { tech = 0.5 } }
local w = {}
for _, a in ipairs(allocs) do w[a.symbol] = a.weight end
T.near(w.A, 0.4, 1e-12, "sector A")
T.near(w.B, 0.1, 1e-12, "sector B fills the cap")
T.near(w.C, 0.4, 1e-12, "sector C")

allocs, info = allocate{ candidates = cands{ { "A", 1.0, 1 }, { "C", 0.5, 1 } }, capital = 1000,
                         max_weight = 0.5, current = { C = 0.5, Z = 0.1 }, max_turnover = 0.4 }
w = {}
for _, a in ipairs(allocs) do w[a.symbol] = a.weight end
T.near(w.A, 0.3, 1e-9, "turnover: Z sold in full first")
T.near(w.C, 0.5, 1e-9, "turnover keeps C")
T.near(info.turnover, 0.4, 1e-9, "turnover used")

-- all scores <= 0: an empty allocation, not an error
allocs, info = allocate{ candidates = cands{ { "A", 0, 1 }, { "B", -1, 1 } }, capital = 1000 }
T.eq(#allocs, 0, "empty allocation")
T.eq(info.status, "empty", "status empty")
T.eq(#info.dropped, 2, "both dropped")
T.eq(info.cash, 1000, "all cash")

-- ---- random instances: bounds, cardinality, rounding ---------------------------
local seed = 7
local function rnd() seed = (seed * 1103515245 + 12345) % 2147483648 return seed / 2147483648 end
for _ = 1, 50 do
  local list = {}
  for i = 1, 30 do list[i] = { string.format("S%02d", i), rnd() - 0.3, 1 + 500 * rnd() } end
  local k, cap = 1 + math.floor(rnd() * 8), 1000 + 1e6 * rnd()
  local a, inf = allocate{ candidates = cands(list), capital = cap, max_weight = 0.3,
                           min_weight = 0.05, max_positions = k }
  T.check(#a <= k, "cardinality")
  local spent, sum = 0, 0
  for i, x in ipairs(a) do
    T.check(x.weight >= 0.05 - 1e-9 and x.weight <= 0.3 + 1e-9, "bounds")
    T.check(x.shares == math.floor(x.shares), "whole shares")
    if i > 1 then T.check(a[i - 1].symbol < x.symbol, "sorted") end
    sum = sum + x.weight
    spent = spent + x.shares * list[tonumber(x.symbol:sub(2))][3]
  end
  T.check(sum <= 1 + 1e-9, "budget")
  T.check(spent <= cap, "rounding never overspends")
  T.near(inf.spent, spent, 1e-6, "info.spent")
end

-- ---- bad inputs: each a clear error ---------------------------------------------
local function bad(args, needles, msg) T.raises(function() allocate(args) end, needles, msg) end
local ok3 = cands{ { "A", 1, 10 }, { "B", 0.5, 20 } }
bad({ candidates = {}, capital = 1000 }, { "allocate", "no candidates" }, "empty list")
bad({ capital = 1000 }, "candidates is required", "no candidates key")
bad({ candidates = cands{ { "A", 0 / 0, 10 } }, capital = 1000 }, { "score is not finite", "symbol A" }, "NaN score")
bad({ candidates = cands{ { "A", 1, 0 / 0 } }, capital = 1000 }, { "price is not finite", "symbol A" }, "NaN price")
bad({ candidates = cands{ { "A", 1, 0 } }, capital = 1000 }, { "price must be > 0", "symbol A" }, "zero price")
bad({ candidates = cands{ { "A", 1, -5 } }, capital = 1000 }, "price must be > 0", "negative price")
bad({ candidates = ok3, capital = 0 }, "capital must be > 0", "zero capital")
bad({ candidates = ok3, capital = -1 }, "capital must be > 0", "negative capital")
bad({ candidates = ok3, capital = 0 / 0 }, "capital must be finite", "NaN capital")
bad({ candidates = ok3, capital = 1000, min_weight = 0.5, max_weight = 0.2 }, "min_weight 0.5 > max_weight 0.2", "min > max")
bad({ candidates = ok3, capital = 1000, min_weight = 1.5 }, "min_weight 1.5 > 1", "min > 1")
bad({ candidates = ok3, capital = 1000, max_positions = -1 }, "max_positions must be >= 0", "negative k")
bad({ candidates = ok3, capital = 1000, max_positions = 1.5 }, "whole number", "fractional k")
bad({ candidates = cands{ { "A", 1, 10 }, { "A", 2, 10 } }, capital = 1000 }, "duplicate candidate A", "duplicate")
bad({ candidates = ok3, capital = 1000, max_weigth = 0.2 }, "unknown key 'max_weigth'", "unknown key")
bad({ candidates = { { symbol = "A", score = 1, price = 1, sector = "x" } }, capital = 1000 },
    "candidates[1]: unknown key 'sector'", "unknown candidate key")
bad({ candidates = { { symbol = "A", price = 1 } }, capital = 1000 }, "score must be a number", "missing score")
bad({ candidates = { "A" }, capital = 1000 }, "candidates[1] must be a table", "not a table")
bad({ candidates = ok3, capital = 1000, sectors = { Q = "tech" } }, "sectors has symbol 'Q' that is not a candidate", "unknown sector symbol")
bad({ candidates = ok3, capital = 1000, sector_caps = { tech = 0.3 } }, "sector_caps needs sectors", "caps without sectors")
bad({ candidates = ok3, capital = 1000, sectors = { A = "tech" }, sector_caps = { energy = 0.3 } },
    "sector cap for energy, which no candidate has", "unknown capped sector")
bad({ candidates = ok3, capital = 1000, sectors = { A = "tech" }, sector_caps = { tech = -0.1 } },
    "sector cap must be >= 0", "negative cap")
bad({ candidates = ok3, capital = 1000, sectors = { A = "tech", B = "fin" }, sector_caps = { tech = 0.2 },
      current = { A = 0.6 }, max_turnover = 0.1 }, { "allocate", "infeasible" }, "sector cap + turnover infeasible")
bad({ candidates = ok3, capital = 1000, current = { Z = 0.5 }, max_turnover = 0.2 }, "infeasible", "cannot sell Z")
bad({ candidates = ok3, capital = 1000, max_turnover = -1 }, "max_turnover must be >= 0", "negative turnover")
bad({ candidates = ok3, capital = 1000, time_limit = 0 }, "time_limit", "time limit")
bad({ candidates = ok3, capital = 1000, current = { A = 0 / 0 } }, "current.A is NaN", "NaN current")

-- ---- the example runs sandboxed ----------------------------------------------------
local host = (os.getenv("FOLIO_BUILD_DIR") or "build") .. "/folio"
local p = io.popen(host .. " run examples/allocator.lua 2>&1")
local text = p:read("a")
local okrun = p:close()
T.check(okrun, "examples/allocator.lua runs: " .. text)
T.check(text:find("optimal", 1, true) ~= nil, "example prints the status")
T.check(text:find("EQ_", 1, true) ~= nil, "example prints allocations")

T.finish("test_allocator")
