/*
 * repair.h — what to do with a covariance matrix that is not positive
 * definite (the first numerical failure users of every peer library hit:
 * pairwise estimates, fewer rows than assets, perfectly correlated pairs).
 *
 * Every sizer that factorises a covariance takes a folio_repair and reports
 * a folio_repair_info: which repair was applied and how far it moved the
 * matrix (Frobenius norm of the change).
 */
#ifndef FOLIO_REPAIR_H
#define FOLIO_REPAIR_H

#include <stddef.h>

#include "folio/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum folio_repair {
  FOLIO_REPAIR_ERROR = 0,  /* report FOLIO_ENOTPD naming the first failing symbol (default) */
  FOLIO_REPAIR_RIDGE = 1,  /* add the smallest ridge r*I (r = 1e-10 * mean variance, then x10
                              per try, at most 12 tries) that makes it factorise; report r */
  FOLIO_REPAIR_CLIP = 2,   /* eigenvalue clipping: V max(L, floor) V', floor = 1e-10 * largest
                              eigenvalue (symmetric eigensolver, LAPACKE dsyevr) */
  FOLIO_REPAIR_HIGHAM = 3  /* nearest correlation matrix (Higham 2002, alternating projections
                              with Dykstra's correction) of the implied correlation, rescaled by
                              the original standard deviations, then floored as CLIP */
} folio_repair;

/* "error", "ridge", "clip", "higham". Unknown names: FOLIO_EINVAL listing them. */
FOLIO_API folio_status folio_repair_parse(const char *name, folio_repair *out, folio_error *err);
/* The name folio_repair_parse reads ("error", ...); "unknown" for any other value. */
FOLIO_API const char *folio_repair_name(folio_repair r);

typedef struct folio_repair_info {
  folio_repair method;    /* the method asked for */
  int applied;            /* 1 if the matrix was changed (it was not positive definite) */
  double ridge;           /* RIDGE: the ridge added (0 if none was needed) */
  double min_eigenvalue;  /* smallest eigenvalue before the repair (CLIP/HIGHAM; NaN otherwise) */
  double frobenius_change;/* ||repaired - original||_F */
  size_t n_clipped;       /* CLIP/HIGHAM: eigenvalues raised to the floor */
  int iterations;         /* HIGHAM: alternating-projection iterations */
} folio_repair_info;

/* Bytes of workspace folio_cov_repair needs for an n x n matrix (0 on overflow). */
FOLIO_API size_t folio_cov_repair_work_size(size_t n);

/*
 * Makes the symmetric n x n matrix `cov` (column-major, leading dimension
 * ld, both triangles) positive definite by `method`, in place. A matrix that
 * is already positive definite (Cholesky succeeds) is left bit-for-bit
 * unchanged with info->applied = 0, whatever the method.
 * symbols (may be NULL) name assets in messages. work: work_size bytes or NULL.
 * Errors: FOLIO_ENOTPD (method ERROR, or no repair succeeded; names the
 * symbol), FOLIO_EINVAL, FOLIO_ENOTFINITE, FOLIO_ENOTSYM, FOLIO_ENOMEM.
 */
FOLIO_API folio_status folio_cov_repair(size_t n, double *cov, size_t ld, folio_repair method,
                                        const char *const *symbols, void *work,
                                        folio_repair_info *info, folio_error *err);

#ifdef __cplusplus
}
#endif
#endif
