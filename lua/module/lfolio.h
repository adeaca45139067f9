/*
 * lfolio.h — the Lua face of folio: the module entry point and the helpers
 * every binding file shares (strict named-argument tables and option
 * strings, result-field setters, owning boxes for core objects, symbol-keyed
 * vectors, the labelled matrix userdata). File and locale plumbing shared
 * with the core is in core/src/base/plumbing.h (folio_i_*).
 *
 * Conventions (see docs/lua-api.md):
 *  - every public function takes one table of named arguments; unknown keys
 *    are errors ("bad argument #1 to 'kelly_fraction' (unknown key 'cpa')");
 *  - a failure computed by the core raises "<fn>: <core message>", with the
 *    caller's file:line in front (luaL_error);
 *  - temporaries are Lua userdata, never malloc, so an error raised half-way
 *    leaks nothing and all memory counts against the state's allocator.
 */
#ifndef FOLIO_LFOLIO_H
#define FOLIO_LFOLIO_H

#include <stddef.h>

#include "folio/folio.h"
#include "lauxlib.h"
#include "lua.h"

#define FL_MATRIX_MT "folio.matrix"
#define FL_MARKET_MT "folio.market"
/* Lua registry: policy.lua's {run = host_run, builtin = host_builtin}, for
 * folio_host_size (host_marshal.c) */
#define FL_REG_HOST "folio.host"

/* `require "folio"`: the module table. The one Lua entry point libfolio
 * exports (folio.so for a stock lua5.4, and libfolio.so for a program that
 * embeds its own Lua: luaL_requiref(L, "folio", luaopen_folio, 0)). */
FOLIO_API int luaopen_folio(lua_State *L);
/* Sets package.preload.folio = luaopen_folio in the host's engines
 * (lua/runtime/sandbox.c). Internal: hidden in libfolio, since a program
 * embedding its own Lua registers luaopen_folio itself. */
void folio_lua_preload(lua_State *L);

/* ---- named arguments ---------------------------------------------------- */

/* Checks that argument `idx` is a table whose keys are all strings listed in
 * `keys` (NULL-terminated); raises naming the first unknown key. */
void fl_check_args(lua_State *L, int idx, const char *fname, const char *const keys[]);

/* The same check for a table nested in the arguments (a candidate, a view,
 * bounds): the table at `idx` has only string keys listed in `keys`, else
 * "<where>: unknown key 'k' (expected one of: ...)" (no prefix when where is
 * NULL). The caller checks that it is a table. */
void fl_check_keys(lua_State *L, int idx, const char *fname, const char *where,
                   const char *const keys[]);

/* Raises "bad argument #1 to '<fname>' (<formatted message>)". */
int fl_argerror(lua_State *L, const char *fname, const char *fmt, ...);

/* Raises "<fname>: <core message>" for a failed core call. */
int fl_core_error(lua_State *L, const char *fname, const folio_error *err);

/* Field readers on the args table at idx. `def` is used when the key is
 * absent (nil). Wrong types and out-of-range values raise fl_argerror. */
/* 1 when args[key] is not nil (the stack is left as it was). */
int fl_has_field(lua_State *L, int idx, const char *key);
double fl_opt_number(lua_State *L, int idx, const char *fname, const char *key, double def);
double fl_req_number(lua_State *L, int idx, const char *fname, const char *key);
/* A whole number in [lo, hi]. */
long long fl_opt_integer(lua_State *L, int idx, const char *fname, const char *key,
                         long long def, long long lo, long long hi);
long long fl_req_integer(lua_State *L, int idx, const char *fname, const char *key, long long lo,
                         long long hi);
const char *fl_opt_string(lua_State *L, int idx, const char *fname, const char *key,
                          const char *def);
int fl_opt_boolean(lua_State *L, int idx, const char *fname, const char *key, int def);
/* A finite number > 0 (or >= 0 when allow_zero). */
double fl_positive(lua_State *L, int idx, const char *fname, const char *key, double def,
                   int required);

/* The string option args[key] (def when absent) as its index in `names`
 * (NULL-terminated), like luaL_checkoption; raises "<key> must be 'a', 'b'
 * or 'c', got 'x'" (or "<key> must be a string, got <type>"). */
int fl_opt_option(lua_State *L, int idx, const char *fname, const char *key, const char *def,
                  const char *const names[]);

/* args[key] (def when absent) parsed by folio_repair_parse / folio_missing_parse;
 * raises "<key>: <core message>" for a name the core does not know. */
folio_repair fl_opt_repair(lua_State *L, int idx, const char *fname, const char *key,
                           const char *def);
