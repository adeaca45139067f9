/*
 * prop_discrete_allocation.c — folio_discrete_allocate on random instances
 * (fixed seeds):
 *   1. 1,500 instances of up to 30 names with lots, current holdings, fees
 *      and a cardinality cap: never spends more than capital plus what it
 *      sells (Σ p · trade + fees <= capital), every traded holding is whole
 *      lots, holdings keep their sign, at most max_positions names held;
 *   2. 1,200 instances without fees or cap (so greedy applies), some with
 *      shorts: mip's objective J is never worse than greedy's;
 *   3. 1,500 small instances (<= 5 names, small capital, lots, current,
 *      fees, cap, some shorts): mip's J equals the minimum of a brute-force
 *      enumeration of every book (>= 1,000 of them solvable; the others are
 *      capital that buys nothing, an error).
 */
#include <limits.h>

#include "folio/discrete_allocation.h"
#include "testlib.h"

#define MAXN 30

static const char *SYM[MAXN] = {"S00", "S01", "S02", "S03", "S04", "S05", "S06", "S07", "S08", "S09",
                                "S10", "S11", "S12", "S13", "S14", "S15", "S16", "S17", "S18", "S19",
                                "S20", "S21", "S22", "S23", "S24", "S25", "S26", "S27", "S28", "S29"};

typedef struct inst {
  size_t n;
  double w[MAXN], p[MAXN], lot[MAXN], cur[MAXN];
  folio_discrete_opts o;
} inst;

static double cents(tl_rng *r, double lo, double hi) {
  return floor((lo + (hi - lo) * tl_uniform(r)) * 100.0) / 100.0;
}

/* A random instance: n names, prices in [plo, phi], capital in [clo, chi]. */
static void make(tl_rng *r, inst *in, size_t n, double plo, double phi, double clo, double chi,
                 int with_current, int with_fees, int with_card, int with_shorts) {
  memset(in, 0, sizeof *in);
  in->n = n;
  in->o = folio_discrete_defaults();
  in->o.capital = cents(r, clo, chi);
  double sum = 0.0;
  int shorts = with_shorts && tl_uniform(r) < 0.5;
  for (size_t i = 0; i < n; i++) {
    in->p[i] = cents(r, plo, phi);
    if (in->p[i] <= 0) in->p[i] = 0.01;
    static const double lots[] = {1, 1, 1, 2, 5, 10};
    in->lot[i] = lots[tl_index(r, 6)];
    in->w[i] = tl_uniform(r) < 0.15 ? 0.0 : tl_uniform(r);
    if (shorts && tl_uniform(r) < 0.3) in->w[i] = -in->w[i];
    if (in->w[i] > 0) sum += in->w[i];
  }
  if (sum == 0.0) in->w[0] = sum = 1.0;
  double scale = 0.8 + 0.2 * tl_uniform(r); /* invest 80-100 % */
  for (size_t i = 0; i < n; i++)
    if (in->w[i] > 0) in->w[i] *= scale / sum;
  if (shorts) {
    int any = 0;
    for (size_t i = 0; i < n; i++) any |= in->w[i] < 0;
    in->o.short_ratio = any ? 0.1 + 0.4 * tl_uniform(r) : NAN;
    in->o.reinvest = tl_uniform(r) < 0.3;
  } else if (with_current) {
    for (size_t i = 0; i < n; i++)
      in->cur[i] = tl_uniform(r) < 0.5 ? floor(tl_uniform(r) * in->o.capital / in->p[i] / 2) : 0.0;
    in->o.current = in->cur;
  }
  in->o.lot_sizes = in->lot;
  if (with_fees) {
    in->o.fixed_fee = tl_uniform(r) < 0.5 ? cents(r, 0, 20) : 0.0;
    in->o.proportional_fee = tl_uniform(r) < 0.5 ? 0.002 * tl_uniform(r) : 0.0;
  }
  if (with_card && tl_uniform(r) < 0.6) in->o.max_positions = (long)tl_index(r, n + 1);
}

static folio_status solve(inst *in, folio_discrete_method m, folio_discrete_position *out,
                          folio_discrete_info *info, folio_error *err) {
  in->o.method = m;
  in->o.time_limit = 0.5; /* hard books stop at "best_found" (never worse than greedy) */
  return folio_discrete_allocate(in->n, SYM, in->w, in->p, &in->o, out, info, err);
}

