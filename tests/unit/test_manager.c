/*
 * test_manager.c — the strategy-weight manager (manager.h): the objective and
 * its gradient against finite differences, the slope by hand, reading both
 * stats formats, every bad input of the issue with its file:line message,
 * the example folder end to end, and the atomic write of portfolio_config.json.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "folio/json.h"
#include "folio/manager.h"
#include "testlib.h"

static char tmpdir[256];

static void write_file(const char *rel, const char *text) {
  char path[512], dir[512];
  snprintf(path, sizeof path, "%s/%s", tmpdir, rel);
  snprintf(dir, sizeof dir, "%s", path);
  *strrchr(dir, '/') = '\0';
  for (char *p = dir + strlen(tmpdir) + 1; *p; p++) /* mkdir -p */
    if (*p == '/') {
      *p = '\0';
      mkdir(dir, 0755);
      *p = '/';
    }
  mkdir(dir, 0755);
  FILE *f = fopen(path, "wb");
  if (!f) {
    fprintf(stderr, "cannot write %s\n", path);
    exit(1);
  }
  fputs(text, f);
  fclose(f);
}

static const char *tpath(const char *rel) {
  static char buf[4][512];
  static int k;
  k = (k + 1) % 4;
  snprintf(buf[k], sizeof buf[k], "%s/%s", tmpdir, rel);
  return buf[k];
}

/* rm -r of the temporary folder (two levels deep is all the tests make). */
static void remove_tree(const char *path) {
  DIR *d = opendir(path);
  if (d) {
    for (struct dirent *e; (e = readdir(d));) {
      if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
      char sub[1024];
      snprintf(sub, sizeof sub, "%s/%s", path, e->d_name);
      struct stat sb;
      if (lstat(sub, &sb) == 0 && S_ISDIR(sb.st_mode)) remove_tree(sub);
      else unlink(sub);
    }
    closedir(d);
  }
  rmdir(path);
}

/* A fresh root folder under tmpdir. */
static const char *fresh_root(const char *name) {
  char *p = (char *)tpath(name);
  remove_tree(p);
  mkdir(p, 0755);
  return p;
}

/* Dates "2024-01-01" + i days (January only: i < 31). */
static void jan(char *buf, int i) { snprintf(buf, 16, "2024-01-%02u", (unsigned)(i + 1) % 100u); }

/* A JSON stats file body with n days starting Jan 1, returns r(i). */
static void json_stats(char *buf, size_t size, int n, int skip_day, double (*r)(int)) {
  size_t used = (size_t)snprintf(buf, size, "{\"daily_returns\": [\n");
  int first = 1;
  for (int i = 0; i < n; i++) {
    if (i == skip_day) continue;
    char d[16];
    jan(d, i);
    used += (size_t)snprintf(buf + used, size - used, "%s  {\"date\": \"%s\", \"return\": %.6f}", first ? "" : ",\n", d,
                             r(i));
    first = 0;
  }
  snprintf(buf + used, size - used, "\n]}\n");
}

static double ra(int i) { return 0.001 * ((i * 7) % 5 - 1.5); }
static double rb(int i) { return 0.002 * ((i * 3) % 4 - 1.2); }

