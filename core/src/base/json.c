/*
 * json.c — folio's JSON on jansson (json.h, json_internal.h): the strict
 * parse every reader goes through (jansson's parser plus folio's depth limit
 * and messages with line and column), the writer every producer goes
 * through (sorted keys, each real in the shortest of 15/16/17 significant
 * digits that reads back to the same double), the number writer of json.h,
 * and the position index of readers that point at a line.
 *
 * jansson refuses what lenient encoders emit (NaN, Infinity, trailing
 * commas, single quotes, leading zeros, control characters, invalid UTF-8)
 * and bounds its own recursion (2048 levels); folio's limit of
 * FOLIO_JSON_MAX_DEPTH is checked on the tree it returns.
 */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_internal.h"
#include "plumbing.h"

/* ==== parsing ============================================================= */

/* Container nesting of v: 0 for a scalar, 1 for [] or {}. The tree is at
 * most jansson's 2048 levels deep, so the recursion is bounded. */
static int depth_of(const json_t *v) {
  int d = 0;
  if (json_is_array(v)) {
    size_t i;
    json_t *x;
    json_array_foreach(v, i, x) {
      int c = depth_of(x);
      if (c > d) d = c;
    }
    return d + 1;
  }
  if (json_is_object(v)) {
    const char *k;
    json_t *x;
    json_object_foreach((json_t *)v, k, x) {
      int c = depth_of(x);
      if (c > d) d = c;
    }
    return d + 1;
  }
  return 0;
}

/* Whether the integer token of n digits at p (after any '-') overflows
 * int64_t, jansson's json_int_t. */
static int int_overflows(const char *p, size_t n, int negative) {
  static const char max_pos[] = "9223372036854775807", max_neg[] = "9223372036854775808";
  if (n != 19) return n > 19;
  return memcmp(p, negative ? max_neg : max_pos, 19) > 0;
}

/* A copy of text in which every integer literal outside strings that
 * overflows int64_t is respelled, at the same place and in no more bytes
 * (padded with spaces), as the double it denotes: its 17 significant digits
 * as an integer mantissa and an exponent ("12345678901234568e3"), which
 * reads back as the same double. jansson can only read every integer of a
 * document as a double or none; this keeps the small ones integers, as
 * folio's readers always did, and keeps line:column of any later error.
 * NULL when out of memory. */
static char *respell_big_integers(const char *text, size_t len) {
  char *t = malloc(len + 1);
  if (!t) return NULL;
  memcpy(t, text, len);
  t[len] = '\0';
  for (size_t i = 0; i < len;) {
    char ch = t[i];
    if (ch == '"') { /* skip the string, escapes included */
      for (i++; i < len && t[i] != '"'; i += t[i] == '\\' ? 2 : 1) {}
      i++;
      continue;
    }
    if (ch != '-' && (ch < '0' || ch > '9')) {
      i++;
      continue;
    }
    size_t start = i, digits = i + (ch == '-');
    size_t end = digits;
    while (end < len && t[end] >= '0' && t[end] <= '9') end++;
    int is_int = end > digits && (end == len || !strchr(".eE", t[end]));
    size_t next = end;
    while (next < len && strchr("0123456789.eE+-", t[next])) next++;
    if (is_int && int_overflows(t + digits, end - digits, ch == '-')) {
      char num[40], mant[24];
      double x = strtod(t + start, NULL);  /* digits only: no locale involved */
      snprintf(num, sizeof num, "%.16e", x); /* d.dddddddddddddddde+XX */
      char *e = strchr(num, 'e');
      int exp10 = e ? atoi(e + 1) - 16 : 0;
      size_t m = 0;
      if (num[0] == '-') mant[m++] = '-';
      for (const char *q = num + (num[0] == '-'); q < e && m < sizeof mant - 1; q++)
        if (*q != '.') mant[m++] = *q;
      mant[m] = '\0';
      int w = snprintf(num, sizeof num, "%se%d", mant, exp10);
      if (w > 0 && (size_t)w <= end - start) {
        memcpy(t + start, num, (size_t)w);
        memset(t + start + w, ' ', end - start - (size_t)w);
      }
    }
    i = next > i ? next : i + 1;
  }
  return t;
}

/* A hint after jansson's account: NaN/Infinity (which lenient encoders
 * write) where it saw an invalid token, overflow, invalid UTF-8. */
static const char *hint(const char *text, size_t len, const json_error_t *e) {
  enum json_error_code code = json_error_code(e);
  if (code == json_error_numeric_overflow) return " (number out of range: it overflows a double)";
  if (code == json_error_invalid_utf8) return " (invalid UTF-8)";
  const char *tok = strstr(e->text, "invalid token near '");
  if (code != json_error_invalid_syntax || !tok) return "";
  tok += strlen("invalid token near '");
  size_t at = e->position > 0 ? (size_t)e->position : 0;
  if (strncmp(tok, "NaN", 3) == 0 || strncmp(tok, "Inf", 3) == 0 ||
      (strncmp(tok, "-'", 2) == 0 && at < len && text[at] == 'I'))
    return " (NaN and Infinity are not JSON)";
  return "";
}

