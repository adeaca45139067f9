/*
 * test_calendar.c — the NYSE trading calendar (calendar.c): Easter by the
 * computus, holidays and early closes by rule (observed dates, rules that
 * start in a given year, invalid dates), trading days under a calendar, and
 * the operator's overrides: moved bounds, added and removed dates, list
 * capacity, and one refusal per rule of folio_calendar_check.
 */
#include <limits.h>
#include <string.h>

#include "folio/calendar.h"
#include "folio/civil_time.h"
#include "testlib.h"

/* ==== holidays by rule ====================================================== */

static void test_holidays(void) {
  /* Easter by the computus */
  static const int easter[][3] = {{2024, 3, 31}, {2025, 4, 20}, {2000, 4, 23}, {2019, 4, 21},
                                  {1818, 3, 22}, {2038, 4, 25}, {2285, 3, 22}, {1943, 4, 25},
                                  {2011, 4, 24}, {2008, 3, 23}};
  for (size_t i = 0; i < sizeof easter / sizeof easter[0]; i++) {
    int m, d;
    folio_easter(easter[i][0], &m, &d);
    CHECK_MSG(m == easter[i][1] && d == easter[i][2], "easter %d: %d-%d", easter[i][0], m, d);
  }
  { /* NULL outputs are skipped; the ends of int do not overflow (UBSan checks) */
    int m = 0, d = 0;
    folio_easter(2024, NULL, &d);
    CHECK_EQ_INT(d, 31);
    folio_easter(2024, &m, NULL);
    CHECK_EQ_INT(m, 3);
    folio_easter(2024, NULL, NULL);
    folio_easter(INT_MAX, &m, &d);
    folio_easter(INT_MIN, &m, &d);
  }
  /* holidays by rule */
  static const int yes[][3] = {
      {2024, 3, 29},  {2025, 4, 18},  {2022, 6, 20}, {2027, 7, 5},   {2026, 7, 3},   {2022, 12, 26},
      {2021, 12, 24}, {2023, 1, 2},   {2022, 1, 17}, {2024, 11, 28}, {2025, 11, 27}, {2021, 7, 5},
      {2024, 6, 19},  {2023, 6, 19},  {2027, 6, 18}, {2024, 9, 2},   {2024, 5, 27},  {2024, 2, 19},
      {1998, 1, 19},  {2010, 12, 24}, {2017, 1, 2},  {2028, 12, 25}};
  for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++)
    CHECK_MSG(folio_nyse_is_holiday(yes[i][0], yes[i][1], yes[i][2]), "%d-%02d-%02d is a holiday",
              yes[i][0], yes[i][1], yes[i][2]);
  static const int no[][3] = {{2021, 12, 31}, /* Saturday 2022-01-01 is not observed on Friday */
                              {2022, 1, 3},   {2021, 6, 18}, /* Juneteenth only from 2022 */
                              {1997, 1, 20},                 /* MLK only from 1998 */
                              {2024, 7, 3},   {2024, 11, 29}, {2024, 12, 24}, {2024, 3, 28},
                              {2024, 4, 1},   {2027, 7, 2},   {2024, 7, 6}, /* Saturday */
                              {2024, 2, 30},                                /* invalid */
                              {1986, 12, 25}, {10000, 1, 1},  {2024, 0, 1},   {2024, 13, 1}};
  for (size_t i = 0; i < sizeof no / sizeof no[0]; i++)
    CHECK_MSG(!folio_nyse_is_holiday(no[i][0], no[i][1], no[i][2]), "%d-%02d-%02d is no holiday",
              no[i][0], no[i][1], no[i][2]);
  /* early closes */
  CHECK(folio_nyse_is_early_close(2024, 7, 3));
  CHECK(folio_nyse_is_early_close(2024, 11, 29));
  CHECK(folio_nyse_is_early_close(2024, 12, 24));
  CHECK(folio_nyse_is_early_close(2025, 7, 3));
  CHECK(!folio_nyse_is_early_close(2026, 7, 3)); /* the observed Independence Day */
  CHECK(!folio_nyse_is_early_close(2026, 7, 2));
  CHECK(!folio_nyse_is_early_close(2027, 7, 3));   /* Saturday */
  CHECK(!folio_nyse_is_early_close(2021, 12, 24)); /* observed Christmas */
  CHECK(!folio_nyse_is_early_close(2022, 12, 24)); /* Saturday */
  CHECK(!folio_nyse_is_early_close(2024, 7, 5));
  CHECK(!folio_nyse_is_early_close(2024, 2, 31));

  folio_error e;
  int tr = -1, ea = -1;
  CHECK(folio_calendar_day(NULL, (int32_t)folio_days_from_civil(2024, 7, 3), &tr, &ea, &e) ==
        FOLIO_OK);
  CHECK(tr == 1 && ea == 1);
  CHECK(folio_calendar_day(NULL, (int32_t)folio_days_from_civil(2024, 7, 4), &tr, &ea, &e) ==
        FOLIO_OK);
  CHECK(tr == 0 && ea == 0);
  CHECK(folio_calendar_day(NULL, (int32_t)folio_days_from_civil(2024, 7, 6), &tr, NULL, &e) ==
        FOLIO_OK);
  CHECK(tr == 0);
  CHECK_ERR(folio_calendar_day(NULL, (int32_t)folio_days_from_civil(1980, 1, 2), &tr, &ea, &e), e,
            FOLIO_EINVAL, "1980");
  folio_calendar raw;
  folio_calendar_default(&raw);
  CHECK_ERR(folio_calendar_day(&raw, 0, &tr, &ea, &e), e, FOLIO_EINVAL, "not checked");
}

