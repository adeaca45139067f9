/*
 * store.c — the event store on SQLite (see store.h).
 *
 * Responsibilities: open a file safely (refuse corrupt, foreign or newer
 * files before anything is written), keep it in WAL mode with
 * synchronous=FULL, and make each record_* call exactly one IMMEDIATE
 * transaction that either commits whole or is rolled back. SQLite's own
 * result codes are turned into folio_status values with messages that name
 * the file and say what to do (locked: retry later; corrupt: restore it).
 * Payloads are checked with folio_json_check before the transaction starts,
 * so malformed text never reaches the file. Version-1 files are upgraded
 * to version 2 in one transaction at a writable open (upgrade_in_tx; a new
 * file is created through the same path). Runs and their orders (run_open,
 * mark_submitted, run_get) are the exactly-once record of submissions; the
 * run lock is an flock on "<path>.lock" held by the handle.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "folio/json.h"
#include "folio/store.h"
#include "plumbing.h"

struct folio_store {
  sqlite3 *db;
  char *path;
  int readonly;
  int busy_ms;
  int version; /* schema version of the file: 1 only for a version-1 file opened read-only */
  int lock_fd; /* the open "<path>.lock" while this handle holds the run lock, else -1 */
};

/* The schema of version 1; every statement is idempotent so that two
 * processes creating the same new file at once both succeed. */
static const char schema_v1[] =
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
    "INSERT OR IGNORE INTO meta(key, value) VALUES('schema_version', '1');";

/* Version 1 -> 2: runs, their orders, and the run a rebalance completed.
 * Run only inside the transaction that read schema_version = 1. */
static const char upgrade_v1_v2[] =
    "ALTER TABLE rebalances ADD COLUMN run_key TEXT;"
    "CREATE TABLE runs("
    "  key TEXT PRIMARY KEY, fund TEXT NOT NULL, asof INTEGER NOT NULL,"
    "  inputs_digest TEXT NOT NULL DEFAULT '',"
    "  state TEXT NOT NULL CHECK(state IN ('open','done')),"
    "  created INTEGER NOT NULL, rebalance_id INTEGER REFERENCES rebalances(id));"
    "CREATE INDEX runs_asof ON runs(asof);"
    "CREATE TABLE orders("
    "  run_key TEXT NOT NULL REFERENCES runs(key), seq INTEGER NOT NULL,"
    "  client_id TEXT NOT NULL UNIQUE, symbol TEXT NOT NULL,"
    "  side TEXT NOT NULL CHECK(side IN ('BUY','SELL')), quantity REAL NOT NULL,"
    "  price REAL NOT NULL, notional REAL NOT NULL, weight REAL NOT NULL,"
    "  state TEXT NOT NULL CHECK(state IN ('intended','submitted')),"
    "  submitted_at INTEGER, PRIMARY KEY(run_key, seq));"
    "UPDATE meta SET value = '2' WHERE key = 'schema_version';";

/* Names accepted by folio_store_count (never interpolate anything else);
 * the first N_COUNT_V1 exist in every version. */
static const char *const count_tables[] = {"rebalances", "trades", "snapshots", "checkpoints",
                                           "runs",       "orders", NULL};
#define N_COUNT_V1 4

/* ==== errors ============================================================= */

/* Turns a SQLite failure into a status with a message naming fn and the file. */
static folio_status db_error(const char *path, sqlite3 *db, int busy_ms, int rc, const char *fn,
                             folio_error *err) {
  const char *msg = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  switch (rc & 0xff) {
  case SQLITE_BUSY:
  case SQLITE_LOCKED:
    return folio_error_set(err, FOLIO_EIO,
                           "%s: store '%s' is locked by another connection (waited %d ms); "
                           "nothing was written, try again when the other writer has finished",
                           fn, path, busy_ms);
  case SQLITE_READONLY:
    return folio_error_set(err, FOLIO_EIO, "%s: store '%s' is read-only (%s); nothing was written",
                           fn, path, msg);
  case SQLITE_CORRUPT:
  case SQLITE_NOTADB:
    return folio_error_set(err, FOLIO_EIO,
                           "%s: store '%s' is corrupt or not an SQLite file (%s); it was left "
                           "unchanged: restore it from a backup",
                           fn, path, msg);
  case SQLITE_NOMEM:
    return folio_error_set(err, FOLIO_ENOMEM, "%s: out of memory (store '%s')", fn, path);
  case SQLITE_FULL:
    return folio_error_set(err, FOLIO_EIO, "%s: store '%s': disk full; nothing was written", fn,
                           path);
  case SQLITE_CANTOPEN:
    return folio_error_set(err, FOLIO_EIO, "%s: cannot open store '%s' (%s)", fn, path, msg);
  default:
    return folio_error_set(err, FOLIO_EIO, "%s: store '%s': %s", fn, path, msg);
  }
}

static folio_status fail_rc(folio_store *s, int rc, const char *fn, folio_error *err) {
  return db_error(s->path, s->db, s->busy_ms, rc, fn, err);
}

static folio_status check_handle(folio_store *s, const char *fn, folio_error *err) {
  folio_error_clear(err);
  if (!s || !s->db) return folio_error_set(err, FOLIO_EINVAL, "%s: store is NULL or closed", fn);
  return FOLIO_OK;
}

static folio_status check_writable(folio_store *s, const char *fn, folio_error *err) {
  folio_status st = check_handle(s, fn, err);
  if (st != FOLIO_OK) return st;
  if (s->readonly)
    return folio_error_set(err, FOLIO_EIO,
                           "%s: store '%s' is read-only (opened readonly, or the file has no "
                           "write permission); nothing was written",
                           fn, s->path);
  return FOLIO_OK;
}

/* A payload (NULL allowed) must be valid JSON; the message names the field. */
static folio_status check_payload(const char *json, const char *field, const char *fn,
                                  folio_error *err) {
  if (!json) return FOLIO_OK;
  folio_error jerr;
  folio_status st = folio_json_check(json, strlen(json), &jerr);
  if (st != FOLIO_OK)
    return folio_error_set(err, st, "%s: %s is not valid JSON (%s)", fn, field, jerr.message);
  return FOLIO_OK;
}

/* ==== transactions ======================================================= */

static int exec(sqlite3 *db, const char *sql) { return sqlite3_exec(db, sql, NULL, NULL, NULL); }

static folio_status begin(folio_store *s, const char *fn, folio_error *err) {
  int rc = exec(s->db, "BEGIN IMMEDIATE");
  return rc == SQLITE_OK ? FOLIO_OK : fail_rc(s, rc, fn, err);
}

/* Commits; on failure rolls back and reports. */
static folio_status commit(folio_store *s, const char *fn, folio_error *err) {
  int rc = exec(s->db, "COMMIT");
  if (rc == SQLITE_OK) return FOLIO_OK;
  folio_status st = fail_rc(s, rc, fn, err);
  if (!sqlite3_get_autocommit(s->db)) exec(s->db, "ROLLBACK");
  return st;
}

/* Rolls back after a failed statement, keeping the message of the failure. */
static folio_status rollback(folio_store *s, folio_status st) {
  if (!sqlite3_get_autocommit(s->db)) exec(s->db, "ROLLBACK");
  return st;
}

/* Prepares, or reports. */
static folio_status prepare(folio_store *s, const char *sql, sqlite3_stmt **stmt, const char *fn,
                            folio_error *err) {
  int rc = sqlite3_prepare_v2(s->db, sql, -1, stmt, NULL);
  return rc == SQLITE_OK ? FOLIO_OK : fail_rc(s, rc, fn, err);
}

static void bind_text(sqlite3_stmt *stmt, int i, const char *text) {
  if (text)
    sqlite3_bind_text(stmt, i, text, -1, SQLITE_STATIC);
  else
    sqlite3_bind_null(stmt, i);
}

/* Steps an INSERT to completion and finalizes it. */
static folio_status step_done(folio_store *s, sqlite3_stmt *stmt, const char *fn, folio_error *err) {
  int rc = sqlite3_step(stmt);
  sqlite3_finalize(stmt);
  return rc == SQLITE_DONE ? FOLIO_OK : fail_rc(s, rc, fn, err);
}

/* The readers of the latest row of a table: checks the handle and out (only
 * tested), prepares sql and steps it to its first row. On FOLIO_OK *stmt
 * stands on that row, or is NULL (already finalized) when there is none. */
static folio_status latest_row(folio_store *s, const void *out, const char *sql,
                               sqlite3_stmt **stmt, const char *fn, folio_error *err) {
  folio_status st = check_handle(s, fn, err);
  if (st != FOLIO_OK) return st;
  if (!out) return folio_error_set(err, FOLIO_EINVAL, "%s: out is NULL", fn);
  st = prepare(s, sql, stmt, fn, err);
  if (st != FOLIO_OK) return st;
  int rc = sqlite3_step(*stmt);
  if (rc == SQLITE_ROW) return FOLIO_OK;
  if (rc != SQLITE_DONE) st = fail_rc(s, rc, fn, err);
  sqlite3_finalize(*stmt);
  *stmt = NULL;
  return st;
}

