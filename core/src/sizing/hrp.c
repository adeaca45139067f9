/*
 * hrp.c — agglomerative clustering with scipy's semantics and Hierarchical
 * Risk Parity on top of it (see hrp.h).
 *
 * Everything is O(n^2) time on one n x n matrix: single linkage is Prim's
 * algorithm over the columns of the distance matrix (O(n) extra), the other
 * linkages the nearest-neighbour chain with Lance-Williams updates written
 * to both triangles, so every scan reads one contiguous column. The merge
 * list is then stably sorted (bottom-up merge sort) and relabelled with a
 * union-find, exactly as scipy's mst_single_linkage / nn_chain + label do,
 * which fixes the tie-breaking. Nothing recurses on n: the leaf order is an
 * explicit-stack pre-order walk, the bisection a FIFO queue of index ranges
 * of the leaf order (each list in PyPortfolioOpt's bisection is such a range).
 * For the bisection the covariance is gathered once in leaf order into the
 * (then unused) distance buffer, so every cluster variance reads one
 * contiguous block.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "folio/hrp.h"
#include "folio/numbers.h"
#include "folio/panel.h"
#include "internal.h"
#include "names.h"
#include "tiled.h"

#define SYM_TOL 1e-12 /* symmetry / unit-diagonal / |corr| <= 1 tolerance */

/* ---- method names ----------------------------------------------------------- */

static const char *const method_names[] = {"single", "complete", "average", "ward"};

folio_status folio_linkage_parse(const char *name, folio_linkage_method *out, folio_error *err) {
  if (!out) return folio_error_set(err, FOLIO_EINVAL, "linkage_parse: out is NULL");
  if (!name)
    return folio_error_set(err, FOLIO_EINVAL,
                           "linkage_parse: name is NULL (expected single, complete, average or ward)");
  int i = folio_i_name_index(method_names, 4, name);
  if (i >= 0) {
    *out = (folio_linkage_method)i;
    folio_error_clear(err);
    return FOLIO_OK;
  }
  return folio_error_set(err, FOLIO_EINVAL,
                         "linkage_parse: unknown linkage method '%.64s' (expected single, "
                         "complete, average or ward)",
                         name);
}

const char *folio_linkage_name(folio_linkage_method method) {
  return (unsigned)method < 4 ? method_names[method] : "unknown";
}

/* ---- workspace ---------------------------------------------------------------- */

/* The O(n) buffers of the linkage core. */
typedef struct link_work {
  double *dmin;   /* n: Prim's distance of each item to the tree */
  size_t *flag;   /* n: nn-chain cluster sizes (0 = merged away) */
  size_t *chain;  /* n: nn-chain stack */
  double *zraw;   /* (n - 1) x 4: merges in the order found */
  size_t *idx;    /* n - 1: sort permutation */
  size_t *tmp;    /* n - 1: merge-sort scratch */
  size_t *parent; /* 2n - 1: union-find */
  size_t *usize;  /* 2n - 1: union-find cluster sizes */
} link_work;

static void link_layout(folio_i_arena *a, size_t n, link_work *w) {
  size_t m = n > 0 ? n - 1 : 0;
  w->dmin = folio_i_take(a, n, sizeof(double));
  w->flag = folio_i_take(a, n, sizeof(size_t));
  w->chain = folio_i_take(a, n, sizeof(size_t));
  w->zraw = folio_i_take_mat(a, m, 4, sizeof(double));
  w->idx = folio_i_take(a, m, sizeof(size_t));
  w->tmp = folio_i_take(a, m, sizeof(size_t));
  w->parent = folio_i_take_mat(a, 2, n, sizeof(size_t));
  w->usize = folio_i_take_mat(a, 2, n, sizeof(size_t));
}

/* Everything folio_hrp carves: the distance / permuted-cov matrix, the
 * linkage buffers, its own Z and order, and the bisection's arrays. */
typedef struct hrp_work {
  double *dist;   /* n x n */
  link_work lw;
  double *z;      /* (n - 1) x 4 */
  size_t *order;  /* n */
  double *wpos;   /* n: weights by position in the leaf order */
  double *v;      /* n: inverse variances by position, then cluster weights */
  size_t *queue;  /* 2 x (2n): FIFO of (start, length) ranges */
} hrp_work;

