/*
 * allocator.c — the cardinality-constrained MIP allocator of allocator.h.
 *
 * The work is in three steps. (1) Validate everything and put the
 * candidates in symbol order: GLPK's error handler prints and aborts, so no
 * value it could reject (NaN, bad bounds, duplicate matrix entries) may
 * reach it. (2) Build the model with a tiny builder (mip_model: columns,
 * rows, triplets) so that every constraint family — the base model, sector
 * caps, turnover — is added the same way, then hand it to glp_intopt in one
 * go. (3) Clean the solution (snap to bounds within 1e-9), round money by
 * the rules of money.h and report.
 *
 * GLPK is configured only through the per-call glp_iocp (messages off, time
 * limit, gap); nothing process-global (glp_term_out, hooks) is touched.
 */
#include <glpk.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "folio/allocator.h"
#include "folio/money.h"
#include "folio/panel.h"
#include "internal.h"

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

/* ==== the model builder =================================================== */

/* A MIP under construction. Indices are 1-based as in GLPK; triplet 0 is
 * unused (glp_load_matrix reads ia[1..ne]). Each (row, col) pair is added
 * at most once (glp_load_matrix aborts on duplicates). */
typedef struct mip_model {
  int n_cols, n_rows, n_nz;
  int cap_cols, cap_rows, cap_nz;
  int *col_kind;
  double *col_lb, *col_ub, *col_obj;
  double *row_lb, *row_ub;
  int *ia, *ja;
  double *ar;
  int oom;
} mip_model;

static void mm_free(mip_model *m) {
  free(m->col_kind);
  free(m->col_lb);
  free(m->col_ub);
  free(m->col_obj);
  free(m->row_lb);
  free(m->row_ub);
  free(m->ia);
  free(m->ja);
  free(m->ar);
  memset(m, 0, sizeof *m);
}

/* Grows *p (elements of `elem` bytes) to hold index `need`; 0 on failure. */
static int mm_grow(void **p, int *cap, int need, size_t elem) {
  if (need < *cap) return 1;
  int nc = *cap ? *cap : 16;
  while (nc <= need) {
    if (nc > INT_MAX / 2) return 0;
    nc *= 2;
  }
  void *q = realloc(*p, (size_t)nc * elem);
  if (!q) return 0;
  *p = q;
  return 1;
}

/* Adds a column (GLP_CV or GLP_BV) with bounds [lb, ub] and objective
 * coefficient obj; returns its index, or 0 (m->oom set) when out of memory. */
static int mm_col(mip_model *m, int kind, double lb, double ub, double obj) {
  int j = m->n_cols + 1, cap = m->cap_cols;
  int ok = mm_grow((void **)&m->col_kind, &cap, j, sizeof(int));
  cap = m->cap_cols;
  ok = ok && mm_grow((void **)&m->col_lb, &cap, j, sizeof(double));
  cap = m->cap_cols;
  ok = ok && mm_grow((void **)&m->col_ub, &cap, j, sizeof(double));
  cap = m->cap_cols;
  ok = ok && mm_grow((void **)&m->col_obj, &cap, j, sizeof(double));
  if (!ok) {
    m->oom = 1;
    return 0;
  }
  m->cap_cols = cap;
  m->col_kind[j] = kind;
  m->col_lb[j] = lb;
  m->col_ub[j] = ub;
  m->col_obj[j] = obj;
  m->n_cols = j;
  return j;
}

/* Adds a row lb <= a'x <= ub (-INFINITY / INFINITY: no bound on that side);
 * returns its index or 0 when out of memory. */
static int mm_row(mip_model *m, double lb, double ub) {
  int i = m->n_rows + 1, cap = m->cap_rows;
  int ok = mm_grow((void **)&m->row_lb, &cap, i, sizeof(double));
  cap = m->cap_rows;
  ok = ok && mm_grow((void **)&m->row_ub, &cap, i, sizeof(double));
  if (!ok) {
    m->oom = 1;
    return 0;
  }
  m->cap_rows = cap;
  m->row_lb[i] = lb;
  m->row_ub[i] = ub;
  m->n_rows = i;
  return i;
}

