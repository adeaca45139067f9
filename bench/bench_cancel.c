/*
 * bench_cancel.c — what the deadline costs inside the core (cancel.h): each
 * polling solver with a folio_cancel whose poll reads CLOCK_MONOTONIC, as
 * the host's does, against the same call with cancel = NULL, interleaved.
 * The ratio is the cost of the bounds (issue 11: at most 5 %); the polls per
 * call say why it is small (a counter and a branch per iteration, a clock
 * read every ~1e6 flops).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "bench.h"
#include "folio/risk_sizers.h"
#include "folio/turnover.h"

typedef struct cancel_ctx {
  int which; /* 0 risk_parity Newton, 1 risk_parity coordinate descent, 2 turnover */
  size_t n;
  double *cov, *w, *t, *w0;
  const folio_cancel *cancel;
} cancel_ctx;

static long n_polls;

/* The host's poll: a clock read against a deadline (never reached here). */
static int poll_clock(void *ud) {
  n_polls++;
  return bench_now() > *(const double *)ud;
}

static void run_call(cancel_ctx *c, const folio_cancel *cancel) {
  folio_error err;
  folio_status st;
  if (c->which < 2) {
    folio_risk_sizer_opts o = folio_risk_sizer_defaults();
    if (c->which == 1) o.tol = 1e-300, o.max_iter = 400; /* 20,000 sweeps */
    o.cancel = cancel;
    st = folio_risk_parity(c->n, c->cov, c->n, NULL, &o, c->w, NULL, NULL, NULL, &err);
  } else {
    folio_turnover_opts o = folio_turnover_defaults();
    o.cancel = cancel;
    st = folio_turnover_project(c->n, c->t, c->w0, c->cov, c->n, NULL, 0.1, &o, c->w, NULL, NULL,
                                &err);
  }
  if (st != FOLIO_OK) fprintf(stderr, "bench_cancel: %s\n", err.message);
}

static void run_polled(void *p) {
  cancel_ctx *c = p;
  run_call(c, c->cancel);
}

static void run_plain(void *p) { run_call(p, NULL); }

void bench_cancel(void) {
  static const char *const what[] = {"risk_parity polled", "risk_parity CD polled",
                                     "turnover dense polled"};
  static const size_t sizes[] = {500, 20, 500};
  double deadline = INFINITY;
  folio_cancel cancel = {poll_clock, &deadline};
  for (int k = 0; k < 3; k++) {
    size_t n = sizes[k], f = n / 2 + 2;
    cancel_ctx c = {k, n, NULL, NULL, NULL, NULL, &cancel};
    double *b = malloc(sizeof(double) * n * f);
    c.cov = malloc(sizeof(double) * n * n);
    c.w = malloc(sizeof(double) * n);
    c.t = malloc(sizeof(double) * n);
    c.w0 = malloc(sizeof(double) * n);
    bench_fill_normal(b, n * f, 41 + (uint64_t)k);
    for (size_t j = 0; j < n; j++)
      for (size_t i = 0; i < n; i++) {
        double s = 0;
        for (size_t q = 0; q < f; q++) s += b[i + q * n] * b[j + q * n];
        c.cov[i + j * n] = 0.0001 * s / (double)f + (i == j ? 1e-4 * (1.0 + (double)(i % 7)) : 0.0);
      }
    for (size_t i = 0; i < n; i++) c.t[i] = 0.05 * sin((double)i), c.w0[i] = 0.05 * cos(3.0 * i);
    n_polls = 0;
    int reps = 21;
    double plain_s, polled_s = bench_interleaved(run_polled, &c, run_plain, &c, reps, &plain_s);
    char size[32];
    snprintf(size, sizeof size, "A=%zu, %.0f polls", n, (double)n_polls / (reps + 1));
    bench_row(what[k], size, polled_s, plain_s, "cancel = NULL");
    free(b), free(c.cov), free(c.w), free(c.t), free(c.w0);
  }
}
