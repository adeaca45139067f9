/*
 * test_qp.c — the convex QP of qp.h on hand cases with known answers:
 * unconstrained, equality-only, bounds-only, general inequalities,
 * degenerate (redundant and parallel constraints), semidefinite Q (an LP
 * through the proximal loop), infeasible problems and bad input; and the
 * KKT certificate on each.
 */
#include "folio/qp.h"
#include "testlib.h"

static folio_qp_problem prob(size_t n, const double *q, const double *c) {
  folio_qp_problem p;
  memset(&p, 0, sizeof p);
  p.n_vars = n;
  p.q = q;
  p.ld_q = n;
  p.c = c;
  return p;
}

static void check_kkt(const folio_qp_info *info, double tol) {
  CHECK_MSG(info->kkt.primal <= tol, "primal %g", info->kkt.primal);
  CHECK_MSG(info->kkt.dual <= tol, "dual %g", info->kkt.dual);
  CHECK_MSG(info->kkt.complementarity <= tol, "compl %g", info->kkt.complementarity);
  CHECK_MSG(info->kkt.stationarity <= tol, "stat %g", info->kkt.stationarity);
}

static void test_unconstrained(void) {
  double q[] = {2, 0, 0, 4}, c[] = {-2, -8};
  folio_qp_problem p = prob(2, q, c);
  double x[2];
  folio_qp_info info;
  folio_error err;
  CHECK_EQ_INT(folio_qp_solve(&p, NULL, x, NULL, NULL, NULL, NULL, NULL, &info, &err), FOLIO_OK);
  CHECK_NEAR(x[0], 1.0, 1e-14);
  CHECK_NEAR(x[1], 2.0, 1e-14);
  CHECK_NEAR(info.objective, -1.0 - 8.0, 1e-13);
  check_kkt(&info, 1e-13);
}

/* min x1² + x2² + x3² s.t. x1 + x2 + x3 = 3, x1 - x2 = 1 */
static void test_equality_only(void) {
  double q[9] = {2, 0, 0, 0, 2, 0, 0, 0, 2};
  double aeq[6] = {1, 1, 1, -1, 1, 0}; /* 2 x 3, column-major */
  double beq[2] = {3, 1};
  folio_qp_problem p = prob(3, q, NULL);
  p.n_eq = 2;
  p.a_eq = aeq;
  p.ld_a_eq = 2;
  p.b_eq = beq;
  double x[3], y[2];
  folio_qp_info info;
  folio_error err;
  CHECK_EQ_INT(folio_qp_solve(&p, NULL, x, y, NULL, NULL, NULL, NULL, &info, &err), FOLIO_OK);
  CHECK_NEAR(x[0], 1.5, 1e-13);
  CHECK_NEAR(x[1], 0.5, 1e-13);
  CHECK_NEAR(x[2], 1.0, 1e-13);
  CHECK_EQ_INT(info.n_active, 2);
  check_kkt(&info, 1e-13);
}

/* min ½|x - t|² with 0 <= x <= 1: the projection of t */
static void test_bounds_only(void) {
  double q[16] = {1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1};
  double t[4] = {-0.5, 0.3, 1.7, 1.0}, c[4], lo[4] = {0, 0, 0, 0}, up[4] = {1, 1, 1, 1};
  for (int i = 0; i < 4; i++) c[i] = -t[i];
  folio_qp_problem p = prob(4, q, c);
  p.lower = lo;
  p.upper = up;
  double x[4], zl[4], zu[4];
  folio_qp_info info;
  folio_error err;
  CHECK_EQ_INT(folio_qp_solve(&p, NULL, x, NULL, NULL, zl, zu, NULL, &info, &err), FOLIO_OK);
  CHECK_NEAR(x[0], 0.0, 1e-15);
  CHECK_NEAR(x[1], 0.3, 1e-15);
  CHECK_NEAR(x[2], 1.0, 1e-15);
  CHECK_NEAR(x[3], 1.0, 1e-15);
  CHECK_NEAR(zl[0], 0.5, 1e-15);
  CHECK_NEAR(zu[2], 0.7, 1e-15);
  check_kkt(&info, 1e-14);
}

