/*
 * test_store.c — the event store (store.h): open/create, schema version,
 * every record and query (turnover window edges), payloads refused when
 * they are not JSON, and the bad files: locked, read-only, corrupt,
 * foreign, newer. (The JSON checker itself: test_json.c.)
 * Each bad file must fail with a clear message and stay byte-for-byte unchanged.
 */
#include <sqlite3.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "folio/json.h"
#include "folio/store.h"
#include "testlib.h"

static char dir[64];

static const char *tmp_path(const char *name) {
  static char buf[4][256];
  static int k;
  char *p = buf[k++ & 3];
  snprintf(p, 256, "%s/%s", dir, name);
  return p;
}

/* Whole file into a malloc'd buffer (*n bytes); NULL if unreadable. */
static unsigned char *slurp(const char *path, size_t *n) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  fseek(f, 0, SEEK_END);
  long len = ftell(f);
  fseek(f, 0, SEEK_SET);
  unsigned char *p = malloc(len > 0 ? (size_t)len : 1);
  *n = fread(p, 1, (size_t)len, f);
  fclose(f);
  return p;
}

static int same_bytes(const unsigned char *a, size_t na, const char *path) {
  size_t nb = 0;
  unsigned char *b = slurp(path, &nb);
  int same = b && na == nb && memcmp(a, b, na) == 0;
  free(b);
  return same;
}

static void remove_db(const char *path) {
  char buf[300];
  unlink(path);
  snprintf(buf, sizeof buf, "%s-wal", path);
  unlink(buf);
  snprintf(buf, sizeof buf, "%s-shm", path);
  unlink(buf);
}

static int64_t count(folio_store *s, const char *table) {
  int64_t n = -1;
  folio_store_count(s, table, &n, NULL);
  return n;
}

static void test_open_and_schema(void) {
  folio_error err;
  folio_store *s = NULL;
  const char *path = tmp_path("a.db");
  CHECK_ERR(folio_store_open(path, 0, &s, &err), err, FOLIO_ENOTFOUND, "no store at");
  CHECK_ERR(folio_store_open(path, FOLIO_STORE_READONLY | FOLIO_STORE_CREATE, &s, &err), err,
            FOLIO_ENOTFOUND, "no store at");
  CHECK(access(path, F_OK) != 0); /* nothing created */
  CHECK_ERR(folio_store_open("", FOLIO_STORE_CREATE, &s, &err), err, FOLIO_EINVAL, "empty");
  CHECK_ERR(folio_store_open(path, 8, &s, &err), err, FOLIO_EINVAL, "unknown flags");
  CHECK_ERR(folio_store_open(dir, FOLIO_STORE_CREATE, &s, &err), err, FOLIO_EIO, "directory");
  /* SQLite URIs are refused before SQLite sees them (Debian's SQLite takes URIs by default) */
  char uri[4200];
  snprintf(uri, sizeof uri, "file:%s?mode=rwc", path);
  CHECK_ERR(folio_store_open(uri, FOLIO_STORE_CREATE, &s, &err), err, FOLIO_EINVAL, "looks like an SQLite URI");
  CHECK_ERR(folio_store_open("file:../x.db", FOLIO_STORE_CREATE, &s, &err), err, FOLIO_EINVAL, "./file:../x.db");
  CHECK_ERR(folio_store_open("FILE:x.db", FOLIO_STORE_CREATE | FOLIO_STORE_READONLY, &s, &err), err, FOLIO_EINVAL, "URI");
  CHECK(access(path, F_OK) != 0); /* nothing created */
  /* a file whose name starts with "file:" is reached through a path: a plain name */
  const char *odd = tmp_path("file:plain.db");
  CHECK(folio_store_open(odd, FOLIO_STORE_CREATE, &s, &err) == FOLIO_OK);
  folio_store_close(s);
  s = NULL;
  CHECK(access(odd, F_OK) == 0);
  CHECK(s == NULL);
  CHECK(folio_store_open(path, FOLIO_STORE_CREATE, &s, &err) == FOLIO_OK);
  CHECK(!folio_store_readonly(s));
  CHECK(strcmp(folio_store_path(s), path) == 0);
  CHECK_EQ_INT(count(s, "rebalances"), 0);
  CHECK_ERR(folio_store_count(s, "meta; DROP TABLE x", &(int64_t){0}, &err), err, FOLIO_ENOTFOUND, "unknown table");
  folio_store_close(s);
  folio_store_close(NULL);
  /* reopen: schema found, WAL mode kept */
  s = NULL;
  CHECK(folio_store_open(path, 0, &s, &err) == FOLIO_OK);
  folio_store_close(s);
  sqlite3 *db;
  sqlite3_open(path, &db);
  sqlite3_stmt *stmt;
  sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &stmt, NULL);
  CHECK(sqlite3_step(stmt) == SQLITE_ROW && strcmp((const char *)sqlite3_column_text(stmt, 0), "wal") == 0);
  sqlite3_finalize(stmt);
  sqlite3_prepare_v2(db, "SELECT value FROM meta WHERE key = 'schema_version'", -1, &stmt, NULL);
  CHECK(sqlite3_step(stmt) == SQLITE_ROW && strcmp((const char *)sqlite3_column_text(stmt, 0), "2") == 0);
  sqlite3_finalize(stmt);
  /* a newer schema is refused and left alone */
  sqlite3_exec(db, "UPDATE meta SET value = '3' WHERE key = 'schema_version'", NULL, NULL, NULL);
  sqlite3_close(db);
  size_t n0;
  unsigned char *before = slurp(path, &n0);
  s = NULL;
  CHECK_ERR(folio_store_open(path, FOLIO_STORE_CREATE, &s, &err), err, FOLIO_EINVAL,
            "schema version 3, newer than this folio supports (2)");
  CHECK(s == NULL);
  CHECK(same_bytes(before, n0, path));
  free(before);
  remove_db(path);

  /* a foreign SQLite file: not ours, not touched */
  const char *foreign = tmp_path("foreign.db");
  sqlite3_open(foreign, &db);
  sqlite3_exec(db, "CREATE TABLE t(x); INSERT INTO t VALUES(1)", NULL, NULL, NULL);
  sqlite3_close(db);
  before = slurp(foreign, &n0);
  CHECK_ERR(folio_store_open(foreign, FOLIO_STORE_CREATE, &s, &err), err, FOLIO_EIO, "not a folio store");
  CHECK(same_bytes(before, n0, foreign));
  free(before);
  remove_db(foreign);

  /* an empty existing file: initialised only with CREATE */
  const char *empty = tmp_path("empty.db");
  fclose(fopen(empty, "wb"));
  CHECK_ERR(folio_store_open(empty, 0, &s, &err), err, FOLIO_EIO, "empty file");
  CHECK(folio_store_open(empty, FOLIO_STORE_CREATE, &s, &err) == FOLIO_OK);
  folio_store_close(s);
  remove_db(empty);
}

