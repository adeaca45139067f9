/*
 * sizers.h — turning signals and estimates into target weights.
 *
 * Weights are fractions of NAV (0.10 = 10 % long, -0.05 = 5 % short).
 * Vectors are plain arrays of n_assets doubles, aligned with a `symbols`
 * array of n_assets distinct, non-empty C strings. Symbols name assets in
 * error messages and break ties; sizers whose definition is permutation
 * invariant work in symbol order internally, so reordering the inputs gives
 * bit-identical weights per symbol.
 *
 * Every function validates all inputs before computing anything and writes
 * its outputs only on success. Info out-parameters may be NULL. The sizers
 * borrow their inputs; outputs go into caller-owned arrays.
 */
#ifndef FOLIO_SIZERS_H
#define FOLIO_SIZERS_H

#include <stddef.h>

#include "folio/panel.h"
#include "folio/cancel.h"
#include "folio/repair.h"
#include "folio/risk_model.h"
#include "folio/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Checks that symbols has n distinct, non-empty, non-NULL strings. `who`
 * prefixes messages (NULL: "check_symbols"). O(n) when the symbols are
 * already in ascending strcmp order, else one sort (one allocation).
 * Errors: FOLIO_EINVAL (NULL array, NULL or empty symbol, names its 1-based
 * position "#k"), FOLIO_EDUP (names it), FOLIO_EDIM (n > FOLIO_MAX_DIM),
 * FOLIO_ENOMEM. */
FOLIO_API folio_status folio_check_symbols(size_t n, const char *const *symbols, const char *who,
                                           folio_error *err);

/* ---- equal_weight_ls --------------------------------------------------- */

typedef struct folio_ewls_info {
  size_t n_long;     /* names actually held long (after shrinking) */
  size_t n_short;    /* names actually held short */
  size_t n_excluded; /* names with a NaN signal */
} folio_ewls_info;

/*
 * Top n_long names by signal long, bottom n_short short, equal weight within
 * each side; each side carries gross/2, or all of gross when the other side
 * is empty. Order is by signal (descending), ties broken by symbol
 * (ascending, strcmp), so the result does not depend on input order.
 * NaN signals are excluded (weight 0). With V valid names and
 * n_long + n_short > V, the larger side (the short side on a tie) is
 * shrunk one name at a time until n_long + n_short <= V, so no name is on
 * both sides. Unselected names get weight 0.
 *
 * Errors: FOLIO_EINVAL (n_long or n_short < 0, gross not finite or <= 0,
 * NULL arrays, bad symbols), FOLIO_EDUP, FOLIO_EDIM (n_assets >
 * FOLIO_MAX_DIM), FOLIO_ENOTFINITE (an infinite signal; names it),
 * FOLIO_EEMPTY (no valid name, or n_long = n_short = 0), FOLIO_ENOMEM.
 */
FOLIO_API folio_status folio_equal_weight_ls(size_t n_assets, const double *signal,
                                             const char *const *symbols, long n_long, long n_short,
                                             double gross, double *weights, folio_ewls_info *info,
                                             folio_error *err);

/* ---- kelly_fraction ---------------------------------------------------- */

/* folio_repair (what to do with a covariance that is not positive definite)
 * is defined in repair.h. */

typedef struct folio_kelly_opts {
  double risk_aversion; /* > 0; 1 = full Kelly, 2 = half Kelly. Default 1 */
  double cap;           /* > 0; every |w_i| <= cap. INFINITY = no cap. Default INFINITY */
  folio_repair repair;  /* default FOLIO_REPAIR_ERROR; RIDGE, CLIP or HIGHAM repair a cov
                           that does not factorise (see repair.h) */
  const folio_cancel *cancel; /* polled by the HIGHAM repair's iterations (cancel.h);
                                 NULL (default) = never */
} folio_kelly_opts;

/* The defaults: risk_aversion 1 (full Kelly), cap INFINITY, repair FOLIO_REPAIR_ERROR,
 * cancel NULL. */
FOLIO_API folio_kelly_opts folio_kelly_defaults(void);

typedef struct folio_kelly_info {
  double ridge;             /* ridge added to the diagonal (0 when none was needed) */
  size_t n_capped;          /* names clipped to the cap */
  folio_repair_info repair; /* what the repair did (applied = 0 when cov factorised as is) */
} folio_kelly_info;

/* Bytes of workspace folio_kelly_fraction needs (0 on overflow). */
FOLIO_API size_t folio_kelly_fraction_work_size(size_t n_assets);

