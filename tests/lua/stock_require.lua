-- Runs under a stock lua5.4 with LUA_CPATH pointing at build/lib: the module loads and works.
local folio = require "folio"
local passed, failed = 0, 0
local function check(c, m) if c then passed = passed + 1 else failed = failed + 1; io.stderr:write("FAILED: " .. m .. "\n") end end
check(type(folio.version) == "string", "version")
local m = folio.matrix{ {0.04, 0}, {0, 0.09}, rows = {"X", "Y"}, cols = {"X", "Y"} }
local w = folio.sizers.kelly_fraction{expected_returns = {X = 0.004, Y = 0.018}, cov = m, risk_aversion = 2}
check(math.abs(w.X - 0.05) < 1e-15 and math.abs(w.Y - 0.1) < 1e-15, "kelly through the shared object")
check(folio.holding.bucket("daily").max_days == 5, "holding")
print(string.format("stock_require: %d passed, %d failed", passed, failed))
if failed > 0 then os.exit(1) end
