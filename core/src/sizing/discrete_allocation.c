/*
 * discrete_allocation.c — weights → whole shares or lots (discrete_allocation.h).
 *
 * Three steps. (1) Validate every number and put the names in symbol order
 * (GLPK's error handler prints and aborts, so nothing it could reject may
 * reach it), then compute each name's side and target dollars. (2) Round:
 * the greedy of PyPortfolioOpt, step for step (including its float
 * operations, so results compare number for number), or the exact MIP,
 * built with mip_model.h in dollars scaled by the book's value. (3)
 * Evaluate the chosen holdings in plain arithmetic — trades, fees,
 * leftover, L1 distance, objective, tracking error — the same code for
 * both methods, so the two are compared on equal terms.
 */
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "folio/discrete_allocation.h"
#include "folio/money.h"
#include "folio/numbers.h"
#include "internal.h"
#include "mip_model.h"

#define WHO "discrete_allocation"

folio_discrete_opts folio_discrete_defaults(void) {
  folio_discrete_opts o;
  memset(&o, 0, sizeof o);
  o.method = FOLIO_DISCRETE_GREEDY;
  o.max_positions = LONG_MAX;
  o.short_ratio = NAN;
  o.time_limit = 2.0;
  return o;
}

/* One name, in symbol order. side: +1 long weight, -1 short weight, 0 no
 * weight (held now: may only be reduced; not held: stays at 0). */
typedef struct da_name {
  const char *s;
  size_t i;            /* input position */
  double w, p, lot, c; /* weight, price, lot, current shares */
  int side;
  double t;            /* target USD */
  double x;            /* rounded holding, shares */
  double k;            /* lots (greedy book) */
} da_name;

static int cmp_name(const void *a, const void *b) {
  const da_name *x = a, *y = b;
  return strcmp(x->s, y->s);
}

/* ==== validation ============================================================ */

static folio_status check_opts(const folio_discrete_opts *o, folio_error *err) {
  if (!isfinite(o->capital))
    return folio_error_set(err, FOLIO_ENOTFINITE, "%s: capital is not finite (%g)", WHO, o->capital);
  if (o->capital < 0.0 || o->capital > FOLIO_MAX_USD)
    return folio_error_set(err, FOLIO_EINVAL, "%s: capital must be in [0, %g] USD, got %g", WHO,
                           FOLIO_MAX_USD, o->capital);
  if (o->method != FOLIO_DISCRETE_GREEDY && o->method != FOLIO_DISCRETE_MIP)
    return folio_error_set(err, FOLIO_EINVAL, "%s: unknown method %d", WHO, (int)o->method);
  if (!isfinite(o->fixed_fee) || !isfinite(o->proportional_fee))
    return folio_error_set(err, FOLIO_ENOTFINITE, "%s: fees must be finite (fixed %g, proportional %g)",
                           WHO, o->fixed_fee, o->proportional_fee);
  if (o->fixed_fee < 0.0 || o->fixed_fee > FOLIO_MAX_USD)
    return folio_error_set(err, FOLIO_EINVAL, "%s: fixed fee must be in [0, %g] USD, got %g", WHO,
                           FOLIO_MAX_USD, o->fixed_fee);
  if (o->proportional_fee < 0.0 || o->proportional_fee >= 0.5)
    return folio_error_set(err, FOLIO_EINVAL, "%s: proportional fee must be in [0, 0.5), got %g", WHO,
                           o->proportional_fee);
  if (o->max_positions < 0)
    return folio_error_set(err, FOLIO_EINVAL, "%s: max_positions must be >= 0, got %ld", WHO,
                           o->max_positions);
  if (!isnan(o->short_ratio) && (!isfinite(o->short_ratio) || o->short_ratio < 0.0 ||
                                 o->short_ratio > 100.0))
    return folio_error_set(err, FOLIO_EINVAL, "%s: short_ratio must be in [0, 100], got %g", WHO,
                           o->short_ratio);
  if (o->method == FOLIO_DISCRETE_GREEDY &&
      (o->fixed_fee > 0.0 || o->proportional_fee > 0.0 || o->max_positions != LONG_MAX))
    return folio_error_set(err, FOLIO_EINVAL,
                           "%s: fees and max_positions need method mip (greedy has no model of them)",
                           WHO);
  if (o->method == FOLIO_DISCRETE_MIP && (!(o->time_limit > 0.0) || o->time_limit > 86400.0))
    return folio_error_set(err, FOLIO_EINVAL, "%s: time_limit must be in (0, 86400] seconds, got %g",
                           WHO, o->time_limit);
  return FOLIO_OK;
}

