/*
 * returns.h — returns from prices and per-asset mean returns.
 *
 * First step of the estimates stage: prices (rows = dates, cols = assets,
 * NaN = not listed / missing) become returns, exactly as pandas'
 * `prices.pct_change(fill_method=None)` (simple) or its log counterpart.
 */
#ifndef FOLIO_RETURNS_H
#define FOLIO_RETURNS_H

#include <stddef.h>

#include "folio/panel.h"
#include "folio/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum folio_return_kind {
  FOLIO_RETURNS_SIMPLE = 0, /* r = P[t] / P[t-1] - 1.0  (one division, then subtract 1.0) */
  FOLIO_RETURNS_LOG = 1     /* r = log(P[t] / P[t-1]) */
} folio_return_kind;

/* Default number of periods in a year (daily data). */
#define FOLIO_PERIODS_PER_YEAR 252.0

/*
 * Returns from prices: out has prices->n_rows - 1 rows and prices->n_cols
 * columns (column-major, leading dimension ld_out >= n_rows - 1); out row t is
 * the return from price row t to price row t + 1. A return is NaN (missing)
 * when either price is missing (NaN). Rows whose returns are all missing are
 * NOT removed here (see folio_rows_all_missing).
 *
 * Errors: FOLIO_ESHORT (fewer than 2 rows), FOLIO_EDIM, FOLIO_ENOTFINITE
 * (an infinite price), FOLIO_EINVAL (a price <= 0, or outside the price
 * domain [1e-8, 1e12] of numbers.h, so that no return is Inf; names symbol
 * and row),
 * FOLIO_EINVAL (NULL prices or out, ld_out too small, unknown kind). On error
 * out is not written.
 */
FOLIO_API folio_status folio_returns(const folio_panel *prices, folio_return_kind kind, double *out,
                                     size_t ld_out, folio_error *err);

/*
 * Marks the rows of p whose every column is missing: all_missing[i] = 1 for
 * such a row, else 0 (caller-owned, n_rows entries). Returns how many rows are
 * marked. pandas' `dropna(how="all")` drops exactly these rows (with no
 * columns, every row). There is no error channel: with p or all_missing
 * NULL, ld < n_rows, or NULL data, nothing is written and 0 is returned.
 */
FOLIO_API size_t folio_rows_all_missing(const folio_panel *p, unsigned char *all_missing);

/*
 * Column means skipping missing values (pandas `R.mean()`, bit for bit: the
 * column with NaN as 0 is summed in numpy's pairwise order, then divided by
 * the count), multiplied by `scale` (1 for per-period means,
 * periods_per_year to annualise).
 * means[j] receives the mean of column j; counts (may be NULL) the number of
 * observations used.
 * Errors: FOLIO_EMISSING when a column has no observation at all (names it),
 * FOLIO_EINVAL when scale is not finite and > 0, FOLIO_ENOTFINITE (Inf data).
 */
FOLIO_API folio_status folio_column_means(const folio_panel *p, double scale, double *means,
                                          size_t *counts, folio_error *err);

#ifdef __cplusplus
}
#endif
#endif