/*
 * Kelly weights w = cov^-1 mu / risk_aversion through a Cholesky
 * factorisation (LAPACKE dpotrf + dpotrs), then w_i = clamp(w_i, -cap, cap).
 * When dpotrf fails: RIDGE retries with r I added (r = 1e-10 * mean
 * variance, x10 per try, 12 tries); CLIP / HIGHAM run folio_cov_repair on
 * the symbol-ordered copy (it allocates its own workspace) and factorise the
 * result. info->repair reports what was done; info->ridge stays the ridge.
 * mu and cov must be in the same units (both per period or both annualised;
 * w does not depend on which). cov is n_assets x n_assets, column-major,
 * leading dimension ld_cov, and must be symmetric (to 1e-10 relative to
 * sqrt(c_ii c_jj)). raw_weights (may be NULL) receives the uncapped weights.
 * work: folio_kelly_fraction_work_size() bytes, or NULL to allocate.
 *
 * symbols may be NULL: assets are then named "#k" (1-based input position)
 * in messages and the factorisation runs in input order. With symbols, it
 * runs in symbol order (cov is copied permuted), so reordering the inputs
 * gives bit-identical weights per symbol. Of each symmetric pair the entry
 * in the row of the later symbol (in that order) is the one used.
 *
 * Errors: FOLIO_EINVAL (risk_aversion not finite or <= 0, cap <= 0 or NaN,
 * bad repair, NULL mu/cov/weights/opts, bad symbols, ld_cov < n_assets),
 * FOLIO_EDUP, FOLIO_EDIM (n_assets^2 > FOLIO_MAX_ELEMS), FOLIO_ENOTFINITE
 * (NaN/Inf in mu or cov, or a weight that would not be finite; names the
 * symbol), FOLIO_EINVAL (mu outside the expected-return domain, a cov entry
 * outside the covariance domain, a variance other than 0 below 1e-20:
 * numbers.h; names the symbol and the value), FOLIO_ENOTSYM (names the pair),
 * FOLIO_ENOTPD (names the first symbol whose leading minor fails, in the
 * factorisation order; with FOLIO_REPAIR_RIDGE only when no ridge helped;
 * with CLIP / HIGHAM only when the repair fails, e.g. a zero matrix),
 * FOLIO_EEMPTY (n_assets = 0), FOLIO_ENOMEM.
 */
FOLIO_API folio_status folio_kelly_fraction(size_t n_assets, const double *mu, const double *cov,
                                            size_t ld_cov, const char *const *symbols,
                                            const folio_kelly_opts *opts, double *weights,
                                            double *raw_weights, void *work, folio_kelly_info *info,
                                            folio_error *err);

/* ---- vol_target_weights ------------------------------------------------ */

typedef struct folio_vol_target_opts {
  double target_ann_vol;   /* > 0, e.g. 0.12 */
  size_t window;           /* >= 2 rows of returns; default 63 */
  double max_scale;        /* > 0 (INFINITY = unbounded); default 3.0 */
  double periods_per_year; /* > 0; default 252 */
} folio_vol_target_opts;

/* target 0.12, window 63, max_scale 3, periods_per_year 252 */
FOLIO_API folio_vol_target_opts folio_vol_target_defaults(void);

typedef struct folio_vol_target_info {
  double realised_vol; /* annualised vol of the base portfolio over the window */
  double scale;        /* min(target / realised, max_scale) */
  double target_vol;   /* the target used */
  size_t window;       /* rows used */
} folio_vol_target_info;

/*
 * Scales base weights so the portfolio's realised annualised volatility
 * matches the target: portfolio returns p_t = sum_j w_j r_tj over the last
 * `window` rows of log_returns (columns aligned with base_weights),
 * realised = std(p, ddof = 1) * sqrt(periods_per_year),
 * scale = min(target / realised, max_scale), weights = scale * base.
 * Up when calm, down when volatile. A missing return of an asset with a
 * non-zero weight inside the window is an error; assets with weight 0 may
 * have missing data. Only the window's rows are read. When log_returns has
 * column labels (they must then be distinct and non-empty), p_t is summed
 * in label order, so reordering the columns gives bit-identical weights;
 * without labels, in column order.
 *
 * Errors: FOLIO_EINVAL (bad options, NULL arrays, bad column labels),
 * FOLIO_EDUP (duplicate column label), FOLIO_EDIM (log_returns->n_cols !=
 * n_assets, bad panel shape), FOLIO_ENOTFINITE (NaN/Inf weight, Inf return
 * in the window), FOLIO_ESHORT (fewer rows than window), FOLIO_EMISSING
 * (names symbol and row), FOLIO_EDEGENERATE (realised vol is 0, e.g. all
 * weights 0), FOLIO_ENOMEM.
 */
FOLIO_API folio_status folio_vol_target_weights(size_t n_assets, const double *base_weights,
                                                const folio_panel *log_returns,
                                                const folio_vol_target_opts *opts, double *weights,
                                                folio_vol_target_info *info, folio_error *err);

/* ---- fixed_weight ------------------------------------------------------ */

