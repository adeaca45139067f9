/*
 * frontier.h — the mean–variance efficient frontier with PyPortfolioOpt's
 * semantics (pypfopt.efficient_frontier.EfficientFrontier), each problem
 * solved exactly by the convex QP of qp.h and certified by its KKT
 * residuals:
 *
 *   min_volatility          min w'Σw + γ|w|² + k|w − c|₁
 *   max_quadratic_utility   max μ'w − δ/2 w'Σw − γ|w|² − k|w − c|₁
 *   efficient_return        min w'Σw + γ|w|² + k|w − c|₁   s.t. μ'w >= r
 *   efficient_risk          max μ'w − γ|w|² − k|w − c|₁    s.t. w'Σw <= σ²
 *   max_sharpe              max (μ'w − r_f) / sqrt(w'Σw)
 *   curve                   efficient_return at `points` returns from the
 *                           minimum-volatility return to the largest one
 *
 * all subject to Σw = 1 (Σw = 0 when market_neutral), lower <= w <= upper,
 * sector sums within their limits and, with current weights c,
 * Σ|w − c| <= max_turnover (k = cost_bps / 10⁴). The L1 terms use split
 * variables w − c = u⁺ − u⁻, u± >= 0 (a semidefinite QP: qp.h's proximal loop).
 *
 * max_sharpe uses the homogenising change of variables of Cornuejols and
 * Tütüncü: y = κw, min y'Σy (+ γ|y|², as PyPortfolioOpt applies additional
 * objectives to y) s.t. (μ − r_f)'y = 1, Σy = κ, κ >= 0, and every other
 * constraint with its right-hand side times κ; w = y/κ. efficient_risk is a
 * quadratically constrained problem: it is solved as the parametric QP
 * min (1 − λ) w'Σw + λ (−μ'w + γ|w|² + k|w − c|₁), whose volatility grows
 * with λ ∈ [0, 1], by a safeguarded root search on λ (Anderson–Björck);
 * its KKT residuals are those of the QP at the final λ.
 *
 * Vectors are n_assets doubles in one order (that of `symbols`, which only
 * names assets in messages; NULL names them "#k"). cov is column-major
 * with leading dimension ld_cov, symmetric to 1e-10 relative and positive
 * semidefinite. Inputs are borrowed; outputs go to caller-owned arrays and
 * are written only on success.
 */
#ifndef FOLIO_FRONTIER_H
#define FOLIO_FRONTIER_H

#include <stddef.h>
#include <stdint.h>

#include "folio/cancel.h"
#include "folio/qp.h"
#include "folio/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* sector[i] of an asset in no sector */
#define FOLIO_FRONTIER_NO_SECTOR SIZE_MAX

typedef struct folio_frontier_opts {
  const double *lower;          /* n_assets or NULL (= 0, PyPortfolioOpt's (0, 1)); -INFINITY = none */
  const double *upper;          /* n_assets or NULL (= 1); +INFINITY = none */
  size_t n_sectors;             /* 0 = no sector constraints */
  const size_t *sector;         /* n_assets sector indices, or FOLIO_FRONTIER_NO_SECTOR */
  const double *sector_lower;   /* n_sectors or NULL; -INFINITY = none */
  const double *sector_upper;   /* n_sectors or NULL; +INFINITY = none */
  const char *const *sector_names; /* n_sectors, for messages, or NULL ("sector #k") */
  int market_neutral;           /* 1: Σw = 0 (needs a lower bound < 0); default 0 */
  double gamma;                 /* L2 regularisation γ|w|², >= 0; default 0 */
  const double *current;        /* n_assets current weights, or NULL */
  double max_turnover;          /* Σ|w − current| <= this; INFINITY (default) = none */
  double cost_bps;              /* linear cost on |w − current| in basis points; default 0 */
  double risk_free_rate;        /* for max_sharpe and every Sharpe ratio reported; default 0 */
  double risk_aversion;         /* δ of max_quadratic_utility, > 0; default 1 */
  folio_qp_opts qp;             /* the solver's options (its cancel is polled) */
} folio_frontier_opts;

