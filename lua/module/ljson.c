/*
 * ljson.c — the converter between plain Lua data and JSON text that the
 * store's payloads, folio.store.encode_json/decode_json and folio.json use;
 * jansson parses and writes, this file maps values and names the path of
 * whatever cannot be converted.
 *
 * Lua -> text: nil-free plain data only — booleans, strings (UTF-8),
 * numbers (integers as integers, floats in the shortest of 15/16/17
 * significant digits that reads back to the same double, with a ".0" when
 * integral so math.type survives a round trip), and tables that are either arrays (keys exactly 1..n) or objects
 * (string keys, written sorted bytewise so the same data always gives the
 * same text). An empty table is written "{}". NaN/Inf, functions, userdata,
 * mixed or non-string keys, cycles, text that is not UTF-8 and nesting
 * deeper than FOLIO_JSON_MAX_DEPTH are errors naming the path
 * ("composite.w.AAPL is NaN"). Text -> Lua: parsed by jansson with folio's
 * limits (folio_i_json_parse), then built (null becomes nil; arrays with
 * nulls have holes). Both directions are bounded by the depth limit, so the
 * C recursion is too.
 *
 * Ownership: the jansson tree being built or read, and the written text, are
 * held by owning boxes (fl_box_push, lbox.c), so an error raised half-way
 * (bad value, out of memory, instruction budget) leaks nothing.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_internal.h"
#include "lfolio.h"
#include "plumbing.h"

/* ==== the boxes ============================================================ */

/* fl_box releases for the jansson tree being built or read and for the
 * written text (json_decref is an inline function of jansson.h). */
static void release_tree(void *p) { json_decref(p); }
static void release_text(void *p) { free(p); }

/* ==== Lua -> JSON ========================================================== */

/* Where the encoder is, for messages: "composite.w.AAPL", "orders[3].qty". */
typedef struct jpath {
  const char *root;
  int depth;
  const char *key[FOLIO_JSON_MAX_DEPTH + 1];
  lua_Integer index[FOLIO_JSON_MAX_DEPTH + 1];
} jpath;

static const char *path_string(lua_State *L, const jpath *jp) {
  luaL_Buffer b;
  luaL_buffinit(L, &b);
  luaL_addstring(&b, jp->root);
  for (int i = 0; i < jp->depth; i++) {
    if (jp->key[i]) {
      luaL_addchar(&b, '.');
      luaL_addstring(&b, jp->key[i]);
    } else {
      char tmp[32];
      snprintf(tmp, sizeof tmp, "[%lld]", (long long)jp->index[i]);
      luaL_addstring(&b, tmp);
    }
  }
  luaL_pushresult(&b);
  return lua_tostring(L, -1);
}

/* The encoder's state: the box owning the tree, the `seen` table (absolute
 * index: tables being encoded -> true, for cycles), the function's name. */
typedef struct jenc {
  fl_box *box; /* owns the tree (box->p, a json_t *) */
  int seen;
  const char *fname;
  jpath jp;
} jenc;

/* Attaches v (a new reference, NULL when jansson refused it) under parent:
 * as key[0..klen) of an object, appended to an array, or as the root. */
static json_t *attach(lua_State *L, jenc *e, json_t *parent, const char *key, size_t klen, json_t *v) {
  if (!v) luaL_error(L, "%s: out of memory", e->fname);
  if (!parent) {
    e->box->p = v;
    return v;
  }
  if (key ? json_object_setn_new(parent, key, klen, v) : json_array_append_new(parent, v))
    luaL_error(L, "%s: %s has a key that is not valid UTF-8 (JSON text is UTF-8)", e->fname,
               path_string(L, &e->jp));
  return v;
}