static void test_records(void) {
  folio_error err;
  folio_store *s = NULL;
  const char *path = tmp_path("rec.db");
  CHECK(folio_store_open(path, FOLIO_STORE_CREATE, &s, &err) == FOLIO_OK);
  const int64_t day = 86400, T = 1718928000; /* 2024-06-21 */
  /* turnover window (T - 7d, T]: the left edge is excluded, T included, T+1 excluded */
  const int64_t asofs[] = {T - 7 * day, T - 7 * day + 1, T - day, T, T + 1};
  const double turn[] = {1.0, 0.25, 0.5, 0.125, 8.0};
  folio_store_trade trades[] = {{"AAPL", 0.1}, {"MSFT", -0.05}};
  for (int i = 0; i < 5; i++) {
    folio_store_rebalance r = {0, asofs[i], "fund-a", "abc123", "{\"w\":{\"AAPL\":0.1}}", "[0.5,0.5]",
                               "[]", i == 0 ? NULL : "{\"ok\":true}", turn[i], NULL};
    int64_t id = 0;
    CHECK(folio_store_record_rebalance(s, &r, trades, 2, &id, &err) == FOLIO_OK);
    CHECK_EQ_INT(id, i + 1);
  }
  CHECK_EQ_INT(count(s, "rebalances"), 5);
  CHECK_EQ_INT(count(s, "trades"), 10);
  double tot = -1;
  CHECK(folio_store_turnover_since(s, T, 7, &tot, &err) == FOLIO_OK);
  CHECK_NEAR(tot, 0.875, 0);
  CHECK(folio_store_turnover_since(s, T, 0, &tot, &err) == FOLIO_OK);
  CHECK_NEAR(tot, 0.0, 0);
  CHECK(folio_store_turnover_since(s, T + 1, 1.0 / 86400, &tot, &err) == FOLIO_OK);
  CHECK_NEAR(tot, 8.0, 0);
  CHECK(folio_store_turnover_since(s, T - 30 * day, 7, &tot, &err) == FOLIO_OK);
  CHECK_NEAR(tot, 0.0, 0);
  CHECK_ERR(folio_store_turnover_since(s, T, -1, &tot, &err), err, FOLIO_EINVAL, "days");
  CHECK_ERR(folio_store_turnover_since(s, T, NAN, &tot, &err), err, FOLIO_EINVAL, "days");

  folio_store_rebalance_list *list = NULL;
  CHECK(folio_store_rebalances(s, T - day, T, &list, &err) == FOLIO_OK);
  CHECK(list && list->count == 2);
  if (list && list->count == 2) {
    CHECK(list->items[0].asof == T - day && list->items[1].asof == T);
    CHECK(strcmp(list->items[0].fund, "fund-a") == 0);
    CHECK(strcmp(list->items[0].composite_json, "{\"w\":{\"AAPL\":0.1}}") == 0);
    CHECK(strcmp(list->items[1].decisions_json, "{\"ok\":true}") == 0);
    CHECK_NEAR(list->items[0].turnover, 0.5, 0);
  }
  folio_store_rebalance_list_free(list);
  CHECK(folio_store_rebalances(s, INT64_MIN, INT64_MAX, &list, &err) == FOLIO_OK);
  CHECK(list->count == 5 && list->items[0].decisions_json == NULL);
  folio_store_rebalance_list_free(list);
  CHECK_ERR(folio_store_rebalances(s, T, T - 1, &list, &err), err, FOLIO_EINVAL, "from is after to");

  /* bad records: nothing written */
  folio_store_rebalance bad = {0, T, "fund-a", NULL, "{\"w\":NaN}", NULL, NULL, NULL, 0.1, NULL};
  CHECK_ERR(folio_store_record_rebalance(s, &bad, NULL, 0, NULL, &err), err, FOLIO_EPARSE,
            "composite is not valid JSON");
  bad.composite_json = NULL;
  bad.turnover = -1;
  CHECK_ERR(folio_store_record_rebalance(s, &bad, NULL, 0, NULL, &err), err, FOLIO_EINVAL, "turnover");
  bad.turnover = NAN;
  CHECK_ERR(folio_store_record_rebalance(s, &bad, NULL, 0, NULL, &err), err, FOLIO_ENOTFINITE, "turnover");
  bad.turnover = 0;
  bad.fund = "";
  CHECK_ERR(folio_store_record_rebalance(s, &bad, NULL, 0, NULL, &err), err, FOLIO_EINVAL, "fund");
  bad.fund = "f";
  folio_store_trade bad_trade[] = {{"A", 0.1}, {"", 0.2}};
  CHECK_ERR(folio_store_record_rebalance(s, &bad, bad_trade, 2, NULL, &err), err, FOLIO_EINVAL,
            "trade #2 has an empty symbol");
  CHECK_EQ_INT(count(s, "rebalances"), 5);
  CHECK_EQ_INT(count(s, "trades"), 10);

  /* snapshots and checkpoints: the last one saved comes back */
  folio_store_snapshot *snap = NULL;
  CHECK(folio_store_latest_snapshot(s, &snap, &err) == FOLIO_OK && snap == NULL);
  folio_store_checkpoint *cp = NULL;
  CHECK(folio_store_load_checkpoint(s, &cp, &err) == FOLIO_OK && cp == NULL);
  for (int i = 1; i <= 3; i++) {
    char pos[64], state[64];
    snprintf(pos, sizeof pos, "{\"AAPL\":{\"qty\":%d}}", i);
    snprintf(state, sizeof state, "{\"seq\":%d}", i);
    folio_store_snapshot in = {0, T + i, 1e6 + i, 100.0, 0.9, 0.1, pos};
    int64_t id;
    CHECK(folio_store_record_snapshot(s, &in, &id, &err) == FOLIO_OK && id == i);
    CHECK(folio_store_save_checkpoint(s, T + i, state, &id, &err) == FOLIO_OK && id == i);
  }
  CHECK(folio_store_latest_snapshot(s, &snap, &err) == FOLIO_OK && snap);
  if (snap) {
    CHECK(snap->id == 3 && snap->timestamp == T + 3);
    CHECK_NEAR(snap->nav, 1e6 + 3, 0);
    CHECK_NEAR(snap->cash, 100.0, 0);
    CHECK_NEAR(snap->gross, 0.9, 0);
    CHECK_NEAR(snap->net, 0.1, 0);
    CHECK(strcmp(snap->positions_json, "{\"AAPL\":{\"qty\":3}}") == 0);
  }
  folio_store_snapshot_free(snap);
  CHECK(folio_store_load_checkpoint(s, &cp, &err) == FOLIO_OK && cp);
  if (cp) CHECK(cp->id == 3 && cp->asof == T + 3 && strcmp(cp->state_json, "{\"seq\":3}") == 0);
  folio_store_checkpoint_free(cp);
  /* the chain: every checkpoint after an id, by id */
  folio_store_checkpoint_list *chain = NULL;
  CHECK(folio_store_checkpoints(s, 0, &chain, &err) == FOLIO_OK && chain && chain->count == 3);
  for (size_t i = 0; chain && i < chain->count; i++) {
    char want[32];
    snprintf(want, sizeof want, "{\"seq\":%d}", (int)i + 1);
    CHECK(chain->items[i].id == (int64_t)i + 1 && chain->items[i].asof == T + (int64_t)i + 1);
    CHECK(strcmp(chain->items[i].state_json, want) == 0);
  }
  folio_store_checkpoint_list_free(chain);
  CHECK(folio_store_checkpoints(s, 2, &chain, &err) == FOLIO_OK && chain && chain->count == 1 && chain->items[0].id == 3);
  folio_store_checkpoint_list_free(chain);
  CHECK(folio_store_checkpoints(s, 3, &chain, &err) == FOLIO_OK && chain && chain->count == 0);
  folio_store_checkpoint_list_free(chain);
  folio_store_checkpoint_list_free(NULL);
  CHECK_ERR(folio_store_checkpoints(s, -1, &chain, &err), err, FOLIO_EINVAL, "after must be >= 0");
  CHECK_ERR(folio_store_checkpoints(s, 0, NULL, &err), err, FOLIO_EINVAL, "out is NULL");
  CHECK_ERR(folio_store_checkpoints(NULL, 0, &chain, &err), err, FOLIO_EINVAL, "checkpoints");
  folio_store_snapshot bad_snap = {0, T, NAN, 0, 0, 0, NULL};
  CHECK_ERR(folio_store_record_snapshot(s, &bad_snap, NULL, &err), err, FOLIO_ENOTFINITE, "nav");
  bad_snap.nav = 1;
  bad_snap.positions_json = "{\"a\":";
  CHECK_ERR(folio_store_record_snapshot(s, &bad_snap, NULL, &err), err, FOLIO_EPARSE, "positions is not valid JSON");
  CHECK_ERR(folio_store_save_checkpoint(s, T, "[[[", NULL, &err), err, FOLIO_EPARSE, "state is not valid JSON");
  CHECK_EQ_INT(count(s, "snapshots"), 3);
  CHECK_EQ_INT(count(s, "checkpoints"), 3);
  folio_store_close(s);
  /* survives a reopen */
  CHECK(folio_store_open(path, FOLIO_STORE_READONLY, &s, &err) == FOLIO_OK);
  CHECK(folio_store_readonly(s));
  CHECK(folio_store_load_checkpoint(s, &cp, &err) == FOLIO_OK && cp && cp->id == 3);
  folio_store_checkpoint_free(cp);
  CHECK_ERR(folio_store_save_checkpoint(s, T, "{}", NULL, &err), err, FOLIO_EIO, "read-only");
  folio_store_close(s);
  remove_db(path);
}

