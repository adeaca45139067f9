/*
 * lhrp.c — folio.hrp: Hierarchical Risk Parity as PyPortfolioOpt's HRPOpt
 * computes it, and folio.hrp.linkage for users who want only the tree.
 *
 * folio.hrp is a callable table (like folio.matrix): folio.hrp{...} runs
 * HRP, folio.hrp.linkage{...} clusters a distance matrix. All buffers are
 * Lua userdata taken before the core calls, so an error raised anywhere
 * leaks nothing; the shared workspace is fetched last.
 */
#include <math.h>
#include <string.h>

#include "lfolio.h"

/* ---- helpers ------------------------------------------------------------------ */

/* Reads bounds.<key> (a number for every asset, or {SYM = x}) into out[n]
 * (default `def`); symbols are the columns of the matrix at m_idx. */
static void read_bound(lua_State *L, int bounds, const char *fname, const char *key, int m_idx,
                       size_t n, double def, double *out) {
  for (size_t i = 0; i < n; i++) out[i] = def;
  int t = lua_getfield(L, bounds, key); /* [b] */
  if (t == LUA_TNUMBER) {
    double v = lua_tonumber(L, -1);
    if (!isfinite(v)) fl_argerror(L, fname, "bounds.%s must be finite", key);
    for (size_t i = 0; i < n; i++) out[i] = v;
  } else if (t == LUA_TTABLE) {
    int tbl = lua_gettop(L);
    lua_pushnil(L);
    while (lua_next(L, tbl)) { /* [b, k, v] */
      if (lua_type(L, -2) != LUA_TSTRING)
        fl_argerror(L, fname, "bounds.%s: a key of type %s is not a symbol string", key,
                    luaL_typename(L, -2));
      const char *sym = lua_tostring(L, -2);
      if (lua_type(L, -1) != LUA_TNUMBER)
        fl_argerror(L, fname, "bounds.%s.%s must be a number, got %s", key, sym,
                    luaL_typename(L, -1));
      double v = lua_tonumber(L, -1);
      if (!isfinite(v)) fl_argerror(L, fname, "bounds.%s.%s must be finite", key, sym);
      long j = fl_matrix_col_index(L, m_idx, sym);
      if (j < 0) fl_argerror(L, fname, "bounds.%s: unknown symbol '%s'", key, sym);
      out[j] = v;
      lua_pop(L, 1);
    }
  } else if (t != LUA_TNIL) {
    fl_argerror(L, fname, "bounds.%s must be a number or a table {SYMBOL = number}, got %s", key,
                luaL_typename(L, -1));
  }
  lua_pop(L, 1);
}

/* Pushes the linkage rows {{left, right, distance, size}, ...} (0-based ids). */
static void push_linkage(lua_State *L, size_t n, const double *Z) {
  lua_createtable(L, (int)(n > 1 ? n - 1 : 0), 0);
  for (size_t k = 0; k + 1 < n; k++) {
    lua_createtable(L, 0, 4);
    fl_set_integer(L, "left", (lua_Integer)Z[4 * k]);
    fl_set_integer(L, "right", (lua_Integer)Z[4 * k + 1]);
    fl_set_number(L, "distance", Z[4 * k + 2]);
    fl_set_integer(L, "size", (lua_Integer)Z[4 * k + 3]);
    lua_rawseti(L, -2, (lua_Integer)k + 1);
  }
}

/* Pushes the symbols in leaf order. */
static void push_order(lua_State *L, size_t n, const size_t *order, const char *const *syms) {
  lua_createtable(L, (int)n, 0);
  for (size_t k = 0; k < n; k++) {
    lua_pushstring(L, syms[order[k]]);
    lua_rawseti(L, -2, (lua_Integer)k + 1);
  }
}

/* Pushes the tree as nested tables: a leaf {id, symbol}, a cluster {id,
 * left, right, distance, size}; built bottom-up (children have smaller ids),
 * so no recursion. */
static void push_tree(lua_State *L, size_t n, const double *Z, const char *const *syms) {
  lua_checkstack(L, 4);
  lua_createtable(L, (int)(2 * n - 1), 0); /* [nodes]: id + 1 -> node */
  int nodes = lua_gettop(L);
  for (size_t i = 0; i < n; i++) {
    lua_createtable(L, 0, 2);
    fl_set_integer(L, "id", (lua_Integer)i);
    lua_pushstring(L, syms[i]);
    lua_setfield(L, -2, "symbol");
    lua_rawseti(L, nodes, (lua_Integer)i + 1);
  }
  for (size_t k = 0; k + 1 < n; k++) {
    lua_createtable(L, 0, 5);
    fl_set_integer(L, "id", (lua_Integer)(n + k));
    lua_rawgeti(L, nodes, (lua_Integer)Z[4 * k] + 1);
    lua_setfield(L, -2, "left");
    lua_rawgeti(L, nodes, (lua_Integer)Z[4 * k + 1] + 1);
    lua_setfield(L, -2, "right");
    fl_set_number(L, "distance", Z[4 * k + 2]);
    fl_set_integer(L, "size", (lua_Integer)Z[4 * k + 3]);
    lua_rawseti(L, nodes, (lua_Integer)(n + k) + 1);
  }
  lua_rawgeti(L, nodes, (lua_Integer)(2 * n - 1)); /* [nodes, root] */
  lua_remove(L, nodes);
}

