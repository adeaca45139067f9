/*
 * lcapacity.c — folio.capacity: ADV-based position caps.
 *
 * position_capacity keeps its documented call shape; the daily prices and
 * volumes come from a market-data object (folio.data.market / read_market),
 * given as `market =` or used as a method: md:position_capacity{...}.
 */
#include <limits.h>
#include <math.h>
#include <string.h>

#include "lfolio.h"

/* Reads fraction_of_adv / adv_lookback_days from the args table. */
static folio_capacity_opts check_opts(lua_State *L, int args, const char *fname) {
  folio_capacity_opts o = folio_capacity_defaults();
  o.fraction_of_adv = fl_opt_number(L, args, fname, "fraction_of_adv", o.fraction_of_adv);
  if (!(o.fraction_of_adv > 0 && o.fraction_of_adv <= 1))
    fl_argerror(L, fname, "fraction_of_adv must be in (0, 1], got %f", o.fraction_of_adv);
  o.adv_lookback_days = (size_t)fl_opt_integer(L, args, fname, "adv_lookback_days",
                                               (long long)o.adv_lookback_days, 1, FOLIO_MAX_DIM);
  return o;
}

/* Market panels of the market userdata at mk_idx (pushes both matrices). */
static void market_panels(lua_State *L, int mk_idx, folio_panel *p, folio_panel *v, int *prices_idx) {
  lua_getiuservalue(L, mk_idx, 1);
  *prices_idx = lua_gettop(L);
  *p = fl_matrix_panel(lua_touserdata(L, -1));
  lua_getiuservalue(L, mk_idx, 2);
  *v = fl_matrix_panel(lua_touserdata(L, -1));
}

/* Pushes the capacity record of one symbol as a table. */
static void push_capacity(lua_State *L, const char *sym, const folio_capacity *c) {
  lua_createtable(L, 0, 6);
  lua_pushstring(L, sym);
  lua_setfield(L, -2, "symbol");
  fl_set_number(L, "adv_usd", c->adv_usd);
  fl_set_number(L, "cap_usd", c->cap_usd);
  fl_set_number(L, "cap_weight", c->cap_weight);
  fl_set_integer(L, "cap_cents", (lua_Integer)llround(c->cap_usd * 100.0));
  fl_set_integer(L, "days_used", (lua_Integer)c->days_used);
}

/* Capacity of `sym` for the market at mk_idx into *c: the core's status
 * (its message in *err); an unknown symbol raises. */
static folio_status capacity_status(lua_State *L, int mk_idx, const char *sym, double nav,
                                    const folio_capacity_opts *o, const char *fname, folio_capacity *c,
                                    folio_error *err) {
  folio_panel p, v;
  int pi;
  market_panels(L, mk_idx, &p, &v, &pi);
  long j = fl_matrix_col_index(L, pi, sym);
  if (j < 0) fl_argerror(L, fname, "symbol '%s' is not in the market data", sym);
  folio_status st = folio_position_capacity(&p, &v, (size_t)j, nav, o, c, err);
  lua_pop(L, 2);
  return st;
}

/* Capacity of `sym` for the market at mk_idx; raises on error. */
static folio_capacity capacity_of(lua_State *L, int mk_idx, const char *sym, double nav,
                                  const folio_capacity_opts *o, const char *fname) {
  folio_capacity c;
  folio_error err;
  if (capacity_status(L, mk_idx, sym, nav, o, fname, &c, &err) != FOLIO_OK) fl_core_error(L, fname, &err);
  return c;
}

/* One symbol (`symbol =`) -> its record; a list (`symbols =`) -> {SYM =
 * record} in one call (the rebalance asks for every tradable name at once).
 * With a list and `short = "mark"`, a name with fewer than adv_lookback_days
 * rows of both values is not an error: its record is {symbol, short =
 * message} (a name listed too recently to trade). */
