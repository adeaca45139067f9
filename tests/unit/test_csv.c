/*
 * test_csv.c — the wide CSV reader: what it accepts (quotes, CRLF, missing
 * cells, time stamps, blank lines) and every way it refuses a file, with the
 * "path:line:column" each message must carry; a FIFO, a folder or a device
 * refused without blocking. Files go into a private mkdtemp directory that
 * is removed at the end. When FOLIO_REFERENCE_DIR is set, the reference
 * dataset is read as well.
 */
#include <errno.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "folio/csv.h"
#include "testlib.h"

static char tmpdir[256];

/* Writes text to tmpdir/name; returns the path in a static buffer. */
static const char *write_file(const char *name, const char *text, size_t len) {
  static char path[512];
  snprintf(path, sizeof path, "%s/%s", tmpdir, name);
  FILE *f = fopen(path, "wb");
  if (!f) return path;
  fwrite(text, 1, len, f);
  fclose(f);
  return path;
}

static void remove_file(const char *name) {
  char path[512];
  snprintf(path, sizeof path, "%s/%s", tmpdir, name);
  remove(path);
}

/* Parses a string; expects failure with `want` and `needle`. */
#define BAD(text, want, needle)                                                           \
  do {                                                                                    \
    folio_frame *f_ = NULL;                                                               \
    folio_error e_;                                                                       \
    folio_status s_ = folio_csv_parse_wide((text), strlen(text), "t.csv", &f_, &e_);      \
    CHECK_ERR(s_, e_, (want), (needle));                                                  \
    CHECK(f_ == NULL);                                                                    \
    folio_frame_free(f_);                                                                 \
  } while (0)

static folio_frame *parse_ok(const char *text) {
  folio_frame *f = NULL;
  folio_error e;
  folio_status st = folio_csv_parse_wide(text, strlen(text), "t.csv", &f, &e);
  CHECK_MSG(st == FOLIO_OK, "unexpected error %d: %s", st, e.message);
  return st == FOLIO_OK ? f : NULL;
}

static void test_basic(void) {
  folio_frame *f = parse_ok("date,AAA,BBB\n2024-01-02,1.5,2\n2024-01-03,,-3e2\n");
  if (!f) return;
  CHECK_EQ_INT(f->n_rows, 2);
  CHECK_EQ_INT(f->n_cols, 2);
  CHECK(strcmp(f->col_labels[0], "AAA") == 0);
  CHECK(strcmp(f->col_labels[1], "BBB") == 0);
  CHECK(strcmp(f->row_labels[0], "2024-01-02") == 0);
  CHECK(strcmp(f->row_labels[1], "2024-01-03") == 0);
  /* column-major, ld = n_rows */
  CHECK_NEAR(f->data[0], 1.5, 0);
  CHECK(isnan(f->data[1]));
  CHECK_NEAR(f->data[2], 2.0, 0);
  CHECK_NEAR(f->data[3], -300.0, 0);
  folio_panel p = folio_frame_panel(f);
  CHECK(p.data == f->data);
  CHECK_EQ_INT(p.n_rows, 2);
  CHECK_EQ_INT(p.n_cols, 2);
  CHECK_EQ_INT(p.ld, 2);
  CHECK(strcmp(p.col_labels[1], "BBB") == 0);
  CHECK(strcmp(p.row_labels[1], "2024-01-03") == 0);
  folio_error e;
  CHECK(folio_panel_check(&p, "test", "frame", &e) == FOLIO_OK);
  folio_frame_free(f);
  folio_frame_free(NULL); /* no-op */
  folio_panel none = folio_frame_panel(NULL);
  CHECK(none.data == NULL && none.n_rows == 0);
}

