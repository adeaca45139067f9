-- folio.signals: the price-based signals the rebalance sizes sleeves from,
-- the factor names a fund file may give (signal: {factor = ...}) and each
-- asset class's default (docs/rebalance.md, "Policies" and "signal:").
--
--   folio.signals.momentum_12_1(R, syms), reversal_5(R, syms), trend_63(R, syms)
--     -> {SYMBOL = value}, rows of history the signal needs
--   folio.signals.FACTORS       factor name -> signal name
--   folio.signals.CLASS_DEFAULT asset class -> signal name
--   folio.signals.NAMES         the signal names, sorted
--   folio.signals.ROWS          signal name -> rows of returns it reads
local folio = ...

local pairs, ipairs, table_sort = pairs, ipairs, table.sort

-- The sample data has prices and volumes only, so each factor a sleeve names
-- maps to a price-based signal (docs/rebalance.md). R are daily log returns;
-- names without a complete history over the rows a signal needs get no
-- signal (folio.missing).
-- The mean log return of the names with a complete history over the last
-- `rows` rows, over the first `head` of them; the others get no value.
local function window_mean(R, syms, rows, head)
  local W = R:select(syms, rows)
  local complete = W:complete_columns()
  local keep = {}
  for _, s in ipairs(syms) do if complete[s] then keep[#keep + 1] = s end end
  if #keep == 0 then return {} end
  if #keep < #syms then W = W:select(keep) end
  if head then W = W:head(head) end
  return W:mean()
end

local SIGNALS = {
  -- 12-1 momentum: the mean log return from 252 to 21 rows back
  momentum_12_1 = function(R, syms) return window_mean(R, syms, 252, 231), 252 end,
  -- short-term mean reversion: minus the last 5 days' mean return
  reversal_5 = function(R, syms)
    local m = window_mean(R, syms, 5)
    for s, v in pairs(m) do m[s] = -v end
    return m, 5
  end,
  -- trend over 63 rows (a stand-in for carry: the sample data has no rates)
  trend_63 = function(R, syms) return window_mean(R, syms, 63), 63 end,
}
local FACTORS = {
  f_momentum_12_1 = "momentum_12_1",
  f_crypto_realized_vol = "reversal_5",
  f_fx_carry = "trend_63",
}
local CLASS_SIGNAL = { equities = "momentum_12_1", crypto = "reversal_5", fx = "trend_63", futures = "trend_63" }

local names = {}
for name in pairs(SIGNALS) do names[#names + 1] = name end
table_sort(names)
local M = { FACTORS = FACTORS, CLASS_DEFAULT = CLASS_SIGNAL, NAMES = names,
  ROWS = { momentum_12_1 = 252, reversal_5 = 5, trend_63 = 63 } }
for name, fn in pairs(SIGNALS) do M[name] = fn end
folio.signals = M
