/*
 * turnover.c — the turnover-budgeted, capacity-capped move towards a
 * composite target, and the exact Euclidean projection onto an L1 ball.
 *
 * In the trade variable d = w - w0 the problem is
 *   min (d - s)' Q (d - s)  s.t.  sum |d_i| <= B,  l <= d <= u
 * with s = t_c - w0 and the box l = -cap - w0, u = cap - w0. Its feasible
 * set is an L1 ball intersected with a box, onto which the Euclidean
 * projection is exact and cheap: d_i(theta) = clip(soft(y_i, theta), l_i, u_i),
 * with theta found by one sort of the breakpoints of the piecewise-linear
 * sum |d_i(theta)|. With Q = I that projection is the answer. With a general
 * Q, accelerated projected gradient (FISTA, O'Donoghue–Candès restarts)
 * identifies the traded set, its signs and the bound set, and an exact
 * solve of the KKT system on that set (one Cholesky of Q_FF) lands on the
 * optimum; the full KKT check certifies it. See docs/lua-api.md
 * (folio.multi_sleeve) for why this beats NLopt's SLSQP/CCSAQ/MMA here.
 */
#include <cblas.h>
#include <lapacke.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "folio/numbers.h"
#include "folio/turnover.h"
#include "folio/panel.h"
#include "internal.h"

folio_turnover_opts folio_turnover_defaults(void) {
  folio_turnover_opts o;
  o.symbols = NULL;
  o.tol = 1e-10;
  o.max_iter = 50000;
  o.cancel = NULL;
  return o;
}

/* ---- L1-ball projection ----------------------------------------------------------- */

static int cmp_desc(const void *pa, const void *pb) {
  double a = *(const double *)pa, b = *(const double *)pb;
  return (a < b) - (a > b);
}

/* theta of the projection of the nonnegative a[0..n) (sorted copy in tmp)
 * onto the L1 ball of radius r, assuming sum a > r >= 0. */
static double l1_theta_sorted(size_t n, double *tmp, double r) {
  qsort(tmp, n, sizeof(double), cmp_desc);
  double cs = 0, theta = tmp[0];
  if (r <= 0) return tmp[0];
  for (size_t k = 0; k < n; k++) {
    cs += tmp[k];
    double th = (cs - r) / (double)(k + 1);
    if (tmp[k] > th) theta = th;
  }
  return theta;
}

static double l1_theta(size_t n, const double *a, double r, double *tmp) {
  memcpy(tmp, a, n * sizeof(double));
  return l1_theta_sorted(n, tmp, r);
}

folio_status folio_l1_ball_project(size_t n, const double *x, double radius, double *y,
                                   double *theta_out, double *work, folio_error *err) {
  folio_error_clear(err);
  if ((!x || !y) && n) return folio_error_set(err, FOLIO_EINVAL, "l1_ball_project: x or y is NULL");
  if (isnan(radius) || radius < 0)
    return folio_error_set(err, FOLIO_EINVAL, "l1_ball_project: radius must be >= 0, got %g", radius);
  double sum = 0;
  for (size_t i = 0; i < n; i++) {
    if (!isfinite(x[i]))
      return folio_error_set(err, FOLIO_ENOTFINITE, "l1_ball_project: x[%zu] is not finite", i);
    sum += fabs(x[i]);
  }
  if (sum <= radius) {
    if (y != x) memcpy(y, x, n * sizeof(double));
    if (theta_out) *theta_out = 0;
    return FOLIO_OK;
  }
  double *own = NULL;
  if (!work) {
    work = own = malloc(n * sizeof(double));
    if (!own) return folio_error_set(err, FOLIO_ENOMEM, "l1_ball_project: out of memory");
  }
  /* |x| sorted descending; theta = (a_1 + ... + a_k - radius) / k for the largest
   * k with a_k > theta_k (radius 0: theta = a_1, the projection is 0) */
  for (size_t i = 0; i < n; i++) work[i] = fabs(x[i]);
  double theta = l1_theta_sorted(n, work, radius);
  for (size_t i = 0; i < n; i++) {
    double m = fabs(x[i]) - theta;
    double v = m > 0 ? m : 0;
    y[i] = x[i] < 0 ? -v : (x[i] > 0 ? v : 0);
  }
  if (theta_out) *theta_out = theta;
  free(own);
  return FOLIO_OK;
}

/* ---- the turnover problem ----------------------------------------------------------- */

typedef struct event {
  double th;
  int type; /* +1: |d_i| starts to shrink, -1: it stops */
} event;

static int cmp_event(const void *pa, const void *pb) {
  const event *a = pa, *b = pb;
  if (a->th != b->th) return (a->th > b->th) - (a->th < b->th);
  return (a->type > b->type) - (a->type < b->type);
}

typedef struct tws {
  size_t n;
  const double *Q; /* dense Q, or NULL with the factor below */
  size_t ld;
  /* Q = alpha I + beta X'X (X: T x n, ld ldx) when Q is NULL */
  const double *X;
  size_t T, ldx;
  double alpha, beta;
  double theta_hint; /* > 0: project_box_l1 may start its sweep near it */
  double *tv, *tu; /* T each: X v and X_bnd d_bnd */
  double *tw;      /* 6 T: the dual point, its Newton step and gradient, a trial point, X(d - s) at both */
  double *xs;      /* T: X s */
  double *yu, *pd; /* 2 n each: s - X'u / alpha at the dual point, X'du / -alpha */
  double *xf;      /* T x n: the free columns of X, gathered */
  double *kt;      /* T x T: the Gram or Woodbury matrix of a polish */
  double *qc;    /* n x n: PSD-check copy, then Q_FF */
  double *lo, *up, *s, *qs, *x, *xp, *yv, *g, *cand, *rhs, *dir, *a, *m, *M;
  event *ev;
  int *state, *pstate;
  size_t *fidx;
  folio_i_meter *meter; /* opts->cancel */
} tws;

size_t folio_turnover_work_size(size_t n_assets) {
  size_t n = n_assets ? n_assets : 1, nn;
  if (folio_i_mul(n, n, &nn) || nn > FOLIO_MAX_ELEMS) return 0;
  folio_i_arena ar = {NULL, 0, 0};
  folio_i_take(&ar, nn, sizeof(double));
  for (int k = 0; k < 16; k++) folio_i_take(&ar, 2 * n, sizeof(double));
  folio_i_take(&ar, 2 * n, sizeof(event));
  folio_i_take(&ar, n, sizeof(int));
  folio_i_take(&ar, n, sizeof(int));
  folio_i_take(&ar, n, sizeof(size_t));
  return ar.overflow ? 0 : ar.used + 64;
}

/* Projection of y onto {sum |d| <= B} ∩ [lo, up] into d (d may alias y);
 * returns theta (> 0 when the L1 constraint is active). */
