/*
 * manager_optimize.c — the manager's optimiser (manager.h): NLopt's SLSQP
 * over the simplex from the centre, each vertex and seeded random starts,
 * then vol targeting and the leverage cap.
 *
 * The objective s.w / sqrt(w'Cw) is quasi-concave where it is positive (its
 * superlevel sets {s.w >= a sqrt(w'Cw)}, a > 0, are convex), so any local
 * maximum with a positive value is global; the multi-start is kept anyway —
 * it also covers the negative case, where no such guarantee holds. NLopt's
 * SLSQP uses no randomness, so nlopt_srand (process-global state) is never
 * called: the random starts come from a splitmix64 stream with a fixed seed.
 */
#include <math.h>
#include <nlopt.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "folio/manager.h"
#include "folio/panel.h"
#include "internal.h"
#include "manager_internal.h"

typedef struct objdata {
  size_t n;
  const double *slope, *cov;
} objdata;

static double nl_objective(unsigned n, const double *x, double *grad, void *data) {
  const objdata *d = data;
  return folio_manager_objective(n, d->slope, d->cov, d->n, x, grad);
}

static double nl_sum(unsigned n, const double *x, double *grad, void *data) {
  (void)data;
  double s = -1.0;
  for (unsigned i = 0; i < n; i++) {
    s += x[i];
    if (grad) grad[i] = 1.0;
  }
  return s;
}

/* Projects x onto the simplex the simple way: clip to [0, 1], zero the tiny,
 * renormalise (an all-zero x becomes the centre). */
static void to_simplex(size_t n, double *x, double tiny) {
  double s = 0;
  for (size_t i = 0; i < n; i++) {
    if (!(x[i] > tiny)) x[i] = 0;
    if (x[i] > 1) x[i] = 1;
    s += x[i];
  }
  for (size_t i = 0; i < n; i++) x[i] = s > 0 ? x[i] / s : 1.0 / (double)n;
}

