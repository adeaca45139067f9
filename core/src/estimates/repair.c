/*
 * repair.c — making a covariance positive definite (see repair.h): the
 * method names, and the four methods behind folio_cov_repair.
 *
 * Every method starts with a Cholesky factorisation of a copy: a matrix
 * that factorises is left alone, bit for bit. Otherwise ERROR names the
 * symbol at the failing leading minor; RIDGE adds the documented ridge
 * schedule to the diagonal; CLIP raises the eigenvalues below
 * 1e-10 * largest to that floor and rebuilds V diag(L) V' with one dsyrk on
 * V sqrt(L); HIGHAM projects the implied correlation onto the nearest
 * correlation matrix (Higham 2002, alternating projections with Dykstra's
 * correction), floors the last iterate as CLIP does (in correlation space,
 * then back to a unit diagonal) when it does not factorise, and rescales it
 * by the original standard deviations; only a zero variance then needs the
 * CLIP floor on the covariance itself. Every result is checked by a
 * final Cholesky factorisation before it is written back, so success means
 * the caller's factorisation will succeed too.
 */
#include <cblas.h>
#include <lapacke.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "folio/panel.h"
#include "folio/repair.h"
#include "internal.h"
#include "names.h"

static const char *const repair_names[] = {"error", "ridge", "clip", "higham"};

folio_status folio_repair_parse(const char *name, folio_repair *out, folio_error *err) {
  if (!name || !out)
    return folio_error_set(err, FOLIO_EINVAL,
                           "repair: %s is NULL (expected \"error\", \"ridge\", \"clip\" or \"higham\")",
                           name ? "out" : "name");
  int i = folio_i_name_index(repair_names, 4, name);
  if (i >= 0) {
    *out = (folio_repair)i;
    return FOLIO_OK;
  }
  return folio_error_set(err, FOLIO_EINVAL,
                         "repair: unknown value \"%s\" (expected \"error\", \"ridge\", \"clip\" or \"higham\")",
                         name);
}

const char *folio_repair_name(folio_repair r) {
  return (unsigned)r < 4 ? repair_names[r] : "unknown";
}

/* ---- workspace ------------------------------------------------------------ */

enum {
  RIDGE_TRIES = 12,   /* r0, 10 r0, ..., 1e11 r0 */
  HIGHAM_MAX_IT = 200,
  EIG_LWORK_PER_N = 72, /* dsyevr wants >= 26 n; (block size + 6) n is its optimum */
  EIG_LIWORK_PER_N = 10
};
#define FLOOR_REL 1e-10  /* CLIP floor: 1e-10 * largest eigenvalue */
#define HIGHAM_TOL 1e-12 /* ||Y_k - Y_{k-1}||_F <= tol ||Y_k||_F */

/* Sub-buffers: a (copy / factor / eigen input), z (eigenvectors), y, ds, r
 * (Higham iterates; y is also CLIP's check buffer), ev, d (n each), eigen
 * work and integer work. `full` = 0 sizes only what ERROR and RIDGE need. */
typedef struct rep_work {
  double *a, *z, *y, *ds, *r, *ev, *d, *lw;
  lapack_int *iw, *isuppz;
  size_t lwork, liwork;
} rep_work;

static void rep_layout(folio_i_arena *ar, size_t n, folio_repair method, rep_work *w) {
  size_t nn = 0, lw = 0, liw = 0;
  if (folio_i_mul(n, n, &nn) || folio_i_mul(n, EIG_LWORK_PER_N, &lw) ||
      folio_i_mul(n, EIG_LIWORK_PER_N, &liw)) {
    ar->overflow = 1;
    return;
  }
  int eig = method == FOLIO_REPAIR_CLIP || method == FOLIO_REPAIR_HIGHAM;
  int higham = method == FOLIO_REPAIR_HIGHAM;
  memset(w, 0, sizeof *w);
  w->a = folio_i_take(ar, nn, sizeof(double));
  if (!eig) return;
  w->z = folio_i_take(ar, nn, sizeof(double));
  w->y = folio_i_take(ar, nn, sizeof(double));
  w->ds = higham ? folio_i_take(ar, nn, sizeof(double)) : NULL;
  w->r = higham ? folio_i_take(ar, nn, sizeof(double)) : NULL;
  w->ev = folio_i_take(ar, n, sizeof(double));
  w->d = folio_i_take(ar, n, sizeof(double));
  w->lw = folio_i_take(ar, lw + 1, sizeof(double));
  w->iw = folio_i_take(ar, liw + 1, sizeof(lapack_int));
  w->isuppz = folio_i_take(ar, 2 * n + 2, sizeof(lapack_int));
  w->lwork = lw + 1;
  w->liwork = liw + 1;
}

