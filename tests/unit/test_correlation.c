/*
 * test_correlation.c — correlation.h (core/src/estimates/correlation.c):
 * pairwise and complete-rows sample correlation on hand-computed cases, the
 * covariance it returns alongside (bit-identical to folio_sample_cov), the
 * workspace, cov -> corr, and every bad input of each public function.
 */
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "folio/correlation.h"
#include "testlib.h"

static void test_sample_corr(void) {
  folio_error err;
  /* Two columns with a gap; pairwise corr uses only the overlap. */
  double x[12] = {1, 2, 3, 4, 5, 6, /* A */ NAN, NAN, 1, 3, 2, 4 /* B */};
  const char *cols[2] = {"A", "B"};
  folio_panel p = {x, 6, 2, 6, NULL, cols};
  double k[4], c[4];
  folio_cov_info info;
  CHECK_EQ_INT(folio_sample_corr(&p, FOLIO_MISSING_PAIRWISE, k, 2, c, 2, NULL, &info, &err), FOLIO_OK);
  /* overlap rows 3..6: A = 3,4,5,6, B = 1,3,2,4: centred A = -1.5,-.5,.5,1.5, B = -1.5,.5,-.5,1.5 */
  double sab = 2.25 - 0.25 - 0.25 + 2.25, saa = 5.0, sbb = 5.0;
  CHECK_NEAR(k[2], sab / sqrt(saa * sbb), 1e-15);
  CHECK(k[1] == k[2] && k[0] == 1.0 && k[3] == 1.0);
  CHECK_NEAR(c[2], sab / 3.0, 1e-15);
  CHECK_NEAR(c[0], 3.5, 1e-15); /* var of 1..6 over all 6 rows */
  CHECK_EQ_INT(info.min_pair_obs, 4);
  folio_cov_info ci;
  double c2[4];
  CHECK_EQ_INT(folio_sample_cov(&p, FOLIO_MISSING_PAIRWISE, 1.0, c2, 2, NULL, &ci, &err), FOLIO_OK);
  CHECK_EQ_INT(memcmp(c, c2, sizeof c), 0); /* same covariance, bit for bit */
  /* complete rows: same overlap here */
  CHECK_EQ_INT(folio_sample_corr(&p, FOLIO_MISSING_COMPLETE, k, 2, NULL, 0, NULL, NULL, &err), FOLIO_OK);
  CHECK_NEAR(k[2], sab / sqrt(saa * sbb), 1e-15);
  CHECK_ERR(folio_sample_corr(&p, FOLIO_MISSING_ERROR, k, 2, NULL, 0, NULL, NULL, &err), err, FOLIO_EMISSING,
            "sample_corr: missing return (symbol B");
  /* B constant over the overlap */
  double y[12] = {1, 2, 3, 4, 5, 6, NAN, NAN, 2, 2, 2, 2};
  folio_panel q = {y, 6, 2, 6, NULL, cols};
  CHECK_ERR(folio_sample_corr(&q, FOLIO_MISSING_PAIRWISE, k, 2, NULL, 0, NULL, NULL, &err), err,
            FOLIO_EDEGENERATE, "B has zero variance");
  /* A constant only where it overlaps B */
  double z[12] = {1, 2, 3, 3, 3, 3, NAN, NAN, 1, 3, 2, 4};
  folio_panel r = {z, 6, 2, 6, NULL, cols};
  CHECK_ERR(folio_sample_corr(&r, FOLIO_MISSING_PAIRWISE, k, 2, NULL, 0, NULL, NULL, &err), err,
            FOLIO_EDEGENERATE, "A is constant over the 4 rows it shares with B");
  double zc[12] = {1, 1, 1, 1, 1, 1, 1, 3, 1, 3, 2, 4};
  folio_panel s = {zc, 6, 2, 6, NULL, cols};
  CHECK_ERR(folio_sample_corr(&s, FOLIO_MISSING_PAIRWISE, k, 2, NULL, 0, NULL, NULL, &err), err,
            FOLIO_EDEGENERATE, "sample_corr: variance of A is 0");
  double inf[12] = {1, 2, INFINITY, 4, 5, 6, NAN, NAN, 1, 3, 2, 4};
  folio_panel t = {inf, 6, 2, 6, NULL, cols};
  CHECK_ERR(folio_sample_corr(&t, FOLIO_MISSING_PAIRWISE, k, 2, NULL, 0, NULL, NULL, &err), err,
            FOLIO_ENOTFINITE, "infinite value (symbol A");
  CHECK_ERR(folio_sample_corr(NULL, FOLIO_MISSING_PAIRWISE, k, 2, NULL, 0, NULL, NULL, &err), err,
            FOLIO_EINVAL, "returns is NULL");
  CHECK_ERR(folio_sample_corr(&p, FOLIO_MISSING_PAIRWISE, k, 1, NULL, 0, NULL, NULL, &err), err,
            FOLIO_EINVAL, "ld_corr");
  CHECK_ERR(folio_sample_corr(&p, FOLIO_MISSING_PAIRWISE, k, 2, c, 1, NULL, NULL, &err), err,
            FOLIO_EINVAL, "ld_cov");
  double sh[2] = {1, NAN};
  folio_panel u = {sh, 1, 2, 1, NULL, cols};
  CHECK_ERR(folio_sample_corr(&u, FOLIO_MISSING_PAIRWISE, k, 2, NULL, 0, NULL, NULL, &err), err,
            FOLIO_ESHORT, "sample_corr");
  double gap[12] = {1, 2, 3, NAN, NAN, NAN, NAN, NAN, NAN, 3, 2, 4};
  folio_panel v = {gap, 6, 2, 6, NULL, cols};
  CHECK_ERR(folio_sample_corr(&v, FOLIO_MISSING_PAIRWISE, k, 2, NULL, 0, NULL, NULL, &err), err,
            FOLIO_ESHORT, "A and B overlap in 0 row(s)");
}

