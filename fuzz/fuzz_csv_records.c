/*
 * fuzz_csv_records.c — libFuzzer harness of the CSV records reader
 * (csv_records.h: positions and orders files): folio_csv_parse_records on the
 * input bytes, then every header name, cell and line number of the result is
 * read, and each cell is quoted back with folio_csv_quote (the writer of
 * orders files) into a buffer of exactly the size it asked for; a non-empty
 * cell so written under a one-column header must read back as itself.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "folio/csv.h"
#include "folio/csv_records.h"

static void quote(const char *field) {
  size_t len = strlen(field);
  size_t need = folio_csv_quote(field, len, NULL, 0);
  char *out = malloc(need + 4);
  if (!out) return;
  memcpy(out, "h\n", 2);
  if (folio_csv_quote(field, len, out + 2, need) != need) abort();
  out[2 + need] = '\n';
  if (len > 0) { /* the writer's field reads back as itself */
    folio_csv_records *back = NULL;
    folio_error err;
    if (folio_csv_parse_records(out, need + 3, "quoted.csv", &back, &err) != FOLIO_OK) abort();
    if (back->n_rows != 1 || back->n_cols != 1 || strcmp(back->cells[0], field) != 0) abort();
    folio_csv_records_free(back);
  }
  free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  folio_csv_records *r = NULL;
  folio_error err;
  folio_status st = folio_csv_parse_records((const char *)data, size, "fuzz.csv", &r, &err);
  if (st != FOLIO_OK) {
    if (r || err.message[0] == '\0') abort();
    return 0;
  }
  for (size_t j = 0; j < r->n_cols; j++) quote(r->header[j]);
  size_t prev = 0;
  for (size_t i = 0; i < r->n_rows; i++) {
    if (r->lines[i] <= prev) abort(); /* rows start on increasing lines */
    prev = r->lines[i];
    for (size_t j = 0; j < r->n_cols; j++) quote(r->cells[i * r->n_cols + j]);
  }
  folio_csv_records_free(r);
  return 0;
}
