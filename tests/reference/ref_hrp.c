/*
 * ref_hrp.c — Hierarchical Risk Parity against PyPortfolioOpt's HRPOpt
 * (../shared/reference, see its README "hrp_single*"): weights, leaf order
 * and scipy's linkage matrix, from the PAIRWISE statistics of the 7125
 * simple-return rows of stock_prices.csv (leading gaps kept) and from the
 * 895 complete rows. Also checks folio_sample_corr against corr_pairwise.csv.
 * Skips (exit 77, with a SKIP line) when the folder is absent.
 */
#include <math.h>
#include <stdint.h>

#include "folio/correlation.h"
#include "folio/hrp.h"
#include "folio/returns.h"
#include "folio/risk_model.h"
#include "ref_returns.h"
#include "refio.h"
#include "testlib.h"


static void check_case(const char *dir, int complete_only) {
  const char *tag = complete_only ? "_complete" : "";
  ref_table t;
  size_t n_rows = 0;
  double *r = ref_load_returns(dir, &t, complete_only, &n_rows);
  if (!r) {
    CHECK_MSG(0, "cannot load stock_prices.csv");
    return;
  }
  const size_t a = t.n_cols;
  const char *const *syms = (const char *const *)(t.header + 1);
  CHECK_EQ_INT(n_rows, complete_only ? 895 : 7125);
  folio_panel rp = {r, n_rows, a, n_rows, NULL, syms};
  double *corr = malloc(sizeof(double) * a * a), *cov = malloc(sizeof(double) * a * a);
  folio_error err = {FOLIO_OK, ""};
  folio_status st = folio_sample_corr(&rp, FOLIO_MISSING_PAIRWISE, corr, a, cov, a, NULL, NULL, &err);
  CHECK_MSG(st == FOLIO_OK, "sample_corr: %s", err.message);

  /* corr against pandas' pairwise R.corr() (only the un-suffixed file exists). */
  if (!complete_only) {
    ref_table rc;
    if (ref_load(dir, "corr_pairwise.csv", &rc) == 0 && rc.n_rows == a && rc.n_cols == a) {
      double worst = 0.0;
      for (size_t i = 0; i < a; i++)
        for (size_t j = 0; j < a; j++) {
          double dv = fabs(corr[i + j * a] - rc.values[i * a + j]);
          if (!(dv <= worst)) worst = dv;
        }
      printf("corr_pairwise: max |corr - ref| = %.3g\n", worst);
      CHECK(worst <= 1e-13);
      ref_free(&rc);
    } else {
      CHECK_MSG(0, "cannot load corr_pairwise.csv");
    }
    ref_table rv;
    if (ref_load(dir, "cov_sample.csv", &rv) == 0 && rv.n_rows == a) {
      double worst = 0.0;
      for (size_t i = 0; i < a; i++)
        for (size_t j = 0; j < a; j++) {
          double s = sqrt(rv.values[i * a + i] * rv.values[j * a + j]);
          double dv = fabs(cov[i + j * a] - rv.values[i * a + j]) / s;
          if (!(dv <= worst)) worst = dv;
        }
      printf("cov_sample (from sample_corr): max rel deviation = %.3g\n", worst);
      CHECK(worst <= 1e-12);
      ref_free(&rv);
    }
  }

  double w[64], Z[4 * 64];
  size_t order[64];
  st = folio_hrp(a, cov, a, corr, a, syms, FOLIO_LINKAGE_SINGLE, NULL, NULL, w, order, Z, NULL, &err);
  CHECK_MSG(st == FOLIO_OK, "hrp: %s", err.message);

  char name[128];
  ref_table rw, ro, rl;
  snprintf(name, sizeof name, "hrp_single%s.csv", tag);
  int ok_w = ref_load(dir, name, &rw) == 0;
  snprintf(name, sizeof name, "hrp_single%s_order.csv", tag);
  int ok_o = ref_load(dir, name, &ro) == 0;
  snprintf(name, sizeof name, "hrp_single%s_linkage.csv", tag);
  int ok_l = ref_load(dir, name, &rl) == 0;
  CHECK(ok_w && ok_o && ok_l);
  if (ok_w && ok_o && ok_l) {
    double dw = 0.0, dz = 0.0, sum = 0.0;
    CHECK_EQ_INT(rw.n_rows, a);
    for (size_t j = 0; j < a && j < rw.n_rows; j++) {
      CHECK_MSG(strcmp(rw.labels[j], syms[j]) == 0, "weights row %zu is %s", j, rw.labels[j]);
      double dv = fabs(w[j] - rw.values[j * rw.n_cols]);
      if (!(dv <= dw)) dw = dv;
      sum += w[j];
    }
    size_t order_mismatch = 0;
    int ci = ref_col(&ro, "column_index");
    CHECK(ci >= 0);
    CHECK_EQ_INT(ro.n_rows, a);
    for (size_t k = 0; k < a && k < ro.n_rows && ci >= 0; k++)
      if ((double)order[k] != ro.values[k * ro.n_cols + (size_t)ci]) order_mismatch++;
    CHECK_EQ_INT(rl.n_rows, a - 1);
    size_t id_mismatch = 0;
    int cl = ref_col(&rl, "left_id"), cr = ref_col(&rl, "right_id"), cd = ref_col(&rl, "distance"),
        cs = ref_col(&rl, "size");
    CHECK(cl >= 0 && cr >= 0 && cd >= 0 && cs >= 0);
    for (size_t k = 0; k + 1 < a && k < rl.n_rows && cl >= 0 && cr >= 0 && cd >= 0 && cs >= 0; k++) {
      const double *row = rl.values + k * rl.n_cols;
      if (Z[4 * k] != row[cl] || Z[4 * k + 1] != row[cr] || Z[4 * k + 3] != row[cs]) id_mismatch++;
      double dv = fabs(Z[4 * k + 2] - row[cd]);
      if (!(dv <= dz)) dz = dv;
    }
    printf("hrp_single%s: max |w - ref| = %.3g, |sum w - 1| = %.3g, order mismatches %zu, "
           "linkage id/size mismatches %zu, max |distance - ref| = %.3g\n",
           tag, dw, fabs(sum - 1.0), order_mismatch, id_mismatch, dz);
    CHECK(dw <= 1e-9);
    CHECK(fabs(sum - 1.0) <= 1e-14);
    CHECK_EQ_INT(order_mismatch, 0);
    CHECK_EQ_INT(id_mismatch, 0);
    CHECK(dz <= 1e-9);
  }
  if (ok_w) ref_free(&rw);
  if (ok_o) ref_free(&ro);
  if (ok_l) ref_free(&rl);
  free(corr);
  free(cov);
  free(r);
  ref_free(&t);
}

int main(void) {
  const char *dir = tl_reference_dir();
  if (!dir) {
    printf("SKIP: ref_hrp: FOLIO_REFERENCE_DIR (../shared/reference) is not available\n");
    return 77;
  }
  check_case(dir, 0);
  check_case(dir, 1);
  return tl_finish("ref_hrp");
}
