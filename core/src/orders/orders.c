/*
 * orders.c — positions vs targets into orders (see orders.h for the rules).
 *
 * Everything is validated before anything is written, so a bad entry late
 * in the book leaves `out` untouched. Quantities live on a lot grid that is
 * snapped with a small tolerance: a target computed as 299.9999999999 shares
 * must not lose a whole lot to binary rounding.
 */
#include <math.h>
#include <string.h>

#include "folio/money.h"
#include "folio/numbers.h"
#include "folio/orders.h"
#include "internal.h"

/* Tolerance, in lots, of the lot grid. */
#define LOT_EPS 1e-9

folio_orders_opts folio_orders_defaults(void) {
  folio_orders_opts o;
  o.fractional = 0;
  o.min_notional = 100.0;
  return o;
}

/* Validates entry i; returns FOLIO_OK or sets err. */
static folio_status check_entry(size_t i, const char *const *symbols, const double *cur,
                                const double *prices, const double *w, const double *lots,
                                const double *caps, double nav, int fractional,
                                folio_error *err) {
  char sb[64];
  const char *s = folio_i_symbol(symbols, i, sb, sizeof sb);
  if (!isfinite(cur[i]))
    return folio_error_set(err, FOLIO_ENOTFINITE, "orders: current quantity of %s is %g", s,
                           cur[i]);
  if (!isfinite(w[i]))
    return folio_error_set(err, FOLIO_ENOTFINITE, "orders: target weight of %s is %g", s, w[i]);
  if (lots && !fractional) {
    if (!isfinite(lots[i]))
      return folio_error_set(err, FOLIO_ENOTFINITE, "orders: lot size of %s is %g", s, lots[i]);
    if (!(lots[i] >= 0)) /* 0 = fractional for this symbol */
      return folio_error_set(err, FOLIO_EINVAL, "orders: lot size of %s must be >= 0, got %g", s,
                             lots[i]);
  }
  folio_status st = folio_check_number(FOLIO_DOMAIN_QUANTITY, cur[i], "orders", "current quantity", s, err);
  if (st == FOLIO_OK)
    st = folio_check_number(FOLIO_DOMAIN_WEIGHT, w[i], "orders", "target weight", s, err);
  if (st == FOLIO_OK && lots && !fractional && lots[i] != 0)
    st = folio_check_number(FOLIO_DOMAIN_LOT, lots[i], "orders", "lot size", s, err);
  if (st == FOLIO_OK && caps && isfinite(caps[i]) && caps[i] > 0)
    st = folio_check_number(FOLIO_DOMAIN_USD, caps[i], "orders", "capacity cap", s, err);
  if (st < 0) return st;
  if (caps && caps[i] < 0)
    return folio_error_set(err, FOLIO_EINVAL, "orders: capacity cap of %s must be >= 0, got %g",
                           s, caps[i]);
  int needed = cur[i] != 0 || w[i] != 0;
  if (!needed) return FOLIO_OK;
  if (isnan(prices[i]))
    return folio_error_set(err, FOLIO_EMISSING, "orders: no price for %s (%s)", s,
                           cur[i] != 0 ? "a held position" : "a non-zero target");
  if (!isfinite(prices[i]))
    return folio_error_set(err, FOLIO_ENOTFINITE, "orders: price of %s is %g", s, prices[i]);
  if (!(prices[i] > 0))
    return folio_error_set(err, FOLIO_EINVAL, "orders: price of %s must be > 0, got %g", s,
                           prices[i]);
  st = folio_check_number(FOLIO_DOMAIN_PRICE, prices[i], "orders", "price", s, err);
  if (st < 0) return st;
  if (fabs(w[i] * nav) > FOLIO_MAX_USD || fabs(cur[i] * prices[i]) > FOLIO_MAX_USD)
    return folio_error_set(err, FOLIO_EINVAL,
                           "orders: notional of %s exceeds %g USD (target %g, position %g)", s,
                           FOLIO_MAX_USD, w[i] * nav, cur[i] * prices[i]);
  return FOLIO_OK;
}

/* The order of one validated entry. lot == 0 means fractional. cap_qty is
 * +Inf when uncapped. */