/* ==== calendar overrides ==================================================== */

static int32_t day_of(const char *ymd) {
  int32_t d = 0;
  if (folio_parse_date(ymd, &d, NULL) != FOLIO_OK) tl_failed++;
  return d;
}

static void test_overrides(void) {
  folio_error e;
  folio_calendar cal;
  folio_calendar_default(&cal);
  CHECK(folio_calendar_add_date(&cal.holidays_add, day_of("2025-01-09"), "holidays_add", &e) ==
        FOLIO_OK);
  CHECK(folio_calendar_add_date(&cal.holidays_remove, day_of("2025-12-25"), "holidays_remove",
                                &e) == FOLIO_OK);
  CHECK(folio_calendar_add_date(&cal.early_closes_add, day_of("2025-12-26"), "early_closes_add",
                                &e) == FOLIO_OK);
  CHECK(folio_calendar_add_date(&cal.early_closes_remove, day_of("2025-07-03"), "x", &e) ==
        FOLIO_OK);
  CHECK(folio_calendar_check(&cal, &e) == FOLIO_OK);

  /* moved bounds */
  folio_calendar_default(&cal);
  cal.rth_end = 16 * 60 + 15;
  cal.post_start = 16 * 60 + 15;
  cal.fx_open = 18 * 60;
  cal.futures_break_start = 16 * 60 + 15;
  cal.futures_break_end = 16 * 60 + 30;
  CHECK(folio_calendar_check(&cal, &e) == FOLIO_OK);

  /* refusals, one per rule */
#define REFUSE(stmt, want, needle)                              \
  do {                                                          \
    folio_calendar_default(&cal);                               \
    stmt;                                                       \
    CHECK_ERR(folio_calendar_check(&cal, &e), e, want, needle); \
    CHECK(cal.checked == 0);                                    \
  } while (0)
  REFUSE(cal.pre_end = 10 * 60, FOLIO_EINVAL,
         "equities.pre ends at 10:00, after RTH starts at 09:30");
  REFUSE(cal.rth_start = cal.rth_end, FOLIO_EINVAL, "equities.RTH 16:00-16:00 is empty");
  REFUSE(cal.post_end = 15 * 60, FOLIO_EINVAL, "equities.post");
  REFUSE(cal.rth_end = 16 * 60 + 30, FOLIO_EINVAL, "after post starts");
  REFUSE(cal.ibeos_end = 4 * 60 + 30, FOLIO_EINVAL, "equities.IBEOS must end");
  REFUSE(cal.ibeos_end = 0, FOLIO_EINVAL, "equities.IBEOS must end");
  REFUSE(cal.ibeos_start = 19 * 60, FOLIO_EINVAL, "equities.IBEOS must start");
  REFUSE(cal.early_close = 17 * 60, FOLIO_EINVAL, "early_close 17:00 must fall inside RTH");
  REFUSE(cal.early_post_close = 21 * 60, FOLIO_EINVAL, "early_post_close 21:00");
  REFUSE(cal.early_post_close = 12 * 60, FOLIO_EINVAL, "early_post_close 12:00");
  REFUSE(cal.fx_open = 1500, FOLIO_EINVAL, "fx.open = 1500 min is outside");
  REFUSE(cal.futures_close = -1, FOLIO_EINVAL, "futures.close");
  REFUSE(cal.futures_break_end = 16 * 60, FOLIO_EINVAL, "futures break 17:00-16:00");
  REFUSE(folio_calendar_add_date(&cal.holidays_remove, day_of("2025-12-24"), "", NULL),
         FOLIO_EINVAL, "holidays_remove date 2025-12-24 is not an NYSE holiday by rule");
  REFUSE(folio_calendar_add_date(&cal.early_closes_remove, day_of("2025-12-26"), "", NULL),
         FOLIO_EINVAL, "2025-12-26 is not an NYSE early close");
  REFUSE(folio_calendar_add_date(&cal.holidays_add, day_of("2025-01-11"), "", NULL), FOLIO_EINVAL,
         "2025-01-11 is a Saturday");
  REFUSE(folio_calendar_add_date(&cal.early_closes_add, day_of("2025-01-12"), "", NULL),
         FOLIO_EINVAL, "2025-01-12 is a Sunday");
  REFUSE(folio_calendar_add_date(&cal.holidays_add, day_of("1986-01-10"), "", NULL), FOLIO_EINVAL,
         "outside 1987..9999");
  REFUSE((folio_calendar_add_date(&cal.holidays_add, day_of("2025-01-09"), "", NULL),
          folio_calendar_add_date(&cal.holidays_add, day_of("2025-01-09"), "", NULL)),
         FOLIO_EDUP, "lists 2025-01-09 twice");
  REFUSE((folio_calendar_add_date(&cal.holidays_add, day_of("2025-01-09"), "", NULL),
          folio_calendar_add_date(&cal.early_closes_add, day_of("2025-01-09"), "", NULL)),
         FOLIO_EINVAL, "2025-01-09 is in both holidays_add and early_closes_add");
  REFUSE(folio_calendar_add_date(&cal.early_closes_add, day_of("2025-12-25"), "", NULL),
         FOLIO_EINVAL, "early_closes_add date 2025-12-25 is an NYSE holiday");
  REFUSE(cal.holidays_add.n = FOLIO_CALENDAR_MAX_DATES + 1, FOLIO_EDIM, "more than 256");
  CHECK_ERR(folio_calendar_check(NULL, &e), e, FOLIO_EINVAL, "NULL");
  /* an early close on a removed holiday is allowed */
  folio_calendar_default(&cal);
  folio_calendar_add_date(&cal.holidays_remove, day_of("2025-12-25"), "", NULL);
  folio_calendar_add_date(&cal.early_closes_add, day_of("2025-12-25"), "", NULL);
  CHECK(folio_calendar_check(&cal, &e) == FOLIO_OK);

  /* list capacity */
  folio_calendar_default(&cal);
  int32_t d0 = day_of("2030-01-07"); /* a Monday */
  size_t added = 0;
  for (int w = 0; added < FOLIO_CALENDAR_MAX_DATES; w++)
    for (int k = 0; k < 5 && added < FOLIO_CALENDAR_MAX_DATES; k++, added++)
      CHECK(folio_calendar_add_date(&cal.holidays_add, d0 + 7 * w + k, "holidays_add", &e) ==
            FOLIO_OK);
  CHECK_ERR(folio_calendar_add_date(&cal.holidays_add, d0 - 7, "holidays_add", &e), e, FOLIO_EDIM,
            "holidays_add has more than 256 dates");
  CHECK(folio_calendar_check(&cal, &e) == FOLIO_OK);
  CHECK_ERR(folio_calendar_add_date(NULL, 0, "x", &e), e, FOLIO_EINVAL, "NULL");
  folio_calendar_default(NULL); /* a no-op */
}

