/*
 * bench_turnover_factored.c — folio_turnover_project_factored at the shapes
 * of the fund's rebalance: T = 252, 504, 1,260 rows of returns and n = 1,000,
 * 3,000 names, the covariance Ledoit-Wolf in factor form
 * (folio_ledoit_wolf_factor), ~300 names held, a target far from them, caps
 * 0.05 and a budget that binds hard (20 % of the needed move). The bound is
 * one dsyrk of the same T x n returns (forming the n x n covariance), run
 * interleaved with the solve. `folio_bench turnover_big`; FOLIO_BENCH_T and
 * FOLIO_BENCH_N pick one shape (for callgrind), FOLIO_BENCH_REPS the repeats.
 */
#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "folio/panel.h"
#include "folio/risk_model.h"
#include "folio/turnover.h"

typedef struct bctx {
  size_t n, T;
  double *x, *gram, *t, *w0, *caps, *w, budget;
  folio_cov_factor f;
  void *work;
  folio_turnover_info info;
} bctx;

static void run_solve(void *p) {
  bctx *c = p;
  folio_error err;
  if (folio_turnover_project_factored(c->n, c->t, c->w0, &c->f, c->caps, c->budget, NULL, c->w,
                                      &c->info, c->work, &err) != FOLIO_OK)
    fprintf(stderr, "bench_turnover_factored: %s\n", err.message);
}

static void run_syrk(void *p) {
  bctx *c = p;
  cblas_dsyrk(CblasColMajor, CblasUpper, CblasTrans, (int)c->n, (int)c->T, 1.0, c->x, (int)c->T, 0.0,
              c->gram, (int)c->n);
}

static void big_case(size_t T, size_t n, int reps) {
  bctx c;
  memset(&c, 0, sizeof c);
  c.n = n, c.T = T;
  double *ret = malloc(sizeof(double) * T * n), *mkt = malloc(sizeof(double) * T);
  double *beta = malloc(sizeof(double) * n), *z = malloc(sizeof(double) * 2 * n);
  c.x = malloc(sizeof(double) * T * n);
  c.gram = malloc(sizeof(double) * n * n);
  c.t = malloc(sizeof(double) * n), c.w0 = malloc(sizeof(double) * n);
  c.caps = malloc(sizeof(double) * n), c.w = malloc(sizeof(double) * n);
  /* daily returns: a market factor (betas around 1) plus idiosyncratic noise */
  bench_fill_normal(ret, T * n, 9001 + T + n);
  bench_fill_normal(mkt, T, 31 + T);
  bench_fill_normal(beta, n, 37 + n);
  for (size_t j = 0; j < n; j++)
    for (size_t s = 0; s < T; s++)
      ret[s + j * T] = 0.01 * (1 + 0.3 * beta[j]) * mkt[s] + 0.02 * ret[s + j * T];
  folio_panel pan = folio_panel_make(ret, T, n);
  size_t used = 0;
  double diag = 0, weight = 0;
  folio_lw_info li;
  folio_error err;
  if (folio_ledoit_wolf_factor(&pan, FOLIO_MISSING_ERROR, 252.0, c.x, T, &used, &diag, &weight, NULL,
                               &li, &err) != FOLIO_OK)
    fprintf(stderr, "bench_turnover_factored: %s\n", err.message);
  c.f = (folio_cov_factor){used, c.x, T, diag, weight};
  /* 300 names held equally; the target: 400 other names (some above the cap)
   * and a third of the held ones kept */
  bench_fill_normal(z, 2 * n, 555 + n);
  double need = 0;
  for (size_t i = 0; i < n; i++) {
    c.w0[i] = i % (n / 300) == 0 ? 1.0 / 300 : 0;
    c.t[i] = 0;
    if (c.w0[i] > 0 && z[i] > 0.4) c.t[i] = c.w0[i] * (1 + 0.5 * z[n + i]);
    if (i % (n / 400) == 1) c.t[i] = 0.0025 * (1 + 2.0 * (z[n + i] > 0 ? z[n + i] : -z[n + i]));
    c.caps[i] = 0.05;
    double tc = c.t[i] > 0.05 ? 0.05 : (c.t[i] < -0.05 ? -0.05 : c.t[i]);
    need += tc > c.w0[i] ? tc - c.w0[i] : c.w0[i] - tc;
  }
  c.budget = 0.2 * need;
  c.work = malloc(folio_turnover_factored_work_size(n, T));
  double bound, tf = bench_interleaved(run_solve, &c, run_syrk, &c, reps, &bound);
  char size[32], what[64];
  snprintf(size, sizeof size, "%zu, T=%zu", n, T);
  snprintf(what, sizeof what, "turnover %s", c.info.method);
  bench_row(what, size, tf, bound, "dsyrk T x n");
  printf("|   %d iterations, %d active-set solves, %zu traded, KKT residual %.1e, converged %d, "
         "shrinkage %.3f |\n",
         c.info.iterations, c.info.polishes, c.info.n_traded, c.info.kkt_residual, c.info.converged,
         li.shrinkage);
  free(ret), free(mkt), free(beta), free(z), free(c.x), free(c.gram), free(c.t), free(c.w0);
  free(c.caps), free(c.w), free(c.work);
}

void bench_turnover_big(void) {
  static const size_t Ts[] = {252, 504, 1260}, ns[] = {1000, 3000};
  const char *te = getenv("FOLIO_BENCH_T"), *ne = getenv("FOLIO_BENCH_N"), *re = getenv("FOLIO_BENCH_REPS");
  size_t only_t = te ? (size_t)atol(te) : 0, only_n = ne ? (size_t)atol(ne) : 0;
  int reps = re ? atoi(re) : 5;
  for (int a = 0; a < 2; a++)
    for (int b = 0; b < 3; b++) {
      if ((only_t && Ts[b] != only_t) || (only_n && ns[a] != only_n)) continue;
      big_case(Ts[b], ns[a], reps);
    }
}
