/*
 * test_host_threads.c — eight hosts on eight threads size the same
 * portfolio through the shipped policy and must agree bit for bit (hosts
 * share nothing; the core has no globals).
 */
#include <pthread.h>
#include <string.h>

#include "folio/host.h"
#include "testlib.h"

enum { N_THREADS = 8, N_ASSETS = 30, N_ROWS = 300, REPS = 5 };

typedef struct job {
  const double *returns;
  const double *signal;
  const char **symbols;
  double w[N_ASSETS];
  folio_status st;
  char msg[4096];
} job;

static void *work(void *arg) {
  job *j = arg;
  folio_host *h = NULL;
  folio_error err;
  if ((j->st = folio_host_create(NULL, &h, &err)) != FOLIO_OK) {
    snprintf(j->msg, sizeof j->msg, "%s", err.message);
    return NULL;
  }
  folio_host_sizing in = {0};
  in.n_assets = N_ASSETS;
  in.symbols = j->symbols;
  in.signal = j->signal;
  in.returns = j->returns;
  in.n_rows = N_ROWS;
  in.nav_usd = 1e6;
  for (int r = 0; r < REPS && j->st == FOLIO_OK; r++) {
    j->st = folio_host_size(h, "kelly_voltarget_12", &in, j->w);
    if (j->st != FOLIO_OK) snprintf(j->msg, sizeof j->msg, "%s", folio_host_error(h));
  }
  folio_host_destroy(h);
  return NULL;
}

int main(void) {
  static double returns[N_ROWS * N_ASSETS], signal[N_ASSETS];
  static char names[N_ASSETS][8];
  const char *symbols[N_ASSETS];
  tl_rng rng = {2024};
  for (int j = 0; j < N_ASSETS; j++) {
    snprintf(names[j], sizeof names[j], "S%02d", j);
    symbols[j] = names[j];
    signal[j] = tl_normal(&rng);
  }
  for (int t = 0; t < N_ROWS; t++) {
    double mkt = 0.01 * tl_normal(&rng);
    for (int j = 0; j < N_ASSETS; j++) returns[t + j * N_ROWS] = mkt + 0.02 * tl_normal(&rng);
  }
  job jobs[N_THREADS];
  pthread_t th[N_THREADS];
  for (int i = 0; i < N_THREADS; i++) {
    memset(&jobs[i], 0, sizeof jobs[i]);
    jobs[i].returns = returns;
    jobs[i].signal = signal;
    jobs[i].symbols = symbols;
    CHECK(pthread_create(&th[i], NULL, work, &jobs[i]) == 0);
  }
  for (int i = 0; i < N_THREADS; i++) pthread_join(th[i], NULL);
  for (int i = 0; i < N_THREADS; i++) {
    CHECK_MSG(jobs[i].st == FOLIO_OK, "thread %d: %s", i, jobs[i].msg);
    CHECK_MSG(memcmp(jobs[i].w, jobs[0].w, sizeof jobs[0].w) == 0, "thread %d differs", i);
  }
  double gross = 0;
  for (int j = 0; j < N_ASSETS; j++) gross += jobs[0].w[j] < 0 ? -jobs[0].w[j] : jobs[0].w[j];
  CHECK(gross > 0);
  return tl_finish("test_host_threads");
}
