/*
 * risk_sizers.c — the risk-based allocators of risk_sizers.h: inverse_vol,
 * min_variance, max_diversification and risk_parity.
 *
 * Every allocator validates its inputs, copies cov into symbol order (full
 * symmetric, leading dimension n) and works only on that copy, so the bits
 * of the result do not depend on the order of the inputs. The two QPs
 * (min_variance, long-only max_diversification) share one exact solver, a
 * primal-dual active-set method on min ½y'Sy s.t. a'y = 1, l <= y <= u;
 * risk_parity is a damped Newton method on Spinu's convex formulation.
 * Why these methods (and not NLopt's SLSQP, which is dense O(n^3) per
 * iteration with tens of iterations and only approximately optimal) is said
 * in docs/lua-api.md.
 */
#include <cblas.h>
#include <lapacke.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "folio/numbers.h"
#include "folio/risk_sizers.h"
#include "folio/panel.h"
#include "internal.h"

/* ==== scratch and the shared prologue ==================================== */

/* Everything an allocator computes with; vectors are in symbol order. */
typedef struct alloc_ctx {
  const char *who;
  size_t n;
  const char *const *symbols; /* input names (may be NULL) */
  folio_i_sym *sort;
  size_t *order;        /* order[p] = input index of the p-th asset in symbol order */
  const char **ssyms;   /* symbols in symbol order (NULL entries without symbols) */
  double *s;            /* cov in symbol order, full symmetric, ld n */
  double *m;            /* factor / free block, ld n (or k) */
  double *lo, *up, *a, *y, *g, *z, *b, *d, *yt, *gt, *sd;
  int *act, *act2;
  size_t *fidx;
  folio_repair_info rinfo;
  folio_i_meter meter;  /* opts->cancel (never cancelled for inverse_vol) */
} alloc_ctx;

static void alloc_carve(folio_i_arena *ar, size_t n, alloc_ctx *c) {
  c->sort = folio_i_take(ar, n, sizeof(folio_i_sym));
  c->order = folio_i_take(ar, n, sizeof(size_t));
  c->ssyms = folio_i_take(ar, n, sizeof(const char *));
  c->s = folio_i_take_mat(ar, n, n, sizeof(double));
  c->m = folio_i_take_mat(ar, n, n, sizeof(double));
  double **vecs[] = {&c->lo, &c->up, &c->a, &c->y, &c->g, &c->b, &c->d, &c->yt, &c->gt, &c->sd};
  for (size_t k = 0; k < sizeof vecs / sizeof *vecs; k++) *vecs[k] = folio_i_take(ar, n, sizeof(double));
  c->z = folio_i_take(ar, 2 * n + 2, sizeof(double)); /* two right-hand sides */
  c->act = folio_i_take(ar, n, sizeof(int));
  c->act2 = folio_i_take(ar, n, sizeof(int));
  c->fidx = folio_i_take(ar, n, sizeof(size_t));
}

size_t folio_risk_sizer_work_size(size_t n_assets) {
  folio_i_arena ar = {NULL, 0, 0};
  alloc_ctx c;
  alloc_carve(&ar, n_assets, &c);
  return ar.overflow ? 0 : ar.used;
}

folio_risk_sizer_opts folio_risk_sizer_defaults(void) {
  folio_risk_sizer_opts o = {1, NULL, NULL, NULL, FOLIO_REPAIR_ERROR, 1e-12, 200, NULL};
  return o;
}

/* Name of the asset at symbol-order position p. */
static const char *pname(const alloc_ctx *c, size_t p, char *buf, size_t size) {
  return folio_i_symbol(c->symbols, c->order[p], buf, size);
}

/* Argument checks common to all allocators (before any memory is touched). */
static folio_status check_shape(const char *who, size_t n, const double *cov, size_t ld,
                                const double *weights, folio_error *err) {
  if (!cov) return folio_error_set(err, FOLIO_EINVAL, "%s: cov is NULL", who);
  if (!weights) return folio_error_set(err, FOLIO_EINVAL, "%s: weights is NULL", who);
  return folio_i_check_cov_shape(who, n, ld, err);
}

/* Symbol order (duplicates and empty names are errors); identity without symbols. */
static folio_status make_order(alloc_ctx *c, folio_error *err) {
  folio_status st =
      folio_i_symbol_order(c->n, c->symbols, c->who, "symbol", c->sort, c->order, err);
  if (st < 0) return st;
  for (size_t p = 0; p < c->n; p++) c->ssyms[p] = c->symbols ? c->symbols[c->order[p]] : NULL;
  return FOLIO_OK;
}

/* Copies cov into c->s in symbol order, checking finiteness, variances > 0
 * (diag_only: only the diagonal is read) and symmetry. c->sd = sqrt(diag). */
