/*
 * sandbox.c — budgets and the sandboxed standard library for policies.
 *
 * What a policy can reach is decided here (docs/sandbox.md lists the
 * threats). Four mechanisms:
 *  - budgets: an allocator that refuses to grow past the memory limit, and a
 *    count hook, installed once and never removed, that raises a unique
 *    error object when the instruction budget or the deadline is exceeded
 *    and re-arms itself at count 1 so any further Lua instruction raises
 *    again (the Redis trick);
 *  - a frozen library: base functions without dofile/loadfile/rawset/rawget,
 *    string without dump, table, math without randomseed, utf8, and
 *    os.time/date/clock only; library tables and the folio module are
 *    read-only proxies, and the string metatable is locked;
 *  - wrappers where a stock function would break the rules: pcall, xpcall
 *    (a kill or an out-of-memory cannot be caught), tostring and print (no
 *    addresses), string.format (no %p, no addresses through %s),
 *    setmetatable (no __gc: finalizers run with hooks off), load (text only),
 *    require (folio and policies/lib only), collectgarbage ("count" only);
 *  - no capability beyond that: every folio function that writes files or
 *    reaches outside the sandbox (lcapability.c's table) is a refusing stub
 *    in the read-only folio, and the readers read as lcapability.c says.
 * Every run and every policy gets a fresh environment whose __index is the
 * frozen library, so nothing a script does to its globals reaches another.
 */
#include <ctype.h>
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "lauxlib.h"
#include "lfolio.h"
#include "sandbox.h"
#include "lualib.h"
#include "plumbing.h"

/* The largest lib/ module require() reads. */
#define FL_MAX_MODULE_BYTES ((size_t)64 << 20)

/* ---- budgets ----------------------------------------------------------------- */

static double monotonic_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void hook(lua_State *L, lua_Debug *ar);

/* A new string of nsize bytes in a sandboxed engine: refused above
 * FL_MAX_STRING; above FL_LONG_STRING the count hook runs more often, in
 * proportion, so that slow instructions on long strings (comparisons) reach
 * a deadline check as soon as cheap ones do. lua_sethook may be called at
 * any point (lua.c calls it from a signal handler). */
static int string_allowed(fl_budget *b, size_t nsize) {
  if (nsize > FL_MAX_STRING + 64) { /* 64: the string's header */
    b->string_capped = 1;
    return 0;
  }
  if (nsize > FL_LONG_STRING && b->L && b->enforce && !b->killed) {
    size_t period = (size_t)FL_HOOK_COUNT * FL_LONG_STRING / nsize;
    int count = period < 1 ? 1 : (int)period;
    if (count < b->hook_count) {
      b->hook_count = count;
      lua_sethook(b->L, hook, LUA_MASKCOUNT, count);
    }
  }
  return 1;
}

void *fl_budget_alloc(void *ud, void *ptr, size_t osize, size_t nsize) {
  fl_budget *b = ud;
  size_t old = ptr ? osize : 0;
  if (nsize == 0) {
    free(ptr);
    b->used -= old;
    return NULL;
  }
  /* a new object: osize is its type (Lua 5.4 manual, lua_Alloc) */
  if (!ptr && osize == LUA_TSTRING && b->L && !string_allowed(b, nsize)) { /* b->L: sandboxed */
    b->refusals++;
    return NULL; /* LUA_ERRMEM, reported as the string cap */
  }
  if (b->limit && nsize > old) {
    size_t extra = nsize - old;
    if (b->used > b->limit || extra > b->limit - b->used) { /* overflow-safe */
      b->refusals++;
      return NULL; /* Lua collects garbage, retries once, then raises LUA_ERRMEM */
    }
  }
  void *p = realloc(ptr, nsize);
  if (!p) {
    b->refusals++;
    return NULL;
  }
  b->used = b->used - old + nsize;
  if (b->used > b->peak) b->peak = b->used;
  return p;
}

fl_budget *fl_budget_of(lua_State *L) { return *(fl_budget **)lua_getextraspace(L); }

static const char kill_key = 'k'; /* its address is the kill object: unique, not forgeable */

void fl_push_kill(lua_State *L) { lua_pushlightuserdata(L, (void *)&kill_key); }

int fl_is_kill(lua_State *L, int idx) {
  return lua_type(L, idx) == LUA_TLIGHTUSERDATA && lua_touserdata(L, idx) == (void *)&kill_key;
}

