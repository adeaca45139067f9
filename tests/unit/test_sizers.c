/*
 * test_sizers.c — unit tests of sizers.h: hand-computed cases for every
 * sizer, and one test per documented bad input checking both the status and
 * that the message names the offending symbol, pair or parameter. Every
 * failing call is also checked to leave its outputs untouched.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "folio/money.h"
#include "folio/sizers.h"
#include "testlib.h"

static const char *const SYM10[10] = {"A", "B", "C", "D", "E", "F", "G", "H", "I", "J"};
#define SENTINEL 12345.0

static void fill(double *x, size_t n, double v) {
  for (size_t i = 0; i < n; i++) x[i] = v;
}
static int all_equal(const double *x, size_t n, double v) {
  for (size_t i = 0; i < n; i++)
    if (x[i] != v) return 0;
  return 1;
}

/* ---- check_symbols ------------------------------------------------------- */

static void test_check_symbols(void) {
  folio_error err;
  const char *ok[3] = {"MSFT", "AAPL", "GOOG"};
  CHECK(folio_check_symbols(3, ok, "t", &err) == FOLIO_OK);
  CHECK(folio_check_symbols(10, SYM10, "t", &err) == FOLIO_OK);
  CHECK(folio_check_symbols(0, SYM10, "t", &err) == FOLIO_OK);
  CHECK_ERR(folio_check_symbols(3, NULL, "who", &err), err, FOLIO_EINVAL,
            "who: symbol array is NULL");
  const char *nul[3] = {"A", NULL, "C"};
  CHECK_ERR(folio_check_symbols(3, nul, "who", &err), err, FOLIO_EINVAL, "symbol #2 is NULL");
  const char *empty[3] = {"A", "B", ""};
  CHECK_ERR(folio_check_symbols(3, empty, "who", &err), err, FOLIO_EINVAL, "symbol #3 is empty");
  const char *dup[4] = {"ZZ", "AAPL", "MSFT", "AAPL"};
  CHECK_ERR(folio_check_symbols(4, dup, "who", &err), err, FOLIO_EDUP, "duplicate symbol AAPL");
  const char *dup2[2] = {"X", "X"};
  CHECK_ERR(folio_check_symbols(2, dup2, NULL, &err), err, FOLIO_EDUP,
            "check_symbols: duplicate symbol X");
  CHECK(folio_check_symbols(3, ok, "t", NULL) == FOLIO_OK);
  CHECK(folio_check_symbols(2, dup2, "t", NULL) == FOLIO_EDUP); /* err may be NULL */
}

/* ---- equal_weight_ls ------------------------------------------------------ */

static void test_ewls_basic(void) {
  folio_error err;
  folio_ewls_info info;
  double sig[10] = {3, 10, 1, 8, 5, 9, 2, 7, 4, 6}, w[10];
  CHECK(folio_equal_weight_ls(10, sig, SYM10, 5, 5, 1.0, w, &info, &err) == FOLIO_OK);
  for (int i = 0; i < 10; i++) CHECK_NEAR(w[i], sig[i] > 5 ? 0.10 : -0.10, 1e-15);
  CHECK_EQ_INT(info.n_long, 5);
  CHECK_EQ_INT(info.n_short, 5);
  CHECK_EQ_INT(info.n_excluded, 0);
  /* Exactly 0.1 each: gross/2 / 5. */
  CHECK(w[1] == 0.5 / 5);

  /* 2 long, 2 short, gross 2: each side 1.0, 0.5 a name, the rest 0. */
  CHECK(folio_equal_weight_ls(10, sig, SYM10, 2, 2, 2.0, w, NULL, &err) == FOLIO_OK);
  CHECK(w[1] == 0.5 && w[5] == 0.5 && w[2] == -0.5 && w[6] == -0.5);
  CHECK(w[0] == 0 && w[3] == 0 && w[4] == 0 && w[7] == 0 && w[8] == 0 && w[9] == 0);
}

static void test_ewls_ties(void) {
  folio_error err;
  double w[3];
  /* Tie at the top: A wins over B (symbol ascending). */
  const char *s1[3] = {"B", "A", "C"};
  double g1[3] = {1, 1, 0};
  CHECK(folio_equal_weight_ls(3, g1, s1, 1, 1, 1.0, w, NULL, &err) == FOLIO_OK);
  CHECK(w[1] == 0.5 && w[0] == 0.0 && w[2] == -0.5);
  /* Tie at the bottom: order is A(1), B(0), C(0); the last, C, is short. */
  double g2[3] = {0, 1, 0};
  CHECK(folio_equal_weight_ls(3, g2, s1, 1, 1, 1.0, w, NULL, &err) == FOLIO_OK);
  CHECK(w[1] == 0.5 && w[0] == 0.0 && w[2] == -0.5);
  /* All tied: longs are the first symbols, shorts the last. */
  double g3[10];
  fill(g3, 10, 0.25);
  double w10[10];
  CHECK(folio_equal_weight_ls(10, g3, SYM10, 3, 3, 1.0, w10, NULL, &err) == FOLIO_OK);
  for (int i = 0; i < 10; i++) CHECK(w10[i] == (i < 3 ? 0.5 / 3 : i >= 7 ? -0.5 / 3 : 0.0));
}

static void test_ewls_nan_and_shrink(void) {
  folio_error err;
  folio_ewls_info info;
  double w[10];
  /* 3 NaN (C, F, I): 7 valid names and 5/5 -> 4 long, 3 short. */
  double sig[10] = {7, 6, NAN, 5, 4, NAN, 3, 2, NAN, 1};
  CHECK(folio_equal_weight_ls(10, sig, SYM10, 5, 5, 1.0, w, &info, &err) == FOLIO_OK);
  CHECK_EQ_INT(info.n_long, 4);
  CHECK_EQ_INT(info.n_short, 3);
  CHECK_EQ_INT(info.n_excluded, 3);
  /* Valid in order: A7 B6 D5 E4 | G3 H2 J1. */
  CHECK(w[0] == 0.125 && w[1] == 0.125 && w[3] == 0.125 && w[4] == 0.125);
  CHECK(w[6] == -0.5 / 3 && w[7] == -0.5 / 3 && w[9] == -0.5 / 3);
  CHECK(w[2] == 0 && w[5] == 0 && w[8] == 0);

  /* Shrinking the larger side first: 7 valid, 6 long and 2 short -> 5 and 2. */
  CHECK(folio_equal_weight_ls(10, sig, SYM10, 6, 2, 1.0, w, &info, &err) == FOLIO_OK);
  CHECK_EQ_INT(info.n_long, 5);
  CHECK_EQ_INT(info.n_short, 2);
  /* Huge requests are shrunk to the valid names too. */
  CHECK(folio_equal_weight_ls(10, sig, SYM10, 1000000, 1000000, 1.0, w, &info, &err) == FOLIO_OK);
  CHECK_EQ_INT(info.n_long, 4);
  CHECK_EQ_INT(info.n_short, 3);
  /* One valid name and 1/1: the short side is shrunk, the name is long with all of gross. */
  double one[3] = {NAN, 2.0, NAN};
  double w3[3];
  CHECK(folio_equal_weight_ls(3, one, SYM10, 1, 1, 1.0, w3, &info, &err) == FOLIO_OK);
  CHECK(w3[1] == 1.0 && w3[0] == 0 && w3[2] == 0);
  CHECK_EQ_INT(info.n_short, 0);
}

