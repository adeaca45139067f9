/*
 * storetest.h — what the event store's tests share (test_store_*.c and
 * tests/store/): a private temporary folder, removing a store with its WAL
 * and shared-memory files, counting rows, and a run of n orders whose
 * client ids derive from its key.
 */
#ifndef FOLIO_STORETEST_H
#define FOLIO_STORETEST_H

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "folio/store.h"

static char st_dir[64];

/* Makes the folder /tmp/<prefix>XXXXXX; 0 on success. */
static inline int st_make_dir(const char *prefix) {
  snprintf(st_dir, sizeof st_dir, "/tmp/%sXXXXXX", prefix);
  if (mkdtemp(st_dir)) return 0;
  perror("mkdtemp");
  return -1;
}

/* "<folder>/<name>" in one of four rotating buffers. */
static inline const char *st_path(const char *name) {
  static char buf[4][256];
  static int k;
  char *p = buf[k++ & 3];
  snprintf(p, 256, "%s/%s", st_dir, name);
  return p;
}

/* Removes a store, its -wal, -shm and .lock files. */
static inline void st_remove(const char *path) {
  static const char *const tails[] = {"", "-wal", "-shm", ".lock"};
  char buf[300];
  for (int i = 0; i < 4; i++) {
    snprintf(buf, sizeof buf, "%s%s", path, tails[i]);
    unlink(buf);
  }
}

static inline int64_t st_count(folio_store *s, const char *table) {
  int64_t n = -1;
  folio_store_count(s, table, &n, NULL);
  return n;
}

/* Up to 16 orders of the run `key`: seq i + 1, client id "<key>-<i+1>",
 * alternating BUY / SELL, weight ±0.01·(i+1); ids live in `ids`. */
typedef struct st_orders {
  char ids[16][80];
  folio_store_order o[16];
} st_orders;

static inline void st_make_orders(st_orders *b, const char *key, size_t n) {
  static const char *const syms[] = {"AAPL", "MSFT", "XOM", "GLD"};
  for (size_t i = 0; i < n && i < 16; i++) {
    snprintf(b->ids[i], sizeof b->ids[i], "%s-%zu", key, i + 1);
    int buy = i % 2 == 0;
    double w = 0.01 * (double)(i + 1);
    b->o[i] = (folio_store_order){(int64_t)i + 1, b->ids[i], syms[i % 4], buy ? "BUY" : "SELL",
                                  10.0 * (double)(i + 1), 100.0, 1000.0 * (double)(i + 1), buy ? w : -w,
                                  FOLIO_STORE_INTENDED, 0};
  }
}

#endif
