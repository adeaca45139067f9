/*
 * test_guards.c — limits validation, each guard alone (approve, resize to
 * the lot, reject in reject mode), reducing orders always passing the
 * exposure guards, the post-trade book (reducing orders first, then symbol
 * order), liquidity on both sides, the drawdown state machine (breach,
 * cool-off, re-arm, restart from a copied state, time going back) and every
 * refusal with its message.
 */
#include <math.h>

#include "folio/guards.h"
#include "testlib.h"

static folio_guard_entry ent(double pos, double px, double order) {
  folio_guard_entry e = {pos, px, order, 1.0, NAN};
  return e;
}

static void test_limits(void) {
  folio_guard_limits l = folio_guard_defaults();
  folio_error e;
  CHECK(folio_guard_limits_check(&l, &e) == FOLIO_OK);
  CHECK(isinf(l.max_gross) && l.scale == 1);
  CHECK_NEAR(l.cooloff_days, 5, 0);
  l.max_gross = 0;
  CHECK_ERR(folio_guard_limits_check(&l, &e), e, FOLIO_EINVAL, "guards: max_gross must be > 0");
  l = folio_guard_defaults();
  l.max_position_weight = NAN;
  CHECK_ERR(folio_guard_limits_check(&l, &e), e, FOLIO_ENOTFINITE, "max_position_weight is NaN");
  l = folio_guard_defaults();
  l.max_drawdown = 1.5;
  CHECK_ERR(folio_guard_limits_check(&l, &e), e, FOLIO_EINVAL, "max_drawdown must be in (0, 1]");
  l.max_drawdown = 0.1;
  l.rearm_drawdown = 0.1;
  CHECK_ERR(folio_guard_limits_check(&l, &e), e, FOLIO_EINVAL, "must be below max_drawdown");
  l.rearm_drawdown = -0.1;
  CHECK_ERR(folio_guard_limits_check(&l, &e), e, FOLIO_EINVAL, "rearm_drawdown must be >= 0");
  l.rearm_drawdown = NAN;
  CHECK_NEAR(folio_guard_rearm_level(&l), 0.05, 1e-15);
  l.cooloff_days = -1;
  CHECK_ERR(folio_guard_limits_check(&l, &e), e, FOLIO_EINVAL, "cooloff_days");
  CHECK(strcmp(folio_guard_name(FOLIO_GUARD_LIQUIDITY), "max_adv_fraction") == 0);
  CHECK(strcmp(folio_guard_name((folio_guard_kind)9), "?") == 0);
}

static void test_position_weight(void) {
  folio_guard_limits l = folio_guard_defaults();
  l.max_position_weight = 0.20;
  folio_guard_entry b[2] = {ent(0, 10, 3000), ent(500, 20, 100)}; /* AAA 30%; BBB 10% -> 12% */
  folio_guard_decision d[2];
  folio_error e;
  CHECK(folio_guards_check(&l, NULL, 2, NULL, b, 1e5, 1e5, d, &e) == FOLIO_OK);
  CHECK_EQ_INT(d[0].verdict, FOLIO_GUARD_RESIZED);
  CHECK_NEAR(d[0].quantity, 2000, 0);
  CHECK_EQ_INT(d[0].n_events, 1);
  CHECK_EQ_INT(d[0].events[0].guard, FOLIO_GUARD_POSITION_WEIGHT);
  CHECK_NEAR(d[0].events[0].value, 0.30, 1e-12);
  CHECK_NEAR(d[0].events[0].limit, 0.20, 0);
  CHECK_EQ_INT(d[1].verdict, FOLIO_GUARD_APPROVED);
  CHECK_NEAR(d[1].quantity, 100, 0);
  /* lots: the resize is rounded down to the lot */
  b[0].lot = 300;
  CHECK(folio_guards_check(&l, NULL, 2, NULL, b, 1e5, 1e5, d, &e) == FOLIO_OK);
  CHECK_NEAR(d[0].quantity, 1800, 0);
  /* exactly at the limit is approved */
  b[0] = ent(0, 10, 2000);
  CHECK(folio_guards_check(&l, NULL, 2, NULL, b, 1e5, 1e5, d, &e) == FOLIO_OK);
  CHECK_EQ_INT(d[0].verdict, FOLIO_GUARD_APPROVED);
  /* reject mode */
  l.scale = 0;
  b[0] = ent(0, 10, 3000);
  CHECK(folio_guards_check(&l, NULL, 2, NULL, b, 1e5, 1e5, d, &e) == FOLIO_OK);
  CHECK_EQ_INT(d[0].verdict, FOLIO_GUARD_REJECTED);
  CHECK_NEAR(d[0].quantity, 0, 0);
  /* a reducing order passes although the position is still over the limit */
  b[0] = ent(5000, 10, -1000);
  CHECK(folio_guards_check(&l, NULL, 2, NULL, b, 1e5, 1e5, d, &e) == FOLIO_OK);
  CHECK_EQ_INT(d[0].verdict, FOLIO_GUARD_APPROVED);
  /* a flip: scale mode keeps the reducing part, here a close of 50 odd shares */
  l.scale = 1;
  l.max_position_weight = 0.001; /* 10 shares */
  b[0] = ent(50, 10, -3000);
  b[0].lot = 100;
  CHECK(folio_guards_check(&l, NULL, 1, NULL, b, 1e5, 1e5, d, &e) == FOLIO_OK);
  CHECK_EQ_INT(d[0].verdict, FOLIO_GUARD_RESIZED);
  CHECK_NEAR(d[0].quantity, 50, 0);
}

