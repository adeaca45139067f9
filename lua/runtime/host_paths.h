/*
 * host_paths.h — where the files folio ships are found at run time
 * (internal to lua/runtime and lua/cli).
 *
 * An installed folio finds them relative to itself, never through a path
 * compiled in: PREFIX/share/folio/{policies,data} from the folder of the
 * running program (/proc/self/exe: PREFIX/bin/folio) or of the library
 * holding this code (PREFIX/lib/libfolio.so, PREFIX/lib/lua/5.4/folio.so).
 * host_paths.c is compiled twice: the objects that go into installed files
 * know only those relative paths; the build tree's own programs and
 * libraries (never installed) are compiled with FOLIO_POLICY_DIR and
 * FOLIO_EXAMPLE_DATA, the source tree's policies/ and examples/data, and
 * try those first.
 */
#ifndef FOLIO_HOST_PATHS_H
#define FOLIO_HOST_PATHS_H

#include <stddef.h>

typedef enum { FL_SHIPPED_POLICIES, FL_SHIPPED_DATA } fl_shipped;

/* Writes the folder of the shipped policies or sample data into buf;
 * returns 0 when it exists, -1 when none was found (buf then holds the
 * first place looked at, for messages). */
int fl_shipped_dir(fl_shipped what, char *buf, size_t size);

#endif
