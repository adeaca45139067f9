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
 * so malformed text never reaches the file.
 */
#include <errno.h>
#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "folio/json.h"
#include "folio/store.h"

struct folio_store {
  sqlite3 *db;
  char *path;
  int readonly;
  int busy_ms;
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

/* Names accepted by folio_store_count (never interpolate anything else). */
static const char *const count_tables[] = {"rebalances", "trades", "snapshots", "checkpoints", NULL};

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

/* Reads meta.schema_version of an existing schema; checks the application. */
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

static folio_status open_db(folio_store *s, int flags, int exists, folio_error *err) {
  int oflags = s->readonly ? SQLITE_OPEN_READONLY
                           : SQLITE_OPEN_READWRITE | ((flags & FOLIO_STORE_CREATE) ? SQLITE_OPEN_CREATE : 0);
  int rc = sqlite3_open_v2(s->path, &s->db, oflags, NULL);
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
  if (n_objects > 0) return FOLIO_OK;
  if ((st = begin(s, "store_open", err)) != FOLIO_OK) return st;
  if ((rc = exec(s->db, schema_v1)) != SQLITE_OK) return rollback(s, fail_rc(s, rc, "store_open", err));
  if ((st = commit(s, "store_open", err)) != FOLIO_OK) return st;
  return check_schema(s, err);
}

folio_status folio_store_open(const char *path, int flags, folio_store **out, folio_error *err) {
  folio_error_clear(err);
  if (!path || !*path) return folio_error_set(err, FOLIO_EINVAL, "store_open: path is NULL or empty");
  if (!out) return folio_error_set(err, FOLIO_EINVAL, "store_open: out is NULL");
  if (flags & ~(FOLIO_STORE_READONLY | FOLIO_STORE_CREATE))
    return folio_error_set(err, FOLIO_EINVAL, "store_open: unknown flags 0x%x", (unsigned)flags);
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
  if ((st = check_payload(rec->composite_json, "composite", fn, err)) != FOLIO_OK ||
      (st = check_payload(rec->allocations_json, "allocations", fn, err)) != FOLIO_OK ||
      (st = check_payload(rec->orders_json, "orders", fn, err)) != FOLIO_OK ||
      (st = check_payload(rec->decisions_json, "decisions", fn, err)) != FOLIO_OK)
    return st;
  if ((st = begin(store, fn, err)) != FOLIO_OK) return st;
  sqlite3_stmt *stmt;
  if ((st = prepare(store,
                    "INSERT INTO rebalances(asof, fund, inputs_digest, composite_json, "
                    "allocations_json, orders_json, decisions_json, turnover) "
                    "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
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
  if ((st = step_done(store, stmt, fn, err)) != FOLIO_OK) return rollback(store, st);
  sqlite3_int64 rid = sqlite3_last_insert_rowid(store->db);
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
  if ((st = prepare(store, "SELECT total(turnover) FROM rebalances WHERE asof > ?1 AND asof <= ?2",
                    &stmt, fn, err)) != FOLIO_OK)
    return st;
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
                    "SELECT id, asof, fund, inputs_digest, composite_json, allocations_json, "
                    "orders_json, decisions_json, turnover FROM rebalances "
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
    if (list->count == cap) {
      size_t ncap = cap ? 2 * cap : 8;
      folio_store_rebalance *items = realloc(list->items, ncap * sizeof *items);
      if (!items) { oom = 1; break; }
      list->items = items;
      cap = ncap;
    }
    folio_store_rebalance *r = &list->items[list->count++];
    memset(r, 0, sizeof *r);
    r->id = sqlite3_column_int64(stmt, 0);
    r->asof = sqlite3_column_int64(stmt, 1);
    r->fund = column_dup(stmt, 2, &oom);
    r->inputs_digest = column_dup(stmt, 3, &oom);
    r->composite_json = column_dup(stmt, 4, &oom);
    r->allocations_json = column_dup(stmt, 5, &oom);
    r->orders_json = column_dup(stmt, 6, &oom);
    r->decisions_json = column_dup(stmt, 7, &oom);
    r->turnover = sqlite3_column_double(stmt, 8);
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
                           "%s: unknown table '%.64s' (valid: rebalances, trades, snapshots, checkpoints)",
                           fn, table);
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
