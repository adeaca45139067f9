/*
 * lstore.c — folio.store: the event store (core store.h) as a Lua userdata,
 * and the JSON converter between plain Lua data and the store's payloads.
 *
 * JSON (Lua -> text): nil-free plain data only — booleans, strings, numbers
 * (integers as integers, floats in the shortest round-tripping form with a
 * ".0" when integral, so math.type survives a round trip), and tables that are
 * either arrays (keys exactly 1..n) or objects (string keys, written sorted
 * bytewise so the same data always gives the same text). An empty table is
 * written "{}". NaN/Inf, functions, userdata, mixed or non-string keys,
 * cycles and nesting deeper than FOLIO_JSON_MAX_DEPTH are errors naming the
 * path ("composite.w.AAPL is NaN"). Text -> Lua: checked with
 * folio_json_check first, then built (null becomes nil; arrays with nulls
 * have holes). Both directions are bounded by the depth limit, so the C
 * recursion is too.
 *
 * Ownership: the encoder writes into a malloc'd buffer held by a boxed
 * userdata with __gc, and every core result (a malloc'd snapshot, checkpoint
 * or list) is boxed the same way before any Lua allocation, so an error raised
 * half-way (bad value, out of memory, instruction budget) leaks nothing.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lfolio.h"

#define FL_STORE_MT "folio.store"
#define FL_JSONBUF_MT "folio.jsonbuf"
#define FL_RESULTBOX_MT "folio.storeresult"

/* ==== boxes ================================================================ */

typedef struct jsonbuf {
  char *p;
  size_t n, cap;
} jsonbuf;

static int jsonbuf_gc(lua_State *L) {
  jsonbuf *b = luaL_checkudata(L, 1, FL_JSONBUF_MT);
  free(b->p);
  b->p = NULL;
  b->n = b->cap = 0;
  return 0;
}

/* A core result and the function that frees it. */
typedef struct resultbox {
  void *p;
  void (*release)(void *);
} resultbox;

static int resultbox_gc(lua_State *L) {
  resultbox *b = luaL_checkudata(L, 1, FL_RESULTBOX_MT);
  if (b->p && b->release) b->release(b->p);
  b->p = NULL;
  return 0;
}

static resultbox *push_resultbox(lua_State *L, void (*release)(void *)) {
  resultbox *b = lua_newuserdatauv(L, sizeof *b, 0);
  b->p = NULL;
  b->release = release;
  luaL_setmetatable(L, FL_RESULTBOX_MT);
  return b;
}

static void release_snapshot(void *p) { folio_store_snapshot_free(p); }
static void release_checkpoint(void *p) { folio_store_checkpoint_free(p); }
static void release_list(void *p) { folio_store_rebalance_list_free(p); }

/* ==== JSON: Lua -> text ==================================================== */

static void jb_add(lua_State *L, jsonbuf *b, const char *s, size_t n) {
  if (n > b->cap - b->n) {
    size_t cap = b->cap ? b->cap : 256;
    while (cap - b->n < n) {
      if (cap > SIZE_MAX / 2) luaL_error(L, "json: text too large");
      cap *= 2;
    }
    char *p = realloc(b->p, cap);
    if (!p) luaL_error(L, "json: out of memory");
    b->p = p;
    b->cap = cap;
  }
  memcpy(b->p + b->n, s, n);
  b->n += n;
}

static void jb_str(lua_State *L, jsonbuf *b, const char *s) { jb_add(L, b, s, strlen(s)); }