static void hrp_layout(folio_i_arena *a, size_t n, hrp_work *w) {
  w->dist = folio_i_take_mat(a, n, n, sizeof(double));
  link_layout(a, n, &w->lw);
  w->z = folio_i_take_mat(a, n, 4, sizeof(double));
  w->order = folio_i_take(a, n, sizeof(size_t));
  w->wpos = folio_i_take(a, n, sizeof(double));
  w->v = folio_i_take(a, n, sizeof(double));
  w->queue = folio_i_take_mat(a, 4, n, sizeof(size_t));
}

size_t folio_linkage_work_size(size_t n_assets) {
  folio_i_arena a = {NULL, 0, 0};
  size_t nn = 0;
  if (folio_i_mul(n_assets, n_assets, &nn)) return 0;
  (void)folio_i_take(&a, nn, sizeof(double));
  link_work w;
  link_layout(&a, n_assets, &w);
  if (a.overflow || a.used > SIZE_MAX - 64) return 0;
  return a.used + 64;
}

size_t folio_hrp_work_size(size_t n_assets) {
  folio_i_arena a = {NULL, 0, 0};
  hrp_work w;
  hrp_layout(&a, n_assets, &w);
  if (a.overflow || a.used > SIZE_MAX - 64) return 0;
  return a.used + 64;
}

/* ---- the linkage core -------------------------------------------------------- */

/* scipy's Lance-Williams updates (_hierarchy_distance_update.pxi), same
 * expressions in the same order, so results agree to the last bit. */
static double lw_update(folio_linkage_method m, double d_xi, double d_yi, double d_xy, size_t nx,
                        size_t ny, size_t ni) {
  switch (m) {
    case FOLIO_LINKAGE_COMPLETE:
      return d_xi > d_yi ? d_xi : d_yi;
    case FOLIO_LINKAGE_AVERAGE:
      return ((double)nx * d_xi + (double)ny * d_yi) / (double)(nx + ny);
    case FOLIO_LINKAGE_WARD: {
      double t = 1.0 / (double)(nx + ny + ni);
      return sqrt((double)(ni + nx) * t * d_xi * d_xi + (double)(ni + ny) * t * d_yi * d_yi -
                  (double)ni * t * d_xy * d_xy);
    }
    case FOLIO_LINKAGE_SINGLE:
    default:
      return d_xi < d_yi ? d_xi : d_yi;
  }
}

/* scipy's mst_single_linkage loop: Prim from item 0; row k records (x, y,
 * D[y]) with x the item added last and y the next (first index wins ties).
 * An item in the tree has dmin = NaN instead of scipy's "merged" flag: NaN
 * is never lowered and never selected, so the scan has no skip branch. */
static void prim(size_t n, const double *d, size_t ld, link_work *w) {
  double *dmin = w->dmin;
  for (size_t i = 0; i < n; i++) dmin[i] = INFINITY;
  size_t x = 0, y = 0;
  for (size_t k = 0; k + 1 < n; k++) {
    double cur = INFINITY;
    dmin[x] = NAN;
    const double *col = d + x * ld;
    for (size_t i = 0; i < n; i++) {
      double v = col[i], m = dmin[i];
      m = v < m ? v : m; /* keeps NaN */
      dmin[i] = m;
      if (m < cur) {
        y = i;
        cur = m;
      }
    }
    w->zraw[4 * k] = (double)x;
    w->zraw[4 * k + 1] = (double)y;
    w->zraw[4 * k + 2] = cur;
    w->zraw[4 * k + 3] = 0.0;
    x = y;
  }
}