/* ==== open / close ======================================================= */

/* The tables and columns each schema version has (a version has those of
 * every earlier one too; rebalances.run_key came with version 2). A store
 * is checked against them before anything could write to it, so a file
 * whose meta is right but whose tables are not is refused unchanged. */
static const struct schema_column {
  int since; /* first version with this column */
  const char *table, *column;
} schema_columns[] = {
    {1, "meta", "key"},           {1, "meta", "value"},
    {1, "rebalances", "id"},      {1, "rebalances", "asof"},
    {1, "rebalances", "fund"},    {1, "rebalances", "inputs_digest"},
    {1, "rebalances", "composite_json"}, {1, "rebalances", "allocations_json"},
    {1, "rebalances", "orders_json"},    {1, "rebalances", "decisions_json"},
    {1, "rebalances", "turnover"},
    {1, "trades", "id"},          {1, "trades", "rebalance_id"},
    {1, "trades", "asof"},        {1, "trades", "symbol"},
    {1, "trades", "weight_change"},
    {1, "snapshots", "id"},       {1, "snapshots", "timestamp"},
    {1, "snapshots", "nav"},      {1, "snapshots", "cash"},
    {1, "snapshots", "gross"},    {1, "snapshots", "net"},
    {1, "snapshots", "positions_json"},
    {1, "checkpoints", "id"},     {1, "checkpoints", "asof"},
    {1, "checkpoints", "state_json"},
    {2, "rebalances", "run_key"},
    {2, "runs", "key"},           {2, "runs", "fund"},
    {2, "runs", "asof"},          {2, "runs", "inputs_digest"},
    {2, "runs", "state"},         {2, "runs", "created"},
    {2, "runs", "rebalance_id"},
    {2, "orders", "run_key"},     {2, "orders", "seq"},
    {2, "orders", "client_id"},   {2, "orders", "symbol"},
    {2, "orders", "side"},        {2, "orders", "quantity"},
    {2, "orders", "price"},       {2, "orders", "notional"},
    {2, "orders", "weight"},      {2, "orders", "state"},
    {2, "orders", "submitted_at"},
};
#define N_SCHEMA_COLUMNS (sizeof schema_columns / sizeof *schema_columns)

/* Every table and column of schema `version` exists: FOLIO_OK, or FOLIO_EIO
 * naming the first missing one. One read-only statement over every table's
 * columns (as cheap as reading meta), so nothing here writes. */
static folio_status check_tables(folio_store *s, int version, folio_error *err) {
  unsigned char found[N_SCHEMA_COLUMNS] = {0}, table_found[N_SCHEMA_COLUMNS] = {0};
  sqlite3_stmt *stmt;
  int rc = sqlite3_prepare_v2(s->db,
                              "SELECT m.name, p.name FROM sqlite_master AS m "
                              "JOIN pragma_table_info(m.name) AS p WHERE m.type = 'table'",
                              -1, &stmt, NULL);
  if (rc != SQLITE_OK) return fail_rc(s, rc, "store_open", err);
  while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
    const char *t = (const char *)sqlite3_column_text(stmt, 0);
    const char *c = (const char *)sqlite3_column_text(stmt, 1);
    if (!t || !c) continue;
    for (size_t k = 0; k < N_SCHEMA_COLUMNS; k++)
      if (strcmp(t, schema_columns[k].table) == 0) {
        table_found[k] = 1;
        if (strcmp(c, schema_columns[k].column) == 0) found[k] = 1;
      }
  }
  sqlite3_finalize(stmt);
  if (rc != SQLITE_DONE) return fail_rc(s, rc, "store_open", err);
  for (size_t k = 0; k < N_SCHEMA_COLUMNS; k++) {
    const struct schema_column *sc = &schema_columns[k];
    if (sc->since > version || found[k]) continue;
    if (!table_found[k])
      return folio_error_set(err, FOLIO_EIO,
                             "store_open: store '%s' (schema version %d) has no table '%s'; it was "
                             "left unchanged: restore it from a backup",
                             s->path, version, sc->table);
    return folio_error_set(err, FOLIO_EIO,
                           "store_open: store '%s' (schema version %d): table '%s' has no column "
                           "'%s'; it was left unchanged: restore it from a backup",
                           s->path, version, sc->table, sc->column);
  }
  return FOLIO_OK;
}

/* Reads meta.schema_version of an existing schema; checks the application
 * and that every table and column of that version is there. */
static folio_status check_schema(folio_store *s, folio_error *err) {
  sqlite3_stmt *stmt;
  int rc = sqlite3_prepare_v2(s->db, "SELECT key, value FROM meta", -1, &stmt, NULL);
  if (rc != SQLITE_OK)
    return folio_error_set(err, FOLIO_EIO,
                           "store_open: '%s' is an SQLite file but not a folio store (no meta "
                           "table); it was left unchanged",
                           s->path);
  int app = 0;
  long version = -1;
  while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
    const char *k = (const char *)sqlite3_column_text(stmt, 0);
    const char *v = (const char *)sqlite3_column_text(stmt, 1);
    if (!k || !v) continue;
    if (strcmp(k, "application") == 0 && strcmp(v, "folio") == 0) app = 1;
    if (strcmp(k, "schema_version") == 0) {
      char *end;
      errno = 0;
      version = strtol(v, &end, 10);
      if (end == v || *end || errno) version = -2;
    }
  }
  sqlite3_finalize(stmt);
  if (rc != SQLITE_DONE) return fail_rc(s, rc, "store_open", err);
  if (!app)
    return folio_error_set(err, FOLIO_EIO,
                           "store_open: '%s' is not a folio store (meta.application is not "
                           "'folio'); it was left unchanged",
                           s->path);
  if (version > FOLIO_STORE_SCHEMA_VERSION)
    return folio_error_set(err, FOLIO_EINVAL,
                           "store_open: store '%s' has schema version %ld, newer than this folio "
                           "supports (%d); upgrade folio — the file was left unchanged",
                           s->path, version, FOLIO_STORE_SCHEMA_VERSION);
  if (version < 1)
    return folio_error_set(err, FOLIO_EIO,
                           "store_open: store '%s' has no valid schema_version; it was left "
                           "unchanged",
                           s->path);
  folio_status st = check_tables(s, (int)version, err);
  if (st != FOLIO_OK) return st;
  s->version = (int)version;
  return FOLIO_OK;
}

/* Inside a write transaction: reads schema_version again (another process
 * may have upgraded the file since it was checked) and upgrades a
 * version-1 schema to version 2. */
static folio_status upgrade_in_tx(folio_store *s, folio_error *err) {
  sqlite3_stmt *stmt;
  folio_status st = prepare(s, "SELECT value FROM meta WHERE key = 'schema_version'", &stmt,
                            "store_open", err);
  if (st != FOLIO_OK) return st;
  int rc = sqlite3_step(stmt);
  int v1 = rc == SQLITE_ROW && sqlite3_column_text(stmt, 0) &&
           strcmp((const char *)sqlite3_column_text(stmt, 0), "1") == 0;
  sqlite3_finalize(stmt);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE) return fail_rc(s, rc, "store_open", err);
  if (v1 && (st = check_tables(s, 1, err)) != FOLIO_OK) return st; /* again, under the lock */
  if (v1 && (rc = exec(s->db, upgrade_v1_v2)) != SQLITE_OK)
    return folio_error_set(err, FOLIO_EIO,
                           "store_open: cannot upgrade store '%s' from schema version 1 to 2 (%s); "
                           "it was left unchanged",
                           s->path, sqlite3_errmsg(s->db));
  return FOLIO_OK;
}

/* Runs PRAGMA quick_check; anything but a single "ok" row is corruption. */
static folio_status quick_check(folio_store *s, folio_error *err) {
  sqlite3_stmt *stmt;
  int rc = sqlite3_prepare_v2(s->db, "PRAGMA quick_check", -1, &stmt, NULL);
  if (rc != SQLITE_OK) return fail_rc(s, rc, "store_open", err);
  char first[160] = "";
  int rows = 0;
  while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
    const char *t = (const char *)sqlite3_column_text(stmt, 0);
    if (rows++ == 0 && t) snprintf(first, sizeof first, "%s", t);
  }
  sqlite3_finalize(stmt);
  if (rc != SQLITE_DONE) return fail_rc(s, rc, "store_open", err);
  if (rows != 1 || strcmp(first, "ok") != 0)
    return folio_error_set(err, FOLIO_EIO,
                           "store_open: store '%s' is corrupt (quick_check: %s); it was left "
                           "unchanged: restore it from a backup",
                           s->path, first[0] ? first : "no result");
  return FOLIO_OK;
}

