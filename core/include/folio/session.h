/*
 * session.h — exchange sessions and calendars: which trading session an
 * instant falls in, for each asset class, in New York time.
 *
 * The civil-time arithmetic is civil_time.h and the NYSE calendar with its
 * overrides is calendar.h (both included here, as folio_session_at takes a
 * calendar and an instant).
 *
 * Sessions (half-open minute ranges [start, end) of New York wall time):
 *   equities  pre 04:00-09:30, RTH 09:30-16:00, post 16:00-20:00 on NYSE
 *             trading days (Monday-Friday, not a holiday);
 *             IBEOS (overnight) 20:00 on day D -> 03:50 on day D+1, only when
 *             D+1 is a trading day: so Sunday 20:00 -> Monday 03:50 runs, the
 *             evening before a holiday or a weekend has no IBEOS, and the
 *             evening *of* a holiday does when the next day trades;
 *             early-close days: RTH 09:30-13:00, post 13:00-17:00 (NYSE Arca's
 *             late session on those days), closed 17:00-20:00, then IBEOS as usual;
 *             otherwise closed.
 *   crypto    "24h" every minute of every day.
 *   fx        "24h" from Sunday 17:00 to Friday 17:00, closed otherwise.
 *   futures   "24h" from Sunday 18:00 to Friday 17:00 except a daily break
 *             17:00-18:00 (Monday-Thursday), closed in the break and at the weekend.
 * fx and futures ignore exchange holidays (add them by policy if needed).
 */
#ifndef FOLIO_SESSION_H
#define FOLIO_SESSION_H

#include <stddef.h>
#include <stdint.h>

#include "folio/calendar.h"
#include "folio/civil_time.h"
#include "folio/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum folio_session_id {
  FOLIO_SESSION_CLOSED = 0, /* "closed" */
  FOLIO_SESSION_PRE,        /* "pre"    equities pre-market */
  FOLIO_SESSION_RTH,        /* "RTH"    regular trading hours */
  FOLIO_SESSION_POST,       /* "post"   after hours */
  FOLIO_SESSION_IBEOS,      /* "IBEOS"  overnight (Blue Ocean ATS) */
  FOLIO_SESSION_H24,        /* "24h"    round-the-clock markets */
  FOLIO_SESSION_COUNT
} folio_session_id;

typedef enum folio_asset_class {
  FOLIO_ASSET_EQUITIES = 0, /* "equities" */
  FOLIO_ASSET_CRYPTO,       /* "crypto" */
  FOLIO_ASSET_FX,           /* "fx" */
  FOLIO_ASSET_FUTURES,      /* "futures" */
  FOLIO_ASSET_COUNT
} folio_asset_class;

/* ---- names -------------------------------------------------------------- */

/* "closed", "pre", "RTH", "post", "IBEOS", "24h"; "" for an id out of range. Static storage. */
FOLIO_API const char *folio_session_name(folio_session_id id);

/* The session called `name` (exact, case-sensitive, including "closed").
 * Errors: FOLIO_ENOTFOUND (lists the valid names), FOLIO_EINVAL (NULL). */
FOLIO_API folio_status folio_session_by_name(const char *name, folio_session_id *out,
                                             folio_error *err);

/* "equities", "crypto", "fx", "futures"; "" out of range. Static storage. */
FOLIO_API const char *folio_asset_class_name(folio_asset_class ac);

/* The asset class called `name` (exact). Errors: FOLIO_ENOTFOUND (lists the
 * valid names), FOLIO_EINVAL (NULL). */
FOLIO_API folio_status folio_asset_class_by_name(const char *name, folio_asset_class *out,
                                                 folio_error *err);

/* ---- sessions ------------------------------------------------------------ */

/* The session of asset class ac at epoch seconds under cal (NULL = the
 * default calendar). Every instant maps to exactly one session.
 * Cost: a few dozen integer operations, no allocation.
 * Errors: FOLIO_EINVAL (cal not checked by folio_calendar_check, asset class
 * out of range, instant outside FOLIO_ASOF_MIN..FOLIO_ASOF_MAX, NULL out). */
FOLIO_API folio_status folio_session_at(const folio_calendar *cal, folio_asset_class ac,
                                        int64_t epoch_seconds, folio_session_id *out,
                                        folio_error *err);

#ifdef __cplusplus
}
#endif
#endif
