/*
 * lblack_litterman.c — folio.black_litterman: the Black–Litterman model with named
 * arguments and views written as Lua tables.
 *
 * folio.black_litterman is a callable table: calling it computes the
 * posterior (folio.black_litterman{cov = S, market_weights = w, views = {...}}),
 * and it carries the two helpers of PyPortfolioOpt's module,
 * market_implied_prior_returns and market_implied_risk_aversion. The universe
 * is the covariance's symbols; vectors keyed by symbol must name exactly
 * those, and everything reaches the core sorted by symbol, so results never
 * depend on table traversal order or on the covariance's column order. Views
 * are parsed here into the pick matrix P and the view returns Q: a view
 * naming an unknown symbol is an error naming the view and the symbol.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lfolio.h"
#include "plumbing.h"

/* ---- the universe -------------------------------------------------------- */

/* The universe of one call: cov's symbols in sorted order, and cov gathered
 * in that order (n x n, ld n). */
typedef struct bl_universe {
  size_t n;
  const char **syms; /* sorted; borrowed from the cov's labels */
  size_t *col;       /* col[i]: cov column of syms[i] */
  double *cov;
  int cov_idx;       /* stack index of the cov matrix */
} bl_universe;

/* Reads args.cov: square, with matching row and column labels. */
static bl_universe check_universe(lua_State *L, const char *fname) {
  bl_universe u;
  fl_matrix *cov = fl_field_matrix(L, 1, fname, "cov", &u.cov_idx);
  fl_check_square_labelled(L, cov, fname, "cov"); /* when empty, no label to mismatch */
  if (cov->n_rows == 0) fl_argerror(L, fname, "cov is empty");
  size_t n = cov->n_rows;
  u.n = n;
  u.syms = fl_scratch(L, n, sizeof(char *));
  memcpy(u.syms, cov->col_labels, n * sizeof(char *));
  qsort(u.syms, n, sizeof(char *), folio_i_cmp_str);
  u.col = fl_scratch(L, n, sizeof(size_t));
  for (size_t i = 0; i < n; i++) u.col[i] = (size_t)fl_matrix_col_index(L, u.cov_idx, u.syms[i]);
  u.cov = fl_scratch(L, n * n, sizeof(double));
  for (size_t b = 0; b < n; b++)
    for (size_t a = 0; a < n; a++) u.cov[a + b * n] = cov->data[u.col[a] + u.col[b] * n];
  return u;
}

/* args[key] as {SYM = number} over exactly the universe's symbols, sorted. */
static double *universe_vec(lua_State *L, const bl_universe *u, const char *fname,
                            const char *key) {
  fl_vec v = fl_check_vec(L, 1, fname, key, 0);
  size_t i = 0, j = 0;
  while (i < v.n || j < u->n) { /* both sorted: one merge finds the first difference */
    int c = i == v.n ? 1 : j == u->n ? -1 : strcmp(v.syms[i], u->syms[j]);
    if (c < 0) fl_argerror(L, fname, "%s has symbol '%s' that cov does not have", key, v.syms[i]);
    if (c > 0) fl_argerror(L, fname, "%s lacks symbol '%s' of cov", key, u->syms[j]);
    i++;
    j++;
  }
  return v.vals;
}

/* Position of sym in the universe, or -1 (binary search of the sorted symbols). */
static long universe_index(const bl_universe *u, const char *sym) {
  return fl_find_sym((const char *const *)u->syms, u->n, sym);
}

/* ---- views ---------------------------------------------------------------- */

typedef struct bl_parsed_views {
  size_t k;
  double *P;    /* k x n, ld k */
  double *Q;    /* k */
  double *conf; /* k (NaN: none given) */
  int any_conf;
} bl_parsed_views;

/* The symbol at the top of the stack (a string), checked against the universe. */
static size_t view_symbol(lua_State *L, const bl_universe *u, const char *fname, size_t v,
                          const char *what) {
  if (lua_type(L, -1) != LUA_TSTRING)
    fl_argerror(L, fname, "views[%I].%s: a symbol string expected, got %s", (lua_Integer)v, what,
                luaL_typename(L, -1));
  const char *sym = lua_tostring(L, -1);
  long j = universe_index(u, sym);
  if (j < 0)
    fl_argerror(L, fname, "views[%I]: symbol '%s' is not in cov", (lua_Integer)v, sym);
  return (size_t)j;
}

