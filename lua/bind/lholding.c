/*
 * lholding.c — folio.holding: holding-period buckets.
 */
#include <math.h>

#include "lfolio.h"

static void push_bucket(lua_State *L, const folio_bucket *b) {
  lua_createtable(L, 0, 5);
  lua_pushstring(L, b->name);
  lua_setfield(L, -2, "name");
  fl_set_number(L, "min_days", b->min_days);
  lua_pushnumber(L, b->max_days); /* math.huge for the last bucket */
  lua_setfield(L, -2, "max_days");
  lua_pushstring(L, b->description);
  lua_setfield(L, -2, "description");
  fl_set_integer(L, "rank", (lua_Integer)b->id + 1);
}

/* folio.holding.bucket("weekly") -> {name, min_days, max_days, description, rank} */
static int h_bucket(lua_State *L) {
  const char *name = luaL_checkstring(L, 1);
  folio_bucket b;
  folio_error err;
  if (folio_bucket_by_name(name, &b, &err) != FOLIO_OK) return fl_core_error(L, "bucket", &err);
  push_bucket(L, &b);
  return 1;
}

/* folio.holding.classify(trading_days) -> the bucket a holding period falls in */
static int h_classify(lua_State *L) {
  double days = luaL_checknumber(L, 1);
  folio_bucket b;
  folio_error err;
  if (folio_bucket_for_days(days, &b, &err) != FOLIO_OK) return fl_core_error(L, "classify", &err);
  push_bucket(L, &b);
  return 1;
}

/* folio.holding.buckets() -> every bucket, shortest first */
static int h_buckets(lua_State *L) {
  lua_createtable(L, FOLIO_BUCKET_COUNT, 0);
  for (int i = 0; i < FOLIO_BUCKET_COUNT; i++) {
    folio_bucket b = folio_bucket_at((folio_bucket_id)i);
    push_bucket(L, &b);
    lua_rawseti(L, -2, i + 1);
  }
  return 1;
}

static const luaL_Reg holding_funcs[] = {
    {"bucket", h_bucket}, {"classify", h_classify}, {"buckets", h_buckets}, {NULL, NULL}};

int fl_open_holding(lua_State *L) {
  luaL_newlib(L, holding_funcs);
  return 1;
}
