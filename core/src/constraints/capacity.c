/*
 * capacity.c — position limits from average daily dollar volume (see capacity.h).
 *
 * folio_market_check validates a prices/volumes pair once, in full;
 * folio_position_capacity then only walks the tail of one column, so a
 * policy that asks for the capacity of every symbol does not re-scan the
 * whole panel each time. The dollar cap is rounded down to the cent by the
 * money rules (money.h): a limit must never round up past what ADV allows.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "folio/capacity.h"
#include "folio/numbers.h"
#include "folio/money.h"
#include "internal.h"

/* Labels equal as far as both sides know them (a missing list or entry never mismatches). */
static int labels_differ(const char *const *a, const char *const *b, size_t i) {
  return a && b && a[i] && b[i] && strcmp(a[i], b[i]) != 0;
}

folio_status folio_market_check(const folio_panel *prices, const folio_panel *volumes,
                                folio_error *err) {
  folio_error_clear(err);
  folio_status st = folio_panel_check(prices, "market", "prices", err);
  if (st != FOLIO_OK) return st;
  st = folio_panel_check(volumes, "market", "volumes", err);
  if (st != FOLIO_OK) return st;
  if (prices->n_rows != volumes->n_rows || prices->n_cols != volumes->n_cols)
    return folio_error_set(err, FOLIO_EDIM,
                           "market: prices are %zu x %zu but volumes are %zu x %zu "
                           "(rows x symbols)",
                           prices->n_rows, prices->n_cols, volumes->n_rows, volumes->n_cols);
  for (size_t j = 0; j < prices->n_cols; j++)
    if (labels_differ(prices->col_labels, volumes->col_labels, j))
      return folio_error_set(err, FOLIO_EDIM,
                             "market: column %zu is '%s' in prices but '%s' in volumes", j + 1,
                             prices->col_labels[j], volumes->col_labels[j]);
  /* Rows are dates: a shifted volume file would give every symbol the wrong ADV. */
  for (size_t i = 0; i < prices->n_rows; i++)
    if (labels_differ(prices->row_labels, volumes->row_labels, i))
      return folio_error_set(err, FOLIO_EDIM,
                             "market: row %zu is '%s' in prices but '%s' in volumes", i + 1,
                             prices->row_labels[i], volumes->row_labels[i]);
  for (size_t j = 0; j < prices->n_cols; j++) {
    const double *p = prices->data + j * prices->ld;
    const double *v = volumes->data + j * volumes->ld;
    for (size_t i = 0; i < prices->n_rows; i++) {
      /* `!(x > 0)` would also catch NaN, which here means missing and is fine. */
      const char *what = p[i] <= 0 ? "price" : v[i] <= 0 ? "volume" : NULL;
      if (what) {
        char sb[64], rb[64];
        return folio_error_set(err, FOLIO_EINVAL, "market: %s %g <= 0 (symbol %s, row %s)", what,
                               p[i] <= 0 ? p[i] : v[i],
                               folio_panel_col_name(prices, j, sb, sizeof sb),
                               folio_panel_row_name(prices, i, rb, sizeof rb));
      }
    }
  }
  return FOLIO_OK;
}

folio_capacity_opts folio_capacity_defaults(void) {
  folio_capacity_opts o = {0.01, 21};
  return o;
}

