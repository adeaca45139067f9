/*
 * guards.c — exposure, leverage, drawdown and liquidity guards (see guards.h).
 *
 * Each limit is turned into the largest order quantity it allows, in the
 * order's own direction: with a = the position signed so that the order
 * adds to it, a limit |a + q| <= L (in shares) allows q <= L - a, and the
 * reducing part q <= max(0, -a) is always allowed. The decision is then a
 * minimum over the guards, so the resize meets every limit at once and
 * does not depend on the order in which the guards are evaluated.
 */
#include <math.h>
#include <string.h>

#include "folio/guards.h"
#include "folio/numbers.h"
#include "internal.h"
#include "peak_drawdown.h"

/* Tolerances: a lot grid snap and a relative slack on limit checks, so an
 * order sized exactly at a limit is not refused for a rounding error. */
#define LOT_EPS 1e-9
#define LIMIT_EPS 1e-9
/* Drawdowns are compared with this slack: 1 - 108/120 is 0.09999999999999998,
 * and a 10% fall must breach a 10% limit. */
#define DD_EPS 1e-12

static const char *const guard_names[FOLIO_GUARD_COUNT] = {
    "max_position_weight", "max_gross", "max_leverage", "max_drawdown", "max_adv_fraction"};

const char *folio_guard_name(folio_guard_kind kind) {
  return (unsigned)kind < FOLIO_GUARD_COUNT ? guard_names[kind] : "?";
}

folio_guard_limits folio_guard_defaults(void) {
  folio_guard_limits l;
  l.max_position_weight = INFINITY;
  l.max_gross = INFINITY;
  l.max_leverage = INFINITY;
  l.max_drawdown = INFINITY;
  l.cooloff_days = 5.0;
  l.rearm_drawdown = NAN;
  l.max_adv_fraction = INFINITY;
  l.scale = 1;
  return l;
}

double folio_guard_rearm_level(const folio_guard_limits *l) {
  if (!isnan(l->rearm_drawdown)) return l->rearm_drawdown;
  return isfinite(l->max_drawdown) ? l->max_drawdown / 2.0 : INFINITY;
}

/* A positive limit or +Inf (off). */
static folio_status check_limit(double v, const char *key, folio_error *err) {
  if (isnan(v)) return folio_error_set(err, FOLIO_ENOTFINITE, "guards: %s is NaN", key);
  if (!(v > 0)) return folio_error_set(err, FOLIO_EINVAL, "guards: %s must be > 0, got %g", key, v);
  return FOLIO_OK;
}

folio_status folio_guard_limits_check(const folio_guard_limits *l, folio_error *err) {
  if (!l) return folio_error_set(err, FOLIO_EINVAL, "guards: NULL limits");
  folio_status st;
  if ((st = check_limit(l->max_position_weight, "max_position_weight", err)) ||
      (st = check_limit(l->max_gross, "max_gross", err)) ||
      (st = check_limit(l->max_leverage, "max_leverage", err)) ||
      (st = check_limit(l->max_drawdown, "max_drawdown", err)) ||
      (st = check_limit(l->max_adv_fraction, "max_adv_fraction", err)))
    return st;
  if (isfinite(l->max_drawdown) && l->max_drawdown > 1)
    return folio_error_set(err, FOLIO_EINVAL, "guards: max_drawdown must be in (0, 1], got %g",
                           l->max_drawdown);
  if (!isfinite(l->cooloff_days) || l->cooloff_days < 0)
    return folio_error_set(err, isnan(l->cooloff_days) ? FOLIO_ENOTFINITE : FOLIO_EINVAL,
                           "guards: cooloff_days must be finite and >= 0, got %g",
                           l->cooloff_days);
  if (!isnan(l->rearm_drawdown)) {
    if (!isfinite(l->rearm_drawdown) || l->rearm_drawdown < 0)
      return folio_error_set(err, FOLIO_EINVAL, "guards: rearm_drawdown must be >= 0, got %g",
                             l->rearm_drawdown);
    if (!(l->rearm_drawdown < l->max_drawdown))
      return folio_error_set(err, FOLIO_EINVAL,
                             "guards: rearm_drawdown (%g) must be below max_drawdown (%g)",
                             l->rearm_drawdown, l->max_drawdown);
  }
  return FOLIO_OK;
}

