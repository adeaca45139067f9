/*
 * black_litterman.c — the Black–Litterman model of black_litterman.h: the
 * market-implied prior and risk aversion, and the posterior returns,
 * covariance and weights of a prior blended with views.
 *
 * Everything is validated before anything is computed, and outputs are
 * written only once nothing can fail any more. The posterior is the
 * "covariance form" PyPortfolioOpt uses, Pi + tau Sigma P' A^-1 (Q - P Pi)
 * with A = P tau Sigma P' + Omega: it needs one k x k Cholesky factorisation
 * (k views, usually few), tolerates certain views (Omega_vv = 0) and never
 * inverts a matrix. Sigma's own Cholesky factor checks that it is positive
 * definite and applies Sigma^-1 for the weights. With symbols, the assets are
 * gathered into symbol order first, so every floating-point sum (and every
 * BLAS call) sees the same operands in the same order whatever the input
 * order: reordering the assets gives bit-identical results per symbol.
 */
#include <cblas.h>
#include <lapacke.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "folio/black_litterman.h"
#include "folio/numbers.h"
#include "folio/panel.h"
#include "internal.h"
#include "names.h"

/* ==== names ============================================================== */

static const char *const omega_names[] = {"default", "idzorek", "given"};

folio_status folio_bl_omega_parse(const char *name, folio_bl_omega *out, folio_error *err) {
  int i = out ? folio_i_name_index(omega_names, 3, name) : -1;
  if (i >= 0) {
    *out = (folio_bl_omega)i;
    return FOLIO_OK;
  }
  return folio_error_set(err, FOLIO_EINVAL,
                         "black_litterman: unknown omega method \"%s\" (expected \"default\", "
                         "\"idzorek\" or \"given\")",
                         name ? name : "(null)");
}

const char *folio_bl_omega_name(folio_bl_omega method) {
  return (unsigned)method < 3 ? omega_names[method] : "unknown";
}

folio_bl_opts folio_bl_defaults(void) {
  folio_bl_opts o = {0.05, 1.0, FOLIO_BL_OMEGA_DEFAULT, FOLIO_REPAIR_ERROR, NULL};
  return o;
}

/* ==== shared checks ====================================================== */

/* Finiteness and symmetry of cov (to 1e-10 relative to sqrt(c_ii c_jj),
 * kelly_fraction's rule). A non-finite entry wins over an asymmetry. */
static folio_status check_cov_values(const char *who, size_t n, const double *cov, size_t ld,
                                     const char *const *symbols, folio_error *err) {
  char b1[64], b2[64];
  size_t ai = SIZE_MAX, aj = 0;
  for (size_t j = 0; j < n; j++)
    for (size_t i = j; i < n; i++) {
      double x = cov[i + j * ld], y = cov[j + i * ld];
      if (!isfinite(x) || !isfinite(y))
        return folio_error_set(err, FOLIO_ENOTFINITE, "%s: cov is not finite (symbols %s, %s: %g)",
                               who, folio_i_symbol(symbols, isfinite(x) ? j : i, b1, sizeof b1),
                               folio_i_symbol(symbols, isfinite(x) ? i : j, b2, sizeof b2),
                               isfinite(x) ? y : x);
      if (i == j) {
        if (!folio_i_in_domain(FOLIO_DOMAIN_VARIANCE, x)) /* the symbol formatted only for the message */
          return folio_check_number(FOLIO_DOMAIN_VARIANCE, x, who, "cov variance",
                                    folio_i_symbol(symbols, i, b1, sizeof b1), err);
      } else if (!(fabs(x) <= FOLIO_MAX_COV) || !(fabs(y) <= FOLIO_MAX_COV)) {
        char what[160];
        snprintf(what, sizeof what, "cov entry (symbols %s, %s)",
                 folio_i_symbol(symbols, j, b1, sizeof b1), folio_i_symbol(symbols, i, b2, sizeof b2));
        return folio_check_number(FOLIO_DOMAIN_COV, fabs(x) <= FOLIO_MAX_COV ? y : x, who, what,
                                  NULL, err);
      }
      if (i != j && ai == SIZE_MAX &&
          fabs(x - y) > 1e-10 * sqrt(fabs(cov[i + i * ld])) * sqrt(fabs(cov[j + j * ld]))) {
        ai = i;
        aj = j;
      }
    }
  if (ai != SIZE_MAX)
    return folio_error_set(err, FOLIO_ENOTSYM,
                           "%s: cov is not symmetric (symbols %s and %s: %.17g vs %.17g)", who,
                           folio_i_symbol(symbols, aj, b1, sizeof b1),
                           folio_i_symbol(symbols, ai, b2, sizeof b2), cov[ai + aj * ld],
                           cov[aj + ai * ld]);
  return FOLIO_OK;
}

