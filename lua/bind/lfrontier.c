/*
 * lfrontier.c — folio.frontier (min_volatility, max_sharpe,
 * max_quadratic_utility, efficient_risk, efficient_return, curve) and the two
 * helpers PyPortfolioOpt users reach for with it, folio.performance and
 * folio.clean_weights, with named arguments.
 *
 * The assets are cov's labels, sorted before the core sees them (cov is
 * copied in that order), so results never depend on table traversal or file
 * column order. mu must name exactly these assets. Per-symbol options
 * (bounds, sectors, current) are symbol-keyed tables; a symbol that is not an
 * asset is an error, never ignored.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lfolio.h"
#include "plumbing.h"

/* Everything one frontier call reads from its arguments. */
typedef struct fr_args {
  size_t n;
  const char **syms; /* sorted; borrowed from cov's labels */
  double *cov;       /* n x n, ld n, in syms order */
  double *mu;        /* n, or NULL when absent and allowed */
  double *lo, *hi, *cur;
  size_t *sector;
  size_t n_sectors;
  const char **sector_names; /* sorted */
  double *slo, *shi;
  folio_frontier_opts o;
} fr_args;

/* The keys every frontier function accepts. */
#define FR_COMMON_KEYS                                                                        \
  "cov", "mu", "bounds", "sectors", "sector_lower", "sector_upper", "market_neutral", "gamma", \
      "current", "max_turnover", "cost_bps", "risk_free_rate", "max_iter"

/* args[key] as a finite number >= 0 (def when absent). */
static double nonneg(lua_State *L, const char *fname, const char *key, double def) {
  double v = fl_opt_number(L, 1, fname, key, def);
  if (!(v >= 0) || !isfinite(v)) fl_argerror(L, fname, "%s must be a finite number >= 0, got %f", key, v);
  return v;
}

static long asset_index(const fr_args *a, const char *sym) { return fl_find_sym(a->syms, a->n, sym); }

/* args.cov: square, labelled; the assets in sorted order. */
static void read_cov(lua_State *L, const char *fname, fr_args *a) {
  int ci;
  fl_matrix *m = fl_field_matrix(L, 1, fname, "cov", &ci); /* [.., cov] */
  fl_check_square_labelled(L, m, fname, "cov");
  a->n = m->n_cols;
  if (a->n == 0) fl_argerror(L, fname, "cov is empty");
  a->syms = fl_scratch(L, a->n, sizeof(char *));
  for (size_t i = 0; i < a->n; i++) a->syms[i] = m->col_labels[i];
  qsort(a->syms, a->n, sizeof *a->syms, folio_i_cmp_str);
  size_t *idx = fl_scratch(L, a->n, sizeof(size_t));
  for (size_t i = 0; i < a->n; i++) idx[i] = (size_t)fl_matrix_col_index(L, ci, a->syms[i]);
  a->cov = fl_scratch(L, a->n * a->n, sizeof(double));
  for (size_t q = 0; q < a->n; q++)
    for (size_t p = 0; p < a->n; p++) a->cov[p + q * a->n] = m->data[idx[p] + idx[q] * m->n_rows];
}

/* args.mu: {SYM = x} or a one-column (or one-row) labelled matrix naming every asset. */
static void read_mu(lua_State *L, const char *fname, fr_args *a, int required) {
  int t = lua_getfield(L, 1, "mu"); /* [.., mu] */
  lua_pop(L, 1);
  a->mu = NULL;
  if (t == LUA_TNIL) {
    if (required) fl_argerror(L, fname, "mu is required (a table {SYMBOL = number} or a 1-column matrix)");
    return;
  }
  a->mu = fl_scratch(L, a->n, sizeof(double));
  unsigned char *seen = fl_scratch(L, a->n, 1);
  memset(seen, 0, a->n);
  if (t == LUA_TUSERDATA) {
    int mi;
    fl_matrix *m = fl_field_matrix(L, 1, fname, "mu", &mi);
    int col = m->n_cols == 1;
    if (!col && m->n_rows != 1)
      fl_argerror(L, fname, "mu must be a 1-column or 1-row matrix, got %zu x %zu", m->n_rows, m->n_cols);
    size_t len = col ? m->n_rows : m->n_cols;
    const char **labels = col ? m->row_labels : m->col_labels;
    if (!labels) fl_argerror(L, fname, "mu has no symbol labels");
    for (size_t k = 0; k < len; k++) {
      long p = asset_index(a, labels[k]);
      if (p < 0) fl_argerror(L, fname, "mu has symbol '%s' that is not in cov", labels[k]);
      double v = m->data[col ? k : k * m->n_rows];
      if (!isfinite(v)) fl_argerror(L, fname, "mu.%s is not finite (%f)", labels[k], v);
      a->mu[p] = v;
      seen[p] = 1;
    }
  } else {
    fl_vec v = fl_check_vec(L, 1, fname, "mu", 0);
    for (size_t k = 0; k < v.n; k++) {
      long p = asset_index(a, v.syms[k]);
      if (p < 0) fl_argerror(L, fname, "mu has symbol '%s' that is not in cov", v.syms[k]);
      a->mu[p] = v.vals[k];
      seen[p] = 1;
    }
  }
  for (size_t p = 0; p < a->n; p++)
    if (!seen[p]) fl_argerror(L, fname, "mu has no entry for '%s' (a symbol of cov)", a->syms[p]);
}

