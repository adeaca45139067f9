/*
 * config.c — the fund schema: a generic config tree (config_tree.c)
 * validated into a folio_fund_config (see config.h and docs/config.md).
 *
 * Validation reads the tree and never modifies it; the only recursion
 * (walking params) is bounded by FOLIO_CONFIG_MAX_DEPTH. Every message names
 * the file, the node's line and column, and the path of the key. The session
 * names are those of session.h, in the session matrix's canonical order.
 */
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_internal.h"
#include "folio/config.h"
#include "folio/panel.h"
#include "folio/session.h"
#include "internal.h"

/* The sessions of the matrix in canonical order; their names are session.h's. */
static const folio_session_id matrix_sessions[FOLIO_CONFIG_N_SESSIONS] = {
    FOLIO_SESSION_RTH, FOLIO_SESSION_PRE, FOLIO_SESSION_POST, FOLIO_SESSION_IBEOS,
    FOLIO_SESSION_H24};
static const char *const asset_classes[] = {"equities", "crypto", "fx", "futures", NULL};
static const char *const rebalance_freqs[] = {"daily", "weekly", "monthly", "quarterly", NULL};

const char *folio_config_session_name(size_t index) {
  return index < FOLIO_CONFIG_N_SESSIONS ? folio_session_name(matrix_sessions[index]) : NULL;
}

folio_limits_config folio_limits_config_defaults(void) {
  folio_limits_config l;
  l.fraction_of_adv = 0.01;
  l.adv_lookback_days = 21;
  l.max_position_weight = 0.20;
  l.max_gross = 2.0;
  l.capacity_set = 0;
  return l;
}

typedef struct checker {
  const char *name;
  folio_error *err;
  const char *const *known_sizers;
} checker;

/* Joins a NULL-terminated list as "a, b, c" into buf. */
static const char *join(const char *const *words, char *buf, size_t size) {
  size_t used = 0;
  buf[0] = '\0';
  for (size_t i = 0; words[i] && used < size; i++) {
    int n = snprintf(buf + used, size - used, "%s%s", i ? ", " : "", words[i]);
    if (n < 0) break;
    used += (size_t)n;
  }
  return buf;
}

#if defined(__GNUC__)
__attribute__((format(printf, 5, 6)))
#endif
static folio_status
fail_node(const checker *c, folio_status st, const folio_config_node *node, const char *path,
          const char *fmt, ...) {
  char what[FOLIO_ERROR_MAX];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(what, sizeof what, fmt, ap);
  va_end(ap);
  return fail_at(c->err, st, c->name, node->line, node->column, "%s: %s", path, what);
}

/* Writes "parent.key" (or "key" when parent is empty) into buf. */
static const char *child_path(char *buf, size_t size, const char *parent, const char *key) {
  put(buf, size, "%s%s%s", parent, parent[0] ? "." : "", key);
  return buf;
}

static folio_status expect_kind(const checker *c, const folio_config_node *node, const char *path,
                                folio_config_kind kind) {
  if (node->kind == kind) return FOLIO_OK;
  return fail_node(c, FOLIO_EINVAL, node, path, "expected %s, got %s",
                   kind == FOLIO_CONFIG_MAPPING ? "a mapping" : "a sequence",
                   folio_config_describe(node));
}

/* Every key of `map` is one of `keys`; `where` is "in fund" or "at top level". */
static folio_status check_keys(const checker *c, const folio_config_node *map, const char *where,
                               const char *const *keys) {
  for (size_t i = 0; i < map->n_children; i++) {
    const folio_config_node *e = &map->children[i];
    if (folio_i_config_one_of(e->key, keys)) continue;
    char list[256];
    return fail_at(c->err, FOLIO_EINVAL, c->name, e->key_line, e->key_column,
                   "unknown key '" EXCERPT "' %s (expected %s)", e->key, where,
                   join(keys, list, sizeof list));
  }
  return FOLIO_OK;
}

/* A mapping at path whose keys are all among `keys` (expect_kind, then check_keys). */
static folio_status expect_mapping(const checker *c, const folio_config_node *node,
                                   const char *path, const char *where, const char *const *keys) {
  folio_status st = expect_kind(c, node, path, FOLIO_CONFIG_MAPPING);
  return st == FOLIO_OK ? check_keys(c, node, where, keys) : st;
}

/* map[key], or NULL; a required key that is absent is an error at the mapping. */
static folio_status lookup(const checker *c, const folio_config_node *map, const char *path,
                           const char *key, int required, const folio_config_node **out) {
  *out = folio_config_get(map, key);
  if (*out || !required) return FOLIO_OK;
  return fail_node(c, FOLIO_EMISSING, map, path[0] ? path : "top level",
                   "missing required key '%s'", key);
}

/* A finite number (plain int or float scalar). */
static folio_status get_number(const checker *c, const folio_config_node *node, const char *path,
                               double *out) {
  if (node->kind != FOLIO_CONFIG_SCALAR ||
      (node->type != FOLIO_CONFIG_INT && node->type != FOLIO_CONFIG_FLOAT)) {
    if (node->kind == FOLIO_CONFIG_SCALAR && node->type == FOLIO_CONFIG_STRING)
      return fail_node(c, FOLIO_EINVAL, node, path,
                       "expected a number, got a string ('" EXCERPT "')", node->text);
    return fail_node(c, FOLIO_EINVAL, node, path, "expected a number, got %s",
                     folio_config_describe(node));
  }
  if (!isfinite(node->number))
    return fail_node(c, FOLIO_EINVAL, node, path, "must be a finite number (got " EXCERPT ")",
                     node->text);
  *out = node->number;
  return FOLIO_OK;
}

