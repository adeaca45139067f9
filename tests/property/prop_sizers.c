/*
 * prop_sizers.c — properties of the sizers over thousands of random
 * instances (fixed seeds): gross and side shares of equal_weight_ls, the cap
 * of kelly_fraction and kelly_voltarget, determinism (same inputs give the
 * same bits), permutation invariance (reordering the names gives
 * bit-identical weights per name), and that raw Kelly weights solve
 * cov * w * risk_aversion = mu.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "folio/sizers.h"
#include "testlib.h"

enum { MAXN = 40, INSTANCES = 1000 };

static char names_buf[MAXN][8];
static const char *NAMES[MAXN];

static void init_names(void) {
  /* Deliberately not in strcmp order for n > 10 ("S10" < "S2"). */
  for (int i = 0; i < MAXN; i++) {
    snprintf(names_buf[i], sizeof names_buf[i], "S%d", i);
    NAMES[i] = names_buf[i];
  }
}

/* A random permutation: perm[k] = old index now at position k. */
static void shuffle(tl_rng *g, size_t *perm, size_t n) {
  for (size_t i = 0; i < n; i++) perm[i] = i;
  for (size_t i = n; i > 1; i--) {
    size_t j = tl_index(g, i);
    size_t t = perm[i - 1];
    perm[i - 1] = perm[j];
    perm[j] = t;
  }
}

static int same_bits(double a, double b) {
  return memcmp(&a, &b, sizeof a) == 0;
}

/* ---- equal_weight_ls ---------------------------------------------------------- */

static void prop_ewls(void) {
  tl_rng g = {1001};
  int gross_ok = 1, side_ok = 1, det_ok = 1, perm_ok = 1, disjoint_ok = 1;
  int ran = 0;
  for (int it = 0; it < INSTANCES * 3 && ran < INSTANCES * 2; it++) {
    size_t n = 1 + tl_index(&g, 30);
    double sig[MAXN], w[MAXN], w2[MAXN], wp[MAXN], sp[MAXN];
    const char *symp[MAXN];
    size_t perm[MAXN];
    for (size_t i = 0; i < n; i++) {
      double u = tl_uniform(&g);
      /* quantised values make ties common */
      sig[i] = u < 0.1 ? NAN : (double)(long)(tl_normal(&g) * 3) / 2;
    }
    long nl = (long)tl_index(&g, 12), ns = (long)tl_index(&g, 12);
    double gross = 3 * tl_uniform(&g) + 1e-3;
    folio_ewls_info info;
    folio_error err;
    folio_status st = folio_equal_weight_ls(n, sig, NAMES, nl, ns, gross, w, &info, &err);
    if (st == FOLIO_EEMPTY) continue;
    CHECK_MSG(st == FOLIO_OK, "%s", err.message);
    if (st != FOLIO_OK) continue;
    ran++;
    double sum_abs = 0, sum_long = 0, sum_short = 0;
    for (size_t i = 0; i < n; i++) {
      sum_abs += fabs(w[i]);
      if (w[i] > 0) sum_long += w[i];
      if (w[i] < 0) sum_short -= w[i];
    }
    if (fabs(sum_abs - gross) > 1e-12) gross_ok = 0;
    double want_long = info.n_short ? gross / 2 : gross,
           want_short = info.n_long ? gross / 2 : gross;
    if (info.n_long && fabs(sum_long - want_long) > 1e-12) side_ok = 0;
    if (info.n_short && fabs(sum_short - want_short) > 1e-12) side_ok = 0;
    size_t cl = 0, cs = 0;
    for (size_t i = 0; i < n; i++) {
      cl += w[i] > 0;
      cs += w[i] < 0;
      if (isnan(sig[i]) && w[i] != 0) disjoint_ok = 0;
    }
    if (cl != info.n_long || cs != info.n_short) disjoint_ok = 0;
    /* every long signal >= every short signal */
    for (size_t i = 0; i < n; i++)
      for (size_t j = 0; j < n; j++)
        if (w[i] > 0 && w[j] < 0 && sig[i] < sig[j]) disjoint_ok = 0;

    CHECK(folio_equal_weight_ls(n, sig, NAMES, nl, ns, gross, w2, NULL, &err) == FOLIO_OK);
    if (memcmp(w, w2, n * sizeof(double)) != 0) det_ok = 0;
    shuffle(&g, perm, n);
    for (size_t k = 0; k < n; k++) {
      sp[k] = sig[perm[k]];
      symp[k] = NAMES[perm[k]];
    }
    CHECK(folio_equal_weight_ls(n, sp, symp, nl, ns, gross, wp, NULL, &err) == FOLIO_OK);
    for (size_t k = 0; k < n; k++)
      if (!same_bits(wp[k], w[perm[k]])) perm_ok = 0;
  }
  CHECK_MSG(ran >= INSTANCES, "only %d instances", ran);
  CHECK_MSG(gross_ok, "equal_weight_ls: sum |w| != gross");
  CHECK_MSG(side_ok, "equal_weight_ls: a side does not carry its share");
  CHECK_MSG(disjoint_ok, "equal_weight_ls: selection is inconsistent");
  CHECK_MSG(det_ok, "equal_weight_ls: not deterministic");
  CHECK_MSG(perm_ok, "equal_weight_ls: not permutation invariant");
  printf("equal_weight_ls: %d instances\n", ran);
}

