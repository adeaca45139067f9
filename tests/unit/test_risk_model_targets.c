/*
 * test_risk_model_targets.c — unit and property tests for the risk models
 * added to risk_model.c: Ledoit-Wolf towards single_factor and
 * constant_correlation (against PyPortfolioOpt's formulas written out
 * literally with full A x A matrices), OAS (scikit-learn's formula),
 * semicovariance; the constant_variance target bit-identical to
 * folio_ledoit_wolf; on random instances (fixed seeds) the shrinkage in
 * [0, 1], results exactly symmetric and positive semidefinite, the
 * semicovariance inside its bounds; and the bad inputs.
 */
#include <lapacke.h>
#include <math.h>

#include "folio/risk_model.h"
#include "testlib.h"

static const char *const SY[] = {"AAA", "BBB", "CCC", "DDD", "EEE", "FFF", "GGG", "HHH"};
static const char *const DATES[] = {"d1", "d2", "d3", "d4", "d5", "d6", "d7", "d8", "d9", "d10"};

#define MAXP 8

static void centre(const double *x, size_t n, size_t p, double *xm) {
  for (size_t j = 0; j < p; j++) {
    double m = 0;
    for (size_t t = 0; t < n; t++) m += x[t + j * n];
    m /= (double)n;
    for (size_t t = 0; t < n; t++) xm[t + j * n] = x[t + j * n] - m;
  }
}

/* A'B / d for n x p matrices (p x p result). */
static void atb(const double *a, const double *b, size_t n, size_t p, double d, double *out) {
  for (size_t i = 0; i < p; i++)
    for (size_t j = 0; j < p; j++) {
      double s = 0;
      for (size_t t = 0; t < n; t++) s += a[t + i * n] * b[t + j * n];
      out[i + j * p] = s / d;
    }
}

/* PyPortfolioOpt's _ledoit_wolf_single_factor, line by line. */
static double naive_single_factor(const double *x, size_t n, size_t p, double *out) {
  double xm[4000], y[4000], z[4000], xmkt[500];
  double sample[MAXP * MAXP], F[MAXP * MAXP], yy[MAXP * MAXP], yz[MAXP * MAXP], zz[MAXP * MAXP];
  double betas[MAXP];
  const double t = (double)n;
  centre(x, n, p, xm);
  for (size_t r = 0; r < n; r++) {
    double s = 0;
    for (size_t j = 0; j < p; j++) s += xm[r + j * n];
    xmkt[r] = s / (double)p;
  }
  atb(xm, xm, n, p, t, sample);
  double varmkt = 0;
  for (size_t r = 0; r < n; r++) varmkt += xmkt[r] * xmkt[r];
  varmkt /= t;
  for (size_t j = 0; j < p; j++) {
    double s = 0;
    for (size_t r = 0; r < n; r++) s += xm[r + j * n] * xmkt[r];
    betas[j] = s / t;
  }
  for (size_t i = 0; i < p; i++)
    for (size_t j = 0; j < p; j++)
      F[i + j * p] = i == j ? sample[i + i * p] : betas[i] * betas[j] / varmkt;
  double c = 0;
  for (size_t e = 0; e < p * p; e++) c += (sample[e] - F[e]) * (sample[e] - F[e]);
  for (size_t e = 0; e < n * p; e++) {
    y[e] = xm[e] * xm[e];
    z[e] = xm[e] * xmkt[e % n];
  }
  atb(y, y, n, p, 1, yy);
  atb(y, z, n, p, 1, yz);
  atb(z, z, n, p, 1, zz);
  double pp = 0, s2 = 0, y2 = 0, d2 = 0;
  for (size_t e = 0; e < p * p; e++) {
    pp += yy[e];
    s2 += sample[e] * sample[e];
  }
  pp = pp / t - s2;
  for (size_t e = 0; e < n * p; e++) y2 += y[e] * y[e];
  for (size_t j = 0; j < p; j++) d2 += sample[j + j * p] * sample[j + j * p];
  double rdiag = y2 / t - d2;
  double roff1 = 0, roff1d = 0, roff3 = 0, roff3d = 0;
  for (size_t i = 0; i < p; i++)
    for (size_t j = 0; j < p; j++) {
      double v1 = yz[i + j * p] / t - betas[i] * sample[i + j * p];
      double v3 = zz[i + j * p] / t - varmkt * sample[i + j * p];
      roff1 += v1 * betas[j];
      roff3 += v3 * betas[i] * betas[j];
      if (i == j) {
        roff1d += v1 * betas[i];
        roff3d += v3 * betas[i] * betas[i];
      }
    }
  double roff = 2 * (roff1 - roff1d) / varmkt - (roff3 - roff3d) / (varmkt * varmkt);
  double k = (pp - (rdiag + roff)) / c;
  double delta = fmax(0, fmin(1, k / t));
  for (size_t e = 0; e < p * p; e++) out[e] = delta * F[e] + (1 - delta) * sample[e];
  return delta;
}

