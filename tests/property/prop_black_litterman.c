/*
 * prop_black_litterman.c — properties of folio_black_litterman on random,
 * well-conditioned instances from fixed seeds:
 *
 *  1. the two standard forms of the posterior agree: the library computes the
 *     "covariance form" mu = Pi + tau S P' (P tau S P' + Omega)^-1 (Q - P Pi);
 *     this file computes the "precision form"
 *       mu = [(tau S)^-1 + P' Omega^-1 P]^-1 [(tau S)^-1 Pi + P' Omega^-1 Q]
 *     and cov_post - S = [(tau S)^-1 + P' Omega^-1 P]^-1 independently (plain
 *     loops and LAPACKE dposv, no code shared with the library), for every
 *     Omega method, with k from 1 to 2n views;
 *  2. bit-identical repeats (and the same bits with or without a workspace);
 *  3. permutation invariance: permuting the assets together with P's columns
 *     gives the same posterior per symbol — bit for bit with symbols (the
 *     library works in symbol order), to 1e-12 without;
 *  4. certain views hold exactly (Idzorek confidence 1: P mu = Q), and the
 *     weights of an equilibrium prior without views are the market weights.
 */
#include <lapacke.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "folio/black_litterman.h"
#include "testlib.h"

enum { MAXN = 12, MAXK = 2 * MAXN, TRIALS = 1500 };

typedef struct instance {
  size_t n, k;
  double S[MAXN * MAXN], pi[MAXN], P[MAXK * MAXN], Q[MAXK], om[MAXK * MAXK], conf[MAXK];
  folio_bl_opts o;
  const char *syms[MAXN];
} instance;

static const char *const NAMES[MAXN] = {"AAPL", "AMZN", "BRK", "GOOG", "JNJ", "JPM",
                                        "META", "MSFT", "NVDA", "PG",   "V",   "XOM"};

/* S = G G' / m + 0.02 I with G n x m standard normals times 0.2 (m = n + 5):
 * condition numbers stay moderate. Omega: the default one, Idzorek's from
 * confidences in [0.05, 0.95], or a random full positive definite matrix. */
static void make_instance(tl_rng *r, instance *in) {
  size_t n = 2 + tl_index(r, MAXN - 1), k = 1 + tl_index(r, 2 * n), m = n + 5;
  in->n = n;
  in->k = k;
  double G[MAXN * (MAXN + 5)];
  for (size_t i = 0; i < n * m; i++) G[i] = 0.2 * tl_normal(r);
  for (size_t j = 0; j < n; j++)
    for (size_t i = 0; i < n; i++) {
      double s = 0;
      for (size_t t = 0; t < m; t++) s += G[i + t * n] * G[j + t * n];
      in->S[i + j * n] = s / (double)m + (i == j ? 0.02 : 0.0);
    }
  for (size_t j = 0; j < n; j++)
    for (size_t i = j + 1; i < n; i++) in->S[j + i * n] = in->S[i + j * n]; /* exactly symmetric */
  for (size_t i = 0; i < n; i++) in->pi[i] = 0.03 + 0.05 * tl_normal(r);
  for (size_t v = 0; v < k; v++) {
    int any = 0;
    for (size_t j = 0; j < n; j++) {
      double p = tl_uniform(r) < 0.5 ? 0.0 : tl_normal(r);
      in->P[v + j * k] = p;
      any |= p != 0.0;
    }
    if (!any) in->P[v + tl_index(r, n) * k] = 1.0;
    in->Q[v] = 0.02 + 0.1 * tl_normal(r);
    in->conf[v] = 0.05 + 0.9 * tl_uniform(r);
  }
  in->o = folio_bl_defaults();
  in->o.tau = 0.01 + 0.5 * tl_uniform(r);
  in->o.risk_aversion = 0.5 + 3 * tl_uniform(r);
  in->o.omega = (folio_bl_omega)tl_index(r, 3);
  if (in->o.omega == FOLIO_BL_OMEGA_GIVEN) {
    double H[MAXK * MAXK];
    for (size_t i = 0; i < k * k; i++) H[i] = 0.03 * tl_normal(r);
    for (size_t j = 0; j < k; j++)
      for (size_t i = j; i < k; i++) {
        double s = 0;
        for (size_t t = 0; t < k; t++) s += H[i + t * k] * H[j + t * k];
        s /= (double)k;
        if (i == j) s += 1e-4;
        in->om[i + j * k] = in->om[j + i * k] = s;
      }
  }
  for (size_t i = 0; i < n; i++) in->syms[i] = NAMES[i];
}

