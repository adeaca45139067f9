/*
 * test_returns.c — unit tests for returns.c: simple and log returns from
 * prices, rows with no observation, and column means, with every bad input
 * the functions document.
 */
#include <math.h>
#include <stdint.h>

#include "folio/returns.h"
#include "testlib.h"

static const char *const SYMS[] = {"AAA", "BBB", "CCC"};
static const char *const DATES[] = {"2024-01-02", "2024-01-03", "2024-01-04", "2024-01-05"};

/* ---- folio_returns ------------------------------------------------------ */

static void test_simple_and_log(void) {
  /* 4 dates x 3 symbols, column-major; CCC is missing on the first date. */
  const double prices[] = {100.0, 110.0, 99.0, 99.0,  /* AAA */
                           20.0,  21.0,  22.0, 19.5,  /* BBB */
                           NAN,   5.0,   5.5,  5.25}; /* CCC */
  folio_panel p = {prices, 4, 3, 4, DATES, SYMS};
  double out[9];
  folio_error err = {FOLIO_OK, ""};
  CHECK_EQ_INT(folio_returns(&p, FOLIO_RETURNS_SIMPLE, out, 3, &err), FOLIO_OK);
  CHECK_EQ_INT(err.status, FOLIO_OK);
  /* Bit-for-bit pandas: one division, then subtract 1.0. */
  CHECK(out[0] == 110.0 / 100.0 - 1.0);
  CHECK(out[1] == 99.0 / 110.0 - 1.0);
  CHECK(out[2] == 0.0);
  CHECK(out[3] == 21.0 / 20.0 - 1.0);
  CHECK(out[5] == 19.5 / 22.0 - 1.0);
  CHECK(isnan(out[6]));
  CHECK(out[7] == 5.5 / 5.0 - 1.0);
  CHECK(out[8] == 5.25 / 5.5 - 1.0);

  CHECK_EQ_INT(folio_returns(&p, FOLIO_RETURNS_LOG, out, 3, &err), FOLIO_OK);
  CHECK(out[0] == log(110.0 / 100.0));
  CHECK(out[4] == log(22.0 / 21.0));
  CHECK(isnan(out[6]));
  CHECK_NEAR(out[7], log(1.1), 1e-15);

  /* A missing price in the middle makes two missing returns. */
  const double gap[] = {1.0, NAN, 2.0, 4.0};
  folio_panel g = folio_panel_make(gap, 4, 1);
  double r[3];
  CHECK_EQ_INT(folio_returns(&g, FOLIO_RETURNS_SIMPLE, r, 3, NULL), FOLIO_OK);
  CHECK(isnan(r[0]) && isnan(r[1]) && r[2] == 1.0);
}

static void test_returns_layout(void) {
  /* ld of the input > rows and ld_out > output rows: padding is never read or written. */
  const double prices[] = {1.0, 2.0, -7.0, /* pad */ 4.0, 8.0, INFINITY /* pad */};
  folio_panel p = {prices, 2, 2, 3, NULL, NULL};
  double out[6] = {-1, -1, -1, -1, -1, -1};
  folio_error err = {FOLIO_OK, ""};
  CHECK_EQ_INT(folio_returns(&p, FOLIO_RETURNS_SIMPLE, out, 3, &err), FOLIO_OK);
  CHECK(out[0] == 1.0);
  CHECK(out[1] == -1 && out[2] == -1);
  CHECK(out[3] == 1.0);
  CHECK(out[4] == -1 && out[5] == -1);

  /* No columns: nothing to write, out may be NULL. */
  folio_panel empty = {NULL, 3, 0, 3, NULL, NULL};
  CHECK_EQ_INT(folio_returns(&empty, FOLIO_RETURNS_SIMPLE, NULL, 2, &err), FOLIO_OK);
}

