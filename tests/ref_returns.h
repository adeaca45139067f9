/*
 * ref_returns.h — the returns the reference tests compare against
 * PyPortfolioOpt's: simple returns of ../shared/reference/data/stock_prices.csv
 * (read by refio.h, computed by folio_returns) with the all-missing rows
 * dropped, as returns_from_prices does. One copy for every reference test.
 */
#ifndef FOLIO_REF_RETURNS_H
#define FOLIO_REF_RETURNS_H

#include <math.h>
#include <stdlib.h>

#include "folio/returns.h"
#include "refio.h"
#include "testlib.h"

/* Column-major n x a returns (*n_out rows) of stock_prices.csv loaded into t
 * (t's header names the columns); complete_only also drops the rows with any
 * gap. NULL when the file is absent. Free with free(); t with ref_free. */
static inline double *ref_load_returns(const char *dir, ref_table *t, int complete_only, size_t *n_out) {
  if (ref_load(dir, "data/stock_prices.csv", t) != 0) return NULL;
  double *p = ref_column_major(t);
  size_t T = t->n_rows, a = t->n_cols;
  folio_panel prices = {p, T, a, T, NULL, (const char *const *)(t->header + 1)};
  double *r = malloc(sizeof(double) * (T - 1) * a);
  folio_error err = {FOLIO_OK, ""};
  CHECK_MSG(folio_returns(&prices, FOLIO_RETURNS_SIMPLE, r, T - 1, &err) == FOLIO_OK, "returns: %s", err.message);
  unsigned char *keep = malloc(T - 1);
  size_t n = 0;
  for (size_t i = 0; i < T - 1; i++) {
    size_t nan = 0;
    for (size_t j = 0; j < a; j++) nan += isnan(r[i + j * (T - 1)]) ? 1u : 0u;
    keep[i] = !(nan == a || (complete_only && nan > 0));
    n += keep[i];
  }
  double *out = malloc(sizeof(double) * (n ? n : 1) * a);
  for (size_t i = 0, k = 0; i < T - 1; i++) {
    if (!keep[i]) continue;
    for (size_t j = 0; j < a; j++) out[k + j * n] = r[i + j * (T - 1)];
    k++;
  }
  free(keep);
  free(r);
  free(p);
  *n_out = n;
  return out;
}

#endif