/* The Omega the library must have used (default / Idzorek are diagonal). */
static void omega_of(const instance *in, double *om) {
  size_t n = in->n, k = in->k;
  if (in->o.omega == FOLIO_BL_OMEGA_GIVEN) {
    memcpy(om, in->om, k * k * sizeof(double));
    return;
  }
  for (size_t i = 0; i < k * k; i++) om[i] = 0.0;
  for (size_t v = 0; v < k; v++) {
    double s = 0;
    for (size_t a = 0; a < n; a++)
      for (size_t b = 0; b < n; b++) s += in->P[v + a * k] * in->S[a + b * n] * in->P[v + b * k];
    s *= in->o.tau;
    if (in->o.omega == FOLIO_BL_OMEGA_IDZOREK) s *= (1 - in->conf[v]) / in->conf[v];
    om[v + v * k] = s;
  }
}

/* The precision form: mu and V = [(tau S)^-1 + P' Omega^-1 P]^-1. Returns 0 on success. */
static int precision_form(const instance *in, double *mu, double *V) {
  size_t n = in->n, k = in->k;
  lapack_int ni = (lapack_int)n, ki = (lapack_int)k;
  double om[MAXK * MAXK], fac[MAXK * MAXK], X[MAXK * (MAXN + 1)];
  double T[MAXN * MAXN], Ti[MAXN * MAXN], M[MAXN * MAXN], rhs[MAXN * (MAXN + 1)];
  omega_of(in, om);
  /* Ti = (tau S)^-1 by solving (tau S) Ti = I. */
  for (size_t i = 0; i < n * n; i++) {
    T[i] = in->o.tau * in->S[i];
    Ti[i] = (i % (n + 1) == 0) ? 1.0 : 0.0;
  }
  if (LAPACKE_dposv(LAPACK_COL_MAJOR, 'L', ni, ni, T, ni, Ti, ni) != 0) return -1;
  /* X = Omega^-1 [P, Q] (k x (n + 1)) */
  memcpy(fac, om, k * k * sizeof(double));
  for (size_t j = 0; j < n; j++)
    for (size_t v = 0; v < k; v++) X[v + j * k] = in->P[v + j * k];
  for (size_t v = 0; v < k; v++) X[v + n * k] = in->Q[v];
  if (LAPACKE_dposv(LAPACK_COL_MAJOR, 'L', ki, ni + 1, fac, ki, X, ki) != 0) return -2;
  /* M = Ti + P' X[:, :n];  rhs = Ti Pi + P' X[:, n] */
  for (size_t j = 0; j < n; j++)
    for (size_t i = 0; i < n; i++) {
      double s = Ti[i + j * n];
      for (size_t v = 0; v < k; v++) s += in->P[v + i * k] * X[v + j * k];
      M[i + j * n] = s;
    }
  for (size_t i = 0; i < n; i++) {
    double s = 0;
    for (size_t j = 0; j < n; j++) s += Ti[i + j * n] * in->pi[j];
    for (size_t v = 0; v < k; v++) s += in->P[v + i * k] * X[v + n * k];
    rhs[i] = s;
  }
  /* [mu, V] = M^-1 [rhs, I] */
  for (size_t j = 0; j < n; j++)
    for (size_t i = 0; i < n; i++) rhs[i + (j + 1) * n] = i == j ? 1.0 : 0.0;
  for (size_t j = 0; j < n; j++) /* symmetrise M (rounding) */
    for (size_t i = j + 1; i < n; i++) M[i + j * n] = M[j + i * n] = 0.5 * (M[i + j * n] + M[j + i * n]);
  if (LAPACKE_dposv(LAPACK_COL_MAJOR, 'L', ni, ni + 1, M, ni, rhs, ni) != 0) return -3;
  memcpy(mu, rhs, n * sizeof(double));
  memcpy(V, rhs + n, n * n * sizeof(double));
  return 0;
}

