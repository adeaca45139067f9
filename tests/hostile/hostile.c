/*
 * hostile.c — the adversarial matrix of docs/sandbox.md, one ctest per
 * case (`hostile <case>`, cases listed in cases.txt).
 *
 * Each case runs a hostile script through the embedding API with small
 * budgets, checks the status and the message, then checks that the same
 * host still sizes a normal portfolio with results bit-identical to a fresh
 * host's: the sandbox must turn attacks into clear errors and stay usable.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <dirent.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "folio/host.h"
#include "testlib.h"

typedef struct hcase {
  const char *id;
  const char *script;
  int status;        /* expected folio_status */
  int alt_status;    /* also accepted (0 = none) */
  const char *needle; /* substring of the message (NULL = any) */
} hcase;

/* A script that starts with IN_TEMP (a Lua comment) runs in a fresh working
 * folder of fixtures (make_fixtures) whose tree must be byte-for-byte the
 * same afterwards; "@TMP@" in it stands for the folder's absolute path. */
#define IN_TEMP "--[[in a fixture folder]] "

#define OK_ FOLIO_OK
#define TO FOLIO_ETIMEOUT
#define MEM FOLIO_EMEMORY
#define ERR FOLIO_ELUA

static const hcase cases[] = {
  {"loop_plain", "while true do end", TO, 0, "budget"},
  {"loop_in_pcall", "while true do pcall(function() while true do end end) end", TO, 0, "budget"},
  {"loop_in_xpcall", "while true do xpcall(function() while true do end end, function(e) return e end) end", TO, 0, "budget"},
  {"loop_in_handler", "xpcall(function() error('x') end, function() while true do end end)", TO, 0, NULL},
  {"loop_in_coroutine", "local co = coroutine.create(function() while true do end end) coroutine.resume(co)", ERR, 0, "coroutine"},
  {"mem_table", "local t = {} for i = 1, 1e12 do t[i] = i end", MEM, 0, "memory"},
  {"mem_string_concat", "local s = 'x' while true do s = s .. s end", MEM, 0, "memory"},
  {"mem_pcall", "while true do pcall(string.rep, 'x', 1e9) end", MEM, 0, "memory"},
  {"mem_in_pcall_loop", "local t = {} while true do pcall(function() t[#t + 1] = string.rep('y', 1e6) .. #t end) end", MEM, 0, "memory"},
  {"rep_huge", "return string.rep('x', 2^40)", MEM, ERR, NULL},
  {"rep_sep_huge", "return ('x'):rep(1e9, ',')", MEM, 0, "memory"},
  {"concat_huge", "local t = {} for i = 1, 64 do t[i] = string.rep('x', 1e6) .. i end return table.concat(t)", MEM, 0, "memory"},
  {"format_huge_width", "return string.format('%99999d', 1)", ERR, 0, "invalid conversion"},
  {"os_execute", "os.execute('id')", ERR, 0, "execute"},
  {"os_exit", "os.exit(3)", ERR, 0, "exit"},
  {"os_getenv", "return os.getenv('HOME')", ERR, 0, "getenv"},
  {"os_remove", "os.remove('/tmp/folio-hostile')", ERR, 0, "remove"},
  {"io_open", "io.open('/etc/passwd')", ERR, 0, "'io'"},
  {"io_popen", "io.popen('id')", ERR, 0, "'io'"},
  {"dofile", "dofile('/etc/passwd')", ERR, 0, "dofile"},
  {"loadfile", "loadfile('/etc/passwd')", ERR, 0, "loadfile"},
  {"require_c", "require('socket')", ERR, 0, "not found"},
  {"require_escape", "require('../../etc/passwd')", ERR, 0, "invalid module name"},
  {"loadlib", "package.loadlib('libc.so.6', 'system')", ERR, 0, "package"},
  {"bytecode_load", "assert(load('\\27Lua\\84\\0'))", ERR, 0, "binary"},
  {"bytecode_dump_missing", "return string.dump(print)", ERR, 0, "dump"},
  {"debug_absent", "debug.sethook()", ERR, 0, "debug"},
  {"debug_via_string_metatable", "assert(('').debug == nil) assert(getmetatable('') == false)", OK_, 0, NULL},
  {"mt_string_leak", "getmetatable('').__index.rep = print", ERR, 0, "boolean"},
  {"mt_string_method", "string.rep = print", ERR, 0, "read-only table 'string'"},
  {"mt_global_setmetatable", "setmetatable(_G, {__index = function() return 1 end})", ERR, 0, "protected metatable"},
  {"rawset_proxy", "rawset(string, 'rep', print)", ERR, 0, "rawset"},
  {"folio_readonly", "folio.sizers.kelly_fraction = nil", ERR, 0, "read-only table 'folio.sizers'"},
  {"gc_finalizer_loop", "setmetatable({}, {__gc = function() while true do end end})", ERR, 0, "__gc"},
  {"recurse_lua", "local function f() return 1 + f() end f()", ERR, MEM, "stack overflow"},
  {"recurse_index_mm", "local t = setmetatable({}, {__index = function(s, k) return s[k] end}) return t.x", ERR, MEM, "overflow"},
  {"recurse_tostring_mm", "local t = setmetatable({}, {__tostring = function(s) return tostring(s) end}) return tostring(t)", ERR, MEM, "overflow"},
  {"xpcall_loop_loop", "local function l() return 1 + l() end xpcall(l, l)", ERR, MEM, NULL},
  {"err_table", "error({})", ERR, 0, "(error object is a table value)"},
  {"err_nil", "error(nil)", ERR, 0, "(error object is a nil value)"},
  {"err_tostring_loops", "error(setmetatable({}, {__tostring = function() while true do end end}))", ERR, 0, "table value"},
  {"err_tostring_errors", "error(setmetatable({}, {__tostring = function() error('x') end}))", ERR, 0, "table value"},
  {"err_huge", "error(string.rep('x', 1e6))", ERR, 0, "xxx..."},
  {"kwargs_unknown", "folio.optimize{objectve = function() return 0 end}", ERR, 0, "unknown key 'objectve'"},
  {"kwargs_cycle", "local t = {} t.x = t folio.optimize(t)", ERR, 0, "optimize"},
  {"kwargs_self_reference", "local t = {} t.signal = t folio.sizers.equal_weight_ls(t)", ERR, 0, "equal_weight_ls"},
  {"kwargs_depth_1000", "local t = {} local c = t for i = 1, 1000 do c.x = {} c = c.x end folio.sizers.equal_weight_ls{signal = t, n_long = 1, n_short = 1}", ERR, 0, "must be a number"},
  {"objective_errors", "folio.optimize{objective = function() error('boom') end, x0 = {1}, maxeval = 10}", ERR, 0, "boom"},
  {"objective_nan", "folio.optimize{objective = function() return 0/0 end, x0 = {1}, maxeval = 10}", ERR, 0, "NaN"},
  {"objective_returns_string", "folio.optimize{objective = function() return 'x' end, x0 = {1}, maxeval = 10}", ERR, 0, "string"},
  {"objective_loops", "folio.optimize{objective = function() while true do end end, x0 = {1}, maxeval = 10}", TO, 0, "budget"},
  {"objective_oom", "local t = {} folio.optimize{objective = function(x) while true do t[#t + 1] = string.rep('z', 1e6) .. #t end end, x0 = {1}, maxeval = 10}", MEM, 0, "memory"},
  {"objective_yields", "folio.optimize{objective = function() return coroutine.yield(1) end, x0 = {1}, maxeval = 10}", ERR, 0, "coroutine"},
  {"yield_in_sort_comparator", "table.sort({3, 2, 1}, function(a, b) coroutine.yield() end)", ERR, 0, "coroutine"},
  {"coroutine_absent", "assert(coroutine == nil)", OK_, 0, NULL},
  {"dims_overflow", "folio.matrix(2^31, 2^31)", ERR, 0, "table expected"},
  {"index_oob", "local m = folio.matrix{{1}} assert(m[-1] == nil) return m:get(math.maxinteger, 1)", ERR, 0, "out of range"},
  {"pattern_cpu", "string.find(string.rep('a', 1e5), string.rep('a-', 30) .. 'b')", ERR, 0, "too complex"},
  {"addr_leak", "assert(not tostring({}):find('0x')) assert(not tostring(print):find('0x'))"
                " assert(not pcall(string.format, '%p', {})) assert(not string.format('%s', {}):find('0x'))"
                " assert(not tostring(folio.matrix{{1}}):find('0x'))", OK_, 0, NULL},
  {"print_cap", "for i = 1, 1e5 do print(string.rep('x', 100)) end", OK_, 0, NULL},
  {"read_outside_tree", "folio.data.read_csv('/etc/passwd')", ERR, 0, "sandbox"},
  {"read_parent_dir", "folio.data.read_csv('../shared/reference/data/stock_prices.csv')", ERR, 0, "sandbox"},
  /* -- capabilities (docs/sandbox.md, Capabilities): no writes, reads below the working folder */
  {"store_uri_abs", IN_TEMP "folio.store.open{path = 'file:@TMP@/other_fund.db'}", ERR, 0, "store.open: needs a trusted engine"},
  {"store_uri_relative", IN_TEMP "folio.store.open{path = 'file:../x.db?mode=rwc'}", ERR, 0, "store.open: needs a trusted engine"},
  {"store_readonly", IN_TEMP "folio.store.open{path = 'fund.db', readonly = true, create = false}", ERR, 0, "store.open: needs a trusted engine"},
  {"report_write_fund_file", IN_TEMP "local r = folio.matrix{{0.01}, {0.02}, rows = {'2024-01-02', '2024-01-03'}, cols = {'a'}} "
                             "folio.report.write_csv(folio.report.sleeves{sleeve_returns = r, allocations = {a = 1}, "
                             "window = 'ytd', asof = '2024-01-03'}, 'fund.db')",
   ERR, 0, "report.write_csv: needs a trusted engine"},
  {"record_snapshot_loop", IN_TEMP "for i = 1, 1e6 do local st = folio.store.open{path = 'fund.db'} "
                           "st:record_snapshot{timestamp = i, nav = 1, positions = {x = ('x'):rep(1e5)}} end",
   ERR, 0, "store.open: needs a trusted engine"},
  {"reconcile_write_file", IN_TEMP "folio.reconcile.write_file('fund.db', 'x')", ERR, 0, "reconcile.write_file: needs a trusted engine"},
  {"manager_out", IN_TEMP "folio.manager.optimize{root = 'strategies', out = 'fund.db'}", ERR, 0, "needs a trusted engine"},
  {"read_devzero_symlink", IN_TEMP "folio.data.read_csv('zero.csv')", ERR, 0, "'zero.csv' is a symbolic link"},
  {"read_fifo", IN_TEMP "folio.data.read_csv('fifo.csv')", ERR, 0, "fifo.csv is a FIFO"},
  {"read_symlink_inside", IN_TEMP "folio.data.read_csv('inside.csv')", ERR, 0, "'inside.csv' is a symbolic link"},
  {"read_size_over_budget", IN_TEMP "folio.data.read_csv('big.csv')", ERR, 0, "memory budget"},
  {"read_hardlink", IN_TEMP "folio.data.read_csv('h2.csv')", ERR, 0, "2 hard links"},
  {"read_directory", IN_TEMP "folio.data.read_csv('sub')", ERR, 0, "sub is a folder"},
  {"read_proc_self", IN_TEMP "folio.data.read_csv('/proc/self/environ')", ERR, 0, "absolute path"},
  {"read_nul_in_path", IN_TEMP "folio.data.read_csv('prices.csv\\0/../../../etc/passwd')", ERR, 0, "NUL byte"},
  {"read_long_path", IN_TEMP "folio.data.read_csv(('a/'):rep(3000) .. 'x.csv')", ERR, 0, "too long"},
  {"read_dotdot_inside", IN_TEMP "folio.data.read_csv('sub/../prices.csv')", ERR, 0, "'..' component"},
  {"read_symlink_dir", IN_TEMP "folio.data.read_csv('dlink/p.csv')", ERR, 0, "'dlink' is a symbolic link"},
  {"read_symlink_parent", IN_TEMP "folio.data.read_csv('up/prices.csv')", ERR, 0, "'up' is a symbolic link"},
  {"read_records_devzero", IN_TEMP "folio.data.read_records('zero.csv')", ERR, 0, "symbolic link"},
  {"read_market_fifo", IN_TEMP "folio.data.read_market{prices = 'prices.csv', volumes = 'fifo.csv'}", ERR, 0, "FIFO"},
  {"config_load_symlink", IN_TEMP "folio.config.load('inside.csv')", ERR, 0, "symbolic link"},
  {"manager_stats_symlink", IN_TEMP "folio.manager.read_stats{path = 'inside.csv'}", ERR, 0, "symbolic link"},
  {"manager_tree_symlink", IN_TEMP "folio.manager.optimize{root = '.'}", ERR, 0, "symbolic link"},
  {"read_inside_ok", IN_TEMP "local m = folio.data.read_csv('prices.csv') assert(tostring(m):find('2 x 2'), tostring(m)) "
                     "assert(folio.data.read_csv('sub/p.csv')) assert(#folio.data.read_records('prices.csv').rows == 2)",
   OK_, 0, NULL},
  {"registry_replace_shipped", "folio.registry.register(folio.policy{name = 'kelly_voltarget_12', "
                               "size = function() return {A = 1} end}, {replace = true})",
   ERR, 0, "'kelly_voltarget_12' is the shipped policy 'kelly_voltarget_12' of "},
  {"registry_replace_builtin", "folio.registry.register(folio.policy{name = 'fixed_weight', "
                               "size = function() return {A = 1} end}, {replace = true})",
   ERR, 0, "which a sandboxed script may not replace"},
  {"registry_script_names_ok", "local p = folio.policy{name = 'mine', size = function() return {A = 1} end} "
                               "folio.registry.register(p) folio.registry.register(p, {replace = true}) "
                               "assert(folio.registry.get('kelly_voltarget_12').description:find('Grinold'))",
   OK_, 0, NULL},
  /* every writer of folio.capabilities, called as it would write: each refused, the tree unchanged */
  {"writers_refused",
   IN_TEMP "local calls = {\n"
   "  ['backtest.cli'] = function(f) return f{fund = 'fund.db', prices = 'prices.csv', out = '.', store = 'fund.db'} end,\n"
   "  ['backtest.run'] = function(f) return f{fund = 'fund.db', prices = 'prices.csv', out = '.', store = 'fund.db'} end,\n"
   "  ['data.write_csv'] = function(f) return f{weights = {A = 1}, path = 'fund.db'} end,\n"
   "  ['accounts.cli'] = function(f) return f{fund = 'fund.db', accounts = 'fund.db', prices = 'prices.csv', out = '.'} end,\n"
   "  ['accounts.merge_units'] = function(f) return f('.', {units = {}}, {}) end,\n"
   "  ['accounts.result'] = function(f) return f('a', {key = 'k'}, 'fund.db') end,\n"
   "  ['sweep.cli'] = function(f) return f{fund = 'fund.db', grid = 'fund.db', prices = 'prices.csv', out = '.'} end,\n"
   "  ['sweep.merge_units'] = function(f) return f('.', {meta = {params = {}, windows = {}}}, {}) end,\n"
   "  ['units.cli_job'] = function(f) return f{job = 'sweep', out = '.', units = {{id = 'a', cost = 1}}, work = function() return {} end} end,\n"
   "  ['units.cli_merge'] = function(f) return f{out = '.'} end,\n"
   "  ['units.make_dirs'] = function(f) return f('made_by_the_sandbox') end,\n"
   "  ['units.merge'] = function(f) return f{out = '.'} end,\n"
   "  ['units.run'] = function(f) return f{out = '.', units = {{id = 'a', cost = 1}}, work = function() return {} end} end,\n"
   "  ['units.write_bundle'] = function(f) return f('.', {'a'}, 'fund.db') end,\n"
   "  ['units.write_file'] = function(f) return f('fund.db', 'x') end,\n"
   "  ['units.write_plan'] = function(f) return f{out = '.', job = 'sweep', units = {{id = 'a', cost = 1}}} end,\n"
   "  ['exchange.paper'] = function(f) return f{path = 'fund.db'} end,\n"
   "  ['manager.optimize'] = function(f) return f{root = 'strategies', out = 'fund.db'} end,\n"
   "  ['oms.file'] = function(f) return f{positions = 'prices.csv', orders = 'fund.db'} end,\n"
   "  ['rebalance.cli'] = function(f) return f{fund = 'fund.db', prices = 'prices.csv', positions = 'prices.csv', out = 'fund.db', store = 'fund.db'} end,\n"
   "  ['rebalance.run'] = function(f) return f{fund = {}, prices = 'prices.csv', store = 'fund.db'} end,\n"
   "  ['reconcile.cli'] = function(f) return f{root = '.', exchange = 'paper:fund.db', journal = 'fund.db'} end,\n"
   "  ['reconcile.cycle'] = function(f) return f{root = '.', journal = 'fund.db'} end,\n"
   "  ['reconcile.watch'] = function(f) return f{root = '.', journal = 'fund.db', cycles = 1} end,\n"
   "  ['reconcile.write_file'] = function(f) return f('fund.db', 'overwritten') end,\n"
   "  ['reconcile.make_dir'] = function(f) return f('made_by_the_sandbox') end,\n"
   "  ['report.write_csv'] = function(f) local r = folio.matrix{{0.01}, {0.02}, rows = {'2024-01-02', '2024-01-03'}, cols = {'a'}}\n"
   "    return f(folio.report.sleeves{sleeve_returns = r, allocations = {a = 1}, window = 'ytd', asof = '2024-01-03'}, 'fund.db') end,\n"
   "  ['store.open'] = function(f) local st = f{path = 'fund.db'} st:record_snapshot{timestamp = 1, nav = 1} end,\n"
   "}\n"
   "local function get(name) local a, b = name:match('^([^.]+)%.?(.*)$') if b == '' then return folio[a] end return folio[a][b] end\n"
   "local n = 0\n"
   "for _, list in ipairs{folio.capabilities.writes, folio.capabilities.outside} do\n"
   "  for _, name in ipairs(list) do\n"
   "    local f = get(name)\n"
   "    assert(type(f) == 'function', name .. ' is not a folio function')\n"
   "    local call = calls[name] or (list == folio.capabilities.outside and function(g) return g('fund.db', 'x') end)\n"
   "    if not call then error('no call for the writer ' .. name .. ': add one to writers_refused') end\n"
   "    local ok, e = pcall(call, f)\n"
   "    e = tostring(e)\n"
   "    if ok or not e:find(name, 1, true) or not e:find('needs a trusted engine', 1, true) then\n"
   "      error(name .. ' was not refused: ' .. e)\n"
   "    end\n"
   "    n = n + 1\n"
   "  end\n"
   "end\n"
   "assert(n >= 19, 'only ' .. n .. ' capabilities refused')\n"
   "print('writers_refused: ' .. n .. ' functions refused')",
   OK_, 0, NULL},
  /* every function reachable in folio is classified: a capability, or known to be pure */
  {"folio_functions_classified",
   IN_TEMP "local pure = {}\n"
   "for name in ('PortfolioAllocator allocator.allocate backtest.drawdowns backtest.print_summary backtest.schedule backtest.statistics black_litterman.market_implied_prior_returns black_litterman.market_implied_risk_aversion capacity.apply capacity.position_capacity clock config.check config.get config.override config.parse clean_weights data.csv_row data.market discrete_allocation expected_returns.capm expected_returns.ema_historical expected_returns.mean_historical format_table format_weights frontier.curve frontier.efficient_return frontier.efficient_risk frontier.max_quadratic_utility frontier.max_sharpe frontier.min_volatility guards.new holding.bucket holding.buckets holding.classify hrp.linkage hrp.run is_pipeline is_policy json.decode json.digest json.encode matrix.new multi_sleeve.compose oms.check optimize orders.diff performance pipeline plot.area plot.bars plot.dendrogram plot.figure plot.frontier plot.line policy portfolio_allocator position_sizers.beta position_sizers.defaults position_sizers.is_sizer position_sizers.names position_sizers.new position_sizers.register print_weights rebalance.note rebalance.print_summary rebalance.summary reconcile.format_report reconcile.interrupted reconcile.now registry.builtin registry.get registry.has registry.names registry.register report.csv report.format report.sleeves risk_model.corr risk_model.ewma_cov risk_model.ledoit_wolf risk_model.oas risk_model.repair risk_model.sample_cov risk_model.semicovariance session.SessionMatrix session.at session.is_early_close session.is_holiday session.is_trading_day session.local_time session.parse_asof signals.momentum_12_1 signals.reversal_5 signals.trend_63 sizers.equal_weight_ls sizers.fixed_weight sizers.inverse_vol sizers.kelly_fraction sizers.kelly_voltarget sizers.kelly_voltarget_12 sizers.kelly_voltarget_8 sizers.max_diversification sizers.min_variance sizers.risk_parity sizers.vol_target_weights sorted_keys sorted_symbols state.new state.position state.snapshot store.decode_json store.digest store.encode_json sweep.expected_cost transforms.beta_neutral transforms.cap_per_name transforms.gross_cap transforms.net_neutral transforms.round_lots transforms.scale units.assign units.check units.fail_plan units.failed_path units.parse_shard units.report_lines units.unbundle units.unit_path usd_round_cents'):gmatch('%S+') do pure[name] = true end\n"
   "local class = {}\n"
   "for kind, list in pairs(folio.capabilities) do for _, n in ipairs(list) do class[n] = kind end end\n"
   "local seen, bad, n = {}, {}, 0\n"
   "local function walk(t, prefix, depth)\n"
   "  if seen[t] or depth > 3 then return end\n"
   "  seen[t] = true\n"
   "  local keys = {}\n"
   "  for k in pairs(t) do keys[#keys + 1] = tostring(k) end\n"
   "  table.sort(keys)\n"
   "  for _, k in ipairs(keys) do\n"
   "    local v, name = t[k], prefix .. tostring(k)\n"
   "    if type(v) == 'function' then\n"
   "      n = n + 1\n"
   "      if not class[name] and not pure[name] then bad[#bad + 1] = name end\n"
   "      if class[name] and pure[name] then bad[#bad + 1] = name .. ' (both pure and ' .. class[name] .. ')' end\n"
   "    elseif type(v) == 'table' then walk(v, name .. '.', depth + 1) end\n"
   "  end\n"
   "end\n"
   "walk(folio, '', 1)\n"
   "if #bad > 0 then error('unclassified folio functions (add each to lua/module/lcapability.c if it touches files "
   "or the process, else to the pure list of folio_functions_classified): ' .. table.concat(bad, ', ')) end\n"
   "assert(n > 100, 'walked only ' .. n .. ' functions')",
   OK_, 0, NULL},
  /* -- bounded standard library (sandbox_bounded.c): work in C the hook cannot see -- */
  {"table_move_huge", "table.move({}, 1, math.maxinteger - 1, 1, {})", TO, 0, "budget"},
  {"table_insert_len_huge", "local t = setmetatable({}, {__len = function() return 2^62 end}) table.insert(t, 1, 'x')", TO, 0, "budget"},
  {"table_remove_len_huge", "local t = setmetatable({}, {__len = function() return 2^62 end}) table.remove(t, 1)", TO, 0, "budget"},
  {"table_sort_nul_strings", "local s = ('\\0'):rep(8e6) local t = {} for i = 1, 2000 do t[i] = s end table.sort(t)", TO, 0, "budget"},
  {"table_sort_nul_strings_20mb", "local s = ('\\0'):rep(20e6) local t = {} for i = 1, 2000 do t[i] = s end table.sort(t)", MEM, 0, "16 MiB"},
  {"table_sort_len_huge", "local t = setmetatable({}, {__len = function() return 2^31 - 2 end, __index = function(_, i) return -i end}) table.sort(t)", TO, MEM, "budget"},
  {"table_concat_range_huge", "local t = setmetatable({}, {__index = function() return '' end}) return table.concat(t, '', 1, math.maxinteger)", TO, 0, "budget"},
  {"table_unpack_huge", "return select('#', table.unpack({}, 1, 1e8))", ERR, 0, "too many results"},
  {"string_lt_long", "local s = ('\\0'):rep(16e6) while true do local _ = s < s end", TO, 0, "budget"},
  {"string_lt_single_huge", "local s = ('\\0'):rep(2e8) return s < s", MEM, 0, "16 MiB"},
  {"string_cap", "local s = ('x'):rep(1e6) local t = {} for i = 1, 20 do t[i] = s end return table.concat(t)", MEM, 0, "16 MiB"},
  {"string_rep_empty_huge", "assert(string.rep('', math.maxinteger) == '' and (''):rep(2^62, '') == '')", OK_, 0, NULL},
  {"pattern_balance", "string.find(('('):rep(1e6), '%b()')", ERR, 0, "too complex"},
  {"pattern_backref", "string.find(('a'):rep(1e5), '(a*)%1b')", ERR, 0, "too complex"},
  {"pattern_optional", "string.match(('a'):rep(60), ('a?'):rep(60) .. ('a'):rep(60))", ERR, 0, "too complex"},
  {"pattern_match_plain_flag", "string.match(('a'):rep(1e5), ('a-'):rep(30) .. 'b', 1, true)", ERR, 0, "too complex"},
  {"pattern_plain_long", "string.find(('a'):rep(16e6), ('a'):rep(8e6) .. 'b', 1, true)", ERR, 0, "too complex"},
  {"pattern_gsub_repl_huge", "string.gsub(('x'):rep(1e5), '', ('%0'):rep(1e4))", ERR, 0, "too complex"},
  {"pattern_gmatch_frontier", "for w in string.gmatch(('ab '):rep(1e3), '%f[%w]%w+') do end", OK_, 0, NULL},
  {"os_date_format_huge", "os.date(('%c'):rep(5e6))", ERR, 0, "format longer"},
  {"os_date_format_capped", "os.date(('%c'):rep(5e7))", MEM, 0, "16 MiB"},
  {"load_and_chain", "assert(load('local a = true return a' .. (' and a'):rep(40000)))", ERR, 0, "too costly to parse"},
  {"load_and_chain_in_strings_ok", "assert(load('local a = 1 return a' .. (' or a'):rep(5000)))"
   " assert(load('-- ' .. ('and or '):rep(20000) .. '\\nreturn [==[' .. ('and '):rep(20000) .. ']==], \\'' .. ('or '):rep(20000) .. '\\''))",
   OK_, 0, NULL},
  {"load_name_lookups", "local d = ('local f = function() local ' .. ('a,'):rep(189) .. 'b '):rep(60)"
   " assert(load(d .. ('zz = zz '):rep(14000) .. ('end '):rep(60)))", ERR, 0, "name lookups"},
  {"bounded_sort_semantics",
   "local r = {} for i = 1, 5000 do r[i] = math.random(1, 1e6) end table.sort(r)"
   " for i = 2, 5000 do assert(r[i - 1] <= r[i]) end"
   " table.sort(r, function(a, b) return a > b end) for i = 2, 5000 do assert(r[i - 1] >= r[i]) end"
   " local s = {} for i = 1, 300 do s[i] = ('x'):rep(100) .. (300 - i) end table.sort(s)"
   " for i = 2, 300 do assert(s[i - 1] <= s[i]) end"
   " local p = setmetatable({3, 1, 2}, {__index = function() return nil end}) table.sort(p) assert(p[1] == 1 and p[3] == 3)"
   " local ok, e = pcall(table.sort, s, function(a, b) return true end) assert(not ok and e:find('invalid order function'))",
   OK_, 0, NULL},
  {"bounded_lib_semantics",
   "local t = {1, 2, 3} table.insert(t, 4) table.insert(t, 1, 0) assert(table.concat(t, ',') == '0,1,2,3,4')"
   " assert(table.remove(t) == 4 and table.remove(t, 1) == 0 and table.concat(t, ',') == '1,2,3')"
   " assert(table.remove({}) == nil and table.remove({}, 1) == nil)"
   " assert(table.concat(table.move({1, 2, 3}, 1, 3, 2), ',') == '1,1,2,3')"
   " assert(table.concat(table.move({1, 2, 3, 4, 5}, 2, 5, 1), ',') == '2,3,4,5,5')"
   " local d = table.move({1, 2}, 1, 2, 3, {9}) assert(d[1] == 9 and d[2] == nil and d[3] == 1 and d[4] == 2)"
   " local s = {'b', 'a', 'c'} table.sort(s) assert(table.concat(s) == 'abc')"
   " table.sort(s, function(a, b) return a > b end) assert(table.concat(s) == 'cba')"
   " local r = {} for i = 1, 1000 do r[i] = math.random(1, 100) end table.sort(r)"
   " for i = 2, 1000 do assert(r[i - 1] <= r[i]) end"
   " local M = {__lt = function(a, b) return a.v < b.v end} local o = {}"
   " for i = 1, 5 do o[i] = setmetatable({v = 6 - i}, M) end table.sort(o) assert(o[1].v == 1 and o[5].v == 5)"
   " local ok, e = pcall(table.sort, {1, 'x'}) assert(not ok and e:find('compare'))"
   " ok, e = pcall(table.sort, {3, 1, 2}, 5) assert(not ok and e:find('function expected'))"
   " ok, e = pcall(table.insert, {1}, 5, 2) assert(not ok and e:find('position out of bounds'))"
   " ok, e = pcall(table.insert, {}, 1, 2, 3) assert(not ok and e:find('wrong number of arguments'))"
   " ok, e = pcall(table.remove, {1}, 5) assert(not ok and e:find('position out of bounds'))"
   " ok, e = pcall(table.move, {}, -1, math.maxinteger, 1) assert(not ok and e:find('too many elements'))"
   " ok, e = pcall(table.concat, {1, {}}) assert(not ok and e:find('invalid value %(at index 2%)'))"
   " assert(table.concat({}, ',') == '' and table.concat({1, 2.5, 'x'}, '-') == '1-2.5-x')"
   " assert(table.concat({1, 2, 3}, ',', 2, 3) == '2,3')"
   " assert(('ab'):rep(3, ',') == 'ab,ab,ab' and ('x'):rep(0) == '' and ('x'):rep(-1) == '')"
   " assert(string.find('hello (world)', '%b()') == 7 and string.gsub('a.b.c', '%.', '/') == 'a/b/c')"
   " assert(string.match('key=value', '(%w+)=(%w+)') == 'key' and string.find('a+b', '+', 1, true) == 2)"
   " assert(string.gsub('abc', '%w', '%0%0') == 'aabbcc' and select(2, string.gsub('abab', '(a)(b)', '%2%1')) == 2)"
   " assert(os.date('!%Y-%m-%d', 0) == '1970-01-01' and type(os.date('*t').year) == 'number')"
   " local big = ('x'):rep(1e6) assert(big <= big and not (big < big) and #(big .. 'y') == 1e6 + 1)",
   OK_, 0, NULL},
  /* ---- numeric domains and strict JSON (docs/numbers.md): no silent NaN/Inf ---- */
  {"kelly_extreme_mu", "local c = folio.matrix{{1e-300, 0}, {0, 1e-300}, rows = {'A', 'B'}, cols = {'A', 'B'}} "
   "folio.sizers.kelly_fraction{expected_returns = {A = 1e308, B = -1e308}, cov = c}", ERR, 0,
   "mu 1e+308 of A is outside the expected return domain"},
  {"kelly_denormal_cov", "local c = folio.matrix{{5e-324, 0}, {0, 5e-324}, rows = {'A', 'B'}, cols = {'A', 'B'}} "
   "folio.sizers.kelly_fraction{expected_returns = {A = 0.1, B = 0.1}, cov = c}", ERR, 0,
   "outside the variance domain"},
  {"orders_denormal_price", "folio.orders.diff{prices = {A = 4.9e-324}, targets = {A = 0.5}, nav_usd = 1e6}", ERR,
   0, "price 4.94066e-324 of A is outside the price domain"},
  {"orders_denormal_lot", "folio.orders.diff{prices = {A = 10}, targets = {A = 0.5}, nav_usd = 1e6, lot_size = 4.9e-324}",
   ERR, 0, "lot size 4.94066e-324 of A is outside the lot domain"},
  {"usd_round_nan", "return folio.usd_round_cents(0/0)", ERR, 0, "amount is NaN"},
  {"usd_round_huge", "assert(folio.usd_round_cents(1e308) == 1e308) assert(folio.usd_round_cents(-1e300) == -1e300)",
   OK_, 0, NULL},
  {"returns_log_zero_price", "local m = folio.matrix{{1, 2}, {0, 3}, {2, 4}, cols = {'A', 'B'}} return m:returns('log')",
   ERR, 0, "price 0 is not > 0 (symbol A, row 2)"},
  {"returns_log_denormal_price", "local m = folio.matrix{{5e-324, 2}, {1e308, 3}, cols = {'A', 'B'}} return m:returns('log')",
   ERR, 0, "price 4.94066e-324 of A (row 1) is outside the price domain"},
  {"inverse_vol_underflow", "local c = folio.matrix{{1e-320, 0}, {0, 1e-320}, rows = {'A', 'B'}, cols = {'A', 'B'}} "
   "folio.sizers.inverse_vol{cov = c}", ERR, 0, "outside the variance domain"},
  {"risk_parity_huge_cov", "local c = folio.matrix{{1, 1e300}, {1e300, 1}, rows = {'A', 'B'}, cols = {'A', 'B'}} "
   "folio.sizers.risk_parity{cov = c}", ERR, 0, "outside the covariance domain"},
  {"allocator_denormal_price", "folio.allocator.allocate{candidates = {{symbol = 'A', score = 1, price = 5e-324}}, capital = 1e6}",
   ERR, 0, "price 4.94066e-324 of A is outside the price domain"},
  {"position_sizer_denormal_price", "folio.position_sizers.new{kind = 'risk_based'}:units{symbol = 'A', price = 5e-324, equity = 1e6}",
   ERR, 0, "outside the price domain"},
  {"json_overflow", "folio.json.decode('{\"a\": [1, 1e999]}')", ERR, 0, "json:1:15: real number overflow"},
  {"json_duplicate_key", "folio.json.decode('{\"a\": 1,\\n \"a\": 2}')", ERR, 0, "json:2:4: duplicate object key"},
  {"json_nan_literal", "folio.json.decode('[NaN]')", ERR, 0, "NaN and Infinity are not JSON"},
  {"json_infinity_literal", "folio.json.decode('[-Infinity]')", ERR, 0, "NaN and Infinity are not JSON"},
  {"json_deep_nesting", "folio.json.decode(string.rep('[', 100000) .. string.rep(']', 100000))", ERR, 0,
   "maximum parsing depth"},
  {"json_depth_33", "folio.json.decode(string.rep('[', 33) .. string.rep(']', 33))", ERR, 0,
   "nesting deeper than 32 levels"},
  {"json_big_integer", "local v = folio.json.decode('[123456789012345678901234567890, 9007199254740993]') "
   "assert(math.type(v[1]) == 'float' and v[1] == 1.2345678901234568e29) assert(v[2] == 9007199254740993)",
   OK_, 0, NULL},
  /* ---- end of numeric domains and strict JSON ---- */
  {NULL, NULL, 0, 0, NULL},
};