static void test_objective(void) {
  tl_rng rng = {11};
  enum { T = 50, K = 4 };
  double R[T * K], s[K], C[K * K], w[K], g[K];
  for (int i = 0; i < T * K; i++) R[i] = 0.0005 * (double)(i % K) + 0.01 * tl_normal(&rng);
  folio_error err;
  CHECK(folio_manager_moments(T, K, R, T, s, C, K, &err) == FOLIO_OK);
  for (int trial = 0; trial < 20; trial++) {
    double sum = 0;
    for (int k = 0; k < K; k++) sum += (w[k] = 0.05 + tl_uniform(&rng));
    for (int k = 0; k < K; k++) w[k] /= sum;
    double f = folio_manager_objective(K, s, C, K, w, g);
    /* f against the definition: the combined series' slope / sample std */
    double r[T], c = 0, mean = 0, sxy = 0, sxx = 0, ss = 0;
    for (int t = 0; t < T; t++) {
      r[t] = 0;
      for (int k = 0; k < K; k++) r[t] += w[k] * R[t + k * T];
      mean += r[t] / T;
    }
    for (int t = 0; t < T; t++) {
      c += r[t];
      sxy += (t - (T - 1) / 2.0) * c;
      sxx += (t - (T - 1) / 2.0) * (t - (T - 1) / 2.0);
      ss += (r[t] - mean) * (r[t] - mean);
    }
    CHECK_NEAR(f, (sxy / sxx) / sqrt(ss / (T - 1)), 1e-10);
    for (int k = 0; k < K; k++) {
      double wp[K], wm[K], h = 1e-6;
      memcpy(wp, w, sizeof w);
      memcpy(wm, w, sizeof w);
      wp[k] += h;
      wm[k] -= h;
      double fd = (folio_manager_objective(K, s, C, K, wp, NULL) - folio_manager_objective(K, s, C, K, wm, NULL)) /
                  (2 * h);
      CHECK_NEAR(g[k], fd, 1e-6 * fmax(1, fabs(fd)));
    }
  }
}

static void test_slope_by_hand(void) {
  folio_error err;
  /* r = 1, 0, 2 -> c = 1, 1, 3 on t = 0, 1, 2: slope = (-1*1 + 0 + 1*3) / 2 = 1 */
  double R[3] = {1, 0, 2}, s, C;
  CHECK(folio_manager_moments(3, 1, R, 3, &s, &C, 1, &err) == FOLIO_OK);
  CHECK_NEAR(s, 1.0, 1e-15);
  CHECK_NEAR(C, 1.0, 1e-15); /* mean 1, deviations 0, -1, 1: 2 / (3 - 1) */
  /* constant returns 0.01: the curve is a straight line of slope 0.01 */
  double R2[10];
  for (int i = 0; i < 10; i++) R2[i] = 0.01;
  CHECK(folio_manager_moments(10, 1, R2, 10, &s, &C, 1, &err) == FOLIO_OK);
  CHECK_NEAR(s, 0.01, 1e-15);
  CHECK_NEAR(C, 0.0, 1e-18);
  /* two columns with ld > n_days; covariance both triangles */
  double R3[8] = {1, 2, 3, 99, 2, 2, 5, 99};
  double s3[2], C3[4];
  CHECK(folio_manager_moments(3, 2, R3, 4, s3, C3, 2, &err) == FOLIO_OK);
  CHECK_NEAR(C3[0], 1.0, 1e-15);
  CHECK_NEAR(C3[3], 3.0, 1e-15);
  CHECK_NEAR(C3[1], 1.5, 1e-15);
  CHECK_NEAR(C3[2], 1.5, 1e-15);
  CHECK_ERR(folio_manager_moments(1, 1, R, 1, &s, &C, 1, &err), err, FOLIO_EINVAL, ">= 2 days");
  double Rn[3] = {1, NAN, 2};
  CHECK_ERR(folio_manager_moments(3, 1, Rn, 3, &s, &C, 1, &err), err, FOLIO_ENOTFINITE, "row 1");
}