/* cov(order[p], order[q]), taking of each symmetric pair the entry in the
 * row of the later asset (in `order`), so the value does not depend on the
 * input order. */
static double cov_at(const double *cov, size_t ld, const size_t *order, size_t p, size_t q) {
  return p >= q ? cov[order[p] + order[q] * ld] : cov[order[q] + order[p] * ld];
}

/* ==== market-implied prior and risk aversion ============================= */

folio_status folio_bl_prior(size_t n_assets, const double *cov, size_t ld_cov,
                            const double *w_mkt, const char *const *symbols, double delta,
                            double rf, double *pi_out, folio_error *err) {
  const char *who = "bl_prior";
  char b1[64];
  size_t n = n_assets;
  if (!cov) return folio_error_set(err, FOLIO_EINVAL, "%s: cov is NULL", who);
  if (!w_mkt) return folio_error_set(err, FOLIO_EINVAL, "%s: w_mkt is NULL", who);
  if (!pi_out) return folio_error_set(err, FOLIO_EINVAL, "%s: pi_out is NULL", who);
  folio_status st = folio_i_check_cov_shape(who, n, ld_cov, err);
  if (st < 0) return st;
  if (!isfinite(delta) || delta <= 0)
    return folio_error_set(err, FOLIO_EINVAL, "%s: risk_aversion must be finite and > 0 (got %g)",
                           who, delta);
  if (!isfinite(rf))
    return folio_error_set(err, FOLIO_EINVAL, "%s: risk_free_rate must be finite (got %g)", who, rf);

  folio_i_arena ar = {NULL, 0, 0};
  (void)folio_i_take(&ar, n, sizeof(folio_i_sym));
  (void)folio_i_take(&ar, n, sizeof(size_t));
  (void)folio_i_take(&ar, n, sizeof(double));
  st = folio_i_arena_alloc(&ar, who, 0, err);
  if (st < 0) return st;
  folio_i_sym *scratch = folio_i_take(&ar, n, sizeof(folio_i_sym));
  size_t *order = folio_i_take(&ar, n, sizeof(size_t));
  double *wn = folio_i_take(&ar, n, sizeof(double));

  st = folio_i_symbol_order(n, symbols, who, "symbol", scratch, order, err);
  if (st == FOLIO_OK) st = check_cov_values(who, n, cov, ld_cov, symbols, err);
  double sum = 0.0;
  for (size_t p = 0; st == FOLIO_OK && p < n; p++) {
    double w = w_mkt[order[p]];
    if (!isfinite(w))
      st = folio_error_set(err, FOLIO_ENOTFINITE, "%s: market weight is not finite (symbol %s: %g)",
                           who, folio_i_symbol(symbols, order[p], b1, sizeof b1), w);
    else if (w < 0)
      st = folio_error_set(err, FOLIO_EINVAL,
                           "%s: market weight is negative (symbol %s: %g); market weights or "
                           "capitalisations are >= 0",
                           who, folio_i_symbol(symbols, order[p], b1, sizeof b1), w);
    else
      sum += w;
  }
  if (st == FOLIO_OK && !(sum > 0))
    st = folio_error_set(err, FOLIO_EDEGENERATE, "%s: market weights sum to 0", who);
  if (st == FOLIO_OK && !isfinite(sum))
    st = folio_error_set(err, FOLIO_ENOTFINITE, "%s: market weights overflow when summed", who);
  if (st == FOLIO_OK) {
    for (size_t q = 0; q < n; q++) wn[q] = w_mkt[order[q]] / sum;
    for (size_t p = 0; p < n && st == FOLIO_OK; p++) { /* the final check, before writing */
      double acc = 0.0;
      for (size_t q = 0; q < n; q++) acc += cov_at(cov, ld_cov, order, p, q) * wn[q];
      if (!isfinite(delta * acc + rf))
        st = folio_error_set(err, FOLIO_ENOTFINITE,
                             "%s: prior return of %s is not finite (the inputs overflow the "
                             "computation)",
                             who, folio_i_symbol(symbols, order[p], b1, sizeof b1));
    }
    for (size_t p = 0; p < n && st == FOLIO_OK; p++) {
      double acc = 0.0;
      for (size_t q = 0; q < n; q++) acc += cov_at(cov, ld_cov, order, p, q) * wn[q];
      pi_out[order[p]] = delta * acc + rf;
    }
  }
  free(ar.base);
  return st;
}

