/*
 * test_hrp.c — linkage (every method, hand-derived Z incl. ties), leaf
 * order, HRP weights on cases with closed forms, bounds, and every bad input
 * of hrp.h (correlation.h is tested in test_correlation.c).
 */
#include <math.h>

#include "folio/hrp.h"
#include "testlib.h"

/* Distance matrix |x_i - x_j| of points on a line (column-major, ld n). */
static void line_dist(const double *x, size_t n, double *d) {
  for (size_t j = 0; j < n; j++)
    for (size_t i = 0; i < n; i++) d[i + j * n] = fabs(x[i] - x[j]);
}

static void check_z(const double *Z, const double *want, size_t rows, const char *what) {
  for (size_t k = 0; k < rows; k++) {
    CHECK_MSG(Z[4 * k] == want[4 * k] && Z[4 * k + 1] == want[4 * k + 1] &&
                  Z[4 * k + 3] == want[4 * k + 3],
              "%s row %zu: got (%g, %g, size %g), want (%g, %g, size %g)", what, k, Z[4 * k],
              Z[4 * k + 1], Z[4 * k + 3], want[4 * k], want[4 * k + 1], want[4 * k + 3]);
    CHECK_NEAR(Z[4 * k + 2], want[4 * k + 2], 1e-15 * fabs(want[4 * k + 2]));
  }
}

static void test_linkage_line(void) {
  /* Points 0, 1, 3, 7 on a line. */
  const double x[4] = {0, 1, 3, 7};
  double d[16], Z[12];
  line_dist(x, 4, d);
  folio_error err;
  const double single[12] = {0, 1, 1, 2, 2, 4, 2, 3, 3, 5, 4, 4};
  const double complete[12] = {0, 1, 1, 2, 2, 4, 3, 3, 3, 5, 7, 4};
  /* average: d(01,2) = (3+2)/2, d(012,3) = (2 * 6.5 + 4) / 3 */
  const double average[12] = {0, 1, 1, 2, 2, 4, 2.5, 3, 3, 5, 17.0 / 3.0, 4};
  /* ward on 1-D points: sqrt(2|A||B|/(|A|+|B|)) * |centroid gap|: sqrt(25/3), 17/sqrt(6) */
  const double ward[12] = {0, 1, 1, 2, 2, 4, sqrt(25.0 / 3.0), 3, 3, 5, 17.0 / sqrt(6.0), 4};
  const double *want[4] = {single, complete, average, ward};
  for (int m = 0; m < 4; m++) {
    CHECK_EQ_INT(folio_linkage(4, d, 4, (folio_linkage_method)m, Z, NULL, &err), FOLIO_OK);
    check_z(Z, want[m], 3, folio_linkage_name((folio_linkage_method)m));
    size_t order[4];
    CHECK_EQ_INT(folio_leaf_order(4, Z, order, &err), FOLIO_OK);
    /* root = (3, 5): leaf 3 first, then (2, 4) -> 2, then (0, 1) */
    CHECK(order[0] == 3 && order[1] == 2 && order[2] == 0 && order[3] == 1);
  }
}

