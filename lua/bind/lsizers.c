/*
 * lsizers.c — folio.sizers: the weight sizers with named arguments.
 *
 * Weights come in and go out as tables keyed by symbol. Vectors are sorted by
 * symbol before they reach the core, and a matrix argument (cov, returns) is
 * aligned to them by label, so results never depend on table traversal order
 * or on the column order of a file.
 */
#include <math.h>
#include <string.h>

#include "lfolio.h"

/* Column index in matrix m_idx for every symbol of v (in any order); raises
 * for an unknown one, naming the first unknown in symbol order. */
static size_t *align(lua_State *L, int m_idx, const fl_vec *v, const char *fname,
                     const char *vec_key, const char *mat_key) {
  size_t *idx = fl_scratch(L, v->n, sizeof(size_t));
  for (size_t i = 0; i < v->n; i++) {
    long j = fl_matrix_col_index(L, m_idx, v->syms[i]);
    if (j < 0) {
      const char *first = v->syms[i]; /* v may be unsorted: the message must not depend on it */
      for (size_t k = i + 1; k < v->n; k++)
        if (strcmp(v->syms[k], first) < 0 && fl_matrix_col_index(L, m_idx, v->syms[k]) < 0)
          first = v->syms[k];
      fl_argerror(L, fname, "%s has symbol '%s' that %s does not have", vec_key, first, mat_key);
    }
    idx[i] = (size_t)j;
  }
  return idx;
}

/* ---- equal_weight_ls ------------------------------------------------------- */

static int s_equal_weight_ls(lua_State *L) {
  static const char *fname = "equal_weight_ls";
  static const char *const keys[] = {"signal", "n_long", "n_short", "gross", NULL};
  fl_check_args(L, 1, fname, keys);
  fl_vec sig = fl_check_vec(L, 1, fname, "signal", 1); /* NaN = excluded */
  long long n_long = fl_req_integer(L, 1, fname, "n_long", -(1LL << 40), 1LL << 40);
  long long n_short = fl_req_integer(L, 1, fname, "n_short", -(1LL << 40), 1LL << 40);
  if (n_long < 0) fl_argerror(L, fname, "n_long must be >= 0, got %I", (lua_Integer)n_long);
  if (n_short < 0) fl_argerror(L, fname, "n_short must be >= 0, got %I", (lua_Integer)n_short);
  double gross = fl_positive(L, 1, fname, "gross", 1.0, 0);
  double *w = fl_scratch(L, sig.n, sizeof(double));
  folio_ewls_info info;
  folio_error err;
  if (folio_equal_weight_ls(sig.n, sig.vals, sig.syms, (long)n_long, (long)n_short, gross, w, &info,
                            &err) != FOLIO_OK)
    return fl_core_error(L, fname, &err);
  unsigned char *keep = fl_scratch(L, sig.n, 1);
  for (size_t i = 0; i < sig.n; i++) keep[i] = w[i] != 0.0;
  fl_push_vec(L, sig.n, sig.syms, w, keep);
  lua_createtable(L, 0, 3);
  fl_set_integer(L, "n_long", info.n_long);
  fl_set_integer(L, "n_short", info.n_short);
  fl_set_integer(L, "n_excluded", info.n_excluded);
  return 2;
}

/* ---- kelly_fraction -------------------------------------------------------- */

static int s_kelly_fraction(lua_State *L) {
  static const char *fname = "kelly_fraction";
  static const char *const keys[] = {"expected_returns", "cov", "risk_aversion", "cap", "repair", NULL};
  fl_check_args(L, 1, fname, keys);
  fl_vec mu = fl_check_vec(L, 1, fname, "expected_returns", 0);
  int ci;
  fl_matrix *cov = fl_field_matrix(L, 1, fname, "cov", &ci);
  folio_kelly_opts o = folio_kelly_defaults();
  o.risk_aversion = fl_positive(L, 1, fname, "risk_aversion", o.risk_aversion, 0);
  o.cap = fl_positive(L, 1, fname, "cap", INFINITY, 0);
  o.repair = fl_opt_repair(L, 1, fname, "repair", "error");
  o.cancel = fl_cancel_of(L); /* the HIGHAM repair polls the run's deadline */
  fl_check_square_labelled(L, cov, fname, "cov");
  if (mu.n == 0) fl_argerror(L, fname, "expected_returns is empty");
  size_t n = mu.n;
  size_t *idx = align(L, ci, &mu, fname, "expected_returns", "cov");
  double *sub = fl_scratch(L, n * n, sizeof(double)); /* cov restricted to mu's symbols, in their order */
  for (size_t b = 0; b < n; b++)
    for (size_t a = 0; a < n; a++) sub[a + b * n] = cov->data[idx[a] + idx[b] * cov->n_rows];
  double *w = fl_scratch(L, n, sizeof(double));
  double *raw = fl_scratch(L, n, sizeof(double));
  void *work = fl_workspace(L, folio_kelly_fraction_work_size(n)); /* last before the call */
  folio_kelly_info info;
  folio_error err;
  if (folio_kelly_fraction(n, mu.vals, sub, n, mu.syms, &o, w, raw, work, &info, &err) != FOLIO_OK)
    return fl_core_error(L, fname, &err);
  fl_push_vec(L, n, mu.syms, w, NULL);
  lua_createtable(L, 0, 5);
  fl_push_vec(L, n, mu.syms, raw, NULL);
  lua_setfield(L, -2, "raw");
  lua_createtable(L, 0, (int)info.n_capped);
  for (size_t i = 0; i < n; i++)
    if (w[i] != raw[i]) {
      lua_pushboolean(L, 1);
      lua_setfield(L, -2, mu.syms[i]);
    }
  lua_setfield(L, -2, "capped");
  fl_set_integer(L, "n_capped", info.n_capped);
  fl_set_number(L, "ridge", info.ridge);
  fl_push_repair_info(L, &info.repair);
  lua_setfield(L, -2, "repair");
  return 2;
}

