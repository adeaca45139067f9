/*
 * lposition_sizers.c — the C half of folio.position_sizers (the unit
 * arithmetic of position_sizers.h, the beta estimate on folio.matrix
 * columns) and of folio.PortfolioAllocator (portfolio_allocator.h).
 *
 * fl_open_position_sizers pushes a table of primitives (names starting
 * with "_", positional arguments, already-validated inputs) plus the public
 * `beta{...}`; lua/folio/position_sizers.lua captures them when the module
 * opens and replaces folio.position_sizers with the public table (new,
 * register, names, beta, defaults); fl_open_portfolio_allocator does the same for
 * lua/folio/portfolio_allocator.lua, which replaces folio.PortfolioAllocator. The
 * primitives raise "<kind>: <core message>" without a location; the Lua
 * halves re-raise at the caller.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "lfolio.h"

/* ---- unit primitives ---------------------------------------------------------- */

/* _risk_based(equity, risk_per_trade, price, stop_loss_pct, lot, fractional) -> units */
static int p_risk_based(lua_State *L) {
  double units;
  folio_error err;
  if (folio_units_risk_based(luaL_checknumber(L, 1), luaL_checknumber(L, 2), luaL_checknumber(L, 3),
                             luaL_checknumber(L, 4), luaL_checknumber(L, 5), lua_toboolean(L, 6),
                             &units, &err) != FOLIO_OK)
    return fl_core_error(L, "units", &err);
  lua_pushnumber(L, units);
  return 1;
}

/* _portfolio_weight(weight, equity, price, lot, fractional) -> units */
static int p_portfolio_weight(lua_State *L) {
  double units;
  folio_error err;
  if (folio_units_portfolio_weight(luaL_checknumber(L, 1), luaL_checknumber(L, 2),
                                   luaL_checknumber(L, 3), luaL_checknumber(L, 4),
                                   lua_toboolean(L, 5), &units, &err) != FOLIO_OK)
    return fl_core_error(L, "units", &err);
  lua_pushnumber(L, units);
  return 1;
}

/* _beta_scaled(equity, risk, price, stop, beta, beta_min, beta_max, lot, fractional)
 *   -> units, beta_used */
static int p_beta_scaled(lua_State *L) {
  double units, used;
  folio_error err;
  if (folio_units_beta_scaled(luaL_checknumber(L, 1), luaL_checknumber(L, 2), luaL_checknumber(L, 3),
                              luaL_checknumber(L, 4), luaL_checknumber(L, 5), luaL_checknumber(L, 6),
                              luaL_checknumber(L, 7), luaL_checknumber(L, 8), lua_toboolean(L, 9),
                              &units, &used, &err) != FOLIO_OK)
    return fl_core_error(L, "units", &err);
  lua_pushnumber(L, units);
  lua_pushnumber(L, used);
  return 2;
}

/* _round_lots(raw_units, lot, fractional) -> units */
static int p_round_lots(lua_State *L) {
  double units;
  folio_error err;
  if (folio_units_round_lots(luaL_checknumber(L, 1), luaL_checknumber(L, 2), lua_toboolean(L, 3),
                             &units, &err) != FOLIO_OK)
    return fl_core_error(L, "units", &err);
  lua_pushnumber(L, units);
  return 1;
}

/* ---- beta ---------------------------------------------------------------------------- */

/* The column `label` of the matrix at m_idx, or an argument error naming `key`. */
static const double *column(lua_State *L, int m_idx, const fl_matrix *m, const char *fname,
                            const char *key, const char *label) {
  long j = fl_matrix_col_index(L, m_idx, label);
  if (j < 0) fl_argerror(L, fname, "%s has no column '%s'", key, label);
  return m->data + (size_t)j * m->n_rows;
}

