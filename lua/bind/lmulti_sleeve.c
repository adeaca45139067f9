/*
 * lmulti_sleeve.c — folio.multi_sleeve: compose{...} combines sleeves' target
 * weights with allocations (stated, or derived by an overlay from the
 * sleeves' return histories) into one composite, then moves from the
 * current weights towards it under the weekly turnover budget and the
 * per-symbol caps (multi_sleeve.h does the numbers).
 *
 * Sleeves are processed in name order and symbols in strcmp order, so the
 * result never depends on Lua's table traversal order. Every buffer is Lua
 * userdata taken before the core calls; the shared workspace is fetched last.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lfolio.h"
#include "plumbing.h"

/* ---- helpers ------------------------------------------------------------------ */

/* Reads t[key] of the table at tbl as a symbol vector, naming it `label` in
 * errors (e.g. "sleeves.core.weights"). Leaves anchors on the stack. */
static fl_vec read_vec_named(lua_State *L, int tbl, const char *fname, const char *key,
                             const char *label) {
  lua_createtable(L, 0, 1);         /* [tmp] */
  lua_getfield(L, tbl, key);        /* [tmp, v] */
  lua_setfield(L, -2, label);       /* [tmp] */
  return fl_check_vec(L, -1, fname, label, 0); /* [tmp, vtbl, block] */
}

/* ---- compose{...} ------------------------------------------------------------- */