/* Validates the names into nm (sorted by symbol). */
static folio_status prepare(size_t n, const char *const *symbols, const double *weights,
                            const double *prices, const folio_discrete_opts *o, da_name *nm,
                            folio_error *err) {
  for (size_t i = 0; i < n; i++) {
    const char *s = symbols[i];
    if (!s || !s[0])
      return folio_error_set(err, FOLIO_EINVAL, "%s: symbol #%zu is %s", WHO, i + 1,
                             s ? "empty" : "NULL");
    double w = weights[i], p = prices[i];
    double lot = o->lot_sizes ? o->lot_sizes[i] : 1.0, c = o->current ? o->current[i] : 0.0;
    if (!isfinite(w))
      return folio_error_set(err, FOLIO_ENOTFINITE, "%s: weight of %s is not finite (%g)", WHO, s, w);
    if (!isfinite(p))
      return folio_error_set(err, FOLIO_ENOTFINITE, "%s: price of %s is not finite (%g)", WHO, s, p);
    if (!(p > 0.0))
      return folio_error_set(err, FOLIO_EINVAL, "%s: price of %s must be > 0, got %g", WHO, s, p);
    if (!isfinite(lot))
      return folio_error_set(err, FOLIO_ENOTFINITE, "%s: lot size of %s is not finite (%g)", WHO, s, lot);
    if (!(lot > 0.0))
      return folio_error_set(err, FOLIO_EINVAL, "%s: lot size of %s must be > 0, got %g", WHO, s, lot);
    if (!isfinite(c))
      return folio_error_set(err, FOLIO_ENOTFINITE, "%s: current holding of %s is not finite (%g)",
                             WHO, s, c);
    if (c < 0.0)
      return folio_error_set(err, FOLIO_EINVAL,
                             "%s: current holding of %s is %g: short holdings are not supported", WHO,
                             s, c);
    folio_status st = folio_check_number(FOLIO_DOMAIN_WEIGHT, w, WHO, "weight", s, err);
    if (st == FOLIO_OK) st = folio_check_number(FOLIO_DOMAIN_PRICE, p, WHO, "price", s, err);
    if (st == FOLIO_OK) st = folio_check_number(FOLIO_DOMAIN_LOT, lot, WHO, "lot size", s, err);
    if (st == FOLIO_OK) st = folio_check_number(FOLIO_DOMAIN_QUANTITY, c, WHO, "current holding", s, err);
    if (st < 0) return st;
    if (w < 0.0 && isnan(o->short_ratio))
      return folio_error_set(err, FOLIO_EINVAL,
                             "%s: weight of %s is %g < 0: short weights need short_ratio", WHO, s, w);
    if (w < 0.0 && o->current)
      for (size_t j = 0; j < n; j++)
        if (o->current[j] != 0.0)
          return folio_error_set(err, FOLIO_EINVAL,
                                 "%s: weight of %s is %g < 0: short weights with current holdings "
                                 "are not supported",
                                 WHO, s, w);
    nm[i].s = s;
    nm[i].i = i;
    nm[i].w = w;
    nm[i].p = p;
    nm[i].lot = lot;
    nm[i].c = c;
    nm[i].side = w > 0.0 ? 1 : w < 0.0 ? -1 : 0;
    nm[i].x = nm[i].k = 0.0;
  }
  qsort(nm, n, sizeof *nm, cmp_name);
  for (size_t q = 1; q < n; q++)
    if (strcmp(nm[q - 1].s, nm[q].s) == 0)
      return folio_error_set(err, FOLIO_EDUP, "%s: duplicate symbol %s", WHO, nm[q].s);
  return FOLIO_OK;
}

/* ==== greedy (PyPortfolioOpt's greedy_portfolio) ============================ */