static void test_returns_errors(void) {
  folio_error err = {FOLIO_OK, ""};
  double out[16];
  for (int k = 0; k < 16; k++) out[k] = 42.0;
  const double ok[] = {1.0, 2.0, 3.0, 4.0, 5.0, 6.0};
  folio_panel p = {ok, 3, 2, 3, DATES, SYMS};

  CHECK_ERR(folio_returns(NULL, FOLIO_RETURNS_SIMPLE, out, 2, &err), err, FOLIO_EINVAL,
            "returns: prices is NULL");
  CHECK_ERR(folio_returns(&p, FOLIO_RETURNS_SIMPLE, NULL, 2, &err), err, FOLIO_EINVAL,
            "returns: out is NULL");
  CHECK_ERR(folio_returns(&p, FOLIO_RETURNS_SIMPLE, out, 1, &err), err, FOLIO_EINVAL,
            "ld_out 1 < 2");
  CHECK_ERR(folio_returns(&p, (folio_return_kind)7, out, 2, &err), err, FOLIO_EINVAL,
            "unknown return kind 7");
  /* ld_out whose span overflows size_t. */
  CHECK_ERR(folio_returns(&p, FOLIO_RETURNS_SIMPLE, out, SIZE_MAX, &err), err, FOLIO_EDIM,
            "returns:");

  /* Fewer than 2 rows. */
  folio_panel one = {ok, 1, 2, 3, DATES, SYMS};
  CHECK_ERR(folio_returns(&one, FOLIO_RETURNS_SIMPLE, out, 2, &err), err, FOLIO_ESHORT, "1 row(s)");
  folio_panel none = {ok, 0, 2, 3, NULL, SYMS};
  CHECK_ERR(folio_returns(&none, FOLIO_RETURNS_SIMPLE, out, 2, &err), err, FOLIO_ESHORT,
            "0 row(s)");

  /* Price <= 0 names symbol and row (the date of the bad price). */
  const double zero[] = {1.0, 2.0, 3.0, 4.0, 0.0, 6.0};
  folio_panel z = {zero, 3, 2, 3, DATES, SYMS};
  CHECK_ERR(folio_returns(&z, FOLIO_RETURNS_SIMPLE, out, 2, &err), err, FOLIO_EINVAL,
            "symbol BBB, row 2024-01-03");
  const double neg[] = {-1.0, 2.0, 3.0, 4.0, 5.0, 6.0};
  folio_panel n = {neg, 3, 2, 3, DATES, SYMS};
  CHECK_ERR(folio_returns(&n, FOLIO_RETURNS_LOG, out, 2, &err), err, FOLIO_EINVAL,
            "symbol AAA, row 2024-01-02");
  CHECK(strstr(err.message, "not > 0") != NULL);
  /* Without labels, positions are named 1-based. */
  folio_panel nl = {zero, 3, 2, 3, NULL, NULL};
  CHECK_ERR(folio_returns(&nl, FOLIO_RETURNS_SIMPLE, out, 2, &err), err, FOLIO_EINVAL,
            "symbol #2, row #2");
  /* -0.0 is not > 0 either. */
  const double negzero[] = {1.0, -0.0, 3.0};
  folio_panel nz = folio_panel_make(negzero, 3, 1);
  CHECK_ERR(folio_returns(&nz, FOLIO_RETURNS_SIMPLE, out, 2, &err), err, FOLIO_EINVAL, "row #2");

  /* Inf is not a price. */
  const double inf[] = {1.0, 2.0, 3.0, 4.0, 5.0, INFINITY};
  folio_panel i = {inf, 3, 2, 3, DATES, SYMS};
  CHECK_ERR(folio_returns(&i, FOLIO_RETURNS_SIMPLE, out, 2, &err), err, FOLIO_ENOTFINITE,
            "symbol BBB, row 2024-01-04");
  const double minf[] = {-INFINITY, 2.0};
  folio_panel mi = folio_panel_make(minf, 2, 1);
  CHECK_ERR(folio_returns(&mi, FOLIO_RETURNS_SIMPLE, out, 1, &err), err, FOLIO_ENOTFINITE,
            "returns:");

  /* Shapes beyond the limits. */
  folio_panel big = {ok, FOLIO_MAX_DIM + 1, 1, FOLIO_MAX_DIM + 1, NULL, NULL};
  CHECK_ERR(folio_returns(&big, FOLIO_RETURNS_SIMPLE, out, 2, &err), err, FOLIO_EDIM, "returns:");
  folio_panel wide = {ok, 2, FOLIO_MAX_DIM + 1, 2, NULL, NULL};
  CHECK_ERR(folio_returns(&wide, FOLIO_RETURNS_SIMPLE, out, 2, &err), err, FOLIO_EDIM, "returns:");
  folio_panel badld = {ok, 3, 2, 2, NULL, NULL};
  CHECK_ERR(folio_returns(&badld, FOLIO_RETURNS_SIMPLE, out, 2, &err), err, FOLIO_EDIM,
            "leading dimension");
  folio_panel nodata = {NULL, 3, 2, 3, NULL, NULL};
  CHECK_ERR(folio_returns(&nodata, FOLIO_RETURNS_SIMPLE, out, 2, &err), err, FOLIO_EINVAL,
            "data is NULL");

  /* Nothing was written by any failing call. */
  int untouched = 1;
  for (int k = 0; k < 16; k++) untouched &= out[k] == 42.0;
  CHECK(untouched);
  /* A NULL err is allowed. */
  CHECK_EQ_INT(folio_returns(&z, FOLIO_RETURNS_SIMPLE, out, 2, NULL), FOLIO_EINVAL);
}

