/*
 * position_sizers.h — "how many units for this entry?": the arithmetic of
 * the three execution-side position sizers (risk-based, portfolio-weight,
 * beta-scaled) and the beta estimate behind the third.
 *
 * Every sizer returns an unsigned number of units (the side of the entry is
 * the caller's business) rounded DOWN to whole lots unless fractional: a
 * rounding step never buys more than the formula asked for, so a risk-based
 * size never spends more than its risk budget. The lot grid is snapped
 * only within a relative 1e-12 of the raw size (so 99.99999999999999 units
 * computed for an exact 100 stay 100), never more.
 *
 *  - risk-based:       units = equity * risk_per_trade / (price * stop_loss_pct)
 *  - portfolio-weight: units = |weight| * equity / price
 *  - beta-scaled:      units = risk-based units / clamp(beta, beta_min, beta_max),
 *                      beta = cov(r_i, r_b) / var(r_b) over the last `window`
 *                      observations (both with ddof 1, so the ratio is the
 *                      ordinary least-squares slope of r_i on r_b).
 */
#ifndef FOLIO_POSITION_SIZERS_H
#define FOLIO_POSITION_SIZERS_H

#include <stddef.h>

#include "folio/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Default clamps of the beta-scaled sizer: beta is held in [0.25, 4.0], so a
 * position is at most 4x and at least 1/4 of its risk-based size. */
#define FOLIO_BETA_MIN_DEFAULT 0.25
#define FOLIO_BETA_MAX_DEFAULT 4.0

/*
 * Rounds raw_units (finite, >= 0) down to whole lots of `lot` (> 0, finite)
 * — or leaves it as is when fractional is nonzero (lot then ignored). The
 * raw size is first nudged up by a relative 1e-12 so binary noise does not
 * cost a whole lot. *units only written on success.
 * Errors: FOLIO_ENOTFINITE (raw_units or lot), FOLIO_EINVAL (raw_units < 0,
 * lot <= 0). Messages start with "units:".
 */
FOLIO_API folio_status folio_units_round_lots(double raw_units, double lot, int fractional,
                                              double *units, folio_error *err);

/*
 * Risk-based units: equity * risk_per_trade / (price * stop_loss_pct), the
 * number of units whose loss at the stop is the risk budget
 * equity * risk_per_trade, rounded down to lots (folio_units_round_lots).
 * equity in (0, FOLIO_MAX_USD], risk_per_trade in (0, 1], price > 0,
 * stop_loss_pct in (0, 1]. *units only written on success.
 * Errors: FOLIO_ENOTFINITE (NaN/Inf argument), FOLIO_EINVAL (out of range,
 * a notional over FOLIO_MAX_USD). Messages start with "risk_based:".
 */
FOLIO_API folio_status folio_units_risk_based(double equity, double risk_per_trade, double price,
                                              double stop_loss_pct, double lot, int fractional,
                                              double *units, folio_error *err);

/*
 * Portfolio-weight units: |weight| * equity / price rounded down to lots,
 * so units * price <= |weight| * equity. weight finite (its sign is the
 * side, which the caller keeps), equity in (0, FOLIO_MAX_USD], price > 0.
 * *units only written on success.
 * Errors: FOLIO_ENOTFINITE, FOLIO_EINVAL (out of range, a notional over
 * FOLIO_MAX_USD). Messages start with "portfolio_weight:".
 */
FOLIO_API folio_status folio_units_portfolio_weight(double weight, double equity, double price,
                                                    double lot, int fractional, double *units,
                                                    folio_error *err);

/*
 * Beta of a return series against a benchmark over the LAST `window` of
 * n_obs observations: beta = cov(r, rb) / var(rb), both sample moments
 * (ddof 1), computed in two passes around the window means. Both arrays
 * hold n_obs returns (borrowed). *beta only written on success.
 * Errors: FOLIO_EINVAL (NULL array, window < 2), FOLIO_ESHORT (window >
 * n_obs), FOLIO_ENOTFINITE (a NaN/Inf return inside the window; the message
 * names the 0-based row and the series), FOLIO_EDEGENERATE (the benchmark
 * is constant over the window: zero variance). Messages start with "beta:".
 */
FOLIO_API folio_status folio_beta(size_t n_obs, const double *returns, const double *benchmark,
                                  size_t window, double *beta, folio_error *err);

/* beta held in [beta_min, beta_max] (NaN is returned unchanged). */
FOLIO_API double folio_beta_clamp(double beta, double beta_min, double beta_max);

/*
 * Beta-scaled units: the raw risk-based size divided by
 * clamp(beta, beta_min, beta_max), then rounded down to lots — so
 * units * price * stop_loss_pct * beta_used <= equity * risk_per_trade.
 * Arguments as folio_units_risk_based plus beta (finite) and the clamps
 * (finite, 0 < beta_min <= beta_max; see FOLIO_BETA_*_DEFAULT). *units and
 * *beta_used (may be NULL) only written on success.
 * Errors: FOLIO_ENOTFINITE, FOLIO_EINVAL (out of range, beta_min > beta_max,
 * a notional over FOLIO_MAX_USD). Messages start with "beta_scaled:".
 */
FOLIO_API folio_status folio_units_beta_scaled(double equity, double risk_per_trade, double price,
                                               double stop_loss_pct, double beta, double beta_min,
                                               double beta_max, double lot, int fractional,
                                               double *units, double *beta_used, folio_error *err);

#ifdef __cplusplus
}
#endif
#endif
