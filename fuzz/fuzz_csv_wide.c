/*
 * fuzz_csv_wide.c — libFuzzer harness of the wide CSV reader (csv.h: prices,
 * volumes, returns files): folio_csv_parse_wide on the input bytes, then the
 * frame it returns is walked (labels and every cell) so ASan sees any
 * out-of-bounds or uninitialised part of it. folio_csv_read_wide reads a
 * file and hands its bytes to the same parser.
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "folio/csv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  folio_frame *f = NULL;
  folio_error err;
  folio_status st = folio_csv_parse_wide((const char *)data, size, "fuzz.csv", &f, &err);
  if (st != FOLIO_OK) {
    if (f || err.message[0] == '\0') abort(); /* a failure names itself and writes nothing */
    return 0;
  }
  size_t sum = 0;
  for (size_t i = 0; i < f->n_rows; i++) sum += strlen(f->row_labels[i]);
  for (size_t j = 0; j < f->n_cols; j++) sum += strlen(f->col_labels[j]);
  for (size_t k = 0; k < f->n_rows * f->n_cols; k++)
    if (isinf(f->data[k])) abort(); /* cells are finite or NaN (empty) */
  (void)sum;
  folio_frame_free(f);
  return 0;
}
