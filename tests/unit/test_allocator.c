/*
 * test_allocator.c — the cardinality-constrained MIP allocator (allocator.h):
 * hand-solved cases for each constraint family (bounds, floor, cardinality,
 * sector caps, turnover), money rounding, order independence, the exact
 * column reduction, and every bad input with its own error.
 */
#include <limits.h>

#include "folio/allocator.h"
#include "folio/money.h"
#include "testlib.h"

#define MAXN 600

static folio_allocation out[MAXN];
static size_t n_out;
static folio_allocator_info info;
static folio_error err;

static folio_status run(size_t n, const char *const *sym, const double *score, const double *price,
                        const folio_allocator_opts *o) {
  return folio_allocator_allocate(n, sym, score, price, o, out, &n_out, &info, &err);
}

/* Weight of sym in the last result (0 when absent). */
static double wt(const char *sym) {
  for (size_t i = 0; i < n_out; i++)
    if (strcmp(out[i].symbol, sym) == 0) return out[i].weight;
  return 0.0;
}

static folio_allocator_opts base(double capital, double maxw, double minw, long k) {
  folio_allocator_opts o = folio_allocator_defaults();
  o.capital = capital;
  o.max_weight = maxw;
  o.min_weight = minw;
  o.max_positions = k;
  return o;
}

static void test_base_model(void) {
  const char *sym[] = {"D", "B", "A", "C"};
  double score[] = {0.2, 0.6, 0.8, 0.4}, price[] = {10, 20, 30, 40};
  folio_allocator_opts o = base(1e6, 0.4, 0.0, 2);
  CHECK(run(4, sym, score, price, &o) == FOLIO_OK);
  CHECK_EQ_INT(n_out, 2);
  CHECK(strcmp(out[0].symbol, "A") == 0 && strcmp(out[1].symbol, "B") == 0); /* sorted */
  CHECK_NEAR(wt("A"), 0.4, 1e-12);
  CHECK_NEAR(wt("B"), 0.4, 1e-12);
  CHECK_NEAR(info.objective, 0.56, 1e-12);
  CHECK(strcmp(info.status, "optimal") == 0);
  CHECK_NEAR(out[0].dollars, 400000.0, 1e-9);
  CHECK_NEAR(out[0].shares, 13333.0, 0); /* floor(400000 / 30) */
  CHECK_NEAR(info.cash, 1e6 - 13333 * 30.0 - 20000 * 20.0, 1e-6);

  o.max_positions = 3; /* the third name takes the rest of the budget */
  CHECK(run(4, sym, score, price, &o) == FOLIO_OK);
  CHECK_EQ_INT(n_out, 3);
  CHECK_NEAR(wt("C"), 0.2, 1e-12);
  CHECK_NEAR(info.objective, 0.64, 1e-12);

  o.max_positions = 1; /* cardinality */
  CHECK(run(4, sym, score, price, &o) == FOLIO_OK);
  CHECK_EQ_INT(n_out, 1);
  CHECK_NEAR(wt("A"), 0.4, 1e-12);

  o.max_positions = 0; /* nothing may be held: an empty allocation, not an error */
  CHECK(run(4, sym, score, price, &o) == FOLIO_OK);
  CHECK_EQ_INT(n_out, 0);
  CHECK(strcmp(info.status, "empty") == 0);
  CHECK_NEAR(info.cash, 1e6, 0);
}