/* A writer killed mid-write can leave what a read-only connection may not
 * repair: a WAL index (the -shm file) to rebuild (SQLITE_READONLY_RECOVERY,
 * _CANTINIT), or a hot rollback journal of the file's very first
 * transaction, before it switched to WAL (SQLITE_READONLY_ROLLBACK). Any
 * read-write reader repairs them on its first read. When the files are ours
 * to write, one such connection is opened just for that — it reads, never
 * checkpoints on close, so committed content and the -wal stay as they
 * were — and the read-only open is tried once more. SQLITE_OK, or the code
 * of what failed. */
static int needs_repair(int rc) {
  return rc == SQLITE_READONLY_RECOVERY || rc == SQLITE_READONLY_CANTINIT || rc == SQLITE_READONLY_ROLLBACK;
}

static int repair_after_kill(const char *path, int busy_ms) {
  sqlite3 *db = NULL;
  int rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL);
  if (rc == SQLITE_OK) {
    sqlite3_busy_timeout(db, busy_ms);
    rc = sqlite3_db_config(db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, (int *)0);
  }
  if (rc == SQLITE_OK) rc = sqlite3_exec(db, "SELECT count(*) FROM sqlite_master", NULL, NULL, NULL);
  sqlite3_close(db);
  return rc;
}

/* Opens s->db read-only; after a killed writer, repairs first what a
 * read-only reader may not (repair_after_kill). */
static int open_readonly(folio_store *s) {
  int rc = sqlite3_open_v2(s->path, &s->db, SQLITE_OPEN_READONLY, NULL);
  if (rc != SQLITE_OK) return rc;
  sqlite3_busy_timeout(s->db, s->busy_ms);
  sqlite3_extended_result_codes(s->db, 1);
  rc = sqlite3_exec(s->db, "SELECT count(*) FROM sqlite_master", NULL, NULL, NULL);
  if (!needs_repair(rc)) return SQLITE_OK; /* anything else is reported by the checks that follow */
  sqlite3_close(s->db);
  s->db = NULL;
  int rrc = repair_after_kill(s->path, s->busy_ms);
  if (rrc != SQLITE_OK) return rc;
  return sqlite3_open_v2(s->path, &s->db, SQLITE_OPEN_READONLY, NULL);
}

static folio_status open_db(folio_store *s, int flags, int exists, folio_error *err) {
  int oflags = SQLITE_OPEN_READWRITE | ((flags & FOLIO_STORE_CREATE) ? SQLITE_OPEN_CREATE : 0);
  /* never SQLITE_OPEN_URI; folio_store_open has refused names starting "file:" */
  int rc = s->readonly ? open_readonly(s) : sqlite3_open_v2(s->path, &s->db, oflags, NULL);
  if (needs_repair(rc))
    return folio_error_set(err, FOLIO_EIO,
                           "store_open: store '%s' was left mid-write by a killed writer, and this "
                           "read-only reader may not repair it (no write permission on the file or "
                           "its folder); open it once read-write (any folio command that writes to "
                           "it does) and read again",
                           s->path);
  if (rc != SQLITE_OK) return fail_rc(s, rc, "store_open", err);
  sqlite3_extended_result_codes(s->db, 0);
  sqlite3_busy_timeout(s->db, s->busy_ms);
  folio_status st = quick_check(s, err); /* before anything could write */
  if (st != FOLIO_OK) return st;
  /* An empty file (or a new one) gets the schema; anything else must be ours. */
  sqlite3_stmt *stmt;
  if ((st = prepare(s, "SELECT count(*) FROM sqlite_master", &stmt, "store_open", err)) != FOLIO_OK)
    return st;
  rc = sqlite3_step(stmt);
  sqlite3_int64 n_objects = rc == SQLITE_ROW ? sqlite3_column_int64(stmt, 0) : 0;
  sqlite3_finalize(stmt);
  if (rc != SQLITE_ROW) return fail_rc(s, rc, "store_open", err);
  /* Foreign, newer and empty files are refused before anything is written
   * (switching to WAL rewrites the file header). */
  if (n_objects > 0) {
    if ((st = check_schema(s, err)) != FOLIO_OK) return st;
  } else if (s->readonly) {
    return folio_error_set(err, FOLIO_EIO,
                           "store_open: store '%s' is empty and read-only (no folio schema to read)",
                           s->path);
  } else if (exists && !(flags & FOLIO_STORE_CREATE)) {
    return folio_error_set(err, FOLIO_EIO,
                           "store_open: '%s' is an empty file, not a folio store (open with create "
                           "to initialise it)",
                           s->path);
  }
  if (!s->readonly) {
    if ((st = prepare(s, "PRAGMA journal_mode=WAL", &stmt, "store_open", err)) != FOLIO_OK) return st;
    rc = sqlite3_step(stmt);
    const char *mode = rc == SQLITE_ROW ? (const char *)sqlite3_column_text(stmt, 0) : NULL;
    int wal = mode && strcmp(mode, "wal") == 0;
    sqlite3_finalize(stmt);
    if (rc != SQLITE_ROW) return fail_rc(s, rc, "store_open", err);
    if (!wal)
      return folio_error_set(err, FOLIO_EIO, "store_open: store '%s' cannot use WAL mode", s->path);
  }
  if ((rc = exec(s->db, "PRAGMA synchronous=FULL")) != SQLITE_OK)
    return fail_rc(s, rc, "store_open", err);
  if (s->readonly || (n_objects > 0 && s->version == FOLIO_STORE_SCHEMA_VERSION)) return FOLIO_OK;
  /* A new file gets version 1 and the upgrade, a version-1 file the upgrade:
   * one transaction either way, so a kill leaves the old file or the new one. */
  if ((st = begin(s, "store_open", err)) != FOLIO_OK) return st;
  if (n_objects == 0 && (rc = exec(s->db, schema_v1)) != SQLITE_OK)
    return rollback(s, fail_rc(s, rc, "store_open", err));
  if ((st = upgrade_in_tx(s, err)) != FOLIO_OK) return rollback(s, st);
  if ((st = commit(s, "store_open", err)) != FOLIO_OK) return st;
  return check_schema(s, err);
}

folio_status folio_store_open(const char *path, int flags, folio_store **out, folio_error *err) {
  folio_error_clear(err);
  if (!path || !*path) return folio_error_set(err, FOLIO_EINVAL, "store_open: path is NULL or empty");
  if (!out) return folio_error_set(err, FOLIO_EINVAL, "store_open: out is NULL");
  if (flags & ~(FOLIO_STORE_READONLY | FOLIO_STORE_CREATE))
    return folio_error_set(err, FOLIO_EINVAL, "store_open: unknown flags 0x%x", (unsigned)flags);
  /* SQLite (Debian's is built with SQLITE_USE_URI=1) reads a name starting
   * with "file:" as a URI whose path and parameters it interprets itself
   * (file:/abs/other.db, file:../x, ?vfs=, ?mode=): the store opens plain
   * file names only, and a file really named so is "./file:...". */
  if (strncasecmp(path, "file:", 5) == 0)
    return folio_error_set(err, FOLIO_EINVAL,
                           "store_open: '%s' looks like an SQLite URI; the store opens plain file names "
                           "only (write './%s' for a file of that name)",
                           path, path);
  struct stat sb;
  int exists = stat(path, &sb) == 0;
  if (!exists && errno != ENOENT)
    return folio_error_set(err, FOLIO_EIO, "store_open: cannot open store '%s' (%s)", path,
                           strerror(errno));
  if (exists && S_ISDIR(sb.st_mode))
    return folio_error_set(err, FOLIO_EIO, "store_open: '%s' is a directory, not a store", path);
  if (!exists && (!(flags & FOLIO_STORE_CREATE) || (flags & FOLIO_STORE_READONLY)))
    return folio_error_set(err, FOLIO_ENOTFOUND,
                           "store_open: no store at '%s' (open with create to make a new one)", path);
  folio_store *s = calloc(1, sizeof *s);
  size_t n = strlen(path);
  if (s) s->path = malloc(n + 1);
  if (!s || !s->path) {
    free(s);
    return folio_error_set(err, FOLIO_ENOMEM, "store_open: out of memory");
  }
  memcpy(s->path, path, n + 1);
  s->busy_ms = 2000;
  s->lock_fd = -1;
  /* No write bit at all: treat as read-only even for root, who could write it. */
  s->readonly = (flags & FOLIO_STORE_READONLY) ||
                (exists && !(sb.st_mode & (S_IWUSR | S_IWGRP | S_IWOTH)));
  folio_status st = open_db(s, flags, exists, err);
  if (st != FOLIO_OK) {
    folio_store_close(s);
    return st;
  }
  *out = s;
  return FOLIO_OK;
}

void folio_store_close(folio_store *store) {
  if (!store) return;
  folio_store_unlock(store);
  if (store->db) sqlite3_close_v2(store->db);
  free(store->path);
  free(store);
}

folio_status folio_store_set_busy_timeout(folio_store *store, int milliseconds, folio_error *err) {
  folio_status st = check_handle(store, "store_set_busy_timeout", err);
  if (st != FOLIO_OK) return st;
  if (milliseconds < 0)
    return folio_error_set(err, FOLIO_EINVAL, "store_set_busy_timeout: milliseconds must be >= 0 (got %d)",
                           milliseconds);
  store->busy_ms = milliseconds;
  sqlite3_busy_timeout(store->db, milliseconds);
  return FOLIO_OK;
}

