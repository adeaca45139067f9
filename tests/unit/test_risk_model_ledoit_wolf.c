/*
 * test_risk_model_ledoit_wolf.c — unit tests for the shrinkage and EWMA estimators in
 * risk_model.c: both against their definitions evaluated naively (element
 * loops, no BLAS), every missing-data mode, fewer rows than assets, a
 * constant asset, a single asset, and the bad inputs the header documents.
 */
#include <lapacke.h>
#include <math.h>
#include <stdint.h>

#include "folio/risk_model.h"
#include "testlib.h"

static const char *const SY[] = {"AAA", "BBB", "CCC", "DDD", "EEE", "FFF"};
static const char *const DATES[] = {"d1", "d2", "d3", "d4", "d5", "d6", "d7", "d8"};

/* The README's Ledoit-Wolf recipe, literally (x: n x p, ld n, no NaN). */
static double naive_lw(const double *x, size_t n, size_t p, double *out) {
  double *xc = malloc(sizeof(double) * n * p), *s = malloc(sizeof(double) * p * p);
  for (size_t j = 0; j < p; j++) {
    double m = 0;
    for (size_t t = 0; t < n; t++) m += x[t + j * n];
    m /= (double)n;
    for (size_t t = 0; t < n; t++) xc[t + j * n] = x[t + j * n] - m;
  }
  double tr = 0, d2 = 0, b2 = 0;
  for (size_t i = 0; i < p; i++)
    for (size_t j = 0; j < p; j++) {
      double v = 0;
      for (size_t t = 0; t < n; t++) v += xc[t + i * n] * xc[t + j * n];
      s[i + j * p] = v / (double)n;
      d2 += s[i + j * p] * s[i + j * p];
    }
  for (size_t j = 0; j < p; j++) tr += s[j + j * p];
  for (size_t t = 0; t < n; t++) {
    double r = 0;
    for (size_t j = 0; j < p; j++) r += xc[t + j * n] * xc[t + j * n];
    b2 += r * r;
  }
  b2 /= (double)n;
  double mu = tr / (double)p;
  double beta = (b2 - d2) / ((double)p * (double)n);
  double delta = (d2 - 2 * mu * tr + (double)p * mu * mu) / (double)p;
  double m = beta < delta ? beta : delta;
  double shr = m == 0 ? 0 : m / delta;
  for (size_t e = 0; e < p * p; e++) out[e] = (1 - shr) * s[e];
  for (size_t j = 0; j < p; j++) out[j + j * p] += shr * mu;
  free(xc);
  free(s);
  return shr;
}

/* EWMA by the definition: weights, weighted mean, weighted outer products. */
static void naive_ewma(const double *x, size_t n, size_t p, double hl, double *out) {
  double lambda = pow(0.5, 1.0 / hl), *w = malloc(sizeof(double) * n), sw = 0, sw2 = 0;
  for (size_t t = 0; t < n; t++) sw += (w[t] = pow(lambda, (double)(n - 1 - t)));
  for (size_t t = 0; t < n; t++) {
    w[t] /= sw;
    sw2 += w[t] * w[t];
  }
  for (size_t i = 0; i < p; i++)
    for (size_t j = 0; j < p; j++) {
      double mi = 0, mj = 0, c = 0;
      for (size_t t = 0; t < n; t++) {
        mi += w[t] * x[t + i * n];
        mj += w[t] * x[t + j * n];
      }
      for (size_t t = 0; t < n; t++) c += w[t] * (x[t + i * n] - mi) * (x[t + j * n] - mj);
      out[i + j * p] = c / (1 - sw2);
    }
  free(w);
}

static double max_rel(const double *a, const double *b, size_t p) {
  double worst = 0;
  for (size_t i = 0; i < p; i++)
    for (size_t j = 0; j < p; j++) {
      double d = fabs(a[i + j * p] - b[i + j * p]) / sqrt(b[i + i * p] * b[j + j * p]);
      if (!(d <= worst)) worst = d;
    }
  return worst;
}

static int factorises(size_t n, const double *c) {
  double *a = malloc(sizeof(double) * n * n);
  memcpy(a, c, sizeof(double) * n * n);
  int ok = LAPACKE_dpotrf(LAPACK_COL_MAJOR, 'L', (lapack_int)n, a, (lapack_int)n) == 0;
  free(a);
  return ok;
}

