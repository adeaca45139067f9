/*
 * test_multi_sleeve.c — multi_sleeve.h: the documented overlapping-sleeve example exactly,
 * 1/K allocations, sorted union, each overlay on small hand-made sleeve
 * return histories and every bad input (turnover.h: test_turnover.c).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "folio/multi_sleeve.h"
#include "testlib.h"

static void test_compose_spec(void) {
  const char *s1[] = {"SPY", "QQQ"}, *s2[] = {"SPY"};
  double w1[] = {0.4, 0.6}, w2[] = {-0.5};
  folio_sleeve sl[] = {{"equities_long", 2, s1, w1}, {"spy_hedge", 1, s2, w2}};
  double a[] = {0.6, 0.4}, w[3];
  const char *sy[3];
  size_t n = 0;
  folio_error err;
  CHECK_EQ_INT(folio_multi_sleeve_compose(2, sl, a, 3, sy, w, &n, NULL, &err), FOLIO_OK);
  CHECK_EQ_INT(n, 2);
  CHECK(strcmp(sy[0], "QQQ") == 0 && strcmp(sy[1], "SPY") == 0);
  CHECK(w[0] == 0.6 * 0.6);
  CHECK(w[1] == 0.6 * 0.4 + 0.4 * (-0.5));
  CHECK_NEAR(w[1], 0.04, 1e-15);
  CHECK_NEAR(w[0], 0.36, 1e-15);
  /* 1/K */
  CHECK_EQ_INT(folio_multi_sleeve_compose(2, sl, NULL, 3, sy, w, &n, NULL, &err), FOLIO_OK);
  CHECK(w[0] == 0.5 * 0.6);
  CHECK(w[1] == 0.5 * 0.4 + 0.5 * (-0.5));
  /* workspace given */
  void *work = malloc(folio_multi_sleeve_work_size(3));
  CHECK_EQ_INT(folio_multi_sleeve_compose(2, sl, a, 3, sy, w, &n, work, &err), FOLIO_OK);
  free(work);
  /* errors */
  double bad[] = {0.7, 0.4};
  CHECK_ERR(folio_multi_sleeve_compose(2, sl, bad, 3, sy, w, &n, NULL, &err), err, FOLIO_EINVAL, "spy_hedge");
  double neg[] = {-0.1, 0.4};
  CHECK_ERR(folio_multi_sleeve_compose(2, sl, neg, 3, sy, w, &n, NULL, &err), err, FOLIO_EINVAL, "equities_long");
  double nan_a[] = {NAN, 0.4};
  CHECK_ERR(folio_multi_sleeve_compose(2, sl, nan_a, 3, sy, w, &n, NULL, &err), err, FOLIO_EINVAL, ">= 0");
  CHECK_ERR(folio_multi_sleeve_compose(2, sl, a, 1, sy, w, &n, NULL, &err), err, FOLIO_EINVAL, "room for 1");
  CHECK_ERR(folio_multi_sleeve_compose(0, sl, a, 3, sy, w, &n, NULL, &err), err, FOLIO_EEMPTY, "no sleeves");
  CHECK_ERR(folio_multi_sleeve_compose(2, sl, a, 3, NULL, w, &n, NULL, &err), err, FOLIO_EINVAL, "NULL");
  const char *dup[] = {"SPY", "SPY"};
  folio_sleeve sd[] = {{"d", 2, dup, w1}};
  CHECK_ERR(folio_multi_sleeve_compose(1, sd, NULL, 3, sy, w, &n, NULL, &err), err, FOLIO_EDUP, "twice");
  double wn[] = {0.4, INFINITY};
  folio_sleeve sn[] = {{"n", 2, s1, wn}};
  CHECK_ERR(folio_multi_sleeve_compose(1, sn, NULL, 3, sy, w, &n, NULL, &err), err, FOLIO_ENOTFINITE, "QQQ");
  const char *emp[] = {""};
  folio_sleeve se[] = {{NULL, 1, emp, w2}};
  CHECK_ERR(folio_multi_sleeve_compose(1, se, NULL, 3, sy, w, &n, NULL, &err), err, FOLIO_EINVAL, "sleeve #1");
}