/* numpy's pairwise summation (numpy/_core/src/umath/loops_utils.h.src), so
 * that the greedy's current weights match PyPortfolioOpt's to the last bit. */
static double np_pairwise(const double *a, size_t n) {
  if (n < 8) {
    double r = -0.0;
    for (size_t i = 0; i < n; i++) r += a[i];
    return r;
  }
  if (n <= 128) {
    double r[8];
    size_t i;
    for (int j = 0; j < 8; j++) r[j] = a[j];
    for (i = 8; i < n - (n % 8); i += 8)
      for (int j = 0; j < 8; j++) r[j] += a[i + (size_t)j];
    double res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
    for (; i < n; i++) res += a[i];
    return res;
  }
  size_t n2 = n / 2;
  n2 -= n2 % 8;
  return np_pairwise(a, n2) + np_pairwise(a + n2, n - n2);
}

/* np.sum of a 1-d array: the reduction starts from a[0] and adds the
 * pairwise sum of the rest. */
static double np_sum(const double *a, size_t n) {
  return n == 0 ? 0.0 : a[0] + np_pairwise(a + 1, n - 1);
}

/* Scratch of one greedy book of m names. */
typedef struct greedy_work {
  size_t *order; /* names of the book, descending weight (ties: symbol) */
  double *w;     /* the book's weights in that order */
  double *val, *deficit;
} greedy_work;

/* Book weights of the sort: descending, ties by symbol (the stable sort of
 * PyPortfolioOpt over a dict given in symbol order). */
typedef struct wkey {
  double w;
  size_t q;
} wkey;
static int cmp_wkey(const void *a, const void *b) {
  const wkey *x = a, *y = b;
  if (x->w != y->w) return x->w < y->w ? 1 : -1;
  return (x->q > y->q) - (x->q < y->q);
}

/* greedy_portfolio on a long-only book: names g->order[0..m) with weights
 * g->w (already in descending order) and value total; sets nm[].k (lots)
 * and returns available_funds. */
static double greedy_book(da_name *nm, size_t m, greedy_work *g, double total, folio_status *st,
                          folio_error *err) {
  double available = total;
  for (size_t j = 0; j < m; j++) { /* first round */
    da_name *a = &nm[g->order[j]];
    double q = g->w[j] * total / a->p; /* int(weight * total / price), per lot */
    if (a->lot != 1.0) q /= a->lot;
    double k = q > 0.0 ? floor(q) : 0.0;
    double cost = k * (a->p * a->lot);
    if (cost > available) {
      *st = folio_error_set(err, FOLIO_EINVAL,
                            "%s: greedy: weights sum to more than 1 (buying %s overspends)", WHO, a->s);
      return 0.0;
    }
    available -= cost;
    a->k = k;
  }
  if (m == 0) return available;
  while (available > 0.0) { /* second round */
    for (size_t j = 0; j < m; j++) {
      da_name *a = &nm[g->order[j]];
      g->val[j] = (a->p * a->lot) * a->k; /* buy_prices * shares_bought */
    }
    double sum = np_sum(g->val, m);
    for (size_t j = 0; j < m; j++)
      g->deficit[j] = g->w[j] - (sum != 0.0 ? g->val[j] / sum : 0.0); /* 0/0: see the header */
    size_t idx = 0;
    for (size_t j = 1; j < m; j++)
      if (g->deficit[j] > g->deficit[idx]) idx = j; /* np.argmax: the first maximum */
    double price = nm[g->order[idx]].p * nm[g->order[idx]].lot;
    int counter = 0;
    while (price > available) {
      g->deficit[idx] = 0.0; /* can no longer buy it */
      idx = 0;
      for (size_t j = 1; j < m; j++)
        if (g->deficit[j] > g->deficit[idx]) idx = j;
      if (g->deficit[idx] < 0.0 || counter == 10) break;
      price = nm[g->order[idx]].p * nm[g->order[idx]].lot;
      counter++;
    }
    if (g->deficit[idx] <= 0.0 || counter == 10) break;
    nm[g->order[idx]].k += 1.0;
    available -= price;
  }
  return available;
}