/* Marks the run killed (why: FL_KILL_TIME or _MEMORY) and raises the kill object; from
 * now on every Lua instruction raises it again (the re-armed hook). */
static int kill_now(lua_State *L, fl_budget *b, int why) {
  if (!b->killed) {
    b->killed = why;
    lua_sethook(L, hook, LUA_MASKCOUNT, 1);
  }
  fl_push_kill(L);
  return lua_error(L);
}

static void hook(lua_State *L, lua_Debug *ar) {
  (void)ar;
  fl_budget *b = fl_budget_of(L);
  if (!b || !b->enforce) return;
  if (!b->killed) {
    b->instructions += (uint64_t)b->hook_count;
    int over = b->max_instructions && b->instructions > b->max_instructions;
    if (!over && b->deadline > 0 && monotonic_now() > b->deadline) over = 1;
    if (!over) return;
  }
  kill_now(L, b, FL_KILL_TIME);
}

void fl_install_hook(lua_State *L) {
  fl_budget *b = fl_budget_of(L);
  if (b) {
    b->L = L;
    b->hook_count = FL_HOOK_COUNT;
  }
  lua_sethook(L, hook, LUA_MASKCOUNT, FL_HOOK_COUNT);
}

void fl_budget_charge(lua_State *L, uint64_t units) {
  fl_budget *b = fl_budget_of(L);
  if (!b || !b->enforce) return;
  if (!b->killed) {
    uint64_t before = b->instructions;
    b->instructions += units;
    int over = b->max_instructions && b->instructions > b->max_instructions;
    if (!over && b->deadline > 0 &&
        (units >= FL_HOOK_COUNT || before / FL_HOOK_COUNT != b->instructions / FL_HOOK_COUNT) &&
        monotonic_now() > b->deadline)
      over = 1;
    if (!over) return;
  }
  kill_now(L, b, FL_KILL_TIME);
}

int fl_budget_kill(lua_State *L, int why) {
  fl_budget *b = fl_budget_of(L);
  if (!b || !b->enforce) return luaL_error(L, "%s", why == FL_KILL_MEMORY ? "not enough memory" : "budget exceeded");
  return kill_now(L, b, why);
}

void fl_budget_begin(fl_budget *b, uint64_t max_instructions, double max_seconds) {
  b->instructions = 0;
  b->max_instructions = max_instructions;
  b->deadline = max_seconds > 0 ? monotonic_now() + max_seconds : 0;
  b->killed = FL_KILL_NONE;
  b->refusals = 0;
  b->string_capped = 0;
  b->log_used = 0;
  b->enforce = 1;
}

void fl_budget_end(fl_budget *b) { b->enforce = 0; }

/* After a protected call failed: is this a kill that must not be caught?
 * Marks the budget and, if so, raises the kill object again. */
static void rethrow_if_fatal(lua_State *L, int status) {
  fl_budget *b = fl_budget_of(L);
  if (!b) return;
  int oom = status == LUA_ERRMEM;
  if (!oom && b->refusals > 0 && lua_type(L, -1) == LUA_TSTRING &&
      strcmp(lua_tostring(L, -1), "not enough memory") == 0)
    oom = 1; /* an OOM that a C function re-raised as a plain error */
  if (oom && b->limit) b->killed = FL_KILL_MEMORY;
  if (b->killed || fl_is_kill(L, -1)) {
    fl_push_kill(L);
    lua_error(L);
  }
  if (status == LUA_ERRERR) lua_error(L); /* "error in error handling" is not catchable either */
}

/* ---- the message handler ----------------------------------------------------- */

int fl_call_stock(lua_State *L, int nresults) {
  lua_pushvalue(L, lua_upvalueindex(1));
  lua_insert(L, 1);
  lua_call(L, lua_gettop(L) - 1, nresults);
  return nresults == LUA_MULTRET ? lua_gettop(L) : nresults;
}

int fl_msghandler(lua_State *L) {
  char buf[1024 + 4];
  const char *msg;
  fl_budget *b = fl_budget_of(L);
  if (fl_is_kill(L, 1))
    msg = b && b->killed == FL_KILL_MEMORY
              ? (b->string_capped ? "memory budget exceeded: " FL_STRING_CAP_TEXT : "memory budget exceeded")
              : "instruction budget or deadline exceeded";
  else if (lua_type(L, 1) == LUA_TSTRING)
    msg = lua_tostring(L, 1);
  else if (lua_type(L, 1) == LUA_TNUMBER)
    msg = lua_tostring(L, 1); /* numbers convert without metamethods */
  else
    msg = lua_pushfstring(L, "(error object is a %s value)", luaL_typename(L, 1));
  /* Bounded and printable: a message is data from the script, not trusted text. */
  size_t n = 0;
  for (const char *p = msg; *p && n < 1024; p++)
    buf[n++] = (*p == '\n' || *p == '\t' || !iscntrl((unsigned char)*p)) ? *p : '?';
  if (msg[n] != '\0') memcpy(buf + n, "...", 3), n += 3;
  buf[n] = '\0';
  luaL_traceback(L, L, buf, 1);
  return 1;
}

