/*
 * manager_objective.c — the manager's objective (manager.h): each strategy's
 * slope of its cumulative curve and the sample covariance (moments), and
 * f(w) = s.w / sqrt(w'Cw) with its gradient.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "folio/manager.h"

folio_status folio_manager_moments(size_t n_days, size_t n_strategies, const double *returns,
                                   size_t ld, double *slope, double *cov, size_t ldc,
                                   folio_error *err) {
  folio_error_clear(err);
  if (!returns || !slope || !cov)
    return folio_error_set(err, FOLIO_EINVAL, "manager.moments: returns, slope and cov must not be NULL");
  if (n_days < 2) return folio_error_set(err, FOLIO_EINVAL, "manager.moments: need >= 2 days, got %zu", n_days);
  if (n_strategies == 0 || ld < n_days || ldc < n_strategies)
    return folio_error_set(err, FOLIO_EINVAL, "manager.moments: bad sizes (n_strategies %zu, ld %zu, ldc %zu)",
                           n_strategies, ld, ldc);
  for (size_t k = 0; k < n_strategies; k++)
    for (size_t t = 0; t < n_days; t++)
      if (!isfinite(returns[t + k * ld]))
        return folio_error_set(err, FOLIO_ENOTFINITE, "manager.moments: return at row %zu, column %zu is not finite",
                               t, k);
  double N = (double)n_days, tbar = (N - 1) / 2, sxx = N * (N * N - 1) / 12; /* sum (t - tbar)^2 */
  for (size_t k = 0; k < n_strategies; k++) {
    const double *r = returns + k * ld;
    double c = 0, sxy = 0;
    for (size_t t = 0; t < n_days; t++) {
      c += r[t];
      sxy += ((double)t - tbar) * c;
    }
    slope[k] = sxy / sxx;
  }
  for (size_t j = 0; j < n_strategies; j++) {
    const double *a = returns + j * ld;
    double ma = 0;
    for (size_t t = 0; t < n_days; t++) ma += a[t];
    ma /= N;
    for (size_t k = j; k < n_strategies; k++) {
      const double *b = returns + k * ld;
      double mb = 0, s = 0;
      for (size_t t = 0; t < n_days; t++) mb += b[t];
      mb /= N;
      for (size_t t = 0; t < n_days; t++) s += (a[t] - ma) * (b[t] - mb);
      cov[j + k * ldc] = cov[k + j * ldc] = s / (N - 1);
    }
  }
  return FOLIO_OK;
}

double folio_manager_objective(size_t n, const double *slope, const double *cov, size_t ldc,
                               const double *w, double *grad) {
  double sw = 0, var = 0;
  for (size_t i = 0; i < n; i++) {
    sw += slope[i] * w[i];
    double cw = 0;
    for (size_t j = 0; j < n; j++) cw += cov[i + j * ldc] * w[j];
    var += w[i] * cw;
    if (grad) grad[i] = cw; /* (Cw)_i, finished below */
  }
  if (!(var > 1e-300)) var = 1e-300;
  double sd = sqrt(var);
  if (grad)
    for (size_t i = 0; i < n; i++) grad[i] = slope[i] / sd - sw * grad[i] / (var * sd);
  return sw / sd;
}