static void test_read_formats(void) {
  folio_error err;
  folio_manager_series *s = NULL;
  write_file("fmt/a/stats.json",
             "{\n  \"name\": \"a\",\n  \"daily_returns\": [\n    {\"date\": \"2024-01-02\", \"return\": 0.0012},\n"
             "    {\"return\": -0.5e-3, \"date\": \"2024-01-03\"}\n  ]\n}\n");
  CHECK(folio_manager_read_stats(tpath("fmt/a/stats.json"), "a", &s, &err) == FOLIO_OK);
  if (s) {
    CHECK_EQ_INT(s->n_days, 2);
    CHECK(strcmp(s->dates[1], "2024-01-03") == 0);
    CHECK_NEAR(s->returns[0], 0.0012, 0);
    CHECK_NEAR(s->returns[1], -0.0005, 0);
    CHECK_EQ_INT(s->lines[0], 4);
    CHECK_EQ_INT(s->lines[1], 5);
  }
  folio_manager_series_free(s);
  s = NULL;
  write_file("fmt/b/stats.csv", "\xEF\xBB\xBF" "date,return\r\n2024-01-02,0.0012\r\n\r\n2024-01-03,-5e-4\r\n");
  CHECK(folio_manager_read_stats(tpath("fmt/b/stats.csv"), "b", &s, &err) == FOLIO_OK);
  if (s) {
    CHECK_EQ_INT(s->n_days, 2);
    CHECK(strcmp(s->dates[0], "2024-01-02") == 0);
    CHECK_NEAR(s->returns[1], -0.0005, 0);
    CHECK_EQ_INT(s->lines[1], 4); /* the blank line counts */
  }
  folio_manager_series_free(s);
  folio_manager_series_free(NULL);
  CHECK_ERR(folio_manager_read_stats(NULL, "a", &s, &err), err, FOLIO_EINVAL, "NULL");
  CHECK_ERR(folio_manager_read_stats(tpath("fmt/none/stats.json"), "none", &s, &err), err, FOLIO_EIO,
            "cannot open");
  /* the same from memory: the path only names the format and the file */
  static const char csv[] = "date,return\n2024-01-02,0.001\n2024-01-03,-0.0005\n";
  CHECK(folio_manager_parse_stats(csv, sizeof csv - 1, "mem/stats.csv", "m", &s, &err) == FOLIO_OK);
  if (s) {
    CHECK_EQ_INT(s->n_days, 2);
    CHECK_NEAR(s->returns[1], -0.0005, 0);
    CHECK(strcmp(s->name, "m") == 0);
  }
  folio_manager_series_free(s);
  s = NULL;
  CHECK_ERR(folio_manager_parse_stats(csv, sizeof csv - 1, "mem/stats.json", "m", &s, &err), err, FOLIO_EPARSE,
            "mem/stats.json:1:");
  CHECK_ERR(folio_manager_parse_stats(NULL, 0, "p.csv", "m", &s, &err), err, FOLIO_EINVAL, "must not be NULL");
  CHECK_ERR(folio_manager_parse_stats(csv, 3, NULL, "m", &s, &err), err, FOLIO_EINVAL, "must not be NULL");
  CHECK_ERR(folio_manager_parse_stats(csv, 3, "p.csv", NULL, &s, &err), err, FOLIO_EINVAL, "must not be NULL");
  CHECK_ERR(folio_manager_parse_stats(csv, 3, "p.csv", "m", NULL, &err), err, FOLIO_EINVAL, "must not be NULL");
  CHECK_ERR(folio_manager_parse_stats(csv, 0, "p.csv", "m", &s, &err), err, FOLIO_EPARSE, "p.csv:1:1: empty file");
  CHECK(s == NULL);
}

/* Each bad file: status and the "path:line:column" (or part of it) expected. */
static void bad_file(const char *rel, const char *text, folio_status want, const char *needle, int line) {
  write_file(rel, text);
  folio_error err;
  folio_manager_series *s = NULL;
  char where[600];
  snprintf(where, sizeof where, "%s:%d:", tpath(rel), line);
  folio_status st = folio_manager_read_stats(tpath(rel), "x", &s, &err);
  CHECK_ERR(st, err, want, needle);
  CHECK_MSG(strstr(err.message, where) != NULL, "'%s' lacks '%s'", err.message, where);
  folio_manager_series_free(s);
}

