/*
 * test_black_litterman.c — unit tests of black_litterman.h: small cases
 * computed by hand (the arithmetic is in the comments), the limiting cases
 * of the model (no views, certain views, views without confidence), the
 * market-implied prior and risk aversion, and one test per documented bad
 * input checking the status, that the message names the offending view,
 * symbol or parameter, and that the outputs are left untouched.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "folio/black_litterman.h"
#include "testlib.h"

#define SENTINEL 12345.0

static void fill(double *x, size_t n, double v) {
  for (size_t i = 0; i < n; i++) x[i] = v;
}
static int all_equal(const double *x, size_t n, double v) {
  for (size_t i = 0; i < n; i++)
    if (x[i] != v) return 0;
  return 1;
}

/* The 2-asset case of the comments below:
 *   Sigma = [0.04 0.01; 0.01 0.09], Pi = (0.05, 0.07), tau = 0.05. */
static const double S2[4] = {0.04, 0.01, 0.01, 0.09};
static const double PI2[2] = {0.05, 0.07};
static const char *const SYM2[2] = {"AAA", "BBB"};

/* ---- hand-computed cases ---------------------------------------------------- */

/* One absolute view "AAA returns 10 %" with Omega = 0.001 (given):
 *   tau Sigma = [0.002 0.0005; 0.0005 0.0045], P = (1, 0)
 *   b = tau Sigma P' = (0.002, 0.0005), P tau Sigma P' = 0.002
 *   A = 0.002 + 0.001 = 0.003, Q - P Pi = 0.10 - 0.05 = 0.05
 *   mu = Pi + b * 0.05 / 0.003 = (0.05 + 0.1/3, 0.07 + 0.025/3) = (0.25/3, 0.235/3)
 *   cov_post = Sigma + tau Sigma - b b' / A
 *            = [0.042 - 0.004/3, 0.0105 - 0.001/3; ., 0.0945 - 0.00025/3]
 *            = [0.122/3, 0.0305/3; 0.0305/3, 0.28325/3]
 *   Sigma^-1 mu is proportional to [0.09 -0.01; -0.01 0.04] mu
 *            = (0.0075 - 0.0235/30, -0.0025/3... ) = (40.3, 13.8) / 6000
 *   so w = (40.3, 13.8) / 54.1. */
static void test_given_omega_by_hand(void) {
  folio_error err;
  folio_bl_info info;
  double P[2] = {1, 0}, Q[1] = {0.10}, om[1] = {0.001};
  folio_bl_views v = {1, P, 1, Q, om, 1, NULL};
  folio_bl_opts o = folio_bl_defaults();
  o.omega = FOLIO_BL_OMEGA_GIVEN;
  double mu[2], cp[4], w[2], omu[1];
  CHECK(folio_black_litterman(2, S2, 2, PI2, SYM2, &v, &o, mu, cp, 2, w, omu, NULL, &info, &err) ==
        FOLIO_OK);
  CHECK_NEAR(mu[0], 0.25 / 3, 1e-15);
  CHECK_NEAR(mu[1], 0.235 / 3, 1e-15);
  CHECK_NEAR(cp[0], 0.122 / 3, 1e-15);
  CHECK_NEAR(cp[1], 0.0305 / 3, 1e-15);
  CHECK_NEAR(cp[2], 0.0305 / 3, 1e-15);
  CHECK_NEAR(cp[3], 0.28325 / 3, 1e-15);
  CHECK(cp[1] == cp[2]); /* exactly symmetric */
  CHECK_NEAR(w[0], 40.3 / 54.1, 1e-13);
  CHECK_NEAR(w[1], 13.8 / 54.1, 1e-13);
  CHECK_NEAR(w[0] + w[1], 1.0, 1e-15);
  CHECK(omu[0] == 0.001);
  CHECK_NEAR(info.tau, 0.05, 0);
  CHECK_NEAR(info.risk_aversion, 1.0, 0);
  CHECK(info.omega == FOLIO_BL_OMEGA_GIVEN);
  CHECK_EQ_INT(info.n_views, 1);
  CHECK_EQ_INT(info.n_views_used, 1);
  CHECK(info.repair.applied == 0);
  /* The raw weights Sigma^-1 mu / delta sum to 54.1 / 6000 / 0.0035 (det Sigma). */
  CHECK_NEAR(info.weight_sum, 54.1 / 6000 / 0.0035, 1e-12);

  /* delta scales the raw weights only: the normalised weights do not move. */
  double w2[2];
  o.risk_aversion = 2.5;
  CHECK(folio_black_litterman(2, S2, 2, PI2, NULL, &v, &o, mu, NULL, 0, w2, NULL, NULL, &info,
                              &err) == FOLIO_OK);
  CHECK_NEAR(w2[0], w[0], 1e-15);
  CHECK_NEAR(info.weight_sum, 54.1 / 6000 / 0.0035 / 2.5, 1e-12);
}

/* Default Omega = tau P Sigma P' = 0.002 for the same view: A = 0.004, and the
 * posterior of the viewed asset is the midpoint (Pi_1 + Q) / 2 = 0.075;
 * mu_2 = 0.07 + 0.0005 * 0.05 / 0.004 = 0.07625. */
