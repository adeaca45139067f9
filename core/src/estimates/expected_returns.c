/*
 * expected_returns.c — expected returns per asset from prices, with
 * PyPortfolioOpt's semantics (mean_historical_return, ema_historical_return,
 * capm_return). The unit owns the step from prices to the returns those
 * functions see (pct_change, then the all-missing rows dropped) and the
 * pandas rules for missing returns: every column over its own present
 * values. All the work is O(T * A) plain loops: there is no product over
 * the time axis worth a BLAS call.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "folio/expected_returns.h"
#include "folio/returns.h"
#include "internal.h"

/* ---- workspace --------------------------------------------------------- */

/* The returns (T - 1 rows; one more column for the market) and the row
 * flags of dropna(how = "all"). */
typedef struct er_work {
  double *r;           /* (T - 1) x (A + 1), ld = T - 1; the rows kept are compacted to the top */
  unsigned char *drop; /* T - 1 flags */
  double *beta;        /* A: capm's betas until every check has passed */
} er_work;

static void er_layout(folio_i_arena *a, size_t n_rows, size_t n_assets, er_work *w) {
  size_t n_ret = n_rows > 1 ? n_rows - 1 : 1;
  w->r = folio_i_take_mat(a, n_ret, n_assets + 1, sizeof(double));
  w->drop = folio_i_take(a, n_ret, 1);
  w->beta = folio_i_take(a, n_assets ? n_assets : 1, sizeof(double));
}

size_t folio_expected_returns_work_size(size_t n_rows, size_t n_assets) {
  folio_i_arena a = {NULL, 0, 0};
  er_work w;
  if (n_assets >= SIZE_MAX - 1) return 0;
  er_layout(&a, n_rows, n_assets, &w);
  if (a.overflow || a.used > SIZE_MAX - 64) return 0;
  return a.used + 64;
}

/* ---- prices -> returns ---------------------------------------------------- */

/* The common prologue: checks, workspace, the simple returns of prices
 * (and of the market when given, as column n_assets) with the rows whose
 * every asset return is missing dropped. On success *n_out rows are in
 * w->r (ld = *n_out) and *owned is the caller's to free. */
static folio_status er_begin(const char *who, const folio_panel *prices, const double *market,
                             double frequency, void *work, void **owned, er_work *w,
                             size_t *n_out, int *had_missing, folio_error *err) {
  *owned = NULL;
  if (!prices) return folio_error_set(err, FOLIO_EINVAL, "%s: prices is NULL", who);
  if (!isfinite(frequency) || !(frequency > 0.0))
    return folio_error_set(err, FOLIO_EINVAL, "%s: frequency %g must be finite and > 0", who,
                           frequency);
  folio_status st = folio_panel_check(prices, who, "prices", err);
  if (st < 0) return st;
  const size_t n_rows = prices->n_rows, n_assets = prices->n_cols;
  if (n_rows < 2)
    return folio_error_set(err, FOLIO_ESHORT,
                           "%s: prices has %zu row(s), at least 2 are needed for a return", who,
                           n_rows);
  if (n_assets == 0) return folio_error_set(err, FOLIO_EEMPTY, "%s: prices has no symbol", who);
  size_t need = folio_expected_returns_work_size(n_rows, n_assets);
  if (!need)
    return folio_error_set(err, FOLIO_EDIM, "%s: workspace for %zu x %zu overflows", who, n_rows,
                           n_assets);
  work = folio_i_workspace(work, need, owned);
  if (!work)
    return folio_error_set(err, FOLIO_ENOMEM, "%s: cannot allocate %zu bytes of workspace", who,
                           need);
  folio_i_arena arena = {folio_i_align64(work), 0, 0};
  er_layout(&arena, n_rows, n_assets, w);
  const size_t n = n_rows - 1;
  folio_error e2;
  st = folio_returns(prices, FOLIO_RETURNS_SIMPLE, w->r, n, &e2);
  if (st == FOLIO_OK && market) {
    static const char *const market_name[] = {"market"};
    folio_panel mp = {market, n_rows, 1, n_rows, prices->row_labels, market_name};
    st = folio_returns(&mp, FOLIO_RETURNS_SIMPLE, w->r + n_assets * n, n, &e2);
  }
  if (st < 0) {
    /* folio_returns' message names value, symbol and date; say whose call it was. */
    const char *m = e2.message;
    if (strncmp(m, "returns: ", 9) == 0) m += 9;
    folio_error_set(err, st, "%s: %s", who, m);
    free(*owned);
    *owned = NULL;
    return st;
  }
  folio_panel rp = folio_panel_make(w->r, n, n_assets);
  size_t n_drop = folio_rows_all_missing(&rp, w->drop), k = 0;
  const size_t n_keep = n - n_drop, n_cols = n_assets + (market ? 1 : 0);
  /* Compact the kept rows to ld = n_keep (column by column, moving down: k <= i). */
  for (size_t j = 0; j < n_cols; j++) {
    const double *src = w->r + j * n;
    double *dst = w->r + j * n_keep;
    k = 0;
    for (size_t i = 0; i < n; i++)
      if (!w->drop[i]) dst[k++] = src[i];
  }
  int missing = 0;
  for (size_t e = 0; e < n_keep * n_assets && !missing; e++) missing = isnan(w->r[e]);
  *had_missing = missing;
  *n_out = n_keep;
  return FOLIO_OK;
}

