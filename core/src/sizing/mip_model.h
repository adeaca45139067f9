/*
 * mip_model.h — a small builder of mixed-integer linear programs for GLPK
 * (internal to the sizing stage; not installed, not API).
 *
 * Columns, rows and (row, column, value) triplets are appended one by one,
 * so that every constraint family of a model is added the same way, then the
 * model is handed to GLPK in one go and its answer checked against the model
 * as built. GLPK's error handler prints and aborts: callers validate every
 * number before it reaches the builder (no NaN, lb <= ub, each (row, column)
 * pair at most once). GLPK is configured only per call (messages off, time
 * limit, gap); nothing process-global is touched.
 */
#ifndef FOLIO_MIP_MODEL_H
#define FOLIO_MIP_MODEL_H

#include <glpk.h> /* GLP_CV, GLP_BV: the column kinds */

#include "folio/cancel.h"
#include "folio/status.h"

/* A MIP under construction. Indices are 1-based as in GLPK; triplet 0 is
 * unused (glp_load_matrix reads ia[1..ne]). Each (row, col) pair is added
 * at most once (glp_load_matrix aborts on duplicates). */
typedef struct folio_i_mip {
  int n_cols, n_rows, n_nz;
  int cap_cols, cap_rows, cap_nz;
  int *col_kind;
  double *col_lb, *col_ub, *col_obj;
  double *row_lb, *row_ub;
  int *ia, *ja;
  double *ar;
  int oom;
  /* 0 (default, a zeroed model): GLPK's time limit without a proven optimum
   * is an error. 1: return GLPK's best feasible solution then, with
   * *within_gap = 2 (the caller says so in its result). */
  int keep_feasible;
} folio_i_mip;

/* Frees the model's arrays and zeroes it (a zeroed model is empty). */
void folio_i_mip_free(folio_i_mip *m);

/* Adds a column (GLP_CV or GLP_BV) with bounds [lb, ub] and objective
 * coefficient obj; returns its index, or 0 (m->oom set) when out of memory. */
int folio_i_mip_col(folio_i_mip *m, int kind, double lb, double ub, double obj);

/* Adds a row lb <= a'x <= ub (-INFINITY / INFINITY: no bound on that side);
 * returns its index or 0 when out of memory. */
int folio_i_mip_row(folio_i_mip *m, double lb, double ub);

/* Sets coefficient v at (row, col); ignored after an earlier failure. */
void folio_i_mip_nz(folio_i_mip *m, int row, int col, double v);

/* Solves m (maximisation) with GLPK's presolver first, then checks the
 * answer against every row, bound and integrality of the model as built; a
 * violation over 1e-9 means a second solve without the presolver, whose
 * answer must hold within 1e-7. x receives x[1..n_cols]; act is scratch of
 * n_rows + 1; *within_gap is 1 when GLPK stopped at mip_gap (2: at the time
 * limit with a feasible solution, only when m->keep_feasible); *seconds is the
 * time spent. Messages start with "<who>: ". cancel (may be NULL) is polled
 * from GLPK's branch-and-bound callback at every call (glp_ios_terminate).
 * Errors: FOLIO_EINVAL (infeasible, time limit without a proven optimum,
 * GLPK failure), FOLIO_ENOMEM, FOLIO_ECANCELED. */
folio_status folio_i_mip_solve(const folio_i_mip *m, const char *who, double time_limit,
                               double mip_gap, const folio_cancel *cancel, double *x, double *act,
                               int *within_gap, double *seconds, folio_error *err);

#endif
