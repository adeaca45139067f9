/*
 * test_internal_arena.c — the arena of core/src/base/internal.c:
 * folio_i_take_mat, whose rows x cols block takes what folio_i_take of the
 * product takes, at the same offset, and an overflowing product flags the
 * arena and returns NULL; and folio_i_arena_alloc, which turns a sized arena
 * into one heap block (or reports the overflow by name); folio_i_workspace
 * (the caller's buffer or an owned one) and folio_i_align64.
 */
#include <stdint.h>
#include <stdlib.h>

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

static void test_alloc(void) {
  folio_error err;
  folio_i_arena a = {NULL, 0, 0};
  (void)folio_i_take_mat(&a, 8, 8, sizeof(double));
  size_t need = a.used;
  CHECK_EQ_INT(folio_i_arena_alloc(&a, "t", 0, &err), FOLIO_OK);
  CHECK(a.base != NULL);
  CHECK_EQ_INT(a.used, 0);
  double *m = folio_i_take_mat(&a, 8, 8, sizeof(double));
  CHECK((unsigned char *)m == a.base);
  CHECK_EQ_INT(a.used, need);
  free(a.base);
  folio_i_arena b = {NULL, 0, 0};
  (void)folio_i_take_mat(&b, SIZE_MAX, 2, 1);
  CHECK_ERR(folio_i_arena_alloc(&b, "sizer", 1, &err), err, FOLIO_EDIM,
            "sizer: workspace size overflows");
  CHECK(b.base == NULL);
}

static void test_workspace(void) {
  static unsigned char buf[256] __attribute__((aligned(64)));
  void *owned = buf;
  CHECK(folio_i_workspace(buf, 100, &owned) == (void *)buf);
  CHECK(owned == NULL);
  void *w = folio_i_workspace(NULL, 100, &owned);
  CHECK(w != NULL && owned == w);
  free(owned);
  CHECK(folio_i_align64(buf) == buf);
  CHECK(folio_i_align64(buf + 1) == buf + 64);
  CHECK(folio_i_align64(buf + 63) == buf + 64);
  CHECK(folio_i_align64(buf + 64) == buf + 64);
}

int main(void) {
  test_workspace();
  test_same_as_take();
  test_overflow();
  test_alloc();
  return tl_finish("test_internal_arena");
}
