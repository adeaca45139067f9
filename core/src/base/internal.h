/*
 * internal.h — helpers shared by the core's sources; not installed, not API.
 * Names carry the prefix folio_i_ so they never collide with public ones.
 */
#ifndef FOLIO_INTERNAL_H
#define FOLIO_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "folio/cancel.h"
#include "folio/numbers.h"
#include "folio/panel.h"
#include "folio/status.h"

/* Names element i of `symbols` for a message: the symbol, or "#<i+1>" when
 * symbols is NULL. Writes into buf and returns it. */
const char *folio_i_symbol(const char *const *symbols, size_t i, char *buf, size_t size);
/* x lies in domain d (numbers.h): the test of folio_check_number without
 * its message, for loops that would otherwise format a symbol per element
 * (numbers.c). */
int folio_i_in_domain(folio_domain d, double x);

/* a * b without overflow: returns 0 and sets *out, or returns -1 on overflow. */
int folio_i_mul(size_t a, size_t b, size_t *out);

/* Carves aligned sub-buffers out of one workspace. `need` accumulates sizes
 * (call with base == NULL to size the workspace first). */
typedef struct folio_i_arena {
  unsigned char *base;
  size_t used;
  int overflow;
} folio_i_arena;

/* Reserves n * elem bytes aligned to 64; returns NULL when sizing or on overflow. */
void *folio_i_take(folio_i_arena *a, size_t n, size_t elem);

/* folio_i_take of a rows x cols block: an overflowing product flags the
 * arena (and returns NULL) like an overflowing size does. */
void *folio_i_take_mat(folio_i_arena *a, size_t rows, size_t cols, size_t elem);

/* The caller's workspace work when given (*owned = NULL); otherwise a fresh
 * block of need bytes, also left in *owned for the caller to free. NULL when
 * that malloc fails (the caller names the failure in its own words). */
void *folio_i_workspace(void *work, size_t need, void **owned);

/* p rounded up to the next multiple of 64: workspace sizes carry 64 spare
 * bytes so carving can start cache-line aligned in a buffer of any alignment. */
unsigned char *folio_i_align64(void *p);

/* Turns a sized arena (base NULL, used = the bytes) into one heap block for
 * the carving pass: FOLIO_EDIM "<who>: workspace size overflows" when the
 * sizing overflowed, FOLIO_ENOMEM "<who>: out of memory" (with " (N bytes)"
 * when say_bytes) when malloc fails. On FOLIO_OK a->base is the block (the
 * caller frees it) and a->used is 0. */
folio_status folio_i_arena_alloc(folio_i_arena *a, const char *who, int say_bytes,
                                 folio_error *err);

/* A symbol and its input position, for sorting assets into symbol order
 * (one definition for every sizer and allocator). */
typedef struct folio_i_sym {
  const char *s;
  size_t i;
} folio_i_sym;

/* qsort comparator: by symbol (strcmp), then by position (a total order, so
 * duplicates sort deterministically). */
int folio_i_cmp_sym(const void *a, const void *b);

/* Checks that each of the n symbols is non-NULL and non-empty (FOLIO_EINVAL,
 * "<who>: <what> #k is NULL|empty"); *ascending = they are strictly
 * ascending (then also distinct). symbols itself must not be NULL. */
folio_status folio_i_symbols_scan(size_t n, const char *const *symbols, const char *who,
                                  const char *what, int *ascending, folio_error *err);

/* Sorts the (scanned) symbols into scratch (n entries) and rejects
 * duplicates (FOLIO_EDUP, "<who>: duplicate <what> X" naming the smallest);
 * order (may be NULL) then receives the input index of each in symbol order. */
folio_status folio_i_symbols_rank(size_t n, const char *const *symbols, const char *who,
                                  const char *what, folio_i_sym *scratch, size_t *order,
                                  folio_error *err);