static void test_default_omega_by_hand(void) {
  folio_error err;
  folio_bl_info info;
  double P[2] = {1, 0}, Q[1] = {0.10};
  folio_bl_views v = {1, P, 1, Q, NULL, 0, NULL};
  folio_bl_opts o = folio_bl_defaults();
  double mu[2], omu[1];
  CHECK(folio_black_litterman(2, S2, 2, PI2, SYM2, &v, &o, mu, NULL, 0, NULL, omu, NULL, &info,
                              &err) == FOLIO_OK);
  CHECK_NEAR(mu[0], 0.075, 1e-15);
  CHECK_NEAR(mu[1], 0.07625, 1e-15);
  CHECK_NEAR(omu[0], 0.002, 1e-18);
  CHECK(info.omega == FOLIO_BL_OMEGA_DEFAULT);
  CHECK(isnan(info.weight_sum)); /* no weights asked for */

  /* Idzorek with confidence 1/2: alpha = 1, so Omega is the default one, bit for bit. */
  double c[1] = {0.5}, mu2[2];
  v.confidences = c;
  o.omega = FOLIO_BL_OMEGA_IDZOREK;
  CHECK(folio_black_litterman(2, S2, 2, PI2, SYM2, &v, &o, mu2, NULL, 0, NULL, NULL, NULL, NULL,
                              &err) == FOLIO_OK);
  CHECK(memcmp(mu, mu2, sizeof mu) == 0);
  /* Confidence 0.8: alpha = 0.25, Omega = 0.0005, A = 0.0025,
   * mu_1 = 0.05 + 0.002 * 0.05 / 0.0025 = 0.09. */
  c[0] = 0.8;
  CHECK(folio_black_litterman(2, S2, 2, PI2, SYM2, &v, &o, mu2, NULL, 0, NULL, omu, NULL, NULL,
                              &err) == FOLIO_OK);
  CHECK_NEAR(mu2[0], 0.09, 1e-15);
  CHECK_NEAR(omu[0], 0.0005, 1e-17);
}

/* A relative view on 3 assets: "AAA beats BBB by 2 %", Sigma diagonal
 * diag(0.04, 0.09, 0.16), Pi = 0, default Omega, tau = 0.1.
 *   P = (1, -1, 0), tau Sigma P' = (0.004, -0.009, 0), P tau Sigma P' = 0.013
 *   A = 0.026, x = 0.02 / 0.026; mu = (0.004, -0.009, 0) * x
 *     = (0.08/26, -0.18/26, 0); and mu_1 - mu_2 = 0.01, half the view. */
static void test_relative_view_by_hand(void) {
  folio_error err;
  double S[9] = {0.04, 0, 0, 0, 0.09, 0, 0, 0, 0.16}, pi[3] = {0, 0, 0};
  double P[3] = {1, -1, 0}, Q[1] = {0.02}, mu[3], cp[9];
  folio_bl_views v = {1, P, 1, Q, NULL, 0, NULL};
  folio_bl_opts o = folio_bl_defaults();
  o.tau = 0.1;
  CHECK(folio_black_litterman(3, S, 3, pi, NULL, &v, &o, mu, cp, 3, NULL, NULL, NULL, NULL, &err) ==
        FOLIO_OK);
  CHECK_NEAR(mu[0], 0.08 / 26, 1e-16);
  CHECK_NEAR(mu[1], -0.18 / 26, 1e-16);
  CHECK(mu[2] == 0.0);
  CHECK_NEAR(mu[0] - mu[1], 0.01, 1e-16);
  /* cov_post(1,2) = 0 + 0 - (0.004 * -0.009) / 0.026 = 0.036e-3 / 26 */
  CHECK_NEAR(cp[3], 0.000036 / 0.026, 1e-17);
  CHECK(cp[8] == 0.16 + 0.1 * 0.16); /* untouched by the view: (1 + tau) sigma^2 */
}

/* ---- limiting cases ------------------------------------------------------------ */

static void test_no_views(void) {
  folio_error err;
  folio_bl_info info;
  folio_bl_opts o = folio_bl_defaults();
  double mu[2], cp[4], w[2];
  /* k = 0: mu_post = Pi exactly, cov_post = Sigma + tau Sigma. */
  CHECK(folio_black_litterman(2, S2, 2, PI2, SYM2, NULL, &o, mu, cp, 2, w, NULL, NULL, &info,
                              &err) == FOLIO_OK);
  CHECK(mu[0] == PI2[0] && mu[1] == PI2[1]);
  for (int i = 0; i < 4; i++) CHECK(cp[i] == S2[i] + 0.05 * S2[i]);
  CHECK_EQ_INT(info.n_views, 0);
  CHECK_EQ_INT(info.n_views_used, 0);
  /* Sigma^-1 Pi = [0.09 -0.01; -0.01 0.04] (0.05, 0.07) / 0.0035 = (0.0038, 0.0023) / 0.0035 */
  CHECK_NEAR(w[0], 38.0 / 61.0, 1e-14);
  CHECK_NEAR(w[1], 23.0 / 61.0, 1e-14);
  /* A views struct with n_views = 0 (and NULL arrays) is the same. */
  folio_bl_views v = {0, NULL, 0, NULL, NULL, 0, NULL};
  double mu2[2];
  CHECK(folio_black_litterman(2, S2, 2, PI2, SYM2, &v, &o, mu2, NULL, 0, NULL, NULL, NULL, NULL,
                              &err) == FOLIO_OK);
  CHECK(memcmp(mu, mu2, sizeof mu) == 0);
}

