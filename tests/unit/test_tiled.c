/*
 * test_tiled.c — FOLIO_I_FOR_UPPER_TILED (core/src/base/tiled.h): for sizes
 * around the tile edge it visits exactly the pairs i < j (diag 0) or i <= j
 * (diag 1), each once, in the order of the hand-written tiled loops it
 * replaced (tile column, tile row, column, row); `continue` skips one pair.
 */
#include <stdlib.h>

#include "testlib.h"
#include "tiled.h"

/* The loop the macro replaced, written out: pairs in visit order. */
static size_t reference_walk(size_t n, size_t diag, size_t *pi, size_t *pj) {
  size_t k = 0;
  for (size_t jb = 0; jb < n; jb += FOLIO_I_TILE) {
    size_t je = jb + FOLIO_I_TILE < n ? jb + FOLIO_I_TILE : n;
    for (size_t ib = 0; ib <= jb; ib += FOLIO_I_TILE) {
      size_t ie = ib + FOLIO_I_TILE < n ? ib + FOLIO_I_TILE : n;
      for (size_t j = jb; j < je; j++) {
        size_t iend = ie < j + diag ? ie : j + diag;
        for (size_t i = ib; i < iend; i++) {
          pi[k] = i;
          pj[k] = j;
          k++;
        }
      }
    }
  }
  return k;
}

static void test_order(void) {
  static const size_t sizes[] = {0, 1, 2, 63, 64, 65, 130};
  for (size_t s = 0; s < sizeof sizes / sizeof *sizes; s++)
    for (size_t diag = 0; diag <= 1; diag++) {
      size_t n = sizes[s], cap = n * (n + 1) / 2 + 1;
      size_t *ri = malloc(cap * sizeof *ri), *rj = malloc(cap * sizeof *rj);
      unsigned char *seen = calloc(n * n + 1, 1);
      size_t want = reference_walk(n, diag, ri, rj), k = 0, bad = 0;
      FOLIO_I_FOR_UPPER_TILED(n, diag, i, j) {
        if (k >= want || ri[k] != i || rj[k] != j || seen[i + j * n]) bad++;
        seen[i + j * n] = 1;
        k++;
      }
      CHECK_MSG(bad == 0 && k == want, "n %zu diag %zu: %zu of %zu pairs out of order", n, diag,
                bad, want);
      CHECK_EQ_INT(want, diag ? n * (n + 1) / 2 : n * (n - (n > 0)) / 2);
      free(ri);
      free(rj);
      free(seen);
    }
}

static void test_continue(void) {
  size_t visited = 0, diagonal = 0;
  FOLIO_I_FOR_UPPER_TILED(70, 1, i, j) {
    if (i == j) {
      diagonal++;
      continue;
    }
    visited++;
  }
  CHECK_EQ_INT(diagonal, 70);
  CHECK_EQ_INT(visited, 70 * 69 / 2);
}

int main(void) {
  test_order();
  test_continue();
  return tl_finish("test_tiled");
}