/* order[p] = input index of the p-th asset in symbol order. symbols NULL:
 * the identity. Otherwise every symbol must be non-NULL, non-empty and
 * distinct (FOLIO_EINVAL / FOLIO_EDUP, the message "<who>: <what> #k is
 * NULL|empty" or "<who>: duplicate <what> X"). Symbols already strictly
 * ascending cost O(n) and leave scratch unused; scratch holds n entries. */
folio_status folio_i_symbol_order(size_t n, const char *const *symbols, const char *who,
                                  const char *what, folio_i_sym *scratch, size_t *order,
                                  folio_error *err);

/* Largest |x - mean| the estimators accept: with at most FOLIO_MAX_DIM rows,
 * sums of squares (< 2^24 * 1e290) and products of pairwise sums stay
 * finite, so a covariance is never Inf/NaN because of overflow inside BLAS. */
#define FOLIO_I_MAX_DEVIATION 1e145

/* The shape checks of an n x n covariance with leading dimension ld that a
 * sizer reads: FOLIO_EEMPTY "<who>: no assets", FOLIO_EDIM "<who>: N assets
 * (too many for a M-entry cov)", FOLIO_EINVAL "<who>: ld_cov L < n_assets N",
 * FOLIO_EDIM "<who>: ld_cov L is too large". */
folio_status folio_i_check_cov_shape(const char *who, size_t n, size_t ld, folio_error *err);

/* Copies the upper triangle of c (n x n, leading dimension ld) to the lower,
 * in cache-friendly tiles. */
void folio_i_mirror_upper(double *c, size_t ld, size_t n);

/* For the pairwise estimators: column j of r over the n selected rows
 * (rows[k]) shifted by its mean over its present values, zero where missing,
 * into x (n x n_cols, ld n), and its presence mask (1/0) into mask. shifts
 * (may be NULL) receives the means. Returns the first column whose deviations
 * exceed FOLIO_I_MAX_DEVIATION (or hold an Inf), or r->n_cols. */
size_t folio_i_fill_pairwise(const folio_panel *r, const size_t *rows, size_t n, double *x,
                             double *mask, double *shifts);

/* ---- cancellation (folio/cancel.h) ------------------------------------------ */

/* The cancellation state of one call: the caller's folio_cancel (NULL =
 * never cancelled), the work done since the last poll, and whether a poll
 * said stop (then poll is never called again). */
typedef struct folio_i_meter {
  const folio_cancel *cancel;
  double work;
  int stopped;
} folio_i_meter;

static inline folio_i_meter folio_i_meter_of(const folio_cancel *cancel) {
  folio_i_meter m = {cancel, 0.0, 0};
  return m;
}

/* Adds `flops` of work done; polls once FOLIO_CANCEL_WORK has accumulated.
 * 1 when the caller asked to stop (now or at an earlier poll). A counter and
 * a branch: call it from inner loops with the work of one iteration. */
static inline int folio_i_cancelled(folio_i_meter *m, double flops) {
  if (!m->cancel) return 0;
  if (m->stopped) return 1;
  m->work += flops;
  if (m->work < FOLIO_CANCEL_WORK) return 0;
  m->work = 0.0;
  m->stopped = m->cancel->poll(m->cancel->ud) != 0;
  return m->stopped;
}

/* folio_cov_repair (repair.h, estimates/repair.c) polling cancel (may be
 * NULL) after every Higham iteration: FOLIO_ECANCELED "cov_repair: cancelled
 * at Higham iteration k", cov untouched. method is a folio_repair and info a
 * folio_repair_info *: repair.h belongs to a later stage than this header. */
struct folio_repair_info;
folio_status folio_i_cov_repair(size_t n, double *cov, size_t ld, int method,
                                const char *const *symbols, void *work, const folio_cancel *cancel,
                                struct folio_repair_info *info, folio_error *err);

/* Polls now (after a factorisation or another long uninterruptible step). */
static inline int folio_i_cancel_now(folio_i_meter *m) {
  return folio_i_cancelled(m, FOLIO_CANCEL_WORK);
}

#endif
