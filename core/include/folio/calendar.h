/*
 * calendar.h — the NYSE trading calendar: holidays and early closes by rule,
 * and a folio_calendar that carries the session bounds of every asset class
 * with the operator's holiday and early-close overrides.
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
 *
 * Dates are day counts of civil_time.h; the session of an instant under a
 * calendar is session.h.
 */
#ifndef FOLIO_CALENDAR_H
#define FOLIO_CALENDAR_H

#include <stddef.h>
#include <stdint.h>

#include "folio/status.h"

#ifdef __cplusplus
extern "C" {
#endif

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

/* ---- NYSE holidays (rules only, no overrides) ---------------------------- */

/* Easter Sunday of a Gregorian year (anonymous Gregorian computus): meaningful
 * from 1583 on, free of overflow for any int; a NULL output is not written. */
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

#ifdef __cplusplus
}
#endif
#endif