static void test_locked(void) {
  folio_error err;
  folio_store *s = NULL;
  const char *path = tmp_path("locked.db");
  CHECK(folio_store_open(path, FOLIO_STORE_CREATE, &s, &err) == FOLIO_OK);
  CHECK_ERR(folio_store_set_busy_timeout(s, -1, &err), err, FOLIO_EINVAL, "milliseconds");
  CHECK(folio_store_set_busy_timeout(s, 100, &err) == FOLIO_OK);
  sqlite3 *other;
  sqlite3_open(path, &other);
  CHECK(sqlite3_exec(other, "BEGIN IMMEDIATE; INSERT INTO checkpoints(asof, state_json) VALUES(1, '{}')",
                     NULL, NULL, NULL) == SQLITE_OK);
  folio_store_snapshot snap = {0, 5, 1.0, 0, 0, 0, "{}"};
  CHECK_ERR(folio_store_record_snapshot(s, &snap, NULL, &err), err, FOLIO_EIO, "is locked by another connection");
  CHECK(strstr(err.message, path) != NULL);
  CHECK_ERR(folio_store_save_checkpoint(s, 5, "{}", NULL, &err), err, FOLIO_EIO, "locked");
  /* readers are not blocked by a writer (WAL) */
  CHECK_EQ_INT(count(s, "checkpoints"), 0);
  /* a second store handle opens fine while the lock is held */
  folio_store *s2 = NULL;
  CHECK(folio_store_open(path, 0, &s2, &err) == FOLIO_OK);
  folio_store_close(s2);
  sqlite3_exec(other, "ROLLBACK", NULL, NULL, NULL);
  sqlite3_close(other);
  CHECK_EQ_INT(count(s, "snapshots"), 0);
  CHECK_EQ_INT(count(s, "checkpoints"), 0);
  CHECK(folio_store_record_snapshot(s, &snap, NULL, &err) == FOLIO_OK);
  CHECK_EQ_INT(count(s, "snapshots"), 1);
  folio_store_close(s);
  remove_db(path);
}

