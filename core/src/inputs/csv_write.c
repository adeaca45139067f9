/*
 * csv_write.c — the way back from folio's data to CSV (csv.h): weights as
 * `symbol,weight` sorted by symbol, a panel with its labels in its order.
 * Numbers are "%.17g" in the "C" locale (every double reads back bit for
 * bit), a missing value an empty cell, fields quoted as RFC 4180 wants
 * (folio_csv_quote). The whole text is built first, then written by the one
 * atomic writer (a temporary file, fsync, rename, fsync of the folder), so a
 * reader sees the old file or the new one.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "folio/csv.h"
#include "plumbing.h"

/* Longest "%.17g" of a finite double ("-2.2250738585072014e-308"), plus room. */
#define NUMBER_MAX 32

/* Appends field to buf at *at as RFC 4180 wants it. */
static void put_field(char *buf, size_t *at, const char *field) {
  size_t len = strlen(field);
  *at += folio_csv_quote(field, len, buf + *at, folio_csv_quote(field, len, NULL, 0));
}

/* Adds the bytes put_field needs for field and a separator to *total; 0 on overflow. */
static int add_field_size(size_t *total, const char *field) {
  size_t need = folio_csv_quote(field, strlen(field), NULL, 0);
  if (need > SIZE_MAX - *total - 2) return 0;
  *total += need + 1;
  return 1;
}

/* Appends v as "%.17g", nothing for NaN (the caller holds the "C" locale). */
static void put_number(char *buf, size_t *at, double v) {
  if (isnan(v)) return;
  int k = snprintf(buf + *at, NUMBER_MAX, "%.17g", v);
  if (k > 0 && k < NUMBER_MAX) *at += (size_t)k;
}

typedef struct weight_row {
  const char *symbol;
  double weight;
} weight_row;

static int cmp_symbol(const void *a, const void *b) {
  return strcmp(((const weight_row *)a)->symbol, ((const weight_row *)b)->symbol);
}

folio_status folio_csv_write_weights(const char *path, const char *const *symbols, const double *weights, size_t n,
                                     folio_error *err) {
  static const char fn[] = "csv_write_weights";
  folio_error_clear(err);
  if (!path || !*path) return folio_error_set(err, FOLIO_EINVAL, "%s: path is empty", fn);
  if (n > 0 && (!symbols || !weights)) return folio_error_set(err, FOLIO_EINVAL, "%s: symbols or weights is NULL", fn);
  static const char header[] = "symbol,weight\n";
  size_t total = sizeof header;
  for (size_t i = 0; i < n; i++) {
    if (!symbols[i] || !*symbols[i]) return folio_error_set(err, FOLIO_EINVAL, "%s: symbol %zu is empty", fn, i + 1);
    if (!isfinite(weights[i]))
      return folio_error_set(err, FOLIO_ENOTFINITE, "%s: the weight of %s is %s", fn, symbols[i],
                             isnan(weights[i]) ? "NaN" : "infinite");
    if (!add_field_size(&total, symbols[i]) || total > SIZE_MAX - NUMBER_MAX - 1)
      return folio_error_set(err, FOLIO_EDIM, "%s: weights are too large to write", fn);
    total += NUMBER_MAX + 1;
  }
  weight_row *rows = malloc((n ? n : 1) * sizeof *rows);
  char *buf = malloc(total);
  if (!rows || !buf) {
    free(rows);
    free(buf);
    return folio_error_set(err, FOLIO_ENOMEM, "%s: out of memory", fn);
  }
  for (size_t i = 0; i < n; i++) rows[i] = (weight_row){symbols[i], weights[i]};
  qsort(rows, n, sizeof *rows, cmp_symbol);
  folio_status st = FOLIO_OK;
  for (size_t i = 1; i < n && st == FOLIO_OK; i++)
    if (strcmp(rows[i].symbol, rows[i - 1].symbol) == 0)
      st = folio_error_set(err, FOLIO_EDUP, "%s: symbol %s is given twice", fn, rows[i].symbol);
  folio_i_c_locale loc;
  if (st == FOLIO_OK) st = folio_i_c_locale_begin(&loc, fn, err);
  if (st == FOLIO_OK) {
    size_t at = sizeof header - 1;
    memcpy(buf, header, at);
    for (size_t i = 0; i < n; i++) {
      put_field(buf, &at, rows[i].symbol);
      buf[at++] = ',';
      put_number(buf, &at, rows[i].weight);
      buf[at++] = '\n';
    }
    folio_i_c_locale_end(&loc);
    st = folio_i_write_atomic(fn, path, buf, at, err);
  }
  free(rows);
  free(buf);
  return st;
}

