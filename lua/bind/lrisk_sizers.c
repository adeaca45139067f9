/*
 * lrisk_sizers.c — the risk-based allocators of folio.sizers (inverse_vol,
 * min_variance, max_diversification, risk_parity) with named arguments.
 *
 * The assets are cov's labels, or the `symbols` array when given (a subset
 * of them). They are sorted before the core sees them and cov is copied in
 * that order, so results never depend on table traversal or file column
 * order. Per-symbol options (bounds, budgets) are symbol-keyed tables read
 * by fl_check_vec; a symbol that is not an asset is an error, never ignored.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lfolio.h"
#include "plumbing.h"

/* The assets of one call: n sorted symbols and cov restricted to them. */
typedef struct fl_assets {
  size_t n;
  const char **syms; /* borrowed from cov's labels or the args' symbols table */
  double *cov;       /* n x n, ld n, in syms order */
} fl_assets;

/* Reads args.cov (square, row labels = column labels) and args.symbols. */
static fl_assets read_assets(lua_State *L, const char *fname) {
  int ci;
  fl_matrix *m = fl_field_matrix(L, 1, fname, "cov", &ci); /* [.., cov] */
  fl_check_square_labelled(L, m, fname, "cov"); /* labels are never NULL (fl_matrix_push) */
  fl_assets a;
  int t = lua_getfield(L, 1, "symbols"); /* [.., cov, symbols] */
  if (t == LUA_TNIL) {
    a.n = m->n_cols;
    a.syms = fl_scratch(L, a.n, sizeof(char *));
    for (size_t i = 0; i < a.n; i++) a.syms[i] = m->col_labels[i];
  } else if (t == LUA_TTABLE) {
    int si = lua_gettop(L);
    a.n = (size_t)lua_rawlen(L, si);
    if (a.n > FOLIO_MAX_DIM) fl_argerror(L, fname, "symbols has too many entries");
    a.syms = fl_scratch(L, a.n, sizeof(char *));
    for (size_t i = 0; i < a.n; i++) {
      if (lua_rawgeti(L, si, (lua_Integer)i + 1) != LUA_TSTRING)
        fl_argerror(L, fname, "symbols[%I] must be a string, got %s", (lua_Integer)i + 1,
                    luaL_typename(L, -1));
      a.syms[i] = lua_tostring(L, -1); /* anchored by the symbols table */
      if (!a.syms[i][0]) fl_argerror(L, fname, "symbols[%I] is empty", (lua_Integer)i + 1);
      lua_pop(L, 1);
    }
  } else {
    fl_argerror(L, fname, "symbols must be an array of strings, got %s", luaL_typename(L, -1));
  }
  if (a.n == 0) fl_argerror(L, fname, "no assets (cov or symbols is empty)");
  qsort(a.syms, a.n, sizeof *a.syms, folio_i_cmp_str);
  size_t *idx = fl_scratch(L, a.n, sizeof(size_t));
  for (size_t i = 0; i < a.n; i++) {
    if (i && strcmp(a.syms[i - 1], a.syms[i]) == 0)
      fl_argerror(L, fname, "symbols has '%s' twice", a.syms[i]);
    long j = fl_matrix_col_index(L, ci, a.syms[i]);
    if (j < 0) fl_argerror(L, fname, "symbol '%s' is not in cov", a.syms[i]);
    idx[i] = (size_t)j;
  }
  a.cov = fl_scratch(L, a.n * a.n, sizeof(double));
  for (size_t q = 0; q < a.n; q++)
    for (size_t p = 0; p < a.n; p++) a.cov[p + q * a.n] = m->data[idx[p] + idx[q] * m->n_rows];
  return a;
}

/* Position of sym among the sorted assets, or raise naming `what`. */
static size_t asset_pos(lua_State *L, const char *fname, const fl_assets *a, const char *sym,
                        const char *what) {
  const char **hit = bsearch(&sym, a->syms, a->n, sizeof *a->syms, folio_i_cmp_str);
  if (!hit) fl_argerror(L, fname, "%s has symbol '%s' that is not among the assets", what, sym);
  return (size_t)(hit - a->syms);
}

