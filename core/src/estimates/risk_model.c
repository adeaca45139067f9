/*
 * risk_model.c — covariance estimates of a returns panel: the sample
 * covariance with the three ways of treating missing returns (error,
 * pairwise as pandas, complete rows), Ledoit-Wolf shrinkage (scikit-learn's
 * estimator, with PyPortfolioOpt's NaN-as-zero convention available), the
 * exponentially weighted covariance.
 *
 * The O(T * A^2) work is one BLAS level-3 call per product over the time
 * axis; everything around it (NaN scans, centring, masks, mirroring the
 * triangle) is O(T * A) or O(A^2). The function validates all of its input,
 * including the missing-data pattern, before it computes anything, and
 * writes `cov` only on the success path.
 *
 * Pairwise covariance (pandas' R.cov() when NaNs are present) is taken from
 * three products of the zero-filled data X and its 0/1 presence mask M:
 *   N = M'M (overlap counts), S = X'M (S_ij = sum of x_i over the overlap of
 *   i and j), P = X'X (cross products over the overlap),
 *   cov_ij = (P_ij - S_ij S_ji / N_ij) / (N_ij - 1).
 * Before that every column is shifted by its own mean over all of its
 * observations. Covariance does not change under a shift, and after it the
 * overlap means are small, so P_ij - S_ij S_ji / N_ij does not cancel.
 */
#include <cblas.h>
#include <float.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "folio/risk_model.h"
#include "internal.h"
#include "tiled.h"

/* ---- missing-data policy names -------------------------------------------- */

folio_status folio_missing_parse(const char *name, folio_missing *out, folio_error *err) {
  if (!out) return folio_error_set(err, FOLIO_EINVAL, "missing_parse: out is NULL");
  if (!name)
    return folio_error_set(err, FOLIO_EINVAL,
                           "missing_parse: name is NULL (expected error, pairwise or complete)");
  if (strcmp(name, "error") == 0) {
    *out = FOLIO_MISSING_ERROR;
  } else if (strcmp(name, "pairwise") == 0) {
    *out = FOLIO_MISSING_PAIRWISE;
  } else if (strcmp(name, "complete") == 0) {
    *out = FOLIO_MISSING_COMPLETE;
  } else if (strcmp(name, "zero") == 0) {
    *out = FOLIO_MISSING_ZERO;
  } else {
    return folio_error_set(err, FOLIO_EINVAL,
                           "missing_parse: unknown missing-data policy '%.64s' (expected error, "
                           "pairwise, complete or zero)",
                           name);
  }
  folio_error_clear(err);
  return FOLIO_OK;
}

const char *folio_missing_name(folio_missing m) {
  switch (m) {
    case FOLIO_MISSING_ERROR:
      return "error";
    case FOLIO_MISSING_PAIRWISE:
      return "pairwise";
    case FOLIO_MISSING_COMPLETE:
      return "complete";
    case FOLIO_MISSING_ZERO:
      return "zero";
  }
  return "unknown";
}

/* ---- workspace ------------------------------------------------------------ */

/* The sub-buffers of one workspace. The complete path uses rows, x and
 * means; the pairwise path also the mask and the two A x A products. */
typedef struct cov_work {
  size_t *rows;   /* T: per-row NaN counts, then the indices of the rows used */
  double *x;      /* T x A: selected rows, centred (complete) or shifted, 0 where missing */
  double *mask;   /* T x A: 1.0 where present, 0.0 where missing (pairwise) */
  double *n_pair; /* A x A: M'M, upper triangle (pairwise) */
  double *s_pair; /* A x A: X'M, full (pairwise) */
  double *means;  /* A: column means (complete) or shifts (pairwise) */
} cov_work;

/* One layout for sizing (base == NULL) and for carving (base set). */
static void cov_layout(folio_i_arena *a, size_t n_rows, size_t n_assets, folio_missing missing,
                       cov_work *w) {
  int pairwise = missing != FOLIO_MISSING_COMPLETE && missing != FOLIO_MISSING_ERROR;
  w->rows = folio_i_take(a, n_rows, sizeof(size_t));
  w->x = folio_i_take_mat(a, n_rows, n_assets, sizeof(double));
  w->means = folio_i_take(a, n_assets, sizeof(double));
  w->mask = pairwise ? folio_i_take_mat(a, n_rows, n_assets, sizeof(double)) : NULL;
  w->n_pair = pairwise ? folio_i_take_mat(a, n_assets, n_assets, sizeof(double)) : NULL;
  w->s_pair = pairwise ? folio_i_take_mat(a, n_assets, n_assets, sizeof(double)) : NULL;
}

size_t folio_sample_cov_work_size(size_t n_rows, size_t n_assets, folio_missing missing) {
  folio_i_arena a = {NULL, 0, 0};
  cov_work w;
  cov_layout(&a, n_rows, n_assets, missing, &w);
  /* 64 spare bytes let the carving align a caller's buffer of any alignment. */
  if (a.overflow || a.used > SIZE_MAX - 64) return 0;
  return a.used + 64;
}

/* ---- passes over the data ----------------------------------------------- */


/* Largest |x - mean| accepted: with at most FOLIO_MAX_DIM = 2^24 rows, the
 * sums of squares (< 2^24 * 1e290) and the pairwise term S_ij * S_ji
 * (< (2^24 * 1e145)^2) stay finite, so a covariance is never Inf/NaN
 * because of overflow inside BLAS. Real returns are nowhere near. */
#define MAX_DEVIATION FOLIO_I_MAX_DEVIATION

/* The shape half of folio_panel_check, with its messages. The finiteness
 * half is folded into the first pass over the data (copy_centre and
 * scan_gaps): on a 1260 x 2000 panel a separate scan is a fifth of all the
 * time spent outside BLAS. */
static folio_status check_shape(const char *who, const folio_panel *p, folio_error *err) {
  if (!p) return folio_error_set(err, FOLIO_EINVAL, "%s: returns is NULL", who);
  if (p->n_rows > FOLIO_MAX_DIM || p->n_cols > FOLIO_MAX_DIM)
    return folio_error_set(err, FOLIO_EDIM,
                           "%s: returns has %zu x %zu entries (at most %zu per side)", who,
                           p->n_rows, p->n_cols, (size_t)FOLIO_MAX_DIM);
  if (p->n_rows * p->n_cols > FOLIO_MAX_ELEMS)
    return folio_error_set(err, FOLIO_EDIM,
                           "%s: returns has %zu x %zu entries (at most %zu in all)", who,
                           p->n_rows, p->n_cols, (size_t)FOLIO_MAX_ELEMS);
  if (p->ld < p->n_rows || p->ld < 1)
    return folio_error_set(err, FOLIO_EDIM, "%s: returns leading dimension %zu < rows %zu", who,
                           p->ld, p->n_rows);
  if (p->n_rows && p->n_cols && !p->data)
    return folio_error_set(err, FOLIO_EINVAL, "%s: returns data is NULL", who);
  return FOLIO_OK;
}

/* Sum of x[0..n) in the order copy_centre's fused loop uses, so that the
 * complete rows give bit-identical means whether they are gathered or not. */
static double sum4(const double *x, size_t n) {
  double s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0;
  size_t k = 0;
  for (; k + 4 <= n; k += 4) {
    s0 += x[k];
    s1 += x[k + 1];
    s2 += x[k + 2];
    s3 += x[k + 3];
  }
  for (; k < n; k++) s0 += x[k];
  return (s0 + s1) + (s2 + s3);
}

/* Subtracts mean from x[0..n); returns the largest |result|. Callers have
 * excluded NaN already (a compare, not fmax, which is a libm call here). */
static double centre(double *x, size_t n, double mean) {
  double big = 0.0;
  for (size_t k = 0; k < n; k++) {
    x[k] -= mean;
    double a = fabs(x[k]);
    big = a > big ? a : big;
  }
  return big;
}

/* First pass, for the common case of a panel without gaps: copies each
 * column into x (ld = n_rows) and centres it while it is still in cache, so
 * the data is read once. Stops at the first column whose sum is not finite
 * (a NaN, an Inf, or an overflow) or whose deviations exceed MAX_DEVIATION,
 * and returns its index; returns n_cols when every column is done. */
