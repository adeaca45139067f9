/*
 * host_marshal.c — marshalling between the embedding program's C arrays and
 * Lua (folio/host.h): folio_host_size builds a policy's context (signal,
 * weights, returns lent as a matrix view without a copy, dates, NAV,
 * parameters), runs the sizer and writes its weights back into a C array;
 * folio_host_sizer_names lists the registry.
 *
 * A host sizes the same universe call after call, so what depends only on
 * the symbols (their Lua strings and the symbol -> index map) and on the
 * number of rows (the default row labels "1", "2", ...) is kept in the
 * engine's registry and reused while it still matches; a rebuilt engine
 * starts without it.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "host_internal.h"
#include "lauxlib.h"
#include "lfolio.h"

/* Registry keys of the per-engine caches (host_labels userdata). */
#define REG_SYMBOLS "folio.host.symbols" /* uv 1: {sym, ...}, uv 2: {sym = i + 1} */
#define REG_ROWS "folio.host.rows"       /* uv 1: {"1", "2", ...}, for the largest n_rows seen */
#define REG_VIEW "folio.host.view"

/* Labels kept as Lua strings: s[i] points into the string anchored by user
 * value 1 of the userdata. */
typedef struct host_labels {
  size_t n;
  const char *s[];
} host_labels;

/* Pushes a host_labels for n labels with an empty anchor table set as user
 * value 1 (n_uv user values in all): [.., labels, anchor]. */
static host_labels *labels_new(lua_State *L, size_t n, int n_uv) {
  host_labels *hl = lua_newuserdatauv(L, sizeof(host_labels) + n * sizeof(char *), n_uv);
  hl->n = 0; /* harmless until filled */
  lua_createtable(L, (int)n, 0);
  lua_pushvalue(L, -1);
  lua_setiuservalue(L, -3, 1);
  return hl;
}

/* Pushes the cached labels of in->symbols, [.., labels, anchor, map], built
 * anew unless the cache holds the same strings (compared one by one: a
 * caller may rewrite a symbol in place, or pass the same names in another
 * array). The map {sym = i + 1} serves both the matrix's column lookups and
 * the weights read back. */
static host_labels *symbols_cached(lua_State *L, const folio_host_sizing *in) {
  size_t n = in->n_assets;
  if (lua_getfield(L, LUA_REGISTRYINDEX, REG_SYMBOLS) == LUA_TUSERDATA) { /* [.., labels] */
    host_labels *hl = lua_touserdata(L, -1);
    size_t i = 0;
    if (hl->n == n)
      while (i < n && strcmp(hl->s[i], in->symbols[i]) == 0) i++;
    if (hl->n == n && i == n) {
      lua_getiuservalue(L, -1, 1);
      lua_getiuservalue(L, -2, 2);
      return hl;
    }
  }
  lua_pop(L, 1);
  host_labels *hl = labels_new(L, n, 2);  /* [.., labels, anchor] */
  lua_createtable(L, 0, (int)n);          /* [.., labels, anchor, map] */
  for (size_t i = 0; i < n; i++) {
    hl->s[i] = lua_pushstring(L, in->symbols[i]);
    lua_pushvalue(L, -1);
    lua_rawseti(L, -4, (lua_Integer)i + 1); /* anchor[i + 1] = sym */
    lua_pushinteger(L, (lua_Integer)i + 1);
    lua_rawset(L, -3);                      /* map[sym] = i + 1 */
  }
  hl->n = n;
  lua_pushvalue(L, -1);
  lua_setiuservalue(L, -4, 2);
  lua_pushvalue(L, -3);
  lua_setfield(L, LUA_REGISTRYINDEX, REG_SYMBOLS);
  return hl;
}

/* Pushes the default row labels "1".."n" (or more), [.., labels, anchor],
 * built once for the largest n_rows seen. */
static host_labels *rows_cached(lua_State *L, size_t n) {
  if (lua_getfield(L, LUA_REGISTRYINDEX, REG_ROWS) == LUA_TUSERDATA) {
    host_labels *hl = lua_touserdata(L, -1);
    if (hl->n >= n) {
      lua_getiuservalue(L, -1, 1);
      return hl;
    }
  }
  lua_pop(L, 1);
  host_labels *hl = labels_new(L, n, 1);
  for (size_t i = 0; i < n; i++) {
    char buf[24];
    snprintf(buf, sizeof buf, "%zu", i + 1);
    hl->s[i] = lua_pushstring(L, buf);
    lua_rawseti(L, -2, (lua_Integer)i + 1);
  }
  hl->n = n;
  lua_pushvalue(L, -2);
  lua_setfield(L, LUA_REGISTRYINDEX, REG_ROWS);
  return hl;
}

