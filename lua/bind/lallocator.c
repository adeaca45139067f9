/*
 * lallocator.c — folio.allocator: the cardinality-constrained MIP allocator
 * (core/src/allocator.c) with named arguments.
 *
 * Candidates come in as an array of {symbol =, score =, price =} tables;
 * sectors, sector caps and current weights as symbol- (or sector-) keyed
 * tables. Everything is read strictly (unknown keys, wrong types and
 * symbols that are not candidates are errors) into arrays that live in Lua
 * userdata, so an error half-way leaks nothing. Values are range-checked by
 * the core, whose messages name the symbol. The allocations come back as an
 * array sorted by symbol, the dropped names as a sorted array.
 */
#include <limits.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "lfolio.h"
#include "plumbing.h"

/* The candidates of args.candidates. Symbol strings are anchored by the
 * candidate tables, which args anchors. */
typedef struct cand_arrays {
  size_t n;
  const char **syms;
  double *scores, *prices;
} cand_arrays;

/* A number field of candidate #i (table at ci); raises when absent or not a number. */
static double cand_number(lua_State *L, const char *fname, int ci, size_t i, const char *sym,
                          const char *key) {
  int t = lua_getfield(L, ci, key); /* [.., v] */
  if (t != LUA_TNUMBER)
    fl_argerror(L, fname, "candidates[%I] (%s): %s must be a number, got %s", (lua_Integer)i + 1,
                sym, key, t == LUA_TNIL ? "nothing" : luaL_typename(L, -1));
  double v = lua_tonumber(L, -1);
  lua_pop(L, 1);
  return v; /* finiteness and range are the core's checks (they name the symbol) */
}

static cand_arrays read_candidates(lua_State *L, const char *fname) {
  static const char *const ckeys[] = {"symbol", "score", "price", NULL};
  cand_arrays c;
  int t = lua_getfield(L, 1, "candidates"); /* [.., cands] */
  if (t == LUA_TNIL) fl_argerror(L, fname, "candidates is required (an array of {symbol, score, price})");
  if (t != LUA_TTABLE)
    fl_argerror(L, fname, "candidates must be an array of {symbol, score, price}, got %s",
                luaL_typename(L, -1));
  int ai = lua_gettop(L);
  c.n = (size_t)lua_rawlen(L, ai);
  if (c.n > FOLIO_MAX_DIM) fl_argerror(L, fname, "candidates has too many entries");
  size_t count = 0; /* an array, not a map: every key must be 1..n */
  lua_pushnil(L);
  while (lua_next(L, ai)) {
    lua_pop(L, 1);
    if (!lua_isinteger(L, -1)) fl_argerror(L, fname, "candidates must be an array (found a non-integer key)");
    count++;
  }
  if (count != c.n) fl_argerror(L, fname, "candidates must be an array without holes");
  c.syms = fl_scratch(L, c.n, sizeof(char *));
  c.scores = fl_scratch(L, c.n, sizeof(double));
  c.prices = fl_scratch(L, c.n, sizeof(double));
  for (size_t i = 0; i < c.n; i++) {
    if (lua_rawgeti(L, ai, (lua_Integer)i + 1) != LUA_TTABLE) /* [.., cand] */
      fl_argerror(L, fname, "candidates[%I] must be a table {symbol, score, price}, got %s",
                  (lua_Integer)i + 1, luaL_typename(L, -1));
    int ci = lua_gettop(L);
    lua_pushfstring(L, "candidates[%I]", (lua_Integer)i + 1); /* strict keys, as for the arguments */
    fl_check_keys(L, ci, fname, lua_tostring(L, -1), ckeys);
    lua_pop(L, 1);
    if (lua_getfield(L, ci, "symbol") != LUA_TSTRING)
      fl_argerror(L, fname, "candidates[%I]: symbol must be a string, got %s", (lua_Integer)i + 1,
                  luaL_typename(L, -1));
    c.syms[i] = lua_tostring(L, -1);
    lua_pop(L, 1);
    c.scores[i] = cand_number(L, fname, ci, i, c.syms[i], "score");
    c.prices[i] = cand_number(L, fname, ci, i, c.syms[i], "price");
    lua_pop(L, 1); /* [.., cands, syms, scores, prices] */
  }
  return c;
}

