/*
 * lstate.c — folio.state: positions, portfolio snapshots and the running
 * memory of P&L, drawdown, leverage and peak NAV (state.h holds the rules).
 *
 * Positions and snapshots are plain Lua tables (numbers and strings, the
 * positions an array sorted by symbol then strategy), so the event store
 * can persist them as they are; the memory is a small userdata whose
 * mem:state() is again a plain table, and folio.state.new{state = ...}
 * restores it after a restart.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lfolio.h"

#define FL_MEMORY_MT "folio.state.memory"

/* ---- positions --------------------------------------------------------------- */

static const char *const position_keys[] = {"symbol", "quantity", "avg_price", "market_price",
                                            "strategy", "market_value", NULL};

/* Pushes the normalised position built from the table at idx (`what` names it in
 * messages; sym_key, when non-NULL, is the symbol its map key gave). */
static void push_position(lua_State *L, int idx, const char *fname, const char *what,
                          const char *sym_key) {
  idx = lua_absindex(L, idx);
  fl_check_args(L, idx, fname, position_keys);
  const char *sym = fl_opt_string(L, idx, fname, "symbol", sym_key);
  if (!sym || !*sym) fl_argerror(L, fname, "%s: symbol is required", what);
  if (sym_key && strcmp(sym, sym_key) != 0)
    fl_argerror(L, fname, "%s: symbol '%s' does not match its key", what, sym);
  if (lua_getfield(L, idx, "quantity") != LUA_TNUMBER)
    fl_argerror(L, fname, "%s: quantity must be a number, got %s", what, luaL_typename(L, -1));
  double q = lua_tonumber(L, -1);
  lua_pop(L, 1);
  if (!isfinite(q)) fl_argerror(L, fname, "%s: quantity must be finite, got %f", what, q);
  double px = fl_opt_number(L, idx, fname, "market_price", NAN);
  if (isnan(px)) fl_argerror(L, fname, "%s: market_price is required", what);
  if (!(px > 0)) fl_argerror(L, fname, "%s: market_price must be > 0, got %f", what, px);
  double avg = fl_opt_number(L, idx, fname, "avg_price", NAN);
  if (avg < 0) fl_argerror(L, fname, "%s: avg_price must be >= 0, got %f", what, avg);
  const char *strategy = fl_opt_string(L, idx, fname, "strategy", NULL);
  double mv = folio_position_market_value(q, px);
  if (fabs(mv) > FOLIO_MAX_USD)
    fl_argerror(L, fname, "%s: market value %f exceeds %f USD", what, mv, FOLIO_MAX_USD);
  lua_createtable(L, 0, 6);
  lua_pushstring(L, sym);
  lua_setfield(L, -2, "symbol");
  fl_set_number(L, "quantity", q);
  fl_set_number_unless_nan(L, "avg_price", avg);
  fl_set_number(L, "market_price", px);
  fl_set_string(L, "strategy", strategy);
  fl_set_number(L, "market_value", mv);
}

/* folio.state.position{symbol, quantity, avg_price, market_price, strategy} */
static int s_position(lua_State *L) {
  push_position(L, 1, "state.position", "position", NULL);
  return 1;
}

typedef struct pos_ref {
  const char *symbol, *strategy;
  int slot; /* index in the staging array */
} pos_ref;

static int cmp_pos(const void *pa, const void *pb) {
  const pos_ref *a = pa, *b = pb;
  int c = strcmp(a->symbol, b->symbol);
  if (c) return c;
  return strcmp(a->strategy ? a->strategy : "", b->strategy ? b->strategy : "");
}

/* folio.state.snapshot{timestamp, cash, positions} ->
 *   {timestamp, nav, cash, gross, net, positions = {...sorted...}} */
