/*
 * allocator.c — the cardinality-constrained MIP allocator of allocator.h.
 *
 * The work is in three steps. (1) Validate everything and put the
 * candidates in symbol order: GLPK's error handler prints and aborts, so no
 * value it could reject (NaN, bad bounds, duplicate matrix entries) may
 * reach it. (2) Build the model with the builder of mip_model.h (columns,
 * rows, triplets) so that every constraint family — the base model, sector
 * caps, turnover — is added the same way, then hand it to glp_intopt in one
 * go. (3) Clean the solution (snap to bounds within 1e-9), round money by
 * the rules of money.h and report.
 *
 * GLPK (through mip_model.c) is configured only through the per-call
 * glp_iocp (messages off, time limit, gap); nothing process-global
 * (glp_term_out, hooks) is touched.
 */
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "folio/allocator.h"
#include "folio/numbers.h"
#include "folio/money.h"
#include "folio/panel.h"
#include "internal.h"
#include "mip_model.h"
#include "plumbing.h"

#define WHO "allocate"

folio_allocator_opts folio_allocator_defaults(void) {
  folio_allocator_opts o;
  memset(&o, 0, sizeof o);
  o.capital = 0.0;
  o.max_weight = 1.0;
  o.min_weight = 0.0;
  o.max_positions = LONG_MAX;
  o.fractional = 0;
  o.max_turnover = INFINITY;
  o.time_limit = 5.0;
  o.mip_gap = 0.0;
  return o;
}

/* ==== ordering helpers ===================================================== */

/* For the reduction: group, then score descending, then symbol. */
typedef struct rank_entry {
  size_t group;
  double score;
  const char *s;
  size_t p;
} rank_entry;

static int cmp_rank(const void *a, const void *b) {
  const rank_entry *x = a, *y = b;
  if (x->group != y->group) return (x->group > y->group) - (x->group < y->group);
  if (x->score != y->score) return x->score < y->score ? 1 : -1;
  return strcmp(x->s, y->s);
}

/* Position of s among n sorted folio_i_sym entries, or SIZE_MAX. */
static size_t find_sym(const folio_i_sym *v, size_t n, const char *s) {
  size_t lo = 0, hi = n;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    int c = strcmp(v[mid].s, s);
    if (c == 0) return mid;
    if (c < 0) lo = mid + 1;
    else hi = mid;
  }
  return SIZE_MAX;
}

/* ==== validation ============================================================ */

