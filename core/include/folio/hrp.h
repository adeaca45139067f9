/*
 * hrp.h — Hierarchical Risk Parity (López de Prado 2016, as PyPortfolioOpt's
 * HRPOpt computes it) and the agglomerative clustering it is built on, with
 * scipy.cluster.hierarchy.linkage's exact semantics.
 *
 * Conventions shared by every function here:
 *  - matrices are column-major with an explicit leading dimension;
 *  - a linkage matrix Z is (n - 1) x 4, ROW-major like scipy's: row k is
 *    Z[4k + 0..3] = {left_id, right_id, distance, size}. Ids 0..n-1 are the
 *    assets, id n + k is the cluster made by row k; left_id < right_id; rows
 *    are sorted by distance (stable: equal distances keep the order in which
 *    the algorithm found them);
 *  - all outputs are caller-owned buffers; nothing is allocated unless a
 *    NULL workspace asks for it; same inputs give bit-identical outputs.
 */
#ifndef FOLIO_HRP_H
#define FOLIO_HRP_H

#include <stddef.h>

#include "folio/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* How the distance between two clusters follows from their members'
 * (Lance-Williams updates when clusters x and y merge, seen from cluster i). */
typedef enum folio_linkage_method {
  FOLIO_LINKAGE_SINGLE = 0,   /* min(d_xi, d_yi); Prim's MST from asset 0, as scipy */
  FOLIO_LINKAGE_COMPLETE = 1, /* max(d_xi, d_yi); nearest-neighbour chain */
  FOLIO_LINKAGE_AVERAGE = 2,  /* (n_x d_xi + n_y d_yi) / (n_x + n_y); nn-chain */
  FOLIO_LINKAGE_WARD = 3      /* sqrt(((n_i+n_x) d_xi^2 + (n_i+n_y) d_yi^2 - n_i d_xy^2) / (n_i+n_x+n_y)) */
} folio_linkage_method;

/* Parses "single", "complete", "average", "ward"; FOLIO_EINVAL (listing them) otherwise. */
FOLIO_API folio_status folio_linkage_parse(const char *name, folio_linkage_method *out,
                                           folio_error *err);
/* "single", "complete", "average", "ward", or "unknown". Static storage. */
FOLIO_API const char *folio_linkage_name(folio_linkage_method method);

/* Bytes of workspace folio_linkage needs (0 on overflow): an n x n copy of
 * the distances plus O(n). Any alignment. */
FOLIO_API size_t folio_linkage_work_size(size_t n_assets);

/*
 * Agglomerative clustering of n_assets items from their distance matrix, as
 * scipy.cluster.hierarchy.linkage(squareform(dist, checks=False), method):
 * single linkage by Prim's minimum spanning tree started at item 0 (each
 * step records the pair (last item added, item added) — scipy's
 * mst_single_linkage), the other methods by the nearest-neighbour chain
 * (scipy's nn_chain, ties to the previous chain element, then the lowest
 * index); then the rows are stably sorted by distance and relabelled with a
 * union-find so that merge k creates id n + k and left_id < right_id.
 * O(n^2) time for every method.
 *
 * dist: n x n column-major, leading dimension ld_dist; only the strict upper
 * triangle (i < j, dist[i + j * ld_dist]) is used, as squareform does; the
 * lower triangle must agree with it to 1e-12 * max(1, |d|) and the diagonal
 * must be 0 (to 1e-12). Z: (n - 1) x 4 row-major output (nothing written
 * for n = 1). work: folio_linkage_work_size(n) bytes or NULL (allocated).
 *
 * Errors: FOLIO_EINVAL (NULL pointers, ld_dist < n, unknown method),
 * FOLIO_EEMPTY (n = 0), FOLIO_EDIM (n^2 > FOLIO_MAX_ELEMS), FOLIO_ENOTFINITE
 * (NaN/Inf entry, position named), FOLIO_EINVAL (negative distance, non-zero
 * diagonal), FOLIO_ENOTSYM (the pair named), FOLIO_ENOMEM.
 */