static void test_min_weight(void) {
  const char *sym[] = {"A", "B", "C"};
  double score[] = {1.0, 0.9, 0.1}, price[] = {1, 1, 1};
  folio_allocator_opts o = base(1000, 0.45, 0.0, 3);
  CHECK(run(3, sym, score, price, &o) == FOLIO_OK);
  CHECK_NEAR(wt("C"), 0.1, 1e-12); /* without a floor C takes the last 10 % */
  CHECK_NEAR(info.objective, 0.865, 1e-12);
  o.min_weight = 0.2; /* 10 % is below the floor: C is not held */
  CHECK(run(3, sym, score, price, &o) == FOLIO_OK);
  CHECK_EQ_INT(n_out, 2);
  CHECK_NEAR(wt("C"), 0.0, 0);
  CHECK_NEAR(info.objective, 0.855, 1e-12);
  /* a floor that forces a choice: max 0.6, min 0.5 — two names only */
  o.max_weight = 0.6;
  o.min_weight = 0.5;
  CHECK(run(3, sym, score, price, &o) == FOLIO_OK);
  CHECK_EQ_INT(n_out, 2);
  CHECK_NEAR(wt("A"), 0.5, 1e-12);
  CHECK_NEAR(wt("B"), 0.5, 1e-12);
  CHECK_NEAR(info.objective, 0.95, 1e-12);
}

static void test_sector_caps(void) {
  const char *sym[] = {"A", "B", "C"};
  const char *sec[] = {"tech", "tech", "fin"};
  double score[] = {1.0, 0.9, 0.5}, price[] = {1, 1, 1};
  const char *cap_names[] = {"tech"};
  double caps[] = {0.5};
  folio_allocator_opts o = base(1000, 0.4, 0.0, 3);
  o.sectors = sec;
  o.n_sector_caps = 1;
  o.cap_sectors = cap_names;
  o.sector_caps = caps;
  CHECK(run(3, sym, score, price, &o) == FOLIO_OK);
  CHECK_NEAR(wt("A"), 0.4, 1e-12);
  CHECK_NEAR(wt("B"), 0.1, 1e-12);
  CHECK_NEAR(wt("C"), 0.4, 1e-12);
  CHECK_NEAR(info.objective, 0.69, 1e-12);
  /* a cap of 0 excludes the sector */
  caps[0] = 0.0;
  CHECK(run(3, sym, score, price, &o) == FOLIO_OK);
  CHECK_EQ_INT(n_out, 1);
  CHECK_NEAR(wt("C"), 0.4, 1e-12);
  /* a cap below min_weight: the sector cannot hold a name */
  caps[0] = 0.1;
  o.min_weight = 0.2;
  CHECK(run(3, sym, score, price, &o) == FOLIO_OK);
  CHECK_NEAR(wt("A") + wt("B"), 0.0, 0);
}

static void test_turnover(void) {
  const char *sym[] = {"A", "C"};
  double score[] = {1.0, 0.5}, price[] = {1, 1};
  const char *cur[] = {"C", "Z"};
  double cw[] = {0.5, 0.1};
  folio_allocator_opts o = base(1000, 0.5, 0.0, 2);
  o.n_current = 1;
  o.current_symbols = cur;
  o.current_weights = cw;
  o.max_turnover = 0.4; /* a + (0.5 - c) <= 0.4: a = 0.4, c = 0.5 */
  CHECK(run(2, sym, score, price, &o) == FOLIO_OK);
  CHECK_NEAR(wt("A"), 0.4, 1e-9);
  CHECK_NEAR(wt("C"), 0.5, 1e-9);
  CHECK_NEAR(info.turnover, 0.4, 1e-9);
  CHECK_NEAR(info.objective, 0.65, 1e-9);
  o.n_current = 2; /* Z is not a candidate: selling it spends 0.1 of the budget */
  CHECK(run(2, sym, score, price, &o) == FOLIO_OK);
  CHECK_NEAR(wt("A"), 0.3, 1e-9);
  CHECK_NEAR(wt("C"), 0.5, 1e-9);
  CHECK_NEAR(info.turnover, 0.4, 1e-9);
  o.max_turnover = 0.05; /* cannot even sell Z */
  CHECK_ERR(run(2, sym, score, price, &o), err, FOLIO_EINVAL, "infeasible");
  /* without a turnover limit, the current weights only feed info.turnover */
  o.max_turnover = INFINITY;
  CHECK(run(2, sym, score, price, &o) == FOLIO_OK);
  CHECK_NEAR(wt("A"), 0.5, 1e-12);
  CHECK_NEAR(info.turnover, 0.5 + 0.0 + 0.1, 1e-12);
}

