/*
 * prop_hrp.c — properties of linkage and HRP over thousands of random
 * instances: weights sum to 1 and are positive, bounds are respected and
 * bounds that do not bind change nothing (bit for bit), results repeat bit
 * for bit, merge heights are sorted and monotone (a cluster is never lower
 * than its children), the leaf order is a permutation, the O(n^2) linkages
 * equal a naive O(n^3) greedy agglomeration on instances with distinct
 * distances, and a diagonal covariance gives the inverse-variance portfolio.
 */
#include <math.h>

#include "folio/correlation.h"
#include "folio/hrp.h"
#include "testlib.h"

#define MAXN 40

/* Naive greedy agglomeration with the Lance-Williams update of the method:
 * merge the closest active pair (lowest (i, j) on ties), the new cluster
 * keeps slot j (the larger) like nn_chain; ids n + k. */
static void naive_linkage(size_t n, const double *dist, folio_linkage_method m, double *Z) {
  static double d[MAXN * MAXN];
  size_t id[MAXN], size[MAXN];
  memcpy(d, dist, n * n * sizeof(double));
  for (size_t i = 0; i < n; i++) id[i] = i, size[i] = 1;
  for (size_t k = 0; k + 1 < n; k++) {
    size_t bx = 0, by = 0;
    double best = INFINITY;
    for (size_t j = 0; j < n; j++)
      for (size_t i = 0; i < j; i++)
        if (size[i] && size[j] && d[i + j * n] < best) best = d[i + j * n], bx = i, by = j;
    size_t a = id[bx] < id[by] ? id[bx] : id[by], b = id[bx] < id[by] ? id[by] : id[bx];
    Z[4 * k] = (double)a;
    Z[4 * k + 1] = (double)b;
    Z[4 * k + 2] = best;
    Z[4 * k + 3] = (double)(size[bx] + size[by]);
    for (size_t i = 0; i < n; i++) {
      if (!size[i] || i == bx || i == by) continue;
      double dx = d[i + bx * n], dy = d[i + by * n], v;
      double nx = (double)size[bx], ny = (double)size[by], ni = (double)size[i];
      switch (m) {
        case FOLIO_LINKAGE_SINGLE: v = fmin(dx, dy); break;
        case FOLIO_LINKAGE_COMPLETE: v = fmax(dx, dy); break;
        case FOLIO_LINKAGE_AVERAGE: v = (nx * dx + ny * dy) / (nx + ny); break;
        default: v = sqrt(((ni + nx) * dx * dx + (ni + ny) * dy * dy - ni * best * best) / (ni + nx + ny));
      }
      d[i + by * n] = d[by + i * n] = v;
    }
    size[by] += size[bx];
    size[bx] = 0;
    id[by] = n + k;
  }
}

/* Random returns with a few common factors -> corr and cov (complete data). */
static void random_stats(tl_rng *r, size_t n, double *cov, double *corr) {
  size_t t = n + 10 + tl_index(r, 30);
  static double x[(MAXN + 40) * MAXN];
  double f[3][MAXN + 40];
  for (int q = 0; q < 3; q++)
    for (size_t i = 0; i < t; i++) f[q][i] = tl_normal(r);
  for (size_t j = 0; j < n; j++) {
    double b[3] = {tl_normal(r), tl_normal(r), tl_normal(r)}, vol = 0.5 + 2.0 * tl_uniform(r);
    for (size_t i = 0; i < t; i++)
      x[i + j * t] = vol * (b[0] * f[0][i] + b[1] * f[1][i] + b[2] * f[2][i] + tl_normal(r));
  }
  folio_panel p = folio_panel_make(x, t, n);
  folio_error err;
  folio_status st = folio_sample_corr(&p, FOLIO_MISSING_ERROR, corr, n, cov, n, NULL, NULL, &err);
  CHECK_MSG(st == FOLIO_OK, "%s", err.message);
}

