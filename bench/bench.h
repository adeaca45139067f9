/*
 * bench.h — timing helpers for `make bench`. A benchmark measures an
 * operation and the bare library call it is built on in the same run, and
 * prints both with their ratio; it never asserts.
 */
#ifndef FOLIO_BENCH_H
#define FOLIO_BENCH_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

static inline double bench_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Median seconds of fn(ctx) over `reps` runs after one warm-up run. */
double bench_median(void (*fn)(void *), void *ctx, int reps);

/* Median seconds of fn(ctx) over `reps` runs, each followed by one run of
 * bound(bound_ctx) (interleaved, so drift hits both alike); the bound's median
 * goes to *bound_s. One warm-up run of each. */
double bench_interleaved(void (*fn)(void *), void *ctx, void (*bound)(void *), void *bound_ctx,
                         int reps, double *bound_s);

/* Prints one table row: name, size, folio time, bare time, ratio, the bare call's name. */
void bench_row(const char *what, const char *size, double folio_s, double bare_s, const char *bare);

/* Fills x[0..n) with N(0, 1) numbers from a fixed seed. */
void bench_fill_normal(double *x, size_t n, uint64_t seed);

/* A well-conditioned n x n covariance (column-major, both triangles): 0.04
 * times the sample second moment of t seeded N(0, 1) rows, plus 0.01 on the
 * diagonal. */
void bench_factor_cov(double *cov, size_t n, size_t t, uint64_t seed);

/* Each area's benchmarks (bench_<area>.c). */
void bench_cov(void);
void bench_cancel(void); /* the cost of folio_cancel polls (bench_cancel.c) */
void bench_risk(void);
void bench_kelly(void);
void bench_vol_target(void);
void bench_policy(void);
void bench_rebalance(void);
void bench_backtest(void);
void bench_session(void);
void bench_hrp(void);
void bench_risk_sizers(void);
void bench_multi_sleeve(void);
void bench_turnover_lw(void);
void bench_turnover_big(void);
void bench_manager(void);
void bench_allocator(void);
void bench_frontier(void); /* the efficient frontier (bench_frontier.c) */
void bench_discrete_allocation(void);

#endif
