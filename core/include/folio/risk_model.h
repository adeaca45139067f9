/*
 * risk_model.h — covariance estimates from a panel of returns.
 *
 * All products over the time axis go through BLAS level 3 (dsyrk/dgemm);
 * only O(T*A) work (centring, masks) is done in plain loops.
 */
#ifndef FOLIO_RISK_MODEL_H
#define FOLIO_RISK_MODEL_H

#include <stddef.h>

#include "folio/panel.h"
#include "folio/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* How an estimator treats missing (NaN) returns. */
typedef enum folio_missing {
  FOLIO_MISSING_ERROR = 0,    /* any missing value is an error naming symbol and row */
  FOLIO_MISSING_PAIRWISE = 1, /* each pair over the rows where both are present (pandas) */
  FOLIO_MISSING_COMPLETE = 2  /* only rows where every asset is present */
} folio_missing;

/* Parses "error", "pairwise", "complete"; returns FOLIO_EINVAL (naming the
 * accepted values) for anything else. */
folio_status folio_missing_parse(const char *name, folio_missing *out, folio_error *err);
/* "error", "pairwise" or "complete". */
const char *folio_missing_name(folio_missing m);

/* What an estimate used, reported back to the caller. */
typedef struct folio_cov_info {
  size_t rows_used;       /* rows that entered the estimate (complete: the complete rows;
                             pairwise: the rows with at least one observation) */
  size_t min_pair_obs;    /* smallest number of observations behind any entry */
  int had_missing;        /* 1 if any missing value was seen in the input */
} folio_cov_info;

/* Bytes of workspace folio_sample_cov needs for these sizes (0 on overflow).
 * The buffer may have any alignment; the function aligns inside it. */
size_t folio_sample_cov_work_size(size_t n_rows, size_t n_assets, folio_missing missing);

/*
 * Sample covariance (ddof = 1) of the columns of `returns`, times `scale`
 * (1 for per-period units, periods_per_year to annualise), into cov
 * (n_assets x n_assets, column-major, leading dimension ld_cov, both
 * triangles written).
 *   complete / no missing data:  C = Xc' Xc / (n - 1), Xc the centred rows, one dsyrk.
 *   pairwise:  cov_ij over S_ij (rows where i and j are both present), with
 *              means over S_ij, from dsyrk/dgemm products of the zero-filled,
 *              shifted data and its presence mask (equals pandas' R.cov()).
 * `work` is a caller-owned buffer of
 * folio_sample_cov_work_size(n_rows, n_assets, missing) bytes, or NULL to
 * let the function allocate (and free) its own. info may be NULL. On error
 * neither cov nor info is written. Same inputs give bit-identical outputs.
 *
 * Errors: FOLIO_EDIM (shape, ld_cov > INT_MAX, n_assets^2 > FOLIO_MAX_ELEMS),
 * FOLIO_ENOTFINITE (Inf in returns, names symbol and row; or a symbol whose
 * |x - mean| exceeds 1e145, where the sums of squares could overflow),
 * FOLIO_EMISSING (a missing value under FOLIO_MISSING_ERROR; names symbol
 * and row), FOLIO_ESHORT (fewer than 2 rows / complete rows; under pairwise
 * a symbol with fewer than 2 observations, or a pair overlapping in fewer
 * than 2 rows, named), FOLIO_EINVAL (NULL returns or cov, unknown missing,
 * scale not finite and > 0, ld_cov < n_assets), FOLIO_ENOMEM.
 */
folio_status folio_sample_cov(const folio_panel *returns, folio_missing missing, double scale,
                              double *cov, size_t ld_cov, void *work, folio_cov_info *info,
                              folio_error *err);

#ifdef __cplusplus
}
#endif
#endif
