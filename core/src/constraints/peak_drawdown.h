/*
 * peak_drawdown.h — the one running peak and drawdown of a NAV series, shared
 * by the drawdown guard (constraints/guards.c) and the portfolio memory
 * (state/state.c, a later stage). Internal: not installed, not API.
 */
#ifndef FOLIO_PEAK_DRAWDOWN_H
#define FOLIO_PEAK_DRAWDOWN_H

/* Moves the running *peak up to nav (or restarts it at nav when `fresh`, the
 * first observation) and returns the drawdown 1 - nav / peak, 0 at a peak. */
static inline double folio_i_peak_drawdown(double *peak, double nav, int fresh) {
  if (fresh || nav > *peak) *peak = nav;
  double dd = 1.0 - nav / *peak;
  if (dd < 0) dd = 0.0;
  return dd;
}

#endif
