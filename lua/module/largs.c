/*
 * largs.c — strict named-argument tables and symbol-keyed vectors.
 *
 * Every public Lua function takes one table of named arguments. This file
 * reads them: unknown keys are errors (a typo must never silently fall back
 * to a default), each field is type- and range-checked, and vectors keyed by
 * symbol are read into arrays sorted by symbol so that results never depend
 * on the order in which Lua happens to traverse a table.
 */
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lfolio.h"
#include "plumbing.h"

int fl_argerror(lua_State *L, const char *fname, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  lua_pushvfstring(L, fmt, ap);
  va_end(ap);
  return luaL_error(L, "bad argument #1 to '%s' (%s)", fname, lua_tostring(L, -1));
}

int fl_core_error(lua_State *L, const char *fname, const folio_error *err) {
  const char *msg = err->message[0] ? err->message : folio_status_string(err->status);
  if (err->status == FOLIO_ECANCELED) return fl_cancel_raise(L, msg); /* a budget kill */
  /* core messages already start with the function name; avoid "f: f: ..." */
  size_t n = strlen(fname);
  if (strncmp(msg, fname, n) == 0 && msg[n] == ':') return luaL_error(L, "%s", msg);
  return luaL_error(L, "%s: %s", fname, msg);
}

void fl_check_keys(lua_State *L, int idx, const char *fname, const char *where,
                   const char *const keys[]) {
  idx = lua_absindex(L, idx);
  const char *pre = where ? where : "", *sep = where ? ": " : "";
  lua_pushnil(L);
  while (lua_next(L, idx)) {  /* [key, value] */
    lua_pop(L, 1);            /* [key] */
    if (lua_type(L, -1) != LUA_TSTRING) {
      if (lua_type(L, -1) == LUA_TNUMBER)
        fl_argerror(L, fname, "%s%sunexpected positional value #%s; use named arguments", pre, sep,
                    lua_tostring(L, -1));
      fl_argerror(L, fname, "%s%sunexpected key of type %s", pre, sep, luaL_typename(L, -1));
    }
    const char *k = lua_tostring(L, -1);
    int known = 0;
    for (size_t i = 0; keys[i]; i++)
      if (strcmp(keys[i], k) == 0) { known = 1; break; }
    if (!known) {
      luaL_Buffer b;
      luaL_buffinit(L, &b);
      for (size_t i = 0; keys[i]; i++) {
        if (i) luaL_addstring(&b, ", ");
        luaL_addstring(&b, keys[i]);
      }
      luaL_pushresult(&b);
      fl_argerror(L, fname, "%s%sunknown key '%s' (expected one of: %s)", pre, sep, k,
                  lua_tostring(L, -1));
    }
  }
}

void fl_check_args(lua_State *L, int idx, const char *fname, const char *const keys[]) {
  idx = lua_absindex(L, idx);
  if (lua_type(L, idx) != LUA_TTABLE)
    luaL_error(L, "bad argument #1 to '%s' (table of named arguments expected, got %s)", fname,
               luaL_typename(L, idx));
  fl_check_keys(L, idx, fname, NULL, keys);
}

/* Pushes args[key]; returns its type. */
static int getfield(lua_State *L, int idx, const char *key) {
  return lua_getfield(L, idx, key);
}

/* Pushes args[key]: 1 when it has type `type`, 0 when nil; raises
 * "<key> must be a <what>, got <type>" for anything else. */
static int getfield_typed(lua_State *L, int idx, const char *fname, const char *key, int type,
                          const char *what) {
  int t = getfield(L, idx, key); /* [v] */
  if (t == type) return 1;
  if (t != LUA_TNIL)
    fl_argerror(L, fname, "%s must be a %s, got %s", key, what, luaL_typename(L, -1));
  return 0;
}

int fl_has_field(lua_State *L, int idx, const char *key) {
  int present = getfield(L, idx, key) != LUA_TNIL; /* [v] */
  lua_pop(L, 1);
  return present;
}