/* A scalar's text; numbers and booleans count as their text (`7203` is a
 * symbol), null and collections do not. */
static folio_status get_string(const checker *c, const folio_config_node *node, const char *path,
                               const char **out) {
  if (node->kind != FOLIO_CONFIG_SCALAR || node->type == FOLIO_CONFIG_NULL)
    return fail_node(c, FOLIO_EINVAL, node, path, "expected a string, got %s",
                     folio_config_describe(node));
  *out = node->text;
  return FOLIO_OK;
}

/* [A-Za-z0-9_.-]+ */
static int is_identifier(const char *s) {
  if (!*s) return 0;
  for (; *s; s++) {
    char ch = *s;
    if (!((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || is_digit(ch) || ch == '_' ||
          ch == '.' || ch == '-'))
      return 0;
  }
  return 1;
}

static folio_status get_identifier(const checker *c, const folio_config_node *node,
                                   const char *path, const char *what, const char **out) {
  folio_status st = get_string(c, node, path, out);
  if (st != FOLIO_OK) return st;
  if (!is_identifier(*out))
    return fail_node(c, FOLIO_EINVAL, node, path,
                     "%s '" EXCERPT "' must be letters, digits, '_', '.' or '-' (and not empty)",
                     what, *out);
  return FOLIO_OK;
}

/* One of a fixed list of names. */
static folio_status get_enum(const checker *c, const folio_config_node *node, const char *path,
                             const char *what, const char *const *names, const char **out) {
  folio_status st = get_string(c, node, path, out);
  if (st != FOLIO_OK) return st;
  if (folio_i_config_one_of(*out, names)) return FOLIO_OK;
  char list[256];
  return fail_node(c, FOLIO_ENOTFOUND, node, path, "unknown %s '" EXCERPT "' (expected %s)", what,
                   *out, join(names, list, sizeof list));
}

static folio_status get_sizer(const checker *c, const folio_config_node *node, const char *path,
                              const char **out) {
  folio_status st = get_string(c, node, path, out);
  if (st != FOLIO_OK) return st;
  if (!**out) return fail_node(c, FOLIO_EINVAL, node, path, "sizer name is empty");
  if (!c->known_sizers || folio_i_config_one_of(*out, c->known_sizers)) return FOLIO_OK;
  char list[384];
  return fail_node(c, FOLIO_ENOTFOUND, node, path, "unknown sizer '" EXCERPT "' (known: %s)", *out,
                   join(c->known_sizers, list, sizeof list));
}

/* Data passed through to Lua (params, calendar): no nulls, keys are plain
 * text. Recursion depth is bounded by FOLIO_CONFIG_MAX_DEPTH. */
static folio_status check_plain_data(const checker *c, const folio_config_node *node,
                                     const char *path) {
  if (node->kind == FOLIO_CONFIG_SCALAR) {
    if (node->type == FOLIO_CONFIG_NULL)
      return fail_node(c, FOLIO_EINVAL, node, path, "null is not allowed here (leave the key out)");
    return FOLIO_OK;
  }
  for (size_t i = 0; i < node->n_children; i++) {
    char sub[PATH_MAX_LEN];
    if (node->kind == FOLIO_CONFIG_MAPPING)
      child_path(sub, sizeof sub, path, node->children[i].key);
    else
      put(sub, sizeof sub, "%s[%zu]", path, i + 1);
    folio_status st = check_plain_data(c, &node->children[i], sub);
    if (st != FOLIO_OK) return st;
  }
  return FOLIO_OK;
}

static folio_status check_fund(const checker *c, const folio_config_node *root,
                               folio_fund_config *cfg) {
  static const char *const keys[] = {"id", "nav", "currency", NULL};
  const folio_config_node *fund, *node;
  char path[PATH_MAX_LEN];
  folio_status st = lookup(c, root, "", "fund", 1, &fund);
  if (st == FOLIO_OK) st = expect_mapping(c, fund, "fund", "in fund", keys);
  if (st == FOLIO_OK) st = lookup(c, fund, "fund", "id", 1, &node);
  if (st == FOLIO_OK) st = get_identifier(c, node, "fund.id", "fund id", &cfg->id);
  if (st == FOLIO_OK) st = lookup(c, fund, "fund", "nav", 1, &node);
  if (st == FOLIO_OK) st = get_number(c, node, "fund.nav", &cfg->nav);
  if (st == FOLIO_OK && !(cfg->nav > 0))
    st = fail_node(c, FOLIO_EINVAL, node, "fund.nav", "must be > 0 (got %.15g)", cfg->nav);
  if (st != FOLIO_OK) return st;
  memcpy(cfg->currency, "USD", 4);
  st = lookup(c, fund, "fund", "currency", 0, &node);
  if (st != FOLIO_OK || !node) return st;
  const char *cur = NULL;
  st = get_string(c, node, child_path(path, sizeof path, "fund", "currency"), &cur);
  if (st != FOLIO_OK) return st;
  if (strlen(cur) != 3 || cur[0] < 'A' || cur[0] > 'Z' || cur[1] < 'A' || cur[1] > 'Z' ||
      cur[2] < 'A' || cur[2] > 'Z')
    return fail_node(c, FOLIO_EINVAL, node, path,
                     "currency '" EXCERPT "' must be three upper-case letters (e.g. USD)", cur);
  memcpy(cfg->currency, cur, 4);
  return FOLIO_OK;
}

static folio_status check_sessions(const checker *c, const folio_config_node *root,
                                   folio_fund_config *cfg) {
  static const char *const keys[] = {"sizer", "gross_cap", NULL};
  const folio_config_node *sessions;
  folio_status st = lookup(c, root, "", "sessions", 1, &sessions);
  if (st == FOLIO_OK) st = expect_kind(c, sessions, "sessions", FOLIO_CONFIG_MAPPING);
  if (st != FOLIO_OK) return st;
  if (sessions->n_children == 0)
    return fail_node(c, FOLIO_EEMPTY, sessions, "sessions",
                     "no session (expected one or more of RTH, pre, post, IBEOS, 24h)");
  const folio_config_node *by_index[FOLIO_CONFIG_N_SESSIONS] = {NULL};
  for (size_t i = 0; i < sessions->n_children; i++) {
    const folio_config_node *e = &sessions->children[i];
    size_t k = 0;
    while (k < FOLIO_CONFIG_N_SESSIONS && strcmp(e->key, folio_config_session_name(k)) != 0) k++;
    if (k == FOLIO_CONFIG_N_SESSIONS)
      return fail_at(
          c->err, FOLIO_ENOTFOUND, c->name, e->key_line, e->key_column,
          "sessions: unknown session '" EXCERPT "' (expected RTH, pre, post, IBEOS, 24h)", e->key);
    by_index[k] = e; /* keys are distinct: the tree checked duplicates */
  }
  for (size_t k = 0; k < FOLIO_CONFIG_N_SESSIONS; k++) {
    const folio_config_node *e = by_index[k], *node;
    if (!e) continue;
    char path[PATH_MAX_LEN], where[PATH_MAX_LEN + 3], sub[PATH_MAX_LEN];
    put(path, sizeof path, "sessions.%s", folio_config_session_name(k));
    put(where, sizeof where, "in %s", path);
    folio_session_config *s = &cfg->sessions[cfg->n_sessions];
    s->name = folio_config_session_name(k);
    s->gross_cap = 1.0;
    st = expect_mapping(c, e, path, where, keys);
    if (st == FOLIO_OK) st = lookup(c, e, path, "sizer", 1, &node);
    if (st == FOLIO_OK)
      st = get_sizer(c, node, child_path(sub, sizeof sub, path, "sizer"), &s->sizer);
    if (st == FOLIO_OK) st = lookup(c, e, path, "gross_cap", 0, &node);
    if (st == FOLIO_OK && node) {
      child_path(sub, sizeof sub, path, "gross_cap");
      st = get_number(c, node, sub, &s->gross_cap);
      if (st == FOLIO_OK && !(s->gross_cap >= 0))
        st = fail_node(c, FOLIO_EINVAL, node, sub, "must be >= 0 (got %.15g)", s->gross_cap);
    }
    if (st != FOLIO_OK) return st;
    cfg->n_sessions++;
  }
  return FOLIO_OK;
}

/* A symbol: non-empty, no surrounding whitespace, no control characters. */
static int is_symbol(const char *s) {
  size_t n = strlen(s);
  if (!n || s[0] == ' ' || s[n - 1] == ' ') return 0;
  for (size_t i = 0; i < n; i++)
    if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f) return 0;
  return 1;
}