static folio_status gather_cov(alloc_ctx *c, const double *cov, size_t ld, int diag_only,
                               folio_error *err) {
  size_t n = c->n;
  char b1[64], b2[64];
  for (size_t p = 0; p < n; p++) {
    size_t i = c->order[p];
    double v = cov[i + i * ld];
    if (!isfinite(v))
      return folio_error_set(err, FOLIO_ENOTFINITE, "%s: cov is not finite (symbol %s, %s: %g)",
                             c->who, pname(c, p, b1, sizeof b1), pname(c, p, b2, sizeof b2), v);
  }
  if (!diag_only) {
    for (size_t q = 0; q < n; q++)
      for (size_t p = 0; p < n; p++) {
        double v = cov[c->order[p] + c->order[q] * ld];
        if (!isfinite(v))
          return folio_error_set(err, FOLIO_ENOTFINITE, "%s: cov is not finite (symbol %s, %s: %g)",
                                 c->who, pname(c, p, b1, sizeof b1), pname(c, q, b2, sizeof b2), v);
      }
  }
  for (size_t p = 0; p < n; p++) {
    size_t i = c->order[p];
    double v = cov[i + i * ld];
    if (v == 0.0)
      return folio_error_set(err, FOLIO_EDEGENERATE, "%s: cov has zero variance (symbol %s)",
                             c->who, pname(c, p, b1, sizeof b1));
    if (v < 0.0)
      return folio_error_set(err, FOLIO_ENOTPD, "%s: cov has a negative variance (symbol %s: %g)",
                             c->who, pname(c, p, b1, sizeof b1), v);
    if (!folio_i_in_domain(FOLIO_DOMAIN_VARIANCE, v)) /* the name formatted only for the message */
      return folio_check_number(FOLIO_DOMAIN_VARIANCE, v, c->who, "cov variance",
                                pname(c, p, b1, sizeof b1), err);
    c->sd[p] = sqrt(v);
    c->s[p + p * n] = v;
  }
  if (diag_only) return FOLIO_OK;
  for (size_t q = 0; q < n; q++) {
    size_t j = c->order[q];
    for (size_t p = q + 1; p < n; p++) {
      size_t i = c->order[p];
      double x = cov[i + j * ld], yv = cov[j + i * ld]; /* x: row of the later symbol */
      if (!(fabs(x) <= FOLIO_MAX_COV) || !(fabs(yv) <= FOLIO_MAX_COV)) {
        char what[160];
        snprintf(what, sizeof what, "cov entry (symbols %s, %s)", pname(c, q, b1, sizeof b1),
                 pname(c, p, b2, sizeof b2));
        return folio_check_number(FOLIO_DOMAIN_COV, fabs(x) <= FOLIO_MAX_COV ? yv : x, c->who,
                                  what, NULL, err);
      }
      if (fabs(x - yv) > 1e-10 * c->sd[p] * c->sd[q])
        return folio_error_set(err, FOLIO_ENOTSYM,
                               "%s: cov is not symmetric (symbols %s and %s: %.17g vs %.17g)",
                               c->who, pname(c, q, b1, sizeof b1), pname(c, p, b2, sizeof b2), yv, x);
      c->s[p + q * n] = x;
      c->s[q + p * n] = x;
    }
  }
  return FOLIO_OK;
}

/* Cholesky of c->s into c->m (lower). On failure: FOLIO_ENOTPD naming the
 * symbol, or, with a repair method, folio_cov_repair on c->s and a retry. */
static folio_status factor_cov(alloc_ctx *c, folio_repair repair, folio_error *err) {
  size_t n = c->n;
  lapack_int ni = (lapack_int)n;
  char b1[64];
  memset(&c->rinfo, 0, sizeof c->rinfo);
  c->rinfo.method = repair;
  c->rinfo.min_eigenvalue = NAN;
  memcpy(c->m, c->s, n * n * sizeof(double));
  lapack_int inf = LAPACKE_dpotrf_work(LAPACK_COL_MAJOR, 'L', ni, c->m, ni);
  if (inf == 0) return FOLIO_OK;
  if (inf < 0)
    return folio_error_set(err, FOLIO_EINVAL, "%s: dpotrf rejected argument %d", c->who, (int)-inf);
  if (repair == FOLIO_REPAIR_ERROR)
    return folio_error_set(err, FOLIO_ENOTPD, "%s: cov is not positive definite (symbol %s)", c->who,
                           pname(c, (size_t)inf - 1, b1, sizeof b1));
  folio_error inner;
  folio_error_clear(&inner);
  folio_status st = folio_i_cov_repair(n, c->s, n, repair, c->symbols ? c->ssyms : NULL, NULL,
                                       c->meter.cancel, &c->rinfo, &inner);
  if (st < 0) return folio_error_set(err, st, "%s: %s", c->who, inner.message);
  for (size_t p = 0; p < n; p++) c->sd[p] = sqrt(c->s[p + p * n]);
  memcpy(c->m, c->s, n * n * sizeof(double));
  inf = LAPACKE_dpotrf_work(LAPACK_COL_MAJOR, 'L', ni, c->m, ni);
  if (inf != 0)
    return folio_error_set(err, FOLIO_ENOTPD,
                           "%s: cov is not positive definite after the %s repair (symbol %s)",
                           c->who, folio_repair_name(repair),
                           pname(c, inf > 0 ? (size_t)inf - 1 : 0, b1, sizeof b1));
  return FOLIO_OK;
}

