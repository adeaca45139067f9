/*
 * test_host_api.c — every function of folio/host.h, with its bad inputs.
 */
#include <math.h>
#include <string.h>

#include "folio/host.h"
#include "testlib.h"

static const char *syms[] = {"AAA", "BBB", "CCC", "DDD"};
static const double sig[] = {1.0, -2.0, 0.5, 3.0};

static folio_host_sizing inputs(void) {
  folio_host_sizing in = {0};
  in.n_assets = 4;
  in.symbols = syms;
  in.signal = sig;
  in.nav_usd = 1e6;
  return in;
}

int main(void) {
  folio_host_opts o = folio_host_defaults();
  CHECK(o.max_memory == (size_t)512 << 20 && o.max_seconds == 60.0 && !o.trusted);
  folio_error err;
  CHECK_ERR(folio_host_create(&o, NULL, &err), err, FOLIO_EINVAL, "out is NULL");
  folio_host *h = NULL;
  CHECK(folio_host_create(NULL, &h, &err) == FOLIO_OK && h); /* defaults work */
  folio_host_destroy(h);
  o.max_instructions = 50000000; /* the kill below must come quickly */
  h = NULL;
  CHECK(folio_host_create(&o, &h, &err) == FOLIO_OK && h);
  CHECK(strcmp(folio_host_error(h), "") == 0);
  CHECK(strcmp(folio_host_error(NULL), "no host") == 0);
  folio_host_destroy(NULL); /* no-op */

  /* registry: built-ins and shipped policies */
  char names[1024];
  size_t n = folio_host_sizer_names(h, names, sizeof names);
  CHECK(n >= 6);
  CHECK(strstr(names, "equal_weight_ls") && strstr(names, "kelly_voltarget_12"));
  CHECK(folio_host_sizer_names(NULL, names, sizeof names) == 0);

  /* sizing: a built-in */
  folio_host_sizing in = inputs();
  const char *pn[] = {"n_long", "n_short"};
  const double pv[] = {1, 1};
  in.n_params = 2;
  in.param_names = pn;
  in.param_values = pv;
  double w[4] = {9, 9, 9, 9};
  CHECK(folio_host_size(h, "equal_weight_ls", &in, w) == FOLIO_OK);
  CHECK(w[3] == 0.5 && w[1] == -0.5 && w[0] == 0 && w[2] == 0);

  /* bad inputs: each a status and a message, outputs untouched */
  double keep[4] = {7, 7, 7, 7};
  CHECK(folio_host_size(h, NULL, &in, keep) == FOLIO_EINVAL);
  CHECK(folio_host_size(h, "equal_weight_ls", NULL, keep) == FOLIO_EINVAL);
  CHECK(folio_host_size(h, "equal_weight_ls", &in, NULL) == FOLIO_EINVAL);
  CHECK(folio_host_size(NULL, "equal_weight_ls", &in, keep) == FOLIO_EINVAL);
  CHECK(folio_host_size(h, "nope", &in, keep) == FOLIO_ENOTFOUND);
  CHECK(strstr(folio_host_error(h), "unknown sizer 'nope'") != NULL);
  folio_host_sizing bad = in;
  bad.nav_usd = -1;
  CHECK(folio_host_size(h, "equal_weight_ls", &bad, keep) == FOLIO_EINVAL);
  CHECK(strstr(folio_host_error(h), "nav_usd") != NULL);
  bad = in;
  bad.nav_usd = NAN;
  CHECK(folio_host_size(h, "equal_weight_ls", &bad, keep) == FOLIO_EINVAL);
  bad = in;
  bad.n_assets = 0;
  CHECK(folio_host_size(h, "equal_weight_ls", &bad, keep) == FOLIO_EINVAL);
  const char *dup[] = {"AAA", "AAA", "CCC", "DDD"};
  bad = in;
  bad.symbols = dup;
  CHECK(folio_host_size(h, "equal_weight_ls", &bad, keep) == FOLIO_EINVAL);
  CHECK(strstr(folio_host_error(h), "AAA") != NULL);
  bad = in;
  bad.n_params = 1;
  bad.param_names = NULL;
  CHECK(folio_host_size(h, "equal_weight_ls", &bad, keep) == FOLIO_EINVAL);
  const double rets[8] = {0.01, 0.02, -0.01, 0.0, 0.01, 0.02, INFINITY, 0.0};
  bad = in;
  bad.returns = rets;
  bad.n_rows = 2;
  bad.ld_returns = 1; /* < n_rows */
  CHECK(folio_host_size(h, "equal_weight_ls", &bad, keep) == FOLIO_EDIM);
  bad.ld_returns = 2;
  CHECK(folio_host_size(h, "equal_weight_ls", &bad, keep) == FOLIO_ELUA);
  CHECK(strstr(folio_host_error(h), "infinite") != NULL);
  const char *badp[] = {"n_lonng", "n_short"};
  bad = in;
  bad.param_names = badp;
  CHECK(folio_host_size(h, "equal_weight_ls", &bad, keep) == FOLIO_ELUA);
  CHECK(strstr(folio_host_error(h), "n_lonng") != NULL);
  CHECK(keep[0] == 7 && keep[1] == 7 && keep[2] == 7 && keep[3] == 7);

  /* policies from strings and files */
  const char *pol = "return folio.policy{name = 'flat', params = {}, size = function(ctx, p) "
                    "local w = {} for _, s in ipairs(folio.sorted_symbols(ctx.signal)) do w[s] = 0.25 end "
                    "return w end}";
  char name[32];
  CHECK(folio_host_load_policy_string(h, "=flat", pol, strlen(pol), name, sizeof name) == FOLIO_OK);
  CHECK(strcmp(name, "flat") == 0);
  in.n_params = 0;
  CHECK(folio_host_size(h, "flat", &in, w) == FOLIO_OK && w[0] == 0.25 && w[3] == 0.25);
  const char *stray = "return folio.policy{name = 'stray', params = {}, size = function(ctx) return {ZZZ = 1} end}";
  CHECK(folio_host_load_policy_string(h, "=stray", stray, strlen(stray), NULL, 0) == FOLIO_OK);
  CHECK(folio_host_size(h, "stray", &in, keep) == FOLIO_ELUA);
  CHECK(strstr(folio_host_error(h), "ZZZ") != NULL);
  CHECK(folio_host_load_policy_string(h, "=x", "return 42", 9, NULL, 0) == FOLIO_ELUA);
  CHECK(strstr(folio_host_error(h), "folio.policy") != NULL);
  CHECK(folio_host_load_policy_string(h, "=x", "return (", 8, NULL, 0) == FOLIO_EPARSE);
  CHECK(folio_host_load_policy_string(h, "=x", NULL, 0, NULL, 0) == FOLIO_EINVAL);
  CHECK(folio_host_load_policy_file(h, "/nonexistent/p.lua", NULL, 0) == FOLIO_EIO);
  CHECK(strstr(folio_host_error(h), "/nonexistent/p.lua") != NULL);
  CHECK(folio_host_load_policy_file(h, NULL, NULL, 0) == FOLIO_EINVAL);
  CHECK(folio_host_load_policy_file(h, "policies/equal_weight_ls.lua", name, sizeof name) == FOLIO_OK);
  CHECK(strcmp(name, "equal_weight_ls") == 0);

  /* the returns a host call lends to a policy are gone after the call: a
   * policy that keeps ctx.returns finds an empty matrix, never freed memory */
  const char *keeper = "local kept = {}\n"
                       "return folio.policy{name = 'keeper', params = {}, size = function(ctx, p)\n"
                       "  local prev = kept.R and select(1, kept.R:shape()) or -1\n"
                       "  kept.R = ctx.returns\n"
                       "  return {AAA = prev}\n"
                       "end}";
  CHECK(folio_host_load_policy_string(h, "=keeper", keeper, strlen(keeper), NULL, 0) == FOLIO_OK);
  double lent[8] = {0.01, 0.02, -0.01, 0.0, 0.01, 0.02, 0.03, 0.0};
  folio_host_sizing kin = inputs();
  kin.returns = lent;
  kin.n_rows = 2;
  CHECK_MSG(folio_host_size(h, "keeper", &kin, w) == FOLIO_OK, "%s", folio_host_error(h));
  CHECK(w[0] == -1);
  CHECK(folio_host_size(h, "keeper", &kin, w) == FOLIO_OK);
  CHECK(w[0] == 0); /* the matrix kept from the first call is now 0 x 0 */

  /* scripts */
  CHECK(folio_host_run_string(h, "=ok", "local x = 1", 11) == FOLIO_OK);
  CHECK(folio_host_run_string(h, "=bad", "error('nope')", 13) == FOLIO_ELUA);
  CHECK(strstr(folio_host_error(h), "bad:1: nope") != NULL);
  CHECK(folio_host_run_string(h, "=x", NULL, 0) == FOLIO_EINVAL);
  CHECK(folio_host_run_file(h, "/nonexistent/s.lua", 0, NULL) == FOLIO_EIO);
  CHECK(folio_host_run_file(h, NULL, 0, NULL) == FOLIO_EINVAL);
  /* folio_host_eval: the chunk's first result when it is an integer */
  long long result = -7;
  CHECK(folio_host_eval(h, "=three", "return 3", 8, &result) == FOLIO_OK && result == 3);
  result = -7;
  CHECK(folio_host_eval(h, "=float", "return 2.5", 10, &result) == FOLIO_OK && result == -7);
  CHECK(folio_host_eval(h, "=none", "local x = 1", 11, &result) == FOLIO_OK && result == -7);
  CHECK(folio_host_eval(h, "=str", "return '4'", 10, &result) == FOLIO_OK && result == -7);
  CHECK(folio_host_eval(h, "=bad", "error('nope')", 13, &result) == FOLIO_ELUA && result == -7);
  CHECK(strstr(folio_host_error(h), "bad:1: nope") != NULL);
  CHECK(folio_host_eval(h, "=x", NULL, 0, &result) == FOLIO_EINVAL);
  CHECK(folio_host_eval(h, "=x", "return 1", 8, NULL) == FOLIO_EINVAL);
  CHECK(folio_host_eval(NULL, "=x", "return 1", 8, &result) != FOLIO_OK);

  /* a policy survives an engine rebuild after a kill */
  CHECK(folio_host_run_string(h, "=loop", "while true do end", 17) == FOLIO_ETIMEOUT);
  CHECK(folio_host_size(h, "flat", &in, w) == FOLIO_OK && w[1] == 0.25);
  CHECK(folio_host_memory_peak(h) > 0);
  CHECK(folio_host_memory_peak(NULL) == 0);
  folio_host_destroy(h);

  /* options: budgets and a policy path */
  folio_host_opts small = folio_host_defaults();
  small.max_instructions = 1000000;
  small.shipped_policies = "";
  CHECK(folio_host_create(&small, &h, &err) == FOLIO_OK);
  CHECK(folio_host_run_string(h, "=loop", "while true do end", 17) == FOLIO_ETIMEOUT);
  CHECK(folio_host_sizer_names(h, names, sizeof names) >= 6); /* built-ins without shipped files */
  folio_host_destroy(h);
  small.shipped_policies = "/nonexistent";
  small.policy_path = "tests/embed/badpolicies";
  CHECK(folio_host_create(&small, &h, &err) != FOLIO_OK && h == NULL);
  CHECK(strstr(err.message, "broken.lua") != NULL);
  return tl_finish("test_host_api");
}