static folio_status check_universe(const checker *c, const folio_config_node *node,
                                   const char *path, folio_sleeve_config *s) {
  folio_status st = expect_kind(c, node, path, FOLIO_CONFIG_SEQUENCE);
  if (st != FOLIO_OK) return st;
  if (node->n_children == 0)
    return fail_node(c, FOLIO_EINVAL, node, path, "universe is empty (list one or more symbols)");
  s->universe = calloc(node->n_children, sizeof *s->universe);
  if (!s->universe) return folio_error_set(c->err, FOLIO_ENOMEM, "%s: out of memory", c->name);
  for (size_t i = 0; i < node->n_children; i++) {
    const folio_config_node *e = &node->children[i];
    char sub[PATH_MAX_LEN];
    put(sub, sizeof sub, "%s[%zu]", path, i + 1);
    st = get_string(c, e, sub, &s->universe[i]);
    if (st != FOLIO_OK) return st;
    if (!is_symbol(s->universe[i]))
      return fail_node(c, FOLIO_EINVAL, e, sub,
                       "symbol '" EXCERPT
                       "' is empty, has surrounding spaces or a control character",
                       s->universe[i]);
    s->n_universe++;
  }
  size_t first = 0, second = 0;
  int dup = folio_i_config_find_duplicate(s->universe, sizeof *s->universe, s->n_universe, &first,
                                          &second);
  if (dup < 0) return folio_error_set(c->err, FOLIO_ENOMEM, "%s: out of memory", c->name);
  if (dup) {
    char sub[PATH_MAX_LEN];
    put(sub, sizeof sub, "%s[%zu]", path, second + 1);
    return fail_node(c, FOLIO_EDUP, &node->children[second], sub,
                     "symbol '" EXCERPT "' listed twice (first as %s[%zu])", s->universe[second],
                     path, first + 1);
  }
  return FOLIO_OK;
}

/* A path written in the fund file, relative to the fund file's folder: never
 * absolute and never through "..", so it cannot leave that folder (symbolic
 * links are checked when the file is opened). A path ending in `suffix` (or
 * holding a '/') is a path; anything else is a name and passes. */
static folio_status check_relative(const checker *c, const folio_config_node *node,
                                   const char *path, const char *text, const char *suffix) {
  size_t n = strlen(text), k = suffix ? strlen(suffix) : 0;
  int is_path = strchr(text, '/') != NULL || (k && n >= k && strcmp(text + n - k, suffix) == 0);
  if (suffix && !is_path) return FOLIO_OK;
  if (text[0] == '/')
    return fail_node(c, FOLIO_EINVAL, node, path,
                     "'" EXCERPT "' is an absolute path; write it relative to the fund file's folder", text);
  for (const char *p = text; *p;) {
    const char *end = strchr(p, '/');
    size_t len = end ? (size_t)(end - p) : strlen(p);
    if (len == 2 && p[0] == '.' && p[1] == '.')
      return fail_node(c, FOLIO_EINVAL, node, path,
                       "'" EXCERPT "' escapes the fund file's folder (no '..' in paths)", text);
    p += len + (end ? 1 : 0);
  }
  return FOLIO_OK;
}

