/*
 * bench_backtest.c — folio.backtest on a synthetic panel (a seeded one-factor
 * model over business days from 2005-01-03), through the same rebalance as
 * `folio rebalance`:
 *
 *   backtest_500   500 names, weekly, one sleeve (12-1 momentum, equal-weight
 *                  long/short) composed with a Ledoit–Wolf covariance under a
 *                  20 % weekly turnover budget, linear and impact costs.
 *                  Per rebalance against one bare dsyrk of the 252 x 500
 *                  window (a year of rebalances, each followed by as many
 *                  dsyrk calls: interleaved), then the whole 20-year run once.
 *   backtest_3000  3,000 names, monthly, three sleeves (1,000 names each), HRP
 *                  overlay, the turnover budget; per rebalance against one
 *                  dsyrk of the 252 x 3000 window.
 *
 * The panels are generated in a first, untimed step. FOLIO_BENCH_REPS sets
 * the repetitions (default 3); FOLIO_BENCH_BACKTEST_FULL=0 skips the 20-year run.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cblas.h>

#include "bench.h"
#include "folio/host.h"

/* PANEL(A, T, name): prices and volumes of A names over T business days. */
static const char panel_fn[] =
    "function BENCH_PANEL(A, T, seed)\n"
    "  local function u() seed = (seed * 6364136223846793005 + 1442695040888963407) % 9007199254740993\n"
    "    return (seed % 1000003) / 1000003 end\n"
    "  local function gauss() return math.sqrt(-2 * math.log(u() + 1e-12)) * math.cos(2 * math.pi * u()) end\n"
    "  local syms = {} for j = 1, A do syms[j] = string.format('S%04d', j) end\n"
    "  local dates, d = {}, 12784 -- 2005-01-03 in days since 1970-01-01\n"
    "  while #dates < T do\n"
    "    local wd = (d + 3) % 7 -- 0 = Monday\n"
    "    if wd < 5 then dates[#dates + 1] = os.date('!%Y-%m-%d', d * 86400) end\n"
    "    d = d + 1\n"
    "  end\n"
    "  local p, v = {rows = dates, cols = syms}, {rows = dates, cols = syms}\n"
    "  local level, beta, vol = {}, {}, {}\n"
    "  for j = 1, A do level[j] = 20 + 100 * u() beta[j] = 0.5 + u() vol[j] = 0.01 + 0.02 * u() end\n"
    "  for t = 1, T do\n"
    "    local rp, rv, f = {}, {}, gauss() * 0.01\n"
    "    for j = 1, A do\n"
    "      level[j] = level[j] * math.exp(beta[j] * f + vol[j] * gauss() + 0.0002)\n"
    "      rp[j], rv[j] = level[j], 1e6 * (1 + u())\n"
    "    end\n"
    "    p[t], v[t] = rp, rv\n"
    "  end\n"
    "  return folio.matrix(p), folio.matrix(v), syms\n"
    "end\n"
    "function BENCH_LIST(syms, a, b) local t = {} for j = a, b do t[#t + 1] = syms[j] end return '[' .. table.concat(t, ', ') .. ']' end\n"
    "function BENCH_SHARES(r)\n"
    "  local keys = {'inputs', 'signals', 'sizing', 'capacity', 'compose', 'orders', 'guards', 'submit', 'record'}\n"
    "  local t, parts, inside = r.timings, {}, 0\n"
    "  for _, k in ipairs(keys) do inside = inside + (t.stages[k] or 0) end\n"
    "  for _, k in ipairs(keys) do parts[#parts + 1] = string.format('%s %.0f%%', k, 100 * (t.stages[k] or 0) / t.loop) end\n"
    "  parts[#parts + 1] = string.format('marking and fills %.0f%%', 100 * (t.loop - inside) / t.loop)\n"
    "  return table.concat(parts, ', ')\n"
    "end\n";

