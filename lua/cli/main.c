/*
 * main.c — the `folio` program: runs policy and rebalance scripts, checks
 * policies, and drives the operator commands.
 *
 *   folio <command> [options]       (run, check, rebalance, backtest, manager, reconcile,
 *                                    sweep, merge)
 *   folio <command> --help | -h     a command's usage, options, defaults, example
 *   folio --help | --version
 *
 * Like lua.c, main() is a thin shell over the embedding API (folio/host.h):
 * scripts run sandboxed with instruction, time and memory budgets unless
 * --trusted is given. A Lua error exits 1 with "file:line: message" and a
 * traceback; usage errors exit 2 with the command's usage on stderr; --help
 * prints to stdout and exits 0. LUA_INIT and LUA_PATH are ignored.
 *
 * Every command has one usage text and one help text (the table `commands`
 * below): --help prints both, a usage error prints the usage. docs/run.md,
 * docs/check.md, docs/rebalance.md, docs/backtest.md, docs/manager.md, docs/reconcile.md,
 * docs/sweep.md and docs/merge.md
 * show the same text.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>

#include "folio/csv.h"
#include "folio/host.h"
#include "folio/manager.h"
#include "folio/returns.h"
#include "host_paths.h"
#include "isolate.h"
#include "lua.h"

#ifdef FOLIO_HAVE_MPI
#include <mpi.h>
#endif

#ifndef FOLIO_VERSION_STRING
#define FOLIO_VERSION_STRING "0.0.0"
#endif

/* ---- usage and help: one text per command ------------------------------------ */

typedef struct command {
  const char *name;
  const char *usage;   /* after "usage: "; continuation lines indented to line up */
  const char *summary; /* one line, for `folio --help` */
  const char *help;    /* what it does, every option with its default, an example */
  int (*fn)(const struct command *c, int argc, char **argv);
} command;

/* The options of a sandboxed engine: `folio run` and `folio check`. */
#define ENGINE_OPTIONS                                                                            \
  "  --trusted               lift the sandbox and the budgets: the full standard\n"              \
  "                          library (io, os, ...), for operators' own scripts\n"                \
  "                          (default: sandboxed)\n"                                              \
  "  --max-instructions N    Lua instructions per run (default 2000000000)\n"                     \
  "  --max-memory-mb N       memory the script may hold, MiB (default 512)\n"                     \
  "  --max-seconds S         wall-clock seconds per run (default 60)\n"                           \
  "  --seed N                seed of math.random before every run (default 0)\n"                  \
  "  --policy-path DIRS      more policy folders, ':'-separated, loaded after the\n"              \
  "                          shipped ones (default: none)\n"                                      \
  "  --allow-override        let a --policy-path file replace a built-in, a shipped\n"             \
  "                          policy or an earlier folder's policy of the same name\n"            \
  "                          (default: that is an error naming both files)\n"                    \
  "  --no-policies           do not load the shipped policies (default: loaded from\n"            \
  "                          share/folio/policies of the install)\n"                              \
  "  --no-isolate            run the sandboxed script in this process instead of a\n"            \
  "                          child process under OS limits (CPU time, address\n"                \
  "                          space, no file growth) that is killed at\n"                         \
  "                          --max-seconds + 1 s (default: a child process;\n"                   \
  "                          --trusted runs in this process)\n"

#define HELP_OPTION "  -h, --help              show this help and exit\n"

static const char run_help[] =
    "Runs SCRIPT.lua with the folio module: `folio` is a global, `require \"folio\"`\n"
    "works, and the script receives ARGS as `arg` and as `...`.\n"
    "\n"
    "options:\n" ENGINE_OPTIONS
    "  --                      end of the options: the next argument is the script\n" HELP_OPTION
    "\n"
    "exit status: 0 done, 1 a Lua error (file:line: message and a traceback),\n"
    "2 a usage error\n"
    "\n"
    "example:\n"
    "  folio run examples/quickstart.lua\n";

static const char check_help[] =
    "Validates a policy file in the sandbox, prints its declaration (name,\n"
    "description, parameters with their defaults) and dry-runs it: a 126-day\n"
    "momentum signal on the sample prices, sized by the policy, the weights printed\n"
    "in symbol order.\n"
    "\n"
    "options:\n"
    "  --data DIR              folder with prices.csv for the dry run (default: the\n"
    "                          sample data in share/folio/data of the install)\n"
    "  --nav USD               fund NAV for the dry run (default 1000000)\n"
    "  --max-gross G           the dry run fails when the weights' gross exposure\n"
    "                          (sum of |weight|) exceeds G (default 10)\n" ENGINE_OPTIONS
    "  --                      end of the options: the next argument is the policy\n" HELP_OPTION
    "\n"
    "exit status: 0 the policy is valid and sized, 1 it is not (the message names\n"
    "the file, and the symbol for a weight no fund could hold), 2 a usage error\n"
    "\n"
    "example:\n"
    "  folio check policies/kelly_voltarget_8.lua\n";

static const char rebalance_help[] =
    "The multi-sleeve rebalance (docs/rebalance.md): at the --asof instant each\n"
    "sleeve is sized by its sizer or Lua policy under the session in force for its\n"
    "asset class, the sleeves are composed, gated by capacity and turnover, diffed\n"
    "into orders, checked by the guards and submitted exactly once; the store\n"
    "records what reached the OMS. Runs trusted (it reads and writes the files it\n"
    "is given).\n"
    "\n"
    "options:\n"
    "  --fund FILE             the fund file, YAML: sessions, sleeves, limits,\n"
    "                          composition, guards, orders (required)\n"
    "  --prices FILE           daily closes, one column per symbol (required)\n"
    "  --positions FILE        the book for the file OMS:\n"
    "                          symbol,quantity,avg_price[,strategy] (required\n"
    "                          unless --oms lua:FILE)\n"
    "  --out FILE              the file OMS's orders CSV, written atomically\n"
    "                          (required with the file OMS unless --dry-run)\n"
    "  --oms lua:FILE          an OMS adapter returned by a Lua file (default: the\n"
    "                          file OMS)\n"
    "  --volumes FILE          daily volumes, same shape (default: volumes.csv\n"
    "                          beside the prices if it exists; without volumes ADV\n"
    "                          capacity and the liquidity guard are off)\n"
    "  --asof INSTANT          ISO-8601 with an offset or Z\n"
    "                          (2024-11-25T15:45:00-05:00), or a date: that date's\n"
    "                          close in each asset class's calendar (default: the\n"
    "                          last date of the prices)\n"
    "  --store FILE            the SQLite event store, locked for the run; makes\n"
    "                          the run exactly-once (default: none)\n"
    "  --policy-path DIRS      more policy folders, ':'-separated\n"
    "  --script FILE           a Lua file returning stages that replace or wrap\n"
    "                          the stock ones\n"
    "  --json                  print the summary as JSON\n"
    "  --dry-run               compute and print; submit and record nothing\n"
    "  --accounts FILE         many accounts on the fund template (docs/scale.md):\n"
    "                          id,nav,positions[,fund.path...] per row (nav empty:\n"
    "                          the positions file's CASH + positions); each is\n"
    "                          rebalanced on its own (orders to DIR/orders/ID.csv,\n"
    "                          store DIR/stores/ID.db, decisions DIR/units/ID.json);\n"
    "                          a bad account is reported (DIR/failed/ID.json) and\n"
    "                          never stops the others; DIR/summary.csv and\n"
    "                          DIR/failures.csv at the end; a rerun does only the\n"
    "                          accounts not done (--out is DIR; under mpirun -n N\n"
    "                          the ranks share the accounts)\n"
    "  --shard i/N             with --accounts: only shard i of N (then\n"
    "                          `folio merge --out DIR`)\n" HELP_OPTION
    "\n"
    "exit status: 0 done, 3 done but the guards rejected orders, 1 an error (the\n"
    "message names the file; with --store a rerun resumes), 2 a usage error\n"
    "\n"
    "example:\n"
    "  folio rebalance --fund examples/fund.yaml \\\n"
    "      --positions examples/data/positions.csv --prices examples/data/prices.csv \\\n"
    "      --asof 2024-11-25T15:45:00-05:00 --out orders.csv --store fund.db\n";