/* Cases run with a short max_seconds, which must end within it plus the
 * in-process grace of 1 s (docs/sandbox.md, "Bounds: the guarantee in numbers"). */
static const struct {
  const char *id;
  double seconds;
} timed_cases[] = {
  {"table_move_huge", 2},
  {"table_insert_len_huge", 2},
  {"table_remove_len_huge", 2},
  {"table_sort_nul_strings", 2},
  {"table_sort_len_huge", 2},
  {"table_concat_range_huge", 2},
  {"table_unpack_huge", 2},
  {"string_lt_long", 1},
  {"string_lt_single_huge", 2},
  {"string_cap", 2},
  {"string_rep_empty_huge", 2},
  {"pattern_balance", 2},
  {"pattern_backref", 2},
  {"pattern_optional", 2},
  {"pattern_match_plain_flag", 2},
  {"pattern_plain_long", 2},
  {"pattern_gsub_repl_huge", 2},
  {"pattern_gmatch_frontier", 2},
  {"os_date_format_huge", 2},
  {"os_date_format_capped", 2},
  {NULL, 0},
};

static size_t log_bytes;
static char last_log[256]; /* the last print() line, for comparing outputs */
static void count_log(void *ud, const char *text, size_t len) {
  (void)ud;
  log_bytes += len;
  size_t n = len < sizeof last_log - 1 ? len : sizeof last_log - 1;
  memcpy(last_log, text, n);
  last_log[n] = '\0';
}