/* The equilibrium: Pi = delta Sigma w_mkt and no views give back w_mkt. */
static void test_equilibrium(void) {
  folio_error err;
  double caps[2] = {3e9, 1e9}, pi[2], mu[2], w[2];
  CHECK(folio_bl_prior(2, S2, 2, caps, SYM2, 2.5, 0.0, pi, &err) == FOLIO_OK);
  folio_bl_opts o = folio_bl_defaults();
  o.risk_aversion = 2.5;
  CHECK(folio_black_litterman(2, S2, 2, pi, SYM2, NULL, &o, mu, NULL, 0, w, NULL, NULL, NULL,
                              &err) == FOLIO_OK);
  CHECK_NEAR(w[0], 0.75, 1e-15);
  CHECK_NEAR(w[1], 0.25, 1e-15);
}

/* A view with a huge confidence (tiny Omega) pulls the viewed return to Q;
 * Idzorek confidence 1 (Omega = 0) makes P mu_post = Q exactly (to rounding);
 * confidence 0 leaves the prior, bit for bit. */
static void test_certainty(void) {
  folio_error err;
  folio_bl_info info;
  double S[9] = {0.04, 0.006, 0.002, 0.006, 0.09, 0.01, 0.002, 0.01, 0.0625};
  double pi[3] = {0.05, 0.07, 0.06};
  /* views: "A = 12 %" and "B - C = 3 %" (P is 2 x 3, column-major) */
  double P[6] = {1, 0, 0, 1, 0, -1}, Q[2] = {0.12, 0.03}, mu[3], cp[9], omu[4];
  double om[4] = {1e-14, 0, 0, 1e-14};
  folio_bl_views v = {2, P, 2, Q, om, 2, NULL};
  folio_bl_opts o = folio_bl_defaults();
  o.omega = FOLIO_BL_OMEGA_GIVEN;
  CHECK(folio_black_litterman(3, S, 3, pi, NULL, &v, &o, mu, NULL, 0, NULL, NULL, NULL, NULL,
                              &err) == FOLIO_OK);
  CHECK_NEAR(mu[0], 0.12, 1e-10);
  CHECK_NEAR(mu[1] - mu[2], 0.03, 1e-10);

  double c[2] = {1, 1};
  v.confidences = c;
  o.omega = FOLIO_BL_OMEGA_IDZOREK;
  CHECK(folio_black_litterman(3, S, 3, pi, NULL, &v, &o, mu, cp, 3, NULL, omu, NULL, &info, &err) ==
        FOLIO_OK);
  CHECK_NEAR(mu[0], 0.12, 1e-15);
  CHECK_NEAR(mu[1] - mu[2], 0.03, 1e-15);
  CHECK(omu[0] == 0.0 && omu[3] == 0.0 && omu[1] == 0.0 && omu[2] == 0.0);
  /* certain views leave no uncertainty about the viewed portfolios:
   * p cov_post p' = p Sigma p' (the tau part is gone) */
  CHECK_NEAR(cp[0], S[0], 1e-15);

  c[0] = 0;
  c[1] = 0;
  CHECK(folio_black_litterman(3, S, 3, pi, NULL, &v, &o, mu, cp, 3, NULL, omu, NULL, &info, &err) ==
        FOLIO_OK);
  CHECK(memcmp(mu, pi, sizeof pi) == 0);
  for (int i = 0; i < 9; i++) CHECK(cp[i] == S[i] + 0.05 * S[i]);
  CHECK_EQ_INT(info.n_views, 2);
  CHECK_EQ_INT(info.n_views_used, 0);
  CHECK(isinf(omu[0]) && isinf(omu[3]) && omu[1] == 0.0);

  /* One dropped and one used view: the same as the used view alone. */
  c[0] = 0;
  c[1] = 0.7;
  CHECK(folio_black_litterman(3, S, 3, pi, NULL, &v, &o, mu, NULL, 0, NULL, NULL, NULL, &info,
                              &err) == FOLIO_OK);
  CHECK_EQ_INT(info.n_views_used, 1);
  double P1[3] = {0, 1, -1}, Q1[1] = {0.03}, c1[1] = {0.7}, mu1[3];
  folio_bl_views v1 = {1, P1, 1, Q1, NULL, 0, c1};
  CHECK(folio_black_litterman(3, S, 3, pi, NULL, &v1, &o, mu1, NULL, 0, NULL, NULL, NULL, NULL,
                              &err) == FOLIO_OK);
  for (int i = 0; i < 3; i++) CHECK_NEAR(mu[i], mu1[i], 1e-16);
}

/* Bigger confidence, closer to the view: the posterior of the viewed asset
 * moves monotonically from Pi to Q as the confidence goes 0 -> 1. */