/* ---- folio.hrp{...} ---------------------------------------------------------------- */

/* folio.hrp{returns = R | cov = C [, corr = K], missing = "pairwise",
 *           linkage = "single", bounds = {min =, max =}, tree = false}
 * -> weights {SYM = w}, info {order, linkage, method, missing?} [, tree] */
static int h_hrp(lua_State *L) {
  static const char *fname = "hrp";
  static const char *const keys[] = {"returns", "cov",    "corr", "missing",
                                     "linkage", "bounds", "tree", NULL};
  fl_check_args(L, 1, fname, keys);
  folio_error err;
  folio_linkage_method method;
  if (folio_linkage_parse(fl_opt_string(L, 1, fname, "linkage", "single"), &method, &err) != FOLIO_OK)
    fl_argerror(L, fname, "linkage: %s", err.message);
  int want_tree = fl_opt_boolean(L, 1, fname, "tree", 0);
  int has_returns = lua_getfield(L, 1, "returns") != LUA_TNIL;
  int has_cov = lua_getfield(L, 1, "cov") != LUA_TNIL;
  int has_corr = lua_getfield(L, 1, "corr") != LUA_TNIL;
  lua_pop(L, 3);
  if (has_returns == has_cov)
    fl_argerror(L, fname, "give either returns or cov (with an optional corr), not %s",
                has_returns ? "both" : "neither");
  if (has_returns && has_corr) fl_argerror(L, fname, "corr goes with cov, not with returns");
  folio_missing missing = FOLIO_MISSING_PAIRWISE;
  if (has_returns) {
    missing = fl_opt_missing(L, 1, fname, "missing", "pairwise");
  } else if (lua_getfield(L, 1, "missing") != LUA_TNIL) {
    fl_argerror(L, fname, "missing applies to returns, not to cov");
  } else {
    lua_pop(L, 1);
  }

  int src_idx; /* the matrix whose columns name the assets */
  fl_matrix *src = fl_field_matrix(L, 1, fname, has_returns ? "returns" : "cov", &src_idx);
  const size_t n = src->n_cols;
  if (n == 0) fl_argerror(L, fname, "%s has no columns", has_returns ? "returns" : "cov");
  if (!has_returns) fl_check_square_labelled(L, src, fname, "cov");
  const char *const *syms = (const char *const *)src->col_labels;

  double *cov = NULL, *corr = NULL;
  size_t ld_cov = n, ld_corr = n;
  if (has_returns) {
    cov = fl_scratch(L, n * n, sizeof(double));
    corr = fl_scratch(L, n * n, sizeof(double));
  } else {
    cov = src->data;
    if (has_corr) {
      int ki;
      fl_matrix *k = fl_field_matrix(L, 1, fname, "corr", &ki);
      fl_check_square_labelled(L, k, fname, "corr");
      if (k->n_cols != n)
        fl_argerror(L, fname, "corr is %I x %I but cov is %I x %I", (lua_Integer)k->n_rows,
                    (lua_Integer)k->n_cols, (lua_Integer)n, (lua_Integer)n);
      int same = 1;
      for (size_t i = 0; i < n && same; i++) same = strcmp(k->col_labels[i], syms[i]) == 0;
      if (same) {
        corr = k->data;
      } else { /* align corr to cov's symbol order */
        size_t *map = fl_scratch(L, n, sizeof(size_t));
        for (size_t i = 0; i < n; i++) {
          long j = fl_matrix_col_index(L, ki, syms[i]);
          if (j < 0) fl_argerror(L, fname, "corr has no symbol '%s' (cov has)", syms[i]);
          map[i] = (size_t)j;
        }
        corr = fl_scratch(L, n * n, sizeof(double));
        for (size_t b = 0; b < n; b++)
          for (size_t a = 0; a < n; a++) corr[a + b * n] = k->data[map[a] + map[b] * n];
      }
    } else {
      corr = fl_scratch(L, n * n, sizeof(double));
      if (folio_cov_to_corr(n, cov, n, corr, n, syms, &err) != FOLIO_OK)
        return fl_core_error(L, fname, &err);
    }
  }

  double *wmin = NULL, *wmax = NULL;
  int bt = lua_getfield(L, 1, "bounds"); /* [bounds] */
  if (bt != LUA_TNIL) {
    if (bt != LUA_TTABLE)
      fl_argerror(L, fname, "bounds must be a table {min = ..., max = ...}, got %s",
                  luaL_typename(L, -1));
    static const char *const bkeys[] = {"min", "max", NULL};
    int bi = lua_gettop(L);
    fl_check_keys(L, bi, fname, "bounds", bkeys);
    wmin = fl_scratch(L, n, sizeof(double));
    wmax = fl_scratch(L, n, sizeof(double));
    read_bound(L, bi, fname, "min", src_idx, n, 0.0, wmin);
    read_bound(L, bi, fname, "max", src_idx, n, 1.0, wmax);
  }

  double *w = fl_scratch(L, n, sizeof(double));
  size_t *order = fl_scratch(L, n, sizeof(size_t));
  double *Z = fl_scratch(L, n > 1 ? 4 * (n - 1) : 1, sizeof(double));
  size_t ws = folio_hrp_work_size(n), cs = 0;
  if (has_returns) {
    cs = folio_sample_corr_work_size(src->n_rows, n, missing);
    if (cs == 0) fl_argerror(L, fname, "returns is too large");
  }
  if (ws == 0) fl_argerror(L, fname, "too many assets (%I)", (lua_Integer)n);
  void *work = fl_workspace(L, ws > cs ? ws : cs); /* last before the core calls */
  folio_cov_info cinfo;
  if (has_returns) {
    folio_panel p = fl_matrix_panel(src);
    if (folio_sample_corr(&p, missing, corr, n, cov, n, work, &cinfo, &err) != FOLIO_OK)
      return fl_core_error(L, fname, &err);
  }
  if (folio_hrp(n, cov, ld_cov, corr, ld_corr, syms, method, wmin, wmax, w, order, Z, work, &err) !=
      FOLIO_OK)
    return fl_core_error(L, fname, &err);

  fl_push_vec(L, n, syms, w, NULL); /* weights */
  int wi = lua_gettop(L);
  lua_createtable(L, 0, 5); /* info */
  push_order(L, n, order, syms);
  lua_setfield(L, -2, "order");
  push_linkage(L, n, Z);
  lua_setfield(L, -2, "linkage");
  lua_pushstring(L, folio_linkage_name(method));
  lua_setfield(L, -2, "method");
  if (has_returns) {
    lua_pushstring(L, folio_missing_name(missing));
    lua_setfield(L, -2, "missing");
    fl_set_integer(L, "min_pair_obs", (lua_Integer)cinfo.min_pair_obs);
  }
  lua_pushstring(L, has_returns ? "returns" : has_corr ? "cov+corr" : "cov");
  lua_setfield(L, -2, "source");
  if (want_tree) push_tree(L, n, Z, syms);
  (void)wi;
  return want_tree ? 3 : 2;
}