static double project_box_l1(tws *w, const double *y, double B, double *d) {
  const size_t n = w->n;
  double phi = 0;
  for (size_t i = 0; i < n; i++) {
    double l = w->lo[i], u = w->up[i], dr, a, m, M;
    if (l <= 0 && u >= 0) {
      dr = y[i] > 0 ? 1 : (y[i] < 0 ? -1 : 0);
      a = fabs(y[i]);
      m = 0;
      M = dr > 0 ? u : (dr < 0 ? -l : 0);
    } else if (l > 0) {
      dr = 1, a = y[i], m = l, M = u;
    } else {
      dr = -1, a = -y[i], m = -u, M = -l;
    }
    w->dir[i] = dr, w->a[i] = a, w->m[i] = m, w->M[i] = M;
    double c = a < m ? m : (a > M ? M : a);
    phi += c;
  }
  double theta = 0;
  if (phi > B) {
    /* the sweep may start at any p with phi(p) > B (theta > p): only the
     * breakpoints above p are sorted. With a hint (the dual Newton's last
     * theta) p is just below the answer and few names remain; else p = 0. */
    double p = 0;
    for (int k = 0; k < 2 && w->theta_hint > 0; k++) {
      double pk = (k == 0 ? 0.9 : 0.5) * w->theta_hint, phk = 0;
      for (size_t i = 0; i < n; i++) {
        double v = w->a[i] - pk;
        phk += v < w->m[i] ? w->m[i] : (v > w->M[i] ? w->M[i] : v);
      }
      if (phk > B) {
        p = pk, phi = phk;
        break;
      }
    }
    size_t ne = 0, c = 0;
    for (size_t i = 0; i < n; i++) {
      double t1 = w->a[i] - w->M[i], t2 = w->a[i] - w->m[i];
      if (t2 <= p) continue;          /* never shrinks for theta > p */
      if (t1 > p) w->ev[ne++] = (event){t1, +1};
      else c++;                        /* already shrinking at theta = p+ */
      w->ev[ne++] = (event){t2, -1};
    }
    qsort(w->ev, ne, sizeof(event), cmp_event);
    double tp = p;
    theta = -1;
    for (size_t e = 0; e < ne; e++) {
      double next = phi - (double)c * (w->ev[e].th - tp);
      if (c > 0 && next <= B) {
        theta = tp + (phi - B) / (double)c;
        break;
      }
      phi = next;
      tp = w->ev[e].th;
      c = (size_t)((long long)c + w->ev[e].type);
    }
    if (theta < 0) theta = tp; /* only when sum m >= B: every |d_i| at m_i */
  }
  for (size_t i = 0; i < n; i++) {
    double v = w->a[i] - theta;
    v = v < w->m[i] ? w->m[i] : (v > w->M[i] ? w->M[i] : v);
    d[i] = w->dir[i] * v;
    if (d[i] > w->up[i]) d[i] = w->up[i];
    if (d[i] < w->lo[i]) d[i] = w->lo[i];
  }
  return theta;
}

/* State of a trade: 0 untraded, +-1 free traded (sign), 2 at lo, 3 at up. */
static void classify(const tws *w, const double *d, int *state) {
  for (size_t i = 0; i < w->n; i++) {
    if (d[i] == 0) state[i] = 0;
    else if (d[i] == w->lo[i]) state[i] = 2;
    else if (d[i] == w->up[i]) state[i] = 3;
    else state[i] = d[i] > 0 ? 1 : -1;
  }
}

/* out = c Q v: one dsymv (dense) or two dgemv, O(T n) (factored). */
static void qmul(const tws *w, double c, const double *v, double *out) {
  if (w->Q) {
    cblas_dsymv(CblasColMajor, CblasUpper, (int)w->n, c, w->Q, (int)w->ld, v, 1, 0.0, out, 1);
    return;
  }
  cblas_dgemv(CblasColMajor, CblasNoTrans, (int)w->T, (int)w->n, 1.0, w->X, (int)w->ldx, v, 1, 0.0,
              w->tv, 1);
  for (size_t i = 0; i < w->n; i++) out[i] = c * w->alpha * v[i];
  cblas_dgemv(CblasColMajor, CblasTrans, (int)w->T, (int)w->n, c * w->beta, w->X, (int)w->ldx, w->tv,
              1, 1.0, out, 1);
}

/* g = 2 (Q d - Q s) */
static void gradient(const tws *w, const double *d, double *g) {
  qmul(w, 2.0, d, g);
  for (size_t i = 0; i < w->n; i++) g[i] -= 2.0 * w->qs[i];
}

/* Largest KKT violation of d (with states and multiplier lambda), relative
 * to the gradient's scale. g must hold the gradient at d. */
static double kkt_violation(const tws *w, const double *d, const int *state, const double *g,
                            double lambda) {
  double scale = fabs(lambda);
  for (size_t i = 0; i < w->n; i++)
    if (fabs(g[i]) > scale) scale = fabs(g[i]);
  if (!(scale > 0)) return 0;
  double v = lambda < 0 ? -lambda : 0;
  for (size_t i = 0; i < w->n; i++) {
    double r = 0;
    if (state[i] == 0) {
      if (w->up[i] > 0 && -(g[i] + lambda) > r) r = -(g[i] + lambda);
      if (w->lo[i] < 0 && -(lambda - g[i]) > r) r = -(lambda - g[i]);
    } else if (state[i] == 1 || state[i] == -1) {
      r = fabs(g[i] + lambda * (double)state[i]);
    } else {
      double sg = d[i] > 0 ? 1 : -1;
      int near = (w->lo[i] > 0 && state[i] == 2) || (w->up[i] < 0 && state[i] == 3);
      double q = g[i] * sg + lambda;
      if (near ? q < 0 : q > 0) r = fabs(q);
    }
    if (r > v) v = r;
  }
  return v / scale;
}

/* Applies the factorised (Q_FF)^-1 to r (nf x 2) in place: the direct
 * Cholesky (direct = 1) or the Woodbury form. */
static int factored_apply(tws *w, size_t nf, int direct, double *r) {
  const size_t T = w->T;
  if (direct) return LAPACKE_dpotrs(LAPACK_COL_MAJOR, 'U', (int)nf, 2, w->kt, (int)nf, r, (int)nf) != 0;
  /* (alpha I + beta X_F'X_F)^-1 r = (r - X_F' K^-1 X_F r) / alpha */
  cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, (int)T, 2, (int)nf, 1.0, w->xf, (int)T, r,
              (int)nf, 0.0, w->tv, (int)T);
  if (LAPACKE_dpotrs(LAPACK_COL_MAJOR, 'U', (int)T, 2, w->kt, (int)T, w->tv, (int)T) != 0) return -1;
  cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, (int)nf, 2, (int)T, -1.0, w->xf, (int)T, w->tv,
              (int)T, 1.0, r, (int)nf);
  for (size_t k = 0; k < 2 * nf; k++) r[k] /= w->alpha;
  return 0;
}

/* Solves Q_FF [v1 v2] = [c sigma] in place in rhs (nf x 2) for the factored
 * Q = alpha I + beta X'X: directly (Cholesky of alpha I + beta X_F'X_F, nf^2 T)
 * when nf <= T, else by Woodbury (Cholesky of alpha/beta I + X_F X_F', T^2 nf),
 * with two steps of iterative refinement (the Woodbury form cancels when
 * alpha is small). Scratch: w->M and w->m. Returns 0 on success. */