/* Adds share to P[v, j] for every symbol of the array view[key]: long (+1
 * split equally) or short (-1 split equally), as PyPortfolioOpt's relative
 * views. A symbol listed twice, or on both sides, is an error. */
static void view_side(lua_State *L, const bl_universe *u, const char *fname, int view, size_t v,
                      const char *key, double total, bl_parsed_views *pv, size_t row) {
  int t = lua_getfield(L, view, key); /* [side] */
  if (t == LUA_TNIL) {
    lua_pop(L, 1);
    return;
  }
  if (t == LUA_TSTRING) { /* long = "AAPL": one name */
    size_t j = view_symbol(L, u, fname, v, key);
    if (pv->P[row + j * pv->k] != 0.0)
      fl_argerror(L, fname, "views[%I]: symbol '%s' is on both sides", (lua_Integer)v,
                  u->syms[j]);
    pv->P[row + j * pv->k] = total;
    lua_pop(L, 1);
    return;
  }
  if (t != LUA_TTABLE)
    fl_argerror(L, fname, "views[%I].%s must be an array of symbols, got %s", (lua_Integer)v, key,
                luaL_typename(L, -1));
  lua_Integer cnt = (lua_Integer)lua_rawlen(L, -1);
  if (cnt == 0) fl_argerror(L, fname, "views[%I].%s is empty", (lua_Integer)v, key);
  lua_Integer keys = 0;
  lua_pushnil(L);
  while (lua_next(L, -2)) { /* only array keys 1..cnt */
    lua_pop(L, 1);
    if (!lua_isinteger(L, -1) || lua_tointeger(L, -1) < 1 || lua_tointeger(L, -1) > cnt)
      fl_argerror(L, fname, "views[%I].%s must be an array of symbols", (lua_Integer)v, key);
    keys++;
  }
  if (keys != cnt)
    fl_argerror(L, fname, "views[%I].%s must be an array of symbols", (lua_Integer)v, key);
  for (lua_Integer i = 1; i <= cnt; i++) {
    lua_rawgeti(L, -1, i); /* [side, sym] */
    size_t j = view_symbol(L, u, fname, v, key);
    double prev = pv->P[row + j * pv->k]; /* same sign: this side; opposite: the other */
    if (prev != 0.0)
      fl_argerror(L, fname, "views[%I]: symbol '%s' is %s", (lua_Integer)v, u->syms[j],
                  (prev > 0) == (total > 0) ? "listed twice" : "on both sides");
    pv->P[row + j * pv->k] = total / (double)cnt;
    lua_pop(L, 1);
  }
  lua_pop(L, 1);
}