static void jb_quote(lua_State *L, jsonbuf *b, const char *s, size_t n) {
  jb_add(L, b, "\"", 1);
  size_t run = 0; /* bytes copied verbatim in one go */
  for (size_t i = 0; i < n; i++) {
    unsigned char ch = (unsigned char)s[i];
    const char *esc = NULL;
    char u[8];
    switch (ch) {
    case '"': esc = "\\\""; break;
    case '\\': esc = "\\\\"; break;
    case '\n': esc = "\\n"; break;
    case '\r': esc = "\\r"; break;
    case '\t': esc = "\\t"; break;
    case '\b': esc = "\\b"; break;
    case '\f': esc = "\\f"; break;
    default:
      if (ch < 0x20) {
        snprintf(u, sizeof u, "\\u%04x", ch);
        esc = u;
      }
    }
    if (esc) {
      jb_add(L, b, s + i - run, run);
      run = 0;
      jb_str(L, b, esc);
    } else {
      run++;
    }
  }
  jb_add(L, b, s + n - run, run);
  jb_add(L, b, "\"", 1);
}

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

static int cmp_keystr(const void *a, const void *b) {
  const char *const *x = a, *const *y = b;
  return strcmp(*x, *y);
}

/* Encodes the value at idx (absolute); `seen` (absolute) maps tables being
 * encoded to true, for cycles. */
static void encode(lua_State *L, int idx, jsonbuf *b, jpath *jp, int seen, const char *fname) {
  switch (lua_type(L, idx)) {
  case LUA_TBOOLEAN:
    jb_str(L, b, lua_toboolean(L, idx) ? "true" : "false");
    return;
  case LUA_TSTRING: {
    size_t n;
    const char *s = lua_tolstring(L, idx, &n);
    jb_quote(L, b, s, n);
    return;
  }
  case LUA_TNUMBER: {
    char num[FOLIO_JSON_NUMBER_MAX];
    if (lua_isinteger(L, idx)) {
      snprintf(num, sizeof num, "%lld", (long long)lua_tointeger(L, idx));
    } else {
      double x = lua_tonumber(L, idx);
      if (folio_json_number(x, num, NULL) != FOLIO_OK)
        luaL_error(L, "%s: %s is %s (JSON cannot carry NaN or Inf)", fname, path_string(L, jp),
                   isnan(x) ? "NaN" : "infinite");
    }
    jb_str(L, b, num);
    return;
  }
  case LUA_TTABLE:
    break;
  default:
    luaL_error(L, "%s: %s is a %s (only booleans, numbers, strings and tables can be stored)",
               fname, path_string(L, jp), luaL_typename(L, idx));
  }
  if (jp->depth >= FOLIO_JSON_MAX_DEPTH)
    luaL_error(L, "%s: %s nests deeper than %d levels", fname, path_string(L, jp),
               FOLIO_JSON_MAX_DEPTH);
  lua_pushvalue(L, idx);
  if (lua_rawget(L, seen) != LUA_TNIL)
    luaL_error(L, "%s: %s contains itself (a cycle cannot be stored)", fname, path_string(L, jp));
  lua_pop(L, 1);
  luaL_checkstack(L, 8, "json: nesting");
  lua_pushvalue(L, idx);
  lua_pushboolean(L, 1);
  lua_rawset(L, seen);
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
      luaL_error(L, "%s: %s has a key of type %s (tables are arrays 1..n or have string keys)",
                 fname, path_string(L, jp), what);
    }
  }
  if (n_str == 0 && n > 0 && max_int != n)
    luaL_error(L, "%s: %s is an array with holes (keys must be 1..n)", fname, path_string(L, jp));
  if (n_str != 0 && n_str != (size_t)n)
    luaL_error(L, "%s: %s mixes string and number keys", fname, path_string(L, jp));
  int level = jp->depth++;
  if (n_str == 0 && n > 0) {
    jb_add(L, b, "[", 1);
    for (lua_Integer i = 1; i <= n; i++) {
      if (i > 1) jb_add(L, b, ",", 1);
      jp->key[level] = NULL;
      jp->index[level] = i;
      lua_rawgeti(L, idx, i);
      encode(L, lua_gettop(L), b, jp, seen, fname);
      lua_pop(L, 1);
    }
    jb_add(L, b, "]", 1);
  } else {
    const char **keys = fl_scratch(L, n_str, sizeof *keys); /* keys anchored by the table */
    int keys_idx = lua_gettop(L);
    size_t k = 0;
    lua_pushnil(L);
    while (lua_next(L, idx)) {
      lua_pop(L, 1);
      if (k < n_str) keys[k++] = lua_tostring(L, -1);
    }
    if (k != n_str) luaL_error(L, "%s: %s changed while it was encoded", fname, path_string(L, jp));
    qsort(keys, n_str, sizeof *keys, cmp_keystr);
    jb_add(L, b, "{", 1);
    for (size_t i = 0; i < n_str; i++) {
      if (i) jb_add(L, b, ",", 1);
      size_t klen = 0;
      lua_pushstring(L, keys[i]);
      const char *ks = lua_tolstring(L, -1, &klen);
      jb_quote(L, b, ks, klen);
      jb_add(L, b, ":", 1);
      jp->key[level] = keys[i];
      lua_rawget(L, idx);
      encode(L, lua_gettop(L), b, jp, seen, fname);
      lua_pop(L, 1);
    }
    jb_add(L, b, "}", 1);
    lua_remove(L, keys_idx);
  }
  jp->depth--;
  lua_pushvalue(L, idx);
  lua_pushnil(L);
  lua_rawset(L, seen);
}

