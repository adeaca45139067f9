/*
 * test_position_sizers.c — the three position sizers formula by formula:
 * risk-based units, portfolio-weight units, beta against a hand-computed
 * example and against cov/var computed naively, clamping of the
 * beta-scaled size, lot rounding that never rounds up past the budget, and
 * every refusal with its status and message.
 */
#include <math.h>

#include "folio/position_sizers.h"
#include "testlib.h"

static void test_risk_based(void) {
  double u = -1;
  folio_error e;
  /* 10k * 1% / (20 * 5%) = 100 / 1 = 100 units */
  CHECK(folio_units_risk_based(10000, 0.01, 20, 0.05, 1, 0, &u, &e) == FOLIO_OK);
  CHECK_NEAR(u, 100, 0);
  /* 1e6 * 1% / (33.33 * 5%) = 6000.6 -> 6000 whole shares */
  CHECK(folio_units_risk_based(1e6, 0.01, 33.33, 0.05, 1, 0, &u, &e) == FOLIO_OK);
  CHECK_NEAR(u, 6000, 0);
  /* lots of 100: 6000.6 -> 6000; lots of 7: floor(857.2) * 7 = 5999 */
  CHECK(folio_units_risk_based(1e6, 0.01, 33.33, 0.05, 100, 0, &u, &e) == FOLIO_OK);
  CHECK_NEAR(u, 6000, 0);
  CHECK(folio_units_risk_based(1e6, 0.01, 33.33, 0.05, 7, 0, &u, &e) == FOLIO_OK);
  CHECK_NEAR(u, 5999, 0);
  /* fractional: the raw size */
  CHECK(folio_units_risk_based(1e6, 0.01, 33.33, 0.05, 1, 1, &u, &e) == FOLIO_OK);
  CHECK_NEAR(u, 1e4 / (33.33 * 0.05), 1e-9);
  /* budget below one share: 0 units */
  CHECK(folio_units_risk_based(1000, 0.01, 500, 0.05, 1, 0, &u, &e) == FOLIO_OK);
  CHECK_NEAR(u, 0, 0);
  /* binary noise: 100 * 0.01 / (0.1 * 0.05) is exactly 200 on paper but
   * 199.99999999999997 in doubles; the snap keeps the 200th share */
  CHECK(100 * 0.01 / (0.1 * 0.05) < 200);
  CHECK(folio_units_risk_based(100, 0.01, 0.1, 0.05, 1, 0, &u, &e) == FOLIO_OK);
  CHECK_NEAR(u, 200, 0);
  /* huge sizes never gain a lot from the snap */
  CHECK(folio_units_round_lots(1e13 + 0.5, 1, 0, &u, &e) == FOLIO_OK);
  CHECK_NEAR(u, 1e13, 0);
  /* a true shortfall keeps its lot: raw 99.9999 -> 99 */
  CHECK(folio_units_risk_based(99.9999, 1, 1, 1, 1, 0, &u, &e) == FOLIO_OK);
  CHECK_NEAR(u, 99, 0);
}

