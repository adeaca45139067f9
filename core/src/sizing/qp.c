/*
 * qp.c — the convex QP of qp.h: Goldfarb–Idnani's dual active-set method
 * on the Cholesky factor of Q, with proximal-point outer iterations when Q
 * is only semidefinite, and the KKT certificate of every answer.
 *
 * The solver lives in the sizing stage because the frontier, the first
 * sizer built on it, lives there; it includes nothing beyond base.
 *
 * Internally every constraint is written n'x >= b with n of unit norm:
 * an equality keeps the sign that makes it violated from below when it is
 * added, an inequality A_in x <= b becomes -a'x >= -b, a lower bound is
 * e_i'x >= l_i and an upper bound -e_i'x >= -u_i. With G = LL' the method
 * keeps J = L^-T Q_1 (orthogonal Q_1) and the upper-triangular R with
 * J' N_active = [R; 0]: the step in the primal is z = J_2 J_2' n (the part
 * of G^-1 n orthogonal to the active normals) and the change of the
 * multipliers r = R^-1 J_1' n. Adding a constraint rotates the columns
 * q..n-1 of J (Givens) to make J'n upper triangular; dropping one restores
 * R's triangle by rotations of its rows (and of J's columns).
 */
#include <cblas.h>
#include <lapacke.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "folio/qp.h"
#include "internal.h"

/* A general row with at most QP_SPARSE nonzeros (a bound on y_i − u κ, a sector
 * of a few names) is used through its nonzeros: its products with x and with
 * J's rows cost O(nnz) and O(nnz n) instead of O(n) and O(n²). */
#define QP_SPARSE 8
#define QP_DENSE 255

folio_qp_opts folio_qp_defaults(void) {
  folio_qp_opts o = {1e-12, 0, 500, 0, NULL, NULL};
  return o;
}

/* ==== workspace =========================================================== */

typedef struct qp_ctx {
  size_t n, neq, nin, mg;   /* mg = neq + nin general rows */
  double *j, *j0, *r;       /* n x n each, ld n */
  double *rows;             /* mg rows of n, each of unit norm (row-contiguous) */
  double *rnorm, *rb;       /* norm of each general row, its scaled right-hand side */
  int *sp_idx;              /* a sparse row's nonzero columns (QP_SPARSE per row) */
  unsigned char *sp_n;      /* their count, or QP_DENSE */
  double *x, *xc, *a, *d, *z, *rr, *u, *mult;
  int *act;                 /* ids of the q active constraints, in R's column order */
  int *eqsign;              /* +1 / -1: the sign an equality was added with */
  unsigned char *isact;     /* mg + 2n flags */
  size_t q;
  const double *lo, *up;
  folio_i_meter meter;
  int iterations;
} qp_ctx;

static void qp_carve(folio_i_arena *ar, size_t n, size_t neq, size_t nin, qp_ctx *c) {
  size_t mg = neq + nin;
  c->j = folio_i_take_mat(ar, n, n, sizeof(double));
  c->j0 = folio_i_take_mat(ar, n, n, sizeof(double));
  c->r = folio_i_take_mat(ar, n, n, sizeof(double));
  c->rows = folio_i_take_mat(ar, mg ? mg : 1, n, sizeof(double));
  c->rnorm = folio_i_take(ar, mg + 1, sizeof(double));
  c->rb = folio_i_take(ar, mg + 1, sizeof(double));
  c->sp_idx = folio_i_take_mat(ar, mg + 1, QP_SPARSE, sizeof(int));
  c->sp_n = folio_i_take(ar, mg + 1, 1);
  double **vecs[] = {&c->x, &c->xc, &c->a, &c->d, &c->z, &c->rr};
  for (size_t k = 0; k < sizeof vecs / sizeof *vecs; k++) *vecs[k] = folio_i_take(ar, n + 1, sizeof(double));
  c->u = folio_i_take(ar, n + 2, sizeof(double));
  c->mult = folio_i_take_mat(ar, 1, mg + 2 * n + 1, sizeof(double));
  c->act = folio_i_take(ar, n + 2, sizeof(int));
  c->eqsign = folio_i_take(ar, neq + 1, sizeof(int));
  c->isact = folio_i_take(ar, mg + 2 * n + 1, 1);
}

/* Bytes of one Goldfarb–Idnani solve's workspace. */
static size_t core_size(size_t n_vars, size_t n_eq, size_t n_ineq) {
  folio_i_arena ar = {NULL, 0, 0};
  qp_ctx c;
  qp_carve(&ar, n_vars, n_eq, n_ineq, &c);
  return ar.overflow ? 0 : ar.used;
}

/* The warm start's reduced problem (bounds fixed by opts->start). */
typedef struct qp_reduced {
  double *q, *c, *aeq, *beq, *ain, *bin, *lo, *up, *xr, *xs, *g, *ye, *yi, *zl, *zu;
  size_t *idx;
  signed char *mark;
} qp_reduced;

