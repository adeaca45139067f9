/*
 * allocator.h — the cardinality-constrained allocator: scores → long-only
 * weights, dollars and shares, solved as a mixed-integer program by GLPK.
 *
 * For each modelled candidate i (score s_i > 0) there is a continuous weight
 * w_i and a binary selection x_i:
 *
 *   maximise   Σ s_i · w_i
 *   subject to w_i <= max_weight · x_i        zero weight unless selected
 *              w_i >= min_weight · x_i        floor of a held name
 *              Σ w_i <= 1                     invest at most 100 %
 *              Σ x_i <= max_positions         cardinality cap
 *   and, when asked for,
 *              Σ_{i in g} w_i <= cap_g        one row per capped sector g
 *              Σ_i |w_i − c_i| <= T           turnover against current weights c
 *
 * (the turnover row is linearised with d_i >= w_i − c_i, d_i >= c_i − w_i for
 * every candidate held now; a candidate with c_i = 0 contributes w_i itself).
 * Candidates with a score <= 0 are dropped before the model: they can only
 * take a slot without improving the objective. Current holdings that are not
 * modelled (not candidates, or dropped) count as fully sold: |c_j| of the
 * turnover budget is spent on them before the model starts.
 *
 * Every input is validated before GLPK sees it (GLPK's own error handler
 * prints and aborts the process); GLPK runs with its messages off and a
 * time limit, and anything but a proven optimum is an error naming GLPK's
 * status. GLPK's answer is checked against every row of the model as built
 * (its presolver takes 1e-3-relative shortcuts; on a violation > 1e-9 the
 * MIP is solved again without it). The solution always comes from the MIP; a provably safe reduction
 * only removes columns that cannot change the optimum value (see
 * folio_allocator_allocate).
 */
#ifndef FOLIO_ALLOCATOR_H
#define FOLIO_ALLOCATOR_H

#include <stddef.h>

#include "folio/cancel.h"
#include "folio/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Options of folio_allocator_allocate. Arrays are borrowed for the call. */
typedef struct folio_allocator_opts {
  double capital;      /* USD to allocate: finite, > 0 and <= FOLIO_MAX_USD (required) */
  double max_weight;   /* per-name cap, in (0, 1]; default 1 */
  double min_weight;   /* per-name floor when held, in [0, max_weight]; default 0 */
  long max_positions;  /* cardinality cap, >= 0; default LONG_MAX (no cap) */
  int fractional;      /* 0 (default): whole shares; 1: shares to 1e-6 of a share */
  /* sector caps: sectors[i] names candidate i's group (NULL: no group) or the
   * array is NULL; caps are given per group name. */
  const char *const *sectors;
  size_t n_sector_caps;
  const char *const *cap_sectors; /* n_sector_caps distinct group names */
  const double *sector_caps;      /* n_sector_caps caps, each finite and >= 0 */
  /* turnover: current weights by symbol (any symbols; finite) and the budget
   * on Σ_i |w_i − c_i| over the union of candidates and current holdings. */
  size_t n_current;
  const char *const *current_symbols;
  const double *current_weights;
  double max_turnover; /* >= 0; default INFINITY (no turnover row) */
  double time_limit;   /* seconds for GLPK, in (0, 86400]; default 5 */
  double mip_gap;      /* relative MIP gap accepted as optimal, in [0, 0.1]; default 0 */
  const folio_cancel *cancel; /* polled at every branch-and-bound callback
                                 (cancel.h); NULL = never */
} folio_allocator_opts;

/* capital 0 (must be set), max_weight 1, min_weight 0, max_positions
 * LONG_MAX, whole shares, no sectors, no turnover limit, 5 s, gap 0, cancel NULL. */
FOLIO_API folio_allocator_opts folio_allocator_defaults(void);

