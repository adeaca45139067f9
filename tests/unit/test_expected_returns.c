/*
 * test_expected_returns.c — unit tests for expected_returns.c: each
 * estimator against its formula evaluated by hand, the pandas rules for
 * missing prices (NaN-skipping products and counts, an ewm that a gap ages,
 * rows with every return missing dropped), the constant-growth invariant,
 * and the bad inputs the header documents, each error naming what it is
 * about.
 */
#include <math.h>

#include "folio/expected_returns.h"
#include "testlib.h"

static const char *const SY[] = {"AAA", "BBB", "CCC", "DDD"};
static const char *const DATES[] = {"d1", "d2", "d3", "d4", "d5", "d6", "d7", "d8", "d9", "d10"};

/* Constant growth g per row: the geometric mean is g, the arithmetic mean
 * is g, the ewm of a constant series is g exactly (pandas keeps it so). */
static void test_constant_growth(void) {
  tl_rng rng = {7};
  for (int k = 0; k < 200; k++) {
    const size_t n = 2 + tl_index(&rng, 300);
    const double g = -0.01 + 0.03 * tl_uniform(&rng), f = 1 + tl_index(&rng, 365);
    double *px = malloc(sizeof(double) * n * 2);
    for (size_t t = 0; t < n; t++) {
      px[t] = 50.0 * pow(1.0 + g, (double)t);
      px[t + n] = 7.0 * pow(1.0 + g, (double)t);
    }
    folio_panel p = {px, n, 2, n, NULL, SY};
    double mu[2], want = pow(1.0 + g, f) - 1.0;
    folio_error err;
    folio_er_info info;
    CHECK(folio_mean_historical_return(&p, 1, f, 0, mu, NULL, &info, &err) == FOLIO_OK);
    CHECK_MSG(fabs(mu[0] - want) <= 1e-10 * (fabs(want) + 1e-3), "geometric %g vs %g (n %zu)", mu[0], want, n);
    CHECK_EQ_INT(info.rows_used, n - 1);
    CHECK(folio_mean_historical_return(&p, 0, f, 0, mu, NULL, NULL, &err) == FOLIO_OK);
    CHECK_MSG(fabs(mu[1] - g * f) <= 1e-10 * (fabs(g * f) + 1e-3), "arithmetic %g vs %g", mu[1], g * f);
    CHECK(folio_ema_historical_return(&p, 1.0 + 100.0 * tl_uniform(&rng), 1, f, mu, NULL, NULL, &err) == FOLIO_OK);
    CHECK_MSG(fabs(mu[0] - want) <= 1e-10 * (fabs(want) + 1e-3), "ema %g vs %g", mu[0], want);
    /* log returns, arithmetic: f log(1 + g) */
    CHECK(folio_mean_historical_return(&p, 0, f, 1, mu, NULL, NULL, &err) == FOLIO_OK);
    CHECK_NEAR(mu[0], f * log1p(g), 1e-10 * (fabs(f * log1p(g)) + 1e-3));
    free(px);
  }
}