/* ---- folio_rows_all_missing --------------------------------------------- */

static void test_rows_all_missing(void) {
  const double r[] = {NAN, 1.0, NAN, NAN,  /* col 0 */
                      NAN, NAN, 2.0, NAN}; /* col 1 */
  folio_panel p = folio_panel_make(r, 4, 2);
  unsigned char m[4] = {9, 9, 9, 9};
  CHECK_EQ_INT(folio_rows_all_missing(&p, m), 2);
  CHECK(m[0] == 1 && m[1] == 0 && m[2] == 0 && m[3] == 1);

  const double full[] = {1.0, 2.0, 3.0};
  folio_panel f = folio_panel_make(full, 3, 1);
  CHECK_EQ_INT(folio_rows_all_missing(&f, m), 0);
  CHECK(m[0] == 0 && m[1] == 0 && m[2] == 0);

  /* No columns: every row is "all missing" (pandas drops them all). */
  folio_panel nocols = {NULL, 3, 0, 3, NULL, NULL};
  CHECK_EQ_INT(folio_rows_all_missing(&nocols, m), 3);

  /* Unreadable input marks nothing and returns 0. */
  m[0] = 7;
  CHECK_EQ_INT(folio_rows_all_missing(NULL, m), 0);
  CHECK_EQ_INT(folio_rows_all_missing(&p, NULL), 0);
  folio_panel badld = {r, 4, 2, 3, NULL, NULL};
  CHECK_EQ_INT(folio_rows_all_missing(&badld, m), 0);
  folio_panel nodata = {NULL, 4, 2, 4, NULL, NULL};
  CHECK_EQ_INT(folio_rows_all_missing(&nodata, m), 0);
  CHECK(m[0] == 7);
}

/* ---- folio_column_means ------------------------------------------------- */

static void test_column_means(void) {
  const double r[] = {0.01, -0.02, 0.03, NAN,  /* AAA: three observations */
                      NAN,  NAN,   0.5,  0.25, /* BBB: two */
                      1.0,  2.0,   3.0,  4.0}; /* CCC: all four */
  folio_panel p = {r, 4, 3, 4, DATES, SYMS};
  double means[3];
  size_t counts[3];
  folio_error err = {FOLIO_OK, ""};
  CHECK_EQ_INT(folio_column_means(&p, 1.0, means, counts, &err), FOLIO_OK);
  CHECK(means[0] == (0.01 + -0.02 + 0.03) / 3.0);
  CHECK(means[1] == 0.75 / 2.0);
  CHECK(means[2] == 2.5);
  CHECK_EQ_INT(counts[0], 3);
  CHECK_EQ_INT(counts[1], 2);
  CHECK_EQ_INT(counts[2], 4);

  /* Annualised: the mean first, then times the scale (pandas R.mean() * 252). */
  CHECK_EQ_INT(folio_column_means(&p, FOLIO_PERIODS_PER_YEAR, means, NULL, &err), FOLIO_OK);
  CHECK(means[0] == (0.01 + -0.02 + 0.03) / 3.0 * 252.0);
  CHECK(means[2] == 2.5 * 252.0);

  /* ld > rows. */
  const double pad[] = {1.0, 3.0, 1e300, 5.0, 7.0, -1e300};
  folio_panel q = {pad, 2, 2, 3, NULL, NULL};
  CHECK_EQ_INT(folio_column_means(&q, 1.0, means, counts, &err), FOLIO_OK);
  CHECK(means[0] == 2.0 && means[1] == 6.0);

  /* Long columns are summed pairwise (numpy's order, as pandas): 10000
   * copies of 0.1 average to 0.1 within an ulp or two, where a running sum
   * drifts by ~1e-13; interleaved gaps count as zeros in the sum, not in n. */
  enum { LONG = 10000 };
  double *tenth = malloc(sizeof(double) * 2 * LONG);
  for (size_t i = 0; i < LONG; i++) tenth[i] = 0.1;
  for (size_t i = 0; i < LONG; i++) tenth[LONG + i] = (i % 3 == 1) ? NAN : 0.1;
  folio_panel lp = folio_panel_make(tenth, LONG, 2);
  CHECK_EQ_INT(folio_column_means(&lp, 1.0, means, counts, &err), FOLIO_OK);
  CHECK_NEAR(means[0], 0.1, 3e-17);
  CHECK_NEAR(means[1], 0.1, 3e-17);
  CHECK_EQ_INT(counts[0], LONG);
  CHECK_EQ_INT(counts[1], LONG - LONG / 3);
  free(tenth);

  /* No columns: nothing to do. */
  folio_panel none = {NULL, 3, 0, 3, NULL, NULL};
  CHECK_EQ_INT(folio_column_means(&none, 1.0, NULL, NULL, &err), FOLIO_OK);
}