static double case_seconds = 10; /* max_seconds of the next host */

static folio_host *new_host_seeded(size_t mem_mb, uint64_t seed) {
  folio_host_opts o = folio_host_defaults();
  o.seed = seed;
  o.max_instructions = 50000000; /* a few tenths of a second of Lua */
  o.max_seconds = case_seconds;
  o.max_memory = mem_mb << 20;
  o.max_log_bytes = 64 << 10;
  o.log = count_log;
  folio_host *h = NULL;
  folio_error err;
  if (folio_host_create(&o, &h, &err) != FOLIO_OK) {
    fprintf(stderr, "host_create: %s\n", err.message);
    return NULL;
  }
  return h;
}

static folio_host *new_host(size_t mem_mb) { return new_host_seeded(mem_mb, 0); }

/* A normal sizing: equal_weight_ls on ten names. */
static folio_status normal_sizing(folio_host *h, double *w) {
  static const char *syms[] = {"A", "B", "C", "D", "E", "F", "G", "H", "I", "J"};
  static const double sig[] = {0.3, -1.2, 0.8, 2.0, -0.4, 1.1, -2.2, 0.05, 0.6, -0.9};
  static const char *pn[] = {"n_long", "n_short", "gross"};
  static const double pv[] = {3, 3, 1.0};
  folio_host_sizing in = {0};
  in.n_assets = 10;
  in.symbols = syms;
  in.signal = sig;
  in.nav_usd = 1e6;
  in.n_params = 3;
  in.param_names = pn;
  in.param_values = pv;
  return folio_host_size(h, "equal_weight_ls", &in, w);
}

