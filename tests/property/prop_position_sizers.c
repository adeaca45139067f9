/*
 * prop_position_sizers.c — properties over random cases (fixed seeds):
 *  - risk-based units never spend more than the risk budget:
 *    units * price * stop_loss_pct <= equity * risk_per_trade, and one more
 *    lot would (so the rounding gives away less than a lot);
 *  - beta-scaled units stay within the clamps: the scale is in
 *    [beta_min, beta_max] and units * price * stop * beta_used <= budget;
 *  - portfolio-weight units * price <= |weight| * equity;
 *  - beta agrees with the naive cov / var and with the OLS slope's
 *    symmetry beta(a * r + c) = a * beta(r);
 *  - signal orders never exceed their target notional, in whole lots.
 */
#include <math.h>

#include "folio/position_sizers.h"
#include "folio/portfolio_allocator.h"
#include "testlib.h"

#define N_CASES 2000
/* relative slack for the floating-point products themselves */
#define REL 1e-12

static double log_uniform(tl_rng *g, double lo, double hi) {
  return exp(log(lo) + (log(hi) - log(lo)) * tl_uniform(g));
}

static double pick_lot(tl_rng *g) {
  static const double lots[] = {1, 1, 1, 10, 100, 0.5, 7};
  return lots[tl_index(g, sizeof lots / sizeof lots[0])];
}

static void prop_risk_budget(void) {
  tl_rng g = {11};
  int bad = 0, bad_lot = 0;
  for (int c = 0; c < N_CASES; c++) {
    double equity = log_uniform(&g, 1e3, 1e9), risk = log_uniform(&g, 1e-4, 1);
    double price = log_uniform(&g, 0.01, 5000), stop = log_uniform(&g, 1e-3, 1);
    double lot = pick_lot(&g);
    int frac = tl_index(&g, 5) == 0;
    double u;
    folio_error e;
    if (folio_units_risk_based(equity, risk, price, stop, lot, frac, &u, &e) != FOLIO_OK) {
      /* only a notional beyond the ceiling may refuse */
      CHECK_MSG(e.status == FOLIO_EINVAL && strstr(e.message, "notional"), "%s", e.message);
      continue;
    }
    double budget = equity * risk;
    if (!(u >= 0 && u * price * stop <= budget * (1 + REL))) bad++;
    if (!frac && (u + lot) * price * stop <= budget * (1 - REL)) bad_lot++;
    if (!frac && fabs(u / lot - nearbyint(u / lot)) > 1e-9) bad_lot++;
  }
  CHECK_EQ_INT(bad, 0);
  CHECK_EQ_INT(bad_lot, 0);
}

static void prop_beta_scaled(void) {
  tl_rng g = {12};
  int bad = 0;
  for (int c = 0; c < N_CASES; c++) {
    double equity = log_uniform(&g, 1e3, 1e8), risk = log_uniform(&g, 1e-4, 0.1);
    double price = log_uniform(&g, 0.5, 2000), stop = log_uniform(&g, 1e-2, 1);
    double beta = 6 * tl_normal(&g);
    double bmin = log_uniform(&g, 0.05, 1), bmax = bmin * log_uniform(&g, 1, 20);
    if (c % 3 == 0) bmin = FOLIO_BETA_MIN_DEFAULT, bmax = FOLIO_BETA_MAX_DEFAULT;
    double lot = pick_lot(&g);
    int frac = tl_index(&g, 4) == 0;
    double u, used, base;
    folio_error e;
    if (folio_units_beta_scaled(equity, risk, price, stop, beta, bmin, bmax, lot, frac, &u, &used,
                                &e) != FOLIO_OK) {
      CHECK_MSG(strstr(e.message, "notional") != NULL, "%s", e.message);
      continue;
    }
    double budget = equity * risk;
    if (!(used >= bmin && used <= bmax)) bad++;
    if (beta >= bmin && beta <= bmax && used != beta) bad++;
    if (!(u * price * stop * used <= budget * (1 + REL))) bad++;
    /* the scale relative to the risk-based size is within [1 / bmax, 1 / bmin] */
    if (folio_units_risk_based(equity, risk, price, stop, lot, 1, &base, &e) == FOLIO_OK && base > 0) {
      double raw_scaled = budget / (price * stop) / used;
      double s = raw_scaled / base;
      if (!(s >= (1 / bmax) * (1 - REL) && s <= (1 / bmin) * (1 + REL))) bad++;
      if (!(u <= raw_scaled * (1 + REL))) bad++;
    }
  }
  CHECK_EQ_INT(bad, 0);
}

