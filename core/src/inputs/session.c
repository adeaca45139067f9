/*
 * session.c — exchange sessions and calendars in New York time (see session.h).
 *
 * Everything here is integer arithmetic on a day count (Howard Hinnant's
 * days_from_civil / civil_from_days): the UTC offset comes from the US
 * daylight-saving rule of the instant's year, holidays from their rules
 * (nth weekday of a month, the Gregorian computus for Good Friday, the
 * Saturday/Sunday observance shifts), and the session from comparing the
 * wall-clock minute with the calendar's bounds. No tables of dates, no time
 * zone database, no libc time functions: reentrant, and a lookup costs a few
 * dozen integer operations. The override lists of a calendar are sorted once
 * by folio_calendar_check and binary-searched.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "folio/session.h"

static const char *const session_names[FOLIO_SESSION_COUNT] = {"closed", "pre",   "RTH",
                                                               "post",   "IBEOS", "24h"};
static const char *const asset_names[FOLIO_ASSET_COUNT] = {"equities", "crypto", "fx", "futures"};

#define MIN_YEAR 1987
#define MAX_YEAR 9999

/* ==== names =============================================================== */

const char *folio_session_name(folio_session_id id) {
  return (unsigned)id < (unsigned)FOLIO_SESSION_COUNT ? session_names[id] : "";
}

folio_status folio_session_by_name(const char *name, folio_session_id *out, folio_error *err) {
  folio_error_clear(err);
  if (!name || !out) return folio_error_set(err, FOLIO_EINVAL, "session: name or out is NULL");
  for (int i = 0; i < FOLIO_SESSION_COUNT; i++)
    if (strcmp(name, session_names[i]) == 0) {
      *out = (folio_session_id)i;
      return FOLIO_OK;
    }
  return folio_error_set(
      err, FOLIO_ENOTFOUND,
      "session: unknown session '%.64s' (valid: closed, pre, RTH, post, IBEOS, 24h)", name);
}

const char *folio_asset_class_name(folio_asset_class ac) {
  return (unsigned)ac < (unsigned)FOLIO_ASSET_COUNT ? asset_names[ac] : "";
}

folio_status folio_asset_class_by_name(const char *name, folio_asset_class *out, folio_error *err) {
  folio_error_clear(err);
  if (!name || !out) return folio_error_set(err, FOLIO_EINVAL, "asset_class: name or out is NULL");
  for (int i = 0; i < FOLIO_ASSET_COUNT; i++)
    if (strcmp(name, asset_names[i]) == 0) {
      *out = (folio_asset_class)i;
      return FOLIO_OK;
    }
  return folio_error_set(
      err, FOLIO_ENOTFOUND,
      "asset_class: unknown asset class '%.64s' (valid: equities, crypto, fx, futures)", name);
}

/* ==== civil time ========================================================== */

int64_t folio_days_from_civil(int year, int month, int day) {
  int64_t y = (int64_t)year - (month <= 2);
  int64_t era = (y >= 0 ? y : y - 399) / 400;
  int64_t yoe = y - era * 400;                                            /* [0, 399] */
  int64_t doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1; /* [0, 365] */
  int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;                    /* [0, 146096] */
  return era * 146097 + doe - 719468;
}

void folio_civil_from_days(int64_t days, int *year, int *month, int *day) {
  int64_t z = days + 719468;
  int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  int64_t doe = z - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy + 2) / 153;
  int d = (int)(doy - (153 * mp + 2) / 5 + 1);
  int m = (int)(mp < 10 ? mp + 3 : mp - 9);
  *year = (int)(yoe + era * 400 + (m <= 2));
  *month = m;
  *day = d;
}

int folio_weekday(int64_t days) {
  /* 1970-01-01 was a Thursday (4) */
  return (int)(days >= -4 ? (days + 4) % 7 : (days + 5) % 7 + 6);
}

static int is_leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

