/*
 * manager.h — the strategy-weight manager: long-only weights over several
 * strategies that maximise slope / std of the combined equity curve, vol
 * targeting, and the portfolio_config.json the reconciler reads
 * (docs/manager.md has the file formats and the maths).
 *
 * Inputs are per-strategy stats files under a root folder:
 * <root>/<strategy>/stats.json ({"name": "...", "daily_returns":
 * [{"date": "YYYY-MM-DD", "return": r}, ...]}) or <root>/<strategy>/stats.csv
 * (header `date,return`). Folders without either are skipped and listed.
 * Strategies are aligned on their common dates; the window is the last N of
 * them, and a strategy that lacks a day of the window that another strategy
 * has is an error naming its file, line and the missing date.
 *
 * Objective over the simplex (w >= 0, sum w = 1): with combined daily returns
 * r_t = sum_k w_k r_{k,t}, the equity curve c_t = sum_{s<=t} r_s (a simple
 * cumulative sum), slope = OLS slope of c_t on t = 0..N-1 and std = sample
 * std (ddof 1) of r_t, f(w) = slope / std = s.w / sqrt(w'Cw), where s_k is the
 * slope of strategy k alone and C the sample covariance. Solved by NLopt's
 * SLSQP from several deterministic starts.
 *
 * Ownership: objects returned through `**out` are owned by the caller and
 * freed with their `_free` (NULL is a no-op); everything else is borrowed.
 */
#ifndef FOLIO_MANAGER_H
#define FOLIO_MANAGER_H

#include <stddef.h>
#include <stdint.h>

#include "folio/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Bytes of a date "YYYY-MM-DD" with its NUL. */
#define FOLIO_MANAGER_DATE_SIZE 11

/* Trading days per year used to annualise the daily std. */
#define FOLIO_MANAGER_DAYS_PER_YEAR 252

/* Options of folio_manager_run / folio_manager_optimize. */
typedef struct folio_manager_opts {
  size_t window;          /* days of the window (>= 2; default 365) */
  double target_vol;      /* annualised target volatility, > 0 (default 0.30 = 30%) */
  double max_leverage;    /* leverage cap, > 0; 0 = no cap (default) */
  double account_value;   /* > 0, written to portfolio_config.json (default 10000) */
  size_t n_random_starts; /* seeded random starts besides the vertices and the centre (default 8, <= 1000) */
  uint64_t seed;          /* seed of the random starts (default 0) */
} folio_manager_opts;

/* The defaults above. */
FOLIO_API folio_manager_opts folio_manager_defaults(void);

/* One strategy's daily returns as read from its stats file. */
typedef struct folio_manager_series {
  char *name;                              /* the strategy (its folder name) */
  char *path;                              /* the stats file, for messages */
  size_t n_days;                           /* >= 1 */
  char (*dates)[FOLIO_MANAGER_DATE_SIZE];  /* n_days ISO dates, strictly increasing */
  double *returns;                         /* n_days finite returns, each >= -1 */
  size_t *lines;                           /* n_days 1-based lines of the records in the file */
} folio_manager_series;

/*
 * Reads one stats file: JSON when `path` ends in ".json", else CSV. `name`
 * is the strategy's name (a JSON file's optional "name" must equal it).
 * On success *out is a new series (free with folio_manager_series_free).
 * Errors, each "path:line:column: what": FOLIO_EIO (cannot open/read),
 * FOLIO_EPARSE (malformed JSON or CSV, a non-numeric or empty return, a bad
 * date, dates not strictly increasing, unknown or missing keys, a CSV header
 * other than `date,return`), FOLIO_EINVAL (a return below -1, a "name" that
 * differs from `name`; NULL arguments), FOLIO_EEMPTY (no records),
 * FOLIO_EDIM (file too large), FOLIO_ENOMEM.
 */
FOLIO_API folio_status folio_manager_read_stats(const char *path, const char *name,
                                                folio_manager_series **out, folio_error *err);