static void test_ewls_one_side(void) {
  folio_error err;
  folio_ewls_info info;
  double sig[10] = {3, 10, 1, 8, 5, 9, 2, 7, 4, 6}, w[10];
  CHECK(folio_equal_weight_ls(10, sig, SYM10, 4, 0, 2.0, w, &info, &err) == FOLIO_OK);
  double sum = 0;
  for (int i = 0; i < 10; i++) sum += w[i];
  CHECK_NEAR(sum, 2.0, 1e-15);
  CHECK(w[1] == 0.5 && w[5] == 0.5 && w[3] == 0.5 && w[7] == 0.5);
  CHECK(folio_equal_weight_ls(10, sig, SYM10, 0, 2, 1.0, w, &info, &err) == FOLIO_OK);
  CHECK(w[2] == -0.5 && w[6] == -0.5);
  CHECK_EQ_INT(info.n_long, 0);
}

static void test_ewls_errors(void) {
  folio_error err;
  double sig[10] = {3, 10, 1, 8, 5, 9, 2, 7, 4, 6}, w[10];
  fill(w, 10, SENTINEL);
  double inf_sig[10] = {3, 10, INFINITY, 8, 5, 9, 2, 7, 4, 6};
  CHECK_ERR(folio_equal_weight_ls(10, inf_sig, SYM10, 5, 5, 1, w, NULL, &err), err,
            FOLIO_ENOTFINITE, "equal_weight_ls: signal is infinite (symbol C)");
  inf_sig[2] = -INFINITY;
  CHECK_ERR(folio_equal_weight_ls(10, inf_sig, SYM10, 5, 5, 1, w, NULL, &err), err,
            FOLIO_ENOTFINITE, "symbol C");
  CHECK_ERR(folio_equal_weight_ls(10, sig, SYM10, -1, 5, 1, w, NULL, &err), err, FOLIO_EINVAL,
            "n_long must be >= 0 (got -1)");
  CHECK_ERR(folio_equal_weight_ls(10, sig, SYM10, 5, -3, 1, w, NULL, &err), err, FOLIO_EINVAL,
            "n_short must be >= 0 (got -3)");
  CHECK_ERR(folio_equal_weight_ls(10, sig, SYM10, 5, 5, 0, w, NULL, &err), err, FOLIO_EINVAL,
            "gross");
  CHECK_ERR(folio_equal_weight_ls(10, sig, SYM10, 5, 5, -1, w, NULL, &err), err, FOLIO_EINVAL,
            "gross");
  CHECK_ERR(folio_equal_weight_ls(10, sig, SYM10, 5, 5, NAN, w, NULL, &err), err, FOLIO_EINVAL,
            "gross");
  CHECK_ERR(folio_equal_weight_ls(10, sig, SYM10, 5, 5, INFINITY, w, NULL, &err), err, FOLIO_EINVAL,
            "gross");
  CHECK_ERR(folio_equal_weight_ls(10, NULL, SYM10, 5, 5, 1, w, NULL, &err), err, FOLIO_EINVAL,
            "signal is NULL");
  CHECK_ERR(folio_equal_weight_ls(10, sig, SYM10, 5, 5, 1, NULL, NULL, &err), err, FOLIO_EINVAL,
            "weights is NULL");
  CHECK_ERR(folio_equal_weight_ls(10, sig, NULL, 5, 5, 1, w, NULL, &err), err, FOLIO_EINVAL,
            "symbol array is NULL");
  const char *dup[10] = {"A", "B", "C", "D", "E", "F", "G", "H", "I", "C"};
  CHECK_ERR(folio_equal_weight_ls(10, sig, dup, 5, 5, 1, w, NULL, &err), err, FOLIO_EDUP,
            "duplicate symbol C");
  const char *emp[10] = {"A", "B", "C", "D", "", "F", "G", "H", "I", "J"};
  CHECK_ERR(folio_equal_weight_ls(10, sig, emp, 5, 5, 1, w, NULL, &err), err, FOLIO_EINVAL,
            "symbol #5 is empty");
  const char *nul[10] = {"A", "B", "C", "D", "E", "F", "G", NULL, "I", "J"};
  CHECK_ERR(folio_equal_weight_ls(10, sig, nul, 5, 5, 1, w, NULL, &err), err, FOLIO_EINVAL,
            "symbol #8 is NULL");
  double nan10[10];
  fill(nan10, 10, NAN);
  CHECK_ERR(folio_equal_weight_ls(10, nan10, SYM10, 5, 5, 1, w, NULL, &err), err, FOLIO_EEMPTY,
            "no asset has a signal");
  CHECK_ERR(folio_equal_weight_ls(10, sig, SYM10, 0, 0, 1, w, NULL, &err), err, FOLIO_EEMPTY,
            "n_long and n_short are both 0");
  CHECK_ERR(folio_equal_weight_ls(0, sig, SYM10, 1, 1, 1, w, NULL, &err), err, FOLIO_EEMPTY,
            "no asset");
  CHECK(all_equal(w, 10, SENTINEL));
}

/* ---- repair ----------------------------------------------------------------- */

static void test_repair(void) {
  folio_error err;
  folio_repair r = FOLIO_REPAIR_ERROR;
  CHECK(folio_repair_parse("ridge", &r, &err) == FOLIO_OK && r == FOLIO_REPAIR_RIDGE);
  CHECK(folio_repair_parse("error", &r, &err) == FOLIO_OK && r == FOLIO_REPAIR_ERROR);
  CHECK_ERR(folio_repair_parse("shrink", &r, &err), err, FOLIO_EINVAL, "unknown value \"shrink\"");
  CHECK_ERR(folio_repair_parse(NULL, &r, &err), err, FOLIO_EINVAL, "repair");
  CHECK(strcmp(folio_repair_name(FOLIO_REPAIR_ERROR), "error") == 0);
  CHECK(strcmp(folio_repair_name(FOLIO_REPAIR_RIDGE), "ridge") == 0);
  CHECK(strcmp(folio_repair_name((folio_repair)9), "unknown") == 0);
}

/* ---- kelly_fraction --------------------------------------------------------- */

