/*
 * qp.h — a general convex quadratic programme, solved exactly by a dual
 * active-set method (Goldfarb and Idnani, Math. Programming 27, 1983):
 *
 *   min  ½ x'Qx + c'x
 *   s.t. A_eq x  = b_eq        (n_eq general equalities)
 *        A_in x <= b_in        (n_ineq general inequalities)
 *        lower <= x <= upper   (bounds; ±INFINITY = none)
 *
 * Q is symmetric positive semidefinite (only its lower triangle is read).
 * The method starts from the unconstrained minimum and adds the most
 * violated constraint at a time, dropping an active one whose multiplier
 * would turn negative; every iterate is dual feasible, so it stops exactly
 * at the optimum with its active set and multipliers (the projections are
 * kept as J = L^-T Q_1 and the upper-triangular R, updated by Givens
 * rotations: O(n²) per change of the active set after one Cholesky). Bounds
 * are constraints like the others, with their sparse normals exploited.
 *
 * When Q is only semidefinite (a linear programme, split variables of an
 * L1 term) the Cholesky of Q fails (or leaves a pivot below 1e-10 max_i Q_ii:
 * numerically singular) and the solver runs proximal-point
 * outer iterations: x_{k+1} = argmin f(x) + ρ/2 |x − x_k|² with
 * ρ = max(1e-6 max_i Q_ii, 1e-4 max_i |c_i|, 1e-12), each solved exactly as above, until x stops
 * moving (info->prox_iterations). A Q with an eigenvalue below −ρ is
 * FOLIO_ENOTPD.
 *
 * Every answer is certified: the KKT residuals of the original problem are
 * computed from x and the multipliers and returned in info->kkt. Matrices
 * are column-major with explicit leading dimensions; all inputs are
 * borrowed, outputs go to caller-owned arrays and are written only on success.
 */
#ifndef FOLIO_QP_H
#define FOLIO_QP_H

#include <stddef.h>

#include "folio/cancel.h"
#include "folio/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The problem; every pointer is borrowed. */
typedef struct folio_qp_problem {
  size_t n_vars;
  const double *q;      /* n_vars x n_vars, lower triangle read; must not be NULL */
  size_t ld_q;          /* >= n_vars */
  const double *c;      /* n_vars, or NULL (= 0) */
  size_t n_eq;          /* rows of A_eq (0 = none) */
  const double *a_eq;   /* n_eq x n_vars, column-major, ld_a_eq >= n_eq */
  size_t ld_a_eq;
  const double *b_eq;   /* n_eq */
  size_t n_ineq;        /* rows of A_in (0 = none) */
  const double *a_in;   /* n_ineq x n_vars, column-major, ld_a_in >= n_ineq */
  size_t ld_a_in;
  const double *b_in;   /* n_ineq */
  const double *lower;  /* n_vars or NULL (= -INFINITY) */
  const double *upper;  /* n_vars or NULL (= +INFINITY) */
} folio_qp_problem;

typedef struct folio_qp_opts {
  double tol;      /* feasibility tolerance of a constraint row scaled to unit norm,
                      relative to 1 + |b|; default 1e-12 */
  int max_iter;    /* cap on active-set changes per solve; 0 (default) = 10 (n + m) + 1000 */
  int max_prox;    /* cap on proximal-point outer iterations; default 500 */
  int force_prox;  /* 1: skip the Cholesky of Q and go proximal (Q known singular); default 0 */
  const folio_cancel *cancel; /* polled after the factorisation and about every
                                 FOLIO_CANCEL_WORK flops; NULL = never */
  const signed char *start; /* warm start, n_vars entries or NULL (default): -1 / +1 = a
                               guess that the variable sits at its lower / upper bound, 0 =
                               free. The guessed variables are fixed and the rest solved
                               (a much smaller QP when most sit at a bound); a fixed one whose
                               multiplier comes out negative is released and the reduced
                               problem solved again. A guess that leads nowhere falls back to
                               the cold solve; the answer is the same optimum either way. */
} folio_qp_opts;

/* tol 1e-12, max_iter 0 (automatic), max_prox 500, force_prox 0, cancel NULL, start NULL. */
FOLIO_API folio_qp_opts folio_qp_defaults(void);

/* The KKT residuals of a point and its multipliers, each an absolute max-norm:
 *   primal         max(|A_eq x − b_eq|, (A_in x − b_in)_+, (lower − x)_+, (x − upper)_+)
 *   dual           max(−y_in, −z_lower, −z_upper, 0)
 *   complementarity max(|y_in,i (b_in,i − A_in,i x)|, |z_lo,i (x_i − lower_i)|, |z_up,i (upper_i − x_i)|)
 *   stationarity   |Qx + c + A_eq'y_eq + A_in'y_in − z_lower + z_upper|_inf */
typedef struct folio_qp_kkt {
  double primal, dual, complementarity, stationarity;
} folio_qp_kkt;

typedef struct folio_qp_info {
  int iterations;       /* active-set changes (adds + drops), over all outer iterations */
  int prox_iterations;  /* proximal-point outer iterations (0: Q was positive definite) */
  size_t n_active;      /* constraints active at the solution (equalities included) */
  double objective;     /* ½ x'Qx + c'x */
  folio_qp_kkt kkt;     /* of the original problem at the returned x and multipliers */
} folio_qp_info;

/* Bytes of workspace for a problem of this size (0 on overflow). */
FOLIO_API size_t folio_qp_work_size(size_t n_vars, size_t n_eq, size_t n_ineq);

/*
 * Solves the problem. x (n_vars) receives the minimiser; y_eq (n_eq), y_in
 * (n_ineq, >= 0), z_lower and z_upper (n_vars each, >= 0) the multipliers
 * of the Lagrangian ½x'Qx + c'x + y_eq'(A_eq x − b_eq) + y_in'(A_in x − b_in)
 * − z_lower'(x − lower) + z_upper'(x − upper); each may be NULL. work:
 * folio_qp_work_size() bytes or NULL (then allocated and freed here). info may
 * be NULL.
 * Errors: FOLIO_EINVAL (NULL arrays, leading dimensions too small, a NaN
 * bound or lower > upper (names the variable), an all-zero constraint row
 * with an unsatisfiable right-hand side, "infeasible: ..." when the
 * constraints admit no point (names the constraint that could not be
 * added: "equality 2", "inequality 0", "lower bound 3", "upper bound 3")),
 * FOLIO_ENOTFINITE (a NaN or Inf in Q, c, A or b), FOLIO_ENOTPD (Q is not
 * positive semidefinite; names the variable where the factorisation failed),
 * FOLIO_EDEGENERATE (no convergence within max_iter / max_prox),
 * FOLIO_ECANCELED ("qp: cancelled at iteration k"), FOLIO_ENOMEM.
 */
FOLIO_API folio_status folio_qp_solve(const folio_qp_problem *problem, const folio_qp_opts *opts,
                                      double *x, double *y_eq, double *y_in, double *z_lower,
                                      double *z_upper, void *work, folio_qp_info *info,
                                      folio_error *err);

/* The KKT residuals of (x, multipliers) for the problem (any multiplier
 * array may be NULL = 0). For callers that certify their own points. */
FOLIO_API folio_qp_kkt folio_qp_kkt_residuals(const folio_qp_problem *problem, const double *x,
                                              const double *y_eq, const double *y_in,
                                              const double *z_lower, const double *z_upper);

#ifdef __cplusplus
}
#endif
#endif
