/*
 * prop_orders.c — folio_orders_diff on 2000 random books (long and short
 * positions, dust, zero targets, lots of 1/10/100/0.5, fractional mode,
 * caps from zero to generous, min notionals 0/100/1000):
 *  - a sent order never leaves a position beyond its cap;
 *  - a zero target closes exactly (quantity = |position|) and is never dropped;
 *  - after the orders, |position - capped target| < one lot (fractional: ~0),
 *    unless the order was dropped;
 *  - without a cap binding, the position ends between where it was and the target;
 *  - quantities are whole lots, except exact closes;
 *  - notional = quantity * price rounded to the cent; drops exactly below min_notional;
 *  - repeats are bit-identical, and every symbol's order is independent of
 *    the order of the rows (a reversed book gives the reversed result).
 */
#include <math.h>
#include <string.h>

#include "folio/money.h"
#include "folio/orders.h"
#include "testlib.h"

enum { BOOKS = 2000, MAXN = 24 };

static int close_enough(double a, double b, double rel) {
  return fabs(a - b) <= rel * fmax(1.0, fmax(fabs(a), fabs(b)));
}

int main(void) {
  tl_rng r = {20240605};
  static const double lot_choices[] = {1, 10, 100, 0.5};
  static const double min_choices[] = {0, 100, 1000};
  long n_orders = 0, n_capped = 0, n_closes = 0, n_dropped = 0, bad = 0;
  for (int b = 0; b < BOOKS; b++) {
    size_t n = 1 + tl_index(&r, MAXN);
    double cur[MAXN], px[MAXN], w[MAXN], lot[MAXN], cap[MAXN];
    double nav = tl_uniform(&r) < 0.05 ? 0.0 : exp(9 + 9 * tl_uniform(&r));
    folio_orders_opts o = folio_orders_defaults();
    o.fractional = tl_uniform(&r) < 0.2;
    o.min_notional = min_choices[tl_index(&r, 3)];
    for (size_t i = 0; i < n; i++) {
      px[i] = exp(-2 + 9 * tl_uniform(&r));
      double u = tl_uniform(&r);
      w[i] = u < 0.25 ? 0.0 : 0.3 * tl_normal(&r);
      lot[i] = lot_choices[tl_index(&r, 4)];
      u = tl_uniform(&r);
      cur[i] = u < 0.3 ? 0.0 : u < 0.4 ? tl_normal(&r) : nav * 0.3 * tl_normal(&r) / px[i];
      if (tl_uniform(&r) < 0.5) cur[i] = round(cur[i]);
      u = tl_uniform(&r);
      cap[i] = u < 0.4 ? NAN : u < 0.45 ? 0.0 : nav * 0.2 * tl_uniform(&r);
    }
    folio_order out[MAXN], again[MAXN], rev[MAXN];
    folio_error e;
    if (folio_orders_diff(n, NULL, cur, px, w, lot, cap, nav, &o, out, &e) != FOLIO_OK) {
      CHECK_MSG(0, "book %d: %s", b, e.message);
      continue;
    }
    CHECK(folio_orders_diff(n, NULL, cur, px, w, lot, cap, nav, &o, again, &e) == FOLIO_OK);
    CHECK(memcmp(out, again, n * sizeof out[0]) == 0);
    double rc[MAXN], rp[MAXN], rw[MAXN], rl[MAXN], rk[MAXN];
    for (size_t i = 0; i < n; i++) {
      size_t j = n - 1 - i;
      rc[j] = cur[i], rp[j] = px[i], rw[j] = w[i], rl[j] = lot[i], rk[j] = cap[i];
    }
    CHECK(folio_orders_diff(n, NULL, rc, rp, rw, rl, rk, nav, &o, rev, &e) == FOLIO_OK);
    for (size_t i = 0; i < n; i++)
      if (memcmp(&out[i], &rev[n - 1 - i], sizeof out[i]) != 0) bad++;

    for (size_t i = 0; i < n; i++) {
      const folio_order *x = &out[i];
      double L = o.fractional ? 0.0 : lot[i];
      double capq = isnan(cap[i]) ? INFINITY : cap[i] / px[i];
      int dropped = (x->flags & FOLIO_ORDER_DROPPED) != 0;
      int close = (x->flags & FOLIO_ORDER_CLOSE) != 0;
      if (x->side) n_orders++;
      if (x->flags & FOLIO_ORDER_CAPPED) n_capped++;
      if (close) n_closes++;
      if (dropped) n_dropped++;
      /* the cap */
      if (!dropped && !(fabs(x->final_quantity) <= capq * (1 + 1e-12))) {
        bad++;
        CHECK_MSG(0, "book %d #%zu: final %.17g beyond cap %.17g", b, i, x->final_quantity, capq);
      }
      /* exact closes */
      if ((w[i] == 0 || nav == 0) && cur[i] != 0) {
        CHECK(close && !dropped && x->quantity == fabs(cur[i]) && x->final_quantity == 0 &&
              x->side == (cur[i] > 0 ? -1 : 1));
      }
      if (dropped) {
        CHECK(x->final_quantity == cur[i]);
        CHECK(x->notional < o.min_notional);
        continue;
      }
      /* the fill arithmetic */
      if (x->side && x->final_quantity != 0)
        CHECK(close_enough(x->final_quantity, cur[i] + x->side * x->quantity, 1e-12));
      if (!x->side) CHECK(x->final_quantity == cur[i]);
      /* within one lot of the (capped) target */
      double gap = fabs(x->final_quantity - x->capped_quantity);
      if (L > 0 ? !(gap < L * (1 + 1e-9)) : !(gap <= 1e-9 * fmax(1, fabs(x->capped_quantity)))) {
        bad++;
        CHECK_MSG(0, "book %d #%zu: |final - target| = %g, lot %g", b, i, gap, L);
      }
      /* never past the target unless the cap forced a sell */
      if (!(x->flags & FOLIO_ORDER_CAPPED) && x->side) {
        double lo = fmin(cur[i], x->capped_quantity), hi = fmax(cur[i], x->capped_quantity);
        double tol = 1e-9 * fmax(1, fabs(hi));
        if (!(x->final_quantity >= lo - tol && x->final_quantity <= hi + tol)) {
          bad++;
          CHECK_MSG(0, "book %d #%zu: final %g outside [%g, %g]", b, i, x->final_quantity, lo, hi);
        }
      }
      if (x->side) {
        /* whole lots, except exact closes */
        if (L > 0 && x->final_quantity != 0) {
          double k = x->quantity / L;
          if (!(fabs(k - nearbyint(k)) <= 1e-9 * fmax(1, k))) {
            bad++;
            CHECK_MSG(0, "book %d #%zu: %g is not whole lots of %g", b, i, x->quantity, L);
          }
        }
        CHECK(x->quantity > 0);
        CHECK(x->notional == folio_usd_round_cents(x->quantity * x->price));
        CHECK(close || x->notional >= o.min_notional);
      }
    }
  }
  CHECK_EQ_INT(bad, 0);
  printf("prop_orders: %d books, %ld orders, %ld capped, %ld closes, %ld dropped\n", BOOKS,
         n_orders, n_capped, n_closes, n_dropped);
  CHECK(n_capped > 100 && n_closes > 100 && n_dropped > 100);
  return tl_finish("prop_orders");
}