/* Position of sym among the sorted candidate symbols, or raise naming `what`. */
static size_t cand_pos(lua_State *L, const char *fname, const char *const *sorted, const size_t *idx,
                       size_t n, const char *sym, const char *what) {
  const char *const *hit = bsearch(&sym, sorted, n, sizeof *sorted, folio_i_cmp_str);
  if (!hit) fl_argerror(L, fname, "%s has symbol '%s' that is not a candidate", what, sym);
  return idx[hit - sorted];
}

typedef struct sym_pos {
  const char *s; /* first: folio_i_cmp_str orders them by it */
  size_t i;
} sym_pos;
_Static_assert(offsetof(sym_pos, s) == 0, "sym_pos sorts by its first member");

/* args.sectors {SYM = "name"} into a candidate-aligned array (NULL: none).
 * Returns NULL when the key is absent. */
static const char **read_sectors(lua_State *L, const char *fname, const cand_arrays *c) {
  int t = lua_getfield(L, 1, "sectors"); /* [.., sectors] */
  if (t == LUA_TNIL) {
    lua_pop(L, 1);
    return NULL;
  }
  if (t != LUA_TTABLE)
    fl_argerror(L, fname, "sectors must be a table {SYMBOL = sector name}, got %s", luaL_typename(L, -1));
  int si = lua_gettop(L);
  /* candidate symbols sorted, for lookups */
  sym_pos *sp = fl_scratch(L, c->n, sizeof(sym_pos));
  const char **sorted = fl_scratch(L, c->n, sizeof(char *));
  size_t *idx = fl_scratch(L, c->n, sizeof(size_t));
  for (size_t i = 0; i < c->n; i++) {
    sp[i].s = c->syms[i];
    sp[i].i = i;
  }
  qsort(sp, c->n, sizeof *sp, folio_i_cmp_str); /* by symbol */
  for (size_t i = 0; i < c->n; i++) {
    sorted[i] = sp[i].s;
    idx[i] = sp[i].i;
  }
  const char **sec = fl_scratch(L, c->n, sizeof(char *));
  for (size_t i = 0; i < c->n; i++) sec[i] = NULL;
  lua_pushnil(L);
  while (lua_next(L, si)) { /* [.., k, v] */
    if (lua_type(L, -2) != LUA_TSTRING)
      fl_argerror(L, fname, "sectors: a key of type %s is not a symbol string", luaL_typename(L, -2));
    const char *sym = lua_tostring(L, -2);
    if (lua_type(L, -1) != LUA_TSTRING)
      fl_argerror(L, fname, "sectors.%s must be a sector name (string), got %s", sym,
                  luaL_typename(L, -1));
    sec[cand_pos(L, fname, sorted, idx, c->n, sym, "sectors")] = lua_tostring(L, -1); /* anchored by sectors */
    lua_pop(L, 1);
  }
  return sec;
}

