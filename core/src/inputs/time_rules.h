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

#endif