folio_status folio_market_implied_risk_aversion(size_t n_obs, const double *r, double frequency,
                                                double rf, double *delta_out, folio_error *err) {
  const char *who = "market_implied_risk_aversion";
  if (!r) return folio_error_set(err, FOLIO_EINVAL, "%s: returns are NULL", who);
  if (!delta_out) return folio_error_set(err, FOLIO_EINVAL, "%s: delta_out is NULL", who);
  if (!isfinite(frequency) || frequency <= 0)
    return folio_error_set(err, FOLIO_EINVAL, "%s: frequency must be finite and > 0 (got %g)", who,
                           frequency);
  if (!isfinite(rf))
    return folio_error_set(err, FOLIO_EINVAL, "%s: risk_free_rate must be finite (got %g)", who, rf);
  if (n_obs < 2)
    return folio_error_set(err, FOLIO_ESHORT, "%s: %zu return(s); at least 2 needed", who, n_obs);
  double mean = 0.0;
  for (size_t t = 0; t < n_obs; t++) {
    if (isnan(r[t]))
      return folio_error_set(err, FOLIO_EMISSING, "%s: missing return (row %zu)", who, t + 1);
    if (!isfinite(r[t]))
      return folio_error_set(err, FOLIO_ENOTFINITE, "%s: infinite return (row %zu)", who, t + 1);
    mean += r[t];
  }
  mean /= (double)n_obs;
  double ss = 0.0;
  for (size_t t = 0; t < n_obs; t++) ss += (r[t] - mean) * (r[t] - mean);
  double var = ss / (double)(n_obs - 1);
  if (!(var > 0))
    return folio_error_set(err, FOLIO_EDEGENERATE, "%s: market returns have zero variance", who);
  double delta = (mean * frequency - rf) / (var * frequency);
  if (!isfinite(delta))
    return folio_error_set(err, FOLIO_ENOTFINITE, "%s: risk aversion overflows (variance %g)", who,
                           var);
  *delta_out = delta;
  return FOLIO_OK;
}

/* ==== the posterior ====================================================== */

/* Scratch of folio_black_litterman for n assets and k views. */
typedef struct bl_scratch {
  folio_i_sym *sort;
  size_t *order, *act;
  const char **osyms;  /* symbols in `order` (for the repair's messages) */
  double *sig, *fac;   /* n x n: Sigma in order (full), its Cholesky factor */
  double *pt, *b;      /* n x k: P' in order, tau Sigma P' */
  double *a, *om;      /* k x k: the view system A, a copy of Omega (eigenvalues) */
  double *ev, *ework;  /* k, 3k (dsyev) */
  double *d, *x;       /* k: diag(tau P Sigma P'), the solve */
  double *pio, *muo, *wo; /* n: prior, posterior, weights in order */
} bl_scratch;

static void bl_carve(folio_i_arena *ar, size_t n, size_t k, bl_scratch *s) {
  size_t k3 = 0;
  if (folio_i_mul(k, 3, &k3)) ar->overflow = 1;
  s->sort = folio_i_take(ar, n, sizeof(folio_i_sym));
  s->order = folio_i_take(ar, n, sizeof(size_t));
  s->act = folio_i_take(ar, k, sizeof(size_t));
  s->osyms = folio_i_take(ar, n, sizeof(const char *));
  s->sig = folio_i_take_mat(ar, n, n, sizeof(double));
  s->fac = folio_i_take_mat(ar, n, n, sizeof(double));
  s->pt = folio_i_take_mat(ar, n, k, sizeof(double));
  s->b = folio_i_take_mat(ar, n, k, sizeof(double));
  s->a = folio_i_take_mat(ar, k, k, sizeof(double));
  s->om = folio_i_take_mat(ar, k, k, sizeof(double));
  s->ev = folio_i_take(ar, k, sizeof(double));
  s->ework = folio_i_take(ar, k3 ? k3 : 1, sizeof(double));
  s->d = folio_i_take(ar, k, sizeof(double));
  s->x = folio_i_take(ar, k, sizeof(double));
  s->pio = folio_i_take(ar, n, sizeof(double));
  s->muo = folio_i_take(ar, n, sizeof(double));
  s->wo = folio_i_take(ar, n, sizeof(double));
}

