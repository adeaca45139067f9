/*
 * ref_risk_model.c — returns, column means and sample covariance against the
 * peer-computed numbers in ../shared/reference (see its README for how they
 * were made): pandas' pairwise R.cov() on stock_prices.csv with its leading
 * gaps, the 895 complete rows, PyPortfolioOpt's annualised mean returns, and
 * a gap-free second dataset (sp500_dataset.csv) for internal consistency.
 */
#include <lapacke.h>
#include <math.h>
#include <stdint.h>

#include "folio/returns.h"
#include "folio/risk_model.h"
#include "refio.h"
#include "testlib.h"

#define TOL 1e-10 /* relative to sqrt(C_ii C_jj); the README expects ~1e-14 */

/* Prices of a reference data file as a labelled panel (rows = dates). */
typedef struct price_data {
  ref_table t;
  double *x; /* column-major n_rows x n_cols */
  folio_panel prices;
} price_data;

static int load_prices(const char *dir, const char *name, price_data *d) {
  if (ref_load(dir, name, &d->t) != 0) return -1;
  d->x = ref_column_major(&d->t);
  folio_panel p = {d->x,
                   d->t.n_rows,
                   d->t.n_cols,
                   d->t.n_rows,
                   (const char *const *)d->t.labels,
                   (const char *const *)(d->t.header + 1)};
  d->prices = p;
  return 0;
}

static void free_prices(price_data *d) {
  free(d->x);
  ref_free(&d->t);
}

/* Simple returns with all-missing rows dropped (PyPortfolioOpt's
 * returns_from_prices). *labels receives the surviving rows' dates. */
static double *returns_dropna(const price_data *d, size_t *n_out, const char ***labels) {
  size_t t = d->prices.n_rows - 1, a = d->prices.n_cols;
  double *r = malloc(sizeof(double) * t * a);
  folio_error err = {FOLIO_OK, ""};
  folio_status st = folio_returns(&d->prices, FOLIO_RETURNS_SIMPLE, r, t, &err);
  CHECK_MSG(st == FOLIO_OK, "returns: %s", err.message);
  folio_panel rp = folio_panel_make(r, t, a);
  unsigned char *drop = malloc(t);
  size_t n_drop = folio_rows_all_missing(&rp, drop);
  size_t n = t - n_drop;
  double *out = malloc(sizeof(double) * n * a);
  const char **lab = malloc(sizeof(char *) * n);
  size_t k = 0;
  for (size_t i = 0; i < t; i++) {
    if (drop[i]) continue;
    for (size_t j = 0; j < a; j++) out[k + j * n] = r[i + j * t];
    lab[k] = d->prices.row_labels[i + 1]; /* return row i ends on price row i + 1 */
    k++;
  }
  free(drop);
  free(r);
  *n_out = n;
  *labels = lab;
  return out;
}

/* max |c - ref| / sqrt(ref_ii ref_jj) over all entries; ref from a matrix file
 * whose row and column order must be the data's column order. */
static double cov_deviation(const double *c, size_t a, const ref_table *ref,
                            const char *const *syms) {
  CHECK_EQ_INT(ref->n_rows, a);
  CHECK_EQ_INT(ref->n_cols, a);
  if (ref->n_rows != a || ref->n_cols != a) return INFINITY;
  for (size_t j = 0; j < a; j++) {
    CHECK_MSG(strcmp(ref->labels[j], syms[j]) == 0, "row %zu is %s, not %s", j, ref->labels[j],
              syms[j]);
    CHECK_MSG(strcmp(ref->header[j + 1], syms[j]) == 0, "column %zu is %s", j, ref->header[j + 1]);
  }
  double worst = 0;
  for (size_t i = 0; i < a; i++)
    for (size_t j = 0; j < a; j++) {
      double want = ref->values[i * a + j];
      double s = sqrt(ref->values[i * a + i] * ref->values[j * a + j]);
      double d = fabs(c[i + j * a] - want) / s;
      if (!(d <= worst)) worst = d;
    }
  return worst;
}

