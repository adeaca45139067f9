-- tests/lua/test_report.lua — folio.report: the sleeve report against
-- hand-computed numbers, the text table and the CSV file.
local T = dofile((arg[0]:match("^(.*)/") or ".") .. "/testlib.lua")

local R = folio.matrix{
  {0.05, 0.03, 0.01},   -- 2023-12-29: outside ytd
  {0.01, 0.00, 0.02},
  {0.02, 0.00, -0.01},
  {-0.01, 0.00, 0.00},
  rows = {"2023-12-29", "2024-01-02", "2024-01-03", "2024-01-04"},
  cols = {"trend", "carry", "alpha"},
}

local rep = folio.report.sleeves{
  sleeve_returns = R, allocations = {trend = 0.5, carry = 0.3, alpha = 0.2},
  window = "ytd", asof = "2024-01-04", turnover = {trend = 0.4, alpha = 0.1},
  trades = {
    {sleeve = "trend", symbol = "ES", holding_days = 0, pnl = 5},
    {sleeve = "trend", symbol = "NQ", holding_days = 3, pnl = -2},
    {sleeve = "alpha", symbol = "AAPL", holding_days = 4.5, pnl = 1},
    {symbol = "TLT", holding_days = 300, pnl = 10},
  },
}
T.eq(rep.window.from, "2024-01-01", "ytd starts Jan 1")
T.eq(rep.window.to, "2024-01-04", "ytd ends at asof")
T.eq(rep.window.days, 3, "three rows in the window")
T.eq(#rep.rows, 3, "three sleeves")
T.eq(rep.rows[1].sleeve, "alpha", "sorted")
T.eq(rep.rows[2].sleeve, "carry", "sorted")
T.eq(rep.rows[3].sleeve, "trend", "sorted")
local alpha, carry, trend = rep.rows[1], rep.rows[2], rep.rows[3]
-- trend: (1.01)(1.02)(0.99) - 1 = 0.019898; mean 0.02/3, std sqrt(((1/300)^2 + (4/300)^2 + (5/300)^2)/2)
T.near(trend.pnl, 0.019898, 1e-15, "trend pnl")
local mean, std = 0.02 / 3, math.sqrt(((1 / 300) ^ 2 + (4 / 300) ^ 2 + (5 / 300) ^ 2) / 2)
T.near(trend.sharpe, mean / std * math.sqrt(252), 1e-12, "trend sharpe")
T.near(trend.sharpe, 6.928203230275509, 1e-9, "trend sharpe = 4 sqrt(3)")
T.near(trend.contribution, 0.5 * 0.019898, 1e-15, "trend contribution")
T.eq(trend.turnover, 0.4, "trend turnover")
-- carry: flat -> no sharpe, with a reason
T.eq(carry.pnl, 0.0, "carry pnl")
T.eq(carry.sharpe, nil, "carry sharpe undefined")
T.check(carry.sharpe_note:find("zero standard deviation", 1, true), "carry note")
T.eq(carry.turnover, nil, "carry turnover absent")
-- alpha: (1.02)(0.99)(1.00) - 1 = 0.0098
T.near(alpha.pnl, 0.0098, 1e-15, "alpha pnl")
T.near(alpha.contribution, 0.2 * 0.0098, 1e-15, "alpha contribution")
local fund = 0.5 * 0.019898 + 0.2 * 0.0098
T.near(rep.fund.pnl, fund, 1e-15, "fund pnl = sum of contributions")
T.near(trend.share, 0.5 * 0.019898 / fund, 1e-12, "trend share")
T.near(alpha.share + carry.share + trend.share, 1.0, 1e-12, "shares sum to 1")
-- fund daily returns: 0.5*0.01+0.2*0.02 = 0.009, 0.5*0.02-0.2*0.01 = 0.008, -0.005
local f = {0.009, 0.008, -0.005}
local fm = (f[1] + f[2] + f[3]) / 3
local fs = math.sqrt(((f[1] - fm) ^ 2 + (f[2] - fm) ^ 2 + (f[3] - fm) ^ 2) / 2)
T.near(rep.fund.sharpe, fm / fs * math.sqrt(252), 1e-12, "fund sharpe")
-- buckets in holding order
T.eq(#rep.buckets, 6, "all buckets")
T.eq(rep.buckets[1].bucket, "intraday", "bucket order")
T.eq(rep.buckets[1].pnl, 5.0, "intraday pnl")
T.eq(rep.buckets[2].bucket, "daily", "daily")
T.eq(rep.buckets[2].pnl, -1.0, "daily pnl (3 and 4.5 days)")
T.eq(rep.buckets[2].trades, 2, "daily trades")
T.eq(rep.buckets[3].pnl, 0.0, "weekly empty")
T.eq(rep.buckets[6].bucket, "yearly", "yearly")
T.eq(rep.buckets[6].pnl, 10.0, "yearly pnl")

-- text table
local text = folio.report.format(rep)
T.check(text:find("Sleeve report 2024-01-01..2024-01-04 (3 days)", 1, true), "title")
T.check(text:find("sleeve  ", 1, true) and text:find("contribution", 1, true), "header")
T.check(text:find("n/a", 1, true), "undefined sharpe shown as n/a")
T.check(text:find("\nfund ", 1, true), "fund line")
T.check(text:find("P/L by holding period", 1, true), "bucket table")
T.check(text:find("trend%s+0%.0199%s+6%.93%s+0%.0099%s+"), "trend line aligned: " .. text)
T.eq(folio.report.format(rep), text, "stable")

-- CSV, atomically
local path = os.tmpname()
folio.report.write_csv(rep, path)
local fh = assert(io.open(path, "rb"))
local csv = fh:read("a")
fh:close()
os.remove(path)
T.eq(csv, folio.report.csv(rep), "file = csv text")
local lines = {}
for line in csv:gmatch("[^\n]+") do lines[#lines + 1] = line end
T.eq(lines[1], "kind,name,pnl,sharpe,contribution,share,turnover,trades", "csv header")
T.check(lines[2]:find("^sleeve,alpha,0%.0098"), "alpha first: " .. lines[2])
T.eq(lines[3], "sleeve,carry,0,,0,0,,", "carry: empty cells for undefined values")
T.check(lines[5]:find("^fund,fund,"), "fund line")
T.eq(lines[6], "bucket,intraday,5,,,,,1", "bucket line")
T.eq(#lines, 11, "1 + 3 + 1 + 6 lines")
T.raises(function() folio.report.write_csv(rep, "/nonexistent-dir/r.csv") end, "cannot create", "unwritable")

-- the file's mode is that of any new file, 0666 less the umask (it was 0600),
-- checked by trusted shell tools (stat) under two umasks in a child host
local function sh(cmd)
  local p = assert(io.popen(cmd))
  local out = p:read("a")
  local ok = p:close()
  return (out:gsub("%s+$", "")), ok
end
local scratch = sh("mktemp -d")
T.check(scratch ~= "", "mktemp -d")
do
  local own = scratch .. "/own.csv"
  folio.report.write_csv(rep, own)
  local mode, umask = tonumber(sh("stat -c %a " .. own), 8), tonumber(sh("umask"), 8)
  T.eq(mode, 438 & ~umask, string.format("mode %o = 0666 & ~umask %o", mode or -1, umask or -1))
  local child = scratch .. "/child.lua"
  local fh = assert(io.open(child, "w"))
  fh:write([[
local R = folio.matrix{ {0.01}, {0.02}, rows = {"2024-01-02", "2024-01-03"}, cols = {"a"} }
folio.report.write_csv(folio.report.sleeves{sleeve_returns = R, allocations = {a = 1}, window = "ytd",
                                          asof = "2024-01-03"}, (...))
]])
  fh:close()
  local host = (os.getenv("FOLIO_BUILD_DIR") or "build") .. "/folio"
  for _, case in ipairs({{"022", "644"}, {"077", "600"}, {"002", "664"}}) do
    local out = scratch .. "/u" .. case[1] .. ".csv"
    local text, ok = sh("umask " .. case[1] .. " && " .. host .. " run --trusted " .. child .. " " .. out .. " 2>&1")
    T.check(ok, "child host runs: " .. text)
    T.eq(sh("stat -c %a " .. out), case[2], "umask " .. case[1] .. " gives mode " .. case[2])
  end
end

-- unwritable targets: a clear error naming the path, and no temporary file left
do
  local notdir = scratch .. "/plain"
  local fh = assert(io.open(notdir, "w")); fh:write("x"); fh:close()
  local target = notdir .. "/r.csv" -- below a regular file: ENOTDIR, even for root
  T.raises(function() folio.report.write_csv(rep, target) end, {"report.write_csv:", target, "Not a directory"},
           "a path below a file")
  local isdir = scratch .. "/adir"
  T.check(select(2, sh("mkdir " .. isdir)), "mkdir")
  -- the temporary file is written, the rename over a folder fails: it must be removed
  T.raises(function() folio.report.write_csv(rep, isdir) end, {"report.write_csv:", isdir}, "a folder as target")
  if sh("id -u") ~= "0" then -- root writes into a 0555 folder anyway
    local ro = scratch .. "/ro"
    sh("mkdir " .. ro .. " && chmod 0555 " .. ro)
    T.raises(function() folio.report.write_csv(rep, ro .. "/r.csv") end, {"report.write_csv:", ro .. "/r.csv", "ermission denied"},
             "a read-only folder")
    sh("chmod 0755 " .. ro)
  else
    print("test_report: running as root, where a 0555 folder is writable: read-only-folder case skipped (ENOTDIR case instead)")
  end
  local left = sh("ls -A " .. scratch .. " | grep -c '\\.tmp' || true")
  T.eq(left, "0", "no temporary file left in " .. scratch)
end
sh("rm -rf " .. scratch)

-- a daily allocation matrix: contribution = Σ a_t r_t
local A = folio.matrix{
  {0.5, 0.5, 0.0}, {0.5, 0.5, 0.0}, {1.0, 0.0, 0.0},
  rows = {"2024-01-02", "2024-01-03", "2024-01-04"}, cols = {"trend", "carry", "alpha"},
}
local rep2 = folio.report.sleeves{sleeve_returns = R, allocations = A,
  window = {from = "2024-01-02", to = "2024-01-04"}, periods_per_year = 52}
T.near(rep2.rows[3].contribution, 0.5 * 0.01 + 0.5 * 0.02 + 1.0 * -0.01, 1e-15, "matrix contribution")
T.near(rep2.fund.pnl, 0.005, 1e-15, "fund pnl")
T.near(rep2.rows[3].sharpe, mean / std * math.sqrt(52), 1e-12, "periods_per_year")
T.eq(#rep2.buckets, 0, "no trades, no buckets")
T.eq(rep2.asof, "2024-01-04", "asof defaults to window end")

-- a window of one row: sharpe undefined
local one = folio.report.sleeves{sleeve_returns = R, allocations = {trend = 1, carry = 0, alpha = 0},
  window = {from = "2024-01-03", to = "2024-01-03"}}
T.eq(one.rows[3].sharpe, nil, "one row")
T.check(one.rows[3].sharpe_note:find("fewer than 2", 1, true), "one-row note")

-- bad input
local base = {sleeve_returns = R, allocations = {trend = 0.5, carry = 0.3, alpha = 0.2}}
local function with(extra) return T.with(base, extra) end
T.raises(function() folio.report.sleeves(with{window = {from = "2025-01-01", to = "2025-06-30"}}) end,
  {"window 2025-01-01..2025-06-30 holds no rows", "2023-12-29..2024-01-04"}, "empty window")
T.raises(function() folio.report.sleeves(with{window = "ytd"}) end, "needs asof", "ytd without asof")
T.raises(function() folio.report.sleeves(with{window = "mtd", asof = "2024-01-04"}) end, "window must be")
T.raises(function() folio.report.sleeves(with{window = {from = "2024-02-30", to = "2024-03-01"}}) end, "window.from")
T.raises(function() folio.report.sleeves(with{window = {from = "2024-03-01", to = "2024-02-01"}}) end, "is after")
T.raises(function() folio.report.sleeves(with{window = "ytd", asof = "2024-01-04", windwo = 1}) end, "unknown key 'windwo'")
T.raises(function() folio.report.sleeves(with{window = "ytd", asof = "2024-01-04", allocations = {trend = 1}}) end,
  "no entry for sleeve carry")
T.raises(function() folio.report.sleeves(with{window = "ytd", asof = "2024-01-04",
  allocations = {trend = 1, carry = 0, alpha = 0, beta = 0}}) end, "beta, which is not a sleeve")
T.raises(function() folio.report.sleeves(with{window = "ytd", asof = "2024-01-04", sleeve_returns = {}}) end,
  "must be a folio.matrix")
T.raises(function() folio.report.sleeves(with{window = "ytd", asof = "2024-01-04",
  trades = {{holding_days = -1, pnl = 1}}}) end, "trades[1].holding_days")
T.raises(function() folio.report.sleeves(with{window = "ytd", asof = "2024-01-04",
  trades = {{holding_days = 1, pnl = 0 / 0}}}) end, "trades[1].pnl")
T.raises(function() folio.report.sleeves(with{window = "ytd", asof = "2024-01-04", turnover = {trend = -1}}) end,
  "turnover.trend")
local Rm = folio.matrix{{0.01, 0 / 0}, {0.02, 0.01}, rows = {"2024-01-02", "2024-01-03"}, cols = {"a", "b"}}
T.raises(function() folio.report.sleeves{sleeve_returns = Rm, allocations = {a = 1, b = 0}, window = "ytd",
  asof = "2024-01-03"} end, "sleeve_returns of b on 2024-01-02 is missing")

T.finish("test_report.lua")
