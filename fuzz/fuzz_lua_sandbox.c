/*
 * fuzz_lua_sandbox.c — libFuzzer harness of the policy sandbox (folio/host.h):
 * the input is Lua source run as a sandboxed script in one host with tight
 * budgets (8 MiB, 2e5 instructions, 0.25 s: a budget spent costs the fuzzer
 * its time, and most mutants loop), as `folio run` runs an untrusted
 * script. Whatever the script does, the run must end with a status within
 * its budget: a crash, a sanitizer report, a leak or a libFuzzer timeout
 * (the run outlived max_seconds by far) is a finding. A run that exceeds a
 * budget makes the host rebuild its engine, as it does for every embedder;
 * the same host serves the next input.
 *
 * Every 16th input (by its first byte) is loaded as a policy instead, into a
 * second host that starts empty each time (a loaded policy stays registered).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "folio/host.h"

static folio_host *runner;

static void discard(void *ud, const char *text, size_t len) {
  (void)ud;
  (void)text;
  (void)len;
}

static folio_host_opts fuzz_opts(void) {
  folio_host_opts o = folio_host_defaults();
  o.shipped_policies = ""; /* an empty registry: each rebuild stays cheap */
  o.max_memory = (size_t)8 << 20;
  o.max_instructions = 200000;
  o.max_seconds = 0.25;
  o.max_log_bytes = 4096;
  o.log = discard;
  return o;
}

static void destroy_runner(void) { folio_host_destroy(runner); }

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc;
  (void)argv;
  folio_host_opts o = fuzz_opts();
  folio_error err;
  if (folio_host_create(&o, &runner, &err) != FOLIO_OK) {
    fprintf(stderr, "fuzz: folio_host_create: %s\n", err.message);
    abort();
  }
  atexit(destroy_runner);
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const char *src = (const char *)data;
  folio_status st;
  if (size > 0 && (data[0] & 0x0f) == 0x0f) {
    folio_host_opts o = fuzz_opts();
    folio_host *h = NULL;
    folio_error err;
    if (folio_host_create(&o, &h, &err) != FOLIO_OK) abort();
    char name[64];
    st = folio_host_load_policy_string(h, "=fuzz_policy", src, size, name, sizeof name);
    if (st != FOLIO_OK && folio_host_error(h)[0] == '\0') abort(); /* a failure says why */
    folio_host_destroy(h);
    return 0;
  }
  st = folio_host_run_string(runner, "=fuzz", src, size);
  if (st != FOLIO_OK && folio_host_error(runner)[0] == '\0') abort();
  return 0;
}