/* Every asset needs at least one return: names the first that has none. */
static folio_status need_returns(const char *who, const folio_panel *prices, const double *r,
                                 size_t n, size_t n_assets, folio_error *err) {
  for (size_t j = 0; j < n_assets; j++) {
    const double *col = r + j * n;
    size_t i = 0;
    while (i < n && isnan(col[i])) i++;
    if (i == n) {
      char cb[64];
      return folio_error_set(err, FOLIO_EMISSING,
                             "%s: symbol %s has no return (fewer than 2 consecutive prices)", who,
                             folio_panel_col_name(prices, j, cb, sizeof cb));
    }
  }
  return FOLIO_OK;
}

/* pandas' (1 + r).prod() ** (frequency / r.count()) - 1, or r.mean() * frequency
 * (the mean in numpy's pairwise order, through folio_column_means). col has
 * at least one present value. */
static double mean_return(const double *col, size_t n, int compounding, double frequency) {
  if (compounding) {
    double prod = 1.0;
    size_t count = 0;
    for (size_t t = 0; t < n; t++) {
      if (isnan(col[t])) continue;
      prod *= 1.0 + col[t];
      count++;
    }
    return pow(prod, frequency / (double)count) - 1.0;
  }
  double mean = 0.0;
  folio_panel p = folio_panel_make(col, n, 1);
  folio_column_means(&p, frequency, &mean, NULL, NULL);
  return mean;
}

/* ==== mean historical return ============================================ */

folio_status folio_mean_historical_return(const folio_panel *prices, int compounding,
                                          double frequency, int log_returns, double *mu,
                                          void *work, folio_er_info *info, folio_error *err) {
  static const char *who = "mean_historical_return";
  if (!mu) return folio_error_set(err, FOLIO_EINVAL, "%s: mu is NULL", who);
  void *owned;
  er_work w;
  size_t n = 0;
  int had_missing = 0;
  folio_status st = er_begin(who, prices, NULL, frequency, work, &owned, &w, &n, &had_missing, err);
  if (st < 0) return st;
  const size_t n_assets = prices->n_cols;
  st = need_returns(who, prices, w.r, n, n_assets, err);
  if (st == FOLIO_OK) {
    if (log_returns)
      for (size_t e = 0; e < n * n_assets; e++)
        if (!isnan(w.r[e])) w.r[e] = log(1.0 + w.r[e]); /* np.log(1 + pct_change) */
    for (size_t j = 0; j < n_assets; j++)
      mu[j] = mean_return(w.r + j * n, n, compounding, frequency);
    if (info) {
      folio_er_info out = {n, had_missing, NAN};
      *info = out;
    }
    folio_error_clear(err);
  }
  free(owned);
  return st;
}

/* ==== exponentially weighted mean return ================================= */

/* The last value of pandas' Series.ewm(com, adjust = True, ignore_na = False).mean()
 * (pandas/_libs/window/aggregations.pyx, ewm): the same recursion, step for
 * step, so that the result agrees with pandas to the last bits. */
static double ewm_last(const double *x, size_t n, double alpha) {
  const double old_wt_factor = 1.0 - alpha, new_wt = 1.0;
  double weighted = x[0], old_wt = 1.0;
  for (size_t t = 1; t < n; t++) {
    double cur = x[t];
    int is_obs = !isnan(cur);
    if (!isnan(weighted)) {
      old_wt *= old_wt_factor;
      if (is_obs) {
        if (weighted != cur) { /* pandas: keeps a constant series exact */
          weighted = old_wt * weighted + new_wt * cur;
          weighted /= old_wt + new_wt;
        }
        old_wt += new_wt;
      }
    } else if (is_obs) {
      weighted = cur;
    }
  }
  return weighted;
}