static const char backtest_help[] =
    "The backtest (docs/backtest.md): the fund replayed over the price file through\n"
    "the same rebalance as `folio rebalance` (policies, sessions, sleeves, overlay,\n"
    "turnover budget, capacity, orders, guards), orders filled at each close by a\n"
    "simulated OMS, costs from the fund file's `costs:`; writes nav.csv, trades.csv,\n"
    "weights.csv, costs.csv, summary.json and four SVG plots to --out and prints\n"
    "the summary. Runs trusted (it reads and writes the files it is given).\n"
    "\n"
    "options:\n"
    "  --fund FILE             the fund file, YAML (required)\n"
    "  --prices FILE           daily closes, one column per symbol (required)\n"
    "  --volumes FILE          daily volumes, same rows (default: volumes.csv beside\n"
    "                          the prices if it exists)\n"
    "  --from DATE             the first day, YYYY-MM-DD (default: the first row\n"
    "                          with the history the fund's windows need)\n"
    "  --to DATE               the last day (default: the last row)\n"
    "  --out DIR               where the files go, created if missing (default:\n"
    "                          print the summary only)\n"
    "  --store FILE            checkpoints for a resumable run: the same command\n"
    "                          after a kill continues from the last one\n"
    "  --checkpoint-every N    rebalances between checkpoints (default: the fund\n"
    "                          file's backtest.checkpoint_every, else 20)\n"
    "  --cash-rate X           annual rate earned by cash (default: the fund file's\n"
    "                          backtest.cash_rate, else 0)\n"
    "  --policy-path DIRS      more policy folders, ':'-separated\n"
    "  --json                  print the summary as JSON\n" HELP_OPTION
    "\n"
    "A progress line goes to stderr when it is a terminal.\n"
    "\n"
    "exit status: 0 done, 1 an error (the message names the file, line, symbol\n"
    "or option; with --store a rerun resumes), 2 a usage error\n"
    "\n"
    "example:\n"
    "  folio backtest --fund examples/fund.yaml --prices examples/data/prices.csv \\\n"
    "      --out backtest/\n";

static const char manager_help[] =
    "The strategy-weight manager (docs/manager.md): weights maximising slope/std of\n"
    "the combined equity curve of the strategies under DIR, vol targeting, and\n"
    "portfolio_config.json written atomically.\n"
    "\n"
    "options:\n"
    "  --root DIR              the strategies' folder, one sub-folder each (required)\n"
    "  --window N              days of common history used, at least 2 (default 365)\n"
    "  --target-vol X          annualised volatility target, > 0 (default 0.30)\n"
    "  --max-leverage X        cap on the leverage (default: no cap)\n"
    "  --account-value USD     account value written to the config (default 10000)\n"
    "  --out FILE              where the config goes (default:\n"
    "                          DIR/portfolio_config.json)\n" HELP_OPTION
    "\n"
    "exit status: 0 written, 1 an error (the previous file is left intact), 2 a usage\n"
    "error\n"
    "\n"
    "example:\n"
    "  folio manager --root examples/manager --target-vol 0.25\n";

static const char reconcile_help[] =
    "The live reconciler (docs/reconcile.md): sizes every strategy's state.json with\n"
    "portfolio_config.json, diffs against the exchange and places the orders. Runs\n"
    "trusted (it reads state files, writes the journal, places orders).\n"
    "\n"
    "options:\n"
    "  --root DIR              the strategies' folder, one sub-folder with state.json\n"
    "                          each (required)\n"
    "  --config FILE           the weights (default: DIR/portfolio_config.json)\n"
    "  --exchange paper:FILE   the built-in paper exchange persisted in FILE\n"
    "                          (default: paper:DIR/paper_exchange.json)\n"
    "  --exchange lua:FILE     a Lua file returning an exchange adapter table\n"
    "  --journal FILE          the journal (default: DIR/.reconciler.json)\n"
    "  --once                  one cycle, then exit (the default without --watch)\n"
    "  --watch                 poll until SIGINT/SIGTERM (default: off)\n"
    "  --interval S            seconds between polls with --watch (default 5)\n"
    "  --cycles N              with --watch: stop after N polls (default: no limit)\n"
    "  --max-age S             a state older than S seconds is stale (default 3600)\n"
    "  --step Q                order quantities are multiples of Q units (default\n"
    "                          0.0001)\n"
    "  --min-notional USD      smaller orders are dropped and reported (default 10)\n" HELP_OPTION
    "\n"
    "exit status: 0 done (also after SIGINT/SIGTERM with --watch), 1 an error, 2 a\n"
    "usage error\n"
    "\n"
    "example:\n"
    "  folio reconcile --root strategies/ --watch --interval 5\n";

static const char sweep_help[] =
    "A parameter sweep (docs/scale.md): every combination of the values GRID names\n"
    "(fund paths such as sleeves.NAME.params.cap or composition.max_weekly_turnover)\n"
    "x every walk-forward window is one unit = one `folio backtest` of a modified\n"
    "copy of the fund (two with windows: train and test). Each unit's result is\n"
    "written atomically to DIR/units/<id>.json; a failed unit is reported by id\n"
    "(DIR/failed/<id>.json); a rerun does only the failed and missing units and\n"
    "names an earlier run's shard that died. Without --shard, DIR/results.csv (one\n"
    "row per combination and window, sorted by the parameters), DIR/best.csv (the\n"
    "best combination per window by the grid's metric, Sharpe by default;\n"
    "walk-forward: chosen on train, reported on test) and DIR/failures.csv are\n"
    "written at the end. Under mpirun -n N the ranks share the units and rank 0\n"
    "writes the outputs.\n"
    "\n"
    "options:\n"
    "  --fund FILE             the fund file, YAML (required)\n"
    "  --grid FILE             the grid, YAML: parameters, windows, metric (required)\n"
    "  --prices FILE           daily closes, one column per symbol (required)\n"
    "  --volumes FILE          daily volumes (default: volumes.csv beside the prices\n"
    "                          if it exists)\n"
    "  --out DIR               where the units and results go, created if missing\n"
    "                          (required)\n"
    "  --shard i/N             run only shard i of N (units dealt by expected cost,\n"
    "                          largest first to the least-loaded shard); then\n"
    "                          `folio merge --out DIR` (default: every unit)\n"
    "  --policy-path DIRS      more policy folders, ':'-separated\n" HELP_OPTION
    "\n"
    "exit status: 0 done, 1 an error or a failed unit (rerun: only the missing\n"
    "units run), 2 a usage error\n"
    "\n"
    "example:\n"
    "  folio sweep --fund examples/fund.yaml --grid examples/grid.yaml \\\n"
    "      --prices examples/data/prices.csv --out sweep/\n";

static const char merge_help[] =
    "Writes the final outputs of a sharded job (docs/scale.md) once every unit of\n"
    "DIR/plan.json has its result (DIR/units/) or its failure (DIR/failed/): for a\n"
    "sweep results.csv and best.csv, for accounts summary.csv, and failures.csv;\n"
    "byte-identical to an unsharded run. Missing units are named, with the shards\n"
    "that started and did not finish (DIR/shards/), and nothing is written.\n"
    "\n"
    "options:\n"
    "  --out DIR               the job's folder (required)\n" HELP_OPTION
    "\n"
    "exit status: 0 written, 1 a failed unit (outputs written), missing units or\n"
    "an error, 2 a usage error\n"
    "\n"
    "example:\n"
    "  folio merge --out sweep/\n";

static int cmd_run(const command *c, int argc, char **argv);
static int cmd_check(const command *c, int argc, char **argv);
static int cmd_rebalance(const command *c, int argc, char **argv);
static int cmd_backtest(const command *c, int argc, char **argv);
static int cmd_manager(const command *c, int argc, char **argv);
static int cmd_reconcile(const command *c, int argc, char **argv);
static int cmd_sweep(const command *c, int argc, char **argv);
static int cmd_merge(const command *c, int argc, char **argv);