/* ---- vol_target_weights ---------------------------------------------------- */

static int s_vol_target_weights(lua_State *L) {
  static const char *fname = "vol_target_weights";
  static const char *const keys[] = {"base_weights", "asset_log_returns", "target_ann_vol", "window",
                                     "max_scale", "periods_per_year", NULL};
  fl_check_args(L, 1, fname, keys);
  fl_vec base = fl_check_vec(L, 1, fname, "base_weights", 0);
  int ri;
  fl_matrix *r = fl_field_matrix(L, 1, fname, "asset_log_returns", &ri);
  folio_vol_target_opts o = folio_vol_target_defaults();
  o.target_ann_vol = fl_positive(L, 1, fname, "target_ann_vol", 0, 1);
  o.window = (size_t)fl_opt_integer(L, 1, fname, "window", (long long)o.window, 2, FOLIO_MAX_DIM);
  o.max_scale = fl_positive(L, 1, fname, "max_scale", o.max_scale, 0);
  o.periods_per_year = fl_positive(L, 1, fname, "periods_per_year", o.periods_per_year, 0);
  size_t *idx = align(L, ri, &base, fname, "base_weights", "asset_log_returns");
  double *full = fl_scratch(L, r->n_cols, sizeof(double));
  double *out = fl_scratch(L, r->n_cols, sizeof(double));
  for (size_t j = 0; j < r->n_cols; j++) full[j] = 0.0;
  for (size_t i = 0; i < base.n; i++) full[idx[i]] = base.vals[i];
  folio_panel p = fl_matrix_panel(r);
  folio_vol_target_info info;
  folio_error err;
  if (folio_vol_target_weights(r->n_cols, full, &p, &o, out, &info, &err) != FOLIO_OK)
    return fl_core_error(L, fname, &err);
  double *w = fl_scratch(L, base.n, sizeof(double));
  for (size_t i = 0; i < base.n; i++) w[i] = out[idx[i]];
  fl_push_vec(L, base.n, base.syms, w, NULL);
  lua_createtable(L, 0, 4);
  fl_set_number(L, "scale", info.scale);
  fl_set_number(L, "realised_vol", info.realised_vol);
  fl_set_number(L, "target_vol", info.target_vol);
  fl_set_integer(L, "window", info.window);
  return 2;
}

/* ---- fixed_weight ---------------------------------------------------------- */

static int s_fixed_weight(lua_State *L) {
  static const char *fname = "fixed_weight";
  static const char *const keys[] = {"weights", NULL};
  fl_check_args(L, 1, fname, keys);
  fl_vec in = fl_check_vec(L, 1, fname, "weights", 0);
  double *w = fl_scratch(L, in.n, sizeof(double));
  folio_error err;
  if (folio_fixed_weight(in.n, in.vals, in.syms, w, &err) != FOLIO_OK)
    return fl_core_error(L, fname, &err);
  fl_push_vec(L, in.n, in.syms, w, NULL);
  return 1;
}

/* ---- kelly_voltarget_12 / _8 --------------------------------------------- */