static long rss_kib(void) {
  FILE *f = fopen("/proc/self/statm", "r");
  long pages = 0, resident = 0;
  if (f) {
    if (fscanf(f, "%ld %ld", &pages, &resident) != 2) resident = 0;
    fclose(f);
  }
  return resident * (sysconf(_SC_PAGESIZE) / 1024);
}

/* ---- a working folder of fixtures (cases with in_temp) ------------------------------- */

static int put_file(const char *path, const char *text) {
  FILE *f = fopen(path, "wb");
  if (!f) return -1;
  fputs(text, f);
  return fclose(f);
}

/* Fills the current folder: plain files a script may read, and every kind
 * of thing the sandbox must refuse to read (links in and out, a FIFO, a hard
 * link, a sparse file larger than the 64 MiB budget). */
static int make_fixtures(void) {
  static const char csv[] = "date,A,B\n2024-01-02,1,2\n2024-01-03,1.1,2.1\n";
  int bad = 0;
  bad |= put_file("prices.csv", csv);
  bad |= put_file("fund.db", "the fund's store: must stay as it is\n");
  bad |= mkdir("sub", 0755) | put_file("sub/p.csv", csv);
  bad |= mkdir("strategies", 0755) | mkdir("strategies/a", 0755) |
         put_file("strategies/a/stats.csv", "date,return\n2024-01-02,0.001\n2024-01-03,0.002\n2024-01-04,-0.001\n");
  bad |= symlink("/dev/zero", "zero.csv") | symlink("prices.csv", "inside.csv") | symlink("sub", "dlink") |
         symlink("..", "up");
  bad |= mkfifo("fifo.csv", 0600);
  bad |= put_file("h1.csv", csv) | link("h1.csv", "h2.csv");
  bad |= put_file("big.csv", "date,A\n") | truncate("big.csv", (off_t)100 << 20); /* sparse: no disk used */
  return bad ? -1 : 0;
}