static size_t copy_centre(const folio_panel *r, double *x, double *means) {
  const size_t n = r->n_rows;
  for (size_t j = 0; j < r->n_cols; j++) {
    const double *src = r->data + j * r->ld;
    double *dst = x + j * n;
    /* Four running sums keep several loads in flight; the order is sum4's. */
    double s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0;
    size_t k = 0;
    for (; k + 4 <= n; k += 4) {
      dst[k] = src[k];
      dst[k + 1] = src[k + 1];
      dst[k + 2] = src[k + 2];
      dst[k + 3] = src[k + 3];
      s0 += src[k];
      s1 += src[k + 1];
      s2 += src[k + 2];
      s3 += src[k + 3];
    }
    for (; k < n; k++) {
      dst[k] = src[k];
      s0 += src[k];
    }
    double sum = (s0 + s1) + (s2 + s3);
    if (!isfinite(sum)) return j;
    double mean = sum / (double)n;
    if (!(centre(dst, n, mean) <= MAX_DEVIATION)) return j;
    means[j] = mean;
  }
  return r->n_cols;
}

/* What scan_gaps found. Positions are SIZE_MAX when there is none. */
typedef struct gap_scan {
  size_t nan_col, nan_row; /* first NaN in storage order */
  size_t inf_col, inf_row; /* first +-Inf in storage order */
} gap_scan;

/* Counts NaNs per row (into row_nan, n_rows entries, from columns j0..;
 * earlier columns are known to be complete) and finds the first NaN and
 * the first Inf. */
static gap_scan scan_gaps(const folio_panel *r, size_t j0, size_t *row_nan) {
  gap_scan g = {SIZE_MAX, 0, SIZE_MAX, 0};
  memset(row_nan, 0, r->n_rows * sizeof *row_nan);
  for (size_t j = j0; j < r->n_cols; j++) {
    const double *col = r->data + j * r->ld;
    for (size_t i = 0; i < r->n_rows; i++) {
      if (isfinite(col[i])) continue;
      if (isnan(col[i])) {
        row_nan[i]++;
        if (g.nan_col == SIZE_MAX) g.nan_col = j, g.nan_row = i;
      } else if (g.inf_col == SIZE_MAX) {
        g.inf_col = j, g.inf_row = i;
      }
    }
  }
  return g;
}

/* cov = scale / (n - 1) * x'x from the centred n x A matrix x: one dsyrk
 * (the scale applied inside BLAS, no extra pass), then the mirror. */
static void syrk_mirror(const double *x, size_t n, size_t n_assets, double scale, double *cov,
                        size_t ld_cov) {
  if (n_assets == 0) return;
  /* beta = 0: BLAS does not read cov, so its old contents never leak in. */
  cblas_dsyrk(CblasColMajor, CblasUpper, CblasTrans, (int)n_assets, (int)n, scale / (double)(n - 1),
              x, (int)n, 0.0, cov, (int)ld_cov);
  folio_i_mirror_upper(cov, ld_cov, n_assets);
}

/* The n selected rows (w->rows) of every column, centred, into x (ld = n).
 * Returns the first column whose deviations exceed MAX_DEVIATION, or n_cols. */
static size_t gather_centre(const folio_panel *r, const cov_work *w, size_t n) {
  for (size_t j = 0; j < r->n_cols; j++) {
    const double *src = r->data + j * r->ld;
    double *dst = w->x + j * n;
    for (size_t k = 0; k < n; k++) dst[k] = src[w->rows[k]];
    double mean = sum4(dst, n) / (double)n;
    if (!(centre(dst, n, mean) <= MAX_DEVIATION)) return j;
    w->means[j] = mean;
  }
  return r->n_cols;
}

/* cov_ij from P (upper triangle of cov), S and N, written to both triangles
 * from the same value so the result is exactly symmetric. */
static void finish_pairwise(const cov_work *w, size_t n_assets, double scale, double *cov,
                            size_t ld_cov) {
  const double *np = w->n_pair, *s = w->s_pair;
  FOLIO_I_FOR_UPPER_TILED(n_assets, 1, i, j) {
    double nij = np[i + j * n_assets];
    double v = (cov[i + j * ld_cov] - s[i + j * n_assets] * s[j + i * n_assets] / nij) /
               (nij - 1.0) * scale;
    cov[i + j * ld_cov] = v;
    cov[j + i * ld_cov] = v;
  }
}

/* ---- the public entry point ---------------------------------------------- */

