/*
 * lbox.c — the one owning userdata "box" every binding uses to hold a
 * malloc'd core object (a parsed config, a CSV frame, an nlopt optimizer, an
 * open folder) while Lua code runs: an error raised half-way (a bad value,
 * out of memory) leaves the object to the box's __gc instead of leaking it.
 */
#include "lfolio.h"

#define FL_BOX_MT "folio.box"

static int box_gc(lua_State *L) {
  fl_box_release(luaL_checkudata(L, 1, FL_BOX_MT));
  return 0;
}

fl_box *fl_box_push(lua_State *L, void (*release)(void *)) {
  fl_box *b = lua_newuserdatauv(L, sizeof *b, 0); /* [box] */
  b->p = NULL;                                     /* harmless before anything is acquired */
  b->release = release;
  static const luaL_Reg box_meta[] = {{"__gc", box_gc}, {NULL, NULL}};
  fl_new_type(L, FL_BOX_MT, NULL, box_meta, 1);
  luaL_setmetatable(L, FL_BOX_MT); /* [box] */
  return b;
}

void fl_box_release(fl_box *b) {
  void *p = b->p;
  b->p = NULL;
  if (p && b->release) b->release(p);
}
