/*
 * ldiscrete_allocation.c — folio.discrete_allocation{...}: weights → whole
 * shares or lots (core/src/sizing/discrete_allocation.c) with named
 * arguments.
 *
 * The names are the union of the weights' and the current holdings'
 * symbols; each must have a price (prices and lot_sizes may name more
 * symbols: a universe-wide table is fine). Everything is read strictly into
 * arrays that live in Lua userdata, so an error half-way leaks nothing;
 * values are range-checked by the core, whose messages name the symbol.
 * Tables keyed by symbol come back for shares, trades and targets; the
 * orders come back as an array sorted by symbol.
 */
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lfolio.h"
#include "plumbing.h"

/* Pushes x as an integer when it is a whole number that fits, else a float. */
static void push_quantity(lua_State *L, double x) {
  if (x == floor(x) && fabs(x) < 9007199254740992.0) lua_pushinteger(L, (lua_Integer)x);
  else lua_pushnumber(L, x);
}

/* args.fees {fixed =, proportional =} into the options. */
static void read_fees(lua_State *L, const char *fname, folio_discrete_opts *o) {
  static const char *const fkeys[] = {"fixed", "proportional", NULL};
  int t = lua_getfield(L, 1, "fees"); /* [.., fees] */
  if (t == LUA_TNIL) {
    lua_pop(L, 1);
    return;
  }
  if (t != LUA_TTABLE)
    fl_argerror(L, fname, "fees must be a table {fixed =, proportional =}, got %s", luaL_typename(L, -1));
  int fi = lua_gettop(L);
  fl_check_keys(L, fi, fname, "fees", fkeys);
  o->fixed_fee = fl_opt_number(L, fi, fname, "fixed", 0.0);
  o->proportional_fee = fl_opt_number(L, fi, fname, "proportional", 0.0);
  lua_pop(L, 1);
}

/* The value of sym in v, or raise "<what> names SYM, which has no <missing>". */
static double need(lua_State *L, const char *fname, const fl_vec *v, const char *sym,
                   const char *what, const char *missing) {
  long k = fl_vec_find(v, sym);
  if (k < 0) fl_argerror(L, fname, "%s names %s, which has no %s", what, sym, missing);
  return v->vals[k];
}