folio_missing fl_opt_missing(lua_State *L, int idx, const char *fname, const char *key,
                             const char *def);

/* ---- result tables: t[key] = value for the table on top of the stack ------ */

void fl_set_number(lua_State *L, const char *key, double v);
void fl_set_integer(lua_State *L, const char *key, lua_Integer v);
/* FNV-1a 64 over n bytes, continuing from h (start with FL_FNV1A_SEED); not
 * cryptographic: it detects changed inputs, not tampering. */
#define FL_FNV1A_SEED 0xcbf29ce484222325ull
uint64_t fl_fnv1a(uint64_t h, const void *bytes, size_t n);
/* Pushes a 64-bit digest as 16 lower-case hex digits. */
void fl_pushdigest(lua_State *L, uint64_t h);
void fl_set_boolean(lua_State *L, const char *key, int v);
/* Does nothing when v is NaN (a value not known: the field stays absent). */
void fl_set_number_unless_nan(lua_State *L, const char *key, double v);
/* Does nothing when v is NULL (the field stays absent). */
void fl_set_string(lua_State *L, const char *key, const char *v);

/* Pushes the time of the clock (CLOCK_REALTIME or CLOCK_MONOTONIC, as an
 * int so that this header needs no <time.h>) in seconds with fractions (lfolio.c). */
void fl_push_clock(lua_State *L, int clock_id);

/* ---- userdata types (ltype.c) ------------------------------------------------ */

/* Registers the metatable `tname` once (luaL_newmetatable; later calls do
 * nothing): __index = a new table of `methods` (none when NULL), the
 * metamethods in `meta` (__gc, __tostring, ...; none when NULL), and, when
 * locked, __metatable = "locked" so that getmetatable hides it. Leaves the
 * stack as it was. */
void fl_new_type(lua_State *L, const char *tname, const luaL_Reg *methods, const luaL_Reg *meta,
                 int locked);

/* Makes the table on top of the stack callable, t(...) = call(t, ...): a
 * locked metatable {__call = call} (folio.matrix{...}, folio.hrp{...}). */
void fl_make_callable(lua_State *L, lua_CFunction call);

/* ---- owning boxes (lbox.c) ------------------------------------------------ */

/* A userdata holding one malloc'd core object while Lua code runs: its __gc
 * calls release(p) once when p is non-NULL, so an error raised half-way
 * leaks nothing. Push the box BEFORE acquiring the object, then store it in
 * p at once (no Lua call in between). */
typedef struct fl_box {
  void *p;
  void (*release)(void *);
} fl_box;

/* Pushes a new box (p = NULL) and returns it. */
fl_box *fl_box_push(lua_State *L, void (*release)(void *));
/* Releases the object now (early, once it is no longer needed); idempotent. */
void fl_box_release(fl_box *b);

/* ---- symbol-keyed vectors ---------------------------------------------- */

/* A Lua table {SYM = number, ...} read into arrays sorted by symbol. The
 * arrays live in a userdata left on the stack (popped with the caller's frame);
 * symbol pointers borrow the table's key strings (keep the table reachable). */
typedef struct fl_vec {
  size_t n;
  const char **syms;
  double *vals;
} fl_vec;

/* Reads args[key]; allow_nan: NaN values are kept (else an error naming the
 * symbol). Infinite values are always errors. Empty tables are allowed. */
fl_vec fl_check_vec(lua_State *L, int args, const char *fname, const char *key, int allow_nan);
/* The same in the table's traversal order (no sort), for a caller that puts
 * the values in another order anyway (by a matrix's columns); fl_vec_find
 * does not work on it. */
fl_vec fl_check_vec_unsorted(lua_State *L, int args, const char *fname, const char *key,
                             int allow_nan);

/* Index of sym in the sorted array syms[0..n) (binary search), or -1. */
long fl_find_sym(const char *const *syms, size_t n, const char *sym);
static inline long fl_vec_find(const fl_vec *v, const char *sym) {
  return fl_find_sym(v->syms, v->n, sym);
}

/* Pushes a new table {syms[i] = vals[i]} for every i (skipping entries whose
 * keep[i] is 0 when keep is non-NULL). */
void fl_push_vec(lua_State *L, size_t n, const char *const *syms, const double *vals,
                 const unsigned char *keep);
/* The same, keyed by the Lua strings of the array at anchor_idx where
 * anchor[i + 1] is the very string syms[i] points into (a matrix's label
 * anchor, the host's symbols): no string is hashed again. Any other entry
 * falls back to syms[i]. */