/* ---- safe replacements -------------------------------------------------------- */

/* Pushes a string for the value at idx without ever revealing an address:
 * __tostring if the value has one, else the type name for reference types. */
static const char *safe_tostring(lua_State *L, int idx) {
  idx = lua_absindex(L, idx);
  switch (lua_type(L, idx)) {
    case LUA_TNIL: case LUA_TBOOLEAN: case LUA_TNUMBER: case LUA_TSTRING:
      return luaL_tolstring(L, idx, NULL);
    default:
      if (luaL_getmetafield(L, idx, "__tostring") != LUA_TNIL) {
        lua_pushvalue(L, idx);
        lua_call(L, 1, 1);
        if (lua_type(L, -1) != LUA_TSTRING) luaL_error(L, "'__tostring' must return a string");
        return lua_tostring(L, -1);
      }
      lua_pushstring(L, luaL_typename(L, idx));
      return lua_tostring(L, -1);
  }
}

static int sb_tostring(lua_State *L) {
  luaL_checkany(L, 1);
  safe_tostring(L, 1);
  return 1;
}

static int sb_print(lua_State *L) {
  int n = lua_gettop(L);
  luaL_Buffer buf;
  luaL_buffinit(L, &buf);
  for (int i = 1; i <= n; i++) {
    if (i > 1) luaL_addchar(&buf, '\t');
    safe_tostring(L, i);
    luaL_addvalue(&buf);
  }
  luaL_addchar(&buf, '\n');
  luaL_pushresult(&buf);
  size_t len;
  const char *s = lua_tolstring(L, -1, &len);
  fl_budget *b = fl_budget_of(L);
  if (b && b->log) {
    if (b->log_limit && b->log_used + len > b->log_limit) {
      if (b->log_used <= b->log_limit) {
        static const char cut[] = "[folio: print output truncated]\n";
        b->log(b->log_ud, cut, sizeof cut - 1);
        b->log_used = b->log_limit + 1;
      }
    } else {
      b->log(b->log_ud, s, len);
      b->log_used += len;
    }
  }
  return 0;
}

/* The results of a failed protected call, as pcall returns them: a kill or
 * a memory error goes on up; anything else is [.., msg] -> [.., false, msg]. */
static int pcall_failed(lua_State *L, int status) {
  rethrow_if_fatal(L, status);
  lua_pushboolean(L, 0); /* [.., msg, false] */
  lua_insert(L, -2);     /* [.., false, msg] */
  return 2;
}

static int sb_pcall(lua_State *L) {
  luaL_checkany(L, 1);
  int status = lua_pcall(L, lua_gettop(L) - 1, LUA_MULTRET, 0);
  if (status != LUA_OK) return pcall_failed(L, status);
  lua_pushboolean(L, 1);
  lua_insert(L, 1);
  return lua_gettop(L);
}

/* The user's message handler runs only for ordinary errors: a kill passes
 * through untouched (upvalue 1 = the user's handler). */
static int guarded_handler(lua_State *L) {
  fl_budget *b = fl_budget_of(L);
  if (fl_is_kill(L, 1) || (b && b->killed)) {
    lua_settop(L, 1);
    return 1;
  }
  return fl_call_stock(L, 1);
}

static int sb_xpcall(lua_State *L) {
  int n = lua_gettop(L);
  luaL_checktype(L, 2, LUA_TFUNCTION);
  lua_pushvalue(L, 2);
  lua_pushcclosure(L, guarded_handler, 1); /* [f, h, args..., gh] */
  lua_replace(L, 2);                       /* [f, gh, args...] */
  lua_pushvalue(L, 1);
  lua_rotate(L, 3, 1);                     /* [f, gh, f, args...] */
  int status = lua_pcall(L, n - 2, LUA_MULTRET, 2);
  if (status != LUA_OK) return pcall_failed(L, status);
  lua_pushboolean(L, 1);
  lua_replace(L, 2);
  return lua_gettop(L) - 1;
}