/* ---- the drawdown state machine ------------------------------------------ */

folio_drawdown_state folio_drawdown_initial(void) {
  folio_drawdown_state s;
  s.breached = 0;
  s.n_breaches = 0;
  s.peak_nav = NAN;
  s.trough_nav = NAN;
  s.drawdown = 0.0;
  s.breach_time = NAN;
  s.last_update = NAN;
  return s;
}

folio_status folio_drawdown_check(const folio_drawdown_state *s, folio_error *err) {
  if (!s) return folio_error_set(err, FOLIO_EINVAL, "guards: NULL state");
  if (s->breached != 0 && s->breached != 1)
    return folio_error_set(err, FOLIO_EINVAL, "guards: state.breached must be 0 or 1");
  if (s->n_breaches < 0 || (s->breached && s->n_breaches < 1))
    return folio_error_set(err, FOLIO_EINVAL, "guards: state.n_breaches must be >= %d, got %d",
                           s->breached, s->n_breaches);
  if (!isnan(s->peak_nav) && !(isfinite(s->peak_nav) && s->peak_nav > 0))
    return folio_error_set(err, FOLIO_EINVAL, "guards: state.peak_nav must be > 0, got %g",
                           s->peak_nav);
  if (!(isfinite(s->drawdown) && s->drawdown >= 0 && s->drawdown < 1))
    return folio_error_set(err, FOLIO_EINVAL, "guards: state.drawdown must be in [0, 1), got %g",
                           s->drawdown);
  if (!isnan(s->last_update) && !isfinite(s->last_update))
    return folio_error_set(err, FOLIO_EINVAL, "guards: state.last_update is %g", s->last_update);
  if (s->breached) {
    if (!isfinite(s->breach_time))
      return folio_error_set(err, FOLIO_EINVAL,
                             "guards: a breached state needs a finite breach_time, got %g",
                             s->breach_time);
    if (!(isfinite(s->trough_nav) && s->trough_nav > 0) || isnan(s->peak_nav))
      return folio_error_set(err, FOLIO_EINVAL,
                             "guards: a breached state needs peak_nav and trough_nav > 0");
  }
  return FOLIO_OK;
}

folio_status folio_drawdown_update(folio_drawdown_state *state, const folio_guard_limits *limits,
                                   double nav, double asof, folio_drawdown_event *event,
                                   folio_error *err) {
  folio_error_clear(err);
  if (event) *event = FOLIO_DRAWDOWN_NONE;
  folio_status st = folio_guard_limits_check(limits, err);
  if (st != FOLIO_OK) return st;
  if ((st = folio_drawdown_check(state, err)) != FOLIO_OK) return st;
  if (!isfinite(nav)) return folio_error_set(err, FOLIO_ENOTFINITE, "guards: nav is %g", nav);
  if (!(nav > 0)) return folio_error_set(err, FOLIO_EINVAL, "guards: nav must be > 0, got %g", nav);
  if (!isfinite(asof)) return folio_error_set(err, FOLIO_ENOTFINITE, "guards: asof is %g", asof);
  if (asof < state->last_update) /* false while last_update is NaN */
    return folio_error_set(err, FOLIO_EINVAL,
                           "guards: asof %.0f is before the last update %.0f (time goes forward)",
                           asof, state->last_update);
  folio_drawdown_state s = *state;
  s.drawdown = folio_i_peak_drawdown(&s.peak_nav, nav, isnan(s.peak_nav));
  s.last_update = asof;
  folio_drawdown_event ev = FOLIO_DRAWDOWN_NONE;
  if (!s.breached) {
    if (s.drawdown >= limits->max_drawdown - DD_EPS) { /* never true while the guard is off (+Inf) */
      s.breached = 1;
      s.n_breaches++;
      s.breach_time = asof;
      s.trough_nav = nav;
      ev = FOLIO_DRAWDOWN_BREACH;
    }
  } else {
    if (nav < s.trough_nav) s.trough_nav = nav;
    if (asof - s.breach_time >= limits->cooloff_days * 86400.0 &&
        s.drawdown <= folio_guard_rearm_level(limits) + DD_EPS) {
      s.breached = 0;
      s.breach_time = NAN;
      s.trough_nav = NAN;
      ev = FOLIO_DRAWDOWN_REARM;
    }
  }
  *state = s;
  if (event) *event = ev;
  return FOLIO_OK;
}