void fl_push_vec_anchored(lua_State *L, size_t n, const char *const *syms, int anchor_idx,
                          const double *vals, const unsigned char *keep);

/* The engine's reusable workspace of at least `bytes` bytes for one core
 * call: pushed on the stack (so it stays alive) and grown when too small.
 * Get it LAST, right before the core call: any Lua allocation in between
 * could run a finalizer that reuses it. Keeps large sizers from touching
 * fresh pages on every call. */
void *fl_workspace(lua_State *L, size_t bytes);

/* Pushes a new userdata of `bytes` bytes (a scratch buffer freed by the GC)
 * and returns it; raises for sizes that overflow. */
void *fl_scratch(lua_State *L, size_t count, size_t elem);

/* ---- folio.matrix -------------------------------------------------------- */

typedef struct fl_matrix {
  size_t n_rows, n_cols;
  const char **row_labels; /* n_rows pointers into strings anchored by user value 1 */
  const char **col_labels; /* n_cols pointers into strings anchored by user value 2 */
  double *data;            /* column-major, ld = n_rows; NaN = missing */
} fl_matrix;

/* Pushes a new matrix with room for labels and data (data filled with NaN,
 * labels unset). Raises for dimensions over FOLIO_MAX_DIM / FOLIO_MAX_ELEMS. */
fl_matrix *fl_matrix_push(lua_State *L, size_t n_rows, size_t n_cols);
/* A matrix VIEWING caller-owned data (column-major, ld = n_rows) without a
 * copy. Only for the duration of one host call: the host anchors it and
 * calls fl_matrix_invalidate afterwards, so a reference a script kept sees
 * an empty 0 x 0 matrix, never freed memory. */
fl_matrix *fl_matrix_push_view(lua_State *L, size_t n_rows, size_t n_cols, const double *data);
void fl_matrix_invalidate(fl_matrix *m);
/* The same as fl_matrix_push without filling the data: the caller must write every element. */
fl_matrix *fl_matrix_push_raw(lua_State *L, size_t n_rows, size_t n_cols);
/* Sets the row (which = 1) or column (which = 2) labels of the matrix at
 * m_idx from the Lua array at tbl_idx: n strings, non-empty and distinct. */
void fl_matrix_set_labels(lua_State *L, int m_idx, int which, int tbl_idx, const char *fname);
/* Copies labels from the matrix at src_idx to the one at dst_idx: rows
 * [row_off, row_off + dst->n_rows) and all columns (same count). */
void fl_matrix_share_labels(lua_State *L, int dst_idx, int src_idx, size_t row_off);
/* Sets labels from C strings (copied into Lua strings). */
void fl_matrix_set_labels_c(lua_State *L, int m_idx, int which, const char *const *labels);
/* Sets labels that already live in Lua: labels[i] point into the strings the
 * table at anchor_idx keeps alive (it becomes the matrix's anchor, shared, so
 * the caller must never change it). map_idx, when not 0, is a table
 * {label = i + 1} for exactly these labels (shared too); 0 = built on first
 * lookup. For labels reused across calls (folio_host_size's symbols). */
/* Pushes the array that anchors the row (which = 1) or column (2) labels of
 * the matrix at m_idx (nil when it has none); see fl_push_vec_anchored. */
void fl_matrix_push_label_anchor(lua_State *L, int m_idx, int which);
void fl_matrix_set_labels_anchored(lua_State *L, int m_idx, int which, const char *const *labels,
                                   int anchor_idx, int map_idx);
/* Raises unless m (args[key]) is square with row labels equal to column
 * labels: "<key> must be square, got R x C", "<key> row i is 'a' but column
 * i is 'b' (labels must match)". */
void fl_check_square_labelled(lua_State *L, const fl_matrix *m, const char *fname, const char *key);
/* The matrix at idx, or a "bad argument" error mentioning fname/key. */
fl_matrix *fl_check_matrix(lua_State *L, int idx, const char *fname, const char *key);
/* args[key] as a matrix (left on the stack at the returned index). */
fl_matrix *fl_field_matrix(lua_State *L, int args, const char *fname, const char *key, int *out_idx);
/* Column index of a label, or -1 (uses a lazily built map in user value 4). */
long fl_matrix_col_index(lua_State *L, int m_idx, const char *label);
long fl_matrix_row_index(lua_State *L, int m_idx, const char *label);
/* Pushes a new Lua array of the n labels. */
int fl_push_labels(lua_State *L, const char *const *labels, size_t n);
/* A panel viewing the matrix (borrowed). */
folio_panel fl_matrix_panel(const fl_matrix *m);
int fl_open_matrix(lua_State *L); /* pushes the folio.matrix table */

