/*
 * config_internal.h — what the config tree and the fund schema share
 * (config_tree.c, config.c): the message helpers ("name:line:column:
 * what", a path printer that truncates on purpose), word lists, the
 * duplicate finder and the file reader. Not installed, not API.
 */
#ifndef FOLIO_CONFIG_INTERNAL_H
#define FOLIO_CONFIG_INTERNAL_H

#include <stdarg.h>
#include <stdio.h>

#include "folio/config_tree.h"
#include "folio/status.h"

/* Longest path quoted in a message ("sleeves[12].universe[3]"). */
#define PATH_MAX_LEN 192
/* Longest excerpt of a scalar quoted in a message. */
#define EXCERPT "%.60s"
/* Numbers longer than this are not numbers (they are strings). */
#define NUMBER_MAX_LEN 400

/* Sets err to st and "name:line:column: <formatted what>"; returns st. */
#if defined(__GNUC__)
__attribute__((format(printf, 6, 7)))
#endif
static inline folio_status
fail_at(folio_error *err, folio_status st, const char *name, size_t line, size_t column,
        const char *fmt, ...) {
  if (!err) return st;
  char what[FOLIO_ERROR_MAX];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(what, sizeof what, fmt, ap);
  va_end(ap);
  return folio_error_set(err, st, "%s:%zu:%zu: %s", name, line, column, what);
}

/* snprintf for paths: a path longer than the buffer is cut short on purpose
 * (vsnprintf keeps the compiler's truncation warnings for real bugs elsewhere). */
#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static inline void
put(char *buf, size_t size, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, size, fmt, ap);
  va_end(ap);
}

static inline int is_digit(char c) { return c >= '0' && c <= '9'; }

/* 1 when s is one of the NULL-terminated words, else 0. */
int folio_i_config_one_of(const char *s, const char *const *words);

/* Among n strings (each `stride` bytes after the previous one's pointer), the
 * duplicate pair whose second occurrence comes first in the array: returns 1
 * and sets *first and *second (indices), or 0 when all are distinct; -1 when
 * out of memory. O(n log n). */
int folio_i_config_find_duplicate(const char *const *strings, size_t stride, size_t n,
                                  size_t *first, size_t *second);

/* The file loaders' first step: clears err, rejects a NULL path ("config:
 * path is NULL") or out ("path: out is NULL"; out is the loader's result
 * pointer, only tested), then reads the file at path (folio_i_read_file, at
 * most FOLIO_CONFIG_MAX_BYTES; a larger one is FOLIO_EDIM "path:1:1: file
 * larger than N bytes"). On FOLIO_OK *text is the caller's to free. */
folio_status folio_i_config_read(const char *path, const void *out, char **text, size_t *len,
                                 folio_error *err);

#endif
