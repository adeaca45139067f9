/*
 * csv.c — reading wide CSV files into a folio_frame (see csv.h).
 *
 * libcsv does the RFC 4180 tokenising (quotes, doubled quotes, embedded
 * newlines); this file owns everything above it: the header and its
 * symbols, ISO dates and their order, locale-independent numbers, empty
 * cells as NaN, ragged rows, and the physical line and column that every
 * message names. libcsv reports fields and row ends through callbacks, so the
 * whole reading state lives in one context struct handed to them; a callback
 * that finds an error records it there and every later callback is a no-op.
 *
 * Values are collected row-major (one row of n_cols doubles per data line,
 * grown geometrically) and transposed once at the end into the column-major
 * frame, so no cell costs an allocation; only labels are allocated one by one.
 */
#include <csv.h>
#include <errno.h>
#include <locale.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "folio/csv.h"
#include "internal.h"
#include "plumbing.h"
#include "text_input.h"
#include "time_rules.h"

/* Bytes handed to libcsv per call: the parse stops within one chunk of an error. */
#define CHUNK_BYTES ((size_t)1 << 16)

/* Longest excerpt of a cell quoted in a message. */
#define EXCERPT "%.40s"

/* ---- ISO dates ----------------------------------------------------------- */

enum { DATE_OK = 0, DATE_BAD_FORMAT = 1, DATE_BAD_VALUE = 2 };

static int is_digit(char c) { return c >= '0' && c <= '9'; }

/* Value of n decimal digits at s, or -1 when one of them is not a digit. */
static int digits(const char *s, int n) {
  int v = 0;
  for (int i = 0; i < n; i++) {
    if (!is_digit(s[i])) return -1;
    v = v * 10 + (s[i] - '0');
  }
  return v;
}

/* Parses "YYYY-MM-DD", "YYYY-MM-DD[T ]HH:MM" or "YYYY-MM-DD[T ]HH:MM:SS" (exactly
 * n bytes) into a key that orders like time itself, whatever mix of the
 * three forms a file uses. */
static int parse_date(const char *s, size_t n, int64_t *key) {
  if (n != 10 && n != 16 && n != 19) return DATE_BAD_FORMAT;
  if (s[4] != '-' || s[7] != '-') return DATE_BAD_FORMAT;
  int year = digits(s, 4), month = digits(s + 5, 2), day = digits(s + 8, 2);
  if (year < 0 || month < 0 || day < 0) return DATE_BAD_FORMAT;
  int hour = 0, minute = 0, second = 0;
  if (n > 10) {
    if ((s[10] != 'T' && s[10] != ' ') || s[13] != ':') return DATE_BAD_FORMAT;
    hour = digits(s + 11, 2);
    minute = digits(s + 14, 2);
    if (hour < 0 || minute < 0) return DATE_BAD_FORMAT;
    if (n == 19) {
      if (s[16] != ':') return DATE_BAD_FORMAT;
      second = digits(s + 17, 2);
      if (second < 0) return DATE_BAD_FORMAT;
    }
  }
  if (year < 1 || month < 1 || month > 12 || day < 1 || day > folio_i_days_in_month(year, month) ||
      hour > 23 || minute > 59 || second > 59)
    return DATE_BAD_VALUE;
  *key = ((((((int64_t)year * 13 + month) * 32 + day) * 24 + hour) * 60 + minute) * 60) + second;
  return DATE_OK;
}

folio_status folio_parse_iso_date(const char *s, folio_error *err) {
  folio_error_clear(err);
  if (!s) return folio_error_set(err, FOLIO_EINVAL, "parse_iso_date: text is NULL");
  int64_t key;
  int r = parse_date(s, strlen(s), &key);
  if (r == DATE_OK) return FOLIO_OK;
  return folio_error_set(err, FOLIO_EPARSE, "parse_iso_date: '" EXCERPT "' is %s", s,
                         r == DATE_BAD_FORMAT ? "not YYYY-MM-DD[(T| )HH:MM[:SS]]"
                                              : "not a real date and time");
}