static folio_status check_opts(const folio_allocator_opts *o, folio_error *err) {
  if (!isfinite(o->capital))
    return folio_error_set(err, FOLIO_ENOTFINITE, "%s: capital is not finite (%g)", WHO, o->capital);
  if (!(o->capital > 0.0))
    return folio_error_set(err, FOLIO_EINVAL, "%s: capital must be > 0, got %g", WHO, o->capital);
  if (o->capital > FOLIO_MAX_USD)
    return folio_error_set(err, FOLIO_EINVAL, "%s: capital %g exceeds %g USD", WHO, o->capital,
                           FOLIO_MAX_USD);
  if (!isfinite(o->max_weight) || !isfinite(o->min_weight))
    return folio_error_set(err, FOLIO_ENOTFINITE, "%s: min_weight and max_weight must be finite", WHO);
  if (o->min_weight < 0.0)
    return folio_error_set(err, FOLIO_EINVAL, "%s: min_weight must be >= 0, got %g", WHO,
                           o->min_weight);
  if (o->min_weight > 1.0)
    return folio_error_set(err, FOLIO_EINVAL,
                           "%s: min_weight %g > 1: infeasible (no name can be held within a 100%% budget)",
                           WHO, o->min_weight);
  if (!(o->max_weight > 0.0) || o->max_weight > 1.0)
    return folio_error_set(err, FOLIO_EINVAL, "%s: max_weight must be in (0, 1], got %g", WHO,
                           o->max_weight);
  if (o->min_weight > o->max_weight)
    return folio_error_set(err, FOLIO_EINVAL, "%s: min_weight %g > max_weight %g: infeasible", WHO,
                           o->min_weight, o->max_weight);
  if (o->max_positions < 0)
    return folio_error_set(err, FOLIO_EINVAL, "%s: max_positions must be >= 0, got %ld", WHO,
                           o->max_positions);
  if (isnan(o->max_turnover) || o->max_turnover < 0.0)
    return folio_error_set(err, FOLIO_EINVAL, "%s: max_turnover must be >= 0, got %g", WHO,
                           o->max_turnover);
  if (!(o->time_limit > 0.0) || o->time_limit > 86400.0)
    return folio_error_set(err, FOLIO_EINVAL, "%s: time_limit must be in (0, 86400] seconds, got %g",
                           WHO, o->time_limit);
  if (!(o->mip_gap >= 0.0) || o->mip_gap > 0.1)
    return folio_error_set(err, FOLIO_EINVAL, "%s: mip_gap must be in [0, 0.1], got %g", WHO,
                           o->mip_gap);
  if (o->n_sector_caps && (!o->cap_sectors || !o->sector_caps))
    return folio_error_set(err, FOLIO_EINVAL, "%s: cap_sectors or sector_caps is NULL", WHO);
  if (o->n_sector_caps && !o->sectors)
    return folio_error_set(err, FOLIO_EINVAL, "%s: sector caps without sectors", WHO);
  if (o->n_current && (!o->current_symbols || !o->current_weights))
    return folio_error_set(err, FOLIO_EINVAL, "%s: current_symbols or current_weights is NULL", WHO);
  if (o->n_current > FOLIO_MAX_DIM || o->n_sector_caps > FOLIO_MAX_DIM)
    return folio_error_set(err, FOLIO_EDIM, "%s: too many current weights or sector caps", WHO);
  return FOLIO_OK;
}

/* ==== the allocator ========================================================= */

/* Scratch of one call, carved from one malloc. Positions p are in symbol order. */
typedef struct alloc_work {
  folio_i_sym *cand;      /* n: candidates sorted by symbol */
  folio_i_sym *cur;       /* n_current: current holdings sorted by symbol */
  const char **names; /* n: distinct sector names, sorted */
  size_t *group;      /* n: group of candidate p (SIZE_MAX: none) */
  double *cap;        /* n: cap of group g (INFINITY: none) */
  double *c;          /* n: current weight of candidate p */
  unsigned char *in_cur; /* n_current: 1 when the holding is a candidate */
  unsigned char *keep;   /* n: candidate p is a column */
  rank_entry *rank;      /* n */
  int *wcol, *xcol, *dcol; /* n: column indices (0: none) */
  double *w;             /* n: cleaned weights */
  double *x;             /* 3n + 1: GLPK column values */
  double *act;           /* row activities for the check of GLPK's answer */
} alloc_work;

static void work_carve(folio_i_arena *ar, size_t n, size_t n_cur, alloc_work *wk) {
  wk->cand = folio_i_take(ar, n, sizeof(folio_i_sym));
  wk->cur = folio_i_take(ar, n_cur ? n_cur : 1, sizeof(folio_i_sym));
  wk->names = folio_i_take(ar, n, sizeof(char *));
  wk->group = folio_i_take(ar, n, sizeof(size_t));
  wk->cap = folio_i_take(ar, n, sizeof(double));
  wk->c = folio_i_take(ar, n, sizeof(double));
  wk->in_cur = folio_i_take(ar, n_cur ? n_cur : 1, 1);
  wk->keep = folio_i_take(ar, n, 1);
  wk->rank = folio_i_take(ar, n, sizeof(rank_entry));
  wk->wcol = folio_i_take(ar, n, sizeof(int));
  wk->xcol = folio_i_take(ar, n, sizeof(int));
  wk->dcol = folio_i_take(ar, n, sizeof(int));
  wk->w = folio_i_take(ar, n, sizeof(double));
  wk->x = folio_i_take(ar, 3 * n + 1, sizeof(double));
  wk->act = folio_i_take(ar, 6 * n + 8, sizeof(double)); /* rows: <= 5 per name + sectors + 2 */
}

