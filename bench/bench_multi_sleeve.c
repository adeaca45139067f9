/*
 * bench_multi_sleeve.c — the turnover-budgeted composition step
 * (folio_turnover_project; goal < 50 ms at 500 symbols with a covariance)
 * against a bare copy + dpotrf of the same size; 3,000 symbols with the
 * identity and with a dense factor-model covariance; and, once per run, the
 * NLopt algorithms the issue suggested (SLSQP, CCSAQ, MMA on the split
 * formulation w = w0 + u - v, u, v >= 0, sum(u + v) <= B) at 500 symbols,
 * with the objective gap each reaches — the measurements behind the solver
 * choice documented in docs/lua-api.md.
 */
#include <cblas.h>
#include <lapacke.h>
#include <math.h>
#include <nlopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "folio/multi_sleeve.h"
#include "folio/panel.h"
#include "folio/risk_model.h"
#include "folio/turnover.h"

typedef struct tctx {
  size_t n;
  double *Q, *t, *w0, *w, *copy, budget;
  void *work;
  int identity;
  folio_turnover_info info;
} tctx;

static void run_turnover(void *p) {
  tctx *c = p;
  folio_error err;
  if (folio_turnover_project(c->n, c->t, c->w0, c->identity ? NULL : c->Q, c->n, NULL, c->budget,
                             NULL, c->w, &c->info, c->work, &err) != FOLIO_OK)
    fprintf(stderr, "bench_multi_sleeve: %s\n", err.message);
}

static void run_potrf(void *p) {
  tctx *c = p;
  memcpy(c->copy, c->Q, sizeof(double) * c->n * c->n);
  if (LAPACKE_dpotrf(LAPACK_COL_MAJOR, 'U', (lapack_int)c->n, c->copy, (lapack_int)c->n) != 0)
    fprintf(stderr, "bench_multi_sleeve: bare factorisation failed\n");
}

/* Sigma = annualised factor model: 1 market + 10 sector factors + idiosyncratic. */
static void factor_cov(size_t n, double *Q, uint64_t seed) {
  double *z = malloc(sizeof(double) * 3 * n);
  bench_fill_normal(z, 3 * n, seed);
  for (size_t j = 0; j < n; j++)
    for (size_t i = 0; i <= j; i++) {
      double bi = 1 + 0.3 * z[i], bj = 1 + 0.3 * z[j];
      double s = 0.03 * bi * bj;
      if (i % 10 == j % 10) s += 0.02 * (1 + 0.2 * z[n + i]) * (1 + 0.2 * z[n + j]);
      if (i == j) s += 0.04 * (1 + 0.5 * fabs(z[2 * n + i]));
      Q[i + j * n] = Q[j + i * n] = s;
    }
  free(z);
}

static void fill_problem(tctx *c, uint64_t seed) {
  size_t n = c->n;
  double *z = malloc(sizeof(double) * 2 * n);
  bench_fill_normal(z, 2 * n, seed);
  double need = 0;
  for (size_t i = 0; i < n; i++) {
    c->w0[i] = 1.0 / (double)n;
    c->t[i] = 1.0 / (double)n * (1 + 0.8 * z[i]);
    need += fabs(c->t[i] - c->w0[i]);
  }
  c->budget = 0.3 * need; /* the budget binds: 30% of the move */
  free(z);
}

/* ---- NLopt on the split formulation ------------------------------------------------ */

typedef struct nctx {
  size_t n;
  const double *Q, *t, *w0;
  double *e, *qe;
  double scale;
} nctx;

static double nl_obj(unsigned m, const double *x, double *grad, void *p) {
  nctx *c = p;
  size_t n = c->n;
  (void)m;
  for (size_t i = 0; i < n; i++) c->e[i] = c->w0[i] + x[i] - x[n + i] - c->t[i];
  double f = 0;
  for (size_t i = 0; i < n; i++) {
    double s = 0;
    for (size_t j = 0; j < n; j++) s += c->Q[i + j * n] * c->e[j];
    c->qe[i] = s;
    f += c->e[i] * s;
  }
  if (grad)
    for (size_t i = 0; i < n; i++) {
      grad[i] = 2 * c->qe[i] / c->scale;
      grad[n + i] = -2 * c->qe[i] / c->scale;
    }
  return f / c->scale;
}

static double nl_con(unsigned m, const double *x, double *grad, void *p) {
  double *B = p, s = 0;
  for (unsigned i = 0; i < m; i++) {
    s += x[i];
    if (grad) grad[i] = 1;
  }
  return s - *B;
}