/* ---- numbers ------------------------------------------------------------- */

/* Case-insensitive equality of s[0..n) with the lowercase word w. */
static int word_is(const char *s, size_t n, const char *w) {
  size_t k = strlen(w);
  if (n != k) return 0;
  for (size_t i = 0; i < n; i++) {
    char c = s[i];
    if (c >= 'A' && c <= 'Z') c = (char)(c - 'A' + 'a');
    if (c != w[i]) return 0;
  }
  return 1;
}

/* 1 for "nan", "inf", "infinity" or "nan(...)" in any case, with an optional
 * sign: the spellings strtod would accept as non-finite values. 'n' or 'i'
 * is stored in *which. */
static int is_literal_nonfinite(const char *s, size_t n, char *which) {
  if (n && (s[0] == '+' || s[0] == '-')) s++, n--;
  if (word_is(s, n, "nan") || (n > 4 && word_is(s, 4, "nan(") && s[n - 1] == ')')) {
    *which = 'n';
    return 1;
  }
  if (word_is(s, n, "inf") || word_is(s, n, "infinity")) {
    *which = 'i';
    return 1;
  }
  return 0;
}

/* Plain decimal syntax: [+-] digits [. digits] [(e|E) [+-] digits], at least
 * one mantissa digit. Checked before strtod so that hex floats, whitespace and
 * the non-finite spellings strtod also accepts never become data. */
static int is_decimal(const char *s, size_t n) {
  size_t i = 0, mant = 0;
  if (i < n && (s[i] == '+' || s[i] == '-')) i++;
  while (i < n && is_digit(s[i])) i++, mant++;
  if (i < n && s[i] == '.') {
    i++;
    while (i < n && is_digit(s[i])) i++, mant++;
  }
  if (!mant) return 0;
  if (i < n && (s[i] == 'e' || s[i] == 'E')) {
    i++;
    if (i < n && (s[i] == '+' || s[i] == '-')) i++;
    size_t exp = 0;
    while (i < n && is_digit(s[i])) i++, exp++;
    if (!exp) return 0;
  }
  return i == n;
}