static void reduced_carve(folio_i_arena *ar, size_t n, size_t neq, size_t nin, qp_reduced *r) {
  r->q = folio_i_take_mat(ar, n, n, sizeof(double));
  r->aeq = folio_i_take_mat(ar, neq ? neq : 1, n, sizeof(double));
  r->ain = folio_i_take_mat(ar, nin ? nin : 1, n, sizeof(double));
  double **vecs[] = {&r->c, &r->lo, &r->up, &r->xr, &r->xs, &r->g, &r->zl, &r->zu};
  for (size_t k = 0; k < sizeof vecs / sizeof *vecs; k++) *vecs[k] = folio_i_take(ar, n, sizeof(double));
  r->beq = folio_i_take(ar, neq + 1, sizeof(double));
  r->ye = folio_i_take(ar, neq + 1, sizeof(double));
  r->bin = folio_i_take(ar, nin + 1, sizeof(double));
  r->yi = folio_i_take(ar, nin + 1, sizeof(double));
  r->idx = folio_i_take(ar, n, sizeof(size_t));
  r->mark = folio_i_take(ar, n, 1);
}

size_t folio_qp_work_size(size_t n_vars, size_t n_eq, size_t n_ineq) {
  if (n_vars > FOLIO_MAX_DIM || n_eq > FOLIO_MAX_DIM || n_ineq > FOLIO_MAX_DIM) return 0;
  size_t core = core_size(n_vars, n_eq, n_ineq);
  if (core == 0) return 0;
  folio_i_arena ar = {NULL, core, 0};
  qp_reduced r;
  reduced_carve(&ar, n_vars, n_eq, n_ineq, &r);
  return ar.overflow ? 0 : ar.used + 64;
}

/* ==== constraints in the internal form n'x >= b ========================== */

/* n_k'v for constraint k. */
static double cdot(const qp_ctx *c, int k, const double *v) {
  size_t kk = (size_t)k;
  if (kk < c->mg) {
    const double *row = c->rows + kk * c->n;
    double s = 0.0;
    if (c->sp_n[kk] != QP_DENSE) {
      const int *ix = c->sp_idx + kk * QP_SPARSE;
      for (int t = 0; t < c->sp_n[kk]; t++) s += row[ix[t]] * v[ix[t]];
    } else {
      s = cblas_ddot((int)c->n, row, 1, v, 1);
    }
    return kk < c->neq ? c->eqsign[kk] * s : -s;
  }
  if (kk < c->mg + c->n) return v[kk - c->mg];
  return -v[kk - c->mg - c->n];
}

/* The right-hand side b_k. */
static double crhs(const qp_ctx *c, int k) {
  size_t kk = (size_t)k;
  if (kk < c->neq) return c->eqsign[kk] * c->rb[kk];
  if (kk < c->mg) return -c->rb[kk];
  if (kk < c->mg + c->n) return c->lo[kk - c->mg];
  return -c->up[kk - c->mg - c->n];
}

/* d = J'n_k. */
static void jt_normal(qp_ctx *c, int k, double *d) {
  size_t n = c->n, kk = (size_t)k;
  if (kk < c->mg) {
    double sg = kk < c->neq ? c->eqsign[kk] : -1.0;
    const double *row = c->rows + kk * n;
    if (c->sp_n[kk] != QP_DENSE) { /* d = sg Σ_t a_t J[i_t, :] */
      const int *ix = c->sp_idx + kk * QP_SPARSE;
      memset(d, 0, n * sizeof(double));
      for (int t = 0; t < c->sp_n[kk]; t++)
        cblas_daxpy((int)n, sg * row[ix[t]], c->j + ix[t], (int)n, d, 1);
    } else {
      cblas_dgemv(CblasColMajor, CblasTrans, (int)n, (int)n, sg, c->j, (int)n, row, 1, 0.0, d, 1);
    }
  } else {
    size_t i = kk < c->mg + n ? kk - c->mg : kk - c->mg - n;
    double sg = kk < c->mg + n ? 1.0 : -1.0;
    for (size_t col = 0; col < n; col++) d[col] = sg * c->j[i + col * n];
  }
}

/* Givens pair zeroing b against a: returns h, sets cs, sn with cs a + sn b = h. */
static double givens(double a, double b, double *cs, double *sn) {
  double h = sqrt(a * a + b * b); /* entries of J'n are far from overflow; hypot costs 6 % */
  if (h == 0.0) {
    *cs = 1.0;
    *sn = 0.0;
    return 0.0;
  }
  *cs = a / h;
  *sn = b / h;
  return h;
}

/* Columns p, p+1 of J: (J_p, J_p1) <- (cs J_p + sn J_p1, -sn J_p + cs J_p1). */
static void rotate_cols(double *jm, size_t n, size_t p, double cs, double sn) {
  cblas_drot((int)n, jm + p * n, 1, jm + (p + 1) * n, 1, cs, sn);
}

/* Adds constraint k whose d = J'n_k is in c->d; R gains column q. */
static void add_active(qp_ctx *c, int k, double mult) {
  size_t n = c->n, q = c->q;
  for (size_t jj = n - 1; jj > q; jj--) {
    double cs, sn;
    if (c->d[jj] == 0.0) continue;
    c->d[jj - 1] = givens(c->d[jj - 1], c->d[jj], &cs, &sn);
    c->d[jj] = 0.0;
    rotate_cols(c->j, n, jj - 1, cs, sn);
  }
  for (size_t i = 0; i <= q; i++) c->r[i + q * n] = c->d[i];
  c->act[q] = k;
  c->u[q] = mult;
  c->isact[k] = 1;
  c->q = q + 1;
}

