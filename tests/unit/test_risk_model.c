/*
 * test_risk_model.c — unit tests for risk_model.c: policy names, workspace
 * sizing, sample covariance on hand-computed cases in all three missing-data
 * modes, and every bad input folio_sample_cov documents.
 */
#include <math.h>
#include <stdint.h>

#include "folio/risk_model.h"
#include "testlib.h"

static const char *const SYMS[] = {"AAA", "BBB", "CCC", "DDD"};
static const char *const DATES[] = {"d1", "d2", "d3", "d4", "d5", "d6", "d7", "d8"};

/* Two-pass covariance of columns i, j of a column-major T x A matrix over
 * the rows where both are present; NAN when fewer than 2 such rows. */
static double naive_pair(const double *x, size_t ld, size_t t, size_t i, size_t j) {
  double si = 0, sj = 0;
  size_t n = 0;
  for (size_t k = 0; k < t; k++)
    if (!isnan(x[k + i * ld]) && !isnan(x[k + j * ld])) {
      si += x[k + i * ld];
      sj += x[k + j * ld];
      n++;
    }
  if (n < 2) return NAN;
  double mi = si / (double)n, mj = sj / (double)n, c = 0;
  for (size_t k = 0; k < t; k++)
    if (!isnan(x[k + i * ld]) && !isnan(x[k + j * ld]))
      c += (x[k + i * ld] - mi) * (x[k + j * ld] - mj);
  return c / (double)(n - 1);
}

/* ---- names ---------------------------------------------------------------- */

static void test_missing_names(void) {
  folio_error err = {FOLIO_OK, ""};
  folio_missing m = FOLIO_MISSING_COMPLETE;
  CHECK_EQ_INT(folio_missing_parse("error", &m, &err), FOLIO_OK);
  CHECK_EQ_INT(m, FOLIO_MISSING_ERROR);
  CHECK_EQ_INT(folio_missing_parse("pairwise", &m, &err), FOLIO_OK);
  CHECK_EQ_INT(m, FOLIO_MISSING_PAIRWISE);
  CHECK_EQ_INT(folio_missing_parse("complete", &m, NULL), FOLIO_OK);
  CHECK_EQ_INT(m, FOLIO_MISSING_COMPLETE);
  CHECK(strcmp(folio_missing_name(FOLIO_MISSING_ERROR), "error") == 0);
  CHECK(strcmp(folio_missing_name(FOLIO_MISSING_PAIRWISE), "pairwise") == 0);
  CHECK(strcmp(folio_missing_name(FOLIO_MISSING_COMPLETE), "complete") == 0);
  CHECK(strcmp(folio_missing_name((folio_missing)99), "unknown") == 0);
  /* Round trip. */
  for (int k = 0; k < 3; k++) {
    folio_missing back;
    CHECK_EQ_INT(folio_missing_parse(folio_missing_name((folio_missing)k), &back, NULL), FOLIO_OK);
    CHECK_EQ_INT(back, k);
  }

  m = FOLIO_MISSING_PAIRWISE;
  CHECK_ERR(folio_missing_parse("drop", &m, &err), err, FOLIO_EINVAL,
            "unknown missing-data policy 'drop' (expected error, pairwise, complete or zero)");
  CHECK_EQ_INT(m, FOLIO_MISSING_PAIRWISE); /* untouched */
  CHECK_ERR(folio_missing_parse("Pairwise", &m, &err), err, FOLIO_EINVAL, "'Pairwise'");
  CHECK_ERR(folio_missing_parse("", &m, &err), err, FOLIO_EINVAL, "''");
  CHECK_ERR(folio_missing_parse(NULL, &m, &err), err, FOLIO_EINVAL, "name is NULL");
  CHECK_ERR(folio_missing_parse("error", NULL, &err), err, FOLIO_EINVAL, "out is NULL");
}

