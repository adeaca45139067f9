/*
 * lstore.c — folio.store: the event store (core store.h) as a Lua userdata —
 * open, record rebalances, snapshots and checkpoints, query them back — and
 * the digest of inputs. Payloads go to and come from JSON through the
 * converter in ljson.c (fl_json_push_encoded / fl_json_push_decoded), which
 * folio.store.encode_json and decode_json expose.
 *
 * Runs (open_run, run, mark_submitted, record_rebalance{run_key}) and the
 * run lock (lock, unlock) are the exactly-once record of a rebalance's
 * orders; see store.h for the lifecycle.
 *
 * Ownership: every core result (a malloc'd snapshot, checkpoint, list or run) is
 * boxed in a userdata with __gc before any Lua allocation, so an error
 * raised half-way (bad value, out of memory, instruction budget) leaks
 * nothing.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <limits.h>
#include <string.h>
#include <time.h>

#include "lfolio.h"

#define FL_STORE_MT "folio.store"

/* ==== boxes (fl_box_push) ================================================== */

static void release_snapshot(void *p) { folio_store_snapshot_free(p); }
static void release_checkpoint(void *p) { folio_store_checkpoint_free(p); }
static void release_checkpoint_list(void *p) { folio_store_checkpoint_list_free(p); }
static void release_list(void *p) { folio_store_rebalance_list_free(p); }
static void release_run(void *p) { folio_store_run_info_free(p); }

/* t[key] = the Lua value of a stored payload (nil for SQL NULL), for the
 * table t on top of the stack; a bad payload is named by key. */
static void set_payload(lua_State *L, const char *key, const char *text, const char *fname) {
  fl_json_push_decoded(L, text, text ? strlen(text) : 0, fname, key); /* [t, v] */
  lua_setfield(L, -2, key);                                          /* [t] */
}

/* ==== times ================================================================ */

/* args[key] as epoch seconds: an integer, "YYYY-MM-DD" (midnight UTC) or an
 * ISO-8601 instant with an offset. Absent: def when !required. */
static int64_t check_time(lua_State *L, int args, const char *fname, const char *key, int required,
                          int64_t def) {
  int t = lua_getfield(L, args, key);
  int64_t v = def;
  folio_error err;
  if (t == LUA_TNIL) {
    if (required) fl_argerror(L, fname, "%s is required (epoch seconds or \"YYYY-MM-DD\")", key);
  } else if (t == LUA_TNUMBER) {
    int isint;
    lua_Integer i = lua_tointegerx(L, -1, &isint);
    if (!isint) fl_argerror(L, fname, "%s must be whole epoch seconds, got %s", key, lua_tostring(L, -1));
    v = (int64_t)i;
  } else if (t == LUA_TSTRING) {
    const char *s = lua_tostring(L, -1);
    int32_t days;
    if (strlen(s) == 10 && folio_parse_date(s, &days, &err) == FOLIO_OK)
      v = (int64_t)days * 86400;
    else if (folio_parse_asof(s, &v, &err) != FOLIO_OK)
      fl_argerror(L, fname, "%s: '%s' is not a date \"YYYY-MM-DD\" or an instant "
                  "\"YYYY-MM-DDTHH:MM:SSZ\"", key, s);
  } else {
    fl_argerror(L, fname, "%s must be epoch seconds or a date string, got %s", key, luaL_typename(L, -1));
  }
  lua_pop(L, 1);
  return v;
}

/* ==== the store userdata =================================================== */

typedef struct fl_store {
  folio_store *st;
} fl_store;

static fl_store *check_store(lua_State *L, const char *fname) {
  fl_store *s = luaL_checkudata(L, 1, FL_STORE_MT);
  if (!s->st) luaL_error(L, "%s: the store is closed", fname);
  return s;
}

static int store_gc(lua_State *L) {
  fl_store *s = luaL_checkudata(L, 1, FL_STORE_MT);
  folio_store_close(s->st);
  s->st = NULL;
  return 0;
}

/* st:close() — idempotent; also __close and __gc. */
static int store_close(lua_State *L) { return store_gc(L); }

static int store_tostring(lua_State *L) {
  fl_store *s = luaL_checkudata(L, 1, FL_STORE_MT);
  if (!s->st)
    lua_pushliteral(L, "folio.store(closed)");
  else
    lua_pushfstring(L, "folio.store('%s'%s)", folio_store_path(s->st),
                    folio_store_readonly(s->st) ? ", read-only" : "");
  return 1;
}

