/*
 * examples/kelly.c — using libfolio from C: half-Kelly weights for three
 * assets from a covariance matrix, capped at 20 % of NAV.
 *
 *   cc kelly.c $(pkg-config ...) -lfolio ... ; ./kelly
 * (built by CMake as build/examples/example_kelly and run by `make test`).
 */
#include <math.h>
#include <stdio.h>

#include "folio/folio.h"

int main(void) {
  const char *symbols[] = {"AAA", "BBB", "CCC"};
  const double mu[] = {0.08, 0.05, 0.12};           /* annualised expected returns */
  const double cov[] = {0.040, 0.006, 0.010,        /* annualised covariance, column-major */
                        0.006, 0.025, 0.004,
                        0.010, 0.004, 0.090};
  folio_kelly_opts opts = folio_kelly_defaults();
  opts.risk_aversion = 2.0; /* half Kelly */
  opts.cap = 0.20;          /* no name above 20 % of NAV */

  double w[3], raw[3];
  folio_kelly_info info;
  folio_error err;
  if (folio_kelly_fraction(3, mu, cov, 3, symbols, &opts, w, raw, NULL, &info, &err) != FOLIO_OK) {
    fprintf(stderr, "kelly: %s\n", err.message);
    return 1;
  }
  printf("%-6s %10s %10s\n", "symbol", "raw", "weight");
  for (int i = 0; i < 3; i++) printf("%-6s %10.6f %10.6f\n", symbols[i], raw[i], w[i]);
  printf("%zu name(s) at the cap\n", info.n_capped);

  /* Bad input is an error with a message, never a crash. */
  const double bad[] = {1.0, 2.0, 2.0, 1.0}; /* not positive definite */
  if (folio_kelly_fraction(2, mu, bad, 2, symbols, &opts, w, raw, NULL, &info, &err) != FOLIO_OK)
    printf("as expected: %s (%s)\n", err.message, folio_status_name(err.status));
  return 0;
}
