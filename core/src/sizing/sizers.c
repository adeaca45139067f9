/*
 * sizers.c — the sizers of sizers.h: signals and estimates become target
 * weights (equal_weight_ls, kelly_fraction, vol_target_weights, fixed_weight
 * and the composite kelly_voltarget).
 *
 * Every public function validates all of its inputs first, computes into
 * scratch memory (a caller-provided workspace or one malloc per call), and
 * writes its outputs only once nothing can fail any more. Sizers whose
 * definition does not depend on the order of the assets compute in symbol
 * order (strcmp), so that a caller who reorders the inputs gets bit-identical
 * weights per symbol: every floating-point sum is accumulated in that order.
 */
#include <lapacke.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "folio/money.h"
#include "folio/sizers.h"
#include "folio/numbers.h"
#include "internal.h"

/* ==== symbols ============================================================ */

/* The symbol array's NULL check, then folio_i_symbols_scan: NULL / empty
 * entries, and whether the symbols are already strictly ascending (then they
 * are also distinct, and no sort is needed: the common case of data files
 * sorted by symbol costs O(n)). */
static folio_status symbols_basic(size_t n, const char *const *symbols, const char *who,
                                  const char *what, int *sorted, folio_error *err) {
  if (!symbols) return folio_error_set(err, FOLIO_EINVAL, "%s: %s array is NULL", who, what);
  return folio_i_symbols_scan(n, symbols, who, what, sorted, err);
}

/* order[k] = input index of the k-th symbol in ascending strcmp order; detects
 * duplicates (FOLIO_EDUP naming the smallest duplicated symbol). `sorted` comes
 * from symbols_basic. scratch holds n entries (unused when sorted). */
static folio_status symbols_order(size_t n, const char *const *symbols, int sorted, const char *who,
                                  const char *what, folio_i_sym *scratch, size_t *order,
                                  folio_error *err) {
  if (sorted) {
    if (order)
      for (size_t i = 0; i < n; i++) order[i] = i;
    return FOLIO_OK;
  }
  return folio_i_symbols_rank(n, symbols, who, what, scratch, order, err);
}

/* symbols_basic for names that may be absent: NULL names count as sorted. */
static folio_status optional_symbols(size_t n, const char *const *symbols, const char *who,
                                     const char *what, int *sorted, folio_error *err) {
  *sorted = 1;
  return symbols ? symbols_basic(n, symbols, who, what, sorted, err) : FOLIO_OK;
}

folio_status folio_check_symbols(size_t n, const char *const *symbols, const char *who,
                                 folio_error *err) {
  if (!who) who = "check_symbols";
  if (n > FOLIO_MAX_DIM)
    return folio_error_set(err, FOLIO_EDIM, "%s: %zu symbols (at most %zu)", who, n,
                           (size_t)FOLIO_MAX_DIM);
  int sorted;
  folio_status st = symbols_basic(n, symbols, who, "symbol", &sorted, err);
  if (st < 0 || sorted) return st;
  folio_i_sym *scratch = malloc(n * sizeof *scratch);
  if (!scratch) return folio_error_set(err, FOLIO_ENOMEM, "%s: out of memory", who);
  st = symbols_order(n, symbols, 0, who, "symbol", scratch, NULL, err);
  free(scratch);
  return st;
}

/* Name of asset k for a message: names[map[k]] (map may be NULL = identity),
 * or "#<index+1>" when there are no names. */
static const char *name_of(const char *const *names, const size_t *map, size_t k, char *buf,
                           size_t size) {
  return folio_i_symbol(names, map ? map[k] : k, buf, size);
}

/* Shape checks of a panel without scanning its values (the sizers only read
 * a window of rows, and check those themselves). */
static folio_status panel_shape(const folio_panel *p, const char *who, const char *what,
                                folio_error *err) {
  if (!p) return folio_error_set(err, FOLIO_EINVAL, "%s: %s is NULL", who, what);
  if (p->n_rows > FOLIO_MAX_DIM || p->n_cols > FOLIO_MAX_DIM ||
      p->n_rows * p->n_cols > FOLIO_MAX_ELEMS)
    return folio_error_set(err, FOLIO_EDIM, "%s: %s has %zu x %zu entries (too large)", who, what,
                           p->n_rows, p->n_cols);
  if (p->ld < p->n_rows || p->ld < 1)
    return folio_error_set(err, FOLIO_EDIM, "%s: %s leading dimension %zu < rows %zu", who, what,
                           p->ld, p->n_rows);
  if (p->n_rows && p->n_cols && !p->data)
    return folio_error_set(err, FOLIO_EINVAL, "%s: %s data is NULL", who, what);
  return FOLIO_OK;
}

/* panel_shape of the log_returns panel, whose columns must be the n assets
 * (FOLIO_EDIM "... has C columns but there are N <noun>"). */
static folio_status returns_shape(const folio_panel *log_returns, const char *who, size_t n,
                                  const char *noun, folio_error *err) {
  folio_status st = panel_shape(log_returns, who, "log_returns", err);
  if (st < 0) return st;
  if (log_returns->n_cols != n)
    return folio_error_set(err, FOLIO_EDIM, "%s: log_returns has %zu columns but there are %zu %s",
                           who, log_returns->n_cols, n, noun);
  return FOLIO_OK;
}

/* ==== equal_weight_ls ==================================================== */

typedef struct ew_entry {
  double s;
  const char *sym;
  size_t i;
} ew_entry;

/* Signal descending, then symbol ascending: a total order (symbols are distinct). */
static int cmp_ew_entry(const void *a, const void *b) {
  const ew_entry *x = a, *y = b;
  if (x->s > y->s) return -1;
  if (x->s < y->s) return 1;
  return strcmp(x->sym, y->sym);
}