static void fill(tl_rng *g, double *x, size_t n) {
  for (size_t e = 0; e < n; e++) x[e] = 0.01 * tl_normal(g);
}

static void test_lw_vs_naive(void) {
  tl_rng g = {42};
  size_t shapes[][2] = {{40, 6}, {6, 6}, {3, 6}, {2, 5}, {200, 3}};
  for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
    size_t n = shapes[s][0], p = shapes[s][1];
    double *x = malloc(sizeof(double) * n * p), c[36], want[36];
    fill(&g, x, n * p);
    folio_panel pa = folio_panel_make(x, n, p);
    folio_lw_info info;
    folio_error err = {FOLIO_OK, ""};
    CHECK_EQ_INT(folio_ledoit_wolf(&pa, FOLIO_MISSING_ERROR, 1.0, c, p, NULL, &info, &err), FOLIO_OK);
    double shr = naive_lw(x, n, p, want);
    CHECK_MSG(max_rel(c, want, p) <= 1e-13, "LW %zu x %zu deviates %.3g", n, p, max_rel(c, want, p));
    CHECK_NEAR(info.shrinkage, shr, 1e-13);
    CHECK(info.shrinkage >= 0 && info.shrinkage <= 1 && info.rows_used == n && !info.had_missing);
    /* Positive definite even with n < p; with two rows the centred rows are
     * x and -x, so b2 == d2, beta = 0 and there is no shrinkage (sklearn too). */
    if (n > 2) CHECK(factorises(p, c));
    else CHECK(info.shrinkage < 1e-12);
    /* scale: 252 x daily, and mu in output units. */
    double c2[36];
    folio_lw_info i2;
    CHECK_EQ_INT(folio_ledoit_wolf(&pa, FOLIO_MISSING_ZERO, 252.0, c2, p, NULL, &i2, &err), FOLIO_OK);
    for (size_t e = 0; e < p * p; e++) CHECK_NEAR(c2[e], 252.0 * c[e], 1e-15 * fabs(252 * c[e]) + 1e-300);
    CHECK(i2.shrinkage == info.shrinkage);
    CHECK_NEAR(i2.mu, 252.0 * info.mu, 1e-15 * i2.mu);
    free(x);
  }
}

static void test_lw_missing(void) {
  /* 8 rows, 3 assets, a gap in BBB row d3. */
  double x[24];
  tl_rng g = {7};
  fill(&g, x, 24);
  x[2 + 8] = NAN;
  folio_panel p = {x, 8, 3, 8, DATES, SY};
  double c[9], want[9];
  folio_lw_info info;
  folio_error err = {FOLIO_OK, ""};
  CHECK_ERR(folio_ledoit_wolf(&p, FOLIO_MISSING_ERROR, 1.0, c, 3, NULL, &info, &err), err,
            FOLIO_EMISSING, "ledoit_wolf: missing return (symbol BBB, row d3)");
  CHECK_ERR(folio_ledoit_wolf(&p, FOLIO_MISSING_PAIRWISE, 1.0, c, 3, NULL, &info, &err), err,
            FOLIO_EINVAL, "pairwise is not defined");
  /* zero: NaN -> 0 first. */
  double z[24];
  memcpy(z, x, sizeof z);
  z[2 + 8] = 0.0;
  CHECK_EQ_INT(folio_ledoit_wolf(&p, FOLIO_MISSING_ZERO, 1.0, c, 3, NULL, &info, &err), FOLIO_OK);
  naive_lw(z, 8, 3, want);
  CHECK(max_rel(c, want, 3) <= 1e-13 && info.rows_used == 8 && info.had_missing);
  /* complete: row d3 dropped. */
  double k[21];
  for (size_t j = 0, q = 0; j < 3; j++)
    for (size_t t = 0; t < 8; t++)
      if (t != 2) k[q++] = x[t + j * 8];
  CHECK_EQ_INT(folio_ledoit_wolf(&p, FOLIO_MISSING_COMPLETE, 1.0, c, 3, NULL, &info, &err), FOLIO_OK);
  naive_lw(k, 7, 3, want);
  CHECK(max_rel(c, want, 3) <= 1e-13 && info.rows_used == 7 && info.had_missing);
  /* Inf is never a gap. */
  x[5] = INFINITY;
  CHECK_ERR(folio_ledoit_wolf(&p, FOLIO_MISSING_ZERO, 1.0, c, 3, NULL, &info, &err), err,
            FOLIO_ENOTFINITE, "symbol AAA, row d6");
}