int fl_discrete_allocation(lua_State *L) {
  static const char *fname = "discrete_allocation";
  static const char *const keys[] = {"weights", "prices", "capital", "method", "lot_sizes",
                                     "current", "fees", "max_positions", "short_ratio",
                                     "reinvest", "time_limit", NULL};
  static const char *const methods[] = {"greedy", "mip", NULL};
  fl_check_args(L, 1, fname, keys);
  fl_vec w = fl_check_vec(L, 1, fname, "weights", 0);   /* [.., wtbl, wblock] */
  fl_vec p = fl_check_vec(L, 1, fname, "prices", 0);
  folio_discrete_opts o = folio_discrete_defaults();
  o.capital = fl_req_number(L, 1, fname, "capital");
  o.method = fl_opt_option(L, 1, fname, "method", "greedy", methods) == 1 ? FOLIO_DISCRETE_MIP
                                                                          : FOLIO_DISCRETE_GREEDY;
  int has_lots = fl_has_field(L, 1, "lot_sizes"), has_cur = fl_has_field(L, 1, "current");
  fl_vec lots = {0, NULL, NULL}, cur = {0, NULL, NULL};
  if (has_lots) lots = fl_check_vec(L, 1, fname, "lot_sizes", 0);
  if (has_cur) cur = fl_check_vec(L, 1, fname, "current", 0);
  read_fees(L, fname, &o);
  long long k = fl_opt_integer(L, 1, fname, "max_positions", LLONG_MAX, 0, LLONG_MAX);
  o.max_positions = k > LONG_MAX ? LONG_MAX : (long)k;
  if (fl_has_field(L, 1, "short_ratio")) o.short_ratio = fl_opt_number(L, 1, fname, "short_ratio", NAN);
  if (isnan(o.short_ratio) && fl_has_field(L, 1, "short_ratio"))
    fl_argerror(L, fname, "short_ratio is NaN");
  o.reinvest = fl_opt_boolean(L, 1, fname, "reinvest", 0);
  o.time_limit = fl_opt_number(L, 1, fname, "time_limit", o.time_limit);

  /* the names: weights ∪ current, both sorted: a merge */
  size_t cap = w.n + cur.n, n = 0;
  const char **syms = fl_scratch(L, cap ? cap : 1, sizeof(char *));
  double *wt = fl_scratch(L, cap ? cap : 1, sizeof(double));
  double *pr = fl_scratch(L, cap ? cap : 1, sizeof(double));
  double *lt = fl_scratch(L, cap ? cap : 1, sizeof(double));
  double *cu = fl_scratch(L, cap ? cap : 1, sizeof(double));
  for (size_t i = 0, j = 0; i < w.n || j < cur.n;) {
    int c = i == w.n ? 1 : j == cur.n ? -1 : strcmp(w.syms[i], cur.syms[j]);
    const char *s = c <= 0 ? w.syms[i] : cur.syms[j];
    syms[n] = s;
    wt[n] = c <= 0 ? w.vals[i] : 0.0;
    cu[n] = c >= 0 ? cur.vals[j] : 0.0;
    pr[n] = need(L, fname, &p, s, c <= 0 ? "weights" : "current", "price");
    long li = has_lots ? fl_vec_find(&lots, s) : -1;
    lt[n] = li >= 0 ? lots.vals[li] : 1.0;
    n++;
    if (c <= 0) i++;
    if (c >= 0) j++;
  }
  if (n == 0) fl_argerror(L, fname, "weights is empty");
  o.lot_sizes = lt;
  o.current = has_cur ? cu : NULL;
  /* the run's deadline: polled in GLPK's callback; GLPK's own limit is at most the time left */
  o.cancel = fl_cancel_of(L);
  double left = fl_cancel_remaining(L);
  if (left > 0 && o.time_limit > 0 && left < o.time_limit) o.time_limit = left;

  folio_discrete_position *out = fl_scratch(L, n, sizeof *out);
  folio_discrete_info info;
  folio_error err;
  if (folio_discrete_allocate(n, syms, wt, pr, &o, out, &info, &err) != FOLIO_OK) {
    if (o.method == FOLIO_DISCRETE_MIP && fl_cancel_expired(L))
      return fl_cancel_raise(L, err.status == FOLIO_ECANCELED
                                    ? err.message
                                    : "discrete_allocation: GLPK stopped at the run's deadline");
    return fl_core_error(L, fname, &err);
  }

  lua_createtable(L, 0, 6); /* [.., result] */
  lua_createtable(L, 0, (int)info.n_positions); /* shares: held names only */
  for (size_t i = 0; i < n; i++) {
    if (out[i].shares == 0.0) continue;
    push_quantity(L, out[i].shares);
    lua_setfield(L, -2, out[i].symbol);
  }
  lua_setfield(L, -2, "shares");
  fl_set_number(L, "leftover", info.leftover);
  fl_set_number(L, "tracking_error", info.tracking_error);
  if (has_cur) {
    lua_createtable(L, 0, (int)info.n_trades); /* trades: signed shares */
    for (size_t i = 0; i < n; i++) {
      if (out[i].trade == 0.0) continue;
      push_quantity(L, out[i].trade);
      lua_setfield(L, -2, out[i].symbol);
    }
    lua_setfield(L, -2, "trades");
    lua_createtable(L, (int)info.n_trades, 0); /* orders: sorted by symbol (out is) */
    lua_Integer k_ord = 0;
    for (size_t i = 0; i < n; i++) {
      if (out[i].trade == 0.0) continue;
      lua_createtable(L, 0, 6);
      lua_pushstring(L, out[i].symbol);
      lua_setfield(L, -2, "symbol");
      lua_pushstring(L, out[i].trade > 0 ? "buy" : "sell");
      lua_setfield(L, -2, "side");
      push_quantity(L, fabs(out[i].trade));
      lua_setfield(L, -2, "shares");
      fl_set_number(L, "price", pr[i]); /* out[i] and pr[i] are both in symbol order */
      fl_set_number(L, "notional", folio_usd_round_cents(fabs(out[i].trade) * pr[i]));
      fl_set_number(L, "fee", folio_usd_round_cents(out[i].fee));
      lua_rawseti(L, -2, ++k_ord);
    }
    lua_setfield(L, -2, "orders");
  }
  lua_createtable(L, 0, 12); /* info */
  lua_pushstring(L, info.method);
  lua_setfield(L, -2, "method");
  lua_pushstring(L, info.status);
  lua_setfield(L, -2, "status");
  fl_set_number(L, "objective", info.objective);
  fl_set_number(L, "l1", info.l1);
  fl_set_number(L, "fees", info.fees);
  fl_set_number(L, "book_value", info.book_value);
  fl_set_integer(L, "positions", (lua_Integer)info.n_positions);
  fl_set_integer(L, "trades", (lua_Integer)info.n_trades);
  fl_set_number(L, "seconds", info.seconds);
  lua_createtable(L, 0, (int)n);
  for (size_t i = 0; i < n; i++) {
    lua_pushnumber(L, out[i].target);
    lua_setfield(L, -2, out[i].symbol);
  }
  lua_setfield(L, -2, "targets");
  lua_createtable(L, 0, (int)n);
  for (size_t i = 0; i < n; i++) {
    lua_pushnumber(L, out[i].weight);
    lua_setfield(L, -2, out[i].symbol);
  }
  lua_setfield(L, -2, "weights");
  lua_setfield(L, -2, "info");
  return 1;
}
