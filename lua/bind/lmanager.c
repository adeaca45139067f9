/*
 * lmanager.c — folio.manager: the strategy-weight manager (core manager.h)
 * for scripts.
 *
 *   folio.manager.optimize{root =, window = 365, target_vol = 0.30,
 *                          max_leverage = nil, account_value = 10000,
 *                          random_starts = 8, seed = 0, out = nil}
 *   folio.manager.read_stats{path =, name =}
 *
 * Reading stats files follows the sandbox's rule for data files (relative
 * paths below the working folder); writing portfolio_config.json (`out`)
 * needs a trusted engine. Every core result is boxed in a userdata with __gc
 * before any Lua allocation, so an error raised half-way leaks nothing.
 */
#include <stdlib.h>
#include <string.h>

#include "lfolio.h"

static void release_report(void *p) { folio_manager_report_free(p); }
static void release_series(void *p) { folio_manager_series_free(p); }

static void push_strings(lua_State *L, char *const *s, size_t n) {
  lua_createtable(L, (int)(n < 1u << 20 ? n : 1u << 20), 0);
  for (size_t i = 0; i < n; i++) {
    lua_pushstring(L, s[i]);
    lua_rawseti(L, -2, (lua_Integer)i + 1);
  }
}

/* optimize{...} -> {weights, skipped, ann_volatility, ann_volatility_pct, leverage, ...} */
static int m_optimize(lua_State *L) {
  static const char fn[] = "manager.optimize";
  static const char *const keys[] = {"root", "window", "target_vol", "max_leverage", "account_value",
                                     "random_starts", "seed", "out", NULL};
  fl_check_args(L, 1, fn, keys);
  folio_manager_opts o = folio_manager_defaults();
  const char *root = fl_opt_string(L, 1, fn, "root", NULL);
  if (!root) fl_argerror(L, fn, "root is required (the folder of strategy folders)");
  o.window = (size_t)fl_opt_integer(L, 1, fn, "window", 365, 2, FOLIO_MAX_DIM);
  o.target_vol = fl_positive(L, 1, fn, "target_vol", 0.30, 0);
  o.max_leverage = fl_has_field(L, 1, "max_leverage") ? fl_positive(L, 1, fn, "max_leverage", 1.0, 1)
                                                       : 0.0; /* 0: no cap */
  o.account_value = fl_positive(L, 1, fn, "account_value", 10000.0, 0);
  o.n_random_starts = (size_t)fl_opt_integer(L, 1, fn, "random_starts", 8, 0, 1000);
  o.seed = (uint64_t)fl_opt_integer(L, 1, fn, "seed", 0, 0, (long long)1 << 53);
  const char *out = fl_opt_string(L, 1, fn, "out", NULL);
  if (out) fl_require_trusted(L, "manager.optimize{out = ...}", FL_CAP_WRITES);
  fl_check_tree(L, fn, root); /* sandboxed: below the working folder, no links, within the budget */
  fl_box *box = fl_box_push(L, release_report); /* [args, box] */
  folio_error err;
  folio_manager_report *r = NULL;
  if (folio_manager_run(root, &o, &r, &err) != FOLIO_OK) return fl_core_error(L, fn, &err);
  box->p = r;
  if (out && folio_manager_write_config(out, r, &err) != FOLIO_OK) return fl_core_error(L, fn, &err);
  lua_createtable(L, 0, 20); /* [args, box, result] */
  lua_createtable(L, 0, (int)(r->n_strategies < 1u << 20 ? r->n_strategies : 1u << 20));
  for (size_t k = 0; k < r->n_strategies; k++) {
    lua_pushnumber(L, r->weights[k]);
    lua_setfield(L, -2, r->names[k]);
  }
  lua_setfield(L, -2, "weights");
  push_strings(L, r->names, r->n_strategies);
  lua_setfield(L, -2, "strategies");
  push_strings(L, r->skipped, r->n_skipped);
  lua_setfield(L, -2, "skipped");
  fl_set_number(L, "score", r->fit.score);
  fl_set_number(L, "slope", r->fit.slope);
  fl_set_number(L, "daily_std", r->fit.daily_std);
  fl_set_number(L, "ann_volatility", r->fit.ann_vol);
  fl_set_number(L, "ann_volatility_pct", 100.0 * r->fit.ann_vol);
  fl_set_number(L, "target_vol", r->target_vol);
  fl_set_number(L, "target_vol_pct", 100.0 * r->target_vol);
  fl_set_number(L, "leverage", r->fit.leverage);
  fl_set_number(L, "raw_leverage", r->fit.raw_leverage);
  fl_set_boolean(L, "capped", r->fit.capped);
  if (r->max_leverage > 0) fl_set_number(L, "max_leverage", r->max_leverage);
  fl_set_number(L, "account_value", r->account_value);
  fl_set_integer(L, "window_days", (lua_Integer)r->window_days);
  lua_pushstring(L, r->first_date);
  lua_setfield(L, -2, "first_date");
  lua_pushstring(L, r->asof);
  lua_setfield(L, -2, "asof");
  fl_set_integer(L, "starts", (lua_Integer)r->fit.n_starts);
  fl_set_integer(L, "starts_at_best", (lua_Integer)r->fit.starts_at_best);
  fl_set_string(L, "written", out);
  return 1;
}

