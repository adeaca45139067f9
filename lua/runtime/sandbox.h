/*
 * sandbox.h — the policy sandbox inside a host engine (internal to lua/).
 *
 * One engine = one lua_State whose allocator and count hook enforce a
 * budget (fl_budget, reached through lua_getextraspace). The sandbox builds
 * a frozen standard library once per engine; every run and every policy gets
 * a fresh environment table whose __index is that frozen library.
 */
#ifndef FOLIO_LSANDBOX_H
#define FOLIO_LSANDBOX_H

#include <stddef.h>
#include <stdint.h>

#include "lua.h"

enum { FL_KILL_NONE = 0, FL_KILL_TIME = 1, FL_KILL_MEMORY = 2 };

/* How often (in VM instructions) the count hook runs (at most: see
 * FL_LONG_STRING). */
#define FL_HOOK_COUNT 1000

/* The longest string a sandboxed engine may create, in bytes. A longer one
 * is refused by the allocator: the run ends with FOLIO_EMEMORY. The cap
 * bounds the cost of one VM instruction on strings: comparing two strings
 * (l_strcmp, strcoll per NUL-separated segment) costs up to ~20 ns a byte. */
#define FL_MAX_STRING ((size_t)16 << 20)
#define FL_STRING_CAP_TEXT "a string longer than 16 MiB (a policy's strings are capped at 16 MiB)"
/* Once an engine holds a string longer than this, its count hook runs every
 * FL_HOOK_COUNT * FL_LONG_STRING / length instructions (at least every one),
 * so the instructions between two deadline checks cost at most as much as
 * FL_HOOK_COUNT instructions on strings of this length. */
#define FL_LONG_STRING ((size_t)16 << 10)

typedef struct fl_budget {
  size_t used, limit, peak;   /* bytes held by the state; limit 0 = none */
  size_t refusals;            /* allocations refused since the run began */
  uint64_t instructions;      /* counted in steps of FL_HOOK_COUNT */
  uint64_t max_instructions;  /* 0 = no limit */
  double deadline;            /* CLOCK_MONOTONIC seconds; 0 = none */
  int enforce;                /* budgets active (a run is in progress) */
  int killed;                 /* FL_KILL_* once a budget was exceeded */
  /* print(): where it goes and how much of it a run may write */
  void (*log)(void *ud, const char *text, size_t len);
  void *log_ud;
  size_t log_used, log_limit;
  /* the bounded library (sandbox_bounded.c) */
  lua_State *L;               /* the engine's main thread (for the hook) */
  int hook_count;             /* the count hook's current period */
  int string_capped;          /* a string longer than FL_MAX_STRING was refused */
} fl_budget;

/* The allocator to give lua_newstate, with the budget as its ud. */
void *fl_budget_alloc(void *ud, void *ptr, size_t osize, size_t nsize);

/* Installs the count hook (once, at state creation; never removed). */
void fl_install_hook(lua_State *L);

/* Starts a run: resets counters and the deadline, enables enforcement. */
void fl_budget_begin(fl_budget *b, uint64_t max_instructions, double max_seconds);
/* Ends a run (enforcement off). */
void fl_budget_end(fl_budget *b);

/* Charges work done in C (units comparable to VM instructions) to the
 * run's budget, and checks the deadline (at most once per FL_HOOK_COUNT
 * units, or at once for a large charge). Over budget, raises the same
 * unswallowable kill as the hook. A no-op outside an enforced run. */
void fl_budget_charge(lua_State *L, uint64_t units);

/* Raises the kill for a budget (FL_KILL_TIME or FL_KILL_MEMORY) from C. */
int fl_budget_kill(lua_State *L, int why);

/* The bounded standard library (sandbox_bounded.c): replace, in the library
 * table at idx, the functions whose C loops the count hook cannot see by
 * versions that charge their work to the budget or refuse inputs whose
 * worst case exceeds it. Same results and errors for ordinary inputs. */
void fl_bound_string_lib(lua_State *L, int idx); /* rep, find, match, gmatch, gsub */
void fl_bound_table_lib(lua_State *L, int idx);  /* move, insert, remove, sort, concat */
void fl_bound_os_lib(lua_State *L, int idx);     /* date */

/* For a wrapper whose upvalue 1 is the stock function: calls it with the
 * whole stack as arguments and returns what lua_CFunction returns (nresults
 * values, or all of them for LUA_MULTRET). */
int fl_call_stock(lua_State *L, int nresults);

/* Whether Lua source text would cost the parser more than a sandbox allows
 * (long chains of and/or parse in quadratic time): 0 if not, else 1 with
 * the reason in msg. */
int fl_source_check(const char *src, size_t len, char *msg, size_t msg_size);

/* The budget of a state (stored in its extra space). */
fl_budget *fl_budget_of(lua_State *L);

/* Pushes the unique error object the hook raises when a budget is exceeded. */
void fl_push_kill(lua_State *L);
/* Whether the value at idx is that object. */
int fl_is_kill(lua_State *L, int idx);

/* Opens the sandboxed standard library and the folio module in L and keeps
 * the frozen library in the registry. trusted = 1 opens everything instead. */
void fl_sandbox_open(lua_State *L, int trusted);

/* Pushes a fresh environment for a run or a policy (globals go into it). */
void fl_sandbox_new_env(lua_State *L);

/* Makes the environment at idx reject new globals (a loaded policy's). */
void fl_sandbox_freeze_env(lua_State *L, int idx);

/* Seeds math.random for the next run. */
void fl_sandbox_seed(lua_State *L, uint64_t seed);

/* The message handler for protected calls: turns any error object into a
 * bounded, printable string with a traceback, without calling metamethods. */
int fl_msghandler(lua_State *L);

/* Registry keys. */
#define FL_REG_MODULE "folio.module"      /* the real folio module table */
#define FL_REG_G0 "folio.sandbox.G0"      /* the frozen library */
#define FL_REG_POLDIRS "folio.sandbox.dirs" /* array of policy folders (for require) */
#define FL_REG_LOADED "folio.sandbox.loaded" /* require cache */

#endif
