/*
 * test_orders.c — folio_orders_diff rule by rule: whole shares, lots,
 * fractional quantities, capacity caps on the target position (and the
 * order-level gate for a position opened from zero), exact closes,
 * the sell down into a cap, min notional drops, notional rounding to the
 * cent, and every refusal with its message.
 */
#include <math.h>

#include "folio/orders.h"
#include "testlib.h"

static folio_order one(double cur, double px, double w, double lot, double cap, double nav,
                       const folio_orders_opts *o) {
  folio_order out;
  folio_error e;
  const char *s[1] = {"AAA"};
  double lots[1] = {lot}, caps[1] = {cap};
  folio_status st = folio_orders_diff(1, s, &cur, &px, &w, lots, caps, nav, o, &out, &e);
  CHECK_MSG(st == FOLIO_OK, "%s", e.message);
  return out;
}

static void test_basic(void) {
  folio_orders_opts d = folio_orders_defaults();
  CHECK(d.fractional == 0);
  CHECK_NEAR(d.min_notional, 100, 0);
  /* 10% of 100k at 33.33: 300.03 shares -> 300 whole shares, rounded toward the position */
  folio_order o = one(0, 33.33, 0.10, 1, NAN, 100000, NULL);
  CHECK_EQ_INT(o.side, 1);
  CHECK_NEAR(o.quantity, 300, 0);
  CHECK_NEAR(o.notional, 9999.0, 0);
  CHECK(o.flags & FOLIO_ORDER_ROUNDED);
  CHECK_NEAR(o.target_quantity, 10000.0 / 33.33, 1e-9);
  /* sells are rounded toward the current position too (never past the target) */
  o = one(1000, 10, 0.0555, 1, NAN, 100000, NULL); /* target 555 */
  CHECK_EQ_INT(o.side, -1);
  CHECK_NEAR(o.quantity, 445, 0);
  CHECK_NEAR(o.final_quantity, 555, 0);
  o = one(1000, 10, 0.05555, 1, NAN, 100000, NULL); /* target 555.5: sell 444, never past */
  CHECK_NEAR(o.quantity, 444, 0);
  CHECK_NEAR(o.final_quantity, 556, 0);
  /* shorts: a negative target from a long */
  o = one(100, 10, -0.01, 1, NAN, 100000, NULL); /* target -100 */
  CHECK_EQ_INT(o.side, -1);
  CHECK_NEAR(o.quantity, 200, 0);
  CHECK_NEAR(o.final_quantity, -100, 0);
  /* nothing to do */
  o = one(100, 10, 0.01, 1, NAN, 100000, NULL);
  CHECK_EQ_INT(o.side, 0);
  CHECK_EQ_INT(o.flags, 0);
  /* 299.99999999 shares of a 100-share lot are 3 lots (grid snap) */
  o = one(0, 1.0 / 3.0, 1e-3, 100, NAN, 1e5 + 1e-10, NULL);
  CHECK_NEAR(o.quantity, 300, 0);
}

static void test_lots_fractional(void) {
  folio_order o = one(0, 10, 0.1, 100, NAN, 100000, NULL); /* 1000 shares, lot 100 */
  CHECK_NEAR(o.quantity, 1000, 0);
  CHECK(!(o.flags & FOLIO_ORDER_ROUNDED));
  o = one(0, 10, 0.1, 300, NAN, 100000, NULL); /* 1000 -> 900 */
  CHECK_NEAR(o.quantity, 900, 0);
  CHECK(o.flags & FOLIO_ORDER_ROUNDED);
  /* from an odd position the ORDER is in whole lots */
  o = one(50, 10, 0.1, 100, NAN, 100000, NULL);
  CHECK_NEAR(o.quantity, 900, 0);
  CHECK_NEAR(o.final_quantity, 950, 0);
  folio_orders_opts f = folio_orders_defaults();
  f.fractional = 1;
  o = one(0, 33.33, 0.1, 1, NAN, 100000, &f);
  CHECK_NEAR(o.quantity, 10000 / 33.33, 1e-12);
  CHECK_NEAR(o.notional, 10000, 0);
  CHECK(!(o.flags & FOLIO_ORDER_ROUNDED));
  /* below one lot: nothing sent, flagged */
  o = one(0, 10, 0.005, 100, NAN, 100000, NULL); /* 50 shares of a 100 lot */
  CHECK_EQ_INT(o.side, 0);
  CHECK(o.flags & FOLIO_ORDER_ZERO_LOTS);
  CHECK_NEAR(o.final_quantity, 0, 0);
}