static void test_linkage_ties(void) {
  folio_error err;
  double Z[12];
  /* Equilateral triangle: every method merges (0, 1) then 2 (first index wins). */
  double eq[9] = {0, 1, 1, 1, 0, 1, 1, 1, 0};
  const double want3[8] = {0, 1, 1, 2, 2, 3, 1, 3};
  for (int m = 0; m < 4; m++) {
    CHECK_EQ_INT(folio_linkage(3, eq, 3, (folio_linkage_method)m, Z, NULL, &err), FOLIO_OK);
    check_z(Z, want3, 2, "equilateral");
  }
  /* Two pairs at distance 1, everything else 5: Prim finds (0,1,1), (1,2,5),
   * (2,3,1); the stable sort keeps (0,1) before (2,3): ids 4 and 5. */
  double d[16];
  for (int i = 0; i < 16; i++) d[i] = 5.0;
  for (int i = 0; i < 4; i++) d[i + 4 * i] = 0.0;
  d[0 + 4 * 1] = d[1 + 4 * 0] = 1.0;
  d[2 + 4 * 3] = d[3 + 4 * 2] = 1.0;
  const double want4[12] = {0, 1, 1, 2, 2, 3, 1, 2, 4, 5, 5, 4};
  for (int m = 0; m < 4; m++) {
    CHECK_EQ_INT(folio_linkage(4, d, 4, (folio_linkage_method)m, Z, NULL, &err), FOLIO_OK);
    double w4[12];
    memcpy(w4, want4, sizeof w4);
    if (m == FOLIO_LINKAGE_WARD) w4[10] = sqrt(((2 * 25.0 + 2 * 25.0) * 3 - 2 * 25.0 * 2) / 4.0 / 3.0 * 1.0);
    if (m != FOLIO_LINKAGE_WARD) check_z(Z, w4, 3, "two pairs");
    else {
      /* ward: d(01,2) = sqrt((2*25 + 2*25 - 1)/3) for each of 2, 3; then
       * d(01,23) = sqrt((3 d^2 + 3 d^2 - 2 * 1) / 4) with d^2 = 99/3 */
      double dd = 99.0 / 3.0;
      w4[10] = sqrt((3.0 * dd + 3.0 * dd - 2.0 * 1.0) / 4.0);
      check_z(Z, w4, 3, "two pairs ward");
    }
  }
  /* n = 2 and n = 1 */
  double two[4] = {0, 0.25, 0.25, 0};
  CHECK_EQ_INT(folio_linkage(2, two, 2, FOLIO_LINKAGE_AVERAGE, Z, NULL, &err), FOLIO_OK);
  const double w2[4] = {0, 1, 0.25, 2};
  check_z(Z, w2, 1, "n = 2");
  double one = 0.0;
  CHECK_EQ_INT(folio_linkage(1, &one, 1, FOLIO_LINKAGE_SINGLE, NULL, NULL, &err), FOLIO_OK);
  size_t o1;
  CHECK_EQ_INT(folio_leaf_order(1, NULL, &o1, &err), FOLIO_OK);
  CHECK_EQ_INT(o1, 0);
}

