/*
 * position_sizers.c — units for one entry: risk-based, portfolio-weight and
 * beta-scaled sizing, and the beta estimate (see position_sizers.h).
 *
 * Every argument is validated before anything is written. Sizes are rounded
 * down to whole lots after a relative 1e-12 nudge, which only recovers what
 * binary rounding took (a raw 99.99999999999999 for an exact 100); a true
 * shortfall of even a billionth of a lot still costs the lot, so no rounding
 * step ever spends more than the formula allows.
 */
#include <float.h>
#include <math.h>

#include "folio/money.h"
#include "folio/numbers.h"
#include "folio/position_sizers.h"

/* Relative slack of the lot grid (see the file comment). */
#define LOT_SNAP 1e-12

/* raw (>= 0) down to whole lots, or unchanged when fractional. */
static double floor_lots(double raw, double lot, int fractional) {
  if (fractional) return raw;
  double k = floor(raw / lot);
  /* the next lot counts when it is within a relative 1e-12 of raw — and
   * within a billionth of a lot, so huge sizes never gain a whole lot */
  if ((k + 1.0) * lot - raw <= fmin(raw * LOT_SNAP, lot * 1e-9)) k += 1.0;
  return k * lot;
}

/* Checks that x is finite and in (lo, hi] (lo_open) or [lo, hi]. */
static folio_status check_range(const char *who, const char *name, double x, double lo, int lo_open,
                                double hi, folio_error *err) {
  if (!isfinite(x))
    return folio_error_set(err, FOLIO_ENOTFINITE, "%s: %s must be finite, got %g", who, name, x);
  if (lo_open ? !(x > lo) : !(x >= lo))
    return folio_error_set(err, FOLIO_EINVAL, "%s: %s must be %s %g, got %g", who, name,
                           lo_open ? ">" : ">=", lo, x);
  if (x > hi)
    return folio_error_set(err, FOLIO_EINVAL, "%s: %s must be <= %g, got %g", who, name, hi, x);
  return FOLIO_OK;
}

static folio_status check_lot(const char *who, double lot, int fractional, folio_error *err) {
  if (fractional) return FOLIO_OK;
  folio_status st = check_range(who, "lot size", lot, 0.0, 1, HUGE_VAL, err);
  if (st != FOLIO_OK) return st;
  return folio_check_number(FOLIO_DOMAIN_LOT, lot, who, "lot size", NULL, err);
}

/* A price: finite, > 0, and in the price domain (numbers.h). */
static folio_status check_price(const char *who, double price, folio_error *err) {
  folio_status st = check_range(who, "price", price, 0.0, 1, HUGE_VAL, err);
  if (st != FOLIO_OK) return st;
  return folio_check_number(FOLIO_DOMAIN_PRICE, price, who, "price", NULL, err);
}

/* Shared checks of the risk-based family (equity, risk, price, stop, lot). */
static folio_status check_risk_args(const char *who, double equity, double risk_per_trade,
                                    double price, double stop_loss_pct, double lot, int fractional,
                                    folio_error *err) {
  folio_status st;
  if ((st = check_range(who, "equity", equity, 0.0, 1, FOLIO_MAX_USD, err)) != FOLIO_OK ||
      (st = check_range(who, "risk_per_trade", risk_per_trade, 0.0, 1, 1.0, err)) != FOLIO_OK ||
      (st = check_price(who, price, err)) != FOLIO_OK ||
      (st = check_range(who, "stop_loss_pct", stop_loss_pct, 0.0, 1, 1.0, err)) != FOLIO_OK ||
      (st = check_lot(who, lot, fractional, err)) != FOLIO_OK)
    return st;
  return FOLIO_OK;
}

folio_status folio_units_round_lots(double raw_units, double lot, int fractional, double *units,
                                    folio_error *err) {
  folio_status st;
  if ((st = check_range("units", "raw units", raw_units, 0.0, 0, HUGE_VAL, err)) != FOLIO_OK ||
      (st = check_lot("units", lot, fractional, err)) != FOLIO_OK)
    return st;
  *units = floor_lots(raw_units, lot, fractional);
  return FOLIO_OK;
}

/* Writes the rounded size of `raw` units at `price`, refusing a notional
 * beyond FOLIO_MAX_USD. */
static folio_status finish(const char *who, double raw, double price, double lot, int fractional,
                           double *units, folio_error *err) {
  if (!(raw * price <= FOLIO_MAX_USD))
    return folio_error_set(err, FOLIO_EINVAL, "%s: notional %g exceeds %g USD", who, raw * price,
                           FOLIO_MAX_USD);
  double u = floor_lots(raw, lot, fractional);
  folio_status st = folio_check_finite(&u, 1, 1, NULL, who, "units", err); /* the final check */
  if (st != FOLIO_OK) return st;
  *units = u;
  return FOLIO_OK;
}

folio_status folio_units_risk_based(double equity, double risk_per_trade, double price,
                                    double stop_loss_pct, double lot, int fractional,
                                    double *units, folio_error *err) {
  static const char who[] = "risk_based";
  folio_status st =
      check_risk_args(who, equity, risk_per_trade, price, stop_loss_pct, lot, fractional, err);
  if (st != FOLIO_OK) return st;
  double raw = equity * risk_per_trade / (price * stop_loss_pct);
  return finish(who, raw, price, lot, fractional, units, err);
}