/*
 * The same from text already in memory (text[0..len), need not end in a
 * NUL): `path` says the format (JSON when it ends in ".json", else CSV) and
 * names the file in messages; nothing is read from it. For a caller that
 * opened the file itself (the policy sandbox reads through descriptors).
 * Errors: those of folio_manager_read_stats but FOLIO_EIO; FOLIO_EINVAL
 * also for a NULL text; FOLIO_EDIM above FOLIO_CSV_MAX_BYTES.
 */
FOLIO_API folio_status folio_manager_parse_stats(const char *text, size_t len, const char *path,
                                                 const char *name, folio_manager_series **out,
                                                 folio_error *err);

/* Frees a series; NULL is a no-op. */
FOLIO_API void folio_manager_series_free(folio_manager_series *s);

/* The strategies found under a root folder. */
typedef struct folio_manager_book {
  size_t n_strategies;
  folio_manager_series **strategies; /* sorted by name (bytewise) */
  size_t n_skipped;
  char **skipped;                    /* folders without a stats file, sorted */
} folio_manager_book;

/*
 * Scans the sub-folders of `root` (names starting with '.' are ignored, so
 * are plain files) and reads each one's stats.json or stats.csv.
 * Errors: FOLIO_EIO (root unreadable), FOLIO_EDUP (a folder with both
 * stats.json and stats.csv), FOLIO_EEMPTY (no folder has a stats file),
 * every error of folio_manager_read_stats, FOLIO_ENOMEM.
 */
FOLIO_API folio_status folio_manager_scan(const char *root, folio_manager_book **out, folio_error *err);

/* Frees a book; NULL is a no-op. */
FOLIO_API void folio_manager_book_free(folio_manager_book *b);

/*
 * Aligns the book's strategies on the window: the common span runs from the
 * latest first date to the earliest last date, its calendar is the union of
 * every strategy's dates inside the span, and the window is its last
 * `window` dates. Writes returns (window x n_strategies, column-major,
 * leading dimension ld >= window, columns in book order), and the window's
 * first and last dates (each FOLIO_MANAGER_DATE_SIZE bytes; either may be NULL).
 * Errors: FOLIO_EMISSING ("path:line: missing day D": a strategy lacks a date
 * of the window that another has; the line is that of its next record),
 * FOLIO_ESHORT (fewer common dates than `window`), FOLIO_EINVAL (window < 2,
 * ld < window, NULL), FOLIO_ENOMEM.
 */
FOLIO_API folio_status folio_manager_align(const folio_manager_book *book, size_t window, double *returns,
                                           size_t ld, char *first_date, char *last_date, folio_error *err);

/*
 * The objective's pieces from returns R (n_days x n_strategies, column-major,
 * leading dimension ld): slope[k] = OLS slope of the cumulative sum of
 * column k on t = 0..n_days-1, i.e. sum_t (t - tbar) c_{k,t} / sum_t (t - tbar)^2,
 * and cov = the sample covariance (ddof 1), n_strategies x n_strategies with
 * leading dimension ldc (both triangles written).
 * Errors: FOLIO_EINVAL (n_days < 2, bad leading dimension, NULL),
 * FOLIO_ENOTFINITE (NaN/Inf in R, naming row and column).
 */
FOLIO_API folio_status folio_manager_moments(size_t n_days, size_t n_strategies, const double *returns,
                                             size_t ld, double *slope, double *cov, size_t ldc,
                                             folio_error *err);

/*
 * f(w) = s.w / sqrt(w'Cw) for the n strategies' slopes s and covariance cov
 * (leading dimension ldc). When grad is non-NULL writes the gradient
 * s / sigma - (s.w) C w / sigma^3. A variance <= 0 is floored at 1e-300 so
 * the value stays finite. Never fails.
 */
FOLIO_API double folio_manager_objective(size_t n, const double *slope, const double *cov, size_t ldc,
                                         const double *w, double *grad);

