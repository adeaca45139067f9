/*
 * returns.c — the first step of the estimates stage: prices become returns,
 * rows with no data at all are found, and per-asset mean returns are taken.
 *
 * Everything here is O(rows * assets) and follows pandas to the bit where
 * that is possible: a simple return is one division followed by "- 1.0"
 * (pandas' pct_change), a missing price makes a missing return, and means
 * skip missing values with the summation order pandas' R.mean() gets from
 * numpy. Every input is validated before anything is written, so on failure
 * the caller's buffers are untouched.
 */
#include <math.h>
#include <stdio.h>

#include "folio/numbers.h"
#include "folio/returns.h"
#include "internal.h"

/* ---- returns from prices ----------------------------------------------- */

folio_status folio_returns(const folio_panel *prices, folio_return_kind kind, double *out,
                           size_t ld_out, folio_error *err) {
  folio_status st = folio_panel_check(prices, "returns", "prices", err);
  if (st < 0) return st;
  if (kind != FOLIO_RETURNS_SIMPLE && kind != FOLIO_RETURNS_LOG)
    return folio_error_set(err, FOLIO_EINVAL, "returns: unknown return kind %d (simple or log)",
                           (int)kind);
  const size_t n_rows = prices->n_rows, n_cols = prices->n_cols;
  if (n_rows < 2)
    return folio_error_set(err, FOLIO_ESHORT,
                           "returns: prices has %zu row(s), at least 2 are needed for a return",
                           n_rows);
  const size_t out_rows = n_rows - 1;
  if (ld_out < out_rows || ld_out < 1)
    return folio_error_set(err, FOLIO_EINVAL, "returns: ld_out %zu < %zu output rows", ld_out,
                           out_rows);
  /* The last element written is out[(n_cols - 1) * ld_out + out_rows - 1]; it must be addressable.
   */
  size_t span;
  if (n_cols > 0 && (folio_i_mul(n_cols - 1, ld_out, &span) || span > SIZE_MAX - out_rows))
    return folio_error_set(err, FOLIO_EDIM, "returns: ld_out %zu x %zu columns overflows", ld_out,
                           n_cols);
  if (n_cols > 0 && !out) return folio_error_set(err, FOLIO_EINVAL, "returns: out is NULL");

  /* A return needs both prices > 0: reject the first offending price (column
   * by column, the order the data is laid out in) before writing anything. */
  for (size_t j = 0; j < n_cols; j++) {
    const double *p = prices->data + j * prices->ld;
    for (size_t i = 0; i < n_rows; i++) {
      if (p[i] <= 0.0) {
        char cb[64], rb[64];
        return folio_error_set(err, FOLIO_EINVAL,
                               "returns: price %.17g is not > 0 (symbol %s, row %s)", p[i],
                               folio_panel_col_name(prices, j, cb, sizeof cb),
                               folio_panel_row_name(prices, i, rb, sizeof rb));
      }
      if (!isnan(p[i]) && !folio_i_in_domain(FOLIO_DOMAIN_PRICE, p[i])) {
        /* outside the price domain (numbers.h): a ratio of two prices then
         * stays within [1e-20, 1e20], so no return is Inf or -Inf */
        char cb[64], rb[64], what[160];
        snprintf(what, sizeof what, "%s (row %s)", folio_panel_col_name(prices, j, cb, sizeof cb),
                 folio_panel_row_name(prices, i, rb, sizeof rb));
        return folio_check_number(FOLIO_DOMAIN_PRICE, p[i], "returns", "price", what, err);
      }
    }
  }

  /* NaN propagates through the division by itself, which is exactly the
   * "missing if either price is missing" rule. */
  for (size_t j = 0; j < n_cols; j++) {
    const double *p = prices->data + j * prices->ld;
    double *r = out + j * ld_out;
    if (kind == FOLIO_RETURNS_SIMPLE) {
      for (size_t i = 0; i < out_rows; i++) r[i] = p[i + 1] / p[i] - 1.0;
    } else {
      for (size_t i = 0; i < out_rows; i++) r[i] = log(p[i + 1] / p[i]);
    }
  }
  folio_error_clear(err);
  return FOLIO_OK;
}

