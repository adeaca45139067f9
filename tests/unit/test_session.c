/*
 * test_session.c — sessions and calendars: every minute of 2024 and 2025 for
 * each asset class against an independent oracle (hand-listed holidays,
 * early closes and DST instants, its own date counting), count invariants
 * (252 NYSE trading days in 2024, 251 by rule in 2025), explicit instants at
 * the DST changes, holidays and early closes, the computus, ISO-8601 parsing
 * and every refusal (bad dates, times, offsets, trailing text, bad calendars).
 */
#include <inttypes.h>
#include <string.h>

#include "folio/session.h"
#include "testlib.h"

/* ==== helpers ============================================================= */

static int64_t asof(const char *iso) {
  int64_t t = 0;
  folio_error e;
  if (folio_parse_asof(iso, &t, &e) != FOLIO_OK) {
    fprintf(stderr, "asof(%s): %s\n", iso, e.message);
    tl_failed++;
  }
  return t;
}

static folio_session_id at(const folio_calendar *cal, folio_asset_class ac, const char *iso) {
  folio_session_id s = FOLIO_SESSION_COUNT;
  folio_error e;
  if (folio_session_at(cal, ac, asof(iso), &s, &e) != FOLIO_OK) {
    fprintf(stderr, "at(%s): %s\n", iso, e.message);
    tl_failed++;
  }
  return s;
}

#define CHECK_SESSION(cal, ac, iso, want)                                                  \
  do {                                                                                     \
    folio_session_id got_ = at((cal), (ac), (iso));                                        \
    CHECK_MSG(got_ == (want), "%s %s: got %s, want %s", folio_asset_class_name(ac), (iso), \
              folio_session_name(got_), folio_session_name(want));                         \
  } while (0)

#define EQ FOLIO_ASSET_EQUITIES
#define S_CLOSED FOLIO_SESSION_CLOSED
#define S_PRE FOLIO_SESSION_PRE
#define S_RTH FOLIO_SESSION_RTH
#define S_POST FOLIO_SESSION_POST
#define S_IBEOS FOLIO_SESSION_IBEOS
#define S_24H FOLIO_SESSION_H24

/* ==== the oracle ========================================================== */

/* Local day index k = 0 is 2024-01-01 (a Monday); 2024 has 366 days, 2025 365. */
static const int mdays[2][12] = {{31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31},
                                 {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31}};

/* k of a 2024/2025/2026-01-01 date, by counting months by hand. */
static int oracle_k(int y, int m, int d) {
  int k = 0;
  for (int yy = 2024; yy < y; yy++) k += yy == 2024 ? 366 : 365;
  for (int mm = 1; mm < m; mm++) k += mdays[y == 2024 ? 0 : 1][mm - 1];
  return k + d - 1;
}

/* Hand-listed from the NYSE's published holiday and early-close calendars. */
static const int holidays[][3] = {
    {2024, 1, 1},   {2024, 1, 15},  {2024, 2, 19},  {2024, 3, 29},  {2024, 5, 27}, {2024, 6, 19},
    {2024, 7, 4},   {2024, 9, 2},   {2024, 11, 28}, {2024, 12, 25}, {2025, 1, 1},  {2025, 1, 20},
    {2025, 2, 17},  {2025, 4, 18},  {2025, 5, 26},  {2025, 6, 19},  {2025, 7, 4},  {2025, 9, 1},
    {2025, 11, 27}, {2025, 12, 25}, {2026, 1, 1},
};
static const int early_closes[][3] = {{2024, 7, 3}, {2024, 11, 29}, {2024, 12, 24},
                                      {2025, 7, 3}, {2025, 11, 28}, {2025, 12, 24}};

static int oracle_trading(int k) {
  int wd = ((k % 7) + 1) % 7; /* k = 0 is a Monday (1) */
  if (wd == 0 || wd == 6) return 0;
  for (size_t i = 0; i < sizeof holidays / sizeof holidays[0]; i++)
    if (oracle_k(holidays[i][0], holidays[i][1], holidays[i][2]) == k) return 0;
  return 1;
}

static int oracle_early(int k) {
  for (size_t i = 0; i < sizeof early_closes / sizeof early_closes[0]; i++)
    if (oracle_k(early_closes[i][0], early_closes[i][1], early_closes[i][2]) == k) return 1;
  return 0;
}

#define EPOCH_2024 INT64_C(1704067200) /* 2024-01-01T00:00:00Z */

