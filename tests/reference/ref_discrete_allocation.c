/*
 * ref_discrete_allocation.c — the greedy of folio_discrete_allocate against
 * PyPortfolioOpt's DiscreteAllocation.greedy_portfolio, number for number:
 * the cases of tests/reference/discrete_allocation_greedy.txt (written by
 * discrete_allocation_greedy.py, a line-for-line numpy re-implementation of
 * greedy_portfolio; prices from PyPortfolioOpt's own stock_prices.csv, last
 * row). Shares must be equal and the leftover equal to the cent. The file is
 * in the source tree, so nothing is skipped.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "folio/discrete_allocation.h"
#include "testlib.h"

#define MAXN 64

typedef struct ref_case {
  char name[64];
  double capital, short_ratio;
  int reinvest;
  size_t n, n_expect;
  char sym[MAXN][16], esym[MAXN][16];
  double w[MAXN], p[MAXN], eshares[MAXN];
  double leftover;
} ref_case;

static void run_case(const ref_case *c) {
  const char *syms[MAXN];
  for (size_t i = 0; i < c->n; i++) syms[i] = c->sym[i];
  folio_discrete_opts o = folio_discrete_defaults();
  o.capital = c->capital;
  o.short_ratio = c->short_ratio;
  o.reinvest = c->reinvest;
  folio_discrete_position out[MAXN];
  folio_discrete_info info;
  folio_error err;
  folio_status st = folio_discrete_allocate(c->n, syms, c->w, c->p, &o, out, &info, &err);
  CHECK_MSG(st == FOLIO_OK, "%s: %s", c->name, err.message);
  if (st != FOLIO_OK) return;
  size_t held = 0;
  for (size_t i = 0; i < c->n; i++) {
    double want = 0.0;
    for (size_t k = 0; k < c->n_expect; k++)
      if (strcmp(c->esym[k], out[i].symbol) == 0) want = c->eshares[k];
    CHECK_MSG(out[i].shares == want, "%s: %s holds %g, PyPortfolioOpt %g", c->name, out[i].symbol,
              out[i].shares, want);
    held += out[i].shares != 0.0;
  }
  CHECK_EQ_INT(held, c->n_expect);
  CHECK_MSG(fabs(info.leftover - c->leftover) <= 0.005 + 1e-9, "%s: leftover %.6f, PyPortfolioOpt %.6f",
            c->name, info.leftover, c->leftover);
  printf("%-22s %2zu names, %2zu held, leftover %.2f (PyPortfolioOpt %.6f)\n", c->name, c->n,
         held, info.leftover, c->leftover);
}

int main(void) {
  const char *src = getenv("FOLIO_SOURCE_DIR");
  char path[4096];
  snprintf(path, sizeof path, "%s/tests/reference/discrete_allocation_greedy.txt", src ? src : ".");
  FILE *f = fopen(path, "r");
  CHECK_MSG(f != NULL, "cannot open %s", path);
  if (!f) return tl_finish("ref_discrete_allocation");
  static ref_case c;
  char line[512], a[64], b[16];
  double x, y;
  int cases = 0;
  while (fgets(line, sizeof line, f)) {
    if (line[0] == '#') continue;
    if (sscanf(line, "case %63s", a) == 1) {
      memset(&c, 0, sizeof c);
      snprintf(c.name, sizeof c.name, "%s", a);
      c.short_ratio = NAN;
    } else if (sscanf(line, "capital %lf", &x) == 1) {
      c.capital = x;
    } else if (sscanf(line, "short_ratio %63s", a) == 1) {
      c.short_ratio = strcmp(a, "none") == 0 ? NAN : strtod(a, NULL);
    } else if (sscanf(line, "reinvest %lf", &x) == 1) {
      c.reinvest = x != 0.0;
    } else if (sscanf(line, "weight %15s %lf %lf", b, &x, &y) == 3 && c.n < MAXN) {
      snprintf(c.sym[c.n], 16, "%s", b);
      c.w[c.n] = x;
      c.p[c.n] = y;
      c.n++;
    } else if (sscanf(line, "expect %15s %lf", b, &x) == 2 && c.n_expect < MAXN) {
      snprintf(c.esym[c.n_expect], 16, "%s", b);
      c.eshares[c.n_expect++] = x;
    } else if (sscanf(line, "leftover %lf", &x) == 1) {
      c.leftover = x;
    } else if (strncmp(line, "end", 3) == 0) {
      run_case(&c);
      cases++;
    }
  }
  fclose(f);
  CHECK_EQ_INT(cases, 6);
  return tl_finish("ref_discrete_allocation");
}
