/*
 * csv.h — reading wide CSV files (first column dates, one column per symbol).
 *
 * Parsing is done by libcsv (RFC 4180 quoting); this layer adds the domain
 * rules: a header `date,SYM1,SYM2,...` (the first cell may hold any title)
 * with distinct non-empty symbols, taken verbatim (nothing is trimmed), ISO
 * dates (YYYY-MM-DD, optionally followed by 'T' or ' ' and HH:MM[:SS]; real
 * calendar dates) that are strictly increasing as times, plain decimal numbers
 * ([+-]digits[.digits][e[+-]digits], read locale-independently; no hex, no
 * surrounding spaces), empty cells as missing (NaN). Literal "NaN"/"Inf" text
 * and ragged rows are errors. Line ends may be LF, CRLF or CR; blank lines
 * are skipped and a leading UTF-8 byte-order mark is ignored.
 * Every error message is "path:line:column: what", with the physical line
 * (1-based, counting line breaks inside quoted fields) and the 1-based field
 * number.
 */
#ifndef FOLIO_CSV_H
#define FOLIO_CSV_H

#include <stddef.h>

#include "folio/panel.h"
#include "folio/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A table read from a file. Owns its memory; free with folio_frame_free. */
typedef struct folio_frame {
  size_t n_rows;     /* data rows (dates) */
  size_t n_cols;     /* symbols */
  double *data;      /* column-major, ld = n_rows; NaN = empty cell */
  char **row_labels; /* n_rows date strings as written in the file */
  char **col_labels; /* n_cols symbols */
} folio_frame;

/* Largest file folio_csv_read_wide accepts (bytes). */
#define FOLIO_CSV_MAX_BYTES ((size_t)1 << 30)

/*
 * Reads `path`. On success *out is a new frame (free with folio_frame_free).
 * Errors: FOLIO_EIO (cannot open/read; names path and the OS reason),
 * FOLIO_EPARSE (path:line:column and what was wrong: ragged row, non-numeric
 * cell, literal NaN/Inf, bad or non-increasing date, empty file, no symbol
 * column), FOLIO_EDUP (duplicate symbol, path:1:column), FOLIO_EINVAL
 * (empty symbol, or one with leading/trailing whitespace or a control
 * character; NULL path or out), FOLIO_EDIM (larger than FOLIO_CSV_MAX_BYTES,
 * or more rows/columns/values than FOLIO_MAX_DIM/FOLIO_MAX_ELEMS), FOLIO_ENOMEM.
 * *out is only written on success.
 */
FOLIO_API folio_status folio_csv_read_wide(const char *path, folio_frame **out, folio_error *err);

/* Same from a memory buffer of len bytes (need not be NUL-terminated);
 * `name` stands for the path in messages ("<memory>" when NULL). */
FOLIO_API folio_status folio_csv_parse_wide(const char *text, size_t len, const char *name,
                                            folio_frame **out, folio_error *err);

/* A panel viewing the frame (borrowed: valid while the frame lives). */
FOLIO_API folio_panel folio_frame_panel(const folio_frame *f);

/*
 * One field of a CSV record as RFC 4180 wants it: the text unchanged when it
 * holds no comma, quote, CR or LF and no leading or trailing blank; else
 * quoted by libcsv (surrounding quotes, inner quotes doubled), so every
 * reader gets the same field back. Writes at most out_size bytes into out
 * (out may be NULL when out_size is 0) and returns the length of the whole
 * field, as snprintf does: call with 0 first to size the buffer. No NUL is
 * written. field may hold any bytes, NUL included (len counts them).
 */
FOLIO_API size_t folio_csv_quote(const char *field, size_t len, char *out, size_t out_size);

/*
 * Writes weights as CSV: `symbol,weight`, then one line per symbol sorted
 * bytewise, each weight as "%.17g" (it reads back bit for bit), fields quoted
 * as folio_csv_quote does; the whole text is written atomically (a temporary
 * file beside path, fsync, rename, fsync of the folder). Errors:
 * FOLIO_ENOTFINITE (a NaN or infinite weight, naming the symbol), FOLIO_EDUP
 * (a symbol given twice), FOLIO_EINVAL (empty path or symbol, NULL arrays),
 * FOLIO_EIO (the file cannot be written, naming path), FOLIO_EDIM, FOLIO_ENOMEM.
 */
FOLIO_API folio_status folio_csv_write_weights(const char *path, const char *const *symbols, const double *weights,
                                               size_t n, folio_error *err);

/*
 * Writes a labelled panel as CSV in its row and column order: a header whose
 * first cell is "date" when every row label is an ISO date (so
 * folio_csv_read_wide reads it back) and "label" otherwise, then the column
 * labels; one line per row, its label then its values ("%.17g"; a missing
 * value, NaN, an empty cell). Atomic as folio_csv_write_weights. Errors:
 * FOLIO_ENOTFINITE (an infinite value, naming its row and column),
 * FOLIO_EINVAL (empty path; a panel without data or labels), FOLIO_EIO,
 * FOLIO_EDIM, FOLIO_ENOMEM.
 */
FOLIO_API folio_status folio_csv_write_panel(const char *path, const folio_panel *p, folio_error *err);

/* Frees a frame; NULL is a no-op. */
FOLIO_API void folio_frame_free(folio_frame *f);

/* Checks that s is an ISO date/time as accepted above (YYYY-MM-DD, optionally
 * 'T' or ' ' and HH:MM[:SS]; a real calendar date and time of day).
 * Errors: FOLIO_EPARSE naming the text and whether its form or its value is
 * wrong, FOLIO_EINVAL (NULL). */
FOLIO_API folio_status folio_parse_iso_date(const char *s, folio_error *err);

#ifdef __cplusplus
}
#endif
#endif