folio_status folio_equal_weight_ls(size_t n_assets, const double *signal,
                                   const char *const *symbols, long n_long, long n_short,
                                   double gross, double *weights, folio_ewls_info *info,
                                   folio_error *err) {
  const char *who = "equal_weight_ls";
  if (!signal) return folio_error_set(err, FOLIO_EINVAL, "%s: signal is NULL", who);
  if (!weights) return folio_error_set(err, FOLIO_EINVAL, "%s: weights is NULL", who);
  if (n_assets > FOLIO_MAX_DIM)
    return folio_error_set(err, FOLIO_EDIM, "%s: %zu assets (at most %zu)", who, n_assets,
                           (size_t)FOLIO_MAX_DIM);
  if (n_long < 0)
    return folio_error_set(err, FOLIO_EINVAL, "%s: n_long must be >= 0 (got %ld)", who, n_long);
  if (n_short < 0)
    return folio_error_set(err, FOLIO_EINVAL, "%s: n_short must be >= 0 (got %ld)", who, n_short);
  if (!isfinite(gross) || gross <= 0)
    return folio_error_set(err, FOLIO_EINVAL, "%s: gross must be finite and > 0 (got %g)", who,
                           gross);
  folio_status dst = folio_check_number(FOLIO_DOMAIN_WEIGHT, gross, who, "gross", NULL, err);
  if (dst < 0) return dst;
  int sorted;
  folio_status st = symbols_basic(n_assets, symbols, who, "symbol", &sorted, err);
  if (st < 0) return st;
  size_t n_valid = 0;
  for (size_t i = 0; i < n_assets; i++) {
    if (isinf(signal[i]))
      return folio_error_set(err, FOLIO_ENOTFINITE, "%s: signal is infinite (symbol %s)", who,
                             symbols[i]);
    if (!isnan(signal[i])) n_valid++;
  }
  if (n_long == 0 && n_short == 0)
    return folio_error_set(err, FOLIO_EEMPTY, "%s: n_long and n_short are both 0", who);
  if (n_valid == 0)
    return folio_error_set(err, FOLIO_EEMPTY, "%s: no asset has a signal (all %zu are NaN)", who,
                           n_assets);

  /* One block: the symbol sort (for the duplicate check) and the ranking. */
  folio_i_arena ar = {NULL, 0, 0};
  (void)folio_i_take(&ar, n_assets, sizeof(folio_i_sym));
  (void)folio_i_take(&ar, n_valid, sizeof(ew_entry));
  st = folio_i_arena_alloc(&ar, who, 0, err);
  if (st < 0) return st;
  folio_i_sym *scratch = folio_i_take(&ar, n_assets, sizeof(folio_i_sym));
  ew_entry *e = folio_i_take(&ar, n_valid, sizeof(ew_entry));
  st = symbols_order(n_assets, symbols, sorted, who, "symbol", scratch, NULL, err);
  if (st < 0) {
    free(ar.base);
    return st;
  }

  size_t m = 0;
  for (size_t i = 0; i < n_assets; i++)
    if (!isnan(signal[i])) e[m++] = (ew_entry){signal[i], symbols[i], i};
  qsort(e, m, sizeof *e, cmp_ew_entry);

  /* Shrink the larger side (the short side on a tie) until no name could be
   * on both sides. */
  size_t nl = (size_t)n_long, ns = (size_t)n_short;
  if (nl > m) nl = m + 1; /* avoid overflow below; the loop trims the rest */
  if (ns > m) ns = m + 1;
  while (nl + ns > m) {
    if (nl > ns)
      nl--;
    else
      ns--;
  }
  double side_long = ns ? gross / 2 : gross, side_short = nl ? gross / 2 : gross;
  double wl = nl ? side_long / (double)nl : 0, ws = ns ? side_short / (double)ns : 0;

  for (size_t i = 0; i < n_assets; i++) weights[i] = 0.0;
  for (size_t k = 0; k < nl; k++) weights[e[k].i] = wl;
  for (size_t k = 0; k < ns; k++) weights[e[m - 1 - k].i] = -ws;
  if (info) {
    info->n_long = nl;
    info->n_short = ns;
    info->n_excluded = n_assets - m;
  }
  free(ar.base);
  return FOLIO_OK;
}

/* ==== kelly_fraction ===================================================== */

/* folio_repair_parse / folio_repair_name live in repair.c. */

folio_kelly_opts folio_kelly_defaults(void) {
  folio_kelly_opts o = {1.0, INFINITY, FOLIO_REPAIR_ERROR, NULL};
  return o;
}

enum {
  RIDGE_TRIES = 12,
  SYM_BLOCK = 32 /* two 32x32 tiles of doubles (16 KB) stay in L1 while compared */
};

/* Scratch of the Kelly core: the factor (n x n, ld n), right-hand side, sqrt|c_ii|. */
typedef struct kelly_scratch {
  double *a, *b, *d;
} kelly_scratch;

static void kelly_carve(folio_i_arena *ar, size_t n, kelly_scratch *ks) {
  ks->a = folio_i_take_mat(ar, n, n, sizeof(double));
  ks->b = folio_i_take(ar, n, sizeof(double));
  ks->d = folio_i_take(ar, n, sizeof(double));
}

static folio_status kelly_check_opts(const char *who, const folio_kelly_opts *o, folio_error *err) {
  if (!isfinite(o->risk_aversion) || o->risk_aversion <= 0)
    return folio_error_set(err, FOLIO_EINVAL, "%s: risk_aversion must be finite and > 0 (got %g)",
                           who, o->risk_aversion);
  if (!(o->cap > 0))
    return folio_error_set(err, FOLIO_EINVAL, "%s: cap must be > 0 or INFINITY (got %g)", who,
                           o->cap);
  if (o->repair != FOLIO_REPAIR_ERROR && o->repair != FOLIO_REPAIR_RIDGE &&
      o->repair != FOLIO_REPAIR_CLIP && o->repair != FOLIO_REPAIR_HIGHAM)
    return folio_error_set(err, FOLIO_EINVAL,
                           "%s: repair must be FOLIO_REPAIR_ERROR, _RIDGE, _CLIP or _HIGHAM "
                           "(got %d)",
                           who, (int)o->repair);
  return FOLIO_OK;
}

/* The lower triangle of cov in the order `order` (NULL = input order) into a
 * (ld n): a[p + q n] = cov(order[p], order[q]) for p >= q. Taking the entry at
 * (row of the later symbol, column of the earlier one) makes the copy, and so
 * the factor, independent of the input order. Column by column: each source
 * column is gathered while it sits in cache, the destination is written
 * sequentially. */