static void test_work_size(void) {
  size_t c = folio_sample_cov_work_size(100, 10, FOLIO_MISSING_COMPLETE);
  size_t e = folio_sample_cov_work_size(100, 10, FOLIO_MISSING_ERROR);
  size_t p = folio_sample_cov_work_size(100, 10, FOLIO_MISSING_PAIRWISE);
  CHECK(c >= 100 * 10 * sizeof(double));
  CHECK(e == c);
  CHECK(p >= 2 * 100 * 10 * sizeof(double) + 2 * 10 * 10 * sizeof(double));
  CHECK(folio_sample_cov_work_size(0, 0, FOLIO_MISSING_COMPLETE) > 0);
  CHECK_EQ_INT(folio_sample_cov_work_size(SIZE_MAX, 2, FOLIO_MISSING_COMPLETE), 0);
  CHECK_EQ_INT(folio_sample_cov_work_size(2, SIZE_MAX / 2, FOLIO_MISSING_PAIRWISE), 0);
  CHECK_EQ_INT(folio_sample_cov_work_size((size_t)1 << 40, (size_t)1 << 40, FOLIO_MISSING_COMPLETE),
               0);
}

/* ---- hand-computed cases ------------------------------------------------------ */

static void test_known_4x2(void) {
  /* a = 1,2,3,4 (mean 2.5), b = 2,4,6,9 (mean 5.25):
   * var a = 5/3, var b = 26.75/3, cov = 11.5/3. */
  const double r[] = {1, 2, 3, 4, 2, 4, 6, 9};
  folio_panel p = {r, 4, 2, 4, DATES, SYMS};
  double cov[4];
  folio_cov_info info;
  folio_error err = {FOLIO_OK, ""};
  for (int mode = 0; mode < 3; mode++) {
    memset(cov, 0, sizeof cov);
    CHECK_EQ_INT(folio_sample_cov(&p, (folio_missing)mode, 1.0, cov, 2, NULL, &info, &err),
                 FOLIO_OK);
    CHECK_NEAR(cov[0], 5.0 / 3.0, 1e-15);
    CHECK_NEAR(cov[3], 26.75 / 3.0, 1e-14);
    CHECK_NEAR(cov[2], 11.5 / 3.0, 1e-15);
    CHECK(cov[1] == cov[2]);
    CHECK_EQ_INT(info.rows_used, 4);
    CHECK_EQ_INT(info.min_pair_obs, 4);
    CHECK_EQ_INT(info.had_missing, 0);
  }
  /* scale multiplies (annualisation). */
  CHECK_EQ_INT(folio_sample_cov(&p, FOLIO_MISSING_COMPLETE, 252.0, cov, 2, NULL, NULL, &err),
               FOLIO_OK);
  CHECK_NEAR(cov[0], 252.0 * 5.0 / 3.0, 1e-12);
  CHECK_NEAR(cov[2], 252.0 * 11.5 / 3.0, 1e-12);

  /* A shift of the data does not change the covariance. */
  double shifted[8];
  for (int k = 0; k < 8; k++) shifted[k] = r[k] + 1e6;
  folio_panel s = folio_panel_make(shifted, 4, 2);
  CHECK_EQ_INT(folio_sample_cov(&s, FOLIO_MISSING_COMPLETE, 1.0, cov, 2, NULL, NULL, &err),
               FOLIO_OK);
  CHECK_NEAR(cov[0], 5.0 / 3.0, 1e-15);
  CHECK_NEAR(cov[2], 11.5 / 3.0, 1e-15);

  /* A constant column has zero variance and zero covariance. */
  const double flat[] = {3, 3, 3, 1, 2, 4};
  folio_panel f = folio_panel_make(flat, 3, 2);
  CHECK_EQ_INT(folio_sample_cov(&f, FOLIO_MISSING_ERROR, 1.0, cov, 2, NULL, NULL, &err), FOLIO_OK);
  CHECK(cov[0] == 0.0 && cov[1] == 0.0 && cov[2] == 0.0);
  CHECK_NEAR(cov[3], 7.0 / 3.0, 1e-15);
}

