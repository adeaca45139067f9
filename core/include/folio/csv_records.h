/*
 * csv_records.h — CSV files read as records of text fields: a header of
 * column names, then rows (positions files, orders files), for the files
 * whose columns are not a date and one number per symbol (those are csv.h's
 * wide files).
 */
#ifndef FOLIO_CSV_RECORDS_H
#define FOLIO_CSV_RECORDS_H

#include <stddef.h>

#include "folio/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * A CSV file read as records of text: a header row of column names (non-empty,
 * distinct), then rows with exactly as many fields (RFC 4180 quoting through
 * libcsv; fields verbatim, nothing trimmed; blank lines skipped; LF, CRLF or
 * CR line ends; a leading UTF-8 byte-order mark ignored). For files whose
 * columns are not a date and one number per symbol (positions, orders).
 * Owns its memory; free with folio_csv_records_free.
 */
/* Largest file folio_csv_read_records accepts (bytes). */
#define FOLIO_CSV_RECORDS_MAX_BYTES ((size_t)1 << 30)

typedef struct folio_csv_records {
  size_t n_cols;  /* header fields */
  size_t n_rows;  /* data rows */
  char **header;  /* n_cols names */
  char **cells;   /* n_rows * n_cols fields, row-major */
  size_t *lines;  /* the physical line (1-based) where each row starts */
} folio_csv_records;

/* Parses len bytes (need not be NUL-terminated); `name` stands for the file
 * in messages ("name:line: what"). On success *out is new records.
 * Errors: FOLIO_EPARSE (empty file, ragged row, misplaced quote, unterminated
 * quoted field, a NUL byte in a field, an empty column name), FOLIO_EDUP (a
 * column named twice), FOLIO_EDIM (larger than FOLIO_CSV_RECORDS_MAX_BYTES, more than
 * FOLIO_MAX_DIM rows), FOLIO_EINVAL (NULL), FOLIO_ENOMEM. */
FOLIO_API folio_status folio_csv_parse_records(const char *text, size_t len, const char *name,
                                               folio_csv_records **out, folio_error *err);

/* Reads `path` (a regular file, at most FOLIO_CSV_RECORDS_MAX_BYTES) and parses it as
 * folio_csv_parse_records. Extra errors: FOLIO_EIO (cannot open or read,
 * naming the path and the reason). */
FOLIO_API folio_status folio_csv_read_records(const char *path, folio_csv_records **out,
                                              folio_error *err);

/* Frees records; NULL is a no-op. */
FOLIO_API void folio_csv_records_free(folio_csv_records *r);

#ifdef __cplusplus
}
#endif
#endif