folio_status folio_i_json_parse(const char *name, const char *text, size_t len, size_t flags,
                                json_t **out, folio_error *err) {
  folio_error_clear(err);
  if (out) *out = NULL;
  if (!name) name = "json";
  if (!text) return folio_error_set(err, FOLIO_EINVAL, "%s: text is NULL", name);
  json_error_t e;
  size_t base = JSON_DECODE_ANY | JSON_ALLOW_NUL | JSON_REJECT_DUPLICATES | flags; /* strict: a duplicate key is an error, never "last wins" */
  json_t *v = json_loadb(text, len, base, &e);
  if (!v && json_error_code(&e) == json_error_numeric_overflow && strncmp(e.text, "too big integer", 15) == 0) {
    /* RFC 8259 allows integers beyond int64: read those (only) as doubles */
    char *wide = respell_big_integers(text, len);
    if (!wide) return folio_error_set(err, FOLIO_ENOMEM, "%s: out of memory", name);
    v = json_loadb(wide, len, base, &e);
    free(wide);
  }
  if (!v) {
    enum json_error_code code = json_error_code(&e);
    if (code == json_error_out_of_memory) return folio_error_set(err, FOLIO_ENOMEM, "%s: out of memory", name);
    folio_status st = code == json_error_stack_overflow ? FOLIO_EDIM : FOLIO_EPARSE;
    if (e.line < 0) return folio_error_set(err, st, "%s: %s%s", name, e.text, hint(text, len, &e));
    return folio_error_set(err, st, "%s:%d:%d: %s%s", name, e.line, e.column, e.text, hint(text, len, &e));
  }
  if (depth_of(v) > FOLIO_JSON_MAX_DEPTH) {
    json_decref(v);
    return folio_error_set(err, FOLIO_EDIM, "%s: nesting deeper than %d levels", name, FOLIO_JSON_MAX_DEPTH);
  }
  if (out)
    *out = v;
  else
    json_decref(v);
  return FOLIO_OK;
}

folio_status folio_json_check(const char *text, size_t len, folio_error *err) {
  return folio_i_json_parse("json", text, len, 0, NULL, err);
}

/* ==== writing ============================================================= */

/* Writes the finite x into buf (FOLIO_JSON_NUMBER_MAX bytes, NUL-terminated)
 * as folio always has: the fewest of 15..17 significant digits ("%.Ng") that
 * carry x back exactly, with ".0" appended when the text would read as an
 * integer; returns the length. The caller runs in the "C" numeric locale. */
static size_t real_text(double x, char *buf) {
  static const char *const formats[] = {"%.15g", "%.16g", "%.17g"};
  for (int i = 0; i < 3; i++) {
    snprintf(buf, FOLIO_JSON_NUMBER_MAX, formats[i], x);
    if (strtod(buf, NULL) == x) break;
  }
  if (!strpbrk(buf, ".eEn")) strcat(buf, ".0"); /* keep it a float for readers */
  return strlen(buf);
}

/* The text being written: jansson's chunks, each real rewritten shortest. */
typedef struct sink {
  char *p;
  size_t n, cap;
  int in_string;
} sink;

static int sink_add(sink *s, const char *buf, size_t size) {
  if (size >= s->cap - s->n) {
    size_t cap = s->cap ? s->cap : 256;
    while (size >= cap - s->n) {
      if (cap > ((size_t)-1) / 2) return -1;
      cap *= 2;
    }
    char *p = realloc(s->p, cap);
    if (!p) return -1;
    s->p = p;
    s->cap = cap;
  }
  memcpy(s->p + s->n, buf, size);
  s->n += size;
  s->p[s->n] = '\0';
  return 0;
}

/* jansson's dump callback. jansson hands a string's quotes over as chunks of
 * their own (a quote inside a string is always escaped), each escape as a
 * chunk of its own, and a real as one chunk with a '.' or an 'e' (written
 * with 17 digits: exact). Such a real outside a string is read back and
 * written as real_text does; a \u00XX escape is written in lower case. Both
 * keep the text byte for byte what folio wrote before it used jansson (the
 * store's digests depend on it). The caller checks the result reads back
 * equal to the tree. */
static int on_chunk(const char *buf, size_t size, void *data) {
  sink *s = data;
  if (size == 1 && buf[0] == '"') s->in_string = !s->in_string;
  else if (s->in_string && size == 6 && buf[0] == '\\' && buf[1] == 'u') {
    char low[6];
    for (int i = 0; i < 6; i++) low[i] = (char)tolower((unsigned char)buf[i]);
    return sink_add(s, low, 6);
  } else if (!s->in_string && size < FOLIO_JSON_NUMBER_MAX && (buf[0] == '-' || (buf[0] >= '0' && buf[0] <= '9')) &&
           (memchr(buf, '.', size) || memchr(buf, 'e', size))) {
    json_t *r = json_loadb(buf, size, JSON_DECODE_ANY, NULL);
    char num[FOLIO_JSON_NUMBER_MAX];
    size_t n = json_is_real(r) ? real_text(json_real_value(r), num) : 0;
    json_decref(r);
    if (n) return sink_add(s, num, n);
  }
  return sink_add(s, buf, size);
}