/* ---- folio.hrp.linkage{dist = M, method = "single"} ------------------------------- */

/* -> linkage rows {{left, right, distance, size}, ...}, order {symbols in leaf order} */
static int h_linkage(lua_State *L) {
  static const char *fname = "linkage";
  static const char *const keys[] = {"dist", "method", NULL};
  fl_check_args(L, 1, fname, keys);
  folio_error err;
  folio_linkage_method method;
  if (folio_linkage_parse(fl_opt_string(L, 1, fname, "method", "single"), &method, &err) != FOLIO_OK)
    fl_argerror(L, fname, "method: %s", err.message);
  int di;
  fl_matrix *d = fl_field_matrix(L, 1, fname, "dist", &di);
  fl_check_square_labelled(L, d, fname, "dist");
  const size_t n = d->n_cols;
  if (n == 0) fl_argerror(L, fname, "dist is empty");
  double *Z = fl_scratch(L, n > 1 ? 4 * (n - 1) : 1, sizeof(double));
  size_t *order = fl_scratch(L, n, sizeof(size_t));
  size_t ws = folio_linkage_work_size(n);
  if (ws == 0) fl_argerror(L, fname, "too many items (%I)", (lua_Integer)n);
  void *work = fl_workspace(L, ws);
  if (folio_linkage(n, d->data, n, method, Z, work, &err) != FOLIO_OK)
    return fl_core_error(L, fname, &err);
  if (folio_leaf_order(n, Z, order, &err) != FOLIO_OK) return fl_core_error(L, fname, &err);
  push_linkage(L, n, Z);
  push_order(L, n, order, (const char *const *)d->col_labels);
  return 2;
}

/* __call(self, args): folio.hrp{...} */
static int h_call(lua_State *L) {
  lua_remove(L, 1); /* drop the folio.hrp table itself */
  if (lua_gettop(L) < 1) lua_pushnil(L);
  lua_settop(L, 1);
  return h_hrp(L);
}

int fl_open_hrp(lua_State *L) {
  lua_createtable(L, 0, 2); /* folio.hrp: callable, plus .run and .linkage */
  lua_pushcfunction(L, h_hrp);
  lua_setfield(L, -2, "run");
  lua_pushcfunction(L, h_linkage);
  lua_setfield(L, -2, "linkage");
  fl_make_callable(L, h_call);
  return 1;
}
