-- examples/policies/minvar_lw.lua — a long-only minimum-variance sleeve on a
-- Ledoit–Wolf covariance: the names with a positive signal, each at most
-- `cap`, weights summing to `gross`. The shrunk covariance is positive
-- definite even with more names than rows, so no repair is needed.
--
-- Parameters (defaults in brackets):
--   cap        number in (0, 1]   largest weight of one name [0.05]
--   gross      number > 0         the sleeve's gross exposure [1.0]
--   cov_window integer >= 2       rows of daily returns behind the covariance [252]
--
-- ctx: signal (folio.missing = no view), returns (daily log returns).
-- Returns weights, and info = {n_names, shrinkage}.
return folio.policy{
  name = "minvar_lw",
  description = "Long-only minimum variance on a Ledoit–Wolf covariance, over the names with a positive signal.",
  params = {
    cap = { type = "number", default = 0.05, min = 0, max = 1, exclusive_min = true, doc = "largest weight of one name" },
    gross = { type = "number", default = 1.0, min = 0, exclusive_min = true, doc = "the sleeve's gross exposure" },
    cov_window = { type = "integer", default = 252, min = 2, doc = "rows of returns behind the covariance" },
  },
  size = function(ctx, p)
    local names = {}
    for _, s in ipairs(folio.sorted_symbols(ctx.signal)) do
      local x = ctx.signal[s]
      if x == x and x > 0 then names[#names + 1] = s end
    end
    if #names * p.cap < 1 then error(string.format("%d names with a positive signal cannot sum to 1 under cap %g", #names, p.cap), 0) end
    local R = ctx.returns:select(names, p.cov_window)
    local cov = folio.risk_model.ledoit_wolf{ returns = R, missing = "zero" }
    local w = folio.sizers.min_variance{ cov = cov, bounds = { min = 0, max = p.cap } }
    local out = {}
    for _, s in ipairs(names) do out[s] = w[s] * p.gross end
    return out, { n_names = #names }
  end,
}
