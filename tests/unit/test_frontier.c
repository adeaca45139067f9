/*
 * test_frontier.c — the efficient frontier's C API on hand cases with closed
 * forms (two uncorrelated assets), options (bounds, sectors, turnover, cost,
 * market neutral, γ), binding flags, the curve, performance, workspaces,
 * cancellation and every documented error.
 */
#include "folio/frontier.h"
#include "testlib.h"

static const double cov2[4] = {0.04, 0, 0, 0.09};
static const double mu2[2] = {0.1, 0.2};
static const char *syms2[2] = {"AAA", "BBB"};

static const double cov3[9] = {0.04, 0.006, 0.002, 0.006, 0.09, 0.01, 0.002, 0.01, 0.0225};
static const double mu3[3] = {0.08, 0.15, 0.05};
static const char *syms3[3] = {"AAA", "BBB", "CCC"};

static void kkt_ok(const folio_frontier_info *i) {
  CHECK_MSG(i->kkt.primal <= 1e-12 && i->kkt.dual <= 1e-12 && i->kkt.complementarity <= 1e-12 &&
                i->kkt.stationarity <= 1e-12,
            "kkt %g %g %g %g", i->kkt.primal, i->kkt.dual, i->kkt.complementarity, i->kkt.stationarity);
}

static void test_closed_forms(void) {
  double w[2];
  folio_frontier_info info;
  folio_error err;
  CHECK_EQ_INT(folio_frontier_min_volatility(2, NULL, cov2, 2, syms2, NULL, w, NULL, &info, NULL, &err), FOLIO_OK);
  CHECK_NEAR(w[0], 0.09 / 0.13, 1e-14);
  CHECK(isnan(info.expected_return) && isnan(info.sharpe));
  kkt_ok(&info);
  CHECK_EQ_INT(folio_frontier_max_sharpe(2, mu2, cov2, 2, syms2, NULL, w, NULL, &info, NULL, &err), FOLIO_OK);
  double ta = 0.1 / 0.04, tb = 0.2 / 0.09;
  CHECK_NEAR(w[0], ta / (ta + tb), 1e-12);
  CHECK_NEAR(info.sharpe, sqrt(0.1 * 0.1 / 0.04 + 0.2 * 0.2 / 0.09), 1e-12);
  kkt_ok(&info);
  folio_frontier_opts o = folio_frontier_defaults();
  double lo[2] = {-1, -1}, hi[2] = {2, 2};
  o.lower = lo;
  o.upper = hi;
  o.risk_aversion = 2;
  CHECK_EQ_INT(folio_frontier_max_quadratic_utility(2, mu2, cov2, 2, syms2, &o, w, NULL, &info, NULL, &err), FOLIO_OK);
  double a1 = 25, a2 = 1 / 0.09, b1 = 2.5 / 2, b2 = 0.2 / 0.09 / 2, nu = (1 - b1 - b2) / (a1 + a2);
  CHECK_NEAR(w[0], b1 + a1 * nu, 1e-12);
  CHECK_NEAR(w[1], b2 + a2 * nu, 1e-12);
  kkt_ok(&info);
}

static void test_targets_and_binding(void) {
  double w[3], ws[3];
  folio_frontier_info info, si;
  folio_error err;
  unsigned char bl[3], bu[3];
  folio_frontier_binding b = {bl, bu, NULL, NULL, 0, 0};
  CHECK_EQ_INT(folio_frontier_efficient_return(3, mu3, cov3, 3, 0.1, syms3, NULL, w, &b, &info, NULL, &err), FOLIO_OK);
  CHECK_NEAR(info.expected_return, 0.1, 1e-13);
  CHECK(b.target);
  kkt_ok(&info);
  double v = info.volatility;
  CHECK_EQ_INT(folio_frontier_efficient_risk(3, mu3, cov3, 3, v, syms3, NULL, ws, &b, &info, NULL, &err), FOLIO_OK);
  CHECK_NEAR(info.volatility, v, 1e-13);
  for (int i = 0; i < 3; i++) CHECK_NEAR(ws[i], w[i], 1e-9);
  CHECK(b.target);
  CHECK_EQ_INT(folio_frontier_max_sharpe(3, mu3, cov3, 3, syms3, NULL, ws, NULL, &si, NULL, &err), FOLIO_OK);
  CHECK_EQ_INT(folio_frontier_efficient_risk(3, mu3, cov3, 3, si.volatility, syms3, NULL, w, NULL, &info, NULL, &err), FOLIO_OK);
  for (int i = 0; i < 3; i++) CHECK_NEAR(w[i], ws[i], 1e-7);
  /* a loose target: the largest-return portfolio, target not binding */
  CHECK_EQ_INT(folio_frontier_efficient_risk(3, mu3, cov3, 3, 0.9, syms3, NULL, w, &b, &info, NULL, &err), FOLIO_OK);
  CHECK_NEAR(w[1], 1.0, 1e-9);
  CHECK(!b.target);
  CHECK(bu[1] && bl[0] && bl[2]);
}