static void test_readonly_file(void) {
  folio_error err;
  folio_store *s = NULL;
  const char *path = tmp_path("ro.db");
  CHECK(folio_store_open(path, FOLIO_STORE_CREATE, &s, &err) == FOLIO_OK);
  CHECK(folio_store_save_checkpoint(s, 7, "{\"x\":1}", NULL, &err) == FOLIO_OK);
  folio_store_close(s);
  chmod(path, 0444);
  size_t n0;
  unsigned char *before = slurp(path, &n0);
  s = NULL;
  CHECK(folio_store_open(path, FOLIO_STORE_CREATE, &s, &err) == FOLIO_OK);
  if (s) {
    CHECK(folio_store_readonly(s));
    folio_store_checkpoint *cp = NULL;
    CHECK(folio_store_load_checkpoint(s, &cp, &err) == FOLIO_OK && cp && cp->asof == 7);
    folio_store_checkpoint_free(cp);
    CHECK_ERR(folio_store_save_checkpoint(s, 8, "{}", NULL, &err), err, FOLIO_EIO, "is read-only");
    folio_store_snapshot snap = {0, 5, 1.0, 0, 0, 0, NULL};
    CHECK_ERR(folio_store_record_snapshot(s, &snap, NULL, &err), err, FOLIO_EIO, "read-only");
    folio_store_rebalance r = {0, 1, "f", NULL, NULL, NULL, NULL, NULL, 0, NULL};
    CHECK_ERR(folio_store_record_rebalance(s, &r, NULL, 0, NULL, &err), err, FOLIO_EIO, "read-only");
    folio_store_close(s);
  }
  CHECK(same_bytes(before, n0, path));
  free(before);
  chmod(path, 0644);
  remove_db(path);
}

