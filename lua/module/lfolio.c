/*
 * lfolio.c — luaopen_folio: assembles the `folio` module from its C parts
 * (matrix, data, risk_model, sizers, capacity, holding) and runs the pure-Lua
 * parts compiled in from the files in lua/folio/, each of which receives the module
 * table as its argument and adds functions to it.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lembedded.h"
#include "lfolio.h"
#include "folio/numbers.h"

#ifndef FOLIO_VERSION_STRING
#define FOLIO_VERSION_STRING "0.0.0"
#endif

static const struct {
  const char *name;
  lua_CFunction open;
} submodules[] = {
    {"matrix", fl_open_matrix},   {"data", fl_open_data},         {"risk_model", fl_open_risk_model},
    {"sizers", fl_open_sizers},   {"capacity", fl_open_capacity}, {"holding", fl_open_holding},
    {"expected_returns", fl_open_expected_returns},
    {"optimize", fl_open_optimize},
    {"config", fl_open_config},
    {"session", fl_open_session},
    {"hrp", fl_open_hrp},
    {"black_litterman", fl_open_black_litterman},
    {"multi_sleeve", fl_open_multi_sleeve},
    {"orders", fl_open_orders},
    {"guards", fl_open_guards},
    {"state", fl_open_state},
    {"store", fl_open_store},
    {"report", fl_open_report},
    {"allocator", fl_open_allocator},
    {"manager", fl_open_manager},
    {"position_sizers", fl_open_position_sizers},
    {"PortfolioAllocator", fl_open_portfolio_allocator}, /* replaced by folio/portfolio_allocator.lua */
    {"reconcile", fl_open_reconcile},
    {"frontier", fl_open_frontier},           /* the efficient frontier (lfrontier.c) */
    {"performance", fl_open_performance},     /* PyPortfolioOpt's portfolio_performance */
    {"clean_weights", fl_open_clean_weights}, /* PyPortfolioOpt's clean_weights */
    {"capabilities", fl_open_capabilities}, /* what touches files or the process (lcapability.c) */
};

/* folio.sorted_keys(t): the keys of t in a stable, documented order: by type
 * name, then numbers numerically and strings bytewise (strcmp); keys of
 * other types keep no particular order among themselves. Written in C
 * because every result that users read or diff is built in this order. */
typedef struct key_entry {
  const char *type;
  const char *str;
  double num;
  lua_Integer slot;
} key_entry;

static int cmp_keys(const void *pa, const void *pb) {
  const key_entry *a = pa, *b = pb;
  int c = strcmp(a->type, b->type);
  if (c) return c;
  if (a->str && b->str) return strcmp(a->str, b->str);
  if (!a->str && !b->str && a->type[0] == 'n') return (a->num > b->num) - (a->num < b->num);
  return (a->slot > b->slot) - (a->slot < b->slot);
}

static int l_sorted_keys(lua_State *L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  lua_newtable(L); /* [t, keys]: anchors the key strings while they are sorted */
  lua_Integer n = 0;
  lua_pushnil(L);
  while (lua_next(L, 1)) {
    lua_pop(L, 1);
    lua_pushvalue(L, -1);
    lua_rawseti(L, 2, ++n);
  }
  key_entry *e = fl_scratch(L, (size_t)n, sizeof *e); /* [t, keys, scratch] */
  for (lua_Integer i = 0; i < n; i++) {
    int t = lua_rawgeti(L, 2, i + 1);
    e[i].type = lua_typename(L, t);
    e[i].str = t == LUA_TSTRING ? lua_tostring(L, -1) : NULL;
    e[i].num = t == LUA_TNUMBER ? lua_tonumber(L, -1) : 0.0;
    e[i].slot = i + 1;
    lua_pop(L, 1);
  }
  qsort(e, (size_t)n, sizeof *e, cmp_keys);
  lua_createtable(L, (int)n, 0);
  for (lua_Integer i = 0; i < n; i++) {
    lua_rawgeti(L, 2, e[i].slot);
    lua_rawseti(L, -2, i + 1);
  }
  return 1;
}

/* folio.clock() -> seconds on a monotonic clock (for timing phases; the
 * origin is arbitrary, so only differences mean anything). */
static int l_clock(lua_State *L) {
  fl_push_clock(L, CLOCK_MONOTONIC);
  return 1;
}

void fl_push_clock(lua_State *L, int clock_id) {
  struct timespec ts;
  clock_gettime((clockid_t)clock_id, &ts);
  lua_pushnumber(L, (lua_Number)ts.tv_sec + 1e-9 * (lua_Number)ts.tv_nsec);
}

