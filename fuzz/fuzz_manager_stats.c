/*
 * fuzz_manager_stats.c — libFuzzer harness of the strategy-weight manager's
 * stats files (manager.h: folio_manager_read_stats, stats.json through the
 * strict JSON parser with duplicate keys refused and positions for its
 * messages, stats.csv through the wide CSV reader). The reader takes a path:
 * the input is written to both a .json and a .csv file in a scratch folder
 * and read as each.
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "folio/manager.h"

static char dir[64], json_path[96], csv_path[96];

static void cleanup(void) {
  unlink(json_path);
  unlink(csv_path);
  rmdir(dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc;
  (void)argv;
  snprintf(dir, sizeof dir, "fuzz-tmp-stats-XXXXXX");
  if (!mkdtemp(dir)) abort();
  snprintf(json_path, sizeof json_path, "%s/stats.json", dir);
  snprintf(csv_path, sizeof csv_path, "%s/stats.csv", dir);
  atexit(cleanup);
  return 0;
}

static void read_as(const char *path, const uint8_t *data, size_t size) {
  FILE *f = fopen(path, "wb");
  if (!f || fwrite(data, 1, size, f) != size || fclose(f) != 0) abort();
  folio_manager_series *s = NULL;
  folio_error err;
  if (folio_manager_read_stats(path, "alpha", &s, &err) != FOLIO_OK) {
    if (s || err.message[0] == '\0') abort();
    return;
  }
  if (s->n_days == 0) abort();
  for (size_t i = 0; i < s->n_days; i++) {
    if (!isfinite(s->returns[i]) || s->returns[i] < -1 || strlen(s->dates[i]) != 10) abort();
    if (i > 0 && strcmp(s->dates[i - 1], s->dates[i]) >= 0) abort(); /* strictly increasing */
  }
  folio_manager_series_free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  read_as(json_path, data, size);
  read_as(csv_path, data, size);
  return 0;
}