/* beta{returns = R, symbol = "AAPL", benchmark = "SPY" | benchmark_returns = M, window = 252}
 *   -> beta, {symbol, benchmark, window, n_obs}
 * benchmark names a column of benchmark_returns when given, else of returns;
 * a one-column benchmark_returns needs no name. Rows are aligned by position
 * (the last `window` rows of each); row labels, when both matrices have
 * them, must agree inside the window. */
static int l_beta(lua_State *L) {
  static const char *fname = "position_sizers.beta";
  static const char *const keys[] = {"returns", "symbol", "benchmark", "benchmark_returns",
                                     "window", NULL};
  fl_check_args(L, 1, fname, keys);
  lua_settop(L, 1);
  int ri;
  fl_matrix *r = fl_field_matrix(L, 1, fname, "returns", &ri);
  const char *sym = fl_opt_string(L, 1, fname, "symbol", NULL);
  if (!sym) fl_argerror(L, fname, "symbol is required");
  const char *bench = fl_opt_string(L, 1, fname, "benchmark", NULL);
  long long window = fl_opt_integer(L, 1, fname, "window", 252, 2, (long long)FOLIO_MAX_DIM);
  const double *x = column(L, ri, r, fname, "returns", sym);
  const double *b = NULL;
  fl_matrix *bm = r;
  if (lua_getfield(L, 1, "benchmark_returns") != LUA_TNIL) { /* [args, R, BR] */
    int bi = lua_gettop(L);
    bm = fl_check_matrix(L, bi, fname, "benchmark_returns");
    if (bm->n_rows != r->n_rows)
      fl_argerror(L, fname, "benchmark_returns has %I rows, returns has %I", (lua_Integer)bm->n_rows,
                  (lua_Integer)r->n_rows);
    if (bench) b = column(L, bi, bm, fname, "benchmark_returns", bench);
    else if (bm->n_cols == 1) b = bm->data;
    else fl_argerror(L, fname, "benchmark_returns has %I columns: name one with benchmark = \"...\"",
                     (lua_Integer)bm->n_cols);
  } else {
    lua_pop(L, 1);
    if (!bench) fl_argerror(L, fname, "benchmark (a column of returns) or benchmark_returns is required");
    b = column(L, ri, r, fname, "returns", bench);
  }
  size_t n = r->n_rows, w = (size_t)window;
  if (bm != r && w <= n && r->row_labels && bm->row_labels) {
    for (size_t t = n - w; t < n; t++) {
      const char *a = r->row_labels[t], *c = bm->row_labels[t];
      if (a && c && strcmp(a, c) != 0)
        fl_argerror(L, fname, "row %I is '%s' in returns but '%s' in benchmark_returns",
                    (lua_Integer)t + 1, a, c);
    }
  }
  /* name a bad value by its 1-based row and label (the core only knows 0-based rows) */
  for (size_t t = w <= n ? n - w : n; t < n; t++) {
    const double *col[2] = {x, b};
    for (int k = 0; k < 2; k++) {
      if (isfinite(col[k][t])) continue;
      const fl_matrix *m = k ? bm : r;
      const char *lab = m->row_labels ? m->row_labels[t] : NULL;
      char num[32];
      snprintf(num, sizeof num, "%zu", t + 1);
      if (lab && strcmp(lab, num) == 0) lab = NULL; /* a default label is just the row number */
      return luaL_error(L, "beta: %s return of %s at row %I%s%s%s is %s", k ? "benchmark" : "the",
                        k ? (bench ? bench : "the benchmark") : sym, (lua_Integer)t + 1,
                        lab ? " (" : "", lab ? lab : "", lab ? ")" : "",
                        isnan(col[k][t]) ? "missing (NaN)" : "infinite");
    }
  }
  double beta;
  folio_error err;
  if (folio_beta(n, x, b, w, &beta, &err) != FOLIO_OK) /* name the symbol: the core only knows rows */
    return luaL_error(L, "%s (symbol %s)", err.message, sym);
  lua_pushnumber(L, beta);
  lua_createtable(L, 0, 4);
  fl_set_integer(L, "window", (lua_Integer)w);
  fl_set_integer(L, "n_obs", (lua_Integer)n);
  lua_pushstring(L, sym);
  lua_setfield(L, -2, "symbol");
  fl_set_string(L, "benchmark", bench); /* absent without one */
  return 2;
}

