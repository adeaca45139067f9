/*
 * test_numbers.c — each function the numeric domains (numbers.h,
 * docs/numbers.md) reached, on the inputs the issue found: an error naming
 * the function, the parameter, the symbol and the value — never a silent
 * NaN or Inf — and the outputs untouched where the header says so.
 */
#include <math.h>
#include <string.h>

#include "folio/allocator.h"
#include "folio/black_litterman.h"
#include "folio/guards.h"
#include "folio/hrp.h"
#include "folio/money.h"
#include "folio/multi_sleeve.h"
#include "folio/numbers.h"
#include "folio/returns.h"
#include "folio/risk_sizers.h"
#include "folio/sizers.h"
#include "folio/state.h"
#include "folio/turnover.h"
#include "testlib.h"

static const char *const AB[] = {"A", "B"};

static void test_kelly(void) {
  folio_error e;
  folio_kelly_opts o = folio_kelly_defaults();
  double w[2] = {7, 7};
  /* mu = ±1e308 over a 1e-300 covariance: NaN before */
  double mu[] = {1e308, -1e308}, cov[] = {1e-300, 0, 0, 1e-300};
  CHECK_ERR(folio_kelly_fraction(2, mu, cov, 2, AB, &o, w, NULL, NULL, NULL, &e), e, FOLIO_EINVAL,
            "kelly_fraction: mu 1e+308 of A is outside the expected return domain [-1e+06, 1e+06]");
  /* a denormal covariance: -nan and inf before */
  double mu2[] = {0.1, 0.1}, den[] = {4.9406564584124654e-324, 0, 0, 4.9406564584124654e-324};
  CHECK_ERR(folio_kelly_fraction(2, mu2, den, 2, AB, &o, w, NULL, NULL, NULL, &e), e, FOLIO_EINVAL,
            "kelly_fraction: cov variance 4.94066e-324 of A is outside the variance domain 0 or [1e-20, 1e+10]");
  double big[] = {1, 1e300, 1e300, 1};
  CHECK_ERR(folio_kelly_fraction(2, mu2, big, 2, AB, &o, w, NULL, NULL, NULL, &e), e, FOLIO_EINVAL,
            "cov entry (symbols B, A) 1e+300 is outside the covariance domain");
  CHECK(w[0] == 7 && w[1] == 7); /* written only on success */
  /* the edges of the domains still size */
  double edge_mu[] = {1e6, -1e6}, edge[] = {1e-20, 0, 0, 1e-20};
  CHECK(folio_kelly_fraction(2, edge_mu, edge, 2, AB, &o, w, NULL, NULL, NULL, &e) == FOLIO_OK);
  CHECK(isfinite(w[0]) && w[0] == 1e26 && w[1] == -1e26);
}

static void test_risk_sizers(void) {
  folio_error e;
  double w[2] = {7, 7}, rc[2] = {7, 7};
  folio_risk_sizer_info info;
  folio_risk_sizer_opts o = folio_risk_sizer_defaults();
  double tiny[] = {1e-320, 0, 0, 1e-320};
  CHECK_ERR(folio_inverse_vol(2, tiny, 2, AB, w, rc, &info, &e), e, FOLIO_EINVAL,
            "inverse_vol: cov variance 9.99989e-321 of A is outside the variance domain");
  CHECK_ERR(folio_risk_parity(2, tiny, 2, AB, &o, w, rc, NULL, &info, &e), e, FOLIO_EINVAL,
            "risk_parity: cov variance");
  double huge[] = {1, 1e300, 1e300, 1};
  CHECK_ERR(folio_risk_parity(2, huge, 2, AB, &o, w, rc, NULL, &info, &e), e, FOLIO_EINVAL,
            "risk_parity: cov entry (symbols A, B) 1e+300 is outside the covariance domain");
  CHECK_ERR(folio_min_variance(2, huge, 2, AB, &o, w, rc, NULL, &info, &e), e, FOLIO_EINVAL,
            "min_variance: cov entry");
  CHECK(w[0] == 7 && rc[0] == 7);
  /* at the edge of the domain everything reported is finite */
  double edge[] = {1e-20, 0, 0, 1e10};
  CHECK(folio_risk_parity(2, edge, 2, AB, &o, w, rc, NULL, &info, &e) == FOLIO_OK);
  CHECK(isfinite(info.diversification_ratio) && isfinite(rc[0]) && isfinite(rc[1]) &&
        isfinite(info.variance) && info.variance > 0);
  CHECK(folio_inverse_vol(2, edge, 2, AB, w, rc, &info, &e) == FOLIO_OK);
  CHECK(isfinite(info.diversification_ratio) && isfinite(rc[0]));
}

static void test_hrp_bl(void) {
  folio_error e;
  double w[2] = {7, 7}, corr[] = {1, 0, 0, 1}, tiny[] = {1e-300, 0, 0, 1};
  CHECK_ERR(folio_hrp(2, tiny, 2, corr, 2, AB, FOLIO_LINKAGE_SINGLE, NULL, NULL, w, NULL, NULL, NULL, &e),
            e, FOLIO_EINVAL, "hrp: cov variance 1e-300 of A is outside the variance domain");
  double wm[] = {0.5, 0.5}, pi[2];
  CHECK_ERR(folio_bl_prior(2, tiny, 2, wm, AB, 1.0, 0.0, pi, &e), e, FOLIO_EINVAL,
            "bl_prior: cov variance 1e-300 of A");
}

