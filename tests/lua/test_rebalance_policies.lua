-- Policies in the fund file (docs/rebalance.md, "Policies"): a sleeve names a
-- policy by registry name or by a path relative to the fund file; policy_path:
-- and --policy-path add folders; params are the policy's declared parameters
-- and signal: configures the signal — every mistake names file:line:col.
local dir = (arg[0]:match("^(.*)/") or ".")
local T = dofile(dir .. "/testlib.lua")
local F = dofile(dir .. "/rebalance_fixture.lua")

local ASOF = "2024-03-20"
local POLICY = [[
return folio.policy{
  name = "%s",
  params = { cap = { type = "number", default = 0.4, min = 0, exclusive_min = true } },
  size = function(ctx, p)
    local w = folio.sizers.equal_weight_ls{ signal = ctx.signal, n_long = 1, n_short = 1 }
    for s, x in pairs(w) do if math.abs(x) > p.cap then w[s] = x > 0 and p.cap or -p.cap end end
    return w
  end,
}
]]
local function sleeve(summary, name)
  for _, s in ipairs(summary.sleeves) do if s.name == name then return s end end
end
local function with_crypto(line)
  return function(y) return (y:gsub("  %- name: crypto\n    sizer: equal_weight_ls\n", "  - name: crypto\n" .. line .. "\n")
    :gsub("    params: {n_long: 1, n_short: 1}\n  %- name: fx", "    params: {cap: 0.25}\n  - name: fx", 1)) end
end

-- 1. a policy file next to the fund file drives a sleeve
local fx = F.new{ yaml = with_crypto("    policy: policies/capped_pair.lua") }
os.execute("mkdir -p '" .. fx.dir .. "/policies'")
F.write(fx.dir .. "/policies/capped_pair.lua", POLICY:format("capped_pair"))
local s = fx:run{ asof = ASOF }
T.eq(sleeve(s, "crypto").sizer, "capped_pair", "the sleeve runs the user's policy")
for _, sym in ipairs{ "CR1", "CR2", "CR3" } do
  T.check(math.abs(s.composite[sym] or 0) <= 0.25 * 0.3 + 1e-12, "its param cap = 0.25 is in force for " .. sym)
end
-- the same through the command line
local out, code = fx:cli("--positions '" .. fx.positions .. "' --dry-run --asof " .. ASOF)
T.eq(code, 0, "folio rebalance runs a user's policy: " .. out)
T.check(out:find("capped_pair", 1, true), "the summary names it")
-- a misspelt or mistyped parameter: file:line:col, the policy and the parameter
local bad = F.new{ yaml = function(y) return with_crypto("    policy: policies/capped_pair.lua")(y):gsub("{cap: 0.25}", "{capp: 0.25}") end }
os.execute("cp -r '" .. fx.dir .. "/policies' '" .. bad.dir .. "/'")
T.raises(function() bad:run{ asof = ASOF } end, { bad.fund .. ":", "sleeves[2].params.capp", "policy 'capped_pair'", "unknown parameter 'capp'" })
bad:cleanup()
bad = F.new{ yaml = function(y) return with_crypto("    policy: policies/capped_pair.lua")(y):gsub("{cap: 0.25}", "{cap: high}") end }
os.execute("cp -r '" .. fx.dir .. "/policies' '" .. bad.dir .. "/'")
T.raises(function() bad:run{ asof = ASOF } end, { bad.fund .. ":", "sleeves[2].params.cap", "parameter 'cap'" })
bad:cleanup()
-- a policy path that does not exist, and one that escapes the fund's folder through a link
bad = F.new{ yaml = with_crypto("    policy: policies/nope.lua") }
T.raises(function() bad:run{ asof = ASOF } end, { "sleeves[2].policy", "policies/nope.lua", "does not exist" })
local outside = F.new{}
F.write(outside.dir .. "/evil.lua", POLICY:format("evil"))
os.execute("ln -s '" .. outside.dir .. "' '" .. bad.dir .. "/policies'")
F.write(bad.fund, with_crypto("    policy: policies/evil.lua")(F.YAML))
T.raises(function() bad:run{ asof = ASOF } end, { "policies/evil.lua", "outside the fund file's folder" })
bad:cleanup()
-- the fund file refuses absolute and '..' paths outright
bad = F.new{ yaml = with_crypto("    policy: ../x/p.lua") }
T.raises(function() bad:run{ asof = ASOF } end, { "fund.yaml:", "escapes the fund file's folder" })
bad:cleanup()
-- a policy file may not take a shipped policy's name, and two files may not share one
bad = F.new{ yaml = with_crypto("    policy: policies/shadow.lua") }
os.execute("mkdir -p '" .. bad.dir .. "/policies'")
F.write(bad.dir .. "/policies/shadow.lua", POLICY:format("kelly_voltarget_12"))
T.raises(function() bad:run{ asof = ASOF } end, { "declares 'kelly_voltarget_12', which is already registered" })
bad:cleanup()
bad = F.new{ yaml = function(y)
  y = with_crypto("    policy: a/same.lua")(y)
  return (y:gsub("  %- name: fx\n    sizer: equal_weight_ls\n", "  - name: fx\n    policy: b/same.lua\n"):gsub(
    "universe: %[EURUSD, USDJPY, EURGBP%]\n    signal: {name: trend_63}\n    params: {n_long: 1, n_short: 1}",
    "universe: [EURUSD, USDJPY, EURGBP]\n    signal: {name: trend_63}"))
end }
os.execute("mkdir -p '" .. bad.dir .. "/a' '" .. bad.dir .. "/b'")
F.write(bad.dir .. "/a/same.lua", POLICY:format("same_name"))
F.write(bad.dir .. "/b/same.lua", POLICY:format("same_name"))
T.raises(function() bad:run{ asof = ASOF } end, { "two policy files declare 'same_name'" })
bad:cleanup()
-- two sleeves running the same policy file with different params: each sleeve has its own
bad = F.new{ yaml = function(y)
  y = with_crypto("    policy: policies/capped_pair.lua")(y)
  return (y:gsub("  %- name: fx\n    sizer: equal_weight_ls\n", "  - name: fx\n    policy: policies/capped_pair.lua\n"):gsub(
    "universe: %[EURUSD, USDJPY, EURGBP%]\n    signal: {name: trend_63}\n    params: {n_long: 1, n_short: 1}",
    "universe: [EURUSD, USDJPY, EURGBP]\n    signal: {name: trend_63}\n    params: {cap: 0.05}"))
end }
os.execute("cp -r '" .. fx.dir .. "/policies' '" .. bad.dir .. "/'")
do
  local _, r = bad:run{ asof = ASOF }
  local maxc, maxf = 0, 0
  for _, w in pairs(r.sleeve.crypto.weights) do maxc = math.max(maxc, math.abs(w)) end
  for _, w in pairs(r.sleeve.fx.weights) do maxf = math.max(maxf, math.abs(w)) end
  T.near(maxc, 0.25, 1e-12, "the crypto sleeve's own cap 0.25")
  T.near(maxf, 0.05, 1e-12, "the fx sleeve's own cap 0.05 (same policy, other params)")
