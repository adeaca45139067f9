/*
 * test_portfolio_allocator.c — order_from_signal's arithmetic: the NAV
 * fraction scaled by confidence, the 100 USD floor, the side from the
 * direction's sign, quantities in whole lots toward zero (or fractional),
 * notionals in cents, the zero-lot case, and every refusal.
 */
#include <math.h>

#include "folio/portfolio_allocator.h"
#include "testlib.h"

static folio_signal_order run(const folio_portfolio_allocator_opts *o, double nav, double dir, double conf,
                              double px) {
  folio_signal_order r;
  folio_error e;
  folio_status st = folio_order_from_signal(o, nav, dir, conf, px, &r, &e);
  CHECK_MSG(st == FOLIO_OK, "%s", e.message);
  return r;
}

static void test_formula(void) {
  folio_portfolio_allocator_opts d = folio_portfolio_allocator_defaults();
  CHECK_NEAR(d.target_weight, 0.02, 0);
  CHECK_NEAR(d.min_notional, 100, 0);
  CHECK_NEAR(d.lot, 1, 0);
  CHECK(d.fractional == 0);
  /* 1e6 * 0.02 * 0.8 = 16000 at 190: 84.21 -> 84 shares, 15960.00 */
  folio_signal_order r = run(NULL, 1e6, 1, 0.8, 190);
  CHECK_EQ_INT(r.side, 1);
  CHECK_NEAR(r.target_notional, 16000, 1e-9);
  CHECK_NEAR(r.raw_quantity, 16000.0 / 190, 1e-9);
  CHECK_NEAR(r.quantity, 84, 0);
  CHECK_NEAR(r.notional, 15960, 0);
  CHECK(r.flags == FOLIO_SIGNAL_ROUNDED);
  /* direction < 0 sells; direction 0 buys (>= 0) */
  CHECK_EQ_INT(run(NULL, 1e6, -0.3, 0.8, 190).side, -1);
  CHECK_EQ_INT(run(NULL, 1e6, 0, 0.8, 190).side, 1);
  CHECK_EQ_INT(run(NULL, 1e6, -0.0, 0.8, 190).side, 1);
  /* the floor: 10k * 0.02 * 0.1 = 20 < 100 -> 100 USD at 9.99 = 10 shares, 99.90 */
  r = run(NULL, 10000, 1, 0.1, 9.99);
  CHECK_NEAR(r.target_notional, 100, 0);
  CHECK(r.flags & FOLIO_SIGNAL_FLOORED);
  CHECK_NEAR(r.quantity, 10, 0);
  CHECK_NEAR(r.notional, 99.9, 1e-12);
  /* confidence 0 still gives the floor (the rule is max(..., 100)) */
  r = run(NULL, 1e6, 1, 0, 10);
  CHECK_NEAR(r.quantity, 10, 0);
  CHECK(r.flags & FOLIO_SIGNAL_FLOORED);
  /* exact: 1e6 * 0.02 * 1 = 20000 at 20 = 1000 shares, no rounding flag */
  r = run(NULL, 1e6, 1, 1, 20);
  CHECK_NEAR(r.quantity, 1000, 0);
  CHECK(r.flags == 0);
  /* options: target weight 5%, lots of 100, fractional */
  folio_portfolio_allocator_opts o = d;
  o.target_weight = 0.05;
  o.lot = 100;
  r = run(&o, 1e6, 1, 1, 33.33); /* 50000 / 33.33 = 1500.15 -> 1500 */
  CHECK_NEAR(r.quantity, 1500, 0);
  CHECK_NEAR(r.notional, 49995, 1e-9);
  o.fractional = 1;
  o.lot = NAN; /* ignored */
  r = run(&o, 1e6, -1, 1, 33.33);
  CHECK_NEAR(r.quantity, 50000 / 33.33, 1e-9);
  CHECK_NEAR(r.notional, 50000, 0);
  CHECK_EQ_INT(r.side, -1);
  /* the notional is rounded to the cent: 7 shares at 10.005 = 70.035 -> 70.04 */
  o = d;
  o.min_notional = 0;
  r = run(&o, 3501.75, 1, 1, 10.005); /* 70.035 / 10.005 = 7 */
  CHECK_NEAR(r.quantity, 7, 0);
  CHECK_NEAR(r.notional, 70.04, 1e-12);
  /* less than one lot: no order */
  r = run(NULL, 1e4, 1, 0.5, 500); /* floored at 100 USD, 0.2 shares */
  CHECK_EQ_INT(r.side, 0);
  CHECK(r.flags & FOLIO_SIGNAL_ZERO_LOTS);
  CHECK_NEAR(r.quantity, 0, 0);
  CHECK_NEAR(r.notional, 0, 0);
}