static int factored_solve(tws *w, size_t nf, double *rhs) {
  const size_t T = w->T;
  if (w->beta == 0) {
    if (!(w->alpha > 0)) return -1;
    for (size_t k = 0; k < 2 * nf; k++) rhs[k] /= w->alpha;
    return 0;
  }
  for (size_t b = 0; b < nf; b++)
    memcpy(w->xf + b * T, w->X + w->fidx[b] * w->ldx, T * sizeof(double)); /* X_F, T x nf */
  int direct = nf <= T || !(w->alpha > 0);
  if (direct) {
    if (nf > T) return -1; /* alpha = 0 and rank-deficient */
    cblas_dsyrk(CblasColMajor, CblasUpper, CblasTrans, (int)nf, (int)T, w->beta, w->xf, (int)T, 0.0,
                w->kt, (int)nf);
    for (size_t b = 0; b < nf; b++) w->kt[b + b * nf] += w->alpha;
    if (LAPACKE_dpotrf(LAPACK_COL_MAJOR, 'U', (int)nf, w->kt, (int)nf) != 0) return -1;
  } else {
    cblas_dsyrk(CblasColMajor, CblasUpper, CblasNoTrans, (int)T, (int)nf, 1.0, w->xf, (int)T, 0.0,
                w->kt, (int)T);
    for (size_t t = 0; t < T; t++) w->kt[t + t * T] += w->alpha / w->beta;
    if (LAPACKE_dpotrf(LAPACK_COL_MAJOR, 'U', (int)T, w->kt, (int)T) != 0) return -1;
  }
  double *r0 = w->M, *res = w->m;
  memcpy(r0, rhs, 2 * nf * sizeof(double));
  if (factored_apply(w, nf, direct, rhs) != 0) return -1;
  for (int pass = 0; pass < 2; pass++) {
    /* res = r0 - alpha v - beta X_F'(X_F v) */
    cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, (int)T, 2, (int)nf, 1.0, w->xf, (int)T,
                rhs, (int)nf, 0.0, w->tv, (int)T);
    for (size_t k = 0; k < 2 * nf; k++) res[k] = r0[k] - w->alpha * rhs[k];
    cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, (int)nf, 2, (int)T, -w->beta, w->xf, (int)T,
                w->tv, (int)T, 1.0, res, (int)nf);
    if (factored_apply(w, nf, direct, res) != 0) return -1;
    for (size_t k = 0; k < 2 * nf; k++) rhs[k] += res[k];
  }
  return 0;
}

/* Exact solve on the active set in `state`. Writes cand and *lambda; returns
 * the KKT violation (relative), or +INFINITY when the set is inconsistent.
 * *formed is set to 1 when cand holds the set's solution (possibly with
 * wrong signs or out of bounds: a point to project and compare). */
static double polish(tws *w, const int *state, double B, double *lambda, int *formed) {
  const size_t n = w->n;
  size_t nf = 0;
  double bfix = 0;
  *formed = 0;
  for (size_t i = 0; i < n; i++) {
    if (state[i] == 1 || state[i] == -1) w->fidx[nf++] = i;
    w->cand[i] = state[i] == 2 ? w->lo[i] : (state[i] == 3 ? w->up[i] : 0);
    if (state[i] >= 2) bfix += fabs(w->cand[i]);
  }
  if (nf == 0) return INFINITY;
  /* the right-hand sides c = (Qs)_F - Q_{F,bnd} d_bnd, sigma_F */
  double *rc = w->rhs, *rs = w->rhs + nf;
  if (w->Q) {
    for (size_t b = 0; b < nf; b++) {
      size_t j = w->fidx[b];
      for (size_t a = 0; a <= b; a++) {
        size_t i = w->fidx[a];
        w->qc[a + b * nf] = i <= j ? w->Q[i + j * w->ld] : w->Q[j + i * w->ld];
      }
      double c = w->qs[j];
      for (size_t k = 0; k < n; k++)
        if (state[k] >= 2) c -= (j <= k ? w->Q[j + k * w->ld] : w->Q[k + j * w->ld]) * w->cand[k];
      rc[b] = c;
      rs[b] = (double)state[j];
    }
    if (LAPACKE_dpotrf(LAPACK_COL_MAJOR, 'U', (int)nf, w->qc, (int)nf) != 0) return INFINITY;
    if (LAPACKE_dpotrs(LAPACK_COL_MAJOR, 'U', (int)nf, 2, w->qc, (int)nf, w->rhs, (int)nf) != 0)
      return INFINITY;
  } else {
    /* Q_{F,bnd} d_bnd = beta X_F' (X_bnd d_bnd): the identity part is off the free set */
    memset(w->tu, 0, w->T * sizeof(double));
    for (size_t k = 0; k < n; k++)
      if (state[k] >= 2) cblas_daxpy((int)w->T, w->cand[k], w->X + k * w->ldx, 1, w->tu, 1);
    for (size_t b = 0; b < nf; b++) {
      size_t j = w->fidx[b];
      rc[b] = w->qs[j] - w->beta * cblas_ddot((int)w->T, w->X + j * w->ldx, 1, w->tu, 1);
      rs[b] = (double)state[j];
    }
    if (factored_solve(w, nf, w->rhs) != 0) return INFINITY;
  }
  double sa = 0, sb = 0;
  for (size_t b = 0; b < nf; b++) {
    double sg = (double)state[w->fidx[b]];
    sa += sg * rc[b];
    sb += sg * rs[b];
  }
  if (!(sb > 0)) return INFINITY;
  double lam = 2.0 * (sa - (B - bfix)) / sb;
  int bad = 0;
  for (size_t b = 0; b < nf; b++) {
    size_t i = w->fidx[b];
    double v = rc[b] - 0.5 * lam * rs[b];
    if ((double)state[i] * v <= 0 || v < w->lo[i] || v > w->up[i]) bad = 1;
    w->cand[i] = v;
  }
  *formed = 1;
  if (bad) return INFINITY;
  gradient(w, w->cand, w->g);
  *lambda = lam;
  return kkt_violation(w, w->cand, state, w->g, lam);
}

static double dmax(double a, double b) { return a > b ? a : b; }

/* ---- the dual of the factored problem --------------------------------------------------
 * With Q = alpha I + beta X'X (alpha, beta > 0) and z = X (d - s), the problem
 * min_{d in C} 1/2 (d - s)'Q(d - s) has the T-dimensional concave dual
 *   D(u) = alpha/2 ||d(u) - s||^2 + u'X(d(u) - s) - ||u||^2 / (2 beta),
 *   d(u) = P_C(s - X'u / alpha)  (the exact projection onto C = L1 ball ∩ box),
 *   grad D(u) = X(d(u) - s) - u / beta,
 * maximised by semismooth Newton: the generalised Hessian is
 * -(X J X' / alpha + I / beta), J = I_F - [theta > 0] sigma_F sigma_F' / |F| the
 * Jacobian of P_C on the free set F: solved in F's space (Woodbury, an
 * |F| x |F| Cholesky) when |F| < T, else as the T x T system. A step costs one
 * pass over X (X'du; the line search moves y = s - X'u / alpha along it and
 * X d runs over d's few nonzeros). d(u*) is the primal optimum; the exact
 * active-set solve on the way certifies it with the full KKT check. */

/* r = X v for the factored Q, as a sum over the nonzeros of v when they are
 * few (a trade touches few names), else one dgemv. */