/* PyPortfolioOpt's _ledoit_wolf_constant_correlation, line by line (no gaps). */
static double naive_constant_correlation(const double *x, size_t n, size_t p, double *out) {
  double xm[4000], y[4000], x3[4000];
  double S[MAXP * MAXP], F[MAXP * MAXP], yy[MAXP * MAXP], h[MAXP * MAXP], t1[MAXP * MAXP], sd[MAXP];
  const double t = (double)n;
  centre(x, n, p, xm);
  atb(xm, xm, n, p, t - 1, S);
  for (size_t j = 0; j < p; j++) sd[j] = sqrt(S[j + j * p]);
  double rs = 0;
  for (size_t i = 0; i < p; i++)
    for (size_t j = 0; j < p; j++) rs += S[i + j * p] / (sd[i] * sd[j]);
  double r_bar = (rs - (double)p) / ((double)p * (double)(p - 1));
  for (size_t i = 0; i < p; i++)
    for (size_t j = 0; j < p; j++) F[i + j * p] = i == j ? S[i + i * p] : r_bar * sd[i] * sd[j];
  for (size_t e = 0; e < n * p; e++) {
    y[e] = xm[e] * xm[e];
    x3[e] = y[e] * xm[e];
  }
  atb(y, y, n, p, 1, yy);
  atb(xm, xm, n, p, 1, h);
  atb(x3, xm, n, p, t, t1);
  double pi_hat = 0, pi_diag = 0, theta = 0, gamma = 0;
  for (size_t i = 0; i < p; i++)
    for (size_t j = 0; j < p; j++) {
      double pm = yy[i + j * p] / t - 2 * h[i + j * p] * S[i + j * p] / t + S[i + j * p] * S[i + j * p];
      pi_hat += pm;
      if (i == j) pi_diag += pm;
      double help = h[i + j * p] / t, vi = S[i + i * p];
      double th = t1[i + j * p] - h[i + i * p] / t * S[i + j * p] - help * vi + vi * S[i + j * p];
      if (i != j) theta += sd[j] / sd[i] * th;
      gamma += (S[i + j * p] - F[i + j * p]) * (S[i + j * p] - F[i + j * p]);
    }
  double rho = pi_diag + r_bar * theta;
  double delta = fmax(0, fmin(1, (pi_hat - rho) / gamma / t));
  for (size_t e = 0; e < p * p; e++) out[e] = delta * F[e] + (1 - delta) * S[e];
  return delta;
}

static double naive_oas(const double *x, size_t n, size_t p, double *out) {
  double xm[4000], S[MAXP * MAXP];
  centre(x, n, p, xm);
  atb(xm, xm, n, p, (double)n, S);
  double tr = 0, a = 0;
  for (size_t j = 0; j < p; j++) tr += S[j + j * p];
  for (size_t e = 0; e < p * p; e++) a += S[e] * S[e];
  double mu = tr / (double)p;
  a /= (double)(p * p);
  double num = a + mu * mu, den = ((double)n + 1) * (a - mu * mu / (double)p);
  double s = p == 1 ? 0 : den == 0 ? 1 : fmin(num / den, 1);
  for (size_t e = 0; e < p * p; e++) out[e] = (1 - s) * S[e];
  for (size_t j = 0; j < p; j++) out[j + j * p] += s * mu;
  return s;
}

static double max_rel(const double *a, const double *b, size_t p) {
  double worst = 0;
  for (size_t i = 0; i < p; i++)
    for (size_t j = 0; j < p; j++) {
      double d = fabs(a[i + j * p] - b[i + j * p]) / sqrt(fabs(b[i + i * p] * b[j + j * p]) + 1e-300);
      if (!(d <= worst)) worst = d;
    }
  return worst;
}

