/*
 * money.c — cent rounding for USD amounts (see money.h for the rule).
 */
#include <float.h>
#include <math.h>

#include "folio/money.h"

/* x * 100 snapped to the nearest integer when it is within a few ulps of it
 * (the rounding error of the product and of the amount itself). The 1e-3 cent
 * ceiling only matters above ~$5e9, where it keeps genuine sub-cent
 * fractions (still representable there) from being snapped away. */
static double cents_snapped(double usd) {
  double c = usd * 100.0;
  double r = nearbyint(c);
  if (fabs(c - r) <= fmin(1e-3, 8.0 * DBL_EPSILON * fabs(c))) return r;
  return c;
}

/* From 2^52 on every double is a whole number, so already whole cents; and
 * usd * 100 could overflow to Inf (1e308 * 100). */
#define WHOLE_FROM 4503599627370496.0

double folio_usd_floor_cents(double usd) {
  if (!isfinite(usd) || fabs(usd) >= WHOLE_FROM) return usd;
  return floor(cents_snapped(usd)) / 100.0;
}

double folio_usd_round_cents(double usd) {
  if (!isfinite(usd) || fabs(usd) >= WHOLE_FROM) return usd;
  return round(cents_snapped(usd)) / 100.0;
}
