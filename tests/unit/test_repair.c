/*
 * test_repair.c — unit tests for repair.c: method names, every method on
 * the classic failures (perfectly correlated pair, fewer rows than assets,
 * a zero matrix), Higham's own 3 x 3 example, matrices left untouched, the
 * bad inputs folio_cov_repair documents, and the repair inside
 * kelly_fraction.
 */
#include <lapacke.h>
#include <math.h>
#include <stdint.h>

#include "folio/repair.h"
#include "folio/risk_model.h"
#include "folio/sizers.h"
#include "testlib.h"

static const char *const SY[] = {"AAA", "BBB", "CCC", "DDD", "EEE"};

static int factorises(size_t n, const double *c) {
  double a[64];
  memcpy(a, c, n * n * sizeof(double));
  return LAPACKE_dpotrf(LAPACK_COL_MAJOR, 'L', (lapack_int)n, a, (lapack_int)n) == 0;
}

static int exactly_symmetric(size_t n, const double *c) {
  for (size_t j = 0; j < n; j++)
    for (size_t i = 0; i < j; i++)
      if (memcmp(&c[i + j * n], &c[j + i * n], sizeof(double)) != 0) return 0;
  return 1;
}

static void test_names(void) {
  folio_error err = {FOLIO_OK, ""};
  folio_repair r = FOLIO_REPAIR_ERROR;
  CHECK(folio_repair_parse("clip", &r, &err) == FOLIO_OK && r == FOLIO_REPAIR_CLIP);
  CHECK(folio_repair_parse("higham", &r, &err) == FOLIO_OK && r == FOLIO_REPAIR_HIGHAM);
  CHECK(strcmp(folio_repair_name(FOLIO_REPAIR_CLIP), "clip") == 0);
  CHECK(strcmp(folio_repair_name(FOLIO_REPAIR_HIGHAM), "higham") == 0);
  CHECK_ERR(folio_repair_parse("nearest", &r, &err), err, FOLIO_EINVAL, "\"nearest\"");
  CHECK(folio_cov_repair_work_size(10) > 0);
  CHECK(folio_cov_repair_work_size(SIZE_MAX / 2) == 0);
}

/* A positive definite matrix is left bit for bit, whatever the method. */
static void test_untouched(void) {
  double c[9] = {0.04, 0.01, 0.0, 0.01, 0.09, 0.02, 0.0, 0.02, 0.16};
  for (int m = 0; m < 4; m++) {
    double x[9];
    memcpy(x, c, sizeof c);
    folio_repair_info info;
    folio_error err = {FOLIO_OK, ""};
    CHECK_EQ_INT(folio_cov_repair(3, x, 3, (folio_repair)m, SY, NULL, &info, &err), FOLIO_OK);
    CHECK(memcmp(x, c, sizeof c) == 0);
    CHECK(info.applied == 0 && info.method == (folio_repair)m && info.ridge == 0.0);
    CHECK(info.frobenius_change == 0.0 && info.n_clipped == 0 && isnan(info.min_eigenvalue));
  }
  /* n = 0 is trivially fine. */
  folio_repair_info info;
  folio_error err = {FOLIO_OK, ""};
  CHECK_EQ_INT(folio_cov_repair(0, NULL, 1, FOLIO_REPAIR_CLIP, NULL, NULL, &info, &err), FOLIO_OK);
}

/* A and B perfectly correlated, C independent: singular, every method but
 * ERROR fixes it. */
static void test_correlated_pair(void) {
  const double c[9] = {0.04, 0.04, 0.0, 0.04, 0.04, 0.0, 0.0, 0.0, 0.09};
  folio_error err = {FOLIO_OK, ""};
  folio_repair_info info;
  double x[9];
  memcpy(x, c, sizeof c);
  CHECK_ERR(folio_cov_repair(3, x, 3, FOLIO_REPAIR_ERROR, SY, NULL, &info, &err), err,
            FOLIO_ENOTPD, "not positive definite (symbol BBB)");
  CHECK(memcmp(x, c, sizeof c) == 0);
  CHECK_ERR(folio_cov_repair(3, x, 3, FOLIO_REPAIR_ERROR, NULL, NULL, &info, &err), err,
            FOLIO_ENOTPD, "(symbol #2)");

  CHECK_EQ_INT(folio_cov_repair(3, x, 3, FOLIO_REPAIR_RIDGE, SY, NULL, &info, &err), FOLIO_OK);
  CHECK(info.applied == 1 && info.ridge > 0 && factorises(3, x));
  CHECK_NEAR(info.frobenius_change, info.ridge * sqrt(3.0), 1e-25);
  for (int k = 0; k < 9; k++)
    if (k % 4) CHECK(x[k] == c[k]); /* only the diagonal moves */

  memcpy(x, c, sizeof c);
  CHECK_EQ_INT(folio_cov_repair(3, x, 3, FOLIO_REPAIR_CLIP, SY, NULL, &info, &err), FOLIO_OK);
  CHECK(info.applied == 1 && info.n_clipped == 1 && factorises(3, x) && exactly_symmetric(3, x));
  CHECK(fabs(info.min_eigenvalue) < 1e-15);
  CHECK(info.frobenius_change > 0 && info.frobenius_change < 1e-9);
  for (int k = 0; k < 9; k++) CHECK_NEAR(x[k], c[k], 1e-10);

  memcpy(x, c, sizeof c);
  CHECK_EQ_INT(folio_cov_repair(3, x, 3, FOLIO_REPAIR_HIGHAM, SY, NULL, &info, &err), FOLIO_OK);
  CHECK(info.applied == 1 && info.iterations >= 1 && factorises(3, x) && exactly_symmetric(3, x));
  CHECK(info.n_clipped == 1);
  for (int k = 0; k < 9; k++) CHECK_NEAR(x[k], c[k], 1e-10);
}