/* Exactly symmetric, and its smallest eigenvalue >= -1e-12 x the largest. */
static int symmetric_psd(const double *c, size_t p) {
  for (size_t i = 0; i < p; i++)
    for (size_t j = 0; j < i; j++)
      if (c[i + j * p] != c[j + i * p]) return 0;
  double a[MAXP * MAXP], w[MAXP];
  memcpy(a, c, sizeof(double) * p * p);
  if (LAPACKE_dsyev(LAPACK_COL_MAJOR, 'N', 'U', (lapack_int)p, a, (lapack_int)p, w) != 0) return 0;
  return w[0] >= -1e-12 * fabs(w[p - 1]);
}

/* Random returns: a common factor plus noise, some rows fewer than assets. */
static void fill(tl_rng *g, double *x, size_t n, size_t p) {
  for (size_t t = 0; t < n; t++) {
    double m = 0.01 * tl_normal(g);
    for (size_t j = 0; j < p; j++)
      x[t + j * n] = (0.3 + 0.2 * (double)j) * m + 0.01 * (1 + (double)j / 4) * tl_normal(g);
  }
}

static void test_against_formulas(void) {
  tl_rng g = {2024};
  double worst_sf = 0, worst_cc = 0, worst_oas = 0;
  for (int k = 0; k < 1000; k++) {
    size_t n = 3 + tl_index(&g, 200), p = 2 + tl_index(&g, MAXP - 1);
    double x[4000], c[MAXP * MAXP], want[MAXP * MAXP];
    if (n * p > 4000) n = 4000 / p;
    fill(&g, x, n, p);
    folio_panel pa = {x, n, p, n, DATES, SY};
    folio_lw_info info;
    folio_error err;
    double s = naive_single_factor(x, n, p, want);
    CHECK(folio_ledoit_wolf_target(&pa, FOLIO_LW_SINGLE_FACTOR, FOLIO_MISSING_ERROR, 1.0, c, p, NULL, &info, &err) == FOLIO_OK);
    worst_sf = fmax(worst_sf, max_rel(c, want, p));
    CHECK_MSG(fabs(info.shrinkage - s) <= 1e-9, "single factor shrinkage %.17g vs %.17g (n %zu p %zu)", info.shrinkage, s, n, p);
    CHECK(info.shrinkage >= 0 && info.shrinkage <= 1 && info.rows_used == n);
    CHECK(symmetric_psd(c, p));
    s = naive_constant_correlation(x, n, p, want);
    CHECK(folio_ledoit_wolf_target(&pa, FOLIO_LW_CONSTANT_CORRELATION, FOLIO_MISSING_ERROR, 1.0, c, p, NULL, &info, &err) == FOLIO_OK);
    worst_cc = fmax(worst_cc, max_rel(c, want, p));
    /* two assets: the target is S itself, the peer's delta is a ratio of rounding noise */
    if (p > 2) CHECK_MSG(fabs(info.shrinkage - s) <= 1e-9, "constant correlation shrinkage %.17g vs %.17g", info.shrinkage, s);
    else CHECK(info.shrinkage == 0);
    CHECK(info.shrinkage >= 0 && info.shrinkage <= 1);
    CHECK(symmetric_psd(c, p));
    s = naive_oas(x, n, p, want);
    CHECK(folio_oas(&pa, FOLIO_MISSING_ERROR, 1.0, c, p, NULL, &info, &err) == FOLIO_OK);
    worst_oas = fmax(worst_oas, max_rel(c, want, p));
    CHECK_NEAR(info.shrinkage, s, 1e-13);
    CHECK(info.shrinkage >= 0 && info.shrinkage <= 1);
    CHECK(symmetric_psd(c, p));
  }
  CHECK_MSG(worst_sf <= 1e-12, "single factor deviates %.3g", worst_sf);
  CHECK_MSG(worst_cc <= 1e-12, "constant correlation deviates %.3g", worst_cc);
  CHECK_MSG(worst_oas <= 1e-13, "oas deviates %.3g", worst_oas);
  printf("  1000 random instances: worst deviation single_factor %.3g, constant_correlation %.3g, oas %.3g\n",
         worst_sf, worst_cc, worst_oas);
}