static uint64_t splitmix(uint64_t *s) {
  uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

folio_status folio_manager_optimize(size_t n_days, size_t n_strategies, const double *returns,
                                    size_t ld, const char *const *names,
                                    const folio_manager_opts *opts, double *weights,
                                    folio_manager_fit *fit, folio_error *err) {
  folio_error_clear(err);
  folio_status st = folio_i_manager_check_options(opts, err);
  if (st != FOLIO_OK) return st;
  if (!weights || !fit) return folio_error_set(err, FOLIO_EINVAL, "manager: weights and fit must not be NULL");
  if (n_strategies == 0 || n_strategies > 4096)
    return folio_error_set(err, FOLIO_EINVAL, "manager: n_strategies must be between 1 and 4096, got %zu",
                           n_strategies);
  size_t K = n_strategies;
  double *buf = malloc(sizeof(double) * (K * K + 5 * K + 4));
  if (!buf) return folio_error_set(err, FOLIO_ENOMEM, "manager: out of memory");
  double *cov = buf, *slope = cov + K * K, *x = slope + K, *best = x + K, *lb = best + K, *ub = lb + K;
  nlopt_opt opt = NULL;
  if ((st = folio_manager_moments(n_days, K, returns, ld, slope, cov, K, err)) != FOLIO_OK) goto done;
  double maxvar = 0;
  for (size_t k = 0; k < K; k++) {
    /* constant returns leave a variance of rounding noise (~1e-32 mean^2), not 0 */
    double mean = 0;
    for (size_t t = 0; t < n_days; t++) mean += returns[t + k * ld];
    mean /= (double)n_days;
    if (!(cov[k + k * K] > 1e-20 * mean * mean) || !(cov[k + k * K] > 0)) {
      char nb[32];
      st = folio_error_set(err, FOLIO_EDEGENERATE,
                           "manager: strategy %s has zero volatility over the window (constant returns); "
                           "remove it or change the window",
                           folio_i_symbol(names, k, nb, sizeof nb));
      goto done;
    }
    if (cov[k + k * K] > maxvar) maxvar = cov[k + k * K];
  }
  size_t n_starts = K == 1 ? 1 : K + 1 + opts->n_random_starts, at_best = 0;
  double best_f = -HUGE_VAL;
  objdata od = {K, slope, cov};
  if (K == 1) {
    best[0] = 1.0;
    best_f = folio_manager_objective(1, slope, cov, 1, best, NULL);
    at_best = 1;
  } else {
    opt = nlopt_create(NLOPT_LD_SLSQP, (unsigned)K);
    if (!opt) {
      st = folio_error_set(err, FOLIO_ENOMEM, "manager: out of memory (nlopt_create)");
      goto done;
    }
    for (size_t k = 0; k < K; k++) lb[k] = 0.0, ub[k] = 1.0;
    if (nlopt_set_max_objective(opt, nl_objective, &od) < 0 || nlopt_set_lower_bounds(opt, lb) < 0 ||
        nlopt_set_upper_bounds(opt, ub) < 0 || nlopt_add_equality_constraint(opt, nl_sum, NULL, 1e-14) < 0 ||
        nlopt_set_xtol_rel(opt, 1e-12) < 0 || nlopt_set_ftol_rel(opt, 1e-15) < 0 ||
        nlopt_set_maxeval(opt, 500) < 0) {
      st = folio_error_set(err, FOLIO_ENOMEM, "manager: setting up NLopt failed (%s)", nlopt_get_errmsg(opt));
      goto done;
    }
    double *fv = malloc(sizeof(double) * n_starts);
    if (!fv) {
      st = folio_error_set(err, FOLIO_ENOMEM, "manager: out of memory");
      goto done;
    }
    uint64_t rs = opts->seed;
    for (size_t s = 0; s < n_starts; s++) {
      if (s < K) { /* a vertex */
        for (size_t k = 0; k < K; k++) x[k] = k == s ? 1.0 : 0.0;
      } else if (s == K) { /* the centre */
        for (size_t k = 0; k < K; k++) x[k] = 1.0 / (double)K;
      } else { /* uniform on the simplex: normalised exponentials */
        double sum = 0;
        for (size_t k = 0; k < K; k++) {
          double u = ((double)(splitmix(&rs) >> 11) + 0.5) * 0x1.0p-53;
          x[k] = -log(u);
          sum += x[k];
        }
        for (size_t k = 0; k < K; k++) x[k] /= sum;
      }
      double f = 0;
      nlopt_optimize(opt, x, &f); /* a failed run still leaves its best point in x */
      to_simplex(K, x, 1e-10);
      f = folio_manager_objective(K, slope, cov, K, x, NULL);
      fv[s] = isfinite(f) ? f : -HUGE_VAL;
      if (fv[s] > best_f) {
        best_f = fv[s];
        memcpy(best, x, sizeof(double) * K);
      }
    }
    double tol = 1e-9 * fmax(1.0, fabs(best_f));
    for (size_t s = 0; s < n_starts; s++) at_best += fv[s] >= best_f - tol;
    free(fv);
  }
  double sw = 0, var = 0;
  for (size_t i = 0; i < K; i++) {
    sw += slope[i] * best[i];
    for (size_t j = 0; j < K; j++) var += best[i] * cov[i + j * K] * best[j];
  }
  if (!(var > 1e-16 * maxvar)) { /* a std 1e-8 of the strategies' own is zero for leverage */
    st = folio_error_set(err, FOLIO_EDEGENERATE,
                         "manager: the optimal combination has zero volatility over the window "
                         "(the strategies hedge each other exactly); leverage is undefined");
    goto done;
  }
  memcpy(weights, best, sizeof(double) * K);
  fit->slope = sw;
  fit->daily_std = sqrt(var);
  fit->score = sw / fit->daily_std;
  fit->ann_vol = fit->daily_std * sqrt((double)FOLIO_MANAGER_DAYS_PER_YEAR);
  fit->raw_leverage = opts->target_vol / fit->ann_vol;
  fit->capped = opts->max_leverage > 0 && fit->raw_leverage > opts->max_leverage;
  fit->leverage = fit->capped ? opts->max_leverage : fit->raw_leverage;
  fit->n_starts = n_starts;
  fit->starts_at_best = at_best;
done:
  nlopt_destroy(opt);
  free(buf);
  return st;
}
