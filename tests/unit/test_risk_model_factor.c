/*
 * test_risk_model_factor.c — folio_ledoit_wolf_factor (risk_model.c): the
 * factor diag I + weight Xc'Xc equals folio_ledoit_wolf's dense estimate on
 * random panels (more assets than rows and fewer, gaps read as zero, a
 * scale), and every bad input the header documents.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "folio/risk_model.h"
#include "testlib.h"

static uint64_t rng = 88172645463325252ull;
static double uniform(void) {
  rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
  return (double)(rng >> 11) / 9007199254740992.0;
}

static void test_equals_dense(void) {
  const size_t shapes[][2] = {{5, 12}, {30, 8}, {12, 40}, {2, 3}, {60, 60}};
  for (size_t c = 0; c < 5; c++) {
    for (int gaps = 0; gaps < 2; gaps++) {
      size_t n = shapes[c][0], p = shapes[c][1];
      double *r = malloc(sizeof(double) * n * p), *cov = malloc(sizeof(double) * p * p);
      double *x = malloc(sizeof(double) * (n + 3) * p);
      for (size_t i = 0; i < n * p; i++) r[i] = (uniform() - 0.5) * 0.04 + (i % 7) * 1e-3;
      if (gaps) r[1] = NAN, r[n * p - 2] = NAN;
      folio_panel panel = {r, n, p, n, NULL, NULL};
      folio_missing m = gaps ? FOLIO_MISSING_ZERO : FOLIO_MISSING_ERROR;
      folio_lw_info a, b;
      folio_error e;
      size_t used = 0;
      double diag = -1, weight = -1;
      CHECK(folio_ledoit_wolf(&panel, m, 252.0, cov, p, NULL, &a, &e) == FOLIO_OK);
      CHECK(folio_ledoit_wolf_factor(&panel, m, 252.0, x, n + 3, &used, &diag, &weight, NULL, &b,
                                     &e) == FOLIO_OK);
      CHECK_EQ_INT(used, n);
      CHECK_NEAR(b.shrinkage, a.shrinkage, 1e-12);
      CHECK_NEAR(b.mu, a.mu, 1e-12 * a.mu);
      double worst = 0;
      for (size_t i = 0; i < p; i++)
        for (size_t j = 0; j < p; j++) {
          double s = 0;
          for (size_t t = 0; t < n; t++) s += x[t + i * (n + 3)] * x[t + j * (n + 3)];
          double q = weight * s + (i == j ? diag : 0);
          double d = fabs(q - cov[i + j * p]) / cov[i + i * p];
          if (d > worst) worst = d;
        }
      CHECK_MSG(worst < 1e-12, "shape %zu x %zu gaps %d: worst %g", n, p, gaps, worst);
      free(r), free(cov), free(x);
    }
  }
}

/* missing = complete with ld_x == n_rows: the centred rows are written in
 * place and spread to ld_x afterwards (the direct path with fewer rows) */
static void test_complete_in_place(void) {
  const size_t n = 9, p = 5;
  double r[45], cov[25], x[45];
  for (size_t i = 0; i < n * p; i++) r[i] = (uniform() - 0.5) * 0.05;
  r[2] = NAN;          /* row 3 of column 1 */
  r[n * 3 + 6] = NAN;  /* row 7 of column 4 */
  folio_panel panel = {r, n, p, n, NULL, NULL};
  folio_lw_info a, b;
  folio_error e;
  size_t used = 0;
  double diag, weight;
  CHECK(folio_ledoit_wolf(&panel, FOLIO_MISSING_COMPLETE, 1.0, cov, p, NULL, &a, &e) == FOLIO_OK);
  CHECK(folio_ledoit_wolf_factor(&panel, FOLIO_MISSING_COMPLETE, 1.0, x, n, &used, &diag, &weight, NULL,
                                 &b, &e) == FOLIO_OK);
  CHECK_EQ_INT(used, 7);
  double worst = 0;
  for (size_t i = 0; i < p; i++)
    for (size_t j = 0; j < p; j++) {
      double s = 0;
      for (size_t t = 0; t < used; t++) s += x[t + i * n] * x[t + j * n];
      double q = weight * s + (i == j ? diag : 0);
      double d = fabs(q - cov[i + j * p]) / cov[i + i * p];
      if (d > worst) worst = d;
    }
  CHECK_MSG(worst < 1e-12, "complete in place: worst %g", worst);
}