/* constant_variance is folio_ledoit_wolf itself, bit for bit; scale is linear. */
static void test_constant_variance_identical(void) {
  tl_rng g = {5};
  double x[400], a[36], b[36];
  fill(&g, x, 60, 6);
  x[7] = NAN;
  folio_panel pa = {x, 60, 6, 60, DATES, SY};
  folio_lw_info i1, i2;
  folio_error err;
  for (int m = 0; m < 3; m++) {
    folio_missing miss = m == 0 ? FOLIO_MISSING_ZERO : m == 1 ? FOLIO_MISSING_COMPLETE : FOLIO_MISSING_ZERO;
    CHECK(folio_ledoit_wolf(&pa, miss, 252, a, 6, NULL, &i1, &err) == FOLIO_OK);
    CHECK(folio_ledoit_wolf_target(&pa, FOLIO_LW_CONSTANT_VARIANCE, miss, 252, b, 6, NULL, &i2, &err) == FOLIO_OK);
    CHECK(memcmp(a, b, sizeof a) == 0);
    CHECK(i1.shrinkage == i2.shrinkage && i1.mu == i2.mu && i1.rows_used == i2.rows_used &&
          i1.had_missing == i2.had_missing);
  }
  CHECK(folio_ledoit_wolf_target_work_size(60, 6) >= folio_ledoit_wolf_work_size(60, 6));
  /* a caller workspace, misaligned */
  size_t ws = folio_ledoit_wolf_target_work_size(60, 6);
  unsigned char *buf = malloc(ws + 5);
  CHECK(folio_ledoit_wolf_target(&pa, FOLIO_LW_CONSTANT_CORRELATION, FOLIO_MISSING_ZERO, 252, b, 6, buf + 5, NULL, &err) == FOLIO_OK);
  CHECK(folio_ledoit_wolf_target(&pa, FOLIO_LW_CONSTANT_CORRELATION, FOLIO_MISSING_ZERO, 1, a, 6, NULL, NULL, &err) == FOLIO_OK);
  for (int e = 0; e < 36; e++) CHECK_NEAR(b[e], 252 * a[e], 1e-15 * fabs(252 * a[e]));
  free(buf);
}

static void test_semicovariance(void) {
  tl_rng g = {99};
  for (int k = 0; k < 1000; k++) {
    size_t n = 2 + tl_index(&g, 100), p = 1 + tl_index(&g, MAXP);
    double x[800], c[MAXP * MAXP], full[MAXP * MAXP];
    if (n * p > 800) n = 800 / p;
    fill(&g, x, n, p);
    double b = 0.005 * tl_normal(&g), f = 1 + tl_index(&g, 252);
    folio_panel pa = {x, n, p, n, DATES, SY};
    folio_cov_info info;
    folio_error err;
    CHECK(folio_semicovariance(&pa, FOLIO_MISSING_ERROR, b, f, c, p, NULL, &info, &err) == FOLIO_OK);
    CHECK(symmetric_psd(c, p));
    CHECK_EQ_INT(info.rows_used, n);
    /* the definition, and the bounds: C_jj <= f mean (r - b)^2, |C_ij| <= sqrt(C_ii C_jj) */
    for (size_t i = 0; i < p; i++) {
      double m2 = 0;
      for (size_t t = 0; t < n; t++) m2 += (x[t + i * n] - b) * (x[t + i * n] - b);
      CHECK(c[i + i * p] <= f * m2 / (double)n * (1 + 1e-12));
      for (size_t j = 0; j < p; j++) {
        double s = 0;
        for (size_t t = 0; t < n; t++) s += fmin(x[t + i * n] - b, 0) * fmin(x[t + j * n] - b, 0);
        full[i + j * p] = f * s / (double)n;
        CHECK(fabs(c[i + j * p]) <= sqrt(c[i + i * p] * c[j + j * p]) * (1 + 1e-12) + 1e-300);
      }
    }
    CHECK(max_rel(c, full, p) <= 1e-13);
  }
  /* below every return: no downside at all; above every return: the second moment about b */
  double x[] = {0.01, 0.02, -0.01, 0.03, 0.0, -0.02};
  folio_panel pa = {x, 3, 2, 3, DATES, SY};
  double c[4];
  folio_error err;
  CHECK(folio_semicovariance(&pa, FOLIO_MISSING_ERROR, -1.0, 252, c, 2, NULL, NULL, &err) == FOLIO_OK);
  CHECK(c[0] == 0 && c[1] == 0 && c[2] == 0 && c[3] == 0);
  CHECK(folio_semicovariance(&pa, FOLIO_MISSING_ERROR, 1.0, 1, c, 2, NULL, NULL, &err) == FOLIO_OK);
  CHECK_NEAR(c[1], ((0.01 - 1) * (0.03 - 1) + (0.02 - 1) * (0.0 - 1) + (-0.01 - 1) * (-0.02 - 1)) / 3, 1e-15);
  /* missing: zero (a NaN is no downside, every row counts), complete, error */
  double xg[] = {-0.01, NAN, -0.02, 0.01, -0.03, -0.01};
  folio_panel pg = {xg, 3, 2, 3, DATES, SY};
  folio_cov_info info;
  CHECK(folio_semicovariance(&pg, FOLIO_MISSING_ZERO, 0, 1, c, 2, NULL, &info, &err) == FOLIO_OK);
  CHECK_NEAR(c[0], (1e-4 + 0 + 4e-4) / 3, 1e-18);
  CHECK_NEAR(c[2], (0 + 0 + 0.02 * 0.01) / 3, 1e-18);
  CHECK(info.had_missing && info.rows_used == 3);
  CHECK(folio_semicovariance(&pg, FOLIO_MISSING_COMPLETE, 0, 1, c, 2, NULL, &info, &err) == FOLIO_OK);
  CHECK_EQ_INT(info.rows_used, 2);
  CHECK_NEAR(c[0], (1e-4 + 4e-4) / 2, 1e-18);
  CHECK_ERR(folio_semicovariance(&pg, FOLIO_MISSING_ERROR, 0, 1, c, 2, NULL, NULL, &err), err, FOLIO_EMISSING, "missing return (symbol AAA, row d2)");
}

