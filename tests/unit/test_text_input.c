/*
 * test_text_input.c — folio_i_text_input (core/src/base/text_input.c), the
 * argument checks of the in-memory text parsers: the "<memory>" default
 * name, NULL out, NULL text with a length, the size cap, and the same words
 * through folio_csv_parse_wide and folio_config_parse_tree.
 */
#include <string.h>

#include "folio/config_tree.h"
#include "folio/csv.h"
#include "testlib.h"
#include "text_input.h"

static void test_checks(void) {
  folio_error err;
  int out = 0;
  const char *name = NULL;
  CHECK_EQ_INT(folio_i_text_input("abc", 3, &name, &out, 3, &err), FOLIO_OK);
  CHECK(strcmp(name, "<memory>") == 0);
  CHECK_EQ_INT(err.status, FOLIO_OK);
  name = "f.csv";
  CHECK_EQ_INT(folio_i_text_input(NULL, 0, &name, &out, 3, &err), FOLIO_OK);
  CHECK(strcmp(name, "f.csv") == 0);
  CHECK_ERR(folio_i_text_input("abc", 3, &name, NULL, 3, &err), err, FOLIO_EINVAL,
            "f.csv: out is NULL");
  CHECK_ERR(folio_i_text_input(NULL, 1, &name, &out, 3, &err), err, FOLIO_EINVAL,
            "f.csv: text is NULL");
  CHECK_ERR(folio_i_text_input("abcd", 4, &name, &out, 3, &err), err, FOLIO_EDIM,
            "f.csv:1:1: input larger than 3 bytes");
}

static void test_parsers(void) {
  folio_error err;
  folio_frame *f = NULL;
  CHECK_ERR(folio_csv_parse_wide(NULL, 2, NULL, &f, &err), err, FOLIO_EINVAL,
            "<memory>: text is NULL");
  folio_config_node *root = NULL;
  CHECK_ERR(folio_config_parse_tree("a: 1", 4, "c.yaml", NULL, &err), err, FOLIO_EINVAL,
            "c.yaml: out is NULL");
  CHECK(root == NULL);
}

int main(void) {
  test_checks();
  test_parsers();
  return tl_finish("test_text_input");
}
