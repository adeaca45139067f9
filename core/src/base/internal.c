/*
 * internal.c — the small internal helpers every core file shares
 * (internal.h): symbol names for messages, overflow-checked sizes, the
 * workspace arena, symbol order. Not API; names carry the prefix folio_i_.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

const char *folio_i_symbol(const char *const *symbols, size_t i, char *buf, size_t size) {
  if (symbols && symbols[i])
    snprintf(buf, size, "%s", symbols[i]);
  else
    snprintf(buf, size, "#%zu", i + 1);
  return buf;
}

int folio_i_mul(size_t a, size_t b, size_t *out) {
  if (a && b > SIZE_MAX / a) return -1;
  *out = a * b;
  return 0;
}

void *folio_i_take(folio_i_arena *a, size_t n, size_t elem) {
  size_t bytes;
  if (folio_i_mul(n, elem, &bytes) || bytes > SIZE_MAX - 64 || a->used > SIZE_MAX - 64 - bytes) {
    a->overflow = 1;
    return NULL;
  }
  size_t start = (a->used + 63) & ~(size_t)63;
  a->used = start + bytes;
  return a->base ? a->base + start : NULL;
}

void *folio_i_take_mat(folio_i_arena *a, size_t rows, size_t cols, size_t elem) {
  size_t n = 0;
  if (folio_i_mul(rows, cols, &n)) {
    a->overflow = 1;
    return NULL;
  }
  return folio_i_take(a, n, elem);
}

void *folio_i_workspace(void *work, size_t need, void **owned) {
  *owned = NULL;
  if (work) return work;
  return *owned = malloc(need);
}

unsigned char *folio_i_align64(void *p) {
  return (unsigned char *)p + ((64 - (uintptr_t)p % 64) % 64);
}

folio_status folio_i_arena_alloc(folio_i_arena *a, const char *who, int say_bytes,
                                 folio_error *err) {
  if (a->overflow) return folio_error_set(err, FOLIO_EDIM, "%s: workspace size overflows", who);
  a->base = malloc(a->used);
  if (!a->base) {
    if (say_bytes)
      return folio_error_set(err, FOLIO_ENOMEM, "%s: out of memory (%zu bytes)", who, a->used);
    return folio_error_set(err, FOLIO_ENOMEM, "%s: out of memory", who);
  }
  a->used = 0;
  return FOLIO_OK;
}

int folio_i_cmp_sym(const void *a, const void *b) {
  const folio_i_sym *x = a, *y = b;
  int c = strcmp(x->s, y->s);
  if (c) return c;
  return (x->i > y->i) - (x->i < y->i); /* only duplicates get here; keeps qsort total */
}

folio_status folio_i_symbols_scan(size_t n, const char *const *symbols, const char *who,
                                  const char *what, int *ascending, folio_error *err) {
  int asc = 1;
  for (size_t i = 0; i < n; i++) {
    if (!symbols[i])
      return folio_error_set(err, FOLIO_EINVAL, "%s: %s #%zu is NULL", who, what, i + 1);
    if (!symbols[i][0])
      return folio_error_set(err, FOLIO_EINVAL, "%s: %s #%zu is empty", who, what, i + 1);
    if (asc && i && strcmp(symbols[i - 1], symbols[i]) >= 0) asc = 0;
  }
  *ascending = asc;
  return FOLIO_OK;
}

folio_status folio_i_symbols_rank(size_t n, const char *const *symbols, const char *who,
                                  const char *what, folio_i_sym *scratch, size_t *order,
                                  folio_error *err) {
  for (size_t i = 0; i < n; i++) {
    scratch[i].s = symbols[i];
    scratch[i].i = i;
  }
  qsort(scratch, n, sizeof *scratch, folio_i_cmp_sym);
  for (size_t k = 1; k < n; k++)
    if (strcmp(scratch[k - 1].s, scratch[k].s) == 0)
      return folio_error_set(err, FOLIO_EDUP, "%s: duplicate %s %s", who, what, scratch[k].s);
  if (order)
    for (size_t k = 0; k < n; k++) order[k] = scratch[k].i;
  return FOLIO_OK;
}

folio_status folio_i_symbol_order(size_t n, const char *const *symbols, const char *who,
                                  const char *what, folio_i_sym *scratch, size_t *order,
                                  folio_error *err) {
  for (size_t i = 0; i < n; i++) order[i] = i;
  if (!symbols) return FOLIO_OK;
  int asc;
  folio_status st = folio_i_symbols_scan(n, symbols, who, what, &asc, err);
  if (st < 0 || asc) return st; /* already ascending, hence distinct */
  return folio_i_symbols_rank(n, symbols, who, what, scratch, order, err);
}
