/*
 * internal.h — helpers shared by the core's sources; not installed, not API.
 * Names carry the prefix folio_i_ so they never collide with public ones.
 */
#ifndef FOLIO_INTERNAL_H
#define FOLIO_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "folio/status.h"

/* Names element i of `symbols` for a message: the symbol, or "#<i+1>" when
 * symbols is NULL. Writes into buf and returns it. */
const char *folio_i_symbol(const char *const *symbols, size_t i, char *buf, size_t size);

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

#endif
