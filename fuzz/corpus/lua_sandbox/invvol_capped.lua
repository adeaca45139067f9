-- examples/policies/invvol_capped.lua — a user's policy driving a sleeve of
-- examples/fund.yaml: long the names with a positive signal and short the
-- ones with a negative signal, each sized inversely to its volatility, every
-- name capped, the sleeve's gross scaled to `gross`.
--
-- Parameters (defaults in brackets):
--   cap        number in (0, 1]   largest |weight| of one name [0.25]
--   gross      number > 0         the sleeve's gross exposure [1.0]
--   vol_window integer >= 2       rows of returns behind the volatility [63]
--
-- ctx: signal (folio.missing = no view), returns (daily log returns).
-- Returns weights for the names with a signal, and info = {n_long, n_short,
-- n_capped}.
return folio.policy{
  name = "invvol_capped",
  description = "Signal sign, inverse-volatility sized, capped per name, scaled to a gross.",
  params = {
    cap = { type = "number", default = 0.25, min = 0, max = 1, exclusive_min = true, doc = "largest |weight| of one name" },
    gross = { type = "number", default = 1.0, min = 0, exclusive_min = true, doc = "the sleeve's gross exposure" },
    vol_window = { type = "integer", default = 63, min = 2, doc = "rows behind the volatility" },
  },
  size = function(ctx, p)
    local R = ctx.returns:tail(p.vol_window)
    local n = R:shape()
    local function vol(s) -- the sample standard deviation of a column (nil when incomplete)
      local sum, sum2 = 0, 0
      for t = 1, n do
        local r = R:get(t, s)
        if r == nil then return nil end
        sum, sum2 = sum + r, sum2 + r * r
      end
      return n > 1 and math.sqrt(math.max(sum2 - sum * sum / n, 0) / (n - 1)) or nil
    end
    local cols = {}
    for _, s in ipairs(R:symbols()) do cols[s] = true end
    local raw, total = {}, 0
    for _, s in ipairs(folio.sorted_symbols(ctx.signal)) do -- in order: the sum is bit-identical run to run
      local x = ctx.signal[s]
      local v = cols[s] and vol(s)
      if x == x and x ~= 0 and v and v > 0 then
        raw[s] = (x > 0 and 1 or -1) / v
        total = total + 1 / v
      end
    end
    local w, info = {}, { n_long = 0, n_short = 0, n_capped = 0 }
    if total == 0 then return w, info end
    for _, s in ipairs(folio.sorted_symbols(raw)) do
      local x = raw[s] / total * p.gross
      if math.abs(x) > p.cap then
        x = x > 0 and p.cap or -p.cap
        info.n_capped = info.n_capped + 1
      end
      w[s] = x
      if x > 0 then info.n_long = info.n_long + 1 else info.n_short = info.n_short + 1 end
    end
    return w, info
  end,
}