static int s_snapshot(lua_State *L) {
  static const char *fname = "state.snapshot";
  static const char *const keys[] = {"timestamp", "cash", "positions", NULL};
  fl_check_args(L, 1, fname, keys);
  lua_settop(L, 1);
  double ts = fl_opt_number(L, 1, fname, "timestamp", NAN);
  double cash = fl_req_number(L, 1, fname, "cash");
  int t = lua_getfield(L, 1, "positions"); /* [args, src] */
  if (t != LUA_TTABLE && t != LUA_TNIL)
    fl_argerror(L, fname, "positions must be a table, got %s", luaL_typename(L, -1));
  lua_newtable(L); /* [args, src, staging] */
  int n = 0;
  if (t == LUA_TTABLE) {
    lua_pushnil(L);
    while (lua_next(L, 2)) { /* [args, src, staging, k, v] */
      char what[96];
      const char *key_sym = NULL;
      if (lua_type(L, -2) == LUA_TSTRING) {
        key_sym = lua_tostring(L, -2);
        snprintf(what, sizeof what, "positions.%.60s", key_sym);
      } else if (lua_type(L, -2) == LUA_TNUMBER) {
        snprintf(what, sizeof what, "positions[%lld]", (long long)lua_tointeger(L, -2));
      } else {
        fl_argerror(L, fname, "positions: a key of type %s", luaL_typename(L, -2));
      }
      if (lua_type(L, -1) != LUA_TTABLE) fl_argerror(L, fname, "%s must be a table", what);
      push_position(L, -1, fname, what, key_sym);
      lua_rawseti(L, 3, ++n);
      lua_pop(L, 1);
    }
  }
  pos_ref *refs = fl_scratch(L, (size_t)n, sizeof *refs); /* [args, src, staging, refs] */
  for (int i = 0; i < n; i++) {
    lua_rawgeti(L, 3, i + 1);
    lua_getfield(L, -1, "symbol");
    refs[i].symbol = lua_tostring(L, -1);
    lua_getfield(L, -2, "strategy");
    refs[i].strategy = lua_tostring(L, -1); /* NULL when absent; anchored by staging */
    refs[i].slot = i + 1;
    lua_pop(L, 3);
  }
  qsort(refs, (size_t)n, sizeof *refs, cmp_pos);
  const char **syms = fl_scratch(L, (size_t)n, sizeof(char *));
  double *q = fl_scratch(L, (size_t)n, sizeof(double)), *px = fl_scratch(L, (size_t)n, sizeof(double));
  lua_createtable(L, n, 0); /* the sorted positions */
  int sorted = lua_gettop(L);
  for (int i = 0; i < n; i++) {
    if (i && cmp_pos(&refs[i - 1], &refs[i]) == 0)
      fl_argerror(L, fname, "positions: duplicate position for %s%s%s", refs[i].symbol,
                  refs[i].strategy ? " in strategy " : "", refs[i].strategy ? refs[i].strategy : "");
    lua_rawgeti(L, 3, refs[i].slot);
    syms[i] = refs[i].symbol;
    lua_getfield(L, -1, "quantity");
    q[i] = lua_tonumber(L, -1);
    lua_getfield(L, -2, "market_price");
    px[i] = lua_tonumber(L, -1);
    lua_pop(L, 2);
    lua_rawseti(L, sorted, i + 1);
  }
  folio_snapshot_totals tot;
  folio_error err;
  if (folio_snapshot_compute((size_t)n, syms, q, px, cash, &tot, &err) != FOLIO_OK)
    fl_core_error(L, "snapshot", &err);
  lua_createtable(L, 0, 6);
  fl_set_number_unless_nan(L, "timestamp", ts);
  fl_set_number(L, "nav", tot.nav);
  fl_set_number(L, "cash", tot.cash);
  fl_set_number(L, "gross", tot.gross);
  fl_set_number(L, "net", tot.net);
  lua_pushvalue(L, sorted);
  lua_setfield(L, -2, "positions");
  return 1;
}

/* ---- the running memory ---------------------------------------------------------- */

static const char *const memory_keys[] = {"version", "latest_pnl", "rolling_drawdown",
                                          "current_leverage", "peak_nav", "last_nav",
                                          "last_timestamp", "reference_nav", "n_updates", NULL};

static void push_memory(lua_State *L, const folio_portfolio_memory *m) {
  lua_createtable(L, 0, 9);
  fl_set_integer(L, "version", 1);
  fl_set_number(L, "latest_pnl", m->latest_pnl);
  fl_set_number(L, "rolling_drawdown", m->rolling_drawdown);
  fl_set_number(L, "current_leverage", m->current_leverage);
  fl_set_number_unless_nan(L, "peak_nav", m->peak_nav);
  fl_set_number_unless_nan(L, "last_nav", m->last_nav);
  fl_set_number_unless_nan(L, "last_timestamp", m->last_timestamp);
  fl_set_number_unless_nan(L, "reference_nav", m->reference_nav);
  fl_set_integer(L, "n_updates", (lua_Integer)m->n_updates);
}

