/*
 * prop_allocator.c — the MIP allocator against brute force on random small
 * instances (n <= 12), plus the invariants every result must satisfy:
 * cardinality, per-name bounds, the budget, sector caps, the turnover limit,
 * and money (whole shares, never spending more than the capital).
 *
 * Brute force: every subset S of the positive-score names with |S| <= K.
 * With S fixed the problem is an LP in w_i ∈ [m, M] (i ∈ S). Substituting
 * v_i = w_i − m it is max Σ s_i v_i over 0 <= v_i <= M − m,
 * Σ_S v_i <= 1 − |S| m and Σ_{S∩g} v_i <= cap_g − |S∩g| m for each sector
 * g (S infeasible when a right-hand side is negative). The sectors are
 * disjoint, so the constraint sets form a laminar family and the feasible
 * region is a polymatroid; for a linear objective with non-negative weights
 * (s_i > 0) the greedy algorithm — fill names in decreasing score, each as
 * far as its bound and every remaining capacity allow — is optimal
 * (Edmonds 1970). Without sectors this is the fractional knapsack. The
 * greedy is cross-checked against GLPK's simplex on some instances, and
 * instances with a turnover limit (not a polymatroid) use that exact LP per
 * subset instead (n <= 8).
 */
#include <glpk.h>

#include "folio/allocator.h"
#include "testlib.h"

#define NMAX 12

typedef struct inst {
  int n;
  char names[NMAX][16];
  const char *sym[NMAX];
  const char *sec[NMAX];
  double score[NMAX], price[NMAX];
  double maxw, minw;
  long k;
  int n_caps;
  const char *cap_names[3];
  double caps[3];
  int cap_of[NMAX]; /* index into caps, or -1 */
  int n_cur;
  const char *cur_sym[NMAX + 2];
  double cur_w[NMAX + 2];
  double c[NMAX];    /* current weight of candidate i */
  double outside;    /* Σ |c| of holdings that are not candidates */
  double turnover;   /* INFINITY: none */
  double capital;
  int fractional;
} inst;

static const char *sector_names[3] = {"tech", "fin", "energy"};

/* Greedy optimum for subset mask (-1 when infeasible). */
static double greedy(const inst *in, unsigned mask) {
  int cnt = 0, gcnt[3] = {0, 0, 0};
  for (int i = 0; i < in->n; i++)
    if (mask >> i & 1) {
      cnt++;
      if (in->cap_of[i] >= 0) gcnt[in->cap_of[i]]++;
    }
  double rem = 1.0 - cnt * in->minw, grem[3];
  if (rem < -1e-12) return -1.0;
  for (int g = 0; g < in->n_caps; g++) {
    grem[g] = in->caps[g] - gcnt[g] * in->minw;
    if (grem[g] < -1e-12) return -1.0;
  }
  double obj = 0.0;
  unsigned left = mask;
  while (left) {
    int best = -1;
    for (int i = 0; i < in->n; i++)
      if ((left >> i & 1) && (best < 0 || in->score[i] > in->score[best])) best = i;
    left &= ~(1u << best);
    double v = fmin(in->maxw - in->minw, fmax(rem, 0.0));
    int g = in->cap_of[best];
    if (g >= 0) v = fmin(v, fmax(grem[g], 0.0));
    rem -= v;
    if (g >= 0) grem[g] -= v;
    obj += in->score[best] * (in->minw + v);
  }
  return obj;
}

/* The same LP solved exactly by GLPK's simplex, with the turnover row when
 * in->turnover is finite (d_i >= |w_i - c_i|). -1 when infeasible. */
