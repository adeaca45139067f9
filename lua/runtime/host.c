/*
 * host.c — the embedding API (folio/host.h): one sandboxed engine per host;
 * this file is its lifecycle (options, engine, protected calls, scripts).
 * Policy loading is in host_load.c, the marshalling of sizing calls between
 * C arrays and Lua in host_marshal.c, the shipped folders in host_paths.c.
 *
 * The host hides the lua_State. Every entry into Lua goes through
 * fl_host_call(), which starts the run's budgets, calls through lua_pcall
 * with a C message handler, and classifies the failure. A run that hit a
 * budget leaves the engine in an unknown state, so the engine is closed and
 * rebuilt (policies reloaded from their folders and from the sources kept in
 * the host) rather than reused. Nothing here is global: hosts share nothing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host_internal.h"
#include "host_paths.h"
#include "lauxlib.h"
#include "lfolio.h"
#include "lualib.h"
#include "plumbing.h"

folio_host_opts folio_host_defaults(void) {
  folio_host_opts o;
  memset(&o, 0, sizeof o);
  o.max_memory = (size_t)512 << 20;
  o.max_instructions = 2000000000ull;
  o.max_seconds = 60.0;
  o.max_log_bytes = (size_t)1 << 20;
  return o;
}

static void stdout_log(void *ud, const char *text, size_t len) {
  (void)ud;
  fwrite(text, 1, len, stdout);
  fflush(stdout);
}

void fl_host_set_error(folio_host *h, const char *fmt, const char *arg) {
  snprintf(h->error, sizeof h->error, fmt, arg ? arg : "");
}

const char *folio_host_error(const folio_host *h) { return h ? h->error : "no host"; }

char *fl_host_strdup(const char *s) {
  if (!s) return NULL;
  size_t n = strlen(s) + 1;
  char *d = malloc(n);
  if (d) memcpy(d, s, n);
  return d;
}

/* ---- protected calls ------------------------------------------------------------ */

static int engine_open(folio_host *h);
static void engine_close(folio_host *h);

/* Calls the function below nargs arguments on the stack, under the run's
 * budgets and the message handler. On failure the message goes to h->error;
 * a budget kill rebuilds the engine. */
folio_status fl_host_call(folio_host *h, int nargs, int nres) {
  lua_State *L = h->L;
  int base = lua_gettop(L) - nargs;
  lua_pushcfunction(L, fl_msghandler);
  lua_insert(L, base);
  if (!h->opts.trusted) {
    fl_sandbox_seed(L, h->opts.seed);
    fl_budget_begin(&h->budget, h->opts.max_instructions, h->opts.max_seconds);
  }
  h->cancel.where[0] = '\0';
  int status = lua_pcall(L, nargs, nres, base);
  fl_budget_end(&h->budget);
  if (status == LUA_OK) {
    lua_remove(L, base);
    h->error[0] = '\0';
    return FOLIO_OK;
  }
  int killed = h->budget.killed;
  if (status == LUA_ERRMEM && h->budget.limit) killed = FL_KILL_MEMORY;
  if (killed == FL_KILL_MEMORY && status == LUA_ERRMEM)
    fl_host_set_error(h, "memory budget exceeded: %s", /* no traceback for ERRMEM */
                      h->budget.string_capped ? FL_STRING_CAP_TEXT : lua_tostring(L, -1));
  else if (killed == FL_KILL_MEMORY)
    fl_host_set_error(h, "%s", lua_tostring(L, -1));
  else if (killed == FL_KILL_TIME)
    fl_host_set_error(h, "%s", lua_tostring(L, -1));
  else
    fl_host_set_error(h, "%s", lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : "(no message)");
  if (killed && h->cancel.where[0]) { /* stopped inside the core: say where */
    char rest[sizeof h->error];
    const char *nl = strchr(h->error, '\n');
    snprintf(rest, sizeof rest, "%s", nl ? nl : "");
    char budget[64];
    if (killed == FL_KILL_MEMORY)
      snprintf(budget, sizeof budget, "memory budget (%zu MiB)", h->opts.max_memory >> 20);
    else
      snprintf(budget, sizeof budget, "deadline (%g s)", h->opts.max_seconds);
    snprintf(h->error, sizeof h->error, "%s exceeded in %.255s%.3700s", budget, h->cancel.where, rest);
  }
  if (killed && h->opening) {
    lua_settop(L, base - 1);
    return killed == FL_KILL_MEMORY ? FOLIO_EMEMORY : FOLIO_ETIMEOUT;
  }
  if (killed) {
    /* Unknown state: discard the engine and build a fresh one. */
    char keep[sizeof h->error];
    memcpy(keep, h->error, sizeof keep);
    engine_close(h);
    engine_open(h);
    memcpy(h->error, keep, sizeof keep);
    return killed == FL_KILL_MEMORY ? FOLIO_EMEMORY : FOLIO_ETIMEOUT;
  }
  lua_settop(L, base - 1);
  return FOLIO_ELUA;
}

