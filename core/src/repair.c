/*
 * repair.c — making a covariance positive definite (see repair.h).
 * The methods are filled in by the risk-model work; the names come first so
 * that every binding can already parse them.
 */
#include <string.h>

#include "folio/repair.h"

static const char *const repair_names[] = {"error", "ridge", "clip", "higham"};

folio_status folio_repair_parse(const char *name, folio_repair *out, folio_error *err) {
  if (!name || !out)
    return folio_error_set(err, FOLIO_EINVAL,
                           "repair: %s is NULL (expected \"error\", \"ridge\", \"clip\" or \"higham\")",
                           name ? "out" : "name");
  for (int i = 0; i < 4; i++)
    if (strcmp(name, repair_names[i]) == 0) {
      *out = (folio_repair)i;
      return FOLIO_OK;
    }
  return folio_error_set(err, FOLIO_EINVAL,
                         "repair: unknown value \"%s\" (expected \"error\", \"ridge\", \"clip\" or \"higham\")",
                         name);
}

const char *folio_repair_name(folio_repair r) {
  return (unsigned)r < 4 ? repair_names[r] : "unknown";
}