static size_t rep_size(size_t n, folio_repair method) {
  folio_i_arena ar = {NULL, 0, 0};
  rep_work w;
  rep_layout(&ar, n, method, &w);
  if (ar.overflow || ar.used > SIZE_MAX - 64) return 0;
  return ar.used + 64; /* room to align a buffer of any alignment */
}

size_t folio_cov_repair_work_size(size_t n) { return rep_size(n, FOLIO_REPAIR_HIGHAM); }

/* ---- small dense helpers ---------------------------------------------------- */

/* The lower triangle (diagonal included) of src (ld) into dst (ld n). */
static void copy_lower(size_t n, const double *src, size_t ld, double *dst) {
  for (size_t j = 0; j < n; j++)
    memcpy(dst + j * n + j, src + j * ld + j, (n - j) * sizeof(double));
}

/* Cholesky of the lower triangle of src (ld) on the copy a: 0 when it
 * factorises, else the 1-based index of the failing leading minor. */
static lapack_int chol_check(size_t n, const double *src, size_t ld, double *a) {
  copy_lower(n, src, ld, a);
  return LAPACKE_dpotrf_work(LAPACK_COL_MAJOR, 'L', (lapack_int)n, a, (lapack_int)n);
}

/* Eigenvalues (ascending, into w->ev) and, with jobz 'V', eigenvectors
 * (into w->z) of the symmetric matrix whose lower triangle is in a (ld n,
 * destroyed). Returns LAPACK's info. */
static lapack_int eig_sym(size_t n, double *a, char jobz, rep_work *w) {
  lapack_int m = 0;
  return LAPACKE_dsyevr_work(LAPACK_COL_MAJOR, jobz, 'A', 'L', (lapack_int)n, a, (lapack_int)n, 0.0,
                             0.0, 0, 0, 0.0, &m, w->ev, w->z, (lapack_int)n, w->isuppz, w->lw,
                             (lapack_int)w->lwork, w->iw, (lapack_int)w->liwork);
}

/* out (ld n, full) = Z diag(max(ev, floor)) Z' over the eigenpairs k >= k0,
 * by one dsyrk on the columns of Z scaled by sqrt(eigenvalue) (Z is
 * overwritten), then mirrored: exactly symmetric. */
static void rebuild(size_t n, double *z, const double *ev, double floor, size_t k0, double *out) {
  for (size_t k = k0; k < n; k++) {
    double s = sqrt(ev[k] > floor ? ev[k] : floor);
    double *col = z + k * n;
    for (size_t i = 0; i < n; i++) col[i] *= s;
  }
  if (k0 == n) {
    memset(out, 0, n * n * sizeof *out);
    return;
  }
  cblas_dsyrk(CblasColMajor, CblasUpper, CblasNoTrans, (int)n, (int)(n - k0), 1.0, z + k0 * n,
              (int)n, 0.0, out, (int)n);
  folio_i_mirror_upper(out, n, n);
}

/* Eigenvalue clipping of the full symmetric src (ld n; may be w->a) into
 * w->a. Reports the smallest eigenvalue and how many were raised. */
static folio_status clip_into_a(size_t n, const double *src, rep_work *w, double *min_eig,
                                size_t *n_clipped, folio_error *err) {
  if (src != w->a) copy_lower(n, src, n, w->a);
  lapack_int info = eig_sym(n, w->a, 'V', w);
  if (info != 0)
    return folio_error_set(err, FOLIO_ENOTPD, "cov_repair: the eigensolver failed (dsyevr info %d)",
                           (int)info);
  double top = w->ev[n - 1], floor = FLOOR_REL * top;
  *min_eig = w->ev[0];
  if (!(floor > 0) || !isfinite(floor))
    return folio_error_set(err, FOLIO_ENOTPD,
                           "cov_repair: cannot clip, the largest eigenvalue is %g (no positive "
                           "scale for a floor)",
                           top);
  size_t clipped = 0;
  while (clipped < n && w->ev[clipped] < floor) clipped++;
  *n_clipped = clipped;
  rebuild(n, w->z, w->ev, floor, 0, w->a);
  return FOLIO_OK;
}

