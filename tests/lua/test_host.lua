-- The `folio` binary itself: --help, --version, exit codes, error format.
local T = dofile((arg[0]:match("^(.*)/") or ".") .. "/testlib.lua")
local folio = require "folio"

local build = os.getenv("FOLIO_BUILD_DIR") or "build"
local bin = build .. "/folio"

local function run(cmd)
  local p = assert(io.popen(cmd .. " 2>&1; echo \"exit=$?\""))
  local out = p:read("a")
  p:close()
  local code = tonumber(out:match("exit=(%d+)%s*$"))
  return out, code
end

local out, code = run(bin .. " --help")
T.eq(code, 0, "--help exits 0"); T.check(out:find("run [options] SCRIPT.lua", 1, true), "--help shows run")
out, code = run(bin .. " --version")
T.eq(code, 0); T.check(out:find("folio " .. folio.version, 1, true), "--version prints the version")
out, code = run(bin)
T.eq(code, 2, "no command is a usage error")
out, code = run(bin .. " frobnicate")
T.eq(code, 2); T.check(out:find("unknown command 'frobnicate'", 1, true))
out, code = run(bin .. " run")
T.eq(code, 2); T.check(out:find("missing script", 1, true))
out, code = run(bin .. " run /nonexistent/x.lua")
T.eq(code, 1); T.check(out:find("/nonexistent/x.lua", 1, true), "missing script named")

local script = T.tmpfile("local a = ...\nprint('args', a, arg[2], #arg)\n")
out, code = run(bin .. " run " .. script .. " one two")
T.eq(code, 0); T.check(out:find("args\tone\ttwo\t2", 1, true), "script gets ... and arg")

local failing = T.tmpfile("local x = 1\nlocal folio = require 'folio'\nfolio.sizers.kelly_fraction{cpa = 1}\n")
out, code = run(bin .. " run " .. failing)
T.eq(code, 1, "Lua error exits 1")
T.check(out:find(failing .. ":3: bad argument #1 to 'kelly_fraction' (unknown key 'cpa'", 1, true), "file:line: message")
T.check(out:find("stack traceback", 1, true), "traceback")

local errobj = T.tmpfile("error({})\n")
out, code = run(bin .. " run " .. errobj)
T.eq(code, 1); T.check(out:find("error object is a table value", 1, true), "non-string error object")

local syntax = T.tmpfile("local = 1\n")
out, code = run(bin .. " run " .. syntax)
T.eq(code, 1); T.check(out:find(syntax .. ":1:", 1, true), "syntax error located")

local binary = T.tmpfile("\27Lua")
out, code = run(bin .. " run " .. binary)
T.eq(code, 1); T.check(out:find("binary", 1, true), "binary chunks refused")

out, code = run(bin .. " rebalance --fund examples/fund.yaml")
T.eq(code, 2, "rebalance without its required options is a usage error")
T.check(out:find("--prices is required", 1, true), "names the missing option")
out, code = run(bin .. " rebalance --fund examples/fund.yaml --positions examples/data/positions.csv " ..
  "--prices examples/data/prices.csv --dry-run")
T.eq(code, 0, "dry run")
T.check(out:find("(dry run)", 1, true) and out:find("HRP", 1, true) == nil, "dry-run summary printed")
out, code = run(bin .. " rebalance --fund /nonexistent/fund.yaml --positions examples/data/positions.csv " ..
  "--prices examples/data/prices.csv --dry-run")
T.eq(code, 1); T.check(out:find("/nonexistent/fund.yaml", 1, true), "a missing fund file is named")

-- folio check: a shipped policy passes; weights no fund could hold fail, naming the symbol
out, code = run(bin .. " check policies/kelly_voltarget_12.lua")
T.eq(code, 0, "a shipped policy checks"); T.check(out:find("kelly_voltarget_12.lua: ok", 1, true))
local fat = os.tmpname()
do
  local f = assert(io.open(fat, "w"))
  f:write([[
return folio.policy{ name = "fat_weights", description = "five times NAV per name",
  size = function(ctx, p)
    local w = {}
    for s, v in pairs(ctx.signal) do if v == v then w[s] = 5 end end
    return w
  end }
]])
  f:close()
end
out, code = run(bin .. " check " .. fat)
T.eq(code, 1, "gross 270 fails the dry run")
T.check(out:find("dry run of 'fat_weights': gross exposure 270 exceeds --max-gross 10 (largest weight: AUDUSD +5)", 1, true), out)
out, code = run(bin .. " check --max-gross 1000 " .. fat)
T.eq(code, 0, "a stated bound lets it through")
out, code = run(bin .. " check --max-gross -1 " .. fat)
T.eq(code, 2, "a bad bound is a usage error"); T.check(out:find("bad value for --max-gross", 1, true))
os.remove(fat)

T.finish("test_host")