static void test_confidence_monotone(void) {
  folio_error err;
  double P[2] = {1, 0}, Q[1] = {0.10}, c[1], mu[2];
  folio_bl_views v = {1, P, 1, Q, NULL, 0, c};
  folio_bl_opts o = folio_bl_defaults();
  o.omega = FOLIO_BL_OMEGA_IDZOREK;
  double prev = PI2[0];
  int mono = 1;
  for (int i = 0; i <= 20; i++) {
    c[0] = i / 20.0;
    CHECK(folio_black_litterman(2, S2, 2, PI2, NULL, &v, &o, mu, NULL, 0, NULL, NULL, NULL, NULL,
                                &err) == FOLIO_OK);
    if (i > 0 && !(mu[0] > prev)) mono = 0;
    prev = mu[0];
  }
  CHECK(mono);
  CHECK_NEAR(prev, 0.10, 1e-15);
}

/* Asset order: with symbols, the computation runs in symbol order, so a
 * permuted input gives bit-identical results per symbol; a caller-provided
 * workspace gives the same bits as an internal one. */
static void test_order_and_workspace(void) {
  folio_error err;
  const char *syms[3] = {"MSFT", "AAPL", "GOOG"}, *perm[3] = {"GOOG", "MSFT", "AAPL"};
  double S[9] = {0.04, 0.006, 0.002, 0.006, 0.09, 0.01, 0.002, 0.01, 0.0625};
  double pi[3] = {0.05, 0.07, 0.06}, P[3] = {0.5, 0.5, -1}, Q[1] = {0.01};
  /* perm = positions (2, 0, 1) of syms */
  int pos[3] = {2, 0, 1};
  double Sp[9], pip[3], Pp[3];
  for (int a = 0; a < 3; a++) {
    pip[a] = pi[pos[a]];
    Pp[a] = P[pos[a]];
    for (int b = 0; b < 3; b++) Sp[a + 3 * b] = S[pos[a] + 3 * pos[b]];
  }
  folio_bl_views v = {1, P, 1, Q, NULL, 0, NULL}, vp = {1, Pp, 1, Q, NULL, 0, NULL};
  folio_bl_opts o = folio_bl_defaults();
  double mu[3], cp[9], w[3], mup[3], cpp[9], wp[3];
  CHECK(folio_black_litterman(3, S, 3, pi, syms, &v, &o, mu, cp, 3, w, NULL, NULL, NULL, &err) ==
        FOLIO_OK);
  size_t bytes = folio_black_litterman_work_size(3, 1);
  CHECK(bytes > 0);
  void *work = malloc(bytes);
  CHECK(folio_black_litterman(3, Sp, 3, pip, perm, &vp, &o, mup, cpp, 3, wp, NULL, work, NULL,
                              &err) == FOLIO_OK);
  int same = 1;
  for (int a = 0; a < 3; a++) {
    same &= mup[a] == mu[pos[a]] && wp[a] == w[pos[a]];
    for (int b = 0; b < 3; b++) same &= cpp[a + 3 * b] == cp[pos[a] + 3 * pos[b]];
  }
  CHECK(same);
  free(work);
  CHECK_EQ_INT(folio_black_litterman_work_size((size_t)1 << 40, 1), 0); /* overflow */

  /* A leading dimension larger than n, for cov and cov_post. */
  double S5[15] = {0}, cp5[15];
  for (int b = 0; b < 3; b++)
    for (int a = 0; a < 3; a++) S5[a + 5 * b] = S[a + 3 * b];
  fill(cp5, 15, SENTINEL);
  CHECK(folio_black_litterman(3, S5, 5, pi, syms, &v, &o, mup, cp5, 5, NULL, NULL, NULL, NULL,
                              &err) == FOLIO_OK);
  same = 1;
  for (int b = 0; b < 3; b++) {
    for (int a = 0; a < 3; a++) same &= cp5[a + 5 * b] == cp[a + 3 * b];
    same &= cp5[3 + 5 * b] == SENTINEL && cp5[4 + 5 * b] == SENTINEL;
  }
  CHECK(same);
}

/* ---- prior and risk aversion ------------------------------------------------ */

/* w = (3, 1) / 4 = (0.75, 0.25); Sigma w = (0.03 + 0.0025, 0.0075 + 0.0225)
 * = (0.0325, 0.03); Pi = 2.5 Sigma w + 0.01 = (0.09125, 0.085). */