static void prop_portfolio_weight(void) {
  tl_rng g = {13};
  int bad = 0;
  for (int c = 0; c < N_CASES; c++) {
    double w = 0.5 * tl_normal(&g), equity = log_uniform(&g, 1e3, 1e9);
    double price = log_uniform(&g, 0.01, 5000), lot = pick_lot(&g);
    int frac = tl_index(&g, 5) == 0;
    double u;
    folio_error e;
    if (folio_units_portfolio_weight(w, equity, price, lot, frac, &u, &e) != FOLIO_OK) {
      CHECK_MSG(strstr(e.message, "notional") != NULL, "%s", e.message);
      continue;
    }
    if (!(u >= 0 && u * price <= fabs(w) * equity * (1 + REL))) bad++;
    if (!frac && (u + lot) * price <= fabs(w) * equity * (1 - REL)) bad++;
  }
  CHECK_EQ_INT(bad, 0);
}

static void prop_beta(void) {
  tl_rng g = {14};
  enum { T = 300 };
  double r[T], b[T], r2[T];
  int bad = 0;
  for (int c = 0; c < N_CASES / 2; c++) {
    double true_beta = 3 * tl_normal(&g), vol = log_uniform(&g, 1e-4, 0.1);
    for (size_t t = 0; t < T; t++) {
      b[t] = vol * tl_normal(&g) + 1e-4;
      r[t] = true_beta * b[t] + vol * tl_normal(&g);
    }
    size_t window = 2 + tl_index(&g, T - 1);
    double beta, beta2;
    folio_error e;
    if (folio_beta(T, r, b, window, &beta, &e) != FOLIO_OK) {
      bad++;
      continue;
    }
    /* naive reference */
    const double *x = r + T - window, *y = b + T - window;
    double mx = 0, my = 0, sxy = 0, syy = 0;
    for (size_t t = 0; t < window; t++) mx += x[t], my += y[t];
    mx /= (double)window;
    my /= (double)window;
    for (size_t t = 0; t < window; t++) sxy += (x[t] - mx) * (y[t] - my), syy += (y[t] - my) * (y[t] - my);
    double ref = sxy / syy;
    if (fabs(beta - ref) > 1e-9 * (1 + fabs(ref))) bad++;
    /* affine: beta(a r + c) = a beta(r) */
    double a = 0.5 + tl_uniform(&g) * 2, k = 0.01 * tl_normal(&g);
    for (size_t t = 0; t < T; t++) r2[t] = a * r[t] + k;
    if (folio_beta(T, r2, b, window, &beta2, &e) != FOLIO_OK ||
        fabs(beta2 - a * beta) > 1e-8 * (1 + fabs(a * beta)))
      bad++;
  }
  CHECK_EQ_INT(bad, 0);
}

static void prop_signal_orders(void) {
  tl_rng g = {15};
  int bad = 0;
  for (int c = 0; c < N_CASES; c++) {
    folio_portfolio_allocator_opts o = folio_portfolio_allocator_defaults();
    o.target_weight = log_uniform(&g, 1e-3, 1);
    o.min_notional = tl_index(&g, 3) == 0 ? 0 : log_uniform(&g, 1, 1000);
    o.lot = pick_lot(&g);
    o.fractional = tl_index(&g, 5) == 0;
    double nav = log_uniform(&g, 1e3, 1e10), conf = tl_uniform(&g), dir = tl_normal(&g);
    double price = log_uniform(&g, 0.01, 5000);
    folio_signal_order r;
    folio_error e;
    if (folio_order_from_signal(&o, nav, dir, conf, price, &r, &e) != FOLIO_OK) {
      CHECK_MSG(strstr(e.message, "notional") != NULL, "%s", e.message);
      continue;
    }
    double target = fmax(nav * o.target_weight * conf, o.min_notional);
    if (fabs(r.target_notional - target) > 1e-9 * target) bad++;
    if (!(r.quantity * price <= target * (1 + REL))) bad++;
    if (!o.fractional && (r.quantity + o.lot) * price <= target * (1 - REL)) bad++;
    if (fabs(r.notional - r.quantity * price) > 0.005 + 1e-12 * r.notional) bad++;
    if (r.quantity > 0 && r.side != (dir >= 0 ? 1 : -1)) bad++;
    if (r.quantity == 0 && (r.side != 0 || !(r.flags & FOLIO_SIGNAL_ZERO_LOTS))) bad++;
  }
  CHECK_EQ_INT(bad, 0);
}

int main(void) {
  prop_risk_budget();
  prop_beta_scaled();
  prop_portfolio_weight();
  prop_beta();
  prop_signal_orders();
  return tl_finish("prop_position_sizers");
}