/* Pushes the JSON text of the value at idx; `root` names it in messages. */
static const char *push_json(lua_State *L, int idx, const char *fname, const char *root) {
  idx = lua_absindex(L, idx);
  jsonbuf *b = lua_newuserdatauv(L, sizeof *b, 0); /* [.., box] */
  memset(b, 0, sizeof *b);
  luaL_setmetatable(L, FL_JSONBUF_MT);
  lua_newtable(L); /* [.., box, seen] */
  jpath jp;
  jp.root = root;
  jp.depth = 0;
  encode(L, idx, b, &jp, lua_gettop(L), fname);
  lua_pop(L, 1);
  lua_pushlstring(L, b->p ? b->p : "", b->n); /* [.., box, text] */
  free(b->p); /* early: the text now lives in the string */
  b->p = NULL;
  b->n = b->cap = 0;
  lua_remove(L, -2);
  return lua_tostring(L, -1);
}

/* ==== JSON: text -> Lua ==================================================== */

typedef struct jreader {
  const char *p, *end;
} jreader;

static void rd_ws(jreader *r) {
  while (r->p < r->end && (*r->p == ' ' || *r->p == '\t' || *r->p == '\n' || *r->p == '\r')) r->p++;
}

static unsigned hex4(const char *s) {
  unsigned v = 0;
  for (int i = 0; i < 4; i++) {
    char c = s[i];
    v = v * 16 + (unsigned)(c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10);
  }
  return v;
}

static void add_utf8(luaL_Buffer *b, unsigned long cp) {
  char out[4];
  int n;
  if (cp < 0x80) { out[0] = (char)cp; n = 1; }
  else if (cp < 0x800) { out[0] = (char)(0xC0 | (cp >> 6)); out[1] = (char)(0x80 | (cp & 0x3F)); n = 2; }
  else if (cp < 0x10000) {
    out[0] = (char)(0xE0 | (cp >> 12)); out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[2] = (char)(0x80 | (cp & 0x3F)); n = 3;
  } else {
    out[0] = (char)(0xF0 | (cp >> 18)); out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3F)); out[3] = (char)(0x80 | (cp & 0x3F)); n = 4;
  }
  luaL_addlstring(b, out, (size_t)n);
}