static void factor_apply_sparse(const tws *w, const double *v, double *r) {
  const size_t n = w->n, T = w->T;
  size_t nnz = 0;
  for (size_t i = 0; i < n; i++) nnz += v[i] != 0;
  if (4 * nnz >= n) {
    cblas_dgemv(CblasColMajor, CblasNoTrans, (int)T, (int)n, 1.0, w->X, (int)w->ldx, v, 1, 0.0, r, 1);
    return;
  }
  memset(r, 0, T * sizeof(double));
  for (size_t i = 0; i < n; i++)
    if (v[i] != 0) cblas_daxpy((int)T, v[i], w->X + i * w->ldx, 1, r, 1);
}

/* The dual at the point whose y = s - X'u / alpha is given: d = P_C(y) in
 * w->x, d - s in w->xp, r = X(d - s) = X d - X s in r (X s in w->xs); returns
 * D(u) and theta. O(n log n + T nnz(d)): no pass over all of X. */
static double dual_eval(tws *w, const double *u, const double *y, double B, double *r,
                        double *theta) {
  const size_t n = w->n, T = w->T;
  *theta = project_box_l1(w, y, B, w->x);
  w->theta_hint = *theta; /* the next trial's theta is close */
  double e2 = 0;
  for (size_t i = 0; i < n; i++) {
    w->xp[i] = w->x[i] - w->s[i];
    e2 += w->xp[i] * w->xp[i];
  }
  factor_apply_sparse(w, w->x, r);
  double ur = 0, uu = 0;
  for (size_t t = 0; t < T; t++) {
    r[t] -= w->xs[t];
    ur += u[t] * r[t], uu += u[t] * u[t];
  }
  return 0.5 * w->alpha * e2 + ur - uu / (2.0 * w->beta);
}

/* The Newton direction du = K^-1 gr, K = X_F J X_F' / alpha + I / beta, for
 * the nf free columns gathered in w->xf with signs sigma in w->a. With
 * Y = X_F J (J the projector, so J = J J): K = I / beta + Y Y' / alpha and
 * by Woodbury K^-1 = beta (I - Y (alpha/beta I + Y'Y)^-1 Y'), an nf x nf
 * Cholesky (one dsyrk of T x nf) when nf < T; else the T x T system.
 * Returns 0 on success. */
static int dual_direction(tws *w, size_t nf, double theta, const double *gr, double *du) {
  const size_t T = w->T;
  if (nf && theta > 0) { /* Y = X_F - (X_F sigma) sigma' / nf */
    cblas_dgemv(CblasColMajor, CblasNoTrans, (int)T, (int)nf, 1.0, w->xf, (int)T, w->a, 1, 0.0, du, 1);
    if (nf < T) cblas_dger(CblasColMajor, (int)T, (int)nf, -1.0 / (double)nf, du, 1, w->a, 1, w->xf, (int)T);
  }
  if (nf < T) {
    double *z = w->g; /* nf: Y' gr, then the solve */
    if (nf) {
      cblas_dsyrk(CblasColMajor, CblasUpper, CblasTrans, (int)nf, (int)T, 1.0, w->xf, (int)T, 0.0, w->kt,
                  (int)nf);
      for (size_t b = 0; b < nf; b++) w->kt[b + b * nf] += w->alpha / w->beta;
      if (LAPACKE_dpotrf(LAPACK_COL_MAJOR, 'U', (int)nf, w->kt, (int)nf) != 0) return -1;
      cblas_dgemv(CblasColMajor, CblasTrans, (int)T, (int)nf, 1.0, w->xf, (int)T, gr, 1, 0.0, z, 1);
      if (LAPACKE_dpotrs(LAPACK_COL_MAJOR, 'U', (int)nf, 1, w->kt, (int)nf, z, (int)nf) != 0) return -1;
    }
    memcpy(du, gr, T * sizeof(double));
    if (nf) cblas_dgemv(CblasColMajor, CblasNoTrans, (int)T, (int)nf, -1.0, w->xf, (int)T, z, 1, 1.0, du, 1);
    cblas_dscal((int)T, w->beta, du, 1);
    return 0;
  }
  /* nf >= T: K = X_F X_F' / alpha - (X_F sigma)(X_F sigma)' / (alpha nf) + I / beta */
  cblas_dsyrk(CblasColMajor, CblasUpper, CblasNoTrans, (int)T, (int)nf, 1.0 / w->alpha, w->xf, (int)T,
              0.0, w->kt, (int)T);
  if (theta > 0)
    cblas_dsyr(CblasColMajor, CblasUpper, (int)T, -1.0 / (w->alpha * (double)nf), du, 1, w->kt, (int)T);
  for (size_t t = 0; t < T; t++) w->kt[t + t * T] += 1.0 / w->beta;
  memcpy(du, gr, T * sizeof(double));
  return LAPACKE_dposv(LAPACK_COL_MAJOR, 'U', (int)T, 1, w->kt, (int)T, du, (int)T) != 0;
}

/* Semismooth Newton on D, certifying on the way: after every step the exact
 * solve on the active set of d(u) (polish) is tried, and the first whose KKT
 * violation is <= tol ends the search (*certified = 1, w->cand and *lambda
 * hold it). u, du, gr, un, r, rn: T each (w->tw). Leaves d(u*) in w->x
 * otherwise; returns the Newton steps taken, or -1 when a system could not
 * be factorised (the caller falls back to projected gradient from w->x). */