folio_status folio_sample_cov(const folio_panel *returns, folio_missing missing, double scale,
                              double *cov, size_t ld_cov, void *work, folio_cov_info *info,
                              folio_error *err) {
  folio_status st = check_shape("sample_cov", returns, err);
  if (st < 0) return st;
  if (missing == FOLIO_MISSING_ZERO)
    return folio_error_set(err, FOLIO_EINVAL,
                           "sample_cov: missing = zero is defined for ledoit_wolf only (use error, "
                           "pairwise or complete)");
  if (missing != FOLIO_MISSING_ERROR && missing != FOLIO_MISSING_PAIRWISE &&
      missing != FOLIO_MISSING_COMPLETE)
    return folio_error_set(
        err, FOLIO_EINVAL,
        "sample_cov: unknown missing-data policy %d (error, pairwise or complete)", (int)missing);
  if (!isfinite(scale) || !(scale > 0.0))
    return folio_error_set(err, FOLIO_EINVAL, "sample_cov: scale %g must be finite and > 0", scale);

  const size_t n_rows = returns->n_rows, n_assets = returns->n_cols;
  size_t aa;
  if (folio_i_mul(n_assets, n_assets, &aa) || aa > FOLIO_MAX_ELEMS)
    return folio_error_set(err, FOLIO_EDIM,
                           "sample_cov: %zu assets make a covariance of more than %zu entries",
                           n_assets, (size_t)FOLIO_MAX_ELEMS);
  if (n_assets > 0 && !cov) return folio_error_set(err, FOLIO_EINVAL, "sample_cov: cov is NULL");
  if (ld_cov < n_assets || ld_cov < 1)
    return folio_error_set(err, FOLIO_EINVAL, "sample_cov: ld_cov %zu < %zu assets", ld_cov,
                           n_assets);
  /* BLAS takes int dimensions; rows and assets are bounded by FOLIO_MAX_DIM, ld_cov is not. */
  size_t span;
  if (ld_cov > INT_MAX || (n_assets > 0 && folio_i_mul(n_assets - 1, ld_cov, &span)))
    return folio_error_set(err, FOLIO_EDIM, "sample_cov: ld_cov %zu is too large", ld_cov);
  if (n_rows < 2)
    return folio_error_set(err, FOLIO_ESHORT,
                           "sample_cov: returns has %zu row(s), at least 2 are needed", n_rows);

  size_t need = folio_sample_cov_work_size(n_rows, n_assets, missing);
  if (need == 0)
    return folio_error_set(err, FOLIO_EDIM, "sample_cov: workspace for %zu x %zu overflows", n_rows,
                           n_assets);
  void *owned;
  work = folio_i_workspace(work, need, &owned);
  if (!work)
    return folio_error_set(err, FOLIO_ENOMEM, "sample_cov: cannot allocate %zu bytes of workspace",
                           need);
  folio_i_arena arena = {folio_i_align64(work), 0, 0};
  cov_work w;
  cov_layout(&arena, n_rows, n_assets, missing, &w);
  char cb[64], cb2[64], rb[64];

  /* Optimistic first pass: no gaps. Only when a column's sum is not finite
   * (or its values are absurdly large) is the rest of the panel scanned for
   * what it holds. Nothing but the workspace is written until every check
   * has passed. */
  size_t stopped = copy_centre(returns, w.x, w.means), too_large = SIZE_MAX;
  int had_missing = 0;
  gap_scan gaps = {SIZE_MAX, 0, SIZE_MAX, 0};
  if (stopped < n_assets) {
    gaps = scan_gaps(returns, stopped, w.rows);
    if (gaps.inf_col != SIZE_MAX) {
      st = folio_error_set(err, FOLIO_ENOTFINITE,
                           "sample_cov: returns has an infinite value (symbol %s, row %s)",
                           folio_panel_col_name(returns, gaps.inf_col, cb, sizeof cb),
                           folio_panel_row_name(returns, gaps.inf_row, rb, sizeof rb));
      goto done;
    }
    had_missing = gaps.nan_col != SIZE_MAX;
    if (!had_missing) {
      too_large = stopped;
      goto too_large;
    }
  }

  folio_cov_info out_info = {n_rows, n_rows, had_missing};
  if (!had_missing) {
    syrk_mirror(w.x, n_rows, n_assets, scale, cov, ld_cov);
    goto success;
  }
  if (missing == FOLIO_MISSING_ERROR) {
    st = folio_error_set(err, FOLIO_EMISSING,
                         "sample_cov: missing return (symbol %s, row %s); use missing = "
                         "\"pairwise\" or \"complete\" to accept gaps",
                         folio_panel_col_name(returns, gaps.nan_col, cb, sizeof cb),
                         folio_panel_row_name(returns, gaps.nan_row, rb, sizeof rb));
    goto done;
  }

  /* Turn the per-row NaN counts into the list of rows used, in place (slot
   * k <= i, so count i is read before slot k is overwritten): complete rows
   * for the complete policy, rows with at least one observation for pairwise. */
  const int pairwise = missing == FOLIO_MISSING_PAIRWISE;
  size_t n_used = 0;
  for (size_t i = 0; i < n_rows; i++) {
    size_t nan_count = w.rows[i];
    if (pairwise ? nan_count < n_assets : nan_count == 0) w.rows[n_used++] = i;
  }
  out_info.rows_used = out_info.min_pair_obs = n_used;

  if (!pairwise) {
    if (n_used < 2) {
      st = folio_error_set(err, FOLIO_ESHORT,
                           "sample_cov: %zu complete row(s) (no symbol missing), at least 2 are "
                           "needed",
                           n_used);
      goto done;
    }
    too_large = gather_centre(returns, &w, n_used);
    if (too_large < n_assets) goto too_large;
    syrk_mirror(w.x, n_used, n_assets, scale, cov, ld_cov);
    goto success;
  }

  too_large = folio_i_fill_pairwise(returns, w.rows, n_used, w.x, w.mask, w.means);
  if (too_large < n_assets) goto too_large;
  /* Overlap counts first: every pair needs two rows in common. The diagonal
   * of N is checked before its off-diagonal so that a symbol with too little
   * history is named alone. */
  if (n_used > 0)
    cblas_dsyrk(CblasColMajor, CblasUpper, CblasTrans, (int)n_assets, (int)n_used, 1.0, w.mask,
                (int)n_used, 0.0, w.n_pair, (int)n_assets);
  for (size_t j = 0; j < n_assets; j++) {
    double njj = n_used > 0 ? w.n_pair[j + j * n_assets] : 0.0;
    if (njj < 2.0) {
      st = folio_error_set(err, FOLIO_ESHORT,
                           "sample_cov: symbol %s has %.0f observation(s), at least 2 are needed",
                           folio_panel_col_name(returns, j, cb, sizeof cb), njj);
      goto done;
    }
  }
  double min_obs = (double)n_used;
  for (size_t j = 0; j < n_assets; j++) {
    for (size_t i = 0; i < j; i++) {
      double nij = w.n_pair[i + j * n_assets];
      if (nij < 2.0) {
        st = folio_error_set(err, FOLIO_ESHORT,
                             "sample_cov: symbols %s and %s overlap in %.0f row(s), at least 2 "
                             "are needed",
                             folio_panel_col_name(returns, i, cb, sizeof cb),
                             folio_panel_col_name(returns, j, cb2, sizeof cb2), nij);
        goto done;
      }
    }
    for (size_t i = 0; i <= j; i++)
      if (w.n_pair[i + j * n_assets] < min_obs) min_obs = w.n_pair[i + j * n_assets];
  }
  out_info.min_pair_obs = (size_t)min_obs;
  cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, (int)n_assets, (int)n_assets, (int)n_used,
              1.0, w.x, (int)n_used, w.mask, (int)n_used, 0.0, w.s_pair, (int)n_assets);
  cblas_dsyrk(CblasColMajor, CblasUpper, CblasTrans, (int)n_assets, (int)n_used, 1.0, w.x,
              (int)n_used, 0.0, cov, (int)ld_cov);
  finish_pairwise(&w, n_assets, scale, cov, ld_cov);

success:
  if (info) *info = out_info;
  folio_error_clear(err);
  st = FOLIO_OK;
  goto done;
too_large:
  st = folio_error_set(err, FOLIO_ENOTFINITE,
                       "sample_cov: returns of symbol %s are too large (|x - mean| > %g), "
                       "the covariance would overflow",
                       folio_panel_col_name(returns, too_large, cb, sizeof cb), MAX_DEVIATION);
done:
  free(owned);
  return st;
}

/* ==== Ledoit-Wolf and EWMA: shared input handling ========================== */

/* Workspace of the two estimators: the sample covariance's complete-rows
 * layout (row list, centred T x A copy, means) and two T-vectors (row sums
 * of squares for Ledoit-Wolf; weights and their square roots for EWMA). */
typedef struct est_work {
  cov_work cw;
  double *tv, *tv2;
} est_work;

static void est_layout(folio_i_arena *a, size_t n_rows, size_t n_assets, est_work *w) {
  cov_layout(a, n_rows, n_assets, FOLIO_MISSING_COMPLETE, &w->cw);
  w->tv = folio_i_take(a, n_rows, sizeof(double));
  w->tv2 = folio_i_take(a, n_rows, sizeof(double));
}

static size_t est_work_size(size_t n_rows, size_t n_assets) {
  folio_i_arena a = {NULL, 0, 0};
  est_work w;
  est_layout(&a, n_rows, n_assets, &w);
  if (a.overflow || a.used > SIZE_MAX - 64) return 0;
  return a.used + 64;
}

size_t folio_ledoit_wolf_work_size(size_t n_rows, size_t n_assets) {
  return est_work_size(n_rows, n_assets);
}

size_t folio_ewma_cov_work_size(size_t n_rows, size_t n_assets) {
  return est_work_size(n_rows, n_assets);
}

/* The checks both estimators share with sample_cov: shape, scale, cov, ld. */
static folio_status est_check(const char *who, const folio_panel *r, double scale,
                              const double *cov, size_t ld, folio_error *err) {
  folio_status st = check_shape(who, r, err);
  if (st < 0) return st;
  if (!isfinite(scale) || !(scale > 0.0))
    return folio_error_set(err, FOLIO_EINVAL, "%s: scale %g must be finite and > 0", who, scale);
  const size_t n_assets = r->n_cols;
  size_t aa, span;
  if (folio_i_mul(n_assets, n_assets, &aa) || aa > FOLIO_MAX_ELEMS)
    return folio_error_set(err, FOLIO_EDIM,
                           "%s: %zu assets make a covariance of more than %zu entries", who,
                           n_assets, (size_t)FOLIO_MAX_ELEMS);
  if (n_assets > 0 && !cov) return folio_error_set(err, FOLIO_EINVAL, "%s: cov is NULL", who);
  if (ld < n_assets || ld < 1)
    return folio_error_set(err, FOLIO_EINVAL, "%s: ld %zu < %zu assets", who, ld, n_assets);
  if (ld > INT_MAX || (n_assets > 0 && folio_i_mul(n_assets - 1, ld, &span)))
    return folio_error_set(err, FOLIO_EDIM, "%s: ld %zu is too large", who, ld);
  if (r->n_rows < 2)
    return folio_error_set(err, FOLIO_ESHORT, "%s: returns has %zu row(s), at least 2 are needed",
                           who, r->n_rows);
  return FOLIO_OK;
}