/* Hand-computed values on a small panel with gaps. */
static void test_formulas_and_gaps(void) {
  /* AAA: full; BBB: listed from d3; CCC: a missing price at d4. */
  const double N = NAN;
  double px[] = {10, 11, 12.1, 11, 12, 13,  /* AAA */
                 N,  N,  20,   21, 19, 20,  /* BBB */
                 5,  5.5, 5,   N,  6,  6.6}; /* CCC */
  folio_panel p = {px, 6, 3, 6, DATES, SY};
  double mu[3];
  folio_er_info info;
  folio_error err;
  CHECK_ERR(folio_mean_historical_return(&p, 1, 252, 0, mu, NULL, &info, &err), err, FOLIO_OK, "");
  CHECK_EQ_INT(info.rows_used, 5);
  CHECK(info.had_missing);
  /* BBB: returns 21/20-1, 19/21-1, 20/19-1 -> prod = 20/20 = 1 (over 3 returns) */
  double rb[3] = {21.0 / 20 - 1, 19.0 / 21 - 1, 20.0 / 19 - 1};
  double prod = (1 + rb[0]) * (1 + rb[1]) * (1 + rb[2]);
  CHECK_NEAR(mu[1], pow(prod, 252.0 / 3) - 1, 1e-15);
  /* CCC: returns 0.1, 5/5.5-1, NaN, NaN, 0.1 -> 3 present */
  double rc[3] = {5.5 / 5 - 1, 5 / 5.5 - 1, 6.6 / 6 - 1};
  CHECK_NEAR(mu[2], pow((1 + rc[0]) * (1 + rc[1]) * (1 + rc[2]), 252.0 / 3) - 1, 1e-13);
  CHECK(folio_mean_historical_return(&p, 0, 252, 0, mu, NULL, NULL, &err) == FOLIO_OK);
  CHECK_NEAR(mu[2], (rc[0] + rc[1] + rc[2]) / 3 * 252, 1e-14);
  /* ewm: CCC at rows 0, 1, (2, 3 missing), 4; alpha = 2 / (span + 1) */
  const double span = 3, a = 2.0 / (span + 1), q = 1 - a;
  double e = rc[0], w = 1;                       /* row 0 */
  w *= q; e = (w * e + rc[1]) / (w + 1); w += 1; /* row 1 */
  w *= q; w *= q;                                /* rows 2 and 3: missing, but they age */
  w *= q; e = (w * e + rc[2]) / (w + 1);         /* row 4 */
  CHECK(folio_ema_historical_return(&p, span, 0, 1, mu, NULL, NULL, &err) == FOLIO_OK);
  CHECK_NEAR(mu[2], e, 1e-16);
  /* BBB starts at row 2: the first observation is taken as is */
  double eb = rb[0], wb = 1;
  wb *= q; eb = (wb * eb + rb[1]) / (wb + 1); wb += 1;
  wb *= q; eb = (wb * eb + rb[2]) / (wb + 1);
  CHECK_NEAR(mu[1], eb, 1e-16);
  /* without gaps: the closed form sum q^(n-1-t) r_t / sum q^(n-1-t) */
  double ra[5], num = 0, den = 0;
  for (int t = 0; t < 5; t++) ra[t] = px[t + 1] / px[t] - 1;
  for (int t = 0; t < 5; t++) {
    num += pow(q, 4 - t) * ra[t];
    den += pow(q, 4 - t);
  }
  CHECK_NEAR(mu[0], num / den, 1e-15);
  CHECK(folio_ema_historical_return(&p, span, 1, 252, mu, NULL, NULL, &err) == FOLIO_OK);
  CHECK_NEAR(mu[0], pow(1 + num / den, 252) - 1, 1e-12);

  /* A price row missing for every symbol: both returns around it are
   * missing everywhere, the rows are dropped and do not age the ewm. */
  double px2[] = {10, 11, N, 12, 13, 20, 21, N, 22, 23};
  double px3[] = {10, 11, 13.0 / 12.0 * 11.0, 20, 21, 23.0 / 22.0 * 21.0}; /* the same last return */
  folio_panel p2 = {px2, 5, 2, 5, DATES, SY}, p3 = {px3, 3, 2, 3, DATES, SY};
  double m2[2], m3[2];
  CHECK(folio_ema_historical_return(&p2, 5, 0, 1, m2, NULL, &info, &err) == FOLIO_OK);
  CHECK_EQ_INT(info.rows_used, 2);
  CHECK(!info.had_missing);
  CHECK(folio_ema_historical_return(&p3, 5, 0, 1, m3, NULL, NULL, &err) == FOLIO_OK);
  CHECK_NEAR(m2[0], m3[0], 1e-15);
  CHECK_NEAR(m2[1], m3[1], 1e-15);
}