static void test_lw_edge(void) {
  folio_error err = {FOLIO_OK, ""};
  folio_lw_info info;
  /* Constant asset: LW still works (the target gives it variance mu * shrinkage). */
  double x[16] = {0.01, -0.02, 0.03, 0.0, 0.05, 0.05, 0.05, 0.05,
                  0.02, 0.01, -0.01, 0.0, -0.03, 0.02, 0.0, 0.01};
  folio_panel p = {x, 4, 4, 4, DATES, SY}; /* column BBB is constant */
  double c[16];
  CHECK_EQ_INT(folio_ledoit_wolf(&p, FOLIO_MISSING_ERROR, 1.0, c, 4, NULL, &info, &err), FOLIO_OK);
  CHECK(c[1 + 4] > 0 && info.shrinkage > 0 && factorises(4, c));
  /* Single asset: shrinkage 0, the biased variance. */
  folio_panel one = {x, 4, 1, 4, DATES, SY};
  double v;
  CHECK_EQ_INT(folio_ledoit_wolf(&one, FOLIO_MISSING_ERROR, 1.0, &v, 1, NULL, &info, &err), FOLIO_OK);
  CHECK(info.shrinkage == 0.0);
  double m = (0.01 - 0.02 + 0.03 + 0.0) / 4, s = 0;
  for (int t = 0; t < 4; t++) s += (x[t] - m) * (x[t] - m);
  CHECK_NEAR(v, s / 4, 1e-18);
  /* All constant: S = 0, shrinkage 0, result 0. */
  folio_panel flat = {x + 4, 4, 1, 4, DATES, SY + 1};
  CHECK_EQ_INT(folio_ledoit_wolf(&flat, FOLIO_MISSING_ERROR, 1.0, &v, 1, NULL, &info, &err), FOLIO_OK);
  CHECK(v == 0.0 && info.shrinkage == 0.0);
  /* Bad input. */
  CHECK_ERR(folio_ledoit_wolf(NULL, FOLIO_MISSING_ERROR, 1.0, c, 4, NULL, &info, &err), err,
            FOLIO_EINVAL, "ledoit_wolf: returns is NULL");
  CHECK_ERR(folio_ledoit_wolf(&p, FOLIO_MISSING_ERROR, 0.0, c, 4, NULL, &info, &err), err,
            FOLIO_EINVAL, "scale");
  CHECK_ERR(folio_ledoit_wolf(&p, FOLIO_MISSING_ERROR, 1.0, c, 3, NULL, &info, &err), err,
            FOLIO_EINVAL, "ld 3 < 4");
  CHECK_ERR(folio_ledoit_wolf(&p, (folio_missing)9, 1.0, c, 4, NULL, &info, &err), err,
            FOLIO_EINVAL, "unknown missing-data policy 9");
  folio_panel short_p = {x, 1, 4, 4, DATES, SY};
  CHECK_ERR(folio_ledoit_wolf(&short_p, FOLIO_MISSING_ERROR, 1.0, c, 4, NULL, &info, &err), err,
            FOLIO_ESHORT, "1 row(s)");
  /* sample_cov does not take the zero policy. */
  CHECK_ERR(folio_sample_cov(&p, FOLIO_MISSING_ZERO, 1.0, c, 4, NULL, NULL, &err), err, FOLIO_EINVAL,
            "ledoit_wolf only");
  folio_missing mm;
  CHECK(folio_missing_parse("zero", &mm, &err) == FOLIO_OK && mm == FOLIO_MISSING_ZERO);
  CHECK(strcmp(folio_missing_name(FOLIO_MISSING_ZERO), "zero") == 0);
  CHECK(folio_ledoit_wolf_work_size(SIZE_MAX / 4, 3) == 0);
  /* Caller workspace at an odd address. */
  unsigned char *w = malloc(folio_ledoit_wolf_work_size(4, 4) + 1);
  double c2[16];
  CHECK_EQ_INT(folio_ledoit_wolf(&p, FOLIO_MISSING_ERROR, 1.0, c2, 4, w + 1, NULL, &err), FOLIO_OK);
  CHECK(memcmp(c, c2, sizeof c) == 0);
  free(w);
}

