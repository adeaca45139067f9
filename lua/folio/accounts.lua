-- folio.accounts: `folio rebalance --accounts ACCOUNTS.csv`, many accounts on
-- one fund template, each rebalanced independently through folio.rebalance.run
-- as one unit of folio.units (docs/scale.md).
--
-- ACCOUNTS.csv: a header `id,nav,positions` and optional override columns
-- named by fund paths (limits.max_gross, composition.max_weekly_turnover, ...;
-- an empty cell keeps the fund's value). `nav` is the account's NAV (the
-- positions file then has no CASH row: the cash is what the positions leave
-- of the NAV); empty, the NAV is the positions file's (its CASH row plus the
-- positions at the rebalance's prices). Relative positions paths are read
-- beside ACCOUNTS.csv. Each account gets its own copy of the fund (its id and
-- NAV), its own file OMS (orders to OUT/orders/<id>.csv) and its own event
-- store OUT/stores/<id>.db — one store per account: an account's rerun is
-- exactly-once on its own store, and accounts never contend for a lock. Its
-- decisions (sleeves, exclusions, orders with their guard decisions) are its
-- unit's result OUT/units/<id>.json. A bad account (a bad row, unreadable
-- positions, a bad override, a failing rebalance) is reported by id with its
-- reason and never stops the others.
local folio, internal = ...

local pairs, ipairs, type, error, tostring, tonumber, pcall =
  pairs, ipairs, type, error, tostring, tonumber, pcall
local string_format, table_concat, table_sort = string.format, table.concat, table.sort

local M = {}
folio.accounts = M

local function fail(msg, level) error("accounts: " .. msg, (level or 1) + 1) end

