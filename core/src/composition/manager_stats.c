/*
 * manager_stats.c — one strategy's stats file (manager.h): stats.json read
 * with jansson, stats.csv with the core's libcsv reader (csv.h), both into a
 * series of strictly increasing dates and returns >= -1 with the physical
 * line of each record, and every error as "<path>:<line>:<column>: <what>".
 *
 * JSON: jansson parses the text (its syntax errors carry its line and
 * column; duplicate keys are refused), then the tree is walked against the
 * one schema. jansson keeps no positions, so folio_i_json_positions indexes
 * where each key and value of the accepted text starts and the walk, in the
 * same pre-order, points each message (and each record's line) at the file.
 * CSV: the file goes through libcsv from memory; a quick pass over the same
 * bytes maps each record to its physical line for the messages this file
 * adds (empty returns, missing days).
 */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "folio/csv.h"
#include "folio/manager.h"
#include "folio/panel.h"
#include "internal.h"
#include "json_internal.h"
#include "plumbing.h"

/* ==== series ================================================================ */

void folio_manager_series_free(folio_manager_series *s) {
  if (!s) return;
  free(s->name);
  free(s->path);
  free(s->dates);
  free(s->returns);
  free(s->lines);
  free(s);
}

/* Grows the series' arrays to hold at least `need` records. */
static int series_reserve(folio_manager_series *s, size_t *cap, size_t need) {
  if (need <= *cap) return 0;
  size_t c = *cap ? *cap * 2 : 64;
  while (c < need) c *= 2;
  if (c > FOLIO_MAX_DIM) c = FOLIO_MAX_DIM;
  if (c < need) return -1;
  void *d = realloc(s->dates, c * sizeof *s->dates);
  if (!d) return -1;
  s->dates = d;
  double *r = realloc(s->returns, c * sizeof *s->returns);
  if (!r) return -1;
  s->returns = r;
  size_t *l = realloc(s->lines, c * sizeof *s->lines);
  if (!l) return -1;
  s->lines = l;
  *cap = c;
  return 0;
}

/* A date as the stats files require it: exactly YYYY-MM-DD, a real calendar day. */
static int plain_date(const char *s, size_t n) {
  if (n != 10) return 0;
  for (size_t i = 0; i < 10; i++) {
    if (i == 4 || i == 7) {
      if (s[i] != '-') return 0;
    } else if (s[i] < '0' || s[i] > '9') {
      return 0;
    }
  }
  char buf[11];
  memcpy(buf, s, 10);
  buf[10] = '\0';
  return folio_parse_iso_date(buf, NULL) == FOLIO_OK;
}


/* Checks the record just appended: a date after the previous one, a return >= -1. */
static folio_status check_record(const folio_manager_series *s, size_t i, size_t col,
                                 folio_error *err) {
  if (i > 0 && strcmp(s->dates[i], s->dates[i - 1]) <= 0)
    return folio_error_set(err, FOLIO_EPARSE,
                           "%s:%zu:%zu: date %s is not after the previous record's %s (line %zu); "
                           "dates must be strictly increasing",
                           s->path, s->lines[i], col, s->dates[i], s->dates[i - 1], s->lines[i - 1]);
  return FOLIO_OK;
}

/* ---- JSON ------------------------------------------------------------------ */

/* A walk of a parsed stats.json: the series, the file's positions, and the
 * index of the next key or value (pre-order, as folio_i_json_positions). */
typedef struct jwalk {
  folio_manager_series *s;
  const folio_i_json_pos *pos;
  size_t n_pos;
  folio_error *err;
} jwalk;

static folio_i_json_pos at(const jwalk *w, size_t i) {
  folio_i_json_pos none = {1, 1};
  return i < w->n_pos ? w->pos[i] : none;
}

/* What a value is, for messages. */
static const char *jkind(const json_t *v) {
  switch (json_typeof(v)) {
  case JSON_STRING: return "a string";
  case JSON_OBJECT: return "an object";
  case JSON_ARRAY: return "an array";
  case JSON_TRUE: case JSON_FALSE: return "a boolean";
  case JSON_NULL: return "null";
  default: return "a number";
  }
}

