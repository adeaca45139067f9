/*
 * prop_frontier.c — the efficient frontier on 1,000 random instances (fixed
 * seed): random covariances (factor + specific), expected returns, bounds
 * (long-only, per-asset, long/short), sectors with limits around a feasible
 * point, L2 regularisation, current weights with a turnover cap or a cost,
 * market-neutral problems. For each instance:
 *   - every method's KKT residuals are <= 1e-9;
 *   - efficient_risk at max_sharpe's volatility gives max_sharpe's weights (1e-6);
 *   - the curve's returns and volatilities are non-decreasing;
 *   - efficient_return / efficient_risk inside the curve's range hit their targets.
 */
#include "folio/frontier.h"
#include "testlib.h"

#define NMAX 12
#define POINTS 8

typedef struct inst {
  size_t n, ns;
  double mu[NMAX], cov[NMAX * NMAX], lo[NMAX], hi[NMAX], cur[NMAX];
  size_t sector[NMAX];
  double slo[3], shi[3];
  folio_frontier_opts o;
} inst;

static void make(tl_rng *r, inst *in, int market_neutral) {
  size_t n = 2 + tl_index(r, NMAX - 1);
  in->n = n;
  size_t k = 1 + tl_index(r, 3), t = n + 5;
  double f[NMAX + 5][4];
  for (size_t s = 0; s < t; s++)
    for (size_t j = 0; j < k; j++) f[s][j] = tl_normal(r);
  double load[NMAX][4];
  for (size_t i = 0; i < n; i++)
    for (size_t j = 0; j < k; j++) load[i][j] = 0.1 * tl_normal(r);
  for (size_t i = 0; i < n; i++)
    for (size_t j = 0; j <= i; j++) {
      double s = 0;
      for (size_t a = 0; a < k; a++) s += load[i][a] * load[j][a];
      if (i == j) s += 0.005 + 0.05 * tl_uniform(r);
      in->cov[i + j * n] = in->cov[j + i * n] = s;
    }
  (void)f;
  for (size_t i = 0; i < n; i++) in->mu[i] = 0.02 + 0.15 * tl_normal(r);
  in->o = folio_frontier_defaults();
  folio_frontier_opts *o = &in->o;
  double w0[NMAX];
  int bk = (int)tl_index(r, 3);
  for (size_t i = 0; i < n; i++) {
    if (market_neutral) {
      in->lo[i] = -1;
      in->hi[i] = 1;
      w0[i] = 0;
    } else if (bk == 0) {
      in->lo[i] = 0;
      in->hi[i] = 1;
      w0[i] = 1.0 / (double)n;
    } else if (bk == 1) {
      in->lo[i] = 0.2 * tl_uniform(r) / (double)n;
      in->hi[i] = (1.0 + 2.0 * tl_uniform(r)) / (double)n + 0.01;
      w0[i] = 1.0 / (double)n;
    } else {
      in->lo[i] = -0.3;
      in->hi[i] = 0.6 + tl_uniform(r);
      w0[i] = 1.0 / (double)n;
    }
  }
  if (bk == 1) { /* make w0 = 1/n feasible */
    for (size_t i = 0; i < n; i++) {
      if (in->lo[i] > w0[i]) in->lo[i] = w0[i];
      if (in->hi[i] < w0[i]) in->hi[i] = w0[i];
    }
  }
  o->lower = in->lo;
  o->upper = in->hi;
  o->market_neutral = market_neutral;
  if (tl_uniform(r) < 0.4) {
    in->ns = 1 + tl_index(r, 3);
    for (size_t i = 0; i < n; i++)
      in->sector[i] = tl_uniform(r) < 0.2 ? FOLIO_FRONTIER_NO_SECTOR : tl_index(r, in->ns);
    for (size_t s = 0; s < in->ns; s++) {
      double sum = 0;
      for (size_t i = 0; i < n; i++)
        if (in->sector[i] == s) sum += w0[i];
      in->slo[s] = tl_uniform(r) < 0.5 ? sum - 0.2 * tl_uniform(r) : -INFINITY;
      in->shi[s] = sum + 0.2 * tl_uniform(r);
    }
    o->n_sectors = in->ns;
    o->sector = in->sector;
    o->sector_lower = in->slo;
    o->sector_upper = in->shi;
  }
  if (tl_uniform(r) < 0.25) o->gamma = 0.05 * tl_uniform(r);
  double u = tl_uniform(r);
  if (u < 0.35) {
    double s = 0;
    for (size_t i = 0; i < n; i++) s += (in->cur[i] = tl_uniform(r));
    for (size_t i = 0; i < n; i++) in->cur[i] = market_neutral ? in->cur[i] - s / (double)n : in->cur[i] / s;
    o->current = in->cur;
    if (u < 0.2) {
      double t = 0;
      for (size_t i = 0; i < n; i++) t += fabs(w0[i] - in->cur[i]);
      o->max_turnover = t + 0.5 * tl_uniform(r);
    } else {
      o->cost_bps = 50 * tl_uniform(r);
    }
  }
  o->risk_free_rate = 0.01 * tl_uniform(r);
}

static int kkt_ok(const folio_frontier_info *info) {
  return info->kkt.primal <= 1e-9 && info->kkt.dual <= 1e-9 && info->kkt.complementarity <= 1e-9 &&
         info->kkt.stationarity <= 1e-9;
}

static void report(const char *what, int i, const folio_frontier_info *info) {
  fprintf(stderr, "  instance %d %s: kkt primal %g dual %g compl %g stat %g\n", i, what,
          info->kkt.primal, info->kkt.dual, info->kkt.complementarity, info->kkt.stationarity);
}

