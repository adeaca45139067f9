/*
 * test_discrete_allocation.c — folio_discrete_allocate (discrete_allocation.h):
 * hand-solved greedy and MIP cases, lots, current holdings and trades, fixed
 * and proportional fees deciding what to trade, the cardinality cap, shorts,
 * order independence, and every bad input with its own error.
 */
#include <limits.h>

#include "folio/discrete_allocation.h"
#include "testlib.h"

#define MAXN 16

static folio_discrete_position out[MAXN];
static folio_discrete_info info;
static folio_error err;

static folio_status run(size_t n, const char *const *sym, const double *w, const double *p,
                        const folio_discrete_opts *o) {
  return folio_discrete_allocate(n, sym, w, p, o, out, &info, &err);
}

static double sh(const char *sym) {
  for (size_t i = 0; i < MAXN && out[i].symbol; i++)
    if (strcmp(out[i].symbol, sym) == 0) return out[i].shares;
  return NAN;
}

static folio_discrete_opts opts(double capital, folio_discrete_method m) {
  folio_discrete_opts o = folio_discrete_defaults();
  o.capital = capital;
  o.method = m;
  return o;
}

static void test_greedy_by_hand(void) {
  /* targets 600 / 400 at prices 100 / 30: round one 6 and 13 (390), 10 left;
   * round two: B is below target (390/990 < 0.4) but costs 30 > 10: stop. */
  const char *sym[] = {"B", "A"};
  double w[] = {0.4, 0.6}, p[] = {30, 100};
  folio_discrete_opts o = opts(1000, FOLIO_DISCRETE_GREEDY);
  memset(out, 0, sizeof out);
  CHECK(run(2, sym, w, p, &o) == FOLIO_OK);
  CHECK(strcmp(out[0].symbol, "A") == 0); /* sorted by symbol */
  CHECK_NEAR(sh("A"), 6, 0);
  CHECK_NEAR(sh("B"), 13, 0);
  CHECK_NEAR(info.leftover, 10, 1e-9);
  CHECK(strcmp(info.method, "greedy") == 0);
  CHECK_NEAR(info.l1, 10, 1e-9);
  CHECK_NEAR(info.objective, 20, 1e-9); /* L1 + leftover */
  CHECK_EQ_INT(info.n_positions, 2);
  CHECK_NEAR(out[0].weight, 600.0 / 990.0, 1e-15);
}

static void test_mip_by_hand(void) {
  /* prices 70 and 45, targets 500 / 500: greedy floors to 7 and 11 (985);
   * the MIP objective L1 + leftover is 10 + 5 + 15 = 30 there, and no
   * other book does better (8 x 70 = 560 overshoots by 60). */
  const char *sym[] = {"A", "B"};
  double w[] = {0.5, 0.5}, p[] = {70, 45};
  folio_discrete_opts o = opts(1000, FOLIO_DISCRETE_MIP);
  memset(out, 0, sizeof out);
  CHECK(run(2, sym, w, p, &o) == FOLIO_OK);
  CHECK_NEAR(sh("A"), 7, 0);
  CHECK_NEAR(sh("B"), 11, 0);
  CHECK_NEAR(info.objective, 30, 1e-6);
  CHECK(strcmp(info.method, "mip") == 0);
  /* lots of 5 on B: 10 (450) or 15 (675 > 500 + ...): 7 x 70 + 10 x 45 = 940 */
  double lots[] = {1, 5};
  o.lot_sizes = lots;
  CHECK(run(2, sym, w, p, &o) == FOLIO_OK);
  CHECK_NEAR(fmod(sh("B"), 5.0), 0, 0);
  CHECK(info.leftover >= 0);
  folio_discrete_opts g = o;
  g.method = FOLIO_DISCRETE_GREEDY;
  double j_mip = info.objective;
  CHECK(run(2, sym, w, p, &g) == FOLIO_OK);
  CHECK(j_mip <= info.objective + 1e-9);
  CHECK_NEAR(fmod(sh("B"), 5.0), 0, 0);
}