static int sb_setmetatable(lua_State *L) {
  if (lua_type(L, 2) == LUA_TTABLE) {
    if (lua_getfield(L, 2, "__gc") != LUA_TNIL)
      return luaL_error(L, "setmetatable: __gc metamethods are not allowed in policies "
                           "(finalizers run outside the instruction budget)");
    lua_pop(L, 1);
  }
  return fl_call_stock(L, 1); /* the real setmetatable */
}

static int sb_collectgarbage(lua_State *L) {
  const char *opt = luaL_optstring(L, 1, "count");
  if (strcmp(opt, "count") != 0)
    return luaL_error(L, "collectgarbage: only \"count\" is available to policies");
  lua_pushnumber(L, (lua_Number)lua_gc(L, LUA_GCCOUNT, 0) + lua_gc(L, LUA_GCCOUNTB, 0) / 1024.0);
  return 1;
}

/* load(text [, chunkname [, mode [, env]]]): text only, binary chunks refused
 * whatever `mode` says; env defaults to the run's environment. */
static int sb_load(lua_State *L) {
  size_t len;
  const char *s = lua_tolstring(L, 1, &len);
  if (!s || lua_type(L, 1) != LUA_TSTRING)
    return luaL_error(L, "load: policies may only load source text (a string)");
  const char *name = luaL_optstring(L, 2, s);
  fl_budget_charge(L, len / 4 + 1); /* the parser runs in C: charge it up front */
  char why[200];
  if (fl_source_check(s, len, why, sizeof why)) {
    luaL_pushfail(L);
    lua_pushstring(L, why);
    return 2;
  }
  int status = luaL_loadbufferx(L, s, len, name, "t");
  if (status != LUA_OK) {
    luaL_pushfail(L);
    lua_insert(L, -2);
    return 2;
  }
  if (lua_type(L, 4) == LUA_TTABLE)
    lua_pushvalue(L, 4);
  else
    lua_getfield(L, LUA_REGISTRYINDEX, "folio.sandbox.runenv");
  if (!lua_setupvalue(L, -2, 1)) lua_pop(L, 1);
  return 1;
}

/* string.format without %p and without addresses through %s. */
static int sb_format(lua_State *L) {
  size_t len;
  const char *fmt = luaL_checklstring(L, 1, &len);
  int arg = 1;
  for (size_t i = 0; i < len; i++) {
    if (fmt[i] != '%') continue;
    if (++i < len && fmt[i] == '%') continue;
    while (i < len && strchr("-+ #0123456789.", fmt[i])) i++;
    if (i >= len) break; /* the real format reports it */
    arg++;
    if (fmt[i] == 'p')
      return luaL_error(L, "string.format: '%%p' is not available (addresses are hidden)");
    if (fmt[i] == 's' && arg <= lua_gettop(L) && lua_type(L, arg) != LUA_TSTRING &&
        lua_type(L, arg) != LUA_TNUMBER) {
      safe_tostring(L, arg);
      lua_replace(L, arg);
    }
  }
  lua_pushvalue(L, lua_upvalueindex(1)); /* the real string.format */
  lua_insert(L, 1);
  lua_call(L, lua_gettop(L) - 1, 1);
  return 1;
}

/* ---- require ------------------------------------------------------------------ */

static int valid_module_name(const char *s) {
  if (!*s) return 0;
  for (const char *p = s; *p; p++) {
    if (*p == '.') {
      if (p == s || p[1] == '\0' || p[1] == '.') return 0;
    } else if (!isalnum((unsigned char)*p) && *p != '_') {
      return 0;
    }
  }
  return 1;
}

static void release_text(void *p) { free(p); }

/* Reads a whole file into a Lua string on the stack (folio_i_read_file: a
 * regular file, size-bounded, no blocking on a FIFO); returns 0 if there is
 * nothing at path, raises an error naming it if it cannot be read. The text
 * is owned by a collectable box (fl_box_push) until it is a Lua string, so
 * running out of memory (LUA_ERRMEM, as before) leaks nothing. */
static int push_file(lua_State *L, const char *path) {
  struct stat sb;
  if (stat(path, &sb) != 0) return 0;
  fl_box *box = fl_box_push(L, release_text); /* [box] */
  char *text = NULL;
  size_t len = 0;
  folio_error err;
  if (folio_i_read_file("require", path, FL_MAX_MODULE_BYTES, &text, &len, &err) != FOLIO_OK)
    return luaL_error(L, "%s", err.message);
  box->p = text;                /* owned by the box from here on */
  lua_pushlstring(L, text, len); /* [box, source] */
  fl_box_release(box);           /* early: the Lua string holds the text */
  lua_remove(L, -2);             /* [source] */
  return 1;
}

