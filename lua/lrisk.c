/*
 * lrisk.c — folio.risk_model: covariance estimates as labelled matrices.
 */
#include "lfolio.h"

/* folio.risk_model.sample_cov{returns = R, missing = "error"|"pairwise"|"complete",
 *                              annualize = false, periods_per_year = 252} */
static int r_sample_cov(lua_State *L) {
  static const char *fname = "sample_cov";
  static const char *const keys[] = {"returns", "missing", "annualize", "periods_per_year", NULL};
  fl_check_args(L, 1, fname, keys);
  int ri;
  fl_matrix *r = fl_field_matrix(L, 1, fname, "returns", &ri);
  folio_missing missing;
  folio_error err;
  if (folio_missing_parse(fl_opt_string(L, 1, fname, "missing", "error"), &missing, &err) != FOLIO_OK)
    fl_argerror(L, fname, "missing: %s", err.message);
  int annualize = fl_opt_boolean(L, 1, fname, "annualize", 0);
  double ppy = fl_positive(L, 1, fname, "periods_per_year", FOLIO_PERIODS_PER_YEAR, 0);
  folio_panel p = fl_matrix_panel(r);
  size_t ws = folio_sample_cov_work_size(r->n_rows, r->n_cols, missing);
  fl_matrix *c = fl_matrix_push_raw(L, r->n_cols, r->n_cols); /* written whole on success */
  int ci = lua_gettop(L);
  void *work = fl_workspace(L, ws); /* last before the call */
  folio_cov_info info;
  if (folio_sample_cov(&p, missing, annualize ? ppy : 1.0, c->data, r->n_cols ? r->n_cols : 1, work,
                       &info, &err) != FOLIO_OK)
    return fl_core_error(L, fname, &err);
  fl_push_labels(L, (const char *const *)r->col_labels, r->n_cols); /* names both sides */
  fl_matrix_set_labels(L, ci, 1, -1, fname);
  fl_matrix_set_labels(L, ci, 2, -1, fname);
  lua_pop(L, 1);
  lua_createtable(L, 0, 3); /* info */
  lua_pushinteger(L, (lua_Integer)info.rows_used);
  lua_setfield(L, -2, "rows_used");
  lua_pushinteger(L, (lua_Integer)info.min_pair_obs);
  lua_setfield(L, -2, "min_pair_obs");
  lua_pushboolean(L, info.had_missing);
  lua_setfield(L, -2, "had_missing");
  lua_pushstring(L, folio_missing_name(missing));
  lua_setfield(L, -2, "missing");
  lua_pushvalue(L, ci);
  lua_insert(L, -2);
  return 2;
}

static const luaL_Reg risk_funcs[] = {{"sample_cov", r_sample_cov}, {NULL, NULL}};

int fl_open_risk_model(lua_State *L) {
  luaL_newlib(L, risk_funcs);
  return 1;
}
