/*
 * test_internal_symbols.c — the symbol helpers of core/src/base/internal.c:
 * folio_i_symbols_scan (NULL and empty entries by position, whether the
 * symbols are strictly ascending), folio_i_symbols_rank (order by strcmp,
 * the smallest duplicate named, order may be NULL) and folio_i_symbol_order
 * built from them (identity without symbols or when already ascending).
 */
#include <string.h>

#include "internal.h"
#include "testlib.h"

static void test_scan(void) {
  folio_error err;
  int asc = -1;
  const char *up[] = {"AAA", "BBB", "CCC"}, *down[] = {"BBB", "AAA"}, *same[] = {"A", "A"};
  CHECK_EQ_INT(folio_i_symbols_scan(3, up, "t", "symbol", &asc, &err), FOLIO_OK);
  CHECK_EQ_INT(asc, 1);
  CHECK_EQ_INT(folio_i_symbols_scan(2, down, "t", "symbol", &asc, &err), FOLIO_OK);
  CHECK_EQ_INT(asc, 0);
  CHECK_EQ_INT(folio_i_symbols_scan(2, same, "t", "symbol", &asc, &err), FOLIO_OK);
  CHECK_EQ_INT(asc, 0); /* equal neighbours are not strictly ascending */
  const char *hole[] = {"A", NULL}, *empty[] = {"A", "B", ""};
  CHECK_ERR(folio_i_symbols_scan(2, hole, "t", "symbol", &asc, &err), err, FOLIO_EINVAL,
            "t: symbol #2 is NULL");
  CHECK_ERR(folio_i_symbols_scan(3, empty, "t", "column label", &asc, &err), err, FOLIO_EINVAL,
            "t: column label #3 is empty");
}

static void test_rank(void) {
  folio_error err;
  folio_i_sym scratch[4];
  size_t order[4] = {9, 9, 9, 9};
  const char *s[] = {"D", "B", "C", "A"};
  CHECK_EQ_INT(folio_i_symbols_rank(4, s, "t", "symbol", scratch, order, &err), FOLIO_OK);
  CHECK(order[0] == 3 && order[1] == 1 && order[2] == 2 && order[3] == 0);
  CHECK_EQ_INT(folio_i_symbols_rank(4, s, "t", "symbol", scratch, NULL, &err), FOLIO_OK);
  const char *dup[] = {"Z", "B", "Z", "B"};
  CHECK_ERR(folio_i_symbols_rank(4, dup, "t", "symbol", scratch, order, &err), err, FOLIO_EDUP,
            "t: duplicate symbol B");
}

static void test_order(void) {
  folio_error err;
  folio_i_sym scratch[3];
  size_t order[3];
  CHECK_EQ_INT(folio_i_symbol_order(3, NULL, "t", "symbol", scratch, order, &err), FOLIO_OK);
  CHECK(order[0] == 0 && order[1] == 1 && order[2] == 2);
  const char *s[] = {"C", "A", "B"};
  CHECK_EQ_INT(folio_i_symbol_order(3, s, "t", "symbol", scratch, order, &err), FOLIO_OK);
  CHECK(order[0] == 1 && order[1] == 2 && order[2] == 0);
  const char *up[] = {"A", "B", "C"};
  CHECK_EQ_INT(folio_i_symbol_order(3, up, "t", "symbol", scratch, order, &err), FOLIO_OK);
  CHECK(order[0] == 0 && order[1] == 1 && order[2] == 2);
  const char *dup[] = {"B", "A", "B"};
  CHECK_ERR(folio_i_symbol_order(3, dup, "t", "symbol", scratch, order, &err), err, FOLIO_EDUP,
            "t: duplicate symbol B");
}

int main(void) {
  test_scan();
  test_rank();
  test_order();
  return tl_finish("test_internal_symbols");
}