/* No bounds (0, 1 per asset), no sectors, not market neutral, γ = 0, no
 * current weights, no turnover cap, no cost, r_f = 0, δ = 1, qp defaults. */
FOLIO_API folio_frontier_opts folio_frontier_defaults(void);

/* Which constraints are tight at the answer (within 1e-9 of their limit).
 * Every array is caller-owned and may be NULL. */
typedef struct folio_frontier_binding {
  unsigned char *lower, *upper;               /* n_assets each */
  unsigned char *sector_lower, *sector_upper; /* n_sectors each */
  int max_turnover;                           /* the turnover cap */
  int target;                                 /* target_return / target_volatility */
} folio_frontier_binding;

typedef struct folio_frontier_info {
  double expected_return;  /* μ'w (NaN for min_volatility without mu) */
  double volatility;       /* sqrt(w'Σw) */
  double sharpe;           /* (μ'w − r_f) / volatility (NaN without mu) */
  int iterations;          /* active-set changes over every QP solved */
  int qp_solves;           /* QPs solved (1, or more for efficient_risk and curve) */
  folio_qp_kkt kkt;        /* of the (last) QP solved; the worst over the points of a curve */
} folio_frontier_info;

/* Bytes of workspace any function below needs (0 on overflow). */
FOLIO_API size_t folio_frontier_work_size(size_t n_assets, size_t n_sectors, int with_current);

/*
 * The functions share these parameters: n_assets; mu (n_assets expected
 * returns; min_volatility accepts NULL); cov, ld_cov; symbols (or NULL);
 * opts (NULL = defaults); weights (n_assets, out); binding and info (may be
 * NULL); work (folio_frontier_work_size() bytes, or NULL); err.
 * Errors (each names the function, and the symbol, sector or value):
 * FOLIO_EINVAL (NULL arrays, ld_cov < n_assets, a bad option: NaN bound,
 * lower > upper, lower bounds summing to more than 1 (0 when market
 * neutral) or upper bounds to less, market_neutral without a negative
 * lower bound, a sector index out of range, sector_lower > sector_upper, a
 * sector whose limits its members' bounds cannot reach, max_turnover or
 * cost_bps without current, negative gamma, risk_aversion <= 0; constraints
 * that admit no portfolio; a target out of the reachable range, named with
 * that range), FOLIO_ENOTFINITE (NaN/Inf in mu, cov or current, naming the
 * symbol), FOLIO_ENOTSYM (naming the pair), FOLIO_ENOTPD (cov not positive
 * semidefinite, naming the symbol where the factorisation failed),
 * FOLIO_EEMPTY (n_assets = 0), FOLIO_EDEGENERATE (no convergence),
 * FOLIO_ECANCELED, FOLIO_ENOMEM.
 */
FOLIO_API folio_status folio_frontier_min_volatility(size_t n_assets, const double *mu,
                                                     const double *cov, size_t ld_cov,
                                                     const char *const *symbols,
                                                     const folio_frontier_opts *opts,
                                                     double *weights,
                                                     folio_frontier_binding *binding,
                                                     folio_frontier_info *info, void *work,
                                                     folio_error *err);

/* max_sharpe: some asset must have μ_i > r_f (PyPortfolioOpt's check), and
 * the constraints must admit a portfolio with μ'w > r_f. market_neutral and
 * cost_bps are refused (a zero-sum portfolio has no scale for the ratio; a
 * cost has no place in the homogenised problem). */
FOLIO_API folio_status folio_frontier_max_sharpe(size_t n_assets, const double *mu,
                                                 const double *cov, size_t ld_cov,
                                                 const char *const *symbols,
                                                 const folio_frontier_opts *opts, double *weights,
                                                 folio_frontier_binding *binding,
                                                 folio_frontier_info *info, void *work,
                                                 folio_error *err);

