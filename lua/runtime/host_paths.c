/*
 * host_paths.c — where the shipped policies and sample data are
 * (host_paths.h). Compiled twice (CMakeLists.txt): with FOLIO_POLICY_DIR and
 * FOLIO_EXAMPLE_DATA for the build tree's programs, without them for every
 * installed file, which then carries only paths relative to itself.
 */
#define _GNU_SOURCE /* dladdr, realpath */
#include "host_paths.h"

#include <dlfcn.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* PREFIX/share/folio seen from PREFIX/bin, from PREFIX/lib and from the Lua
 * module's PREFIX/lib/lua/5.4 (relative paths, set by CMakeLists.txt from
 * the install layout). */
#ifndef FOLIO_SHARE_FROM_BIN
#define FOLIO_SHARE_FROM_BIN "../share/folio"
#endif
#ifndef FOLIO_SHARE_FROM_LIB
#define FOLIO_SHARE_FROM_LIB "../share/folio"
#endif
#ifndef FOLIO_SHARE_FROM_LUA_LIB
#define FOLIO_SHARE_FROM_LUA_LIB "../../../share/folio"
#endif

static int is_dir(const char *path) {
  struct stat sb;
  return stat(path, &sb) == 0 && S_ISDIR(sb.st_mode);
}

/* Copies the folder part of file (up to its last '/') into out. */
static int folder_of(const char *file, char *out, size_t size) {
  const char *slash = strrchr(file, '/');
  if (!slash) return -1;
  int n = snprintf(out, size, "%.*s", (int)(slash - file), file);
  return n < 0 || (size_t)n >= size ? -1 : 0;
}

/* Tries FOLDER/REL/LEAF: on success writes its real path into buf. The
 * first candidate tried is kept in buf for the message when none exists. */
static int try_dir(const char *folder, const char *rel, const char *leaf, char *buf, size_t size, int *tried) {
  char cand[PATH_MAX];
  int n = snprintf(cand, sizeof cand, "%s/%s/%s", folder, rel, leaf);
  if (n < 0 || (size_t)n >= sizeof cand) return -1;
  if (!*tried) {
    snprintf(buf, size, "%s", cand);
    *tried = 1;
  }
  if (!is_dir(cand)) return -1;
  char real[PATH_MAX];
  const char *found = realpath(cand, real) ? real : cand;
  n = snprintf(buf, size, "%s", found);
  return n < 0 || (size_t)n >= size ? -1 : 0;
}

int fl_shipped_dir(fl_shipped what, char *buf, size_t size) {
  if (!buf || !size) return -1;
  buf[0] = '\0';
  const char *leaf = what == FL_SHIPPED_POLICIES ? "policies" : "data";
  int tried = 0;
#if defined(FOLIO_POLICY_DIR) && defined(FOLIO_EXAMPLE_DATA)
  /* a build tree's program: the source tree's folders */
  const char *src = what == FL_SHIPPED_POLICIES ? FOLIO_POLICY_DIR : FOLIO_EXAMPLE_DATA;
  snprintf(buf, size, "%s", src);
  tried = 1;
  if (is_dir(src) && strlen(src) < size) return 0;
#endif
  char folder[PATH_MAX];
  /* the running program: PREFIX/bin/folio */
  char exe[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
  if (n > 0) {
    exe[n] = '\0';
    if (folder_of(exe, folder, sizeof folder) == 0 &&
        try_dir(folder, FOLIO_SHARE_FROM_BIN, leaf, buf, size, &tried) == 0)
      return 0;
  }
  /* the library holding this code: PREFIX/lib/libfolio.so or the Lua module */
  Dl_info info;
  char real[PATH_MAX];
  if (dladdr((void *)&fl_shipped_dir, &info) && info.dli_fname && realpath(info.dli_fname, real) &&
      folder_of(real, folder, sizeof folder) == 0 &&
      (try_dir(folder, FOLIO_SHARE_FROM_LIB, leaf, buf, size, &tried) == 0 ||
       try_dir(folder, FOLIO_SHARE_FROM_LUA_LIB, leaf, buf, size, &tried) == 0))
    return 0;
  return -1;
}