static void kelly_gather(size_t n, const double *cov, size_t ld, const size_t *order, double *a) {
  for (size_t q = 0; q < n; q++) {
    double *dst = a + q * n;
    if (!order) {
      memcpy(dst + q, cov + q * ld + q, (n - q) * sizeof(double));
      continue;
    }
    const double *src = cov + order[q] * ld;
    for (size_t p = q; p < n; p++) dst[p] = src[order[p]];
  }
}

/*
 * Kelly weights of n assets. order: symbol order (NULL = input order);
 * names/map name asset k in messages (see name_of). Everything is validated
 * here except opts and the array pointers. weights/raw (raw may be NULL)
 * are indexed like mu and written only on success.
 */
static folio_status kelly_core(const char *who, size_t n, const double *mu, const double *cov,
                               size_t ld, const size_t *order, const char *const *names,
                               const size_t *map, const folio_kelly_opts *o,
                               const kelly_scratch *ks, double *weights, double *raw,
                               folio_kelly_info *info, folio_error *err) {
  char b1[64], b2[64];
  for (size_t i = 0; i < n; i++)
    if (!isfinite(mu[i]))
      return folio_error_set(err, FOLIO_ENOTFINITE, "%s: mu is not finite (symbol %s: %g)", who,
                             name_of(names, map, i, b1, sizeof b1), mu[i]);
  for (size_t i = 0; i < n; i++)
    if (!folio_i_in_domain(FOLIO_DOMAIN_RETURN, mu[i])) /* the name formatted only for the message */
      return folio_check_number(FOLIO_DOMAIN_RETURN, mu[i], who, "mu",
                                name_of(names, map, i, b1, sizeof b1), err);
  double *d = ks->d;
  for (size_t i = 0; i < n; i++) {
    double c = cov[i + i * ld];
    if (!isfinite(c))
      return folio_error_set(err, FOLIO_ENOTFINITE, "%s: cov is not finite (symbol %s, %s: %g)",
                             who, name_of(names, map, i, b1, sizeof b1),
                             name_of(names, map, i, b2, sizeof b2), c);
    if (!folio_i_in_domain(FOLIO_DOMAIN_VARIANCE, c))
      return folio_check_number(FOLIO_DOMAIN_VARIANCE, c, who, "cov variance",
                                name_of(names, map, i, b1, sizeof b1), err);
    d[i] = sqrt(fabs(c));
  }

  /* Finiteness and symmetry of the off-diagonal entries, tile against
   * transposed tile so that both stay in cache (A = 2000 is 32 MB). A
   * non-finite entry wins over an asymmetry seen earlier. */
  size_t asym_i = SIZE_MAX, asym_j = 0;
  for (size_t jb = 0; jb < n; jb += SYM_BLOCK) {
    size_t je = jb + SYM_BLOCK < n ? jb + SYM_BLOCK : n;
    for (size_t ib = jb; ib < n; ib += SYM_BLOCK) {
      size_t ie = ib + SYM_BLOCK < n ? ib + SYM_BLOCK : n;
      for (size_t j = jb; j < je; j++) {
        const double *lo = cov + j * ld; /* cov(i, j), i > j */
        const double *up = cov + j;      /* cov(j, i) at up[i * ld] */
        for (size_t i = (ib > j ? ib : j + 1); i < ie; i++) {
          double x = lo[i], y = up[i * ld];
          if (!isfinite(x) || !isfinite(y)) {
            size_t r = isfinite(x) ? j : i, c = isfinite(x) ? i : j;
            return folio_error_set(err, FOLIO_ENOTFINITE,
                                   "%s: cov is not finite (symbol %s, %s: %g)", who,
                                   name_of(names, map, r, b1, sizeof b1),
                                   name_of(names, map, c, b2, sizeof b2), isfinite(x) ? y : x);
          }
          if (!(fabs(x) <= FOLIO_MAX_COV) || !(fabs(y) <= FOLIO_MAX_COV)) {
            int lo_bad = !(fabs(x) <= FOLIO_MAX_COV);
            char what[160];
            snprintf(what, sizeof what, "cov entry (symbols %s, %s)",
                     name_of(names, map, lo_bad ? i : j, b1, sizeof b1),
                     name_of(names, map, lo_bad ? j : i, b2, sizeof b2));
            return folio_check_number(FOLIO_DOMAIN_COV, lo_bad ? x : y, who, what, NULL, err);
          }
          if (fabs(x - y) > 1e-10 * d[i] * d[j] && asym_i == SIZE_MAX) {
            asym_i = i;
            asym_j = j;
          }
        }
      }
    }
  }
  if (asym_i != SIZE_MAX)
    return folio_error_set(
        err, FOLIO_ENOTSYM, "%s: cov is not symmetric (symbols %s and %s: %.17g vs %.17g)", who,
        name_of(names, map, asym_j, b1, sizeof b1), name_of(names, map, asym_i, b2, sizeof b2),
        cov[asym_i + asym_j * ld], cov[asym_j + asym_i * ld]);

  /* Factorise; with the ridge repair, retry from a fresh copy with
   * r = 1e-10 * mean variance, x10 per try. The _work entry points skip
   * LAPACKE's own NaN scan: everything was checked above (naming symbols),
   * and the shapes passed are valid, so LAPACK's error handler never runs. */
  double *a = ks->a;
  lapack_int ni = (lapack_int)n;
  double ridge = 0.0;
  folio_repair_info rinfo = {o->repair, 0, 0.0, NAN, 0.0, 0, 0};
  size_t failed = SIZE_MAX; /* position (in `order`) of the first failing minor, unridged */
  for (int attempt = 0;; attempt++) {
    kelly_gather(n, cov, ld, order, a);
    if (ridge > 0)
      for (size_t p = 0; p < n; p++) a[p + p * n] += ridge;
    lapack_int inf = LAPACKE_dpotrf_work(LAPACK_COL_MAJOR, 'L', ni, a, ni);
    if (inf == 0) break;
    if (inf < 0)
      return folio_error_set(err, FOLIO_EINVAL, "%s: dpotrf rejected argument %d", who, (int)-inf);
    if (failed == SIZE_MAX) failed = (size_t)inf - 1;
    size_t k = order ? order[failed] : failed;
    if (o->repair == FOLIO_REPAIR_CLIP || o->repair == FOLIO_REPAIR_HIGHAM) {
      /* Repair the symbol-ordered copy (both triangles) and factorise it. The
       * repair allocates its own workspace: this is the rare path. */
      kelly_gather(n, cov, ld, order, a);
      for (size_t q = 0; q < n; q++)
        for (size_t p = q + 1; p < n; p++) a[q + p * n] = a[p + q * n];
      folio_error inner;
      folio_status rst =
          folio_i_cov_repair(n, a, n, o->repair, NULL, NULL, o->cancel, &rinfo, &inner);
      if (rst == FOLIO_ECANCELED) return folio_error_set(err, rst, "%s: %s", who, inner.message);
      if (rst < 0)
        return folio_error_set(err, rst == FOLIO_ENOMEM ? FOLIO_ENOMEM : FOLIO_ENOTPD,
                               "%s: cov is not positive definite (symbol %s); %s", who,
                               name_of(names, map, k, b1, sizeof b1), inner.message);
      if (LAPACKE_dpotrf_work(LAPACK_COL_MAJOR, 'L', ni, a, ni) != 0)
        return folio_error_set(err, FOLIO_ENOTPD,
                               "%s: cov is not positive definite (symbol %s), even after the %s "
                               "repair",
                               who, name_of(names, map, k, b1, sizeof b1),
                               folio_repair_name(o->repair));
      break;
    }
    if (o->repair != FOLIO_REPAIR_RIDGE)
      return folio_error_set(err, FOLIO_ENOTPD, "%s: cov is not positive definite (symbol %s)", who,
                             name_of(names, map, k, b1, sizeof b1));
    if (attempt == 0) {
      double sum = 0.0; /* in factorisation order, so the ridge is order independent too */
      for (size_t p = 0; p < n; p++) sum += cov[(order ? order[p] : p) * (ld + 1)];
      ridge = 1e-10 * (sum / (double)n);
      if (!(ridge > 0) || !isfinite(ridge))
        return folio_error_set(err, FOLIO_ENOTPD,
                               "%s: cov is not positive definite (symbol %s); "
                               "no ridge repair: mean variance is %g",
                               who, name_of(names, map, k, b1, sizeof b1), sum / (double)n);
    } else if (attempt == RIDGE_TRIES) {
      return folio_error_set(err, FOLIO_ENOTPD,
                             "%s: cov is not positive definite (symbol %s); "
                             "no ridge up to %g helped",
                             who, name_of(names, map, k, b1, sizeof b1), ridge);
    } else {
      ridge *= 10.0;
    }
  }

  double *b = ks->b;
  for (size_t p = 0; p < n; p++) b[p] = mu[order ? order[p] : p];
  lapack_int inf = LAPACKE_dpotrs_work(LAPACK_COL_MAJOR, 'L', ni, 1, a, ni, b, ni);
  if (inf != 0)
    return folio_error_set(err, FOLIO_EINVAL, "%s: dpotrs rejected argument %d", who, (int)-inf);

  /* The final check: no NaN or Inf leaves, even from a nearly singular cov. */
  for (size_t p = 0; p < n; p++) {
    size_t k = order ? order[p] : p;
    double w = b[p] / o->risk_aversion;
    if (!isfinite(w))
      return folio_error_set(err, FOLIO_ENOTFINITE,
                             "%s: weight of %s is %s (the inputs overflow the computation)", who,
                             name_of(names, map, k, b1, sizeof b1), isnan(w) ? "NaN" : "inf");
  }
  size_t n_capped = 0;
  for (size_t p = 0; p < n; p++) {
    size_t k = order ? order[p] : p;
    double w = b[p] / o->risk_aversion;
    if (raw) raw[k] = w;
    if (w > o->cap) {
      w = o->cap;
      n_capped++;
    } else if (w < -o->cap) {
      w = -o->cap;
      n_capped++;
    }
    weights[k] = w;
  }
  if (o->repair == FOLIO_REPAIR_RIDGE && ridge > 0) {
    rinfo.applied = 1;
    rinfo.ridge = ridge;
    rinfo.frobenius_change = ridge * sqrt((double)n);
  }
  if (info) {
    info->ridge = ridge;
    info->n_capped = n_capped;
    info->repair = rinfo;
  }
  return FOLIO_OK;
}

