-- folio.sizers through the host: results, info tables and argument errors.
local T = dofile((arg[0]:match("^(.*)/") or ".") .. "/testlib.lua")
local folio = require "folio"
local S = folio.sizers

-- equal_weight_ls: 10 names, 5/5, gross 1 -> every weight +-0.10
local sig = {}
for i, s in ipairs{"A", "B", "C", "D", "E", "F", "G", "H", "I", "J"} do sig[s] = i end
local w, info = S.equal_weight_ls{signal = sig, n_long = 5, n_short = 5, gross = 1.0}
for _, s in ipairs{"F", "G", "H", "I", "J"} do T.near(w[s], 0.10, 1e-15, "long " .. s) end
for _, s in ipairs{"A", "B", "C", "D", "E"} do T.near(w[s], -0.10, 1e-15, "short " .. s) end
T.eq(info.n_long, 5); T.eq(info.n_short, 5)
sig.J = folio.missing
w, info = S.equal_weight_ls{signal = sig, n_long = 2, n_short = 2}
T.eq(w.J, nil, "NaN signal excluded"); T.near(w.I, 0.25, 1e-15, "gross defaults to 1"); T.eq(info.n_excluded, 1)
T.raises(function() S.equal_weight_ls{signal = sig, n_long = -1, n_short = 2} end, {"n_long must be >= 0"})
T.raises(function() S.equal_weight_ls{signal = sig, n_long = 1, n_short = 2, gross = 0} end, {"gross must be > 0"})
T.raises(function() S.equal_weight_ls{signal = sig, n_long = 1, n_short = 2, grosss = 1} end, {"unknown key 'grosss'"})
T.raises(function() S.equal_weight_ls{signal = {A = math.huge}, n_long = 1, n_short = 0} end, {"signal.A is infinite"})
T.raises(function() S.equal_weight_ls{signal = {A = "x"}, n_long = 1, n_short = 0} end, {"signal.A must be a number"})
T.raises(function() S.equal_weight_ls{signal = {1, 2}, n_long = 1, n_short = 0} end, {"not a symbol"})
T.raises(function() S.equal_weight_ls{n_long = 1, n_short = 0} end, {"signal is required"})
T.raises(function() S.equal_weight_ls{signal = sig, n_long = 1.5, n_short = 0} end, {"whole number"})
T.raises(function() S.equal_weight_ls(sig) end, {"unknown key"})
T.raises(function() S.equal_weight_ls() end, {"table of named arguments expected"})

-- kelly_fraction: diagonal cov -> w_i = mu_i / (ra * var_i), then cap
local cov = folio.matrix{ {0.04, 0}, {0, 0.09}, rows = {"X", "Y"}, cols = {"X", "Y"} }
w, info = S.kelly_fraction{expected_returns = {X = 0.004, Y = 0.018}, cov = cov, risk_aversion = 2}
T.near(w.X, 0.05, 1e-15, "kelly X"); T.near(w.Y, 0.1, 1e-15, "kelly Y"); T.eq(info.ridge, 0)
w, info = S.kelly_fraction{expected_returns = {X = 0.004, Y = 0.018}, cov = cov, risk_aversion = 2, cap = 0.08}
T.near(w.Y, 0.08, 1e-15, "cap"); T.near(info.raw.Y, 0.1, 1e-15, "raw kept"); T.eq(info.capped.Y, true); T.eq(info.capped.X, nil)
w = S.kelly_fraction{expected_returns = {Y = 0.018}, cov = cov}
T.near(w.Y, 0.2, 1e-15, "subset of cov, full Kelly by default")
local bad = folio.matrix{ {1, 2}, {2, 1}, rows = {"X", "Y"}, cols = {"X", "Y"} }
T.raises(function() S.kelly_fraction{expected_returns = {X = 1, Y = 1}, cov = bad} end,
  {"kelly_fraction", "not positive definite", "symbol"})
local sing = folio.matrix{ {1, 1}, {1, 1}, rows = {"X", "Y"}, cols = {"X", "Y"} }
w, info = S.kelly_fraction{expected_returns = {X = 0.1, Y = 0.1}, cov = sing, repair = "ridge"}
T.check(info.ridge > 0, "ridge reported"); T.eq(info.repair.method, "ridge")
T.eq(info.repair.applied, true); T.eq(info.repair.ridge, info.ridge)
local asym = folio.matrix{ {1, 0.5}, {0.1, 1}, rows = {"X", "Y"}, cols = {"X", "Y"} }
T.raises(function() S.kelly_fraction{expected_returns = {X = 1, Y = 1}, cov = asym} end, {"symmetric", "X", "Y"})
T.raises(function() S.kelly_fraction{expected_returns = {X = 1, Z = 1}, cov = cov} end, {"'Z'", "cov does not have"})
T.raises(function() S.kelly_fraction{expected_returns = {X = 0/0}, cov = cov} end, {"expected_returns.X is NaN"})
T.raises(function() S.kelly_fraction{expected_returns = {X = 1}, cov = cov, cap = 0} end, {"cap must be > 0"})
T.raises(function() S.kelly_fraction{expected_returns = {X = 1}, cov = cov, cap = -1} end, {"cap must be > 0"})
T.raises(function() S.kelly_fraction{expected_returns = {X = 1}, cov = cov, risk_aversion = 0} end, {"risk_aversion must be > 0"})
T.raises(function() S.kelly_fraction{expected_returns = {X = 1}, cov = cov, repair = "magic"} end, {"repair"})
T.raises(function() S.kelly_fraction{expected_returns = {X = 1}, cov = {}} end, {"cov must be a folio.matrix"})
T.raises(function() S.kelly_fraction{expected_returns = {}, cov = cov} end, {"empty"})
local rect = folio.matrix{ {1, 0}, rows = {"X"}, cols = {"X", "Y"} }
T.raises(function() S.kelly_fraction{expected_returns = {X = 1}, cov = rect} end, {"square"})