static int days_in_month(int y, int m) {
  static const unsigned char dim[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && is_leap(y) ? 29 : dim[m - 1];
}

/* Day of month of the n-th (1-based) weekday wd in y-m. */
static int nth_weekday(int y, int m, int wd, int n) {
  int first = folio_weekday(folio_days_from_civil(y, m, 1));
  return 1 + (wd - first + 7) % 7 + 7 * (n - 1);
}

/* Day of month of the last weekday wd in y-m. */
static int last_weekday(int y, int m, int wd) {
  int last = days_in_month(y, m);
  int lwd = folio_weekday(folio_days_from_civil(y, m, last));
  return last - (lwd - wd + 7) % 7;
}

/* The UTC instants (epoch seconds) DST starts and ends in `year`: 02:00 EST =
 * 07:00 UTC and 02:00 EDT = 06:00 UTC. */
static void dst_bounds(int year, int64_t *start, int64_t *end) {
  int sm, sd, em, ed;
  if (year >= 2007) {
    sm = 3, sd = nth_weekday(year, 3, 0, 2);
    em = 11, ed = nth_weekday(year, 11, 0, 1);
  } else {
    sm = 4, sd = nth_weekday(year, 4, 0, 1);
    em = 10, ed = last_weekday(year, 10, 0);
  }
  *start = folio_days_from_civil(year, sm, sd) * 86400 + 7 * 3600;
  *end = folio_days_from_civil(year, em, ed) * 86400 + 6 * 3600;
}

/* UTC offset in seconds of New York at an instant (in range). */
static int ny_offset(int64_t epoch) {
  int y, m, d;
  folio_civil_from_days(epoch / 86400, &y, &m, &d);
  /* Months wholly inside or outside DST need no rule evaluation. */
  int first = y >= 2007 ? 3 : 4, last = y >= 2007 ? 11 : 10;
  if (m < first || m > last) return -5 * 3600;
  if (m > first && m < last) return -4 * 3600;
  int64_t start, end;
  dst_bounds(y, &start, &end);
  return epoch >= start && epoch < end ? -4 * 3600 : -5 * 3600;
}

folio_status folio_ny_local(int64_t epoch_seconds, folio_local_time *out, folio_error *err) {
  folio_error_clear(err);
  if (!out) return folio_error_set(err, FOLIO_EINVAL, "ny_local: out is NULL");
  if (epoch_seconds < FOLIO_ASOF_MIN || epoch_seconds > FOLIO_ASOF_MAX)
    return folio_error_set(
        err, FOLIO_EINVAL,
        "ny_local: instant %" PRId64
        " is outside the supported range 1987-01-01T00:00:00Z..9999-12-31T23:59:59Z",
        epoch_seconds);
  int off = ny_offset(epoch_seconds);
  int64_t local = epoch_seconds + off;
  int64_t days = local / 86400; /* local >= 0 in range */
  int sec = (int)(local - days * 86400);
  folio_local_time t;
  folio_civil_from_days(days, &t.year, &t.month, &t.day);
  t.hour = sec / 3600;
  t.minute = sec / 60 % 60;
  t.second = sec % 60;
  t.weekday = folio_weekday(days);
  t.utc_offset_minutes = off / 60;
  t.days = (int32_t)days;
  t.minute_of_day = sec / 60;
  *out = t;
  return FOLIO_OK;
}

char *folio_format_local(const folio_local_time *t, char *buf, size_t size) {
  if (!buf || size == 0) return buf;
  buf[0] = '\0';
  if (!t || size < 26) return buf;
  int off = t->utc_offset_minutes, aoff = off < 0 ? -off : off;
  snprintf(buf, size, "%04d-%02d-%02dT%02d:%02d:%02d%c%02d:%02d", t->year, t->month, t->day,
           t->hour, t->minute, t->second, off < 0 ? '-' : '+', aoff / 60, aoff % 60);
  return buf;
}

/* ==== parsing ============================================================= */

/* Reads exactly n decimal digits at *p into *out; advances *p. 0 on failure. */
static int read_digits(const char **p, int n, int *out) {
  int v = 0;
  for (int i = 0; i < n; i++) {
    char c = (*p)[i];
    if (c < '0' || c > '9') return 0;
    v = v * 10 + (c - '0');
  }
  *p += n;
  *out = v;
  return 1;
}

/* Parses YYYY-MM-DD at *p; returns NULL or a description of the bad field. */
static const char *read_date(const char **p, int *y, int *m, int *d) {
  if (!read_digits(p, 4, y)) return "expected a 4-digit year";
  if (**p != '-') return "expected '-' after the year";
  (*p)++;
  if (!read_digits(p, 2, m)) return "expected a 2-digit month";
  if (*m < 1 || *m > 12) return "month out of range 01..12";
  if (**p != '-') return "expected '-' after the month";
  (*p)++;
  if (!read_digits(p, 2, d)) return "expected a 2-digit day";
  if (*d < 1 || *d > days_in_month(*y, *m)) return "day out of range for the month";
  return NULL;
}

folio_status folio_parse_asof(const char *iso, int64_t *epoch_seconds, folio_error *err) {
  folio_error_clear(err);
  if (!iso || !epoch_seconds)
    return folio_error_set(err, FOLIO_EINVAL, "parse_asof: text or out is NULL");
  const char *p = iso, *why;
  int y, mo, d, h, mi, s = 0;
  if (!*iso) return folio_error_set(err, FOLIO_EPARSE, "parse_asof: empty asof");
  if ((why = read_date(&p, &y, &mo, &d))) goto bad;
  if (!*p) {
    return folio_error_set(err, FOLIO_EPARSE,
                           "parse_asof: '%.64s' has no time of day and offset; give an instant "
                           "such as %.10sT09:30:00-05:00 or %.10sT14:30:00Z",
                           iso, iso, iso);
  }
  if (*p != 'T' && *p != 't' && *p != ' ') {
    why = "expected 'T' between date and time";
    goto bad;
  }
  p++;
  if (!read_digits(&p, 2, &h)) {
    why = "expected a 2-digit hour";
    goto bad;
  }
  if (h > 23) {
    why = "hour out of range 00..23";
    goto bad;
  }
  if (*p != ':') {
    why = "expected ':' after the hour";
    goto bad;
  }
  p++;
  if (!read_digits(&p, 2, &mi)) {
    why = "expected 2-digit minutes";
    goto bad;
  }
  if (mi > 59) {
    why = "minutes out of range 00..59";
    goto bad;
  }
  if (*p == ':') {
    p++;
    if (!read_digits(&p, 2, &s)) {
      why = "expected 2-digit seconds";
      goto bad;
    }
    if (s > 59) {
      why = "seconds out of range 00..59 (leap seconds are not supported)";
      goto bad;
    }
    if (*p == '.' || *p == ',') {
      p++;
      if (*p < '0' || *p > '9') {
        why = "expected digits after the decimal point";
        goto bad;
      }
      while (*p >= '0' && *p <= '9') p++; /* truncated: epoch seconds are whole */
    }
  }
  int offset = 0; /* seconds east of UTC */
  if (*p == 'Z' || *p == 'z') {
    p++;
  } else if (*p == '+' || *p == '-') {
    int sign = *p == '-' ? -1 : 1, oh, om = 0;
    p++;
    if (!read_digits(&p, 2, &oh)) {
      why = "expected a 2-digit offset hour";
      goto bad;
    }
    if (*p == ':') {
      p++;
      if (!read_digits(&p, 2, &om)) {
        why = "expected 2-digit offset minutes";
        goto bad;
      }
    } else if (*p >= '0' && *p <= '9') {
      if (!read_digits(&p, 2, &om)) {
        why = "expected 2-digit offset minutes";
        goto bad;
      }
    }
    if (oh > 23) {
      why = "offset hour out of range 00..23";
      goto bad;
    }
    if (om > 59) {
      why = "offset minutes out of range 00..59";
      goto bad;
    }
    offset = sign * (oh * 3600 + om * 60);
  } else if (!*p) {
    return folio_error_set(err, FOLIO_EPARSE,
                           "parse_asof: '%.64s' has no UTC offset; append Z or an offset such "
                           "as -05:00",
                           iso);
  } else {
    why = "expected Z or an offset such as -05:00 after the time";
    goto bad;
  }
  if (*p) {
    why = "unexpected text after the offset";
    goto bad;
  }
  *epoch_seconds = folio_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s - offset;
  return FOLIO_OK;
bad:
  return folio_error_set(err, FOLIO_EPARSE, "parse_asof: bad asof '%.64s': %s (at offset %d)", iso,
                         why, (int)(p - iso));
}

folio_status folio_parse_hhmm(const char *text, int *minutes, folio_error *err) {
  folio_error_clear(err);
  if (!text || !minutes)
    return folio_error_set(err, FOLIO_EINVAL, "parse_hhmm: text or out is NULL");
  const char *p = text;
  int h, m;
  if (!read_digits(&p, 2, &h) || *p != ':' || (p++, !read_digits(&p, 2, &m)) || *p)
    return folio_error_set(err, FOLIO_EPARSE, "time '%.64s' is not HH:MM", text);
  if (h > 24 || m > 59 || (h == 24 && m != 0))
    return folio_error_set(err, FOLIO_EPARSE, "time '%.64s' is out of range 00:00..24:00", text);
  *minutes = h * 60 + m;
  return FOLIO_OK;
}

folio_status folio_parse_date(const char *text, int32_t *days, folio_error *err) {
  folio_error_clear(err);
  if (!text || !days) return folio_error_set(err, FOLIO_EINVAL, "parse_date: text or out is NULL");
  const char *p = text, *why;
  int y, m, d;
  if ((why = read_date(&p, &y, &m, &d)) || *p)
    return folio_error_set(err, FOLIO_EPARSE, "date '%.64s' is not a valid YYYY-MM-DD date%s%s",
                           text, why ? ": " : "", why ? why : "");
  *days = (int32_t)folio_days_from_civil(y, m, d);
  return FOLIO_OK;
}

/* ==== NYSE holidays ======================================================= */

void folio_easter(int year, int *month, int *day) {
  /* Anonymous Gregorian algorithm (Meeus/Jones/Butcher). */
  int a = year % 19, b = year / 100, c = year % 100, d = b / 4, e = b % 4;
  int f = (b + 8) / 25, g = (b - f + 1) / 3, h = (19 * a + b - d - g + 15) % 30;
  int i = c / 4, k = c % 4, l = (32 + 2 * e + 2 * i - h - k) % 7;
  int m = (a + 11 * h + 22 * l) / 451;
  *month = (114 + h + l - 7 * m) / 31;
  *day = (114 + h + l - 7 * m) % 31 + 1;
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
  return y >= MIN_YEAR && y <= MAX_YEAR && m >= 1 && m <= 12 && d >= 1 && d <= days_in_month(y, m);
}

int folio_nyse_is_holiday(int year, int month, int day) {
  if (!valid_date(year, month, day)) return 0;
  return rule_holiday(year, month, day, folio_weekday(folio_days_from_civil(year, month, day)));
}

int folio_nyse_is_early_close(int year, int month, int day) {
  if (!valid_date(year, month, day)) return 0;
  return rule_early(year, month, day, folio_weekday(folio_days_from_civil(year, month, day)));
}

/* ==== calendars =========================================================== */

/* The checked default calendar, for cal == NULL (read-only: no global state). */
static const folio_calendar default_calendar = {
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
  *cal = default_calendar;
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
  folio_civil_from_days(days, &y, &m, &d);
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
    folio_civil_from_days(l->days[i], &y, &m, &d);
    if (y < MIN_YEAR || y > MAX_YEAR)
      return folio_error_set(err, FOLIO_EINVAL, "calendar: %s date %s is outside 1987..9999", name,
                             ymd(l->days[i], b));
    int wd = folio_weekday(l->days[i]);
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
    folio_civil_from_days(dd, &y, &m, &d);
    if (rule_holiday(y, m, d, folio_weekday(dd)) && !in_list(&cal->holidays_remove, dd))
      return folio_error_set(err, FOLIO_EINVAL,
                             "calendar: early_closes_add date %s is an NYSE holiday (remove it "
                             "with holidays_remove first)",
                             ymd(dd, datebuf));
  }
  cal->checked = 1;
  return FOLIO_OK;
}

