/*
 * bench_host.c — the cost of the policy runtime: sizing through the host
 * (C arrays -> Lua ctx -> registry -> sizer -> weights back in C) against the
 * bare C call folio_kelly_voltarget on the same inputs, interleaved call by
 * call so that the shared machine's drift hits both alike.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "bench.h"
#include "folio/host.h"
#include "folio/sizers.h"

#ifndef BARE_WORK
#define BARE_WORK c->work
#endif
enum { A = 500, T = 800, COV_WINDOW = 756 }; /* the window must exceed A for a definite cov */

typedef struct ctx {
  folio_host *host;
  const char *sizer;
  folio_host_sizing in;
  folio_panel panel;
  folio_kelly_voltarget_opts opts;
  void *work;
  double w[A], usd[A];
} ctx;

static void via_host(void *p) {
  ctx *c = p;
  if (folio_host_size(c->host, c->sizer, &c->in, c->w) != FOLIO_OK)
    fprintf(stderr, "bench_policy: %s\n", folio_host_error(c->host));
}

static void bare(void *p) {
  ctx *c = p;
  folio_error err;
  if (folio_kelly_voltarget(A, c->in.signal, &c->panel, c->in.nav_usd, &c->opts, c->w, c->usd,
                            BARE_WORK, NULL, &err) != FOLIO_OK)
    fprintf(stderr, "bench_policy: %s\n", err.message);
}

void bench_policy(void) {
  static double returns[T * A], signal[A];
  static char names[A][8];
  static const char *symbols[A];
  bench_fill_normal(returns, (size_t)T * A, 11);
  bench_fill_normal(signal, A, 12);
  for (size_t i = 0; i < (size_t)T * A; i++) returns[i] *= 0.01;
  for (int j = 0; j < A; j++) {
    snprintf(names[j], sizeof names[j], "S%04d", j);
    symbols[j] = names[j];
  }
  ctx c = {0};
  c.in.n_assets = A;
  c.in.symbols = symbols;
  c.in.signal = signal;
  c.in.returns = returns;
  c.in.n_rows = T;
  c.in.nav_usd = 1e6;
  static const char *pn[] = {"cov_window"};
  static const double pv[] = {COV_WINDOW};
  c.in.n_params = 1;
  c.in.param_names = pn;
  c.in.param_values = pv;
  c.panel = folio_panel_make(returns, T, A);
  c.panel.col_labels = symbols;
  c.opts = folio_kelly_voltarget_defaults(0.12);
  c.opts.cov_window = COV_WINDOW;
  c.work = malloc(folio_kelly_voltarget_work_size(T, A));
  /* 0: the registry's built-in adapter; 1: a Lua policy that calls the
   * built-in (the policy runtime's own cost); 2: policies/kelly_voltarget_12.lua,
   * the algorithm written out in Lua, which replaces the built-in by name. */
  static const char thin[] =
      "return folio.policy{name = 'thin_kvt12', params = {cov_window = {type = 'integer', default = 252}},\n"
      "  size = function(ctx, p)\n"
      "    return folio.sizers.kelly_voltarget_12{signal = ctx.signal, returns = ctx.returns,\n"
      "                                           nav_usd = ctx.nav_usd, cov_window = p.cov_window}\n"
      "  end}\n";
  const char *labels[3] = {"built-in via host", "Lua policy -> built-in", "Lua policy (full algo)"};
  const char *sizers[3] = {"kelly_voltarget_12", "thin_kvt12", "kelly_voltarget_12"};
  for (int k = 0; k < 3; k++) {
    folio_host_opts o = folio_host_defaults();
    o.shipped_policies = k < 2 ? "" : NULL;
    folio_error err;
    if (folio_host_create(&o, &c.host, &err) != FOLIO_OK) {
      fprintf(stderr, "bench_policy: %s\n", err.message);
      continue;
    }
    if (k == 1 && folio_host_load_policy_string(c.host, "=thin", thin, sizeof thin - 1, NULL, 0) != FOLIO_OK)
      fprintf(stderr, "bench_policy: %s\n", folio_host_error(c.host));
    c.sizer = sizers[k];
    double bare_s, s = bench_interleaved(via_host, &c, bare, &c, 21, &bare_s); /* drift hits both */
    bench_row(labels[k], "T=800 A=500", s, bare_s, "kelly_voltarget C");
    folio_host_destroy(c.host);
  }
  free(c.work);
}
