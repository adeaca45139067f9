/*
 * correlation.c — sample correlation (see correlation.h): the complete and
 * gap-free cases normalise folio_sample_cov's result; the pairwise case with
 * gaps computes pandas' overlap-restricted correlation from four BLAS level-3
 * products of the zero-filled, shifted data X and its presence mask M:
 *   N = M'M, S = X'M, P = X'X, Q = (X.X)'M, then for the pair (i, j)
 *   cross = P_ij - S_ij S_ji / N_ij, ss_i = Q_ij - S_ij^2 / N_ij,
 *   ss_j = Q_ji - S_ji^2 / N_ij, corr_ij = cross / sqrt(ss_i ss_j).
 * As in risk_model.c each column is first shifted by its own mean, so the
 * subtractions above do not cancel; the covariance that falls out of the
 * same products is the one folio_sample_cov computes, bit for bit.
 */
#include <cblas.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "folio/correlation.h"
#include "internal.h"

/* Largest |x - shift| accepted (risk_model.c's bound: sums stay finite). */
#define MAX_DEVIATION FOLIO_I_MAX_DEVIATION

/* The sub-buffers of the pairwise path. */
typedef struct corr_work {
  size_t *rows;   /* T: NaN counts per row, then the rows used */
  double *x;      /* T x A: shifted data, 0 where missing; later squared */
  double *mask;   /* T x A: 1 where present */
  double *n_pair; /* A x A: M'M (upper) */
  double *s_pair; /* A x A: X'M */
  double *q_pair; /* A x A: (X.X)'M */
} corr_work;

static void corr_layout(folio_i_arena *a, size_t n_rows, size_t n_assets, corr_work *w) {
  w->rows = folio_i_take(a, n_rows, sizeof(size_t));
  w->x = folio_i_take_mat(a, n_rows, n_assets, sizeof(double));
  w->mask = folio_i_take_mat(a, n_rows, n_assets, sizeof(double));
  w->n_pair = folio_i_take_mat(a, n_assets, n_assets, sizeof(double));
  w->s_pair = folio_i_take_mat(a, n_assets, n_assets, sizeof(double));
  w->q_pair = folio_i_take_mat(a, n_assets, n_assets, sizeof(double));
}

size_t folio_sample_corr_work_size(size_t n_rows, size_t n_assets, folio_missing missing) {
  size_t cov_need = folio_sample_cov_work_size(n_rows, n_assets, missing);
  if (cov_need == 0) return 0;
  size_t need = cov_need;
  if (missing == FOLIO_MISSING_PAIRWISE) {
    folio_i_arena a = {NULL, 0, 0};
    corr_work w;
    corr_layout(&a, n_rows, n_assets, &w);
    if (a.overflow || a.used > SIZE_MAX - 64) return 0;
    if (a.used + 64 > need) need = a.used + 64;
  }
  return need;
}

/* folio_sample_cov's messages say "sample_cov:"; ours say "sample_corr:". */
static folio_status rename_error(folio_error *err, folio_status st) {
  static const char old_prefix[] = "sample_cov:";
  if (err && strncmp(err->message, old_prefix, sizeof old_prefix - 1) == 0) {
    char tail[FOLIO_ERROR_MAX];
    snprintf(tail, sizeof tail, "%s", err->message + sizeof old_prefix - 1);
    folio_error_set(err, st, "sample_corr:%s", tail);
  }
  return st;
}

/* ---- cov -> corr ---------------------------------------------------------- */

folio_status folio_cov_to_corr(size_t n_assets, const double *cov, size_t ld_cov, double *corr,
                               size_t ld_corr, const char *const *symbols, folio_error *err) {
  char b1[64], b2[64];
  if (n_assets > 0 && (!cov || !corr))
    return folio_error_set(err, FOLIO_EINVAL, "cov_to_corr: %s is NULL", cov ? "corr" : "cov");
  if (ld_cov < n_assets || ld_corr < n_assets || ld_cov < 1 || ld_corr < 1)
    return folio_error_set(err, FOLIO_EINVAL,
                           "cov_to_corr: leading dimensions %zu, %zu < %zu assets", ld_cov,
                           ld_corr, n_assets);
  for (size_t j = 0; j < n_assets; j++) {
    double d = cov[j + j * ld_cov];
    if (!isfinite(d))
      return folio_error_set(err, FOLIO_ENOTFINITE, "cov_to_corr: variance of %s is not finite",
                             folio_i_symbol(symbols, j, b1, sizeof b1));
    if (!(d > 0.0))
      return folio_error_set(err, FOLIO_EDEGENERATE,
                             "cov_to_corr: variance of %s is %g (must be > 0)",
                             folio_i_symbol(symbols, j, b1, sizeof b1), d);
  }
  for (size_t j = 0; j < n_assets; j++)
    for (size_t i = 0; i < j; i++)
      if (!isfinite(cov[i + j * ld_cov]))
        return folio_error_set(err, FOLIO_ENOTFINITE,
                               "cov_to_corr: cov entry (%s, %s) is not finite",
                               folio_i_symbol(symbols, i, b1, sizeof b1),
                               folio_i_symbol(symbols, j, b2, sizeof b2));
  /* The diagonal of corr holds the standard deviations until the end, so
   * that cov and corr may share storage. */
  for (size_t j = 0; j < n_assets; j++) corr[j + j * ld_corr] = sqrt(cov[j + j * ld_cov]);
  for (size_t j = 0; j < n_assets; j++) {
    double sj = corr[j + j * ld_corr];
    for (size_t i = 0; i < j; i++)
      corr[i + j * ld_corr] = cov[i + j * ld_cov] / corr[i + i * ld_corr] / sj;
  }
  folio_i_mirror_upper(corr, ld_corr, n_assets);
  for (size_t j = 0; j < n_assets; j++) corr[j + j * ld_corr] = 1.0;
  folio_error_clear(err);
  return FOLIO_OK;
}