int folio_store_readonly(const folio_store *store) { return store ? store->readonly : 1; }

const char *folio_store_path(const folio_store *store) { return store ? store->path : ""; }

/* ==== writes ============================================================= */

/* Inside record_rebalance's transaction: the run rec->run_key exists, is
 * open, belongs to rec's fund and asof, and has no order still intended. */
static folio_status check_run_completable(folio_store *s, const folio_store_rebalance *rec,
                                          const char *fn, folio_error *err) {
  sqlite3_stmt *stmt;
  folio_status st = prepare(s,
                            "SELECT state, fund, asof, rebalance_id, "
                            "  (SELECT client_id FROM orders WHERE run_key = ?1 AND state = 'intended' "
                            "   ORDER BY seq LIMIT 1) FROM runs WHERE key = ?1",
                            &stmt, fn, err);
  if (st != FOLIO_OK) return st;
  bind_text(stmt, 1, rec->run_key);
  int rc = sqlite3_step(stmt);
  if (rc == SQLITE_DONE)
    st = folio_error_set(err, FOLIO_ENOTFOUND, "%s: no run '%s' in store '%s' (open it with run_open)", fn,
                         rec->run_key, s->path);
  else if (rc != SQLITE_ROW)
    st = fail_rc(s, rc, fn, err);
  else {
    const char *state = (const char *)sqlite3_column_text(stmt, 0);
    const char *fund = (const char *)sqlite3_column_text(stmt, 1);
    const char *intended = (const char *)sqlite3_column_text(stmt, 4);
    if (state && strcmp(state, "done") == 0)
      st = folio_error_set(err, FOLIO_EINVAL, "%s: run '%s' is already done (rebalance %lld); nothing was written",
                           fn, rec->run_key, (long long)sqlite3_column_int64(stmt, 3));
    else if (!fund || strcmp(fund, rec->fund) != 0)
      st = folio_error_set(err, FOLIO_EINVAL, "%s: run '%s' is of fund '%s', not '%s'", fn, rec->run_key,
                           fund ? fund : "", rec->fund);
    else if (sqlite3_column_int64(stmt, 2) != rec->asof)
      st = folio_error_set(err, FOLIO_EINVAL, "%s: run '%s' has asof %lld, not %lld", fn, rec->run_key,
                           (long long)sqlite3_column_int64(stmt, 2), (long long)rec->asof);
    else if (intended)
      st = folio_error_set(err, FOLIO_EINVAL,
                           "%s: run '%s': order %s was never submitted (mark it submitted once the OMS "
                           "accepted it); nothing was written",
                           fn, rec->run_key, intended);
  }
  sqlite3_finalize(stmt);
  return st;
}