static void test_caps(void) {
  /* order-level gate: order_qty = min(target_qty, cap / price) for a new position */
  folio_order o = one(0, 25, 0.05, 1, 5234.50, 1e6, NULL); /* target 2000 sh, cap 209.38 sh */
  CHECK(o.flags & FOLIO_ORDER_CAPPED);
  CHECK_NEAR(o.capped_quantity, 5234.50 / 25, 1e-12);
  CHECK_NEAR(o.quantity, 209, 0);
  CHECK(o.quantity * o.price <= 5234.50);
  /* the target POSITION is capped: holding 150, the order only adds 59 */
  o = one(150, 25, 0.05, 1, 5234.50, 1e6, NULL);
  CHECK_NEAR(o.quantity, 59, 0);
  CHECK_NEAR(o.final_quantity, 209, 0);
  /* above the cap already: the sell is rounded UP into the cap */
  o = one(300, 25, 0.05, 100, 5234.50, 1e6, NULL); /* cap 209.38; lot 100 */
  CHECK_EQ_INT(o.side, -1);
  CHECK_NEAR(o.quantity, 100, 0);
  CHECK_NEAR(o.final_quantity, 200, 0);
  CHECK(fabs(o.final_quantity) * 25 <= 5234.50);
  o = one(350, 25, 0.05, 100, 5234.50, 1e6, NULL); /* 350 -> 150 (2 lots), not 250 */
  CHECK_NEAR(o.quantity, 200, 0);
  /* an extra lot would cross zero: close exactly instead */
  o = one(150, 25, 0.05, 100, 1000, 1e6, NULL); /* cap 40 sh; one lot leaves 50 */
  CHECK_NEAR(o.quantity, 150, 0);
  CHECK_NEAR(o.final_quantity, 0, 0);
  /* not capped but the rounding would leave the holding above the cap */
  o = one(2050, 10, 0.0995, 100, 10000, 1e5, NULL); /* target 995, cap 1000 sh: 1050 -> 950 */
  CHECK_NEAR(o.final_quantity, 950, 0);
  CHECK(o.flags & FOLIO_ORDER_CAPPED);
  /* a zero cap closes exactly; shorts are capped by |T| */
  o = one(37, 10, 0.1, 100, 0, 1e5, NULL);
  CHECK_NEAR(o.quantity, 37, 0);
  CHECK(o.flags & FOLIO_ORDER_CLOSE);
  o = one(0, 10, -0.1, 1, 2500, 1e5, NULL);
  CHECK_NEAR(o.final_quantity, -250, 0);
  /* NaN and +Inf mean "no cap" */
  o = one(0, 10, 0.1, 1, INFINITY, 1e5, NULL);
  CHECK_NEAR(o.quantity, 1000, 0);
}

static void test_close_and_min_notional(void) {
  /* a close is exact, odd lots and dust included, and never dropped */
  folio_order o = one(123.456, 10, 0, 100, NAN, 1e5, NULL);
  CHECK_NEAR(o.quantity, 123.456, 0);
  CHECK_NEAR(o.final_quantity, 0, 0);
  CHECK(o.flags & FOLIO_ORDER_CLOSE);
  o = one(-0.5, 10, 0, 1, NAN, 1e5, NULL); /* $5 short dust: bought back */
  CHECK_EQ_INT(o.side, 1);
  CHECK_NEAR(o.quantity, 0.5, 0);
  CHECK(!(o.flags & FOLIO_ORDER_DROPPED));
  /* below min notional: dropped, position unchanged */
  o = one(0, 10, 0.0009, 1, NAN, 1e5, NULL); /* 9 shares = $90 */
  CHECK(o.flags & FOLIO_ORDER_DROPPED);
  CHECK_NEAR(o.notional, 90, 0);
  CHECK_NEAR(o.final_quantity, 0, 0);
  o = one(0, 10, 0.001, 1, NAN, 1e5, NULL); /* exactly $100 is kept */
  CHECK(!(o.flags & FOLIO_ORDER_DROPPED));
  folio_orders_opts z = folio_orders_defaults();
  z.min_notional = 0;
  o = one(0, 10, 0.0009, 1, NAN, 1e5, &z);
  CHECK(!(o.flags & FOLIO_ORDER_DROPPED));
  /* notional rounded to the cent, halves away from zero */
  z.fractional = 1;
  o = one(0, 1.0, 0.00100005, 1, NAN, 1e5, &z); /* 100.005 */
  CHECK_NEAR(o.notional, 100.01, 1e-12);
  /* no position, no target: no price needed */
  double cur = 0, px = NAN, w = 0;
  folio_order out;
  folio_error e;
  CHECK(folio_orders_diff(1, NULL, &cur, &px, &w, NULL, NULL, 1e5, NULL, &out, &e) == FOLIO_OK);
  CHECK_EQ_INT(out.side, 0);
  /* nav 0: everything closes */
  o = one(10, 10, 0.5, 1, NAN, 0, NULL);
  CHECK_NEAR(o.quantity, 10, 0);
  CHECK(o.flags & FOLIO_ORDER_CLOSE);
}

