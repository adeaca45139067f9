-- policies/equal_weight_ls.lua — long the top names, short the bottom names,
-- equal weight within each side.
--
-- The same algorithm as the built-in folio.sizers.equal_weight_ls, written
-- against the public Lua API so that it can be read, copied and changed:
--
--   * ctx.signal = {SYMBOL = score}; names whose score is folio.missing (NaN)
--     are left out. Names are ranked by score, highest first, ties broken by
--     symbol, so the result never depends on table order.
--   * The top n_long names are long and the bottom n_short names short, each
--     side carrying gross / 2 (all of gross when the other side is empty).
--   * With fewer valid names than n_long + n_short, the larger side (the
--     short side on a tie) gives up one name at a time until no name could
--     be on both sides.
--
-- Parameters (defaults in brackets):
--   n_long   integer >= 0  names held long [5]
--   n_short  integer >= 0  names held short [5]
--   gross    number > 0    gross exposure, fraction of NAV [1.0]
--
-- Returns the selected names' weights and info = {n_long, n_short, n_excluded}.
return folio.policy{
  name = "equal_weight_ls",
  description = "Top n_long names by ctx.signal long, bottom n_short short, equal weight within each side.",
  params = {
    n_long = { type = "integer", default = 5, min = 0, doc = "names held long" },
    n_short = { type = "integer", default = 5, min = 0, doc = "names held short" },
    gross = { type = "number", default = 1.0, min = 0, exclusive_min = true,
      doc = "gross exposure, split evenly between the sides" },
  },
  size = function(ctx, p)
    local signal = ctx.signal
    if signal == nil then error("ctx.signal is required", 0) end
    if p.n_long == 0 and p.n_short == 0 then error("n_long and n_short are both 0", 0) end

    -- Valid names, ranked: score descending, then symbol ascending.
    local ranked, n_excluded = {}, 0
    for _, sym in ipairs(folio.sorted_symbols(signal)) do
      local s = signal[sym]
      if s ~= s then
        n_excluded = n_excluded + 1
      elseif s == math.huge or s == -math.huge then
        error("signal is infinite (symbol " .. sym .. ")", 0)
      else
        ranked[#ranked + 1] = { sym = sym, score = s }
      end
    end
    local m = #ranked
    if m == 0 then error("no name has a signal", 0) end
    table.sort(ranked, function(a, b)
      if a.score ~= b.score then return a.score > b.score end
      return a.sym < b.sym
    end)

    -- Shrink the larger side (the short side on a tie) until the sides fit.
    local nl, ns = math.min(p.n_long, m + 1), math.min(p.n_short, m + 1)
    while nl + ns > m do
      if nl > ns then nl = nl - 1 else ns = ns - 1 end
    end
    local side_long = ns > 0 and p.gross / 2 or p.gross
    local side_short = nl > 0 and p.gross / 2 or p.gross
    local wl = nl > 0 and side_long / nl or 0
    local ws = ns > 0 and side_short / ns or 0

    local w = {}
    for k = 1, nl do w[ranked[k].sym] = wl end
    for k = 1, ns do w[ranked[m + 1 - k].sym] = -ws end
    return w, { n_long = nl, n_short = ns, n_excluded = n_excluded }
  end,
}