static void test_returns_money(void) {
  folio_error e;
  double p[] = {4.9406564584124654e-324, 1e308, 2, 3}, r[2] = {7, 7};
  folio_panel pp = folio_panel_make(p, 2, 2);
  CHECK_ERR(folio_returns(&pp, FOLIO_RETURNS_LOG, r, 1, &e), e, FOLIO_EINVAL,
            "returns: price 4.94066e-324 of #1 (row #1) is outside the price domain");
  CHECK(r[0] == 7);
  double z[] = {1, 0, 2, 3};
  folio_panel pz = folio_panel_make(z, 2, 2);
  CHECK_ERR(folio_returns(&pz, FOLIO_RETURNS_LOG, r, 1, &e), e, FOLIO_EINVAL, "price 0 is not > 0");
  /* cent rounding: a finite amount never becomes Inf */
  CHECK(folio_usd_round_cents(1e308) == 1e308);
  CHECK(folio_usd_floor_cents(-1e308) == -1e308);
  CHECK(folio_usd_round_cents(4503599627370497.0) == 4503599627370497.0);
  CHECK(folio_usd_round_cents(0.125) == 0.13);
  CHECK(isnan(folio_usd_round_cents(NAN))); /* documented: the caller checks (numbers.md) */
}

static void test_allocator(void) {
  folio_error e;
  folio_allocator_opts o = folio_allocator_defaults();
  o.capital = 1e6;
  double scores[] = {1, 2}, prices[] = {10, 4.9406564584124654e-324};
  folio_allocation out[2];
  size_t n_out = 99;
  CHECK_ERR(folio_allocator_allocate(2, AB, scores, prices, &o, out, &n_out, NULL, &e), e,
            FOLIO_EINVAL, "allocate: price 4.94066e-324 of B is outside the price domain");
  CHECK(n_out == 99);
  prices[1] = 20;
  const char *const cs[] = {"A"};
  const double cw[] = {1e300};
  o.n_current = 1;
  o.current_symbols = cs;
  o.current_weights = cw;
  CHECK_ERR(folio_allocator_allocate(2, AB, scores, prices, &o, out, &n_out, NULL, &e), e,
            FOLIO_EINVAL, "current weight 1e+300 of A is outside the weight domain");
  /* scores whose objective overflows: refused, not an Inf objective */
  o.n_current = 0;
  double huge[] = {1e308, 1e308};
  folio_status st = folio_allocator_allocate(2, AB, huge, prices, &o, out, &n_out, NULL, &e);
  CHECK_MSG(st < 0 ? e.message[0] != '\0' : 1, "%s", e.message);
}

static void test_turnover_sleeves(void) {
  folio_error e;
  double t[] = {1e300, 0}, w0[] = {0, 0}, w[2];
  CHECK_ERR(folio_turnover_project(2, t, w0, NULL, 0, NULL, 0.1, NULL, w, NULL, NULL, &e), e,
            FOLIO_EINVAL, "turnover: target 1e+300 of #1 is outside the weight domain [-100, 100]");
  const double sw[] = {0.5, 1e300};
  folio_sleeve s = {"core", 2, AB, sw};
  const char *so[2];
  double wo[2];
  size_t n_out;
  CHECK_ERR(folio_multi_sleeve_compose(1, &s, NULL, 2, so, wo, &n_out, NULL, &e), e, FOLIO_EINVAL,
            "sleeve core: weight 1e+300 of B is outside the weight domain");
}

static void test_guards_snapshot(void) {
  folio_error e;
  folio_guard_limits l = folio_guard_defaults();
  folio_guard_entry en = {0, 4.9406564584124654e-324, 10, 1, NAN};
  folio_guard_decision d;
  CHECK_ERR(folio_guards_check(&l, NULL, 1, AB, &en, 1e6, 1e6, &d, &e), e, FOLIO_EINVAL,
            "guards: price 4.94066e-324 of A is outside the price domain");
  en.price = 10;
  en.position = 1e300;
  CHECK_ERR(folio_guards_check(&l, NULL, 1, AB, &en, 1e6, 1e6, &d, &e), e, FOLIO_EINVAL,
            "guards: position 1e+300 of A is outside the quantity domain");
  double q[] = {10}, px[] = {1e-300};
  folio_snapshot_totals tot;
  CHECK_ERR(folio_snapshot_compute(1, AB, q, px, 0, &tot, &e), e, FOLIO_EINVAL,
            "snapshot: market price 1e-300 of A is outside the price domain");
}

int main(void) {
  test_kelly();
  test_risk_sizers();
  test_hrp_bl();
  test_returns_money();
  test_allocator();
  test_turnover_sleeves();
  test_guards_snapshot();
  return tl_finish("test_numbers");
}