/* Two-pass covariance of columns i and j over their common rows. */
static double naive_pair(const double *x, size_t t, size_t i, size_t j) {
  const double *xi = x + i * t, *xj = x + j * t;
  double si = 0, sj = 0;
  size_t n = 0;
  for (size_t k = 0; k < t; k++)
    if (!isnan(xi[k]) && !isnan(xj[k])) {
      si += xi[k];
      sj += xj[k];
      n++;
    }
  double mi = si / (double)n, mj = sj / (double)n, c = 0;
  for (size_t k = 0; k < t; k++)
    if (!isnan(xi[k]) && !isnan(xj[k])) c += (xi[k] - mi) * (xj[k] - mj);
  return c / (double)(n - 1);
}

static int exactly_symmetric(const double *c, size_t a) {
  for (size_t j = 0; j < a; j++)
    for (size_t i = 0; i < j; i++)
      if (memcmp(&c[i + j * a], &c[j + i * a], sizeof(double)) != 0) return 0;
  return 1;
}

/* max |252 * mean - mu_annual| / |mu_annual| against a Kelly reference file. */
static double mu_deviation(const double *mu, size_t a, const char *dir, const char *file,
                           const char *const *syms) {
  ref_table k;
  if (ref_load(dir, file, &k) != 0) {
    CHECK_MSG(0, "cannot load %s", file);
    return INFINITY;
  }
  int col = ref_col(&k, "mu_annual");
  CHECK(col >= 0);
  CHECK_EQ_INT(k.n_rows, a);
  double worst = 0;
  for (size_t j = 0; j < a && j < k.n_rows && col >= 0; j++) {
    CHECK_MSG(strcmp(k.labels[j], syms[j]) == 0, "%s row %zu is %s", file, j, k.labels[j]);
    double want = k.values[j * k.n_cols + (size_t)col];
    double d = fabs(mu[j] - want) / fabs(want);
    if (!(d <= worst)) worst = d;
  }
  ref_free(&k);
  return worst;
}