folio_status folio_store_record_rebalance(folio_store *store, const folio_store_rebalance *rec,
                                          const folio_store_trade *trades, size_t n_trades,
                                          int64_t *id, folio_error *err) {
  static const char fn[] = "record_rebalance";
  folio_status st = check_writable(store, fn, err);
  if (st != FOLIO_OK) return st;
  if (!rec) return folio_error_set(err, FOLIO_EINVAL, "%s: record is NULL", fn);
  if (!rec->fund || !*rec->fund) return folio_error_set(err, FOLIO_EINVAL, "%s: fund is empty", fn);
  if (!isfinite(rec->turnover))
    return folio_error_set(err, FOLIO_ENOTFINITE, "%s: turnover is not finite", fn);
  if (rec->turnover < 0)
    return folio_error_set(err, FOLIO_EINVAL, "%s: turnover must be >= 0 (got %g)", fn, rec->turnover);
  if (n_trades && !trades) return folio_error_set(err, FOLIO_EINVAL, "%s: trades is NULL", fn);
  for (size_t i = 0; i < n_trades; i++) {
    if (!trades[i].symbol || !*trades[i].symbol)
      return folio_error_set(err, FOLIO_EINVAL, "%s: trade #%zu has an empty symbol", fn, i + 1);
    if (!isfinite(trades[i].weight_change))
      return folio_error_set(err, FOLIO_ENOTFINITE, "%s: trade %s: weight_change is not finite", fn,
                             trades[i].symbol);
  }
  if (rec->run_key && !*rec->run_key)
    return folio_error_set(err, FOLIO_EINVAL, "%s: run_key is empty (NULL for a rebalance without a run)", fn);
  if ((st = check_payload(rec->composite_json, "composite", fn, err)) != FOLIO_OK ||
      (st = check_payload(rec->allocations_json, "allocations", fn, err)) != FOLIO_OK ||
      (st = check_payload(rec->orders_json, "orders", fn, err)) != FOLIO_OK ||
      (st = check_payload(rec->decisions_json, "decisions", fn, err)) != FOLIO_OK)
    return st;
  if ((st = begin(store, fn, err)) != FOLIO_OK) return st;
  if (rec->run_key && (st = check_run_completable(store, rec, fn, err)) != FOLIO_OK)
    return rollback(store, st);
  sqlite3_stmt *stmt;
  if ((st = prepare(store,
                    "INSERT INTO rebalances(asof, fund, inputs_digest, composite_json, "
                    "allocations_json, orders_json, decisions_json, turnover, run_key) "
                    "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                    &stmt, fn, err)) != FOLIO_OK)
    return rollback(store, st);
  sqlite3_bind_int64(stmt, 1, rec->asof);
  bind_text(stmt, 2, rec->fund);
  bind_text(stmt, 3, rec->inputs_digest);
  bind_text(stmt, 4, rec->composite_json);
  bind_text(stmt, 5, rec->allocations_json);
  bind_text(stmt, 6, rec->orders_json);
  bind_text(stmt, 7, rec->decisions_json);
  sqlite3_bind_double(stmt, 8, rec->turnover);
  bind_text(stmt, 9, rec->run_key);
  if ((st = step_done(store, stmt, fn, err)) != FOLIO_OK) return rollback(store, st);
  sqlite3_int64 rid = sqlite3_last_insert_rowid(store->db);
  if (rec->run_key) {
    if ((st = prepare(store, "UPDATE runs SET state = 'done', rebalance_id = ?1 WHERE key = ?2", &stmt,
                      fn, err)) != FOLIO_OK)
      return rollback(store, st);
    sqlite3_bind_int64(stmt, 1, rid);
    bind_text(stmt, 2, rec->run_key);
    if ((st = step_done(store, stmt, fn, err)) != FOLIO_OK) return rollback(store, st);
  }
  if (n_trades) {
    if ((st = prepare(store,
                      "INSERT INTO trades(rebalance_id, asof, symbol, weight_change) "
                      "VALUES(?1, ?2, ?3, ?4)",
                      &stmt, fn, err)) != FOLIO_OK)
      return rollback(store, st);
    for (size_t i = 0; i < n_trades; i++) {
      sqlite3_bind_int64(stmt, 1, rid);
      sqlite3_bind_int64(stmt, 2, rec->asof);
      bind_text(stmt, 3, trades[i].symbol);
      sqlite3_bind_double(stmt, 4, trades[i].weight_change);
      int rc = sqlite3_step(stmt);
      if (rc != SQLITE_DONE) {
        st = fail_rc(store, rc, fn, err);
        sqlite3_finalize(stmt);
        return rollback(store, st);
      }
      sqlite3_reset(stmt);
    }
    sqlite3_finalize(stmt);
  }
  if ((st = commit(store, fn, err)) != FOLIO_OK) return st;
  if (id) *id = (int64_t)rid;
  return FOLIO_OK;
}

folio_status folio_store_record_snapshot(folio_store *store, const folio_store_snapshot *snap,
                                         int64_t *id, folio_error *err) {
  static const char fn[] = "record_snapshot";
  folio_status st = check_writable(store, fn, err);
  if (st != FOLIO_OK) return st;
  if (!snap) return folio_error_set(err, FOLIO_EINVAL, "%s: snapshot is NULL", fn);
  const double v[4] = {snap->nav, snap->cash, snap->gross, snap->net};
  static const char *const names[4] = {"nav", "cash", "gross", "net"};
  for (int i = 0; i < 4; i++)
    if (!isfinite(v[i])) return folio_error_set(err, FOLIO_ENOTFINITE, "%s: %s is not finite", fn, names[i]);
  if ((st = check_payload(snap->positions_json, "positions", fn, err)) != FOLIO_OK) return st;
  if ((st = begin(store, fn, err)) != FOLIO_OK) return st;
  sqlite3_stmt *stmt;
  if ((st = prepare(store,
                    "INSERT INTO snapshots(timestamp, nav, cash, gross, net, positions_json) "
                    "VALUES(?1, ?2, ?3, ?4, ?5, ?6)",
                    &stmt, fn, err)) != FOLIO_OK)
    return rollback(store, st);
  sqlite3_bind_int64(stmt, 1, snap->timestamp);
  for (int i = 0; i < 4; i++) sqlite3_bind_double(stmt, 2 + i, v[i]);
  bind_text(stmt, 6, snap->positions_json);
  if ((st = step_done(store, stmt, fn, err)) != FOLIO_OK) return rollback(store, st);
  sqlite3_int64 rid = sqlite3_last_insert_rowid(store->db);
  if ((st = commit(store, fn, err)) != FOLIO_OK) return st;
  if (id) *id = (int64_t)rid;
  return FOLIO_OK;
}

folio_status folio_store_save_checkpoint(folio_store *store, int64_t asof, const char *state_json,
                                         int64_t *id, folio_error *err) {
  static const char fn[] = "save_checkpoint";
  folio_status st = check_writable(store, fn, err);
  if (st != FOLIO_OK) return st;
  if ((st = check_payload(state_json, "state", fn, err)) != FOLIO_OK) return st;
  if ((st = begin(store, fn, err)) != FOLIO_OK) return st;
  sqlite3_stmt *stmt;
  if ((st = prepare(store, "INSERT INTO checkpoints(asof, state_json) VALUES(?1, ?2)", &stmt, fn,
                    err)) != FOLIO_OK)
    return rollback(store, st);
  sqlite3_bind_int64(stmt, 1, asof);
  bind_text(stmt, 2, state_json);
  if ((st = step_done(store, stmt, fn, err)) != FOLIO_OK) return rollback(store, st);
  sqlite3_int64 rid = sqlite3_last_insert_rowid(store->db);
  if ((st = commit(store, fn, err)) != FOLIO_OK) return st;
  if (id) *id = (int64_t)rid;
  return FOLIO_OK;
}

/* ==== reads ============================================================== */

/* A malloc'd copy of column i (NULL for SQL NULL); *oom set on failure. */
static char *column_dup(sqlite3_stmt *stmt, int i, int *oom) {
  const unsigned char *t = sqlite3_column_text(stmt, i);
  if (!t) return NULL;
  size_t n = (size_t)sqlite3_column_bytes(stmt, i);
  char *s = malloc(n + 1);
  if (!s) {
    *oom = 1;
    return NULL;
  }
  memcpy(s, t, n);
  s[n] = '\0';
  return s;
}

/* The next slot of a growing array (*items holding count of *cap elements of
 * elem bytes), zeroed; NULL when out of memory (the array is left as it was). */
static void *next_slot(void **items, size_t *cap, size_t count, size_t elem) {
  if (count == *cap) {
    size_t ncap = *cap ? 2 * *cap : 8;
    void *grown = realloc(*items, ncap * elem);
    if (!grown) return NULL;
    *items = grown;
    *cap = ncap;
  }
  char *slot = (char *)*items + count * elem;
  memset(slot, 0, elem);
  return slot;
}

void folio_store_checkpoint_free(folio_store_checkpoint *cp) {
  if (!cp) return;
  free((void *)cp->state_json);
  free(cp);
}

folio_status folio_store_load_checkpoint(folio_store *store, folio_store_checkpoint **out,
                                         folio_error *err) {
  static const char fn[] = "load_checkpoint";
  sqlite3_stmt *stmt;
  folio_status st = latest_row(
      store, out, "SELECT id, asof, state_json FROM checkpoints ORDER BY id DESC LIMIT 1", &stmt,
      fn, err);
  if (st != FOLIO_OK) return st;
  if (!stmt) {
    *out = NULL;
    return FOLIO_OK;
  }
  int oom = 0;
  folio_store_checkpoint *cp = calloc(1, sizeof *cp);
  if (cp) {
    cp->id = sqlite3_column_int64(stmt, 0);
    cp->asof = sqlite3_column_int64(stmt, 1);
    cp->state_json = column_dup(stmt, 2, &oom);
  }
  sqlite3_finalize(stmt);
  if (!cp || oom) {
    folio_store_checkpoint_free(cp);
    return folio_error_set(err, FOLIO_ENOMEM, "%s: out of memory", fn);
  }
  *out = cp;
  return FOLIO_OK;
}

void folio_store_checkpoint_list_free(folio_store_checkpoint_list *list) {
  if (!list) return;
  for (size_t i = 0; i < list->count; i++) free((void *)list->items[i].state_json);
  free(list->items);
  free(list);
}

folio_status folio_store_checkpoints(folio_store *store, int64_t after_id,
                                     folio_store_checkpoint_list **out, folio_error *err) {
  static const char fn[] = "checkpoints";
  folio_status st = check_handle(store, fn, err);
  if (st != FOLIO_OK) return st;
  if (!out) return folio_error_set(err, FOLIO_EINVAL, "%s: out is NULL", fn);
  if (after_id < 0) return folio_error_set(err, FOLIO_EINVAL, "%s: after must be >= 0", fn);
  folio_store_checkpoint_list *list = calloc(1, sizeof *list);
  if (!list) return folio_error_set(err, FOLIO_ENOMEM, "%s: out of memory", fn);
  sqlite3_stmt *stmt;
  if ((st = prepare(store, "SELECT id, asof, state_json FROM checkpoints WHERE id > ?1 ORDER BY id", &stmt, fn,
                    err)) != FOLIO_OK) {
    free(list);
    return st;
  }
  sqlite3_bind_int64(stmt, 1, after_id);
  size_t cap = 0;
  int rc, oom = 0;
  while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
    void *items = list->items;
    folio_store_checkpoint *cp = next_slot(&items, &cap, list->count, sizeof *cp);
    list->items = items;
    if (!cp) { oom = 1; break; }
    list->count++;
    cp->id = sqlite3_column_int64(stmt, 0);
    cp->asof = sqlite3_column_int64(stmt, 1);
    cp->state_json = column_dup(stmt, 2, &oom);
    if (oom) break;
  }
  if (!oom && rc != SQLITE_DONE) st = fail_rc(store, rc, fn, err);
  sqlite3_finalize(stmt);
  if (oom) st = folio_error_set(err, FOLIO_ENOMEM, "%s: out of memory", fn);
  if (st != FOLIO_OK) {
    folio_store_checkpoint_list_free(list);
    return st;
  }
  *out = list;
  return FOLIO_OK;
}

void folio_store_snapshot_free(folio_store_snapshot *snap) {
  if (!snap) return;
  free((void *)snap->positions_json);
  free(snap);
}

folio_status folio_store_latest_snapshot(folio_store *store, folio_store_snapshot **out,
                                         folio_error *err) {
  static const char fn[] = "latest_snapshot";
  sqlite3_stmt *stmt;
  folio_status st = latest_row(store, out,
                               "SELECT id, timestamp, nav, cash, gross, net, positions_json "
                               "FROM snapshots ORDER BY id DESC LIMIT 1",
                               &stmt, fn, err);
  if (st != FOLIO_OK) return st;
  if (!stmt) {
    *out = NULL;
    return FOLIO_OK;
  }
  int oom = 0;
  folio_store_snapshot *snap = calloc(1, sizeof *snap);
  if (snap) {
    snap->id = sqlite3_column_int64(stmt, 0);
    snap->timestamp = sqlite3_column_int64(stmt, 1);
    snap->nav = sqlite3_column_double(stmt, 2);
    snap->cash = sqlite3_column_double(stmt, 3);
    snap->gross = sqlite3_column_double(stmt, 4);
    snap->net = sqlite3_column_double(stmt, 5);
    snap->positions_json = column_dup(stmt, 6, &oom);
  }
  sqlite3_finalize(stmt);
  if (!snap || oom) {
    folio_store_snapshot_free(snap);
    return folio_error_set(err, FOLIO_ENOMEM, "%s: out of memory", fn);
  }
  *out = snap;
  return FOLIO_OK;
}

folio_status folio_store_turnover_since(folio_store *store, int64_t asof, double days,
                                        double *out, folio_error *err) {
  static const char fn[] = "turnover_since";
  folio_status st = check_handle(store, fn, err);
  if (st != FOLIO_OK) return st;
  if (!out) return folio_error_set(err, FOLIO_EINVAL, "%s: out is NULL", fn);
  if (!isfinite(days) || days < 0 || days > 1e6)
    return folio_error_set(err, FOLIO_EINVAL, "%s: days must be in [0, 1e6] (got %g)", fn, days);
  int64_t span = (int64_t)llround(days * 86400.0);
  int64_t lo = asof < INT64_MIN + span ? INT64_MIN : asof - span;
  sqlite3_stmt *stmt;
  /* Done runs count through their rebalance; open runs as far as they reached the OMS. */
  const char *sql = store->version >= 2
                        ? "SELECT (SELECT total(turnover) FROM rebalances WHERE asof > ?1 AND asof <= ?2)"
                          " + (SELECT total(abs(o.weight)) FROM orders o JOIN runs r ON r.key = o.run_key"
                          "    WHERE r.state = 'open' AND o.state = 'submitted'"
                          "      AND r.asof > ?1 AND r.asof <= ?2)"
                        : "SELECT total(turnover) FROM rebalances WHERE asof > ?1 AND asof <= ?2";
  if ((st = prepare(store, sql, &stmt, fn, err)) != FOLIO_OK) return st;
  sqlite3_bind_int64(stmt, 1, lo);
  sqlite3_bind_int64(stmt, 2, asof);
  int rc = sqlite3_step(stmt);
  double total = rc == SQLITE_ROW ? sqlite3_column_double(stmt, 0) : 0.0;
  sqlite3_finalize(stmt);
  if (rc != SQLITE_ROW) return fail_rc(store, rc, fn, err);
  *out = total;
  return FOLIO_OK;
}

void folio_store_rebalance_list_free(folio_store_rebalance_list *list) {
  if (!list) return;
  for (size_t i = 0; i < list->count; i++) {
    folio_store_rebalance *r = &list->items[i];
    free((void *)r->fund);
    free((void *)r->inputs_digest);
    free((void *)r->composite_json);
    free((void *)r->allocations_json);
    free((void *)r->orders_json);
    free((void *)r->decisions_json);
    free((void *)r->run_key);
  }
  free(list->items);
  free(list);
}

folio_status folio_store_rebalances(folio_store *store, int64_t from, int64_t to,
                                    folio_store_rebalance_list **out, folio_error *err) {
  static const char fn[] = "rebalances";
  folio_status st = check_handle(store, fn, err);
  if (st != FOLIO_OK) return st;
  if (!out) return folio_error_set(err, FOLIO_EINVAL, "%s: out is NULL", fn);
  if (from > to) return folio_error_set(err, FOLIO_EINVAL, "%s: from is after to", fn);
  folio_store_rebalance_list *list = calloc(1, sizeof *list);
  if (!list) return folio_error_set(err, FOLIO_ENOMEM, "%s: out of memory", fn);
  sqlite3_stmt *stmt;
  if ((st = prepare(store,
                    store->version >= 2
                        ? "SELECT id, asof, fund, inputs_digest, composite_json, allocations_json, "
                          "orders_json, decisions_json, turnover, run_key FROM rebalances "
                          "WHERE asof >= ?1 AND asof <= ?2 ORDER BY asof, id"
                        : "SELECT id, asof, fund, inputs_digest, composite_json, allocations_json, "
                          "orders_json, decisions_json, turnover, NULL FROM rebalances "
                          "WHERE asof >= ?1 AND asof <= ?2 ORDER BY asof, id",
                    &stmt, fn, err)) != FOLIO_OK) {
    free(list);
    return st;
  }
  sqlite3_bind_int64(stmt, 1, from);
  sqlite3_bind_int64(stmt, 2, to);
  size_t cap = 0;
  int rc, oom = 0;
  while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
    void *items = list->items;
    folio_store_rebalance *r = next_slot(&items, &cap, list->count, sizeof *r);
    list->items = items;
    if (!r) { oom = 1; break; }
    list->count++;
    r->id = sqlite3_column_int64(stmt, 0);
    r->asof = sqlite3_column_int64(stmt, 1);
    r->fund = column_dup(stmt, 2, &oom);
    r->inputs_digest = column_dup(stmt, 3, &oom);
    r->composite_json = column_dup(stmt, 4, &oom);
    r->allocations_json = column_dup(stmt, 5, &oom);
    r->orders_json = column_dup(stmt, 6, &oom);
    r->decisions_json = column_dup(stmt, 7, &oom);
    r->turnover = sqlite3_column_double(stmt, 8);
    r->run_key = column_dup(stmt, 9, &oom);
    if (oom) break;
  }
  if (!oom && rc != SQLITE_DONE) st = fail_rc(store, rc, fn, err);
  sqlite3_finalize(stmt);
  if (oom) st = folio_error_set(err, FOLIO_ENOMEM, "%s: out of memory", fn);
  if (st != FOLIO_OK) {
    folio_store_rebalance_list_free(list);
    return st;
  }
  *out = list;
  return FOLIO_OK;
}

folio_status folio_store_count(folio_store *store, const char *table, int64_t *out,
                               folio_error *err) {
  static const char fn[] = "store_count";
  folio_status st = check_handle(store, fn, err);
  if (st != FOLIO_OK) return st;
  if (!table || !out) return folio_error_set(err, FOLIO_EINVAL, "%s: table or out is NULL", fn);
  size_t i = 0;
  while (count_tables[i] && strcmp(count_tables[i], table) != 0) i++;
  if (!count_tables[i])
    return folio_error_set(err, FOLIO_ENOTFOUND,
                           "%s: unknown table '%.64s' (valid: rebalances, trades, snapshots, "
                           "checkpoints, runs, orders)",
                           fn, table);
  if (i >= N_COUNT_V1 && store->version < 2) { /* a version-1 file read as it is: no runs */
    *out = 0;
    return FOLIO_OK;
  }
  char sql[64];
  snprintf(sql, sizeof sql, "SELECT count(*) FROM %s", count_tables[i]);
  sqlite3_stmt *stmt;
  if ((st = prepare(store, sql, &stmt, fn, err)) != FOLIO_OK) return st;
  int rc = sqlite3_step(stmt);
  int64_t n = rc == SQLITE_ROW ? sqlite3_column_int64(stmt, 0) : 0;
  sqlite3_finalize(stmt);
  if (rc != SQLITE_ROW) return fail_rc(store, rc, fn, err);
  *out = n;
  return FOLIO_OK;
}

/* ==== the run lock ======================================================= */

/* Reads the holder text of the lock file open at fd into buf (at most
 * size - 1 bytes, a trailing newline dropped; "" when unreadable). */
static void read_holder(int fd, char *buf, size_t size) {
  ssize_t n = pread(fd, buf, size - 1, 0);
  if (n < 0) n = 0;
  buf[n] = '\0';
  while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r')) buf[--n] = '\0';
}

folio_status folio_store_lock(folio_store *store, const char *holder, folio_error *err) {
  static const char fn[] = "store_lock";
  folio_status st = check_handle(store, fn, err);
  if (st != FOLIO_OK) return st;
  if (!holder || !*holder)
    return folio_error_set(err, FOLIO_EINVAL, "%s: holder is empty (say who runs, e.g. \"folio rebalance pid 42\")", fn);
  size_t n = strlen(store->path);
  char *lock_path = malloc(n + sizeof ".lock");
  if (!lock_path) return folio_error_set(err, FOLIO_ENOMEM, "%s: out of memory", fn);
  memcpy(lock_path, store->path, n);
  memcpy(lock_path + n, ".lock", sizeof ".lock");
  int fd = store->lock_fd;
  if (fd < 0) {
    /* O_NOFOLLOW: a symbolic link is refused; O_NONBLOCK: a FIFO never blocks the open. */
    fd = open(lock_path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK, 0666);
    if (fd < 0) {
      int e = errno;
      st = e == ELOOP ? folio_error_set(err, FOLIO_EIO, "%s: lock file %s is a symbolic link; refusing it", fn,
                                        lock_path)
                      : folio_error_set(err, FOLIO_EIO, "%s: cannot create or open lock file %s (%s)", fn,
                                        lock_path, strerror(e));
      free(lock_path);
      return st;
    }
    struct stat sb;
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
      st = folio_error_set(err, FOLIO_EIO, "%s: lock file %s is not a regular file; refusing it", fn, lock_path);
    } else if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
      if (errno == EWOULDBLOCK) {
        char text[256];
        read_holder(fd, text, sizeof text);
        st = folio_error_set(err, FOLIO_EBUSY, "%s: %s is locked by another run: %s (lock file %s)", fn,
                             store->path, text[0] ? text : "(holder not yet written)", lock_path);
      } else {
        st = folio_error_set(err, FOLIO_EIO, "%s: cannot lock %s (%s)", fn, lock_path, strerror(errno));
      }
    }
    if (st != FOLIO_OK) {
      close(fd);
      free(lock_path);
      return st;
    }
  }
  /* Ours now: replace the holder text (the previous one may be a dead run's). */
  size_t len = strlen(holder);
  if (ftruncate(fd, 0) != 0 || pwrite(fd, holder, len, 0) != (ssize_t)len || pwrite(fd, "\n", 1, (off_t)len) != 1) {
    st = folio_error_set(err, FOLIO_EIO, "%s: cannot write lock file %s (%s)", fn, lock_path, strerror(errno));
    if (store->lock_fd < 0) close(fd); /* releases the lock just taken */
    else folio_store_unlock(store);
    free(lock_path);
    return st;
  }
  store->lock_fd = fd;
  free(lock_path);
  return FOLIO_OK;
}