/* Appends to buf a line for every entry below `dir` (recursively, without
 * following links): path, kind, mode, size, modification time, inode, and a
 * link's target or a small file's bytes (as a checksum). Two walks are equal
 * exactly when nothing was created, modified or deleted. */
static void snapshot(const char *dir, char *buf, size_t size) {
  DIR *d = opendir(dir);
  if (!d) return;
  char names[64][256];
  size_t n = 0;
  for (struct dirent *e; (e = readdir(d)) != NULL && n < 64;)
    if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
      snprintf(names[n++], sizeof names[0], "%s", e->d_name);
  closedir(d);
  qsort(names, n, sizeof names[0], (int (*)(const void *, const void *))strcmp);
  for (size_t i = 0; i < n; i++) {
    char path[1024], extra[300] = "";
    if (snprintf(path, sizeof path, "%s/%s", dir, names[i]) >= (int)sizeof path) continue;
    struct stat sb;
    if (lstat(path, &sb) != 0) continue;
    if (S_ISLNK(sb.st_mode)) {
      ssize_t k = readlink(path, extra, sizeof extra - 1);
      extra[k > 0 ? k : 0] = '\0';
    } else if (S_ISREG(sb.st_mode) && sb.st_size < (1 << 20)) {
      FILE *f = fopen(path, "rb");
      unsigned long sum = 5381;
      for (int ch; f && (ch = fgetc(f)) != EOF;) sum = sum * 33 + (unsigned long)ch;
      if (f) fclose(f);
      snprintf(extra, sizeof extra, "%lx", sum);
    }
    size_t used = strlen(buf);
    snprintf(buf + used, size - used, "%s %o %jd %jd.%09ld %ju %s\n", path, (unsigned)sb.st_mode,
             (intmax_t)sb.st_size, (intmax_t)sb.st_mtim.tv_sec, sb.st_mtim.tv_nsec, (uintmax_t)sb.st_ino, extra);
    if (S_ISDIR(sb.st_mode)) snapshot(path, buf, size);
  }
}

