/*
 * numbers.c — the numeric domains (numbers.h, docs/numbers.md): one table
 * of bounds, one check of an input against them, one final check of a
 * result. Every core function, the Lua bindings and the reconciler use
 * these, so a domain is stated, and enforced, in one place.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "folio/money.h"
#include "folio/numbers.h"
#include "internal.h"

typedef struct domain_spec {
  const char *name;
  double lo, hi;
  int zero_ok;
} domain_spec;

/* Indexed by folio_domain; the order of the enum. */
static const domain_spec domains[FOLIO_DOMAIN_COUNT] = {
    {"price", FOLIO_MIN_PRICE, FOLIO_MAX_PRICE, 0},
    {"lot", FOLIO_MIN_LOT, FOLIO_MAX_LOT, 0},
    {"quantity", -FOLIO_MAX_QUANTITY, FOLIO_MAX_QUANTITY, 0},
    {"weight", -FOLIO_MAX_WEIGHT, FOLIO_MAX_WEIGHT, 0},
    {"USD amount", -FOLIO_MAX_USD, FOLIO_MAX_USD, 0},
    {"expected return", -FOLIO_MAX_RETURN, FOLIO_MAX_RETURN, 0},
    {"covariance", -FOLIO_MAX_COV, FOLIO_MAX_COV, 0},
    {"variance", FOLIO_MIN_VARIANCE, FOLIO_MAX_COV, 1},
    {"timestamp", 0.0, FOLIO_MAX_EPOCH, 0},
};

folio_status folio_domain_bounds(folio_domain d, const char **name, double *lo, double *hi,
                                 int *zero_ok) {
  int ok = (int)d >= 0 && d < FOLIO_DOMAIN_COUNT;
  if (name) *name = ok ? domains[d].name : "?";
  if (lo) *lo = ok ? domains[d].lo : NAN;
  if (hi) *hi = ok ? domains[d].hi : NAN;
  if (zero_ok) *zero_ok = ok ? domains[d].zero_ok : 0;
  return ok ? FOLIO_OK : FOLIO_EINVAL;
}

const char *folio_number_text(double x, char *buf, size_t size) {
  for (int prec = 6; prec <= 17; prec += prec < 15 ? 9 : 1) {
    snprintf(buf, size, "%.*g", prec, x);
    if (strtod(buf, NULL) == x || isnan(x)) break;
  }
  return buf;
}

/* " of SYM" or "" */
static void of_symbol(const char *symbol, char *buf, size_t size) {
  if (symbol && *symbol)
    snprintf(buf, size, " of %s", symbol);
  else
    buf[0] = '\0';
}

int folio_i_in_domain(folio_domain d, double x) {
  if ((int)d < 0 || d >= FOLIO_DOMAIN_COUNT) return 0;
  const domain_spec *s = &domains[d];
  return (x >= s->lo && x <= s->hi) || (s->zero_ok && x == 0.0);
}

folio_status folio_check_number(folio_domain d, double x, const char *who, const char *what,
                                 const char *symbol, folio_error *err) {
  if ((int)d < 0 || d >= FOLIO_DOMAIN_COUNT)
    return folio_error_set(err, FOLIO_EINVAL, "check_number: unknown domain %d", (int)d);
  const domain_spec *s = &domains[d];
  if ((x >= s->lo && x <= s->hi) || (s->zero_ok && x == 0.0)) return FOLIO_OK; /* NaN fails both */
  char of[160];
  of_symbol(symbol, of, sizeof of);
  if (!who) who = "check_number";
  if (!what) what = s->name;
  if (isnan(x)) return folio_error_set(err, FOLIO_ENOTFINITE, "%s: %s%s is NaN", who, what, of);
  if (isinf(x))
    return folio_error_set(err, FOLIO_ENOTFINITE, "%s: %s%s is %s", who, what, of,
                           x > 0 ? "inf" : "-inf");
  char v[40], lo[40], hi[40];
  folio_number_text(x, v, sizeof v);
  folio_number_text(s->lo, lo, sizeof lo);
  folio_number_text(s->hi, hi, sizeof hi);
  return folio_error_set(err, FOLIO_EINVAL, "%s: %s %s%s is outside the %s domain %s[%s, %s]", who,
                         what, v, of, s->name, s->zero_ok ? "0 or " : "", lo, hi);
}

folio_status folio_check_finite(const double *x, size_t n, size_t stride,
                                const char *const *symbols, const char *who, const char *what,
                                folio_error *err) {
  for (size_t i = 0; i < n; i++) {
    double v = x[i * stride];
    if (isfinite(v)) continue;
    char of[160];
    if (symbols && symbols[i])
      snprintf(of, sizeof of, " of %s", symbols[i]);
    else
      snprintf(of, sizeof of, " #%zu", i + 1);
    return folio_error_set(err, FOLIO_ENOTFINITE,
                           "%s: %s%s is %s (the inputs overflow the computation)",
                           who ? who : "check_finite", what ? what : "result", of,
                           isnan(v) ? "NaN" : v > 0 ? "inf" : "-inf");
  }
  return FOLIO_OK;
}
