-- examples/generate_data.lua — the seeded generator of folio's sample dataset.
--
-- Writes <dir>/prices.csv, <dir>/volumes.csv and <dir>/README.md: daily closes
-- and volumes of 36 equities in 6 sectors, 10 crypto assets and the 9 G10 FX
-- pairs against USD, on 756 business days (Monday to Friday) from 2022-01-03.
-- Returns come from a factor model (market + sector/class factor +
-- idiosyncratic noise) with Student-t shocks, so the data has correlation
-- structure and fat tails for risk models and sizers to find.
--
-- Run:  lua5.4 examples/generate_data.lua examples/data
--
-- Byte-identical on every machine and every run: the only randomness is Lua
-- 5.4's xoshiro256** seeded with a fixed integer, only math.random() floats
-- are drawn (their 53-bit conversion is fixed by the Lua sources), and all
-- arithmetic is +, -, *, / and sqrt, which IEEE 754 rounds exactly. log, exp
-- and cos from the C library may differ in the last bit between platforms, so
-- normals come from the Irwin-Hall sum of 12 uniforms and exp() is a local
-- series. No os.time, no locale: output depends on nothing but this file.

local SEED = 20220103
local N_DAYS = 756
local START = {year = 2022, month = 1, day = 3} -- a Monday

local out_dir = arg and arg[1] or "examples/data"

-- ---- deterministic numerics --------------------------------------------------

local random = math.random
math.randomseed(SEED)

-- Standard normal, approximately: the sum of 12 uniforms minus 6 (mean 0,
-- variance 1, support +-6). Only additions, so every platform agrees bit for bit.
local function normal()
  local s = 0.0
  for _ = 1, 12 do s = s + random() end
  return s - 6.0
end

-- Student-t with nu degrees of freedom, scaled to unit variance (nu > 2):
-- z / sqrt(chi2_nu / nu) * sqrt((nu - 2) / nu). The fat tails come from here.
local function student_t(nu)
  local chi2 = 0.0
  for _ = 1, nu do
    local z = normal()
    chi2 = chi2 + z * z
  end
  local z = normal()
  return z / math.sqrt(chi2 / nu) * math.sqrt((nu - 2) / nu)
end

-- exp(x) from +, *, / only: x = k ln2 + r with |r| <= ln2 / 2, a Taylor
-- series for e^r (terms below 1e-17 relative are dropped), then k doublings.
local LN2 = 0.6931471805599453
local function exp_det(x)
  local k = math.floor(x / LN2 + 0.5)
  local r = x - k * LN2
  local term, sum = 1.0, 1.0
  for n = 1, 30 do
    term = term * r / n
    sum = sum + term
    if term < 1e-17 and term > -1e-17 then break end
  end
  if k > 0 then
    for _ = 1, k do sum = sum * 2.0 end
  else
    for _ = 1, -k do sum = sum * 0.5 end
  end
  return sum
end

-- Uniform in [a, b).
local function uniform(a, b) return a + (b - a) * random() end

-- ---- calendar ----------------------------------------------------------------

local function days_in_month(y, m)
  local days = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31}
  if m == 2 and ((y % 4 == 0 and y % 100 ~= 0) or y % 400 == 0) then return 29 end
  return days[m]
end

