/*
 * test_turnover.c — turnover.h (core/src/composition/turnover.c): the
 * L1-ball projection, the turnover problem (budget suffices -> t bit for
 * bit, identity = exact projection, caps, forced trades, a covariance case
 * checked against its KKT conditions), the workspace, and every bad input.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "folio/turnover.h"
#include "testlib.h"

static void test_l1(void) {
  double x[] = {0.1, -0.05, -0.08, 0.05, 0.08, 0.0}, y[6], th;
  folio_error err;
  CHECK_EQ_INT(folio_l1_ball_project(6, x, 1.0, y, &th, NULL, &err), FOLIO_OK);
  CHECK(memcmp(x, y, sizeof x) == 0 && th == 0);
  CHECK_EQ_INT(folio_l1_ball_project(6, x, 0.1, y, &th, NULL, &err), FOLIO_OK);
  double s = 0;
  for (int i = 0; i < 6; i++) s += fabs(y[i]);
  CHECK_NEAR(s, 0.1, 1e-15);
  CHECK(y[0] > 0 && y[1] <= 0 && y[5] == 0);
  CHECK_EQ_INT(folio_l1_ball_project(6, x, 0.0, y, &th, NULL, &err), FOLIO_OK);
  for (int i = 0; i < 6; i++) CHECK(y[i] == 0);
  CHECK_ERR(folio_l1_ball_project(6, x, -1, y, &th, NULL, &err), err, FOLIO_EINVAL, "radius");
  CHECK_ERR(folio_l1_ball_project(6, x, NAN, y, &th, NULL, &err), err, FOLIO_EINVAL, "radius");
  x[2] = NAN;
  CHECK_ERR(folio_l1_ball_project(6, x, 1, y, &th, NULL, &err), err, FOLIO_ENOTFINITE, "x[2]");
}

static void test_turnover(void) {
  const char *sy[] = {"A", "B", "C", "D"};
  double t[] = {0.4, 0.3, 0.2, 0.1}, w0[] = {0.25, 0.25, 0.25, 0.25}, w[4];
  double Q[16] = {0.04, 0.01, 0, 0, 0.01, 0.09, 0.02, 0, 0, 0.02, 0.05, 0.01, 0, 0, 0.01, 0.03};
  folio_turnover_opts o = folio_turnover_defaults();
  o.symbols = sy;
  folio_turnover_info info;
  folio_error err;
  /* budget suffices: t bit for bit */
  CHECK_EQ_INT(folio_turnover_project(4, t, w0, Q, 4, NULL, 0.5, &o, w, &info, NULL, &err), FOLIO_OK);
  CHECK(memcmp(w, t, sizeof t) == 0);
  CHECK(strcmp(info.method, "unconstrained") == 0 && !info.constrained && info.objective == 0);
  CHECK_EQ_INT(folio_turnover_project(4, t, w0, NULL, 0, NULL, INFINITY, &o, w, &info, NULL, &err), FOLIO_OK);
  CHECK(memcmp(w, t, sizeof t) == 0);
  /* identity: the exact projection */
  double d[4];
  for (int i = 0; i < 4; i++) d[i] = t[i] - w0[i];
  folio_l1_ball_project(4, d, 0.2, d, NULL, NULL, &err);
  CHECK_EQ_INT(folio_turnover_project(4, t, w0, NULL, 0, NULL, 0.2, &o, w, &info, NULL, &err), FOLIO_OK);
  for (int i = 0; i < 4; i++) CHECK(w[i] == w0[i] + d[i]);
  CHECK(info.turnover <= 0.2 + 1e-12 && info.constrained && info.converged);
  CHECK(strcmp(info.method, "projection") == 0);
  /* covariance: KKT */
  CHECK_EQ_INT(folio_turnover_project(4, t, w0, Q, 4, NULL, 0.1, &o, w, &info, NULL, &err), FOLIO_OK);
  CHECK(info.turnover <= 0.1 + 1e-12 && info.converged && info.lambda > 0);
  CHECK(strcmp(info.method, "apg+active_set") == 0);
  for (int i = 0; i < 4; i++) {
    double g = 0;
    for (int j = 0; j < 4; j++) g += 2 * Q[i + 4 * j] * (w[j] - t[j]);
    if (w[i] != w0[i]) CHECK_NEAR(g + info.lambda * (w[i] > w0[i] ? 1 : -1), 0, 1e-12);
    else CHECK(fabs(g) <= info.lambda + 1e-12);
  }
  /* the same with a workspace: bit-identical */
  double w2[4];
  void *work = malloc(folio_turnover_work_size(4));
  CHECK_EQ_INT(folio_turnover_project(4, t, w0, Q, 4, NULL, 0.1, &o, w2, NULL, work, &err), FOLIO_OK);
  CHECK(memcmp(w, w2, sizeof w) == 0);
  free(work);
  /* caps: targets clipped first, bounds hold */
  double caps[] = {0.3, INFINITY, INFINITY, INFINITY};
  CHECK_EQ_INT(folio_turnover_project(4, t, w0, Q, 4, caps, 1.0, &o, w, &info, NULL, &err), FOLIO_OK);
  CHECK(w[0] == 0.3 && info.n_clipped == 1 && w[1] == t[1]);
  CHECK_EQ_INT(folio_turnover_project(4, t, w0, Q, 4, caps, 0.05, &o, w, &info, NULL, &err), FOLIO_OK);
  CHECK(w[0] <= 0.3 && info.turnover <= 0.05 + 1e-12);
  /* a current position above its cap: forced trade, then the rest of the budget */
  double w0b[] = {0.5, 0.2, 0.2, 0.1};
  CHECK_EQ_INT(folio_turnover_project(4, t, w0b, NULL, 0, caps, 0.3, &o, w, &info, NULL, &err), FOLIO_OK);
  CHECK(w[0] <= 0.3 && info.forced > 0.2 - 1e-15 && info.turnover <= 0.3 + 1e-12);
  CHECK_EQ_INT(folio_turnover_project(4, t, w0b, Q, 4, caps, 0.1, &o, w, &info, NULL, &err), FOLIO_OK);
  CHECK(w[0] == 0.3 && info.budget_exceeded && strcmp(info.method, "caps_forced") == 0);
  CHECK(w[1] == w0b[1] && w[2] == w0b[2]);
  /* budget 0: stay */
  CHECK_EQ_INT(folio_turnover_project(4, t, w0, Q, 4, NULL, 0, &o, w, &info, NULL, &err), FOLIO_OK);
  CHECK(memcmp(w, w0, sizeof w) == 0);
  /* errors */
  CHECK_ERR(folio_turnover_project(4, t, w0, Q, 4, NULL, -0.1, &o, w, &info, NULL, &err), err, FOLIO_EINVAL, "budget");
  CHECK_ERR(folio_turnover_project(4, t, w0, Q, 4, NULL, NAN, &o, w, &info, NULL, &err), err, FOLIO_EINVAL, "budget");
  CHECK_ERR(folio_turnover_project(0, t, w0, Q, 4, NULL, 0.1, &o, w, &info, NULL, &err), err, FOLIO_EEMPTY, "");
  CHECK_ERR(folio_turnover_project(4, NULL, w0, Q, 4, NULL, 0.1, &o, w, &info, NULL, &err), err, FOLIO_EINVAL, "NULL");
  CHECK_ERR(folio_turnover_project(4, t, w0, Q, 3, NULL, 0.1, &o, w, &info, NULL, &err), err, FOLIO_EINVAL, "ld_q");
  double tn[] = {0.4, NAN, 0.2, 0.1};
  CHECK_ERR(folio_turnover_project(4, tn, w0, Q, 4, NULL, 0.1, &o, w, &info, NULL, &err), err, FOLIO_ENOTFINITE, "target of B");
  double wn[] = {0.4, 0.1, INFINITY, 0.1};
  CHECK_ERR(folio_turnover_project(4, t, wn, Q, 4, NULL, 0.1, &o, w, &info, NULL, &err), err, FOLIO_ENOTFINITE, "current weight of C");
  double cz[] = {0.3, 0, 1, 1};
  CHECK_ERR(folio_turnover_project(4, t, w0, Q, 4, cz, 0.1, &o, w, &info, NULL, &err), err, FOLIO_EINVAL, "cap of B");
  double cn[] = {0.3, 1, NAN, 1};
  CHECK_ERR(folio_turnover_project(4, t, w0, Q, 4, cn, 0.1, &o, w, &info, NULL, &err), err, FOLIO_EINVAL, "cap of C");
  double Qa[16];
  memcpy(Qa, Q, sizeof Q);
  Qa[1] = 0.02;
  CHECK_ERR(folio_turnover_project(4, t, w0, Qa, 4, NULL, 0.1, &o, w, &info, NULL, &err), err, FOLIO_ENOTSYM, "A, B");
  memcpy(Qa, Q, sizeof Q);
  Qa[1] = Qa[4] = 0.5; /* |corr| > 1 */
  CHECK_ERR(folio_turnover_project(4, t, w0, Qa, 4, NULL, 0.1, &o, w, &info, NULL, &err), err, FOLIO_ENOTPD, "symbol B");
  memcpy(Qa, Q, sizeof Q);
  Qa[10] = -0.01;
  CHECK_ERR(folio_turnover_project(4, t, w0, Qa, 4, NULL, 0.1, &o, w, &info, NULL, &err), err, FOLIO_ENOTPD, "negative variance (symbol C)");
  memcpy(Qa, Q, sizeof Q);
  Qa[15] = NAN;
  CHECK_ERR(folio_turnover_project(4, t, w0, Qa, 4, NULL, 0.1, &o, w, &info, NULL, &err), err, FOLIO_ENOTFINITE, "(D, D)");
  double Z[16] = {0};
  CHECK_ERR(folio_turnover_project(4, t, w0, Z, 4, NULL, 0.1, &o, w, &info, NULL, &err), err, FOLIO_EDEGENERATE, "zero");
  o.tol = 0;
  CHECK_ERR(folio_turnover_project(4, t, w0, Q, 4, NULL, 0.1, &o, w, &info, NULL, &err), err, FOLIO_EINVAL, "tol");
}