static void test_kelly_2x2(void) {
  folio_error err;
  folio_kelly_info info;
  folio_kelly_opts o = folio_kelly_defaults();
  CHECK(o.risk_aversion == 1.0 && isinf(o.cap) && o.cap > 0 && o.repair == FOLIO_REPAIR_ERROR);
  /* cov^-1 = [0.09 -0.01; -0.01 0.04] / 0.0035, so cov^-1 (0.1, 0.2) = (2, 2). */
  double cov[4] = {0.04, 0.01, 0.01, 0.09}, mu[2] = {0.1, 0.2}, w[2], raw[2];
  const char *sy[2] = {"X", "Y"};
  o.risk_aversion = 2.0;
  CHECK(folio_kelly_fraction(2, mu, cov, 2, sy, &o, w, raw, NULL, &info, &err) == FOLIO_OK);
  CHECK_NEAR(w[0], 1.0, 1e-14);
  CHECK_NEAR(w[1], 1.0, 1e-14);
  CHECK(info.ridge == 0.0 && info.n_capped == 0);
  /* Cap 0.5 clips both; raw keeps the uncapped values. */
  o.cap = 0.5;
  CHECK(folio_kelly_fraction(2, mu, cov, 2, sy, &o, w, raw, NULL, &info, &err) == FOLIO_OK);
  CHECK(w[0] == 0.5 && w[1] == 0.5);
  CHECK_NEAR(raw[0], 1.0, 1e-14);
  CHECK_EQ_INT(info.n_capped, 2);
  /* A short: cov^-1 (0.1, -0.2) = (0.011, -0.009) / 0.0035; full Kelly, cap 3 clips only the long.
   */
  double mu2[2] = {0.1, -0.2};
  o.risk_aversion = 1.0;
  o.cap = 3.0;
  CHECK(folio_kelly_fraction(2, mu2, cov, 2, NULL, &o, w, raw, NULL, &info, &err) == FOLIO_OK);
  CHECK(w[0] == 3.0);
  CHECK_NEAR(w[1], -0.009 / 0.0035, 1e-13);
  CHECK_NEAR(raw[0], 0.011 / 0.0035, 1e-13);
  CHECK_EQ_INT(info.n_capped, 1);
  o.cap = 2.0; /* clips the short to -cap too */
  CHECK(folio_kelly_fraction(2, mu2, cov, 2, NULL, &o, w, NULL, NULL, &info, &err) == FOLIO_OK);
  CHECK(w[0] == 2.0 && w[1] == -2.0);
  CHECK_EQ_INT(info.n_capped, 2);
}

static void test_kelly_layouts(void) {
  folio_error err;
  folio_kelly_opts o = folio_kelly_defaults();
  /* 3x3 in a leading dimension of 4 (the padding is garbage that must be ignored). */
  double cov[12] = {0.04, 0.006, 0.002, NAN, 0.006, 0.09, 0.003, NAN, 0.002, 0.003, 0.0225, NAN};
  double mu[3] = {0.05, 0.08, -0.02}, w[3], w_ref[3], w_sym[3], w_perm[3];
  CHECK(folio_kelly_fraction(3, mu, cov, 4, NULL, &o, w_ref, NULL, NULL, NULL, &err) == FOLIO_OK);
  /* check: cov * w == mu */
  for (int i = 0; i < 3; i++) {
    double s = 0;
    for (int j = 0; j < 3; j++) s += cov[i + 4 * j] * w_ref[j];
    CHECK_NEAR(s, mu[i], 1e-15);
  }
  const char *sy[3] = {"C", "A", "B"};
  CHECK(folio_kelly_fraction(3, mu, cov, 4, sy, &o, w_sym, NULL, NULL, NULL, &err) == FOLIO_OK);
  for (int i = 0; i < 3; i++) CHECK_NEAR(w_sym[i], w_ref[i], 1e-15);
  /* The same problem listed as A, B, C: bit-identical per symbol. */
  int perm[3] = {1, 2, 0}; /* new position k holds old index perm[k] */
  double cp[9], mp[3];
  const char *sp[3];
  for (int a = 0; a < 3; a++) {
    mp[a] = mu[perm[a]];
    sp[a] = sy[perm[a]];
    for (int b = 0; b < 3; b++) cp[a + 3 * b] = cov[perm[a] + 4 * perm[b]];
  }
  CHECK(folio_kelly_fraction(3, mp, cp, 3, sp, &o, w_perm, NULL, NULL, NULL, &err) == FOLIO_OK);
  for (int a = 0; a < 3; a++) CHECK(memcmp(&w_perm[a], &w_sym[perm[a]], sizeof(double)) == 0);
  /* A caller's workspace gives the same bits. */
  size_t bytes = folio_kelly_fraction_work_size(3);
  CHECK(bytes > 0);
  void *work = malloc(bytes);
  CHECK(folio_kelly_fraction(3, mu, cov, 4, sy, &o, w, NULL, work, NULL, &err) == FOLIO_OK);
  CHECK(memcmp(w, w_sym, sizeof w) == 0);
  free(work);
  CHECK(folio_kelly_fraction_work_size((size_t)1 << 40) == 0); /* overflow */
}

static void test_kelly_ridge(void) {
  folio_error err;
  folio_kelly_info info;
  folio_kelly_opts o = folio_kelly_defaults();
  const char *sy[2] = {"X", "Y"};
  double sing[4] = {1, 1, 1, 1}, mu[2] = {1, 1}, w[2] = {SENTINEL, SENTINEL};
  CHECK_ERR(folio_kelly_fraction(2, mu, sing, 2, sy, &o, w, NULL, NULL, &info, &err), err,
            FOLIO_ENOTPD, "kelly_fraction: cov is not positive definite (symbol Y)");
  CHECK(all_equal(w, 2, SENTINEL));
  CHECK_ERR(folio_kelly_fraction(2, mu, sing, 2, NULL, &o, w, NULL, NULL, &info, &err), err,
            FOLIO_ENOTPD, "(symbol #2)");
  o.repair = FOLIO_REPAIR_RIDGE;
  CHECK(folio_kelly_fraction(2, mu, sing, 2, sy, &o, w, NULL, NULL, &info, &err) == FOLIO_OK);
  CHECK(info.ridge > 0);
  CHECK_NEAR(info.ridge, 1e-10, 1e-25); /* the first ridge, 1e-10 * mean variance, is enough */
  /* cond ~ 2e10: the solution is only good to ~1e-6. */
  CHECK_NEAR(w[0], 1.0 / (2.0 + 1e-10), 1e-4);
  CHECK_NEAR(w[1], w[0], 1e-4);
  /* Indefinite, eigenvalue -2: needs r > 2, so r = 10 (the 12th try). */
  double indef[4] = {1, 3, 3, 1};
  CHECK(folio_kelly_fraction(2, mu, indef, 2, sy, &o, w, NULL, NULL, &info, &err) == FOLIO_OK);
  CHECK_NEAR(info.ridge, 10.0, 1e-9);
  CHECK_NEAR(w[0], 1.0 / 14.0, 1e-12); /* (11 + 3) w = 1 */
  /* Eigenvalue -19: no ridge up to 10 helps. */
  double bad[4] = {1, 20, 20, 1};
  fill(w, 2, SENTINEL);
  CHECK_ERR(folio_kelly_fraction(2, mu, bad, 2, sy, &o, w, NULL, NULL, &info, &err), err,
            FOLIO_ENOTPD, "no ridge up to 10 helped");
  CHECK(strstr(err.message, "symbol Y") != NULL);
  /* A zero matrix has no variance to scale a ridge by. */
  double zero[4] = {0, 0, 0, 0};
  CHECK_ERR(folio_kelly_fraction(2, mu, zero, 2, sy, &o, w, NULL, NULL, &info, &err), err,
            FOLIO_ENOTPD, "symbol X");
  CHECK(all_equal(w, 2, SENTINEL));
  /* Not PD in the middle of a 3x3, symbols in sorted order: the failing minor names B. */
  double c3[9] = {1, 1, 0, 1, 1, 0, 0, 0, 1}, m3[3] = {1, 1, 1}, w3[3];
  const char *s3[3] = {"A", "B", "C"};
  o.repair = FOLIO_REPAIR_ERROR;
  CHECK_ERR(folio_kelly_fraction(3, m3, c3, 3, s3, &o, w3, NULL, NULL, NULL, &err), err,
            FOLIO_ENOTPD, "(symbol B)");
  /* Listed as C, A, B the factorisation still runs A, B, C. */
  double c3p[9] = {1, 0, 0, 0, 1, 1, 0, 1, 1};
  const char *s3p[3] = {"C", "A", "B"};
  CHECK_ERR(folio_kelly_fraction(3, m3, c3p, 3, s3p, &o, w3, NULL, NULL, NULL, &err), err,
            FOLIO_ENOTPD, "(symbol B)");
}

