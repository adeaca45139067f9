/*
 * time_rules.h — what the civil-time, calendar and session units of the
 * inputs stage share beyond their public headers: the month length, New
 * York's UTC offset, the trading-day test under a checked calendar and the
 * default calendar. Not installed, not API (folio_i_ names, hidden).
 */
#ifndef FOLIO_TIME_RULES_H
#define FOLIO_TIME_RULES_H

#include <stdint.h>

#include "folio/calendar.h"
#include "folio/status.h"

/* Days in month m (1..12) of the proleptic Gregorian year y. */
int folio_i_days_in_month(int y, int m);

/* Seconds to add to the UTC instant `epoch` to get New York wall time
 * (-5 h or -4 h by the US daylight-saving rule of its year). */
int folio_i_ny_offset(int64_t epoch);

/* 1 when the New York date `days` trades under the checked calendar cal
 * (weekday, not a holiday after the overrides), else 0; when early is
 * non-NULL and the day trades, *early says whether it closes early. */
int folio_i_trading_day(const folio_calendar *cal, int32_t days, int *early);

/* FOLIO_OK when epoch lies in [FOLIO_ASOF_MIN, FOLIO_ASOF_MAX]; otherwise
 * FOLIO_EINVAL, "<who>: instant N is outside the supported range ...". */
folio_status folio_i_check_instant(const char *who, int64_t epoch, folio_error *err);

/* The default calendar, already checked (for cal == NULL). */
extern const folio_calendar folio_i_default_calendar;

/* folio_days_from_civil(INT_MIN, 1, 1) and (INT_MAX, 12, 31): the day counts
 * whose years fit an int (test_civil_time's clamped dates check them). */
#define FOLIO_I_CIVIL_MIN_DAYS INT64_C(-784353015833)
#define FOLIO_I_CIVIL_MAX_DAYS INT64_C(784351576776)

/* The rules behind folio_civil_from_days and folio_weekday, for callers
 * inside the core whose day counts are in the supported range (a checked
 * instant or a calendar year): no clamp, no NULL checks, inlined in the
 * per-instant paths. */
static inline void folio_i_civil_from_days(int64_t days, int *year, int *month, int *day) {
  int64_t z = days + 719468;
  int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  int64_t doe = z - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy + 2) / 153;
  int m = (int)(mp < 10 ? mp + 3 : mp - 9);
  *day = (int)(doy - (153 * mp + 2) / 5 + 1);
  *month = m;
  *year = (int)(yoe + era * 400 + (m <= 2));
}

/* 1970-01-01 was a Thursday (4); days <= INT64_MAX - 7. */
static inline int folio_i_weekday(int64_t days) {
  return (int)(days >= -4 ? (days + 4) % 7 : (days + 5) % 7 + 6);
}

#endif
