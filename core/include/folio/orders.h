/*
 * orders.h — the diff between the book a fund holds and the book it wants:
 * one order per symbol, in whole lots (or fractional shares when allowed),
 * never past the target or the capacity cap, with an exact close when the
 * target is zero, and small orders dropped below a minimum notional.
 *
 * The rules, per symbol (current position C, price p, target weight w,
 * NAV N, lot size L, USD cap K):
 *  1. raw target quantity  t = w * N / p;
 *  2. capacity: the TARGET POSITION is capped, |T| <= K / p, so
 *     T = sign(t) * min(|t|, K / p). For a position opened from zero this is
 *     the order-level gate order_qty = min(target_qty, cap / price);
 *     for an existing position it keeps the whole holding, not just the
 *     order, inside the cap;
 *  3. T == 0 closes exactly: the order is |C| (no dust, even when |C| is not a
 *     whole lot) and is never dropped for its size;
 *  4. otherwise the order D = T - C is rounded TOWARD ZERO to whole lots
 *     (toward the current position, never past the target): q = floor(|D|/L)*L.
 *     When a cap exists and C is beyond it, the sell is rounded UP instead,
 *     to the smallest whole number of lots that brings |C +- q| within the
 *     cap (or an exact close when even one more lot would cross zero), so a
 *     position is never left above its cap. Fractional mode skips rounding;
 *  5. notional = q * p rounded to the nearest cent (folio_usd_round_cents);
 *     an order whose notional is below min_notional is dropped (flagged,
 *     position unchanged) — except an exact close (rule 3).
 * A lot grid is snapped with a 1e-9 lot tolerance, so 299.9999999999 shares
 * of a 100-share lot count as 3 lots.
 */
#ifndef FOLIO_ORDERS_H
#define FOLIO_ORDERS_H

#include <stddef.h>

#include "folio/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct folio_orders_opts {
  int fractional;      /* nonzero: quantities are not rounded to lots; default 0 */
  double min_notional; /* USD, finite, >= 0; default 100 */
} folio_orders_opts;

/* Whole lots, min_notional 100 USD. */
FOLIO_API folio_orders_opts folio_orders_defaults(void);

/* Flags of a folio_order (bitwise or). */
enum {
  FOLIO_ORDER_CAPPED = 1u,    /* the capacity cap cut the target (or forced a sell down to it) */
  FOLIO_ORDER_ROUNDED = 2u,   /* lot rounding changed the quantity */
  FOLIO_ORDER_CLOSE = 4u,     /* an exact close (target 0) */
  FOLIO_ORDER_DROPPED = 8u,   /* notional below min_notional: not sent */
  FOLIO_ORDER_ZERO_LOTS = 16u /* a trade was wanted but rounds to zero lots */
};

typedef struct folio_order {
  int side;                /* +1 buy, -1 sell, 0 no order (also when ZERO_LOTS) */
  unsigned flags;          /* FOLIO_ORDER_* */
  double quantity;         /* > 0 when side != 0 (also kept for a DROPPED order) */
  double price;            /* the reference price (NaN when not needed and not given) */
  double notional;         /* quantity * price rounded to the cent */
  double current_quantity; /* C */
  double target_quantity;  /* t = w * N / p, before cap and rounding */
  double capped_quantity;  /* T, the target position after the cap */
  double final_quantity;   /* the position once the order fills (C when dropped) */
} folio_order;

/*
 * Diffs n_symbols positions against targets; element i of every array is the
 * same symbol. current_qty: signed positions (negative = short); prices:
 * reference prices, > 0 and finite for every symbol with a non-zero position
 * or target (NaN allowed elsewhere); target_weights: finite, signed;
 * lot_sizes: finite >= 0 (0 = fractional for that symbol), NULL = 1 share each
 *   (ignored when fractional);
 * caps_usd: finite >= 0, NaN or +Inf = no cap, NULL = no caps; symbols (may
 * be NULL) only name entries in messages. out (n_symbols, caller-owned) is
 * written only on success. All inputs are borrowed.
 * Errors: FOLIO_EINVAL (NULL array, nav_usd < 0 or > FOLIO_MAX_USD,
 * min_notional < 0, a lot <= 0, a cap < 0, a price <= 0, a notional over
 * FOLIO_MAX_USD), FOLIO_ENOTFINITE (NaN/Inf nav, min_notional, quantity,
 * weight, lot or price; a result that would not be finite), FOLIO_EMISSING
 * (no price for a symbol that needs one). Inputs outside their numeric
 * domain (numbers.h: a price outside [1e-8, 1e12], a lot > 0 outside [1e-8,
 * 1e9], a position beyond 1e15 units, a weight beyond 100, a finite cap
 * beyond FOLIO_MAX_USD) are FOLIO_EINVAL naming the value. Messages start
 * with "orders:" and name the symbol.
 */
FOLIO_API folio_status folio_orders_diff(size_t n_symbols, const char *const *symbols,
                                         const double *current_qty, const double *prices,
                                         const double *target_weights, const double *lot_sizes,
                                         const double *caps_usd, double nav_usd,
                                         const folio_orders_opts *opts, folio_order *out,
                                         folio_error *err);

#ifdef __cplusplus
}
#endif
#endif
