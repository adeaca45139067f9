/*
 * lrisk_model.c — folio.risk_model: covariance estimates as labelled matrices
 * (sample, Ledoit-Wolf towards three targets, OAS, semicovariance, EWMA), covariance -> correlation, and the repair of
 * a covariance that is not positive definite.
 */
#include <math.h>
#include <string.h>

#include "folio/correlation.h"
#include "internal.h"
#include "lfolio.h"

/* ---- shared pieces ---------------------------------------------------------- */

void fl_push_repair_info(lua_State *L, const folio_repair_info *info) {
  lua_createtable(L, 0, 7);
  lua_pushstring(L, folio_repair_name(info->method));
  lua_setfield(L, -2, "method");
  fl_set_boolean(L, "applied", info->applied);
  fl_set_number(L, "ridge", info->ridge);
  fl_set_number_unless_nan(L, "min_eigenvalue", info->min_eigenvalue);
  fl_set_number(L, "frobenius_change", info->frobenius_change);
  fl_set_integer(L, "n_clipped", info->n_clipped);
  fl_set_integer(L, "iterations", (size_t)info->iterations);
}

/* args.missing parsed, and restricted to the policies an estimator accepts
 * (`allowed`: a NULL-terminated list of names). */
static folio_missing check_missing(lua_State *L, const char *fname, const char *const *allowed) {
  const char *name = allowed[fl_opt_option(L, 1, fname, "missing", "error", allowed)];
  folio_missing m = FOLIO_MISSING_ERROR;
  folio_error err;
  folio_missing_parse(name, &m, &err);
  return m;
}

/* The scale of a per-period estimate: periods_per_year when annualize = true. */
static double check_scale(lua_State *L, const char *fname) {
  int annualize = fl_opt_boolean(L, 1, fname, "annualize", 0);
  double ppy = fl_positive(L, 1, fname, "periods_per_year", FOLIO_PERIODS_PER_YEAR, 0);
  return annualize ? ppy : 1.0;
}

/* Labels the A x A matrix at ci by the columns of the returns matrix r (both sides). */
static void label_by_returns(lua_State *L, int ci, const fl_matrix *r, const char *fname) {
  fl_push_labels(L, (const char *const *)r->col_labels, r->n_cols); /* names both sides */
  fl_matrix_set_labels(L, ci, 1, -1, fname);
  fl_matrix_set_labels(L, ci, 2, -1, fname);
  lua_pop(L, 1);
}

/* Pushes the A x A result for the returns r (written whole by the core on
 * success) at *ci, then the workspace of ws bytes (last before the call). */
static fl_matrix *push_estimate_room(lua_State *L, const fl_matrix *r, size_t ws, int *ci,
                                     void **work) {
  fl_matrix *c = fl_matrix_push_raw(L, r->n_cols, r->n_cols); /* [.., cov] */
  *ci = lua_gettop(L);
  *work = fl_workspace(L, ws); /* [.., cov, work] */
  return c;
}

/* Completes the info table on top of the stack (had_missing, missing) and
 * returns the estimate at ci and that table: [.., info] -> [.., cov, info]. */
static int push_estimate(lua_State *L, int ci, int had_missing, folio_missing missing) {
  fl_set_boolean(L, "had_missing", had_missing);
  fl_set_string(L, "missing", folio_missing_name(missing));
  lua_pushvalue(L, ci); /* [.., info, cov] */
  lua_insert(L, -2);    /* [.., cov, info] */
  return 2;
}

/* A square matrix argument whose row and column labels match. */
static fl_matrix *check_cov(lua_State *L, const char *fname, int *ci) {
  fl_matrix *c = fl_field_matrix(L, 1, fname, "cov", ci);
  fl_check_square_labelled(L, c, fname, "cov");
  return c;
}

/* ---- estimators --------------------------------------------------------------- */

/* folio.risk_model.sample_cov{returns = R, missing = "error"|"pairwise"|"complete",
 *                              annualize = false, periods_per_year = 252} */