/* 1 in a sandboxed engine (its frozen globals are in the registry), 0 in a
 * trusted one (runtime/sandbox.c). */
int fl_sandboxed(lua_State *L);

/* ---- capabilities (lcapability.c; docs/sandbox.md, Capabilities) -------- */

/* What a folio function does beyond computing: writes files; reaches files
 * or the process outside the sandbox; reads files as the sandbox reads. */
typedef enum { FL_CAP_WRITES = 0, FL_CAP_OUTSIDE = 1, FL_CAP_READS = 2 } fl_cap_kind;

typedef struct fl_capability {
  const char *name;  /* under `folio`, e.g. "store.open" */
  fl_cap_kind kind;
  int refused;       /* 1: replaced by a refusing stub in a sandbox */
  const char *note;  /* what it touches, for readers of the table */
} fl_capability;

/* Every folio function that touches files or the process (the one list;
 * ends with a NULL name). */
const fl_capability *fl_capabilities(void);
/* Pushes the stub that refuses c in a sandbox ("<name>: needs a trusted engine ..."). */
void fl_push_refused(lua_State *L, const fl_capability *c);
/* In a sandboxed engine raises "<fname>: needs a trusted engine (...): it
 * writes files ..." (or what `kind` says); nothing in a trusted one. */
void fl_require_trusted(lua_State *L, const char *fname, fl_cap_kind kind);
/* Pushes folio.capabilities: {writes = {names}, outside = {...}, reads = {...}}. */
int fl_open_capabilities(lua_State *L);
/* Lua registry: true when the host allows policy overrides (folio_host_opts.allow_override). */
#define FL_REG_ALLOW_OVERRIDE "folio.allow_override"
/* lua_CFunction internal.may_override() -> whether a script may replace a
 * built-in, shipped or policy-folder policy: trusted, or overrides allowed. */
int fl_may_override(lua_State *L);

/* The string at idx as a file name: raises fl_argerror naming `what` when
 * it is not a string, is empty or contains a NUL byte. */
const char *fl_check_path(lua_State *L, int idx, const char *fname, const char *what);

/* Reads the whole file at path and pushes it as a Lua string (returned,
 * *len bytes; at most max_bytes). Trusted: folio_i_read_file. Sandboxed:
 * only a regular file below the working folder, reached without a ".."
 * and without following a symbolic link (folio_i_open_beneath), read from
 * the opened descriptor after its size was checked against what is left of
 * the memory budget. Raises an error naming fname and path. */
const char *fl_read_file(lua_State *L, const char *fname, const char *path, size_t max_bytes, size_t *len);

/* In a sandboxed engine, raises unless root is a folder below the working
 * folder (as fl_read_file resolves it) in which neither the entries nor
 * the entries of its sub-folders are symbolic links or files with several
 * links, and whose files (two levels) fit in the memory budget: for readers
 * that walk a tree by path (manager.optimize; the sandbox writes nothing,
 * so the tree cannot change under it from inside). Nothing when trusted. */
void fl_check_tree(lua_State *L, const char *fname, const char *root);

/* Pushes the table {method, applied, ridge, min_eigenvalue (nil when not
 * computed), frobenius_change, n_clipped, iterations} of a repair (lrisk_model.c). */
void fl_push_repair_info(lua_State *L, const folio_repair_info *info);

/* ---- risk-based allocators of folio.sizers (lrisk_sizers.c) -------------- */
int fl_risk_sizer_inverse_vol(lua_State *L);
int fl_risk_sizer_min_variance(lua_State *L);
int fl_risk_sizer_max_diversification(lua_State *L);
int fl_risk_sizer_risk_parity(lua_State *L);