static const command commands[] = {
    {"run", "folio run [options] SCRIPT.lua [ARGS...]\n",
     "run a Lua script with the folio module (sandboxed unless --trusted)", run_help, cmd_run},
    {"check", "folio check [options] POLICY.lua\n",
     "validate a policy file and dry-run it on the sample data", check_help, cmd_check},
    {"rebalance",
     "folio rebalance --fund FUND.yaml --prices PRICES.csv\n"
     "                (--positions POS.csv (--out ORDERS.csv | --dry-run) | --oms lua:FILE)\n"
     "                [--volumes VOL.csv] [--asof INSTANT] [--store FUND.db]\n"
     "                [--policy-path DIR[:DIR...]] [--script STAGES.lua] [--json]\n"
     "folio rebalance --accounts ACCOUNTS.csv --fund FUND.yaml --prices PRICES.csv\n"
     "                --out DIR [--volumes VOL.csv] [--asof INSTANT] [--shard i/N]\n"
     "                [--policy-path DIR[:DIR...]]\n",
     "the multi-sleeve rebalance: sessions, sleeves, composition, orders once", rebalance_help,
     cmd_rebalance},
    {"backtest",
     "folio backtest --fund FUND.yaml --prices PRICES.csv [--volumes VOL.csv]\n"
     "               [--from DATE] [--to DATE] [--out DIR] [--store BT.db]\n"
     "               [--checkpoint-every N] [--cash-rate X] [--policy-path DIRS] [--json]\n",
     "replay the fund over history through the rebalance, with costs and plots", backtest_help,
     cmd_backtest},
    {"manager",
     "folio manager --root DIR [--window 365] [--target-vol 0.30] [--max-leverage X]\n"
     "              [--account-value 10000] [--out DIR/portfolio_config.json]\n",
     "strategy weights and vol targeting -> portfolio_config.json", manager_help,
     cmd_manager},
    {"reconcile",
     "folio reconcile --root DIR [--config FILE] [--exchange paper:FILE|lua:FILE]\n"
     "                [--journal FILE] [--once | --watch [--interval S]\n"
     "                [--cycles N]] [--max-age S] [--step Q] [--min-notional USD]\n",
     "the live reconciler: strategy states -> orders on the exchange", reconcile_help,
     cmd_reconcile},
    {"sweep",
     "folio sweep --fund FUND.yaml --grid GRID.yaml --prices PRICES.csv --out DIR\n"
     "            [--volumes VOL.csv] [--shard i/N] [--policy-path DIRS]\n",
     "a parameter sweep over walk-forward windows, as resumable, shardable units", sweep_help,
     cmd_sweep},
    {"merge", "folio merge --out DIR\n", "write a sharded job's outputs once all its units are done",
     merge_help, cmd_merge},
};
enum { n_commands = sizeof commands / sizeof commands[0] };

/* Prints a usage text with `lead` before its first line and as many spaces
 * before the others. */
static void print_usage(FILE *f, const char *lead, const char *usage) {
  size_t pad = strlen(lead);
  for (const char *line = usage; *line;) {
    const char *nl = strchr(line, '\n');
    size_t len = nl ? (size_t)(nl - line) : strlen(line);
    fprintf(f, "%*s%.*s\n", (int)(line == usage ? 0 : pad), line == usage ? lead : "", (int)len, line);
    line += len + (nl ? 1 : 0);
  }
}

static void print_top_usage(FILE *f) {
  fputs("usage: folio <command> [options]\n"
        "       folio <command> --help\n"
        "       folio --help | --version\n"
        "\n"
        "commands:\n",
        f);
  for (int k = 0; k < n_commands; k++) fprintf(f, "  %-10s %s\n", commands[k].name, commands[k].summary);
}

static int top_help(void) {
  print_top_usage(stdout);
  fputs("\nusage of each command (`folio <command> --help` lists its options, their\n"
        "defaults and an example):\n",
        stdout);
  for (int k = 0; k < n_commands; k++) print_usage(stdout, "  ", commands[k].usage);
  fputs("\n"
        "options:\n"
        "  -h, --help              show this help and exit\n"
        "  -v, --version           show the version and exit\n"
        "\n"
        "A Lua error exits with status 1 and prints file:line: message and a traceback;\n"
        "a usage error exits with status 2.\n",
        stdout);
  return 0;
}

/* `folio <command> --help`: the usage, then the help text, on stdout. */
static int command_help(const command *c) {
  print_usage(stdout, "usage: ", c->usage);
  putchar('\n');
  fputs(c->help, stdout);
  return 0;
}

static int is_help(const char *a) { return strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0; }

/* A usage error of command c (NULL: of the program): "folio <command>: "
 * and the message, the usage and a pointer to --help, all on stderr; the
 * exit status is 2. */
static int usage_error(const command *c, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fprintf(stderr, "folio%s%s: ", c ? " " : "", c ? c->name : "");
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fputc('\n', stderr);
  if (c) {
    print_usage(stderr, "usage: ", c->usage);
    fprintf(stderr, "Try 'folio %s --help' for the options.\n", c->name);
  } else {
    print_top_usage(stderr);
    fputs("Try 'folio --help' for more.\n", stderr);
  }
  return 2;
}

/* Parses a whole number in [lo, hi]; returns 0 on success. */
static int parse_number(const char *s, double lo, double hi, double *out) {
  char *end;
  errno = 0;
  double v = strtod(s, &end);
  if (errno || end == s || *end || !(v >= lo && v <= hi)) return -1;
  *out = v;
  return 0;
}

/* Parses the engine options of run and check from argv[*i]; returns 0 when
 * argv[*i] is not an option (the script or policy file). "--" ends the
 * options (consumed, then 0). -h/--help prints the help and sets *err to -1
 * (exit 0); a usage error sets *err to 2. */
static int no_isolate; /* --no-isolate */

static int parse_option(const command *c, int argc, char **argv, int *i, folio_host_opts *o, int *err) {
  const char *a = argv[*i];
  double v;
  if (strcmp(a, "--no-isolate") == 0) {
    no_isolate = 1;
    return 1;
  }
  if (is_help(a)) {
    command_help(c);
    *err = -1;
    return 1;
  }
  if (strcmp(a, "--") == 0) {
    ++*i;
    return 0;
  }
  if (strcmp(a, "--trusted") == 0) {
    o->trusted = 1;
    return 1;
  }
  if (strcmp(a, "--allow-override") == 0) {
    o->allow_override = 1;
    return 1;
  }
  if (strcmp(a, "--no-policies") == 0) {
    o->shipped_policies = "";
    return 1;
  }
  static const char *const valued[] = {"--max-instructions", "--max-memory-mb", "--max-seconds",
                                       "--seed", "--policy-path", NULL};
  for (int k = 0; valued[k]; k++) {
    if (strcmp(a, valued[k]) != 0) continue;
    if (*i + 1 >= argc) {
      *err = usage_error(c, "option %s needs a value", a);
      return 1;
    }
    const char *val = argv[++*i];
    if (k == 4) {
      o->policy_path = val;
      return 1;
    }
    static const double hi[] = {1e15, 1024.0 * 1024, 1e7, 9e15};
    if (parse_number(val, k == 3 ? 0 : 1e-9, hi[k], &v) != 0 || ((k == 0 || k == 1 || k == 3) && v != (double)(long long)v)) {
      *err = usage_error(c, "bad value for %s", a);
      return 1;
    }
    if (k == 0) o->max_instructions = (uint64_t)v;
    if (k == 1) o->max_memory = (size_t)v << 20;
    if (k == 2) o->max_seconds = v;
    if (k == 3) o->seed = (uint64_t)v;
    return 1;
  }
  if (a[0] == '-' && a[1]) { /* a file whose name starts with '-': ./-name or -- -name */
    *err = usage_error(c, "unknown option '%s'", a);
    return 1;
  }
  return 0;
}

/* What `folio run` does once its options are read: in this process, or in
 * the child of fl_isolate_run. */
typedef struct run_job {
  const folio_host_opts *opts;
  int argc;                /* the script and its arguments */
  const char *const *argv;
} run_job;

static int run_body(void *ud) {
  const run_job *job = ud;
  folio_host *h = NULL;
  folio_error e;
  if (folio_host_create(job->opts, &h, &e) != FOLIO_OK) {
    fprintf(stderr, "folio: %s\n", e.message);
    return 1;
  }
  folio_status st = folio_host_run_file(h, job->argv[0], job->argc, job->argv);
  if (st != FOLIO_OK) fprintf(stderr, "folio: %s\n", folio_host_error(h));
  folio_host_destroy(h);
  return st == FOLIO_OK ? 0 : 1;
}

static int cmd_run(const command *c, int argc, char **argv) {
  folio_host_opts o = folio_host_defaults();
  int i = 2, err = 0;
  while (i < argc && parse_option(c, argc, argv, &i, &o, &err)) {
    if (err) return err < 0 ? 0 : err;
    i++;
  }
  if (i >= argc) return usage_error(c, "missing script name");
  run_job job = {&o, argc - i, (const char *const *)(argv + i)};
  if (o.trusted || no_isolate) return run_body(&job);
  fl_isolate_limits lim = {o.max_seconds, o.max_memory};
  return fl_isolate_run(&lim, "folio: ", run_body, &job);
}

/* ---- folio check ---------------------------------------------------------- */

