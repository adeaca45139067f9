/*
 * lexpected_returns.c — folio.expected_returns: PyPortfolioOpt's expected
 * return estimators (mean_historical, ema_historical, capm) on a prices
 * matrix, each returning a table symbol -> annual expected return and an
 * info table. The numbers and the missing-data rules are the core's
 * (expected_returns.h).
 */
#include <math.h>
#include <string.h>

#include "folio/expected_returns.h"
#include "lfolio.h"

/* Raises the core's error under the Lua name: the core names its functions
 * after PyPortfolioOpt's (mean_historical_return), the Lua face after the
 * issue's (mean_historical); "mean_historical: mean_historical_return: ..."
 * would say the same name twice. */
static int er_error(lua_State *L, const char *fname, const char *core, folio_error *err) {
  size_t n = strlen(core);
  if (strncmp(err->message, core, n) == 0 && err->message[n] == ':') {
    char msg[FOLIO_ERROR_MAX];
    snprintf(msg, sizeof msg, "%s%s", fname, err->message + n);
    snprintf(err->message, sizeof err->message, "%s", msg);
  }
  return fl_core_error(L, fname, err);
}

/* The prices matrix at args.prices (pushed; its index in *pi). */
static fl_matrix *check_prices(lua_State *L, const char *fname, int *pi) {
  fl_matrix *m = fl_field_matrix(L, 1, fname, "prices", pi);
  if (m->n_cols == 0) fl_argerror(L, fname, "prices has no symbol");
  return m;
}

/* Pushes {SYM = mu} for the columns of m, then info {rows_used, had_missing
 * [, market_return]}: [..] -> [.., mu, info]. */
static int push_result(lua_State *L, const fl_matrix *m, const double *mu, const double *betas,
                       const folio_er_info *info) {
  lua_createtable(L, 0, (int)m->n_cols);
  for (size_t j = 0; j < m->n_cols; j++) {
    lua_pushnumber(L, mu[j]);
    lua_setfield(L, -2, m->col_labels[j]);
  }
  lua_createtable(L, 0, 4);
  fl_set_integer(L, "rows_used", (lua_Integer)info->rows_used);
  fl_set_boolean(L, "had_missing", info->had_missing);
  if (betas) {
    fl_set_number(L, "market_return", info->market_return);
    lua_createtable(L, 0, (int)m->n_cols);
    for (size_t j = 0; j < m->n_cols; j++) {
      lua_pushnumber(L, betas[j]);
      lua_setfield(L, -2, m->col_labels[j]);
    }
    lua_setfield(L, -2, "betas");
  }
  return 2;
}

/* A caller-visible scratch of n doubles (collected with the call). */
static double *doubles(lua_State *L, size_t n) {
  return (double *)lua_newuserdatauv(L, (n ? n : 1) * sizeof(double), 0);
}

/* folio.expected_returns.mean_historical{prices, compounding = true, frequency = 252,
 *                                         log_returns = false} -> {SYM = mu}, info */
static int er_mean_historical(lua_State *L) {
  static const char *fname = "mean_historical";
  static const char *const keys[] = {"prices", "compounding", "frequency", "log_returns", NULL};
  fl_check_args(L, 1, fname, keys);
  int pi;
  fl_matrix *m = check_prices(L, fname, &pi);
  int compounding = fl_opt_boolean(L, 1, fname, "compounding", 1);
  double frequency = fl_positive(L, 1, fname, "frequency", 252.0, 0);
  int log_returns = fl_opt_boolean(L, 1, fname, "log_returns", 0);
  double *mu = doubles(L, m->n_cols);
  void *work = fl_workspace(L, folio_expected_returns_work_size(m->n_rows, m->n_cols));
  folio_panel p = fl_matrix_panel(m);
  folio_er_info info;
  folio_error err;
  if (folio_mean_historical_return(&p, compounding, frequency, log_returns, mu, work, &info, &err) !=
      FOLIO_OK)
    return er_error(L, fname, "mean_historical_return", &err);
  return push_result(L, m, mu, NULL, &info);
}

/* folio.expected_returns.ema_historical{prices, span = 500, compounding = true,
 *                                        frequency = 252} -> {SYM = mu}, info */