static void test_column_means_errors(void) {
  folio_error err = {FOLIO_OK, ""};
  double means[3] = {42, 42, 42};
  size_t counts[3] = {42, 42, 42};
  const double r[] = {0.1, 0.2, NAN, NAN, 0.3, 0.4};
  folio_panel p = {r, 2, 3, 2, DATES, SYMS};
  CHECK_ERR(folio_column_means(&p, 1.0, means, counts, &err), err, FOLIO_EMISSING,
            "column_means: symbol BBB has no observation");
  folio_panel nl = {r, 2, 3, 2, NULL, NULL};
  CHECK_ERR(folio_column_means(&nl, 1.0, means, counts, &err), err, FOLIO_EMISSING, "symbol #2");
  /* Zero rows: no column has an observation. */
  folio_panel zero_rows = {r, 0, 3, 2, NULL, SYMS};
  CHECK_ERR(folio_column_means(&zero_rows, 1.0, means, counts, &err), err, FOLIO_EMISSING,
            "symbol AAA");

  const double ok[] = {0.1, 0.2, 0.3, 0.4};
  folio_panel q = {ok, 2, 2, 2, DATES, SYMS};
  CHECK_ERR(folio_column_means(&q, 0.0, means, counts, &err), err, FOLIO_EINVAL,
            "column_means: scale");
  CHECK_ERR(folio_column_means(&q, -252.0, means, counts, &err), err, FOLIO_EINVAL, "scale");
  CHECK_ERR(folio_column_means(&q, NAN, means, counts, &err), err, FOLIO_EINVAL, "scale");
  CHECK_ERR(folio_column_means(&q, INFINITY, means, counts, &err), err, FOLIO_EINVAL, "scale");
  CHECK_ERR(folio_column_means(&q, 1.0, NULL, counts, &err), err, FOLIO_EINVAL,
            "column_means: means is NULL");
  CHECK_ERR(folio_column_means(NULL, 1.0, means, counts, &err), err, FOLIO_EINVAL,
            "column_means: returns is NULL");

  const double inf[] = {0.1, INFINITY, 0.3, 0.4};
  folio_panel i = {inf, 2, 2, 2, DATES, SYMS};
  CHECK_ERR(folio_column_means(&i, 1.0, means, counts, &err), err, FOLIO_ENOTFINITE,
            "symbol AAA, row 2024-01-03");
  folio_panel big = {ok, 2, FOLIO_MAX_DIM + 1, 2, NULL, NULL};
  CHECK_ERR(folio_column_means(&big, 1.0, means, counts, &err), err, FOLIO_EDIM, "column_means:");
  folio_panel badld = {ok, 2, 2, 1, NULL, NULL};
  CHECK_ERR(folio_column_means(&badld, 1.0, means, counts, &err), err, FOLIO_EDIM,
            "leading dimension");

  CHECK(means[0] == 42 && means[1] == 42 && means[2] == 42);
  CHECK(counts[0] == 42 && counts[1] == 42 && counts[2] == 42);
}

int main(void) {
  test_simple_and_log();
  test_returns_layout();
  test_returns_errors();
  test_rows_all_missing();
  test_column_means();
  test_column_means_errors();
  return tl_finish("test_returns");
}