static int cmp_symbol(const void *a, const void *b) {
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* A host error for an operator: without the Lua traceback, and without the
 * chunk positions and "rebalance: " / "backtest: " prefixes that say nothing to them;
 * prints "folio <command>: <prefix><message>" on stderr. */
static void print_host_error(const char *command, const char *prefix, const char *msg) {
  for (;;) {
    const char *close = msg[0] == '[' ? strstr(msg, "]:") : NULL;
    size_t k = close ? (size_t)(close - msg) + 2 : 0;
    if (close && msg[k] >= '0' && msg[k] <= '9') {
      while (msg[k] >= '0' && msg[k] <= '9') k++;
      if (msg[k] == ':' && msg[k + 1] == ' ') {
        msg += k + 2;
        continue;
      }
    }
    static const char *const prefixes[] = {"rebalance: ", "backtest: ", NULL};
    int k2 = 0;
    while (prefixes[k2] && strncmp(msg, prefixes[k2], strlen(prefixes[k2])) != 0) k2++;
    if (prefixes[k2]) {
      msg += strlen(prefixes[k2]);
      continue;
    }
    break;
  }
  const char *tb = strstr(msg, "\nstack traceback:");
  fprintf(stderr, "folio %s: %s%.*s\n", command, prefix, tb ? (int)(tb - msg) : (int)strlen(msg), msg);
}

/* The dry run: a momentum signal (126-day log return, skipping the last 5
 * days) for every name with a full year of history, sized with the policy
 * through the embedding API. */
static int dry_run(folio_host *h, const char *name, const char *data_dir, double nav, double max_gross) {
  char path[4200];
  snprintf(path, sizeof path, "%s/prices.csv", data_dir);
  folio_frame *f = NULL;
  folio_error err;
  if (folio_csv_read_wide(path, &f, &err) != FOLIO_OK) {
    fprintf(stderr, "folio check: %s\n", err.message);
    return 1;
  }
  int rc = 1;
  size_t T = f->n_rows - 1, A = f->n_cols;
  double *r = malloc(sizeof(double) * (T ? T : 1) * A);
  double *sig = malloc(sizeof(double) * A), *w = malloc(sizeof(double) * A);
  folio_panel p = folio_frame_panel(f);
  if (!r || !sig || !w) goto done;
  if (folio_returns(&p, FOLIO_RETURNS_LOG, r, T, &err) != FOLIO_OK) {
    fprintf(stderr, "folio check: %s\n", err.message);
    goto done;
  }
  const size_t history = 252, lookback = 126, skip = 5;
  if (T < history) {
    fprintf(stderr, "folio check: %s has %zu rows of returns, the dry run needs %zu\n", path, T, history);
    goto done;
  }
  for (size_t j = 0; j < A; j++) {
    int complete = 1;
    for (size_t t = T - history; t < T; t++) complete &= !isnan(r[t + j * T]);
    double s = 0;
    for (size_t t = T - lookback - skip; t < T - skip; t++) s += r[t + j * T];
    sig[j] = complete ? s : NAN;
  }
  folio_host_sizing in = {0};
  in.n_assets = A;
  in.symbols = (const char *const *)f->col_labels;
  in.signal = sig;
  in.returns = r;
  in.n_rows = T;
  in.dates = (const char *const *)(f->row_labels + 1);
  in.nav_usd = nav;
  if (folio_host_size(h, name, &in, w) != FOLIO_OK) {
    char prefix[300];
    snprintf(prefix, sizeof prefix, "dry run of '%s' failed: ", name);
    print_host_error("check", prefix, folio_host_error(h));
    goto done;
  }
  /* print in symbol order: indices sorted by their label */
  const char **order = malloc(sizeof(char *) * A);
  if (!order) goto done;
  for (size_t j = 0; j < A; j++) order[j] = f->col_labels[j];
  qsort(order, A, sizeof *order, cmp_symbol);
  double gross = 0, net = 0;
  size_t held = 0;
  printf("dry run on %s (%zu dates x %zu symbols, NAV %.2f):\n", path, f->n_rows, A, nav);
  for (size_t k = 0; k < A; k++) {
    size_t j = 0;
    while (strcmp(f->col_labels[j], order[k]) != 0) j++;
    if (w[j] == 0) continue;
    printf("  %-10s %+.6f\n", order[k], w[j]);
    gross += fabs(w[j]);
    net += w[j];
    held++;
  }
  printf("  %zu names held, gross %.6f, net %+.6f\n", held, gross, net);
  if (gross > max_gross) {
    /* no fund could hold it: name the largest weight (the first symbol on a tie) */
    size_t big = 0;
    for (size_t j = 1; j < A; j++)
      if (fabs(w[j]) > fabs(w[big]) ||
          (fabs(w[j]) == fabs(w[big]) && strcmp(f->col_labels[j], f->col_labels[big]) < 0))
        big = j;
    fprintf(stderr, "folio check: dry run of '%s': gross exposure %.6g exceeds --max-gross %g (largest weight: %s %+.6g)\n",
            name, gross, max_gross, f->col_labels[big], w[big]);
    free(order);
    goto done;
  }
  free(order);
  rc = 0;
done:
  free(r);
  free(sig);
  free(w);
  folio_frame_free(f);
  return rc;
}

typedef struct check_job {
  const folio_host_opts *opts;
  const char *file, *data;
  double nav, max_gross;
} check_job;

static int check_body(void *ud);

static int cmd_check(const command *c, int argc, char **argv) {
  folio_host_opts o = folio_host_defaults();
  char sample[4096];
  const char *data = NULL; /* the sample data unless --data */
  double nav = 1e6, max_gross = 10.0;
  int i = 2, err = 0;
  for (; i < argc; i++) {
    if (strcmp(argv[i], "--data") == 0 || strcmp(argv[i], "--nav") == 0 || strcmp(argv[i], "--max-gross") == 0) {
      if (i + 1 >= argc) return usage_error(c, "option %s needs a value", argv[i]);
      const char *opt = argv[i];
      if (strcmp(opt, "--data") == 0) {
        data = argv[++i];
      } else if (strcmp(opt, "--nav") == 0 ? parse_number(argv[++i], 1e-2, 1e13, &nav) != 0
                                           : parse_number(argv[++i], 1e-9, 1e6, &max_gross) != 0) {
        return usage_error(c, "bad value for %s", opt);
      }
      continue;
    }
    if (!parse_option(c, argc, argv, &i, &o, &err)) break;
    if (err) return err < 0 ? 0 : err;
  }
  if (i >= argc) return usage_error(c, "missing policy file");
  if (!data) {
    if (fl_shipped_dir(FL_SHIPPED_DATA, sample, sizeof sample) != 0) {
      fprintf(stderr, "folio check: cannot find the sample data (share/folio/data beside the program); "
                      "pass --data DIR\n");
      return 1;
    }
    data = sample;
  }
  check_job job = {&o, argv[i], data, nav, max_gross};
  if (o.trusted || no_isolate) return check_body(&job);
  char prefix[4200];
  snprintf(prefix, sizeof prefix, "folio check: %s: ", argv[i]);
  fl_isolate_limits lim = {o.max_seconds, o.max_memory};
  return fl_isolate_run(&lim, prefix, check_body, &job);
}

/* What `folio check` does once its options are read (see run_body). */
static int check_body(void *ud) {
  const check_job *job = ud;
  const char *file = job->file, *data = job->data;
  double nav = job->nav, max_gross = job->max_gross;
  folio_host *h = NULL;
  folio_error e;
  if (folio_host_create(job->opts, &h, &e) != FOLIO_OK) {
    fprintf(stderr, "folio check: %s\n", e.message);
    return 1;
  }
  char name[256];
  if (folio_host_load_policy_file(h, file, name, sizeof name) != FOLIO_OK) {
    fprintf(stderr, "folio check: %s: %s\n", file, folio_host_error(h));
    folio_host_destroy(h);
    return 1;
  }
  /* The declaration, printed by the policy object itself (names are identifiers). */
  char chunk[1024];
  snprintf(chunk, sizeof chunk,
           "local d = folio.registry.get('%s'):describe()\n"
           "print(string.format('policy %%s: %%s', d.name, d.description or '(no description)'))\n"
           "local keys = folio.sorted_symbols(d.params or {})\n"
           "if #keys == 0 then print('  no parameters') end\n"
           "for _, k in ipairs(keys) do local s = d.params[k]\n"
           "  print(string.format('  %%-16s %%-8s default %%s', k, tostring(s.type or ''), tostring(s.default)))\n"
           "end\n",
           name);
  int rc = 0;
  if (folio_host_run_string(h, "=check", chunk, strlen(chunk)) != FOLIO_OK) {
    fprintf(stderr, "folio check: %s: %s\n", file, folio_host_error(h));
    rc = 1;
  }
  if (rc == 0) rc = dry_run(h, name, data, nav, max_gross);
  if (rc == 0) printf("%s: ok\n", file);
  folio_host_destroy(h);
  return rc;
}

/* ---- folio rebalance ------------------------------------------------------ */

/* Appends s as a Lua string literal (decimal escapes for anything unusual). */
static void lua_quote(char *buf, size_t size, size_t *used, const char *s) {
  size_t n = *used;
  if (n < size) buf[n] = '"';
  n++;
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    char esc[8];
    int k = (*p >= 32 && *p < 127 && *p != '"' && *p != '\\') ? snprintf(esc, sizeof esc, "%c", *p)
                                                             : snprintf(esc, sizeof esc, "\\%03u", *p);
    for (int i = 0; i < k; i++, n++)
      if (n < size) buf[n] = esc[i];
  }
  if (n < size) buf[n] = '"';
  n++;
  *used = n;
}

