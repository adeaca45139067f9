/*
 * bench_sizers.c — kelly_fraction and vol_target_weights against the bare
 * library calls they are built on, in the same run.
 *
 * kelly_fraction (with symbols, so the symbol-order path is what is timed,
 * and a preallocated workspace) is compared with copy + dpotrf + dpotrs:
 * the bare call needs a fresh copy too, because dpotrf overwrites its input.
 * vol_target_weights is compared with one dgemv over the window rows plus
 * the variance pass, which is all the arithmetic the sizer does.
 */
#include <cblas.h>
#include <lapacke.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "folio/sizers.h"

/* ---- kelly_fraction ---------------------------------------------------------- */

typedef struct kelly_ctx {
  size_t n;
  double *cov, *mu, *w, *copy, *rhs;
  const char **symbols;
  void *work;
  folio_kelly_opts opts;
} kelly_ctx;

static void run_kelly(void *p) {
  kelly_ctx *c = p;
  folio_error err;
  if (folio_kelly_fraction(c->n, c->mu, c->cov, c->n, c->symbols, &c->opts, c->w, NULL, c->work,
                           NULL, &err) != FOLIO_OK)
    fprintf(stderr, "bench_kelly: %s\n", err.message);
}

static void run_potrf_potrs(void *p) {
  kelly_ctx *c = p;
  lapack_int n = (lapack_int)c->n;
  memcpy(c->copy, c->cov, sizeof(double) * c->n * c->n);
  memcpy(c->rhs, c->mu, sizeof(double) * c->n);
  if (LAPACKE_dpotrf(LAPACK_COL_MAJOR, 'L', n, c->copy, n) != 0 ||
      LAPACKE_dpotrs(LAPACK_COL_MAJOR, 'L', n, 1, c->copy, n, c->rhs, n) != 0)
    fprintf(stderr, "bench_kelly: bare factorisation failed\n");
}

/* shuffled = 0: symbols already ascending (the usual case: the copy is a
 * plain triangle copy); 1: the same names in reverse order, so the permuted
 * gather into symbol order is timed too. */
static void kelly_one(size_t n, int reps, int shuffled) {
  size_t t = 2 * n; /* B'B / T with T = 2A, plus a diagonal: well conditioned */
  double *b = malloc(sizeof(double) * t * n);
  kelly_ctx c = {n,
                 malloc(sizeof(double) * n * n),
                 malloc(sizeof(double) * n),
                 malloc(sizeof(double) * n),
                 malloc(sizeof(double) * n * n),
                 malloc(sizeof(double) * n),
                 malloc(sizeof(char *) * n),
                 malloc(folio_kelly_fraction_work_size(n)),
                 folio_kelly_defaults()};
  bench_fill_normal(b, t * n, 7);
  cblas_dsyrk(CblasColMajor, CblasLower, CblasTrans, (int)n, (int)t, 1e-4 / (double)t, b, (int)t,
              0.0, c.cov, (int)n);
  for (size_t j = 0; j < n; j++) {
    c.cov[j + j * n] += 1e-4;
    for (size_t i = 0; i < j; i++) c.cov[i + j * n] = c.cov[j + i * n];
  }
  bench_fill_normal(c.mu, n, 11);
  for (size_t i = 0; i < n; i++) c.mu[i] *= 1e-3;
  char *names = malloc(24 * n);
  for (size_t i = 0; i < n; i++) {
    snprintf(names + 24 * i, 24, "S%04zu", shuffled ? n - 1 - i : i);
    c.symbols[i] = names + 24 * i;
  }
  c.opts.risk_aversion = 2.0;
  c.opts.cap = 0.2;
  double tf = bench_median(run_kelly, &c, reps);
  double tb = bench_median(run_potrf_potrs, &c, reps);
  char size[32];
  snprintf(size, sizeof size, "A=%zu%s", n, shuffled ? " unsorted" : "");
  bench_row("kelly_fraction", size, tf, tb, "copy+potrf+potrs");
  free(names);
  free(b);
  free(c.cov);
  free(c.mu);
  free(c.w);
  free(c.copy);
  free(c.rhs);
  free(c.symbols);
  free(c.work);
}

void bench_kelly(void) {
  kelly_one(500, 21, 0);
  kelly_one(2000, 7, 0);
  kelly_one(2000, 7, 1);
}

/* ---- vol_target_weights --------------------------------------------------------- */

typedef struct vol_ctx {
  size_t t, n, window;
  double *r, *base, *w, *p;
  const char **labels;
  folio_vol_target_opts opts;
  double sink;
} vol_ctx;

static void run_vol_target(void *arg) {
  vol_ctx *c = arg;
  folio_panel panel = folio_panel_make(c->r, c->t, c->n);
  panel.col_labels = c->labels;
  folio_error err;
  if (folio_vol_target_weights(c->n, c->base, &panel, &c->opts, c->w, NULL, &err) != FOLIO_OK)
    fprintf(stderr, "bench_vol_target: %s\n", err.message);
}

static void run_dgemv(void *arg) {
  vol_ctx *c = arg;
  const double *win = c->r + (c->t - c->window);
  cblas_dgemv(CblasColMajor, CblasNoTrans, (int)c->window, (int)c->n, 1.0, win, (int)c->t, c->base,
              1, 0.0, c->p, 1);
  double mean = 0, ss = 0;
  for (size_t i = 0; i < c->window; i++) mean += c->p[i];
  mean /= (double)c->window;
  for (size_t i = 0; i < c->window; i++) ss += (c->p[i] - mean) * (c->p[i] - mean);
  c->sink += sqrt(ss / (double)(c->window - 1));
}

static void vol_one(size_t n, int reps) {
  size_t t = 1260;
  vol_ctx c = {t,
               n,
               63,
               malloc(sizeof(double) * t * n),
               malloc(sizeof(double) * n),
               malloc(sizeof(double) * n),
               malloc(sizeof(double) * t),
               malloc(sizeof(char *) * n),
               folio_vol_target_defaults(),
               0.0};
  bench_fill_normal(c.r, t * n, 13);
  for (size_t i = 0; i < t * n; i++) c.r[i] *= 0.01;
  bench_fill_normal(c.base, n, 17);
  for (size_t i = 0; i < n; i++) c.base[i] /= (double)n;
  char *names = malloc(24 * n);
  for (size_t i = 0; i < n; i++) {
    snprintf(names + 24 * i, 24, "S%04zu", i);
    c.labels[i] = names + 24 * i;
  }
  double tf = bench_median(run_vol_target, &c, reps);
  double tb = bench_median(run_dgemv, &c, reps);
  char size[32];
  snprintf(size, sizeof size, "T=%zu A=%zu w=63", t, n);
  bench_row("vol_target_weights", size, tf, tb, "dgemv+variance");
  free(names);
  free(c.r);
  free(c.base);
  free(c.w);
  free(c.p);
  free(c.labels);
}

void bench_vol_target(void) {
  vol_one(500, 201);
  vol_one(2000, 201);
}
