/*
 * lguards.c — folio.guards: the exposure limits and the drawdown, leverage
 * and liquidity guards as one object (guards.h holds the rules).
 *
 * A guard object is a userdata holding its limits and the drawdown state
 * machine; g:state() hands the state out as a plain table (booleans and
 * numbers only) for the checkpoint, and folio.guards.new{state = ...} takes
 * it back, so a restart keeps a breach and its cool-off clock.
 */
#include <math.h>
#include <string.h>

#include "lfolio.h"

#define FL_GUARDS_MT "folio.guards"

typedef struct fl_guards {
  folio_guard_limits limits;
  folio_drawdown_state state;
} fl_guards;

/* ---- state <-> table ------------------------------------------------------ */

static const char *const state_keys[] = {"breached", "n_breaches", "peak_nav", "trough_nav",
                                         "drawdown", "breach_time", "last_update", "version",
                                         NULL};

/* Pushes the checkpoint table of a state (NaN fields are left out). */
static void push_state(lua_State *L, const folio_drawdown_state *s) {
  lua_createtable(L, 0, 8);
  fl_set_integer(L, "version", 1);
  fl_set_boolean(L, "breached", s->breached);
  fl_set_integer(L, "n_breaches", s->n_breaches);
  fl_set_number(L, "drawdown", s->drawdown);
  fl_set_number_unless_nan(L, "peak_nav", s->peak_nav);
  fl_set_number_unless_nan(L, "trough_nav", s->trough_nav);
  fl_set_number_unless_nan(L, "breach_time", s->breach_time);
  fl_set_number_unless_nan(L, "last_update", s->last_update);
}

/* Reads a checkpoint table at idx into *s (validated by the core). */
static void read_state(lua_State *L, int idx, const char *fname, folio_drawdown_state *s) {
  idx = lua_absindex(L, idx);
  fl_check_args(L, idx, fname, state_keys);
  *s = folio_drawdown_initial();
  if (fl_opt_integer(L, idx, fname, "version", 1, 1, 1) != 1) return;
  s->breached = fl_opt_boolean(L, idx, fname, "breached", 0);
  s->n_breaches = (int)fl_opt_integer(L, idx, fname, "n_breaches", s->breached, 0, 1 << 30);
  s->peak_nav = fl_opt_number(L, idx, fname, "peak_nav", NAN);
  s->trough_nav = fl_opt_number(L, idx, fname, "trough_nav", NAN);
  s->drawdown = fl_opt_number(L, idx, fname, "drawdown", 0.0);
  s->breach_time = fl_opt_number(L, idx, fname, "breach_time", NAN);
  s->last_update = fl_opt_number(L, idx, fname, "last_update", NAN);
  folio_error err;
  folio_error_clear(&err);
  if (folio_drawdown_check(s, &err) != FOLIO_OK) fl_core_error(L, "guards", &err);
}

/* ---- construction ---------------------------------------------------------- */

/* folio.guards.new{max_position_weight, max_gross, max_leverage, max_drawdown,
 *   cooloff_days = 5, rearm_drawdown = max_drawdown / 2, max_adv_fraction,
 *   mode = "scale" | "reject", state = nil} -> guard (absent limits are off) */
static int g_new(lua_State *L) {
  static const char *fname = "guards.new";
  static const char *const keys[] = {"max_position_weight", "max_gross", "max_leverage",
                                     "max_drawdown", "cooloff_days", "rearm_drawdown",
                                     "max_adv_fraction", "mode", "state", NULL};
  fl_check_args(L, 1, fname, keys);
  folio_guard_limits l = folio_guard_defaults();
  l.max_position_weight = fl_opt_number(L, 1, fname, "max_position_weight", INFINITY);
  l.max_gross = fl_opt_number(L, 1, fname, "max_gross", INFINITY);
  l.max_leverage = fl_opt_number(L, 1, fname, "max_leverage", INFINITY);
  l.max_drawdown = fl_opt_number(L, 1, fname, "max_drawdown", INFINITY);
  l.cooloff_days = fl_opt_number(L, 1, fname, "cooloff_days", l.cooloff_days);
  l.rearm_drawdown = fl_opt_number(L, 1, fname, "rearm_drawdown", NAN);
  l.max_adv_fraction = fl_opt_number(L, 1, fname, "max_adv_fraction", INFINITY);
  if (!isnan(l.rearm_drawdown) && !isfinite(l.max_drawdown))
    fl_argerror(L, fname, "rearm_drawdown needs max_drawdown");
  static const char *const modes[] = {"scale", "reject", NULL};
  l.scale = fl_opt_option(L, 1, fname, "mode", "scale", modes) == 0;
  folio_error err;
  folio_error_clear(&err);
  if (folio_guard_limits_check(&l, &err) != FOLIO_OK) fl_core_error(L, "guards", &err);
  folio_drawdown_state s = folio_drawdown_initial();
  int t = lua_getfield(L, 1, "state");
  if (t == LUA_TTABLE) read_state(L, -1, "guards.new state", &s);
  else if (t != LUA_TNIL) fl_argerror(L, fname, "state must be a table from g:state(), got %s", luaL_typename(L, -1));
  fl_guards *g = lua_newuserdatauv(L, sizeof *g, 0);
  g->limits = l;
  g->state = s;
  luaL_setmetatable(L, FL_GUARDS_MT);
  return 1;
}