/* The first row of col[0..n) holding ±Inf, or -1. x * 0 is NaN for ±Inf
 * and NaN and ±0 for every finite x, so running sums of it (independent,
 * branch-free: the loop runs at load speed) stay 0 exactly when the column is
 * finite; a column with a non-finite value, an infinity or a missing value
 * (NaN), is searched again value by value. */
static long first_inf(const double *col, size_t n) {
  size_t t = 0;
  double s = 0;
#if defined(__GNUC__) /* GCC and Clang: two lanes a vector, four vectors a step */
  typedef double v2d __attribute__((vector_size(16)));
  v2d a0 = {0, 0}, a1 = a0, a2 = a0, a3 = a0, x0, x1, x2, x3;
  for (; t + 8 <= n; t += 8) {
    memcpy(&x0, col + t, sizeof x0); /* unaligned loads */
    memcpy(&x1, col + t + 2, sizeof x1);
    memcpy(&x2, col + t + 4, sizeof x2);
    memcpy(&x3, col + t + 6, sizeof x3);
    a0 += x0 * 0.0;
    a1 += x1 * 0.0;
    a2 += x2 * 0.0;
    a3 += x3 * 0.0;
  }
  a0 += a1 + a2 + a3;
  s = a0[0] + a0[1];
#endif
  for (; t < n; t++) s += col[t] * 0.0;
  if (s == 0.0) return -1;
  for (t = 0; t < n; t++)
    if (isinf(col[t])) return (long)t;
  return -1;
}

typedef struct size_call {
  const char *sizer;
  const folio_host_sizing *in;
  double *out;
  int not_found;
  fl_matrix *view; /* the lent returns, invalidated after the call */
} size_call;

/* Protected: builds ctx, runs registry.get(sizer):run(ctx, params) (through
 * policy.lua's host_run) and writes the weights. ctx.returns is scanned for
 * ±Inf first, every row, unless the sizer is a built-in adapter: the C sizer
 * checks the rows it reads as it copies them, with a message naming symbol
 * and row, and a row it does not read cannot change its weights. */
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
  lua_getfield(L, LUA_REGISTRYINDEX, FL_REG_HOST); /* [.., sizer, {run, builtin}] */
  int host = lua_type(L, -1) == LUA_TTABLE ? lua_gettop(L) : 0;
  int scan_all = 1; /* a policy may read any row */
  if (host) {
    lua_getfield(L, host, "builtin");
    lua_pushvalue(L, sizer);
    lua_call(L, 1, 1);
    scan_all = !lua_toboolean(L, -1); /* a built-in checks the rows it reads, fused into its copy */
    lua_pop(L, 1);
  }
  lua_createtable(L, 0, 4);                        /* ctx */
  int ctx = lua_gettop(L);
  host_labels *syms = symbols_cached(L, in);       /* [.., syms, anchor, map] */
  int index = lua_gettop(L);                       /* symbol -> index + 1, for the result */
  int sym_anchor = index - 1;
  if (in->signal) {
    fl_push_vec_anchored(L, in->n_assets, syms->s, sym_anchor, in->signal, NULL); /* [.., signal] */
    lua_setfield(L, ctx, "signal");
  }
  if (in->weights) {
    fl_push_vec_anchored(L, in->n_assets, syms->s, sym_anchor, in->weights, NULL); /* [.., weights] */
    lua_setfield(L, ctx, "weights");
  }
  if (in->returns) {
    size_t ld = in->ld_returns ? in->ld_returns : in->n_rows;
    for (size_t j = 0; scan_all && j < in->n_assets; j++) {
      long t = first_inf(in->returns + j * ld, in->n_rows);
      if (t >= 0)
        return luaL_error(L, "returns: infinite value (symbol %s, row %d)", in->symbols[j], (int)t + 1);
    }
    fl_matrix *m;
    if (ld == in->n_rows) { /* lend the caller's array for this call: no copy */
      m = fl_matrix_push_view(L, in->n_rows, in->n_assets, in->returns);
      c->view = m;
      lua_pushvalue(L, -1);
      lua_setfield(L, LUA_REGISTRYINDEX, REG_VIEW); /* alive until invalidated */
    } else {
      m = fl_matrix_push_raw(L, in->n_rows, in->n_assets); /* every element is written */
      for (size_t j = 0; j < in->n_assets; j++)
        for (size_t t = 0; t < in->n_rows; t++) m->data[t + j * in->n_rows] = in->returns[t + j * ld];
    }
    fl_matrix_set_labels_anchored(L, -1, 2, syms->s, sym_anchor, index);
    if (in->dates) {
      fl_matrix_set_labels_c(L, -1, 1, in->dates);
    } else {
      host_labels *rows = rows_cached(L, in->n_rows); /* [.., m, rows, anchor] */
      fl_matrix_set_labels_anchored(L, -3, 1, rows->s, -1, 0);
      lua_pop(L, 2);
    }
    lua_setfield(L, ctx, "returns");
  }
  lua_pushnumber(L, in->nav_usd);
  lua_setfield(L, ctx, "nav_usd");
  if (host) lua_getfield(L, host, "run");         /* host_run(sizer, ctx, params) */
  else lua_getfield(L, sizer, "run");              /* sizer:run(ctx, params) */
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
    tmp[lua_tointeger(L, -1) - 1] = v;
    lua_pop(L, 2);
  }
  memcpy(c->out, tmp, in->n_assets * sizeof(double)); /* written only on success */
  return 0;
}

