/*
 * test_civil_time.c — civil dates and New York wall time (civil_time.c): day
 * counts and weekdays over a wide span, the ISO-8601 parsers of instants,
 * dates and HH:MM with every refusal (bad dates, times, offsets, trailing
 * text), and the UTC offset of New York at the DST changes of both US rules.
 */
#include <inttypes.h>
#include <limits.h>
#include <string.h>

#include "folio/civil_time.h"
#include "asof.h"
#include "testlib.h"

/* ==== civil arithmetic ====================================================== */

static void test_civil(void) {
  CHECK_EQ_INT(folio_days_from_civil(1970, 1, 1), 0);
  CHECK_EQ_INT(folio_days_from_civil(2024, 1, 1), 19723);
  CHECK_EQ_INT(folio_days_from_civil(2000, 3, 1), 11017);
  CHECK_EQ_INT(folio_days_from_civil(1969, 12, 31), -1);
  CHECK_EQ_INT(folio_weekday(0), 4);
  CHECK_EQ_INT(folio_weekday(-1), 3);
  CHECK_EQ_INT(folio_weekday(-7), 4);
  CHECK_EQ_INT(folio_weekday(folio_days_from_civil(2024, 3, 10)), 0);
  /* round trip over a wide span, including negative day counts */
  long long bad = 0;
  for (int64_t d = -800000; d <= 3000000; d += 7) {
    int y, m, dd;
    folio_civil_from_days(d, &y, &m, &dd);
    if (folio_days_from_civil(y, m, dd) != d) bad++;
    if (folio_weekday(d) != (int)(((d % 7) + 7 + 4) % 7)) bad++;
  }
  CHECK_EQ_INT(bad, 0);
}

/* ==== parsing =============================================================== */

static void test_parse(void) {
  folio_error e;
  int64_t t = -1;
  const int64_t want = INT64_C(1709908200); /* 2024-03-08T14:30:00Z */
  static const char *const good[] = {"2024-03-08T14:30:00Z",
                                     "2024-03-08T09:30:00-05:00",
                                     "2024-03-08T09:30-0500",
                                     "2024-03-08T09:30-05",
                                     "2024-03-08 14:30Z",
                                     "2024-03-08t14:30:00z",
                                     "2024-03-08T14:30:00.999Z",
                                     "2024-03-08T16:30:00+02:00",
                                     "2024-03-08T14:30:00,5+00:00",
                                     "2024-03-08T20:00+05:30",
                                     "2024-03-08T14:30:00.000000001-00:00"};
  for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
    t = -1;
    CHECK_MSG(folio_parse_asof(good[i], &t, &e) == FOLIO_OK && t == want, "%s -> %" PRId64 " %s",
              good[i], t, e.message);
  }
  CHECK(folio_parse_asof("1970-01-01T00:00:00Z", &t, &e) == FOLIO_OK && t == 0);
  CHECK(folio_parse_asof("9999-12-31T23:59:59Z", &t, &e) == FOLIO_OK && t == FOLIO_ASOF_MAX);
  CHECK(folio_parse_asof("2024-02-29T00:00Z", &t, &e) == FOLIO_OK);

  static const struct {
    const char *text, *needle;
  } bad[] = {
      {"2024-13-01T00:00Z", "month"},
      {"2024-00-01T00:00Z", "month"},
      {"2024-03-08T25:00Z", "hour"},
      {"2024-03-08T10:00+25:00", "offset hour"},
      {"2024-03-08T10:00+05:60", "offset minutes"},
      {"2024-03-08T10:00+05:7", "offset minutes"},
      {"2024-03-08T10:00Zjunk", "unexpected text"},
      {"2024-03-08T10:00:00Z ", "unexpected text"},
      {"", "empty"},
      {"2024-03-08", "no time of day"},
      {"2024-03-08T10:00", "no UTC offset"},
      {"2024-02-30T00:00Z", "day out of range"},
      {"2023-02-29T00:00Z", "day out of range"},
      {"2024-03-08T10:60Z", "minutes"},
      {"2024-03-08T10:00:60Z", "leap"},
      {"2024-03-08T10:00:00.Z", "decimal point"},
      {"24-03-08T10:00Z", "year"},
      {"2024-03-08X10:00Z", "'T'"},
      {"2024-03-08T1000Z", "':'"},
      {"2024-03-08T10:00 +05:00", "expected Z"},
      {"now", "year"},
      {"2024/03/08T10:00Z", "'-'"},
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    t = 12345;
    CHECK_ERR(folio_parse_asof(bad[i].text, &t, &e), e, FOLIO_EPARSE, bad[i].needle);
    CHECK(t == 12345);                                                 /* untouched on failure */
    if (bad[i].text[0]) CHECK(strstr(e.message, bad[i].text) != NULL); /* names the input */
  }
  CHECK_ERR(folio_parse_asof(NULL, &t, &e), e, FOLIO_EINVAL, "NULL");
  CHECK_ERR(folio_parse_asof("2024-03-08T10:00Z", NULL, &e), e, FOLIO_EINVAL, "NULL");

  int mins = -1;
  CHECK(folio_parse_hhmm("09:30", &mins, &e) == FOLIO_OK && mins == 570);
  CHECK(folio_parse_hhmm("00:00", &mins, &e) == FOLIO_OK && mins == 0);
  CHECK(folio_parse_hhmm("24:00", &mins, &e) == FOLIO_OK && mins == 1440);
  CHECK_ERR(folio_parse_hhmm("24:01", &mins, &e), e, FOLIO_EPARSE, "out of range");
  CHECK_ERR(folio_parse_hhmm("25:00", &mins, &e), e, FOLIO_EPARSE, "out of range");
  CHECK_ERR(folio_parse_hhmm("09:60", &mins, &e), e, FOLIO_EPARSE, "out of range");
  CHECK_ERR(folio_parse_hhmm("9:30", &mins, &e), e, FOLIO_EPARSE, "'9:30' is not HH:MM");
  CHECK_ERR(folio_parse_hhmm("09:3", &mins, &e), e, FOLIO_EPARSE, "HH:MM");
  CHECK_ERR(folio_parse_hhmm("09:30x", &mins, &e), e, FOLIO_EPARSE, "HH:MM");
  CHECK_ERR(folio_parse_hhmm("", &mins, &e), e, FOLIO_EPARSE, "HH:MM");
  CHECK_ERR(folio_parse_hhmm(NULL, &mins, &e), e, FOLIO_EINVAL, "NULL");
  int32_t days = 0;
  CHECK(folio_parse_date("2024-02-29", &days, &e) == FOLIO_OK && days == 19782);
  CHECK_ERR(folio_parse_date("2023-02-29", &days, &e), e, FOLIO_EPARSE, "2023-02-29");
  CHECK_ERR(folio_parse_date("2024-1-01", &days, &e), e, FOLIO_EPARSE, "month");
  CHECK_ERR(folio_parse_date("2024-01-01T", &days, &e), e, FOLIO_EPARSE, "YYYY-MM-DD");
  CHECK_ERR(folio_parse_date(NULL, &days, &e), e, FOLIO_EINVAL, "NULL");
}

