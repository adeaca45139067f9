/*
 * expected_returns.h — per-asset expected returns from a panel of prices,
 * with PyPortfolioOpt's names and semantics (pypfopt/expected_returns.py):
 * the mean historical return (geometric or arithmetic), the exponentially
 * weighted mean return, and the CAPM return.
 *
 * Every function starts as PyPortfolioOpt's returns_from_prices does:
 *   r[t] = P[t] / P[t-1] - 1.0  (NaN when either price is missing),
 * then drops the return rows whose every value is missing (pandas'
 * dropna(how = "all"); the first price row never has a return). Missing
 * returns then follow pandas: each column over its own present values (a
 * product over the present returns, a mean over their count, an ewm that
 * skips them while they still age the weights, a pairwise covariance).
 * A non-positive price, an infinite price and a symbol without any return
 * are errors naming the symbol (and the value and date for a price).
 */
#ifndef FOLIO_EXPECTED_RETURNS_H
#define FOLIO_EXPECTED_RETURNS_H

#include <stddef.h>

#include "folio/panel.h"
#include "folio/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* What an estimate used, reported back to the caller. */
typedef struct folio_er_info {
  size_t rows_used;      /* return rows after the all-missing rows were dropped */
  int had_missing;       /* 1 if any return in those rows was missing */
  double market_return;  /* capm: the market's mean return (same units as mu); NaN otherwise */
} folio_er_info;

/* Bytes of workspace the three estimators need for prices of n_rows x
 * n_assets (0 on overflow). Any alignment. */
FOLIO_API size_t folio_expected_returns_work_size(size_t n_rows, size_t n_assets);

/*
 * Mean historical return per asset, PyPortfolioOpt's mean_historical_return:
 *   compounding:  mu_j = prod_t (1 + r_tj) ^ (frequency / n_j) - 1
 *   otherwise:    mu_j = mean_t(r_tj) * frequency
 * over the n_j present returns of asset j. With log_returns the returns are
 * log(1 + r) (numpy's np.log(1 + pct_change)), and — as in PyPortfolioOpt —
 * compounding then multiplies 1 + log return, which is not the CAGR (use
 * compounding = 0 for the annualised mean log return).
 * prices: n_rows x n_assets (NaN = missing); mu: n_assets values, written
 * only on success. work: folio_expected_returns_work_size bytes or NULL
 * (allocated and freed here). info may be NULL.
 * Errors: FOLIO_EINVAL (NULL prices or mu, frequency not finite and > 0, a
 * price <= 0 naming value, symbol and date), FOLIO_ENOTFINITE (an infinite
 * price), FOLIO_EDIM (shape), FOLIO_ESHORT (fewer than 2 price rows),
 * FOLIO_EMISSING (a symbol without any return, named), FOLIO_ENOMEM.
 */
FOLIO_API folio_status folio_mean_historical_return(const folio_panel *prices, int compounding,
                                                    double frequency, int log_returns, double *mu,
                                                    void *work, folio_er_info *info,
                                                    folio_error *err);

/*
 * Exponentially weighted mean return, PyPortfolioOpt's ema_historical_return:
 * e_j = the last value of pandas' returns.ewm(span = span).mean() (adjust =
 * True, ignore_na = False), i.e. with alpha = 2 / (span + 1) the recursion
 *   w_old *= 1 - alpha at every row after the first observation;
 *   at an observation x: e = (w_old e + x) / (w_old + 1), w_old += 1
 * (a missing return ages the weights but adds nothing; without gaps
 * e = sum_t (1-alpha)^(n-1-t) r_t / sum_t (1-alpha)^(n-1-t)), then
 *   compounding: mu_j = (1 + e_j)^frequency - 1,  otherwise mu_j = e_j * frequency.
 * Errors: those of folio_mean_historical_return, plus FOLIO_EINVAL (span not
 * finite or < 1: pandas requires span >= 1).
 */
FOLIO_API folio_status folio_ema_historical_return(const folio_panel *prices, double span,
                                                   int compounding, double frequency, double *mu,
                                                   void *work, folio_er_info *info,
                                                   folio_error *err);

/*
 * CAPM return, PyPortfolioOpt's capm_return:
 *   mu_j = risk_free_rate + beta_j (m - risk_free_rate),
 *   beta_j = cov(r_j, r_m) / var(r_m)   (pandas' pairwise covariance, ddof 1:
 *            cov over the rows where both are present, var over the market's),
 *   m = the market's mean historical return (compounding as above, or the
 *       arithmetic mean times frequency).
 * market_prices: n_rows prices on the same dates as `prices` (row i of both
 * is the same date), or NULL for PyPortfolioOpt's proxy: the equal-weighted
 * market, r_m[t] = the mean of the present asset returns of row t.
 * risk_free_rate is in the result's units (annual with frequency 252).
 * betas (n_assets, may be NULL) receives beta_j. info->market_return = m.
 * Errors: those of folio_mean_historical_return (a market price <= 0 or
 * infinite names symbol "market"), FOLIO_ENOTFINITE (risk_free_rate not
 * finite), FOLIO_ESHORT (an asset overlapping the market in fewer than 2
 * returns, named), FOLIO_EDEGENERATE (the market's returns have no variance).
 */
FOLIO_API folio_status folio_capm_return(const folio_panel *prices, const double *market_prices,
                                         double risk_free_rate, int compounding, double frequency,
                                         double *mu, double *betas, void *work,
                                         folio_er_info *info, folio_error *err);

#ifdef __cplusplus
}
#endif
#endif