static void test_kelly_errors(void) {
  folio_error err;
  folio_kelly_opts o = folio_kelly_defaults();
  const char *sy[3] = {"A", "B", "C"};
  double cov[9] = {0.04, 0.006, 0.002, 0.006, 0.09, 0.003, 0.002, 0.003, 0.0225};
  double mu[3] = {0.05, 0.08, -0.02}, w[3], raw[3];
  fill(w, 3, SENTINEL);
  fill(raw, 3, SENTINEL);
#define KF(...) folio_kelly_fraction(__VA_ARGS__)
  o.risk_aversion = 0;
  CHECK_ERR(KF(3, mu, cov, 3, sy, &o, w, raw, NULL, NULL, &err), err, FOLIO_EINVAL,
            "kelly_fraction: risk_aversion must be finite and > 0 (got 0)");
  o.risk_aversion = -2;
  CHECK_ERR(KF(3, mu, cov, 3, sy, &o, w, raw, NULL, NULL, &err), err, FOLIO_EINVAL,
            "risk_aversion");
  o.risk_aversion = NAN;
  CHECK_ERR(KF(3, mu, cov, 3, sy, &o, w, raw, NULL, NULL, &err), err, FOLIO_EINVAL,
            "risk_aversion");
  o = folio_kelly_defaults();
  o.cap = 0;
  CHECK_ERR(KF(3, mu, cov, 3, sy, &o, w, raw, NULL, NULL, &err), err, FOLIO_EINVAL,
            "cap must be > 0 or INFINITY (got 0)");
  o.cap = -0.2;
  CHECK_ERR(KF(3, mu, cov, 3, sy, &o, w, raw, NULL, NULL, &err), err, FOLIO_EINVAL, "cap");
  o.cap = NAN;
  CHECK_ERR(KF(3, mu, cov, 3, sy, &o, w, raw, NULL, NULL, &err), err, FOLIO_EINVAL, "cap");
  o = folio_kelly_defaults();
  o.repair = (folio_repair)5;
  CHECK_ERR(KF(3, mu, cov, 3, sy, &o, w, raw, NULL, NULL, &err), err, FOLIO_EINVAL, "repair");
  o = folio_kelly_defaults();

  double mu_nan[3] = {0.05, NAN, 0.01};
  CHECK_ERR(KF(3, mu_nan, cov, 3, sy, &o, w, raw, NULL, NULL, &err), err, FOLIO_ENOTFINITE,
            "kelly_fraction: mu is not finite (symbol B");
  mu_nan[1] = 0.0;
  mu_nan[2] = INFINITY;
  CHECK_ERR(KF(3, mu_nan, cov, 3, sy, &o, w, raw, NULL, NULL, &err), err, FOLIO_ENOTFINITE,
            "symbol C");
  double c[9];
  memcpy(c, cov, sizeof c);
  c[5] = NAN; /* (row C, column B) */
  CHECK_ERR(KF(3, mu, c, 3, sy, &o, w, raw, NULL, NULL, &err), err, FOLIO_ENOTFINITE,
            "cov is not finite (symbol C, B");
  memcpy(c, cov, sizeof c);
  c[7] = -INFINITY; /* (row B, column C) */
  CHECK_ERR(KF(3, mu, c, 3, sy, &o, w, raw, NULL, NULL, &err), err, FOLIO_ENOTFINITE,
            "symbol B, C");
  memcpy(c, cov, sizeof c);
  c[4] = NAN; /* diagonal B */
  CHECK_ERR(KF(3, mu, c, 3, sy, &o, w, raw, NULL, NULL, &err), err, FOLIO_ENOTFINITE,
            "symbol B, B");
  /* A NaN wins over an asymmetry seen before it. */
  memcpy(c, cov, sizeof c);
  c[1] = 0.5;
  c[8] = NAN;
  CHECK_ERR(KF(3, mu, c, 3, sy, &o, w, raw, NULL, NULL, &err), err, FOLIO_ENOTFINITE, "symbol C");

  memcpy(c, cov, sizeof c);
  c[2] = 0.0025; /* (C, A) differs from (A, C) = 0.002 */
  CHECK_ERR(KF(3, mu, c, 3, sy, &o, w, raw, NULL, NULL, &err), err, FOLIO_ENOTSYM,
            "kelly_fraction: cov is not symmetric (symbols A and C");
  /* Within 1e-10 * sqrt(c_ii c_jj) it is accepted. */
  c[2] = 0.002 + 1e-13;
  CHECK(KF(3, mu, c, 3, sy, &o, w, raw, NULL, NULL, &err) == FOLIO_OK);
  c[2] = 0.002 + 1e-11;
  CHECK_ERR(KF(3, mu, c, 3, NULL, &o, w, raw, NULL, NULL, &err), err, FOLIO_ENOTSYM, "#1 and #3");
  /* Zero diagonals demand exact symmetry: then PD decides. */
  double z2[4] = {0, 1e-300, 0, 0}, m2[2] = {1, 1};
  CHECK_ERR(KF(2, m2, z2, 2, sy, &o, w, raw, NULL, NULL, &err), err, FOLIO_ENOTSYM,
            "symbols A and B");
  fill(w, 3, SENTINEL);
  fill(raw, 3, SENTINEL);

  double npd[9] = {0.04, 0.06, 0, 0.06, 0.04, 0, 0, 0, 0.01};
  CHECK_ERR(KF(3, mu, npd, 3, sy, &o, w, raw, NULL, NULL, &err), err, FOLIO_ENOTPD,
            "cov is not positive definite (symbol B)");
  CHECK_ERR(KF(3, mu, cov, 2, sy, &o, w, raw, NULL, NULL, &err), err, FOLIO_EINVAL,
            "ld_cov 2 < n_assets 3");
  CHECK_ERR(KF(0, mu, cov, 3, sy, &o, w, raw, NULL, NULL, &err), err, FOLIO_EEMPTY, "no assets");
  CHECK_ERR(KF(3, NULL, cov, 3, sy, &o, w, raw, NULL, NULL, &err), err, FOLIO_EINVAL, "mu is NULL");
  CHECK_ERR(KF(3, mu, NULL, 3, sy, &o, w, raw, NULL, NULL, &err), err, FOLIO_EINVAL, "cov is NULL");
  CHECK_ERR(KF(3, mu, cov, 3, sy, &o, NULL, raw, NULL, NULL, &err), err, FOLIO_EINVAL,
            "weights is NULL");
  CHECK_ERR(KF(3, mu, cov, 3, sy, NULL, w, raw, NULL, NULL, &err), err, FOLIO_EINVAL,
            "opts is NULL");
  CHECK_ERR(KF(FOLIO_MAX_DIM + 1, mu, cov, 3, sy, &o, w, raw, NULL, NULL, &err), err, FOLIO_EDIM,
            "assets");
  const char *dup[3] = {"B", "A", "B"};
  CHECK_ERR(KF(3, mu, cov, 3, dup, &o, w, raw, NULL, NULL, &err), err, FOLIO_EDUP,
            "duplicate symbol B");
  const char *emp[3] = {"A", "", "C"};
  CHECK_ERR(KF(3, mu, cov, 3, emp, &o, w, raw, NULL, NULL, &err), err, FOLIO_EINVAL,
            "symbol #2 is empty");
  const char *nul[3] = {"A", "B", NULL};
  CHECK_ERR(KF(3, mu, cov, 3, nul, &o, w, raw, NULL, NULL, &err), err, FOLIO_EINVAL,
            "symbol #3 is NULL");
  CHECK(all_equal(w, 3, SENTINEL));
  CHECK(all_equal(raw, 3, SENTINEL));
#undef KF
}

