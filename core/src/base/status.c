/*
 * status.c — status codes, their names, and the per-call error message.
 *
 * One table gives every folio_status (the core's and the policy runtime's)
 * its constant name and a short description; folio_error carries the status
 * and a message naming the function and the offending argument; and the
 * library's version string.
 */
#include <stdarg.h>
#include <stdio.h>

#include "folio/status.h"

#ifndef FOLIO_VERSION_STRING
#define FOLIO_VERSION_STRING "0.0.0"
#endif

void folio_error_clear(folio_error *err) {
  if (!err) return;
  err->status = FOLIO_OK;
  err->message[0] = '\0';
}

folio_status folio_error_set(folio_error *err, folio_status st, const char *fmt, ...) {
  if (!err) return st;
  err->status = st;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(err->message, sizeof err->message, fmt, ap);
  va_end(ap);
  return st;
}

static const struct {
  folio_status st;
  const char *name;
  const char *text;
} status_table[] = {
    {FOLIO_OK, "FOLIO_OK", "success"},
    {FOLIO_EINVAL, "FOLIO_EINVAL", "invalid argument"},
    {FOLIO_ENOTFINITE, "FOLIO_ENOTFINITE", "value is not finite"},
    {FOLIO_EDIM, "FOLIO_EDIM", "dimensions do not match or are too large"},
    {FOLIO_ENOMEM, "FOLIO_ENOMEM", "out of memory"},
    {FOLIO_ESHORT, "FOLIO_ESHORT", "history too short"},
    {FOLIO_ENOTPD, "FOLIO_ENOTPD", "matrix is not positive definite"},
    {FOLIO_ENOTSYM, "FOLIO_ENOTSYM", "matrix is not symmetric"},
    {FOLIO_EDUP, "FOLIO_EDUP", "duplicate name"},
    {FOLIO_EPARSE, "FOLIO_EPARSE", "malformed input"},
    {FOLIO_EIO, "FOLIO_EIO", "input/output error"},
    {FOLIO_EMISSING, "FOLIO_EMISSING", "missing value"},
    {FOLIO_EDEGENERATE, "FOLIO_EDEGENERATE", "degenerate input"},
    {FOLIO_ENOTFOUND, "FOLIO_ENOTFOUND", "unknown name"},
    {FOLIO_EEMPTY, "FOLIO_EEMPTY", "empty input"},
    {FOLIO_EBUSY, "FOLIO_EBUSY", "busy: held by another run"},
    {FOLIO_ECANCELED, "FOLIO_ECANCELED", "cancelled by the caller"},
    {FOLIO_ELUA, "FOLIO_ELUA", "policy or script raised an error"},
    {FOLIO_ETIMEOUT, "FOLIO_ETIMEOUT", "instruction budget or deadline exceeded"},
    {FOLIO_EMEMORY, "FOLIO_EMEMORY", "memory budget exceeded"},
};

const char *folio_status_name(folio_status st) {
  for (size_t i = 0; i < sizeof status_table / sizeof status_table[0]; i++)
    if (status_table[i].st == st) return status_table[i].name;
  return "FOLIO_E?";
}

const char *folio_status_string(folio_status st) {
  for (size_t i = 0; i < sizeof status_table / sizeof status_table[0]; i++)
    if (status_table[i].st == st) return status_table[i].text;
  return "unknown status";
}

const char *folio_version(void) { return FOLIO_VERSION_STRING; }
