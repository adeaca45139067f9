/*
 * test_store_migrate.c — schema version 1 files (written here with the DDL
 * of the version-1 code, as it was) under the version-2 library: opened
 * writable, a file is upgraded in one transaction and keeps every record;
 * opened read-only, it is read as it is (no runs, no orders, nothing
 * written, not even the WAL setting); and a new file is created at version 2.
 */
#include <sqlite3.h>
#include <sys/stat.h>

#include "storetest.h"
#include "testlib.h"

/* The schema of folio's store version 1, verbatim. */
static const char old_v1_ddl[] =
    "CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
    "CREATE TABLE IF NOT EXISTS rebalances("
    "  id INTEGER PRIMARY KEY, asof INTEGER NOT NULL, fund TEXT NOT NULL,"
    "  inputs_digest TEXT, composite_json TEXT, allocations_json TEXT,"
    "  orders_json TEXT, decisions_json TEXT, turnover REAL NOT NULL);"
    "CREATE INDEX IF NOT EXISTS rebalances_asof ON rebalances(asof);"
    "CREATE TABLE IF NOT EXISTS trades("
    "  id INTEGER PRIMARY KEY, rebalance_id INTEGER NOT NULL REFERENCES rebalances(id),"
    "  asof INTEGER NOT NULL, symbol TEXT NOT NULL, weight_change REAL NOT NULL);"
    "CREATE INDEX IF NOT EXISTS trades_asof ON trades(asof);"
    "CREATE TABLE IF NOT EXISTS snapshots("
    "  id INTEGER PRIMARY KEY, timestamp INTEGER NOT NULL, nav REAL NOT NULL,"
    "  cash REAL NOT NULL, gross REAL NOT NULL, net REAL NOT NULL, positions_json TEXT);"
    "CREATE TABLE IF NOT EXISTS checkpoints("
    "  id INTEGER PRIMARY KEY, asof INTEGER NOT NULL, state_json TEXT);"
    "INSERT OR IGNORE INTO meta(key, value) VALUES('application', 'folio');"
    "INSERT OR IGNORE INTO meta(key, value) VALUES('schema_version', '1');"
    "PRAGMA journal_mode=WAL;"
    "INSERT INTO rebalances(asof, fund, inputs_digest, composite_json, turnover)"
    "  VALUES(1718928000, 'fund-a', 'd1', '{\"AAPL\":0.5}', 0.25);"
    "INSERT INTO trades(rebalance_id, asof, symbol, weight_change) VALUES(1, 1718928000, 'AAPL', 0.25);"
    "INSERT INTO snapshots(timestamp, nav, cash, gross, net, positions_json) VALUES(5, 1e6, 0, 1, 1, '{}');"
    "INSERT INTO checkpoints(asof, state_json) VALUES(1718928000, '{\"seq\":1}');";

static void make_v1(const char *path) {
  st_remove(path);
  sqlite3 *db;
  CHECK(sqlite3_open(path, &db) == SQLITE_OK);
  CHECK(sqlite3_exec(db, old_v1_ddl, NULL, NULL, NULL) == SQLITE_OK);
  sqlite3_close(db);
}

/* meta.schema_version, or -1. */
static int version_of(const char *path) {
  sqlite3 *db;
  sqlite3_stmt *stmt;
  int v = -1;
  if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
      sqlite3_prepare_v2(db, "SELECT value FROM meta WHERE key = 'schema_version'", -1, &stmt, NULL) == SQLITE_OK) {
    if (sqlite3_step(stmt) == SQLITE_ROW) v = atoi((const char *)sqlite3_column_text(stmt, 0));
    sqlite3_finalize(stmt);
  }
  sqlite3_close(db);
  return v;
}

static int has_table(const char *path, const char *table) {
  sqlite3 *db;
  sqlite3_stmt *stmt;
  int n = 0;
  sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL);
  if (sqlite3_prepare_v2(db, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?1", -1, &stmt,
                         NULL) == SQLITE_OK) {
    sqlite3_bind_text(stmt, 1, table, -1, SQLITE_STATIC);
    if (sqlite3_step(stmt) == SQLITE_ROW) n = sqlite3_column_int(stmt, 0);
    sqlite3_finalize(stmt);
  }
  sqlite3_close(db);
  return n;
}

static void test_readonly_v1(void) {
  folio_error err;
  const char *path = st_path("v1ro.db");
  make_v1(path);
  folio_store *s = NULL;
  CHECK(folio_store_open(path, FOLIO_STORE_READONLY, &s, &err) == FOLIO_OK);
  CHECK_EQ_INT(st_count(s, "rebalances"), 1);
  CHECK_EQ_INT(st_count(s, "runs"), 0);
  CHECK_EQ_INT(st_count(s, "orders"), 0);
  folio_store_run_info *info = NULL;
  CHECK_ERR(folio_store_run_get(s, "k", &info, &err), err, FOLIO_ENOTFOUND, "schema version 1: no runs");
  double tot = -1;
  CHECK(folio_store_turnover_since(s, 1718928000, 7, &tot, &err) == FOLIO_OK);
  CHECK_NEAR(tot, 0.25, 0);
  folio_store_rebalance_list *list = NULL;
  CHECK(folio_store_rebalances(s, INT64_MIN, INT64_MAX, &list, &err) == FOLIO_OK);
  CHECK(list && list->count == 1 && list->items[0].run_key == NULL);
  folio_store_rebalance_list_free(list);
  folio_store_close(s);
  CHECK_EQ_INT(version_of(path), 1);
  CHECK(!has_table(path, "runs"));
  /* a file with no write permission is read the same way */
  chmod(path, 0444);
  s = NULL;
  CHECK(folio_store_open(path, FOLIO_STORE_CREATE, &s, &err) == FOLIO_OK);
  CHECK(s && folio_store_readonly(s));
  CHECK_EQ_INT(st_count(s, "runs"), 0);
  folio_store_close(s);
  chmod(path, 0644);
  CHECK_EQ_INT(version_of(path), 1);
  st_remove(path);
}