void folio_store_unlock(folio_store *store) {
  if (!store || store->lock_fd < 0) return;
  /* Still ours while truncating: no stale holder text stays behind. */
  if (ftruncate(store->lock_fd, 0) != 0) { /* best effort: the text is informational */ }
  close(store->lock_fd); /* closing the only descriptor releases the flock */
  store->lock_fd = -1;
}

int folio_store_locked(const folio_store *store) { return store && store->lock_fd >= 0; }

/* ==== runs =============================================================== */

static int cmp_i64(const void *a, const void *b) {
  int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
  return (x > y) - (x < y);
}

/* Checks every field of every order of a run to open, and that client ids
 * and seqs are each unique (sorted copies). */
static folio_status check_run(const folio_store_run *run, const char *fn, folio_error *err) {
  if (!run->key || !*run->key) return folio_error_set(err, FOLIO_EINVAL, "%s: key is empty", fn);
  if (!run->fund || !*run->fund) return folio_error_set(err, FOLIO_EINVAL, "%s: fund is empty", fn);
  if (run->n_orders && !run->orders) return folio_error_set(err, FOLIO_EINVAL, "%s: orders is NULL", fn);
  for (size_t i = 0; i < run->n_orders; i++) {
    const folio_store_order *o = &run->orders[i];
    if (!o->client_id || !*o->client_id)
      return folio_error_set(err, FOLIO_EINVAL, "%s: order #%zu has an empty client_id", fn, i + 1);
    const char *id = o->client_id;
    if (!o->symbol || !*o->symbol)
      return folio_error_set(err, FOLIO_EINVAL, "%s: order #%zu (%s) has an empty symbol", fn, i + 1, id);
    if (!o->side || (strcmp(o->side, "BUY") != 0 && strcmp(o->side, "SELL") != 0))
      return folio_error_set(err, FOLIO_EINVAL, "%s: order #%zu (%s): side must be \"BUY\" or \"SELL\" (got '%.32s')",
                             fn, i + 1, id, o->side ? o->side : "NULL");
    const double v[4] = {o->quantity, o->price, o->notional, o->weight};
    static const char *const names[4] = {"quantity", "price", "notional", "weight"};
    for (int k = 0; k < 4; k++)
      if (!isfinite(v[k]))
        return folio_error_set(err, FOLIO_ENOTFINITE, "%s: order #%zu (%s): %s is not finite", fn, i + 1, id,
                               names[k]);
    if (o->quantity <= 0)
      return folio_error_set(err, FOLIO_EINVAL, "%s: order #%zu (%s): quantity must be > 0 (got %g)", fn, i + 1,
                             id, o->quantity);
    if (o->price < 0)
      return folio_error_set(err, FOLIO_EINVAL, "%s: order #%zu (%s): price must be >= 0 (got %g)", fn, i + 1, id,
                             o->price);
  }
  if (run->n_orders < 2) return FOLIO_OK;
  const char **ids = malloc(run->n_orders * sizeof *ids);
  int64_t *seqs = malloc(run->n_orders * sizeof *seqs);
  folio_status st = FOLIO_OK;
  if (!ids || !seqs) {
    st = folio_error_set(err, FOLIO_ENOMEM, "%s: out of memory", fn);
  } else {
    for (size_t i = 0; i < run->n_orders; i++) {
      ids[i] = run->orders[i].client_id;
      seqs[i] = run->orders[i].seq;
    }
    qsort(ids, run->n_orders, sizeof *ids, folio_i_cmp_str);
    qsort(seqs, run->n_orders, sizeof *seqs, cmp_i64);
    for (size_t i = 1; i < run->n_orders && st == FOLIO_OK; i++) {
      if (strcmp(ids[i - 1], ids[i]) == 0)
        st = folio_error_set(err, FOLIO_EDUP, "%s: client_id '%s' is used by two orders", fn, ids[i]);
      else if (seqs[i - 1] == seqs[i])
        st = folio_error_set(err, FOLIO_EDUP, "%s: seq %lld is used by two orders", fn, (long long)seqs[i]);
    }
  }
  free(ids);
  free(seqs);
  return st;
}