/* require(name): "folio", or policies/lib/<name>.lua from the policy
 * folders (dots become slashes), loaded once per engine as text in its own
 * frozen environment. The path never comes from the environment. */
static int sb_require(lua_State *L) {
  const char *name = luaL_checkstring(L, 1);
  if (strcmp(name, "folio") == 0) {
    lua_getfield(L, LUA_REGISTRYINDEX, FL_REG_G0);
    lua_getfield(L, -1, "folio");
    return 1;
  }
  if (!valid_module_name(name))
    return luaL_error(L, "require: invalid module name '%s'", name);
  lua_getfield(L, LUA_REGISTRYINDEX, FL_REG_LOADED); /* [name, loaded] */
  if (lua_getfield(L, -1, name) != LUA_TNIL) return 1;
  lua_pop(L, 1);
  luaL_Buffer rel;
  luaL_buffinit(L, &rel);
  for (const char *p = name; *p; p++) luaL_addchar(&rel, *p == '.' ? '/' : *p);
  luaL_pushresult(&rel); /* [name, loaded, rel] */
  lua_getfield(L, LUA_REGISTRYINDEX, FL_REG_POLDIRS);
  int dirs = lua_gettop(L);
  lua_Integer n = lua_type(L, dirs) == LUA_TTABLE ? (lua_Integer)lua_rawlen(L, dirs) : 0;
  for (lua_Integer i = 1; i <= n; i++) {
    lua_rawgeti(L, dirs, i);
    const char *path = lua_pushfstring(L, "%s/lib/%s.lua", lua_tostring(L, -1), lua_tostring(L, dirs - 1));
    if (!push_file(L, path)) {
      lua_pop(L, 2);
      continue;
    }
    size_t len;
    const char *src = lua_tolstring(L, -1, &len);
    const char *chunk = lua_pushfstring(L, "@%s", path);
    char why[200];
    if (fl_source_check(src, len, why, sizeof why)) return luaL_error(L, "require: %s: %s", path, why);
    if (luaL_loadbufferx(L, src, len, chunk, "t") != LUA_OK) return lua_error(L);
    fl_sandbox_new_env(L);      /* [.., fn, env] */
    lua_pushvalue(L, -1);
    lua_setupvalue(L, -3, 1);   /* fn's _ENV = env */
    lua_insert(L, -2);          /* [.., env, fn] */
    int env = lua_gettop(L) - 1;
    lua_pushstring(L, name);
    lua_call(L, 1, 1);          /* [.., env, result] */
    fl_sandbox_freeze_env(L, env);
    if (lua_isnil(L, -1)) {
      lua_pop(L, 1);
      lua_pushboolean(L, 1);
    }
    lua_pushvalue(L, -1);
    lua_setfield(L, 2, name);   /* loaded[name] = result */
    return 1;
  }
  return luaL_error(L, "require: module '%s' not found (policies may require \"folio\" and "
                       "modules in the policies' lib/ folders)", name);
}

/* ---- read-only proxies --------------------------------------------------------- */

static int ro_newindex(lua_State *L) {
  return luaL_error(L, "attempt to modify read-only table '%s' (key '%s')",
                    lua_tostring(L, lua_upvalueindex(1)),
                    lua_type(L, 2) == LUA_TSTRING ? lua_tostring(L, 2) : luaL_typename(L, 2));
}

static int ro_len(lua_State *L) {
  lua_pushinteger(L, (lua_Integer)lua_rawlen(L, lua_upvalueindex(1)));
  return 1;
}

static int ro_pairs(lua_State *L) {
  lua_getfield(L, LUA_REGISTRYINDEX, "folio.sandbox.next");
  lua_pushvalue(L, lua_upvalueindex(1));
  lua_pushnil(L);
  return 3;
}

/* A callable table (folio.matrix) keeps working through its proxy. */
static int ro_call(lua_State *L) {
  lua_pushvalue(L, lua_upvalueindex(1)); /* the real table */
  lua_replace(L, 1);
  if (luaL_getmetafield(L, 1, "__call") == LUA_TNIL) return luaL_error(L, "attempt to call a table");
  lua_insert(L, 1);
  lua_call(L, lua_gettop(L) - 1, LUA_MULTRET);
  return lua_gettop(L);
}

