/*
 * test_cancel.c — folio_cancel (cancel.h) in every core function that polls
 * it: a poll that says stop at its k-th call makes the function return
 * FOLIO_ECANCELED with a message naming it and where it stopped, leaves the
 * outputs untouched and never polls again; a poll that never says stop gives
 * results bit-identical to no cancel at all (a property over random inputs).
 * Leaks are LeakSanitizer's to find (make asan).
 */
#include <limits.h>

#include "folio/allocator.h"
#include "folio/cancel.h"
#include "folio/risk_sizers.h"
#include "folio/turnover.h"
#include "testlib.h"

/* Says stop at call number stop_at (never when 0), counting calls. */
typedef struct counter {
  int calls, stop_at;
} counter;

static int poll_counter(void *ud) {
  counter *c = ud;
  c->calls++;
  return c->stop_at > 0 && c->calls >= c->stop_at;
}

static folio_error err;

/* A random positive definite covariance: B B' / k + diag(d), n x n. */
static void random_cov(tl_rng *r, size_t n, double *cov) {
  size_t k = n / 2 + 2;
  double *b = malloc(n * k * sizeof *b);
  for (size_t i = 0; i < n * k; i++) b[i] = 0.1 * tl_normal(r);
  for (size_t j = 0; j < n; j++)
    for (size_t i = 0; i < n; i++) {
      double s = 0;
      for (size_t t = 0; t < k; t++) s += b[i + t * n] * b[j + t * n];
      cov[i + j * n] = s / (double)k + (i == j ? 0.001 + 0.05 * tl_uniform(r) : 0.0);
    }
  free(b);
}

/* ---- risk sizers -------------------------------------------------------------------- */

static void test_risk_parity_cancel(void) {
  enum { N = 20 };
  double cov[N * N], w[N], rc[N];
  tl_rng r = {11};
  random_cov(&r, N, cov);
  folio_risk_sizer_opts o = folio_risk_sizer_defaults();
  o.tol = 1e-300; /* never converges: Newton, then 5e7 coordinate-descent sweeps */
  o.max_iter = 1000000;
  counter c = {0, 50};
  folio_cancel cancel = {poll_counter, &c};
  o.cancel = &cancel;
  for (int i = 0; i < N; i++) w[i] = rc[i] = -7.0;
  folio_risk_sizer_info info, before;
  memset(&info, 0x5a, sizeof info);
  before = info;
  CHECK_ERR(folio_risk_parity(N, cov, N, NULL, &o, w, rc, NULL, &info, &err), err, FOLIO_ECANCELED,
            "risk_parity: cancelled at ");
  CHECK_EQ_INT(c.calls, 50); /* not polled again after it said stop */
  for (int i = 0; i < N; i++) CHECK(w[i] == -7.0 && rc[i] == -7.0);
  CHECK(memcmp(&info, &before, sizeof info) == 0);
  CHECK(strcmp(folio_status_name(FOLIO_ECANCELED), "FOLIO_ECANCELED") == 0);

  /* stop at the very first poll: before the factorisation */
  c.calls = 0, c.stop_at = 1;
  CHECK_ERR(folio_risk_parity(N, cov, N, NULL, &o, w, rc, NULL, &info, &err), err, FOLIO_ECANCELED,
            "risk_parity: cancelled before factorising cov");
  CHECK_EQ_INT(c.calls, 1);

  /* the coordinate-descent phase (max_iter 1 leaves Newton after one step;
   * 200 assets: a poll every few sweeps) */
  enum { M = 200 };
  double *big = malloc(M * M * sizeof *big), *wb = malloc(M * sizeof *wb);
  random_cov(&r, M, big);
  for (int i = 0; i < M; i++) wb[i] = -7.0;
  o.max_iter = 1;
  c.calls = 0, c.stop_at = 4;
  CHECK_ERR(folio_risk_parity(M, big, M, NULL, &o, wb, NULL, NULL, &info, &err), err,
            FOLIO_ECANCELED, "risk_parity: cancelled at coordinate-descent sweep ");
  for (int i = 0; i < M; i++) CHECK(wb[i] == -7.0);
  free(big), free(wb);
}