/* "<path>:<line>:<col>: <what> (found <kind>)" at position i. */
static folio_status jfound(const jwalk *w, size_t i, const char *what, const json_t *v) {
  folio_i_json_pos p = at(w, i);
  return folio_error_set(w->err, FOLIO_EPARSE, "%s:%zu:%zu: %s (found %s)", w->s->path, p.line, p.col, what,
                         jkind(v));
}

/* One {"date": ..., "return": ...} record: the value v at position i. */
static folio_status jrecord(const jwalk *w, const json_t *v, size_t i, size_t rec) {
  folio_manager_series *s = w->s;
  folio_i_json_pos rp = at(w, i);
  if (!json_is_object(v))
    return jfound(w, i, "daily_returns entries must be objects {\"date\": ..., \"return\": ...}", v);
  int have_date = 0, have_return = 0;
  size_t date_col = 0;
  s->lines[rec] = rp.line;
  size_t k = i + 1;
  const char *key;
  json_t *x;
  json_object_foreach((json_t *)v, key, x) {
    folio_i_json_pos kp = at(w, k), vp = at(w, k + 1);
    size_t kn = json_object_iter_key_len(json_object_key_to_iter(key));
    int is_date = kn == 4 && strcmp(key, "date") == 0, is_return = kn == 6 && strcmp(key, "return") == 0;
    if (!is_date && !is_return)
      return folio_error_set(w->err, FOLIO_EPARSE,
                             "%s:%zu:%zu: unknown key '%.63s' in a daily_returns entry (expected date, return)",
                             s->path, kp.line, kp.col, key);
    if (is_date) {
      have_date = 1;
      s->lines[rec] = vp.line;
      date_col = vp.col;
      if (!json_is_string(x)) return jfound(w, k + 1, "date must be a string \"YYYY-MM-DD\"", x);
      const char *d = json_string_value(x);
      if (!plain_date(d, json_string_length(x)))
        return folio_error_set(w->err, FOLIO_EPARSE, "%s:%zu:%zu: bad date '%.31s' (want YYYY-MM-DD, a real day)",
                               s->path, vp.line, vp.col, d);
      memcpy(s->dates[rec], d, FOLIO_MANAGER_DATE_SIZE);
    } else {
      have_return = 1;
      if (!json_is_number(x)) return jfound(w, k + 1, "non-numeric return", x);
      double r = json_number_value(x);
      if (r != 0 && fabs(r) < DBL_MIN) r = 0.0 * r; /* an underflow is a zero return */
      if (r < -1.0)
        return folio_error_set(w->err, FOLIO_EINVAL,
                               "%s:%zu:%zu: return below -1 (%.17g: a strategy cannot lose more than 100%% in a day)",
                               s->path, vp.line, vp.col, r);
      s->returns[rec] = r;
    }
    k += 1 + folio_i_json_count(x);
  }
  if (!have_date || !have_return)
    return folio_error_set(w->err, FOLIO_EPARSE, "%s:%zu:%zu: daily_returns entry without \"%s\"", s->path,
                           rp.line, rp.col, have_date ? "return" : "date");
  return check_record(s, rec, date_col ? date_col : rp.col, w->err);
}