static void test_layout_and_work(void) {
  /* Input ld > rows, output ld > assets: padding is neither read nor written. */
  const double r[] = {1, 2, 3, 4, INFINITY, 2, 4, 6, 9, NAN};
  folio_panel p = {r, 4, 2, 5, NULL, NULL};
  double cov[6];
  for (int k = 0; k < 6; k++) cov[k] = -99.0;
  folio_error err = {FOLIO_OK, ""};
  CHECK_EQ_INT(folio_sample_cov(&p, FOLIO_MISSING_ERROR, 1.0, cov, 3, NULL, NULL, &err), FOLIO_OK);
  CHECK_NEAR(cov[0], 5.0 / 3.0, 1e-15);
  CHECK_NEAR(cov[1], 11.5 / 3.0, 1e-15);
  CHECK(cov[2] == -99.0);
  CHECK(cov[3] == cov[1]);
  CHECK_NEAR(cov[4], 26.75 / 3.0, 1e-14);
  CHECK(cov[5] == -99.0);

  /* Caller workspace (also misaligned) gives the bit-identical result. */
  const double q[] = {0.1, -0.3, 0.2, NAN, 0.5, 0.05, 0.7, -0.2, 0.0, 0.4, 0.3, 0.1};
  folio_panel qp = folio_panel_make(q, 4, 3);
  for (int mode = 0; mode < 3; mode++) {
    size_t need = folio_sample_cov_work_size(4, 3, (folio_missing)mode);
    unsigned char *buf = malloc(need + 8);
    double a[9], b[9], c[9];
    memset(buf, 0xA5, need + 8);
    CHECK_EQ_INT(folio_sample_cov(&qp, (folio_missing)mode, 1.0, a, 3, NULL, NULL, NULL),
                 mode == 0 ? FOLIO_EMISSING : FOLIO_OK);
    if (mode != 0) {
      CHECK_EQ_INT(folio_sample_cov(&qp, (folio_missing)mode, 1.0, b, 3, buf, NULL, NULL),
                   FOLIO_OK);
      CHECK_EQ_INT(folio_sample_cov(&qp, (folio_missing)mode, 1.0, c, 3, buf + 3, NULL, NULL),
                   FOLIO_OK);
      CHECK(memcmp(a, b, sizeof a) == 0);
      CHECK(memcmp(a, c, sizeof a) == 0);
    }
    free(buf);
  }
}

static void test_complete_rows(void) {
  /* Rows 1 and 4 have a NaN; complete = the covariance of rows 0, 2, 3, 5. */
  const double r[] = {1.0, NAN, 2.0, 3.0, 5.0, 4.0,  /* AAA */
                      2.0, 1.0, 4.0, 6.0, NAN, 9.0,  /* BBB */
                      0.5, 0.1, 0.2, 0.9, 0.3, 0.4}; /* CCC */
  const double sub[] = {1.0, 2.0, 3.0, 4.0, 2.0, 4.0, 6.0, 9.0, 0.5, 0.2, 0.9, 0.4};
  folio_panel p = {r, 6, 3, 6, DATES, SYMS};
  folio_panel s = folio_panel_make(sub, 4, 3);
  double a[9], b[9];
  folio_cov_info info;
  folio_error err = {FOLIO_OK, ""};
  CHECK_EQ_INT(folio_sample_cov(&p, FOLIO_MISSING_COMPLETE, 1.0, a, 3, NULL, &info, &err),
               FOLIO_OK);
  CHECK_EQ_INT(info.rows_used, 4);
  CHECK_EQ_INT(info.min_pair_obs, 4);
  CHECK_EQ_INT(info.had_missing, 1);
  CHECK_EQ_INT(folio_sample_cov(&s, FOLIO_MISSING_COMPLETE, 1.0, b, 3, NULL, &info, &err),
               FOLIO_OK);
  CHECK_EQ_INT(info.had_missing, 0);
  CHECK(memcmp(a, b, sizeof a) == 0);
  CHECK_NEAR(a[0], 5.0 / 3.0, 1e-15);
  CHECK_NEAR(a[3], 11.5 / 3.0, 1e-15);
}