/* One allocation; symbol borrows the caller's string. */
typedef struct folio_allocation {
  const char *symbol;
  double weight;  /* w_i from the MIP, snapped to its bounds within 1e-9 */
  double dollars; /* weight × capital rounded down to the cent */
  double shares;  /* floor(dollars / price), or floored to 1e-6 share when fractional */
} folio_allocation;

typedef struct folio_allocator_info {
  const char *status;  /* static string: "optimal", "within_gap" (mip_gap > 0 stopped the
                          search with a solution within the gap) or "empty" (nothing modelled) */
  double objective;    /* Σ score_i · w_i of the returned weights */
  size_t n_selected;   /* allocations written */
  size_t n_dropped;    /* candidates with score <= 0 */
  size_t n_modelled;   /* candidates that became MIP columns after the reduction */
  double invested;     /* Σ dollars */
  double spent;        /* Σ shares × price (what buying the shares costs) */
  double cash;         /* capital − spent, rounded to the cent */
  double turnover;     /* Σ |w_i − c_i| of the result (0 without current weights) */
  double seconds;      /* wall time spent in GLPK */
} folio_allocator_info;

/*
 * Solves the MIP above for n_candidates candidates (symbols: distinct and
 * non-empty; scores finite; prices finite and > 0) and writes the selected
 * names (weight > 0) to out (room for n_candidates) sorted by symbol
 * (strcmp), *n_out their count. The model's columns are in symbol order, so
 * the result never depends on the order of the inputs.
 *
 * Scores are scaled by 1 / max score before GLPK sees them (the objective is
 * reported in the caller's units), so GLPK's absolute tolerances behave the
 * same for daily returns and for z-scores.
 *
 * Reduction (exact): swapping a selected name for an unselected one with a
 * score at least as high, in the same sector and with the same current
 * weight 0, keeps every constraint satisfied and does not lower the
 * objective. So within each group (sector, not currently held) only the
 * max_positions best (score descending, then symbol) can be needed and the
 * others are not modelled; names held now are always modelled. With
 * 500 candidates, max_positions 20 and no sectors the MIP has 20 columns.
 *
 * Rounding: dollars = folio_usd_floor_cents(weight × capital); shares =
 * floor(dollars / price) (fractional: floor to 1e-6 share); the total spent
 * never exceeds capital (a last cent is taken back from the largest
 * allocation if the float sum of the weights exceeds 1 by rounding).
 *
 * All scores <= 0 (or max_positions 0) is not an error: *n_out = 0, status
 * "empty" (unless the turnover budget cannot pay for selling the current
 * holdings: then infeasible).
 *
 * Errors: FOLIO_EINVAL (NULL arrays or opts; min_weight > 1, max_weight
 * outside (0, 1], min_weight > max_weight, max_positions < 0, capital, a
 * price <= 0, a negative sector cap, time_limit or mip_gap out of range, an
 * empty symbol; the MIP is infeasible (names GLPK's status) or GLPK stopped
 * at the time limit before proving an optimum), FOLIO_ENOTFINITE (NaN/Inf
 * score, price, cap or weight; names the symbol), FOLIO_EEMPTY (no
 * candidates), FOLIO_EDUP (a duplicate symbol, sector cap or current
 * symbol), FOLIO_ENOTFOUND (a sector cap naming no candidate's sector),
 * FOLIO_EDIM (more than FOLIO_MAX_DIM candidates), FOLIO_ENOMEM,
 * FOLIO_ECANCELED (opts->cancel said stop during the branch and bound:
 * "allocate: cancelled in GLPK's branch and bound (node k)"). On error
 * nothing is written to out.
 */
FOLIO_API folio_status folio_allocator_allocate(size_t n_candidates, const char *const *symbols,
                                                const double *scores, const double *prices,
                                                const folio_allocator_opts *opts,
                                                folio_allocation *out, size_t *n_out,
                                                folio_allocator_info *info, folio_error *err);

#ifdef __cplusplus
}
#endif
#endif
