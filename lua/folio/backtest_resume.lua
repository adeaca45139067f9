-- A resumable backtest (part of folio.backtest, docs/backtest.md section 6):
-- with --store, every `checkpoint_every` rebalances the book and what was
-- added to the outputs since the last checkpoint are saved as one checkpoint
-- (one transaction); after a kill the same command reads the chain back and
-- continues from the last one, so the outputs are byte-identical to an
-- uninterrupted run. The first checkpoint carries the run's identity (fund,
-- policies, prices, volumes, range, cash rate); a store written by another
-- backtest is refused, naming the difference.
local folio, internal = ...

local pairs, ipairs, type, tostring, tonumber = pairs, ipairs, type, tostring, tonumber
local string_format, table_concat = string.format, table.concat
local parts = internal.backtest
local fail = parts.fail

local KIND, VERSION = "folio.backtest", 1
local LISTS = { "nav", "trades", "weights", "costs", "trips", "contrib", "rebalances" }
local BOOK = { "cash", "positions", "saved", "turnover_log", "prev_row", "peak", "n_rebalances", "guard_events",
  "turnover_total", "total", "pnl", "delisted", "warnings", "last_nav" }

-- What makes two backtests the same: digests of the fund as loaded (without
-- where it was read from), of each policy file, of the prices and volumes,
-- and the range and cash rate, each named for the message.
function parts.identity(bt, args, from, to)
  local rb = internal.rebalance
  local policies = {}
  for _, name in ipairs(folio.sorted_keys(bt.policy_files or {})) do
    local text = folio.reconcile.read_file(bt.policy_files[name])
    policies[#policies + 1] = name .. "=" .. folio.store.digest(text or "")
  end
  return {
    { key = "fund", what = "the fund id", value = bt.cfg.fund.id },
    { key = "fund_digest", what = "the fund file's content", value = folio.store.digest(table_concat(rb.canonical(rb.content(bt.cfg), {}))) },
    { key = "policies", what = "the policy files", value = table_concat(policies, ",") },
    { key = "prices", what = "the prices (" .. tostring(bt.prices_name) .. ")", value = bt.prices:digest() },
    { key = "volumes", what = "the volumes", value = bt.volumes and bt.volumes:digest() or "none" },
    { key = "from", what = "the first date (--from)", value = bt.dates[bt.r0] },
    { key = "to", what = "the last date (--to)", value = bt.dates[bt.r1] },
    { key = "cash_rate", what = "the cash rate", value = string_format("%a", bt.cash_rate) },
  }
end

-- Opens the store, checks that its backtest is this one and restores the
-- book and the outputs so far; returns the open store.
function parts.resume(bt, args)
  local st = folio.store.open{ path = args.store }
  if st.lock then st:lock{ holder = string_format("folio.backtest of %s", bt.cfg.fund.id) } end
  local ok, err = pcall(function()
    local chain = st:checkpoints()
    if #chain == 0 then return end
    bt.identity_saved = true
    local head = chain[1].state
    if type(head) ~= "table" or head.kind ~= KIND then
      fail(string_format("--store %s holds checkpoints that are not a backtest's: give a new store", args.store), 3)
    end
    if head.version ~= VERSION then
      fail(string_format("--store %s was written by backtest format %s, this is %d", args.store, tostring(head.version), VERSION), 3)
    end
    local theirs = {}
    for _, e in ipairs(head.identity or {}) do theirs[e.key] = e.value end
    for _, e in ipairs(bt.identity) do
      if theirs[e.key] ~= e.value then
        -- the cash rate is kept exact (%a); say it as a number
        local function shown(v)
          if e.key == "cash_rate" and tonumber(v) then return string_format("%.10g", tonumber(v)) end
          return tostring(v)
        end
        fail(string_format("--store %s holds a backtest of other inputs, %s: store %s, this run %s; "
          .. "give a new store or the same inputs", args.store, e.what, shown(theirs[e.key]), shown(e.value)), 3)
      end
    end
    for _, cp in ipairs(chain) do
      local s = cp.state
      for _, k in ipairs(LISTS) do
        local acc, add = bt.acc[k], s.add and s.add[k] or {}
        for _, v in ipairs(add) do acc[#acc + 1] = v end
      end
    end
    local book = chain[#chain].state.book
    for _, k in ipairs(BOOK) do bt[k] = book[k] end
    bt.positions = bt.positions or {}
    bt.turnover_log = bt.turnover_log or {}
    bt.pnl, bt.delisted, bt.warnings = bt.pnl or {}, bt.delisted or {}, bt.warnings or {}
    bt.seen_warning = {}
    for _, w in ipairs(bt.warnings) do bt.seen_warning[w] = true end
    bt.resumed = { rebalances = bt.n_rebalances, date = bt.prev_row and bt.dates[bt.prev_row] }
  end)
  if not ok then
    st:close()
    error(err, 0)
  end
  bt.marks = {}
  for _, k in ipairs(LISTS) do bt.marks[k] = #bt.acc[k] end
  return st
end

-- Saves what was added since the last checkpoint and the whole book.
function parts.checkpoint(bt, st, final)
  local add = {}
  for _, k in ipairs(LISTS) do
    local acc, from, list = bt.acc[k], bt.marks[k] or 0, {}
    for i = from + 1, #acc do list[#list + 1] = acc[i] end
    add[k] = list
    bt.marks[k] = #acc
  end
  local book = {}
  for _, k in ipairs(BOOK) do book[k] = bt[k] end
  local state = { kind = KIND, version = VERSION, add = add, book = book, done = final or nil }
  if not bt.identity_saved then
    state.identity = bt.identity
    bt.identity_saved = true
  end
  st:save_checkpoint{ asof = bt.days[bt.prev_row] * 86400, state = state }
end