static void test_pairwise_hand(void) {
  /* Leading and interior gaps plus an all-missing row (row 7). */
  const double r[] = {NAN, NAN,  0.3,  -0.1, 0.2,  0.05, 0.4,   NAN,  /* AAA */
                      0.1, -0.2, 0.25, NAN,  0.15, -0.3, 0.35,  NAN,  /* BBB */
                      NAN, 0.01, 0.02, 0.03, NAN,  0.05, -0.04, NAN,  /* CCC */
                      1.0, 2.0,  1.5,  1.25, 1.75, 0.5,  2.5,   NAN}; /* DDD */
  folio_panel p = {r, 8, 4, 8, DATES, SYMS};
  double cov[16];
  folio_cov_info info;
  folio_error err = {FOLIO_OK, ""};
  CHECK_EQ_INT(folio_sample_cov(&p, FOLIO_MISSING_PAIRWISE, 1.0, cov, 4, NULL, &info, &err),
               FOLIO_OK);
  double worst = 0;
  for (size_t j = 0; j < 4; j++)
    for (size_t i = 0; i < 4; i++) {
      double want = naive_pair(r, 8, 8, i, j);
      double d =
          fabs(cov[i + j * 4] - want) / sqrt(naive_pair(r, 8, 8, i, i) * naive_pair(r, 8, 8, j, j));
      if (d > worst) worst = d;
      CHECK(cov[i + j * 4] == cov[j + i * 4]);
    }
  CHECK_MSG(worst < 1e-14, "worst relative deviation %.3g", worst);
  CHECK_EQ_INT(info.rows_used, 7);
  CHECK_EQ_INT(info.min_pair_obs, 4); /* e.g. AAA and CCC overlap on d3, d4, d6, d7 */
  CHECK_EQ_INT(info.had_missing, 1);

  /* Complete mode on the same data: only d3, d6 and d7 have every symbol. */
  CHECK_EQ_INT(folio_sample_cov(&p, FOLIO_MISSING_COMPLETE, 1.0, cov, 4, NULL, &info, &err),
               FOLIO_OK);
  CHECK_EQ_INT(info.rows_used, 3);
  CHECK_EQ_INT(info.min_pair_obs, 3);

  /* Error mode names the first missing value in storage order. */
  CHECK_ERR(folio_sample_cov(&p, FOLIO_MISSING_ERROR, 1.0, cov, 4, NULL, &info, &err), err,
            FOLIO_EMISSING, "symbol AAA, row d1");
}

/* ---- bad input ------------------------------------------------------------- */