/* ==== New York wall time ==================================================== */

static void test_dst(void) {
  folio_local_time lt;
  char buf[32];
  CHECK(folio_ny_local(asof("2024-03-10T06:59:59Z"), &lt, NULL) == FOLIO_OK);
  CHECK(strcmp(folio_format_local(&lt, buf, sizeof buf), "2024-03-10T01:59:59-05:00") == 0);
  CHECK(folio_ny_local(asof("2024-03-10T07:00:00Z"), &lt, NULL) == FOLIO_OK);
  CHECK(strcmp(folio_format_local(&lt, buf, sizeof buf), "2024-03-10T03:00:00-04:00") == 0);
  CHECK_EQ_INT(lt.weekday, 0);
  CHECK(folio_ny_local(asof("2024-11-03T05:59:59Z"), &lt, NULL) == FOLIO_OK);
  CHECK(strcmp(folio_format_local(&lt, buf, sizeof buf), "2024-11-03T01:59:59-04:00") == 0);
  CHECK(folio_ny_local(asof("2024-11-03T06:00:00Z"), &lt, NULL) == FOLIO_OK);
  CHECK(strcmp(folio_format_local(&lt, buf, sizeof buf), "2024-11-03T01:00:00-05:00") == 0);
  /* 1987-2006 rule: first Sunday of April, last Sunday of October */
  CHECK(folio_ny_local(asof("2006-04-02T06:59:59Z"), &lt, NULL) == FOLIO_OK &&
        lt.utc_offset_minutes == -300);
  CHECK(folio_ny_local(asof("2006-04-02T07:00:00Z"), &lt, NULL) == FOLIO_OK &&
        lt.utc_offset_minutes == -240);
  CHECK(folio_ny_local(asof("2006-10-29T05:59:59Z"), &lt, NULL) == FOLIO_OK &&
        lt.utc_offset_minutes == -240);
  CHECK(folio_ny_local(asof("2006-10-29T06:00:00Z"), &lt, NULL) == FOLIO_OK &&
        lt.utc_offset_minutes == -300);
  CHECK(folio_ny_local(asof("2006-11-01T12:00:00Z"), &lt, NULL) == FOLIO_OK &&
        lt.utc_offset_minutes == -300);
  CHECK(folio_ny_local(asof("2007-03-11T07:00:00Z"), &lt, NULL) == FOLIO_OK &&
        lt.utc_offset_minutes == -240);
  CHECK(folio_ny_local(asof("2007-03-11T06:59:59Z"), &lt, NULL) == FOLIO_OK &&
        lt.utc_offset_minutes == -300);
  CHECK(folio_ny_local(asof("2007-11-04T05:59:59Z"), &lt, NULL) == FOLIO_OK &&
        lt.utc_offset_minutes == -240);
  CHECK(folio_ny_local(asof("2007-11-04T06:00:00Z"), &lt, NULL) == FOLIO_OK &&
        lt.utc_offset_minutes == -300);
  CHECK(folio_ny_local(asof("1987-04-05T07:00:00Z"), &lt, NULL) == FOLIO_OK &&
        lt.utc_offset_minutes == -240);
  CHECK(folio_ny_local(asof("1987-04-05T06:59:00Z"), &lt, NULL) == FOLIO_OK &&
        lt.utc_offset_minutes == -300);
  /* the range ends */
  folio_error e;
  CHECK(folio_ny_local(FOLIO_ASOF_MIN, &lt, &e) == FOLIO_OK);
  CHECK(strcmp(folio_format_local(&lt, buf, sizeof buf), "1986-12-31T19:00:00-05:00") == 0);
  CHECK(folio_ny_local(FOLIO_ASOF_MAX, &lt, &e) == FOLIO_OK);
  CHECK(strcmp(folio_format_local(&lt, buf, sizeof buf), "9999-12-31T18:59:59-05:00") == 0);
  CHECK_ERR(folio_ny_local(FOLIO_ASOF_MIN - 1, &lt, &e), e, FOLIO_EINVAL, "supported range");
  CHECK_ERR(folio_ny_local(FOLIO_ASOF_MAX + 1, &lt, &e), e, FOLIO_EINVAL, "supported range");
  CHECK_ERR(folio_ny_local(0, NULL, &e), e, FOLIO_EINVAL, "NULL");
  CHECK(strcmp(folio_format_local(&lt, buf, 10), "") == 0);
  CHECK(folio_format_local(NULL, buf, sizeof buf)[0] == '\0');
}