static void test_gaps_and_shapes(void) {
  /* zero: NaN read as 0 (single_factor and OAS equal the filled panel) */
  tl_rng g = {3};
  double x[120], filled[120], a[16], b[16];
  fill(&g, x, 30, 4);
  x[5] = x[40] = NAN;
  memcpy(filled, x, sizeof x);
  filled[5] = filled[40] = 0;
  folio_panel px = {x, 30, 4, 30, DATES, SY}, pf = {filled, 30, 4, 30, DATES, SY};
  folio_lw_info info;
  folio_error err;
  CHECK(folio_ledoit_wolf_target(&px, FOLIO_LW_SINGLE_FACTOR, FOLIO_MISSING_ZERO, 1, a, 4, NULL, &info, &err) == FOLIO_OK);
  CHECK(info.had_missing && info.rows_used == 30);
  CHECK(folio_ledoit_wolf_target(&pf, FOLIO_LW_SINGLE_FACTOR, FOLIO_MISSING_ERROR, 1, b, 4, NULL, NULL, &err) == FOLIO_OK);
  CHECK(memcmp(a, b, sizeof a) == 0);
  CHECK(folio_oas(&px, FOLIO_MISSING_ZERO, 1, a, 4, NULL, NULL, &err) == FOLIO_OK);
  CHECK(folio_oas(&pf, FOLIO_MISSING_ERROR, 1, b, 4, NULL, NULL, &err) == FOLIO_OK);
  CHECK(memcmp(a, b, sizeof a) == 0);
  /* constant_correlation under zero takes S pairwise over the gaps (PyPortfolioOpt) */
  CHECK(folio_ledoit_wolf_target(&px, FOLIO_LW_CONSTANT_CORRELATION, FOLIO_MISSING_ZERO, 1, a, 4, NULL, &info, &err) == FOLIO_OK);
  double s[16];
  CHECK(folio_sample_cov(&px, FOLIO_MISSING_PAIRWISE, 1, s, 4, NULL, NULL, &err) == FOLIO_OK);
  CHECK_NEAR(a[0], s[0], 1e-18); /* the diagonal is S's */
  CHECK(folio_ledoit_wolf_target(&px, FOLIO_LW_CONSTANT_CORRELATION, FOLIO_MISSING_COMPLETE, 1, a, 4, NULL, &info, &err) == FOLIO_OK);
  CHECK_EQ_INT(info.rows_used, 28);
  /* one asset: OAS and the targets return the variance unshrunk */
  double one[] = {0.01, 0.03, -0.02, 0.0};
  folio_panel p1 = {one, 4, 1, 4, DATES, SY};
  double v = 0, m = 0.005;
  for (int t = 0; t < 4; t++) v += (one[t] - m) * (one[t] - m);
  CHECK(folio_oas(&p1, FOLIO_MISSING_ERROR, 1, a, 1, NULL, &info, &err) == FOLIO_OK);
  CHECK_NEAR(a[0], v / 4, 1e-18);
  CHECK(info.shrinkage == 0);
  CHECK(folio_ledoit_wolf_target(&p1, FOLIO_LW_CONSTANT_CORRELATION, FOLIO_MISSING_ERROR, 1, a, 1, NULL, &info, &err) == FOLIO_OK);
  CHECK_NEAR(a[0], v / 3, 1e-18);
  CHECK(info.shrinkage == 0);
  /* fewer rows than assets: still PSD, shrinkage in [0, 1] */
  double few[24];
  fill(&g, few, 3, 8);
  folio_panel pw = {few, 3, 8, 3, DATES, SY};
  double c[64];
  for (folio_lw_target tg = FOLIO_LW_SINGLE_FACTOR; tg <= FOLIO_LW_CONSTANT_CORRELATION; tg++) {
    CHECK(folio_ledoit_wolf_target(&pw, tg, FOLIO_MISSING_ERROR, 1, c, 8, NULL, &info, &err) == FOLIO_OK);
    CHECK(info.shrinkage >= 0 && info.shrinkage <= 1 && symmetric_psd(c, 8));
  }
  CHECK(folio_oas(&pw, FOLIO_MISSING_ERROR, 1, c, 8, NULL, &info, &err) == FOLIO_OK);
  CHECK(info.shrinkage > 0 && info.shrinkage <= 1 && symmetric_psd(c, 8));
}