/* ---- rows with no observation ------------------------------------------ */

size_t folio_rows_all_missing(const folio_panel *p, unsigned char *all_missing) {
  /* No error channel here: a panel that cannot be read marks nothing. */
  if (!p || !all_missing || p->ld < p->n_rows) return 0;
  if (p->n_rows && p->n_cols && !p->data) return 0;
  /* A row starts marked and is cleared by its first present value; with no
   * columns every row stays marked, as pandas' dropna(how="all") drops them all. */
  for (size_t i = 0; i < p->n_rows; i++) all_missing[i] = 1;
  for (size_t j = 0; j < p->n_cols; j++) {
    const double *col = p->data + j * p->ld;
    for (size_t i = 0; i < p->n_rows; i++)
      if (!isnan(col[i])) all_missing[i] = 0;
  }
  size_t marked = 0;
  for (size_t i = 0; i < p->n_rows; i++) marked += all_missing[i];
  return marked;
}

/* ---- column means -------------------------------------------------------- */

/* Sum of x[0..n) with NaN counted as 0, in numpy's pairwise order
 * (pairwise_sum in numpy/core/src/umath/loops_utils.h: eight running sums
 * over blocks of up to 128, halves split at a multiple of 8). pandas' mean()
 * sums the NaN-zeroed column this way, so following the same order makes
 * the means bit-identical to pandas, and the error grows as log(n), not n. */
static double pairwise_sum_nan0(const double *x, size_t n) {
  if (n < 8) {
    double res = 0.0;
    for (size_t i = 0; i < n; i++) res += isnan(x[i]) ? 0.0 : x[i];
    return res;
  }
  if (n <= 128) {
    double r[8];
    for (size_t k = 0; k < 8; k++) r[k] = isnan(x[k]) ? 0.0 : x[k];
    size_t i;
    for (i = 8; i < n - (n % 8); i += 8)
      for (size_t k = 0; k < 8; k++) r[k] += isnan(x[i + k]) ? 0.0 : x[i + k];
    double res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
    for (; i < n; i++) res += isnan(x[i]) ? 0.0 : x[i];
    return res;
  }
  size_t half = n / 2;
  half -= half % 8;
  return pairwise_sum_nan0(x, half) + pairwise_sum_nan0(x + half, n - half);
}

folio_status folio_column_means(const folio_panel *p, double scale, double *means, size_t *counts,
                                folio_error *err) {
  folio_status st = folio_panel_check(p, "column_means", "returns", err);
  if (st < 0) return st;
  if (!isfinite(scale) || !(scale > 0.0))
    return folio_error_set(err, FOLIO_EINVAL, "column_means: scale %g must be finite and > 0",
                           scale);
  if (p->n_cols > 0 && !means)
    return folio_error_set(err, FOLIO_EINVAL, "column_means: means is NULL");

  /* Validation pass first: a column without any observation has no mean. */
  for (size_t j = 0; j < p->n_cols; j++) {
    const double *col = p->data ? p->data + j * p->ld : NULL;
    size_t n = 0;
    for (size_t i = 0; i < p->n_rows && n == 0; i++) n += !isnan(col[i]);
    if (n == 0) {
      char cb[64];
      return folio_error_set(err, FOLIO_EMISSING, "column_means: symbol %s has no observation",
                             folio_panel_col_name(p, j, cb, sizeof cb));
    }
  }

  /* Sum, then one division and one multiplication: pandas' mean() followed
   * by "* periods_per_year". */
  for (size_t j = 0; j < p->n_cols; j++) {
    const double *col = p->data + j * p->ld;
    size_t n = 0;
    for (size_t i = 0; i < p->n_rows; i++) n += !isnan(col[i]);
    means[j] = pairwise_sum_nan0(col, p->n_rows) / (double)n * scale;
    if (counts) counts[j] = n;
  }
  folio_error_clear(err);
  return FOLIO_OK;
}