/* Bad inputs of folio_l1_ball_project not covered above, and its edge cases. */
static void test_l1_bad_inputs(void) {
  folio_error err;
  double x[3] = {0.1, -0.2, 0.3}, y[3], th = -1;
  CHECK_ERR(folio_l1_ball_project(3, NULL, 1, y, &th, NULL, &err), err, FOLIO_EINVAL, "x or y is NULL");
  CHECK_ERR(folio_l1_ball_project(3, x, 1, NULL, &th, NULL, &err), err, FOLIO_EINVAL, "x or y is NULL");
  x[1] = INFINITY;
  CHECK_ERR(folio_l1_ball_project(3, x, 1, y, &th, NULL, &err), err, FOLIO_ENOTFINITE, "l1_ball_project: x[1] is not finite");
  x[1] = -0.2;
  /* n = 0 and an infinite radius are valid; theta is optional */
  CHECK_EQ_INT(folio_l1_ball_project(0, NULL, 1, NULL, &th, NULL, &err), FOLIO_OK);
  CHECK_EQ_INT(folio_l1_ball_project(3, x, INFINITY, y, &th, NULL, &err), FOLIO_OK);
  CHECK(memcmp(x, y, sizeof x) == 0);
  CHECK_EQ_INT(folio_l1_ball_project(3, x, 0.1, y, NULL, NULL, &err), FOLIO_OK);
  CHECK_NEAR(fabs(y[0]) + fabs(y[1]) + fabs(y[2]), 0.1, 1e-15);
}

