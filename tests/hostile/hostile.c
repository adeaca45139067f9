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
#include <string.h>
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

static size_t log_bytes;
static char last_log[256]; /* the last print() line, for comparing outputs */
static void count_log(void *ud, const char *text, size_t len) {
  (void)ud;
  log_bytes += len;
  size_t n = len < sizeof last_log - 1 ? len : sizeof last_log - 1;
  memcpy(last_log, text, n);
  last_log[n] = '\0';
}

static folio_host *new_host_seeded(size_t mem_mb, uint64_t seed) {
  folio_host_opts o = folio_host_defaults();
  o.seed = seed;
  o.max_instructions = 50000000; /* a few tenths of a second of Lua */
  o.max_seconds = 10;
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

static int run_case(const hcase *c) {
  folio_host *h = new_host(64);
  CHECK(h != NULL);
  if (!h) return tl_finish(c->id);
  folio_status st = folio_host_run_string(h, "=hostile", c->script, strlen(c->script));
  const char *msg = folio_host_error(h);
  CHECK_MSG(st == c->status || (c->alt_status && st == c->alt_status),
            "%s: status %d, wanted %d: %s", c->id, (int)st, c->status, msg);
  /* the needle describes the expected status; an accepted alternative (e.g. the memory
   * budget tripping before the stack limit) has its own message */
  if (c->needle && st == c->status)
    CHECK_MSG(strstr(msg, c->needle) != NULL, "%s: message lacks '%s': %s", c->id, c->needle, msg);
  CHECK_MSG(strlen(msg) < 4096, "%s: message of %zu bytes", c->id, strlen(msg));
  CHECK_MSG(strstr(msg, "0x") == NULL, "%s: message shows an address: %s", c->id, msg);
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

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: hostile <case>\n");
    return 2;
  }
  for (const hcase *c = cases; c->id; c++)
    if (strcmp(c->id, argv[1]) == 0) return run_case(c);
  return special(argv[1]);
}
