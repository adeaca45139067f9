/*
 * prop_numbers.c — the numeric domains (numbers.h, docs/numbers.md) as a
 * property of the core: every public function below, on random extreme
 * instances (fixed seeds; entries drawn from ±1e308, 1e-300, denormals, 0,
 * and huge/small ratios), either fails with a status < 0 and a message, or
 * returns FOLIO_OK with every output finite — never a silent NaN or Inf.
 * Also: folio_check_number accepts exactly its documented bounds.
 */
#include <math.h>
#include <string.h>

#include "folio/black_litterman.h"
#include "folio/hrp.h"
#include "folio/money.h"
#include "folio/numbers.h"
#include "folio/orders.h"
#include "folio/position_sizers.h"
#include "folio/returns.h"
#include "folio/risk_sizers.h"
#include "folio/sizers.h"
#include "folio/state.h"
#include "folio/turnover.h"
#include "testlib.h"

enum { INSTANCES = 3000, MAXN = 4 };

static const double extreme[] = {1e308, -1e308, 1e-300, -1e-300, 4.9406564584124654e-324,
                                 2.2250738585072014e-308, 1e-310, 0.0, 1.0, -1.0, 0.5, 1e-8,
                                 1e12, 1e15, 1e-20, 1e10, 1e154, 3.0, 0.01, 1e-154};
#define N_EXTREME (sizeof extreme / sizeof *extreme)

static double any(tl_rng *r) { return extreme[tl_index(r, N_EXTREME)]; }
static double positive(tl_rng *r) {
  double v = fabs(any(r));
  return v > 0 ? v : 4.9406564584124654e-324;
}

static int n_ok, n_err;

/* st < 0 needs a message; FOLIO_OK needs every x[i] finite. */
static void verdict(const char *who, folio_status st, const folio_error *e, const double *x,
                    size_t n) {
  if (st < 0) {
    n_err++;
    CHECK_MSG(e->message[0] != '\0', "%s: status %d without a message", who, (int)st);
    return;
  }
  n_ok++;
  for (size_t i = 0; i < n; i++)
    if (!isfinite(x[i])) {
      CHECK_MSG(0, "%s: silent non-finite output #%zu = %g", who, i, x[i]);
      return;
    }
}

static const char *const syms[MAXN] = {"A", "B", "C", "D"};

static void random_cov(tl_rng *r, size_t n, double *c) {
  for (size_t j = 0; j < n; j++)
    for (size_t i = j; i < n; i++) {
      double v = i == j ? positive(r) : (tl_uniform(r) < 0.5 ? 0.0 : any(r));
      c[i + j * n] = c[j + i * n] = v;
    }
}

static void check_domains(void) {
  folio_error e;
  for (int d = 0; d < FOLIO_DOMAIN_COUNT; d++) {
    const char *name;
    double lo, hi;
    int zero_ok;
    CHECK(folio_domain_bounds((folio_domain)d, &name, &lo, &hi, &zero_ok) == FOLIO_OK);
    CHECK(folio_check_number((folio_domain)d, lo, "t", "x", NULL, &e) == FOLIO_OK);
    CHECK(folio_check_number((folio_domain)d, hi, "t", "x", NULL, &e) == FOLIO_OK);
    CHECK_ERR(folio_check_number((folio_domain)d, nextafter(hi, INFINITY), "t", "x", "S", &e), e,
              FOLIO_EINVAL, "outside the");
    CHECK(strstr(e.message, name) && strstr(e.message, " of S "));
    if (!zero_ok || lo > 0)
      CHECK(folio_check_number((folio_domain)d, nextafter(lo, -INFINITY), "t", "x", NULL, &e) ==
            (zero_ok && nextafter(lo, -INFINITY) == 0 ? FOLIO_OK : FOLIO_EINVAL));
    CHECK_ERR(folio_check_number((folio_domain)d, NAN, "t", "x", "S", &e), e, FOLIO_ENOTFINITE,
              "t: x of S is NaN");
    CHECK_ERR(folio_check_number((folio_domain)d, -INFINITY, "t", "x", NULL, &e), e,
              FOLIO_ENOTFINITE, "t: x is -inf");
  }
  CHECK(folio_check_number(FOLIO_DOMAIN_VARIANCE, 0.0, "t", "x", NULL, &e) == FOLIO_OK);
  CHECK_ERR(folio_check_number(FOLIO_DOMAIN_VARIANCE, 1e-300, "t", "cov", "A", &e), e,
            FOLIO_EINVAL, "t: cov 1e-300 of A is outside the variance domain 0 or [1e-20, 1e+10]");
  CHECK_ERR(folio_check_number(FOLIO_DOMAIN_PRICE, 4.9406564584124654e-324, "orders", "price", "X", &e),
            e, FOLIO_EINVAL, "orders: price 4.94066e-324 of X is outside the price domain [1e-08, 1e+12]");
  CHECK(folio_domain_bounds(FOLIO_DOMAIN_COUNT, NULL, NULL, NULL, NULL) == FOLIO_EINVAL);
  const double v[] = {1, 2, NAN};
  CHECK_ERR(folio_check_finite(v, 3, 1, syms, "s", "weight", &e), e, FOLIO_ENOTFINITE,
            "s: weight of C is NaN");
  CHECK(folio_check_finite(v, 2, 1, NULL, "s", "weight", &e) == FOLIO_OK);
  char buf[40];
  CHECK(strcmp(folio_number_text(1e300, buf, sizeof buf), "1e+300") == 0);
  CHECK(strcmp(folio_number_text(0.1, buf, sizeof buf), "0.1") == 0);
  CHECK(strtod(folio_number_text(1.0 / 3.0, buf, sizeof buf), NULL) == 1.0 / 3.0);
}

