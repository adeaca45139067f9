/*
 * text_input.c — the shared argument checks of the in-memory text parsers
 * (see text_input.h): one wording for a missing result pointer, missing
 * text and an input over the parser's size cap.
 */
#include "text_input.h"

folio_status folio_i_text_input(const char *text, size_t len, const char **name, const void *out,
                                size_t max_bytes, folio_error *err) {
  folio_error_clear(err);
  if (!*name) *name = "<memory>";
  if (!out) return folio_error_set(err, FOLIO_EINVAL, "%s: out is NULL", *name);
  if (!text && len) return folio_error_set(err, FOLIO_EINVAL, "%s: text is NULL", *name);
  if (len > max_bytes)
    return folio_error_set(err, FOLIO_EDIM, "%s:1:1: input larger than %zu bytes", *name,
                           max_bytes);
  return FOLIO_OK;
}