folio_status folio_units_portfolio_weight(double weight, double equity, double price, double lot,
                                          int fractional, double *units, folio_error *err) {
  static const char who[] = "portfolio_weight";
  folio_status st;
  if (!isfinite(weight))
    return folio_error_set(err, FOLIO_ENOTFINITE, "%s: weight must be finite, got %g", who, weight);
  if ((st = folio_check_number(FOLIO_DOMAIN_WEIGHT, weight, who, "weight", NULL, err)) != FOLIO_OK)
    return st;
  if ((st = check_range(who, "equity", equity, 0.0, 1, FOLIO_MAX_USD, err)) != FOLIO_OK ||
      (st = check_price(who, price, err)) != FOLIO_OK ||
      (st = check_lot(who, lot, fractional, err)) != FOLIO_OK)
    return st;
  double raw = fabs(weight) * equity / price;
  return finish(who, raw, price, lot, fractional, units, err);
}

folio_status folio_beta(size_t n_obs, const double *returns, const double *benchmark,
                        size_t window, double *beta, folio_error *err) {
  if (!returns || !benchmark)
    return folio_error_set(err, FOLIO_EINVAL, "beta: NULL %s array", returns ? "benchmark" : "returns");
  if (window < 2)
    return folio_error_set(err, FOLIO_EINVAL, "beta: window must be >= 2, got %zu", window);
  if (window > n_obs)
    return folio_error_set(err, FOLIO_ESHORT,
                           "beta: window of %zu observations is longer than the history (%zu)",
                           window, n_obs);
  size_t first = n_obs - window;
  double sr = 0.0, sb = 0.0, max_b = 0.0;
  for (size_t t = first; t < n_obs; t++) {
    if (!isfinite(returns[t]))
      return folio_error_set(err, FOLIO_ENOTFINITE, "beta: return at row %zu is %s", t,
                             isnan(returns[t]) ? "missing (NaN)" : "infinite");
    if (!isfinite(benchmark[t]))
      return folio_error_set(err, FOLIO_ENOTFINITE, "beta: benchmark return at row %zu is %s", t,
                             isnan(benchmark[t]) ? "missing (NaN)" : "infinite");
    sr += returns[t];
    sb += benchmark[t];
    if (fabs(benchmark[t]) > max_b) max_b = fabs(benchmark[t]);
  }
  double mr = sr / (double)window, mb = sb / (double)window;
  double cov = 0.0, var = 0.0;
  for (size_t t = first; t < n_obs; t++) {
    double db = benchmark[t] - mb;
    cov += (returns[t] - mr) * db;
    var += db * db;
  }
  cov /= (double)(window - 1);
  var /= (double)(window - 1);
  /* a constant benchmark leaves only the rounding of its mean: ~eps * |rb| per row */
  double noise = 64.0 * DBL_EPSILON * max_b;
  if (!(var > noise * noise))
    return folio_error_set(err, FOLIO_EDEGENERATE,
                           "beta: the benchmark has zero variance over the last %zu observations",
                           window);
  double b = cov / var;
  if (!isfinite(b))
    return folio_error_set(err, FOLIO_ENOTFINITE, "beta: beta is not finite (cov %g, var %g)",
                           cov, var);
  *beta = b;
  return FOLIO_OK;
}

double folio_beta_clamp(double beta, double beta_min, double beta_max) {
  if (isnan(beta)) return beta;
  return beta < beta_min ? beta_min : beta > beta_max ? beta_max : beta;
}

folio_status folio_units_beta_scaled(double equity, double risk_per_trade, double price,
                                     double stop_loss_pct, double beta, double beta_min,
                                     double beta_max, double lot, int fractional, double *units,
                                     double *beta_used, folio_error *err) {
  static const char who[] = "beta_scaled";
  folio_status st =
      check_risk_args(who, equity, risk_per_trade, price, stop_loss_pct, lot, fractional, err);
  if (st != FOLIO_OK) return st;
  if (!isfinite(beta))
    return folio_error_set(err, FOLIO_ENOTFINITE, "%s: beta must be finite, got %g", who, beta);
  if ((st = check_range(who, "beta_min", beta_min, 0.0, 1, HUGE_VAL, err)) != FOLIO_OK ||
      (st = check_range(who, "beta_max", beta_max, 0.0, 1, HUGE_VAL, err)) != FOLIO_OK)
    return st;
  if (beta_min > beta_max)
    return folio_error_set(err, FOLIO_EINVAL, "%s: beta_min %g is greater than beta_max %g", who,
                           beta_min, beta_max);
  double used = folio_beta_clamp(beta, beta_min, beta_max);
  double raw = equity * risk_per_trade / (price * stop_loss_pct) / used;
  if ((st = finish(who, raw, price, lot, fractional, units, err)) != FOLIO_OK) return st;
  if (beta_used) *beta_used = used;
  return FOLIO_OK;
}
