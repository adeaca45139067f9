/*
 * discrete_allocation.h — continuous weights → whole shares (or whole lots):
 * PyPortfolioOpt's greedy rounding, and an exact rounding by GLPK that can
 * start from current holdings, pay fees and cap the number of names.
 *
 * Notation, for name i: weight w_i, price p_i, lot L_i (default 1 share),
 * current holding c_i shares (default 0), rounded holding x_i shares.
 *
 * Values. Without short weights the weights apply to the book's value
 * V = capital + Σ p_i c_i (just the capital when nothing is held): the
 * target is t_i = w_i · V dollars (weights are used as given, not
 * normalised, as PyPortfolioOpt does). With short weights (short_ratio set)
 * the longs and the shorts are normalised separately to sum to 1 and get
 * V_long = capital (+ V_short when reinvest) and V_short = short_ratio ·
 * capital: t_i = w_i / Σ_long w · V_long, or −|w_i| / Σ_short |w| · V_short.
 *
 * greedy (FOLIO_DISCRETE_GREEDY) is PyPortfolioOpt's
 * DiscreteAllocation.greedy_portfolio: names in descending weight order
 * (ties by symbol); round one buys floor(t_i / (p_i L_i)) lots of each;
 * round two repeatedly buys one lot of the name whose weight falls furthest
 * below its target, skipping names it cannot afford (at most 10 skips per
 * lot, as PyPortfolioOpt does), until no name is below target or cash runs
 * out. Shorts are a second, separate greedy book on V_short. Differences,
 * each on purpose: lots generalise PyPortfolioOpt's single share; when
 * round one buys nothing the current weights are taken as 0 (PyPortfolioOpt
 * divides 0 by 0); fees and max_positions are refused (greedy has no model
 * of them); with current holdings the greedy book is built on V and the
 * trades are its difference with c (so Σ buys <= capital + Σ sells).
 *
 * mip (FOLIO_DISCRETE_MIP) solves exactly, with GLPK, the problem
 *
 *   minimise  J = Σ_i |t_i − p_i x_i| + (leftover + fees) + fees
 *
 * where "leftover + fees" is the cash not invested (capital + Σ sells −
 * Σ buys) and the second "fees" charges them as a cost; without fees J is
 * PyPortfolioOpt's lp_portfolio objective (L1 distance + leftover). Subject
 * to: x_i = c_i (not traded) or x_i = L_i k_i with k_i an integer (traded:
 * the new holding is whole lots); x_i >= 0 for a long weight, x_i <= 0 for
 * a short one, 0 <= x_i <= c_i for a held name without a weight;
 *   Σ_long p_i (x_i − c_i) + fees <= capital  (+ V_short when reinvest)
 *   Σ_short p_i |x_i| <= V_short
 *   fees = Σ_traded (fixed + proportional · p_i |x_i − c_i|)
 *   #{i : x_i != 0} <= max_positions.
 * Capital is never overspent: Σ buys + fees <= capital + Σ sells.
 *
 * The rounding is a subset-sum in disguise (below its target every name
 * gains the same per dollar), so the plain LP bound ("every name on its
 * target") is useless. Two exact devices fix it: lots are bounded by the
 * first lot above the target or the holding (J is flat above a target), and
 * a secant cut of |t - v| between the two values that bracket t gives GLPK
 * the knapsack's bound (100 names with lots, fees, holdings and a cap are
 * proven in 0.1-0.3 s). Should GLPK still stop at time_limit, the result is
 * the better of its best book and the greedy's (info.status "best_found"),
 * never an error and never worse than greedy.
 *
 * Every input is validated before GLPK sees it; GLPK's answer is checked
 * against the model as built (mip_model.h) and then re-evaluated in plain
 * arithmetic from the integers it chose.
 */
#ifndef FOLIO_DISCRETE_ALLOCATION_H
#define FOLIO_DISCRETE_ALLOCATION_H

#include <stddef.h>

#include "folio/cancel.h"
#include "folio/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum folio_discrete_method {
  FOLIO_DISCRETE_GREEDY = 0, /* PyPortfolioOpt's greedy_portfolio */
  FOLIO_DISCRETE_MIP = 1     /* the exact rounding above, by GLPK */
} folio_discrete_method;

/* Options of folio_discrete_allocate. Arrays are borrowed for the call and
 * aligned with the call's symbols; NULL means the default for every name. */