/* Carves the workspace (allocating it when work is NULL; *owned is then to be freed). */
static folio_status est_carve(const char *who, const folio_panel *r, void *work, void **owned,
                              est_work *w, folio_error *err) {
  size_t need = est_work_size(r->n_rows, r->n_cols);
  *owned = NULL;
  if (need == 0)
    return folio_error_set(err, FOLIO_EDIM, "%s: workspace for %zu x %zu overflows", who,
                           r->n_rows, r->n_cols);
  work = folio_i_workspace(work, need, owned);
  if (!work)
    return folio_error_set(err, FOLIO_ENOMEM, "%s: cannot allocate %zu bytes of workspace", who,
                           need);
  folio_i_arena arena = {folio_i_align64(work), 0, 0};
  est_layout(&arena, r->n_rows, r->n_cols, w);
  return FOLIO_OK;
}

/* The rows used, centred by their plain column means, into w->cw.x (ld =
 * *n_used): all rows when there is no gap; under COMPLETE the complete
 * rows; under ZERO all rows with NaN read as 0. Errors name symbol and row
 * (the same checks and messages as sample_cov, prefixed by `who`). */
static folio_status load_centred(const char *who, const folio_panel *r, folio_missing missing,
                                 const char *hint, est_work *w, size_t *n_used, int *had_missing,
                                 folio_error *err) {
  const size_t n_rows = r->n_rows, n_assets = r->n_cols;
  char cb[64], rb[64];
  size_t stopped = copy_centre(r, w->cw.x, w->cw.means), too_large = SIZE_MAX;
  *n_used = n_rows;
  *had_missing = 0;
  if (stopped == n_assets) return FOLIO_OK;
  gap_scan gaps = scan_gaps(r, stopped, w->cw.rows);
  if (gaps.inf_col != SIZE_MAX)
    return folio_error_set(err, FOLIO_ENOTFINITE,
                           "%s: returns has an infinite value (symbol %s, row %s)", who,
                           folio_panel_col_name(r, gaps.inf_col, cb, sizeof cb),
                           folio_panel_row_name(r, gaps.inf_row, rb, sizeof rb));
  if (gaps.nan_col == SIZE_MAX) {
    too_large = stopped;
  } else if (missing == FOLIO_MISSING_ERROR) {
    return folio_error_set(err, FOLIO_EMISSING,
                           "%s: missing return (symbol %s, row %s); use missing = %s to accept "
                           "gaps",
                           who, folio_panel_col_name(r, gaps.nan_col, cb, sizeof cb),
                           folio_panel_row_name(r, gaps.nan_row, rb, sizeof rb), hint);
  } else if (missing == FOLIO_MISSING_COMPLETE) {
    *had_missing = 1;
    size_t n = 0;
    for (size_t i = 0; i < n_rows; i++)
      if (w->cw.rows[i] == 0) w->cw.rows[n++] = i;
    *n_used = n;
    if (n < 2)
      return folio_error_set(err, FOLIO_ESHORT,
                             "%s: %zu complete row(s) (no symbol missing), at least 2 are needed",
                             who, n);
    too_large = gather_centre(r, &w->cw, n);
    if (too_large == n_assets) return FOLIO_OK;
  } else { /* FOLIO_MISSING_ZERO: NaN -> 0, then means over all rows */
    *had_missing = 1;
    too_large = n_assets;
    for (size_t j = 0; j < n_assets && too_large == n_assets; j++) {
      const double *src = r->data + j * r->ld;
      double *dst = w->cw.x + j * n_rows;
      for (size_t k = 0; k < n_rows; k++) dst[k] = isnan(src[k]) ? 0.0 : src[k];
      double mean = sum4(dst, n_rows) / (double)n_rows;
      if (!(centre(dst, n_rows, mean) <= MAX_DEVIATION)) too_large = j;
      w->cw.means[j] = mean;
    }
    if (too_large == n_assets) return FOLIO_OK;
  }
  return folio_error_set(err, FOLIO_ENOTFINITE,
                         "%s: returns of symbol %s are too large (|x - mean| > %g), the "
                         "covariance would overflow",
                         who, folio_panel_col_name(r, too_large, cb, sizeof cb), MAX_DEVIATION);
}

/* The prologue of the centred estimators: carves the workspace (est_carve)
 * and loads the centred rows (load_centred). On failure nothing is left to
 * free (*owned is NULL); on success *owned is the caller's to free. */
static folio_status est_begin(const char *who, const folio_panel *r, folio_missing missing,
                              const char *hint, void *work, void **owned, est_work *w,
                              size_t *n_used, int *had_missing, folio_error *err) {
  folio_status st = est_carve(who, r, work, owned, w, err);
  if (st < 0) return st;
  st = load_centred(who, r, missing, hint, w, n_used, had_missing, err);
  if (st < 0) {
    free(*owned);
    *owned = NULL;
  }
  return st;
}

/* cov = scale ((1 - s) cov + s mu I) in place (Ledoit-Wolf's and OAS's
 * shrinkage towards a scaled identity), both triangles from one value. */
static void shrink_to_identity(double *cov, size_t p, size_t ld, double shrinkage, double mu, double scale) {
  const double keep = 1.0 - shrinkage, target = shrinkage * mu;
  FOLIO_I_FOR_UPPER_TILED(p, 1, i, j) {
    double v = keep * cov[i + j * ld];
    if (i == j) v += target;
    v *= scale;
    cov[i + j * ld] = v;
    cov[j + i * ld] = v;
  }
}

/* ==== Ledoit-Wolf ========================================================== */

folio_status folio_ledoit_wolf(const folio_panel *returns, folio_missing missing, double scale,
                               double *cov, size_t ld, void *work, folio_lw_info *info,
                               folio_error *err) {
  static const char *who = "ledoit_wolf";
  folio_status st = est_check(who, returns, scale, cov, ld, err);
  if (st < 0) return st;
  if (missing == FOLIO_MISSING_PAIRWISE)
    return folio_error_set(err, FOLIO_EINVAL,
                           "%s: missing = pairwise is not defined for Ledoit-Wolf (use error, "
                           "complete or zero)",
                           who);
  if (missing != FOLIO_MISSING_ERROR && missing != FOLIO_MISSING_COMPLETE &&
      missing != FOLIO_MISSING_ZERO)
    return folio_error_set(err, FOLIO_EINVAL,
                           "%s: unknown missing-data policy %d (error, complete or zero)", who,
                           (int)missing);
  void *owned;
  est_work w;
  size_t n = 0;
  int had_missing = 0;
  st = est_begin(who, returns, missing, "\"complete\" or \"zero\"", work, &owned, &w, &n,
                 &had_missing, err);
  if (st < 0) return st;

  const size_t p = returns->n_cols;
  const double *x = w.cw.x;
  folio_lw_info out = {0.0, 0.0, n, had_missing};
  if (p > 0) {
    /* S = Xc'Xc / n (upper triangle), straight into cov. */
    cblas_dsyrk(CblasColMajor, CblasUpper, CblasTrans, (int)p, (int)n, 1.0 / (double)n, x, (int)n,
                0.0, cov, (int)ld);
    /* b2 = (1/n) sum_t (sum_j Xc_tj^2)^2, from row sums of squares (column by column). */
    double *rss = w.tv;
    memset(rss, 0, n * sizeof *rss);
    for (size_t j = 0; j < p; j++) {
      const double *col = x + j * n;
      for (size_t t = 0; t < n; t++) rss[t] += col[t] * col[t];
    }
    double b2 = 0.0;
    for (size_t t = 0; t < n; t++) b2 += rss[t] * rss[t];
    b2 /= (double)n;
    double trace = 0.0;
    for (size_t j = 0; j < p; j++) trace += cov[j + j * ld];
    double mu = trace / (double)p;
    /* d2 = ||S||_F^2; delta is ||S - mu I||_F^2 / p summed directly (no cancellation). */
    double off = 0.0, diag2 = 0.0, diagc = 0.0;
    for (size_t j = 0; j < p; j++) {
      const double *col = cov + j * ld;
      for (size_t i = 0; i < j; i++) off += col[i] * col[i];
      diag2 += col[j] * col[j];
      diagc += (col[j] - mu) * (col[j] - mu);
    }
    double d2 = diag2 + 2.0 * off;
    /* b2 >= d2 in exact arithmetic (Jensen); a difference at the rounding
     * level of b2 is noise (two rows give exactly b2 == d2), so it counts as 0
     * and the shrinkage does not depend on summation order there. */
    double gap = b2 - d2;
    if (gap <= 64.0 * DBL_EPSILON * b2) gap = 0.0;
    double beta = gap / ((double)p * (double)n);
    double delta = (diagc + 2.0 * off) / (double)p;
    double m = beta < delta ? beta : delta;
    /* m > 0 excludes beta <= 0 (rounding; b2 >= d2 in exact arithmetic) and delta == 0. */
    double shrinkage = m > 0.0 ? m / delta : 0.0;
    if (shrinkage > 1.0) shrinkage = 1.0;
    shrink_to_identity(cov, p, ld, shrinkage, mu, scale);
    out.shrinkage = shrinkage;
    out.mu = mu * scale;
  }
  if (info) *info = out;
  folio_error_clear(err);
  st = FOLIO_OK;
  free(owned);
  return st;
}