/* ---- kelly_fraction ------------------------------------------------------------ */

/* cov = B'B / t + diag(0.05..0.15) * scale: well conditioned SPD. */
static void random_spd(tl_rng *g, size_t n, double *cov, size_t ld) {
  enum { T = 60 };
  static double b[T * MAXN];
  for (size_t i = 0; i < T * n; i++) b[i] = tl_normal(g);
  double s = 0.01 + tl_uniform(g);
  for (size_t j = 0; j < n; j++)
    for (size_t i = j; i < n; i++) {
      double acc = 0;
      for (size_t t = 0; t < T; t++) acc += b[t + i * T] * b[t + j * T];
      acc = s * acc / T + (i == j ? s * (0.05 + 0.1 * tl_uniform(g)) : 0.0);
      cov[i + j * ld] = acc;
      cov[j + i * ld] = acc;
    }
}

static void prop_kelly(void) {
  tl_rng g = {2002};
  int cap_ok = 1, det_ok = 1, perm_ok = 1, res_ok = 1, ran = 0;
  double worst_res = 0;
  size_t work_bytes = folio_kelly_fraction_work_size(MAXN);
  void *work = malloc(work_bytes);
  for (int it = 0; it < INSTANCES; it++) {
    size_t n = 1 + tl_index(&g, 16), ld = n + tl_index(&g, 3);
    static double cov[MAXN * (MAXN + 3)], covp[MAXN * MAXN];
    double mu[MAXN], w[MAXN], raw[MAXN], w2[MAXN], raw2[MAXN], wp[MAXN], mup[MAXN];
    const char *symp[MAXN];
    size_t perm[MAXN];
    random_spd(&g, n, cov, ld);
    for (size_t i = 0; i < n; i++) mu[i] = 0.1 * tl_normal(&g) * sqrt(cov[i + i * ld]);
    folio_kelly_opts o = folio_kelly_defaults();
    o.risk_aversion = 0.5 + 3 * tl_uniform(&g);
    double u = tl_uniform(&g);
    o.cap = u < 0.2 ? INFINITY : 0.01 + 2 * u;
    int use_syms = tl_uniform(&g) < 0.8;
    const char *const *sy = use_syms ? NAMES : NULL;
    folio_kelly_info info;
    folio_error err;
    folio_status st = folio_kelly_fraction(n, mu, cov, ld, sy, &o, w, raw, work, &info, &err);
    CHECK_MSG(st == FOLIO_OK, "%s", err.message);
    if (st != FOLIO_OK) continue;
    ran++;
    size_t capped = 0;
    for (size_t i = 0; i < n; i++) {
      if (!(fabs(w[i]) <= o.cap)) cap_ok = 0;
      if (fabs(raw[i]) > o.cap) capped++;
      if (fabs(raw[i]) <= o.cap && w[i] != raw[i]) cap_ok = 0;
    }
    if (capped != info.n_capped) cap_ok = 0;
    /* residual of cov * raw * ra = mu, relative to the scale of the terms */
    double rmax = 0, scale = 0;
    for (size_t i = 0; i < n; i++) {
      double s = 0, sa = 0;
      for (size_t j = 0; j < n; j++) {
        s += cov[i + j * ld] * raw[j] * o.risk_aversion;
        sa += fabs(cov[i + j * ld] * raw[j] * o.risk_aversion);
      }
      rmax = fmax(rmax, fabs(s - mu[i]));
      scale = fmax(scale, fmax(sa, fabs(mu[i])));
    }
    double rel = scale > 0 ? rmax / scale : 0;
    if (rel > worst_res) worst_res = rel;
    if (rel > 1e-9) res_ok = 0;
    CHECK(folio_kelly_fraction(n, mu, cov, ld, sy, &o, w2, raw2, NULL, NULL, &err) == FOLIO_OK);
    if (memcmp(w, w2, n * sizeof(double)) || memcmp(raw, raw2, n * sizeof(double))) det_ok = 0;
    /* An asymmetry beyond 1e-10 * sqrt(c_ii c_jj) is always caught, naming the pair. */
    if (n >= 2) {
      size_t i = 1 + tl_index(&g, n - 1), j = tl_index(&g, i);
      double keep = cov[i + j * ld];
      cov[i + j * ld] += 1e-8 * sqrt(cov[i + i * ld] * cov[j + j * ld]);
      char pair[64];
      if (use_syms)
        snprintf(pair, sizeof pair, "symbols %s and %s", NAMES[j], NAMES[i]);
      else
        snprintf(pair, sizeof pair, "symbols #%zu and #%zu", j + 1, i + 1);
      folio_status bad = folio_kelly_fraction(n, mu, cov, ld, sy, &o, w2, NULL, NULL, NULL, &err);
      CHECK_ERR(bad, err, FOLIO_ENOTSYM, pair);
      cov[i + j * ld] = keep;
    }
    if (use_syms) {
      shuffle(&g, perm, n);
      for (size_t a = 0; a < n; a++) {
        mup[a] = mu[perm[a]];
        symp[a] = NAMES[perm[a]];
        for (size_t b = 0; b < n; b++) covp[a + b * n] = cov[perm[a] + perm[b] * ld];
      }
      CHECK(folio_kelly_fraction(n, mup, covp, n, symp, &o, wp, NULL, NULL, NULL, &err) ==
            FOLIO_OK);
      for (size_t a = 0; a < n; a++)
        if (!same_bits(wp[a], w[perm[a]])) perm_ok = 0;
    }
  }
  free(work);
  CHECK_MSG(ran == INSTANCES, "only %d instances", ran);
  CHECK_MSG(cap_ok, "kelly_fraction: |w| > cap or cap count wrong");
  CHECK_MSG(res_ok, "kelly_fraction: relative residual %.3g > 1e-9", worst_res);
  CHECK_MSG(det_ok, "kelly_fraction: not deterministic");
  CHECK_MSG(perm_ok, "kelly_fraction: not permutation invariant");
  printf("kelly_fraction: %d instances, worst relative residual %.3g\n", ran, worst_res);
}

