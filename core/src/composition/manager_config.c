/*
 * manager_config.c — portfolio_config.json (manager.h): the report as a JSON
 * document built and written by jansson (keys sorted, two-space indent,
 * the skipped folders on one line, each real as folio_json_number writes
 * it, a final newline: the same bytes folio has always written), and its atomic replacement on disk through the
 * shared writer (plumbing.h).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "folio/manager.h"
#include "json_internal.h"
#include "plumbing.h"

/* Sets obj[key] = x; NaN/Inf are refused naming `what`. */
static folio_status put_real(json_t *obj, const char *key, double x, const char *what, folio_error *err) {
  if (!isfinite(x)) return folio_error_set(err, FOLIO_ENOTFINITE, "manager: %s is not finite", what);
  if (json_object_set_new(obj, key, json_real(x)) != 0)
    return folio_error_set(err, FOLIO_ENOMEM, "manager: out of memory");
  return FOLIO_OK;
}

/* A new JSON string of s in *out; FOLIO_EPARSE naming `what` when s is not
 * UTF-8 (JSON text is), FOLIO_ENOMEM when memory ran out. */
static folio_status new_string(const char *s, const char *what, json_t **out, folio_error *err) {
  *out = json_string(s);
  if (*out) return FOLIO_OK;
  json_t *raw = json_string_nocheck(s); /* fails only when memory ran out */
  if (!raw) return folio_error_set(err, FOLIO_ENOMEM, "manager: out of memory");
  json_decref(raw);
  return folio_error_set(err, FOLIO_EPARSE, "manager: portfolio_config.json would not be valid JSON: %s '%s' is not UTF-8",
                         what, s);
}

/* Sets container[key] (an object) or appends (an array, key NULL) the new
 * value v, which it takes; FOLIO_ENOMEM when that fails. */
static folio_status put(json_t *container, const char *key, json_t *v, folio_error *err) {
  int bad = !v || (key ? json_object_set_new(container, key, v) : json_array_append_new(container, v)) != 0;
  return bad ? folio_error_set(err, FOLIO_ENOMEM, "manager: out of memory") : FOLIO_OK;
}

/* Builds the document. */
static folio_status build(const folio_manager_report *r, json_t *doc, folio_error *err) {
  folio_status st;
  json_t *skipped = json_array(), *weights = json_object(), *s = NULL;
  if ((st = put(doc, "skipped", skipped, err)) != FOLIO_OK) {
    json_decref(weights);
    return st;
  }
  if ((st = put(doc, "weights", weights, err)) != FOLIO_OK) return st;
  if ((st = put_real(doc, "account_value", r->account_value, "account_value", err)) != FOLIO_OK ||
      (st = put_real(doc, "ann_volatility_pct", 100.0 * r->fit.ann_vol, "ann_volatility_pct", err)) != FOLIO_OK ||
      (st = put_real(doc, "leverage", r->fit.leverage, "leverage", err)) != FOLIO_OK ||
      (st = put_real(doc, "target_vol_pct", 100.0 * r->target_vol, "target_vol_pct", err)) != FOLIO_OK)
    return st;
  for (size_t i = 0; i < r->n_strategies; i++) {
    if ((st = new_string(r->names[i], "strategy name", &s, err)) != FOLIO_OK) return st;
    json_decref(s); /* the name is UTF-8: it can be a key */
    if ((st = put_real(weights, r->names[i], r->weights[i], "a weight", err)) != FOLIO_OK) return st;
  }
  for (size_t i = 0; i < r->n_skipped; i++)
    if ((st = new_string(r->skipped[i], "skipped folder", &s, err)) != FOLIO_OK ||
        (st = put(skipped, NULL, s, err)) != FOLIO_OK)
      return st;
  if ((st = new_string(r->asof, "asof", &s, err)) != FOLIO_OK || (st = put(doc, "asof", s, err)) != FOLIO_OK)
    return st;
  return put(doc, "window_days", json_integer((json_int_t)r->window_days), err);
}

/* jansson's two-space indent spreads the skipped array over lines; folio has
 * always written it on one ("skipped": ["a", "b"]). Folds it in place. */
static size_t fold_skipped(char *text, size_t len) {
  static const char open[] = "\n  \"skipped\": [\n";
  char *p = strstr(text, open);
  if (!p) return len; /* empty: jansson writes [] */
  char *src = p + sizeof open - 1, *dst = p + sizeof open - 2; /* just after '[' */
  char *end = strstr(src, "\n  ]");
  if (!end) return len;
  while (src < end) { /* lines "    \"name\"," */
    while (*src == ' ') src++;
    while (src < end && *src != '\n') {
      *dst++ = *src++;
      if (dst[-1] == ',' && *src == '\n') *dst++ = ' ';
    }
    if (src < end) src++; /* the newline */
  }
  *dst++ = ']';
  src = end + 4; /* past "\n  ]" */
  size_t rest = len - (size_t)(src - text);
  memmove(dst, src, rest + 1);
  return (size_t)(dst - text) + rest;
}

folio_status folio_manager_config_json(const folio_manager_report *r, char **out,
                                       folio_error *err) {
  folio_error_clear(err);
  if (!r || !out) return folio_error_set(err, FOLIO_EINVAL, "manager: report and out must not be NULL");
  json_t *doc = json_object();
  if (!doc) return folio_error_set(err, FOLIO_ENOMEM, "manager: out of memory");
  folio_status st = build(r, doc, err);
  char *text = NULL;
  size_t len = 0;
  if (st == FOLIO_OK) st = folio_i_json_dump("manager", doc, JSON_INDENT(2), &text, &len, err);
  json_decref(doc);
  if (st != FOLIO_OK) return st;
  len = fold_skipped(text, len);
  char *p = realloc(text, len + 2); /* the file ends with a newline */
  if (!p) {
    free(text);
    return folio_error_set(err, FOLIO_ENOMEM, "manager: out of memory");
  }
  p[len] = '\n';
  p[len + 1] = '\0';
  *out = p;
  return FOLIO_OK;
}

folio_status folio_manager_write_config(const char *path, const folio_manager_report *r,
                                        folio_error *err) {
  folio_error_clear(err);
  if (!path) return folio_error_set(err, FOLIO_EINVAL, "manager: path must not be NULL");
  char *text = NULL;
  folio_status st = folio_manager_config_json(r, &text, err);
  if (st != FOLIO_OK) return st;
  st = folio_i_write_atomic("manager", path, text, strlen(text), err);
  free(text);
  return st;
}