/* Pushes a read-only proxy of the table at idx. Nested tables get proxies
 * too (cache = table real -> proxy at cache_idx, so shared tables and cycles
 * map to one proxy). `skip` names fields left out (NULL-terminated). */
static void push_proxy(lua_State *L, int idx, const char *name, int cache_idx,
                       const char *const *skip, int depth) {
  idx = lua_absindex(L, idx);
  lua_pushvalue(L, idx);
  if (lua_rawget(L, cache_idx) != LUA_TNIL) return;
  lua_pop(L, 1);
  luaL_checkstack(L, 8, "proxy");
  lua_newtable(L); /* [proxy] */
  int proxy = lua_gettop(L);
  lua_pushvalue(L, idx);
  lua_pushvalue(L, proxy);
  lua_rawset(L, cache_idx);
  lua_newtable(L); /* [proxy, shadow] */
  int shadow = lua_gettop(L);
  lua_pushnil(L);
  while (lua_next(L, idx)) { /* [proxy, shadow, k, v] */
    int skipped = 0;
    if (skip && lua_type(L, -2) == LUA_TSTRING)
      for (size_t i = 0; skip[i]; i++)
        if (strcmp(skip[i], lua_tostring(L, -2)) == 0) skipped = 1;
    if (!skipped) {
      lua_pushvalue(L, -2);
      if (lua_type(L, -2) == LUA_TTABLE && depth < 6) {
        const char *sub = lua_type(L, -1) == LUA_TSTRING
                              ? lua_pushfstring(L, "%s.%s", name, lua_tostring(L, -1))
                              : lua_pushfstring(L, "%s[]", name);
        push_proxy(L, -3, sub, cache_idx, NULL, depth + 1); /* [.., k, v, k, sub, pv] */
        lua_remove(L, -2);
      } else {
        lua_pushvalue(L, -2);
      }
      lua_rawset(L, shadow);
    }
    lua_pop(L, 1);
  }
  lua_createtable(L, 0, 6); /* [proxy, shadow, mt] */
  lua_pushvalue(L, shadow);
  lua_setfield(L, -2, "__index");
  lua_pushstring(L, name);
  lua_pushcclosure(L, ro_newindex, 1);
  lua_setfield(L, -2, "__newindex");
  lua_pushvalue(L, shadow);
  lua_pushcclosure(L, ro_pairs, 1);
  lua_setfield(L, -2, "__pairs");
  lua_pushvalue(L, shadow);
  lua_pushcclosure(L, ro_len, 1);
  lua_setfield(L, -2, "__len");
  if (luaL_getmetafield(L, idx, "__call") != LUA_TNIL) {
    lua_pop(L, 1);
    lua_pushvalue(L, idx);
    lua_pushcclosure(L, ro_call, 1);
    lua_setfield(L, -2, "__call");
  }
  lua_pushboolean(L, 0);
  lua_setfield(L, -2, "__metatable"); /* getmetatable(proxy) == false */
  lua_setmetatable(L, proxy);
  lua_settop(L, proxy);
}

/* g0[name] = the read-only proxy of the table at idx (without the keys in skip). */
static void set_proxy(lua_State *L, int g0, int idx, const char *name, int cache_idx,
                      const char *const *skip) {
  push_proxy(L, idx, name, cache_idx, skip, 0); /* [.., proxy] */
  lua_setfield(L, g0, name);                    /* [..] */
}

/* ---- capabilities ---------------------------------------------------------------- */

/* Replaces, in the read-only `folio` the sandbox hands out, every function
 * the capability table (lcapability.c) refuses with a stub that raises
 * "<name>: needs a trusted engine ...". The real module keeps the real
 * functions, and the writers check for themselves, so module code that
 * reaches one (folio.rebalance.run opening a store) is refused too.
 * module = the real folio table, cache = real table -> proxy. */