/* ---- vol_target_weights --------------------------------------------------------- */

static void prop_vol_target(void) {
  tl_rng g = {3003};
  int det_ok = 1, perm_ok = 1, scale_ok = 1, ran = 0;
  enum { MAXT = 120 };
  static double r[MAXT * MAXN], rp[MAXT * MAXN];
  for (int it = 0; it < INSTANCES; it++) {
    size_t n = 1 + tl_index(&g, 25), window = 2 + tl_index(&g, 60), t = window + tl_index(&g, 40);
    double base[MAXN], bp[MAXN], w[MAXN], w2[MAXN], wp[MAXN];
    const char *symp[MAXN];
    size_t perm[MAXN];
    size_t forced = tl_index(&g, n); /* at least one non-zero weight */
    for (size_t j = 0; j < n; j++) {
      double u = tl_uniform(&g);
      base[j] = u < 0.2 ? 0.0 : tl_normal(&g) * 0.2;
      if (j == forced) base[j] = 0.1;
      double vol = 0.002 + 0.03 * tl_uniform(&g);
      for (size_t i = 0; i < t; i++) {
        double x = vol * tl_normal(&g);
        /* missing data only where the weight is 0, or before the window */
        if ((base[j] == 0.0 || i + window < t) && tl_uniform(&g) < 0.1) x = NAN;
        r[i + j * t] = x;
      }
    }
    folio_panel p = folio_panel_make(r, t, n);
    p.col_labels = NAMES;
    folio_vol_target_opts o = {0.05 + 0.2 * tl_uniform(&g), window, 0.5 + 5 * tl_uniform(&g), 252};
    folio_vol_target_info info;
    folio_error err;
    folio_status st = folio_vol_target_weights(n, base, &p, &o, w, &info, &err);
    CHECK_MSG(st == FOLIO_OK, "%s", err.message);
    if (st != FOLIO_OK) continue;
    ran++;
    if (!(info.scale <= o.max_scale) || !(info.scale > 0)) scale_ok = 0;
    if (info.scale < o.max_scale && fabs(info.scale * info.realised_vol - o.target_ann_vol) > 1e-12)
      scale_ok = 0;
    CHECK(folio_vol_target_weights(n, base, &p, &o, w2, NULL, &err) == FOLIO_OK);
    if (memcmp(w, w2, n * sizeof(double))) det_ok = 0;
    shuffle(&g, perm, n);
    for (size_t a = 0; a < n; a++) {
      bp[a] = base[perm[a]];
      symp[a] = NAMES[perm[a]];
      memcpy(rp + a * t, r + perm[a] * t, t * sizeof(double));
    }
    folio_panel pp = folio_panel_make(rp, t, n);
    pp.col_labels = symp;
    folio_vol_target_info infop;
    CHECK(folio_vol_target_weights(n, bp, &pp, &o, wp, &infop, &err) == FOLIO_OK);
    for (size_t a = 0; a < n; a++)
      if (!same_bits(wp[a], w[perm[a]])) perm_ok = 0;
    if (!same_bits(infop.realised_vol, info.realised_vol)) perm_ok = 0;
  }
  CHECK_MSG(ran == INSTANCES, "only %d instances", ran);
  CHECK_MSG(scale_ok, "vol_target_weights: scale rule violated");
  CHECK_MSG(det_ok, "vol_target_weights: not deterministic");
  CHECK_MSG(perm_ok, "vol_target_weights: not permutation invariant");
  printf("vol_target_weights: %d instances\n", ran);
}