/* ---- engine lifecycle -------------------------------------------------------------- */

static int panic(lua_State *L) {
  /* Unreachable: every entry is a protected call. */
  fprintf(stderr, "folio: unprotected Lua error: %s\n",
          lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : "?");
  abort();
}

static void warn_to_log(void *ud, const char *msg, int tocont) {
  folio_host *h = ud;
  if (h->budget.log) {
    h->budget.log(h->budget.log_ud, msg, strlen(msg));
    if (!tocont) h->budget.log(h->budget.log_ud, "\n", 1);
  }
}

/* [trusted, allow_override, cancel] */
static int open_protected(lua_State *L) {
  int trusted = (int)lua_toboolean(L, 1);
  lua_pushboolean(L, lua_toboolean(L, 2));
  lua_setfield(L, LUA_REGISTRYINDEX, FL_REG_ALLOW_OVERRIDE); /* for the registry's may_override */
  fl_sandbox_open(L, trusted);
  if (!trusted) fl_cancel_register(L, lua_touserdata(L, 3)); /* core loops poll the budget */
  return 0;
}

static int engine_open_steps(folio_host *h) {
  memset(&h->budget, 0, sizeof h->budget);
  h->budget.limit = h->opts.trusted ? 0 : h->opts.max_memory;
  h->budget.log = h->opts.log ? h->opts.log : stdout_log;
  h->budget.log_ud = h->opts.log_ud;
  h->budget.log_limit = h->opts.max_log_bytes;
  lua_State *L = lua_newstate(fl_budget_alloc, &h->budget);
  h->L = L;
  if (!L) {
    fl_host_set_error(h, "cannot create a Lua state: not enough memory%s", NULL);
    return FOLIO_ENOMEM;
  }
  *(fl_budget **)lua_getextraspace(L) = &h->budget;
  lua_atpanic(L, panic);
  lua_setwarnf(L, warn_to_log, h);
  if (!h->opts.trusted) fl_install_hook(L); /* once, never removed */
  lua_pushcfunction(L, open_protected);
  lua_pushboolean(L, h->opts.trusted);
  lua_pushboolean(L, h->opts.allow_override);
  lua_pushlightuserdata(L, &h->cancel);
  folio_status st = fl_host_call(h, 3, 0);
  if (st != FOLIO_OK) return st;
  return fl_host_load_policies(h);
}

/* Opens a fresh engine; on failure closes it again (the next call retries). */
static int engine_open(folio_host *h) {
  h->opening = 1;
  int st = engine_open_steps(h);
  h->opening = 0;
  if (st != FOLIO_OK) {
    char keep[sizeof h->error];
    memcpy(keep, h->error, sizeof keep);
    engine_close(h);
    memcpy(h->error, keep, sizeof keep);
  }
  return st;
}

static void engine_close(folio_host *h) {
  if (!h->L) return;
  h->budget.enforce = 0;
  lua_close(h->L);
  h->L = NULL;
}

folio_status folio_host_create(const folio_host_opts *opts, folio_host **out, folio_error *err) {
  if (!out) return folio_error_set(err, FOLIO_EINVAL, "host_create: out is NULL");
  *out = NULL;
  folio_host *h = calloc(1, sizeof *h);
  if (!h) return folio_error_set(err, FOLIO_ENOMEM, "host_create: out of memory");
  if (opts)
    h->opts = *opts;
  else
    h->opts = folio_host_defaults();
  fl_cancel_init(&h->cancel, &h->budget);
  if (!h->opts.max_log_bytes) h->opts.max_log_bytes = (size_t)1 << 20;
  char shipped[4096];
  if (!(opts && opts->shipped_policies)) (void)fl_shipped_dir(FL_SHIPPED_POLICIES, shipped, sizeof shipped);
  h->shipped = fl_host_strdup(opts && opts->shipped_policies ? opts->shipped_policies : shipped);
  h->path = fl_host_strdup(opts ? opts->policy_path : NULL);
  h->opts.shipped_policies = h->shipped;
  h->opts.policy_path = h->path;
  folio_status st = engine_open(h);
  if (st != FOLIO_OK) {
    folio_error_set(err, st, "host_create: %s", h->error);
    folio_host_destroy(h);
    return st;
  }
  *out = h;
  return FOLIO_OK;
}