static int dual_newton(tws *w, double B, int max_steps, double tol, double *lambda, int *certified,
                       int *polishes) {
  const size_t n = w->n, T = w->T;
  double *u = w->tw, *du = u + T, *gr = du + T, *un = gr + T, *r = un + T, *rn = r + T;
  double *yu = w->yu, *pd = w->pd;
  *certified = 0;
  /* warm start: u = beta X (P_C(s) - s), the dual point of the Euclidean answer */
  cblas_dgemv(CblasColMajor, CblasNoTrans, (int)T, (int)n, 1.0, w->X, (int)w->ldx, w->s, 1, 0.0, w->xs, 1);
  project_box_l1(w, w->s, B, w->x);
  factor_apply_sparse(w, w->x, u);
  for (size_t t = 0; t < T; t++) u[t] = w->beta * (u[t] - w->xs[t]);
  memcpy(yu, w->s, n * sizeof(double));
  cblas_dgemv(CblasColMajor, CblasTrans, (int)T, (int)n, -1.0 / w->alpha, w->X, (int)w->ldx, u, 1, 1.0, yu, 1);
  double theta, Dv = dual_eval(w, u, yu, B, r, &theta);
  for (int k = 0; k < max_steps; k++) {
    double gmax = 0, umax = 0;
    for (size_t t = 0; t < T; t++) {
      gr[t] = r[t] - u[t] / w->beta;
      gmax = dmax(gmax, fabs(gr[t]));
      umax = dmax(umax, fabs(r[t]));
    }
    if (gmax <= 1e-15 * (umax > 0 ? umax : 1)) return k;
    /* a step: passes over X, the T x T Gram of the free columns and its Cholesky */
    double dT = (double)T;
    if (folio_i_cancelled(w->meter, dT * (8.0 * (double)n + (double)n * dT + dT * dT / 3)))
      return -2;
    size_t nf = 0;
    for (size_t i = 0; i < n; i++)
      if (w->x[i] != 0 && w->x[i] != w->lo[i] && w->x[i] != w->up[i]) {
        memcpy(w->xf + nf * T, w->X + i * w->ldx, T * sizeof(double));
        w->a[nf++] = w->x[i] > 0 ? 1.0 : -1.0; /* sigma_F (w->a is free here) */
      }
    if (dual_direction(w, nf, theta, gr, du) != 0) return -1;
    /* along the ray: y(u + t du) = y(u) - t X'du / alpha, one pass over X per step */
    cblas_dgemv(CblasColMajor, CblasTrans, (int)T, (int)n, -1.0 / w->alpha, w->X, (int)w->ldx, du, 1,
                0.0, pd, 1);
    /* Armijo backtracking on the ascent of D */
    double slope = cblas_ddot((int)T, gr, 1, du, 1), step = 1;
    int accepted = 0;
    for (int ls = 0; ls < 40; ls++) {
      for (size_t t = 0; t < T; t++) un[t] = u[t] + step * du[t];
      for (size_t i = 0; i < n; i++) w->yv[i] = yu[i] + step * pd[i];
      double th, Dn = dual_eval(w, un, w->yv, B, rn, &th);
      if (Dn >= Dv + 1e-4 * step * slope || Dn >= Dv) {
        memcpy(u, un, T * sizeof(double));
        memcpy(r, rn, T * sizeof(double));
        memcpy(yu, w->yv, n * sizeof(double));
        if (!(Dn > Dv) && step < 1) accepted = 2; /* no progress left at rounding level */
        else accepted = 1;
        Dv = Dn, theta = th;
        break;
      }
      step *= 0.5;
    }
    if (accepted != 1) {
      dual_eval(w, u, yu, B, r, &theta); /* w->x back to d(u) */
      return k + 1;
    }
    /* the exact solve on d(u)'s active set: the optimum once that set is
     * right, tried (it costs a pass over X, like a step) when the set has
     * settled or a full Newton step was taken */
    classify(w, w->x, w->state);
    int same = k > 0 && memcmp(w->state, w->pstate, n * sizeof(int)) == 0;
    memcpy(w->pstate, w->state, n * sizeof(int));
    if (!same && step < 1) continue;
    (*polishes)++;
    int formed = 0;
    double lam = 0, viol = polish(w, w->state, B, &lam, &formed);
    if (viol <= tol) {
      *lambda = lam;
      *certified = 1;
      return k + 1;
    }
  }
  return max_steps;
}

size_t folio_turnover_factored_work_size(size_t n_assets, size_t n_rows) {
  size_t n = n_assets ? n_assets : 1, T = n_rows ? n_rows : 1, tn, tt;
  if (folio_i_mul(T, n, &tn) || tn > FOLIO_MAX_ELEMS || folio_i_mul(T, T, &tt) || tt > FOLIO_MAX_ELEMS)
    return 0;
  folio_i_arena ar = {NULL, 0, 0};
  for (int k = 0; k < 16; k++) folio_i_take(&ar, 2 * n, sizeof(double));
  folio_i_take(&ar, 2 * n, sizeof(event));
  folio_i_take(&ar, n, sizeof(int));
  folio_i_take(&ar, n, sizeof(int));
  folio_i_take(&ar, n, sizeof(size_t));
  folio_i_take(&ar, tn, sizeof(double)); /* xf */
  folio_i_take(&ar, tt, sizeof(double)); /* kt */
  folio_i_take(&ar, 2 * T, sizeof(double)); /* tv */
  folio_i_take(&ar, T, sizeof(double));     /* tu */
  folio_i_take(&ar, 6 * T, sizeof(double)); /* tw */
  folio_i_take(&ar, T, sizeof(double));     /* xs */
  return ar.overflow ? 0 : ar.used + 64;
}

