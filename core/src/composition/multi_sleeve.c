/*
 * multi_sleeve.c — sleeve composition and sleeve-allocation overlays.
 *
 * folio_compose merges the sleeves' symbol lists by one sort of all
 * (symbol, sleeve) entries, so the union comes out in strcmp order and the
 * contributions to one symbol are summed in sleeve order whatever order the
 * sleeves listed their symbols in. The overlays reuse the core's own
 * allocators (hrp.c, risk_sizers.c, black_litterman.c) on the sample
 * covariance of the sleeves' return window; they only add the scaling back
 * to the fund's stated invested fraction.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "folio/risk_sizers.h"
#include "folio/multi_sleeve.h"
#include "folio/numbers.h"
#include "folio/correlation.h"
#include "folio/hrp.h"
#include "folio/risk_model.h"
#include "internal.h"
#include "names.h"

/* ---- composition ----------------------------------------------------------------- */

typedef struct entry {
  const char *sym;
  size_t sleeve;
  double w;
} entry;

static int cmp_entry(const void *pa, const void *pb) {
  const entry *a = pa, *b = pb;
  int c = strcmp(a->sym, b->sym);
  if (c) return c;
  return (a->sleeve > b->sleeve) - (a->sleeve < b->sleeve);
}

static const char *sleeve_name(const folio_sleeve *s, size_t k, char *buf, size_t size) {
  if (s->name && *s->name) return s->name;
  snprintf(buf, size, "sleeve #%zu", k + 1);
  return buf;
}

size_t folio_multi_sleeve_work_size(size_t n_entries) {
  size_t b;
  if (folio_i_mul(n_entries ? n_entries : 1, sizeof(entry), &b) || b > SIZE_MAX - 64) return 0;
  return b + 64;
}

/* Checks allocations: finite, >= 0, sum <= 1 + 1e-12. */
static folio_status check_allocations(const char *who, size_t k, const double *a,
                                      const char *const *names, folio_error *err) {
  double sum = 0;
  char buf[32];
  for (size_t i = 0; i < k; i++) {
    const char *nm = names && names[i] ? names[i] : (snprintf(buf, sizeof buf, "sleeve #%zu", i + 1), buf);
    if (isnan(a[i]) || a[i] < 0 || isinf(a[i]))
      return folio_error_set(err, FOLIO_EINVAL, "%s: allocation of sleeve %s must be >= 0 and finite, got %g",
                             who, nm, a[i]);
    sum += a[i];
    if (sum > 1 + 1e-12)
      return folio_error_set(err, FOLIO_EINVAL,
                             "%s: allocations sum to %.17g > 1 (at sleeve %s)", who, sum, nm);
  }
  return FOLIO_OK;
}