/* Nocedal & Wright example 16.4: min (x1-1)² + (x2-2.5)² s.t. five inequalities; x* = (1.4, 1.7) */
static void test_general_inequalities(void) {
  double q[4] = {2, 0, 0, 2}, c[2] = {-2, -5};
  /* x1 - 2x2 + 2 >= 0, -x1 - 2x2 + 6 >= 0, -x1 + 2x2 + 2 >= 0, x1 >= 0, x2 >= 0 -> A x <= b */
  double ain[6] = {-1, 1, 1, 2, 2, -2}; /* 3 x 2 column-major: rows (-1, 2), (1, 2), (1, -2) */
  double bin[3] = {2, 6, 2}, lo[2] = {0, 0};
  folio_qp_problem p = prob(2, q, c);
  p.n_ineq = 3;
  p.a_in = ain;
  p.ld_a_in = 3;
  p.b_in = bin;
  p.lower = lo;
  double x[2], y[3];
  folio_qp_info info;
  folio_error err;
  CHECK_EQ_INT(folio_qp_solve(&p, NULL, x, NULL, y, NULL, NULL, NULL, &info, &err), FOLIO_OK);
  CHECK_NEAR(x[0], 1.4, 1e-13);
  CHECK_NEAR(x[1], 1.7, 1e-13);
  CHECK_NEAR(y[0], 0.8, 1e-13);
  CHECK_NEAR(y[1], 0.0, 1e-15);
  check_kkt(&info, 1e-13);
}

/* Redundant constraints: the same equality twice and a parallel inequality. */
static void test_degenerate(void) {
  double q[4] = {2, 0, 0, 2};
  double aeq[4] = {1, 2, 1, 2}; /* rows (1, 1) and (2, 2) */
  double beq[2] = {1, 2};
  double ain[2] = {-1, -1}; /* -x1 - x2 <= -1, i.e. the same line again */
  double bin[1] = {-1};
  folio_qp_problem p = prob(2, q, NULL);
  p.n_eq = 2;
  p.a_eq = aeq;
  p.ld_a_eq = 2;
  p.b_eq = beq;
  p.n_ineq = 1;
  p.a_in = ain;
  p.ld_a_in = 1;
  p.b_in = bin;
  double x[2];
  folio_qp_info info;
  folio_error err;
  CHECK_EQ_INT(folio_qp_solve(&p, NULL, x, NULL, NULL, NULL, NULL, NULL, &info, &err), FOLIO_OK);
  CHECK_NEAR(x[0], 0.5, 1e-13);
  CHECK_NEAR(x[1], 0.5, 1e-13);
  check_kkt(&info, 1e-12);
  /* a point at a vertex where three constraints meet (x = 0 with x1 + x2 >= 0 too) */
  double c2[2] = {1, 1}, lo[2] = {0, 0}, ain2[2] = {-1, -1}, bin2[1] = {0};
  folio_qp_problem p2 = prob(2, q, c2);
  p2.lower = lo;
  p2.n_ineq = 1;
  p2.a_in = ain2;
  p2.ld_a_in = 1;
  p2.b_in = bin2;
  CHECK_EQ_INT(folio_qp_solve(&p2, NULL, x, NULL, NULL, NULL, NULL, NULL, &info, &err), FOLIO_OK);
  CHECK_NEAR(x[0], 0.0, 1e-14);
  CHECK_NEAR(x[1], 0.0, 1e-14);
  check_kkt(&info, 1e-13);
}

/* An LP (Q = 0): max x1 + 2 x2 s.t. x1 + x2 = 1, 0 <= x <= 0.7 -> (0.3, 0.7). */
static void test_semidefinite(void) {
  double q[4] = {0, 0, 0, 0}, c[2] = {-1, -2}, aeq[2] = {1, 1}, beq[1] = {1};
  double lo[2] = {0, 0}, up[2] = {0.7, 0.7};
  folio_qp_problem p = prob(2, q, c);
  p.n_eq = 1;
  p.a_eq = aeq;
  p.ld_a_eq = 1;
  p.b_eq = beq;
  p.lower = lo;
  p.upper = up;
  double x[2];
  folio_qp_info info;
  folio_error err;
  CHECK_EQ_INT(folio_qp_solve(&p, NULL, x, NULL, NULL, NULL, NULL, NULL, &info, &err), FOLIO_OK);
  CHECK_NEAR(x[0], 0.3, 1e-12);
  CHECK_NEAR(x[1], 0.7, 1e-12);
  CHECK(info.prox_iterations >= 1);
  check_kkt(&info, 1e-10);
  /* Q semidefinite with a curved part: min (x1 - 1)² - x2, x2 <= 3 */
  double q2[4] = {2, 0, 0, 0}, c2[2] = {-2, -1}, up2[2] = {INFINITY, 3};
  folio_qp_problem p2 = prob(2, q2, c2);
  p2.upper = up2;
  CHECK_EQ_INT(folio_qp_solve(&p2, NULL, x, NULL, NULL, NULL, NULL, NULL, &info, &err), FOLIO_OK);
  CHECK_NEAR(x[0], 1.0, 1e-10);
  CHECK_NEAR(x[1], 3.0, 1e-12);
  check_kkt(&info, 1e-9);
}

