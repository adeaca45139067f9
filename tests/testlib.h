/*
 * testlib.h — the smallest test harness that does the job: CHECK-style
 * assertions that count instead of aborting, and a closing line
 * "N passed, N failed" that CI reads. One executable per test file.
 */
#ifndef FOLIO_TESTLIB_H
#define FOLIO_TESTLIB_H

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int tl_passed, tl_failed;

#define CHECK(cond) tl_check(!!(cond), #cond, __FILE__, __LINE__)
#define CHECK_MSG(cond, ...) \
  do { if (!tl_check(!!(cond), #cond, __FILE__, __LINE__)) { fprintf(stderr, "    "); fprintf(stderr, __VA_ARGS__); fprintf(stderr, "\n"); } } while (0)
#define CHECK_NEAR(a, b, tol) tl_check_near((a), (b), (tol), #a, #b, __FILE__, __LINE__)
#define CHECK_EQ_INT(a, b) tl_check_int((long long)(a), (long long)(b), #a, #b, __FILE__, __LINE__)
/* The status is `want` and the message contains `needle` (a substring).
 * The call `st` is evaluated first (comma operator: a sequence point), so the
 * status read from `err` is the one this call left, never a stale one. */
static int tl_last_st __attribute__((unused));
#define CHECK_ERR(st, err, want, needle)                                                   \
  (tl_last_st = (int)(st),                                                                 \
   tl_check_err_impl(tl_last_st, (int)(err).status, (err).message, (int)(want), (needle), #st, \
                     __FILE__, __LINE__))

static inline int tl_check(int ok, const char *what, const char *file, int line) {
  if (ok) { tl_passed++; return 1; }
  tl_failed++;
  fprintf(stderr, "%s:%d: FAILED: %s\n", file, line, what);
  return 0;
}

static inline int tl_check_near(double a, double b, double tol, const char *sa, const char *sb,
                                const char *file, int line) {
  int ok = (isnan(a) && isnan(b)) || fabs(a - b) <= tol;
  if (!ok) fprintf(stderr, "%s:%d: %s = %.17g, %s = %.17g (|diff| %.3g > %.3g)\n", file, line, sa, a,
                   sb, b, fabs(a - b), tol);
  return tl_check(ok, "near", file, line);
}

static inline int tl_check_int(long long a, long long b, const char *sa, const char *sb,
                               const char *file, int line) {
  if (a != b) fprintf(stderr, "%s:%d: %s = %lld, %s = %lld\n", file, line, sa, a, sb, b);
  return tl_check(a == b, "equal", file, line);
}

static inline int tl_check_err_impl(int st, int err_status, const char *msg, int want,
                                    const char *needle, const char *what, const char *file,
                                    int line) {
  int ok = st == want && err_status == want && (!needle || strstr(msg, needle) != NULL);
  if (!ok)
    fprintf(stderr, "%s:%d: %s returned %d (err %d) \"%s\"; wanted %d with \"%s\"\n", file, line,
            what, st, err_status, msg, want, needle ? needle : "");
  return tl_check(ok, what, file, line);
}

/* Deterministic generator for property tests (splitmix64): fixed seeds, no libc rand(). */
typedef struct { uint64_t s; } tl_rng;
static inline uint64_t tl_next(tl_rng *r) {
  uint64_t z = (r->s += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}
static inline double tl_uniform(tl_rng *r) { return (double)(tl_next(r) >> 11) * 0x1.0p-53; }
static inline double tl_normal(tl_rng *r) {
  double u1 = tl_uniform(r), u2 = tl_uniform(r);
  if (u1 < 1e-300) u1 = 1e-300;
  return sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
}
static inline size_t tl_index(tl_rng *r, size_t n) { return (size_t)(tl_next(r) % n); }

/* Prints the closing line and returns the process exit code. */
static inline int tl_finish(const char *suite) {
  printf("%s: %d passed, %d failed\n", suite, tl_passed, tl_failed);
  return tl_failed ? 1 : 0;
}

/* Reference folder or NULL (the caller then prints a visible SKIP and exits 77). */
static inline const char *tl_reference_dir(void) {
  const char *d = getenv("FOLIO_REFERENCE_DIR");
  if (!d || !*d) return NULL;
  char probe[4096];
  snprintf(probe, sizeof probe, "%s/README.md", d);
  FILE *f = fopen(probe, "r");
  if (!f) return NULL;
  fclose(f);
  return d;
}

#endif