static int is_space(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

static int has_outer_space(const char *s, size_t n) {
  return n && (is_space(s[0]) || is_space(s[n - 1]));
}

/* ---- the reading context ------------------------------------------------- */

typedef struct reader {
  const char *name;  /* path or stand-in name for messages */
  folio_error *err;
  folio_status st;   /* first failure; FOLIO_OK while all is well */

  size_t line;       /* physical line (1-based) of the next byte libcsv reports on */
  int pending_cr;    /* the last row ended with '\r': a following '\n' is its pair */
  size_t field;      /* fields seen so far in the current row */
  size_t row_line;   /* line on which the current row began */

  int have_header;
  size_t n_cols;     /* symbols; fields per row = n_cols + 1 */
  char **col_labels;
  size_t col_cap;

  size_t n_rows;     /* complete data rows */
  size_t row_cap;
  char **row_labels;
  double *values;    /* row-major, values_cap * n_cols */
  size_t values_cap;
  char *pending_date; /* label of the row being read, until it is complete */
  int64_t last_key;
} reader;

#if defined(__GNUC__)
__attribute__((format(printf, 5, 6)))
#endif
static void fail_at(reader *r, folio_status st, size_t line, size_t column, const char *fmt, ...) {
  if (r->st != FOLIO_OK) return;
  r->st = st;
  if (!r->err) return;
  char what[FOLIO_ERROR_MAX];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(what, sizeof what, fmt, ap);
  va_end(ap);
  folio_error_set(r->err, st, "%s:%zu:%zu: %s", r->name, line, column, what);
}

static void oom(reader *r) { fail_at(r, FOLIO_ENOMEM, r->line, r->field + 1, "out of memory"); }

static char *copy_text(const char *s, size_t n) {
  char *c = malloc(n + 1);
  if (c) {
    memcpy(c, s, n);
    c[n] = '\0';
  }
  return c;
}

/* Grows *arr (elements of `elem` bytes, capacity *cap) to hold at least `need`. */
static int grow(void **arr, size_t *cap, size_t need, size_t elem) {
  if (need <= *cap) return 0;
  size_t c = *cap ? *cap : 16;
  while (c < need) {
    if (c > SIZE_MAX / 2) return -1;
    c *= 2;
  }
  size_t bytes;
  if (folio_i_mul(c, elem, &bytes)) return -1;
  void *p = realloc(*arr, bytes);
  if (!p) return -1;
  *arr = p;
  *cap = c;
  return 0;
}

/* Line breaks inside a quoted field: "\r\n", "\r" and "\n" each count once. */
static size_t count_breaks(const char *s, size_t n, int *prev_cr) {
  size_t lines = 0;
  for (size_t i = 0; i < n; i++) {
    if (s[i] == '\r')
      lines++;
    else if (s[i] == '\n' && !*prev_cr)
      lines++;
    *prev_cr = s[i] == '\r';
  }
  return lines;
}

/* ---- header and cells ---------------------------------------------------- */

static void header_field(reader *r, const char *s, size_t n) {
  size_t column = r->field + 1;
  if (r->field == 0) return; /* the date column's title is free */
  if (r->field > FOLIO_MAX_DIM) {
    fail_at(r, FOLIO_EDIM, r->line, column, "more than %zu symbol columns", (size_t)FOLIO_MAX_DIM);
    return;
  }
  if (n == 0) {
    fail_at(r, FOLIO_EINVAL, r->line, column, "empty symbol in header");
    return;
  }
  if (has_outer_space(s, n)) {
    fail_at(r, FOLIO_EINVAL, r->line, column,
            "symbol '" EXCERPT "' has leading or trailing whitespace", s);
    return;
  }
  for (size_t i = 0; i < n; i++) {
    if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f) {
      fail_at(r, FOLIO_EINVAL, r->line, column, "symbol '" EXCERPT "' contains a control character",
              s);
      return;
    }
  }
  if (grow((void **)&r->col_labels, &r->col_cap, r->field, sizeof *r->col_labels)) {
    oom(r);
    return;
  }
  char *label = copy_text(s, n);
  if (!label) {
    oom(r);
    return;
  }
  r->col_labels[r->n_cols++] = label;
}

/* Duplicate symbols, found by sorting (n log n: a header may be wide). The
 * message names the leftmost column that repeats an earlier one. */
static void check_duplicates(reader *r) {
  folio_i_sym *refs = malloc(r->n_cols * sizeof *refs); /* symbol, 0-based column */
  if (!refs) {
    oom(r);
    return;
  }
  for (size_t j = 0; j < r->n_cols; j++) refs[j] = (folio_i_sym){r->col_labels[j], j};
  qsort(refs, r->n_cols, sizeof *refs, folio_i_cmp_sym);
  size_t dup = SIZE_MAX, first = 0;
  for (size_t k = 1; k < r->n_cols; k++) {
    if (strcmp(refs[k].s, refs[k - 1].s) == 0 && refs[k].i < dup) {
      size_t run = k - 1; /* the run's first (leftmost) member */
      while (run > 0 && strcmp(refs[run - 1].s, refs[k].s) == 0) run--;
      dup = refs[k].i;
      first = refs[run].i;
    }
  }
  free(refs);
  if (dup != SIZE_MAX)
    fail_at(r, FOLIO_EDUP, r->row_line, dup + 2, "duplicate symbol '" EXCERPT "' (also column %zu)",
            r->col_labels[dup], first + 2);
}