static void test_ewma(void) {
  tl_rng g = {99};
  double hls[] = {1.0, 3.5, 63.0, 1e6};
  size_t n = 50, p = 5;
  double *x = malloc(sizeof(double) * n * p), c[25], want[25];
  fill(&g, x, n * p);
  folio_panel pa = folio_panel_make(x, n, p);
  folio_cov_info info;
  folio_error err = {FOLIO_OK, ""};
  for (size_t h = 0; h < 4; h++) {
    CHECK_EQ_INT(folio_ewma_cov(&pa, FOLIO_MISSING_ERROR, hls[h], 1.0, c, p, NULL, &info, &err),
                 FOLIO_OK);
    naive_ewma(x, n, p, hls[h], want);
    double dev = max_rel(c, want, p);
    printf("ewma half_life %g vs naive double loop: %.3g\n", hls[h], dev);
    CHECK(dev <= 1e-12 && info.rows_used == n);
    for (size_t j = 0; j < p; j++)
      for (size_t i = 0; i < j; i++) CHECK(c[i + j * p] == c[j + i * p]);
  }
  /* A huge half-life is the sample covariance (weights equal, 1/(1 - 1/n) = n/(n-1)). */
  double sc[25];
  CHECK_EQ_INT(folio_sample_cov(&pa, FOLIO_MISSING_ERROR, 1.0, sc, p, NULL, NULL, &err), FOLIO_OK);
  CHECK_EQ_INT(folio_ewma_cov(&pa, FOLIO_MISSING_ERROR, 1e12, 1.0, c, p, NULL, NULL, &err), FOLIO_OK);
  CHECK(max_rel(c, sc, p) <= 1e-9);
  /* complete: the gap row is dropped and the others keep their order. */
  x[10 + 2 * n] = NAN;
  double *k = malloc(sizeof(double) * (n - 1) * p);
  for (size_t j = 0, q = 0; j < p; j++)
    for (size_t t = 0; t < n; t++)
      if (t != 10) k[q++] = x[t + j * n];
  CHECK_ERR(folio_ewma_cov(&pa, FOLIO_MISSING_ERROR, 10, 1.0, c, p, NULL, &info, &err), err,
            FOLIO_EMISSING, "symbol #3, row #11");
  CHECK_EQ_INT(folio_ewma_cov(&pa, FOLIO_MISSING_COMPLETE, 10, 252.0, c, p, NULL, &info, &err),
               FOLIO_OK);
  naive_ewma(k, n - 1, p, 10, want);
  for (size_t e = 0; e < p * p; e++) want[e] *= 252.0;
  CHECK(max_rel(c, want, p) <= 1e-12 && info.rows_used == n - 1 && info.had_missing);
  /* Bad input. */
  CHECK_ERR(folio_ewma_cov(&pa, FOLIO_MISSING_ZERO, 10, 1.0, c, p, NULL, &info, &err), err,
            FOLIO_EINVAL, "missing = zero is not supported");
  CHECK_ERR(folio_ewma_cov(&pa, FOLIO_MISSING_PAIRWISE, 10, 1.0, c, p, NULL, &info, &err), err,
            FOLIO_EINVAL, "missing = pairwise");
  CHECK_ERR(folio_ewma_cov(&pa, FOLIO_MISSING_COMPLETE, 0.0, 1.0, c, p, NULL, &info, &err), err,
            FOLIO_EINVAL, "half_life 0");
  CHECK_ERR(folio_ewma_cov(&pa, FOLIO_MISSING_COMPLETE, NAN, 1.0, c, p, NULL, &info, &err), err,
            FOLIO_EINVAL, "half_life");
  CHECK_ERR(folio_ewma_cov(&pa, FOLIO_MISSING_COMPLETE, 1e-3, 1.0, c, p, NULL, &info, &err), err,
            FOLIO_EDEGENERATE, "all the weight on the last row");
  free(k);
  free(x);
}

int main(void) {
  test_lw_vs_naive();
  test_lw_missing();
  test_lw_edge();
  test_ewma();
  return tl_finish("test_risk_model_ledoit_wolf");
}
