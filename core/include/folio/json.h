/*
 * json.h — the strict JSON the event store keeps (payloads written by the Lua
 * layer: composites, allocations, orders, decisions, positions, state).
 *
 * Parsing and writing are jansson's; this header keeps the two checks the
 * store and its callers need. The store never holds text it could not read
 * back: every payload is checked against RFC 8259 before it is written, with
 * folio's extra limits — nesting at most FOLIO_JSON_MAX_DEPTH deep, no
 * NaN/Infinity literals (JSON has none; some encoders emit them), valid UTF-8,
 * numbers a double can hold ("1e999" is "real number overflow" at its line
 * and column), no duplicate key in an object ("duplicate object key", with
 * line and column: RFC 8259 leaves the meaning open, and "last wins" would
 * let a second "price" silently replace the first). Integers beyond int64
 * are read as the double they denote; integers up to int64 stay exact
 * (beyond 2^53 a double would round them). A real that underflows reads as
 * the nearest double (0 or a denormal): the numeric domains (numbers.h)
 * then decide whether it is acceptable where it is used. Numbers are written in the shortest of 15, 16 or
 * 17 significant digits that reads back to the same double.
 */
#ifndef FOLIO_JSON_H
#define FOLIO_JSON_H

#include <stddef.h>

#include "folio/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Deepest nesting of arrays/objects accepted (the outermost value is depth 1). */
#define FOLIO_JSON_MAX_DEPTH 32

/* Buffer size enough for any number folio_json_number writes (with the NUL). */
#define FOLIO_JSON_NUMBER_MAX 32

/* Checks that text[0..len) is one JSON value (surrounding whitespace allowed)
 * within the limits above. Borrows text (need not be NUL-terminated).
 * Errors: FOLIO_EPARSE "json:<line>:<column>: <what>" (jansson's account of
 * what was expected), FOLIO_EDIM (nesting deeper than FOLIO_JSON_MAX_DEPTH),
 * FOLIO_EINVAL (NULL), FOLIO_ENOMEM. */
FOLIO_API folio_status folio_json_check(const char *text, size_t len, folio_error *err);

/* Writes x into buf (at least FOLIO_JSON_NUMBER_MAX bytes) as printf's "%.Ng"
 * with the fewest N of 15/16/17 that strtod reads back bit-for-bit, in the
 * "C" locale; a value that prints as an integer gets ".0" so readers keep it
 * a float (-0.0 stays "-0.0"); exponents as printf writes them ("1e+300",
 * "1e-05"). The spelling never changes between releases: the store's digests
 * are taken over this text.
 * Errors: FOLIO_ENOTFINITE (NaN or Inf: JSON cannot carry them), FOLIO_EINVAL (NULL). */
FOLIO_API folio_status folio_json_number(double x, char *buf, folio_error *err);

#ifdef __cplusplus
}
#endif
#endif