/* read_stats{path =, name =} -> {name, dates = {...}, returns = {...}, lines = {...}} */
static int m_read_stats(lua_State *L) {
  static const char fn[] = "manager.read_stats";
  static const char *const keys[] = {"path", "name", NULL};
  fl_check_args(L, 1, fn, keys);
  const char *path = fl_opt_string(L, 1, fn, "path", NULL);
  if (!path) fl_argerror(L, fn, "path is required");
  const char *name = fl_opt_string(L, 1, fn, "name", NULL);
  char folder[256];
  if (!name) { /* the parent folder's name */
    const char *end = strrchr(path, '/'), *start = end;
    while (start && start > path && start[-1] != '/') start--;
    size_t n = end && start ? (size_t)(end - start) : 0;
    if (n >= sizeof folder) n = sizeof folder - 1;
    memcpy(folder, start ? start : "", n);
    folder[n] = '\0';
    name = folder;
  }
  size_t len = 0;
  const char *text = fl_sandboxed(L) ? fl_read_file(L, fn, path, FOLIO_CSV_MAX_BYTES, &len) : NULL;
  fl_box *box = fl_box_push(L, release_series);
  folio_error err;
  folio_manager_series *s = NULL;
  folio_status st = text ? folio_manager_parse_stats(text, len, path, name, &s, &err)
                         : folio_manager_read_stats(path, name, &s, &err);
  if (st != FOLIO_OK) return fl_core_error(L, fn, &err);
  box->p = s;
  int cap = (int)(s->n_days < 1u << 20 ? s->n_days : 1u << 20);
  lua_createtable(L, 0, 4);
  lua_pushstring(L, s->name);
  lua_setfield(L, -2, "name");
  lua_createtable(L, cap, 0);
  lua_createtable(L, cap, 0);
  lua_createtable(L, cap, 0); /* [.., result, dates, returns, lines] */
  for (size_t i = 0; i < s->n_days; i++) {
    lua_pushstring(L, s->dates[i]);
    lua_rawseti(L, -4, (lua_Integer)i + 1);
    lua_pushnumber(L, s->returns[i]);
    lua_rawseti(L, -3, (lua_Integer)i + 1);
    lua_pushinteger(L, (lua_Integer)s->lines[i]);
    lua_rawseti(L, -2, (lua_Integer)i + 1);
  }
  lua_setfield(L, -4, "lines");
  lua_setfield(L, -3, "returns");
  lua_setfield(L, -2, "dates");
  return 1;
}

static const luaL_Reg manager_funcs[] = {
    {"optimize", m_optimize},
    {"read_stats", m_read_stats},
    {NULL, NULL},
};

int fl_open_manager(lua_State *L) {
  luaL_newlib(L, manager_funcs);
  return 1;
}