/* ==== Ledoit-Wolf as a factor =============================================== */

size_t folio_ledoit_wolf_factor_work_size(size_t n_rows, size_t n_assets) {
  size_t est = est_work_size(n_rows, n_assets), gram;
  if (!est || folio_i_mul(n_rows, n_rows, &gram) || gram > (SIZE_MAX - est) / sizeof(double) - 64)
    return 0;
  return est + gram * sizeof(double) + 64;
}

folio_status folio_ledoit_wolf_factor(const folio_panel *returns, folio_missing missing,
                                      double scale, double *x_out, size_t ld_x, size_t *n_used,
                                      double *diag_out, double *weight_out, void *work,
                                      folio_lw_info *info, folio_error *err) {
  static const char *who = "ledoit_wolf_factor";
  folio_error_clear(err);
  if (!returns || !n_used || !diag_out || !weight_out)
    return folio_error_set(err, FOLIO_EINVAL, "%s: NULL argument", who);
  folio_status st = check_shape(who, returns, err);
  if (st < 0) return st;
  if (!isfinite(scale) || !(scale > 0.0))
    return folio_error_set(err, FOLIO_EINVAL, "%s: scale %g must be finite and > 0", who, scale);
  if (returns->n_cols > 0 && !x_out) return folio_error_set(err, FOLIO_EINVAL, "%s: x is NULL", who);
  if (ld_x < returns->n_rows || ld_x < 1 || ld_x > INT_MAX)
    return folio_error_set(err, FOLIO_EINVAL, "%s: ld_x %zu < %zu rows", who, ld_x, returns->n_rows);
  if (returns->n_rows < 2)
    return folio_error_set(err, FOLIO_ESHORT, "%s: returns has %zu row(s), at least 2 are needed",
                           who, returns->n_rows);
  if (missing != FOLIO_MISSING_ERROR && missing != FOLIO_MISSING_COMPLETE &&
      missing != FOLIO_MISSING_ZERO)
    return folio_error_set(err, FOLIO_EINVAL, "%s: missing must be error, complete or zero", who);
  size_t need = folio_ledoit_wolf_factor_work_size(returns->n_rows, returns->n_cols);
  if (!need)
    return folio_error_set(err, FOLIO_EDIM, "%s: workspace for %zu x %zu overflows", who,
                           returns->n_rows, returns->n_cols);
  void *owned = NULL;
  void *base = folio_i_workspace(work, need, &owned);
  if (!base)
    return folio_error_set(err, FOLIO_ENOMEM, "%s: cannot allocate %zu bytes of workspace", who, need);
  size_t est = est_work_size(returns->n_rows, returns->n_cols);
  est_work w;
  folio_i_arena arena = {folio_i_align64(base), 0, 0};
  est_layout(&arena, returns->n_rows, returns->n_cols, &w);
  double *gram = (double *)folio_i_align64((char *)base + est);
  /* centre straight into the caller's x when its layout is the workspace's */
  int direct = ld_x == returns->n_rows && returns->n_cols > 0;
  if (direct) w.cw.x = x_out;
  size_t n = 0;
  int had_missing = 0;
  st = load_centred(who, returns, missing, "\"complete\" or \"zero\"", &w, &n, &had_missing, err);
  if (st < 0) {
    free(owned);
    return st;
  }
  const size_t p = returns->n_cols;
  folio_lw_info out = {0.0, 0.0, n, had_missing};
  double diag = 0.0, weight = 0.0;
  if (p > 0) {
    const double *x = w.cw.x;
    /* G = Xc Xc' (n x n, upper): ||S||_F^2 = ||G||_F^2 / n^2, row sums of squares = diag(G) */
    cblas_dsyrk(CblasColMajor, CblasUpper, CblasNoTrans, (int)n, (int)p, 1.0, x, (int)n, 0.0, gram,
                (int)n);
    double b2 = 0.0, g2 = 0.0;
    for (size_t j = 0; j < n; j++) {
      const double *col = gram + j * n;
      for (size_t i = 0; i < j; i++) g2 += 2.0 * col[i] * col[i];
      g2 += col[j] * col[j];
      b2 += col[j] * col[j];
    }
    b2 /= (double)n;
    double d2 = g2 / ((double)n * (double)n);
    /* S_jj from the columns: trace, mu, sum S_jj^2 and sum (S_jj - mu)^2 */
    double trace = 0.0, diag2 = 0.0, diagc = 0.0;
    for (size_t j = 0; j < p; j++) {
      const double *col = x + j * n;
      double ss = 0.0;
      for (size_t t = 0; t < n; t++) ss += col[t] * col[t];
      trace += ss / (double)n;
    }
    double mu = trace / (double)p;
    for (size_t j = 0; j < p; j++) {
      const double *col = x + j * n;
      double ss = 0.0;
      for (size_t t = 0; t < n; t++) ss += col[t] * col[t];
      double s = ss / (double)n;
      diag2 += s * s;
      diagc += (s - mu) * (s - mu);
    }
    double off2 = d2 - diag2; /* twice the off-diagonal sum of squares */
    if (off2 < 0) off2 = 0;
    double gap = b2 - d2;
    if (gap <= 64.0 * DBL_EPSILON * b2) gap = 0.0;
    double beta = gap / ((double)p * (double)n);
    double delta = (diagc + off2) / (double)p;
    double m = beta < delta ? beta : delta;
    double shrinkage = m > 0.0 ? m / delta : 0.0;
    if (shrinkage > 1.0) shrinkage = 1.0;
    diag = scale * shrinkage * mu;
    weight = scale * (1.0 - shrinkage) / (double)n;
    if (!direct || n != returns->n_rows) /* under COMPLETE fewer rows: spread to ld_x, last column first */
      for (size_t j = p; j-- > 0;) memmove(x_out + j * ld_x, x + j * n, n * sizeof *x);
    out.shrinkage = shrinkage;
    out.mu = mu * scale;
  }
  *n_used = n;
  *diag_out = diag;
  *weight_out = weight;
  if (info) *info = out;
  free(owned);
  return FOLIO_OK;
}

/* ==== EWMA covariance ====================================================== */