/* Drops the active constraint at position p (its multiplier goes with it). */
static void drop_active(qp_ctx *c, size_t p) {
  size_t n = c->n, q = c->q;
  c->isact[c->act[p]] = 0;
  for (size_t l = p; l + 1 < q; l++) {
    memcpy(c->r + l * n, c->r + (l + 1) * n, (l + 2) * sizeof(double));
    c->act[l] = c->act[l + 1];
    c->u[l] = c->u[l + 1];
  }
  c->u[q - 1] = c->u[q]; /* the candidate's multiplier, kept one slot past the active ones */
  for (size_t l = p; l + 1 < q; l++) { /* R is Hessenberg in columns p..q-2 */
    double cs, sn;
    double h = givens(c->r[l + l * n], c->r[(l + 1) + l * n], &cs, &sn);
    c->r[l + l * n] = h;
    c->r[(l + 1) + l * n] = 0.0;
    for (size_t col = l + 1; col + 1 < q; col++) {
      double a = c->r[l + col * n], b = c->r[(l + 1) + col * n];
      c->r[l + col * n] = cs * a + sn * b;
      c->r[(l + 1) + col * n] = -sn * a + cs * b;
    }
    rotate_cols(c->j, n, l, cs, sn);
  }
  c->q = q - 1;
}

static const char *kind_name(const qp_ctx *c, int k, size_t *idx) {
  size_t kk = (size_t)k;
  if (kk < c->neq) { *idx = kk; return "equality"; }
  if (kk < c->mg) { *idx = kk - c->neq; return "inequality"; }
  if (kk < c->mg + c->n) { *idx = kk - c->mg; return "lower bound"; }
  *idx = kk - c->mg - c->n;
  return "upper bound";
}

/* ==== one Goldfarb–Idnani solve from the unconstrained minimum ============ */

/* One step of iterative refinement onto the active constraints: x += J_1 v
 * with R'v = b_A − N_A'x, the smallest move (in G's metric) that puts x on
 * them again after the rounding of long steps; active bounds are then set
 * exactly. */
static void refine(qp_ctx *c) {
  size_t n = c->n, q = c->q;
  if (q == 0) return;
  for (size_t l = 0; l < q; l++) c->rr[l] = crhs(c, c->act[l]) - cdot(c, c->act[l], c->x);
  cblas_dtrsv(CblasColMajor, CblasUpper, CblasTrans, CblasNonUnit, (int)q, c->r, (int)n, c->rr, 1);
  cblas_dgemv(CblasColMajor, CblasNoTrans, (int)n, (int)q, 1.0, c->j, (int)n, c->rr, 1, 1.0, c->x, 1);
  for (size_t l = 0; l < q; l++) {
    size_t k = (size_t)c->act[l];
    if (k >= c->mg && k < c->mg + n) c->x[k - c->mg] = c->lo[k - c->mg];
    else if (k >= c->mg + n) c->x[k - c->mg - n] = c->up[k - c->mg - n];
  }
}

/* G's factor is in c->j0 (J = L^-T); the linear term in c->a. */
static folio_status gi_solve(qp_ctx *c, double tol, int max_iter, folio_error *err) {
  size_t n = c->n, m = c->mg + 2 * n;
  memcpy(c->j, c->j0, n * n * sizeof(double));
  memset(c->isact, 0, m);
  c->q = 0;
  /* x = -G^-1 a = -J J' a */
  cblas_dgemv(CblasColMajor, CblasTrans, (int)n, (int)n, 1.0, c->j, (int)n, c->a, 1, 0.0, c->d, 1);
  cblas_dgemv(CblasColMajor, CblasNoTrans, (int)n, (int)n, -1.0, c->j, (int)n, c->d, 1, 0.0, c->x, 1);
  for (size_t k = 0; k < c->neq; k++) c->eqsign[k] = 1;
  int iter = 0;
  for (;;) {
    /* the constraint to add: an unsatisfied equality first, else the most violated */
    int p = -1;
    double worst = 0.0;
    for (size_t k = 0; k < c->neq; k++) {
      if (c->isact[k] || c->rnorm[k] == 0.0) continue;
      c->eqsign[k] = 1;
      double s = cdot(c, (int)k, c->x) - crhs(c, (int)k);
      if (fabs(s) > tol * (1.0 + fabs(c->rb[k])) && fabs(s) > worst) {
        worst = fabs(s);
        p = (int)k;
      }
    }
    if (p >= 0) {
      double s = cdot(c, p, c->x) - crhs(c, p);
      if (s > 0) c->eqsign[p] = -1; /* added from below */
    } else {
      for (size_t k = c->neq; k < m; k++) {
        if (c->isact[k] || (k < c->mg && c->rnorm[k] == 0.0)) continue;
        double b = crhs(c, (int)k);
        if (isinf(b)) continue;
        double s = cdot(c, (int)k, c->x) - b;
        if (s < -tol * (1.0 + fabs(b)) && -s > worst) {
          worst = -s;
          p = (int)k;
        }
      }
    }
    if (p < 0) {
      refine(c);
      return FOLIO_OK;
    }
    c->u[c->q] = 0.0; /* the candidate's multiplier */
    for (;;) {
      if (++iter > max_iter)
        return folio_error_set(err, FOLIO_EDEGENERATE,
                               "qp: no convergence within %d active-set changes", max_iter);
      c->iterations++;
      if (folio_i_cancelled(&c->meter, 8.0 * (double)n * (double)n))
        return folio_error_set(err, FOLIO_ECANCELED, "qp: cancelled at iteration %d", c->iterations);
      size_t q = c->q;
      jt_normal(c, p, c->d);
      double dd = cblas_ddot((int)n, c->d, 1, c->d, 1);
      double zn = n > q ? cblas_ddot((int)(n - q), c->d + q, 1, c->d + q, 1) : 0.0;
      if (n > q)
        cblas_dgemv(CblasColMajor, CblasNoTrans, (int)n, (int)(n - q), 1.0, c->j + q * n, (int)n,
                    c->d + q, 1, 0.0, c->z, 1);
      else
        memset(c->z, 0, n * sizeof(double));
      if (q) {
        memcpy(c->rr, c->d, q * sizeof(double));
        cblas_dtrsv(CblasColMajor, CblasUpper, CblasNoTrans, CblasNonUnit, (int)q, c->r, (int)n,
                    c->rr, 1);
      }
      /* t1: the largest dual step keeping the active inequalities' multipliers >= 0 */
      double t1 = INFINITY;
      size_t kdrop = 0;
      for (size_t l = 0; l < q; l++) {
        if ((size_t)c->act[l] < c->neq || c->rr[l] <= 0.0) continue;
        double t = c->u[l] / c->rr[l];
        if (t < t1) {
          t1 = t;
          kdrop = l;
        }
      }
      double s = cdot(c, p, c->x) - crhs(c, p); /* < 0: steps stop where it reaches 0 */
      double t2 = zn > 1e-20 * dd ? -s / zn : INFINITY;
      double t = t1 < t2 ? t1 : t2;
      if (isinf(t)) {
        size_t idx;
        const char *kind = kind_name(c, p, &idx);
        return folio_error_set(err, FOLIO_EINVAL,
                               "qp: infeasible: %s %zu cannot be satisfied together with the "
                               "constraints already active",
                               kind, idx);
      }
      for (size_t l = 0; l < q; l++) c->u[l] -= t * c->rr[l];
      c->u[q] += t;
      if (isinf(t2)) { /* dual step only */
        drop_active(c, kdrop);
        continue;
      }
      cblas_daxpy((int)n, t, c->z, 1, c->x, 1);
      if (t2 <= t1) {
        add_active(c, p, c->u[q]);
        break;
      }
      drop_active(c, kdrop);
    }
  }
}

