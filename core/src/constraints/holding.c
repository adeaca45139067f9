/*
 * holding.c — holding-period buckets for performance attribution (see holding.h).
 *
 * The buckets are one static table, so names, bounds and descriptions cannot
 * drift apart; lookups by name and by period both read it. Bounds are
 * half-open [min, max) in trading days, so every period >= 0 has exactly one
 * bucket and the boundary days (1, 5, 21, 63, 252) open the longer bucket.
 */
#include <math.h>
#include <string.h>

#include "folio/holding.h"

static const folio_bucket buckets[FOLIO_BUCKET_COUNT] = {
    {FOLIO_BUCKET_INTRADAY, "intraday", 0, 1, "exit within the session the position was opened"},
    {FOLIO_BUCKET_DAILY, "daily", 1, 5, "exit after 1 to under 5 trading days"},
    {FOLIO_BUCKET_WEEKLY, "weekly", 5, 21, "exit after 5 to under 21 trading days (about a month)"},
    {FOLIO_BUCKET_MONTHLY, "monthly", 21, 63, "exit after 21 to under 63 trading days (a quarter)"},
    {FOLIO_BUCKET_QUARTERLY, "quarterly", 63, 252,
     "exit after 63 to under 252 trading days (a year)"},
    {FOLIO_BUCKET_YEARLY, "yearly", 252, INFINITY, "held 252 trading days (a year) or longer"},
};

folio_status folio_bucket_by_name(const char *name, folio_bucket *out, folio_error *err) {
  folio_error_clear(err);
  if (!name) return folio_error_set(err, FOLIO_EINVAL, "bucket: name is NULL");
  if (!out) return folio_error_set(err, FOLIO_EINVAL, "bucket: out is NULL");
  for (int i = 0; i < FOLIO_BUCKET_COUNT; i++) {
    if (strcmp(name, buckets[i].name) == 0) {
      *out = buckets[i];
      return FOLIO_OK;
    }
  }
  return folio_error_set(err, FOLIO_ENOTFOUND,
                         "bucket: unknown bucket '%.64s' (valid: intraday, daily, weekly, monthly, "
                         "quarterly, yearly)",
                         name);
}

folio_status folio_bucket_for_days(double trading_days, folio_bucket *out, folio_error *err) {
  folio_error_clear(err);
  if (!out) return folio_error_set(err, FOLIO_EINVAL, "bucket_for_days: out is NULL");
  if (!isfinite(trading_days))
    return folio_error_set(err, FOLIO_ENOTFINITE,
                           "bucket_for_days: trading_days must be finite (got %g)", trading_days);
  if (trading_days < 0)
    return folio_error_set(err, FOLIO_EINVAL, "bucket_for_days: trading_days must be >= 0 (got %g)",
                           trading_days);
  int i = 0;
  while (i + 1 < FOLIO_BUCKET_COUNT && trading_days >= buckets[i].max_days) i++;
  *out = buckets[i];
  return FOLIO_OK;
}

folio_bucket folio_bucket_at(folio_bucket_id id) {
  if ((unsigned)id < (unsigned)FOLIO_BUCKET_COUNT) return buckets[id];
  /* Out of range: a recognisable non-bucket instead of a read past the table. */
  folio_bucket none = {FOLIO_BUCKET_COUNT, "", NAN, NAN, ""};
  return none;
}