/* Workspace of folio_kelly_fraction: symbol sort, order, then the core's scratch. */
static void kelly_fraction_carve(folio_i_arena *ar, size_t n, folio_i_sym **scratch, size_t **order,
                                 kelly_scratch *ks) {
  *scratch = folio_i_take(ar, n, sizeof(folio_i_sym));
  *order = folio_i_take(ar, n, sizeof(size_t));
  kelly_carve(ar, n, ks);
}

size_t folio_kelly_fraction_work_size(size_t n_assets) {
  folio_i_arena ar = {NULL, 0, 0};
  folio_i_sym *s;
  size_t *o;
  kelly_scratch ks;
  kelly_fraction_carve(&ar, n_assets, &s, &o, &ks);
  return ar.overflow ? 0 : ar.used;
}

folio_status folio_kelly_fraction(size_t n_assets, const double *mu, const double *cov,
                                  size_t ld_cov, const char *const *symbols,
                                  const folio_kelly_opts *opts, double *weights,
                                  double *raw_weights, void *work, folio_kelly_info *info,
                                  folio_error *err) {
  const char *who = "kelly_fraction";
  size_t n = n_assets;
  if (!mu) return folio_error_set(err, FOLIO_EINVAL, "%s: mu is NULL", who);
  if (!cov) return folio_error_set(err, FOLIO_EINVAL, "%s: cov is NULL", who);
  if (!weights) return folio_error_set(err, FOLIO_EINVAL, "%s: weights is NULL", who);
  if (!opts) return folio_error_set(err, FOLIO_EINVAL, "%s: opts is NULL", who);
  folio_status st = folio_i_check_cov_shape(who, n, ld_cov, err);
  if (st < 0) return st;
  st = kelly_check_opts(who, opts, err);
  if (st < 0) return st;
  int sorted;
  st = optional_symbols(n, symbols, who, "symbol", &sorted, err);
  if (st < 0) return st;

  size_t bytes = folio_kelly_fraction_work_size(n);
  if (bytes == 0) return folio_error_set(err, FOLIO_EDIM, "%s: workspace size overflows", who);
  void *mem = work ? work : malloc(bytes);
  if (!mem) return folio_error_set(err, FOLIO_ENOMEM, "%s: out of memory (%zu bytes)", who, bytes);
  folio_i_arena ar = {mem, 0, 0};
  folio_i_sym *scratch;
  size_t *order;
  kelly_scratch ks;
  kelly_fraction_carve(&ar, n, &scratch, &order, &ks);

  if (symbols) st = symbols_order(n, symbols, sorted, who, "symbol", scratch, order, err);
  /* Already in symbol order (or no symbols): the identity needs no gather. */
  if (st == FOLIO_OK)
    st = kelly_core(who, n, mu, cov, ld_cov, sorted ? NULL : order, symbols, NULL, opts, &ks,
                    weights, raw_weights, info, err);
  if (!work) free(mem);
  return st;
}

