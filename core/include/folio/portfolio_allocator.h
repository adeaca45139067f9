/*
 * portfolio_allocator.h — the portfolio allocator (folio.PortfolioAllocator): one signal (a direction
 * and a confidence) into one order sized as a fraction of NAV.
 *
 *   target notional = max(nav * target_weight * confidence, min_notional)
 *   quantity        = target notional / price, rounded TOWARD ZERO to whole
 *                     lots unless fractional (a relative 1e-12 snap keeps
 *                     binary noise from costing a lot)
 *   notional        = quantity * price rounded to the cent (folio_usd_round_cents)
 *   side            = BUY when direction >= 0, else SELL
 *
 * The min_notional floor (default 100 USD) keeps low-confidence signals from
 * making dust orders; lot rounding can still take the final notional below
 * it (the order is then flagged ROUNDED — it is never rounded up past the
 * target). A quantity that rounds to zero lots gives no order (ZERO_LOTS).
 */
#ifndef FOLIO_PORTFOLIO_ALLOCATOR_H
#define FOLIO_PORTFOLIO_ALLOCATOR_H

#include <stddef.h>

#include "folio/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct folio_portfolio_allocator_opts {
  double target_weight; /* fraction of NAV per position, in (0, 1]; default 0.02 */
  double min_notional;  /* USD floor of the target notional, finite >= 0; default 100 */
  double lot;           /* lot size, > 0; default 1 (ignored when fractional) */
  int fractional;       /* nonzero: no lot rounding; default 0 */
} folio_portfolio_allocator_opts;

/* target_weight 0.02, min_notional 100, whole shares. */
FOLIO_API folio_portfolio_allocator_opts folio_portfolio_allocator_defaults(void);

/* Validates the options (ranges above). Messages start with "order_from_signal:".
 * Errors: FOLIO_ENOTFINITE, FOLIO_EINVAL (naming the field). */
FOLIO_API folio_status
folio_portfolio_allocator_opts_check(const folio_portfolio_allocator_opts *opts, folio_error *err);

/* Flags of a folio_signal_order (bitwise or). */
enum {
  FOLIO_SIGNAL_FLOORED = 1u,  /* nav * target_weight * confidence was below min_notional */
  FOLIO_SIGNAL_ROUNDED = 2u,  /* lot rounding changed the quantity */
  FOLIO_SIGNAL_ZERO_LOTS = 4u /* the target notional buys less than one lot: no order */
};

typedef struct folio_signal_order {
  int side;               /* +1 buy, -1 sell; 0 when ZERO_LOTS */
  unsigned flags;         /* FOLIO_SIGNAL_* */
  double target_notional; /* max(nav * target_weight * confidence, min_notional), unrounded */
  double raw_quantity;    /* target_notional / price */
  double quantity;        /* rounded toward zero to lots (> 0 unless ZERO_LOTS) */
  double notional;        /* quantity * price rounded to the cent */
} folio_signal_order;

/*
 * Sizes the order of one signal (see the file comment). opts may be NULL
 * (the defaults). nav in (0, FOLIO_MAX_USD], direction finite (its sign is
 * the side), confidence in [0, 1], price > 0. *out only written on success.
 * Errors: FOLIO_ENOTFINITE (NaN/Inf argument), FOLIO_EINVAL (confidence
 * outside [0, 1], nav or price <= 0, bad options, a notional over
 * FOLIO_MAX_USD). Messages start with "order_from_signal:".
 */
FOLIO_API folio_status folio_order_from_signal(const folio_portfolio_allocator_opts *opts,
                                               double nav, double direction, double confidence,
                                               double price, folio_signal_order *out,
                                               folio_error *err);

#ifdef __cplusplus
}
#endif
#endif