static void test_upgrade(void) {
  folio_error err;
  const char *path = st_path("v1.db");
  make_v1(path);
  folio_store *s = NULL;
  CHECK(folio_store_open(path, 0, &s, &err) == FOLIO_OK);
  CHECK_EQ_INT(version_of(path), 2);
  CHECK(has_table(path, "runs") && has_table(path, "orders"));
  /* every record kept */
  CHECK_EQ_INT(st_count(s, "rebalances"), 1);
  CHECK_EQ_INT(st_count(s, "trades"), 1);
  CHECK_EQ_INT(st_count(s, "snapshots"), 1);
  CHECK_EQ_INT(st_count(s, "checkpoints"), 1);
  folio_store_rebalance_list *list = NULL;
  CHECK(folio_store_rebalances(s, INT64_MIN, INT64_MAX, &list, &err) == FOLIO_OK);
  CHECK(list && list->count == 1 && list->items[0].run_key == NULL &&
        strcmp(list->items[0].composite_json, "{\"AAPL\":0.5}") == 0);
  folio_store_rebalance_list_free(list);
  /* and the new tables work */
  st_orders b;
  st_make_orders(&b, "k", 2);
  folio_store_run run = {"k", "fund-a", 1718928000 + 86400, "d", 2, b.o};
  int existed = -1;
  CHECK(folio_store_run_open(s, &run, &existed, &err) == FOLIO_OK && existed == 0);
  const char *ids[] = {"k-1", "k-2"};
  CHECK(folio_store_mark_submitted(s, "k", 2, ids, 1, &err) == FOLIO_OK);
  double tot = -1;
  CHECK(folio_store_turnover_since(s, 1718928000 + 86400, 7, &tot, &err) == FOLIO_OK);
  CHECK_NEAR(tot, 0.28, 1e-15);
  folio_store_rebalance rec = {0, 1718928000 + 86400, "fund-a", "d", NULL, NULL, NULL, NULL, 0.03, "k"};
  CHECK(folio_store_record_rebalance(s, &rec, NULL, 0, NULL, &err) == FOLIO_OK);
  folio_store_close(s);
  /* a second open finds version 2 and changes nothing */
  CHECK(folio_store_open(path, 0, &s, &err) == FOLIO_OK);
  CHECK_EQ_INT(st_count(s, "runs"), 1);
  folio_store_close(s);
  st_remove(path);

  /* two handles opening the same version-1 file: one upgrades, the other sees it done */
  make_v1(path);
  folio_store *a = NULL, *c = NULL;
  CHECK(folio_store_open(path, 0, &a, &err) == FOLIO_OK);
  CHECK(folio_store_open(path, 0, &c, &err) == FOLIO_OK);
  CHECK_EQ_INT(st_count(c, "runs"), 0);
  folio_store_close(a);
  folio_store_close(c);
  CHECK_EQ_INT(version_of(path), 2);
  st_remove(path);

  /* an upgrade that fails half-way (a table named runs is in the way) is
   * rolled back whole: still version 1, no run_key column */
  make_v1(path);
  sqlite3 *db;
  sqlite3_open(path, &db);
  sqlite3_exec(db, "CREATE TABLE runs(x)", NULL, NULL, NULL);
  sqlite3_close(db);
  s = NULL;
  CHECK_ERR(folio_store_open(path, 0, &s, &err), err, FOLIO_EIO,
            "cannot upgrade store");
  CHECK(s == NULL && strstr(err.message, "from schema version 1 to 2") != NULL);
  CHECK_EQ_INT(version_of(path), 1);
  sqlite3_open(path, &db);
  CHECK(sqlite3_exec(db, "SELECT run_key FROM rebalances", NULL, NULL, NULL) != SQLITE_OK);
  sqlite3_close(db);
  st_remove(path);

  /* a new file is version 2 at once */
  CHECK(folio_store_open(path, FOLIO_STORE_CREATE, &s, &err) == FOLIO_OK);
  folio_store_close(s);
  CHECK_EQ_INT(version_of(path), 2);
  CHECK(has_table(path, "orders"));
  st_remove(path);
}

int main(void) {
  if (st_make_dir("folio_migrate_") != 0) return 1;
  test_readonly_v1();
  test_upgrade();
  rmdir(st_dir);
  return tl_finish("test_store_migrate");
}
