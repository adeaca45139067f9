/*
 * manager_config.c — portfolio_config.json (manager.h): the report as a JSON
 * document built and written by jansson (keys sorted, two-space indent,
 * each real in the shortest of 15/16/17 significant digits that reads back
 * to the same double, a final newline), and its atomic replacement on disk through the
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

/* Builds the document; every name is checked to be UTF-8 (JSON text is). */
static folio_status build(const folio_manager_report *r, json_t *doc, folio_error *err) {
  folio_status st;
  json_t *skipped = json_array(), *weights = json_object();
  if (json_object_set_new(doc, "skipped", skipped) != 0 || json_object_set_new(doc, "weights", weights) != 0)
    return folio_error_set(err, FOLIO_ENOMEM, "manager: out of memory");
  if ((st = put_real(doc, "account_value", r->account_value, "account_value", err)) != FOLIO_OK ||
      (st = put_real(doc, "ann_volatility_pct", 100.0 * r->fit.ann_vol, "ann_volatility_pct", err)) != FOLIO_OK ||
      (st = put_real(doc, "leverage", r->fit.leverage, "leverage", err)) != FOLIO_OK ||
      (st = put_real(doc, "target_vol_pct", 100.0 * r->target_vol, "target_vol_pct", err)) != FOLIO_OK)
    return st;
  for (size_t i = 0; i < r->n_strategies; i++) {
    if ((st = put_real(weights, r->names[i], r->weights[i], "a weight", err)) != FOLIO_OK) {
      if (st != FOLIO_ENOMEM) return st;
      return folio_error_set(err, FOLIO_EPARSE, "manager: portfolio_config.json would not be valid JSON: "
                                                "strategy name '%s' is not UTF-8", r->names[i]);
    }
  }
  for (size_t i = 0; i < r->n_skipped; i++)
    if (json_array_append_new(skipped, json_string(r->skipped[i])) != 0)
      return folio_error_set(err, FOLIO_EPARSE, "manager: portfolio_config.json would not be valid JSON: "
                                                "skipped folder '%s' is not UTF-8", r->skipped[i]);
  if (json_object_set_new(doc, "asof", json_string(r->asof)) != 0 ||
      json_object_set_new(doc, "window_days", json_integer((json_int_t)r->window_days)) != 0)
    return folio_error_set(err, FOLIO_EPARSE, "manager: portfolio_config.json: asof '%s' is not UTF-8", r->asof);
  return FOLIO_OK;
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