static void test_risk_based_errors(void) {
  double u = 42;
  folio_error e;
  CHECK_ERR(folio_units_risk_based(0, 0.01, 20, 0.05, 1, 0, &u, &e), e, FOLIO_EINVAL,
            "risk_based: equity must be > 0");
  CHECK_ERR(folio_units_risk_based(-5, 0.01, 20, 0.05, 1, 0, &u, &e), e, FOLIO_EINVAL, "equity");
  CHECK_ERR(folio_units_risk_based(NAN, 0.01, 20, 0.05, 1, 0, &u, &e), e, FOLIO_ENOTFINITE,
            "equity must be finite");
  CHECK_ERR(folio_units_risk_based(INFINITY, 0.01, 20, 0.05, 1, 0, &u, &e), e, FOLIO_ENOTFINITE,
            "equity");
  CHECK_ERR(folio_units_risk_based(2e13, 0.01, 20, 0.05, 1, 0, &u, &e), e, FOLIO_EINVAL,
            "equity must be <=");
  CHECK_ERR(folio_units_risk_based(1e4, 0, 20, 0.05, 1, 0, &u, &e), e, FOLIO_EINVAL,
            "risk_per_trade must be > 0");
  CHECK_ERR(folio_units_risk_based(1e4, 1.5, 20, 0.05, 1, 0, &u, &e), e, FOLIO_EINVAL,
            "risk_per_trade must be <= 1");
  CHECK_ERR(folio_units_risk_based(1e4, NAN, 20, 0.05, 1, 0, &u, &e), e, FOLIO_ENOTFINITE,
            "risk_per_trade");
  CHECK_ERR(folio_units_risk_based(1e4, 0.01, 0, 0.05, 1, 0, &u, &e), e, FOLIO_EINVAL,
            "price must be > 0");
  CHECK_ERR(folio_units_risk_based(1e4, 0.01, -3, 0.05, 1, 0, &u, &e), e, FOLIO_EINVAL, "price");
  CHECK_ERR(folio_units_risk_based(1e4, 0.01, NAN, 0.05, 1, 0, &u, &e), e, FOLIO_ENOTFINITE,
            "price must be finite");
  CHECK_ERR(folio_units_risk_based(1e4, 0.01, 20, 0, 1, 0, &u, &e), e, FOLIO_EINVAL,
            "stop_loss_pct must be > 0");
  CHECK_ERR(folio_units_risk_based(1e4, 0.01, 20, -0.05, 1, 0, &u, &e), e, FOLIO_EINVAL,
            "stop_loss_pct");
  CHECK_ERR(folio_units_risk_based(1e4, 0.01, 20, 1.5, 1, 0, &u, &e), e, FOLIO_EINVAL,
            "stop_loss_pct must be <= 1");
  CHECK_ERR(folio_units_risk_based(1e4, 0.01, 20, NAN, 1, 0, &u, &e), e, FOLIO_ENOTFINITE,
            "stop_loss_pct");
  CHECK_ERR(folio_units_risk_based(1e4, 0.01, 20, 0.05, 0, 0, &u, &e), e, FOLIO_EINVAL,
            "lot size must be > 0");
  CHECK_ERR(folio_units_risk_based(1e4, 0.01, 20, 0.05, NAN, 0, &u, &e), e, FOLIO_ENOTFINITE,
            "lot size");
  /* a lot is not needed when fractional */
  CHECK(folio_units_risk_based(1e4, 0.01, 20, 0.05, NAN, 1, &u, &e) == FOLIO_OK);
  /* a notional past FOLIO_MAX_USD: 1e13 * 1 / (1e-3 price * 1e-3 stop) units */
  u = 42;
  CHECK_ERR(folio_units_risk_based(1e13, 1, 1, 1e-3, 1, 0, &u, &e), e, FOLIO_EINVAL, "notional");
  CHECK_NEAR(u, 42, 0); /* untouched on failure */
}