/* Encodes the value at idx (absolute) and attaches it under parent. */
static void encode(lua_State *L, jenc *e, int idx, json_t *parent, const char *key, size_t klen) {
  jpath *jp = &e->jp;
  const char *fname = e->fname;
  switch (lua_type(L, idx)) {
  case LUA_TBOOLEAN:
    attach(L, e, parent, key, klen, json_boolean(lua_toboolean(L, idx)));
    return;
  case LUA_TSTRING: {
    size_t n;
    const char *s = lua_tolstring(L, idx, &n);
    json_t *v = json_stringn(s, n);
    if (!v) luaL_error(L, "%s: %s is not valid UTF-8 (JSON text is UTF-8)", fname, path_string(L, jp));
    attach(L, e, parent, key, klen, v);
    return;
  }
  case LUA_TNUMBER:
    if (lua_isinteger(L, idx)) {
      attach(L, e, parent, key, klen, json_integer((json_int_t)lua_tointeger(L, idx)));
    } else {
      double x = lua_tonumber(L, idx);
      if (!isfinite(x))
        luaL_error(L, "%s: %s is %s (JSON cannot carry NaN or Inf)", fname, path_string(L, jp),
                   isnan(x) ? "NaN" : "infinite");
      attach(L, e, parent, key, klen, json_real(x));
    }
    return;
  case LUA_TTABLE:
    break;
  default:
    luaL_error(L, "%s: %s is a %s (only booleans, numbers, strings and tables can be stored)", fname,
               path_string(L, jp), luaL_typename(L, idx));
  }
  if (jp->depth >= FOLIO_JSON_MAX_DEPTH)
    luaL_error(L, "%s: %s nests deeper than %d levels", fname, path_string(L, jp), FOLIO_JSON_MAX_DEPTH);
  lua_pushvalue(L, idx);
  if (lua_rawget(L, e->seen) != LUA_TNIL)
    luaL_error(L, "%s: %s contains itself (a cycle cannot be stored)", fname, path_string(L, jp));
  lua_pop(L, 1);
  luaL_checkstack(L, 8, "json: nesting");
  lua_pushvalue(L, idx);
  lua_pushboolean(L, 1);
  lua_rawset(L, e->seen);
  /* classify: array (keys 1..n), object (string keys) or mixed */
  lua_Integer n = 0, max_int = 0;
  size_t n_str = 0;
  lua_pushnil(L);
  while (lua_next(L, idx)) {
    lua_pop(L, 1);
    n++;
    if (lua_type(L, -1) == LUA_TSTRING) {
      n_str++;
    } else if (lua_isinteger(L, -1) && lua_tointeger(L, -1) >= 1) {
      if (lua_tointeger(L, -1) > max_int) max_int = lua_tointeger(L, -1);
    } else {
      const char *what = lua_type(L, -1) == LUA_TNUMBER ? "a non-positive or fractional number"
                                                        : luaL_typename(L, -1);
      luaL_error(L, "%s: %s has a key of type %s (tables are arrays 1..n or have string keys)", fname,
                 path_string(L, jp), what);
    }
  }
  if (n_str == 0 && n > 0 && max_int != n)
    luaL_error(L, "%s: %s is an array with holes (keys must be 1..n)", fname, path_string(L, jp));
  if (n_str != 0 && n_str != (size_t)n) luaL_error(L, "%s: %s mixes string and number keys", fname, path_string(L, jp));
  int is_array = n_str == 0 && n > 0;
  json_t *self = attach(L, e, parent, key, klen, is_array ? json_array() : json_object());
  int level = jp->depth++;
  if (is_array) {
    for (lua_Integer i = 1; i <= n; i++) {
      jp->key[level] = NULL;
      jp->index[level] = i;
      lua_rawgeti(L, idx, i);
      encode(L, e, lua_gettop(L), self, NULL, 0);
      lua_pop(L, 1);
    }
  } else {
    /* keys in sorted order: the first bad value reported is the first in the text */
    const char **keys = fl_scratch(L, n_str, sizeof *keys); /* keys anchored by the table */
    int keys_idx = lua_gettop(L);
    size_t k = 0;
    lua_pushnil(L);
    while (lua_next(L, idx)) {
      lua_pop(L, 1);
      if (k < n_str) keys[k++] = lua_tostring(L, -1);
    }
    if (k != n_str) luaL_error(L, "%s: %s changed while it was encoded", fname, path_string(L, jp));
    qsort(keys, n_str, sizeof *keys, folio_i_cmp_str);
    for (size_t i = 0; i < n_str; i++) {
      size_t klen2 = 0;
      lua_pushstring(L, keys[i]);
      const char *ks = lua_tolstring(L, -1, &klen2);
      jp->key[level] = keys[i];
      lua_pushvalue(L, -1);
      lua_rawget(L, idx);
      encode(L, e, lua_gettop(L), self, ks, klen2);
      lua_pop(L, 2);
    }
    lua_remove(L, keys_idx);
  }
  jp->depth--;
  lua_pushvalue(L, idx);
  lua_pushnil(L);
  lua_rawset(L, e->seen);
}

