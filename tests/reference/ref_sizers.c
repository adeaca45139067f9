/*
 * ref_sizers.c — folio_kelly_fraction against the peer-computed Kelly weights
 * of ../shared/reference (see its README, "kelly_ra2_cap20.csv"):
 * Sigma = 252 * cov_sample, risk aversion 2, cap 0.2, raw and capped weights
 * to 1e-10 relative; the same for the `_complete` files. Exits 77 with a
 * visible SKIP when the reference folder is absent.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "folio/sizers.h"
#include "refio.h"
#include "testlib.h"

static void check_case(const char *dir, const char *kelly_file, const char *cov_file) {
  ref_table k, c;
  if (ref_load(dir, kelly_file, &k) != 0 || ref_load(dir, cov_file, &c) != 0) {
    CHECK_MSG(0, "cannot load %s / %s", kelly_file, cov_file);
    return;
  }
  int jmu = ref_col(&k, "mu_annual"), jraw = ref_col(&k, "w_raw"), jcap = ref_col(&k, "w_capped");
  size_t n = c.n_rows;
  CHECK(jmu >= 0 && jraw >= 0 && jcap >= 0);
  CHECK_EQ_INT(c.n_cols, n);
  CHECK_EQ_INT(k.n_rows, n);
  if (jmu < 0 || jraw < 0 || jcap < 0 || c.n_cols != n || k.n_rows != n) {
    ref_free(&k);
    ref_free(&c);
    return;
  }
  /* The Kelly rows may list the symbols in another order than the cov file:
   * align by name. */
  double *sigma = malloc(sizeof(double) * n * n), *mu = malloc(sizeof(double) * n);
  double *want_raw = malloc(sizeof(double) * n), *want_cap = malloc(sizeof(double) * n);
  double *w = malloc(sizeof(double) * n), *raw = malloc(sizeof(double) * n);
  const char **sy = malloc(sizeof(char *) * n);
  for (size_t i = 0; i < n; i++) {
    CHECK(strcmp(c.labels[i], c.header[i + 1]) == 0);
    sy[i] = c.labels[i];
    size_t r = n;
    for (size_t q = 0; q < n; q++)
      if (strcmp(k.labels[q], sy[i]) == 0) r = q;
    CHECK_MSG(r < n, "%s: symbol %s missing", kelly_file, sy[i]);
    if (r == n) r = 0;
    mu[i] = k.values[r * k.n_cols + (size_t)jmu];
    want_raw[i] = k.values[r * k.n_cols + (size_t)jraw];
    want_cap[i] = k.values[r * k.n_cols + (size_t)jcap];
    for (size_t j = 0; j < n; j++) sigma[i + j * n] = 252.0 * c.values[i * c.n_cols + j];
  }
  folio_kelly_opts o = folio_kelly_defaults();
  o.risk_aversion = 2.0;
  o.cap = 0.2;
  folio_kelly_info info;
  folio_error err;
  folio_status st = folio_kelly_fraction(n, mu, sigma, n, sy, &o, w, raw, NULL, &info, &err);
  CHECK_MSG(st == FOLIO_OK, "%s", err.message);
  if (st == FOLIO_OK) {
    double dev_raw = 0, dev_cap = 0;
    size_t n_capped = 0;
    for (size_t i = 0; i < n; i++) {
      double d1 = fabs(raw[i] - want_raw[i]) / fmax(fabs(want_raw[i]), 1e-300);
      double d2 = fabs(w[i] - want_cap[i]) / fmax(fabs(want_cap[i]), 1e-300);
      CHECK_MSG(d1 <= 1e-10, "%s %s: raw %.17g, reference %.17g", kelly_file, sy[i], raw[i],
                want_raw[i]);
      CHECK_MSG(d2 <= 1e-10, "%s %s: capped %.17g, reference %.17g", kelly_file, sy[i], w[i],
                want_cap[i]);
      dev_raw = fmax(dev_raw, d1);
      dev_cap = fmax(dev_cap, d2);
      n_capped += fabs(want_raw[i]) > 0.2;
    }
    CHECK_EQ_INT(info.n_capped, n_capped);
    CHECK(info.ridge == 0.0);
    printf("%s: %zu symbols, %zu capped; max relative deviation raw %.3g, capped %.3g\n",
           kelly_file, n, n_capped, dev_raw, dev_cap);
  }
  /* The reference matrix passes the symmetry check because it is symmetric:
   * one entry moved by 1e-8 relative is caught, with the real names. */
  if (n >= 2) {
    double keep = sigma[1];
    sigma[1] *= 1 + 1e-8;
    char pair[128];
    snprintf(pair, sizeof pair, "symbols %s and %s", sy[0], sy[1]);
    st = folio_kelly_fraction(n, mu, sigma, n, sy, &o, w, raw, NULL, &info, &err);
    CHECK_ERR(st, err, FOLIO_ENOTSYM, pair);
    sigma[1] = keep;
  }
  free(sigma);
  free(mu);
  free(want_raw);
  free(want_cap);
  free(w);
  free(raw);
  free(sy);
  ref_free(&k);
  ref_free(&c);
}

int main(void) {
  const char *dir = tl_reference_dir();
  if (!dir) {
    printf("SKIP: ../shared/reference is absent; reference tests not run\n");
    return 77;
  }
  check_case(dir, "kelly_ra2_cap20.csv", "cov_sample.csv");
  check_case(dir, "kelly_ra2_cap20_complete.csv", "cov_sample_complete.csv");
  return tl_finish("ref_sizers");
}