/* The solver behind both entry points: Q dense (ld_q) or F factored (exactly one). */
static folio_status solve(size_t n_assets, const double *target, const double *current,
                          const double *Q, size_t ld_q, const folio_cov_factor *F,
                          const double *caps, double budget, const folio_turnover_opts *opts,
                          double *w_out, folio_turnover_info *info, void *work, folio_error *err) {
  const char *who = F ? "turnover_factored" : "turnover";
  folio_error_clear(err);
  folio_turnover_opts o = opts ? *opts : folio_turnover_defaults();
  const size_t n = n_assets;
  char b1[64], b2[64];
  if (!target || !current || !w_out)
    return folio_error_set(err, FOLIO_EINVAL, "%s: target, current or w_out is NULL", who);
  if (n == 0) return folio_error_set(err, FOLIO_EEMPTY, "%s: no assets", who);
  if (n > FOLIO_MAX_DIM) return folio_error_set(err, FOLIO_EDIM, "%s: too many assets", who);
  if (isnan(budget) || budget < 0)
    return folio_error_set(err, FOLIO_EINVAL, "%s: budget must be >= 0, got %g", who, budget);
  if (!(o.tol > 0 && o.tol < 1) || o.max_iter < 1)
    return folio_error_set(err, FOLIO_EINVAL, "%s: tol must be in (0, 1) and max_iter >= 1", who);
  if (Q && ld_q < n) return folio_error_set(err, FOLIO_EINVAL, "%s: ld_q %zu < n %zu", who, ld_q, n);
  for (size_t i = 0; i < n; i++) {
    if (!isfinite(target[i]))
      return folio_error_set(err, FOLIO_ENOTFINITE, "%s: target of %s is not finite", who,
                             folio_i_symbol(o.symbols, i, b1, sizeof b1));
    if (!isfinite(current[i]))
      return folio_error_set(err, FOLIO_ENOTFINITE, "%s: current weight of %s is not finite", who,
                             folio_i_symbol(o.symbols, i, b1, sizeof b1));
    if (caps && (isnan(caps[i]) || caps[i] <= 0))
      return folio_error_set(err, FOLIO_EINVAL, "%s: cap of %s must be > 0, got %g", who,
                             folio_i_symbol(o.symbols, i, b1, sizeof b1), caps[i]);
  }
  double qmax = 0;
  if (Q) {
    size_t nn;
    if (folio_i_mul(n, n, &nn) || nn > FOLIO_MAX_ELEMS || n > 2147483647u)
      return folio_error_set(err, FOLIO_EDIM, "%s: Q is too large", who);
    for (size_t j = 0; j < n; j++)
      for (size_t i = 0; i <= j; i++) {
        double a = Q[i + j * ld_q], b = Q[j + i * ld_q];
        if (!isfinite(a) || !isfinite(b))
          return folio_error_set(err, FOLIO_ENOTFINITE, "%s: Q is not finite at (%s, %s)", who,
                                 folio_i_symbol(o.symbols, i, b1, sizeof b1),
                                 folio_i_symbol(o.symbols, j, b2, sizeof b2));
        if (i == j) {
          if (a < 0)
            return folio_error_set(err, FOLIO_ENOTPD, "%s: Q has a negative variance (symbol %s)",
                                   who, folio_i_symbol(o.symbols, i, b1, sizeof b1));
          if (a > qmax) qmax = a;
        }
      }
    for (size_t j = 0; j < n; j++)
      for (size_t i = 0; i < j; i++) {
        double a = Q[i + j * ld_q], b = Q[j + i * ld_q];
        double sc = sqrt(Q[i + i * ld_q] * Q[j + j * ld_q]);
        if (fabs(a - b) > 1e-10 * (sc > 0 ? sc : 1))
          return folio_error_set(err, FOLIO_ENOTSYM, "%s: Q is not symmetric (pair %s, %s)", who,
                                 folio_i_symbol(o.symbols, i, b1, sizeof b1),
                                 folio_i_symbol(o.symbols, j, b2, sizeof b2));
      }
    if (!(qmax > 0)) return folio_error_set(err, FOLIO_EDEGENERATE, "%s: Q is zero", who);
  }
  if (F) {
    if (!F->x || F->n_rows == 0)
      return folio_error_set(err, FOLIO_EINVAL, "%s: the factor has no rows (x NULL or n_rows 0)", who);
    if (F->n_rows > FOLIO_MAX_DIM || F->ld_x < F->n_rows)
      return folio_error_set(err, FOLIO_EINVAL, "%s: factor ld_x %zu < n_rows %zu", who, F->ld_x,
                             F->n_rows);
    size_t tn;
    if (folio_i_mul(F->ld_x, n, &tn) || tn > FOLIO_MAX_ELEMS || n > 2147483647u)
      return folio_error_set(err, FOLIO_EDIM, "%s: the factor is too large", who);
    if (!isfinite(F->diag) || F->diag < 0 || !isfinite(F->weight) || F->weight < 0)
      return folio_error_set(err, FOLIO_EINVAL,
                             "%s: factor diag and weight must be finite and >= 0, got %g and %g", who,
                             F->diag, F->weight);
    for (size_t j = 0; j < n; j++) {
      const double *col = F->x + j * F->ld_x;
      double ss = 0;
      for (size_t t = 0; t < F->n_rows; t++) ss += col[t] * col[t];
      if (!isfinite(ss)) {
        size_t t = 0;
        while (t < F->n_rows && isfinite(col[t])) t++;
        if (t < F->n_rows)
          return folio_error_set(err, FOLIO_ENOTFINITE, "%s: factor x is not finite (symbol %s, row %zu)",
                                 who, folio_i_symbol(o.symbols, j, b1, sizeof b1), t + 1);
        return folio_error_set(err, FOLIO_ENOTFINITE, "%s: factor x overflows (symbol %s)", who,
                               folio_i_symbol(o.symbols, j, b1, sizeof b1));
      }
      double q = F->diag + F->weight * ss;
      if (!isfinite(q))
        return folio_error_set(err, FOLIO_ENOTFINITE, "%s: Q is not finite (symbol %s)", who,
                               folio_i_symbol(o.symbols, j, b1, sizeof b1));
      if (q > qmax) qmax = q;
    }
    if (!(qmax > 0)) return folio_error_set(err, FOLIO_EDEGENERATE, "%s: Q is zero", who);
  }
  const int general = Q || F; /* a metric other than the identity */

  folio_turnover_info inf;
  memset(&inf, 0, sizeof inf);
  inf.converged = 1;
  /* clipped target, needed and forced turnover */
  double needed = 0, forced = 0;
  for (size_t i = 0; i < n; i++) {
    double c = caps ? caps[i] : INFINITY;
    double tc = target[i] > c ? c : (target[i] < -c ? -c : target[i]);
    if (tc != target[i]) inf.n_clipped++;
    needed += fabs(tc - current[i]);
    if (fabs(current[i]) > c) forced += fabs(current[i]) - c;
  }
  inf.needed = needed;
  inf.forced = forced;

  if (needed <= budget) {
    for (size_t i = 0; i < n; i++) {
      double c = caps ? caps[i] : INFINITY;
      w_out[i] = target[i] > c ? c : (target[i] < -c ? -c : target[i]);
    }
    inf.method = "unconstrained";
  } else if (forced >= budget) {
    for (size_t i = 0; i < n; i++) {
      double c = caps ? caps[i] : INFINITY;
      w_out[i] = current[i] > c ? c : (current[i] < -c ? -c : current[i]);
    }
    inf.method = "caps_forced";
    inf.constrained = 1;
    inf.budget_exceeded = forced > budget;
  } else {
    size_t ws = F ? folio_turnover_factored_work_size(n, F->n_rows) : folio_turnover_work_size(n);
    if (!ws) return folio_error_set(err, FOLIO_EDIM, "%s: too many assets", who);
    void *own;
    work = folio_i_workspace(work, ws, &own);
    if (!work) return folio_error_set(err, FOLIO_ENOMEM, "%s: out of memory", who);
    folio_i_arena ar = {work, 0, 0};
    tws w;
    folio_i_meter meter = folio_i_meter_of(o.cancel);
    w.meter = &meter;
    w.n = n, w.Q = Q, w.ld = ld_q;
    w.X = F ? F->x : NULL, w.T = F ? F->n_rows : 0, w.ldx = F ? F->ld_x : 0;
    w.alpha = F ? F->diag : 0, w.beta = F ? F->weight : 0;
    w.theta_hint = 0;
    w.qc = F ? NULL : folio_i_take(&ar, Q ? n * n : 1, sizeof(double));
    double **vecs[] = {&w.lo, &w.up, &w.s, &w.qs, &w.x, &w.xp, &w.yv, &w.g,
                       &w.cand, &w.rhs, &w.dir, &w.a, &w.m, &w.M, &w.yu, &w.pd};
    for (size_t k = 0; k < sizeof vecs / sizeof *vecs; k++) *vecs[k] = folio_i_take(&ar, 2 * n, sizeof(double));
    w.ev = folio_i_take(&ar, 2 * n, sizeof(event));
    w.state = folio_i_take(&ar, n, sizeof(int));
    w.pstate = folio_i_take(&ar, n, sizeof(int));
    w.fidx = folio_i_take(&ar, n, sizeof(size_t));
    w.xf = F ? folio_i_take(&ar, F->n_rows * n, sizeof(double)) : NULL;
    w.kt = F ? folio_i_take(&ar, F->n_rows * F->n_rows, sizeof(double)) : NULL;
    w.tv = F ? folio_i_take(&ar, 2 * F->n_rows, sizeof(double)) : NULL;
    w.tu = F ? folio_i_take(&ar, F->n_rows, sizeof(double)) : NULL;
    w.tw = F ? folio_i_take(&ar, 6 * F->n_rows, sizeof(double)) : NULL;
    w.xs = F ? folio_i_take(&ar, F->n_rows, sizeof(double)) : NULL;
    folio_status st = FOLIO_OK;
    for (size_t i = 0; i < n; i++) {
      double c = caps ? caps[i] : INFINITY;
      double tc = target[i] > c ? c : (target[i] < -c ? -c : target[i]);
      w.s[i] = tc - current[i];
      w.lo[i] = -c - current[i];
      w.up[i] = c - current[i];
    }
    inf.constrained = 1;
    double lambda = 0;
    if (!general) {
      /* exact: project the excess |s| - m onto the L1 ball of radius B - sum m */
      double msum = 0;
      for (size_t i = 0; i < n; i++) {
        double m = w.lo[i] > 0 ? w.lo[i] : (w.up[i] < 0 ? -w.up[i] : 0);
        w.m[i] = m;
        w.a[i] = fabs(w.s[i]) - m;
        msum += m;
      }
      double theta = l1_theta(n, w.a, budget - msum, w.yv);
      for (size_t i = 0; i < n; i++) {
        double e = w.a[i] - theta;
        double v = w.m[i] + (e > 0 ? e : 0);
        w.x[i] = w.s[i] < 0 ? -v : (w.s[i] > 0 ? v : 0);
      }
      lambda = 2.0 * theta;
      inf.method = "projection";
    } else {
      /* positive semi-definite: Cholesky of Q + 1e-12 max(q_ii) I (a factored Q
       * is positive semi-definite by construction) */
      lapack_int info_f = 0;
      if (Q) {
        for (size_t j = 0; j < n; j++) {
          for (size_t i = 0; i <= j; i++) w.qc[i + j * n] = Q[i + j * ld_q];
          w.qc[j + j * n] += 1e-12 * qmax;
        }
        info_f = LAPACKE_dpotrf(LAPACK_COL_MAJOR, 'U', (int)n, w.qc, (int)n);
      }
      if (info_f != 0) {
        st = folio_error_set(err, FOLIO_ENOTPD, "%s: Q is not positive semi-definite (symbol %s)",
                             who, folio_i_symbol(o.symbols, (size_t)(info_f > 0 ? info_f - 1 : 0), b1, sizeof b1));
      } else {
        qmul(&w, 1.0, w.s, w.qs);
        /* factored with alpha, beta > 0: semismooth Newton on the T-dimensional
         * dual, certified by the exact solve on its active set; projected
         * gradient (below) only when that fails, from the dual's answer */
        int dual_done = 0, have_start = 0;
        if (F && w.alpha > 0 && w.beta > 0) {
          int certified = 0;
          double lam = 0;
          int steps = dual_newton(&w, budget, 100, o.tol, &lam, &certified, &inf.polishes);
          if (steps == -2)
            st = folio_error_set(err, FOLIO_ECANCELED, "%s: cancelled in the dual Newton steps",
                                 who);
          w.theta_hint = 0; /* the projected gradient below sweeps from 0, as always */
          inf.iterations = steps > 0 ? steps : 0;
          if (steps >= 0 && !certified) {
            classify(&w, w.x, w.state);
            inf.polishes++;
            int formed = 0;
            certified = polish(&w, w.state, budget, &lam, &formed) <= o.tol;
          }
          if (steps >= 0) have_start = 1;
          if (certified) {
            memcpy(w.x, w.cand, n * sizeof(double));
            lambda = lam;
            inf.method = "dual_newton+active_set";
            dual_done = 1;
          }
        }
        /* step: 1 / L, L = 2 lambda_max(Q) by power iteration (with a margin) */
        for (size_t i = 0; i < n; i++) w.yv[i] = 1.0 + 0.01 * (double)(i % 7);
        double rho = 0;
        for (int it = 0; it < (dual_done ? 0 : 60); it++) {
          double nrm = cblas_dnrm2((int)n, w.yv, 1);
          cblas_dscal((int)n, 1.0 / nrm, w.yv, 1);
          qmul(&w, 1.0, w.yv, w.g);
          rho = cblas_ddot((int)n, w.yv, 1, w.g, 1);
          memcpy(w.yv, w.g, n * sizeof(double));
        }
        double L = 2.0 * dmax(1.05 * rho, qmax);
        /* start from the Euclidean answer (feasible), or the dual's */
        if (!have_start) project_box_l1(&w, w.s, budget, w.x);
        memcpy(w.xp, w.x, n * sizeof(double));
        memcpy(w.yv, w.x, n * sizeof(double));
        classify(&w, w.x, w.pstate);
        double tk = 1;
        /* dense Q: polish once the set has settled (3, 6, 12, ... iterations);
         * factored Q (a polish costs a few matvecs' worth): after every 2 settled
         * iterations, and a polish whose set is wrong still moves the iterate to
         * its projection when that lowers the objective (an active-set step) */
        const int eager = F != NULL;
        int settled = 0, settle_need = eager ? 2 : 3, done = dual_done, still = 0;
        if (!dual_done) inf.method = "apg";
        /* dense Q: the Cholesky above counts towards the first poll */
        if (Q) folio_i_cancelled(&meter, (double)n * (double)n * (double)n / 3);
        const double it_work = Q ? 2.0 * (double)n * (double)n + 40.0 * (double)n
                                 : 4.0 * (double)n * (double)w.T + 40.0 * (double)n;
        for (int it = 0; it < o.max_iter && !done && st == FOLIO_OK; it++) {
          if (folio_i_cancelled(&meter, it_work)) {
            st = folio_error_set(err, FOLIO_ECANCELED,
                                 "%s: cancelled at projected-gradient iteration %d", who, it + 1);
            break;
          }
          inf.iterations = it + 1;
          gradient(&w, w.yv, w.g);
          for (size_t i = 0; i < n; i++) w.yv[i] -= w.g[i] / L;
          project_box_l1(&w, w.yv, budget, w.x); /* x = P(y - g/L) */
          double dot = 0, dx = 0, xm = 0;
          for (size_t i = 0; i < n; i++) {
            double step = w.x[i] - w.xp[i];
            dx = dmax(dx, fabs(step));
            xm = dmax(xm, fabs(w.x[i]));
            dot += (w.yv[i] + w.g[i] / L - w.x[i]) * step;
          }
          if (dot > 0) {
            tk = 1;
            memcpy(w.yv, w.x, n * sizeof(double));
          } else {
            double tn = 0.5 * (1 + sqrt(1 + 4 * tk * tk));
            double beta = (tk - 1) / tn;
            for (size_t i = 0; i < n; i++) w.yv[i] = w.x[i] + beta * (w.x[i] - w.xp[i]);
            tk = tn;
          }
          memcpy(w.xp, w.x, n * sizeof(double));
          classify(&w, w.x, w.state);
          int same = memcmp(w.state, w.pstate, n * sizeof(int)) == 0;
          settled = same ? settled + 1 : 0;
          memcpy(w.pstate, w.state, n * sizeof(int));
          still = dx <= 1e-15 * (xm > 0 ? xm : 1) ? still + 1 : 0;
          if (settled >= settle_need || still >= 3) {
            inf.polishes++;
            int formed = 0;
            double lam = 0, viol = polish(&w, w.state, budget, &lam, &formed);
            /* a polish factorises the free block (dense) or the T x T Gram */
            folio_i_cancelled(&meter, Q ? (double)n * (double)n * (double)n / 3
                                        : (double)w.T * (double)w.T * ((double)n + (double)w.T));
            if (viol <= o.tol) {
              memcpy(w.x, w.cand, n * sizeof(double));
              lambda = lam;
              inf.method = "apg+active_set";
              done = 1;
            } else if (eager && formed && still < 3) {
              /* f(d) - f(0) = d'(g/2 - Qs) with g the gradient at d */
              project_box_l1(&w, w.cand, budget, w.cand);
              gradient(&w, w.cand, w.g);
              double fc = 0, fx = 0;
              for (size_t i = 0; i < n; i++) fc += w.cand[i] * (0.5 * w.g[i] - w.qs[i]);
              gradient(&w, w.x, w.g);
              for (size_t i = 0; i < n; i++) fx += w.x[i] * (0.5 * w.g[i] - w.qs[i]);
              if (fc < fx) {
                memcpy(w.x, w.cand, n * sizeof(double));
                memcpy(w.xp, w.x, n * sizeof(double));
                memcpy(w.yv, w.x, n * sizeof(double));
                tk = 1;
                classify(&w, w.x, w.state);
                memcpy(w.pstate, w.state, n * sizeof(int));
              } else {
                settle_need = settle_need < 400 ? 2 * settle_need : settle_need;
              }
              settled = 0;
            } else {
              settled = 0;
              settle_need = settle_need < 400 ? 2 * settle_need : settle_need;
              if (still >= 3) done = 2; /* stationary but not certified */
            }
          }
        }
        if (done != 1) {
          /* multiplier estimate from the free traded names */
          gradient(&w, w.x, w.g);
          double sl = 0;
          size_t cnt = 0;
          for (size_t i = 0; i < n; i++)
            if (w.state[i] == 1 || w.state[i] == -1) sl -= w.g[i] * (double)w.state[i], cnt++;
          lambda = cnt ? sl / (double)cnt : 0;
        }
      }
    }
    if (st == FOLIO_OK) {
      classify(&w, w.x, w.state);
      if (general) {
        gradient(&w, w.x, w.g);
      } else {
        for (size_t i = 0; i < n; i++) w.g[i] = 2.0 * (w.x[i] - w.s[i]);
      }
      inf.kkt_residual = kkt_violation(&w, w.x, w.state, w.g, lambda);
      inf.converged = inf.kkt_residual <= o.tol * 10;
      inf.lambda = lambda;
      for (size_t i = 0; i < n; i++) {
        double c = caps ? caps[i] : INFINITY;
        double v = current[i] + w.x[i];
        w_out[i] = v > c ? c : (v < -c ? -c : v);
      }
    }
    free(own);
    if (st != FOLIO_OK) return st;
  }
  /* report what the result achieves */
  double to = 0, obj = 0;
  size_t traded = 0;
  for (size_t i = 0; i < n; i++) {
    to += fabs(w_out[i] - current[i]);
    traded += w_out[i] != current[i];
  }
  inf.turnover = to;
  inf.n_traded = traded;
  if (info) {
    /* objective (w - t_c)' Q (w - t_c), computed without extra workspace */
    for (size_t j = 0; j < n; j++) {
      double c = caps ? caps[j] : INFINITY;
      double ej = w_out[j] - (target[j] > c ? c : (target[j] < -c ? -c : target[j]));
      if (ej == 0) continue;
      if (F) {
        obj += F->diag * ej * ej;
        continue;
      }
      if (!Q) {
        obj += ej * ej;
        continue;
      }
      double row = 0;
      for (size_t i = 0; i < n; i++) {
        double ci = caps ? caps[i] : INFINITY;
        double ei = w_out[i] - (target[i] > ci ? ci : (target[i] < -ci ? -ci : target[i]));
        row += (i <= j ? Q[i + j * ld_q] : Q[j + i * ld_q]) * ei;
      }
      obj += ej * row;
    }
    if (F) /* + weight ||X e||^2, row by row (no workspace) */
      for (size_t t = 0; t < F->n_rows; t++) {
        double r = 0;
        for (size_t j = 0; j < n; j++) {
          double c = caps ? caps[j] : INFINITY;
          double ej = w_out[j] - (target[j] > c ? c : (target[j] < -c ? -c : target[j]));
          r += F->x[t + j * F->ld_x] * ej;
        }
        obj += F->weight * r * r;
      }
    inf.objective = obj;
    *info = inf;
  }
  return FOLIO_OK;
}