static void test_capm(void) {
  tl_rng rng = {11};
  const size_t n = 60, a = 3;
  double px[60 * 3], mk[60];
  for (size_t j = 0; j < a; j++) px[j * n] = 10.0 + (double)j;
  mk[0] = 100;
  for (size_t t = 1; t < n; t++) {
    double m = 0.01 * tl_normal(&rng);
    mk[t] = mk[t - 1] * (1 + m);
    for (size_t j = 0; j < a; j++)
      px[t + j * n] = px[t - 1 + j * n] * (1 + (0.5 + (double)j) * m + 0.005 * tl_normal(&rng));
  }
  folio_panel p = {px, n, a, n, DATES, SY};
  double mu[3], beta[3];
  folio_er_info info;
  folio_error err;
  for (int use_market = 0; use_market < 2; use_market++) {
    CHECK_ERR(folio_capm_return(&p, use_market ? mk : NULL, 0.02, 1, 252, mu, beta, NULL, &info, &err), err, FOLIO_OK, "");
    /* by hand: returns, the market, cov/var (ddof 1), the market's CAGR */
    double r[59 * 4];
    for (size_t t = 0; t + 1 < n; t++) {
      double s = 0;
      for (size_t j = 0; j < a; j++) {
        r[t + j * 59] = px[t + 1 + j * n] / px[t + j * n] - 1;
        s += r[t + j * 59];
      }
      r[t + 3 * 59] = use_market ? mk[t + 1] / mk[t] - 1 : s / 3;
    }
    double mm = 0, prod = 1;
    for (size_t t = 0; t < 59; t++) {
      mm += r[t + 3 * 59];
      prod *= 1 + r[t + 3 * 59];
    }
    mm /= 59;
    double var = 0;
    for (size_t t = 0; t < 59; t++) var += (r[t + 177] - mm) * (r[t + 177] - mm);
    double m_ret = pow(prod, 252.0 / 59) - 1;
    CHECK_NEAR(info.market_return, m_ret, 1e-14);
    double bsum = 0;
    for (size_t j = 0; j < a; j++) {
      double mj = 0, c = 0;
      for (size_t t = 0; t < 59; t++) mj += r[t + j * 59];
      mj /= 59;
      for (size_t t = 0; t < 59; t++) c += (r[t + j * 59] - mj) * (r[t + 177] - mm);
      CHECK_NEAR(beta[j], c / var, 1e-12);
      CHECK_NEAR(mu[j], 0.02 + beta[j] * (m_ret - 0.02), 1e-14);
      bsum += beta[j];
    }
    /* the equal-weighted market is the mean of the assets: betas average to 1 */
    if (!use_market) CHECK_NEAR(bsum / 3, 1.0, 1e-13);
  }
  /* a market priced like one of the assets gives that asset beta 1 */
  CHECK(folio_capm_return(&p, px + n, 0.0, 0, 252, mu, beta, NULL, NULL, &err) == FOLIO_OK);
  CHECK_NEAR(beta[1], 1.0, 1e-14);
}

