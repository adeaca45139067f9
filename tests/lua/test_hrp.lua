-- folio.hrp through the host: PyPortfolioOpt's HRPOpt reference (pairwise
-- and complete rows), every linkage, bounds, the tree, folio.hrp.linkage and
-- argument errors.
local T = dofile((arg[0]:match("^(.*)/") or ".") .. "/testlib.lua")
local folio = require "folio"

local function sum(w) local s = 0 for _, v in pairs(w) do s = s + v end return s end

-- A small hand-made case: two tight pairs and a loner.
local syms = {"A", "B", "C", "D", "E"}
local K = folio.matrix{
  {1.0, 0.9, 0.1, 0.0, 0.2},
  {0.9, 1.0, 0.2, 0.1, 0.1},
  {0.1, 0.2, 1.0, 0.8, 0.0},
  {0.0, 0.1, 0.8, 1.0, 0.1},
  {0.2, 0.1, 0.0, 0.1, 1.0},
  rows = syms, cols = syms}
local vols = {0.1, 0.2, 0.15, 0.3, 0.25}
local Crows = {}
for i = 1, 5 do
  Crows[i] = {}
  for j = 1, 5 do Crows[i][j] = K:get(syms[i], syms[j]) * vols[i] * vols[j] end
end
Crows.rows, Crows.cols = syms, syms
local C = folio.matrix(Crows)