/* ---- vol_target_weights ----------------------------------------------------- */

static folio_panel make_panel(const double *data, size_t rows, size_t cols, const char *const *rl,
                              const char *const *cl) {
  folio_panel p = folio_panel_make(data, rows, cols);
  p.row_labels = rl;
  p.col_labels = cl;
  return p;
}

static void test_vol_target_hand(void) {
  folio_error err;
  folio_vol_target_info info;
  folio_vol_target_opts o = folio_vol_target_defaults();
  CHECK(o.target_ann_vol == 0.12 && o.window == 63 && o.max_scale == 3.0 &&
        o.periods_per_year == 252);
  /* Asset A alternates +a, -a; B is missing where its weight is 0. With w = (1, 0)
   * over 4 rows: p = (a, -a, a, -a), std = 2a / sqrt(3). */
  enum { T = 6 };
  double a = 0.001;
  double r[2 * T] = {0.5, 0.5, a, -a, a, -a, NAN, 1, 2, NAN, 3, 4};
  const char *cl[2] = {"A", "B"};
  folio_panel p = make_panel(r, T, 2, NULL, cl);
  o.window = 4;
  o.max_scale = 100;
  double base[2] = {1, 0}, w[2];
  double realised = 2 * a / sqrt(3.0) * sqrt(252.0);
  CHECK(folio_vol_target_weights(2, base, &p, &o, w, &info, &err) == FOLIO_OK);
  CHECK_NEAR(info.realised_vol, realised, 1e-15);
  CHECK_NEAR(info.scale, 0.12 / realised, 1e-13);
  CHECK(info.scale > 1); /* calm: up */
  CHECK_NEAR(w[0], 0.12 / realised, 1e-13);
  CHECK(w[1] == 0);
  CHECK(info.window == 4 && info.target_vol == 0.12);
  /* Volatile: scale down. */
  double a2 = 0.1;
  double r2[2 * T] = {0.5, 0.5, a2, -a2, a2, -a2, NAN, 1, 2, NAN, 3, 4};
  p.data = r2;
  CHECK(folio_vol_target_weights(2, base, &p, &o, w, &info, &err) == FOLIO_OK);
  CHECK(info.scale < 1);
  CHECK_NEAR(w[0], 0.12 / (2 * a2 / sqrt(3.0) * sqrt(252.0)), 1e-13);
  /* max_scale bounds the calm case. */
  p.data = r;
  o.max_scale = 3.0;
  CHECK(folio_vol_target_weights(2, base, &p, &o, w, &info, &err) == FOLIO_OK);
  CHECK(info.scale == 3.0 && w[0] == 3.0);
  o.max_scale = INFINITY;
  CHECK(folio_vol_target_weights(2, base, &p, &o, w, &info, &err) == FOLIO_OK);
  CHECK_NEAR(info.scale, 0.12 / realised, 1e-13);
  /* Window beyond the first rows ignores the Inf and NaN before it. */
  double r3[2 * T] = {INFINITY, NAN, a, -a, a, -a, NAN, INFINITY, 0.01, 0.02, 0.0, -0.01};
  p.data = r3;
  double base2[2] = {0.5, -0.5};
  CHECK(folio_vol_target_weights(2, base2, &p, &o, w, &info, &err) == FOLIO_OK);
  /* Same, with columns swapped and labelled: bit-identical per symbol. */
  double r3s[2 * T];
  memcpy(r3s, r3 + T, sizeof(double) * T);
  memcpy(r3s + T, r3, sizeof(double) * T);
  const char *cls[2] = {"B", "A"};
  folio_panel ps = make_panel(r3s, T, 2, NULL, cls);
  double base2s[2] = {-0.5, 0.5}, ws[2];
  folio_vol_target_info info2;
  CHECK(folio_vol_target_weights(2, base2s, &ps, &o, ws, &info2, &err) == FOLIO_OK);
  CHECK(memcmp(&ws[0], &w[1], sizeof(double)) == 0 && memcmp(&ws[1], &w[0], sizeof(double)) == 0);
  CHECK(memcmp(&info.realised_vol, &info2.realised_vol, sizeof(double)) == 0);
}