static void test_accepted_forms(void) {
  /* Quoted fields (a quoted symbol with a comma and a doubled quote), CRLF, no final newline. */
  folio_frame *f = parse_ok("\"date\",\"A,B\",\"Q\"\"X\"\r\n"
                            "\"2024-01-02\",\"1.25\",\"\"\r\n"
                            "2024-01-03,2,3");
  if (f) {
    CHECK_EQ_INT(f->n_rows, 2);
    CHECK(strcmp(f->col_labels[0], "A,B") == 0);
    CHECK(strcmp(f->col_labels[1], "Q\"X") == 0);
    CHECK_NEAR(f->data[0], 1.25, 0);
    CHECK(isnan(f->data[2]));
    CHECK_NEAR(f->data[3], 3.0, 0);
    folio_frame_free(f);
  }
  /* Blank trailing lines, a blank line inside, a UTF-8 BOM, first header cell any name. */
  f = parse_ok("\xEF\xBB\xBFwhen,X\n2024-01-02,1\n\n2024-01-03,2\n\n\n");
  if (f) {
    CHECK_EQ_INT(f->n_rows, 2);
    CHECK(strcmp(f->col_labels[0], "X") == 0);
    folio_frame_free(f);
  }
  /* Empty first header cell; time stamps with 'T' and ' ', mixed with plain dates. */
  f = parse_ok(",X\n2024-01-02,1\n2024-01-02T09:30,2\n2024-01-02 16:00:00,3\n2024-01-03,4\n");
  if (f) {
    CHECK_EQ_INT(f->n_rows, 4);
    CHECK(strcmp(f->row_labels[1], "2024-01-02T09:30") == 0);
    CHECK(strcmp(f->row_labels[2], "2024-01-02 16:00:00") == 0);
    folio_frame_free(f);
  }
  /* Number forms: sign, no leading digit, exponent, tiny underflow kept. */
  f = parse_ok("d,A\n2024-01-01,+.5\n2024-01-02,-7.\n2024-01-03,1E-3\n2024-01-04,1e-400\n");
  if (f) {
    CHECK_NEAR(f->data[0], 0.5, 0);
    CHECK_NEAR(f->data[1], -7.0, 0);
    CHECK_NEAR(f->data[2], 1e-3, 0);
    CHECK(f->data[3] >= 0 && f->data[3] < 1e-300);
    folio_frame_free(f);
  }
  /* Old CR-only line ends. */
  f = parse_ok("d,A\r2024-01-01,1\r2024-01-02,2\r");
  if (f) {
    CHECK_EQ_INT(f->n_rows, 2);
    folio_frame_free(f);
  }
  /* A leap day in a leap year, and in a 400-year. */
  f = parse_ok("d,A\n2000-02-29,1\n2024-02-29,2\n");
  if (f) folio_frame_free(f);
}

static void test_locale(void) {
  /* A decimal-comma locale must not change how "1.5" reads (skipped if not installed). */
  const char *names[] = {"de_DE.UTF-8", "de_DE.utf8", "fr_FR.UTF-8", "fr_FR.utf8"};
  const char *set = NULL;
  for (size_t i = 0; i < sizeof names / sizeof names[0] && !set; i++)
    set = setlocale(LC_NUMERIC, names[i]);
  if (!set) {
    printf("note: no decimal-comma locale installed; locale test skipped\n");
    return;
  }
  folio_frame *f = parse_ok("d,A\n2024-01-01,1.5\n");
  if (f) {
    CHECK_NEAR(f->data[0], 1.5, 0);
    folio_frame_free(f);
  }
  setlocale(LC_NUMERIC, "C");
}

