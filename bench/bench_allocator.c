/*
 * bench_allocator.c — the cardinality-constrained MIP allocator at 500
 * candidates and max_positions 20 (goal < 100 ms), against a bare
 * glp_simplex of the LP relaxation of the full 500-candidate base model
 * (binaries relaxed to [0, 1]) in the same run. Three shapes: the base
 * model (the exact reduction leaves 20 columns), 10 capped sectors (200
 * columns), and a turnover limit with 100 names held now (held names are
 * never reduced).
 */
#include <glpk.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "folio/allocator.h"

#define N 500

typedef struct allocator_ctx {
  const char *sym[N], *sec[N], *cur_sym[N];
  char names[N][16];
  double score[N], price[N], cur_w[N];
  const char *cap_names[10];
  double caps[10];
  folio_allocator_opts opts;
  folio_allocation out[N];
} allocator_ctx;

static void run_allocator(void *p) {
  allocator_ctx *c = p;
  size_t n_out;
  folio_error err;
  if (folio_allocator_allocate(N, c->sym, c->score, c->price, &c->opts, c->out, &n_out, NULL, &err) !=
      FOLIO_OK)
    fprintf(stderr, "bench_allocator: %s\n", err.message);
}

/* The LP relaxation of the base model over all 500 candidates. */
static void run_bare_lp(void *p) {
  allocator_ctx *c = p;
  glp_prob *lp = glp_create_prob();
  glp_set_obj_dir(lp, GLP_MAX);
  glp_add_cols(lp, 2 * N);
  glp_add_rows(lp, 2 * N + 2);
  static int ia[6 * N + 1], ja[6 * N + 1];
  static double ar[6 * N + 1];
  int ne = 0;
  for (int i = 0; i < N; i++) {
    int w = 2 * i + 1, x = 2 * i + 2;
    glp_set_col_bnds(lp, w, GLP_DB, 0.0, c->opts.max_weight);
    glp_set_obj_coef(lp, w, c->score[i] > 0 ? c->score[i] : 0.0);
    glp_set_col_bnds(lp, x, GLP_DB, 0.0, 1.0);
    glp_set_row_bnds(lp, 2 * i + 1, GLP_UP, 0.0, 0.0);
    ne++; ia[ne] = 2 * i + 1; ja[ne] = w; ar[ne] = 1.0;
    ne++; ia[ne] = 2 * i + 1; ja[ne] = x; ar[ne] = -c->opts.max_weight;
    glp_set_row_bnds(lp, 2 * i + 2, GLP_LO, 0.0, 0.0);
    ne++; ia[ne] = 2 * i + 2; ja[ne] = w; ar[ne] = 1.0;
    ne++; ia[ne] = 2 * i + 2; ja[ne] = x; ar[ne] = -c->opts.min_weight;
    ne++; ia[ne] = 2 * N + 1; ja[ne] = w; ar[ne] = 1.0;
    ne++; ia[ne] = 2 * N + 2; ja[ne] = x; ar[ne] = 1.0;
  }
  glp_set_row_bnds(lp, 2 * N + 1, GLP_UP, 0.0, 1.0);
  glp_set_row_bnds(lp, 2 * N + 2, GLP_UP, 0.0, 20.0);
  glp_load_matrix(lp, ne, ia, ja, ar);
  glp_smcp parm;
  glp_init_smcp(&parm);
  parm.msg_lev = GLP_MSG_OFF;
  if (glp_simplex(lp, &parm) != 0) fprintf(stderr, "bench_allocator: bare simplex failed\n");
  glp_delete_prob(lp);
}

void bench_allocator(void) {
  allocator_ctx *c = calloc(1, sizeof *c);
  if (!c) return;
  static const char *sectors[10] = {"S0", "S1", "S2", "S3", "S4", "S5", "S6", "S7", "S8", "S9"};
  bench_fill_normal(c->score, N, 2026);
  for (int i = 0; i < N; i++) {
    snprintf(c->names[i], sizeof c->names[i], "C%03d", i);
    c->sym[i] = c->names[i];
    c->sec[i] = sectors[i % 10];
    c->price[i] = 5.0 + (double)((i * 7919) % 400);
  }
  for (int g = 0; g < 10; g++) {
    c->cap_names[g] = sectors[g];
    c->caps[g] = 0.12;
  }
  c->opts = folio_allocator_defaults();
  c->opts.capital = 1e6;
  c->opts.max_weight = 0.08;
  c->opts.min_weight = 0.02;
  c->opts.max_positions = 20;
  double bare = bench_median(run_bare_lp, c, 9);
  bench_row("allocator MIP", "500 cand, K=20", bench_median(run_allocator, c, 9), bare,
            "glp_simplex LP");
  c->opts.sectors = c->sec;
  c->opts.n_sector_caps = 10;
  c->opts.cap_sectors = c->cap_names;
  c->opts.sector_caps = c->caps;
  bench_row("allocator + sector caps", "500, K=20, 10 sec", bench_median(run_allocator, c, 9), bare,
            "glp_simplex LP");
  for (int i = 0; i < 100; i++) { /* 100 names held now, 1 % each */
    c->cur_sym[i] = c->sym[i * 5];
    c->cur_w[i] = 0.01;
  }
  c->opts.n_current = 100;
  c->opts.current_symbols = c->cur_sym;
  c->opts.current_weights = c->cur_w;
  c->opts.max_turnover = 1.2; /* selling 80 of them alone takes 0.8 */
  bench_row("allocator + turnover", "500, K=20, 100 held", bench_median(run_allocator, c, 9), bare,
            "glp_simplex LP");
  free(c);
}