folio_status folio_ema_historical_return(const folio_panel *prices, double span, int compounding,
                                         double frequency, double *mu, void *work,
                                         folio_er_info *info, folio_error *err) {
  static const char *who = "ema_historical_return";
  if (!mu) return folio_error_set(err, FOLIO_EINVAL, "%s: mu is NULL", who);
  if (!isfinite(span) || !(span >= 1.0))
    return folio_error_set(err, FOLIO_EINVAL, "%s: span %g must be finite and >= 1 (rows)", who,
                           span);
  void *owned;
  er_work w;
  size_t n = 0;
  int had_missing = 0;
  folio_status st = er_begin(who, prices, NULL, frequency, work, &owned, &w, &n, &had_missing, err);
  if (st < 0) return st;
  const size_t n_assets = prices->n_cols;
  st = need_returns(who, prices, w.r, n, n_assets, err);
  if (st == FOLIO_OK) {
    /* pandas: com = (span - 1) / 2, alpha = 1 / (1 + com). */
    const double com = (span - 1.0) / 2.0, alpha = 1.0 / (1.0 + com);
    for (size_t j = 0; j < n_assets; j++) {
      double e = ewm_last(w.r + j * n, n, alpha);
      mu[j] = compounding ? pow(1.0 + e, frequency) - 1.0 : e * frequency;
    }
    if (info) {
      folio_er_info out = {n, had_missing, NAN};
      *info = out;
    }
    folio_error_clear(err);
  }
  free(owned);
  return st;
}

/* ==== CAPM ============================================================== */

/* Sample covariance (ddof 1) of x and y over the rows where both are
 * present, two passes (means over the overlap first); *n_both the overlap. */
static double pair_cov(const double *x, const double *y, size_t n, size_t *n_both) {
  double sx = 0.0, sy = 0.0;
  size_t k = 0;
  for (size_t t = 0; t < n; t++) {
    if (isnan(x[t]) || isnan(y[t])) continue;
    sx += x[t];
    sy += y[t];
    k++;
  }
  *n_both = k;
  if (k < 2) return NAN;
  const double mx = sx / (double)k, my = sy / (double)k;
  double s = 0.0;
  for (size_t t = 0; t < n; t++) {
    if (isnan(x[t]) || isnan(y[t])) continue;
    s += (x[t] - mx) * (y[t] - my);
  }
  return s / (double)(k - 1);
}

folio_status folio_capm_return(const folio_panel *prices, const double *market_prices,
                               double risk_free_rate, int compounding, double frequency,
                               double *mu, double *betas, void *work, folio_er_info *info,
                               folio_error *err) {
  static const char *who = "capm_return";
  if (!mu) return folio_error_set(err, FOLIO_EINVAL, "%s: mu is NULL", who);
  if (!isfinite(risk_free_rate))
    return folio_error_set(err, FOLIO_ENOTFINITE, "%s: risk_free_rate %g is not finite", who,
                           risk_free_rate);
  void *owned;
  er_work w;
  size_t n = 0;
  int had_missing = 0;
  folio_status st =
      er_begin(who, prices, market_prices, frequency, work, &owned, &w, &n, &had_missing, err);
  if (st < 0) return st;
  const size_t n_assets = prices->n_cols;
  char cb[64];
  double *mkt = w.r + n_assets * n;
  st = need_returns(who, prices, w.r, n, n_assets, err);
  if (st < 0) goto done;
  if (!market_prices) {
    /* returns.mean(axis = 1): every kept row has at least one present return. */
    for (size_t t = 0; t < n; t++) {
      double s = 0.0;
      size_t k = 0;
      for (size_t j = 0; j < n_assets; j++) {
        double v = w.r[t + j * n];
        if (isnan(v)) continue;
        s += v;
        k++;
      }
      mkt[t] = s / (double)k;
    }
  }
  size_t n_mkt = 0;
  double var_m = pair_cov(mkt, mkt, n, &n_mkt);
  if (n_mkt < 2) {
    st = folio_error_set(err, FOLIO_ESHORT,
                         "%s: the market has %zu return(s) on the assets' dates, at least 2 are "
                         "needed",
                         who, n_mkt);
    goto done;
  }
  if (!(var_m > 0.0)) {
    st = folio_error_set(err, FOLIO_EDEGENERATE,
                         "%s: the market's returns have zero variance (beta is undefined)", who);
    goto done;
  }
  double *beta_tmp = w.beta; /* mu and betas are written only on success */
  for (size_t j = 0; j < n_assets; j++) {
    size_t k = 0;
    double c = pair_cov(w.r + j * n, mkt, n, &k);
    if (k < 2) {
      st = folio_error_set(err, FOLIO_ESHORT,
                           "%s: symbol %s has %zu return(s) together with the market, at least 2 "
                           "are needed",
                           who, folio_panel_col_name(prices, j, cb, sizeof cb), k);
      goto done;
    }
    beta_tmp[j] = c / var_m;
  }
  const double m = mean_return(mkt, n, compounding, frequency);
  for (size_t j = 0; j < n_assets; j++) {
    double b = beta_tmp[j];
    if (betas) betas[j] = b;
    mu[j] = risk_free_rate + b * (m - risk_free_rate);
  }
  if (info) {
    folio_er_info out = {n, had_missing, m};
    *info = out;
  }
  folio_error_clear(err);
done:
  free(owned);
  return st;
}