/* One bound value: a number (±math.huge = none). */
static double bound_number(lua_State *L, const char *fname, int idx, const char *what) {
  if (lua_type(L, idx) != LUA_TNUMBER)
    fl_argerror(L, fname, "%s must be a number, got %s", what, luaL_typename(L, idx));
  double v = lua_tonumber(L, idx);
  if (isnan(v)) fl_argerror(L, fname, "%s is NaN", what);
  return v;
}

/* args.bounds: {lo, hi} for every asset, or {SYM = {lo, hi}} (others keep {0, 1}). */
static void read_bounds(lua_State *L, const char *fname, fr_args *a) {
  a->lo = fl_scratch(L, a->n, sizeof(double));
  a->hi = fl_scratch(L, a->n, sizeof(double));
  for (size_t i = 0; i < a->n; i++) {
    a->lo[i] = 0.0;
    a->hi[i] = 1.0;
  }
  int t = lua_getfield(L, 1, "bounds"); /* [.., bounds] */
  if (t == LUA_TNIL) {
    lua_pop(L, 1);
    return;
  }
  if (t != LUA_TTABLE)
    fl_argerror(L, fname, "bounds must be a pair {lo, hi} or a table {SYMBOL = {lo, hi}}, got %s",
                luaL_typename(L, -1));
  int bi = lua_gettop(L);
  lua_rawgeti(L, bi, 1); /* [.., bounds, b1] */
  int is_pair = lua_type(L, -1) == LUA_TNUMBER;
  lua_pop(L, 1);
  if (is_pair) {
    if (lua_rawlen(L, bi) != 2) fl_argerror(L, fname, "bounds must be a pair {lo, hi}");
    lua_rawgeti(L, bi, 1);
    lua_rawgeti(L, bi, 2); /* [.., bounds, lo, hi] */
    double lo = bound_number(L, fname, -2, "bounds[1]"), hi = bound_number(L, fname, -1, "bounds[2]");
    lua_pop(L, 2);
    lua_pushnil(L);
    while (lua_next(L, bi)) { /* only the keys 1 and 2 */
      lua_pop(L, 1);
      if (!lua_isinteger(L, -1) || lua_tointeger(L, -1) < 1 || lua_tointeger(L, -1) > 2)
        fl_argerror(L, fname, "bounds must be a pair {lo, hi} (it has other keys)");
    }
    for (size_t i = 0; i < a->n; i++) {
      a->lo[i] = lo;
      a->hi[i] = hi;
    }
  } else {
    lua_pushnil(L);
    while (lua_next(L, bi)) { /* [.., bounds, k, v] */
      if (lua_type(L, -2) != LUA_TSTRING)
        fl_argerror(L, fname, "bounds: a key of type %s is not a symbol string", luaL_typename(L, -2));
      const char *s = lua_tostring(L, -2);
      long p = asset_index(a, s);
      if (p < 0) fl_argerror(L, fname, "bounds has symbol '%s' that is not in cov", s);
      if (lua_type(L, -1) != LUA_TTABLE || lua_rawlen(L, -1) != 2)
        fl_argerror(L, fname, "bounds.%s must be a pair {lo, hi}", s);
      lua_rawgeti(L, -1, 1);
      lua_rawgeti(L, -2, 2); /* [.., k, v, lo, hi] */
      char what[96];
      snprintf(what, sizeof what, "bounds.%s[1]", s);
      a->lo[p] = bound_number(L, fname, -2, what);
      snprintf(what, sizeof what, "bounds.%s[2]", s);
      a->hi[p] = bound_number(L, fname, -1, what);
      lua_pop(L, 3);
    }
  }
  lua_pop(L, 1);
}

