/*
 * multi_sleeve.h — multi-sleeve composition: sleeves' target weights combined
 * with sleeve allocations into one composite (a symbol held by several
 * sleeves gets the sum of allocation x weight) and allocations derived from
 * the sleeves' own return histories (overlays). The turnover-budgeted move
 * towards the composite is turnover.h.
 *
 *   composite_s = sum_k a_k w_{k,s}               (folio_multi_sleeve_compose)
 *   a = S * overlay(sleeve returns), S = sum of stated a  (folio_overlay_allocations)
 *
 * Conventions: vectors are arrays of doubles; matrices are column-major
 * with a leading dimension; inputs are borrowed and outputs go to
 * caller-owned arrays, written only on success. Same inputs give
 * bit-identical outputs. Workspace: a `work` buffer of the stated size, or
 * NULL to let the function allocate and free its own.
 */
#ifndef FOLIO_MULTI_SLEEVE_H
#define FOLIO_MULTI_SLEEVE_H

#include <stddef.h>

#include "folio/black_litterman.h"
#include "folio/panel.h"
#include "folio/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- composition ----------------------------------------------------------------- */

/* One sleeve's target weights (borrowed). */
typedef struct folio_sleeve {
  const char *name;            /* names the sleeve in messages (NULL: "sleeve #k") */
  size_t n_symbols;
  const char *const *symbols;  /* n_symbols distinct, non-empty symbols */
  const double *weights;       /* n_symbols finite weights (long or short) */
} folio_sleeve;

/* Bytes of workspace folio_compose needs for this many (symbol, sleeve)
 * entries in total (0 on overflow). */
FOLIO_API size_t folio_multi_sleeve_work_size(size_t n_entries);

/*
 * The composite of n_sleeves sleeves: for every symbol held by any sleeve,
 *   composite_s = sum over sleeves k holding s of allocations[k] * w_{k,s},
 * summed in sleeve order (so overlapping sleeves net out: SPY 0.6 * 0.4 +
 * 0.4 * (-0.5) = 0.04). The union of symbols is written in strcmp order.
 *
 * allocations: n_sleeves values, each finite and >= 0, summing to at most
 * 1 + 1e-12 (a fraction of NAV); NULL means 1/n_sleeves each.
 * symbols_out (pointers borrowed from the sleeves) and weights_out must hold
 * max_out entries; the total number of entries always suffices. *n_out
 * receives the number of distinct symbols. work: folio_multi_sleeve_work_size
 * (total entries) bytes or NULL.
 * Errors: FOLIO_EINVAL (NULL arrays, an empty symbol, a negative or NaN
 * allocation or allocations summing above 1 (names the sleeve), max_out too
 * small), FOLIO_EEMPTY (no sleeves), FOLIO_ENOTFINITE (a weight; names
 * sleeve and symbol), FOLIO_EDUP (a symbol twice in one sleeve), FOLIO_EDIM,
 * FOLIO_ENOMEM.
 */
FOLIO_API folio_status folio_multi_sleeve_compose(size_t n_sleeves, const folio_sleeve *sleeves,
                                                  const double *allocations, size_t max_out,
                                                  const char **symbols_out, double *weights_out,
                                                  size_t *n_out, void *work, folio_error *err);

/* ---- overlays --------------------------------------------------------------------- */

/* How sleeve allocations are derived. */
typedef enum folio_overlay {
  FOLIO_OVERLAY_EQUAL = 0,        /* the stated allocations; 1/K when none stated */
  FOLIO_OVERLAY_HRP = 1,          /* folio_hrp (single linkage) on the sleeves' covariance */
  FOLIO_OVERLAY_INVERSE_VOL = 2,  /* folio_inverse_vol */
  FOLIO_OVERLAY_RISK_PARITY = 3,  /* folio_risk_parity (equal risk budgets) */
  FOLIO_OVERLAY_MIN_VARIANCE = 4, /* folio_min_variance, long-only */
  FOLIO_OVERLAY_BL = 5            /* Black-Litterman, stated allocations as the prior */
} folio_overlay;

/* "equal", "hrp", "inverse_vol", "risk_parity", "min_variance", "bl";
 * FOLIO_EINVAL listing them otherwise. */
FOLIO_API folio_status folio_overlay_parse(const char *name, folio_overlay *out, folio_error *err);
/* The overlay's name ("unknown" for an invalid value). Static storage. */
FOLIO_API const char *folio_overlay_name(folio_overlay overlay);

/* Bytes of workspace folio_overlay_allocations needs (0 on overflow). */
FOLIO_API size_t folio_overlay_work_size(size_t n_rows, size_t n_sleeves);

/*
 * Sleeve allocations from an overlay. With S the sum of the stated
 * allocations (1 when stated is NULL):
 *   equal:  a_k = stated_k, or 1/K without stated allocations;
 *   others: C = sample covariance (ddof 1, per-period units) of the last
 *           `lookback` rows of sleeve_returns (all rows when it has fewer;
 *           at least 2 rows needed, no missing values), then
 *           v = hrp(C) | inverse_vol(C) | risk_parity(C) | min_variance(C, w >= 0)
 *               | bl: the Black-Litterman weights with the market-implied
 *                 prior Pi = C p (delta 1, p = stated / S or 1/K), tau 0.05,
 *                 the given views (none: v = p up to rounding); negative
 *                 posterior weights are set to 0 and the rest renormalised;
 *           a_k = S * v_k  (the overlay redistributes the fund's invested
 *           fraction across sleeves; it never changes it).
 * sleeve_returns: T x K panel, column k = sleeve k (ignored for "equal";
 * may be NULL then). views: for "bl" only (NULL = none), P is k_views x K.
 * out: K allocations. work: folio_overlay_work_size(T, K) bytes or NULL.
 * Errors: FOLIO_EINVAL (NULL out, unknown overlay, lookback 0, stated
 * allocations negative or summing above 1 + 1e-12 (names the sleeve), no
 * returns for a return-based overlay, the panel's columns not K), the
 * errors of folio_sample_cov / folio_hrp / the allocators /
 * folio_black_litterman (FOLIO_ESHORT, FOLIO_EMISSING, FOLIO_ENOTPD,
 * FOLIO_EDEGENERATE, ... naming the sleeve), FOLIO_EDEGENERATE ("bl" with
 * no positive posterior weight), FOLIO_ENOMEM.
 */
FOLIO_API folio_status folio_overlay_allocations(folio_overlay overlay, size_t n_sleeves,
                                                 const char *const *sleeve_names,
                                                 const folio_panel *sleeve_returns, size_t lookback,
                                                 const double *stated, const folio_bl_views *views,
                                                 double *out, void *work, folio_error *err);

#ifdef __cplusplus
}
#endif
#endif
