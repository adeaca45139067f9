/*
 * config.h — fund configuration files: the fund schema (docs/config.md).
 *
 * A fund file names the fund (id, NAV, currency), its session matrix (which
 * sizer and gross cap apply in each trading session), an optional calendar
 * override, its sleeves (name, sizer or policy, universe, asset class,
 * rebalance frequency, allocation, sizer parameters) and its limits (ADV
 * participation, position and gross caps). The YAML is read into a generic
 * tree (config_tree.h) and validated into a folio_fund_config, which owns
 * the tree it was read from (params and calendar point into it).
 *
 * Every error message is "name:line:column: path: what", e.g.
 *   "fund.yaml:12:17: sleeves[1].allocation: must be between 0 and 1 (got -0.2)"
 * where path names the key (sleeve and universe indices are 1-based).
 */
#ifndef FOLIO_CONFIG_H
#define FOLIO_CONFIG_H

#include <stddef.h>

#include "folio/config_tree.h"
#include "folio/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The trading sessions of the session matrix, in canonical order (their
 * names are those of folio_session_name, session.h). */
#define FOLIO_CONFIG_N_SESSIONS 5
/* Names "RTH", "pre", "post", "IBEOS", "24h" (index 0..4); NULL outside. */
FOLIO_API const char *folio_config_session_name(size_t index);

typedef struct folio_session_config {
  const char *name;  /* one of the five session names */
  const char *sizer; /* sizer name */
  double gross_cap;  /* >= 0, default 1.0 */
} folio_session_config;

typedef struct folio_sleeve_config {
  const char *name;                /* unique among sleeves, [A-Za-z0-9_.-]+ */
  const char *sizer;               /* at most one of sizer and policy is non-NULL; neither: */
  const char *policy;              /* the session matrix's sizer runs (a name or a path, as written) */
  size_t n_universe;               /* >= 1 */
  const char **universe;           /* n_universe distinct symbols, in file order */
  const char *asset_class;         /* equities | crypto | fx | futures */
  const char *rebalance;           /* daily | weekly | monthly | quarterly */
  double allocation;               /* in [0, 1] */
  const folio_config_node *params; /* a mapping, or NULL when absent: the policy's parameters */
  const folio_config_node *signal; /* a mapping with exactly one of factor or name (strings),
                                      or NULL when absent (the asset class's default signal) */
  size_t line, column;             /* where the sleeve's mapping starts */
} folio_sleeve_config;

typedef struct folio_limits_config {
  double fraction_of_adv;      /* (0, 1], default 0.01 */
  long long adv_lookback_days; /* >= 1, default 21 */
  double max_position_weight;  /* > 0, default 0.20 */
  double max_gross;            /* > 0, default 2.0 */
  int capacity_set;            /* fraction_of_adv or adv_lookback_days written in the file:
                                  the fund asks for ADV capacity (volumes are then required) */
} folio_limits_config;

/* How the sleeves are combined (the `composition` section). */
typedef struct folio_composition_config {
  const char *overlay;          /* "equal" (default), "hrp", "inverse_vol", "risk_parity",
                                   "min_variance", "bl" */
  long long hrp_lookback_days;  /* rows of sleeve returns behind the overlay; >= 2, default 252 */
  double max_weekly_turnover;   /* >= 0; INFINITY (default) = no turnover budget */
  long long cov_lookback_days;  /* rows behind the assets' covariance of the turnover problem;
                                   >= 2, default 252 */
} folio_composition_config;

/* The composition defaults: equal overlay, 252-day look-backs, no turnover cap. */
FOLIO_API folio_composition_config folio_composition_config_defaults(void);

/* A validated fund file. Owns everything it points to (strings and nodes
 * borrow from `root`); free with folio_fund_config_free. */
typedef struct folio_fund_config {
  const char *id;    /* [A-Za-z0-9_.-]+ */
  double nav;        /* > 0, finite */
  char currency[4];  /* three upper-case letters, default "USD" */
  size_t n_sessions; /* 1..5, in canonical order (RTH, pre, post, IBEOS, 24h) */
  folio_session_config sessions[FOLIO_CONFIG_N_SESSIONS];
  const folio_config_node *calendar; /* a mapping, or NULL when absent */
  size_t n_sleeves;                  /* >= 1, in file order */
  folio_sleeve_config *sleeves;
  double allocation_sum; /* sum of the sleeves' allocations, <= 1 (+1e-12) */
  folio_limits_config limits;
  folio_composition_config composition;
  const folio_config_node *guards; /* the `guards` mapping (keys and values checked), or NULL */
  const folio_config_node *orders; /* the `orders` mapping (keys and values checked), or NULL */
  const folio_config_node *policy_path; /* a sequence of relative folder names, or NULL */
  const folio_config_node *instruments; /* SYMBOL -> {base, quote} mapping, or NULL */
  const folio_config_node *costs;    /* asset class -> {linear_bps, impact, borrow_rate, window}, or NULL */
  const folio_config_node *backtest; /* the `backtest` mapping {cash_rate, checkpoint_every}, or NULL */
  folio_config_node *root; /* the whole document */
} folio_fund_config;

/* The limits' defaults: 1 % of 21-day ADV, positions up to 20 % of NAV, gross up to 2. */
FOLIO_API folio_limits_config folio_limits_config_defaults(void);

/*
 * Parses and validates a fund file held in memory (see docs/config.md).
 * known_sizers: NULL-terminated list of accepted sizer names (borrowed for
 * the call), or NULL to accept any name. On success *out is a new fund
 * (free with folio_fund_config_free); it is only written on success.
 * Errors: those of folio_config_parse_tree, then, each naming
 * name:line:column and the key's path:
 *   FOLIO_EINVAL — an unknown key (listing the expected ones), a value of the
 *     wrong type ("expected a number, got a mapping"), a value out of range
 *     (allocation outside [0, 1], allocations summing above 1, nav <= 0,
 *     ...), a malformed id, currency, name or symbol, both or neither of
 *     sizer/policy, an empty universe, a null inside params or calendar;
 *   FOLIO_EMISSING — a required key is absent (fund, fund.id, fund.nav,
 *     sessions, sleeves, and a sleeve's name, universe, asset_class,
 *     rebalance, allocation, a session's sizer);
 *   FOLIO_ENOTFOUND — an unknown session, sizer, asset class or rebalance
 *     frequency (listing the known ones);
 *   FOLIO_EDUP — a duplicate sleeve name or a symbol listed twice in a universe;
 *   FOLIO_EEMPTY — no sessions or no sleeves.
 */
FOLIO_API folio_status folio_config_parse(const char *text, size_t len, const char *name,
                                          const char *const *known_sizers, folio_fund_config **out,
                                          folio_error *err);

/* Reads `path` and validates it as folio_config_parse (messages name the
 * path). Extra errors: FOLIO_EIO, FOLIO_EDIM (larger than FOLIO_CONFIG_MAX_BYTES). */
FOLIO_API folio_status folio_config_load_file(const char *path, const char *const *known_sizers,
                                              folio_fund_config **out, folio_error *err);

/* Frees a fund and its tree; NULL is a no-op. */
FOLIO_API void folio_fund_config_free(folio_fund_config *cfg);

#ifdef __cplusplus
}
#endif
#endif
