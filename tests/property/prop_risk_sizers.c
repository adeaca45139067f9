/*
 * prop_risk_sizers.c — properties of the allocators over random instances
 * (fixed seeds): weights sum to 1, bounds hold, the optimality conditions
 * (KKT of min-variance and of max-diversification's transformed QP, equal
 * risk contributions of risk parity) hold, repeats are bit-identical and
 * reordering the assets gives bit-identical weights per symbol.
 */
#include "folio/risk_sizers.h"
#include "testlib.h"

enum { NMAX = 40, CASES = 1200 };

static char names[NMAX][8];
static const char *syms[NMAX];

/* A random positive definite covariance: a k-factor model plus specific
 * variance, with vols between ~5 % and ~60 %. */
static void random_cov(tl_rng *r, size_t n, double *c) {
  size_t k = 1 + tl_index(r, 4);
  double f[NMAX * 4], sv[NMAX];
  for (size_t i = 0; i < n * k; i++) f[i] = tl_normal(r) * 0.15;
  for (size_t i = 0; i < n; i++) sv[i] = 0.002 + 0.1 * tl_uniform(r) * tl_uniform(r);
  for (size_t i = 0; i < n; i++)
    for (size_t j = 0; j <= i; j++) {
      double s = 0;
      for (size_t q = 0; q < k; q++) s += f[i + q * n] * f[j + q * n];
      if (i == j) s += sv[i];
      c[i + j * n] = c[j + i * n] = s;
    }
}

/* Max over i of |residual| of the KKT of min ½y'Sy, a'y = 1, lo <= y <= up,
 * relative to max |(Sy)_i|; dual sign violations count as residual. */
static double kkt_error(size_t n, const double *s, const double *y, const double *a,
                        const double *lo, const double *up) {
  double g[NMAX], gmax = 0, nu = 0;
  size_t nf = 0;
  for (size_t i = 0; i < n; i++) {
    g[i] = 0;
    for (size_t j = 0; j < n; j++) g[i] += s[i + j * n] * y[j];
    if (fabs(g[i]) > gmax) gmax = fabs(g[i]);
  }
  const double eps = 1e-13;
  for (size_t i = 0; i < n; i++)
    if (y[i] > lo[i] + eps && y[i] < up[i] - eps) {
      nu += -g[i] / a[i];
      nf++;
    }
  if (nf == 0) return 0; /* a vertex: nothing to check beyond feasibility */
  nu /= (double)nf;
  double e = 0;
  for (size_t i = 0; i < n; i++) {
    double m = (g[i] + nu * a[i]) / gmax, v = 0;
    if (y[i] > lo[i] + eps && y[i] < up[i] - eps) v = fabs(m);
    else if (y[i] <= lo[i] + eps) v = m < 0 ? -m : 0;
    else v = m > 0 ? m : 0;
    if (v > e) e = v;
  }
  return e;
}

/* Permutes cov and the symbols by perm; returns weights mapped back per symbol. */
typedef folio_status (*alloc_fn)(size_t, const double *, size_t, const char *const *,
                                 const folio_risk_sizer_opts *, double *, double *, void *,
                                 folio_risk_sizer_info *, folio_error *);

static int permuted_same(alloc_fn fn, size_t n, const double *c, const folio_risk_sizer_opts *o,
                         const double *w, tl_rng *r) {
  size_t perm[NMAX];
  double pc[NMAX * NMAX], pw[NMAX], plo[NMAX], pup[NMAX], pb[NMAX];
  const char *ps[NMAX];
  for (size_t i = 0; i < n; i++) perm[i] = i;
  for (size_t i = n; i > 1; i--) {
    size_t j = tl_index(r, i), t = perm[i - 1];
    perm[i - 1] = perm[j];
    perm[j] = t;
  }
  folio_risk_sizer_opts po = *o;
  for (size_t i = 0; i < n; i++) {
    ps[i] = syms[perm[i]];
    for (size_t j = 0; j < n; j++) pc[i + j * n] = c[perm[i] + perm[j] * n];
    if (o->lower) plo[i] = o->lower[perm[i]];
    if (o->upper) pup[i] = o->upper[perm[i]];
    if (o->budgets) pb[i] = o->budgets[perm[i]];
  }
  if (o->lower) po.lower = plo;
  if (o->upper) po.upper = pup;
  if (o->budgets) po.budgets = pb;
  folio_error err;
  if (fn(n, pc, n, ps, &po, pw, NULL, NULL, NULL, &err) != FOLIO_OK) return 0;
  for (size_t i = 0; i < n; i++)
    if (memcmp(&pw[i], &w[perm[i]], sizeof(double)) != 0) return 0;
  return 1;
}

