/*
 * calendar.c — the NYSE trading calendar (see calendar.h): holidays and
 * early closes by rule (nth weekday of a month, the Gregorian computus for
 * Good Friday, the Saturday/Sunday observance shifts), the default session
 * bounds, and the operator's overrides. No tables of dates: the override
 * lists of a calendar are sorted once by folio_calendar_check and
 * binary-searched, so a trading-day test costs a few integer operations.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "folio/calendar.h"
#include "folio/civil_time.h"
#include "time_rules.h"

#define MIN_YEAR 1987
#define MAX_YEAR 9999

void folio_easter(int year, int *month, int *day) {
  /* Anonymous Gregorian algorithm (Meeus/Jones/Butcher). */
  int a = year % 19, b = year / 100, c = year % 100, d = b / 4, e = b % 4;
  int f = (b + 8) / 25, g = (b - f + 1) / 3, h = (19 * a + b - d - g + 15) % 30;
  int i = c / 4, k = c % 4, l = (32 + 2 * e + 2 * i - h - k) % 7;
  int m = (a + 11 * h + 22 * l) / 451;
  if (month) *month = (114 + h + l - 7 * m) / 31;
  if (day) *day = (114 + h + l - 7 * m) % 31 + 1;
}

/* A fixed-date holiday `fixed` observed on d (Saturday -> Friday, Sunday -> Monday). */
static int observed(int fixed, int d, int wd) {
  return (d == fixed && wd >= 1 && wd <= 5) || (d == fixed - 1 && wd == 5) ||
         (d == fixed + 1 && wd == 1);
}

/* The rule holiday test on a valid date with its weekday. */
static int rule_holiday(int y, int m, int d, int wd) {
  if (wd == 0 || wd == 6) return 0;
  switch (m) {
    case 1:
      /* New Year's Day; Sunday -> Monday 2 January; Saturday -> not observed */
      if (d == 1 || (d == 2 && wd == 1)) return 1;
      return y >= 1998 && wd == 1 && d >= 15 && d <= 21; /* MLK: third Monday */
    case 2: return wd == 1 && d >= 15 && d <= 21;        /* Washington's Birthday */
    case 3:
    case 4: {
      if (wd != 5) return 0;
      int em, ed;
      folio_easter(y, &em, &ed);
      int64_t gf = folio_days_from_civil(y, em, ed) - 2;
      return folio_days_from_civil(y, m, d) == gf; /* Good Friday */
    }
    case 5: return wd == 1 && d >= 25;               /* Memorial Day: last Monday */
    case 6: return y >= 2022 && observed(19, d, wd); /* Juneteenth */
    case 7: return observed(4, d, wd);               /* Independence Day */
    case 9: return wd == 1 && d <= 7;                /* Labor Day */
    case 11: return wd == 4 && d >= 22 && d <= 28;   /* Thanksgiving */
    case 12: return observed(25, d, wd);             /* Christmas (24 Dec if Saturday) */
    default: return 0;
  }
}

/* The rule early-close test on a valid date with its weekday. */
static int rule_early(int y, int m, int d, int wd) {
  if (wd == 0 || wd == 6) return 0;
  if (m == 11) return wd == 5 && d >= 23 && d <= 29; /* the day after Thanksgiving */
  if ((m == 7 && d == 3) || (m == 12 && d == 24)) return !rule_holiday(y, m, d, wd);
  return 0;
}

static int valid_date(int y, int m, int d) {
  return y >= MIN_YEAR && y <= MAX_YEAR && m >= 1 && m <= 12 && d >= 1 &&
         d <= folio_i_days_in_month(y, m);
}

int folio_nyse_is_holiday(int year, int month, int day) {
  if (!valid_date(year, month, day)) return 0;
  return rule_holiday(year, month, day, folio_i_weekday(folio_days_from_civil(year, month, day)));
}

int folio_nyse_is_early_close(int year, int month, int day) {
  if (!valid_date(year, month, day)) return 0;
  return rule_early(year, month, day, folio_i_weekday(folio_days_from_civil(year, month, day)));
}

/* ==== calendars =========================================================== */