/* Fills g with the names of one side (+1 or -1) and their weights: as given
 * for a long-only book (normalise 0), normalised to sum 1 otherwise. Names
 * with weight 0 belong to the long book. */
static size_t book_of(da_name *nm, size_t n, int side, int normalise, wkey *keys, greedy_work *g) {
  size_t m = 0;
  for (size_t q = 0; q < n; q++) {
    int long_book = nm[q].w >= 0.0;
    if ((side > 0) != long_book) continue;
    keys[m].w = side > 0 ? nm[q].w : -nm[q].w;
    keys[m].q = q;
    m++;
  }
  /* PyPortfolioOpt sums the book's weights in the order of the full
   * descending sort: ascending |w| for the shorts (w descending). */
  qsort(keys, m, sizeof *keys, cmp_wkey);
  double total = 0.0;
  if (side > 0)
    for (size_t j = 0; j < m; j++) total += keys[j].w;
  else
    for (size_t j = m; j-- > 0;) total += keys[j].w;
  for (size_t j = 0; j < m; j++) {
    g->order[j] = keys[j].q;
    g->w[j] = normalise ? keys[j].w / total : keys[j].w;
  }
  return m;
}

/* ==== the MIP ================================================================ */

typedef struct mip_cols {
  int k, z, u, d, y;
  double U; /* bound on |k| */
} mip_cols;