static void prop_min_variance(void) {
  tl_rng r = {1001};
  int ok_sum = 1, ok_bounds = 1, ok_kkt = 1, ok_rep = 1, ok_perm = 1, ok_st = 1;
  double worst = 0;
  for (int t = 0; t < CASES; t++) {
    size_t n = 1 + tl_index(&r, 30);
    double c[NMAX * NMAX], w[NMAX], w2[NMAX], lo[NMAX], up[NMAX], one[NMAX];
    random_cov(&r, n, c);
    folio_risk_sizer_opts o = folio_risk_sizer_defaults();
    int kind = (int)tl_index(&r, 3); /* 0 long-only default, 1 long-only capped, 2 long/short boxed */
    double cap = 1.0 / (double)n + tl_uniform(&r) * 0.5;
    for (size_t i = 0; i < n; i++) {
      one[i] = 1.0;
      lo[i] = kind == 2 ? -0.3 * tl_uniform(&r) : 0.0;
      up[i] = kind == 0 ? INFINITY : (cap < 1.0 ? cap : 1.0) + (kind == 2 ? 0.1 : 0.0);
    }
    if (kind == 2) o.long_only = 0;
    if (kind >= 1) {
      o.lower = lo;
      o.upper = up;
    }
    folio_risk_sizer_info info;
    folio_error err;
    if (folio_min_variance(n, c, n, syms, &o, w, NULL, NULL, &info, &err) != FOLIO_OK) {
      if (ok_st) fprintf(stderr, "min_variance case %d: %s\n", t, err.message);
      ok_st = 0;
      continue;
    }
    double s = 0;
    for (size_t i = 0; i < n; i++) {
      s += w[i];
      if (w[i] < lo[i] - 1e-12 || w[i] > up[i] + 1e-12) ok_bounds = 0;
    }
    if (fabs(s - 1) > 1e-12) ok_sum = 0;
    double e = kkt_error(n, c, w, one, lo, up);
    if (e > worst) worst = e;
    if (e > 1e-9) ok_kkt = 0;
    folio_min_variance(n, c, n, syms, &o, w2, NULL, NULL, NULL, &err);
    if (memcmp(w, w2, n * sizeof(double)) != 0) ok_rep = 0;
    if (!permuted_same(folio_min_variance, n, c, &o, w, &r)) ok_perm = 0;
  }
  CHECK(ok_st);
  CHECK(ok_sum);
  CHECK(ok_bounds);
  CHECK_MSG(ok_kkt, "worst relative KKT residual %g", worst);
  CHECK(ok_rep);
  CHECK(ok_perm);
}

static void prop_max_diversification(void) {
  tl_rng r = {2002};
  int ok_sum = 1, ok_kkt = 1, ok_dom = 1, ok_perm = 1, ok_st = 1, ok_pos = 1;
  for (int t = 0; t < CASES; t++) {
    size_t n = 1 + tl_index(&r, 30);
    double c[NMAX * NMAX], w[NMAX], y[NMAX], sd[NMAX], lo[NMAX], up[NMAX];
    random_cov(&r, n, c);
    folio_risk_sizer_opts o = folio_risk_sizer_defaults();
    folio_risk_sizer_info info;
    folio_error err;
    if (folio_max_diversification(n, c, n, syms, &o, w, NULL, NULL, &info, &err) != FOLIO_OK) {
      if (ok_st) fprintf(stderr, "max_div case %d: %s\n", t, err.message);
      ok_st = 0;
      continue;
    }
    double s = 0, ws = 0;
    for (size_t i = 0; i < n; i++) {
      sd[i] = sqrt(c[i * (n + 1)]);
      lo[i] = 0;
      up[i] = INFINITY;
      s += w[i];
      ws += w[i] * sd[i];
      if (w[i] < 0) ok_pos = 0;
    }
    if (fabs(s - 1) > 1e-12) ok_sum = 0;
    for (size_t i = 0; i < n; i++) y[i] = w[i] / ws; /* the transformed QP's variable */
    if (kkt_error(n, c, y, sd, lo, up) > 1e-9) ok_kkt = 0;
    /* D(w) >= D of random long-only portfolios */
    for (int k = 0; k < 20; k++) {
      double v[NMAX], num = 0, q = 0;
      for (size_t i = 0; i < n; i++) v[i] = tl_uniform(&r) * (tl_uniform(&r) < 0.3 ? 0 : 1) + 1e-9;
      for (size_t i = 0; i < n; i++) {
        num += v[i] * sd[i];
        for (size_t j = 0; j < n; j++) q += v[i] * c[i + j * n] * v[j];
      }
      if (num / sqrt(q) > info.diversification_ratio * (1 + 1e-12)) ok_dom = 0;
    }
    if (!permuted_same(folio_max_diversification, n, c, &o, w, &r)) ok_perm = 0;
  }
  CHECK(ok_st);
  CHECK(ok_sum);
  CHECK(ok_pos);
  CHECK(ok_kkt);
  CHECK(ok_dom);
  CHECK(ok_perm);
}