/* The checked default calendar, for cal == NULL (read-only: no global state). */
const folio_calendar folio_i_default_calendar = {
    .pre_start = 4 * 60,
    .pre_end = 9 * 60 + 30,
    .rth_start = 9 * 60 + 30,
    .rth_end = 16 * 60,
    .post_start = 16 * 60,
    .post_end = 20 * 60,
    .ibeos_start = 20 * 60,
    .ibeos_end = 3 * 60 + 50,
    .early_close = 13 * 60,
    .early_post_close = 17 * 60,
    .fx_open = 17 * 60,
    .fx_close = 17 * 60,
    .futures_open = 18 * 60,
    .futures_close = 17 * 60,
    .futures_break_start = 17 * 60,
    .futures_break_end = 18 * 60,
    .checked = 1,
};

void folio_calendar_default(folio_calendar *cal) {
  if (!cal) return;
  *cal = folio_i_default_calendar;
  cal->checked = 0;
}

folio_status folio_calendar_add_date(folio_date_list *list, int32_t days, const char *what,
                                     folio_error *err) {
  folio_error_clear(err);
  if (!list) return folio_error_set(err, FOLIO_EINVAL, "calendar: list is NULL");
  if (list->n >= FOLIO_CALENDAR_MAX_DATES)
    return folio_error_set(err, FOLIO_EDIM, "calendar: %s has more than %d dates",
                           what ? what : "a date list", FOLIO_CALENDAR_MAX_DATES);
  list->days[list->n++] = days;
  return FOLIO_OK;
}

static int cmp_i32(const void *a, const void *b) {
  int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
  return (x > y) - (x < y);
}

static int in_list(const folio_date_list *l, int32_t days) {
  size_t lo = 0, hi = l->n;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (l->days[mid] < days)
      lo = mid + 1;
    else if (l->days[mid] > days)
      hi = mid;
    else
      return 1;
  }
  return 0;
}

/* Formats minutes as HH:MM (or "<n> min" when out of range) into buf. */
static const char *hhmm(int minutes, char buf[16]) {
  if (minutes < 0 || minutes > 1440)
    snprintf(buf, 16, "%d min", minutes);
  else
    snprintf(buf, 16, "%02d:%02d", minutes / 60, minutes % 60);
  return buf;
}

static const char *ymd(int32_t days, char buf[24]) {
  int y, m, d;
  folio_i_civil_from_days(days, &y, &m, &d);
  snprintf(buf, 24, "%04d-%02d-%02d", y, m, d);
  return buf;
}

static folio_status check_bound(int v, const char *name, folio_error *err) {
  char b[16];
  if (v < 0 || v > 1440)
    return folio_error_set(err, FOLIO_EINVAL, "calendar: %s = %s is outside 00:00..24:00", name,
                           hhmm(v, b));
  return FOLIO_OK;
}

/* Sorts one list and checks its dates: range, weekday, duplicates, and
 * (kind 1) a rule holiday / (kind 2) a rule early close when required. */
static folio_status check_list(folio_date_list *l, const char *name, int must_be,
                               folio_error *err) {
  char b[24];
  if (l->n > FOLIO_CALENDAR_MAX_DATES)
    return folio_error_set(err, FOLIO_EDIM, "calendar: %s has more than %d dates", name,
                           FOLIO_CALENDAR_MAX_DATES);
  qsort(l->days, l->n, sizeof l->days[0], cmp_i32);
  for (size_t i = 0; i < l->n; i++) {
    int y, m, d;
    folio_i_civil_from_days(l->days[i], &y, &m, &d);
    if (y < MIN_YEAR || y > MAX_YEAR)
      return folio_error_set(err, FOLIO_EINVAL, "calendar: %s date %s is outside 1987..9999", name,
                             ymd(l->days[i], b));
    int wd = folio_i_weekday(l->days[i]);
    if (wd == 0 || wd == 6)
      return folio_error_set(err, FOLIO_EINVAL,
                             "calendar: %s date %s is a %s (weekends are always closed)", name,
                             ymd(l->days[i], b), wd == 0 ? "Sunday" : "Saturday");
    if (i > 0 && l->days[i] == l->days[i - 1])
      return folio_error_set(err, FOLIO_EDUP, "calendar: %s lists %s twice", name,
                             ymd(l->days[i], b));
    if (must_be == 1 && !rule_holiday(y, m, d, wd))
      return folio_error_set(err, FOLIO_EINVAL,
                             "calendar: %s date %s is not an NYSE holiday by rule", name,
                             ymd(l->days[i], b));
    if (must_be == 2 && !rule_early(y, m, d, wd))
      return folio_error_set(err, FOLIO_EINVAL,
                             "calendar: %s date %s is not an NYSE early close by rule", name,
                             ymd(l->days[i], b));
  }
  return FOLIO_OK;
}