static void refuse_capabilities(lua_State *L, int module, int cache) {
  for (const fl_capability *c = fl_capabilities(); c->name; c++) {
    if (!c->refused) continue;
    const char *dot = strchr(c->name, '.');
    lua_pushvalue(L, module); /* [parent] */
    if (dot) {
      lua_pushlstring(L, c->name, (size_t)(dot - c->name));
      lua_rawget(L, -2);      /* [module, parent] */
      lua_remove(L, -2);      /* [parent] */
    }
    lua_rawget(L, cache);     /* [proxy of parent] */
    if (!lua_istable(L, -1) || !lua_getmetatable(L, -1) ||          /* [proxy, mt] */
        lua_getfield(L, -1, "__index") != LUA_TTABLE) {             /* [proxy, mt, shadow] */
      luaL_error(L, "sandbox: the capability table names '%s', which folio lacks", c->name);
    }
    const char *key = dot ? dot + 1 : c->name;
    if (lua_getfield(L, -1, key) != LUA_TFUNCTION)                   /* [proxy, mt, shadow, f] */
      luaL_error(L, "sandbox: the capability table names '%s', which is not a folio function", c->name);
    lua_pop(L, 1);
    fl_push_refused(L, c);
    lua_setfield(L, -2, key); /* shadow[key] = stub */
    lua_pop(L, 3);
  }
}

/* ---- assembling the sandbox ---------------------------------------------------- */

static void open_lib(lua_State *L, const char *name, lua_CFunction f) {
  luaL_requiref(L, name, f, 1);
  lua_pop(L, 1);
}

void fl_sandbox_open(lua_State *L, int trusted) {
  lua_pushboolean(L, 1);
  lua_setfield(L, LUA_REGISTRYINDEX, "LUA_NOENV"); /* no LUA_PATH/LUA_INIT from the environment */
  if (trusted) {
    luaL_openlibs(L);
    folio_lua_preload(L);
    luaL_requiref(L, "folio", luaopen_folio, 1);
    lua_setfield(L, LUA_REGISTRYINDEX, FL_REG_MODULE);
    return;
  }
  open_lib(L, LUA_GNAME, luaopen_base);
  open_lib(L, LUA_TABLIBNAME, luaopen_table);
  open_lib(L, LUA_STRLIBNAME, luaopen_string);
  open_lib(L, LUA_MATHLIBNAME, luaopen_math);
  open_lib(L, LUA_UTF8LIBNAME, luaopen_utf8);
  open_lib(L, LUA_OSLIBNAME, luaopen_os);
  luaL_requiref(L, "folio", luaopen_folio, 0); /* the module runs with the real globals */
  lua_setfield(L, LUA_REGISTRYINDEX, FL_REG_MODULE);
  lua_newtable(L);
  lua_setfield(L, LUA_REGISTRYINDEX, FL_REG_LOADED);

  lua_pushglobaltable(L);
  int G = lua_gettop(L);
  lua_getfield(L, G, "next");
  lua_setfield(L, LUA_REGISTRYINDEX, "folio.sandbox.next");
  lua_newtable(L); /* proxy cache */
  int cache = lua_gettop(L);
  lua_createtable(L, 0, 32); /* G0 */
  int g0 = lua_gettop(L);

  static const char *const plain[] = {"assert", "error", "ipairs", "next", "pairs", "select",
                                      "tonumber", "type", "rawequal", "rawlen", "getmetatable",
                                      "_VERSION", NULL};
  for (size_t i = 0; plain[i]; i++) {
    lua_getfield(L, G, plain[i]);
    lua_setfield(L, g0, plain[i]);
  }
  static const luaL_Reg wrapped[] = {{"pcall", sb_pcall},       {"xpcall", sb_xpcall},
                                     {"tostring", sb_tostring}, {"print", sb_print},
                                     {"load", sb_load},         {"require", sb_require},
                                     {"collectgarbage", sb_collectgarbage}, {NULL, NULL}};
  for (const luaL_Reg *r = wrapped; r->name; r++) {
    lua_pushcfunction(L, r->func);
    lua_setfield(L, g0, r->name);
  }
  lua_getfield(L, G, "setmetatable");
  lua_pushcclosure(L, sb_setmetatable, 1);
  lua_setfield(L, g0, "setmetatable");

  /* string: without dump, with the guarded format */
  lua_getfield(L, G, LUA_STRLIBNAME);
  int str = lua_gettop(L);
  lua_getfield(L, str, "format");
  lua_pushcclosure(L, sb_format, 1);
  lua_setfield(L, str, "format"); /* the state's own string table: module code uses it too */
  fl_bound_string_lib(L, str); /* patterns and rep: work in C the hook cannot see */
  static const char *const no_dump[] = {"dump", NULL};
  set_proxy(L, g0, str, "string", cache, no_dump);
  lua_pop(L, 1);
  static const char *const math_skip[] = {"randomseed", NULL};
  lua_getfield(L, G, LUA_MATHLIBNAME);
  lua_getfield(L, -1, "randomseed");
  lua_setfield(L, LUA_REGISTRYINDEX, "folio.sandbox.randomseed");
  set_proxy(L, g0, -1, "math", cache, math_skip);
  lua_pop(L, 1);
  for (const char *const *lib = (const char *const[]){LUA_TABLIBNAME, LUA_UTF8LIBNAME, NULL}; *lib;
       lib++) {
    lua_getfield(L, G, *lib); /* [.., lib] */
    if (strcmp(*lib, LUA_TABLIBNAME) == 0) fl_bound_table_lib(L, lua_gettop(L)); /* module code too */
    set_proxy(L, g0, -1, *lib, cache, NULL);
    lua_pop(L, 1);
  }
  /* os: time, date and clock only (a time-only subset) */
  lua_getfield(L, G, LUA_OSLIBNAME);
  lua_createtable(L, 0, 3);
  for (const char *const *k = (const char *const[]){"time", "date", "clock", NULL}; *k; k++) {
    lua_getfield(L, -2, *k);
    lua_setfield(L, -2, *k);
  }
  fl_bound_os_lib(L, lua_gettop(L));
  set_proxy(L, g0, -1, "os", cache, NULL);
  lua_pop(L, 2);
  lua_getfield(L, LUA_REGISTRYINDEX, FL_REG_MODULE);
  set_proxy(L, g0, -1, "folio", cache, NULL);
  refuse_capabilities(L, lua_gettop(L), cache);
  lua_pop(L, 1);

  /* the string metatable: methods through the proxy, metatable hidden */
  lua_pushliteral(L, "");
  lua_getmetatable(L, -1);
  lua_getfield(L, g0, "string");
  lua_setfield(L, -2, "__index");
  lua_pushboolean(L, 0);
  lua_setfield(L, -2, "__metatable");
  lua_pop(L, 2);

  lua_pushvalue(L, g0);
  lua_setfield(L, LUA_REGISTRYINDEX, FL_REG_G0);
  lua_settop(L, G - 1);
}