/* scipy's nn_chain on the full symmetric matrix d (updated in place). */
static void nn_chain(size_t n, double *d, folio_linkage_method m, link_work *w) {
  size_t *size = w->flag, *chain = w->chain;
  for (size_t i = 0; i < n; i++) size[i] = 1;
  size_t len = 0, x = 0, y = 0;
  for (size_t k = 0; k + 1 < n; k++) {
    if (len == 0) {
      len = 1;
      for (size_t i = 0; i < n; i++)
        if (size[i] > 0) {
          chain[0] = i;
          break;
        }
    }
    double cur;
    for (;;) {
      x = chain[len - 1];
      /* The previous chain element is preferred on ties, so the chain cannot cycle. */
      if (len > 1) {
        y = chain[len - 2];
        cur = d[y + x * n];
      } else {
        cur = INFINITY;
      }
      const double *col = d + x * n;
      for (size_t i = 0; i < n; i++) {
        if (size[i] == 0 || i == x) continue;
        if (col[i] < cur) {
          cur = col[i];
          y = i;
        }
      }
      if (len > 1 && y == chain[len - 2]) break;
      chain[len++] = y;
    }
    len -= 2;
    if (x > y) {
      size_t t = x;
      x = y;
      y = t;
    }
    size_t nx = size[x], ny = size[y];
    w->zraw[4 * k] = (double)x;
    w->zraw[4 * k + 1] = (double)y;
    w->zraw[4 * k + 2] = cur;
    w->zraw[4 * k + 3] = (double)(nx + ny);
    size[x] = 0;
    size[y] = nx + ny;
    double *cx = d + x * n, *cy = d + y * n;
    for (size_t i = 0; i < n; i++) {
      size_t ni = size[i];
      if (ni == 0 || i == y) continue;
      double v = lw_update(m, cx[i], cy[i], cur, nx, ny, ni);
      cy[i] = v;
      d[y + i * n] = v;
    }
  }
}

/* Stable bottom-up merge sort of idx[0..m) by zraw[4 * idx + 2] (numpy's
 * argsort(kind="mergesort") order). */
static void stable_sort(size_t m, const double *zraw, size_t *idx, size_t *tmp) {
  for (size_t i = 0; i < m; i++) idx[i] = i;
  size_t *src = idx, *dst = tmp;
  for (size_t width = 1; width < m; width *= 2) {
    for (size_t lo = 0; lo < m; lo += 2 * width) {
      size_t mid = lo + width < m ? lo + width : m;
      size_t hi = lo + 2 * width < m ? lo + 2 * width : m;
      size_t a = lo, b = mid, o = lo;
      while (a < mid && b < hi)
        dst[o++] = zraw[4 * src[b] + 2] < zraw[4 * src[a] + 2] ? src[b++] : src[a++];
      while (a < mid) dst[o++] = src[a++];
      while (b < hi) dst[o++] = src[b++];
    }
    size_t *t = src;
    src = dst;
    dst = t;
  }
  if (src != idx) memcpy(idx, src, m * sizeof *idx);
}

static size_t uf_find(size_t *parent, size_t x) {
  size_t root = x;
  while (parent[root] != root) root = parent[root];
  while (parent[x] != root) {
    size_t next = parent[x];
    parent[x] = root;
    x = next;
  }
  return root;
}

/* Sorts the merges into Z and relabels them (scipy's label()). */
static void sort_label(size_t n, link_work *w, double *Z) {
  size_t m = n - 1;
  stable_sort(m, w->zraw, w->idx, w->tmp);
  for (size_t k = 0; k < m; k++) memcpy(Z + 4 * k, w->zraw + 4 * w->idx[k], 4 * sizeof(double));
  for (size_t i = 0; i < 2 * n - 1; i++) {
    w->parent[i] = i;
    w->usize[i] = 1;
  }
  size_t next = n;
  for (size_t k = 0; k < m; k++) {
    size_t xr = uf_find(w->parent, (size_t)Z[4 * k]), yr = uf_find(w->parent, (size_t)Z[4 * k + 1]);
    Z[4 * k] = (double)(xr < yr ? xr : yr);
    Z[4 * k + 1] = (double)(xr < yr ? yr : xr);
    w->parent[xr] = w->parent[yr] = next;
    w->usize[next] = w->usize[xr] + w->usize[yr];
    Z[4 * k + 3] = (double)w->usize[next];
    next++;
  }
}

/* Linkage of n >= 2 items from the exactly symmetric n x n matrix d (ld n;
 * destroyed by the nn-chain methods). */
static void linkage_core(size_t n, double *d, folio_linkage_method m, link_work *w, double *Z) {
  if (m == FOLIO_LINKAGE_SINGLE)
    prim(n, d, n, w);
  else
    nn_chain(n, d, m, w);
  sort_label(n, w, Z);
}

/* ---- validation helpers ----------------------------------------------------------- */

