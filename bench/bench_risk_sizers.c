/*
 * bench_risk_sizers.c — the risk-based allocators (min_variance long-only and
 * risk_parity at A = 500, goal < 100 ms each) against one bare copy +
 * dpotrf of the same size, in the same run: the ratio says how many
 * factorisations' worth of work the allocator costs.
 */
#include <lapacke.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "folio/risk_sizers.h"

typedef struct alloc_ctx {
  size_t n;
  double *cov, *w, *copy;
  const char **symbols;
  void *work;
  folio_risk_sizer_opts opts;
  int which; /* 0 min_variance, 1 risk_parity */
} alloc_ctx;

static void run_alloc(void *p) {
  alloc_ctx *c = p;
  folio_error err;
  folio_status st = c->which == 0
                        ? folio_min_variance(c->n, c->cov, c->n, c->symbols, &c->opts, c->w, NULL,
                                             c->work, NULL, &err)
                        : folio_risk_parity(c->n, c->cov, c->n, c->symbols, &c->opts, c->w, NULL,
                                            c->work, NULL, &err);
  if (st != FOLIO_OK) fprintf(stderr, "bench_risk_sizers: %s\n", err.message);
}

static void run_potrf(void *p) {
  alloc_ctx *c = p;
  memcpy(c->copy, c->cov, sizeof(double) * c->n * c->n);
  if (LAPACKE_dpotrf(LAPACK_COL_MAJOR, 'L', (lapack_int)c->n, c->copy, (lapack_int)c->n) != 0)
    fprintf(stderr, "bench_risk_sizers: bare factorisation failed\n");
}

void bench_risk_sizers(void) {
  size_t n = 500, t = 2 * n; /* B'B / T with T = 2A plus a diagonal, annualised scale */
  alloc_ctx c = {n, malloc(sizeof(double) * n * n), malloc(sizeof(double) * n),
                 malloc(sizeof(double) * n * n), malloc(sizeof(char *) * n),
                 malloc(folio_risk_sizer_work_size(n)), folio_risk_sizer_defaults(), 0};
  char (*names)[16] = malloc(16 * n);
  bench_factor_cov(c.cov, n, t, 4242);
  for (size_t j = 0; j < n; j++) {
    snprintf(names[j], 16, "S%04zu", j);
    c.symbols[j] = names[j];
  }
  char size[32];
  snprintf(size, sizeof size, "A=%zu", n);
  double bare = bench_median(run_potrf, &c, 9);
  c.which = 0;
  bench_row("min_variance long-only", size, bench_median(run_alloc, &c, 9), bare, "copy+dpotrf");
  c.which = 1;
  bench_row("risk_parity", size, bench_median(run_alloc, &c, 9), bare, "copy+dpotrf");
  free(c.cov);
  free(c.w);
  free(c.copy);
  free(c.symbols);
  free(c.work);
  free(names);
}