static folio_status solve_mip(da_name *nm, size_t n, const folio_discrete_opts *o, double cap_long,
                              double v_short, double scale, mip_cols *mc, double *seconds,
                              int *proven, folio_error *err) {
  folio_i_mip m;
  memset(&m, 0, sizeof m);
  double *x = NULL, *act = NULL;
  folio_status st = FOLIO_OK;
  double held = 0.0;
  for (size_t q = 0; q < n; q++) held += nm[q].p * nm[q].c;
  size_t n_free = 0;
  for (size_t q = 0; q < n; q++) {
    da_name *a = &nm[q];
    mip_cols *c = &mc[q];
    memset(c, 0, sizeof *c);
    if (a->side == 0 && a->c == 0.0) continue; /* nothing to hold, nothing held: x = 0 */
    n_free++;
    double pl = a->p * a->lot, pc = a->p * a->c;
    /* Exact bound: above its target a name's J is flat (each dollar more in
     * it is a dollar less uninvested), so buying past the first lot above
     * the target, or past the current holding, only spends cash and fees
     * that an untraded or smaller holding keeps: k <= max(ceil(|t| / pL),
     * floor(c / L)), and never more than the book's value buys. */
    double above = ceil(fabs(a->t) / pl - 1e-9), keep = floor(a->c / a->lot); /* 40.0 stays 40 */
    if (a->side > 0) c->U = fmin(floor((cap_long + held) / pl * (1 + 1e-12)), fmax(above, keep));
    else if (a->side < 0) c->U = fmin(floor(v_short / pl * (1 + 1e-12)), above);
    else c->U = keep;
    c->U = fmax(c->U, keep);
    int need_z = a->c > 0.0 || o->fixed_fee > 0.0;
    /* J = Σ u + (cap_long - flow + v_short - short_used) + fees (the
     * uninvested cash does not depend on the fees); maximised as -J */
    double k_obj = a->side >= 0 ? pl / scale : -pl / scale;
    c->k = folio_i_mip_col(&m, GLP_IV, a->side < 0 ? -c->U : 0.0, a->side < 0 ? 0.0 : c->U, k_obj);
    if (need_z) c->z = folio_i_mip_col(&m, GLP_BV, 0.0, 1.0, -(pc + o->fixed_fee) / scale);
    c->u = folio_i_mip_col(&m, GLP_CV, 0.0, INFINITY, -1.0);
    /* x = c (1 - z) + L k; p x / scale = pc/scale - pc/scale z + pl/scale k */
    if (need_z) { /* |k| <= U z: untraded names keep c */
      int r = a->side < 0 ? folio_i_mip_row(&m, 0.0, INFINITY) : folio_i_mip_row(&m, -INFINITY, 0.0);
      folio_i_mip_nz(&m, r, c->k, 1.0);
      folio_i_mip_nz(&m, r, c->z, a->side < 0 ? c->U : -c->U);
    }
    double t = a->t / scale;
    int r1 = folio_i_mip_row(&m, t - pc / scale, INFINITY); /* u + p x >= t */
    folio_i_mip_nz(&m, r1, c->u, 1.0);
    folio_i_mip_nz(&m, r1, c->k, pl / scale);
    if (need_z && pc != 0.0) folio_i_mip_nz(&m, r1, c->z, -pc / scale);
    int r2 = folio_i_mip_row(&m, pc / scale - t, INFINITY); /* u - p x >= -t */
    folio_i_mip_nz(&m, r2, c->u, 1.0);
    folio_i_mip_nz(&m, r2, c->k, -pl / scale);
    if (need_z && pc != 0.0) folio_i_mip_nz(&m, r2, c->z, pc / scale);
    { /* The secant cut: |t - v| is convex, and the values v a name can take
       * are the lattice p L k (k in its range) and, untraded, p c. Between
       * the two of them that bracket t there is none, so u >= the secant of
       * |t - v| through those two holds at every one of them. It turns the
       * LP's bound from "every name on its target" into the knapsack's
       * (floor, then the best ceil per dollar), which is what lets GLPK
       * prove optimality. */
      double klo = a->side < 0 ? -c->U : 0.0, khi = a->side < 0 ? 0.0 : c->U;
      double kf = floor(a->t / pl);
      double lo = fmin(fmax(kf, klo), khi) * pl, hi = fmin(fmax(kf + 1.0, klo), khi) * pl;
      if (need_z && pc > lo && pc <= a->t) lo = pc;
      if (need_z && pc < hi && pc >= a->t) hi = pc;
      if (lo < a->t && a->t < hi) {
        double slope = ((hi - a->t) - (a->t - lo)) / (hi - lo);
        /* u - slope V >= (T - LO) - slope LO, V = pc/s - pc/s z + pl/s k */
        int r3 = folio_i_mip_row(&m, (a->t - lo - slope * lo + slope * pc) / scale, INFINITY);
        folio_i_mip_nz(&m, r3, c->u, 1.0);
        folio_i_mip_nz(&m, r3, c->k, -slope * pl / scale);
        if (need_z && pc != 0.0) folio_i_mip_nz(&m, r3, c->z, slope * pc / scale);
      }
    }
    if (o->proportional_fee > 0.0) { /* d >= |p (L k - c z)| / scale */
      c->d = folio_i_mip_col(&m, GLP_CV, 0.0, INFINITY, -o->proportional_fee);
      for (int sgn = -1; sgn <= 1; sgn += 2) {
        int r = folio_i_mip_row(&m, 0.0, INFINITY);
        folio_i_mip_nz(&m, r, c->d, 1.0);
        folio_i_mip_nz(&m, r, c->k, sgn * pl / scale);
        if (need_z && pc != 0.0) folio_i_mip_nz(&m, r, c->z, -sgn * pc / scale);
      }
    }
  }
  long k_cap = o->max_positions;
  if ((unsigned long)k_cap < (unsigned long)n_free) { /* y >= [x != 0], Σ y <= K */
    int r_card = folio_i_mip_row(&m, -INFINITY, (double)k_cap);
    for (size_t q = 0; q < n; q++) {
      da_name *a = &nm[q];
      mip_cols *c = &mc[q];
      if (!c->u) continue;
      c->y = folio_i_mip_col(&m, GLP_BV, 0.0, 1.0, 0.0);
      folio_i_mip_nz(&m, r_card, c->y, 1.0);
      double big = fmax(c->U * a->lot, a->c); /* |x| <= big y, divided by big */
      if (big <= 0.0) continue;
      int r = folio_i_mip_row(&m, -INFINITY, -a->c / big);
      folio_i_mip_nz(&m, r, c->k, (a->side < 0 ? -a->lot : a->lot) / big);
      if (c->z && a->c != 0.0) folio_i_mip_nz(&m, r, c->z, -a->c / big);
      folio_i_mip_nz(&m, r, c->y, -1.0);
    }
  }
  /* budgets: Σ_long p (x - c) + fees <= cap_long; Σ_short p |x| <= v_short
   * (GLPK's answer is checked to 1e-9 of the book, then in dollars) */
  int r_long = folio_i_mip_row(&m, -INFINITY, cap_long / scale);
  int r_short = 0;
  for (size_t q = 0; q < n; q++) {
    da_name *a = &nm[q];
    mip_cols *c = &mc[q];
    if (!c->u) continue;
    double pl = a->p * a->lot, pc = a->p * a->c;
    if (a->side >= 0) {
      folio_i_mip_nz(&m, r_long, c->k, pl / scale);
      if (c->z) folio_i_mip_nz(&m, r_long, c->z, (o->fixed_fee - pc) / scale);
    } else {
      if (!r_short) r_short = folio_i_mip_row(&m, -INFINITY, v_short / scale);
      folio_i_mip_nz(&m, r_short, c->k, -pl / scale);
      if (c->z && o->fixed_fee > 0.0) folio_i_mip_nz(&m, r_long, c->z, o->fixed_fee / scale);
    }
    if (c->d) folio_i_mip_nz(&m, r_long, c->d, o->proportional_fee);
  }
  if (m.oom) {
    st = folio_error_set(err, FOLIO_ENOMEM, "%s: out of memory building the model", WHO);
    goto done;
  }
  *proven = 1;
  if (m.n_cols == 0) goto done;
  x = malloc(((size_t)m.n_cols + 1) * sizeof *x);
  act = malloc(((size_t)m.n_rows + 1) * sizeof *act);
  if (!x || !act) {
    st = folio_error_set(err, FOLIO_ENOMEM, "%s: out of memory", WHO);
    goto done;
  }
  int within_gap = 0;
  m.keep_feasible = 1; /* at the time limit: GLPK's best, compared with the greedy by the caller */
  st = folio_i_mip_solve(&m, WHO, o->time_limit, 0.0, o->cancel, x, act, &within_gap, seconds, err);
  if (st != FOLIO_OK) goto done;
  *proven = within_gap == 0;
  for (size_t q = 0; q < n; q++) {
    da_name *a = &nm[q];
    mip_cols *c = &mc[q];
    a->x = 0.0;
    if (!c->u) continue;
    double k = nearbyint(x[c->k]), z = c->z ? nearbyint(x[c->z]) : 1.0;
    a->x = z > 0.5 ? a->lot * k : a->c;
  }
done:
  free(x);
  free(act);
  folio_i_mip_free(&m);
  return st;
}

