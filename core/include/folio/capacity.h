/*
 * capacity.h — per-symbol position limits from average daily dollar volume.
 *
 * A market-data pair is two panels of the same shape and labels: daily
 * prices and daily volumes (shares). ADV (USD) is the mean of price * volume
 * over the last adv_lookback_days rows in which the symbol has both a price
 * and a volume (empty cells are skipped, so weekends and holidays of one
 * asset class do not count against another).
 */
#ifndef FOLIO_CAPACITY_H
#define FOLIO_CAPACITY_H

#include <stddef.h>

#include "folio/panel.h"
#include "folio/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Validates a prices/volumes pair once: same shape, same column labels and
 * same row labels (dates) where both panels have them, prices > 0 and
 * volumes > 0 where present (NaN = missing is fine), no Inf. Messages start
 * with "market:".
 * Errors: FOLIO_EDIM (shape or label mismatch; names the column),
 * FOLIO_ENOTFINITE, FOLIO_EINVAL (a price or volume <= 0; names symbol and row).
 */
FOLIO_API folio_status folio_market_check(const folio_panel *prices, const folio_panel *volumes,
                                          folio_error *err);

typedef struct folio_capacity_opts {
  double fraction_of_adv;   /* in (0, 1]; default 0.01 */
  size_t adv_lookback_days; /* >= 1; default 21 */
} folio_capacity_opts;

/* The defaults: fraction_of_adv 0.01, adv_lookback_days 21. */
FOLIO_API folio_capacity_opts folio_capacity_defaults(void);

typedef struct folio_capacity {
  double adv_usd;    /* average daily dollar volume over the lookback */
  double cap_usd;    /* fraction_of_adv * adv_usd, rounded DOWN to the cent */
  double cap_weight; /* cap_usd / nav_usd */
  size_t days_used;  /* rows that entered the ADV (= adv_lookback_days) */
} folio_capacity;

/*
 * Capacity of column `asset` for a fund of nav_usd; opts NULL means
 * folio_capacity_defaults(). The panels must already have passed
 * folio_market_check (only their shapes and the cells in the ADV window are
 * re-checked here, so a per-symbol call stays O(window)). *out is only
 * written on success. Messages start with "position_capacity:".
 * Errors: FOLIO_EINVAL (NULL panel or out, nav_usd not finite or <= 0 or >
 * FOLIO_MAX_USD, bad fraction or lookback, asset out of range, a price or
 * volume <= 0 met in the window), FOLIO_EDIM (shapes differ), FOLIO_ESHORT
 * (fewer than adv_lookback_days rows with both price and volume; names the
 * symbol and the count found), FOLIO_ENOTFINITE (dollar volume overflows).
 */
FOLIO_API folio_status folio_position_capacity(const folio_panel *prices,
                                               const folio_panel *volumes, size_t asset,
                                               double nav_usd, const folio_capacity_opts *opts,
                                               folio_capacity *out, folio_error *err);

/*
 * Truncates a target weight to its capacity, keeping the sign:
 * returns sign(w) * min(|w|, cap->cap_weight) and sets *bound (may be NULL)
 * to 1 when the cap cut the target, else 0. NaN target -> NaN, bound 0.
 * A NULL cap or a cap_weight that is NaN or negative -> NaN, bound 0 (no
 * silent "unlimited").
 */
FOLIO_API double folio_capacity_truncate(double target_weight, const folio_capacity *cap,
                                         int *bound);

#ifdef __cplusplus
}
#endif
#endif