static void test_prior(void) {
  folio_error err;
  double caps[2] = {3, 1}, pi[2];
  CHECK(folio_bl_prior(2, S2, 2, caps, SYM2, 2.5, 0.01, pi, &err) == FOLIO_OK);
  CHECK_NEAR(pi[0], 0.09125, 1e-15);
  CHECK_NEAR(pi[1], 0.085, 1e-15);
  CHECK(folio_bl_prior(2, S2, 2, caps, NULL, 2.5, 0.01, pi, NULL) == FOLIO_OK);
  CHECK_NEAR(pi[0], 0.09125, 1e-15);

  fill(pi, 2, SENTINEL);
  CHECK_ERR(folio_bl_prior(2, S2, 2, caps, SYM2, 0, 0, pi, &err), err, FOLIO_EINVAL,
            "bl_prior: risk_aversion must be finite and > 0");
  CHECK_ERR(folio_bl_prior(2, S2, 2, caps, SYM2, 1, NAN, pi, &err), err, FOLIO_EINVAL,
            "risk_free_rate must be finite");
  double neg[2] = {1, -1}, zero[2] = {0, 0}, nan2[2] = {1, NAN};
  CHECK_ERR(folio_bl_prior(2, S2, 2, neg, SYM2, 1, 0, pi, &err), err, FOLIO_EINVAL,
            "market weight is negative (symbol BBB");
  CHECK_ERR(folio_bl_prior(2, S2, 2, zero, SYM2, 1, 0, pi, &err), err, FOLIO_EDEGENERATE,
            "market weights sum to 0");
  CHECK_ERR(folio_bl_prior(2, S2, 2, nan2, SYM2, 1, 0, pi, &err), err, FOLIO_ENOTFINITE,
            "market weight is not finite (symbol BBB");
  double asym[4] = {0.04, 0.01, 0.02, 0.09};
  CHECK_ERR(folio_bl_prior(2, asym, 2, caps, SYM2, 1, 0, pi, &err), err, FOLIO_ENOTSYM,
            "cov is not symmetric (symbols AAA and BBB");
  CHECK_ERR(folio_bl_prior(0, S2, 2, caps, SYM2, 1, 0, pi, &err), err, FOLIO_EEMPTY, "no assets");
  CHECK_ERR(folio_bl_prior(2, S2, 1, caps, SYM2, 1, 0, pi, &err), err, FOLIO_EINVAL, "ld_cov 1");
  CHECK_ERR(folio_bl_prior(2, NULL, 2, caps, SYM2, 1, 0, pi, &err), err, FOLIO_EINVAL, "cov is NULL");
  CHECK_ERR(folio_bl_prior(2, S2, 2, NULL, SYM2, 1, 0, pi, &err), err, FOLIO_EINVAL, "w_mkt is NULL");
  const char *dup[2] = {"X", "X"};
  CHECK_ERR(folio_bl_prior(2, S2, 2, caps, dup, 1, 0, pi, &err), err, FOLIO_EDUP,
            "duplicate symbol X");
  CHECK(all_equal(pi, 2, SENTINEL));
}

/* r = (0.01, -0.01, 0.02, 0): mean 0.005, var = (4 * 0.005^2 ... ) = 0.0005 / 3;
 * delta = (0.005 * 252 - 0.02) / (0.0005 / 3 * 252) = 1.24 / 0.042. */
static void test_risk_aversion(void) {
  folio_error err;
  double r[4] = {0.01, -0.01, 0.02, 0.0}, d = SENTINEL;
  CHECK(folio_market_implied_risk_aversion(4, r, 252, 0.02, &d, &err) == FOLIO_OK);
  CHECK_NEAR(d, 1.24 / 0.042, 1e-12);
  d = SENTINEL;
  CHECK_ERR(folio_market_implied_risk_aversion(1, r, 252, 0.02, &d, &err), err, FOLIO_ESHORT,
            "1 return(s)");
  double rn[3] = {0.01, NAN, 0.0}, ri[3] = {0.01, INFINITY, 0}, rc[3] = {0.01, 0.01, 0.01};
  CHECK_ERR(folio_market_implied_risk_aversion(3, rn, 252, 0.02, &d, &err), err, FOLIO_EMISSING,
            "missing return (row 2)");
  CHECK_ERR(folio_market_implied_risk_aversion(3, ri, 252, 0.02, &d, &err), err, FOLIO_ENOTFINITE,
            "infinite return (row 2)");
  CHECK_ERR(folio_market_implied_risk_aversion(3, rc, 252, 0.02, &d, &err), err, FOLIO_EDEGENERATE,
            "zero variance");
  CHECK_ERR(folio_market_implied_risk_aversion(4, r, 0, 0.02, &d, &err), err, FOLIO_EINVAL,
            "frequency must be finite and > 0");
  CHECK_ERR(folio_market_implied_risk_aversion(4, r, 252, INFINITY, &d, &err), err, FOLIO_EINVAL,
            "risk_free_rate");
  CHECK_ERR(folio_market_implied_risk_aversion(4, NULL, 252, 0, &d, &err), err, FOLIO_EINVAL,
            "returns are NULL");
  CHECK(d == SENTINEL);
}

/* ---- names and defaults -------------------------------------------------------- */

static void test_names(void) {
  folio_error err;
  folio_bl_omega m;
  CHECK(folio_bl_omega_parse("idzorek", &m, &err) == FOLIO_OK && m == FOLIO_BL_OMEGA_IDZOREK);
  CHECK(folio_bl_omega_parse("given", &m, &err) == FOLIO_OK && m == FOLIO_BL_OMEGA_GIVEN);
  CHECK_ERR(folio_bl_omega_parse("idzorak", &m, &err), err, FOLIO_EINVAL,
            "unknown omega method \"idzorak\"");
  CHECK_ERR(folio_bl_omega_parse(NULL, &m, &err), err, FOLIO_EINVAL, "(null)");
  CHECK(strcmp(folio_bl_omega_name(FOLIO_BL_OMEGA_DEFAULT), "default") == 0);
  CHECK(strcmp(folio_bl_omega_name((folio_bl_omega)9), "unknown") == 0);
  folio_bl_opts o = folio_bl_defaults();
  CHECK(o.tau == 0.05 && o.risk_aversion == 1.0 && o.omega == FOLIO_BL_OMEGA_DEFAULT &&
        o.repair == FOLIO_REPAIR_ERROR);
}

