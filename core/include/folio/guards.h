/*
 * guards.h — the risk gate between orders and the market: the exposure
 * limits (max position weight, max gross exposure), the leverage guard, the
 * drawdown guard and the liquidity guard.
 *
 * Every order gets a decision: approved, resized down to the largest
 * quantity (in whole lots) that meets every limit — when the guards scale —
 * or rejected; each limit an order breaks is reported as an event naming the
 * guard, the limit and the value the full order would have produced.
 *
 * Which guards apply to what:
 *  - an order is RISK-REDUCING when the position after it lies between zero
 *    and the position before it (same sign, smaller or equal size); a flip
 *    through zero is risk-increasing;
 *  - position weight (|post| * p / nav_usd), gross (sum |q * p| / nav_usd),
 *    leverage (the same gross / leverage_nav) and the drawdown guard (while
 *    breached) limit risk-increasing orders only: a reducing order always
 *    passes them, and a limit already broken before the trade only blocks
 *    the increasing part;
 *  - liquidity (order notional / ADV) limits every order, either direction.
 * Orders are decided on the post-trade book: first every reducing order,
 * then every increasing one, each in the caller's (symbol) order, and each
 * sees the book after the orders approved before it.
 *
 * The drawdown guard is a state machine kept in a plain struct the caller
 * checkpoints (folio_drawdown_state):
 *  - armed: each update sets peak = max(peak, nav) and dd = 1 - nav / peak;
 *    dd >= max_drawdown breaches it (breach_time = asof);
 *  - breached: risk-increasing orders are rejected (or cut to their reducing
 *    part); trough = min(trough, nav); it re-arms on the first update with
 *    asof - breach_time >= cooloff_days * 86400 AND dd <= rearm_drawdown
 *    (dd still measured from the all-time peak). Both comparisons allow a
 *    1e-12 slack, so 1 - 108/120 breaches a 10% limit. Restoring the struct after
 *    a restart keeps the breach and its clock: the cool-off counts from the
 *    original breach, so a restart neither forgets nor extends a lockout.
 */
#ifndef FOLIO_GUARDS_H
#define FOLIO_GUARDS_H

#include <stddef.h>

#include "folio/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum folio_guard_kind {
  FOLIO_GUARD_POSITION_WEIGHT = 0, /* "max_position_weight" */
  FOLIO_GUARD_GROSS = 1,           /* "max_gross" */
  FOLIO_GUARD_LEVERAGE = 2,        /* "max_leverage" */
  FOLIO_GUARD_DRAWDOWN = 3,        /* "max_drawdown" */
  FOLIO_GUARD_LIQUIDITY = 4,       /* "max_adv_fraction" */
  FOLIO_GUARD_COUNT = 5
} folio_guard_kind;

/* The guard's configuration key, e.g. "max_gross"; "?" when out of range. Static storage. */
FOLIO_API const char *folio_guard_name(folio_guard_kind kind);

typedef struct folio_guard_limits {
  double max_position_weight; /* > 0; +Inf = off (the default) */
  double max_gross;           /* gross / nav_usd, > 0; +Inf = off */
  double max_leverage;        /* gross / leverage_nav, > 0; +Inf = off */
  double max_drawdown;        /* in (0, 1]; +Inf = off */
  double cooloff_days;        /* >= 0, finite; default 5 */
  double rearm_drawdown;      /* in [0, max_drawdown); NaN = max_drawdown / 2 (default) */
  double max_adv_fraction;    /* > 0; +Inf = off */
  int scale;                  /* nonzero (default): resize; 0: reject */
} folio_guard_limits;

/* Every guard off, cool-off 5 days, re-arm at half the drawdown limit, scale mode. */
FOLIO_API folio_guard_limits folio_guard_defaults(void);

/* Validates the limits (ranges above). Messages start with "guards:".
 * Errors: FOLIO_EINVAL (names the key), FOLIO_ENOTFINITE (NaN limit). */
FOLIO_API folio_status folio_guard_limits_check(const folio_guard_limits *limits, folio_error *err);

/* The re-arm level in effect: rearm_drawdown, or max_drawdown / 2 when NaN. */
FOLIO_API double folio_guard_rearm_level(const folio_guard_limits *limits);