folio_status folio_host_size(folio_host *h, const char *sizer, const folio_host_sizing *in,
                             double *weights_out) {
  folio_status st = fl_host_ready(h);
  if (st != FOLIO_OK) return st;
  folio_error err;
  if (!sizer || !in || !weights_out) {
    fl_host_set_error(h, "host_size: sizer, inputs and weights_out are required%s", NULL);
    return FOLIO_EINVAL;
  }
  if (in->n_assets == 0 || in->n_assets > FOLIO_MAX_DIM ||
      folio_check_symbols(in->n_assets, in->symbols, "host_size", &err) != FOLIO_OK) {
    fl_host_set_error(h, "%s", in->n_assets ? err.message : "host_size: no assets");
    return FOLIO_EINVAL;
  }
  if (!(in->nav_usd > 0) || !isfinite(in->nav_usd)) {
    fl_host_set_error(h, "host_size: nav_usd must be finite and > 0%s", NULL);
    return FOLIO_EINVAL;
  }
  if (in->returns && (in->n_rows == 0 || in->n_rows > FOLIO_MAX_DIM ||
                      (in->ld_returns && in->ld_returns < in->n_rows) ||
                      in->n_rows * in->n_assets > FOLIO_MAX_ELEMS)) {
    fl_host_set_error(h, "host_size: bad returns shape (rows, leading dimension)%s", NULL);
    return FOLIO_EDIM;
  }
  if (in->n_params && (!in->param_names || !in->param_values)) {
    fl_host_set_error(h, "host_size: param_names and param_values are required with n_params%s", NULL);
    return FOLIO_EINVAL;
  }
  size_call c = {sizer, in, weights_out, 0, NULL};
  lua_State *L = h->L;
  int top = lua_gettop(L);
  lua_pushcfunction(L, size_impl);
  lua_pushlightuserdata(L, &c);
  st = fl_host_call(h, 1, 0);
  if (h->L == L) {
    if (c.view) { /* the caller's array is theirs again: nothing in Lua may reach it */
      fl_matrix_invalidate(c.view);
      lua_pushnil(L);
      lua_setfield(L, LUA_REGISTRYINDEX, REG_VIEW);
    }
    lua_settop(L, top);
  }
  if (st == FOLIO_ELUA && c.not_found) {
    fl_host_set_error(h, "unknown sizer '%s' (folio_host_sizer_names lists the registered ones)", sizer);
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
  if (fl_host_ready(h) != FOLIO_OK) return 0;
  lua_State *L = h->L;
  int top = lua_gettop(L);
  lua_pushcfunction(L, names_impl);
  if (fl_host_call(h, 0, 1) != FOLIO_OK) return 0;
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

