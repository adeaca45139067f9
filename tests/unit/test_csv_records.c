/*
 * test_csv_records.c — csv_records.c: CSV files as text records (header,
 * rows, line numbers), RFC 4180 quoting through libcsv, line ends, blank
 * lines, a byte-order mark, and every refusal: an empty file, a ragged row,
 * a misplaced or unterminated quote, a NUL byte, an empty or duplicate
 * column name, NULL arguments, a missing file, a folder, a FIFO.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "folio/csv_records.h"
#include "testlib.h"

static folio_csv_records *parse(const char *text, size_t len) {
  folio_csv_records *r = NULL;
  folio_error e;
  folio_status st = folio_csv_parse_records(text, len, "p.csv", &r, &e);
  CHECK_MSG(st == FOLIO_OK, "unexpected error %d: %s", st, e.message);
  return r;
}

static void bad(const char *text, size_t len, folio_status want, const char *needle) {
  folio_csv_records *r = NULL;
  folio_error e;
  folio_status st = folio_csv_parse_records(text, len, "p.csv", &r, &e);
  CHECK_ERR(st, e, want, needle);
  CHECK(r == NULL);
}

static void test_records(void) {
  const char *t = "symbol,quantity,avg_price\r\n\"USD,JPY\",1,2\r\n\r\n\"A\"\"B\",3,\"4\"\r\n\"multi\nline\",5,6\n";
  folio_csv_records *r = parse(t, strlen(t));
  if (r) {
    CHECK_EQ_INT(r->n_cols, 3);
    CHECK_EQ_INT(r->n_rows, 3);
    CHECK(strcmp(r->header[0], "symbol") == 0 && strcmp(r->header[2], "avg_price") == 0);
    CHECK(strcmp(r->cells[0], "USD,JPY") == 0);
    CHECK(strcmp(r->cells[3], "A\"B") == 0); /* a doubled quote inside a quoted field */
    CHECK(strcmp(r->cells[5], "4") == 0);
    CHECK(strcmp(r->cells[6], "multi\nline") == 0);
    CHECK_EQ_INT(r->lines[0], 2);
    CHECK_EQ_INT(r->lines[1], 4); /* the blank line 3 is skipped */
    CHECK_EQ_INT(r->lines[2], 5);
  }
  folio_csv_records_free(r);
  /* a byte-order mark, CR line ends, a header alone, fields taken verbatim */
  const char *bom = "\xEF\xBB\xBF" "a,b\r x , y \r";
  r = parse(bom, strlen(bom));
  if (r) {
    CHECK(strcmp(r->header[0], "a") == 0);
    CHECK_EQ_INT(r->n_rows, 1);
    CHECK(strcmp(r->cells[0], " x ") == 0 && strcmp(r->cells[1], " y ") == 0);
  }
  folio_csv_records_free(r);
  r = parse("a,b\n", 4);
  if (r) CHECK_EQ_INT(r->n_rows, 0);
  folio_csv_records_free(r);
  folio_csv_records_free(NULL); /* a no-op */
}

static void test_refusals(void) {
  bad("", 0, FOLIO_EPARSE, "p.csv:1: empty file");
  bad("\n\n", 2, FOLIO_EPARSE, "empty file");
  bad("a,b\n1,2\n3\n", 10, FOLIO_EPARSE, "p.csv:3: ragged row: 1 fields, the header has 2");
  bad("a,b\n1,2,3\n", 10, FOLIO_EPARSE, "p.csv:2: ragged row: 3 fields");
  bad("a,b\n\"1\"x,2\n", 11, FOLIO_EPARSE, "p.csv:2: misplaced quote");
  bad("a,b\n\"1,2\n", 9, FOLIO_EPARSE, "unterminated quoted field");
  bad("a,b\n1,\"x\0y\"\n", 12, FOLIO_EPARSE, "a field holds a NUL byte");
  bad("a,,c\n", 5, FOLIO_EPARSE, "p.csv:1: empty column name");
  bad("a,b,a\n", 6, FOLIO_EDUP, "p.csv:1: column 'a' appears twice");
  folio_csv_records *r = NULL;
  folio_error e;
  CHECK(folio_csv_parse_records("a", 1, NULL, NULL, &e) == FOLIO_EINVAL);
  CHECK(folio_csv_parse_records(NULL, 3, NULL, &r, &e) == FOLIO_EINVAL && r == NULL);
  CHECK(folio_csv_parse_records("a\n", 2, NULL, &r, &e) == FOLIO_OK); /* "<memory>" names it */
  folio_csv_records_free(r);
  r = NULL;
  CHECK(folio_csv_read_records(NULL, &r, &e) == FOLIO_EINVAL);
}

static void test_files(void) {
  char dir[] = "/tmp/folio_recordsXXXXXX";
  if (!mkdtemp(dir)) {
    CHECK(0);
    return;
  }
  char path[256], fifo[256];
  snprintf(path, sizeof path, "%s/p.csv", dir);
  FILE *f = fopen(path, "wb");
  if (f) {
    fputs("symbol,quantity\nA,1\nB\n", f);
    fclose(f);
  }
  folio_csv_records *r = NULL;
  folio_error e;
  folio_status st = folio_csv_read_records(path, &r, &e);
  CHECK_ERR(st, e, FOLIO_EPARSE, ":3: ragged row");
  CHECK(strstr(e.message, path) == e.message);
  f = fopen(path, "wb");
  if (f) {
    fputs("symbol,quantity\nA,1\n", f);
    fclose(f);
  }
  CHECK(folio_csv_read_records(path, &r, &e) == FOLIO_OK && r && r->n_rows == 1);
  folio_csv_records_free(r);
  r = NULL;
  char missing[300];
  snprintf(missing, sizeof missing, "%s/none.csv", dir);
  st = folio_csv_read_records(missing, &r, &e);
  CHECK_ERR(st, e, FOLIO_EIO, "none.csv");
  st = folio_csv_read_records(dir, &r, &e); /* a folder */
  CHECK(st != FOLIO_OK && r == NULL);
  snprintf(fifo, sizeof fifo, "%s/fifo", dir);
  if (mkfifo(fifo, 0600) == 0) { /* refused without blocking */
    st = folio_csv_read_records(fifo, &r, &e);
    CHECK(st != FOLIO_OK && r == NULL);
    unlink(fifo);
  }
  unlink(path);
  rmdir(dir);
}

int main(void) {
  test_records();
  test_refusals();
  test_files();
  return tl_finish("test_csv_records");
}