/* A sleeve's `signal`: {factor: NAME} or {name: NAME} (the names are checked
 * by the rebalance, which knows its signals). */
static folio_status check_signal(const checker *c, const folio_config_node *node,
                                 const char *path) {
  static const char *const keys[] = {"factor", "name", NULL};
  char where[PATH_MAX_LEN + 3], sub[PATH_MAX_LEN];
  put(where, sizeof where, "in %s", path);
  folio_status st = expect_mapping(c, node, path, where, keys);
  if (st != FOLIO_OK) return st;
  const folio_config_node *f = folio_config_get(node, "factor"), *n = folio_config_get(node, "name");
  if (f && n)
    return fail_at(c->err, FOLIO_EINVAL, c->name, n->key_line, n->key_column,
                   "%s: give either factor or name, not both", path);
  if (!f && !n)
    return fail_node(c, FOLIO_EMISSING, node, path, "give the signal's factor or name");
  const char *v = "";
  st = get_string(c, f ? f : n, child_path(sub, sizeof sub, path, f ? "factor" : "name"), &v);
  if (st == FOLIO_OK && !*v) st = fail_node(c, FOLIO_EINVAL, f ? f : n, sub, "is empty");
  return st;
}

static folio_status check_sleeve(const checker *c, const folio_config_node *e, size_t index,
                                 folio_sleeve_config *s) {
  static const char *const keys[] = {"name",      "sizer",      "policy", "universe", "asset_class",
                                     "rebalance", "allocation", "params", "signal", NULL};
  char path[PATH_MAX_LEN], where[PATH_MAX_LEN + 3], sub[PATH_MAX_LEN];
  put(path, sizeof path, "sleeves[%zu]", index + 1);
  put(where, sizeof where, "in %s", path);
  s->line = e->line;
  s->column = e->column;
  const folio_config_node *node, *sizer, *policy;
  folio_status st = expect_mapping(c, e, path, where, keys);
  if (st == FOLIO_OK) st = lookup(c, e, path, "name", 1, &node);
  if (st == FOLIO_OK)
    st =
        get_identifier(c, node, child_path(sub, sizeof sub, path, "name"), "sleeve name", &s->name);
  if (st != FOLIO_OK) return st;
  sizer = folio_config_get(e, "sizer");
  policy = folio_config_get(e, "policy");
  if (sizer && policy)
    return fail_at(c->err, FOLIO_EINVAL, c->name, policy->key_line, policy->key_column,
                   "%s: give either sizer or policy, not both", path);
  if (sizer) {
    st = get_sizer(c, sizer, child_path(sub, sizeof sub, path, "sizer"), &s->sizer);
  } else if (policy) {
    st = get_string(c, policy, child_path(sub, sizeof sub, path, "policy"), &s->policy);
    if (st == FOLIO_OK && !*s->policy)
      st = fail_node(c, FOLIO_EINVAL, policy, sub, "policy is empty");
    if (st == FOLIO_OK) st = check_relative(c, policy, sub, s->policy, ".lua");
  }
  if (st == FOLIO_OK) st = lookup(c, e, path, "universe", 1, &node);
  if (st == FOLIO_OK)
    st = check_universe(c, node, child_path(sub, sizeof sub, path, "universe"), s);
  if (st == FOLIO_OK) st = lookup(c, e, path, "asset_class", 1, &node);
  if (st == FOLIO_OK)
    st = get_enum(c, node, child_path(sub, sizeof sub, path, "asset_class"), "asset class",
                  asset_classes, &s->asset_class);
  if (st == FOLIO_OK) st = lookup(c, e, path, "rebalance", 1, &node);
  if (st == FOLIO_OK)
    st = get_enum(c, node, child_path(sub, sizeof sub, path, "rebalance"), "rebalance frequency",
                  rebalance_freqs, &s->rebalance);
  if (st == FOLIO_OK) st = lookup(c, e, path, "allocation", 1, &node);
  if (st == FOLIO_OK)
    st = get_number(c, node, child_path(sub, sizeof sub, path, "allocation"), &s->allocation);
  if (st == FOLIO_OK && !(s->allocation >= 0 && s->allocation <= 1))
    st =
        fail_node(c, FOLIO_EINVAL, node, sub, "must be between 0 and 1 (got %.15g)", s->allocation);
  if (st == FOLIO_OK) st = lookup(c, e, path, "params", 0, &node);
  if (st == FOLIO_OK && node) {
    child_path(sub, sizeof sub, path, "params");
    st = expect_kind(c, node, sub, FOLIO_CONFIG_MAPPING);
    if (st == FOLIO_OK) st = check_plain_data(c, node, sub);
    if (st == FOLIO_OK) s->params = node;
  }
  if (st == FOLIO_OK) st = lookup(c, e, path, "signal", 0, &node);
  if (st == FOLIO_OK && node) st = check_signal(c, node, child_path(sub, sizeof sub, path, "signal"));
  if (st == FOLIO_OK) s->signal = node;
  return st;
}