static void test_errors(void) {
  folio_error err = {FOLIO_OK, ""};
  double cov[16];
  for (int k = 0; k < 16; k++) cov[k] = 42.0;
  folio_cov_info info = {7, 7, 7};
  const double ok[] = {0.1, 0.2, 0.3, 0.4, 0.5, 0.7};
  folio_panel p = {ok, 3, 2, 3, DATES, SYMS};

  CHECK_ERR(folio_sample_cov(NULL, FOLIO_MISSING_ERROR, 1.0, cov, 2, NULL, &info, &err), err,
            FOLIO_EINVAL, "sample_cov: returns is NULL");
  CHECK_ERR(folio_sample_cov(&p, FOLIO_MISSING_ERROR, 1.0, NULL, 2, NULL, &info, &err), err,
            FOLIO_EINVAL, "sample_cov: cov is NULL");
  CHECK_ERR(folio_sample_cov(&p, FOLIO_MISSING_ERROR, 1.0, cov, 1, NULL, &info, &err), err,
            FOLIO_EINVAL, "ld_cov 1 < 2");
  CHECK_ERR(folio_sample_cov(&p, FOLIO_MISSING_ERROR, 1.0, cov, (size_t)1 << 32, NULL, &info, &err),
            err, FOLIO_EDIM, "ld_cov");
  CHECK_ERR(folio_sample_cov(&p, (folio_missing)5, 1.0, cov, 2, NULL, &info, &err), err,
            FOLIO_EINVAL, "unknown missing-data policy 5");
  CHECK_ERR(folio_sample_cov(&p, FOLIO_MISSING_ERROR, 0.0, cov, 2, NULL, &info, &err), err,
            FOLIO_EINVAL, "sample_cov: scale");
  CHECK_ERR(folio_sample_cov(&p, FOLIO_MISSING_ERROR, -1.0, cov, 2, NULL, &info, &err), err,
            FOLIO_EINVAL, "scale");
  CHECK_ERR(folio_sample_cov(&p, FOLIO_MISSING_ERROR, NAN, cov, 2, NULL, &info, &err), err,
            FOLIO_EINVAL, "scale");
  CHECK_ERR(folio_sample_cov(&p, FOLIO_MISSING_ERROR, INFINITY, cov, 2, NULL, &info, &err), err,
            FOLIO_EINVAL, "scale");

  /* Too few rows in every mode. */
  folio_panel one = {ok, 1, 2, 3, DATES, SYMS};
  for (int mode = 0; mode < 3; mode++)
    CHECK_ERR(folio_sample_cov(&one, (folio_missing)mode, 1.0, cov, 2, NULL, &info, &err), err,
              FOLIO_ESHORT, "1 row(s)");
  folio_panel zero = {ok, 0, 2, 3, NULL, SYMS};
  CHECK_ERR(folio_sample_cov(&zero, FOLIO_MISSING_PAIRWISE, 1.0, cov, 2, NULL, &info, &err), err,
            FOLIO_ESHORT, "0 row(s)");

  /* Inf in returns names symbol and row. */
  const double inf[] = {0.1, 0.2, 0.3, 0.4, -INFINITY, 0.7};
  folio_panel pi = {inf, 3, 2, 3, DATES, SYMS};
  CHECK_ERR(folio_sample_cov(&pi, FOLIO_MISSING_PAIRWISE, 1.0, cov, 2, NULL, &info, &err), err,
            FOLIO_ENOTFINITE, "symbol BBB, row d2");

  /* Error mode: a NaN names symbol and row. */
  const double nan[] = {0.1, 0.2, 0.3, 0.4, 0.5, NAN};
  folio_panel pn = {nan, 3, 2, 3, DATES, SYMS};
  CHECK_ERR(folio_sample_cov(&pn, FOLIO_MISSING_ERROR, 1.0, cov, 2, NULL, &info, &err), err,
            FOLIO_EMISSING, "sample_cov: missing return (symbol BBB, row d3)");
  folio_panel pnl = folio_panel_make(nan, 3, 2);
  CHECK_ERR(folio_sample_cov(&pnl, FOLIO_MISSING_ERROR, 1.0, cov, 2, NULL, &info, &err), err,
            FOLIO_EMISSING, "symbol #2, row #3");

  /* Complete mode with fewer than 2 complete rows. */
  const double c1[] = {0.1, NAN, 0.3, 0.4, 0.5, NAN};
  folio_panel pc = {c1, 3, 2, 3, DATES, SYMS};
  CHECK_ERR(folio_sample_cov(&pc, FOLIO_MISSING_COMPLETE, 1.0, cov, 2, NULL, &info, &err), err,
            FOLIO_ESHORT, "1 complete row(s)");

  /* Pairwise: a pair that overlaps in one row names both symbols. */
  const double ov[] = {0.1, 0.2, 0.3, NAN, NAN,  /* AAA */
                       NAN, NAN, 0.5, 0.6, 0.7,  /* BBB */
                       0.1, 0.2, 0.3, 0.4, 0.5}; /* CCC */
  folio_panel po = {ov, 5, 3, 5, DATES, SYMS};
  CHECK_ERR(folio_sample_cov(&po, FOLIO_MISSING_PAIRWISE, 1.0, cov, 3, NULL, &info, &err), err,
            FOLIO_ESHORT, "symbols AAA and BBB overlap in 1 row(s)");
  /* ... and no overlap at all. */
  const double ov0[] = {0.1, 0.2, NAN, NAN, NAN, NAN, 0.5, 0.6};
  folio_panel po0 = {ov0, 4, 2, 4, DATES, SYMS};
  CHECK_ERR(folio_sample_cov(&po0, FOLIO_MISSING_PAIRWISE, 1.0, cov, 2, NULL, &info, &err), err,
            FOLIO_ESHORT, "symbols AAA and BBB overlap in 0 row(s)");
  /* A symbol with a single observation is named alone. */
  const double lone[] = {0.1, 0.2, 0.3, NAN, NAN, 0.6};
  folio_panel pl = {lone, 3, 2, 3, DATES, SYMS};
  CHECK_ERR(folio_sample_cov(&pl, FOLIO_MISSING_PAIRWISE, 1.0, cov, 2, NULL, &info, &err), err,
            FOLIO_ESHORT, "symbol BBB has 1 observation(s)");
  /* Every value missing. */
  const double allnan[] = {NAN, NAN, NAN, NAN};
  folio_panel pa = {allnan, 2, 2, 2, DATES, SYMS};
  CHECK_ERR(folio_sample_cov(&pa, FOLIO_MISSING_PAIRWISE, 1.0, cov, 2, NULL, &info, &err), err,
            FOLIO_ESHORT, "symbol AAA has 0 observation(s)");
  CHECK_ERR(folio_sample_cov(&pa, FOLIO_MISSING_COMPLETE, 1.0, cov, 2, NULL, &info, &err), err,
            FOLIO_ESHORT, "0 complete row(s)");

  /* Shapes beyond the limits. */
  folio_panel tall = {ok, FOLIO_MAX_DIM + 1, 2, FOLIO_MAX_DIM + 1, NULL, NULL};
  CHECK_ERR(folio_sample_cov(&tall, FOLIO_MISSING_ERROR, 1.0, cov, 2, NULL, &info, &err), err,
            FOLIO_EDIM, "sample_cov:");
  folio_panel wide = {ok, 2, FOLIO_MAX_DIM + 1, 2, NULL, NULL};
  CHECK_ERR(
      folio_sample_cov(&wide, FOLIO_MISSING_ERROR, 1.0, cov, FOLIO_MAX_DIM + 1, NULL, &info, &err),
      err, FOLIO_EDIM, "sample_cov:");
  folio_panel badld = {ok, 3, 2, 2, NULL, NULL};
  CHECK_ERR(folio_sample_cov(&badld, FOLIO_MISSING_ERROR, 1.0, cov, 2, NULL, &info, &err), err,
            FOLIO_EDIM, "leading dimension");
  folio_panel nodata = {NULL, 3, 2, 3, NULL, NULL};
  CHECK_ERR(folio_sample_cov(&nodata, FOLIO_MISSING_ERROR, 1.0, cov, 2, NULL, &info, &err), err,
            FOLIO_EINVAL, "data is NULL");
  /* Few elements but so many assets that the A x A result is over the limit. */
  size_t n_wide = ((size_t)1 << 16) + 1;
  double *w = calloc(2 * n_wide, sizeof(double));
  folio_panel tw = {w, 2, n_wide, 2, NULL, NULL};
  CHECK_ERR(folio_sample_cov(&tw, FOLIO_MISSING_ERROR, 1.0, cov, n_wide, NULL, &info, &err), err,
            FOLIO_EDIM, "sample_cov: 65537 assets");
  free(w);

  /* Nothing was written by any failing call. */
  int untouched = 1;
  for (int k = 0; k < 16; k++) untouched &= cov[k] == 42.0;
  CHECK(untouched);
  CHECK(info.rows_used == 7 && info.min_pair_obs == 7 && info.had_missing == 7);
  /* NULL err and NULL info are allowed. */
  CHECK_EQ_INT(folio_sample_cov(&pn, FOLIO_MISSING_ERROR, 1.0, cov, 2, NULL, NULL, NULL),
               FOLIO_EMISSING);
  CHECK_EQ_INT(folio_sample_cov(&p, FOLIO_MISSING_ERROR, 1.0, cov, 2, NULL, NULL, NULL), FOLIO_OK);
}

