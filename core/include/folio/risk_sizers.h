/*
 * risk_sizers.h — risk-based allocators: weights (summing to 1) from a
 * covariance matrix alone, with no view on expected returns.
 *
 *   inverse_vol          w_i ∝ 1/σ_i                       closed form
 *   min_variance         min w'Σw, Σw = 1, l <= w <= u      closed form or active set
 *   max_diversification  max w'σ / sqrt(w'Σw), Σw = 1       closed form or active set
 *   risk_parity          w_i (Σw)_i / w'Σw = b_i, w > 0      Newton (Spinu's convex form)
 *
 * Conventions are those of sizers.h: vectors are arrays of n_assets doubles
 * aligned with a `symbols` array (distinct, non-empty; NULL names assets
 * "#k" and computes in input order). With symbols, every computation runs in
 * symbol order (cov is copied permuted), so reordering the inputs gives
 * bit-identical weights per symbol. cov is column-major with leading
 * dimension ld_cov and must be symmetric (to 1e-10 relative to
 * sqrt(c_ii c_jj)); of each pair the entry in the row of the later symbol
 * is used. Every function validates all inputs first and writes its outputs
 * only on success. Inputs are borrowed; outputs go to caller-owned arrays.
 *
 * The optimising allocators factorise cov (LAPACKE dpotrf). A cov that is
 * not positive definite (a singular sample covariance from fewer rows than
 * assets, a perfectly correlated pair) is FOLIO_ENOTPD naming the symbol
 * where the factorisation failed, unless opts->repair asks folio_cov_repair
 * (repair.h) to fix it first; info->repair says what was done. A zero or
 * negative variance is always an error naming the symbol (no allocator can
 * size a riskless asset: min_variance would put everything in it,
 * inverse_vol and risk_parity would divide by zero).
 */
#ifndef FOLIO_RISK_SIZERS_H
#define FOLIO_RISK_SIZERS_H

#include <stddef.h>

#include "folio/cancel.h"
#include "folio/repair.h"
#include "folio/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct folio_risk_sizer_opts {
  int long_only;         /* 1 (default): w >= 0. 0: long/short */
  const double *lower;   /* min_variance: n_assets lower bounds aligned with cov, or NULL
                            (0 when long_only, -INFINITY otherwise). -INFINITY = none */
  const double *upper;   /* min_variance: upper bounds or NULL (+INFINITY = none) */
  const double *budgets; /* risk_parity: n_assets risk budgets, each > 0, summing to 1
                            within 1e-12; NULL = equal (1/n) */
  folio_repair repair;   /* default FOLIO_REPAIR_ERROR */
  double tol;            /* risk_parity: max |RC_i - b_i| at convergence; default 1e-12 */
  int max_iter;          /* iteration cap of every iterative method; default 200 */
  const folio_cancel *cancel; /* polled by the iterative methods (cancel.h); NULL = never */
} folio_risk_sizer_opts;

/* long_only 1, no bounds, equal budgets, repair ERROR, tol 1e-12, max_iter 200,
 * cancel NULL. */
FOLIO_API folio_risk_sizer_opts folio_risk_sizer_defaults(void);

typedef struct folio_risk_sizer_info {
  const char *method;       /* static string: "closed_form", "active_set",
                               "newton", "coordinate_descent" */
  int iterations;           /* of the method (0 for closed forms) */
  int converged;            /* 1 when the optimality conditions hold to tolerance */
  double objective;         /* min_variance: w'Σw; max_diversification: D(w);
                               risk_parity: max_i |RC_i - b_i|; inverse_vol: w'Σw */
  double variance;          /* w'Σw */
  double diversification_ratio; /* D(w) = w'σ / sqrt(w'Σw) */
  folio_repair_info repair; /* what folio_cov_repair did (applied = 0 when nothing) */
} folio_risk_sizer_info;

/* Bytes of workspace any allocator below needs for n_assets (0 on overflow). */
FOLIO_API size_t folio_risk_sizer_work_size(size_t n_assets);

/*
 * Inverse volatility: w_i = (1/σ_i) / Σ_j (1/σ_j), σ_i = sqrt(cov_ii). Only
 * the diagonal is read (no symmetry or definiteness requirement).
 * risk_contrib (may be NULL) receives RC_i = w_i (Σw)_i / w'Σw, which reads
 * the whole matrix (then checked finite). info may be NULL. Without
 * risk_contrib, info->variance and info->diversification_ratio are NaN (not
 * computed: only the diagonal was read); with it they are computed and
 * checked finite, like every allocator's below (docs/numbers.md).
 * Every allocator here checks the covariance against its numeric domains
 * (numbers.h: variances 0 or in [1e-20, 1e10], entries within ±1e10;
 * FOLIO_EINVAL naming the symbol and the value) and its results before
 * writing them: finite weights, a portfolio variance > 0 (FOLIO_EDEGENERATE
 * otherwise) and finite risk contributions and diversification ratio.
 * Errors: FOLIO_EINVAL (NULL arrays, ld_cov < n_assets, bad symbols),
 * FOLIO_EDUP, FOLIO_EDIM, FOLIO_EEMPTY (n_assets = 0), FOLIO_ENOTFINITE,
 * FOLIO_EDEGENERATE (a variance <= 0; names the symbol), FOLIO_ENOMEM.
 */