/* Pushes the string at r->p (the text was checked, so it is well formed). */
static void rd_string(lua_State *L, jreader *r) {
  luaL_Buffer b;
  luaL_buffinit(L, &b);
  r->p++;
  for (;;) {
    const char *run = r->p;
    while (*r->p != '"' && *r->p != '\\') r->p++;
    luaL_addlstring(&b, run, (size_t)(r->p - run));
    if (*r->p == '"') break;
    r->p++; /* the backslash */
    char c = *r->p++;
    switch (c) {
    case 'b': luaL_addchar(&b, '\b'); break;
    case 'f': luaL_addchar(&b, '\f'); break;
    case 'n': luaL_addchar(&b, '\n'); break;
    case 'r': luaL_addchar(&b, '\r'); break;
    case 't': luaL_addchar(&b, '\t'); break;
    case 'u': {
      unsigned long cp = hex4(r->p);
      r->p += 4;
      if (cp >= 0xD800 && cp <= 0xDBFF && r->end - r->p >= 6 && r->p[0] == '\\' && r->p[1] == 'u') {
        unsigned long lo = hex4(r->p + 2);
        if (lo >= 0xDC00 && lo <= 0xDFFF) {
          cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
          r->p += 6;
        }
      }
      if (cp >= 0xD800 && cp <= 0xDFFF) cp = 0xFFFD; /* a lone surrogate */
      add_utf8(&b, cp);
      break;
    }
    default: luaL_addchar(&b, c); break; /* " \ / */
    }
  }
  r->p++;
  luaL_pushresult(&b);
}

/* Pushes the value at r->p; returns 0 for null (pushes nil). */
static int rd_value(lua_State *L, jreader *r) {
  rd_ws(r);
  char c = *r->p;
  if (c == '"') {
    rd_string(L, r);
  } else if (c == '{' || c == '[') {
    luaL_checkstack(L, 6, "json: nesting");
    char close = c == '{' ? '}' : ']';
    lua_newtable(L);
    r->p++;
    rd_ws(r);
    lua_Integer i = 0;
    if (*r->p == close) {
      r->p++;
      return 1;
    }
    for (;;) {
      rd_ws(r);
      if (c == '{') {
        rd_string(L, r); /* [t, key] */
        rd_ws(r);
        r->p++; /* ':' */
        if (rd_value(L, r)) lua_rawset(L, -3);
        else lua_pop(L, 2);
      } else {
        ++i;
        if (rd_value(L, r)) lua_rawseti(L, -2, i);
        else lua_pop(L, 1);
      }
      rd_ws(r);
      if (*r->p++ == close) break; /* else ',' */
    }
  } else if (c == 't') {
    lua_pushboolean(L, 1);
    r->p += 4;
  } else if (c == 'f') {
    lua_pushboolean(L, 0);
    r->p += 5;
  } else if (c == 'n') {
    lua_pushnil(L);
    r->p += 4;
    return 0;
  } else {
    const char *start = r->p;
    while (r->p < r->end && strchr("+-0123456789.eE", *r->p) && *r->p) r->p++;
    char num[64];
    size_t n = (size_t)(r->p - start);
    if (n < sizeof num) {
      memcpy(num, start, n);
      num[n] = '\0';
      if (lua_stringtonumber(L, num) == 0) lua_pushnumber(L, strtod(num, NULL));
    } else {
      lua_pushlstring(L, start, n); /* absurdly long digits: strtod on a NUL-terminated copy */
      lua_pushnumber(L, strtod(lua_tostring(L, -1), NULL));
      lua_remove(L, -2);
    }
  }
  return 1;
}

/* Pushes the Lua value of JSON text (nil for SQL NULL); raises if malformed. */
static void push_decoded(lua_State *L, const char *text, const char *fname, const char *what) {
  if (!text) {
    lua_pushnil(L);
    return;
  }
  size_t n = strlen(text);
  folio_error err;
  if (folio_json_check(text, n, &err) != FOLIO_OK)
    luaL_error(L, "%s: %s is not valid JSON (%s)", fname, what, err.message);
  jreader r = {text, text + n};
  rd_value(L, &r);
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
  fl_check_args(L, 1, "store.open", keys);
  const char *path = fl_opt_string(L, 1, "store.open", "path", NULL);
  if (!path || !*path) fl_argerror(L, "store.open", "path is required (a file name)");
  int readonly = fl_opt_boolean(L, 1, "store.open", "readonly", 0);
  int create = fl_opt_boolean(L, 1, "store.open", "create", 1);
  long long busy = fl_opt_integer(L, 1, "store.open", "busy_timeout_ms", 2000, 0, 600000);
  fl_check_read_path(L, "store.open", path);
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
  const char *text = push_json(L, -1, fname, key);
  lua_remove(L, -2);
  return text;
}