/* The overrides of test_overrides seen through folio_calendar_day (their
 * sessions are test_session.c's). */
static void test_override_days(void) {
  folio_error e;
  folio_calendar cal;
  folio_calendar_default(&cal);
  folio_calendar_add_date(&cal.holidays_add, day_of("2025-01-09"), "holidays_add", NULL);
  folio_calendar_add_date(&cal.holidays_remove, day_of("2025-12-25"), "holidays_remove", NULL);
  folio_calendar_add_date(&cal.early_closes_add, day_of("2025-12-26"), "early_closes_add", NULL);
  folio_calendar_add_date(&cal.early_closes_remove, day_of("2025-07-03"), "x", NULL);
  int tr = -1, ea = -1;
  CHECK_ERR(folio_calendar_day(&cal, day_of("2025-01-09"), &tr, &ea, &e), e, FOLIO_EINVAL,
            "not checked");
  CHECK(folio_calendar_check(&cal, &e) == FOLIO_OK);
  static const struct {
    const char *date;
    int trading, early;
  } want[] = {{"2025-01-09", 0, 0}, {"2025-01-08", 1, 0}, {"2025-12-25", 1, 0},
              {"2025-12-26", 1, 1}, {"2025-07-03", 1, 0}, {"2025-12-24", 1, 1},
              {"2025-11-28", 1, 1}, {"2025-01-11", 0, 0}};
  for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
    CHECK(folio_calendar_day(&cal, day_of(want[i].date), &tr, &ea, &e) == FOLIO_OK);
    CHECK_MSG(tr == want[i].trading && ea == want[i].early, "%s: trading %d early %d",
              want[i].date, tr, ea);
  }
  /* the default calendar is untouched */
  CHECK(folio_calendar_day(NULL, day_of("2025-07-03"), &tr, &ea, &e) == FOLIO_OK && tr == 1 &&
        ea == 1);
  CHECK(folio_calendar_day(NULL, day_of("2025-12-25"), &tr, &ea, &e) == FOLIO_OK && tr == 0);
}