static void test_gross_leverage_book(void) {
  folio_guard_limits l = folio_guard_defaults();
  l.max_gross = 1.0;
  /* book: AAA 60k long, BBB 30k short; CCC buy 30k, AAA sell 20k.
   * The sell is decided first, so the buy fits: 40 + 30 + 30 = 100k. */
  folio_guard_entry b[3] = {ent(6000, 10, -2000), ent(-1500, 20, 0), ent(0, 30, 1000)};
  folio_guard_decision d[3];
  folio_error e;
  const char *s[3] = {"AAA", "BBB", "CCC"};
  CHECK(folio_guards_check(&l, NULL, 3, s, b, 1e5, 1e5, d, &e) == FOLIO_OK);
  CHECK_EQ_INT(d[0].verdict, FOLIO_GUARD_APPROVED);
  CHECK_EQ_INT(d[1].verdict, FOLIO_GUARD_NO_ORDER);
  CHECK_EQ_INT(d[2].verdict, FOLIO_GUARD_APPROVED);
  /* a bigger buy is cut to the room left */
  b[2].order = 1500;
  CHECK(folio_guards_check(&l, NULL, 3, s, b, 1e5, 1e5, d, &e) == FOLIO_OK);
  CHECK_EQ_INT(d[2].verdict, FOLIO_GUARD_RESIZED);
  CHECK_NEAR(d[2].quantity, 1000, 1e-9);
  CHECK_EQ_INT(d[2].events[0].guard, FOLIO_GUARD_GROSS);
  CHECK_NEAR(d[2].events[0].value, 1.15, 1e-12);
  /* leverage uses its own NAV (e.g. the live NAV of a snapshot) */
  l = folio_guard_defaults();
  l.max_leverage = 2.0;
  b[2].order = 1500;
  CHECK(folio_guards_check(&l, NULL, 3, s, b, 1e5, 5e4, d, &e) == FOLIO_OK);
  CHECK_EQ_INT(d[2].verdict, FOLIO_GUARD_RESIZED);
  CHECK_NEAR(d[2].quantity, 1000, 1e-9);
  CHECK_EQ_INT(d[2].events[0].guard, FOLIO_GUARD_LEVERAGE);
  CHECK_NEAR(d[2].events[0].value, 115000.0 / 5e4, 1e-12);
  /* already over the gross limit: increasing orders rejected, reducing ones pass */
  l = folio_guard_defaults();
  l.max_gross = 0.5;
  CHECK(folio_guards_check(&l, NULL, 3, s, b, 1e5, 1e5, d, &e) == FOLIO_OK);
  CHECK_EQ_INT(d[0].verdict, FOLIO_GUARD_APPROVED);
  CHECK_EQ_INT(d[2].verdict, FOLIO_GUARD_REJECTED);
}

