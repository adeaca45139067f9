/*
 * holding.h — holding-period buckets for performance attribution.
 *
 * A holding period is measured in trading days between entry and exit
 * (0 = closed in the session it was opened). Buckets are half-open:
 *   intraday  [0, 1)     exit within the session
 *   daily     [1, 5)     exit in under 5 trading days
 *   weekly    [5, 21)
 *   monthly   [21, 63)
 *   quarterly [63, 252)
 *   yearly    [252, inf) (so every period has a bucket)
 */
#ifndef FOLIO_HOLDING_H
#define FOLIO_HOLDING_H

#include "folio/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum folio_bucket_id {
  FOLIO_BUCKET_INTRADAY = 0,
  FOLIO_BUCKET_DAILY,
  FOLIO_BUCKET_WEEKLY,
  FOLIO_BUCKET_MONTHLY,
  FOLIO_BUCKET_QUARTERLY,
  FOLIO_BUCKET_YEARLY,
  FOLIO_BUCKET_COUNT
} folio_bucket_id;

typedef struct folio_bucket {
  folio_bucket_id id;
  const char *name;        /* "intraday", "daily", ... (static storage) */
  double min_days;         /* inclusive */
  double max_days;         /* exclusive; INFINITY for yearly */
  const char *description; /* one line, static storage */
} folio_bucket;

/* The bucket called `name` (exact, case-sensitive). *out is only written on success.
 * Errors: FOLIO_ENOTFOUND (lists the valid names), FOLIO_EINVAL (NULL). */
FOLIO_API folio_status folio_bucket_by_name(const char *name, folio_bucket *out, folio_error *err);

/* The bucket a holding period of `trading_days` falls in.
 * Errors: FOLIO_EINVAL (negative), FOLIO_ENOTFINITE (NaN or Inf). */
FOLIO_API folio_status folio_bucket_for_days(double trading_days, folio_bucket *out,
                                             folio_error *err);

/* The bucket with this id (id < FOLIO_BUCKET_COUNT), for iteration. Any other
 * id gives a non-bucket: id FOLIO_BUCKET_COUNT, name "", bounds NaN. */
FOLIO_API folio_bucket folio_bucket_at(folio_bucket_id id);

#ifdef __cplusplus
}
#endif
#endif
