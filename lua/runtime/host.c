/*
 * host.c — the embedding API (folio/host.h): one sandboxed engine per host.
 *
 * The host hides the lua_State. Every entry into Lua goes through docall(),
 * which starts the run's budgets, calls through lua_pcall with a C message
 * handler, and classifies the failure. A run that hit a budget leaves the
 * engine in an unknown state, so the engine is closed and rebuilt (policies
 * reloaded from their folders and from the sources kept in the host) rather
 * than reused. Nothing here is global: hosts share nothing.
 */
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "folio/host.h"
#include "lauxlib.h"
#include "lfolio.h"
#include "sandbox.h"
#include "lualib.h"

#ifndef FOLIO_POLICY_DIR
#define FOLIO_POLICY_DIR "policies"
#endif
#ifndef FOLIO_INSTALLED_POLICY_DIR
#define FOLIO_INSTALLED_POLICY_DIR "/usr/local/share/folio/policies"
#endif

/* The shipped policies: the source tree's folder when it exists (a build
 * tree), else the installed copy. */
static const char *default_policy_dir(void) {
  DIR *d = opendir(FOLIO_POLICY_DIR);
  if (d) {
    closedir(d);
    return FOLIO_POLICY_DIR;
  }
  return FOLIO_INSTALLED_POLICY_DIR;
}

typedef struct kept_source {
  char *chunk, *source;
  size_t len;
} kept_source;

struct folio_host {
  folio_host_opts opts;
  char *shipped, *path;   /* owned copies of the folders */
  lua_State *L;
  fl_budget budget;
  char error[4096];       /* a message (at most 1 KiB) plus its traceback */
  kept_source *kept;      /* policies loaded by file or string, replayed on rebuild */
  size_t n_kept, cap_kept;
  int opening;            /* engine_open in progress: a kill there fails the open, no rebuild */
};

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

static void set_error(folio_host *h, const char *fmt, const char *arg) {
  snprintf(h->error, sizeof h->error, fmt, arg ? arg : "");
}

const char *folio_host_error(const folio_host *h) { return h ? h->error : "no host"; }

