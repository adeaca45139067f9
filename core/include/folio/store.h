/*
 * store.h — the event store: every rebalance, snapshot and checkpoint of a
 * fund, in one SQLite file, so a run can be audited and a restart recovers
 * the latest state.
 *
 * Durability: the file is in WAL mode with synchronous=FULL; each record_*
 * call is ONE transaction (BEGIN IMMEDIATE ... COMMIT, rolled back on any
 * error), so a reader — or a process reopening the file after the writer was
 * killed — sees every committed record whole and never a partial one.
 * Payloads (composite, allocations, orders, decisions, positions, state) are
 * JSON text produced by the caller; each is checked (folio_json_check: jansson
 * with folio's limits) before anything is written. Times are epoch seconds (UTC).
 *
 * Schema version 1 (created on first open with FOLIO_STORE_CREATE):
 *   meta(key TEXT PRIMARY KEY, value TEXT)  -- 'application' = 'folio', 'schema_version' = '1'
 *   rebalances(id INTEGER PRIMARY KEY, asof INTEGER, fund TEXT, inputs_digest TEXT,
 *              composite_json, allocations_json, orders_json, decisions_json TEXT,
 *              turnover REAL)                 -- index on asof
 *   trades(id INTEGER PRIMARY KEY, rebalance_id INTEGER REFERENCES rebalances(id),
 *          asof INTEGER, symbol TEXT, weight_change REAL)  -- index on asof
 *   snapshots(id INTEGER PRIMARY KEY, timestamp INTEGER, nav, cash, gross, net REAL,
 *             positions_json TEXT)
 *   checkpoints(id INTEGER PRIMARY KEY, asof INTEGER, state_json TEXT)
 * A file whose schema_version is newer than this library's is refused, never
 * migrated or written.
 *
 * Bad files: a corrupt file (PRAGMA quick_check at open) is FOLIO_EIO "... is
 * corrupt ..." and is left byte-for-byte unchanged; a file locked by another
 * writer for longer than the busy timeout (2 s by default) is FOLIO_EIO "...
 * is locked ..."; a read-only file (opened READONLY, or a file with no write
 * permission bits — checked from its mode, so this holds even for root) opens
 * for reading and every write is FOLIO_EIO "... is read-only ...".
 *
 * A handle is used by one thread at a time; several handles (in one process
 * or several) may share a file.
 */
#ifndef FOLIO_STORE_H
#define FOLIO_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "folio/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The schema version this library writes and reads. */
#define FOLIO_STORE_SCHEMA_VERSION 1

/* Open flags. */
#define FOLIO_STORE_READONLY 1 /* never write (not even the WAL setting) */
#define FOLIO_STORE_CREATE 2   /* create the file and its schema when absent */

typedef struct folio_store folio_store;

/* A rebalance as recorded (input: id ignored). Strings are borrowed on input;
 * the *_json fields are JSON text (NULL = "null"). */
typedef struct folio_store_rebalance {
  int64_t id;
  int64_t asof;
  const char *fund;          /* non-empty */
  const char *inputs_digest; /* may be NULL or "" */
  const char *composite_json, *allocations_json, *orders_json, *decisions_json;
  double turnover; /* finite, >= 0 (one-way, fraction of NAV) */
} folio_store_rebalance;

/* One traded symbol of a rebalance (signed change of its weight). */
typedef struct folio_store_trade {
  const char *symbol;
  double weight_change;
} folio_store_trade;

typedef struct folio_store_snapshot {
  int64_t id;
  int64_t timestamp;
  double nav, cash, gross, net; /* finite */
  const char *positions_json;
} folio_store_snapshot;

typedef struct folio_store_checkpoint {
  int64_t id;
  int64_t asof;
  const char *state_json;
} folio_store_checkpoint;

/* Rebalances returned by a query; owns every string (free with _free). */
typedef struct folio_store_rebalance_list {
  size_t count;
  folio_store_rebalance *items;
} folio_store_rebalance_list;

/* Opens (and with FOLIO_STORE_CREATE creates) the store at path; *out is set
 * only on success and is closed with folio_store_close. Sets WAL mode,
 * synchronous=FULL and a 2 s busy timeout, runs PRAGMA quick_check, and checks
 * (or creates) the schema. flags: FOLIO_STORE_READONLY and/or FOLIO_STORE_CREATE
 * (READONLY wins). Errors: FOLIO_EIO (cannot open, corrupt, locked, not a folio
 * store, read-only file without a schema), FOLIO_ENOTFOUND (no such file
 * without CREATE), FOLIO_EINVAL (NULL, empty path, unknown flags, a schema
 * version newer than FOLIO_STORE_SCHEMA_VERSION), FOLIO_ENOMEM. */
