/*
 * test_capacity.c — market-data checks, ADV capacity and truncation:
 * the documented worked number (a cap of 5234.50 USD), rounding down to the cent,
 * skipped missing cells, and every refusal (bad shapes and labels,
 * non-positive prices or volumes, short history, bad nav/fraction/lookback,
 * asset out of range). Also reads the shipped sample data (examples/data),
 * which must pass the market check and give every symbol a capacity.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "folio/capacity.h"
#include "folio/csv.h"
#include "testlib.h"

/* Three symbols over six dates; column-major. */
enum { R = 6, C = 3 };
static const char *const dates[R] = {"2024-01-01", "2024-01-02", "2024-01-03",
                                     "2024-01-04", "2024-01-05", "2024-01-08"};
static const char *const syms[C] = {"AAA", "BBB", "CCC"};

typedef struct {
  double p[R * C], v[R * C];
  folio_panel prices, volumes;
} market;

static void market_init(market *m) {
  for (int j = 0; j < C; j++)
    for (int i = 0; i < R; i++) {
      m->p[i + j * R] = 10.0 * (j + 1) + i;
      m->v[i + j * R] = 1000.0 * (i + 1);
    }
  m->prices = folio_panel_make(m->p, R, C);
  m->volumes = folio_panel_make(m->v, R, C);
  m->prices.row_labels = m->volumes.row_labels = dates;
  m->prices.col_labels = m->volumes.col_labels = syms;
}

static void test_defaults(void) {
  folio_capacity_opts o = folio_capacity_defaults();
  CHECK_NEAR(o.fraction_of_adv, 0.01, 0);
  CHECK_EQ_INT(o.adv_lookback_days, 21);
}

static void test_market_check(void) {
  market m;
  folio_error e;
  market_init(&m);
  CHECK(folio_market_check(&m.prices, &m.volumes, &e) == FOLIO_OK);
  /* Missing cells are allowed. */
  m.p[2] = NAN;
  m.v[R + 4] = NAN;
  CHECK(folio_market_check(&m.prices, &m.volumes, &e) == FOLIO_OK);

  market_init(&m);
  m.p[R + 3] = -1.0; /* BBB on row 4 */
  CHECK_ERR(folio_market_check(&m.prices, &m.volumes, &e), e, FOLIO_EINVAL,
            "market: price -1 <= 0 (symbol BBB, row 2024-01-04)");
  m.p[R + 3] = 0.0;
  CHECK_ERR(folio_market_check(&m.prices, &m.volumes, &e), e, FOLIO_EINVAL,
            "market: price 0 <= 0 (symbol BBB");
  market_init(&m);
  m.v[2 * R + 1] = 0.0;
  CHECK_ERR(folio_market_check(&m.prices, &m.volumes, &e), e, FOLIO_EINVAL,
            "market: volume 0 <= 0 (symbol CCC, row 2024-01-02)");
  m.v[2 * R + 1] = -5.0;
  CHECK_ERR(folio_market_check(&m.prices, &m.volumes, &e), e, FOLIO_EINVAL, "volume -5");
  /* Without labels, symbols and rows are named by number. */
  m.prices.col_labels = m.prices.row_labels = NULL;
  CHECK_ERR(folio_market_check(&m.prices, &m.volumes, &e), e, FOLIO_EINVAL, "(symbol #3, row #2)");

  market_init(&m);
  m.p[0] = INFINITY;
  CHECK_ERR(folio_market_check(&m.prices, &m.volumes, &e), e, FOLIO_ENOTFINITE, "market: prices");
  market_init(&m);
  m.v[5] = -INFINITY;
  CHECK_ERR(folio_market_check(&m.prices, &m.volumes, &e), e, FOLIO_ENOTFINITE, "market: volumes");

  /* Shape mismatches. */
  market_init(&m);
  m.volumes.n_rows = R - 1;
  CHECK_ERR(folio_market_check(&m.prices, &m.volumes, &e), e, FOLIO_EDIM,
            "market: prices are 6 x 3 but volumes are 5 x 3");
  market_init(&m);
  m.volumes.n_cols = 2;
  CHECK_ERR(folio_market_check(&m.prices, &m.volumes, &e), e, FOLIO_EDIM, "volumes are 6 x 2");
  market_init(&m);
  m.prices.ld = R - 1;
  CHECK_ERR(folio_market_check(&m.prices, &m.volumes, &e), e, FOLIO_EDIM, "leading dimension");
  /* Label mismatches. */
  static const char *const other_syms[C] = {"AAA", "XXX", "CCC"};
  market_init(&m);
  m.volumes.col_labels = other_syms;
  CHECK_ERR(folio_market_check(&m.prices, &m.volumes, &e), e, FOLIO_EDIM,
            "market: column 2 is 'BBB' in prices but 'XXX' in volumes");
  static const char *const other_dates[R] = {"2024-01-01", "2024-01-02", "2024-01-03",
                                             "2024-01-04", "2024-01-05", "2024-01-09"};
  market_init(&m);
  m.volumes.row_labels = other_dates;
  CHECK_ERR(folio_market_check(&m.prices, &m.volumes, &e), e, FOLIO_EDIM,
            "market: row 6 is '2024-01-08' in prices but '2024-01-09' in volumes");
  /* Labels on one side only are not a mismatch. */
  market_init(&m);
  m.volumes.col_labels = NULL;
  m.volumes.row_labels = NULL;
  CHECK(folio_market_check(&m.prices, &m.volumes, &e) == FOLIO_OK);
  /* NULL panels. */
  CHECK_ERR(folio_market_check(NULL, &m.volumes, &e), e, FOLIO_EINVAL, "market: prices is NULL");
  CHECK_ERR(folio_market_check(&m.prices, NULL, &e), e, FOLIO_EINVAL, "market: volumes is NULL");
  m.prices.data = NULL;
  CHECK_ERR(folio_market_check(&m.prices, &m.volumes, &e), e, FOLIO_EINVAL, "data is NULL");
}