static void test_bad_cells(void) {
  BAD("d,A\n2024-01-01,abc\n", FOLIO_EPARSE, "t.csv:2:2: not a number: 'abc'");
  BAD("d,A,B\n2024-01-01,1,1.5x\n", FOLIO_EPARSE, "t.csv:2:3: not a number: '1.5x'");
  BAD("d,A\n2024-01-01, 1.5\n", FOLIO_EPARSE, "spaces around numbers");
  BAD("d,A\n2024-01-01,1.5 \n", FOLIO_EPARSE, "t.csv:2:2:");
  BAD("d,A\n2024-01-01,0x1p3\n", FOLIO_EPARSE, "not a number");
  BAD("d,A\n2024-01-01,1e\n", FOLIO_EPARSE, "not a number");
  BAD("d,A\n2024-01-01,.\n", FOLIO_EPARSE, "not a number");
  BAD("d,A\n2024-01-01,1,5\n", FOLIO_EPARSE, "ragged");
  BAD("d,A\n2024-01-01,NA\n", FOLIO_EPARSE, "not a number: 'NA'");
  BAD("d,A\n2024-01-01,1e999\n", FOLIO_EPARSE, "t.csv:2:2: number out of range");
  BAD("d,A\n2024-01-01,NaN\n", FOLIO_EPARSE,
      "t.csv:2:2: literal NaN is not allowed (leave the cell empty for a missing value)");
  BAD("d,A\n2024-01-01,nan\n", FOLIO_EPARSE, "literal NaN is not allowed");
  BAD("d,A\n2024-01-01,-NAN\n", FOLIO_EPARSE, "literal NaN is not allowed");
  BAD("d,A\n2024-01-01,nan(0x1)\n", FOLIO_EPARSE, "literal NaN is not allowed");
  BAD("d,A\n2024-01-01,Inf\n", FOLIO_EPARSE, "t.csv:2:2: literal Inf is not allowed");
  BAD("d,A\n2024-01-01,-inf\n", FOLIO_EPARSE, "literal Inf");
  BAD("d,A\n2024-01-01,Infinity\n", FOLIO_EPARSE, "literal Inf");
  /* An embedded NUL byte is not a number either. */
  {
    const char text[] = "d,A\n2024-01-01,1\0002\n";
    folio_frame *f = NULL;
    folio_error e;
    folio_status st = folio_csv_parse_wide(text, sizeof text - 1, "t.csv", &f, &e);
    CHECK_ERR(st, e, FOLIO_EPARSE, "t.csv:2:2: not a number");
    CHECK(f == NULL);
  }
}

static void test_bad_rows(void) {
  BAD("d,A,B\n2024-01-01,1,2\n2024-01-02,1\n", FOLIO_EPARSE,
      "t.csv:3:3: ragged row: expected 3 columns, found 2");
  BAD("d,A,B\n2024-01-01,1,2,3,4\n", FOLIO_EPARSE,
      "t.csv:2:4: ragged row: expected 3 columns, found 5");
  BAD("d,A\n2024-01-01,1\n2024-01-02\n", FOLIO_EPARSE, "expected 2 columns, found 1");
  /* Line numbers count physical lines: CRLF, blank lines and quoted line breaks. */
  BAD("d,A\r\n\r\n2024-01-01,1\r\n2024-01-02,x\r\n", FOLIO_EPARSE, "t.csv:4:2: not a number");
  /* (The first header cell is the only free text, so it carries the quoted breaks.) */
  BAD("\"da\nte\",A\n2024-01-01,1\n2024-01-02,x\n", FOLIO_EPARSE, "t.csv:4:2: not a number");
  BAD("\"d\r\n\r\",A,B\n2024-01-01,1,x\n", FOLIO_EPARSE, "t.csv:4:3: not a number: 'x'");
  BAD("\"d\r\n\",A,\"B\nC\"\n2024-01-01,1,x\n", FOLIO_EINVAL, "t.csv:2:3: symbol 'B");
  BAD("d,A\n2024-01-01,\"1\n\"\n", FOLIO_EPARSE, "t.csv:2:2: not a number");
  /* Quoting errors from libcsv (strict mode). */
  BAD("d,A\n2024-01-01,1\"2\n", FOLIO_EPARSE, "t.csv:2:2: misplaced quote");
  BAD("d,A\n2024-01-01,\"1\"2\n", FOLIO_EPARSE, "t.csv:2:2: misplaced quote");
  BAD("d,A\n2024-01-01,\"1\n", FOLIO_EPARSE, "t.csv:2:2: unterminated quoted field");
}

