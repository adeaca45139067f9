/*
 * panel.c — validation and views of folio_panel (see panel.h).
 */
#include <math.h>
#include <stdio.h>

#include "folio/panel.h"
#include "internal.h"

folio_panel folio_panel_make(const double *data, size_t n_rows, size_t n_cols) {
  folio_panel p = {data, n_rows, n_cols, n_rows, NULL, NULL};
  return p;
}

folio_status folio_panel_check(const folio_panel *p, const char *who, const char *what,
                               folio_error *err) {
  if (!p) return folio_error_set(err, FOLIO_EINVAL, "%s: %s is NULL", who, what);
  if (p->n_rows > FOLIO_MAX_DIM || p->n_cols > FOLIO_MAX_DIM)
    return folio_error_set(err, FOLIO_EDIM, "%s: %s has %zu x %zu entries (at most %zu per side)",
                           who, what, p->n_rows, p->n_cols, (size_t)FOLIO_MAX_DIM);
  if (p->n_rows * p->n_cols > FOLIO_MAX_ELEMS)
    return folio_error_set(err, FOLIO_EDIM, "%s: %s has %zu x %zu entries (at most %zu in all)",
                           who, what, p->n_rows, p->n_cols, (size_t)FOLIO_MAX_ELEMS);
  if (p->ld < p->n_rows || p->ld < 1)
    return folio_error_set(err, FOLIO_EDIM, "%s: %s leading dimension %zu < rows %zu", who, what,
                           p->ld, p->n_rows);
  if (p->n_rows && p->n_cols && !p->data)
    return folio_error_set(err, FOLIO_EINVAL, "%s: %s data is NULL", who, what);
  for (size_t j = 0; j < p->n_cols; j++) {
    const double *col = p->data + j * p->ld;
    for (size_t i = 0; i < p->n_rows; i++) {
      if (isinf(col[i])) {
        char cb[64], rb[64];
        return folio_error_set(err, FOLIO_ENOTFINITE, "%s: %s has an infinite value (symbol %s, row %s)",
                               who, what, folio_panel_col_name(p, j, cb, sizeof cb),
                               folio_panel_row_name(p, i, rb, sizeof rb));
      }
    }
  }
  return FOLIO_OK;
}

folio_panel folio_panel_tail(const folio_panel *p, size_t n) {
  folio_panel t = *p;
  if (n >= p->n_rows) return t;
  size_t skip = p->n_rows - n;
  t.data = p->data ? p->data + skip : NULL;
  t.n_rows = n;
  t.row_labels = p->row_labels ? p->row_labels + skip : NULL;
  return t;
}

const char *folio_panel_col_name(const folio_panel *p, size_t j, char *buf, size_t buf_size) {
  return folio_i_symbol(p->col_labels, j, buf, buf_size);
}

const char *folio_panel_row_name(const folio_panel *p, size_t i, char *buf, size_t buf_size) {
  return folio_i_symbol(p->row_labels, i, buf, buf_size);
}