static void check_stock_prices(const char *dir) {
  price_data d;
  if (load_prices(dir, "data/stock_prices.csv", &d) != 0) {
    CHECK_MSG(0, "cannot load data/stock_prices.csv");
    return;
  }
  CHECK_EQ_INT(d.prices.n_rows, 7126);
  CHECK_EQ_INT(d.prices.n_cols, 20);
  const char *const *syms = d.prices.col_labels;
  const size_t a = d.prices.n_cols;

  size_t t;
  const char **dates;
  double *r = returns_dropna(&d, &t, &dates);
  CHECK_EQ_INT(t, 7125);
  CHECK(strcmp(dates[0], "1990-01-02") == 0 && strcmp(dates[t - 1], "2018-04-11") == 0);
  folio_panel rp = {r, t, a, t, dates, syms};

  /* Observation counts per symbol, as listed in the README. */
  static const struct {
    const char *sym;
    size_t n;
  } counts[] = {{"GOOG", 3434}, {"AAPL", 7125}, {"FB", 1482},   {"BABA", 895}, {"AMZN", 5260},
                {"GE", 7125},   {"AMD", 7125},  {"WMT", 7125},  {"BAC", 7125}, {"GM", 1859},
                {"T", 7125},    {"UAA", 3117},  {"SHLD", 3762}, {"XOM", 7125}, {"RRC", 6368},
                {"BBY", 7125},  {"MA", 2989},   {"PFE", 7125},  {"JPM", 7125}, {"SBUX", 6495}};
  double mu[20];
  size_t n_obs[20];
  folio_error err = {FOLIO_OK, ""};
  CHECK_EQ_INT(folio_column_means(&rp, FOLIO_PERIODS_PER_YEAR, mu, n_obs, &err), FOLIO_OK);
  for (size_t j = 0; j < a; j++) {
    CHECK(strcmp(syms[j], counts[j].sym) == 0);
    CHECK_MSG(n_obs[j] == counts[j].n, "%s has %zu returns, README says %zu", syms[j], n_obs[j],
              counts[j].n);
  }
  double dev_mu = mu_deviation(mu, a, dir, "kelly_ra2_cap20.csv", syms);
  printf("mu_annual (pairwise data) max relative deviation: %.3g\n", dev_mu);
  CHECK_MSG(dev_mu <= 1e-15, "mu_annual deviates by %.3g", dev_mu);

  /* Pairwise covariance vs pandas R.cov(). */
  double cov[400], cov2[400];
  folio_cov_info info;
  CHECK_EQ_INT(folio_sample_cov(&rp, FOLIO_MISSING_PAIRWISE, 1.0, cov, a, NULL, &info, &err),
               FOLIO_OK);
  CHECK_EQ_INT(info.rows_used, 7125);
  CHECK_EQ_INT(info.min_pair_obs, 895);
  CHECK_EQ_INT(info.had_missing, 1);
  CHECK(exactly_symmetric(cov, a));
  ref_table ref;
  if (ref_load(dir, "cov_sample.csv", &ref) == 0) {
    double dev = cov_deviation(cov, a, &ref, syms);
    printf("cov_sample.csv (pairwise, 7125 rows) max deviation: %.3g of sqrt(C_ii C_jj)\n", dev);
    CHECK_MSG(dev <= TOL, "pairwise cov deviates by %.3g", dev);
    ref_free(&ref);
  } else {
    CHECK_MSG(0, "cannot load cov_sample.csv");
  }
  /* ... and vs the definition evaluated naively. */
  double worst_naive = 0;
  for (size_t j = 0; j < a; j++)
    for (size_t i = 0; i < a; i++) {
      double dv =
          fabs(cov[i + j * a] - naive_pair(r, t, i, j)) / sqrt(cov[i + i * a] * cov[j + j * a]);
      if (!(dv <= worst_naive)) worst_naive = dv;
    }
  printf("pairwise vs naive two-pass max deviation: %.3g\n", worst_naive);
  CHECK(worst_naive <= 1e-12);
  /* Annualised = 252 x daily. */
  CHECK_EQ_INT(folio_sample_cov(&rp, FOLIO_MISSING_PAIRWISE, 252.0, cov2, a, NULL, NULL, &err),
               FOLIO_OK);
  double worst_scale = 0;
  for (size_t e = 0; e < a * a; e++) {
    double dv = fabs(cov2[e] - 252.0 * cov[e]) / fabs(252.0 * cov[e]);
    if (dv > worst_scale) worst_scale = dv;
  }
  CHECK(worst_scale <= 1e-15);

  /* The error policy names the first gap: GOOG before its listing. */
  CHECK_ERR(folio_sample_cov(&rp, FOLIO_MISSING_ERROR, 1.0, cov2, a, NULL, NULL, &err), err,
            FOLIO_EMISSING, "symbol GOOG, row 1990-01-02");

  /* Complete rows vs cov_sample_complete.csv. */
  CHECK_EQ_INT(folio_sample_cov(&rp, FOLIO_MISSING_COMPLETE, 1.0, cov, a, NULL, &info, &err),
               FOLIO_OK);
  CHECK_EQ_INT(info.rows_used, 895);
  CHECK_EQ_INT(info.min_pair_obs, 895);
  CHECK_EQ_INT(info.had_missing, 1);
  CHECK(exactly_symmetric(cov, a));
  if (ref_load(dir, "cov_sample_complete.csv", &ref) == 0) {
    double dev = cov_deviation(cov, a, &ref, syms);
    printf("cov_sample_complete.csv (895 rows) max deviation: %.3g of sqrt(C_ii C_jj)\n", dev);
    CHECK_MSG(dev <= TOL, "complete cov deviates by %.3g", dev);
    ref_free(&ref);
  } else {
    CHECK_MSG(0, "cannot load cov_sample_complete.csv");
  }

  /* The complete rows on their own: first is 2014-09-22; means vs the complete Kelly file;
   * covariance bit-identical to the complete policy on the full panel. */
  size_t nc = 0;
  for (size_t i = 0; i < t; i++) {
    int complete = 1;
    for (size_t j = 0; j < a; j++) complete &= !isnan(r[i + j * t]);
    nc += (size_t)complete;
  }
  CHECK_EQ_INT(nc, 895);
  double *rc = malloc(sizeof(double) * nc * a);
  const char **rc_dates = malloc(sizeof(char *) * nc);
  size_t k = 0;
  for (size_t i = 0; i < t; i++) {
    int complete = 1;
    for (size_t j = 0; j < a; j++) complete &= !isnan(r[i + j * t]);
    if (!complete) continue;
    for (size_t j = 0; j < a; j++) rc[k + j * nc] = r[i + j * t];
    rc_dates[k++] = dates[i];
  }
  CHECK(strcmp(rc_dates[0], "2014-09-22") == 0);
  folio_panel rcp = {rc, nc, a, nc, rc_dates, syms};
  CHECK_EQ_INT(folio_column_means(&rcp, FOLIO_PERIODS_PER_YEAR, mu, n_obs, &err), FOLIO_OK);
  double dev_muc = mu_deviation(mu, a, dir, "kelly_ra2_cap20_complete.csv", syms);
  printf("mu_annual (complete rows) max relative deviation: %.3g\n", dev_muc);
  CHECK_MSG(dev_muc <= 1e-15, "complete mu_annual deviates by %.3g", dev_muc);
  CHECK_EQ_INT(folio_sample_cov(&rcp, FOLIO_MISSING_ERROR, 1.0, cov2, a, NULL, &info, &err),
               FOLIO_OK);
  CHECK_EQ_INT(info.had_missing, 0);
  CHECK(memcmp(cov, cov2, sizeof cov) == 0);

  free(rc);
  free(rc_dates);
  free(dates);
  free(r);
  free_prices(&d);
}