/* Validates candidates, current weights and sectors into wk. */
static folio_status prepare(size_t n, const char *const *symbols, const double *scores,
                            const double *prices, const folio_allocator_opts *o, alloc_work *wk,
                            folio_error *err) {
  for (size_t i = 0; i < n; i++) {
    if (!symbols[i] || !symbols[i][0])
      return folio_error_set(err, FOLIO_EINVAL, "%s: symbol of candidate #%zu is %s", WHO, i + 1,
                             symbols[i] ? "empty" : "NULL");
    if (!isfinite(scores[i]))
      return folio_error_set(err, FOLIO_ENOTFINITE, "%s: score is not finite (symbol %s: %g)", WHO,
                             symbols[i], scores[i]);
    if (!isfinite(prices[i]))
      return folio_error_set(err, FOLIO_ENOTFINITE, "%s: price is not finite (symbol %s: %g)", WHO,
                             symbols[i], prices[i]);
    if (!(prices[i] > 0.0))
      return folio_error_set(err, FOLIO_EINVAL, "%s: price must be > 0 (symbol %s: %g)", WHO,
                             symbols[i], prices[i]);
    folio_status st = folio_check_number(FOLIO_DOMAIN_PRICE, prices[i], WHO, "price", symbols[i], err);
    if (st < 0) return st;
    wk->cand[i].s = symbols[i];
    wk->cand[i].i = i;
  }
  qsort(wk->cand, n, sizeof *wk->cand, folio_i_cmp_sym);
  for (size_t p = 1; p < n; p++)
    if (strcmp(wk->cand[p - 1].s, wk->cand[p].s) == 0)
      return folio_error_set(err, FOLIO_EDUP, "%s: duplicate candidate %s", WHO, wk->cand[p].s);

  /* current weights */
  for (size_t k = 0; k < o->n_current; k++) {
    const char *s = o->current_symbols[k];
    if (!s || !s[0])
      return folio_error_set(err, FOLIO_EINVAL, "%s: current symbol #%zu is %s", WHO, k + 1,
                             s ? "empty" : "NULL");
    if (!isfinite(o->current_weights[k]))
      return folio_error_set(err, FOLIO_ENOTFINITE, "%s: current weight is not finite (symbol %s: %g)",
                             WHO, s, o->current_weights[k]);
    folio_status st = folio_check_number(FOLIO_DOMAIN_WEIGHT, o->current_weights[k], WHO,
                                         "current weight", s, err);
    if (st < 0) return st;
    wk->cur[k].s = s;
    wk->cur[k].i = k;
  }
  qsort(wk->cur, o->n_current, sizeof *wk->cur, folio_i_cmp_sym);
  for (size_t k = 1; k < o->n_current; k++)
    if (strcmp(wk->cur[k - 1].s, wk->cur[k].s) == 0)
      return folio_error_set(err, FOLIO_EDUP, "%s: duplicate current symbol %s", WHO, wk->cur[k].s);
  for (size_t k = 0; k < o->n_current; k++) wk->in_cur[k] = 0;
  for (size_t p = 0; p < n; p++) {
    size_t k = find_sym(wk->cur, o->n_current, wk->cand[p].s);
    wk->c[p] = k == SIZE_MAX ? 0.0 : o->current_weights[wk->cur[k].i];
    if (k != SIZE_MAX) wk->in_cur[k] = 1;
  }

  /* sectors: distinct names, each candidate's group, the caps */
  size_t n_names = 0;
  for (size_t p = 0; p < n; p++) {
    wk->group[p] = SIZE_MAX;
    wk->cap[p] = INFINITY;
    if (!o->sectors) continue;
    const char *g = o->sectors[wk->cand[p].i];
    if (g && !g[0])
      return folio_error_set(err, FOLIO_EINVAL, "%s: empty sector name (symbol %s)", WHO,
                             wk->cand[p].s);
    if (g) wk->names[n_names++] = g;
  }
  qsort(wk->names, n_names, sizeof *wk->names, folio_i_cmp_str);
  size_t u = 0;
  for (size_t k = 0; k < n_names; k++)
    if (u == 0 || strcmp(wk->names[u - 1], wk->names[k]) != 0) wk->names[u++] = wk->names[k];
  n_names = u;
  for (size_t p = 0; o->sectors && p < n; p++) {
    const char *g = o->sectors[wk->cand[p].i];
    if (!g) continue;
    const char **hit = bsearch(&g, wk->names, n_names, sizeof *wk->names, folio_i_cmp_str);
    wk->group[p] = (size_t)(hit - wk->names);
  }
  for (size_t k = 0; k < o->n_sector_caps; k++) {
    const char *g = o->cap_sectors[k];
    double v = o->sector_caps[k];
    if (!g || !g[0])
      return folio_error_set(err, FOLIO_EINVAL, "%s: sector cap #%zu has %s name", WHO, k + 1,
                             g ? "an empty" : "a NULL");
    if (!isfinite(v))
      return folio_error_set(err, FOLIO_ENOTFINITE, "%s: sector cap is not finite (sector %s: %g)",
                             WHO, g, v);
    if (v < 0.0)
      return folio_error_set(err, FOLIO_EINVAL, "%s: sector cap must be >= 0 (sector %s: %g)", WHO,
                             g, v);
    const char **hit = bsearch(&g, wk->names, n_names, sizeof *wk->names, folio_i_cmp_str);
    if (!hit)
      return folio_error_set(err, FOLIO_ENOTFOUND, "%s: sector cap for %s, which no candidate has",
                             WHO, g);
    size_t gi = (size_t)(hit - wk->names);
    if (!isinf(wk->cap[gi]))
      return folio_error_set(err, FOLIO_EDUP, "%s: sector %s is capped twice", WHO, g);
    wk->cap[gi] = v;
  }
  return FOLIO_OK;
}

