/*
 * prop_manager.c — the manager's NLopt multi-start against brute force: on
 * random instances of 2 strategies (a grid of step 0.001 over the simplex)
 * and 3 strategies (step 0.01), the optimiser's slope / std is never below
 * the grid's best (beyond rounding) and its weights are near the grid's
 * argmax unless the objective is flat there; weights are >= 0 and sum to 1
 * within 1e-12; a repeat gives bit-identical weights.
 */
#include <string.h>

#include "folio/manager.h"
#include "testlib.h"

enum { T_DAYS = 60, N_INSTANCES = 250 };

/* Random returns: per-strategy drift (positive more often than not), vol and
 * a shared factor, so both correlated and hedging pairs occur. */
static void instance(tl_rng *rng, size_t K, double *R) {
  double beta[3], drift[3], vol[3];
  for (size_t k = 0; k < K; k++) {
    drift[k] = 0.002 * (tl_uniform(rng) - 0.3);
    vol[k] = 0.003 + 0.02 * tl_uniform(rng);
    beta[k] = 0.02 * (tl_uniform(rng) - 0.5);
  }
  for (size_t t = 0; t < T_DAYS; t++) {
    double m = tl_normal(rng);
    for (size_t k = 0; k < K; k++) R[t + k * T_DAYS] = drift[k] + beta[k] * m + vol[k] * tl_normal(rng);
  }
}

static void check_case(tl_rng *rng, size_t K, double step, double near_tol, int *far) {
  double R[T_DAYS * 3], s[3], C[9], w[3], w2[3];
  instance(rng, K, R);
  folio_error err;
  folio_manager_opts o = folio_manager_defaults();
  folio_manager_fit fit, fit2;
  if (!CHECK(folio_manager_optimize(T_DAYS, K, R, T_DAYS, NULL, &o, w, &fit, &err) == FOLIO_OK)) {
    fprintf(stderr, "  %s\n", err.message);
    return;
  }
  CHECK(folio_manager_optimize(T_DAYS, K, R, T_DAYS, NULL, &o, w2, &fit2, &err) == FOLIO_OK);
  CHECK(memcmp(w, w2, sizeof(double) * K) == 0 && fit.score == fit2.score);
  double sum = 0;
  int nonneg = 1;
  for (size_t k = 0; k < K; k++) {
    nonneg &= w[k] >= 0 && w[k] <= 1;
    sum += w[k];
  }
  CHECK(nonneg);
  CHECK_NEAR(sum, 1.0, 1e-12);
  folio_manager_moments(T_DAYS, K, R, T_DAYS, s, C, K, &err);
  double f = folio_manager_objective(K, s, C, K, w, NULL);
  CHECK_NEAR(f, fit.score, 1e-12 * fmax(1, fabs(f)));
  /* brute force */
  long n = lround(1.0 / step);
  double best = -HUGE_VAL, arg[3] = {0};
  for (long i = 0; i <= n; i++) {
    for (long j = 0; j <= (K == 3 ? n - i : 0); j++) {
      double g[3] = {(double)i / (double)n, 0, 0};
      if (K == 2) g[1] = 1 - g[0];
      else g[1] = (double)j / (double)n, g[2] = 1 - g[0] - g[1];
      double v = folio_manager_objective(K, s, C, K, g, NULL);
      if (v > best) best = v, memcpy(arg, g, sizeof g);
    }
  }
  CHECK_MSG(f >= best - 1e-10 * fmax(1, fabs(best)), "K=%zu: NLopt %.17g < grid %.17g", K, f, best);
  double dist = 0;
  for (size_t k = 0; k < K; k++) dist = fmax(dist, fabs(w[k] - arg[k]));
  /* near the grid's argmax, or the objective is flat between them */
  int flat = f - best <= 1e-6 * fmax(1e-3, fabs(f));
  if (dist > near_tol) {
    (*far)++;
    CHECK_MSG(flat, "K=%zu: argmax %.4f,%.4f,%.4f vs grid %.4f,%.4f,%.4f (f %.10g vs %.10g)", K, w[0], w[1],
              K == 3 ? w[2] : 0.0, arg[0], arg[1], arg[2], f, best);
  }
}

int main(void) {
  tl_rng rng = {20240630};
  int far2 = 0, far3 = 0;
  for (int i = 0; i < N_INSTANCES; i++) check_case(&rng, 2, 0.001, 0.01, &far2);
  for (int i = 0; i < N_INSTANCES; i++) check_case(&rng, 3, 0.01, 0.05, &far3);
  printf("prop_manager: %d instances per size; argmax farther than the tolerance (flat objective): "
         "%d of 2 strategies, %d of 3\n",
         N_INSTANCES, far2, far3);
  return tl_finish("prop_manager");
}