static const char setup_500[] =
    "B5_PRICES, B5_VOLUMES, B5_SYMS = BENCH_PANEL(500, 5040, 7)\n"
    "B5_FUND = folio.config.parse{name = 'bench500.yaml', sizers = false, text = table.concat({\n"
    "  'fund: {id: bench500, nav: 100000000, currency: USD}',\n"
    "  'sessions: {RTH: {sizer: equal_weight_ls, gross_cap: 1.0}}',\n"
    "  'sleeves:',\n"
    "  '  - {name: core, sizer: equal_weight_ls, asset_class: equities, rebalance: weekly, allocation: 1.0,',\n"
    "  '     signal: {name: momentum_12_1}, params: {n_long: 50, n_short: 50}, universe: ' .. BENCH_LIST(B5_SYMS, 1, 500) .. '}',\n"
    "  'limits: {fraction_of_adv: 0.05, adv_lookback_days: 21, max_position_weight: 0.05, max_gross: 2}',\n"
    "  'composition: {overlay: equal, max_weekly_turnover: 0.2, cov_lookback_days: 252}',\n"
    "  'orders: {min_notional: 100}',\n"
    "  'costs: {equities: {linear_bps: 5, impact: 0.1, borrow_rate: 0.01}}'}, '\\n')}\n";

static const char setup_3000[] =
    "B3_PRICES, B3_VOLUMES, B3_SYMS = BENCH_PANEL(3000, 800, 11)\n"
    "B3_FUND = folio.config.parse{name = 'bench3000.yaml', sizers = false, text = table.concat({\n"
    "  'fund: {id: bench3000, nav: 1000000000, currency: USD}',\n"
    "  'sessions: {RTH: {sizer: equal_weight_ls, gross_cap: 1.0}, 24h: {sizer: equal_weight_ls, gross_cap: 1.0}}',\n"
    "  'sleeves:',\n"
    "  '  - {name: a, sizer: equal_weight_ls, asset_class: equities, rebalance: monthly, allocation: 0.5,',\n"
    "  '     signal: {name: momentum_12_1}, params: {n_long: 100, n_short: 100}, universe: ' .. BENCH_LIST(B3_SYMS, 1, 1000) .. '}',\n"
    "  '  - {name: b, sizer: equal_weight_ls, asset_class: equities, rebalance: monthly, allocation: 0.3,',\n"
    "  '     signal: {name: trend_63}, params: {n_long: 100, n_short: 100}, universe: ' .. BENCH_LIST(B3_SYMS, 1001, 2000) .. '}',\n"
    "  '  - {name: c, sizer: equal_weight_ls, asset_class: equities, rebalance: monthly, allocation: 0.2,',\n"
    "  '     signal: {name: reversal_5}, params: {n_long: 100, n_short: 100}, universe: ' .. BENCH_LIST(B3_SYMS, 2001, 3000) .. '}',\n"
    "  'limits: {fraction_of_adv: 0.05, adv_lookback_days: 21, max_position_weight: 0.02, max_gross: 3}',\n"
    "  'composition: {overlay: hrp, hrp_lookback_days: 252, max_weekly_turnover: 0.3, cov_lookback_days: 252}',\n"
    "  'orders: {min_notional: 100}',\n"
    "  'costs: {equities: {linear_bps: 5, impact: 0.1}}'}, '\\n')}\n";

static folio_host *host;

typedef struct run_ctx {
  const char *chunk;
} run_ctx;

static void run_chunk(void *p) {
  run_ctx *r = p;
  if (folio_host_run_string(host, "=bench", r->chunk, strlen(r->chunk)) != FOLIO_OK)
    fprintf(stderr, "bench_backtest: %s\n", folio_host_error(host));
}

typedef struct syrk_ctx {
  int n, t, calls;
  double *x, *c;
} syrk_ctx;

static void bare_syrks(void *p) {
  syrk_ctx *s = p;
  for (int k = 0; k < s->calls; k++)
    cblas_dsyrk(CblasColMajor, CblasUpper, CblasTrans, s->n, s->t, 1.0, s->x, s->t, 0.0, s->c, s->n);
}

/* Rebalances in the last run (BENCH_LAST). */
static int last_rebalances(void) {
  long long n = 0;
  static const char q[] = "return BENCH_LAST.rebalances";
  if (folio_host_eval(host, "=count", q, sizeof q - 1, &n) != FOLIO_OK) return 0;
  return (int)n;
}