static int er_ema_historical(lua_State *L) {
  static const char *fname = "ema_historical";
  static const char *const keys[] = {"prices", "span", "compounding", "frequency", NULL};
  fl_check_args(L, 1, fname, keys);
  int pi;
  fl_matrix *m = check_prices(L, fname, &pi);
  double span = fl_opt_number(L, 1, fname, "span", 500.0);
  if (!(span >= 1.0))
    fl_argerror(L, fname, "span must be >= 1 (rows; pandas' ewm(span)), got %f", span);
  int compounding = fl_opt_boolean(L, 1, fname, "compounding", 1);
  double frequency = fl_positive(L, 1, fname, "frequency", 252.0, 0);
  double *mu = doubles(L, m->n_cols);
  void *work = fl_workspace(L, folio_expected_returns_work_size(m->n_rows, m->n_cols));
  folio_panel p = fl_matrix_panel(m);
  folio_er_info info;
  folio_error err;
  if (folio_ema_historical_return(&p, span, compounding, frequency, mu, work, &info, &err) !=
      FOLIO_OK)
    return er_error(L, fname, "ema_historical_return", &err);
  lua_pop(L, 1); /* the workspace */
  int n = push_result(L, m, mu, NULL, &info);
  fl_set_number(L, "span", span);
  return n;
}

/* The market's prices: a one-column matrix on the same dates as prices. */
static const double *check_market(lua_State *L, const char *fname, const fl_matrix *m) {
  if (!fl_has_field(L, 1, "market_prices")) return NULL;
  int mi;
  fl_matrix *mk = fl_field_matrix(L, 1, fname, "market_prices", &mi);
  if (mk->n_cols != 1)
    fl_argerror(L, fname, "market_prices must have one column (the market), got %d",
                (int)mk->n_cols);
  if (mk->n_rows != m->n_rows)
    fl_argerror(L, fname, "market_prices has %I row(s), prices %I: the market must be on the "
                "same dates", (lua_Integer)mk->n_rows, (lua_Integer)m->n_rows);
  for (size_t i = 0; i < m->n_rows && mk->row_labels && m->row_labels; i++)
    if (strcmp(mk->row_labels[i], m->row_labels[i]) != 0)
      fl_argerror(L, fname, "market_prices row %I is %s where prices has %s: the market must be "
                  "on the same dates", (lua_Integer)(i + 1), mk->row_labels[i], m->row_labels[i]);
  return mk->data;
}

/* folio.expected_returns.capm{prices, market_prices = nil, risk_free_rate = 0,
 *                              compounding = true, frequency = 252}
 *   -> {SYM = mu}, info {rows_used, had_missing, market_return, betas} */
static int er_capm(lua_State *L) {
  static const char *fname = "capm";
  static const char *const keys[] = {"prices", "market_prices", "risk_free_rate", "compounding",
                                     "frequency", NULL};
  fl_check_args(L, 1, fname, keys);
  int pi;
  fl_matrix *m = check_prices(L, fname, &pi);
  const double *market = check_market(L, fname, m);
  double rf = fl_opt_number(L, 1, fname, "risk_free_rate", 0.0);
  int compounding = fl_opt_boolean(L, 1, fname, "compounding", 1);
  double frequency = fl_positive(L, 1, fname, "frequency", 252.0, 0);
  double *mu = doubles(L, m->n_cols), *betas = doubles(L, m->n_cols);
  void *work = fl_workspace(L, folio_expected_returns_work_size(m->n_rows, m->n_cols));
  folio_panel p = fl_matrix_panel(m);
  folio_er_info info;
  folio_error err;
  if (folio_capm_return(&p, market, rf, compounding, frequency, mu, betas, work, &info, &err) !=
      FOLIO_OK)
    return er_error(L, fname, "capm_return", &err);
  return push_result(L, m, mu, betas, &info);
}

static const luaL_Reg er_funcs[] = {{"mean_historical", er_mean_historical},
                                    {"ema_historical", er_ema_historical},
                                    {"capm", er_capm},
                                    {NULL, NULL}};

int fl_open_expected_returns(lua_State *L) {
  luaL_newlib(L, er_funcs);
  return 1;
}
