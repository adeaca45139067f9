/*
 * test_config.c — fund files in YAML (config.c): the shipped example loads
 * with the values it states, defaults apply, and every way a file is refused
 * names "file:line:column" and the key — including the refusals of the YAML
 * reader underneath (aliases, tags, NUL characters, several documents), which
 * the fund parser passes through. The generic tree itself is
 * test_config_tree.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "folio/config.h"
#include "testlib.h"

static const char *const sizers[] = {"equal_weight_ls", "kelly_voltarget_12", "kelly_voltarget_8",
                                     "fixed_weight", NULL};

/* Lines 1-5 of a small valid file; sleeves start on line 6. */
#define HEAD     \
  "fund:\n"      \
  "  id: f1\n"   \
  "  nav: 100\n" \
  "sessions:\n"  \
  "  RTH: {sizer: fixed_weight}\n"

/* One sleeve starting on line `first` (lines first..first+6). */
#define SLEEVE(name, alloc)     \
  "  - name: " name             \
  "\n"                          \
  "    sizer: fixed_weight\n"   \
  "    universe: [X, Y]\n"      \
  "    asset_class: equities\n" \
  "    rebalance: daily\n"      \
  "    allocation: " alloc "\n"

#define MINI HEAD "sleeves:\n" SLEEVE("a", "0.5")

static folio_fund_config *parse_ok(const char *text, const char *const *known) {
  folio_fund_config *cfg = NULL;
  folio_error e;
  folio_status st = folio_config_parse(text, strlen(text), "t.yaml", known, &cfg, &e);
  CHECK_MSG(st == FOLIO_OK, "unexpected error %d: %s", st, e.message);
  return st == FOLIO_OK ? cfg : NULL;
}

/* Expects failure with status `want`, a message containing `where` (the
 * "t.yaml:line:column" prefix) and `what`. */
static void bad(const char *text, folio_status want, const char *where, const char *what) {
  folio_fund_config *cfg = NULL;
  folio_error e;
  folio_status st = folio_config_parse(text, strlen(text), "t.yaml", sizers, &cfg, &e);
  CHECK_ERR(st, e, want, where);
  CHECK_MSG(strstr(e.message, what) != NULL, "message '%s' lacks '%s'", e.message, what);
  CHECK(strncmp(e.message, where, strlen(where)) == 0);
  CHECK(cfg == NULL);
  folio_fund_config_free(cfg);
}

static void test_example(void) {
  const char *src = getenv("FOLIO_SOURCE_DIR");
  char path[1024];
  snprintf(path, sizeof path, "%s/examples/fund.yaml", src ? src : ".");
  folio_fund_config *cfg = NULL;
  folio_error e;
  folio_status st = folio_config_load_file(path, sizers, &cfg, &e);
  CHECK_MSG(st == FOLIO_OK, "%s", e.message);
  if (st != FOLIO_OK) return;
  CHECK(strcmp(cfg->id, "multi_asset_demo") == 0);
  CHECK_NEAR(cfg->nav, 1e6, 0);
  CHECK(strcmp(cfg->currency, "USD") == 0);
  CHECK_EQ_INT(cfg->n_sessions, 5);
  for (size_t k = 0; k < 5; k++)
    CHECK(strcmp(cfg->sessions[k].name, folio_config_session_name(k)) == 0);
  CHECK(strcmp(cfg->sessions[3].name, "IBEOS") == 0);
  CHECK(strcmp(cfg->sessions[3].sizer, "equal_weight_ls") == 0);
  CHECK_NEAR(cfg->sessions[3].gross_cap, 0.1, 0);
  CHECK_EQ_INT(cfg->n_sleeves, 3);
  const char *names[] = {"equities_momentum", "crypto_mean_rev", "fx_carry"};
  const double alloc[] = {0.5, 0.3, 0.2};
  const size_t n_universe[] = {36, 10, 9};
  const char *classes[] = {"equities", "crypto", "fx"};
  const char *rebal[] = {"monthly", "weekly", "monthly"};
  for (size_t i = 0; i < 3; i++) {
    const folio_sleeve_config *s = &cfg->sleeves[i];
    CHECK(strcmp(s->name, names[i]) == 0);
    CHECK_NEAR(s->allocation, alloc[i], 0);
    CHECK_EQ_INT(s->n_universe, n_universe[i]);
    CHECK(strcmp(s->asset_class, classes[i]) == 0);
    CHECK(strcmp(s->rebalance, rebal[i]) == 0);
    CHECK(s->signal && s->signal->kind == FOLIO_CONFIG_MAPPING);
  }
  /* equities follow the session matrix; crypto runs a policy file; fx a built-in */
  CHECK(!cfg->sleeves[0].sizer && !cfg->sleeves[0].policy && !cfg->sleeves[0].params);
  CHECK(!cfg->sleeves[1].sizer && strcmp(cfg->sleeves[1].policy, "policies/invvol_capped.lua") == 0);
  CHECK(strcmp(cfg->sleeves[2].sizer, "equal_weight_ls") == 0 && !cfg->sleeves[2].policy);
  CHECK(strcmp(cfg->sleeves[0].universe[0], "EQ_TECH1") == 0);
  CHECK(strcmp(cfg->sleeves[1].universe[9], "CRY10") == 0);
  CHECK(strcmp(cfg->sleeves[2].universe[8], "USDSEK") == 0);
  const folio_config_node *cap = folio_config_get(cfg->sleeves[1].params, "cap");
  CHECK(cap && cap->type == FOLIO_CONFIG_FLOAT && cap->number == 0.15);
  const folio_config_node *nl = folio_config_get(cfg->sleeves[2].params, "n_long");
  CHECK(nl && nl->type == FOLIO_CONFIG_INT && nl->integer == 3);
  CHECK_NEAR(cfg->allocation_sum, 1.0, 1e-15);
  CHECK_NEAR(cfg->limits.fraction_of_adv, 0.01, 0);
  CHECK_EQ_INT(cfg->limits.adv_lookback_days, 21);
  CHECK_NEAR(cfg->limits.max_position_weight, 0.2, 0);
  CHECK_NEAR(cfg->limits.max_gross, 2.0, 0);
  CHECK(cfg->calendar == NULL);
  folio_fund_config_free(cfg);

  /* the symbols are those of examples/data/prices.csv */
  snprintf(path, sizeof path, "%s/examples/data/prices.csv", src ? src : ".");
  FILE *f = fopen(path, "r");
  CHECK(f != NULL);
  if (f) {
    char header[4096];
    CHECK(fgets(header, sizeof header, f) != NULL);
    fclose(f);
    CHECK(strstr(header, ",EQ_INDU6,") && strstr(header, ",CRY10,") && strstr(header, ",USDSEK"));
  }
}