static void test_bad_files(void) {
  /* non-numeric values, with file:line */
  bad_file("bad/x/stats.json",
           "{\"daily_returns\": [\n {\"date\": \"2024-01-02\", \"return\": 0.1},\n {\"date\": \"2024-01-03\", "
           "\"return\": \"abc\"}\n]}",
           FOLIO_EPARSE, "non-numeric return (found a string)", 3);
  bad_file("bad/x/stats.json", "{\"daily_returns\": [\n {\"date\": \"2024-01-02\", \"return\": null}]}",
           FOLIO_EPARSE, "non-numeric return (found null)", 2);
  bad_file("bad/x/stats.json", "{\"daily_returns\": [\n {\"date\": \"2024-01-02\", \"return\": NaN}]}",
           FOLIO_EPARSE, "NaN", 2);
  bad_file("bad/x/stats.csv", "date,return\n2024-01-02,0.1\n2024-01-03,abc\n", FOLIO_EPARSE, ":3:2", 3);
  bad_file("bad/x/stats.csv", "date,return\n2024-01-02,0.1\n\n2024-01-03,\n", FOLIO_EPARSE,
           "non-numeric return (empty cell)", 4);
  /* non-increasing dates */
  bad_file("bad/x/stats.json",
           "{\"daily_returns\": [\n {\"date\": \"2024-01-03\", \"return\": 0.1},\n {\"date\": \"2024-01-03\", "
           "\"return\": 0.2}]}",
           FOLIO_EPARSE, "not after the previous record's 2024-01-03 (line 2)", 3);
  bad_file("bad/x/stats.csv", "date,return\n2024-01-03,0.1\n2024-01-02,0.2\n", FOLIO_EPARSE, "increasing", 3);
  /* empty files */
  bad_file("bad/x/stats.json", "", FOLIO_EPARSE, "empty file", 1);
  bad_file("bad/x/stats.csv", "", FOLIO_EPARSE, "", 1);
  bad_file("bad/x/stats.json", "{\"daily_returns\": []}", FOLIO_EEMPTY, "daily_returns is empty", 1);
  bad_file("bad/x/stats.csv", "date,return\n", FOLIO_EPARSE, "no data rows", 2);
  /* unknown keys */
  bad_file("bad/x/stats.json", "{\"daily_returns\": [{\"date\": \"2024-01-02\", \"return\": 0}],\n \"sharpe\": 1.2}", FOLIO_EPARSE, "unknown key 'sharpe'",
           2);
  bad_file("bad/x/stats.json",
           "{\"daily_returns\": [\n {\"date\": \"2024-01-02\", \"return\": 0.1, \"pnl\": 3}]}", FOLIO_EPARSE,
           "unknown key 'pnl' in a daily_returns entry", 2);
  bad_file("bad/x/stats.json", "{\"daily_returns\": [\n {\"date\": \"2024-01-02\"}]}", FOLIO_EPARSE,
           "without \"return\"", 2);
  bad_file("bad/x/stats.json", "{\"name\": \"x\"}", FOLIO_EPARSE, "no \"daily_returns\"", 1);
  bad_file("bad/x/stats.json", "{\"name\": \"y\", \"daily_returns\": [{\"date\": \"2024-01-02\", \"return\": 0}]}",
           FOLIO_EINVAL, "differs from the strategy's folder name 'x'", 1);
  bad_file("bad/x/stats.csv", "day,return\n2024-01-02,0.1\n", FOLIO_EPARSE, "date,return", 1);
  bad_file("bad/x/stats.csv", "date,ret\n2024-01-02,0.1\n", FOLIO_EPARSE, "date,return", 1);
  /* duplicate keys: refused (jansson's line and column, the key named) */
  bad_file("bad/x/stats.json", "{\"daily_returns\": [\n {\"date\": \"2024-01-02\", \"return\": 0.1,\n  \"date\": \"2024-01-03\"}]}",
           FOLIO_EPARSE, "duplicate object key near '\"date\"'", 3);
  bad_file("bad/x/stats.json", "{\"name\": \"x\",\n \"name\": \"x\", \"daily_returns\": []}", FOLIO_EPARSE,
           "duplicate object key near '\"name\"'", 2);
  /* malformed JSON: jansson's line and column */
  bad_file("bad/x/stats.json", "{\"daily_returns\": [\n  {\"date\": \"2024-01-02\", \"return\": 0.1,}\n]}",
           FOLIO_EPARSE, "json:", 2);
  /* dates and returns */
  bad_file("bad/x/stats.json", "{\"daily_returns\": [\n {\"date\": \"2024-02-30\", \"return\": 0.1}]}",
           FOLIO_EPARSE, "bad date '2024-02-30'", 2);
  bad_file("bad/x/stats.csv", "date,return\n2024-01-02T10:00,0.1\n", FOLIO_EPARSE, "bad date", 2);
  bad_file("bad/x/stats.json", "{\"daily_returns\": [\n {\"date\": \"2024-01-02\", \"return\": -1.5}]}",
           FOLIO_EINVAL, "return below -1", 2);
  bad_file("bad/x/stats.json", "{\"daily_returns\": [\n {\"date\": \"2024-01-02\", \"return\": 1e999}]}",
           FOLIO_EPARSE, "out of range", 2);
}

