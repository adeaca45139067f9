/*
 * ref_frontier.c — folio_frontier_min_volatility and folio_frontier_max_sharpe
 * (risk_free_rate 0.02, bounds (0, 1)) on ../shared/reference/data/stock_prices.csv
 * against PyPortfolioOpt's problems solved offline
 * (tests/reference/frontier_stock_prices.csv; its header says how). The
 * inputs are computed here, independently of folio's estimators, with
 * PyPortfolioOpt's formulas on the complete rows: simple returns,
 * mu = prod(1 + r)^(252/T) - 1 (mean_historical_return, compounding),
 * cov = 252 * sample covariance (sample_cov). Weights to 1e-9. Exits 77
 * with a visible SKIP when the reference folder is absent.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "folio/frontier.h"
#include "refio.h"
#include "testlib.h"

#define NMAX 64

/* The expected file: '#' comment lines, a header, then symbol,mu,min_volatility,max_sharpe. */
static size_t load_expected(const char *path, char syms[][16], double *mu, double *mv, double *ms) {
  FILE *f = fopen(path, "r");
  if (!f) return 0;
  char line[512];
  size_t n = 0;
  int header = 1;
  while (fgets(line, sizeof line, f) && n < NMAX) {
    if (line[0] == '#') continue;
    if (header) {
      header = 0;
      continue;
    }
    char *s = strtok(line, ",\n");
    char *a = strtok(NULL, ",\n"), *b = strtok(NULL, ",\n"), *c = strtok(NULL, ",\n");
    if (!s || !a || !b || !c) break;
    snprintf(syms[n], 16, "%s", s);
    mu[n] = strtod(a, NULL);
    mv[n] = strtod(b, NULL);
    ms[n] = strtod(c, NULL);
    n++;
  }
  fclose(f);
  return n;
}

int main(void) {
  const char *dir = tl_reference_dir();
  if (!dir) {
    printf("SKIP: ../shared/reference is absent; reference tests not run\n");
    return 77;
  }
  ref_table p;
  char data_dir[2048];
  snprintf(data_dir, sizeof data_dir, "%.2000s/data", dir);
  if (ref_load(data_dir, "stock_prices.csv", &p) != 0) {
    printf("SKIP: %s/stock_prices.csv is absent; the frontier reference test is not run\n", data_dir);
    return 77;
  }
  const char *src = getenv("FOLIO_SOURCE_DIR");
  char path[4096];
  snprintf(path, sizeof path, "%s/tests/reference/frontier_stock_prices.csv", src ? src : ".");
  static char syms[NMAX][16];
  double want_mu[NMAX], want_mv[NMAX], want_ms[NMAX];
  size_t n = load_expected(path, syms, want_mu, want_mv, want_ms);
  CHECK_EQ_INT(n, p.n_cols);
  if (n != p.n_cols || n == 0) return tl_finish("ref_frontier");
  for (size_t j = 0; j < n; j++) CHECK(strcmp(syms[j], p.header[j + 1]) == 0);
  /* complete rows, then simple returns between consecutive ones */
  double *prev = NULL, *r = malloc(sizeof(double) * p.n_rows * n);
  size_t t = 0;
  for (size_t i = 0; i < p.n_rows; i++) {
    double *row = p.values + i * n;
    int complete = 1;
    for (size_t j = 0; j < n; j++)
      if (isnan(row[j])) complete = 0;
    if (!complete) continue;
    if (prev) {
      for (size_t j = 0; j < n; j++) r[t * n + j] = row[j] / prev[j] - 1.0;
      t++;
    }
    prev = row;
  }
  double mu[NMAX], cov[NMAX * NMAX], mean[NMAX];
  for (size_t j = 0; j < n; j++) {
    double prod = 1.0, s = 0.0;
    for (size_t k = 0; k < t; k++) {
      prod *= 1.0 + r[k * n + j];
      s += r[k * n + j];
    }
    mu[j] = pow(prod, 252.0 / (double)t) - 1.0;
    mean[j] = s / (double)t;
    CHECK_NEAR(mu[j], want_mu[j], 1e-12 * (1 + fabs(mu[j])));
  }
  for (size_t a = 0; a < n; a++)
    for (size_t b = 0; b <= a; b++) {
      double s = 0.0;
      for (size_t k = 0; k < t; k++) s += (r[k * n + a] - mean[a]) * (r[k * n + b] - mean[b]);
      cov[a + b * n] = cov[b + a * n] = 252.0 * s / (double)(t - 1);
    }
  const char *sy[NMAX];
  for (size_t j = 0; j < n; j++) sy[j] = syms[j];
  double w[NMAX];
  folio_frontier_info info;
  folio_error err;
  folio_status st = folio_frontier_min_volatility(n, mu, cov, n, sy, NULL, w, NULL, &info, NULL, &err);
  CHECK_MSG(st == FOLIO_OK, "%s", err.message);
  double dev = 0.0;
  for (size_t j = 0; j < n; j++) dev = fmax(dev, fabs(w[j] - want_mv[j]));
  CHECK_MSG(dev <= 1e-9, "min_volatility: max |w - reference| = %g", dev);
  CHECK(info.kkt.stationarity <= 1e-12 && info.kkt.primal <= 1e-12);
  folio_frontier_opts o = folio_frontier_defaults();
  o.risk_free_rate = 0.02;
  st = folio_frontier_max_sharpe(n, mu, cov, n, sy, &o, w, NULL, &info, NULL, &err);
  CHECK_MSG(st == FOLIO_OK, "%s", err.message);
  dev = 0.0;
  for (size_t j = 0; j < n; j++) dev = fmax(dev, fabs(w[j] - want_ms[j]));
  CHECK_MSG(dev <= 1e-9, "max_sharpe: max |w - reference| = %g", dev);
  printf("ref_frontier: %zu assets, %zu returns; max_sharpe Sharpe %.12f, volatility %.12f\n", n, t,
         info.sharpe, info.volatility);
  free(r);
  ref_free(&p);
  return tl_finish("ref_frontier");
}