static void test_defaults_and_order(void) {
  folio_fund_config *cfg = parse_ok(
      "fund: {id: x.y-z_1, nav: 2.5e6}\n"
      "sessions:\n"
      "  24h: {sizer: fixed_weight}\n"
      "  RTH: {sizer: kelly_voltarget_12, gross_cap: 0}\n"
      "calendar: {holidays: [2024-12-25], early_close: {2024-12-24: '13:00'}, strict: true}\n"
      "sleeves:\n"
      "  - {name: b, policy: policies/carry.lua, universe: ['7203', 1INCH], asset_class: futures,\n"
      "     rebalance: quarterly, allocation: 0}\n"
      "  - {name: a, sizer: fixed_weight, universe: [Z], asset_class: fx, rebalance: weekly, "
      "allocation: 1}\n",
      sizers);
  if (!cfg) return;
  CHECK(strcmp(cfg->id, "x.y-z_1") == 0);
  CHECK_NEAR(cfg->nav, 2.5e6, 0);
  CHECK(strcmp(cfg->currency, "USD") == 0);
  CHECK_EQ_INT(cfg->n_sessions, 2);
  CHECK(strcmp(cfg->sessions[0].name, "RTH") == 0); /* canonical order, not file order */
  CHECK_NEAR(cfg->sessions[0].gross_cap, 0, 0);
  CHECK(strcmp(cfg->sessions[1].name, "24h") == 0);
  CHECK_NEAR(cfg->sessions[1].gross_cap, 1.0, 0);
  CHECK(strcmp(cfg->sleeves[0].name, "b") == 0); /* file order */
  CHECK(cfg->sleeves[0].sizer == NULL && strcmp(cfg->sleeves[0].policy, "policies/carry.lua") == 0);
  CHECK(strcmp(cfg->sleeves[0].universe[0], "7203") == 0);
  CHECK(strcmp(cfg->sleeves[0].universe[1], "1INCH") == 0);
  CHECK(cfg->sleeves[0].params == NULL);
  CHECK_NEAR(cfg->allocation_sum, 1.0, 0);
  folio_limits_config d = folio_limits_config_defaults();
  CHECK(cfg->limits.fraction_of_adv == d.fraction_of_adv && cfg->limits.max_gross == d.max_gross);
  CHECK_EQ_INT(cfg->limits.adv_lookback_days, 21);
  CHECK(cfg->calendar && cfg->calendar->kind == FOLIO_CONFIG_MAPPING);
  const folio_config_node *h = folio_config_get(cfg->calendar, "holidays");
  CHECK(h && h->kind == FOLIO_CONFIG_SEQUENCE && h->n_children == 1 &&
        h->children[0].type == FOLIO_CONFIG_STRING);
  const folio_config_node *strict = folio_config_get(cfg->calendar, "strict");
  CHECK(strict && strict->type == FOLIO_CONFIG_BOOL && strict->boolean == 1);
  folio_fund_config_free(cfg);

  /* known_sizers NULL: any name; allocations summing to exactly 1 (+rounding) pass */
  cfg = parse_ok(HEAD "sleeves:\n" SLEEVE("a", "0.7") SLEEVE("b", "0.2") SLEEVE("c", "0.1"), NULL);
  if (cfg) CHECK_NEAR(cfg->allocation_sum, 1.0, 1e-15);
  folio_fund_config_free(cfg);
  cfg = parse_ok(
      "fund: {id: f, nav: 1}\nsessions: {pre: {sizer: my_own}}\n"
      "sleeves: [{name: a, sizer: my_own, universe: [X], asset_class: crypto,"
      " rebalance: daily, allocation: 0.25}]\n"
      "limits: {fraction_of_adv: 1, adv_lookback_days: 5, max_position_weight: 3,"
      " max_gross: 0.5}\n",
      NULL);
  if (cfg) {
    CHECK_NEAR(cfg->limits.fraction_of_adv, 1, 0);
    CHECK_EQ_INT(cfg->limits.adv_lookback_days, 5);
    CHECK_NEAR(cfg->limits.max_position_weight, 3, 0);
    CHECK_NEAR(cfg->limits.max_gross, 0.5, 0);
  }
  folio_fund_config_free(cfg);
}