/* ==== vol_target_weights ================================================= */

folio_vol_target_opts folio_vol_target_defaults(void) {
  folio_vol_target_opts o = {0.12, 63, 3.0, 252.0};
  return o;
}

/*
 * Annualised realised volatility of the portfolio w over `window` rows.
 * data points at the first window row of column 0 (stride ld); column j has
 * weight w[j]; columns are summed in `order` (NULL = input order), so the
 * sums do not depend on the input order. Column j / window row t are named
 * via names/map and row_labels[row0 + t]. A missing return of a non-zero
 * weight, or an infinite return anywhere, is an error. p: window doubles.
 * Returns the volatility in *vol (0 and non-finite are left to the caller).
 */
static folio_status vol_core(const char *who, size_t n, const size_t *order, const double *w,
                             const double *data, size_t ld, size_t window, size_t row0,
                             const char *const *names, const size_t *map,
                             const char *const *row_labels, double ppy, double *p, double *vol,
                             folio_error *err) {
  for (size_t t = 0; t < window; t++) p[t] = 0.0;
  /* Non-zero columns are added four at a time, left to right, so p[t] sees
   * exactly the additions of a column-by-column loop in `order` (the bits do
   * not depend on the grouping) with a quarter of the loads and stores of p.
   * NaN and Inf are not tested element by element: they (and overflow)
   * leave p non-finite, which one pass over p detects; only then are the
   * columns rescanned to name the culprit. */
  const double *col[4];
  double wc[4];
  int np = 0, bad = 0;
  for (size_t k = 0; k <= n; k++) {
    if (k < n) {
      size_t j = order ? order[k] : k;
      const double *c = data + j * ld;
      if (w[j] == 0.0) { /* missing data is allowed here, Inf is not */
        for (size_t t = 0; t < window; t++) bad |= isinf(c[t]) != 0;
        continue;
      }
      col[np] = c;
      wc[np++] = w[j];
      if (np < 4) continue;
    }
    if (np == 4) {
      const double *c0 = col[0], *c1 = col[1], *c2 = col[2], *c3 = col[3];
      size_t t = 0;
      /* two rows per step: independent lanes the compiler packs into SIMD */
      for (; t + 2 <= window; t += 2) {
        double s0 = p[t], s1 = p[t + 1];
        s0 += wc[0] * c0[t];
        s1 += wc[0] * c0[t + 1];
        s0 += wc[1] * c1[t];
        s1 += wc[1] * c1[t + 1];
        s0 += wc[2] * c2[t];
        s1 += wc[2] * c2[t + 1];
        s0 += wc[3] * c3[t];
        s1 += wc[3] * c3[t + 1];
        p[t] = s0;
        p[t + 1] = s1;
      }
      for (; t < window; t++) {
        double s = p[t];
        s += wc[0] * c0[t];
        s += wc[1] * c1[t];
        s += wc[2] * c2[t];
        s += wc[3] * c3[t];
        p[t] = s;
      }
    } else {
      for (int q = 0; q < np; q++)
        for (size_t t = 0; t < window; t++) p[t] += wc[q] * col[q][t];
    }
    np = 0;
  }
  for (size_t t = 0; t < window; t++) bad |= !isfinite(p[t]);
  if (bad) {
    for (size_t k = 0; k < n; k++) {
      size_t j = order ? order[k] : k;
      const double *c = data + j * ld;
      for (size_t t = 0; t < window; t++) {
        double r = c[t];
        if (isfinite(r) || (isnan(r) && w[j] == 0.0)) continue;
        char b1[64], b2[64];
        return folio_error_set(
            err, isnan(r) ? FOLIO_EMISSING : FOLIO_ENOTFINITE, "%s: %s return (symbol %s, row %s)",
            who, isnan(r) ? "missing" : "infinite", name_of(names, map, j, b1, sizeof b1),
            folio_i_symbol(row_labels, row0 + t, b2, sizeof b2));
      }
    }
    return folio_error_set(err, FOLIO_ENOTFINITE, "%s: portfolio returns overflow", who);
  }
  double mean = 0.0;
  for (size_t t = 0; t < window; t++) mean += p[t];
  mean /= (double)window;
  double ss = 0.0;
  for (size_t t = 0; t < window; t++) ss += (p[t] - mean) * (p[t] - mean);
  *vol = sqrt(ss / (double)(window - 1)) * sqrt(ppy);
  return FOLIO_OK;
}

