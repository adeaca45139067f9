/*
 * test_arena.c — folio_i_take_mat (core/src/base/status.c): a rows x cols
 * block takes what folio_i_take of the product takes, at the same offset,
 * and an overflowing product flags the arena and returns NULL.
 */
#include <stdint.h>

#include "internal.h"
#include "testlib.h"

static void test_same_as_take(void) {
  folio_i_arena a = {NULL, 0, 0}, b = {NULL, 0, 0};
  (void)folio_i_take(&a, 3, sizeof(double));
  (void)folio_i_take(&b, 3, sizeof(double));
  (void)folio_i_take(&a, 7 * 5, sizeof(double));
  (void)folio_i_take_mat(&b, 7, 5, sizeof(double));
  (void)folio_i_take(&a, 0, sizeof(double));
  (void)folio_i_take_mat(&b, 0, 5, sizeof(double));
  CHECK_EQ_INT(a.used, b.used);
  CHECK_EQ_INT(b.overflow, 0);
  static unsigned char mem[4096] __attribute__((aligned(64)));
  folio_i_arena c = {mem, 0, 0};
  (void)folio_i_take(&c, 1, 1);
  unsigned char *p = folio_i_take_mat(&c, 4, 4, sizeof(double));
  CHECK(p == mem + 64);
  CHECK_EQ_INT(c.used, 64 + 16 * sizeof(double));
}

static void test_overflow(void) {
  folio_i_arena a = {NULL, 0, 0};
  CHECK(folio_i_take_mat(&a, SIZE_MAX / 2, 3, 1) == NULL);
  CHECK_EQ_INT(a.overflow, 1);
  folio_i_arena b = {NULL, 0, 0};
  CHECK(folio_i_take_mat(&b, SIZE_MAX / 16, 4, sizeof(double)) == NULL); /* bytes overflow */
  CHECK_EQ_INT(b.overflow, 1);
}

int main(void) {
  test_same_as_take();
  test_overflow();
  return tl_finish("test_arena");
}