folio_status folio_multi_sleeve_compose(size_t n_sleeves, const folio_sleeve *sleeves,
                           const double *allocations, size_t max_out, const char **symbols_out,
                           double *weights_out, size_t *n_out, void *work, folio_error *err) {
  static const char *who = "compose";
  folio_error_clear(err);
  if (!sleeves && n_sleeves) return folio_error_set(err, FOLIO_EINVAL, "%s: sleeves is NULL", who);
  if (!symbols_out || !weights_out || !n_out)
    return folio_error_set(err, FOLIO_EINVAL, "%s: output arrays are NULL", who);
  if (n_sleeves == 0) return folio_error_set(err, FOLIO_EEMPTY, "%s: no sleeves", who);
  if (n_sleeves > FOLIO_MAX_DIM) return folio_error_set(err, FOLIO_EDIM, "%s: too many sleeves", who);
  size_t total = 0;
  char buf[32];
  for (size_t k = 0; k < n_sleeves; k++) {
    const folio_sleeve *s = &sleeves[k];
    const char *nm = sleeve_name(s, k, buf, sizeof buf);
    if (s->n_symbols && (!s->symbols || !s->weights))
      return folio_error_set(err, FOLIO_EINVAL, "%s: sleeve %s has NULL symbols or weights", who, nm);
    if (s->n_symbols > FOLIO_MAX_DIM || total > FOLIO_MAX_ELEMS - s->n_symbols)
      return folio_error_set(err, FOLIO_EDIM, "%s: too many symbols", who);
    total += s->n_symbols;
    for (size_t i = 0; i < s->n_symbols; i++) {
      if (!s->symbols[i] || !*s->symbols[i])
        return folio_error_set(err, FOLIO_EINVAL, "%s: sleeve %s: symbol %zu is empty", who, nm, i + 1);
      if (!isfinite(s->weights[i]))
        return folio_error_set(err, FOLIO_ENOTFINITE, "%s: sleeve %s: weight of %s is not finite",
                               who, nm, s->symbols[i]);
      if (folio_i_in_domain(FOLIO_DOMAIN_WEIGHT, s->weights[i])) continue;
      char what[160]; /* formatted only for the message */
      snprintf(what, sizeof what, "sleeve %s: weight", nm);
      return folio_check_number(FOLIO_DOMAIN_WEIGHT, s->weights[i], who, what, s->symbols[i], err);
    }
  }
  if (allocations) {
    double sum = 0;
    for (size_t k = 0; k < n_sleeves; k++) {
      const char *nm = sleeve_name(&sleeves[k], k, buf, sizeof buf);
      if (!(allocations[k] >= 0) || isinf(allocations[k]))
        return folio_error_set(err, FOLIO_EINVAL,
                               "%s: allocation of sleeve %s must be >= 0 and finite, got %g", who,
                               nm, allocations[k]);
      sum += allocations[k];
      if (sum > 1 + 1e-12)
        return folio_error_set(err, FOLIO_EINVAL, "%s: allocations sum to %.17g > 1 (at sleeve %s)",
                               who, sum, nm);
    }
  }
  size_t ws = folio_multi_sleeve_work_size(total);
  if (!ws) return folio_error_set(err, FOLIO_EDIM, "%s: too many symbols", who);
  void *own;
  work = folio_i_workspace(work, ws, &own);
  if (!work) return folio_error_set(err, FOLIO_ENOMEM, "%s: out of memory", who);
  folio_i_arena ar = {work, 0, 0};
  entry *e = folio_i_take(&ar, total ? total : 1, sizeof(entry));
  size_t m = 0;
  for (size_t k = 0; k < n_sleeves; k++)
    for (size_t i = 0; i < sleeves[k].n_symbols; i++) {
      e[m].sym = sleeves[k].symbols[i];
      e[m].sleeve = k;
      e[m].w = sleeves[k].weights[i];
      m++;
    }
  qsort(e, total, sizeof *e, cmp_entry);
  folio_status st = FOLIO_OK;
  size_t nu = 0;
  for (size_t i = 0; i < total; i++) {
    if (i > 0 && e[i].sleeve == e[i - 1].sleeve && strcmp(e[i].sym, e[i - 1].sym) == 0) {
      st = folio_error_set(err, FOLIO_EDUP, "%s: sleeve %s lists symbol %s twice", who,
                           sleeve_name(&sleeves[e[i].sleeve], e[i].sleeve, buf, sizeof buf), e[i].sym);
      break;
    }
    if (i == 0 || strcmp(e[i].sym, e[i - 1].sym) != 0) nu++;
  }
  if (st == FOLIO_OK && nu > max_out)
    st = folio_error_set(err, FOLIO_EINVAL, "%s: room for %zu symbols, %zu needed", who, max_out, nu);
  if (st == FOLIO_OK) {
    const double eq = 1.0 / (double)n_sleeves;
    size_t j = 0;
    for (size_t i = 0; i < total; i++) {
      double a = allocations ? allocations[e[i].sleeve] : eq;
      if (i == 0 || strcmp(e[i].sym, e[i - 1].sym) != 0) {
        symbols_out[j] = e[i].sym;
        weights_out[j] = a * e[i].w;
        j++;
      } else {
        weights_out[j - 1] += a * e[i].w;
      }
    }
    *n_out = nu;
  }
  free(own);
  return st;
}