/* The invariants of any result. */
static void check_book(const inst *in, const folio_discrete_position *out,
                       const folio_discrete_info *info, const char *what, int k) {
  double flow = 0.0, fees = 0.0;
  size_t held = 0;
  int lots_ok = 1, sign_ok = 1;
  for (size_t i = 0; i < in->n; i++) {
    double x = out[i].shares, c = in->cur[i];
    if (x != c) {
      double q = x / in->lot[i];
      if (fabs(q - nearbyint(q)) > 1e-9) lots_ok = 0;
      fees += in->o.fixed_fee + in->o.proportional_fee * in->p[i] * fabs(x - c);
    }
    if (in->w[i] >= 0) flow += in->p[i] * (x - c);
    if ((in->w[i] > 0 && x < 0) || (in->w[i] < 0 && x > 0) || (in->w[i] == 0 && (x < 0 || x > c)))
      sign_ok = 0;
    held += x != 0.0;
  }
  double v_short = isnan(in->o.short_ratio) ? 0.0 : in->o.capital * in->o.short_ratio;
  double cap = in->o.capital + (in->o.reinvest ? v_short : 0.0);
  double tol = 1e-9 * fmax(1.0, info->book_value) + 1e-9;
  CHECK_MSG(flow + fees <= cap + tol, "%s #%d: spends %.10g + fees %.10g > capital %.10g", what, k,
            flow, fees, cap);
  CHECK_MSG(lots_ok, "%s #%d: a traded holding is not whole lots", what, k);
  CHECK_MSG(sign_ok, "%s #%d: a holding has the wrong sign", what, k);
  CHECK_MSG(held <= (size_t)(in->o.max_positions < 0 ? 0 : in->o.max_positions) ||
                in->o.max_positions == LONG_MAX,
            "%s #%d: %zu names held > %ld", what, k, held, in->o.max_positions);
  CHECK(info->leftover >= 0.0);
  CHECK_NEAR(info->fees, fees, 1e-9 * fmax(1.0, fees));
}

/* The objective J of a book x (targets from a solved run's out). */
static double objective(const inst *in, const folio_discrete_position *out, const double *x,
                        int *feasible) {
  double l1 = 0, flow = 0, fees = 0, used = 0;
  size_t held = 0;
  for (size_t i = 0; i < in->n; i++) {
    l1 += fabs(out[i].target - in->p[i] * x[i]);
    if (x[i] != in->cur[i]) fees += in->o.fixed_fee + in->o.proportional_fee * in->p[i] * fabs(x[i] - in->cur[i]);
    if (in->w[i] >= 0) flow += in->p[i] * (x[i] - in->cur[i]);
    else used += -in->p[i] * x[i];
    held += x[i] != 0;
  }
  double v_short = isnan(in->o.short_ratio) ? 0.0 : in->o.capital * in->o.short_ratio;
  double cap = in->o.capital + (in->o.reinvest ? v_short : 0.0);
  double tol = 1e-9 * fmax(1.0, cap + v_short);
  *feasible = flow + fees <= cap + tol && used <= v_short + tol &&
              (in->o.max_positions == LONG_MAX || held <= (size_t)in->o.max_positions);
  return l1 + (cap - flow + v_short - used) + fees;
}

/* Brute force over every book: each name untraded (x = c) or whole lots k in
 * [0, U] (long, or a held name without weight: L k <= c) or [-U, 0] (short). */