static folio_session_id oracle_session(folio_asset_class ac, int k, int mod,
                                       const unsigned char *trading, const unsigned char *early) {
  int wd = ((k % 7) + 1) % 7;
  switch (ac) {
    case FOLIO_ASSET_CRYPTO: return S_24H;
    case FOLIO_ASSET_FX:
      if (wd == 6 || (wd == 0 && mod < 17 * 60) || (wd == 5 && mod >= 17 * 60)) return S_CLOSED;
      return S_24H;
    case FOLIO_ASSET_FUTURES:
      if (wd == 6 || (wd == 0 && mod < 18 * 60) || (wd == 5 && mod >= 17 * 60)) return S_CLOSED;
      if (wd >= 1 && wd <= 4 && mod >= 17 * 60 && mod < 18 * 60) return S_CLOSED;
      return S_24H;
    default: break;
  }
  if (mod < 230) return trading[k] ? S_IBEOS : S_CLOSED;
  if (mod >= 1200) return trading[k + 1] ? S_IBEOS : S_CLOSED;
  if (!trading[k]) return S_CLOSED;
  if (mod >= 240 && mod < 570) return S_PRE;
  if (early[k]) {
    if (mod >= 570 && mod < 780) return S_RTH;
    if (mod >= 780 && mod < 1020) return S_POST;
    return S_CLOSED;
  }
  if (mod >= 570 && mod < 960) return S_RTH;
  if (mod >= 960 && mod < 1200) return S_POST;
  return S_CLOSED;
}