/* Higham (2002), section 4: the nearest correlation matrix to
 * [1 1 0; 1 1 1; 0 1 1] is [1 .7607 .1573; .7607 1 .7607; .1573 .7607 1]. */
static void test_higham_example(void) {
  double x[9] = {1, 1, 0, 1, 1, 1, 0, 1, 1};
  folio_error err = {FOLIO_OK, ""};
  folio_repair_info info;
  CHECK_EQ_INT(folio_cov_repair(3, x, 3, FOLIO_REPAIR_HIGHAM, NULL, NULL, &info, &err), FOLIO_OK);
  CHECK_NEAR(x[1], 0.7607, 1e-4);
  CHECK_NEAR(x[2], 0.1573, 1e-4);
  CHECK_NEAR(x[5], 0.7607, 1e-4);
  for (int i = 0; i < 3; i++) CHECK_NEAR(x[i * 4], 1.0, 1e-9);
  CHECK(info.min_eigenvalue < -0.4); /* 1 - sqrt(2) */
  CHECK_EQ_INT(info.n_clipped, 1);
  CHECK(info.iterations > 1 && info.iterations <= 200);
  CHECK(factorises(3, x));
}

/* 3 rows, 5 assets: the sample covariance is singular, Ledoit-Wolf is not;
 * kelly_fraction says "not positive definite" until clip / higham repair it. */
static void test_fewer_rows(void) {
  const double r[15] = {0.01, -0.02, 0.005, 0.02, 0.0,  -0.01, -0.005, 0.01,
                        0.015, 0.03, -0.01, 0.0,  0.002, 0.004, -0.003};
  folio_panel p = folio_panel_make(r, 3, 5);
  p.col_labels = SY;
  double cov[25], lw[25];
  folio_error err = {FOLIO_OK, ""};
  CHECK_EQ_INT(folio_sample_cov(&p, FOLIO_MISSING_ERROR, 1.0, cov, 5, NULL, NULL, &err), FOLIO_OK);
  CHECK(!factorises(5, cov));
  CHECK_EQ_INT(folio_ledoit_wolf(&p, FOLIO_MISSING_ERROR, 1.0, lw, 5, NULL, NULL, &err), FOLIO_OK);
  CHECK(factorises(5, lw));

  double mu[5] = {0.01, 0.02, 0.0, -0.01, 0.005}, w[5];
  folio_kelly_opts o = folio_kelly_defaults();
  folio_kelly_info ki;
  CHECK_ERR(folio_kelly_fraction(5, mu, cov, 5, SY, &o, w, NULL, NULL, &ki, &err), err,
            FOLIO_ENOTPD, "kelly_fraction: cov is not positive definite (symbol");
  for (int m = FOLIO_REPAIR_CLIP; m <= FOLIO_REPAIR_HIGHAM; m++) {
    o.repair = (folio_repair)m;
    CHECK_EQ_INT(folio_kelly_fraction(5, mu, cov, 5, SY, &o, w, NULL, NULL, &ki, &err), FOLIO_OK);
    CHECK(ki.repair.applied == 1 && ki.repair.method == (folio_repair)m && ki.ridge == 0.0);
    CHECK(ki.repair.n_clipped >= 2 && ki.repair.frobenius_change > 0);
    for (int i = 0; i < 5; i++) CHECK(isfinite(w[i]));
    /* The repaired copy is what folio_cov_repair gives for the same input. */
    double x[25];
    memcpy(x, cov, sizeof x);
    folio_repair_info ri;
    CHECK_EQ_INT(folio_cov_repair(5, x, 5, (folio_repair)m, SY, NULL, &ri, &err), FOLIO_OK);
    CHECK(ri.n_clipped == ki.repair.n_clipped);
  }
  /* Ridge keeps its own schedule and reports through both fields. */
  o.repair = FOLIO_REPAIR_RIDGE;
  CHECK_EQ_INT(folio_kelly_fraction(5, mu, cov, 5, SY, &o, w, NULL, NULL, &ki, &err), FOLIO_OK);
  CHECK(ki.ridge > 0 && ki.repair.ridge == ki.ridge && ki.repair.applied == 1);
  /* No repair needed: applied = 0. */
  o.repair = FOLIO_REPAIR_CLIP;
  CHECK_EQ_INT(folio_kelly_fraction(5, mu, lw, 5, SY, &o, w, NULL, NULL, &ki, &err), FOLIO_OK);
  CHECK(ki.repair.applied == 0 && ki.repair.method == FOLIO_REPAIR_CLIP);
}