/* args.sectors ({SYM = name}) with sector_lower / sector_upper ({name = x}). */
static void read_sectors(lua_State *L, const char *fname, fr_args *a) {
  a->n_sectors = 0;
  int t = lua_getfield(L, 1, "sectors"); /* [.., sectors] */
  if (t == LUA_TNIL) {
    lua_pop(L, 1);
    if (fl_has_field(L, 1, "sector_lower") || fl_has_field(L, 1, "sector_upper"))
      fl_argerror(L, fname, "sector_lower and sector_upper need sectors");
    return;
  }
  if (t != LUA_TTABLE)
    fl_argerror(L, fname, "sectors must be a table {SYMBOL = sector}, got %s", luaL_typename(L, -1));
  int si = lua_gettop(L);
  size_t cnt = 0;
  lua_pushnil(L);
  while (lua_next(L, si)) {
    lua_pop(L, 1);
    cnt++;
  }
  const char **names = fl_scratch(L, cnt ? cnt : 1, sizeof(char *));
  a->sector = fl_scratch(L, a->n, sizeof(size_t));
  for (size_t i = 0; i < a->n; i++) a->sector[i] = FOLIO_FRONTIER_NO_SECTOR;
  size_t k = 0;
  lua_pushnil(L);
  while (lua_next(L, si)) { /* [.., k, v] */
    if (lua_type(L, -2) != LUA_TSTRING)
      fl_argerror(L, fname, "sectors: a key of type %s is not a symbol string", luaL_typename(L, -2));
    const char *s = lua_tostring(L, -2);
    if (asset_index(a, s) < 0) fl_argerror(L, fname, "sectors has symbol '%s' that is not in cov", s);
    if (lua_type(L, -1) != LUA_TSTRING || !*lua_tostring(L, -1))
      fl_argerror(L, fname, "sectors.%s must be a sector name (a non-empty string)", s);
    names[k++] = lua_tostring(L, -1); /* anchored by the sectors table */
    lua_pop(L, 1);
  }
  qsort(names, cnt, sizeof *names, folio_i_cmp_str);
  size_t u = 0;
  for (size_t i = 0; i < cnt; i++)
    if (u == 0 || strcmp(names[u - 1], names[i]) != 0) names[u++] = names[i];
  a->n_sectors = u;
  a->sector_names = names;
  lua_pushnil(L);
  while (lua_next(L, si)) {
    long p = asset_index(a, lua_tostring(L, -2));
    a->sector[p] = (size_t)fl_find_sym(names, u, lua_tostring(L, -1));
    lua_pop(L, 1);
  }
  a->slo = fl_scratch(L, u ? u : 1, sizeof(double));
  a->shi = fl_scratch(L, u ? u : 1, sizeof(double));
  for (size_t s = 0; s < u; s++) {
    a->slo[s] = -INFINITY;
    a->shi[s] = INFINITY;
  }
  for (int side = 0; side < 2; side++) {
    const char *key = side ? "sector_upper" : "sector_lower";
    if (!fl_has_field(L, 1, key)) continue;
    fl_vec v = fl_check_vec(L, 1, fname, key, 0);
    for (size_t j = 0; j < v.n; j++) {
      long s = fl_find_sym(names, u, v.syms[j]);
      if (s < 0) fl_argerror(L, fname, "%s names sector '%s' that no symbol of sectors has", key, v.syms[j]);
      (side ? a->shi : a->slo)[s] = v.vals[j];
    }
  }
  a->o.n_sectors = u;
  a->o.sector = a->sector;
  a->o.sector_lower = a->slo;
  a->o.sector_upper = a->shi;
  a->o.sector_names = names;
}

