/*
 * fuzz_lua.h — what the harnesses that drive folio's Lua readers share: a
 * trusted Lua state with the folio module (as `folio run --trusted` has,
 * since these readers are the operators' commands), built once per process,
 * and a scratch folder below the working folder (relative, so reads are
 * allowed whatever the sandbox's path rules are) removed at exit.
 *
 * Each harness gives a chunk that returns the function to call per input
 * with the input as a string. That function pcalls the reader itself: a
 * refusal is the reader's job; an error escaping the function is an
 * assertion of the harness that failed, and aborts (libFuzzer then saves the
 * input). Set FOLIO_FUZZ_STRICT=1 to have the chunks also treat an internal
 * Lua error of a reader (one without the reader's own prefix) as a finding.
 */
#ifndef FOLIO_FUZZ_LUA_H
#define FOLIO_FUZZ_LUA_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lauxlib.h"
#include "lfolio.h"
#include "lua.h"
#include "lualib.h"

static lua_State *fz_L;
static int fz_fn = LUA_NOREF;
static char fz_dir[64];

static void fz_cleanup(void) {
  if (fz_dir[0]) {
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", fz_dir);
    if (system(cmd) != 0) fprintf(stderr, "fuzz: could not remove %s\n", fz_dir);
  }
  if (fz_L) lua_close(fz_L);
}

/* Builds the state, a scratch folder, and the per-input function: `chunk`
 * is called with the scratch folder and strict (a boolean) as `...`. */
static void fz_lua_init(const char *name, const char *chunk) {
  snprintf(fz_dir, sizeof fz_dir, "fuzz-tmp-%s-XXXXXX", name);
  if (!mkdtemp(fz_dir)) {
    perror("fuzz: mkdtemp");
    abort();
  }
  atexit(fz_cleanup);
  fz_L = luaL_newstate();
  if (!fz_L) abort();
  luaL_openlibs(fz_L);
  luaL_requiref(fz_L, "folio", luaopen_folio, 0); /* [folio] */
  lua_pop(fz_L, 1);                                /* [] */
  if (luaL_loadbufferx(fz_L, chunk, strlen(chunk), name, "t") != LUA_OK) goto fail; /* [chunk] */
  lua_pushstring(fz_L, fz_dir);                                 /* [chunk, dir] */
  const char *strict = getenv("FOLIO_FUZZ_STRICT");
  lua_pushboolean(fz_L, strict && strcmp(strict, "1") == 0);   /* [chunk, dir, strict] */
  if (lua_pcall(fz_L, 2, 1, 0) != LUA_OK || !lua_isfunction(fz_L, -1)) goto fail; /* [fn] */
  fz_fn = luaL_ref(fz_L, LUA_REGISTRYINDEX);                    /* [] */
  return;
fail:
  fprintf(stderr, "fuzz: %s: %s\n", name, lua_tostring(fz_L, -1));
  abort();
}

/* Calls the per-input function on data; aborts when an error escapes it. */
static void fz_lua_call(const unsigned char *data, size_t size) {
  lua_rawgeti(fz_L, LUA_REGISTRYINDEX, fz_fn);      /* [fn] */
  lua_pushlstring(fz_L, (const char *)data, size);  /* [fn, text] */
  if (lua_pcall(fz_L, 1, 0, 0) != LUA_OK) {         /* [] or [msg] */
    const char *msg = lua_tostring(fz_L, -1);
    fprintf(stderr, "fuzz: finding: %s\n", msg ? msg : "(error object is not a string)");
    abort();
  }
  lua_gc(fz_L, LUA_GCCOLLECT, 0); /* each input starts from the same heap */
}

#endif