/* st:record_rebalance{asof, fund, inputs_digest, composite, allocations, orders,
 *                     decisions, turnover, trades = {SYM = weight_change}} -> id */
static int st_record_rebalance(lua_State *L) {
  static const char fn[] = "record_rebalance";
  static const char *const keys[] = {"asof", "fund", "inputs_digest", "composite", "allocations",
                                     "orders", "decisions", "turnover", "trades", NULL};
  fl_store *s = check_store(L, fn);
  fl_check_args(L, 2, fn, keys);
  lua_settop(L, 2);
  folio_store_rebalance rec;
  memset(&rec, 0, sizeof rec);
  rec.asof = check_time(L, 2, fn, "asof", 1, 0);
  rec.fund = fl_opt_string(L, 2, fn, "fund", NULL);
  if (!rec.fund || !*rec.fund) fl_argerror(L, fn, "fund is required (a non-empty name)");
  rec.inputs_digest = fl_opt_string(L, 2, fn, "inputs_digest", NULL);
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
  resultbox *box = push_resultbox(L, release_checkpoint);
  folio_store_checkpoint *cp = NULL;
  folio_error err;
  if (folio_store_load_checkpoint(s->st, &cp, &err) != FOLIO_OK) return fl_core_error(L, fn, &err);
  box->p = cp;
  if (!cp) {
    lua_pushnil(L);
    return 1;
  }
  lua_createtable(L, 0, 3);
  lua_pushinteger(L, (lua_Integer)cp->id);
  lua_setfield(L, -2, "id");
  lua_pushinteger(L, (lua_Integer)cp->asof);
  lua_setfield(L, -2, "asof");
  push_decoded(L, cp->state_json, fn, "state");
  lua_setfield(L, -2, "state");
  return 1;
}

/* st:latest_snapshot() -> {id, timestamp, nav, cash, gross, net, positions} or nil */
static int st_latest_snapshot(lua_State *L) {
  static const char fn[] = "latest_snapshot";
  fl_store *s = check_store(L, fn);
  resultbox *box = push_resultbox(L, release_snapshot);
  folio_store_snapshot *snap = NULL;
  folio_error err;
  if (folio_store_latest_snapshot(s->st, &snap, &err) != FOLIO_OK) return fl_core_error(L, fn, &err);
  box->p = snap;
  if (!snap) {
    lua_pushnil(L);
    return 1;
  }
  lua_createtable(L, 0, 7);
  lua_pushinteger(L, (lua_Integer)snap->id);
  lua_setfield(L, -2, "id");
  lua_pushinteger(L, (lua_Integer)snap->timestamp);
  lua_setfield(L, -2, "timestamp");
  const double v[4] = {snap->nav, snap->cash, snap->gross, snap->net};
  static const char *const names[4] = {"nav", "cash", "gross", "net"};
  for (int i = 0; i < 4; i++) {
    lua_pushnumber(L, v[i]);
    lua_setfield(L, -2, names[i]);
  }
  push_decoded(L, snap->positions_json, fn, "positions");
  lua_setfield(L, -2, "positions");
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
  resultbox *box = push_resultbox(L, release_list);
  folio_store_rebalance_list *list = NULL;
  folio_error err;
  if (folio_store_rebalances(s->st, from, to, &list, &err) != FOLIO_OK) return fl_core_error(L, fn, &err);
  box->p = list;
  lua_createtable(L, (int)(list->count < 1u << 20 ? list->count : 1u << 20), 0);
  for (size_t i = 0; i < list->count; i++) {
    const folio_store_rebalance *r = &list->items[i];
    lua_createtable(L, 0, 9);
    lua_pushinteger(L, (lua_Integer)r->id);
    lua_setfield(L, -2, "id");
    lua_pushinteger(L, (lua_Integer)r->asof);
    lua_setfield(L, -2, "asof");
    lua_pushstring(L, r->fund);
    lua_setfield(L, -2, "fund");
    if (r->inputs_digest) {
      lua_pushstring(L, r->inputs_digest);
      lua_setfield(L, -2, "inputs_digest");
    }
    push_decoded(L, r->composite_json, fn, "composite");
    lua_setfield(L, -2, "composite");
    push_decoded(L, r->allocations_json, fn, "allocations");
    lua_setfield(L, -2, "allocations");
    push_decoded(L, r->orders_json, fn, "orders");
    lua_setfield(L, -2, "orders");
    push_decoded(L, r->decisions_json, fn, "decisions");
    lua_setfield(L, -2, "decisions");
    lua_pushnumber(L, r->turnover);
    lua_setfield(L, -2, "turnover");
    lua_rawseti(L, -2, (lua_Integer)i + 1);
  }
  return 1;
}