static void test_capacity_values(void) {
  market m;
  folio_error e;
  folio_capacity cap;
  market_init(&m);
  folio_capacity_opts o = {0.5, 3};
  /* AAA: prices 10..15, volumes 1000..6000; last 3 rows: 13*4000 + 14*5000 + 15*6000. */
  CHECK(folio_position_capacity(&m.prices, &m.volumes, 0, 1e6, &o, &cap, &e) == FOLIO_OK);
  double adv = (13.0 * 4000 + 14.0 * 5000 + 15.0 * 6000) / 3.0;
  CHECK_NEAR(cap.adv_usd, adv, 1e-9);
  CHECK_NEAR(cap.cap_usd, floor(0.5 * adv * 100) / 100, 1e-9);
  CHECK_NEAR(cap.cap_weight, cap.cap_usd / 1e6, 1e-15);
  CHECK_EQ_INT(cap.days_used, 3);

  /* Missing cells are skipped: the window reaches further back. */
  m.p[5] = NAN; /* AAA price on the last row */
  m.v[3] = NAN; /* AAA volume on row 4 */
  CHECK(folio_position_capacity(&m.prices, &m.volumes, 0, 1e6, &o, &cap, &e) == FOLIO_OK);
  CHECK_NEAR(cap.adv_usd, (14.0 * 5000 + 12.0 * 3000 + 11.0 * 2000) / 3.0, 1e-9);
  CHECK_EQ_INT(cap.days_used, 3);

  /* Whole history when lookback = rows; fraction 1 is allowed. */
  market_init(&m);
  o.fraction_of_adv = 1.0;
  o.adv_lookback_days = R;
  CHECK(folio_position_capacity(&m.prices, &m.volumes, 2, 1e6, &o, &cap, &e) == FOLIO_OK);
  double sum = 0;
  for (int i = 0; i < R; i++) sum += (30.0 + i) * 1000.0 * (i + 1);
  CHECK_NEAR(cap.adv_usd, sum / R, 1e-9);

  /* NULL opts means the defaults (needs 21 rows: too short here). */
  CHECK_ERR(folio_position_capacity(&m.prices, &m.volumes, 0, 1e6, NULL, &cap, &e), e,
            FOLIO_ESHORT, "(adv_lookback_days needs 21)");

  /* The documented capacity example: 1% of ADV for a $100k fund gives 5234.50, rounded down. */
  double p1[21], v1[21];
  for (int i = 0; i < 21; i++) {
    p1[i] = 1.0;
    v1[i] = 523450.9; /* 0.01 * ADV = 5234.509 */
  }
  folio_panel pp = folio_panel_make(p1, 21, 1), vv = folio_panel_make(v1, 21, 1);
  folio_capacity_opts d = folio_capacity_defaults();
  CHECK(folio_position_capacity(&pp, &vv, 0, 100000, &d, &cap, &e) == FOLIO_OK);
  CHECK_NEAR(cap.adv_usd, 523450.9, 1e-8);
  CHECK(cap.cap_usd == 5234.50);
  CHECK_NEAR(cap.cap_weight, 0.052345, 1e-15);
  CHECK_EQ_INT(cap.days_used, 21);
  /* 0.29 is not rounded down to 0.28 (cent snapping), 5234.999 goes to 5234.99. */
  for (int i = 0; i < 21; i++) v1[i] = 29.0;
  CHECK(folio_position_capacity(&pp, &vv, 0, 100000, &d, &cap, &e) == FOLIO_OK);
  CHECK(cap.cap_usd == 0.29);
  for (int i = 0; i < 21; i++) v1[i] = 523499.9;
  CHECK(folio_position_capacity(&pp, &vv, 0, 100000, &d, &cap, &e) == FOLIO_OK);
  CHECK(cap.cap_usd == 5234.99);
  /* Under a cent of capacity rounds to 0. */
  for (int i = 0; i < 21; i++) v1[i] = 0.5;
  CHECK(folio_position_capacity(&pp, &vv, 0, 100000, &d, &cap, &e) == FOLIO_OK);
  CHECK(cap.cap_usd == 0.0 && cap.cap_weight == 0.0);
}