/* folio.store.open{path, readonly = false, create = true, busy_timeout_ms = 2000} */
static int s_open(lua_State *L) {
  static const char *const keys[] = {"path", "readonly", "create", "busy_timeout_ms", NULL};
  fl_require_trusted(L, "store.open", FL_CAP_WRITES); /* no store at all in a sandbox, read-only or not */
  fl_check_args(L, 1, "store.open", keys);
  const char *path = fl_opt_string(L, 1, "store.open", "path", NULL);
  if (!path || !*path) fl_argerror(L, "store.open", "path is required (a file name)");
  int readonly = fl_opt_boolean(L, 1, "store.open", "readonly", 0);
  int create = fl_opt_boolean(L, 1, "store.open", "create", 1);
  long long busy = fl_opt_integer(L, 1, "store.open", "busy_timeout_ms", 2000, 0, 600000);
  fl_store *s = lua_newuserdatauv(L, sizeof *s, 0); /* empty first: nothing half-built */
  s->st = NULL;
  luaL_setmetatable(L, FL_STORE_MT);
  folio_error err;
  int flags = (readonly ? FOLIO_STORE_READONLY : 0) | (create ? FOLIO_STORE_CREATE : 0);
  if (folio_store_open(path, flags, &s->st, &err) != FOLIO_OK) return fl_core_error(L, "store.open", &err);
  folio_store_set_busy_timeout(s->st, (int)busy, NULL);
  return 1;
}

/* Pushes args[key] encoded as JSON (nil stays nil: returns NULL). */
static const char *opt_json(lua_State *L, int args, const char *fname, const char *key) {
  lua_getfield(L, args, key);
  if (lua_isnil(L, -1)) return NULL; /* the nil stays on the stack: balanced for the caller */
  const char *text = fl_json_push_encoded(L, -1, fname, key);
  lua_remove(L, -2);
  return text;
}

/* st:record_rebalance{asof, fund, inputs_digest, composite, allocations, orders,
 *                     decisions, turnover, trades = {SYM = weight_change}, run_key} -> id */
static int st_record_rebalance(lua_State *L) {
  static const char fn[] = "record_rebalance";
  static const char *const keys[] = {"asof", "fund", "inputs_digest", "composite", "allocations",
                                     "orders", "decisions", "turnover", "trades", "run_key", NULL};
  fl_store *s = check_store(L, fn);
  fl_check_args(L, 2, fn, keys);
  lua_settop(L, 2);
  folio_store_rebalance rec;
  memset(&rec, 0, sizeof rec);
  rec.asof = check_time(L, 2, fn, "asof", 1, 0);
  rec.fund = fl_opt_string(L, 2, fn, "fund", NULL);
  if (!rec.fund || !*rec.fund) fl_argerror(L, fn, "fund is required (a non-empty name)");
  rec.inputs_digest = fl_opt_string(L, 2, fn, "inputs_digest", NULL);
  rec.run_key = fl_opt_string(L, 2, fn, "run_key", NULL);
  if (rec.run_key && !*rec.run_key) fl_argerror(L, fn, "run_key is empty (leave it out for a rebalance without a run)");
  rec.turnover = fl_opt_number(L, 2, fn, "turnover", 0.0);
  if (rec.turnover < 0) fl_argerror(L, fn, "turnover must be >= 0, got %f", rec.turnover);
  rec.composite_json = opt_json(L, 2, fn, "composite");
  rec.allocations_json = opt_json(L, 2, fn, "allocations");
  rec.orders_json = opt_json(L, 2, fn, "orders");
  rec.decisions_json = opt_json(L, 2, fn, "decisions");
  fl_vec trades = {0, NULL, NULL};
  if (lua_getfield(L, 2, "trades") != LUA_TNIL) trades = fl_check_vec(L, 2, fn, "trades", 0);
  folio_store_trade *tr = fl_scratch(L, trades.n, sizeof *tr);
  for (size_t i = 0; i < trades.n; i++) {
    tr[i].symbol = trades.syms[i];
    tr[i].weight_change = trades.vals[i];
  }
  int64_t id = 0;
  folio_error err;
  if (folio_store_record_rebalance(s->st, &rec, tr, trades.n, &id, &err) != FOLIO_OK)
    return fl_core_error(L, fn, &err);
  lua_pushinteger(L, (lua_Integer)id);
  return 1;
}

