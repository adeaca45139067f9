-- folio.accounts: `folio rebalance --accounts ACCOUNTS.csv`, many accounts on
-- one fund template, each rebalanced independently through folio.rebalance.run
-- as one unit of folio.units (docs/scale.md).
--
-- ACCOUNTS.csv: a header `id,nav,positions` and optional override columns
-- named by fund paths (limits.max_gross, composition.max_weekly_turnover, ...;
-- an empty cell keeps the fund's value). Relative positions paths are read
-- beside ACCOUNTS.csv. Each account gets its own copy of the fund (its id and
-- NAV), its own file OMS (orders to OUT/orders/<id>.csv) and its own event
-- store OUT/stores/<id>.db — one store per account: an account's rerun is
-- exactly-once on its own store, and accounts never contend for a lock. A bad
-- account (unreadable positions, a bad override, a failing rebalance) is
-- reported by id with its reason and never stops the others.
local folio, internal = ...

local pairs, ipairs, type, error, tostring, tonumber, pcall =
  pairs, ipairs, type, error, tostring, tonumber, pcall
local string_format, table_concat, table_sort = string.format, table.concat, table.sort

local M = {}
folio.accounts = M

local function fail(msg, level) error("accounts: " .. msg, (level or 1) + 1) end

local function deep_copy(v)
  if type(v) ~= "table" then return v end
  local t = {}
  for k, x in pairs(v) do t[k] = deep_copy(x) end
  return t
end

-- Sets path (a.b.c; sleeves.NAME picks a sleeve) in cfg to the text value,
-- typed as the fund's value; nil, message when it cannot.
local function override(cfg, path, text)
  local segs = {}
  for seg in (path .. "."):gmatch("([^.]*)%.") do segs[#segs + 1] = seg end
  local t = cfg
  for i = 1, #segs - 1 do
    local nxt
    if t == cfg.sleeves then
      for _, s in ipairs(cfg.sleeves) do if s.name == segs[i] then nxt = s end end
    else
      nxt = t[segs[i]]
    end
    if type(nxt) ~= "table" then return nil, string_format("unknown fund path '%s'", path) end
    t = nxt
  end
  local leaf, base = segs[#segs], t[segs[#segs]]
  if base == nil or type(base) == "table" then return nil, string_format("unknown fund path '%s'", path) end
  local v = text
  if type(base) == "number" then
    v = tonumber(text)
    if not v or v ~= v or v == math.huge or v == -math.huge then return nil, string_format("%s: '%s' is not a number", path, text) end
    if math.type(base) == "float" then v = v + 0.0 end
  elseif type(base) == "boolean" then
    if text ~= "true" and text ~= "false" then return nil, string_format("%s: '%s' is not true or false", path, text) end
    v = text == "true"
  end
  t[leaf] = v
  return true
end

--- folio.accounts.read{path =} -> accounts {{id =, nav =, positions =, overrides = {{path, text}}, line =}}
--- A bad header raises; a bad row is kept with `error` (reported, never run).
function M.read(args)
  local path = args.path
  local text, why = folio.reconcile.read_file(path)
  if not text then fail(tostring(why), 2) end
  local dir = path:match("^(.*)/[^/]*$")
  local lines = {}
  for line in (text:gsub("\r\n", "\n") .. "\n"):gmatch("([^\n]*)\n") do lines[#lines + 1] = line end
  local head = {}
  for f in ((lines[1] or "") .. ","):gmatch("([^,]*),") do head[#head + 1] = f end
  if head[1] ~= "id" or head[2] ~= "nav" or head[3] ~= "positions" then
    fail(string_format("%s:1: the header must start id,nav,positions (then override columns), got '%s'", path, lines[1] or ""), 2)
  end
  local accounts, seen = {}, {}
  for n = 2, #lines do
    local line = lines[n]
    if line ~= "" then
      local cells = {}
      for f in (line .. ","):gmatch("([^,]*),") do cells[#cells + 1] = f end
      local a = { id = cells[1], line = n, overrides = {} }
      local where = string_format("%s:%d", path, n)
      if #cells ~= #head then
        a.error = string_format("%s: %d fields, the header has %d", where, #cells, #head)
      elseif not a.id:match("^[%w_%-][%w%._%-]*$") or #a.id > 200 then
        a.error = string_format("%s: account id '%s' must be letters, digits, '.', '_' or '-'", where, a.id)
      elseif seen[a.id] then
        fail(string_format("%s: account '%s' repeated (line %d)", where, a.id, seen[a.id]), 2)
      else
        a.nav = tonumber(cells[2])
        if not a.nav or not (a.nav > 0 and a.nav < 1e15) then a.error = string_format("%s: nav '%s' must be a number > 0", where, cells[2]) end
        a.positions = cells[3]
        if a.positions == "" then a.error = a.error or (where .. ": positions is empty") end
        if dir and a.positions:sub(1, 1) ~= "/" then a.positions = dir .. "/" .. a.positions end
        for k = 4, #head do
          if cells[k] ~= "" then a.overrides[#a.overrides + 1] = { head[k], cells[k] } end
        end
      end
      if a.id and a.id ~= "" then
        if seen[a.id] == nil then seen[a.id] = n end
        accounts[#accounts + 1] = a
      end
    end
  end
  if #accounts == 0 then fail(path .. ": no accounts", 2) end
  return accounts
end

--- folio.accounts.prepare{fund =, accounts =, prices =, volumes =, asof =, out =, policy_path =, holder =}
--- -> job {units =, meta =, work =}
function M.prepare(args)
  local cfg = folio.config.load{ path = args.fund, sizers = false }
  local accounts = M.read{ path = args.accounts }
  local prices = folio.data.read_csv(args.prices)
  local volumes = args.volumes and folio.data.read_csv(args.volumes) or nil
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
    local fund = deep_copy(cfg)
    fund.fund.nav = a.nav + 0.0
    fund.fund.id = (cfg.fund.id or "fund") .. "/" .. a.id
    for _, o in ipairs(a.overrides) do
      local ok, why = override(fund, o[1], o[2])
      if not ok then error(string_format("%s:%d: %s", args.accounts, a.line, why), 0) end
    end
    local orders = args.out .. "/orders/" .. a.id .. ".csv"
    local adapter = folio.oms.file{ positions = a.positions, orders = orders }
    local s = folio.rebalance.run{ fund = fund, prices = prices, volumes = volumes, oms = adapter, asof = args.asof,
      store = args.out .. "/stores/" .. a.id .. ".db", policy_path = args.policy_path, holder = args.holder, json = true }
    return { id = a.id, nav = s.nav, status = s.status, orders = #s.orders, submitted = s.submitted,
      rejected = s.rejected, dropped = s.dropped, price_date = s.price_date }
  end
  return { units = units, work = work, meta = { fund = args.fund, accounts = args.accounts, asof = args.asof } }
end

-- Writes OUT/summary.csv from every account's result (the merger of folio.units).
function M.merge_units(out, plan, results)
  local lines = { "id,status,nav,orders,submitted,rejected,dropped,price_date" }
  local ids = {}
  for _, u in ipairs(plan.units) do ids[#ids + 1] = u.id end
  table_sort(ids)
  for _, id in ipairs(ids) do
    local r = results[id]
    lines[#lines + 1] = string_format("%s,%s,%.2f,%d,%d,%d,%d,%s", id, r.status, r.nav, r.orders, r.submitted,
      r.rejected, r.dropped, r.price_date or "")
  end
  folio.units.write_file(out .. "/summary.csv", table_concat(lines, "\n") .. "\n")
  return string_format("wrote summary.csv (%d accounts) to %s; orders in %s/orders", #ids, out, out)
end

--- The `folio rebalance --accounts` command; returns the exit status (1 when an account failed).
function M.cli(opts)
  local volumes = opts.volumes
  if not volumes and opts.default_volumes and folio.reconcile.file_info(opts.default_volumes) then
    volumes = opts.default_volumes
  end
  local shard
  if opts.shard then
    local i, n = folio.units.parse_shard(opts.shard)
    if not i then fail(n) end
    shard = { i, n }
  end
  local job = M.prepare{ fund = opts.fund, accounts = opts.accounts, prices = opts.prices, volumes = volumes,
    asof = opts.asof, out = opts.out, policy_path = opts.policy_path, holder = opts.holder }
  return folio.units.cli_job{ job = "accounts", out = opts.out, units = job.units, meta = job.meta, work = job.work,
    shard = shard or (opts.mpi_ranks and { tonumber(opts.mpi_rank), tonumber(opts.mpi_ranks) }),
    bundle = opts.bundle, rank_label = opts.mpi_ranks and ("rank " .. (tonumber(opts.mpi_rank) - 1)) or nil }
end

return M