static folio_status check_sleeves(const checker *c, const folio_config_node *root,
                                  folio_fund_config *cfg) {
  const folio_config_node *sleeves;
  folio_status st = lookup(c, root, "", "sleeves", 1, &sleeves);
  if (st == FOLIO_OK) st = expect_kind(c, sleeves, "sleeves", FOLIO_CONFIG_SEQUENCE);
  if (st != FOLIO_OK) return st;
  if (sleeves->n_children == 0)
    return fail_node(c, FOLIO_EEMPTY, sleeves, "sleeves", "no sleeve (list one or more)");
  cfg->sleeves = calloc(sleeves->n_children, sizeof *cfg->sleeves);
  if (!cfg->sleeves) return folio_error_set(c->err, FOLIO_ENOMEM, "%s: out of memory", c->name);
  double sum = 0;
  for (size_t i = 0; i < sleeves->n_children; i++) {
    cfg->n_sleeves++; /* counted first: a half-read sleeve's universe is freed too */
    st = check_sleeve(c, &sleeves->children[i], i, &cfg->sleeves[i]);
    if (st != FOLIO_OK) return st;
    sum += cfg->sleeves[i].allocation;
  }
  size_t first = 0, second = 0;
  int dup = folio_i_config_find_duplicate(&cfg->sleeves[0].name, sizeof cfg->sleeves[0],
                                          cfg->n_sleeves, &first, &second);
  if (dup < 0) return folio_error_set(c->err, FOLIO_ENOMEM, "%s: out of memory", c->name);
  if (dup) {
    char path[PATH_MAX_LEN];
    const folio_config_node *name = folio_config_get(&sleeves->children[second], "name");
    put(path, sizeof path, "sleeves[%zu].name", second + 1);
    return fail_node(c, FOLIO_EDUP, name, path,
                     "duplicate sleeve name '" EXCERPT "' (first at line %zu)",
                     cfg->sleeves[second].name, sleeves->children[first].line);
  }
  cfg->allocation_sum = sum;
  if (sum > 1 + 1e-12)
    return fail_node(c, FOLIO_EINVAL, sleeves, "sleeves", "allocations sum to %.15g (above 1)",
                     sum);
  return FOLIO_OK;
}

static folio_status check_limits(const checker *c, const folio_config_node *root,
                                 folio_fund_config *cfg) {
  static const char *const keys[] = {"fraction_of_adv", "adv_lookback_days", "max_position_weight",
                                     "max_gross", NULL};
  cfg->limits = folio_limits_config_defaults();
  const folio_config_node *limits = folio_config_get(root, "limits"), *node;
  if (!limits) return FOLIO_OK;
  folio_status st = expect_mapping(c, limits, "limits", "in limits", keys);
  if (st != FOLIO_OK) return st;
  double *targets[] = {&cfg->limits.fraction_of_adv, NULL, &cfg->limits.max_position_weight,
                       &cfg->limits.max_gross};
  for (size_t k = 0; keys[k]; k++) {
    if (!(node = folio_config_get(limits, keys[k]))) continue;
    if (k <= 1) cfg->limits.capacity_set = 1;
    char path[PATH_MAX_LEN];
    child_path(path, sizeof path, "limits", keys[k]);
    if (k == 1) {
      if (node->kind != FOLIO_CONFIG_SCALAR || node->type != FOLIO_CONFIG_INT ||
          node->integer < 1 || node->integer > (long long)FOLIO_MAX_DIM)
        return fail_node(c, FOLIO_EINVAL, node, path,
                         "expected a whole number between 1 and %zu, got %s%s%s%s",
                         (size_t)FOLIO_MAX_DIM, folio_config_describe(node), node->text ? " (" : "",
                         node->text ? node->text : "", node->text ? ")" : "");
      cfg->limits.adv_lookback_days = node->integer;
      continue;
    }
    double v;
    st = get_number(c, node, path, &v);
    if (st != FOLIO_OK) return st;
    if (k == 0 && !(v > 0 && v <= 1))
      return fail_node(c, FOLIO_EINVAL, node, path, "must be in (0, 1] (got %.15g)", v);
    if (k != 0 && !(v > 0))
      return fail_node(c, FOLIO_EINVAL, node, path, "must be > 0 (got %.15g)", v);
    *targets[k] = v;
  }
  return FOLIO_OK;
}

folio_composition_config folio_composition_config_defaults(void) {
  folio_composition_config c = {"equal", 252, INFINITY, 252};
  return c;
}

/* The `composition` section: overlay, look-backs and the weekly turnover cap. */
static folio_status check_composition(const checker *c, const folio_config_node *root,
                                      folio_fund_config *cfg) {
  static const char *const keys[] = {"overlay", "hrp_lookback_days", "max_weekly_turnover",
                                     "cov_lookback_days", NULL};
  static const char *const overlays[] = {"equal", "hrp", "inverse_vol", "risk_parity",
                                         "min_variance", "bl", NULL};
  cfg->composition = folio_composition_config_defaults();
  const folio_config_node *sec = folio_config_get(root, "composition"), *node;
  if (!sec) return FOLIO_OK;
  folio_status st = expect_mapping(c, sec, "composition", "in composition", keys);
  if (st != FOLIO_OK) return st;
  char path[PATH_MAX_LEN];
  if ((node = folio_config_get(sec, "overlay"))) {
    child_path(path, sizeof path, "composition", "overlay");
    const char *v = NULL;
    if ((st = get_string(c, node, path, &v)) != FOLIO_OK) return st;
    int known = 0;
    for (size_t i = 0; overlays[i]; i++) known |= strcmp(overlays[i], v) == 0;
    if (!known)
      return fail_node(c, FOLIO_ENOTFOUND, node, path,
                       "unknown overlay '" EXCERPT "' (expected equal, hrp, inverse_vol, "
                       "risk_parity, min_variance, bl)", v);
    cfg->composition.overlay = v;
  }
  long long *ints[] = {&cfg->composition.hrp_lookback_days, &cfg->composition.cov_lookback_days};
  const char *int_keys[] = {"hrp_lookback_days", "cov_lookback_days"};
  for (int k = 0; k < 2; k++) {
    if (!(node = folio_config_get(sec, int_keys[k]))) continue;
    child_path(path, sizeof path, "composition", int_keys[k]);
    if (node->kind != FOLIO_CONFIG_SCALAR || node->type != FOLIO_CONFIG_INT || node->integer < 2 ||
        node->integer > (long long)FOLIO_MAX_DIM)
      return fail_node(c, FOLIO_EINVAL, node, path, "expected a whole number between 2 and %zu, got %s",
                       (size_t)FOLIO_MAX_DIM, folio_config_describe(node));
    *ints[k] = node->integer;
  }
  if ((node = folio_config_get(sec, "max_weekly_turnover"))) {
    child_path(path, sizeof path, "composition", "max_weekly_turnover");
    double v;
    if ((st = get_number(c, node, path, &v)) != FOLIO_OK) return st;
    if (!(v >= 0))
      return fail_node(c, FOLIO_EINVAL, node, path, "must be >= 0 (got %.15g)", v);
    cfg->composition.max_weekly_turnover = v;
  }
  return FOLIO_OK;
}