/* What one pass over a square matrix found: the first (i, j) of each kind of
 * problem (SIZE_MAX when none) and whether it is exactly symmetric. */
typedef struct mat_scan {
  size_t nf_i, nf_j;   /* a NaN/Inf entry */
  size_t sym_i, sym_j; /* |a_ij - a_ji| > SYM_TOL * scale (i < j) */
  size_t rng_i, rng_j; /* out of range: negative (dist) or |a| > 1 + SYM_TOL (corr) */
  int exact;           /* every a_ij == a_ji */
} mat_scan;

enum scan_kind { SCAN_COV, SCAN_CORR, SCAN_DIST };

static void note(size_t *pi, size_t *pj, size_t i, size_t j) {
  if (*pi == SIZE_MAX) *pi = i, *pj = j;
}

/* One tiled pass over the off-diagonal pairs of a (the diagonal is the
 * caller's): finiteness, symmetry (relative to sqrt(a_ii a_jj) for a
 * covariance, to max(1, |a_ij|) otherwise) and the range of the kind. */
static mat_scan scan_matrix(size_t n, const double *a, size_t ld, enum scan_kind kind) {
  mat_scan r = {SIZE_MAX, 0, SIZE_MAX, 0, SIZE_MAX, 0, 1};
  FOLIO_I_FOR_UPPER_TILED(n, 0, i, j) {
    double u = a[i + j * ld], l = a[j + i * ld];
    if (u == l && u - u == 0.0) { /* the common case: finite and exactly symmetric */
      if (kind == SCAN_DIST ? u < 0.0 : kind == SCAN_CORR && fabs(u) > 1.0 + SYM_TOL)
        note(&r.rng_i, &r.rng_j, i, j);
      continue;
    }
    r.exact = 0;
    if (!(u - u == 0.0) || !(l - l == 0.0)) {
      note(&r.nf_i, &r.nf_j, u - u == 0.0 ? j : i, u - u == 0.0 ? i : j);
      continue;
    }
    double sc = kind == SCAN_COV ? sqrt(fabs(a[i + i * ld] * a[j + j * ld]))
                                 : (fabs(u) > 1.0 ? fabs(u) : 1.0);
    if (!(fabs(u - l) <= SYM_TOL * sc)) note(&r.sym_i, &r.sym_j, i, j);
    if (kind == SCAN_DIST ? (u < 0.0 || l < 0.0)
                          : kind == SCAN_CORR && (fabs(u) > 1.0 + SYM_TOL || fabs(l) > 1.0 + SYM_TOL))
      note(&r.rng_i, &r.rng_j, i, j);
  }
  return r;
}

static folio_status check_size(const char *who, size_t n, folio_error *err) {
  if (n == 0) return folio_error_set(err, FOLIO_EEMPTY, "%s: no assets", who);
  size_t nn;
  if (n > FOLIO_MAX_DIM || folio_i_mul(n, n, &nn) || nn > FOLIO_MAX_ELEMS)
    return folio_error_set(err, FOLIO_EDIM, "%s: %zu assets make a matrix of more than %zu entries",
                           who, n, (size_t)FOLIO_MAX_ELEMS);
  return FOLIO_OK;
}

/* ---- public: linkage and leaf order ----------------------------------------------- */