double fl_opt_number(lua_State *L, int idx, const char *fname, const char *key, double def) {
  int present = getfield_typed(L, idx, fname, key, LUA_TNUMBER, "number"); /* [v] */
  double v = present ? lua_tonumber(L, -1) : def;
  lua_pop(L, 1);
  if (present && !isfinite(v))
    fl_argerror(L, fname, "%s must be finite, got %f", key, v);
  return v;
}

double fl_req_number(lua_State *L, int idx, const char *fname, const char *key) {
  if (getfield(L, idx, key) == LUA_TNIL) fl_argerror(L, fname, "%s is required", key);
  lua_pop(L, 1);
  return fl_opt_number(L, idx, fname, key, 0.0);
}

double fl_positive(lua_State *L, int idx, const char *fname, const char *key, double def,
                   int required) {
  double v = required ? fl_req_number(L, idx, fname, key) : fl_opt_number(L, idx, fname, key, def);
  if (!(v > 0)) fl_argerror(L, fname, "%s must be > 0, got %f", key, v);
  return v;
}

long long fl_opt_integer(lua_State *L, int idx, const char *fname, const char *key,
                         long long def, long long lo, long long hi) {
  int t = getfield(L, idx, key);
  long long v = def;
  if (t == LUA_TNUMBER) {
    int isint = 0;
    lua_Integer i = lua_tointegerx(L, -1, &isint);
    if (!isint) fl_argerror(L, fname, "%s must be a whole number, got %s", key, lua_tostring(L, -1));
    v = (long long)i;
  } else if (t != LUA_TNIL) {
    fl_argerror(L, fname, "%s must be a whole number, got %s", key, luaL_typename(L, -1));
  }
  lua_pop(L, 1);
  if (v < lo || v > hi)
    fl_argerror(L, fname, "%s must be between %I and %I, got %I", key, (lua_Integer)lo,
                (lua_Integer)hi, (lua_Integer)v);
  return v;
}

long long fl_req_integer(lua_State *L, int idx, const char *fname, const char *key, long long lo,
                         long long hi) {
  if (getfield(L, idx, key) == LUA_TNIL) fl_argerror(L, fname, "%s is required", key);
  lua_pop(L, 1);
  return fl_opt_integer(L, idx, fname, key, 0, lo, hi);
}

const char *fl_opt_string(lua_State *L, int idx, const char *fname, const char *key,
                          const char *def) {
  const char *s = getfield_typed(L, idx, fname, key, LUA_TSTRING, "string")
                      ? lua_tostring(L, -1) /* anchored by the args table */
                      : def;
  lua_pop(L, 1);
  return s;
}

int fl_opt_boolean(lua_State *L, int idx, const char *fname, const char *key, int def) {
  int v = getfield_typed(L, idx, fname, key, LUA_TBOOLEAN, "boolean") ? lua_toboolean(L, -1) : def;
  lua_pop(L, 1);
  return v;
}

int fl_opt_option(lua_State *L, int idx, const char *fname, const char *key, const char *def,
                  const char *const names[]) {
  const char *name = fl_opt_string(L, idx, fname, key, def);
  size_t n = 0;
  for (; names[n]; n++)
    if (strcmp(names[n], name) == 0) return (int)n;
  luaL_Buffer b;
  luaL_buffinit(L, &b);
  for (size_t i = 0; i < n; i++) {
    if (i) luaL_addstring(&b, i + 1 == n ? " or " : ", ");
    luaL_addchar(&b, '\'');
    luaL_addstring(&b, names[i]);
    luaL_addchar(&b, '\'');
  }
  luaL_pushresult(&b);
  return fl_argerror(L, fname, "%s must be %s, got '%s'", key, lua_tostring(L, -1), name);
}