/* st:record_snapshot{timestamp, nav, cash, gross, net, positions} -> id */
static int st_record_snapshot(lua_State *L) {
  static const char fn[] = "record_snapshot";
  static const char *const keys[] = {"timestamp", "nav", "cash", "gross", "net", "positions", NULL};
  fl_store *s = check_store(L, fn);
  fl_check_args(L, 2, fn, keys);
  lua_settop(L, 2);
  folio_store_snapshot snap;
  memset(&snap, 0, sizeof snap);
  snap.timestamp = check_time(L, 2, fn, "timestamp", 1, 0);
  snap.nav = fl_req_number(L, 2, fn, "nav");
  snap.cash = fl_opt_number(L, 2, fn, "cash", 0.0);
  snap.gross = fl_opt_number(L, 2, fn, "gross", 0.0);
  snap.net = fl_opt_number(L, 2, fn, "net", 0.0);
  snap.positions_json = opt_json(L, 2, fn, "positions");
  int64_t id = 0;
  folio_error err;
  if (folio_store_record_snapshot(s->st, &snap, &id, &err) != FOLIO_OK) return fl_core_error(L, fn, &err);
  lua_pushinteger(L, (lua_Integer)id);
  return 1;
}

/* st:save_checkpoint{asof, state} -> id */
static int st_save_checkpoint(lua_State *L) {
  static const char fn[] = "save_checkpoint";
  static const char *const keys[] = {"asof", "state", NULL};
  fl_store *s = check_store(L, fn);
  fl_check_args(L, 2, fn, keys);
  lua_settop(L, 2);
  int64_t asof = check_time(L, 2, fn, "asof", 1, 0);
  if (lua_getfield(L, 2, "state") == LUA_TNIL) fl_argerror(L, fn, "state is required");
  lua_pop(L, 1);
  const char *state = opt_json(L, 2, fn, "state");
  int64_t id = 0;
  folio_error err;
  if (folio_store_save_checkpoint(s->st, asof, state, &id, &err) != FOLIO_OK)
    return fl_core_error(L, fn, &err);
  lua_pushinteger(L, (lua_Integer)id);
  return 1;
}

/* st:load_checkpoint() -> {id, asof, state} or nil */
static int st_load_checkpoint(lua_State *L) {
  static const char fn[] = "load_checkpoint";
  fl_store *s = check_store(L, fn);
  fl_box *box = fl_box_push(L, release_checkpoint);
  folio_store_checkpoint *cp = NULL;
  folio_error err;
  if (folio_store_load_checkpoint(s->st, &cp, &err) != FOLIO_OK) return fl_core_error(L, fn, &err);
  box->p = cp;
  if (!cp) {
    lua_pushnil(L);
    return 1;
  }
  lua_createtable(L, 0, 3);
  fl_set_integer(L, "id", (lua_Integer)cp->id);
  fl_set_integer(L, "asof", (lua_Integer)cp->asof);
  set_payload(L, "state", cp->state_json, fn);
  return 1;
}

/* st:checkpoints{after = 0} -> {{id, asof, state}, ...} by id: every
 * checkpoint saved after the one with id `after` */
static int st_checkpoints(lua_State *L) {
  static const char fn[] = "checkpoints";
  static const char *const keys[] = {"after", NULL};
  fl_store *s = check_store(L, fn);
  lua_Integer after = 0;
  if (!lua_isnoneornil(L, 2)) {
    fl_check_args(L, 2, fn, keys);
    lua_settop(L, 2);
    if (lua_getfield(L, 2, "after") != LUA_TNIL) {
      int isint = 0;
      after = lua_tointegerx(L, -1, &isint);
      if (!isint || after < 0) fl_argerror(L, fn, "after must be a checkpoint id >= 0");
    }
    lua_pop(L, 1);
  }
  fl_box *box = fl_box_push(L, release_checkpoint_list);
  folio_store_checkpoint_list *list = NULL;
  folio_error err;
  if (folio_store_checkpoints(s->st, (int64_t)after, &list, &err) != FOLIO_OK) return fl_core_error(L, fn, &err);
  box->p = list;
  lua_createtable(L, list->count > (size_t)INT_MAX ? INT_MAX : (int)list->count, 0);
  for (size_t i = 0; i < list->count; i++) {
    const folio_store_checkpoint *cp = &list->items[i];
    lua_createtable(L, 0, 3);
    fl_set_integer(L, "id", (lua_Integer)cp->id);
    fl_set_integer(L, "asof", (lua_Integer)cp->asof);
    set_payload(L, "state", cp->state_json, fn);
    lua_rawseti(L, -2, (lua_Integer)i + 1);
  }
  return 1;
}