/* ---- the drawdown state machine --------------------------------------------- */

/* Runs one update from args (snapshot / nav / asof) and appends any
 * transition event to the events array at ev_idx. */
static void run_update(lua_State *L, const folio_guard_limits *limits, folio_drawdown_state *state,
                       int args, const char *fname, int ev_idx) {
  double nav = NAN, asof = NAN;
  int st = lua_getfield(L, args, "snapshot");
  if (st == LUA_TTABLE) {
    if (lua_getfield(L, -1, "nav") != LUA_TNUMBER)
      fl_argerror(L, fname, "snapshot.nav must be a number, got %s", luaL_typename(L, -1));
    nav = lua_tonumber(L, -1);
    if (lua_getfield(L, -2, "timestamp") == LUA_TNUMBER) asof = lua_tonumber(L, -1);
    lua_pop(L, 2);
  } else if (st != LUA_TNIL) {
    fl_argerror(L, fname, "snapshot must be a table (folio.state.snapshot), got %s",
                luaL_typename(L, -1));
  }
  lua_pop(L, 1);
  if (isnan(nav)) nav = fl_opt_number(L, args, fname, "nav", NAN);
  else if (lua_getfield(L, args, "nav") != LUA_TNIL) fl_argerror(L, fname, "give snapshot or nav, not both");
  else lua_pop(L, 1);
  if (isnan(nav)) fl_argerror(L, fname, "snapshot (or nav) is required");
  asof = fl_opt_number(L, args, fname, "asof", asof);
  if (isnan(asof)) fl_argerror(L, fname, "asof is required (epoch seconds; or snapshot.timestamp)");
  folio_drawdown_event ev;
  folio_error err;
  if (folio_drawdown_update(state, limits, nav, asof, &ev, &err) != FOLIO_OK)
    fl_core_error(L, "guards", &err);
  if (ev == FOLIO_DRAWDOWN_NONE) return;
  int breach = ev == FOLIO_DRAWDOWN_BREACH;
  double limit = breach ? limits->max_drawdown : folio_guard_rearm_level(limits);
  lua_createtable(L, 0, 6);
  fl_set_string(L, "guard", "max_drawdown");
  fl_set_string(L, "kind", breach ? "breach" : "rearm");
  fl_set_number(L, "limit", limit);
  fl_set_number(L, "value", state->drawdown);
  fl_set_number(L, "asof", asof);
  lua_pushfstring(L,
                  breach ? "max_drawdown: drawdown %f reached the limit %f; risk-increasing "
                           "orders are blocked"
                         : "max_drawdown: re-armed: cool-off over and drawdown %f <= re-arm "
                           "level %f",
                  state->drawdown, limit);
  lua_setfield(L, -2, "message");
  lua_rawseti(L, ev_idx, (lua_Integer)lua_rawlen(L, ev_idx) + 1);
}

/* g:update{snapshot = s | nav = x, asof = t} -> events (breach / re-arm), state */
static int g_update(lua_State *L) {
  fl_guards *g = luaL_checkudata(L, 1, FL_GUARDS_MT);
  static const char *const keys[] = {"snapshot", "nav", "asof", NULL};
  fl_check_args(L, 2, "update", keys);
  lua_newtable(L);
  int ev = lua_gettop(L);
  run_update(L, &g->limits, &g->state, 2, "update", ev);
  push_state(L, &g->state);
  return 2;
}

/* g:state() -> plain table for the checkpoint */
static int g_state(lua_State *L) {
  fl_guards *g = luaL_checkudata(L, 1, FL_GUARDS_MT);
  push_state(L, &g->state);
  return 1;
}