/* ---- overlays --------------------------------------------------------------------- */

static const char *const overlay_names[] = {"equal",        "hrp",         "inverse_vol",
                                            "risk_parity", "min_variance", "bl"};

folio_status folio_overlay_parse(const char *name, folio_overlay *out, folio_error *err) {
  int i = folio_i_name_index(overlay_names, (int)(sizeof overlay_names / sizeof *overlay_names),
                             name);
  if (i >= 0) {
    if (out) *out = (folio_overlay)i;
    return FOLIO_OK;
  }
  return folio_error_set(err, FOLIO_EINVAL,
                         "unknown overlay '%s' (expected equal, hrp, inverse_vol, risk_parity, "
                         "min_variance or bl)",
                         name ? name : "(null)");
}

const char *folio_overlay_name(folio_overlay overlay) {
  if ((unsigned)overlay < sizeof overlay_names / sizeof *overlay_names) return overlay_names[overlay];
  return "unknown";
}

static size_t max3(size_t a, size_t b, size_t c) {
  size_t m = a > b ? a : b;
  return m > c ? m : c;
}

size_t folio_overlay_work_size(size_t n_rows, size_t n_sleeves) {
  size_t k = n_sleeves ? n_sleeves : 1, kk;
  if (folio_i_mul(k, k, &kk) || kk > FOLIO_MAX_ELEMS) return 0;
  size_t a = folio_sample_cov_work_size(n_rows ? n_rows : 1, k, FOLIO_MISSING_ERROR);
  size_t b = max3(folio_hrp_work_size(k), folio_risk_sizer_work_size(k),
                  folio_black_litterman_work_size(k, k));
  if (!a || !b) return 0;
  size_t inner = a > b ? a : b;
  /* cov, corr (k x k each), pi, v and mu (k each), then the inner workspace */
  size_t own = (2 * kk + 3 * k) * sizeof(double) + 5 * 64;
  if (inner > SIZE_MAX - own) return 0;
  return own + inner;
}