size_t folio_black_litterman_work_size(size_t n_assets, size_t n_views) {
  folio_i_arena ar = {NULL, 0, 0};
  bl_scratch s;
  bl_carve(&ar, n_assets, n_views, &s);
  return ar.overflow ? 0 : ar.used;
}

/* Checks opts and the views' shapes (no values). */
static folio_status bl_check_shapes(const char *who, size_t n, const folio_bl_views *v,
                                    const folio_bl_opts *o, folio_error *err) {
  if (!isfinite(o->tau) || o->tau <= 0 || o->tau > 1)
    return folio_error_set(err, FOLIO_EINVAL, "%s: tau must be in (0, 1] (got %g)", who, o->tau);
  if (!isfinite(o->risk_aversion) || o->risk_aversion <= 0)
    return folio_error_set(err, FOLIO_EINVAL, "%s: risk_aversion must be finite and > 0 (got %g)",
                           who, o->risk_aversion);
  if ((unsigned)o->omega > FOLIO_BL_OMEGA_GIVEN)
    return folio_error_set(err, FOLIO_EINVAL, "%s: bad omega method %d", who, (int)o->omega);
  if ((unsigned)o->repair > FOLIO_REPAIR_HIGHAM)
    return folio_error_set(err, FOLIO_EINVAL, "%s: bad repair %d", who, (int)o->repair);
  size_t k = v ? v->n_views : 0;
  if (k == 0) return FOLIO_OK;
  if (k > FOLIO_MAX_DIM || n * k > FOLIO_MAX_ELEMS || k * k > FOLIO_MAX_ELEMS)
    return folio_error_set(err, FOLIO_EDIM, "%s: %zu views of %zu assets (too many)", who, k, n);
  if (!v->P) return folio_error_set(err, FOLIO_EINVAL, "%s: P is NULL", who);
  if (!v->Q) return folio_error_set(err, FOLIO_EINVAL, "%s: Q is NULL", who);
  if (v->ld_p < k)
    return folio_error_set(err, FOLIO_EINVAL, "%s: ld_p %zu < n_views %zu", who, v->ld_p, k);
  if (v->ld_p > SIZE_MAX / sizeof(double) / n)
    return folio_error_set(err, FOLIO_EDIM, "%s: ld_p %zu is too large", who, v->ld_p);
  if (o->omega == FOLIO_BL_OMEGA_GIVEN) {
    if (!v->omega)
      return folio_error_set(err, FOLIO_EINVAL, "%s: omega method \"given\" but omega is NULL", who);
    if (v->ld_omega < k)
      return folio_error_set(err, FOLIO_EINVAL, "%s: ld_omega %zu < n_views %zu", who, v->ld_omega,
                             k);
    if (v->ld_omega > SIZE_MAX / sizeof(double) / k)
      return folio_error_set(err, FOLIO_EDIM, "%s: ld_omega %zu is too large", who, v->ld_omega);
  }
  if (o->omega == FOLIO_BL_OMEGA_IDZOREK && !v->confidences)
    return folio_error_set(err, FOLIO_EINVAL,
                           "%s: omega method \"idzorek\" needs a confidence for every view "
                           "(confidences is NULL)",
                           who);
  return FOLIO_OK;
}

/* Values of the views: P, Q, confidences and Omega finite and in range; no
 * view on nothing; Omega symmetric with a non-negative diagonal. */