for _, method in ipairs{"single", "complete", "average", "ward"} do
  local w, info = folio.hrp{cov = C, corr = K, linkage = method}
  T.near(sum(w), 1.0, 1e-14, method .. ": weights sum to 1")
  for _, s in ipairs(syms) do T.check(w[s] > 0, method .. ": weight of " .. s .. " > 0") end
  T.eq(info.method, method)
  T.eq(#info.order, 5, method .. ": order has every symbol")
  T.eq(#info.linkage, 4, method .. ": 4 merges")
  T.eq(info.linkage[4].size, 5, method .. ": root holds all")
  for k = 2, 4 do T.check(info.linkage[k].distance >= info.linkage[k - 1].distance, "sorted heights") end
  -- the first merge is the tightest pair A-B (corr 0.9): ids 0 and 1
  T.eq(info.linkage[1].left, 0, method .. ": first merge left")
  T.eq(info.linkage[1].right, 1, method .. ": first merge right")
end

-- cov alone: corr = cov_to_corr(cov) (not rounded) gives the same answer here
local w1 = folio.hrp{cov = C, corr = K}
local w2, info2 = folio.hrp{cov = C}
for _, s in ipairs(syms) do T.near(w2[s], w1[s], 1e-12, "cov-only " .. s) end
T.eq(info2.source, "cov")

-- corr with its symbols in another order is aligned to cov's
local rs = {"E", "D", "C", "B", "A"}
local Krows = {}
for i = 1, 5 do Krows[i] = {} for j = 1, 5 do Krows[i][j] = K:get(rs[i], rs[j]) end end
Krows.rows, Krows.cols = rs, rs
local w3 = folio.hrp{cov = C, corr = folio.matrix(Krows)}
for _, s in ipairs(syms) do T.eq(w3[s], w1[s], "aligned corr " .. s) end

-- bounds: respected, and non-binding bounds change nothing (bit for bit)
local wb = folio.hrp{cov = C, corr = K, bounds = {min = 0.0, max = 1.0}}
for _, s in ipairs(syms) do T.eq(wb[s], w1[s], "non-binding bounds " .. s) end
local wc = folio.hrp{cov = C, corr = K, bounds = {min = 0.05, max = {A = 0.25, C = 0.15}}}
T.near(sum(wc), 1.0, 1e-14, "bounded weights sum to 1")
T.check(wc.A <= 0.25 + 1e-15, "A <= 0.25")
T.check(wc.C <= 0.15 + 1e-15, "C <= 0.15")
for _, s in ipairs(syms) do T.check(wc[s] >= 0.05 - 1e-15, s .. " >= 0.05") end
T.raises(function() folio.hrp{cov = C, bounds = {min = 0.3}} end, {"min weights sum to", "> 1"})
T.raises(function() folio.hrp{cov = C, bounds = {max = 0.1}} end, {"max weights sum to", "< 1"})
T.raises(function() folio.hrp{cov = C, bounds = {min = {A = 0.5}, max = {A = 0.4}}} end,
  {"min weight of A", "exceeds its max"})
T.raises(function() folio.hrp{cov = C, bounds = {min = -0.1}} end, {"min weight of", ">= 0"})
T.raises(function() folio.hrp{cov = C, bounds = {max = {ZZZ = 0.5}}} end, {"unknown symbol 'ZZZ'"})
T.raises(function() folio.hrp{cov = C, bounds = {mx = 0.5}} end, {"bounds: unknown key 'mx' (expected one of: min, max)"})

-- the tree
local _, _, tree = folio.hrp{cov = C, corr = K, tree = true}
T.eq(tree.id, 8, "root id 2n-2")
T.eq(tree.size, 5, "root size")
local leaves, stack = {}, {tree}
while #stack > 0 do
  local node = table.remove(stack)
  if node.symbol then leaves[#leaves + 1] = node.symbol
  else stack[#stack + 1] = node.right; stack[#stack + 1] = node.left end
end
local _, info1 = folio.hrp{cov = C, corr = K}
T.eq(table.concat(leaves, ","), table.concat(info1.order, ","), "tree pre-order = info.order")

-- folio.hrp.linkage on a distance matrix
local D = {}
for i = 1, 5 do
  D[i] = {}
  for j = 1, 5 do D[i][j] = math.sqrt(math.max(0, (1 - K:get(syms[i], syms[j])) / 2)) end
  D[i][i] = 0
end
D.rows, D.cols = syms, syms
local Dm = folio.matrix(D)
local Z, order = folio.hrp.linkage{dist = Dm, method = "ward"}
local _, infow = folio.hrp{cov = C, corr = K, linkage = "ward"}
for k = 1, 4 do
  T.eq(Z[k].left, infow.linkage[k].left, "linkage left " .. k)
  T.eq(Z[k].right, infow.linkage[k].right, "linkage right " .. k)
  T.near(Z[k].distance, infow.linkage[k].distance, 1e-15, "linkage distance " .. k)
end
T.eq(table.concat(order, ","), table.concat(infow.order, ","), "linkage order")
T.raises(function() folio.hrp.linkage{dist = Dm, method = "centroid"} end, {"unknown linkage method 'centroid'"})
T.raises(function() folio.hrp.linkage{dist = Dm, metod = "ward"} end, {"metod"})

-- argument errors
T.raises(function() folio.hrp{} end, {"hrp", "either returns or cov"})
T.raises(function() folio.hrp{cov = C, linkage = "median"} end, {"unknown linkage method 'median'"})
T.raises(function() folio.hrp{cov = C, lnkage = "single"} end, {"lnkage"})
T.raises(function() folio.hrp{cov = C, missing = "pairwise"} end, {"missing applies to returns"})
T.raises(function() folio.hrp("x") end, {"table of named arguments"})
local Cbad = {}
for i = 1, 5 do Cbad[i] = {} for j = 1, 5 do Cbad[i][j] = Crows[i][j] end end
Cbad[3][3] = 0
Cbad.rows, Cbad.cols = syms, syms
T.raises(function() folio.hrp{cov = folio.matrix(Cbad), corr = K} end, {"variance of C"})
local Kbad = {}
for i = 1, 5 do Kbad[i] = {} for j = 1, 5 do Kbad[i][j] = K:get(syms[i], syms[j]) end end
Kbad[1][2] = 0.5
Kbad.rows, Kbad.cols = syms, syms
T.raises(function() folio.hrp{cov = C, corr = folio.matrix(Kbad)} end, {"corr is not symmetric", "A", "B"})

-- one asset
local one = folio.matrix{{0.04}, rows = {"X"}, cols = {"X"}}
local w1a, info1a = folio.hrp{cov = one}
T.eq(w1a.X, 1.0, "one asset gets weight 1")
T.eq(#info1a.linkage, 0, "no merges")

-- PyPortfolioOpt reference through returns
local dir = T.reference_dir()
if dir then
  local P = folio.data.read_csv(dir .. "/data/stock_prices.csv")
  local R = P:returns("simple")
  for _, case in ipairs{{"", "pairwise"}, {"_complete", "complete"}} do
    local w, info = folio.hrp{returns = R, missing = case[2]}
    local _, rows = T.read_ref_csv(dir .. "/hrp_single" .. case[1] .. ".csv")
    local worst = 0
    for _, r in ipairs(rows) do worst = math.max(worst, math.abs(w[r[1]] - tonumber(r[2]))) end
    local _, orows = T.read_ref_csv(dir .. "/hrp_single" .. case[1] .. "_order.csv")
    local mism = 0
    for k, r in ipairs(orows) do if info.order[k] ~= r[3] then mism = mism + 1 end end
    local _, lrows = T.read_ref_csv(dir .. "/hrp_single" .. case[1] .. "_linkage.csv")
    local lworst, lmism = 0, 0
    for k, r in ipairs(lrows) do
      local z = info.linkage[k]
      if z.left ~= tonumber(r[2]) or z.right ~= tonumber(r[3]) or z.size ~= tonumber(r[5]) then lmism = lmism + 1 end
      lworst = math.max(lworst, math.abs(z.distance - tonumber(r[4])))
    end
    print(string.format("hrp_single%s via Lua: max |w - ref| %.3g, order mismatches %d, linkage mismatches %d, max |d - ref| %.3g",
      case[1], worst, mism, lmism, lworst))
    T.check(worst <= 1e-9, "weights within 1e-9")
    T.eq(mism, 0, "leaf order")
    T.eq(lmism, 0, "linkage ids")
    T.check(lworst <= 1e-9, "linkage distances")
  end
else
  print("SKIP: ../shared/reference is absent; HRP reference part not run")
end

T.finish("test_hrp")
