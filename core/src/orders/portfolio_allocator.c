/*
 * portfolio_allocator.c — the order_from_signal arithmetic (see
 * portfolio_allocator.h): a NAV fraction scaled by confidence, floored at a
 * minimum notional, turned into whole lots toward zero and a notional in
 * cents. Everything is checked before *out is written.
 */
#include <math.h>

#include "folio/money.h"
#include "folio/numbers.h"
#include "folio/portfolio_allocator.h"

#define WHO "order_from_signal"
/* Relative slack of the lot grid (as in position_sizers.c). */
#define LOT_SNAP 1e-12

folio_portfolio_allocator_opts folio_portfolio_allocator_defaults(void) {
  folio_portfolio_allocator_opts o;
  o.target_weight = 0.02;
  o.min_notional = 100.0;
  o.lot = 1.0;
  o.fractional = 0;
  return o;
}

folio_status folio_portfolio_allocator_opts_check(const folio_portfolio_allocator_opts *o, folio_error *err) {
  if (!isfinite(o->target_weight))
    return folio_error_set(err, FOLIO_ENOTFINITE, WHO ": target_weight must be finite, got %g",
                           o->target_weight);
  if (!(o->target_weight > 0 && o->target_weight <= 1))
    return folio_error_set(err, FOLIO_EINVAL, WHO ": target_weight must be in (0, 1], got %g",
                           o->target_weight);
  if (!isfinite(o->min_notional))
    return folio_error_set(err, FOLIO_ENOTFINITE, WHO ": min_notional must be finite, got %g",
                           o->min_notional);
  if (!(o->min_notional >= 0 && o->min_notional <= FOLIO_MAX_USD))
    return folio_error_set(err, FOLIO_EINVAL, WHO ": min_notional must be in [0, %g], got %g",
                           FOLIO_MAX_USD, o->min_notional);
  if (!o->fractional) {
    if (!isfinite(o->lot))
      return folio_error_set(err, FOLIO_ENOTFINITE, WHO ": lot size must be finite, got %g", o->lot);
    if (!(o->lot > 0))
      return folio_error_set(err, FOLIO_EINVAL, WHO ": lot size must be > 0, got %g", o->lot);
    return folio_check_number(FOLIO_DOMAIN_LOT, o->lot, WHO, "lot size", NULL, err);
  }
  return FOLIO_OK;
}

folio_status folio_order_from_signal(const folio_portfolio_allocator_opts *opts, double nav,
                                     double direction, double confidence, double price,
                                     folio_signal_order *out, folio_error *err) {
  folio_portfolio_allocator_opts def = folio_portfolio_allocator_defaults();
  const folio_portfolio_allocator_opts *o = opts ? opts : &def;
  folio_status st = folio_portfolio_allocator_opts_check(o, err);
  if (st != FOLIO_OK) return st;
  if (!isfinite(nav))
    return folio_error_set(err, FOLIO_ENOTFINITE, WHO ": nav must be finite, got %g", nav);
  if (!(nav > 0 && nav <= FOLIO_MAX_USD))
    return folio_error_set(err, FOLIO_EINVAL, WHO ": nav must be in (0, %g], got %g",
                           FOLIO_MAX_USD, nav);
  if (!isfinite(direction))
    return folio_error_set(err, FOLIO_ENOTFINITE, WHO ": direction must be finite, got %g",
                           direction);
  if (!isfinite(confidence))
    return folio_error_set(err, FOLIO_ENOTFINITE, WHO ": confidence must be finite, got %g",
                           confidence);
  if (!(confidence >= 0 && confidence <= 1))
    return folio_error_set(err, FOLIO_EINVAL, WHO ": confidence must be in [0, 1], got %g",
                           confidence);
  if (!isfinite(price))
    return folio_error_set(err, FOLIO_ENOTFINITE, WHO ": price must be finite, got %g", price);
  if (!(price > 0))
    return folio_error_set(err, FOLIO_EINVAL, WHO ": price must be > 0, got %g", price);
  if ((st = folio_check_number(FOLIO_DOMAIN_PRICE, price, WHO, "price", NULL, err)) != FOLIO_OK)
    return st;

  folio_signal_order r;
  r.flags = 0;
  double sized = nav * o->target_weight * confidence;
  r.target_notional = sized;
  if (sized < o->min_notional) {
    r.target_notional = o->min_notional;
    r.flags |= FOLIO_SIGNAL_FLOORED;
  }
  r.raw_quantity = r.target_notional / price;
  double q = r.raw_quantity;
  if (!o->fractional) {
    double snap = fmin(q * LOT_SNAP, o->lot * 1e-9);
    double k = floor(q / o->lot);
    if ((k + 1.0) * o->lot - q <= snap) k += 1.0;
    q = k * o->lot;
    if (fabs(q - r.raw_quantity) > snap) r.flags |= FOLIO_SIGNAL_ROUNDED; /* not for binary noise */
  }
  r.quantity = q;
  r.notional = folio_usd_round_cents(q * price);
  if (!isfinite(q) || !isfinite(r.raw_quantity)) /* the final check (never, given the domains) */
    return folio_error_set(err, FOLIO_ENOTFINITE, WHO ": quantity is not finite");
  if (!(r.notional <= FOLIO_MAX_USD))
    return folio_error_set(err, FOLIO_EINVAL, WHO ": notional %g exceeds %g USD", r.notional,
                           FOLIO_MAX_USD);
  if (q > 0) {
    r.side = direction >= 0 ? 1 : -1;
  } else {
    r.side = 0;
    r.flags |= FOLIO_SIGNAL_ZERO_LOTS;
  }
  *out = r;
  return FOLIO_OK;
}