int fl_sandboxed(lua_State *L) {
  int sandboxed = lua_getfield(L, LUA_REGISTRYINDEX, FL_REG_G0) != LUA_TNIL; /* [G0?] */
  lua_pop(L, 1);
  return sandboxed;
}

void fl_sandbox_new_env(lua_State *L) {
  if (lua_getfield(L, LUA_REGISTRYINDEX, FL_REG_G0) != LUA_TTABLE) { /* trusted: real globals */
    lua_pop(L, 1);
    lua_pushglobaltable(L);
    return;
  }
  lua_newtable(L);            /* [G0, env] */
  lua_createtable(L, 0, 2);   /* [G0, env, mt] */
  lua_pushvalue(L, -3);
  lua_setfield(L, -2, "__index");
  lua_pushboolean(L, 0);
  lua_setfield(L, -2, "__metatable");
  lua_setmetatable(L, -2);
  lua_pushvalue(L, -1);
  lua_setfield(L, -2, "_G");
  lua_remove(L, -2);          /* [env] */
}

static int frozen_newindex(lua_State *L) {
  return luaL_error(L, "policies may not set global '%s' after loading (use a local)",
                    lua_type(L, 2) == LUA_TSTRING ? lua_tostring(L, 2) : luaL_typename(L, 2));
}

void fl_sandbox_freeze_env(lua_State *L, int idx) {
  idx = lua_absindex(L, idx);
  lua_pushglobaltable(L);
  int same = lua_rawequal(L, -1, idx);
  lua_pop(L, 1);
  if (same || !lua_getmetatable(L, idx)) return; /* trusted: nothing to freeze */
  lua_pushcfunction(L, frozen_newindex);
  lua_setfield(L, -2, "__newindex");
  lua_pop(L, 1);
}

void fl_sandbox_seed(lua_State *L, uint64_t seed) {
  if (lua_getfield(L, LUA_REGISTRYINDEX, "folio.sandbox.randomseed") != LUA_TFUNCTION) {
    lua_pop(L, 1);
    lua_getglobal(L, "math");
    if (lua_type(L, -1) != LUA_TTABLE) { lua_pop(L, 1); return; }
    lua_getfield(L, -1, "randomseed");
    lua_remove(L, -2);
    if (lua_type(L, -1) != LUA_TFUNCTION) { lua_pop(L, 1); return; }
  }
  lua_pushinteger(L, (lua_Integer)seed);
  lua_call(L, 1, 0);
}