/* An operator command's options: `--key VALUE` pairs named by keys[] (NULL
 * ended) and flags[] (NULL ended); vals[k] and on[k] are set. Returns 0, or
 * the usage error's exit status. */
static int parse_options(const command *c, int argc, char **argv, const char *const *keys, const char **vals,
                         const char *const *flags, int *on) {
  for (int i = 2; i < argc; i++) {
    if (is_help(argv[i])) return -1;
    int f = 0;
    while (flags[f] && strcmp(flags[f], argv[i]) != 0) f++;
    if (flags[f]) {
      on[f] = 1;
      continue;
    }
    int k = 0;
    while (keys[k] && strcmp(keys[k], argv[i]) != 0) k++;
    if (!keys[k]) return usage_error(c, "unknown option '%s'", argv[i]);
    if (i + 1 >= argc) return usage_error(c, "option %s needs a value", argv[i]);
    if (vals[k]) return usage_error(c, "option %s given twice", argv[i]);
    vals[k] = argv[++i];
  }
  return 0;
}

/* A Lua call `return <fn>{<head>, name = "value", ...}` with every given
 * option as a string literal; 0, or -1 when it does not fit. */
typedef struct op_call {
  char text[32768];
  size_t n;
} op_call;

static int run_units_job(const command *c, op_call *call, const char *out, const char *shard);

static void call_append(op_call *b, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int k = vsnprintf(b->text + (b->n < sizeof b->text ? b->n : sizeof b->text),
                    b->n < sizeof b->text ? sizeof b->text - b->n : 0, fmt, ap);
  va_end(ap);
  if (k > 0) b->n += (size_t)k;
}

static void call_string(op_call *b, const char *name, const char *value) {
  call_append(b, ", %s = ", name);
  lua_quote(b->text, sizeof b->text, &b->n, value);
}

/* --shard i/N: two whole numbers, 1 <= i <= N <= 1,000,000, nothing else. */
static int valid_shard(const char *text) {
  const char *p = text;
  unsigned long v[2] = {0, 0};
  for (int k = 0; k < 2; k++) {
    if (*p < '0' || *p > '9') return 0;
    while (*p >= '0' && *p <= '9') {
      v[k] = v[k] * 10 + (unsigned long)(*p++ - '0');
      if (v[k] > 1000000UL) return 0;
    }
    if (k == 0 && *p++ != '/') return 0;
  }
  return *p == '\0' && v[0] >= 1 && v[0] <= v[1];
}

/* holder = "WHAT (pid P on HOST, since TIME)": who runs, for store locks and
 * a job's shard files, so that a lock or a shard that died names its process. */
static void call_holder(op_call *b, const char *what) {
  char holder[512], host[256] = "?", when[32] = "?";
  if (gethostname(host, sizeof host) != 0) snprintf(host, sizeof host, "?");
  host[sizeof host - 1] = '\0';
  time_t now = time(NULL);
  struct tm tmv;
  if (gmtime_r(&now, &tmv)) strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tmv);
  snprintf(holder, sizeof holder, "%s (pid %ld on %s, since %s)", what, (long)getpid(), host, when);
  call_string(b, "holder", holder);
}

/* The default volumes file: volumes.csv beside the prices. */
static void default_volumes(char *out, size_t size, const char *prices) {
  const char *slash = strrchr(prices, '/');
  snprintf(out, size, "%.*svolumes.csv", slash ? (int)(slash - prices + 1) : 0, prices);
}

/* Runs an operator command's Lua text in a trusted engine named
 * "=<command>" and returns the status it evaluates to (0 when it returns no
 * integer; 0..max, else 1), or 1 after "folio <command>: <message>" on
 * stderr — without the traceback and chunk positions when plain. */
static int run_operator(const command *c, const char *text, size_t n, long long max, int plain) {
  folio_host_opts o = folio_host_defaults();
  o.trusted = 1; /* an operator command: reads and writes the files it is given */
  folio_host *h = NULL;
  folio_error e;
  if (folio_host_create(&o, &h, &e) != FOLIO_OK) {
    fprintf(stderr, "folio %s: %s\n", c->name, e.message);
    return 1;
  }
  char chunkname[32];
  snprintf(chunkname, sizeof chunkname, "=%s", c->name);
  long long status = 0;
  folio_status st = folio_host_eval(h, chunkname, text, n, &status);
  if (st != FOLIO_OK) {
    if (plain) print_host_error(c->name, "", folio_host_error(h));
    else fprintf(stderr, "folio %s: %s\n", c->name, folio_host_error(h));
    status = 1;
  }
  folio_host_destroy(h);
  return status >= 0 && status <= max ? (int)status : 1;
}

/* `folio rebalance --accounts FILE --out DIR`: every account of FILE as one
 * unit (lua/folio/accounts.lua); vals and on as cmd_rebalance parsed them. */
static int cmd_rebalance_accounts(const command *c, const char **vals, const int *on) {
  static const char *const refused[] = {NULL, "--positions", NULL, NULL, NULL, NULL, "--store", NULL, "--script", "--oms"};
  if (!vals[10]) return usage_error(c, "--shard needs --accounts");
  for (int k = 0; k < 10; k++)
    if (refused[k] && vals[k])
      return usage_error(c, "%s does not go with --accounts (each account has its own; see docs/scale.md)", refused[k]);
  if (on[0] || on[1]) return usage_error(c, "--dry-run and --json do not go with --accounts");
  if (!vals[0]) return usage_error(c, "--fund is required");
  if (!vals[2]) return usage_error(c, "--prices is required");
  if (!vals[3]) return usage_error(c, "--out DIR is required with --accounts");
  if (vals[11] && !valid_shard(vals[11]))
    return usage_error(c, "--shard must be i/N with 1 <= i <= N <= 1000000, got '%s'", vals[11]);
  static const char *const names[] = {"fund", NULL, "prices", "out", "volumes", "asof", NULL, "policy_path",
                                      NULL, NULL, "accounts", "shard"};
  op_call call = {.n = 0};
  call_append(&call, "return folio.accounts.cli{_ = 0");
  for (int k = 0; k < 12; k++)
    if (names[k] && vals[k]) call_string(&call, names[k], vals[k]);
  if (!vals[4]) {
    char volumes[4096];
    default_volumes(volumes, sizeof volumes, vals[2]);
    call_string(&call, "default_volumes", volumes);
  }
  call_holder(&call, "folio rebalance --accounts");
  call_append(&call, "}\n");
  if (call.n + 512 >= sizeof call.text) return usage_error(c, "arguments too long");
  return run_units_job(c, &call, vals[3], vals[11]);
}

static int cmd_rebalance(const command *c, int argc, char **argv) {
  static const char *const keys[] = {"--fund",  "--positions",   "--prices", "--out",
                                     "--volumes", "--asof",      "--store",  "--policy-path",
                                     "--script",  "--oms",       "--accounts", "--shard", NULL};
  static const char *const names[] = {"fund",    "positions",   "prices", "out",
                                      "volumes", "asof",        "store",  "policy_path",
                                      "script",  "oms",         "accounts", "shard"};
  static const char *const flags[] = {"--dry-run", "--json", NULL};
  enum { N_KEYS = sizeof names / sizeof names[0] };
  const char *vals[N_KEYS] = {NULL};
  int on[2] = {0, 0};
  int rc = parse_options(c, argc, argv, keys, vals, flags, on);
  if (rc < 0) return command_help(c);
  if (rc) return rc;
  int dry_run = on[0], json = on[1];
  if (vals[10] || vals[11]) return cmd_rebalance_accounts(c, vals, on);
  if (!vals[0]) return usage_error(c, "--fund is required");
  if (!vals[2]) return usage_error(c, "--prices is required");
  int lua_oms = vals[9] && strncmp(vals[9], "lua:", 4) == 0;
  if (vals[9] && !lua_oms && strcmp(vals[9], "file") != 0)
    return usage_error(c, "--oms must be 'file' or 'lua:FILE', got '%s'", vals[9]);
  if (!vals[1] && !lua_oms) return usage_error(c, "--positions is required (or --oms lua:FILE)");
  if (!vals[3] && !dry_run && !lua_oms) return usage_error(c, "--out is required (or --dry-run)");
  op_call call = {.n = 0};
  call_append(&call, "return folio.rebalance.cli{dry_run = %s, json = %s", dry_run ? "true" : "false",
              json ? "true" : "false");
  for (int k = 0; k < N_KEYS; k++)
    if (vals[k]) call_string(&call, names[k], vals[k]);
  if (!vals[4]) {
    char volumes[4096];
    default_volumes(volumes, sizeof volumes, vals[2]);
    call_string(&call, "default_volumes", volumes);
  }
  call_holder(&call, "folio rebalance");
  call_append(&call, "}\n");
  if (call.n >= sizeof call.text) return usage_error(c, "arguments too long");
  return run_operator(c, call.text, call.n, 3, 1);
}

