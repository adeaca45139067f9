/*
 * prop_turnover_factored_shapes.c — the dual Newton of
 * folio_turnover_project_factored on the shapes its two Newton systems
 * serve: the free set smaller than the rows (the nf x nf Woodbury solve)
 * and larger (the T x T one), fewer rows than names and more, against the
 * dense folio_turnover_project on the same Q = diag I + weight X'X. 240
 * instances (fixed seed), n 30..120, T 4..200, a strong common factor, and
 * the degenerate cases: budget 0, a budget that does not bind, caps that
 * bind on many names, and near-duplicate columns of X (pairs of names that
 * differ by 1e-9 noise: Q close to singular on their difference).
 * Properties: both converge and agree to 1e-9; the KKT residual <= 1e-9;
 * turnover <= budget + 1e-12; a repeat is bit-identical; every shape class
 * occurs.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "folio/turnover.h"
#include "testlib.h"

enum { NMAX = 120, TMAX = 200 };

int main(void) {
  tl_rng r = {20270114};
  static double X[TMAX * NMAX], Q[NMAX * NMAX], t[NMAX], w0[NMAX], caps[NMAX], wd[NMAX], wf[NMAX],
      w2[NMAX], mkt[TMAX];
  double worst_gap = 0, worst_kkt = 0;
  int n_total = 0, agree_ok = 1, kkt_ok = 1, budget_ok = 1, repeat_ok = 1, n_unconv = 0;
  int free_lt_t = 0, free_gt_t = 0, t_ge_n = 0, t_lt_n = 0, zero_budget = 0, loose = 0, capped = 0,
      dups = 0, n_dual = 0;
  for (int inst = 0; inst < 240; inst++) {
    size_t n = 30 + tl_index(&r, NMAX - 29);
    /* a third with few rows (free set beyond them), the rest up to 200 rows */
    size_t T = inst % 3 == 0 ? 4 + tl_index(&r, 12) : 10 + tl_index(&r, TMAX - 9);
    int kind = inst % 8; /* 0 budget 0, 1 loose budget, 2 tight caps, 3 duplicates, else plain */
    double rho = 0.3 + 0.7 * tl_uniform(&r);
    for (size_t s = 0; s < T; s++) mkt[s] = tl_normal(&r);
    for (size_t j = 0; j < n; j++)
      for (size_t s = 0; s < T; s++) X[s + j * T] = 0.01 * (2 * rho * mkt[s] + tl_normal(&r));
    if (kind == 3)
      for (size_t j = 1; j < n; j += 3)
        for (size_t s = 0; s < T; s++) X[s + j * T] = X[s + (j - 1) * T] + 1e-9 * tl_normal(&r);
    double mu = 0;
    for (size_t i = 0; i < T * n; i++) mu += X[i] * X[i];
    mu /= (double)(T * n);
    /* Ledoit-Wolf-like: shrinkage from 1 % to 30 % */
    double shr = 0.01 + 0.29 * tl_uniform(&r);
    folio_cov_factor f = {T, X, T, shr * mu, (1 - shr) / (double)T};
    for (size_t j = 0; j < n; j++)
      for (size_t i = 0; i <= j; i++) {
        double s = 0;
        for (size_t k = 0; k < T; k++) s += X[k + i * T] * X[k + j * T];
        s *= f.weight;
        if (i == j) s += f.diag;
        Q[i + j * n] = Q[j + i * n] = s;
      }
    /* a held book and a target elsewhere, as a rebalance sees them */
    double need = 0;
    for (size_t i = 0; i < n; i++) {
      w0[i] = tl_uniform(&r) < 0.4 ? 0.02 * tl_uniform(&r) : 0;
      t[i] = tl_uniform(&r) < 0.5 ? 0.03 * tl_normal(&r) : 0;
      caps[i] = kind == 2 ? 0.005 + 0.01 * tl_uniform(&r) : 0.05;
      double tc = t[i] > caps[i] ? caps[i] : (t[i] < -caps[i] ? -caps[i] : t[i]);
      need += fabs(tc - w0[i]);
    }
    double frac = kind == 0 ? 0 : kind == 1 ? 1.5 : inst % 3 == 0 ? 0.6 + 0.35 * tl_uniform(&r)
                                                                    : 0.05 + 0.5 * tl_uniform(&r);
    double budget = need * frac;
    folio_turnover_opts o = folio_turnover_defaults();
    folio_turnover_info id, inf, i2;
    folio_error err;
    if (folio_turnover_project(n, t, w0, Q, n, caps, budget, &o, wd, &id, NULL, &err) != FOLIO_OK ||
        folio_turnover_project_factored(n, t, w0, &f, caps, budget, &o, wf, &inf, NULL, &err) !=
            FOLIO_OK) {
      CHECK_MSG(0, "instance %d: %s", inst, err.message);
      continue;
    }
    n_total++;
    n_dual += strcmp(inf.method, "dual_newton+active_set") == 0;
    zero_budget += kind == 0;
    loose += strcmp(inf.method, "unconstrained") == 0;
    dups += kind == 3;
    if (T >= n) t_ge_n++;
    else t_lt_n++;
    size_t nfree = 0, ncap = 0;
    for (size_t i = 0; i < n; i++) {
      if (fabs(wf[i]) == caps[i] && wf[i] != w0[i]) ncap++;
      else if (wf[i] != w0[i]) nfree++;
    }
    if (strcmp(inf.method, "dual_newton+active_set") == 0) {
      if (nfree < T) free_lt_t++;
      if (nfree > T) free_gt_t++;
    }
    capped += ncap > 0 && inf.constrained;
    if (!id.converged || !inf.converged) {
      if (id.converged) n_unconv++;
      continue;
    }
    for (size_t i = 0; i < n; i++) {
      double gap = fabs(wd[i] - wf[i]);
      if (gap > worst_gap) worst_gap = gap;
      if (gap > 1e-9) agree_ok = 0;
    }
    if (inf.kkt_residual > worst_kkt) worst_kkt = inf.kkt_residual;
    if (inf.kkt_residual > 1e-9) kkt_ok = 0;
    if (!inf.budget_exceeded && inf.turnover > budget + 1e-12) budget_ok = 0;
    if (folio_turnover_project_factored(n, t, w0, &f, caps, budget, &o, w2, &i2, NULL, &err) != FOLIO_OK ||
        memcmp(w2, wf, n * sizeof(double)) != 0)
      repeat_ok = 0;
  }
  printf("prop_turnover_factored_shapes: %d instances (%d dual Newton; free < T %d, free > T %d; "
         "T >= n %d, T < n %d; budget 0 %d, loose %d, capped %d, duplicates %d), worst gap %.1e, "
         "worst KKT %.1e\n",
         n_total, n_dual, free_lt_t, free_gt_t, t_ge_n, t_lt_n, zero_budget, loose, capped, dups,
         worst_gap, worst_kkt);
  CHECK_MSG(agree_ok, "factored weights equal the dense ones to 1e-9 (worst %.1e)", worst_gap);
  CHECK_MSG(kkt_ok, "KKT residual <= 1e-9 (worst %.1e)", worst_kkt);
  CHECK(budget_ok);
  CHECK(repeat_ok);
  CHECK_MSG(n_unconv * 50 <= n_total, "%d of %d not converged where the dense solver was", n_unconv,
            n_total);
  /* every shape the brief names occurs */
  CHECK(free_lt_t > 10);
  CHECK(free_gt_t > 10);
  CHECK(t_ge_n > 10 && t_lt_n > 10);
  CHECK(zero_budget > 10 && loose > 10 && capped > 10 && dups > 10);
  return tl_finish("prop_turnover_factored_shapes");
}