/* Sets coefficient v at (row, col); ignored after an earlier failure. */
static void mm_nz(mip_model *m, int row, int col, double v) {
  if (m->oom || row == 0 || col == 0) {
    m->oom = 1;
    return;
  }
  int k = m->n_nz + 1, cap = m->cap_nz;
  int ok = mm_grow((void **)&m->ia, &cap, k, sizeof(int));
  cap = m->cap_nz;
  ok = ok && mm_grow((void **)&m->ja, &cap, k, sizeof(int));
  cap = m->cap_nz;
  ok = ok && mm_grow((void **)&m->ar, &cap, k, sizeof(double));
  if (!ok) {
    m->oom = 1;
    return;
  }
  m->cap_nz = cap;
  m->ia[k] = row;
  m->ja[k] = col;
  m->ar[k] = v;
  m->n_nz = k;
}

/* GLPK's bound type for [lb, ub]. */
static int glp_bound_type(double lb, double ub) {
  if (isinf(lb) && isinf(ub)) return GLP_FR;
  if (isinf(lb)) return GLP_UP;
  if (isinf(ub)) return GLP_LO;
  if (lb == ub) return GLP_FX;
  return GLP_DB;
}

static const char *glp_ret_name(int ret) {
  switch (ret) {
  case GLP_EBOUND: return "invalid bounds (GLP_EBOUND)";
  case GLP_EROOT: return "no root LP optimum (GLP_EROOT)";
  case GLP_ENOPFS: return "infeasible: no primal feasible solution (GLP_ENOPFS)";
  case GLP_ENODFS: return "unbounded: no dual feasible solution (GLP_ENODFS)";
  case GLP_EFAIL: return "solver failed (GLP_EFAIL)";
  case GLP_EMIPGAP: return "MIP gap reached (GLP_EMIPGAP)";
  case GLP_ETMLIM: return "time limit reached (GLP_ETMLIM)";
  case GLP_ESTOP: return "stopped (GLP_ESTOP)";
  default: return "unknown GLPK error";
  }
}

static const char *glp_mip_status_name(int st) {
  switch (st) {
  case GLP_UNDEF: return "undefined (GLP_UNDEF)";
  case GLP_OPT: return "optimal (GLP_OPT)";
  case GLP_FEAS: return "feasible but not proven optimal (GLP_FEAS)";
  case GLP_NOFEAS: return "infeasible (GLP_NOFEAS)";
  default: return "unknown";
  }
}