/* ==== bad input ============================================================= */

/* Extreme and malformed input to every function: the ends of the int year
 * (documented to work), NULL pointers, short buffers, instants outside the
 * supported range, and malformed text left untouched in the outputs. */
static void test_bad_input(void) {
  folio_error e;
  /* day counts: any int year works, and the 400-year cycle (146097 days,
   * 20871 whole weeks) maps the ends of int onto ordinary years */
  int y = 0, m = 0, d = 0;
  int64_t top = folio_days_from_civil(INT_MAX, 12, 31);
  int64_t bottom = folio_days_from_civil(INT_MIN, 1, 1);
  folio_civil_from_days(top, &y, &m, &d);
  CHECK(y == INT_MAX && m == 12 && d == 31);
  folio_civil_from_days(bottom, &y, &m, &d);
  CHECK(y == INT_MIN && m == 1 && d == 1);
  int64_t top_ref = folio_days_from_civil(2000 + INT_MAX % 400, 12, 31);
  int64_t bottom_ref = folio_days_from_civil(2000 + (INT_MIN % 400 + 400) % 400, 1, 1);
  CHECK_EQ_INT((top - top_ref) % 146097, 0);
  CHECK_EQ_INT((bottom_ref - bottom) % 146097, 0);
  CHECK_EQ_INT(folio_weekday(top), folio_weekday(top_ref));
  CHECK_EQ_INT(folio_weekday(bottom), folio_weekday(bottom_ref));
  CHECK(folio_weekday(INT64_MIN) >= 0 && folio_weekday(INT64_MIN) <= 6);
  /* no overflow at the ends of int64: weekdays stay in step, dates clamp to
   * exactly the first and last day of the int years (time_rules.h's bounds) */
  CHECK_EQ_INT(folio_weekday(INT64_MAX), (int)((INT64_MAX % 7 + 4) % 7));
  CHECK_EQ_INT((folio_weekday(INT64_MAX) + 7 - folio_weekday(INT64_MAX - 1)) % 7, 1);
  CHECK_EQ_INT((folio_weekday(INT64_MIN + 1) + 7 - folio_weekday(INT64_MIN)) % 7, 1);
  folio_civil_from_days(INT64_MAX, &y, &m, &d);
  CHECK(y == INT_MAX && m == 12 && d == 31);
  folio_civil_from_days(INT64_MIN, &y, &m, &d);
  CHECK(y == INT_MIN && m == 1 && d == 1);
  /* NULL outputs are skipped, the others written */
  y = m = d = 0;
  folio_civil_from_days(0, NULL, &m, NULL);
  CHECK(m == 1 && y == 0 && d == 0);
  folio_civil_from_days(0, NULL, NULL, NULL);

  /* ny_local: outside the range at both ends of int64, out untouched */
  folio_local_time lt;
  memset(&lt, 0, sizeof lt);
  lt.year = 1234;
  CHECK_ERR(folio_ny_local(INT64_MIN, &lt, &e), e, FOLIO_EINVAL, "outside the supported range");
  CHECK_ERR(folio_ny_local(INT64_MAX, &lt, &e), e, FOLIO_EINVAL, "outside the supported range");
  CHECK_ERR(folio_ny_local(FOLIO_ASOF_MIN, NULL, &e), e, FOLIO_EINVAL, "out is NULL");
  CHECK_EQ_INT(lt.year, 1234);

  /* format_local: NULL buffer, size 0 (nothing written), 25 bytes (too short), 26 (exact) */
  char buf[32];
  CHECK(folio_ny_local(FOLIO_ASOF_MIN, &lt, &e) == FOLIO_OK);
  CHECK(folio_format_local(&lt, NULL, sizeof buf) == NULL);
  memcpy(buf, "untouched", 10);
  CHECK(folio_format_local(&lt, buf, 0) == buf && strcmp(buf, "untouched") == 0);
  CHECK(folio_format_local(&lt, buf, 25) == buf && buf[0] == '\0');
  CHECK(strcmp(folio_format_local(&lt, buf, 26), "1986-12-31T19:00:00-05:00") == 0);
  CHECK(folio_format_local(NULL, buf, sizeof buf) == buf && buf[0] == '\0');

  /* parse_asof: NULL leaves the output alone; long text is named in a bounded message */
  int64_t t = 12345;
  CHECK_ERR(folio_parse_asof(NULL, &t, &e), e, FOLIO_EINVAL, "NULL");
  CHECK(t == 12345);
  char longtext[300];
  memset(longtext, '9', sizeof longtext - 1);
  longtext[sizeof longtext - 1] = '\0';
  CHECK_ERR(folio_parse_asof(longtext, &t, &e), e, FOLIO_EPARSE, "parse_asof: bad asof '9999");
  CHECK(strstr(e.message, longtext) == NULL && t == 12345); /* an excerpt, not all 299 */
  CHECK_ERR(folio_parse_asof("-2024-03-08T10:00Z", &t, &e), e, FOLIO_EPARSE, "year");
  CHECK_ERR(folio_parse_asof("2024-03-08T10:00:00+05:00:00", &t, &e), e, FOLIO_EPARSE,
            "2024-03-08T10:00:00+05:00:00");
  CHECK(t == 12345);

  /* parse_hhmm: NULL out, malformed text, out untouched on failure */
  int mins = -1;
  CHECK_ERR(folio_parse_hhmm("09:30", NULL, &e), e, FOLIO_EINVAL, "NULL");
  CHECK_ERR(folio_parse_hhmm(" 09:30", &mins, &e), e, FOLIO_EPARSE, "is not HH:MM");
  CHECK_ERR(folio_parse_hhmm("-1:00", &mins, &e), e, FOLIO_EPARSE, "is not HH:MM");
  CHECK_ERR(folio_parse_hhmm("12:3a", &mins, &e), e, FOLIO_EPARSE, "is not HH:MM");
  CHECK_ERR(folio_parse_hhmm("99:99", &mins, &e), e, FOLIO_EPARSE, "out of range 00:00..24:00");
  CHECK(mins == -1);

  /* parse_date: NULL out, each bad field, trailing text, out untouched on failure */
  int32_t days = -1;
  CHECK_ERR(folio_parse_date("2024-02-29", NULL, &e), e, FOLIO_EINVAL, "NULL");
  CHECK_ERR(folio_parse_date("2024-13-01", &days, &e), e, FOLIO_EPARSE, "month out of range");
  CHECK_ERR(folio_parse_date("2024-00-01", &days, &e), e, FOLIO_EPARSE, "month out of range");
  CHECK_ERR(folio_parse_date("2024-01-32", &days, &e), e, FOLIO_EPARSE, "day out of range");
  CHECK_ERR(folio_parse_date("2024-01-00", &days, &e), e, FOLIO_EPARSE, "day out of range");
  CHECK_ERR(folio_parse_date("2024-02-29 ", &days, &e), e, FOLIO_EPARSE, "YYYY-MM-DD");
  CHECK_ERR(folio_parse_date("", &days, &e), e, FOLIO_EPARSE, "4-digit year");
  CHECK_ERR(folio_parse_date("2024/02/29", &days, &e), e, FOLIO_EPARSE, "'-' after the year");
  CHECK(days == -1);
}

int main(void) {
  test_civil();
  test_parse();
  test_dst();
  test_bad_input();
  return tl_finish("test_civil_time");
}