/* What the optimiser found. */
typedef struct folio_manager_fit {
  double score;          /* slope / std at the weights */
  double slope;          /* OLS slope of the combined cumulative returns, per day */
  double daily_std;      /* sample std (ddof 1) of the combined daily returns */
  double ann_vol;        /* daily_std * sqrt(252) */
  double leverage;       /* target_vol / ann_vol, capped at max_leverage when set */
  double raw_leverage;   /* target_vol / ann_vol before the cap */
  int capped;            /* 1 when the cap applied */
  size_t n_starts;       /* starts tried */
  size_t starts_at_best; /* starts whose optimum is within 1e-9 (relative) of the best */
} folio_manager_fit;

/*
 * Maximises f over the simplex from returns R (n_days x n_strategies,
 * column-major, leading dimension ld) with NLopt's LD_SLSQP (bounds [0, 1],
 * equality sum w = 1, analytic gradient) from every vertex, the centre and
 * opts->n_random_starts seeded random points; keeps the best (the first on
 * ties), clips it to [0, 1], sets weights below 1e-10 to 0 and renormalises
 * so the weights sum to 1. Then vol targeting as in folio_manager_fit.
 * Writes weights[0..n_strategies) and *fit. `names` (may be NULL) names
 * strategies in messages.
 * Errors: FOLIO_EDEGENERATE (a strategy, or the optimal combination, with
 * zero volatility over the window), FOLIO_EINVAL (bad options), the errors of
 * folio_manager_moments, FOLIO_ENOMEM.
 */
FOLIO_API folio_status folio_manager_optimize(size_t n_days, size_t n_strategies, const double *returns,
                                              size_t ld, const char *const *names,
                                              const folio_manager_opts *opts, double *weights,
                                              folio_manager_fit *fit, folio_error *err);

/* The manager's whole result: what portfolio_config.json records. */
typedef struct folio_manager_report {
  size_t n_strategies;
  char **names;         /* sorted */
  double *weights;      /* per name, >= 0, summing to 1 */
  size_t n_skipped;
  char **skipped;       /* sorted */
  size_t window_days;
  char first_date[FOLIO_MANAGER_DATE_SIZE];
  char asof[FOLIO_MANAGER_DATE_SIZE]; /* the window's last date */
  double account_value, target_vol, max_leverage; /* as given (max_leverage 0 = none) */
  folio_manager_fit fit;
} folio_manager_report;

/*
 * The manager end to end: scan `root`, align on the window, optimise, vol
 * target. On success *out is a new report (free with folio_manager_report_free).
 * Errors: those of folio_manager_scan, _align and _optimize; FOLIO_EINVAL
 * for bad options (naming the option).
 */
FOLIO_API folio_status folio_manager_run(const char *root, const folio_manager_opts *opts,
                                         folio_manager_report **out, folio_error *err);

/* Frees a report; NULL is a no-op. */
FOLIO_API void folio_manager_report_free(folio_manager_report *r);

/*
 * Writes the report as portfolio_config.json text into a new malloc'd,
 * NUL-terminated string *out (the caller frees it): an object with the keys
 * sorted — account_value, ann_volatility_pct, asof, leverage, skipped,
 * target_vol_pct, weights (sorted by name), window_days — written by
 * jansson: each real in the shortest of 15/16/17 significant digits that
 * reads back to the same double, two-space indentation, a final newline.
 * Errors: FOLIO_EPARSE (a name that is not valid UTF-8), FOLIO_ENOTFINITE,
 * FOLIO_EINVAL (NULL), FOLIO_ENOMEM.
 */
FOLIO_API folio_status folio_manager_config_json(const folio_manager_report *r, char **out,
                                                 folio_error *err);

/*
 * Writes folio_manager_config_json's text to `path` atomically: a temporary
 * file in the same folder, fsync, rename over `path`, fsync of the folder.
 * On any failure the temporary file is removed and a previous `path` is left
 * untouched. The file gets mode 0666 less the process umask, as any new file.
 * Errors: FOLIO_EIO (naming the path and the OS reason), those of
 * folio_manager_config_json.
 */
FOLIO_API folio_status folio_manager_write_config(const char *path, const folio_manager_report *r,
                                                  folio_error *err);

#ifdef __cplusplus
}
#endif
#endif