folio_status folio_ewma_cov(const folio_panel *returns, folio_missing missing, double half_life,
                            double scale, double *cov, size_t ld, void *work,
                            folio_cov_info *info, folio_error *err) {
  static const char *who = "ewma_cov";
  folio_status st = est_check(who, returns, scale, cov, ld, err);
  if (st < 0) return st;
  if (!isfinite(half_life) || !(half_life > 0.0))
    return folio_error_set(err, FOLIO_EINVAL, "%s: half_life %g must be finite and > 0 (rows)",
                           who, half_life);
  if (missing != FOLIO_MISSING_ERROR && missing != FOLIO_MISSING_COMPLETE)
    return folio_error_set(err, FOLIO_EINVAL,
                           "%s: missing = %s is not supported (use error or complete)", who,
                           folio_missing_name(missing));
  void *owned;
  est_work w;
  size_t n = 0;
  int had_missing = 0;
  st = est_begin(who, returns, missing, "\"complete\"", work, &owned, &w, &n, &had_missing, err);
  if (st < 0) return st;

  /* w_t = lambda^(n-1-t), normalised; pow per row keeps each weight correctly rounded-ish
   * (a running product would accumulate n roundings). */
  const double lambda = pow(0.5, 1.0 / half_life);
  double *wt = w.tv, *sw = w.tv2, sum = 0.0, sum2 = 0.0;
  for (size_t t = 0; t < n; t++) {
    wt[t] = pow(lambda, (double)(n - 1 - t));
    sum += wt[t];
  }
  for (size_t t = 0; t < n; t++) {
    wt[t] /= sum;
    sum2 += wt[t] * wt[t];
    sw[t] = sqrt(wt[t]);
  }
  const double denom = 1.0 - sum2;
  if (!(denom > 0.0)) {
    st = folio_error_set(err, FOLIO_EDEGENERATE,
                         "%s: half_life %g puts all the weight on the last row (1 - sum w^2 = 0)",
                         who, half_life);
    goto done;
  }
  const size_t p = returns->n_cols;
  double *x = w.cw.x;
  for (size_t j = 0; j < p; j++) {
    double *col = x + j * n, m = 0.0;
    for (size_t t = 0; t < n; t++) m += wt[t] * col[t];
    for (size_t t = 0; t < n; t++) col[t] = (col[t] - m) * sw[t];
  }
  if (p > 0) {
    cblas_dsyrk(CblasColMajor, CblasUpper, CblasTrans, (int)p, (int)n, scale / denom, x, (int)n,
                0.0, cov, (int)ld);
    folio_i_mirror_upper(cov, ld, p);
  }
  if (info) {
    folio_cov_info out = {n, n, had_missing};
    *info = out;
  }
  folio_error_clear(err);
  st = FOLIO_OK;
done:
  free(owned);
  return st;
}

/* ==== Ledoit-Wolf towards other targets (PyPortfolioOpt's) ================= */

folio_status folio_lw_target_parse(const char *name, folio_lw_target *out, folio_error *err) {
  if (!out) return folio_error_set(err, FOLIO_EINVAL, "lw_target_parse: out is NULL");
  if (name && strcmp(name, "constant_variance") == 0) {
    *out = FOLIO_LW_CONSTANT_VARIANCE;
  } else if (name && strcmp(name, "single_factor") == 0) {
    *out = FOLIO_LW_SINGLE_FACTOR;
  } else if (name && strcmp(name, "constant_correlation") == 0) {
    *out = FOLIO_LW_CONSTANT_CORRELATION;
  } else {
    return folio_error_set(err, FOLIO_EINVAL,
                           "lw_target_parse: unknown shrinkage target '%.64s' (expected "
                           "constant_variance, single_factor or constant_correlation)",
                           name ? name : "(null)");
  }
  folio_error_clear(err);
  return FOLIO_OK;
}

const char *folio_lw_target_name(folio_lw_target t) {
  switch (t) {
    case FOLIO_LW_CONSTANT_VARIANCE:
      return "constant_variance";
    case FOLIO_LW_SINGLE_FACTOR:
      return "single_factor";
    case FOLIO_LW_CONSTANT_CORRELATION:
      return "constant_correlation";
  }
  return "unknown";
}

/* Workspace of the structured targets: the estimators' layout, then an
 * A x A product (Xm'Xm) and, for the pairwise S of constant_correlation
 * under missing = zero, a sample_cov workspace. */
size_t folio_ledoit_wolf_target_work_size(size_t n_rows, size_t n_assets) {
  size_t est = est_work_size(n_rows, n_assets), aa;
  size_t pw = folio_sample_cov_work_size(n_rows, n_assets, FOLIO_MISSING_PAIRWISE);
  if (!est || !pw || folio_i_mul(n_assets, n_assets, &aa) || aa > SIZE_MAX / sizeof(double) - 64)
    return 0;
  aa = aa * sizeof(double) + 64;
  if (est > SIZE_MAX - aa || est + aa > SIZE_MAX - pw) return 0;
  return est + aa + pw;
}

/* delta F + (1 - delta) S, times scale, written to both triangles from one
 * value; F_ij = f(i, j) off the diagonal and S_ii on it (both targets). */
#define SHRINK_TO(cov, ld, p, delta, scale, f_of_ij)                          \
  do {                                                                        \
    FOLIO_I_FOR_UPPER_TILED(p, 1, i, j) {                                     \
      double s_ = (cov)[i + j * (ld)];                                        \
      double f_ = i == j ? s_ : (f_of_ij);                                    \
      double v_ = ((delta) * f_ + (1.0 - (delta)) * s_) * (scale);            \
      (cov)[i + j * (ld)] = v_;                                               \
      (cov)[j + i * (ld)] = v_;                                               \
    }                                                                         \
  } while (0)

/* PyPortfolioOpt's _ledoit_wolf_single_factor (Ledoit & Wolf 2001) on the
 * centred rows x (n x p): every sum it forms over an A x A product of
 * n-vectors is a sum over rows of products of row sums, so only the sample
 * covariance itself needs BLAS. */
static void lw_single_factor(const double *x, size_t n, size_t p, double scale, double *cov,
                             size_t ld, double *xmkt, double *rowsum, double *betas,
                             double *shrinkage) {
  const double t = (double)n;
  /* xmkt_t = mean_j Xm_tj; sample = Xm'Xm / t (np.cov(..) * (t - 1) / t). */
  for (size_t r = 0; r < n; r++) xmkt[r] = 0.0;
  for (size_t j = 0; j < p; j++)
    for (size_t r = 0; r < n; r++) xmkt[r] += x[r + j * n];
  for (size_t r = 0; r < n; r++) xmkt[r] /= (double)p;
  cblas_dsyrk(CblasColMajor, CblasUpper, CblasTrans, (int)p, (int)n, 1.0 / t, x, (int)n, 0.0, cov,
              (int)ld);
  folio_i_mirror_upper(cov, ld, p);
  double varmkt = 0.0;
  for (size_t r = 0; r < n; r++) varmkt += xmkt[r] * xmkt[r];
  varmkt /= t;
  for (size_t j = 0; j < p; j++) {
    double b = 0.0;
    const double *col = x + j * n;
    for (size_t r = 0; r < n; r++) b += col[r] * xmkt[r];
    betas[j] = b / t;
  }
  /* Row sums over y = Xm^2, z = Xm xmkt: sum(y'y) = sum_t (sum_i y_ti)^2,
   * sum_ij (y'z)_ij b_j = sum_t (sum_i y_ti)(sum_j z_tj b_j), and so on. */
  double sum_yy = 0.0, sum_y2 = 0.0, yz_b = 0.0, yz_diag_b = 0.0, zz_bb = 0.0, zz_diag_bb = 0.0;
  for (size_t r = 0; r < n; r++) {
    double ys = 0.0, zb = 0.0, m = xmkt[r];
    for (size_t j = 0; j < p; j++) {
      double v = x[r + j * n], y = v * v, z = v * m;
      ys += y;
      zb += z * betas[j];
      sum_y2 += y * y;
      yz_diag_b += y * z * betas[j];
      zz_diag_bb += z * z * betas[j] * betas[j];
    }
    rowsum[r] = ys;
    sum_yy += ys * ys;
    yz_b += ys * zb;
    zz_bb += zb * zb;
  }
  double sum_s2 = 0.0, diag_s2 = 0.0, bsb = 0.0, bsb_diag = 0.0, c = 0.0;
  for (size_t j = 0; j < p; j++) {
    for (size_t i = 0; i < p; i++) {
      double s = cov[i + j * ld];
      sum_s2 += s * s;
      bsb += betas[i] * s * betas[j];
      if (i != j) {
        double d = s - betas[i] * betas[j] / varmkt;
        c += d * d;
      }
    }
    double sjj = cov[j + j * ld];
    diag_s2 += sjj * sjj;
    bsb_diag += betas[j] * betas[j] * sjj;
  }
  const double pi_hat = sum_yy / t - sum_s2;
  const double rdiag = sum_y2 / t - diag_s2;
  /* v1 = y'z/t - b_i S_ij:  sum_ij v1_ij b_j - sum_i v1_ii b_i */
  const double roff1 = ((yz_b / t - bsb) - (yz_diag_b / t - bsb_diag)) / varmkt;
  /* v3 = z'z/t - varmkt S:  sum_ij v3_ij b_i b_j - sum_i v3_ii b_i^2 */
  const double roff3 =
      ((zz_bb / t - varmkt * bsb) - (zz_diag_bb / t - varmkt * bsb_diag)) / (varmkt * varmkt);
  const double r_hat = rdiag + 2.0 * roff1 - roff3;
  /* c at the rounding level of S: S is its own target (one asset, or every
   * pair on the factor), any delta gives S; report 0. */
  double delta = 0.0;
  if (c > 4096.0 * DBL_EPSILON * DBL_EPSILON * sum_s2 && varmkt > 0.0) {
    double k = (pi_hat - r_hat) / c;
    delta = k / t;
    delta = delta < 0.0 ? 0.0 : delta > 1.0 ? 1.0 : delta;
    if (delta != delta) delta = 0.0;
  }
  const double vm = varmkt;
  SHRINK_TO(cov, ld, p, delta, scale, betas[i] * betas[j] / vm);
  *shrinkage = delta;
}

