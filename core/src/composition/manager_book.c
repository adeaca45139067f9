/*
 * manager_book.c — the manager's book (manager.h): the strategy folders
 * under a root, in name order, each read through its stats.json or
 * stats.csv (manager_stats.c); folders with neither are skipped and listed,
 * folders with both are an error.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "folio/manager.h"
#include "folio/panel.h"
#include "internal.h"
#include "plumbing.h"

void folio_manager_book_free(folio_manager_book *b) {
  if (!b) return;
  for (size_t i = 0; i < b->n_strategies; i++) folio_manager_series_free(b->strategies[i]);
  free(b->strategies);
  for (size_t i = 0; i < b->n_skipped; i++) free(b->skipped[i]);
  free(b->skipped);
  free(b);
}

static int is_file(const char *path) {
  struct stat sb;
  return stat(path, &sb) == 0 && S_ISREG(sb.st_mode);
}

folio_status folio_manager_scan(const char *root, folio_manager_book **out, folio_error *err) {
  folio_error_clear(err);
  if (!root || !out) return folio_error_set(err, FOLIO_EINVAL, "manager: root and out must not be NULL");
  DIR *dir = opendir(root);
  if (!dir) return folio_error_set(err, FOLIO_EIO, "manager: cannot open folder %s (%s)", root, strerror(errno));
  folio_status st = FOLIO_OK;
  char **names = NULL;
  size_t n = 0, cap = 0;
  char *path = NULL;
  folio_manager_book *b = calloc(1, sizeof *b);
  if (!b) {
    st = folio_error_set(err, FOLIO_ENOMEM, "manager: out of memory");
    goto done;
  }
  for (struct dirent *e; (e = readdir(dir)) != NULL;) {
    if (e->d_name[0] == '.') continue;
    if (n == cap) {
      size_t c = cap ? cap * 2 : 16;
      char **p = c < FOLIO_MAX_DIM ? realloc(names, c * sizeof *names) : NULL;
      if (!p) {
        st = folio_error_set(err, FOLIO_ENOMEM, "manager: out of memory reading %s", root);
        goto done;
      }
      names = p;
      cap = c;
    }
    if (!(names[n] = strdup(e->d_name))) {
      st = folio_error_set(err, FOLIO_ENOMEM, "manager: out of memory reading %s", root);
      goto done;
    }
    n++;
  }
  qsort(names, n, sizeof *names, folio_i_cmp_str);
  b->strategies = calloc(n ? n : 1, sizeof *b->strategies);
  b->skipped = calloc(n ? n : 1, sizeof *b->skipped);
  size_t rl = strlen(root);
  path = malloc(rl + 256 + 16);
  if (!b->strategies || !b->skipped || !path) {
    st = folio_error_set(err, FOLIO_ENOMEM, "manager: out of memory");
    goto done;
  }
  for (size_t i = 0; i < n; i++) {
    if (strlen(names[i]) > 255) continue;
    snprintf(path, rl + 256 + 16, "%s/%s", root, names[i]);
    struct stat sb;
    if (stat(path, &sb) != 0 || !S_ISDIR(sb.st_mode)) continue; /* plain files are not strategies */
    snprintf(path, rl + 256 + 16, "%s/%s/stats.json", root, names[i]);
    int json = is_file(path);
    snprintf(path, rl + 256 + 16, "%s/%s/stats.csv", root, names[i]);
    int csv = is_file(path);
    if (json && csv) {
      st = folio_error_set(err, FOLIO_EDUP, "manager: %s/%s has both stats.json and stats.csv; keep one", root,
                           names[i]);
      goto done;
    }
    if (!json && !csv) {
      b->skipped[b->n_skipped++] = names[i];
      names[i] = NULL;
      continue;
    }
    if (json) snprintf(path, rl + 256 + 16, "%s/%s/stats.json", root, names[i]);
    folio_manager_series *s = NULL;
    if ((st = folio_manager_read_stats(path, names[i], &s, err)) != FOLIO_OK) goto done;
    b->strategies[b->n_strategies++] = s;
  }
  if (b->n_strategies == 0)
    st = folio_error_set(err, FOLIO_EEMPTY,
                         "manager: no strategy folder under %s has a stats.json or stats.csv (%zu skipped)",
                         root, b->n_skipped);
done:
  closedir(dir);
  for (size_t i = 0; i < n; i++) free(names[i]);
  free(names);
  free(path);
  if (st != FOLIO_OK) {
    folio_manager_book_free(b);
    return st;
  }
  *out = b;
  return FOLIO_OK;
}

