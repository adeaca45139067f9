/*
 * panel.h — a read-only view of a labelled, column-major matrix.
 *
 * Rows are observations (dates), columns are assets (symbols). Element (i, j)
 * lives at data[i + j * ld] (LAPACK layout, ld >= n_rows). NaN marks a missing
 * value; functions say whether they accept it. Labels are optional and only
 * used to name things in error messages and for alignment by the Lua face.
 * A panel borrows everything: it owns no memory.
 */
#ifndef FOLIO_PANEL_H
#define FOLIO_PANEL_H

#include <stddef.h>

#include "folio/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Largest number of rows or columns any folio function accepts. */
#define FOLIO_MAX_DIM ((size_t)1 << 24)
/* Largest number of elements (rows * cols) any folio function accepts. */
#define FOLIO_MAX_ELEMS ((size_t)1 << 31)

typedef struct folio_panel {
  const double *data;             /* element (i, j) at data[i + j * ld]; NaN = missing */
  size_t n_rows;                  /* observations */
  size_t n_cols;                  /* assets */
  size_t ld;                      /* leading dimension, >= n_rows */
  const char *const *row_labels;  /* n_rows labels (dates), or NULL */
  const char *const *col_labels;  /* n_cols labels (symbols), or NULL */
} folio_panel;

/* A panel over data with ld = n_rows and no labels. */
FOLIO_API folio_panel folio_panel_make(const double *data, size_t n_rows, size_t n_cols);

/* Checks shape (n_rows, n_cols <= FOLIO_MAX_DIM, product <= FOLIO_MAX_ELEMS,
 * ld >= n_rows, data non-NULL when non-empty) and that no element is +-Inf.
 * NaN (missing) is allowed here. `who` prefixes the message ("sample_cov"),
 * `what` names the argument ("returns").
 * Errors: FOLIO_EINVAL (NULL data), FOLIO_EDIM, FOLIO_ENOTFINITE (names symbol and row). */
FOLIO_API folio_status folio_panel_check(const folio_panel *p, const char *who, const char *what,
                                         folio_error *err);

/* A view of the last n rows (all rows if n >= n_rows). Borrowed like p. */
FOLIO_API folio_panel folio_panel_tail(const folio_panel *p, size_t n);

/* Writes the label of column j into buf for messages: the column label, or
 * "#<j+1>" without labels. Returns buf. */
FOLIO_API const char *folio_panel_col_name(const folio_panel *p, size_t j, char *buf,
                                           size_t buf_size);
/* The same for row i: the row label (the date), or "#<i+1>" without labels. */
FOLIO_API const char *folio_panel_row_name(const folio_panel *p, size_t i, char *buf,
                                           size_t buf_size);

#ifdef __cplusplus
}
#endif
#endif