static void test_liquidity(void) {
  folio_guard_limits l = folio_guard_defaults();
  l.max_adv_fraction = 0.10;
  folio_guard_entry b[2] = {ent(0, 10, 2000), ent(5000, 10, -5000)};
  b[0].adv_usd = 1e5; /* 10% = 1000 shares */
  b[1].adv_usd = 2e5; /* 2000 shares, a sell too */
  folio_guard_decision d[2];
  folio_error e;
  const char *s[2] = {"AAA", "BBB"};
  CHECK(folio_guards_check(&l, NULL, 2, s, b, 1e6, 1e6, d, &e) == FOLIO_OK);
  CHECK_NEAR(d[0].quantity, 1000, 1e-9);
  CHECK_NEAR(d[1].quantity, 2000, 1e-9);
  CHECK_EQ_INT(d[1].events[0].guard, FOLIO_GUARD_LIQUIDITY);
  CHECK_NEAR(d[1].events[0].value, 0.25, 1e-12);
  b[1].adv_usd = NAN;
  CHECK_ERR(folio_guards_check(&l, NULL, 2, s, b, 1e6, 1e6, d, &e), e, FOLIO_EMISSING,
            "guards: no ADV for BBB");
  b[1].adv_usd = -1;
  CHECK_ERR(folio_guards_check(&l, NULL, 2, s, b, 1e6, 1e6, d, &e), e, FOLIO_EINVAL,
            "ADV of BBB must be finite and > 0");
}

static void test_drawdown(void) {
  folio_guard_limits l = folio_guard_defaults();
  l.max_drawdown = 0.10;
  l.rearm_drawdown = 0.05;
  l.cooloff_days = 5;
  folio_drawdown_state s = folio_drawdown_initial();
  folio_drawdown_event ev;
  folio_error e;
  const double day = 86400;
  CHECK(folio_drawdown_update(&s, &l, 100, 0, &ev, &e) == FOLIO_OK);
  CHECK_NEAR(s.peak_nav, 100, 0);
  CHECK(folio_drawdown_update(&s, &l, 120, day, &ev, &e) == FOLIO_OK);
  CHECK(folio_drawdown_update(&s, &l, 109, 2 * day, &ev, &e) == FOLIO_OK);
  CHECK_EQ_INT(ev, FOLIO_DRAWDOWN_NONE);
  CHECK(folio_drawdown_update(&s, &l, 108, 3 * day, &ev, &e) == FOLIO_OK); /* dd = 10% */
  CHECK_EQ_INT(ev, FOLIO_DRAWDOWN_BREACH);
  CHECK(s.breached && s.n_breaches == 1);
  CHECK_NEAR(s.breach_time, 3 * day, 0);
  /* blocked: increasing orders rejected, reducing approved */
  folio_guard_entry b[2] = {ent(100, 10, 50), ent(100, 10, -50)};
  folio_guard_decision d[2];
  CHECK(folio_guards_check(&l, &s, 2, NULL, b, 1e5, 1e5, d, &e) == FOLIO_OK);
  CHECK_EQ_INT(d[0].verdict, FOLIO_GUARD_REJECTED);
  CHECK_EQ_INT(d[0].events[0].guard, FOLIO_GUARD_DRAWDOWN);
  CHECK_NEAR(d[0].events[0].value, 0.10, 1e-12);
  CHECK_EQ_INT(d[1].verdict, FOLIO_GUARD_APPROVED);
  /* recovered but cool-off not over: still breached */
  CHECK(folio_drawdown_update(&s, &l, 100, 4 * day, &ev, &e) == FOLIO_OK);
  CHECK(folio_drawdown_update(&s, &l, 118, 5 * day, &ev, &e) == FOLIO_OK);
  CHECK(s.breached);
  CHECK_NEAR(s.trough_nav, 100, 0);
  /* a restart: the copied state still blocks */
  folio_drawdown_state r = s;
  CHECK(folio_drawdown_check(&r, &e) == FOLIO_OK);
  /* cool-off over but drawdown above the re-arm level: still breached */
  CHECK(folio_drawdown_update(&r, &l, 112, 8 * day, &ev, &e) == FOLIO_OK);
  CHECK(r.breached);
  CHECK(folio_drawdown_update(&r, &l, 114, 9 * day, &ev, &e) == FOLIO_OK); /* dd 5% */
  CHECK_EQ_INT(ev, FOLIO_DRAWDOWN_REARM);
  CHECK(!r.breached && isnan(r.breach_time));
  CHECK(folio_guards_check(&l, &r, 2, NULL, b, 1e5, 1e5, d, &e) == FOLIO_OK);
  CHECK_EQ_INT(d[0].verdict, FOLIO_GUARD_APPROVED);
  /* errors */
  CHECK_ERR(folio_drawdown_update(&r, &l, 100, 1 * day, &ev, &e), e, FOLIO_EINVAL,
            "before the last update");
  CHECK_ERR(folio_drawdown_update(&r, &l, -5, 10 * day, &ev, &e), e, FOLIO_EINVAL,
            "nav must be > 0");
  CHECK_ERR(folio_drawdown_update(&r, &l, NAN, 10 * day, &ev, &e), e, FOLIO_ENOTFINITE, "nav");
  CHECK_ERR(folio_drawdown_update(&r, &l, 100, NAN, &ev, &e), e, FOLIO_ENOTFINITE, "asof");
  folio_drawdown_state bad = s;
  bad.breach_time = NAN;
  CHECK_ERR(folio_drawdown_check(&bad, &e), e, FOLIO_EINVAL, "breach_time");
  bad = s;
  bad.drawdown = 1.5;
  CHECK_ERR(folio_drawdown_check(&bad, &e), e, FOLIO_EINVAL, "state.drawdown");
  bad = s;
  bad.peak_nav = -1;
  CHECK_ERR(folio_drawdown_check(&bad, &e), e, FOLIO_EINVAL, "state.peak_nav");
  /* guard off: never breaches */
  folio_guard_limits off = folio_guard_defaults();
  folio_drawdown_state o = folio_drawdown_initial();
  CHECK(folio_drawdown_update(&o, &off, 100, 0, &ev, &e) == FOLIO_OK);
  CHECK(folio_drawdown_update(&o, &off, 1, 1, &ev, &e) == FOLIO_OK);
  CHECK(!o.breached);
  CHECK_NEAR(o.drawdown, 0.99, 1e-12);
}