static folio_status bl_check_views(const char *who, size_t n, const folio_bl_views *v,
                                   const folio_bl_opts *o, const char *const *symbols,
                                   folio_error *err) {
  char b1[64];
  size_t k = v ? v->n_views : 0;
  for (size_t r = 0; r < k; r++) {
    int any = 0;
    for (size_t j = 0; j < n; j++) {
      double p = v->P[r + j * v->ld_p];
      if (!isfinite(p))
        return folio_error_set(err, FOLIO_ENOTFINITE, "%s: P is not finite (view #%zu, symbol %s: %g)",
                               who, r + 1, folio_i_symbol(symbols, j, b1, sizeof b1), p);
      any |= p != 0.0;
    }
    if (!any)
      return folio_error_set(err, FOLIO_EINVAL,
                             "%s: view #%zu is on nothing (its row of P is all zeros)", who, r + 1);
    if (!isfinite(v->Q[r]))
      return folio_error_set(err, FOLIO_ENOTFINITE, "%s: Q is not finite (view #%zu: %g)", who,
                             r + 1, v->Q[r]);
    if (o->omega == FOLIO_BL_OMEGA_IDZOREK) {
      double c = v->confidences[r];
      if (isnan(c))
        return folio_error_set(err, FOLIO_ENOTFINITE, "%s: confidence is NaN (view #%zu)", who,
                               r + 1);
      if (c < 0 || c > 1)
        return folio_error_set(err, FOLIO_EINVAL,
                               "%s: confidence must be in [0, 1] (view #%zu: %g)", who, r + 1, c);
    }
  }
  if (o->omega != FOLIO_BL_OMEGA_GIVEN) return FOLIO_OK;
  const double *om = v->omega;
  size_t ld = v->ld_omega;
  for (size_t j = 0; j < k; j++)
    for (size_t i = j; i < k; i++) {
      double x = om[i + j * ld], y = om[j + i * ld];
      if (!isfinite(x) || !isfinite(y))
        return folio_error_set(err, FOLIO_ENOTFINITE, "%s: omega is not finite (views #%zu, #%zu)",
                               who, j + 1, i + 1);
      if (i == j && x < 0)
        return folio_error_set(err, FOLIO_EINVAL,
                               "%s: omega has a negative variance (view #%zu: %g)", who, i + 1, x);
    }
  for (size_t j = 0; j < k; j++)
    for (size_t i = j + 1; i < k; i++) {
      double x = om[i + j * ld], y = om[j + i * ld];
      if (fabs(x - y) > 1e-10 * sqrt(om[i + i * ld]) * sqrt(om[j + j * ld]))
        return folio_error_set(err, FOLIO_ENOTSYM,
                               "%s: omega is not symmetric (views #%zu and #%zu: %.17g vs %.17g)",
                               who, j + 1, i + 1, x, y);
    }
  return FOLIO_OK;
}

/* Omega (given) must be positive semi-definite: its smallest eigenvalue is
 * >= -1e-12 times its largest. om, ev, ework: scratch of k*k, k, 3k. */
static folio_status bl_check_omega_psd(const char *who, size_t k, const double *omega, size_t ld,
                                       double *om, double *ev, double *ework, folio_error *err) {
  if (k == 0) return FOLIO_OK;
  for (size_t j = 0; j < k; j++)
    for (size_t i = j; i < k; i++) om[i + j * k] = omega[i + j * ld];
  lapack_int ki = (lapack_int)k;
  lapack_int inf = LAPACKE_dsyev_work(LAPACK_COL_MAJOR, 'N', 'L', ki, om, ki, ev, ework, 3 * ki);
  if (inf != 0)
    return folio_error_set(err, FOLIO_ENOTPD, "%s: eigenvalues of omega did not converge (%d)", who,
                           (int)inf);
  double lo = ev[0], hi = ev[k - 1]; /* ascending */
  if (lo < -1e-12 * (hi > 0 ? hi : 0) || (lo < 0 && !(hi > 0)))
    return folio_error_set(err, FOLIO_ENOTPD,
                           "%s: omega is not positive semi-definite (smallest eigenvalue %g, "
                           "largest %g)",
                           who, lo, hi);
  return FOLIO_OK;
}

