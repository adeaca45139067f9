/*
 * manager.c — the strategy-weight manager (manager.h): reading per-strategy
 * stats files (JSON or CSV) with line-accurate messages, aligning them on a
 * common window, the slope / std objective and its gradient, the NLopt
 * multi-start over the simplex, vol targeting, and the atomic write of
 * portfolio_config.json.
 *
 * JSON stats files are first checked with folio_json_check (syntax errors get
 * a line and column computed from its byte offset); a small reader that counts
 * lines then walks the validated text against the one schema. CSV stats files
 * go through the core's libcsv reader (csv.h) from memory; a quick pass over
 * the same bytes maps each record to its physical line for the messages this
 * file adds (empty returns, missing days).
 *
 * The objective s.w / sqrt(w'Cw) is quasi-concave where it is positive (its
 * superlevel sets {s.w >= a sqrt(w'Cw)}, a > 0, are convex), so any local
 * maximum with a positive value is global; the multi-start is kept anyway —
 * it also covers the negative case, where no such guarantee holds. NLopt's
 * SLSQP uses no randomness, so nlopt_srand (process-global state) is never
 * called: the random starts come from a splitmix64 stream with a fixed seed.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <math.h>
#include <nlopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "folio/csv.h"
#include "folio/json.h"
#include "folio/manager.h"
#include "folio/panel.h"
#include "internal.h"

void folio_manager_options_init(folio_manager_options *o) {
  if (!o) return;
  o->window = 365;
  o->target_vol = 0.30;
  o->max_leverage = 0.0;
  o->account_value = 10000.0;
  o->n_random_starts = 8;
  o->seed = 0;
}

static char *dup_str(const char *s) {
  size_t n = strlen(s) + 1;
  char *p = malloc(n);
  if (p) memcpy(p, s, n);
  return p;
}

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

/* Reads a whole file into a malloc'd buffer (NUL-terminated). */
static folio_status slurp(const char *path, char **text, size_t *len, folio_error *err) {
  FILE *f = fopen(path, "rb");
  if (!f) return folio_error_set(err, FOLIO_EIO, "%s: cannot open (%s)", path, strerror(errno));
  size_t cap = 4096, n = 0;
  char *buf = malloc(cap);
  if (!buf) {
    fclose(f);
    return folio_error_set(err, FOLIO_ENOMEM, "%s: out of memory", path);
  }
  for (;;) {
    if (cap - n < 2) {
      if (cap >= FOLIO_CSV_MAX_BYTES) {
        free(buf);
        fclose(f);
        return folio_error_set(err, FOLIO_EDIM, "%s: file larger than %zu bytes", path,
                               (size_t)FOLIO_CSV_MAX_BYTES);
      }
      char *p = realloc(buf, cap * 2);
      if (!p) {
        free(buf);
        fclose(f);
        return folio_error_set(err, FOLIO_ENOMEM, "%s: out of memory", path);
      }
      buf = p;
      cap *= 2;
    }
    size_t got = fread(buf + n, 1, cap - n - 1, f);
    n += got;
    if (got == 0) break;
  }
  int bad = ferror(f);
  fclose(f);
  if (bad) {
    free(buf);
    return folio_error_set(err, FOLIO_EIO, "%s: read error", path);
  }
  buf[n] = '\0';
  *text = buf;
  *len = n;
  return FOLIO_OK;
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

typedef struct jreader {
  const char *p, *end, *line_start;
  size_t line;
  const char *path;
  folio_error *err;
} jreader;

static size_t jcol(const jreader *r) { return (size_t)(r->p - r->line_start) + 1; }

static void jws(jreader *r) {
  while (r->p < r->end && (*r->p == ' ' || *r->p == '\t' || *r->p == '\n' || *r->p == '\r')) {
    if (*r->p == '\n' || (*r->p == '\r' && (r->p + 1 >= r->end || r->p[1] != '\n'))) {
      r->line++;
      r->line_start = r->p + 1;
    }
    r->p++;
  }
}

static int hexv(char ch) {
  if (ch >= '0' && ch <= '9') return ch - '0';
  if (ch >= 'a' && ch <= 'f') return ch - 'a' + 10;
  return ch - 'A' + 10; /* validated text: a hex digit */
}

/* Decodes the (validated) string at r->p into buf (at most size - 1 bytes,
 * NUL-terminated); returns its decoded length, or size when it did not fit. */
static size_t jstring(jreader *r, char *buf, size_t size) {
  size_t n = 0;
  r->p++; /* the opening quote */
  while (*r->p != '"') {
    unsigned long cp;
    if (*r->p == '\\') {
      char e = r->p[1];
      r->p += 2;
      if (e != 'u') {
        cp = e == 'b' ? '\b' : e == 'f' ? '\f' : e == 'n' ? '\n' : e == 'r' ? '\r' : e == 't' ? '\t' : (unsigned char)e;
      } else {
        cp = (unsigned long)(hexv(r->p[0]) << 12 | hexv(r->p[1]) << 8 | hexv(r->p[2]) << 4 | hexv(r->p[3]));
        r->p += 4;
        if (cp >= 0xD800 && cp <= 0xDBFF && r->p[0] == '\\' && r->p[1] == 'u') {
          unsigned long lo = (unsigned long)(hexv(r->p[2]) << 12 | hexv(r->p[3]) << 8 |
                                             hexv(r->p[4]) << 4 | hexv(r->p[5]));
          if (lo >= 0xDC00 && lo <= 0xDFFF) {
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            r->p += 6;
          }
        }
      }
      char u[4];
      size_t k;
      if (cp < 0x80) { u[0] = (char)cp; k = 1; }
      else if (cp < 0x800) { u[0] = (char)(0xC0 | cp >> 6); u[1] = (char)(0x80 | (cp & 0x3F)); k = 2; }
      else if (cp < 0x10000) { u[0] = (char)(0xE0 | cp >> 12); u[1] = (char)(0x80 | ((cp >> 6) & 0x3F)); u[2] = (char)(0x80 | (cp & 0x3F)); k = 3; }
      else { u[0] = (char)(0xF0 | cp >> 18); u[1] = (char)(0x80 | ((cp >> 12) & 0x3F)); u[2] = (char)(0x80 | ((cp >> 6) & 0x3F)); u[3] = (char)(0x80 | (cp & 0x3F)); k = 4; }
      for (size_t i = 0; i < k; i++, n++)
        if (n + 1 < size) buf[n] = u[i];
    } else {
      if (n + 1 < size) buf[n] = *r->p;
      n++;
      r->p++;
    }
  }
  r->p++; /* the closing quote */
  buf[n + 1 < size ? n : size - 1] = '\0';
  return n + 1 < size ? n : size;
}

/* What the (validated) value at r->p is, for messages. */
static const char *jkind(const jreader *r) {
  switch (*r->p) {
  case '"': return "a string";
  case '{': return "an object";
  case '[': return "an array";
  case 't': case 'f': return "a boolean";
  case 'n': return "null";
  default: return "a number";
  }
}

static folio_status jfail(jreader *r, folio_status st, const char *what, const char *detail) {
  return folio_error_set(r->err, st, "%s:%zu:%zu: %s%s", r->path, r->line, jcol(r), what, detail);
}

/* One {"date": ..., "return": ...} record. */
static folio_status jrecord(jreader *r, folio_manager_series *s, size_t i) {
  char key[64], detail[96];
  int have_date = 0, have_return = 0;
  size_t rec_line = r->line, rec_col = jcol(r), date_col = 0;
  if (*r->p != '{') {
    snprintf(detail, sizeof detail, " (found %s)", jkind(r));
    return jfail(r, FOLIO_EPARSE, "daily_returns entries must be objects {\"date\": ..., \"return\": ...}", detail);
  }
  r->p++;
  jws(r);
  s->lines[i] = rec_line;
  while (*r->p != '}') {
    if (*r->p == ',') {
      r->p++;
      jws(r);
    }
    size_t kline = r->line, kcol = jcol(r);
    size_t kn = jstring(r, key, sizeof key);
    jws(r);
    r->p++; /* ':' */
    jws(r);
    int is_date = kn == 4 && strcmp(key, "date") == 0, is_return = kn == 6 && strcmp(key, "return") == 0;
    if (!is_date && !is_return)
      return folio_error_set(r->err, FOLIO_EPARSE,
                             "%s:%zu:%zu: unknown key '%s' in a daily_returns entry (expected date, return)",
                             r->path, kline, kcol, key);
    if ((is_date && have_date) || (is_return && have_return))
      return folio_error_set(r->err, FOLIO_EPARSE, "%s:%zu:%zu: duplicate key '%s'", r->path, kline, kcol, key);
    if (is_date) {
      have_date = 1;
      s->lines[i] = r->line;
      date_col = jcol(r);
      if (*r->p != '"') {
        snprintf(detail, sizeof detail, " (found %s)", jkind(r));
        return jfail(r, FOLIO_EPARSE, "date must be a string \"YYYY-MM-DD\"", detail);
      }
      char d[32];
      size_t dn = jstring(r, d, sizeof d);
      if (!plain_date(d, dn))
        return folio_error_set(r->err, FOLIO_EPARSE, "%s:%zu:%zu: bad date '%s' (want YYYY-MM-DD, a real day)",
                               r->path, r->line, date_col, d);
      memcpy(s->dates[i], d, FOLIO_MANAGER_DATE_SIZE);
    } else {
      have_return = 1;
      if (*r->p != '-' && (*r->p < '0' || *r->p > '9')) {
        snprintf(detail, sizeof detail, " (found %s)", jkind(r));
        return jfail(r, FOLIO_EPARSE, "non-numeric return", detail);
      }
      char *endp;
      errno = 0;
      double v = strtod(r->p, &endp); /* the caller runs in the "C" numeric locale */
      if (!isfinite(v) || errno == ERANGE) {
        if (!isfinite(v)) return jfail(r, FOLIO_EPARSE, "return out of range", " (overflows a double)");
        v = 0.0 * v; /* an underflow is a zero return */
      }
      if (v < -1.0) {
        snprintf(detail, sizeof detail, " (%.17g: a strategy cannot lose more than 100%% in a day)", v);
        return jfail(r, FOLIO_EINVAL, "return below -1", detail);
      }
      s->returns[i] = v;
      r->p = endp;
    }
    jws(r);
  }
  r->p++; /* '}' */
  if (!have_date || !have_return)
    return folio_error_set(r->err, FOLIO_EPARSE, "%s:%zu:%zu: daily_returns entry without \"%s\"", r->path,
                           rec_line, rec_col, have_date ? "return" : "date");
  return check_record(s, i, date_col ? date_col : rec_col, r->err);
}

static folio_status read_json(const char *text, size_t len, folio_manager_series *s,
                              folio_error *err) {
  folio_error jerr;
  folio_status st = folio_json_check(text, len, &jerr);
  if (st != FOLIO_OK) {
    /* "json: what at offset N ...": turn the offset into line:column */
    const char *at = strstr(jerr.message, "at offset ");
    size_t off = at ? (size_t)strtoull(at + 10, NULL, 10) : 0, line = 1, col = 1;
    if (off > len) off = len;
    for (size_t i = 0; i < off; i++) {
      if (text[i] == '\n' || (text[i] == '\r' && (i + 1 >= len || text[i + 1] != '\n'))) {
        line++;
        col = 1;
      } else {
        col++;
      }
    }
    return folio_error_set(err, st, "%s:%zu:%zu: %s%s", s->path, line, col,
                           len == 0 || strspn(text, " \t\r\n") == len ? "empty file; " : "",
                           jerr.message);
  }
  jreader r = {text, text + len, text, 1, s->path, err};
  jws(&r);
  if (*r.p != '{') {
    char detail[64];
    snprintf(detail, sizeof detail, " (found %s)", jkind(&r));
    return jfail(&r, FOLIO_EPARSE, "a stats file is an object {\"daily_returns\": [...]}", detail);
  }
  r.p++;
  jws(&r);
  int have_returns = 0, have_name = 0;
  size_t cap = 0;
  while (*r.p != '}') {
    if (*r.p == ',') {
      r.p++;
      jws(&r);
    }
    size_t kline = r.line, kcol = jcol(&r);
    char key[64];
    jstring(&r, key, sizeof key);
    jws(&r);
    r.p++; /* ':' */
    jws(&r);
    if (strcmp(key, "name") == 0 && !have_name) {
      have_name = 1;
      if (*r.p != '"') {
        char detail[64];
        snprintf(detail, sizeof detail, " (found %s)", jkind(&r));
        return jfail(&r, FOLIO_EPARSE, "name must be a string", detail);
      }
      size_t nline = r.line, ncol = jcol(&r);
      char nm[256];
      size_t nn = jstring(&r, nm, sizeof nm);
      if (nn != strlen(s->name) || strcmp(nm, s->name) != 0)
        return folio_error_set(err, FOLIO_EINVAL,
                               "%s:%zu:%zu: name '%s' differs from the strategy's folder name '%s'",
                               s->path, nline, ncol, nm, s->name);
    } else if (strcmp(key, "daily_returns") == 0 && !have_returns) {
      have_returns = 1;
      if (*r.p != '[') {
        char detail[64];
        snprintf(detail, sizeof detail, " (found %s)", jkind(&r));
        return jfail(&r, FOLIO_EPARSE, "daily_returns must be an array", detail);
      }
      r.p++;
      jws(&r);
      while (*r.p != ']') {
        if (*r.p == ',') {
          r.p++;
          jws(&r);
        }
        if (series_reserve(s, &cap, s->n_days + 1) != 0)
          return folio_error_set(err, FOLIO_ENOMEM, "%s: out of memory (or more than %zu records)", s->path,
                                 (size_t)FOLIO_MAX_DIM);
        if ((st = jrecord(&r, s, s->n_days)) != FOLIO_OK) return st;
        s->n_days++;
        jws(&r);
      }
      r.p++;
      if (s->n_days == 0)
        return folio_error_set(err, FOLIO_EEMPTY, "%s:%zu:%zu: daily_returns is empty", s->path, kline, kcol);
    } else if (strcmp(key, "name") == 0 || strcmp(key, "daily_returns") == 0) {
      return folio_error_set(err, FOLIO_EPARSE, "%s:%zu:%zu: duplicate key '%s'", s->path, kline, kcol, key);
    } else {
      return folio_error_set(err, FOLIO_EPARSE,
                             "%s:%zu:%zu: unknown key '%s' (a stats file has daily_returns and an optional name)",
                             s->path, kline, kcol, key);
    }
    jws(&r);
  }
  if (!have_returns)
    return folio_error_set(err, FOLIO_EPARSE, "%s:1:1: no \"daily_returns\" key", s->path);
  return FOLIO_OK;
}

/* ---- CSV ------------------------------------------------------------------- */

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

folio_status folio_manager_read_stats(const char *path, const char *name,
                                      folio_manager_series **out, folio_error *err) {
  folio_error_clear(err);
  if (!path || !name || !out)
    return folio_error_set(err, FOLIO_EINVAL, "manager.read_stats: path, name and out must not be NULL");
  folio_manager_series *s = calloc(1, sizeof *s);
  if (!s || !(s->name = dup_str(name)) || !(s->path = dup_str(path))) {
    folio_manager_series_free(s);
    return folio_error_set(err, FOLIO_ENOMEM, "%s: out of memory", path);
  }
  char *text = NULL;
  size_t len = 0;
  folio_status st = slurp(path, &text, &len, err);
  if (st == FOLIO_OK) {
    size_t pl = strlen(path);
    if (pl >= 5 && strcmp(path + pl - 5, ".json") == 0) {
      /* strtod follows LC_NUMERIC: parse in "C" whatever the embedder set */
      locale_t c = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
      if (c == (locale_t)0) {
        st = folio_error_set(err, FOLIO_ENOMEM, "%s: out of memory", path);
      } else {
        locale_t saved = uselocale(c);
        st = read_json(text, len, s, err);
        uselocale(saved);
        freelocale(c);
      }
    } else {
      st = read_csv(text, len, s, err);
    }
  }
  free(text);
  if (st != FOLIO_OK) {
    folio_manager_series_free(s);
    return st;
  }
  *out = s;
  return FOLIO_OK;
}

/* ==== the book ============================================================== */

void folio_manager_book_free(folio_manager_book *b) {
  if (!b) return;
  for (size_t i = 0; i < b->n_strategies; i++) folio_manager_series_free(b->strategies[i]);
  free(b->strategies);
  for (size_t i = 0; i < b->n_skipped; i++) free(b->skipped[i]);
  free(b->skipped);
  free(b);
}

static int cmp_str(const void *a, const void *b) {
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int is_file(const char *path) {
  struct stat sb;
  return stat(path, &sb) == 0 && S_ISREG(sb.st_mode);
}

folio_status folio_manager_scan(const char *root, folio_manager_book **out, folio_error *err) {
  folio_error_clear(err);
  if (!root || !out) return folio_error_set(err, FOLIO_EINVAL, "manager: root and out must not be NULL");
  DIR *dir = opendir(root);
  if (!dir) return folio_error_set(err, FOLIO_EIO, "manager: cannot open folder %s (%s)", root, strerror(errno));
  folio_status st = FOLIO_OK;
  char **names = NULL;
  size_t n = 0, cap = 0;
  char *path = NULL;
  folio_manager_book *b = calloc(1, sizeof *b);
  if (!b) {
    st = folio_error_set(err, FOLIO_ENOMEM, "manager: out of memory");
    goto done;
  }
  for (struct dirent *e; (e = readdir(dir)) != NULL;) {
    if (e->d_name[0] == '.') continue;
    if (n == cap) {
      size_t c = cap ? cap * 2 : 16;
      char **p = c < FOLIO_MAX_DIM ? realloc(names, c * sizeof *names) : NULL;
      if (!p) {
        st = folio_error_set(err, FOLIO_ENOMEM, "manager: out of memory reading %s", root);
        goto done;
      }
      names = p;
      cap = c;
    }
    if (!(names[n] = dup_str(e->d_name))) {
      st = folio_error_set(err, FOLIO_ENOMEM, "manager: out of memory reading %s", root);
      goto done;
    }
    n++;
  }
  qsort(names, n, sizeof *names, cmp_str);
  b->strategies = calloc(n ? n : 1, sizeof *b->strategies);
  b->skipped = calloc(n ? n : 1, sizeof *b->skipped);
  size_t rl = strlen(root);
  path = malloc(rl + 256 + 16);
  if (!b->strategies || !b->skipped || !path) {
    st = folio_error_set(err, FOLIO_ENOMEM, "manager: out of memory");
    goto done;
  }
  for (size_t i = 0; i < n; i++) {
    if (strlen(names[i]) > 255) continue;
    snprintf(path, rl + 256 + 16, "%s/%s", root, names[i]);
    struct stat sb;
    if (stat(path, &sb) != 0 || !S_ISDIR(sb.st_mode)) continue; /* plain files are not strategies */
    snprintf(path, rl + 256 + 16, "%s/%s/stats.json", root, names[i]);
    int json = is_file(path);
    snprintf(path, rl + 256 + 16, "%s/%s/stats.csv", root, names[i]);
    int csv = is_file(path);
    if (json && csv) {
      st = folio_error_set(err, FOLIO_EDUP, "manager: %s/%s has both stats.json and stats.csv; keep one", root,
                           names[i]);
      goto done;
    }
    if (!json && !csv) {
      b->skipped[b->n_skipped++] = names[i];
      names[i] = NULL;
      continue;
    }
    if (json) snprintf(path, rl + 256 + 16, "%s/%s/stats.json", root, names[i]);
    folio_manager_series *s = NULL;
    if ((st = folio_manager_read_stats(path, names[i], &s, err)) != FOLIO_OK) goto done;
    b->strategies[b->n_strategies++] = s;
  }
  if (b->n_strategies == 0)
    st = folio_error_set(err, FOLIO_EEMPTY,
                         "manager: no strategy folder under %s has a stats.json or stats.csv (%zu skipped)",
                         root, b->n_skipped);
done:
  closedir(dir);
  for (size_t i = 0; i < n; i++) free(names[i]);
  free(names);
  free(path);
  if (st != FOLIO_OK) {
    folio_manager_book_free(b);
    return st;
  }
  *out = b;
  return FOLIO_OK;
}

/* ==== alignment ============================================================= */

static int cmp_date(const void *a, const void *b) { return strcmp((const char *)a, (const char *)b); }

/* First index of s whose date is >= d (binary search). */
static size_t lower_bound(const folio_manager_series *s, const char *d) {
  size_t lo = 0, hi = s->n_days;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (strcmp(s->dates[mid], d) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

folio_status folio_manager_align(const folio_manager_book *book, size_t window, double *returns,
                                 size_t ld, char *first_date, char *last_date, folio_error *err) {
  folio_error_clear(err);
  if (!book || !returns || book->n_strategies == 0)
    return folio_error_set(err, FOLIO_EINVAL, "manager: book (with a strategy) and returns must not be NULL");
  if (window < 2) return folio_error_set(err, FOLIO_EINVAL, "manager: window must be >= 2 days, got %zu", window);
  if (ld < window) return folio_error_set(err, FOLIO_EINVAL, "manager: ld %zu < window %zu", ld, window);
  size_t K = book->n_strategies;
  const char *start = book->strategies[0]->dates[0], *end = book->strategies[0]->dates[book->strategies[0]->n_days - 1];
  for (size_t k = 1; k < K; k++) {
    const folio_manager_series *s = book->strategies[k];
    if (strcmp(s->dates[0], start) > 0) start = s->dates[0];
    if (strcmp(s->dates[s->n_days - 1], end) < 0) end = s->dates[s->n_days - 1];
  }
  if (strcmp(start, end) > 0)
    return folio_error_set(err, FOLIO_ESHORT,
                           "manager: the strategies share no dates (the latest start %s is after the earliest end %s)",
                           start, end);
  /* the calendar: the union of dates in [start, end] */
  size_t total = 0;
  for (size_t k = 0; k < K; k++) total += book->strategies[k]->n_days;
  char(*cal)[FOLIO_MANAGER_DATE_SIZE] = malloc(total * FOLIO_MANAGER_DATE_SIZE);
  if (!cal) return folio_error_set(err, FOLIO_ENOMEM, "manager: out of memory");
  size_t m = 0;
  for (size_t k = 0; k < K; k++) {
    const folio_manager_series *s = book->strategies[k];
    for (size_t i = lower_bound(s, start); i < s->n_days && strcmp(s->dates[i], end) <= 0; i++)
      memcpy(cal[m++], s->dates[i], FOLIO_MANAGER_DATE_SIZE);
  }
  qsort(cal, m, FOLIO_MANAGER_DATE_SIZE, cmp_date);
  size_t u = 0;
  for (size_t i = 0; i < m; i++)
    if (u == 0 || strcmp(cal[i], cal[u - 1]) != 0) memmove(cal[u++], cal[i], FOLIO_MANAGER_DATE_SIZE);
  folio_status st = FOLIO_OK;
  if (u < window) {
    st = folio_error_set(err, FOLIO_ESHORT,
                         "manager: the window of %zu days is longer than the strategies' common data "
                         "(%zu days from %s to %s)",
                         window, u, start, end);
    goto done;
  }
  const char(*win)[FOLIO_MANAGER_DATE_SIZE] = (const char(*)[FOLIO_MANAGER_DATE_SIZE])cal + (u - window);
  for (size_t k = 0; k < K; k++) {
    const folio_manager_series *s = book->strategies[k];
    size_t i = lower_bound(s, win[0]);
    for (size_t t = 0; t < window; t++, i++) {
      if (i >= s->n_days || strcmp(s->dates[i], win[t]) != 0) {
        /* i < n_days here: the window ends at the earliest last date */
        st = folio_error_set(err, FOLIO_EMISSING,
                             "%s:%zu: missing day %s (the record here is %s; every strategy needs every "
                             "date of the window %s..%s that another strategy has)",
                             s->path, s->lines[i], win[t], s->dates[i], win[0], win[window - 1]);
        goto done;
      }
      returns[t + k * ld] = s->returns[i];
    }
  }
  if (first_date) memcpy(first_date, win[0], FOLIO_MANAGER_DATE_SIZE);
  if (last_date) memcpy(last_date, win[window - 1], FOLIO_MANAGER_DATE_SIZE);
done:
  free(cal);
  return st;
}

/* ==== objective ============================================================= */

folio_status folio_manager_moments(size_t n_days, size_t n_strategies, const double *returns,
                                   size_t ld, double *slope, double *cov, size_t ldc,
                                   folio_error *err) {
  folio_error_clear(err);
  if (!returns || !slope || !cov)
    return folio_error_set(err, FOLIO_EINVAL, "manager.moments: returns, slope and cov must not be NULL");
  if (n_days < 2) return folio_error_set(err, FOLIO_EINVAL, "manager.moments: need >= 2 days, got %zu", n_days);
  if (n_strategies == 0 || ld < n_days || ldc < n_strategies)
    return folio_error_set(err, FOLIO_EINVAL, "manager.moments: bad sizes (n_strategies %zu, ld %zu, ldc %zu)",
                           n_strategies, ld, ldc);
  for (size_t k = 0; k < n_strategies; k++)
    for (size_t t = 0; t < n_days; t++)
      if (!isfinite(returns[t + k * ld]))
        return folio_error_set(err, FOLIO_ENOTFINITE, "manager.moments: return at row %zu, column %zu is not finite",
                               t, k);
  double N = (double)n_days, tbar = (N - 1) / 2, sxx = N * (N * N - 1) / 12; /* sum (t - tbar)^2 */
  for (size_t k = 0; k < n_strategies; k++) {
    const double *r = returns + k * ld;
    double c = 0, sxy = 0;
    for (size_t t = 0; t < n_days; t++) {
      c += r[t];
      sxy += ((double)t - tbar) * c;
    }
    slope[k] = sxy / sxx;
  }
  for (size_t j = 0; j < n_strategies; j++) {
    const double *a = returns + j * ld;
    double ma = 0;
    for (size_t t = 0; t < n_days; t++) ma += a[t];
    ma /= N;
    for (size_t k = j; k < n_strategies; k++) {
      const double *b = returns + k * ld;
      double mb = 0, s = 0;
      for (size_t t = 0; t < n_days; t++) mb += b[t];
      mb /= N;
      for (size_t t = 0; t < n_days; t++) s += (a[t] - ma) * (b[t] - mb);
      cov[j + k * ldc] = cov[k + j * ldc] = s / (N - 1);
    }
  }
  return FOLIO_OK;
}

double folio_manager_objective(size_t n, const double *slope, const double *cov, size_t ldc,
                               const double *w, double *grad) {
  double sw = 0, var = 0;
  for (size_t i = 0; i < n; i++) {
    sw += slope[i] * w[i];
    double cw = 0;
    for (size_t j = 0; j < n; j++) cw += cov[i + j * ldc] * w[j];
    var += w[i] * cw;
    if (grad) grad[i] = cw; /* (Cw)_i, finished below */
  }
  if (!(var > 1e-300)) var = 1e-300;
  double sd = sqrt(var);
  if (grad)
    for (size_t i = 0; i < n; i++) grad[i] = slope[i] / sd - sw * grad[i] / (var * sd);
  return sw / sd;
}

/* ==== optimiser ============================================================= */

typedef struct objdata {
  size_t n;
  const double *slope, *cov;
} objdata;

static double nl_objective(unsigned n, const double *x, double *grad, void *data) {
  const objdata *d = data;
  return folio_manager_objective(n, d->slope, d->cov, d->n, x, grad);
}

static double nl_sum(unsigned n, const double *x, double *grad, void *data) {
  (void)data;
  double s = -1.0;
  for (unsigned i = 0; i < n; i++) {
    s += x[i];
    if (grad) grad[i] = 1.0;
  }
  return s;
}

/* Projects x onto the simplex the simple way: clip to [0, 1], zero the tiny,
 * renormalise (an all-zero x becomes the centre). */
static void to_simplex(size_t n, double *x, double tiny) {
  double s = 0;
  for (size_t i = 0; i < n; i++) {
    if (!(x[i] > tiny)) x[i] = 0;
    if (x[i] > 1) x[i] = 1;
    s += x[i];
  }
  for (size_t i = 0; i < n; i++) x[i] = s > 0 ? x[i] / s : 1.0 / (double)n;
}

static uint64_t splitmix(uint64_t *s) {
  uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

static folio_status check_options(const folio_manager_options *o, folio_error *err) {
  if (!o) return folio_error_set(err, FOLIO_EINVAL, "manager: options must not be NULL");
  if (!(o->target_vol > 0) || !isfinite(o->target_vol))
    return folio_error_set(err, FOLIO_EINVAL, "manager: target_vol must be a finite number > 0, got %g", o->target_vol);
  if (!(o->max_leverage >= 0) || !isfinite(o->max_leverage))
    return folio_error_set(err, FOLIO_EINVAL, "manager: max_leverage must be > 0 (0 = no cap), got %g",
                           o->max_leverage);
  if (!(o->account_value > 0) || !isfinite(o->account_value))
    return folio_error_set(err, FOLIO_EINVAL, "manager: account_value must be a finite number > 0, got %g",
                           o->account_value);
  if (o->window < 2 || o->window > FOLIO_MAX_DIM)
    return folio_error_set(err, FOLIO_EINVAL, "manager: window must be between 2 and %zu days, got %zu",
                           (size_t)FOLIO_MAX_DIM, o->window);
  if (o->n_random_starts > 1000)
    return folio_error_set(err, FOLIO_EINVAL, "manager: n_random_starts must be <= 1000, got %zu", o->n_random_starts);
  return FOLIO_OK;
}

folio_status folio_manager_optimize(size_t n_days, size_t n_strategies, const double *returns,
                                    size_t ld, const char *const *names,
                                    const folio_manager_options *opts, double *weights,
                                    folio_manager_fit *fit, folio_error *err) {
  folio_error_clear(err);
  folio_status st = check_options(opts, err);
  if (st != FOLIO_OK) return st;
  if (!weights || !fit) return folio_error_set(err, FOLIO_EINVAL, "manager: weights and fit must not be NULL");
  if (n_strategies == 0 || n_strategies > 4096)
    return folio_error_set(err, FOLIO_EINVAL, "manager: n_strategies must be between 1 and 4096, got %zu",
                           n_strategies);
  size_t K = n_strategies;
  double *buf = malloc(sizeof(double) * (K * K + 5 * K + 4));
  if (!buf) return folio_error_set(err, FOLIO_ENOMEM, "manager: out of memory");
  double *cov = buf, *slope = cov + K * K, *x = slope + K, *best = x + K, *lb = best + K, *ub = lb + K;
  nlopt_opt opt = NULL;
  if ((st = folio_manager_moments(n_days, K, returns, ld, slope, cov, K, err)) != FOLIO_OK) goto done;
  double maxvar = 0;
  for (size_t k = 0; k < K; k++) {
    /* constant returns leave a variance of rounding noise (~1e-32 mean^2), not 0 */
    double mean = 0;
    for (size_t t = 0; t < n_days; t++) mean += returns[t + k * ld];
    mean /= (double)n_days;
    if (!(cov[k + k * K] > 1e-20 * mean * mean) || !(cov[k + k * K] > 0)) {
      char nb[32];
      st = folio_error_set(err, FOLIO_EDEGENERATE,
                           "manager: strategy %s has zero volatility over the window (constant returns); "
                           "remove it or change the window",
                           folio_i_symbol(names, k, nb, sizeof nb));
      goto done;
    }
    if (cov[k + k * K] > maxvar) maxvar = cov[k + k * K];
  }
  size_t n_starts = K == 1 ? 1 : K + 1 + opts->n_random_starts, at_best = 0;
  double best_f = -HUGE_VAL;
  objdata od = {K, slope, cov};
  if (K == 1) {
    best[0] = 1.0;
    best_f = folio_manager_objective(1, slope, cov, 1, best, NULL);
    at_best = 1;
  } else {
    opt = nlopt_create(NLOPT_LD_SLSQP, (unsigned)K);
    if (!opt) {
      st = folio_error_set(err, FOLIO_ENOMEM, "manager: out of memory (nlopt_create)");
      goto done;
    }
    for (size_t k = 0; k < K; k++) lb[k] = 0.0, ub[k] = 1.0;
    if (nlopt_set_max_objective(opt, nl_objective, &od) < 0 || nlopt_set_lower_bounds(opt, lb) < 0 ||
        nlopt_set_upper_bounds(opt, ub) < 0 || nlopt_add_equality_constraint(opt, nl_sum, NULL, 1e-14) < 0 ||
        nlopt_set_xtol_rel(opt, 1e-12) < 0 || nlopt_set_ftol_rel(opt, 1e-15) < 0 ||
        nlopt_set_maxeval(opt, 500) < 0) {
      st = folio_error_set(err, FOLIO_ENOMEM, "manager: setting up NLopt failed (%s)", nlopt_get_errmsg(opt));
      goto done;
    }
    double *fv = malloc(sizeof(double) * n_starts);
    if (!fv) {
      st = folio_error_set(err, FOLIO_ENOMEM, "manager: out of memory");
      goto done;
    }
    uint64_t rs = opts->seed;
    for (size_t s = 0; s < n_starts; s++) {
      if (s < K) { /* a vertex */
        for (size_t k = 0; k < K; k++) x[k] = k == s ? 1.0 : 0.0;
      } else if (s == K) { /* the centre */
        for (size_t k = 0; k < K; k++) x[k] = 1.0 / (double)K;
      } else { /* uniform on the simplex: normalised exponentials */
        double sum = 0;
        for (size_t k = 0; k < K; k++) {
          double u = ((double)(splitmix(&rs) >> 11) + 0.5) * 0x1.0p-53;
          x[k] = -log(u);
          sum += x[k];
        }
        for (size_t k = 0; k < K; k++) x[k] /= sum;
      }
      double f = 0;
      nlopt_optimize(opt, x, &f); /* a failed run still leaves its best point in x */
      to_simplex(K, x, 1e-10);
      f = folio_manager_objective(K, slope, cov, K, x, NULL);
      fv[s] = isfinite(f) ? f : -HUGE_VAL;
      if (fv[s] > best_f) {
        best_f = fv[s];
        memcpy(best, x, sizeof(double) * K);
      }
    }
    double tol = 1e-9 * fmax(1.0, fabs(best_f));
    for (size_t s = 0; s < n_starts; s++) at_best += fv[s] >= best_f - tol;
    free(fv);
  }
  double sw = 0, var = 0;
  for (size_t i = 0; i < K; i++) {
    sw += slope[i] * best[i];
    for (size_t j = 0; j < K; j++) var += best[i] * cov[i + j * K] * best[j];
  }
  if (!(var > 1e-16 * maxvar)) { /* a std 1e-8 of the strategies' own is zero for leverage */
    st = folio_error_set(err, FOLIO_EDEGENERATE,
                         "manager: the optimal combination has zero volatility over the window "
                         "(the strategies hedge each other exactly); leverage is undefined");
    goto done;
  }
  memcpy(weights, best, sizeof(double) * K);
  fit->slope = sw;
  fit->daily_std = sqrt(var);
  fit->score = sw / fit->daily_std;
  fit->ann_vol = fit->daily_std * sqrt((double)FOLIO_MANAGER_DAYS_PER_YEAR);
  fit->raw_leverage = opts->target_vol / fit->ann_vol;
  fit->capped = opts->max_leverage > 0 && fit->raw_leverage > opts->max_leverage;
  fit->leverage = fit->capped ? opts->max_leverage : fit->raw_leverage;
  fit->n_starts = n_starts;
  fit->starts_at_best = at_best;
done:
  nlopt_destroy(opt);
  free(buf);
  return st;
}

/* ==== run =================================================================== */

void folio_manager_report_free(folio_manager_report *r) {
  if (!r) return;
  for (size_t i = 0; i < r->n_strategies; i++) free(r->names[i]);
  free(r->names);
  free(r->weights);
  for (size_t i = 0; i < r->n_skipped; i++) free(r->skipped[i]);
  free(r->skipped);
  free(r);
}

folio_status folio_manager_run(const char *root, const folio_manager_options *opts,
                               folio_manager_report **out, folio_error *err) {
  folio_error_clear(err);
  folio_status st = check_options(opts, err);
  if (st != FOLIO_OK) return st;
  if (!root || !out) return folio_error_set(err, FOLIO_EINVAL, "manager: root and out must not be NULL");
  folio_manager_book *b = NULL;
  if ((st = folio_manager_scan(root, &b, err)) != FOLIO_OK) return st;
  size_t K = b->n_strategies, N = opts->window, cells;
  double *R = NULL;
  folio_manager_report *r = calloc(1, sizeof *r);
  if (folio_i_mul(N, K, &cells) != 0 || cells > FOLIO_MAX_ELEMS) {
    st = folio_error_set(err, FOLIO_EDIM, "manager: window x strategies too large");
    goto done;
  }
  R = malloc(sizeof(double) * cells);
  if (!r || !R || !(r->names = calloc(K, sizeof *r->names)) || !(r->weights = calloc(K, sizeof(double)))) {
    st = folio_error_set(err, FOLIO_ENOMEM, "manager: out of memory");
    goto done;
  }
  r->n_strategies = K;
  for (size_t k = 0; k < K; k++) r->names[k] = b->strategies[k]->name, b->strategies[k]->name = NULL;
  r->n_skipped = b->n_skipped;
  r->skipped = b->skipped;
  b->skipped = NULL;
  b->n_skipped = 0;
  if ((st = folio_manager_align(b, N, R, N, r->first_date, r->asof, err)) != FOLIO_OK) goto done;
  if ((st = folio_manager_optimize(N, K, R, N, (const char *const *)r->names, opts, r->weights, &r->fit, err)) !=
      FOLIO_OK)
    goto done;
  r->window_days = N;
  r->account_value = opts->account_value;
  r->target_vol = opts->target_vol;
  r->max_leverage = opts->max_leverage;
done:
  free(R);
  folio_manager_book_free(b);
  if (st != FOLIO_OK) {
    folio_manager_report_free(r);
    return st;
  }
  *out = r;
  return FOLIO_OK;
}

/* ==== portfolio_config.json ================================================= */

typedef struct sbuf {
  char *p;
  size_t n, cap;
  int oom;
} sbuf;

static void sb_add(sbuf *b, const char *s, size_t n) {
  if (b->oom) return;
  if (n >= b->cap - b->n) {
    size_t cap = b->cap ? b->cap : 512;
    while (cap - b->n <= n) cap *= 2;
    char *p = realloc(b->p, cap);
    if (!p) {
      b->oom = 1;
      return;
    }
    b->p = p;
    b->cap = cap;
  }
  memcpy(b->p + b->n, s, n);
  b->n += n;
  b->p[b->n] = '\0';
}

static void sb_str(sbuf *b, const char *s) { sb_add(b, s, strlen(s)); }

static void sb_quote(sbuf *b, const char *s) {
  sb_add(b, "\"", 1);
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    char esc[8];
    if (*p == '"' || *p == '\\') {
      esc[0] = '\\', esc[1] = (char)*p;
      sb_add(b, esc, 2);
    } else if (*p < 0x20) {
      snprintf(esc, sizeof esc, "\\u%04x", *p);
      sb_str(b, esc);
    } else {
      sb_add(b, (const char *)p, 1);
    }
  }
  sb_add(b, "\"", 1);
}

static folio_status sb_num(sbuf *b, double x, const char *what, folio_error *err) {
  char num[FOLIO_JSON_NUMBER_MAX];
  if (folio_json_number(x, num, NULL) != FOLIO_OK)
    return folio_error_set(err, FOLIO_ENOTFINITE, "manager: %s is not finite", what);
  sb_str(b, num);
  return FOLIO_OK;
}

folio_status folio_manager_config_json(const folio_manager_report *r, char **out,
                                       folio_error *err) {
  folio_error_clear(err);
  if (!r || !out) return folio_error_set(err, FOLIO_EINVAL, "manager: report and out must not be NULL");
  sbuf b = {0};
  folio_status st;
  char tmp[64];
  sb_str(&b, "{\n  \"account_value\": ");
  if ((st = sb_num(&b, r->account_value, "account_value", err)) != FOLIO_OK) goto fail;
  sb_str(&b, ",\n  \"ann_volatility_pct\": ");
  if ((st = sb_num(&b, 100.0 * r->fit.ann_vol, "ann_volatility_pct", err)) != FOLIO_OK) goto fail;
  sb_str(&b, ",\n  \"asof\": ");
  sb_quote(&b, r->asof);
  sb_str(&b, ",\n  \"leverage\": ");
  if ((st = sb_num(&b, r->fit.leverage, "leverage", err)) != FOLIO_OK) goto fail;
  sb_str(&b, ",\n  \"skipped\": [");
  for (size_t i = 0; i < r->n_skipped; i++) {
    if (i) sb_str(&b, ", ");
    sb_quote(&b, r->skipped[i]);
  }
  sb_str(&b, "],\n  \"target_vol_pct\": ");
  if ((st = sb_num(&b, 100.0 * r->target_vol, "target_vol_pct", err)) != FOLIO_OK) goto fail;
  sb_str(&b, ",\n  \"weights\": {");
  for (size_t i = 0; i < r->n_strategies; i++) {
    sb_str(&b, i ? ",\n    " : "\n    ");
    sb_quote(&b, r->names[i]);
    sb_str(&b, ": ");
    if ((st = sb_num(&b, r->weights[i], "a weight", err)) != FOLIO_OK) goto fail;
  }
  snprintf(tmp, sizeof tmp, "%s},\n  \"window_days\": %zu\n}\n", r->n_strategies ? "\n  " : "", r->window_days);
  sb_str(&b, tmp);
  if (b.oom) {
    st = folio_error_set(err, FOLIO_ENOMEM, "manager: out of memory");
    goto fail;
  }
  folio_error jerr;
  if (folio_json_check(b.p, b.n, &jerr) != FOLIO_OK) {
    st = folio_error_set(err, FOLIO_EPARSE, "manager: portfolio_config.json would not be valid JSON "
                                            "(a strategy name that is not UTF-8?): %s", jerr.message);
    goto fail;
  }
  *out = b.p;
  return FOLIO_OK;
fail:
  free(b.p);
  return st;
}

folio_status folio_manager_write_config(const char *path, const folio_manager_report *r,
                                        folio_error *err) {
  folio_error_clear(err);
  if (!path) return folio_error_set(err, FOLIO_EINVAL, "manager: path must not be NULL");
  char *text = NULL;
  folio_status st = folio_manager_config_json(r, &text, err);
  if (st != FOLIO_OK) return st;
  size_t pl = strlen(path);
  char *tmp = malloc(pl + 16), *dir = malloc(pl + 2);
  int fd = -1;
  if (!tmp || !dir) {
    st = folio_error_set(err, FOLIO_ENOMEM, "manager: out of memory");
    goto done;
  }
  const char *slash = strrchr(path, '/');
  if (slash) {
    size_t dl = slash == path ? 1 : (size_t)(slash - path);
    memcpy(dir, path, dl);
    dir[dl] = '\0';
  } else {
    strcpy(dir, ".");
  }
  snprintf(tmp, pl + 16, "%s.tmp.XXXXXX", path);
  fd = mkstemp(tmp);
  if (fd < 0) {
    st = folio_error_set(err, FOLIO_EIO, "manager: cannot create a temporary file beside %s (%s)", path,
                         strerror(errno));
    goto done;
  }
  size_t len = strlen(text), off = 0;
  while (off < len) {
    ssize_t w = write(fd, text + off, len - off);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) {
      st = folio_error_set(err, FOLIO_EIO, "manager: cannot write %s (%s)", tmp, strerror(errno));
      goto done;
    }
    off += (size_t)w;
  }
  if (fchmod(fd, 0644) != 0 || fsync(fd) != 0) {
    st = folio_error_set(err, FOLIO_EIO, "manager: cannot sync %s (%s)", tmp, strerror(errno));
    goto done;
  }
  int c = close(fd);
  fd = -1;
  if (c != 0) {
    st = folio_error_set(err, FOLIO_EIO, "manager: cannot close %s (%s)", tmp, strerror(errno));
    goto done;
  }
  if (rename(tmp, path) != 0) {
    st = folio_error_set(err, FOLIO_EIO, "manager: cannot rename %s to %s (%s)", tmp, path, strerror(errno));
    goto done;
  }
  tmp[0] = '\0'; /* renamed: nothing to remove */
  int dfd = open(dir, O_RDONLY);
  if (dfd >= 0) { /* the rename is durable once the folder is synced */
    if (fsync(dfd) != 0 && errno != EINVAL)
      st = folio_error_set(err, FOLIO_EIO, "manager: cannot sync folder %s (%s)", dir, strerror(errno));
    close(dfd);
  }
done:
  if (fd >= 0) close(fd);
  if (tmp && tmp[0] && st != FOLIO_OK) unlink(tmp);
  free(tmp);
  free(dir);
  free(text);
  return st;
}