/* PyPortfolioOpt's _ledoit_wolf_constant_correlation (Ledoit & Wolf 2003):
 * S (ddof 1) already in cov, x the centred rows (n x p), h = Xm'Xm (upper
 * and lower written). The (Xm^3)'Xm term enters only through sum_ij
 * (std_j / std_i) term1_ij, a sum over rows of products of row sums. */
static folio_status lw_constant_correlation(const char *who, const folio_panel *r, const double *x,
                                            size_t n, size_t p, double scale, double *cov,
                                            size_t ld, const double *h, double *stdv,
                                            double *shrinkage, folio_error *err) {
  const double t = (double)n;
  char cb[64];
  for (size_t j = 0; j < p; j++) {
    double v = cov[j + j * ld];
    if (!(v > 0.0))
      return folio_error_set(err, FOLIO_EDEGENERATE,
                             "%s: symbol %s has zero variance (the constant-correlation target "
                             "is undefined)",
                             who, folio_panel_col_name(r, j, cb, sizeof cb));
    stdv[j] = sqrt(v);
  }
  if (p < 2) { /* one asset: the target is S itself */
    cov[0] *= scale;
    *shrinkage = 0.0;
    return FOLIO_OK;
  }
  double corr_sum = 0.0;
  for (size_t j = 0; j < p; j++)
    for (size_t i = 0; i < p; i++) corr_sum += cov[i + j * ld] / (stdv[i] * stdv[j]);
  const double r_bar = (corr_sum - (double)p) / ((double)p * (double)(p - 1));
  /* pi_hat = sum(y'y)/t - 2 sum(H .* S)/t + sum(S^2); its diagonal part; gamma. */
  double sum_yy = 0.0, sum_x4 = 0.0, ab = 0.0;
  for (size_t q = 0; q < n; q++) {
    double ys = 0.0, a = 0.0, b = 0.0;
    for (size_t j = 0; j < p; j++) {
      double v = x[q + j * n], y = v * v;
      ys += y;
      sum_x4 += y * y;
      a += v * y / stdv[j];
      b += v * stdv[j];
    }
    sum_yy += ys * ys;
    ab += a * b;
  }
  double hs = 0.0, s2 = 0.0, pi_diag = 0.0, gamma = 0.0, theta_rest = 0.0;
  for (size_t j = 0; j < p; j++) {
    double x4j = 0.0;
    const double *col = x + j * n;
    for (size_t q = 0; q < n; q++) x4j += col[q] * col[q] * col[q] * col[q];
    const double sjj = cov[j + j * ld];
    pi_diag += x4j / t - 2.0 * h[j + j * p] * sjj / t + sjj * sjj;
    for (size_t i = 0; i < p; i++) {
      double s = cov[i + j * ld], hij = h[i + j * p];
      hs += hij * s;
      s2 += s * s;
      if (i == j) continue;
      double f = r_bar * stdv[i] * stdv[j];
      gamma += (s - f) * (s - f);
      /* theta_ij without term1: - help_ii S_ij - help_ij var_i + var_i S_ij */
      double vi = cov[i + i * ld];
      double rest = -h[i + i * p] / t * s - hij / t * vi + vi * s;
      theta_rest += stdv[j] / stdv[i] * rest;
    }
  }
  const double pi_hat = sum_yy / t - 2.0 * hs / t + s2;
  /* sum_{i != j} (std_j / std_i) term1_ij = (sum_t a_t b_t - sum Xm^4) / t */
  const double theta_sum = (ab - sum_x4) / t + theta_rest;
  const double rho_hat = pi_diag + r_bar * theta_sum;
  /* gamma at the rounding level of S: the target is S (two assets always),
   * and any delta gives the same matrix; report 0, not a ratio of noise. */
  double delta = 0.0;
  if (gamma > 4096.0 * DBL_EPSILON * DBL_EPSILON * s2) {
    delta = (pi_hat - rho_hat) / gamma / t;
    delta = delta < 0.0 ? 0.0 : delta > 1.0 ? 1.0 : delta;
    if (delta != delta) delta = 0.0;
  }
  SHRINK_TO(cov, ld, p, delta, scale, r_bar * stdv[i] * stdv[j]);
  *shrinkage = delta;
  return FOLIO_OK;
}

folio_status folio_ledoit_wolf_target(const folio_panel *returns, folio_lw_target target,
                                      folio_missing missing, double scale, double *cov, size_t ld,
                                      void *work, folio_lw_info *info, folio_error *err) {
  static const char *who = "ledoit_wolf";
  if (target == FOLIO_LW_CONSTANT_VARIANCE) /* the one estimator, untouched */
    return folio_ledoit_wolf(returns, missing, scale, cov, ld, work, info, err);
  if (target != FOLIO_LW_SINGLE_FACTOR && target != FOLIO_LW_CONSTANT_CORRELATION)
    return folio_error_set(err, FOLIO_EINVAL,
                           "%s: unknown shrinkage target %d (constant_variance, single_factor or "
                           "constant_correlation)",
                           who, (int)target);
  folio_status st = est_check(who, returns, scale, cov, ld, err);
  if (st < 0) return st;
  if (missing != FOLIO_MISSING_ERROR && missing != FOLIO_MISSING_COMPLETE &&
      missing != FOLIO_MISSING_ZERO)
    return folio_error_set(err, FOLIO_EINVAL,
                           "%s: missing = %s is not defined for Ledoit-Wolf (use error, complete "
                           "or zero)",
                           who, folio_missing_name(missing));
  const size_t p = returns->n_cols;
  size_t need = folio_ledoit_wolf_target_work_size(returns->n_rows, p);
  if (!need)
    return folio_error_set(err, FOLIO_EDIM, "%s: workspace for %zu x %zu overflows", who,
                           returns->n_rows, p);
  void *owned = NULL;
  void *base = folio_i_workspace(work, need, &owned);
  if (!base)
    return folio_error_set(err, FOLIO_ENOMEM, "%s: cannot allocate %zu bytes of workspace", who,
                           need);
  const size_t est = est_work_size(returns->n_rows, p);
  est_work w;
  folio_i_arena arena = {folio_i_align64(base), 0, 0};
  est_layout(&arena, returns->n_rows, p, &w);
  double *h = (double *)folio_i_align64((char *)base + est);
  void *pw_work = (char *)base + est + p * p * sizeof(double) + 64;
  size_t n = 0;
  int had_missing = 0;
  st = load_centred(who, returns, missing, "\"complete\" or \"zero\"", &w, &n, &had_missing, err);
  folio_lw_info out = {0.0, 0.0, n, had_missing};
  if (st < 0 || p == 0) goto done;
  const double *x = w.cw.x;
  double shrinkage = 0.0;
  if (target == FOLIO_LW_SINGLE_FACTOR) {
    lw_single_factor(x, n, p, scale, cov, ld, w.tv, w.tv2, w.cw.means, &shrinkage);
  } else {
    cblas_dsyrk(CblasColMajor, CblasUpper, CblasTrans, (int)p, (int)n, 1.0, x, (int)n, 0.0, h,
                (int)p);
    folio_i_mirror_upper(h, p, p);
    if (missing == FOLIO_MISSING_ZERO) {
      /* PyPortfolioOpt takes S = X.cov() of the returns with their gaps
       * (pandas, pairwise) and the NaN-as-zero rows for the rest. */
      st = folio_sample_cov(returns, had_missing ? FOLIO_MISSING_PAIRWISE : FOLIO_MISSING_ERROR,
                            1.0, cov, ld, pw_work, NULL, err);
      if (st < 0) {
        /* name it as ours */
        char msg[FOLIO_ERROR_MAX];
        snprintf(msg, sizeof msg, "%s", err ? err->message : "");
        if (err) folio_error_set(err, st, "%s: %s", who, msg);
        goto done;
      }
    } else {
      FOLIO_I_FOR_UPPER_TILED(p, 1, i, j) {
        double v = h[i + j * p] / (double)(n - 1);
        cov[i + j * ld] = v;
        cov[j + i * ld] = v;
      }
    }
    st = lw_constant_correlation(who, returns, x, n, p, scale, cov, ld, h, w.tv, &shrinkage, err);
    if (st < 0) goto done;
  }
  double trace = 0.0;
  for (size_t j = 0; j < p; j++) trace += cov[j + j * ld];
  out.shrinkage = shrinkage;
  out.mu = trace / (double)p; /* already scaled */
done:
  if (st == FOLIO_OK) {
    if (info) *info = out;
    folio_error_clear(err);
  }
  free(owned);
  return st;
}