static double lp_exact(const inst *in, unsigned mask) {
  int cols[NMAX], cnt = 0;
  double sold = in->outside;
  for (int i = 0; i < in->n; i++) {
    if (mask >> i & 1) cols[cnt++] = i;
    else sold += fabs(in->c[i]);
  }
  if (cnt == 0) return (isinf(in->turnover) || sold <= in->turnover + 1e-12) ? 0.0 : -1.0;
  int tv = !isinf(in->turnover);
  glp_prob *lp = glp_create_prob();
  glp_set_obj_dir(lp, GLP_MAX);
  glp_add_cols(lp, tv ? 2 * cnt : cnt);
  for (int a = 0; a < cnt; a++) {
    int i = cols[a];
    if (in->minw < in->maxw) glp_set_col_bnds(lp, a + 1, GLP_DB, in->minw, in->maxw);
    else glp_set_col_bnds(lp, a + 1, GLP_FX, in->minw, in->minw);
    glp_set_obj_coef(lp, a + 1, in->score[i]);
    if (tv) glp_set_col_bnds(lp, cnt + a + 1, GLP_LO, 0.0, 0.0);
  }
  int ia[200], ja[200], ne = 0, row = 0;
  double ar[200];
  glp_add_rows(lp, 1);
  glp_set_row_bnds(lp, ++row, GLP_UP, 0.0, 1.0);
  for (int a = 0; a < cnt; a++) { ne++; ia[ne] = row; ja[ne] = a + 1; ar[ne] = 1.0; }
  for (int g = 0; g < in->n_caps; g++) {
    glp_add_rows(lp, 1);
    glp_set_row_bnds(lp, ++row, GLP_UP, 0.0, in->caps[g]);
    for (int a = 0; a < cnt; a++)
      if (in->cap_of[cols[a]] == g) { ne++; ia[ne] = row; ja[ne] = a + 1; ar[ne] = 1.0; }
  }
  if (tv) {
    for (int a = 0; a < cnt; a++) {
      double c = in->c[cols[a]];
      glp_add_rows(lp, 2);
      glp_set_row_bnds(lp, ++row, GLP_UP, 0.0, c); /* w - d <= c */
      ne++; ia[ne] = row; ja[ne] = a + 1; ar[ne] = 1.0;
      ne++; ia[ne] = row; ja[ne] = cnt + a + 1; ar[ne] = -1.0;
      glp_set_row_bnds(lp, ++row, GLP_LO, c, 0.0); /* w + d >= c */
      ne++; ia[ne] = row; ja[ne] = a + 1; ar[ne] = 1.0;
      ne++; ia[ne] = row; ja[ne] = cnt + a + 1; ar[ne] = 1.0;
    }
    glp_add_rows(lp, 1);
    glp_set_row_bnds(lp, ++row, GLP_UP, 0.0, in->turnover - sold);
    for (int a = 0; a < cnt; a++) { ne++; ia[ne] = row; ja[ne] = cnt + a + 1; ar[ne] = 1.0; }
  }
  glp_load_matrix(lp, ne, ia, ja, ar);
  glp_smcp parm;
  glp_init_smcp(&parm);
  parm.msg_lev = GLP_MSG_OFF;
  parm.presolve = GLP_ON;
  int ret = glp_simplex(lp, &parm);
  double obj = -1.0;
  if (ret == 0 && glp_get_status(lp) == GLP_OPT) obj = glp_get_obj_val(lp);
  glp_delete_prob(lp);
  return obj;
}

