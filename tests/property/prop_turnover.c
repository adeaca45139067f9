/*
 * prop_turnover.c — folio_turnover_project on 1,500 random instances (fixed
 * seeds): identity, diagonal, dense and rank-deficient Q; with and without
 * caps, current positions above their caps, budgets from 0 to beyond the
 * need. Properties: turnover <= budget + 1e-12 (unless the caps alone force
 * more, reported); caps respected; the KKT conditions of the README
 * (stationarity on traded names, |g_i| <= lambda on untraded ones, one-sided
 * conditions at the caps) hold to 1e-8 relative, recomputed here from w;
 * the objective is no worse than at random feasible points; identity
 * instances equal the sort-based projection to 1e-12; bit-identical repeats.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "folio/turnover.h"
#include "testlib.h"

static double objective(size_t n, const double *Q, const double *w, const double *t) {
  double f = 0;
  for (size_t j = 0; j < n; j++)
    for (size_t i = 0; i < n; i++)
      f += (w[i] - t[i]) * (Q ? Q[i + j * n] : (double)(i == j)) * (w[j] - t[j]);
  return f;
}

int main(void) {
  tl_rng r = {20240611};
  enum { NMAX = 40 };
  static double Q[NMAX * NMAX], A[NMAX * (NMAX + 3)], t[NMAX], tc[NMAX], w0[NMAX], caps[NMAX], w[NMAX],
      w2[NMAX], g[NMAX], p[NMAX], d[NMAX];
  int worst_kkt_ok = 1, worst_opt_ok = 1, worst_budget_ok = 1, worst_caps_ok = 1, repeat_ok = 1;
  int proj_ok = 1, conv = 0, total = 0;
  double worst_kkt = 0;
  for (int inst = 0; inst < 1500; inst++) {
    size_t n = 2 + tl_index(&r, NMAX - 1);
    int kind = (int)tl_index(&r, 4); /* 0 identity, 1 diagonal, 2 dense, 3 rank-deficient + ridge */
    for (size_t i = 0; i < n; i++) {
      t[i] = 0.1 * tl_normal(&r);
      w0[i] = tl_uniform(&r) < 0.2 ? 0 : 0.1 * tl_normal(&r);
    }
    int use_caps = tl_uniform(&r) < 0.5;
    for (size_t i = 0; i < n; i++) caps[i] = use_caps && tl_uniform(&r) < 0.6 ? 0.02 + 0.15 * tl_uniform(&r) : INFINITY;
    if (kind == 1) {
      memset(Q, 0, sizeof Q);
      for (size_t i = 0; i < n; i++) Q[i + i * n] = 0.01 + tl_uniform(&r);
    } else if (kind >= 2) {
      size_t k = kind == 2 ? n + 3 : 1 + tl_index(&r, n);
      for (size_t i = 0; i < n * k; i++) A[i] = tl_normal(&r);
      for (size_t j = 0; j < n; j++)
        for (size_t i = 0; i <= j; i++) {
          double s = 0;
          for (size_t c = 0; c < k; c++) s += A[i + c * n] * A[j + c * n];
          s /= (double)k;
          if (i == j) s += kind == 3 ? 1e-3 : 0;
          Q[i + j * n] = Q[j + i * n] = s;
        }
    }
    const double *Qp = kind == 0 ? NULL : Q;
    double needed = 0, forced = 0;
    for (size_t i = 0; i < n; i++) {
      tc[i] = t[i] > caps[i] ? caps[i] : (t[i] < -caps[i] ? -caps[i] : t[i]);
      needed += fabs(tc[i] - w0[i]);
      if (fabs(w0[i]) > caps[i]) forced += fabs(w0[i]) - caps[i];
    }
    double u = tl_uniform(&r);
    double budget = u < 0.05 ? 0 : (u < 0.1 ? 2 * needed : forced + (needed - forced) * tl_uniform(&r));
    folio_turnover_info info;
    folio_error err;
    folio_status st = folio_turnover_project(n, t, w0, Qp, n, use_caps ? caps : NULL, budget, NULL,
                                             w, &info, NULL, &err);
    if (!CHECK(st == FOLIO_OK)) {
      fprintf(stderr, "instance %d: %s\n", inst, err.message);
      continue;
    }
    total++;
    conv += info.converged;
    /* repeat */
    folio_turnover_project(n, t, w0, Qp, n, use_caps ? caps : NULL, budget, NULL, w2, NULL, NULL, &err);
    if (memcmp(w, w2, n * sizeof(double)) != 0) repeat_ok = 0;
    double to = 0;
    for (size_t i = 0; i < n; i++) {
      to += fabs(w[i] - w0[i]);
      if (fabs(w[i]) > caps[i]) worst_caps_ok = 0;
    }
    if (info.budget_exceeded) {
      if (!(forced > budget)) worst_budget_ok = 0;
    } else if (to > budget + 1e-12) {
      worst_budget_ok = 0;
      fprintf(stderr, "instance %d: turnover %.17g > budget %.17g\n", inst, to, budget);
    }
    if (needed <= budget || info.budget_exceeded || strcmp(info.method, "caps_forced") == 0) continue;
    /* KKT in w-space */
    for (size_t i = 0; i < n; i++) {
      double s = 0;
      for (size_t j = 0; j < n; j++) s += (Qp ? Q[i + j * n] : (double)(i == j)) * (w[j] - tc[j]);
      g[i] = 2 * s;
    }
    double lam = info.lambda, scale = fabs(lam), viol = lam < 0 ? -lam : 0;
    for (size_t i = 0; i < n; i++) scale = fabs(g[i]) > scale ? fabs(g[i]) : scale;
    for (size_t i = 0; i < n; i++) {
      double dd = w[i] - w0[i], v = 0;
      int at_cap = fabs(fabs(w[i]) - caps[i]) <= 1e-14;
      if (dd == 0) {
        if (at_cap) {
          double q = w[i] > 0 ? -(lam - g[i]) : -(g[i] + lam); /* only moves inwards allowed */
          v = q > 0 ? q : 0;
        } else {
          v = fabs(g[i]) - lam > 0 ? fabs(g[i]) - lam : 0;
        }
      } else {
        double sg = dd > 0 ? 1 : -1, q = g[i] * sg + lam;
        if (!at_cap) v = fabs(q);
        else if (fabs(w0[i]) > caps[i] && w0[i] * w[i] > 0 && fabs(w[i]) < fabs(w0[i])) v = q < 0 ? -q : 0; /* forced */
        else v = q > 0 ? q : 0;
      }
      if (v > viol) viol = v;
      if (getenv("PROP_DEBUG") && v > 1e-8 * scale)
        fprintf(stderr, "  i %zu w0 %g w %g tc %g cap %g g %g lam %g v %g\n", i, w0[i], w[i], tc[i], caps[i], g[i], lam, v);
    }
    double rel = scale > 0 ? viol / scale : 0;
    if (rel > worst_kkt) worst_kkt = rel;
    if (rel > 1e-8) {
      worst_kkt_ok = 0;
      fprintf(stderr, "instance %d (kind %d, n %zu): KKT violation %.3e, method %s\n", inst, kind, n,
              rel, info.method);
    }
    /* identity: the sort-based projection (no caps) */
    if (!Qp && !use_caps) {
      for (size_t i = 0; i < n; i++) d[i] = t[i] - w0[i];
      folio_l1_ball_project(n, d, budget, d, NULL, NULL, &err);
      for (size_t i = 0; i < n; i++)
        if (fabs(w0[i] + d[i] - w[i]) > 1e-12) proj_ok = 0;
    }
    /* random feasible points: mix the result with random feasible moves */
    double f = objective(n, Qp, w, tc);
    for (int k = 0; k < 20; k++) {
      double l1 = 0;
      for (size_t i = 0; i < n; i++) {
        double c = caps[i];
        double lo = (w0[i] > c ? c : (w0[i] < -c ? -c : w0[i])); /* the forced part */
        double step = 0.05 * tl_normal(&r);
        double v = lo + step;
        v = v > c ? c : (v < -c ? -c : v);
        p[i] = v;
        l1 += fabs(v - w0[i]);
      }
      if (l1 > budget) { /* shrink the free part towards the forced point */
        double fl = 0, fr = 0;
        for (size_t i = 0; i < n; i++) {
          double c = caps[i], lo = (w0[i] > c ? c : (w0[i] < -c ? -c : w0[i]));
          fl += fabs(lo - w0[i]);
          fr += fabs(p[i] - lo);
        }
        double a = fr > 0 ? (budget - fl) / fr * 0.999 : 0;
        for (size_t i = 0; i < n; i++) {
          double c = caps[i], lo = (w0[i] > c ? c : (w0[i] < -c ? -c : w0[i]));
          p[i] = lo + a * (p[i] - lo);
        }
      }
      double mix = tl_uniform(&r);
      for (size_t i = 0; i < n; i++) p[i] = mix * p[i] + (1 - mix) * w[i];
      double fp = objective(n, Qp, p, tc);
      if (fp < f - 1e-12 * (1 + f)) {
        worst_opt_ok = 0;
        fprintf(stderr, "instance %d: a feasible point beats the solution (%.17g < %.17g)\n", inst, fp, f);
      }
    }
  }
  CHECK(worst_budget_ok);
  CHECK(worst_caps_ok);
  CHECK(worst_kkt_ok);
  CHECK(worst_opt_ok);
  CHECK(repeat_ok);
  CHECK(proj_ok);
  printf("prop_turnover: %d instances, %d certified (KKT to 1e-10), worst KKT violation %.3e\n",
         total, conv, worst_kkt);
  return tl_finish("prop_turnover");
}