static folio_status conflict(const folio_date_list *a, const folio_date_list *b, const char *an,
                             const char *bn, folio_error *err) {
  char buf[24];
  for (size_t i = 0; i < a->n; i++)
    if (in_list(b, a->days[i]))
      return folio_error_set(err, FOLIO_EINVAL, "calendar: %s is in both %s and %s",
                             ymd(a->days[i], buf), an, bn);
  return FOLIO_OK;
}

folio_status folio_calendar_check(folio_calendar *cal, folio_error *err) {
  folio_error_clear(err);
  if (!cal) return folio_error_set(err, FOLIO_EINVAL, "calendar: cal is NULL");
  cal->checked = 0;
  const struct {
    int v;
    const char *name;
  } bounds[] = {
      {cal->pre_start, "equities.pre start"},
      {cal->pre_end, "equities.pre end"},
      {cal->rth_start, "equities.RTH start"},
      {cal->rth_end, "equities.RTH end"},
      {cal->post_start, "equities.post start"},
      {cal->post_end, "equities.post end"},
      {cal->ibeos_start, "equities.IBEOS start"},
      {cal->ibeos_end, "equities.IBEOS end"},
      {cal->early_close, "equities.early_close"},
      {cal->early_post_close, "equities.early_post_close"},
      {cal->fx_open, "fx.open"},
      {cal->fx_close, "fx.close"},
      {cal->futures_open, "futures.open"},
      {cal->futures_close, "futures.close"},
      {cal->futures_break_start, "futures.break_start"},
      {cal->futures_break_end, "futures.break_end"},
  };
  folio_status st;
  for (size_t i = 0; i < sizeof bounds / sizeof bounds[0]; i++)
    if ((st = check_bound(bounds[i].v, bounds[i].name, err)) != FOLIO_OK) return st;
  char a[16], b[16], c[16];
#define REQUIRE(cond, ...)                                               \
  do {                                                                   \
    if (!(cond)) return folio_error_set(err, FOLIO_EINVAL, __VA_ARGS__); \
  } while (0)
  REQUIRE(cal->pre_start < cal->pre_end, "calendar: equities.pre %s-%s is empty or reversed",
          hhmm(cal->pre_start, a), hhmm(cal->pre_end, b));
  REQUIRE(cal->rth_start < cal->rth_end, "calendar: equities.RTH %s-%s is empty or reversed",
          hhmm(cal->rth_start, a), hhmm(cal->rth_end, b));
  REQUIRE(cal->post_start < cal->post_end, "calendar: equities.post %s-%s is empty or reversed",
          hhmm(cal->post_start, a), hhmm(cal->post_end, b));
  REQUIRE(cal->pre_end <= cal->rth_start,
          "calendar: equities.pre ends at %s, after RTH starts at %s", hhmm(cal->pre_end, a),
          hhmm(cal->rth_start, b));
  REQUIRE(cal->rth_end <= cal->post_start,
          "calendar: equities.RTH ends at %s, after post starts at %s", hhmm(cal->rth_end, a),
          hhmm(cal->post_start, b));
  REQUIRE(cal->ibeos_start >= cal->post_end && cal->ibeos_start < 1440,
          "calendar: equities.IBEOS must start between post's end %s and 24:00 (got %s)",
          hhmm(cal->post_end, a), hhmm(cal->ibeos_start, b));
  REQUIRE(cal->ibeos_end > 0 && cal->ibeos_end <= cal->pre_start,
          "calendar: equities.IBEOS must end (next day) after 00:00 and by pre's start %s (got %s)",
          hhmm(cal->pre_start, a), hhmm(cal->ibeos_end, b));
  REQUIRE(cal->early_close > cal->rth_start && cal->early_close < cal->rth_end,
          "calendar: equities.early_close %s must fall inside RTH (%s-%s)",
          hhmm(cal->early_close, a), hhmm(cal->rth_start, b), hhmm(cal->rth_end, c));
  REQUIRE(
      cal->early_post_close > cal->early_close && cal->early_post_close <= cal->ibeos_start,
      "calendar: equities.early_post_close %s must be after early_close %s and by IBEOS's start",
      hhmm(cal->early_post_close, a), hhmm(cal->early_close, b));
  REQUIRE(cal->futures_break_start < cal->futures_break_end,
          "calendar: futures break %s-%s is empty or reversed", hhmm(cal->futures_break_start, a),
          hhmm(cal->futures_break_end, b));
#undef REQUIRE
  if ((st = check_list(&cal->holidays_add, "equities.holidays_add", 0, err)) != FOLIO_OK ||
      (st = check_list(&cal->holidays_remove, "equities.holidays_remove", 1, err)) != FOLIO_OK ||
      (st = check_list(&cal->early_closes_add, "equities.early_closes_add", 0, err)) != FOLIO_OK ||
      (st = check_list(&cal->early_closes_remove, "equities.early_closes_remove", 2, err)) !=
          FOLIO_OK)
    return st;
  if ((st = conflict(&cal->holidays_add, &cal->holidays_remove, "holidays_add", "holidays_remove",
                     err)) != FOLIO_OK ||
      (st = conflict(&cal->early_closes_add, &cal->early_closes_remove, "early_closes_add",
                     "early_closes_remove", err)) != FOLIO_OK ||
      (st = conflict(&cal->holidays_add, &cal->early_closes_add, "holidays_add", "early_closes_add",
                     err)) != FOLIO_OK)
    return st;
  /* An added early close on a day that stays a rule holiday would never apply. */
  char datebuf[24];
  for (size_t i = 0; i < cal->early_closes_add.n; i++) {
    int32_t dd = cal->early_closes_add.days[i];
    int y, m, d;
    folio_i_civil_from_days(dd, &y, &m, &d);
    if (rule_holiday(y, m, d, folio_i_weekday(dd)) && !in_list(&cal->holidays_remove, dd))
      return folio_error_set(err, FOLIO_EINVAL,
                             "calendar: early_closes_add date %s is an NYSE holiday (remove it "
                             "with holidays_remove first)",
                             ymd(dd, datebuf));
  }
  cal->checked = 1;
  return FOLIO_OK;
}

