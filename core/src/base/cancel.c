/*
 * cancel.c — folio_cancel (cancel.h): asking a caller's poll whether to stop.
 *
 * The core's loops poll through the inline meter of internal.h (a counter
 * and a branch per iteration); this is the same question asked once, for
 * an embedder's own loops around folio calls.
 */
#include "folio/cancel.h"

int folio_cancel_requested(const folio_cancel *cancel) {
  return cancel && cancel->poll && cancel->poll(cancel->ud) != 0;
}
