/*
 * crash_runs_test.c — runs and their orders survive a writer killed at any
 * moment, and a rerun picks up exactly where the killed one stopped.
 *
 * A parent forks a writer that works like `folio rebalance`: it resumes the
 * last run if it is still open (run_get, then marks only the orders still
 * intended), then opens run after run ("run-<k>", six orders, asof = k days):
 * run_open, marks the orders submitted in groups {1} {2} {3,4} {5} {6} (one
 * mark_submitted call, one transaction, each), and completes the run with
 * record_rebalance{run_key} (turnover = Σ |weight|). After a random delay
 * (fixed seed, 0-20 ms) the parent SIGKILLs it, reopens the store (open runs
 * PRAGMA quick_check) and checks that no transaction is partial:
 *   - runs are run-1..run-n, each with exactly its six orders;
 *   - every order is intended or submitted (submitted_at set exactly when
 *     submitted), submitted ones form a prefix by seq, 3 and 4 agree;
 *   - done runs have every order submitted and the rebalance that completed
 *     them (run_key set, one rebalance per done run); only the last run may
 *     be open;
 *   - turnover_since over everything equals Σ |weight| of submitted orders
 *     (a done run is not counted twice, an open one counts as far as it got).
 * Rounds: 150 (100 under ASan).
 */
#include <signal.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <time.h>

#include "storetest.h"
#include "testlib.h"

#if defined(__SANITIZE_ADDRESS__)
#define ROUNDS 100
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ROUNDS 100
#endif
#endif
#ifndef ROUNDS
#define ROUNDS 150
#endif

#define N_ORDERS 6
static const int64_t DAY = 86400;

static void die(const char *what, const folio_error *err) {
  fprintf(stderr, "writer: %s: %s\n", what, err->message);
  _exit(4);
}

/* Marks the intended orders of run `key` in groups, then completes it. */
static void finish_run(folio_store *s, const char *key, int64_t asof) {
  folio_error err;
  folio_store_run_info *info = NULL;
  if (folio_store_run_get(s, key, &info, &err) != FOLIO_OK) die("run_get", &err);
  if (strcmp(info->state, "done") == 0) {
    folio_store_run_info_free(info);
    return;
  }
  static const int groups[5][2] = {{1, 1}, {2, 2}, {3, 4}, {5, 5}, {6, 6}};
  double turnover = 0;
  for (size_t i = 0; i < info->n_orders; i++) turnover += fabs(info->orders[i].weight);
  for (int g = 0; g < 5; g++) {
    const char *ids[2];
    size_t n = 0;
    for (size_t i = 0; i < info->n_orders; i++)
      if (info->orders[i].seq >= groups[g][0] && info->orders[i].seq <= groups[g][1] &&
          info->orders[i].state == FOLIO_STORE_INTENDED)
        ids[n++] = info->orders[i].client_id;
    /* here the OMS would accept ids[0..n) (deduplicating by client id) */
    if (n && folio_store_mark_submitted(s, key, n, ids, asof + g, &err) != FOLIO_OK) die("mark_submitted", &err);
  }
  folio_store_rebalance rec = {0, asof, "crash", "d", NULL, NULL, "[]", NULL, turnover, key};
  if (folio_store_record_rebalance(s, &rec, NULL, 0, NULL, &err) != FOLIO_OK) die("record_rebalance", &err);
  folio_store_run_info_free(info);
}

/* The writer: never returns (killed by the parent, or _exit on failure). */
static void writer(const char *path) {
  folio_error err;
  folio_store *s = NULL;
  if (folio_store_open(path, FOLIO_STORE_CREATE, &s, &err) != FOLIO_OK) die("open", &err);
  if (folio_store_lock(s, "crash_runs_test writer", &err) != FOLIO_OK) die("lock", &err);
  int64_t k = st_count(s, "runs");
  char key[32];
  if (k > 0) { /* the rerun: resume the last run */
    snprintf(key, sizeof key, "run-%lld", (long long)k);
    finish_run(s, key, k * DAY);
  }
  for (;;) {
    k++;
    snprintf(key, sizeof key, "run-%lld", (long long)k);
    st_orders b;
    st_make_orders(&b, key, N_ORDERS);
    folio_store_run run = {key, "crash", k * DAY, "d", N_ORDERS, b.o};
    int existed;
    if (folio_store_run_open(s, &run, &existed, &err) != FOLIO_OK) die("run_open", &err);
    if (existed) die("run_open: a new run existed", &err);
    finish_run(s, key, k * DAY);
  }
}

static long long query_int(sqlite3 *db, const char *sql) {
  sqlite3_stmt *stmt;
  long long v = -1;
  if (sqlite3_prepare_v2(db, sql, -1, &stmt, NULL) != SQLITE_OK) return -2;
  if (sqlite3_step(stmt) == SQLITE_ROW) v = sqlite3_column_int64(stmt, 0);
  sqlite3_finalize(stmt);
  return v;
}

static int half_open; /* rounds that killed a run half-submitted */