static void test_errors(void) {
  /* the brief's examples */
  bad("fund:\n  id: f1\n  navv: 100\n", FOLIO_EINVAL,
      "t.yaml:3:3:", "unknown key 'navv' in fund (expected id, nav, currency)");
  bad(HEAD "sleeves:\n" SLEEVE("a", "0.5") SLEEVE("b", "-0.2"), FOLIO_EINVAL,
      "t.yaml:18:17:", "sleeves[2].allocation: must be between 0 and 1 (got -0.2)");
  bad(HEAD "sleeves:\n" SLEEVE("a", "1.5"), FOLIO_EINVAL,
      "t.yaml:12:17:", "sleeves[1].allocation: must be between 0 and 1 (got 1.5)");
  bad(HEAD "sleeves:\n" SLEEVE("a", "0.5") SLEEVE("b", "0.3") SLEEVE("c", "0.4"), FOLIO_EINVAL,
      "t.yaml:7:3:", "sleeves: allocations sum to 1.2 (above 1)");
  bad("fund: {id: f, nav: 1}\nsessions:\n  RTH: {sizer: fixed_weight}\n  lunch: {sizer: "
      "fixed_weight}\n",
      FOLIO_ENOTFOUND,
      "t.yaml:4:3:", "sessions: unknown session 'lunch' (expected RTH, pre, post, IBEOS, 24h)");
  bad("fund: {id: f, nav: 1}\nsessions:\n  RTH: {sizer: kely}\n", FOLIO_ENOTFOUND, "t.yaml:3:16:",
      "sessions.RTH.sizer: unknown sizer 'kely' (known: equal_weight_ls, kelly_voltarget_12, "
      "kelly_voltarget_8, fixed_weight)");
  bad(HEAD "sleeves:\n  - name: a\n    sizer: kely\n", FOLIO_ENOTFOUND,
      "t.yaml:8:12:", "sleeves[1].sizer: unknown sizer 'kely'");
  bad("fund:\n  id: f\n  nav: {a: 1}\n", FOLIO_EINVAL,
      "t.yaml:3:8:", "fund.nav: expected a number, got a mapping");
  bad("fund:\n  id: f\n  nav: '100'\n", FOLIO_EINVAL,
      "t.yaml:3:8:", "fund.nav: expected a number, got a string ('100')");
  bad("fund:\n  id: f\n  nav: [1]\n", FOLIO_EINVAL,
      "t.yaml:3:8:", "expected a number, got a sequence");
  bad("fund:\n  id: f\n  nav: .inf\n", FOLIO_EINVAL,
      "t.yaml:3:8:", "fund.nav: must be a finite number");
  bad("fund:\n  id: f\n  nav: 0\n", FOLIO_EINVAL, "t.yaml:3:8:", "fund.nav: must be > 0 (got 0)");
  bad("fund:\n  id: f\n  nav: 1\n  nav: 2\n", FOLIO_EDUP,
      "t.yaml:4:3:", "duplicate key 'nav' in fund (first at line 3)");
  bad("fund: {id: f, nav: 1}\nfund: {}\n", FOLIO_EDUP,
      "t.yaml:2:1:", "duplicate key 'fund' at top level (first at line 1)");
  bad(HEAD "sleeves:\n  - params: {a: 1, b: {c: 1, c: 2}}\n", FOLIO_EDUP,
      "t.yaml:7:30:", "duplicate key 'c' in sleeves[1].params.b");

  /* YAML syntax, hostile shapes */
  bad("fund: [1, 2\n", FOLIO_EPARSE, "t.yaml:2:1:", "YAML syntax error");
  bad("fund:\n  id: f\n nav: 1\n", FOLIO_EPARSE, "t.yaml:3:", "YAML syntax error");
  bad("a: &x [1, 2]\nb: *x\n", FOLIO_EPARSE, "t.yaml:2:4:", "alias '*x' is not allowed");
  bad("a: &a [x, x]\nb: &b [*a, *a]\nc: &c [*b, *b]\n", FOLIO_EPARSE, "t.yaml:2:8:", "alias '*a'");
  bad("", FOLIO_EEMPTY, "t.yaml:1:1:", "empty file");
  bad("# nothing but a comment\n\n", FOLIO_EEMPTY, "t.yaml:1:1:", "empty file");
  bad("- a\n- b\n", FOLIO_EPARSE, "t.yaml:1:1:", "the top level must be a mapping");
  bad("hello\n", FOLIO_EPARSE, "t.yaml:1:1:",
      "the top level must be a mapping (fund:, sessions:, sleeves:, ...), got a string");
  bad("---\n...\n", FOLIO_EPARSE, "t.yaml:2:1:", "got null");
  bad("fund: {id: f, nav: 1}\n---\nfund: {}\n", FOLIO_EPARSE,
      "t.yaml:2:1:", "a second YAML document");
  bad("fund: !!str 1\n", FOLIO_EPARSE,
      "t.yaml:1:7:", "explicit tag 'tag:yaml.org,2002:str' is not allowed");
  bad("fund: \"a\\0b\"\n", FOLIO_EPARSE, "t.yaml:1:7:", "NUL character");
  bad("? [a]\n: b\n", FOLIO_EPARSE, "t.yaml:1:3:", "a key must be a scalar, not a sequence");
  bad("fund: \"\xff\"\n", FOLIO_EPARSE, "t.yaml:", "invalid input");

  /* missing, wrong shapes */
  bad("sessions: {}\n", FOLIO_EMISSING, "t.yaml:1:1:", "top level: missing required key 'fund'");
  bad("fund:\n  id: f\n", FOLIO_EMISSING, "t.yaml:2:3:", "fund: missing required key 'nav'");
  bad("fund:\n", FOLIO_EINVAL, "t.yaml:1:6:", "fund: expected a mapping, got null");
  bad("fund: {id: f, nav: 1}\nsleeves: []\n", FOLIO_EMISSING,
      "t.yaml:1:1:", "missing required key 'sessions'");
  bad("fund: {id: f, nav: 1}\nsessions: {}\n", FOLIO_EEMPTY,
      "t.yaml:2:11:", "sessions: no session");
  bad(HEAD, FOLIO_EMISSING, "t.yaml:1:1:", "missing required key 'sleeves'");
  bad(HEAD "sleeves: []\n", FOLIO_EEMPTY, "t.yaml:6:10:", "sleeves: no sleeve");
  bad(HEAD "sleeves: {a: 1}\n", FOLIO_EINVAL,
      "t.yaml:6:10:", "sleeves: expected a sequence, got a mapping");
  bad(HEAD "sleeves:\n  - 3\n", FOLIO_EINVAL,
      "t.yaml:7:5:", "sleeves[1]: expected a mapping, got a number");
  bad(HEAD "sleeves:\n  - {name: a, sizer: fixed_weight, policy: p.lua}\n", FOLIO_EINVAL,
      "t.yaml:7:36:", "sleeves[1]: give either sizer or policy, not both");
  bad(HEAD "sleeves:\n  - {name: a}\n", FOLIO_EMISSING, /* no sizer: the session matrix's runs */
      "t.yaml:7:5:", "sleeves[1]: missing required key 'universe'");
  bad(HEAD "sleeves:\n  - {name: 'a b', sizer: fixed_weight}\n", FOLIO_EINVAL,
      "t.yaml:7:12:", "sleeves[1].name: sleeve name 'a b' must be letters");
  bad(HEAD "sleeves:\n  - {name: a, sizr: x}\n", FOLIO_EINVAL, "t.yaml:7:15:",
      "unknown key 'sizr' in sleeves[1] (expected name, sizer, policy, universe, asset_class, "
      "rebalance, allocation, params, signal)");
  bad(HEAD "sleeves:\n  - {name: a, sizer: fixed_weight, universe: []}\n", FOLIO_EINVAL,
      "t.yaml:7:46:", "sleeves[1].universe: universe is empty");
  bad(HEAD "sleeves:\n  - {name: a, sizer: fixed_weight, universe: X}\n", FOLIO_EINVAL,
      "t.yaml:7:46:", "sleeves[1].universe: expected a sequence, got a string");
  bad(HEAD "sleeves:\n  - {name: a, sizer: fixed_weight, universe: [X, Y, X]}\n", FOLIO_EDUP,
      "t.yaml:7:53:",
      "sleeves[1].universe[3]: symbol 'X' listed twice (first as sleeves[1].universe[1])");
  bad(HEAD "sleeves:\n  - {name: a, sizer: fixed_weight, universe: [X, ~]}\n", FOLIO_EINVAL,
      "t.yaml:7:50:", "sleeves[1].universe[2]: expected a string, got null");
  bad(HEAD "sleeves:\n  - {name: a, sizer: fixed_weight, universe: [' X']}\n", FOLIO_EINVAL,
      "t.yaml:7:47:", "sleeves[1].universe[1]: symbol ' X' is empty, has surrounding spaces");
  bad(HEAD "sleeves:\n  - {name: a, sizer: fixed_weight, universe: [X], asset_class: bonds}\n",
      FOLIO_ENOTFOUND, "t.yaml:7:64:",
      "sleeves[1].asset_class: unknown asset class 'bonds' (expected equities, crypto, fx, "
      "futures)");
  bad(HEAD
      "sleeves:\n  - {name: a, sizer: fixed_weight, universe: [X], asset_class: fx, rebalance: "
      "hourly}\n",
      FOLIO_ENOTFOUND, "t.yaml:7:79:",
      "sleeves[1].rebalance: unknown rebalance frequency 'hourly' (expected daily, weekly, "
      "monthly, quarterly)");
  bad(HEAD
      "sleeves:\n  - {name: a, sizer: fixed_weight, universe: [X], asset_class: fx, rebalance: "
      "daily}\n",
      FOLIO_EMISSING, "t.yaml:7:5:", "sleeves[1]: missing required key 'allocation'");
  bad(HEAD "sleeves:\n" SLEEVE("a", "0.1") SLEEVE("a", "0.1"), FOLIO_EDUP,
      "t.yaml:13:11:", "sleeves[2].name: duplicate sleeve name 'a' (first at line 7)");
  bad(HEAD "sleeves:\n" SLEEVE("a", "0.1") "    params: {x: [1, ~]}\n", FOLIO_EINVAL,
      "t.yaml:13:21:", "sleeves[1].params.x[2]: null is not allowed here");
  bad(HEAD "sleeves:\n" SLEEVE("a", "0.1") "    params: [1]\n", FOLIO_EINVAL,
      "t.yaml:13:13:", "sleeves[1].params: expected a mapping, got a sequence");
  bad(HEAD "calendar: [1]\n", FOLIO_EINVAL,
      "t.yaml:6:11:", "calendar: expected a mapping, got a sequence");
  bad(HEAD "calendar: {a: }\n", FOLIO_EINVAL, "t.yaml:6:15:", "calendar.a: null is not allowed");
  bad("fund: {id: 'my fund', nav: 1}\n", FOLIO_EINVAL,
      "t.yaml:1:12:", "fund.id: fund id 'my fund'");
  bad("fund: {id: f, nav: 1, currency: usd}\n", FOLIO_EINVAL,
      "t.yaml:1:33:", "fund.currency: currency 'usd' must be three upper-case letters");
  bad("fund: {id: f, nav: 1}\nsessions: {RTH: {sizer: fixed_weight, gross_cap: -1}}\n",
      FOLIO_EINVAL, "t.yaml:2:50:", "sessions.RTH.gross_cap: must be >= 0 (got -1)");
  bad("fund: {id: f, nav: 1}\nsessions: {RTH: {gross_cap: 1}}\n", FOLIO_EMISSING,
      "t.yaml:2:17:", "sessions.RTH: missing required key 'sizer'");
  bad("fund: {id: f, nav: 1}\nsessions: {RTH: fixed_weight}\n", FOLIO_EINVAL,
      "t.yaml:2:17:", "sessions.RTH: expected a mapping, got a string");
  bad(MINI "limits: {fraction_of_adv: 1.5}\n", FOLIO_EINVAL,
      "t.yaml:13:27:", "limits.fraction_of_adv: must be in (0, 1] (got 1.5)");
  bad(MINI "limits: {fraction_of_adv: 0}\n", FOLIO_EINVAL, "t.yaml:13:27:", "must be in (0, 1]");
  bad(MINI "limits: {adv_lookback_days: 2.5}\n", FOLIO_EINVAL, "t.yaml:13:29:",
      "limits.adv_lookback_days: expected a whole number between 1 and 16777216, got a number "
      "(2.5)");
  bad(MINI "limits: {adv_lookback_days: 0}\n", FOLIO_EINVAL, "t.yaml:13:29:", "whole number");
  bad(MINI "limits: {max_gross: -1}\n", FOLIO_EINVAL,
      "t.yaml:13:21:", "limits.max_gross: must be > 0");
  bad(MINI "limits: {max_position_weight: x}\n", FOLIO_EINVAL,
      "t.yaml:13:31:", "limits.max_position_weight: expected a number, got a string ('x')");
  bad(MINI "limits: {max_leverage: 2}\n", FOLIO_EINVAL, "t.yaml:13:10:",
      "unknown key 'max_leverage' in limits (expected fraction_of_adv, adv_lookback_days, "
      "max_position_weight, max_gross)");
  bad(MINI "limit: {}\n", FOLIO_EINVAL, "t.yaml:13:1:",
      "unknown key 'limit' at top level (expected fund, sessions, calendar, sleeves, limits, composition, guards, orders, policy_path, instruments, costs, backtest)");
}