/* Reads everything common; extra keys are the function's own (already checked). */
static void read_args(lua_State *L, const char *fname, const char *const keys[], int mu_required,
                      fr_args *a) {
  fl_check_args(L, 1, fname, keys);
  memset(a, 0, sizeof *a);
  read_cov(L, fname, a);
  read_mu(L, fname, a, mu_required);
  a->o = folio_frontier_defaults();
  read_bounds(L, fname, a);
  a->o.lower = a->lo;
  a->o.upper = a->hi;
  read_sectors(L, fname, a);
  a->o.market_neutral = fl_opt_boolean(L, 1, fname, "market_neutral", 0);
  a->o.gamma = fl_opt_number(L, 1, fname, "gamma", 0.0);
  if (!(a->o.gamma >= 0) || !isfinite(a->o.gamma))
    fl_argerror(L, fname, "gamma must be a finite number >= 0, got %f", a->o.gamma);
  if (fl_has_field(L, 1, "current")) {
    fl_vec v = fl_check_vec(L, 1, fname, "current", 0);
    a->cur = fl_scratch(L, a->n, sizeof(double));
    memset(a->cur, 0, a->n * sizeof(double));
    for (size_t k = 0; k < v.n; k++) {
      long p = asset_index(a, v.syms[k]);
      if (p < 0) fl_argerror(L, fname, "current has symbol '%s' that is not in cov", v.syms[k]);
      a->cur[p] = v.vals[k];
    }
    a->o.current = a->cur;
  }
  if (fl_has_field(L, 1, "max_turnover")) a->o.max_turnover = nonneg(L, fname, "max_turnover", 0.0);
  a->o.cost_bps = nonneg(L, fname, "cost_bps", 0.0);
  if ((fl_has_field(L, 1, "max_turnover") || fl_has_field(L, 1, "cost_bps")) && !a->cur)
    fl_argerror(L, fname, "max_turnover and cost_bps need current weights (current = {SYMBOL = w})");
  a->o.risk_free_rate = fl_opt_number(L, 1, fname, "risk_free_rate", 0.0);
  if (!isfinite(a->o.risk_free_rate)) fl_argerror(L, fname, "risk_free_rate must be finite");
  if (fl_has_field(L, 1, "max_iter"))
    a->o.qp.max_iter = (int)fl_opt_integer(L, 1, fname, "max_iter", 0, 1, 100000000);
  a->o.qp.cancel = fl_cancel_of(L); /* the run's deadline reaches the solver's loops */
}

static void push_kkt(lua_State *L, const folio_qp_kkt *k) {
  lua_createtable(L, 0, 4);
  fl_set_number(L, "primal", k->primal);
  fl_set_number(L, "dual", k->dual);
  fl_set_number(L, "complementarity", k->complementarity);
  fl_set_number(L, "stationarity", k->stationarity);
}

/* Pushes the info table: return, volatility, Sharpe, binding names, kkt, iterations. */
static void push_info(lua_State *L, const fr_args *a, const folio_frontier_info *info,
                      const folio_frontier_binding *b, const char *target_name) {
  lua_createtable(L, 0, 7);
  if (!isnan(info->expected_return)) fl_set_number(L, "expected_return", info->expected_return);
  fl_set_number(L, "volatility", info->volatility);
  if (!isnan(info->sharpe)) fl_set_number(L, "sharpe", info->sharpe);
  fl_set_integer(L, "iterations", info->iterations);
  fl_set_integer(L, "qp_solves", info->qp_solves);
  push_kkt(L, &info->kkt);
  lua_setfield(L, -2, "kkt");
  if (b) {
    lua_newtable(L); /* [.., info, binding] */
    lua_Integer k = 0;
    for (size_t i = 0; i < a->n; i++) {
      if (b->lower[i]) {
        lua_pushfstring(L, "lower:%s", a->syms[i]);
        lua_rawseti(L, -2, ++k);
      }
      if (b->upper[i]) {
        lua_pushfstring(L, "upper:%s", a->syms[i]);
        lua_rawseti(L, -2, ++k);
      }
    }
    for (size_t s = 0; s < a->n_sectors; s++) {
      if (b->sector_lower[s]) {
        lua_pushfstring(L, "sector_lower:%s", a->sector_names[s]);
        lua_rawseti(L, -2, ++k);
      }
      if (b->sector_upper[s]) {
        lua_pushfstring(L, "sector_upper:%s", a->sector_names[s]);
        lua_rawseti(L, -2, ++k);
      }
    }
    if (b->max_turnover) {
      lua_pushstring(L, "max_turnover");
      lua_rawseti(L, -2, ++k);
    }
    if (b->target && target_name) {
      lua_pushstring(L, target_name);
      lua_rawseti(L, -2, ++k);
    }
    lua_setfield(L, -2, "binding");
  }
}

typedef enum { K_MINVOL, K_SHARPE, K_UTILITY, K_RISK, K_RETURN } fr_which;