/* Every invariant of the header comment; returns how many failed. */
static int check_store(const char *path, int round) {
  static const struct {
    const char *what, *sql;
  } zero[] = {
      {"a run without its six orders",
       "SELECT count(*) FROM runs r WHERE (SELECT count(*) FROM orders o WHERE o.run_key = r.key) <> 6"},
      {"orders of no run", "SELECT count(*) FROM orders WHERE run_key NOT IN (SELECT key FROM runs)"},
      {"a bad order state", "SELECT count(*) FROM orders WHERE state NOT IN ('intended', 'submitted')"},
      {"submitted_at not matching the state",
       "SELECT count(*) FROM orders WHERE (state = 'submitted') <> (submitted_at IS NOT NULL)"},
      {"submitted orders not a prefix",
       "SELECT count(*) FROM orders a JOIN orders b ON a.run_key = b.run_key AND a.seq < b.seq "
       "WHERE a.state = 'intended' AND b.state = 'submitted'"},
      {"orders 3 and 4 marked apart",
       "SELECT count(*) FROM orders a JOIN orders b ON a.run_key = b.run_key AND a.seq = 3 AND b.seq = 4 "
       "WHERE a.state <> b.state"},
      {"a done run with an intended order",
       "SELECT count(*) FROM runs r JOIN orders o ON o.run_key = r.key WHERE r.state = 'done' AND o.state = "
       "'intended'"},
      {"a done run without its rebalance",
       "SELECT count(*) FROM runs r WHERE r.state = 'done' AND NOT EXISTS "
       "(SELECT 1 FROM rebalances b WHERE b.id = r.rebalance_id AND b.run_key = r.key AND b.asof = r.asof)"},
      {"rebalances and done runs differ",
       "SELECT abs((SELECT count(*) FROM rebalances) - (SELECT count(*) FROM runs WHERE state = 'done'))"},
      {"an open run before the last",
       "SELECT count(*) FROM runs WHERE state = 'open' AND asof < (SELECT max(asof) FROM runs)"},
      {"run keys not run-1..run-n",
       "SELECT count(*) FROM runs WHERE key <> 'run-' || (asof / 86400) OR asof / 86400 > (SELECT count(*) FROM runs)"},
  };
  folio_error err;
  folio_store *s = NULL;
  if (folio_store_open(path, FOLIO_STORE_READONLY, &s, &err) != FOLIO_OK) {
    CHECK_MSG(0, "round %d: reopen: %s", round, err.message);
    return 1;
  }
  sqlite3 *db;
  sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL);
  int bad = 0;
  for (size_t i = 0; i < sizeof zero / sizeof zero[0]; i++) {
    long long n = query_int(db, zero[i].sql);
    CHECK_MSG(n == 0, "round %d: %s (%lld)", round, zero[i].what, n);
    bad += n != 0;
  }
  half_open += query_int(db, "SELECT count(*) FROM runs r WHERE r.state = 'open' AND EXISTS "
                             "(SELECT 1 FROM orders o WHERE o.run_key = r.key AND o.state = 'submitted')") > 0;
  double tot = -1;
  sqlite3_stmt *stmt;
  double want = -2;
  if (sqlite3_prepare_v2(db, "SELECT total(abs(weight)) FROM orders WHERE state = 'submitted'", -1, &stmt,
                         NULL) == SQLITE_OK && sqlite3_step(stmt) == SQLITE_ROW)
    want = sqlite3_column_double(stmt, 0);
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  CHECK(folio_store_turnover_since(s, 500000 * DAY, 1e6, &tot, &err) == FOLIO_OK);
  int same = fabs(tot - want) <= 1e-9 * (1 + want);
  CHECK_MSG(same, "round %d: turnover %.17g, submitted %.17g", round, tot, want);
  bad += !same;
  folio_store_close(s);
  return bad;
}

int main(void) {
  if (st_make_dir("folio_crash_runs_") != 0) return 1;
  const char *path = st_path("fund.db");
  tl_rng rng = {20261207};
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  int rounds = 0;
  for (int round = 1; round <= ROUNDS; round++, rounds++) {
    pid_t pid = fork();
    if (pid < 0) return 1;
    if (pid == 0) writer(path);
    long delay_us = (long)tl_index(&rng, 20001); /* 0-20 ms */
    struct timespec d = {0, delay_us * 1000L};
    nanosleep(&d, NULL);
    kill(pid, SIGKILL);
    int status = 0;
    waitpid(pid, &status, 0);
    CHECK_MSG(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL, "round %d: writer exited by itself (%d)", round,
              status);
    if (access(path, F_OK) != 0) continue; /* killed before the file was created */
    folio_error err;
    folio_store *probe = NULL;
    if (folio_store_open(path, FOLIO_STORE_READONLY, &probe, &err) != FOLIO_OK &&
        strstr(err.message, "is empty")) {
      continue; /* killed while the first writer was creating the file: nothing committed */
    }
    folio_store_close(probe);
    if (check_store(path, round) > 0) break;
  }
  clock_gettime(CLOCK_MONOTONIC, &t1);
  folio_error err;
  folio_store *s = NULL;
  int64_t runs = 0, done = 0;
  if (folio_store_open(path, FOLIO_STORE_READONLY, &s, &err) == FOLIO_OK) {
    runs = st_count(s, "runs");
    done = st_count(s, "rebalances");
  }
  folio_store_close(s);
  CHECK_MSG(runs > 10, "only %lld runs were written in %d rounds", (long long)runs, rounds);
  CHECK_MSG(half_open > 0, "no round killed a run half-submitted");
  printf("crash_runs_test: %d rounds (%d killed a run half-submitted), %lld runs (%lld done), %.1f s\n", rounds,
         half_open, (long long)runs, (long long)done,
         (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec));
  st_remove(path);
  rmdir(st_dir);
  return tl_finish("crash_runs_test");
}