/* The numeric domains of the inputs (numbers.h): targets and current
 * weights are weights, |w| <= FOLIO_MAX_WEIGHT (NaN/Inf are left to solve's
 * own messages). */
static folio_status check_domains(const char *who, size_t n, const double *target,
                                  const double *current, const folio_turnover_opts *opts,
                                  folio_error *err) {
  if (!target || !current || n > FOLIO_MAX_DIM) return FOLIO_OK; /* solve names those */
  const char *const *syms = opts ? opts->symbols : NULL;
  char b1[64];
  for (size_t i = 0; i < n; i++) {
    if ((!isfinite(target[i]) || folio_i_in_domain(FOLIO_DOMAIN_WEIGHT, target[i])) &&
        (!isfinite(current[i]) || folio_i_in_domain(FOLIO_DOMAIN_WEIGHT, current[i])))
      continue; /* the symbol formatted only for a message */
    const char *s = folio_i_symbol(syms, i, b1, sizeof b1);
    if (isfinite(target[i])) {
      folio_status st = folio_check_number(FOLIO_DOMAIN_WEIGHT, target[i], who, "target", s, err);
      if (st < 0) return st;
    }
    if (isfinite(current[i])) {
      folio_status st =
          folio_check_number(FOLIO_DOMAIN_WEIGHT, current[i], who, "current weight", s, err);
      if (st < 0) return st;
    }
  }
  return FOLIO_OK;
}