/* Trading day / early close of a local date under a checked calendar. */
int folio_i_trading_day(const folio_calendar *cal, int32_t days, int *early) {
  int wd = folio_i_weekday(days);
  if (wd == 0 || wd == 6) return 0;
  int y, m, d;
  folio_i_civil_from_days(days, &y, &m, &d);
  int hol = rule_holiday(y, m, d, wd);
  if (hol && cal->holidays_remove.n && in_list(&cal->holidays_remove, days)) hol = 0;
  if (!hol && cal->holidays_add.n && in_list(&cal->holidays_add, days)) hol = 1;
  if (hol) return 0;
  if (early) {
    int e = rule_early(y, m, d, wd);
    if (e && cal->early_closes_remove.n && in_list(&cal->early_closes_remove, days)) e = 0;
    if (!e && cal->early_closes_add.n && in_list(&cal->early_closes_add, days)) e = 1;
    *early = e;
  }
  return 1;
}

folio_status folio_calendar_day(const folio_calendar *cal, int32_t days, int *is_trading,
                                int *is_early, folio_error *err) {
  folio_error_clear(err);
  if (!cal) cal = &folio_i_default_calendar;
  if (!cal->checked)
    return folio_error_set(err, FOLIO_EINVAL,
                           "calendar_day: calendar not checked (call folio_calendar_check)");
  int y, m, d;
  folio_i_civil_from_days(days, &y, &m, &d);
  if (y < MIN_YEAR || y > MAX_YEAR)
    return folio_error_set(err, FOLIO_EINVAL, "calendar_day: year %d is outside 1987..9999", y);
  int early = 0;
  int t = folio_i_trading_day(cal, days, &early);
  if (is_trading) *is_trading = t;
  if (is_early) *is_early = t && early;
  return FOLIO_OK;
}