/* st:latest_snapshot() -> {id, timestamp, nav, cash, gross, net, positions} or nil */
static int st_latest_snapshot(lua_State *L) {
  static const char fn[] = "latest_snapshot";
  fl_store *s = check_store(L, fn);
  fl_box *box = fl_box_push(L, release_snapshot);
  folio_store_snapshot *snap = NULL;
  folio_error err;
  if (folio_store_latest_snapshot(s->st, &snap, &err) != FOLIO_OK) return fl_core_error(L, fn, &err);
  box->p = snap;
  if (!snap) {
    lua_pushnil(L);
    return 1;
  }
  lua_createtable(L, 0, 7);
  fl_set_integer(L, "id", (lua_Integer)snap->id);
  fl_set_integer(L, "timestamp", (lua_Integer)snap->timestamp);
  const double v[4] = {snap->nav, snap->cash, snap->gross, snap->net};
  static const char *const names[4] = {"nav", "cash", "gross", "net"};
  for (int i = 0; i < 4; i++) fl_set_number(L, names[i], v[i]);
  set_payload(L, "positions", snap->positions_json, fn);
  return 1;
}

/* st:turnover_since{asof, days = 7} -> Σ turnover over (asof - days, asof] */
static int st_turnover_since(lua_State *L) {
  static const char fn[] = "turnover_since";
  static const char *const keys[] = {"asof", "days", NULL};
  fl_store *s = check_store(L, fn);
  fl_check_args(L, 2, fn, keys);
  int64_t asof = check_time(L, 2, fn, "asof", 1, 0);
  double days = fl_opt_number(L, 2, fn, "days", 7.0);
  if (days < 0) fl_argerror(L, fn, "days must be >= 0, got %f", days);
  double total = 0;
  folio_error err;
  if (folio_store_turnover_since(s->st, asof, days, &total, &err) != FOLIO_OK)
    return fl_core_error(L, fn, &err);
  lua_pushnumber(L, total);
  return 1;
}

/* st:rebalances{from = -inf, to = +inf} -> array of records, by asof then id */
static int st_rebalances(lua_State *L) {
  static const char fn[] = "rebalances";
  static const char *const keys[] = {"from", "to", NULL};
  fl_store *s = check_store(L, fn);
  if (lua_isnoneornil(L, 2)) {
    lua_settop(L, 1);
    lua_newtable(L);
  }
  fl_check_args(L, 2, fn, keys);
  lua_settop(L, 2);
  int64_t from = check_time(L, 2, fn, "from", 0, INT64_MIN);
  int64_t to = check_time(L, 2, fn, "to", 0, INT64_MAX);
  if (from > to) fl_argerror(L, fn, "from is after to");
  fl_box *box = fl_box_push(L, release_list);
  folio_store_rebalance_list *list = NULL;
  folio_error err;
  if (folio_store_rebalances(s->st, from, to, &list, &err) != FOLIO_OK) return fl_core_error(L, fn, &err);
  box->p = list;
  lua_createtable(L, (int)(list->count < 1u << 20 ? list->count : 1u << 20), 0);
  for (size_t i = 0; i < list->count; i++) {
    const folio_store_rebalance *r = &list->items[i];
    lua_createtable(L, 0, 9);
    fl_set_integer(L, "id", (lua_Integer)r->id);
    fl_set_integer(L, "asof", (lua_Integer)r->asof);
    lua_pushstring(L, r->fund);
    lua_setfield(L, -2, "fund");
    fl_set_string(L, "inputs_digest", r->inputs_digest); /* absent when NULL */
    set_payload(L, "composite", r->composite_json, fn);
    set_payload(L, "allocations", r->allocations_json, fn);
    set_payload(L, "orders", r->orders_json, fn);
    set_payload(L, "decisions", r->decisions_json, fn);
    fl_set_number(L, "turnover", r->turnover);
    fl_set_string(L, "run_key", r->run_key); /* absent when NULL */
    lua_rawseti(L, -2, (lua_Integer)i + 1);
  }
  return 1;
}

