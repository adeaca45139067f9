/*
 * names.h — lookup of a name in a fixed table of names (internal). Every
 * enum with a text form (overlays, Black-Litterman omega, linkage methods,
 * repair methods, sessions, asset classes) parses its name the same way;
 * the search is written here once, and each parser keeps its own message.
 */
#ifndef FOLIO_NAMES_H
#define FOLIO_NAMES_H

#include <string.h>

/* Index of name in names[0 .. count-1] (by strcmp), or -1 when name is NULL
 * or not in the table. */
static inline int folio_i_name_index(const char *const *names, int count, const char *name) {
  if (name)
    for (int i = 0; i < count; i++)
      if (strcmp(name, names[i]) == 0) return i;
  return -1;
}

#endif
