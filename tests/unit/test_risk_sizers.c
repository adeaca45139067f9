/*
 * test_risk_sizers.c — the risk-based allocators on cases with known answers
 * (diagonal covariances, two assets, binding bounds), their optimality
 * conditions on a dense case, and every bad input with its message.
 */
#include "folio/risk_sizers.h"
#include "testlib.h"

static const char *SYM4[] = {"AAA", "BBB", "CCC", "DDD"};

/* Diagonal 4 x 4 with the given variances. */
static void diag4(double *c, const double *var) {
  for (int i = 0; i < 16; i++) c[i] = 0.0;
  for (int i = 0; i < 4; i++) c[i * 5] = var[i];
}

/* KKT of min w'Sw, 1'w = 1, lo <= w <= up (lo/up NULL: long-only [0, inf)):
 * 2Sw + nu 1 - l_lo + l_hi = 0 with l >= 0 and complementarity. */
static void check_kkt(size_t n, const double *s, const double *w, const double *lo,
                      const double *up, double tol) {
  double g[64], sum = 0.0, nu = 0.0, gmax = 0.0;
  size_t nf = 0;
  for (size_t i = 0; i < n; i++) {
    g[i] = 0.0;
    for (size_t j = 0; j < n; j++) g[i] += 2.0 * s[i + j * n] * w[j];
    if (fabs(g[i]) > gmax) gmax = fabs(g[i]);
    sum += w[i];
  }
  CHECK_NEAR(sum, 1.0, 1e-12);
  for (size_t i = 0; i < n; i++) {
    double l = lo ? lo[i] : 0.0, u = up ? up[i] : INFINITY;
    CHECK(w[i] >= l - 1e-12 && w[i] <= u + 1e-12);
    if (w[i] > l + 1e-12 && w[i] < u - 1e-12) {
      nu -= g[i];
      nf++;
    }
  }
  if (nf == 0) return;
  nu /= (double)nf;
  for (size_t i = 0; i < n; i++) {
    double l = lo ? lo[i] : 0.0, u = up ? up[i] : INFINITY, r = g[i] + nu;
    if (w[i] > l + 1e-12 && w[i] < u - 1e-12)
      CHECK_NEAR(r, 0.0, tol * gmax); /* stationarity on the free set */
    else if (w[i] <= l + 1e-12)
      CHECK_MSG(r >= -tol * gmax, "lower multiplier %g < 0 (asset %zu)", r, i);
    else
      CHECK_MSG(r <= tol * gmax, "upper multiplier %g < 0 (asset %zu)", -r, i);
  }
}

static void test_diagonal(void) {
  double var[4] = {0.04, 0.09, 0.01, 0.16}, c[16], w[4], rc[4];
  diag4(c, var);
  folio_risk_sizer_opts o = folio_risk_sizer_defaults();
  folio_risk_sizer_info info;
  folio_error err;
  double sv = 0, ss = 0;
  for (int i = 0; i < 4; i++) {
    sv += 1 / var[i];
    ss += 1 / sqrt(var[i]);
  }
  CHECK(folio_min_variance(4, c, 4, SYM4, &o, w, rc, NULL, &info, &err) == FOLIO_OK);
  for (int i = 0; i < 4; i++) CHECK_NEAR(w[i], (1 / var[i]) / sv, 1e-15);
  for (int i = 0; i < 4; i++) CHECK_NEAR(rc[i], w[i], 1e-14); /* diagonal: RC_i = w_i² v_i / w'Σw = w_i */
  CHECK(strcmp(info.method, "closed_form") == 0);
  CHECK_NEAR(info.variance, 1 / sv, 1e-16);
  CHECK(folio_inverse_vol(4, c, 4, SYM4, w, NULL, &info, &err) == FOLIO_OK);
  for (int i = 0; i < 4; i++) CHECK_NEAR(w[i], (1 / sqrt(var[i])) / ss, 1e-15);
  CHECK(folio_risk_parity(4, c, 4, SYM4, &o, w, rc, NULL, &info, &err) == FOLIO_OK);
  for (int i = 0; i < 4; i++) CHECK_NEAR(w[i], (1 / sqrt(var[i])) / ss, 1e-13);
  for (int i = 0; i < 4; i++) CHECK_NEAR(rc[i], 0.25, 1e-12);
  CHECK(info.converged && strcmp(info.method, "newton") == 0);
  /* max-div on a diagonal: y ∝ Σ⁻¹σ = 1/σ, D = sqrt(n) */
  CHECK(folio_max_diversification(4, c, 4, SYM4, &o, w, NULL, NULL, &info, &err) == FOLIO_OK);
  for (int i = 0; i < 4; i++) CHECK_NEAR(w[i], (1 / sqrt(var[i])) / ss, 1e-15);
  CHECK_NEAR(info.diversification_ratio, 2.0, 1e-14);
  CHECK_NEAR(info.objective, 2.0, 1e-14);
  /* risk budgets on a diagonal: w_i ∝ sqrt(b_i) / σ_i */
  double bud[4] = {0.1, 0.2, 0.3, 0.4}, z = 0;
  o.budgets = bud;
  CHECK(folio_risk_parity(4, c, 4, SYM4, &o, w, rc, NULL, &info, &err) == FOLIO_OK);
  for (int i = 0; i < 4; i++) z += sqrt(bud[i] / var[i]);
  for (int i = 0; i < 4; i++) CHECK_NEAR(w[i], sqrt(bud[i] / var[i]) / z, 1e-13);
  for (int i = 0; i < 4; i++) CHECK_NEAR(rc[i], bud[i], 1e-12);
}