/* ==== runs and the run lock ================================================ */

/* st:lock{holder = "..."} -> true; raises "<path> is locked by another run: <holder> ..." */
static int st_lock(lua_State *L) {
  static const char fn[] = "lock";
  static const char *const keys[] = {"holder", NULL};
  fl_store *s = check_store(L, fn);
  fl_check_args(L, 2, fn, keys);
  const char *holder = fl_opt_string(L, 2, fn, "holder", NULL);
  if (!holder || !*holder) fl_argerror(L, fn, "holder is required (who runs, e.g. \"folio rebalance pid 42\")");
  folio_error err;
  if (folio_store_lock(s->st, holder, &err) != FOLIO_OK) return fl_core_error(L, fn, &err);
  lua_pushboolean(L, 1);
  return 1;
}

/* st:unlock() — releases the run lock if this store holds it */
static int st_unlock(lua_State *L) {
  fl_store *s = check_store(L, "unlock");
  folio_store_unlock(s->st);
  return 0;
}

/* Pushes field `key` of the order table at idx (orders[i]) and checks its
 * type; returns 0 when it is absent and not required (nil pushed). */
static int order_field(lua_State *L, int idx, size_t i, const char *key, int type, int required) {
  int t = lua_getfield(L, idx, key); /* [..., v] */
  if (t == LUA_TNIL && !required) return 0;
  if (t != type)
    fl_argerror(L, "open_run", "orders[%d].%s must be a %s, got %s", (int)i, key, lua_typename(L, type),
                luaL_typename(L, -1));
  return 1;
}

/* st:open_run{key, fund, asof, inputs_digest, orders = {{seq, client_id, symbol, side,
 *             quantity, price, notional, weight}, ...}} -> existed (boolean) */
static int st_open_run(lua_State *L) {
  static const char fn[] = "open_run";
  static const char *const keys[] = {"key", "fund", "asof", "inputs_digest", "orders", NULL};
  static const char *const order_keys[] = {"seq", "client_id", "symbol", "side", "quantity",
                                           "price", "notional", "weight", NULL};
  fl_store *s = check_store(L, fn);
  fl_check_args(L, 2, fn, keys);
  lua_settop(L, 2);
  folio_store_run run;
  memset(&run, 0, sizeof run);
  run.key = fl_opt_string(L, 2, fn, "key", NULL);
  if (!run.key || !*run.key) fl_argerror(L, fn, "key is required (a non-empty idempotency key)");
  run.fund = fl_opt_string(L, 2, fn, "fund", NULL);
  if (!run.fund || !*run.fund) fl_argerror(L, fn, "fund is required (a non-empty name)");
  run.asof = check_time(L, 2, fn, "asof", 1, 0);
  run.inputs_digest = fl_opt_string(L, 2, fn, "inputs_digest", NULL);
  if (lua_getfield(L, 2, "orders") != LUA_TTABLE) /* [args, orders] */
    fl_argerror(L, fn, "orders must be an array of order tables, got %s", luaL_typename(L, -1));
  size_t n = (size_t)lua_rawlen(L, 3);
  lua_pushnil(L);
  while (lua_next(L, 3)) { /* [args, orders, k, v]: only 1..n */
    if (!lua_isinteger(L, -2) || lua_tointeger(L, -2) < 1 || (size_t)lua_tointeger(L, -2) > n)
      fl_argerror(L, fn, "orders must be an array 1..n (found key %s)", luaL_tolstring(L, -2, NULL));
    lua_pop(L, 1);
  }
  folio_store_order *orders = fl_scratch(L, n, sizeof *orders); /* [args, orders, scratch] */
  for (size_t i = 1; i <= n; i++) {
    if (lua_rawgeti(L, 3, (lua_Integer)i) != LUA_TTABLE) /* [..., o] */
      fl_argerror(L, fn, "orders[%d] must be a table, got %s", (int)i, luaL_typename(L, -1));
    int o = lua_gettop(L);
    char where[32];
    snprintf(where, sizeof where, "orders[%d]", (int)i);
    fl_check_keys(L, o, fn, where, order_keys);
    folio_store_order *x = &orders[i - 1];
    memset(x, 0, sizeof *x);
    x->seq = (int64_t)i; /* default: the position in the array */
    if (order_field(L, o, i, "seq", LUA_TNUMBER, 0)) {
      if (!lua_isinteger(L, -1)) fl_argerror(L, fn, "orders[%d].seq must be an integer", (int)i);
      x->seq = (int64_t)lua_tointeger(L, -1);
    }
    lua_pop(L, 1);
    /* strings stay anchored by the order table, itself anchored by args */
    order_field(L, o, i, "client_id", LUA_TSTRING, 1);
    x->client_id = lua_tostring(L, -1);
    order_field(L, o, i, "symbol", LUA_TSTRING, 1);
    x->symbol = lua_tostring(L, -1);
    order_field(L, o, i, "side", LUA_TSTRING, 1);
    x->side = lua_tostring(L, -1);
    lua_pop(L, 3);
    static const char *const nums[4] = {"quantity", "price", "notional", "weight"};
    double v[4];
    for (int k = 0; k < 4; k++) {
      order_field(L, o, i, nums[k], LUA_TNUMBER, 1);
      v[k] = lua_tonumber(L, -1);
      lua_pop(L, 1);
    }
    x->quantity = v[0], x->price = v[1], x->notional = v[2], x->weight = v[3];
    lua_pop(L, 1); /* [args, orders, scratch] */
  }
  run.n_orders = n;
  run.orders = orders;
  int existed = 0;
  folio_error err;
  if (folio_store_run_open(s->st, &run, &existed, &err) != FOLIO_OK) return fl_core_error(L, fn, &err);
  lua_pushboolean(L, existed);
  return 1;
}

