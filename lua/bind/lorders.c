/*
 * lorders.c — folio.orders: current positions vs target weights into orders.
 *
 * The binding builds the book (the sorted union of held and targeted
 * symbols), hands the arithmetic to folio_orders_diff (orders.h: lots,
 * capacity caps, exact closes, min notional) and turns the result into an
 * array of orders sorted by symbol plus a report of what was dropped or
 * adjusted. Targets are the FULL book: a held symbol absent from targets is
 * closed (reason "not in targets").
 */
#include <math.h>
#include <string.h>

#include "lfolio.h"

/* ---- positions -------------------------------------------------------------- */

static const char *const position_keys[] = {"symbol",   "quantity", "avg_price", "market_price",
                                            "strategy", "market_value", NULL};

/* Checks the position table at idx (named `what` in messages) and returns its quantity. */
static double read_position(lua_State *L, int idx, const char *fname, const char *what) {
  idx = lua_absindex(L, idx);
  fl_check_keys(L, idx, fname, what, position_keys);
  if (lua_getfield(L, idx, "quantity") != LUA_TNUMBER)
    fl_argerror(L, fname, "%s: quantity must be a number, got %s", what, luaL_typename(L, -1));
  double q = lua_tonumber(L, -1);
  lua_pop(L, 1);
  if (!isfinite(q)) fl_argerror(L, fname, "%s: quantity must be finite, got %f", what, q);
  static const char *const prices[] = {"avg_price", "market_price"};
  for (int i = 0; i < 2; i++) {
    int t = lua_getfield(L, idx, prices[i]);
    if (t != LUA_TNIL) {
      double p = lua_tonumber(L, -1);
      if (t != LUA_TNUMBER || !isfinite(p) || p < 0)
        fl_argerror(L, fname, "%s: %s must be a finite number >= 0", what, prices[i]);
    }
    lua_pop(L, 1);
  }
  return q;
}

void fl_read_positions(lua_State *L, int args, const char *fname, const char *key, int required) {
  args = lua_absindex(L, args);
  int t = lua_getfield(L, args, key); /* [src] */
  lua_newtable(L);                    /* [src, held] */
  if (t == LUA_TNIL) {
    if (required) fl_argerror(L, fname, "%s is required", key);
    lua_remove(L, -2);
    return;
  }
  if (t != LUA_TTABLE)
    fl_argerror(L, fname, "%s must be a table of positions, got %s", key, luaL_typename(L, -2));
  int src = lua_gettop(L) - 1, held = src + 1;
  lua_pushnil(L);
  while (lua_next(L, src)) { /* [src, held, k, pos] */
    char what[96];
    const char *sym;
    if (lua_type(L, -2) == LUA_TNUMBER) {
      lua_Integer i = lua_tointeger(L, -2);
      snprintf(what, sizeof what, "%s[%lld]", key, (long long)i);
      if (lua_type(L, -1) != LUA_TTABLE) fl_argerror(L, fname, "%s must be a table", what);
      if (lua_getfield(L, -1, "symbol") != LUA_TSTRING || lua_rawlen(L, -1) == 0)
        fl_argerror(L, fname, "%s.symbol must be a non-empty string", what);
      sym = lua_tostring(L, -1);
      lua_pop(L, 1); /* anchored by the position table */
    } else if (lua_type(L, -2) == LUA_TSTRING) {
      sym = lua_tostring(L, -2);
      if (!*sym) fl_argerror(L, fname, "%s: empty symbol", key);
      snprintf(what, sizeof what, "%s.%.60s", key, sym);
      if (lua_type(L, -1) != LUA_TTABLE)
        fl_argerror(L, fname, "%s must be a table {quantity =, avg_price =}, got %s", what,
                    luaL_typename(L, -1));
      if (lua_getfield(L, -1, "symbol") != LUA_TNIL &&
          !(lua_type(L, -1) == LUA_TSTRING && strcmp(lua_tostring(L, -1), sym) == 0))
        fl_argerror(L, fname, "%s.symbol does not match its key", what);
      lua_pop(L, 1);
    } else {
      fl_argerror(L, fname, "%s: a key of type %s is neither an index nor a symbol", key,
                  luaL_typename(L, -2));
      return;
    }
    double q = read_position(L, -1, fname, what);
    if (lua_getfield(L, held, sym) != LUA_TNIL)
      fl_argerror(L, fname, "%s: duplicate position for symbol %s", key, sym);
    lua_pop(L, 1);
    lua_pushnumber(L, q);
    lua_setfield(L, held, sym);
    lua_pop(L, 1); /* [src, held, k] */
  }
  lua_remove(L, src); /* [held] */
}

/* ---- the book ------------------------------------------------------------- */