/* ==== validation, the factor, the proximal loop =========================== */

static folio_status check_problem(const folio_qp_problem *p, folio_error *err) {
  if (!p) return folio_error_set(err, FOLIO_EINVAL, "qp: problem is NULL");
  size_t n = p->n_vars;
  if (n == 0) return folio_error_set(err, FOLIO_EEMPTY, "qp: n_vars is 0");
  if (n > FOLIO_MAX_DIM || p->n_eq > FOLIO_MAX_DIM || p->n_ineq > FOLIO_MAX_DIM)
    return folio_error_set(err, FOLIO_EDIM, "qp: dimensions exceed FOLIO_MAX_DIM");
  if (!p->q) return folio_error_set(err, FOLIO_EINVAL, "qp: q is NULL");
  if (p->ld_q < n) return folio_error_set(err, FOLIO_EINVAL, "qp: ld_q %zu < n_vars %zu", p->ld_q, n);
  if (p->n_eq && (!p->a_eq || !p->b_eq))
    return folio_error_set(err, FOLIO_EINVAL, "qp: a_eq or b_eq is NULL with n_eq = %zu", p->n_eq);
  if (p->n_eq && p->ld_a_eq < p->n_eq)
    return folio_error_set(err, FOLIO_EINVAL, "qp: ld_a_eq %zu < n_eq %zu", p->ld_a_eq, p->n_eq);
  if (p->n_ineq && (!p->a_in || !p->b_in))
    return folio_error_set(err, FOLIO_EINVAL, "qp: a_in or b_in is NULL with n_ineq = %zu", p->n_ineq);
  if (p->n_ineq && p->ld_a_in < p->n_ineq)
    return folio_error_set(err, FOLIO_EINVAL, "qp: ld_a_in %zu < n_ineq %zu", p->ld_a_in, p->n_ineq);
  for (size_t jj = 0; jj < n; jj++)
    for (size_t i = jj; i < n; i++)
      if (!isfinite(p->q[i + jj * p->ld_q]))
        return folio_error_set(err, FOLIO_ENOTFINITE, "qp: q[%zu, %zu] is not finite (%g)", i, jj,
                               p->q[i + jj * p->ld_q]);
  for (size_t i = 0; i < n; i++) {
    if (p->c && !isfinite(p->c[i]))
      return folio_error_set(err, FOLIO_ENOTFINITE, "qp: c[%zu] is not finite (%g)", i, p->c[i]);
    double l = p->lower ? p->lower[i] : -INFINITY, u = p->upper ? p->upper[i] : INFINITY;
    if (isnan(l) || isnan(u))
      return folio_error_set(err, FOLIO_EINVAL, "qp: bound of variable %zu is NaN", i);
    if (l > u || l == INFINITY || u == -INFINITY)
      return folio_error_set(err, FOLIO_EINVAL,
                             "qp: infeasible: variable %zu has lower bound %g > upper bound %g", i, l, u);
  }
  for (size_t jj = 0; jj < n; jj++) {
    for (size_t i = 0; i < p->n_eq; i++)
      if (!isfinite(p->a_eq[i + jj * p->ld_a_eq]))
        return folio_error_set(err, FOLIO_ENOTFINITE, "qp: a_eq[%zu, %zu] is not finite", i, jj);
    for (size_t i = 0; i < p->n_ineq; i++)
      if (!isfinite(p->a_in[i + jj * p->ld_a_in]))
        return folio_error_set(err, FOLIO_ENOTFINITE, "qp: a_in[%zu, %zu] is not finite", i, jj);
  }
  for (size_t i = 0; i < p->n_eq; i++)
    if (!isfinite(p->b_eq[i]))
      return folio_error_set(err, FOLIO_ENOTFINITE, "qp: b_eq[%zu] is not finite (%g)", i, p->b_eq[i]);
  for (size_t i = 0; i < p->n_ineq; i++)
    if (!isfinite(p->b_in[i]))
      return folio_error_set(err, FOLIO_ENOTFINITE, "qp: b_in[%zu] is not finite (%g)", i, p->b_in[i]);
  return FOLIO_OK;
}

