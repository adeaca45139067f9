/*
 * mip_model.c — the MIP builder of mip_model.h and its GLPK driver: growing
 * arrays of columns, rows and triplets; one GLPK run (singleton rows folded
 * into column bounds, so the presolver never sees one); and the solve that
 * checks GLPK's answer against the model and retries without the presolver
 * when it does not hold.
 */
#include <glpk.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "internal.h"
#include "mip_model.h"

void folio_i_mip_free(folio_i_mip *m) {
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
  *cap = nc;
  return 1;
}

/* Grows the k parallel arrays *p[i] (elements of elem[i] bytes), which share
 * the capacity *cap, to hold index `need` (mm_grow on each, from the same
 * *cap); stores the capacity on success, sets m->oom and returns 0 on failure. */
static int mm_grow_all(folio_i_mip *m, void **const *p, const size_t *elem, int k, int *cap,
                       int need) {
  int ok = 1, c = *cap;
  for (int i = 0; i < k && ok; i++) {
    c = *cap;
    ok = mm_grow(p[i], &c, need, elem[i]);
  }
  if (!ok) {
    m->oom = 1;
    return 0;
  }
  *cap = c;
  return 1;
}

/* Adds a column (GLP_CV or GLP_BV) with bounds [lb, ub] and objective
 * coefficient obj; returns its index, or 0 (m->oom set) when out of memory. */
int folio_i_mip_col(folio_i_mip *m, int kind, double lb, double ub, double obj) {
  int j = m->n_cols + 1;
  void **const arrays[] = {(void **)&m->col_kind, (void **)&m->col_lb, (void **)&m->col_ub,
                           (void **)&m->col_obj};
  static const size_t elems[] = {sizeof(int), sizeof(double), sizeof(double), sizeof(double)};
  if (!mm_grow_all(m, arrays, elems, 4, &m->cap_cols, j)) return 0;
  m->col_kind[j] = kind;
  m->col_lb[j] = lb;
  m->col_ub[j] = ub;
  m->col_obj[j] = obj;
  m->n_cols = j;
  return j;
}

/* Adds a row lb <= a'x <= ub (-INFINITY / INFINITY: no bound on that side);
 * returns its index or 0 when out of memory. */
int folio_i_mip_row(folio_i_mip *m, double lb, double ub) {
  int i = m->n_rows + 1;
  void **const arrays[] = {(void **)&m->row_lb, (void **)&m->row_ub};
  static const size_t elems[] = {sizeof(double), sizeof(double)};
  if (!mm_grow_all(m, arrays, elems, 2, &m->cap_rows, i)) return 0;
  m->row_lb[i] = lb;
  m->row_ub[i] = ub;
  m->n_rows = i;
  return i;
}

