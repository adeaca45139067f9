/*
 * prop_qp.c — the convex QP on 1,000 random instances (fixed seed): Q
 * positive definite or only semidefinite (rank-deficient, or zero: an LP),
 * random equalities and inequalities around a feasible point, bounds (some
 * infinite). For each: the solve succeeds, the KKT residuals are <= 1e-9, a
 * warm start from the answer's own bounds and from a random guess gives the
 * same x, and the problem made infeasible (a row contradicting another) is
 * FOLIO_EINVAL "infeasible".
 */
#include "folio/qp.h"
#include "testlib.h"

#define N 15
#define M 8

int main(void) {
  tl_rng r = {13};
  int n_inst = 1000, n_psd = 0;
  for (int it = 0; it < n_inst; it++) {
    size_t n = 1 + tl_index(&r, N), meq = tl_index(&r, 3), min = tl_index(&r, M);
    if (meq > n) meq = n;
    int kind = (int)tl_index(&r, 4); /* 0, 1: definite; 2: rank-deficient; 3: zero */
    size_t k = kind == 2 ? 1 + tl_index(&r, n) : kind == 3 ? 0 : n + 3;
    double b[(N + 3) * N], q[N * N], c[N], x0[N], aeq[3 * N], beq[3], ain[(M + 1) * N], bin[M + 1];
    double lo[N], up[N];
    for (size_t i = 0; i < k * n; i++) b[i] = tl_normal(&r);
    for (size_t j = 0; j < n; j++)
      for (size_t i = 0; i < n; i++) {
        double s = 0;
        for (size_t t = 0; t < k; t++) s += b[t + i * k] * b[t + j * k];
        q[i + j * n] = s / (double)(k ? k : 1);
      }
    if (k < n) n_psd++;
    for (size_t i = 0; i < n; i++) {
      c[i] = tl_normal(&r);
      x0[i] = tl_normal(&r);
      int finite = k < n || tl_uniform(&r) < 0.7; /* a semidefinite Q needs a bounded box */
      lo[i] = finite ? x0[i] - 2 * tl_uniform(&r) : -INFINITY;
      up[i] = finite ? x0[i] + 2 * tl_uniform(&r) : INFINITY;
    }
    for (size_t e = 0; e < meq; e++) {
      double s = 0;
      for (size_t i = 0; i < n; i++) s += (aeq[e + i * 3] = tl_normal(&r)) * x0[i];
      beq[e] = s;
    }
    for (size_t e = 0; e < min; e++) {
      double s = 0;
      for (size_t i = 0; i < n; i++) s += (ain[e + i * (M + 1)] = tl_normal(&r)) * x0[i];
      bin[e] = s + tl_uniform(&r);
    }
    folio_qp_problem p = {n, q, n, c, meq, aeq, 3, beq, min, ain, M + 1, bin, lo, up};
    double x[N], xw[N], ye[3], yi[M + 1], zl[N], zu[N];
    folio_qp_info info;
    folio_error err;
    folio_status st = folio_qp_solve(&p, NULL, x, ye, yi, zl, zu, NULL, &info, &err);
    CHECK_MSG(st == FOLIO_OK, "instance %d (n %zu, kind %d): %s", it, n, kind, err.message);
    if (st != FOLIO_OK) continue;
    CHECK_MSG(info.kkt.primal <= 1e-9 && info.kkt.dual <= 1e-9 && info.kkt.complementarity <= 1e-9 &&
                  info.kkt.stationarity <= 1e-9,
              "instance %d (n %zu, kind %d): kkt %g %g %g %g", it, n, kind, info.kkt.primal,
              info.kkt.dual, info.kkt.complementarity, info.kkt.stationarity);
    folio_qp_kkt again = folio_qp_kkt_residuals(&p, x, ye, yi, zl, zu);
    CHECK(again.stationarity <= 1e-9 && again.primal <= 1e-9);
    if (kind <= 1) { /* a unique x: warm starts must find it */
      signed char start[N];
      for (size_t i = 0; i < n; i++) start[i] = x[i] == lo[i] ? -1 : x[i] == up[i] ? 1 : 0;
      folio_qp_opts o = folio_qp_defaults();
      o.start = start;
      st = folio_qp_solve(&p, &o, xw, NULL, NULL, NULL, NULL, NULL, &info, &err);
      CHECK_MSG(st == FOLIO_OK, "instance %d warm: %s", it, err.message);
      double d = 0;
      for (size_t i = 0; i < n; i++) d = fmax(d, fabs(xw[i] - x[i]));
      CHECK_MSG(d <= 1e-9, "instance %d warm start differs by %g", it, d);
      for (size_t i = 0; i < n; i++) start[i] = (signed char)((int)tl_index(&r, 3) - 1);
      st = folio_qp_solve(&p, &o, xw, NULL, NULL, NULL, NULL, NULL, &info, &err);
      CHECK_MSG(st == FOLIO_OK, "instance %d random warm: %s", it, err.message);
      d = 0;
      for (size_t i = 0; i < n; i++) d = fmax(d, fabs(xw[i] - x[i]));
      CHECK_MSG(d <= 1e-8, "instance %d random warm start differs by %g", it, d);
      CHECK(info.kkt.stationarity <= 1e-9);
    }
    if (min > 0 && min < M) { /* a row that contradicts inequality 0: a'x >= b_0 + 1 */
      for (size_t i = 0; i < n; i++) ain[min + i * (M + 1)] = -ain[0 + i * (M + 1)];
      bin[min] = -(bin[0] + 1.0);
      p.n_ineq = min + 1;
      st = folio_qp_solve(&p, NULL, xw, NULL, NULL, NULL, NULL, NULL, NULL, &err);
      CHECK_MSG(st == FOLIO_EINVAL && strstr(err.message, "infeasible"),
                "instance %d: contradictory rows gave %d (%s)", it, st, err.message);
    }
  }
  printf("prop_qp: %d instances, %d with a semidefinite Q\n", n_inst, n_psd);
  return tl_finish("prop_qp");
}