static void test_cov_to_corr(void) {
  folio_error err;
  double k[4];
  const char *cols[2] = {"A", "B"};
  /* cov_to_corr, in place */
  double cc[4] = {4, 1, 1, 9};
  CHECK_EQ_INT(folio_cov_to_corr(2, cc, 2, cc, 2, NULL, &err), FOLIO_OK);
  CHECK(cc[0] == 1.0 && cc[3] == 1.0);
  CHECK_NEAR(cc[1], 1.0 / 6.0, 1e-16);
  CHECK(cc[1] == cc[2]);
  double cz[4] = {4, 1, 1, 0};
  CHECK_ERR(folio_cov_to_corr(2, cz, 2, k, 2, cols, &err), err, FOLIO_EDEGENERATE, "variance of B");
}


/* folio_sample_corr_work_size: 0 on overflow; pairwise needs more than
 * complete rows; a caller's workspace gives the same bits as NULL. */
static void test_work_size(void) {
  size_t pw = folio_sample_corr_work_size(6, 2, FOLIO_MISSING_PAIRWISE);
  size_t cr = folio_sample_corr_work_size(6, 2, FOLIO_MISSING_COMPLETE);
  CHECK(pw > 0 && cr > 0 && pw >= cr);
  CHECK(folio_sample_corr_work_size(SIZE_MAX / 2, SIZE_MAX / 2, FOLIO_MISSING_PAIRWISE) == 0);
  CHECK(folio_sample_corr_work_size(SIZE_MAX / 2, 3, FOLIO_MISSING_ERROR) == 0);
  CHECK(folio_sample_corr_work_size(SIZE_MAX / 2, 3, FOLIO_MISSING_COMPLETE) == 0);
  double x[12] = {1, 2, 3, 4, 5, 6, NAN, NAN, 1, 3, 2, 4};
  const char *cols[2] = {"A", "B"};
  folio_panel p = {x, 6, 2, 6, NULL, cols};
  folio_error err;
  double k1[4], k2[4], c1[4], c2[4];
  void *work = malloc(pw);
  CHECK(work != NULL);
  CHECK_EQ_INT(folio_sample_corr(&p, FOLIO_MISSING_PAIRWISE, k1, 2, c1, 2, NULL, NULL, &err), FOLIO_OK);
  CHECK_EQ_INT(folio_sample_corr(&p, FOLIO_MISSING_PAIRWISE, k2, 2, c2, 2, work, NULL, &err), FOLIO_OK);
  CHECK(memcmp(k1, k2, sizeof k1) == 0 && memcmp(c1, c2, sizeof c1) == 0);
  free(work);
}