/* Chooses the modelled candidates (wk->keep): positive scores, reduced to
 * the best max_positions per (sector, not held) group; returns the count. */
static size_t choose_columns(size_t n, const double *scores, const folio_allocator_opts *o,
                             int turnover, alloc_work *wk, size_t *n_dropped) {
  size_t nr = 0, kept = 0;
  *n_dropped = 0;
  for (size_t p = 0; p < n; p++) {
    double s = scores[wk->cand[p].i];
    wk->keep[p] = 0;
    if (!(s > 0.0)) {
      (*n_dropped)++;
      continue;
    }
    if (o->max_positions == 0) continue;
    if (turnover && wk->c[p] != 0.0) {
      wk->keep[p] = 1; /* held now: swapping it changes the turnover, never reduced */
      continue;
    }
    wk->rank[nr].group = wk->group[p];
    wk->rank[nr].score = s;
    wk->rank[nr].s = wk->cand[p].s;
    wk->rank[nr].p = p;
    nr++;
  }
  qsort(wk->rank, nr, sizeof *wk->rank, cmp_rank);
  size_t run = 0;
  for (size_t r = 0; r < nr; r++) {
    run = (r && wk->rank[r].group == wk->rank[r - 1].group) ? run + 1 : 0;
    if ((unsigned long)run < (unsigned long)o->max_positions) wk->keep[wk->rank[r].p] = 1;
  }
  for (size_t p = 0; p < n; p++) kept += wk->keep[p];
  return kept;
}