/* Every minute of local 2024 and 2025, each asset class, against the oracle. */
static void test_every_minute(void) {
  unsigned char trading[733], early[733];
  for (int k = 0; k < 733; k++) {
    trading[k] = (unsigned char)oracle_trading(k);
    early[k] = (unsigned char)(trading[k] && oracle_early(k));
  }
  /* DST instants by hand: 07:00Z on the spring Sunday, 06:00Z on the autumn one. */
  const int64_t dst[2][2] = {{EPOCH_2024 + (int64_t)oracle_k(2024, 3, 10) * 86400 + 7 * 3600,
                              EPOCH_2024 + (int64_t)oracle_k(2024, 11, 3) * 86400 + 6 * 3600},
                             {EPOCH_2024 + (int64_t)oracle_k(2025, 3, 9) * 86400 + 7 * 3600,
                              EPOCH_2024 + (int64_t)oracle_k(2025, 11, 2) * 86400 + 6 * 3600}};
  folio_calendar cal;
  folio_calendar_default(&cal);
  CHECK(folio_calendar_check(&cal, NULL) == FOLIO_OK);
  long long count[2][FOLIO_ASSET_COUNT][FOLIO_SESSION_COUNT];
  memset(count, 0, sizeof count);
  int64_t start = EPOCH_2024 + 5 * 3600; /* local 2024-01-01 00:00 EST */
  int64_t end = EPOCH_2024 + (int64_t)oracle_k(2026, 1, 1) * 86400 + 5 * 3600;
  long long mismatches = 0, local_mismatches = 0, total_minutes[2] = {0, 0};
  for (int64_t t = start; t < end; t += 60) {
    int yi = t >= dst[0][1] + 60 * 86400 ? 1 : 0; /* which DST pair applies */
    int off = (t >= dst[yi][0] && t < dst[yi][1]) ? -4 * 3600 : -5 * 3600;
    int64_t local = t + off - EPOCH_2024;
    int k = (int)(local / 86400), mod = (int)(local % 86400) / 60;
    int year = k < 366 ? 0 : 1;
    total_minutes[year]++;
    folio_local_time lt;
    if (folio_ny_local(t, &lt, NULL) != FOLIO_OK || lt.utc_offset_minutes != off / 60 ||
        lt.minute_of_day != mod || lt.days != (int32_t)((EPOCH_2024 / 86400) + k))
      local_mismatches++;
    for (int ac = 0; ac < FOLIO_ASSET_COUNT; ac++) {
      folio_session_id s, want = oracle_session((folio_asset_class)ac, k, mod, trading, early);
      if (folio_session_at(&cal, (folio_asset_class)ac, t, &s, NULL) != FOLIO_OK ||
          (unsigned)s >= FOLIO_SESSION_COUNT) {
        mismatches++;
        continue;
      }
      count[year][ac][s]++;
      if (s != want) {
        if (mismatches < 10)
          fprintf(stderr, "minute %" PRId64 " (%s, k=%d, mod=%d): got %s, oracle %s\n", t,
                  folio_asset_class_name((folio_asset_class)ac), k, mod, folio_session_name(s),
                  folio_session_name(want));
        mismatches++;
      }
    }
  }
  CHECK_EQ_INT(mismatches, 0);
  CHECK_EQ_INT(local_mismatches, 0);
  CHECK_EQ_INT(total_minutes[0], 366 * 1440); /* the two DST changes cancel */
  CHECK_EQ_INT(total_minutes[1], 365 * 1440);

  /* Count invariants, by hand: 2024 has 262 weekdays - 10 holidays = 252
   * trading days; 2025 has 261 - 10 = 251 (by rule; 2025-01-09 was an
   * unscheduled closing). Three 13:00 early closes a year, each 180 RTH
   * minutes short; post on those days runs 13:00-17:00 (also 240 minutes). */
  const long long days[2] = {252, 251};
  for (int y = 0; y < 2; y++) {
    long long *c = count[y][EQ];
    CHECK_EQ_INT(c[S_RTH], days[y] * 390 - 3 * 180);
    CHECK_EQ_INT(c[S_PRE], days[y] * 330);
    CHECK_EQ_INT(c[S_POST], days[y] * 240);
    /* each trading day: its own 00:00-03:50 and the evening before 20:00-24:00 */
    CHECK_EQ_INT(c[S_IBEOS], days[y] * (230 + 240));
    CHECK_EQ_INT(c[S_24H], 0);
    CHECK_EQ_INT(c[S_CLOSED] + c[S_PRE] + c[S_RTH] + c[S_POST] + c[S_IBEOS], total_minutes[y]);
    CHECK_EQ_INT(count[y][FOLIO_ASSET_CRYPTO][S_24H], total_minutes[y]);
    for (int ac = FOLIO_ASSET_CRYPTO; ac < FOLIO_ASSET_COUNT; ac++)
      for (int s = S_PRE; s <= S_IBEOS; s++) CHECK_EQ_INT(count[y][ac][s], 0);
  }
  CHECK_EQ_INT(days[0] * 390 - 3 * 180, 97740);
  /* fx: 2024 local starts on a Monday 00:00 (open since Sunday), 52 full
   * Sun 17:00 - Fri 17:00 weeks + the Monday/Tuesday tail = 7200 per week. */
  CHECK_EQ_INT(count[0][FOLIO_ASSET_FX][S_24H],
               /* Jan 1 (Mon) 00:00 .. Jan 5 (Fri) 17:00 */ (4 * 1440 + 17 * 60) +
                   /* 51 whole weeks Sun 17:00 .. Fri 17:00 */ 51 * 7200 +
                   /* Sun Dec 29 17:00 .. Tue Dec 31 24:00 */ (7 * 60 + 2 * 1440));
  /* futures: 23 hours a day Monday-Thursday, Sun 18:00-24:00, Fri 00:00-17:00. */
  CHECK_EQ_INT(count[0][FOLIO_ASSET_FUTURES][S_24H],
               (4 * 1380 + 17 * 60) /* Jan 1-4 less the breaks, Fri Jan 5 to 17:00 */ +
                   51 * 6900 /* Sun 18:00 .. Fri 17:00 less four breaks */ +
                   (6 * 60 + 2 * 1380) /* Sun Dec 29 18:00 .. Tue Dec 31 */);
}