folio_status folio_linkage(size_t n_assets, const double *dist, size_t ld_dist,
                           folio_linkage_method method, double *Z, void *work, folio_error *err) {
  const size_t n = n_assets;
  folio_status st = check_size("linkage", n, err);
  if (st < 0) return st;
  if (!dist || (n > 1 && !Z))
    return folio_error_set(err, FOLIO_EINVAL, "linkage: %s is NULL", dist ? "Z" : "dist");
  if (ld_dist < n)
    return folio_error_set(err, FOLIO_EINVAL, "linkage: ld_dist %zu < %zu items", ld_dist, n);
  if ((unsigned)method > FOLIO_LINKAGE_WARD)
    return folio_error_set(err, FOLIO_EINVAL,
                           "linkage: unknown method %d (single, complete, average or ward)",
                           (int)method);
  for (size_t j = 0; j < n; j++) {
    double v = dist[j + j * ld_dist];
    if (!isfinite(v))
      return folio_error_set(err, FOLIO_ENOTFINITE, "linkage: dist[%zu][%zu] is not finite", j + 1,
                             j + 1);
    if (!(fabs(v) <= SYM_TOL))
      return folio_error_set(err, FOLIO_EINVAL, "linkage: dist[%zu][%zu] = %g (diagonal must be 0)",
                             j + 1, j + 1, v);
  }
  mat_scan sc = scan_matrix(n, dist, ld_dist, SCAN_DIST);
  if (sc.nf_i != SIZE_MAX)
    return folio_error_set(err, FOLIO_ENOTFINITE, "linkage: dist[%zu][%zu] is not finite",
                           sc.nf_i + 1, sc.nf_j + 1);
  if (sc.rng_i != SIZE_MAX)
    return folio_error_set(err, FOLIO_EINVAL, "linkage: dist[%zu][%zu] = %g is negative",
                           sc.rng_i + 1, sc.rng_j + 1, dist[sc.rng_i + sc.rng_j * ld_dist]);
  if (sc.sym_i != SIZE_MAX) {
    size_t bi = sc.sym_i, bj = sc.sym_j;
    return folio_error_set(err, FOLIO_ENOTSYM,
                           "linkage: dist is not symmetric (dist[%zu][%zu] = %.17g, dist[%zu][%zu] = %.17g)",
                           bi + 1, bj + 1, dist[bi + bj * ld_dist], bj + 1, bi + 1,
                           dist[bj + bi * ld_dist]);
  }
  if (n == 1) {
    folio_error_clear(err);
    return FOLIO_OK;
  }
  size_t need = folio_linkage_work_size(n);
  if (need == 0) return folio_error_set(err, FOLIO_EDIM, "linkage: workspace size overflows");
  void *owned;
  work = folio_i_workspace(work, need, &owned);
  if (!work) return folio_error_set(err, FOLIO_ENOMEM, "linkage: cannot allocate %zu bytes", need);
  folio_i_arena a = {folio_i_align64(work), 0, 0};
  double *d = folio_i_take(&a, n * n, sizeof(double));
  link_work w;
  link_layout(&a, n, &w);
  if (method == FOLIO_LINKAGE_SINGLE && sc.exact) {
    /* Prim only reads, and an exactly symmetric input is its own upper triangle. */
    prim(n, dist, ld_dist, &w);
    sort_label(n, &w, Z);
  } else {
    /* The strict upper triangle is the truth (squareform), mirrored. */
    for (size_t j = 0; j < n; j++) {
      memcpy(d + j * n, dist + j * ld_dist, j * sizeof(double));
      d[j + j * n] = 0.0;
    }
    folio_i_mirror_upper(d, n, n);
    linkage_core(n, d, method, &w, Z);
  }
  free(owned);
  folio_error_clear(err);
  return FOLIO_OK;
}

#define MARK ((size_t)1 << (sizeof(size_t) * 8 - 1))

folio_status folio_leaf_order(size_t n_assets, const double *Z, size_t *order, folio_error *err) {
  const size_t n = n_assets;
  if (n == 0) return folio_error_set(err, FOLIO_EEMPTY, "leaf_order: no items");
  if (n > FOLIO_MAX_DIM) return folio_error_set(err, FOLIO_EDIM, "leaf_order: too many items");
  if (!order || (n > 1 && !Z))
    return folio_error_set(err, FOLIO_EINVAL, "leaf_order: %s is NULL", order ? "Z" : "order");
  /* Children must be integers below the row's own id: the walk then ends. */
  for (size_t k = 0; k + 1 < n; k++)
    for (int c = 0; c < 2; c++) {
      double v = Z[4 * k + c];
      if (!(v >= 0.0 && v < (double)(n + k)) || v != floor(v))
        return folio_error_set(err, FOLIO_EINVAL,
                               "leaf_order: Z row %zu: child id %g is not an id below %zu", k, v,
                               n + k);
    }
  /* Output grows from the front, the stack from the back: every stacked node
   * still owes at least one leaf, so out + stacked <= n unless Z repeats a node. */
  size_t out = 0, top = n; /* stack occupies order[top..n) */
  order[--top] = 2 * n - 2;
  while (top < n) {
    size_t node = order[top++];
    if (node < n) {
      if (out >= top) goto invalid;
      order[out++] = node;
      continue;
    }
    const double *row = Z + 4 * (node - n);
    if (top < out + 2) goto invalid;
    order[--top] = (size_t)row[1];
    order[--top] = (size_t)row[0];
  }
  if (out != n) goto invalid;
  /* A permutation? (marks in the high bit, then cleared) */
  for (size_t i = 0; i < n; i++) {
    size_t v = order[i] & ~MARK;
    if (order[v] & MARK) {
      for (size_t k = 0; k < n; k++) order[k] &= ~MARK;
      goto invalid;
    }
    order[v] |= MARK;
  }
  for (size_t i = 0; i < n; i++) order[i] &= ~MARK;
  folio_error_clear(err);
  return FOLIO_OK;
invalid:
  return folio_error_set(err, FOLIO_EINVAL,
                         "leaf_order: Z is not a valid linkage (a cluster is used twice)");
}

