/*
 * text_input.h — the argument checks every parser of text held in memory
 * makes before it reads a byte (internal). The YAML tree and the CSV reader
 * both take (text, len, name, out) with a size cap and report the same
 * problems in the same words; the checks are written here once.
 */
#ifndef FOLIO_TEXT_INPUT_H
#define FOLIO_TEXT_INPUT_H

#include <stddef.h>

#include "folio/status.h"

/* Clears err and names an unnamed input "<memory>" (*name); then rejects a
 * NULL out ("<name>: out is NULL") or NULL text with len > 0 ("<name>: text
 * is NULL") with FOLIO_EINVAL, and len > max_bytes with FOLIO_EDIM
 * ("<name>:1:1: input larger than N bytes"). out is only tested. */
folio_status folio_i_text_input(const char *text, size_t len, const char **name, const void *out,
                                size_t max_bytes, folio_error *err);

#endif
