/*
 * prop_risk_model.c — property tests for folio_sample_cov on thousands of
 * random panels from fixed seeds: agreement with a naive per-pair two-pass
 * computation under random leading and interior gaps, equality of the
 * pairwise and complete paths without gaps, exact symmetry, non-negative
 * diagonal, bit-identical repeats, column permutation and scaling.
 */
#include <math.h>
#include <stdint.h>

#include "folio/risk_model.h"
#include "testlib.h"

enum { INSTANCES = 1000 };

/* A random T x A panel: column j is mean_j + sd_j * N(0, 1) with means far
 * from zero relative to the spread (to provoke cancellation), a random
 * number of leading gaps and interior gaps with probability p_gap. */
typedef struct instance {
  size_t t, a;
  double *x;
} instance;

static instance make_instance(tl_rng *rng, size_t max_t, size_t max_a, double p_gap, int leading) {
  instance in;
  in.t = 3 + tl_index(rng, max_t - 2);
  in.a = 1 + tl_index(rng, max_a);
  in.x = malloc(sizeof(double) * in.t * in.a);
  for (size_t j = 0; j < in.a; j++) {
    double mean = 10.0 * (tl_uniform(rng) - 0.5);
    double sd = exp(-5.0 + 6.0 * tl_uniform(rng));
    size_t lead = leading ? tl_index(rng, in.t / 2 + 1) : 0;
    for (size_t i = 0; i < in.t; i++) {
      double v = mean + sd * tl_normal(rng);
      if (i < lead || tl_uniform(rng) < p_gap) v = NAN;
      in.x[i + j * in.t] = v;
    }
  }
  return in;
}

/* Two-pass covariance of columns i and j over their common rows; sets *n. */
static double naive_pair(const instance *in, size_t i, size_t j, size_t *n_out) {
  const double *xi = in->x + i * in->t, *xj = in->x + j * in->t;
  double si = 0, sj = 0;
  size_t n = 0;
  for (size_t k = 0; k < in->t; k++)
    if (!isnan(xi[k]) && !isnan(xj[k])) {
      si += xi[k];
      sj += xj[k];
      n++;
    }
  *n_out = n;
  if (n < 2) return NAN;
  double mi = si / (double)n, mj = sj / (double)n, c = 0;
  for (size_t k = 0; k < in->t; k++)
    if (!isnan(xi[k]) && !isnan(xj[k])) c += (xi[k] - mi) * (xj[k] - mj);
  return c / (double)(n - 1);
}

static int exactly_symmetric(const double *c, size_t a) {
  for (size_t j = 0; j < a; j++)
    for (size_t i = 0; i < j; i++)
      if (memcmp(&c[i + j * a], &c[j + i * a], sizeof(double)) != 0) return 0;
  return 1;
}

static int diag_nonneg(const double *c, size_t a) {
  for (size_t j = 0; j < a; j++)
    if (!(c[j + j * a] >= 0.0)) return 0;
  return 1;
}

/* Largest |a_ij - b_ij| / sqrt(b_ii b_jj) (0 / 0 counts as 0). */
static double rel_dev(const double *a, const double *b, size_t n) {
  double worst = 0;
  for (size_t j = 0; j < n; j++)
    for (size_t i = 0; i < n; i++) {
      double d = fabs(a[i + j * n] - b[i + j * n]);
      double s = sqrt(b[i + i * n] * b[j + j * n]);
      double r = d == 0 ? 0 : d / s;
      if (!(r <= worst)) worst = r;
    }
  return worst;
}

/* ---- pairwise against the naive definition ------------------------------ */

static void prop_pairwise_matches_naive(uint64_t seed, size_t max_t, size_t max_a, int want) {
  tl_rng rng = {seed};
  int compared = 0, rejected = 0, bad_err = 0, bad_sym = 0, bad_diag = 0, bad_dev = 0, bad_info = 0;
  double worst = 0;
  for (int attempt = 0; compared < want && attempt < 20 * want; attempt++) {
    double p_gap = (attempt % 3) * 0.08;
    instance in = make_instance(&rng, max_t, max_a, p_gap, 1);
    folio_panel p = folio_panel_make(in.x, in.t, in.a);
    double *cov = malloc(sizeof(double) * in.a * in.a);
    double *want_cov = malloc(sizeof(double) * in.a * in.a);
    size_t min_n = SIZE_MAX;
    for (size_t j = 0; j < in.a; j++)
      for (size_t i = 0; i <= j; i++) {
        size_t n;
        want_cov[i + j * in.a] = want_cov[j + i * in.a] = naive_pair(&in, i, j, &n);
        if (n < min_n) min_n = n;
      }
    folio_cov_info info;
    folio_error err = {FOLIO_OK, ""};
    folio_status st =
        folio_sample_cov(&p, FOLIO_MISSING_PAIRWISE, 1.0, cov, in.a, NULL, &info, &err);
    if (min_n < 2) {
      /* Some pair (or symbol) has fewer than 2 common rows: it must say so. */
      rejected++;
      if (st != FOLIO_ESHORT || !strstr(err.message, "at least 2")) bad_err++;
    } else if (st != FOLIO_OK) {
      bad_err++;
    } else {
      compared++;
      if (!exactly_symmetric(cov, in.a)) bad_sym++;
      if (!diag_nonneg(cov, in.a)) bad_diag++;
      if (info.min_pair_obs != min_n) bad_info++;
      double d = rel_dev(cov, want_cov, in.a);
      if (d > worst) worst = d;
      if (!(d <= 1e-12)) bad_dev++;
    }
    free(cov);
    free(want_cov);
    free(in.x);
  }
  CHECK_MSG(compared >= want, "only %d instances compared", compared);
  CHECK_EQ_INT(bad_err, 0);
  CHECK_EQ_INT(bad_sym, 0);
  CHECK_EQ_INT(bad_diag, 0);
  CHECK_EQ_INT(bad_info, 0);
  CHECK_MSG(bad_dev == 0, "%d instances deviate more than 1e-12, worst %.3g", bad_dev, worst);
  printf(
      "pairwise vs naive (T <= %zu, A <= %zu): %d compared, %d rejected as too short, worst "
      "relative deviation %.3g\n",
      max_t, max_a, compared, rejected, worst);
}

