/*
 * lconfig.c — folio.config: fund files (YAML) read by the core into plain
 * Lua tables.
 *
 * The core returns a malloc'd folio_fund_config; it is held by a boxed
 * userdata with __gc while the Lua tables are built, so an error raised in
 * between (out of memory, stack overflow) cannot leak it. Files are read in C:
 * loading a fund file is a host facility that works even when policies run
 * sandboxed without `io` (then, like read_csv, only below the working folder). Sizer names are
 * checked against folio.registry.names() when the registry exists at call time, otherwise against
 * the built-in sizers.
 */
#include <math.h>
#include <string.h>

#include "lfolio.h"

/* Sizers known when no registry is loaded: the ones folio.sizers ships. */
static const char *const builtin_sizers[] = {"equal_weight_ls",
                                             "kelly_fraction",
                                             "vol_target_weights",
                                             "fixed_weight",
                                             "kelly_voltarget_12",
                                             "kelly_voltarget_8",
                                             NULL};

/* ---- known sizers -------------------------------------------------------------- */

/* Reads the array at idx into a NULL-terminated list of borrowed strings held
 * in a scratch userdata (pushed); the array must stay on the stack. */
static const char **names_from_array(lua_State *L, int idx, const char *fname, const char *what) {
  idx = lua_absindex(L, idx);
  lua_Integer n = luaL_len(L, idx);
  if (n < 0 || n > (lua_Integer)FOLIO_MAX_DIM) fl_argerror(L, fname, "%s has a bad length", what);
  const char **names = fl_scratch(L, (size_t)n + 1, sizeof *names); /* [.., names] */
  for (lua_Integer i = 1; i <= n; i++) {
    if (lua_rawgeti(L, idx, i) != LUA_TSTRING) /* [.., names, v] */
      fl_argerror(L, fname, "%s[%I] must be a string, got %s", what, i, luaL_typename(L, -1));
    names[i - 1] = lua_tostring(L, -1); /* anchored by the array */
    lua_pop(L, 1);
  }
  names[n] = NULL;
  return names;
}

/* The sizer list for a call: args.sizers (an array, or false for no check)
 * when given, else folio.registry.names() when that function exists, else the
 * built-in list. Leaves on the stack whatever anchors the strings. */
static const char *const *known_sizers(lua_State *L, int args, const char *fname) {
  if (args) {
    int t = lua_getfield(L, args, "sizers"); /* [sizers] */
    if (t == LUA_TBOOLEAN && !lua_toboolean(L, -1)) {
      lua_pushnil(L);
      return NULL;
    }
    if (t == LUA_TTABLE) return names_from_array(L, -1, fname, "sizers");
    if (t != LUA_TNIL)
      fl_argerror(L, fname, "sizers must be an array of names or false, got %s",
                  luaL_typename(L, -1));
    lua_pop(L, 1);
  }
  /* package.loaded.folio.registry.names; the values pushed along the way stay
   * on the stack (the caller returns only its own top value) */
  luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_LOADED_TABLE); /* [loaded] */
  if (lua_getfield(L, -1, "folio") == LUA_TTABLE &&         /* [loaded, folio] */
      lua_getfield(L, -1, "registry") == LUA_TTABLE &&      /* [loaded, folio, registry] */
      lua_getfield(L, -1, "names") == LUA_TFUNCTION) {      /* [loaded, folio, registry, names] */
    lua_call(L, 0, 1);                                      /* [loaded, folio, registry, list] */
    if (!lua_istable(L, -1))
      luaL_error(L, "%s: folio.registry.names() returned %s, not an array", fname,
                 luaL_typename(L, -1));
    return names_from_array(L, -1, fname, "folio.registry.names()");
  }
  return builtin_sizers;
}

/* ---- tables from the config ------------------------------------------------------- */