static void remove_tree(const char *dir) {
  DIR *d = opendir(dir);
  if (!d) return;
  for (struct dirent *e; (e = readdir(d)) != NULL;) {
    if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
    char path[1024];
    if (snprintf(path, sizeof path, "%s/%s", dir, e->d_name) >= (int)sizeof path) continue;
    struct stat sb;
    if (lstat(path, &sb) == 0 && S_ISDIR(sb.st_mode))
      remove_tree(path);
    else
      unlink(path);
  }
  closedir(d);
  rmdir(dir);
}

/* The script with every "@TMP@" replaced by tmp (malloc'd). */
static char *with_tmp(const char *script, const char *tmp) {
  size_t n = strlen(script) + 1, k = 0;
  for (const char *p = script; (p = strstr(p, "@TMP@")); p += 5) k++;
  char *out = malloc(n + k * strlen(tmp));
  if (!out) return NULL;
  char *o = out;
  for (const char *p = script; *p;) {
    if (strncmp(p, "@TMP@", 5) == 0) {
      o += sprintf(o, "%s", tmp);
      p += 5;
    } else {
      *o++ = *p++;
    }
  }
  *o = '\0';
  return out;
}

static double now_seconds(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int run_case(const hcase *c) {
  double seconds = 0;
  for (int k = 0; timed_cases[k].id; k++)
    if (strcmp(timed_cases[k].id, c->id) == 0) seconds = timed_cases[k].seconds;
  if (seconds > 0) case_seconds = seconds;
  folio_host *h = new_host(64);
  case_seconds = 10;
  CHECK(h != NULL);
  if (!h) return tl_finish(c->id);
  /* in_temp: a fresh working folder of fixtures, never the source tree */
  char tmp[] = "/tmp/folio-hostile-cap-XXXXXX", home[4096];
  static char before[1 << 16], after[1 << 16];
  char *script = NULL;
  int in_temp = strncmp(c->script, IN_TEMP, strlen(IN_TEMP)) == 0;
  if (in_temp) {
    CHECK(getcwd(home, sizeof home) != NULL && mkdtemp(tmp) != NULL && chdir(tmp) == 0);
    CHECK_MSG(make_fixtures() == 0, "fixtures in %s", tmp);
    before[0] = after[0] = '\0';
    snapshot(".", before, sizeof before);
    script = with_tmp(c->script, tmp);
  }
  const char *text = script ? script : c->script;
  double t0 = now_seconds();
  folio_status st = folio_host_run_string(h, "=hostile", text, strlen(text));
  double took = now_seconds() - t0;
  /* the in-process grace: a run ends within its max_seconds + 1 s, whatever it calls */
  if (seconds > 0)
    CHECK_MSG(took <= seconds + 1.0, "%s: took %.2f s with max_seconds %g", c->id, took, seconds);
  const char *msg = folio_host_error(h);
  CHECK_MSG(st == c->status || (c->alt_status && st == c->alt_status),
            "%s: status %d, wanted %d: %s", c->id, (int)st, c->status, msg);
  /* the needle describes the expected status; an accepted alternative (e.g. the memory
   * budget tripping before the stack limit) has its own message */
  if (c->needle && st == c->status)
    CHECK_MSG(strstr(msg, c->needle) != NULL, "%s: message lacks '%s': %s", c->id, c->needle, msg);
  CHECK_MSG(strlen(msg) < 4096, "%s: message of %zu bytes", c->id, strlen(msg));
  CHECK_MSG(strstr(msg, "0x") == NULL, "%s: message shows an address: %s", c->id, msg);
  if (in_temp) {
    snapshot(".", after, sizeof after);
    CHECK_MSG(strcmp(before, after) == 0, "%s: the working folder changed:\nbefore:\n%s\nafter:\n%s", c->id, before,
              after);
    CHECK(strlen(before) > 200); /* the fixtures are there */
    CHECK(chdir(home) == 0);
    remove_tree(tmp);
    free(script);
  }
  if (strcmp(c->id, "print_cap") == 0) CHECK_MSG(log_bytes <= (64 << 10) + 64, "log bytes %zu", log_bytes);
  /* the host is still usable and gives the same numbers as a fresh one */
  double w[10], w_fresh[10];
  CHECK_MSG(normal_sizing(h, w) == FOLIO_OK, "after %s: %s", c->id, folio_host_error(h));
  folio_host *fresh = new_host(64);
  CHECK(fresh && normal_sizing(fresh, w_fresh) == FOLIO_OK);
  CHECK(memcmp(w, w_fresh, sizeof w) == 0);
  CHECK_NEAR(w[3], 1.0 / 6, 1e-15); /* D has the largest signal: long 0.5 / 3 */
  folio_host_destroy(fresh);
  folio_host_destroy(h);
  return tl_finish(c->id);
}

/* Special cases that need more than one run. */
static int special(const char *id) {
  folio_host *h = new_host(64);
  CHECK(h != NULL);
  if (!h) return tl_finish(id);
  if (strcmp(id, "stdlib_overwrite_then_next_run_clean") == 0) {
    const char *a = "string = nil math = nil folio = nil";
    CHECK(folio_host_run_string(h, "=A", a, strlen(a)) == FOLIO_OK);
    const char *a2 = "string.format = nil";
    CHECK(folio_host_run_string(h, "=A2", a2, strlen(a2)) == FOLIO_ELUA);
    const char *b = "assert(string.format('%d', 7) == '7' and math.floor(1.5) == 1 and folio.sizers)";
    CHECK_MSG(folio_host_run_string(h, "=B", b, strlen(b)) == FOLIO_OK, "%s", folio_host_error(h));
  } else if (strcmp(id, "globals_do_not_leak") == 0) {
    const char *a = "leak = 42";
    CHECK(folio_host_run_string(h, "=A", a, strlen(a)) == FOLIO_OK);
    const char *b = "assert(leak == nil, 'a global leaked between runs')";
    CHECK_MSG(folio_host_run_string(h, "=B", b, strlen(b)) == FOLIO_OK, "%s", folio_host_error(h));
  } else if (strcmp(id, "random_reproducible") == 0) {
    /* math.random is seeded by the host before every run: the same seed gives
     * the same draws run after run, another seed other draws, and policies
     * cannot reseed it. */
    const char *a = "assert(math.randomseed == nil, 'randomseed is reachable')";
    CHECK_MSG(folio_host_run_string(h, "=A", a, strlen(a)) == FOLIO_OK, "%s", folio_host_error(h));
    const char *d = "print(math.random(1, 1000000000), math.random(), math.random(1, 6))";
    char first[256], second[256], other[256];
    last_log[0] = '\0';
    CHECK(folio_host_run_string(h, "=D", d, strlen(d)) == FOLIO_OK);
    snprintf(first, sizeof first, "%s", last_log);
    CHECK(folio_host_run_string(h, "=D", d, strlen(d)) == FOLIO_OK);
    snprintf(second, sizeof second, "%s", last_log);
    CHECK_MSG(first[0] && strcmp(first, second) == 0, "'%s' vs '%s'", first, second);
    folio_host *h2 = new_host_seeded(64, 12345);
    CHECK(h2 && folio_host_run_string(h2, "=D", d, strlen(d)) == FOLIO_OK);
    snprintf(other, sizeof other, "%s", last_log);
    CHECK_MSG(strcmp(first, other) != 0, "seed 12345 drew the same as seed 0: %s", other);
    folio_host_destroy(h2);
  } else if (strcmp(id, "policy_global_write") == 0) {
    const char *p = "return folio.policy{name = 'sneaky', params = {}, size = function(ctx, p) "
                    "counter = (counter or 0) + 1 return {A = 1} end}";
    char name[64];
    folio_status st = folio_host_load_policy_string(h, "=sneaky", p, strlen(p), name, sizeof name);
    CHECK_MSG(st == FOLIO_OK, "%s", folio_host_error(h));
    static const char *syms[] = {"A"};
    folio_host_sizing in = {0};
    in.n_assets = 1;
    in.symbols = syms;
    in.nav_usd = 1;
    double w[1];
    st = folio_host_size(h, "sneaky", &in, w);
    CHECK_MSG(st == FOLIO_ELUA && strstr(folio_host_error(h), "may not set global"), "%d %s", st,
              folio_host_error(h));
  } else if (strcmp(id, "bytecode_file") == 0) {
    char path[] = "/tmp/folio-hostile-XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    if (fd >= 0) {
      CHECK(write(fd, "\x1bLua\x54\x00", 6) == 6);
      close(fd);
      folio_status st = folio_host_run_file(h, path, 0, NULL);
      CHECK_MSG(st == FOLIO_EPARSE && strstr(folio_host_error(h), "binary"), "%s", folio_host_error(h));
      st = folio_host_load_policy_file(h, path, NULL, 0);
      CHECK_MSG(st == FOLIO_EPARSE && strstr(folio_host_error(h), "binary"), "%s", folio_host_error(h));
      unlink(path);
    }
  } else if (strcmp(id, "mem_rss_stable") == 0) {
    /* A memory bomb 1000 times on one host (each discards and rebuilds the
     * engine), then normal sizings: resident memory must not grow. */
    folio_host *small = new_host(8);
    CHECK(small != NULL);
    const char *bomb = "local t = {} for i = 1, 1e12 do t[i] = i end";
    double w[10];
    long start = 0;
    int bad = 0;
    for (int i = 0; i < 1000 && small; i++) {
      if (folio_host_run_string(small, "=bomb", bomb, strlen(bomb)) != FOLIO_EMEMORY) bad++;
      if (normal_sizing(small, w) != FOLIO_OK) bad++;
      if (i == 20) start = rss_kib();
    }
    long end = rss_kib();
    CHECK_MSG(bad == 0, "%d runs misbehaved", bad);
#if defined(__SANITIZE_ADDRESS__)
    /* ASan quarantines freed memory, so RSS says nothing here; LeakSanitizer
     * checks the same property (every rebuilt engine is freed) at exit. */
    (void)start;
#else
    CHECK_MSG(end - start < 32 * 1024, "RSS grew from %ld KiB to %ld KiB", start, end);
#endif
    printf("mem_rss_stable: RSS %ld KiB after 20 rebuilds, %ld KiB after 1000\n", start, end);
    folio_host_destroy(small);
  } else if (strcmp(id, "policy_path_replaces_shipped") == 0 || strcmp(id, "policy_path_override_allowed") == 0) {
    /* A policy folder's file named like a shipped policy, a built-in or an
     * earlier folder's policy: an error naming the policy and both files,
     * unless allow_override says so explicitly. */
    int allow = strcmp(id, "policy_path_override_allowed") == 0;
    char tmp[] = "/tmp/folio-hostile-pol-XXXXXX", dirs[256], path[300];
    CHECK(mkdtemp(tmp) != NULL);
    static const char *const folders[] = {"shadow", "builtin", "one", "two"};
    for (int i = 0; i < 4; i++) {
      snprintf(path, sizeof path, "%s/%s", tmp, folders[i]);
      CHECK(mkdir(path, 0755) == 0);
    }
    static const char *const evil = "return folio.policy{name = 'kelly_voltarget_12', description = 'evil', "
                                    "size = function(ctx, p) return {A = 1} end}";
    static const char *const twin = "return folio.policy{name = 'mine', size = function(ctx, p) return {A = 1} end}";
    snprintf(path, sizeof path, "%s/shadow/k12.lua", tmp);
    CHECK(put_file(path, evil) == 0);
    snprintf(path, sizeof path, "%s/builtin/fw.lua", tmp);
    CHECK(put_file(path, "return folio.policy{name = 'fixed_weight', size = function() return {} end}") == 0);
    snprintf(path, sizeof path, "%s/one/a.lua", tmp);
    CHECK(put_file(path, twin) == 0);
    snprintf(path, sizeof path, "%s/two/b.lua", tmp);
    CHECK(put_file(path, twin) == 0);
    struct {
      const char *folders, *needle1, *needle2;
    } tries[] = {
        {"shadow", "the shipped policy 'kelly_voltarget_12' of ", "policies/kelly_voltarget_12.lua"},
        {"builtin", "policy 'fixed_weight' of ", "would replace the built-in sizer 'fixed_weight'"},
        {"one:two", "/two/b.lua would replace the policy 'mine' of ", "/one/a.lua"},
    };
    for (size_t i = 0; i < sizeof tries / sizeof tries[0]; i++) {
      folio_host_opts o = folio_host_defaults();
      dirs[0] = '\0';
      for (const char *p = tries[i].folders; *p;) { /* "one:two" -> "TMP/one:TMP/two" */
        const char *e = strchr(p, ':');
        size_t k = e ? (size_t)(e - p) : strlen(p);
        size_t used = strlen(dirs);
        snprintf(dirs + used, sizeof dirs - used, "%s%s/%.*s", used ? ":" : "", tmp, (int)k, p);
        p += k + (e ? 1 : 0);
      }
      o.policy_path = dirs;
      o.allow_override = allow;
      o.log = count_log;
      folio_host *ph = NULL;
      folio_error err;
      folio_status st = folio_host_create(&o, &ph, &err);
      if (allow) {
        CHECK_MSG(st == FOLIO_OK, "%s: %s", tries[i].folders, err.message);
        if (i == 0 && ph) { /* replaced on purpose: the folder's policy is the one registered */
          const char *q = "assert(folio.registry.get('kelly_voltarget_12').description == 'evil')";
          CHECK_MSG(folio_host_run_string(ph, "=q", q, strlen(q)) == FOLIO_OK, "%s", folio_host_error(ph));
        }
      } else {
        CHECK_MSG(st == FOLIO_ELUA && ph == NULL, "%s: status %d", tries[i].folders, (int)st);
        CHECK_MSG(strstr(err.message, tries[i].needle1) && strstr(err.message, tries[i].needle2) &&
                      strstr(err.message, "allow_override") && strstr(err.message, tmp),
                  "%s: %s", tries[i].folders, err.message);
      }
      folio_host_destroy(ph);
    }
    /* the shipped policy is intact in a host made without the folder */
    const char *q = "assert(folio.registry.get('kelly_voltarget_12').description ~= 'evil')";
    CHECK_MSG(folio_host_run_string(h, "=q", q, strlen(q)) == FOLIO_OK, "%s", folio_host_error(h));
    snprintf(path, sizeof path, "%s", tmp);
    remove_tree(path);
  } else {
    fprintf(stderr, "unknown case '%s'\n", id);
    folio_host_destroy(h);
    return 2;
  }
  double w[10];
  CHECK_MSG(normal_sizing(h, w) == FOLIO_OK, "after %s: %s", id, folio_host_error(h));
  folio_host_destroy(h);
  return tl_finish(id);
}