/* fl_opt_repair and fl_opt_missing: one body for the core's typed name parsers. */
#define FL_OPT_PARSED(type, name, parse)                                                    \
  type name(lua_State *L, int idx, const char *fname, const char *key, const char *def) {   \
    type v;                                                                                 \
    folio_error err;                                                                        \
    if (parse(fl_opt_string(L, idx, fname, key, def), &v, &err) != FOLIO_OK)               \
      fl_argerror(L, fname, "%s: %s", key, err.message);                                    \
    return v;                                                                               \
  }
FL_OPT_PARSED(folio_repair, fl_opt_repair, folio_repair_parse)
FL_OPT_PARSED(folio_missing, fl_opt_missing, folio_missing_parse)
#undef FL_OPT_PARSED

void fl_set_number(lua_State *L, const char *key, double v) {
  lua_pushnumber(L, v);
  lua_setfield(L, -2, key);
}

void fl_set_number_unless_nan(lua_State *L, const char *key, double v) {
  if (!isnan(v)) fl_set_number(L, key, v);
}

uint64_t fl_fnv1a(uint64_t h, const void *bytes, size_t n) {
  const unsigned char *p = bytes;
  for (size_t i = 0; i < n; i++) {
    h ^= p[i];
    h *= 0x100000001b3ull;
  }
  return h;
}

void fl_pushdigest(lua_State *L, uint64_t h) {
  char hex[17];
  snprintf(hex, sizeof hex, "%016llx", (unsigned long long)h);
  lua_pushstring(L, hex);
}

void fl_set_integer(lua_State *L, const char *key, lua_Integer v) {
  lua_pushinteger(L, v);
  lua_setfield(L, -2, key);
}

void fl_set_boolean(lua_State *L, const char *key, int v) {
  lua_pushboolean(L, v);
  lua_setfield(L, -2, key);
}

void fl_set_string(lua_State *L, const char *key, const char *v) {
  if (!v) return;
  lua_pushstring(L, v);
  lua_setfield(L, -2, key);
}

void *fl_scratch(lua_State *L, size_t count, size_t elem) {
  if (elem && count > (SIZE_MAX - 64) / elem) luaL_error(L, "folio: scratch size overflows");
  size_t bytes = count * elem;
  return lua_newuserdatauv(L, bytes ? bytes : 1, 0);
}

void *fl_workspace(lua_State *L, size_t bytes) {
  if (bytes == 0) bytes = 1;
  if (lua_getfield(L, LUA_REGISTRYINDEX, "folio.workspace") == LUA_TUSERDATA &&
      lua_rawlen(L, -1) >= bytes)
    return lua_touserdata(L, -1);
  lua_pop(L, 1);
  void *w = fl_scratch(L, bytes, 1);
  lua_pushvalue(L, -1);
  lua_setfield(L, LUA_REGISTRYINDEX, "folio.workspace");
  return w;
}

/* ---- vectors ------------------------------------------------------------ */

typedef struct fl_pair {
  const char *sym; /* first: folio_i_cmp_str orders pairs by it */
  double val;
} fl_pair;
_Static_assert(offsetof(fl_pair, sym) == 0, "fl_pair sorts by its first member");

static fl_vec check_vec(lua_State *L, int args, const char *fname, const char *key, int allow_nan,
                        int sort);

fl_vec fl_check_vec(lua_State *L, int args, const char *fname, const char *key, int allow_nan) {
  return check_vec(L, args, fname, key, allow_nan, 1);
}

fl_vec fl_check_vec_unsorted(lua_State *L, int args, const char *fname, const char *key,
                             int allow_nan) {
  return check_vec(L, args, fname, key, allow_nan, 0);
}

