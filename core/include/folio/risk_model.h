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

/* ---- Ledoit-Wolf towards structured targets (PyPortfolioOpt's three) ------ */

/* The shrinkage target of folio_ledoit_wolf_target. */
typedef enum folio_lw_target {
  FOLIO_LW_CONSTANT_VARIANCE = 0,   /* mu I: scikit-learn's LedoitWolf (folio_ledoit_wolf) */
  FOLIO_LW_SINGLE_FACTOR = 1,       /* Sharpe's single-factor model (Ledoit & Wolf 2001) */
  FOLIO_LW_CONSTANT_CORRELATION = 2 /* one average correlation (Ledoit & Wolf 2003) */
} folio_lw_target;

/* Parses "constant_variance", "single_factor", "constant_correlation";
 * FOLIO_EINVAL naming the accepted values for anything else. */
FOLIO_API folio_status folio_lw_target_parse(const char *name, folio_lw_target *out,
                                             folio_error *err);
/* The name of a target ("unknown" for a value outside the enum). */
FOLIO_API const char *folio_lw_target_name(folio_lw_target t);

/* Bytes of workspace folio_ledoit_wolf_target needs, for any target (0 on
 * overflow). At least folio_ledoit_wolf_work_size. Any alignment. */
FOLIO_API size_t folio_ledoit_wolf_target_work_size(size_t n_rows, size_t n_assets);

/*
 * Ledoit-Wolf shrinkage towards `target`, exactly as PyPortfolioOpt's
 * CovarianceShrinkage(...).ledoit_wolf(shrinkage_target) computes it
 * (before its annualisation), times `scale`:
 *   FOLIO_LW_CONSTANT_VARIANCE: folio_ledoit_wolf itself (bit-identical).
 *   FOLIO_LW_SINGLE_FACTOR (Ledoit & Wolf 2001), over the n rows used:
 *     Xm the centred rows, m_t = mean_j Xm_tj (the equal-weighted market),
 *     S = Xm'Xm / n, b_i = Xm_i'm / n, v = m'm / n,
 *     F_ij = b_i b_j / v (i != j), F_ii = S_ii,
 *     c = ||S - F||_F^2, pi = (1/n) sum(y'y) - sum S^2 with y = Xm.^2,
 *     rho = rdiag + 2 roff1 - roff3 (PyPortfolioOpt's terms, with z = Xm .* m),
 *     delta = clip((pi - rho) / c / n, 0, 1).
 *   FOLIO_LW_CONSTANT_CORRELATION (Ledoit & Wolf 2003):
 *     S the sample covariance with ddof = 1 (under FOLIO_MISSING_ZERO the
 *     pairwise S of the returns with their gaps, pandas' X.cov(), as
 *     PyPortfolioOpt takes it), s_i = sqrt(S_ii),
 *     r = (sum_ij S_ij / (s_i s_j) - p) / (p (p - 1)), F_ij = r s_i s_j, F_ii = S_ii,
 *     pi, rho and gamma = ||S - F||_F^2 as PyPortfolioOpt's code (with
 *     Xm the NaN-as-zero centred rows, divided by n),
 *     delta = clip((pi - rho) / gamma / n, 0, 1).
 *   result = scale (delta F + (1 - delta) S), both triangles, exactly symmetric.
 * delta is 0 when the target equals S up to rounding (c or gamma at the
 * rounding level of ||S||_F^2: constant_correlation with two assets, where
 * PyPortfolioOpt divides noise by noise). info->shrinkage =
 * delta; info->mu = trace(result) / p (for these two targets: the mean
 * variance of the result).
 * missing: FOLIO_MISSING_ERROR, FOLIO_MISSING_COMPLETE, FOLIO_MISSING_ZERO
 * (PyPortfolioOpt's convention: np.nan_to_num before everything).
 * work: folio_ledoit_wolf_target_work_size bytes or NULL. info may be NULL.
 * On error neither cov nor info is written.
 * Errors: those of folio_ledoit_wolf, plus FOLIO_EINVAL (unknown target) and,
 * for constant_correlation, FOLIO_EDEGENERATE (a symbol with zero variance,
 * named: its correlations are undefined) and under FOLIO_MISSING_ZERO the
 * errors of folio_sample_cov's pairwise mode (a symbol with fewer than 2
 * observations, named).
 */
FOLIO_API folio_status folio_ledoit_wolf_target(const folio_panel *returns, folio_lw_target target,
                                                folio_missing missing, double scale, double *cov,
                                                size_t ld, void *work, folio_lw_info *info,
                                                folio_error *err);

/* ---- Oracle Approximating Shrinkage -------------------------------------- */

/* Bytes of workspace folio_oas needs (0 on overflow). Any alignment. */
FOLIO_API size_t folio_oas_work_size(size_t n_rows, size_t n_assets);

/*
 * OAS shrinkage (Chen, Wiesel, Eldar & Hero 2010), exactly as scikit-learn's
 * oas / OAS().fit (assume_centered = False), times scale:
 *   S = Xc'Xc / n (biased), mu = trace(S) / p, alpha = sum_ij S_ij^2 / p^2,
 *   num = alpha + mu^2, den = (n + 1) (alpha - mu^2 / p),
 *   shrinkage = 1 if den == 0 else min(num / den, 1),
 *   OAS = scale ((1 - shrinkage) S + shrinkage mu I).
 * One asset: S itself, shrinkage 0 (scikit-learn's special case).
 * missing, cov, ld, work, info and errors as folio_ledoit_wolf (the
 * workspace is folio_oas_work_size bytes). FOLIO_MISSING_ZERO is
 * PyPortfolioOpt's CovarianceShrinkage.oracle_approximating().
 */
FOLIO_API folio_status folio_oas(const folio_panel *returns, folio_missing missing, double scale,
                                 double *cov, size_t ld, void *work, folio_lw_info *info,
                                 folio_error *err);

/* ---- semicovariance -------------------------------------------------------- */

/* Bytes of workspace folio_semicovariance needs (0 on overflow). Any alignment. */
FOLIO_API size_t folio_semicovariance_work_size(size_t n_rows, size_t n_assets);

/*
 * Semicovariance below a benchmark return, PyPortfolioOpt's semicovariance:
 *   D_tj = min(r_tj - benchmark, 0),   C = scale * D'D / n   (one dsyrk)
 * over the n rows used (no centring; divides by n). benchmark is per
 * period (a daily return for daily data).
 * missing: FOLIO_MISSING_ERROR (a gap is an error naming symbol and row),
 * FOLIO_MISSING_COMPLETE (complete rows only) or FOLIO_MISSING_ZERO
 * (PyPortfolioOpt: numpy's fmin makes a missing return a 0 in D, and every
 * row counts in n).
 * Each entry is bounded by the second moments of the returns about the
 * benchmark: |C_ij| <= sqrt(C_ii C_jj), C_jj <= scale mean_t (r_tj - b)^2.
 * cov/ld/work/info as folio_sample_cov (min_pair_obs = rows_used).
 * Errors: those of folio_ledoit_wolf (no FOLIO_MISSING_PAIRWISE), plus
 * FOLIO_EINVAL (benchmark not finite or |benchmark| > 1e6).
 */
FOLIO_API folio_status folio_semicovariance(const folio_panel *returns, folio_missing missing,
                                            double benchmark, double scale, double *cov,
                                            size_t ld, void *work, folio_cov_info *info,
                                            folio_error *err);

/* Covariance -> correlation: folio_cov_to_corr in correlation.h. */

#ifdef __cplusplus
}
#endif
#endif