static double now_seconds(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Largest violation by x (x[1..n_cols]) of m's rows, column bounds and integrality. */
static double mm_violation(const mip_model *m, const double *x, double *act) {
  double v = 0.0;
  for (int i = 1; i <= m->n_rows; i++) act[i] = 0.0;
  for (int k = 1; k <= m->n_nz; k++) act[m->ia[k]] += m->ar[k] * x[m->ja[k]];
  for (int i = 1; i <= m->n_rows; i++) {
    v = fmax(v, m->row_lb[i] - act[i]);
    v = fmax(v, act[i] - m->row_ub[i]);
  }
  for (int j = 1; j <= m->n_cols; j++) {
    v = fmax(v, m->col_lb[j] - x[j]);
    v = fmax(v, x[j] - m->col_ub[j]);
    if (m->col_kind[j] != GLP_CV) v = fmax(v, fabs(x[j] - nearbyint(x[j])));
  }
  return isnan(v) ? INFINITY : v;
}

/* One GLPK run on m (maximisation): x receives x[1..n_cols]. Rows with a
 * single entry become column bounds here (and rows with none are checked),
 * so GLPK never sees a singleton row: its presolver (NPP) drops one whose
 * implied bound is within 1e-3 of the column's bound without tightening the
 * bound, which let a solution break "w_1 <= 0.4344" with w_1 = 0.4347
 * (found by prop_allocator). With presolve, glp_intopt runs NPP and the
 * root LP itself; without, glp_simplex solves the root LP first. The
 * problem is deleted on every path. */
static folio_status mm_run(const mip_model *m, int presolve, double time_limit, double mip_gap,
                           double *x, int *within_gap, folio_error *err) {
  size_t nr = (size_t)m->n_rows + 1, nc = (size_t)m->n_cols + 1, nz = (size_t)m->n_nz + 1;
  int *row_map = malloc(nr * sizeof(int)), *ia = malloc(nz * sizeof(int)), *ja = malloc(nz * sizeof(int));
  double *lb = malloc(nc * sizeof(double)), *ub = malloc(nc * sizeof(double)), *ar = malloc(nz * sizeof(double));
  folio_status st = FOLIO_OK;
  glp_prob *lp = NULL;
  if (!row_map || !ia || !ja || !lb || !ub || !ar) {
    st = folio_error_set(err, FOLIO_ENOMEM, "%s: out of memory", WHO);
    goto out;
  }
  for (int j = 1; j <= m->n_cols; j++) {
    lb[j] = m->col_lb[j];
    ub[j] = m->col_ub[j];
  }
  for (int i = 1; i <= m->n_rows; i++) row_map[i] = 0;
  for (int k = 1; k <= m->n_nz; k++) row_map[m->ia[k]]++;
  int n_rows = 0;
  for (int i = 1; i <= m->n_rows; i++) {
    if (row_map[i] >= 2) {
      row_map[i] = ++n_rows;
    } else if (row_map[i] == 0) {
      if (m->row_lb[i] > 0.0 || m->row_ub[i] < 0.0) {
        st = folio_error_set(err, FOLIO_EINVAL, "%s: the MIP is infeasible (an empty row)", WHO);
        goto out;
      }
    } else {
      row_map[i] = -1; /* a singleton: folded into its column's bounds */
    }
  }
  int ne = 0;
  for (int k = 1; k <= m->n_nz; k++) {
    int i = m->ia[k], j = m->ja[k];
    double a = m->ar[k];
    if (row_map[i] > 0) {
      ne++;
      ia[ne] = row_map[i];
      ja[ne] = j;
      ar[ne] = a;
      continue;
    }
    if (a == 0.0) { /* a zero entry: the row is 0 in [lb, ub] */
      if (m->row_lb[i] > 0.0 || m->row_ub[i] < 0.0) {
        st = folio_error_set(err, FOLIO_EINVAL, "%s: the MIP is infeasible (an empty row)", WHO);
        goto out;
      }
      continue;
    }
    double lo = m->row_lb[i] / a, hi = m->row_ub[i] / a;
    if (a < 0.0) {
      double t = lo;
      lo = hi;
      hi = t;
    }
    if (lo > lb[j]) lb[j] = lo;
    if (hi < ub[j]) ub[j] = hi;
  }
  for (int j = 1; j <= m->n_cols; j++) {
    if (m->col_kind[j] != GLP_CV) {
      lb[j] = ceil(lb[j] - 1e-9);
      ub[j] = floor(ub[j] + 1e-9);
    }
    if (lb[j] > ub[j] + 1e-12) {
      st = folio_error_set(err, FOLIO_EINVAL, "%s: the MIP is infeasible (a column's bounds cross)", WHO);
      goto out;
    }
    if (lb[j] > ub[j]) ub[j] = lb[j];
  }

  lp = glp_create_prob();
  glp_set_obj_dir(lp, GLP_MAX);
  if (n_rows) glp_add_rows(lp, n_rows); /* glp_add_rows(0) would reach glp_error */
  glp_add_cols(lp, m->n_cols);          /* callers never solve an empty model: n_cols >= 1 */
  for (int i = 1; i <= m->n_rows; i++)
    if (row_map[i] > 0)
      glp_set_row_bnds(lp, row_map[i], glp_bound_type(m->row_lb[i], m->row_ub[i]),
                       isinf(m->row_lb[i]) ? 0.0 : m->row_lb[i], isinf(m->row_ub[i]) ? 0.0 : m->row_ub[i]);
  for (int j = 1; j <= m->n_cols; j++) {
    glp_set_col_kind(lp, j, m->col_kind[j] == GLP_CV ? GLP_CV : GLP_IV);
    glp_set_col_bnds(lp, j, glp_bound_type(lb[j], ub[j]), isinf(lb[j]) ? 0.0 : lb[j],
                     isinf(ub[j]) ? 0.0 : ub[j]);
    glp_set_obj_coef(lp, j, m->col_obj[j]);
  }
  glp_load_matrix(lp, ne, ia, ja, ar);

  double t0 = now_seconds();
  if (!presolve) {
    glp_smcp sparm;
    glp_init_smcp(&sparm);
    sparm.msg_lev = GLP_MSG_OFF; /* per call; glp_term_out would be process-global */
    sparm.tm_lim = (int)ceil(time_limit * 1000.0);
    int ret = glp_simplex(lp, &sparm);
    int lst = glp_get_status(lp);
    if (ret == 0 && lst == GLP_NOFEAS) {
      st = folio_error_set(err, FOLIO_EINVAL,
                           "%s: the MIP is infeasible (its LP relaxation is: GLP_NOFEAS)", WHO);
      goto out;
    }
    if (ret != 0 || lst != GLP_OPT) {
      st = folio_error_set(err, FOLIO_EINVAL, "%s: the root LP failed: %s", WHO,
                           ret ? glp_ret_name(ret) : "no optimum");
      goto out;
    }
  }
  glp_iocp parm;
  glp_init_iocp(&parm);
  parm.msg_lev = GLP_MSG_OFF;
  parm.presolve = presolve ? GLP_ON : GLP_OFF;
  double left = time_limit - (now_seconds() - t0);
  parm.tm_lim = (int)ceil((left > 0.001 ? left : 0.001) * 1000.0);
  parm.mip_gap = mip_gap;
  parm.mir_cuts = GLP_ON; /* mixed-integer rounding cuts tighten w <= M x rows */
  int ret = glp_intopt(lp, &parm);
  int mst = glp_mip_status(lp);
  if (ret != 0 && !(ret == GLP_EMIPGAP && mst == GLP_FEAS)) {
    if (ret == GLP_ETMLIM)
      st = folio_error_set(err, FOLIO_EINVAL,
                           "%s: GLPK %s after %g s without a proven optimum (solution status %s); "
                           "raise time_limit or mip_gap", WHO, glp_ret_name(ret), time_limit,
                           glp_mip_status_name(mst));
    else
      st = folio_error_set(err, FOLIO_EINVAL, "%s: the MIP is %s", WHO, glp_ret_name(ret));
  } else if (ret == 0 && mst != GLP_OPT) {
    st = folio_error_set(err, FOLIO_EINVAL, "%s: the MIP is %s", WHO, glp_mip_status_name(mst));
  } else {
    for (int j = 1; j <= m->n_cols; j++) x[j] = glp_mip_col_val(lp, j);
    *within_gap = ret == GLP_EMIPGAP;
  }
out:
  if (lp) glp_delete_prob(lp);
  free(row_map);
  free(ia);
  free(ja);
  free(lb);
  free(ub);
  free(ar);
  return st;
}

/* Solves m: GLPK with its presolver first (fast), then the answer is
 * checked against every row, bound and integrality of the model as built;
 * a violation over 1e-9 (NPP trouble) means a second solve without the
 * presolver, whose answer must hold within 1e-7 (GLPK's feasibility
 * tolerance). x receives x[1..n_cols]; act is scratch of n_rows + 1. */
static folio_status mm_solve(const mip_model *m, double time_limit, double mip_gap, double *x,
                             double *act, int *within_gap, double *seconds, folio_error *err) {
  double t0 = now_seconds();
  folio_status st = mm_run(m, 1, time_limit, mip_gap, x, within_gap, err);
  if (st == FOLIO_OK && mm_violation(m, x, act) > 1e-9) {
    double left = time_limit - (now_seconds() - t0);
    st = mm_run(m, 0, left > 0.01 ? left : 0.01, mip_gap, x, within_gap, err);
    if (st == FOLIO_OK && mm_violation(m, x, act) > 1e-7)
      st = folio_error_set(err, FOLIO_EINVAL, "%s: GLPK's answer violates the model by %g", WHO,
                           mm_violation(m, x, act));
  }
  *seconds = now_seconds() - t0;
  return st;
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

static int cmp_str(const void *a, const void *b) {
  return strcmp(*(const char *const *)a, *(const char *const *)b);
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
  qsort(wk->names, n_names, sizeof *wk->names, cmp_str);
  size_t u = 0;
  for (size_t k = 0; k < n_names; k++)
    if (u == 0 || strcmp(wk->names[u - 1], wk->names[k]) != 0) wk->names[u++] = wk->names[k];
  n_names = u;
  for (size_t p = 0; o->sectors && p < n; p++) {
    const char *g = o->sectors[wk->cand[p].i];
    if (!g) continue;
    const char **hit = bsearch(&g, wk->names, n_names, sizeof *wk->names, cmp_str);
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
    const char **hit = bsearch(&g, wk->names, n_names, sizeof *wk->names, cmp_str);
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
  if (ar.overflow) return folio_error_set(err, FOLIO_EDIM, "%s: workspace size overflows", WHO);
  ar.base = malloc(ar.used);
  if (!ar.base) return folio_error_set(err, FOLIO_ENOMEM, "%s: out of memory", WHO);
  ar.used = 0;
  work_carve(&ar, n, o->n_current, &wk);
  mip_model m;
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
      wk.wcol[p] = mm_col(&m, GLP_CV, 0.0, o->max_weight, scores[wk.cand[p].i] / smax);
      wk.xcol[p] = mm_col(&m, GLP_BV, 0.0, 1.0, 0.0);
      int r_up = mm_row(&m, -INFINITY, 0.0); /* w_i - max_weight x_i <= 0 */
      mm_nz(&m, r_up, wk.wcol[p], 1.0);
      mm_nz(&m, r_up, wk.xcol[p], -o->max_weight);
      if (o->min_weight > 0.0) {
        int r_lo = mm_row(&m, 0.0, INFINITY); /* w_i - min_weight x_i >= 0 */
        mm_nz(&m, r_lo, wk.wcol[p], 1.0);
        mm_nz(&m, r_lo, wk.xcol[p], -o->min_weight);
      }
    }
    int r_budget = mm_row(&m, -INFINITY, 1.0); /* Σ w_i <= 1 */
    for (size_t p = 0; p < n; p++)
      if (wk.keep[p]) mm_nz(&m, r_budget, wk.wcol[p], 1.0);
    if ((unsigned long)o->max_positions < (unsigned long)n_cols) {
      int r_card = mm_row(&m, -INFINITY, (double)o->max_positions); /* Σ x_i <= K */
      for (size_t p = 0; p < n; p++)
        if (wk.keep[p]) mm_nz(&m, r_card, wk.xcol[p], 1.0);
    }
    /* ---- sector caps: Σ_{i in g} w_i <= cap_g ---- */
    for (size_t g = 0; o->sectors && g < n; g++) {
      if (isinf(wk.cap[g])) continue;
      int r_g = 0;
      for (size_t p = 0; p < n; p++) {
        if (!wk.keep[p] || wk.group[p] != g) continue;
        if (!r_g) r_g = mm_row(&m, -INFINITY, wk.cap[g]);
        mm_nz(&m, r_g, wk.wcol[p], 1.0);
      }
    }
    /* ---- turnover: Σ_{c_i = 0} w_i + Σ_{c_i != 0} d_i <= budget ---- */
    if (turnover) {
      for (size_t p = 0; p < n; p++) {
        if (!wk.keep[p] || wk.c[p] == 0.0) continue;
        double c = wk.c[p];
        wk.dcol[p] = mm_col(&m, GLP_CV, 0.0, INFINITY, 0.0);
        int r1 = mm_row(&m, -INFINITY, c); /* w_i - d_i <= c_i */
        mm_nz(&m, r1, wk.wcol[p], 1.0);
        mm_nz(&m, r1, wk.dcol[p], -1.0);
        int r2 = mm_row(&m, c, INFINITY); /* w_i + d_i >= c_i */
        mm_nz(&m, r2, wk.wcol[p], 1.0);
        mm_nz(&m, r2, wk.dcol[p], 1.0);
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
          int r3 = mm_row(&m, rhs, INFINITY); /* d_i - slope x_i >= rhs */
          mm_nz(&m, r3, wk.dcol[p], 1.0);
          if (slope != 0.0) mm_nz(&m, r3, wk.xcol[p], -slope);
        }
      }
      int r_t = mm_row(&m, -INFINITY, budget);
      for (size_t p = 0; p < n; p++) {
        if (!wk.keep[p]) continue;
        mm_nz(&m, r_t, wk.dcol[p] ? wk.dcol[p] : wk.wcol[p], 1.0);
      }
    }
    if (m.oom) {
      st = folio_error_set(err, FOLIO_ENOMEM, "%s: out of memory building the model", WHO);
      goto done;
    }
    st = mm_solve(&m, o->time_limit, o->mip_gap, wk.x, wk.act, &within_gap, &seconds, err);
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
  mm_free(&m);
  free(ar.base);
  return st;
}