static void test_nonfinite(void) {
  folio_error err = {FOLIO_OK, ""};
  double cov[9];
  for (int k = 0; k < 9; k++) cov[k] = 42.0;
  /* An Inf is reported even when a NaN comes first, in every policy. */
  const double nan_then_inf[] = {0.1, NAN, 0.3, 0.4, 0.5, 0.6, 0.7, INFINITY, 0.9};
  folio_panel p = {nan_then_inf, 3, 3, 3, DATES, SYMS};
  for (int mode = 0; mode < 3; mode++)
    CHECK_ERR(folio_sample_cov(&p, (folio_missing)mode, 1.0, cov, 3, NULL, NULL, &err), err,
              FOLIO_ENOTFINITE, "infinite value (symbol CCC, row d2)");
  const double inf_then_nan[] = {-INFINITY, 0.2, 0.3, NAN, 0.5, 0.6, 0.7, 0.8, 0.9};
  folio_panel q = {inf_then_nan, 3, 3, 3, DATES, SYMS};
  CHECK_ERR(folio_sample_cov(&q, FOLIO_MISSING_PAIRWISE, 1.0, cov, 3, NULL, NULL, &err), err,
            FOLIO_ENOTFINITE, "symbol AAA, row d1");

  /* Finite values so large that the sums of squares would overflow. */
  const double huge[] = {0.1, 0.2, 0.3, 1e200, -1e200, 3e199};
  folio_panel h = {huge, 3, 2, 3, DATES, SYMS};
  for (int mode = 0; mode < 3; mode++)
    CHECK_ERR(folio_sample_cov(&h, (folio_missing)mode, 1.0, cov, 2, NULL, NULL, &err), err,
              FOLIO_ENOTFINITE, "returns of symbol BBB are too large");
  /* ... also when the column sum itself overflows ... */
  const double sum_over[] = {0.1, 0.2, 0.3, 1.5e308, 1.5e308, 1.0};
  folio_panel so = {sum_over, 3, 2, 3, DATES, SYMS};
  CHECK_ERR(folio_sample_cov(&so, FOLIO_MISSING_COMPLETE, 1.0, cov, 2, NULL, NULL, &err), err,
            FOLIO_ENOTFINITE, "symbol BBB are too large");
  /* ... and on the gap paths (complete rows, pairwise). */
  const double huge_gap[] = {0.1, 0.2, 0.3, NAN, 1e200, -1e200, 3e199, 1.0};
  folio_panel hg = {huge_gap, 4, 2, 4, DATES, SYMS};
  CHECK_ERR(folio_sample_cov(&hg, FOLIO_MISSING_COMPLETE, 1.0, cov, 2, NULL, NULL, &err), err,
            FOLIO_ENOTFINITE, "symbol BBB are too large");
  CHECK_ERR(folio_sample_cov(&hg, FOLIO_MISSING_PAIRWISE, 1.0, cov, 2, NULL, NULL, &err), err,
            FOLIO_ENOTFINITE, "symbol BBB are too large");
  CHECK_ERR(folio_sample_cov(&hg, FOLIO_MISSING_ERROR, 1.0, cov, 2, NULL, NULL, &err), err,
            FOLIO_EMISSING, "symbol AAA, row d4");
  int untouched = 1;
  for (int k = 0; k < 9; k++) untouched &= cov[k] == 42.0;
  CHECK(untouched);

  /* Large but safe values give a finite, exact-enough answer. */
  const double big[] = {1e100, 2e100, 3e100, 4e100, 2e100, 4e100, 6e100, 9e100};
  folio_panel b = folio_panel_make(big, 4, 2);
  CHECK_EQ_INT(folio_sample_cov(&b, FOLIO_MISSING_COMPLETE, 1.0, cov, 2, NULL, NULL, &err),
               FOLIO_OK);
  CHECK_NEAR(cov[2] / 1e200, 11.5 / 3.0, 1e-14);
}

