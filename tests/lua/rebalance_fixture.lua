-- tests/lua/rebalance_fixture.lua — a small fund in a fresh folder for the
-- rebalance tests: a few equities, cryptos and FX pairs over 320 business
-- days (deterministic), a positions file and a fund file whose text a test
-- can edit. Not a test itself (the test glob is test_*.lua).
--
--   local F = dofile(dir .. "/rebalance_fixture.lua")
--   local fx = F.new{ yaml = function(text) return text end, positions = "...", drop = {...} }
--   fx.dir, fx.fund, fx.prices, fx.volumes, fx.positions, fx:run{...}, fx:cli("...")
local F = {}

-- the tests' file helpers (testlib.lua, beside this file)
local T = dofile((debug.getinfo(1, "S").source:match("^@(.*)/") or ".") .. "/testlib.lua")
local mkdtemp, write = T.tmpdir, T.write
F.write, F.read = T.write, T.read

-- The symbols and their starting prices: equities, crypto, FX (EURUSD is a
-- USD-quote pair, USDJPY a USD-base pair, EURGBP a cross, GBPUSD its rate).
F.SYMBOLS = {
  { "EQ1", 100 }, { "EQ2", 50 }, { "EQ3", 80 }, { "EQ4", 120 }, { "EQ5", 30 },
  { "CR1", 30000 }, { "CR2", 2000 }, { "CR3", 50 },
  { "EURUSD", 1.10 }, { "GBPUSD", 1.30 }, { "USDJPY", 140.0 }, { "EURGBP", 0.85 },
}
F.DAYS = 320