static int z_valid_monotone(size_t n, const double *Z) {
  for (size_t k = 0; k + 1 < n; k++) {
    if (k > 0 && Z[4 * k + 2] < Z[4 * (k - 1) + 2]) return 0; /* sorted */
    if (!(Z[4 * k] < Z[4 * k + 1])) return 0;                 /* left < right */
    for (int c = 0; c < 2; c++) {
      size_t child = (size_t)Z[4 * k + c];
      if (child >= n && Z[4 * (child - n) + 2] > Z[4 * k + 2]) return 0; /* monotone */
    }
  }
  return 1;
}

static void test_hrp_random(void) {
  tl_rng r = {12345};
  static double cov[MAXN * MAXN], corr[MAXN * MAXN], Z[4 * MAXN], Z2[4 * MAXN];
  double w[MAXN], w2[MAXN], wb[MAXN], lo[MAXN], hi[MAXN];
  size_t order[MAXN];
  int bad_sum = 0, bad_pos = 0, bad_repeat = 0, bad_bounds = 0, bad_nonbinding = 0, bad_z = 0,
      bad_perm = 0, failures = 0;
  double worst_bound = 0.0;
  for (int it = 0; it < 1500; it++) {
    size_t n = 2 + tl_index(&r, MAXN - 1);
    folio_linkage_method m = (folio_linkage_method)tl_index(&r, 4);
    random_stats(&r, n, cov, corr);
    folio_error err;
    if (folio_hrp(n, cov, n, corr, n, NULL, m, NULL, NULL, w, order, Z, NULL, &err) != FOLIO_OK) {
      failures++;
      continue;
    }
    double s = 0.0;
    for (size_t i = 0; i < n; i++) {
      s += w[i];
      if (!(w[i] > 0.0)) bad_pos++;
    }
    if (!(fabs(s - 1.0) <= 1e-14)) bad_sum++;
    if (!z_valid_monotone(n, Z)) bad_z++;
    unsigned char seen[MAXN] = {0};
    for (size_t i = 0; i < n; i++) seen[order[i]]++;
    for (size_t i = 0; i < n; i++) bad_perm += seen[i] != 1;
    /* repeat: bit-identical */
    folio_hrp(n, cov, n, corr, n, NULL, m, NULL, NULL, w2, NULL, Z2, NULL, &err);
    if (memcmp(w, w2, n * sizeof *w) || memcmp(Z, Z2, 4 * (n - 1) * sizeof *Z)) bad_repeat++;
    /* non-binding bounds: bit-identical */
    for (size_t i = 0; i < n; i++) lo[i] = 0.0, hi[i] = 1.0;
    folio_hrp(n, cov, n, corr, n, NULL, m, lo, hi, wb, NULL, NULL, NULL, &err);
    if (memcmp(w, wb, n * sizeof *w)) bad_nonbinding++;
    /* random feasible bounds, usually binding */
    double smin = 0.0, smax = 0.0;
    for (size_t i = 0; i < n; i++) {
      lo[i] = tl_uniform(&r) < 0.5 ? 0.0 : tl_uniform(&r) * 0.9 / (double)n;
      hi[i] = lo[i] + tl_uniform(&r) * 2.5 / (double)n;
      smin += lo[i];
      smax += hi[i];
    }
    if (smax < 1.0)
      for (size_t i = 0; i < n; i++) hi[i] = lo[i] + (hi[i] - lo[i]) * (1.0 - smin) / (smax - smin) * 1.0000001;
    folio_status st = folio_hrp(n, cov, n, corr, n, NULL, m, lo, hi, wb, NULL, NULL, NULL, &err);
    if (st != FOLIO_OK) {
      CHECK_MSG(0, "bounded hrp: %s", err.message);
      continue;
    }
    s = 0.0;
    for (size_t i = 0; i < n; i++) {
      s += wb[i];
      double over = fmax(lo[i] - wb[i], wb[i] - hi[i]);
      if (over > worst_bound) worst_bound = over;
      if (over > 1e-14) bad_bounds++;
    }
    if (!(fabs(s - 1.0) <= 1e-14)) bad_sum++;
  }
  printf("hrp random: worst bound violation %.3g\n", worst_bound);
  CHECK_EQ_INT(failures, 0);
  CHECK_EQ_INT(bad_sum, 0);
  CHECK_EQ_INT(bad_pos, 0);
  CHECK_EQ_INT(bad_repeat, 0);
  CHECK_EQ_INT(bad_nonbinding, 0);
  CHECK_EQ_INT(bad_bounds, 0);
  CHECK_EQ_INT(bad_z, 0);
  CHECK_EQ_INT(bad_perm, 0);
}

