/*
 * test_host_size_reuse.c — what folio_host_size keeps from one call to the
 * next (the symbols' Lua strings and symbol -> index map, the default row
 * labels "1", "2", ...) is never stale, and the ±Inf check of the returns is
 * never weaker: a Lua policy gets every row scanned up front; a built-in
 * adapter refuses Inf in the rows its C sizer reads (naming symbol and row)
 * and ignores a row it does not read, which cannot change its weights.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "folio/host.h"
#include "testlib.h"

enum { A = 4, T = 40, W = 30 };

static folio_host *h;

static folio_status load(const char *src) {
  return folio_host_load_policy_string(h, "=test", src, strlen(src), NULL, 0);
}

/* Deterministic returns with a positive definite sample covariance. */
static void fill_returns(double *r, size_t n) {
  unsigned long long s = 7;
  for (size_t i = 0; i < n; i++) {
    double u = 0;
    for (int k = 0; k < 4; k++) {
      s = s * 6364136223846793005ULL + 1442695040888963407ULL;
      u += (double)(s >> 11) / 9007199254740992.0;
    }
    r[i] = 0.01 * (u - 2.0);
  }
}

/* Inputs of A names with an optional signal and T x A returns. */
static folio_host_sizing sizing(const char *const *syms, const double *sig, const double *r) {
  folio_host_sizing in = {0};
  in.n_assets = A;
  in.symbols = syms;
  in.signal = sig;
  in.returns = r;
  in.n_rows = r ? T : 0;
  in.nav_usd = 1e6;
  return in;
}

static void symbols_in_place(void) {
  /* the caller's own buffers: rewritten between calls through the same array */
  char buf[A][8] = {"AAA", "BBB", "CCC", "DDD"};
  const char *syms[A] = {buf[0], buf[1], buf[2], buf[3]};
  const double sig[A] = {1, 2, 3, 4};
  folio_host_sizing in = sizing(syms, sig, NULL);
  /* weight 0.5 on the largest symbol, 0.25 on the one with the largest signal */
  CHECK(load("return folio.policy{name = 'largest', params = {}, size = function(ctx)\n"
             "  local s = folio.sorted_symbols(ctx.signal)\n"
             "  local best, bv = nil, -math.huge\n"
             "  for k, v in pairs(ctx.signal) do if v > bv then best, bv = k, v end end\n"
             "  local w = {[s[#s]] = 0.5}\n"
             "  w[best] = (w[best] or 0) + 0.25\n"
             "  return w end}") == FOLIO_OK);
  CHECK(load("return folio.policy{name = 'ddd', params = {}, size = function() return {DDD = 1} end}") ==
        FOLIO_OK);
  double w[A];
  CHECK(folio_host_size(h, "largest", &in, w) == FOLIO_OK);
  CHECK(w[3] == 0.75 && w[0] == 0 && w[1] == 0 && w[2] == 0);
  CHECK(folio_host_size(h, "ddd", &in, w) == FOLIO_OK && w[3] == 1);

  strcpy(buf[3], "EEE"); /* same pointers, another symbol */
  CHECK(folio_host_size(h, "largest", &in, w) == FOLIO_OK);
  CHECK(w[3] == 0.75);
  double keep[A] = {7, 7, 7, 7};
  CHECK(folio_host_size(h, "ddd", &in, keep) == FOLIO_ELUA);
  CHECK_MSG(strstr(folio_host_error(h), "unknown symbol 'DDD'") != NULL, "%s", folio_host_error(h));
  CHECK(keep[0] == 7 && keep[3] == 7);

  strcpy(buf[0], "ZZZ"); /* the largest symbol moves to index 0 */
  strcpy(buf[3], "AAA");
  CHECK(folio_host_size(h, "largest", &in, w) == FOLIO_OK);
  CHECK_MSG(w[0] == 0.5 && w[3] == 0.25 && w[1] == 0 && w[2] == 0, "%g %g %g %g", w[0], w[1], w[2],
            w[3]);

  in.n_assets = 3; /* fewer names, same array */
  CHECK(folio_host_size(h, "largest", &in, w) == FOLIO_OK);
  CHECK(w[0] == 0.5 && w[2] == 0.25 && w[1] == 0);

  /* the same names in another array still work */
  const char *again[A] = {"ZZZ", "BBB", "CCC", "AAA"};
  in.n_assets = A;
  in.symbols = again;
  CHECK(folio_host_size(h, "largest", &in, w) == FOLIO_OK && w[0] == 0.5 && w[3] == 0.25);
}