/* ---- order decisions ------------------------------------------------------ */

static folio_status check_entry(const folio_guard_limits *l, size_t i, const char *const *symbols,
                                const folio_guard_entry *e, folio_error *err) {
  char sb[64];
  const char *s = folio_i_symbol(symbols, i, sb, sizeof sb);
  if (!isfinite(e->position))
    return folio_error_set(err, FOLIO_ENOTFINITE, "guards: position of %s is %g", s, e->position);
  if (!isfinite(e->order))
    return folio_error_set(err, FOLIO_ENOTFINITE, "guards: order quantity of %s is %g", s,
                           e->order);
  if (!isfinite(e->lot) || e->lot < 0)
    return folio_error_set(err, FOLIO_EINVAL, "guards: lot size of %s must be >= 0, got %g", s,
                           e->lot);
  folio_status st = folio_check_number(FOLIO_DOMAIN_QUANTITY, e->position, "guards", "position", s, err);
  if (st == FOLIO_OK)
    st = folio_check_number(FOLIO_DOMAIN_QUANTITY, e->order, "guards", "order quantity", s, err);
  if (st == FOLIO_OK && e->lot > 0)
    st = folio_check_number(FOLIO_DOMAIN_LOT, e->lot, "guards", "lot size", s, err);
  if (st != FOLIO_OK) return st;
  if (e->position == 0 && e->order == 0) return FOLIO_OK;
  if (isnan(e->price))
    return folio_error_set(err, FOLIO_EMISSING, "guards: no price for %s", s);
  if (!(isfinite(e->price) && e->price > 0))
    return folio_error_set(err, FOLIO_EINVAL, "guards: price of %s must be finite and > 0, got %g",
                           s, e->price);
  if ((st = folio_check_number(FOLIO_DOMAIN_PRICE, e->price, "guards", "price", s, err)) != FOLIO_OK)
    return st;
  if (!isnan(e->adv_usd) && !(isfinite(e->adv_usd) && e->adv_usd > 0))
    return folio_error_set(err, FOLIO_EINVAL, "guards: ADV of %s must be finite and > 0, got %g",
                           s, e->adv_usd);
  if (e->order != 0 && isfinite(l->max_adv_fraction) && isnan(e->adv_usd))
    return folio_error_set(err, FOLIO_EMISSING,
                           "guards: no ADV for %s (needed by max_adv_fraction)", s);
  return FOLIO_OK;
}

/* Adds the event of one guard when its allowance falls short of the order. */
static void note(folio_guard_decision *d, double *allowed, folio_guard_kind kind, double qmax,
                 double qreq, double limit, double value) {
  if (qmax + LIMIT_EPS * fmax(1.0, qreq) >= qreq) return;
  folio_guard_event *ev = &d->events[d->n_events++];
  ev->guard = kind;
  ev->limit = limit;
  ev->value = value;
  if (qmax < *allowed) *allowed = qmax;
}