static folio_status vol_check_opts(const char *who, double target, size_t window, double max_scale,
                                   double ppy, const char *target_name, const char *window_name,
                                   folio_error *err) {
  if (!isfinite(target) || target <= 0)
    return folio_error_set(err, FOLIO_EINVAL, "%s: %s must be finite and > 0 (got %g)", who,
                           target_name, target);
  if (window < 2 || window > FOLIO_MAX_DIM)
    return folio_error_set(err, FOLIO_EINVAL, "%s: %s must be >= 2 rows (got %zu)", who,
                           window_name, window);
  if (!(max_scale > 0))
    return folio_error_set(err, FOLIO_EINVAL, "%s: max_scale must be > 0 (got %g)", who, max_scale);
  if (!isfinite(ppy) || ppy <= 0)
    return folio_error_set(err, FOLIO_EINVAL,
                           "%s: periods_per_year must be finite and > 0 (got %g)", who, ppy);
  return FOLIO_OK;
}

folio_status folio_vol_target_weights(size_t n_assets, const double *base_weights,
                                      const folio_panel *log_returns,
                                      const folio_vol_target_opts *opts, double *weights,
                                      folio_vol_target_info *info, folio_error *err) {
  const char *who = "vol_target_weights";
  if (!base_weights) return folio_error_set(err, FOLIO_EINVAL, "%s: base_weights is NULL", who);
  if (!weights) return folio_error_set(err, FOLIO_EINVAL, "%s: weights is NULL", who);
  if (!opts) return folio_error_set(err, FOLIO_EINVAL, "%s: opts is NULL", who);
  folio_status st = vol_check_opts(who, opts->target_ann_vol, opts->window, opts->max_scale,
                                   opts->periods_per_year, "target_ann_vol", "window", err);
  if (st < 0) return st;
  st = returns_shape(log_returns, who, n_assets, "weights", err);
  if (st < 0) return st;
  const char *const *labels = log_returns->col_labels;
  for (size_t j = 0; j < n_assets; j++)
    if (!isfinite(base_weights[j])) {
      char b[64];
      return folio_error_set(err, FOLIO_ENOTFINITE, "%s: base weight is not finite (symbol %s: %g)",
                             who, folio_i_symbol(labels, j, b, sizeof b), base_weights[j]);
    }
  for (size_t j = 0; j < n_assets; j++) {
    if (folio_i_in_domain(FOLIO_DOMAIN_WEIGHT, base_weights[j])) continue; /* no symbol to format */
    char b[64];
    st = folio_check_number(FOLIO_DOMAIN_WEIGHT, base_weights[j], who, "base weight",
                            folio_i_symbol(labels, j, b, sizeof b), err);
    if (st < 0) return st;
  }
  int sorted;
  st = optional_symbols(n_assets, labels, who, "column label", &sorted, err);
  if (st < 0) return st;
  size_t window = opts->window, n_rows = log_returns->n_rows;
  if (n_rows < window)
    return folio_error_set(err, FOLIO_ESHORT, "%s: window needs %zu rows of returns, got %zu", who,
                           window, n_rows);

  /* One block: the label sort (only when the labels are not already
   * ascending) and the window's portfolio returns. */
  size_t n_sort = sorted ? 0 : n_assets;
  folio_i_arena ar = {NULL, 0, 0};
  (void)folio_i_take(&ar, n_sort, sizeof(folio_i_sym));
  (void)folio_i_take(&ar, n_sort, sizeof(size_t));
  (void)folio_i_take(&ar, window, sizeof(double));
  st = folio_i_arena_alloc(&ar, who, 0, err);
  if (st < 0) return st;
  folio_i_sym *scratch = folio_i_take(&ar, n_sort, sizeof(folio_i_sym));
  size_t *order = folio_i_take(&ar, n_sort, sizeof(size_t));
  double *p = folio_i_take(&ar, window, sizeof(double));
  if (!sorted) st = symbols_order(n_assets, labels, 0, who, "column label", scratch, order, err);
  double vol = 0.0;
  size_t row0 = n_rows - window;
  if (st == FOLIO_OK)
    st = vol_core(who, n_assets, sorted ? NULL : order, base_weights, log_returns->data + row0,
                  log_returns->ld, window, row0, labels, NULL, log_returns->row_labels,
                  opts->periods_per_year, p, &vol, err);
  free(ar.base);
  if (st < 0) return st;
  if (!isfinite(vol))
    return folio_error_set(err, FOLIO_ENOTFINITE, "%s: realised volatility overflows", who);
  if (vol == 0.0)
    return folio_error_set(err, FOLIO_EDEGENERATE,
                           "%s: realised volatility is 0 over the last %zu rows (all weights 0?)",
                           who, window);
  double scale = fmin(opts->target_ann_vol / vol, opts->max_scale);
  if (!isfinite(scale)) /* the final check: the weights are scale x base weights in their domain */
    return folio_error_set(err, FOLIO_ENOTFINITE, "%s: the scale is not finite (volatility %g)",
                           who, vol);
  for (size_t j = 0; j < n_assets; j++) weights[j] = scale * base_weights[j];
  if (info) {
    info->realised_vol = vol;
    info->scale = scale;
    info->target_vol = opts->target_ann_vol;
    info->window = window;
  }
  return FOLIO_OK;
}

/* ==== fixed_weight ======================================================= */

folio_status folio_fixed_weight(size_t n_assets, const double *weights_in,
                                const char *const *symbols, double *weights_out, folio_error *err) {
  const char *who = "fixed_weight";
  if (!weights_in) return folio_error_set(err, FOLIO_EINVAL, "%s: weights_in is NULL", who);
  if (!weights_out) return folio_error_set(err, FOLIO_EINVAL, "%s: weights_out is NULL", who);
  folio_status st = folio_check_symbols(n_assets, symbols, who, err);
  if (st < 0) return st;
  for (size_t i = 0; i < n_assets; i++)
    if (!isfinite(weights_in[i]))
      return folio_error_set(err, FOLIO_ENOTFINITE, "%s: weight is not finite (symbol %s: %g)", who,
                             symbols[i], weights_in[i]);
  for (size_t i = 0; i < n_assets; i++) {
    st = folio_check_number(FOLIO_DOMAIN_WEIGHT, weights_in[i], who, "weight",
                            symbols ? symbols[i] : NULL, err);
    if (st < 0) return st;
  }
  if (weights_out != weights_in) memmove(weights_out, weights_in, n_assets * sizeof(double));
  return FOLIO_OK;
}

