/*
 * state.c — snapshot totals and the running P&L / drawdown / leverage memory
 * (see state.h). Money totals are summed from cent-rounded market values and
 * rounded again, so a NAV never carries a sub-cent residue.
 */
#include <math.h>

#include "folio/money.h"
#include "folio/state.h"
#include "folio/numbers.h"
#include "../constraints/peak_drawdown.h"
#include "internal.h"

double folio_position_market_value(double quantity, double market_price) {
  return folio_usd_round_cents(quantity * market_price);
}

folio_status folio_snapshot_compute(size_t n, const char *const *symbols, const double *qty,
                                    const double *px, double cash, folio_snapshot_totals *out,
                                    folio_error *err) {
  folio_error_clear(err);
  if (!out || (n && (!qty || !px)))
    return folio_error_set(err, FOLIO_EINVAL, "snapshot: NULL array");
  if (!isfinite(cash)) return folio_error_set(err, FOLIO_ENOTFINITE, "snapshot: cash is %g", cash);
  if (fabs(cash) > FOLIO_MAX_USD)
    return folio_error_set(err, FOLIO_EINVAL, "snapshot: cash %g exceeds %g USD", cash,
                           FOLIO_MAX_USD);
  double gross = 0.0, net = 0.0;
  for (size_t i = 0; i < n; i++) {
    char sb[64];
    const char *s = folio_i_symbol(symbols, i, sb, sizeof sb);
    if (!isfinite(qty[i]))
      return folio_error_set(err, FOLIO_ENOTFINITE, "snapshot: quantity of %s is %g", s, qty[i]);
    folio_status st = folio_check_number(FOLIO_DOMAIN_QUANTITY, qty[i], "snapshot", "quantity", s, err);
    if (st != FOLIO_OK) return st;
    if (qty[i] == 0 && isnan(px[i])) continue; /* a flat line needs no price */
    if (!isfinite(px[i]))
      return folio_error_set(err, FOLIO_ENOTFINITE, "snapshot: market price of %s is %g", s,
                             px[i]);
    if (!(px[i] > 0))
      return folio_error_set(err, FOLIO_EINVAL, "snapshot: market price of %s must be > 0, got %g",
                             s, px[i]);
    if ((st = folio_check_number(FOLIO_DOMAIN_PRICE, px[i], "snapshot", "market price", s, err)) != FOLIO_OK)
      return st;
    double mv = folio_position_market_value(qty[i], px[i]);
    if (fabs(mv) > FOLIO_MAX_USD)
      return folio_error_set(err, FOLIO_EINVAL, "snapshot: market value of %s exceeds %g USD", s,
                             FOLIO_MAX_USD);
    gross += fabs(mv);
    net += mv;
  }
  out->cash = cash;
  out->gross = folio_usd_round_cents(gross);
  out->net = folio_usd_round_cents(net);
  out->nav = folio_usd_round_cents(cash + net);
  return FOLIO_OK;
}

folio_portfolio_memory folio_memory_initial(void) {
  folio_portfolio_memory m;
  m.latest_pnl = 0.0;
  m.rolling_drawdown = 0.0;
  m.current_leverage = 0.0;
  m.peak_nav = NAN;
  m.last_nav = NAN;
  m.last_timestamp = NAN;
  m.reference_nav = NAN;
  m.n_updates = 0;
  return m;
}

folio_status folio_memory_check(const folio_portfolio_memory *m, folio_error *err) {
  if (!m) return folio_error_set(err, FOLIO_EINVAL, "update_snapshot: NULL memory");
  if (m->n_updates < 0)
    return folio_error_set(err, FOLIO_EINVAL, "update_snapshot: n_updates must be >= 0");
  if (m->n_updates == 0) return FOLIO_OK;
  const struct {
    const char *name;
    double v;
  } pos[] = {{"peak_nav", m->peak_nav}, {"last_nav", m->last_nav}, {"reference_nav", m->reference_nav}};
  for (size_t i = 0; i < sizeof pos / sizeof pos[0]; i++)
    if (!(isfinite(pos[i].v) && pos[i].v > 0))
      return folio_error_set(err, FOLIO_EINVAL, "update_snapshot: state.%s must be > 0, got %g",
                             pos[i].name, pos[i].v);
  if (!isfinite(m->last_timestamp))
    return folio_error_set(err, FOLIO_EINVAL, "update_snapshot: state.last_timestamp is %g",
                           m->last_timestamp);
  if (m->last_nav > m->peak_nav)
    return folio_error_set(err, FOLIO_EINVAL,
                           "update_snapshot: state.last_nav %g is above state.peak_nav %g",
                           m->last_nav, m->peak_nav);
  return FOLIO_OK;
}

/* The UTC day of an epoch time. */
static double utc_day(double t) { return floor(t / 86400.0); }

folio_status folio_memory_update(folio_portfolio_memory *mem, double timestamp, double nav,
                                 double gross, folio_error *err) {
  folio_error_clear(err);
  folio_status st = folio_memory_check(mem, err);
  if (st != FOLIO_OK) return st;
  if (!isfinite(timestamp) || !isfinite(nav) || !isfinite(gross))
    return folio_error_set(err, FOLIO_ENOTFINITE,
                           "update_snapshot: timestamp %g, nav %g and gross %g must be finite",
                           timestamp, nav, gross);
  if (!(nav > 0))
    return folio_error_set(err, FOLIO_EINVAL, "update_snapshot: nav must be > 0, got %g", nav);
  if (gross < 0)
    return folio_error_set(err, FOLIO_EINVAL, "update_snapshot: gross must be >= 0, got %g",
                           gross);
  folio_portfolio_memory m = *mem;
  if (m.n_updates > 0 && timestamp < m.last_timestamp)
    return folio_error_set(err, FOLIO_EINVAL,
                           "update_snapshot: timestamp %.0f is before the last one %.0f", timestamp,
                           m.last_timestamp);
  if (m.n_updates == 0)
    m.reference_nav = nav;
  else if (utc_day(timestamp) > utc_day(m.last_timestamp))
    m.reference_nav = m.last_nav; /* a new day: yesterday's last NAV is the reference */
  m.rolling_drawdown = folio_i_peak_drawdown(&m.peak_nav, nav, isnan(m.peak_nav)); /* a seeded peak counts */
  m.latest_pnl = nav / m.reference_nav - 1.0;
  m.current_leverage = gross / nav;
  m.last_nav = nav;
  m.last_timestamp = timestamp;
  m.n_updates++;
  *mem = m;
  return FOLIO_OK;
}