folio_status folio_csv_write_panel(const char *path, const folio_panel *p, folio_error *err) {
  static const char fn[] = "csv_write_panel";
  folio_error_clear(err);
  if (!path || !*path) return folio_error_set(err, FOLIO_EINVAL, "%s: path is empty", fn);
  if (!p || !p->row_labels || !p->col_labels || (!p->data && p->n_rows * p->n_cols > 0))
    return folio_error_set(err, FOLIO_EINVAL, "%s: the panel, its data or its labels is NULL", fn);
  const char *const *row_labels = p->row_labels, *const *col_labels = p->col_labels;
  size_t total = 8;
  int dates = p->n_rows > 0;
  for (size_t i = 0; i < p->n_rows; i++) {
    if (!row_labels[i]) return folio_error_set(err, FOLIO_EINVAL, "%s: row label %zu is NULL", fn, i + 1);
    if (dates && folio_parse_iso_date(row_labels[i], NULL) != FOLIO_OK) dates = 0;
    if (!add_field_size(&total, row_labels[i])) return folio_error_set(err, FOLIO_EDIM, "%s: too large to write", fn);
  }
  for (size_t j = 0; j < p->n_cols; j++) {
    if (!col_labels[j]) return folio_error_set(err, FOLIO_EINVAL, "%s: column label %zu is NULL", fn, j + 1);
    if (!add_field_size(&total, col_labels[j])) return folio_error_set(err, FOLIO_EDIM, "%s: too large to write", fn);
  }
  for (size_t j = 0; j < p->n_cols; j++)
    for (size_t i = 0; i < p->n_rows; i++)
      if (isinf(p->data[i + j * p->ld]))
        return folio_error_set(err, FOLIO_ENOTFINITE,
                               "%s: value [%zu][%zu] (row '%s', column '%s') is infinite (CSV has no infinity; NaN is "
                               "written as an empty cell)",
                               fn, i + 1, j + 1, row_labels[i], col_labels[j]);
  size_t cells = p->n_rows * p->n_cols;
  if (p->n_cols && cells / p->n_cols != p->n_rows) return folio_error_set(err, FOLIO_EDIM, "%s: too large", fn);
  if (cells > (SIZE_MAX - total) / (NUMBER_MAX + 1)) return folio_error_set(err, FOLIO_EDIM, "%s: too large", fn);
  total += cells * (NUMBER_MAX + 1);
  char *buf = malloc(total);
  if (!buf) return folio_error_set(err, FOLIO_ENOMEM, "%s: out of memory", fn);
  size_t at = 0;
  const char *corner = dates ? "date" : "label"; /* "date": folio_csv_read_wide reads it back */
  memcpy(buf, corner, strlen(corner));
  at += strlen(corner);
  for (size_t j = 0; j < p->n_cols; j++) {
    buf[at++] = ',';
    put_field(buf, &at, col_labels[j]);
  }
  buf[at++] = '\n';
  folio_i_c_locale loc;
  folio_status st = folio_i_c_locale_begin(&loc, fn, err);
  if (st == FOLIO_OK) {
    for (size_t i = 0; i < p->n_rows; i++) {
      put_field(buf, &at, row_labels[i]);
      for (size_t j = 0; j < p->n_cols; j++) {
        buf[at++] = ',';
        put_number(buf, &at, p->data[i + j * p->ld]);
      }
      buf[at++] = '\n';
    }
    folio_i_c_locale_end(&loc);
    st = folio_i_write_atomic(fn, path, buf, at, err);
  }
  free(buf);
  return st;
}