static char *dup_string(const char *s) {
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
static folio_status docall(folio_host *h, int nargs, int nres) {
  lua_State *L = h->L;
  int base = lua_gettop(L) - nargs;
  lua_pushcfunction(L, fl_msghandler);
  lua_insert(L, base);
  if (!h->opts.trusted) {
    fl_sandbox_seed(L, h->opts.seed);
    fl_budget_begin(&h->budget, h->opts.max_instructions, h->opts.max_seconds);
  }
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
    set_error(h, "memory budget exceeded: %s", lua_tostring(L, -1)); /* no traceback for ERRMEM */
  else if (killed == FL_KILL_MEMORY)
    set_error(h, "%s", lua_tostring(L, -1));
  else if (killed == FL_KILL_TIME)
    set_error(h, "%s", lua_tostring(L, -1));
  else
    set_error(h, "%s", lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : "(no message)");
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

/* ---- loading policies ------------------------------------------------------------- */

/* Registers the policy on top of the stack (consumed). Protected. */
static int register_policy(lua_State *L) {
  /* [policy, name_out_ud] */
  lua_getfield(L, LUA_REGISTRYINDEX, FL_REG_MODULE);
  if (lua_getfield(L, -1, "registry") != LUA_TTABLE)
    return luaL_error(L, "the policy registry is not available");
  lua_getfield(L, -1, "register"); /* [policy, out, folio, registry, register] */
  if (lua_type(L, 1) != LUA_TTABLE)
    return luaL_error(L, "a policy file must return folio.policy{...} (it returned %s)",
                      luaL_typename(L, 1));
  lua_pushvalue(L, 1);
  lua_createtable(L, 0, 1);
  lua_pushboolean(L, 1);
  lua_setfield(L, -2, "replace");
  lua_call(L, 2, 0);
  lua_getfield(L, 1, "name");
  return 1;
}

/* Loads and registers one policy from source text. */
static folio_status load_policy(folio_host *h, const char *chunk, const char *src, size_t len,
                                char *name_out, size_t name_size) {
  lua_State *L = h->L;
  int top = lua_gettop(L);
  if (luaL_loadbufferx(L, src, len, chunk, "t") != LUA_OK) {
    set_error(h, "%s", lua_tostring(L, -1));
    lua_settop(L, top);
    return FOLIO_EPARSE;
  }
  fl_sandbox_new_env(L);                      /* [chunk, env] */
  int env = lua_gettop(L);
  lua_pushvalue(L, env);
  lua_setfield(L, LUA_REGISTRYINDEX, "folio.sandbox.runenv");
  lua_pushvalue(L, env);
  lua_setupvalue(L, env - 1, 1);
  lua_pushvalue(L, env - 1);                  /* [chunk, env, chunk] */
  folio_status st = docall(h, 0, 1);          /* [chunk, env, policy] */
  if (st != FOLIO_OK) {
    if (h->L == L) lua_settop(L, top);
    return st;
  }
  lua_pushcfunction(L, register_policy);
  lua_insert(L, -2);
  st = docall(h, 1, 1);                       /* [chunk, env, name] */
  if (st != FOLIO_OK) {
    if (h->L == L) lua_settop(L, top);
    return st;
  }
  if (name_out && name_size) {
    const char *name = lua_tostring(L, -1);
    snprintf(name_out, name_size, "%s", name ? name : "");
  }
  fl_sandbox_freeze_env(L, env);              /* a loaded policy keeps no mutable globals */
  lua_settop(L, top);
  return FOLIO_OK;
}

/* Reads a file into a malloc'd buffer. */
static char *read_file(const char *path, size_t *len, folio_host *h) {
  FILE *f = fopen(path, "rb");
  if (!f) {
    snprintf(h->error, sizeof h->error, "cannot open %s: %s", path, strerror(errno));
    return NULL;
  }
  size_t cap = 4096, n = 0;
  char *buf = malloc(cap);
  while (buf) {
    if (n == cap) {
      char *nb = cap > ((size_t)64 << 20) ? NULL : realloc(buf, cap * 2);
      if (!nb) {
        free(buf);
        buf = NULL;
        break;
      }
      buf = nb;
      cap *= 2;
    }
    size_t r = fread(buf + n, 1, cap - n, f);
    n += r;
    if (r == 0) break;
  }
  int bad = ferror(f);
  fclose(f);
  if (!buf || bad) {
    free(buf);
    snprintf(h->error, sizeof h->error, "cannot read %s%s", path, buf ? "" : " (too large)");
    return NULL;
  }
  *len = n;
  return buf;
}

static int cmp_names(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Loads every *.lua file of a folder, in name order. A missing folder is
 * not an error (a user folder may not exist yet); a bad policy is. */
static folio_status load_folder(folio_host *h, const char *dir) {
  DIR *d = opendir(dir);
  if (!d) return FOLIO_OK;
  char **names = NULL;
  size_t n = 0, cap = 0;
  struct dirent *e;
  folio_status st = FOLIO_OK;
  while ((e = readdir(d))) {
    size_t len = strlen(e->d_name);
    if (len < 5 || strcmp(e->d_name + len - 4, ".lua") != 0 || e->d_name[0] == '.') continue;
    if (n == cap) {
      char **nn = realloc(names, sizeof *names * (cap = cap ? cap * 2 : 16));
      if (!nn) { st = FOLIO_ENOMEM; break; }
      names = nn;
    }
    if (!(names[n] = dup_string(e->d_name))) { st = FOLIO_ENOMEM; break; }
    n++;
  }
  closedir(d);
  if (st == FOLIO_OK && n) qsort(names, n, sizeof *names, cmp_names);
  for (size_t i = 0; i < n && st == FOLIO_OK; i++) {
    char path[4096], chunk[4200];
    snprintf(path, sizeof path, "%s/%s", dir, names[i]);
    snprintf(chunk, sizeof chunk, "@%s", path);
    size_t len;
    char *src = read_file(path, &len, h);
    if (!src) {
      st = FOLIO_EIO;
      break;
    }
    st = load_policy(h, chunk, src, len, NULL, 0);
    free(src);
  }
  for (size_t i = 0; i < n; i++) free(names[i]);
  free(names);
  return st;
}

/* The folders searched for policies and for require()'s lib/ modules. */
static void set_policy_dirs(folio_host *h) {
  lua_State *L = h->L;
  lua_newtable(L);
  int n = 0;
  if (h->shipped && *h->shipped) {
    lua_pushstring(L, h->shipped);
    lua_rawseti(L, -2, ++n);
  }
  if (h->path) {
    const char *p = h->path;
    while (*p) {
      const char *end = strchr(p, ':');
      size_t len = end ? (size_t)(end - p) : strlen(p);
      if (len) {
        lua_pushlstring(L, p, len);
        lua_rawseti(L, -2, ++n);
      }
      p += len + (end ? 1 : 0);
    }
  }
  lua_setfield(L, LUA_REGISTRYINDEX, FL_REG_POLDIRS);
  if (h->opts.trusted) { /* the stock require: put the policy folders' lib/ first */
    if (lua_getglobal(L, "package") == LUA_TTABLE) {   /* [package] */
      lua_getfield(L, LUA_REGISTRYINDEX, FL_REG_POLDIRS); /* [package, dirs] */
      int parts = 0;
      lua_Integer n = (lua_Integer)lua_rawlen(L, -1);
      for (lua_Integer i = 1; i <= n; i++) {
        lua_rawgeti(L, -1 - parts, i);
        lua_pushfstring(L, "%s/lib/?.lua;", lua_tostring(L, -1));
        lua_remove(L, -2);                              /* [package, dirs, parts...] */
        parts++;
      }
      lua_getfield(L, -2 - parts, "path");
      lua_concat(L, parts + 1);                         /* [package, dirs, path] */
      lua_setfield(L, -3, "path");
      lua_pop(L, 1);
    }
    lua_pop(L, 1);
  }
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

static int open_protected(lua_State *L) {
  int trusted = (int)lua_toboolean(L, 1);
  fl_sandbox_open(L, trusted);
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
    set_error(h, "cannot create a Lua state: not enough memory%s", NULL);
    return FOLIO_ENOMEM;
  }
  *(fl_budget **)lua_getextraspace(L) = &h->budget;
  lua_atpanic(L, panic);
  lua_setwarnf(L, warn_to_log, h);
  if (!h->opts.trusted) fl_install_hook(L); /* once, never removed */
  lua_pushcfunction(L, open_protected);
  lua_pushboolean(L, h->opts.trusted);
  folio_status st = docall(h, 1, 0);
  if (st != FOLIO_OK) return st;
  set_policy_dirs(h);
  if (h->shipped && *h->shipped && (st = load_folder(h, h->shipped)) != FOLIO_OK) return st;
  const char *p = h->path;
  while (p && *p) {
    const char *end = strchr(p, ':');
    size_t len = end ? (size_t)(end - p) : strlen(p);
    char dir[4096];
    snprintf(dir, sizeof dir, "%.*s", (int)(len < sizeof dir ? len : sizeof dir - 1), p);
    if (len && (st = load_folder(h, dir)) != FOLIO_OK) return st;
    p += len + (end ? 1 : 0);
  }
  for (size_t i = 0; i < h->n_kept; i++) {
    st = load_policy(h, h->kept[i].chunk, h->kept[i].source, h->kept[i].len, NULL, 0);
    if (st != FOLIO_OK) return st;
  }
  return FOLIO_OK;
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
  if (!h->opts.max_log_bytes) h->opts.max_log_bytes = (size_t)1 << 20;
  h->shipped = dup_string(opts && opts->shipped_policies ? opts->shipped_policies : default_policy_dir());
  h->path = dup_string(opts ? opts->policy_path : NULL);
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
  for (size_t i = 0; i < h->n_kept; i++) {
    free(h->kept[i].chunk);
    free(h->kept[i].source);
  }
  free(h->kept);
  free(h->shipped);
  free(h->path);
  free(h);
}

/* ---- policies and scripts ------------------------------------------------------------ */

static folio_status keep_source(folio_host *h, const char *chunk, const char *src, size_t len) {
  if (h->n_kept == h->cap_kept) {
    size_t cap = h->cap_kept ? h->cap_kept * 2 : 8;
    kept_source *k = realloc(h->kept, sizeof *k * cap);
    if (!k) return FOLIO_ENOMEM;
    h->kept = k;
    h->cap_kept = cap;
  }
  kept_source *k = &h->kept[h->n_kept];
  k->chunk = dup_string(chunk);
  k->source = malloc(len ? len : 1);
  if (!k->chunk || !k->source) {
    free(k->chunk);
    free(k->source);
    return FOLIO_ENOMEM;
  }
  memcpy(k->source, src, len);
  k->len = len;
  h->n_kept++;
  return FOLIO_OK;
}

static folio_status ready(folio_host *h) {
  if (!h) return FOLIO_EINVAL;
  if (!h->L) {
    folio_status st = engine_open(h);
    if (st != FOLIO_OK) return st;
  }
  return FOLIO_OK;
}

folio_status folio_host_load_policy_string(folio_host *h, const char *chunk_name, const char *source,
                                           size_t len, char *name_out, size_t name_size) {
  folio_status st = ready(h);
  if (st != FOLIO_OK) return st;
  if (!source) {
    set_error(h, "load_policy: source is NULL%s", NULL);
    return FOLIO_EINVAL;
  }
  const char *chunk = chunk_name ? chunk_name : "=policy";
  st = load_policy(h, chunk, source, len, name_out, name_size);
  if (st == FOLIO_OK && keep_source(h, chunk, source, len) != FOLIO_OK) {
    set_error(h, "load_policy: out of memory%s", NULL);
    return FOLIO_ENOMEM;
  }
  return st;
}

folio_status folio_host_load_policy_file(folio_host *h, const char *path, char *name_out,
                                         size_t name_size) {
  folio_status st = ready(h);
  if (st != FOLIO_OK) return st;
  if (!path) {
    set_error(h, "load_policy: path is NULL%s", NULL);
    return FOLIO_EINVAL;
  }
  size_t len;
  char *src = read_file(path, &len, h);
  if (!src) return FOLIO_EIO;
  char chunk[4200];
  snprintf(chunk, sizeof chunk, "@%s", path);
  st = folio_host_load_policy_string(h, chunk, src, len, name_out, name_size);
  free(src);
  return st;
}

static folio_status run_source(folio_host *h, const char *chunk, const char *src, size_t len,
                               int argc, const char *const *argv) {
  lua_State *L = h->L;
  int top = lua_gettop(L);
  if (luaL_loadbufferx(L, src, len, chunk, "t") != LUA_OK) {
    set_error(h, "%s", lua_tostring(L, -1));
    lua_settop(L, top);
    return FOLIO_EPARSE;
  }
  fl_sandbox_new_env(L);                        /* [chunk, env] */
  lua_pushvalue(L, -1);
  lua_setfield(L, LUA_REGISTRYINDEX, "folio.sandbox.runenv");
  lua_createtable(L, argc, 1);                  /* arg, as lua.c builds it */
  for (int i = 0; i < argc; i++) {
    lua_pushstring(L, argv[i]);
    lua_rawseti(L, -2, i);
  }
  lua_setfield(L, -2, "arg");
  lua_setupvalue(L, -2, 1);                     /* [chunk] */
  luaL_checkstack(L, argc + 1, "too many arguments");
  for (int i = 1; i < argc; i++) lua_pushstring(L, argv[i]);
  folio_status st = docall(h, argc > 0 ? argc - 1 : 0, 0);
  if (h->L == L) lua_settop(L, top);
  lua_gc(h->L, LUA_GCSTEP, 0);
  return st;
}

folio_status folio_host_run_file(folio_host *h, const char *path, int argc, const char *const *argv) {
  folio_status st = ready(h);
  if (st != FOLIO_OK) return st;
  if (!path) return FOLIO_EINVAL;
  size_t len;
  char *src = read_file(path, &len, h);
  if (!src) return FOLIO_EIO;
  if (len && src[0] == '\x1b') {
    free(src);
    set_error(h, "%s: precompiled (binary) chunks are not accepted", path);
    return FOLIO_EPARSE;
  }
  char chunk[4200];
  snprintf(chunk, sizeof chunk, "@%s", path);
  const char *fallback[1] = {path};
  st = run_source(h, chunk, src, len, argv ? argc : 1, argv ? argv : fallback);
  free(src);
  return st;
}

folio_status folio_host_run_string(folio_host *h, const char *chunk_name, const char *source,
                                   size_t len) {
  folio_status st = ready(h);
  if (st != FOLIO_OK) return st;
  if (!source) return FOLIO_EINVAL;
  const char *name = chunk_name ? chunk_name : "=script";
  const char *argv[1] = {name};
  return run_source(h, name, source, len, 1, argv);
}

/* ---- sizing ---------------------------------------------------------------------------- */

typedef struct size_call {
  const char *sizer;
  const folio_host_sizing *in;
  double *out;
  int not_found;
  fl_matrix *view; /* the lent returns, invalidated after the call */
} size_call;

/* Protected: builds ctx, runs registry.get(sizer):run(ctx, params) and
 * writes the weights. */
static int size_impl(lua_State *L) {
  size_call *c = lua_touserdata(L, 1);
  const folio_host_sizing *in = c->in;
  lua_getfield(L, LUA_REGISTRYINDEX, FL_REG_MODULE);
  int folio = lua_gettop(L);
  if (lua_getfield(L, folio, "registry") != LUA_TTABLE)
    return luaL_error(L, "the policy registry is not available");
  int reg = lua_gettop(L);
  lua_getfield(L, reg, "has");
  lua_pushstring(L, c->sizer);
  lua_call(L, 1, 1);
  if (!lua_toboolean(L, -1)) {
    c->not_found = 1;
    return luaL_error(L, "unknown sizer '%s'", c->sizer);
  }
  lua_getfield(L, reg, "get");
  lua_pushstring(L, c->sizer);
  lua_call(L, 1, 1);                               /* [.., sizer] */
  int sizer = lua_gettop(L);
  lua_createtable(L, 0, 4);                        /* ctx */
  int ctx = lua_gettop(L);
  lua_createtable(L, 0, 0);                        /* symbol -> index, for the result */
  int index = lua_gettop(L);
  for (size_t i = 0; i < in->n_assets; i++) {
    lua_pushinteger(L, (lua_Integer)i);
    lua_setfield(L, index, in->symbols[i]);
  }
  if (in->signal) {
    lua_createtable(L, 0, (int)in->n_assets);
    for (size_t i = 0; i < in->n_assets; i++) {
      lua_pushnumber(L, in->signal[i]);
      lua_setfield(L, -2, in->symbols[i]);
    }
    lua_setfield(L, ctx, "signal");
  }
  if (in->weights) {
    lua_createtable(L, 0, (int)in->n_assets);
    for (size_t i = 0; i < in->n_assets; i++) {
      lua_pushnumber(L, in->weights[i]);
      lua_setfield(L, -2, in->symbols[i]);
    }
    lua_setfield(L, ctx, "weights");
  }
  if (in->returns) {
    size_t ld = in->ld_returns ? in->ld_returns : in->n_rows;
    for (size_t j = 0; j < in->n_assets; j++) {
      const double *col = in->returns + j * ld;
      int bad = 0;
      for (size_t t = 0; t < in->n_rows; t++) bad |= fabs(col[t]) == INFINITY; /* vectorises */
      if (bad)
        for (size_t t = 0; t < in->n_rows; t++)
          if (isinf(col[t]))
            return luaL_error(L, "returns: infinite value (symbol %s, row %d)", in->symbols[j], (int)t + 1);
    }
    fl_matrix *m;
    if (ld == in->n_rows) { /* lend the caller's array for this call: no copy */
      m = fl_matrix_push_view(L, in->n_rows, in->n_assets, in->returns);
      c->view = m;
      lua_pushvalue(L, -1);
      lua_setfield(L, LUA_REGISTRYINDEX, "folio.host.view"); /* alive until invalidated */
    } else {
      m = fl_matrix_push_raw(L, in->n_rows, in->n_assets); /* every element is written */
      for (size_t j = 0; j < in->n_assets; j++)
        for (size_t t = 0; t < in->n_rows; t++) m->data[t + j * in->n_rows] = in->returns[t + j * ld];
    }
    fl_matrix_set_labels_c(L, -1, 2, in->symbols);
    if (in->dates) {
      fl_matrix_set_labels_c(L, -1, 1, in->dates);
    } else {
      lua_createtable(L, (int)in->n_rows, 0);
      for (size_t t = 0; t < in->n_rows; t++) {
        lua_pushfstring(L, "%d", (int)t + 1);
        lua_rawseti(L, -2, (lua_Integer)t + 1);
      }
      fl_matrix_set_labels(L, -2, 1, -1, "host_size");
      lua_pop(L, 1);
    }
    lua_setfield(L, ctx, "returns");
  }
  lua_pushnumber(L, in->nav_usd);
  lua_setfield(L, ctx, "nav_usd");
  lua_getfield(L, sizer, "run");                   /* sizer:run(ctx, params) */
  lua_pushvalue(L, sizer);
  lua_pushvalue(L, ctx);
  lua_createtable(L, 0, (int)in->n_params);
  for (size_t k = 0; k < in->n_params; k++) {
    lua_pushnumber(L, in->param_values[k]);
    lua_setfield(L, -2, in->param_names[k]);
  }
  lua_call(L, 3, 1);                               /* [.., result] */
  if (lua_type(L, -1) != LUA_TTABLE || lua_getfield(L, -1, "weights") != LUA_TTABLE)
    return luaL_error(L, "sizer '%s' did not return a result with weights", c->sizer);
  int w = lua_gettop(L);
  double *tmp = fl_scratch(L, in->n_assets, sizeof(double));
  for (size_t i = 0; i < in->n_assets; i++) tmp[i] = 0.0;
  lua_pushnil(L);
  while (lua_next(L, w)) {
    if (lua_type(L, -2) != LUA_TSTRING || lua_type(L, -1) != LUA_TNUMBER)
      return luaL_error(L, "sizer '%s' returned a weight that is not symbol = number", c->sizer);
    lua_pushvalue(L, -2);
    if (lua_rawget(L, index) != LUA_TNUMBER)
      return luaL_error(L, "sizer '%s' returned a weight for unknown symbol '%s'", c->sizer,
                        lua_tostring(L, -3));
    double v = lua_tonumber(L, -2);
    if (!isfinite(v))
      return luaL_error(L, "sizer '%s' returned a non-finite weight for '%s'", c->sizer,
                        lua_tostring(L, -3));
    tmp[lua_tointeger(L, -1)] = v;
    lua_pop(L, 2);
  }
  memcpy(c->out, tmp, in->n_assets * sizeof(double)); /* written only on success */
  return 0;
}

folio_status folio_host_size(folio_host *h, const char *sizer, const folio_host_sizing *in,
                             double *weights_out) {
  folio_status st = ready(h);
  if (st != FOLIO_OK) return st;
  folio_error err;
  if (!sizer || !in || !weights_out) {
    set_error(h, "host_size: sizer, inputs and weights_out are required%s", NULL);
    return FOLIO_EINVAL;
  }
  if (in->n_assets == 0 || in->n_assets > FOLIO_MAX_DIM ||
      folio_check_symbols(in->n_assets, in->symbols, "host_size", &err) != FOLIO_OK) {
    set_error(h, "%s", in->n_assets ? err.message : "host_size: no assets");
    return FOLIO_EINVAL;
  }
  if (!(in->nav_usd > 0) || !isfinite(in->nav_usd)) {
    set_error(h, "host_size: nav_usd must be finite and > 0%s", NULL);
    return FOLIO_EINVAL;
  }
  if (in->returns && (in->n_rows == 0 || in->n_rows > FOLIO_MAX_DIM ||
                      (in->ld_returns && in->ld_returns < in->n_rows) ||
                      in->n_rows * in->n_assets > FOLIO_MAX_ELEMS)) {
    set_error(h, "host_size: bad returns shape (rows, leading dimension)%s", NULL);
    return FOLIO_EDIM;
  }
  if (in->n_params && (!in->param_names || !in->param_values)) {
    set_error(h, "host_size: param_names and param_values are required with n_params%s", NULL);
    return FOLIO_EINVAL;
  }
  size_call c = {sizer, in, weights_out, 0, NULL};
  lua_State *L = h->L;
  int top = lua_gettop(L);
  lua_pushcfunction(L, size_impl);
  lua_pushlightuserdata(L, &c);
  st = docall(h, 1, 0);
  if (h->L == L) {
    if (c.view) { /* the caller's array is theirs again: nothing in Lua may reach it */
      fl_matrix_invalidate(c.view);
      lua_pushnil(L);
      lua_setfield(L, LUA_REGISTRYINDEX, "folio.host.view");
    }
    lua_settop(L, top);
  }
  if (st == FOLIO_ELUA && c.not_found) {
    set_error(h, "unknown sizer '%s' (folio_host_sizer_names lists the registered ones)", sizer);
    return FOLIO_ENOTFOUND;
  }
  return st;
}

static int names_impl(lua_State *L) {
  lua_getfield(L, LUA_REGISTRYINDEX, FL_REG_MODULE);
  if (lua_getfield(L, -1, "registry") != LUA_TTABLE) return luaL_error(L, "no registry");
  lua_getfield(L, -1, "names");
  lua_call(L, 0, 1);
  return 1;
}

size_t folio_host_sizer_names(folio_host *h, char *buf, size_t size) {
  if (buf && size) buf[0] = '\0';
  if (ready(h) != FOLIO_OK) return 0;
  lua_State *L = h->L;
  int top = lua_gettop(L);
  lua_pushcfunction(L, names_impl);
  if (docall(h, 0, 1) != FOLIO_OK) return 0;
  size_t n = lua_type(L, -1) == LUA_TTABLE ? lua_rawlen(L, -1) : 0, used = 0;
  for (size_t i = 1; i <= n; i++) {
    lua_rawgeti(L, -1, (lua_Integer)i);
    const char *s = lua_tostring(L, -1);
    if (buf && s) {
      int w = snprintf(buf + used, used < size ? size - used : 0, "%s%s", i > 1 ? "\n" : "", s);
      if (w > 0) used += (size_t)w;
    }
    lua_pop(L, 1);
  }
  lua_settop(L, top);
  return n;
}

size_t folio_host_memory_peak(folio_host *h) {
  if (!h) return 0;
  size_t p = h->budget.peak;
  h->budget.peak = h->budget.used;
  return p;
}