folio_status folio_allocator_allocate(size_t n_candidates, const char *const *symbols,
                                      const double *scores, const double *prices,
                                      const folio_allocator_opts *opts, folio_allocation *out,
                                      size_t *n_out, folio_allocator_info *info,
                                      folio_error *err) {
  folio_error_clear(err);
  size_t n = n_candidates;
  if (!opts) return folio_error_set(err, FOLIO_EINVAL, "%s: opts is NULL", WHO);
  if (!out || !n_out) return folio_error_set(err, FOLIO_EINVAL, "%s: out or n_out is NULL", WHO);
  if (n == 0) return folio_error_set(err, FOLIO_EEMPTY, "%s: no candidates", WHO);
  if (!symbols || !scores || !prices)
    return folio_error_set(err, FOLIO_EINVAL, "%s: symbols, scores or prices is NULL", WHO);
  /* the model has at most 3n columns, 2n + 4 + n rows and ~9n triplets, as ints */
  if (n > FOLIO_MAX_DIM || n > (size_t)(INT_MAX / 16))
    return folio_error_set(err, FOLIO_EDIM, "%s: %zu candidates (at most %zu)", WHO, n,
                           (size_t)FOLIO_MAX_DIM);
  const folio_allocator_opts *o = opts;
  folio_status st = check_opts(o, err);
  if (st != FOLIO_OK) return st;

  folio_i_arena ar = {NULL, 0, 0};
  alloc_work wk;
  work_carve(&ar, n, o->n_current, &wk);
  st = folio_i_arena_alloc(&ar, WHO, 0, err);
  if (st < 0) return st;
  work_carve(&ar, n, o->n_current, &wk);
  folio_i_mip m;
  memset(&m, 0, sizeof m);

  st = prepare(n, symbols, scores, prices, o, &wk, err);
  if (st != FOLIO_OK) goto done;

  int turnover = !isinf(o->max_turnover);
  size_t n_dropped = 0;
  size_t n_cols = choose_columns(n, scores, o, turnover, &wk, &n_dropped);

  /* Turnover spent on holdings that are not columns (sold in full). */
  double sold = 0.0;
  for (size_t k = 0; k < o->n_current; k++)
    if (!wk.in_cur[k]) sold += fabs(o->current_weights[wk.cur[k].i]);
  for (size_t p = 0; p < n; p++)
    if (!wk.keep[p]) sold += fabs(wk.c[p]);
  double budget = o->max_turnover - sold;
  if (turnover && budget < -1e-12) {
    st = folio_error_set(err, FOLIO_EINVAL,
                         "%s: infeasible: selling the current holdings that are not modelled "
                         "(not candidates, or score <= 0) takes turnover %g > max_turnover %g",
                         WHO, sold, o->max_turnover);
    goto done;
  }
  if (budget < 0.0) budget = 0.0;

  /* Scale scores so the largest is 1 (GLPK's tolerances are absolute). */
  double smax = 0.0;
  for (size_t p = 0; p < n; p++)
    if (wk.keep[p]) smax = fmax(smax, scores[wk.cand[p].i]);
  double seconds = 0.0;
  int within_gap = 0;
  for (size_t p = 0; p < n; p++) wk.w[p] = 0.0;

  if (n_cols > 0) {
    /* ---- base model: w_i, x_i, linking rows, budget, cardinality ---- */
    for (size_t p = 0; p < n; p++) {
      wk.wcol[p] = wk.xcol[p] = wk.dcol[p] = 0;
      if (!wk.keep[p]) continue;
      wk.wcol[p] = folio_i_mip_col(&m, GLP_CV, 0.0, o->max_weight, scores[wk.cand[p].i] / smax);
      wk.xcol[p] = folio_i_mip_col(&m, GLP_BV, 0.0, 1.0, 0.0);
      int r_up = folio_i_mip_row(&m, -INFINITY, 0.0); /* w_i - max_weight x_i <= 0 */
      folio_i_mip_nz(&m, r_up, wk.wcol[p], 1.0);
      folio_i_mip_nz(&m, r_up, wk.xcol[p], -o->max_weight);
      if (o->min_weight > 0.0) {
        int r_lo = folio_i_mip_row(&m, 0.0, INFINITY); /* w_i - min_weight x_i >= 0 */
        folio_i_mip_nz(&m, r_lo, wk.wcol[p], 1.0);
        folio_i_mip_nz(&m, r_lo, wk.xcol[p], -o->min_weight);
      }
    }
    int r_budget = folio_i_mip_row(&m, -INFINITY, 1.0); /* Σ w_i <= 1 */
    for (size_t p = 0; p < n; p++)
      if (wk.keep[p]) folio_i_mip_nz(&m, r_budget, wk.wcol[p], 1.0);
    if ((unsigned long)o->max_positions < (unsigned long)n_cols) {
      int r_card = folio_i_mip_row(&m, -INFINITY, (double)o->max_positions); /* Σ x_i <= K */
      for (size_t p = 0; p < n; p++)
        if (wk.keep[p]) folio_i_mip_nz(&m, r_card, wk.xcol[p], 1.0);
    }
    /* ---- sector caps: Σ_{i in g} w_i <= cap_g ---- */
    for (size_t g = 0; o->sectors && g < n; g++) {
      if (isinf(wk.cap[g])) continue;
      int r_g = 0;
      for (size_t p = 0; p < n; p++) {
        if (!wk.keep[p] || wk.group[p] != g) continue;
        if (!r_g) r_g = folio_i_mip_row(&m, -INFINITY, wk.cap[g]);
        folio_i_mip_nz(&m, r_g, wk.wcol[p], 1.0);
      }
    }
    /* ---- turnover: Σ_{c_i = 0} w_i + Σ_{c_i != 0} d_i <= budget ---- */
    if (turnover) {
      for (size_t p = 0; p < n; p++) {
        if (!wk.keep[p] || wk.c[p] == 0.0) continue;
        double c = wk.c[p];
        wk.dcol[p] = folio_i_mip_col(&m, GLP_CV, 0.0, INFINITY, 0.0);
        int r1 = folio_i_mip_row(&m, -INFINITY, c); /* w_i - d_i <= c_i */
        folio_i_mip_nz(&m, r1, wk.wcol[p], 1.0);
        folio_i_mip_nz(&m, r1, wk.dcol[p], -1.0);
        int r2 = folio_i_mip_row(&m, c, INFINITY); /* w_i + d_i >= c_i */
        folio_i_mip_nz(&m, r2, wk.wcol[p], 1.0);
        folio_i_mip_nz(&m, r2, wk.dcol[p], 1.0);
        /* Valid cuts that tie d_i to x_i (the two rows above let a fractional
         * x_i keep w_i = c_i for free, which leaves the relaxation so weak that
         * GLPK cannot even prove infeasibility in seconds). With a = min_weight:
         *   c < 0:          d_i >= |c| + a x_i          (w >= a x_i and w >= 0)
         *   0 < c <= a:     d_i >= c + (a - 2c) x_i     (x = 0: sell c; x = 1: buy a - c)
         *   a < c < max:    d_i >= c (1 - x_i)          (x = 0: sell c)
         * each exact at x_i = 0 and x_i = 1, hence valid for binary x_i; for
         * c >= max_weight, d_i >= c - max_weight x_i already follows. */
        double a = o->min_weight, slope = NAN, rhs = NAN;
        if (c < 0.0) slope = a, rhs = -c;
        else if (c <= a) slope = a - 2.0 * c, rhs = c;
        else if (c < o->max_weight) slope = -c, rhs = c;
        if (!isnan(slope)) {
          int r3 = folio_i_mip_row(&m, rhs, INFINITY); /* d_i - slope x_i >= rhs */
          folio_i_mip_nz(&m, r3, wk.dcol[p], 1.0);
          if (slope != 0.0) folio_i_mip_nz(&m, r3, wk.xcol[p], -slope);
        }
      }
      int r_t = folio_i_mip_row(&m, -INFINITY, budget);
      for (size_t p = 0; p < n; p++) {
        if (!wk.keep[p]) continue;
        folio_i_mip_nz(&m, r_t, wk.dcol[p] ? wk.dcol[p] : wk.wcol[p], 1.0);
      }
    }
    if (m.oom) {
      st = folio_error_set(err, FOLIO_ENOMEM, "%s: out of memory building the model", WHO);
      goto done;
    }
    st = folio_i_mip_solve(&m, WHO, o->time_limit, o->mip_gap, o->cancel, wk.x, wk.act,
                           &within_gap, &seconds, err);
    if (st != FOLIO_OK) goto done;

    /* ---- clean: unselected -> 0, snap to [min, max] within 1e-9 ---- */
    double sum = 0.0;
    for (size_t p = 0; p < n; p++) {
      if (!wk.keep[p]) continue;
      double w = wk.x[wk.wcol[p]], x = wk.x[wk.xcol[p]];
      if (x < 0.5 || w <= 1e-9) w = 0.0;
      else if (w < o->min_weight) w = o->min_weight;
      else if (w > o->max_weight) w = o->max_weight;
      else if (fabs(w - o->min_weight) <= 1e-9) w = o->min_weight;
      else if (fabs(w - o->max_weight) <= 1e-9) w = o->max_weight;
      wk.w[p] = w;
      sum += w;
    }
    if (sum > 1.0)
      for (size_t p = 0; p < n; p++) wk.w[p] /= sum;
  }

  /* ---- money: dollars to the cent, shares, a last-cent guard ---- */
  double cap_cents = floor(folio_usd_floor_cents(o->capital) * 100.0 + 0.5);
  double total_cents = 0.0, objective = 0.0, turn = 0.0;
  size_t k = 0, largest = SIZE_MAX;
  for (size_t p = 0; p < n; p++) {
    turn += fabs(wk.w[p] - wk.c[p]);
    if (wk.w[p] <= 0.0) continue;
    double d = folio_usd_floor_cents(wk.w[p] * o->capital);
    wk.rank[k].p = p; /* the ranking is done with: reuse it as out's positions */
    out[k].symbol = wk.cand[p].s;
    out[k].weight = wk.w[p];
    out[k].dollars = d;
    total_cents += floor(d * 100.0 + 0.5);
    if (largest == SIZE_MAX || d > out[largest].dollars) largest = k;
    objective += scores[wk.cand[p].i] * wk.w[p];
    k++;
  }
  for (size_t q = 0; q < o->n_current; q++)
    if (!wk.in_cur[q]) turn += fabs(o->current_weights[wk.cur[q].i]);
  if (k && total_cents > cap_cents) {
    /* float sums of weights can exceed 1 by an ulp: never by more than a few cents */
    double excess = total_cents - cap_cents;
    double cents = floor(out[largest].dollars * 100.0 + 0.5) - excess;
    out[largest].dollars = (cents > 0 ? cents : 0.0) / 100.0;
    total_cents = cap_cents;
  }
  double spent = 0.0;
  for (size_t q = 0; q < k; q++) {
    double price = prices[wk.cand[wk.rank[q].p].i];
    double d = out[q].dollars, sh;
    if (o->fractional) {
      sh = floor(d / price * 1e6) / 1e6; /* to a millionth of a share */
      for (int it = 0; it < 4 && sh * price > d; it++) sh = floor(sh * 1e6 - 1.0) / 1e6;
      if (sh < 0.0 || sh * price > d) sh = 0.0;
    } else {
      sh = floor(d / price);
      if (sh * price > d) sh -= 1.0; /* d / price rounded up to a whole number */
      if (sh < 0.0) sh = 0.0;
    }
    out[q].shares = sh;
    spent += sh * price;
  }
  /* The final check: every number of the allocation is finite. */
  for (size_t q = 0; q < k && st == FOLIO_OK; q++) {
    const double nums[] = {out[q].weight, out[q].dollars, out[q].shares};
    const char *const names[] = {out[q].symbol, out[q].symbol, out[q].symbol};
    st = folio_check_finite(nums, 3, 1, names, WHO, "allocation", err);
  }
  if (st == FOLIO_OK && (!isfinite(objective) || !isfinite(spent)))
    st = folio_error_set(err, FOLIO_ENOTFINITE,
                         "%s: the objective (sum of score x weight) is not finite: scores too large", WHO);
  if (st < 0) goto done;
  *n_out = k;
  if (info) {
    info->status = !n_cols ? "empty" : within_gap ? "within_gap" : "optimal";
    info->objective = objective;
    info->n_selected = k;
    info->n_dropped = n_dropped;
    info->n_modelled = n_cols;
    info->invested = total_cents / 100.0;
    info->spent = spent;
    info->cash = folio_usd_round_cents(o->capital - spent);
    info->turnover = turnover || o->n_current ? turn : 0.0;
    info->seconds = seconds;
  }

done:
  folio_i_mip_free(&m);
  free(ar.base);
  return st;
}
