/*
 * csv_records.c — reading CSV files as records of text fields: a header of
 * column names, then rows (csv_records.h). libcsv
 * does the RFC 4180 parsing; this layer keeps the physical line of every row
 * for messages, refuses ragged rows and duplicate or empty column names,
 * skips blank lines and ignores a leading UTF-8 byte-order mark.
 */
#include <csv.h>
#include <stdlib.h>
#include <string.h>

#include "folio/csv_records.h"
#include "internal.h"
#include "plumbing.h"

typedef struct rec_reader {
  const char *name;
  folio_error *err;
  folio_status st;
  folio_csv_records *out;
  size_t cap_rows;
  char **fields; /* the row being read */
  size_t n_fields, cap_fields;
  size_t line;     /* physical line being read (1-based) */
  size_t row_line; /* where the current row started */
  int pending_cr;
} rec_reader;

static void rec_fail(rec_reader *r, folio_status st, size_t line, const char *fmt, const char *arg) {
  if (r->st != FOLIO_OK) return;
  r->st = st;
  char what[256];
  snprintf(what, sizeof what, fmt, arg ? arg : "");
  folio_error_set(r->err, st, "%s:%zu: %s", r->name, line, what);
}

static void rec_on_field(void *data, size_t len, void *ctx) {
  rec_reader *r = ctx;
  if (r->st != FOLIO_OK) return;
  r->pending_cr = 0;
  if (r->n_fields == 0) r->row_line = r->line;
  if (r->n_fields == r->cap_fields) {
    size_t cap = r->cap_fields ? r->cap_fields * 2 : 8;
    char **f = realloc(r->fields, cap * sizeof *f);
    if (!f) { rec_fail(r, FOLIO_ENOMEM, r->line, "out of memory", NULL); return; }
    r->fields = f;
    r->cap_fields = cap;
  }
  char *s = malloc(len + 1);
  if (!s) { rec_fail(r, FOLIO_ENOMEM, r->line, "out of memory", NULL); return; }
  if (len) memcpy(s, data, len);
  s[len] = '\0';
  if (strlen(s) != len) {
    free(s);
    { rec_fail(r, FOLIO_EPARSE, r->line, "a field holds a NUL byte", NULL); return; }
  }
  r->fields[r->n_fields++] = s;
  for (size_t i = 0; i < len; i++) /* line breaks inside quoted fields */
    if (s[i] == '\n' || (s[i] == '\r' && (i + 1 == len || s[i + 1] != '\n'))) r->line++;
}

static void drop_fields(rec_reader *r) {
  for (size_t i = 0; i < r->n_fields; i++) free(r->fields[i]);
  r->n_fields = 0;
}

static void rec_on_row(int c, void *ctx) {
  rec_reader *r = ctx;
  if (r->st != FOLIO_OK) return;
  if (c == '\n' && r->n_fields == 0 && r->pending_cr) { /* the LF of a CRLF */
    r->pending_cr = 0;
    return;
  }
  r->pending_cr = c == '\r';
  size_t row_line = r->n_fields ? r->row_line : r->line;
  if (c == '\r' || c == '\n') r->line++;
  if (r->n_fields == 0) return; /* a blank line */
  folio_csv_records *o = r->out;
  if (!o->header) {
    for (size_t i = 0; i < r->n_fields; i++) {
      if (!r->fields[i][0]) { rec_fail(r, FOLIO_EPARSE, row_line, "empty column name in the header", NULL); return; }
      for (size_t j = 0; j < i; j++)
        if (strcmp(r->fields[i], r->fields[j]) == 0)
          { rec_fail(r, FOLIO_EDUP, row_line, "column '%s' appears twice in the header", r->fields[i]); return; }
    }
    o->header = r->fields;
    o->n_cols = r->n_fields;
    r->fields = NULL;
    r->n_fields = r->cap_fields = 0;
    return;
  }
  if (r->n_fields != o->n_cols) {
    char what[64];
    snprintf(what, sizeof what, "%zu fields, the header has %zu", r->n_fields, o->n_cols);
    drop_fields(r);
    { rec_fail(r, FOLIO_EPARSE, row_line, "ragged row: %s", what); return; }
  }
  if (o->n_rows == r->cap_rows) {
    size_t cap = r->cap_rows ? r->cap_rows * 2 : 64;
    if (cap > FOLIO_MAX_DIM) cap = FOLIO_MAX_DIM;
    if (o->n_rows >= cap) { rec_fail(r, FOLIO_EDIM, row_line, "too many rows", NULL); return; }
    char **cells = realloc(o->cells, cap * o->n_cols * sizeof *cells);
    if (!cells) { rec_fail(r, FOLIO_ENOMEM, row_line, "out of memory", NULL); return; }
    o->cells = cells;
    size_t *lines = realloc(o->lines, cap * sizeof *lines);
    if (!lines) { rec_fail(r, FOLIO_ENOMEM, row_line, "out of memory", NULL); return; }
    o->lines = lines;
    r->cap_rows = cap;
  }
  memcpy(o->cells + o->n_rows * o->n_cols, r->fields, o->n_cols * sizeof *r->fields);
  o->lines[o->n_rows++] = row_line;
  r->n_fields = 0; /* the cells own the strings now */
}