/* c->j0 = L^-T for G = Q + rho I (lower triangle of Q). 0, or the 1-based
 * column where the factorisation failed. */
static lapack_int factor(qp_ctx *c, const folio_qp_problem *p, double rho) {
  size_t n = c->n;
  double *m = c->r; /* scratch */
  for (size_t jj = 0; jj < n; jj++)
    for (size_t i = jj; i < n; i++) m[i + jj * n] = p->q[i + jj * p->ld_q] + (i == jj ? rho : 0.0);
  lapack_int ni = (lapack_int)n;
  lapack_int info = LAPACKE_dpotrf_work(LAPACK_COL_MAJOR, 'L', ni, m, ni);
  if (info != 0) return info;
  if (rho == 0.0) { /* numerically singular (a rank-deficient Q often factors with tiny pivots):
                       J would be huge and the steps meaningless; go proximal instead */
    double maxdiag = 0.0, minpiv = INFINITY;
    for (size_t i = 0; i < n; i++) {
      maxdiag = fmax(maxdiag, p->q[i + i * p->ld_q]);
      minpiv = fmin(minpiv, m[i + i * n] * m[i + i * n]);
    }
    if (minpiv < 1e-10 * maxdiag) {
      size_t at = 0;
      for (size_t i = 0; i < n; i++)
        if (m[i + i * n] * m[i + i * n] == minpiv) at = i;
      return (lapack_int)at + 1;
    }
  }
  info = LAPACKE_dtrtri_work(LAPACK_COL_MAJOR, 'L', 'N', ni, m, ni);
  if (info != 0) return info;
  for (size_t jj = 0; jj < n; jj++) /* J = (L^-1)' : upper */
    for (size_t i = 0; i < n; i++) c->j0[i + jj * n] = i <= jj ? m[jj + i * n] : 0.0;
  return 0;
}

/* g = Qx + c + A_eq'y_eq + A_in'y_in (multipliers may be NULL = 0). */
static void lagrangian_gradient(const folio_qp_problem *p, const double *x, const double *y_eq,
                                const double *y_in, double *g) {
  size_t n = p->n_vars;
  for (size_t i = 0; i < n; i++) g[i] = p->c ? p->c[i] : 0.0;
  cblas_dsymv(CblasColMajor, CblasLower, (int)n, 1.0, p->q, (int)p->ld_q, x, 1, 1.0, g, 1);
  if (p->n_eq && y_eq)
    cblas_dgemv(CblasColMajor, CblasTrans, (int)p->n_eq, (int)n, 1.0, p->a_eq, (int)p->ld_a_eq,
                y_eq, 1, 1.0, g, 1);
  if (p->n_ineq && y_in)
    cblas_dgemv(CblasColMajor, CblasTrans, (int)p->n_ineq, (int)n, 1.0, p->a_in, (int)p->ld_a_in,
                y_in, 1, 1.0, g, 1);
}

/* The KKT residuals with g (n_vars doubles) as scratch. */
static folio_qp_kkt kkt_with(const folio_qp_problem *p, const double *x, const double *y_eq,
                             const double *y_in, const double *z_lower, const double *z_upper,
                             double *gv) {
  folio_qp_kkt k = {0, 0, 0, 0};
  size_t n = p->n_vars;
  lagrangian_gradient(p, x, y_eq, y_in, gv);
  for (size_t i = 0; i < n; i++) {
    double zl = z_lower ? z_lower[i] : 0.0, zu = z_upper ? z_upper[i] : 0.0;
    double g = gv[i] + zu - zl;
    if (fabs(g) > k.stationarity) k.stationarity = fabs(g);
    double l = p->lower ? p->lower[i] : -INFINITY, u = p->upper ? p->upper[i] : INFINITY;
    double v = fmax(l - x[i], x[i] - u);
    if (v > k.primal) k.primal = v;
    if (-zl > k.dual) k.dual = -zl;
    if (-zu > k.dual) k.dual = -zu;
    if (isfinite(l) && fabs(zl * (x[i] - l)) > k.complementarity) k.complementarity = fabs(zl * (x[i] - l));
    if (!isfinite(l) && zl != 0.0) k.complementarity = INFINITY;
    if (isfinite(u) && fabs(zu * (u - x[i])) > k.complementarity) k.complementarity = fabs(zu * (u - x[i]));
    if (!isfinite(u) && zu != 0.0) k.complementarity = INFINITY;
  }
  for (size_t e = 0; e < p->n_eq; e++) {
    double s = -p->b_eq[e];
    for (size_t i = 0; i < n; i++) s += p->a_eq[e + i * p->ld_a_eq] * x[i];
    if (fabs(s) > k.primal) k.primal = fabs(s);
  }
  for (size_t e = 0; e < p->n_ineq; e++) {
    double s = -p->b_in[e];
    for (size_t i = 0; i < n; i++) s += p->a_in[e + i * p->ld_a_in] * x[i];
    if (s > k.primal) k.primal = s;
    double y = y_in ? y_in[e] : 0.0;
    if (-y > k.dual) k.dual = -y;
    if (fabs(y * s) > k.complementarity) k.complementarity = fabs(y * s);
  }
  return k;
}