-- N_DAYS Monday-to-Friday dates from START (no holiday calendar: a sample, not a market).
local function business_days()
  local dates = {}
  local y, m, d, weekday = START.year, START.month, START.day, 1 -- 1 = Monday
  while #dates < N_DAYS do
    if weekday <= 5 then dates[#dates + 1] = string.format("%04d-%02d-%02d", y, m, d) end
    weekday = weekday % 7 + 1
    d = d + 1
    if d > days_in_month(y, m) then
      d, m = 1, m + 1
      if m > 12 then m, y = 1, y + 1 end
    end
  end
  return dates
end

-- ---- the universe ------------------------------------------------------------

-- Daily volatilities are of simple returns. `nu` is the tail parameter of the
-- idiosyncratic shocks (lower = fatter). Volumes are whole units (shares,
-- coins, or FX lots) around `volume` per day.
local SECTORS = {
  {code = "TECH", vol = 0.011, level = {80, 400}, volume = {2e6, 9e6}},
  {code = "FIN", vol = 0.009, level = {30, 150}, volume = {3e6, 12e6}},
  {code = "HLTH", vol = 0.007, level = {60, 300}, volume = {1e6, 5e6}},
  {code = "ENGY", vol = 0.013, level = {40, 120}, volume = {2e6, 10e6}},
  {code = "CONS", vol = 0.006, level = {50, 200}, volume = {1e6, 6e6}},
  {code = "INDU", vol = 0.008, level = {70, 250}, volume = {1e6, 4e6}},
}
local EQUITIES_PER_SECTOR = 6
-- Listed late: their first rows are empty (missing data for the readers to handle).
local LISTS_AT = {EQ_TECH6 = 181, EQ_HLTH6 = 601}
-- Thinly traded small caps, so that ADV capacity limits bite in the examples.
local ILLIQUID = {EQ_CONS6 = true, EQ_INDU5 = true}

local MARKET_VOL = 0.010  -- about 16 % a year
local CRYPTO_VOL = 0.032  -- the crypto factor
local USD_VOL = 0.0035    -- the dollar factor

local FX = { -- pair, start level, sign of the dollar factor, market (risk-on) beta, decimals
  {"EURUSD", 1.1370, -1, 0.02, 5}, {"GBPUSD", 1.3520, -1, 0.04, 5},
  {"USDJPY", 115.10, 1, 0.05, 4},  {"USDCHF", 0.9150, 1, -0.03, 5},
  {"AUDUSD", 0.7240, -1, 0.12, 5}, {"NZDUSD", 0.6830, -1, 0.10, 5},
  {"USDCAD", 1.2650, 1, -0.08, 5}, {"USDNOK", 8.8200, 1, -0.10, 4},
  {"USDSEK", 9.0400, 1, -0.06, 4},
}

-- Builds the asset table: every asset gets its loadings, vols and levels drawn
-- here, before any return is drawn. Each draw is its own statement, so the
-- order of the random stream never rests on how a table constructor or an
-- argument list happens to be evaluated.
local function build_assets()
  local assets = {}
  for s, sec in ipairs(SECTORS) do
    for k = 1, EQUITIES_PER_SECTOR do
      local sym = string.format("EQ_%s%d", sec.code, k)
      local a = {symbol = sym, class = "equity", group = s, nu = 4, decimals = 4,
                 list_row = LISTS_AT[sym] or 1}
      a.beta = uniform(0.7, 1.3)
      a.gamma = uniform(0.8, 1.2)
      a.idio = uniform(0.009, 0.020)
      a.drift = uniform(-0.0002, 0.0008)
      a.price = uniform(sec.level[1], sec.level[2])
      a.volume = uniform(sec.volume[1], sec.volume[2])
      if ILLIQUID[sym] then a.volume = a.volume / 1000 end
      assets[#assets + 1] = a
    end
  end
  for k = 1, 10 do
    local big = k <= 2 -- two large coins, eight smaller and wilder ones
    local a = {symbol = string.format("CRY%02d", k), class = "crypto", group = #SECTORS + 1,
               nu = 3, decimals = 6, list_row = 1}
    a.beta = uniform(0.3, 0.8)
    if big then a.gamma = uniform(0.8, 1.0) else a.gamma = uniform(1.0, 1.4) end
    if big then a.idio = uniform(0.012, 0.02) else a.idio = uniform(0.025, 0.045) end
    a.drift = uniform(-0.001, 0.0015)
    if big then a.price = uniform(2000, 40000) else a.price = uniform(0.2, 60) end
    if big then a.volume = uniform(2e4, 2e5) else a.volume = uniform(1e6, 5e7) end
    assets[#assets + 1] = a
  end
  for _, fx in ipairs(FX) do
    local a = {symbol = fx[1], class = "fx", group = #SECTORS + 2, beta = fx[4], nu = 6,
               drift = 0.0, price = fx[2], decimals = fx[5], list_row = 1}
    a.gamma = fx[3] * uniform(0.8, 1.2)
    a.idio = uniform(0.0025, 0.0045)
    -- FX trades in size: the level makes price * volume a turnover of 1 to 5 bn a day.
    a.volume = uniform(1e9, 5e9) / fx[2]
    assets[#assets + 1] = a
  end
  return assets
end

-- ---- simulation ------------------------------------------------------------

local function simulate(assets, n_days)
  local n_groups = #SECTORS + 2
  local group_vol = {}
  for s, sec in ipairs(SECTORS) do group_vol[s] = sec.vol end
  group_vol[#SECTORS + 1] = CRYPTO_VOL
  group_vol[#SECTORS + 2] = USD_VOL

  local prices, volumes = {}, {}
  for j = 1, #assets do prices[j], volumes[j] = {}, {} end
  local level = {}
  for j, a in ipairs(assets) do level[j] = a.price end

  for t = 1, n_days do
    -- Factors first; every asset draws every day, listed or not, so a listing
    -- date does not shift the random stream of the others.
    local mkt = MARKET_VOL * student_t(5)
    local grp = {}
    for g = 1, n_groups do grp[g] = group_vol[g] * student_t(5) end
    for j, a in ipairs(assets) do
      local eps = student_t(a.nu)
      local noise = normal()
      local r = a.drift + a.beta * mkt + a.gamma * grp[a.group] + a.idio * eps
      -- Simple returns: a floor keeps prices positive in a crash tail.
      if r < -0.6 then r = -0.6 end
      if t > 1 then level[j] = level[j] * (1.0 + r) end
      if t >= a.list_row then
        prices[j][t] = level[j]
        -- Volume: log-normal noise around the asset's level, higher on big moves.
        local total_vol = math.sqrt(a.beta * a.beta * MARKET_VOL * MARKET_VOL +
                                    a.gamma * a.gamma * group_vol[a.group] * group_vol[a.group] +
                                    a.idio * a.idio)
        local move = math.abs(r) / total_vol
        local v = a.volume * exp_det(0.35 * noise - 0.06) * (0.55 + 0.45 * move)
        if t == a.list_row and a.list_row > 1 then v = v * 3.0 end -- listing-day rush
        v = math.floor(v + 0.5)
        if v < 1 then v = 1 end
        volumes[j][t] = math.tointeger(v)
      end
    end
  end
  return prices, volumes
end

-- ---- output ------------------------------------------------------------------

local function write_file(path, text)
  local f, msg = io.open(path, "wb")
  if not f then error("generate_data: cannot write " .. tostring(msg), 0) end
  f:write(text)
  f:close()
end

local function csv(assets, dates, cells, format_cell)
  local lines = {}
  local header = {"date"}
  for j, a in ipairs(assets) do header[j + 1] = a.symbol end
  lines[1] = table.concat(header, ",")
  for t, date in ipairs(dates) do
    local row = {date}
    for j, a in ipairs(assets) do
      local x = cells[j][t]
      row[j + 1] = x and format_cell(a, x) or ""
    end
    lines[t + 1] = table.concat(row, ",")
  end
  return table.concat(lines, "\n") .. "\n"
end

local function readme(assets, dates)
  local listed = {}
  for _, a in ipairs(assets) do
    if a.list_row > 1 then
      listed[#listed + 1] = string.format("%s (first price on %s)", a.symbol, dates[a.list_row])
    end
  end
  local illiquid = {}
  for _, a in ipairs(assets) do
    if ILLIQUID[a.symbol] then illiquid[#illiquid + 1] = a.symbol end
  end
  local sectors = {}
  for _, s in ipairs(SECTORS) do
    sectors[#sectors + 1] = string.format("%s (%.1f %%)", s.code, 100 * s.vol)
  end
  local fx = {}
  for _, p in ipairs(FX) do fx[#fx + 1] = p[1] end
  return table.concat({
    "# Sample data (synthetic)",
    "",
    "Made-up daily market data for folio's examples and tests. **Not market data**:",
    "the equity and crypto symbols are invented (`EQ_<SECTOR><n>`, `CRY01`..`CRY10`);",
    "the FX pairs carry their real codes, but their prices are simulated too.",
    "",
    "* `prices.csv` — daily closes; `volumes.csv` — daily volumes (whole units:",
    "  shares, coins or FX lots). Same shape and labels; a volume cell is empty",
    "  exactly where the price cell is.",
    string.format("* %d business days (Monday to Friday, no holidays),", #dates),
    string.format("  %s to %s;", dates[1], dates[#dates]),
    string.format("  %d columns: %d equities in %d sectors, 10 crypto assets, %d FX pairs",
                  #assets, #SECTORS * EQUITIES_PER_SECTOR, #SECTORS, #FX),
    "  (" .. table.concat(fx, ", ") .. ").",
    "* Listed late (leading empty cells in both files):",
    "  " .. table.concat(listed, ",\n  ") .. ".",
    "",
    "## Model",
    "",
    "Daily simple return of asset i on day t:",
    "",
    "    r[i,t] = drift_i + beta_i * M[t] + gamma_i * G[group(i), t] + idio_i * e[i,t]",
    "",
    string.format("* M: market factor, daily vol %.1f %%.", 100 * MARKET_VOL),
    "* G: one factor per equity sector, daily vol",
    "  " .. table.concat(sectors, ", ") .. ";",
    string.format("  a crypto factor (%.1f %%) and a US-dollar factor (%.2f %%) that USD-base",
                  100 * CRYPTO_VOL, 100 * USD_VOL),
    "  pairs (USDJPY, ...) load on with + and USD-quote pairs (EURUSD, ...) with -.",
    "* Factor shocks are Student-t with 5 degrees of freedom, idiosyncratic shocks",
    "  Student-t with 4 (equities), 3 (crypto) or 6 (FX), all scaled to unit variance:",
    "  fat tails, as in real returns. Returns are floored at -60 %.",
    "* Crypto is the high-volatility class, FX the low one; betas, loadings,",
    "  idiosyncratic vols, drifts and start prices are drawn per asset.",
    "* Volume = level_i * exp(0.35 z - 0.06) * (0.55 + 0.45 |r| / sigma_i), z standard",
    "  normal, sigma_i the asset's model vol: busier on big moves, as in real markets;",
    "  3x on a listing day. Rounded to whole units.",
    "* " .. table.concat(illiquid, " and ") .. " trade a thousand times less than",
    "  their sectors (small caps), so position capacity limits bind on them.",
    "* FX volume levels make price x volume a daily turnover of 1 to 5 bn (the",
    "  deepest market, so FX capacity limits rarely bind).",
    "* Prices are rounded to 4 decimals (equities), 6 (crypto), 4 or 5 (FX).",
    "",
    "## Regenerate",
    "",
    "    lua5.4 examples/generate_data.lua examples/data",
    "",
    string.format("The generator is seeded (`math.randomseed(%d)`, Lua 5.4's", SEED),
    "xoshiro256**) and uses only IEEE-exact arithmetic (+, -, *, /, sqrt: normals",
    "are Irwin-Hall sums of 12 uniforms, exp is a local series), so the output is",
    "byte-identical on every machine; `sha256sum examples/data/*.csv` checks it.",
    "",
  }, "\n")
end

local dates = business_days()
local assets = build_assets()
local prices, volumes = simulate(assets, #dates)
write_file(out_dir .. "/prices.csv", csv(assets, dates, prices, function(a, x)
  return string.format("%." .. a.decimals .. "f", x)
end))
write_file(out_dir .. "/volumes.csv", csv(assets, dates, volumes, function(_, x)
  return string.format("%d", x)
end))
write_file(out_dir .. "/README.md", readme(assets, dates))
