/*
 * plumbing.c — the opener of regular files, the whole-file reader, the
 * atomic writer, the "C" locale switch and the string comparator of
 * plumbing.h. Everything that opens a file to read or replaces one, in
 * every layer, goes through here, so the guarantees (no blocking on FIFOs,
 * size bounds, fsync of file and folder, umask-respecting permissions) are
 * kept in one place.
 */
#include "plumbing.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* ---- reading ------------------------------------------------------------- */

folio_status folio_i_open_regular(const char *who, const char *path, FILE **out, folio_error *err) {
  if (!who) who = "read";
  if (!path || !out) {
    folio_error_set(err, FOLIO_EINVAL, "%s: path and outputs must not be NULL", who);
    errno = 0;
    return FOLIO_EINVAL;
  }
  *out = NULL;
  /* O_NONBLOCK: opening a FIFO with no writer must not hang; cleared below */
  int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) {
    int e = errno;
    folio_error_set(err, FOLIO_EIO, "%s: cannot open %s (%s)", who, path, strerror(e));
    errno = e;
    return FOLIO_EIO;
  }
  struct stat sb;
  if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
    close(fd);
    folio_error_set(err, FOLIO_EIO, "%s: %s is not a regular file", who, path);
    errno = 0;
    return FOLIO_EIO;
  }
  int flags = fcntl(fd, F_GETFL);
  if (flags >= 0) (void)fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
  FILE *f = fdopen(fd, "r");
  if (!f) {
    close(fd);
    folio_error_set(err, FOLIO_ENOMEM, "%s: %s: out of memory", who, path);
    errno = 0;
    return FOLIO_ENOMEM;
  }
  *out = f;
  return FOLIO_OK;
}

folio_status folio_i_read_fd(const char *who, const char *name, int fd, size_t max_bytes, char **text,
                             size_t *len, folio_error *err) {
  if (!who) who = "read";
  if (!name) name = "(file)";
  if (fd < 0 || !text || !len)
    return folio_error_set(err, FOLIO_EINVAL, "%s: the file and outputs must not be NULL", who);
  struct stat sb;
  if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode))
    return folio_error_set(err, FOLIO_EIO, "%s: %s is not a regular file", who, name);
  if ((uintmax_t)sb.st_size > (uintmax_t)max_bytes)
    return folio_error_set(err, FOLIO_EDIM, "%s: %s is larger than %zu bytes", who, name, max_bytes);
  /* the size can change while we read: read until EOF, never past max_bytes */
  size_t cap = (size_t)sb.st_size + 1, n = 0;
  if (cap < 4096) cap = 4096;
  if (cap > max_bytes + 1) cap = max_bytes + 1;
  char *buf = malloc(cap + 1);
  if (!buf) return folio_error_set(err, FOLIO_ENOMEM, "%s: %s: out of memory", who, name);
  for (;;) {
    if (n == cap) {
      if (cap > max_bytes) {
        free(buf);
        return folio_error_set(err, FOLIO_EDIM, "%s: %s is larger than %zu bytes", who, name, max_bytes);
      }
      size_t next = cap > max_bytes / 2 ? max_bytes + 1 : cap * 2;
      char *p = realloc(buf, next + 1);
      if (!p) {
        free(buf);
        return folio_error_set(err, FOLIO_ENOMEM, "%s: %s: out of memory", who, name);
      }
      buf = p;
      cap = next;
    }
    ssize_t got = read(fd, buf + n, cap - n);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) {
      int e = errno;
      free(buf);
      return folio_error_set(err, FOLIO_EIO, "%s: cannot read %s (%s)", who, name, strerror(e));
    }
    if (got == 0) break;
    n += (size_t)got;
  }
  if (n > max_bytes) {
    free(buf);
    return folio_error_set(err, FOLIO_EDIM, "%s: %s is larger than %zu bytes", who, name, max_bytes);
  }
  buf[n] = '\0';
  *text = buf;
  *len = n;
  return FOLIO_OK;
}

folio_status folio_i_read_file(const char *who, const char *path, size_t max_bytes, char **text,
                               size_t *len, folio_error *err) {
  if (!who) who = "read";
  if (!path || !text || !len)
    return folio_error_set(err, FOLIO_EINVAL, "%s: path and outputs must not be NULL", who);
  FILE *f;
  folio_status st = folio_i_open_regular(who, path, &f, err);
  if (st != FOLIO_OK) return st;
  st = folio_i_read_fd(who, path, fileno(f), max_bytes, text, len, err);
  fclose(f);
  return st;
}

/* ---- opening below the working folder ---------------------------------------- */

/* The kind of file in st_mode, for messages. */
static const char *kind_of(mode_t m) {
  if (S_ISDIR(m)) return "a folder";
  if (S_ISFIFO(m)) return "a FIFO";
  if (S_ISCHR(m) || S_ISBLK(m)) return "a device";
  if (S_ISSOCK(m)) return "a socket";
  if (S_ISLNK(m)) return "a symbolic link";
  if (S_ISREG(m)) return "a regular file";
  return "an unknown kind of file";
}

