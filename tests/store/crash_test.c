/*
 * crash_test.c — the event store survives a writer killed at any moment.
 *
 * A parent forks a writer that appends to one store in a loop — commit c is a
 * snapshot, a rebalance (with three trades) or a checkpoint of sequence
 * k = (c + 2) / 3, each its own transaction — and reports each committed c on
 * a pipe. After a random delay (fixed seed, 0-20 ms) the parent SIGKILLs it,
 * reopens the store (open runs PRAGMA quick_check) and checks that:
 *   - the records form an unbroken prefix of the writer's sequence: ids
 *     1..n contiguous in each table, S >= R >= C >= S - 1;
 *   - nothing committed was lost: S + R + C >= the last c reported, and at
 *     most one more (committed, killed before it could report);
 *   - every record is whole: payloads are valid JSON carrying their own
 *     sequence number, each rebalance has exactly its three trades, and a
 *     checkpoint's state names the NAV of the snapshot of the same sequence.
 * The next writer continues from what the store holds, so every round also
 * tests recovery of the previous round's WAL. Rounds: 200 (150 under ASan).
 */
#include <errno.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "folio/json.h"
#include "folio/store.h"
#include "testlib.h"

#if defined(__SANITIZE_ADDRESS__)
#define ROUNDS 150
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ROUNDS 150
#endif
#endif
#ifndef ROUNDS
#define ROUNDS 200
#endif

static int64_t count(folio_store *s, const char *table) {
  int64_t n = -1;
  folio_store_count(s, table, &n, NULL);
  return n;
}

/* The writer: never returns (killed by the parent, or _exit on failure). */
static void writer(const char *path, int fd) {
  folio_error err;
  folio_store *s = NULL;
  if (folio_store_open(path, FOLIO_STORE_CREATE, &s, &err) != FOLIO_OK) {
    fprintf(stderr, "writer: %s\n", err.message);
    _exit(3);
  }
  int64_t c = count(s, "snapshots") + count(s, "rebalances") + count(s, "checkpoints");
  char a[256], b[256];
  for (;;) {
    c++;
    int64_t k = (c + 2) / 3;
    folio_status st;
    if (c % 3 == 1) {
      snprintf(a, sizeof a, "{\"seq\":%lld,\"AAPL\":{\"qty\":%lld}}", (long long)k, (long long)k);
      folio_store_snapshot snap = {0, k, 1e6 + (double)k, 10.0, 0.9, 0.1, a};
      st = folio_store_record_snapshot(s, &snap, NULL, &err);
    } else if (c % 3 == 2) {
      snprintf(a, sizeof a, "{\"seq\":%lld,\"w\":{\"AAPL\":0.5,\"MSFT\":0.5}}", (long long)k);
      snprintf(b, sizeof b, "[{\"seq\":%lld,\"side\":\"buy\"}]", (long long)k);
      folio_store_rebalance r = {0, k, "crash", "0123456789abcdef", a, a, b, "[]", 0.01, NULL};
      folio_store_trade t[3] = {{"AAPL", 0.1}, {"MSFT", -0.1}, {"XOM", 0.05}};
      st = folio_store_record_rebalance(s, &r, t, 3, NULL, &err);
    } else {
      snprintf(a, sizeof a, "{\"seq\":%lld,\"nav\":%.1f}", (long long)k, 1e6 + (double)k);
      st = folio_store_save_checkpoint(s, k, a, NULL, &err);
    }
    if (st != FOLIO_OK) {
      fprintf(stderr, "writer: commit %lld: %s\n", (long long)c, err.message);
      _exit(4);
    }
    if (write(fd, &c, sizeof c) != (ssize_t)sizeof c) _exit(5);
  }
}

/* Runs one SQL query returning one row of integers into out[0..n). */
static int query_ints(sqlite3 *db, const char *sql, long long *out, int n) {
  sqlite3_stmt *stmt;
  if (sqlite3_prepare_v2(db, sql, -1, &stmt, NULL) != SQLITE_OK) return -1;
  int ok = sqlite3_step(stmt) == SQLITE_ROW;
  for (int i = 0; ok && i < n; i++) out[i] = sqlite3_column_int64(stmt, i);
  sqlite3_finalize(stmt);
  return ok ? 0 : -1;
}