/* ---- no gaps: every mode is the same computation ------------------------- */

static void prop_no_missing_modes_agree(uint64_t seed) {
  tl_rng rng = {seed};
  int bad_bits = 0, bad_sym = 0, bad_diag = 0, bad_naive = 0, bad_err = 0;
  for (int k = 0; k < INSTANCES; k++) {
    instance in = make_instance(&rng, 60, 10, 0.0, 0);
    folio_panel p = folio_panel_make(in.x, in.t, in.a);
    size_t aa = in.a * in.a;
    double *c[3];
    for (int m = 0; m < 3; m++) {
      c[m] = malloc(sizeof(double) * aa);
      folio_cov_info info;
      if (folio_sample_cov(&p, (folio_missing)m, 1.0, c[m], in.a, NULL, &info, NULL) != FOLIO_OK ||
          info.rows_used != in.t || info.min_pair_obs != in.t || info.had_missing)
        bad_err++;
    }
    if (memcmp(c[0], c[1], sizeof(double) * aa) || memcmp(c[0], c[2], sizeof(double) * aa))
      bad_bits++;
    if (!exactly_symmetric(c[2], in.a)) bad_sym++;
    if (!diag_nonneg(c[2], in.a)) bad_diag++;
    double *naive = malloc(sizeof(double) * aa);
    for (size_t j = 0; j < in.a; j++)
      for (size_t i = 0; i < in.a; i++) {
        size_t n;
        naive[i + j * in.a] = naive_pair(&in, i, j, &n);
      }
    if (!(rel_dev(c[2], naive, in.a) <= 1e-12)) bad_naive++;
    free(naive);
    for (int m = 0; m < 3; m++) free(c[m]);
    free(in.x);
  }
  CHECK_EQ_INT(bad_err, 0);
  CHECK_EQ_INT(bad_bits, 0);
  CHECK_EQ_INT(bad_sym, 0);
  CHECK_EQ_INT(bad_diag, 0);
  CHECK_EQ_INT(bad_naive, 0);
}

/* ---- complete mode = the complete rows taken on their own ---------------- */

static void prop_complete_is_subpanel(uint64_t seed) {
  tl_rng rng = {seed};
  int tested = 0, bad = 0;
  for (int k = 0; k < 3 * INSTANCES && tested < INSTANCES; k++) {
    instance in = make_instance(&rng, 60, 6, 0.05, 1);
    double *sub = malloc(sizeof(double) * in.t * in.a);
    size_t n = 0;
    for (size_t i = 0; i < in.t; i++) {
      int complete = 1;
      for (size_t j = 0; j < in.a; j++) complete &= !isnan(in.x[i + j * in.t]);
      if (complete) n++;
    }
    size_t r = 0;
    for (size_t i = 0; i < in.t; i++) {
      int complete = 1;
      for (size_t j = 0; j < in.a; j++) complete &= !isnan(in.x[i + j * in.t]);
      if (!complete) continue;
      for (size_t j = 0; j < in.a; j++) sub[r + j * n] = in.x[i + j * in.t];
      r++;
    }
    folio_panel p = folio_panel_make(in.x, in.t, in.a);
    folio_panel s = folio_panel_make(sub, n, in.a);
    double *a = malloc(sizeof(double) * in.a * in.a), *b = malloc(sizeof(double) * in.a * in.a);
    folio_cov_info info;
    folio_status st = folio_sample_cov(&p, FOLIO_MISSING_COMPLETE, 1.0, a, in.a, NULL, &info, NULL);
    if (n < 2) {
      bad += st != FOLIO_ESHORT;
    } else {
      tested++;
      bad += st != FOLIO_OK || info.rows_used != n;
      bad +=
          folio_sample_cov(&s, FOLIO_MISSING_COMPLETE, 1.0, b, in.a, NULL, NULL, NULL) != FOLIO_OK;
      bad += memcmp(a, b, sizeof(double) * in.a * in.a) != 0;
    }
    free(a);
    free(b);
    free(sub);
    free(in.x);
  }
  CHECK_MSG(tested >= INSTANCES, "only %d instances with 2+ complete rows", tested);
  CHECK_EQ_INT(bad, 0);
}