static void test_api_misuse_and_files(void) {
  folio_fund_config *cfg = NULL;
  folio_error e;
  CHECK_ERR(folio_config_parse("a: 1", 4, "t.yaml", NULL, NULL, &e), e, FOLIO_EINVAL,
            "out is NULL");
  CHECK_ERR(folio_config_parse(NULL, 4, "t.yaml", NULL, &cfg, &e), e, FOLIO_EINVAL, "text is NULL");
  CHECK_ERR(folio_config_parse(NULL, 0, NULL, NULL, &cfg, &e), e, FOLIO_EEMPTY,
            "<memory>:1:1: empty file");
  CHECK_ERR(folio_config_load_file("/nonexistent/fund.yaml", NULL, &cfg, &e), e, FOLIO_EIO,
            "/nonexistent/fund.yaml: cannot open");
  CHECK_ERR(folio_config_load_file(NULL, NULL, &cfg, &e), e, FOLIO_EINVAL, "path is NULL");
  CHECK(cfg == NULL);
  folio_fund_config_free(NULL);

  char dir[] = "/tmp/folio_config_XXXXXX";
  if (!mkdtemp(dir)) {
    CHECK(0);
    return;
  }
  char path[256];
  snprintf(path, sizeof path, "%s/fund.yaml", dir);
  FILE *f = fopen(path, "wb");
  if (f) {
    fputs(MINI "limits: {max_gross: 0}\n", f);
    fclose(f);
    CHECK_ERR(folio_config_load_file(path, sizers, &cfg, &e), e, FOLIO_EINVAL,
              ":13:21: limits.max_gross");
    CHECK(strncmp(e.message, path, strlen(path)) == 0);
  }
  remove(path);
  rmdir(dir);
}