folio_qp_kkt folio_qp_kkt_residuals(const folio_qp_problem *p, const double *x, const double *y_eq,
                                    const double *y_in, const double *z_lower,
                                    const double *z_upper) {
  double *g = malloc((p->n_vars ? p->n_vars : 1) * sizeof(double));
  if (!g) {
    folio_qp_kkt inf = {INFINITY, INFINITY, INFINITY, INFINITY};
    return inf;
  }
  folio_qp_kkt k = kkt_with(p, x, y_eq, y_in, z_lower, z_upper, g);
  free(g);
  return k;
}

static double objective_with(const folio_qp_problem *p, const double *x, double *g) {
  size_t n = p->n_vars;
  cblas_dsymv(CblasColMajor, CblasLower, (int)n, 0.5, p->q, (int)p->ld_q, x, 1, 0.0, g, 1);
  if (p->c) cblas_daxpy((int)n, 1.0, p->c, 1, g, 1);
  return cblas_ddot((int)n, g, 1, x, 1);
}

/* One solve of a checked problem in mem (core_size bytes, 64-aligned). */
static folio_status qp_core(const folio_qp_problem *p, const folio_qp_opts *opts, double *x,
                            double *y_eq, double *y_in, double *z_lower, double *z_upper,
                            unsigned char *mem, folio_qp_info *info, folio_error *err) {
  folio_qp_opts o = *opts;
  folio_status st = FOLIO_OK;
  size_t n = p->n_vars;
  folio_i_arena ar = {mem, 0, 0};
  qp_ctx c;
  memset(&c, 0, sizeof c);
  qp_carve(&ar, n, p->n_eq, p->n_ineq, &c);
  c.n = n;
  c.neq = p->n_eq;
  c.nin = p->n_ineq;
  c.mg = c.neq + c.nin;
  c.meter = folio_i_meter_of(o.cancel);
  /* the bounds as read by crhs: the caller's, or infinite ones in mult's tail
   * (mult[0, mg) holds y_eq and y_in at the end; the tail is never reused) */
  double *lbuf = c.mult + c.mg, *ubuf = c.mult + c.mg + n;
  for (size_t i = 0; i < n; i++) {
    lbuf[i] = p->lower ? p->lower[i] : -INFINITY;
    ubuf[i] = p->upper ? p->upper[i] : INFINITY;
  }
  c.lo = lbuf;
  c.up = ubuf;
  /* general rows, scaled to unit norm */
  for (size_t e = 0; e < c.mg; e++) {
    const double *a = e < c.neq ? p->a_eq + e : p->a_in + (e - c.neq);
    size_t ld = e < c.neq ? p->ld_a_eq : p->ld_a_in;
    double b = e < c.neq ? p->b_eq[e] : p->b_in[e - c.neq];
    double nrm = 0.0;
    for (size_t i = 0; i < n; i++) nrm = hypot(nrm, a[i * ld]);
    c.rnorm[e] = nrm;
    if (nrm == 0.0) {
      if ((e < c.neq && fabs(b) > o.tol) || (e >= c.neq && b < -o.tol)) {
        st = folio_error_set(err, FOLIO_EINVAL, "qp: infeasible: %s %zu is 0 %s %g",
                             e < c.neq ? "equality" : "inequality", e < c.neq ? e : e - c.neq,
                             e < c.neq ? "=" : "<=", b);
        goto done;
      }
      c.rb[e] = 0.0;
      c.sp_n[e] = 0;
      continue;
    }
    int nnz = 0;
    for (size_t i = 0; i < n; i++) {
      c.rows[e * n + i] = a[i * ld] / nrm;
      if (a[i * ld] != 0.0) {
        if (nnz < QP_SPARSE) c.sp_idx[e * QP_SPARSE + nnz] = (int)i;
        nnz++;
      }
    }
    c.sp_n[e] = nnz <= QP_SPARSE ? (unsigned char)nnz : QP_DENSE;
    c.rb[e] = b / nrm;
  }
  double maxdiag = 0.0;
  for (size_t i = 0; i < n; i++) maxdiag = fmax(maxdiag, fabs(p->q[i + i * p->ld_q]));
  double rho = 0.0;
  lapack_int fail = o.force_prox ? 1 : factor(&c, p, 0.0);
  if (fail) {
    /* large enough that the steps |c|/ρ of the flat directions stay within rounding
     * reach (1e4 times |c|), small enough to keep the curved ones contracting fast */
    double cmax = 0.0;
    for (size_t i = 0; i < n && p->c; i++) cmax = fmax(cmax, fabs(p->c[i]));
    rho = fmax(fmax(1e-6 * maxdiag, 1e-4 * cmax), 1e-12);
    fail = factor(&c, p, rho);
    if (fail) {
      st = folio_error_set(err, FOLIO_ENOTPD,
                           "qp: q is not positive semidefinite (the factorisation failed at "
                           "variable %d)",
                           (int)fail - 1);
      goto done;
    }
  }
  if (folio_i_cancel_now(&c.meter)) {
    st = folio_error_set(err, FOLIO_ECANCELED, "qp: cancelled after the factorisation");
    goto done;
  }
  int max_iter = o.max_iter > 0 ? o.max_iter : (int)(10 * (n + c.mg + 2 * n) + 1000);
  int prox = 0;
  double dx_prev = INFINITY;
  memset(c.xc, 0, n * sizeof(double));
  for (;;) {
    for (size_t i = 0; i < n; i++) c.a[i] = (p->c ? p->c[i] : 0.0) - rho * c.xc[i];
    st = gi_solve(&c, o.tol, max_iter, err);
    if (st < 0) goto done;
    if (rho == 0.0) break;
    prox++;
    double dx = 0.0, xn = 0.0;
    for (size_t i = 0; i < n; i++) {
      dx = fmax(dx, fabs(c.x[i] - c.xc[i]));
      xn = fmax(xn, fabs(c.x[i]));
    }
    memcpy(c.xc, c.x, n * sizeof(double));
    if (prox > 1 && dx <= 1e-13 * (1.0 + xn)) break;
    /* stalled at the rounding floor of the long unconstrained steps: no better x exists */
    if (prox > 3 && dx <= 1e-10 * (1.0 + xn) && dx >= 0.5 * dx_prev) break;
    dx_prev = dx;
    if (prox >= o.max_prox) {
      st = folio_error_set(err, FOLIO_EDEGENERATE,
                           "qp: no convergence within %d proximal-point iterations (last change %g)",
                           o.max_prox, dx);
      goto done;
    }
    if (folio_i_cancel_now(&c.meter)) {
      st = folio_error_set(err, FOLIO_ECANCELED, "qp: cancelled at proximal iteration %d", prox);
      goto done;
    }
  }
  /* multipliers in the caller's convention: y_eq, y_in in mult[0, mg) */
  {
    double *ye = c.mult, *yi = c.mult + c.neq, *yl = c.rr, *yu = c.z;
    memset(c.mult, 0, c.mg * sizeof(double));
    memset(yl, 0, n * sizeof(double));
    memset(yu, 0, n * sizeof(double));
    for (size_t l = 0; l < c.q; l++) {
      size_t k = (size_t)c.act[l];
      double u = c.u[l];
      if (k < c.neq) ye[k] = -u * c.eqsign[k] / c.rnorm[k];
      else if (k < c.mg) yi[k - c.neq] = u / c.rnorm[k];
      else if (k < c.mg + n) yl[k - c.mg] = u;
      else yu[k - c.mg - n] = u;
    }
    if (info) {
      info->iterations = c.iterations;
      info->prox_iterations = prox;
      info->n_active = c.q;
      info->objective = objective_with(p, c.x, c.d);
      info->kkt = kkt_with(p, c.x, ye, yi, yl, yu, c.d);
    }
    if (y_eq) memcpy(y_eq, ye, c.neq * sizeof(double));
    if (y_in) memcpy(y_in, yi, c.nin * sizeof(double));
    if (z_lower) memcpy(z_lower, yl, n * sizeof(double));
    if (z_upper) memcpy(z_upper, yu, n * sizeof(double));
    memcpy(x, c.x, n * sizeof(double));
  }
done:
  return st;
}