static double rel_err(const double *a, const double *b, size_t len) {
  double num = 0, den = 0;
  for (size_t i = 0; i < len; i++) {
    double d = fabs(a[i] - b[i]);
    if (d > num) num = d;
    if (fabs(b[i]) > den) den = fabs(b[i]);
  }
  return den > 0 ? num / den : num;
}

static void prop_two_forms(void) {
  tl_rng r = {20240611};
  double worst_mu = 0, worst_cov = 0;
  int fails = 0, calls_ok = 1;
  for (int t = 0; t < TRIALS; t++) {
    instance in;
    make_instance(&r, &in);
    size_t n = in.n, k = in.k;
    folio_bl_views v = {k, in.P, k, in.Q, in.om, k, in.conf};
    double mu[MAXN], cp[MAXN * MAXN], mu2[MAXN], V[MAXN * MAXN];
    folio_error err;
    if (folio_black_litterman(n, in.S, n, in.pi, in.syms, &v, &in.o, mu, cp, n, NULL, NULL, NULL,
                              NULL, &err) != FOLIO_OK) {
      if (calls_ok) fprintf(stderr, "trial %d: %s\n", t, err.message);
      calls_ok = 0;
      continue;
    }
    if (precision_form(&in, mu2, V) != 0) {
      fails++;
      continue;
    }
    for (size_t i = 0; i < n * n; i++) cp[i] -= in.S[i]; /* the posterior's own uncertainty */
    double em = rel_err(mu, mu2, n), ec = rel_err(cp, V, n * n);
    if (em > worst_mu) worst_mu = em;
    if (ec > worst_cov) worst_cov = ec;
  }
  CHECK(calls_ok);
  CHECK_EQ_INT(fails, 0);
  printf("two forms, %d instances: max relative difference mu %.3g, cov %.3g\n", TRIALS, worst_mu,
         worst_cov);
  CHECK(worst_mu < 1e-10);
  CHECK(worst_cov < 1e-10);
}