static void run_nlopt(tctx *c, nlopt_algorithm alg, const char *name, double f_best) {
  size_t n = c->n;
  nctx nc = {n, c->Q, c->t, c->w0, malloc(sizeof(double) * n), malloc(sizeof(double) * n), 1};
  double *x = calloc(2 * n, sizeof(double));
  nc.scale = nl_obj(0, x, NULL, &nc); /* objective scaled to 1 at w0, as the reference did */
  nlopt_opt o = nlopt_create(alg, (unsigned)(2 * n));
  nlopt_set_lower_bounds1(o, 0.0);
  nlopt_set_upper_bounds1(o, c->budget);
  nlopt_set_min_objective(o, nl_obj, &nc);
  nlopt_add_inequality_constraint(o, nl_con, &c->budget, 1e-14);
  nlopt_set_ftol_rel(o, 1e-14);
  nlopt_set_maxtime(o, 20.0);
  double f = 0, t0 = bench_now();
  nlopt_result r = nlopt_optimize(o, x, &f);
  double secs = bench_now() - t0, to = 0;
  for (size_t i = 0; i < 2 * n; i++) to += x[i];
  printf("| %-22s | %-16s | %10.1f |  objective gap %.1e, turnover - budget %.1e, nlopt status %d |\n",
         name, "500, factor cov", secs * 1e3, (f * nc.scale - f_best) / f_best, to - c->budget, (int)r);
  fflush(stdout);
  nlopt_destroy(o);
  free(x), free(nc.e), free(nc.qe);
}

static void bench_case(size_t n, int identity, const char *label, int reps, int with_nlopt) {
  tctx c;
  memset(&c, 0, sizeof c);
  c.n = n, c.identity = identity, c.work = malloc(folio_turnover_work_size(n));
  c.t = malloc(sizeof(double) * n), c.w0 = malloc(sizeof(double) * n), c.w = malloc(sizeof(double) * n);
  if (!identity) {
    c.Q = malloc(sizeof(double) * n * n);
    c.copy = malloc(sizeof(double) * n * n);
    factor_cov(n, c.Q, 777 + n);
  }
  fill_problem(&c, 99 + n);
  double tf = bench_median(run_turnover, &c, reps);
  double tb = identity ? tf : bench_median(run_potrf, &c, reps);
  char size[32], what[64];
  snprintf(size, sizeof size, "%zu, %s", n, label);
  snprintf(what, sizeof what, "turnover (%s)", c.info.method);
  bench_row(what, size, tf, tb, identity ? "(itself)" : "copy+dpotrf");
  printf("|   %d APG iterations, %d active-set solves, %zu traded, KKT residual %.1e |\n",
         c.info.iterations, c.info.polishes, c.info.n_traded, c.info.kkt_residual);
  if (with_nlopt) {
    double f_best = c.info.objective;
    run_nlopt(&c, NLOPT_LD_SLSQP, "nlopt SLSQP", f_best);
    run_nlopt(&c, NLOPT_LD_CCSAQ, "nlopt CCSAQ", f_best);
    run_nlopt(&c, NLOPT_LD_MMA, "nlopt MMA", f_best);
  }
  free(c.Q), free(c.copy), free(c.t), free(c.w0), free(c.w), free(c.work);
}

/* ---- Ledoit-Wolf covariance, dense vs factored -------------------------------------- */

typedef struct lctx {
  size_t n, T;
  double *x, *Q, *t, *w0, *w, *gram, budget;
  folio_cov_factor f;
  void *work;
  int dense;
  folio_turnover_info info;
} lctx;

static void run_lw_turnover(void *p) {
  lctx *c = p;
  folio_error err;
  folio_status st = c->dense ? folio_turnover_project(c->n, c->t, c->w0, c->Q, c->n, NULL, c->budget,
                                                      NULL, c->w, &c->info, c->work, &err)
                             : folio_turnover_project_factored(c->n, c->t, c->w0, &c->f, NULL,
                                                               c->budget, NULL, c->w, &c->info,
                                                               c->work, &err);
  if (st != FOLIO_OK) fprintf(stderr, "bench_multi_sleeve: %s\n", err.message);
}

/* the bound: one dsyrk of the same T x n returns (what forming the dense covariance costs) */
static void run_lw_syrk(void *p) {
  lctx *c = p;
  cblas_dsyrk(CblasColMajor, CblasUpper, CblasTrans, (int)c->n, (int)c->T, 1.0, c->x, (int)c->T, 0.0,
              c->gram, (int)c->n);
}

/* T = 252 daily returns with a market factor, centred; Ledoit-Wolf as in
 * folio_ledoit_wolf (shrinkage from the same formulas); the budget binds
 * hard (30 % of the move). */
