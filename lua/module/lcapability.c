/*
 * lcapability.c — what code in a sandboxed engine may do to files and to
 * the process (docs/sandbox.md, "Capabilities"): write nothing, read only
 * regular files below the working folder, within the memory budget.
 *
 * The table below is the one place that says which folio functions reach
 * the file system or the process; every other function of `folio` computes
 * on what it is given. The sandbox (sandbox.c) replaces each function marked
 * `refused` in its read-only `folio` with a stub that raises
 * "<name>: needs a trusted engine ..."; the writers also check for
 * themselves (fl_require_trusted), so module code that reaches the real
 * function (folio.rebalance.run calling folio.store.open) is refused too.
 * folio.capabilities lists the table for scripts and tests: the hostile
 * tests call every writer in a sandbox and walk `folio` for functions that
 * are in no list and not known to be pure.
 *
 * Readers in a sandboxed engine go through fl_read_file / fl_check_tree:
 * the path is resolved one component at a time without following links
 * (folio_i_open_beneath), the file is read from the opened descriptor, and
 * its size counts against the engine's memory budget before it is read.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lfolio.h"
#include "plumbing.h"
#include "sandbox.h"

/* Every folio function that touches files or the process, by its name
 * under `folio`. WRITES: can create, modify or delete a file (refused whole
 * in a sandbox, except those whose only writing form is an explicit output
 * argument, which refuse that argument themselves). OUTSIDE: reaches the
 * file system beyond the sandbox's reads, or the process (signals, sleep),
 * refused whole. READS: reads files, in a sandbox only as the sandbox reads. */
