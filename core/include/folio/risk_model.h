/*
 * risk_model.h — covariance estimates from a panel of returns.
 *
 * All products over the time axis go through BLAS level 3 (dsyrk/dgemm);
 * only O(T*A) work (centring, masks) is done in plain loops.
 */
#ifndef FOLIO_RISK_MODEL_H
#define FOLIO_RISK_MODEL_H

#include <stddef.h>

#include "folio/panel.h"
#include "folio/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* How an estimator treats missing (NaN) returns. */
typedef enum folio_missing {
  FOLIO_MISSING_ERROR = 0,    /* any missing value is an error naming symbol and row */
  FOLIO_MISSING_PAIRWISE = 1, /* each pair over the rows where both are present (pandas) */
  FOLIO_MISSING_COMPLETE = 2, /* only rows where every asset is present */
  FOLIO_MISSING_ZERO = 3      /* a missing return counts as 0 (PyPortfolioOpt's Ledoit-Wolf
                                 convention, np.nan_to_num); Ledoit-Wolf only */
} folio_missing;

/* Parses "error", "pairwise", "complete", "zero"; returns FOLIO_EINVAL
 * (naming the accepted values) for anything else. Which policies an
 * estimator accepts is stated at the estimator. */
FOLIO_API folio_status folio_missing_parse(const char *name, folio_missing *out, folio_error *err);
/* "error", "pairwise", "complete" or "zero". */
FOLIO_API const char *folio_missing_name(folio_missing m);

/* What an estimate used, reported back to the caller. */
typedef struct folio_cov_info {
  size_t rows_used;       /* rows that entered the estimate (complete: the complete rows;
                             pairwise: the rows with at least one observation) */
  size_t min_pair_obs;    /* smallest number of observations behind any entry */
  int had_missing;        /* 1 if any missing value was seen in the input */
} folio_cov_info;

/* Bytes of workspace folio_sample_cov needs for these sizes (0 on overflow).
 * The buffer may have any alignment; the function aligns inside it. */
FOLIO_API size_t folio_sample_cov_work_size(size_t n_rows, size_t n_assets, folio_missing missing);

/*
 * Sample covariance (ddof = 1) of the columns of `returns`, times `scale`
 * (1 for per-period units, periods_per_year to annualise), into cov
 * (n_assets x n_assets, column-major, leading dimension ld_cov, both
 * triangles written).
 *   complete / no missing data:  C = Xc' Xc / (n - 1), Xc the centred rows, one dsyrk.
 *   pairwise:  cov_ij over S_ij (rows where i and j are both present), with
 *              means over S_ij, from dsyrk/dgemm products of the zero-filled,
 *              shifted data and its presence mask (equals pandas' R.cov()).
 * `work` is a caller-owned buffer of
 * folio_sample_cov_work_size(n_rows, n_assets, missing) bytes, or NULL to
 * let the function allocate (and free) its own. info may be NULL. On error
 * neither cov nor info is written. Same inputs give bit-identical outputs.
 *
 * Errors: FOLIO_EDIM (shape, ld_cov > INT_MAX, n_assets^2 > FOLIO_MAX_ELEMS),
 * FOLIO_ENOTFINITE (Inf in returns, names symbol and row; or a symbol whose
 * |x - mean| exceeds 1e145, where the sums of squares could overflow),
 * FOLIO_EMISSING (a missing value under FOLIO_MISSING_ERROR; names symbol
 * and row), FOLIO_ESHORT (fewer than 2 rows / complete rows; under pairwise
 * a symbol with fewer than 2 observations, or a pair overlapping in fewer
 * than 2 rows, named), FOLIO_EINVAL (NULL returns or cov, unknown missing,
 * scale not finite and > 0, ld_cov < n_assets, missing = FOLIO_MISSING_ZERO),
 * FOLIO_ENOMEM.
 */
FOLIO_API folio_status folio_sample_cov(const folio_panel *returns, folio_missing missing,
                                        double scale, double *cov, size_t ld_cov, void *work,
                                        folio_cov_info *info, folio_error *err);

/* ---- Ledoit-Wolf shrinkage ------------------------------------------------ */

/* What a Ledoit-Wolf estimate used. */
typedef struct folio_lw_info {
  double shrinkage; /* delta in [0, 1]: the weight of the scaled identity */
  double mu;        /* trace(S) / n_assets, times scale (the target's variance, output units) */
  size_t rows_used; /* rows that entered the estimate */
  int had_missing;  /* 1 if any missing value was seen in the input */
} folio_lw_info;

/* Bytes of workspace folio_ledoit_wolf needs (0 on overflow). Any alignment. */
FOLIO_API size_t folio_ledoit_wolf_work_size(size_t n_rows, size_t n_assets);