/* ---- bad inputs ------------------------------------------------------------------- */

/* Runs one call that must fail with `want` and `needle`, and checks that no
 * output was written. */
static void expect_fail(size_t n, const double *S, size_t ld, const double *pi,
                        const char *const *syms, const folio_bl_views *v, const folio_bl_opts *o,
                        folio_status want, const char *needle, int line) {
  folio_error err;
  double mu[4], cp[16], w[4], omu[16];
  fill(mu, 4, SENTINEL);
  fill(cp, 16, SENTINEL);
  fill(w, 4, SENTINEL);
  fill(omu, 16, SENTINEL);
  folio_status st = folio_black_litterman(n, S, ld, pi, syms, v, o, mu, cp, n > 4 ? n : 4, w, omu,
                                          NULL, NULL, &err);
  if (!CHECK_ERR(st, err, want, needle)) fprintf(stderr, "    (from line %d)\n", line);
  CHECK(all_equal(mu, 4, SENTINEL) && all_equal(cp, 16, SENTINEL) && all_equal(w, 4, SENTINEL) &&
        all_equal(omu, 16, SENTINEL));
}
#define FAIL(n, S, ld, pi, syms, v, o, want, needle) \
  expect_fail(n, S, ld, pi, syms, v, o, want, needle, __LINE__)