static void test_capacity_errors(void) {
  market m;
  folio_error e;
  folio_capacity cap = {1, 2, 3, 4}, before = cap;
  market_init(&m);
  folio_capacity_opts o = {0.01, 3};

  CHECK_ERR(folio_position_capacity(&m.prices, &m.volumes, 0, 0.0, &o, &cap, &e), e, FOLIO_EINVAL,
            "position_capacity: nav_usd must be finite, > 0");
  CHECK_ERR(folio_position_capacity(&m.prices, &m.volumes, 0, -1.0, &o, &cap, &e), e, FOLIO_EINVAL,
            "nav_usd");
  CHECK_ERR(folio_position_capacity(&m.prices, &m.volumes, 0, NAN, &o, &cap, &e), e, FOLIO_EINVAL,
            "nav_usd");
  CHECK_ERR(folio_position_capacity(&m.prices, &m.volumes, 0, INFINITY, &o, &cap, &e), e,
            FOLIO_EINVAL, "nav_usd");
  CHECK_ERR(folio_position_capacity(&m.prices, &m.volumes, 0, 2e13, &o, &cap, &e), e, FOLIO_EINVAL,
            "nav_usd");
  double bad_fraction[] = {0.0, -0.01, 1.0000001, 2.0, NAN, INFINITY};
  for (size_t k = 0; k < sizeof bad_fraction / sizeof bad_fraction[0]; k++) {
    folio_capacity_opts b = {bad_fraction[k], 3};
    CHECK_ERR(folio_position_capacity(&m.prices, &m.volumes, 0, 1e6, &b, &cap, &e), e, FOLIO_EINVAL,
              "position_capacity: fraction_of_adv must be in (0, 1]");
  }
  folio_capacity_opts zero = {0.01, 0};
  CHECK_ERR(folio_position_capacity(&m.prices, &m.volumes, 0, 1e6, &zero, &cap, &e), e,
            FOLIO_EINVAL, "position_capacity: adv_lookback_days must be >= 1");
  CHECK_ERR(folio_position_capacity(&m.prices, &m.volumes, 3, 1e6, &o, &cap, &e), e, FOLIO_EINVAL,
            "position_capacity: asset index 3 out of range (3 symbols)");
  CHECK_ERR(folio_position_capacity(&m.prices, &m.volumes, (size_t)-1, 1e6, &o, &cap, &e), e,
            FOLIO_EINVAL, "out of range");
  CHECK_ERR(folio_position_capacity(NULL, &m.volumes, 0, 1e6, &o, &cap, &e), e, FOLIO_EINVAL,
            "prices is NULL");
  CHECK_ERR(folio_position_capacity(&m.prices, NULL, 0, 1e6, &o, &cap, &e), e, FOLIO_EINVAL,
            "volumes is NULL");
  CHECK_ERR(folio_position_capacity(&m.prices, &m.volumes, 0, 1e6, &o, NULL, &e), e, FOLIO_EINVAL,
            "out is NULL");
  /* Shape mismatch (caller skipped the market check). */
  m.volumes.n_rows = R - 1;
  CHECK_ERR(folio_position_capacity(&m.prices, &m.volumes, 0, 1e6, &o, &cap, &e), e, FOLIO_EDIM,
            "do not match");
  market_init(&m);
  /* Short history: 6 rows, 7 wanted; then only 2 complete rows left among the last ones. */
  folio_capacity_opts seven = {0.01, 7};
  CHECK_ERR(folio_position_capacity(&m.prices, &m.volumes, 1, 1e6, &seven, &cap, &e), e,
            FOLIO_ESHORT, "position_capacity: symbol BBB has 6 rows with both price and volume");
  for (int i = 0; i < 4; i++) m.v[R + i] = NAN;
  CHECK_ERR(folio_position_capacity(&m.prices, &m.volumes, 1, 1e6, &o, &cap, &e), e, FOLIO_ESHORT,
            "symbol BBB has 2 rows");
  /* A bad value met in the window is reported (symbol and row) even without the market check. */
  market_init(&m);
  m.p[2 * R + 4] = -3.0;
  CHECK_ERR(folio_position_capacity(&m.prices, &m.volumes, 2, 1e6, &o, &cap, &e), e, FOLIO_EINVAL,
            "price -3 is not a positive finite number (symbol CCC, row 2024-01-05)");
  market_init(&m);
  m.v[2 * R + 5] = 0.0;
  CHECK_ERR(folio_position_capacity(&m.prices, &m.volumes, 2, 1e6, &o, &cap, &e), e, FOLIO_EINVAL,
            "volume 0 is not a positive finite number (symbol CCC, row 2024-01-08)");
  /* Overflowing dollar volume. */
  market_init(&m);
  m.p[5] = 1e12;
  m.v[5] = 1e300;
  CHECK_ERR(folio_position_capacity(&m.prices, &m.volumes, 0, 1e6, &o, &cap, &e), e,
            FOLIO_ENOTFINITE, "overflows");
  /* A price outside the price domain (numbers.h) is an error naming it. */
  market_init(&m);
  m.p[5] = 1e300;
  CHECK_ERR(folio_position_capacity(&m.prices, &m.volumes, 0, 1e6, &o, &cap, &e), e, FOLIO_EINVAL,
            "price 1e+300 of AAA (row");
  market_init(&m);
  m.p[5] = 4.9e-324;
  CHECK_ERR(folio_position_capacity(&m.prices, &m.volumes, 0, 1e6, &o, &cap, &e), e, FOLIO_EINVAL,
            "is outside the price domain");
  /* Outputs are untouched on every failure. */
  CHECK(memcmp(&cap, &before, sizeof cap) == 0);
}