/* Decides one order against the book; updates the book's gross. */
static folio_guard_decision decide(const folio_guard_limits *l, const folio_drawdown_state *st,
                                   const folio_guard_entry *e, double *gross, double nav,
                                   double lev_nav) {
  folio_guard_decision d;
  memset(&d, 0, sizeof d);
  double s = e->order > 0 ? 1.0 : -1.0, qreq = fabs(e->order), p = e->price;
  double a = s * e->position;            /* the position, signed in the order's direction */
  double reducing = a < 0 ? -a : 0.0;    /* always allowed by the exposure guards */
  int increasing = qreq > reducing;
  double other = *gross - fabs(e->position) * p; /* gross of the rest of the book */
  double post = fabs(a + qreq) * p;              /* |position| after the full order, USD */
  double allowed = qreq;
  if (increasing) {
    if (isfinite(l->max_position_weight))
      note(&d, &allowed, FOLIO_GUARD_POSITION_WEIGHT,
           fmax(reducing, l->max_position_weight * nav / p - a), qreq, l->max_position_weight,
           post / nav);
    if (isfinite(l->max_gross))
      note(&d, &allowed, FOLIO_GUARD_GROSS, fmax(reducing, (l->max_gross * nav - other) / p - a),
           qreq, l->max_gross, (other + post) / nav);
    if (isfinite(l->max_leverage))
      note(&d, &allowed, FOLIO_GUARD_LEVERAGE,
           fmax(reducing, (l->max_leverage * lev_nav - other) / p - a), qreq, l->max_leverage,
           (other + post) / lev_nav);
    if (st && st->breached)
      note(&d, &allowed, FOLIO_GUARD_DRAWDOWN, reducing, qreq, l->max_drawdown, st->drawdown);
  }
  if (isfinite(l->max_adv_fraction))
    note(&d, &allowed, FOLIO_GUARD_LIQUIDITY, l->max_adv_fraction * e->adv_usd / p, qreq,
         l->max_adv_fraction, qreq * p / e->adv_usd);
  double q;
  if (d.n_events == 0) {
    q = qreq;
    d.verdict = FOLIO_GUARD_APPROVED;
  } else if (!l->scale || !(allowed > 0)) {
    q = 0.0;
  } else {
    q = e->lot > 0 ? floor(allowed / e->lot + LOT_EPS) * e->lot : allowed;
    /* the exact reducing part (a close) beats a lot-rounded remainder */
    if (reducing > q && reducing <= allowed * (1 + LIMIT_EPS)) q = reducing;
    if (q > qreq) q = qreq;
  }
  if (d.n_events) d.verdict = q > 0 ? FOLIO_GUARD_RESIZED : FOLIO_GUARD_REJECTED;
  d.quantity = q;
  double after = q == reducing && reducing > 0 ? 0.0 : e->position + s * q;
  *gross = other + fabs(after) * p;
  return d;
}

folio_status folio_guards_check(const folio_guard_limits *limits,
                                const folio_drawdown_state *state, size_t n_entries,
                                const char *const *symbols, const folio_guard_entry *entries,
                                double nav_usd, double leverage_nav, folio_guard_decision *out,
                                folio_error *err) {
  folio_error_clear(err);
  folio_status st = folio_guard_limits_check(limits, err);
  if (st != FOLIO_OK) return st;
  if (state && (st = folio_drawdown_check(state, err)) != FOLIO_OK) return st;
  if (n_entries && (!entries || !out))
    return folio_error_set(err, FOLIO_EINVAL, "guards: NULL array");
  if (!(isfinite(nav_usd) && nav_usd > 0))
    return folio_error_set(err, isnan(nav_usd) ? FOLIO_ENOTFINITE : FOLIO_EINVAL,
                           "guards: nav_usd must be finite and > 0, got %g", nav_usd);
  if (!(isfinite(leverage_nav) && leverage_nav > 0))
    return folio_error_set(err, isnan(leverage_nav) ? FOLIO_ENOTFINITE : FOLIO_EINVAL,
                           "guards: leverage NAV must be finite and > 0, got %g", leverage_nav);
  double gross = 0.0;
  for (size_t i = 0; i < n_entries; i++) {
    if ((st = check_entry(limits, i, symbols, &entries[i], err)) != FOLIO_OK) return st;
    if (entries[i].position != 0) gross += fabs(entries[i].position) * entries[i].price;
  }
  /* Pass 1: reducing orders (they free room); pass 2: increasing ones. Each
   * symbol has one order, so only the running gross carries between them. */
  for (int pass = 0; pass < 2; pass++)
    for (size_t i = 0; i < n_entries; i++) {
      const folio_guard_entry *e = &entries[i];
      if (pass == 0) memset(&out[i], 0, sizeof out[i]);
      if (e->order == 0) continue;
      double a = (e->order > 0 ? 1.0 : -1.0) * e->position;
      int reducing = fabs(e->order) <= (a < 0 ? -a : 0.0);
      if (reducing != (pass == 0)) continue;
      out[i] = decide(limits, state, e, &gross, nav_usd, leverage_nav);
    }
  return FOLIO_OK;
}