static int kelly_voltarget(lua_State *L, const char *fname, double default_target) {
  static const char *const keys[] = {"signal", "returns", "nav_usd", "ic", "risk_aversion", "cap",
                                     "cov_window", "vol_window", "max_scale", "periods_per_year",
                                     "repair", "target_ann_vol", NULL};
  fl_check_args(L, 1, fname, keys);
  fl_vec sig = fl_check_vec_unsorted(L, 1, fname, "signal", 1); /* goes in column order below */
  int ri;
  fl_matrix *r = fl_field_matrix(L, 1, fname, "returns", &ri);
  double nav = fl_positive(L, 1, fname, "nav_usd", 0, 1);
  folio_kelly_voltarget_opts o = folio_kelly_voltarget_defaults(default_target);
  if (isnan(default_target)) o.target_ann_vol = fl_positive(L, 1, fname, "target_ann_vol", 0, 1);
  else if (lua_getfield(L, 1, "target_ann_vol") != LUA_TNIL)
    fl_argerror(L, fname, "target_ann_vol is fixed by this sizer (use folio.sizers.kelly_voltarget)");
  else lua_pop(L, 1);
  o.cancel = fl_cancel_of(L); /* the HIGHAM repair polls the run's deadline */
  o.ic = fl_positive(L, 1, fname, "ic", o.ic, 0);
  o.risk_aversion = fl_positive(L, 1, fname, "risk_aversion", o.risk_aversion, 0);
  o.cap = fl_positive(L, 1, fname, "cap", o.cap, 0);
  o.cov_window = (size_t)fl_opt_integer(L, 1, fname, "cov_window", (long long)o.cov_window, 2, FOLIO_MAX_DIM);
  o.vol_window = (size_t)fl_opt_integer(L, 1, fname, "vol_window", (long long)o.vol_window, 2, FOLIO_MAX_DIM);
  o.max_scale = fl_positive(L, 1, fname, "max_scale", o.max_scale, 0);
  o.periods_per_year = fl_positive(L, 1, fname, "periods_per_year", o.periods_per_year, 0);
  o.repair = fl_opt_repair(L, 1, fname, "repair", "error");
  size_t *idx = align(L, ri, &sig, fname, "signal", "returns");
  double *full = fl_scratch(L, r->n_cols, sizeof(double));
  for (size_t j = 0; j < r->n_cols; j++) full[j] = NAN; /* not in the signal: excluded */
  for (size_t i = 0; i < sig.n; i++) full[idx[i]] = sig.vals[i];
  double *w = fl_scratch(L, r->n_cols, sizeof(double));
  double *usd = fl_scratch(L, r->n_cols, sizeof(double));
  unsigned char *keep = fl_scratch(L, r->n_cols, 1);
  folio_panel p = fl_matrix_panel(r);
  void *work = fl_workspace(L, folio_kelly_voltarget_work_size(r->n_rows, r->n_cols)); /* last */
  folio_kelly_voltarget_info info;
  folio_error err;
  if (folio_kelly_voltarget(r->n_cols, full, &p, nav, &o, w, usd, work, &info, &err) != FOLIO_OK)
    return fl_core_error(L, fname, &err);
  for (size_t j = 0; j < r->n_cols; j++) keep[j] = !isnan(full[j]);
  const char *const *cols = (const char *const *)r->col_labels;
  fl_matrix_push_label_anchor(L, ri, 2); /* [.., anchor]: the labels' own strings key the results */
  int anchor = lua_gettop(L);
  fl_push_vec_anchored(L, r->n_cols, cols, anchor, w, keep);
  lua_createtable(L, 0, 12);
  fl_push_vec_anchored(L, r->n_cols, cols, anchor, usd, keep);
  lua_setfield(L, -2, "usd_targets");
  fl_set_number(L, "nav_usd", nav);
  fl_set_number(L, "scale", info.scale);
  fl_set_number(L, "realised_vol", info.realised_vol);
  fl_set_number(L, "final_vol", info.final_vol);
  fl_set_number(L, "ridge", info.ridge);
  fl_push_repair_info(L, &info.repair);
  lua_setfield(L, -2, "repair");
  fl_set_integer(L, "n_capped", info.n_capped);
  fl_set_integer(L, "n_active", info.n_active);
  fl_set_number(L, "target_ann_vol", o.target_ann_vol);
  fl_set_number(L, "ic", o.ic);
  fl_set_number(L, "risk_aversion", o.risk_aversion);
  fl_set_number(L, "cap", o.cap);
  return 2;
}

static int s_kelly_voltarget_12(lua_State *L) { return kelly_voltarget(L, "kelly_voltarget_12", 0.12); }
static int s_kelly_voltarget_8(lua_State *L) { return kelly_voltarget(L, "kelly_voltarget_8", 0.08); }
static int s_kelly_voltarget(lua_State *L) { return kelly_voltarget(L, "kelly_voltarget", NAN); }

static const luaL_Reg sizer_funcs[] = {{"equal_weight_ls", s_equal_weight_ls},
                                       {"kelly_fraction", s_kelly_fraction},
                                       {"vol_target_weights", s_vol_target_weights},
                                       {"fixed_weight", s_fixed_weight},
                                       {"kelly_voltarget_12", s_kelly_voltarget_12},
                                       {"kelly_voltarget_8", s_kelly_voltarget_8},
                                       {"kelly_voltarget", s_kelly_voltarget},
                                       {"inverse_vol", fl_risk_sizer_inverse_vol},
                                       {"min_variance", fl_risk_sizer_min_variance},
                                       {"max_diversification", fl_risk_sizer_max_diversification},
                                       {"risk_parity", fl_risk_sizer_risk_parity},
                                       {NULL, NULL}};

int fl_open_sizers(lua_State *L) {
  luaL_newlib(L, sizer_funcs);
  return 1;
}