/* ---- submodules (each pushes its table) ---------------------------------- */
int fl_open_data(lua_State *L);
int fl_open_risk_model(lua_State *L);
int fl_open_expected_returns(lua_State *L); /* folio.expected_returns (lexpected_returns.c) */
int fl_open_sizers(lua_State *L);
int fl_open_capacity(lua_State *L);
int fl_open_holding(lua_State *L);
int fl_open_optimize(lua_State *L); /* pushes the folio.optimize function */
int fl_open_config(lua_State *L); /* pushes the folio.config table (fund files) */
int fl_open_session(lua_State *L);
int fl_open_hrp(lua_State *L); /* pushes the callable folio.hrp table */
int fl_open_black_litterman(lua_State *L); /* pushes the callable folio.black_litterman table */
int fl_open_multi_sleeve(lua_State *L); /* pushes folio.multi_sleeve {compose} */
int fl_open_orders(lua_State *L); /* folio.orders (lorders.c) */
int fl_open_guards(lua_State *L); /* folio.guards (lguards.c) */
int fl_open_state(lua_State *L);  /* folio.state (lstate.c) */
int fl_open_store(lua_State *L);  /* folio.store (lstore.c) */
int fl_open_report(lua_State *L); /* folio.report (lreport.c; sleeves/format in folio/report.lua) */
int fl_open_allocator(lua_State *L); /* folio.allocator (lallocator.c): the cardinality-constrained MIP */
int fl_discrete_allocation(lua_State *L); /* folio.discrete_allocation{...} (ldiscrete_allocation.c) */
int fl_open_manager(lua_State *L); /* folio.manager (lmanager.c): strategy weights, portfolio_config.json */
int fl_open_position_sizers(lua_State *L); /* primitives of folio.position_sizers (lposition_sizers.c; the API in folio/position_sizers.lua) */
int fl_open_portfolio_allocator(lua_State *L);   /* primitives of folio.PortfolioAllocator (lposition_sizers.c; folio/portfolio_allocator.lua) */
int fl_open_reconcile(lua_State *L); /* folio.reconcile OS helpers (lreconcile.c; the loop in folio/reconcile.lua) */
int fl_open_frontier(lua_State *L); /* folio.frontier (lfrontier.c): the efficient frontier */
int fl_open_performance(lua_State *L); /* pushes the folio.performance function (lfrontier.c) */
int fl_open_clean_weights(lua_State *L); /* pushes the folio.clean_weights function (lfrontier.c) */

/* ---- positions (lorders.c) ------------------------------------------------ */

/* Reads args[key]: positions as an array of {symbol =, quantity =, avg_price =,
 * market_price =, strategy =, market_value =} or a map {SYM = {quantity =, ...}}
 * (a folio.state position is accepted as is). Pushes a new table
 * {SYM = quantity}; raises naming the entry on a bad field, an unknown key or a
 * duplicate symbol. An absent key (nil) gives an empty table unless required. */
void fl_read_positions(lua_State *L, int args, const char *fname, const char *key, int required);

/* ---- JSON (ljson.c): plain Lua data <-> JSON text, on jansson ------------- */

/* Pushes the JSON text of the value at idx (sorted keys, round-trip floats)
 * and returns it; raises "<fname>: <root>.path is ..." on what JSON cannot hold. */
const char *fl_json_push_encoded(lua_State *L, int idx, const char *fname, const char *root);
/* Pushes the Lua value of text[0..len) (nil when text is NULL; null -> nil);
 * raises "<fname>: <what> is not valid JSON (json:<line>:<column>: ...)". */
void fl_json_push_decoded(lua_State *L, const char *text, size_t len, const char *fname, const char *what);
/* folio.store.encode_json(value) -> text / decode_json(text) -> value */
int fl_json_encode(lua_State *L);
int fl_json_decode(lua_State *L);

/* ---- cancellation of long core calls (lcancel.c) ------------------------- */

struct fl_budget;
/* A host engine's cancellation: the folio_cancel its core calls get, the
 * run's budget it polls, and the core's message of the call it stopped. */
typedef struct fl_cancel {
  folio_cancel cancel;      /* poll: deadline passed or memory budget exceeded */
  struct fl_budget *budget; /* borrowed from the host */
  char where[256];          /* "risk_parity: cancelled at Newton step 3" */
} fl_cancel;

/* Sets c up to poll `budget` (the host, once per host). */
void fl_cancel_init(fl_cancel *c, struct fl_budget *budget);
/* Makes c the engine's cancellation (registry; may raise: call protected). */
void fl_cancel_register(lua_State *L, fl_cancel *c);
/* The cancellation to pass to a core call in opts->cancel: the engine's
 * during a budgeted run, NULL otherwise (stock lua5.4, trusted host). */
const folio_cancel *fl_cancel_of(lua_State *L);
/* 1 when the running engine's deadline or memory budget is exhausted (polls
 * now; marks the budget as the hook does). For C loops of the bindings. */
int fl_cancel_expired(lua_State *L);
/* Seconds left before the running engine's deadline (at least 1e-6), or 0
 * when there is none (for NLopt's maxtime). */
double fl_cancel_remaining(lua_State *L);
/* After a core call returned FOLIO_ECANCELED with message `where`: raises
 * the budget kill (uncatchable by the script's pcall, like the hook's), the
 * message kept for the host's error; without a budget kill, a plain error. */
int fl_cancel_raise(lua_State *L, const char *where);

#endif