static void test_corrupt(void) {
  folio_error err;
  folio_store *s = NULL;
  /* garbage: not an SQLite file at all */
  const char *path = tmp_path("garbage.db");
  FILE *f = fopen(path, "wb");
  tl_rng rng = {7};
  for (int i = 0; i < 8192; i++) fputc((int)(tl_next(&rng) & 0xff), f);
  fclose(f);
  size_t n0;
  unsigned char *before = slurp(path, &n0);
  CHECK_ERR(folio_store_open(path, FOLIO_STORE_CREATE, &s, &err), err, FOLIO_EIO, "corrupt");
  CHECK(strstr(err.message, path) != NULL);
  CHECK_ERR(folio_store_open(path, FOLIO_STORE_READONLY, &s, &err), err, FOLIO_EIO, "corrupt");
  CHECK(s == NULL);
  CHECK(same_bytes(before, n0, path));
  free(before);
  remove_db(path);

  /* a real store whose pages were damaged: quick_check notices */
  path = tmp_path("damaged.db");
  CHECK(folio_store_open(path, FOLIO_STORE_CREATE, &s, &err) == FOLIO_OK);
  char pad[1501], big[2048];
  memset(pad, 'x', 1500);
  pad[1500] = '\0';
  snprintf(big, sizeof big, "{\"pad\":\"%s\"}", pad);
  for (int i = 0; i < 40; i++) CHECK(folio_store_save_checkpoint(s, i, big, NULL, &err) == FOLIO_OK);
  folio_store_close(s); /* the last close checkpoints the WAL into the file */
  f = fopen(path, "r+b");
  fseek(f, 0, SEEK_END);
  long pages = ftell(f) / 4096;
  CHECK(pages > 12);
  fseek(f, 4096 * (pages - 3), SEEK_SET); /* a whole leaf page of checkpoints */
  for (int i = 0; i < 4096; i++) fputc((int)(tl_next(&rng) & 0xff), f);
  fclose(f);
  before = slurp(path, &n0);
  CHECK_ERR(folio_store_open(path, FOLIO_STORE_CREATE, &s, &err), err, FOLIO_EIO, "corrupt");
  CHECK(same_bytes(before, n0, path));
  free(before);
  remove_db(path);
}