static int a_allocate(lua_State *L) {
  static const char *fname = "allocate";
  static const char *const keys[] = {"candidates", "capital", "max_weight", "min_weight",
                                     "max_positions", "fractional", "sectors", "sector_caps",
                                     "current", "max_turnover", "time_limit", "mip_gap", NULL};
  fl_check_args(L, 1, fname, keys);
  cand_arrays c = read_candidates(L, fname);
  folio_allocator_opts o = folio_allocator_defaults();
  o.capital = fl_req_number(L, 1, fname, "capital");
  o.max_weight = fl_opt_number(L, 1, fname, "max_weight", o.max_weight);
  o.min_weight = fl_opt_number(L, 1, fname, "min_weight", o.min_weight);
  long long k = fl_opt_integer(L, 1, fname, "max_positions", LLONG_MAX, LLONG_MIN, LLONG_MAX);
  o.max_positions = k > LONG_MAX ? LONG_MAX : k < LONG_MIN ? LONG_MIN : (long)k;
  o.fractional = fl_opt_boolean(L, 1, fname, "fractional", 0);
  o.time_limit = fl_opt_number(L, 1, fname, "time_limit", o.time_limit);
  o.mip_gap = fl_opt_number(L, 1, fname, "mip_gap", o.mip_gap);

  o.sectors = read_sectors(L, fname, &c);
  if (fl_has_field(L, 1, "sector_caps")) {
    if (!o.sectors) fl_argerror(L, fname, "sector_caps needs sectors = {SYMBOL = sector name}");
    fl_vec caps = fl_check_vec(L, 1, fname, "sector_caps", 0); /* sorted by sector */
    o.n_sector_caps = caps.n;
    o.cap_sectors = caps.syms;
    o.sector_caps = caps.vals;
  }
  if (fl_has_field(L, 1, "current")) {
    fl_vec cur = fl_check_vec(L, 1, fname, "current", 0);
    o.n_current = cur.n;
    o.current_symbols = cur.syms;
    o.current_weights = cur.vals;
  }
  o.max_turnover = fl_opt_number(L, 1, fname, "max_turnover", o.max_turnover);
  /* the run's deadline: polled in GLPK's callback, and GLPK's own time limit
   * (its root LP has no callback) is at most the time left */
  o.cancel = fl_cancel_of(L);
  double left = fl_cancel_remaining(L);
  if (left > 0 && o.time_limit > 0 && left < o.time_limit) o.time_limit = left;

  folio_allocation *out = fl_scratch(L, c.n, sizeof *out);
  size_t n_out = 0;
  folio_allocator_info info;
  folio_error err;
  if (folio_allocator_allocate(c.n, c.syms, c.scores, c.prices, &o, out, &n_out, &info, &err) !=
      FOLIO_OK) {
    if (fl_cancel_expired(L)) /* GLPK's time limit was the run's deadline */
      return fl_cancel_raise(L, err.status == FOLIO_ECANCELED ? err.message
                                : "allocate: GLPK stopped at the run's deadline");
    return fl_core_error(L, fname, &err);
  }

  /* dropped: the candidates with score <= 0, sorted */
  const char **dropped = fl_scratch(L, info.n_dropped, sizeof(char *));
  size_t nd = 0;
  for (size_t i = 0; i < c.n && nd < info.n_dropped; i++)
    if (!(c.scores[i] > 0.0)) dropped[nd++] = c.syms[i];
  qsort(dropped, nd, sizeof *dropped, folio_i_cmp_str);

  lua_createtable(L, (int)n_out, 0); /* [.., allocations] */
  for (size_t i = 0; i < n_out; i++) {
    lua_createtable(L, 0, 4);
    lua_pushstring(L, out[i].symbol);
    lua_setfield(L, -2, "symbol");
    fl_set_number(L, "weight", out[i].weight);
    fl_set_number(L, "dollars", out[i].dollars);
    fl_set_number(L, "shares", out[i].shares);
    lua_rawseti(L, -2, (lua_Integer)i + 1);
  }
  lua_createtable(L, 0, 10); /* [.., allocations, info] */
  lua_pushstring(L, info.status);
  lua_setfield(L, -2, "status");
  fl_set_number(L, "objective", info.objective);
  fl_set_integer(L, "selected", (lua_Integer)info.n_selected);
  fl_set_integer(L, "modelled", (lua_Integer)info.n_modelled);
  fl_push_labels(L, dropped, nd);
  lua_setfield(L, -2, "dropped");
  fl_set_number(L, "invested", info.invested);
  fl_set_number(L, "spent", info.spent);
  fl_set_number(L, "cash", info.cash);
  fl_set_number(L, "turnover", info.turnover);
  fl_set_number(L, "seconds", info.seconds);
  return 2;
}

static const luaL_Reg allocator_funcs[] = {
    {"allocate", a_allocate},
    {NULL, NULL},
};

int fl_open_allocator(lua_State *L) {
  luaL_newlib(L, allocator_funcs);
  return 1;
}