/* ---- bounds inside folio's C (issue 11, item 2): long core loops poll the
 * run's deadline through folio_cancel. Each case runs with its own budget
 * and must end with the status within max_seconds plus FL_GRACE, then the
 * host must size normally (bit-identical to a fresh host). ---- */

/* The grace checked here: the longest uninterruptible stretch measured is
 * 0.2-0.3 s on an idle machine (a Cholesky of 3,000 x 3,000, an NLopt step at
 * 400 variables; docs/sandbox.md); sanitizers and a machine shared with
 * parallel builds (ctest -j, load 10 on 2 cores: up to 0.7 s) get room on top. */
#if defined(__SANITIZE_ADDRESS__)
#define FL_GRACE 5.0
#else
#define FL_GRACE 2.0
#endif

/* A T x n return panel from a fixed LCG, as a labelled matrix R. */
#define BOUND_PANEL(T, N)                                                                      \
  "local n, T = " #N ", " #T " local rows, labels = {}, {} "                                    \
  "for j = 1, n do labels[j] = string.format('S%04d', j) end local seed = 12345 "               \
  "local function rnd() seed = (seed * 1103515245 + 12345) % 2147483648 "                       \
  "return seed / 2147483648 - 0.5 end "                                                          \
  "for t = 1, T do local r = {} for j = 1, n do r[j] = 0.01 * rnd() * (1 + (j * 7919) % 13) end " \
  "rows[t] = r end local R = folio.matrix{cols = labels, table.unpack(rows)} "

