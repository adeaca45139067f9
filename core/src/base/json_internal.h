/*
 * json_internal.h — folio's use of jansson, in one place: how text is parsed
 * (the flags, the limits, the "<name>:<line>:<column>: <what>" messages),
 * how a tree is written (sorted keys, reals in the shortest form that reads
 * back to the same double), and where each
 * key and value of a parsed text starts, for readers that point at a line
 * (jansson keeps no positions). Not installed, not API: the names carry
 * folio_i_ and are hidden in libfolio; the Lua bindings include it too.
 */
#ifndef FOLIO_JSON_INTERNAL_H
#define FOLIO_JSON_INTERNAL_H

#include <jansson.h>
#include <stddef.h>

#include "folio/json.h"
#include "folio/status.h"

/*
 * Parses text[0..len) (need not be NUL-terminated) into *out (a new
 * reference: json_decref it). Always accepts any value at the top and
 * "\u0000" in strings, and always rejects duplicate keys (JSON_REJECT_DUPLICATES:
 * "<name>:<line>:<column>: duplicate object key near ..."); `flags` adds jansson flags.
 * Refuses what folio_json_check refuses: a syntax error, NaN/Infinity,
 * invalid UTF-8, a number a double cannot hold, nesting deeper than
 * FOLIO_JSON_MAX_DEPTH. An integer too large for 64 bits is read as a real
 * (the double it denotes); every other integer stays an integer. out may be NULL (check
 * only). Messages are "<name>:<line>:<column>: <what>".
 * Errors: FOLIO_EPARSE, FOLIO_EDIM (too deep), FOLIO_EINVAL, FOLIO_ENOMEM.
 */
folio_status folio_i_json_parse(const char *name, const char *text, size_t len, size_t flags,
                                json_t **out, folio_error *err);

/*
 * Writes v as JSON into a new NUL-terminated string (*out, freed with free;
 * *len may be NULL): keys sorted bytewise, each real spelled as
 * folio_json_number spells it, control characters as lower-case \u00xx
 * escapes (the text folio always wrote), any value at the top. `flags`: JSON_COMPACT or JSON_INDENT(n).
 * Messages start with "<who>: ". Errors: FOLIO_ENOMEM, FOLIO_EINVAL.
 */
folio_status folio_i_json_dump(const char *who, const json_t *v, size_t flags, char **out,
                               size_t *len, folio_error *err);

/* The line and column (1-based, in bytes; LF, CRLF and CR end a line) where
 * a key or a value starts. */
typedef struct folio_i_json_pos {
  size_t line, col;
} folio_i_json_pos;

/*
 * Where each key and value of text[0..len) starts, in document order — the
 * order of a pre-order walk of the tree folio_i_json_parse built from the
 * same text with JSON_REJECT_DUPLICATES (an object: itself, then each key
 * followed by its value, in the file's order, which jansson keeps). Only for
 * text jansson accepted. *out is freed with free.
 * Errors: FOLIO_ENOMEM ("<who>: out of memory").
 */
folio_status folio_i_json_positions(const char *who, const char *text, size_t len,
                                    folio_i_json_pos **out, size_t *n, folio_error *err);

/* How many positions (keys and values) the subtree v covers. */
size_t folio_i_json_count(const json_t *v);

#endif
