/*
 * host_internal.h — what the files of the embedding API (folio/host.h)
 * share, internal to lua/runtime:
 *
 *   host.c          the host's lifecycle: options, the engine (open, close,
 *                   rebuild after a budget kill), protected calls, scripts
 *   host_load.c     policy loading: files, folders, strings, the folders
 *                   require() searches, the sources replayed on a rebuild
 *   host_marshal.c  marshalling between C arrays and Lua: folio_host_size
 *                   and folio_host_sizer_names
 *   host_paths.c    where the shipped policies and sample data are
 *                   (host_paths.h)
 */
#ifndef FOLIO_HOST_INTERNAL_H
#define FOLIO_HOST_INTERNAL_H

#include <stddef.h>

#include "folio/host.h"
#include "lfolio.h"
#include "lua.h"
#include "sandbox.h"

/* The largest policy, script or lib/ module read from a file. */
#define FL_MAX_SOURCE_BYTES ((size_t)64 << 20)

typedef struct fl_kept_source {
  char *chunk, *source;
  size_t len;
} fl_kept_source;

struct folio_host {
  folio_host_opts opts;
  char *shipped, *path;   /* owned copies of the folders */
  lua_State *L;
  fl_budget budget;
  fl_cancel cancel;       /* the core's cancellation, polling budget (lcancel.c) */
  char error[4096];       /* a message (at most 1 KiB) plus its traceback */
  fl_kept_source *kept;   /* policies loaded by file or string, replayed on rebuild */
  size_t n_kept, cap_kept;
  int opening;            /* engine_open in progress: a kill there fails the open, no rebuild */
};

/* host.c */
/* h->error = fmt with one %s argument (NULL reads as ""). */
void fl_host_set_error(folio_host *h, const char *fmt, const char *arg);
/* A malloc'd copy of s (NULL for NULL or out of memory). */
char *fl_host_strdup(const char *s);
/* Calls the function below nargs arguments on the stack, under the run's
 * budgets and the message handler; on failure the message is in h->error
 * and a budget kill rebuilds the engine (h->L may change). */
folio_status fl_host_call(folio_host *h, int nargs, int nres);
/* Opens the engine if a failed rebuild left none. */
folio_status fl_host_ready(folio_host *h);
/* Loads src[0..len) as a text chunk named `chunk` and pushes it with a fresh
 * environment for it (fl_sandbox_new_env), which becomes the registry's
 * folio.sandbox.runenv: [chunk, env]. On a syntax error: FOLIO_EPARSE, the
 * message in h->error and the stack as it was. */
folio_status fl_host_load_chunk(folio_host *h, const char *chunk, const char *src, size_t len);

/* host_load.c */
/* Sets the policy folders (shipped, then the policy path) in the registry
 * for require(), loads every folder's *.lua in name order, then replays the
 * kept sources. Used while the engine opens. */
folio_status fl_host_load_policies(folio_host *h);
/* Reads the Lua source file at path (at most FL_MAX_SOURCE_BYTES; a failure
 * names `what`) into a malloc'd *src of *len bytes, and writes its chunk
 * name "@path" into chunk; on failure the message is in h->error. */
#define FL_CHUNK_NAME_SIZE 4200
folio_status fl_host_read_source(folio_host *h, const char *what, const char *path, char **src,
                                 size_t *len, char chunk[FL_CHUNK_NAME_SIZE]);
/* Frees the kept sources. */
void fl_host_free_kept(folio_host *h);

#endif