/* A number at sec.key within [lo, hi] (open ends when lo_open/hi_open). */
static folio_status get_ranged(const checker *c, const folio_config_node *sec, const char *secname,
                               const char *key, double lo, int lo_open, double hi, int hi_open,
                               const char *range) {
  const folio_config_node *node = folio_config_get(sec, key);
  if (!node) return FOLIO_OK;
  char path[PATH_MAX_LEN];
  child_path(path, sizeof path, secname, key);
  double v = 0.0; /* set by get_number on success; GCC 12 -O2 cannot see it (maybe-uninitialized) */
  folio_status st = get_number(c, node, path, &v);
  if (st != FOLIO_OK) return st;
  if ((lo_open ? !(v > lo) : !(v >= lo)) || (hi_open ? !(v < hi) : !(v <= hi)))
    return fail_node(c, FOLIO_EINVAL, node, path, "must be %s (got %.15g)", range, v);
  return FOLIO_OK;
}

/* The `guards` section: each key is a limit of folio.guards (guards.h). */
static folio_status check_guards(const checker *c, const folio_config_node *root,
                                 folio_fund_config *cfg) {
  static const char *const keys[] = {"max_leverage", "max_drawdown", "cooloff_days", "rearm_drawdown",
                                     "max_adv_fraction", "mode", NULL};
  const folio_config_node *sec = folio_config_get(root, "guards"), *node;
  if (!sec) return FOLIO_OK;
  folio_status st = expect_mapping(c, sec, "guards", "in guards", keys);
  if (st == FOLIO_OK) st = get_ranged(c, sec, "guards", "max_leverage", 0, 1, INFINITY, 1, "> 0");
  if (st == FOLIO_OK) st = get_ranged(c, sec, "guards", "max_drawdown", 0, 1, 1, 0, "in (0, 1]");
  if (st == FOLIO_OK) st = get_ranged(c, sec, "guards", "cooloff_days", 0, 0, INFINITY, 1, ">= 0");
  if (st == FOLIO_OK) st = get_ranged(c, sec, "guards", "rearm_drawdown", 0, 0, 1, 1, "in [0, 1)");
  if (st == FOLIO_OK) st = get_ranged(c, sec, "guards", "max_adv_fraction", 0, 1, INFINITY, 1, "> 0");
  if (st == FOLIO_OK && (node = folio_config_get(sec, "mode"))) {
    static const char *const modes[] = {"scale", "reject", NULL};
    const char *v = NULL;
    st = get_enum(c, node, "guards.mode", "guard mode", modes, &v);
  }
  if (st == FOLIO_OK) cfg->guards = sec;
  return st;
}

/* The `orders` section: min_notional, lot_size, fractional asset classes. */
static folio_status check_orders(const checker *c, const folio_config_node *root,
                                 folio_fund_config *cfg) {
  static const char *const keys[] = {"min_notional", "lot_size", "fractional", "discrete", NULL};
  const folio_config_node *sec = folio_config_get(root, "orders"), *node;
  if (!sec) return FOLIO_OK;
  folio_status st = expect_mapping(c, sec, "orders", "in orders", keys);
  if (st == FOLIO_OK) st = get_ranged(c, sec, "orders", "min_notional", 0, 0, INFINITY, 1, ">= 0");
  if (st == FOLIO_OK) st = get_ranged(c, sec, "orders", "lot_size", 0, 1, INFINITY, 1, "> 0");
  if (st == FOLIO_OK && (node = folio_config_get(sec, "fractional"))) {
    st = expect_kind(c, node, "orders.fractional", FOLIO_CONFIG_SEQUENCE);
    for (size_t i = 0; st == FOLIO_OK && i < node->n_children; i++) {
      char path[PATH_MAX_LEN];
      put(path, sizeof path, "orders.fractional[%zu]", i + 1);
      const char *v = NULL;
      st = get_enum(c, &node->children[i], path, "asset class", asset_classes, &v);
    }
  }
  if (st == FOLIO_OK && (node = folio_config_get(sec, "discrete"))) {
    static const char *const methods[] = {"greedy", "mip", NULL};
    const char *v = NULL;
    st = get_enum(c, node, "orders.discrete", "discrete allocation method", methods, &v);
  }
  if (st == FOLIO_OK) cfg->orders = sec;
  return st;
}