/* Sets up c (workspace carved, symbol order, cov gathered). mem_out receives
 * the block to free (NULL when the caller's work was used). */
static folio_status setup(alloc_ctx *c, const char *who, size_t n, const double *cov, size_t ld,
                          const char *const *symbols, int diag_only, void *work, void **mem_out,
                          folio_error *err) {
  *mem_out = NULL;
  size_t bytes = folio_risk_sizer_work_size(n);
  if (bytes == 0) return folio_error_set(err, FOLIO_EDIM, "%s: workspace size overflows", who);
  void *mem = folio_i_workspace(work, bytes, mem_out);
  if (!mem) return folio_error_set(err, FOLIO_ENOMEM, "%s: out of memory (%zu bytes)", who, bytes);
  folio_i_arena ar = {mem, 0, 0};
  alloc_carve(&ar, n, c);
  c->who = who;
  c->n = n;
  c->symbols = symbols;
  c->meter = folio_i_meter_of(NULL);
  memset(&c->rinfo, 0, sizeof c->rinfo);
  c->rinfo.min_eigenvalue = NAN;
  folio_status st = make_order(c, err);
  if (st < 0) return st;
  return gather_cov(c, cov, ld, diag_only, err);
}

/* Weights w (symbol order, in c->yt) -> outputs in input order, with
 * risk contributions, variance and diversification ratio (g = S w in c->gt). */
static folio_status finish(alloc_ctx *c, const double *w, double *weights, double *risk_contrib,
                           folio_risk_sizer_info *info, folio_error *err) {
  size_t n = c->n;
  char b1[64];
  cblas_dsymv(CblasColMajor, CblasLower, (int)n, 1.0, c->s, (int)n, w, 1, 0.0, c->gt, 1);
  double var = 0.0, ws = 0.0;
  for (size_t p = 0; p < n; p++) {
    var += w[p] * c->gt[p];
    ws += w[p] * c->sd[p];
  }
  /* The final check: finite weights, a variance > 0 (so that the risk
   * contributions and the diversification ratio exist) and finite ratios;
   * nothing is written before it passes. */
  for (size_t p = 0; p < n; p++)
    if (!isfinite(w[p]) || !isfinite(c->gt[p]))
      return folio_error_set(err, FOLIO_ENOTFINITE,
                             "%s: weight of %s is %s (the inputs overflow the computation)",
                             c->who, pname(c, p, b1, sizeof b1),
                             isnan(w[p]) || isnan(c->gt[p]) ? "NaN" : "inf");
  if (!(var > 0) || !isfinite(var) || !isfinite(ws / sqrt(var)))
    return folio_error_set(err, FOLIO_EDEGENERATE,
                           "%s: the portfolio variance is %g: no risk contributions or "
                           "diversification ratio exist",
                           c->who, var);
  for (size_t p = 0; p < n; p++)
    if (!isfinite(w[p] * c->gt[p] / var))
      return folio_error_set(err, FOLIO_ENOTFINITE,
                             "%s: risk contribution of %s is not finite (the inputs overflow the "
                             "computation)",
                             c->who, pname(c, p, b1, sizeof b1));
  for (size_t p = 0; p < n; p++) {
    weights[c->order[p]] = w[p];
    if (risk_contrib) risk_contrib[c->order[p]] = var > 0 ? w[p] * c->gt[p] / var : NAN;
  }
  if (info) {
    info->variance = var;
    info->diversification_ratio = var > 0 ? ws / sqrt(var) : NAN;
    info->repair = c->rinfo;
  }
  return FOLIO_OK;
}

/* Records how the weights were found (info may be NULL); the caller sets
 * info->objective, which differs by allocator. */
static void note_solver(folio_risk_sizer_info *info, const char *method, int iterations,
                        int converged) {
  if (!info) return;
  info->method = method;
  info->iterations = iterations;
  info->converged = converged;
}

/* ==== inverse_vol ======================================================== */