static void test_linkage_errors(void) {
  folio_error err;
  double Z[12], d[9] = {0, 1, 2, 1, 0, 3, 2, 3, 0};
  folio_linkage_method m;
  CHECK_ERR(folio_linkage_parse("centroid", &m, &err), err, FOLIO_EINVAL, "centroid");
  CHECK_EQ_INT(folio_linkage_parse("ward", &m, &err), FOLIO_OK);
  CHECK_EQ_INT(m, FOLIO_LINKAGE_WARD);
  CHECK(strcmp(folio_linkage_name(FOLIO_LINKAGE_AVERAGE), "average") == 0);
  CHECK(strcmp(folio_linkage_name((folio_linkage_method)9), "unknown") == 0);
  CHECK_ERR(folio_linkage(0, d, 3, FOLIO_LINKAGE_SINGLE, Z, NULL, &err), err, FOLIO_EEMPTY, "no assets");
  CHECK_ERR(folio_linkage(3, NULL, 3, FOLIO_LINKAGE_SINGLE, Z, NULL, &err), err, FOLIO_EINVAL, "dist");
  CHECK_ERR(folio_linkage(3, d, 3, FOLIO_LINKAGE_SINGLE, NULL, NULL, &err), err, FOLIO_EINVAL, "Z");
  CHECK_ERR(folio_linkage(3, d, 2, FOLIO_LINKAGE_SINGLE, Z, NULL, &err), err, FOLIO_EINVAL, "ld_dist");
  CHECK_ERR(folio_linkage(3, d, 3, (folio_linkage_method)7, Z, NULL, &err), err, FOLIO_EINVAL, "method");
  double bad[9];
  memcpy(bad, d, sizeof bad);
  bad[5] = NAN;
  CHECK_ERR(folio_linkage(3, bad, 3, FOLIO_LINKAGE_SINGLE, Z, NULL, &err), err, FOLIO_ENOTFINITE, "dist[3][2]");
  memcpy(bad, d, sizeof bad);
  bad[1] = bad[3] = -1.0;
  CHECK_ERR(folio_linkage(3, bad, 3, FOLIO_LINKAGE_SINGLE, Z, NULL, &err), err, FOLIO_EINVAL, "negative");
  memcpy(bad, d, sizeof bad);
  bad[4] = 0.5;
  CHECK_ERR(folio_linkage(3, bad, 3, FOLIO_LINKAGE_SINGLE, Z, NULL, &err), err, FOLIO_EINVAL, "diagonal");
  memcpy(bad, d, sizeof bad);
  bad[7] = 3.5;
  CHECK_ERR(folio_linkage(3, bad, 3, FOLIO_LINKAGE_SINGLE, Z, NULL, &err), err, FOLIO_ENOTSYM, "not symmetric");
  /* A difference within 1e-12 is accepted; the upper triangle is used. */
  memcpy(bad, d, sizeof bad);
  bad[5] = 3.0 + 1e-13;
  CHECK_EQ_INT(folio_linkage(3, bad, 3, FOLIO_LINKAGE_SINGLE, Z, NULL, &err), FOLIO_OK);

  size_t order[4];
  double zbad[8] = {0, 1, 1, 2, 0, 3, 2, 3}; /* leaf 0 used twice */
  CHECK_ERR(folio_leaf_order(3, zbad, order, &err), err, FOLIO_EINVAL, "used twice");
  double zrange[8] = {0, 4, 1, 2, 2, 3, 2, 3}; /* id 4 in row 0 */
  CHECK_ERR(folio_leaf_order(3, zrange, order, &err), err, FOLIO_EINVAL, "row 0");
  double zfrac[8] = {0, 1.5, 1, 2, 2, 3, 2, 3};
  CHECK_ERR(folio_leaf_order(3, zfrac, order, &err), err, FOLIO_EINVAL, "child id");
  double zok[8] = {0, 1, 1, 2, 2, 3, 2, 3};
  CHECK_ERR(folio_leaf_order(0, zok, order, &err), err, FOLIO_EEMPTY, "no items");
  CHECK_ERR(folio_leaf_order(3, zok, NULL, &err), err, FOLIO_EINVAL, "order");
  CHECK_EQ_INT(folio_leaf_order(3, zok, order, &err), FOLIO_OK);
  CHECK(order[0] == 2 && order[1] == 0 && order[2] == 1);
}