/* ---- determinism, permutation, scale ------------------------------------ */

static void prop_repeat_permute_scale(uint64_t seed) {
  tl_rng rng = {seed};
  int tested = 0, bad_repeat = 0, bad_perm = 0, bad_scale = 0;
  double worst_perm = 0, worst_scale = 0;
  for (int k = 0; k < 3 * INSTANCES && tested < INSTANCES; k++) {
    folio_missing mode = (k & 1) ? FOLIO_MISSING_PAIRWISE : FOLIO_MISSING_COMPLETE;
    instance in = make_instance(&rng, 50, 8, (k % 4 < 2) ? 0.0 : 0.05, k % 3 == 0);
    size_t t = in.t, a = in.a, aa = a * a;
    folio_panel p = folio_panel_make(in.x, t, a);
    double *c1 = malloc(sizeof(double) * aa), *c2 = malloc(sizeof(double) * aa);
    double *cp = malloc(sizeof(double) * aa), *cs = malloc(sizeof(double) * aa);
    double *xp = malloc(sizeof(double) * t * a);
    size_t *perm = malloc(sizeof(size_t) * a);
    size_t need = folio_sample_cov_work_size(t, a, mode);
    unsigned char *work = malloc(need);
    if (folio_sample_cov(&p, mode, 1.0, c1, a, NULL, NULL, NULL) == FOLIO_OK) {
      tested++;
      /* Same again into a caller workspace full of garbage. */
      for (size_t b = 0; b < need; b++) work[b] = (unsigned char)tl_next(&rng);
      if (folio_sample_cov(&p, mode, 1.0, c2, a, work, NULL, NULL) != FOLIO_OK ||
          memcmp(c1, c2, sizeof(double) * aa) != 0)
        bad_repeat++;
      for (size_t b = 0; b < need; b++) work[b] = (unsigned char)tl_next(&rng);
      if (folio_sample_cov(&p, mode, 1.0, c2, a, work, NULL, NULL) != FOLIO_OK ||
          memcmp(c1, c2, sizeof(double) * aa) != 0)
        bad_repeat++;

      /* Column permutation: cov of the permuted panel is the permuted cov. */
      for (size_t j = 0; j < a; j++) perm[j] = j;
      for (size_t j = a; j > 1; j--) {
        size_t r = tl_index(&rng, j), tmp = perm[j - 1];
        perm[j - 1] = perm[r];
        perm[r] = tmp;
      }
      for (size_t j = 0; j < a; j++) memcpy(xp + j * t, in.x + perm[j] * t, sizeof(double) * t);
      folio_panel pp = folio_panel_make(xp, t, a);
      if (folio_sample_cov(&pp, mode, 1.0, cp, a, NULL, NULL, NULL) != FOLIO_OK) {
        bad_perm++;
      } else {
        for (size_t j = 0; j < a; j++)
          for (size_t i = 0; i < a; i++) c2[i + j * a] = c1[perm[i] + perm[j] * a];
        double d = rel_dev(cp, c2, a);
        if (d > worst_perm) worst_perm = d;
        if (!(d <= 1e-14)) bad_perm++;
      }

      /* scale multiplies. */
      double scale = 1.0 + 500.0 * tl_uniform(&rng);
      if (folio_sample_cov(&p, mode, scale, cs, a, NULL, NULL, NULL) != FOLIO_OK) {
        bad_scale++;
      } else {
        for (size_t e = 0; e < aa; e++) c2[e] = scale * c1[e];
        double d = rel_dev(cs, c2, a);
        if (d > worst_scale) worst_scale = d;
        if (!(d <= 1e-14)) bad_scale++;
        if (!exactly_symmetric(cs, a)) bad_scale++;
      }
    }
    free(work);
    free(perm);
    free(xp);
    free(c1);
    free(c2);
    free(cp);
    free(cs);
    free(in.x);
  }
  CHECK_MSG(tested >= INSTANCES, "only %d instances tested", tested);
  CHECK_EQ_INT(bad_repeat, 0);
  CHECK_MSG(bad_perm == 0, "%d permutation failures, worst %.3g", bad_perm, worst_perm);
  CHECK_MSG(bad_scale == 0, "%d scale failures, worst %.3g", bad_scale, worst_scale);
  printf("permutation worst %.3g, scale worst %.3g over %d instances\n", worst_perm, worst_scale,
         tested);
}

int main(void) {
  prop_pairwise_matches_naive(0x5EED0001u, 80, 12, INSTANCES);
  /* Fewer, larger panels so that the 64 x 64 tiles and BLAS blocking are crossed. */
  prop_pairwise_matches_naive(0x5EED0002u, 400, 150, 100);
  prop_no_missing_modes_agree(0x5EED0003u);
  prop_complete_is_subpanel(0x5EED0004u);
  prop_repeat_permute_scale(0x5EED0005u);
  return tl_finish("prop_risk_model");
}
