/*
 * lfolio.c — luaopen_folio: assembles the `folio` module from its C parts
 * (matrix, data, risk_model, sizers, capacity, holding) and runs the pure-Lua
 * parts compiled in from the files in lua/folio/, each of which receives the module
 * table as its argument and adds functions to it.
 */
#include <math.h>

#include "lembedded.h"
#include "lfolio.h"

#ifndef FOLIO_VERSION_STRING
#define FOLIO_VERSION_STRING "0.0.0"
#endif

static const struct {
  const char *name;
  lua_CFunction open;
} submodules[] = {
    {"matrix", fl_open_matrix},   {"data", fl_open_data},         {"risk_model", fl_open_risk_model},
    {"sizers", fl_open_sizers},   {"capacity", fl_open_capacity}, {"holding", fl_open_holding},
};

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
  for (const folio_embedded_script *s = folio_embedded_scripts; s->name; s++) {
    if (luaL_loadbufferx(L, s->source, s->length, lua_pushfstring(L, "=[%s]", s->name), "t") != LUA_OK)
      return lua_error(L);
    lua_remove(L, -2);       /* the chunk name */
    lua_pushvalue(L, mod);
    lua_call(L, 1, 0);       /* chunk(folio) */
  }
  lua_settop(L, mod);
  return 1;
}

void folio_lua_preload(lua_State *L) {
  luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_PRELOAD_TABLE); /* [preload] */
  lua_pushcfunction(L, luaopen_folio);
  lua_setfield(L, -2, "folio");
  lua_pop(L, 1);
}
