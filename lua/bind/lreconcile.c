/*
 * lreconcile.c — the operating-system pieces the reconciler's loop needs and
 * plain Lua lacks (folio.reconcile.sleep, file_info, list_dir, trap_signals,
 * interrupted, now, read_file, write_file, make_dir); the reconciler itself is lua/folio/reconcile.lua.
 *
 * Every function here touches the process or the file system, so each one
 * refuses to run in a sandboxed engine (a policy has no business sleeping,
 * listing folders or catching signals): they exist for trusted hosts such as
 * `folio reconcile`. The signal flag is the one piece of process-global
 * state in the Lua face, by necessity (a signal handler can reach nothing
 * else); it is only installed when trap_signals() is called.
 */
#define _XOPEN_SOURCE 700 /* realpath */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "lfolio.h"
#include "plumbing.h"

/* Set by the SIGINT/SIGTERM handler; read between cycles and while sleeping. */
static volatile sig_atomic_t interrupted_by = 0;

static void on_signal(int sig) { interrupted_by = sig; }

/* Raises unless the engine is trusted (fl_require_trusted: the message
 * every refused capability gives). */
static void require_trusted(lua_State *L, const char *fname) {
  int writes = strcmp(fname, "reconcile.write_file") == 0 || strcmp(fname, "reconcile.make_dir") == 0;
  fl_require_trusted(L, fname, writes ? FL_CAP_WRITES : FL_CAP_OUTSIDE);
}

/* ---- time ------------------------------------------------------------------ */

/* folio.reconcile.sleep(seconds) -> true, or false when a trapped signal
 * arrived (the sleep ends early). 0 <= seconds <= 86400. */
static int r_sleep(lua_State *L) {
  require_trusted(L, "reconcile.sleep");
  double s = luaL_checknumber(L, 1);
  if (!(s >= 0 && s <= 86400)) return luaL_argerror(L, 1, "seconds must be in [0, 86400]");
  struct timespec left;
  left.tv_sec = (time_t)s;
  left.tv_nsec = (long)((s - floor(s)) * 1e9);
  if (left.tv_nsec > 999999999L) left.tv_nsec = 999999999L;
  while (!interrupted_by && nanosleep(&left, &left) != 0 && errno == EINTR) {
    /* a signal other than the trapped ones: keep sleeping what is left */
  }
  lua_pushboolean(L, !interrupted_by);
  return 1;
}

/* folio.reconcile.now() -> seconds since the epoch (UTC, with fractions). */
static int r_now(lua_State *L) {
  fl_push_clock(L, CLOCK_REALTIME);
  return 1;
}

/* ---- files ------------------------------------------------------------------ */

/* folio.reconcile.file_info(path) -> {size =, mtime =, mtime_ns =, kind =}
 * (kind "file", "directory" or "other"; mtime in seconds with fractions,
 * mtime_ns the exact nanoseconds part), or nil, message when stat fails. */
static int r_file_info(lua_State *L) {
  require_trusted(L, "reconcile.file_info");
  const char *path = luaL_checkstring(L, 1);
  struct stat st;
  if (stat(path, &st) != 0) {
    luaL_pushfail(L);
    lua_pushfstring(L, "%s: %s", path, strerror(errno));
    return 2;
  }
  lua_createtable(L, 0, 4);
  fl_set_integer(L, "size", (lua_Integer)st.st_size);
  fl_set_number(L, "mtime", (lua_Number)st.st_mtim.tv_sec + 1e-9 * (lua_Number)st.st_mtim.tv_nsec);
  fl_set_integer(L, "mtime_ns", (lua_Integer)st.st_mtim.tv_nsec);
  lua_pushstring(L, S_ISREG(st.st_mode) ? "file" : S_ISDIR(st.st_mode) ? "directory" : "other");
  lua_setfield(L, -2, "kind");
  char *real = realpath(path, NULL); /* symbolic links resolved: where the path really leads */
  if (real) {
    lua_pushstring(L, real);
    free(real);
    lua_setfield(L, -2, "realpath");
  }
  return 1;
}

