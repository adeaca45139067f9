/*
 * cancel.h — stopping a long core computation from outside: one callback,
 * polled by every core loop whose running time is not bounded by the size
 * of its inputs alone.
 *
 * Iterative solvers run until a tolerance holds or an iteration cap is
 * reached, and a caller may set both (tol = 1e-300, max_iter = 1e6), so
 * their running time is whatever the caller asks for. Each such function
 * takes a `const folio_cancel *cancel` in its options struct (NULL in every
 * `*_defaults()`: never cancelled, the behaviour of earlier versions) and
 * calls cancel->poll(cancel->ud) from its loops:
 *
 *   - after about FOLIO_CANCEL_WORK floating-point operations of work (a
 *     counter and a branch in the loop; the call itself comes every few
 *     thousand inner iterations, i.e. about every millisecond at 1 Gflop/s);
 *   - and after every dense factorisation of the iteration (a single LAPACK
 *     call is never interrupted: it is the longest stretch between two polls,
 *     about 0.2 s for a Cholesky of 3,000 x 3,000 on one core).
 *
 * When poll returns non-zero the function stops at once: it frees what it
 * allocated, leaves every output untouched (weights, info, caller buffers)
 * and returns FOLIO_ECANCELED with a message naming the function and where
 * it stopped, e.g. "risk_parity: cancelled at coordinate-descent sweep 48213".
 * Once poll has returned non-zero it is not called again by that call.
 *
 * poll runs on the calling thread, possibly inside third-party frames (BLAS,
 * LAPACK, GLPK's branch-and-bound callback), so it must be cheap, must not
 * call back into folio, must not longjmp and must not throw: it only answers
 * "stop?" (read a clock, a flag, a memory counter). The host (folio/host.h)
 * wires it to a run's deadline and memory budget and turns FOLIO_ECANCELED
 * into FOLIO_ETIMEOUT or FOLIO_EMEMORY (docs/sandbox.md, "Deadlines inside C").
 *
 * Which functions poll, per function, is in docs/c-api.md ("Cancellation").
 */
#ifndef FOLIO_CANCEL_H
#define FOLIO_CANCEL_H

#include "folio/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Roughly how many floating-point operations a core loop does between two
 * polls (a factorisation always ends with one). */
#define FOLIO_CANCEL_WORK 1000000.0

typedef struct folio_cancel {
  int (*poll)(void *ud); /* non-zero: stop now. Borrowed; must not be NULL */
  void *ud;              /* passed to poll unchanged; borrowed */
} folio_cancel;

/* Asks cancel once: 1 when its poll says stop, 0 otherwise and for NULL (or
 * a NULL poll). For an embedder's own loops around folio calls. */
FOLIO_API int folio_cancel_requested(const folio_cancel *cancel);

#ifdef __cplusplus
}
#endif
#endif