static void test_portfolio_weight(void) {
  double u = -1;
  folio_error e;
  /* 5% of 1e6 at 190: 263.157... -> 263 */
  CHECK(folio_units_portfolio_weight(0.05, 1e6, 190, 1, 0, &u, &e) == FOLIO_OK);
  CHECK_NEAR(u, 263, 0);
  CHECK(263 * 190 <= 0.05 * 1e6);
  /* a short weight sizes its magnitude */
  CHECK(folio_units_portfolio_weight(-0.05, 1e6, 190, 1, 0, &u, &e) == FOLIO_OK);
  CHECK_NEAR(u, 263, 0);
  CHECK(folio_units_portfolio_weight(0.05, 1e6, 190, 10, 0, &u, &e) == FOLIO_OK);
  CHECK_NEAR(u, 260, 0);
  CHECK(folio_units_portfolio_weight(0.05, 1e6, 190, 1, 1, &u, &e) == FOLIO_OK);
  CHECK_NEAR(u, 50000.0 / 190, 1e-9);
  CHECK(folio_units_portfolio_weight(0, 1e6, 190, 1, 0, &u, &e) == FOLIO_OK);
  CHECK_NEAR(u, 0, 0);
  /* 0.1 * 3000 / 1 = 300 exactly on paper */
  CHECK(folio_units_portfolio_weight(0.1, 3000, 1, 1, 0, &u, &e) == FOLIO_OK);
  CHECK_NEAR(u, 300, 0);
  CHECK_ERR(folio_units_portfolio_weight(NAN, 1e6, 190, 1, 0, &u, &e), e, FOLIO_ENOTFINITE,
            "portfolio_weight: weight must be finite");
  CHECK_ERR(folio_units_portfolio_weight(0.05, 0, 190, 1, 0, &u, &e), e, FOLIO_EINVAL,
            "equity must be > 0");
  CHECK_ERR(folio_units_portfolio_weight(0.05, -1, 190, 1, 0, &u, &e), e, FOLIO_EINVAL, "equity");
  CHECK_ERR(folio_units_portfolio_weight(0.05, 1e6, 0, 1, 0, &u, &e), e, FOLIO_EINVAL,
            "price must be > 0");
  CHECK_ERR(folio_units_portfolio_weight(0.05, 1e6, INFINITY, 1, 0, &u, &e), e, FOLIO_ENOTFINITE,
            "price");
  CHECK_ERR(folio_units_portfolio_weight(0.05, 1e6, 190, -1, 0, &u, &e), e, FOLIO_EINVAL, "lot");
  CHECK_ERR(folio_units_portfolio_weight(1e9, 1e6, 190, 1, 0, &u, &e), e, FOLIO_EINVAL,
            "weight 1e+09 is outside the weight domain");
  CHECK_ERR(folio_units_portfolio_weight(50, 1e12, 190, 1, 0, &u, &e), e, FOLIO_EINVAL, "notional");
  /* numeric domains (numbers.h): a denormal price or lot is an error naming the value */
  CHECK_ERR(folio_units_portfolio_weight(0.05, 1e6, 4.9e-324, 1, 0, &u, &e), e, FOLIO_EINVAL,
            "price 4.94066e-324 is outside the price domain");
  CHECK_ERR(folio_units_portfolio_weight(0.05, 1e6, 190, 4.9e-324, 0, &u, &e), e, FOLIO_EINVAL,
            "lot size 4.94066e-324 is outside the lot domain");
  CHECK_ERR(folio_units_risk_based(1e6, 0.01, 1e-300, 0.05, 1, 0, &u, &e), e, FOLIO_EINVAL,
            "price 1e-300 is outside the price domain");
}

static void test_round_lots(void) {
  double u;
  folio_error e;
  CHECK(folio_units_round_lots(299.9999999999999, 100, 0, &u, &e) == FOLIO_OK);
  CHECK_NEAR(u, 300, 0);
  CHECK(folio_units_round_lots(299.99, 100, 0, &u, &e) == FOLIO_OK);
  CHECK_NEAR(u, 200, 0);
  CHECK(folio_units_round_lots(2.5, 1, 1, &u, &e) == FOLIO_OK);
  CHECK_NEAR(u, 2.5, 0);
  CHECK_ERR(folio_units_round_lots(-1, 1, 0, &u, &e), e, FOLIO_EINVAL, "units: raw units");
  CHECK_ERR(folio_units_round_lots(NAN, 1, 0, &u, &e), e, FOLIO_ENOTFINITE, "raw units");
  CHECK_ERR(folio_units_round_lots(1, 0, 0, &u, &e), e, FOLIO_EINVAL, "lot size");
}

/* cov / var computed the obvious way, as a reference */
static double naive_beta(const double *r, const double *b, size_t n) {
  double mr = 0, mb = 0;
  for (size_t i = 0; i < n; i++) mr += r[i], mb += b[i];
  mr /= (double)n;
  mb /= (double)n;
  double c = 0, v = 0;
  for (size_t i = 0; i < n; i++) c += (r[i] - mr) * (b[i] - mb), v += (b[i] - mb) * (b[i] - mb);
  return (c / (double)(n - 1)) / (v / (double)(n - 1));
}