/* The stats.json document: the value v (position 0). */
static folio_status jdocument(const jwalk *w, const json_t *v) {
  folio_manager_series *s = w->s;
  if (!json_is_object(v)) return jfound(w, 0, "a stats file is an object {\"daily_returns\": [...]}", v);
  int have_returns = 0;
  size_t k = 1, cap = 0;
  const char *key;
  json_t *x;
  folio_status st;
  json_object_foreach((json_t *)v, key, x) {
    folio_i_json_pos kp = at(w, k), vp = at(w, k + 1);
    if (strcmp(key, "name") == 0) {
      if (!json_is_string(x)) return jfound(w, k + 1, "name must be a string", x);
      const char *nm = json_string_value(x);
      if (json_string_length(x) != strlen(s->name) || strcmp(nm, s->name) != 0)
        return folio_error_set(w->err, FOLIO_EINVAL,
                               "%s:%zu:%zu: name '%.255s' differs from the strategy's folder name '%s'", s->path,
                               vp.line, vp.col, nm, s->name);
    } else if (strcmp(key, "daily_returns") == 0) {
      have_returns = 1;
      if (!json_is_array(x)) return jfound(w, k + 1, "daily_returns must be an array", x);
      size_t e = k + 2, idx;
      json_t *rec;
      json_array_foreach(x, idx, rec) {
        if (series_reserve(s, &cap, s->n_days + 1) != 0)
          return folio_error_set(w->err, FOLIO_ENOMEM, "%s: out of memory (or more than %zu records)", s->path,
                                 (size_t)FOLIO_MAX_DIM);
        if ((st = jrecord(w, rec, e, s->n_days)) != FOLIO_OK) return st;
        s->n_days++;
        e += folio_i_json_count(rec);
      }
      if (s->n_days == 0)
        return folio_error_set(w->err, FOLIO_EEMPTY, "%s:%zu:%zu: daily_returns is empty", s->path, kp.line, kp.col);
    } else {
      return folio_error_set(w->err, FOLIO_EPARSE,
                             "%s:%zu:%zu: unknown key '%.63s' (a stats file has daily_returns and an optional name)",
                             s->path, kp.line, kp.col, key);
    }
    k += 1 + folio_i_json_count(x);
  }
  if (!have_returns) return folio_error_set(w->err, FOLIO_EPARSE, "%s:1:1: no \"daily_returns\" key", s->path);
  return FOLIO_OK;
}

static folio_status read_json(const char *text, size_t len, folio_manager_series *s, folio_error *err) {
  json_t *doc = NULL;
  folio_error jerr;
  folio_status st = folio_i_json_parse("json", text, len, JSON_REJECT_DUPLICATES, &doc, &jerr);
  if (st != FOLIO_OK) {
    /* "json:<line>:<column>: what" -> "<path>:<line>:<column>: [empty file; ]json: what" */
    int line = 1, col = 1, used = 0;
    const char *what = jerr.message;
    if (sscanf(jerr.message, "json:%d:%d: %n", &line, &col, &used) == 2 && used > 0) what += used;
    else if (strncmp(what, "json: ", 6) == 0) what += 6;
    return folio_error_set(err, st, "%s:%d:%d: %sjson: %s", s->path, line, col,
                           len == 0 || strspn(text, " \t\r\n") == len ? "empty file; " : "", what);
  }
  jwalk w = {s, NULL, 0, err};
  folio_i_json_pos *pos = NULL;
  if ((st = folio_i_json_positions(s->path, text, len, &pos, &w.n_pos, err)) == FOLIO_OK) {
    w.pos = pos;
    st = jdocument(&w, doc);
  }
  free(pos);
  json_decref(doc);
  return st;
}


/* Physical line of each of the first n_records non-blank records (header =
 * record 0), following csv.h's rules: LF, CRLF or CR line ends, line breaks
 * inside quotes belong to the field, blank lines skipped. */
static void csv_record_lines(const char *text, size_t len, size_t *lines, size_t n_records) {
  size_t line = 1, rec = 0, i = 0;
  int inq = 0, at_start = 1;
  if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0) i = 3;
  for (; i < len && rec < n_records; i++) {
    char ch = text[i];
    int brk = ch == '\n' || ch == '\r';
    if (at_start && !inq && !brk) {
      lines[rec++] = line;
      at_start = 0;
    }
    if (ch == '"') inq = !inq;
    if (brk) {
      if (ch == '\r' && i + 1 < len && text[i + 1] == '\n') i++;
      line++;
      if (!inq) at_start = 1;
    }
  }
  for (; rec < n_records; rec++) lines[rec] = line;
}