typedef struct folio_discrete_opts {
  double capital;               /* cash to invest, finite, >= 0, <= FOLIO_MAX_USD (required;
                                   0 only when current holdings have a value) */
  folio_discrete_method method; /* default FOLIO_DISCRETE_GREEDY */
  const double *lot_sizes;      /* shares per lot, each finite and > 0; NULL: 1 */
  const double *current;        /* shares held now, finite, >= 0; NULL: nothing held */
  double fixed_fee;             /* USD per traded name, finite, >= 0 (mip only) */
  double proportional_fee;      /* fraction of the traded notional, in [0, 0.5) (mip only) */
  long max_positions;           /* names held after, >= 0; default LONG_MAX (mip only) */
  double short_ratio;           /* V_short / capital, finite, >= 0; NaN (default): short
                                   weights are an error */
  int reinvest;                 /* 1: short proceeds fund the long book; default 0 */
  double time_limit;            /* mip: seconds for GLPK, in (0, 86400]; default 2 (then the
                                   best book found, see info.status) */
  const folio_cancel *cancel;   /* mip: polled in GLPK's branch and bound; NULL = never */
} folio_discrete_opts;

/* capital 0 (must be set), greedy, lots 1, nothing held, no fees, no
 * cardinality cap, no shorts, no reinvest, 2 s, cancel NULL. */
FOLIO_API folio_discrete_opts folio_discrete_defaults(void);

/* One name of the result; symbol borrows the caller's string. */
typedef struct folio_discrete_position {
  const char *symbol;
  double target;  /* t_i, USD */
  double shares;  /* x_i: whole lots (or c_i untouched), negative for a short */
  double current; /* c_i */
  double trade;   /* x_i − c_i, shares */
  double value;   /* p_i x_i, USD */
  double weight;  /* p_i x_i / Σ_j p_j x_j (0 when that sum is 0), as PyPortfolioOpt */
  double fee;     /* fees paid on this name, USD */
} folio_discrete_position;

typedef struct folio_discrete_info {
  const char *method;    /* static: "greedy" or "mip" */
  const char *status;    /* static: "greedy"; "optimal" (GLPK proved it); "best_found" (GLPK
                            stopped at time_limit: its best book or the greedy's, whichever
                            has the lower J — never worse than greedy) */
  double leftover;       /* cash left after buys, sells and fees (long book plus the unused
                            short budget, as PyPortfolioOpt), rounded to the cent */
  double fees;           /* total fees, USD */
  double l1;             /* Σ_i |t_i − p_i x_i|, USD */
  double objective;      /* J above, USD (for greedy too, to compare) */
  double tracking_error; /* RMSE of weight_i − w_i over the names (PyPortfolioOpt's
                            _allocation_rmse_error) */
  double book_value;     /* V (or V_long + V_short with shorts), USD */
  size_t n_positions;    /* names with x_i != 0 */
  size_t n_trades;       /* names with x_i != c_i */
  double seconds;        /* wall time in GLPK (0 for greedy) */
} folio_discrete_info;

/*
 * Rounds the weights of n_assets names (symbols distinct and non-empty;
 * weights finite, negative only with opts->short_ratio set; a weight of 0 is
 * a name to hold nothing of, e.g. one held now; prices finite and > 0) into
 * holdings by opts->method, and writes one position per name to out (room for
 * n_assets) sorted by symbol (strcmp); info may be NULL. The result never
 * depends on the order of the inputs.
 *
 * Money: targets, values and fees are plain products of the inputs;
 * leftover is rounded to the cent (folio_usd_round_cents) and is never
 * negative: a book that would overspend by GLPK's tolerance is an error,
 * not a rounding.
 *
 * Errors: FOLIO_EINVAL (NULL arguments; capital < 0 or over FOLIO_MAX_USD; a
 * price <= 0, a lot size <= 0, a negative current holding (names the
 * symbol); negative weights without short_ratio, or with current holdings;
 * no positive weight; fees or max_positions with greedy; a fee or limit
 * out of range; capital that buys nothing: "capital 50 buys nothing: the
 * cheapest lot is AAPL, 1 x 190.5 = 190.5"; GLPK's failure or time limit),
 * FOLIO_ENOTFINITE (NaN/Inf weight, price, lot, holding, capital, fee;
 * names the symbol), FOLIO_EEMPTY (no names), FOLIO_EDUP (a duplicate
 * symbol), FOLIO_EDIM (more than FOLIO_MAX_DIM names), FOLIO_ENOMEM,
 * FOLIO_ECANCELED. On error nothing is written to out.
 */
FOLIO_API folio_status folio_discrete_allocate(size_t n_assets, const char *const *symbols,
                                               const double *weights, const double *prices,
                                               const folio_discrete_opts *opts,
                                               folio_discrete_position *out,
                                               folio_discrete_info *info, folio_error *err);

#ifdef __cplusplus
}
#endif
#endif