folio_status folio_inverse_vol(size_t n_assets, const double *cov, size_t ld_cov,
                               const char *const *symbols, double *weights, double *risk_contrib,
                               folio_risk_sizer_info *info, folio_error *err) {
  const char *who = "inverse_vol";
  folio_status st = check_shape(who, n_assets, cov, ld_cov, weights, err);
  if (st < 0) return st;
  alloc_ctx c;
  void *mem;
  st = setup(&c, who, n_assets, cov, ld_cov, symbols, risk_contrib == NULL, NULL, &mem, err);
  if (st < 0) goto done;
  size_t n = n_assets;
  double sum = 0.0;
  for (size_t p = 0; p < n; p++) sum += 1.0 / c.sd[p];
  for (size_t p = 0; p < n; p++) c.yt[p] = (1.0 / c.sd[p]) / sum;
  if (risk_contrib) {
    st = finish(&c, c.yt, weights, risk_contrib, info, err);
    if (st < 0) goto done;
  } else { /* only the diagonal was read: no variance to report */
    for (size_t p = 0; p < n; p++) weights[c.order[p]] = c.yt[p];
    if (info) {
      info->variance = NAN;
      info->diversification_ratio = NAN;
      info->repair = c.rinfo;
    }
  }
  note_solver(info, "closed_form", 0, 1);
  if (info) info->objective = info->variance;
done:
  free(mem);
  return st;
}

/* ==== the active-set QP ================================================== */

/*
 * min ½ y'Sy s.t. a'y = 1, lo <= y <= up (S positive definite, c->m its
 * Cholesky factor on entry; a has no zero entry). Primal-dual active set
 * (Hintermüller, Ito & Kunisch 2003): act[i] = -1 (at lo), +1 (at up) or 0
 * (free). Each step solves the equality QP on the free set F,
 *   S_FF y_F + ν a_F = -S_FA y_A,  a_F'y_F = 1 - a_A'y_A,
 * by Cholesky of S_FF with two right-hand sides, takes the multipliers
 * m_i = (Sy)_i + ν a_i on the bound set, and sets the new active sets to
 * the free variables outside their bounds plus the bound ones whose
 * multiplier has the right sign (m_i > 0 at lo, m_i < 0 at up). When the
 * sets repeat, primal feasibility, dual feasibility and complementarity
 * hold exactly: the KKT point, unique by strict convexity. Result in c->y.
 */
static folio_status qp_solve(alloc_ctx *c, int max_iter, int *iters, int *closed,
                             folio_error *err) {
  size_t n = c->n;
  lapack_int ni = (lapack_int)n;
  double *s = c->s, *y = c->y, *a = c->a, *lo = c->lo, *up = c->up, *z = c->z, *m = c->m;
  int *act = c->act, *nxt = c->act2;
  /* Start: the equality-only solution y = S^-1 a / a'S^-1 a. */
  memcpy(z, a, n * sizeof(double));
  LAPACKE_dpotrs_work(LAPACK_COL_MAJOR, 'L', ni, 1, m, ni, z, ni);
  double az = 0.0;
  for (size_t p = 0; p < n; p++) az += a[p] * z[p];
  int any = 0;
  for (size_t p = 0; p < n; p++) {
    y[p] = z[p] / az;
    act[p] = y[p] < lo[p] ? -1 : y[p] > up[p] ? 1 : 0;
    any |= act[p] != 0;
  }
  *iters = 0;
  *closed = !any;
  if (!any) return FOLIO_OK;

  for (int it = 1; it <= max_iter; it++) {
    *iters = it;
    size_t k = 0;
    double rest = 1.0; /* 1 - a_A'y_A */
    for (size_t p = 0; p < n; p++) {
      if (act[p] == 0) {
        c->fidx[k++] = p;
      } else {
        y[p] = act[p] < 0 ? lo[p] : up[p];
        rest -= a[p] * y[p];
      }
    }
    double nu = 0.0;
    if (k == 0) {
      /* every variable at a bound: optimal only if that point is feasible;
       * else release the side that can move toward a'y = 1 */
      if (fabs(rest) <= 1e-12) {
        /* the only feasible point left (sum of lower or of upper bounds is 1) */
        return FOLIO_OK;
      }
      for (size_t p = 0; p < n; p++)
        if ((rest > 0 && act[p] < 0) || (rest < 0 && act[p] > 0)) act[p] = 0;
      continue;
    }
    /* Free block and the two right-hand sides: -S_FA y_A and a_F. */
    lapack_int ki = (lapack_int)k;
    double *r1 = z, *r2 = z + k;
    for (size_t q = 0; q < k; q++) {
      size_t pq = c->fidx[q];
      const double *col = s + pq * n;
      double *dst = m + q * k;
      for (size_t r = q; r < k; r++) dst[r] = col[c->fidx[r]];
      double acc = 0.0;
      for (size_t p = 0; p < n; p++)
        if (act[p] != 0) acc += col[p] * y[p];
      r1[q] = -acc;
      r2[q] = a[pq];
    }
    lapack_int inf = LAPACKE_dpotrf_work(LAPACK_COL_MAJOR, 'L', ki, m, ki);
    if (inf != 0)
      return folio_error_set(err, FOLIO_ENOTPD,
                             "%s: a principal block of cov is not positive definite", c->who);
    LAPACKE_dpotrs_work(LAPACK_COL_MAJOR, 'L', ki, 2, m, ki, z, ki);
    double a1 = 0.0, a2 = 0.0;
    for (size_t q = 0; q < k; q++) {
      a1 += a[c->fidx[q]] * r1[q];
      a2 += a[c->fidx[q]] * r2[q];
    }
    nu = (a1 - rest) / a2;
    for (size_t q = 0; q < k; q++) y[c->fidx[q]] = r1[q] - nu * r2[q];
    cblas_dsymv(CblasColMajor, CblasLower, (int)n, 1.0, s, (int)n, y, 1, 0.0, c->g, 1);
    int same = 1;
    for (size_t p = 0; p < n; p++) {
      int na;
      if (act[p] == 0) {
        na = y[p] < lo[p] ? -1 : y[p] > up[p] ? 1 : 0;
      } else {
        double mult = c->g[p] + nu * a[p];
        na = act[p] < 0 ? (mult > 0 ? -1 : 0) : (mult < 0 ? 1 : 0);
      }
      nxt[p] = na;
      same &= na == act[p];
    }
    if (same) return FOLIO_OK;
    memcpy(act, nxt, n * sizeof(int));
    if (folio_i_cancelled(&c->meter, (double)k * k * k / 3 + 4.0 * (double)n * n))
      return folio_error_set(err, FOLIO_ECANCELED, "%s: cancelled at active-set iteration %d",
                             c->who, it);
  }
  return folio_error_set(err, FOLIO_EDEGENERATE,
                         "%s: the active-set method did not converge in %d iterations", c->who,
                         max_iter);
}