static int c_compose(lua_State *L) {
  static const char *fname = "compose";
  static const char *const keys[] = {"sleeves",      "overlay", "sleeve_returns",      "hrp_lookback_days",
                                     "views",        "current", "max_weekly_turnover", "turnover_used",
                                     "cov",          "caps",    NULL};
  fl_check_args(L, 1, fname, keys);
  lua_settop(L, 1);
  folio_error err;

  /* sleeves: names sorted, each {weights = {...}, allocation = a} */
  if (lua_getfield(L, 1, "sleeves") != LUA_TTABLE) /* [sl] */
    fl_argerror(L, fname, "sleeves must be a table {name = {weights = {...}, allocation = a}}, got %s",
                luaL_typename(L, -1));
  int sl = lua_gettop(L);
  size_t K = 0;
  lua_pushnil(L);
  while (lua_next(L, sl)) {
    if (lua_type(L, -2) != LUA_TSTRING)
      fl_argerror(L, fname, "sleeves: a key of type %s is not a sleeve name", luaL_typename(L, -2));
    if (lua_type(L, -1) != LUA_TTABLE)
      fl_argerror(L, fname, "sleeves.%s must be a table {weights =, allocation =}, got %s",
                  lua_tostring(L, -2), luaL_typename(L, -1));
    lua_pop(L, 1);
    if (++K > 100000) fl_argerror(L, fname, "too many sleeves");
  }
  if (K == 0) fl_argerror(L, fname, "sleeves is empty");
  const char **names = fl_scratch(L, K, sizeof(char *));
  size_t k = 0;
  lua_pushnil(L);
  while (lua_next(L, sl)) {
    lua_pop(L, 1);
    names[k++] = lua_tostring(L, -1); /* anchored by the sleeves table */
  }
  qsort(names, K, sizeof *names, folio_i_cmp_str);
  folio_sleeve *sv = fl_scratch(L, K, sizeof(folio_sleeve));
  double *stated = fl_scratch(L, K, sizeof(double));
  size_t n_stated = 0, n_entries = 0;
  for (k = 0; k < K; k++) {
    luaL_checkstack(L, 8, "compose: too many sleeves");
    lua_getfield(L, sl, names[k]); /* [s] */
    int si = lua_gettop(L);
    lua_pushnil(L);
    while (lua_next(L, si)) {
      const char *kk = lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2) : NULL;
      if (!kk || (strcmp(kk, "weights") != 0 && strcmp(kk, "allocation") != 0))
        fl_argerror(L, fname, "sleeves.%s: unknown key '%s' (expected weights, allocation)", names[k],
                    kk ? kk : luaL_typename(L, -2));
      lua_pop(L, 1);
    }
    int at = lua_getfield(L, si, "allocation");
    if (at == LUA_TNUMBER) {
      double a = lua_tonumber(L, -1);
      if (!(a >= 0) || isinf(a))
        fl_argerror(L, fname, "sleeves.%s.allocation must be >= 0 and finite, got %f", names[k], a);
      stated[k] = a;
      n_stated++;
    } else if (at != LUA_TNIL) {
      fl_argerror(L, fname, "sleeves.%s.allocation must be a number, got %s", names[k],
                  luaL_typename(L, -1));
    }
    lua_pop(L, 1);
    const char *label = lua_pushfstring(L, "sleeves.%s.weights", names[k]); /* anchored */
    fl_vec v = read_vec_named(L, si, fname, "weights", label);
    sv[k].name = names[k];
    sv[k].n_symbols = v.n;
    sv[k].symbols = v.syms;
    sv[k].weights = v.vals;
    n_entries += v.n;
  }
  if (n_stated != 0 && n_stated != K) {
    for (k = 0; k < K; k++) {
      lua_getfield(L, sl, names[k]);
      int has = lua_getfield(L, -1, "allocation") != LUA_TNIL;
      lua_pop(L, 2);
      if (!has)
        fl_argerror(L, fname, "state an allocation for every sleeve or for none (sleeve %s has none)",
                    names[k]);
    }
  }
  double ssum = 0;
  for (k = 0; k < n_stated; k++) {
    ssum += stated[k];
    if (ssum > 1 + 1e-12)
      fl_argerror(L, fname, "allocations sum to %f > 1 (at sleeve %s)", ssum, names[k]);
  }
  const double *stated_p = n_stated ? stated : NULL;

  /* overlay */
  folio_overlay overlay;
  if (folio_overlay_parse(fl_opt_string(L, 1, fname, "overlay", "equal"), &overlay, &err) != FOLIO_OK)
    fl_argerror(L, fname, "overlay: %s", err.message);
  long long lookback = fl_opt_integer(L, 1, fname, "hrp_lookback_days", 252, 2, 100000000);
  int has_returns = lua_getfield(L, 1, "sleeve_returns") != LUA_TNIL;
  int has_views = lua_getfield(L, 1, "views") != LUA_TNIL;
  lua_pop(L, 2);
  if (overlay == FOLIO_OVERLAY_EQUAL && has_returns)
    fl_argerror(L, fname, "sleeve_returns goes with a return-based overlay, not 'equal'");
  if (overlay != FOLIO_OVERLAY_EQUAL && !has_returns)
    fl_argerror(L, fname, "overlay '%s' needs sleeve_returns (a matrix, one column per sleeve)",
                folio_overlay_name(overlay));
  if (has_views && overlay != FOLIO_OVERLAY_BL) fl_argerror(L, fname, "views go with overlay 'bl'");
  folio_panel panel;
  memset(&panel, 0, sizeof panel);
  size_t n_rows = 0;
  if (has_returns) {
    int mi;
    fl_matrix *m = fl_field_matrix(L, 1, fname, "sleeve_returns", &mi);
    for (size_t j = 0; j < m->n_cols; j++)
      if (fl_find_sym(names, K, m->col_labels[j]) < 0)
        fl_argerror(L, fname, "sleeve_returns column '%s' is not a sleeve", m->col_labels[j]);
    n_rows = m->n_rows;
    double *data = fl_scratch(L, n_rows * K + 1, sizeof(double));
    for (k = 0; k < K; k++) {
      long j = fl_matrix_col_index(L, mi, names[k]);
      if (j < 0) fl_argerror(L, fname, "sleeve_returns has no column for sleeve '%s'", names[k]);
      memcpy(data + k * n_rows, m->data + (size_t)j * n_rows, n_rows * sizeof(double));
    }
    panel.data = data;
    panel.n_rows = n_rows;
    panel.n_cols = K;
    panel.ld = n_rows ? n_rows : 1;
    panel.row_labels = (const char *const *)m->row_labels;
    panel.col_labels = names;
  }
  folio_bl_views views;
  memset(&views, 0, sizeof views);
  if (has_views) {
    fl_vec q = fl_check_vec(L, 1, fname, "views", 0);
    double *P = fl_scratch(L, q.n * K + 1, sizeof(double));
    for (size_t i = 0; i < q.n * K; i++) P[i] = 0;
    for (size_t v = 0; v < q.n; v++) {
      long j = fl_find_sym(names, K, q.syms[v]);
      if (j < 0) fl_argerror(L, fname, "views: '%s' is not a sleeve", q.syms[v]);
      P[v + (size_t)j * q.n] = 1.0;
    }
    views.n_views = q.n;
    views.P = P;
    views.ld_p = q.n ? q.n : 1;
    views.Q = q.vals;
  }

  /* turnover inputs */
  int has_budget = lua_getfield(L, 1, "max_weekly_turnover") != LUA_TNIL;
  lua_pop(L, 1);
  double max_to = fl_opt_number(L, 1, fname, "max_weekly_turnover", INFINITY);
  if (has_budget && max_to < 0)
    fl_argerror(L, fname, "max_weekly_turnover must be >= 0, got %f", max_to);
  double used = fl_opt_number(L, 1, fname, "turnover_used", 0.0);
  if (used < 0) fl_argerror(L, fname, "turnover_used must be >= 0, got %f", used);
  int has_current = lua_getfield(L, 1, "current") != LUA_TNIL;
  int cov_type = lua_getfield(L, 1, "cov");
  int has_cov = cov_type != LUA_TNIL;
  int cov_factor = cov_type == LUA_TTABLE; /* a Ledoit-Wolf factor, else a matrix */
  int has_caps = lua_getfield(L, 1, "caps") != LUA_TNIL;
  lua_pop(L, 3);
  if (has_budget && !has_current)
    fl_argerror(L, fname, "max_weekly_turnover needs current (the fund's current weights)");
  if (has_cov && !has_budget) fl_argerror(L, fname, "cov goes with max_weekly_turnover");
  fl_vec cur = {0, NULL, NULL}, caps = {0, NULL, NULL};
  if (has_current) cur = fl_check_vec(L, 1, fname, "current", 0);
  if (has_caps) {
    caps = fl_check_vec(L, 1, fname, "caps", 0);
    for (size_t i = 0; i < caps.n; i++)
      if (!(caps.vals[i] > 0))
        fl_argerror(L, fname, "caps.%s must be > 0, got %f", caps.syms[i], caps.vals[i]);
  }

  /* allocations, then the composite */
  double *alloc = fl_scratch(L, K, sizeof(double));
  const char **csyms = fl_scratch(L, n_entries ? n_entries : 1, sizeof(char *));
  double *cw = fl_scratch(L, n_entries ? n_entries : 1, sizeof(double));
  size_t ow = folio_overlay_work_size(n_rows, K), cws = folio_multi_sleeve_work_size(n_entries);
  if (!ow || !cws) fl_argerror(L, fname, "too many sleeves or symbols");
  void *work = fl_workspace(L, ow > cws ? ow : cws);
  if (folio_overlay_allocations(overlay, K, names, has_returns ? &panel : NULL, (size_t)lookback,
                                stated_p, has_views ? &views : NULL, alloc, work, &err) != FOLIO_OK)
    return fl_core_error(L, fname, &err);
  size_t nc = 0;
  if (folio_multi_sleeve_compose(K, sv, alloc, n_entries, csyms, cw, &nc, work, &err) != FOLIO_OK)
    return fl_core_error(L, fname, &err);

  /* the universe: composite symbols plus currently held ones (target 0) */
  size_t nu = nc;
  for (size_t i = 0; i < cur.n; i++)
    if (fl_find_sym(csyms, nc, cur.syms[i]) < 0) nu++;
  const char **usyms = fl_scratch(L, nu ? nu : 1, sizeof(char *));
  double *t = fl_scratch(L, nu ? nu : 1, sizeof(double));
  double *w0 = fl_scratch(L, nu ? nu : 1, sizeof(double));
  double *cp = fl_scratch(L, nu ? nu : 1, sizeof(double));
  double *w = fl_scratch(L, nu ? nu : 1, sizeof(double));
  {
    size_t a = 0, b = 0, u = 0;
    while (a < nc || b < cur.n) {
      int c = a >= nc ? 1 : b >= cur.n ? -1 : strcmp(csyms[a], cur.syms[b]);
      if (c <= 0) {
        usyms[u] = csyms[a], t[u] = cw[a], w0[u] = c == 0 ? cur.vals[b] : 0;
        a++;
        if (c == 0) b++;
      } else {
        usyms[u] = cur.syms[b], t[u] = 0, w0[u] = cur.vals[b];
        b++;
      }
      u++;
    }
  }
  for (size_t i = 0; i < nu; i++) {
    long j = caps.n ? fl_find_sym(caps.syms, caps.n, usyms[i]) : -1;
    cp[i] = j >= 0 ? caps.vals[j] : INFINITY;
  }
  double *Q = NULL;
  folio_cov_factor factor = {0, NULL, 1, 0.0, 0.0};
  if (has_cov && cov_factor) {
    /* {kind = "factor", x = T x p matrix, diag =, weight =} from ledoit_wolf{form = "factor"} */
    lua_getfield(L, 1, "cov"); /* [.., f] */
    int fi = lua_gettop(L);
    lua_getfield(L, fi, "kind");
    if (lua_type(L, -1) != LUA_TSTRING || strcmp(lua_tostring(L, -1), "factor") != 0)
      fl_argerror(L, fname, "cov must be a matrix or a factor from ledoit_wolf{form = 'factor'}");
    lua_pop(L, 1);
    lua_getfield(L, fi, "x");
    fl_matrix *x = fl_check_matrix(L, -1, fname, "cov.x");
    int xi = lua_gettop(L);
    double diag = fl_opt_number(L, fi, fname, "diag", NAN), weight = fl_opt_number(L, fi, fname, "weight", NAN);
    if (!(diag >= 0) || !isfinite(diag) || !(weight >= 0) || !isfinite(weight))
      fl_argerror(L, fname, "cov.diag and cov.weight must be finite numbers >= 0");
    size_t T = x->n_rows;
    if (T < 1) fl_argerror(L, fname, "cov.x has no rows");
    double *X = fl_scratch(L, T * (nu ? nu : 1), sizeof(double));
    for (size_t i = 0; i < nu; i++) {
      long c = fl_matrix_col_index(L, xi, usyms[i]);
      if (c < 0)
        fl_argerror(L, fname, "cov has no column for symbol '%s' (cov must cover every symbol "
                    "of the composite and of current)", usyms[i]);
      memcpy(X + i * T, x->data + (size_t)c * T, T * sizeof(double));
    }
    factor.n_rows = T;
    factor.x = X;
    factor.ld_x = T;
    factor.diag = diag;
    factor.weight = weight;
  } else if (has_cov) {
    int qi;
    fl_matrix *m = fl_field_matrix(L, 1, fname, "cov", &qi);
    if (m->n_rows != m->n_cols)
      fl_argerror(L, fname, "cov must be square, got %I x %I", (lua_Integer)m->n_rows,
                  (lua_Integer)m->n_cols);
    size_t *map = fl_scratch(L, nu ? nu : 1, sizeof(size_t));
    for (size_t i = 0; i < nu; i++) {
      long c = fl_matrix_col_index(L, qi, usyms[i]), r = fl_matrix_row_index(L, qi, usyms[i]);
      if (c < 0 || r < 0 || c != r)
        fl_argerror(L, fname, "cov has no row and column for symbol '%s' (cov must cover every symbol "
                    "of the composite and of current)", usyms[i]);
      map[i] = (size_t)c;
    }
    Q = fl_scratch(L, nu * nu + 1, sizeof(double));
    for (size_t b = 0; b < nu; b++)
      for (size_t a = 0; a < nu; a++) Q[a + b * nu] = m->data[map[a] + map[b] * m->n_rows];
  }
  double budget = has_budget ? (max_to - used > 0 ? max_to - used : 0) : INFINITY;
  folio_turnover_info tinfo;
  memset(&tinfo, 0, sizeof tinfo);
  if (nu > 0) {
    folio_turnover_opts to = folio_turnover_defaults();
    to.symbols = usyms;
    to.cancel = fl_cancel_of(L); /* the run's deadline reaches the solver's loops */
    if (factor.x) {
      size_t tw = folio_turnover_factored_work_size(nu, factor.n_rows);
      if (!tw) fl_argerror(L, fname, "too many symbols");
      if (folio_turnover_project_factored(nu, t, w0, &factor, has_caps ? cp : NULL, budget, &to, w,
                                          &tinfo, fl_workspace(L, tw), &err) != FOLIO_OK)
        return fl_core_error(L, fname, &err);
    } else {
      size_t tw = Q ? folio_turnover_work_size(nu) : 0;
      if (Q && !tw) fl_argerror(L, fname, "too many symbols");
      void *twork = Q ? fl_workspace(L, tw) : NULL;
      if (folio_turnover_project(nu, t, w0, Q, nu, has_caps ? cp : NULL, budget, &to, w, &tinfo,
                                 twork, &err) != FOLIO_OK)
        return fl_core_error(L, fname, &err);
    }
  }

  /* results */
  fl_push_vec(L, nu, usyms, w, NULL); /* composite */
  lua_createtable(L, 0, 5);           /* info */
  fl_push_vec(L, K, names, alloc, NULL);
  lua_setfield(L, -2, "allocations");
  lua_pushstring(L, folio_overlay_name(overlay));
  lua_setfield(L, -2, "overlay");
  if (overlay != FOLIO_OVERLAY_EQUAL) {
    fl_set_integer(L, "lookback_rows",
                   (lua_Integer)(n_rows < (size_t)lookback ? n_rows : (size_t)lookback));
  }
  lua_newtable(L); /* clipped */
  for (size_t i = 0; i < nu; i++)
    if (fabs(t[i]) > cp[i]) {
      lua_pushnumber(L, cp[i]);
      lua_setfield(L, -2, usyms[i]);
    }
  lua_setfield(L, -2, "clipped");
  if (has_budget) {
    lua_createtable(L, 0, 14);
    fl_set_number(L, "needed", tinfo.needed);
    fl_set_number(L, "budget", budget);
    fl_set_number(L, "used", used);
    fl_set_number(L, "max_weekly", max_to);
    fl_set_number(L, "turnover", tinfo.turnover);
    fl_set_boolean(L, "constrained", tinfo.constrained);
    fl_set_number(L, "objective", tinfo.objective);
    fl_set_number(L, "lambda", tinfo.lambda);
    lua_pushstring(L, tinfo.method ? tinfo.method : "none");
    lua_setfield(L, -2, "solver");
    fl_set_integer(L, "iterations", tinfo.iterations);
    fl_set_boolean(L, "converged", tinfo.converged);
    fl_set_number(L, "forced", tinfo.forced);
    fl_set_boolean(L, "budget_exceeded", tinfo.budget_exceeded);
    lua_pushstring(L, factor.x ? "cov (factor)" : Q ? "cov" : "identity");
    lua_setfield(L, -2, "metric");
    lua_setfield(L, -2, "turnover");
  }
  return 2;
}

int fl_open_multi_sleeve(lua_State *L) {
  static const luaL_Reg fns[] = {{"compose", c_compose}, {NULL, NULL}};
  luaL_newlib(L, fns);
  return 1;
}