static folio_order diff_one(double cur, double price, double w, double lot, double cap_qty,
                            double nav, double min_notional) {
  folio_order o;
  memset(&o, 0, sizeof o);
  o.price = price;
  o.current_quantity = cur;
  o.final_quantity = cur;
  if (cur == 0 && w == 0) return o; /* nothing held, nothing wanted: no price needed */
  double t = w * nav / price;
  double T = t;
  if (fabs(T) > cap_qty) {
    T = copysign(cap_qty, t);
    o.flags |= FOLIO_ORDER_CAPPED;
  }
  o.target_quantity = t;
  o.capped_quantity = T;
  double q;
  int s;
  if (T == 0) {
    /* exact close: the whole position, whatever the lot */
    if (cur == 0) return o;
    q = fabs(cur);
    s = cur > 0 ? -1 : 1;
    o.flags |= FOLIO_ORDER_CLOSE;
    o.final_quantity = 0.0;
  } else {
    double d = T - cur;
    s = d > 0 ? 1 : d < 0 ? -1 : 0;
    double ad = fabs(d);
    if (lot == 0) {
      q = ad;
    } else {
      q = floor(ad / lot + LOT_EPS) * lot;
      if (fabs(q - ad) > LOT_EPS * lot) o.flags |= FOLIO_ORDER_ROUNDED;
      /* a position left beyond its cap (reducing toward T from above it) is
       * sold down INTO the cap: round the sell up, or close exactly when the
       * extra lot would cross zero */
      double after = cur + s * q;
      if (isfinite(cap_qty) && s == (cur > 0 ? -1 : 1) && fabs(after) > cap_qty &&
          (after > 0) == (cur > 0)) {
        double need = fabs(cur) - cap_qty;
        double qmin = ceil(need / lot - LOT_EPS) * lot;
        q = qmin < fabs(cur) ? qmin : fabs(cur);
        o.flags |= FOLIO_ORDER_CAPPED;
      }
    }
    if (q == 0) {
      if (ad > 0) o.flags |= FOLIO_ORDER_ZERO_LOTS;
      return o;
    }
    o.final_quantity = q == fabs(cur) && s != (cur > 0 ? 1 : -1) ? 0.0 : cur + s * q;
  }
  o.side = s;
  o.quantity = q;
  o.notional = folio_usd_round_cents(q * price);
  if (!(o.flags & FOLIO_ORDER_CLOSE) && o.notional < min_notional) {
    o.flags |= FOLIO_ORDER_DROPPED;
    o.final_quantity = cur;
  }
  return o;
}

folio_status folio_orders_diff(size_t n_symbols, const char *const *symbols,
                               const double *current_qty, const double *prices,
                               const double *target_weights, const double *lot_sizes,
                               const double *caps_usd, double nav_usd,
                               const folio_orders_opts *opts, folio_order *out,
                               folio_error *err) {
  folio_error_clear(err);
  folio_orders_opts o = opts ? *opts : folio_orders_defaults();
  if (n_symbols && (!current_qty || !prices || !target_weights || !out))
    return folio_error_set(err, FOLIO_EINVAL, "orders: NULL array");
  if (!isfinite(nav_usd))
    return folio_error_set(err, FOLIO_ENOTFINITE, "orders: nav_usd is %g", nav_usd);
  if (nav_usd < 0 || nav_usd > FOLIO_MAX_USD)
    return folio_error_set(err, FOLIO_EINVAL, "orders: nav_usd must be in [0, %g], got %g",
                           FOLIO_MAX_USD, nav_usd);
  if (!isfinite(o.min_notional))
    return folio_error_set(err, FOLIO_ENOTFINITE, "orders: min_notional is %g", o.min_notional);
  if (o.min_notional < 0)
    return folio_error_set(err, FOLIO_EINVAL, "orders: min_notional must be >= 0, got %g",
                           o.min_notional);
  for (size_t i = 0; i < n_symbols; i++) {
    folio_status st = check_entry(i, symbols, current_qty, prices, target_weights, lot_sizes,
                                  caps_usd, nav_usd, o.fractional, err);
    if (st != FOLIO_OK) return st;
  }
  /* Two passes, so that out stays untouched when the final check fails:
   * every number of every order is finite before the first is written. */
  for (int write = 0; write < 2; write++) {
    for (size_t i = 0; i < n_symbols; i++) {
      double lot = o.fractional ? 0.0 : lot_sizes ? lot_sizes[i] : 1.0;
      double cap = caps_usd && !isnan(caps_usd[i]) ? caps_usd[i] : INFINITY;
      double cap_qty = isfinite(cap) ? cap / prices[i] : INFINITY;
      folio_order d = diff_one(current_qty[i], prices[i], target_weights[i], lot, cap_qty,
                               nav_usd, o.min_notional);
      if (write) {
        out[i] = d;
        continue;
      }
      const double nums[] = {d.quantity, d.notional, d.target_quantity, d.capped_quantity,
                             d.final_quantity};
      if (isfinite(nums[0] + nums[1] + nums[2] + nums[3] + nums[4])) continue; /* no name to format */
      char sb[64];
      const char *name = folio_i_symbol(symbols, i, sb, sizeof sb);
      const char *const names[] = {name, name, name, name, name};
      folio_status st = folio_check_finite(nums, 5, 1, names, "orders", "order", err);
      if (st < 0) return st;
    }
  }
  return FOLIO_OK;
}