/* ---- folio backtest ------------------------------------------------------- */

static int cmd_backtest(const command *c, int argc, char **argv) {
  static const char *const keys[] = {"--fund", "--prices", "--volumes", "--from", "--to", "--out", "--store",
                                     "--checkpoint-every", "--cash-rate", "--policy-path", NULL};
  static const char *const names[] = {"fund", "prices", "volumes", "from", "to", "out", "store",
                                      "checkpoint_every", "cash_rate", "policy_path"};
  static const char *const flags[] = {"--json", NULL};
  enum { N_KEYS = sizeof names / sizeof names[0] };
  const char *vals[N_KEYS] = {NULL};
  int on[1] = {0};
  int rc = parse_options(c, argc, argv, keys, vals, flags, on);
  if (rc < 0) return command_help(c);
  if (rc) return rc;
  if (!vals[0]) return usage_error(c, "--fund is required");
  if (!vals[1]) return usage_error(c, "--prices is required");
  if (vals[5] && mkdir(vals[5], 0777) != 0 && errno != EEXIST) {
    fprintf(stderr, "folio %s: --out %s: cannot create the folder: %s\n", c->name, vals[5], strerror(errno));
    return 1;
  }
  op_call call = {.n = 0};
  call_append(&call, "return folio.backtest.cli{json = %s, progress = %s", on[0] ? "true" : "false",
              isatty(STDERR_FILENO) ? "true" : "false");
  for (int k = 0; k < N_KEYS; k++)
    if (vals[k]) call_string(&call, names[k], vals[k]);
  if (!vals[2]) {
    char volumes[4096];
    default_volumes(volumes, sizeof volumes, vals[1]);
    call_string(&call, "default_volumes", volumes);
  }
  call_append(&call, "}\n");
  if (call.n >= sizeof call.text) return usage_error(c, "arguments too long");
  return run_operator(c, call.text, call.n, 1, 1);
}

/* ---- folio manager -------------------------------------------------------- */

/* The strategy-weight manager (core manager.h): no script, no engine. Prints
 * the weights sorted by strategy, the volatility and leverage, the skipped
 * folders, and writes portfolio_config.json atomically. */
static int cmd_manager(const command *c, int argc, char **argv) {
  folio_manager_opts o = folio_manager_defaults();
  const char *root = NULL, *out = NULL;
  for (int i = 2; i < argc; i++) {
    const char *a = argv[i];
    if (is_help(a)) return command_help(c);
    static const char *const valued[] = {"--root", "--window", "--target-vol", "--max-leverage",
                                         "--account-value", "--out", NULL};
    int k = 0;
    while (valued[k] && strcmp(valued[k], a) != 0) k++;
    if (!valued[k]) return usage_error(c, "unknown option '%s'", a);
    if (i + 1 >= argc) return usage_error(c, "option %s needs a value", a);
    const char *val = argv[++i];
    double v = 0;
    if (k == 0) root = val;
    else if (k == 5) out = val;
    else if (parse_number(val, k == 1 ? 2 : 1e-12, k == 4 ? 1e15 : k == 1 ? 16777216 : 1e6, &v) != 0 ||
             (k == 1 && v != (double)(long long)v))
      return usage_error(c, "bad value for %s", a);
    else if (k == 1) o.window = (size_t)v;
    else if (k == 2) o.target_vol = v;
    else if (k == 3) o.max_leverage = v;
    else o.account_value = v;
  }
  if (!root) return usage_error(c, "--root is required");
  char path[4096];
  if (!out) {
    snprintf(path, sizeof path, "%s/portfolio_config.json", root);
    out = path;
  }
  folio_manager_report *r = NULL;
  folio_error e;
  if (folio_manager_run(root, &o, &r, &e) != FOLIO_OK || folio_manager_write_config(out, r, &e) != FOLIO_OK) {
    /* core messages start "manager: " (or a file path): no "folio manager: manager:" */
    fprintf(stderr, "folio manager: %s\n", strncmp(e.message, "manager: ", 9) == 0 ? e.message + 9 : e.message);
    folio_manager_report_free(r);
    return 1;
  }
  printf("window %zu days, %s .. %s; %zu strategies\n", r->window_days, r->first_date, r->asof, r->n_strategies);
  printf("  %-24s %10s\n", "strategy", "weight");
  for (size_t k = 0; k < r->n_strategies; k++) printf("  %-24s %10.6f\n", r->names[k], r->weights[k]);
  printf("slope/std      %.6f (best of %zu starts, reached by %zu)\n", r->fit.score, r->fit.n_starts,
         r->fit.starts_at_best);
  printf("ann volatility %.4f%%\n", 100.0 * r->fit.ann_vol);
  printf("target vol     %.4f%%\n", 100.0 * r->target_vol);
  if (r->fit.capped)
    printf("leverage       %.6f (capped at --max-leverage; uncapped %.6f)\n", r->fit.leverage, r->fit.raw_leverage);
  else
    printf("leverage       %.6f\n", r->fit.leverage);
  printf("skipped        ");
  for (size_t k = 0; k < r->n_skipped; k++) printf("%s%s", k ? ", " : "", r->skipped[k]);
  printf("%s\n", r->n_skipped ? " (no stats file)" : "none");
  printf("wrote %s\n", out);
  folio_manager_report_free(r);
  return 0;
}

/* ---- folio reconcile ------------------------------------------------------ */

/* The live reconciler (lua/folio/reconcile.lua) on a trusted engine: the
 * options become one call folio.reconcile.cli{...}; numbers are checked here
 * so a bad value is a usage error (exit 2). */
static int cmd_reconcile(const command *c, int argc, char **argv) {
  static const char *const keys[] = {"--root", "--config", "--exchange", "--journal", NULL};
  static const char *const names[] = {"root", "config", "exchange", "journal"};
  /* numeric options: the name in Lua, the lowest and highest value, whole number? */
  static const struct {
    const char *opt, *name;
    double lo, hi;
    int whole;
  } nums[] = {{"--interval", "interval", 0, 86400, 0}, {"--cycles", "cycles", 1, 1e12, 1},
              {"--max-age", "max_age", 1e-3, 1e10, 0}, {"--step", "step", 1e-12, 1e9, 0},
              {"--min-notional", "min_notional", 0, 1e12, 0}};
  enum { n_nums = sizeof nums / sizeof nums[0] };
  const char *vals[4] = {NULL};
  double numv[n_nums] = {0};
  int have[n_nums] = {0}, watch = 0, once = 0;
  for (int i = 2; i < argc; i++) {
    if (is_help(argv[i])) return command_help(c);
    if (strcmp(argv[i], "--watch") == 0 || strcmp(argv[i], "--once") == 0) {
      *(argv[i][2] == 'w' ? &watch : &once) = 1;
      continue;
    }
    int k = 0, m = 0;
    while (keys[k] && strcmp(keys[k], argv[i]) != 0) k++;
    while (m < n_nums && strcmp(nums[m].opt, argv[i]) != 0) m++;
    if (!keys[k] && m == n_nums) return usage_error(c, "unknown option '%s'", argv[i]);
    if (i + 1 >= argc) return usage_error(c, "option %s needs a value", argv[i]);
    if (keys[k]) {
      vals[k] = argv[++i];
      continue;
    }
    if (parse_number(argv[++i], nums[m].lo, nums[m].hi, &numv[m]) != 0 ||
        (nums[m].whole && numv[m] != (double)(long long)numv[m]))
      return usage_error(c, "bad value for %s", nums[m].opt);
    have[m] = 1;
  }
  if (!vals[0]) return usage_error(c, "--root is required");
  op_call call = {.n = 0};
  call_append(&call, "folio.reconcile.cli{watch = %s, once = %s", watch ? "true" : "false", once ? "true" : "false");
  for (int k = 0; k < 4; k++)
    if (vals[k]) call_string(&call, names[k], vals[k]);
  for (int m = 0; m < n_nums; m++) {
    if (!have[m]) continue;
    if (nums[m].whole)
      call_append(&call, ", %s = %lld", nums[m].name, (long long)numv[m]);
    else
      call_append(&call, ", %s = %.17g", nums[m].name, numv[m]);
  }
  call_append(&call, "}\n");
  if (call.n >= sizeof call.text) return usage_error(c, "arguments too long");
  return run_operator(c, call.text, call.n, 0, 0); /* reads state files, writes the journal, places orders */
}

/* ---- jobs of units over MPI ------------------------------------------------------ */