FOLIO_API folio_status folio_frontier_max_quadratic_utility(
    size_t n_assets, const double *mu, const double *cov, size_t ld_cov,
    const char *const *symbols, const folio_frontier_opts *opts, double *weights,
    folio_frontier_binding *binding, folio_frontier_info *info, void *work, folio_error *err);

/* efficient_risk: target_volatility > 0. Below the minimum volatility
 * reachable under the constraints: FOLIO_EINVAL "target_volatility 0.05 is
 * below the minimum volatility 0.12". When the largest-return portfolio is
 * within the target, it is returned (the target does not bind). */
FOLIO_API folio_status folio_frontier_efficient_risk(size_t n_assets, const double *mu,
                                                     const double *cov, size_t ld_cov,
                                                     double target_volatility,
                                                     const char *const *symbols,
                                                     const folio_frontier_opts *opts,
                                                     double *weights,
                                                     folio_frontier_binding *binding,
                                                     folio_frontier_info *info, void *work,
                                                     folio_error *err);

/* efficient_return: above the largest reachable return, or below the
 * return of the minimum-volatility portfolio (where the target would not
 * bind: PyPortfolioOpt then returns the minimum-volatility portfolio), an
 * FOLIO_EINVAL naming the reachable range. */
FOLIO_API folio_status folio_frontier_efficient_return(size_t n_assets, const double *mu,
                                                       const double *cov, size_t ld_cov,
                                                       double target_return,
                                                       const char *const *symbols,
                                                       const folio_frontier_opts *opts,
                                                       double *weights,
                                                       folio_frontier_binding *binding,
                                                       folio_frontier_info *info, void *work,
                                                       folio_error *err);

/*
 * The frontier at n_points >= 2 returns equally spaced from the return of
 * the minimum-volatility portfolio to the largest reachable return (less
 * 1e-9 relative), each point efficient_return's portfolio. weights is
 * n_assets x n_points (column k = point k, ld n_assets); returns,
 * volatilities and sharpes have n_points entries (each may be NULL). Both
 * the return and the volatility are non-decreasing along the curve.
 */
FOLIO_API folio_status folio_frontier_curve(size_t n_assets, const double *mu, const double *cov,
                                            size_t ld_cov, size_t n_points,
                                            const char *const *symbols,
                                            const folio_frontier_opts *opts, double *weights,
                                            double *returns, double *volatilities, double *sharpes,
                                            folio_frontier_info *info, void *work, folio_error *err);

/* PyPortfolioOpt's portfolio_performance: expected return μ'w, volatility
 * sqrt(w'Σw) and Sharpe (μ'w − r_f) / volatility (NaN when the volatility
 * is 0). mu may be NULL (return and Sharpe NaN). Each output may be NULL.
 * Errors: FOLIO_EINVAL, FOLIO_ENOTFINITE (naming the symbol). */
FOLIO_API folio_status folio_frontier_performance(size_t n_assets, const double *weights,
                                                  const double *mu, const double *cov,
                                                  size_t ld_cov, double risk_free_rate,
                                                  const char *const *symbols,
                                                  double *expected_return, double *volatility,
                                                  double *sharpe, folio_error *err);

/*
 * PyPortfolioOpt's clean_weights: out[k] = 0 when |w[k]| < cutoff, else
 * w[k] rounded to `digits` decimals (1..15; half to even, as numpy.round),
 * or unrounded when digits is 0; never a negative zero. Not renormalised.
 * out may be w. Errors: FOLIO_EINVAL (NULL arrays, cutoff < 0 or not
 * finite, digits outside 0..15), FOLIO_ENOTFINITE (a weight, naming its index).
 */
FOLIO_API folio_status folio_clean_weights(size_t n, const double *w, double cutoff, int digits, double *out,
                                           folio_error *err);

#ifdef __cplusplus
}
#endif
#endif