/* ---- HRP ----------------------------------------------------------------------------- */

/* v' C v over positions [s, s + len) of the leaf-ordered covariance cp (ld n),
 * v the inverse-variance weights (iv: 1 / variance by position; vt: scratch). */
static double cluster_var(const double *cp, size_t n, const double *iv, double *vt, size_t s,
                          size_t len) {
  double total = 0.0;
  for (size_t k = s; k < s + len; k++) total += iv[k];
  for (size_t k = s; k < s + len; k++) vt[k] = iv[k] / total;
  double var = 0.0;
  for (size_t j = s; j < s + len; j++) {
    const double *col = cp + j * n;
    double acc = 0.0;
    for (size_t i = s; i < s + len; i++) acc += col[i] * vt[i];
    var += vt[j] * acc;
  }
  return var;
}

static folio_status check_bounds(size_t n, const double *wmin, const double *wmax,
                                 const char *const *symbols, folio_error *err) {
  char b[64];
  double smin = 0.0, smax = 0.0;
  for (size_t i = 0; i < n; i++) {
    double lo = wmin ? wmin[i] : 0.0, hi = wmax ? wmax[i] : 1.0;
    const char *s = folio_i_symbol(symbols, i, b, sizeof b);
    if (!isfinite(lo) || !isfinite(hi))
      return folio_error_set(err, FOLIO_ENOTFINITE, "hrp: bound of %s is not finite", s);
    if (lo < 0.0)
      return folio_error_set(err, FOLIO_EINVAL, "hrp: min weight of %s is %g (must be >= 0)", s,
                             lo);
    if (hi < lo)
      return folio_error_set(err, FOLIO_EINVAL, "hrp: min weight of %s (%g) exceeds its max (%g)",
                             s, lo, hi);
    smin += lo;
    smax += hi;
  }
  if (smin > 1.0 + SYM_TOL)
    return folio_error_set(err, FOLIO_EINVAL,
                           "hrp: min weights sum to %.17g > 1 (infeasible bounds)", smin);
  if (smax < 1.0 - SYM_TOL)
    return folio_error_set(err, FOLIO_EINVAL,
                           "hrp: max weights sum to %.17g < 1 (infeasible bounds)", smax);
  return FOLIO_OK;
}

/* Sums of the bounds over positions [s, s + len) of the leaf order. */
static void bound_sums(const size_t *order, const double *wmin, const double *wmax, size_t s,
                       size_t len, double *lo, double *hi) {
  double a = 0.0, b = 0.0;
  for (size_t k = s; k < s + len; k++) {
    a += wmin ? wmin[order[k]] : 0.0;
    b += wmax ? wmax[order[k]] : 1.0;
  }
  *lo = a;
  *hi = b;
}