static void test_errors(void) {
  const char *s[2] = {"AAA", "BBB"};
  double cur[2] = {10, 0}, px[2] = {10, 20}, w[2] = {0.1, 0.1}, lots[2] = {1, 1},
         caps[2] = {NAN, NAN};
  folio_order out[2];
  folio_error e;
#define DIFF(nav) folio_orders_diff(2, s, cur, px, w, lots, caps, nav, NULL, out, &e)
  CHECK(DIFF(1e5) == FOLIO_OK);
  CHECK_ERR(DIFF(-1), e, FOLIO_EINVAL, "nav_usd must be in [0");
  CHECK_ERR(DIFF(NAN), e, FOLIO_ENOTFINITE, "nav_usd is nan");
  CHECK_ERR(DIFF(2e13), e, FOLIO_EINVAL, "nav_usd");
  px[0] = NAN;
  CHECK_ERR(DIFF(1e5), e, FOLIO_EMISSING, "orders: no price for AAA (a held position)");
  px[0] = 10;
  px[1] = NAN;
  CHECK_ERR(DIFF(1e5), e, FOLIO_EMISSING, "no price for BBB (a non-zero target)");
  px[1] = -2;
  CHECK_ERR(DIFF(1e5), e, FOLIO_EINVAL, "price of BBB must be > 0");
  px[1] = INFINITY;
  CHECK_ERR(DIFF(1e5), e, FOLIO_ENOTFINITE, "price of BBB");
  px[1] = 20;
  w[1] = NAN;
  CHECK_ERR(DIFF(1e5), e, FOLIO_ENOTFINITE, "target weight of BBB is nan");
  w[1] = 0.1;
  cur[0] = NAN;
  CHECK_ERR(DIFF(1e5), e, FOLIO_ENOTFINITE, "current quantity of AAA");
  cur[0] = 10;
  lots[1] = 0; /* 0 = fractional for this symbol: allowed */
  CHECK(DIFF(1e5) == FOLIO_OK);
  lots[1] = -100;
  CHECK_ERR(DIFF(1e5), e, FOLIO_EINVAL, "lot size of BBB must be >= 0");
  lots[1] = 1;
  caps[0] = -1;
  CHECK_ERR(DIFF(1e5), e, FOLIO_EINVAL, "capacity cap of AAA must be >= 0");
  caps[0] = NAN;
  w[0] = 1e9;
  CHECK_ERR(DIFF(1e5), e, FOLIO_EINVAL, "target weight 1e+09 of AAA is outside the weight domain");
  w[0] = 50;
  CHECK_ERR(DIFF(1e12), e, FOLIO_EINVAL, "notional of AAA exceeds");
  w[0] = 0.1;
  /* numeric domains (numbers.h): a denormal price or lot is an error naming
   * the symbol and the value, never an infinite quantity */
  px[0] = 4.9e-324;
  CHECK_ERR(DIFF(1e5), e, FOLIO_EINVAL, "price 4.94066e-324 of AAA is outside the price domain");
  px[0] = 1e13;
  CHECK_ERR(DIFF(1e5), e, FOLIO_EINVAL, "price 1e+13 of AAA is outside the price domain");
  px[0] = 10;
  lots[1] = 4.9e-324;
  CHECK_ERR(DIFF(1e5), e, FOLIO_EINVAL, "lot size 4.94066e-324 of BBB is outside the lot domain");
  lots[1] = 1;
  cur[0] = 1e300;
  CHECK_ERR(DIFF(1e5), e, FOLIO_EINVAL, "current quantity 1e+300 of AAA");
  cur[0] = 10;
  folio_orders_opts o = folio_orders_defaults();
  o.min_notional = -1;
  CHECK_ERR(folio_orders_diff(2, s, cur, px, w, lots, caps, 1e5, &o, out, &e), e, FOLIO_EINVAL,
            "min_notional must be >= 0");
  o.min_notional = NAN;
  CHECK_ERR(folio_orders_diff(2, s, cur, px, w, lots, caps, 1e5, &o, out, &e), e,
            FOLIO_ENOTFINITE, "min_notional");
  CHECK_ERR(folio_orders_diff(2, s, NULL, px, w, lots, caps, 1e5, NULL, out, &e), e, FOLIO_EINVAL,
            "NULL");
  /* out untouched on error */
  out[0].quantity = -7;
  px[1] = 0;
  CHECK(DIFF(1e5) == FOLIO_EINVAL);
  CHECK_NEAR(out[0].quantity, -7, 0);
  /* symbols NULL: named by position */
  CHECK_ERR(folio_orders_diff(2, NULL, cur, px, w, lots, caps, 1e5, NULL, out, &e), e,
            FOLIO_EINVAL, "#2");
#undef DIFF
}

int main(void) {
  test_basic();
  test_lots_fractional();
  test_caps();
  test_close_and_min_notional();
  test_errors();
  return tl_finish("test_orders");
}
