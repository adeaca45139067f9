/*
 * matrix_util.c — small matrix passes shared by the estimators (internal).
 * Each was once written in several files; one definition keeps them
 * bit-identical wherever they are used.
 */
#include <math.h>
#include <stdint.h>

#include "internal.h"
#include "tiled.h"

folio_status folio_i_check_cov_shape(const char *who, size_t n, size_t ld, folio_error *err) {
  if (n == 0) return folio_error_set(err, FOLIO_EEMPTY, "%s: no assets", who);
  if (n > FOLIO_MAX_DIM || n * n > FOLIO_MAX_ELEMS)
    return folio_error_set(err, FOLIO_EDIM, "%s: %zu assets (too many for a %zu-entry cov)", who,
                           n, (size_t)FOLIO_MAX_ELEMS);
  if (ld < n) return folio_error_set(err, FOLIO_EINVAL, "%s: ld_cov %zu < n_assets %zu", who, ld, n);
  if (ld > SIZE_MAX / sizeof(double) / n)
    return folio_error_set(err, FOLIO_EDIM, "%s: ld_cov %zu is too large", who, ld);
  return FOLIO_OK;
}

void folio_i_mirror_upper(double *c, size_t ld, size_t n) {
  FOLIO_I_FOR_UPPER_TILED(n, 0, i, j) c[j + i * ld] = c[i + j * ld];
}

size_t folio_i_fill_pairwise(const folio_panel *r, const size_t *rows, size_t n, double *x,
                             double *mask, double *shifts) {
  for (size_t j = 0; j < r->n_cols; j++) {
    const double *src = r->data + j * r->ld;
    double *xj = x + j * n, *mj = mask + j * n;
    double sum = 0.0;
    size_t count = 0;
    for (size_t k = 0; k < n; k++) {
      double v = src[rows[k]];
      if (!isnan(v)) {
        sum += v;
        count++;
      }
    }
    double shift = count ? sum / (double)count : 0.0;
    double big = 0.0;
    for (size_t k = 0; k < n; k++) {
      double v = src[rows[k]];
      int present = !isnan(v);
      xj[k] = present ? v - shift : 0.0;
      mj[k] = present ? 1.0 : 0.0;
      double a = fabs(xj[k]);
      big = a > big ? a : big;
    }
    if (!(big <= FOLIO_I_MAX_DEVIATION)) return j;
    if (shifts) shifts[j] = shift;
  }
  return r->n_cols;
}