/* folio.state.new{state = nil | table from mem:state()} -> memory */
static int s_new(lua_State *L) {
  static const char *fname = "state.new";
  static const char *const keys[] = {"state", NULL};
  if (lua_isnoneornil(L, 1)) lua_newtable(L), lua_replace(L, 1);
  fl_check_args(L, 1, fname, keys);
  folio_portfolio_memory m = folio_memory_initial();
  int t = lua_getfield(L, 1, "state");
  if (t == LUA_TTABLE) {
    int s = lua_gettop(L);
    const char *sf = "state.new state";
    fl_check_args(L, s, sf, memory_keys);
    fl_opt_integer(L, s, sf, "version", 1, 1, 1);
    m.latest_pnl = fl_opt_number(L, s, sf, "latest_pnl", 0.0);
    m.rolling_drawdown = fl_opt_number(L, s, sf, "rolling_drawdown", 0.0);
    m.current_leverage = fl_opt_number(L, s, sf, "current_leverage", 0.0);
    m.peak_nav = fl_opt_number(L, s, sf, "peak_nav", NAN);
    m.last_nav = fl_opt_number(L, s, sf, "last_nav", NAN);
    m.last_timestamp = fl_opt_number(L, s, sf, "last_timestamp", NAN);
    m.reference_nav = fl_opt_number(L, s, sf, "reference_nav", NAN);
    m.n_updates = fl_opt_integer(L, s, sf, "n_updates", 0, 0, (long long)1 << 52);
    folio_error err;
    folio_error_clear(&err);
    if (folio_memory_check(&m, &err) != FOLIO_OK) fl_core_error(L, "state.new", &err);
  } else if (t != LUA_TNIL) {
    fl_argerror(L, fname, "state must be a table from mem:state(), got %s", luaL_typename(L, -1));
  }
  folio_portfolio_memory *u = lua_newuserdatauv(L, sizeof *u, 1);
  *u = m;
  luaL_setmetatable(L, FL_MEMORY_MT);
  return 1;
}

/* mem:update_snapshot(snapshot) -> {latest_pnl, rolling_drawdown, current_leverage, peak_nav,
 *                                    nav, timestamp} */
static int m_update_snapshot(lua_State *L) {
  static const char *fname = "update_snapshot";
  folio_portfolio_memory *m = luaL_checkudata(L, 1, FL_MEMORY_MT);
  if (lua_type(L, 2) != LUA_TTABLE)
    return luaL_error(L, "bad argument #1 to '%s' (snapshot table expected, got %s)", fname,
                      luaL_typename(L, 2));
  lua_settop(L, 2);
  double ts = fl_req_number(L, 2, fname, "timestamp");
  double nav = fl_req_number(L, 2, fname, "nav");
  double gross = fl_req_number(L, 2, fname, "gross");
  folio_error err;
  if (folio_memory_update(m, ts, nav, gross, &err) != FOLIO_OK) fl_core_error(L, fname, &err);
  lua_pushvalue(L, 2);
  lua_setiuservalue(L, 1, 1); /* latest_snapshot */
  lua_createtable(L, 0, 6);
  fl_set_number(L, "latest_pnl", m->latest_pnl);
  fl_set_number(L, "rolling_drawdown", m->rolling_drawdown);
  fl_set_number(L, "current_leverage", m->current_leverage);
  fl_set_number(L, "peak_nav", m->peak_nav);
  fl_set_number(L, "nav", nav);
  fl_set_number(L, "timestamp", ts);
  return 1;
}

/* mem:state() -> plain table for the checkpoint */
static int m_state(lua_State *L) {
  push_memory(L, luaL_checkudata(L, 1, FL_MEMORY_MT));
  return 1;
}

/* mem:latest_snapshot() -> the last snapshot given to update_snapshot, or nil */
static int m_latest_snapshot(lua_State *L) {
  luaL_checkudata(L, 1, FL_MEMORY_MT);
  lua_getiuservalue(L, 1, 1);
  return 1;
}

static int m_tostring(lua_State *L) {
  folio_portfolio_memory *m = luaL_checkudata(L, 1, FL_MEMORY_MT);
  lua_pushfstring(L, "folio.state.memory (%I updates)", (lua_Integer)m->n_updates);
  return 1;
}

static const luaL_Reg memory_methods[] = {{"update_snapshot", m_update_snapshot},
                                          {"state", m_state},
                                          {"latest_snapshot", m_latest_snapshot},
                                          {NULL, NULL}};

static const luaL_Reg state_funcs[] = {
    {"position", s_position}, {"snapshot", s_snapshot}, {"new", s_new}, {NULL, NULL}};

int fl_open_state(lua_State *L) {
  static const luaL_Reg memory_meta[] = {{"__tostring", m_tostring}, {NULL, NULL}};
  fl_new_type(L, FL_MEMORY_MT, memory_methods, memory_meta, 0); /* getmetatable works */
  luaL_newlib(L, state_funcs);
  return 1;
}