static int run(lua_State *L, const char *fname, const char *const keys[], fr_which which) {
  fr_args a;
  read_args(L, fname, keys, which != K_MINVOL, &a);
  double target = 0.0;
  const char *tname = NULL;
  if (which == K_UTILITY) a.o.risk_aversion = fl_positive(L, 1, fname, "risk_aversion", 1.0, 0);
  if (which == K_RISK) {
    target = fl_positive(L, 1, fname, "target_volatility", 0, 1);
    tname = "target_volatility";
  }
  if (which == K_RETURN) {
    target = fl_req_number(L, 1, fname, "target_return");
    if (!isfinite(target)) fl_argerror(L, fname, "target_return must be finite");
    tname = "target_return";
  }
  double *w = fl_scratch(L, a.n, sizeof(double));
  folio_frontier_binding b;
  b.lower = fl_scratch(L, a.n, 1);
  b.upper = fl_scratch(L, a.n, 1);
  b.sector_lower = fl_scratch(L, a.n_sectors ? a.n_sectors : 1, 1);
  b.sector_upper = fl_scratch(L, a.n_sectors ? a.n_sectors : 1, 1);
  b.max_turnover = b.target = 0;
  int split = a.cur && (isfinite(a.o.max_turnover) || a.o.cost_bps > 0);
  size_t bytes = folio_frontier_work_size(a.n, a.n_sectors, split);
  if (bytes == 0) fl_argerror(L, fname, "too many assets");
  void *work = fl_workspace(L, bytes); /* last before the call */
  folio_frontier_info info;
  folio_error err;
  folio_status st;
  const char *const *syms = a.syms;
  switch (which) {
    case K_MINVOL:
      st = folio_frontier_min_volatility(a.n, a.mu, a.cov, a.n, syms, &a.o, w, &b, &info, work, &err);
      break;
    case K_SHARPE:
      st = folio_frontier_max_sharpe(a.n, a.mu, a.cov, a.n, syms, &a.o, w, &b, &info, work, &err);
      break;
    case K_UTILITY:
      st = folio_frontier_max_quadratic_utility(a.n, a.mu, a.cov, a.n, syms, &a.o, w, &b, &info,
                                                work, &err);
      break;
    case K_RISK:
      st = folio_frontier_efficient_risk(a.n, a.mu, a.cov, a.n, target, syms, &a.o, w, &b, &info,
                                         work, &err);
      break;
    default:
      st = folio_frontier_efficient_return(a.n, a.mu, a.cov, a.n, target, syms, &a.o, w, &b, &info,
                                           work, &err);
      break;
  }
  if (st != FOLIO_OK) return fl_core_error(L, fname, &err);
  fl_push_vec(L, a.n, a.syms, w, NULL);
  push_info(L, &a, &info, &b, tname);
  return 2;
}

/* ---- the functions -------------------------------------------------------- */

static int l_min_volatility(lua_State *L) {
  static const char *const keys[] = {FR_COMMON_KEYS, NULL};
  return run(L, "min_volatility", keys, K_MINVOL);
}

static int l_max_sharpe(lua_State *L) {
  static const char *const keys[] = {FR_COMMON_KEYS, NULL};
  return run(L, "max_sharpe", keys, K_SHARPE);
}

static int l_max_quadratic_utility(lua_State *L) {
  static const char *const keys[] = {FR_COMMON_KEYS, "risk_aversion", NULL};
  return run(L, "max_quadratic_utility", keys, K_UTILITY);
}

static int l_efficient_risk(lua_State *L) {
  static const char *const keys[] = {FR_COMMON_KEYS, "target_volatility", NULL};
  return run(L, "efficient_risk", keys, K_RISK);
}

static int l_efficient_return(lua_State *L) {
  static const char *const keys[] = {FR_COMMON_KEYS, "target_return", NULL};
  return run(L, "efficient_return", keys, K_RETURN);
}

/* curve{mu, cov, points = 50, ...} -> array of {expected_return, volatility, sharpe, weights}, info */
static int l_curve(lua_State *L) {
  static const char *fname = "curve";
  static const char *const keys[] = {FR_COMMON_KEYS, "points", NULL};
  fr_args a;
  read_args(L, fname, keys, 1, &a);
  size_t points = (size_t)fl_opt_integer(L, 1, fname, "points", 50, 2, 100000);
  double *w = fl_scratch(L, a.n * points, sizeof(double));
  double *r = fl_scratch(L, points, sizeof(double)), *v = fl_scratch(L, points, sizeof(double));
  double *s = fl_scratch(L, points, sizeof(double));
  int split = a.cur && (isfinite(a.o.max_turnover) || a.o.cost_bps > 0);
  void *work = fl_workspace(L, folio_frontier_work_size(a.n, a.n_sectors, split));
  folio_frontier_info info;
  folio_error err;
  if (folio_frontier_curve(a.n, a.mu, a.cov, a.n, points, a.syms, &a.o, w, r, v, s, &info, work,
                           &err) != FOLIO_OK)
    return fl_core_error(L, fname, &err);
  lua_createtable(L, (int)points, 0); /* [.., points] */
  for (size_t k = 0; k < points; k++) {
    lua_createtable(L, 0, 4);
    fl_set_number(L, "expected_return", r[k]);
    fl_set_number(L, "volatility", v[k]);
    if (!isnan(s[k])) fl_set_number(L, "sharpe", s[k]);
    fl_push_vec(L, a.n, a.syms, w + k * a.n, NULL);
    lua_setfield(L, -2, "weights");
    lua_rawseti(L, -2, (lua_Integer)k + 1);
  }
  push_info(L, &a, &info, NULL, NULL);
  return 2;
}