static void test_bad_input(void) {
  double r[6] = {0.01, 0.02, -0.01, 0.03, 0.0, 0.01}, x[6];
  folio_panel panel = {r, 3, 2, 3, NULL, NULL};
  size_t used;
  double d, w;
  folio_error e;
  folio_status st;
  st = folio_ledoit_wolf_factor(NULL, FOLIO_MISSING_ERROR, 1, x, 3, &used, &d, &w, NULL, NULL, &e);
  CHECK_ERR(st, e, FOLIO_EINVAL, "NULL");
  st = folio_ledoit_wolf_factor(&panel, FOLIO_MISSING_ERROR, 1, x, 3, NULL, &d, &w, NULL, NULL, &e);
  CHECK_ERR(st, e, FOLIO_EINVAL, "NULL");
  st = folio_ledoit_wolf_factor(&panel, FOLIO_MISSING_ERROR, 0, x, 3, &used, &d, &w, NULL, NULL, &e);
  CHECK_ERR(st, e, FOLIO_EINVAL, "scale");
  st = folio_ledoit_wolf_factor(&panel, FOLIO_MISSING_ERROR, NAN, x, 3, &used, &d, &w, NULL, NULL, &e);
  CHECK_ERR(st, e, FOLIO_EINVAL, "scale");
  st = folio_ledoit_wolf_factor(&panel, FOLIO_MISSING_ERROR, 1, NULL, 3, &used, &d, &w, NULL, NULL, &e);
  CHECK_ERR(st, e, FOLIO_EINVAL, "x is NULL");
  st = folio_ledoit_wolf_factor(&panel, FOLIO_MISSING_ERROR, 1, x, 2, &used, &d, &w, NULL, NULL, &e);
  CHECK_ERR(st, e, FOLIO_EINVAL, "ld_x 2 < 3 rows");
  st = folio_ledoit_wolf_factor(&panel, FOLIO_MISSING_PAIRWISE, 1, x, 3, &used, &d, &w, NULL, NULL, &e);
  CHECK_ERR(st, e, FOLIO_EINVAL, "missing must be error, complete or zero");
  folio_panel one = {r, 1, 2, 1, NULL, NULL};
  st = folio_ledoit_wolf_factor(&one, FOLIO_MISSING_ERROR, 1, x, 3, &used, &d, &w, NULL, NULL, &e);
  CHECK_ERR(st, e, FOLIO_ESHORT, "at least 2");
  r[2] = NAN;
  st = folio_ledoit_wolf_factor(&panel, FOLIO_MISSING_ERROR, 1, x, 3, &used, &d, &w, NULL, NULL, &e);
  CHECK_ERR(st, e, FOLIO_EMISSING, "missing return");
  r[2] = INFINITY;
  st = folio_ledoit_wolf_factor(&panel, FOLIO_MISSING_ZERO, 1, x, 3, &used, &d, &w, NULL, NULL, &e);
  CHECK_ERR(st, e, FOLIO_ENOTFINITE, "infinite");
  CHECK(folio_ledoit_wolf_factor_work_size(SIZE_MAX / 2, SIZE_MAX / 2) == 0);
  CHECK(folio_ledoit_wolf_factor_work_size(10, 10) > 0);
}

int main(void) {
  test_equals_dense();
  test_complete_in_place();
  test_bad_input();
  return tl_finish("test_risk_model_factor");
}