/* Inside run_open's transaction: *found = whether run->key exists; when it
 * does, it must have run's fund, asof and digest. */
static folio_status find_run(folio_store *s, const folio_store_run *run, int *found, const char *fn,
                             folio_error *err) {
  sqlite3_stmt *stmt;
  folio_status st = prepare(s, "SELECT fund, asof, inputs_digest FROM runs WHERE key = ?1", &stmt, fn, err);
  if (st != FOLIO_OK) return st;
  bind_text(stmt, 1, run->key);
  int rc = sqlite3_step(stmt);
  *found = rc == SQLITE_ROW;
  if (rc == SQLITE_ROW) {
    const char *fund = (const char *)sqlite3_column_text(stmt, 0);
    const char *digest = (const char *)sqlite3_column_text(stmt, 2);
    const char *want = run->inputs_digest ? run->inputs_digest : "";
    int64_t asof = sqlite3_column_int64(stmt, 1);
    if (!fund || strcmp(fund, run->fund) != 0)
      st = folio_error_set(err, FOLIO_EINVAL, "%s: run '%s' exists with fund '%s', not '%s'", fn, run->key,
                           fund ? fund : "", run->fund);
    else if (asof != run->asof)
      st = folio_error_set(err, FOLIO_EINVAL, "%s: run '%s' exists with asof %lld, not %lld", fn, run->key,
                           (long long)asof, (long long)run->asof);
    else if (strcmp(digest ? digest : "", want) != 0)
      st = folio_error_set(err, FOLIO_EINVAL, "%s: run '%s' exists with inputs_digest '%s', not '%s'", fn,
                           run->key, digest ? digest : "", want);
  } else if (rc != SQLITE_DONE) {
    st = fail_rc(s, rc, fn, err);
  }
  sqlite3_finalize(stmt);
  return st;
}

/* Inside run_open's transaction: inserts the run and its orders (intended). */
static folio_status insert_run(folio_store *s, const folio_store_run *run, const char *fn, folio_error *err) {
  sqlite3_stmt *stmt;
  folio_status st = prepare(s,
                            "INSERT INTO runs(key, fund, asof, inputs_digest, state, created) "
                            "VALUES(?1, ?2, ?3, ?4, 'open', ?5)",
                            &stmt, fn, err);
  if (st != FOLIO_OK) return st;
  bind_text(stmt, 1, run->key);
  bind_text(stmt, 2, run->fund);
  sqlite3_bind_int64(stmt, 3, run->asof);
  bind_text(stmt, 4, run->inputs_digest ? run->inputs_digest : "");
  sqlite3_bind_int64(stmt, 5, (sqlite3_int64)time(NULL));
  if ((st = step_done(s, stmt, fn, err)) != FOLIO_OK) return st;
  if (!run->n_orders) return FOLIO_OK;
  sqlite3_stmt *owner;
  if ((st = prepare(s, "SELECT run_key FROM orders WHERE client_id = ?1", &owner, fn, err)) != FOLIO_OK) return st;
  if ((st = prepare(s,
                    "INSERT INTO orders(run_key, seq, client_id, symbol, side, quantity, price, notional, "
                    "weight, state) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 'intended')",
                    &stmt, fn, err)) != FOLIO_OK) {
    sqlite3_finalize(owner);
    return st;
  }
  for (size_t i = 0; i < run->n_orders && st == FOLIO_OK; i++) {
    const folio_store_order *o = &run->orders[i];
    /* A client id of another run would let the OMS drop this order as a duplicate. */
    bind_text(owner, 1, o->client_id);
    int rc = sqlite3_step(owner);
    if (rc == SQLITE_ROW)
      st = folio_error_set(err, FOLIO_EDUP, "%s: order #%zu: client_id '%s' already belongs to run '%s'", fn, i + 1,
                           o->client_id, (const char *)sqlite3_column_text(owner, 0));
    else if (rc != SQLITE_DONE)
      st = fail_rc(s, rc, fn, err);
    sqlite3_reset(owner);
    if (st != FOLIO_OK) break;
    bind_text(stmt, 1, run->key);
    sqlite3_bind_int64(stmt, 2, o->seq);
    bind_text(stmt, 3, o->client_id);
    bind_text(stmt, 4, o->symbol);
    bind_text(stmt, 5, o->side);
    sqlite3_bind_double(stmt, 6, o->quantity);
    sqlite3_bind_double(stmt, 7, o->price);
    sqlite3_bind_double(stmt, 8, o->notional);
    sqlite3_bind_double(stmt, 9, o->weight);
    if ((rc = sqlite3_step(stmt)) != SQLITE_DONE) st = fail_rc(s, rc, fn, err);
    sqlite3_reset(stmt);
  }
  sqlite3_finalize(owner);
  sqlite3_finalize(stmt);
  return st;
}

folio_status folio_store_run_open(folio_store *store, const folio_store_run *run, int *existed,
                                  folio_error *err) {
  static const char fn[] = "run_open";
  folio_status st = check_writable(store, fn, err);
  if (st != FOLIO_OK) return st;
  if (!run || !existed) return folio_error_set(err, FOLIO_EINVAL, "%s: run or existed is NULL", fn);
  if ((st = check_run(run, fn, err)) != FOLIO_OK) return st;
  if ((st = begin(store, fn, err)) != FOLIO_OK) return st;
  int found = 0;
  if ((st = find_run(store, run, &found, fn, err)) != FOLIO_OK) return rollback(store, st);
  if (found) { /* a rerun: nothing to write */
    rollback(store, FOLIO_OK);
    *existed = 1;
    return FOLIO_OK;
  }
  if ((st = insert_run(store, run, fn, err)) != FOLIO_OK) return rollback(store, st);
  if ((st = commit(store, fn, err)) != FOLIO_OK) return st;
  *existed = 0;
  return FOLIO_OK;
}

