/*
 * test_turnover_factored.c — folio_turnover_project_factored: bad inputs
 * (each with its own status and a message naming what is wrong), a small
 * hand-checked instance equal to the dense solver, and the work-size query.
 */
#include <math.h>
#include <string.h>

#include "folio/turnover.h"
#include "testlib.h"

int main(void) {
  /* 3 names, 2 rows */
  double X[6] = {0.01, -0.02, 0.03, 0.01, -0.01, 0.02};
  double t[3] = {0.3, -0.2, 0.1}, w0[3] = {0, 0, 0}, w[3], wd[3], Q[9];
  const char *syms[3] = {"AAA", "BBB", "CCC"};
  folio_cov_factor f = {2, X, 2, 1e-4, 0.5};
  for (size_t j = 0; j < 3; j++)
    for (size_t i = 0; i < 3; i++)
      Q[i + j * 3] = 0.5 * (X[2 * i] * X[2 * j] + X[2 * i + 1] * X[2 * j + 1]) + (i == j ? 1e-4 : 0);
  folio_turnover_opts o = folio_turnover_defaults();
  o.symbols = syms;
  folio_error err;
  folio_turnover_info inf, id;
  CHECK_EQ_INT(folio_turnover_project_factored(3, t, w0, &f, NULL, 0.3, &o, w, &inf, NULL, &err), FOLIO_OK);
  CHECK_EQ_INT(folio_turnover_project(3, t, w0, Q, 3, NULL, 0.3, &o, wd, &id, NULL, &err), FOLIO_OK);
  for (int i = 0; i < 3; i++) CHECK_NEAR(w[i], wd[i], 1e-12);
  CHECK(inf.converged && inf.constrained);
  CHECK_NEAR(inf.turnover, 0.3, 1e-12);
  CHECK_NEAR(inf.objective, id.objective, 1e-15);
  CHECK_NEAR(inf.lambda, id.lambda, 1e-9 * fabs(id.lambda) + 1e-15);
  CHECK(inf.kkt_residual <= 1e-10);

  /* bad inputs */
  CHECK_ERR(folio_turnover_project_factored(3, t, w0, NULL, NULL, 0.3, &o, w, NULL, NULL, &err), err,
            FOLIO_EINVAL, "factor");
  folio_cov_factor b = f;
  b.x = NULL;
  CHECK_ERR(folio_turnover_project_factored(3, t, w0, &b, NULL, 0.3, &o, w, NULL, NULL, &err), err,
            FOLIO_EINVAL, "no rows");
  b = f, b.n_rows = 0;
  CHECK_ERR(folio_turnover_project_factored(3, t, w0, &b, NULL, 0.3, &o, w, NULL, NULL, &err), err,
            FOLIO_EINVAL, "no rows");
  b = f, b.ld_x = 1;
  CHECK_ERR(folio_turnover_project_factored(3, t, w0, &b, NULL, 0.3, &o, w, NULL, NULL, &err), err,
            FOLIO_EINVAL, "ld_x");
  b = f, b.diag = -1;
  CHECK_ERR(folio_turnover_project_factored(3, t, w0, &b, NULL, 0.3, &o, w, NULL, NULL, &err), err,
            FOLIO_EINVAL, "diag and weight");
  b = f, b.weight = NAN;
  CHECK_ERR(folio_turnover_project_factored(3, t, w0, &b, NULL, 0.3, &o, w, NULL, NULL, &err), err,
            FOLIO_EINVAL, "diag and weight");
  b = f, b.diag = 0, b.weight = 0;
  CHECK_ERR(folio_turnover_project_factored(3, t, w0, &b, NULL, 0.3, &o, w, NULL, NULL, &err), err,
            FOLIO_EDEGENERATE, "Q is zero");
  double Xbad[6];
  memcpy(Xbad, X, sizeof X);
  Xbad[5] = INFINITY; /* BBB... column 2 = CCC, row 2 */
  b = f, b.x = Xbad;
  CHECK_ERR(folio_turnover_project_factored(3, t, w0, &b, NULL, 0.3, &o, w, NULL, NULL, &err), err,
            FOLIO_ENOTFINITE, "symbol CCC, row 2");
  double tbad[3] = {0.3, NAN, 0.1};
  CHECK_ERR(folio_turnover_project_factored(3, tbad, w0, &f, NULL, 0.3, &o, w, NULL, NULL, &err), err,
            FOLIO_ENOTFINITE, "BBB");
  CHECK_ERR(folio_turnover_project_factored(3, t, w0, &f, NULL, -1, &o, w, NULL, NULL, &err), err,
            FOLIO_EINVAL, "budget");
  CHECK_ERR(folio_turnover_project_factored(0, t, w0, &f, NULL, 0.3, &o, w, NULL, NULL, &err), err,
            FOLIO_EEMPTY, "no assets");
  /* workspace: O(T n + T^2), never n^2 */
  CHECK(folio_turnover_factored_work_size(100000, 10) < 100000ull * 1000);
  CHECK(folio_turnover_factored_work_size(3, 2) > 0);
  return tl_finish("test_turnover_factored");
}