static void test_qp_cancel(void) {
  enum { N = 40 };
  double cov[N * N], w[N], up[N];
  tl_rng r = {12};
  random_cov(&r, N, cov);
  for (int i = 0; i < N; i++) up[i] = 0.05; /* binding caps: the active-set method iterates */
  folio_risk_sizer_opts o = folio_risk_sizer_defaults();
  o.upper = up;
  counter c = {0, 1};
  folio_cancel cancel = {poll_counter, &c};
  o.cancel = &cancel;
  for (int i = 0; i < N; i++) w[i] = -7.0;
  CHECK_ERR(folio_min_variance(N, cov, N, NULL, &o, w, NULL, NULL, NULL, &err), err, FOLIO_ECANCELED,
            "min_variance: cancelled before factorising cov");
  for (int i = 0; i < N; i++) CHECK(w[i] == -7.0);
  o.upper = NULL;
  c.calls = 0;
  CHECK_ERR(folio_max_diversification(N, cov, N, NULL, &o, w, NULL, NULL, NULL, &err), err,
            FOLIO_ECANCELED, "max_diversification: cancelled");
  for (int i = 0; i < N; i++) CHECK(w[i] == -7.0);
  /* an active-set iteration's poll: a large problem polls every iteration */
  enum { M = 400 };
  double *big = malloc(M * M * sizeof *big), *wb = malloc(M * sizeof *wb), *ub = malloc(M * sizeof *ub);
  random_cov(&r, M, big);
  for (int i = 0; i < M; i++) ub[i] = 0.004, wb[i] = -7.0;
  o.upper = ub;
  c.calls = 0, c.stop_at = 2;
  folio_status st = folio_min_variance(M, big, M, NULL, &o, wb, NULL, NULL, NULL, &err);
  CHECK_ERR(st, err, FOLIO_ECANCELED, "min_variance: cancelled at active-set iteration 1");
  for (int i = 0; i < M; i++) CHECK(wb[i] == -7.0);
  free(big), free(wb), free(ub);
}

/* The Higham repair behind a sizer: 200 eigendecompositions at most, each
 * polled. A correlation-like matrix with large random off-diagonals is not
 * positive definite. */
static void test_repair_cancel(void) {
  enum { N = 150 };
  static double cov[N * N];
  double w[N];
  tl_rng r = {16};
  for (int j = 0; j < N; j++) {
    cov[j + j * N] = 1.0;
    for (int i = j + 1; i < N; i++) cov[i + j * N] = cov[j + i * N] = 1.8 * tl_uniform(&r) - 0.9;
  }
  for (int i = 0; i < N; i++) w[i] = -7.0;
  folio_risk_sizer_opts o = folio_risk_sizer_defaults();
  o.repair = FOLIO_REPAIR_HIGHAM;
  counter c = {0, 3}; /* 1: before factorising; 2, 3: Higham iterations */
  folio_cancel cancel = {poll_counter, &c};
  o.cancel = &cancel;
  CHECK_ERR(folio_risk_parity(N, cov, N, NULL, &o, w, NULL, NULL, NULL, &err), err, FOLIO_ECANCELED,
            "risk_parity: cov_repair: cancelled at Higham iteration 2");
  for (int i = 0; i < N; i++) CHECK(w[i] == -7.0);
  CHECK_EQ_INT(c.calls, 3);
}

/* A poll that never says stop changes nothing, bit for bit. */
static void prop_never_cancelled_is_identical(void) {
  tl_rng r = {13};
  counter c = {0, 0};
  folio_cancel cancel = {poll_counter, &c};
  for (int trial = 0; trial < 30; trial++) {
    size_t n = 2 + tl_index(&r, 60);
    double *cov = malloc(n * n * sizeof *cov), *w1 = malloc(n * sizeof *w1), *w2 = malloc(n * sizeof *w2);
    double *up = malloc(n * sizeof *up);
    random_cov(&r, n, cov);
    for (size_t i = 0; i < n; i++) up[i] = 1.5 / (double)n;
    folio_risk_sizer_opts o = folio_risk_sizer_defaults(), oc;
    if (trial % 3 == 0) o.max_iter = 1; /* coordinate descent */
    if (trial % 3 == 1) o.upper = up;
    oc = o;
    oc.cancel = &cancel;
    folio_risk_sizer_info i1, i2;
    folio_status s1 = trial % 3 == 1 ? folio_min_variance(n, cov, n, NULL, &o, w1, NULL, NULL, &i1, &err)
                                     : folio_risk_parity(n, cov, n, NULL, &o, w1, NULL, NULL, &i1, &err);
    folio_status s2 = trial % 3 == 1 ? folio_min_variance(n, cov, n, NULL, &oc, w2, NULL, NULL, &i2, &err)
                                     : folio_risk_parity(n, cov, n, NULL, &oc, w2, NULL, NULL, &i2, &err);
    CHECK_EQ_INT(s1, s2);
    CHECK_MSG(s1 != FOLIO_OK || memcmp(w1, w2, n * sizeof *w1) == 0, "trial %d (n %zu) differs", trial, n);
    CHECK(s1 != FOLIO_OK || i1.iterations == i2.iterations);
    free(cov), free(w1), free(w2), free(up);
  }
}

/* ---- turnover ----------------------------------------------------------------------- */

