/*
 * bench_hrp.c — Hierarchical Risk Parity from returns (T = 1260, A = 2000,
 * single linkage, no gaps: correlation + covariance + HRP) against one bare
 * dsyrk of the same panel, and the linkage alone against one pass over the
 * A x A distance matrix (a loop summing every entry).
 */
#include <cblas.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "bench.h"
#include "folio/correlation.h"
#include "folio/hrp.h"

enum { T_ROWS = 1260, N_ASSETS = 2000 };

typedef struct hrp_ctx {
  double *x, *cov, *corr, *w, *z, *dist;
  size_t *order;
  void *work;
  double sink;
} hrp_ctx;

static void run_hrp(void *p) {
  hrp_ctx *c = p;
  folio_panel r = folio_panel_make(c->x, T_ROWS, N_ASSETS);
  folio_error err;
  if (folio_sample_corr(&r, FOLIO_MISSING_PAIRWISE, c->corr, N_ASSETS, c->cov, N_ASSETS, c->work,
                        NULL, &err) != FOLIO_OK ||
      folio_hrp(N_ASSETS, c->cov, N_ASSETS, c->corr, N_ASSETS, NULL, FOLIO_LINKAGE_SINGLE, NULL,
                NULL, c->w, c->order, c->z, c->work, &err) != FOLIO_OK)
    fprintf(stderr, "bench_hrp: %s\n", err.message);
}

static void run_syrk(void *p) {
  hrp_ctx *c = p;
  cblas_dsyrk(CblasColMajor, CblasUpper, CblasTrans, N_ASSETS, T_ROWS, 1.0 / (T_ROWS - 1), c->x,
              T_ROWS, 0.0, c->cov, N_ASSETS);
}

static void run_linkage(void *p) {
  hrp_ctx *c = p;
  folio_error err;
  if (folio_linkage(N_ASSETS, c->dist, N_ASSETS, FOLIO_LINKAGE_SINGLE, c->z, c->work, &err) != FOLIO_OK)
    fprintf(stderr, "bench_hrp: %s\n", err.message);
}

static void run_pass(void *p) {
  hrp_ctx *c = p;
  double s = 0.0;
  for (size_t k = 0; k < (size_t)N_ASSETS * N_ASSETS; k++) s += c->dist[k];
  c->sink += s;
}

void bench_hrp(void) {
  hrp_ctx c = {0};
  size_t aa = (size_t)N_ASSETS * N_ASSETS;
  c.x = malloc(sizeof(double) * T_ROWS * N_ASSETS);
  c.cov = malloc(sizeof(double) * aa);
  c.corr = malloc(sizeof(double) * aa);
  c.dist = malloc(sizeof(double) * aa);
  c.w = malloc(sizeof(double) * N_ASSETS);
  c.z = malloc(sizeof(double) * 4 * N_ASSETS);
  c.order = malloc(sizeof(size_t) * N_ASSETS);
  size_t ws = folio_sample_corr_work_size(T_ROWS, N_ASSETS, FOLIO_MISSING_PAIRWISE);
  size_t wh = folio_hrp_work_size(N_ASSETS), wl = folio_linkage_work_size(N_ASSETS);
  if (wh > ws) ws = wh;
  if (wl > ws) ws = wl;
  c.work = malloc(ws);
  if (!c.x || !c.cov || !c.corr || !c.dist || !c.w || !c.z || !c.order || !c.work) {
    fprintf(stderr, "bench_hrp: out of memory\n");
    goto out;
  }
  /* returns with a common factor, so the clustering has structure */
  bench_fill_normal(c.x, (size_t)T_ROWS * N_ASSETS, 4242);
  double *f = malloc(sizeof(double) * T_ROWS);
  if (f) {
    bench_fill_normal(f, T_ROWS, 99);
    for (size_t j = 0; j < N_ASSETS; j++)
      for (size_t i = 0; i < T_ROWS; i++) c.x[i + j * T_ROWS] = 0.01 * (c.x[i + j * T_ROWS] + 0.5 * f[i]);
    free(f);
  }
  double t_hrp = bench_median(run_hrp, &c, 5);
  double t_syrk = bench_median(run_syrk, &c, 5);
  bench_row("hrp from returns", "1260x2000 single", t_hrp, t_syrk, "dsyrk");
  /* the distances of that run */
  folio_panel r = folio_panel_make(c.x, T_ROWS, N_ASSETS);
  folio_error err;
  folio_sample_corr(&r, FOLIO_MISSING_PAIRWISE, c.corr, N_ASSETS, NULL, 0, c.work, NULL, &err);
  for (size_t k = 0; k < aa; k++) {
    double v = (1.0 - c.corr[k]) / 2.0;
    c.dist[k] = sqrt(v < 0.0 ? 0.0 : v > 1.0 ? 1.0 : v);
  }
  for (size_t j = 0; j < N_ASSETS; j++) c.dist[j + j * (size_t)N_ASSETS] = 0.0;
  double t_link = bench_median(run_linkage, &c, 5);
  double t_pass = bench_median(run_pass, &c, 5);
  bench_row("linkage single", "2000 x 2000", t_link, t_pass, "sum of A^2");
  for (int m = 1; m < 4; m++) {
    folio_linkage_method method = (folio_linkage_method)m;
    double t0 = bench_now();
    folio_linkage(N_ASSETS, c.dist, N_ASSETS, method, c.z, c.work, &err);
    double t = bench_now() - t0;
    char what[64];
    snprintf(what, sizeof what, "linkage %s (1 run)", folio_linkage_name(method));
    bench_row(what, "2000 x 2000", t, t_pass, "sum of A^2");
  }
  if (c.sink == 42.0) printf(" \n");
out:
  free(c.x);
  free(c.cov);
  free(c.corr);
  free(c.dist);
  free(c.w);
  free(c.z);
  free(c.order);
  free(c.work);
}