/* Whether this process was started by mpirun (Open MPI, PMI or PMIx): only
 * then is MPI initialised, so a plain run never pays for it or needs it. */
static int launched_by_mpirun(void) {
  return getenv("OMPI_COMM_WORLD_SIZE") || getenv("PMI_SIZE") || getenv("PMIX_RANK");
}


#ifdef FOLIO_HAVE_MPI
/* OpenBLAS, when it is the BLAS we run on (as in isolate.c). */
extern void openblas_set_num_threads(int n) __attribute__((weak));

/* Ranks that share a node share its cores: unless the user chose
 * (OPENBLAS_NUM_THREADS, OMP_NUM_THREADS), each rank's BLAS gets the node's
 * online cores divided by the ranks on it, at least one. */
static void share_cores(void) {
  MPI_Comm node;
  int local = 1;
  if (MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &node) == MPI_SUCCESS) {
    MPI_Comm_size(node, &local);
    MPI_Comm_free(&node);
  }
  if (local <= 1 || getenv("OPENBLAS_NUM_THREADS") || getenv("OMP_NUM_THREADS") || !openblas_set_num_threads) return;
  long cores = sysconf(_SC_NPROCESSORS_ONLN);
  openblas_set_num_threads(cores > local ? (int)(cores / local) : 1);
}

/* Reads a whole file into a malloc'd buffer (*len bytes); NULL when absent. */
static char *slurp(const char *path, long *len) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  char *buf = NULL;
  if (fseek(f, 0, SEEK_END) == 0 && (*len = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0 &&
      (buf = malloc((size_t)*len + 1)) != NULL && fread(buf, 1, (size_t)*len, f) != (size_t)*len) {
    free(buf);
    buf = NULL;
  }
  fclose(f);
  return buf;
}

/* The job under mpirun with n > 1 ranks: rank r runs shard r + 1 of N, the
 * units the --shard assignment deals to it (call + mpi_rank/mpi_ranks/bundle:
 * their files are written as a --shard run writes them, so a rerun skips
 * them); then its results (the serialized unit and failure files) are
 * gathered on rank 0 with MPI_Gatherv, in rounds of at most GATHER_CHUNK
 * bytes per rank (MPI counts are ints), and rank 0 writes any file it lacks
 * (ranks on nodes without a shared --out) and the outputs once. */
enum { GATHER_CHUNK = 1 << 28 };

/* Every rank must see the same --out: the unit files, failure records and,
 * for accounts, the stores that keep each rebalance exactly-once live there
 * (a rank on a node with its own folder would redo an account another node
 * did). Rank 0 creates DIR and a token file in it; every rank looks for the
 * token. 0, or 1 on every rank after rank 0 named the ranks that cannot. */