static const luaL_Reg funcs[] = {
    {"_risk_based", p_risk_based}, {"_portfolio_weight", p_portfolio_weight},
    {"_beta_scaled", p_beta_scaled}, {"_round_lots", p_round_lots},
    {"beta", l_beta},             {NULL, NULL}};

int fl_open_position_sizers(lua_State *L) {
  luaL_newlib(L, funcs);
  fl_set_number(L, "_beta_min", FOLIO_BETA_MIN_DEFAULT);
  fl_set_number(L, "_beta_max", FOLIO_BETA_MAX_DEFAULT);
  return 1;
}

/* ---- signal orders (order_from_signal) --------------------------------------------------------- */

/* The allocator options at arguments first .. first + 3: target_weight,
 * min_notional, lot (numbers), fractional (truthy). */
static folio_portfolio_allocator_opts check_allocator_opts(lua_State *L, int first) {
  folio_portfolio_allocator_opts o = folio_portfolio_allocator_defaults();
  o.target_weight = luaL_checknumber(L, first);
  o.min_notional = luaL_checknumber(L, first + 1);
  o.lot = luaL_checknumber(L, first + 2);
  o.fractional = lua_toboolean(L, first + 3);
  return o;
}

/* _order_from_signal(nav, direction, confidence, price, target_weight, min_notional, lot,
 *   fractional) -> {side = 1|-1|0, quantity, notional, target_notional, raw_quantity,
 *   floored, rounded, zero_lots} */
static int p_order_from_signal(lua_State *L) {
  folio_portfolio_allocator_opts o = check_allocator_opts(L, 5);
  folio_signal_order r;
  folio_error err;
  if (folio_order_from_signal(&o, luaL_checknumber(L, 1), luaL_checknumber(L, 2),
                              luaL_checknumber(L, 3), luaL_checknumber(L, 4), &r, &err) != FOLIO_OK)
    return fl_core_error(L, "order_from_signal", &err);
  lua_createtable(L, 0, 8);
  fl_set_integer(L, "side", r.side);
  const struct {
    const char *k;
    double v;
  } f[] = {{"quantity", r.quantity}, {"notional", r.notional},
           {"target_notional", r.target_notional}, {"raw_quantity", r.raw_quantity}};
  for (size_t i = 0; i < sizeof f / sizeof f[0]; i++) fl_set_number(L, f[i].k, f[i].v);
  fl_set_boolean(L, "floored", (r.flags & FOLIO_SIGNAL_FLOORED) != 0);
  fl_set_boolean(L, "rounded", (r.flags & FOLIO_SIGNAL_ROUNDED) != 0);
  fl_set_boolean(L, "zero_lots", (r.flags & FOLIO_SIGNAL_ZERO_LOTS) != 0);
  return 1;
}

/* _options_check(target_weight, min_notional, lot, fractional): raises on bad options */
static int p_options_check(lua_State *L) {
  folio_portfolio_allocator_opts o = check_allocator_opts(L, 1);
  folio_error err;
  if (folio_portfolio_allocator_opts_check(&o, &err) != FOLIO_OK)
    return fl_core_error(L, "PortfolioAllocator", &err);
  return 0;
}

static const luaL_Reg signal_funcs[] = {{"_order_from_signal", p_order_from_signal},
                                        {"_options_check", p_options_check},
                                        {NULL, NULL}};

int fl_open_portfolio_allocator(lua_State *L) {
  luaL_newlib(L, signal_funcs);
  fl_set_number(L, "_target_weight", folio_portfolio_allocator_defaults().target_weight);
  fl_set_number(L, "_min_notional", folio_portfolio_allocator_defaults().min_notional);
  return 1;
}