static void test_two_assets(void) {
  double s1 = 0.1, s2 = 0.2, rho = 0.9;
  double c[4] = {s1 * s1, rho * s1 * s2, rho * s1 * s2, s2 * s2}, w[2], rc[2];
  const char *sy[] = {"X", "Y"};
  folio_risk_sizer_opts o = folio_risk_sizer_defaults();
  folio_risk_sizer_info info;
  folio_error err;
  /* long/short closed form: w1 = (s2² − ρ s1 s2) / (s1² + s2² − 2ρ s1 s2) */
  double w1 = (s2 * s2 - rho * s1 * s2) / (s1 * s1 + s2 * s2 - 2 * rho * s1 * s2);
  o.long_only = 0;
  CHECK(folio_min_variance(2, c, 2, sy, &o, w, NULL, NULL, &info, &err) == FOLIO_OK);
  CHECK_NEAR(w[0], w1, 1e-14);
  CHECK_NEAR(w[1], 1 - w1, 1e-14);
  CHECK(strcmp(info.method, "closed_form") == 0);
  /* long-only: w1 > 1 is cut to the corner (1, 0) */
  o.long_only = 1;
  CHECK(folio_min_variance(2, c, 2, sy, &o, w, NULL, NULL, &info, &err) == FOLIO_OK);
  CHECK(w[0] == 1.0 && w[1] == 0.0);
  CHECK(strcmp(info.method, "active_set") == 0);
  check_kkt(2, c, w, NULL, NULL, 1e-9);
  /* risk parity of two assets: w1 = s2 / (s1 + s2) whatever ρ */
  CHECK(folio_risk_parity(2, c, 2, sy, &o, w, rc, NULL, &info, &err) == FOLIO_OK);
  CHECK_NEAR(w[0], s2 / (s1 + s2), 1e-13);
  CHECK_NEAR(rc[0], 0.5, 1e-12);
  /* max-div of two assets: long-only y ∝ Σ⁻¹σ = (s2 − ρ s1... ) is interior for ρ < 1:
   * Σ⁻¹σ ∝ (1/s1, 1/s2) (both assets carry the same 1-ρ), so w ∝ 1/σ */
  CHECK(folio_max_diversification(2, c, 2, sy, &o, w, NULL, NULL, &info, &err) == FOLIO_OK);
  CHECK_NEAR(w[0], s2 / (s1 + s2), 1e-13);
  CHECK_NEAR(info.diversification_ratio, sqrt(2.0 / (1 + rho)), 1e-13);
}