/* ---- pairwise with gaps ---------------------------------------------------- */

static folio_status corr_pairwise(const folio_panel *returns, double *corr, size_t ld_corr,
                                  double *cov, size_t ld_cov, void *work, folio_cov_info *info,
                                  folio_error *err) {
  const size_t n_rows = returns->n_rows, a = returns->n_cols;
  char cb[64], cb2[64];
  folio_i_arena arena = {folio_i_align64(work), 0, 0};
  corr_work w;
  corr_layout(&arena, n_rows, a, &w);

  /* Rows with at least one observation. */
  memset(w.rows, 0, n_rows * sizeof *w.rows);
  for (size_t j = 0; j < a; j++) {
    const double *col = returns->data + j * returns->ld;
    for (size_t i = 0; i < n_rows; i++) w.rows[i] += isnan(col[i]) ? 1u : 0u;
  }
  size_t n_used = 0;
  for (size_t i = 0; i < n_rows; i++)
    if (w.rows[i] < a) w.rows[n_used++] = i;
  size_t bad = folio_i_fill_pairwise(returns, w.rows, n_used, w.x, w.mask, NULL);
  if (bad < a)
    return folio_error_set(err, FOLIO_ENOTFINITE,
                           "sample_corr: returns of symbol %s are too large (|x - mean| > %g)",
                           folio_panel_col_name(returns, bad, cb, sizeof cb), MAX_DEVIATION);
  const int nu = (int)n_used, na = (int)a;
  if (n_used > 0)
    cblas_dsyrk(CblasColMajor, CblasUpper, CblasTrans, na, nu, 1.0, w.mask, nu, 0.0, w.n_pair, na);
  for (size_t j = 0; j < a; j++) {
    double njj = n_used > 0 ? w.n_pair[j + j * a] : 0.0;
    if (njj < 2.0)
      return folio_error_set(err, FOLIO_ESHORT,
                             "sample_corr: symbol %s has %.0f observation(s), at least 2 are needed",
                             folio_panel_col_name(returns, j, cb, sizeof cb), njj);
  }
  double min_obs = (double)n_used;
  for (size_t j = 0; j < a; j++)
    for (size_t i = 0; i <= j; i++) {
      double nij = w.n_pair[i + j * a];
      if (nij < 2.0)
        return folio_error_set(err, FOLIO_ESHORT,
                               "sample_corr: symbols %s and %s overlap in %.0f row(s), at least 2 "
                               "are needed",
                               folio_panel_col_name(returns, i, cb, sizeof cb),
                               folio_panel_col_name(returns, j, cb2, sizeof cb2), nij);
      if (nij < min_obs) min_obs = nij;
    }
  cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, na, na, nu, 1.0, w.x, nu, w.mask, nu, 0.0,
              w.s_pair, na);
  /* P into corr's upper triangle: every P_ij is read before (i, j) is overwritten. */
  cblas_dsyrk(CblasColMajor, CblasUpper, CblasTrans, na, nu, 1.0, w.x, nu, 0.0, corr,
              (int)ld_corr);
  size_t ta = n_used * a;
  for (size_t k = 0; k < ta; k++) w.x[k] *= w.x[k];
  cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, na, na, nu, 1.0, w.x, nu, w.mask, nu, 0.0,
              w.q_pair, na);

  const double *np = w.n_pair, *s = w.s_pair, *q = w.q_pair;
  /* A symbol constant over all of its history is named alone, before any pair. */
  for (size_t j = 0; j < a; j++) {
    double njj = np[j + j * a], sjj = s[j + j * a];
    if (!(q[j + j * a] - sjj * sjj / njj > 0.0))
      return folio_error_set(err, FOLIO_EDEGENERATE, "sample_corr: symbol %s has zero variance",
                             folio_panel_col_name(returns, j, cb, sizeof cb));
  }
  for (size_t j = 0; j < a; j++) {
    for (size_t i = 0; i <= j; i++) {
      double nij = np[i + j * a], sij = s[i + j * a], sji = s[j + i * a];
      double p = corr[i + j * ld_corr];
      double cross = p - sij * sji / nij;
      if (cov) {
        double v = cross / (nij - 1.0) * 1.0; /* folio_sample_cov's expression, scale 1 */
        cov[i + j * ld_cov] = v;
        cov[j + i * ld_cov] = v;
      }
      double ss_i = q[i + j * a] - sij * sij / nij;
      double ss_j = q[j + i * a] - sji * sji / nij;
      if (!(ss_i > 0.0) || !(ss_j > 0.0)) {
        if (i == j)
          return folio_error_set(err, FOLIO_EDEGENERATE,
                                 "sample_corr: symbol %s has zero variance",
                                 folio_panel_col_name(returns, i, cb, sizeof cb));
        size_t flat = ss_i > 0.0 ? j : i;
        return folio_error_set(err, FOLIO_EDEGENERATE,
                               "sample_corr: symbol %s is constant over the %.0f rows it shares "
                               "with %s (correlation undefined)",
                               folio_panel_col_name(returns, flat, cb, sizeof cb), nij,
                               folio_panel_col_name(returns, flat == i ? j : i, cb2, sizeof cb2));
      }
      corr[i + j * ld_corr] = i == j ? 1.0 : cross / sqrt(ss_i * ss_j);
    }
  }
  folio_i_mirror_upper(corr, ld_corr, a);
  if (info) {
    info->rows_used = n_used;
    info->min_pair_obs = (size_t)min_obs;
    info->had_missing = 1;
  }
  return FOLIO_OK;
}