static folio_status check_opts(const char *who, const folio_risk_sizer_opts *o, folio_error *err) {
  if (!o) return folio_error_set(err, FOLIO_EINVAL, "%s: opts is NULL", who);
  if (o->long_only != 0 && o->long_only != 1)
    return folio_error_set(err, FOLIO_EINVAL, "%s: long_only must be 0 or 1 (got %d)", who,
                           o->long_only);
  if ((unsigned)o->repair > FOLIO_REPAIR_HIGHAM)
    return folio_error_set(err, FOLIO_EINVAL, "%s: unknown repair method %d", who, (int)o->repair);
  if (o->max_iter < 1)
    return folio_error_set(err, FOLIO_EINVAL, "%s: max_iter must be >= 1 (got %d)", who,
                           o->max_iter);
  return FOLIO_OK;
}

/* check_shape, then check_opts: the argument checks of the allocators that
 * take options. */
static folio_status check_args(const char *who, size_t n, const double *cov, size_t ld,
                               const double *weights, const folio_risk_sizer_opts *o,
                               folio_error *err) {
  folio_status st = check_shape(who, n, cov, ld, weights, err);
  if (st == FOLIO_OK) st = check_opts(who, o, err);
  return st;
}

/* Bounds in symbol order into c->lo / c->up, with the feasibility checks. */
static folio_status load_bounds(alloc_ctx *c, const folio_risk_sizer_opts *o, folio_error *err) {
  char b1[64];
  size_t n = c->n;
  double slo = 0.0, sup = 0.0;
  for (size_t p = 0; p < n; p++) {
    size_t i = c->order[p];
    double l = o->lower ? o->lower[i] : (o->long_only ? 0.0 : -INFINITY);
    double u = o->upper ? o->upper[i] : INFINITY;
    if (isnan(l) || isnan(u))
      return folio_error_set(err, FOLIO_EINVAL, "%s: %s bound is NaN (symbol %s)", c->who,
                             isnan(l) ? "lower" : "upper", pname(c, p, b1, sizeof b1));
    if (l == INFINITY || u == -INFINITY)
      return folio_error_set(err, FOLIO_EINVAL, "%s: %s bound is %s (symbol %s)", c->who,
                             l == INFINITY ? "lower" : "upper", l == INFINITY ? "+inf" : "-inf",
                             pname(c, p, b1, sizeof b1));
    if (o->long_only && l < 0)
      return folio_error_set(err, FOLIO_EINVAL,
                             "%s: lower bound %g < 0 with long_only (symbol %s)", c->who, l,
                             pname(c, p, b1, sizeof b1));
    if (l > u)
      return folio_error_set(err, FOLIO_EINVAL, "%s: lower bound %g > upper bound %g (symbol %s)",
                             c->who, l, u, pname(c, p, b1, sizeof b1));
    c->lo[p] = l;
    c->up[p] = u;
    slo += l;
    sup += u;
  }
  if (slo > 1.0 + 1e-12)
    return folio_error_set(err, FOLIO_EINVAL,
                           "%s: infeasible bounds: the lower bounds sum to %.17g > 1", c->who, slo);
  if (sup < 1.0 - 1e-12)
    return folio_error_set(err, FOLIO_EINVAL,
                           "%s: infeasible bounds: the upper bounds sum to %.17g < 1", c->who, sup);
  return FOLIO_OK;
}