static void test_beta(void) {
  folio_error e;
  double beta = -99;
  /* by hand: rb = 1, 2, 3, 4 (mean 2.5, deviations -1.5 -.5 .5 1.5, sum sq 5);
   * r = 2, 1, 4, 3 (mean 2.5, deviations -.5 -1.5 1.5 .5);
   * sum of products = .75 + .75 + .75 + .75 = 3; beta = 3 / 5 = 0.6 */
  double rb[] = {1, 2, 3, 4}, r[] = {2, 1, 4, 3};
  CHECK(folio_beta(4, r, rb, 4, &beta, &e) == FOLIO_OK);
  CHECK_NEAR(beta, 0.6, 1e-15);
  /* r = 2 rb + 0.01: beta 2 */
  double r2[] = {2.01, 4.01, 6.01, 8.01};
  CHECK(folio_beta(4, r2, rb, 4, &beta, &e) == FOLIO_OK);
  CHECK_NEAR(beta, 2, 1e-12);
  /* the window is the LAST `window` rows: rows 2..3 of rb = 3, 4 and r = 4, 3 -> beta -1 */
  CHECK(folio_beta(4, r, rb, 2, &beta, &e) == FOLIO_OK);
  CHECK_NEAR(beta, -1, 1e-15);
  /* a random series against the naive reference */
  tl_rng g = {7};
  enum { N = 500 };
  double x[N], y[N];
  for (size_t i = 0; i < N; i++) {
    y[i] = 0.01 * tl_normal(&g);
    x[i] = 1.3 * y[i] + 0.005 * tl_normal(&g) + 0.0002;
  }
  CHECK(folio_beta(N, x, y, 252, &beta, &e) == FOLIO_OK);
  CHECK_NEAR(beta, naive_beta(x + N - 252, y + N - 252, 252), 1e-12);
  CHECK(fabs(beta - 1.3) < 0.1);
  CHECK(folio_beta(N, x, y, N, &beta, &e) == FOLIO_OK);
  CHECK_NEAR(beta, naive_beta(x, y, N), 1e-12);

  /* refusals */
  beta = 42;
  CHECK_ERR(folio_beta(4, r, rb, 5, &beta, &e), e, FOLIO_ESHORT,
            "window of 5 observations is longer than the history (4)");
  CHECK_ERR(folio_beta(4, r, rb, 1, &beta, &e), e, FOLIO_EINVAL, "window must be >= 2");
  CHECK_ERR(folio_beta(4, NULL, rb, 4, &beta, &e), e, FOLIO_EINVAL, "NULL returns");
  CHECK_ERR(folio_beta(4, r, NULL, 4, &beta, &e), e, FOLIO_EINVAL, "NULL benchmark");
  double rn[] = {1, NAN, 3, 4};
  CHECK_ERR(folio_beta(4, rn, rb, 4, &beta, &e), e, FOLIO_ENOTFINITE, "return at row 1 is missing (NaN)");
  CHECK_ERR(folio_beta(4, r, rn, 4, &beta, &e), e, FOLIO_ENOTFINITE, "benchmark return at row 1");
  double ri[] = {1, 2, INFINITY, 4};
  CHECK_ERR(folio_beta(4, ri, rb, 4, &beta, &e), e, FOLIO_ENOTFINITE, "return at row 2 is infinite");
  /* NaN outside the window is not looked at */
  CHECK(folio_beta(4, r, rn, 2, &beta, &e) == FOLIO_OK);
  beta = 42;
  double flat[] = {0.01, 0.01, 0.01, 0.01}, zero[] = {0, 0, 0, 0};
  CHECK_ERR(folio_beta(4, r, flat, 4, &beta, &e), e, FOLIO_EDEGENERATE, "zero variance");
  CHECK_ERR(folio_beta(4, r, zero, 4, &beta, &e), e, FOLIO_EDEGENERATE, "zero variance");
  /* a constant benchmark whose mean does not round exactly */
  double c3[] = {0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1}, r7[] = {1, 2, 3, 4, 5, 6, 7};
  CHECK_ERR(folio_beta(7, r7, c3, 7, &beta, &e), e, FOLIO_EDEGENERATE, "last 7 observations");
  CHECK_NEAR(beta, 42, 0);
}

