/*
 * session.h — exchange sessions and calendars: which trading session an
 * instant falls in, for each asset class, in New York time.
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
 *
 * NYSE holidays (by rule, every year 1987-9999): New Year's Day, Martin
 * Luther King Jr. Day (third Monday of January, from 1998), Washington's
 * Birthday (third Monday of February), Good Friday (Gregorian computus),
 * Memorial Day (last Monday of May), Juneteenth (19 June, from 2022),
 * Independence Day (4 July), Labor Day (first Monday of September),
 * Thanksgiving (fourth Thursday of November), Christmas (25 December).
 * A holiday on a Saturday is observed on the Friday before, on a Sunday on
 * the Monday after — except New Year's Day on a Saturday, which is not
 * observed at all (NYSE Rule 7.2). Early closes (13:00): 3 July and
 * 24 December when each is a weekday that is not itself an observed holiday,
 * and the day after Thanksgiving. Unscheduled closings (national days of
 * mourning such as 2018-12-05 and 2025-01-09, 2001-09-11..14, 2012-10-29..30)
 * are not rules: add them with holidays_add.
 *
 * Overrides. A folio_calendar starts from folio_calendar_default() and may
 * change every bound and the holiday lists; the Lua/YAML shape is
 *   calendar = {
 *     equities = { pre = {"04:00", "09:30"}, RTH = {"09:30", "16:00"},
 *                  post = {"16:00", "20:00"}, IBEOS = {"20:00", "03:50"},
 *                  early_close = "13:00", early_post_close = "17:00",
 *                  holidays_add = {"2025-01-09"}, holidays_remove = {"2025-12-25"},
 *                  early_closes_add = {"2025-12-26"}, early_closes_remove = {"2025-07-03"} },
 *     fx      = { open = "17:00", close = "17:00" },   -- Sunday open, Friday close
 *     futures = { open = "18:00", close = "17:00", break_start = "17:00", break_end = "18:00" },
 *   }
 * with every key optional; see folio_calendar_check for the rules they must obey.
 */
#ifndef FOLIO_SESSION_H
#define FOLIO_SESSION_H

#include <stddef.h>
#include <stdint.h>

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

/* First and last supported instants (epoch seconds, UTC). */
#define FOLIO_ASOF_MIN INT64_C(536457600)    /* 1987-01-01T00:00:00Z */
#define FOLIO_ASOF_MAX INT64_C(253402300799) /* 9999-12-31T23:59:59Z */

/* Most dates in each override list of a calendar. */
#define FOLIO_CALENDAR_MAX_DATES 256

/* A list of dates as days since 1970-01-01 (sorted by folio_calendar_check). */
typedef struct folio_date_list {
  size_t n;
  int32_t days[FOLIO_CALENDAR_MAX_DATES];
} folio_date_list;

/* Session bounds in minutes after New York midnight (0..1440) and the
 * override lists. Plain data: copy it freely; no pointers inside. */
typedef struct folio_calendar {
  /* equities: [start, end) on the trading day itself */
  int pre_start, pre_end;   /* 04:00-09:30 */
  int rth_start, rth_end;   /* 09:30-16:00 */
  int post_start, post_end; /* 16:00-20:00 */
  /* IBEOS: ibeos_start on day D to ibeos_end on day D+1 (crosses midnight) */
  int ibeos_start, ibeos_end; /* 20:00-03:50 */
  /* early-close days: RTH [rth_start, early_close), post [early_close, early_post_close) */
  int early_close;      /* 13:00 */
  int early_post_close; /* 17:00 */
  folio_date_list holidays_add, holidays_remove, early_closes_add, early_closes_remove;
  /* fx: Sunday fx_open to Friday fx_close */
  int fx_open, fx_close; /* 17:00, 17:00 */
  /* futures: Sunday futures_open to Friday futures_close, daily break Mon-Thu */
  int futures_open, futures_close;            /* 18:00, 17:00 */
  int futures_break_start, futures_break_end; /* 17:00, 18:00 */
  int checked; /* set by folio_calendar_check; cleared by folio_calendar_default */
} folio_calendar;

