/*
 * lcancel.c — the engine's cancellation of long core calls (folio/cancel.h):
 * one folio_cancel per host engine, polled by the core's loops, that says
 * stop once the run's deadline has passed or its memory budget is exceeded.
 *
 * A Lua count hook cannot see a C loop: a risk_parity with tol = 1e-300 or a
 * COBYLA step on 2,000 variables runs in C for minutes without executing a
 * single VM instruction. So every binding of a core function that loops
 * passes fl_cancel_of(L) in its options; the core polls it every ~1e6 flops
 * (docs/c-api.md, "Cancellation"), and when it answers stop the core
 * returns FOLIO_ECANCELED. fl_core_error turns that status into the very
 * kill the hook raises (fl_push_kill: a pcall in the script cannot catch it),
 * with the core's message kept for the host's error text, so the run ends
 * exactly as a Lua loop past its deadline does: FOLIO_ETIMEOUT (or
 * FOLIO_EMEMORY) and a rebuilt engine.
 *
 * Outside a budgeted host run (a stock lua5.4 with `require "folio"`, a
 * trusted host) there is no deadline: fl_cancel_of returns NULL and the core
 * is never cancelled.
 */
#include <string.h>
#include <time.h>

#include "lfolio.h"
#include "sandbox.h"

/* The registry key of the engine's fl_cancel (a light userdata). */
#define FL_REG_CANCEL "folio.cancel"

static double monotonic_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts); /* vDSO: tens of nanoseconds */
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* The folio_cancel poll: stop once the run's deadline has passed or its
 * memory budget is exceeded. Marks the budget as killed, as the hook does,
 * so that the host reports FOLIO_ETIMEOUT / FOLIO_EMEMORY. */
static int cancel_poll(void *ud) {
  fl_cancel *c = ud;
  fl_budget *b = c->budget;
  if (!b || !b->enforce) return 0;
  if (b->killed) return 1;
  if (b->deadline > 0 && monotonic_now() > b->deadline) {
    b->killed = FL_KILL_TIME;
    return 1;
  }
  if (b->limit && b->used > b->limit) {
    b->killed = FL_KILL_MEMORY;
    return 1;
  }
  return 0;
}

void fl_cancel_init(fl_cancel *c, fl_budget *budget) {
  c->cancel.poll = cancel_poll;
  c->cancel.ud = c;
  c->budget = budget;
  c->where[0] = '\0';
}

void fl_cancel_register(lua_State *L, fl_cancel *c) {
  lua_pushlightuserdata(L, c);                          /* [c] */
  lua_setfield(L, LUA_REGISTRYINDEX, FL_REG_CANCEL);    /* [] */
}

static fl_cancel *cancel_of(lua_State *L) {
  lua_getfield(L, LUA_REGISTRYINDEX, FL_REG_CANCEL); /* [c or nil] */
  fl_cancel *c = lua_touserdata(L, -1);
  lua_pop(L, 1);
  return c;
}

const folio_cancel *fl_cancel_of(lua_State *L) {
  fl_cancel *c = cancel_of(L);
  return c && c->budget && c->budget->enforce ? &c->cancel : NULL;
}

int fl_cancel_expired(lua_State *L) {
  fl_cancel *c = cancel_of(L);
  return c && cancel_poll(c);
}

double fl_cancel_remaining(lua_State *L) {
  fl_cancel *c = cancel_of(L);
  if (!c || !c->budget || !c->budget->enforce || !(c->budget->deadline > 0)) return 0;
  double left = c->budget->deadline - monotonic_now();
  return left > 1e-6 ? left : 1e-6;
}

int fl_cancel_raise(lua_State *L, const char *where) {
  fl_cancel *c = cancel_of(L);
  if (!c || !c->budget || !c->budget->killed) /* not ours: an embedder's own cancel */
    return luaL_error(L, "%s", where && where[0] ? where : "cancelled");
  if (where) {
    size_t n = strlen(where);
    if (n >= sizeof c->where) n = sizeof c->where - 1;
    memcpy(c->where, where, n);
    c->where[n] = '\0';
  }
  fl_push_kill(L);
  return lua_error(L);
}