/* The final check of a solution: w and the report are finite. */
static folio_status check_result(const char *who, size_t n, const double *w,
                                 const folio_turnover_opts *opts, const folio_turnover_info *info,
                                 folio_error *err) {
  folio_status st = folio_check_finite(w, n, 1, opts ? opts->symbols : NULL, who, "weight", err);
  if (st < 0 || !info) return st;
  const double nums[] = {info->needed, info->forced, info->turnover, info->objective,
                         info->lambda, info->kkt_residual};
  const char *const names[] = {"needed", "forced", "turnover", "objective", "lambda",
                               "kkt_residual"};
  return folio_check_finite(nums, 6, 1, names, who, "info", err);
}

folio_status folio_turnover_project(size_t n_assets, const double *target, const double *current,
                                    const double *Q, size_t ld_q, const double *caps,
                                    double budget, const folio_turnover_opts *opts, double *w_out,
                                    folio_turnover_info *info, void *work, folio_error *err) {
  folio_error_clear(err);
  folio_status st = check_domains("turnover", n_assets, target, current, opts, err);
  if (st < 0) return st;
  st = solve(n_assets, target, current, Q, ld_q, NULL, caps, budget, opts, w_out, info, work, err);
  if (st < 0) return st;
  return check_result("turnover", n_assets, w_out, opts, info, err);
}

folio_status folio_turnover_project_factored(size_t n_assets, const double *target,
                                             const double *current, const folio_cov_factor *Q,
                                             const double *caps, double budget,
                                             const folio_turnover_opts *opts, double *w_out,
                                             folio_turnover_info *info, void *work,
                                             folio_error *err) {
  folio_error_clear(err);
  if (!Q) return folio_error_set(err, FOLIO_EINVAL, "turnover_factored: Q (the factor) is NULL");
  folio_status st = check_domains("turnover_factored", n_assets, target, current, opts, err);
  if (st < 0) return st;
  st = solve(n_assets, target, current, NULL, 0, Q, caps, budget, opts, w_out, info, work, err);
  if (st < 0) return st;
  return check_result("turnover_factored", n_assets, w_out, opts, info, err);
}
