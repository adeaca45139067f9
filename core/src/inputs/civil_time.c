/*
 * civil_time.c — civil dates and New York wall-clock time (see civil_time.h).
 *
 * Everything here is integer arithmetic on a day count (Howard Hinnant's
 * days_from_civil / civil_from_days): the UTC offset comes from the US
 * daylight-saving rule of the instant's year, computed for that year. No
 * time zone database, no libc time functions: reentrant. The parsers accept
 * exactly the ISO-8601 forms civil_time.h lists and name the bad field.
 */
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


#include "folio/civil_time.h"
#include "time_rules.h"

int64_t folio_days_from_civil(int year, int month, int day) {
  int64_t y = (int64_t)year - (month <= 2);
  int64_t era = (y >= 0 ? y : y - 399) / 400;
  int64_t yoe = y - era * 400;                                            /* [0, 399] */
  int64_t doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1; /* [0, 365] */
  int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;                    /* [0, 146096] */
  return era * 146097 + doe - 719468;
}

void folio_civil_from_days(int64_t days, int *year, int *month, int *day) {
  /* only day counts whose year fits an int: nothing in the rule overflows */
  if (days > FOLIO_I_CIVIL_MAX_DAYS) days = FOLIO_I_CIVIL_MAX_DAYS;
  if (days < FOLIO_I_CIVIL_MIN_DAYS) days = FOLIO_I_CIVIL_MIN_DAYS;
  int y, m, d;
  folio_i_civil_from_days(days, &y, &m, &d);
  if (year) *year = y;
  if (month) *month = m;
  if (day) *day = d;
}

int folio_weekday(int64_t days) {
  /* a week earlier is the same weekday, and keeps the rule from overflowing */
  if (days > INT64_MAX - 7) days -= 7;
  return folio_i_weekday(days);
}

static int is_leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int folio_i_days_in_month(int y, int m) {
  static const unsigned char dim[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && is_leap(y) ? 29 : dim[m - 1];
}

/* Day of month of the n-th (1-based) weekday wd in y-m. */
static int nth_weekday(int y, int m, int wd, int n) {
  int first = folio_i_weekday(folio_days_from_civil(y, m, 1));
  return 1 + (wd - first + 7) % 7 + 7 * (n - 1);
}

/* Day of month of the last weekday wd in y-m. */
static int last_weekday(int y, int m, int wd) {
  int last = folio_i_days_in_month(y, m);
  int lwd = folio_i_weekday(folio_days_from_civil(y, m, last));
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
int folio_i_ny_offset(int64_t epoch) {
  int y, m, d;
  folio_i_civil_from_days(epoch / 86400, &y, &m, &d);
  /* Months wholly inside or outside DST need no rule evaluation. */
  int first = y >= 2007 ? 3 : 4, last = y >= 2007 ? 11 : 10;
  if (m < first || m > last) return -5 * 3600;
  if (m > first && m < last) return -4 * 3600;
  int64_t start, end;
  dst_bounds(y, &start, &end);
  return epoch >= start && epoch < end ? -4 * 3600 : -5 * 3600;
}

folio_status folio_i_check_instant(const char *who, int64_t epoch, folio_error *err) {
  if (epoch < FOLIO_ASOF_MIN || epoch > FOLIO_ASOF_MAX)
    return folio_error_set(
        err, FOLIO_EINVAL,
        "%s: instant %" PRId64
        " is outside the supported range 1987-01-01T00:00:00Z..9999-12-31T23:59:59Z",
        who, epoch);
  return FOLIO_OK;
}

folio_status folio_ny_local(int64_t epoch_seconds, folio_local_time *out, folio_error *err) {
  folio_error_clear(err);
  if (!out) return folio_error_set(err, FOLIO_EINVAL, "ny_local: out is NULL");
  folio_status st = folio_i_check_instant("ny_local", epoch_seconds, err);
  if (st != FOLIO_OK) return st;
  int off = folio_i_ny_offset(epoch_seconds);
  int64_t local = epoch_seconds + off;
  int64_t days = local / 86400; /* local >= 0 in range */
  int sec = (int)(local - days * 86400);
  folio_local_time t;
  folio_i_civil_from_days(days, &t.year, &t.month, &t.day);
  t.hour = sec / 3600;
  t.minute = sec / 60 % 60;
  t.second = sec % 60;
  t.weekday = folio_i_weekday(days);
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
  if (*d < 1 || *d > folio_i_days_in_month(*y, *m)) return "day out of range for the month";
  return NULL;
}

/* Parses the time of day HH:MM[:SS[.fff]] at *p (a fraction is truncated:
 * epoch seconds are whole); returns NULL or a description of the bad field. */
static const char *read_time(const char **p, int *h, int *mi, int *s) {
  if (!read_digits(p, 2, h)) return "expected a 2-digit hour";
  if (*h > 23) return "hour out of range 00..23";
  if (**p != ':') return "expected ':' after the hour";
  (*p)++;
  if (!read_digits(p, 2, mi)) return "expected 2-digit minutes";
  if (*mi > 59) return "minutes out of range 00..59";
  if (**p != ':') return NULL;
  (*p)++;
  if (!read_digits(p, 2, s)) return "expected 2-digit seconds";
  if (*s > 59) return "seconds out of range 00..59 (leap seconds are not supported)";
  if (**p != '.' && **p != ',') return NULL;
  (*p)++;
  if (**p < '0' || **p > '9') return "expected digits after the decimal point";
  while (**p >= '0' && **p <= '9') (*p)++;
  return NULL;
}

/* Parses the UTC offset Z, +HH, +HHMM or +HH:MM (or with '-') at *p into
 * *offset, in seconds east of UTC; returns NULL or a description of the bad
 * field. */
static const char *read_offset(const char **p, int *offset) {
  *offset = 0;
  if (**p == 'Z' || **p == 'z') {
    (*p)++;
    return NULL;
  }
  if (**p != '+' && **p != '-') return "expected Z or an offset such as -05:00 after the time";
  int sign = **p == '-' ? -1 : 1, oh, om = 0;
  (*p)++;
  if (!read_digits(p, 2, &oh)) return "expected a 2-digit offset hour";
  int colon = **p == ':';
  if (colon) (*p)++;
  if ((colon || (**p >= '0' && **p <= '9')) && !read_digits(p, 2, &om))
    return "expected 2-digit offset minutes";
  if (oh > 23) return "offset hour out of range 00..23";
  if (om > 59) return "offset minutes out of range 00..59";
  *offset = sign * (oh * 3600 + om * 60);
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
  if ((why = read_time(&p, &h, &mi, &s))) goto bad;
  if (!*p)
    return folio_error_set(err, FOLIO_EPARSE,
                           "parse_asof: '%.64s' has no UTC offset; append Z or an offset such "
                           "as -05:00",
                           iso);
  int offset; /* seconds east of UTC */
  if ((why = read_offset(&p, &offset))) goto bad;
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