/* The tail of the two QP allocators: solves the QP loaded into c, scales its
 * solution to sum to 1 and writes the outputs and info (but info->objective).
 * check_sum (max_diversification): a sum that is not finite and > 0 has no
 * maximiser with weights summing to 1 (FOLIO_EDEGENERATE). */
static folio_status qp_weights(alloc_ctx *c, const folio_risk_sizer_opts *o, int check_sum,
                               double *weights, double *risk_contrib, folio_risk_sizer_info *info,
                               folio_error *err) {
  size_t n = c->n;
  int iters = 0, closed = 0;
  folio_status st = qp_solve(c, o->max_iter, &iters, &closed, err);
  if (st < 0) return st;
  double sum = 0.0;
  for (size_t p = 0; p < n; p++) sum += c->y[p];
  if (check_sum && (!(sum > 0) || !isfinite(sum)))
    return folio_error_set(err, FOLIO_EDEGENERATE,
                           "%s: the most diversified direction has weights summing to %g: no "
                           "long/short maximiser with weights summing to 1",
                           c->who, sum);
  for (size_t p = 0; p < n; p++) c->yt[p] = c->y[p] / sum;
  folio_status fst = finish(c, c->yt, weights, risk_contrib, info, err);
  if (fst < 0) return fst;
  note_solver(info, closed ? "closed_form" : "active_set", iters, 1);
  return st;
}

/* ==== min_variance and max_diversification =============================== */

/* The body of both QP allocators: min_variance (maxdiv 0: a = 1 and the
 * caller's bounds, objective the variance) or max_diversification (maxdiv 1:
 * a = sd, no bounds but long_only, objective the diversification ratio). */
static folio_status qp_allocate(const char *who, int maxdiv, size_t n_assets, const double *cov,
                                size_t ld_cov, const char *const *symbols,
                                const folio_risk_sizer_opts *opts, double *weights,
                                double *risk_contrib, void *work, folio_risk_sizer_info *info,
                                folio_error *err) {
  folio_status st = check_args(who, n_assets, cov, ld_cov, weights, opts, err);
  if (st < 0) return st;
  if (maxdiv && (opts->lower || opts->upper))
    return folio_error_set(err, FOLIO_EINVAL,
                           "%s: bounds are not supported (only long_only w >= 0 or unbounded "
                           "long/short; see risk_sizers.h)",
                           who);
  alloc_ctx c;
  void *mem;
  st = setup(&c, who, n_assets, cov, ld_cov, symbols, 0, work, &mem, err);
  c.meter = folio_i_meter_of(opts->cancel);
  if (st == FOLIO_OK && !maxdiv) st = load_bounds(&c, opts, err);
  if (st == FOLIO_OK && folio_i_cancel_now(&c.meter)) /* before the first O(n^3) step */
    st = folio_error_set(err, FOLIO_ECANCELED, "%s: cancelled before factorising cov", who);
  if (st == FOLIO_OK) st = factor_cov(&c, opts->repair, err);
  if (st < 0) goto done;
  size_t n = n_assets;
  for (size_t p = 0; p < n; p++) {
    if (!maxdiv) {
      c.a[p] = 1.0;
      continue;
    }
    c.a[p] = c.sd[p];
    c.lo[p] = opts->long_only ? 0.0 : -INFINITY;
    c.up[p] = INFINITY;
  }
  st = qp_weights(&c, opts, maxdiv, weights, risk_contrib, info, err);
  if (st >= 0 && info) info->objective = maxdiv ? info->diversification_ratio : info->variance;
done:
  free(mem);
  return st;
}

folio_status folio_min_variance(size_t n_assets, const double *cov, size_t ld_cov,
                                const char *const *symbols, const folio_risk_sizer_opts *opts,
                                double *weights, double *risk_contrib, void *work,
                                folio_risk_sizer_info *info, folio_error *err) {
  return qp_allocate("min_variance", 0, n_assets, cov, ld_cov, symbols, opts, weights,
                     risk_contrib, work, info, err);
}

