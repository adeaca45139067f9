/*
 * state.h — portfolio state: positions, snapshots and the running figures a
 * risk loop watches (daily P&L fraction, drawdown from peak, leverage, peak
 * NAV).
 *
 * A position's market value is quantity * market price rounded to the cent;
 * a snapshot's NAV is cash plus the sum of those market values, its gross
 * exposure the sum of their absolute values and its net exposure their sum,
 * each rounded to the cent. The running memory is a plain struct the caller
 * checkpoints.
 */
#ifndef FOLIO_STATE_H
#define FOLIO_STATE_H

#include <stddef.h>

#include "folio/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* quantity * market_price rounded to the cent (folio_usd_round_cents); NaN
 * or Inf inputs give a non-finite result. */
FOLIO_API double folio_position_market_value(double quantity, double market_price);

typedef struct folio_snapshot_totals {
  double nav;   /* cash + net */
  double cash;  /* as given */
  double gross; /* sum |market value| */
  double net;   /* sum market value */
} folio_snapshot_totals;

/*
 * Totals of a snapshot of n_positions positions (quantities signed, market
 * prices > 0 for non-zero quantities) and cash. symbols (may be NULL) name
 * positions in messages. *out only written on success.
 * Errors: FOLIO_ENOTFINITE (NaN/Inf cash, quantity or price), FOLIO_EINVAL
 * (price <= 0, a value over FOLIO_MAX_USD, NULL arrays). Messages start with
 * "snapshot:".
 */
FOLIO_API folio_status folio_snapshot_compute(size_t n_positions, const char *const *symbols,
                                              const double *quantities, const double *market_prices,
                                              double cash, folio_snapshot_totals *out,
                                              folio_error *err);

/* The running figures (the memory shared by every signal of a run), all plain numbers. */
typedef struct folio_portfolio_memory {
  double latest_pnl;       /* nav / reference - 1, where reference is the last NAV of the
                              previous UTC day (the first NAV seen on the first day) */
  double rolling_drawdown; /* 1 - nav / peak_nav, >= 0 */
  double current_leverage; /* gross / nav */
  double peak_nav;         /* highest NAV seen; NaN before the first update */
  double last_nav;         /* NAV of the last update; NaN before the first */
  double last_timestamp;   /* epoch seconds of the last update; NaN before the first */
  double reference_nav;    /* the P&L reference of the current day */
  long long n_updates;
} folio_portfolio_memory;

/* A memory that has seen nothing (figures 0, peak NaN). */
FOLIO_API folio_portfolio_memory folio_memory_initial(void);

/* Validates a memory restored from a checkpoint. Errors: FOLIO_EINVAL naming the field. */
FOLIO_API folio_status folio_memory_check(const folio_portfolio_memory *mem, folio_error *err);

/*
 * Folds one snapshot (timestamp in epoch seconds, nav > 0, gross >= 0) into
 * the memory: peak = max(peak, nav); drawdown = 1 - nav / peak; leverage =
 * gross / nav; daily P&L fraction = nav / reference - 1 where reference is
 * the last NAV of an earlier UTC day (the day's first NAV on the very first
 * day). Timestamps must not go back. *mem only written on success.
 * Errors: FOLIO_ENOTFINITE, FOLIO_EINVAL (nav <= 0, gross < 0, time going
 * back, an invalid memory). Messages start with "update_snapshot:".
 */
FOLIO_API folio_status folio_memory_update(folio_portfolio_memory *mem, double timestamp,
                                           double nav, double gross, folio_error *err);

#ifdef __cplusplus
}
#endif
#endif