typedef struct folio_drawdown_state {
  int breached;       /* 1 while risk-increasing orders are blocked */
  int n_breaches;     /* breaches seen so far */
  double peak_nav;    /* highest NAV seen; NaN before the first update */
  double trough_nav;  /* lowest NAV since the breach; NaN when armed */
  double drawdown;    /* 1 - nav / peak at the last update; 0 before the first */
  double breach_time; /* epoch seconds of the breach; NaN when armed */
  double last_update; /* epoch seconds of the last update; NaN before the first */
} folio_drawdown_state;

/* The state of a guard that has seen nothing: armed, no peak. */
FOLIO_API folio_drawdown_state folio_drawdown_initial(void);

/* Validates a state restored from a checkpoint (consistent fields: a
 * breached state has a breach_time and a trough, peaks > 0, drawdown in
 * [0, 1)). Errors: FOLIO_EINVAL naming the field. */
FOLIO_API folio_status folio_drawdown_check(const folio_drawdown_state *state, folio_error *err);

/* Transitions reported by folio_drawdown_update. */
typedef enum folio_drawdown_event {
  FOLIO_DRAWDOWN_NONE = 0,
  FOLIO_DRAWDOWN_BREACH = 1, /* armed -> breached */
  FOLIO_DRAWDOWN_REARM = 2   /* breached -> armed */
} folio_drawdown_event;

/*
 * Advances the state machine with the NAV at time asof (epoch seconds). At
 * most one transition per update. *event (may be NULL) gets the transition.
 * The state is only written on success.
 * Errors: FOLIO_ENOTFINITE (nav or asof), FOLIO_EINVAL (nav <= 0, asof
 * before the last update, invalid limits or state).
 */
FOLIO_API folio_status folio_drawdown_update(folio_drawdown_state *state,
                                             const folio_guard_limits *limits, double nav,
                                             double asof, folio_drawdown_event *event,
                                             folio_error *err);

/* One symbol of the book the guards see. */
typedef struct folio_guard_entry {
  double position; /* signed quantity held before the orders */
  double price;    /* > 0 and finite */
  double order;    /* signed order quantity (+ buy, - sell); 0 = no order */
  double lot;      /* resize grid, > 0; 0 = fractional */
  double adv_usd;  /* average daily dollar volume, > 0; NaN = unknown (an
                      error for an order when the liquidity guard is on) */
} folio_guard_entry;

typedef enum folio_guard_verdict {
  FOLIO_GUARD_NO_ORDER = 0,
  FOLIO_GUARD_APPROVED = 1,
  FOLIO_GUARD_RESIZED = 2,
  FOLIO_GUARD_REJECTED = 3
} folio_guard_verdict;

typedef struct folio_guard_event {
  folio_guard_kind guard;
  double limit; /* the configured limit */
  double value; /* what the full order would have produced (weight, gross, leverage,
                   drawdown, ADV fraction) */
} folio_guard_event;

typedef struct folio_guard_decision {
  folio_guard_verdict verdict;
  double quantity; /* approved quantity (> 0, unsigned) or 0 when rejected */
  size_t n_events;
  folio_guard_event events[FOLIO_GUARD_COUNT]; /* in folio_guard_kind order */
} folio_guard_decision;

/*
 * Decides the orders of n_entries symbols (see the file comment for the
 * rules). nav_usd (> 0) scales weights and gross; leverage_nav (> 0) scales
 * leverage (pass nav_usd when there is no separate live NAV). state may be
 * NULL (drawdown guard armed). symbols (may be NULL) name entries in
 * messages. out (n_entries, caller-owned) is written only on success.
 * A resize is the largest quantity meeting every limit, rounded down to the
 * entry's lot — or the exact reducing part (a close) when that is larger.
 * Errors: FOLIO_EINVAL (bad limits or navs, a price <= 0, a lot < 0, ADV <= 0),
 * FOLIO_ENOTFINITE (NaN/Inf numbers), FOLIO_EMISSING (no ADV for an order
 * under the liquidity guard). Messages start with "guards:".
 */
FOLIO_API folio_status folio_guards_check(const folio_guard_limits *limits,
                                          const folio_drawdown_state *state, size_t n_entries,
                                          const char *const *symbols,
                                          const folio_guard_entry *entries, double nav_usd,
                                          double leverage_nav, folio_guard_decision *out,
                                          folio_error *err);

#ifdef __cplusplus
}
#endif
#endif
