/*
 * black_litterman.h — the Black–Litterman model: a prior of expected returns
 * (implied by market weights, or given) blended with views on assets or
 * portfolios of assets into posterior returns, a posterior covariance and the
 * weights those returns imply. The conventions are PyPortfolioOpt's
 * (BlackLittermanModel, market_implied_prior_returns,
 * market_implied_risk_aversion), so results can be compared one for one.
 *
 * Notation: n assets, k views. Sigma is the n x n covariance, Pi the n prior
 * returns, P the k x n pick matrix (row v = the portfolio view v is about),
 * Q the k view returns, Omega the k x k view uncertainty, tau the scalar
 * uncertainty of the prior, delta the risk aversion.
 *
 * Matrices are column-major with an explicit leading dimension. Assets are
 * named by an optional `symbols` array (distinct, non-empty; NULL names them
 * "#k" by 1-based position); with symbols, every computation runs in symbol
 * order, so reordering the assets (with P's columns) gives bit-identical
 * results per symbol. Views are named "view #v" (1-based) in messages.
 * Inputs are borrowed; outputs go into caller-owned arrays and are written
 * only on success.
 */
#ifndef FOLIO_BLACK_LITTERMAN_H
#define FOLIO_BLACK_LITTERMAN_H

#include <stddef.h>

#include "folio/cancel.h"
#include "folio/repair.h"
#include "folio/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* How the view uncertainty Omega is obtained. */
typedef enum folio_bl_omega {
  FOLIO_BL_OMEGA_DEFAULT = 0, /* diag(tau P Sigma P') (He & Litterman 1999) */
  FOLIO_BL_OMEGA_IDZOREK = 1, /* from confidences c_v in [0, 1]: see folio_black_litterman */
  FOLIO_BL_OMEGA_GIVEN = 2    /* the caller's k x k matrix */
} folio_bl_omega;

/* "default", "idzorek", "given". Unknown names: FOLIO_EINVAL listing them. */
FOLIO_API folio_status folio_bl_omega_parse(const char *name, folio_bl_omega *out,
                                            folio_error *err);
/* The name of a method ("unknown" for an invalid value). Static storage. */
FOLIO_API const char *folio_bl_omega_name(folio_bl_omega method);

typedef struct folio_bl_opts {
  double tau;           /* in (0, 1]; default 0.05 */
  double risk_aversion; /* delta > 0 of the weights (delta Sigma)^-1 mu; default 1 */
  folio_bl_omega omega; /* default FOLIO_BL_OMEGA_DEFAULT */
  folio_repair repair;  /* a Sigma that is not positive definite: default FOLIO_REPAIR_ERROR */
  const folio_cancel *cancel; /* polled by the HIGHAM repair's iterations (cancel.h);
                                 NULL (default) = never */
} folio_bl_opts;

/* tau 0.05, risk_aversion 1, Omega "default", repair "error" (PyPortfolioOpt's defaults),
 * cancel NULL. */
FOLIO_API folio_bl_opts folio_bl_defaults(void);

/* The views. P is n_views x n_assets, column-major (P[v + j * ld_p] is the
 * weight of asset j in view v), ld_p >= n_views. An absolute view on asset j
 * is a row with a 1 in column j; a relative view has weights summing to 0. */
typedef struct folio_bl_views {
  size_t n_views;            /* k; 0 is allowed (the posterior returns are the prior) */
  const double *P;           /* k x n, ld_p */
  size_t ld_p;
  const double *Q;           /* k view returns */
  const double *omega;       /* FOLIO_BL_OMEGA_GIVEN: k x k, ld_omega; else ignored */
  size_t ld_omega;
  const double *confidences; /* FOLIO_BL_OMEGA_IDZOREK: k values in [0, 1]; else ignored */
} folio_bl_views;

typedef struct folio_bl_info {
  double tau;                /* the tau used */
  double risk_aversion;      /* the delta used */
  folio_bl_omega omega;      /* the Omega method used */
  size_t n_views;            /* k */
  size_t n_views_used;       /* views that carry information (not confidence 0) */
  double weight_sum;         /* sum of the raw weights (delta Sigma)^-1 mu (NaN without weights) */
  folio_repair_info repair;  /* what was done to Sigma (applied = 0 when it was PD) */
} folio_bl_info;

/*
 * The market-implied prior (PyPortfolioOpt's market_implied_prior_returns):
 *   Pi = delta Sigma w + rf,   w = w_mkt / sum(w_mkt),
 * so w_mkt may be market capitalisations or weights (normalised either way).
 * Pi is an excess return plus the risk-free rate rf (per period of Sigma).
 * cov: n_assets x n_assets, ld_cov, symmetric (to 1e-10 relative to
 * sqrt(c_ii c_jj)); it need not be positive definite here. symbols may be
 * NULL. pi_out: n_assets doubles.
 * Errors: FOLIO_EINVAL (NULL arrays, delta not finite or <= 0, rf not
 * finite, a negative w_mkt (names the symbol), bad symbols, ld_cov <
 * n_assets), FOLIO_EDUP, FOLIO_EDIM, FOLIO_EEMPTY (n_assets = 0),
 * FOLIO_ENOTFINITE (names the symbol), FOLIO_ENOTSYM (names the pair),
 * FOLIO_EDEGENERATE (sum(w_mkt) = 0), FOLIO_ENOMEM.
 */