static int position_capacity(lua_State *L, int mk_idx, int args) {
  static const char *fname = "position_capacity";
  int many = lua_getfield(L, args, "symbols") != LUA_TNIL;
  int list = lua_gettop(L);
  const char *sym = fl_opt_string(L, args, fname, "symbol", NULL);
  if (!many && !sym) fl_argerror(L, fname, "symbol is required (or symbols = {SYM, ...})");
  if (many && sym) fl_argerror(L, fname, "give symbol = SYM or symbols = {SYM, ...}, not both");
  if (many && !lua_istable(L, list)) fl_argerror(L, fname, "symbols must be a list of symbols, got %s", luaL_typename(L, list));
  double nav = fl_positive(L, args, fname, "nav_usd", 0, 1);
  folio_capacity_opts o = check_opts(L, args, fname);
  const char *short_mode = fl_opt_string(L, args, fname, "short", NULL);
  int mark_short = 0;
  if (short_mode) {
    if (strcmp(short_mode, "mark") != 0) fl_argerror(L, fname, "short must be \"mark\", got '%s'", short_mode);
    if (!many) fl_argerror(L, fname, "short = \"mark\" goes with symbols = {...}");
    mark_short = 1;
  }
  if (!many) {
    folio_capacity c = capacity_of(L, mk_idx, sym, nav, &o, fname);
    push_capacity(L, sym, &c);
    return 1;
  }
  lua_Integer n = luaL_len(L, list);
  lua_createtable(L, 0, n > INT_MAX ? INT_MAX : (int)n);
  for (lua_Integer i = 1; i <= n; i++) {
    if (lua_rawgeti(L, list, i) != LUA_TSTRING)
      fl_argerror(L, fname, "symbols[%I] must be a string, got %s", i, luaL_typename(L, -1));
    const char *s = lua_tostring(L, -1);
    if (mark_short) {
      folio_capacity c;
      folio_error err;
      folio_status st = capacity_status(L, mk_idx, s, nav, &o, fname, &c, &err);
      if (st == FOLIO_ESHORT) {
        lua_createtable(L, 0, 2);
        lua_pushvalue(L, -2);
        lua_setfield(L, -2, "symbol");
        lua_pushstring(L, err.message);
        lua_setfield(L, -2, "short");
      } else if (st != FOLIO_OK) {
        return fl_core_error(L, fname, &err);
      } else {
        push_capacity(L, s, &c);
      }
    } else {
      folio_capacity c = capacity_of(L, mk_idx, s, nav, &o, fname);
      push_capacity(L, s, &c);
    }
    lua_setfield(L, -3, s);
    lua_pop(L, 1);
  }
  return 1;
}

/* folio.capacity.position_capacity{market = md, symbol =, nav_usd =, fraction_of_adv =, adv_lookback_days =} */
static int c_position_capacity(lua_State *L) {
  static const char *const keys[] = {"market", "symbol", "symbols", "short", "nav_usd", "fraction_of_adv",
                                     "adv_lookback_days", NULL};
  fl_check_args(L, 1, "position_capacity", keys);
  if (lua_getfield(L, 1, "market") == LUA_TNIL)
    fl_argerror(L, "position_capacity", "market is required (folio.data.market{...}); or call md:position_capacity{...}");
  if (!luaL_testudata(L, -1, FL_MARKET_MT))
    fl_argerror(L, "position_capacity", "market must be a folio.market, got %s", luaL_typename(L, -1));
  return position_capacity(L, lua_gettop(L), 1);
}

/* md:position_capacity{symbol =, nav_usd =, ...} */
static int mk_position_capacity(lua_State *L) {
  luaL_checkudata(L, 1, FL_MARKET_MT);
  static const char *const keys[] = {"symbol", "symbols", "short", "nav_usd", "fraction_of_adv", "adv_lookback_days", NULL};
  fl_check_args(L, 2, "position_capacity", keys);
  return position_capacity(L, 1, 2);
}

/* folio.capacity.apply{weights =, market =, nav_usd =, fraction_of_adv =, adv_lookback_days =}
 * -> capped weights, report {SYM = {target =, weight =, cap_usd =, cap_weight =, adv_usd =, bound =}} */
static int c_apply(lua_State *L) {
  static const char *fname = "capacity.apply";
  static const char *const keys[] = {"weights", "market", "nav_usd", "fraction_of_adv",
                                     "adv_lookback_days", NULL};
  fl_check_args(L, 1, fname, keys);
  fl_vec w = fl_check_vec(L, 1, fname, "weights", 0);
  if (lua_getfield(L, 1, "market") == LUA_TNIL || !luaL_testudata(L, -1, FL_MARKET_MT))
    fl_argerror(L, fname, "market must be a folio.market (folio.data.market{...})");
  int mk = lua_gettop(L);
  double nav = fl_positive(L, 1, fname, "nav_usd", 0, 1);
  folio_capacity_opts o = check_opts(L, 1, fname);
  double *out = fl_scratch(L, w.n, sizeof(double));
  lua_createtable(L, 0, (int)w.n); /* report */
  int rep = lua_gettop(L);
  for (size_t i = 0; i < w.n; i++) {
    folio_capacity c = capacity_of(L, mk, w.syms[i], nav, &o, fname);
    int bound = 0;
    out[i] = folio_capacity_truncate(w.vals[i], &c, &bound);
    push_capacity(L, w.syms[i], &c);
    fl_set_number(L, "target", w.vals[i]);
    fl_set_number(L, "weight", out[i]);
    fl_set_number(L, "usd", folio_usd_round_cents(out[i] * nav));
    fl_set_boolean(L, "bound", bound);
    lua_setfield(L, rep, w.syms[i]);
  }
  fl_push_vec(L, w.n, w.syms, out, NULL);
  lua_pushvalue(L, rep);
  return 2;
}

static const luaL_Reg capacity_funcs[] = {
    {"position_capacity", c_position_capacity}, {"apply", c_apply}, {NULL, NULL}};

int fl_open_capacity(lua_State *L) {
  /* the market method shares this implementation */
  luaL_getmetatable(L, FL_MARKET_MT);
  if (lua_getfield(L, -1, "__index") == LUA_TTABLE) {
    lua_pushcfunction(L, mk_position_capacity);
    lua_setfield(L, -2, "position_capacity");
  }
  lua_pop(L, 2);
  luaL_newlib(L, capacity_funcs);
  return 1;
}