FOLIO_API folio_status folio_linkage(size_t n_assets, const double *dist, size_t ld_dist,
                                     folio_linkage_method method, double *Z, void *work,
                                     folio_error *err);

/*
 * Leaf order of a linkage matrix: pre-order (depth first, left child first)
 * traversal from the root id 2n - 2, i.e. scipy's to_tree(Z).pre_order() and
 * leaves_list(Z). Iterative; uses `order` itself as the stack, no workspace.
 * order: n entries (item indices 0..n-1).
 * Errors: FOLIO_EINVAL (NULL, or a Z that is not a valid tree: ids out of
 * range or not integers, a cluster used twice or referring to a later one),
 * FOLIO_EEMPTY (n = 0).
 */
FOLIO_API folio_status folio_leaf_order(size_t n_assets, const double *Z, size_t *order,
                                        folio_error *err);

/* Bytes of workspace folio_hrp needs (0 on overflow): n x n doubles + O(n). */
FOLIO_API size_t folio_hrp_work_size(size_t n_assets);

/*
 * Hierarchical Risk Parity weights, PyPortfolioOpt HRPOpt's recipe:
 *  1. D_ij = sqrt(clip((1 - corr_ij) / 2, 0, 1)) from the upper triangle of corr;
 *  2. Z = folio_linkage(D, method); order = folio_leaf_order(Z);
 *  3. recursive bisection of the ORDERED LIST (not of the tree): every list of
 *     length L > 1 splits into its first floor(L/2) items (A) and the rest
 *     (B), level by level; V(X) = v' cov[X,X] v with v_i = (1/cov_ii) /
 *     sum_{k in X} 1/cov_kk; alpha = 1 - V(A) / (V(A) + V(B)); the weights of
 *     A are multiplied by alpha, those of B by 1 - alpha.
 * The result depends on the order of the assets when merge distances tie
 * (and through the list split), so it is not permutation invariant.
 *
 * Bounds (wmin, wmax: n entries each, NULL = 0 and 1): at every split, with W
 * the weight of the list being split (shared by its members), alpha is moved
 * — only when it lies outside — into [max(minA, W - maxB), min(maxA, W - minB)] / W,
 * where minA = sum of wmin over A etc. (skfolio's / Riskfolio-Lib's
 * constrained HRP). Feasible bounds (0 <= wmin <= wmax, sum wmin <= 1 <= sum
 * wmax) are then met by every weight up to rounding (1e-15); bounds that do
 * not bind leave the result bit-identical to the unbounded one.
 *
 * cov, corr: n x n column-major (ld_cov, ld_corr >= n), symmetric (to 1e-12
 * relative / absolute), cov with a positive diagonal, corr with a unit
 * diagonal and |corr_ij| <= 1 + 1e-12. symbols (NULL allowed) name assets in
 * messages. Outputs: weights (n, sum 1 to rounding, > 0 without bounds),
 * order (n, may be NULL), Z ((n - 1) x 4, may be NULL). work:
 * folio_hrp_work_size(n) bytes or NULL. n = 1 gives weight 1.
 *
 * Errors: FOLIO_EINVAL (NULL pointers, ld < n, unknown method, bounds that
 * are negative / min > max / infeasible in sum, symbol named),
 * FOLIO_EEMPTY (n = 0), FOLIO_EDIM, FOLIO_ENOTFINITE (NaN/Inf, position
 * named), FOLIO_ENOTSYM, FOLIO_EDEGENERATE (cov_ii <= 0, symbol named),
 * FOLIO_ENOTPD (a cluster variance that is not > 0: cov not PSD), FOLIO_ENOMEM.
 * On error the outputs are not meaningful.
 */
FOLIO_API folio_status folio_hrp(size_t n_assets, const double *cov, size_t ld_cov,
                                 const double *corr, size_t ld_corr, const char *const *symbols,
                                 folio_linkage_method method, const double *wmin,
                                 const double *wmax, double *weights, size_t *order, double *Z,
                                 void *work, folio_error *err);

#ifdef __cplusplus
}
#endif
#endif
