-- policies/lib/kelly_voltarget.lua — the algorithm behind the shipped
-- kelly_voltarget_12 and kelly_voltarget_8 policies (see their headers for
-- what it computes and its parameters). A policy reaches it with
-- `require "kelly_voltarget"`: policies may require modules from the lib/
-- folder of a policy folder, loaded once per engine in the sandbox.
--
-- Returns a function(name, target_ann_vol) that builds the policy.
local folio = require "folio"

return function(name, TARGET_ANN_VOL)
return folio.policy{
  name = name,
  description = "Grinold expected returns from ctx.signal, capped Kelly, vol-targeted to " ..
    string.format("%g", 100 * TARGET_ANN_VOL) .. " % a year, cap re-applied.",
  params = {
    ic = { type = "number", default = 0.05, min = 0, exclusive_min = true, doc = "information coefficient of mu = ic * sigma * z" },
    risk_aversion = { type = "number", default = 2.0, min = 0, exclusive_min = true, doc = "Kelly risk aversion (2 = half Kelly)" },
    cap = { type = "number", default = 0.20, min = 0, exclusive_min = true, doc = "hard per-name cap, fraction of NAV" },
    cov_window = { type = "integer", default = 252, min = 2, doc = "rows of returns behind sigma and the covariance" },
    vol_window = { type = "integer", default = 63, min = 2, doc = "rows of returns behind the realised vol" },
    max_scale = { type = "number", default = 3.0, min = 0, exclusive_min = true, doc = "largest vol-target scale-up" },
    periods_per_year = { type = "number", default = 252, min = 0, exclusive_min = true, doc = "rows per year" },
    repair = { type = "string", default = "error", enum = { "error", "ridge" }, doc = "non-positive-definite covariance: error or ridge" },
  },
  size = function(ctx, p)
    local signal, R, nav = ctx.signal, ctx.returns, ctx.nav_usd
    if signal == nil then error("ctx.signal is required", 0) end
    if R == nil then error("ctx.returns is required (daily log returns)", 0) end
    if nav == nil then error("ctx.nav_usd is required", 0) end

    -- 1. Active names (a signal, in symbol order) and their z-scores.
    local in_returns = {}
    for _, sym in ipairs(R:symbols()) do in_returns[sym] = true end
    local active, values = {}, {}
    for _, sym in ipairs(folio.sorted_symbols(signal)) do
      local s = signal[sym]
      if not in_returns[sym] then error("signal has symbol '" .. sym .. "' that returns does not have", 0) end
      if s == math.huge or s == -math.huge then error("signal is infinite (symbol " .. sym .. ")", 0) end
      if s == s then
        active[#active + 1] = sym
        values[#values + 1] = s
      end
    end
    local n_rows = R:shape()
    if n_rows < p.cov_window then error("cov_window needs " .. p.cov_window .. " rows of returns, got " .. n_rows, 0) end
    if n_rows < p.vol_window then error("vol_window needs " .. p.vol_window .. " rows of returns, got " .. n_rows, 0) end
    local m = #active
    if m < 2 then error(m .. " name(s) with a signal; at least 2 needed", 0) end
    local mean, ss = 0.0, 0.0
    for k = 1, m do mean = mean + values[k] end
    mean = mean / m
    for k = 1, m do
      local d = values[k] - mean
      ss = ss + d * d
    end
    local sd = math.sqrt(ss / (m - 1))
    if not (sd > 0) then error("signal is constant across the " .. m .. " names with a signal", 0) end

    -- The active names' returns over the rows used, as a matrix (complete).
    local X = R:select(active, math.max(p.cov_window, p.vol_window))
    local bad_row, bad_sym = X:first_missing()
    if bad_row then error("missing return (symbol " .. bad_sym .. ", row " .. bad_row .. ")", 0) end

    -- 2. Annualised covariance and Grinold expected returns.
    local sigma = folio.risk_model.sample_cov{ returns = p.cov_window < X:shape() and X:tail(p.cov_window) or X, missing = "error",
      annualize = true, periods_per_year = p.periods_per_year }
    local mu = {}
    for k = 1, m do
      local v = sigma:get(active[k], active[k])
      mu[active[k]] = p.ic * math.sqrt(v > 0 and v or 0.0) * ((values[k] - mean) / sd)
    end

    -- 3. Capped Kelly weights.
    local w, kinfo = folio.sizers.kelly_fraction{ expected_returns = mu, cov = sigma,
      risk_aversion = p.risk_aversion, cap = p.cap, repair = p.repair }

    -- 4. Vol-target scale of the capped Kelly portfolio.
    local _, vinfo = folio.sizers.vol_target_weights{ base_weights = w, asset_log_returns = X,
      target_ann_vol = TARGET_ANN_VOL, window = p.vol_window, max_scale = p.max_scale,
      periods_per_year = p.periods_per_year }

    -- 5. Scale, then the cap again (a hard per-name limit).
    local final, n_capped = {}, 0
    for k = 1, m do
      local x = vinfo.scale * w[active[k]]
      if x >= p.cap then
        x, n_capped = p.cap, n_capped + 1
      elseif x <= -p.cap then
        x, n_capped = -p.cap, n_capped + 1
      end
      final[active[k]] = x
    end
    local _, finfo = folio.sizers.vol_target_weights{ base_weights = final, asset_log_returns = X,
      target_ann_vol = TARGET_ANN_VOL, window = p.vol_window, max_scale = p.max_scale,
      periods_per_year = p.periods_per_year }

    local usd = {}
    for k = 1, m do usd[active[k]] = folio.usd_round_cents(final[active[k]] * nav) end
    return final, {
      usd_targets = usd, nav_usd = nav, scale = vinfo.scale, realised_vol = vinfo.realised_vol,
      final_vol = finfo.realised_vol, ridge = kinfo.ridge, n_capped = n_capped, n_active = m,
      target_ann_vol = TARGET_ANN_VOL, ic = p.ic, risk_aversion = p.risk_aversion, cap = p.cap,
    }
  end,
}
end