/* Checks the JSON payloads of rows with id > from in column col of table. */
static int check_payloads(sqlite3 *db, const char *table, const char *col, long long from) {
  char sql[160];
  snprintf(sql, sizeof sql, "SELECT id, %s FROM %s WHERE id > %lld", col, table, from);
  sqlite3_stmt *stmt;
  if (sqlite3_prepare_v2(db, sql, -1, &stmt, NULL) != SQLITE_OK) return -1;
  int bad = 0;
  while (sqlite3_step(stmt) == SQLITE_ROW) {
    long long id = sqlite3_column_int64(stmt, 0);
    const char *text = (const char *)sqlite3_column_text(stmt, 1);
    char want[48];
    snprintf(want, sizeof want, "\"seq\":%lld", id);
    folio_error err;
    if (!text || folio_json_check(text, strlen(text), &err) != FOLIO_OK || !strstr(text, want)) {
      fprintf(stderr, "%s %lld: bad %s: %s\n", table, id, col, text ? text : "NULL");
      bad++;
    }
  }
  sqlite3_finalize(stmt);
  return bad;
}

int main(void) {
  char dir[] = "/tmp/folio_crash_XXXXXX";
  if (!mkdtemp(dir)) {
    perror("mkdtemp");
    return 1;
  }
  char path[128];
  snprintf(path, sizeof path, "%s/fund.db", dir);
  tl_rng rng = {20240621};
  long long seen[3] = {0, 0, 0}; /* rows already checked per table */
  long long last_reported_max = 0, kills_mid_run = 0;
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  for (int round = 1; round <= ROUNDS; round++) {
    int fds[2];
    if (pipe(fds) != 0) return 1;
    pid_t pid = fork();
    if (pid < 0) return 1;
    if (pid == 0) {
      close(fds[0]);
      writer(path, fds[1]);
    }
    close(fds[1]);
    long delay_us = (long)tl_index(&rng, 20001); /* 0-20 ms */
    struct timespec d = {0, delay_us * 1000L};
    nanosleep(&d, NULL);
    kill(pid, SIGKILL);
    int status = 0;
    waitpid(pid, &status, 0);
    CHECK_MSG(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL, "round %d: writer exited by itself (%d)",
              round, status);
    long long c = 0, reported = last_reported_max;
    ssize_t r;
    while ((r = read(fds[0], &c, sizeof c)) == (ssize_t)sizeof c) reported = c;
    close(fds[0]);
    if (reported > last_reported_max) kills_mid_run++;

    folio_error err;
    folio_store *s = NULL;
    if (access(path, F_OK) != 0) continue; /* killed before the file was created */
    if (folio_store_open(path, 0, &s, &err) != FOLIO_OK && reported == 0 && last_reported_max == 0 &&
        strstr(err.message, "is an empty file")) {
      /* killed while the first writer was creating the file: nothing was committed,
       * and the next writer (opening with CREATE) initialises it */
      continue;
    }
    if (err.status != FOLIO_OK) {
      CHECK_MSG(0, "round %d: reopen: %s", round, err.message);
      break;
    }
    folio_store_close(s); /* quick_check and schema passed */
    sqlite3 *db;
    sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL);
    long long S[3], R[3], C[3], T[2], ok[4];
    query_ints(db, "SELECT count(*), coalesce(min(id), 1), coalesce(max(id), 0) FROM snapshots", S, 3);
    query_ints(db, "SELECT count(*), coalesce(min(id), 1), coalesce(max(id), 0) FROM rebalances", R, 3);
    query_ints(db, "SELECT count(*), coalesce(min(id), 1), coalesce(max(id), 0) FROM checkpoints", C, 3);
    query_ints(db, "SELECT count(*), count(DISTINCT rebalance_id) FROM trades", T, 2);
    /* ids contiguous 1..n: nothing partial, nothing missing */
    CHECK_MSG(S[1] == 1 && S[2] == S[0] && R[1] == 1 && R[2] == R[0] && C[1] == 1 && C[2] == C[0],
              "round %d: ids not contiguous (S %lld..%lld/%lld, R %lld..%lld/%lld, C %lld..%lld/%lld)",
              round, S[1], S[2], S[0], R[1], R[2], R[0], C[1], C[2], C[0]);
    CHECK_MSG(S[0] >= R[0] && R[0] >= C[0] && C[0] >= S[0] - 1,
              "round %d: not a prefix of the sequence (S %lld, R %lld, C %lld)", round, S[0], R[0], C[0]);
    long long total = S[0] + R[0] + C[0];
    CHECK_MSG(total >= reported && total <= reported + 1,
              "round %d: %lld records, writer reported %lld committed", round, total, reported);
    CHECK_MSG(T[0] == 3 * R[0] && T[1] == R[0], "round %d: %lld trades over %lld rebalances for %lld rebalances",
              round, T[0], T[1], R[0]);
    /* every row's fields match its sequence number (aggregates over all rows) */
    query_ints(db,
               "SELECT (SELECT count(*) FROM snapshots WHERE timestamp <> id OR nav <> 1e6 + id),"
               " (SELECT count(*) FROM rebalances WHERE asof <> id OR turnover <> 0.01),"
               " (SELECT count(*) FROM checkpoints WHERE asof <> id),"
               " (SELECT count(*) FROM checkpoints c JOIN snapshots s ON s.id = c.id"
               "   WHERE instr(c.state_json, printf('\"nav\":%.1f', s.nav)) = 0)",
               ok, 4);
    CHECK_MSG(ok[0] == 0 && ok[1] == 0 && ok[2] == 0 && ok[3] == 0,
              "round %d: mismatched rows %lld %lld %lld %lld", round, ok[0], ok[1], ok[2], ok[3]);
    /* payloads of the rows written since the last round parse and carry their sequence */
    int bad = check_payloads(db, "snapshots", "positions_json", seen[0] > 1 ? seen[0] - 1 : 0) +
              check_payloads(db, "rebalances", "composite_json", seen[1] > 1 ? seen[1] - 1 : 0) +
              check_payloads(db, "rebalances", "orders_json", seen[1] > 1 ? seen[1] - 1 : 0) +
              check_payloads(db, "checkpoints", "state_json", seen[2] > 1 ? seen[2] - 1 : 0);
    CHECK_MSG(bad == 0, "round %d: %d bad payloads", round, bad);
    sqlite3_close(db);
    /* the latest checkpoint is the last committed one */
    s = NULL;
    folio_store_open(path, FOLIO_STORE_READONLY, &s, &err);
    folio_store_checkpoint *cp = NULL;
    if (s && folio_store_load_checkpoint(s, &cp, &err) == FOLIO_OK && C[0] > 0)
      CHECK_MSG(cp && cp->id == C[0] && cp->asof == C[0], "round %d: latest checkpoint", round);
    folio_store_checkpoint_free(cp);
    folio_store_close(s);
    seen[0] = S[0];
    seen[1] = R[0];
    seen[2] = C[0];
    if (reported > last_reported_max) last_reported_max = reported;
    /* the next writer resumes from the store, which may hold one more than reported */
    last_reported_max = total;
  }
  clock_gettime(CLOCK_MONOTONIC, &t1);
  printf("crash_test: %d rounds, %lld rounds killed a writer that had committed, %lld records "
         "(snapshots+rebalances+checkpoints), %.1f s\n",
         ROUNDS, kills_mid_run, last_reported_max,
         (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec));
  char buf[200];
  snprintf(buf, sizeof buf, "%s-wal", path);
  unlink(buf);
  snprintf(buf, sizeof buf, "%s-shm", path);
  unlink(buf);
  unlink(path);
  rmdir(dir);
  return tl_finish("crash_test");
}