/* st:count(table) -> rows in "rebalances", "trades", "snapshots" or "checkpoints" */
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

/* folio.store.encode_json(value) -> text (sorted keys, see the file comment) */
static int s_encode_json(lua_State *L) {
  luaL_checkany(L, 1);
  push_json(L, 1, "encode_json", "value");
  return 1;
}

/* folio.store.decode_json(text) -> value */
static int s_decode_json(lua_State *L) {
  const char *text = luaL_checkstring(L, 1);
  size_t n = lua_rawlen(L, 1);
  if (strlen(text) != n) luaL_error(L, "decode_json: text contains a NUL byte");
  push_decoded(L, text, "decode_json", "text");
  return 1;
}

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
    push_json(L, 1, "digest", "value");
    s = lua_tolstring(L, -1, &n);
  }
  uint64_t h = 0xcbf29ce484222325ull;
  for (size_t i = 0; i < n; i++) {
    h ^= (unsigned char)s[i];
    h *= 0x100000001b3ull;
  }
  char hex[17];
  snprintf(hex, sizeof hex, "%016llx", (unsigned long long)h);
  lua_pushstring(L, hex);
  return 1;
}

static const luaL_Reg store_methods[] = {
    {"record_rebalance", st_record_rebalance}, {"record_snapshot", st_record_snapshot},
    {"save_checkpoint", st_save_checkpoint},   {"load_checkpoint", st_load_checkpoint},
    {"latest_snapshot", st_latest_snapshot},   {"turnover_since", st_turnover_since},
    {"rebalances", st_rebalances},             {"count", st_count},
    {"readonly", st_readonly},                 {"close", store_close},
    {NULL, NULL}};

static const luaL_Reg store_funcs[] = {{"open", s_open},
                                       {"digest", s_digest},
                                       {"encode_json", s_encode_json},
                                       {"decode_json", s_decode_json},
                                       {NULL, NULL}};

int fl_open_store(lua_State *L) {
  if (luaL_newmetatable(L, FL_JSONBUF_MT)) {
    lua_pushcfunction(L, jsonbuf_gc);
    lua_setfield(L, -2, "__gc");
    lua_pushliteral(L, "locked");
    lua_setfield(L, -2, "__metatable");
  }
  lua_pop(L, 1);
  if (luaL_newmetatable(L, FL_RESULTBOX_MT)) {
    lua_pushcfunction(L, resultbox_gc);
    lua_setfield(L, -2, "__gc");
    lua_pushliteral(L, "locked");
    lua_setfield(L, -2, "__metatable");
  }
  lua_pop(L, 1);
  if (luaL_newmetatable(L, FL_STORE_MT)) {
    luaL_newlib(L, store_methods);
    lua_setfield(L, -2, "__index");
    lua_pushcfunction(L, store_gc);
    lua_setfield(L, -2, "__gc");
    lua_pushcfunction(L, store_close);
    lua_setfield(L, -2, "__close");
    lua_pushcfunction(L, store_tostring);
    lua_setfield(L, -2, "__tostring");
    lua_pushliteral(L, "locked");
    lua_setfield(L, -2, "__metatable");
  }
  lua_pop(L, 1);
  luaL_newlib(L, store_funcs);
  return 1;
}