/* args.views: an array of view tables (absent = no views). */
static bl_parsed_views parse_views(lua_State *L, const bl_universe *u, const char *fname) {
  static const char *const view_keys[] = {"asset", "long", "short", "weights", "value",
                                          "confidence", NULL};
  bl_parsed_views pv = {0, NULL, NULL, NULL, 0};
  int t = lua_getfield(L, 1, "views"); /* [views] */
  if (t != LUA_TNIL && t != LUA_TTABLE)
    fl_argerror(L, fname, "views must be an array of view tables, got %s", luaL_typename(L, -1));
  int vi = lua_gettop(L);
  size_t k = t == LUA_TNIL ? 0 : lua_rawlen(L, vi);
  if (t == LUA_TTABLE) {
    size_t keys = 0;
    lua_pushnil(L);
    while (lua_next(L, vi)) {
      lua_pop(L, 1);
      if (!lua_isinteger(L, -1) || lua_tointeger(L, -1) < 1 || (size_t)lua_tointeger(L, -1) > k)
        fl_argerror(L, fname, "views must be an array of view tables (unexpected key %s)",
                    lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : luaL_typename(L, -1));
      keys++;
    }
    if (keys != k) fl_argerror(L, fname, "views must be an array without holes");
  }
  if (k > FOLIO_MAX_DIM || (k && u->n > FOLIO_MAX_ELEMS / k))
    fl_argerror(L, fname, "too many views (%I)", (lua_Integer)k);
  pv.k = k;
  pv.P = fl_scratch(L, k * u->n, sizeof(double));
  pv.Q = fl_scratch(L, k, sizeof(double));
  pv.conf = fl_scratch(L, k, sizeof(double));
  for (size_t i = 0; i < k * u->n; i++) pv.P[i] = 0.0;
  for (size_t r = 0; r < k; r++) {
    size_t v = r + 1;
    if (lua_rawgeti(L, vi, (lua_Integer)v) != LUA_TTABLE) /* [views, view] */
      fl_argerror(L, fname, "views[%I] must be a table, got %s", (lua_Integer)v,
                  luaL_typename(L, -1));
    int view = lua_gettop(L);
    lua_pushfstring(L, "views[%I]", (lua_Integer)v);
    fl_check_keys(L, view, fname, lua_tostring(L, -1), view_keys);
    lua_pop(L, 1);
    int has_asset = lua_getfield(L, view, "asset") != LUA_TNIL;
    int has_long = lua_getfield(L, view, "long") != LUA_TNIL; /* both fields pushed: 4 pops below */
    int has_ls = (lua_getfield(L, view, "short") != LUA_TNIL) || has_long;
    int has_w = lua_getfield(L, view, "weights") != LUA_TNIL;
    lua_pop(L, 4);
    if (has_asset + has_ls + has_w != 1)
      fl_argerror(L, fname,
                  "views[%I] must name exactly one of asset, long/short or weights",
                  (lua_Integer)v);
    if (has_asset) {
      lua_getfield(L, view, "asset");
      pv.P[r + view_symbol(L, u, fname, v, "asset") * k] = 1.0;
      lua_pop(L, 1);
    } else if (has_ls) {
      view_side(L, u, fname, view, v, "long", 1.0, &pv, r);
      view_side(L, u, fname, view, v, "short", -1.0, &pv, r);
    } else {
      lua_getfield(L, view, "weights"); /* [.., weights] */
      if (!lua_istable(L, -1))
        fl_argerror(L, fname, "views[%I].weights must be a table {SYMBOL = number}, got %s",
                    (lua_Integer)v, luaL_typename(L, -1));
      lua_pushnil(L);
      while (lua_next(L, -2)) { /* [.., weights, sym, w] */
        if (lua_type(L, -2) != LUA_TSTRING)
          fl_argerror(L, fname, "views[%I].weights: a key of type %s is not a symbol",
                      (lua_Integer)v, luaL_typename(L, -2));
        if (lua_type(L, -1) != LUA_TNUMBER)
          fl_argerror(L, fname, "views[%I].weights.%s must be a number, got %s", (lua_Integer)v,
                      lua_tostring(L, -2), luaL_typename(L, -1));
        double w = lua_tonumber(L, -1);
        if (!isfinite(w))
          fl_argerror(L, fname, "views[%I].weights.%s is not finite", (lua_Integer)v,
                      lua_tostring(L, -2));
        lua_pushvalue(L, -2);
        size_t j = view_symbol(L, u, fname, v, "weights");
        lua_pop(L, 2);
        pv.P[r + j * k] = w;
      }
      lua_pop(L, 1);
    }
    if (lua_getfield(L, view, "value") != LUA_TNUMBER)
      fl_argerror(L, fname, "views[%I].value must be a number (the view's return), got %s",
                  (lua_Integer)v, luaL_typename(L, -1));
    pv.Q[r] = lua_tonumber(L, -1);
    if (!isfinite(pv.Q[r])) fl_argerror(L, fname, "views[%I].value is not finite", (lua_Integer)v);
    lua_pop(L, 1);
    int ct = lua_getfield(L, view, "confidence");
    pv.conf[r] = NAN;
    if (ct == LUA_TNUMBER) {
      pv.conf[r] = lua_tonumber(L, -1);
      if (!(pv.conf[r] >= 0 && pv.conf[r] <= 1))
        fl_argerror(L, fname, "views[%I].confidence must be in [0, 1], got %f", (lua_Integer)v,
                    pv.conf[r]);
      pv.any_conf = 1;
    } else if (ct != LUA_TNIL) {
      fl_argerror(L, fname, "views[%I].confidence must be a number in [0, 1], got %s",
                  (lua_Integer)v, luaL_typename(L, -1));
    }
    lua_pop(L, 2); /* [views] */
  }
  return pv;
}

/* ---- folio.black_litterman{...} ------------------------------------------ */