static void test_bad_inputs(void) {
  folio_error err;
  double S[9] = {0.04, 0.006, 0.002, 0.006, 0.09, 0.01, 0.002, 0.01, 0.0625};
  double pi[3] = {0.05, 0.07, 0.06};
  const char *syms[3] = {"A", "B", "C"};
  double P[6] = {1, 0, 0, 1, 0, -1}, Q[2] = {0.12, 0.03}, c[2] = {0.5, 0.5};
  double om[4] = {0.001, 0, 0, 0.002};
  folio_bl_views v = {2, P, 2, Q, om, 2, c};
  folio_bl_opts o = folio_bl_defaults();
  double mu[3];

  /* NULL arguments and shapes */
  CHECK_ERR(folio_black_litterman(3, NULL, 3, pi, syms, &v, &o, mu, NULL, 0, NULL, NULL, NULL,
                                  NULL, &err),
            err, FOLIO_EINVAL, "black_litterman: cov is NULL");
  CHECK_ERR(folio_black_litterman(3, S, 3, NULL, syms, &v, &o, mu, NULL, 0, NULL, NULL, NULL, NULL,
                                  &err),
            err, FOLIO_EINVAL, "pi is NULL");
  CHECK_ERR(folio_black_litterman(3, S, 3, pi, syms, &v, NULL, mu, NULL, 0, NULL, NULL, NULL, NULL,
                                  &err),
            err, FOLIO_EINVAL, "opts is NULL");
  CHECK_ERR(folio_black_litterman(3, S, 3, pi, syms, &v, &o, NULL, NULL, 0, NULL, NULL, NULL, NULL,
                                  &err),
            err, FOLIO_EINVAL, "mu_post is NULL");
  FAIL(0, S, 3, pi, syms, &v, &o, FOLIO_EEMPTY, "no assets");
  FAIL(3, S, 2, pi, syms, &v, &o, FOLIO_EINVAL, "ld_cov 2 < n_assets 3");
  {
    double cp[4];
    CHECK_ERR(folio_black_litterman(3, S, 3, pi, syms, &v, &o, mu, cp, 2, NULL, NULL, NULL, NULL,
                                    &err),
              err, FOLIO_EINVAL, "ld_cov_post 2 < n_assets 3");
  }

  /* options */
  folio_bl_opts b = o;
  b.tau = 0;
  FAIL(3, S, 3, pi, syms, &v, &b, FOLIO_EINVAL, "tau must be in (0, 1] (got 0)");
  b.tau = 1.5;
  FAIL(3, S, 3, pi, syms, &v, &b, FOLIO_EINVAL, "tau must be in (0, 1] (got 1.5)");
  b.tau = NAN;
  FAIL(3, S, 3, pi, syms, &v, &b, FOLIO_EINVAL, "tau must be in (0, 1]");
  b = o;
  b.risk_aversion = -1;
  FAIL(3, S, 3, pi, syms, &v, &b, FOLIO_EINVAL, "risk_aversion must be finite and > 0 (got -1)");
  b = o;
  b.omega = (folio_bl_omega)7;
  FAIL(3, S, 3, pi, syms, &v, &b, FOLIO_EINVAL, "bad omega method 7");
  b = o;
  b.repair = (folio_repair)9;
  FAIL(3, S, 3, pi, syms, &v, &b, FOLIO_EINVAL, "bad repair 9");

  /* views: shapes */
  folio_bl_views bv = v;
  bv.P = NULL;
  FAIL(3, S, 3, pi, syms, &bv, &o, FOLIO_EINVAL, "P is NULL");
  bv = v;
  bv.Q = NULL;
  FAIL(3, S, 3, pi, syms, &bv, &o, FOLIO_EINVAL, "Q is NULL");
  bv = v;
  bv.ld_p = 1;
  FAIL(3, S, 3, pi, syms, &bv, &o, FOLIO_EINVAL, "ld_p 1 < n_views 2");
  b = o;
  b.omega = FOLIO_BL_OMEGA_GIVEN;
  bv = v;
  bv.omega = NULL;
  FAIL(3, S, 3, pi, syms, &bv, &b, FOLIO_EINVAL, "omega method \"given\" but omega is NULL");
  bv = v;
  bv.ld_omega = 1;
  FAIL(3, S, 3, pi, syms, &bv, &b, FOLIO_EINVAL, "ld_omega 1 < n_views 2");
  b.omega = FOLIO_BL_OMEGA_IDZOREK;
  bv = v;
  bv.confidences = NULL;
  FAIL(3, S, 3, pi, syms, &bv, &b, FOLIO_EINVAL, "needs a confidence for every view");

  /* views: values */
  double Pz[6] = {1, 0, 0, 0, 0, 0}; /* view #2 on nothing */
  bv = v;
  bv.P = Pz;
  FAIL(3, S, 3, pi, syms, &bv, &o, FOLIO_EINVAL, "view #2 is on nothing");
  double Pn[6] = {1, 0, 0, NAN, 0, -1};
  bv.P = Pn;
  FAIL(3, S, 3, pi, syms, &bv, &o, FOLIO_ENOTFINITE, "P is not finite (view #2, symbol B");
  double Qi[2] = {0.1, INFINITY};
  bv = v;
  bv.Q = Qi;
  FAIL(3, S, 3, pi, syms, &bv, &o, FOLIO_ENOTFINITE, "Q is not finite (view #2");
  double cb[2] = {0.5, 1.5}, cneg[2] = {-0.1, 0.5}, cnan[2] = {0.5, NAN};
  b.omega = FOLIO_BL_OMEGA_IDZOREK;
  bv = v;
  bv.confidences = cb;
  FAIL(3, S, 3, pi, syms, &bv, &b, FOLIO_EINVAL, "confidence must be in [0, 1] (view #2: 1.5)");
  bv.confidences = cneg;
  FAIL(3, S, 3, pi, syms, &bv, &b, FOLIO_EINVAL, "confidence must be in [0, 1] (view #1: -0.1)");
  bv.confidences = cnan;
  FAIL(3, S, 3, pi, syms, &bv, &b, FOLIO_ENOTFINITE, "confidence is NaN (view #2)");
  /* confidences are ignored by the other methods */
  CHECK(folio_black_litterman(3, S, 3, pi, syms, &bv, &o, mu, NULL, 0, NULL, NULL, NULL, NULL,
                              &err) == FOLIO_OK);

  /* Omega given */
  b.omega = FOLIO_BL_OMEGA_GIVEN;
  bv = v;
  double omn[4] = {-0.001, 0, 0, 0.002};
  bv.omega = omn;
  FAIL(3, S, 3, pi, syms, &bv, &b, FOLIO_EINVAL, "omega has a negative variance (view #1");
  double oma[4] = {0.001, 0.0005, 0, 0.002};
  bv.omega = oma;
  FAIL(3, S, 3, pi, syms, &bv, &b, FOLIO_ENOTSYM, "omega is not symmetric (views #1 and #2");
  double omnp[4] = {0.001, 0.002, 0.002, 0.001}; /* eigenvalues 0.003 and -0.001 */
  bv.omega = omnp;
  FAIL(3, S, 3, pi, syms, &bv, &b, FOLIO_ENOTPD, "omega is not positive semi-definite");
  double omf[4] = {0.001, NAN, NAN, 0.002};
  bv.omega = omf;
  FAIL(3, S, 3, pi, syms, &bv, &b, FOLIO_ENOTFINITE, "omega is not finite (views #1, #2)");
  double omz[4] = {0, 0, 0, 0}; /* all views certain: allowed */
  bv.omega = omz;
  CHECK(folio_black_litterman(3, S, 3, pi, syms, &bv, &b, mu, NULL, 0, NULL, NULL, NULL, NULL,
                              &err) == FOLIO_OK);
  CHECK_NEAR(mu[0], 0.12, 1e-15);

  /* two certain views on the same portfolio: A is singular */
  double Pd[6] = {1, 1, 0, 0, 0, 0}, Qd[2] = {0.1, 0.2}, c1[2] = {1, 1};
  folio_bl_views dv = {2, Pd, 2, Qd, NULL, 0, c1};
  b.omega = FOLIO_BL_OMEGA_IDZOREK;
  FAIL(3, S, 3, pi, syms, &dv, &b, FOLIO_ENOTPD,
       "P tau Sigma P' + Omega is not positive definite (view #2)");

  /* pi, cov */
  double pin[3] = {0.05, NAN, 0.06};
  FAIL(3, S, 3, pin, syms, &v, &o, FOLIO_ENOTFINITE, "pi is not finite (symbol B");
  double Sn[9] = {0.04, 0.006, 0.002, 0.006, 0.09, INFINITY, 0.002, 0.01, 0.0625};
  FAIL(3, Sn, 3, pi, syms, &v, &o, FOLIO_ENOTFINITE, "cov is not finite (symbols C, B");
  double Sa[9] = {0.04, 0.006, 0.002, 0.006, 0.09, 0.01, 0.003, 0.01, 0.0625};
  FAIL(3, Sa, 3, pi, syms, &v, &o, FOLIO_ENOTSYM, "cov is not symmetric (symbols A and C");
  /* var C below var(A + B) although C moves with A + B: indefinite (fails at C) */
  double Ss[9] = {0.04, 0.01, 0.05, 0.01, 0.09, 0.10, 0.05, 0.10, 0.14};
  FAIL(3, Ss, 3, pi, syms, &v, &o, FOLIO_ENOTPD, "cov is not positive definite (symbol C)");
  FAIL(3, Ss, 3, pi, NULL, &v, &o, FOLIO_ENOTPD, "cov is not positive definite (symbol #3)");

  /* symbols */
  const char *dup[3] = {"A", "C", "A"}, *emp[3] = {"A", "", "C"}, *nul[3] = {"A", "B", NULL};
  FAIL(3, S, 3, pi, dup, &v, &o, FOLIO_EDUP, "duplicate symbol A");
  FAIL(3, S, 3, pi, emp, &v, &o, FOLIO_EINVAL, "symbol #2 is empty");
  FAIL(3, S, 3, pi, nul, &v, &o, FOLIO_EINVAL, "symbol #3 is NULL");

  /* weights that cannot be normalised: Sigma = I, Pi = (0.05, -0.05) */
  double I2[4] = {1, 0, 0, 1}, pz[2] = {0.05, -0.05};
  FAIL(2, I2, 2, pz, NULL, NULL, &o, FOLIO_EDEGENERATE, "sum to 0");
  CHECK(folio_black_litterman(2, I2, 2, pz, NULL, NULL, &o, mu, NULL, 0, NULL, NULL, NULL, NULL,
                              &err) == FOLIO_OK); /* fine without weights */
  /* err may be NULL */
  CHECK(folio_black_litterman(0, S, 3, pi, syms, &v, &o, mu, NULL, 0, NULL, NULL, NULL, NULL,
                              NULL) == FOLIO_EEMPTY);
}