static int same_out_everywhere(const command *c, const char *out, const char *run_id, int rank, int n_ranks) {
  char token[4096], name[330];
  size_t k = 0;
  for (const char *p = run_id; *p && k + 1 < sizeof name; p++)
    name[k++] = (isalnum((unsigned char)*p) || *p == '.' || *p == '-') ? *p : '_';
  name[k] = '\0';
  snprintf(token, sizeof token, "%s/.folio-%s", out, name);
  int made = 1;
  if (rank == 0) {
    FILE *f = (mkdir(out, 0777) == 0 || errno == EEXIST) ? fopen(token, "w") : NULL;
    made = f && fputs(run_id, f) >= 0;
    if (f && fclose(f) != 0) made = 0;
    if (!made) fprintf(stderr, "folio %s: --out %s: cannot create the folder or a file in it: %s\n", c->name, out, strerror(errno));
  }
  MPI_Bcast(&made, 1, MPI_INT, 0, MPI_COMM_WORLD);
  if (!made) return 1;
  int sees = access(token, R_OK) == 0, all = 0;
  MPI_Allreduce(&sees, &all, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
  if (!all) {
    int *seen = rank == 0 ? malloc((size_t)n_ranks * sizeof *seen) : NULL;
    MPI_Gather(&sees, 1, MPI_INT, seen, 1, MPI_INT, 0, MPI_COMM_WORLD);
    if (rank == 0) {
      fprintf(stderr, "folio %s: --out %s is not one folder every rank sees (use a file system all the nodes share):", c->name, out);
      for (int r = 0; seen && r < n_ranks; r++)
        if (!seen[r]) fprintf(stderr, " rank %d", r);
      fprintf(stderr, " cannot see %s\n", token);
    }
    free(seen);
  }
  MPI_Barrier(MPI_COMM_WORLD);
  if (rank == 0) remove(token);
  return all ? 0 : 1;
}

static int run_units_job_mpi(const command *c, op_call *call, const char *out, int rank, int n_ranks) {
  char bundle[4096];
  snprintf(bundle, sizeof bundle, "%s/units/.rank-%d.bundle", out, rank);
  call->n -= 2; /* reopen the table: drop "}\n" */
  call_append(call, ", mpi_rank = \"%d\", mpi_ranks = \"%d\"", rank, n_ranks);
  call_string(call, "bundle", bundle);
  /* one name for this job's ranks (rank 0's host, pid and clock), so that
   * no rank mistakes another's shard file for an earlier run's */
  char run_id[320] = "";
  if (rank == 0) {
    char host[256] = "?";
    if (gethostname(host, sizeof host) != 0) snprintf(host, sizeof host, "?");
    host[sizeof host - 1] = '\0';
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    snprintf(run_id, sizeof run_id, "mpi:%s:%ld:%lld.%09ld", host, (long)getpid(), (long long)ts.tv_sec, ts.tv_nsec);
  }
  MPI_Bcast(run_id, (int)sizeof run_id, MPI_CHAR, 0, MPI_COMM_WORLD);
  if (same_out_everywhere(c, out, run_id, rank, n_ranks)) return 1;
  call_string(call, "run_id", run_id);
  call_append(call, "}\n");
  int status = call->n >= sizeof call->text ? 2 : run_operator(c, call->text, call->n, 1, 1);
  long len = 0;
  char *mine = slurp(bundle, &len);
  if (!mine) len = 0;
  remove(bundle);
  /* A rank whose job raised (a bad input: its message is printed) wrote no
   * bundle. When rank 0 has none there is nothing to merge; another rank's
   * missing units are named by rank 0's merge (and done by the rerun). */
  int worst = 0, rank0_ran = rank == 0 && mine != NULL, ran = mine != NULL, all_ran = 0;
  MPI_Allreduce(&status, &worst, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
  MPI_Allreduce(&ran, &all_ran, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
  MPI_Bcast(&rank0_ran, 1, MPI_INT, 0, MPI_COMM_WORLD);
  if (!rank0_ran) {
    free(mine);
    return worst ? worst : 1;
  }
  /* rank 0 appends every rank's bytes, round by round, to the gathered file */
  char gathered[4096];
  snprintf(gathered, sizeof gathered, "%s/units/.gathered.bundle", out);
  FILE *f = rank == 0 ? fopen(gathered, "wb") : NULL;
  int ok = rank != 0 || f != NULL, err = ok ? 0 : errno;
  long rounds = (len + GATHER_CHUNK - 1) / GATHER_CHUNK, max_rounds = 0;
  MPI_Allreduce(&rounds, &max_rounds, 1, MPI_LONG, MPI_MAX, MPI_COMM_WORLD);
  int *lens = rank == 0 ? calloc((size_t)n_ranks, sizeof *lens) : NULL;
  int *offs = rank == 0 ? calloc((size_t)n_ranks, sizeof *offs) : NULL;
  if (rank == 0 && (!lens || !offs)) { /* the unit files stay: a rerun merges them */
    fprintf(stderr, "folio %s: out of memory gathering the results of %d ranks; rerun the same command\n", c->name, n_ranks);
    MPI_Abort(MPI_COMM_WORLD, 1);
  }
  for (long k = 0; k < max_rounds; k++) {
    long from = k * (long)GATHER_CHUNK;
    int n = from >= len ? 0 : (int)(len - from < GATHER_CHUNK ? len - from : GATHER_CHUNK);
    MPI_Gather(&n, 1, MPI_INT, lens, 1, MPI_INT, 0, MPI_COMM_WORLD);
    /* rank 0: this round's bytes of every rank, one after the other; a round
     * holds at most 2^28 bytes per rank: one MPI_Gatherv while the total fits
     * the int displacements, else one MPI_Recv per rank */
    long total = 0;
    char *all = NULL;
    if (rank == 0) {
      for (int r = 0; r < n_ranks; r++) total += lens[r];
      all = malloc((size_t)total + 1);
      if (!all) { /* nothing sensible is left to do: the job's unit files stay for a rerun */
        fprintf(stderr, "folio %s: out of memory gathering %ld bytes of results; rerun the same command\n", c->name,
                total);
        MPI_Abort(MPI_COMM_WORLD, 1);
      }
    }
    MPI_Bcast(&total, 1, MPI_LONG, 0, MPI_COMM_WORLD); /* every rank takes the same branch */
    if (total <= INT_MAX) {
      if (rank == 0)
        for (int r = 0, off = 0; r < n_ranks; off += lens[r], r++) offs[r] = off;
      MPI_Gatherv(n ? mine + from : "", n, MPI_CHAR, all, lens, offs, MPI_CHAR, 0, MPI_COMM_WORLD);
    } else { /* one rank at a time: each count fits in an int */
      long off = 0;
      for (int r = 0; r < n_ranks; r++) {
        if (rank == 0 && r == 0) memcpy(all, n ? mine + from : "", (size_t)n);
        else if (rank == 0) MPI_Recv(all + off, lens[r], MPI_CHAR, r, 7, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        else if (rank == r) MPI_Send(n ? mine + from : "", n, MPI_CHAR, 0, 7, MPI_COMM_WORLD);
        if (rank == 0) off += lens[r];
      }
    }
    if (rank == 0 && ok && total > 0 && fwrite(all, 1, (size_t)total, f) != (size_t)total) {
      ok = 0;
      err = errno;
    }
    free(all);
  }
  free(mine);
  int rc = worst;
  if (rank == 0) {
    if (f && fclose(f) != 0 && ok) {
      ok = 0;
      err = errno;
    }
    if (!ok) { /* the shared folder holds every unit's file: merged from there */
      fprintf(stderr, "folio %s: %s: cannot write the gathered results (%s): merging from the unit files\n", c->name,
              gathered, strerror(err));
      remove(gathered);
    }
    /* every unit's result or failure is now here: the outputs, or the missing units named */
    op_call merge = {.n = 0};
    call_append(&merge, "return folio.units.cli_merge{complete = %s", all_ran && ok ? "true" : "false");
    call_string(&merge, "out", out);
    if (ok) call_string(&merge, "bundle", gathered);
    call_append(&merge, "}\n");
    int merged = run_operator(c, merge.text, merge.n, 1, 1);
    rc = merged > rc ? merged : rc;
    free(lens);
    free(offs);
  }
  MPI_Bcast(&rc, 1, MPI_INT, 0, MPI_COMM_WORLD);
  return rc;
}
#endif

/* Runs a job of units (sweep, accounts): in this process, or over the ranks
 * of mpirun when the program has MPI and was started by mpirun. */
static int run_units_job(const command *c, op_call *call, const char *out, const char *shard) {
  if (!launched_by_mpirun()) return run_operator(c, call->text, call->n, 1, 1);
#ifdef FOLIO_HAVE_MPI
  int rank = 0, n_ranks = 1;
  MPI_Init(NULL, NULL);
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &n_ranks);
  share_cores();
  int rc;
  if (n_ranks > 1 && shard) {
    if (rank == 0) usage_error(c, "--shard does not go with mpirun -n %d: the ranks are the shards", n_ranks);
    rc = 2;
  } else if (n_ranks == 1) {
    rc = run_operator(c, call->text, call->n, 1, 1);
  } else {
    rc = run_units_job_mpi(c, call, out, rank, n_ranks);
  }
  MPI_Finalize();
  return rc;
#else
  /* No MPI in this program: the launcher's environment still says which
   * process this is, so each runs its shard as `--shard r+1/N` would and
   * `folio merge` writes the outputs (nothing to gather without MPI). */
  const char *r = getenv("OMPI_COMM_WORLD_RANK"), *n = getenv("OMPI_COMM_WORLD_SIZE");
  if (!r || !n) r = getenv("PMI_RANK"), n = getenv("PMI_SIZE");
  char *end1 = NULL, *end2 = NULL;
  long rank = r ? strtol(r, &end1, 10) : -1, n_ranks = n ? strtol(n, &end2, 10) : -1;
  if (!r || !n || *end1 || *end2 || rank < 0 || n_ranks < 1 || rank >= n_ranks) {
    fprintf(stderr, "folio %s: this folio has no MPI and cannot tell which process of the launch this is; "
                    "run each with --shard i/N, then folio merge --out %s\n", c->name, out);
    return 2;
  }
  if (n_ranks == 1) return run_operator(c, call->text, call->n, 1, 1);
  if (shard) return usage_error(c, "--shard does not go with mpirun -n %ld: the processes are the shards", n_ranks);
  char spec[64];
  snprintf(spec, sizeof spec, "%ld/%ld", rank + 1, n_ranks);
  call->n -= 2; /* reopen the table: drop "}\n" */
  call_string(call, "shard", spec);
  call_append(call, "}\n");
  if (rank == 0)
    fprintf(stderr, "folio %s: this folio has no MPI: each of the %ld processes runs its shard (--shard i/%ld); "
                    "then: folio merge --out %s\n", c->name, n_ranks, n_ranks, out);
  return call->n >= sizeof call->text ? 2 : run_operator(c, call->text, call->n, 1, 1);
#endif
}

/* ---- folio sweep and folio merge ------------------------------------------ */

static int cmd_sweep(const command *c, int argc, char **argv) {
  static const char *const keys[] = {"--fund", "--grid", "--prices", "--volumes", "--out", "--shard",
                                     "--policy-path", NULL};
  static const char *const names[] = {"fund", "grid", "prices", "volumes", "out", "shard", "policy_path"};
  static const char *const flags[] = {NULL};
  enum { N_KEYS = sizeof names / sizeof names[0] };
  const char *vals[N_KEYS] = {NULL};
  int rc = parse_options(c, argc, argv, keys, vals, flags, NULL);
  if (rc < 0) return command_help(c);
  if (rc) return rc;
  if (!vals[0]) return usage_error(c, "--fund is required");
  if (!vals[1]) return usage_error(c, "--grid is required");
  if (!vals[2]) return usage_error(c, "--prices is required");
  if (!vals[4]) return usage_error(c, "--out is required");
  if (vals[5] && !valid_shard(vals[5]))
    return usage_error(c, "--shard must be i/N with 1 <= i <= N <= 1000000, got '%s'", vals[5]);
  op_call call = {.n = 0};
  call_append(&call, "return folio.sweep.cli{_ = 0");
  for (int k = 0; k < N_KEYS; k++)
    if (vals[k]) call_string(&call, names[k], vals[k]);
  if (!vals[3]) {
    char volumes[4096];
    default_volumes(volumes, sizeof volumes, vals[2]);
    call_string(&call, "default_volumes", volumes);
  }
  call_holder(&call, "folio sweep");
  call_append(&call, "}\n");
  if (call.n + 512 >= sizeof call.text) return usage_error(c, "arguments too long");
  return run_units_job(c, &call, vals[4], vals[5]);
}

static int cmd_merge(const command *c, int argc, char **argv) {
  static const char *const keys[] = {"--out", NULL};
  static const char *const flags[] = {NULL};
  const char *vals[1] = {NULL};
  int rc = parse_options(c, argc, argv, keys, vals, flags, NULL);
  if (rc < 0) return command_help(c);
  if (rc) return rc;
  if (!vals[0]) return usage_error(c, "--out is required");
  op_call call = {.n = 0};
  call_append(&call, "return folio.units.cli_merge{_ = 0");
  call_string(&call, "out", vals[0]);
  call_append(&call, "}\n");
  if (call.n >= sizeof call.text) return usage_error(c, "arguments too long");
  return run_operator(c, call.text, call.n, 1, 1);
}

int main(int argc, char **argv) {
  if (argc < 2) return usage_error(NULL, "missing command");
  const char *cmd = argv[1];
  if (is_help(cmd)) return top_help();
  if (strcmp(cmd, "-v") == 0 || strcmp(cmd, "--version") == 0) {
#ifdef FOLIO_HAVE_MPI
    /* the library's own words (MPI_Get_library_version may be called before MPI_Init) */
    char lib[MPI_MAX_LIBRARY_VERSION_STRING] = "";
    int len = 0;
    if (MPI_Get_library_version(lib, &len) != MPI_SUCCESS) lib[0] = '\0';
    lib[strcspn(lib, ",\n")] = '\0';
    printf("folio %s (%s; MPI: yes, %s%s%s)\n", FOLIO_VERSION_STRING, LUA_RELEASE, FOLIO_MPI_NAME, lib[0] ? ", " : "", lib);
#else
    printf("folio %s (%s; MPI: no, --shard i/N only)\n", FOLIO_VERSION_STRING, LUA_RELEASE);
#endif
    return 0;
  }
  for (int k = 0; k < n_commands; k++)
    if (strcmp(cmd, commands[k].name) == 0) return commands[k].fn(&commands[k], argc, argv);
  return usage_error(NULL, "unknown command '%s'", cmd);
}