/* A store whose meta is valid but whose other tables (or columns) are
 * missing: refused before anything is written, byte for byte unchanged,
 * with no -wal or -shm file left beside it; the read-only open too. */
static void partial_case(const char *name, const char *sql, const char *needle) {
  folio_error err;
  folio_store *s = NULL;
  const char *path = tmp_path(name);
  sqlite3 *db;
  sqlite3_open(path, &db);
  CHECK_MSG(sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK, "%s", sqlite3_errmsg(db));
  sqlite3_close(db);
  size_t n0;
  unsigned char *before = slurp(path, &n0);
  CHECK_ERR(folio_store_open(path, FOLIO_STORE_CREATE, &s, &err), err, FOLIO_EIO, needle);
  CHECK(strstr(err.message, "left unchanged") != NULL);
  CHECK(s == NULL);
  CHECK_ERR(folio_store_open(path, 0, &s, &err), err, FOLIO_EIO, needle);
  CHECK_ERR(folio_store_open(path, FOLIO_STORE_READONLY, &s, &err), err, FOLIO_EIO, needle);
  CHECK_MSG(same_bytes(before, n0, path), "%s changed", name);
  char side[300];
  snprintf(side, sizeof side, "%s-wal", path);
  CHECK(access(side, F_OK) != 0);
  free(before);
  remove_db(path);
}

static void test_partial_schema(void) {
  static const char meta1[] =
      "CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
      "INSERT INTO meta VALUES('application', 'folio');"
      "INSERT INTO meta VALUES('schema_version', '1');";
  static const char meta2[] =
      "CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
      "INSERT INTO meta VALUES('application', 'folio');"
      "INSERT INTO meta VALUES('schema_version', '2');";
  char sql[2048];
  partial_case("meta_only_v1.db", meta1, "has no table 'rebalances'");
  partial_case("meta_only_v2.db", meta2, "has no table 'rebalances'");
  snprintf(sql, sizeof sql,
           "%sCREATE TABLE rebalances(id INTEGER PRIMARY KEY, asof, fund, inputs_digest, "
           "composite_json, allocations_json, orders_json, decisions_json, turnover);"
           "CREATE TABLE trades(id, rebalance_id, asof, symbol, weight_change);"
           "CREATE TABLE snapshots(id, timestamp, nav, cash, gross, net, positions_json);"
           "CREATE TABLE checkpoints(id, asof, state_json);",
           meta2);
  partial_case("no_runs_v2.db", sql, "no column 'run_key'"); /* v2 needs rebalances.run_key */
  snprintf(sql, sizeof sql,
           "%sCREATE TABLE rebalances(id INTEGER PRIMARY KEY, asof, fund, inputs_digest, "
           "composite_json, allocations_json, orders_json, decisions_json);"
           "CREATE TABLE trades(id, rebalance_id, asof, symbol, weight_change);"
           "CREATE TABLE snapshots(id, timestamp, nav, cash, gross, net, positions_json);"
           "CREATE TABLE checkpoints(id, asof, state_json);",
           meta1);
  partial_case("no_turnover_v1.db", sql, "table 'rebalances' has no column 'turnover'");
}

int main(void) {
  snprintf(dir, sizeof dir, "/tmp/folio_store_XXXXXX");
  if (!mkdtemp(dir)) {
    perror("mkdtemp");
    return 1;
  }
  test_open_and_schema();
  test_records();
  test_locked();
  test_readonly_file();
  test_corrupt();
  test_partial_schema();
  rmdir(dir);
  return tl_finish("test_store");
}