static void row_labels(void) {
  static const char *syms[A] = {"AAA", "BBB", "CCC", "DDD"};
  static double r[T * A];
  fill_returns(r, T * A);
  folio_host_sizing in = sizing(syms, NULL, r);
  /* AAA = number of rows, BBB = the last row's label as a number, CCC =
   * returns["1", "CCC"] through the labels, DDD = 1 when row 1 is "d1" */
  CHECK(load("return folio.policy{name = 'rows', params = {}, size = function(ctx)\n"
             "  local rows = ctx.returns:rows()\n"
             "  return {AAA = #rows, BBB = tonumber(rows[#rows]) or -1,\n"
             "          CCC = ctx.returns:get(rows[1], 'CCC'), DDD = rows[1] == 'd1' and 1 or 0}\n"
             "end}") == FOLIO_OK);
  double w[A];
  const size_t shapes[] = {3, 5, 2, 40, 1};
  for (size_t k = 0; k < sizeof shapes / sizeof shapes[0]; k++) {
    in.n_rows = shapes[k];
    CHECK(folio_host_size(h, "rows", &in, w) == FOLIO_OK);
    CHECK_MSG(w[0] == (double)shapes[k] && w[1] == (double)shapes[k], "T=%zu: %g %g", shapes[k], w[0],
              w[1]);
    CHECK(w[2] == r[2 * shapes[k]] && w[3] == 0);
  }
  char dbuf[T][8];
  const char *dates[T];
  for (int t = 0; t < T; t++) {
    snprintf(dbuf[t], sizeof dbuf[t], "d%d", t + 1);
    dates[t] = dbuf[t];
  }
  in.dates = dates;
  in.n_rows = 4;
  CHECK(folio_host_size(h, "rows", &in, w) == FOLIO_OK);
  CHECK(w[0] == 4 && w[1] == -1 && w[3] == 1);
}

static void infinities(void) {
  static const char *syms[A] = {"AAA", "BBB", "CCC", "DDD"};
  static const double sig[A] = {1.0, -0.5, 0.25, 2.0};
  static double r[T * A], clean[T * A];
  fill_returns(clean, T * A);
  memcpy(r, clean, sizeof r);
  folio_host_sizing in = sizing(syms, sig, r);
  const char *pn[] = {"cov_window", "vol_window"};
  const double pv[] = {W, W};
  in.n_params = 2;
  in.param_names = pn;
  in.param_values = pv;
  double want[A], w[A];
  CHECK_MSG(folio_host_size(h, "kelly_voltarget_12", &in, want) == FOLIO_OK, "%s", folio_host_error(h));

  /* built-in, Inf in a row it reads (the last W): refused, naming symbol and row */
  r[1 * T + (T - 2)] = INFINITY;
  CHECK(folio_host_size(h, "kelly_voltarget_12", &in, w) == FOLIO_ELUA);
  CHECK_MSG(strstr(folio_host_error(h), "infinite") && strstr(folio_host_error(h), "symbol BBB") &&
                strstr(folio_host_error(h), "row 39"),
            "%s", folio_host_error(h));
  r[1 * T + (T - 2)] = clean[1 * T + (T - 2)];

  /* built-in, -Inf in a row it does not read (row 1 of 40, windows of 30):
   * sized, with exactly the weights of the clean returns */
  r[1 * T] = -INFINITY;
  CHECK_MSG(folio_host_size(h, "kelly_voltarget_12", &in, w) == FOLIO_OK, "%s", folio_host_error(h));
  for (int j = 0; j < A; j++) CHECK(w[j] == want[j]);

  /* a Lua policy may read any row: the host refuses it up front */
  CHECK(load("return folio.policy{name = 'thin', params = {}, size = function(ctx)\n"
             "  return folio.sizers.kelly_voltarget_12{signal = ctx.signal, returns = ctx.returns,\n"
             "    nav_usd = ctx.nav_usd, cov_window = 30, vol_window = 30} end}") == FOLIO_OK);
  folio_host_sizing p = in;
  p.n_params = 0;
  CHECK(folio_host_size(h, "thin", &p, w) == FOLIO_ELUA);
  CHECK_MSG(strstr(folio_host_error(h), "returns: infinite value (symbol BBB, row 1)") != NULL, "%s",
            folio_host_error(h));
  r[1 * T] = clean[1 * T];
  CHECK(folio_host_size(h, "thin", &p, w) == FOLIO_OK);
  for (int j = 0; j < A; j++) CHECK(w[j] == want[j]);

  /* a missing value (NaN) before an infinity in the same column: the row of the infinity */
  r[2 * T + 3] = NAN;
  r[2 * T + 7] = INFINITY;
  CHECK(folio_host_size(h, "thin", &p, w) == FOLIO_ELUA);
  CHECK_MSG(strstr(folio_host_error(h), "returns: infinite value (symbol CCC, row 8)") != NULL, "%s",
            folio_host_error(h));
  /* NaN alone is a missing value, not an error of the host */
  r[2 * T + 7] = clean[2 * T + 7];
  CHECK(load("return folio.policy{name = 'nrows', params = {}, size = function(ctx)\n"
             "  return {AAA = (ctx.returns:shape())} end}") == FOLIO_OK);
  CHECK(folio_host_size(h, "nrows", &p, w) == FOLIO_OK && w[0] == T);
  r[2 * T + 3] = clean[2 * T + 3];

  /* the copy path (ld_returns > n_rows) is scanned alike: the last row of 39 */
  p.n_rows = T - 1;
  p.ld_returns = T;
  r[3 * T + (T - 2)] = INFINITY;
  CHECK(folio_host_size(h, "nrows", &p, w) == FOLIO_ELUA);
  CHECK_MSG(strstr(folio_host_error(h), "returns: infinite value (symbol DDD, row 39)") != NULL, "%s",
            folio_host_error(h));
  r[3 * T + (T - 1)] = INFINITY; /* outside n_rows: never read */
  r[3 * T + (T - 2)] = clean[3 * T + (T - 2)];
  CHECK(folio_host_size(h, "nrows", &p, w) == FOLIO_OK && w[0] == T - 1);
}

