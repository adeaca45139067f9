/*
 * bench_frontier.c — the efficient frontier at A = 500 with bounds [0, 0.05]
 * and 10 sector constraints (each sector between 5 % and 15 %): max_sharpe
 * and efficient_risk (goal < 20 ms each, and within 3x of one copy + dpotrf
 * of the same matrix, interleaved), and the 50-point curve (goal < 0.5 s).
 */
#include <lapacke.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "folio/frontier.h"

typedef struct fr_ctx {
  size_t n;
  double *cov, *mu, *w, *copy, *lo, *hi, *slo, *shi, *cw;
  size_t *sector;
  const char **symbols;
  void *work;
  folio_frontier_opts opts;
  double target;
  int which; /* 0 max_sharpe, 1 efficient_risk, 2 curve */
  int solves;
} fr_ctx;

static void run_frontier(void *p) {
  fr_ctx *c = p;
  folio_error err;
  folio_frontier_info info;
  folio_status st;
  if (c->which == 0)
    st = folio_frontier_max_sharpe(c->n, c->mu, c->cov, c->n, c->symbols, &c->opts, c->w, NULL,
                                   &info, c->work, &err);
  else if (c->which == 1)
    st = folio_frontier_efficient_risk(c->n, c->mu, c->cov, c->n, c->target, c->symbols, &c->opts,
                                       c->w, NULL, &info, c->work, &err);
  else
    st = folio_frontier_curve(c->n, c->mu, c->cov, c->n, 50, c->symbols, &c->opts, c->cw, NULL,
                              NULL, NULL, &info, c->work, &err);
  if (st != FOLIO_OK) fprintf(stderr, "bench_frontier: %s\n", err.message);
  else c->solves = info.qp_solves;
}

static void run_potrf(void *p) {
  fr_ctx *c = p;
  memcpy(c->copy, c->cov, sizeof(double) * c->n * c->n);
  if (LAPACKE_dpotrf(LAPACK_COL_MAJOR, 'L', (lapack_int)c->n, c->copy, (lapack_int)c->n) != 0)
    fprintf(stderr, "bench_frontier: bare factorisation failed\n");
}

void bench_frontier(void) {
  size_t n = 500, t = 2 * n, ns = 10;
  fr_ctx c;
  memset(&c, 0, sizeof c);
  c.n = n;
  c.cov = malloc(sizeof(double) * n * n);
  c.copy = malloc(sizeof(double) * n * n);
  c.cw = malloc(sizeof(double) * n * 50);
  double **vecs[] = {&c.mu, &c.w, &c.lo, &c.hi};
  for (size_t k = 0; k < 4; k++) *vecs[k] = malloc(sizeof(double) * n);
  c.slo = malloc(sizeof(double) * ns);
  c.shi = malloc(sizeof(double) * ns);
  c.sector = malloc(sizeof(size_t) * n);
  c.symbols = malloc(sizeof(char *) * n);
  char(*names)[16] = malloc(16 * n);
  bench_factor_cov(c.cov, n, t, 4242);
  for (size_t j = 0; j < n; j++) {
    snprintf(names[j], 16, "S%04zu", j);
    c.symbols[j] = names[j];
  }
  bench_fill_normal(c.mu, n, 77);
  for (size_t i = 0; i < n; i++) {
    c.mu[i] = 0.06 + 0.05 * c.mu[i];
    c.lo[i] = 0.0;
    c.hi[i] = 0.05;
    c.sector[i] = i % ns;
  }
  for (size_t s = 0; s < ns; s++) {
    c.slo[s] = 0.05;
    c.shi[s] = 0.15;
  }
  c.opts = folio_frontier_defaults();
  c.opts.lower = c.lo;
  c.opts.upper = c.hi;
  c.opts.n_sectors = ns;
  c.opts.sector = c.sector;
  c.opts.sector_lower = c.slo;
  c.opts.sector_upper = c.shi;
  c.work = malloc(folio_frontier_work_size(n, ns, 0));
  /* the target: halfway between the minimum volatility and max_sharpe's */
  folio_frontier_info mi, si;
  folio_error err;
  folio_frontier_min_volatility(n, c.mu, c.cov, n, c.symbols, &c.opts, c.w, NULL, &mi, c.work, &err);
  folio_frontier_max_sharpe(n, c.mu, c.cov, n, c.symbols, &c.opts, c.w, NULL, &si, c.work, &err);
  c.target = 0.5 * (mi.volatility + si.volatility);
  char size[48];
  snprintf(size, sizeof size, "A=%zu, 10 sectors", n);
  double bare;
  c.which = 0;
  double t0 = bench_interleaved(run_frontier, &c, run_potrf, &c, 9, &bare);
  bench_row("frontier max_sharpe", size, t0, bare, "copy+dpotrf");
  c.which = 1;
  double t1 = bench_interleaved(run_frontier, &c, run_potrf, &c, 9, &bare);
  int risk_solves = c.solves;
  bench_row("frontier efficient_risk", size, t1, bare, "copy+dpotrf");
  c.which = 2;
  double t2 = bench_interleaved(run_frontier, &c, run_potrf, &c, 3, &bare);
  bench_row("frontier curve 50 pts", size, t2, bare, "copy+dpotrf");
  printf("  (efficient_risk: %d QP solves; curve: %d)\n", risk_solves, c.solves);
  free(c.cov);
  free(c.copy);
  free(c.cw);
  for (size_t k = 0; k < 4; k++) free(*vecs[k]);
  free(c.slo);
  free(c.shi);
  free(c.sector);
  free(c.symbols);
  free(c.work);
  free(names);
}
