/*
 * civil_time.h — civil dates and New York wall-clock time: day counts, the
 * ISO-8601 parsers of instants, dates and HH:MM, and the UTC offset of New
 * York by the US daylight-saving rules.
 *
 * Time is pure arithmetic on days-from-civil (no TZ, no localtime, no
 * setenv): every function is reentrant and thread-safe.
 *
 * Time zone. All calendars are in America/New_York: UTC-5 (EST) and UTC-4
 * (EDT) under US daylight saving, computed by rule for each year:
 *   2007 onwards: second Sunday of March 02:00 EST -> first Sunday of November 02:00 EDT;
 *   1987-2006:    first Sunday of April 02:00 EST  -> last Sunday of October 02:00 EDT.
 * Supported instants: 1987-01-01T00:00:00Z to 9999-12-31T23:59:59Z; others
 * are FOLIO_EINVAL. (Future changes of US law are not foreseen.)
 *
 * The trading calendar built on these dates is calendar.h; the sessions are
 * session.h.
 */
#ifndef FOLIO_CIVIL_TIME_H
#define FOLIO_CIVIL_TIME_H

#include <stddef.h>
#include <stdint.h>

#include "folio/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* First and last supported instants (epoch seconds, UTC). */
#define FOLIO_ASOF_MIN INT64_C(536457600)    /* 1987-01-01T00:00:00Z */
#define FOLIO_ASOF_MAX INT64_C(253402300799) /* 9999-12-31T23:59:59Z */

/* New York wall-clock time of an instant. */
typedef struct folio_local_time {
  int year, month, day;     /* civil date in New York */
  int hour, minute, second; /* wall clock */
  int weekday;              /* 0 = Sunday .. 6 = Saturday */
  int utc_offset_minutes;   /* -300 (EST) or -240 (EDT) */
  int32_t days;             /* local date as days since 1970-01-01 */
  int minute_of_day;        /* hour * 60 + minute */
} folio_local_time;

/* Days since 1970-01-01 of the proleptic Gregorian date y-m-d (no range check;
 * any int year works). */
FOLIO_API int64_t folio_days_from_civil(int year, int month, int day);

/* The civil date of a day count (inverse of folio_days_from_civil). Day
 * counts outside INT_MIN-01-01 .. INT_MAX-12-31 (years that do not fit an
 * int) are clamped to that range; a NULL output is not written. */
FOLIO_API void folio_civil_from_days(int64_t days, int *year, int *month, int *day);

/* Weekday of a day count: 0 = Sunday .. 6 = Saturday (any int64_t). */
FOLIO_API int folio_weekday(int64_t days);

/* Parses an ISO-8601 / RFC 3339 instant into epoch seconds:
 *   YYYY-MM-DD('T'|'t'|' ')HH:MM[:SS[.fraction]](Z|z|±HH:MM|±HHMM|±HH)
 * Fractions are truncated (epoch seconds are whole). A date alone, or a time
 * without an offset, is an error: midnight UTC is 19:00 or 20:00 the evening
 * before in New York, a silent bug in a session lookup. Leap seconds (:60) and
 * 24:00 are errors. Errors: FOLIO_EPARSE naming the text and the bad field
 * (month 13, hour 25, offset +25:00, trailing text, empty), FOLIO_EINVAL (NULL). */
FOLIO_API folio_status folio_parse_asof(const char *iso, int64_t *epoch_seconds, folio_error *err);

/* Parses "HH:MM" (00:00-24:00) into minutes after midnight.
 * Errors: FOLIO_EPARSE naming the text, FOLIO_EINVAL (NULL). */
FOLIO_API folio_status folio_parse_hhmm(const char *text, int *minutes, folio_error *err);

/* Parses a date "YYYY-MM-DD" (a real calendar date) into days since 1970-01-01.
 * Errors: FOLIO_EPARSE naming the text, FOLIO_EINVAL (NULL). */
FOLIO_API folio_status folio_parse_date(const char *text, int32_t *days, folio_error *err);

/* New York wall-clock time of epoch seconds (US DST rules above).
 * Errors: FOLIO_EINVAL (outside FOLIO_ASOF_MIN..FOLIO_ASOF_MAX, or NULL out). */
FOLIO_API folio_status folio_ny_local(int64_t epoch_seconds, folio_local_time *out,
                                      folio_error *err);

/* Writes "YYYY-MM-DDTHH:MM:SS-05:00" (25 bytes + NUL) into buf; returns buf
 * ("" when size < 26). */
FOLIO_API char *folio_format_local(const folio_local_time *t, char *buf, size_t size);

#ifdef __cplusplus
}
#endif
#endif