/* New York wall-clock time of an instant. */
typedef struct folio_local_time {
  int year, month, day;     /* civil date in New York */
  int hour, minute, second; /* wall clock */
  int weekday;              /* 0 = Sunday .. 6 = Saturday */
  int utc_offset_minutes;   /* -300 (EST) or -240 (EDT) */
  int32_t days;             /* local date as days since 1970-01-01 */
  int minute_of_day;        /* hour * 60 + minute */
} folio_local_time;

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

/* ---- civil time ---------------------------------------------------------- */

/* Days since 1970-01-01 of the proleptic Gregorian date y-m-d (no range check;
 * any int year works). */
FOLIO_API int64_t folio_days_from_civil(int year, int month, int day);

/* The civil date of a day count (inverse of folio_days_from_civil). */
FOLIO_API void folio_civil_from_days(int64_t days, int *year, int *month, int *day);

/* Weekday of a day count: 0 = Sunday .. 6 = Saturday. */
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

/* ---- NYSE holidays (rules only, no overrides) ---------------------------- */

/* Easter Sunday of a Gregorian year (anonymous Gregorian computus). */
FOLIO_API void folio_easter(int year, int *month, int *day);

/* 1 when y-m-d is an NYSE full-day holiday by rule (observed date), else 0
 * (also 0 for an invalid date or a year outside 1987..9999). */
FOLIO_API int folio_nyse_is_holiday(int year, int month, int day);

/* 1 when y-m-d is an NYSE 13:00 early close by rule, else 0 (same range). */
FOLIO_API int folio_nyse_is_early_close(int year, int month, int day);

/* ---- calendars ------------------------------------------------------------ */

/* Fills cal with the defaults listed in the file comment, empty override lists. */
FOLIO_API void folio_calendar_default(folio_calendar *cal);

/* Appends a date to one of cal's lists. `what` names the list for messages.
 * Errors: FOLIO_EDIM (more than FOLIO_CALENDAR_MAX_DATES), FOLIO_EINVAL (NULL). */
FOLIO_API folio_status folio_calendar_add_date(folio_date_list *list, int32_t days,
                                               const char *what, folio_error *err);

/* Validates cal and sorts its lists; must be called after any change and
 * before folio_session_at. Rules:
 *  - every bound is within 0..1440 minutes; pre, RTH, post are non-empty and
 *    in that order without overlap (pre_end <= rth_start, rth_end <= post_start);
 *  - IBEOS starts at or after post_end and ends (next day) at or before
 *    pre_start, and is non-empty;
 *  - rth_start < early_close < rth_end and early_close < early_post_close <= ibeos_start;
 *  - fx_open, fx_close, futures bounds within 0..1440; futures_break_start < futures_break_end;
 *  - holidays_add / early_closes_add dates are weekdays in 1987..9999, without
 *    duplicates; holidays_remove dates are rule holidays, early_closes_remove
 *    dates rule early closes (a typo must not pass silently); a date both
 *    added and removed, or added as both holiday and early close, is an error;
 *    an early close may be added on a rule holiday only if that holiday is removed.
 * Errors: FOLIO_EINVAL naming the field and the value, FOLIO_EDUP for a
 * duplicate date. */
FOLIO_API folio_status folio_calendar_check(folio_calendar *cal, folio_error *err);

/* Whether the New York date `days` (since 1970-01-01) is an equities trading
 * day (weekday, not a holiday) under cal (NULL = defaults), and whether it is
 * an early close. *is_trading and *is_early may be NULL.
 * Errors: FOLIO_EINVAL (cal not checked, date outside 1987..9999). */
FOLIO_API folio_status folio_calendar_day(const folio_calendar *cal, int32_t days, int *is_trading,
                                          int *is_early, folio_error *err);

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