static folio_status read_csv(const char *text, size_t len, folio_manager_series *s,
                             folio_error *err) {
  folio_frame *f = NULL;
  folio_status st = folio_csv_parse_wide(text, len, s->path, &f, err);
  if (st != FOLIO_OK) return st;
  size_t *lines = malloc(sizeof(size_t) * (f->n_rows + 1));
  if (!lines) {
    folio_frame_free(f);
    return folio_error_set(err, FOLIO_ENOMEM, "%s: out of memory", s->path);
  }
  csv_record_lines(text, len, lines, f->n_rows + 1);
  size_t off = len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
  size_t hdr_line = lines[0];
  if (f->n_cols != 1 || strcmp(f->col_labels[0], "return") != 0 || len - off < 5 ||
      memcmp(text + off, "date,", 5) != 0) {
    st = folio_error_set(err, FOLIO_EPARSE, "%s:%zu:1: the header must be `date,return`", s->path, hdr_line);
    goto done;
  }
  if (f->n_rows == 0) {
    st = folio_error_set(err, FOLIO_EEMPTY, "%s:%zu:1: no records after the header", s->path, hdr_line);
    goto done;
  }
  size_t cap = 0;
  if (series_reserve(s, &cap, f->n_rows) != 0) {
    st = folio_error_set(err, FOLIO_ENOMEM, "%s: out of memory", s->path);
    goto done;
  }
  for (size_t i = 0; i < f->n_rows; i++) {
    size_t line = lines[i + 1];
    const char *d = f->row_labels[i];
    double v = f->data[i];
    s->lines[i] = line;
    if (!plain_date(d, strlen(d))) {
      st = folio_error_set(err, FOLIO_EPARSE, "%s:%zu:1: bad date '%s' (want YYYY-MM-DD)", s->path, line, d);
      goto done;
    }
    if (isnan(v)) {
      st = folio_error_set(err, FOLIO_EPARSE, "%s:%zu:2: non-numeric return (empty cell)", s->path, line);
      goto done;
    }
    if (v < -1.0) {
      st = folio_error_set(err, FOLIO_EINVAL,
                           "%s:%zu:2: return below -1 (%.17g: a strategy cannot lose more than 100%% in a day)",
                           s->path, line, v);
      goto done;
    }
    memcpy(s->dates[i], d, FOLIO_MANAGER_DATE_SIZE);
    s->returns[i] = v;
    s->n_days = i + 1;
  }
done:
  free(lines);
  folio_frame_free(f);
  return st;
}


folio_status folio_manager_parse_stats(const char *text, size_t len, const char *path, const char *name,
                                       folio_manager_series **out, folio_error *err) {
  folio_error_clear(err);
  if (!text || !path || !name || !out)
    return folio_error_set(err, FOLIO_EINVAL, "manager.parse_stats: text, path, name and out must not be NULL");
  if (len > FOLIO_CSV_MAX_BYTES)
    return folio_error_set(err, FOLIO_EDIM, "%s: larger than %zu bytes", path, (size_t)FOLIO_CSV_MAX_BYTES);
  folio_manager_series *s = calloc(1, sizeof *s);
  if (!s || !(s->name = strdup(name)) || !(s->path = strdup(path))) {
    folio_manager_series_free(s);
    return folio_error_set(err, FOLIO_ENOMEM, "%s: out of memory", path);
  }
  folio_status st;
  size_t pl = strlen(path);
  if (pl >= 5 && strcmp(path + pl - 5, ".json") == 0)
    st = read_json(text, len, s, err); /* jansson reads numbers in any locale */
  else
    st = read_csv(text, len, s, err);
  if (st != FOLIO_OK) {
    folio_manager_series_free(s);
    return st;
  }
  *out = s;
  return FOLIO_OK;
}

folio_status folio_manager_read_stats(const char *path, const char *name,
                                      folio_manager_series **out, folio_error *err) {
  folio_error_clear(err);
  if (!path || !name || !out)
    return folio_error_set(err, FOLIO_EINVAL, "manager.read_stats: path, name and out must not be NULL");
  char *text = NULL;
  size_t len = 0;
  folio_status st = folio_i_read_file("manager.read_stats", path, FOLIO_CSV_MAX_BYTES, &text, &len, err);
  if (st == FOLIO_OK) st = folio_manager_parse_stats(text, len, path, name, out, err);
  free(text);
  return st;
}
