/*
 * bench_discrete_allocation.c — folio_discrete_allocate's mip on 100 names
 * with lots (1, 10 or 100 shares) and fees (1 USD fixed + 5 bp), from 50
 * names held now, and with a 40-name cap (goal < 1 s); measured against the
 * greedy of the same book in the same run (the bound: what the MIP is asked
 * to beat). Each row also prints the MIP's status (optimal: proven by GLPK;
 * best_found: stopped at time_limit) and J against the greedy's J.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "folio/discrete_allocation.h"

#define N 100

typedef struct da_ctx {
  const char *sym[N];
  char names[N][16];
  double w[N], p[N], lot[N], cur[N];
  folio_discrete_opts opts;
  folio_discrete_position out[N];
  folio_discrete_info info;
} da_ctx;

static void run_da(void *p) {
  da_ctx *c = p;
  folio_error err;
  if (folio_discrete_allocate(N, c->sym, c->w, c->p, &c->opts, c->out, &c->info, &err) != FOLIO_OK)
    fprintf(stderr, "bench_discrete_allocation: %s\n", err.message);
}

static void row(da_ctx *c, const char *what, const char *size) {
  folio_discrete_opts mip = c->opts, greedy = c->opts;
  greedy.method = FOLIO_DISCRETE_GREEDY;
  greedy.fixed_fee = greedy.proportional_fee = 0.0;
  greedy.max_positions = folio_discrete_defaults().max_positions;
  da_ctx *g = malloc(sizeof *g);
  if (!g) return;
  memcpy(g, c, sizeof *g);
  g->opts = greedy;
  double bare = 0.0, t = bench_interleaved(run_da, c, run_da, g, 5, &bare);
  bench_row(what, size, t, bare, "greedy (folio)");
  printf("|   mip status %-9s J %.2f USD; greedy J %.2f USD (no fees, no cap); leftover %.2f, fees %.2f, %zu held, %zu traded |\n",
         c->info.status, c->info.objective, g->info.objective, c->info.leftover, c->info.fees,
         c->info.n_positions, c->info.n_trades);
  c->opts = mip;
  free(g);
}

void bench_discrete_allocation(void) {
  da_ctx *c = calloc(1, sizeof *c);
  if (!c) return;
  double z[N], sum = 0.0;
  bench_fill_normal(z, N, 1313);
  for (int i = 0; i < N; i++) {
    snprintf(c->names[i], sizeof c->names[i], "N%03d", i);
    c->sym[i] = c->names[i];
    c->w[i] = exp(0.8 * z[i]);
    sum += c->w[i];
    c->p[i] = floor((8.0 + (double)((i * 7919) % 600) + 0.37 * (i % 7)) * 100.0) / 100.0;
    c->lot[i] = i % 10 == 0 ? 100.0 : i % 3 == 0 ? 10.0 : 1.0;
  }
  for (int i = 0; i < N; i++) c->w[i] /= sum;
  c->opts = folio_discrete_defaults();
  c->opts.method = FOLIO_DISCRETE_MIP;
  c->opts.capital = 1e6;
  c->opts.lot_sizes = c->lot;
  c->opts.time_limit = 2.0;
  row(c, "discrete mip, lots", "100 names, $1M");
  c->opts.fixed_fee = 1.0;
  c->opts.proportional_fee = 0.0005;
  row(c, "discrete mip +fees", "100 names, $1M");
  for (int i = 0; i < N; i += 2) c->cur[i] = floor(2000.0 / c->p[i]); /* 50 held, ~$2k each */
  c->opts.current = c->cur;
  c->opts.capital = 9e5;
  row(c, "discrete mip +current", "100, 50 held");
  c->opts.max_positions = 40;
  row(c, "discrete mip +cap 40", "100, 50 held");
  free(c);
}