FOLIO_API folio_status folio_bl_prior(size_t n_assets, const double *cov, size_t ld_cov,
                                      const double *w_mkt, const char *const *symbols, double delta,
                                      double rf, double *pi_out, folio_error *err);

/*
 * The market-implied risk aversion (PyPortfolioOpt's
 * market_implied_risk_aversion, from returns rather than prices):
 *   delta = (mean(r) * frequency - rf) / (var(r) * frequency),
 * var with ddof = 1, r the n_obs simple returns of the market portfolio
 * (e.g. daily returns of SPY with frequency 252), rf the annual risk-free rate.
 * Errors: FOLIO_EINVAL (NULL r or delta_out, frequency not finite or <= 0,
 * rf not finite), FOLIO_ESHORT (n_obs < 2), FOLIO_EMISSING (a NaN return;
 * names its 1-based row), FOLIO_ENOTFINITE (an infinite return),
 * FOLIO_EDEGENERATE (zero variance).
 */
FOLIO_API folio_status folio_market_implied_risk_aversion(size_t n_obs, const double *r,
                                                          double frequency, double rf,
                                                          double *delta_out, folio_error *err);

/* Bytes of workspace folio_black_litterman needs (0 on overflow). */
FOLIO_API size_t folio_black_litterman_work_size(size_t n_assets, size_t n_views);

/*
 * The Black–Litterman posterior, as PyPortfolioOpt's BlackLittermanModel:
 *
 *   Omega   DEFAULT: omega_vv = tau p_v Sigma p_v'            (diagonal)
 *           IDZOREK: omega_vv = tau alpha_v p_v Sigma p_v',
 *                    alpha_v = (1 - c_v) / c_v                (Walters' closed form)
 *                    c_v = 1: omega_vv = 0 (the view is certain);
 *                    c_v = 0: omega_vv = +inf, the view carries no information and
 *                    is dropped exactly (PyPortfolioOpt stands in 1e6 for +inf)
 *           GIVEN:   the caller's matrix (symmetric, positive semi-definite)
 *   A       = P tau Sigma P' + Omega                            (k x k, must be PD)
 *   mu_post = Pi + tau Sigma P' A^-1 (Q - P Pi)
 *   cov_post = Sigma + tau Sigma - tau Sigma P' A^-1 P tau Sigma  (He & Litterman 2002)
 *   weights = (delta Sigma)^-1 mu_post / sum((delta Sigma)^-1 mu_post)
 *
 * A is factorised by Cholesky (LAPACKE dpotrf) and every "^-1" is a solve
 * (dpotrs, dtrsm); Sigma^-1 is applied through its own Cholesky factor.
 * With no views (or only zero-confidence ones) mu_post = Pi exactly and
 * cov_post = (1 + tau) Sigma. The weights sum to 1 (delta cancels, as in
 * PyPortfolioOpt); they are undefined when the raw weights sum to about 0.
 *
 * cov: n_assets x n_assets, ld_cov, symmetric (to 1e-10 relative to
 * sqrt(c_ii c_jj); the entry in the row of the later symbol is used) and
 * positive definite, or repaired by opts->repair (folio_cov_repair; the
 * repaired matrix is then used throughout and info->repair says how). pi:
 * n_assets prior returns. symbols: may be NULL. views: may be NULL when there
 * are none. Outputs: mu_post (n_assets, required); cov_post (n_assets x
 * n_assets, ld_cov_post >= n_assets, exactly symmetric) or NULL; weights
 * (n_assets) or NULL; omega_used (k x k, ld k: the Omega used, +inf on the
 * diagonal of a dropped view) or NULL. work: folio_black_litterman_work_size()
 * bytes or NULL to allocate. info may be NULL.
 *
 * Errors: FOLIO_EINVAL (NULL required arrays, tau not in (0, 1],
 * risk_aversion not finite or <= 0, bad omega method or repair, a leading
 * dimension too small, IDZOREK without confidences or GIVEN without omega, a
 * confidence outside [0, 1] (names the view), a view on nothing: a P row of
 * zeros (names the view), a negative Omega diagonal (names the view), bad
 * symbols), FOLIO_EDUP, FOLIO_EDIM (sizes too large), FOLIO_EEMPTY (no assets),
 * FOLIO_ENOTFINITE (NaN/Inf in cov, pi, P, Q, omega or confidences; names the
 * symbol or view), FOLIO_ENOTSYM (cov names the pair, omega the views),
 * FOLIO_ENOTPD (Sigma, naming the symbol where the factorisation failed; an
 * Omega that is not positive semi-definite; or an A that is not positive
 * definite, e.g. two certain views on the same portfolio, naming the view),
 * FOLIO_EDEGENERATE (weights requested and the raw weights sum to about 0),
 * FOLIO_ENOMEM.
 */
FOLIO_API folio_status folio_black_litterman(size_t n_assets, const double *cov, size_t ld_cov,
                                             const double *pi, const char *const *symbols,
                                             const folio_bl_views *views, const folio_bl_opts *opts,
                                             double *mu_post, double *cov_post, size_t ld_cov_post,
                                             double *weights, double *omega_used, void *work,
                                             folio_bl_info *info, folio_error *err);

#ifdef __cplusplus
}
#endif
#endif