static fl_vec check_vec(lua_State *L, int args, const char *fname, const char *key, int allow_nan,
                        int sort) {
  args = lua_absindex(L, args);
  int t = lua_getfield(L, args, key); /* [tbl] */
  if (t == LUA_TNIL) fl_argerror(L, fname, "%s is required (a table {SYMBOL = number, ...})", key);
  if (t != LUA_TTABLE)
    fl_argerror(L, fname, "%s must be a table {SYMBOL = number, ...}, got %s", key,
                luaL_typename(L, -1));
  int tbl = lua_gettop(L);
  size_t n = 0;
  lua_pushnil(L);
  while (lua_next(L, tbl)) {
    lua_pop(L, 1);
    if (++n > FOLIO_MAX_DIM) fl_argerror(L, fname, "%s has too many entries", key);
  }
  fl_pair *pairs = fl_scratch(L, n, sizeof(fl_pair)); /* [tbl, pairs] */
  size_t i = 0;
  lua_pushnil(L);
  while (lua_next(L, tbl)) { /* [tbl, pairs, k, v] */
    if (lua_type(L, -2) != LUA_TSTRING)
      /* name the key by its type: calling __tostring on a foreign key could run anything */
      fl_argerror(L, fname, "%s: a key of type %s is not a symbol string", key, luaL_typename(L, -2));
    const char *sym = lua_tostring(L, -2);
    if (!*sym) fl_argerror(L, fname, "%s: empty symbol", key);
    if (lua_type(L, -1) != LUA_TNUMBER)
      fl_argerror(L, fname, "%s.%s must be a number, got %s", key, sym, luaL_typename(L, -1));
    double v = lua_tonumber(L, -1);
    if (isinf(v)) fl_argerror(L, fname, "%s.%s is infinite", key, sym);
    if (isnan(v) && !allow_nan) fl_argerror(L, fname, "%s.%s is NaN", key, sym);
    pairs[i].sym = sym;
    pairs[i].val = v;
    i++;
    lua_pop(L, 1);
  }
  if (sort) qsort(pairs, n, sizeof *pairs, folio_i_cmp_str); /* by sym */
  /* Layout: syms[n] then vals[n], in one userdata, replacing the pairs. */
  fl_vec v;
  v.n = n;
  void *block = fl_scratch(L, n, sizeof(char *) + sizeof(double)); /* [tbl, pairs, block] */
  v.syms = (const char **)block;
  v.vals = (double *)((char *)block + n * sizeof(char *));
  for (i = 0; i < n; i++) {
    v.syms[i] = pairs[i].sym;
    v.vals[i] = pairs[i].val;
  }
  lua_remove(L, -2); /* [tbl, block]: the table stays to anchor the key strings */
  return v;
}

long fl_find_sym(const char *const *syms, size_t n, const char *sym) {
  size_t lo = 0, hi = n;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    int c = strcmp(syms[mid], sym);
    if (c == 0) return (long)mid;
    if (c < 0) lo = mid + 1;
    else hi = mid;
  }
  return -1;
}

void fl_push_vec_anchored(lua_State *L, size_t n, const char *const *syms, int anchor_idx,
                          const double *vals, const unsigned char *keep) {
  anchor_idx = lua_absindex(L, anchor_idx);
  if (lua_type(L, anchor_idx) != LUA_TTABLE) {
    fl_push_vec(L, n, syms, vals, keep);
    return;
  }
  lua_createtable(L, 0, (int)(n < 1u << 20 ? n : 1u << 20));
  for (size_t i = 0; i < n; i++) {
    if (keep && !keep[i]) continue;
    if (lua_rawgeti(L, anchor_idx, (lua_Integer)i + 1) != LUA_TSTRING ||
        lua_tostring(L, -1) != syms[i]) { /* not the same string: hash it */
      lua_pop(L, 1);
      lua_pushstring(L, syms[i]);
    }
    lua_pushnumber(L, vals[i]);
    lua_rawset(L, -3);
  }
}

void fl_push_vec(lua_State *L, size_t n, const char *const *syms, const double *vals,
                 const unsigned char *keep) {
  lua_createtable(L, 0, (int)(n < 1u << 20 ? n : 1u << 20));
  for (size_t i = 0; i < n; i++) {
    if (keep && !keep[i]) continue;
    lua_pushnumber(L, vals[i]);
    lua_setfield(L, -2, syms[i]);
  }
}
