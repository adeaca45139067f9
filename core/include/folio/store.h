/*
 * store.h — the event store: every rebalance, snapshot and checkpoint of a
 * fund, and every order a rebalance meant to submit, in one SQLite file, so a
 * run can be audited, a restart recovers the latest state, and a rerun submits
 * every order exactly once.
 *
 * Durability: the file is in WAL mode with synchronous=FULL; each write call
 * (record_*, save_checkpoint, run_open, mark_submitted) is ONE transaction
 * (BEGIN IMMEDIATE ... COMMIT, rolled back on any error), so a reader — or a
 * process reopening the file after the writer was killed — sees every
 * committed record whole and never a partial one. Payloads (composite,
 * allocations, orders, decisions, positions, state) are JSON text produced by
 * the caller; each is checked (folio_json_check: jansson with folio's limits)
 * before anything is written. Times are epoch seconds (UTC).
 *
 * Schema version 2 (created on first open with FOLIO_STORE_CREATE):
 *   meta(key TEXT PRIMARY KEY, value TEXT)  -- 'application' = 'folio', 'schema_version' = '2'
 *   rebalances(id INTEGER PRIMARY KEY, asof INTEGER, fund TEXT, inputs_digest TEXT,
 *              composite_json, allocations_json, orders_json, decisions_json TEXT,
 *              turnover REAL, run_key TEXT NULL)  -- index on asof
 *   trades(id INTEGER PRIMARY KEY, rebalance_id INTEGER REFERENCES rebalances(id),
 *          asof INTEGER, symbol TEXT, weight_change REAL)  -- index on asof
 *   snapshots(id INTEGER PRIMARY KEY, timestamp INTEGER, nav, cash, gross, net REAL,
 *             positions_json TEXT)
 *   checkpoints(id INTEGER PRIMARY KEY, asof INTEGER, state_json TEXT)
 *   runs(key TEXT PRIMARY KEY, fund TEXT, asof INTEGER, inputs_digest TEXT,
 *        state TEXT CHECK(state IN ('open','done')), created INTEGER,
 *        rebalance_id INTEGER NULL)               -- index on asof
 *   orders(run_key TEXT REFERENCES runs(key), seq INTEGER, client_id TEXT UNIQUE,
 *          symbol TEXT, side TEXT CHECK(side IN ('BUY','SELL')), quantity, price,
 *          notional REAL, weight REAL (signed notional / NAV),
 *          state TEXT CHECK(state IN ('intended','submitted')), submitted_at INTEGER NULL,
 *          PRIMARY KEY(run_key, seq))
 * Version 1 (the same without runs, orders and rebalances.run_key) is still
 * read: opened writable, a version-1 file is upgraded to version 2 in one
 * transaction; opened read-only it is read as it is, with no runs. A file
 * whose schema_version is newer than this library's is refused, never
 * migrated or written.
 *
 * Run lifecycle (exactly-once submission): a rebalance takes the run lock
 * (folio_store_lock), derives an idempotency key from (fund, asof, inputs
 * digest) and calls folio_store_run_open with its orders, each with a stable
 * client order id: the run and its orders are recorded as 'intended' before
 * anything is submitted. After the OMS durably accepted an order it calls
 * folio_store_mark_submitted. At the end folio_store_record_rebalance with
 * run_key records the rebalance and marks the run 'done' in one transaction;
 * it refuses while any order is still 'intended', so the store never says an
 * order traded that did not reach the OMS. A rerun with the same key finds
 * the run (existed = 1), reads it (folio_store_run_get) and submits only the
 * orders still 'intended'. An order killed between the OMS's acceptance and
 * mark_submitted stays 'intended': the OMS deduplicates it by client id.
 *
 * Run lock: folio_store_lock takes flock(LOCK_EX | LOCK_NB) on the file
 * "<store path>.lock" beside the store and writes the caller's holder text
 * into it. flock (not fcntl) locks an open file description, so two handles
 * in one process exclude each other too; the kernel drops the lock when the
 * process dies (even by SIGKILL), so a lock file left behind is harmless.
 * The lock file is never deleted (deleting it would race with a new holder).
 * A child forked while the lock is held shares it until it exits or execs
 * (the descriptor is O_CLOEXEC).
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
#define FOLIO_STORE_SCHEMA_VERSION 2

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
  /* The run this rebalance completes (NULL: none). On input the run must
   * exist, be open and have every order submitted; it is marked done in the
   * same transaction. On output (folio_store_rebalances) NULL when none. */
  const char *run_key;
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

/* The state of an order of a run. */
typedef enum folio_store_order_state {
  FOLIO_STORE_INTENDED = 0, /* recorded before submission; not known to have reached the OMS */
  FOLIO_STORE_SUBMITTED = 1 /* the OMS adapter durably accepted it */
} folio_store_order_state;

/* One order of a run. On input (folio_store_run_open) strings are borrowed
 * and state / submitted_at are ignored; in a folio_store_run_info they are
 * owned by the info. */