static void test_infeasible_and_bad(void) {
  double q[4] = {2, 0, 0, 2}, aeq[2] = {1, 1}, beq[1] = {3}, up[2] = {1, 1};
  folio_qp_problem p = prob(2, q, NULL);
  p.n_eq = 1;
  p.a_eq = aeq;
  p.ld_a_eq = 1;
  p.b_eq = beq;
  p.upper = up;
  double x[2] = {42, 42};
  folio_error err;
  CHECK_ERR(folio_qp_solve(&p, NULL, x, NULL, NULL, NULL, NULL, NULL, NULL, &err), err,
            FOLIO_EINVAL, "infeasible");
  CHECK(x[0] == 42 && x[1] == 42); /* untouched */
  /* contradictory inequalities: x1 <= 0 and -x1 <= -1 */
  double ain[4] = {1, -1, 0, 0}, bin[2] = {0, -1};
  folio_qp_problem p2 = prob(2, q, NULL);
  p2.n_ineq = 2;
  p2.a_in = ain;
  p2.ld_a_in = 2;
  p2.b_in = bin;
  CHECK_ERR(folio_qp_solve(&p2, NULL, x, NULL, NULL, NULL, NULL, NULL, NULL, &err), err,
            FOLIO_EINVAL, "infeasible: inequality");
  /* lower > upper */
  double lo[2] = {0, 2};
  folio_qp_problem p3 = prob(2, q, NULL);
  p3.lower = lo;
  p3.upper = up;
  CHECK_ERR(folio_qp_solve(&p3, NULL, x, NULL, NULL, NULL, NULL, NULL, NULL, &err), err,
            FOLIO_EINVAL, "variable 1");
  /* not semidefinite */
  double qn[4] = {1, 0, 0, -1};
  folio_qp_problem p4 = prob(2, qn, NULL);
  CHECK_ERR(folio_qp_solve(&p4, NULL, x, NULL, NULL, NULL, NULL, NULL, NULL, &err), err,
            FOLIO_ENOTPD, "not positive semidefinite");
  /* NaN */
  double qnan[4] = {1, NAN, NAN, 1};
  folio_qp_problem p5 = prob(2, qnan, NULL);
  CHECK_ERR(folio_qp_solve(&p5, NULL, x, NULL, NULL, NULL, NULL, NULL, NULL, &err), err,
            FOLIO_ENOTFINITE, "q[1, 0]");
  folio_qp_problem p6 = prob(2, q, NULL);
  p6.ld_q = 1;
  CHECK_ERR(folio_qp_solve(&p6, NULL, x, NULL, NULL, NULL, NULL, NULL, NULL, &err), err,
            FOLIO_EINVAL, "ld_q");
  CHECK_ERR(folio_qp_solve(NULL, NULL, x, NULL, NULL, NULL, NULL, NULL, NULL, &err), err,
            FOLIO_EINVAL, "problem is NULL");
}

static int stop_now(void *ud) {
  (void)ud;
  return 1;
}

static void test_cancel_and_workspace(void) {
  double q[4] = {2, 0, 0, 2}, c[2] = {-2, -2}, up[2] = {0.5, 0.5};
  folio_qp_problem p = prob(2, q, c);
  p.upper = up;
  folio_cancel cancel = {stop_now, NULL};
  folio_qp_opts o = folio_qp_defaults();
  o.cancel = &cancel;
  double x[2] = {7, 7};
  folio_error err;
  CHECK_ERR(folio_qp_solve(&p, &o, x, NULL, NULL, NULL, NULL, NULL, NULL, &err), err,
            FOLIO_ECANCELED, "qp: cancelled");
  CHECK(x[0] == 7);
  size_t bytes = folio_qp_work_size(2, 0, 0);
  CHECK(bytes > 0);
  void *work = malloc(bytes);
  folio_qp_info info;
  CHECK_EQ_INT(folio_qp_solve(&p, NULL, x, NULL, NULL, NULL, NULL, work, &info, &err), FOLIO_OK);
  CHECK_NEAR(x[0], 0.5, 1e-15);
  free(work);
}

int main(void) {
  test_unconstrained();
  test_equality_only();
  test_bounds_only();
  test_general_inequalities();
  test_degenerate();
  test_semidefinite();
  test_infeasible_and_bad();
  test_cancel_and_workspace();
  return tl_finish("test_qp");
}
