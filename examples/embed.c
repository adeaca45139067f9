/*
 * examples/embed.c — embedding folio in a C program (folio/host.h).
 *
 * Creates a sandboxed host, loads a small policy written in Lua, sizes a
 * portfolio of five names on C arrays with it and with the built-in
 * equal_weight_ls, and shows how a failure is reported.
 *
 * Build against an installed folio:
 *   cc embed.c $(pkg-config --cflags --libs folio) -o embed
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "folio/host.h"

/* A policy: long the names with a positive signal, short the others, each
 * weighted by |signal| and scaled to a gross exposure (a parameter). */
static const char policy[] =
    "return folio.policy{\n"
    "  name = 'signal_weighted',\n"
    "  description = 'weights proportional to the signal, scaled to a gross exposure',\n"
    "  params = {gross = {default = 1.0, type = 'number', min = 0}},\n"
    "  size = function(ctx, p)\n"
    "    -- sum in symbol order: pairs() order is not stable, a sum's last bit would be\n"
    "    local syms, total = folio.sorted_symbols(ctx.signal), 0\n"
    "    for _, s in ipairs(syms) do total = total + math.abs(ctx.signal[s]) end\n"
    "    local w = {}\n"
    "    for _, s in ipairs(syms) do w[s] = p.gross * ctx.signal[s] / total end\n"
    "    return w\n"
    "  end,\n"
    "}\n";

int main(void) {
  folio_host_opts opts = folio_host_defaults();
  opts.max_memory = (size_t)64 << 20;  /* 64 MiB for this engine */
  opts.max_seconds = 5.0;
  folio_host *host = NULL;
  folio_error err;
  if (folio_host_create(&opts, &host, &err) != FOLIO_OK) {
    fprintf(stderr, "embed: %s\n", err.message);
    return 1;
  }
  char name[64];
  if (folio_host_load_policy_string(host, "=signal_weighted", policy, strlen(policy), name,
                                    sizeof name) != FOLIO_OK) {
    fprintf(stderr, "embed: %s\n", folio_host_error(host));
    folio_host_destroy(host);
    return 1;
  }

  const char *symbols[] = {"AAA", "BBB", "CCC", "DDD", "EEE"};
  const double signal[] = {1.5, -0.5, 0.25, -1.0, 0.75};
  const char *param_names[] = {"gross"};
  const double param_values[] = {2.0};
  folio_host_sizing in = {0};
  in.n_assets = 5;
  in.symbols = symbols;
  in.signal = signal;
  in.nav_usd = 1e6;
  in.n_params = 1;
  in.param_names = param_names;
  in.param_values = param_values;

  double w[5];
  if (folio_host_size(host, name, &in, w) != FOLIO_OK) {
    fprintf(stderr, "embed: %s\n", folio_host_error(host));
    folio_host_destroy(host);
    return 1;
  }
  printf("%s (gross 2):\n", name);
  for (int i = 0; i < 5; i++) printf("  %s %+.6f\n", symbols[i], w[i]);

  /* A built-in from the same registry: top 2 long, bottom 2 short. */
  const char *ew_names[] = {"n_long", "n_short"};
  const double ew_values[] = {2, 2};
  in.n_params = 2;
  in.param_names = ew_names;
  in.param_values = ew_values;
  if (folio_host_size(host, "equal_weight_ls", &in, w) == FOLIO_OK) {
    printf("equal_weight_ls (2 long, 2 short):\n");
    for (int i = 0; i < 5; i++) printf("  %s %+.6f\n", symbols[i], w[i]);
  }

  /* Failures come back as a status and a message, never as a crash. */
  if (folio_host_size(host, "no_such_sizer", &in, w) == FOLIO_ENOTFOUND)
    printf("as expected: %s\n", folio_host_error(host));
  folio_host_destroy(host);
  return 0;
}
