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
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_internal.h"

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
  size_t base = JSON_DECODE_ANY | JSON_ALLOW_NUL | flags;
  json_t *v = json_loadb(text, len, base, &e);
  if (!v && json_error_code(&e) == json_error_numeric_overflow && strncmp(e.text, "too big integer", 15) == 0)
    v = json_loadb(text, len, base | JSON_DECODE_INT_AS_REAL, &e); /* RFC 8259 allows it */
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

/* The fewest of 15..17 significant digits that carry x back exactly. */
static int digits_for(double x) {
  char buf[40];
  for (int p = 15; p < 17; p++) {
    snprintf(buf, sizeof buf, "%.*g", p, x);
    if (strtod(buf, NULL) == x) return p;
  }
  return 17;
}

/* Writes the real x as jansson does, with digits_for(x) digits, into buf
 * (FOLIO_JSON_NUMBER_MAX bytes, NUL-terminated); returns the length, 0 on
 * failure. */
static size_t real_text(double x, char *buf) {
  json_t *r = json_real(x);
  size_t n = r ? json_dumpb(r, buf, FOLIO_JSON_NUMBER_MAX - 1, JSON_ENCODE_ANY | JSON_REAL_PRECISION(digits_for(x)))
               : 0;
  json_decref(r);
  if (n >= FOLIO_JSON_NUMBER_MAX) n = 0;
  buf[n] = '\0';
  return n;
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
 * their own (a quote inside a string is always escaped) and a real as one
 * chunk with a '.' or an 'e' (written with 17 digits: exact); such a chunk
 * outside a string is read back and written with the fewest digits that
 * carry it. The caller checks the result reads back equal to the tree. */
static int on_chunk(const char *buf, size_t size, void *data) {
  sink *s = data;
  if (size == 1 && buf[0] == '"') s->in_string = !s->in_string;
  else if (!s->in_string && size < FOLIO_JSON_NUMBER_MAX && (buf[0] == '-' || (buf[0] >= '0' && buf[0] <= '9')) &&
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
  if (json_dump_callback(v, on_chunk, &s, f) != 0) {
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
  if (real_text(x, buf) == 0) return folio_error_set(err, FOLIO_ENOMEM, "json: out of memory");
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
    if (c == ' ' || c == '\t' || c == '\r' || c == ',' || c == ':' || c == ']' || c == '}') {
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
    } else { /* a number or a literal */
      while (i < len && !strchr(" \t\r\n,:]}", text[i] ? text[i] : ' ')) i++;
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