static void test_bounds(void) {
  double var[4] = {0.01, 0.04, 0.04, 0.04}, c[16], w[4], up[4] = {0.3, 0.3, 0.3, 0.3};
  diag4(c, var);
  folio_risk_sizer_opts o = folio_risk_sizer_defaults();
  folio_risk_sizer_info info;
  folio_error err;
  o.upper = up;
  CHECK(folio_min_variance(4, c, 4, SYM4, &o, w, NULL, NULL, &info, &err) == FOLIO_OK);
  CHECK_NEAR(w[0], 0.3, 1e-15);
  for (int i = 1; i < 4; i++) CHECK_NEAR(w[i], 0.7 / 3, 1e-15);
  check_kkt(4, c, w, NULL, up, 1e-9);
  /* long/short with a floor: the corner case of sum(lower) = 1 exactly */
  double lo[4] = {0.25, 0.25, 0.25, 0.25};
  o.lower = lo;
  o.upper = NULL;
  CHECK(folio_min_variance(4, c, 4, SYM4, &o, w, NULL, NULL, &info, &err) == FOLIO_OK);
  for (int i = 0; i < 4; i++) CHECK_NEAR(w[i], 0.25, 1e-15);
  /* long/short bounded below by -0.2: a dense Σ where shorting pays */
  double d[16] = {0.04, 0.038, 0.01, 0.0, 0.038, 0.04, 0.01, 0.0,
                  0.01, 0.01,  0.09, 0.02, 0.0, 0.0,  0.02, 0.16};
  double l2[4] = {-0.2, -0.2, -0.2, -0.2}, u2[4] = {0.6, 0.6, 0.6, 0.6};
  o.long_only = 0;
  o.lower = l2;
  o.upper = u2;
  CHECK(folio_min_variance(4, d, 4, SYM4, &o, w, NULL, NULL, &info, &err) == FOLIO_OK);
  check_kkt(4, d, w, l2, u2, 1e-9);
  o.lower = o.upper = NULL;
  CHECK(folio_min_variance(4, d, 4, SYM4, &o, w, NULL, NULL, &info, &err) == FOLIO_OK);
  CHECK(strcmp(info.method, "closed_form") == 0);
  double inf_lo[4] = {-INFINITY, -INFINITY, -INFINITY, -INFINITY};
  check_kkt(4, d, w, inf_lo, NULL, 1e-9);
}

static void test_single_asset(void) {
  double c[1] = {0.04}, w[1], rc[1];
  const char *sy[] = {"ONE"};
  folio_risk_sizer_opts o = folio_risk_sizer_defaults();
  folio_risk_sizer_info info;
  folio_error err;
  CHECK(folio_min_variance(1, c, 1, sy, &o, w, rc, NULL, &info, &err) == FOLIO_OK && w[0] == 1.0);
  CHECK(folio_max_diversification(1, c, 1, sy, &o, w, rc, NULL, &info, &err) == FOLIO_OK &&
        w[0] == 1.0);
  CHECK(folio_risk_parity(1, c, 1, sy, &o, w, rc, NULL, &info, &err) == FOLIO_OK && w[0] == 1.0);
  CHECK(rc[0] == 1.0);
  CHECK(folio_inverse_vol(1, c, 1, sy, w, rc, &info, &err) == FOLIO_OK && w[0] == 1.0);
  double up[1] = {0.5};
  o.upper = up;
  CHECK_ERR(folio_min_variance(1, c, 1, sy, &o, w, rc, NULL, &info, &err), err, FOLIO_EINVAL,
            "upper bounds sum to 0.5");
}