/* The prior: args.pi, or the market-implied prior of args.market_weights. */
static double *bl_prior(lua_State *L, const bl_universe *u, const char *fname, double delta,
                        int need_one) {
  int has_pi = lua_getfield(L, 1, "pi") != LUA_TNIL;
  int has_mw = lua_getfield(L, 1, "market_weights") != LUA_TNIL;
  int has_rf = lua_getfield(L, 1, "risk_free_rate") != LUA_TNIL;
  lua_pop(L, 3);
  if (need_one && has_pi + has_mw != 1)
    fl_argerror(L, fname, "give exactly one of pi (the prior returns) or market_weights");
  if (has_pi) {
    if (has_rf)
      fl_argerror(L, fname, "risk_free_rate applies to the market prior only (it is part of pi)");
    return universe_vec(L, u, fname, "pi");
  }
  double rf = fl_opt_number(L, 1, fname, "risk_free_rate", 0.0);
  double *w = universe_vec(L, u, fname, "market_weights");
  double *out = fl_scratch(L, u->n, sizeof(double));
  folio_error err;
  if (folio_bl_prior(u->n, u->cov, u->n, w, u->syms, delta, rf, out, &err) != FOLIO_OK)
    fl_core_error(L, fname, &err);
  return out;
}

static int bl_call(lua_State *L) {
  static const char *fname = "black_litterman";
  static const char *const keys[] = {"cov", "pi", "market_weights", "risk_aversion", "tau",
                                     "risk_free_rate", "views", "omega", "repair", NULL};
  lua_remove(L, 1); /* the folio.black_litterman table itself */
  lua_settop(L, 1);
  fl_check_args(L, 1, fname, keys);
  bl_universe u = check_universe(L, fname);
  size_t n = u.n;
  folio_bl_opts o = folio_bl_defaults();
  o.risk_aversion = fl_positive(L, 1, fname, "risk_aversion", o.risk_aversion, 0);
  o.tau = fl_positive(L, 1, fname, "tau", o.tau, 0);
  if (o.tau > 1) fl_argerror(L, fname, "tau must be in (0, 1], got %f", o.tau);
  o.repair = fl_opt_repair(L, 1, fname, "repair", "error");
  o.cancel = fl_cancel_of(L); /* the HIGHAM repair polls the run's deadline */
  double *pi = bl_prior(L, &u, fname, o.risk_aversion, 1);
  bl_parsed_views pv = parse_views(L, &u, fname);
  size_t k = pv.k;

  /* omega: a method name, an array of k variances (diagonal) or a k x k matrix */
  double *omega = NULL;
  int ot = lua_getfield(L, 1, "omega"); /* [omega] */
  if (ot == LUA_TNIL) {
    o.omega = pv.any_conf ? FOLIO_BL_OMEGA_IDZOREK : FOLIO_BL_OMEGA_DEFAULT;
  } else if (ot == LUA_TSTRING) {
    folio_error perr;
    const char *name = lua_tostring(L, -1);
    if (folio_bl_omega_parse(name, &o.omega, &perr) != FOLIO_OK ||
        o.omega == FOLIO_BL_OMEGA_GIVEN)
      fl_argerror(L, fname,
                  "omega must be \"default\", \"idzorek\", an array of view variances or a "
                  "matrix, got \"%s\"",
                  name);
  } else {
    o.omega = FOLIO_BL_OMEGA_GIVEN;
    omega = fl_scratch(L, k * k, sizeof(double));
    if (ot == LUA_TUSERDATA) {
      fl_matrix *m = fl_check_matrix(L, -2, fname, "omega");
      if (m->n_rows != k || m->n_cols != k)
        fl_argerror(L, fname, "omega must be %I x %I (one row and column per view), got %I x %I",
                    (lua_Integer)k, (lua_Integer)k, (lua_Integer)m->n_rows,
                    (lua_Integer)m->n_cols);
      for (size_t i = 0; i < k * k; i++) omega[i] = m->data[i];
    } else if (ot == LUA_TTABLE) {
      if (lua_rawlen(L, -2) != k)
        fl_argerror(L, fname, "omega must list %I view variances, got %I", (lua_Integer)k,
                    (lua_Integer)lua_rawlen(L, -2));
      for (size_t i = 0; i < k * k; i++) omega[i] = 0.0;
      for (size_t v = 0; v < k; v++) {
        if (lua_rawgeti(L, -2, (lua_Integer)v + 1) != LUA_TNUMBER)
          fl_argerror(L, fname, "omega[%I] must be a number, got %s", (lua_Integer)v + 1,
                      luaL_typename(L, -1));
        omega[v + v * k] = lua_tonumber(L, -1);
        lua_pop(L, 1);
      }
    } else {
      fl_argerror(L, fname, "omega must be a string, an array or a folio.matrix, got %s",
                  luaL_typename(L, -2));
    }
  }
  for (size_t v = 0; v < k; v++) {
    if (o.omega == FOLIO_BL_OMEGA_IDZOREK && isnan(pv.conf[v]))
      fl_argerror(L, fname, "views[%I] needs a confidence (omega = \"idzorek\")",
                  (lua_Integer)v + 1);
    if (o.omega != FOLIO_BL_OMEGA_IDZOREK && !isnan(pv.conf[v]))
      fl_argerror(L, fname,
                  "views[%I] has a confidence, which only omega = \"idzorek\" uses (omega is %s)",
                  (lua_Integer)v + 1, o.omega == FOLIO_BL_OMEGA_GIVEN ? "given" : "\"default\"");
  }

  folio_bl_views views = {k, pv.P, k ? k : 1, pv.Q, omega, k ? k : 1, pv.conf};
  double *mu = fl_scratch(L, n, sizeof(double));
  double *w = fl_scratch(L, n, sizeof(double));
  double *om_used = fl_scratch(L, k * k, sizeof(double));
  fl_matrix *cp = fl_matrix_push_raw(L, n, n); /* [.., cov_post] */
  int cp_idx = lua_gettop(L);
  fl_matrix_set_labels_c(L, cp_idx, 1, u.syms);
  fl_matrix_set_labels_c(L, cp_idx, 2, u.syms);
  void *work = fl_workspace(L, folio_black_litterman_work_size(n, k)); /* last before the call */
  folio_bl_info info;
  folio_error err;
  if (folio_black_litterman(n, u.cov, n, pi, u.syms, &views, &o, mu, cp->data, n, w, om_used,
                            work, &info, &err) != FOLIO_OK)
    return fl_core_error(L, fname, &err);

  lua_createtable(L, 0, 5); /* [.., result] */
  fl_push_vec(L, n, u.syms, mu, NULL);
  lua_setfield(L, -2, "returns");
  lua_pushvalue(L, cp_idx);
  lua_setfield(L, -2, "cov");
  fl_push_vec(L, n, u.syms, w, NULL);
  lua_setfield(L, -2, "weights");
  fl_push_vec(L, n, u.syms, pi, NULL);
  lua_setfield(L, -2, "prior");
  lua_createtable(L, 0, 9); /* [.., result, info] */
  fl_set_number(L, "tau", info.tau);
  fl_set_number(L, "delta", info.risk_aversion);
  fl_set_number(L, "risk_aversion", info.risk_aversion);
  lua_pushstring(L, folio_bl_omega_name(info.omega));
  lua_setfield(L, -2, "omega_method");
  lua_createtable(L, (int)k, 0);
  for (size_t v = 0; v < k; v++) {
    lua_pushnumber(L, om_used[v + v * k]);
    lua_rawseti(L, -2, (lua_Integer)v + 1);
  }
  lua_setfield(L, -2, "omega"); /* the view variances (diagonal of Omega), math.huge = dropped */
  fl_set_integer(L, "n_views", info.n_views);
  fl_set_integer(L, "n_views_used", info.n_views_used);
  fl_set_number(L, "weight_sum", info.weight_sum);
  lua_createtable(L, 0, 4);
  lua_pushstring(L, folio_repair_name(info.repair.method));
  lua_setfield(L, -2, "method");
  fl_set_boolean(L, "applied", info.repair.applied);
  fl_set_number(L, "ridge", info.repair.ridge);
  fl_set_number(L, "frobenius_change", info.repair.frobenius_change);
  lua_setfield(L, -2, "repair");
  lua_setfield(L, -2, "info");
  return 1;
}