/* ==== bad input ============================================================= */

/* The sections without refusals above (composition, guards, orders), the
 * session-name table out of range, the defaults, and NULL or unreadable
 * arguments of folio_config_load_file. */
static void test_bad_input(void) {
  /* the session matrix's names: the five in canonical order, NULL outside */
  static const char *const names[] = {"RTH", "pre", "post", "IBEOS", "24h"};
  for (size_t k = 0; k < FOLIO_CONFIG_N_SESSIONS; k++)
    CHECK(strcmp(folio_config_session_name(k), names[k]) == 0);
  CHECK(folio_config_session_name(FOLIO_CONFIG_N_SESSIONS) == NULL);
  CHECK(folio_config_session_name((size_t)-1) == NULL);

  /* the defaults, and a composition section that sets every key */
  folio_composition_config cd = folio_composition_config_defaults();
  CHECK(strcmp(cd.overlay, "equal") == 0 && cd.hrp_lookback_days == 252 &&
        cd.cov_lookback_days == 252 && isinf(cd.max_weekly_turnover));
  folio_limits_config ld = folio_limits_config_defaults();
  CHECK(ld.fraction_of_adv == 0.01 && ld.adv_lookback_days == 21 &&
        ld.max_position_weight == 0.20 && ld.max_gross == 2.0);
  folio_fund_config *cfg = parse_ok(MINI "composition: {overlay: hrp, hrp_lookback_days: 2,"
                                         " max_weekly_turnover: 0, cov_lookback_days: 60}\n"
                                         "guards: {max_leverage: 2, mode: reject}\n"
                                         "orders: {lot_size: 1, fractional: [fx]}\n",
                                    sizers);
  if (cfg) {
    CHECK(strcmp(cfg->composition.overlay, "hrp") == 0);
    CHECK_EQ_INT(cfg->composition.hrp_lookback_days, 2);
    CHECK_EQ_INT(cfg->composition.cov_lookback_days, 60);
    CHECK_NEAR(cfg->composition.max_weekly_turnover, 0, 0);
    CHECK(cfg->guards && cfg->guards->kind == FOLIO_CONFIG_MAPPING);
    CHECK(cfg->orders && folio_config_get(cfg->orders, "fractional"));
  }
  folio_fund_config_free(cfg);
  cfg = parse_ok(MINI, sizers);
  if (cfg) {
    CHECK(strcmp(cfg->composition.overlay, "equal") == 0 && cfg->guards == NULL &&
          cfg->orders == NULL && isinf(cfg->composition.max_weekly_turnover));
  }
  folio_fund_config_free(cfg);

  /* composition: wrong shape, unknown key, each value out of range or of the wrong type */
  bad(MINI "composition: [1]\n", FOLIO_EINVAL, "t.yaml:13:14:",
      "composition: expected a mapping, got a sequence");
  bad(MINI "composition: {overlays: hrp}\n", FOLIO_EINVAL, "t.yaml:13:15:",
      "unknown key 'overlays' in composition (expected overlay, hrp_lookback_days, "
      "max_weekly_turnover, cov_lookback_days)");
  bad(MINI "composition: {overlay: magic}\n", FOLIO_ENOTFOUND, "t.yaml:13:24:",
      "composition.overlay: unknown overlay 'magic' (expected equal, hrp, inverse_vol, "
      "risk_parity, min_variance, bl)");
  bad(MINI "composition: {overlay: HRP}\n", FOLIO_ENOTFOUND, "t.yaml:13:24:", "'HRP'");
  bad(MINI "composition: {overlay: [hrp]}\n", FOLIO_EINVAL, "t.yaml:13:24:",
      "composition.overlay: expected a string, got a sequence");
  bad(MINI "composition: {overlay: ~}\n", FOLIO_EINVAL, "t.yaml:13:24:",
      "composition.overlay: expected a string, got null");
  bad(MINI "composition: {hrp_lookback_days: 1}\n", FOLIO_EINVAL, "t.yaml:13:34:",
      "composition.hrp_lookback_days: expected a whole number between 2 and");
  bad(MINI "composition: {hrp_lookback_days: 2.5}\n", FOLIO_EINVAL, "t.yaml:13:34:",
      "got a number");
  bad(MINI "composition: {cov_lookback_days: '60'}\n", FOLIO_EINVAL, "t.yaml:13:34:",
      "composition.cov_lookback_days: expected a whole number between 2 and");
  bad(MINI "composition: {cov_lookback_days: 99999999999}\n", FOLIO_EINVAL, "t.yaml:13:34:",
      "composition.cov_lookback_days");
  bad(MINI "composition: {max_weekly_turnover: -0.1}\n", FOLIO_EINVAL, "t.yaml:13:36:",
      "composition.max_weekly_turnover: must be >= 0 (got -0.1)");
  bad(MINI "composition: {max_weekly_turnover: .nan}\n", FOLIO_EINVAL, "t.yaml:13:36:",
      "composition.max_weekly_turnover: must be a finite number");
  bad(MINI "composition: {max_weekly_turnover: lots}\n", FOLIO_EINVAL, "t.yaml:13:36:",
      "composition.max_weekly_turnover: expected a number, got a string ('lots')");
  /* guards and orders: mappings of plain data, without nulls */
  bad(MINI "guards: [1]\n", FOLIO_EINVAL, "t.yaml:13:9:",
      "guards: expected a mapping, got a sequence");
  bad(MINI "guards: {a: 1}\n", FOLIO_EINVAL, "t.yaml:13:10:", "unknown key 'a' in guards");
  bad(MINI "orders: x\n", FOLIO_EINVAL, "t.yaml:13:9:", "orders: expected a mapping, got a string");
  bad(MINI "orders: {a: 1}\n", FOLIO_EINVAL, "t.yaml:13:10:", "unknown key 'a' in orders");
  /* every guards and orders key: its type and range */
  bad(MINI "guards: {max_leverage: 0}\n", FOLIO_EINVAL, "t.yaml:13:24:", "guards.max_leverage: must be > 0 (got 0)");
  bad(MINI "guards: {max_leverage: x}\n", FOLIO_EINVAL, "t.yaml:13:24:", "guards.max_leverage:");
  bad(MINI "guards: {max_drawdown: 1.5}\n", FOLIO_EINVAL, "t.yaml:13:24:", "guards.max_drawdown: must be in (0, 1]");
  bad(MINI "guards: {cooloff_days: -1}\n", FOLIO_EINVAL, "t.yaml:13:24:", "guards.cooloff_days: must be >= 0");
  bad(MINI "guards: {rearm_drawdown: 1}\n", FOLIO_EINVAL, "t.yaml:13:26:", "guards.rearm_drawdown: must be in [0, 1)");
  bad(MINI "guards: {max_adv_fraction: 0}\n", FOLIO_EINVAL, "t.yaml:13:28:", "guards.max_adv_fraction: must be > 0");
  bad(MINI "guards: {mode: clip}\n", FOLIO_ENOTFOUND, "t.yaml:13:16:", "guards.mode: unknown guard mode 'clip'");
  bad(MINI "orders: {min_notional: -1}\n", FOLIO_EINVAL, "t.yaml:13:24:", "orders.min_notional: must be >= 0");
  bad(MINI "orders: {lot_size: 0}\n", FOLIO_EINVAL, "t.yaml:13:20:", "orders.lot_size: must be > 0");
  bad(MINI "orders: {fractional: fx}\n", FOLIO_EINVAL, "t.yaml:13:22:", "orders.fractional: expected a sequence");
  bad(MINI "orders: {fractional: [crypto, fxx]}\n", FOLIO_ENOTFOUND, "t.yaml:13:31:",
      "orders.fractional[2]: unknown asset class 'fxx'");
  /* policy_path: relative folders inside the fund's folder */
  bad(MINI "policy_path: /etc\n", FOLIO_EINVAL, "t.yaml:13:14:", "policy_path: '/etc' is an absolute path");
  bad(MINI "policy_path: [ok, ../x]\n", FOLIO_EINVAL, "t.yaml:13:19:", "policy_path[2]: '../x' escapes the fund file's folder");
  bad(MINI "policy_path: {a: 1}\n", FOLIO_EINVAL, "t.yaml:13:14:", "policy_path: expected a folder or a list");
  bad(MINI "policy_path: ''\n", FOLIO_EINVAL, "t.yaml:13:14:", "policy_path: folder name is empty");
  /* a sleeve's signal and policy path */
#define SIG_SLEEVE(extra) HEAD "sleeves:\n  - {name: a, universe: [A], asset_class: fx, rebalance: daily, allocation: 0.5, " extra "}\n"
  bad(SIG_SLEEVE("signal: {factor: x, name: y}"), FOLIO_EINVAL, "t.yaml:7:102:", "sleeves[1].signal: give either factor or name, not both");
  bad(SIG_SLEEVE("signal: {}"), FOLIO_EMISSING, "t.yaml:7:90:", "sleeves[1].signal: give the signal's factor or name");
  bad(SIG_SLEEVE("signal: {factr: x}"), FOLIO_EINVAL, "t.yaml:7:91:", "unknown key 'factr' in sleeves[1].signal");
  bad(SIG_SLEEVE("signal: {factor: ''}"), FOLIO_EINVAL, "t.yaml:7:99:", "sleeves[1].signal.factor: is empty");
  bad(SIG_SLEEVE("signal: x"), FOLIO_EINVAL, "t.yaml:7:90:", "sleeves[1].signal: expected a mapping");
  bad(SIG_SLEEVE("policy: /abs/p.lua"), FOLIO_EINVAL, "t.yaml:7:90:", "sleeves[1].policy: '/abs/p.lua' is an absolute path");
  bad(SIG_SLEEVE("policy: ../up/p.lua"), FOLIO_EINVAL, "t.yaml:7:90:", "sleeves[1].policy: '../up/p.lua' escapes the fund file's folder");
  {
    folio_fund_config *c2 = parse_ok(SIG_SLEEVE("policy: policies/p.lua, signal: {name: trend_63}"), NULL);
    if (c2) {
      CHECK(c2->sleeves[0].sizer == NULL && strcmp(c2->sleeves[0].policy, "policies/p.lua") == 0);
      CHECK(c2->sleeves[0].signal && folio_config_get(c2->sleeves[0].signal, "name"));
    }
    folio_fund_config_free(c2);
    c2 = parse_ok(SIG_SLEEVE("params: {x: 1}"), NULL); /* no sizer: the session matrix decides */
    if (c2) CHECK(c2->sleeves[0].sizer == NULL && c2->sleeves[0].policy == NULL && c2->sleeves[0].params);
    folio_fund_config_free(c2);
    c2 = parse_ok(MINI "limits: {adv_lookback_days: 5}\n", NULL);
    if (c2) CHECK(c2->limits.capacity_set == 1);
    folio_fund_config_free(c2);
    c2 = parse_ok(MINI "limits: {max_gross: 3}\n", NULL);
    if (c2) CHECK(c2->limits.capacity_set == 0);
    folio_fund_config_free(c2);
  }
  /* instruments: the currencies of FX pairs */
  bad(MINI "instruments: {XAUUSD: {base: XAU}}\n", FOLIO_EMISSING, "t.yaml:13:23:", "instruments.XAUUSD: missing required key 'quote'");
  bad(MINI "instruments: {X: {base: usd, quote: EUR}}\n", FOLIO_EINVAL, "t.yaml:13:25:", "instruments.X.base: currency 'usd' must be three upper-case letters");
  bad(MINI "instruments: {X: {base: EUR, quote: EUR}}\n", FOLIO_EINVAL, "t.yaml:13:18:", "instruments.X: base and quote are both EUR");
  bad(MINI "instruments: {X: {base: EUR, quote: USD, lot: 1}}\n", FOLIO_EINVAL, "t.yaml:13:42:", "unknown key 'lot' in instruments.X");

  /* an empty list of known sizers knows none */
  static const char *const none[] = {NULL};
  folio_error e;
  cfg = NULL;
  CHECK_ERR(folio_config_parse(MINI, strlen(MINI), "t.yaml", none, &cfg, &e), e, FOLIO_ENOTFOUND,
            "sessions.RTH.sizer: unknown sizer 'fixed_weight'");
  CHECK(cfg == NULL);

  /* load_file: NULL out, a folder, an empty file; *out untouched */
  CHECK_ERR(folio_config_load_file("/nonexistent/fund.yaml", sizers, NULL, &e), e, FOLIO_EINVAL,
            "/nonexistent/fund.yaml: out is NULL");
  CHECK_ERR(folio_config_load_file("/", sizers, &cfg, &e), e, FOLIO_EIO, "not a regular file");
  char dir[] = "/tmp/folio_config_XXXXXX";
  if (mkdtemp(dir)) {
    char path[256];
    snprintf(path, sizeof path, "%s/empty.yaml", dir);
    FILE *f = fopen(path, "wb");
    CHECK(f != NULL);
    if (f) {
      fclose(f);
      CHECK_ERR(folio_config_load_file(path, sizers, &cfg, &e), e, FOLIO_EEMPTY,
                "empty.yaml:1:1: empty file");
    }
    remove(path);
    rmdir(dir);
  } else {
    CHECK(0);
  }
  CHECK(cfg == NULL);
}

int main(void) {
  test_example();
  test_defaults_and_order();
  test_errors();
  test_api_misuse_and_files();
  test_bad_input();
  return tl_finish("test_config");
}
