/*
 * asof.h — a test helper shared by the time tests (test_civil_time.c,
 * test_session.c): an ISO-8601 instant as epoch seconds, counting a parse
 * failure as a failed check.
 */
#ifndef FOLIO_TEST_ASOF_H
#define FOLIO_TEST_ASOF_H

#include <stdint.h>
#include <stdio.h>

#include "folio/civil_time.h"
#include "testlib.h"

static int64_t asof(const char *iso) {
  int64_t t = 0;
  folio_error e;
  if (folio_parse_asof(iso, &t, &e) != FOLIO_OK) {
    fprintf(stderr, "asof(%s): %s\n", iso, e.message);
    tl_failed++;
  }
  return t;
}

#endif