int main(void) {
  tl_rng r = {20261207};
  int n_inst = 1000, n_sharpe_checked = 0, skipped = 0;
  for (int it = 0; it < n_inst; it++) {
    inst in;
    int mn = tl_uniform(&r) < 0.15;
    make(&r, &in, mn);
    size_t n = in.n;
    double w[NMAX], ws[NMAX], cw[NMAX * POINTS], rets[POINTS], vols[POINTS];
    folio_frontier_info info;
    folio_error err;
    folio_status st;
    if (!mn) {
      st = folio_frontier_min_volatility(n, in.mu, in.cov, n, NULL, &in.o, w, NULL, &info, NULL, &err);
      CHECK_MSG(st == FOLIO_OK, "instance %d min_volatility: %s", it, err.message);
      if (st == FOLIO_OK && !CHECK(kkt_ok(&info))) report("min_volatility", it, &info);
    }
    st = folio_frontier_max_quadratic_utility(n, in.mu, in.cov, n, NULL, &in.o, w, NULL, &info, NULL, &err);
    CHECK_MSG(st == FOLIO_OK, "instance %d utility: %s", it, err.message);
    if (st == FOLIO_OK && !CHECK(kkt_ok(&info))) report("utility", it, &info);
    st = folio_frontier_curve(n, in.mu, in.cov, n, POINTS, NULL, &in.o, cw, rets, vols, NULL, &info, NULL, &err);
    CHECK_MSG(st == FOLIO_OK, "instance %d curve: %s", it, err.message);
    if (st != FOLIO_OK) continue;
    if (!CHECK(kkt_ok(&info))) report("curve", it, &info);
    for (int k = 1; k < POINTS; k++) {
      CHECK_MSG(rets[k] >= rets[k - 1] - 1e-12, "instance %d curve return %d: %.17g < %.17g", it, k, rets[k], rets[k - 1]);
      /* with γ or a cost the curve minimises w'Σw + γ|w|² + k|w − c|₁, not the volatility alone */
      if (in.o.gamma == 0 && in.o.cost_bps == 0)
        CHECK_MSG(vols[k] >= vols[k - 1] - 1e-10, "instance %d curve vol %d: %.17g < %.17g", it, k,
                  vols[k], vols[k - 1]);
    }
    double rt = rets[0] + (0.1 + 0.8 * tl_uniform(&r)) * (rets[POINTS - 1] - rets[0]);
    st = folio_frontier_efficient_return(n, in.mu, in.cov, n, rt, NULL, &in.o, w, NULL, &info, NULL, &err);
    if (rets[POINTS - 1] - rets[0] > 1e-7) {
      CHECK_MSG(st == FOLIO_OK, "instance %d efficient_return: %s", it, err.message);
      if (st == FOLIO_OK) {
        if (!CHECK(kkt_ok(&info))) report("efficient_return", it, &info);
        CHECK_NEAR(info.expected_return, rt, 1e-9);
      }
    }
    double vt = vols[0] + (0.1 + 0.8 * tl_uniform(&r)) * (vols[POINTS - 1] - vols[0]);
    if (vols[POINTS - 1] - vols[0] > 1e-7) {
      folio_frontier_binding b;
      memset(&b, 0, sizeof b);
      st = folio_frontier_efficient_risk(n, in.mu, in.cov, n, vt, NULL, &in.o, w, &b, &info, NULL, &err);
      CHECK_MSG(st == FOLIO_OK, "instance %d efficient_risk: %s", it, err.message);
      if (st == FOLIO_OK) {
        if (!CHECK(kkt_ok(&info))) report("efficient_risk", it, &info);
        /* at the target when it binds; below it when the largest-return portfolio is within it */
        CHECK_MSG(info.volatility <= vt * (1 + 1e-9) && (!b.target || info.volatility >= vt * (1 - 1e-9)),
                  "instance %d efficient_risk vol %.17g target %.17g", it, info.volatility, vt);
        if (in.o.gamma == 0 && in.o.cost_bps == 0) CHECK(b.target);
      }
    }
    if (mn || in.o.cost_bps > 0) continue;
    st = folio_frontier_max_sharpe(n, in.mu, in.cov, n, NULL, &in.o, ws, NULL, &info, NULL, &err);
    if (st != FOLIO_OK) { /* no portfolio above the risk-free rate: a documented refusal */
      CHECK_MSG(strstr(err.message, "risk-free rate") != NULL, "instance %d max_sharpe: %s", it, err.message);
      skipped++;
      continue;
    }
    if (!CHECK(kkt_ok(&info))) report("max_sharpe", it, &info);
    if (in.o.gamma > 0) continue; /* γ applies to y = κw in max_sharpe (PyPortfolioOpt): another problem */
    double sv = info.volatility, sr = info.sharpe;
    st = folio_frontier_efficient_risk(n, in.mu, in.cov, n, sv, NULL, &in.o, w, NULL, &info, NULL, &err);
    CHECK_MSG(st == FOLIO_OK, "instance %d efficient_risk at max_sharpe: %s", it, err.message);
    if (st != FOLIO_OK) continue;
    n_sharpe_checked++;
    double d = 0;
    for (size_t i = 0; i < n; i++) d = fmax(d, fabs(w[i] - ws[i]));
    CHECK_MSG(d <= 1e-6 || fabs(info.sharpe - sr) <= 1e-9 * (1 + fabs(sr)),
              "instance %d: efficient_risk at max_sharpe's vol differs by %g (sharpe %.12g vs %.12g)",
              it, d, info.sharpe, sr);
  }
  printf("prop_frontier: %d instances, %d max_sharpe/efficient_risk pairs, %d refused max_sharpe\n",
         n_inst, n_sharpe_checked, skipped);
  return tl_finish("prop_frontier");
}