static void prop_repeats_and_permutation(void) {
  tl_rng r = {77};
  int bits = 1, bits_work = 1, perm_sym = 1, ok = 1;
  double worst_nosym = 0, worst_w = 0;
  void *work = malloc(folio_black_litterman_work_size(MAXN, MAXK));
  for (int t = 0; t < TRIALS; t++) {
    instance in, pin;
    make_instance(&r, &in);
    size_t n = in.n, k = in.k;
    folio_bl_views v = {k, in.P, k, in.Q, in.om, k, in.conf};
    double mu[MAXN], cp[MAXN * MAXN], w[MAXN], om[MAXK * MAXK];
    double mu2[MAXN], cp2[MAXN * MAXN], w2[MAXN], om2[MAXK * MAXK];
    folio_error err;
    ok &= folio_black_litterman(n, in.S, n, in.pi, in.syms, &v, &in.o, mu, cp, n, w, om, NULL, NULL,
                                &err) == FOLIO_OK;
    ok &= folio_black_litterman(n, in.S, n, in.pi, in.syms, &v, &in.o, mu2, cp2, n, w2, om2, NULL,
                                NULL, &err) == FOLIO_OK;
    bits &= memcmp(mu, mu2, n * sizeof(double)) == 0 && memcmp(cp, cp2, n * n * sizeof(double)) == 0 &&
            memcmp(w, w2, n * sizeof(double)) == 0 && memcmp(om, om2, k * k * sizeof(double)) == 0;
    ok &= folio_black_litterman(n, in.S, n, in.pi, in.syms, &v, &in.o, mu2, cp2, n, w2, NULL, work,
                                NULL, &err) == FOLIO_OK;
    bits_work &= memcmp(mu, mu2, n * sizeof(double)) == 0 &&
                 memcmp(cp, cp2, n * n * sizeof(double)) == 0 && memcmp(w, w2, n * sizeof(double)) == 0;

    /* permute the assets (with P's columns and the symbols) */
    size_t perm[MAXN];
    for (size_t i = 0; i < n; i++) perm[i] = i;
    for (size_t i = n - 1; i > 0; i--) {
      size_t j = tl_index(&r, i + 1), tmp = perm[i];
      perm[i] = perm[j];
      perm[j] = tmp;
    }
    pin = in;
    for (size_t a = 0; a < n; a++) {
      pin.pi[a] = in.pi[perm[a]];
      pin.syms[a] = in.syms[perm[a]];
      for (size_t v2 = 0; v2 < k; v2++) pin.P[v2 + a * k] = in.P[v2 + perm[a] * k];
      for (size_t b = 0; b < n; b++) pin.S[a + b * n] = in.S[perm[a] + perm[b] * n];
    }
    folio_bl_views pv = {k, pin.P, k, pin.Q, pin.om, k, pin.conf};
    ok &= folio_black_litterman(n, pin.S, n, pin.pi, pin.syms, &pv, &pin.o, mu2, cp2, n, w2, NULL,
                                NULL, NULL, &err) == FOLIO_OK;
    for (size_t a = 0; a < n; a++) {
      perm_sym &= mu2[a] == mu[perm[a]] && w2[a] == w[perm[a]];
      for (size_t b = 0; b < n; b++) perm_sym &= cp2[a + b * n] == cp[perm[a] + perm[b] * n];
    }
    /* without symbols: input order, equal to rounding (the weights relative to
     * their gross, which is large when the raw weights nearly cancel) */
    double mu3[MAXN], cp3[MAXN * MAXN], w3[MAXN], mu4[MAXN], cp4[MAXN * MAXN], w4[MAXN];
    ok &= folio_black_litterman(n, in.S, n, in.pi, NULL, &v, &in.o, mu3, cp3, n, w3, NULL, NULL,
                                NULL, &err) == FOLIO_OK;
    ok &= folio_black_litterman(n, pin.S, n, pin.pi, NULL, &pv, &pin.o, mu4, cp4, n, w4, NULL, NULL,
                                NULL, &err) == FOLIO_OK;
    double scale_mu = 0, scale_cp = 0, scale_w = 0;
    for (size_t a = 0; a < n; a++) {
      scale_mu = fmax(scale_mu, fabs(mu3[a]));
      scale_w += fabs(w3[a]); /* gross: the weights' own conditioning (sum 1) */
      for (size_t b = 0; b < n; b++) scale_cp = fmax(scale_cp, fabs(cp3[a + b * n]));
    }
    for (size_t a = 0; a < n; a++) {
      worst_nosym = fmax(worst_nosym, fabs(mu4[a] - mu3[perm[a]]) / scale_mu);
      worst_w = fmax(worst_w, fabs(w4[a] - w3[perm[a]]) / scale_w);
      for (size_t b = 0; b < n; b++)
        worst_nosym = fmax(worst_nosym, fabs(cp4[a + b * n] - cp3[perm[a] + perm[b] * n]) / scale_cp);
    }
  }
  free(work);
  CHECK(ok);
  CHECK(bits);
  CHECK(bits_work);
  CHECK(perm_sym);
  printf("permutation without symbols: max relative difference mu/cov %.3g, weights %.3g\n",
         worst_nosym, worst_w);
  CHECK(worst_nosym < 1e-12);
}