void folio_store_run_info_free(folio_store_run_info *info) {
  if (!info) return;
  for (size_t i = 0; i < info->n_orders; i++) {
    free((void *)info->orders[i].client_id);
    free((void *)info->orders[i].symbol);
    free((void *)info->orders[i].side);
  }
  free(info->orders);
  free(info->key);
  free(info->fund);
  free(info->inputs_digest);
  free(info->state);
  free(info);
}

/* Reads the orders of info->key (by seq) into info; inside run_get's transaction. */
static folio_status read_orders(folio_store *s, folio_store_run_info *info, const char *fn, folio_error *err) {
  sqlite3_stmt *stmt;
  folio_status st = prepare(s,
                            "SELECT seq, client_id, symbol, side, quantity, price, notional, weight, state, "
                            "submitted_at FROM orders WHERE run_key = ?1 ORDER BY seq",
                            &stmt, fn, err);
  if (st != FOLIO_OK) return st;
  bind_text(stmt, 1, info->key);
  size_t cap = 0;
  int rc, oom = 0;
  while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
    void *items = info->orders;
    folio_store_order *o = next_slot(&items, &cap, info->n_orders, sizeof *o);
    info->orders = items;
    if (!o) { oom = 1; break; }
    info->n_orders++;
    o->seq = sqlite3_column_int64(stmt, 0);
    o->client_id = column_dup(stmt, 1, &oom);
    o->symbol = column_dup(stmt, 2, &oom);
    o->side = column_dup(stmt, 3, &oom);
    o->quantity = sqlite3_column_double(stmt, 4);
    o->price = sqlite3_column_double(stmt, 5);
    o->notional = sqlite3_column_double(stmt, 6);
    o->weight = sqlite3_column_double(stmt, 7);
    const char *state = (const char *)sqlite3_column_text(stmt, 8);
    o->state = state && strcmp(state, "submitted") == 0 ? FOLIO_STORE_SUBMITTED : FOLIO_STORE_INTENDED;
    o->submitted_at = sqlite3_column_int64(stmt, 9); /* NULL reads as 0 */
    if (oom) break;
  }
  if (!oom && rc != SQLITE_DONE) st = fail_rc(s, rc, fn, err);
  sqlite3_finalize(stmt);
  if (oom) st = folio_error_set(err, FOLIO_ENOMEM, "%s: out of memory", fn);
  return st;
}

folio_status folio_store_run_get(folio_store *store, const char *key, folio_store_run_info **out,
                                 folio_error *err) {
  static const char fn[] = "run_get";
  folio_status st = check_handle(store, fn, err);
  if (st != FOLIO_OK) return st;
  if (!key || !*key || !out) return folio_error_set(err, FOLIO_EINVAL, "%s: key is empty or out is NULL", fn);
  if (store->version < 2)
    return folio_error_set(err, FOLIO_ENOTFOUND, "%s: no run '%s' in store '%s' (schema version 1: no runs)", fn,
                           key, store->path);
  /* One read transaction: the run and its orders as of one moment. */
  int rc = exec(store->db, "BEGIN");
  if (rc != SQLITE_OK) return fail_rc(store, rc, fn, err);
  sqlite3_stmt *stmt;
  if ((st = prepare(store,
                    "SELECT key, fund, asof, inputs_digest, state, created, rebalance_id FROM runs "
                    "WHERE key = ?1",
                    &stmt, fn, err)) != FOLIO_OK)
    return rollback(store, st);
  bind_text(stmt, 1, key);
  rc = sqlite3_step(stmt);
  if (rc != SQLITE_ROW) {
    st = rc == SQLITE_DONE ? folio_error_set(err, FOLIO_ENOTFOUND, "%s: no run '%s' in store '%s'", fn, key,
                                             store->path)
                           : fail_rc(store, rc, fn, err);
    sqlite3_finalize(stmt);
    return rollback(store, st);
  }
  int oom = 0;
  folio_store_run_info *info = calloc(1, sizeof *info);
  if (info) {
    info->key = column_dup(stmt, 0, &oom);
    info->fund = column_dup(stmt, 1, &oom);
    info->asof = sqlite3_column_int64(stmt, 2);
    info->inputs_digest = column_dup(stmt, 3, &oom);
    info->state = column_dup(stmt, 4, &oom);
    info->created = sqlite3_column_int64(stmt, 5);
    info->rebalance_id = sqlite3_column_int64(stmt, 6); /* NULL reads as 0 */
  }
  sqlite3_finalize(stmt);
  if (!info || oom || !info->key || !info->fund || !info->state) {
    folio_store_run_info_free(info);
    return rollback(store, folio_error_set(err, FOLIO_ENOMEM, "%s: out of memory", fn));
  }
  if ((st = read_orders(store, info, fn, err)) != FOLIO_OK) {
    folio_store_run_info_free(info);
    return rollback(store, st);
  }
  rollback(store, FOLIO_OK); /* nothing was written: ends the read transaction */
  *out = info;
  return FOLIO_OK;
}

folio_status folio_store_mark_submitted(folio_store *store, const char *key, size_t n_ids,
                                        const char *const *client_ids, int64_t when, folio_error *err) {
  static const char fn[] = "mark_submitted";
  folio_status st = check_writable(store, fn, err);
  if (st != FOLIO_OK) return st;
  if (!key || !*key) return folio_error_set(err, FOLIO_EINVAL, "%s: key is empty", fn);
  if (n_ids && !client_ids) return folio_error_set(err, FOLIO_EINVAL, "%s: client_ids is NULL", fn);
  for (size_t i = 0; i < n_ids; i++)
    if (!client_ids[i] || !*client_ids[i])
      return folio_error_set(err, FOLIO_EINVAL, "%s: client id #%zu is empty", fn, i + 1);
  if ((st = begin(store, fn, err)) != FOLIO_OK) return st;
  sqlite3_stmt *stmt;
  if ((st = prepare(store, "SELECT state FROM runs WHERE key = ?1", &stmt, fn, err)) != FOLIO_OK)
    return rollback(store, st);
  bind_text(stmt, 1, key);
  int rc = sqlite3_step(stmt);
  int done = rc == SQLITE_ROW && sqlite3_column_text(stmt, 0) &&
             strcmp((const char *)sqlite3_column_text(stmt, 0), "done") == 0;
  sqlite3_finalize(stmt);
  if (rc == SQLITE_DONE)
    return rollback(store, folio_error_set(err, FOLIO_ENOTFOUND, "%s: no run '%s' in store '%s'", fn, key,
                                           store->path));
  if (rc != SQLITE_ROW) return rollback(store, fail_rc(store, rc, fn, err));
  /* Only an intended order changes: a submitted one keeps its first time. */
  sqlite3_stmt *get, *set;
  if ((st = prepare(store, "SELECT state FROM orders WHERE run_key = ?1 AND client_id = ?2", &get, fn, err)) !=
      FOLIO_OK)
    return rollback(store, st);
  if ((st = prepare(store,
                    "UPDATE orders SET state = 'submitted', submitted_at = ?3 "
                    "WHERE run_key = ?1 AND client_id = ?2 AND state = 'intended'",
                    &set, fn, err)) != FOLIO_OK) {
    sqlite3_finalize(get);
    return rollback(store, st);
  }
  for (size_t i = 0; i < n_ids && st == FOLIO_OK; i++) {
    bind_text(get, 1, key);
    bind_text(get, 2, client_ids[i]);
    rc = sqlite3_step(get);
    int intended = rc == SQLITE_ROW && sqlite3_column_text(get, 0) &&
                   strcmp((const char *)sqlite3_column_text(get, 0), "intended") == 0;
    if (rc == SQLITE_DONE)
      st = folio_error_set(err, FOLIO_ENOTFOUND, "%s: run '%s' has no order with client_id '%s' (#%zu)", fn, key,
                           client_ids[i], i + 1);
    else if (rc != SQLITE_ROW)
      st = fail_rc(store, rc, fn, err);
    else if (intended && done)
      st = folio_error_set(err, FOLIO_EINVAL,
                           "%s: run '%s' is done, but its order %s was never marked submitted; nothing was "
                           "written",
                           fn, key, client_ids[i]);
    sqlite3_reset(get);
    if (st != FOLIO_OK || !intended) continue;
    bind_text(set, 1, key);
    bind_text(set, 2, client_ids[i]);
    sqlite3_bind_int64(set, 3, when);
    if ((rc = sqlite3_step(set)) != SQLITE_DONE) st = fail_rc(store, rc, fn, err);
    sqlite3_reset(set);
  }
  sqlite3_finalize(get);
  sqlite3_finalize(set);
  if (st != FOLIO_OK) return rollback(store, st);
  return commit(store, fn, err);
}