static void test_no_assets(void) {
  /* Zero columns: nothing to estimate, nothing written, still needs 2 rows. */
  folio_panel p = {NULL, 5, 0, 5, NULL, NULL};
  folio_cov_info info;
  folio_error err = {FOLIO_OK, ""};
  double c = 42.0;
  CHECK_EQ_INT(folio_sample_cov(&p, FOLIO_MISSING_PAIRWISE, 1.0, &c, 1, NULL, &info, &err),
               FOLIO_OK);
  CHECK(c == 42.0);
  CHECK_EQ_INT(info.rows_used, 5);
  CHECK_EQ_INT(info.had_missing, 0);
  CHECK_EQ_INT(folio_sample_cov(&p, FOLIO_MISSING_COMPLETE, 1.0, NULL, 1, NULL, &info, &err),
               FOLIO_OK);
  CHECK_ERR(folio_sample_cov(&p, FOLIO_MISSING_COMPLETE, 1.0, NULL, 0, NULL, &info, &err), err,
            FOLIO_EINVAL, "ld_cov 0");
}

int main(void) {
  test_missing_names();
  test_work_size();
  test_known_4x2();
  test_layout_and_work();
  test_complete_rows();
  test_pairwise_hand();
  test_errors();
  test_nonfinite();
  test_no_assets();
  return tl_finish("test_risk_model");
}