static void test_errors(void) {
  double px[] = {10, 11, 12, 13, 20, 21, 22, 23};
  folio_panel p = {px, 4, 2, 4, DATES, SY};
  double mu[2];
  folio_error err;
  CHECK_ERR(folio_mean_historical_return(&p, 1, 0, 0, mu, NULL, NULL, &err), err, FOLIO_EINVAL, "frequency 0 must be finite and > 0");
  CHECK_ERR(folio_mean_historical_return(&p, 1, -252, 0, mu, NULL, NULL, &err), err, FOLIO_EINVAL, "frequency -252");
  CHECK_ERR(folio_ema_historical_return(&p, 1, 1, NAN, mu, NULL, NULL, &err), err, FOLIO_EINVAL, "frequency nan");
  CHECK_ERR(folio_ema_historical_return(&p, 0, 1, 252, mu, NULL, NULL, &err), err, FOLIO_EINVAL, "span 0 must be finite and >= 1");
  CHECK_ERR(folio_ema_historical_return(&p, -5, 1, 252, mu, NULL, NULL, &err), err, FOLIO_EINVAL, "span -5");
  CHECK_ERR(folio_ema_historical_return(&p, 0.5, 1, 252, mu, NULL, NULL, &err), err, FOLIO_EINVAL, "span 0.5");
  CHECK_ERR(folio_mean_historical_return(&p, 1, 252, 0, NULL, NULL, NULL, &err), err, FOLIO_EINVAL, "mu is NULL");
  CHECK_ERR(folio_mean_historical_return(NULL, 1, 252, 0, mu, NULL, NULL, &err), err, FOLIO_EINVAL, "prices is NULL");
  folio_panel one = {px, 1, 2, 4, DATES, SY};
  CHECK_ERR(folio_mean_historical_return(&one, 1, 252, 0, mu, NULL, NULL, &err), err, FOLIO_ESHORT, "1 row(s), at least 2");
  folio_panel none = {px, 4, 0, 4, DATES, SY};
  CHECK_ERR(folio_capm_return(&none, NULL, 0, 1, 252, mu, NULL, NULL, NULL, &err), err, FOLIO_EEMPTY, "no symbol");
  px[6] = -22; /* BBB, d3 */
  CHECK_ERR(folio_mean_historical_return(&p, 1, 252, 0, mu, NULL, NULL, &err), err, FOLIO_EINVAL, "price -22 is not > 0 (symbol BBB, row d3)");
  CHECK_ERR(folio_ema_historical_return(&p, 10, 1, 252, mu, NULL, NULL, &err), err, FOLIO_EINVAL, "ema_historical_return: price -22");
  px[6] = 0;
  CHECK_ERR(folio_capm_return(&p, NULL, 0, 1, 252, mu, NULL, NULL, NULL, &err), err, FOLIO_EINVAL, "capm_return: price 0 is not > 0 (symbol BBB, row d3)");
  px[6] = INFINITY;
  CHECK_ERR(folio_mean_historical_return(&p, 1, 252, 0, mu, NULL, NULL, &err), err, FOLIO_ENOTFINITE, "BBB");
  px[6] = 22;
  /* a symbol with no return: a single price */
  double gap[] = {10, 11, 12, 13, NAN, NAN, 22, NAN};
  folio_panel pg = {gap, 4, 2, 4, DATES, SY};
  CHECK_ERR(folio_mean_historical_return(&pg, 1, 252, 0, mu, NULL, NULL, &err), err, FOLIO_EMISSING, "symbol BBB has no return");
  CHECK_ERR(folio_capm_return(&pg, NULL, 0, 1, 252, mu, NULL, NULL, NULL, &err), err, FOLIO_EMISSING, "symbol BBB");
  /* the market: a bad price, NaN risk-free rate, no variance, too little overlap */
  double mk[] = {100, 101, -1, 103};
  CHECK_ERR(folio_capm_return(&p, mk, 0, 1, 252, mu, NULL, NULL, NULL, &err), err, FOLIO_EINVAL, "price -1 is not > 0 (symbol market, row d3)");
  double flat[] = {100, 100, 100, 100};
  CHECK_ERR(folio_capm_return(&p, flat, 0, 1, 252, mu, NULL, NULL, NULL, &err), err, FOLIO_EDEGENERATE, "zero variance");
  CHECK_ERR(folio_capm_return(&p, NULL, NAN, 1, 252, mu, NULL, NULL, NULL, &err), err, FOLIO_ENOTFINITE, "risk_free_rate nan");
  double sparse_mk[] = {100, NAN, NAN, 103};
  CHECK_ERR(folio_capm_return(&p, sparse_mk, 0, 1, 252, mu, NULL, NULL, NULL, &err), err, FOLIO_ESHORT, "the market has 0 return(s)");
  double late[] = {10, 11, 12, 13, NAN, NAN, 22, 23};
  folio_panel pl = {late, 4, 2, 4, DATES, SY};
  CHECK_ERR(folio_capm_return(&pl, NULL, 0, 1, 252, mu, NULL, NULL, NULL, &err), err, FOLIO_ESHORT, "symbol BBB has 1 return(s) together with the market");
  /* on error mu is not written */
  mu[0] = mu[1] = 42;
  CHECK(folio_capm_return(&pl, NULL, 0, 1, 252, mu, NULL, NULL, NULL, &err) == FOLIO_ESHORT);
  CHECK(mu[0] == 42 && mu[1] == 42);
  /* a caller's workspace of the documented size */
  size_t ws = folio_expected_returns_work_size(4, 2);
  CHECK(ws > 0);
  unsigned char *buf = malloc(ws + 3);
  CHECK(folio_capm_return(&p, NULL, 0, 1, 252, mu, NULL, buf + 3, NULL, &err) == FOLIO_OK);
  free(buf);
}

int main(void) {
  test_constant_growth();
  test_formulas_and_gaps();
  test_capm();
  test_errors();
  return tl_finish("test_expected_returns");
}