/* ==== the warm start: bounds fixed by a guess, released by their multipliers ==== */

/* Solves with the variables marked in r->mark fixed at their bounds, releasing
 * those whose multiplier comes out negative, until none does. FOLIO_OK with
 * the full solution, 1 when the guess led nowhere (the caller solves cold),
 * or a failure that ends the call (cancelled). */
static int qp_warm(const folio_qp_problem *p, const folio_qp_opts *o, qp_reduced *r, double *x,
                   double *y_eq, double *y_in, double *z_lower, double *z_upper, unsigned char *core,
                   folio_qp_info *info, folio_error *err, folio_status *st_out) {
  size_t n = p->n_vars, neq = p->n_eq, nin = p->n_ineq;
  folio_qp_opts so = *o;
  so.start = NULL;
  int iterations = 0, prox = 0;
  for (int round = 0; round < 30; round++) {
    size_t nf = 0;
    for (size_t i = 0; i < n; i++) {
      double l = p->lower ? p->lower[i] : -INFINITY, u = p->upper ? p->upper[i] : INFINITY;
      if (r->mark[i] < 0 && isfinite(l)) x[i] = l;
      else if (r->mark[i] > 0 && isfinite(u)) x[i] = u;
      else {
        r->mark[i] = 0;
        r->idx[nf++] = i;
      }
    }
    if (nf == 0 || nf == n) return 1;
    /* the reduced problem on the free variables */
    for (size_t b = 0; b < nf; b++) {
      size_t jb = r->idx[b];
      for (size_t a = b; a < nf; a++) {
        size_t ia = r->idx[a];
        r->q[a + b * nf] = p->q[ia + jb * p->ld_q]; /* ia >= jb: lower triangle */
      }
    }
    for (size_t i = 0; i < n; i++) r->g[i] = r->mark[i] ? x[i] : 0.0; /* the fixed part */
    cblas_dsymv(CblasColMajor, CblasLower, (int)n, 1.0, p->q, (int)p->ld_q, r->g, 1, 0.0, r->zl, 1);
    for (size_t a = 0; a < nf; a++) {
      size_t i = r->idx[a];
      r->c[a] = (p->c ? p->c[i] : 0.0) + r->zl[i];
      r->lo[a] = p->lower ? p->lower[i] : -INFINITY;
      r->up[a] = p->upper ? p->upper[i] : INFINITY;
    }
    for (size_t e = 0; e < neq; e++) {
      double b = p->b_eq[e];
      for (size_t i = 0; i < n; i++)
        if (r->mark[i]) b -= p->a_eq[e + i * p->ld_a_eq] * x[i];
      r->beq[e] = b;
    }
    for (size_t e = 0; e < nin; e++) {
      double b = p->b_in[e];
      for (size_t i = 0; i < n; i++)
        if (r->mark[i]) b -= p->a_in[e + i * p->ld_a_in] * x[i];
      r->bin[e] = b;
    }
    for (size_t a = 0; a < nf; a++) {
      size_t i = r->idx[a];
      for (size_t e = 0; e < neq; e++) r->aeq[e + a * neq] = p->a_eq[e + i * p->ld_a_eq];
      for (size_t e = 0; e < nin; e++) r->ain[e + a * nin] = p->a_in[e + i * p->ld_a_in];
    }
    folio_qp_problem rp = {nf, r->q, nf, r->c, neq, r->aeq, neq ? neq : 1, r->beq,
                           nin, r->ain, nin ? nin : 1, r->bin, r->lo, r->up};
    folio_qp_info ri;
    folio_error re;
    folio_status st = qp_core(&rp, &so, r->xr, r->ye, r->yi, r->zl, r->zu, core, &ri, &re);
    if (st == FOLIO_ECANCELED) {
      *st_out = folio_error_set(err, st, "%s", re.message);
      return -1;
    }
    if (st < 0) return 1; /* a wrong guess can make the reduced problem infeasible */
    iterations += ri.iterations;
    prox += ri.prox_iterations;
    for (size_t a = 0; a < nf; a++) x[r->idx[a]] = r->xr[a];
    lagrangian_gradient(p, x, neq ? r->ye : NULL, nin ? r->yi : NULL, r->g);
    double gmax = 0.0;
    for (size_t i = 0; i < n; i++) gmax = fmax(gmax, fabs(r->g[i]));
    size_t released = 0;
    for (size_t i = 0; i < n; i++) {
      if (!r->mark[i]) continue;
      double m = r->mark[i] < 0 ? r->g[i] : -r->g[i];
      if (m < -1e-12 * (1.0 + gmax)) {
        r->mark[i] = 0;
        released++;
      }
    }
    if (released) continue;
    /* the answer: the free variables' multipliers from the reduced solve, the fixed ones' from g */
    for (size_t i = 0; i < n; i++) r->lo[i] = r->up[i] = 0.0; /* now the full z_lower, z_upper */
    for (size_t a = 0; a < nf; a++) {
      r->lo[r->idx[a]] = r->zl[a];
      r->up[r->idx[a]] = r->zu[a];
    }
    for (size_t i = 0; i < n; i++) {
      if (r->mark[i] < 0) r->lo[i] = fmax(r->g[i], 0.0);
      if (r->mark[i] > 0) r->up[i] = fmax(-r->g[i], 0.0);
    }
    if (info) {
      info->iterations = iterations;
      info->prox_iterations = prox;
      info->n_active = ri.n_active + (n - nf);
      info->objective = objective_with(p, x, r->g);
      info->kkt = kkt_with(p, x, r->ye, r->yi, r->lo, r->up, r->g);
    }
    if (y_eq) memcpy(y_eq, r->ye, neq * sizeof(double));
    if (y_in) memcpy(y_in, r->yi, nin * sizeof(double));
    if (z_lower) memcpy(z_lower, r->lo, n * sizeof(double));
    if (z_upper) memcpy(z_upper, r->up, n * sizeof(double));
    *st_out = FOLIO_OK;
    return 0;
  }
  return 1;
}