folio_status folio_black_litterman(size_t n_assets, const double *cov, size_t ld_cov,
                                   const double *pi, const char *const *symbols,
                                   const folio_bl_views *views, const folio_bl_opts *opts,
                                   double *mu_post, double *cov_post, size_t ld_cov_post,
                                   double *weights, double *omega_used, void *work,
                                   folio_bl_info *info, folio_error *err) {
  const char *who = "black_litterman";
  char b1[64];
  size_t n = n_assets;
  if (!cov) return folio_error_set(err, FOLIO_EINVAL, "%s: cov is NULL", who);
  if (!pi) return folio_error_set(err, FOLIO_EINVAL, "%s: pi is NULL", who);
  if (!opts) return folio_error_set(err, FOLIO_EINVAL, "%s: opts is NULL", who);
  if (!mu_post) return folio_error_set(err, FOLIO_EINVAL, "%s: mu_post is NULL", who);
  folio_status st = folio_i_check_cov_shape(who, n, ld_cov, err);
  if (st < 0) return st;
  if (cov_post && ld_cov_post < n)
    return folio_error_set(err, FOLIO_EINVAL, "%s: ld_cov_post %zu < n_assets %zu", who,
                           ld_cov_post, n);
  if (cov_post && ld_cov_post > SIZE_MAX / sizeof(double) / n)
    return folio_error_set(err, FOLIO_EDIM, "%s: ld_cov_post %zu is too large", who, ld_cov_post);
  st = bl_check_shapes(who, n, views, opts, err);
  if (st < 0) return st;
  size_t k = views ? views->n_views : 0;
  const double tau = opts->tau;

  size_t bytes = folio_black_litterman_work_size(n, k);
  if (bytes == 0) return folio_error_set(err, FOLIO_EDIM, "%s: workspace size overflows", who);
  void *mem = work ? work : malloc(bytes);
  if (!mem) return folio_error_set(err, FOLIO_ENOMEM, "%s: out of memory (%zu bytes)", who, bytes);
  folio_i_arena ar = {mem, 0, 0};
  bl_scratch s;
  bl_carve(&ar, n, k, &s);
  const size_t *order = s.order;

  /* ---- validation ---- */
  st = folio_i_symbol_order(n, symbols, who, "symbol", s.sort, s.order, err);
  if (st < 0) goto done;
  for (size_t j = 0; j < n; j++)
    if (!isfinite(pi[j])) {
      st = folio_error_set(err, FOLIO_ENOTFINITE, "%s: pi is not finite (symbol %s: %g)", who,
                           folio_i_symbol(symbols, j, b1, sizeof b1), pi[j]);
      goto done;
    }
  st = check_cov_values(who, n, cov, ld_cov, symbols, err);
  if (st < 0) goto done;
  st = bl_check_views(who, n, views, opts, symbols, err);
  if (st < 0) goto done;
  if (opts->omega == FOLIO_BL_OMEGA_GIVEN) {
    st = bl_check_omega_psd(who, k, views->omega, views->ld_omega, s.om, s.ev, s.ework, err);
    if (st < 0) goto done;
  }

  /* ---- Sigma in symbol order, factorised (repaired if asked) ---- */
  for (size_t q = 0; q < n; q++)
    for (size_t p = q; p < n; p++)
      s.sig[p + q * n] = s.sig[q + p * n] = cov_at(cov, ld_cov, order, p, q);
  folio_repair_info rinfo = {opts->repair, 0, 0.0, NAN, 0.0, 0, 0};
  lapack_int ni = (lapack_int)n;
  for (int attempt = 0;; attempt++) {
    memcpy(s.fac, s.sig, n * n * sizeof(double));
    lapack_int inf = LAPACKE_dpotrf_work(LAPACK_COL_MAJOR, 'L', ni, s.fac, ni);
    if (inf == 0) break;
    if (inf < 0) {
      st = folio_error_set(err, FOLIO_EINVAL, "%s: dpotrf rejected argument %d", who, (int)-inf);
      goto done;
    }
    const char *culprit = folio_i_symbol(symbols, order[inf - 1], b1, sizeof b1);
    if (opts->repair == FOLIO_REPAIR_ERROR || attempt > 0) {
      st = folio_error_set(err, FOLIO_ENOTPD, "%s: cov is not positive definite (symbol %s)%s", who,
                           culprit, attempt > 0 ? " after the repair" : "");
      goto done;
    }
    for (size_t p = 0; p < n; p++) s.osyms[p] = symbols ? symbols[order[p]] : NULL;
    folio_error inner;
    folio_error_clear(&inner);
    st = folio_i_cov_repair(n, s.sig, n, opts->repair, symbols ? s.osyms : NULL, NULL,
                            opts->cancel, &rinfo, &inner);
    if (st < 0) {
      folio_error_set(err, st, "%s: %s", who, inner.message);
      goto done;
    }
  }

  /* ---- the views that carry information, and P' in symbol order ---- */
  size_t m = 0;
  for (size_t r = 0; r < k; r++)
    if (opts->omega != FOLIO_BL_OMEGA_IDZOREK ||
        (views->confidences[r] > 0 && isfinite((1.0 - views->confidences[r]) / views->confidences[r])))
      s.act[m++] = r; /* confidence 0 (or so small that alpha overflows): omega = +inf */
  for (size_t a = 0; a < m; a++)
    for (size_t p = 0; p < n; p++) s.pt[p + a * n] = views->P[s.act[a] + order[p] * views->ld_p];
  for (size_t p = 0; p < n; p++) s.pio[p] = pi[order[p]];
  memcpy(s.muo, s.pio, n * sizeof(double));

  if (m > 0) {
    int mi = (int)m;
    /* B = tau Sigma P' (n x m); A = P B + Omega (m x m, lower triangle used). */
    cblas_dsymm(CblasColMajor, CblasLeft, CblasLower, ni, mi, tau, s.sig, ni, s.pt, ni, 0.0, s.b,
                ni);
    cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, mi, mi, ni, 1.0, s.pt, ni, s.b, ni, 0.0,
                s.a, mi);
    for (size_t a = 0; a < m; a++) {
      double d = s.a[a + a * m]; /* tau p Sigma p' */
      double w;
      if (opts->omega == FOLIO_BL_OMEGA_DEFAULT) {
        w = d;
      } else if (opts->omega == FOLIO_BL_OMEGA_IDZOREK) {
        double c = views->confidences[s.act[a]];
        w = (1.0 - c) / c * d; /* Walters' closed form of Idzorek's method */
      } else {
        w = views->omega[s.act[a] + s.act[a] * views->ld_omega];
      }
      s.d[a] = w;
      if (opts->omega == FOLIO_BL_OMEGA_GIVEN)
        for (size_t b = a; b < m; b++)
          s.a[b + a * m] += views->omega[s.act[b] + s.act[a] * views->ld_omega];
      else
        s.a[a + a * m] += w;
    }
    for (size_t a = 0; a < m; a++)
      if (!isfinite(s.d[a])) {
        st = folio_error_set(err, FOLIO_ENOTFINITE,
                             "%s: the uncertainty of view #%zu overflows (%g)", who,
                             s.act[a] + 1, s.d[a]);
        goto done;
      }
    /* A singular A (views that are not independent, all certain) may factorise
     * to rounding; a pivot below 1e-12 of its diagonal entry counts as failed. */
    for (size_t a = 0; a < m; a++) s.ev[a] = s.a[a + a * m];
    lapack_int inf = LAPACKE_dpotrf_work(LAPACK_COL_MAJOR, 'L', mi, s.a, mi);
    for (size_t a = 0; inf == 0 && a < m; a++)
      if (!(s.a[a + a * m] * s.a[a + a * m] > 1e-12 * s.ev[a])) inf = (lapack_int)a + 1;
    if (inf != 0) {
      st = folio_error_set(err, inf < 0 ? FOLIO_EINVAL : FOLIO_ENOTPD,
                           "%s: P tau Sigma P' + Omega is not positive definite (view #%zu): the "
                           "views are not independent, or certain views contradict",
                           who, inf > 0 ? s.act[inf - 1] + 1 : 0);
      goto done;
    }
    /* x = A^-1 (Q - P Pi); mu = Pi + B x. */
    for (size_t a = 0; a < m; a++) s.x[a] = views->Q[s.act[a]];
    cblas_dgemv(CblasColMajor, CblasTrans, ni, mi, -1.0, s.pt, ni, s.pio, 1, 1.0, s.x, 1);
    inf = LAPACKE_dpotrs_work(LAPACK_COL_MAJOR, 'L', mi, 1, s.a, mi, s.x, mi);
    if (inf != 0) {
      st = folio_error_set(err, FOLIO_EINVAL, "%s: dpotrs rejected argument %d", who, (int)-inf);
      goto done;
    }
    cblas_dgemv(CblasColMajor, CblasNoTrans, ni, mi, 1.0, s.b, ni, s.x, 1, 1.0, s.muo, 1);
  }

  /* ---- weights: (delta Sigma)^-1 mu, normalised to sum 1 ---- */
  double wsum = NAN;
  if (weights) {
    memcpy(s.wo, s.muo, n * sizeof(double));
    lapack_int inf = LAPACKE_dpotrs_work(LAPACK_COL_MAJOR, 'L', ni, 1, s.fac, ni, s.wo, ni);
    if (inf != 0) {
      st = folio_error_set(err, FOLIO_EINVAL, "%s: dpotrs rejected argument %d", who, (int)-inf);
      goto done;
    }
    double sum = 0.0, sabs = 0.0;
    for (size_t p = 0; p < n; p++) {
      s.wo[p] /= opts->risk_aversion;
      sum += s.wo[p];
      sabs += fabs(s.wo[p]);
    }
    if (!isfinite(sum) || !(fabs(sum) > 1e-12 * sabs)) {
      st = folio_error_set(err, FOLIO_EDEGENERATE,
                           "%s: the raw weights (delta Sigma)^-1 mu sum to %g (of gross %g), so "
                           "they cannot be normalised to sum 1",
                           who, sum, sabs);
      goto done;
    }
    wsum = sum;
    for (size_t p = 0; p < n; p++) s.wo[p] /= sum;
  }

  /* ---- cov_post = Sigma + (tau Sigma - D D'), D = B L^-T with A = L L' ---- */
  if (cov_post) {
    for (size_t q = 0; q < n; q++)
      for (size_t p = q; p < n; p++) s.fac[p + q * n] = tau * s.sig[p + q * n];
    if (m > 0) {
      int mi = (int)m;
      cblas_dtrsm(CblasColMajor, CblasRight, CblasLower, CblasTrans, CblasNonUnit, ni, mi, 1.0,
                  s.a, mi, s.b, ni);
      cblas_dsyrk(CblasColMajor, CblasLower, CblasNoTrans, ni, mi, -1.0, s.b, ni, 1.0, s.fac, ni);
    }
  }

  /* ---- the final check: every result is finite (nothing written yet) ---- */
  for (size_t p = 0; p < n; p++) {
    const char *what = !isfinite(s.muo[p])                  ? "posterior return"
                       : weights && !isfinite(s.wo[p])      ? "weight"
                       : NULL;
    for (size_t q = 0; !what && cov_post && q <= p; q++)
      if (!isfinite(s.sig[p + q * n] + s.fac[p + q * n])) what = "posterior cov";
    if (what) {
      st = folio_error_set(err, FOLIO_ENOTFINITE,
                           "%s: %s of %s is not finite (the inputs overflow the computation)", who,
                           what, folio_i_symbol(symbols, order[p], b1, sizeof b1));
      goto done;
    }
  }

  /* ---- outputs (nothing can fail from here on) ---- */
  for (size_t p = 0; p < n; p++) mu_post[order[p]] = s.muo[p];
  if (weights)
    for (size_t p = 0; p < n; p++) weights[order[p]] = s.wo[p];
  if (cov_post)
    for (size_t q = 0; q < n; q++)
      for (size_t p = q; p < n; p++) {
        double v = s.sig[p + q * n] + s.fac[p + q * n];
        cov_post[order[p] + order[q] * ld_cov_post] = v;
        cov_post[order[q] + order[p] * ld_cov_post] = v;
      }
  if (omega_used) {
    for (size_t j = 0; j < k; j++)
      for (size_t i = 0; i < k; i++) omega_used[i + j * k] = 0.0;
    if (opts->omega == FOLIO_BL_OMEGA_GIVEN) {
      for (size_t j = 0; j < k; j++)
        for (size_t i = j; i < k; i++)
          omega_used[i + j * k] = omega_used[j + i * k] = views->omega[i + j * views->ld_omega];
    } else {
      for (size_t r = 0; r < k; r++) omega_used[r + r * k] = INFINITY; /* dropped views */
      for (size_t a = 0; a < m; a++) omega_used[s.act[a] + s.act[a] * k] = s.d[a];
    }
  }
  if (info) {
    info->tau = tau;
    info->risk_aversion = opts->risk_aversion;
    info->omega = opts->omega;
    info->n_views = k;
    info->n_views_used = m;
    info->weight_sum = wsum;
    info->repair = rinfo;
  }

done:
  if (!work) free(mem);
  return st;
}
