/*
 * turnover.h — the turnover-budgeted, capacity-capped move from the current
 * weights towards a target (the last step of multi-sleeve composition), and
 * the L1-ball projection it is built on.
 *
 *   min (w - t)' Q (w - t)  s.t.  sum_i |w_i - w0_i| <= B,  |w_i| <= cap_i
 *                                                     (folio_turnover_project)
 *
 * Conventions: vectors are arrays of doubles; inputs are borrowed and
 * outputs go to caller-owned arrays, written only on success. Same inputs
 * give bit-identical outputs. Workspace: a `work` buffer of the stated size,
 * or NULL to let the function allocate and free its own.
 */
#ifndef FOLIO_TURNOVER_H
#define FOLIO_TURNOVER_H

#include <stddef.h>

#include "folio/cancel.h"
#include "folio/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- L1-ball projection ----------------------------------------------------------- */

/*
 * Euclidean projection of x onto the L1 ball {y : sum |y_i| <= radius}:
 * if sum |x_i| <= radius, y = x (bit for bit); otherwise, with |x| sorted
 * descending as a_1 >= a_2 >= ..., k the largest index with
 * a_k > (a_1 + ... + a_k - radius) / k and theta = (a_1 + ... + a_k - radius) / k,
 * y_i = sign(x_i) max(|x_i| - theta, 0) (Duchi et al. 2008). O(n log n).
 * y may alias x. theta_out (may be NULL) receives theta (0 inside the ball).
 * work: n doubles or NULL (allocated).
 * Errors: FOLIO_EINVAL (NULL x or y, radius NaN or < 0), FOLIO_ENOTFINITE
 * (names the index), FOLIO_ENOMEM.
 */
FOLIO_API folio_status folio_l1_ball_project(size_t n, const double *x, double radius, double *y,
                                             double *theta_out, double *work, folio_error *err);

/* ---- turnover-budgeted move -------------------------------------------------------- */

typedef struct folio_turnover_opts {
  const char *const *symbols; /* n names for messages, or NULL ("#k") */
  double tol;                 /* KKT tolerance (relative); default 1e-10 */
  int max_iter;               /* projected-gradient iterations; default 50000 */
  const folio_cancel *cancel; /* polled by the iterations (cancel.h); NULL = never */
} folio_turnover_opts;

/* symbols NULL, tol 1e-10, max_iter 50000, cancel NULL. */
FOLIO_API folio_turnover_opts folio_turnover_defaults(void);

typedef struct folio_turnover_info {
  double needed;       /* sum |t_c - w0|, t_c = t clipped to the caps */
  double forced;       /* sum over positions above their cap of |w0_i| - cap_i:
                          turnover the caps force */
  double turnover;     /* sum |w - w0| of the result */
  double objective;    /* (w - t_c)' Q (w - t_c) */
  double lambda;       /* the turnover constraint's multiplier (0 when not binding),
                          for f as written (gradient 2 Q (w - t_c)) */
  double kkt_residual; /* largest violation of the KKT conditions, relative */
  int constrained;     /* 1 when the budget binds (needed > budget) */
  int budget_exceeded; /* 1 when forced > budget: w = w0 clipped to the caps */
  int converged;       /* 1 when the KKT conditions hold to tol */
  int iterations;      /* projected-gradient iterations */
  int polishes;        /* active-set solves attempted */
  size_t n_clipped;    /* targets clipped to their cap */
  size_t n_traded;     /* positions with w_i != w0_i */
  const char *method;  /* static: "unconstrained", "projection" (Q = I),
                          "dual_newton+active_set" (factored Q),
                          "apg+active_set", "apg", "caps_forced" */
} folio_turnover_info;

/* Bytes of workspace folio_turnover_project needs (0 on overflow). */
FOLIO_API size_t folio_turnover_work_size(size_t n_assets);