/* Bad inputs of folio_turnover_project / folio_turnover_work_size not covered above. */
static void test_turnover_bad_inputs(void) {
  folio_error err;
  double t[] = {0.4, 0.3, 0.2, 0.1}, w0[] = {0.25, 0.25, 0.25, 0.25}, w[4], w2[4];
  folio_turnover_opts o = folio_turnover_defaults();
  CHECK_ERR(folio_turnover_project(4, t, NULL, NULL, 0, NULL, 0.1, &o, w, NULL, NULL, &err), err, FOLIO_EINVAL,
            "target, current or w_out is NULL");
  CHECK_ERR(folio_turnover_project(4, t, w0, NULL, 0, NULL, 0.1, &o, NULL, NULL, NULL, &err), err, FOLIO_EINVAL,
            "target, current or w_out is NULL");
  o.max_iter = 0;
  CHECK_ERR(folio_turnover_project(4, t, w0, NULL, 0, NULL, 0.1, &o, w, NULL, NULL, &err), err, FOLIO_EINVAL,
            "max_iter >= 1");
  o = folio_turnover_defaults();
  o.tol = NAN;
  CHECK_ERR(folio_turnover_project(4, t, w0, NULL, 0, NULL, 0.1, &o, w, NULL, NULL, &err), err, FOLIO_EINVAL,
            "tol must be in (0, 1)");
  o.tol = 1;
  CHECK_ERR(folio_turnover_project(4, t, w0, NULL, 0, NULL, 0.1, &o, w, NULL, NULL, &err), err, FOLIO_EINVAL,
            "tol must be in (0, 1)");
  o = folio_turnover_defaults();
  double cneg[] = {-0.1, 1, 1, 1};
  CHECK_ERR(folio_turnover_project(4, t, w0, NULL, 0, cneg, 0.1, &o, w, NULL, NULL, &err), err, FOLIO_EINVAL,
            "cap of #1 must be > 0, got -0.1");
  CHECK_ERR(folio_turnover_project((size_t)1 << 40, t, w0, NULL, 0, NULL, 0.1, &o, w, NULL, NULL, &err), err,
            FOLIO_EDIM, "too many assets");
  CHECK(folio_turnover_work_size(4) > 0);
  CHECK(folio_turnover_work_size(SIZE_MAX / 2) == 0);
  /* opts = NULL means the defaults */
  CHECK_EQ_INT(folio_turnover_project(4, t, w0, NULL, 0, NULL, 0.1, NULL, w, NULL, NULL, &err), FOLIO_OK);
  CHECK_EQ_INT(folio_turnover_project(4, t, w0, NULL, 0, NULL, 0.1, &o, w2, NULL, NULL, &err), FOLIO_OK);
  CHECK(memcmp(w, w2, sizeof w) == 0);
}

int main(void) {
  test_l1();
  test_turnover();
  test_l1_bad_inputs();
  test_turnover_bad_inputs();
  return tl_finish("test_turnover");
}
