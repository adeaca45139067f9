/*
 * test_state.c — market values and snapshot totals rounded to the cent, and
 * the running memory: daily P&L against the previous UTC day's last NAV,
 * drawdown from peak, leverage, restoring a checkpoint, and the refusals.
 */
#include <math.h>

#include "folio/state.h"
#include "testlib.h"

static void test_snapshot(void) {
  CHECK_NEAR(folio_position_market_value(3, 0.1), 0.30, 0);
  CHECK_NEAR(folio_position_market_value(-7, 12.345), -86.42, 1e-12); /* -86.415 away from 0 */
  const char *s[3] = {"AAA", "BBB", "CCC"};
  double q[3] = {100, -50, 0}, p[3] = {10.005, 20, NAN};
  folio_snapshot_totals t;
  folio_error e;
  CHECK(folio_snapshot_compute(3, s, q, p, 5000, &t, &e) == FOLIO_OK);
  CHECK_NEAR(t.gross, 1000.50 + 1000, 1e-9);
  CHECK_NEAR(t.net, 0.50, 1e-9);
  CHECK_NEAR(t.nav, 5000.50, 1e-9);
  CHECK_NEAR(t.cash, 5000, 0);
  p[1] = -1;
  CHECK_ERR(folio_snapshot_compute(3, s, q, p, 5000, &t, &e), e, FOLIO_EINVAL,
            "snapshot: market price of BBB must be > 0");
  p[1] = NAN;
  CHECK_ERR(folio_snapshot_compute(3, s, q, p, 5000, &t, &e), e, FOLIO_ENOTFINITE, "market price of BBB");
  p[1] = 20;
  q[0] = NAN;
  CHECK_ERR(folio_snapshot_compute(3, s, q, p, 5000, &t, &e), e, FOLIO_ENOTFINITE, "quantity of AAA");
  q[0] = 100;
  CHECK_ERR(folio_snapshot_compute(3, s, q, p, INFINITY, &t, &e), e, FOLIO_ENOTFINITE, "cash");
  CHECK_ERR(folio_snapshot_compute(3, s, NULL, p, 0, &t, &e), e, FOLIO_EINVAL, "NULL");
  CHECK(folio_snapshot_compute(0, NULL, NULL, NULL, -5, &t, &e) == FOLIO_OK);
  CHECK_NEAR(t.nav, -5, 0);
}

static void test_memory(void) {
  folio_portfolio_memory m = folio_memory_initial();
  folio_error e;
  const double day = 86400, t0 = 19723 * day; /* 2024-01-01T00:00Z */
  CHECK(folio_memory_update(&m, t0 + 3600, 100, 150, &e) == FOLIO_OK);
  CHECK_NEAR(m.latest_pnl, 0, 0);
  CHECK_NEAR(m.peak_nav, 100, 0);
  CHECK_NEAR(m.current_leverage, 1.5, 0);
  CHECK(folio_memory_update(&m, t0 + 7200, 102, 0, &e) == FOLIO_OK); /* same day */
  CHECK_NEAR(m.latest_pnl, 0.02, 1e-15);
  CHECK(folio_memory_update(&m, t0 + day + 60, 99.96, 100, &e) == FOLIO_OK); /* vs 102 */
  CHECK_NEAR(m.latest_pnl, 99.96 / 102 - 1, 1e-15);
  CHECK_NEAR(m.rolling_drawdown, 1 - 99.96 / 102, 1e-15);
  CHECK_NEAR(m.peak_nav, 102, 0);
  CHECK(folio_memory_update(&m, t0 + day + 120, 101, 100, &e) == FOLIO_OK);
  CHECK_NEAR(m.latest_pnl, 101.0 / 102 - 1, 1e-15);
  /* a restart from the checkpoint continues the same figures */
  folio_portfolio_memory r = m;
  CHECK(folio_memory_check(&r, &e) == FOLIO_OK);
  CHECK(folio_memory_update(&r, t0 + 3 * day, 110, 55, &e) == FOLIO_OK); /* vs 101 */
  CHECK_NEAR(r.latest_pnl, 110.0 / 101 - 1, 1e-15);
  CHECK_NEAR(r.rolling_drawdown, 0, 0);
  CHECK_NEAR(r.peak_nav, 110, 0);
  CHECK_NEAR(r.current_leverage, 0.5, 0);
  CHECK_EQ_INT(r.n_updates, 5);
  /* errors */
  CHECK_ERR(folio_memory_update(&r, t0, 100, 1, &e), e, FOLIO_EINVAL, "update_snapshot: timestamp");
  CHECK_ERR(folio_memory_update(&r, t0 + 4 * day, 0, 1, &e), e, FOLIO_EINVAL, "nav must be > 0");
  CHECK_ERR(folio_memory_update(&r, t0 + 4 * day, 100, -1, &e), e, FOLIO_EINVAL, "gross must be >= 0");
  CHECK_ERR(folio_memory_update(&r, NAN, 100, 1, &e), e, FOLIO_ENOTFINITE, "must be finite");
  folio_portfolio_memory bad = m;
  bad.peak_nav = -1;
  CHECK_ERR(folio_memory_check(&bad, &e), e, FOLIO_EINVAL, "state.peak_nav");
  bad = m;
  bad.last_nav = 1000;
  CHECK_ERR(folio_memory_check(&bad, &e), e, FOLIO_EINVAL, "above state.peak_nav");
  bad = m;
  bad.n_updates = -1;
  CHECK_ERR(folio_memory_check(&bad, &e), e, FOLIO_EINVAL, "n_updates");
}

int main(void) {
  test_snapshot();
  test_memory();
  return tl_finish("test_state");
}