/* folio.reconcile.make_dir(path) -> true (created, or a folder already
 * there), or nil, message (a file of that name, no parent, no permission). */
static int r_make_dir(lua_State *L) {
  require_trusted(L, "reconcile.make_dir");
  const char *path = luaL_checkstring(L, 1);
  struct stat st;
  if (mkdir(path, 0777) != 0 && !(errno == EEXIST && stat(path, &st) == 0 && S_ISDIR(st.st_mode))) {
    int e = errno;
    luaL_pushfail(L);
    if (e == EEXIST) lua_pushfstring(L, "%s: exists and is not a folder", path);
    else lua_pushfstring(L, "%s: cannot create the folder: %s", path, strerror(e));
    return 2;
  }
  lua_pushboolean(L, 1);
  return 1;
}

/* An open folder boxed in a userdata, so an error raised while it is read
 * (out of memory) closes it through __gc instead of leaking it. */
static void release_dir(void *p) { closedir(p); }

/* folio.reconcile.list_dir(path) -> array of the entry names (without "."
 * and ".."), sorted bytewise; or nil, message when the folder cannot be read. */
static int r_list_dir(lua_State *L) {
  require_trusted(L, "reconcile.list_dir");
  const char *path = luaL_checkstring(L, 1);
  lua_newtable(L);                              /* [path, names] */
  fl_box *box = fl_box_push(L, release_dir); /* [path, names, box] */
  DIR *dir = opendir(path);
  box->p = dir;
  if (!dir) {
    luaL_pushfail(L);
    lua_pushfstring(L, "%s: %s", path, strerror(errno));
    return 2;
  }
  lua_Integer n = 0;
  struct dirent *e;
  while ((e = readdir(dir)) != NULL) {
    if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
    lua_pushstring(L, e->d_name);
    lua_rawseti(L, 2, ++n);
  }
  fl_box_release(box);
  /* sort borrowed pointers (the strings stay anchored in names) */
  const char **v = fl_scratch(L, (size_t)n, sizeof *v); /* [path, names, box, scratch] */
  for (lua_Integer i = 0; i < n; i++) {
    lua_rawgeti(L, 2, i + 1);
    v[i] = lua_tostring(L, -1);
    lua_pop(L, 1);
  }
  qsort(v, (size_t)n, sizeof *v, folio_i_cmp_str);
  lua_createtable(L, (int)n, 0);
  for (lua_Integer i = 0; i < n; i++) {
    lua_pushstring(L, v[i]);
    lua_rawseti(L, -2, i + 1);
  }
  return 1;
}

/* The largest file read_file reads: a config, a state file, the journal or
 * the paper exchange's file is a few kilobytes; anything near this is not one. */
#define FL_MAX_RECONCILE_FILE ((size_t)64 << 20) /* 64 MiB */

static void release_text(void *p) { free(p); }

/* folio.reconcile.read_file(path) -> the whole text of the regular file at
 * path (folio_i_read_file: at most 64 MiB, and what is not a regular file, a
 * FIFO or a folder, is refused without blocking). Fails with nil, message,
 * missing: missing is true when there is nothing at path, and then the
 * message is "<path>: No such file or directory" (as io.open's); otherwise
 * it is the reader's "read_file: <path> ..." (not a regular file, larger
 * than the bound, cannot open or read it, and why). */
static int r_read_file(lua_State *L) {
  require_trusted(L, "reconcile.read_file");
  const char *path = luaL_checkstring(L, 1);
  if (!*path) return luaL_argerror(L, 1, "path is empty");
  fl_box *box = fl_box_push(L, release_text); /* [path, box] */
  char *text = NULL;
  size_t len = 0;
  folio_error err;
  if (folio_i_read_file("read_file", path, FL_MAX_RECONCILE_FILE, &text, &len, &err) != FOLIO_OK) {
    struct stat st;
    int missing = stat(path, &st) != 0 && (errno == ENOENT || errno == ENOTDIR);
    luaL_pushfail(L); /* [path, box, nil] */
    if (missing)
      lua_pushfstring(L, "%s: %s", path, strerror(ENOENT));
    else
      lua_pushstring(L, err.message); /* [path, box, nil, message] */
    lua_pushboolean(L, missing);      /* [path, box, nil, message, missing] */
    return 3;
  }
  box->p = text;                 /* owned by the box from here on */
  lua_pushlstring(L, text, len); /* [path, box, text] */
  fl_box_release(box);           /* early: the Lua string holds the text */
  return 1;
}