FOLIO_API folio_status folio_inverse_vol(size_t n_assets, const double *cov, size_t ld_cov,
                                         const char *const *symbols, double *weights,
                                         double *risk_contrib, folio_risk_sizer_info *info,
                                         folio_error *err);

/*
 * Minimum variance: min w'Σw subject to Σ_i w_i = 1 and lower_i <= w_i <= upper_i.
 * Long/short without finite bounds: the closed form w = Σ⁻¹1 / 1'Σ⁻¹1
 * (one Cholesky). Otherwise a strictly convex QP solved exactly by a
 * primal-dual active-set method (Hintermüller–Ito–Kunisch): each iteration
 * fixes the bound set, solves the equality-constrained QP on the free set
 * by Cholesky, and moves every variable whose bound or multiplier sign is
 * violated; it stops when the set repeats, which is exactly the KKT system
 * 2Σw + ν1 − λ_lo + λ_hi = 0, λ >= 0, complementarity. Typically 3–10
 * factorisations of the free block. Defaults (bounds NULL): long_only -> [0, +inf),
 * long/short -> unbounded. long_only with a lower bound < 0 is an error.
 *
 * risk_contrib: RC_i (may be NULL). work: folio_risk_sizer_work_size() bytes or NULL.
 * Errors: FOLIO_EINVAL (NULL arrays, bad options, a NaN bound, lower > upper
 * or lower = +inf / upper = -inf (names the symbol), sum of lower bounds > 1
 * or of upper bounds < 1 ("infeasible")), FOLIO_EDUP, FOLIO_EDIM,
 * FOLIO_EEMPTY, FOLIO_ENOTFINITE, FOLIO_ENOTSYM (names the pair),
 * FOLIO_EDEGENERATE (a variance <= 0; no convergence within max_iter),
 * FOLIO_ENOTPD (names the symbol), FOLIO_ENOMEM, FOLIO_ECANCELED (opts->cancel
 * said stop: polled after every active-set iteration; "min_variance:
 * cancelled at active-set iteration k"; outputs untouched).
 */
FOLIO_API folio_status folio_min_variance(size_t n_assets, const double *cov, size_t ld_cov,
                                          const char *const *symbols,
                                          const folio_risk_sizer_opts *opts, double *weights,
                                          double *risk_contrib, void *work,
                                          folio_risk_sizer_info *info, folio_error *err);

/*
 * Maximum diversification (Choueifaty): max D(w) = w'σ / sqrt(w'Σw) with
 * Σ_i w_i = 1. D is invariant to scaling w, so with y = w / w'σ the
 * problem is min y'Σy subject to σ'y = 1 (and y >= 0 when long_only), and
 * w = y / Σ_i y_i. Long/short: the closed form y ∝ Σ⁻¹σ (FOLIO_EDEGENERATE
 * when 1'Σ⁻¹σ <= 0: no maximiser with Σw = 1 exists). Long-only: the same
 * exact active-set QP as min_variance. Bounds other than w >= 0 do not map
 * to bounds on y (w_i <= u_i is y_i <= u_i Σy, a general constraint) and are
 * not supported: opts->lower and opts->upper must be NULL.
 * Errors: as folio_min_variance, plus FOLIO_EINVAL for bounds.
 */
FOLIO_API folio_status folio_max_diversification(size_t n_assets, const double *cov, size_t ld_cov,
                                                 const char *const *symbols,
                                                 const folio_risk_sizer_opts *opts, double *weights,
                                                 double *risk_contrib, void *work,
                                                 folio_risk_sizer_info *info, folio_error *err);

/*
 * Risk parity (equal risk contribution, or risk budgets b): long-only w
 * with RC_i = w_i (Σw)_i / w'Σw = b_i. Solved through the strictly convex
 * problem of Spinu (2013) / Roncalli: min f(y) = ½ y'Σy − Σ b_i log y_i,
 * y > 0, whose unique stationary point has y_i (Σy)_i = b_i; then
 * w = y / Σ_i y_i. Damped Newton (Hessian Σ + diag(b/y²), Cholesky;
 * fraction-to-the-boundary step and Armijo backtracking) from the scaled
 * inverse-volatility point: quadratic convergence, typically 5–8
 * factorisations. Cyclical coordinate descent (each y_i the positive root of
 * Σ_ii y² + c y − b_i = 0) takes over if Newton has not converged in
 * max_iter steps. Converged when max_i |y_i (Σy)_i − b_i| <= tol.
 * opts->long_only must be 1 and bounds NULL (risk parity is long-only).
 * Errors: as folio_min_variance, plus FOLIO_EINVAL (a budget <= 0 or NaN
 * (names the symbol), budgets not summing to 1 within 1e-12, tol <= 0),
 * FOLIO_ECANCELED (opts->cancel said stop: polled after every Newton step and
 * every ~FOLIO_CANCEL_WORK flops of coordinate descent; "risk_parity:
 * cancelled at Newton step k" / "at coordinate-descent sweep k"; outputs
 * untouched).
 */
FOLIO_API folio_status folio_risk_parity(size_t n_assets, const double *cov, size_t ld_cov,
                                         const char *const *symbols,
                                         const folio_risk_sizer_opts *opts, double *weights,
                                         double *risk_contrib, void *work,
                                         folio_risk_sizer_info *info, folio_error *err);

#ifdef __cplusplus
}
#endif
#endif