static const fl_capability capabilities[] = {
    /* writers */
    {"accounts.cli", FL_CAP_WRITES, 1, "folio rebalance --accounts: orders, stores, unit files, summary.csv"},
    {"accounts.merge_units", FL_CAP_WRITES, 1, "writes summary.csv"},
    {"accounts.result", FL_CAP_WRITES, 1, "opens an account's store (an open writes -wal/-shm files)"},
    {"backtest.cli", FL_CAP_WRITES, 1, "folio backtest: the output folder and the checkpoint store"},
    {"backtest.run", FL_CAP_WRITES, 1, "writes --out files and checkpoints to its store; reads price files"},
    {"data.write_csv", FL_CAP_WRITES, 1, "replaces a file with weights or a matrix as CSV"},
    {"exchange.paper", FL_CAP_WRITES, 1, "persists the paper exchange's book in its file"},
    {"manager.optimize", FL_CAP_WRITES, 0,
     "writes portfolio_config.json with out = path (refused in a sandbox); reads root's stats files"},
    {"oms.file", FL_CAP_WRITES, 1, "the file OMS writes its orders CSV"},
    {"rebalance.cli", FL_CAP_WRITES, 1, "folio rebalance: the orders file and the event store"},
    {"rebalance.run", FL_CAP_WRITES, 1, "submits orders and records them in the event store"},
    {"reconcile.cli", FL_CAP_WRITES, 1, "folio reconcile: journal, exchange file, orders"},
    {"reconcile.cycle", FL_CAP_WRITES, 1, "writes the journal and the exchange's file"},
    {"reconcile.watch", FL_CAP_WRITES, 1, "reconcile.cycle in a loop"},
    {"reconcile.write_file", FL_CAP_WRITES, 1, "replaces a file"},
    {"reconcile.make_dir", FL_CAP_WRITES, 1, "creates a folder"},
    {"report.write_csv", FL_CAP_WRITES, 1, "replaces a file with a report"},
    {"sweep.cli", FL_CAP_WRITES, 1, "folio sweep: unit files, plan.json, results.csv, best.csv"},
    {"sweep.merge_units", FL_CAP_WRITES, 1, "writes results.csv and best.csv"},
    {"units.cli_job", FL_CAP_WRITES, 1, "runs units and writes their files, the plan and the outputs"},
    {"units.cli_merge", FL_CAP_WRITES, 1, "folio merge: the job's outputs"},
    {"units.make_dirs", FL_CAP_WRITES, 1, "creates the job's folders"},
    {"units.merge", FL_CAP_WRITES, 1, "writes the job's outputs and failures.csv"},
    {"units.run", FL_CAP_WRITES, 1, "writes one file per unit, removes temporary files"},
    {"units.write_bundle", FL_CAP_WRITES, 1, "writes a rank's results to one file; reads unit files"},
    {"units.write_file", FL_CAP_WRITES, 1, "replaces a file"},
    {"units.write_plan", FL_CAP_WRITES, 1, "writes plan.json"},
    {"store.open", FL_CAP_WRITES, 1,
     "the SQLite event store: every store writes (even a read-only open makes -wal/-shm files)"},
    /* beyond the sandbox's reads, or the process */
    {"file_info", FL_CAP_OUTSIDE, 1, "stat of any path, following links"},
    {"oms.load", FL_CAP_OUTSIDE, 1, "runs a trusted Lua file"},
    {"accounts.prepare", FL_CAP_OUTSIDE, 1, "reads the accounts, fund and prices; its work submits orders"},
    {"accounts.read", FL_CAP_OUTSIDE, 1, "reads any accounts file"},
    {"units.cli_options", FL_CAP_OUTSIDE, 1, "stat of the default volumes file"},
    {"units.collect", FL_CAP_OUTSIDE, 1, "reads any unit and failure file"},
    {"units.missing", FL_CAP_OUTSIDE, 1, "lists a job's folders"},
    {"units.inputs", FL_CAP_OUTSIDE, 1, "reads the policy files to digest them"},
    {"units.read_json", FL_CAP_OUTSIDE, 1, "reads any file"},
    {"units.read_plan", FL_CAP_OUTSIDE, 1, "reads any plan.json"},
    {"sweep.prepare", FL_CAP_OUTSIDE, 1, "reads the fund, grid, prices; loads policy files"},
    {"sweep.read_grid", FL_CAP_READS, 0, "a grid file (through config.tree)"},
    {"reconcile.file_info", FL_CAP_OUTSIDE, 1, "stat of any path, following links"},
    {"reconcile.list_dir", FL_CAP_OUTSIDE, 1, "lists any folder"},
    {"reconcile.read_file", FL_CAP_OUTSIDE, 1, "reads any file"},
    {"reconcile.sleep", FL_CAP_OUTSIDE, 1, "sleeps the process"},
    {"reconcile.trap_signals", FL_CAP_OUTSIDE, 1, "installs signal handlers"},
    {"sleep", FL_CAP_OUTSIDE, 1, "sleeps the process"},
    /* readers: in a sandbox, regular files below the working folder, within the memory budget */
    {"config.load", FL_CAP_READS, 0, "a fund file"},
    {"config.tree", FL_CAP_READS, 0, "a YAML file as a tree (sweep grids)"},
    {"data.read_csv", FL_CAP_READS, 0, "a wide CSV"},
    {"data.read_market", FL_CAP_READS, 0, "two wide CSVs"},
    {"data.read_records", FL_CAP_READS, 0, "a CSV as text records"},
    {"manager.read_stats", FL_CAP_READS, 0, "a strategy's stats file"},
    {"oms.read_positions", FL_CAP_READS, 0, "a positions CSV (through data.read_records)"},
    {NULL, 0, 0, NULL},
};

const fl_capability *fl_capabilities(void) { return capabilities; }

static const char *kind_name(fl_cap_kind k) {
  return k == FL_CAP_WRITES    ? "writes files"
         : k == FL_CAP_OUTSIDE ? "reaches files or the process outside the sandbox"
                               : "reads files";
}

void fl_require_trusted(lua_State *L, const char *fname, fl_cap_kind kind) {
  if (!fl_sandboxed(L)) return;
  if (kind == FL_CAP_WRITES)
    luaL_error(L, "%s: needs a trusted engine (folio run --trusted, or folio_host_opts.trusted): it writes "
                  "files, and sandboxed code may not create, modify or delete any file", fname);
  luaL_error(L, "%s: needs a trusted engine (folio run --trusted, or folio_host_opts.trusted): it %s",
             fname, kind_name(kind));
}

/* The stub the sandbox puts in place of a refused function: upvalue 1 is
 * its name, 2 its kind. */
static int refused(lua_State *L) {
  fl_require_trusted(L, lua_tostring(L, lua_upvalueindex(1)),
                     (fl_cap_kind)lua_tointeger(L, lua_upvalueindex(2)));
  return 0; /* not reached in a sandbox */
}