static void test_truncate(void) {
  folio_capacity cap = {1e6, 5000.0, 0.05, 21};
  int bound = -1;
  CHECK_NEAR(folio_capacity_truncate(0.10, &cap, &bound), 0.05, 0);
  CHECK_EQ_INT(bound, 1);
  CHECK_NEAR(folio_capacity_truncate(-0.10, &cap, &bound), -0.05, 0);
  CHECK_EQ_INT(bound, 1);
  CHECK_NEAR(folio_capacity_truncate(0.03, &cap, &bound), 0.03, 0);
  CHECK_EQ_INT(bound, 0);
  CHECK_NEAR(folio_capacity_truncate(-0.03, &cap, &bound), -0.03, 0);
  CHECK_EQ_INT(bound, 0);
  CHECK_NEAR(folio_capacity_truncate(0.05, &cap, &bound), 0.05, 0); /* exactly at the cap */
  CHECK_EQ_INT(bound, 0);
  CHECK_NEAR(folio_capacity_truncate(0.0, &cap, &bound), 0.0, 0);
  CHECK_EQ_INT(bound, 0);
  double nz = folio_capacity_truncate(-0.0, &cap, &bound);
  CHECK(nz == 0.0 && signbit(nz));
  CHECK_NEAR(folio_capacity_truncate(INFINITY, &cap, &bound), 0.05, 0);
  CHECK_EQ_INT(bound, 1);
  CHECK_NEAR(folio_capacity_truncate(-INFINITY, &cap, &bound), -0.05, 0);
  bound = -1;
  CHECK(isnan(folio_capacity_truncate(NAN, &cap, &bound)));
  CHECK_EQ_INT(bound, 0);
  CHECK_NEAR(folio_capacity_truncate(0.2, &cap, NULL), 0.05, 0); /* bound may be NULL */
  /* A zero cap closes the position; an invalid cap gives NaN. */
  folio_capacity shut = {0, 0, 0, 21};
  CHECK_NEAR(folio_capacity_truncate(-0.2, &shut, &bound), 0.0, 0);
  CHECK_EQ_INT(bound, 1);
  bound = -1;
  CHECK(isnan(folio_capacity_truncate(0.2, NULL, &bound)));
  CHECK_EQ_INT(bound, 0);
  folio_capacity broken = {0, 0, NAN, 0};
  CHECK(isnan(folio_capacity_truncate(0.2, &broken, &bound)));
  broken.cap_weight = -0.1;
  CHECK(isnan(folio_capacity_truncate(0.2, &broken, &bound)));
}

