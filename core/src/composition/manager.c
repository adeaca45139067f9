/*
 * manager.c — the strategy-weight manager's entry points (manager.h): the
 * default options, their check, and folio_manager_run, which chains the
 * units — scan the root (manager_book.c, reading each stats file with
 * manager_stats.c), align the window (manager_align.c), optimise
 * (manager_objective.c, manager_optimize.c) — into a report that
 * manager_config.c writes as portfolio_config.json.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "folio/manager.h"
#include "folio/panel.h"
#include "internal.h"
#include "manager_internal.h"

folio_manager_opts folio_manager_defaults(void) {
  folio_manager_opts o;
  memset(&o, 0, sizeof o);
  o.window = 365;
  o.target_vol = 0.30;
  o.max_leverage = 0.0;
  o.account_value = 10000.0;
  o.n_random_starts = 8;
  o.seed = 0;
  return o;
}

folio_status folio_i_manager_check_options(const folio_manager_opts *o, folio_error *err) {
  if (!o) return folio_error_set(err, FOLIO_EINVAL, "manager: options must not be NULL");
  if (!(o->target_vol > 0) || !isfinite(o->target_vol))
    return folio_error_set(err, FOLIO_EINVAL, "manager: target_vol must be a finite number > 0, got %g", o->target_vol);
  if (!(o->max_leverage >= 0) || !isfinite(o->max_leverage))
    return folio_error_set(err, FOLIO_EINVAL, "manager: max_leverage must be > 0 (0 = no cap), got %g",
                           o->max_leverage);
  if (!(o->account_value > 0) || !isfinite(o->account_value))
    return folio_error_set(err, FOLIO_EINVAL, "manager: account_value must be a finite number > 0, got %g",
                           o->account_value);
  if (o->window < 2 || o->window > FOLIO_MAX_DIM)
    return folio_error_set(err, FOLIO_EINVAL, "manager: window must be between 2 and %zu days, got %zu",
                           (size_t)FOLIO_MAX_DIM, o->window);
  if (o->n_random_starts > 1000)
    return folio_error_set(err, FOLIO_EINVAL, "manager: n_random_starts must be <= 1000, got %zu", o->n_random_starts);
  return FOLIO_OK;
}

void folio_manager_report_free(folio_manager_report *r) {
  if (!r) return;
  for (size_t i = 0; i < r->n_strategies; i++) free(r->names[i]);
  free(r->names);
  free(r->weights);
  for (size_t i = 0; i < r->n_skipped; i++) free(r->skipped[i]);
  free(r->skipped);
  free(r);
}

folio_status folio_manager_run(const char *root, const folio_manager_opts *opts,
                               folio_manager_report **out, folio_error *err) {
  folio_error_clear(err);
  folio_status st = folio_i_manager_check_options(opts, err);
  if (st != FOLIO_OK) return st;
  if (!root || !out) return folio_error_set(err, FOLIO_EINVAL, "manager: root and out must not be NULL");
  folio_manager_book *b = NULL;
  if ((st = folio_manager_scan(root, &b, err)) != FOLIO_OK) return st;
  size_t K = b->n_strategies, N = opts->window, cells;
  double *R = NULL;
  folio_manager_report *r = calloc(1, sizeof *r);
  if (folio_i_mul(N, K, &cells) != 0 || cells > FOLIO_MAX_ELEMS) {
    st = folio_error_set(err, FOLIO_EDIM, "manager: window x strategies too large");
    goto done;
  }
  R = malloc(sizeof(double) * cells);
  if (!r || !R || !(r->names = calloc(K, sizeof *r->names)) || !(r->weights = calloc(K, sizeof(double)))) {
    st = folio_error_set(err, FOLIO_ENOMEM, "manager: out of memory");
    goto done;
  }
  r->n_strategies = K;
  for (size_t k = 0; k < K; k++) r->names[k] = b->strategies[k]->name, b->strategies[k]->name = NULL;
  r->n_skipped = b->n_skipped;
  r->skipped = b->skipped;
  b->skipped = NULL;
  b->n_skipped = 0;
  if ((st = folio_manager_align(b, N, R, N, r->first_date, r->asof, err)) != FOLIO_OK) goto done;
  if ((st = folio_manager_optimize(N, K, R, N, (const char *const *)r->names, opts, r->weights, &r->fit, err)) !=
      FOLIO_OK)
    goto done;
  r->window_days = N;
  r->account_value = opts->account_value;
  r->target_vol = opts->target_vol;
  r->max_leverage = opts->max_leverage;
done:
  free(R);
  folio_manager_book_free(b);
  if (st != FOLIO_OK) {
    folio_manager_report_free(r);
    return st;
  }
  *out = r;
  return FOLIO_OK;
}