void fl_push_refused(lua_State *L, const fl_capability *c) {
  lua_pushstring(L, c->name);
  lua_pushinteger(L, (lua_Integer)c->kind);
  lua_pushcclosure(L, refused, 2);
}

/* folio.capabilities = {writes = {...}, outside = {...}, reads = {...}}:
 * the names of the table above, sorted within each list. */
int fl_open_capabilities(lua_State *L) {
  static const char *const keys[] = {"writes", "outside", "reads"};
  lua_createtable(L, 0, 3);
  for (int k = 0; k < 3; k++) {
    lua_newtable(L);
    lua_Integer n = 0;
    for (const fl_capability *c = capabilities; c->name; c++)
      if ((int)c->kind == k) {
        lua_pushstring(L, c->name);
        lua_rawseti(L, -2, ++n);
      }
    lua_setfield(L, -2, keys[k]);
  }
  return 1;
}

/* internal.may_override() -> true in a trusted engine or when the host allows
 * overrides (folio_host_opts.allow_override, registry FL_REG_ALLOW_OVERRIDE):
 * whether a script may replace a built-in, shipped or folder policy. */
int fl_may_override(lua_State *L) {
  int allow = !fl_sandboxed(L);
  if (!allow) {
    allow = lua_getfield(L, LUA_REGISTRYINDEX, FL_REG_ALLOW_OVERRIDE) == LUA_TBOOLEAN && lua_toboolean(L, -1);
    lua_pop(L, 1);
  }
  lua_pushboolean(L, allow);
  return 1;
}

/* ---- sandboxed reads ------------------------------------------------------ */

/* Bytes the engine may still allocate; SIZE_MAX without a limit. */
static size_t budget_left(lua_State *L, size_t *limit) {
  fl_budget *b = fl_budget_of(L);
  *limit = b ? b->limit : 0;
  if (!b || !b->limit) return SIZE_MAX;
  return b->used < b->limit ? b->limit - b->used : 0;
}

/* Raises unless `size` bytes of `path` fit in what is left of the budget. */
static void check_budget(lua_State *L, const char *fname, const char *path, uintmax_t size) {
  size_t limit, left = budget_left(L, &limit);
  if (size > (uintmax_t)left)
    luaL_error(L, "%s: %s is %I bytes, more than the %I bytes left of the engine's memory budget "
                  "(%I bytes in all, --max-memory-mb); nothing was read",
               fname, path, (lua_Integer)(size > (uintmax_t)LUA_MAXINTEGER ? LUA_MAXINTEGER : (lua_Integer)size),
               (lua_Integer)left, (lua_Integer)limit);
}

/* Raises the refusal of folio_i_open_beneath (errno as it left it), saying
 * what the sandbox reads (a plain "cannot open" when there is nothing at path). */
static int open_refused(lua_State *L, const folio_error *err) {
  if (errno == ENOENT) return luaL_error(L, "%s", err->message);
  return luaL_error(L, "%s; the sandbox reads only files below the working folder (relative paths without "
                       "'..', no symbolic links, regular files with one link); run trusted "
                       "(folio run --trusted) to read elsewhere",
                    err->message);
}

const char *fl_check_path(lua_State *L, int idx, const char *fname, const char *what) {
  size_t len;
  const char *path = lua_tolstring(L, idx, &len);
  if (!path || lua_type(L, idx) != LUA_TSTRING)
    fl_argerror(L, fname, "%s must be a string (a file name), got %s", what, luaL_typename(L, idx));
  if (len == 0) fl_argerror(L, fname, "%s is empty", what);
  if (strlen(path) != len) fl_argerror(L, fname, "%s contains a NUL byte", what);
  return path;
}

static void release_text(void *p) { free(p); }

