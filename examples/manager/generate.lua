-- examples/manager/generate.lua — writes the toy strategies of examples/manager/
-- (docs/manager.md): three strategy folders with deterministic daily returns,
-- two as stats.json and one as stats.csv, over the same 420 weekdays
-- (2023-01-02 ..), and one folder without a stats file (the manager skips it).
--
--   lua5.4 examples/manager/generate.lua          (or: folio run --trusted ...)
--
-- The numbers come from a fixed-seed splitmix64 stream, so a re-run rewrites
-- the same bytes.
local here = (arg and arg[0] or "examples/manager/generate.lua"):match("^(.*)/[^/]*$") or "."

local state = 20240101
local function next_u64()
  state = state + 0x9E3779B97F4A7C15
  local z = state
  z = (z ~ (z >> 30)) * 0xBF58476D1CE4E5B9
  z = (z ~ (z >> 27)) * 0x94D049BB133111EB
  return z ~ (z >> 31)
end
local function uniform() return ((next_u64() >> 11) + 0.5) * 2.0 ^ -53 end
local function normal() return math.sqrt(-2 * math.log(uniform())) * math.cos(2 * math.pi * uniform()) end

-- civil date from days since 1970-01-01 (Howard Hinnant's algorithm)
local function civil(z)
  z = z + 719468
  local era = (z >= 0 and z or z - 146096) // 146097
  local doe = z - era * 146097
  local yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
  local y = yoe + era * 400
  local doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
  local mp = (5 * doy + 2) // 153
  local d = doy - (153 * mp + 2) // 5 + 1
  local m = mp < 10 and mp + 3 or mp - 9
  return string.format("%04d-%02d-%02d", m <= 2 and y + 1 or y, m, d)
end

local N_DAYS, first = 420, 19359 -- 2023-01-02, a Monday
local dates, day = {}, first
while #dates < N_DAYS do
  local dow = (day + 3) % 7 -- 0 = Monday
  if dow < 5 then dates[#dates + 1] = civil(day) end
  day = day + 1
end

-- three strategies: a steady trend follower, a choppier mean-reversion book
-- partly hedging it, and a low-vol carry book
local market = {}
for t = 1, N_DAYS do market[t] = normal() end
local specs = {
  { name = "trend_24h", drift = 0.0010, vol = 0.010, beta = 0.010, format = "json" },
  { name = "meanrev_4h", drift = 0.0007, vol = 0.010, beta = -0.008, format = "json" },
  { name = "carry_daily", drift = 0.0002, vol = 0.005, beta = 0.002, format = "csv" },
}
for _, s in ipairs(specs) do
  local dir = here .. "/" .. s.name
  os.execute("mkdir -p '" .. dir .. "'")
  local rows = {}
  for t = 1, N_DAYS do
    rows[t] = string.format("%.6f", s.drift + s.beta * market[t] + s.vol * normal())
  end
  local f = assert(io.open(dir .. "/stats." .. s.format, "w"))
  if s.format == "csv" then
    f:write("date,return\n")
    for t = 1, N_DAYS do f:write(dates[t], ",", rows[t], "\n") end
  else
    f:write('{\n  "name": "', s.name, '",\n  "daily_returns": [\n')
    for t = 1, N_DAYS do
      f:write('    {"date": "', dates[t], '", "return": ', rows[t], "}", t < N_DAYS and ",\n" or "\n")
    end
    f:write("  ]\n}\n")
  end
  f:close()
end

-- a strategy that has not been backtested yet: no stats file, so it is skipped
os.execute("mkdir -p '" .. here .. "/breakout_1h'")
local f = assert(io.open(here .. "/breakout_1h/README.md", "w"))
f:write("No backtest yet: without stats.json or stats.csv the manager skips this strategy.\n")
f:close()