static void test_bad_dates(void) {
  BAD("d,A\n2024-02-30,1\n", FOLIO_EPARSE, "t.csv:2:1: bad date '2024-02-30' (no such calendar");
  BAD("d,A\n2023-02-29,1\n", FOLIO_EPARSE, "bad date '2023-02-29'");
  BAD("d,A\n1900-02-29,1\n", FOLIO_EPARSE, "bad date '1900-02-29'");
  BAD("d,A\n2024-13-01,1\n", FOLIO_EPARSE, "t.csv:2:1: bad date '2024-13-01'");
  BAD("d,A\n2024-00-10,1\n", FOLIO_EPARSE, "bad date");
  BAD("d,A\n2024-04-31,1\n", FOLIO_EPARSE, "bad date");
  BAD("d,A\n0000-01-01,1\n", FOLIO_EPARSE, "bad date");
  BAD("d,A\n20240101,1\n", FOLIO_EPARSE, "t.csv:2:1: bad date '20240101' (expected YYYY-MM-DD");
  BAD("d,A\n2024/01/01,1\n", FOLIO_EPARSE, "bad date");
  BAD("d,A\n2024-1-01,1\n", FOLIO_EPARSE, "bad date");
  BAD("d,A\n2024-01-01x09:30,1\n", FOLIO_EPARSE, "bad date");
  BAD("d,A\n2024-01-01T24:00,1\n", FOLIO_EPARSE, "bad date");
  BAD("d,A\n2024-01-01T09:60,1\n", FOLIO_EPARSE, "bad date");
  BAD("d,A\n2024-01-01T09:30:61,1\n", FOLIO_EPARSE, "bad date");
  BAD("d,A\n2024-01-01T09,1\n", FOLIO_EPARSE, "bad date");
  BAD("d,A\n 2024-01-01,1\n", FOLIO_EPARSE, "bad date");
  BAD("d,A\n,1\n", FOLIO_EPARSE, "t.csv:2:1: bad date ''");
  BAD("d,A\n2024-01-02,1\n2024-01-02,2\n", FOLIO_EPARSE,
      "t.csv:3:1: date '2024-01-02' is not after the previous date '2024-01-02'");
  BAD("d,A\n2024-01-02,1\n2024-01-01,2\n", FOLIO_EPARSE, "strictly increasing");
  /* Mixed forms compare as times, not as strings. */
  BAD("d,A\n2024-01-02T10:00,1\n2024-01-02 09:00,2\n", FOLIO_EPARSE, "not after");
  BAD("d,A\n2024-01-02T00:00,1\n2024-01-02,2\n", FOLIO_EPARSE, "not after");

  folio_error e;
  CHECK(folio_parse_iso_date("2024-02-29", &e) == FOLIO_OK);
  CHECK(folio_parse_iso_date("2024-12-31T23:59:59", &e) == FOLIO_OK);
  CHECK(folio_parse_iso_date("2024-12-31 23:59", &e) == FOLIO_OK);
  CHECK(folio_parse_iso_date("2024-02-30", &e) != FOLIO_OK);
  CHECK(folio_parse_iso_date("2100-02-29", &e) != FOLIO_OK);
  CHECK(folio_parse_iso_date("2024-13-01", &e) != FOLIO_OK);
  CHECK(folio_parse_iso_date("20240101", &e) != FOLIO_OK);
  CHECK(folio_parse_iso_date("2024-01-01T", &e) != FOLIO_OK);
  CHECK(folio_parse_iso_date("2024-01-01T12:00:00Z", &e) != FOLIO_OK);
  CHECK(folio_parse_iso_date("", &e) != FOLIO_OK);
  CHECK(folio_parse_iso_date(NULL, &e) != FOLIO_OK);
  /* Every parser returns a folio_status with a message naming the text. */
  CHECK_ERR(folio_parse_iso_date("2024-02-30", &e), e, FOLIO_EPARSE,
            "parse_iso_date: '2024-02-30' is not a real date and time");
  CHECK_ERR(folio_parse_iso_date("20240101", &e), e, FOLIO_EPARSE,
            "parse_iso_date: '20240101' is not YYYY-MM-DD");
  CHECK_ERR(folio_parse_iso_date(NULL, &e), e, FOLIO_EINVAL, "parse_iso_date: text is NULL");
  CHECK(folio_parse_iso_date("2024-02-29", NULL) == FOLIO_OK);
}

