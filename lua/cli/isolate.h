/*
 * isolate.h — the `folio` program's child-process backstop (internal to
 * lua/cli; not part of the C API).
 *
 * The sandbox bounds a policy's time and memory from inside the process
 * (count hook, budget allocator, bounded library, cancellation in the
 * core). Whatever loop in C nobody bounded would still outlive its budget,
 * so `folio run` and `folio check` run sandboxed code in a child process
 * under OS limits (docs/sandbox.md, "Bounds: the guarantee in numbers"):
 *
 *   RLIMIT_CPU    ceil(max_seconds) + FL_ISOLATE_GRACE_S (SIGXCPU; +1 s SIGKILL)
 *   RLIMIT_AS     the address space at start + max_memory + FL_ISOLATE_SLACK_MB
 *   RLIMIT_FSIZE  0 (no file can grow; SIGXFSZ ignored, so write() fails)
 *   RLIMIT_CORE   0, RLIMIT_NOFILE FL_ISOLATE_MAX_FILES, RLIMIT_NPROC 0
 *                 (OpenBLAS set to one thread first)
 *   descriptors   stdin is /dev/null, stdout and stderr are pipes to the
 *                 parent, every other inherited descriptor is closed
 *
 * The parent relays the two pipes to its own stdout and stderr, and kills
 * the child (SIGKILL) at max_seconds + FL_ISOLATE_GRACE_S of wall-clock
 * time. A child that exits reports its own exit status; a child killed by
 * SIGXCPU or SIGKILL is a timeout, one killed by SIGSEGV, SIGBUS or SIGABRT
 * (what running out of address space looks like in C) a memory-budget
 * error: exit status 1 either way, as the in-process budgets give.
 */
#ifndef FOLIO_ISOLATE_H
#define FOLIO_ISOLATE_H

#include <stddef.h>

/* Wall-clock and CPU seconds the child gets beyond max_seconds (start-up,
 * the in-process budget's own overrun, teardown). */
#define FL_ISOLATE_GRACE_S 1.0
/* Address space beyond max_memory, MiB: the core's work buffers outside the
 * Lua budget, OpenBLAS and the C stack. */
#define FL_ISOLATE_SLACK_MB 256
/* Open files the child may hold (reads through the sandbox's file access). */
#define FL_ISOLATE_MAX_FILES 64

typedef struct fl_isolate_limits {
  double max_seconds; /* the command's --max-seconds */
  size_t max_memory;  /* the command's --max-memory-mb, in bytes */
} fl_isolate_limits;

/* Runs body(ud) in a child process under the limits above and returns the
 * exit status for the command: body's own return value when the child
 * exits normally, else 1 after printing "<prefix>timeout: ..." or
 * "<prefix>memory budget exceeded: ..." on stderr. If the child cannot be
 * started (fork or pipe fails), prints why and returns 1. */
int fl_isolate_run(const fl_isolate_limits *lim, const char *prefix, int (*body)(void *ud), void *ud);

#endif