/* Writes a two-strategy root: a complete, b lacks day `gap` (or none with -1). */
static const char *two_strategy_root(const char *name, int n_days, int gap) {
  const char *root = fresh_root(name);
  char rel[128], *buf = malloc(1 << 16);
  json_stats(buf, 1 << 16, n_days, -1, ra);
  snprintf(rel, sizeof rel, "%s/a/stats.json", name);
  write_file(rel, buf);
  json_stats(buf, 1 << 16, n_days, gap, rb);
  snprintf(rel, sizeof rel, "%s/b/stats.json", name);
  write_file(rel, buf);
  free(buf);
  return root;
}

static void test_bad_runs(void) {
  folio_error err;
  folio_manager_opts o = folio_manager_defaults();
  folio_manager_report *r = NULL;
  o.window = 20;
  /* missing day: b lacks Jan 10, which a has; its next record is on line 11 */
  const char *root = two_strategy_root("gap", 25, 9);
  CHECK_ERR(folio_manager_run(root, &o, &r, &err), err, FOLIO_EMISSING, "missing day 2024-01-10");
  CHECK_MSG(strstr(err.message, "gap/b/stats.json:11:") != NULL, "%s", err.message);
  /* a gap before the window is fine */
  root = two_strategy_root("gap_early", 25, 2);
  CHECK(folio_manager_run(root, &o, &r, &err) == FOLIO_OK);
  folio_manager_report_free(r);
  r = NULL;
  /* window longer than the data */
  root = two_strategy_root("short", 15, -1);
  CHECK_ERR(folio_manager_run(root, &o, &r, &err), err, FOLIO_ESHORT, "window of 20 days is longer");
  CHECK(strstr(err.message, "15 days from 2024-01-01 to 2024-01-15") != NULL);
  /* zero volatility: a strategy with constant returns */
  root = fresh_root("flat");
  write_file("flat/a/stats.csv",
             "date,return\n2024-01-01,0.001\n2024-01-02,0.001\n2024-01-03,0.001\n2024-01-04,0.001\n");
  write_file("flat/b/stats.csv", "date,return\n2024-01-01,0.01\n2024-01-02,-0.01\n2024-01-03,0.02\n2024-01-04,0\n");
  o.window = 4;
  CHECK_ERR(folio_manager_run(root, &o, &r, &err), err, FOLIO_EDEGENERATE, "strategy a has zero volatility");
  /* negative and zero target vol, other options */
  root = two_strategy_root("opts", 25, -1);
  o.window = 20;
  o.target_vol = -0.3;
  CHECK_ERR(folio_manager_run(root, &o, &r, &err), err, FOLIO_EINVAL, "target_vol must be");
  o.target_vol = 0;
  CHECK_ERR(folio_manager_run(root, &o, &r, &err), err, FOLIO_EINVAL, "target_vol must be");
  o.target_vol = 0.3;
  o.max_leverage = -1;
  CHECK_ERR(folio_manager_run(root, &o, &r, &err), err, FOLIO_EINVAL, "max_leverage");
  o.max_leverage = 0;
  o.account_value = 0;
  CHECK_ERR(folio_manager_run(root, &o, &r, &err), err, FOLIO_EINVAL, "account_value");
  o.account_value = 10000;
  o.window = 1;
  CHECK_ERR(folio_manager_run(root, &o, &r, &err), err, FOLIO_EINVAL, "window");
  o.window = 20;
  CHECK(r == NULL);
  /* roots: missing, empty, both formats */
  CHECK_ERR(folio_manager_run(tpath("no_such_root"), &o, &r, &err), err, FOLIO_EIO, "cannot open folder");
  root = fresh_root("empty");
  mkdir(tpath("empty/idle"), 0755);
  CHECK_ERR(folio_manager_run(root, &o, &r, &err), err, FOLIO_EEMPTY, "(1 skipped)");
  root = two_strategy_root("both", 25, -1);
  write_file("both/a/stats.csv", "date,return\n2024-01-01,0.1\n");
  CHECK_ERR(folio_manager_run(root, &o, &r, &err), err, FOLIO_EDUP, "both stats.json and stats.csv");
  /* a bad file inside a root names the file */
  root = two_strategy_root("badfile", 25, -1);
  write_file("badfile/c/stats.csv", "date,return\n2024-01-01,x\n");
  CHECK_ERR(folio_manager_run(root, &o, &r, &err), err, FOLIO_EPARSE, "badfile/c/stats.csv:2:2");
  /* the strategies share no dates */
  root = fresh_root("disjoint");
  write_file("disjoint/a/stats.csv", "date,return\n2024-01-01,0.1\n2024-01-02,0.2\n");
  write_file("disjoint/b/stats.csv", "date,return\n2024-02-01,0.1\n2024-02-02,0.2\n");
  o.window = 2;
  CHECK_ERR(folio_manager_run(root, &o, &r, &err), err, FOLIO_ESHORT, "share no dates");
  /* an arbitrage: half of each is a constant 0.001 a day, so the best
   * combination has zero volatility and the leverage is undefined */
  root = fresh_root("hedge");
  write_file("hedge/a/stats.csv", "date,return\n2024-01-01,0.011\n2024-01-02,-0.009\n2024-01-03,0.021\n");
  write_file("hedge/b/stats.csv", "date,return\n2024-01-01,-0.009\n2024-01-02,0.011\n2024-01-03,-0.019\n");
  o.window = 3;
  CHECK_ERR(folio_manager_run(root, &o, &r, &err), err, FOLIO_EDEGENERATE, "zero volatility");
}

