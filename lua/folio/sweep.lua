-- folio.sweep: a parameter sweep of a fund, optionally over walk-forward
-- windows, as units of folio.units (docs/scale.md).
--
-- The grid file (YAML, read by folio.config.tree so that every error names
-- grid.yaml:line):
--
--   parameters:                                  # path in the loaded fund: values
--     sleeves.crypto_mean_rev.params.cap: [0.10, 0.15]
--     composition.max_weekly_turnover: [0.2, 0.3]
--   windows: {train: 252, test: 63, step: 63, start: 2022-01-03}   # optional; rows of the price file
--   metric: sharpe                               # optional: sharpe (default), cagr, sortino, calmar,
--                                                # max_drawdown, volatility (these two: lowest wins)
--
-- A path walks the table folio.config.load returns; `sleeves.NAME` picks the
-- sleeve by name. The leaf must exist in the fund (under `params` a new key
-- is allowed: a policy's parameter left at its default) and each value must
-- have its type. Every combination (the product of the sorted value lists, in
-- the order of the sorted paths) x every window is one unit: one
-- folio.backtest.run per span (train and test, or the whole default range
-- without windows) on a deep copy of the fund with the combination applied.
local folio, internal = ...

local pairs, ipairs, type, error, tostring, tonumber, pcall =
  pairs, ipairs, type, error, tostring, tonumber, pcall
local string_format, table_concat, table_sort = string.format, table.concat, table.sort

local M = {}
folio.sweep = M

local function fail(msg, level) error("sweep: " .. msg, (level or 1) + 1) end

-- metric name -> true when the highest value is best
local METRICS = { sharpe = true, cagr = true, sortino = true, calmar = true, max_drawdown = false, volatility = false }
local GRID_KEYS = { parameters = true, windows = true, metric = true }
local WINDOW_KEYS = { train = true, test = true, step = true, start = true }

local function format_value(v)
  if math.type(v) == "integer" then return string_format("%d", v) end
  if type(v) == "number" then return string_format("%.15g", v) end
  return tostring(v)
end

local function format_metric(v)
  if type(v) ~= "number" then return "" end
  return string_format("%.10g", v)
end

-- ---- the grid ----------------------------------------------------------------------------------

--- folio.sweep.read_grid{path =, cfg =} -> {params = {{path =, values =}...}, windows = spec | nil, metric =}
function M.read_grid(args)
  local path, cfg = args.path, args.cfg
  local ok, tree = pcall(folio.config.tree, { path = path })
  if not ok then fail(tostring(tree):gsub("^config%.tree: ", ""), 2) end
  local function at(node, msg, ...) fail(string_format("%s:%d: " .. msg, path, node.line, ...), 3) end
  for _, k in ipairs(tree.keys) do
    if not GRID_KEYS[k] then
      fail(string_format("%s:%d: unknown key '%s' (expected metric, parameters, windows)", path, tree.key_lines[k], k), 2)
    end
  end
  local grid = { metric = "sharpe", params = {}, broken = {} }
  local m = tree.values.metric
  if m then
    if m.kind ~= "scalar" or METRICS[m.value] == nil then
      at(m, "metric must be one of cagr, calmar, max_drawdown, sharpe, sortino, volatility, got '%s'", tostring(m.text))
    end
    grid.metric = m.value
  end
  local p = tree.values.parameters
  if not p then fail(string_format("%s:%d: parameters is required", path, tree.line), 2) end
  if p.kind ~= "mapping" or #p.keys == 0 then at(p, "parameters must be a mapping of fund paths to lists of values") end
  local keys = {}
  for i, k in ipairs(p.keys) do keys[i] = k end
  table_sort(keys)
  for _, key in ipairs(keys) do
    local node, line = p.values[key], p.key_lines[key]
    if node.kind ~= "sequence" then at(node, "%s: the values must be a list [v1, v2, ...]", key) end
    if #node.items == 0 then at(node, "%s: the list of values is empty", key) end
    local values, seen = {}, {}
    for _, item in ipairs(node.items) do
      local v = item.value
      if item.kind ~= "scalar" or v == nil then at(item, "%s: a value must be a number, a string or a boolean", key) end
      -- the value alone in the fund (folio.config.override): a path or a type
      -- error is the grid's; a rule it breaks is reported at its line if
      -- every combination with it breaks it too (prepare)
      local ok, why = pcall(folio.config.override, { fund = cfg, set = { { key, v } } })
      local broken
      if not ok then
        why = tostring(why):gsub("^config%.override: ", "")
        if why:find("^unknown fund path") then
          fail(string_format("%s:%d: unknown parameter path '%s' in %s: %s", path, line, key, cfg.path or "the fund",
            why:gsub("^unknown fund path '[^']*': ", "")), 2)
        end
        if why:find(key .. ": " .. tostring(item.text) .. " is a", 1, true) == 1 or why:find("must be a whole number", 1, true)
          or why:find("a number, a string or a boolean", 1, true) then
          at(item, "%s", why)
        end
        broken = { line = item.line, why = why }
        ok, why = pcall(folio.config.get, cfg, key)
        v = (math.type(why) == "float" and math.type(v) == "integer") and v + 0.0 or v
      else
        v = folio.config.get(why, key) -- typed as the fund's (a whole number given for a float is a float)
      end
      -- one type per parameter (a new policy parameter takes its first value's)
      if #values > 0 and (type(v) ~= type(values[1]) or (type(v) == "number" and math.type(v) ~= math.type(values[1]))) then
        at(item, "%s: %s is not of the type of the first value (%s)", key, item.text, format_value(values[1]))
      end
      local f = format_value(v)
      if seen[f] then at(item, "%s: value %s repeated", key, item.text) end
      seen[f] = true
      values[#values + 1] = v
      if broken then grid.broken[key .. "\0" .. f] = broken end
    end
    table_sort(values, function(a, b)
      if type(a) == "boolean" then return (not a) and b end
      return a < b
    end)
    grid.params[#grid.params + 1] = { path = key, values = values }
  end
  local w = tree.values.windows
  if w then
    if w.kind ~= "mapping" then at(w, "windows must be a mapping {train:, test:, step:, start:}") end
    local spec = { line = w.line }
    for _, k in ipairs(w.keys) do
      if not WINDOW_KEYS[k] then at(w.values[k], "windows: unknown key '%s' (expected start, step, test, train)", k) end
    end
    for _, k in ipairs{ "train", "test", "step" } do
      local n = w.values[k]
      if not n then at(w, "windows.%s is required (a number of price rows)", k) end
      if math.type(n.value) ~= "integer" or n.value < 1 or n.value > 10000000 then
        at(n, "windows.%s must be a whole number of rows from 1 to 10000000, got '%s'", k, n.text)
      end
      spec[k] = n.value
    end
    if w.values.start then
      local s = w.values.start
      if s.kind ~= "scalar" or not tostring(s.text):match("^%d%d%d%d%-%d%d%-%d%d$") then at(s, "windows.start must be a date YYYY-MM-DD") end
      spec.start, spec.start_line = s.text, s.line
    end
    grid.windows = spec
  end
  grid.path = path
  return grid
end

-- The windows of a grid over the price dates: {{train_from, train_to, test_from, test_to}...},
-- or one window {from = nil, to = nil} (the backtest's default range) without windows.
local function make_windows(grid, dates, first_row)
  local spec = grid.windows
  if not spec then return { { id = "all" } } end
  local s = first_row
  if spec.start then
    s = nil
    for i, d in ipairs(dates) do if d:sub(1, 10) >= spec.start then s = i break end end
    if not s then fail(string_format("%s:%d: windows.start %s is after the last price row", grid.path, spec.start_line, spec.start), 3) end
  end
  local list = {}
  while s + spec.train + spec.test - 1 <= #dates do
    local k = #list + 1
    list[k] = { id = string_format("w%03d", k), train_from = dates[s]:sub(1, 10), train_to = dates[s + spec.train - 1]:sub(1, 10),
      test_from = dates[s + spec.train]:sub(1, 10), test_to = dates[s + spec.train + spec.test - 1]:sub(1, 10) }
    s = s + spec.step
  end
  if #list == 0 then
    fail(string_format("%s:%d: no window fits: train %d + test %d rows from row %d (%s), but the prices have %d rows",
      grid.path, spec.line, spec.train, spec.test, s, dates[s] or "?", #dates), 3)
  end
  return list
end

-- Every combination, in sorted order: a list of value lists (one value per parameter).
local function combinations(params)
  local out = { {} }
  for _, p in ipairs(params) do
    local nxt = {}
    for _, c in ipairs(out) do
      for _, v in ipairs(p.values) do
        local t = {}
        for i, x in ipairs(c) do t[i] = x end
        t[#t + 1] = v
        nxt[#nxt + 1] = t
      end
    end
    out = nxt
  end
  return out
end

-- ---- the job -----------------------------------------------------------------------------------

local function metrics(result)
  local s, c = result.statistics, result.costs
  return { from = result.from, to = result.to, cagr = s.cagr, volatility = s.volatility, sharpe = s.sharpe,
    sortino = s.sortino, calmar = s.calmar, max_drawdown = s.max_drawdown, turnover = result.turnover.total,
    costs = c.linear.total + c.impact.total + c.borrow.total }
end

-- Rows of each rebalance frequency's schedule over the dates, as prefix
-- counts (memoised per list of dates): counts[freq][i] = rebalance rows in 1..i.
local schedule_counts = setmetatable({}, { __mode = "k" })
local function rebalances(dates, freq, a, b)
  local per = schedule_counts[dates]
  if not per then per = {} schedule_counts[dates] = per end
  local counts = per[freq]
  if not counts then
    local rows = folio.backtest.schedule(dates, freq)
    counts = { [0] = 0 }
    for i = 1, #dates do counts[i] = counts[i - 1] + (rows[i] and 1 or 0) end
    per[freq] = counts
  end
  return counts[b] - counts[a - 1]
end

--- folio.sweep.expected_cost(fund, dates, spans) -> cost > 0: a unit's
--- expected work, for dealing units to shards (folio.units.assign): over its
--- spans {{first_row, last_row}...}, each sleeve's rebalance dates x its
--- universe's size (the sizing and composition), plus one tenth of the rows x
--- the fund's names (the daily marking). Relative units; only ratios matter.
function M.expected_cost(fund, dates, spans)
  local cost, names = 0, 0
  for _, sleeve in ipairs(fund.sleeves) do names = names + #(sleeve.universe or {}) end
  for _, span in ipairs(spans) do
    local a, b = span[1], span[2]
    if a and b and b >= a then
      for _, sleeve in ipairs(fund.sleeves) do
        cost = cost + rebalances(dates, sleeve.rebalance or "monthly", a, b) * #(sleeve.universe or {})
      end
      cost = cost + 0.1 * (b - a + 1) * names
    end
  end
  return math.max(cost, 1)
end

--- folio.sweep.prepare{fund =, grid =, prices =, volumes =, policy_path =} -> job
--- job = {units =, meta =, work = fn(unit)}: everything a shard, a rank or the
--- whole run needs. Raises on bad inputs (grid errors name grid.yaml:line).
function M.prepare(args)
  local cfg = folio.config.load{ path = args.fund, sizers = false }
  local grid = M.read_grid{ path = args.grid, cfg = cfg }
  local prices = folio.data.read_csv(args.prices)
  local volumes = args.volumes and folio.data.read_csv(args.volumes) or nil
  local dates = prices:dates()
  -- the first row with the history the fund needs (as folio backtest's default start)
  local probe = folio.config.override{ fund = cfg, set = {} }
  local loaded = { cfg = probe, args = { policy_path = args.policy_path } }
  internal.rebalance.load_policies(loaded)
  local first_row = math.min(#dates, internal.backtest.history_rows(probe))
  local windows = make_windows(grid, dates, first_row)
  local combos = combinations(grid.params)
  local row_of = {}
  for i, d in ipairs(dates) do row_of[d:sub(1, 10)] = i end
  local units, by_id = {}, {}
  -- every combination's fund, checked before any unit runs (a rule across
  -- values, such as the allocations' sum, names the combination)
  local funds = {}
  for c, combo in ipairs(combos) do
    local set, shown = {}, {}
    for i, p in ipairs(grid.params) do
      set[i] = { p.path, combo[i] }
      shown[i] = p.path .. " = " .. format_value(combo[i])
    end
    local ok, fund = pcall(folio.config.override, { fund = cfg, set = set })
    if not ok then
      local why = tostring(fund):gsub("^config%.override: ", "")
      for i, p in ipairs(grid.params) do
        local b = grid.broken[p.path .. "\0" .. format_value(combo[i])]
        if b and b.why == why then fail(string_format("%s:%d: %s", args.grid, b.line, why), 2) end
      end
      fail(string_format("%s: combination c%05d (%s): %s", args.grid, c, table_concat(shown, ", "), why), 2)
    end
    funds[c] = fund
  end
  for c, fund in ipairs(funds) do
    for w, win in ipairs(windows) do
      local id = grid.windows and string_format("c%05d-%s", c, win.id) or string_format("c%05d", c)
      local spans = grid.windows and { { row_of[win.train_from], row_of[win.train_to] },
        { row_of[win.test_from], row_of[win.test_to] } } or { { first_row, #dates } }
      local u = { id = id, cost = M.expected_cost(fund, dates, spans), combo = c, window = w }
      units[#units + 1], by_id[id] = u, u
    end
  end
  local params = {}
  for i, p in ipairs(grid.params) do params[i] = { path = p.path, values = p.values } end
  -- what makes a rerun the same job: the grid's parameters, windows and metric, the inputs' digests
  local meta = { params = params, windows = grid.windows and windows or {}, metric = grid.metric,
    inputs = folio.units.inputs{ cfg = cfg, prices = prices, volumes = volumes, policy_files = loaded.policy_files } }
  local function run_span(c, from, to)
    local fund = folio.config.override{ fund = funds[c], set = {} } -- a fresh copy: a run may annotate it
    local result = folio.backtest.run{ fund = fund, prices = prices, volumes = volumes, prices_path = args.prices,
      volumes_path = args.volumes, from = from, to = to, policy_path = args.policy_path, json = true }
    return metrics(result)
  end
  local function work(u)
    local win = windows[u.window]
    if not grid.windows then return { test = run_span(u.combo) } end
    return { train = run_span(u.combo, win.train_from, win.train_to), test = run_span(u.combo, win.test_from, win.test_to) }
  end
  return { units = units, meta = meta, work = work }
end

-- ---- the merge ---------------------------------------------------------------------------------

local COLUMNS = { "cagr", "volatility", "sharpe", "max_drawdown", "turnover", "costs" }

-- Writes results.csv and best.csv from the plan and the unit results (the
-- `sweep` merger of folio.units); returns the message to print.
local function merge(out, plan, results, failures)
  failures = failures or {}
  local meta = plan.meta
  local params, walk = meta.params, #meta.windows > 0
  local combos = combinations(params)
  local wins = walk and meta.windows or { { id = "all" } }
  local head = {}
  for i, p in ipairs(params) do head[i] = p.path end
  head[#head + 1] = "window"
  head[#head + 1] = "from"
  head[#head + 1] = "to"
  for _, c in ipairs(COLUMNS) do head[#head + 1] = c end
  if walk then head[#head + 1] = "train_" .. meta.metric end
  head[#head + 1] = "error"
  local lines = { table_concat(head, ",") }
  local best = {}
  -- the plan's units are the grid's combinations x windows, and each result has its figures
  local expected = {}
  for c = 1, #combos do
    for _, win in ipairs(wins) do expected[walk and string_format("c%05d-%s", c, win.id) or string_format("c%05d", c)] = true end
  end
  for _, u in ipairs(plan.units) do
    if not expected[u.id] then folio.units.fail_plan(out, "unit " .. u.id .. " is not one of its grid's combinations x windows") end
    expected[u.id] = nil
  end
  if next(expected) then folio.units.fail_plan(out, "it lacks unit " .. next(expected) .. " of its grid") end
  for id, r in pairs(results) do
    if type(r.test) ~= "table" or (walk and type(r.train) ~= "table") then
      error(string_format("sweep: %s: not a sweep unit's result (no %s figures): delete it and rerun", folio.units.unit_path(out, id),
        type(r.test) ~= "table" and "test" or "train"), 0)
    end
  end
  local higher = METRICS[meta.metric]
  for c, combo in ipairs(combos) do
    for w, win in ipairs(wins) do
      local id = walk and string_format("c%05d-%s", c, win.id) or string_format("c%05d", c)
      -- a failed unit keeps its row: empty figures and the reason
      local r = results[id] or { test = {}, train = {} }
      local row = {}
      for i, v in ipairs(combo) do row[i] = format_value(v) end
      row[#row + 1] = win.id
      row[#row + 1] = r.test.from or (walk and win.test_from) or ""
      row[#row + 1] = r.test.to or (walk and win.test_to) or ""
      for _, k in ipairs(COLUMNS) do row[#row + 1] = format_metric(r.test[k]) end
      local chosen_on = walk and r.train or r.test
      if walk then row[#row + 1] = format_metric(r.train[meta.metric]) end
      lines[#lines + 1] = table_concat(row, ",") .. "," .. folio.data.csv_row{ results[id] and "" or (failures[id] or "no result") }
      local score = chosen_on[meta.metric]
      if type(score) == "number" then
        local b = best[w]
        if not b or (higher and score > b.score) or (not higher and score < b.score) then
          best[w] = { score = score, combo = combo, r = r }
        end
      end
    end
  end
  folio.units.write_file(out .. "/results.csv", table_concat(lines, "\n") .. "\n")
  local bhead = { "window", "metric", "chosen_on", "score" }
  for _, p in ipairs(params) do bhead[#bhead + 1] = p.path end
  bhead[#bhead + 1] = "from"
  bhead[#bhead + 1] = "to"
  for _, c in ipairs(COLUMNS) do bhead[#bhead + 1] = c end
  local blines = { table_concat(bhead, ",") }
  for w, win in ipairs(wins) do
    local b = best[w]
    local row = { win.id, meta.metric, walk and "train" or "all" }
    if b then
      row[#row + 1] = format_metric(b.score)
      for _, v in ipairs(b.combo) do row[#row + 1] = format_value(v) end
      row[#row + 1] = b.r.test.from or ""
      row[#row + 1] = b.r.test.to or ""
      for _, k in ipairs(COLUMNS) do row[#row + 1] = format_metric(b.r.test[k]) end
    else
      row[#row + 1] = "" -- no combination has the metric in this window
    end
    blines[#blines + 1] = table_concat(row, ",")
  end
  folio.units.write_file(out .. "/best.csv", table_concat(blines, "\n") .. "\n")
  return string_format("wrote results.csv (%d rows) and best.csv (%d windows, by %s) to %s", #lines - 1, #wins, meta.metric, out)
end
M.merge_units = merge

-- ---- the command ---------------------------------------------------------------------------------

--- The `folio sweep` command: opts from the command line (strings); returns the
--- exit status: 0 all units done (and merged unless --shard), 1 some failed.
function M.cli(opts)
  local o = folio.units.cli_options(opts)
  local job = M.prepare{ fund = opts.fund, grid = opts.grid, prices = opts.prices, volumes = o.volumes,
    policy_path = opts.policy_path }
  return folio.units.cli_job{ job = "sweep", out = opts.out, units = job.units, meta = job.meta, work = job.work,
    shard = o.shard, rank = o.rank, bundle = o.bundle, holder = o.holder, run_id = o.run_id }
end

return M