static void test_bad_input(void) {
  folio_error err = {FOLIO_OK, ""};
  folio_repair_info info;
  double x[9] = {0.04, 0.01, 0.0, 0.02, 0.09, 0.0, 0.0, 0.0, 0.16};
  CHECK_ERR(folio_cov_repair(3, x, 3, FOLIO_REPAIR_CLIP, SY, NULL, &info, &err), err,
            FOLIO_ENOTSYM, "symbols AAA and BBB");
  x[3] = 0.01;
  x[5] = NAN;
  x[7] = NAN;
  CHECK_ERR(folio_cov_repair(3, x, 3, FOLIO_REPAIR_CLIP, SY, NULL, &info, &err), err,
            FOLIO_ENOTFINITE, "symbols CCC, BBB");
  x[5] = x[7] = INFINITY;
  CHECK_ERR(folio_cov_repair(3, x, 3, FOLIO_REPAIR_HIGHAM, SY, NULL, &info, &err), err,
            FOLIO_ENOTFINITE, "not finite");
  x[5] = x[7] = 0.0;
  CHECK_ERR(folio_cov_repair(3, x, 3, (folio_repair)9, SY, NULL, &info, &err), err, FOLIO_EINVAL,
            "unknown method 9");
  CHECK_ERR(folio_cov_repair(3, x, 2, FOLIO_REPAIR_CLIP, SY, NULL, &info, &err), err, FOLIO_EINVAL,
            "ld 2 < 3");
  CHECK_ERR(folio_cov_repair(3, NULL, 3, FOLIO_REPAIR_CLIP, SY, NULL, &info, &err), err,
            FOLIO_EINVAL, "cov is NULL");

  /* Nothing to scale a repair by. */
  double z[4] = {0, 0, 0, 0};
  for (int m = 1; m < 4; m++)
    CHECK_ERR(folio_cov_repair(2, z, 2, (folio_repair)m, SY, NULL, &info, &err), err, FOLIO_ENOTPD,
              "not");
  /* A negative variance has no correlation for Higham; clip can still lift it. */
  double neg[4] = {-0.01, 0.0, 0.0, 0.04};
  CHECK_ERR(folio_cov_repair(2, neg, 2, FOLIO_REPAIR_HIGHAM, SY, NULL, &info, &err), err,
            FOLIO_ENOTPD, "symbol AAA has a negative variance");
  CHECK_EQ_INT(folio_cov_repair(2, neg, 2, FOLIO_REPAIR_CLIP, SY, NULL, &info, &err), FOLIO_OK);
  CHECK(factorises(2, neg) && info.min_eigenvalue == -0.01);

  /* A constant asset (zero variance): clip and higham give it the floor. */
  double c0[4] = {0.0, 0.0, 0.0, 0.04};
  CHECK_EQ_INT(folio_cov_repair(2, c0, 2, FOLIO_REPAIR_HIGHAM, SY, NULL, &info, &err), FOLIO_OK);
  CHECK(factorises(2, c0) && c0[0] > 0 && c0[0] < 1e-11);

  /* Single asset. */
  double one = 0.0;
  CHECK_ERR(folio_cov_repair(1, &one, 1, FOLIO_REPAIR_ERROR, SY, NULL, &info, &err), err,
            FOLIO_ENOTPD, "symbol AAA");
  one = 0.04;
  CHECK_EQ_INT(folio_cov_repair(1, &one, 1, FOLIO_REPAIR_HIGHAM, SY, NULL, &info, &err), FOLIO_OK);
  CHECK(one == 0.04 && info.applied == 0);

  /* With a leading dimension and a caller's workspace. */
  double big[12] = {0.04, 0.04, 0.0, -1, 0.04, 0.04, 0.0, -1, 0.0, 0.0, 0.09, -1};
  unsigned char *work = malloc(folio_cov_repair_work_size(3));
  CHECK_EQ_INT(folio_cov_repair(3, big, 4, FOLIO_REPAIR_CLIP, SY, work + 1, &info, &err), FOLIO_OK);
  CHECK(big[3] == -1 && big[7] == -1 && big[11] == -1 && info.applied == 1);
  free(work);
}

int main(void) {
  test_names();
  test_untouched();
  test_correlated_pair();
  test_higham_example();
  test_fewer_rows();
  test_bad_input();
  return tl_finish("test_repair");
}