/* folio.reconcile.write_file(path, text [, {exclusive = true}]) writes text
 * to path durably and atomically (folio_i_write_atomic: a temporary file
 * beside it, fsync, rename over path, fsync of the folder; mode 0666 less the
 * umask). A crash at any moment leaves the old file or the new one, whole (the
 * journal's protocol depends on it). exclusive: only if path does not exist
 * (folio_i_create_atomic; of concurrent creators exactly one wins). Returns
 * true, or nil, message (the old file, if any, unchanged) [, "exists"]. */
static int r_write_file(lua_State *L) {
  require_trusted(L, "reconcile.write_file");
  const char *path = luaL_checkstring(L, 1);
  size_t len;
  const char *text = luaL_checklstring(L, 2, &len);
  if (!*path) return luaL_argerror(L, 1, "path is empty");
  int exclusive = 0;
  if (!lua_isnoneornil(L, 3)) {
    luaL_checktype(L, 3, LUA_TTABLE);
    lua_pushnil(L);
    while (lua_next(L, 3)) {
      lua_pop(L, 1);
      if (lua_type(L, -1) != LUA_TSTRING || strcmp(lua_tostring(L, -1), "exclusive") != 0)
        return luaL_argerror(L, 3, "unknown option (expected {exclusive = true})");
    }
    lua_getfield(L, 3, "exclusive");
    exclusive = lua_toboolean(L, -1);
    lua_pop(L, 1);
  }
  folio_error err;
  folio_status st = exclusive ? folio_i_create_atomic("write_file", path, text, len, &err)
                              : folio_i_write_atomic("write_file", path, text, len, &err);
  if (st != FOLIO_OK) {
    luaL_pushfail(L);
    lua_pushstring(L, err.message);
    if (st == FOLIO_EDUP) {
      lua_pushliteral(L, "exists");
      return 3;
    }
    return 2;
  }
  lua_pushboolean(L, 1);
  return 1;
}

/* ---- signals ------------------------------------------------------------------ */

/* folio.reconcile.trap_signals() installs handlers for SIGINT and SIGTERM
 * that only set a flag (no SA_RESTART, so a sleep ends at once); the loop
 * checks interrupted() between cycles and exits cleanly. */
static int r_trap_signals(lua_State *L) {
  require_trusted(L, "reconcile.trap_signals");
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  if (sigaction(SIGINT, &sa, NULL) != 0 || sigaction(SIGTERM, &sa, NULL) != 0)
    return luaL_error(L, "trap_signals: %s", strerror(errno));
  interrupted_by = 0;
  return 0;
}

/* folio.reconcile.interrupted() -> the signal's name ("SIGINT"/"SIGTERM"), or false. */
static int r_interrupted(lua_State *L) {
  int sig = interrupted_by;
  if (sig == SIGINT)
    lua_pushliteral(L, "SIGINT");
  else if (sig == SIGTERM)
    lua_pushliteral(L, "SIGTERM");
  else
    lua_pushboolean(L, 0);
  return 1;
}

static const luaL_Reg reconcile_funcs[] = {{"sleep", r_sleep},
                                           {"now", r_now},
                                           {"file_info", r_file_info},
                                           {"read_file", r_read_file},
                                           {"write_file", r_write_file},
                                           {"list_dir", r_list_dir},
                                           {"make_dir", r_make_dir},
                                           {"trap_signals", r_trap_signals},
                                           {"interrupted", r_interrupted},
                                           {NULL, NULL}};

int fl_open_reconcile(lua_State *L) {
  luaL_newlib(L, reconcile_funcs);
  return 1;
}