/* A Sigma that is not positive definite, repaired on request. */
static void test_repair(void) {
  folio_error err;
  folio_bl_info info;
  double Ss[9] = {0.04, 0.01, 0.05, 0.01, 0.09, 0.10, 0.05, 0.10, 0.14};
  double pi[3] = {0.05, 0.07, 0.06}, P[3] = {1, 0, 0}, Q[1] = {0.1}, mu[3], cp[9];
  const char *syms[3] = {"A", "B", "C"};
  folio_bl_views v = {1, P, 1, Q, NULL, 0, NULL};
  folio_bl_opts o = folio_bl_defaults();
  const folio_repair methods[3] = {FOLIO_REPAIR_RIDGE, FOLIO_REPAIR_CLIP, FOLIO_REPAIR_HIGHAM};
  for (int i = 0; i < 3; i++) {
    o.repair = methods[i];
    folio_status st =
        folio_black_litterman(3, Ss, 3, pi, syms, &v, &o, mu, cp, 3, NULL, NULL, NULL, &info, &err);
    CHECK_MSG(st == FOLIO_OK, "repair %s: %s", folio_repair_name(methods[i]), err.message);
    if (st != FOLIO_OK) continue;
    CHECK(info.repair.method == methods[i]);
    CHECK(info.repair.applied == 1);
    CHECK(info.repair.frobenius_change > 0);
    CHECK(isfinite(mu[0]) && isfinite(cp[8]));
  }
  /* An already positive definite Sigma is left alone whatever the method. */
  double S[9] = {0.04, 0.006, 0.002, 0.006, 0.09, 0.01, 0.002, 0.01, 0.0625}, mu2[3];
  o.repair = FOLIO_REPAIR_ERROR;
  CHECK(folio_black_litterman(3, S, 3, pi, syms, &v, &o, mu, NULL, 0, NULL, NULL, NULL, NULL,
                              &err) == FOLIO_OK);
  o.repair = FOLIO_REPAIR_CLIP;
  CHECK(folio_black_litterman(3, S, 3, pi, syms, &v, &o, mu2, NULL, 0, NULL, NULL, NULL, &info,
                              &err) == FOLIO_OK);
  CHECK(memcmp(mu, mu2, sizeof mu) == 0);
  CHECK(info.repair.applied == 0 && info.repair.method == FOLIO_REPAIR_CLIP);
}

int main(void) {
  test_given_omega_by_hand();
  test_default_omega_by_hand();
  test_relative_view_by_hand();
  test_no_views();
  test_equilibrium();
  test_certainty();
  test_confidence_monotone();
  test_order_and_workspace();
  test_prior();
  test_risk_aversion();
  test_names();
  test_bad_inputs();
  test_repair();
  return tl_finish("test_black_litterman");
}