/* ---- the methods ---------------------------------------------------------- */

/* Higham's alternating projections on the implied correlation of cov; the
 * rescaled result goes into w->y (full, ld n). */
static folio_status higham(size_t n, const double *cov, size_t ld, const char *const *symbols,
                           folio_i_meter *meter,
                           rep_work *w, folio_repair_info *info, folio_error *err) {
  char b1[64];
  double *d = w->d, *y = w->y, *ds = w->ds, *r = w->r, *a = w->a;
  for (size_t i = 0; i < n; i++) {
    double c = cov[i + i * ld];
    if (c < 0)
      return folio_error_set(err, FOLIO_ENOTPD,
                             "cov_repair: symbol %s has a negative variance %g (no correlation "
                             "to repair)",
                             folio_i_symbol(symbols, i, b1, sizeof b1), c);
    d[i] = sqrt(c);
  }
  /* Before: the smallest eigenvalue and the count below the CLIP floor. */
  copy_lower(n, cov, ld, a);
  lapack_int inf = eig_sym(n, a, 'N', w);
  if (inf != 0)
    return folio_error_set(err, FOLIO_ENOTPD, "cov_repair: the eigensolver failed (dsyevr info %d)",
                           (int)inf);
  double floor = FLOOR_REL * w->ev[n - 1];
  info->min_eigenvalue = w->ev[0];
  if (!(floor > 0) || !isfinite(floor))
    return folio_error_set(err, FOLIO_ENOTPD,
                           "cov_repair: cannot repair, the largest eigenvalue is %g",
                           w->ev[n - 1]);
  size_t below = 0;
  while (below < n && w->ev[below] < floor) below++;
  info->n_clipped = below;

  /* Y_0 = the implied correlation (lower entries; a zero variance gives a
   * unit row and column), dS_0 = 0. */
  for (size_t j = 0; j < n; j++) {
    y[j + j * n] = 1.0;
    for (size_t i = j + 1; i < n; i++) {
      double dd = d[i] * d[j];
      double v = dd > 0 ? cov[i + j * ld] / dd : 0.0;
      y[i + j * n] = v;
      y[j + i * n] = v;
    }
  }
  memset(ds, 0, n * n * sizeof *ds);
  int it = 0;
  for (it = 1; it <= HIGHAM_MAX_IT; it++) {
    for (size_t e = 0; e < n * n; e++) r[e] = y[e] - ds[e]; /* R = Y - dS */
    memcpy(a, r, n * n * sizeof *a);
    inf = eig_sym(n, a, 'V', w);
    if (inf != 0)
      return folio_error_set(err, FOLIO_ENOTPD,
                             "cov_repair: the eigensolver failed in iteration %d (dsyevr info %d)",
                             it, (int)inf);
    size_t k0 = 0;
    while (k0 < n && !(w->ev[k0] > 0)) k0++;
    rebuild(n, w->z, w->ev, 0.0, k0, a); /* X = P_S(R) */
    double change = 0.0, norm = 0.0;
    for (size_t j = 0; j < n; j++)
      for (size_t i = 0; i < n; i++) {
        size_t e = i + j * n;
        ds[e] = a[e] - r[e];                 /* Dykstra's correction */
        double v = i == j ? 1.0 : a[e];      /* Y = P_U(X) */
        change += (v - y[e]) * (v - y[e]);
        norm += v * v;
        y[e] = v;
      }
    if (sqrt(change) <= HIGHAM_TOL * sqrt(norm)) break;
    /* an iteration: an eigendecomposition and a rebuild, about 12 n^3 flops */
    if (folio_i_cancelled(meter, 12.0 * (double)n * (double)n * (double)n))
      return folio_error_set(err, FOLIO_ECANCELED, "cov_repair: cancelled at Higham iteration %d",
                             it);
  }
  info->iterations = it > HIGHAM_MAX_IT ? HIGHAM_MAX_IT : it;
  /* The last iterate has a unit diagonal but may sit a rounding (or, when
   * 200 iterations did not converge, a little more) outside the PSD cone.
   * Floor it in correlation space and restore the unit diagonal by the
   * congruence diag(s) Y diag(s), s_i = 1 / sqrt(Y_ii): positive definite
   * stays positive definite, and the variances come out as the originals. */
  if (chol_check(n, y, n, a) != 0) {
    double ignored_min;
    size_t ignored_count;
    folio_status st = clip_into_a(n, y, w, &ignored_min, &ignored_count, err);
    if (st < 0) return st;
    for (size_t i = 0; i < n; i++) ds[i] = 1.0 / sqrt(a[i + i * n]); /* ds: free now */
    for (size_t j = 0; j < n; j++)
      for (size_t i = 0; i < n; i++) y[i + j * n] = i == j ? 1.0 : a[i + j * n] * (ds[i] * ds[j]);
  }
  /* Rescale: C_ij = Y_ij (d_i d_j), symmetric because d_i d_j is. */
  for (size_t j = 0; j < n; j++)
    for (size_t i = 0; i < n; i++) y[i + j * n] *= d[i] * d[j];
  return FOLIO_OK;
}