/* ==== evaluation ============================================================== */

/* J of the holdings nm[].x (the header's objective) and whether they are
 * feasible in the model: budgets within tol, cardinality. */
static double book_objective(const da_name *nm, size_t n, const folio_discrete_opts *o,
                             double cap_long, double v_short, double tol, int *feasible) {
  double l1 = 0.0, flow = 0.0, fees = 0.0, used = 0.0;
  size_t held = 0;
  for (size_t q = 0; q < n; q++) {
    const da_name *a = &nm[q];
    double trade = a->x - a->c;
    l1 += fabs(a->t - a->p * a->x);
    if (trade != 0.0) fees += o->fixed_fee + o->proportional_fee * a->p * fabs(trade);
    if (a->side >= 0) flow += a->p * trade;
    else used += -a->p * a->x;
    held += a->x != 0.0;
  }
  *feasible = flow + fees <= cap_long + tol && used <= v_short + tol &&
              (o->max_positions == LONG_MAX || held <= (size_t)o->max_positions);
  return l1 + (cap_long - flow + v_short - used) + fees;
}

/* The greedy books (long, then short) into nm[].x. */
static folio_status greedy_all(da_name *nm, size_t n, int shorts, double v_long, double v_short,
                               wkey *keys, greedy_work *g, folio_error *err) {
  folio_status st = FOLIO_OK;
  size_t m = book_of(nm, n, 1, shorts, keys, g);
  greedy_book(nm, m, g, v_long, &st, err);
  if (st == FOLIO_OK && shorts) {
    m = book_of(nm, n, -1, 1, keys, g);
    greedy_book(nm, m, g, v_short, &st, err);
  }
  for (size_t q = 0; q < n; q++) nm[q].x = (nm[q].side < 0 ? -1.0 : 1.0) * nm[q].k * nm[q].lot;
  return st;
}