/* ---- the public entry point ------------------------------------------------ */

folio_status folio_sample_corr(const folio_panel *returns, folio_missing missing, double *corr,
                               size_t ld_corr, double *cov, size_t ld_cov, void *work,
                               folio_cov_info *info, folio_error *err) {
  if (!returns) return folio_error_set(err, FOLIO_EINVAL, "sample_corr: returns is NULL");
  const size_t a = returns->n_cols;
  if (a > 0 && !corr) return folio_error_set(err, FOLIO_EINVAL, "sample_corr: corr is NULL");
  if (cov && (ld_cov < a || ld_cov < 1 || ld_cov > INT_MAX))
    return folio_error_set(err, FOLIO_EINVAL, "sample_corr: ld_cov %zu < %zu assets (or too large)",
                           ld_cov, a);
  if (ld_corr < a || ld_corr < 1 || ld_corr > INT_MAX)
    return folio_error_set(err, FOLIO_EINVAL,
                           "sample_corr: ld_corr %zu < %zu assets (or too large)", ld_corr, a);
  /* The shape checks (and every message about the data) come from folio_sample_cov. */
  size_t need = folio_sample_corr_work_size(returns->n_rows, a, missing);
  if (need == 0)
    return folio_error_set(err, FOLIO_EDIM, "sample_corr: workspace for %zu x %zu overflows",
                           returns->n_rows, a);
  void *owned;
  work = folio_i_workspace(work, need, &owned);
  if (!work)
    return folio_error_set(err, FOLIO_ENOMEM, "sample_corr: cannot allocate %zu bytes of workspace",
                           need);
  folio_status st;
  int gaps = 0;
  if (missing == FOLIO_MISSING_PAIRWISE && returns->data && returns->ld >= returns->n_rows &&
      returns->n_rows <= FOLIO_MAX_DIM && a <= FOLIO_MAX_DIM &&
      returns->n_rows * a <= FOLIO_MAX_ELEMS && returns->n_rows >= 2) {
    for (size_t j = 0; j < a && !gaps; j++) {
      const double *col = returns->data + j * returns->ld;
      for (size_t i = 0; i < returns->n_rows; i++)
        if (isnan(col[i])) {
          gaps = 1;
          break;
        }
    }
    if (gaps) {
      /* Infinities are errors whatever the policy. */
      for (size_t j = 0; j < a; j++) {
        const double *col = returns->data + j * returns->ld;
        for (size_t i = 0; i < returns->n_rows; i++)
          if (isinf(col[i])) {
            char cb[64], rb[64];
            st = folio_error_set(err, FOLIO_ENOTFINITE,
                                 "sample_corr: returns has an infinite value (symbol %s, row %s)",
                                 folio_panel_col_name(returns, j, cb, sizeof cb),
                                 folio_panel_row_name(returns, i, rb, sizeof rb));
            goto done;
          }
      }
    }
  }
  if (gaps) {
    st = corr_pairwise(returns, corr, ld_corr, cov, ld_cov, work, info, err);
  } else {
    double *c = cov ? cov : corr;
    size_t ldc = cov ? ld_cov : ld_corr;
    st = folio_sample_cov(returns, missing, 1.0, c, ldc, work, info, err);
    if (st < 0) {
      rename_error(err, st);
      goto done;
    }
    st = folio_cov_to_corr(a, c, ldc, corr, ld_corr, returns->col_labels, err);
    if (st < 0) {
      rename_error(err, st);
      if (err && strncmp(err->message, "cov_to_corr:", 12) == 0) {
        char tail[FOLIO_ERROR_MAX];
        snprintf(tail, sizeof tail, "%s", err->message + 12);
        folio_error_set(err, st, "sample_corr:%s", tail);
      }
    }
  }
  if (st == FOLIO_OK) folio_error_clear(err);
done:
  free(owned);
  return st;
}