static void test_options(void) {
  double w[3];
  folio_frontier_info info;
  folio_error err;
  folio_frontier_opts o = folio_frontier_defaults();
  size_t sector[3] = {0, 1, 1};
  double shi[2] = {INFINITY, 0.3};
  const char *names[2] = {"x", "y"};
  o.n_sectors = 2;
  o.sector = sector;
  o.sector_upper = shi;
  o.sector_names = names;
  unsigned char su[2], sl[2];
  folio_frontier_binding b = {NULL, NULL, sl, su, 0, 0};
  CHECK_EQ_INT(folio_frontier_max_sharpe(3, mu3, cov3, 3, syms3, &o, w, &b, &info, NULL, &err), FOLIO_OK);
  CHECK_NEAR(w[1] + w[2], 0.3, 1e-12);
  CHECK(su[1] && !su[0] && !sl[0]);
  kkt_ok(&info);
  /* turnover from all-in AAA */
  folio_frontier_opts t = folio_frontier_defaults();
  double cur[3] = {1, 0, 0};
  t.current = cur;
  t.max_turnover = 0.2;
  CHECK_EQ_INT(folio_frontier_max_sharpe(3, mu3, cov3, 3, syms3, &t, w, &b, &info, NULL, &err), FOLIO_OK);
  CHECK_NEAR(fabs(w[0] - 1) + fabs(w[1]) + fabs(w[2]), 0.2, 1e-10);
  CHECK(b.max_turnover);
  CHECK(info.kkt.stationarity <= 1e-9);
  t.max_turnover = INFINITY;
  t.cost_bps = 1e7;
  CHECK_EQ_INT(folio_frontier_min_volatility(3, mu3, cov3, 3, syms3, &t, w, NULL, &info, NULL, &err), FOLIO_OK);
  CHECK_NEAR(w[0], 1.0, 1e-9);
  /* market neutral */
  folio_frontier_opts m = folio_frontier_defaults();
  double lo[3] = {-1, -1, -1}, hi[3] = {1, 1, 1};
  m.lower = lo;
  m.upper = hi;
  m.market_neutral = 1;
  CHECK_EQ_INT(folio_frontier_efficient_return(3, mu3, cov3, 3, 0.05, syms3, &m, w, NULL, &info, NULL, &err), FOLIO_OK);
  CHECK_NEAR(w[0] + w[1] + w[2], 0.0, 1e-13);
  CHECK_NEAR(info.expected_return, 0.05, 1e-13);
  /* gamma: more gamma, closer to equal weights */
  folio_frontier_opts g = folio_frontier_defaults();
  double w0[3];
  CHECK_EQ_INT(folio_frontier_min_volatility(3, NULL, cov3, 3, syms3, &g, w0, NULL, NULL, NULL, &err), FOLIO_OK);
  g.gamma = 10;
  CHECK_EQ_INT(folio_frontier_min_volatility(3, NULL, cov3, 3, syms3, &g, w, NULL, &info, NULL, &err), FOLIO_OK);
  CHECK(fabs(w[0] - 1.0 / 3) < fabs(w0[0] - 1.0 / 3));
  kkt_ok(&info);
}