/* The sorted union of two sorted symbol lists, into out (room for a + b). */
static size_t merge_symbols(const fl_vec *a, const fl_vec *b, const char **out) {
  size_t i = 0, j = 0, n = 0;
  while (i < a->n || j < b->n) {
    int c = i == a->n ? 1 : j == b->n ? -1 : strcmp(a->syms[i], b->syms[j]);
    if (c <= 0) out[n++] = a->syms[i++];
    else out[n++] = b->syms[j++];
    if (c == 0) j++;
  }
  return n;
}

/* A reason for an order's adjustment, or NULL. */
static const char *reason_of(const folio_order *o, int in_targets) {
  if (o->flags & FOLIO_ORDER_CAPPED) return "capacity cap";
  if (o->flags & FOLIO_ORDER_ROUNDED) return "lot rounding";
  if ((o->flags & FOLIO_ORDER_CLOSE) && !in_targets) return "not in targets";
  return NULL;
}

/* folio.orders.diff{positions, prices, nav_usd, targets, lot_size = 1, fractional = false,
 *                   min_notional = 100, caps_usd = nil} -> orders, report */
static int o_diff(lua_State *L) {
  static const char *fname = "orders.diff";
  static const char *const keys[] = {"positions",  "prices",       "nav_usd",  "targets",
                                     "lot_size",   "fractional",   "min_notional",
                                     "caps_usd",   NULL};
  fl_check_args(L, 1, fname, keys);
  lua_settop(L, 1);
  fl_read_positions(L, 1, fname, "positions", 0); /* [args, held] */
  lua_newtable(L);
  lua_pushvalue(L, 2);
  lua_setfield(L, -2, "positions"); /* [args, held, {positions = held}] */
  fl_vec held = fl_check_vec(L, 3, fname, "positions", 0);
  fl_vec prices = fl_check_vec(L, 1, fname, "prices", 0);
  fl_vec targets = fl_check_vec(L, 1, fname, "targets", 0);
  double nav = fl_req_number(L, 1, fname, "nav_usd");
  if (nav < 0) fl_argerror(L, fname, "nav_usd must be >= 0, got %f", nav);
  folio_orders_opts opts = folio_orders_defaults();
  /* fractional: true for every symbol, or {SYM = true} for some (their lot is 0) */
  int frac_table = lua_getfield(L, 1, "fractional") == LUA_TTABLE;
  lua_pop(L, 1);
  opts.fractional = frac_table ? 0 : fl_opt_boolean(L, 1, fname, "fractional", 0);
  opts.min_notional = fl_opt_number(L, 1, fname, "min_notional", opts.min_notional);
  if (opts.min_notional < 0)
    fl_argerror(L, fname, "min_notional must be >= 0, got %f", opts.min_notional);
  for (size_t i = 0; i < prices.n; i++)
    if (!(prices.vals[i] > 0))
      fl_argerror(L, fname, "prices.%s must be > 0, got %f", prices.syms[i], prices.vals[i]);

  /* lot_size: one number for every symbol, or {SYM = n} (absent symbols: 1) */
  double lot_all = 1.0;
  fl_vec lots = {0, NULL, NULL};
  int lt = lua_getfield(L, 1, "lot_size");
  lua_pop(L, 1);
  if (lt != LUA_TNIL && opts.fractional)
    fl_argerror(L, fname, "lot_size and fractional = true exclude each other");
  if (lt == LUA_TTABLE) {
    lots = fl_check_vec(L, 1, fname, "lot_size", 0);
    for (size_t i = 0; i < lots.n; i++)
      if (!(lots.vals[i] > 0))
        fl_argerror(L, fname, "lot_size.%s must be > 0, got %f", lots.syms[i], lots.vals[i]);
  } else if (lt != LUA_TNIL) {
    lot_all = fl_positive(L, 1, fname, "lot_size", 1.0, 0);
  }
  fl_vec caps = {0, NULL, NULL};
  int has_caps = lua_getfield(L, 1, "caps_usd") != LUA_TNIL;
  lua_pop(L, 1);
  if (has_caps) {
    caps = fl_check_vec(L, 1, fname, "caps_usd", 0);
    for (size_t i = 0; i < caps.n; i++)
      if (caps.vals[i] < 0)
        fl_argerror(L, fname, "caps_usd.%s must be >= 0, got %f", caps.syms[i], caps.vals[i]);
  }

  const char **syms = fl_scratch(L, held.n + targets.n, sizeof(char *));
  size_t n = merge_symbols(&held, &targets, syms);
  double *cur = fl_scratch(L, n, sizeof(double)), *px = fl_scratch(L, n, sizeof(double));
  double *w = fl_scratch(L, n, sizeof(double)), *lot = fl_scratch(L, n, sizeof(double));
  double *cap = fl_scratch(L, n, sizeof(double));
  unsigned char *in_targets = fl_scratch(L, n, 1);
  folio_order *out = fl_scratch(L, n, sizeof(folio_order));
  for (size_t i = 0; i < n; i++) {
    long k;
    cur[i] = (k = fl_vec_find(&held, syms[i])) >= 0 ? held.vals[k] : 0.0;
    px[i] = (k = fl_vec_find(&prices, syms[i])) >= 0 ? prices.vals[k] : NAN;
    in_targets[i] = (k = fl_vec_find(&targets, syms[i])) >= 0;
    w[i] = k >= 0 ? targets.vals[k] : 0.0;
    lot[i] = lots.syms && (k = fl_vec_find(&lots, syms[i])) >= 0 ? lots.vals[k] : lot_all;
    if (frac_table) {
      lua_getfield(L, 1, "fractional");
      int t = lua_getfield(L, -1, syms[i]);
      if (t != LUA_TNIL && t != LUA_TBOOLEAN)
        fl_argerror(L, fname, "fractional.%s must be a boolean, got %s", syms[i], luaL_typename(L, -1));
      if (lua_toboolean(L, -1)) lot[i] = 0.0;
      lua_pop(L, 2);
    }
    cap[i] = caps.syms && (k = fl_vec_find(&caps, syms[i])) >= 0 ? caps.vals[k] : NAN;
  }
  folio_error err;
  if (folio_orders_diff(n, syms, cur, px, w, lot, cap, nav, &opts, out, &err) != FOLIO_OK)
    fl_core_error(L, "orders", &err);

  lua_newtable(L); /* orders */
  int orders = lua_gettop(L);
  lua_newtable(L); /* report */
  int report = lua_gettop(L);
  lua_newtable(L);
  int dropped = lua_gettop(L);
  lua_newtable(L);
  int adjusted = lua_gettop(L);
  double total_buy = 0, total_sell = 0;
  lua_Integer n_orders = 0, n_dropped = 0, n_adjusted = 0;
  for (size_t i = 0; i < n; i++) {
    const folio_order *o = &out[i];
    if (o->flags & (FOLIO_ORDER_DROPPED | FOLIO_ORDER_ZERO_LOTS)) {
      lua_createtable(L, 0, 6);
      fl_set_string(L, "symbol", syms[i]);
      int zero = (o->flags & FOLIO_ORDER_ZERO_LOTS) != 0;
      double q = zero ? fabs(o->capped_quantity - o->current_quantity) : o->quantity;
      fl_set_string(L, "side", (zero ? o->capped_quantity > o->current_quantity : o->side > 0)
                                ? "BUY" : "SELL");
      fl_set_number(L, "quantity", q);
      fl_set_number(L, "notional", folio_usd_round_cents(q * o->price));
      fl_set_number(L, "target_quantity", o->capped_quantity);
      fl_set_string(L, "reason", zero ? "below one lot" : "below min_notional");
      lua_rawseti(L, dropped, ++n_dropped);
      continue;
    }
    if (o->side == 0) continue;
    const char *reason = reason_of(o, in_targets[i]);
    lua_createtable(L, 0, 12);
    fl_set_string(L, "symbol", syms[i]);
    fl_set_string(L, "side", o->side > 0 ? "BUY" : "SELL");
    fl_set_number(L, "quantity", o->quantity);
    fl_set_number(L, "price", o->price);
    fl_set_number(L, "notional", o->notional);
    fl_set_number(L, "target_quantity", o->target_quantity);
    fl_set_number(L, "capped_quantity", o->capped_quantity);
    fl_set_number(L, "current_quantity", o->current_quantity);
    fl_set_number(L, "final_quantity", o->final_quantity);
    fl_set_number(L, "lot_size", opts.fractional ? 0.0 : lot[i]); /* 0 = fractional */
    if (o->flags & FOLIO_ORDER_CLOSE) {
      fl_set_boolean(L, "close", 1);
    }
    if (reason) {
      fl_set_string(L, "reason", reason);
      lua_createtable(L, 0, 5);
      fl_set_string(L, "symbol", syms[i]);
      fl_set_string(L, "reason", reason);
      fl_set_number(L, "target_quantity", o->target_quantity);
      fl_set_number(L, "capped_quantity", o->capped_quantity);
      fl_set_number(L, "quantity", o->quantity);
      lua_rawseti(L, adjusted, ++n_adjusted);
    }
    lua_rawseti(L, orders, ++n_orders);
    if (o->side > 0) total_buy += o->notional; else total_sell += o->notional;
  }
  lua_pushvalue(L, dropped);
  lua_setfield(L, report, "dropped");
  lua_pushvalue(L, adjusted);
  lua_setfield(L, report, "adjusted");
  lua_pushvalue(L, report);
  fl_set_number(L, "total_buy", folio_usd_round_cents(total_buy));
  fl_set_number(L, "total_sell", folio_usd_round_cents(total_sell));
  fl_set_integer(L, "n_orders", n_orders);
  lua_pop(L, 1);
  lua_settop(L, report);
  return 2;
}

static const luaL_Reg orders_funcs[] = {{"diff", o_diff}, {NULL, NULL}};

int fl_open_orders(lua_State *L) {
  luaL_newlib(L, orders_funcs);
  return 1;
}