folio_status folio_i_json_dump(const char *who, const json_t *v, size_t flags, char **out,
                               size_t *len, folio_error *err) {
  folio_error_clear(err);
  if (!v || !out) return folio_error_set(err, FOLIO_EINVAL, "%s: value and out must not be NULL", who);
  *out = NULL;
  size_t f = flags | JSON_SORT_KEYS | JSON_ENCODE_ANY | JSON_REAL_PRECISION(17);
  sink s = {NULL, 0, 0, 0};
  folio_i_c_locale loc;
  folio_status st = folio_i_c_locale_begin(&loc, who, err);
  if (st != FOLIO_OK) return st;
  int failed = json_dump_callback(v, on_chunk, &s, f) != 0;
  folio_i_c_locale_end(&loc);
  if (failed) {
    free(s.p);
    return folio_error_set(err, FOLIO_ENOMEM, "%s: out of memory (or a value JSON cannot hold)", who);
  }
  /* belt and braces: the text must read back to the same tree, else plain 17 digits */
  json_t *back = json_loadb(s.p, s.n, JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);
  int same = back && json_equal(back, v);
  json_decref(back);
  if (!same) {
    free(s.p);
    s.p = json_dumps(v, f);
    if (!s.p) return folio_error_set(err, FOLIO_ENOMEM, "%s: out of memory", who);
    s.n = strlen(s.p);
  }
  *out = s.p;
  if (len) *len = s.n;
  return FOLIO_OK;
}

folio_status folio_json_number(double x, char *buf, folio_error *err) {
  folio_error_clear(err);
  if (!buf) return folio_error_set(err, FOLIO_EINVAL, "json: buf is NULL");
  if (!isfinite(x))
    return folio_error_set(err, FOLIO_ENOTFINITE, "json: %s cannot be written as JSON",
                           isnan(x) ? "NaN" : (x > 0 ? "Infinity" : "-Infinity"));
  folio_i_c_locale loc;
  folio_status st = folio_i_c_locale_begin(&loc, "json", err);
  if (st != FOLIO_OK) return st;
  real_text(x, buf);
  folio_i_c_locale_end(&loc);
  return FOLIO_OK;
}

/* ==== positions =========================================================== */

folio_status folio_i_json_positions(const char *who, const char *text, size_t len,
                                    folio_i_json_pos **out, size_t *n, folio_error *err) {
  size_t cap = 64, k = 0, line = 1, line_start = 0;
  folio_i_json_pos *pos = malloc(cap * sizeof *pos);
  if (!pos) return folio_error_set(err, FOLIO_ENOMEM, "%s: out of memory", who);
  for (size_t i = 0; i < len;) {
    char c = text[i];
    if (c == '\n' || (c == '\r' && (i + 1 >= len || text[i + 1] != '\n'))) {
      line++;
      line_start = ++i;
      continue;
    }
    /* a NUL starts nothing: jansson takes "9\0" as the number 9 */
    if (c == ' ' || c == '\t' || c == '\r' || c == ',' || c == ':' || c == ']' || c == '}' || c == '\0') {
      i++;
      continue;
    }
    if (k == cap) { /* a key or a value starts here */
      folio_i_json_pos *p = realloc(pos, 2 * cap * sizeof *pos);
      if (!p) {
        free(pos);
        return folio_error_set(err, FOLIO_ENOMEM, "%s: out of memory", who);
      }
      pos = p;
      cap *= 2;
    }
    pos[k].line = line;
    pos[k++].col = i - line_start + 1;
    if (c == '"') { /* accepted text: the string ends at the first unescaped quote */
      for (i++; i < len && text[i] != '"'; i += text[i] == '\\' ? 2 : 1) {}
      i++;
    } else if (c == '[' || c == '{') {
      i++;
    } else { /* a number or a literal: at least one byte */
      do i++;
      while (i < len && !strchr(" \t\r\n,:]}", text[i] ? text[i] : ' '));
    }
  }
  *out = pos;
  *n = k;
  return FOLIO_OK;
}

size_t folio_i_json_count(const json_t *v) {
  size_t n = 1;
  if (json_is_array(v)) {
    size_t i;
    json_t *x;
    json_array_foreach(v, i, x) n += folio_i_json_count(x);
  } else if (json_is_object(v)) {
    const char *k;
    json_t *x;
    json_object_foreach((json_t *)v, k, x) n += 1 + folio_i_json_count(x);
  }
  return n;
}