/* Pushes a node as Lua data: mappings become tables keyed by strings,
 * sequences arrays, scalars strings/integers/floats/booleans (null: nil).
 * Depth is bounded by FOLIO_CONFIG_MAX_DEPTH (checked again here). */
static void push_node(lua_State *L, const folio_config_node *node, int depth) {
  if (depth > FOLIO_CONFIG_MAX_DEPTH) luaL_error(L, "config: nesting too deep");
  luaL_checkstack(L, 3, "config: nesting too deep");
  if (node->kind == FOLIO_CONFIG_SCALAR) {
    switch (node->type) {
      case FOLIO_CONFIG_NULL: lua_pushnil(L); break;
      case FOLIO_CONFIG_BOOL: lua_pushboolean(L, node->boolean); break;
      case FOLIO_CONFIG_INT: lua_pushinteger(L, (lua_Integer)node->integer); break;
      case FOLIO_CONFIG_FLOAT: lua_pushnumber(L, node->number); break;
      default: lua_pushlstring(L, node->text, node->text_len); break;
    }
    return;
  }
  int big = node->n_children > (1u << 20) ? 1 << 20 : (int)node->n_children;
  if (node->kind == FOLIO_CONFIG_SEQUENCE) {
    lua_createtable(L, big, 0);
    for (size_t i = 0; i < node->n_children; i++) {
      push_node(L, &node->children[i], depth + 1);
      lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
  } else {
    lua_createtable(L, 0, big);
    for (size_t i = 0; i < node->n_children; i++) {
      push_node(L, &node->children[i], depth + 1);
      lua_setfield(L, -2, node->children[i].key);
    }
  }
}

/* Sets t[key] = "name:line:column" of node (t at the top). */
static void set_where(lua_State *L, const char *key, const char *name, size_t line, size_t column) {
  lua_pushfstring(L, "%s:%I:%I", name, (lua_Integer)line, (lua_Integer)column);
  lua_setfield(L, -2, key);
}

/* sleeve.where = {sleeve =, policy =, signal =, params = {key = ...}}: where
 * each setting is written, for messages about values only the rebalance can
 * check (a policy's declared parameters, a signal's name). */
static void push_sleeve_where(lua_State *L, const folio_sleeve_config *s, const char *name) {
  lua_createtable(L, 0, 4);
  set_where(L, "sleeve", name, s->line, s->column);
  if (s->params) {
    lua_createtable(L, 0, (int)s->params->n_children);
    for (size_t i = 0; i < s->params->n_children; i++) {
      const folio_config_node *k = &s->params->children[i];
      set_where(L, k->key, name, k->key_line, k->key_column);
    }
    lua_setfield(L, -2, "params");
    set_where(L, "params_block", name, s->params->line, s->params->column);
  }
  if (s->signal) {
    const folio_config_node *v = s->signal->n_children ? &s->signal->children[0] : s->signal;
    set_where(L, "signal", name, v->line, v->column);
  }
  lua_setfield(L, -2, "where");
}

static void push_config(lua_State *L, const folio_fund_config *cfg, const char *name) {
  luaL_checkstack(L, 8, "config");
  lua_createtable(L, 0, 5); /* [cfg] */
  fl_set_string(L, "path", name);
  if (cfg->policy_path) {
    if (cfg->policy_path->kind == FOLIO_CONFIG_SEQUENCE) {
      push_node(L, cfg->policy_path, 1);
    } else {
      lua_createtable(L, 1, 0);
      push_node(L, cfg->policy_path, 1);
      lua_rawseti(L, -2, 1);
    }
    lua_setfield(L, -2, "policy_path");
  }
  if (cfg->instruments) {
    push_node(L, cfg->instruments, 1);
    lua_setfield(L, -2, "instruments");
  }

  lua_createtable(L, 0, 3); /* [cfg, fund] */
  fl_set_string(L, "id", cfg->id);
  fl_set_number(L, "nav", cfg->nav);
  fl_set_string(L, "currency", cfg->currency);
  lua_setfield(L, -2, "fund");

  lua_createtable(L, 0, (int)cfg->n_sessions); /* [cfg, sessions] */
  for (size_t i = 0; i < cfg->n_sessions; i++) {
    lua_createtable(L, 0, 2); /* [cfg, sessions, s] */
    fl_set_string(L, "sizer", cfg->sessions[i].sizer);
    fl_set_number(L, "gross_cap", cfg->sessions[i].gross_cap);
    lua_setfield(L, -2, cfg->sessions[i].name);
  }
  lua_setfield(L, -2, "sessions");

  if (cfg->calendar) {
    push_node(L, cfg->calendar, 1);
    lua_setfield(L, -2, "calendar");
  }
  lua_createtable(L, 0, 4); /* composition, always present with its defaults */
  fl_set_string(L, "overlay", cfg->composition.overlay);
  fl_set_number(L, "hrp_lookback_days", (double)cfg->composition.hrp_lookback_days);
  fl_set_number(L, "cov_lookback_days", (double)cfg->composition.cov_lookback_days);
  if (isfinite(cfg->composition.max_weekly_turnover))
    fl_set_number(L, "max_weekly_turnover", cfg->composition.max_weekly_turnover);
  lua_setfield(L, -2, "composition");
  if (cfg->guards) {
    push_node(L, cfg->guards, 1);
    lua_setfield(L, -2, "guards");
  }
  if (cfg->orders) {
    push_node(L, cfg->orders, 1);
    lua_setfield(L, -2, "orders");
  }
  if (cfg->costs) {
    push_node(L, cfg->costs, 1);
    lua_setfield(L, -2, "costs");
  }
  if (cfg->backtest) {
    push_node(L, cfg->backtest, 1);
    lua_setfield(L, -2, "backtest");
  }

  size_t n_sleeves = cfg->n_sleeves;
  lua_createtable(L, n_sleeves < (1u << 20) ? (int)n_sleeves : 1 << 20, 0); /* [cfg, sleeves] */
  for (size_t i = 0; i < n_sleeves; i++) {
    const folio_sleeve_config *s = &cfg->sleeves[i];
    lua_createtable(L, 0, 8); /* [cfg, sleeves, s] */
    fl_set_string(L, "name", s->name);
    fl_set_string(L, "sizer", s->sizer);
    fl_set_string(L, "policy", s->policy);
    fl_push_labels(L, s->universe, s->n_universe); /* [cfg, sleeves, s, universe] */
    lua_setfield(L, -2, "universe");
    fl_set_string(L, "asset_class", s->asset_class);
    fl_set_string(L, "rebalance", s->rebalance);
    fl_set_number(L, "allocation", s->allocation);
    if (s->params)
      push_node(L, s->params, 1);
    else
      lua_newtable(L);
    lua_setfield(L, -2, "params");
    if (s->signal) {
      push_node(L, s->signal, 1);
      lua_setfield(L, -2, "signal");
    }
    push_sleeve_where(L, s, name);
    lua_rawseti(L, -2, (lua_Integer)i + 1);
  }
  lua_setfield(L, -2, "sleeves");

  lua_createtable(L, 0, 4); /* [cfg, limits] */
  fl_set_number(L, "fraction_of_adv", cfg->limits.fraction_of_adv);
  fl_set_integer(L, "adv_lookback_days", (lua_Integer)cfg->limits.adv_lookback_days);
  fl_set_number(L, "max_position_weight", cfg->limits.max_position_weight);
  fl_set_number(L, "max_gross", cfg->limits.max_gross);
  lua_pushboolean(L, cfg->limits.capacity_set);
  lua_setfield(L, -2, "capacity_set");
  lua_setfield(L, -2, "limits");
}

static void release_config(void *p) { folio_fund_config_free(p); }

/* Runs the core on a file (text == NULL) or a buffer, then pushes the tables. */
static int read_config(lua_State *L, const char *fname, const char *path, const char *text,
                       size_t len, const char *name, const char *const *sizers) {
  fl_box *box = fl_box_push(L, release_config); /* [.., box] */
  folio_fund_config *cfg = NULL;
  folio_error err;
  folio_status st = text ? folio_config_parse(text, len, name, sizers, &cfg, &err)
                         : folio_config_load_file(path, sizers, &cfg, &err);
  box->p = cfg;
  if (st != FOLIO_OK) return fl_core_error(L, fname, &err);
  push_config(L, cfg, text ? (name ? name : "<string>") : path); /* [.., box, cfg] */
  fl_box_release(box); /* early: everything now lives in Lua tables */
  return 1;
}

/* folio.config.load(path) or folio.config.load{path = ..., sizers = {...} | false} */
static int c_load(lua_State *L) {
  static const char *const keys[] = {"path", "sizers", NULL};
  const char *path;
  int args = 0;
  if (lua_type(L, 1) == LUA_TTABLE) {
    fl_check_args(L, 1, "load", keys);
    path = fl_opt_string(L, 1, "load", "path", NULL);
    if (!path) fl_argerror(L, "load", "path is required");
    args = 1;
  } else {
    path = luaL_checkstring(L, 1);
  }
  lua_settop(L, 1);
  if (args) lua_getfield(L, 1, "path");
  path = fl_check_path(L, args ? 2 : 1, "config.load", "path"); /* [args, path]: anchored */
  const char *const *sizers = known_sizers(L, args, "load");
  if (!fl_sandboxed(L)) return read_config(L, "config.load", path, NULL, 0, NULL, sizers);
  /* sandboxed: as the sandbox reads (below the working folder, no links, within the budget) */
  size_t len = 0;
  const char *text = fl_read_file(L, "config.load", path, FOLIO_CONFIG_MAX_BYTES, &len);
  return read_config(L, "config.load", path, text, len, path, sizers);
}

/* folio.config.parse{text = ..., name = "fund.yaml", sizers = {...} | false} */
static int c_parse(lua_State *L) {
  static const char *const keys[] = {"text", "name", "sizers", NULL};
  fl_check_args(L, 1, "parse", keys);
  lua_settop(L, 1);
  size_t len = 0;
  if (lua_getfield(L, 1, "text") != LUA_TSTRING) /* [args, text] */
    fl_argerror(L, "parse", "text must be a string, got %s", luaL_typename(L, -1));
  const char *text = lua_tolstring(L, -1, &len);
  const char *name = fl_opt_string(L, 1, "parse", "name", "<string>");
  const char *const *sizers = known_sizers(L, 1, "parse");
  return read_config(L, "config.parse", NULL, text, len, name, sizers);
}

/* ---- folio.config.tree: any YAML file with positions --------------------------- */

/* Pushes one node of a generic tree as a table {kind =, line =, column =, ...}:
 * a scalar has `value` (nil for null) and `text`; a sequence `items`; a
 * mapping `keys` (document order), `values` and `key_lines` keyed by key.
 * The core caps the depth at FOLIO_CONFIG_MAX_DEPTH, so the recursion is bounded. */
static void push_tree_node(lua_State *L, const folio_config_node *n) {
  luaL_checkstack(L, 6, "config.tree: nesting too deep");
  lua_createtable(L, 0, 6); /* [node] */
  fl_set_integer(L, "line", (lua_Integer)n->line);
  fl_set_integer(L, "column", (lua_Integer)n->column);
  if (n->kind == FOLIO_CONFIG_SCALAR) {
    lua_pushliteral(L, "scalar");
    lua_setfield(L, -2, "kind");
    lua_pushlstring(L, n->text, n->text_len);
    lua_setfield(L, -2, "text");
    switch (n->type) {
    case FOLIO_CONFIG_BOOL: lua_pushboolean(L, n->boolean); break;
    case FOLIO_CONFIG_INT: lua_pushinteger(L, (lua_Integer)n->integer); break;
    case FOLIO_CONFIG_FLOAT: lua_pushnumber(L, n->number); break;
    case FOLIO_CONFIG_STRING: lua_pushlstring(L, n->text, n->text_len); break;
    default: lua_pushnil(L); break;
    }
    lua_setfield(L, -2, "value");
    return;
  }
  int mapping = n->kind == FOLIO_CONFIG_MAPPING;
  lua_pushstring(L, mapping ? "mapping" : "sequence");
  lua_setfield(L, -2, "kind");
  if (!mapping) {
    lua_createtable(L, (int)n->n_children, 0); /* [node, items] */
    for (size_t i = 0; i < n->n_children; i++) {
      push_tree_node(L, &n->children[i]);
      lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    lua_setfield(L, -2, "items");
    return;
  }
  lua_createtable(L, (int)n->n_children, 0); /* [node, keys] */
  lua_createtable(L, 0, (int)n->n_children); /* [node, keys, values] */
  lua_createtable(L, 0, (int)n->n_children); /* [node, keys, values, key_lines] */
  for (size_t i = 0; i < n->n_children; i++) {
    const folio_config_node *c = &n->children[i];
    lua_pushstring(L, c->key);
    lua_rawseti(L, -4, (lua_Integer)i + 1);
    push_tree_node(L, c);
    lua_setfield(L, -3, c->key);
    lua_pushinteger(L, (lua_Integer)c->key_line);
    lua_setfield(L, -2, c->key);
  }
  lua_setfield(L, -4, "key_lines");
  lua_setfield(L, -3, "values");
  lua_setfield(L, -2, "keys");
}

static void release_tree(void *p) { folio_config_node_free(p); }

/* folio.config.tree{path = ...} or tree{text = ..., name = ...}: a YAML
 * document (one mapping) as nested tables with lines and columns, for files
 * other than fund files (sweep grids); messages name file:line:column. */
static int c_tree(lua_State *L) {
  static const char *const keys[] = {"path", "text", "name", NULL};
  fl_check_args(L, 1, "tree", keys);
  lua_settop(L, 1);
  const char *path = fl_opt_string(L, 1, "tree", "path", NULL);
  const char *name = fl_opt_string(L, 1, "tree", "name", NULL);
  size_t len = 0;
  const char *text = NULL;
  if (lua_getfield(L, 1, "text") == LUA_TSTRING) text = lua_tolstring(L, -1, &len); /* [args, text] */
  else if (!lua_isnil(L, -1)) fl_argerror(L, "tree", "text must be a string, got %s", luaL_typename(L, -1));
  if (!text && !path) fl_argerror(L, "tree", "path or text is required");
  if (path && !text) {
    lua_getfield(L, 1, "path"); /* [args, text, path] */
    path = fl_check_path(L, lua_gettop(L), "config.tree", "path");
    if (fl_sandboxed(L)) {
      text = fl_read_file(L, "config.tree", path, FOLIO_CONFIG_MAX_BYTES, &len);
      name = path;
    }
  }
  fl_box *box = fl_box_push(L, release_tree); /* [.., box] */
  folio_config_node *root = NULL;
  folio_error err;
  folio_status st = text ? folio_config_parse_tree(text, len, name ? name : "<string>", &root, &err)
                         : folio_config_load_tree(path, &root, &err);
  box->p = root;
  if (st != FOLIO_OK) return fl_core_error(L, "config.tree", &err);
  push_tree_node(L, root); /* [.., box, tree] */
  return 1;
}

static const luaL_Reg config_funcs[] = {{"load", c_load}, {"parse", c_parse}, {"tree", c_tree}, {NULL, NULL}};

int fl_open_config(lua_State *L) {
  luaL_newlib(L, config_funcs);
  return 1;
}