/* ==== explicit instants ==================================================== */

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

  /* equities around the spring change: RTH opens at 09:30 local either side */
  CHECK_SESSION(NULL, EQ, "2024-03-08T14:29:00Z", S_PRE);
  CHECK_SESSION(NULL, EQ, "2024-03-08T14:30:00Z", S_RTH);
  CHECK_SESSION(NULL, EQ, "2024-03-11T13:29:00Z", S_PRE);
  CHECK_SESSION(NULL, EQ, "2024-03-11T13:30:00Z", S_RTH);
  CHECK_SESSION(NULL, EQ, "2024-03-11T19:59:00Z", S_RTH);
  CHECK_SESSION(NULL, EQ, "2024-03-11T20:00:00Z", S_POST);
  CHECK_SESSION(NULL, EQ, "2024-03-10T20:00:00-04:00", S_IBEOS); /* Sunday evening */
  CHECK_SESSION(NULL, EQ, "2024-03-10T19:59:00-04:00", S_CLOSED);
  CHECK_SESSION(NULL, EQ, "2024-03-11T03:49:00-04:00", S_IBEOS);
  CHECK_SESSION(NULL, EQ, "2024-03-11T03:50:00-04:00", S_CLOSED);
  CHECK_SESSION(NULL, EQ, "2024-03-11T04:00:00-04:00", S_PRE);
  CHECK_SESSION(NULL, EQ, "2024-11-04T14:30:00Z", S_RTH); /* 09:30 EST */
  CHECK_SESSION(NULL, EQ, "2024-11-04T14:29:59Z", S_PRE);
  CHECK_SESSION(NULL, EQ, "2024-03-08T20:00:00-05:00", S_CLOSED); /* Friday evening */
  CHECK_SESSION(NULL, EQ, "2024-03-09T12:00:00-05:00", S_CLOSED); /* Saturday */
  /* futures and fx around the weekend and the break, in New York time */
  CHECK_SESSION(NULL, FOLIO_ASSET_FUTURES, "2024-03-10T17:59:00-04:00", S_CLOSED);
  CHECK_SESSION(NULL, FOLIO_ASSET_FUTURES, "2024-03-10T18:00:00-04:00", S_24H);
  CHECK_SESSION(NULL, FOLIO_ASSET_FUTURES, "2024-03-11T16:59:00-04:00", S_24H);
  CHECK_SESSION(NULL, FOLIO_ASSET_FUTURES, "2024-03-11T17:00:00-04:00", S_CLOSED);
  CHECK_SESSION(NULL, FOLIO_ASSET_FUTURES, "2024-03-11T17:59:59-04:00", S_CLOSED);
  CHECK_SESSION(NULL, FOLIO_ASSET_FUTURES, "2024-03-11T18:00:00-04:00", S_24H);
  CHECK_SESSION(NULL, FOLIO_ASSET_FUTURES, "2024-03-15T16:59:00-04:00", S_24H);
  CHECK_SESSION(NULL, FOLIO_ASSET_FUTURES, "2024-03-15T17:00:00-04:00", S_CLOSED);
  CHECK_SESSION(NULL, FOLIO_ASSET_FUTURES, "2024-03-15T18:30:00-04:00", S_CLOSED);
  CHECK_SESSION(NULL, FOLIO_ASSET_FX, "2024-03-10T16:59:00-04:00", S_CLOSED);
  CHECK_SESSION(NULL, FOLIO_ASSET_FX, "2024-03-10T17:00:00-04:00", S_24H);
  CHECK_SESSION(NULL, FOLIO_ASSET_FX, "2024-03-13T17:30:00-04:00", S_24H);
  CHECK_SESSION(NULL, FOLIO_ASSET_FX, "2024-03-15T17:00:00-04:00", S_CLOSED);
  CHECK_SESSION(NULL, FOLIO_ASSET_FX, "2024-03-16T12:00:00-04:00", S_CLOSED);
  CHECK_SESSION(NULL, FOLIO_ASSET_CRYPTO, "2024-03-16T12:00:00-04:00", S_24H);
  CHECK_SESSION(NULL, FOLIO_ASSET_CRYPTO, "2024-11-03T01:30:00-05:00", S_24H);
}

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

  /* sessions on those days */
  CHECK_SESSION(NULL, EQ, "2024-07-03T12:59:00-04:00", S_RTH);
  CHECK_SESSION(NULL, EQ, "2024-07-03T13:00:00-04:00", S_POST);
  CHECK_SESSION(NULL, EQ, "2024-07-03T16:59:00-04:00", S_POST);
  CHECK_SESSION(NULL, EQ, "2024-07-03T17:00:00-04:00", S_CLOSED);
  CHECK_SESSION(NULL, EQ, "2024-07-03T20:00:00-04:00", S_CLOSED); /* no IBEOS into the holiday */
  CHECK_SESSION(NULL, EQ, "2024-07-04T02:00:00-04:00", S_CLOSED);
  CHECK_SESSION(NULL, EQ, "2024-07-04T05:00:00-04:00", S_CLOSED);
  CHECK_SESSION(NULL, EQ, "2024-07-04T10:00:00-04:00", S_CLOSED);
  CHECK_SESSION(NULL, EQ, "2024-07-04T20:00:00-04:00", S_IBEOS); /* the holiday's evening */
  CHECK_SESSION(NULL, EQ, "2024-07-05T09:30:00-04:00", S_RTH);
  CHECK_SESSION(NULL, EQ, "2024-11-29T12:59:00-05:00", S_RTH);
  CHECK_SESSION(NULL, EQ, "2024-11-29T13:00:00-05:00", S_POST);
  CHECK_SESSION(NULL, EQ, "2024-11-29T18:00:00Z", S_POST);
  CHECK_SESSION(NULL, EQ, "2024-11-28T10:00:00-05:00", S_CLOSED);
  CHECK_SESSION(NULL, EQ, "2024-11-27T20:00:00-05:00", S_CLOSED);
  CHECK_SESSION(NULL, EQ, "2022-06-20T10:00:00-04:00", S_CLOSED);
  CHECK_SESSION(NULL, EQ, "2021-12-31T10:00:00-05:00", S_RTH);
  CHECK_SESSION(NULL, EQ, "2024-03-29T10:00:00-04:00", S_CLOSED);
  CHECK_SESSION(NULL, EQ, "2024-03-28T20:00:00-04:00", S_CLOSED); /* eve of Good Friday */
  CHECK_SESSION(NULL, EQ, "2025-04-18T10:00:00-04:00", S_CLOSED);
  CHECK_SESSION(NULL, EQ, "2027-07-05T10:00:00-04:00", S_CLOSED);
  CHECK_SESSION(NULL, EQ, "2027-07-02T15:59:00-04:00", S_RTH); /* a full day */
  CHECK_SESSION(NULL, EQ, "2027-07-02T16:00:00-04:00", S_POST);
  CHECK_SESSION(NULL, EQ, "2027-07-04T20:00:00-04:00",
                S_CLOSED); /* Sunday before the observed day */
  CHECK_SESSION(NULL, EQ, "2027-07-05T20:00:00-04:00", S_IBEOS);
  CHECK_SESSION(NULL, EQ, "2024-12-24T13:00:00-05:00", S_POST);
  CHECK_SESSION(NULL, EQ, "2024-12-24T20:00:00-05:00", S_CLOSED);
  CHECK_SESSION(NULL, EQ, "2024-12-25T20:00:00-05:00", S_IBEOS);

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