static void test_bad_inputs(void) {
  double var[4] = {0.04, 0.09, 0.01, 0.16}, c[16], w[4];
  diag4(c, var);
  folio_risk_sizer_opts o = folio_risk_sizer_defaults();
  folio_risk_sizer_info info;
  folio_error err;
  double bad[16];
  memcpy(bad, c, sizeof bad);
  bad[1] = NAN;
  CHECK_ERR(folio_min_variance(4, bad, 4, SYM4, &o, w, NULL, NULL, &info, &err), err,
            FOLIO_ENOTFINITE, "symbol BBB, AAA");
  CHECK_ERR(folio_risk_parity(4, bad, 4, SYM4, &o, w, NULL, NULL, &info, &err), err,
            FOLIO_ENOTFINITE, "risk_parity: cov is not finite");
  bad[1] = 0.001; /* asymmetric */
  CHECK_ERR(folio_max_diversification(4, bad, 4, SYM4, &o, w, NULL, NULL, &info, &err), err,
            FOLIO_ENOTSYM, "symbols AAA and BBB");
  memcpy(bad, c, sizeof bad);
  bad[10] = 0.0; /* constant asset */
  CHECK_ERR(folio_min_variance(4, bad, 4, SYM4, &o, w, NULL, NULL, &info, &err), err,
            FOLIO_EDEGENERATE, "zero variance (symbol CCC)");
  CHECK_ERR(folio_inverse_vol(4, bad, 4, SYM4, w, NULL, &info, &err), err, FOLIO_EDEGENERATE,
            "zero variance (symbol CCC)");
  CHECK_ERR(folio_risk_parity(4, bad, 4, SYM4, &o, w, NULL, NULL, &info, &err), err,
            FOLIO_EDEGENERATE, "symbol CCC");
  bad[10] = -0.01;
  CHECK_ERR(folio_max_diversification(4, bad, 4, SYM4, &o, w, NULL, NULL, &info, &err), err,
            FOLIO_ENOTPD, "negative variance (symbol CCC");
  /* perfectly correlated pair AAA/BBB: singular */
  double pc[16];
  diag4(pc, (double[]){0.04, 0.04, 0.01, 0.16});
  pc[1] = pc[4] = 0.04;
  CHECK_ERR(folio_min_variance(4, pc, 4, SYM4, &o, w, NULL, NULL, &info, &err), err, FOLIO_ENOTPD,
            "min_variance: cov is not positive definite (symbol BBB)");
  CHECK_ERR(folio_risk_parity(4, pc, 4, SYM4, &o, w, NULL, NULL, &info, &err), err, FOLIO_ENOTPD,
            "symbol BBB");
  CHECK_ERR(folio_max_diversification(4, pc, 4, SYM4, &o, w, NULL, NULL, &info, &err), err,
            FOLIO_ENOTPD, "symbol BBB");
  /* bounds */
  double lo[4] = {0.3, 0.3, 0.3, 0.3}, up[4] = {0.2, 0.2, 0.2, 0.2};
  o.lower = lo;
  CHECK_ERR(folio_min_variance(4, c, 4, SYM4, &o, w, NULL, NULL, &info, &err), err, FOLIO_EINVAL,
            "infeasible bounds: the lower bounds sum to 1.2");
  o.lower = NULL;
  o.upper = up;
  CHECK_ERR(folio_min_variance(4, c, 4, SYM4, &o, w, NULL, NULL, &info, &err), err, FOLIO_EINVAL,
            "infeasible bounds: the upper bounds sum to 0.8");
  double lo2[4] = {0, 0.5, 0, 0}, up2[4] = {1, 0.4, 1, 1};
  o.lower = lo2;
  o.upper = up2;
  CHECK_ERR(folio_min_variance(4, c, 4, SYM4, &o, w, NULL, NULL, &info, &err), err, FOLIO_EINVAL,
            "lower bound 0.5 > upper bound 0.4 (symbol BBB)");
  double neg[4] = {-0.1, 0, 0, 0};
  o.lower = neg;
  o.upper = NULL;
  CHECK_ERR(folio_min_variance(4, c, 4, SYM4, &o, w, NULL, NULL, &info, &err), err, FOLIO_EINVAL,
            "< 0 with long_only (symbol AAA)");
  double nanb[4] = {0, 0, NAN, 0};
  o.lower = nanb;
  CHECK_ERR(folio_min_variance(4, c, 4, SYM4, &o, w, NULL, NULL, &info, &err), err, FOLIO_EINVAL,
            "lower bound is NaN (symbol CCC)");
  CHECK_ERR(folio_max_diversification(4, c, 4, SYM4, &o, w, NULL, NULL, &info, &err), err,
            FOLIO_EINVAL, "bounds are not supported");
  CHECK_ERR(folio_risk_parity(4, c, 4, SYM4, &o, w, NULL, NULL, &info, &err), err, FOLIO_EINVAL,
            "bounds are not supported");
  o = folio_risk_sizer_defaults();
  /* budgets */
  double b1[4] = {0.25, 0.25, 0.25, 0.2500001}, b2[4] = {0.5, 0.5, 0.0, 0.0},
         b3[4] = {0.25, NAN, 0.25, 0.25};
  o.budgets = b1;
  CHECK_ERR(folio_risk_parity(4, c, 4, SYM4, &o, w, NULL, NULL, &info, &err), err, FOLIO_EINVAL,
            "risk budgets sum to 1.0000001");
  o.budgets = b2;
  CHECK_ERR(folio_risk_parity(4, c, 4, SYM4, &o, w, NULL, NULL, &info, &err), err, FOLIO_EINVAL,
            "risk budget must be finite and > 0 (symbol CCC: 0)");
  o.budgets = b3;
  CHECK_ERR(folio_risk_parity(4, c, 4, SYM4, &o, w, NULL, NULL, &info, &err), err, FOLIO_EINVAL,
            "(symbol BBB: nan)");
  o = folio_risk_sizer_defaults();
  o.long_only = 0;
  CHECK_ERR(folio_risk_parity(4, c, 4, SYM4, &o, w, NULL, NULL, &info, &err), err, FOLIO_EINVAL,
            "long-only");
  o = folio_risk_sizer_defaults();
  o.tol = 0;
  CHECK_ERR(folio_risk_parity(4, c, 4, SYM4, &o, w, NULL, NULL, &info, &err), err, FOLIO_EINVAL,
            "tol must be");
  o = folio_risk_sizer_defaults();
  o.max_iter = 0;
  CHECK_ERR(folio_min_variance(4, c, 4, SYM4, &o, w, NULL, NULL, &info, &err), err, FOLIO_EINVAL,
            "max_iter");
  o = folio_risk_sizer_defaults();
  o.repair = (folio_repair)9;
  CHECK_ERR(folio_min_variance(4, c, 4, SYM4, &o, w, NULL, NULL, &info, &err), err, FOLIO_EINVAL,
            "unknown repair");
  o = folio_risk_sizer_defaults();
  /* shapes and symbols */
  CHECK_ERR(folio_min_variance(0, c, 4, SYM4, &o, w, NULL, NULL, &info, &err), err, FOLIO_EEMPTY,
            "no assets");
  CHECK_ERR(folio_min_variance(4, c, 3, SYM4, &o, w, NULL, NULL, &info, &err), err, FOLIO_EINVAL,
            "ld_cov 3 < n_assets 4");
  CHECK_ERR(folio_min_variance(4, NULL, 4, SYM4, &o, w, NULL, NULL, &info, &err), err, FOLIO_EINVAL,
            "cov is NULL");
  CHECK_ERR(folio_min_variance(4, c, 4, SYM4, NULL, w, NULL, NULL, &info, &err), err, FOLIO_EINVAL,
            "opts is NULL");
  CHECK_ERR(folio_inverse_vol(4, c, 4, SYM4, NULL, NULL, &info, &err), err, FOLIO_EINVAL,
            "weights is NULL");
  const char *dup[] = {"AAA", "BBB", "AAA", "DDD"}, *empty[] = {"AAA", "", "CCC", "DDD"};
  CHECK_ERR(folio_min_variance(4, c, 4, dup, &o, w, NULL, NULL, &info, &err), err, FOLIO_EDUP,
            "duplicate symbol AAA");
  CHECK_ERR(folio_inverse_vol(4, c, 4, empty, w, NULL, &info, &err), err, FOLIO_EINVAL,
            "symbol #2 is empty");
  /* without symbols, assets are named by position */
  memcpy(bad, c, sizeof bad);
  bad[15] = 0.0;
  CHECK_ERR(folio_min_variance(4, bad, 4, NULL, &o, w, NULL, NULL, &info, &err), err,
            FOLIO_EDEGENERATE, "symbol #4");
}

