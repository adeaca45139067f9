/*
 * tiled.h — the one cache-blocked walk over the upper triangle of a square
 * matrix (internal). Mirroring, the pairwise and Ledoit-Wolf finishes and
 * the HRP input scan all visit (i, j) pairs in the same 64 x 64 tiles so
 * both triangles stay in cache; the walk is written here once, and each
 * caller keeps its own body (so no floating-point operation moves).
 */
#ifndef FOLIO_TILED_H
#define FOLIO_TILED_H

#include <stddef.h>

/* Tile edge of FOLIO_I_FOR_UPPER_TILED. */
#define FOLIO_I_TILE 64

/* Loop header: the statement after it runs for every (i, j) of an n x n
 * matrix with i < j (diag 0) or i <= j (diag 1), tile column by tile
 * column, the tiles of a column top-down, within a tile column by column.
 * i and j are declared as size_t; `continue` moves to the next i. */
#define FOLIO_I_FOR_UPPER_TILED(n, diag, i, j)                                           \
  for (size_t folio_i_jb = 0; folio_i_jb < (n); folio_i_jb += FOLIO_I_TILE)              \
    for (size_t folio_i_ib = 0; folio_i_ib <= folio_i_jb; folio_i_ib += FOLIO_I_TILE)    \
      for (size_t j = folio_i_jb; j < folio_i_jb + FOLIO_I_TILE && j < (n); j++)         \
        for (size_t i = folio_i_ib; i < folio_i_ib + FOLIO_I_TILE && i < j + (diag); i++)

#endif