-- Business days from 2023-01-02 (a Monday).
local function business_days(n)
  local out, t = {}, os.time{ year = 2023, month = 1, day = 2, hour = 12 }
  while #out < n do
    local d = os.date("!*t", t)
    if d.wday ~= 1 and d.wday ~= 7 then out[#out + 1] = os.date("!%Y-%m-%d", t) end
    t = t + 86400
  end
  return out
end
F.dates = business_days(F.DAYS)

-- Deterministic prices: a linear congruential generator, a drift per symbol.
local function market(opts)
  local seed = 12345
  local function u()
    seed = (seed * 1103515245 + 12345) % 2147483648
    return seed / 2147483648
  end
  local px, vol = {}, {}
  for j, s in ipairs(F.SYMBOLS) do
    px[j], vol[j] = {}, {}
    local p = s[2]
    for i = 1, F.DAYS do
      p = p * math.exp(0.0004 * ((j % 3) - 1) + 0.012 * (u() - 0.5))
      px[j][i] = p
      vol[j][i] = math.floor(1e6 * (0.5 + u()))
    end
  end
  -- FX crosses consistent enough; the tests compute their own numbers from the file
  local function csv(tab, fmt)
    local lines = { "date" }
    for _, s in ipairs(F.SYMBOLS) do lines[1] = lines[1] .. "," .. s[1] end
    for i, d in ipairs(F.dates) do
      local row = { d }
      for j, s in ipairs(F.SYMBOLS) do
        local v = tab[j][i]
        local from = opts.listed and opts.listed[s[1]]
        local to = opts.delisted and opts.delisted[s[1]]
        if (from and d < from) or (to and d > to) then row[#row + 1] = "" else row[#row + 1] = string.format(fmt, v) end
      end
      lines[#lines + 1] = table.concat(row, ",")
    end
    return table.concat(lines, "\n") .. "\n"
  end
  return csv(px, "%.6f"), csv(vol, "%d")
end

F.YAML = [[
fund:
  id: fixture_fund
  nav: 1_000_000
  currency: USD
sessions:
  RTH:   {sizer: equal_weight_ls, gross_cap: 1.0}
  pre:   {sizer: equal_weight_ls, gross_cap: 0.3}
  post:  {sizer: equal_weight_ls, gross_cap: 0.3}
  IBEOS: {sizer: equal_weight_ls, gross_cap: 0.1}
  24h:   {sizer: equal_weight_ls, gross_cap: 1.0}
sleeves:
  - name: equities
    sizer: equal_weight_ls
    asset_class: equities
    rebalance: daily
    allocation: 0.5
    universe: [EQ1, EQ2, EQ3, EQ4, EQ5]
    signal: {name: trend_63}
    params: {n_long: 2, n_short: 2}
  - name: crypto
    sizer: equal_weight_ls
    asset_class: crypto
    rebalance: daily
    allocation: 0.3
    universe: [CR1, CR2, CR3]
    signal: {name: trend_63}
    params: {n_long: 1, n_short: 1}
  - name: fx
    sizer: equal_weight_ls
    asset_class: fx
    rebalance: daily
    allocation: 0.2
    universe: [EURUSD, USDJPY, EURGBP]
    signal: {name: trend_63}
    params: {n_long: 1, n_short: 1}
limits:
  max_position_weight: 0.5
  max_gross: 3.0
orders:
  min_notional: 1
  lot_size: 1
  fractional: [crypto, fx]
]]

F.POSITIONS = "symbol,quantity,avg_price\nEQ1,100,100\nCASH,1000000,1\n"

--- F.new{yaml = text | function(text) -> text, positions = text, listed = {SYM = date},
---        delisted = {SYM = date}, volumes = false} -> a fixture
function F.new(opts)
  opts = opts or {}
  local fx = { dir = mkdtemp() }
  local prices, volumes = market(opts)
  fx.prices = fx.dir .. "/prices.csv"
  write(fx.prices, prices)
  if opts.volumes ~= false then
    fx.volumes = fx.dir .. "/volumes.csv"
    write(fx.volumes, volumes)
  end
  local yaml = F.YAML
  if type(opts.yaml) == "function" then yaml = opts.yaml(yaml) elseif type(opts.yaml) == "string" then yaml = opts.yaml end
  fx.fund = fx.dir .. "/fund.yaml"
  write(fx.fund, yaml)
  fx.positions = fx.dir .. "/positions.csv"
  write(fx.positions, opts.positions or F.POSITIONS)
  fx.out = fx.dir .. "/orders.csv"
  fx.store = fx.dir .. "/fund.db"
  return setmetatable(fx, { __index = F })
end

-- Runs folio.rebalance.run on the fixture (quietly); extra args override.
function F.run(fx, extra)
  local folio = require "folio"
  local args = {
    fund = fx.fund, prices = folio.data.read_csv(fx.prices),
    volumes = fx.volumes and folio.data.read_csv(fx.volumes) or nil,
    oms = folio.oms.file{ positions = fx.positions, orders = fx.out }, log = function() end,
  }
  for k, v in pairs(extra or {}) do args[k] = v end
  if args.dry_run == nil and args.store == nil then args.dry_run = true end
  return folio.rebalance.run(args)
end

-- The folio program (the tests run from the source folder).
F.BIN = os.getenv("FOLIO_BIN") or (function()
  for _, p in ipairs{ "build/folio", "build-asan/folio" } do
    local f = io.open(p, "r")
    if f then f:close() return p end
  end
  return "folio"
end)()

-- Runs `folio rebalance` with the fixture's files and `args`; returns the
-- combined output and the exit status.
function F.cli(fx, args, no_defaults, env)
  local cmd = F.BIN .. " rebalance"
  if env then
    local pre = {}
    for _, k in ipairs(F.sorted(env)) do pre[#pre + 1] = k .. "='" .. tostring(env[k]) .. "'" end
    cmd = "env " .. table.concat(pre, " ") .. " " .. cmd
  end
  if not no_defaults then
    cmd = cmd .. " --fund '" .. fx.fund .. "' --prices '" .. fx.prices .. "'"
    if fx.volumes then cmd = cmd .. " --volumes '" .. fx.volumes .. "'" end
  end
  cmd = cmd .. " " .. (args or "") .. " 2>&1"
  local p = assert(io.popen(cmd))
  local out = p:read("a")
  local _, _, code = p:close()
  return out, code
end

function F.sorted(t)
  local k = {}
  for key in pairs(t) do k[#k + 1] = key end
  table.sort(k)
  return k
end

-- The journal of tests/lua/journal_oms.lua: one {id, symbol, side, quantity} per submit() call.
function F.journal(path)
  local out = {}
  local text = F.read(path) or ""
  for line in text:gmatch("[^\n]+") do
    local id, sym, side, q = line:match("^([^,]+),(.+),(%u+),([^,]+)$")
    out[#out + 1] = { id = id, symbol = sym, side = side, quantity = tonumber(q) }
  end
  return out
end

-- The journal OMS's command-line options and environment for a fixture.
function F.journal_env(fx, extra)
  local env = { FOLIO_TEST_POSITIONS = fx.positions, FOLIO_TEST_JOURNAL = fx.dir .. "/journal.csv" }
  for k, v in pairs(extra or {}) do env[k] = v end
  return env
end
F.JOURNAL_OMS = "--oms lua:tests/lua/journal_oms.lua"

function F.cleanup(fx) os.execute("rm -rf '" .. fx.dir .. "'") end

-- Orders CSV rows as tables keyed by column.
function F.orders(path)
  local folio = require "folio"
  local text = F.read(path)
  if not text then return {} end
  local r = folio.data.read_records(path)
  local out = {}
  for i, cells in ipairs(r.rows) do
    local row = {}
    for j, c in ipairs(r.columns) do row[c] = cells[j] end
    out[i] = row
  end
  return out
end

return F