void folio_host_destroy(folio_host *h) {
  if (!h) return;
  engine_close(h);
  fl_host_free_kept(h);
  free(h->shipped);
  free(h->path);
  free(h);
}

/* ---- scripts ------------------------------------------------------------------------ */

folio_status fl_host_ready(folio_host *h) {
  if (!h) return FOLIO_EINVAL;
  if (!h->L) {
    folio_status st = engine_open(h);
    if (st != FOLIO_OK) return st;
  }
  return FOLIO_OK;
}

folio_status fl_host_load_chunk(folio_host *h, const char *chunk, const char *src, size_t len) {
  lua_State *L = h->L;
  int top = lua_gettop(L);
  char why[200], named[sizeof h->error];
  if (!h->opts.trusted && fl_source_check(src, len, why, sizeof why)) { /* the parser runs in C */
    snprintf(named, sizeof named, "%s: %s", chunk[0] == '@' || chunk[0] == '=' ? chunk + 1 : chunk, why);
    fl_host_set_error(h, "%s", named);
    return FOLIO_EPARSE;
  }
  if (luaL_loadbufferx(L, src, len, chunk, "t") != LUA_OK) {
    fl_host_set_error(h, "%s", lua_tostring(L, -1));
    lua_settop(L, top);
    return FOLIO_EPARSE;
  }
  fl_sandbox_new_env(L); /* [chunk, env] */
  lua_pushvalue(L, -1);
  lua_setfield(L, LUA_REGISTRYINDEX, "folio.sandbox.runenv");
  return FOLIO_OK;
}

static folio_status run_source(folio_host *h, const char *chunk, const char *src, size_t len,
                               int argc, const char *const *argv, long long *result) {
  lua_State *L = h->L;
  int top = lua_gettop(L);
  folio_status lst = fl_host_load_chunk(h, chunk, src, len); /* [chunk, env] */
  if (lst != FOLIO_OK) return lst;
  lua_createtable(L, argc, 1);                  /* arg, as lua.c builds it */
  for (int i = 0; i < argc; i++) {
    lua_pushstring(L, argv[i]);
    lua_rawseti(L, -2, i);
  }
  lua_setfield(L, -2, "arg");
  lua_setupvalue(L, -2, 1);                     /* [chunk] */
  luaL_checkstack(L, argc + 1, "too many arguments");
  for (int i = 1; i < argc; i++) lua_pushstring(L, argv[i]);
  folio_status st = fl_host_call(h, argc > 0 ? argc - 1 : 0, result ? 1 : 0);
  if (st == FOLIO_OK && result && h->L == L && lua_isinteger(L, -1)) *result = (long long)lua_tointeger(L, -1);
  if (h->L == L) lua_settop(L, top);
  lua_gc(h->L, LUA_GCSTEP, 0);
  return st;
}

folio_status folio_host_run_file(folio_host *h, const char *path, int argc, const char *const *argv) {
  folio_status st = fl_host_ready(h);
  if (st != FOLIO_OK) return st;
  if (!path) return FOLIO_EINVAL;
  size_t len;
  char *src = NULL;
  char chunk[FL_CHUNK_NAME_SIZE];
  if ((st = fl_host_read_source(h, "run", path, &src, &len, chunk)) != FOLIO_OK) return st;
  if (len && src[0] == '\x1b') {
    free(src);
    fl_host_set_error(h, "%s: precompiled (binary) chunks are not accepted", path);
    return FOLIO_EPARSE;
  }
  const char *fallback[1] = {path};
  st = run_source(h, chunk, src, len, argv ? argc : 1, argv ? argv : fallback, NULL);
  free(src);
  return st;
}

folio_status folio_host_run_string(folio_host *h, const char *chunk_name, const char *source,
                                   size_t len) {
  folio_status st = fl_host_ready(h);
  if (st != FOLIO_OK) return st;
  if (!source) return FOLIO_EINVAL;
  const char *name = chunk_name ? chunk_name : "=script";
  const char *argv[1] = {name};
  return run_source(h, name, source, len, 1, argv, NULL);
}

folio_status folio_host_eval(folio_host *h, const char *chunk_name, const char *source, size_t len,
                             long long *result) {
  folio_status st = fl_host_ready(h);
  if (st != FOLIO_OK) return st;
  if (!source || !result) return FOLIO_EINVAL;
  const char *name = chunk_name ? chunk_name : "=script";
  const char *argv[1] = {name};
  return run_source(h, name, source, len, 1, argv, result);
}

size_t folio_host_memory_peak(folio_host *h) {
  if (!h) return 0;
  size_t p = h->budget.peak;
  h->budget.peak = h->budget.used;
  return p;
}