static void weights_checked(void) {
  static const char *syms[A] = {"AAA", "BBB", "CCC", "DDD"};
  static const double sig[A] = {1, 2, 3, 4};
  double cur[A] = {0.1, NAN, 0.2, 0.3};
  folio_host_sizing in = sizing(syms, sig, NULL);
  in.weights = cur;
  CHECK(load("return folio.policy{name = 'same', params = {}, size = function(ctx)\n"
             "  ctx.weights.AAA = 0.5 return ctx.weights end}") == FOLIO_OK);
  double w[A];
  CHECK(folio_host_size(h, "same", &in, w) == FOLIO_ELUA);
  CHECK_MSG(strstr(folio_host_error(h), "ctx.weights.BBB is not finite") != NULL, "%s", folio_host_error(h));
  cur[1] = -0.4;
  CHECK(folio_host_size(h, "same", &in, w) == FOLIO_OK);
  CHECK(w[0] == 0.5 && w[1] == -0.4 && w[2] == 0.2 && w[3] == 0.3);
  CHECK(cur[0] == 0.1); /* the caller's array is never written */

  CHECK(load("return folio.policy{name = 'nan', params = {}, size = function() return {AAA = 0/0} end}") ==
        FOLIO_OK);
  CHECK(folio_host_size(h, "nan", &in, w) == FOLIO_ELUA);
  CHECK_MSG(strstr(folio_host_error(h), "policy 'nan' returned NaN as the weight of 'AAA'") != NULL, "%s",
            folio_host_error(h));
  /* weights behind a metatable: what pairs() shows is what counts, as for run() */
  CHECK(load("return folio.policy{name = 'proxy', params = {}, size = function()\n"
             "  local real = {CCC = 0.25}\n"
             "  return setmetatable({}, {__pairs = function() return next, real, nil end}) end}") ==
        FOLIO_OK);
  CHECK_MSG(folio_host_size(h, "proxy", &in, w) == FOLIO_OK, "%s", folio_host_error(h));
  CHECK(w[2] == 0.25 && w[0] == 0);
}

int main(void) {
  folio_host_opts o = folio_host_defaults();
  o.shipped_policies = ""; /* the built-in adapters, not the shipped policies of their names */
  o.max_instructions = 50000000; /* the kill below must come quickly */
  folio_error err;
  CHECK(folio_host_create(&o, &h, &err) == FOLIO_OK);
  symbols_in_place();
  row_labels();
  infinities();
  weights_checked();
  /* after an engine rebuild the caches start again */
  CHECK(folio_host_run_string(h, "=loop", "while true do end", 17) != FOLIO_OK);
  symbols_in_place();
  row_labels();
  folio_host_destroy(h);
  return tl_finish("test_host_size_reuse");
}