static void print_shares(const char *label) {
  char chunk[512];
  snprintf(chunk, sizeof chunk,
           "print(string.format('  %s: %%d rebalances in %%.2f s (%%.2f ms each): %%s', BENCH_LAST.rebalances,"
           " BENCH_LAST.timings.loop, 1e3 * BENCH_LAST.timings.loop / BENCH_LAST.rebalances, BENCH_SHARES(BENCH_LAST)))",
           label);
  if (folio_host_run_string(host, "=shares", chunk, strlen(chunk)) != FOLIO_OK)
    fprintf(stderr, "bench_backtest: %s\n", folio_host_error(host));
}

static int setup(const char *name, const char *text) {
  if (folio_host_run_string(host, name, text, strlen(text)) != FOLIO_OK) {
    fprintf(stderr, "bench_backtest: %s\n", folio_host_error(host));
    return -1;
  }
  return 0;
}

/* One case: a span of rebalances interleaved with as many bare dsyrk calls. */
static void span_case(const char *what, const char *size, const char *chunk, int n, int t, int reps) {
  run_ctx r = {chunk};
  run_chunk(&r); /* counts the rebalances */
  int k = last_rebalances();
  if (k < 1) return;
  syrk_ctx s = {n, t, k, malloc(sizeof(double) * (size_t)n * (size_t)t), malloc(sizeof(double) * (size_t)n * (size_t)n)};
  bench_fill_normal(s.x, (size_t)n * (size_t)t, 5);
  double bare = 0;
  double total = bench_interleaved(run_chunk, &r, bare_syrks, &s, reps, &bare);
  char label[64];
  snprintf(label, sizeof label, "dsyrk %dx%d", t, n);
  bench_row(what, size, total / k, bare / k, label);
  print_shares(what);
  free(s.x);
  free(s.c);
}

void bench_backtest(void) {
  folio_host_opts o = folio_host_defaults();
  o.trusted = 1;
  o.max_memory = 0;
  folio_error err;
  if (folio_host_create(&o, &host, &err) != FOLIO_OK) {
    fprintf(stderr, "bench_backtest: %s\n", err.message);
    return;
  }
  const char *reps_env = getenv("FOLIO_BENCH_REPS");
  int reps = reps_env ? atoi(reps_env) : 3;
  if (setup("=panel", panel_fn) != 0 || setup("=setup500", setup_500) != 0) {
    folio_host_destroy(host);
    return;
  }
  /* a year of weekly rebalances, per rebalance against dsyrk of the window */
  span_case("backtest 500 weekly", "A=500 W=252",
            "BENCH_LAST = folio.backtest.run{fund = B5_FUND, prices = B5_PRICES, volumes = B5_VOLUMES,"
            " from = '2023-01-02', to = '2023-12-29', json = true}",
            500, 252, reps);
  const char *full = getenv("FOLIO_BENCH_BACKTEST_FULL");
  if (!full || strcmp(full, "0") != 0) {
    static const char whole[] =
        "BENCH_LAST = folio.backtest.run{fund = B5_FUND, prices = B5_PRICES, volumes = B5_VOLUMES, json = true}";
    run_ctx r = {whole};
    double t0 = bench_now();
    run_chunk(&r);
    double t = bench_now() - t0;
    int k = last_rebalances();
    printf("| %-22s | %-16s | %10.3f | %10s | %7s | %-16s |\n", "backtest 500 20 years", "A=500 T=5040", t * 1e3, "-",
           "-", "whole run (ms)");
    if (k > 0) printf("  20 years: %.2f s for %d rebalances: %.2f ms per period (goal: under 15 s)\n", t, k, 1e3 * t / k);
    print_shares("20 years");
  }
  if (setup("=setup3000", setup_3000) == 0)
    span_case("backtest 3000 monthly", "A=3000 W=252",
              "BENCH_LAST = folio.backtest.run{fund = B3_FUND, prices = B3_PRICES, volumes = B3_VOLUMES,"
              " from = '2006-01-02', to = '2007-12-31', json = true}",
              3000, 252, reps);
  folio_host_destroy(host);
}