/* g:limits() -> the configuration (off guards left out; mode) */
static int g_limits(lua_State *L) {
  fl_guards *g = luaL_checkudata(L, 1, FL_GUARDS_MT);
  const folio_guard_limits *l = &g->limits;
  lua_createtable(L, 0, 8);
  const struct {
    const char *k;
    double v;
  } f[] = {{"max_position_weight", l->max_position_weight}, {"max_gross", l->max_gross},
           {"max_leverage", l->max_leverage}, {"max_drawdown", l->max_drawdown},
           {"max_adv_fraction", l->max_adv_fraction}, {"cooloff_days", l->cooloff_days},
           {"rearm_drawdown", folio_guard_rearm_level(l)}};
  for (size_t i = 0; i < sizeof f / sizeof f[0]; i++)
    if (isfinite(f[i].v)) fl_set_number(L, f[i].k, f[i].v);
  fl_set_string(L, "mode", l->scale ? "scale" : "reject");
  return 1;
}

static int g_tostring(lua_State *L) {
  fl_guards *g = luaL_checkudata(L, 1, FL_GUARDS_MT);
  lua_pushfstring(L, "folio.guards (%s, %s)", g->state.breached ? "drawdown breached" : "armed",
                  g->limits.scale ? "scale" : "reject");
  return 1;
}

/* ---- order decisions ---------------------------------------------------------- */

/* Reads the orders array at args.orders into three tables pushed on the stack:
 * {orders = {SYM = signed qty}}, {lots = {SYM = lot}}, {prices = {SYM = price}}. */
static size_t read_orders(lua_State *L, int args, const char *fname) {
  if (lua_getfield(L, args, "orders") != LUA_TTABLE)
    fl_argerror(L, fname, "orders must be an array of orders (from folio.orders.diff), got %s",
                luaL_typename(L, -1));
  int src = lua_gettop(L);
  lua_newtable(L);
  lua_newtable(L);
  lua_newtable(L);
  int qt = src + 1, lt = src + 2, pt = src + 3;
  size_t n = (size_t)lua_rawlen(L, src);
  for (size_t i = 1; i <= n; i++) {
    if (lua_rawgeti(L, src, (lua_Integer)i) != LUA_TTABLE)
      fl_argerror(L, fname, "orders[%d] must be a table", (int)i);
    int o = lua_gettop(L);
    if (lua_getfield(L, o, "symbol") != LUA_TSTRING || lua_rawlen(L, -1) == 0)
      fl_argerror(L, fname, "orders[%d].symbol must be a non-empty string", (int)i);
    const char *sym = lua_tostring(L, -1);
    if (lua_getfield(L, qt, sym) != LUA_TNIL)
      fl_argerror(L, fname, "orders[%d]: a second order for %s", (int)i, sym);
    lua_pop(L, 1);
    const char *side = lua_getfield(L, o, "side") == LUA_TSTRING ? lua_tostring(L, -1) : "";
    double s = strcmp(side, "BUY") == 0 ? 1.0 : strcmp(side, "SELL") == 0 ? -1.0 : 0.0;
    if (s == 0) fl_argerror(L, fname, "orders[%d] (%s): side must be \"BUY\" or \"SELL\"", (int)i, sym);
    double q = lua_getfield(L, o, "quantity") == LUA_TNUMBER ? lua_tonumber(L, -1) : NAN;
    if (!(isfinite(q) && q > 0))
      fl_argerror(L, fname, "orders[%d] (%s): quantity must be a finite number > 0", (int)i, sym);
    int lty = lua_getfield(L, o, "lot_size");
    double lot = lty == LUA_TNIL ? 1.0 : lty == LUA_TNUMBER ? lua_tonumber(L, -1) : NAN;
    if (!(isfinite(lot) && lot >= 0))
      fl_argerror(L, fname, "orders[%d] (%s): lot_size must be a number >= 0 (0 = fractional)", (int)i, sym);
    int pty = lua_getfield(L, o, "price");
    if (pty == LUA_TNUMBER) {
      lua_pushvalue(L, -1);
      lua_setfield(L, pt, sym);
    } else if (pty != LUA_TNIL) {
      fl_argerror(L, fname, "orders[%d] (%s): price must be a number", (int)i, sym);
    }
    lua_pushnumber(L, s * q);
    lua_setfield(L, qt, sym);
    lua_pushnumber(L, lot);
    lua_setfield(L, lt, sym);
    lua_settop(L, pt);
  }
  /* wrap each in a one-key args table for fl_check_vec */
  static const char *const names[] = {"orders", "lots", "order_prices"};
  for (int k = 0; k < 3; k++) {
    lua_newtable(L);
    lua_pushvalue(L, qt + k);
    lua_setfield(L, -2, names[k]);
    lua_replace(L, qt + k);
  }
  lua_remove(L, src);
  return n;
}

