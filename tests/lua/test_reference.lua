-- Reference numbers from ../shared/reference, reached through the Lua API
-- (read_csv -> returns -> sample_cov / mean -> kelly_fraction), 1e-10 relative.
local T = dofile((arg[0]:match("^(.*)/") or ".") .. "/testlib.lua")
local folio = require "folio"

local dir = T.reference_dir()
if not dir then
  print("SKIP: ../shared/reference is absent (FOLIO_REFERENCE_DIR); Lua reference tests not run")
  os.exit(77)
end

local function ref_matrix(name)
  local header, rows = T.read_ref_csv(dir .. "/" .. name)
  local m = {}
  for _, r in ipairs(rows) do
    m[r[1]] = {}
    for j = 2, #header do m[r[1]][header[j]] = tonumber(r[j]) end
  end
  return m, header
end

-- Max |a - b| / sqrt(ref_ii ref_jj) over all entries.
local function cov_dev(C, ref, syms)
  local worst = 0
  for _, a in ipairs(syms) do
    for _, b in ipairs(syms) do
      local scale = math.sqrt(ref[a][a] * ref[b][b])
      worst = math.max(worst, math.abs(C:get(a, b) - ref[a][b]) / scale)
    end
  end
  return worst
end

local P = folio.data.read_csv(dir .. "/data/stock_prices.csv")
local R = P:returns("simple")
T.eq(select(1, R:shape()), 7125, "7125 return rows")
local syms = R:symbols()

local C = folio.risk_model.sample_cov{returns = R, missing = "pairwise"}
local dev = cov_dev(C, ref_matrix("cov_sample.csv"), syms)
print(string.format("pairwise cov: max deviation %.3g (relative to sqrt(Cii Cjj))", dev))
T.check(dev <= 1e-10, "pairwise cov within 1e-10")

local Cc, info = folio.risk_model.sample_cov{returns = R, missing = "complete"}
T.eq(info.rows_used, 895, "895 complete rows")
dev = cov_dev(Cc, ref_matrix("cov_sample_complete.csv"), syms)
print(string.format("complete cov: max deviation %.3g", dev))
T.check(dev <= 1e-10, "complete cov within 1e-10")
T.raises(function() folio.risk_model.sample_cov{returns = R} end, {"sample_cov", "missing"})

-- Kelly with risk aversion 2 and cap 0.20 on the annualised estimates
local function kelly_case(file, missing)
  local _, rows = T.read_ref_csv(dir .. "/" .. file)
  local Ra = R
  local mu = {}
  if missing == "pairwise" then
    mu = R:mean()
  else
    -- complete rows only: mean over the rows where every symbol is present
    local sums, n = {}, 0
    local nr = R:shape()
    for t = 1, nr do
      local ok = true
      for _, s in ipairs(syms) do if R:get(t, s) == nil then ok = false break end end
      if ok then
        n = n + 1
        for _, s in ipairs(syms) do sums[s] = (sums[s] or 0) + R:get(t, s) end
      end
    end
    for _, s in ipairs(syms) do mu[s] = sums[s] / n end
  end
  for s, v in pairs(mu) do mu[s] = 252 * v end
  local Sigma = folio.risk_model.sample_cov{returns = Ra, missing = missing, annualize = true}
  local w, info = folio.sizers.kelly_fraction{expected_returns = mu, cov = Sigma, risk_aversion = 2.0, cap = 0.20}
  local worst_mu, worst_raw, worst_cap = 0, 0, 0
  for _, r in ipairs(rows) do
    local s, mu_ref, raw_ref, cap_ref = r[1], tonumber(r[2]), tonumber(r[3]), tonumber(r[4])
    worst_mu = math.max(worst_mu, math.abs(mu[s] - mu_ref) / math.abs(mu_ref))
    worst_raw = math.max(worst_raw, math.abs(info.raw[s] - raw_ref) / math.max(math.abs(raw_ref), 1e-3))
    worst_cap = math.max(worst_cap, math.abs(w[s] - cap_ref) / math.max(math.abs(cap_ref), 1e-3))
  end
  print(string.format("%s: mu %.3g, w_raw %.3g, w_capped %.3g (max relative deviation)", file, worst_mu, worst_raw, worst_cap))
  T.check(worst_mu <= 1e-10 and worst_raw <= 1e-10 and worst_cap <= 1e-10, file .. " within 1e-10")
end
kelly_case("kelly_ra2_cap20.csv", "pairwise")
kelly_case("kelly_ra2_cap20_complete.csv", "complete")

T.finish("test_reference")