/* ==== kelly_voltarget ==================================================== */

folio_kelly_voltarget_opts folio_kelly_voltarget_defaults(double target_ann_vol) {
  folio_kelly_voltarget_opts o = {
      0.05, 2.0, 0.20, 252, target_ann_vol, 63, 3.0, 252.0, FOLIO_REPAIR_ERROR, NULL};
  return o;
}

/* Workspace of the composite. rows / n_act bound the rows used and the
 * active names; n is the number of assets. */
typedef struct kvt_scratch {
  folio_i_sym *sort;
  size_t *order, *act;
  const char **sub_labels;
  double *z, *x, *sigma, *mu, *wk, *fin, *p;
  void *cov_work;
  size_t cov_work_bytes;
  kelly_scratch ks;
} kvt_scratch;

static void kvt_carve(folio_i_arena *ar, size_t rows, size_t n, size_t n_act, kvt_scratch *s) {
  s->sort = folio_i_take(ar, n, sizeof(folio_i_sym));
  s->order = folio_i_take(ar, n, sizeof(size_t));
  s->act = folio_i_take(ar, n_act, sizeof(size_t));
  s->sub_labels = folio_i_take(ar, n_act, sizeof(const char *));
  s->z = folio_i_take(ar, n_act, sizeof(double));
  s->x = folio_i_take_mat(ar, rows, n_act, sizeof(double));
  s->sigma = folio_i_take_mat(ar, n_act, n_act, sizeof(double));
  s->mu = folio_i_take(ar, n_act, sizeof(double));
  s->wk = folio_i_take(ar, n_act, sizeof(double));
  s->fin = folio_i_take(ar, n_act, sizeof(double));
  s->p = folio_i_take(ar, rows, sizeof(double));
  s->cov_work_bytes =
      n_act >= 1 && rows >= 2 ? folio_sample_cov_work_size(rows, n_act, FOLIO_MISSING_ERROR) : 0;
  s->cov_work = folio_i_take(ar, s->cov_work_bytes, 1);
  kelly_carve(ar, n_act, &s->ks);
}

size_t folio_kelly_voltarget_work_size(size_t n_rows, size_t n_assets) {
  folio_i_arena ar = {NULL, 0, 0};
  kvt_scratch s;
  kvt_carve(&ar, n_rows, n_assets, n_assets, &s);
  return ar.overflow ? 0 : ar.used;
}

/* Re-prefixes a step's message with the composite's name. */
static folio_status kvt_wrap(folio_status st, const folio_error *inner, folio_error *err) {
  return folio_error_set(err, st, "kelly_voltarget: %s", inner->message);
}