static void test_bad_headers(void) {
  BAD("", FOLIO_EPARSE, "t.csv:1:1: empty file");
  BAD("\n\n", FOLIO_EPARSE, "empty file");
  BAD("date,A,B\n", FOLIO_EPARSE, "no data rows");
  BAD("date,A,B", FOLIO_EPARSE, "t.csv:1:1: no data rows");
  BAD("date\n2024-01-01\n", FOLIO_EPARSE, "t.csv:1:2: no symbol column");
  BAD("date,A,B,A\n2024-01-01,1,2,3\n", FOLIO_EDUP,
      "t.csv:1:4: duplicate symbol 'A' (also column 2)");
  BAD("date,C,B,B,C\n2024-01-01,1,2,3,4\n", FOLIO_EDUP, "t.csv:1:4: duplicate symbol 'B'");
  BAD("\n\ndate,A,A\n2024-01-01,1,2\n", FOLIO_EDUP, "t.csv:3:3: duplicate symbol 'A'");
  BAD("date,A,,B\n2024-01-01,1,2,3\n", FOLIO_EINVAL, "t.csv:1:3: empty symbol");
  BAD("date,A,\n2024-01-01,1,2\n", FOLIO_EINVAL, "t.csv:1:3: empty symbol");
  BAD("date,A, B\n2024-01-01,1,2\n", FOLIO_EINVAL,
      "t.csv:1:3: symbol ' B' has leading or trailing");
  BAD("date,A ,B\n2024-01-01,1,2\n", FOLIO_EINVAL, "t.csv:1:2: symbol 'A ' has");
  BAD("date,\"A\tB\",C\n2024-01-01,1,2\n", FOLIO_EINVAL, "control character");
}

static void test_arguments(void) {
  folio_frame *f = (folio_frame *)&f; /* must not be touched on failure */
  folio_frame *keep = f;
  folio_error e;
  CHECK_ERR(folio_csv_parse_wide(NULL, 3, "m", &f, &e), e, FOLIO_EINVAL, "text is NULL");
  CHECK_ERR(folio_csv_parse_wide("a", 1, "m", NULL, &e), e, FOLIO_EINVAL, "out is NULL");
  CHECK_ERR(folio_csv_parse_wide("", FOLIO_CSV_MAX_BYTES + 1, "m", &f, &e), e, FOLIO_EDIM,
            "larger than");
  CHECK_ERR(folio_csv_parse_wide("d,A\n2024-01-01,x\n", 17, NULL, &f, &e), e, FOLIO_EPARSE,
            "<memory>:2:2:");
  CHECK(f == keep);
  CHECK_ERR(folio_csv_read_wide(NULL, &f, &e), e, FOLIO_EINVAL, "path is NULL");
  CHECK_ERR(folio_csv_read_wide("x.csv", NULL, &e), e, FOLIO_EINVAL, "out is NULL");
  /* A NULL error pointer is allowed: only the status comes back. */
  CHECK(folio_csv_parse_wide("d,A\n2024-01-01,x\n", 17, "m", &f, NULL) == FOLIO_EPARSE);
  CHECK(f == keep);
}

static void test_files(void) {
  folio_frame *f = NULL;
  folio_error e;
  char missing[512];
  snprintf(missing, sizeof missing, "%s/does-not-exist.csv", tmpdir);
  CHECK_ERR(folio_csv_read_wide(missing, &f, &e), e, FOLIO_EIO, missing);
  CHECK(strstr(e.message, "No such file") != NULL);
  CHECK(f == NULL);
  /* A directory opens but cannot be read. */
  CHECK_ERR(folio_csv_read_wide(tmpdir, &f, &e), e, FOLIO_EIO, tmpdir);

  const char *good = "date,A,B\r\n2024-01-02,1,\"2\"\r\n2024-01-03,,4\r\n";
  const char *path = write_file("good.csv", good, strlen(good));
  CHECK(folio_csv_read_wide(path, &f, &e) == FOLIO_OK);
  if (f) {
    CHECK_EQ_INT(f->n_rows, 2);
    CHECK_NEAR(f->data[2], 2.0, 0);
    CHECK(isnan(f->data[1]));
    folio_frame_free(f);
    f = NULL;
  }
  const char *bad = "date,A\n2024-01-02,1\n2024-01-03,oops\n";
  path = write_file("bad.csv", bad, strlen(bad));
  char needle[600];
  snprintf(needle, sizeof needle, "%s:3:2: not a number: 'oops'", path);
  CHECK_ERR(folio_csv_read_wide(path, &f, &e), e, FOLIO_EPARSE, needle);
  CHECK(f == NULL);
  path = write_file("empty.csv", "", 0);
  CHECK_ERR(folio_csv_read_wide(path, &f, &e), e, FOLIO_EPARSE, "empty file");
  path = write_file("header.csv", "date,A\n", 7);
  CHECK_ERR(folio_csv_read_wide(path, &f, &e), e, FOLIO_EPARSE, "no data rows");

  /* Larger than one read chunk, errors near the end keep exact line numbers. */
  size_t n_rows = 6000, cap = 64 + n_rows * 64;
  char *big = malloc(cap);
  if (big) {
    size_t len = (size_t)snprintf(big, cap, "date,A,B,C\r\n");
    for (size_t i = 0; i < n_rows; i++) {
      int y = 2000 + (int)(i / 336), m = 1 + (int)(i / 28 % 12), d = 1 + (int)(i % 28);
      len += (size_t)snprintf(big + len, cap - len, "%04d-%02d-%02d,%zu.25,,\"%zu\"\r\n", y, m, d,
                              i, i * 2);
    }
    path = write_file("big.csv", big, len);
    CHECK(folio_csv_read_wide(path, &f, &e) == FOLIO_OK);
    if (f) {
      CHECK_EQ_INT(f->n_rows, n_rows);
      CHECK_NEAR(f->data[n_rows - 1], (double)(n_rows - 1) + 0.25, 0);
      CHECK(isnan(f->data[n_rows + 17]));
      CHECK_NEAR(f->data[2 * n_rows + 5999], 11998.0, 0);
      folio_frame_free(f);
      f = NULL;
    }
    /* Break row 5000 (line 5001 + header = line 5002) after the first chunk boundary. */
    char *row = big;
    for (int k = 0; k < 5001; k++) row = strstr(row, "\r\n") + 2;
    char *cell = strstr(row, ",,") + 1;
    *cell = '"';
    path = write_file("big_bad.csv", big, len);
    CHECK_ERR(folio_csv_read_wide(path, &f, &e), e, FOLIO_EPARSE, ":5002:3: misplaced quote");
    free(big);
  }
  remove_file("good.csv");
  remove_file("bad.csv");
  remove_file("empty.csv");
  remove_file("header.csv");
  remove_file("big.csv");
  remove_file("big_bad.csv");
}