folio_status folio_qp_solve(const folio_qp_problem *p, const folio_qp_opts *opts, double *x,
                            double *y_eq, double *y_in, double *z_lower, double *z_upper,
                            void *work, folio_qp_info *info, folio_error *err) {
  folio_qp_opts o = opts ? *opts : folio_qp_defaults();
  folio_status st = check_problem(p, err);
  if (st < 0) return st;
  if (!x) return folio_error_set(err, FOLIO_EINVAL, "qp: x is NULL");
  if (!(o.tol > 0) || !(o.tol < 1)) return folio_error_set(err, FOLIO_EINVAL, "qp: tol must be in (0, 1)");
  size_t n = p->n_vars;
  size_t bytes = folio_qp_work_size(n, p->n_eq, p->n_ineq);
  if (bytes == 0) return folio_error_set(err, FOLIO_EDIM, "qp: workspace size overflows");
  void *owned = NULL;
  void *mem = folio_i_workspace(work, bytes, &owned);
  if (!mem) return folio_error_set(err, FOLIO_ENOMEM, "qp: out of memory (%zu bytes)", bytes);
  unsigned char *core = folio_i_align64(mem);
  st = FOLIO_OK;
  int cold = 1;
  if (o.start) {
    folio_i_arena ar = {core, core_size(n, p->n_eq, p->n_ineq), 0};
    qp_reduced r;
    reduced_carve(&ar, n, p->n_eq, p->n_ineq, &r);
    memcpy(r.mark, o.start, n);
    /* the full x is built in r.xs: the caller's x is written only on success */
    int w = qp_warm(p, &o, &r, r.xs, y_eq, y_in, z_lower, z_upper, core, info, err, &st);
    if (w == 0) memcpy(x, r.xs, n * sizeof(double));
    if (w <= 0) cold = 0;
  }
  if (cold) {
    o.start = NULL;
    st = qp_core(p, &o, x, y_eq, y_in, z_lower, z_upper, core, info, err);
  }
  free(owned);
  return st;
}