static void check_sp500(const char *dir) {
  price_data d;
  if (load_prices(dir, "data/sp500_dataset.csv", &d) != 0) {
    CHECK_MSG(0, "cannot load data/sp500_dataset.csv");
    return;
  }
  CHECK_EQ_INT(d.prices.n_rows, 8313);
  CHECK_EQ_INT(d.prices.n_cols, 20);
  const size_t a = d.prices.n_cols;
  size_t t;
  const char **dates;
  double *r = returns_dropna(&d, &t, &dates);
  CHECK_EQ_INT(t, 8312);
  folio_panel rp = {r, t, a, t, dates, d.prices.col_labels};
  double c[3][400];
  folio_cov_info info;
  folio_error err = {FOLIO_OK, ""};
  for (int m = 0; m < 3; m++) {
    CHECK_EQ_INT(folio_sample_cov(&rp, (folio_missing)m, 1.0, c[m], a, NULL, &info, &err),
                 FOLIO_OK);
    CHECK_EQ_INT(info.rows_used, 8312);
    CHECK_EQ_INT(info.had_missing, 0);
  }
  /* No gaps: every policy is the same computation, to the bit. */
  CHECK(memcmp(c[0], c[1], sizeof c[0]) == 0);
  CHECK(memcmp(c[0], c[2], sizeof c[0]) == 0);
  CHECK(exactly_symmetric(c[0], a));
  double worst = 0, min_diag = INFINITY;
  for (size_t j = 0; j < a; j++) {
    if (c[0][j + j * a] < min_diag) min_diag = c[0][j + j * a];
    for (size_t i = 0; i < a; i++) {
      double dv =
          fabs(c[0][i + j * a] - naive_pair(r, t, i, j)) / sqrt(c[0][i + i * a] * c[0][j + j * a]);
      if (!(dv <= worst)) worst = dv;
    }
  }
  printf("sp500: complete == pairwise bitwise; vs naive two-pass max deviation %.3g\n", worst);
  CHECK(min_diag > 0);
  CHECK(worst <= 1e-12);
  /* Positive definite (a Cholesky factor exists); |corr| <= 1. */
  double l[400];
  memcpy(l, c[0], sizeof l);
  CHECK_EQ_INT(LAPACKE_dpotrf(LAPACK_COL_MAJOR, 'L', (lapack_int)a, l, (lapack_int)a), 0);
  int corr_ok = 1;
  for (size_t j = 0; j < a; j++)
    for (size_t i = 0; i < a; i++)
      corr_ok &= fabs(c[0][i + j * a]) <= sqrt(c[0][i + i * a] * c[0][j + j * a]) * (1 + 1e-15);
  CHECK(corr_ok);
  free(dates);
  free(r);
  free_prices(&d);
}

int main(void) {
  const char *dir = tl_reference_dir();
  if (!dir) {
    printf("SKIP: ../shared/reference is absent; reference tests not run\n");
    return 77;
  }
  check_stock_prices(dir);
  check_sp500(dir);
  return tl_finish("ref_risk_model");
}
