/*
 * test_store_lock.c — the store's run lock (folio_store_lock/unlock, an
 * flock on "<store>.lock"): two handles in one process exclude each other,
 * so do two processes; the second attempt fails at once with FOLIO_EBUSY and
 * the first holder's text; close and unlock release it; a lock file left by
 * a SIGKILLed holder is re-acquired at once; a lock file that cannot be
 * created, a symbolic link, a FIFO or a folder in its place is a clear
 * FOLIO_EIO naming the lock file.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

#include "storetest.h"
#include "testlib.h"

static folio_store *open_store(const char *path) {
  folio_error err;
  folio_store *s = NULL;
  if (folio_store_open(path, FOLIO_STORE_CREATE, &s, &err) != FOLIO_OK)
    fprintf(stderr, "open %s: %s\n", path, err.message);
  return s;
}

static char *slurp_text(const char *path) {
  static char buf[512];
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  size_t n = fread(buf, 1, sizeof buf - 1, f);
  buf[n] = '\0';
  fclose(f);
  return buf;
}

static double now_s(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static void test_one_process(void) {
  folio_error err;
  const char *path = st_path("one.db");
  char lock[300];
  snprintf(lock, sizeof lock, "%s.lock", path);
  folio_store *a = open_store(path), *b = open_store(path);
  CHECK(a && b);
  CHECK(!folio_store_locked(a));
  CHECK(folio_store_lock(a, "folio rebalance pid 4242 on host h since 2026-12-07T06:00:00Z", &err) == FOLIO_OK);
  CHECK(folio_store_locked(a));
  struct stat sb;
  CHECK(stat(lock, &sb) == 0 && S_ISREG(sb.st_mode));
  const char *text = slurp_text(lock);
  CHECK(text && strcmp(text, "folio rebalance pid 4242 on host h since 2026-12-07T06:00:00Z\n") == 0);
  double t0 = now_s();
  CHECK_ERR(folio_store_lock(b, "second", &err), err, FOLIO_EBUSY,
            "is locked by another run: folio rebalance pid 4242 on host h since 2026-12-07T06:00:00Z (lock file ");
  CHECK(now_s() - t0 < 0.5); /* at once, never waiting */
  CHECK(strstr(err.message, lock) != NULL);
  CHECK(strstr(err.message, path) != NULL);
  CHECK(!folio_store_locked(b));
  /* the holder may lock again: only its text changes */
  CHECK(folio_store_lock(a, "pid 4242, phase 2", &err) == FOLIO_OK);
  CHECK(strcmp(slurp_text(lock), "pid 4242, phase 2\n") == 0);
  CHECK_ERR(folio_store_lock(b, "second", &err), err, FOLIO_EBUSY, "locked by another run: pid 4242, phase 2 (");
  /* unlock releases; the file stays, emptied */
  folio_store_unlock(a);
  CHECK(!folio_store_locked(a));
  CHECK(access(lock, F_OK) == 0 && strcmp(slurp_text(lock), "") == 0);
  folio_store_unlock(a); /* no-op */
  folio_store_unlock(NULL);
  CHECK(folio_store_lock(b, "b holds it", &err) == FOLIO_OK);
  CHECK_ERR(folio_store_lock(a, "a", &err), err, FOLIO_EBUSY, "locked by another run: b holds it");
  /* close releases too */
  folio_store_close(b);
  CHECK(folio_store_lock(a, "a again", &err) == FOLIO_OK);
  /* bad arguments */
  CHECK_ERR(folio_store_lock(a, "", &err), err, FOLIO_EINVAL, "holder is empty");
  CHECK_ERR(folio_store_lock(a, NULL, &err), err, FOLIO_EINVAL, "holder is empty");
  CHECK_ERR(folio_store_lock(NULL, "x", &err), err, FOLIO_EINVAL, "store is NULL");
  CHECK(!folio_store_locked(NULL));
  folio_store_close(a);
  /* a read-only handle may take the lock */
  folio_store *r = NULL;
  CHECK(folio_store_open(path, FOLIO_STORE_READONLY, &r, &err) == FOLIO_OK);
  CHECK(folio_store_lock(r, "reader", &err) == FOLIO_OK);
  folio_store_close(r);
  st_remove(path);
}

/* A child takes the lock, says so on the pipe, then waits to be killed. */
static pid_t spawn_holder(const char *path, const char *holder, int *ready_fd) {
  int fds[2];
  if (pipe(fds) != 0) return -1;
  pid_t pid = fork();
  if (pid == 0) {
    close(fds[0]);
    folio_error err;
    folio_store *s = open_store(path);
    char ok = s && folio_store_lock(s, holder, &err) == FOLIO_OK ? 'y' : 'n';
    if (write(fds[1], &ok, 1) != 1) _exit(2);
    for (;;) pause();
  }
  close(fds[1]);
  *ready_fd = fds[0];
  return pid;
}

