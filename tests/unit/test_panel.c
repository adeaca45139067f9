/*
 * test_panel.c — unit tests for panel.c: making a panel, validating its
 * shape and finiteness, tail views, and the names used in messages.
 */
#include <math.h>
#include <stdint.h>

#include "folio/panel.h"
#include "testlib.h"

static const char *const SYMS[] = {"AAA", "BBB"};
static const char *const DATES[] = {"d1", "d2", "d3", "d4"};

static void test_make(void) {
  const double x[] = {1, 2, 3, 4, 5, 6};
  folio_panel p = folio_panel_make(x, 3, 2);
  CHECK(p.data == x);
  CHECK_EQ_INT(p.n_rows, 3);
  CHECK_EQ_INT(p.n_cols, 2);
  CHECK_EQ_INT(p.ld, 3);
  CHECK(p.row_labels == NULL && p.col_labels == NULL);
}

static void test_check_ok(void) {
  folio_error err = {FOLIO_OK, ""};
  /* ld 4 > rows 3: the 4th element of column 0 is padding and is never read. */
  const double y[] = {1, NAN, 3, INFINITY, 5, -6, 7, 8};
  folio_panel q = {y, 3, 2, 4, DATES, SYMS};
  CHECK_EQ_INT(folio_panel_check(&q, "who", "what", &err), FOLIO_OK);
  /* NaN is allowed (missing). */
  const double x[] = {1, NAN, 3, 4, 5, -6};
  folio_panel r = {x, 2, 3, 2, NULL, NULL};
  CHECK_EQ_INT(folio_panel_check(&r, "who", "what", &err), FOLIO_OK);
  /* Empty panels need no data. */
  folio_panel e = {NULL, 0, 5, 1, NULL, NULL};
  CHECK_EQ_INT(folio_panel_check(&e, "who", "what", &err), FOLIO_OK);
  folio_panel e2 = {NULL, 5, 0, 5, NULL, NULL};
  CHECK_EQ_INT(folio_panel_check(&e2, "who", "what", &err), FOLIO_OK);
}

static void test_check_errors(void) {
  folio_error err = {FOLIO_OK, ""};
  const double x[] = {1, 2, 3, 4, 5, INFINITY, 7, 8};
  CHECK_ERR(folio_panel_check(NULL, "sample_cov", "returns", &err), err, FOLIO_EINVAL,
            "sample_cov: returns is NULL");
  folio_panel inf = {x, 3, 2, 3, DATES, SYMS};
  CHECK_ERR(folio_panel_check(&inf, "sample_cov", "returns", &err), err, FOLIO_ENOTFINITE,
            "sample_cov: returns has an infinite value (symbol BBB, row d3)");
  folio_panel inf_nl = {x, 3, 2, 3, NULL, NULL};
  CHECK_ERR(folio_panel_check(&inf_nl, "w", "r", &err), err, FOLIO_ENOTFINITE,
            "(symbol #2, row #3)");
  const double m[] = {-INFINITY};
  folio_panel minf = folio_panel_make(m, 1, 1);
  CHECK_ERR(folio_panel_check(&minf, "w", "r", &err), err, FOLIO_ENOTFINITE, "symbol #1, row #1");

  folio_panel tall = {x, FOLIO_MAX_DIM + 1, 1, FOLIO_MAX_DIM + 1, NULL, NULL};
  CHECK_ERR(folio_panel_check(&tall, "w", "r", &err), err, FOLIO_EDIM, "at most");
  folio_panel wide = {x, 1, FOLIO_MAX_DIM + 1, 1, NULL, NULL};
  CHECK_ERR(folio_panel_check(&wide, "w", "r", &err), err, FOLIO_EDIM, "at most");
  /* Each side within the limit, the product above it. */
  folio_panel big = {x, FOLIO_MAX_DIM, 129, FOLIO_MAX_DIM, NULL, NULL};
  CHECK_ERR(folio_panel_check(&big, "w", "r", &err), err, FOLIO_EDIM, "in all");
  folio_panel ld = {x, 3, 2, 2, NULL, NULL};
  CHECK_ERR(folio_panel_check(&ld, "w", "r", &err), err, FOLIO_EDIM,
            "w: r leading dimension 2 < rows 3");
  folio_panel ld0 = {x, 0, 0, 0, NULL, NULL};
  CHECK_ERR(folio_panel_check(&ld0, "w", "r", &err), err, FOLIO_EDIM, "leading dimension 0");
  folio_panel nodata = {NULL, 3, 2, 3, NULL, NULL};
  CHECK_ERR(folio_panel_check(&nodata, "w", "r", &err), err, FOLIO_EINVAL, "w: r data is NULL");
  /* A NULL err is fine. */
  CHECK_EQ_INT(folio_panel_check(&nodata, "w", "r", NULL), FOLIO_EINVAL);
}