/* folio_i_open_beneath without its errno contract; *missing = 1 when a
 * component does not exist (found while walking, links never followed). */
static folio_status open_beneath(const char *who, const char *path, int want_dir, int *fd, int *missing,
                                 folio_error *err) {
  if (!who) who = "read";
  if (!path || !fd) return folio_error_set(err, FOLIO_EINVAL, "%s: path and outputs must not be NULL", who);
  *fd = -1;
  size_t n = strlen(path);
  if (n == 0) return folio_error_set(err, FOLIO_EINVAL, "%s: the path is empty", who);
  if (n >= FOLIO_I_MAX_PATH)
    return folio_error_set(err, FOLIO_EINVAL, "%s: a path of %zu bytes is too long (at most %d)", who, n,
                           FOLIO_I_MAX_PATH - 1);
  if (path[0] == '/')
    return folio_error_set(err, FOLIO_EINVAL, "%s: '%s' is an absolute path", who, path);
  char comp[FOLIO_I_MAX_PATH];
  /* every component first: a ".." anywhere is refused before anything is opened */
  for (const char *p = path; *p;) {
    const char *e = strchr(p, '/');
    size_t k = e ? (size_t)(e - p) : strlen(p);
    if (k == 2 && p[0] == '.' && p[1] == '.')
      return folio_error_set(err, FOLIO_EINVAL, "%s: '%s' has a '..' component", who, path);
    p += k + (e ? 1 : 0);
  }
  int dir = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir < 0)
    return folio_error_set(err, FOLIO_EIO, "%s: cannot open the working folder (%s)", who, strerror(errno));
  for (const char *p = path;;) {
    const char *e = strchr(p, '/');
    size_t k = e ? (size_t)(e - p) : strlen(p);
    while (e && e[1] == '/') e++; /* "a//b" is "a/b" */
    int last = !e || e[1] == '\0';
    memcpy(comp, p, k);
    comp[k] = '\0';
    if (k == 0 || (k == 1 && comp[0] == '.')) { /* "./a", "a/./b", a trailing '/' */
      if (last) {
        if (!want_dir) {
          close(dir);
          return folio_error_set(err, FOLIO_EIO, "%s: %s is a folder, not a regular file", who, path);
        }
        *fd = dir;
        return FOLIO_OK;
      }
      p = e + 1;
      continue;
    }
    /* O_NOFOLLOW: a symbolic link is refused (ELOOP), wherever it points;
     * O_NONBLOCK: opening a FIFO with no writer must not hang */
    int flags = O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY | (last && !want_dir ? 0 : O_DIRECTORY);
    int next = openat(dir, comp, flags);
    if (next < 0) {
      int e0 = errno;
      struct stat lsb;
      folio_status st;
      if ((e0 == ELOOP || e0 == ENOTDIR) && fstatat(dir, comp, &lsb, AT_SYMLINK_NOFOLLOW) == 0)
        st = folio_error_set(err, FOLIO_EIO, "%s: %s: '%s' is %s%s", who, path, comp, kind_of(lsb.st_mode),
                             S_ISLNK(lsb.st_mode) ? " (links are not followed)" : ", not a folder");
      else
        st = folio_error_set(err, FOLIO_EIO, "%s: cannot open %s (%s)", who, path, strerror(e0));
      close(dir);
      *missing = e0 == ENOENT;
      return st;
    }
    close(dir);
    dir = next;
    if (last) break;
    p = e + 1;
  }
  struct stat sb;
  if (fstat(dir, &sb) != 0) {
    int e0 = errno;
    close(dir);
    return folio_error_set(err, FOLIO_EIO, "%s: cannot open %s (%s)", who, path, strerror(e0));
  }
  if (want_dir ? !S_ISDIR(sb.st_mode) : !S_ISREG(sb.st_mode)) {
    close(dir);
    return folio_error_set(err, FOLIO_EIO, "%s: %s is %s, not a %s", who, path, kind_of(sb.st_mode),
                           want_dir ? "folder" : "regular file");
  }
  if (!want_dir && sb.st_nlink > 1) { /* another name for the same file, maybe outside the folder */
    close(dir);
    return folio_error_set(err, FOLIO_EIO, "%s: %s has %ju hard links (a linked file may live outside the folder)",
                           who, path, (uintmax_t)sb.st_nlink);
  }
  int fl = fcntl(dir, F_GETFL);
  if (fl >= 0) (void)fcntl(dir, F_SETFL, fl & ~O_NONBLOCK);
  *fd = dir;
  return FOLIO_OK;
}

folio_status folio_i_open_beneath(const char *who, const char *path, int want_dir, int *fd,
                                  folio_error *err) {
  int missing = 0;
  folio_status st = open_beneath(who, path, want_dir, fd, &missing, err);
  errno = missing ? ENOENT : 0;
  return st;
}

/* ---- atomic replacement ---------------------------------------------------- */

/* Opens a new temporary file "<path>.tmp.<pid>.<n>" beside path with
 * O_EXCL and mode 0666, so the kernel applies the umask as for any new file
 * (mkstemp would force 0600). Fills tmp; returns the fd or -1 (errno set). */