static void make_instance(tl_rng *r, inst *in, int with_turnover) {
  memset(in, 0, sizeof *in);
  in->n = 1 + (int)tl_index(r, with_turnover ? 8 : NMAX);
  int ties = tl_index(r, 5) == 0;
  for (int i = 0; i < in->n; i++) {
    snprintf(in->names[i], sizeof in->names[i], "N%02d", i);
    in->sym[i] = in->names[i];
    double s = tl_normal(r) + 0.4;
    if (ties) s = round(s * 4) / 4; /* equal scores exercise tie-breaking */
    in->score[i] = s;
    in->price[i] = tl_index(r, 4) == 0 ? 1000 + 4000 * tl_uniform(r) : 1 + 300 * tl_uniform(r);
    in->cap_of[i] = -1;
  }
  in->maxw = 0.05 + 0.95 * tl_uniform(r);
  if (tl_index(r, 4) == 0) in->maxw = 1.0;
  switch (tl_index(r, 3)) {
  case 0: in->minw = 0.0; break;
  case 1: in->minw = in->maxw * tl_uniform(r); break;
  default: in->minw = in->maxw * 0.5 * tl_uniform(r); break;
  }
  if (tl_index(r, 10) == 0) in->minw = in->maxw; /* fixed-size positions */
  in->k = (long)tl_index(r, (size_t)in->n + 2);
  if (tl_index(r, 2) == 0) {
    in->n_caps = 1 + (int)tl_index(r, 3);
    for (int g = 0; g < in->n_caps; g++) {
      in->cap_names[g] = sector_names[g];
      in->caps[g] = tl_index(r, 6) == 0 ? 0.0 : 0.6 * tl_uniform(r);
    }
    for (int i = 0; i < in->n; i++) {
      int g = (int)tl_index(r, 4); /* 3: a sector without a cap */
      in->sec[i] = g < 3 ? sector_names[g] : "other";
      in->cap_of[i] = g < in->n_caps ? g : -1;
    }
    /* every capped sector must have a candidate (else ENOTFOUND): candidate g is in sector g */
    if (in->n_caps > in->n) in->n_caps = in->n;
    for (int g = 0; g < in->n_caps; g++) in->sec[g] = sector_names[g];
    for (int i = 0; i < in->n; i++) {
      in->cap_of[i] = -1;
      for (int g = 0; g < in->n_caps; g++)
        if (strcmp(in->sec[i], sector_names[g]) == 0) in->cap_of[i] = g;
    }
  }
  in->turnover = INFINITY;
  if (with_turnover) {
    for (int i = 0; i < in->n; i++)
      if (tl_index(r, 2) == 0) {
        in->c[i] = 0.3 * tl_uniform(r);
        if (tl_index(r, 6) == 0) in->c[i] = -in->c[i]; /* a short to cover */
        if (tl_index(r, 6) == 0) in->c[i] = in->minw * tl_uniform(r); /* held below the floor */
        in->cur_sym[in->n_cur] = in->sym[i];
        in->cur_w[in->n_cur++] = in->c[i];
      }
    if (tl_index(r, 2) == 0) {
      in->cur_sym[in->n_cur] = "ZZZ_OLD";
      in->outside = 0.1 * tl_uniform(r);
      in->cur_w[in->n_cur++] = in->outside;
    }
    in->turnover = 2.0 * tl_uniform(r);
  }
  in->capital = tl_index(r, 3) == 0 ? 1000 + 10000 * tl_uniform(r) : 1e4 + 1e7 * tl_uniform(r);
  in->capital = round(in->capital * 100) / 100 + (tl_index(r, 5) == 0 ? 0.003 : 0.0);
  in->fractional = tl_index(r, 4) == 0;
}

static int brute_force(const inst *in, double *best, int use_lp) {
  int feasible = 0;
  *best = -1.0;
  for (unsigned mask = 0; mask < (1u << in->n); mask++) {
    int cnt = 0, ok = 1;
    for (int i = 0; i < in->n; i++)
      if (mask >> i & 1) {
        cnt++;
        if (in->score[i] <= 0.0) ok = 0; /* dropped names are never held */
      }
    if (!ok || cnt > in->k) continue;
    double v = use_lp ? lp_exact(in, mask) : greedy(in, mask);
    if (v < 0.0) continue;
    feasible = 1;
    if (v > *best) *best = v;
  }
  return feasible;
}