static void test_current_and_fees(void) {
  /* held: A 10 @ 50 (500), B 0; capital 500; V = 1000, targets 500 / 500 at
   * B's price 25: buy 20 B. With a fixed fee of 30 the B buy still pays
   * (it fixes 500 of L1); selling 1 A to fund the fee beats buying 1 fewer B? */
  const char *sym[] = {"A", "B"};
  double w[] = {0.5, 0.5}, p[] = {50, 25}, cur[] = {10, 0};
  folio_discrete_opts o = opts(500, FOLIO_DISCRETE_MIP);
  o.current = cur;
  memset(out, 0, sizeof out);
  CHECK(run(2, sym, w, p, &o) == FOLIO_OK);
  CHECK_NEAR(sh("A"), 10, 0);
  CHECK_NEAR(sh("B"), 20, 0);
  CHECK_NEAR(out[1].trade, 20, 0);
  CHECK_EQ_INT(info.n_trades, 1);
  CHECK_NEAR(info.leftover, 0, 1e-9);

  /* a fixed fee of 10 per traded name: B is bought, but one fewer (fee paid) */
  o.fixed_fee = 10;
  CHECK(run(2, sym, w, p, &o) == FOLIO_OK);
  CHECK_NEAR(sh("A"), 10, 0); /* not traded: no fee */
  CHECK_NEAR(sh("B"), 19, 0);
  CHECK_NEAR(info.fees, 10, 1e-9);
  CHECK_NEAR(info.leftover, 15, 1e-9);
  CHECK(out[1].trade * 25 + info.fees <= 500 + 1e-9); /* Σ buys + fees <= capital + Σ sells */

  /* a name 1 share under target with a 100 fee: not worth trading */
  double cur2[] = {10, 19};
  o.current = cur2;
  o.capital = 25;
  o.fixed_fee = 100;
  CHECK(run(2, sym, w, p, &o) == FOLIO_OK);
  CHECK_EQ_INT(info.n_trades, 0);
  CHECK_NEAR(info.leftover, 25, 1e-9);
  o.fixed_fee = 0;
  CHECK(run(2, sym, w, p, &o) == FOLIO_OK);
  CHECK_NEAR(sh("B"), 20, 0);
  /* proportional fee: traded notional x rate */
  o.proportional_fee = 0.01;
  o.capital = 1000;
  CHECK(run(2, sym, w, p, &o) == FOLIO_OK);
  double f = 0;
  for (size_t i = 0; i < 2; i++) f += 0.01 * fabs(out[i].trade) * (i ? 25 : 50);
  CHECK_NEAR(info.fees, f, 1e-9);
  CHECK(info.leftover >= 0);

  /* a held name without a weight is sold (never bought) */
  const char *sym3[] = {"A", "B", "Z"};
  double w3[] = {0.5, 0.5, 0}, p3[] = {50, 25, 10}, cur3[] = {0, 0, 30};
  folio_discrete_opts o3 = opts(700, FOLIO_DISCRETE_MIP);
  o3.current = cur3;
  CHECK(run(3, sym3, w3, p3, &o3) == FOLIO_OK);
  CHECK_NEAR(sh("Z"), 0, 0);
  CHECK_NEAR(sh("A"), 10, 0);
  CHECK_NEAR(sh("B"), 20, 0);
  o3.method = FOLIO_DISCRETE_GREEDY; /* greedy: the same book, built on V */
  CHECK(run(3, sym3, w3, p3, &o3) == FOLIO_OK);
  CHECK_NEAR(sh("Z"), 0, 0);
  CHECK_NEAR(out[2].trade, -30, 0);
}