/* The Lua names of the numeric domains (folio/numbers.h), for the Lua parts. */
static const char *const domain_names[] = {"price", "lot",      "quantity", "weight", "usd",
                                           "return", "cov", "variance", "epoch", NULL};
_Static_assert(sizeof domain_names / sizeof *domain_names == FOLIO_DOMAIN_COUNT + 1,
               "one Lua name per folio_domain, in its order");

/* internal.check_number(domain, x, who, what [, symbol]) -> true, or nil,
 * message: the core's one check of a numeric domain (folio_check_number),
 * so the pure-Lua parts (the reconciler) enforce the same bounds and say
 * it in the same words. */
static int l_check_number(lua_State *L) {
  int d = luaL_checkoption(L, 1, NULL, domain_names);
  double x = luaL_checknumber(L, 2);
  const char *who = luaL_checkstring(L, 3), *what = luaL_checkstring(L, 4);
  const char *symbol = luaL_optstring(L, 5, NULL);
  folio_error err;
  if (folio_check_number((folio_domain)d, x, who, what, symbol, &err) == FOLIO_OK) {
    lua_pushboolean(L, 1);
    return 1;
  }
  luaL_pushfail(L);
  lua_pushstring(L, err.message);
  return 2;
}

/* folio.domains: {price = {min =, max =}, ...} (a fresh table, so a script
 * that changes it changes nothing but its copy); variance has zero_ok. */
static void push_domains(lua_State *L) {
  lua_createtable(L, 0, FOLIO_DOMAIN_COUNT);
  for (int d = 0; domain_names[d]; d++) {
    double lo, hi;
    int zero_ok;
    folio_domain_bounds((folio_domain)d, NULL, &lo, &hi, &zero_ok);
    lua_createtable(L, 0, 3);
    lua_pushnumber(L, lo);
    lua_setfield(L, -2, "min");
    lua_pushnumber(L, hi);
    lua_setfield(L, -2, "max");
    if (zero_ok) {
      lua_pushboolean(L, 1);
      lua_setfield(L, -2, "zero_ok");
    }
    lua_setfield(L, -2, domain_names[d]);
  }
}

int luaopen_folio(lua_State *L) {
  lua_createtable(L, 0, 16); /* [folio] */
  int mod = lua_gettop(L);
  /* matrix and data first: other parts extend their metatables */
  for (size_t i = 0; i < sizeof submodules / sizeof submodules[0]; i++) {
    submodules[i].open(L);
    lua_setfield(L, mod, submodules[i].name);
  }
  lua_pushliteral(L, FOLIO_VERSION_STRING);
  lua_setfield(L, mod, "version");
  lua_pushnumber(L, NAN);
  lua_setfield(L, mod, "missing"); /* a NaN for "no value" in signals (excluded names) */
  lua_pushcfunction(L, l_clock);
  lua_setfield(L, mod, "clock");
  lua_pushcfunction(L, l_sorted_keys);
  lua_setfield(L, mod, "sorted_keys"); /* before the Lua parts: they use it */
  lua_pushcfunction(L, fl_discrete_allocation);
  lua_setfield(L, mod, "discrete_allocation"); /* a function, not a module: PyPortfolioOpt's one call */
  lua_newtable(L); /* [folio, internal]: helpers the Lua parts share; scripts never see it */
  int internal = lua_gettop(L);
  lua_pushcfunction(L, fl_may_override);
  lua_setfield(L, internal, "may_override"); /* policy.lua's registry (lcapability.c) */
  lua_pushcfunction(L, l_check_number);
  lua_setfield(L, internal, "check_number");
  push_domains(L);
  lua_setfield(L, mod, "domains");
  for (const folio_embedded_script *s = folio_embedded_scripts; s->name; s++) {
    if (luaL_loadbufferx(L, s->source, s->length, lua_pushfstring(L, "=[%s]", s->name), "t") != LUA_OK)
      return lua_error(L);
    lua_remove(L, -2);       /* the chunk name */
    lua_pushvalue(L, mod);
    lua_pushvalue(L, internal);
    lua_call(L, 2, 0);       /* chunk(folio, internal) */
  }
  lua_getfield(L, internal, "host"); /* the host's entries into policy.lua, out of scripts' reach */
  lua_setfield(L, LUA_REGISTRYINDEX, FL_REG_HOST);
  lua_settop(L, mod);
  return 1;
}

void folio_lua_preload(lua_State *L) {
  luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_PRELOAD_TABLE); /* [preload] */
  lua_pushcfunction(L, luaopen_folio);
  lua_setfield(L, -2, "folio");
  lua_pop(L, 1);
}
