/*
 * ref_expected_returns.c — folio's expected returns against PyPortfolioOpt's
 * expected_returns functions on ../shared/reference/data/stock_prices.csv
 * (leading NaNs in 10 of 20 tickers: the pandas missing-data rules are
 * exercised). The expected numbers are tests/reference/data/expected_returns.csv,
 * computed offline by tests/reference/data/make_retrisk_reference.py (its
 * header names the peer and the versions).
 *
 * Tolerance 1e-12 relative (to max(|value|, 1e-3)): the products, the
 * ewm recursion and the means are evaluated in pandas' own order; what is
 * left is the order of a few sums (the row means of the equal-weighted
 * market, the covariance's two passes against pandas' Welford loop).
 */
#include <math.h>

#include "folio/expected_returns.h"
#include "refio.h"
#include "testlib.h"

#define TOL 1e-12

static double worst_all = 0.0;

static void compare(const char *what, const double *got, const ref_table *want, const char *col) {
  int c = ref_col(want, col);
  CHECK_MSG(c >= 0, "expected_returns.csv has no column %s", col);
  if (c < 0) return;
  double worst = 0.0;
  for (size_t j = 0; j < want->n_rows; j++) {
    double w = want->values[j * want->n_cols + (size_t)c];
    double d = fabs(got[j] - w) / fmax(fabs(w), 1e-3);
    if (!(d <= worst)) worst = d;
  }
  CHECK_MSG(worst <= TOL, "%s: worst relative deviation %.3g", what, worst);
  printf("  %-28s worst relative deviation %.3g\n", what, worst);
  if (worst > worst_all) worst_all = worst;
}

int main(void) {
  const char *dir = tl_reference_dir();
  if (!dir) {
    printf("SKIP: ../shared/reference is absent; expected-returns reference tests not run\n");
    return 77;
  }
  const char *src = getenv("FOLIO_SOURCE_DIR");
  char here[4096];
  snprintf(here, sizeof here, "%s/tests/reference", src && *src ? src : ".");
  ref_table t, want;
  if (ref_load(dir, "data/stock_prices.csv", &t) != 0 || ref_load(here, "data/expected_returns.csv", &want) != 0) {
    CHECK_MSG(0, "cannot load the reference files");
    return tl_finish("ref_expected_returns");
  }
  const size_t a = t.n_cols;
  CHECK_EQ_INT(want.n_rows, a);
  for (size_t j = 0; j < a && j < want.n_rows; j++) CHECK(strcmp(want.labels[j], t.header[j + 1]) == 0);
  double *px = ref_column_major(&t);
  folio_panel prices = {px, t.n_rows, a, t.n_rows, NULL, (const char *const *)(t.header + 1)};
  double mu[64], beta[64];
  folio_er_info info;
  folio_error err = {FOLIO_OK, ""};
  struct { int comp, log; const char *col; } mh[] = {
      {1, 0, "mean_comp"}, {0, 0, "mean_arith"}, {1, 1, "mean_log_comp"}, {0, 1, "mean_log_arith"}};
  for (size_t k = 0; k < 4; k++) {
    CHECK_MSG(folio_mean_historical_return(&prices, mh[k].comp, 252, mh[k].log, mu, NULL, &info,
                                           &err) == FOLIO_OK, "%s", err.message);
    compare(mh[k].col, mu, &want, mh[k].col);
  }
  CHECK_EQ_INT(info.rows_used, 7125);
  CHECK(info.had_missing);
  struct { double span; int comp; const char *col; } em[] = {
      {500, 1, "ema_comp"}, {500, 0, "ema_arith"}, {60, 1, "ema_comp_span60"}};
  for (size_t k = 0; k < 3; k++) {
    CHECK_MSG(folio_ema_historical_return(&prices, em[k].span, em[k].comp, 252, mu, NULL, &info,
                                          &err) == FOLIO_OK, "%s", err.message);
    compare(em[k].col, mu, &want, em[k].col);
  }
  /* CAPM: the equal-weighted market, and the XOM column as market_prices. */
  int xom = ref_col(&t, "XOM");
  CHECK(xom >= 0);
  const double *mkt = px + (size_t)xom * t.n_rows;
  struct { const double *m; double rf; int comp; const char *col; } cp[] = {
      {NULL, 0.0, 1, "capm_comp"}, {NULL, 0.02, 0, "capm_arith_rf02"},
      {mkt, 0.0, 1, "capm_xom_comp"}, {mkt, 0.02, 0, "capm_xom_arith_rf02"}};
  for (size_t k = 0; k < 4; k++) {
    CHECK_MSG(folio_capm_return(&prices, cp[k].m, cp[k].rf, cp[k].comp, 252, mu, beta, NULL, &info,
                                &err) == FOLIO_OK, "%s", err.message);
    compare(cp[k].col, mu, &want, cp[k].col);
  }
  /* XOM against itself as the market: beta exactly 1 up to rounding. */
  CHECK_NEAR(beta[xom], 1.0, 1e-14);
  printf("  worst of all: %.3g (tolerance %.0e)\n", worst_all, TOL);
  free(px);
  ref_free(&t);
  ref_free(&want);
  return tl_finish("ref_expected_returns");
}