static void test_vol_target_errors(void) {
  folio_error err;
  folio_vol_target_opts o = folio_vol_target_defaults();
  enum { T = 6 };
  double r[2 * T] = {0.5, 0.5, 0.01, -0.01, 0.02, -0.01, 0.1, 0.2, NAN, 0.3, 0.1, 0.0};
  const char *rl[T] = {"d1", "d2", "d3", "d4", "d5", "d6"};
  const char *cl[2] = {"A", "B"};
  folio_panel p = make_panel(r, T, 2, rl, cl);
  o.window = 4;
  double base[2] = {1, 0.5}, w[2];
  fill(w, 2, SENTINEL);
#define VT(...) folio_vol_target_weights(__VA_ARGS__)
  CHECK_ERR(VT(2, base, &p, &o, w, NULL, &err), err, FOLIO_EMISSING,
            "vol_target_weights: missing return (symbol B, row d3)");
  p.row_labels = NULL;
  CHECK_ERR(VT(2, base, &p, &o, w, NULL, &err), err, FOLIO_EMISSING, "(symbol B, row #3)");
  p.col_labels = NULL;
  CHECK_ERR(VT(2, base, &p, &o, w, NULL, &err), err, FOLIO_EMISSING, "(symbol #2, row #3)");
  p.col_labels = cl;
  p.row_labels = rl;
  r[8] = INFINITY;
  CHECK_ERR(VT(2, base, &p, &o, w, NULL, &err), err, FOLIO_ENOTFINITE,
            "infinite return (symbol B, row d3)");
  double base0[2] = {1, 0};
  CHECK_ERR(VT(2, base0, &p, &o, w, NULL, &err), err, FOLIO_ENOTFINITE, "symbol B, row d3");
  r[8] = 0.05;
  double zero[2] = {0, 0};
  CHECK_ERR(VT(2, zero, &p, &o, w, NULL, &err), err, FOLIO_EDEGENERATE, "realised volatility is 0");
  /* Constant portfolio return: zero volatility too. */
  double flat[2 * T] = {0, 0, 0.25, 0.25, 0.25, 0.25, 0, 0, 0.5, 0.5, 0.5, 0.5}; /* exact sums */
  folio_panel pf = make_panel(flat, T, 2, rl, cl);
  CHECK_ERR(VT(2, base, &pf, &o, w, NULL, &err), err, FOLIO_EDEGENERATE, "vol_target_weights");
  double bnan[2] = {1, NAN};
  CHECK_ERR(VT(2, bnan, &p, &o, w, NULL, &err), err, FOLIO_ENOTFINITE,
            "base weight is not finite (symbol B");
  double binf[2] = {INFINITY, 0};
  CHECK_ERR(VT(2, binf, &p, &o, w, NULL, &err), err, FOLIO_ENOTFINITE, "symbol A");
  CHECK_ERR(VT(3, base, &p, &o, w, NULL, &err), err, FOLIO_EDIM,
            "log_returns has 2 columns but there are 3");
  o.window = 7;
  CHECK_ERR(VT(2, base, &p, &o, w, NULL, &err), err, FOLIO_ESHORT,
            "window needs 7 rows of returns, got 6");
  o.window = 1;
  CHECK_ERR(VT(2, base, &p, &o, w, NULL, &err), err, FOLIO_EINVAL, "window must be >= 2");
  o = folio_vol_target_defaults();
  o.window = 4;
  o.target_ann_vol = 0;
  CHECK_ERR(VT(2, base, &p, &o, w, NULL, &err), err, FOLIO_EINVAL, "target_ann_vol");
  o.target_ann_vol = NAN;
  CHECK_ERR(VT(2, base, &p, &o, w, NULL, &err), err, FOLIO_EINVAL, "target_ann_vol");
  o.target_ann_vol = 0.1;
  o.max_scale = 0;
  CHECK_ERR(VT(2, base, &p, &o, w, NULL, &err), err, FOLIO_EINVAL, "max_scale");
  o.max_scale = NAN;
  CHECK_ERR(VT(2, base, &p, &o, w, NULL, &err), err, FOLIO_EINVAL, "max_scale");
  o.max_scale = 2;
  o.periods_per_year = -1;
  CHECK_ERR(VT(2, base, &p, &o, w, NULL, &err), err, FOLIO_EINVAL, "periods_per_year");
  o.periods_per_year = 252;
  CHECK_ERR(VT(2, NULL, &p, &o, w, NULL, &err), err, FOLIO_EINVAL, "base_weights is NULL");
  CHECK_ERR(VT(2, base, NULL, &o, w, NULL, &err), err, FOLIO_EINVAL, "log_returns is NULL");
  CHECK_ERR(VT(2, base, &p, NULL, w, NULL, &err), err, FOLIO_EINVAL, "opts is NULL");
  CHECK_ERR(VT(2, base, &p, &o, NULL, NULL, &err), err, FOLIO_EINVAL, "weights is NULL");
  folio_panel pn = p;
  pn.data = NULL;
  CHECK_ERR(VT(2, base, &pn, &o, w, NULL, &err), err, FOLIO_EINVAL, "log_returns data is NULL");
  pn = p;
  pn.ld = 3;
  CHECK_ERR(VT(2, base, &pn, &o, w, NULL, &err), err, FOLIO_EDIM, "leading dimension");
  const char *dup[2] = {"A", "A"};
  pn = p;
  pn.col_labels = dup;
  CHECK_ERR(VT(2, base, &pn, &o, w, NULL, &err), err, FOLIO_EDUP, "duplicate column label A");
  const char *emp[2] = {"A", ""};
  pn.col_labels = emp;
  CHECK_ERR(VT(2, base, &pn, &o, w, NULL, &err), err, FOLIO_EINVAL, "column label #2 is empty");
  CHECK(all_equal(w, 2, SENTINEL));
  CHECK(VT(2, base, &p, &o, w, NULL, &err) == FOLIO_OK);
#undef VT
}

/* ---- fixed_weight ------------------------------------------------------------- */

static void test_fixed_weight(void) {
  folio_error err;
  const char *sy[3] = {"A", "B", "C"};
  double in[3] = {0.2, -0.1, 0.0}, out[3];
  CHECK(folio_fixed_weight(3, in, sy, out, &err) == FOLIO_OK);
  CHECK(memcmp(in, out, sizeof in) == 0);
  fill(out, 3, SENTINEL);
  double bad[3] = {0.2, NAN, 0.0};
  CHECK_ERR(folio_fixed_weight(3, bad, sy, out, &err), err, FOLIO_ENOTFINITE,
            "fixed_weight: weight is not finite (symbol B");
  bad[1] = 0;
  bad[2] = -INFINITY;
  CHECK_ERR(folio_fixed_weight(3, bad, sy, out, &err), err, FOLIO_ENOTFINITE, "symbol C");
  const char *dup[3] = {"A", "C", "C"};
  CHECK_ERR(folio_fixed_weight(3, in, dup, out, &err), err, FOLIO_EDUP,
            "fixed_weight: duplicate symbol C");
  CHECK_ERR(folio_fixed_weight(3, in, NULL, out, &err), err, FOLIO_EINVAL, "symbol array is NULL");
  const char *emp[3] = {"A", "", "C"};
  CHECK_ERR(folio_fixed_weight(3, in, emp, out, &err), err, FOLIO_EINVAL, "symbol #2 is empty");
  CHECK_ERR(folio_fixed_weight(3, NULL, sy, out, &err), err, FOLIO_EINVAL, "weights_in is NULL");
  CHECK_ERR(folio_fixed_weight(3, in, sy, NULL, &err), err, FOLIO_EINVAL, "weights_out is NULL");
  CHECK(all_equal(out, 3, SENTINEL));
}

/* ---- kelly_voltarget ------------------------------------------------------------ */

enum { KT = 300, KA = 6 };
static double kv_r[KT * KA];
static const char *const KV_SYM[KA] = {"AAA", "BBB", "CCC", "DDD", "EEE", "FFF"};

static void kv_data(void) {
  tl_rng g = {42};
  for (size_t t = 0; t < KT; t++) {
    double f = tl_normal(&g);
    for (size_t j = 0; j < KA; j++)
      kv_r[t + j * KT] =
          0.0003 * (double)j + 0.01 * (0.3 * f + tl_normal(&g)) * (1 + 0.2 * (double)j);
  }
}