static int r_sample_cov(lua_State *L) {
  static const char *fname = "sample_cov";
  static const char *const keys[] = {"returns", "missing", "annualize", "periods_per_year", NULL};
  fl_check_args(L, 1, fname, keys);
  int ri;
  fl_matrix *r = fl_field_matrix(L, 1, fname, "returns", &ri);
  folio_missing missing = fl_opt_missing(L, 1, fname, "missing", "error");
  if (missing == FOLIO_MISSING_ZERO)
    fl_argerror(L, fname, "missing = 'zero' is for ledoit_wolf only (error, pairwise or complete)");
  double scale = check_scale(L, fname);
  folio_panel p = fl_matrix_panel(r);
  size_t ws = folio_sample_cov_work_size(r->n_rows, r->n_cols, missing);
  int ci;
  void *work;
  fl_matrix *c = push_estimate_room(L, r, ws, &ci, &work);
  folio_cov_info info;
  folio_error err;
  if (folio_sample_cov(&p, missing, scale, c->data, r->n_cols ? r->n_cols : 1, work, &info, &err) !=
      FOLIO_OK)
    return fl_core_error(L, fname, &err);
  label_by_returns(L, ci, r, fname);
  lua_createtable(L, 0, 4); /* info */
  fl_set_integer(L, "rows_used", info.rows_used);
  fl_set_integer(L, "min_pair_obs", info.min_pair_obs);
  return push_estimate(L, ci, info.had_missing, missing);
}

/* folio.risk_model.ledoit_wolf{returns = R, missing = "error"|"complete"|"zero",
 *                               annualize = false, periods_per_year = 252} */
/* form = "factor": {kind = "factor", x = centred returns (T x p), diag, weight,
 * shrinkage, mu, rows_used} with LW = diag I + weight x'x, never p x p. */
static int ledoit_wolf_factor(lua_State *L, const char *fname, int ri, const fl_matrix *r,
                              folio_missing missing, double scale) {
  if (missing == FOLIO_MISSING_COMPLETE)
    fl_argerror(L, fname, "form = 'factor' takes missing = 'error' or 'zero' (every row is used)");
  folio_panel p = fl_matrix_panel(r);
  size_t ws = folio_ledoit_wolf_factor_work_size(r->n_rows, r->n_cols);
  if (!ws) fl_argerror(L, fname, "returns too large");
  fl_matrix *x = fl_matrix_push_raw(L, r->n_rows, r->n_cols); /* [.., x] */
  int xi = lua_gettop(L);
  void *work = fl_workspace(L, ws);                            /* [.., x, work] */
  size_t n_used = 0;
  double diag = 0, weight = 0;
  folio_lw_info info;
  folio_error err;
  if (folio_ledoit_wolf_factor(&p, missing, scale, x->data, r->n_rows ? r->n_rows : 1, &n_used,
                               &diag, &weight, work, &info, &err) != FOLIO_OK)
    return fl_core_error(L, fname, &err);
  lua_pop(L, 1);                        /* [.., x] */
  fl_matrix_share_labels(L, xi, ri, 0); /* every row is used: the returns' labels */
  lua_createtable(L, 0, 7);             /* [.., x, factor] */
  lua_pushliteral(L, "factor");
  lua_setfield(L, -2, "kind");
  lua_pushvalue(L, xi);
  lua_setfield(L, -2, "x");
  fl_set_number(L, "diag", diag);
  fl_set_number(L, "weight", weight);
  fl_set_number(L, "shrinkage", info.shrinkage);
  fl_set_number(L, "mu", info.mu);
  fl_set_integer(L, "rows_used", (lua_Integer)n_used);
  lua_createtable(L, 0, 4); /* info */
  fl_set_number(L, "shrinkage", info.shrinkage);
  fl_set_number(L, "mu", info.mu);
  fl_set_integer(L, "rows_used", info.rows_used);
  fl_set_boolean(L, "had_missing", info.had_missing);
  fl_set_string(L, "missing", folio_missing_name(missing));
  return 2;
}