/* A box-constrained quadratic objective on n variables for folio.optimize. */
#define BOUND_OPTIMIZE(N, ALG)                                                                 \
  "local x0 = {} for i = 1, " #N " do x0[i] = 0.5 end "                                          \
  "folio.optimize{objective = function(x) local s = 0 for i = 1, #x do "                          \
  "local d = x[i] - 0.1 * (i % 7) s = s + d * d end return s end, "                               \
  "x0 = x0, lower = 0, upper = 1, algorithm = '" ALG "', maxeval = 10000000}"

typedef struct bcase {
  const char *id;
  const char *script;
  double max_seconds;
  size_t mem_mb;
  int status;
  const char *needle;
} bcase;

static const bcase bound_cases[] = {
  {"risk_parity_tol_tiny",
   "local n = 20 local labels, rows = {}, {} for i = 1, n do labels[i] = 'A' .. i end "
   "for i = 1, n do local r = {} for j = 1, n do r[j] = i == j and 0.04 + 0.001 * i "
   "or 0.001 * ((i * 7 + j * 7) % 5) end rows[i] = r end "
   "local cov = folio.matrix{rows = labels, cols = labels, table.unpack(rows)} "
   "pcall(folio.sizers.risk_parity, {cov = cov, max_iter = 1e6, tol = 1e-300})",
   0.5, 64, TO, "exceeded in risk_parity: cancelled at"},
  {"risk_parity_3000",
   BOUND_PANEL(80, 3000) "local cov = folio.risk_model.ledoit_wolf{returns = R} "
   "for i = 1, 50 do pcall(folio.sizers.risk_parity, {cov = cov}) end", /* a fast machine ends one call in 1 s */
   1.0, 512, TO, "exceeded in risk_parity"},
  {"optimize_cobyla_2000", BOUND_OPTIMIZE(2000, "LN_COBYLA"), 2, 512, ERR,
   "LN_COBYLA does dense O(n^3) work between objective calls: at most 400 variables"},
  {"optimize_bobyqa_2000", BOUND_OPTIMIZE(2000, "LN_BOBYQA"), 2, 512, ERR,
   "LN_BOBYQA does dense O(n^3) work between objective calls: at most 400 variables"},
  {"optimize_bobyqa_400", /* looped: a fast machine may finish one solve before the deadline */
   "for i = 1, 50 do pcall(function() " BOUND_OPTIMIZE(400, "LN_BOBYQA") " end) end", 0.5, 512,
   TO, "exceeded"},
  {"optimize_slsqp_400",
   "local n = 400 local x0 = {} for i = 1, n do x0[i] = 0.5 end "
   "pcall(folio.optimize, {objective = function(x, g) local s = 0 for i = 1, n do "
   "local d = x[i] - 0.1 * (i % 7) s = s + d * d if g then g[i] = 2 * d end end return s end, "
   "inequality = {function(x, g) local s = 0 for i = 1, n do s = s + x[i] * x[i] "
   "if g then g[i] = 2 * x[i] end end return s - 1 end}, "
   "x0 = x0, lower = 0, upper = 1, algorithm = 'LD_SLSQP', maxeval = 10000000, xtol_rel = 0}) "
   "while true do end",
   0.5, 512, TO, "exceeded"},
  {"allocator_mip_3000",
   "local c, sectors, caps = {}, {}, {} local seed = 7 "
   "local function rnd() seed = (seed * 1103515245 + 12345) % 2147483648 return seed / 2147483648 end "
   "for i = 1, 3000 do local s = string.format('S%04d', i) "
   "c[i] = {symbol = s, score = 0.5 + 0.1 * rnd(), price = 100 + 900 * rnd()} sectors[s] = 'g' .. (i % 37) end "
   "for k = 0, 36 do caps['g' .. k] = 0.05 end "
   "pcall(folio.allocator.allocate, {candidates = c, capital = 1e5, max_weight = 0.0334, "
   "min_weight = 0.0333, max_positions = 30, sectors = sectors, sector_caps = caps, time_limit = 600})",
   1.0, 512, TO, "exceeded in allocate"},
  {"repair_higham_400",
   "local n = 400 local labels, rows = {}, {} local seed = 3 "
   "local function rnd() seed = (seed * 1103515245 + 12345) % 2147483648 return seed / 2147483648 end "
   "for i = 1, n do labels[i] = 'A' .. i rows[i] = {} end "
   "for i = 1, n do rows[i][i] = 1 for j = i + 1, n do local v = 1.8 * rnd() - 0.9 "
   "rows[i][j] = v rows[j][i] = v end end "
   "local cov = folio.matrix{rows = labels, cols = labels, table.unpack(rows)} "
   /* 1.5 s: building the matrix in Lua fits under load and ASan; the loop keeps a fast
    * machine inside the repair when the deadline comes */
   "for k = 1, 50 do pcall(folio.risk_model.repair, {cov = cov, method = 'higham'}) end",
   1.5, 512, TO, "exceeded in cov_repair: cancelled at Higham iteration"},
  {NULL, NULL, 0, 0, 0, NULL},
};

static int run_bound_case(const bcase *c) {
  folio_host_opts o = folio_host_defaults();
  o.max_instructions = 200000000;
  o.max_seconds = c->max_seconds;
  o.max_memory = c->mem_mb << 20;
  o.log = count_log;
  folio_host *h = NULL;
  folio_error err;
  CHECK_MSG(folio_host_create(&o, &h, &err) == FOLIO_OK, "%s", err.message);
  if (!h) return tl_finish(c->id);
  double t0 = now_seconds();
  folio_status st = folio_host_run_string(h, "=hostile", c->script, strlen(c->script));
  double elapsed = now_seconds() - t0;
  const char *msg = folio_host_error(h);
  CHECK_MSG(st == c->status, "%s: status %d, wanted %d: %s", c->id, (int)st, c->status, msg);
  if (c->needle)
    CHECK_MSG(strstr(msg, c->needle) != NULL, "%s: message lacks '%s': %s", c->id, c->needle, msg);
  CHECK_MSG(strstr(msg, "0x") == NULL, "%s: message shows an address: %s", c->id, msg);
  CHECK_MSG(elapsed <= c->max_seconds + FL_GRACE, "%s: ran %.3f s with max_seconds %g", c->id,
            elapsed, c->max_seconds);
  printf("%s: %.3f s with max_seconds %g (overshoot %+.3f s): %.120s\n", c->id, elapsed,
         c->max_seconds, elapsed - c->max_seconds, msg);
  double w[10], w_fresh[10];
  CHECK_MSG(normal_sizing(h, w) == FOLIO_OK, "after %s: %s", c->id, folio_host_error(h));
  folio_host *fresh = new_host(64);
  CHECK(fresh && normal_sizing(fresh, w_fresh) == FOLIO_OK);
  CHECK(memcmp(w, w_fresh, sizeof w) == 0);
  folio_host_destroy(fresh);
  folio_host_destroy(h);
  return tl_finish(c->id);
}
/* ---- end of the bounds inside C ---- */

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: hostile <case>\n");
    return 2;
  }
  for (const hcase *c = cases; c->id; c++)
    if (strcmp(c->id, argv[1]) == 0) return run_case(c);
  for (const bcase *c = bound_cases; c->id; c++) /* bounds inside C */
    if (strcmp(c->id, argv[1]) == 0) return run_bound_case(c);
  return special(argv[1]);
}