static void date_field(reader *r, const char *s, size_t n) {
  if (r->n_rows >= FOLIO_MAX_DIM) {
    fail_at(r, FOLIO_EDIM, r->line, 1, "more than %zu data rows", (size_t)FOLIO_MAX_DIM);
    return;
  }
  size_t elems;
  if (folio_i_mul(r->n_rows + 1, r->n_cols, &elems) || elems > FOLIO_MAX_ELEMS) {
    fail_at(r, FOLIO_EDIM, r->line, 1, "more than %zu values in all", (size_t)FOLIO_MAX_ELEMS);
    return;
  }
  int64_t key = 0;
  int d = memchr(s, '\0', n) ? DATE_BAD_FORMAT : parse_date(s, n, &key);
  if (d == DATE_BAD_FORMAT) {
    fail_at(r, FOLIO_EPARSE, r->line, 1,
            "bad date '" EXCERPT "' (expected YYYY-MM-DD, optionally followed by 'T' or ' ' and "
            "HH:MM or HH:MM:SS)",
            s);
    return;
  }
  if (d == DATE_BAD_VALUE) {
    fail_at(r, FOLIO_EPARSE, r->line, 1, "bad date '" EXCERPT "' (no such calendar date or time)",
            s);
    return;
  }
  if (r->n_rows > 0 && key <= r->last_key) {
    fail_at(r, FOLIO_EPARSE, r->line, 1,
            "date '" EXCERPT "' is not after the previous date '%s' (dates must be strictly "
            "increasing)",
            s, r->row_labels[r->n_rows - 1]);
    return;
  }
  /* Room for this row's label and values; the label is adopted when the row is complete. */
  if (grow((void **)&r->row_labels, &r->row_cap, r->n_rows + 1, sizeof *r->row_labels)) {
    oom(r);
    return;
  }
  if (r->values_cap < r->row_cap) { /* values grow in step with the labels */
    size_t bytes;
    double *v = NULL;
    if (!folio_i_mul(r->row_cap, r->n_cols * sizeof(double), &bytes)) v = realloc(r->values, bytes);
    if (!v) {
      oom(r);
      return;
    }
    r->values = v;
    r->values_cap = r->row_cap;
  }
  r->pending_date = copy_text(s, n);
  if (!r->pending_date) {
    oom(r);
    return;
  }
  r->last_key = key;
}

static void value_field(reader *r, const char *s, size_t n) {
  size_t column = r->field + 1;
  double *slot = r->values + r->n_rows * r->n_cols + (r->field - 1);
  if (n == 0) {
    *slot = NAN; /* empty cell: missing */
    return;
  }
  char which;
  if (is_literal_nonfinite(s, n, &which)) {
    if (which == 'n')
      fail_at(r, FOLIO_EPARSE, r->line, column,
              "literal NaN is not allowed (leave the cell empty for a missing value)");
    else
      fail_at(r, FOLIO_EPARSE, r->line, column,
              "literal Inf is not allowed (cells must hold finite numbers)");
    return;
  }
  if (!is_decimal(s, n)) {
    const char *why = has_outer_space(s, n) ? " (spaces around numbers are not allowed)" : "";
    fail_at(r, FOLIO_EPARSE, r->line, column, "not a number: '" EXCERPT "'%s", s, why);
    return;
  }
  /* libcsv appended a NUL (CSV_APPEND_NULL) and is_decimal saw no NUL inside. */
  char *end;
  double x = strtod(s, &end);
  if (end != s + n) {
    fail_at(r, FOLIO_EPARSE, r->line, column, "not a number: '" EXCERPT "'", s);
    return;
  }
  if (isinf(x)) {
    fail_at(r, FOLIO_EPARSE, r->line, column, "number out of range: '" EXCERPT "'", s);
    return;
  }
  *slot = x; /* an underflow to 0 or a subnormal is kept: it is still the nearest double */
}

/* ---- libcsv callbacks ---------------------------------------------------- */