static int r_ledoit_wolf(lua_State *L) {
  static const char *fname = "ledoit_wolf";
  static const char *const keys[] = {"returns", "missing", "annualize", "periods_per_year", "form",
                                     "target", NULL};
  static const char *const targets[] = {"constant_variance", "single_factor",
                                        "constant_correlation", NULL};
  static const char *const allowed[] = {"error", "complete", "zero", NULL};
  static const char *const forms[] = {"matrix", "factor", NULL};
  fl_check_args(L, 1, fname, keys);
  int ri;
  fl_matrix *r = fl_field_matrix(L, 1, fname, "returns", &ri);
  lua_getfield(L, 1, "missing");
  if (lua_type(L, -1) == LUA_TSTRING && strcmp(lua_tostring(L, -1), "pairwise") == 0)
    fl_argerror(L, fname, "missing must be 'error', 'complete' or 'zero', got 'pairwise' "
                          "(pairwise is not defined for Ledoit-Wolf)");
  lua_pop(L, 1);
  folio_missing missing = check_missing(L, fname, allowed);
  double scale = check_scale(L, fname);
  folio_lw_target target = (folio_lw_target)fl_opt_option(L, 1, fname, "target",
                                                          "constant_variance", targets);
  if (fl_opt_option(L, 1, fname, "form", "matrix", forms) == 1) {
    if (target != FOLIO_LW_CONSTANT_VARIANCE)
      fl_argerror(L, fname, "form = 'factor' is the constant_variance target only, got target = '%s'",
                  folio_lw_target_name(target));
    return ledoit_wolf_factor(L, fname, ri, r, missing, scale);
  }
  folio_panel p = fl_matrix_panel(r);
  size_t ws = target == FOLIO_LW_CONSTANT_VARIANCE
                  ? folio_ledoit_wolf_work_size(r->n_rows, r->n_cols)
                  : folio_ledoit_wolf_target_work_size(r->n_rows, r->n_cols);
  int ci;
  void *work;
  fl_matrix *c = push_estimate_room(L, r, ws, &ci, &work);
  folio_lw_info info;
  folio_error err;
  /* constant_variance goes through folio_ledoit_wolf itself (bit-identical). */
  if (folio_ledoit_wolf_target(&p, target, missing, scale, c->data, r->n_cols ? r->n_cols : 1, work,
                               &info, &err) != FOLIO_OK)
    return fl_core_error(L, fname, &err);
  label_by_returns(L, ci, r, fname);
  lua_createtable(L, 0, 6);
  fl_set_number(L, "shrinkage", info.shrinkage);
  fl_set_number(L, "mu", info.mu);
  fl_set_integer(L, "rows_used", info.rows_used);
  fl_set_string(L, "target", folio_lw_target_name(target));
  return push_estimate(L, ci, info.had_missing, missing);
}

/* folio.risk_model.oas{returns = R, missing = "error"|"complete"|"zero",
 *                       annualize = false, periods_per_year = 252} */
static int r_oas(lua_State *L) {
  static const char *fname = "oas";
  static const char *const keys[] = {"returns", "missing", "annualize", "periods_per_year", NULL};
  static const char *const allowed[] = {"error", "complete", "zero", NULL};
  fl_check_args(L, 1, fname, keys);
  int ri;
  fl_matrix *r = fl_field_matrix(L, 1, fname, "returns", &ri);
  folio_missing missing = check_missing(L, fname, allowed);
  double scale = check_scale(L, fname);
  folio_panel p = fl_matrix_panel(r);
  int ci;
  void *work;
  fl_matrix *c = push_estimate_room(L, r, folio_oas_work_size(r->n_rows, r->n_cols), &ci, &work);
  folio_lw_info info;
  folio_error err;
  if (folio_oas(&p, missing, scale, c->data, r->n_cols ? r->n_cols : 1, work, &info, &err) != FOLIO_OK)
    return fl_core_error(L, fname, &err);
  label_by_returns(L, ci, r, fname);
  lua_createtable(L, 0, 5);
  fl_set_number(L, "shrinkage", info.shrinkage);
  fl_set_number(L, "mu", info.mu);
  fl_set_integer(L, "rows_used", info.rows_used);
  return push_estimate(L, ci, info.had_missing, missing);
}

/* folio.risk_model.semicovariance{returns = R, benchmark = 0, frequency = 252,
 *                                  missing = "error"|"complete"|"zero"} */
static int r_semicovariance(lua_State *L) {
  static const char *fname = "semicovariance";
  static const char *const keys[] = {"returns", "benchmark", "frequency", "missing", NULL};
  static const char *const allowed[] = {"error", "complete", "zero", NULL};
  fl_check_args(L, 1, fname, keys);
  int ri;
  fl_matrix *r = fl_field_matrix(L, 1, fname, "returns", &ri);
  double benchmark = fl_opt_number(L, 1, fname, "benchmark", 0.0);
  double frequency = fl_positive(L, 1, fname, "frequency", FOLIO_PERIODS_PER_YEAR, 0);
  folio_missing missing = check_missing(L, fname, allowed);
  folio_panel p = fl_matrix_panel(r);
  int ci;
  void *work;
  fl_matrix *c =
      push_estimate_room(L, r, folio_semicovariance_work_size(r->n_rows, r->n_cols), &ci, &work);
  folio_cov_info info;
  folio_error err;
  if (folio_semicovariance(&p, missing, benchmark, frequency, c->data, r->n_cols ? r->n_cols : 1,
                           work, &info, &err) != FOLIO_OK)
    return fl_core_error(L, fname, &err);
  label_by_returns(L, ci, r, fname);
  lua_createtable(L, 0, 5);
  fl_set_integer(L, "rows_used", info.rows_used);
  fl_set_number(L, "benchmark", benchmark);
  fl_set_number(L, "frequency", frequency);
  return push_estimate(L, ci, info.had_missing, missing);
}

