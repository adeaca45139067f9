/*
 * isolate.c — runs a sandboxed command's work in a child process under OS
 * limits and kills it from the parent (isolate.h says what and why; the
 * numbers are in docs/sandbox.md, "Bounds: the guarantee in numbers").
 *
 * The parent does nothing but relay the child's stdout and stderr (pipes)
 * and watch the clock; the child applies its limits, closes what it
 * inherited and runs the command's body, then _exits with its status.
 *
 * Test hook: FOLIO_ISOLATE_SELFTEST=spin makes the child loop in C forever
 * before the body, =alloc makes it allocate (and touch) memory until malloc
 * fails and print how much it got, =startup prints the time from before the
 * fork to the start of the body (the backstop's start-up cost), =limits
 * prints the limits and the open descriptors the body starts with, =segv
 * dies of SIGSEGV. They stand for "a C loop nobody bounded"
 * in tests/cli/test_isolate.cmake, which measures the grace and the slack.
 */
#define _GNU_SOURCE
#include "isolate.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* OpenBLAS, when it is the BLAS we run on: one thread in the child. */
extern void openblas_set_num_threads(int n) __attribute__((weak));

static double now_seconds(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* The process's address space now, in bytes (0 if unknown). */
static size_t address_space(void) {
  FILE *f = fopen("/proc/self/statm", "r");
  unsigned long pages = 0;
  if (f) {
    if (fscanf(f, "%lu", &pages) != 1) pages = 0;
    fclose(f);
  }
  return (size_t)pages * (size_t)sysconf(_SC_PAGESIZE);
}

static void set_limit(int resource, rlim_t soft, rlim_t hard) {
  struct rlimit rl = {soft, hard};
  (void)setrlimit(resource, &rl); /* best effort: a limit the OS refuses stays as it was */
}

/* ---- the child ---------------------------------------------------------------- */

static void self_test(size_t start_as, double t0) {
  const char *t = getenv("FOLIO_ISOLATE_SELFTEST");
  if (!t) return;
  fprintf(stderr, "folio-isolate-selftest: address space at start %zu MiB\n", start_as >> 20);
  if (strcmp(t, "startup") == 0) { /* fork, limits, descriptors: until the body starts */
    fprintf(stderr, "folio-isolate-selftest: start-up %.3f ms\n", 1e3 * (now_seconds() - t0));
    return;
  }
  if (strcmp(t, "limits") == 0) { /* the limits and the open descriptors the body gets */
    static const struct { int res; const char *name; } lims[] = {
        {RLIMIT_CPU, "cpu"}, {RLIMIT_AS, "as"}, {RLIMIT_FSIZE, "fsize"}, {RLIMIT_CORE, "core"},
        {RLIMIT_NOFILE, "nofile"}, {RLIMIT_NPROC, "nproc"}};
    fprintf(stderr, "folio-isolate-selftest: limits");
    for (size_t k = 0; k < sizeof lims / sizeof lims[0]; k++) {
      struct rlimit rl;
      getrlimit(lims[k].res, &rl);
      fprintf(stderr, " %s=%llu", lims[k].name, (unsigned long long)rl.rlim_cur);
    }
    fprintf(stderr, " fds=");
    for (int fd = 0, first = 1; fd < 1024; fd++)
      if (fcntl(fd, F_GETFD) != -1) fprintf(stderr, "%s%d", first ? "" : ",", fd), first = 0;
    fprintf(stderr, "\n");
    return;
  }
  if (strcmp(t, "segv") == 0) raise(SIGSEGV); /* how C code out of address space dies */
  if (strcmp(t, "spin") == 0) {
    for (volatile unsigned long i = 0;; i++) {
    }
  }
  if (strcmp(t, "alloc") == 0) {
    size_t mib = 0;
    for (;;) {
      char *p = malloc((size_t)1 << 20);
      if (!p) break;
      memset(p, 1, (size_t)1 << 20); /* resident, not only reserved */
      mib++;
    }
    fprintf(stderr, "folio-isolate-selftest: allocated %zu MiB, address space %zu MiB\n", mib,
            address_space() >> 20);
    fflush(stderr);
    _exit(1);
  }
}

static void child(const fl_isolate_limits *lim, size_t start_as, double t0, pid_t parent, int out,
                  int err, int (*body)(void *), void *ud) {
  prctl(PR_SET_PDEATHSIG, SIGKILL); /* the parent gone, the child goes too */
  if (getppid() != parent) _exit(1);
  if (dup2(out, STDOUT_FILENO) < 0 || dup2(err, STDERR_FILENO) < 0) _exit(1);
  int null = open("/dev/null", O_RDONLY);
  if (null >= 0 && null != STDIN_FILENO) {
    dup2(null, STDIN_FILENO);
    close(null);
  }
  /* every inherited descriptor but 0, 1, 2 */
  if (close_range(3, ~0U, 0) != 0) {
    long max = sysconf(_SC_OPEN_MAX);
    for (long fd = 3; fd < (max > 0 ? max : 1024); fd++) close((int)fd);
  }
  signal(SIGXFSZ, SIG_IGN); /* a write past RLIMIT_FSIZE fails with EFBIG */
  setenv("OPENBLAS_NUM_THREADS", "1", 1);
  if (openblas_set_num_threads) openblas_set_num_threads(1);

  rlim_t cpu = (rlim_t)ceil(lim->max_seconds + FL_ISOLATE_GRACE_S);
  set_limit(RLIMIT_CPU, cpu, cpu + 1);
  if (lim->max_memory) {
    rlim_t as = (rlim_t)start_as + (rlim_t)lim->max_memory + ((rlim_t)FL_ISOLATE_SLACK_MB << 20);
    set_limit(RLIMIT_AS, as, as);
  }
  set_limit(RLIMIT_FSIZE, 0, 0);
  set_limit(RLIMIT_CORE, 0, 0);
  set_limit(RLIMIT_NOFILE, FL_ISOLATE_MAX_FILES, FL_ISOLATE_MAX_FILES);
  set_limit(RLIMIT_NPROC, 0, 0); /* no fork, no threads (ignored for root) */

  self_test(start_as, t0);
  int rc = body(ud);
  fflush(NULL);
  _exit(rc);
}

/* ---- the parent ----------------------------------------------------------------- */

static void write_all(int fd, const char *p, size_t n) {
  while (n > 0) {
    ssize_t w = write(fd, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return; /* our own output is gone: keep draining the child */
    p += w;
    n -= (size_t)w;
  }
}

/* Copies what is ready on fds[k] to its target; closes it at end of file. */
static void relay(struct pollfd *fds, const int *target, int *open_fds) {
  char buf[65536];
  for (int k = 0; k < 2; k++) {
    if (fds[k].fd < 0 || !(fds[k].revents & (POLLIN | POLLHUP | POLLERR))) continue;
    ssize_t r = read(fds[k].fd, buf, sizeof buf);
    if (r < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (r > 0) {
      write_all(target[k], buf, (size_t)r);
    } else {
      close(fds[k].fd);
      fds[k].fd = -1;
      --*open_fds;
    }
  }
}

static const char *signal_name(int sig) {
  switch (sig) {
    case SIGSEGV: return "SIGSEGV";
    case SIGBUS: return "SIGBUS";
    case SIGABRT: return "SIGABRT";
    case SIGXCPU: return "SIGXCPU";
    case SIGKILL: return "SIGKILL";
    default: return "a signal";
  }
}

int fl_isolate_run(const fl_isolate_limits *lim, const char *prefix, int (*body)(void *ud), void *ud) {
  int out[2], err[2];
  if (pipe2(out, O_CLOEXEC) != 0) {
    fprintf(stderr, "%scannot start the script's process: %s\n", prefix, strerror(errno));
    return 1;
  }
  if (pipe2(err, O_CLOEXEC) != 0) {
    fprintf(stderr, "%scannot start the script's process: %s\n", prefix, strerror(errno));
    close(out[0]), close(out[1]);
    return 1;
  }
  fflush(NULL); /* nothing buffered twice */
  size_t start_as = address_space();
  pid_t parent = getpid();
  double t0 = now_seconds(), deadline = t0 + lim->max_seconds + FL_ISOLATE_GRACE_S;
  pid_t pid = fork();
  if (pid < 0) {
    fprintf(stderr, "%scannot start the script's process: %s\n", prefix, strerror(errno));
    close(out[0]), close(out[1]), close(err[0]), close(err[1]);
    return 1;
  }
  if (pid == 0) child(lim, start_as, t0, parent, out[1], err[1], body, ud);
  close(out[1]);
  close(err[1]);

  struct pollfd fds[2] = {{out[0], POLLIN, 0}, {err[0], POLLIN, 0}};
  const int target[2] = {STDOUT_FILENO, STDERR_FILENO};
  int open_fds = 2, killed = 0, status = 0;
  double killed_at = 0;
  for (;;) {
    double left = deadline - now_seconds();
    if (!killed && left <= 0) {
      kill(pid, SIGKILL);
      killed = 1;
      killed_at = now_seconds() - t0;
    }
    pid_t w = waitpid(pid, &status, WNOHANG);
    if (w == pid && open_fds == 0) break;
    if (w == pid) { /* exited: drain what is left in the pipes (no writer remains) */
      while (open_fds > 0 && poll(fds, 2, 1000) > 0) relay(fds, target, &open_fds);
      break;
    }
    int ms = killed ? 10 : (int)fmin(ceil(left * 1000.0), 100.0);
    if (open_fds == 0) {
      struct timespec ts = {0, (long)(ms > 5 ? 5 : ms) * 1000000L};
      nanosleep(&ts, NULL);
      continue;
    }
    if (poll(fds, 2, ms > 0 ? ms : 0) > 0) relay(fds, target, &open_fds);
  }
  for (int k = 0; k < 2; k++)
    if (fds[k].fd >= 0) close(fds[k].fd);

  if (WIFEXITED(status)) return WEXITSTATUS(status);
  int sig = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
  double took = killed ? killed_at : now_seconds() - t0;
  if (killed || sig == SIGXCPU || sig == SIGKILL) {
    fprintf(stderr, "%stimeout: the script exceeded --max-seconds %g (killed after %.1f s)\n", prefix,
            lim->max_seconds, took);
  } else if (sig == SIGSEGV || sig == SIGBUS || sig == SIGABRT) {
    fprintf(stderr,
            "%smemory budget exceeded: the script's process died of %s at its address-space limit "
            "(--max-memory-mb %zu + %d MiB)\n",
            prefix, signal_name(sig), lim->max_memory >> 20, FL_ISOLATE_SLACK_MB);
  } else {
    fprintf(stderr, "%sthe script's process died of signal %d\n", prefix, sig);
  }
  return 1;
}