static const char *verdict_name(folio_guard_verdict v) {
  switch (v) {
    case FOLIO_GUARD_APPROVED: return "approved";
    case FOLIO_GUARD_RESIZED: return "resized";
    case FOLIO_GUARD_REJECTED: return "rejected";
    default: return "none";
  }
}

/* Pushes the event table of one guard event on symbol sym. */
static void push_event(lua_State *L, const char *sym, const folio_guard_event *e,
                       const folio_guard_decision *d, double requested) {
  static const char *const what[FOLIO_GUARD_COUNT] = {
      "post-trade weight", "post-trade gross exposure (x NAV)", "post-trade leverage",
      "drawdown (guard breached; risk-increasing orders blocked)", "order size as a fraction of ADV"};
  lua_createtable(L, 0, 6);
  fl_set_string(L, "guard", folio_guard_name(e->guard));
  fl_set_string(L, "symbol", sym);
  fl_set_number(L, "limit", e->limit);
  fl_set_number(L, "value", e->value);
  fl_set_string(L, "decision", verdict_name(d->verdict));
  luaL_Buffer b;
  luaL_buffinit(L, &b);
  lua_pushfstring(L, "%s: %s %s %f exceeds the limit %f; ", folio_guard_name(e->guard), sym,
                  what[e->guard], e->value, e->limit);
  luaL_addvalue(&b);
  if (d->verdict == FOLIO_GUARD_RESIZED)
    lua_pushfstring(L, "resized %f -> %f", requested, d->quantity);
  else
    lua_pushfstring(L, "rejected (%f requested)", requested);
  luaL_addvalue(&b);
  luaL_pushresult(&b);
  lua_setfield(L, -2, "message");
}