typedef struct folio_store_order {
  int64_t seq;           /* order within the run; unique in the run */
  const char *client_id; /* non-empty; unique in the whole store (the OMS deduplicates on it) */
  const char *symbol;    /* non-empty */
  const char *side;      /* "BUY" or "SELL" */
  double quantity;       /* finite, > 0 */
  double price;          /* finite, >= 0 */
  double notional;       /* finite */
  double weight;         /* finite: signed notional / NAV */
  folio_store_order_state state; /* output only */
  int64_t submitted_at;          /* output only: epoch seconds, 0 while intended */
} folio_store_order;

/* A run to open (input only; everything borrowed). */
typedef struct folio_store_run {
  const char *key;           /* the idempotency key; non-empty */
  const char *fund;          /* non-empty */
  int64_t asof;
  const char *inputs_digest; /* may be NULL (stored as "") */
  size_t n_orders;
  const folio_store_order *orders; /* n_orders orders (NULL when 0) */
} folio_store_run;

/* A run as recorded; owns every string. Free with folio_store_run_info_free. */
typedef struct folio_store_run_info {
  char *key, *fund, *inputs_digest;
  char *state;           /* "open" or "done" */
  int64_t asof;
  int64_t created;       /* epoch seconds of run_open */
  int64_t rebalance_id;  /* the rebalance that completed it; 0 while open */
  size_t n_orders;
  folio_store_order *orders; /* by seq; strings owned by the info */
} folio_store_run_info;

/* Rebalances returned by a query; owns every string (free with _free). */
typedef struct folio_store_rebalance_list {
  size_t count;
  folio_store_rebalance *items;
} folio_store_rebalance_list;

/* Opens (and with FOLIO_STORE_CREATE creates) the store at path; *out is set
 * only on success and is closed with folio_store_close. Sets WAL mode,
 * synchronous=FULL and a 2 s busy timeout, runs PRAGMA quick_check, and checks
 * (or creates) the schema: every table and column of the file's schema
 * version must exist, checked before anything could write (so a file whose
 * meta is right but whose tables are not is refused byte-identical). flags: FOLIO_STORE_READONLY and/or FOLIO_STORE_CREATE
 * (READONLY wins). Errors: FOLIO_EIO (cannot open, corrupt, locked, not a folio
 * store, read-only file without a schema), FOLIO_ENOTFOUND (no such file
 * without CREATE), FOLIO_EINVAL (NULL, empty path, unknown flags, a path
 * starting with "file:" in any case — SQLite would read it as a URI with its
 * own path and parameters; a file of that name is "./file:..." — a schema
 * version newer than FOLIO_STORE_SCHEMA_VERSION), FOLIO_ENOMEM. path is a
 * plain file name, never a URI. */
FOLIO_API folio_status folio_store_open(const char *path, int flags, folio_store **out, folio_error *err);

/* Closes the store (NULL is a no-op), releasing its run lock if it holds
 * one. Never fails: SQLite finishes the WAL. */
FOLIO_API void folio_store_close(folio_store *store);

/* Sets how long a write waits for another writer before failing "locked"
 * (milliseconds, >= 0; the default is 2000). Errors: FOLIO_EINVAL. */
FOLIO_API folio_status folio_store_set_busy_timeout(folio_store *store, int milliseconds, folio_error *err);

/* 1 when writes are refused (opened READONLY or the file is read-only). */
FOLIO_API int folio_store_readonly(const folio_store *store);

/* The path the store was opened with (borrowed; valid until close). */
FOLIO_API const char *folio_store_path(const folio_store *store);

/* Records one rebalance and its n_trades trades in one transaction; *id (may
 * be NULL) receives the new rebalance id. With rec->run_key set, the same
 * transaction marks that run done (runs.state = 'done', runs.rebalance_id =
 * the new id); the run must exist, be open, have the rebalance's fund and
 * asof, and have no order still 'intended'. Errors: FOLIO_EINVAL (empty
 * fund, negative turnover, empty trade symbol, empty run_key, a run already
 * done, a run of another fund or asof, "order <client_id> was never
 * submitted"), FOLIO_ENOTFOUND (no such run), FOLIO_ENOTFINITE, FOLIO_EPARSE
 * / FOLIO_EDIM (a payload is not valid JSON: the field is named), FOLIO_EIO
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

typedef struct folio_store_checkpoint_list {
  size_t count;
  folio_store_checkpoint *items;
} folio_store_checkpoint_list;

/* Every checkpoint with id > after_id, by id (the order they were saved): a
 * state kept as a chain of deltas (folio.backtest) reads them all. The list
 * owns its strings; free with folio_store_checkpoint_list_free. Errors:
 * FOLIO_EINVAL (NULL out or after_id < 0), FOLIO_EIO, FOLIO_ENOMEM. */
FOLIO_API folio_status folio_store_checkpoints(folio_store *store, int64_t after_id,
                                               folio_store_checkpoint_list **out, folio_error *err);
/* Frees a list from folio_store_checkpoints; NULL is a no-op. */
FOLIO_API void folio_store_checkpoint_list_free(folio_store_checkpoint_list *list);