/* Certain views hold; equilibrium weights come back. */
static void prop_limits(void) {
  tl_rng r = {4242};
  double worst_view = 0, worst_raw = 0, worst_eq = 0;
  int ok = 1;
  for (int t = 0; t < TRIALS; t++) {
    instance in;
    make_instance(&r, &in);
    size_t n = in.n, k = in.k < n / 2 + 1 ? in.k : n / 2 + 1; /* few views: well-conditioned */
    for (size_t v = 0; v < k; v++) in.conf[v] = 1.0;
    in.o.omega = FOLIO_BL_OMEGA_IDZOREK;
    /* P as k x n with ld in.k (the first k rows) */
    folio_bl_views v = {k, in.P, in.k, in.Q, NULL, 0, in.conf};
    double mu[MAXN];
    folio_error err;
    if (folio_black_litterman(n, in.S, n, in.pi, in.syms, &v, &in.o, mu, NULL, 0, NULL, NULL, NULL,
                              NULL, &err) != FOLIO_OK) {
      /* a random pick matrix can be nearly rank deficient: that is reported, never wrong */
      ok &= err.status == FOLIO_ENOTPD;
      continue;
    }
    /* The residual of a solve grows with the condition number of
     * A = P tau S P' (random pick matrices can be nearly dependent): the
     * error is measured in units of cond(A) (eigenvalues by dsyev). */
    double A[MAXK * MAXK], ev[MAXK];
    for (size_t a = 0; a < k; a++)
      for (size_t b = 0; b < k; b++) {
        double sum = 0;
        for (size_t i = 0; i < n; i++)
          for (size_t j = 0; j < n; j++) sum += in.P[a + i * in.k] * in.S[i + j * n] * in.P[b + j * in.k];
        A[a + b * k] = sum;
      }
    if (LAPACKE_dsyev(LAPACK_COL_MAJOR, 'N', 'L', (lapack_int)k, A, (lapack_int)k, ev) != 0) {
      ok = 0;
      continue;
    }
    double cond = ev[k - 1] / ev[0];
    for (size_t a = 0; a < k; a++) {
      double pm = 0, sc = fabs(in.Q[a]);
      for (size_t j = 0; j < n; j++) {
        pm += in.P[a + j * in.k] * mu[j];
        sc += fabs(in.P[a + j * in.k] * mu[j]); /* the terms that cancel to Q */
      }
      worst_view = fmax(worst_view, fabs(pm - in.Q[a]) / sc / cond);
      worst_raw = fmax(worst_raw, fabs(pm - in.Q[a]) / sc);
    }
    /* equilibrium */
    double caps[MAXN], wm = 0, pi[MAXN], w[MAXN];
    for (size_t j = 0; j < n; j++) wm += caps[j] = 1 + 100 * tl_uniform(&r);
    ok &= folio_bl_prior(n, in.S, n, caps, in.syms, in.o.risk_aversion, 0.0, pi, &err) == FOLIO_OK;
    ok &= folio_black_litterman(n, in.S, n, pi, in.syms, NULL, &in.o, mu, NULL, 0, w, NULL, NULL,
                                NULL, &err) == FOLIO_OK;
    for (size_t j = 0; j < n; j++) worst_eq = fmax(worst_eq, fabs(w[j] - caps[j] / wm));
  }
  CHECK(ok);
  printf("certain views: max relative |P mu - Q| %.3g, %.3g per unit of cond(A); equilibrium "
         "weights: max error %.3g\n",
         worst_raw, worst_view, worst_eq);
  CHECK(worst_view < 1e-13);
  CHECK(worst_eq < 1e-10);
}

int main(void) {
  prop_two_forms();
  prop_repeats_and_permutation();
  prop_limits();
  return tl_finish("prop_black_litterman");
}