static void test_curve_and_performance(void) {
  double w[3 * 20], r[20], v[20], s[20];
  folio_frontier_info info;
  folio_error err;
  CHECK_EQ_INT(folio_frontier_curve(3, mu3, cov3, 3, 20, syms3, NULL, w, r, v, s, &info, NULL, &err), FOLIO_OK);
  for (int k = 1; k < 20; k++) {
    CHECK(r[k] >= r[k - 1]);
    CHECK(v[k] >= v[k - 1] - 1e-15);
  }
  CHECK_NEAR(r[19], 0.15, 1e-8);
  CHECK_EQ_INT(info.qp_solves, 21); /* the largest return, the minimum volatility, 19 targets */
  double ret, vol, sh;
  double wp[3] = {1, 0, 0};
  CHECK_EQ_INT(folio_frontier_performance(3, wp, mu3, cov3, 3, 0.02, syms3, &ret, &vol, &sh, &err), FOLIO_OK);
  CHECK_NEAR(ret, 0.08, 1e-15);
  CHECK_NEAR(vol, 0.2, 1e-15);
  CHECK_NEAR(sh, 0.3, 1e-14);
  CHECK_EQ_INT(folio_frontier_performance(3, wp, NULL, cov3, 3, 0, syms3, &ret, &vol, &sh, &err), FOLIO_OK);
  CHECK(isnan(ret) && isnan(sh));
}

static int stop_now(void *ud) {
  (void)ud;
  return 1;
}

static void test_errors(void) {
  double w[3] = {7, 7, 7};
  folio_error err;
  folio_frontier_opts o = folio_frontier_defaults();
  double hi[3] = {0.3, 0.3, 0.3};
  o.upper = hi;
  CHECK_ERR(folio_frontier_max_sharpe(3, mu3, cov3, 3, syms3, &o, w, NULL, NULL, NULL, &err), err, FOLIO_EINVAL, "upper bounds sum to 0.9");
  CHECK(w[0] == 7);
  double mun[3] = {0.1, NAN, 0.1};
  CHECK_ERR(folio_frontier_max_sharpe(3, mun, cov3, 3, syms3, NULL, w, NULL, NULL, NULL, &err), err, FOLIO_ENOTFINITE, "symbol BBB");
  double cn[9];
  memcpy(cn, cov3, sizeof cn);
  cn[5] = INFINITY;
  CHECK_ERR(folio_frontier_min_volatility(3, NULL, cn, 3, syms3, NULL, w, NULL, NULL, NULL, &err), err, FOLIO_ENOTFINITE, "CCC, BBB");
  memcpy(cn, cov3, sizeof cn);
  cn[1] = 0.5;
  CHECK_ERR(folio_frontier_min_volatility(3, NULL, cn, 3, syms3, NULL, w, NULL, NULL, NULL, &err), err, FOLIO_ENOTSYM, "AAA and BBB");
  double np[4] = {0.04, 0.1, 0.1, 0.04};
  CHECK_ERR(folio_frontier_min_volatility(2, NULL, np, 2, syms2, NULL, w, NULL, NULL, NULL, &err), err, FOLIO_ENOTPD, "not positive semidefinite");
  CHECK_ERR(folio_frontier_efficient_return(3, mu3, cov3, 3, 0.9, syms3, NULL, w, NULL, NULL, NULL, &err), err, FOLIO_EINVAL,
            "target_return 0.9 is above the largest reachable return 0.15");
  CHECK_ERR(folio_frontier_efficient_return(3, mu3, cov3, 3, 0.0, syms3, NULL, w, NULL, NULL, NULL, &err), err, FOLIO_EINVAL,
            "below the return");
  CHECK_ERR(folio_frontier_efficient_risk(3, mu3, cov3, 3, 0.05, syms3, NULL, w, NULL, NULL, NULL, &err), err, FOLIO_EINVAL,
            "target_volatility 0.05 is below the minimum volatility 0.12");
  double low[3] = {0.01, 0.01, 0.01};
  folio_frontier_opts rf = folio_frontier_defaults();
  rf.risk_free_rate = 0.02;
  CHECK_ERR(folio_frontier_max_sharpe(3, low, cov3, 3, syms3, &rf, w, NULL, NULL, NULL, &err), err, FOLIO_EINVAL, "risk-free rate");
  folio_frontier_opts m = folio_frontier_defaults();
  m.market_neutral = 1;
  CHECK_ERR(folio_frontier_max_quadratic_utility(3, mu3, cov3, 3, syms3, &m, w, NULL, NULL, NULL, &err), err, FOLIO_EINVAL, "needs shorts");
  folio_frontier_opts s = folio_frontier_defaults();
  size_t sec[3] = {0, 0, 5};
  s.n_sectors = 1;
  s.sector = sec;
  CHECK_ERR(folio_frontier_min_volatility(3, NULL, cov3, 3, syms3, &s, w, NULL, NULL, NULL, &err), err, FOLIO_EINVAL, "out of range");
  folio_frontier_opts t = folio_frontier_defaults();
  t.max_turnover = 0.1;
  CHECK_ERR(folio_frontier_min_volatility(3, NULL, cov3, 3, syms3, &t, w, NULL, NULL, NULL, &err), err, FOLIO_EINVAL, "need current");
  CHECK_ERR(folio_frontier_min_volatility(0, NULL, cov3, 3, syms3, NULL, w, NULL, NULL, NULL, &err), err, FOLIO_EEMPTY, "no assets");
  CHECK_ERR(folio_frontier_min_volatility(3, NULL, cov3, 2, syms3, NULL, w, NULL, NULL, NULL, &err), err, FOLIO_EINVAL, NULL);
  CHECK_ERR(folio_frontier_curve(3, mu3, cov3, 3, 1, syms3, NULL, w, NULL, NULL, NULL, NULL, NULL, &err), err, FOLIO_EINVAL, "points");
  folio_cancel cancel = {stop_now, NULL};
  folio_frontier_opts c = folio_frontier_defaults();
  c.qp.cancel = &cancel;
  w[0] = 7;
  CHECK_ERR(folio_frontier_max_sharpe(3, mu3, cov3, 3, syms3, &c, w, NULL, NULL, NULL, &err), err, FOLIO_ECANCELED, "cancelled");
  CHECK(w[0] == 7);
}