/* st:run(key) -> nil or {key, state, fund, asof, inputs_digest, created, rebalance_id,
 *                        orders = {{seq, client_id, symbol, side, quantity, price, notional,
 *                                   weight, state, submitted_at}, ...}} */
static int st_run(lua_State *L) {
  static const char fn[] = "run";
  fl_store *s = check_store(L, fn);
  const char *key = luaL_checkstring(L, 2);
  if (!*key) fl_argerror(L, fn, "key is empty");
  fl_box *box = fl_box_push(L, release_run);
  folio_store_run_info *info = NULL;
  folio_error err;
  folio_status st = folio_store_run_get(s->st, key, &info, &err);
  if (st == FOLIO_ENOTFOUND) {
    lua_pushnil(L);
    return 1;
  }
  if (st != FOLIO_OK) return fl_core_error(L, fn, &err);
  box->p = info;
  lua_createtable(L, 0, 8);
  fl_set_string(L, "key", info->key);
  fl_set_string(L, "state", info->state);
  fl_set_string(L, "fund", info->fund);
  fl_set_integer(L, "asof", (lua_Integer)info->asof);
  fl_set_string(L, "inputs_digest", info->inputs_digest);
  fl_set_integer(L, "created", (lua_Integer)info->created);
  if (info->rebalance_id) fl_set_integer(L, "rebalance_id", (lua_Integer)info->rebalance_id);
  lua_createtable(L, (int)(info->n_orders < 1u << 20 ? info->n_orders : 1u << 20), 0);
  for (size_t i = 0; i < info->n_orders; i++) {
    const folio_store_order *o = &info->orders[i];
    lua_createtable(L, 0, 10);
    fl_set_integer(L, "seq", (lua_Integer)o->seq);
    fl_set_string(L, "client_id", o->client_id);
    fl_set_string(L, "symbol", o->symbol);
    fl_set_string(L, "side", o->side);
    fl_set_number(L, "quantity", o->quantity);
    fl_set_number(L, "price", o->price);
    fl_set_number(L, "notional", o->notional);
    fl_set_number(L, "weight", o->weight);
    int submitted = o->state == FOLIO_STORE_SUBMITTED;
    fl_set_string(L, "state", submitted ? "submitted" : "intended");
    if (submitted) fl_set_integer(L, "submitted_at", (lua_Integer)o->submitted_at);
    lua_rawseti(L, -2, (lua_Integer)i + 1);
  }
  lua_setfield(L, -2, "orders");
  return 1;
}