static void test_max_positions(void) {
  const char *sym[] = {"A", "B", "C", "D"};
  double w[] = {0.4, 0.3, 0.2, 0.1}, p[] = {10, 10, 10, 10};
  folio_discrete_opts o = opts(1000, FOLIO_DISCRETE_MIP);
  o.max_positions = 2;
  memset(out, 0, sizeof out);
  CHECK(run(4, sym, w, p, &o) == FOLIO_OK);
  CHECK_EQ_INT(info.n_positions, 2);
  CHECK_NEAR(sh("A"), 40, 0);
  CHECK_NEAR(sh("B"), 30, 0);
  o.max_positions = 0;
  CHECK(run(4, sym, w, p, &o) == FOLIO_OK);
  CHECK_EQ_INT(info.n_positions, 0);
  CHECK_NEAR(info.leftover, 1000, 0);
}

static void test_shorts(void) {
  const char *sym[] = {"L1", "L2", "S1"};
  double w[] = {0.6, 0.4, -0.2}, p[] = {10, 20, 5};
  folio_discrete_opts o = opts(1000, FOLIO_DISCRETE_GREEDY);
  o.short_ratio = 0.2;
  memset(out, 0, sizeof out);
  CHECK(run(3, sym, w, p, &o) == FOLIO_OK);
  CHECK_NEAR(sh("S1"), -40, 0); /* 200 / 5 */
  CHECK_NEAR(sh("L1"), 60, 0);
  CHECK_NEAR(sh("L2"), 20, 0);
  o.method = FOLIO_DISCRETE_MIP;
  CHECK(run(3, sym, w, p, &o) == FOLIO_OK);
  CHECK_NEAR(sh("S1"), -40, 0);
  CHECK_NEAR(info.objective, 0, 1e-6);
  o.reinvest = 1; /* the long book gets 1200 */
  CHECK(run(3, sym, w, p, &o) == FOLIO_OK);
  CHECK_NEAR(sh("L1"), 72, 0);
  CHECK_NEAR(sh("L2"), 24, 0);
}

static void test_order_independence(void) {
  const char *s1[] = {"C", "A", "B"}, *s2[] = {"A", "B", "C"};
  double w1[] = {0.2, 0.5, 0.3}, p1[] = {33.3, 71.1, 12.7};
  double w2[] = {0.5, 0.3, 0.2}, p2[] = {71.1, 12.7, 33.3};
  for (int m = 0; m < 2; m++) {
    folio_discrete_opts o = opts(5000, m ? FOLIO_DISCRETE_MIP : FOLIO_DISCRETE_GREEDY);
    double a[3], b[3];
    CHECK(run(3, s1, w1, p1, &o) == FOLIO_OK);
    for (int i = 0; i < 3; i++) a[i] = out[i].shares;
    CHECK(run(3, s2, w2, p2, &o) == FOLIO_OK);
    for (int i = 0; i < 3; i++) b[i] = out[i].shares;
    CHECK(memcmp(a, b, sizeof a) == 0);
  }
}

