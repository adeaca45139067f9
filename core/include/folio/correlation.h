/*
 * correlation.h — sample correlation of a returns panel, with the same three
 * missing-data policies as folio_sample_cov, and the cov -> corr conversion.
 *
 * Pairwise correlation follows pandas' R.corr(): for a pair (i, j) every sum,
 * including the two variances in the denominator, runs over S_ij, the rows
 * where both i and j are present. It is therefore NOT cov_to_corr of the
 * pairwise covariance (on data with ragged histories the two differ).
 */
#ifndef FOLIO_CORRELATION_H
#define FOLIO_CORRELATION_H

#include <stddef.h>

#include "folio/panel.h"
#include "folio/risk_model.h"
#include "folio/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Bytes of workspace folio_sample_corr needs for these sizes (0 on overflow).
 * Any alignment is fine. */
FOLIO_API size_t folio_sample_corr_work_size(size_t n_rows, size_t n_assets, folio_missing missing);

/*
 * Sample correlation of the columns of `returns` into corr (n_assets x
 * n_assets, column-major, leading dimension ld_corr, both triangles written,
 * diagonal exactly 1, exactly symmetric), and optionally the sample
 * covariance (ddof = 1, per-period units) into cov (NULL: not wanted).
 *   no missing data, or missing = complete:
 *     corr_ij = C_ij / sqrt(C_ii) / sqrt(C_jj) with C = folio_sample_cov;
 *   missing = pairwise with gaps (pandas' R.corr()):
 *     corr_ij = sum (x_i - m_i)(x_j - m_j) / sqrt(sum (x_i - m_i)^2 sum (x_j - m_j)^2),
 *     all sums and the means m over S_ij (rows where i and j are both present),
 *     from BLAS products of the zero-filled shifted data X and its mask M:
 *     N = M'M, S = X'M, P = X'X, Q = (X.X)'M. cov (when asked for) is then
 *     bit-identical to folio_sample_cov(returns, pairwise, 1.0).
 * Values are not clipped to [-1, 1] (rounding can leave |corr| a few ulps above 1).
 * `work`: folio_sample_corr_work_size(...) bytes, or NULL to allocate. info
 * may be NULL. On error corr, cov and info are not meaningful.
 *
 * Errors: those of folio_sample_cov (messages name sample_corr), plus
 * FOLIO_EDEGENERATE for a symbol with zero variance, or a pair in which one
 * symbol is constant over the rows the two share (both named), and
 * FOLIO_EINVAL for ld_cov < n_assets when cov is given.
 */
FOLIO_API folio_status folio_sample_corr(const folio_panel *returns, folio_missing missing,
                                         double *corr, size_t ld_corr, double *cov, size_t ld_cov,
                                         void *work, folio_cov_info *info, folio_error *err);

/*
 * corr_ij = cov_ij / sqrt(cov_ii) / sqrt(cov_jj) (numpy's corrcoef order,
 * without its clipping), diagonal exactly 1, from the upper triangle of cov
 * (so the result is exactly symmetric). cov and corr may be the same buffer
 * when ld_cov == ld_corr. symbols (NULL allowed) name assets in messages.
 * Errors: FOLIO_EINVAL (NULL pointers, ld < n), FOLIO_ENOTFINITE (a NaN/Inf
 * entry), FOLIO_EDEGENERATE (cov_ii <= 0, symbol named).
 */
FOLIO_API folio_status folio_cov_to_corr(size_t n_assets, const double *cov, size_t ld_cov,
                                         double *corr, size_t ld_corr, const char *const *symbols,
                                         folio_error *err);

#ifdef __cplusplus
}
#endif
#endif