static int rec_never_space(unsigned char c) {
  (void)c;
  return 0; /* fields are taken verbatim */
}

folio_status folio_csv_parse_records(const char *text, size_t len, const char *name,
                                     folio_csv_records **out, folio_error *err) {
  folio_error_clear(err);
  if (!name) name = "<memory>";
  if (!out || (!text && len)) return folio_error_set(err, FOLIO_EINVAL, "%s: NULL argument", name);
  if (len > FOLIO_CSV_RECORDS_MAX_BYTES)
    return folio_error_set(err, FOLIO_EDIM, "%s: larger than %zu bytes", name, (size_t)FOLIO_CSV_RECORDS_MAX_BYTES);
  rec_reader r = {0};
  r.name = name;
  r.err = err;
  r.line = 1;
  r.out = calloc(1, sizeof *r.out);
  struct csv_parser p;
  if (!r.out || csv_init(&p, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL | CSV_REPALL_NL) != 0) {
    free(r.out);
    return folio_error_set(err, FOLIO_ENOMEM, "%s: out of memory", name);
  }
  csv_set_space_func(&p, rec_never_space);
  if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0) text += 3, len -= 3;
  size_t done = len ? csv_parse(&p, text, len, rec_on_field, rec_on_row, &r) : 0;
  if (r.st == FOLIO_OK && done < len)
    rec_fail(&r, csv_error(&p) == CSV_EPARSE ? FOLIO_EPARSE : FOLIO_ENOMEM, r.line,
             csv_error(&p) == CSV_EPARSE ? "misplaced quote (a quote inside an unquoted field, or "
                                           "text after a closing quote)"
                                         : "out of memory",
             NULL);
  if (r.st == FOLIO_OK && csv_fini(&p, rec_on_field, rec_on_row, &r) != 0)
    rec_fail(&r, FOLIO_EPARSE, r.line, "unterminated quoted field", NULL);
  csv_free(&p);
  if (r.st == FOLIO_OK && !r.out->header)
    rec_fail(&r, FOLIO_EPARSE, 1, "empty file (expected a header row)", NULL);
  drop_fields(&r);
  free(r.fields);
  if (r.st != FOLIO_OK) {
    folio_csv_records_free(r.out);
    return r.st;
  }
  *out = r.out;
  return FOLIO_OK;
}

folio_status folio_csv_read_records(const char *path, folio_csv_records **out, folio_error *err) {
  folio_error_clear(err);
  if (!path || !out) return folio_error_set(err, FOLIO_EINVAL, "read_records: NULL argument");
  char *text = NULL;
  size_t len = 0;
  folio_status st = folio_i_read_file("read_records", path, FOLIO_CSV_RECORDS_MAX_BYTES, &text, &len, err);
  if (st != FOLIO_OK) return st;
  st = folio_csv_parse_records(text, len, path, out, err);
  free(text);
  return st;
}

void folio_csv_records_free(folio_csv_records *r) {
  if (!r) return;
  for (size_t i = 0; i < r->n_cols; i++) free(r->header[i]);
  free(r->header);
  for (size_t i = 0; i < r->n_rows * r->n_cols; i++) free(r->cells[i]);
  free(r->cells);
  free(r->lines);
  free(r);
}
