/*
 * risk_model.c — sample covariance of a returns panel, with the three ways
 * of treating missing returns (error, pairwise as pandas, complete rows).
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
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "folio/risk_model.h"
#include "internal.h"

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
  } else {
    return folio_error_set(err, FOLIO_EINVAL,
                           "missing_parse: unknown missing-data policy '%.64s' (expected error, "
                           "pairwise or complete)",
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
  size_t ta = 0, aa = 0;
  if (folio_i_mul(n_rows, n_assets, &ta) || folio_i_mul(n_assets, n_assets, &aa)) {
    a->overflow = 1;
    return;
  }
  int pairwise = missing != FOLIO_MISSING_COMPLETE && missing != FOLIO_MISSING_ERROR;
  w->rows = folio_i_take(a, n_rows, sizeof(size_t));
  w->x = folio_i_take(a, ta, sizeof(double));
  w->means = folio_i_take(a, n_assets, sizeof(double));
  w->mask = pairwise ? folio_i_take(a, ta, sizeof(double)) : NULL;
  w->n_pair = pairwise ? folio_i_take(a, aa, sizeof(double)) : NULL;
  w->s_pair = pairwise ? folio_i_take(a, aa, sizeof(double)) : NULL;
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

enum { TILE = 64 }; /* mirror / finish in 64 x 64 tiles so both triangles stay in cache */

/* Largest |x - mean| accepted: with at most FOLIO_MAX_DIM = 2^24 rows, the
 * sums of squares (< 2^24 * 1e290) and the pairwise term S_ij * S_ji
 * (< (2^24 * 1e145)^2) stay finite, so a covariance is never Inf/NaN
 * because of overflow inside BLAS. Real returns are nowhere near. */
#define MAX_DEVIATION 1e145

/* The shape half of folio_panel_check, with its messages. The finiteness
 * half is folded into the first pass over the data (copy_centre and
 * scan_gaps): on a 1260 x 2000 panel a separate scan is a fifth of all the
 * time spent outside BLAS. */
static folio_status check_shape(const folio_panel *p, folio_error *err) {
  if (!p) return folio_error_set(err, FOLIO_EINVAL, "sample_cov: returns is NULL");
  if (p->n_rows > FOLIO_MAX_DIM || p->n_cols > FOLIO_MAX_DIM)
    return folio_error_set(err, FOLIO_EDIM,
                           "sample_cov: returns has %zu x %zu entries (at most %zu per side)",
                           p->n_rows, p->n_cols, (size_t)FOLIO_MAX_DIM);
  if (p->n_rows * p->n_cols > FOLIO_MAX_ELEMS)
    return folio_error_set(err, FOLIO_EDIM,
                           "sample_cov: returns has %zu x %zu entries (at most %zu in all)",
                           p->n_rows, p->n_cols, (size_t)FOLIO_MAX_ELEMS);
  if (p->ld < p->n_rows || p->ld < 1)
    return folio_error_set(err, FOLIO_EDIM, "sample_cov: returns leading dimension %zu < rows %zu",
                           p->ld, p->n_rows);
  if (p->n_rows && p->n_cols && !p->data)
    return folio_error_set(err, FOLIO_EINVAL, "sample_cov: returns data is NULL");
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

/* Copies the upper triangle of c (n x n, leading dimension ld) to the lower. */
static void mirror_upper(double *c, size_t ld, size_t n) {
  for (size_t jb = 0; jb < n; jb += TILE) {
    size_t je = jb + TILE < n ? jb + TILE : n;
    for (size_t ib = 0; ib <= jb; ib += TILE) {
      size_t ie = ib + TILE < n ? ib + TILE : n;
      for (size_t j = jb; j < je; j++) {
        size_t iend = ie < j ? ie : j;
        for (size_t i = ib; i < iend; i++) c[j + i * ld] = c[i + j * ld];
      }
    }
  }
}

/* cov = scale / (n - 1) * x'x from the centred n x A matrix x: one dsyrk
 * (the scale applied inside BLAS, no extra pass), then the mirror. */
static void syrk_mirror(const double *x, size_t n, size_t n_assets, double scale, double *cov,
                        size_t ld_cov) {
  if (n_assets == 0) return;
  /* beta = 0: BLAS does not read cov, so its old contents never leak in. */
  cblas_dsyrk(CblasColMajor, CblasUpper, CblasTrans, (int)n_assets, (int)n, scale / (double)(n - 1),
              x, (int)n, 0.0, cov, (int)ld_cov);
  mirror_upper(cov, ld_cov, n_assets);
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

/* Shifted, zero-filled data and presence mask over the n selected rows;
 * the shift of column j is its mean over all of its observations. Returns
 * the first column whose deviations exceed MAX_DEVIATION, or n_cols. */
static size_t fill_pairwise(const folio_panel *r, const cov_work *w, size_t n) {
  for (size_t j = 0; j < r->n_cols; j++) {
    const double *src = r->data + j * r->ld;
    double *x = w->x + j * n, *m = w->mask + j * n;
    double sum = 0.0;
    size_t count = 0;
    for (size_t k = 0; k < n; k++) {
      double v = src[w->rows[k]];
      if (!isnan(v)) {
        sum += v;
        count++;
      }
    }
    double shift = count ? sum / (double)count : 0.0;
    double big = 0.0;
    for (size_t k = 0; k < n; k++) {
      double v = src[w->rows[k]];
      int present = !isnan(v);
      x[k] = present ? v - shift : 0.0;
      m[k] = present ? 1.0 : 0.0;
      double a = fabs(x[k]);
      big = a > big ? a : big;
    }
    if (!(big <= MAX_DEVIATION)) return j;
    w->means[j] = shift;
  }
  return r->n_cols;
}

/* cov_ij from P (upper triangle of cov), S and N, written to both triangles
 * from the same value so the result is exactly symmetric. */
static void finish_pairwise(const cov_work *w, size_t n_assets, double scale, double *cov,
                            size_t ld_cov) {
  const double *np = w->n_pair, *s = w->s_pair;
  for (size_t jb = 0; jb < n_assets; jb += TILE) {
    size_t je = jb + TILE < n_assets ? jb + TILE : n_assets;
    for (size_t ib = 0; ib <= jb; ib += TILE) {
      size_t ie = ib + TILE < n_assets ? ib + TILE : n_assets;
      for (size_t j = jb; j < je; j++) {
        size_t iend = ie < j + 1 ? ie : j + 1;
        for (size_t i = ib; i < iend; i++) {
          double nij = np[i + j * n_assets];
          double v = (cov[i + j * ld_cov] - s[i + j * n_assets] * s[j + i * n_assets] / nij) /
                     (nij - 1.0) * scale;
          cov[i + j * ld_cov] = v;
          cov[j + i * ld_cov] = v;
        }
      }
    }
  }
}

/* ---- the public entry point ---------------------------------------------- */

folio_status folio_sample_cov(const folio_panel *returns, folio_missing missing, double scale,
                              double *cov, size_t ld_cov, void *work, folio_cov_info *info,
                              folio_error *err) {
  folio_status st = check_shape(returns, err);
  if (st < 0) return st;
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
  void *owned = NULL;
  if (!work) {
    owned = work = malloc(need);
    if (!owned)
      return folio_error_set(err, FOLIO_ENOMEM,
                             "sample_cov: cannot allocate %zu bytes of workspace", need);
  }
  uintptr_t addr = (uintptr_t)work;
  folio_i_arena arena = {(unsigned char *)work + ((64 - addr % 64) % 64), 0, 0};
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

  too_large = fill_pairwise(returns, &w, n_used);
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