/*
 * The move towards the composite t under a turnover budget and caps:
 *
 *   t_c = clip(t_i, -cap_i, cap_i)   (a target above its cap is clipped first)
 *   minimise (w - t_c)' Q (w - t_c)
 *   subject to sum_i |w_i - w0_i| <= budget,  -cap_i <= w_i <= cap_i.
 *
 * - needed = sum |t_c - w0| <= budget: w = t_c bit for bit (t itself when no
 *   cap binds).
 * - Q = NULL (identity): the exact solution w = w0 + d,
 *   d_i = sign(s_i) (m_i + max(|s_i| - m_i - theta, 0)), s = t_c - w0, m_i the
 *   trade a cap forces (0 inside the caps): the L1-ball projection of the
 *   excess |s| - m with radius budget - sum m (folio_l1_ball_project's
 *   sort-based formula; without caps exactly w0 + P(t - w0)).
 * - Q given: accelerated projected gradient (FISTA with adaptive restart;
 *   step 1 / (2 lambda_max(Q)), the projection onto {L1 ball around w0} ∩
 *   box exact by a sort of its breakpoints), and, whenever the traded set,
 *   its signs and the bound set have settled, an exact solve of the KKT
 *   system on that set (Cholesky of Q_FF): 2 [Q (w - t_c)]_F + lambda
 *   sign(w - w0)_F = 0, turnover = budget. The solve is accepted when every
 *   KKT condition holds (untraded: |g_i| <= lambda; signs and bounds kept;
 *   lambda >= 0), which certifies the global optimum.
 * - A current position above its cap must trade down to it; that forced
 *   turnover counts against the budget. When it alone exceeds the budget,
 *   the caps win (they are hard: the capacity gate would cut the order
 *   anyway): w = clip(w0, -cap, cap), info->budget_exceeded = 1, status OK.
 * The result never exceeds the budget by more than 1e-12 otherwise.
 *
 * target, current: n_assets finite weights. Q: n x n, ld_q >= n, symmetric
 * (to 1e-10 relative to sqrt(q_ii q_jj)) and positive semi-definite (a
 * Cholesky of Q + 1e-12 max(q_ii) I must succeed), or NULL for the
 * identity. caps: n values > 0 (+INFINITY = no cap) or NULL. budget: >= 0,
 * +INFINITY = no turnover limit. w_out: n. info may be NULL.
 * Errors: FOLIO_EINVAL (NULL arrays, ld_q < n, budget NaN or negative, a
 * cap <= 0 or NaN (names the symbol), tol/max_iter out of range),
 * FOLIO_EEMPTY (n = 0), FOLIO_EDIM, FOLIO_ENOTFINITE (names the symbol),
 * FOLIO_ENOTSYM (names the pair), FOLIO_ENOTPD (names the symbol),
 * FOLIO_ENOMEM, FOLIO_ECANCELED (opts->cancel said stop: polled every
 * ~FOLIO_CANCEL_WORK flops of projected gradient and after every
 * factorisation; "turnover: cancelled at projected-gradient iteration k";
 * w_out and info untouched). If the iterations run out before the KKT conditions hold,
 * the best feasible iterate is returned with info->converged = 0 (status OK).
 */
FOLIO_API folio_status folio_turnover_project(size_t n_assets, const double *target,
                                              const double *current, const double *Q, size_t ld_q,
                                              const double *caps, double budget,
                                              const folio_turnover_opts *opts, double *w_out,
                                              folio_turnover_info *info, void *work,
                                              folio_error *err);

/* ---- factored covariance ------------------------------------------------------------ */

/*
 * A covariance given by its factor instead of its n x n entries:
 *
 *   Q = diag I + weight X'X,   X: n_rows x n_assets, column-major, ld_x >= n_rows.
 *
 * Ledoit-Wolf is this form (folio_ledoit_wolf: X the centred returns,
 * diag = scale shrinkage mu, weight = scale (1 - shrinkage) / n_rows), so a
 * product Q v costs O(T n), not O(n^2), and Q is positive semi-definite by
 * construction. Borrowed: x must outlive the call only.
 */
typedef struct folio_cov_factor {
  size_t n_rows;   /* T >= 1 */
  const double *x; /* T x n_assets, column-major, finite */
  size_t ld_x;     /* >= n_rows */
  double diag;     /* >= 0, finite */
  double weight;   /* >= 0, finite */
} folio_cov_factor;

/* Bytes of workspace folio_turnover_project_factored needs: O(T n + T^2)
 * doubles, never n^2 (0 on overflow). */
FOLIO_API size_t folio_turnover_factored_work_size(size_t n_assets, size_t n_rows);

/*
 * folio_turnover_project with the covariance given as a factor (Q =
 * diag I + weight X'X, see folio_cov_factor): the same problem, the same
 * result to the KKT tolerance, the same info, at O(T n) per iteration
 * instead of O(n^2) and with no n x n factorisation. With diag, weight > 0:
 * semismooth Newton on the T-dimensional dual (one pass over X per step; the
 * Newton system solved by Woodbury in the free set F's space, an |F| x |F|
 * Cholesky, when |F| < T, else T x T), the exact active-set solve tried
 * whenever the active set settles or a full step is taken, and the first
 * certified point returned (method "dual_newton+active_set"; iterations =
 * Newton steps, polishes = solves tried). Otherwise, or when the dual stops
 * short, accelerated projected gradient as folio_turnover_project ("apg+
 * active_set" when certified). The active-set solve is a Cholesky of
 * diag I + weight X_F'X_F (|F| <= T) or of diag/weight I + X_F X_F'
 * (Woodbury, |F| > T).
 * Q: the factor (borrowed). Other arguments as folio_turnover_project.
 * work: folio_turnover_factored_work_size(n_assets, Q->n_rows) bytes or NULL.
 * Errors: those of folio_turnover_project (without FOLIO_ENOTSYM and
 * FOLIO_ENOTPD: the form is symmetric and semi-definite), and FOLIO_EINVAL
 * (Q NULL, x NULL, n_rows 0, ld_x < n_rows, diag or weight negative or not
 * finite), FOLIO_ENOTFINITE (an entry of x, names symbol and row),
 * FOLIO_EDEGENERATE (Q = 0).
 */
FOLIO_API folio_status folio_turnover_project_factored(size_t n_assets, const double *target,
                                                       const double *current,
                                                       const folio_cov_factor *Q,
                                                       const double *caps, double budget,
                                                       const folio_turnover_opts *opts,
                                                       double *w_out, folio_turnover_info *info,
                                                       void *work, folio_error *err);

#ifdef __cplusplus
}
#endif
#endif