/* One side of args.bounds (table at bi): a number for every asset, or
 * {SYM = x} (absent symbols keep def). -math.huge / math.huge mean none. */
static void read_bound(lua_State *L, const char *fname, int bi, const char *key,
                       const fl_assets *a, double def, double *out) {
  for (size_t i = 0; i < a->n; i++) out[i] = def;
  int t = lua_getfield(L, bi, key); /* [.., v] */
  if (t == LUA_TNUMBER) {
    double v = lua_tonumber(L, -1);
    if (isnan(v)) fl_argerror(L, fname, "bounds.%s is NaN", key);
    for (size_t i = 0; i < a->n; i++) out[i] = v;
    lua_pop(L, 1);
  } else if (t == LUA_TTABLE) {
    lua_pop(L, 1);
    char what[32];
    snprintf(what, sizeof what, "bounds.%s", key);
    fl_vec v = fl_check_vec(L, bi, fname, key, 0); /* [.., tbl, block] */
    for (size_t k = 0; k < v.n; k++) out[asset_pos(L, fname, a, v.syms[k], what)] = v.vals[k];
  } else if (t != LUA_TNIL) {
    fl_argerror(L, fname, "bounds.%s must be a number or a table {SYMBOL = number}, got %s", key,
                luaL_typename(L, -1));
  } else {
    lua_pop(L, 1);
  }
}

/* Pushes weights and the info table. */
static int push_result(lua_State *L, const fl_assets *a, const double *w, const double *rc,
                       const folio_risk_sizer_info *info) {
  fl_push_vec(L, a->n, a->syms, w, NULL);
  lua_createtable(L, 0, 9);
  lua_pushstring(L, info->method);
  lua_setfield(L, -2, "method");
  fl_set_integer(L, "iterations", info->iterations);
  fl_set_boolean(L, "converged", info->converged);
  fl_set_number(L, "objective", info->objective);
  fl_set_number(L, "variance", info->variance);
  fl_set_number(L, "diversification_ratio", info->diversification_ratio);
  if (rc) {
    fl_push_vec(L, a->n, a->syms, rc, NULL);
    lua_setfield(L, -2, "risk_contributions");
  }
  fl_push_repair_info(L, &info->repair); /* shared with kelly (lrisk_model.c) */
  lua_setfield(L, -2, "repair");
  return 2;
}

/* The options of the QP allocators (min_variance, max_diversification):
 * long_only, repair and max_iter, read in that order. */
static folio_risk_sizer_opts read_qp_opts(lua_State *L, const char *fname) {
  folio_risk_sizer_opts o = folio_risk_sizer_defaults();
  o.long_only = fl_opt_boolean(L, 1, fname, "long_only", 1);
  o.repair = fl_opt_repair(L, 1, fname, "repair", "error");
  o.max_iter = (int)fl_opt_integer(L, 1, fname, "max_iter", o.max_iter, 1, 1000000);
  o.cancel = fl_cancel_of(L); /* the run's deadline reaches the core's loops */
  return o;
}

/* The signature min_variance, max_diversification and risk_parity share. */
typedef folio_status (*risk_solver)(size_t n_assets, const double *cov, size_t ld_cov,
                                    const char *const *symbols, const folio_risk_sizer_opts *opts,
                                    double *weights, double *risk_contrib, void *work,
                                    folio_risk_sizer_info *info, folio_error *err);

/* Runs `solve` on the assets with options o; pushes weights and the info table. */
static int solve(lua_State *L, const char *fname, const fl_assets *a,
                 const folio_risk_sizer_opts *o, risk_solver fn) {
  double *w = fl_scratch(L, a->n, sizeof(double)), *rc = fl_scratch(L, a->n, sizeof(double));
  void *work = fl_workspace(L, folio_risk_sizer_work_size(a->n)); /* last before the call */
  folio_risk_sizer_info info;
  folio_error err;
  if (fn(a->n, a->cov, a->n, a->syms, o, w, rc, work, &info, &err) != FOLIO_OK)
    return fl_core_error(L, fname, &err);
  return push_result(L, a, w, rc, &info);
}