/* folio.performance{weights, mu, cov, risk_free_rate = 0} -> {expected_return, volatility, sharpe} */
static int l_performance(lua_State *L) {
  static const char *fname = "performance";
  static const char *const keys[] = {"weights", "mu", "cov", "risk_free_rate", NULL};
  fl_check_args(L, 1, fname, keys);
  fr_args a;
  memset(&a, 0, sizeof a);
  read_cov(L, fname, &a);
  read_mu(L, fname, &a, 0);
  double rf = fl_opt_number(L, 1, fname, "risk_free_rate", 0.0);
  if (!isfinite(rf)) fl_argerror(L, fname, "risk_free_rate must be finite");
  fl_vec v = fl_check_vec(L, 1, fname, "weights", 0);
  double *w = fl_scratch(L, a.n, sizeof(double));
  memset(w, 0, a.n * sizeof(double));
  for (size_t k = 0; k < v.n; k++) {
    long p = asset_index(&a, v.syms[k]);
    if (p < 0) fl_argerror(L, fname, "weights has symbol '%s' that is not in cov", v.syms[k]);
    w[p] = v.vals[k];
  }
  double ret, vol, sharpe;
  folio_error err;
  if (folio_frontier_performance(a.n, w, a.mu, a.cov, a.n, rf, a.syms, &ret, &vol, &sharpe, &err) !=
      FOLIO_OK)
    return fl_core_error(L, fname, &err);
  lua_createtable(L, 0, 3);
  if (!isnan(ret)) fl_set_number(L, "expected_return", ret);
  fl_set_number(L, "volatility", vol);
  if (!isnan(sharpe)) fl_set_number(L, "sharpe", sharpe);
  return 1;
}

/* folio.clean_weights{weights, cutoff = 1e-4, rounding = 5}: |w| < cutoff -> 0, the rest
 * rounded to `rounding` decimals (false = not rounded), as PyPortfolioOpt's clean_weights. */
static int l_clean_weights(lua_State *L) {
  static const char *fname = "clean_weights";
  static const char *const keys[] = {"weights", "cutoff", "rounding", NULL};
  fl_check_args(L, 1, fname, keys);
  fl_vec v = fl_check_vec(L, 1, fname, "weights", 0);
  double cutoff = nonneg(L, fname, "cutoff", 1e-4);
  int round_it = 1;
  long long digits = 5;
  if (lua_getfield(L, 1, "rounding") == LUA_TBOOLEAN && !lua_toboolean(L, -1)) round_it = 0;
  lua_pop(L, 1);
  if (round_it) digits = fl_opt_integer(L, 1, fname, "rounding", 5, 1, 15);
  folio_error err;
  if (folio_clean_weights(v.n, v.vals, cutoff, round_it ? (int)digits : 0, v.vals, &err) != FOLIO_OK)
    return fl_core_error(L, fname, &err);
  fl_push_vec(L, v.n, v.syms, v.vals, NULL);
  return 1;
}

int fl_open_frontier(lua_State *L) {
  static const luaL_Reg fns[] = {{"min_volatility", l_min_volatility},
                                 {"max_sharpe", l_max_sharpe},
                                 {"max_quadratic_utility", l_max_quadratic_utility},
                                 {"efficient_risk", l_efficient_risk},
                                 {"efficient_return", l_efficient_return},
                                 {"curve", l_curve},
                                 {NULL, NULL}};
  luaL_newlib(L, fns);
  return 1;
}

int fl_open_performance(lua_State *L) {
  lua_pushcfunction(L, l_performance);
  return 1;
}

int fl_open_clean_weights(lua_State *L) {
  lua_pushcfunction(L, l_clean_weights);
  return 1;
}
