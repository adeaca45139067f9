/*
 * folio/host.h — embedding the folio policy runtime in a C program.
 *
 * A host owns one Lua 5.4 engine with the `folio` module, the sizer registry
 * and the policies loaded into it. Policies run sandboxed by default: only
 * base (without dofile/loadfile/binary chunks), string (without dump),
 * table, math, utf8 and os.time/date/clock; shared tables are read-only;
 * every run has an instruction budget, a wall-clock deadline and a memory
 * budget that `pcall` cannot swallow. A run that exceeds a budget fails with
 * FOLIO_ETIMEOUT or FOLIO_EMEMORY and the engine is discarded and rebuilt
 * (its policies reloaded), so the host stays usable.
 *
 * The rest of the program never sees a lua_State: it creates a host, loads
 * policies, sizes portfolios on C arrays, reads the message of a failure and
 * destroys the host. Every function returns a folio_status (0 = OK) and
 * never longjmps into the caller. A host is NOT thread-safe: confine each
 * host to one thread and create one host per thread for concurrency (hosts
 * share nothing). OpenBLAS's own thread pool is process-wide: programs that
 * size on several threads should set OPENBLAS_NUM_THREADS=1.
 */
#ifndef FOLIO_HOST_H
#define FOLIO_HOST_H

#include <stddef.h>
#include <stdint.h>

#include "folio/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The statuses of the runtime, FOLIO_ELUA, FOLIO_ETIMEOUT and FOLIO_EMEMORY,
 * are members of folio_status (folio/status.h) like the others. */

typedef struct folio_host folio_host;

typedef void (*folio_host_log_fn)(void *ud, const char *text, size_t len);

typedef struct folio_host_opts {
  const char *shipped_policies; /* folder loaded first; NULL = the shipped policies
                                   (PREFIX/share/folio/policies, found relative to the program
                                   or libfolio; a build tree's: the source's policies/); "" = none */
  const char *policy_path;      /* more folders, ':'-separated, loaded after it; NULL = none */
  size_t max_memory;            /* bytes the engine may hold; default 512 MiB */
  uint64_t max_instructions;    /* Lua VM instructions per run; default 2e9 */
  double max_seconds;           /* wall-clock seconds per run; default 60 */
  int trusted;                  /* 1: full standard library, no budgets (operators' own scripts) */
  uint64_t seed;                /* math.random is seeded with this before every run; default 0 */
  size_t max_log_bytes;         /* print() output kept per run; default 1 MiB */
  folio_host_log_fn log;        /* where print() and warnings go; NULL = stdout */
  void *log_ud;
  int allow_override;           /* 1: a policy_path file may replace a built-in, a shipped policy or
                                   an earlier folder's policy of the same name; 0 (default): that
                                   is an error naming the policy and both files */
} folio_host_opts;

/* The defaults above (as every `_defaults()` of the library: an _opts by value). */
FOLIO_API folio_host_opts folio_host_defaults(void);

/* Creates a host and loads the shipped policies and the policy path. A
 * policy_path file that declares the name of a built-in, a shipped policy or
 * an earlier folder's policy fails the creation (FOLIO_ELUA, naming the
 * policy and both files) unless opts->allow_override.
 * opts may be NULL (defaults). On failure *out is NULL and err says why
 * (FOLIO_ENOMEM, or the policy file that failed to load). */
FOLIO_API folio_status folio_host_create(const folio_host_opts *opts, folio_host **out,
                                         folio_error *err);

/* Destroys a host; NULL is a no-op. */
FOLIO_API void folio_host_destroy(folio_host *h);

/* The message of the last failure of this host ("" after a success). */
FOLIO_API const char *folio_host_error(const folio_host *h);

/* Loads a policy file (text only) in the sandbox and registers the policy it
 * returns under its declared name (replacing one of the same name). The
 * source is kept, so the policy survives an engine rebuild. name_out (may be
 * NULL) receives the registered name, truncated to name_size. */
FOLIO_API folio_status folio_host_load_policy_file(folio_host *h, const char *path, char *name_out,
                                                   size_t name_size);

/* Same from a string; chunk_name names it in messages (e.g. "=my_policy"). */
FOLIO_API folio_status folio_host_load_policy_string(folio_host *h, const char *chunk_name,
                                                     const char *source, size_t len, char *name_out,
                                                     size_t name_size);

/* Runs a script file with arguments (as `folio run`); arg[0] = path. */
FOLIO_API folio_status folio_host_run_file(folio_host *h, const char *path, int argc,
                                           const char *const *argv);

/* Runs a script from a string. */
FOLIO_API folio_status folio_host_run_string(folio_host *h, const char *chunk_name,
                                             const char *source, size_t len);

/* Runs a script from a string as folio_host_run_string; when it succeeds and
 * the chunk's first result is an integer, *result receives it (else *result
 * is left as it was). Errors: those of folio_host_run_string, FOLIO_EINVAL
 * (NULL source or result). */
FOLIO_API folio_status folio_host_eval(folio_host *h, const char *chunk_name, const char *source,
                                       size_t len, long long *result);

/* Inputs of one sizing call. Arrays are borrowed for the call. */
typedef struct folio_host_sizing {
  size_t n_assets;
  const char *const *symbols;   /* n_assets distinct symbols */
  const double *signal;         /* n_assets (NaN = no signal), or NULL */
  const double *returns;        /* n_rows x n_assets daily log returns, column-major, or NULL */
  size_t n_rows;
  size_t ld_returns;            /* >= n_rows (0 means n_rows) */
  const char *const *dates;     /* n_rows row labels, or NULL ("1", "2", ...) */
  const double *weights;        /* current weights (ctx.weights), or NULL */
  double nav_usd;               /* > 0 */
  size_t n_params;              /* numeric parameter overrides */
  const char *const *param_names;
  const double *param_values;
} folio_host_sizing;

/*
 * Runs the sizer or policy registered as `sizer` on the inputs and writes its
 * weights into weights_out (n_assets, aligned with symbols; 0 for names the
 * sizer left out). A result naming a symbol outside `symbols` is an error.
 * Errors: FOLIO_ENOTFOUND (unknown sizer), FOLIO_EINVAL (bad inputs),
 * FOLIO_ELUA (the sizer raised; folio_host_error has its message),
 * FOLIO_ETIMEOUT / FOLIO_EMEMORY (budget exceeded; the engine was rebuilt).
 */
FOLIO_API folio_status folio_host_size(folio_host *h, const char *sizer,
                                       const folio_host_sizing *in, double *weights_out);

/* Names of the registered sizers, sorted, joined by '\n' into buf (truncated
 * to size). Returns the number of names. */
FOLIO_API size_t folio_host_sizer_names(folio_host *h, char *buf, size_t size);

/* Peak bytes held by the engine since the last call (for monitoring). */
FOLIO_API size_t folio_host_memory_peak(folio_host *h);

#ifdef __cplusplus
}
#endif
#endif
