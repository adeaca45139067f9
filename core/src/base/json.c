/*
 * json.c — a strict JSON checker and a round-tripping number writer (json.h).
 *
 * The checker is iterative (an explicit stack of FOLIO_JSON_MAX_DEPTH
 * container kinds), so hostile nesting cannot exhaust the C stack, and it
 * never allocates. It accepts exactly RFC 8259 plus valid UTF-8 and rejects
 * what lenient encoders emit (NaN, Infinity, trailing commas, single quotes,
 * leading zeros, control characters in strings).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "folio/json.h"

typedef struct cursor {
  const unsigned char *p, *end, *start;
  folio_error *err;
} cursor;

static folio_status fail(cursor *c, const char *what) {
  size_t at = (size_t)(c->p - c->start);
  if (c->p >= c->end)
    return folio_error_set(c->err, FOLIO_EPARSE, "json: %s at offset %zu (end of text)", what, at);
  return folio_error_set(c->err, FOLIO_EPARSE, "json: %s at offset %zu (found '%c')", what, at,
                         (*c->p >= 0x20 && *c->p < 0x7f) ? *c->p : '?');
}

static void skip_ws(cursor *c) {
  while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' || *c->p == '\n' || *c->p == '\r')) c->p++;
}

static int hexval(unsigned char ch) {
  if (ch >= '0' && ch <= '9') return ch - '0';
  if (ch >= 'a' && ch <= 'f') return ch - 'a' + 10;
  if (ch >= 'A' && ch <= 'F') return ch - 'A' + 10;
  return -1;
}

/* One UTF-8 sequence starting at c->p (a lead byte >= 0x80); advances past it. */
static int utf8_seq(cursor *c) {
  unsigned char b = *c->p;
  size_t n;
  unsigned long cp, min;
  if (b >= 0xC2 && b <= 0xDF) { n = 1; cp = b & 0x1Fu; min = 0x80; }
  else if (b >= 0xE0 && b <= 0xEF) { n = 2; cp = b & 0x0Fu; min = 0x800; }
  else if (b >= 0xF0 && b <= 0xF4) { n = 3; cp = b & 0x07u; min = 0x10000; }
  else return -1;
  if ((size_t)(c->end - c->p) <= n) return -1;
  for (size_t i = 1; i <= n; i++) {
    if ((c->p[i] & 0xC0) != 0x80) return -1;
    cp = (cp << 6) | (c->p[i] & 0x3Fu);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return -1;
  c->p += n + 1;
  return 0;
}

static folio_status string_(cursor *c) {
  c->p++; /* the opening quote */
  while (c->p < c->end) {
    unsigned char ch = *c->p;
    if (ch == '"') { c->p++; return FOLIO_OK; }
    if (ch < 0x20) return fail(c, "control character in a string (escape it)");
    if (ch == '\\') {
      c->p++;
      if (c->p >= c->end) break;
      ch = *c->p;
      if (ch == 'u') {
        for (int i = 1; i <= 4; i++)
          if (c->p + i >= c->end || hexval(c->p[i]) < 0) return fail(c, "bad \\u escape");
        c->p += 5;
      } else if (strchr("\"\\/bfnrt", ch) && ch) {
        c->p++;
      } else {
        return fail(c, "bad escape in a string");
      }
    } else if (ch >= 0x80) {
      if (utf8_seq(c) != 0) return fail(c, "invalid UTF-8 in a string");
    } else {
      c->p++;
    }
  }
  return fail(c, "unterminated string");
}

static folio_status number_(cursor *c) {
  if (c->p < c->end && *c->p == '-') c->p++;
  if (c->p >= c->end) return fail(c, "digit expected");
  if (*c->p == '0') {
    c->p++;
    if (c->p < c->end && *c->p >= '0' && *c->p <= '9') return fail(c, "leading zero in a number");
  } else if (*c->p >= '1' && *c->p <= '9') {
    while (c->p < c->end && *c->p >= '0' && *c->p <= '9') c->p++;
  } else {
    return fail(c, "digit expected (NaN and Infinity are not JSON)");
  }
  if (c->p < c->end && *c->p == '.') {
    c->p++;
    if (c->p >= c->end || *c->p < '0' || *c->p > '9') return fail(c, "digit expected after '.'");
    while (c->p < c->end && *c->p >= '0' && *c->p <= '9') c->p++;
  }
  if (c->p < c->end && (*c->p == 'e' || *c->p == 'E')) {
    c->p++;
    if (c->p < c->end && (*c->p == '+' || *c->p == '-')) c->p++;
    if (c->p >= c->end || *c->p < '0' || *c->p > '9') return fail(c, "digit expected in exponent");
    while (c->p < c->end && *c->p >= '0' && *c->p <= '9') c->p++;
  }
  return FOLIO_OK;
}

static folio_status literal(cursor *c, const char *word) {
  size_t n = strlen(word);
  if ((size_t)(c->end - c->p) < n || memcmp(c->p, word, n) != 0)
    return fail(c, "value expected (NaN and Infinity are not JSON)");
  c->p += n;
  return FOLIO_OK;
}

folio_status folio_json_check(const char *text, size_t len, folio_error *err) {
  folio_error_clear(err);
  if (!text) return folio_error_set(err, FOLIO_EINVAL, "json: text is NULL");
  cursor c = {(const unsigned char *)text, (const unsigned char *)text + len,
              (const unsigned char *)text, err};
  char stack[FOLIO_JSON_MAX_DEPTH]; /* '[' or '{' per open container */
  int depth = 0;
  folio_status st;
  for (;;) {
    /* a value */
    skip_ws(&c);
    if (c.p >= c.end) return fail(&c, "value expected");
    unsigned char ch = *c.p;
    if (ch == '[' || ch == '{') {
      if (depth == FOLIO_JSON_MAX_DEPTH)
        return folio_error_set(err, FOLIO_EDIM, "json: nesting deeper than %d at offset %zu",
                               FOLIO_JSON_MAX_DEPTH, (size_t)(c.p - c.start));
      stack[depth++] = (char)ch;
      c.p++;
      skip_ws(&c);
      if (c.p < c.end && *c.p == (ch == '[' ? ']' : '}')) {
        c.p++;
        depth--;
        goto after_value;
      }
      if (ch == '{') goto object_key;
      continue; /* the array's first value */
    }
    if (ch == '"') st = string_(&c);
    else if (ch == '-' || (ch >= '0' && ch <= '9')) st = number_(&c);
    else if (ch == 't') st = literal(&c, "true");
    else if (ch == 'f') st = literal(&c, "false");
    else if (ch == 'n') st = literal(&c, "null");
    else st = fail(&c, "value expected (NaN and Infinity are not JSON)");
    if (st != FOLIO_OK) return st;
  after_value:
    skip_ws(&c);
    if (depth == 0) {
      if (c.p != c.end) return fail(&c, "trailing text after the value");
      return FOLIO_OK;
    }
    if (c.p >= c.end) return fail(&c, stack[depth - 1] == '[' ? "',' or ']' expected" : "',' or '}' expected");
    if (*c.p == ',') {
      c.p++;
      if (stack[depth - 1] == '[') continue;
      skip_ws(&c);
      goto object_key;
    }
    if (*c.p == (stack[depth - 1] == '[' ? ']' : '}')) {
      c.p++;
      depth--;
      goto after_value;
    }
    return fail(&c, stack[depth - 1] == '[' ? "',' or ']' expected" : "',' or '}' expected");
  object_key:
    if (c.p >= c.end || *c.p != '"') return fail(&c, "object key (a string) expected");
    if ((st = string_(&c)) != FOLIO_OK) return st;
    skip_ws(&c);
    if (c.p >= c.end || *c.p != ':') return fail(&c, "':' expected after an object key");
    c.p++;
  }
}

folio_status folio_json_number(double x, char *buf, folio_error *err) {
  folio_error_clear(err);
  if (!buf) return folio_error_set(err, FOLIO_EINVAL, "json: buf is NULL");
  if (!isfinite(x))
    return folio_error_set(err, FOLIO_ENOTFINITE, "json: %s cannot be written as JSON",
                           isnan(x) ? "NaN" : (x > 0 ? "Infinity" : "-Infinity"));
  static const char *const formats[] = {"%.15g", "%.16g", "%.17g"};
  for (int i = 0; i < 3; i++) {
    snprintf(buf, FOLIO_JSON_NUMBER_MAX, formats[i], x);
    if (strtod(buf, NULL) == x || i == 2) break;
  }
  if (!strpbrk(buf, ".eEn")) strcat(buf, ".0"); /* keep it a float for readers */
  return FOLIO_OK;
}