/* ==== names ================================================================= */

static void test_names(void) {
  static const char *const sn[] = {"closed", "pre", "RTH", "post", "IBEOS", "24h"};
  static const char *const an[] = {"equities", "crypto", "fx", "futures"};
  folio_error e;
  for (int i = 0; i < FOLIO_SESSION_COUNT; i++) {
    folio_session_id s;
    CHECK(strcmp(folio_session_name((folio_session_id)i), sn[i]) == 0);
    CHECK(folio_session_by_name(sn[i], &s, &e) == FOLIO_OK && (int)s == i);
  }
  for (int i = 0; i < FOLIO_ASSET_COUNT; i++) {
    folio_asset_class a;
    CHECK(strcmp(folio_asset_class_name((folio_asset_class)i), an[i]) == 0);
    CHECK(folio_asset_class_by_name(an[i], &a, &e) == FOLIO_OK && (int)a == i);
  }
  CHECK(strcmp(folio_session_name(FOLIO_SESSION_COUNT), "") == 0);
  CHECK(strcmp(folio_asset_class_name((folio_asset_class)-1), "") == 0);
  folio_session_id s;
  folio_asset_class a;
  CHECK_ERR(folio_session_by_name("rth", &s, &e), e, FOLIO_ENOTFOUND,
            "'rth' (valid: closed, pre, RTH");
  CHECK_ERR(folio_session_by_name(NULL, &s, &e), e, FOLIO_EINVAL, "NULL");
  CHECK_ERR(folio_asset_class_by_name("stocks", &a, &e), e, FOLIO_ENOTFOUND,
            "'stocks' (valid: equities, crypto, fx, futures)");
  CHECK_ERR(folio_asset_class_by_name("equities", NULL, &e), e, FOLIO_EINVAL, "NULL");
  CHECK_ERR(folio_session_at(NULL, (folio_asset_class)7, asof("2024-03-08T14:30Z"), &s, &e), e,
            FOLIO_EINVAL, "unknown asset class 7");
  CHECK_ERR(folio_session_at(NULL, FOLIO_ASSET_COUNT, asof("2024-03-08T14:30Z"), &s, &e), e,
            FOLIO_EINVAL, "asset class");
  CHECK_ERR(folio_session_at(NULL, EQ, FOLIO_ASOF_MIN - 1, &s, &e), e, FOLIO_EINVAL, "range");
  CHECK_ERR(folio_session_at(NULL, EQ, FOLIO_ASOF_MAX + 1, &s, &e), e, FOLIO_EINVAL, "range");
  CHECK_ERR(folio_session_at(NULL, EQ, 1709908200, NULL, &e), e, FOLIO_EINVAL, "NULL");
  CHECK(folio_session_at(NULL, EQ, FOLIO_ASOF_MIN, &s, &e) == FOLIO_OK &&
        s == S_POST); /* Wed 1986-12-31 19:00 */
  CHECK(folio_session_at(NULL, EQ, FOLIO_ASOF_MAX, &s, &e) == FOLIO_OK &&
        s == S_POST); /* Fri 18:59:59 */
  folio_calendar raw;
  folio_calendar_default(&raw);
  CHECK_ERR(folio_session_at(&raw, EQ, 1709908200, &s, &e), e, FOLIO_EINVAL, "not checked");
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
  CHECK_ERR(folio_session_at(&cal, EQ, asof("2025-01-09T15:00Z"), NULL, &e), e, FOLIO_EINVAL,
            "NULL");
  CHECK(folio_calendar_check(&cal, &e) == FOLIO_OK);
  CHECK_SESSION(&cal, EQ, "2025-01-09T10:00:00-05:00", S_CLOSED);
  CHECK_SESSION(&cal, EQ, "2025-01-08T20:00:00-05:00", S_CLOSED); /* eve of the added holiday */
  CHECK_SESSION(&cal, EQ, "2025-01-09T20:00:00-05:00", S_IBEOS);
  CHECK_SESSION(&cal, EQ, "2025-12-25T10:00:00-05:00", S_RTH);
  CHECK_SESSION(&cal, EQ, "2025-12-24T20:00:00-05:00", S_IBEOS);
  CHECK_SESSION(&cal, EQ, "2025-12-26T13:00:00-05:00", S_POST);
  CHECK_SESSION(&cal, EQ, "2025-12-26T12:59:00-05:00", S_RTH);
  CHECK_SESSION(&cal, EQ, "2025-07-03T13:00:00-04:00", S_RTH);
  CHECK_SESSION(&cal, EQ, "2025-07-03T16:00:00-04:00", S_POST);
  CHECK_SESSION(NULL, EQ, "2025-07-03T13:00:00-04:00", S_POST); /* the default is untouched */

  /* moved bounds */
  folio_calendar_default(&cal);
  cal.rth_end = 16 * 60 + 15;
  cal.post_start = 16 * 60 + 15;
  cal.fx_open = 18 * 60;
  cal.futures_break_start = 16 * 60 + 15;
  cal.futures_break_end = 16 * 60 + 30;
  CHECK(folio_calendar_check(&cal, &e) == FOLIO_OK);
  CHECK_SESSION(&cal, EQ, "2024-03-08T16:14:00-05:00", S_RTH);
  CHECK_SESSION(&cal, EQ, "2024-03-08T16:15:00-05:00", S_POST);
  CHECK_SESSION(&cal, FOLIO_ASSET_FX, "2024-03-10T17:30:00-04:00", S_CLOSED);
  CHECK_SESSION(&cal, FOLIO_ASSET_FX, "2024-03-10T18:00:00-04:00", S_24H);
  CHECK_SESSION(&cal, FOLIO_ASSET_FUTURES, "2024-03-12T16:20:00-04:00", S_CLOSED);
  CHECK_SESSION(&cal, FOLIO_ASSET_FUTURES, "2024-03-12T17:20:00-04:00", S_24H);

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
  CHECK_SESSION(&cal, EQ, "2025-12-25T13:30:00-05:00", S_POST);

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
  CHECK_SESSION(&cal, EQ, "2030-01-07T10:00:00-05:00", S_CLOSED);
  CHECK_ERR(folio_calendar_add_date(NULL, 0, "x", &e), e, FOLIO_EINVAL, "NULL");
  folio_calendar_default(NULL); /* a no-op */
}

int main(void) {
  test_civil();
  test_names();
  test_parse();
  test_dst();
  test_holidays();
  test_overrides();
  test_every_minute();
  return tl_finish("test_session");
}
