-- The book on the rebalance row (part of folio.rebalance, docs/rebalance.md
-- section 4): each name's value in the fund's currency, FX pairs by their
-- own convention, and the last price of a name that has none on the row.
local folio, internal = ...

local pairs, ipairs = pairs, ipairs
local string_format = string.format
local parts = internal.rebalance
local fail = parts.fail

-- An FX pair's base and quote currencies: from the fund file's instruments,
-- else from a six-letter symbol (EURUSD = EUR quoted in USD).
local function fx_pair(cfg, sym)
  local ins = cfg.instruments and cfg.instruments[sym]
  if ins then return ins.base, ins.quote end
  local b, q = sym:match("^(%u%u%u)(%u%u%u)$")
  return b, q
end

-- Values in the fund's currency: unit[s] is what one unit of s is worth
-- (an FX pair's unit is one unit of its base currency), rate[s] converts
-- the quote currency of s into the fund's.
function parts.value_book(run)
  local cfg, prices, row = run.cfg, run.prices, run.row
  local F = cfg.fund.currency or "USD"
  local fx = {}
  for _, sleeve in ipairs(cfg.sleeves) do
    if sleeve.asset_class == "fx" then for _, s in ipairs(sleeve.universe) do fx[s] = true end end
  end
  for s in pairs(cfg.instruments or {}) do fx[s] = true end
  local cols = {}
  for _, s in ipairs(prices:symbols()) do cols[s] = true end
  -- the row's prices of every name the book and the sleeves name, in one call
  local list = {}
  for s in pairs(run.names) do if cols[s] then list[#list + 1] = s end end
  local row_px = prices:row(row, list)
  local function px(s)
    local v = row_px[s]
    if v == nil and cols[s] then v = prices:get(row, s) end -- an FX cross outside the names
    return v
  end
  -- one unit of `from` in `to`: a direct pair, its inverse, or through USD
  local function direct(from, to)
    if from == to then return 1 end
    local d, i = px(from .. to), px(to .. from)
    if d and d > 0 then return d end
    if i and i > 0 then return 1 / i end
  end
  local function rate(ccy, sym)
    local r = direct(ccy, F)
    if not r and ccy ~= "USD" and F ~= "USD" then
      local a, b = direct(ccy, "USD"), direct("USD", F)
      r = a and b and a * b
    end
    if r then return r end
    fail(string_format("cannot value %s in %s: no price for %s%s or %s%s on %s", sym, F, ccy, F, F, ccy, run.row_date), 3)
  end
  run.unit, run.quote, run.rate, run.fx = {}, {}, {}, {}
  for s in pairs(run.names) do
    local p = px(s)
    if p then
      local r = 1
      if fx[s] then
        local base, quote = fx_pair(cfg, s)
        if not base then
          fail(string_format("FX symbol '%s' does not spell its currencies (EURUSD); give them under instruments: in the fund file", s), 3)
        end
        r = rate(quote, s)
        run.fx[s] = { base = base, quote = quote }
      end
      run.quote[s], run.rate[s], run.unit[s] = p, r, p * r
    end
  end
end

-- The last price of s at or before the rebalance row, and its date.
function parts.last_price(prices, row, s)
  for i = row, 1, -1 do
    local v = prices:get(i, s)
    if v then return v, prices:dates()[i] end
  end
end