folio_status folio_max_diversification(size_t n_assets, const double *cov, size_t ld_cov,
                                       const char *const *symbols, const folio_risk_sizer_opts *opts,
                                       double *weights, double *risk_contrib, void *work,
                                       folio_risk_sizer_info *info, folio_error *err) {
  return qp_allocate("max_diversification", 1, n_assets, cov, ld_cov, symbols, opts, weights,
                     risk_contrib, work, info, err);
}

/* ==== risk_parity ======================================================== */

/* f(y) = ½ y'Sy − Σ b log y with g = Sy given. */
static double rp_objective(size_t n, const double *y, const double *g, const double *b) {
  double q = 0.0, l = 0.0;
  for (size_t p = 0; p < n; p++) {
    q += y[p] * g[p];
    l += b[p] * log(y[p]);
  }
  return 0.5 * q - l;
}

/* max_i |y_i g_i − b_i| */
static double rp_residual(size_t n, const double *y, const double *g, const double *b) {
  double r = 0.0;
  for (size_t p = 0; p < n; p++) {
    double e = fabs(y[p] * g[p] - b[p]);
    if (e > r || isnan(e)) r = e;
  }
  return r;
}

folio_status folio_risk_parity(size_t n_assets, const double *cov, size_t ld_cov,
                               const char *const *symbols, const folio_risk_sizer_opts *opts,
                               double *weights, double *risk_contrib, void *work,
                               folio_risk_sizer_info *info, folio_error *err) {
  const char *who = "risk_parity";
  folio_status st = check_args(who, n_assets, cov, ld_cov, weights, opts, err);
  if (st < 0) return st;
  if (!opts->long_only)
    return folio_error_set(err, FOLIO_EINVAL, "%s: risk parity is long-only (long_only must be 1)",
                           who);
  if (opts->lower || opts->upper)
    return folio_error_set(err, FOLIO_EINVAL, "%s: bounds are not supported", who);
  if (!(opts->tol > 0) || !isfinite(opts->tol))
    return folio_error_set(err, FOLIO_EINVAL, "%s: tol must be finite and > 0 (got %g)", who,
                           opts->tol);
  alloc_ctx c;
  void *mem;
  st = setup(&c, who, n_assets, cov, ld_cov, symbols, 0, work, &mem, err);
  if (st < 0) goto done;
  c.meter = folio_i_meter_of(opts->cancel);
  size_t n = n_assets;
  lapack_int ni = (lapack_int)n;
  double dn = (double)n;
  char b1[64];
  /* Budgets in symbol order. */
  double bsum = 0.0;
  for (size_t p = 0; p < n; p++) {
    double bp = opts->budgets ? opts->budgets[c.order[p]] : 1.0 / (double)n;
    if (!(bp > 0) || !isfinite(bp)) {
      st = folio_error_set(err, FOLIO_EINVAL, "%s: risk budget must be finite and > 0 (symbol %s: %g)",
                           who, pname(&c, p, b1, sizeof b1), bp);
      goto done;
    }
    c.b[p] = bp;
    bsum += bp;
  }
  if (opts->budgets && fabs(bsum - 1.0) > 1e-12) {
    st = folio_error_set(err, FOLIO_EINVAL, "%s: risk budgets sum to %.17g, not 1", who, bsum);
    goto done;
  }
  if (folio_i_cancel_now(&c.meter)) { /* before the first O(n^3) step */
    st = folio_error_set(err, FOLIO_ECANCELED, "%s: cancelled before factorising cov", who);
    goto done;
  }
  st = factor_cov(&c, opts->repair, err);
  if (st < 0) goto done;
  if (folio_i_cancelled(&c.meter, dn * dn * dn / 3)) {
    st = folio_error_set(err, FOLIO_ECANCELED, "%s: cancelled after factorising cov", who);
    goto done;
  }

  double *s = c.s, *y = c.y, *g = c.g, *b = c.b, *d = c.d, *yt = c.yt, *gt = c.gt;
  /* Start: inverse volatility, scaled to minimise f along its ray. */
  for (size_t p = 0; p < n; p++) y[p] = 1.0 / c.sd[p];
  cblas_dsymv(CblasColMajor, CblasLower, (int)n, 1.0, s, (int)n, y, 1, 0.0, g, 1);
  double q = 0.0, bt = 0.0;
  for (size_t p = 0; p < n; p++) {
    q += y[p] * g[p];
    bt += b[p];
  }
  double t = sqrt(bt / q);
  for (size_t p = 0; p < n; p++) {
    y[p] *= t;
    g[p] *= t;
  }
  double res = rp_residual(n, y, g, b);
  int it = 0, converged = res <= opts->tol;
  const char *method = "newton";
  /* Damped Newton. */
  while (!converged && it < opts->max_iter) {
    it++;
    memcpy(c.m, s, n * n * sizeof(double));
    for (size_t p = 0; p < n; p++) {
      d[p] = b[p] / y[p] - g[p]; /* -gradient */
      c.m[p + p * n] += b[p] / (y[p] * y[p]);
    }
    if (LAPACKE_dpotrf_work(LAPACK_COL_MAJOR, 'L', ni, c.m, ni) != 0) break;
    double *grad = c.z;
    for (size_t p = 0; p < n; p++) grad[p] = -d[p];
    LAPACKE_dpotrs_work(LAPACK_COL_MAJOR, 'L', ni, 1, c.m, ni, d, ni);
    double slope = 0.0, alpha = 1.0; /* slope = gradient'd < 0 */
    for (size_t p = 0; p < n; p++) {
      slope += grad[p] * d[p];
      if (d[p] < 0) {
        double amax = -0.99 * y[p] / d[p];
        if (amax < alpha) alpha = amax;
      }
    }
    double f0 = rp_objective(n, y, g, b);
    int accepted = 0;
    for (int ls = 0; ls < 60; ls++) {
      for (size_t p = 0; p < n; p++) yt[p] = y[p] + alpha * d[p];
      cblas_dsymv(CblasColMajor, CblasLower, (int)n, 1.0, s, (int)n, yt, 1, 0.0, gt, 1);
      double ft = rp_objective(n, yt, gt, b), rt = rp_residual(n, yt, gt, b);
      if (ft <= f0 + 1e-4 * alpha * slope || rt < res) {
        memcpy(y, yt, n * sizeof(double));
        memcpy(g, gt, n * sizeof(double));
        res = rt;
        accepted = 1;
        break;
      }
      alpha *= 0.5;
      if (folio_i_cancelled(&c.meter, 4.0 * dn * dn)) break; /* reported below */
    }
    converged = res <= opts->tol;
    if (!converged && folio_i_cancelled(&c.meter, dn * dn * dn / 3 + 6.0 * dn * dn)) {
      st = folio_error_set(err, FOLIO_ECANCELED, "%s: cancelled at Newton step %d", who, it);
      goto done;
    }
    if (!accepted) break;
  }
  /* Fallback: cyclical coordinate descent (each y_p the positive root of
   * S_pp y² + c y − b_p = 0, c = Σ_{j≠p} S_pj y_j). */
  if (!converged) {
    method = "coordinate_descent";
    cblas_dsymv(CblasColMajor, CblasLower, (int)n, 1.0, s, (int)n, y, 1, 0.0, g, 1);
    for (int sweep = 0; sweep < 50 * opts->max_iter && !converged; sweep++) {
      it++;
      for (size_t p = 0; p < n; p++) {
        double spp = s[p + p * n], cc = g[p] - spp * y[p];
        double yn = (-cc + sqrt(cc * cc + 4.0 * spp * b[p])) / (2.0 * spp);
        double dy = yn - y[p];
        if (dy != 0.0) cblas_daxpy((int)n, dy, s + p * n, 1, g, 1);
        y[p] = yn;
      }
      cblas_dsymv(CblasColMajor, CblasLower, (int)n, 1.0, s, (int)n, y, 1, 0.0, g, 1);
      res = rp_residual(n, y, g, b);
      converged = res <= opts->tol;
      if (!converged && folio_i_cancelled(&c.meter, 5.0 * dn * dn)) {
        st = folio_error_set(err, FOLIO_ECANCELED, "%s: cancelled at coordinate-descent sweep %d",
                             who, sweep + 1);
        goto done;
      }
    }
  }
  double sum = 0.0;
  for (size_t p = 0; p < n; p++) sum += y[p];
  for (size_t p = 0; p < n; p++) yt[p] = y[p] / sum;
  for (size_t p = 0; p < n; p++)
    if (!(yt[p] > 0) || !isfinite(yt[p])) {
      st = folio_error_set(err, FOLIO_EDEGENERATE, "%s: no finite solution (symbol %s)", who,
                           pname(&c, p, b1, sizeof b1));
      goto done;
    }
  /* finish() overwrites gt with S w; keep y's residual for the report. */
  st = finish(&c, yt, weights, risk_contrib, info, err);
  if (st < 0) goto done;
  if (info) {
    double dev = 0.0;
    for (size_t p = 0; p < n; p++) {
      double rc = yt[p] * c.gt[p] / info->variance, e = fabs(rc - b[p]);
      if (e > dev) dev = e;
    }
    info->objective = dev;
  }
  note_solver(info, method, it, converged);
done:
  free(mem);
  return st;
}