static void test_example(void) {
  const char *src = getenv("FOLIO_SOURCE_DIR");
  char root[1024];
  snprintf(root, sizeof root, "%s/examples/manager", src ? src : ".");
  folio_error err;
  folio_manager_opts o = folio_manager_defaults();
  folio_manager_report *r = NULL;
  CHECK(folio_manager_run(root, &o, &r, &err) == FOLIO_OK);
  if (!r) {
    fprintf(stderr, "%s\n", err.message);
    return;
  }
  CHECK_EQ_INT(r->n_strategies, 3);
  CHECK_EQ_INT(r->n_skipped, 1);
  CHECK(strcmp(r->skipped[0], "breakout_1h") == 0);
  CHECK(strcmp(r->names[0], "carry_daily") == 0 && strcmp(r->names[2], "trend_24h") == 0);
  CHECK(strcmp(r->asof, "2024-08-09") == 0);
  CHECK_EQ_INT(r->window_days, 365);
  double sum = 0;
  for (size_t k = 0; k < 3; k++) {
    CHECK(r->weights[k] >= 0);
    sum += r->weights[k];
  }
  CHECK_NEAR(sum, 1.0, 1e-12);
  CHECK(r->fit.score > 0);
  CHECK(r->fit.starts_at_best >= 1 && r->fit.starts_at_best <= r->fit.n_starts);
  CHECK_EQ_INT(r->fit.n_starts, 3 + 1 + 8);
  CHECK_NEAR(r->fit.ann_vol, r->fit.daily_std * sqrt(252.0), 1e-15);
  CHECK_NEAR(r->fit.leverage, 0.30 / r->fit.ann_vol, 1e-12);
  CHECK(!r->fit.capped);
  folio_manager_report_free(r);
  /* the cap */
  o.max_leverage = 1.5;
  o.target_vol = 10.0;
  CHECK(folio_manager_run(root, &o, &r, &err) == FOLIO_OK);
  if (r) {
    CHECK(r->fit.capped);
    CHECK_NEAR(r->fit.leverage, 1.5, 0);
    CHECK(r->fit.raw_leverage > 1.5);
  }
  folio_manager_report_free(r);
  folio_manager_report_free(NULL);
}