/* Sets coefficient v at (row, col); ignored after an earlier failure. */
void folio_i_mip_nz(folio_i_mip *m, int row, int col, double v) {
  if (m->oom || row == 0 || col == 0) {
    m->oom = 1;
    return;
  }
  int k = m->n_nz + 1;
  void **const arrays[] = {(void **)&m->ia, (void **)&m->ja, (void **)&m->ar};
  static const size_t elems[] = {sizeof(int), sizeof(int), sizeof(double)};
  if (!mm_grow_all(m, arrays, elems, 3, &m->cap_nz, k)) return;
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
static double mm_violation(const folio_i_mip *m, const double *x, double *act) {
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
/* The branch-and-bound callback's state: the caller's cancel and the nodes seen. */
typedef struct mm_cancel {
  folio_i_meter meter;
  long nodes;
  int stopped;
} mm_cancel;

/* GLPK calls this at every stage of every node: poll, and stop the search
 * when the caller says so (GLPK then returns GLP_ESTOP). */
static void mm_callback(glp_tree *tree, void *info) {
  mm_cancel *c = info;
  if (glp_ios_reason(tree) == GLP_ISELECT) c->nodes++;
  if (!c->stopped && folio_i_cancel_now(&c->meter)) {
    c->stopped = 1;
    glp_ios_terminate(tree);
  }
}

static folio_status mm_run(const folio_i_mip *m, const char *who, int presolve, double time_limit,
                           double mip_gap, const folio_cancel *cancel, double *x, int *within_gap,
                           folio_error *err) {
  size_t nr = (size_t)m->n_rows + 1, nc = (size_t)m->n_cols + 1, nz = (size_t)m->n_nz + 1;
  int *row_map = malloc(nr * sizeof(int)), *ia = malloc(nz * sizeof(int)), *ja = malloc(nz * sizeof(int));
  double *lb = malloc(nc * sizeof(double)), *ub = malloc(nc * sizeof(double)), *ar = malloc(nz * sizeof(double));
  folio_status st = FOLIO_OK;
  glp_prob *lp = NULL;
  if (!row_map || !ia || !ja || !lb || !ub || !ar) {
    st = folio_error_set(err, FOLIO_ENOMEM, "%s: out of memory", who);
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
        st = folio_error_set(err, FOLIO_EINVAL, "%s: the MIP is infeasible (an empty row)", who);
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
        st = folio_error_set(err, FOLIO_EINVAL, "%s: the MIP is infeasible (an empty row)", who);
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
      st = folio_error_set(err, FOLIO_EINVAL, "%s: the MIP is infeasible (a column's bounds cross)", who);
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
                           "%s: the MIP is infeasible (its LP relaxation is: GLP_NOFEAS)", who);
      goto out;
    }
    if (ret != 0 || lst != GLP_OPT) {
      st = folio_error_set(err, FOLIO_EINVAL, "%s: the root LP failed: %s", who,
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
  mm_cancel cc = {folio_i_meter_of(cancel), 0, 0};
  if (cancel) {
    parm.cb_func = mm_callback;
    parm.cb_info = &cc;
  }
  int ret = glp_intopt(lp, &parm);
  int mst = glp_mip_status(lp);
  if (cc.stopped) {
    st = folio_error_set(err, FOLIO_ECANCELED, "%s: cancelled in GLPK's branch and bound (node %ld)",
                         who, cc.nodes);
  } else if (ret == GLP_ETMLIM && mst == GLP_FEAS && m->keep_feasible) {
    for (int j = 1; j <= m->n_cols; j++) x[j] = glp_mip_col_val(lp, j);
    *within_gap = 2; /* the best GLPK found, not proven optimal: the caller asked for it */
  } else if (ret != 0 && !(ret == GLP_EMIPGAP && mst == GLP_FEAS)) {
    if (ret == GLP_ETMLIM)
      st = folio_error_set(err, FOLIO_EINVAL,
                           "%s: GLPK %s after %g s without a proven optimum (solution status %s); "
                           "raise time_limit or mip_gap", who, glp_ret_name(ret), time_limit,
                           glp_mip_status_name(mst));
    else
      st = folio_error_set(err, FOLIO_EINVAL, "%s: the MIP is %s", who, glp_ret_name(ret));
  } else if (ret == 0 && mst != GLP_OPT) {
    st = folio_error_set(err, FOLIO_EINVAL, "%s: the MIP is %s", who, glp_mip_status_name(mst));
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
folio_status folio_i_mip_solve(const folio_i_mip *m, const char *who, double time_limit,
                               double mip_gap, const folio_cancel *cancel, double *x, double *act,
                               int *within_gap, double *seconds, folio_error *err) {
  double t0 = now_seconds();
  folio_status st = mm_run(m, who, 1, time_limit, mip_gap, cancel, x, within_gap, err);
  if (st == FOLIO_OK && mm_violation(m, x, act) > 1e-9) {
    double left = time_limit - (now_seconds() - t0);
    folio_i_meter meter = folio_i_meter_of(cancel);
    if (folio_i_cancel_now(&meter)) {
      *seconds = now_seconds() - t0;
      return folio_error_set(err, FOLIO_ECANCELED, "%s: cancelled before the second GLPK solve", who);
    }
    st = mm_run(m, who, 0, left > 0.01 ? left : 0.01, mip_gap, cancel, x, within_gap, err);
    if (st == FOLIO_OK && mm_violation(m, x, act) > 1e-7)
      st = folio_error_set(err, FOLIO_EINVAL, "%s: GLPK's answer violates the model by %g", who,
                           mm_violation(m, x, act));
  }
  *seconds = now_seconds() - t0;
  return st;
}
