/*
 * test_money.c — unit tests for money.c: flooring and rounding USD amounts
 * to the cent, including the values binary doubles cannot hold exactly.
 */
#include <math.h>

#include "folio/money.h"
#include "testlib.h"

static void test_floor(void) {
  /* 0.29 * 100 = 28.999999999999996: snapped to 29, not floored to 28. */
  CHECK(folio_usd_floor_cents(0.29) == 0.29);
  CHECK(folio_usd_floor_cents(0.57) == 0.57);
  CHECK(folio_usd_floor_cents(1.15) == 1.15);
  CHECK(folio_usd_floor_cents(0.1 + 0.2) == 0.3);
  CHECK(folio_usd_floor_cents(5234.509) == 5234.50);
  CHECK(folio_usd_floor_cents(5234.5099999) == 5234.50);
  CHECK(folio_usd_floor_cents(0.0) == 0.0);
  CHECK(folio_usd_floor_cents(0.009) == 0.0);
  CHECK(folio_usd_floor_cents(100.0) == 100.0);
  /* Negatives floor towards -Inf. */
  CHECK(folio_usd_floor_cents(-0.001) == -0.01);
  CHECK(folio_usd_floor_cents(-5234.509) == -5234.51);
  CHECK(folio_usd_floor_cents(-0.29) == -0.29);
  CHECK(folio_usd_floor_cents(-1.0) == -1.0);
  /* Large values. */
  CHECK(folio_usd_floor_cents(FOLIO_MAX_USD) == FOLIO_MAX_USD);
  CHECK(folio_usd_floor_cents(12345678901.239) == 12345678901.23);
  CHECK(folio_usd_floor_cents(987654321.99) == 987654321.99);
  CHECK(folio_usd_floor_cents(-987654321.999) == -987654322.0);
  /* Non-finite input passes through. */
  CHECK(isnan(folio_usd_floor_cents(NAN)));
  CHECK(folio_usd_floor_cents(INFINITY) == INFINITY);
  CHECK(folio_usd_floor_cents(-INFINITY) == -INFINITY);
}

static void test_round(void) {
  CHECK(folio_usd_round_cents(0.29) == 0.29);
  CHECK(folio_usd_round_cents(5234.509) == 5234.51);
  CHECK(folio_usd_round_cents(5234.504) == 5234.50);
  CHECK(folio_usd_round_cents(0.1 + 0.2) == 0.3);
  /* Exact binary halves of a cent round away from zero. */
  CHECK(folio_usd_round_cents(1.125) == 1.13);
  CHECK(folio_usd_round_cents(-1.125) == -1.13);
  CHECK(folio_usd_round_cents(0.375) == 0.38);
  CHECK(folio_usd_round_cents(-0.375) == -0.38);
  CHECK(folio_usd_round_cents(0.004) == 0.0);
  CHECK(folio_usd_round_cents(-0.004) == 0.0);
  CHECK(folio_usd_round_cents(-5234.509) == -5234.51);
  CHECK(folio_usd_round_cents(FOLIO_MAX_USD) == FOLIO_MAX_USD);
  CHECK(folio_usd_round_cents(12345678901.236) == 12345678901.24);
  CHECK(isnan(folio_usd_round_cents(NAN)));
  CHECK(folio_usd_round_cents(INFINITY) == INFINITY);
  CHECK(folio_usd_round_cents(-INFINITY) == -INFINITY);
}

static void test_every_cent(void) {
  /* Every cent amount k / 100 (the nearest double) survives both rules,
   * over a range where 100 * x errs by at most a few ulps. */
  int floor_ok = 1, round_ok = 1;
  for (long k = -200000; k <= 200000; k++) {
    double usd = (double)k / 100.0;
    floor_ok &= folio_usd_floor_cents(usd) == usd;
    round_ok &= folio_usd_round_cents(usd) == usd;
  }
  CHECK(floor_ok);
  CHECK(round_ok);
  /* Large cent amounts too (within FOLIO_MAX_USD): around a billion USD,
   * 100 * x is a few ulps off the integer by more than 1e-6 cent. */
  long bad = 0;
  double first_bad = 0.0;
  for (long k = 0; k < 100000; k++) {
    double usd = (double)(123456789012LL + k * 7919) / 100.0;
    if (folio_usd_floor_cents(usd) != usd || folio_usd_round_cents(usd) != usd) {
      if (!bad) first_bad = usd;
      bad++;
    }
  }
  CHECK_MSG(bad == 0, "%ld of 100000 cent amounts near 1.2e9 USD change, e.g. floor(%.17g) = %.17g",
            bad, first_bad, folio_usd_floor_cents(first_bad));
}

int main(void) {
  test_floor();
  test_round();
  test_every_cent();
  return tl_finish("test_money");
}
