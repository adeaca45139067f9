/*
 * money.c — cent rounding for USD amounts (see money.h for the rule).
 */
#include <float.h>
#include <math.h>

#include "folio/money.h"

/* x * 100 snapped to the nearest integer when it is within a few ulps of it
 * (the error of the product itself), never by more than 1e-6 cent. */
static double cents_snapped(double usd) {
  double c = usd * 100.0;
  double r = nearbyint(c);
  if (fabs(c - r) <= fmin(1e-6, 8.0 * DBL_EPSILON * fabs(c))) return r;
  return c;
}

double folio_usd_floor_cents(double usd) {
  if (!isfinite(usd)) return usd;
  return floor(cents_snapped(usd)) / 100.0;
}

double folio_usd_round_cents(double usd) {
  if (!isfinite(usd)) return usd;
  return round(cents_snapped(usd)) / 100.0;
}