static void test_errors(void) {
  folio_signal_order r;
  r.quantity = 42;
  folio_error e;
  CHECK_ERR(folio_order_from_signal(NULL, 1e6, 1, 1.5, 10, &r, &e), e, FOLIO_EINVAL,
            "order_from_signal: confidence must be in [0, 1], got 1.5");
  CHECK_ERR(folio_order_from_signal(NULL, 1e6, 1, -0.1, 10, &r, &e), e, FOLIO_EINVAL,
            "confidence must be in [0, 1]");
  CHECK_ERR(folio_order_from_signal(NULL, 1e6, 1, NAN, 10, &r, &e), e, FOLIO_ENOTFINITE,
            "confidence");
  CHECK_ERR(folio_order_from_signal(NULL, 1e6, NAN, 1, 10, &r, &e), e, FOLIO_ENOTFINITE,
            "direction");
  CHECK_ERR(folio_order_from_signal(NULL, 0, 1, 1, 10, &r, &e), e, FOLIO_EINVAL, "nav must be in");
  CHECK_ERR(folio_order_from_signal(NULL, -1e6, 1, 1, 10, &r, &e), e, FOLIO_EINVAL, "nav");
  CHECK_ERR(folio_order_from_signal(NULL, INFINITY, 1, 1, 10, &r, &e), e, FOLIO_ENOTFINITE, "nav");
  CHECK_ERR(folio_order_from_signal(NULL, 1e6, 1, 1, 0, &r, &e), e, FOLIO_EINVAL,
            "price must be > 0");
  CHECK_ERR(folio_order_from_signal(NULL, 1e6, 1, 1, -5, &r, &e), e, FOLIO_EINVAL, "price");
  CHECK_ERR(folio_order_from_signal(NULL, 1e6, 1, 1, NAN, &r, &e), e, FOLIO_ENOTFINITE, "price");
  folio_portfolio_allocator_opts o = folio_portfolio_allocator_defaults();
  o.target_weight = 0;
  CHECK_ERR(folio_order_from_signal(&o, 1e6, 1, 1, 10, &r, &e), e, FOLIO_EINVAL,
            "target_weight must be in (0, 1]");
  o.target_weight = 1.5;
  CHECK_ERR(folio_portfolio_allocator_opts_check(&o, &e), e, FOLIO_EINVAL, "target_weight");
  o.target_weight = NAN;
  CHECK_ERR(folio_portfolio_allocator_opts_check(&o, &e), e, FOLIO_ENOTFINITE, "target_weight");
  o = folio_portfolio_allocator_defaults();
  o.min_notional = -1;
  CHECK_ERR(folio_portfolio_allocator_opts_check(&o, &e), e, FOLIO_EINVAL, "min_notional");
  o.min_notional = NAN;
  CHECK_ERR(folio_portfolio_allocator_opts_check(&o, &e), e, FOLIO_ENOTFINITE, "min_notional");
  o = folio_portfolio_allocator_defaults();
  o.lot = 0;
  CHECK_ERR(folio_portfolio_allocator_opts_check(&o, &e), e, FOLIO_EINVAL, "lot size must be > 0");
  o.lot = INFINITY;
  CHECK_ERR(folio_portfolio_allocator_opts_check(&o, &e), e, FOLIO_ENOTFINITE, "lot size");
  o = folio_portfolio_allocator_defaults();
  CHECK(folio_portfolio_allocator_opts_check(&o, &e) == FOLIO_OK);
  /* the largest order: all of a 1e13 NAV, exactly 1e13 shares (the lot
   * snap never adds a lot to a huge size) */
  o.target_weight = 1;
  CHECK(folio_order_from_signal(&o, 1e13, 1, 1, 1, &r, &e) == FOLIO_OK);
  CHECK_NEAR(r.quantity, 1e13, 0);
  CHECK_NEAR(r.notional, 1e13, 0);
  /* binary noise: 100 * 0.01 * 0.3 / 0.1 is 3 shares on paper, 2.9999999999999996
   * in doubles; the snap keeps the third share */
  o = folio_portfolio_allocator_defaults();
  o.target_weight = 0.01;
  o.min_notional = 0;
  CHECK(100 * 0.01 * 0.3 / 0.1 < 3);
  r = run(&o, 100, 1, 0.3, 0.1);
  CHECK_NEAR(r.quantity, 3, 0);
  CHECK(r.flags == 0);
  r.quantity = 42;
  CHECK_ERR(folio_order_from_signal(NULL, 1e6, 1, 2, 10, &r, &e), e, FOLIO_EINVAL, "confidence");
  CHECK_NEAR(r.quantity, 42, 0); /* untouched on failure */
}

int main(void) {
  test_formula();
  test_errors();
  return tl_finish("test_portfolio_allocator");
}