static char *read_all(const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  char *buf = calloc(1, 1 << 16);
  size_t n = fread(buf, 1, (1 << 16) - 1, f);
  buf[n] = '\0';
  fclose(f);
  return buf;
}

static void test_write(void) {
  folio_error err;
  folio_manager_opts o = folio_manager_defaults();
  folio_manager_report *r = NULL;
  const char *root = two_strategy_root("write", 25, -1);
  o.window = 20;
  CHECK(folio_manager_run(root, &o, &r, &err) == FOLIO_OK);
  if (!r) return;
  char *text = NULL;
  CHECK(folio_manager_config_json(r, &text, &err) == FOLIO_OK);
  CHECK(text && folio_json_check(text, strlen(text), NULL) == FOLIO_OK);
  /* keys in sorted order, integers as integers */
  const char *keys[] = {"\"account_value\": 10000.0", "\"ann_volatility_pct\": ", "\"asof\": \"2024-01-25\"",
                        "\"leverage\": ", "\"skipped\": []", "\"target_vol_pct\": 30.0", "\"weights\": {",
                        "\"a\": ", "\"b\": ", "\"window_days\": 20\n}\n"};
  const char *at = text;
  for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
    const char *p = at ? strstr(at, keys[i]) : NULL;
    CHECK_MSG(p != NULL, "missing or out of order: %s", keys[i]);
    if (p) at = p;
  }
  free(text);
  char path[600];
  snprintf(path, sizeof path, "%s", tpath("write/portfolio_config.json"));
  CHECK(folio_manager_write_config(path, r, &err) == FOLIO_OK);
  char *first = read_all(path);
  CHECK(first && folio_json_check(first, strlen(first), NULL) == FOLIO_OK);
  struct stat sb;
  CHECK(stat(path, &sb) == 0 && (sb.st_mode & 0777) == 0644);
  /* a failure leaves the previous file intact and no temporary behind */
  r->fit.leverage = NAN;
  CHECK_ERR(folio_manager_write_config(path, r, &err), err, FOLIO_ENOTFINITE, "leverage");
  r->fit.leverage = 1.0;
  char dirpath[600];
  snprintf(dirpath, sizeof dirpath, "%s/sub", tpath("write"));
  mkdir(dirpath, 0755);
  write_file("write/sub/portfolio_config.json/x", "occupied"); /* a folder where the file should go */
  CHECK_ERR(folio_manager_write_config(tpath("write/sub/portfolio_config.json"), r, &err), err, FOLIO_EIO,
            "cannot rename");
  CHECK_ERR(folio_manager_write_config(tpath("write/nowhere/portfolio_config.json"), r, &err), err, FOLIO_EIO,
            "temporary file");
  char *second = read_all(path);
  CHECK(first && second && strcmp(first, second) == 0);
  int temps = 0;
  const char *dirs[] = {tpath("write"), dirpath};
  for (int k = 0; k < 2; k++) {
    DIR *d = opendir(dirs[k]);
    for (struct dirent *e; d && (e = readdir(d));) temps += strstr(e->d_name, ".tmp.") != NULL;
    if (d) closedir(d);
  }
  CHECK_EQ_INT(temps, 0);
  /* a second good write replaces the file */
  r->fit.leverage = 2.5;
  CHECK_MSG(folio_manager_write_config(path, r, &err) == FOLIO_OK, "%s", err.message);
  char *third = read_all(path);
  CHECK(third && strstr(third, "\"leverage\": 2.5,") != NULL);
  free(first);
  free(second);
  free(third);
  /* names that need escaping stay valid JSON */
  free(r->names[0]);
  r->names[0] = strdup("q\"uo\\te");
  CHECK(folio_manager_config_json(r, &text, &err) == FOLIO_OK);
  CHECK(text && strstr(text, "\"q\\\"uo\\\\te\": ") != NULL);
  free(text);
  free(r->names[0]);
  r->names[0] = strdup("bad\xff");
  CHECK_ERR(folio_manager_config_json(r, &text, &err), err, FOLIO_EPARSE, "UTF-8");
  folio_manager_report_free(r);
}