/*
 * Ledoit-Wolf shrinkage towards a scaled identity, exactly as scikit-learn's
 * LedoitWolf (assume_centered = False) computes it, times `scale`:
 *   Xc = X - colmean(X) (n rows used, p = n_assets),
 *   S = Xc' Xc / n (biased: divides by n),          one dsyrk
 *   mu = trace(S) / p,
 *   d2 = sum_ij S_ij^2,  b2 = (1/n) sum_t (sum_j Xc_tj^2)^2 (row sums of squares),
 *   beta = (b2 - d2) / (p n),  delta = ||S - mu I||_F^2 / p,
 *   shrinkage = min(beta, delta) / delta (0 when min(beta, delta) == 0; b2 - d2
 *   within 64 eps b2 of 0 is rounding noise and counts as 0, e.g. two rows),
 *   LW = scale * ((1 - shrinkage) S + shrinkage mu I).
 * Works with fewer rows than assets (the result is positive definite as
 * long as shrinkage > 0 and mu > 0).
 * missing: FOLIO_MISSING_ERROR (a gap is an error naming symbol and row),
 * FOLIO_MISSING_COMPLETE (complete rows only) or FOLIO_MISSING_ZERO (every
 * NaN becomes 0 before everything, means over all rows including those
 * zeros: PyPortfolioOpt's CovarianceShrinkage.ledoit_wolf()).
 * cov: n_assets x n_assets, column-major, ld, both triangles written (exactly
 * symmetric). work: folio_ledoit_wolf_work_size bytes or NULL (allocated
 * and freed here). info may be NULL. On error neither cov nor info is written.
 *
 * Errors: FOLIO_EINVAL (NULL returns/cov, FOLIO_MISSING_PAIRWISE (not defined
 * for Ledoit-Wolf) or an unknown policy, scale not finite and > 0,
 * ld < n_assets), FOLIO_EDIM (shape), FOLIO_ENOTFINITE (Inf, names symbol and
 * row; |x - mean| > 1e145), FOLIO_EMISSING (gap under FOLIO_MISSING_ERROR;
 * names symbol and row), FOLIO_ESHORT (fewer than 2 rows used),
 * FOLIO_ENOMEM.
 */
FOLIO_API folio_status folio_ledoit_wolf(const folio_panel *returns, folio_missing missing,
                                         double scale, double *cov, size_t ld, void *work,
                                         folio_lw_info *info, folio_error *err);

/* Ledoit-Wolf in factored form: the same estimate as folio_ledoit_wolf,
 *   LW = diag I + weight Xc'Xc,   diag = scale shrinkage mu,  weight = scale (1 - shrinkage) / n,
 * with Xc the n x p centred rows, never forming the p x p matrix. The
 * shrinkage comes from the n x n Gram matrix Xc Xc' (||S||_F^2 = ||Xc Xc'||_F^2 / n^2),
 * so the cost is O(n^2 p) time and O(n p + n^2) memory instead of O(n p^2)
 * and O(p^2): the form for many assets and fewer rows (what the turnover
 * solver's folio_turnover_project_factored takes). Its numbers agree with
 * folio_ledoit_wolf's to rounding (the shrinkage is summed in another order).
 * x: the centred rows, n_rows x n_assets column-major with ld_x >= n_rows
 * (only the first *n_used rows are written). work:
 * folio_ledoit_wolf_factor_work_size bytes or NULL. info may be NULL.
 * Errors: those of folio_ledoit_wolf (with x for cov and ld_x for ld).
 */
FOLIO_API size_t folio_ledoit_wolf_factor_work_size(size_t n_rows, size_t n_assets);
FOLIO_API folio_status folio_ledoit_wolf_factor(const folio_panel *returns, folio_missing missing,
                                                double scale, double *x, size_t ld_x,
                                                size_t *n_used, double *diag, double *weight,
                                                void *work, folio_lw_info *info,
                                                folio_error *err);

/* ---- exponentially weighted covariance -------------------------------- */

/* Bytes of workspace folio_ewma_cov needs (0 on overflow). Any alignment. */
FOLIO_API size_t folio_ewma_cov_work_size(size_t n_rows, size_t n_assets);

/*
 * Exponentially weighted covariance with a half-life in rows, times scale.
 * Over the n rows used (t = 0 oldest .. n - 1 newest):
 *   lambda = 0.5^(1 / half_life),  w_t = lambda^(n-1-t) / sum_s lambda^(n-1-s)  (sum w = 1),
 *   m = sum_t w_t x_t,
 *   C = scale * sum_t w_t (x_t - m)(x_t - m)' / (1 - sum_t w_t^2)   (bias-corrected),
 * computed as one dsyrk on the centred rows scaled by sqrt(w_t).
 * This is the value pandas gives at the last row for
 * R.ewm(halflife = half_life, adjust = True).cov(bias = False) on data without
 * gaps (pandas' alpha = 1 - exp(-ln 2 / half_life), so 1 - alpha = lambda, and
 * its bias factor (sum w)^2 / ((sum w)^2 - sum w^2) equals 1 / (1 - sum w^2)
 * for normalised weights). Under FOLIO_MISSING_COMPLETE the weights run over
 * the complete rows only (a dropped row does not age the others).
 * missing: FOLIO_MISSING_ERROR or FOLIO_MISSING_COMPLETE.
 * cov/ld/work/info as folio_sample_cov (info may be NULL; min_pair_obs =
 * rows_used).
 *
 * Errors: those of folio_sample_cov, plus FOLIO_EINVAL (half_life not finite
 * and > 0; missing pairwise or zero) and FOLIO_EDEGENERATE (the weights sit
 * on a single row: 1 - sum w^2 underflows to 0).
 */
FOLIO_API folio_status folio_ewma_cov(const folio_panel *returns, folio_missing missing,
                                      double half_life, double scale, double *cov, size_t ld,
                                      void *work, folio_cov_info *info, folio_error *err);

/* Covariance -> correlation: folio_cov_to_corr in correlation.h. */

#ifdef __cplusplus
}
#endif
#endif
