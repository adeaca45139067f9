/*
 * numbers.h — the numeric domains folio accepts, and the one check of them
 * (docs/numbers.md).
 *
 * No non-finite number leaves the core: every public function checks its
 * inputs against these domains before computing and its outputs for
 * finiteness before returning FOLIO_OK. An input outside its domain is a
 * FOLIO_EINVAL naming the function, the parameter, the symbol and the value
 * ("orders.diff: price 4.9406564584124654e-324 of AAA is outside the price
 * domain [1e-08, 1e+12]"); a result that is not finite is a
 * FOLIO_ENOTFINITE naming the symbol ("kelly_fraction: weight of A is NaN
 * (the inputs overflow the computation)"). The domains are wide enough for
 * any real portfolio and narrow enough that the products a sizer, a diff or
 * a reconciler forms from them (units = NAV x weight / price, Kelly's
 * mu / variance) stay far from overflow and underflow.
 */
#ifndef FOLIO_NUMBERS_H
#define FOLIO_NUMBERS_H

#include <stddef.h>

#include "folio/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Prices per unit (USD): 1e-8 (a sub-micro-cent token) to 1e12. */
#define FOLIO_MIN_PRICE 1e-8
#define FOLIO_MAX_PRICE 1e12
/* Lot sizes and quantity steps (units): 1e-8 to 1e9. */
#define FOLIO_MIN_LOT 1e-8
#define FOLIO_MAX_LOT 1e9
/* Quantities held or ordered (units), either sign: at most 1e15. */
#define FOLIO_MAX_QUANTITY 1e15
/* Weights (fractions of NAV or of a sleeve, either sign): at most 100 (10,000 % of NAV). */
#define FOLIO_MAX_WEIGHT 100.0
/* Expected returns per period, either sign: at most 1e6. */
#define FOLIO_MAX_RETURN 1e6
/* Covariance entries, either sign: at most 1e10; a variance (a diagonal
 * entry) is 0 or at least 1e-20 (a volatility of 1e-10 per period): a
 * denormal or near-denormal variance is not a measurement. */
#define FOLIO_MAX_COV 1e10
#define FOLIO_MIN_VARIANCE 1e-20
/* Timestamps (seconds since 1970-01-01 UTC): up to 9999-12-31T23:59:59Z. */
#define FOLIO_MAX_EPOCH 253402300799.0
/* USD amounts: FOLIO_MAX_USD (money.h), 1e13, either sign. */

typedef enum folio_domain {
  FOLIO_DOMAIN_PRICE = 0, /* [FOLIO_MIN_PRICE, FOLIO_MAX_PRICE] */
  FOLIO_DOMAIN_LOT,       /* [FOLIO_MIN_LOT, FOLIO_MAX_LOT] */
  FOLIO_DOMAIN_QUANTITY,  /* [-FOLIO_MAX_QUANTITY, FOLIO_MAX_QUANTITY] */
  FOLIO_DOMAIN_WEIGHT,    /* [-FOLIO_MAX_WEIGHT, FOLIO_MAX_WEIGHT] */
  FOLIO_DOMAIN_USD,       /* [-FOLIO_MAX_USD, FOLIO_MAX_USD] */
  FOLIO_DOMAIN_RETURN,    /* [-FOLIO_MAX_RETURN, FOLIO_MAX_RETURN] */
  FOLIO_DOMAIN_COV,       /* [-FOLIO_MAX_COV, FOLIO_MAX_COV] */
  FOLIO_DOMAIN_VARIANCE,  /* 0, or [FOLIO_MIN_VARIANCE, FOLIO_MAX_COV] */
  FOLIO_DOMAIN_EPOCH,     /* [0, FOLIO_MAX_EPOCH] */
  FOLIO_DOMAIN_COUNT
} folio_domain;

/* The domain's name ("price", "lot", ...; "?" for an unknown value) and
 * bounds; *zero_ok says 0 is accepted besides [lo, hi] (variances). Any of
 * the out-parameters may be NULL. Returns FOLIO_EINVAL for an unknown domain. */
FOLIO_API folio_status folio_domain_bounds(folio_domain d, const char **name, double *lo, double *hi,
                                           int *zero_ok);

/*
 * Checks that x lies in domain d: FOLIO_OK, or FOLIO_ENOTFINITE ("<who>:
 * <what> of <symbol> is NaN|inf") or FOLIO_EINVAL ("<who>: <what> <x> of
 * <symbol> is outside the <domain> domain [lo, hi]"). what names the
 * parameter ("price", "cov[2,3]"); symbol may be NULL (then no "of ...").
 * The value is printed exactly (the shortest text that reads back as x).
 */
FOLIO_API folio_status folio_check_number(folio_domain d, double x, const char *who, const char *what,
                                          const char *symbol, folio_error *err);

/*
 * The final check of a result: every x[i * stride] (i < n) is finite, or
 * FOLIO_ENOTFINITE "<who>: <what> of <symbol> is NaN|inf (the inputs
 * overflow the computation)", naming symbols[i] (or "#i+1" when symbols is
 * NULL; a n_rows x n_cols matrix is checked with n = n_rows * n_cols and
 * symbols NULL). x may be NULL when n is 0.
 */
FOLIO_API folio_status folio_check_finite(const double *x, size_t n, size_t stride,
                                          const char *const *symbols, const char *who,
                                          const char *what, folio_error *err);

/* Formats x as the shortest of %g, %.15g, %.16g, %.17g that reads back as x
 * (so 1e300 prints "1e+300" and 4.9e-324 "4.9406564584124654e-324").
 * Writes into buf (size >= 32) and returns it. */
FOLIO_API const char *folio_number_text(double x, char *buf, size_t size);

#ifdef __cplusplus
}
#endif
#endif