--- folio.accounts.read{path =} -> accounts {{id =, nav =, positions =, overrides = {{path, text}}, line =}}
--- The file is read with libcsv (folio.data.read_records: RFC 4180 quoting;
--- a ragged row or a bad header is an error of the file, naming its line).
--- A bad field of an account (its id, NAV or positions) is kept as that
--- account's `error`, reported and never run; an account whose id cannot be a
--- file name, or repeats an earlier one, gets the id `bad-line-N` (its line).
function M.read(args)
  local path = args.path
  local ok, r = pcall(folio.data.read_records, path)
  if not ok then fail(tostring(r):gsub("^bad argument #%d+ to '[^']*' %((.*)%)$", "%1"):gsub("^read_records: ", ""), 2) end
  local head = r.columns
  if head[1] ~= "id" or head[2] ~= "nav" or head[3] ~= "positions" then
    fail(string_format("%s:1: the header must start id,nav,positions (then override columns), got '%s'", path,
      table_concat(head, ",")), 2)
  end
  local dir = path:match("^(.*)/[^/]*$")
  local accounts, seen = {}, {}
  for i, cells in ipairs(r.rows) do
    local n = r.lines[i]
    local where = string_format("%s:%d", path, n)
    local a = { id = cells[1], line = n, overrides = {} }
    if not a.id:match("^[%w_%-][%w%._%-]*$") or #a.id > 200 then
      a.error = string_format("%s: account id '%s' must be 1 to 200 letters, digits, '.', '_' or '-'", where, a.id)
      a.id = string_format("bad-line-%d", n)
    elseif seen[a.id] then
      a.error = string_format("%s: account '%s' repeated (line %d)", where, a.id, seen[a.id])
      a.id = string_format("bad-line-%d", n)
    else
      seen[a.id] = n
      a.nav = tonumber(cells[2])
      if cells[2] ~= "" and (not a.nav or not (a.nav > 0 and a.nav < 1e15)) then
        a.error = string_format("%s: nav '%s' must be a number > 0 (or empty: the positions file's)", where, cells[2])
      end
      a.positions = cells[3]
      if a.positions == "" then a.error = a.error or (where .. ": positions is empty") end
      if dir and a.positions:sub(1, 1) ~= "/" then a.positions = dir .. "/" .. a.positions end
      for k = 4, #head do
        if cells[k] ~= "" then a.overrides[#a.overrides + 1] = { head[k], cells[k] } end
      end
    end
    accounts[#accounts + 1] = a
  end
  if #accounts == 0 then fail(path .. ": no accounts", 2) end
  -- a real account named like a bad line's stand-in would share its files
  for _, a in ipairs(accounts) do
    if a.error and a.id:find("^bad%-line%-") and seen[a.id] then
      fail(string_format("%s:%d: account id '%s' is the name given to line %d's bad row: rename it", path, seen[a.id], a.id, a.line), 2)
    end
  end
  return accounts, head
end

--- folio.accounts.result(id, summary, store_path) -> an account's unit
--- result, read back from its store: the run as recorded (its key, its
--- orders with their states, the guards' decisions), so that a rerun that
--- finds the run done reports what the first run did, not a recomputation
--- from the state that run left behind.
function M.result(id, s, store_path)
  local st <close> = folio.store.open{ path = store_path, readonly = true }
  local rec = st:run(s.key)
  if not rec then fail(string_format("%s: no run %s in %s", id, tostring(s.key), store_path), 2) end
  local decisions = {}
  for _, r in ipairs(st:rebalances{ from = rec.asof, to = rec.asof }) do
    if r.run_key == s.key then decisions = r.decisions or {} end
  end
  local orders, submitted, rejected = {}, 0, 0
  for i, o in ipairs(rec.orders) do
    orders[i] = { client_order_id = o.client_id, symbol = o.symbol, side = o.side, quantity = o.quantity,
      notional = o.notional, state = o.state }
    if o.state == "submitted" then submitted = submitted + 1 end
  end
  for _, d in ipairs(decisions) do if d.decision == "rejected" then rejected = rejected + 1 end end
  return { id = id, nav = s.nav, price_date = s.price_date, asof = rec.asof, run = rec.key, state = rec.state,
    status = rejected > 0 and "rejected orders" or "ok", orders = #orders, submitted = submitted, rejected = rejected,
    order_list = orders, decisions = decisions }
end

--- folio.accounts.prepare{fund =, accounts =, prices =, volumes =, asof =, out =, policy_path =, holder =}
--- -> job {units =, meta =, work =}
function M.prepare(args)
  local cfg = folio.config.load{ path = args.fund, sizers = false }
  local accounts, head = M.read{ path = args.accounts }
  -- every override column names a value of the fund (checked even when all its cells are empty)
  for k = 4, #head do
    local v, why = folio.config.get(cfg, head[k])
    if v == nil and why then fail(string_format("%s:1: column %d: %s", args.accounts, k, why), 2) end
  end
  local prices = folio.data.read_csv(args.prices)
  local volumes = args.volumes and folio.data.read_csv(args.volumes) or nil
  folio.units.make_dirs(args.out)
  for _, sub in ipairs{ "/orders", "/stores" } do
    local ok, why = folio.reconcile.make_dir(args.out .. sub)
    if not ok then fail("--out " .. tostring(why), 2) end
  end
  local units, by_id, ids = {}, {}, {}
  for _, a in ipairs(accounts) do
    local info = a.positions and folio.reconcile.file_info(a.positions)
    -- expected cost: the positions file's size (more names, more work), at least 1
    units[#units + 1] = { id = a.id, cost = 1 + (info and info.size or 0) / 1000 }
    by_id[a.id] = a
    ids[#ids + 1] = a.id
  end
  local function work(u)
    local a = by_id[u.id]
    if a.error then error(a.error, 0) end
    -- the account's fund: the template with its id, NAV and override columns, checked as a fund file
    local set = { { "fund.id", (cfg.fund.id or "fund") .. "." .. a.id } }
    if a.nav then set[#set + 1] = { "fund.nav", tostring(a.nav) } end
    for _, o in ipairs(a.overrides) do set[#set + 1] = o end
    local ok, fund = pcall(folio.config.override, { fund = cfg, set = set, text = true })
    if not ok then error(string_format("%s:%d: %s", args.accounts, a.line, tostring(fund):gsub("^config%.override: ", "")), 0) end
    local orders = args.out .. "/orders/" .. a.id .. ".csv"
    local store = args.out .. "/stores/" .. a.id .. ".db"
    local adapter = folio.oms.file{ positions = a.positions, orders = orders, nav = a.nav and a.nav + 0.0 }
    local s = folio.rebalance.run{ fund = fund, prices = prices, volumes = volumes, oms = adapter, asof = args.asof,
      store = store, policy_path = args.policy_path, holder = args.holder, json = true }
    return M.result(a.id, s, store)
  end
  -- what makes a rerun the same job (the accounts' own rows may be fixed between runs: each account's
  -- store keeps its rebalance exactly-once)
  local loaded = { cfg = folio.config.override{ fund = cfg, set = {} }, args = { policy_path = args.policy_path } }
  internal.rebalance.load_policies(loaded)
  local meta = { asof = args.asof or "", inputs = folio.units.inputs{ cfg = cfg, prices = prices, volumes = volumes,
    policy_files = loaded.policy_files } }
  return { units = units, work = work, meta = meta }
end

-- Writes OUT/summary.csv from every account's result or failure (the merger
-- of folio.units): id,status,nav,orders,submitted,rejected,price_date,run,
-- message — orders the run sent (or meant to), submitted, rejected by the
-- guards, the run's key; status "ok", "rejected orders" or "failed" with the
-- reason in message.
function M.merge_units(out, plan, results, failures)
  local lines = { "id,status,nav,orders,submitted,rejected,price_date,run,message" }
  local ids = {}
  for _, u in ipairs(plan.units) do ids[#ids + 1] = u.id end
  table_sort(ids)
  local n_ok, n_failed = 0, 0
  for _, id in ipairs(ids) do
    local r = results[id]
    if r and (type(r.status) ~= "string" or type(r.nav) ~= "number" or math.type(r.orders) ~= "integer"
      or math.type(r.submitted) ~= "integer" or math.type(r.rejected) ~= "integer") then
      fail(string_format("%s: not an account's result: delete it and rerun", folio.units.unit_path(out, id)), 2)
    end
    if r then
      n_ok = n_ok + 1
      lines[#lines + 1] = string_format("%s,%s,%.2f,%d,%d,%d,%s,%s,", id, r.status, r.nav, r.orders, r.submitted,
        r.rejected, r.price_date or "", r.run or "")
    else
      n_failed = n_failed + 1
      lines[#lines + 1] = folio.data.csv_row{ id, "failed", "", "", "", "", "", "", (failures or {})[id] or "" }
    end
  end
  folio.units.write_file(out .. "/summary.csv", table_concat(lines, "\n") .. "\n")
  return string_format("accounts: %d rebalanced, %d failed, of %d; wrote summary.csv to %s; orders in %s/orders",
    n_ok, n_failed, #ids, out, out)
end

--- The `folio rebalance --accounts` command; returns the exit status (1 when an account failed).
function M.cli(opts)
  local o = folio.units.cli_options(opts)
  local job = M.prepare{ fund = opts.fund, accounts = opts.accounts, prices = opts.prices, volumes = o.volumes,
    asof = opts.asof, out = opts.out, policy_path = opts.policy_path, holder = opts.holder }
  return folio.units.cli_job{ job = "accounts", out = opts.out, units = job.units, meta = job.meta, work = job.work,
    shard = o.shard, rank = o.rank, bundle = o.bundle, holder = o.holder, run_id = o.run_id }
end

return M