/* The `costs` section (docs/backtest.md): per asset class, a linear cost in
 * bps of traded notional, a market-impact coefficient and an annual borrow
 * rate on short notional; every one >= 0. */
static folio_status check_costs(const checker *c, const folio_config_node *root,
                                folio_fund_config *cfg) {
  static const char *const keys[] = {"linear_bps", "impact", "borrow_rate", "window", NULL};
  const folio_config_node *sec = folio_config_get(root, "costs");
  if (!sec) return FOLIO_OK;
  folio_status st = expect_kind(c, sec, "costs", FOLIO_CONFIG_MAPPING);
  for (size_t i = 0; st == FOLIO_OK && i < sec->n_children; i++) {
    const folio_config_node *e = &sec->children[i];
    char path[PATH_MAX_LEN], where[PATH_MAX_LEN + 3];
    child_path(path, sizeof path, "costs", e->key);
    if (!folio_i_config_one_of(e->key, asset_classes)) {
      char list[256];
      return fail_at(c->err, FOLIO_ENOTFOUND, c->name, e->key_line, e->key_column,
                     "%s: unknown asset class '" EXCERPT "' (expected %s)", path, e->key,
                     join(asset_classes, list, sizeof list));
    }
    put(where, sizeof where, "in %s", path);
    st = expect_mapping(c, e, path, where, keys);
    if (st == FOLIO_OK) st = get_ranged(c, e, path, "linear_bps", 0, 0, 10000, 0, "in [0, 10000]");
    if (st == FOLIO_OK) st = get_ranged(c, e, path, "impact", 0, 0, INFINITY, 1, ">= 0");
    if (st == FOLIO_OK) st = get_ranged(c, e, path, "borrow_rate", 0, 0, 10, 0, "in [0, 10]");
    if (st == FOLIO_OK) st = get_ranged(c, e, path, "window", 2, 0, 100000, 0, "in [2, 100000]");
    const folio_config_node *w = st == FOLIO_OK ? folio_config_get(e, "window") : NULL;
    if (w) { /* a count of rows: 21.5 would reach the backtest as a row index */
      char wpath[PATH_MAX_LEN];
      child_path(wpath, sizeof wpath, path, "window");
      double v = 0;
      st = get_number(c, w, wpath, &v);
      if (st == FOLIO_OK && v != floor(v)) st = fail_node(c, FOLIO_EINVAL, w, wpath, "must be a whole number (got %.15g)", v);
      /* the window is the impact term's: without one it would do nothing */
      const folio_config_node *imp = st == FOLIO_OK ? folio_config_get(e, "impact") : NULL;
      double b = 0;
      if (st == FOLIO_OK && imp) st = get_number(c, imp, wpath, &b);
      if (st == FOLIO_OK && !(b > 0))
        st = fail_node(c, FOLIO_EINVAL, w, wpath, "has no effect without an impact > 0 (it is the impact term's window)");
    }
  }
  if (st == FOLIO_OK) cfg->costs = sec;
  return st;
}

/* The `backtest` section (docs/backtest.md): the cash rate and how often a
 * resumable backtest checkpoints its book. */
static folio_status check_backtest(const checker *c, const folio_config_node *root,
                                   folio_fund_config *cfg) {
  static const char *const keys[] = {"cash_rate", "checkpoint_every", NULL};
  const folio_config_node *sec = folio_config_get(root, "backtest"), *node;
  if (!sec) return FOLIO_OK;
  folio_status st = expect_mapping(c, sec, "backtest", "in backtest", keys);
  if (st == FOLIO_OK) st = get_ranged(c, sec, "backtest", "cash_rate", -1, 1, 1, 1, "in (-1, 1)");
  if (st == FOLIO_OK) st = get_ranged(c, sec, "backtest", "checkpoint_every", 1, 0, 1e6, 0, "in [1, 1000000]");
  if (st == FOLIO_OK && (node = folio_config_get(sec, "checkpoint_every"))) {
    double v = 0;
    st = get_number(c, node, "backtest.checkpoint_every", &v);
    if (st == FOLIO_OK && v != floor(v))
      st = fail_node(c, FOLIO_EINVAL, node, "backtest.checkpoint_every", "must be a whole number (got %.15g)", v);
  }
  if (st == FOLIO_OK) cfg->backtest = sec;
  return st;
}

/* `policy_path`: a folder or a list of folders, relative to the fund file. */
static folio_status check_policy_path(const checker *c, const folio_config_node *root,
                                      folio_fund_config *cfg) {
  const folio_config_node *node = folio_config_get(root, "policy_path");
  if (!node) return FOLIO_OK;
  folio_status st = FOLIO_OK;
  size_t n = node->kind == FOLIO_CONFIG_SEQUENCE ? node->n_children : 1;
  if (node->kind == FOLIO_CONFIG_MAPPING)
    return fail_node(c, FOLIO_EINVAL, node, "policy_path", "expected a folder or a list of folders, got a mapping");
  for (size_t i = 0; i < n && st == FOLIO_OK; i++) {
    const folio_config_node *e = node->kind == FOLIO_CONFIG_SEQUENCE ? &node->children[i] : node;
    char path[PATH_MAX_LEN];
    if (node->kind == FOLIO_CONFIG_SEQUENCE) put(path, sizeof path, "policy_path[%zu]", i + 1);
    else put(path, sizeof path, "policy_path");
    const char *v = "";
    st = get_string(c, e, path, &v);
    if (st == FOLIO_OK && !*v) st = fail_node(c, FOLIO_EINVAL, e, path, "folder name is empty");
    if (st == FOLIO_OK) st = check_relative(c, e, path, v, NULL);
  }
  if (st == FOLIO_OK) cfg->policy_path = node;
  return st;
}

