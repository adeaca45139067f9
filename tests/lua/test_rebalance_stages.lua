-- The rebalance as a Lua pipeline (docs/rebalance.md, "Stages"): stock
-- stages a fund's script replaces, wraps or adds to; every decision in the
-- trace carries its reason.
local dir = (arg[0]:match("^(.*)/") or ".")
local T = dofile(dir .. "/testlib.lua")
local F = dofile(dir .. "/rebalance_fixture.lua")
local folio = require "folio"

local ASOF = "2024-03-20"
local fx = F.new{}
local base = fx:run{ asof = ASOF }
local function has_order(s, sym)
  for _, o in ipairs(s.orders) do if o.symbol == sym then return true end end
  return false
end
T.check(has_order(base, "EQ3"), "the stock run trades EQ3")
T.eq(table.concat(folio.rebalance.STAGES, ","), "inputs,signals,sizing,capacity,compose,orders,guards,submit,record")

-- wrap a stage: the default runs, then the wrapper edits its result
local s = fx:run{ asof = ASOF, stages = {
  orders = function(run, default)
    default(run)
    local keep = {}
    for _, o in ipairs(run.orders) do if o.symbol ~= "EQ3" then keep[#keep + 1] = o end end
    run.orders = keep
    folio.rebalance.note(run, "orders", { symbol = "EQ3", decision = "vetoed", reason = "restricted list" })
  end } }
T.check(not has_order(s, "EQ3"), "the wrapper removed EQ3's order")
local noted = false
for _, e in ipairs(s.trace) do if e.symbol == "EQ3" and e.reason == "restricted list" then noted = true end end
T.check(noted, "and its reason is in the trace")

-- add a stage between guards and submit
local order = {}
for _, n in ipairs(folio.rebalance.STAGES) do
  order[#order + 1] = n
  if n == "guards" then order[#order + 1] = "max_ticket" end
end
s = fx:run{ asof = ASOF, stages = { order = order,
  max_ticket = function(run)
    for i, d in ipairs(run.decisions) do
      if run.orders[i].notional > 100000 then
        d.decision, d.quantity = "rejected", 0
        run.rejected = run.rejected + 1
        folio.rebalance.note(run, "max_ticket", { symbol = run.orders[i].symbol, decision = "rejected", reason = "ticket above 100k" })
      end
    end
  end } }
local big = 0
for _, o in ipairs(s.orders) do
  if o.notional > 100000 then big = big + 1 T.eq(o.decision, "rejected", "big ticket " .. o.symbol) end
end
T.check(big > 0, "the sample has tickets above 100k")
T.eq(s.rejected, big, "each counted as rejected")
T.eq(s.status, "rejected orders")

-- replace a stage outright: no capacity at all
s = fx:run{ asof = ASOF, stages = { capacity = function(run)
  run.caps, run.caps_usd, run.adv, run.capacity_on = {}, {}, {}, false
  for sym in pairs(run.unit) do run.caps[sym] = 1 end
end } }
T.check(s.capacity ~= "on", "a replaced capacity stage is in force")

-- bad stage tables
T.raises(function() fx:run{ asof = ASOF, stages = { order = { "inputs", "nope" } } } end, { "stages.order[2]: unknown stage 'nope'" })
T.raises(function() fx:run{ asof = ASOF, stages = { orders = 5 } } end, { "stages.orders must be a function(run, default), got number" })
T.raises(function() fx:run{ asof = ASOF, stages = { order = { "inputs" }, extra = function() end } } end, { "stage 'extra' is given but not in the order" })
T.raises(function() fx:run{ asof = ASOF, stages = 3 } end, { "stages must be a table" })
T.raises(function() folio.rebalance.stages.orders = nil end, { "read-only" })
-- a stage that raises stops the run with its message
T.raises(function() fx:run{ asof = ASOF, stages = { compose = function() error("my stage failed") end } } end, { "my stage failed" })

-- every trace entry names its stage and gives a reason
for i, e in ipairs(base.trace) do
  T.check(type(e.stage) == "string" and type(e.reason) == "string" and e.reason ~= "", "trace entry " .. i .. " has a stage and a reason")
end
local stages_seen = {}
for _, e in ipairs(base.trace) do stages_seen[e.stage] = true end
T.check(stages_seen.signals, "the trace has each sleeve's session and sizer")

-- --script: a fund's script returns its stages
local script = fx.dir .. "/my_rebalance.lua"
F.write(script, [[
return {
  orders = function(run, default)
    default(run)
    for i = #run.orders, 1, -1 do
      if run.orders[i].symbol == "EQ3" then table.remove(run.orders, i) end
    end
  end,
}
]])
local out, code = fx:cli("--positions '" .. fx.positions .. "' --dry-run --asof " .. ASOF .. " --script '" .. script .. "'")
T.eq(code, 0, out)
T.check(not out:find("\nEQ3 ", 1, true), "--script removed EQ3: " .. out)
F.write(script, "return 42")
out, code = fx:cli("--positions '" .. fx.positions .. "' --dry-run --asof " .. ASOF .. " --script '" .. script .. "'")
T.eq(code, 1); T.check(out:find("must return a table of stages, got number", 1, true), out)
fx:cleanup()
T.finish("test_rebalance_stages")