/* portfolio_config.json byte for byte: the layout folio has always written
 * (skipped folders on one line, reals as folio_json_number spells them). */
static void test_config_bytes(void) {
  char *names[] = {"a\x1f", "b"}, *skipped[] = {"x", "y\"z"};
  double weights[] = {0.25, 0.75};
  folio_manager_report r;
  memset(&r, 0, sizeof r);
  r.n_strategies = 2;
  r.names = names;
  r.weights = weights;
  r.n_skipped = 2;
  r.skipped = skipped;
  r.window_days = 365;
  strcpy(r.asof, "2024-08-09");
  r.account_value = 1e-5;
  r.target_vol = 0.3;
  r.fit.ann_vol = 0.1;
  r.fit.leverage = 3.0;
  char *text = NULL;
  folio_error err;
  CHECK(folio_manager_config_json(&r, &text, &err) == FOLIO_OK);
  const char *want = "{\n  \"account_value\": 1e-05,\n  \"ann_volatility_pct\": 10.0,\n  \"asof\": \"2024-08-09\",\n"
                     "  \"leverage\": 3.0,\n  \"skipped\": [\"x\", \"y\\\"z\"],\n  \"target_vol_pct\": 30.0,\n"
                     "  \"weights\": {\n    \"a\\u001f\": 0.25,\n    \"b\": 0.75\n  },\n  \"window_days\": 365\n}\n";
  CHECK_MSG(text && strcmp(text, want) == 0, "%s", text ? text : "(null)");
  free(text);
  r.n_skipped = 1;
  CHECK(folio_manager_config_json(&r, &text, &err) == FOLIO_OK);
  CHECK_MSG(text && strstr(text, "\n  \"skipped\": [\"x\"],\n  \"target_vol_pct\"") != NULL, "%s", text ? text : "(null)");
  free(text);
  r.n_skipped = 0;
  CHECK(folio_manager_config_json(&r, &text, &err) == FOLIO_OK);
  CHECK_MSG(text && strstr(text, "\n  \"skipped\": [],\n  \"target_vol_pct\"") != NULL, "%s", text ? text : "(null)");
  free(text);
}

int main(void) {
  snprintf(tmpdir, sizeof tmpdir, "/tmp/folio_test_manager_XXXXXX");
  if (!mkdtemp(tmpdir)) {
    perror("mkdtemp");
    return 1;
  }
  test_objective();
  test_slope_by_hand();
  test_read_formats();
  test_bad_files();
  test_bad_runs();
  test_example();
  test_write();
  test_config_bytes();
  remove_tree(tmpdir);
  return tl_finish("test_manager");
}