static void on_field(void *data, size_t len, void *ctx) {
  reader *r = ctx;
  if (r->st != FOLIO_OK) return;
  const char *s = data ? data : "";
  r->pending_cr = 0;
  if (r->field == 0) r->row_line = r->line;
  if (!r->have_header)
    header_field(r, s, len);
  else if (r->field == 0)
    date_field(r, s, len);
  else if (r->field <= r->n_cols)
    value_field(r, s, len);
  /* else: a surplus field; the row end reports the count */
  if (r->st != FOLIO_OK) return;
  int prev_cr = 0;
  r->line += count_breaks(s, len, &prev_cr); /* only quoted fields hold line breaks */
  r->field++;
}

static void on_row(int c, void *ctx) {
  reader *r = ctx;
  if (r->st != FOLIO_OK) return;
  size_t fields = r->field;
  /* CSV_REPALL_NL reports every unquoted '\r' and '\n': pair "\r\n" into one line. */
  if (c == '\n' && fields == 0 && r->pending_cr) {
    r->pending_cr = 0;
    return;
  }
  r->pending_cr = c == '\r';
  if (c == '\r' || c == '\n') r->line++;
  if (fields == 0) return; /* a blank line */
  r->field = 0;
  if (!r->have_header) {
    if (r->n_cols == 0) {
      fail_at(r, FOLIO_EPARSE, r->row_line, 2,
              "no symbol column in header (expected 'date,SYMBOL,...')");
      return;
    }
    r->have_header = 1;
    check_duplicates(r);
    return;
  }
  if (fields != r->n_cols + 1) {
    size_t expected = r->n_cols + 1;
    fail_at(r, FOLIO_EPARSE, r->row_line, fields < expected ? fields + 1 : expected + 1,
            "ragged row: expected %zu columns, found %zu", expected, fields);
    return;
  }
  r->row_labels[r->n_rows++] = r->pending_date;
  r->pending_date = NULL;
}

/* ---- driving libcsv ------------------------------------------------------ */

static int never_space(unsigned char c) {
  (void)c;
  return 0; /* trim nothing: " AAPL" is not "AAPL", and " 1.5" is reported */
}

typedef struct session {
  reader r;
  struct csv_parser parser;
  int parser_ready;
  size_t raw_lines; /* line breaks in the bytes fully handed to libcsv */
  int raw_prev_cr;
  size_t total;     /* bytes seen so far */
  int at_start;     /* nothing fed yet: a UTF-8 byte-order mark may come */
  folio_i_c_locale locale; /* "C" numerics while the session is open */
} session;

static void reader_release(reader *r) {
  for (size_t j = 0; j < r->n_cols; j++) free(r->col_labels[j]);
  free(r->col_labels);
  for (size_t i = 0; i < r->n_rows; i++) free(r->row_labels[i]);
  free(r->row_labels);
  free(r->values);
  free(r->pending_date);
  memset(r, 0, sizeof *r);
}

static folio_status session_open(session *ss, const char *name, folio_error *err) {
  memset(ss, 0, sizeof *ss);
  ss->r.name = name;
  ss->r.err = err;
  ss->r.line = 1;
  ss->at_start = 1;
  if (csv_init(&ss->parser, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL | CSV_REPALL_NL) != 0)
    return folio_error_set(err, FOLIO_ENOMEM, "%s: out of memory", name);
  /* strtod follows LC_NUMERIC; the embedding program may have set a locale
   * with a decimal comma, so this thread parses in "C" for the duration. */
  folio_status st = folio_i_c_locale_begin(&ss->locale, name, err);
  if (st != FOLIO_OK) {
    csv_free(&ss->parser);
    return st;
  }
  ss->parser_ready = 1;
  csv_set_space_func(&ss->parser, never_space);
  return FOLIO_OK;
}

static void session_close(session *ss) {
  if (ss->parser_ready) {
    folio_i_c_locale_end(&ss->locale);
    csv_free(&ss->parser);
    ss->parser_ready = 0;
  }
  reader_release(&ss->r);
}