/* The last snapshot recorded (highest id) or *out = NULL.
 * Free with folio_store_snapshot_free. Errors as load_checkpoint. */
FOLIO_API folio_status folio_store_latest_snapshot(folio_store *store, folio_store_snapshot **out,
                                                   folio_error *err);
/* Frees a snapshot from folio_store_latest_snapshot; NULL is a no-op. */
FOLIO_API void folio_store_snapshot_free(folio_store_snapshot *snap);

/* Turnover already traded in (asof - days·86400, asof] — the window a
 * weekly turnover cap reads (days = 7): Σ turnover of the rebalances with
 * asof in the window, plus Σ |weight| of the SUBMITTED orders of the runs
 * still open whose asof is in the window (a run that crashed half-way counts
 * exactly as far as it traded; a done run counts once, through its
 * rebalance). 0 when none.
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
 * "checkpoints", "runs", "orders"; runs and orders of a version-1 file read
 * as 0). Errors: FOLIO_ENOTFOUND (other names), FOLIO_EIO. */
FOLIO_API folio_status folio_store_count(folio_store *store, const char *table, int64_t *out,
                                         folio_error *err);

/* ---- the run lock ------------------------------------------------------- */

/* Takes the run lock of the store: flock(LOCK_EX | LOCK_NB) on
 * "<path>.lock" (created when absent with mode 0666 less the umask; a
 * symbolic link, FIFO or anything but a regular file is refused), then
 * replaces its content with `holder` (borrowed; non-empty, e.g. "folio
 * rebalance pid 4242 on host h since 2026-12-07T06:00:00Z"). Never waits:
 * when another handle — in this process or another — holds it, fails at once
 * with FOLIO_EBUSY "store_lock: <path> is locked by another run: <its holder
 * text> (lock file <path>.lock)". Calling it again on the handle that holds
 * the lock only rewrites the holder text. Held until folio_store_unlock,
 * folio_store_close or the end of the process. Allowed on a read-only
 * handle. Errors: FOLIO_EINVAL (NULL or closed store, empty holder),
 * FOLIO_EBUSY, FOLIO_EIO (the lock file cannot be created, opened or written:
 * names it and the system's reason). */
FOLIO_API folio_status folio_store_lock(folio_store *store, const char *holder, folio_error *err);

/* Releases the run lock if this handle holds it (empties the holder text
 * first); otherwise (or NULL) a no-op. The lock file stays. */
FOLIO_API void folio_store_unlock(folio_store *store);

/* 1 when this handle holds the run lock. */
FOLIO_API int folio_store_locked(const folio_store *store);

/* ---- runs and their orders ---------------------------------------------- */

/* Opens a run in one transaction. When no run has run->key: records it
 * (state 'open', created = now) and its orders, all 'intended'; *existed = 0.
 * When it exists with the same fund, asof and inputs digest: writes nothing;
 * *existed = 1 (read it with folio_store_run_get). Every input is checked
 * before anything is written; messages name the field and the order (#i,
 * from 1). Errors: FOLIO_EINVAL (NULL arguments, empty key or fund, an order
 * with an empty client_id or symbol, a side other than "BUY"/"SELL",
 * quantity <= 0, price < 0; an existing run with another fund, asof or
 * digest — the mismatch is named), FOLIO_ENOTFINITE (quantity, price,
 * notional or weight), FOLIO_EDUP (a client_id or seq twice in the run, a
 * client_id already used by another run), FOLIO_EIO (read-only, locked,
 * disk), FOLIO_ENOMEM. */
FOLIO_API folio_status folio_store_run_open(folio_store *store, const folio_store_run *run, int *existed,
                                            folio_error *err);

/* The run with this key and its orders by seq, read in one transaction.
 * *out is set only on success; free with folio_store_run_info_free.
 * Errors: FOLIO_EINVAL (NULL arguments, empty key), FOLIO_ENOTFOUND (no such
 * run; always so in a version-1 file), FOLIO_EIO, FOLIO_ENOMEM. */
FOLIO_API folio_status folio_store_run_get(folio_store *store, const char *key, folio_store_run_info **out,
                                           folio_error *err);
/* Frees a run from folio_store_run_get; NULL is a no-op. */
FOLIO_API void folio_store_run_info_free(folio_store_run_info *info);

/* Marks the orders of run `key` with the n_ids client ids (borrowed) as
 * submitted at `when` (epoch seconds), in one transaction. Idempotent: an
 * order already submitted keeps its first submitted_at. On a done run it
 * succeeds only when all of them are already submitted. Errors: FOLIO_EINVAL
 * (NULL arguments, empty key or client id — named by index #i from 1 —, an
 * intended order of a done run), FOLIO_ENOTFOUND (no such run; a client id
 * that is not an order of the run: named), FOLIO_EIO (read-only, locked,
 * disk). Nothing is written on error. */
FOLIO_API folio_status folio_store_mark_submitted(folio_store *store, const char *key, size_t n_ids,
                                                  const char *const *client_ids, int64_t when,
                                                  folio_error *err);

#ifdef __cplusplus
}
#endif
#endif