static int open_temp(const char *path, char *tmp, size_t size) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  unsigned long salt = (unsigned long)ts.tv_nsec ^ ((unsigned long)ts.tv_sec << 20);
  for (unsigned tries = 0; tries < 64; tries++) {
    snprintf(tmp, size, "%s.tmp.%ld.%lx", path, (long)getpid(), salt + tries * 7919UL);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd >= 0 || errno != EEXIST) return fd;
  }
  errno = EEXIST;
  return -1;
}

/* The writer of folio_i_write_atomic and folio_i_create_atomic: the
 * temporary file written and synced, then renamed over path or (exclusive)
 * linked to path, which fails when path exists. */
static folio_status write_atomic(const char *who, const char *path, const void *data, size_t len, int exclusive,
                                 folio_error *err) {
  if (!who) who = "write";
  if (!path || (!data && len))
    return folio_error_set(err, FOLIO_EINVAL, "%s: path and data must not be NULL", who);
  size_t pl = strlen(path);
  if (pl == 0) return folio_error_set(err, FOLIO_EINVAL, "%s: empty path", who);
  char *tmp = malloc(pl + 64), *dir = malloc(pl + 2);
  folio_status st = FOLIO_OK;
  int fd = -1;
  if (tmp) tmp[0] = '\0'; /* no temporary file yet: nothing to remove */
  if (!tmp || !dir) {
    st = folio_error_set(err, FOLIO_ENOMEM, "%s: out of memory", who);
    goto done;
  }
  const char *slash = strrchr(path, '/');
  if (slash) {
    size_t dl = slash == path ? 1 : (size_t)(slash - path);
    memcpy(dir, path, dl);
    dir[dl] = '\0';
  } else {
    strcpy(dir, ".");
  }
  fd = open_temp(path, tmp, pl + 64);
  if (fd < 0) {
    tmp[0] = '\0';
    st = folio_error_set(err, FOLIO_EIO, "%s: cannot create a temporary file beside %s (%s)", who, path,
                         strerror(errno));
    goto done;
  }
  const char *p = data;
  for (size_t off = 0; off < len;) {
    ssize_t w = write(fd, p + off, len - off);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) {
      st = folio_error_set(err, FOLIO_EIO, "%s: cannot write %s (%s)", who, tmp,
                           w < 0 ? strerror(errno) : "no progress");
      goto done;
    }
    off += (size_t)w;
  }
  if (fsync(fd) != 0) {
    st = folio_error_set(err, FOLIO_EIO, "%s: cannot sync %s (%s)", who, tmp, strerror(errno));
    goto done;
  }
  int c = close(fd);
  fd = -1;
  if (c != 0) {
    st = folio_error_set(err, FOLIO_EIO, "%s: cannot close %s (%s)", who, tmp, strerror(errno));
    goto done;
  }
  if (exclusive) {
    if (link(tmp, path) != 0) {
      st = errno == EEXIST ? folio_error_set(err, FOLIO_EDUP, "%s: %s exists", who, path)
                           : folio_error_set(err, FOLIO_EIO, "%s: cannot link %s to %s (%s)", who, tmp, path,
                                             strerror(errno));
      goto done;
    }
    unlink(tmp); /* path holds the file now */
  } else if (rename(tmp, path) != 0) {
    st = folio_error_set(err, FOLIO_EIO, "%s: cannot rename %s to %s (%s)", who, tmp, path,
                         strerror(errno));
    goto done;
  }
  tmp[0] = '\0'; /* renamed or linked: nothing to remove */
  int dfd = open(dir, O_RDONLY | O_CLOEXEC);
  if (dfd >= 0) { /* the rename is durable once the folder is synced */
    if (fsync(dfd) != 0 && errno != EINVAL)
      st = folio_error_set(err, FOLIO_EIO, "%s: cannot sync folder %s (%s)", who, dir, strerror(errno));
    close(dfd);
  }
done:
  if (fd >= 0) close(fd);
  if (tmp && tmp[0]) unlink(tmp);
  free(tmp);
  free(dir);
  return st;
}

folio_status folio_i_write_atomic(const char *who, const char *path, const void *data, size_t len,
                                  folio_error *err) {
  return write_atomic(who, path, data, len, 0, err);
}

folio_status folio_i_create_atomic(const char *who, const char *path, const void *data, size_t len,
                                   folio_error *err) {
  return write_atomic(who, path, data, len, 1, err);
}

/* ---- locale and comparison --------------------------------------------------- */

folio_status folio_i_c_locale_begin(folio_i_c_locale *l, const char *who, folio_error *err) {
  l->saved = (locale_t)0;
  l->c = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
  if (l->c == (locale_t)0) return folio_error_set(err, FOLIO_ENOMEM, "%s: out of memory", who);
  l->saved = uselocale(l->c);
  return FOLIO_OK;
}

void folio_i_c_locale_end(folio_i_c_locale *l) {
  if (l->c == (locale_t)0) return;
  uselocale(l->saved);
  freelocale(l->c);
  l->c = (locale_t)0;
}

int folio_i_cmp_str(const void *a, const void *b) {
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}