FOLIO_API folio_status folio_store_open(const char *path, int flags, folio_store **out, folio_error *err);

/* Closes the store (NULL is a no-op). Never fails: SQLite finishes the WAL. */
FOLIO_API void folio_store_close(folio_store *store);

/* Sets how long a write waits for another writer before failing "locked"
 * (milliseconds, >= 0; the default is 2000). Errors: FOLIO_EINVAL. */
FOLIO_API folio_status folio_store_set_busy_timeout(folio_store *store, int milliseconds, folio_error *err);

/* 1 when writes are refused (opened READONLY or the file is read-only). */
FOLIO_API int folio_store_readonly(const folio_store *store);

/* The path the store was opened with (borrowed; valid until close). */
FOLIO_API const char *folio_store_path(const folio_store *store);

/* Records one rebalance and its n_trades trades in one transaction; *id (may
 * be NULL) receives the new rebalance id. Errors: FOLIO_EINVAL (empty fund,
 * negative turnover, empty trade symbol), FOLIO_ENOTFINITE, FOLIO_EPARSE /
 * FOLIO_EDIM (a payload is not valid JSON: the field is named), FOLIO_EIO
 * (read-only, locked, disk). Nothing is written on error. */
FOLIO_API folio_status folio_store_record_rebalance(folio_store *store, const folio_store_rebalance *rec,
                                                    const folio_store_trade *trades, size_t n_trades,
                                                    int64_t *id, folio_error *err);

/* Records one portfolio snapshot in one transaction. Errors as above. */
FOLIO_API folio_status folio_store_record_snapshot(folio_store *store, const folio_store_snapshot *snap,
                                                   int64_t *id, folio_error *err);

/* Saves a checkpoint (state JSON at asof) in one transaction. Errors as above. */
FOLIO_API folio_status folio_store_save_checkpoint(folio_store *store, int64_t asof, const char *state_json,
                                                   int64_t *id, folio_error *err);

/* The last checkpoint saved (highest id) or *out = NULL when
 * there is none. The result owns its string; free with
 * folio_store_checkpoint_free. Errors: FOLIO_EIO, FOLIO_ENOMEM, FOLIO_EINVAL. */
FOLIO_API folio_status folio_store_load_checkpoint(folio_store *store, folio_store_checkpoint **out,
                                                   folio_error *err);
/* Frees a checkpoint from folio_store_load_checkpoint; NULL is a no-op. */
FOLIO_API void folio_store_checkpoint_free(folio_store_checkpoint *cp);

/* The last snapshot recorded (highest id) or *out = NULL.
 * Free with folio_store_snapshot_free. Errors as load_checkpoint. */
FOLIO_API folio_status folio_store_latest_snapshot(folio_store *store, folio_store_snapshot **out,
                                                   folio_error *err);
/* Frees a snapshot from folio_store_latest_snapshot; NULL is a no-op. */
FOLIO_API void folio_store_snapshot_free(folio_store_snapshot *snap);

/* Σ turnover of the rebalances with asof in (asof - days·86400, asof] —
 * the window a weekly turnover cap reads (days = 7). 0 when none.
 * Errors: FOLIO_EINVAL (days not finite or < 0), FOLIO_EIO. */
FOLIO_API folio_status folio_store_turnover_since(folio_store *store, int64_t asof, double days,
                                                  double *out, folio_error *err);

/* Rebalances with from <= asof <= to, by asof then id. *out owns every string;
 * free with folio_store_rebalance_list_free. Errors: FOLIO_EINVAL (from > to),
 * FOLIO_EIO, FOLIO_ENOMEM. */
FOLIO_API folio_status folio_store_rebalances(folio_store *store, int64_t from, int64_t to,
                                              folio_store_rebalance_list **out, folio_error *err);
/* Frees a list from folio_store_rebalances; NULL is a no-op. */
FOLIO_API void folio_store_rebalance_list_free(folio_store_rebalance_list *list);

/* Number of rows of a table ("rebalances", "trades", "snapshots",
 * "checkpoints"). Errors: FOLIO_ENOTFOUND (other names), FOLIO_EIO. */
FOLIO_API folio_status folio_store_count(folio_store *store, const char *table, int64_t *out,
                                         folio_error *err);

#ifdef __cplusplus
}
#endif
#endif