static void lw_case(size_t n, int dense, int reps, double *ms_out) {
  lctx c;
  memset(&c, 0, sizeof c);
  c.n = n, c.T = 252, c.dense = dense;
  size_t T = c.T;
  c.x = malloc(sizeof(double) * T * n);
  c.gram = malloc(sizeof(double) * n * n);
  c.t = malloc(sizeof(double) * n), c.w0 = malloc(sizeof(double) * n), c.w = malloc(sizeof(double) * n);
  double *mkt = malloc(sizeof(double) * T), *beta = malloc(sizeof(double) * n);
  bench_fill_normal(c.x, T * n, 4242 + n);
  bench_fill_normal(mkt, T, 17);
  bench_fill_normal(beta, n, 18);
  for (size_t j = 0; j < n; j++) {
    double m = 0;
    for (size_t t = 0; t < T; t++) {
      double *v = c.x + t + j * T;
      *v = 0.01 * (1 + 0.3 * beta[j]) * mkt[t] + 0.02 * *v;
      m += *v;
    }
    m /= (double)T;
    for (size_t t = 0; t < T; t++) c.x[t + j * T] -= m;
  }
  folio_panel pan = folio_panel_make(c.x, T, n);
  folio_lw_info li;
  folio_error err;
  c.Q = malloc(sizeof(double) * n * n);
  if (folio_ledoit_wolf(&pan, FOLIO_MISSING_ERROR, 1.0, c.Q, n, NULL, &li, &err) != FOLIO_OK)
    fprintf(stderr, "bench_multi_sleeve: %s\n", err.message);
  c.f = (folio_cov_factor){T, c.x, T, li.shrinkage * li.mu, (1 - li.shrinkage) / (double)T};
  if (!dense) free(c.Q), c.Q = NULL;
  c.work = malloc(dense ? folio_turnover_work_size(n) : folio_turnover_factored_work_size(n, T));
  tctx tc = {.n = n, .t = c.t, .w0 = c.w0};
  fill_problem(&tc, 99 + n);
  c.budget = tc.budget;
  double bound, tf = bench_interleaved(run_lw_turnover, &c, run_lw_syrk, &c, reps, &bound);
  char size[32], what[64];
  snprintf(size, sizeof size, "%zu, LW T=252", n);
  snprintf(what, sizeof what, "%s %s", dense ? "dense" : "factored", c.info.method);
  bench_row(what, size, tf, bound, "dsyrk T x n");
  printf("|   %d %s, %d active-set solves, %zu traded, KKT residual %.1e, shrinkage %.3f |\n",
         c.info.iterations, strncmp(c.info.method, "dual", 4) == 0 ? "Newton steps" : "APG iterations", c.info.polishes, c.info.n_traded, c.info.kkt_residual, li.shrinkage);
  *ms_out = tf * 1e3;
  free(mkt), free(beta), free(c.x), free(c.gram), free(c.Q), free(c.t), free(c.w0), free(c.w);
  free(c.work);
}

/* compose's turnover step on a Ledoit-Wolf covariance: dense (folio_turnover_project)
 * up to 2,000 names, factored (folio_turnover_project_factored) to 4,000, and the
 * exponent of the factored times (least squares of log time on log n). */
void bench_turnover_lw(void) {
  static const size_t sizes[] = {500, 1000, 2000, 3000, 4000};
  double ms[5], d;
  const char *dense_env = getenv("FOLIO_BENCH_DENSE");
  size_t dense_max = dense_env ? (size_t)atol(dense_env) : 2000;
  for (int k = 0; k < 5; k++)
    if (sizes[k] <= dense_max) lw_case(sizes[k], 1, sizes[k] >= 2000 ? 1 : 3, &d);
  for (int k = 0; k < 5; k++) lw_case(sizes[k], 0, 5, &ms[k]);
  double sx = 0, sy = 0, sxx = 0, sxy = 0;
  for (int k = 0; k < 5; k++) {
    double x = log((double)sizes[k]), y = log(ms[k]);
    sx += x, sy += y, sxx += x * x, sxy += x * y;
  }
  printf("|   factored: time ~ n^%.2f from 500 to 4,000 names (least squares on log-log) |\n",
         (5 * sxy - sx * sy) / (5 * sxx - sx * sx));
}

void bench_multi_sleeve(void) {
  bench_case(500, 0, "factor cov", 9, getenv("FOLIO_BENCH_NLOPT") != NULL);
  bench_case(3000, 1, "identity", 9, 0);
  bench_case(3000, 0, "factor cov", 3, 0);
}
