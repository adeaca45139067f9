/*
 * test_csv_write.c — folio_csv_write_weights and folio_csv_write_panel:
 * weights sorted by symbol, a panel in its order with its labels, "date" or
 * "label" in the corner, quoting, every double (NaN as an empty cell, -0,
 * subnormals, the largest) read back bit for bit through folio_csv_read_wide,
 * and each refusal with its message. Files go into a private mkdtemp folder.
 */
#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "folio/csv.h"
#include "testlib.h"

static char tmpdir[256];

static const char *path_of(const char *name) {
  static char path[512];
  snprintf(path, sizeof path, "%s/%s", tmpdir, name);
  return path;
}

/* The whole file at path (static buffer). */
static const char *slurp(const char *path) {
  static char buf[8192];
  FILE *f = fopen(path, "rb");
  size_t n = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
  if (f) fclose(f);
  buf[n] = '\0';
  return buf;
}

static void test_weights(void) {
  folio_error e;
  const char *syms[] = {"MSFT", "AAPL", "B,C", "ZZ"};
  double w[] = {0.25, 0.5, -0.125, 0.1};
  CHECK(folio_csv_write_weights(path_of("w.csv"), syms, w, 4, &e) == FOLIO_OK);
  CHECK(strcmp(slurp(path_of("w.csv")), "symbol,weight\nAAPL,0.5\n\"B,C\",-0.125\nMSFT,0.25\nZZ,0.10000000000000001\n") == 0);
  CHECK(folio_csv_write_weights(path_of("empty.csv"), NULL, NULL, 0, &e) == FOLIO_OK);
  CHECK(strcmp(slurp(path_of("empty.csv")), "symbol,weight\n") == 0);
  double bad[] = {0.5, NAN};
  const char *two[] = {"A", "B"};
  CHECK_ERR(folio_csv_write_weights(path_of("x.csv"), two, bad, 2, &e), e, FOLIO_ENOTFINITE, "the weight of B is NaN");
  bad[1] = INFINITY;
  CHECK_ERR(folio_csv_write_weights(path_of("x.csv"), two, bad, 2, &e), e, FOLIO_ENOTFINITE, "the weight of B is infinite");
  const char *dup[] = {"A", "A"};
  double ok2[] = {0.5, 0.5};
  CHECK_ERR(folio_csv_write_weights(path_of("x.csv"), dup, ok2, 2, &e), e, FOLIO_EDUP, "symbol A is given twice");
  const char *blank[] = {"A", ""};
  CHECK_ERR(folio_csv_write_weights(path_of("x.csv"), blank, ok2, 2, &e), e, FOLIO_EINVAL, "symbol 2 is empty");
  CHECK_ERR(folio_csv_write_weights("", two, ok2, 2, &e), e, FOLIO_EINVAL, "path is empty");
  CHECK_ERR(folio_csv_write_weights(path_of("x.csv"), NULL, ok2, 2, &e), e, FOLIO_EINVAL, "NULL");
  CHECK(access(path_of("x.csv"), F_OK) != 0); /* nothing written by a refused call */
  CHECK_ERR(folio_csv_write_weights(path_of("no/such/dir/w.csv"), two, ok2, 2, &e), e, FOLIO_EIO, "no/such/dir");
}

static void test_panel(void) {
  folio_error e;
  /* column-major 3 x 2 with a missing value, -0, a subnormal, the largest double */
  double data[] = {1.5, NAN, -0.0, DBL_TRUE_MIN, DBL_MAX, 1.0 / 3.0};
  const char *rows[] = {"2024-01-02", "2024-01-03", "2024-01-04"};
  const char *cols[] = {"A", "B \"q\""};
  folio_panel p = {data, 3, 2, 3, rows, cols};
  CHECK(folio_csv_write_panel(path_of("p.csv"), &p, &e) == FOLIO_OK);
  folio_frame *f = NULL;
  CHECK(folio_csv_read_wide(path_of("p.csv"), &f, &e) == FOLIO_OK);
  if (f) {
    folio_panel q = folio_frame_panel(f);
    CHECK(q.n_rows == 3 && q.n_cols == 2);
    for (size_t j = 0; j < 2; j++)
      for (size_t i = 0; i < 3; i++) {
        double a = data[i + j * 3], b = q.data[i + j * q.ld];
        CHECK((isnan(a) && isnan(b)) || memcmp(&a, &b, sizeof a) == 0); /* bit for bit, -0 included */
      }
    CHECK(strcmp(q.col_labels[1], "B \"q\"") == 0);
  }
  folio_frame_free(f);
  /* rows that are not dates: "label" in the corner */
  const char *names[] = {"A", "B", "C"};
  folio_panel c = {data, 3, 2, 3, names, cols};
  CHECK(folio_csv_write_panel(path_of("c.csv"), &c, &e) == FOLIO_OK);
  CHECK(strncmp(slurp(path_of("c.csv")), "label,A,\"B \"\"q\"\"\"\n", 18) == 0);
  data[4] = -INFINITY;
  CHECK_ERR(folio_csv_write_panel(path_of("i.csv"), &p, &e), e, FOLIO_ENOTFINITE, "[2][2] (row '2024-01-03', column 'B \"q\"') is infinite");
  folio_panel nolabels = {data, 3, 2, 3, NULL, cols};
  CHECK_ERR(folio_csv_write_panel(path_of("i.csv"), &nolabels, &e), e, FOLIO_EINVAL, "labels");
  CHECK_ERR(folio_csv_write_panel(path_of("i.csv"), NULL, &e), e, FOLIO_EINVAL, "NULL");
  CHECK_ERR(folio_csv_write_panel(NULL, &p, &e), e, FOLIO_EINVAL, "path is empty");
  CHECK(access(path_of("i.csv"), F_OK) != 0);
}

int main(void) {
  snprintf(tmpdir, sizeof tmpdir, "%s/folio-csv-write-XXXXXX",
           getenv("TMPDIR") && *getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
  if (!mkdtemp(tmpdir)) {
    fprintf(stderr, "mkdtemp failed: %s\n", strerror(errno));
    return 1;
  }
  test_weights();
  test_panel();
  const char *files[] = {"w.csv", "empty.csv", "p.csv", "c.csv"};
  for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) remove(path_of(files[i]));
  rmdir(tmpdir);
  return tl_finish("test_csv_write");
}
