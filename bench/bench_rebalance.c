/*
 * bench_rebalance.c — a full rebalance at scale: three sleeves over 3,000
 * symbols, covariance from 1,260 days, HRP overlay, turnover-constrained
 * compose, capacity, orders, guards and one store transaction, through the
 * same folio.rebalance driver as `folio rebalance` (the data is generated
 * in a first, untimed run). Reported against one bare dsyrk of the 1260 x
 * 3000 returns, and with the compose step's share.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cblas.h>

#include "bench.h"
#include "folio/host.h"

static const char setup[] =
    "local A, T = 3000, 1261\n"
    "local seed = 7\n"
    "local function u() seed = (seed * 6364136223846793005 + 1442695040888963407) % 9007199254740993\n"
    "  return (seed % 1000003) / 1000003 end\n"
    "local syms = {} for j = 1, A do syms[j] = string.format('S%04d', j) end\n"
    "local dates = {} for t = 1, T do dates[t] = string.format('%04d-%02d-%02d', 2019 + t // 365, (t // 31) % 12 + 1, t % 28 + 1) end\n"
    "for t = 1, T do dates[t] = string.format('2019-01-01T%02d:%02d:%02dZ', t // 3600, (t // 60) % 60, t % 60) end\n"
    "local p, v = {rows = dates, cols = syms}, {rows = dates, cols = syms}\n"
    "local level = {} for j = 1, A do level[j] = 50 + 100 * u() end\n"
    "for t = 1, T do local rp, rv = {}, {} local m = (u() - 0.5) * 0.02\n"
    "  for j = 1, A do level[j] = level[j] * (1 + m + (u() - 0.5) * 0.03) rp[j] = level[j] rv[j] = 1e5 + 1e6 * u() end\n"
    "  p[t], v[t] = rp, rv end\n"
    "BENCH_PRICES, BENCH_VOLUMES = folio.matrix(p), folio.matrix(v)\n"
    "local function uni(a, b) local t = {} for j = a, b do t[#t + 1] = syms[j] end return '[' .. table.concat(t, ', ') .. ']' end\n"
    "BENCH_FUND = folio.config.parse{name = 'bench.yaml', sizers = false, text = table.concat({\n"
    "  'fund: {id: bench, nav: 100000000, currency: USD}',\n"
    "  'sessions: {RTH: {sizer: equal_weight_ls}, 24h: {sizer: equal_weight_ls}}',\n"
    "  'sleeves:',\n"
    "  '  - {name: a, sizer: equal_weight_ls, asset_class: equities, rebalance: weekly, allocation: 0.5,',\n"
    "  '     signal: {name: momentum_12_1}, params: {n_long: 100, n_short: 100}, universe: ' .. uni(1, 1000) .. '}',\n"
    "  '  - {name: b, sizer: equal_weight_ls, asset_class: crypto, rebalance: weekly, allocation: 0.3,',\n"
    "  '     signal: {name: momentum_12_1}, params: {n_long: 100, n_short: 100}, universe: ' .. uni(1001, 2000) .. '}',\n"
    "  '  - {name: c, sizer: equal_weight_ls, asset_class: crypto, rebalance: weekly, allocation: 0.2,',\n"
    "  '     signal: {name: momentum_12_1}, params: {n_long: 100, n_short: 100}, universe: ' .. uni(2001, 3000) .. '}',\n"
    "  'limits: {fraction_of_adv: 0.01, adv_lookback_days: 21, max_position_weight: 0.05, max_gross: 3}',\n"
    "  'composition: {overlay: hrp, hrp_lookback_days: 252, max_weekly_turnover: 0.30, cov_lookback_days: 1260}',\n"
    "  'guards: {max_leverage: 3, max_adv_fraction: 0.1, mode: scale}',\n"
    "  'orders: {min_notional: 100}'}, '\\n')}\n"
    "local book = {} for j = 1, 300 do book[#book + 1] = {symbol = syms[j * 10], quantity = 1000, avg_price = 100} end\n"
    "-- a batching adapter, as the file OMS: orders are marked submitted once, after flush\n"
    "BENCH_OMS = {get_positions = function() return book end, get_nav = function() return 1e8 end, submit = function() end,\n"
    "  flush = function() end}\n";

static char run_chunk[512];

static folio_host *host;

static void run_rebalance(void *unused) {
  (void)unused;
  if (folio_host_run_string(host, "=bench", run_chunk, strlen(run_chunk)) != FOLIO_OK)
    fprintf(stderr, "bench_rebalance: %s\n", folio_host_error(host));
}

typedef struct syrk_ctx {
  double *x, *c;
} syrk_ctx;

static void bare_syrk(void *p) {
  syrk_ctx *s = p;
  cblas_dsyrk(CblasColMajor, CblasUpper, CblasTrans, 3000, 1260, 1.0, s->x, 1260, 0.0, s->c, 3000);
}

void bench_rebalance(void) {
  folio_host_opts o = folio_host_defaults();
  o.trusted = 1;
  o.max_memory = 0;
  folio_error err;
  if (folio_host_create(&o, &host, &err) != FOLIO_OK) {
    fprintf(stderr, "bench_rebalance: %s\n", err.message);
    return;
  }
  if (folio_host_run_string(host, "=setup", setup, sizeof setup - 1) != FOLIO_OK) {
    fprintf(stderr, "bench_rebalance: %s\n", folio_host_error(host));
    folio_host_destroy(host);
    return;
  }
  char db[] = "/tmp/folio-bench-XXXXXX";
  int fd = mkstemp(db);
  if (fd >= 0) close(fd);
  unlink(db);
  /* a fresh store each run, so every run trades the full budget */
  snprintf(run_chunk, sizeof run_chunk,
           "os.remove('%s') os.remove('%s-wal') os.remove('%s-shm')\n"
           "os.remove('%s.lock')\n"
           "BENCH_LAST = folio.rebalance.run{fund = BENCH_FUND, prices = BENCH_PRICES, volumes = BENCH_VOLUMES,"
           " oms = BENCH_OMS, store = '%s', asof = '2019-01-02T17:00:00Z', log = function() end}\n",
           db, db, db, db, db);
  syrk_ctx s = {malloc(sizeof(double) * 1260 * 3000), malloc(sizeof(double) * 3000 * 3000)};
  bench_fill_normal(s.x, (size_t)1260 * 3000, 5);
  double bare = 0;
  double total = bench_interleaved(run_rebalance, NULL, bare_syrk, &s, 5, &bare);
  bench_row("rebalance 3 sleeves", "A=3000 T=1260", total, bare, "dsyrk 1260x3000");
  static const char shares[] =
      "local t = BENCH_LAST.timings\n"
      "local keys = {'inputs', 'signals', 'sizing', 'capacity', 'compose', 'orders', 'guards', 'submit', 'record'}\n"
      "local parts = {}\n"
      "for _, k in ipairs(keys) do parts[#parts + 1] = string.format('%s %.0f%%', k, 100 * t[k] / t.total) end\n"
      "print('  last run: ' .. string.format('%.0f ms: ', 1e3 * t.total) .. table.concat(parts, ', '))\n";
  if (folio_host_run_string(host, "=shares", shares, sizeof shares - 1) != FOLIO_OK)
    fprintf(stderr, "bench_rebalance: %s\n", folio_host_error(host));
  free(s.x);
  free(s.c);
  unlink(db);
  folio_host_destroy(host);
}