/* Feeds one chunk; returns the reader's status. */
static folio_status session_feed(session *ss, const char *buf, size_t n) {
  reader *r = &ss->r;
  if (ss->at_start && n > 0) {
    if (n >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0) buf += 3, n -= 3; /* BOM */
    ss->at_start = 0;
  }
  if (n > FOLIO_CSV_MAX_BYTES - ss->total) {
    fail_at(r, FOLIO_EDIM, ss->raw_lines + 1, 1, "file larger than %zu bytes",
            (size_t)FOLIO_CSV_MAX_BYTES);
    return r->st;
  }
  ss->total += n;
  size_t done = csv_parse(&ss->parser, buf, n, on_field, on_row, r);
  if (r->st != FOLIO_OK) return r->st;
  if (done < n) {
    if (csv_error(&ss->parser) == CSV_EPARSE) {
      int prev = ss->raw_prev_cr;
      size_t line = ss->raw_lines + 1 + count_breaks(buf, done, &prev);
      fail_at(r, FOLIO_EPARSE, line, r->field + 1,
              "misplaced quote (a quote inside an unquoted field, or text after a closing quote)");
    } else {
      oom(r);
    }
    return r->st;
  }
  ss->raw_lines += count_breaks(buf, n, &ss->raw_prev_cr);
  return FOLIO_OK;
}

/* Ends the input and moves the result into a new frame. */
static folio_status session_finish(session *ss, folio_frame **out) {
  reader *r = &ss->r;
  if (csv_fini(&ss->parser, on_field, on_row, r) != 0 && r->st == FOLIO_OK)
    fail_at(r, FOLIO_EPARSE, r->line, r->field + 1, "unterminated quoted field");
  if (r->st != FOLIO_OK) return r->st;
  if (!r->have_header) {
    fail_at(r, FOLIO_EPARSE, 1, 1, "empty file (expected a header 'date,SYMBOL,...')");
    return r->st;
  }
  if (r->n_rows == 0) {
    fail_at(r, FOLIO_EPARSE, r->line, 1, "no data rows (only a header)");
    return r->st;
  }
  size_t n_rows = r->n_rows, n_cols = r->n_cols;
  folio_frame *f = malloc(sizeof *f);
  double *data = malloc(n_rows * n_cols * sizeof *data); /* bounded by FOLIO_MAX_ELEMS */
  if (!f || !data) {
    free(f);
    free(data);
    return folio_error_set(r->err, FOLIO_ENOMEM, "%s: out of memory", r->name);
  }
  for (size_t i = 0; i < n_rows; i++) {
    const double *row = r->values + i * n_cols;
    for (size_t j = 0; j < n_cols; j++) data[i + j * n_rows] = row[j];
  }
  f->n_rows = n_rows;
  f->n_cols = n_cols;
  f->data = data;
  f->row_labels = r->row_labels;
  f->col_labels = r->col_labels;
  /* The frame owns the labels now; the reader keeps nothing to free twice. */
  r->row_labels = NULL;
  r->col_labels = NULL;
  r->n_rows = r->n_cols = 0;
  *out = f;
  return FOLIO_OK;
}

/* ---- public API ---------------------------------------------------------- */

folio_status folio_csv_parse_wide(const char *text, size_t len, const char *name,
                                  folio_frame **out, folio_error *err) {
  folio_status st = folio_i_text_input(text, len, &name, out, FOLIO_CSV_MAX_BYTES, err);
  if (st != FOLIO_OK) return st;
  session ss;
  st = session_open(&ss, name, err);
  if (st != FOLIO_OK) return st;
  for (size_t off = 0; off < len && st == FOLIO_OK; off += CHUNK_BYTES) {
    size_t n = len - off < CHUNK_BYTES ? len - off : CHUNK_BYTES;
    st = session_feed(&ss, text + off, n);
  }
  if (st == FOLIO_OK) st = session_finish(&ss, out);
  session_close(&ss);
  return st;
}