static void test_sector_turnover_infeasible(void) {
  /* tech is held at 60 %, capped at 20 %, and only 10 % may trade */
  const char *sym[] = {"A", "B"};
  const char *sec[] = {"tech", "fin"};
  double score[] = {1.0, 0.5}, price[] = {1, 1};
  const char *cap_names[] = {"tech"};
  double caps[] = {0.2};
  const char *cur[] = {"A"};
  double cw[] = {0.6};
  folio_allocator_opts o = base(1000, 1.0, 0.0, 2);
  o.sectors = sec;
  o.n_sector_caps = 1;
  o.cap_sectors = cap_names;
  o.sector_caps = caps;
  o.n_current = 1;
  o.current_symbols = cur;
  o.current_weights = cw;
  o.max_turnover = 0.1;
  CHECK_ERR(run(2, sym, score, price, &o), err, FOLIO_EINVAL, "infeasible");
  o.max_turnover = 0.5; /* sell 0.4 of A, buy 0.1 of B */
  CHECK(run(2, sym, score, price, &o) == FOLIO_OK);
  CHECK_NEAR(wt("A"), 0.2, 1e-9);
  CHECK_NEAR(wt("B"), 0.1, 1e-9);
}

static void test_rounding(void) {
  const char *sym[] = {"AAPL", "MSFT"};
  double score[] = {0.8, 0.7}, price[] = {190.5, 333.33};
  folio_allocator_opts o = base(1000.01, 0.5, 0.02, 10);
  CHECK(run(2, sym, score, price, &o) == FOLIO_OK);
  CHECK_NEAR(out[0].dollars, 500.0, 1e-9); /* floor(500.005) to the cent */
  CHECK_NEAR(out[0].shares, 2.0, 0);
  CHECK_NEAR(out[1].shares, 1.0, 0);
  CHECK_NEAR(info.spent, 2 * 190.5 + 333.33, 1e-9);
  CHECK_NEAR(info.cash, 1000.01 - 381.0 - 333.33, 1e-9);
  o.fractional = 1;
  CHECK(run(2, sym, score, price, &o) == FOLIO_OK);
  CHECK_NEAR(out[0].shares, 2.624671, 0); /* floor(500 / 190.5, 1e-6) */
  CHECK(out[0].shares * 190.5 <= out[0].dollars);
  CHECK(info.spent <= 1000.01);
}

static void test_empty_scores(void) {
  const char *sym[] = {"A", "B", "C"};
  double score[] = {0.0, -1.0, -0.5}, price[] = {1, 1, 1};
  folio_allocator_opts o = base(1000, 0.5, 0.0, 2);
  CHECK(run(3, sym, score, price, &o) == FOLIO_OK);
  CHECK_EQ_INT(n_out, 0);
  CHECK_EQ_INT(info.n_dropped, 3);
  CHECK(strcmp(info.status, "empty") == 0);
  /* one positive score among them: only it is modelled */
  score[2] = 0.1;
  CHECK(run(3, sym, score, price, &o) == FOLIO_OK);
  CHECK_EQ_INT(n_out, 1);
  CHECK_EQ_INT(info.n_dropped, 2);
  CHECK_EQ_INT(info.n_modelled, 1);
  CHECK_NEAR(wt("C"), 0.5, 1e-12);
}

