/*
 * bench_session.c — folio_session_at against the bare arithmetic it is built
 * on: converting epoch seconds to a civil date (days_from_civil's inverse).
 * Each run resolves one million instants spread over 2024 (minute
 * granularity, a fixed pseudo-random sequence), so the table's milliseconds
 * per run read directly as nanoseconds per call. The ratio shows what the DST
 * rule, the holiday rules and the session bounds cost on top of one date
 * conversion; the target is well under a microsecond per resolve.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "bench.h"
#include "folio/session.h"

#define N_CALLS 1000000

typedef struct session_case {
  const int64_t *instants;
  const folio_calendar *cal;
  folio_asset_class ac;
  uint64_t sink;
} session_case;

static void run_session(void *ctx) {
  session_case *c = ctx;
  uint64_t acc = 0;
  for (size_t i = 0; i < N_CALLS; i++) {
    folio_session_id s;
    if (folio_session_at(c->cal, c->ac, c->instants[i], &s, NULL) == FOLIO_OK) acc += (uint64_t)s;
  }
  c->sink += acc;
}

static void run_local(void *ctx) {
  session_case *c = ctx;
  uint64_t acc = 0;
  for (size_t i = 0; i < N_CALLS; i++) {
    folio_local_time t;
    if (folio_ny_local(c->instants[i], &t, NULL) == FOLIO_OK) acc += (uint64_t)t.minute_of_day;
  }
  c->sink += acc;
}

/* The bare baseline: epoch seconds -> y-m-d and minute of day, UTC (Hinnant). */
static void run_bare(void *ctx) {
  session_case *c = ctx;
  uint64_t acc = 0;
  for (size_t i = 0; i < N_CALLS; i++) {
    int64_t t = c->instants[i];
    int64_t z = t / 86400 + 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    int64_t d = doy - (153 * mp + 2) / 5 + 1;
    int64_t m = mp < 10 ? mp + 3 : mp - 9;
    acc += (uint64_t)(yoe + era * 400 + (m <= 2) + m + d + (t % 86400) / 60);
  }
  c->sink += acc;
}

void bench_session(void) {
  int64_t *instants = malloc(sizeof(int64_t) * N_CALLS);
  if (!instants) {
    fprintf(stderr, "bench_session: out of memory\n");
    return;
  }
  uint64_t s = 0x5E55101Au;
  const int64_t start = INT64_C(1704067200); /* 2024-01-01T00:00:00Z */
  for (size_t i = 0; i < N_CALLS; i++) {
    uint64_t z = (s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    z ^= z >> 31;
    instants[i] = start + (int64_t)(z % (366u * 1440u)) * 60;
  }
  folio_calendar cal, custom;
  folio_calendar_default(&cal);
  folio_calendar_check(&cal, NULL);
  folio_calendar_default(&custom); /* a fund calendar with override lists to search */
  for (int k = 0; k < 20; k++) {
    folio_calendar_add_date(&custom.holidays_add, (int32_t)(19730 + 7 * k), "holidays_add", NULL);
    folio_calendar_add_date(&custom.early_closes_add, (int32_t)(19731 + 7 * k), "early_closes_add",
                            NULL);
  }
  if (folio_calendar_check(&custom, NULL) != FOLIO_OK)
    fprintf(stderr, "bench_session: bad calendar\n");

  session_case c = {instants, &cal, FOLIO_ASSET_EQUITIES, 0};
  double bare_s = bench_median(run_bare, &c, 7);
  bench_row("session_at equities", "1M calls", bench_median(run_session, &c, 7), bare_s,
            "epoch->civil");
  session_case cu = {instants, &custom, FOLIO_ASSET_EQUITIES, 0};
  bench_row("session_at eq+override", "1M calls", bench_median(run_session, &cu, 7), bare_s,
            "epoch->civil");
  session_case f = {instants, &cal, FOLIO_ASSET_FUTURES, 0};
  bench_row("session_at futures", "1M calls", bench_median(run_session, &f, 7), bare_s,
            "epoch->civil");
  bench_row("ny_local", "1M calls", bench_median(run_local, &c, 7), bare_s, "epoch->civil");
  if ((c.sink ^ cu.sink ^ f.sink) == 42) printf("(sink)\n"); /* keep the loops alive */
  free(instants);
}