static void test_linkage_vs_naive(void) {
  tl_rng r = {777};
  static double d[MAXN * MAXN], Z[4 * MAXN], Zn[4 * MAXN];
  int mism[4] = {0, 0, 0, 0};
  double worst[4] = {0, 0, 0, 0};
  for (int it = 0; it < 1200; it++) {
    size_t n = 2 + tl_index(&r, MAXN - 1);
    folio_linkage_method m = (folio_linkage_method)(it % 4);
    /* random points in 3-D: Euclidean, distinct distances */
    double p[MAXN][3];
    for (size_t i = 0; i < n; i++)
      for (int c = 0; c < 3; c++) p[i][c] = tl_uniform(&r);
    for (size_t j = 0; j < n; j++)
      for (size_t i = 0; i < n; i++) {
        double a = p[i][0] - p[j][0], b = p[i][1] - p[j][1], c = p[i][2] - p[j][2];
        d[i + j * n] = i == j ? 0.0 : sqrt(a * a + b * b + c * c);
      }
    for (size_t j = 0; j < n; j++)
      for (size_t i = 0; i < j; i++) d[j + i * n] = d[i + j * n];
    folio_error err;
    CHECK_EQ_INT(folio_linkage(n, d, n, m, Z, NULL, &err), FOLIO_OK);
    naive_linkage(n, d, m, Zn);
    for (size_t k = 0; k + 1 < n; k++) {
      if (Z[4 * k] != Zn[4 * k] || Z[4 * k + 1] != Zn[4 * k + 1] || Z[4 * k + 3] != Zn[4 * k + 3]) {
        mism[m]++;
        break;
      }
      double dv = fabs(Z[4 * k + 2] - Zn[4 * k + 2]);
      if (dv > worst[m]) worst[m] = dv;
    }
    CHECK(z_valid_monotone(n, Z));
  }
  printf("linkage vs naive greedy: id mismatches single %d complete %d average %d ward %d; "
         "max height gaps %.3g %.3g %.3g %.3g\n",
         mism[0], mism[1], mism[2], mism[3], worst[0], worst[1], worst[2], worst[3]);
  for (int m = 0; m < 4; m++) CHECK_EQ_INT(mism[m], 0);
  CHECK(worst[0] == 0.0 && worst[1] == 0.0); /* single/complete heights are input distances */
  CHECK(worst[2] <= 1e-13 && worst[3] <= 1e-13);
}

/* Diagonal covariance, identity correlation: HRP is the inverse-variance portfolio. */
static void test_diagonal_is_ivp(void) {
  tl_rng r = {99};
  static double cov[MAXN * MAXN], corr[MAXN * MAXN];
  double w[MAXN], worst = 0.0;
  for (int it = 0; it < 300; it++) {
    size_t n = 1 + tl_index(&r, MAXN);
    memset(cov, 0, sizeof cov);
    memset(corr, 0, sizeof corr);
    double s = 0.0;
    for (size_t i = 0; i < n; i++) {
      cov[i + i * n] = 0.01 + tl_uniform(&r);
      corr[i + i * n] = 1.0;
      s += 1.0 / cov[i + i * n];
    }
    folio_error err;
    CHECK_EQ_INT(folio_hrp(n, cov, n, corr, n, NULL, (folio_linkage_method)(it % 4), NULL, NULL, w,
                           NULL, NULL, NULL, &err),
                 FOLIO_OK);
    for (size_t i = 0; i < n; i++) {
      double want = (1.0 / cov[i + i * n]) / s;
      double dv = fabs(w[i] - want) / want;
      if (dv > worst) worst = dv;
    }
  }
  printf("diagonal cov vs inverse variance: max relative gap %.3g\n", worst);
  CHECK(worst <= 1e-13);
}

int main(void) {
  test_hrp_random();
  test_linkage_vs_naive();
  test_diagonal_is_ivp();
  return tl_finish("prop_hrp");
}