folio_status folio_csv_read_wide(const char *path, folio_frame **out, folio_error *err) {
  folio_error_clear(err);
  if (!path) return folio_error_set(err, FOLIO_EINVAL, "read_csv: path is NULL");
  if (!out) return folio_error_set(err, FOLIO_EINVAL, "%s: out is NULL", path);
  char reason[128];
  FILE *fp = NULL;
  /* a FIFO, a device or a folder is refused ("<path>: <path> is not a
   * regular file") without blocking or reading without end */
  folio_status opened = folio_i_open_regular(path, path, &fp, err);
  if (opened != FOLIO_OK) {
    int e = errno;
    if (opened != FOLIO_EIO || e == 0) return opened;
    if (strerror_r(e, reason, sizeof reason) != 0) snprintf(reason, sizeof reason, "error %d", e);
    return folio_error_set(err, FOLIO_EIO, "%s: cannot open: %s", path, reason);
  }
  struct stat sb;
  if (fstat(fileno(fp), &sb) == 0 && S_ISREG(sb.st_mode) &&
      (uintmax_t)sb.st_size > (uintmax_t)FOLIO_CSV_MAX_BYTES) {
    fclose(fp);
    return folio_error_set(err, FOLIO_EDIM, "%s:1:1: file larger than %zu bytes", path,
                           (size_t)FOLIO_CSV_MAX_BYTES);
  }
  char *buf = malloc(CHUNK_BYTES);
  if (!buf) {
    fclose(fp);
    return folio_error_set(err, FOLIO_ENOMEM, "%s: out of memory", path);
  }
  session ss;
  folio_status st = session_open(&ss, path, err);
  while (st == FOLIO_OK) {
    size_t n = fread(buf, 1, CHUNK_BYTES, fp);
    if (n > 0) st = session_feed(&ss, buf, n);
    if (st != FOLIO_OK || n < CHUNK_BYTES) break;
  }
  if (st == FOLIO_OK && ferror(fp)) {
    int e = errno;
    if (strerror_r(e, reason, sizeof reason) != 0) snprintf(reason, sizeof reason, "error %d", e);
    st = folio_error_set(err, FOLIO_EIO, "%s: read error: %s", path, reason);
  }
  if (st == FOLIO_OK) st = session_finish(&ss, out);
  session_close(&ss);
  free(buf);
  fclose(fp);
  return st;
}

folio_panel folio_frame_panel(const folio_frame *f) {
  folio_panel p = {NULL, 0, 0, 1, NULL, NULL};
  if (!f) return p;
  p.data = f->data;
  p.n_rows = f->n_rows;
  p.n_cols = f->n_cols;
  p.ld = f->n_rows ? f->n_rows : 1;
  p.row_labels = (const char *const *)f->row_labels;
  p.col_labels = (const char *const *)f->col_labels;
  return p;
}

void folio_frame_free(folio_frame *f) {
  if (!f) return;
  if (f->row_labels)
    for (size_t i = 0; i < f->n_rows; i++) free(f->row_labels[i]);
  if (f->col_labels)
    for (size_t j = 0; j < f->n_cols; j++) free(f->col_labels[j]);
  free(f->row_labels);
  free(f->col_labels);
  free(f->data);
  free(f);
}

/* ---- writing one field ---------------------------------------------------- */

size_t folio_csv_quote(const char *field, size_t len, char *out, size_t out_size) {
  if (!field) len = 0;
  int quote = has_outer_space(field, len);
  for (size_t i = 0; i < len && !quote; i++)
    quote = field[i] == ',' || field[i] == '"' || field[i] == '\r' || field[i] == '\n';
  if (quote) return csv_write(out, out_size, field, len);
  if (out && out_size && len) memcpy(out, field, len < out_size ? len : out_size);
  return len;
}
