/*
 * bench_main.c — `make bench`: every benchmark table, one run.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "folio/status.h"

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

double bench_median(void (*fn)(void *), void *ctx, int reps) {
  if (reps < 1) reps = 1;
  double *t = malloc(sizeof(double) * (size_t)reps);
  fn(ctx); /* warm-up: page in buffers, spin up BLAS threads */
  for (int r = 0; r < reps; r++) {
    double t0 = bench_now();
    fn(ctx);
    t[r] = bench_now() - t0;
  }
  qsort(t, (size_t)reps, sizeof(double), cmp_double);
  double m = t[reps / 2];
  free(t);
  return m;
}

double bench_interleaved(void (*fn)(void *), void *ctx, void (*bound)(void *), void *bound_ctx,
                         int reps, double *bound_s) {
  if (reps < 1) reps = 1;
  double *t = malloc(sizeof(double) * (size_t)reps), *u = malloc(sizeof(double) * (size_t)reps);
  fn(ctx); /* warm-up of both */
  bound(bound_ctx);
  for (int r = 0; r < reps; r++) {
    double t0 = bench_now();
    fn(ctx);
    double t1 = bench_now();
    bound(bound_ctx);
    u[r] = bench_now() - t1;
    t[r] = t1 - t0;
  }
  qsort(t, (size_t)reps, sizeof(double), cmp_double);
  qsort(u, (size_t)reps, sizeof(double), cmp_double);
  double m = t[reps / 2];
  *bound_s = u[reps / 2];
  free(t);
  free(u);
  return m;
}

void bench_row(const char *what, const char *size, double folio_s, double bare_s, const char *bare) {
  printf("| %-22s | %-16s | %10.3f | %10.3f | %6.2fx | %-16s |\n", what, size, folio_s * 1e3,
         bare_s * 1e3, folio_s / bare_s, bare);
  fflush(stdout);
}

void bench_fill_normal(double *x, size_t n, uint64_t seed) {
  uint64_t s = seed;
  for (size_t i = 0; i < n; i += 2) {
    double u[2];
    for (int k = 0; k < 2; k++) {
      uint64_t z = (s += 0x9E3779B97F4A7C15ull);
      z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
      z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
      z ^= z >> 31;
      u[k] = ((double)(z >> 11) + 0.5) * 0x1.0p-53;
    }
    double r = sqrt(-2.0 * log(u[0]));
    x[i] = r * cos(6.283185307179586 * u[1]);
    if (i + 1 < n) x[i + 1] = r * sin(6.283185307179586 * u[1]);
  }
}

void bench_factor_cov(double *cov, size_t n, size_t t, uint64_t seed) {
  double *b = malloc(sizeof(double) * t * n);
  if (!b) abort();
  bench_fill_normal(b, t * n, seed);
  for (size_t j = 0; j < n; j++)
    for (size_t i = 0; i <= j; i++) {
      double s = 0;
      for (size_t k = 0; k < t; k++) s += b[k + i * t] * b[k + j * t];
      s = 0.04 * s / (double)t + (i == j ? 0.01 : 0.0);
      cov[i + j * n] = cov[j + i * n] = s;
    }
  free(b);
}

int main(int argc, char **argv) {
  const char *only = argc > 1 ? argv[1] : NULL;
  printf("folio %s benchmarks (median wall time in ms; ratio = folio / bare call, same run)\n\n",
         folio_version());
  printf("| %-22s | %-16s | %10s | %10s | %7s | %-16s |\n", "operation", "size", "folio ms",
         "bare ms", "ratio", "bare call");
  printf("|------------------------|------------------|------------|------------|---------|------------------|\n");
  if (!only || strcmp(only, "cov") == 0) bench_cov();
  if (!only || strcmp(only, "risk") == 0) bench_risk();
  if (!only || strcmp(only, "kelly") == 0) bench_kelly();
  if (!only || strcmp(only, "vol_target") == 0) bench_vol_target();
  if (!only || strcmp(only, "policy") == 0) bench_policy();
  if (!only || strcmp(only, "rebalance") == 0) bench_rebalance();
  if (!only || strcmp(only, "backtest") == 0) bench_backtest();
  if (!only || strcmp(only, "session") == 0) bench_session();
  if (!only || strcmp(only, "hrp") == 0) bench_hrp();
  if (!only || strcmp(only, "risk_sizers") == 0) bench_risk_sizers();
  if (!only || strcmp(only, "multi_sleeve") == 0) bench_multi_sleeve();
  if (!only || strcmp(only, "turnover_lw") == 0) bench_turnover_lw();
  if (!only || strcmp(only, "turnover_big") == 0) bench_turnover_big();
  if (!only || strcmp(only, "manager") == 0) bench_manager();
  if (!only || strcmp(only, "allocator") == 0) bench_allocator();
  if (!only || strcmp(only, "frontier") == 0) bench_frontier();
  if (!only || strcmp(only, "discrete_allocation") == 0) bench_discrete_allocation();
  if (!only || strcmp(only, "cancel") == 0) bench_cancel();
  return 0;
}