folio_status folio_position_capacity(const folio_panel *prices, const folio_panel *volumes,
                                     size_t asset, double nav_usd,
                                     const folio_capacity_opts *opts, folio_capacity *out,
                                     folio_error *err) {
  folio_error_clear(err);
  if (!prices || !volumes)
    return folio_error_set(err, FOLIO_EINVAL, "position_capacity: %s is NULL",
                           prices ? "volumes" : "prices");
  if (!out) return folio_error_set(err, FOLIO_EINVAL, "position_capacity: out is NULL");
  folio_capacity_opts o = opts ? *opts : folio_capacity_defaults();
  if (!isfinite(nav_usd) || nav_usd <= 0 || nav_usd > FOLIO_MAX_USD)
    return folio_error_set(err, FOLIO_EINVAL,
                           "position_capacity: nav_usd must be finite, > 0 and <= %g (got %g)",
                           FOLIO_MAX_USD, nav_usd);
  if (!(o.fraction_of_adv > 0 && o.fraction_of_adv <= 1))
    return folio_error_set(err, FOLIO_EINVAL,
                           "position_capacity: fraction_of_adv must be in (0, 1] (got %g)",
                           o.fraction_of_adv);
  if (o.adv_lookback_days < 1)
    return folio_error_set(err, FOLIO_EINVAL, "position_capacity: adv_lookback_days must be >= 1");
  /* Cheap shape checks keep a caller that skipped folio_market_check memory-safe. */
  if (prices->n_rows != volumes->n_rows || prices->n_cols != volumes->n_cols ||
      prices->ld < prices->n_rows || volumes->ld < volumes->n_rows)
    return folio_error_set(err, FOLIO_EDIM,
                           "position_capacity: prices (%zu x %zu) and volumes (%zu x %zu) do not "
                           "match (run market check first)",
                           prices->n_rows, prices->n_cols, volumes->n_rows, volumes->n_cols);
  if (asset >= prices->n_cols)
    return folio_error_set(err, FOLIO_EINVAL,
                           "position_capacity: asset index %zu out of range (%zu symbols)", asset,
                           prices->n_cols);
  if (prices->n_rows && (!prices->data || !volumes->data))
    return folio_error_set(err, FOLIO_EINVAL, "position_capacity: %s data is NULL",
                           prices->data ? "volumes" : "prices");

  char sb[64];
  const char *sym = folio_panel_col_name(prices, asset, sb, sizeof sb);
  const double *p = prices->n_rows ? prices->data + asset * prices->ld : NULL;
  const double *v = volumes->n_rows ? volumes->data + asset * volumes->ld : NULL;
  double sum = 0;
  size_t used = 0;
  /* Newest first: the window is the last adv_lookback_days rows that have both values. */
  for (size_t i = prices->n_rows; i-- > 0 && used < o.adv_lookback_days;) {
    if (isnan(p[i]) || isnan(v[i])) continue;
    if (!(p[i] > 0 && v[i] > 0 && isfinite(p[i]) && isfinite(v[i]))) {
      char rb[64];
      return folio_error_set(err, FOLIO_EINVAL,
                             "position_capacity: %s %g is not a positive finite number (symbol %s, "
                             "row %s)",
                             p[i] > 0 && isfinite(p[i]) ? "volume" : "price",
                             p[i] > 0 && isfinite(p[i]) ? v[i] : p[i], sym,
                             folio_panel_row_name(prices, i, rb, sizeof rb));
    }
    if (!folio_i_in_domain(FOLIO_DOMAIN_PRICE, p[i])) {
      char rb[64], where[160];
      snprintf(where, sizeof where, "%s (row %s)", sym, folio_panel_row_name(prices, i, rb, sizeof rb));
      return folio_check_number(FOLIO_DOMAIN_PRICE, p[i], "position_capacity", "price", where, err);
    }
    sum += p[i] * v[i];
    used++;
  }
  if (used < o.adv_lookback_days)
    return folio_error_set(err, FOLIO_ESHORT,
                           "position_capacity: symbol %s has %zu rows with both price and volume "
                           "(adv_lookback_days needs %zu)",
                           sym, used, o.adv_lookback_days);
  double adv = sum / (double)used;
  double cap_usd = folio_usd_floor_cents(o.fraction_of_adv * adv);
  if (!isfinite(adv) || !isfinite(cap_usd))
    return folio_error_set(err, FOLIO_ENOTFINITE,
                           "position_capacity: dollar volume of symbol %s overflows", sym);
  if (!isfinite(cap_usd / nav_usd)) /* the final check (nav_usd > 0: never, kept as the rule) */
    return folio_error_set(err, FOLIO_ENOTFINITE, "position_capacity: cap weight of %s is not finite", sym);
  out->adv_usd = adv;
  out->cap_usd = cap_usd;
  out->cap_weight = cap_usd / nav_usd;
  out->days_used = used;
  return FOLIO_OK;
}

double folio_capacity_truncate(double target_weight, const folio_capacity *cap, int *bound) {
  if (bound) *bound = 0;
  if (isnan(target_weight)) return target_weight;
  /* No valid cap means no answer: NaN propagates instead of a silent "no limit". */
  if (!cap || !(cap->cap_weight >= 0)) return NAN;
  if (fabs(target_weight) <= cap->cap_weight) return target_weight;
  if (bound) *bound = 1;
  return copysign(cap->cap_weight, target_weight);
}
