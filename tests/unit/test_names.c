/*
 * test_names.c — folio_i_name_index (core/src/base/names.h), the table
 * lookup behind every enum parser: exact matches only, -1 for a NULL or
 * unknown name, and through the public parsers the messages they keep.
 */
#include <string.h>

#include "folio/hrp.h"
#include "folio/repair.h"
#include "names.h"
#include "testlib.h"

static void test_index(void) {
  static const char *const t[] = {"error", "ridge", "clip"};
  CHECK_EQ_INT(folio_i_name_index(t, 3, "error"), 0);
  CHECK_EQ_INT(folio_i_name_index(t, 3, "clip"), 2);
  CHECK_EQ_INT(folio_i_name_index(t, 3, "Clip"), -1);
  CHECK_EQ_INT(folio_i_name_index(t, 3, "cli"), -1);
  CHECK_EQ_INT(folio_i_name_index(t, 3, ""), -1);
  CHECK_EQ_INT(folio_i_name_index(t, 3, NULL), -1);
  CHECK_EQ_INT(folio_i_name_index(t, 2, "clip"), -1); /* count bounds the search */
  CHECK_EQ_INT(folio_i_name_index(t, 0, "error"), -1);
}

static void test_parsers(void) {
  folio_error err;
  folio_repair r = FOLIO_REPAIR_ERROR;
  CHECK_EQ_INT(folio_repair_parse("higham", &r, &err), FOLIO_OK);
  CHECK_EQ_INT(r, FOLIO_REPAIR_HIGHAM);
  CHECK_ERR(folio_repair_parse("nope", &r, &err), err, FOLIO_EINVAL, "unknown value \"nope\"");
  folio_linkage_method m = FOLIO_LINKAGE_SINGLE;
  CHECK_EQ_INT(folio_linkage_parse("ward", &m, &err), FOLIO_OK);
  CHECK_EQ_INT(m, FOLIO_LINKAGE_WARD);
  CHECK_ERR(folio_linkage_parse("wards", &m, &err), err, FOLIO_EINVAL,
            "unknown linkage method 'wards'");
}

int main(void) {
  test_index();
  test_parsers();
  return tl_finish("test_names");
}