/* ---- helpers ------------------------------------------------------------------ */

/* folio.black_litterman.market_implied_prior_returns{cov, market_weights,
 * risk_aversion = 1, risk_free_rate = 0} -> {SYM = pi} */
static int bl_prior_returns(lua_State *L) {
  static const char *fname = "market_implied_prior_returns";
  static const char *const keys[] = {"cov", "market_weights", "risk_aversion", "risk_free_rate",
                                     NULL};
  fl_check_args(L, 1, fname, keys);
  lua_settop(L, 1);
  bl_universe u = check_universe(L, fname);
  double delta = fl_positive(L, 1, fname, "risk_aversion", 1.0, 0);
  double *pi = bl_prior(L, &u, fname, delta, 1);
  fl_push_vec(L, u.n, u.syms, pi, NULL);
  return 1;
}

/* The numbers of args[key]: a Lua array or a one-column matrix. */
static double *series(lua_State *L, const char *fname, const char *key, size_t *n_out) {
  int t = lua_getfield(L, 1, key); /* [x] */
  if (t == LUA_TUSERDATA) {
    fl_matrix *m = fl_check_matrix(L, -1, fname, key);
    if (m->n_cols != 1)
      fl_argerror(L, fname, "%s must have one column (the market), got %I", key,
                  (lua_Integer)m->n_cols);
    *n_out = m->n_rows;
    return m->data;
  }
  if (t != LUA_TTABLE)
    fl_argerror(L, fname, "%s must be an array of numbers or a one-column folio.matrix, got %s",
                key, luaL_typename(L, -1));
  size_t n = lua_rawlen(L, -1);
  double *x = fl_scratch(L, n, sizeof(double)); /* [x, buf] */
  for (size_t i = 0; i < n; i++) {
    if (lua_rawgeti(L, -2, (lua_Integer)i + 1) != LUA_TNUMBER)
      fl_argerror(L, fname, "%s[%I] must be a number, got %s", key, (lua_Integer)i + 1,
                  luaL_typename(L, -1));
    x[i] = lua_tonumber(L, -1);
    lua_pop(L, 1);
  }
  *n_out = n;
  return x;
}