static void test_beta_scaled(void) {
  folio_error e;
  double u, used;
  /* risk-based 100 units; beta 2 -> 50 */
  CHECK(folio_units_beta_scaled(10000, 0.01, 20, 0.05, 2.0, 0.25, 4.0, 1, 0, &u, &used, &e) ==
        FOLIO_OK);
  CHECK_NEAR(u, 50, 0);
  CHECK_NEAR(used, 2, 0);
  /* beta 0.5 -> 200 */
  CHECK(folio_units_beta_scaled(10000, 0.01, 20, 0.05, 0.5, 0.25, 4.0, 1, 0, &u, &used, &e) ==
        FOLIO_OK);
  CHECK_NEAR(u, 200, 0);
  /* clamped: beta 10 -> 4 (25 units); beta 0.1 and negative betas -> 0.25 (400 units) */
  CHECK(folio_units_beta_scaled(10000, 0.01, 20, 0.05, 10, FOLIO_BETA_MIN_DEFAULT,
                                FOLIO_BETA_MAX_DEFAULT, 1, 0, &u, &used, &e) == FOLIO_OK);
  CHECK_NEAR(u, 25, 0);
  CHECK_NEAR(used, 4, 0);
  CHECK(folio_units_beta_scaled(10000, 0.01, 20, 0.05, 0.1, 0.25, 4, 1, 0, &u, &used, &e) ==
        FOLIO_OK);
  CHECK_NEAR(u, 400, 0);
  CHECK_NEAR(used, 0.25, 0);
  CHECK(folio_units_beta_scaled(10000, 0.01, 20, 0.05, -1.2, 0.25, 4, 1, 0, &u, &used, &e) ==
        FOLIO_OK);
  CHECK_NEAR(used, 0.25, 0);
  /* beta 3 -> 33.33 -> 33 (down, never up); fractional keeps 33.33.. */
  CHECK(folio_units_beta_scaled(10000, 0.01, 20, 0.05, 3, 0.25, 4, 1, 0, &u, NULL, &e) == FOLIO_OK);
  CHECK_NEAR(u, 33, 0);
  CHECK(folio_units_beta_scaled(10000, 0.01, 20, 0.05, 3, 0.25, 4, 1, 1, &u, NULL, &e) == FOLIO_OK);
  CHECK_NEAR(u, 100.0 / 3.0, 1e-12);
  CHECK_NEAR(folio_beta_clamp(5, 0.25, 4), 4, 0);
  CHECK_NEAR(folio_beta_clamp(-5, 0.25, 4), 0.25, 0);
  CHECK_NEAR(folio_beta_clamp(1.1, 0.25, 4), 1.1, 0);
  CHECK(isnan(folio_beta_clamp(NAN, 0.25, 4)));
  CHECK_NEAR(FOLIO_BETA_MIN_DEFAULT, 0.25, 0);
  CHECK_NEAR(FOLIO_BETA_MAX_DEFAULT, 4.0, 0);

  CHECK_ERR(folio_units_beta_scaled(10000, 0.01, 20, 0.05, NAN, 0.25, 4, 1, 0, &u, &used, &e), e,
            FOLIO_ENOTFINITE, "beta_scaled: beta must be finite");
  CHECK_ERR(folio_units_beta_scaled(10000, 0.01, 20, 0.05, 1, 0, 4, 1, 0, &u, &used, &e), e,
            FOLIO_EINVAL, "beta_min must be > 0");
  CHECK_ERR(folio_units_beta_scaled(10000, 0.01, 20, 0.05, 1, 0.25, NAN, 1, 0, &u, &used, &e), e,
            FOLIO_ENOTFINITE, "beta_max");
  CHECK_ERR(folio_units_beta_scaled(10000, 0.01, 20, 0.05, 1, 5, 4, 1, 0, &u, &used, &e), e,
            FOLIO_EINVAL, "beta_min 5 is greater than beta_max 4");
  CHECK_ERR(folio_units_beta_scaled(0, 0.01, 20, 0.05, 1, 0.25, 4, 1, 0, &u, &used, &e), e,
            FOLIO_EINVAL, "beta_scaled: equity must be > 0");
  CHECK_ERR(folio_units_beta_scaled(1e4, 0.01, -1, 0.05, 1, 0.25, 4, 1, 0, &u, &used, &e), e,
            FOLIO_EINVAL, "price");
  CHECK_ERR(folio_units_beta_scaled(1e4, 0.01, 20, 0, 1, 0.25, 4, 1, 0, &u, &used, &e), e,
            FOLIO_EINVAL, "stop_loss_pct");
}

int main(void) {
  test_risk_based();
  test_risk_based_errors();
  test_portfolio_weight();
  test_round_lots();
  test_beta();
  test_beta_scaled();
  return tl_finish("test_position_sizers");
}