/* The composite, recomputed from its definition with the public pieces. */
static void kv_expected(const double *signal, const folio_kelly_voltarget_opts *o, double *w_out,
                        double *scale_out) {
  size_t act[KA], m = 0;
  for (size_t j = 0; j < KA; j++)
    if (!isnan(signal[j])) act[m++] = j;
  double mean = 0, ss = 0;
  for (size_t k = 0; k < m; k++) mean += signal[act[k]];
  mean /= (double)m;
  for (size_t k = 0; k < m; k++) ss += (signal[act[k]] - mean) * (signal[act[k]] - mean);
  double sd = sqrt(ss / (double)(m - 1));
  double sig[KA * KA] = {0}, mu[KA] = {0}, wk[KA] = {0}, colmean[KA] = {0};
  size_t cw = o->cov_window, r0 = KT - cw;
  for (size_t a = 0; a < m; a++) {
    double s = 0;
    for (size_t t = r0; t < KT; t++) s += kv_r[t + act[a] * KT];
    colmean[a] = s / (double)cw;
  }
  for (size_t a = 0; a < m; a++)
    for (size_t b = 0; b < m; b++) {
      double s = 0;
      for (size_t t = r0; t < KT; t++)
        s += (kv_r[t + act[a] * KT] - colmean[a]) * (kv_r[t + act[b] * KT] - colmean[b]);
      sig[a + b * m] = s / (double)(cw - 1) * o->periods_per_year;
    }
  for (size_t k = 0; k < m; k++)
    mu[k] = o->ic * sqrt(sig[k + k * m]) * (signal[act[k]] - mean) / sd;
  folio_kelly_opts ko = {o->risk_aversion, o->cap, o->repair, NULL};
  folio_error err;
  const char *syms[KA] = {0};
  for (size_t k = 0; k < m; k++) syms[k] = KV_SYM[act[k]];
  CHECK(folio_kelly_fraction(m, mu, sig, m, syms, &ko, wk, NULL, NULL, NULL, &err) == FOLIO_OK);
  double base[KA] = {0};
  for (size_t k = 0; k < m; k++) base[act[k]] = wk[k];
  folio_panel p = folio_panel_make(kv_r, KT, KA);
  folio_vol_target_opts vo = {o->target_ann_vol, o->vol_window, o->max_scale, o->periods_per_year};
  folio_vol_target_info vi;
  double scaled[KA];
  CHECK(folio_vol_target_weights(KA, base, &p, &vo, scaled, &vi, &err) == FOLIO_OK);
  for (size_t j = 0; j < KA; j++) w_out[j] = fmin(fmax(scaled[j], -o->cap), o->cap);
  *scale_out = vi.scale;
}

static void test_kelly_voltarget(void) {
  folio_error err;
  folio_kelly_voltarget_info info;
  kv_data();
  folio_kelly_voltarget_opts o = folio_kelly_voltarget_defaults(0.12);
  CHECK(o.ic == 0.05 && o.risk_aversion == 2 && o.cap == 0.20 && o.cov_window == 252 &&
        o.target_ann_vol == 0.12 && o.vol_window == 63 && o.max_scale == 3 &&
        o.periods_per_year == 252 && o.repair == FOLIO_REPAIR_ERROR);
  CHECK(folio_kelly_voltarget_defaults(0.08).target_ann_vol == 0.08);
  folio_panel p = folio_panel_make(kv_r, KT, KA);
  p.col_labels = KV_SYM;
  double signal[KA] = {1.5, -0.3, 0.8, NAN, -1.2, 0.1};
  double w[KA], usd[KA], w_exp[KA], scale_exp;
  double nav = 1234567.89;
  CHECK(folio_kelly_voltarget(KA, signal, &p, nav, &o, w, usd, NULL, &info, &err) == FOLIO_OK);
  kv_expected(signal, &o, w_exp, &scale_exp);
  for (size_t j = 0; j < KA; j++) CHECK_NEAR(w[j], w_exp[j], 1e-12);
  CHECK_NEAR(info.scale, scale_exp, 1e-12 * scale_exp);
  CHECK(w[3] == 0.0 && usd[3] == 0.0);
  CHECK_EQ_INT(info.n_active, 5);
  CHECK(info.ridge == 0.0);
  for (size_t j = 0; j < KA; j++) {
    CHECK(fabs(w[j]) <= o.cap);
    CHECK(usd[j] == folio_usd_round_cents(w[j] * nav));
  }
  size_t at_cap = 0;
  for (size_t j = 0; j < KA; j++) at_cap += fabs(w[j]) == o.cap;
  CHECK_EQ_INT(info.n_capped, at_cap);
  CHECK(info.realised_vol > 0 && info.final_vol > 0);

  /* A looser cap, so the scaled weights are not clipped: the target is reached. */
  folio_kelly_voltarget_opts o2 = o;
  o2.cap = 50;
  o2.max_scale = 1000;
  CHECK(folio_kelly_voltarget(KA, signal, &p, nav, &o2, w, NULL, NULL, &info, &err) == FOLIO_OK);
  CHECK_NEAR(info.final_vol, 0.12, 1e-12);
  CHECK_EQ_INT(info.n_capped, 0);
  kv_expected(signal, &o2, w_exp, &scale_exp);
  for (size_t j = 0; j < KA; j++) CHECK_NEAR(w[j], w_exp[j], 1e-12 * fmax(1, fabs(w_exp[j])));

  /* Caller workspace: same bits. */
  double w2[KA];
  size_t bytes = folio_kelly_voltarget_work_size(KT, KA);
  CHECK(bytes > 0);
  void *work = malloc(bytes);
  CHECK(folio_kelly_voltarget(KA, signal, &p, nav, &o, w, NULL, NULL, NULL, &err) == FOLIO_OK);
  CHECK(folio_kelly_voltarget(KA, signal, &p, nav, &o, w2, NULL, work, NULL, &err) == FOLIO_OK);
  CHECK(memcmp(w, w2, sizeof w) == 0);
  free(work);
  /* Without labels the names are #k but the result is the same here (labels are sorted). */
  folio_panel pu = folio_panel_make(kv_r, KT, KA);
  CHECK(folio_kelly_voltarget(KA, signal, &pu, nav, &o, w2, NULL, NULL, NULL, &err) == FOLIO_OK);
  CHECK(memcmp(w, w2, sizeof w) == 0);

  /* An excluded name may have missing returns; an active one may not. */
  double saved = kv_r[KT - 5 + 3 * KT];
  kv_r[KT - 5 + 3 * KT] = NAN;
  CHECK(folio_kelly_voltarget(KA, signal, &p, nav, &o, w2, NULL, NULL, NULL, &err) == FOLIO_OK);
  CHECK(memcmp(w, w2, sizeof w) == 0);
  kv_r[KT - 5 + 3 * KT] = saved;
  saved = kv_r[KT - 7 + 1 * KT];
  kv_r[KT - 7 + 1 * KT] = NAN;
  fill(w2, KA, SENTINEL);
  CHECK_ERR(folio_kelly_voltarget(KA, signal, &p, nav, &o, w2, NULL, NULL, NULL, &err), err,
            FOLIO_EMISSING, "kelly_voltarget: missing return (symbol BBB, row #294)");
  kv_r[KT - 7 + 1 * KT] = INFINITY;
  CHECK_ERR(folio_kelly_voltarget(KA, signal, &p, nav, &o, w2, NULL, NULL, NULL, &err), err,
            FOLIO_ENOTFINITE, "infinite return (symbol BBB, row #294)");
  kv_r[KT - 7 + 1 * KT] = saved;
  CHECK(all_equal(w2, KA, SENTINEL));
}