/* folio.risk_model.ewma_cov{returns = R, half_life = 63, missing = "error"|"complete",
 *                            annualize = false, periods_per_year = 252} */
static int r_ewma_cov(lua_State *L) {
  static const char *fname = "ewma_cov";
  static const char *const keys[] = {"returns",   "half_life",        "missing",
                                     "annualize", "periods_per_year", NULL};
  static const char *const allowed[] = {"error", "complete", NULL};
  fl_check_args(L, 1, fname, keys);
  int ri;
  fl_matrix *r = fl_field_matrix(L, 1, fname, "returns", &ri);
  double half_life = fl_positive(L, 1, fname, "half_life", 63.0, 0);
  folio_missing missing = check_missing(L, fname, allowed);
  double scale = check_scale(L, fname);
  folio_panel p = fl_matrix_panel(r);
  size_t ws = folio_ewma_cov_work_size(r->n_rows, r->n_cols);
  int ci;
  void *work;
  fl_matrix *c = push_estimate_room(L, r, ws, &ci, &work);
  folio_cov_info info;
  folio_error err;
  if (folio_ewma_cov(&p, missing, half_life, scale, c->data, r->n_cols ? r->n_cols : 1, work, &info,
                     &err) != FOLIO_OK)
    return fl_core_error(L, fname, &err);
  label_by_returns(L, ci, r, fname);
  lua_createtable(L, 0, 4);
  fl_set_integer(L, "rows_used", info.rows_used);
  fl_set_number(L, "half_life", half_life);
  return push_estimate(L, ci, info.had_missing, missing);
}

/* ---- matrices in, matrices out ------------------------------------------------ */

/* folio.risk_model.corr{cov = C} -> correlation matrix labelled like C */
static int r_corr(lua_State *L) {
  static const char *fname = "corr";
  static const char *const keys[] = {"cov", NULL};
  fl_check_args(L, 1, fname, keys);
  int ci;
  fl_matrix *c = check_cov(L, fname, &ci);
  size_t n = c->n_rows;
  fl_matrix *out = fl_matrix_push_raw(L, n, n);
  int oi = lua_gettop(L);
  folio_error err;
  if (folio_cov_to_corr(n, c->data, n ? n : 1, out->data, n ? n : 1,
                        (const char *const *)c->col_labels, &err) != FOLIO_OK)
    return fl_core_error(L, fname, &err);
  fl_matrix_share_labels(L, oi, ci, 0);
  return 1;
}

/* folio.risk_model.repair{cov = C, method = "clip"} -> repaired copy, info */
static int r_repair(lua_State *L) {
  static const char *fname = "repair";
  static const char *const keys[] = {"cov", "method", NULL};
  fl_check_args(L, 1, fname, keys);
  int ci;
  fl_matrix *c = check_cov(L, fname, &ci);
  folio_repair method = fl_opt_repair(L, 1, fname, "method", "clip");
  folio_error err;
  size_t n = c->n_rows;
  fl_matrix *out = fl_matrix_push_raw(L, n, n);
  int oi = lua_gettop(L);
  if (n) memcpy(out->data, c->data, n * n * sizeof(double));
  void *work = fl_workspace(L, folio_cov_repair_work_size(n)); /* last before the call */
  folio_repair_info info;
  if (folio_i_cov_repair(n, out->data, n ? n : 1, method, (const char *const *)c->col_labels, work,
                         fl_cancel_of(L), &info, &err) != FOLIO_OK)
    return fl_core_error(L, fname, &err);
  fl_matrix_share_labels(L, oi, ci, 0);
  lua_pushvalue(L, oi);         /* [..., work, out] */
  fl_push_repair_info(L, &info); /* [..., work, out, info] */
  return 2;
}

static const luaL_Reg risk_funcs[] = {{"sample_cov", r_sample_cov}, {"ledoit_wolf", r_ledoit_wolf},
                                      {"ewma_cov", r_ewma_cov},     {"corr", r_corr},
                                      {"repair", r_repair},         {"oas", r_oas},
                                      {"semicovariance", r_semicovariance}, {NULL, NULL}};

int fl_open_risk_model(lua_State *L) {
  luaL_newlib(L, risk_funcs);
  return 1;
}