const char *fl_json_push_encoded(lua_State *L, int idx, const char *fname, const char *root) {
  idx = lua_absindex(L, idx);
  jenc e;
  e.box = fl_box_push(L, release_tree); /* [.., tree box] */
  e.fname = fname;
  e.jp.root = root;
  e.jp.depth = 0;
  lua_newtable(L); /* [.., tree box, seen] */
  e.seen = lua_gettop(L);
  encode(L, &e, idx, NULL, NULL, 0);
  lua_pop(L, 1); /* [.., tree box] */
  fl_box *text_box = fl_box_push(L, release_text); /* [.., tree box, text box] */
  char *text = NULL;
  size_t len = 0;
  folio_error err;
  if (folio_i_json_dump(fname, e.box->p, JSON_COMPACT, &text, &len, &err) != FOLIO_OK)
    luaL_error(L, "%s", err.message);
  text_box->p = text;
  fl_box_release(e.box);                 /* early: the text says it all */
  lua_pushlstring(L, text, len);         /* [.., tree box, text box, text] */
  fl_box_release(text_box);
  lua_rotate(L, -3, 1);                  /* [.., text, tree box, text box] */
  lua_pop(L, 2);                         /* [.., text] */
  return lua_tostring(L, -1);
}

/* ==== JSON -> Lua ========================================================== */

/* Pushes the Lua value of v; returns 0 for null (pushes nil). */
static int decode(lua_State *L, const json_t *v) {
  switch (json_typeof(v)) {
  case JSON_OBJECT: {
    luaL_checkstack(L, 6, "json: nesting");
    lua_createtable(L, 0, (int)(json_object_size(v) < 1u << 20 ? json_object_size(v) : 1u << 20));
    const char *key;
    json_t *x;
    json_object_foreach((json_t *)v, key, x) {
      lua_pushlstring(L, key, json_object_iter_key_len(json_object_key_to_iter(key)));
      if (decode(L, x))
        lua_rawset(L, -3);
      else
        lua_pop(L, 2);
    }
    return 1;
  }
  case JSON_ARRAY: {
    luaL_checkstack(L, 6, "json: nesting");
    lua_createtable(L, (int)(json_array_size(v) < 1u << 20 ? json_array_size(v) : 1u << 20), 0);
    size_t i;
    json_t *x;
    json_array_foreach(v, i, x) {
      if (decode(L, x))
        lua_rawseti(L, -2, (lua_Integer)i + 1);
      else
        lua_pop(L, 1);
    }
    return 1;
  }
  case JSON_STRING:
    lua_pushlstring(L, json_string_value(v), json_string_length(v));
    return 1;
  case JSON_INTEGER:
    lua_pushinteger(L, (lua_Integer)json_integer_value(v));
    return 1;
  case JSON_REAL:
    lua_pushnumber(L, json_real_value(v));
    return 1;
  case JSON_TRUE:
  case JSON_FALSE:
    lua_pushboolean(L, json_is_true(v));
    return 1;
  default:
    lua_pushnil(L);
    return 0;
  }
}

void fl_json_push_decoded(lua_State *L, const char *text, size_t len, const char *fname, const char *what) {
  if (!text) {
    lua_pushnil(L);
    return;
  }
  fl_box *box = fl_box_push(L, release_tree); /* [.., box] */
  json_t *tree = NULL;
  folio_error err;
  if (folio_i_json_parse("json", text, len, 0, &tree, &err) != FOLIO_OK)
    luaL_error(L, "%s: %s is not valid JSON (%s)", fname, what, err.message);
  box->p = tree;
  decode(L, tree);     /* [.., box, value] */
  fl_box_release(box); /* early: the Lua value holds it all */
  lua_remove(L, -2);   /* [.., value] */
}

/* ==== module functions ===================================================== */

int fl_json_encode(lua_State *L) {
  luaL_checkany(L, 1);
  fl_json_push_encoded(L, 1, "encode_json", "value");
  return 1;
}

int fl_json_decode(lua_State *L) {
  size_t n;
  const char *text = luaL_checklstring(L, 1, &n);
  if (strlen(text) != n) luaL_error(L, "decode_json: text contains a NUL byte");
  fl_json_push_decoded(L, text, n, "decode_json", "text");
  return 1;
}