static void test_reference(void) {
  const char *dir = tl_reference_dir();
  if (!dir) {
    printf("note: FOLIO_REFERENCE_DIR not set; reference CSV test skipped\n");
    return;
  }
  char path[4096];
  snprintf(path, sizeof path, "%s/data/stock_prices.csv", dir);
  folio_frame *f = NULL;
  folio_error e;
  folio_status st = folio_csv_read_wide(path, &f, &e);
  CHECK_MSG(st == FOLIO_OK, "%s", e.message);
  if (!f) return;
  CHECK_EQ_INT(f->n_rows, 7126);
  CHECK_EQ_INT(f->n_cols, 20);
  CHECK(strcmp(f->col_labels[0], "GOOG") == 0);
  CHECK(strcmp(f->col_labels[19], "SBUX") == 0);
  CHECK(strcmp(f->row_labels[0], "1989-12-29") == 0);
  CHECK(strcmp(f->row_labels[7125], "2018-04-11") == 0);
  CHECK(isnan(f->data[0]));                  /* GOOG starts later */
  CHECK_NEAR(f->data[f->n_rows], 0.117203, 0); /* AAPL first price */
  /* Missing values are leading only: count per symbol, and no gaps after the first price. */
  size_t present_aapl = 0, gaps = 0;
  for (size_t j = 0; j < f->n_cols; j++) {
    int seen = 0;
    for (size_t i = 0; i < f->n_rows; i++) {
      double x = f->data[i + j * f->n_rows];
      if (!isnan(x)) seen = 1;
      else if (seen) gaps++;
      if (j == 1 && !isnan(x)) present_aapl++;
    }
  }
  CHECK_EQ_INT(present_aapl, 7126);
  CHECK_EQ_INT(gaps, 0);
  folio_frame_free(f);
}

/* What is not a regular file is refused by name at once: a FIFO without a
 * writer (opening it must not block; alarm turns a hang into a failure), a
 * folder, and a device that would read without end. */