/* ==== the entry point ======================================================== */

folio_status folio_discrete_allocate(size_t n_assets, const char *const *symbols,
                                     const double *weights, const double *prices,
                                     const folio_discrete_opts *opts, folio_discrete_position *out,
                                     folio_discrete_info *info, folio_error *err) {
  folio_error_clear(err);
  size_t n = n_assets;
  if (!opts || !out) return folio_error_set(err, FOLIO_EINVAL, "%s: opts or out is NULL", WHO);
  if (n == 0) return folio_error_set(err, FOLIO_EEMPTY, "%s: no names", WHO);
  if (!symbols || !weights || !prices)
    return folio_error_set(err, FOLIO_EINVAL, "%s: symbols, weights or prices is NULL", WHO);
  if (n > FOLIO_MAX_DIM || n > (size_t)(INT_MAX / 16))
    return folio_error_set(err, FOLIO_EDIM, "%s: %zu names (at most %zu)", WHO, n,
                           (size_t)FOLIO_MAX_DIM);
  const folio_discrete_opts *o = opts;
  folio_status st = check_opts(o, err);
  if (st != FOLIO_OK) return st;

  size_t bytes = n * (sizeof(da_name) + sizeof(mip_cols) + sizeof(wkey) + sizeof(size_t) +
                      4 * sizeof(double));
  unsigned char *mem = malloc(bytes);
  if (!mem) return folio_error_set(err, FOLIO_ENOMEM, "%s: out of memory (%zu names)", WHO, n);
  da_name *nm = (da_name *)mem;
  mip_cols *mc = (mip_cols *)(nm + n);
  wkey *keys = (wkey *)(mc + n);
  greedy_work g;
  g.order = (size_t *)(keys + n);
  g.w = (double *)(g.order + n);
  g.val = g.w + n;
  g.deficit = g.val + n;
  double *kept = g.deficit + n; /* GLPK's book while the greedy's is tried */

  st = prepare(n, symbols, weights, prices, o, nm, err);
  if (st != FOLIO_OK) goto done;

  /* ---- books and targets ---- */
  int shorts = 0;
  double held = 0.0, sum_long = 0.0, sum_short = 0.0;
  for (size_t q = 0; q < n; q++) {
    shorts |= nm[q].side < 0;
    held += nm[q].p * nm[q].c;
  }
  double value = o->capital + held; /* V */
  double v_short = shorts ? value * o->short_ratio : 0.0;
  double v_long = shorts && o->reinvest ? value + v_short : value;
  double cap_long = v_long - held; /* cash of the long book: capital (+ V_short) */
  {
    size_t m = book_of(nm, n, 1, shorts, keys, &g);
    for (size_t j = 0; j < m; j++) {
      nm[g.order[j]].t = g.w[j] * v_long;
      sum_long += g.w[j];
    }
    m = book_of(nm, n, -1, 1, keys, &g);
    for (size_t j = 0; j < m; j++) {
      nm[g.order[j]].t = -g.w[j] * v_short;
      sum_short += g.w[j];
    }
  }
  if (!(sum_long > 0.0) && held == 0.0) {
    st = folio_error_set(err, FOLIO_EINVAL, "%s: no positive weight and nothing held", WHO);
    goto done;
  }
  if (!isfinite(value) || value > FOLIO_MAX_USD || !isfinite(v_long) || !isfinite(v_short)) {
    st = folio_error_set(err, FOLIO_EINVAL, "%s: the book's value %g exceeds %g USD", WHO, value,
                         FOLIO_MAX_USD);
    goto done;
  }
  { /* capital that buys nothing: name the cheapest lot of a long weight */
    size_t cheapest = SIZE_MAX;
    for (size_t q = 0; q < n; q++)
      if (nm[q].side > 0 &&
          (cheapest == SIZE_MAX || nm[q].p * nm[q].lot < nm[cheapest].p * nm[cheapest].lot))
        cheapest = q;
    if (cheapest != SIZE_MAX && v_long < nm[cheapest].p * nm[cheapest].lot) {
      const da_name *a = &nm[cheapest];
      st = folio_error_set(err, FOLIO_EINVAL,
                           "%s: capital %.10g buys nothing: the cheapest lot is %s, %.10g x %.10g = %.10g", WHO,
                           v_long, a->s, a->lot, a->p, a->lot * a->p);
      goto done;
    }
  }

  /* ---- rounding ---- */
  double seconds = 0.0;
  const char *status = "greedy";
  double tol = 1e-9 * fmax(1.0, v_long + v_short); /* GLPK's check, in dollars */
  if (o->method == FOLIO_DISCRETE_GREEDY) {
    st = greedy_all(nm, n, shorts, v_long, v_short, keys, &g, err);
    if (st != FOLIO_OK) goto done;
  } else {
    double scale = fmax(v_long + v_short, 1.0);
    int proven = 0;
    st = solve_mip(nm, n, o, cap_long, v_short, scale, mc, &seconds, &proven, err);
    if (st != FOLIO_OK) goto done;
    status = proven ? "optimal" : "best_found";
    if (!proven) { /* GLPK's incumbent or the greedy's book, whichever is better and feasible */
      int ok_mip, ok_greedy;
      double j_mip = book_objective(nm, n, o, cap_long, v_short, tol, &ok_mip);
      for (size_t q = 0; q < n; q++) kept[q] = nm[q].x;
      folio_error gerr;
      if (greedy_all(nm, n, shorts, v_long, v_short, keys, &g, &gerr) == FOLIO_OK) {
        double j_greedy = book_objective(nm, n, o, cap_long, v_short, tol, &ok_greedy);
        if (ok_greedy && (!ok_mip || j_greedy < j_mip)) goto evaluate;
      }
      for (size_t q = 0; q < n; q++) nm[q].x = kept[q];
    }
  }
evaluate:;

  /* ---- evaluation, the same for both methods ---- */
  double fees = 0.0, flow = 0.0, short_used = 0.0, l1 = 0.0, signed_value = 0.0;
  size_t n_pos = 0, n_trades = 0;
  for (size_t q = 0; q < n; q++) {
    da_name *a = &nm[q];
    folio_discrete_position *r = &out[q];
    double trade = a->x - a->c;
    r->symbol = a->s;
    r->target = a->t;
    r->shares = a->x;
    r->current = a->c;
    r->trade = trade;
    r->value = a->p * a->x;
    r->fee = trade != 0.0 ? o->fixed_fee + o->proportional_fee * a->p * fabs(trade) : 0.0;
    fees += r->fee;
    if (a->side >= 0) flow += a->p * trade;
    else short_used += a->p * -a->x;
    l1 += fabs(a->t - r->value);
    signed_value += r->value;
    n_pos += a->x != 0.0;
    n_trades += trade != 0.0;
  }
  double leftover_long = cap_long - flow - fees;
  double leftover = leftover_long + (v_short - short_used);
  if (leftover_long < -tol || v_short - short_used < -tol) {
    st = folio_error_set(err, FOLIO_EINVAL, "%s: the rounded book overspends by %g USD (GLPK's tolerance)",
                         WHO, -fmin(leftover_long, v_short - short_used));
    goto done;
  }
  double sse = 0.0;
  for (size_t q = 0; q < n; q++) {
    out[q].weight = signed_value != 0.0 ? out[q].value / signed_value : 0.0;
    sse += (nm[q].w - out[q].weight) * (nm[q].w - out[q].weight);
  }
  /* sort order: out is in symbol order already (nm is) */
  if (info) {
    info->method = o->method == FOLIO_DISCRETE_MIP ? "mip" : "greedy";
    info->status = status;
    double lo = folio_usd_round_cents(leftover);
    info->leftover = lo > 0.0 ? lo : 0.0;
    info->fees = fees;
    info->l1 = l1;
    info->objective = l1 + (leftover + fees) + fees;
    info->tracking_error = sqrt(sse / (double)n);
    info->book_value = v_long + v_short;
    info->n_positions = n_pos;
    info->n_trades = n_trades;
    info->seconds = seconds;
  }
  (void)sum_short;
done:
  free(mem);
  return st;
}