end
bad:cleanup()
-- a file that does not return a policy
bad = F.new{ yaml = with_crypto("    policy: p.lua") }
F.write(bad.dir .. "/p.lua", "return 42")
T.raises(function() bad:run{ asof = ASOF } end, { "p.lua must return folio.policy{...} (it returned number)" })
bad:cleanup()

-- 2. policy_path: in the fund file, and --policy-path on the command line
local pp = F.new{ yaml = function(y)
  return "policy_path: [mine]\n" .. with_crypto("    sizer: from_folder")(y)
end }
os.execute("mkdir -p '" .. pp.dir .. "/mine'")
F.write(pp.dir .. "/mine/from_folder.lua", POLICY:format("from_folder"))
s = pp:run{ asof = ASOF }
T.eq(sleeve(s, "crypto").sizer, "from_folder", "a sizer from the fund's policy_path")
F.write(pp.fund, "policy_path: [missing]\n" .. with_crypto("    sizer: from_folder")(F.YAML))
T.raises(function() pp:run{ asof = ASOF } end, { "policy_path: folder 'missing' does not exist" })
F.write(pp.fund, with_crypto("    sizer: never_loaded")(F.YAML))
T.raises(function() pp:run{ asof = ASOF } end, { "unknown sizer or policy 'never_loaded'" })
F.write(pp.fund, with_crypto("    sizer: from_folder")(F.YAML))
out, code = pp:cli("--positions '" .. pp.positions .. "' --dry-run --asof " .. ASOF .. " --policy-path '" .. pp.dir .. "/mine'")
T.eq(code, 0, "--policy-path adds a folder: " .. out)
T.check(out:find("from_folder", 1, true), "and its policy runs")
out, code = pp:cli("--positions '" .. pp.positions .. "' --dry-run --policy-path /no/such/dir")
T.eq(code, 1); T.check(out:find("--policy-path: folder '/no/such/dir' does not exist", 1, true), out)
pp:cleanup()

-- 3. signal: an unknown factor or signal name is an error at its line, never a fall-back
bad = F.new{ yaml = function(y) return (y:gsub("signal: {name: trend_63}", "signal: {factor: f_momentum_12_1x}", 1)) end }
T.raises(function() bad:run{ asof = ASOF } end, { bad.fund .. ":", "sleeves[1].signal.factor: unknown factor 'f_momentum_12_1x' (known factors: f_crypto_realized_vol, f_fx_carry, f_momentum_12_1)" })
F.write(bad.fund, (F.YAML:gsub("signal: {name: trend_63}", "signal: {name: trend_64}", 1)))
T.raises(function() bad:run{ asof = ASOF } end, { "sleeves[1].signal.name: unknown signal 'trend_64' (known signals: momentum_12_1, reversal_5, trend_63)" })
-- the factor is a signal setting, not a policy parameter
F.write(bad.fund, (F.YAML:gsub("params: {n_long: 2, n_short: 2}", "params: {n_long: 2, n_short: 2, factor: f_fx_carry}", 1)))
T.raises(function() bad:run{ asof = ASOF } end, { "sleeves[1].params.factor", "unknown parameter 'factor'" })
-- the signal is in force: another factor changes the equities sleeve
F.write(bad.fund, (F.YAML:gsub("signal: {name: trend_63}", "signal: {name: reversal_5}", 1)))
local rev = bad:run{ asof = ASOF }
local base = fx:run{ asof = ASOF }
local differs = false
for _, sym in ipairs{ "EQ1", "EQ2", "EQ3", "EQ4", "EQ5" } do
  if (rev.composite[sym] or 0) ~= (base.composite[sym] or 0) then differs = true end
end
T.check(differs, "signal.name changes the sleeve")
bad:cleanup()
fx:cleanup()
outside:cleanup()
T.finish("test_rebalance_policies")