/* ==== Oracle Approximating Shrinkage ====================================== */

size_t folio_oas_work_size(size_t n_rows, size_t n_assets) {
  return est_work_size(n_rows, n_assets);
}

folio_status folio_oas(const folio_panel *returns, folio_missing missing, double scale,
                       double *cov, size_t ld, void *work, folio_lw_info *info,
                       folio_error *err) {
  static const char *who = "oas";
  folio_status st = est_check(who, returns, scale, cov, ld, err);
  if (st < 0) return st;
  if (missing != FOLIO_MISSING_ERROR && missing != FOLIO_MISSING_COMPLETE &&
      missing != FOLIO_MISSING_ZERO)
    return folio_error_set(err, FOLIO_EINVAL,
                           "%s: missing = %s is not defined for OAS (use error, complete or zero)",
                           who, folio_missing_name(missing));
  void *owned;
  est_work w;
  size_t n = 0;
  int had_missing = 0;
  st = est_begin(who, returns, missing, "\"complete\" or \"zero\"", work, &owned, &w, &n,
                 &had_missing, err);
  if (st < 0) return st;
  const size_t p = returns->n_cols;
  folio_lw_info out = {0.0, 0.0, n, had_missing};
  if (p > 0) {
    cblas_dsyrk(CblasColMajor, CblasUpper, CblasTrans, (int)p, (int)n, 1.0 / (double)n, w.cw.x,
                (int)n, 0.0, cov, (int)ld);
    double trace = 0.0, ss = 0.0;
    for (size_t j = 0; j < p; j++) {
      const double *col = cov + j * ld;
      for (size_t i = 0; i < j; i++) ss += 2.0 * col[i] * col[i];
      ss += col[j] * col[j];
      trace += col[j];
    }
    const double dp = (double)p, mu = trace / dp, alpha = ss / (dp * dp);
    /* scikit-learn's _oas: one feature is returned as is (shrinkage 0). */
    double shrinkage = 0.0;
    if (p > 1) {
      double num = alpha + mu * mu, den = ((double)n + 1.0) * (alpha - mu * mu / dp);
      shrinkage = den == 0.0 ? 1.0 : (num / den < 1.0 ? num / den : 1.0);
    }
    shrink_to_identity(cov, p, ld, shrinkage, mu, scale);
    out.shrinkage = shrinkage;
    out.mu = mu * scale;
  }
  if (info) *info = out;
  folio_error_clear(err);
  free(owned);
  return FOLIO_OK;
}

/* ==== semicovariance ======================================================= */

size_t folio_semicovariance_work_size(size_t n_rows, size_t n_assets) {
  return est_work_size(n_rows, n_assets);
}

folio_status folio_semicovariance(const folio_panel *returns, folio_missing missing,
                                  double benchmark, double scale, double *cov, size_t ld,
                                  void *work, folio_cov_info *info, folio_error *err) {
  static const char *who = "semicovariance";
  folio_status st = est_check(who, returns, scale, cov, ld, err);
  if (st < 0) return st;
  if (!isfinite(benchmark) || fabs(benchmark) > 1e6)
    return folio_error_set(err, FOLIO_EINVAL, "%s: benchmark %g must be finite (|b| <= 1e6)", who,
                           benchmark);
  if (missing != FOLIO_MISSING_ERROR && missing != FOLIO_MISSING_COMPLETE &&
      missing != FOLIO_MISSING_ZERO)
    return folio_error_set(err, FOLIO_EINVAL,
                           "%s: missing = %s is not supported (use error, complete or zero)", who,
                           folio_missing_name(missing));
  void *owned;
  est_work w;
  st = est_carve(who, returns, work, &owned, &w, err);
  if (st < 0) return st;
  const size_t n_rows = returns->n_rows, p = returns->n_cols;
  char cb[64], rb[64];
  /* Scan first: an Inf is an error; a NaN an error, a dropped row or a 0. */
  gap_scan g = scan_gaps(returns, 0, w.cw.rows);
  if (g.inf_col != SIZE_MAX) {
    st = folio_error_set(err, FOLIO_ENOTFINITE, "%s: returns has an infinite value (symbol %s, row %s)",
                         who, folio_panel_col_name(returns, g.inf_col, cb, sizeof cb),
                         folio_panel_row_name(returns, g.inf_row, rb, sizeof rb));
    goto done;
  }
  const int had_missing = g.nan_col != SIZE_MAX;
  if (had_missing && missing == FOLIO_MISSING_ERROR) {
    st = folio_error_set(err, FOLIO_EMISSING,
                         "%s: missing return (symbol %s, row %s); use missing = \"complete\" or "
                         "\"zero\" to accept gaps",
                         who, folio_panel_col_name(returns, g.nan_col, cb, sizeof cb),
                         folio_panel_row_name(returns, g.nan_row, rb, sizeof rb));
    goto done;
  }
  size_t n = 0;
  for (size_t i = 0; i < n_rows; i++)
    if (missing != FOLIO_MISSING_COMPLETE || w.cw.rows[i] == 0) w.cw.rows[n++] = i;
  if (n < 2) {
    st = folio_error_set(err, FOLIO_ESHORT,
                         "%s: %zu complete row(s) (no symbol missing), at least 2 are needed", who,
                         n);
    goto done;
  }
  /* D_tj = min(r_tj - benchmark, 0); numpy's fmin makes a NaN a 0. */
  for (size_t j = 0; j < p; j++) {
    const double *src = returns->data + j * returns->ld;
    double *dst = w.cw.x + j * n;
    for (size_t k = 0; k < n; k++) {
      double v = src[w.cw.rows[k]] - benchmark;
      dst[k] = v < 0.0 ? v : 0.0;
      if (!(fabs(dst[k]) <= MAX_DEVIATION)) {
        st = folio_error_set(err, FOLIO_ENOTFINITE,
                             "%s: returns of symbol %s are too large (|x - benchmark| > %g)", who,
                             folio_panel_col_name(returns, j, cb, sizeof cb), MAX_DEVIATION);
        goto done;
      }
    }
  }
  if (p > 0) {
    cblas_dsyrk(CblasColMajor, CblasUpper, CblasTrans, (int)p, (int)n, scale / (double)n, w.cw.x,
                (int)n, 0.0, cov, (int)ld);
    folio_i_mirror_upper(cov, ld, p);
  }
  if (info) {
    folio_cov_info out = {n, n, had_missing};
    *info = out;
  }
  folio_error_clear(err);
done:
  free(owned);
  return st;
}
