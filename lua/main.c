/*
 * main.c — the `folio` host: runs policy and rebalance scripts.
 *
 *   folio run script.lua [args...]   run a script (it gets `arg` and `...`)
 *   folio --help | --version
 *
 * Like lua.c, main() is a thin shell: all work happens inside one protected
 * call whose message handler appends a traceback, and a Lua error exits 1
 * with "file:line: message" on stderr. LUA_INIT is ignored on purpose.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lauxlib.h"
#include "lua.h"
#include "lualib.h"
#include "lfolio.h"

#ifndef FOLIO_VERSION_STRING
#define FOLIO_VERSION_STRING "0.0.0"
#endif

static const char usage_text[] =
    "usage: folio <command> [options]\n"
    "\n"
    "commands:\n"
    "  run SCRIPT.lua [ARGS...]   run a Lua script with the folio module preloaded\n"
    "                             (`folio` is a global and `require \"folio\"` works;\n"
    "                             the script receives ARGS as `arg` and as `...`)\n"
    "\n"
    "options:\n"
    "  -h, --help                 show this help and exit\n"
    "  -v, --version              show the version and exit\n"
    "\n"
    "A Lua error exits with status 1 and prints file:line: message and a traceback.\n";

/* Message handler: turn the error object into a string (without calling any
 * metamethod of a foreign object) and append a traceback. */
static int msghandler(lua_State *L) {
  const char *msg = lua_type(L, 1) == LUA_TSTRING ? lua_tostring(L, 1) : NULL;
  if (!msg) msg = lua_pushfstring(L, "(error object is a %s value)", luaL_typename(L, 1));
  luaL_traceback(L, L, msg, 1);
  return 1;
}

/* Runs the script named by argv[first] with the rest as arguments. */
static int pmain(lua_State *L) {
  int argc = (int)lua_tointeger(L, 1);
  char **argv = (char **)lua_touserdata(L, 2);
  int first = (int)lua_tointeger(L, 3);
  luaL_openlibs(L);
  folio_lua_preload(L);                           /* package.preload.folio */
  luaL_requiref(L, "folio", luaopen_folio, 1);    /* and the global `folio` */
  lua_pop(L, 1);
  /* arg table as lua.c builds it: arg[0] = script, arg[1..] = arguments */
  lua_createtable(L, argc - first - 1, first + 1);
  for (int i = 0; i < argc; i++) {
    lua_pushstring(L, argv[i]);
    lua_rawseti(L, -2, i - first);
  }
  lua_setglobal(L, "arg");
  if (luaL_loadfilex(L, argv[first], "t") != LUA_OK) return lua_error(L);
  int nargs = argc - first - 1;
  luaL_checkstack(L, nargs, "too many arguments to script");
  for (int i = first + 1; i < argc; i++) lua_pushstring(L, argv[i]);
  lua_call(L, nargs, 0);
  return 0;
}

int main(int argc, char **argv) {
  if (argc < 2 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
    fputs(usage_text, argc < 2 ? stderr : stdout);
    return argc < 2 ? 2 : 0;
  }
  if (strcmp(argv[1], "-v") == 0 || strcmp(argv[1], "--version") == 0) {
    printf("folio %s (%s)\n", FOLIO_VERSION_STRING, LUA_RELEASE);
    return 0;
  }
  if (strcmp(argv[1], "run") != 0) {
    fprintf(stderr, "folio: unknown command '%s'\n\n%s", argv[1], usage_text);
    return 2;
  }
  if (argc < 3) {
    fprintf(stderr, "folio run: missing script name\n\n%s", usage_text);
    return 2;
  }
  lua_State *L = luaL_newstate();
  if (!L) {
    fprintf(stderr, "folio: cannot create Lua state: not enough memory\n");
    return 1;
  }
  lua_pushcfunction(L, msghandler);
  lua_pushcfunction(L, pmain);
  lua_pushinteger(L, argc);
  lua_pushlightuserdata(L, argv);
  lua_pushinteger(L, 2);
  int status = lua_pcall(L, 3, 0, 1);
  if (status != LUA_OK) {
    const char *msg = lua_tostring(L, -1);
    fprintf(stderr, "folio: %s\n", msg ? msg : "(error without message)");
  }
  lua_close(L);
  return status == LUA_OK ? 0 : 1;
}
