/*
 * bench_cov.c — folio_sample_cov against the bare cblas_dsyrk it is built
 * on: T = 1260 daily rows (five years), A = 500 and 2000 assets, no gaps,
 * caller-owned workspace, so the ratio shows what validation, centring and
 * mirroring cost on top of the one BLAS call. A pairwise row with 10%
 * leading gaps (three BLAS products instead of one) is informational.
 */
#include <cblas.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "bench.h"
#include "folio/risk_model.h"

typedef struct cov_case {
  folio_panel returns;
  folio_missing missing;
  double *cov;
  void *work;
  size_t n_assets;
} cov_case;

static void run_folio(void *ctx) {
  cov_case *c = ctx;
  folio_error err;
  if (folio_sample_cov(&c->returns, c->missing, 1.0, c->cov, c->n_assets, c->work, NULL, &err) < 0)
    fprintf(stderr, "bench_cov: %s\n", err.message);
}

typedef struct bare_case {
  const double *x;
  size_t n_rows, n_assets;
  double *c;
} bare_case;

static void run_bare(void *ctx) {
  bare_case *b = ctx;
  cblas_dsyrk(CblasColMajor, CblasUpper, CblasTrans, (int)b->n_assets, (int)b->n_rows,
              1.0 / (double)(b->n_rows - 1), b->x, (int)b->n_rows, 0.0, b->c, (int)b->n_assets);
}

static void bench_size(size_t n_rows, size_t n_assets, int reps) {
  size_t ta = n_rows * n_assets, aa = n_assets * n_assets;
  double *x = malloc(sizeof(double) * ta);
  double *gappy = malloc(sizeof(double) * ta);
  double *cov = malloc(sizeof(double) * aa);
  double *bare_c = malloc(sizeof(double) * aa);
  size_t work_bytes = folio_sample_cov_work_size(n_rows, n_assets, FOLIO_MISSING_PAIRWISE);
  void *work = malloc(work_bytes);
  if (!x || !gappy || !cov || !bare_c || !work) {
    fprintf(stderr, "bench_cov: out of memory for T=%zu A=%zu\n", n_rows, n_assets);
    goto done;
  }
  bench_fill_normal(x, ta, 0xC0FFEEu + n_assets);
  for (size_t e = 0; e < ta; e++) x[e] *= 0.01; /* daily-return scale */

  /* Leading gaps on 10% of the assets (late listings), up to half the history. */
  for (size_t j = 0; j < n_assets; j++)
    for (size_t i = 0; i < n_rows; i++)
      gappy[i + j * n_rows] =
          (j % 10 == 0 && i < (j * 7919) % (n_rows / 2)) ? NAN : x[i + j * n_rows];

  char size[32];
  snprintf(size, sizeof size, "T=%zu A=%zu", n_rows, n_assets);
  bare_case bare = {x, n_rows, n_assets, bare_c};
  double bare_s = bench_median(run_bare, &bare, reps);

  cov_case complete = {folio_panel_make(x, n_rows, n_assets), FOLIO_MISSING_COMPLETE, cov, work,
                       n_assets};
  bench_row("sample_cov", size, bench_median(run_folio, &complete, reps), bare_s, "dsyrk");

  cov_case pairwise = {folio_panel_make(gappy, n_rows, n_assets), FOLIO_MISSING_PAIRWISE, cov, work,
                       n_assets};
  bench_row("sample_cov pairwise 10%", size, bench_median(run_folio, &pairwise, reps), bare_s,
            "dsyrk");

done:
  free(work);
  free(bare_c);
  free(cov);
  free(gappy);
  free(x);
}

void bench_cov(void) {
  bench_size(1260, 500, 9);
  bench_size(1260, 2000, 7);
}