static double brute(const inst *in, const folio_discrete_position *out) {
  double opts[MAXN][64];
  size_t n_opt[MAXN], idx[MAXN];
  double held = 0;
  for (size_t i = 0; i < in->n; i++) held += in->p[i] * in->cur[i];
  double v_short = isnan(in->o.short_ratio) ? 0.0 : in->o.capital * in->o.short_ratio;
  double v_long = in->o.capital + held + (in->o.reinvest ? v_short : 0.0);
  for (size_t i = 0; i < in->n; i++) {
    size_t m = 0;
    double pl = in->p[i] * in->lot[i];
    if (in->w[i] == 0 && in->cur[i] == 0) {
      opts[i][m++] = 0;
    } else {
      opts[i][m++] = in->cur[i];
      double U = in->w[i] > 0 ? floor(v_long / pl) : in->w[i] < 0 ? floor(v_short / pl)
                                                                 : floor(in->cur[i] / in->lot[i]);
      for (double k = 0; k <= U && m < 64; k++) {
        double x = (in->w[i] < 0 ? -k : k) * in->lot[i];
        if (x != in->cur[i]) opts[i][m++] = x;
      }
    }
    n_opt[i] = m;
    idx[i] = 0;
  }
  double best = INFINITY, x[MAXN];
  for (;;) {
    for (size_t i = 0; i < in->n; i++) x[i] = opts[i][idx[i]];
    int ok;
    double j = objective(in, out, x, &ok);
    if (ok && j < best) best = j;
    size_t i = 0;
    while (i < in->n && ++idx[i] == n_opt[i]) idx[i++] = 0;
    if (i == in->n) break;
  }
  return best;
}

int main(void) {
  static folio_discrete_position out[MAXN], out2[MAXN];
  folio_discrete_info info, info2;
  folio_error err;
  inst in;
  tl_rng r = {20261207};
  int fails = 0, solved = 0, proven = 0;

  /* 1. invariants with lots, current, fees and a cap (mip) */
  for (int k = 0; k < 1500; k++) {
    make(&r, &in, 1 + tl_index(&r, MAXN), 1, 400, 2000, 200000, 1, 1, 1, 1);
    folio_status st = solve(&in, FOLIO_DISCRETE_MIP, out, &info, &err);
    if (st != FOLIO_OK) {
      if (!strstr(err.message, "buys nothing") && fails++ < 5) fprintf(stderr, "#%d: %s\n", k, err.message);
      CHECK_MSG(strstr(err.message, "buys nothing"), "invariants #%d: %s", k, err.message);
      continue;
    }
    solved++;
    proven += strcmp(info.status, "optimal") == 0;
    check_book(&in, out, &info, "invariants", k);
  }
  printf("invariants: %d instances solved, %d proven optimal\n", solved, proven);

  /* 2. mip never worse than greedy (no fees, no cap; lots, current, shorts) */
  solved = 0;
  for (int k = 0; k < 1200; k++) {
    make(&r, &in, 1 + tl_index(&r, 20), 1, 300, 500, 50000, 1, 0, 0, 1);
    folio_status sg = solve(&in, FOLIO_DISCRETE_GREEDY, out2, &info2, &err);
    if (sg != FOLIO_OK) {
      CHECK_MSG(strstr(err.message, "buys nothing"), "greedy #%d: %s", k, err.message);
      continue;
    }
    check_book(&in, out2, &info2, "greedy", k);
    folio_status sm = solve(&in, FOLIO_DISCRETE_MIP, out, &info, &err);
    CHECK_MSG(sm == FOLIO_OK, "mip #%d: %s", k, err.message);
    if (sm != FOLIO_OK) continue;
    solved++;
    check_book(&in, out, &info, "mip", k);
    CHECK_MSG(info.objective <= info2.objective + 1e-7 * fmax(1.0, info.book_value),
              "#%d: mip J %.10g > greedy J %.10g", k, info.objective, info2.objective);
  }
  printf("mip vs greedy: %d instances\n", solved);
  CHECK(solved >= 1000);

  /* 3. small instances: mip equals brute force */
  solved = 0;
  for (int k = 0; k < 1500; k++) {
    make(&r, &in, 1 + tl_index(&r, 5), 20, 200, 50, 600, 1, 1, 1, 1);
    folio_status st = solve(&in, FOLIO_DISCRETE_MIP, out, &info, &err);
    if (st != FOLIO_OK) {
      CHECK_MSG(strstr(err.message, "buys nothing"), "brute #%d: %s", k, err.message);
      continue;
    }
    solved++;
    CHECK_MSG(strcmp(info.status, "optimal") == 0, "brute #%d: status %s", k, info.status);
    double b = brute(&in, out);
    CHECK_MSG(fabs(info.objective - b) <= 1e-7 * fmax(1.0, info.book_value),
              "#%d: mip J %.10g, brute force %.10g", k, info.objective, b);
  }
  printf("mip vs brute force: %d instances\n", solved);
  CHECK(solved >= 1000); /* the rest: capital that buys nothing (an error, checked above) */
  return tl_finish("prop_discrete_allocation");
}
