/*
 * plumbing.h — the file and locale plumbing every layer shares (the core,
 * the Lua bindings and the host): one opener of regular files, one
 * whole-file reader, one atomic writer, one switch to the "C" numeric
 * locale, one string comparator. Not installed, not API: the names carry
 * folio_i_ and are hidden in libfolio.
 */
#ifndef FOLIO_PLUMBING_H
#define FOLIO_PLUMBING_H

#include <locale.h>
#include <stddef.h>
#include <stdio.h>

#include "folio/status.h"

/*
 * Opens the regular file at `path` for reading into *out (a stream for
 * fread, closed by the caller with fclose). Refuses what is not a regular
 * file (a FIFO, a device, a folder) without blocking: the open is
 * non-blocking, the check is on the opened file (fstat), and the stream
 * blocks as usual afterwards. On an error *out is NULL and errno is
 * open(2)'s reason when the path could not be opened, otherwise 0 (for
 * callers that word a missing file their own way).
 * Errors: FOLIO_EINVAL (NULL argument), FOLIO_EIO ("<who>: cannot open
 * <path> (<reason>)", "<who>: <path> is not a regular file"), FOLIO_ENOMEM.
 */
folio_status folio_i_open_regular(const char *who, const char *path, FILE **out, folio_error *err);

/*
 * Reads the whole regular file at `path` into a new NUL-terminated buffer
 * (*text, freed by the caller with free; *len excludes the NUL), opened by
 * folio_i_open_regular (so a FIFO, a device or a folder is refused without
 * blocking). Refuses files larger than max_bytes. Messages start with "<who>: <path>".
 * Errors: FOLIO_EINVAL (NULL argument), FOLIO_EIO (cannot open, not a
 * regular file, read error), FOLIO_EDIM (larger than max_bytes),
 * FOLIO_ENOMEM.
 */
folio_status folio_i_read_file(const char *who, const char *path, size_t max_bytes, char **text,
                               size_t *len, folio_error *err);

/*
 * Reads the rest of the open regular file fd (left open) into a new
 * NUL-terminated buffer (*text, freed by the caller; *len excludes the NUL),
 * refusing more than max_bytes, whether the file says so up front (fstat) or
 * grows while it is read. `name` names the file in messages, which start
 * with "<who>: <name>". folio_i_read_file is this on a path.
 * Errors: FOLIO_EINVAL (fd < 0, NULL output), FOLIO_EIO (not a regular file,
 * read error), FOLIO_EDIM (larger than max_bytes), FOLIO_ENOMEM.
 */
folio_status folio_i_read_fd(const char *who, const char *name, int fd, size_t max_bytes, char **text,
                             size_t *len, folio_error *err);

/* The longest path folio_i_open_beneath takes, NUL excluded: PATH_MAX - 1. */
#define FOLIO_I_MAX_PATH 4096

/*
 * Opens `path` below the working folder the way the policy sandbox reads
 * (docs/sandbox.md, Capabilities): the path must be relative, without a
 * ".." component, and is resolved one component at a time with openat and
 * O_NOFOLLOW, so no component may be a symbolic link, wherever it points.
 * The end must be a regular file with one link (a hard link is another name
 * for a file that may live elsewhere) or, with want_dir, a folder. The open
 * is non-blocking (a FIFO never hangs it) and the kind is checked on the
 * opened file (fstat). *fd receives a blocking, close-on-exec descriptor
 * that the caller closes; -1 on an error.
 * Errors: FOLIO_EINVAL (NULL argument, empty, absolute, a ".." component,
 * FOLIO_I_MAX_PATH bytes or more), FOLIO_EIO ("<who>: <path>: '<component>'
 * is a symbolic link (links are not followed)", "<who>: <path> is a FIFO,
 * not a regular file", "... has 2 hard links ...", "<who>: cannot open
 * <path> (<reason>)"). After an error errno is ENOENT when a component does
 * not exist (found by the walk itself, which follows no link), else 0.
 */
folio_status folio_i_open_beneath(const char *who, const char *path, int want_dir, int *fd,
                                  folio_error *err);

/*
 * Replaces the file at `path` with `len` bytes of `data`, atomically and
 * durably: a temporary file beside it (created with mode 0666 less the
 * process umask, as any new file), every byte written, fsync, rename over
 * `path`, fsync of the folder. A crash, a full disk or a read-only folder at
 * any moment leaves either the old file or the new one, never a mix, and no
 * temporary file behind on an error it could report. Messages start with
 * "<who>: " and name the path and the system's reason.
 * Errors: FOLIO_EINVAL (NULL argument), FOLIO_EIO, FOLIO_ENOMEM.
 */
folio_status folio_i_write_atomic(const char *who, const char *path, const void *data, size_t len,
                                  folio_error *err);

/* As folio_i_write_atomic, but the file is created only if path does not
 * exist (the synced temporary file is hard-linked to path): of several
 * processes creating the same file at once exactly one succeeds, the others
 * get FOLIO_EDUP ("<who>: <path> exists") and path is whole. */
folio_status folio_i_create_atomic(const char *who, const char *path, const void *data, size_t len,
                                   folio_error *err);

/* This thread's numeric locale switched to "C" (strtod, printf) and back:
 * the embedding program may have set a locale with a decimal comma. */
typedef struct folio_i_c_locale {
  locale_t c, saved;
} folio_i_c_locale;

/* Switches this thread to "C" numerics. FOLIO_ENOMEM ("<who>: out of memory")
 * when the locale cannot be created; then nothing is switched. */
folio_status folio_i_c_locale_begin(folio_i_c_locale *l, const char *who, folio_error *err);
/* Restores the thread's previous locale; a no-op after a failed begin. */
void folio_i_c_locale_end(folio_i_c_locale *l);

/* qsort/bsearch comparator for arrays of `const char *` (strcmp order). */
int folio_i_cmp_str(const void *a, const void *b);

#endif
