/*
 * ltype.c — the metatable of a userdata type (folio.matrix, folio.market,
 * folio.store, folio.guards, ...), registered once per state the same way
 * by every binding that defines one, and the callable module tables
 * (folio.matrix, folio.hrp, folio.black_litterman).
 */
#include "lfolio.h"

void fl_new_type(lua_State *L, const char *tname, const luaL_Reg *methods, const luaL_Reg *meta,
                 int locked) {
  if (luaL_newmetatable(L, tname)) { /* [mt] (__name = tname) */
    if (meta) luaL_setfuncs(L, meta, 0);
    if (methods) {
      lua_newtable(L);               /* [mt, methods] */
      luaL_setfuncs(L, methods, 0);
      lua_setfield(L, -2, "__index"); /* [mt] */
    }
    if (locked) {
      lua_pushliteral(L, "locked");
      lua_setfield(L, -2, "__metatable"); /* getmetatable(x) never exposes the methods */
    }
  }
  lua_pop(L, 1); /* [] */
}

void fl_make_callable(lua_State *L, lua_CFunction call) {
  lua_createtable(L, 0, 2); /* [t, mt] */
  lua_pushcfunction(L, call);
  lua_setfield(L, -2, "__call");
  lua_pushliteral(L, "locked");
  lua_setfield(L, -2, "__metatable");
  lua_setmetatable(L, -2); /* [t] */
}