folio_status folio_kelly_voltarget(size_t n_assets, const double *signal,
                                   const folio_panel *log_returns, double nav_usd,
                                   const folio_kelly_voltarget_opts *opts, double *weights,
                                   double *usd_targets, void *work,
                                   folio_kelly_voltarget_info *info, folio_error *err) {
  const char *who = "kelly_voltarget";
  char b1[64], b2[64];
  size_t n = n_assets;
  if (!signal) return folio_error_set(err, FOLIO_EINVAL, "%s: signal is NULL", who);
  if (!weights) return folio_error_set(err, FOLIO_EINVAL, "%s: weights is NULL", who);
  if (!opts) return folio_error_set(err, FOLIO_EINVAL, "%s: opts is NULL", who);
  if (!isfinite(nav_usd) || nav_usd <= 0 || nav_usd > FOLIO_MAX_USD)
    return folio_error_set(err, FOLIO_EINVAL, "%s: nav_usd must be finite, > 0 and <= %g (got %g)",
                           who, FOLIO_MAX_USD, nav_usd);
  if (!isfinite(opts->ic) || opts->ic <= 0)
    return folio_error_set(err, FOLIO_EINVAL, "%s: ic must be finite and > 0 (got %g)", who,
                           opts->ic);
  folio_kelly_opts ko = {opts->risk_aversion, opts->cap, opts->repair, opts->cancel};
  folio_status st = kelly_check_opts(who, &ko, err);
  if (st < 0) return st;
  if (opts->cov_window < 2 || opts->cov_window > FOLIO_MAX_DIM)
    return folio_error_set(err, FOLIO_EINVAL, "%s: cov_window must be >= 2 rows (got %zu)", who,
                           opts->cov_window);
  st = vol_check_opts(who, opts->target_ann_vol, opts->vol_window, opts->max_scale,
                      opts->periods_per_year, "target_ann_vol", "vol_window", err);
  if (st < 0) return st;
  st = returns_shape(log_returns, who, n, "signals", err);
  if (st < 0) return st;
  const char *const *labels = log_returns->col_labels;
  int sorted;
  st = optional_symbols(n, labels, who, "column label", &sorted, err);
  if (st < 0) return st;
  size_t n_act = 0;
  for (size_t j = 0; j < n; j++) {
    if (isinf(signal[j]))
      return folio_error_set(err, FOLIO_ENOTFINITE, "%s: signal is infinite (symbol %s)", who,
                             folio_i_symbol(labels, j, b1, sizeof b1));
    if (!isnan(signal[j])) n_act++;
  }
  size_t n_rows = log_returns->n_rows, cw = opts->cov_window, vw = opts->vol_window;
  if (n_rows < cw)
    return folio_error_set(err, FOLIO_ESHORT, "%s: cov_window needs %zu rows of returns, got %zu",
                           who, cw, n_rows);
  if (n_rows < vw)
    return folio_error_set(err, FOLIO_ESHORT, "%s: vol_window needs %zu rows of returns, got %zu",
                           who, vw, n_rows);
  if (n_act < 2)
    return folio_error_set(err, FOLIO_EEMPTY, "%s: %zu name(s) with a signal; at least 2 needed",
                           who, n_act);
  size_t rows = cw > vw ? cw : vw, row0 = n_rows - rows;

  /* Workspace: the caller's (sized for the worst case), or exactly this call's need. */
  folio_i_arena ar = {NULL, 0, 0};
  kvt_scratch s;
  if (work) {
    ar.base = work;
    kvt_carve(&ar, n_rows, n, n, &s);
  } else {
    kvt_carve(&ar, rows, n, n_act, &s);
    st = folio_i_arena_alloc(&ar, who, 1, err);
    if (st < 0) return st;
    kvt_carve(&ar, rows, n, n_act, &s);
  }

  /* Active names in symbol order (input order without labels). */
  if (!sorted) st = symbols_order(n, labels, 0, who, "column label", s.sort, s.order, err);
  if (st < 0) goto done;
  size_t m = 0;
  for (size_t k = 0; k < n; k++) {
    size_t j = sorted ? k : s.order[k];
    if (!isnan(signal[j])) s.act[m++] = j;
  }

  /* 1. z-scores across the active names (sums in symbol order). */
  double mean = 0.0, ss = 0.0;
  for (size_t k = 0; k < m; k++) mean += signal[s.act[k]];
  mean /= (double)m;
  for (size_t k = 0; k < m; k++) ss += (signal[s.act[k]] - mean) * (signal[s.act[k]] - mean);
  double sd = sqrt(ss / (double)(m - 1));
  if (!(sd > 0)) {
    st = folio_error_set(err, FOLIO_EDEGENERATE,
                         "%s: signal is constant across the %zu names with a signal", who, m);
    goto done;
  }
  for (size_t k = 0; k < m; k++) s.z[k] = (signal[s.act[k]] - mean) / sd;

  /* The active columns over the rows used, copied in symbol order; every
   * return there must be present and finite (excluded names are not read). */
  const double *data = log_returns->data;
  size_t ld = log_returns->ld;
  for (size_t k = 0; k < m; k++) {
    const double *src = data + s.act[k] * ld + row0;
    double *dst = s.x + k * rows;
    for (size_t t = 0; t < rows; t++) {
      double v = src[t];
      if (!isfinite(v)) {
        st = folio_error_set(
            err, isnan(v) ? FOLIO_EMISSING : FOLIO_ENOTFINITE, "%s: %s return (symbol %s, row %s)",
            who, isnan(v) ? "missing" : "infinite", folio_i_symbol(labels, s.act[k], b1, sizeof b1),
            folio_i_symbol(log_returns->row_labels, row0 + t, b2, sizeof b2));
        goto done;
      }
      dst[t] = v;
    }
    if (labels) s.sub_labels[k] = labels[s.act[k]];
  }

  /* 2. Sigma = periods_per_year * sample cov over the last cov_window rows. */
  folio_panel sub = {s.x,
                     rows,
                     m,
                     rows,
                     log_returns->row_labels ? log_returns->row_labels + row0 : NULL,
                     labels ? s.sub_labels : NULL};
  folio_panel cov_panel = folio_panel_tail(&sub, cw);
  size_t need = folio_sample_cov_work_size(cw, m, FOLIO_MISSING_ERROR);
  folio_error inner;
  folio_error_clear(&inner);
  st = folio_sample_cov(&cov_panel, FOLIO_MISSING_ERROR, opts->periods_per_year, s.sigma, m,
                        need && need <= s.cov_work_bytes ? s.cov_work : NULL, NULL, &inner);
  if (st < 0) {
    kvt_wrap(st, &inner, err);
    goto done;
  }
  for (size_t k = 0; k < m; k++) {
    double v = s.sigma[k + k * m];
    s.mu[k] = opts->ic * sqrt(v > 0 ? v : 0.0) * s.z[k];
  }

  /* 3. Capped Kelly weights (already in symbol order: no permutation). */
  folio_kelly_info ki = {0};
  st = kelly_core(who, m, s.mu, s.sigma, m, NULL, labels, s.act, &ko, &s.ks, s.wk, NULL, &ki, err);
  if (st < 0) goto done;

  /* 4. Vol-target scale of the capped Kelly portfolio over the last vol_window rows. */
  double vol = 0.0;
  st = vol_core(who, m, NULL, s.wk, s.x + (rows - vw), rows, vw, n_rows - vw, labels, s.act,
                log_returns->row_labels, opts->periods_per_year, s.p, &vol, err);
  if (st < 0) goto done;
  if (!isfinite(vol)) {
    st = folio_error_set(err, FOLIO_ENOTFINITE, "%s: realised volatility overflows", who);
    goto done;
  }
  if (vol == 0.0) {
    st = folio_error_set(
        err, FOLIO_EDEGENERATE,
        "%s: realised volatility of the Kelly portfolio is 0 over the last %zu rows", who, vw);
    goto done;
  }
  double scale = fmin(opts->target_ann_vol / vol, opts->max_scale);

  /* 5. The cap is a hard per-name limit: clamp again after scaling. */
  size_t n_capped = 0;
  for (size_t k = 0; k < m; k++) {
    double w = scale * s.wk[k];
    if (w >= opts->cap) {
      w = opts->cap;
      n_capped++;
    } else if (w <= -opts->cap) {
      w = -opts->cap;
      n_capped++;
    }
    s.fin[k] = w;
  }
  double final_vol = 0.0;
  st = vol_core(who, m, NULL, s.fin, s.x + (rows - vw), rows, vw, n_rows - vw, labels, s.act,
                log_returns->row_labels, opts->periods_per_year, s.p, &final_vol, err);
  if (st < 0) goto done;
  if (!isfinite(final_vol) || !isfinite(scale)) { /* the final check; the weights are capped */
    st = folio_error_set(err, FOLIO_ENOTFINITE, "%s: the final volatility is not finite", who);
    goto done;
  }

  for (size_t j = 0; j < n; j++) weights[j] = 0.0;
  for (size_t k = 0; k < m; k++) weights[s.act[k]] = s.fin[k];
  if (usd_targets)
    for (size_t j = 0; j < n; j++) usd_targets[j] = folio_usd_round_cents(weights[j] * nav_usd);
  if (info) {
    info->scale = scale;
    info->realised_vol = vol;
    info->final_vol = final_vol;
    info->ridge = ki.ridge;
    info->repair = ki.repair;
    info->n_capped = n_capped;
    info->n_active = m;
  }

done:
  if (!work) free(ar.base);
  return st;
}