int main(void) {
  check_domains();
  tl_rng r = {20261207};
  folio_error e;
  for (int inst = 0; inst < INSTANCES; inst++) {
    size_t n = 2 + tl_index(&r, MAXN - 1);
    double cov[MAXN * MAXN], mu[MAXN], w[MAXN], raw[MAXN], rc[MAXN], x[MAXN], y[MAXN];
    random_cov(&r, n, cov);
    for (size_t i = 0; i < n; i++) mu[i] = any(&r);

    folio_kelly_opts ko = folio_kelly_defaults();
    ko.repair = (folio_repair)(inst % 2 ? FOLIO_REPAIR_RIDGE : FOLIO_REPAIR_ERROR);
    folio_status st = folio_kelly_fraction(n, mu, cov, n, syms, &ko, w, raw, NULL, NULL, &e);
    verdict("kelly_fraction", st, &e, w, n);
    if (st == FOLIO_OK) verdict("kelly_fraction raw", st, &e, raw, n);

    folio_risk_sizer_info info;
    folio_risk_sizer_opts ro = folio_risk_sizer_defaults();
    st = folio_inverse_vol(n, cov, n, syms, w, rc, &info, &e);
    verdict("inverse_vol", st, &e, w, n);
    if (st == FOLIO_OK) {
      verdict("inverse_vol rc", st, &e, rc, n);
      const double ii[] = {info.variance, info.diversification_ratio, info.objective};
      verdict("inverse_vol info", st, &e, ii, 3);
    }
    st = folio_min_variance(n, cov, n, syms, &ro, w, rc, NULL, &info, &e);
    verdict("min_variance", st, &e, w, n);
    if (st == FOLIO_OK) verdict("min_variance rc", st, &e, rc, n);
    st = folio_max_diversification(n, cov, n, syms, &ro, w, rc, NULL, &info, &e);
    verdict("max_diversification", st, &e, w, n);
    st = folio_risk_parity(n, cov, n, syms, &ro, w, rc, NULL, &info, &e);
    verdict("risk_parity", st, &e, w, n);
    if (st == FOLIO_OK) {
      const double ii[] = {info.variance, info.diversification_ratio, info.objective, rc[0], rc[1]};
      verdict("risk_parity info", st, &e, ii, 5);
    }

    /* hrp with the identity correlation (distances are then all equal) */
    double corr[MAXN * MAXN];
    for (size_t j = 0; j < n; j++)
      for (size_t i = 0; i < n; i++) corr[i + j * n] = i == j ? 1.0 : 0.0;
    st = folio_hrp(n, cov, n, corr, n, syms, FOLIO_LINKAGE_SINGLE, NULL, NULL, w, NULL, NULL, NULL, &e);
    verdict("hrp", st, &e, w, n);

    double wm[MAXN], pi[MAXN], post[MAXN];
    for (size_t i = 0; i < n; i++) wm[i] = positive(&r);
    st = folio_bl_prior(n, cov, n, wm, syms, 1.0, 0.0, pi, &e);
    verdict("bl_prior", st, &e, pi, n);
    if (st == FOLIO_OK) {
      folio_bl_opts bo = folio_bl_defaults();
      folio_bl_views none = {0, NULL, 1, NULL, NULL, 1, NULL};
      st = folio_black_litterman(n, cov, n, pi, syms, &none, &bo, post, NULL, 0, w, NULL, NULL, NULL, &e);
      verdict("black_litterman", st, &e, post, n);
      if (st == FOLIO_OK) verdict("black_litterman weights", st, &e, w, n);
    }

    /* orders */
    double cur[MAXN], px[MAXN], tw[MAXN], lots[MAXN];
    folio_order out[MAXN];
    for (size_t i = 0; i < n; i++) {
      cur[i] = any(&r);
      px[i] = positive(&r);
      tw[i] = any(&r);
      lots[i] = positive(&r);
    }
    folio_orders_opts oo = folio_orders_defaults();
    oo.min_notional = 0;
    st = folio_orders_diff(n, syms, cur, px, tw, inst % 3 ? lots : NULL, NULL, positive(&r), &oo, out, &e);
    if (st == FOLIO_OK)
      for (size_t i = 0; i < n; i++) {
        const double o[] = {out[i].quantity, out[i].notional, out[i].target_quantity,
                            out[i].capped_quantity, out[i].final_quantity};
        verdict("orders_diff", st, &e, o, 5);
      }
    else
      verdict("orders_diff", st, &e, NULL, 0);

    /* position sizers */
    double u = 0;
    st = folio_units_risk_based(positive(&r), 0.01, positive(&r), 0.05, positive(&r), inst % 2, &u, &e);
    verdict("units_risk_based", st, &e, &u, 1);
    st = folio_units_portfolio_weight(any(&r), positive(&r), positive(&r), 1, 0, &u, &e);
    verdict("units_portfolio_weight", st, &e, &u, 1);

    /* returns of a 2-row price panel */
    double prices[2 * MAXN], rets[MAXN];
    for (size_t i = 0; i < 2 * n; i++) prices[i] = positive(&r);
    folio_panel p = {0};
    p.data = prices;
    p.n_rows = 2;
    p.n_cols = n;
    p.ld = 2;
    st = folio_returns(&p, inst % 2 ? FOLIO_RETURNS_LOG : FOLIO_RETURNS_SIMPLE, rets, 1, &e);
    verdict("returns", st, &e, rets, n);

    /* snapshot */
    folio_snapshot_totals tot;
    st = folio_snapshot_compute(n, syms, cur, px, any(&r), &tot, &e);
    if (st == FOLIO_OK) {
      const double t[] = {tot.nav, tot.cash, tot.gross, tot.net};
      verdict("snapshot", st, &e, t, 4);
    } else {
      verdict("snapshot", st, &e, NULL, 0);
    }

    /* turnover projection (identity metric) */
    for (size_t i = 0; i < n; i++) {
      x[i] = any(&r);
      y[i] = any(&r);
    }
    folio_turnover_info ti;
    st = folio_turnover_project(n, x, y, NULL, 0, NULL, positive(&r), NULL, w, &ti, NULL, &e);
    verdict("turnover", st, &e, w, n);
    if (st == FOLIO_OK) {
      const double t[] = {ti.needed, ti.turnover, ti.objective, ti.lambda};
      verdict("turnover info", st, &e, t, 4);
    }

    /* cent rounding: finite in, finite out */
    double amount = any(&r) * (tl_uniform(&r) < 0.5 ? 1.0 : any(&r));
    if (isfinite(amount)) {
      double c = folio_usd_round_cents(amount), f = folio_usd_floor_cents(amount);
      CHECK_MSG(isfinite(c) && isfinite(f), "usd rounding of %g: %g, %g", amount, c, f);
    }
  }
  printf("prop_numbers: %d instances, %d results checked finite, %d errors with messages\n", INSTANCES,
         n_ok, n_err);
  CHECK(n_ok > 1000 && n_err > 1000); /* both sides exercised */
  return tl_finish("prop_numbers");
}