static void test_kelly_voltarget_errors(void) {
  folio_error err;
  kv_data();
  folio_kelly_voltarget_opts o = folio_kelly_voltarget_defaults(0.12);
  folio_panel p = folio_panel_make(kv_r, KT, KA);
  p.col_labels = KV_SYM;
  double signal[KA] = {1.5, -0.3, 0.8, NAN, -1.2, 0.1};
  double w[KA], usd[KA];
  fill(w, KA, SENTINEL);
  fill(usd, KA, SENTINEL);
#define KV(sig, pp, nav, oo) folio_kelly_voltarget(KA, sig, pp, nav, oo, w, usd, NULL, NULL, &err)
  CHECK_ERR(KV(signal, &p, 0.0, &o), err, FOLIO_EINVAL,
            "kelly_voltarget: nav_usd must be finite, > 0");
  CHECK_ERR(KV(signal, &p, -5.0, &o), err, FOLIO_EINVAL, "nav_usd");
  CHECK_ERR(KV(signal, &p, NAN, &o), err, FOLIO_EINVAL, "nav_usd");
  CHECK_ERR(KV(signal, &p, INFINITY, &o), err, FOLIO_EINVAL, "nav_usd");
  CHECK_ERR(KV(signal, &p, 2e13, &o), err, FOLIO_EINVAL, "nav_usd");
  double one[KA] = {NAN, NAN, 1.0, NAN, NAN, NAN};
  CHECK_ERR(KV(one, &p, 1e6, &o), err, FOLIO_EEMPTY, "1 name(s) with a signal; at least 2 needed");
  double flat[KA] = {0.5, 0.5, NAN, 0.5, 0.5, 0.5};
  CHECK_ERR(KV(flat, &p, 1e6, &o), err, FOLIO_EDEGENERATE, "signal is constant");
  double inf_sig[KA] = {1, 2, -INFINITY, 0, 1, 2};
  CHECK_ERR(KV(inf_sig, &p, 1e6, &o), err, FOLIO_ENOTFINITE, "signal is infinite (symbol CCC)");
  folio_kelly_voltarget_opts b = o;
  b.cov_window = KT + 1;
  CHECK_ERR(KV(signal, &p, 1e6, &b), err, FOLIO_ESHORT,
            "cov_window needs 301 rows of returns, got 300");
  b = o;
  b.vol_window = KT + 5;
  CHECK_ERR(KV(signal, &p, 1e6, &b), err, FOLIO_ESHORT, "vol_window needs 305 rows");
  b = o;
  b.ic = 0;
  CHECK_ERR(KV(signal, &p, 1e6, &b), err, FOLIO_EINVAL, "ic must be finite and > 0");
  b = o;
  b.risk_aversion = -1;
  CHECK_ERR(KV(signal, &p, 1e6, &b), err, FOLIO_EINVAL, "kelly_voltarget: risk_aversion");
  b = o;
  b.cap = 0;
  CHECK_ERR(KV(signal, &p, 1e6, &b), err, FOLIO_EINVAL, "kelly_voltarget: cap");
  b = o;
  b.cov_window = 1;
  CHECK_ERR(KV(signal, &p, 1e6, &b), err, FOLIO_EINVAL, "cov_window must be >= 2");
  b = o;
  b.vol_window = 0;
  CHECK_ERR(KV(signal, &p, 1e6, &b), err, FOLIO_EINVAL, "vol_window must be >= 2");
  b = o;
  b.target_ann_vol = -0.1;
  CHECK_ERR(KV(signal, &p, 1e6, &b), err, FOLIO_EINVAL, "target_ann_vol");
  b = o;
  b.max_scale = NAN;
  CHECK_ERR(KV(signal, &p, 1e6, &b), err, FOLIO_EINVAL, "max_scale");
  b = o;
  b.periods_per_year = 0;
  CHECK_ERR(KV(signal, &p, 1e6, &b), err, FOLIO_EINVAL, "periods_per_year");
  b = o;
  b.repair = (folio_repair)7;
  CHECK_ERR(KV(signal, &p, 1e6, &b), err, FOLIO_EINVAL, "repair");
  CHECK_ERR(KV(NULL, &p, 1e6, &o), err, FOLIO_EINVAL, "signal is NULL");
  CHECK_ERR(KV(signal, NULL, 1e6, &o), err, FOLIO_EINVAL, "log_returns is NULL");
  CHECK_ERR(KV(signal, &p, 1e6, NULL), err, FOLIO_EINVAL, "opts is NULL");
  CHECK_ERR(folio_kelly_voltarget(KA, signal, &p, 1e6, &o, NULL, NULL, NULL, NULL, &err), err,
            FOLIO_EINVAL, "weights is NULL");
  folio_panel pn = folio_panel_make(kv_r, KT, KA - 1);
  CHECK_ERR(KV(signal, &pn, 1e6, &o), err, FOLIO_EDIM,
            "log_returns has 5 columns but there are 6 signals");
  const char *dup[KA] = {"AAA", "BBB", "CCC", "DDD", "EEE", "AAA"};
  pn = p;
  pn.col_labels = dup;
  CHECK_ERR(KV(signal, &pn, 1e6, &o), err, FOLIO_EDUP, "duplicate column label AAA");

  /* An active name with all-zero returns: Sigma has an exactly zero row, so
   * the factorisation fails at that name. */
  static double r2[KT * KA];
  memcpy(r2, kv_r, sizeof r2);
  memset(r2 + 4 * KT, 0, sizeof(double) * KT);
  folio_panel ps = folio_panel_make(r2, KT, KA);
  ps.col_labels = KV_SYM;
  CHECK_ERR(KV(signal, &ps, 1e6, &o), err, FOLIO_ENOTPD,
            "kelly_voltarget: cov is not positive definite (symbol EEE)");
  CHECK(all_equal(w, KA, SENTINEL) && all_equal(usd, KA, SENTINEL));
  b = o;
  b.repair = FOLIO_REPAIR_RIDGE;
  folio_kelly_voltarget_info info;
  CHECK(folio_kelly_voltarget(KA, signal, &ps, 1e6, &b, w, usd, NULL, &info, &err) == FOLIO_OK);
  CHECK(info.ridge > 0);
  CHECK(w[4] == 0.0); /* its row of Sigma + rI is r e_4 and its mu is 0 */
  for (size_t j = 0; j < KA; j++) CHECK(fabs(w[j]) <= b.cap);
#undef KV
}

int main(void) {
  test_check_symbols();
  test_ewls_basic();
  test_ewls_ties();
  test_ewls_nan_and_shrink();
  test_ewls_one_side();
  test_ewls_errors();
  test_repair();
  test_kelly_2x2();
  test_kelly_layouts();
  test_kelly_ridge();
  test_kelly_errors();
  test_vol_target_hand();
  test_vol_target_errors();
  test_fixed_weight();
  test_kelly_voltarget();
  test_kelly_voltarget_errors();
  return tl_finish("test_sizers");
}
