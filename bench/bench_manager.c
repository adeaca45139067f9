/*
 * bench_manager.c — the strategy-weight manager, 10 strategies x 365 days
 * (the goal: under 200 ms). Rows: the optimiser alone (moments, 19
 * SLSQP starts, vol targeting) against computing the moments once; and the
 * whole `folio manager` run from files (5 stats.json + 5 stats.csv of 400
 * days, aligned on the last 365) plus the atomic write, against reading the
 * stats files alone.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bench.h"
#include "folio/manager.h"

enum { N_STRAT = 10, N_DAYS = 365, FILE_DAYS = 400 };

typedef struct manager_ctx {
  double *R, slope[N_STRAT], cov[N_STRAT * N_STRAT], w[N_STRAT];
  char root[128], out[192];
  folio_manager_opts o;
} manager_ctx;

static void run_optimize(void *p) {
  manager_ctx *c = p;
  folio_manager_fit fit;
  folio_error err;
  if (folio_manager_optimize(N_DAYS, N_STRAT, c->R, N_DAYS, NULL, &c->o, c->w, &fit, &err) != FOLIO_OK)
    fprintf(stderr, "bench_manager: %s\n", err.message);
}

static void run_moments(void *p) {
  manager_ctx *c = p;
  folio_error err;
  if (folio_manager_moments(N_DAYS, N_STRAT, c->R, N_DAYS, c->slope, c->cov, N_STRAT, &err) != FOLIO_OK)
    fprintf(stderr, "bench_manager: %s\n", err.message);
}

static void run_files(void *p) {
  manager_ctx *c = p;
  folio_manager_report *r = NULL;
  folio_error err;
  if (folio_manager_run(c->root, &c->o, &r, &err) != FOLIO_OK || folio_manager_write_config(c->out, r, &err) != FOLIO_OK)
    fprintf(stderr, "bench_manager: %s\n", err.message);
  folio_manager_report_free(r);
}

static void run_scan(void *p) {
  manager_ctx *c = p;
  folio_manager_book *b = NULL;
  folio_error err;
  if (folio_manager_scan(c->root, &b, &err) != FOLIO_OK) fprintf(stderr, "bench_manager: %s\n", err.message);
  folio_manager_book_free(b);
}

/* Writes the 10 strategy folders (weekdays from 2023-01-02). */
static int write_root(manager_ctx *c, const double *x) {
  snprintf(c->root, sizeof c->root, "/tmp/folio_bench_manager_XXXXXX");
  if (!mkdtemp(c->root)) return -1;
  snprintf(c->out, sizeof c->out, "%s/portfolio_config.json", c->root);
  static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  for (int k = 0; k < N_STRAT; k++) {
    char path[256];
    snprintf(path, sizeof path, "%s/s%02d", c->root, k);
    mkdir(path, 0755);
    snprintf(path, sizeof path, "%s/s%02d/stats.%s", c->root, k, k % 2 ? "csv" : "json");
    FILE *f = fopen(path, "w");
    if (!f) return -1;
    fputs(k % 2 ? "date,return\n" : "{\"daily_returns\": [\n", f);
    int y = 2023, m = 0, d = 1, dow = 0; /* 2023-01-02 is a Monday; day 1 is a Sunday */
    for (int t = 0; t < FILE_DAYS;) {
      if (++d > mdays[m] + (m == 1 && y % 4 == 0)) d = 1, m = (m + 1) % 12, y += m == 0;
      dow = (dow + 1) % 7;
      if (dow == 0 || dow == 6) continue;
      double r = 0.0004 + 0.01 * x[t + k * FILE_DAYS];
      if (k % 2) fprintf(f, "%04d-%02d-%02d,%.8f\n", y, m + 1, d, r);
      else fprintf(f, "%s{\"date\": \"%04d-%02d-%02d\", \"return\": %.8f}", t ? ",\n" : "", y, m + 1, d, r);
      t++;
    }
    if (!(k % 2)) fputs("\n]}\n", f);
    fclose(f);
  }
  return 0;
}

static void remove_root(manager_ctx *c) {
  char path[256];
  for (int k = 0; k < N_STRAT; k++) {
    snprintf(path, sizeof path, "%s/s%02d/stats.%s", c->root, k, k % 2 ? "csv" : "json");
    unlink(path);
    snprintf(path, sizeof path, "%s/s%02d", c->root, k);
    rmdir(path);
  }
  unlink(c->out);
  rmdir(c->root);
}

void bench_manager(void) {
  manager_ctx c;
  memset(&c, 0, sizeof c);
  c.o = folio_manager_defaults();
  double *x = malloc(sizeof(double) * N_STRAT * FILE_DAYS);
  c.R = malloc(sizeof(double) * N_STRAT * N_DAYS);
  if (!x || !c.R) return;
  bench_fill_normal(x, (size_t)N_STRAT * FILE_DAYS, 6);
  for (int k = 0; k < N_STRAT; k++)
    for (int t = 0; t < N_DAYS; t++) c.R[t + k * N_DAYS] = 0.0004 * (k + 1) / N_STRAT + 0.01 * x[t + k * FILE_DAYS];
  double fo = bench_median(run_optimize, &c, 21), fb = bench_median(run_moments, &c, 21);
  bench_row("manager optimize", "10 x 365", fo, fb, "moments once");
  if (write_root(&c, x) == 0) {
    double ro = bench_median(run_files, &c, 11), rb = bench_median(run_scan, &c, 11);
    bench_row("manager run + write", "10 x 365 (files)", ro, rb, "read stats only");
    remove_root(&c);
  } else {
    fprintf(stderr, "bench_manager: cannot write the strategy folders under /tmp\n");
  }
  free(x);
  free(c.R);
}