static void check_instance(const inst *in, int with_turnover, int cross_check, int *n_infeasible) {
  folio_allocator_opts o = folio_allocator_defaults();
  o.capital = in->capital;
  o.max_weight = in->maxw;
  o.min_weight = in->minw;
  o.max_positions = in->k;
  o.fractional = in->fractional;
  if (in->n_caps) {
    o.sectors = in->sec;
    o.n_sector_caps = (size_t)in->n_caps;
    o.cap_sectors = in->cap_names;
    o.sector_caps = in->caps;
  }
  if (with_turnover) {
    o.n_current = (size_t)in->n_cur;
    o.current_symbols = in->cur_sym;
    o.current_weights = in->cur_w;
    o.max_turnover = in->turnover;
  }
  folio_allocation out[NMAX];
  size_t n_out = 0;
  folio_allocator_info info;
  folio_error err;
  folio_status st =
      folio_allocator_allocate((size_t)in->n, in->sym, in->score, in->price, &o, out, &n_out, &info, &err);
  double best;
  int feasible = brute_force(in, &best, with_turnover);
  if (!feasible) {
    (*n_infeasible)++;
    CHECK_MSG(st == FOLIO_EINVAL && strstr(err.message, "infeasible"), "st %d: %s", st, err.message);
    return;
  }
  CHECK_MSG(st == FOLIO_OK, "st %d: %s", st, err.message);
  if (st != FOLIO_OK) return;
  CHECK_MSG(fabs(info.objective - best) <= 1e-9 * fmax(1.0, fabs(best)), "mip %.17g brute %.17g (n %d k %ld)",
            info.objective, best, in->n, in->k);
  if (cross_check && !with_turnover) {
    double lp_best;
    brute_force(in, &lp_best, 1);
    CHECK_NEAR(lp_best, best, 1e-9);
  }
  /* invariants */
  CHECK((long)n_out <= in->k);
  double sum = 0.0, gsum[3] = {0, 0, 0}, spent = 0.0, obj = 0.0, turn = in->outside;
  int used[NMAX] = {0};
  for (size_t a = 0; a < n_out; a++) {
    if (a) CHECK(strcmp(out[a - 1].symbol, out[a].symbol) < 0);
    int i = -1;
    for (int q = 0; q < in->n; q++)
      if (strcmp(in->sym[q], out[a].symbol) == 0) i = q;
    if (!CHECK(i >= 0)) continue;
    used[i] = 1;
    double w = out[a].weight;
    CHECK(in->score[i] > 0.0);
    CHECK_MSG(w >= in->minw - 1e-9 && w <= in->maxw + 1e-9 && w > 0.0, "w %.17g in [%g, %g]", w,
              in->minw, in->maxw);
    sum += w;
    if (in->cap_of[i] >= 0) gsum[in->cap_of[i]] += w;
    obj += in->score[i] * w;
    turn += fabs(w - in->c[i]);
    CHECK(out[a].dollars <= w * in->capital + 1e-6);
    CHECK(out[a].dollars >= 0.0 && fabs(out[a].dollars * 100 - round(out[a].dollars * 100)) < 1e-6);
    CHECK(out[a].shares >= 0.0 && out[a].shares * in->price[i] <= out[a].dollars);
    if (!in->fractional) CHECK(out[a].shares == floor(out[a].shares));
    spent += out[a].shares * in->price[i];
  }
  for (int i = 0; i < in->n; i++)
    if (!used[i]) turn += fabs(in->c[i]);
  CHECK(sum <= 1.0 + 1e-9);
  for (int g = 0; g < in->n_caps; g++) CHECK_MSG(gsum[g] <= in->caps[g] + 1e-9, "sector %d", g);
  if (with_turnover) CHECK_MSG(turn <= in->turnover + 1e-9, "turnover %g > %g", turn, in->turnover);
  CHECK_MSG(spent <= in->capital, "spent %.17g > capital %.17g", spent, in->capital);
  CHECK_NEAR(info.spent, spent, 1e-6);
  CHECK_NEAR(obj, info.objective, 1e-12);
}

int main(void) {
  tl_rng r = {20240611};
  inst in;
  int n_infeasible = 0;
  for (int t = 0; t < 1200; t++) {
    make_instance(&r, &in, 0);
    check_instance(&in, 0, t < 60, &n_infeasible);
  }
  for (int t = 0; t < 600; t++) {
    make_instance(&r, &in, 1);
    check_instance(&in, 1, 0, &n_infeasible);
  }
  printf("prop_allocator: %d infeasible instances (checked as errors)\n", n_infeasible);
  return tl_finish("prop_allocator");
}