static void prop_risk_parity(void) {
  tl_rng r = {3003};
  int ok_sum = 1, ok_rc = 1, ok_rep = 1, ok_perm = 1, ok_st = 1, ok_conv = 1;
  double worst = 0;
  int max_it = 0;
  for (int t = 0; t < CASES; t++) {
    size_t n = 1 + tl_index(&r, 30);
    double c[NMAX * NMAX], w[NMAX], w2[NMAX], rc[NMAX], b[NMAX];
    random_cov(&r, n, c);
    folio_risk_sizer_opts o = folio_risk_sizer_defaults();
    if (t % 2) {
      double z = 0;
      for (size_t i = 0; i < n; i++) z += b[i] = 0.05 + tl_uniform(&r);
      for (size_t i = 0; i < n; i++) b[i] /= z;
      /* make the sum exactly 1 in symbol order (names are in symbol order here) */
      double s = 0;
      for (size_t i = 0; i + 1 < n; i++) s += b[i];
      b[n - 1] = 1.0 - s;
      o.budgets = b;
    } else {
      for (size_t i = 0; i < n; i++) b[i] = 1.0 / (double)n;
    }
    folio_risk_sizer_info info;
    folio_error err;
    if (folio_risk_parity(n, c, n, syms, &o, w, rc, NULL, &info, &err) != FOLIO_OK) {
      if (ok_st) fprintf(stderr, "risk_parity case %d: %s\n", t, err.message);
      ok_st = 0;
      continue;
    }
    if (!info.converged) ok_conv = 0;
    if (info.iterations > max_it) max_it = info.iterations;
    double s = 0;
    for (size_t i = 0; i < n; i++) s += w[i];
    if (fabs(s - 1) > 1e-12) ok_sum = 0;
    /* RC recomputed here, independently of the library */
    double g[NMAX], var = 0;
    for (size_t i = 0; i < n; i++) {
      g[i] = 0;
      for (size_t j = 0; j < n; j++) g[i] += c[i + j * n] * w[j];
      var += w[i] * g[i];
    }
    for (size_t i = 0; i < n; i++) {
      double e = fabs(w[i] * g[i] / var - b[i]);
      if (e > worst) worst = e;
      if (e > 1e-8 || w[i] <= 0) ok_rc = 0;
    }
    folio_risk_parity(n, c, n, syms, &o, w2, NULL, NULL, NULL, &err);
    if (memcmp(w, w2, n * sizeof(double)) != 0) ok_rep = 0;
    if (!permuted_same(folio_risk_parity, n, c, &o, w, &r)) ok_perm = 0;
  }
  CHECK(ok_st);
  CHECK(ok_conv);
  CHECK(ok_sum);
  CHECK_MSG(ok_rc, "worst |RC - b| %g", worst);
  CHECK(ok_rep);
  CHECK(ok_perm);
  printf("risk_parity: worst |RC - b| %.3g, most Newton iterations %d\n", worst, max_it);
}

static void prop_inverse_vol(void) {
  tl_rng r = {4004};
  int ok = 1;
  for (int t = 0; t < CASES; t++) {
    size_t n = 1 + tl_index(&r, 30);
    double c[NMAX * NMAX], w[NMAX], s = 0;
    random_cov(&r, n, c);
    folio_error err;
    if (folio_inverse_vol(n, c, n, syms, w, NULL, NULL, &err) != FOLIO_OK) {
      ok = 0;
      continue;
    }
    for (size_t i = 0; i < n; i++) s += w[i];
    if (fabs(s - 1) > 1e-12) ok = 0;
    for (size_t i = 1; i < n; i++) /* w_i sigma_i is the same for all i */
      if (fabs(w[i] * sqrt(c[i * (n + 1)]) - w[0] * sqrt(c[0])) > 1e-14) ok = 0;
  }
  CHECK(ok);
}

int main(void) {
  for (int i = 0; i < NMAX; i++) {
    snprintf(names[i], sizeof names[i], "S%02d", i);
    syms[i] = names[i];
  }
  prop_min_variance();
  prop_max_diversification();
  prop_risk_parity();
  prop_inverse_vol();
  return tl_finish("prop_risk_sizers");
}