/* Diagonal covariance and identity correlation: HRP = inverse variance. */
static void test_hrp_closed_forms(void) {
  folio_error err;
  double cov[9] = {1, 0, 0, 0, 4, 0, 0, 0, 9}, corr[9] = {1, 0, 0, 0, 1, 0, 0, 0, 1};
  double w[3], Z[8];
  size_t order[3];
  const char *syms[3] = {"AAA", "BBB", "CCC"};
  for (int m = 0; m < 4; m++) {
    CHECK_EQ_INT(folio_hrp(3, cov, 3, corr, 3, syms, (folio_linkage_method)m, NULL, NULL, w, order,
                           Z, NULL, &err),
                 FOLIO_OK);
    double s = 1.0 + 0.25 + 1.0 / 9.0;
    CHECK_NEAR(w[0], 1.0 / s, 1e-15);
    CHECK_NEAR(w[1], 0.25 / s, 1e-15);
    CHECK_NEAR(w[2], (1.0 / 9.0) / s, 1e-15);
    CHECK(order[0] == 2 && order[1] == 0 && order[2] == 1); /* ties: (0,1), then 2 */
    CHECK_NEAR(Z[2], sqrt(0.5), 1e-16);
  }
  /* Bisection by hand on the order [2, 0, 1]: V([2]) = 9, V([0, 1]) = 0.8. */
  double alpha = 1.0 - 9.0 / 9.8;
  CHECK_NEAR(w[2], alpha, 1e-15);
  /* Bounds: max 0.5 on AAA binds at the second split, nothing else moves. */
  double wmax[3] = {0.5, 1.0, 1.0};
  double wb[3];
  CHECK_EQ_INT(folio_hrp(3, cov, 3, corr, 3, syms, FOLIO_LINKAGE_SINGLE, NULL, wmax, wb, NULL, NULL,
                         NULL, &err),
               FOLIO_OK);
  CHECK_NEAR(wb[0], 0.5, 1e-15);
  CHECK_EQ_INT(memcmp(&wb[2], &w[2], sizeof(double)), 0);
  CHECK_NEAR(wb[1], 9.0 / 9.8 - 0.5, 1e-15);
  /* Bounds that do not bind: bit-identical. */
  double lo[3] = {0.01, 0.01, 0.01}, hi[3] = {0.9, 0.9, 0.9};
  CHECK_EQ_INT(folio_hrp(3, cov, 3, corr, 3, syms, FOLIO_LINKAGE_SINGLE, lo, hi, wb, NULL, NULL,
                         NULL, &err),
               FOLIO_OK);
  CHECK_EQ_INT(memcmp(wb, w, sizeof w), 0);
  /* n = 2: w0 = c11 / (c00 + c11). */
  double c2[4] = {0.04, 0.01, 0.01, 0.09}, k2[4] = {1, 0.5 / 1.2, 0.5 / 1.2, 1}, w2[2];
  k2[1] = k2[2] = 0.01 / (0.2 * 0.3);
  CHECK_EQ_INT(folio_hrp(2, c2, 2, k2, 2, NULL, FOLIO_LINKAGE_WARD, NULL, NULL, w2, NULL, NULL, NULL, &err),
               FOLIO_OK);
  CHECK_NEAR(w2[0], 0.09 / 0.13, 1e-15);
  CHECK_NEAR(w2[1], 0.04 / 0.13, 1e-15);
  /* n = 1 */
  double c1 = 0.04, k1 = 1.0, w1 = 0;
  size_t o1 = 7;
  CHECK_EQ_INT(folio_hrp(1, &c1, 1, &k1, 1, NULL, FOLIO_LINKAGE_SINGLE, NULL, NULL, &w1, &o1, NULL, NULL, &err),
               FOLIO_OK);
  CHECK(w1 == 1.0 && o1 == 0);
}