/* st:mark_submitted{key, client_ids = {...}, when = now} */
static int st_mark_submitted(lua_State *L) {
  static const char fn[] = "mark_submitted";
  static const char *const keys[] = {"key", "client_ids", "when", NULL};
  fl_store *s = check_store(L, fn);
  fl_check_args(L, 2, fn, keys);
  lua_settop(L, 2);
  const char *key = fl_opt_string(L, 2, fn, "key", NULL);
  if (!key || !*key) fl_argerror(L, fn, "key is required (the run's key)");
  int64_t when = check_time(L, 2, fn, "when", 0, (int64_t)time(NULL));
  if (lua_getfield(L, 2, "client_ids") != LUA_TTABLE) /* [args, ids] */
    fl_argerror(L, fn, "client_ids must be an array of strings, got %s", luaL_typename(L, -1));
  size_t n = (size_t)lua_rawlen(L, 3);
  const char **ids = fl_scratch(L, n, sizeof *ids); /* [args, ids, scratch] */
  for (size_t i = 1; i <= n; i++) {
    if (lua_rawgeti(L, 3, (lua_Integer)i) != LUA_TSTRING)
      fl_argerror(L, fn, "client_ids[%d] must be a string, got %s", (int)i, luaL_typename(L, -1));
    ids[i - 1] = lua_tostring(L, -1); /* anchored by the client_ids table */
    lua_pop(L, 1);
  }
  folio_error err;
  if (folio_store_mark_submitted(s->st, key, n, ids, when, &err) != FOLIO_OK) return fl_core_error(L, fn, &err);
  return 0;
}

/* st:count(table) -> rows in "rebalances", "trades", "snapshots", "checkpoints", "runs" or "orders" */
static int st_count(lua_State *L) {
  fl_store *s = check_store(L, "count");
  const char *table = luaL_checkstring(L, 2);
  int64_t n = 0;
  folio_error err;
  if (folio_store_count(s->st, table, &n, &err) != FOLIO_OK) return fl_core_error(L, "count", &err);
  lua_pushinteger(L, (lua_Integer)n);
  return 1;
}

/* st:readonly() -> boolean */
static int st_readonly(lua_State *L) {
  fl_store *s = check_store(L, "readonly");
  lua_pushboolean(L, folio_store_readonly(s->st));
  return 1;
}

/* ==== module functions ===================================================== */

/* folio.store.digest(value) -> 16 hex digits: FNV-1a 64 of the string, or of
 * a table's canonical JSON (encode_json). Stable across runs and machines;
 * NOT cryptographic (it detects changed inputs, not tampering). */
static int s_digest(lua_State *L) {
  luaL_checkany(L, 1);
  size_t n;
  const char *s;
  if (lua_type(L, 1) == LUA_TSTRING)
    s = lua_tolstring(L, 1, &n);
  else {
    fl_json_push_encoded(L, 1, "digest", "value");
    s = lua_tolstring(L, -1, &n);
  }
  fl_pushdigest(L, fl_fnv1a(FL_FNV1A_SEED, s, n));
  return 1;
}

static const luaL_Reg store_methods[] = {
    {"record_rebalance", st_record_rebalance}, {"record_snapshot", st_record_snapshot},
    {"save_checkpoint", st_save_checkpoint},   {"load_checkpoint", st_load_checkpoint},
    {"checkpoints", st_checkpoints},
    {"latest_snapshot", st_latest_snapshot},   {"turnover_since", st_turnover_since},
    {"rebalances", st_rebalances},             {"count", st_count},
    {"readonly", st_readonly},                 {"close", store_close},
    {"lock", st_lock},                         {"unlock", st_unlock},
    {"open_run", st_open_run},                 {"run", st_run},
    {"mark_submitted", st_mark_submitted},
    {NULL, NULL}};

static const luaL_Reg store_funcs[] = {{"open", s_open},
                                       {"digest", s_digest},
                                       {"encode_json", fl_json_encode},
                                       {"decode_json", fl_json_decode},
                                       {NULL, NULL}};

int fl_open_store(lua_State *L) {
  static const luaL_Reg store_meta[] = {
      {"__gc", store_gc}, {"__close", store_close}, {"__tostring", store_tostring}, {NULL, NULL}};
  fl_new_type(L, FL_STORE_MT, store_methods, store_meta, 1);
  luaL_newlib(L, store_funcs);
  return 1;
}