static void test_not_regular(void) {
  folio_frame *f = NULL;
  folio_error e;
  char fifo[512], want[1100];
  unsigned prev = alarm(10);
  snprintf(fifo, sizeof fifo, "%s/prices.fifo", tmpdir);
  if (mkfifo(fifo, 0600) == 0) {
    snprintf(want, sizeof want, "%s: %s is not a regular file", fifo, fifo);
    CHECK_ERR(folio_csv_read_wide(fifo, &f, &e), e, FOLIO_EIO, want);
    CHECK(f == NULL);
    unlink(fifo);
  } else {
    CHECK_MSG(0, "mkfifo %s: %s", fifo, strerror(errno));
  }
  snprintf(want, sizeof want, "%s: %s is not a regular file", tmpdir, tmpdir);
  CHECK_ERR(folio_csv_read_wide(tmpdir, &f, &e), e, FOLIO_EIO, want);
  CHECK(f == NULL);
  struct stat sb;
  if (stat("/dev/zero", &sb) == 0) {
    CHECK_ERR(folio_csv_read_wide("/dev/zero", &f, &e), e, FOLIO_EIO,
              "/dev/zero: /dev/zero is not a regular file");
    CHECK(f == NULL);
  }
  alarm(prev);
}

/* folio_csv_quote: plain fields unchanged, the rest quoted as RFC 4180 says,
 * and every quoted field parsed back by the reader to the same bytes. */
static void test_quote(void) {
  static const struct { const char *in, *want; } cases[] = {
      {"AAPL", "AAPL"}, {"", ""}, {"1.5", "1.5"}, {"USD,JPY", "\"USD,JPY\""}, {"A\"B", "\"A\"\"B\""},
      {"two\nlines", "\"two\nlines\""}, {"cr\r", "\"cr\r\""}, {" lead", "\" lead\""}, {"trail\t", "\"trail\t\""},
      {"\"", "\"\"\"\""}, {"in side", "in side"}};
  char buf[64];
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    size_t need = folio_csv_quote(cases[i].in, strlen(cases[i].in), NULL, 0);
    CHECK_EQ_INT((int)need, (int)strlen(cases[i].want));
    size_t n = folio_csv_quote(cases[i].in, strlen(cases[i].in), buf, sizeof buf);
    CHECK_MSG(n == need && memcmp(buf, cases[i].want, n) == 0, "quote '%s' -> '%.*s'", cases[i].in, (int)n, buf);
    /* read back: the field as the header of a wide file names a symbol */
    if (!cases[i].in[0] || strchr(cases[i].in, '\n') || strchr(cases[i].in, '\r') || cases[i].in[0] == ' ' ||
        strchr(cases[i].in, '\t'))
      continue; /* symbols refuse blanks around and line breaks: nothing to read back */
    char text[160];
    int len = snprintf(text, sizeof text, "date,%.*s\n2024-01-02,1.5\n", (int)n, buf);
    folio_frame *f = NULL;
    folio_error err;
    CHECK_MSG(folio_csv_parse_wide(text, (size_t)len, "q.csv", &f, &err) == FOLIO_OK, "%s", err.message);
    CHECK(f && f->n_cols == 1 && strcmp(f->col_labels[0], cases[i].in) == 0);
    folio_frame_free(f);
  }
  /* a short buffer gets a prefix and the full length, like snprintf */
  size_t n = folio_csv_quote("USD,JPY", 7, buf, 3);
  CHECK(n == 9 && memcmp(buf, "\"US", 3) == 0);
  n = folio_csv_quote("AAPL", 4, buf, 2);
  CHECK(n == 4 && memcmp(buf, "AA", 2) == 0);
  /* NULL field: an empty field */
  CHECK(folio_csv_quote(NULL, 5, buf, sizeof buf) == 0);
  /* bytes past a NUL are part of the field */
  n = folio_csv_quote("a\0,b", 4, buf, sizeof buf);
  CHECK(n == 6 && memcmp(buf, "\"a\0,b\"", 6) == 0);
}

int main(void) {
  snprintf(tmpdir, sizeof tmpdir, "%s/folio_test_csv_XXXXXX",
           getenv("TMPDIR") && *getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
  if (!mkdtemp(tmpdir)) {
    fprintf(stderr, "mkdtemp failed: %s\n", strerror(errno));
    return 1;
  }
  test_basic();
  test_accepted_forms();
  test_locale();
  test_bad_cells();
  test_bad_rows();
  test_bad_dates();
  test_bad_headers();
  test_arguments();
  test_files();
  test_not_regular();
  test_quote();
  test_reference();
  rmdir(tmpdir);
  return tl_finish("test_csv");
}