static void test_workspace(void) {
  size_t bytes = folio_frontier_work_size(3, 0, 0);
  CHECK(bytes > 0);
  CHECK(folio_frontier_work_size(3, 2, 1) > bytes);
  void *work = malloc(bytes);
  double w1[3], w2[3];
  folio_error err;
  CHECK_EQ_INT(folio_frontier_max_sharpe(3, mu3, cov3, 3, syms3, NULL, w1, NULL, NULL, work, &err), FOLIO_OK);
  CHECK_EQ_INT(folio_frontier_max_sharpe(3, mu3, cov3, 3, syms3, NULL, w2, NULL, NULL, NULL, &err), FOLIO_OK);
  CHECK(memcmp(w1, w2, sizeof w1) == 0);
  free(work);
}

/* folio_clean_weights: the cutoff, half-to-even rounding, no -0, in place, errors. */
static void test_clean_weights(void) {
  folio_error e;
  double w[] = {0.123456789, -0.00005, 0.000125, 0.5, -0.25000049, 2.5e-5};
  double out[6];
  CHECK(folio_clean_weights(6, w, 1e-4, 5, out, &e) == FOLIO_OK);
  CHECK(out[0] == 0.12346 && out[1] == 0.0 && !signbit(out[1]) && out[2] == 0.00012 && out[3] == 0.5);
  CHECK(out[4] == -0.25 && out[5] == 0.0);
  CHECK(folio_clean_weights(6, w, 0, 0, w, &e) == FOLIO_OK && w[0] == 0.123456789); /* unrounded, in place */
  double bad[] = {0.1, NAN};
  CHECK_ERR(folio_clean_weights(2, bad, 1e-4, 5, out, &e), e, FOLIO_ENOTFINITE, "weight 2 is not finite");
  CHECK_ERR(folio_clean_weights(1, w, -1, 5, out, &e), e, FOLIO_EINVAL, "cutoff");
  CHECK_ERR(folio_clean_weights(1, w, 1e-4, 16, out, &e), e, FOLIO_EINVAL, "rounding must be 0..15");
  CHECK_ERR(folio_clean_weights(1, NULL, 1e-4, 5, out, &e), e, FOLIO_EINVAL, "NULL");
  CHECK(folio_clean_weights(0, NULL, 1e-4, 5, NULL, &e) == FOLIO_OK);
}

int main(void) {
  test_clean_weights();
  test_closed_forms();
  test_targets_and_binding();
  test_options();
  test_curve_and_performance();
  test_errors();
  test_workspace();
  return tl_finish("test_frontier");
}