static void test_two_processes_and_kill(void) {
  folio_error err;
  const char *path = st_path("two.db");
  folio_store *s = open_store(path); /* create the file before the child opens it */
  CHECK(s != NULL);
  int ready;
  pid_t pid = spawn_holder(path, "child run pid X", &ready);
  CHECK(pid > 0);
  char ok = 0;
  CHECK(read(ready, &ok, 1) == 1 && ok == 'y');
  close(ready);
  CHECK_ERR(folio_store_lock(s, "parent", &err), err, FOLIO_EBUSY, "is locked by another run: child run pid X");
  /* SIGKILL: the kernel drops the flock; the stale file and text stay, harmlessly */
  kill(pid, SIGKILL);
  int status;
  waitpid(pid, &status, 0);
  CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
  char lock[300];
  snprintf(lock, sizeof lock, "%s.lock", path);
  CHECK(strcmp(slurp_text(lock), "child run pid X\n") == 0);
  CHECK(folio_store_lock(s, "parent after the kill", &err) == FOLIO_OK);
  CHECK(strcmp(slurp_text(lock), "parent after the kill\n") == 0);
  /* and now the parent excludes a child */
  pid = spawn_holder(path, "child 2", &ready);
  CHECK(read(ready, &ok, 1) == 1 && ok == 'n');
  close(ready);
  kill(pid, SIGKILL);
  waitpid(pid, &status, 0);
  folio_store_close(s);
  st_remove(path);
}

static void test_bad_lock_files(void) {
  folio_error err;
  const char *path = st_path("bad.db");
  char lock[300];
  snprintf(lock, sizeof lock, "%s.lock", path);
  folio_store *s = open_store(path);
  /* a symbolic link in its place is refused, and its target untouched */
  const char *target = st_path("target.txt");
  FILE *f = fopen(target, "wb");
  fputs("keep me", f);
  fclose(f);
  CHECK(symlink(target, lock) == 0);
  CHECK_ERR(folio_store_lock(s, "x", &err), err, FOLIO_EIO, "is a symbolic link");
  CHECK(strstr(err.message, lock) != NULL);
  CHECK(strcmp(slurp_text(target), "keep me") == 0);
  unlink(lock);
  unlink(target);
  /* a FIFO: refused without blocking */
  CHECK(mkfifo(lock, 0600) == 0);
  CHECK_ERR(folio_store_lock(s, "x", &err), err, FOLIO_EIO, "is not a regular file");
  unlink(lock);
  /* a folder */
  CHECK(mkdir(lock, 0700) == 0);
  CHECK_ERR(folio_store_lock(s, "x", &err), err, FOLIO_EIO, "lock file");
  CHECK(strstr(err.message, lock) != NULL);
  rmdir(lock);
  CHECK(!folio_store_locked(s));
  /* a new lock file gets 0666 less the umask */
  mode_t old = umask(027);
  CHECK(folio_store_lock(s, "x", &err) == FOLIO_OK);
  umask(old);
  struct stat sb;
  CHECK(stat(lock, &sb) == 0 && (sb.st_mode & 0777) == 0640);
  folio_store_close(s);
  st_remove(path);

  /* a read-only folder: the lock file cannot be created (root can: skipped then) */
  const char *sub = st_path("ro");
  CHECK(mkdir(sub, 0700) == 0);
  char spath[400];
  snprintf(spath, sizeof spath, "%s/fund.db", sub);
  s = open_store(spath);
  folio_store_close(s);
  s = NULL;
  CHECK(folio_store_open(spath, 0, &s, &err) == FOLIO_OK);
  chmod(sub, 0555);
  if (geteuid() != 0) {
    CHECK_ERR(folio_store_lock(s, "x", &err), err, FOLIO_EIO, "cannot create or open lock file");
    CHECK(strstr(err.message, ".lock (Permission denied)") != NULL);
  } else {
    /* root writes anywhere: the check runs in a child that became nobody */
    chmod(st_dir, 0711);
    pid_t pid = fork();
    if (pid == 0) {
      if (setgid(65534) != 0 || setuid(65534) != 0) _exit(3);
      int st = folio_store_lock(s, "x", &err);
      _exit(st == FOLIO_EIO && strstr(err.message, "cannot create or open lock file") &&
                    strstr(err.message, ".lock (Permission denied)")
                ? 0
                : 1);
    }
    int status = -1;
    waitpid(pid, &status, 0);
    CHECK_MSG(WIFEXITED(status) && WEXITSTATUS(status) == 0, "read-only folder as nobody: status %d", status);
    chmod(st_dir, 0700);
  }
  CHECK(!folio_store_locked(s));
  chmod(sub, 0700);
  folio_store_close(s);
  st_remove(spath);
  rmdir(sub);
  /* a lock file whose folder vanished: ENOENT, named */
  char gone[300];
  snprintf(gone, sizeof gone, "%s/gone", st_dir);
  CHECK(mkdir(gone, 0700) == 0);
  snprintf(spath, sizeof spath, "%s/fund.db", gone);
  s = open_store(spath);
  st_remove(spath);
  rmdir(gone);
  CHECK_ERR(folio_store_lock(s, "x", &err), err, FOLIO_EIO, "(No such file or directory)");
  folio_store_close(s);
}

int main(void) {
  if (st_make_dir("folio_lock_") != 0) return 1;
  signal(SIGPIPE, SIG_IGN);
  test_one_process();
  test_two_processes_and_kill();
  test_bad_lock_files();
  rmdir(st_dir);
  return tl_finish("test_store_lock");
}