static void test_tail(void) {
  const double x[] = {1, 2, 3, 4, 5, 6, 7, 8};
  folio_panel p = {x, 4, 2, 4, DATES, SYMS};
  folio_panel t = folio_panel_tail(&p, 2);
  CHECK_EQ_INT(t.n_rows, 2);
  CHECK_EQ_INT(t.n_cols, 2);
  CHECK_EQ_INT(t.ld, 4);
  CHECK(t.data == x + 2);
  CHECK(t.data[0] == 3 && t.data[1] == 4 && t.data[t.ld] == 7 && t.data[t.ld + 1] == 8);
  CHECK(t.row_labels == DATES + 2 && strcmp(t.row_labels[0], "d3") == 0);
  CHECK(t.col_labels == SYMS);
  folio_panel all = folio_panel_tail(&p, 4);
  CHECK(all.data == x && all.n_rows == 4 && all.row_labels == DATES);
  folio_panel more = folio_panel_tail(&p, 100);
  CHECK(more.data == x && more.n_rows == 4);
  folio_panel none = folio_panel_tail(&p, 0);
  CHECK(none.n_rows == 0 && none.data == x + 4);
  /* Unlabelled panels stay unlabelled. */
  folio_panel u = folio_panel_make(x, 4, 2);
  folio_panel ut = folio_panel_tail(&u, 1);
  CHECK(ut.row_labels == NULL && ut.data == x + 3 && ut.ld == 4);
  folio_error err = {FOLIO_OK, ""};
  CHECK_EQ_INT(folio_panel_check(&t, "w", "r", &err), FOLIO_OK);
  /* The tail's messages name rows by the tail's labels. */
  char rb[16];
  CHECK(strcmp(folio_panel_row_name(&t, 1, rb, sizeof rb), "d4") == 0);
}

static void test_names(void) {
  const double x[] = {1, 2};
  folio_panel p = {x, 1, 2, 1, DATES, SYMS};
  char b[64];
  CHECK(strcmp(folio_panel_col_name(&p, 1, b, sizeof b), "BBB") == 0);
  CHECK(strcmp(folio_panel_row_name(&p, 0, b, sizeof b), "d1") == 0);
  folio_panel u = folio_panel_make(x, 1, 2);
  CHECK(strcmp(folio_panel_col_name(&u, 1, b, sizeof b), "#2") == 0);
  CHECK(strcmp(folio_panel_row_name(&u, 0, b, sizeof b), "#1") == 0);
  CHECK(folio_panel_col_name(&u, 0, b, sizeof b) == b);
  /* A NULL entry in a label array falls back to the position. */
  const char *const partial[] = {"AAA", NULL};
  folio_panel pp = {x, 1, 2, 1, NULL, partial};
  CHECK(strcmp(folio_panel_col_name(&pp, 1, b, sizeof b), "#2") == 0);
  /* Truncated into a small buffer, still terminated. */
  const char *const longname[] = {"ABCDEFGHIJKLMNOP"};
  folio_panel lp = {x, 1, 1, 1, NULL, longname};
  char small[5];
  CHECK(strcmp(folio_panel_col_name(&lp, 0, small, sizeof small), "ABCD") == 0);
}

int main(void) {
  test_make();
  test_check_ok();
  test_check_errors();
  test_tail();
  test_names();
  return tl_finish("test_panel");
}
