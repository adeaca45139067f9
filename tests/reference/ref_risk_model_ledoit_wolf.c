/*
 * ref_risk_model_ledoit_wolf.c — Ledoit-Wolf shrinkage against scikit-learn's
 * LedoitWolf as recorded in ../shared/reference (see its README):
 * cov_ledoit_wolf_complete.csv on the 895 complete rows of stock_prices.csv
 * simple returns, and cov_ledoit_wolf.csv on all 7125 rows with NaN read as
 * 0 (PyPortfolioOpt's convention, missing = zero). Matrices to 1e-10
 * relative to sqrt(C_ii C_jj), shrinkage constants to 1e-12.
 */
#include <math.h>
#include <stdint.h>

#include "folio/returns.h"
#include "folio/risk_model.h"
#include "ref_returns.h"
#include "refio.h"
#include "testlib.h"

#define TOL 1e-10
#define TOL_SHRINK 1e-12


static double deviation(const double *c, size_t a, const char *dir, const char *file,
                        const char *const *syms) {
  ref_table ref;
  if (ref_load(dir, file, &ref) != 0) {
    CHECK_MSG(0, "cannot load %s", file);
    return INFINITY;
  }
  CHECK_EQ_INT(ref.n_rows, a);
  CHECK_EQ_INT(ref.n_cols, a);
  double worst = 0;
  for (size_t i = 0; i < a && i < ref.n_rows; i++) {
    CHECK_MSG(strcmp(ref.labels[i], syms[i]) == 0, "%s row %zu is %s", file, i, ref.labels[i]);
    for (size_t j = 0; j < a && j < ref.n_cols; j++) {
      double want = ref.values[i * a + j];
      double s = sqrt(ref.values[i * a + i] * ref.values[j * a + j]);
      double d = fabs(c[i + j * a] - want) / s;
      if (!(d <= worst)) worst = d;
    }
  }
  ref_free(&ref);
  return worst;
}

int main(void) {
  const char *dir = tl_reference_dir();
  if (!dir) {
    printf("SKIP: ../shared/reference is absent; Ledoit-Wolf reference tests not run\n");
    return 77;
  }
  ref_table t;
  size_t n = 0;
  double *r = ref_load_returns(dir, &t, 0, &n);
  if (!r) {
    CHECK_MSG(0, "cannot load data/stock_prices.csv");
    return tl_finish("ref_risk_model_ledoit_wolf");
  }
  const size_t a = t.n_cols;
  const char *const *syms = (const char *const *)(t.header + 1);
  CHECK_EQ_INT(n, 7125);
  CHECK_EQ_INT(a, 20);
  folio_panel rp = {r, n, a, n, NULL, syms};
  double cov[400];
  folio_lw_info info;
  folio_error err = {FOLIO_OK, ""};

  /* Complete rows. */
  CHECK_EQ_INT(folio_ledoit_wolf(&rp, FOLIO_MISSING_COMPLETE, 1.0, cov, a, NULL, &info, &err),
               FOLIO_OK);
  CHECK_EQ_INT(info.rows_used, 895);
  double dev = deviation(cov, a, dir, "cov_ledoit_wolf_complete.csv", syms);
  double want = ref_scalar(dir, "ledoit_wolf_shrinkage_complete.txt");
  double dshr = fabs(info.shrinkage - want);
  printf("cov_ledoit_wolf_complete.csv (895 rows) max deviation: %.3g of sqrt(C_ii C_jj); "
         "shrinkage %.17g vs %.17g (|diff| %.3g)\n",
         dev, info.shrinkage, want, dshr);
  CHECK_MSG(dev <= TOL, "complete LW deviates by %.3g", dev);
  CHECK_MSG(dshr <= TOL_SHRINK, "complete shrinkage deviates by %.3g", dshr);

  /* All rows, NaN -> 0. */
  CHECK_EQ_INT(folio_ledoit_wolf(&rp, FOLIO_MISSING_ZERO, 1.0, cov, a, NULL, &info, &err),
               FOLIO_OK);
  CHECK_EQ_INT(info.rows_used, 7125);
  CHECK_EQ_INT(info.had_missing, 1);
  dev = deviation(cov, a, dir, "cov_ledoit_wolf.csv", syms);
  want = ref_scalar(dir, "ledoit_wolf_shrinkage.txt");
  dshr = fabs(info.shrinkage - want);
  printf("cov_ledoit_wolf.csv (7125 rows, missing = zero) max deviation: %.3g of "
         "sqrt(C_ii C_jj); shrinkage %.17g vs %.17g (|diff| %.3g)\n",
         dev, info.shrinkage, want, dshr);
  CHECK_MSG(dev <= TOL, "zero-filled LW deviates by %.3g", dev);
  CHECK_MSG(dshr <= TOL_SHRINK, "zero-filled shrinkage deviates by %.3g", dshr);

  /* The default policy names the first gap (GOOG, before its listing). */
  CHECK_ERR(folio_ledoit_wolf(&rp, FOLIO_MISSING_ERROR, 1.0, cov, a, NULL, &info, &err), err,
            FOLIO_EMISSING, "symbol GOOG");

  free(r);
  ref_free(&t);
  return tl_finish("ref_risk_model_ledoit_wolf");
}
