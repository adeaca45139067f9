-- tests/lua/test_backtest_inputs.lua — what folio.backtest.run and `folio
-- backtest` refuse, each with a message that names the file and line, the
-- symbol, the option or what differs: gaps inside a series (leading and
-- trailing ones are accepted), prices <= 0, volumes off the price rows, the
-- range, a universe without history on the first rebalance, the fund file's
-- `costs:`, the named arguments, --out, a store of another backtest or of a
-- rebalance; and the command's usage errors (exit 2) and failures (exit 1).
-- Fixtures are small CSVs and a copy of examples/fund.yaml in a fresh folder.
local T = dofile("tests/lua/testlib.lua")
local folio = require "folio"

local BIN = os.getenv("FOLIO_BIN") or "./build/folio"

local mkdtemp, write = T.tmpdir, T.write
local function read(path) return assert(T.read(path), "cannot read " .. path) end

-- the folder: the example fund (and its policy), the example prices and
-- volumes in d/, the prices alone in nov/ (no default volumes)
local dir = mkdtemp()
assert(os.execute(string.format("cp -r examples/fund.yaml examples/policies '%s/' && mkdir -p '%s/d' '%s/nov' && "
  .. "cp examples/data/prices.csv examples/data/volumes.csv '%s/d/' && cp examples/data/prices.csv '%s/nov/'",
  dir, dir, dir, dir, dir)))