static void test_bad_input(void) {
  const char *sym[] = {"A", "B"};
  double w[] = {0.5, 0.5}, p[] = {10, 20};
  folio_discrete_opts o = opts(1000, FOLIO_DISCRETE_MIP);
  double bad_p[] = {10, 0}, nan_p[] = {NAN, 20}, neg_w[] = {0.5, -0.5}, nan_w[] = {0.5, NAN};
  CHECK_ERR(run(2, sym, w, bad_p, &o), err, FOLIO_EINVAL, "price of B must be > 0");
  bad_p[1] = -3;
  CHECK_ERR(run(2, sym, w, bad_p, &o), err, FOLIO_EINVAL, "price of B must be > 0, got -3");
  CHECK_ERR(run(2, sym, w, nan_p, &o), err, FOLIO_ENOTFINITE, "price of A is not finite");
  CHECK_ERR(run(2, sym, nan_w, p, &o), err, FOLIO_ENOTFINITE, "weight of B is not finite");
  CHECK_ERR(run(2, sym, neg_w, p, &o), err, FOLIO_EINVAL, "weight of B is -0.5 < 0: short weights need short_ratio");
  double lots[] = {1, 0};
  o.lot_sizes = lots;
  CHECK_ERR(run(2, sym, w, p, &o), err, FOLIO_EINVAL, "lot size of B must be > 0");
  lots[1] = -1;
  CHECK_ERR(run(2, sym, w, p, &o), err, FOLIO_EINVAL, "lot size of B must be > 0, got -1");
  lots[1] = NAN;
  CHECK_ERR(run(2, sym, w, p, &o), err, FOLIO_ENOTFINITE, "lot size of B");
  lots[1] = 100;
  o.capital = 5; /* the cheapest lot: A at 10 */
  CHECK_ERR(run(2, sym, w, p, &o), err, FOLIO_EINVAL, "capital 5 buys nothing: the cheapest lot is A, 1 x 10 = 10");
  o.lot_sizes = NULL;
  o.capital = NAN;
  CHECK_ERR(run(2, sym, w, p, &o), err, FOLIO_ENOTFINITE, "capital");
  o.capital = -1;
  CHECK_ERR(run(2, sym, w, p, &o), err, FOLIO_EINVAL, "capital must be in");
  o.capital = 1000;
  double cur[] = {-1, 0};
  o.current = cur;
  CHECK_ERR(run(2, sym, w, p, &o), err, FOLIO_EINVAL, "current holding of A is -1");
  cur[0] = NAN;
  CHECK_ERR(run(2, sym, w, p, &o), err, FOLIO_ENOTFINITE, "current holding of A");
  o.current = NULL;
  o.fixed_fee = -1;
  CHECK_ERR(run(2, sym, w, p, &o), err, FOLIO_EINVAL, "fixed fee");
  o.fixed_fee = 0;
  o.proportional_fee = NAN;
  CHECK_ERR(run(2, sym, w, p, &o), err, FOLIO_ENOTFINITE, "fees must be finite");
  o.proportional_fee = 0.7;
  CHECK_ERR(run(2, sym, w, p, &o), err, FOLIO_EINVAL, "proportional fee");
  o.proportional_fee = 0;
  o.max_positions = -1;
  CHECK_ERR(run(2, sym, w, p, &o), err, FOLIO_EINVAL, "max_positions");
  folio_discrete_opts g = opts(1000, FOLIO_DISCRETE_GREEDY);
  g.fixed_fee = 1;
  CHECK_ERR(run(2, sym, w, p, &g), err, FOLIO_EINVAL, "need method mip");
  g = opts(1000, FOLIO_DISCRETE_GREEDY);
  g.max_positions = 3;
  CHECK_ERR(run(2, sym, w, p, &g), err, FOLIO_EINVAL, "need method mip");
  g = opts(1000, FOLIO_DISCRETE_GREEDY);
  g.short_ratio = 0.3;
  double cur2[] = {1, 0};
  g.current = cur2;
  CHECK_ERR(run(2, sym, neg_w, p, &g), err, FOLIO_EINVAL, "short weights with current holdings");
  const char *dup[] = {"A", "A"};
  g = opts(1000, FOLIO_DISCRETE_GREEDY);
  CHECK_ERR(run(2, dup, w, p, &g), err, FOLIO_EDUP, "duplicate symbol A");
  const char *empty[] = {"A", ""};
  CHECK_ERR(run(2, empty, w, p, &g), err, FOLIO_EINVAL, "symbol #2 is empty");
  CHECK_ERR(run(0, sym, w, p, &g), err, FOLIO_EEMPTY, "no names");
  double zero_w[] = {0, 0};
  CHECK_ERR(run(2, sym, zero_w, p, &g), err, FOLIO_EINVAL, "no positive weight");
  double big_w[] = {0.9, 0.9};
  CHECK_ERR(run(2, sym, big_w, p, &g), err, FOLIO_EINVAL, "weights sum to more than 1");
  CHECK_ERR(folio_discrete_allocate(2, sym, w, p, NULL, out, &info, &err), err, FOLIO_EINVAL, "NULL");
}

int main(void) {
  test_greedy_by_hand();
  test_mip_by_hand();
  test_current_and_fees();
  test_max_positions();
  test_shorts();
  test_order_independence();
  test_bad_input();
  return tl_finish("test_discrete_allocation");
}