const char *fl_read_file(lua_State *L, const char *fname, const char *path, size_t max_bytes, size_t *len) {
  fl_box *box = fl_box_push(L, release_text); /* [box] */
  char *text = NULL;
  folio_error err;
  folio_status st;
  if (!fl_sandboxed(L)) {
    st = folio_i_read_file(fname, path, max_bytes, &text, len, &err);
  } else {
    int fd;
    if (folio_i_open_beneath(fname, path, 0, &fd, &err) != FOLIO_OK) open_refused(L, &err);
    struct stat sb;
    if (fstat(fd, &sb) != 0) sb.st_size = 0;
    size_t limit, left = budget_left(L, &limit);
    if ((uintmax_t)sb.st_size > (uintmax_t)left) {
      close(fd);
      check_budget(L, fname, path, (uintmax_t)sb.st_size);
    }
    st = folio_i_read_fd(fname, path, fd, left < max_bytes ? left : max_bytes, &text, len, &err);
    close(fd);
  }
  box->p = text;
  if (st != FOLIO_OK) luaL_error(L, "%s", err.message);
  lua_pushlstring(L, text, *len); /* [box, text]: counted by the budget from here */
  fl_box_release(box);            /* early: the Lua string holds the text */
  lua_remove(L, -2);              /* [text] */
  return lua_tostring(L, -1);
}

/* Closes the folder stream held by a box (fl_check_tree). */
static void release_dir(void *p) { closedir(p); }

/* Looks at the entry `name` of the folder open as dfd (its path for
 * messages: root/sub/name) for fl_check_tree: adds a regular file's size to
 * *total and sets *is_dir; for a symbolic link or a file with several links
 * pushes the message and returns 1 (the caller closes what it holds, then
 * raises), else returns 0. */
static int entry_refused(lua_State *L, const char *fname, const char *root, const char *sub, int dfd,
                         const char *name, uintmax_t *total, int *is_dir) {
  struct stat sb;
  *is_dir = 0;
  if (fstatat(dfd, name, &sb, AT_SYMLINK_NOFOLLOW) != 0) return 0;
  const char *sep = *sub ? "/" : "";
  if (S_ISLNK(sb.st_mode)) {
    lua_pushfstring(L, "%s: %s/%s%s%s is a symbolic link (links are not followed); the sandbox reads only "
                       "files below the working folder; run trusted (folio run --trusted) to read elsewhere",
                    fname, root, sub, sep, name);
    return 1;
  }
  if (S_ISREG(sb.st_mode) && sb.st_nlink > 1) {
    lua_pushfstring(L, "%s: %s/%s%s%s has %I hard links (a linked file may live outside the folder); the "
                       "sandbox reads only files below the working folder",
                    fname, root, sub, sep, name, (lua_Integer)sb.st_nlink);
    return 1;
  }
  *is_dir = S_ISDIR(sb.st_mode);
  if (S_ISREG(sb.st_mode)) *total += (uintmax_t)sb.st_size;
  return 0;
}

void fl_check_tree(lua_State *L, const char *fname, const char *root) {
  if (!fl_sandboxed(L)) return;
  int fd;
  folio_error err;
  if (folio_i_open_beneath(fname, root, 1, &fd, &err) != FOLIO_OK) open_refused(L, &err);
  fl_box *box = fl_box_push(L, release_dir); /* [box] */
  DIR *d = fdopendir(fd);
  if (!d) {
    close(fd);
    luaL_error(L, "%s: cannot read folder %s (%s)", fname, root, strerror(errno));
  }
  box->p = d;
  uintmax_t total = 0;
  for (struct dirent *e; (e = readdir(d)) != NULL;) {
    if (e->d_name[0] == '.') continue; /* as the manager: hidden entries are not strategies */
    int is_dir;
    if (entry_refused(L, fname, root, "", dirfd(d), e->d_name, &total, &is_dir)) lua_error(L);
    if (!is_dir) continue;
    int sub = openat(dirfd(d), e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    DIR *sd = sub >= 0 ? fdopendir(sub) : NULL;
    if (!sd) {
      if (sub >= 0) close(sub);
      continue;
    }
    int bad = 0;
    for (struct dirent *f; !bad && (f = readdir(sd)) != NULL;) {
      if (strcmp(f->d_name, ".") == 0 || strcmp(f->d_name, "..") == 0) continue;
      int inner_dir;
      bad = entry_refused(L, fname, root, e->d_name, dirfd(sd), f->d_name, &total, &inner_dir);
    }
    closedir(sd);
    if (bad) lua_error(L); /* the message pushed by entry_refused */
  }
  fl_box_release(box);
  lua_pop(L, 1);
  check_budget(L, fname, root, total);
}