/* ---- the four allocators ------------------------------------------------- */

int fl_risk_sizer_inverse_vol(lua_State *L) {
  static const char *fname = "inverse_vol";
  static const char *const keys[] = {"cov", "symbols", NULL};
  fl_check_args(L, 1, fname, keys);
  fl_assets a = read_assets(L, fname);
  double *w = fl_scratch(L, a.n, sizeof(double)), *rc = fl_scratch(L, a.n, sizeof(double));
  folio_risk_sizer_info info;
  folio_error err;
  if (folio_inverse_vol(a.n, a.cov, a.n, a.syms, w, rc, &info, &err) != FOLIO_OK)
    return fl_core_error(L, fname, &err);
  return push_result(L, &a, w, rc, &info);
}

int fl_risk_sizer_min_variance(lua_State *L) {
  static const char *fname = "min_variance";
  static const char *const keys[] = {"cov", "symbols", "bounds", "long_only", "repair", "max_iter",
                                     NULL};
  static const char *const bkeys[] = {"min", "max", NULL};
  fl_check_args(L, 1, fname, keys);
  fl_assets a = read_assets(L, fname);
  folio_risk_sizer_opts o = read_qp_opts(L, fname);
  double *lo = fl_scratch(L, a.n, sizeof(double)), *up = fl_scratch(L, a.n, sizeof(double));
  int t = lua_getfield(L, 1, "bounds"); /* [.., bounds] */
  if (t == LUA_TTABLE) {
    int bi = lua_gettop(L);
    fl_check_args(L, bi, fname, bkeys);
    read_bound(L, fname, bi, "min", &a, o.long_only ? 0.0 : -INFINITY, lo);
    read_bound(L, fname, bi, "max", &a, o.long_only ? 1.0 : INFINITY, up);
    o.lower = lo;
    o.upper = up;
  } else if (t != LUA_TNIL) {
    fl_argerror(L, fname, "bounds must be a table {min = ..., max = ...}, got %s",
                luaL_typename(L, -1));
  }
  return solve(L, fname, &a, &o, folio_min_variance);
}

int fl_risk_sizer_max_diversification(lua_State *L) {
  static const char *fname = "max_diversification";
  static const char *const keys[] = {"cov", "symbols", "long_only", "repair", "max_iter", NULL};
  fl_check_args(L, 1, fname, keys);
  fl_assets a = read_assets(L, fname);
  folio_risk_sizer_opts o = read_qp_opts(L, fname);
  return solve(L, fname, &a, &o, folio_max_diversification);
}

int fl_risk_sizer_risk_parity(lua_State *L) {
  static const char *fname = "risk_parity";
  static const char *const keys[] = {"cov", "symbols", "budgets", "tol", "max_iter", "repair", NULL};
  fl_check_args(L, 1, fname, keys);
  fl_assets a = read_assets(L, fname);
  folio_risk_sizer_opts o = folio_risk_sizer_defaults();
  o.tol = fl_positive(L, 1, fname, "tol", o.tol, 0);
  o.max_iter = (int)fl_opt_integer(L, 1, fname, "max_iter", o.max_iter, 1, 1000000);
  o.repair = fl_opt_repair(L, 1, fname, "repair", "error");
  o.cancel = fl_cancel_of(L);
  double *b = NULL;
  if (fl_has_field(L, 1, "budgets")) {
    fl_vec v = fl_check_vec(L, 1, fname, "budgets", 0);
    b = fl_scratch(L, a.n, sizeof(double));
    unsigned char *seen = fl_scratch(L, a.n, 1);
    memset(seen, 0, a.n);
    for (size_t k = 0; k < v.n; k++) {
      size_t p = asset_pos(L, fname, &a, v.syms[k], "budgets");
      b[p] = v.vals[k];
      seen[p] = 1;
    }
    for (size_t p = 0; p < a.n; p++)
      if (!seen[p]) fl_argerror(L, fname, "budgets has no entry for '%s'", a.syms[p]);
    o.budgets = b;
  }
  return solve(L, fname, &a, &o, folio_risk_parity);
}