/* g:check{orders, positions, prices, nav_usd, adv_usd, snapshot, asof} -> decisions, events */
static int g_check(lua_State *L) {
  static const char *fname = "check";
  fl_guards *g = luaL_checkudata(L, 1, FL_GUARDS_MT);
  static const char *const keys[] = {"orders", "positions", "prices", "nav_usd",
                                     "adv_usd", "snapshot", "asof", NULL};
  fl_check_args(L, 2, fname, keys);
  lua_settop(L, 2);
  lua_newtable(L); /* [g, args, events] */
  int events = 3;
  /* the drawdown update runs on a copy, committed only when the check succeeds */
  folio_drawdown_state state = g->state;
  if (lua_getfield(L, 2, "snapshot") != LUA_TNIL) {
    lua_pop(L, 1);
    run_update(L, &g->limits, &state, 2, fname, events);
  } else {
    lua_pop(L, 1);
    if (lua_getfield(L, 2, "asof") != LUA_TNIL) fl_argerror(L, fname, "asof needs a snapshot");
    lua_pop(L, 1);
  }
  double nav = fl_positive(L, 2, fname, "nav_usd", 0, 1);
  double lev_nav = nav;
  if (lua_getfield(L, 2, "snapshot") == LUA_TTABLE) {
    lua_getfield(L, -1, "nav");
    lev_nav = lua_tonumber(L, -1);
    lua_pop(L, 1);
  }
  lua_pop(L, 1);
  size_t n_orders = read_orders(L, 2, fname); /* [.., {orders}, {lots}, {order_prices}] */
  int base = lua_gettop(L) - 2;
  fl_vec oq = fl_check_vec(L, base, fname, "orders", 0);
  fl_vec ol = fl_check_vec(L, base + 1, fname, "lots", 0);
  fl_vec op = fl_check_vec(L, base + 2, fname, "order_prices", 0);
  fl_read_positions(L, 2, fname, "positions", 0);
  lua_newtable(L);
  lua_insert(L, -2);
  lua_setfield(L, -2, "positions");
  fl_vec held = fl_check_vec(L, -1, fname, "positions", 0);
  fl_vec prices = {0, NULL, NULL}, adv = {0, NULL, NULL};
  int t = lua_getfield(L, 2, "prices");
  lua_pop(L, 1);
  if (t != LUA_TNIL) prices = fl_check_vec(L, 2, fname, "prices", 0);
  t = lua_getfield(L, 2, "adv_usd");
  lua_pop(L, 1);
  if (t != LUA_TNIL) adv = fl_check_vec(L, 2, fname, "adv_usd", 0);

  /* the book: the sorted union of order and position symbols */
  const char **syms = fl_scratch(L, oq.n + held.n, sizeof(char *));
  size_t n = 0, i = 0, j = 0;
  while (i < oq.n || j < held.n) {
    int c = i == oq.n ? 1 : j == held.n ? -1 : strcmp(oq.syms[i], held.syms[j]);
    syms[n++] = c <= 0 ? oq.syms[i] : held.syms[j];
    if (c <= 0) i++;
    if (c >= 0) j++;
  }
  folio_guard_entry *e = fl_scratch(L, n, sizeof *e);
  folio_guard_decision *d = fl_scratch(L, n, sizeof *d);
  for (size_t k = 0; k < n; k++) {
    long x;
    e[k].position = (x = fl_vec_find(&held, syms[k])) >= 0 ? held.vals[x] : 0.0;
    e[k].order = (x = fl_vec_find(&oq, syms[k])) >= 0 ? oq.vals[x] : 0.0;
    e[k].lot = (x = fl_vec_find(&ol, syms[k])) >= 0 ? ol.vals[x] : 1.0;
    e[k].price = (x = fl_vec_find(&prices, syms[k])) >= 0 ? prices.vals[x]
                 : (x = fl_vec_find(&op, syms[k])) >= 0 ? op.vals[x] : NAN;
    e[k].adv_usd = (x = fl_vec_find(&adv, syms[k])) >= 0 ? adv.vals[x] : NAN;
  }
  folio_error err;
  if (folio_guards_check(&g->limits, &state, n, syms, e, nav, lev_nav, d, &err) != FOLIO_OK)
    fl_core_error(L, "guards", &err);
  g->state = state;

  /* events in symbol order, decisions aligned with the input orders */
  lua_createtable(L, (int)n_orders, 0);
  int decisions = lua_gettop(L);
  lua_newtable(L);
  int by_sym = lua_gettop(L); /* {SYM = decision table} */
  for (size_t k = 0; k < n; k++) {
    if (e[k].order == 0) continue;
    double requested = fabs(e[k].order);
    lua_createtable(L, 0, 6);
    fl_set_string(L, "symbol", syms[k]);
    fl_set_string(L, "side", e[k].order > 0 ? "BUY" : "SELL");
    fl_set_string(L, "decision", verdict_name(d[k].verdict));
    fl_set_number(L, "quantity", d[k].quantity);
    fl_set_number(L, "requested_quantity", requested);
    lua_createtable(L, (int)d[k].n_events, 0);
    for (size_t m = 0; m < d[k].n_events; m++) {
      push_event(L, syms[k], &d[k].events[m], &d[k], requested);
      lua_pushvalue(L, -1);
      lua_rawseti(L, events, (lua_Integer)lua_rawlen(L, events) + 1);
      lua_rawseti(L, -2, (lua_Integer)m + 1);
    }
    lua_setfield(L, -2, "events");
    lua_setfield(L, by_sym, syms[k]);
  }
  lua_getfield(L, 2, "orders");
  int src = lua_gettop(L);
  for (size_t k = 1; k <= n_orders; k++) {
    lua_rawgeti(L, src, (lua_Integer)k);
    lua_getfield(L, -1, "symbol");
    lua_gettable(L, by_sym);
    lua_rawseti(L, decisions, (lua_Integer)k);
    lua_pop(L, 1);
  }
  lua_pushvalue(L, decisions);
  lua_pushvalue(L, events);
  return 2;
}

static const luaL_Reg guard_methods[] = {{"check", g_check}, {"update", g_update},
                                         {"state", g_state}, {"limits", g_limits},
                                         {NULL, NULL}};

static const luaL_Reg guards_funcs[] = {{"new", g_new}, {NULL, NULL}};

int fl_open_guards(lua_State *L) {
  static const luaL_Reg guard_meta[] = {{"__tostring", g_tostring}, {NULL, NULL}};
  fl_new_type(L, FL_GUARDS_MT, guard_methods, guard_meta, 0); /* __name = FL_GUARDS_MT */
  luaL_newlib(L, guards_funcs);
  return 1;
}