/* The repository root: FOLIO_SOURCE_DIR (set by ctest), else derived from
 * this file's path; NULL when neither works. */
static const char *source_dir(char *buf, size_t size) {
  const char *env = getenv("FOLIO_SOURCE_DIR");
  if (env && *env) return env;
  const char *file = __FILE__;
  const char *tail = strstr(file, "tests/unit/test_capacity.c");
  if (!tail || tail == file) return NULL;
  snprintf(buf, size, "%.*s", (int)(tail - file - 1), file);
  return buf;
}

static void test_sample_data(void) {
  char root_buf[1024], path[1200];
  const char *root = source_dir(root_buf, sizeof root_buf);
  folio_frame *prices = NULL, *volumes = NULL;
  folio_error e;
  if (root) {
    snprintf(path, sizeof path, "%s/examples/data/prices.csv", root);
    folio_csv_read_wide(path, &prices, &e);
    snprintf(path, sizeof path, "%s/examples/data/volumes.csv", root);
    folio_csv_read_wide(path, &volumes, &e);
  }
  if (!prices || !volumes) {
    printf("note: examples/data not found; sample-data test skipped\n");
    folio_frame_free(prices);
    folio_frame_free(volumes);
    return;
  }
  CHECK_EQ_INT(prices->n_rows, 756);
  CHECK_EQ_INT(prices->n_cols, 55);
  CHECK(strcmp(prices->row_labels[0], "2022-01-03") == 0);
  folio_panel pp = folio_frame_panel(prices), vv = folio_frame_panel(volumes);
  folio_status st = folio_market_check(&pp, &vv, &e);
  CHECK_MSG(st == FOLIO_OK, "%s", e.message);
  size_t ok = 0, missing = 0;
  for (size_t j = 0; j < pp.n_cols; j++) {
    folio_capacity cap;
    if (folio_position_capacity(&pp, &vv, j, 1e6, NULL, &cap, &e) == FOLIO_OK && cap.cap_usd > 0 &&
        cap.days_used == 21)
      ok++;
    for (size_t i = 0; i < pp.n_rows; i++)
      if (isnan(pp.data[i + j * pp.ld])) missing++;
  }
  CHECK_EQ_INT(ok, pp.n_cols);
  CHECK_EQ_INT(missing, 180 + 600); /* two late listings */
  folio_frame_free(prices);
  folio_frame_free(volumes);
}

int main(void) {
  test_defaults();
  test_market_check();
  test_capacity_values();
  test_capacity_errors();
  test_truncate();
  test_sample_data();
  return tl_finish("test_capacity");
}