static void test_order_and_reduction(void) {
  static char names[500][16];
  static const char *sym[500], *rsym[500];
  static double score[500], price[500], rscore[500], rprice[500];
  tl_rng r = {42};
  for (int i = 0; i < 500; i++) {
    snprintf(names[i], sizeof names[i], "S%03d", i);
    sym[i] = names[i];
    score[i] = tl_normal(&r);
    price[i] = 5 + 200 * tl_uniform(&r);
  }
  for (int i = 0; i < 500; i++) { /* reversed input order */
    rsym[i] = sym[499 - i];
    rscore[i] = score[499 - i];
    rprice[i] = price[499 - i];
  }
  folio_allocator_opts o = base(1e6, 0.08, 0.02, 20);
  CHECK(run(500, sym, score, price, &o) == FOLIO_OK);
  CHECK_EQ_INT(info.n_modelled, 20); /* the best 20 per group are all that can matter */
  size_t n1 = n_out;
  double w1[500], obj1 = info.objective;
  for (size_t i = 0; i < n1; i++) w1[i] = out[i].weight;
  CHECK(run(500, rsym, rscore, rprice, &o) == FOLIO_OK);
  CHECK_EQ_INT(n_out, n1);
  CHECK(info.objective == obj1);
  int same = 1;
  for (size_t i = 0; i < n1 && i < n_out; i++) same &= out[i].weight == w1[i];
  CHECK(same);
  CHECK(n_out <= 20);
  /* greedy check: 12 names at 0.08 and one at 0.04, best scores */
  double best[500];
  memcpy(best, score, sizeof best);
  for (int i = 0; i < 13; i++)
    for (int j = i + 1; j < 500; j++)
      if (best[j] > best[i]) { double t = best[i]; best[i] = best[j]; best[j] = t; }
  double want = 0.0;
  for (int i = 0; i < 12; i++) want += 0.08 * best[i];
  want += 0.04 * best[12];
  CHECK_NEAR(info.objective, want, 1e-9);
}

static void test_bad_inputs(void) {
  const char *sym[] = {"A", "B"};
  double score[] = {1.0, 0.5}, price[] = {10, 20};
  folio_allocator_opts o = base(1000, 0.5, 0.1, 2);
  CHECK_ERR(run(0, sym, score, price, &o), err, FOLIO_EEMPTY, "no candidates");
  double nan_score[] = {NAN, 0.5};
  CHECK_ERR(run(2, sym, nan_score, price, &o), err, FOLIO_ENOTFINITE, "symbol A");
  double inf_score[] = {1.0, INFINITY};
  CHECK_ERR(run(2, sym, inf_score, price, &o), err, FOLIO_ENOTFINITE, "symbol B");
  double nan_price[] = {10, NAN};
  CHECK_ERR(run(2, sym, score, nan_price, &o), err, FOLIO_ENOTFINITE, "price");
  double zero_price[] = {0.0, 20};
  CHECK_ERR(run(2, sym, score, zero_price, &o), err, FOLIO_EINVAL, "price must be > 0 (symbol A");
  double neg_price[] = {10, -1};
  CHECK_ERR(run(2, sym, score, neg_price, &o), err, FOLIO_EINVAL, "price must be > 0 (symbol B");
  const char *dup[] = {"A", "A"};
  CHECK_ERR(run(2, dup, score, price, &o), err, FOLIO_EDUP, "duplicate candidate A");
  const char *empty_sym[] = {"A", ""};
  CHECK_ERR(run(2, empty_sym, score, price, &o), err, FOLIO_EINVAL, "empty");

  folio_allocator_opts b = o;
  b.capital = 0.0;
  CHECK_ERR(run(2, sym, score, price, &b), err, FOLIO_EINVAL, "capital must be > 0");
  b.capital = -5.0;
  CHECK_ERR(run(2, sym, score, price, &b), err, FOLIO_EINVAL, "capital must be > 0");
  b.capital = NAN;
  CHECK_ERR(run(2, sym, score, price, &b), err, FOLIO_ENOTFINITE, "capital");
  b = o;
  b.min_weight = 0.6;
  CHECK_ERR(run(2, sym, score, price, &b), err, FOLIO_EINVAL, "min_weight 0.6 > max_weight 0.5");
  b.min_weight = 1.5;
  CHECK_ERR(run(2, sym, score, price, &b), err, FOLIO_EINVAL, "min_weight 1.5 > 1");
  b = o;
  b.max_weight = 1.5;
  CHECK_ERR(run(2, sym, score, price, &b), err, FOLIO_EINVAL, "max_weight must be in (0, 1]");
  b.max_weight = 0.0;
  CHECK_ERR(run(2, sym, score, price, &b), err, FOLIO_EINVAL, "max_weight");
  b = o;
  b.max_positions = -1;
  CHECK_ERR(run(2, sym, score, price, &b), err, FOLIO_EINVAL, "max_positions must be >= 0");
  b = o;
  b.max_turnover = -0.1;
  CHECK_ERR(run(2, sym, score, price, &b), err, FOLIO_EINVAL, "max_turnover");
  b = o;
  b.time_limit = 0.0;
  CHECK_ERR(run(2, sym, score, price, &b), err, FOLIO_EINVAL, "time_limit");

  /* sectors */
  const char *sec[] = {"tech", "fin"};
  const char *cap_names[] = {"tech", "energy"};
  double caps[] = {-0.1, 0.5};
  b = o;
  b.sectors = sec;
  b.cap_sectors = cap_names;
  b.sector_caps = caps;
  b.n_sector_caps = 1;
  CHECK_ERR(run(2, sym, score, price, &b), err, FOLIO_EINVAL, "sector cap must be >= 0 (sector tech");
  caps[0] = NAN;
  CHECK_ERR(run(2, sym, score, price, &b), err, FOLIO_ENOTFINITE, "sector tech");
  caps[0] = 0.3;
  b.n_sector_caps = 2;
  CHECK_ERR(run(2, sym, score, price, &b), err, FOLIO_ENOTFOUND, "energy");
  const char *dup_caps[] = {"tech", "tech"};
  b.cap_sectors = dup_caps;
  CHECK_ERR(run(2, sym, score, price, &b), err, FOLIO_EDUP, "tech");

  /* current weights */
  const char *cur[] = {"A", "A"};
  double cw[] = {0.1, NAN};
  b = o;
  b.current_symbols = cur;
  b.current_weights = cw;
  b.n_current = 2;
  CHECK_ERR(run(2, sym, score, price, &b), err, FOLIO_ENOTFINITE, "current weight");
  cw[1] = 0.2;
  CHECK_ERR(run(2, sym, score, price, &b), err, FOLIO_EDUP, "duplicate current symbol A");

  CHECK_ERR(run(2, sym, score, price, NULL), err, FOLIO_EINVAL, "opts");
  CHECK_ERR(run(2, NULL, score, price, &o), err, FOLIO_EINVAL, "NULL");
}