folio_status folio_overlay_allocations(folio_overlay overlay, size_t n_sleeves,
                                       const char *const *sleeve_names,
                                       const folio_panel *sleeve_returns, size_t lookback,
                                       const double *stated, const folio_bl_views *views,
                                       double *out, void *work, folio_error *err) {
  static const char *who = "overlay";
  folio_error_clear(err);
  if (!out) return folio_error_set(err, FOLIO_EINVAL, "%s: out is NULL", who);
  if ((unsigned)overlay > FOLIO_OVERLAY_BL)
    return folio_error_set(err, FOLIO_EINVAL, "%s: unknown overlay %d", who, (int)overlay);
  if (n_sleeves == 0) return folio_error_set(err, FOLIO_EEMPTY, "%s: no sleeves", who);
  if (n_sleeves > FOLIO_MAX_DIM) return folio_error_set(err, FOLIO_EDIM, "%s: too many sleeves", who);
  const size_t K = n_sleeves;
  double S = 1.0;
  if (stated) {
    folio_status st = check_allocations(who, K, stated, sleeve_names, err);
    if (st != FOLIO_OK) return st;
    S = 0;
    for (size_t k = 0; k < K; k++) S += stated[k];
  }
  if (overlay == FOLIO_OVERLAY_EQUAL) {
    for (size_t k = 0; k < K; k++) out[k] = stated ? stated[k] : 1.0 / (double)K;
    return FOLIO_OK;
  }
  if (!sleeve_returns)
    return folio_error_set(err, FOLIO_EINVAL, "%s: overlay %s needs the sleeves' returns", who,
                           folio_overlay_name(overlay));
  if (sleeve_returns->n_cols != K)
    return folio_error_set(err, FOLIO_EINVAL, "%s: sleeve returns have %zu columns for %zu sleeves",
                           who, sleeve_returns->n_cols, K);
  if (lookback == 0) return folio_error_set(err, FOLIO_EINVAL, "%s: lookback must be >= 1", who);
  folio_status st = folio_panel_check(sleeve_returns, who, "sleeve returns", err);
  if (st != FOLIO_OK) return st;
  folio_panel win = folio_panel_tail(sleeve_returns, lookback);
  win.col_labels = sleeve_names ? sleeve_names : win.col_labels;
  size_t ws = folio_overlay_work_size(win.n_rows, K);
  if (!ws) return folio_error_set(err, FOLIO_EDIM, "%s: too many sleeves", who);
  void *own;
  work = folio_i_workspace(work, ws, &own);
  if (!work) return folio_error_set(err, FOLIO_ENOMEM, "%s: out of memory", who);
  folio_i_arena ar = {work, 0, 0};
  double *cov = folio_i_take(&ar, K * K, sizeof(double));
  double *corr = folio_i_take(&ar, K * K, sizeof(double));
  double *pi = folio_i_take(&ar, K, sizeof(double));
  double *v = folio_i_take(&ar, K, sizeof(double));
  double *mu = folio_i_take(&ar, K, sizeof(double));
  void *inner = (unsigned char *)work + ((ar.used + 63) & ~(size_t)63);
  const char *const *names = sleeve_names;

  st = folio_sample_cov(&win, FOLIO_MISSING_ERROR, 1.0, cov, K, inner, NULL, err);
  if (st == FOLIO_OK) {
    folio_risk_sizer_opts ao = folio_risk_sizer_defaults();
    switch (overlay) {
    case FOLIO_OVERLAY_HRP:
      st = folio_cov_to_corr(K, cov, K, corr, K, names, err);
      if (st == FOLIO_OK)
        st = folio_hrp(K, cov, K, corr, K, names, FOLIO_LINKAGE_SINGLE, NULL, NULL, v, NULL, NULL,
                       inner, err);
      break;
    case FOLIO_OVERLAY_INVERSE_VOL:
      st = folio_inverse_vol(K, cov, K, names, v, NULL, NULL, err);
      break;
    case FOLIO_OVERLAY_RISK_PARITY:
      st = folio_risk_parity(K, cov, K, names, &ao, v, NULL, inner, NULL, err);
      break;
    case FOLIO_OVERLAY_MIN_VARIANCE:
      st = folio_min_variance(K, cov, K, names, &ao, v, NULL, inner, NULL, err);
      break;
    case FOLIO_OVERLAY_BL: {
      for (size_t k = 0; k < K; k++) corr[k] = stated ? (S > 0 ? stated[k] / S : 0) : 1.0 / (double)K;
      if (stated && !(S > 0)) {
        st = folio_error_set(err, FOLIO_EDEGENERATE, "%s: bl needs a prior: the stated allocations are all 0", who);
        break;
      }
      st = folio_bl_prior(K, cov, K, corr, names, 1.0, 0.0, pi, err);
      if (st != FOLIO_OK) break;
      folio_bl_opts bo = folio_bl_defaults();
      st = folio_black_litterman(K, cov, K, pi, names, views, &bo, mu, NULL, 0, v, NULL,
                                 inner, NULL, err);
      if (st != FOLIO_OK) break;
      double pos = 0;
      for (size_t k = 0; k < K; k++) {
        if (!(v[k] > 0)) v[k] = 0;
        pos += v[k];
      }
      if (!(pos > 0)) {
        st = folio_error_set(err, FOLIO_EDEGENERATE, "%s: bl: no sleeve has a positive posterior weight", who);
        break;
      }
      for (size_t k = 0; k < K; k++) v[k] /= pos;
      break;
    }
    default:
      break;
    }
  }
  for (size_t k = 0; k < K && st == FOLIO_OK; k++) /* the final check, before writing */
    if (!isfinite(S * v[k])) {
      char b[64];
      st = folio_error_set(err, FOLIO_ENOTFINITE, "%s: allocation of sleeve %s is not finite", who,
                           folio_i_symbol(names, k, b, sizeof b));
    }
  if (st == FOLIO_OK)
    for (size_t k = 0; k < K; k++) out[k] = S * v[k];
  free(own);
  return st;
}