/* ---- kelly_voltarget ------------------------------------------------------------ */

static void prop_kelly_voltarget(void) {
  tl_rng g = {4004};
  int cap_ok = 1, det_ok = 1, perm_ok = 1, ran = 0;
  enum { MAXT = 140, KN = 10 };
  static double r[MAXT * KN], rp[MAXT * KN];
  void *work = malloc(folio_kelly_voltarget_work_size(MAXT, KN));
  for (int it = 0; it < INSTANCES * 3 && ran < INSTANCES; it++) {
    size_t n = 2 + tl_index(&g, KN - 1);
    folio_kelly_voltarget_opts o =
        folio_kelly_voltarget_defaults(tl_uniform(&g) < 0.5 ? 0.12 : 0.08);
    o.cov_window = 30 + tl_index(&g, 60);
    o.vol_window = 5 + tl_index(&g, 60);
    o.cap = 0.02 + 0.5 * tl_uniform(&g);
    o.ic = 0.01 + 0.2 * tl_uniform(&g);
    o.max_scale = 0.5 + 5 * tl_uniform(&g);
    size_t win = o.cov_window > o.vol_window ? o.cov_window : o.vol_window;
    size_t t = win + tl_index(&g, 40);
    double sig[KN], sp[KN], w[KN], w2[KN], wp[KN], usd[KN], usdp[KN];
    const char *symp[KN];
    size_t perm[KN];
    for (size_t j = 0; j < n; j++) sig[j] = tl_uniform(&g) < 0.15 ? NAN : tl_normal(&g);
    for (size_t i = 0; i < t; i++) {
      double f = tl_normal(&g);
      for (size_t j = 0; j < n; j++) {
        double x = 0.01 * (0.5 * f + tl_normal(&g)) * (1 + 0.1 * (double)j);
        /* excluded names may miss data anywhere; active names only before the windows */
        if ((isnan(sig[j]) || i + win < t) && tl_uniform(&g) < 0.1) x = NAN;
        r[i + j * t] = x;
      }
    }
    folio_panel p = folio_panel_make(r, t, n);
    p.col_labels = NAMES;
    folio_kelly_voltarget_info info;
    folio_error err;
    folio_status st = folio_kelly_voltarget(n, sig, &p, 1e6, &o, w, usd, work, &info, &err);
    if (st == FOLIO_EEMPTY) continue;
    CHECK_MSG(st == FOLIO_OK, "%s", err.message);
    if (st != FOLIO_OK) continue;
    ran++;
    for (size_t j = 0; j < n; j++)
      if (!(fabs(w[j]) <= o.cap) || (isnan(sig[j]) && w[j] != 0)) cap_ok = 0;
    CHECK(folio_kelly_voltarget(n, sig, &p, 1e6, &o, w2, NULL, NULL, NULL, &err) == FOLIO_OK);
    if (memcmp(w, w2, n * sizeof(double))) det_ok = 0;
    shuffle(&g, perm, n);
    for (size_t a = 0; a < n; a++) {
      sp[a] = sig[perm[a]];
      symp[a] = NAMES[perm[a]];
      memcpy(rp + a * t, r + perm[a] * t, t * sizeof(double));
    }
    folio_panel pp = folio_panel_make(rp, t, n);
    pp.col_labels = symp;
    CHECK(folio_kelly_voltarget(n, sp, &pp, 1e6, &o, wp, usdp, NULL, NULL, &err) == FOLIO_OK);
    for (size_t a = 0; a < n; a++)
      if (!same_bits(wp[a], w[perm[a]]) || !same_bits(usdp[a], usd[perm[a]])) perm_ok = 0;
  }
  free(work);
  CHECK_MSG(ran == INSTANCES, "only %d instances", ran);
  CHECK_MSG(cap_ok, "kelly_voltarget: |w| > cap");
  CHECK_MSG(det_ok, "kelly_voltarget: not deterministic");
  CHECK_MSG(perm_ok, "kelly_voltarget: not permutation invariant");
  printf("kelly_voltarget: %d instances\n", ran);
}

int main(void) {
  init_names();
  prop_ewls();
  prop_kelly();
  prop_vol_target();
  prop_kelly_voltarget();
  return tl_finish("prop_sizers");
}
