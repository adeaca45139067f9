/*
 * test_session.c — sessions (session.c): every minute of 2024 and 2025 for
 * each asset class against an independent oracle (hand-listed holidays,
 * early closes and DST instants, its own date counting), count invariants
 * (252 NYSE trading days in 2024, 251 by rule in 2025), explicit instants at
 * the DST changes, holidays and early closes and under calendar overrides,
 * the session and asset-class names, and every refusal of folio_session_at.
 * The civil time underneath is test_civil_time.c; the calendar rules and
 * overrides themselves are test_calendar.c.
 */
#include <inttypes.h>
#include <string.h>

#include "folio/session.h"
#include "asof.h"
#include "testlib.h"

/* ==== helpers ============================================================= */

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

/* Sessions at the DST changes (the offsets themselves: test_civil_time.c). */
static void test_dst_sessions(void) {
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

/* Sessions on holidays and early closes (the rules themselves: test_calendar.c). */
static void test_holiday_sessions(void) {
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

/* Builds a calendar step without counting a check (the steps are checked in
 * test_calendar.c); a failure still fails the run. */
static void must(folio_status st, const folio_error *e, const char *what) {
  if (st != FOLIO_OK) {
    fprintf(stderr, "%s: %s\n", what, e->message);
    tl_failed++;
  }
}

/* Sessions under the calendars of test_calendar.c's test_overrides. */
static void test_override_sessions(void) {
  folio_error e;
  folio_calendar cal;
  folio_calendar_default(&cal);
  must(folio_calendar_add_date(&cal.holidays_add, day_of("2025-01-09"), "holidays_add", &e), &e,
       "holidays_add");
  must(folio_calendar_add_date(&cal.holidays_remove, day_of("2025-12-25"), "holidays_remove", &e),
       &e, "holidays_remove");
  must(folio_calendar_add_date(&cal.early_closes_add, day_of("2025-12-26"), "early_closes_add", &e),
       &e, "early_closes_add");
  must(folio_calendar_add_date(&cal.early_closes_remove, day_of("2025-07-03"), "x", &e), &e,
       "early_closes_remove");
  CHECK_ERR(folio_session_at(&cal, EQ, asof("2025-01-09T15:00Z"), NULL, &e), e, FOLIO_EINVAL,
            "NULL");
  must(folio_calendar_check(&cal, &e), &e, "check");
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
  must(folio_calendar_check(&cal, &e), &e, "check");
  CHECK_SESSION(&cal, EQ, "2024-03-08T16:14:00-05:00", S_RTH);
  CHECK_SESSION(&cal, EQ, "2024-03-08T16:15:00-05:00", S_POST);
  CHECK_SESSION(&cal, FOLIO_ASSET_FX, "2024-03-10T17:30:00-04:00", S_CLOSED);
  CHECK_SESSION(&cal, FOLIO_ASSET_FX, "2024-03-10T18:00:00-04:00", S_24H);
  CHECK_SESSION(&cal, FOLIO_ASSET_FUTURES, "2024-03-12T16:20:00-04:00", S_CLOSED);
  CHECK_SESSION(&cal, FOLIO_ASSET_FUTURES, "2024-03-12T17:20:00-04:00", S_24H);

  /* an early close on a removed holiday */
  folio_calendar_default(&cal);
  folio_calendar_add_date(&cal.holidays_remove, day_of("2025-12-25"), "", NULL);
  folio_calendar_add_date(&cal.early_closes_add, day_of("2025-12-25"), "", NULL);
  must(folio_calendar_check(&cal, &e), &e, "check");
  CHECK_SESSION(&cal, EQ, "2025-12-25T13:30:00-05:00", S_POST);

  /* a full holidays_add list */
  folio_calendar_default(&cal);
  int32_t d0 = day_of("2030-01-07"); /* a Monday */
  size_t added = 0;
  for (int w = 0; added < FOLIO_CALENDAR_MAX_DATES; w++)
    for (int k = 0; k < 5 && added < FOLIO_CALENDAR_MAX_DATES; k++, added++)
      must(folio_calendar_add_date(&cal.holidays_add, d0 + 7 * w + k, "holidays_add", &e), &e,
           "holidays_add");
  must(folio_calendar_check(&cal, &e), &e, "check");
  CHECK_SESSION(&cal, EQ, "2030-01-07T10:00:00-05:00", S_CLOSED);
}

/* ==== bad input ============================================================= */

/* Names out of range, NULL and near-miss names, and folio_session_at with
 * every bad argument (the output is left alone on failure). */
static void test_bad_input(void) {
  folio_error e;
  CHECK(strcmp(folio_session_name((folio_session_id)-1), "") == 0);
  CHECK(strcmp(folio_session_name((folio_session_id)1000), "") == 0);
  CHECK(strcmp(folio_asset_class_name(FOLIO_ASSET_COUNT), "") == 0);
  CHECK(strcmp(folio_asset_class_name((folio_asset_class)1000), "") == 0);

  folio_session_id s = FOLIO_SESSION_COUNT;
  folio_asset_class a = FOLIO_ASSET_COUNT;
  CHECK_ERR(folio_session_by_name("RTH", NULL, &e), e, FOLIO_EINVAL, "name or out is NULL");
  CHECK_ERR(folio_session_by_name("", &s, &e), e, FOLIO_ENOTFOUND, "unknown session ''");
  CHECK_ERR(folio_session_by_name(" RTH", &s, &e), e, FOLIO_ENOTFOUND, "' RTH'");
  CHECK_ERR(folio_session_by_name("Closed", &s, &e), e, FOLIO_ENOTFOUND, "'Closed'");
  CHECK(s == FOLIO_SESSION_COUNT);
  CHECK_ERR(folio_asset_class_by_name(NULL, &a, &e), e, FOLIO_EINVAL, "name or out is NULL");
  CHECK_ERR(folio_asset_class_by_name("Equities", &a, &e), e, FOLIO_ENOTFOUND,
            "unknown asset class 'Equities'");
  CHECK_ERR(folio_asset_class_by_name("", &a, &e), e, FOLIO_ENOTFOUND, "''");
  CHECK(a == FOLIO_ASSET_COUNT);

  CHECK_ERR(folio_session_at(NULL, (folio_asset_class)-1, 1709908200, &s, &e), e, FOLIO_EINVAL,
            "unknown asset class -1");
  CHECK_ERR(folio_session_at(NULL, FOLIO_ASSET_CRYPTO, INT64_MIN, &s, &e), e, FOLIO_EINVAL,
            "outside the supported range");
  CHECK_ERR(folio_session_at(NULL, FOLIO_ASSET_FUTURES, INT64_MAX, &s, &e), e, FOLIO_EINVAL,
            "outside the supported range");
  CHECK_ERR(folio_session_at(NULL, FOLIO_ASSET_CRYPTO, 1709908200, NULL, &e), e, FOLIO_EINVAL,
            "out is NULL");
  /* a calendar refused by folio_calendar_check stays unusable */
  folio_calendar bad;
  folio_calendar_default(&bad);
  bad.rth_start = bad.rth_end;
  CHECK(folio_calendar_check(&bad, NULL) == FOLIO_EINVAL);
  CHECK_ERR(folio_session_at(&bad, FOLIO_ASSET_CRYPTO, 1709908200, &s, &e), e, FOLIO_EINVAL,
            "calendar not checked");
  CHECK(s == FOLIO_SESSION_COUNT);
}

int main(void) {
  test_names();
  test_dst_sessions();
  test_holiday_sessions();
  test_override_sessions();
  test_bad_input();
  test_every_minute();
  return tl_finish("test_session");
}
