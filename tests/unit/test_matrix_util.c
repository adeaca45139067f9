/*
 * test_matrix_util.c — folio_i_check_cov_shape (core/src/base/matrix_util.c),
 * the covariance shape checks of the sizers: each limit with its status and
 * words, and the same words through a public sizer.
 */
#include <stdint.h>

#include "folio/risk_sizers.h"
#include "internal.h"
#include "testlib.h"

static void test_limits(void) {
  folio_error err;
  CHECK_EQ_INT(folio_i_check_cov_shape("s", 3, 3, &err), FOLIO_OK);
  CHECK_EQ_INT(folio_i_check_cov_shape("s", 3, 10, &err), FOLIO_OK);
  CHECK_ERR(folio_i_check_cov_shape("s", 0, 3, &err), err, FOLIO_EEMPTY, "s: no assets");
  CHECK_ERR(folio_i_check_cov_shape("s", FOLIO_MAX_DIM + 1, FOLIO_MAX_DIM + 1, &err), err,
            FOLIO_EDIM, "too many for a");
  CHECK_ERR(folio_i_check_cov_shape("s", 4, 3, &err), err, FOLIO_EINVAL, "s: ld_cov 3 < n_assets 4");
  CHECK_ERR(folio_i_check_cov_shape("s", 4, SIZE_MAX / 4, &err), err, FOLIO_EDIM,
            "is too large");
}

static void test_through_sizer(void) {
  folio_error err;
  double cov[4] = {1, 0, 0, 1}, w[2];
  CHECK_ERR(folio_inverse_vol(2, cov, 1, NULL, w, NULL, NULL, &err), err, FOLIO_EINVAL,
            "inverse_vol: ld_cov 1 < n_assets 2");
}

int main(void) {
  test_limits();
  test_through_sizer();
  return tl_finish("test_matrix_util");
}