-- vol_target_weights
local rows = {}
for i = 1, 80 do rows[i] = { (i % 2 == 0) and 0.01 or -0.01, (i % 3 == 0) and 0.02 or -0.005 } end
rows.cols = {"X", "Y"}
local R = folio.matrix(rows)
w, info = S.vol_target_weights{base_weights = {X = 0.5}, asset_log_returns = R, target_ann_vol = 0.10, window = 63}
T.check(info.scale > 0 and info.scale <= 3, "scale in (0, max]")
T.near(w.X, 0.5 * info.scale, 1e-15, "scaled weight")
T.near(info.target_vol, 0.10, 0, "target reported")
T.raises(function() S.vol_target_weights{base_weights = {X = 1}, asset_log_returns = R, target_ann_vol = 0.1, window = 81} end,
  {"vol_target_weights"})
T.raises(function() S.vol_target_weights{base_weights = {X = 1}, asset_log_returns = R} end, {"target_ann_vol is required"})
T.raises(function() S.vol_target_weights{base_weights = {Q = 1}, asset_log_returns = R, target_ann_vol = 0.1} end, {"'Q'"})
T.raises(function() S.vol_target_weights{base_weights = {X = 0}, asset_log_returns = R, target_ann_vol = 0.1} end, {"vol"})

-- fixed_weight
w = S.fixed_weight{weights = {A = 0.3, B = -0.2}}
T.eq(w.A, 0.3); T.eq(w.B, -0.2)
T.raises(function() S.fixed_weight{weights = {A = 0/0}} end, {"weights.A is NaN"})

-- kelly_voltarget_12 / _8 on sample-like data
local n, syms = 300, {"A", "B", "C", "D", "E"}
local seed = 12345
local function rnd() seed = (seed * 1103515245 + 12345) % 2147483648; return seed / 2147483648 - 0.5 end
local data = {}
for t = 1, n do
  local mkt = rnd() * 0.02
  data[t] = {}
  for j = 1, #syms do data[t][j] = mkt + rnd() * 0.03 * j end
end
data.cols = syms
local LR = folio.matrix(data)
local signal = {A = 1.0, B = -0.5, C = 0.2, D = folio.missing, E = -1.2}
local w12, i12 = S.kelly_voltarget_12{signal = signal, returns = LR, nav_usd = 1e6}
local w8, i8 = S.kelly_voltarget_8{signal = signal, returns = LR, nav_usd = 1e6}
T.eq(w12.D, nil, "missing signal excluded"); T.eq(i12.n_active, 4)
for _, s in ipairs(T.keys(w12)) do
  T.check(math.abs(w12[s]) <= 0.2 + 1e-15, "cap " .. s)
  T.near(i12.usd_targets[s], math.floor(w12[s] * 1e6 * 100 + 0.5) / 100, 0.0051, "usd " .. s)
end
T.near(i12.target_ann_vol, 0.12, 0); T.near(i8.target_ann_vol, 0.08, 0)
T.check(i8.final_vol <= i12.final_vol + 1e-12, "8% target is not riskier than 12%")
local again = S.kelly_voltarget_12{signal = signal, returns = LR, nav_usd = 1e6}
for s, v in pairs(w12) do T.eq(again[s], v, "deterministic " .. s) end
T.raises(function() S.kelly_voltarget_12{signal = signal, returns = LR} end, {"nav_usd is required"})
T.raises(function() S.kelly_voltarget_12{signal = signal, returns = LR, nav_usd = -5} end, {"nav_usd must be > 0"})
T.raises(function() S.kelly_voltarget_12{signal = signal, returns = LR, nav_usd = 1, target_ann_vol = 0.2} end, {"fixed"})
T.raises(function() S.kelly_voltarget_12{signal = {Z = 1}, returns = LR, nav_usd = 1} end, {"'Z'"})
T.raises(function() S.kelly_voltarget_12{signal = signal, returns = LR:tail(50), nav_usd = 1} end, {"kelly_voltarget_12"})
local wg = S.kelly_voltarget{signal = signal, returns = LR, nav_usd = 1e6, target_ann_vol = 0.12}
for s, v in pairs(w12) do T.eq(wg[s], v, "generic == _12 " .. s) end

T.finish("test_sizers")