/* 100 names held at 1 %, a 2 % floor, 20 slots: every held name costs at
 * least 1 % of turnover whether kept or sold, so 0.8 is infeasible. The
 * turnover cuts make GLPK's relaxation see it at once (without them it ran
 * into the time limit). */
static void test_turnover_infeasible_fast(void) {
  static char names[500][16];
  static const char *sym[500], *cur[100];
  static double score[500], price[500], cw[100];
  tl_rng r = {7};
  for (int i = 0; i < 500; i++) {
    snprintf(names[i], sizeof names[i], "T%03d", i);
    sym[i] = names[i];
    score[i] = tl_normal(&r);
    price[i] = 10;
  }
  for (int i = 0; i < 100; i++) {
    cur[i] = sym[5 * i];
    cw[i] = 0.01;
  }
  folio_allocator_opts o = base(1e6, 0.08, 0.02, 20);
  o.n_current = 100;
  o.current_symbols = cur;
  o.current_weights = cw;
  o.max_turnover = 0.8;
  o.time_limit = 20;
  CHECK_ERR(run(500, sym, score, price, &o), err, FOLIO_EINVAL, "infeasible");
  o.max_turnover = 1.2;
  CHECK_MSG(run(500, sym, score, price, &o) == FOLIO_OK, "%s", err.message);
  CHECK(n_out <= 20);
  CHECK(info.turnover <= 1.2 + 1e-9);
}

int main(void) {
  test_turnover_infeasible_fast();
  test_base_model();
  test_min_weight();
  test_sector_caps();
  test_turnover();
  test_sector_turnover_infeasible();
  test_rounding();
  test_empty_scores();
  test_order_and_reduction();
  test_bad_inputs();
  return tl_finish("test_allocator");
}
