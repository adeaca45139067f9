/*
 * host_load.c — loading policies into a host's engine (folio/host.h):
 * policy files and strings, the shipped folder and the policy path (every
 * *.lua in name order), the folders require() searches for lib/ modules,
 * and the sources kept in the host to be replayed when the engine is
 * rebuilt after a budget kill.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host_internal.h"
#include "lauxlib.h"
#include "lfolio.h"
#include "plumbing.h"

/* Registers a policy through policy.lua's register_file, which refuses a
 * policy folder's file that would replace a built-in, a shipped policy or
 * another file's policy unless allowed (docs/sandbox.md, Capabilities).
 * Protected: [policy, origin, kind, allow_override] -> [name]. */
static int register_policy(lua_State *L) {
  if (lua_type(L, 1) != LUA_TTABLE)
    return luaL_error(L, "a policy file must return folio.policy{...} (it returned %s)",
                      luaL_typename(L, 1));
  if (lua_getfield(L, LUA_REGISTRYINDEX, FL_REG_HOST) != LUA_TTABLE ||
      lua_getfield(L, -1, "register_file") != LUA_TFUNCTION) /* [.., host, register_file] */
    return luaL_error(L, "the policy registry is not available");
  lua_insert(L, 1);  /* [register_file, policy, origin, kind, allow, host] */
  lua_pop(L, 1);
  lua_call(L, 4, 1); /* [name] */
  return 1;
}

folio_status fl_host_read_source(folio_host *h, const char *what, const char *path, char **src,
                                 size_t *len, char chunk[FL_CHUNK_NAME_SIZE]) {
  folio_error err;
  folio_status st = folio_i_read_file(what, path, FL_MAX_SOURCE_BYTES, src, len, &err);
  if (st != FOLIO_OK) {
    fl_host_set_error(h, "%s", err.message);
    return st;
  }
  snprintf(chunk, FL_CHUNK_NAME_SIZE, "@%s", path);
  return FOLIO_OK;
}

/* Loads and registers one policy from source text; kind is "shipped",
 * "folder" (a policy_path folder) or "explicit" (folio_host_load_policy_*),
 * for register_file. */
static folio_status load_policy(folio_host *h, const char *chunk, const char *src, size_t len,
                                const char *kind, char *name_out, size_t name_size) {
  lua_State *L = h->L;
  int top = lua_gettop(L);
  folio_status lst = fl_host_load_chunk(h, chunk, src, len); /* [chunk, env] */
  if (lst != FOLIO_OK) return lst;
  int env = lua_gettop(L);
  lua_pushvalue(L, env);
  lua_setupvalue(L, env - 1, 1);
  lua_pushvalue(L, env - 1);                  /* [chunk, env, chunk] */
  folio_status st = fl_host_call(h, 0, 1);          /* [chunk, env, policy] */
  if (st != FOLIO_OK) {
    if (h->L == L) lua_settop(L, top);
    return st;
  }
  lua_pushcfunction(L, register_policy);
  lua_insert(L, -2);                                /* [chunk, env, register_policy, policy] */
  lua_pushstring(L, chunk[0] == '@' || chunk[0] == '=' ? chunk + 1 : chunk); /* the file, for messages */
  lua_pushstring(L, kind);
  lua_pushboolean(L, h->opts.allow_override);
  st = fl_host_call(h, 4, 1);                       /* [chunk, env, name] */
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

static int cmp_names(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Loads every *.lua file of a folder, in name order. A missing folder is
 * not an error (a user folder may not exist yet); a bad policy is. */
static folio_status load_folder(folio_host *h, const char *dir, const char *kind) {
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
    if (!(names[n] = fl_host_strdup(e->d_name))) { st = FOLIO_ENOMEM; break; }
    n++;
  }
  closedir(d);
  if (st == FOLIO_OK && n) qsort(names, n, sizeof *names, cmp_names);
  for (size_t i = 0; i < n && st == FOLIO_OK; i++) {
    char path[4096], chunk[FL_CHUNK_NAME_SIZE];
    snprintf(path, sizeof path, "%s/%s", dir, names[i]);
    size_t len;
    char *src = NULL;
    if ((st = fl_host_read_source(h, "load_policy", path, &src, &len, chunk)) != FOLIO_OK) break;
    st = load_policy(h, chunk, src, len, kind, NULL, 0);
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

folio_status fl_host_load_policies(folio_host *h) {
  folio_status st;
  set_policy_dirs(h);
  if (h->shipped && *h->shipped && (st = load_folder(h, h->shipped, "shipped")) != FOLIO_OK) return st;
  const char *p = h->path;
  while (p && *p) {
    const char *end = strchr(p, ':');
    size_t len = end ? (size_t)(end - p) : strlen(p);
    char dir[4096];
    snprintf(dir, sizeof dir, "%.*s", (int)(len < sizeof dir ? len : sizeof dir - 1), p);
    if (len && (st = load_folder(h, dir, "folder")) != FOLIO_OK) return st;
    p += len + (end ? 1 : 0);
  }
  for (size_t i = 0; i < h->n_kept; i++) {
    st = load_policy(h, h->kept[i].chunk, h->kept[i].source, h->kept[i].len, "explicit", NULL, 0);
    if (st != FOLIO_OK) return st;
  }
  return FOLIO_OK;
}

/* ---- policies loaded by the embedding program ------------------------------------------ */

void fl_host_free_kept(folio_host *h) {
  for (size_t i = 0; i < h->n_kept; i++) {
    free(h->kept[i].chunk);
    free(h->kept[i].source);
  }
  free(h->kept);
  h->kept = NULL;
  h->n_kept = h->cap_kept = 0;
}

static folio_status keep_source(folio_host *h, const char *chunk, const char *src, size_t len) {
  if (h->n_kept == h->cap_kept) {
    size_t cap = h->cap_kept ? h->cap_kept * 2 : 8;
    fl_kept_source *k = realloc(h->kept, sizeof *k * cap);
    if (!k) return FOLIO_ENOMEM;
    h->kept = k;
    h->cap_kept = cap;
  }
  fl_kept_source *k = &h->kept[h->n_kept];
  k->chunk = fl_host_strdup(chunk);
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

folio_status folio_host_load_policy_string(folio_host *h, const char *chunk_name, const char *source,
                                           size_t len, char *name_out, size_t name_size) {
  folio_status st = fl_host_ready(h);
  if (st != FOLIO_OK) return st;
  if (!source) {
    fl_host_set_error(h, "load_policy: source is NULL%s", NULL);
    return FOLIO_EINVAL;
  }
  const char *chunk = chunk_name ? chunk_name : "=policy";
  st = load_policy(h, chunk, source, len, "explicit", name_out, name_size);
  if (st == FOLIO_OK && keep_source(h, chunk, source, len) != FOLIO_OK) {
    fl_host_set_error(h, "load_policy: out of memory%s", NULL);
    return FOLIO_ENOMEM;
  }
  return st;
}

folio_status folio_host_load_policy_file(folio_host *h, const char *path, char *name_out,
                                         size_t name_size) {
  folio_status st = fl_host_ready(h);
  if (st != FOLIO_OK) return st;
  if (!path) {
    fl_host_set_error(h, "load_policy: path is NULL%s", NULL);
    return FOLIO_EINVAL;
  }
  size_t len;
  char *src = NULL;
  char chunk[FL_CHUNK_NAME_SIZE];
  if ((st = fl_host_read_source(h, "load_policy", path, &src, &len, chunk)) != FOLIO_OK) return st;
  st = folio_host_load_policy_string(h, chunk, src, len, name_out, name_size);
  free(src);
  return st;
}