/* ---- the public entry point ----------------------------------------------- */

folio_status folio_cov_repair(size_t n, double *cov, size_t ld, folio_repair method,
                              const char *const *symbols, void *work, folio_repair_info *info,
                              folio_error *err) {
  return folio_i_cov_repair(n, cov, ld, method, symbols, work, NULL, info, err);
}

folio_status folio_i_cov_repair(size_t n, double *cov, size_t ld, int method,
                                const char *const *symbols, void *work, const folio_cancel *cancel,
                                struct folio_repair_info *info, folio_error *err) {
  char b1[64], b2[64];
  folio_i_meter meter = folio_i_meter_of(cancel);
  if ((unsigned)method > FOLIO_REPAIR_HIGHAM)
    return folio_error_set(err, FOLIO_EINVAL,
                           "cov_repair: unknown method %d (error, ridge, clip or higham)",
                           (int)method);
  folio_repair_info out = {(folio_repair)method, 0, 0.0, NAN, 0.0, 0, 0};
  size_t nn;
  if (n > FOLIO_MAX_DIM || folio_i_mul(n, n, &nn) || nn > FOLIO_MAX_ELEMS)
    return folio_error_set(err, FOLIO_EINVAL, "cov_repair: %zu assets (at most %zu entries)", n,
                           (size_t)FOLIO_MAX_ELEMS);
  if (n == 0) {
    if (info) *info = out;
    folio_error_clear(err);
    return FOLIO_OK;
  }
  if (!cov) return folio_error_set(err, FOLIO_EINVAL, "cov_repair: cov is NULL");
  if (ld < n) return folio_error_set(err, FOLIO_EINVAL, "cov_repair: ld %zu < %zu assets", ld, n);
  if (ld > INT_MAX) return folio_error_set(err, FOLIO_EINVAL, "cov_repair: ld %zu is too large", ld);

  /* Finite everywhere, then symmetric to 1e-10 relative to sqrt|c_ii c_jj|. */
  for (size_t j = 0; j < n; j++)
    for (size_t i = 0; i < n; i++)
      if (!isfinite(cov[i + j * ld]))
        return folio_error_set(err, FOLIO_ENOTFINITE,
                               "cov_repair: cov is not finite (symbols %s, %s: %g)",
                               folio_i_symbol(symbols, i, b1, sizeof b1),
                               folio_i_symbol(symbols, j, b2, sizeof b2), cov[i + j * ld]);
  for (size_t j = 0; j < n; j++)
    for (size_t i = j + 1; i < n; i++) {
      double x = cov[i + j * ld], y = cov[j + i * ld];
      if (fabs(x - y) > 1e-10 * sqrt(fabs(cov[i + i * ld] * cov[j + j * ld])))
        return folio_error_set(err, FOLIO_ENOTSYM,
                               "cov_repair: cov is not symmetric (symbols %s and %s: %.17g vs "
                               "%.17g)",
                               folio_i_symbol(symbols, j, b1, sizeof b1),
                               folio_i_symbol(symbols, i, b2, sizeof b2), y, x);
    }

  size_t need = rep_size(n, work ? FOLIO_REPAIR_HIGHAM : method);
  if (need == 0) return folio_error_set(err, FOLIO_EINVAL, "cov_repair: workspace overflows");
  void *owned;
  work = folio_i_workspace(work, need, &owned);
  if (!work)
    return folio_error_set(err, FOLIO_ENOMEM, "cov_repair: cannot allocate %zu bytes", need);
  folio_i_arena ar = {folio_i_align64(work), 0, 0};
  rep_work w;
  rep_layout(&ar, n, method, &w);
  folio_status st = FOLIO_OK;

  lapack_int failed = chol_check(n, cov, ld, w.a);
  if (failed < 0) {
    st = folio_error_set(err, FOLIO_EINVAL, "cov_repair: dpotrf rejected argument %d", (int)-failed);
    goto done;
  }
  if (failed == 0) goto success; /* already positive definite: untouched */
  const char *sym = folio_i_symbol(symbols, (size_t)failed - 1, b1, sizeof b1);

  if (method == FOLIO_REPAIR_ERROR) {
    st = folio_error_set(err, FOLIO_ENOTPD, "cov_repair: cov is not positive definite (symbol %s)",
                         sym);
    goto done;
  }

  if (method == FOLIO_REPAIR_RIDGE) {
    double sum = 0.0;
    for (size_t i = 0; i < n; i++) sum += cov[i + i * ld];
    double ridge = 1e-10 * (sum / (double)n);
    if (!(ridge > 0) || !isfinite(ridge)) {
      st = folio_error_set(err, FOLIO_ENOTPD,
                           "cov_repair: cov is not positive definite (symbol %s); no ridge "
                           "repair: mean variance is %g",
                           sym, sum / (double)n);
      goto done;
    }
    for (int t = 0;; t++) {
      copy_lower(n, cov, ld, w.a);
      for (size_t i = 0; i < n; i++) w.a[i + i * n] += ridge;
      if (LAPACKE_dpotrf_work(LAPACK_COL_MAJOR, 'L', (lapack_int)n, w.a, (lapack_int)n) == 0) break;
      if (t + 1 == RIDGE_TRIES) {
        st = folio_error_set(err, FOLIO_ENOTPD,
                             "cov_repair: cov is not positive definite (symbol %s); no ridge up "
                             "to %g helped",
                             sym, ridge);
        goto done;
      }
      ridge *= 10.0;
    }
    for (size_t i = 0; i < n; i++) cov[i + i * ld] += ridge;
    out.applied = 1;
    out.ridge = ridge;
    out.frobenius_change = ridge * sqrt((double)n);
    goto success;
  }

  /* CLIP / HIGHAM: the candidate ends up in `cand` (full, ld n). */
  const double *cand;
  if (method == FOLIO_REPAIR_CLIP) {
    copy_lower(n, cov, ld, w.a);
    st = clip_into_a(n, w.a, &w, &out.min_eigenvalue, &out.n_clipped, err);
    if (st < 0) goto done;
    cand = w.a;
  } else {
    st = higham(n, cov, ld, symbols, &meter, &w, &out, err);
    if (st < 0) goto done;
    cand = w.y;
    if (chol_check(n, w.y, n, w.a) != 0) {
      double ignored_min;
      size_t ignored_count;
      st = clip_into_a(n, w.y, &w, &ignored_min, &ignored_count, err);
      if (st < 0) goto done;
      cand = w.a;
    }
  }
  /* The result must factorise (it is used by a Cholesky next). */
  double *check = cand == w.a ? w.z : w.a;
  if (chol_check(n, cand, n, check) != 0) {
    st = folio_error_set(err, FOLIO_ENOTPD,
                         "cov_repair: cov is not positive definite (symbol %s) and the %s repair "
                         "did not make it so",
                         sym, folio_repair_name(method));
    goto done;
  }
  double change = 0.0;
  for (size_t j = 0; j < n; j++)
    for (size_t i = 0; i < n; i++) {
      double dv = cand[i + j * n] - cov[i + j * ld];
      change += dv * dv;
    }
  for (size_t j = 0; j < n; j++) memcpy(cov + j * ld, cand + j * n, n * sizeof(double));
  out.applied = 1;
  out.frobenius_change = sqrt(change);

success:
  if (info) *info = out;
  folio_error_clear(err);
  st = FOLIO_OK;
done:
  free(owned);
  return st;
}