local FUND, PRICES, VOLUMES = dir .. "/fund.yaml", dir .. "/d/prices.csv", dir .. "/d/volumes.csv"
-- the example fund without its costs: section (the cost cases append their own)
local fund_text = read(FUND):gsub("\n# What trading costs.*$", "\n")
local fund_lines = select(2, fund_text:gsub("\n", "\n"))
local price_lines = {}
for line in read(PRICES):gmatch("[^\n]+") do price_lines[#price_lines + 1] = line end

-- folio.backtest.run with the example fund and prices unless given; the error, or nil
local function api(args)
  local a = { fund = FUND, prices = PRICES, volumes = VOLUMES, json = true }
  for k, v in pairs(args) do a[k] = v end
  for k, v in pairs(args) do if v == false then a[k] = nil end end
  local ok, err = pcall(folio.backtest.run, a)
  return not ok and tostring(err) or nil, ok and err or nil
end
local function refused(args, needles, what)
  local err = api(args)
  T.check(err ~= nil, what .. ": refused")
  if not err then return end
  for _, n in ipairs(needles) do
    T.check(err:find(n, 1, true), string.format("%s: the message names '%s': %s", what, n, err))
  end
end
-- `folio backtest ARGS`: the output (stdout and stderr) and the exit status
local function cli(args)
  local p = assert(io.popen(string.format("%s backtest %s 2>&1; echo \"exit=$?\"", BIN, args)))
  local out = p:read("a")
  p:close()
  return out, tonumber(out:match("exit=(%d+)%s*$"))
end
local function fund_with(name, edit)
  local path = dir .. "/" .. name
  write(path, edit(fund_text))
  return path
end

-- ---- the price and volume files ------------------------------------------------------------------

local gap = dir .. "/gap.csv"
write(gap, "date,A,B\n2024-01-02,1,\n2024-01-03,2,5\n2024-01-04,,6\n2024-01-05,3,\n")
refused({ prices = gap, volumes = false }, { "gap.csv:4:", "A", "2024-01-04", "inside its series" }, "a gap inside a series")
local zero = dir .. "/zero.csv"
write(zero, "date,A,B\n2024-01-02,1,4\n2024-01-03,0,5\n")
refused({ prices = zero, volumes = false }, { "zero.csv:3:", "A:", "price 0", "2024-01-03" }, "a zero price")
local neg = dir .. "/neg.csv"
write(neg, "date,A,B\n2024-01-02,1,4\n2024-01-03,2,-5\n")
refused({ prices = neg, volumes = false }, { "neg.csv:3:", "B:", "price -5" }, "a negative price")
-- a gap in the volumes is one too
local vgap = dir .. "/vgap.csv"
write(vgap, "date,A,B\n2024-01-02,1,4\n2024-01-03,,5\n2024-01-04,7,6\n")
local pok = dir .. "/pok.csv"
write(pok, "date,A,B\n2024-01-02,1,4\n2024-01-03,2,5\n2024-01-04,3,6\n")
refused({ prices = pok, volumes = vgap }, { "vgap.csv:3:", "A", "no volume" }, "a gap inside a volume series")
-- a volume <= 0 is refused before the replay, naming the file and line
local vneg = dir .. "/vneg.csv"
write(vneg, "date,A,B\n2024-01-02,1,4\n2024-01-03,2,-5\n2024-01-04,7,6\n")
refused({ prices = pok, volumes = vneg }, { "vneg.csv:3:", "B:", "volume -5", "2024-01-03" }, "a negative volume")

-- leading and trailing gaps are accepted: EQ_TECH2 starts late, EQ_TECH3 stops early (inside the range)
do
  local header = {}
  for s in price_lines[1]:gmatch("[^,]+") do header[#header + 1] = s end
  local c2, c3
  for i, s in ipairs(header) do if s == "EQ_TECH2" then c2 = i elseif s == "EQ_TECH3" then c3 = i end end
  local out = { price_lines[1] }
  for i = 2, #price_lines do
    local cells = {}
    for c in (price_lines[i] .. ","):gmatch("([^,]*),") do cells[#cells + 1] = c end
    if i <= 40 then cells[c2] = "" end
    if i >= 270 then cells[c3] = "" end
    out[i] = table.concat(cells, ",")
  end
  local edges = dir .. "/d/edges.csv"
  write(edges, table.concat(out, "\n") .. "\n")
  local err, result = api{ prices = edges, to = "2023-02-28" }
  T.check(err == nil, "leading and trailing gaps are accepted: " .. tostring(err))
  T.check(result and result.rebalances > 0, "... and the backtest runs")
end

-- volumes on other rows
local vlines = {}
for line in read(VOLUMES):gmatch("[^\n]+") do vlines[#vlines + 1] = line end
local vlast = dir .. "/vlast.csv"
local shifted = { table.unpack(vlines) }
shifted[#shifted] = shifted[#shifted]:gsub("^2024%-11%-25", "2024-11-26")
write(vlast, table.concat(shifted, "\n") .. "\n")
refused({ volumes = vlast }, { "vlast.csv:" .. #vlines .. ":", "2024-11-26", "2024-11-25" }, "volumes whose last date differs")
local vshort = dir .. "/vshort.csv"
write(vshort, table.concat(vlines, "\n", 1, 100) .. "\n")
refused({ volumes = vshort }, { "vshort.csv has 99 rows", "756" }, "volumes with fewer rows")

-- ---- the range -----------------------------------------------------------------------------------

refused({ from = "2024-01-10", to = "2024-01-05" }, { "--from 2024-01-10 is after --to 2024-01-05" }, "--from after --to")
refused({ from = "2021-06-01" }, { "--from 2021-06-01 is before the first row", "prices.csv", "2022-01-03" }, "--from before the first row")
refused({ to = "2030-01-01" }, { "--to 2030-01-01 is after the last row", "prices.csv", "2024-11-25" }, "--to after the last row")
refused({ from = "2025-01-01", to = "2025-02-01" }, { "--from 2025-01-01 is after the last row" }, "a range after the file")
refused({ from = "2024-11-25", to = "2024-11-25" }, { "2024-11-25", "1 row" }, "a range with one row")
refused({ from = "2024-13-01" }, { "--from", "2024-13-01", "YYYY-MM-DD" }, "--from not a date")
-- from so early that no sleeve has its history on the first rebalance
refused({ from = "2022-01-10" }, { "2022-01-14", "the first rebalance", "equities_momentum", "history" },
  "a universe without history on the first date")

-- ---- the fund file's costs ----------------------------------------------------------------------

refused({ fund = fund_with("c1.yaml", function(t) return t .. "costs:\n  equities: {linear_bps: 2}\n  bonds: {linear_bps: 1}\n" end) },
  { "c1.yaml:" .. (fund_lines + 3) .. ":3:", "bonds", "unknown asset class" }, "costs of an unknown asset class")
refused({ fund = fund_with("c3.yaml", function(t) return t .. "costs:\n  equities: {linear_bps: -2}\n" end) },
  { "c3.yaml:" .. (fund_lines + 2) .. ":", "linear_bps", "-2" }, "a negative linear_bps")
refused({ fund = fund_with("c2.yaml", function(t) return t .. "costs:\n  equities: {linear_bps: 2, impact: 0.1}\n" end),
  prices = dir .. "/nov/prices.csv", volumes = false }, { "c2.yaml", "costs.equities.impact", "volumes" },
  "impact without volumes")

-- ---- the named arguments -------------------------------------------------------------------------

refused({ bogus = 1 }, { "unknown key 'bogus'", "checkpoint_every" }, "an unknown key")
refused({ cash_rate = 1 }, { "cash_rate", "(-1, 1)", "got 1" }, "cash_rate 1")
refused({ cash_rate = -1.5 }, { "cash_rate", "got -1.5" }, "cash_rate -1.5")
refused({ cash_rate = 0 / 0 }, { "cash_rate" }, "cash_rate NaN")
refused({ cash_rate = "x" }, { "cash_rate", "got x" }, "cash_rate a string")
refused({ checkpoint_every = 0 }, { "checkpoint_every", ">= 1", "got 0" }, "checkpoint_every 0")
refused({ checkpoint_every = 1.5 }, { "checkpoint_every", "got 1.5" }, "checkpoint_every 1.5")
T.raises(function() folio.backtest.run("fund.yaml") end, "a table of named arguments", "run without a table")
refused({ prices = false }, { "prices is required" }, "no prices")

-- --out: a file is not a folder, and it is said before the replay
do
  local t0 = folio.clock()
  refused({ out = FUND }, { "--out", "fund.yaml", "is not a folder" }, "--out a file")
  T.check(folio.clock() - t0 < 0.5, "--out a file is refused before the replay")
  refused({ out = dir .. "/nowhere/out" }, { "--out", "nowhere/out", "is not a folder" }, "--out missing")
end

-- ---- the store -----------------------------------------------------------------------------------

local store = dir .. "/bt.db"
local base = { store = store, to = "2023-03-01" }
local function with(extra) return T.with(base, extra) end
T.check(api(base) == nil, "a short backtest with a store runs")
T.check(api(with{ checkpoint_every = 3 }) == nil, "the same backtest resumes from its store (other checkpoint_every)")
refused(with{ fund = fund_with("other_id.yaml", function(t) return (t:gsub("id: multi_asset_demo", "id: other_fund")) end) },
  { "--store", "bt.db", "the fund id", "multi_asset_demo", "other_fund" }, "a store of another fund")
refused(with{ fund = fund_with("other_limits.yaml", function(t) return (t:gsub("max_gross: 2.0", "max_gross: 1.5")) end) },
  { "bt.db", "the fund file's content" }, "a store of another fund file")
do -- one price changed (on a row inside the history the run reads)
  local lines = { table.unpack(price_lines) }
  lines[200] = lines[200]:gsub("^(%d%d%d%d%-%d%d%-%d%d,)([%d.]+)", function(d, p) return d .. string.format("%.4f", tonumber(p) + 0.01) end)
  T.check(lines[200] ~= price_lines[200], "the edited price file differs")
  local p2 = dir .. "/d/p2.csv"
  write(p2, table.concat(lines, "\n") .. "\n")
  refused(with{ prices = p2 }, { "bt.db", "the prices", "p2.csv" }, "a store of other prices")
end
refused(with{ from = "2023-01-10" }, { "bt.db", "the first date (--from)", "2023-01-10" }, "a store of another --from")
refused(with{ to = "2023-03-02" }, { "bt.db", "the last date (--to)", "2023-03-02" }, "a store of another --to")
refused(with{ cash_rate = 0.02 }, { "bt.db", "the cash rate", "store 0,", "this run 0.02" }, "a store of another cash rate")
do -- a store that a rebalance wrote
  local rstore = dir .. "/rebalance.db"
  local out, code = (function()
    local p = assert(io.popen(string.format("%s rebalance --fund '%s' --prices '%s' --positions examples/data/positions.csv "
      .. "--out '%s/orders.csv' --store '%s' 2>&1; echo \"exit=$?\"", BIN, FUND, PRICES, dir, rstore)))
    local o = p:read("a")
    p:close()
    return o, tonumber(o:match("exit=(%d+)%s*$"))
  end)()
  T.eq(code, 0, "a rebalance writes its store: " .. out)
  refused({ store = rstore, to = "2023-03-01" }, { "rebalance.db", "not a backtest's" }, "a store of a rebalance")
end

-- ---- the command ---------------------------------------------------------------------------------

local out, code = cli(string.format("--prices '%s'", PRICES))
T.eq(code, 2, "no --fund: exit 2")
T.check(out:find("--fund is required", 1, true) and out:find("usage: folio backtest", 1, true), "no --fund: says so, and the usage")
out, code = cli(string.format("--fund '%s'", FUND))
T.eq(code, 2, "no --prices: exit 2")
T.check(out:find("--prices is required", 1, true), "no --prices: says so")
out, code = cli(string.format("--fund '%s' --prices '%s' --bogus 3", FUND, PRICES))
T.eq(code, 2, "an unknown option: exit 2")
T.check(out:find("unknown option '--bogus'", 1, true), "an unknown option is named: " .. out)
out, code = cli(string.format("--fund '%s' --prices '%s' --from", FUND, PRICES))
T.eq(code, 2, "a value missing: exit 2")
T.check(out:find("--from needs a value", 1, true), "a missing value names the option: " .. out)
out, code = cli(string.format("--fund '%s' --prices '%s' --cash-rate abc", FUND, PRICES))
T.eq(code, 1, "--cash-rate abc: exit 1")
T.check(out:find("--cash-rate", 1, true) and out:find("abc", 1, true), "--cash-rate abc names the option: " .. out)
out, code = cli(string.format("--fund '%s' --prices '%s' --cash-rate 2", FUND, PRICES))
T.eq(code, 1, "--cash-rate 2: exit 1")
T.check(out:find("--cash-rate must be in (-1, 1)", 1, true), "--cash-rate 2 names the option: " .. out)
for _, v in ipairs{ "0", "1.5", "x" } do
  out, code = cli(string.format("--fund '%s' --prices '%s' --checkpoint-every %s", FUND, PRICES, v))
  T.eq(code, 1, "--checkpoint-every " .. v .. ": exit 1")
  T.check(out:find("--checkpoint-every", 1, true) and out:find("'" .. v .. "'", 1, true), "--checkpoint-every " .. v .. " is named: " .. out)
end
out, code = cli(string.format("--fund '%s' --prices '%s' --out '%s'", FUND, PRICES, FUND))
T.eq(code, 1, "--out a file: exit 1")
T.check(out:find("is not a folder", 1, true), "--out a file: says so: " .. out)
out, code = cli(string.format("--fund '%s' --prices '%s' --volumes '%s'", FUND, PRICES, vlast))
T.eq(code, 1, "volumes off the price rows: exit 1")
T.check(out:find("vlast.csv:" .. #vlines .. ":", 1, true), "the command names the file and line: " .. out)
out, code = cli(string.format("--fund '%s' --prices '%s'", FUND, gap))
T.eq(code, 1, "a gap: exit 1")
T.check(out:find("gap.csv:4:", 1, true), "the command names the file and line of the gap: " .. out)
out, code = cli(string.format("--fund '%s' --prices '%s' --from 2024-01-10 --to 2024-01-05", FUND, PRICES))
T.eq(code, 1, "--from after --to: exit 1")
T.check(out:find("--from 2024-01-10 is after --to 2024-01-05", 1, true), "the command says --from is after --to: " .. out)

-- the prefix is said once: "folio backtest: <message>", not "folio backtest: backtest: ..."
T.check(not out:find("backtest: backtest:", 1, true), "one prefix: " .. out)
-- through the Lua API an error carries the caller's position, not the library's
do
  local ok, e = pcall(folio.backtest.run, { fund = FUND, prices = PRICES, from = "2024-01-10", to = "2024-01-05", json = true })
  T.check(not ok and not tostring(e):find("[folio.", 1, true), "no library position in: " .. tostring(e))
end
-- a fund that needs volumes (limits.fraction_of_adv) is refused before the replay, naming the setting
do
  local plain = fund_with("nocosts.yaml", function(t) return t end)
  local ok, e = pcall(folio.backtest.run, { fund = plain, prices = PRICES, json = true })
  local cfg = folio.config.load{ path = plain, sizers = false }
  if cfg.limits.capacity_set then
    T.check(not ok and tostring(e):find("needs volumes", 1, true) and tostring(e):find("fraction_of_adv", 1, true),
      "capacity without volumes is refused up front: " .. tostring(e))
  end
end
-- a temporary file left in --out by a run killed while writing is removed by the next run
do
  local out_dir = dir .. "/stale"
  os.execute("mkdir -p '" .. out_dir .. "'")
  write(out_dir .. "/nav.csv.tmp.12345.abc", "half a file")
  write(out_dir .. "/notes.txt.tmp.1.2", "not ours")
  local ok, e = pcall(folio.backtest.run, { fund = FUND, prices = PRICES, volumes = VOLUMES, out = out_dir, json = true })
  T.check(ok, "the run completes: " .. tostring(e))
  T.eq(folio.reconcile.file_info(out_dir .. "/nav.csv.tmp.12345.abc"), nil, "the stale temporary file is gone")
  T.check(folio.reconcile.file_info(out_dir .. "/notes.txt.tmp.1.2") ~= nil, "a file that is not the backtest's stays")
  T.check(folio.reconcile.file_info(out_dir .. "/nav.csv") ~= nil, "nav.csv written")
end

-- --to before the default start: said as such, not as a --from never given
refused({ to = "2022-03-01" }, { "--to 2022-03-01 is before the default start", "give a later --to or an explicit --from" },
  "--to before the default start")
refused({ progress = "yes" }, { "progress must be true, false or a function" }, "progress of another type")

-- the statistics start from the starting capital at the previous row's close
do
  local r = select(2, api({ from = "2023-01-02", to = "2023-06-30" }))
  if T.check(r ~= nil, "a half-year run") then
    T.near(r.statistics.total_return, r.end_nav / r.start_nav - 1, 1e-12, "total return from the starting capital")
  end
end

-- a range without a rebalance still writes all nine files; trades are sorted by symbol within a date
do
  local out_dir = dir .. "/norebal"
  os.execute("mkdir -p '" .. out_dir .. "'")
  local e = api({ from = "2023-01-03", to = "2023-01-04", out = out_dir })
  T.eq(e, nil, "a two-day range without a rebalance runs")
  for _, f in ipairs{ "nav.csv", "trades.csv", "weights.csv", "costs.csv", "summary.json", "equity.svg", "weights.svg",
    "turnover_costs.svg", "contributions.svg" } do
    T.check(folio.reconcile.file_info(out_dir .. "/" .. f) ~= nil, "written without a rebalance: " .. f)
  end
  local out2 = dir .. "/sorted"
  os.execute("mkdir -p '" .. out2 .. "'")
  T.eq(api({ out = out2 }), nil, "a full run")
  local prev_date, prev = nil, nil
  local sorted_ok = true
  for line in (T.read(out2 .. "/trades.csv") or ""):gmatch("[^\n]+") do
    local d = line:match("^(%d%d%d%d%-%d%d%-%d%d),")
    if d then
      if d == prev_date and line < prev then sorted_ok = false end
      prev_date, prev = d, line
    end
  end
  T.check(sorted_ok, "trades.csv: by symbol within each date")
end

-- settings that would do nothing are errors: checkpoint_every without a store, a cost window without impact
refused({ checkpoint_every = 5 }, { "checkpoint_every", "needs a store", "--store" }, "checkpoint_every without a store")
refused({ fund = fund_with("cw.yaml", function(t) return t .. "costs:\n  crypto: {linear_bps: 5, window: 10}\n" end) },
  { "cw.yaml:" .. (fund_lines + 2) .. ":", "costs.crypto.window", "no effect without an impact" }, "a cost window without impact")

os.execute("rm -rf '" .. dir .. "'")
T.finish("backtest_inputs")