static void test_overlays(void) {
  enum { T = 120, K = 3 };
  static double r[T * K];
  for (size_t i = 0; i < T; i++) {
    r[i] = 0.001 * sin(0.7 * (double)i);
    r[i + T] = 0.01 * cos(1.3 * (double)i);
    r[i + 2 * T] = 0.004 * sin(2.9 * (double)i + 1);
  }
  folio_panel p = folio_panel_make(r, T, K);
  const char *names[] = {"calm", "wild", "mid"};
  double stated[] = {0.3, 0.3, 0.2}, out[K];
  folio_error err;
  CHECK_EQ_INT(folio_overlay_allocations(FOLIO_OVERLAY_EQUAL, K, names, NULL, 1, stated, NULL, out, NULL, &err), FOLIO_OK);
  CHECK(out[0] == 0.3 && out[2] == 0.2);
  CHECK_EQ_INT(folio_overlay_allocations(FOLIO_OVERLAY_EQUAL, K, names, NULL, 1, NULL, NULL, out, NULL, &err), FOLIO_OK);
  CHECK(out[1] == 1.0 / 3);
  for (int ov = FOLIO_OVERLAY_HRP; ov <= FOLIO_OVERLAY_BL; ov++) {
    CHECK_EQ_INT(folio_overlay_allocations((folio_overlay)ov, K, names, &p, 100, stated, NULL, out, NULL, &err), FOLIO_OK);
    CHECK_NEAR(out[0] + out[1] + out[2], 0.8, 1e-12);
    if (ov != FOLIO_OVERLAY_BL) CHECK_MSG(out[0] > out[1], "%s: calm > wild", folio_overlay_name((folio_overlay)ov));
    else CHECK_NEAR(out[0], 0.3, 1e-9);
    CHECK_EQ_INT(folio_overlay_allocations((folio_overlay)ov, K, names, &p, 100, NULL, NULL, out, NULL, &err), FOLIO_OK);
    CHECK_NEAR(out[0] + out[1] + out[2], 1.0, 1e-12);
  }
  /* inverse vol by hand over the last 100 rows */
  double iv[K], s = 0;
  for (size_t k = 0; k < K; k++) {
    double m = 0, v = 0;
    for (size_t i = T - 100; i < T; i++) m += r[i + k * T];
    m /= 100;
    for (size_t i = T - 100; i < T; i++) v += (r[i + k * T] - m) * (r[i + k * T] - m);
    iv[k] = 1 / sqrt(v / 99);
    s += iv[k];
  }
  CHECK_EQ_INT(folio_overlay_allocations(FOLIO_OVERLAY_INVERSE_VOL, K, names, &p, 100, NULL, NULL, out, NULL, &err), FOLIO_OK);
  for (size_t k = 0; k < K; k++) CHECK_NEAR(out[k], iv[k] / s, 1e-12);
  /* bl with a bullish view on "wild" */
  double P[K] = {0, 1, 0}, Qv[1] = {0.01};
  folio_bl_views views = {1, P, 1, Qv, NULL, 0, NULL};
  CHECK_EQ_INT(folio_overlay_allocations(FOLIO_OVERLAY_BL, K, names, &p, 100, stated, &views, out, NULL, &err), FOLIO_OK);
  CHECK(out[1] > 0.3);
  CHECK_NEAR(out[0] + out[1] + out[2], 0.8, 1e-12);
  /* errors */
  folio_overlay o;
  CHECK_ERR(folio_overlay_parse("magic", &o, &err), err, FOLIO_EINVAL, "unknown overlay 'magic'");
  CHECK_EQ_INT(folio_overlay_parse("risk_parity", &o, &err), FOLIO_OK);
  CHECK(o == FOLIO_OVERLAY_RISK_PARITY);
  CHECK(strcmp(folio_overlay_name((folio_overlay)99), "unknown") == 0);
  CHECK_ERR(folio_overlay_allocations(FOLIO_OVERLAY_HRP, K, names, NULL, 100, NULL, NULL, out, NULL, &err), err, FOLIO_EINVAL, "needs the sleeves' returns");
  CHECK_ERR(folio_overlay_allocations(FOLIO_OVERLAY_HRP, 2, names, &p, 100, NULL, NULL, out, NULL, &err), err, FOLIO_EINVAL, "3 columns for 2");
  CHECK_ERR(folio_overlay_allocations(FOLIO_OVERLAY_HRP, K, names, &p, 0, NULL, NULL, out, NULL, &err), err, FOLIO_EINVAL, "lookback");
  double big[] = {0.5, 0.5, 0.2};
  CHECK_ERR(folio_overlay_allocations(FOLIO_OVERLAY_HRP, K, names, &p, 100, big, NULL, out, NULL, &err), err, FOLIO_EINVAL, "mid");
  CHECK_ERR(folio_overlay_allocations(FOLIO_OVERLAY_HRP, K, names, &p, 1, NULL, NULL, out, NULL, &err), err, FOLIO_ESHORT, "");
  r[5] = NAN;
  CHECK_ERR(folio_overlay_allocations(FOLIO_OVERLAY_MIN_VARIANCE, K, names, &p, 200, NULL, NULL, out, NULL, &err), err, FOLIO_EMISSING, "calm");
  r[5] = 0;
  for (size_t i = 0; i < T; i++) r[i + 2 * T] = 0; /* a riskless sleeve */
  CHECK_ERR(folio_overlay_allocations(FOLIO_OVERLAY_INVERSE_VOL, K, names, &p, 100, NULL, NULL, out, NULL, &err), err, FOLIO_EDEGENERATE, "mid");
}

int main(void) {
  test_compose_spec();
  test_overlays();
  return tl_finish("test_multi_sleeve");
}