folio_status folio_hrp(size_t n_assets, const double *cov, size_t ld_cov, const double *corr,
                       size_t ld_corr, const char *const *symbols, folio_linkage_method method,
                       const double *wmin, const double *wmax, double *weights, size_t *order,
                       double *Z, void *work, folio_error *err) {
  const size_t n = n_assets;
  char b1[64], b2[64];
  folio_status st = check_size("hrp", n, err);
  if (st < 0) return st;
  if (!cov || !corr || !weights)
    return folio_error_set(err, FOLIO_EINVAL, "hrp: %s is NULL",
                           !cov ? "cov" : !corr ? "corr" : "weights");
  if (ld_cov < n || ld_corr < n)
    return folio_error_set(err, FOLIO_EINVAL, "hrp: leading dimension %zu < %zu assets",
                           ld_cov < n ? ld_cov : ld_corr, n);
  if ((unsigned)method > FOLIO_LINKAGE_WARD)
    return folio_error_set(err, FOLIO_EINVAL,
                           "hrp: unknown linkage method %d (single, complete, average or ward)",
                           (int)method);
  for (size_t i = 0; i < n; i++) {
    double v = cov[i + i * ld_cov], k = corr[i + i * ld_corr];
    if (!isfinite(v) || !isfinite(k))
      return folio_error_set(err, FOLIO_ENOTFINITE, "hrp: %s entry (%s, %s) is not finite",
                             isfinite(v) ? "corr" : "cov", folio_i_symbol(symbols, i, b1, sizeof b1),
                             folio_i_symbol(symbols, i, b2, sizeof b2));
    if (!(v > 0.0))
      return folio_error_set(err, FOLIO_EDEGENERATE, "hrp: variance of %s is %g (must be > 0)",
                             folio_i_symbol(symbols, i, b1, sizeof b1), v);
    if (!folio_i_in_domain(FOLIO_DOMAIN_VARIANCE, v)) /* the symbol formatted only for the message */
      return folio_check_number(FOLIO_DOMAIN_VARIANCE, v, "hrp", "cov variance",
                                folio_i_symbol(symbols, i, b1, sizeof b1), err);
    if (!(fabs(k - 1.0) <= SYM_TOL))
      return folio_error_set(err, FOLIO_EINVAL, "hrp: corr diagonal of %s is %.17g (must be 1)",
                             folio_i_symbol(symbols, i, b1, sizeof b1), k);
  }
  mat_scan sv = scan_matrix(n, cov, ld_cov, SCAN_COV), sk = scan_matrix(n, corr, ld_corr, SCAN_CORR);
  const char *what = sv.nf_i != SIZE_MAX ? "cov" : "corr";
  const mat_scan *bad = sv.nf_i != SIZE_MAX ? &sv : &sk;
  if (bad->nf_i != SIZE_MAX)
    return folio_error_set(err, FOLIO_ENOTFINITE, "hrp: %s entry (%s, %s) is not finite", what,
                           folio_i_symbol(symbols, bad->nf_i, b1, sizeof b1),
                           folio_i_symbol(symbols, bad->nf_j, b2, sizeof b2));
  what = sv.sym_i != SIZE_MAX ? "cov" : "corr";
  bad = sv.sym_i != SIZE_MAX ? &sv : &sk;
  if (bad->sym_i != SIZE_MAX)
    return folio_error_set(err, FOLIO_ENOTSYM, "hrp: %s is not symmetric (symbols %s and %s)", what,
                           folio_i_symbol(symbols, bad->sym_i, b1, sizeof b1),
                           folio_i_symbol(symbols, bad->sym_j, b2, sizeof b2));
  if (sk.rng_i != SIZE_MAX)
    return folio_error_set(err, FOLIO_EINVAL,
                           "hrp: corr of %s and %s is %.17g (|corr| must be <= 1)",
                           folio_i_symbol(symbols, sk.rng_i, b1, sizeof b1),
                           folio_i_symbol(symbols, sk.rng_j, b2, sizeof b2),
                           corr[sk.rng_i + sk.rng_j * ld_corr]);
  st = check_bounds(n, wmin, wmax, symbols, err);
  if (st < 0) return st;
  if (n == 1) {
    weights[0] = 1.0;
    if (order) order[0] = 0;
    folio_error_clear(err);
    return FOLIO_OK;
  }

  size_t need = folio_hrp_work_size(n);
  if (need == 0) return folio_error_set(err, FOLIO_EDIM, "hrp: workspace size overflows");
  void *owned;
  work = folio_i_workspace(work, need, &owned);
  if (!work) return folio_error_set(err, FOLIO_ENOMEM, "hrp: cannot allocate %zu bytes", need);
  folio_i_arena a = {folio_i_align64(work), 0, 0};
  hrp_work w;
  hrp_layout(&a, n, &w);

  /* 1. Distances from the upper triangle of corr (PyPortfolioOpt's expression). */
  double *d = w.dist;
  /* An exactly symmetric corr is its own upper triangle: one contiguous pass. */
  for (size_t j = 0; j < n; j++) {
    const double *cj = corr + j * ld_corr;
    double *dj = d + j * n;
    size_t iend = sk.exact ? n : j;
    for (size_t i = 0; i < iend; i++) {
      double v = (1.0 - cj[i]) / 2.0;
      v = v < 0.0 ? 0.0 : v > 1.0 ? 1.0 : v;
      dj[i] = sqrt(v);
    }
    dj[j] = 0.0;
  }
  if (!sk.exact) folio_i_mirror_upper(d, n, n);

  /* 2. Tree and leaf order. */
  linkage_core(n, d, method, &w.lw, w.z);
  st = folio_leaf_order(n, w.z, w.order, err);
  if (st < 0) goto done; /* cannot happen: the core's Z is valid */

  /* 3. The covariance in leaf order, into the distance buffer. */
  const size_t *ord = w.order;
  for (size_t j = 0; j < n; j++) {
    const double *src = cov + ord[j] * ld_cov;
    double *dst = d + j * n;
    for (size_t i = 0; i < n; i++) dst[i] = src[ord[i]];
  }
  double *iv = w.lw.dmin; /* 1 / variance by position */
  for (size_t k = 0; k < n; k++) {
    iv[k] = 1.0 / d[k + k * n];
    w.wpos[k] = 1.0;
  }

  /* 4. Bisection, level by level: a FIFO of (start, length) ranges. */
  size_t *q = w.queue, head = 0, tail = 0;
  q[2 * tail] = 0;
  q[2 * tail + 1] = n;
  tail++;
  while (head < tail) {
    size_t s = q[2 * head], len = q[2 * head + 1];
    head++;
    if (len < 2) continue;
    size_t h = len / 2;
    double va = cluster_var(d, n, iv, w.v, s, h), vb = cluster_var(d, n, iv, w.v, s + h, len - h);
    if (!(va > 0.0) || !(vb > 0.0) || !isfinite(va + vb)) {
      st = folio_error_set(err, FOLIO_ENOTPD,
                           "hrp: cluster variance %g is not positive (cluster starting at %s; is "
                           "cov positive semi-definite?)",
                           va > 0.0 ? vb : va,
                           folio_i_symbol(symbols, ord[va > 0.0 ? s + h : s], b1, sizeof b1));
      goto done;
    }
    double alpha = 1.0 - va / (va + vb);
    double parent_w = w.wpos[s];
    if ((wmin || wmax) && parent_w > 0.0) {
      double min_a, max_a, min_b, max_b;
      bound_sums(ord, wmin, wmax, s, h, &min_a, &max_a);
      bound_sums(ord, wmin, wmax, s + h, len - h, &min_b, &max_b);
      double lo = min_a > parent_w - max_b ? min_a : parent_w - max_b;
      double hi = max_a < parent_w - min_b ? max_a : parent_w - min_b;
      /* Move alpha only when a bound binds: otherwise the result is bit-identical. */
      if (alpha < lo / parent_w) alpha = lo / parent_w;
      if (alpha > hi / parent_w) alpha = hi / parent_w;
    }
    for (size_t k = s; k < s + h; k++) w.wpos[k] *= alpha;
    for (size_t k = s + h; k < s + len; k++) w.wpos[k] *= 1.0 - alpha;
    q[2 * tail] = s;
    q[2 * tail + 1] = h;
    tail++;
    q[2 * tail] = s + h;
    q[2 * tail + 1] = len - h;
    tail++;
  }
  for (size_t k = 0; k < n; k++) /* the final check, before anything is written */
    if (!isfinite(w.wpos[k])) {
      st = folio_error_set(err, FOLIO_ENOTFINITE,
                           "hrp: weight of %s is not finite (the inputs overflow the computation)",
                           folio_i_symbol(symbols, ord[k], b1, sizeof b1));
      goto done;
    }
  for (size_t k = 0; k < n; k++) weights[ord[k]] = w.wpos[k];
  if (order) memcpy(order, ord, n * sizeof *order);
  if (Z) memcpy(Z, w.z, 4 * (n - 1) * sizeof *Z);
  folio_error_clear(err);
  st = FOLIO_OK;
done:
  free(owned);
  return st;
}