/* Fewer rows than assets: the sample covariance is singular. */
static void test_short_sample(void) {
  enum { T = 3, A = 5 };
  tl_rng r = {42};
  double x[T * A], mean[A], c[A * A], w[A];
  const char *sy[] = {"A", "B", "C", "D", "E"};
  for (int i = 0; i < T * A; i++) x[i] = 0.01 * tl_normal(&r);
  for (int j = 0; j < A; j++) {
    mean[j] = 0;
    for (int t = 0; t < T; t++) mean[j] += x[t + j * T] / T;
  }
  for (int i = 0; i < A; i++)
    for (int j = 0; j < A; j++) {
      double s = 0;
      for (int t = 0; t < T; t++) s += (x[t + i * T] - mean[i]) * (x[t + j * T] - mean[j]);
      c[i + j * A] = s / (T - 1);
    }
  for (int i = 0; i < A; i++)
    for (int j = 0; j < i; j++) c[j + i * A] = c[i + j * A]; /* exact symmetry */
  folio_risk_sizer_opts o = folio_risk_sizer_defaults();
  folio_risk_sizer_info info;
  folio_error err;
  CHECK_ERR(folio_min_variance(A, c, A, sy, &o, w, NULL, NULL, &info, &err), err, FOLIO_ENOTPD,
            "not positive definite (symbol");
  o.repair = FOLIO_REPAIR_CLIP;
  folio_status st = folio_min_variance(A, c, A, sy, &o, w, NULL, NULL, &info, &err);
  CHECK_MSG(st == FOLIO_OK, "%s", err.message);
  if (st == FOLIO_OK) {
    CHECK(info.repair.applied == 1 && info.repair.method == FOLIO_REPAIR_CLIP);
    double s = 0;
    for (int i = 0; i < A; i++) s += w[i];
    CHECK_NEAR(s, 1.0, 1e-12);
  }
  o.repair = FOLIO_REPAIR_RIDGE;
  st = folio_risk_parity(A, c, A, sy, &o, w, NULL, NULL, &info, &err);
  CHECK_MSG(st == FOLIO_OK, "%s", err.message);
  if (st == FOLIO_OK) CHECK(info.repair.applied == 1 && info.repair.ridge > 0);
  /* a positive definite matrix is not touched by any repair */
  double d[4] = {0.04, 0.01, 0.01, 0.09};
  o.repair = FOLIO_REPAIR_HIGHAM;
  CHECK(folio_min_variance(2, d, 2, sy, &o, w, NULL, NULL, &info, &err) == FOLIO_OK);
  CHECK(info.repair.applied == 0);
}