/* Trading day / early close of a local date under a checked calendar. */
static int trading_day(const folio_calendar *cal, int32_t days, int *early) {
  int wd = folio_weekday(days);
  if (wd == 0 || wd == 6) return 0;
  int y, m, d;
  folio_civil_from_days(days, &y, &m, &d);
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
  if (!cal) cal = &default_calendar;
  if (!cal->checked)
    return folio_error_set(err, FOLIO_EINVAL,
                           "calendar_day: calendar not checked (call folio_calendar_check)");
  int y, m, d;
  folio_civil_from_days(days, &y, &m, &d);
  if (y < MIN_YEAR || y > MAX_YEAR)
    return folio_error_set(err, FOLIO_EINVAL, "calendar_day: year %d is outside 1987..9999", y);
  int early = 0;
  int t = trading_day(cal, days, &early);
  if (is_trading) *is_trading = t;
  if (is_early) *is_early = t && early;
  return FOLIO_OK;
}

static folio_session_id equities_at(const folio_calendar *cal, int32_t days, int mod) {
  if (mod < cal->ibeos_end) /* the tail of the overnight session that opened yesterday */
    return trading_day(cal, days, NULL) ? FOLIO_SESSION_IBEOS : FOLIO_SESSION_CLOSED;
  if (mod >= cal->ibeos_start) /* tonight's overnight session, if tomorrow trades */
    return trading_day(cal, days + 1, NULL) ? FOLIO_SESSION_IBEOS : FOLIO_SESSION_CLOSED;
  int early = 0;
  if (!trading_day(cal, days, &early)) return FOLIO_SESSION_CLOSED;
  if (mod >= cal->pre_start && mod < cal->pre_end) return FOLIO_SESSION_PRE;
  if (mod >= cal->rth_start && mod < (early ? cal->early_close : cal->rth_end))
    return FOLIO_SESSION_RTH;
  if (early ? (mod >= cal->early_close && mod < cal->early_post_close)
            : (mod >= cal->post_start && mod < cal->post_end))
    return FOLIO_SESSION_POST;
  return FOLIO_SESSION_CLOSED;
}