/* Every bad input of folio_sample_corr not covered above. */
static void test_sample_corr_bad_inputs(void) {
  folio_error err;
  double x[12] = {1, 2, 3, 4, 5, 6, NAN, NAN, 1, 3, 2, 4}, k[4], c[4];
  const char *cols[2] = {"A", "B"};
  folio_panel p = {x, 6, 2, 6, NULL, cols};
  CHECK_ERR(folio_sample_corr(&p, FOLIO_MISSING_PAIRWISE, NULL, 2, NULL, 0, NULL, NULL, &err), err,
            FOLIO_EINVAL, "sample_corr: corr is NULL");
  CHECK_ERR(folio_sample_corr(&p, FOLIO_MISSING_PAIRWISE, k, (size_t)INT_MAX + 1, NULL, 0, NULL, NULL, &err),
            err, FOLIO_EINVAL, "ld_corr");
  CHECK_ERR(folio_sample_corr(&p, FOLIO_MISSING_PAIRWISE, k, 0, NULL, 0, NULL, NULL, &err), err,
            FOLIO_EINVAL, "ld_corr 0");
  CHECK_ERR(folio_sample_corr(&p, FOLIO_MISSING_PAIRWISE, k, 2, c, 0, NULL, NULL, &err), err,
            FOLIO_EINVAL, "ld_cov 0");
  CHECK_ERR(folio_sample_corr(&p, (folio_missing)99, k, 2, NULL, 0, NULL, NULL, &err), err, FOLIO_EINVAL,
            "unknown missing-data policy 99");
  folio_panel bad_ld = {x, 6, 2, 5, NULL, cols};
  CHECK_ERR(folio_sample_corr(&bad_ld, FOLIO_MISSING_PAIRWISE, k, 2, NULL, 0, NULL, NULL, &err), err,
            FOLIO_EDIM, "sample_corr: returns leading dimension 5 < rows 6");
  folio_panel no_data = {NULL, 6, 2, 6, NULL, cols};
  CHECK_ERR(folio_sample_corr(&no_data, FOLIO_MISSING_PAIRWISE, k, 2, NULL, 0, NULL, NULL, &err), err,
            FOLIO_EINVAL, "sample_corr: returns data is NULL");
  folio_panel no_rows = {x, 0, 2, 1, NULL, cols};
  CHECK_ERR(folio_sample_corr(&no_rows, FOLIO_MISSING_PAIRWISE, k, 2, NULL, 0, NULL, NULL, &err), err,
            FOLIO_ESHORT, "at least 2 are needed");
  double nan_row[4] = {1, 2, NAN, NAN}; /* B entirely missing */
  folio_panel all_missing = {nan_row, 2, 2, 2, NULL, cols};
  CHECK_ERR(folio_sample_corr(&all_missing, FOLIO_MISSING_PAIRWISE, k, 2, NULL, 0, NULL, NULL, &err), err,
            FOLIO_ESHORT, "symbol B has 0 observation(s)");
  CHECK_ERR(folio_sample_corr(&all_missing, FOLIO_MISSING_COMPLETE, k, 2, NULL, 0, NULL, NULL, &err), err,
            FOLIO_ESHORT, "0 complete row(s)");
  /* zero assets is an empty, valid result */
  folio_panel none = {x, 6, 0, 6, NULL, cols};
  CHECK_EQ_INT(folio_sample_corr(&none, FOLIO_MISSING_PAIRWISE, k, 1, NULL, 0, NULL, NULL, &err), FOLIO_OK);
}

/* Every bad input of folio_cov_to_corr. */
static void test_cov_to_corr_bad_inputs(void) {
  folio_error err;
  const char *cols[2] = {"A", "B"};
  double cv[4] = {4, 1, 1, 9}, k[4];
  CHECK_ERR(folio_cov_to_corr(2, NULL, 2, k, 2, cols, &err), err, FOLIO_EINVAL, "cov_to_corr: cov is NULL");
  CHECK_ERR(folio_cov_to_corr(2, cv, 2, NULL, 2, cols, &err), err, FOLIO_EINVAL, "cov_to_corr: corr is NULL");
  CHECK_ERR(folio_cov_to_corr(2, cv, 1, k, 2, cols, &err), err, FOLIO_EINVAL, "leading dimensions 1, 2 < 2");
  CHECK_ERR(folio_cov_to_corr(2, cv, 2, k, 1, cols, &err), err, FOLIO_EINVAL, "leading dimensions 2, 1 < 2");
  CHECK_ERR(folio_cov_to_corr(0, NULL, 0, NULL, 0, NULL, &err), err, FOLIO_EINVAL, "leading dimensions 0, 0");
  CHECK_EQ_INT(folio_cov_to_corr(0, NULL, 1, NULL, 1, NULL, &err), FOLIO_OK);
  double nan_var[4] = {NAN, 1, 1, 9};
  CHECK_ERR(folio_cov_to_corr(2, nan_var, 2, k, 2, cols, &err), err, FOLIO_ENOTFINITE, "variance of A is not finite");
  double neg_var[4] = {4, 1, 1, -1};
  CHECK_ERR(folio_cov_to_corr(2, neg_var, 2, k, 2, NULL, &err), err, FOLIO_EDEGENERATE,
            "variance of #2 is -1 (must be > 0)");
  double inf_off[4] = {4, 1, INFINITY, 9}; /* the upper triangle is read */
  CHECK_ERR(folio_cov_to_corr(2, inf_off, 2, k, 2, cols, &err), err, FOLIO_ENOTFINITE, "cov entry (A, B) is not finite");
  /* different leading dimensions, corr exactly symmetric with a unit diagonal */
  double c3[9] = {4, 1, 99, 1, 9, 99, 99, 99, 99}, k3[9];
  CHECK_EQ_INT(folio_cov_to_corr(2, c3, 3, k3, 3, cols, &err), FOLIO_OK);
  CHECK(k3[0] == 1.0 && k3[4] == 1.0 && k3[1] == k3[3]);
  CHECK_NEAR(k3[3], 1.0 / 6.0, 1e-16);
}

int main(void) {
  test_sample_corr();
  test_cov_to_corr();
  test_work_size();
  test_sample_corr_bad_inputs();
  test_cov_to_corr_bad_inputs();
  return tl_finish("test_correlation");
}