/* A dense 6 x 6 case: KKT of min-variance under bounds, ERC of risk parity,
 * and the workspace path giving the same bits as the malloc path. */
static void test_dense(void) {
  enum { N = 6 };
  tl_rng r = {7};
  double b[N * 12], c[N * N], w[N], w2[N], rc[N];
  const char *sy[] = {"F", "E", "D", "C", "B", "A"};
  for (int i = 0; i < N * 12; i++) b[i] = tl_normal(&r) * 0.1;
  for (int i = 0; i < N; i++)
    for (int j = 0; j < N; j++) {
      double s = 0;
      for (int t = 0; t < 12; t++) s += b[t + i * 12] * b[t + j * 12];
      c[i + j * N] = s / 12 + (i == j ? 0.001 : 0);
    }
  folio_risk_sizer_opts o = folio_risk_sizer_defaults();
  folio_risk_sizer_info info;
  folio_error err;
  double up[N] = {0.3, 0.3, 0.3, 0.3, 0.3, 0.3};
  o.upper = up;
  CHECK(folio_min_variance(N, c, N, sy, &o, w, rc, NULL, &info, &err) == FOLIO_OK);
  check_kkt(N, c, w, NULL, up, 1e-9);
  void *work = malloc(folio_risk_sizer_work_size(N));
  CHECK(folio_min_variance(N, c, N, sy, &o, w2, rc, work, &info, &err) == FOLIO_OK);
  CHECK(memcmp(w, w2, sizeof w) == 0);
  o.upper = NULL;
  CHECK(folio_risk_parity(N, c, N, sy, &o, w, rc, work, &info, &err) == FOLIO_OK);
  for (int i = 0; i < N; i++) CHECK_NEAR(rc[i], 1.0 / N, 1e-12);
  CHECK(info.objective <= 1e-12 && info.iterations < 20);
  free(work);
}

int main(void) {
  test_diagonal();
  test_two_assets();
  test_bounds();
  test_single_asset();
  test_bad_inputs();
  test_short_sample();
  test_dense();
  return tl_finish("test_risk_sizers");
}