/* Sunday `open` to Friday `close`, with an optional daily break Monday-Thursday. */
static folio_session_id weekly_at(int wd, int mod, int open, int close, int brk_start,
                                  int brk_end) {
  switch (wd) {
    case 0: return mod >= open ? FOLIO_SESSION_H24 : FOLIO_SESSION_CLOSED;
    case 5: return mod < close ? FOLIO_SESSION_H24 : FOLIO_SESSION_CLOSED;
    case 6: return FOLIO_SESSION_CLOSED;
    default: return mod >= brk_start && mod < brk_end ? FOLIO_SESSION_CLOSED : FOLIO_SESSION_H24;
  }
}

folio_status folio_session_at(const folio_calendar *cal, folio_asset_class ac,
                              int64_t epoch_seconds, folio_session_id *out, folio_error *err) {
  folio_error_clear(err);
  if (!out) return folio_error_set(err, FOLIO_EINVAL, "session_at: out is NULL");
  if (!cal) cal = &default_calendar;
  if (!cal->checked)
    return folio_error_set(err, FOLIO_EINVAL,
                           "session_at: calendar not checked (call folio_calendar_check)");
  if ((unsigned)ac >= (unsigned)FOLIO_ASSET_COUNT)
    return folio_error_set(err, FOLIO_EINVAL, "session_at: unknown asset class %d", (int)ac);
  if (epoch_seconds < FOLIO_ASOF_MIN || epoch_seconds > FOLIO_ASOF_MAX)
    return folio_error_set(
        err, FOLIO_EINVAL,
        "session_at: instant %" PRId64
        " is outside the supported range 1987-01-01T00:00:00Z..9999-12-31T23:59:59Z",
        epoch_seconds);
  if (ac == FOLIO_ASSET_CRYPTO) {
    *out = FOLIO_SESSION_H24;
    return FOLIO_OK;
  }
  int64_t local = epoch_seconds + ny_offset(epoch_seconds);
  int32_t days = (int32_t)(local / 86400);
  int mod = (int)(local - (int64_t)days * 86400) / 60;
  switch (ac) {
    case FOLIO_ASSET_EQUITIES: *out = equities_at(cal, days, mod); break;
    case FOLIO_ASSET_FX:
      *out = weekly_at(folio_weekday(days), mod, cal->fx_open, cal->fx_close, 0, 0);
      break;
    default:
      *out = weekly_at(folio_weekday(days), mod, cal->futures_open, cal->futures_close,
                       cal->futures_break_start, cal->futures_break_end);
      break;
  }
  return FOLIO_OK;
}