/*
 * Pass-through with validation: copies weights_in to weights_out after
 * checking that every weight is finite and symbols are valid and distinct.
 * Errors: FOLIO_ENOTFINITE (names the symbol), FOLIO_EINVAL, FOLIO_EDUP.
 */
FOLIO_API folio_status folio_fixed_weight(size_t n_assets, const double *weights_in,
                                          const char *const *symbols, double *weights_out,
                                          folio_error *err);

/* ---- kelly_voltarget (the composite sizer) ----------------------------- */

typedef struct folio_kelly_voltarget_opts {
  double ic;               /* information coefficient of the Grinold rule, > 0; default 0.05 */
  double risk_aversion;    /* default 2 (half Kelly) */
  double cap;              /* per-name cap as a fraction of NAV, > 0 or INFINITY; default 0.20 */
  size_t cov_window;       /* rows of returns behind sigma_i and cov; default 252 */
  double target_ann_vol;   /* 0.12 for kelly_voltarget_12, 0.08 for kelly_voltarget_8 */
  size_t vol_window;       /* default 63 */
  double max_scale;        /* default 3.0 */
  double periods_per_year; /* default 252 */
  folio_repair repair;     /* default FOLIO_REPAIR_ERROR */
  const folio_cancel *cancel; /* polled by the HIGHAM repair (cancel.h); default NULL = never */
} folio_kelly_voltarget_opts;

/* Defaults with target_ann_vol = target (0.12 or 0.08 for the two named sizers). */
FOLIO_API folio_kelly_voltarget_opts folio_kelly_voltarget_defaults(double target_ann_vol);

typedef struct folio_kelly_voltarget_info {
  double scale;         /* vol-target scale applied to the capped Kelly weights */
  double realised_vol;  /* annualised vol of the capped Kelly portfolio over vol_window */
  double final_vol;     /* annualised vol of the final weights over vol_window */
  double ridge;         /* from the Kelly step */
  folio_repair_info repair; /* from the Kelly step */
  size_t n_capped;      /* names at the cap in the final weights */
  size_t n_active;      /* names with a valid (non-NaN) signal */
} folio_kelly_voltarget_info;

/* Bytes of workspace folio_kelly_voltarget needs (0 on overflow). */
FOLIO_API size_t folio_kelly_voltarget_work_size(size_t n_rows, size_t n_assets);

/*
 * The composite sizer (kelly_voltarget_12 / _8):
 *  1. z = signal standardised across the names with a non-NaN signal
 *     (mean 0, std 1 with ddof = 1; all equal -> error); NaN signal = excluded.
 *  2. Over the last cov_window rows of log_returns (active names only, no
 *     missing values allowed): Sigma = periods_per_year * sample cov,
 *     sigma_i = sqrt(Sigma_ii), mu_i = ic * sigma_i * z_i (Grinold).
 *  3. w = kelly_fraction(mu, Sigma, risk_aversion, cap).
 *  4. scale from vol_target_weights(w, log_returns, target, vol_window, max_scale).
 *  5. final w_i = clamp(scale * w_i, -cap, cap): the cap is a hard per-name
 *     limit, so it is applied again after scaling (final_vol reports the vol
 *     actually reached).
 *  usd_targets[i] = w_i * nav_usd rounded to the nearest cent (may be NULL).
 * Excluded names get weight 0. work: folio_kelly_voltarget_work_size() bytes or NULL.
 *
 * Names are log_returns->col_labels (distinct, non-empty), or "#k" without
 * labels. Every step runs over the active names in label order (input order
 * without labels), so reordering the columns (and signal alike) gives
 * bit-identical weights per name. The active names' returns must be present
 * and finite over the last max(cov_window, vol_window) rows; excluded names'
 * returns are not read. Messages start with "kelly_voltarget: " (a step's
 * own message follows it for sample_cov).
 *
 * Errors: those of the steps, plus FOLIO_EINVAL (nav_usd not finite, <= 0 or
 * > FOLIO_MAX_USD, bad options, NULL signal/log_returns/opts/weights),
 * FOLIO_ESHORT (fewer rows than cov_window or vol_window), FOLIO_EEMPTY
 * (fewer than 2 names with a signal), FOLIO_EDEGENERATE (constant signal,
 * or zero volatility of the Kelly portfolio), FOLIO_EMISSING /
 * FOLIO_ENOTFINITE (names symbol and row), FOLIO_ENOMEM.
 */
FOLIO_API folio_status folio_kelly_voltarget(size_t n_assets, const double *signal,
                                             const folio_panel *log_returns, double nav_usd,
                                             const folio_kelly_voltarget_opts *opts,
                                             double *weights, double *usd_targets, void *work,
                                             folio_kelly_voltarget_info *info, folio_error *err);

#ifdef __cplusplus
}
#endif
#endif