/* folio.black_litterman.market_implied_risk_aversion{returns | prices,
 * frequency = 252, risk_free_rate = 0.02} -> delta */
static int bl_risk_aversion(lua_State *L) {
  static const char *fname = "market_implied_risk_aversion";
  static const char *const keys[] = {"returns", "prices", "frequency", "risk_free_rate", NULL};
  fl_check_args(L, 1, fname, keys);
  lua_settop(L, 1);
  double freq = fl_positive(L, 1, fname, "frequency", 252.0, 0);
  double rf = fl_opt_number(L, 1, fname, "risk_free_rate", 0.02);
  int has_r = lua_getfield(L, 1, "returns") != LUA_TNIL;
  int has_p = lua_getfield(L, 1, "prices") != LUA_TNIL;
  lua_pop(L, 2);
  if (has_r + has_p != 1) fl_argerror(L, fname, "give exactly one of returns or prices");
  size_t n;
  double *x = series(L, fname, has_r ? "returns" : "prices", &n);
  if (has_p) { /* simple returns, as pandas' pct_change */
    if (n < 3) fl_argerror(L, fname, "prices: at least 3 prices needed, got %I", (lua_Integer)n);
    double *r = fl_scratch(L, n - 1, sizeof(double));
    for (size_t t = 1; t < n; t++) {
      if (!(x[t - 1] > 0) || !(x[t] > 0) || !isfinite(x[t - 1]) || !isfinite(x[t]))
        fl_argerror(L, fname, "prices[%I] must be finite and > 0", (lua_Integer)(x[t - 1] > 0 ? t + 1 : t));
      r[t - 1] = x[t] / x[t - 1] - 1.0;
    }
    x = r;
    n--;
  }
  double delta;
  folio_error err;
  if (folio_market_implied_risk_aversion(n, x, freq, rf, &delta, &err) != FOLIO_OK)
    return fl_core_error(L, fname, &err);
  lua_pushnumber(L, delta);
  return 1;
}

static const luaL_Reg bl_funcs[] = {{"market_implied_prior_returns", bl_prior_returns},
                                    {"market_implied_risk_aversion", bl_risk_aversion},
                                    {NULL, NULL}};

int fl_open_black_litterman(lua_State *L) {
  luaL_newlib(L, bl_funcs); /* [bl] */
  fl_make_callable(L, bl_call);
  return 1;
}