static int is_currency(const char *s) {
  return strlen(s) == 3 && s[0] >= 'A' && s[0] <= 'Z' && s[1] >= 'A' && s[1] <= 'Z' && s[2] >= 'A' &&
         s[2] <= 'Z';
}

/* `instruments`: SYMBOL -> {base: CCY, quote: CCY}, the currencies of an FX
 * pair whose symbol does not spell them (docs/rebalance.md). */
static folio_status check_instruments(const checker *c, const folio_config_node *root,
                                      folio_fund_config *cfg) {
  static const char *const keys[] = {"base", "quote", NULL};
  const folio_config_node *sec = folio_config_get(root, "instruments");
  if (!sec) return FOLIO_OK;
  folio_status st = expect_kind(c, sec, "instruments", FOLIO_CONFIG_MAPPING);
  for (size_t i = 0; st == FOLIO_OK && i < sec->n_children; i++) {
    const folio_config_node *e = &sec->children[i];
    char path[PATH_MAX_LEN], where[PATH_MAX_LEN + 3], sub[PATH_MAX_LEN];
    child_path(path, sizeof path, "instruments", e->key);
    put(where, sizeof where, "in %s", path);
    st = expect_mapping(c, e, path, where, keys);
    const char *ccy[2] = {NULL, NULL};
    for (int k = 0; k < 2 && st == FOLIO_OK; k++) {
      const folio_config_node *node;
      st = lookup(c, e, path, keys[k], 1, &node);
      if (st == FOLIO_OK) st = get_string(c, node, child_path(sub, sizeof sub, path, keys[k]), &ccy[k]);
      if (st == FOLIO_OK && !is_currency(ccy[k]))
        st = fail_node(c, FOLIO_EINVAL, node, sub, "currency '" EXCERPT "' must be three upper-case letters", ccy[k]);
    }
    if (st == FOLIO_OK && strcmp(ccy[0], ccy[1]) == 0)
      st = fail_node(c, FOLIO_EINVAL, e, path, "base and quote are both %s", ccy[0]);
  }
  if (st == FOLIO_OK) cfg->instruments = sec;
  return st;
}

void folio_fund_config_free(folio_fund_config *cfg) {
  if (!cfg) return;
  for (size_t i = 0; i < cfg->n_sleeves; i++) free(cfg->sleeves[i].universe);
  free(cfg->sleeves);
  folio_config_node_free(cfg->root);
  free(cfg);
}

/* Validates a parsed tree; takes ownership of root in every case. */
static folio_status check_fund_config(folio_config_node *root, const char *name,
                                      const char *const *known_sizers, folio_fund_config **out,
                                      folio_error *err) {
  static const char *const keys[] = {"fund",   "sessions",    "calendar", "sleeves",
                                     "limits", "composition", "guards",   "orders",
                                     "policy_path", "instruments", "costs",    "backtest", NULL};
  folio_fund_config *cfg = calloc(1, sizeof *cfg);
  if (!cfg) {
    folio_config_node_free(root);
    return folio_error_set(err, FOLIO_ENOMEM, "%s: out of memory", name);
  }
  cfg->root = root;
  checker c = {name, err, known_sizers};
  folio_status st = check_keys(&c, root, "at top level", keys);
  if (st == FOLIO_OK) st = check_fund(&c, root, cfg);
  if (st == FOLIO_OK) st = check_sessions(&c, root, cfg);
  if (st == FOLIO_OK) {
    const folio_config_node *cal = folio_config_get(root, "calendar");
    if (cal) {
      st = expect_kind(&c, cal, "calendar", FOLIO_CONFIG_MAPPING);
      if (st == FOLIO_OK) st = check_plain_data(&c, cal, "calendar");
      cfg->calendar = cal;
    }
  }
  if (st == FOLIO_OK) st = check_sleeves(&c, root, cfg);
  if (st == FOLIO_OK) st = check_limits(&c, root, cfg);
  if (st == FOLIO_OK) st = check_composition(&c, root, cfg);
  if (st == FOLIO_OK) st = check_guards(&c, root, cfg);
  if (st == FOLIO_OK) st = check_orders(&c, root, cfg);
  if (st == FOLIO_OK) st = check_policy_path(&c, root, cfg);
  if (st == FOLIO_OK) st = check_instruments(&c, root, cfg);
  if (st == FOLIO_OK) st = check_costs(&c, root, cfg);
  if (st == FOLIO_OK) st = check_backtest(&c, root, cfg);
  if (st != FOLIO_OK) {
    folio_fund_config_free(cfg);
    return st;
  }
  *out = cfg;
  return FOLIO_OK;
}

folio_status folio_config_parse(const char *text, size_t len, const char *name,
                                const char *const *known_sizers, folio_fund_config **out,
                                folio_error *err) {
  if (!name) name = "<memory>";
  if (!out) {
    folio_error_clear(err);
    return folio_error_set(err, FOLIO_EINVAL, "%s: out is NULL", name);
  }
  folio_config_node *root = NULL;
  folio_status st = folio_config_parse_tree(text, len, name, &root, err);
  if (st != FOLIO_OK) return st;
  return check_fund_config(root, name, known_sizers, out, err);
}

folio_status folio_config_load_file(const char *path, const char *const *known_sizers,
                                    folio_fund_config **out, folio_error *err) {
  char *text = NULL;
  size_t len = 0;
  folio_status st = folio_i_config_read(path, out, &text, &len, err);
  if (st != FOLIO_OK) return st;
  st = folio_config_parse(text, len, path, known_sizers, out, err);
  free(text);
  return st;
}

