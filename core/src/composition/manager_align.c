/*
 * manager_align.c — the manager's alignment (manager.h): the strategies'
 * common dates, the window of the last N of them, and the returns matrix
 * over it; a strategy missing a day of the window that another strategy has
 * is an error naming its file, line and the missing date.
 */
#include <stdlib.h>
#include <string.h>

#include "folio/manager.h"

static int cmp_date(const void *a, const void *b) { return strcmp((const char *)a, (const char *)b); }

/* First index of s whose date is >= d (binary search). */
static size_t lower_bound(const folio_manager_series *s, const char *d) {
  size_t lo = 0, hi = s->n_days;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (strcmp(s->dates[mid], d) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

folio_status folio_manager_align(const folio_manager_book *book, size_t window, double *returns,
                                 size_t ld, char *first_date, char *last_date, folio_error *err) {
  folio_error_clear(err);
  if (!book || !returns || book->n_strategies == 0)
    return folio_error_set(err, FOLIO_EINVAL, "manager: book (with a strategy) and returns must not be NULL");
  if (window < 2) return folio_error_set(err, FOLIO_EINVAL, "manager: window must be >= 2 days, got %zu", window);
  if (ld < window) return folio_error_set(err, FOLIO_EINVAL, "manager: ld %zu < window %zu", ld, window);
  size_t K = book->n_strategies;
  const char *start = book->strategies[0]->dates[0], *end = book->strategies[0]->dates[book->strategies[0]->n_days - 1];
  for (size_t k = 1; k < K; k++) {
    const folio_manager_series *s = book->strategies[k];
    if (strcmp(s->dates[0], start) > 0) start = s->dates[0];
    if (strcmp(s->dates[s->n_days - 1], end) < 0) end = s->dates[s->n_days - 1];
  }
  if (strcmp(start, end) > 0)
    return folio_error_set(err, FOLIO_ESHORT,
                           "manager: the strategies share no dates (the latest start %s is after the earliest end %s)",
                           start, end);
  /* the calendar: the union of dates in [start, end] */
  size_t total = 0;
  for (size_t k = 0; k < K; k++) total += book->strategies[k]->n_days;
  char(*cal)[FOLIO_MANAGER_DATE_SIZE] = malloc(total * FOLIO_MANAGER_DATE_SIZE);
  if (!cal) return folio_error_set(err, FOLIO_ENOMEM, "manager: out of memory");
  size_t m = 0;
  for (size_t k = 0; k < K; k++) {
    const folio_manager_series *s = book->strategies[k];
    for (size_t i = lower_bound(s, start); i < s->n_days && strcmp(s->dates[i], end) <= 0; i++)
      memcpy(cal[m++], s->dates[i], FOLIO_MANAGER_DATE_SIZE);
  }
  qsort(cal, m, FOLIO_MANAGER_DATE_SIZE, cmp_date);
  size_t u = 0;
  for (size_t i = 0; i < m; i++)
    if (u == 0 || strcmp(cal[i], cal[u - 1]) != 0) memmove(cal[u++], cal[i], FOLIO_MANAGER_DATE_SIZE);
  folio_status st = FOLIO_OK;
  if (u < window) {
    st = folio_error_set(err, FOLIO_ESHORT,
                         "manager: the window of %zu days is longer than the strategies' common data "
                         "(%zu days from %s to %s)",
                         window, u, start, end);
    goto done;
  }
  const char(*win)[FOLIO_MANAGER_DATE_SIZE] = (const char(*)[FOLIO_MANAGER_DATE_SIZE])cal + (u - window);
  for (size_t k = 0; k < K; k++) {
    const folio_manager_series *s = book->strategies[k];
    size_t i = lower_bound(s, win[0]);
    for (size_t t = 0; t < window; t++, i++) {
      if (i >= s->n_days || strcmp(s->dates[i], win[t]) != 0) {
        /* i < n_days here: the window ends at the earliest last date */
        st = folio_error_set(err, FOLIO_EMISSING,
                             "%s:%zu: missing day %s (the record here is %s; every strategy needs every "
                             "date of the window %s..%s that another strategy has)",
                             s->path, s->lines[i], win[t], s->dates[i], win[0], win[window - 1]);
        goto done;
      }
      returns[t + k * ld] = s->returns[i];
    }
  }
  if (first_date) memcpy(first_date, win[0], FOLIO_MANAGER_DATE_SIZE);
  if (last_date) memcpy(last_date, win[window - 1], FOLIO_MANAGER_DATE_SIZE);
done:
  free(cal);
  return st;
}