static void test_turnover_cancel(void) {
  enum { N = 300 }; /* its Cholesky alone is worth a poll: iteration 1 polls */
  static double Q[N * N];
  double t[N], w0[N], w[N];
  tl_rng r = {14};
  random_cov(&r, N, Q);
  for (int i = 0; i < N; i++) t[i] = 0.05 * tl_normal(&r), w0[i] = 0.05 * tl_normal(&r), w[i] = -7.0;
  folio_turnover_opts o = folio_turnover_defaults();
  counter c = {0, 1};
  folio_cancel cancel = {poll_counter, &c};
  o.cancel = &cancel;
  folio_turnover_info info, before;
  memset(&info, 0x5a, sizeof info);
  before = info;
  CHECK_ERR(folio_turnover_project(N, t, w0, Q, N, NULL, 0.1, &o, w, &info, NULL, &err), err,
            FOLIO_ECANCELED, "turnover: cancelled at projected-gradient iteration 1");
  for (int i = 0; i < N; i++) CHECK(w[i] == -7.0);
  CHECK(memcmp(&info, &before, sizeof info) == 0);
  CHECK_EQ_INT(c.calls, 1);
  /* never cancelled: identical to no cancel */
  double w1[N], w2[N];
  c.calls = 0, c.stop_at = 0;
  folio_turnover_opts plain = folio_turnover_defaults();
  CHECK_EQ_INT(folio_turnover_project(N, t, w0, Q, N, NULL, 0.1, &plain, w1, NULL, NULL, &err), FOLIO_OK);
  CHECK_EQ_INT(folio_turnover_project(N, t, w0, Q, N, NULL, 0.1, &o, w2, NULL, NULL, &err), FOLIO_OK);
  CHECK(memcmp(w1, w2, sizeof w1) == 0);

  /* factored Q = diag I + weight X'X: the dual Newton steps poll too */
  enum { T = 30 };
  static double X[T * N];
  for (int i = 0; i < T * N; i++) X[i] = 0.02 * tl_normal(&r);
  folio_cov_factor F = {T, X, T, 1e-4, 1.0};
  size_t ws = folio_turnover_factored_work_size(N, T);
  void *work = malloc(ws);
  int cancelled = 0;
  for (int stop = 1; stop <= 3; stop++) {
    c.calls = 0, c.stop_at = stop;
    for (int i = 0; i < N; i++) w[i] = -7.0;
    folio_status st = folio_turnover_project_factored(N, t, w0, &F, NULL, 0.1, &o, w, NULL, work, &err);
    CHECK_MSG(st == FOLIO_ECANCELED || (st == FOLIO_OK && c.calls < stop), "stop %d: %d %s", stop, st,
              err.message);
    if (st == FOLIO_ECANCELED) {
      cancelled++;
      CHECK(strstr(err.message, "turnover_factored: cancelled") != NULL);
      for (int i = 0; i < N; i++) CHECK(w[i] == -7.0);
    }
  }
  CHECK(cancelled > 0);
  free(work);
}

/* ---- allocator ---------------------------------------------------------------------- */

static void test_allocator_cancel(void) {
  enum { N = 300 };
  static char names[N][8];
  const char *sym[N];
  double score[N], price[N];
  tl_rng r = {15};
  for (int i = 0; i < N; i++) {
    snprintf(names[i], sizeof names[i], "S%03d", i);
    sym[i] = names[i];
    score[i] = 0.5 + 0.1 * tl_uniform(&r);
    price[i] = 100 + 900 * tl_uniform(&r);
  }
  folio_allocator_opts o = folio_allocator_defaults();
  o.capital = 1e5;
  o.max_weight = 0.0334;
  o.min_weight = 0.0333;
  o.max_positions = 30;
  counter c = {0, 1};
  folio_cancel cancel = {poll_counter, &c};
  o.cancel = &cancel;
  folio_allocation out[N];
  size_t n_out = 12345;
  folio_allocator_info info;
  CHECK_ERR(folio_allocator_allocate(N, sym, score, price, &o, out, &n_out, &info, &err), err,
            FOLIO_ECANCELED, "allocate: cancelled in GLPK's branch and bound");
  CHECK_EQ_INT(n_out, 12345);
  CHECK_EQ_INT(c.calls, 1);
}

/* folio_cancel_requested: NULL and a NULL poll never cancel; otherwise the poll's answer. */
static void test_cancel_requested(void) {
  CHECK(folio_cancel_requested(NULL) == 0);
  folio_cancel none = {NULL, NULL};
  CHECK(folio_cancel_requested(&none) == 0);
  counter c = {0, 0};
  folio_cancel never = {poll_counter, &c};
  CHECK(folio_cancel_requested(&never) == 0);
  CHECK(c.calls == 1);
  counter d = {0, 1};
  folio_cancel now = {poll_counter, &d};
  CHECK(folio_cancel_requested(&now) != 0);
}

int main(void) {
  test_cancel_requested();
  test_risk_parity_cancel();
  test_qp_cancel();
  test_repair_cancel();
  prop_never_cancelled_is_identical();
  test_turnover_cancel();
  test_allocator_cancel();
  return tl_finish("test_cancel");
}