/* ==== bad input ============================================================= */

/* Out-of-range dates and bounds, NULL outputs, lists that are full or that
 * contradict each other: every documented refusal not exercised above. */
static void test_bad_input(void) {
  folio_error e;
  /* rules: invalid dates and years outside 1987..9999 are never holidays or early closes */
  CHECK(!folio_nyse_is_holiday(2024, 1, 0));
  CHECK(!folio_nyse_is_holiday(2024, 12, 32));
  CHECK(!folio_nyse_is_holiday(-2024, 12, 25));
  CHECK(!folio_nyse_is_holiday(1986, 1, 1));
  CHECK(folio_nyse_is_holiday(1987, 1, 1)); /* the first year of the range */
  CHECK(folio_nyse_is_early_close(1987, 12, 24)); /* a Thursday */
  CHECK(!folio_nyse_is_early_close(1986, 12, 24)); /* a Wednesday, before the range */
  CHECK(!folio_nyse_is_early_close(10000, 7, 3));
  CHECK(!folio_nyse_is_early_close(2024, 0, 3));
  CHECK(!folio_nyse_is_early_close(2024, 13, 3));
  CHECK(!folio_nyse_is_early_close(2024, 7, 0));
  CHECK(!folio_nyse_is_early_close(2024, 7, 32));
  CHECK(!folio_nyse_is_early_close(-2024, 7, 3));

  /* add_date: a full list is refused whatever the name, and left as it was */
  folio_calendar cal;
  folio_calendar_default(&cal);
  cal.holidays_add.n = FOLIO_CALENDAR_MAX_DATES;
  CHECK_ERR(folio_calendar_add_date(&cal.holidays_add, 0, NULL, &e), e, FOLIO_EDIM,
            "a date list has more than 256 dates");
  CHECK_EQ_INT(cal.holidays_add.n, FOLIO_CALENDAR_MAX_DATES);
  CHECK_ERR(folio_calendar_add_date(NULL, day_of("2025-01-09"), NULL, &e), e, FOLIO_EINVAL,
            "list is NULL");

  /* check: bounds outside 00:00..24:00, one per field kind */
#define REFUSE_BAD(stmt, want, needle)                          \
  do {                                                          \
    folio_calendar_default(&cal);                               \
    stmt;                                                       \
    CHECK_ERR(folio_calendar_check(&cal, &e), e, want, needle); \
    CHECK(cal.checked == 0);                                    \
  } while (0)
  REFUSE_BAD(cal.pre_start = -1, FOLIO_EINVAL,
             "equities.pre start = -1 min is outside 00:00..24:00");
  REFUSE_BAD(cal.post_end = 1441, FOLIO_EINVAL, "equities.post end = 1441 min is outside");
  REFUSE_BAD(cal.ibeos_start = 1440, FOLIO_EINVAL, "equities.IBEOS must start");
  REFUSE_BAD(cal.early_close = cal.rth_start, FOLIO_EINVAL,
             "early_close 09:30 must fall inside RTH");
  REFUSE_BAD(cal.fx_close = -5, FOLIO_EINVAL, "fx.close = -5 min is outside");
  REFUSE_BAD(cal.futures_open = 2000, FOLIO_EINVAL, "futures.open = 2000 min is outside");
  REFUSE_BAD(cal.futures_break_start = cal.futures_break_end, FOLIO_EINVAL,
             "futures break 18:00-18:00 is empty or reversed");
  /* check: dates outside the range, duplicates and contradictions in every list */
  REFUSE_BAD(folio_calendar_add_date(&cal.early_closes_add, day_of("9999-12-31") + 3, "", NULL),
             FOLIO_EINVAL, "early_closes_add date 10000-01-03 is outside 1987..9999");
  REFUSE_BAD(folio_calendar_add_date(&cal.holidays_remove, day_of("1986-12-25"), "", NULL),
             FOLIO_EINVAL, "holidays_remove date 1986-12-25 is outside 1987..9999");
  REFUSE_BAD((folio_calendar_add_date(&cal.holidays_remove, day_of("2025-12-25"), "", NULL),
              folio_calendar_add_date(&cal.holidays_remove, day_of("2025-12-25"), "", NULL)),
             FOLIO_EDUP, "holidays_remove lists 2025-12-25 twice");
  REFUSE_BAD((folio_calendar_add_date(&cal.early_closes_remove, day_of("2025-07-03"), "", NULL),
              folio_calendar_add_date(&cal.early_closes_remove, day_of("2025-07-03"), "", NULL)),
             FOLIO_EDUP, "early_closes_remove lists 2025-07-03 twice");
  REFUSE_BAD((folio_calendar_add_date(&cal.holidays_add, day_of("2025-12-25"), "", NULL),
              folio_calendar_add_date(&cal.holidays_remove, day_of("2025-12-25"), "", NULL)),
             FOLIO_EINVAL, "2025-12-25 is in both holidays_add and holidays_remove");
  REFUSE_BAD((folio_calendar_add_date(&cal.early_closes_add, day_of("2025-07-03"), "", NULL),
              folio_calendar_add_date(&cal.early_closes_remove, day_of("2025-07-03"), "", NULL)),
             FOLIO_EINVAL, "2025-07-03 is in both early_closes_add and early_closes_remove");
  REFUSE_BAD(cal.early_closes_remove.n = FOLIO_CALENDAR_MAX_DATES + 1, FOLIO_EDIM,
             "early_closes_remove has more than 256");
#undef REFUSE_BAD

  /* day: dates outside 1987..9999, outputs NULL or untouched on failure */
  int tr = -1, ea = -1;
  CHECK_ERR(folio_calendar_day(NULL, day_of("9999-12-31") + 1, &tr, &ea, &e), e, FOLIO_EINVAL,
            "year 10000 is outside 1987..9999");
  CHECK_ERR(folio_calendar_day(NULL, INT32_MIN, &tr, &ea, &e), e, FOLIO_EINVAL,
            "is outside 1987..9999");
  CHECK(tr == -1 && ea == -1);
  CHECK(folio_calendar_day(NULL, day_of("2024-07-03"), NULL, NULL, &e) == FOLIO_OK);
  CHECK(folio_calendar_day(NULL, day_of("9999-12-31"), &tr, NULL, &e) == FOLIO_OK && tr == 1);
}

int main(void) {
  test_holidays();
  test_overrides();
  test_override_days();
  test_bad_input();
  return tl_finish("test_calendar");
}