static void test_errors(void) {
  double x[] = {0.01, NAN, 0.02, -0.01, 0.02, 0.01, -0.01, 0.0, 0.05, 0.05, 0.05, 0.05};
  folio_panel p = {x, 4, 3, 4, DATES, SY};
  double c[9];
  folio_error err;
  folio_lw_target t;
  CHECK_ERR(folio_lw_target_parse("single_factor", &t, &err), err, FOLIO_OK, "");
  CHECK(t == FOLIO_LW_SINGLE_FACTOR);
  CHECK_ERR(folio_lw_target_parse("shrunk", &t, &err), err, FOLIO_EINVAL, "unknown shrinkage target 'shrunk' (expected constant_variance, single_factor or constant_correlation)");
  CHECK(strcmp(folio_lw_target_name(FOLIO_LW_CONSTANT_CORRELATION), "constant_correlation") == 0);
  CHECK(strcmp(folio_lw_target_name((folio_lw_target)9), "unknown") == 0);
  CHECK_ERR(folio_ledoit_wolf_target(&p, (folio_lw_target)9, FOLIO_MISSING_ZERO, 1, c, 3, NULL, NULL, &err), err, FOLIO_EINVAL, "unknown shrinkage target 9");
  CHECK_ERR(folio_ledoit_wolf_target(&p, FOLIO_LW_SINGLE_FACTOR, FOLIO_MISSING_ERROR, 1, c, 3, NULL, NULL, &err), err, FOLIO_EMISSING, "ledoit_wolf: missing return (symbol AAA, row d2)");
  CHECK_ERR(folio_oas(&p, FOLIO_MISSING_ERROR, 1, c, 3, NULL, NULL, &err), err, FOLIO_EMISSING, "oas: missing return (symbol AAA, row d2)");
  CHECK_ERR(folio_oas(&p, FOLIO_MISSING_PAIRWISE, 1, c, 3, NULL, NULL, &err), err, FOLIO_EINVAL, "missing = pairwise is not defined for OAS");
  CHECK_ERR(folio_ledoit_wolf_target(&p, FOLIO_LW_CONSTANT_CORRELATION, FOLIO_MISSING_PAIRWISE, 1, c, 3, NULL, NULL, &err), err, FOLIO_EINVAL, "pairwise");
  CHECK_ERR(folio_semicovariance(&p, FOLIO_MISSING_PAIRWISE, 0, 1, c, 3, NULL, NULL, &err), err, FOLIO_EINVAL, "pairwise");
  /* CCC is constant: no correlation to average */
  CHECK_ERR(folio_ledoit_wolf_target(&p, FOLIO_LW_CONSTANT_CORRELATION, FOLIO_MISSING_ZERO, 1, c, 3, NULL, NULL, &err), err, FOLIO_EDEGENERATE, "symbol CCC has zero variance");
  /* too few rows */
  folio_panel p1 = {x + 2, 1, 3, 4, DATES, SY};
  CHECK_ERR(folio_ledoit_wolf_target(&p1, FOLIO_LW_SINGLE_FACTOR, FOLIO_MISSING_ERROR, 1, c, 3, NULL, NULL, &err), err, FOLIO_ESHORT, "1 row(s), at least 2");
  CHECK_ERR(folio_oas(&p1, FOLIO_MISSING_ERROR, 1, c, 3, NULL, NULL, &err), err, FOLIO_ESHORT, "oas: returns has 1 row(s)");
  CHECK_ERR(folio_semicovariance(&p1, FOLIO_MISSING_ERROR, 0, 1, c, 3, NULL, NULL, &err), err, FOLIO_ESHORT, "semicovariance: returns has 1 row(s)");
  CHECK_ERR(folio_semicovariance(&p, FOLIO_MISSING_COMPLETE, 0, 1, c, 3, NULL, NULL, &err), err, FOLIO_OK, "");
  double gappy[] = {NAN, 0.01, 0.02, 0.01, NAN, 0.02};
  folio_panel pg = {gappy, 3, 2, 3, DATES, SY};
  CHECK_ERR(folio_semicovariance(&pg, FOLIO_MISSING_COMPLETE, 0, 1, c, 2, NULL, NULL, &err), err, FOLIO_ESHORT, "1 complete row(s)");
  CHECK_ERR(folio_ledoit_wolf_target(&pg, FOLIO_LW_SINGLE_FACTOR, FOLIO_MISSING_COMPLETE, 1, c, 2, NULL, NULL, &err), err, FOLIO_ESHORT, "1 complete row(s)");
  /* bad numbers */
  x[1] = INFINITY;
  CHECK_ERR(folio_oas(&p, FOLIO_MISSING_ZERO, 1, c, 3, NULL, NULL, &err), err, FOLIO_ENOTFINITE, "infinite value (symbol AAA, row d2)");
  CHECK_ERR(folio_semicovariance(&p, FOLIO_MISSING_ZERO, 0, 1, c, 3, NULL, NULL, &err), err, FOLIO_ENOTFINITE, "infinite value (symbol AAA, row d2)");
  x[1] = 0.0;
  CHECK_ERR(folio_semicovariance(&p, FOLIO_MISSING_ERROR, NAN, 1, c, 3, NULL, NULL, &err), err, FOLIO_EINVAL, "benchmark nan must be finite");
  CHECK_ERR(folio_semicovariance(&p, FOLIO_MISSING_ERROR, 0, 0, c, 3, NULL, NULL, &err), err, FOLIO_EINVAL, "scale 0 must be finite and > 0");
  CHECK_ERR(folio_oas(&p, FOLIO_MISSING_ERROR, -1, c, 3, NULL, NULL, &err), err, FOLIO_EINVAL, "scale -1");
  CHECK_ERR(folio_ledoit_wolf_target(&p, FOLIO_LW_SINGLE_FACTOR, FOLIO_MISSING_ERROR, 1, c, 2, NULL, NULL, &err), err, FOLIO_EINVAL, "ld 2 < 3 assets");
  CHECK_ERR(folio_oas(NULL, FOLIO_MISSING_ERROR, 1, c, 3, NULL, NULL, &err), err, FOLIO_EINVAL, "returns is NULL");
  /* on error cov is not written */
  double keep[9];
  for (int e = 0; e < 9; e++) c[e] = keep[e] = 42;
  x[10] = 0.07; /* CCC no longer constant ... */
  x[1] = NAN;
  CHECK(folio_ledoit_wolf_target(&p, FOLIO_LW_CONSTANT_CORRELATION, FOLIO_MISSING_ERROR, 1, c, 3, NULL, NULL, &err) == FOLIO_EMISSING);
  CHECK(memcmp(c, keep, sizeof c) == 0);
}

int main(void) {
  test_against_formulas();
  test_constant_variance_identical();
  test_semicovariance();
  test_gaps_and_shapes();
  test_errors();
  return tl_finish("test_risk_model_targets");
}