static void test_hrp_errors(void) {
  folio_error err;
  const char *syms[3] = {"AAA", "BBB", "CCC"};
  double cov[9] = {1, 0.1, 0, 0.1, 4, 0, 0, 0, 9}, corr[9] = {1, 0.05, 0, 0.05, 1, 0, 0, 0, 1};
  double w[3], b[9];
#define HRP(c, k, lo, hi) folio_hrp(3, c, 3, k, 3, syms, FOLIO_LINKAGE_SINGLE, lo, hi, w, NULL, NULL, NULL, &err)
  CHECK_EQ_INT(HRP(cov, corr, NULL, NULL), FOLIO_OK);
  CHECK_ERR(folio_hrp(0, cov, 3, corr, 3, syms, 0, NULL, NULL, w, NULL, NULL, NULL, &err), err, FOLIO_EEMPTY, "no assets");
  CHECK_ERR(HRP(NULL, corr, NULL, NULL), err, FOLIO_EINVAL, "cov is NULL");
  CHECK_ERR(HRP(cov, NULL, NULL, NULL), err, FOLIO_EINVAL, "corr is NULL");
  CHECK_ERR(folio_hrp(3, cov, 3, corr, 3, syms, 0, NULL, NULL, NULL, NULL, NULL, NULL, &err), err, FOLIO_EINVAL, "weights");
  CHECK_ERR(folio_hrp(3, cov, 2, corr, 3, syms, 0, NULL, NULL, w, NULL, NULL, NULL, &err), err, FOLIO_EINVAL, "leading dimension");
  CHECK_ERR(folio_hrp(3, cov, 3, corr, 3, syms, (folio_linkage_method)5, NULL, NULL, w, NULL, NULL, NULL, &err), err, FOLIO_EINVAL, "linkage method");
  memcpy(b, cov, sizeof b);
  b[5] = b[7] = NAN;
  CHECK_ERR(HRP(b, corr, NULL, NULL), err, FOLIO_ENOTFINITE, "cov entry (BBB, CCC)");
  memcpy(b, corr, sizeof b);
  b[1] = INFINITY;
  CHECK_ERR(HRP(cov, b, NULL, NULL), err, FOLIO_ENOTFINITE, "corr entry (BBB, AAA)");
  memcpy(b, cov, sizeof b);
  b[4] = 0.0;
  CHECK_ERR(HRP(b, corr, NULL, NULL), err, FOLIO_EDEGENERATE, "variance of BBB");
  b[4] = -1.0;
  CHECK_ERR(HRP(b, corr, NULL, NULL), err, FOLIO_EDEGENERATE, "variance of BBB");
  memcpy(b, cov, sizeof b);
  b[1] = 0.2;
  CHECK_ERR(HRP(b, corr, NULL, NULL), err, FOLIO_ENOTSYM, "cov is not symmetric (symbols AAA and BBB)");
  memcpy(b, corr, sizeof b);
  b[3] = 0.06;
  CHECK_ERR(HRP(cov, b, NULL, NULL), err, FOLIO_ENOTSYM, "corr is not symmetric");
  memcpy(b, corr, sizeof b);
  b[2] = b[6] = 1.5;
  CHECK_ERR(HRP(cov, b, NULL, NULL), err, FOLIO_EINVAL, "|corr| must be <= 1");
  memcpy(b, corr, sizeof b);
  b[8] = 0.9;
  CHECK_ERR(HRP(cov, b, NULL, NULL), err, FOLIO_EINVAL, "corr diagonal of CCC");
  /* |corr| a few ulps above 1 is rounding, accepted (the distance clips). */
  memcpy(b, corr, sizeof b);
  b[1] = b[3] = 1.0 + 4e-16;
  CHECK_EQ_INT(HRP(cov, b, NULL, NULL), FOLIO_OK);
  double lo[3] = {0.5, 0.3, 0.3}, hi[3] = {1, 1, 1};
  CHECK_ERR(HRP(cov, corr, lo, hi), err, FOLIO_EINVAL, "min weights sum to");
  double hi2[3] = {0.3, 0.3, 0.3};
  CHECK_ERR(HRP(cov, corr, NULL, hi2), err, FOLIO_EINVAL, "max weights sum to");
  double lo3[3] = {0.0, -0.1, 0.0};
  CHECK_ERR(HRP(cov, corr, lo3, NULL), err, FOLIO_EINVAL, "min weight of BBB");
  double lo4[3] = {0.0, 0.0, 0.6}, hi4[3] = {1, 1, 0.5};
  CHECK_ERR(HRP(cov, corr, lo4, hi4), err, FOLIO_EINVAL, "min weight of CCC (0.6) exceeds its max (0.5)");
  double hi5[3] = {1, NAN, 1};
  CHECK_ERR(HRP(cov, corr, NULL, hi5), err, FOLIO_ENOTFINITE, "bound of BBB");
  /* Not PSD: the cluster variance of {AAA, BBB} is negative. */
  double np[9] = {1, -3, 0, -3, 1, 0, 0, 0, 1}, nk[9] = {1, -0.9, 0, -0.9, 1, 0, 0, 0, 1};
  nk[1] = nk[3] = 0.99;
  np[1] = np[3] = -3;
  CHECK_ERR(HRP(np, nk, NULL, NULL), err, FOLIO_ENOTPD, "positive semi-definite");
#undef HRP
}

int main(void) {
  test_linkage_line();
  test_linkage_ties();
  test_linkage_errors();
  test_hrp_closed_forms();
  test_hrp_errors();
  return tl_finish("test_hrp");
}