static void test_errors(void) {
  folio_guard_limits l = folio_guard_defaults();
  folio_guard_entry b[1] = {ent(10, 10, 5)};
  folio_guard_decision d[1];
  folio_error e;
  const char *s[1] = {"AAA"};
  CHECK_ERR(folio_guards_check(&l, NULL, 1, s, b, 0, 1, d, &e), e, FOLIO_EINVAL, "nav_usd must be");
  CHECK_ERR(folio_guards_check(&l, NULL, 1, s, b, -1, 1, d, &e), e, FOLIO_EINVAL, "nav_usd");
  CHECK_ERR(folio_guards_check(&l, NULL, 1, s, b, 1, NAN, d, &e), e, FOLIO_ENOTFINITE, "leverage NAV");
  b[0].price = NAN;
  CHECK_ERR(folio_guards_check(&l, NULL, 1, s, b, 1, 1, d, &e), e, FOLIO_EMISSING, "no price for AAA");
  b[0].price = 0;
  CHECK_ERR(folio_guards_check(&l, NULL, 1, s, b, 1, 1, d, &e), e, FOLIO_EINVAL, "price of AAA");
  b[0] = ent(NAN, 10, 5);
  CHECK_ERR(folio_guards_check(&l, NULL, 1, s, b, 1, 1, d, &e), e, FOLIO_ENOTFINITE, "position of AAA");
  b[0] = ent(1, 10, INFINITY);
  CHECK_ERR(folio_guards_check(&l, NULL, 1, s, b, 1, 1, d, &e), e, FOLIO_ENOTFINITE, "order quantity of AAA");
  b[0] = ent(1, 10, 5);
  b[0].lot = -1;
  CHECK_ERR(folio_guards_check(&l, NULL, 1, s, b, 1, 1, d, &e), e, FOLIO_EINVAL, "lot size of AAA");
  l.max_gross = -1;
  CHECK_ERR(folio_guards_check(&l, NULL, 1, s, b, 1, 1, d, &e), e, FOLIO_EINVAL, "max_gross");
}

int main(void) {
  test_limits();
  test_position_weight();
  test_gross_leverage_book();
  test_liquidity();
  test_drawdown();
  test_errors();
  return tl_finish("test_guards");
}
