/*
 * main.c — the `folio` host: runs policy and rebalance scripts.
 *
 *   folio run [options] SCRIPT.lua [ARGS...]
 *   folio --help | --version
 *
 * Like lua.c, main() is a thin shell over the embedding API (folio/host.h):
 * scripts run sandboxed with instruction, time and memory budgets unless
 * --trusted is given. A Lua error exits 1 with "file:line: message" and a
 * traceback; usage errors exit 2. LUA_INIT and LUA_PATH are ignored.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "folio/host.h"
#include "lua.h"

#ifndef FOLIO_VERSION_STRING
#define FOLIO_VERSION_STRING "0.0.0"
#endif

static const char usage_text[] =
    "usage: folio <command> [options]\n"
    "\n"
    "commands:\n"
    "  run [options] SCRIPT.lua [ARGS...]   run a script with the folio module\n"
    "                             (`folio` is a global and `require \"folio\"` works;\n"
    "                             the script receives ARGS as `arg` and as `...`)\n"
    "\n"
    "run options:\n"
    "  --trusted                  lift the sandbox (full standard library: io, os, ...)\n"
    "                             for operators' own scripts; no budgets\n"
    "  --max-instructions N       Lua instructions per run (default 2000000000)\n"
    "  --max-memory-mb N          memory the script may hold, MiB (default 512)\n"
    "  --max-seconds S            wall-clock seconds per run (default 60)\n"
    "  --seed N                   seed of math.random (default 0)\n"
    "  --policy-path DIRS         more policy folders, ':'-separated (loaded after\n"
    "                             the shipped policies/)\n"
    "  --no-policies              do not load the shipped policies\n"
    "\n"
    "  -h, --help                 show this help and exit\n"
    "  -v, --version              show the version and exit\n"
    "\n"
    "A Lua error exits with status 1 and prints file:line: message and a traceback.\n";

static int usage_error(const char *fmt, const char *arg) {
  fprintf(stderr, "folio: ");
  fprintf(stderr, fmt, arg);
  fprintf(stderr, "\n\n%s", usage_text);
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

/* Parses run options from argv[*i]; returns 0 when argv[*i] is not an option. */
static int parse_option(int argc, char **argv, int *i, folio_host_options *o, int *err) {
  const char *a = argv[*i];
  double v;
  if (strcmp(a, "--trusted") == 0) {
    o->trusted = 1;
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
      *err = usage_error("option %s needs a value", a);
      return 1;
    }
    const char *val = argv[++*i];
    if (k == 4) {
      o->policy_path = val;
      return 1;
    }
    static const double hi[] = {1e15, 1024.0 * 1024, 1e7, 9e15};
    if (parse_number(val, k == 3 ? 0 : 1e-9, hi[k], &v) != 0 || ((k == 0 || k == 1 || k == 3) && v != (double)(long long)v)) {
      *err = usage_error("bad value for %s", a);
      return 1;
    }
    if (k == 0) o->max_instructions = (uint64_t)v;
    if (k == 1) o->max_memory = (size_t)v << 20;
    if (k == 2) o->max_seconds = v;
    if (k == 3) o->seed = (uint64_t)v;
    return 1;
  }
  if (a[0] == '-' && a[1] == '-') {
    *err = usage_error("unknown option '%s'", a);
    return 1;
  }
  return 0;
}

static int cmd_run(int argc, char **argv) {
  folio_host_options o;
  folio_host_options_init(&o);
  int i = 2, err = 0;
  while (i < argc && parse_option(argc, argv, &i, &o, &err)) {
    if (err) return err;
    i++;
  }
  if (i >= argc) return usage_error("run: missing script name%s", "");
  folio_host *h = NULL;
  folio_error e;
  if (folio_host_create(&o, &h, &e) != FOLIO_OK) {
    fprintf(stderr, "folio: %s\n", e.message);
    return 1;
  }
  folio_status st = folio_host_run_file(h, argv[i], argc - i, (const char *const *)(argv + i));
  if (st != FOLIO_OK) fprintf(stderr, "folio: %s\n", folio_host_error(h));
  folio_host_destroy(h);
  return st == FOLIO_OK ? 0 : 1;
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fputs(usage_text, stderr);
    return 2;
  }
  const char *cmd = argv[1];
  if (strcmp(cmd, "-h") == 0 || strcmp(cmd, "--help") == 0) {
    fputs(usage_text, stdout);
    return 0;
  }
  if (strcmp(cmd, "-v") == 0 || strcmp(cmd, "--version") == 0) {
    printf("folio %s (%s)\n", FOLIO_VERSION_STRING, LUA_RELEASE);
    return 0;
  }
  if (strcmp(cmd, "run") == 0) return cmd_run(argc, argv);
  return usage_error("unknown command '%s'", cmd);
}
