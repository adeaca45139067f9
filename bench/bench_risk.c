/*
 * bench_risk.c — the risk-model estimators against the bare LAPACK/BLAS
 * call each is built on: Ledoit-Wolf and EWMA (T = 1260 rows, A = 500 and
 * 2000, no gaps, caller-owned workspace) against one bare dsyrk of the same
 * size (goal: within 2.5x), and the CLIP repair of a singular A = 500
 * covariance against one bare dsyevr (eigenvalues and vectors) of it.
 */
#include <cblas.h>
#include <lapacke.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "folio/repair.h"
#include "folio/risk_model.h"

typedef struct est_case {
  folio_panel returns;
  double *cov;
  void *work;
  size_t n_assets;
  int ewma;
} est_case;

static void run_est(void *ctx) {
  est_case *c = ctx;
  folio_error err;
  folio_status st =
      c->ewma ? folio_ewma_cov(&c->returns, FOLIO_MISSING_ERROR, 63.0, 1.0, c->cov, c->n_assets,
                               c->work, NULL, &err)
              : folio_ledoit_wolf(&c->returns, FOLIO_MISSING_ERROR, 1.0, c->cov, c->n_assets,
                                  c->work, NULL, &err);
  if (st < 0) fprintf(stderr, "bench_risk: %s\n", err.message);
}

typedef struct syrk_case {
  const double *x;
  size_t n_rows, n_assets;
  double *c;
} syrk_case;

static void run_syrk(void *ctx) {
  syrk_case *b = ctx;
  cblas_dsyrk(CblasColMajor, CblasUpper, CblasTrans, (int)b->n_assets, (int)b->n_rows,
              1.0 / (double)b->n_rows, b->x, (int)b->n_rows, 0.0, b->c, (int)b->n_assets);
}

static void bench_estimators(size_t n_rows, size_t n_assets, int reps) {
  size_t ta = n_rows * n_assets, aa = n_assets * n_assets;
  double *x = malloc(sizeof(double) * ta), *cov = malloc(sizeof(double) * aa);
  double *bare_c = malloc(sizeof(double) * aa);
  size_t wb = folio_ledoit_wolf_work_size(n_rows, n_assets);
  if (folio_ewma_cov_work_size(n_rows, n_assets) > wb) wb = folio_ewma_cov_work_size(n_rows, n_assets);
  void *work = malloc(wb);
  if (!x || !cov || !bare_c || !work) {
    fprintf(stderr, "bench_risk: out of memory\n");
    goto done;
  }
  bench_fill_normal(x, ta, 0x5EEDu + n_assets);
  for (size_t e = 0; e < ta; e++) x[e] *= 0.01;
  char size[32];
  snprintf(size, sizeof size, "T=%zu A=%zu", n_rows, n_assets);
  syrk_case bare = {x, n_rows, n_assets, bare_c};
  double bare_s = bench_median(run_syrk, &bare, reps);
  est_case lw = {folio_panel_make(x, n_rows, n_assets), cov, work, n_assets, 0};
  bench_row("ledoit_wolf", size, bench_median(run_est, &lw, reps), bare_s, "dsyrk");
  est_case ew = {folio_panel_make(x, n_rows, n_assets), cov, work, n_assets, 1};
  bench_row("ewma_cov", size, bench_median(run_est, &ew, reps), bare_s, "dsyrk");
done:
  free(work);
  free(bare_c);
  free(cov);
  free(x);
}

typedef struct clip_case {
  const double *src;
  double *a, *z, *w, *lw;
  lapack_int *iw, *isuppz;
  size_t n;
  void *work;
} clip_case;

static void run_clip(void *ctx) {
  clip_case *c = ctx;
  folio_error err;
  folio_repair_info info;
  memcpy(c->a, c->src, c->n * c->n * sizeof(double));
  if (folio_cov_repair(c->n, c->a, c->n, FOLIO_REPAIR_CLIP, NULL, c->work, &info, &err) < 0)
    fprintf(stderr, "bench_risk: %s\n", err.message);
}

static void run_dsyevr(void *ctx) {
  clip_case *c = ctx;
  lapack_int m = 0, n = (lapack_int)c->n;
  memcpy(c->a, c->src, c->n * c->n * sizeof(double));
  LAPACKE_dsyevr_work(LAPACK_COL_MAJOR, 'V', 'A', 'L', n, c->a, n, 0, 0, 0, 0, 0.0, &m, c->w, c->z,
                      n, c->isuppz, c->lw, 72 * n + 1, c->iw, 10 * n + 1);
}

static void bench_clip(size_t n, int reps) {
  /* A singular covariance: 250 rows of 500 assets (rank 249). */
  size_t t = n / 2;
  double *x = malloc(sizeof(double) * t * n), *src = malloc(sizeof(double) * n * n);
  double *a = malloc(sizeof(double) * n * n), *z = malloc(sizeof(double) * n * n);
  double *w = malloc(sizeof(double) * n), *lw = malloc(sizeof(double) * (72 * n + 1));
  lapack_int *iw = malloc(sizeof(lapack_int) * (10 * n + 1)), *isuppz = malloc(sizeof(lapack_int) * 2 * n);
  void *work = malloc(folio_cov_repair_work_size(n));
  if (!x || !src || !a || !z || !w || !lw || !iw || !isuppz || !work) {
    fprintf(stderr, "bench_risk: out of memory\n");
    goto done;
  }
  bench_fill_normal(x, t * n, 0xC11Fu);
  folio_panel p = folio_panel_make(x, t, n);
  folio_error err;
  if (folio_sample_cov(&p, FOLIO_MISSING_ERROR, 1.0, src, n, NULL, NULL, &err) < 0) {
    fprintf(stderr, "bench_risk: %s\n", err.message);
    goto done;
  }
  clip_case c = {src, a, z, w, lw, iw, isuppz, n, work};
  char size[32];
  snprintf(size, sizeof size, "A=%zu rank %zu", n, t - 1);
  double bare_s = bench_median(run_dsyevr, &c, reps);
  bench_row("cov_repair clip", size, bench_median(run_clip, &c, reps), bare_s, "dsyevr");
done:
  free(work);
  free(isuppz);
  free(iw);
  free(lw);
  free(w);
  free(z);
  free(a);
  free(src);
  free(x);
}

void bench_risk(void) {
  bench_estimators(1260, 500, 9);
  bench_estimators(1260, 2000, 7);
  bench_clip(500, 7);
}
