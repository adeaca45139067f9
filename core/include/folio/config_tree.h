/*
 * config_tree.h — YAML documents as a generic tree (libyaml underneath): the
 * first layer of the fund files, and of any YAML the core reads.
 *
 * Every mapping, sequence and scalar of the document becomes a
 * folio_config_node with its 1-based line and column, scalars typed by the
 * YAML 1.2 core schema (plain `1.5` is a float, `"1.5"` a string). The typed
 * fund read from such a tree is config.h.
 *
 * Every error message is "name:line:column: what".
 * The reader is hardened against hostile files: aliases are refused (no
 * billion-laughs expansion), nesting is capped at FOLIO_CONFIG_MAX_DEPTH,
 * input at FOLIO_CONFIG_MAX_BYTES, scalars with NUL characters, explicit
 * tags, complex keys, duplicate keys and multiple documents are errors.
 */
#ifndef FOLIO_CONFIG_TREE_H
#define FOLIO_CONFIG_TREE_H

#include <stddef.h>

#include "folio/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Largest input accepted (bytes). */
#define FOLIO_CONFIG_MAX_BYTES ((size_t)16 << 20)
/* Deepest nesting of mappings and sequences accepted (the top mapping is depth 1). */
#define FOLIO_CONFIG_MAX_DEPTH 64

/* ---- the generic tree ------------------------------------------------------ */

typedef enum folio_config_kind {
  FOLIO_CONFIG_SCALAR = 1,
  FOLIO_CONFIG_SEQUENCE = 2,
  FOLIO_CONFIG_MAPPING = 3
} folio_config_kind;

/* How a scalar reads under the YAML 1.2 core schema. Only plain (unquoted)
 * scalars are null, bool, int or float; quoted and block scalars are strings. */
typedef enum folio_config_type {
  FOLIO_CONFIG_NULL = 0,  /* empty, ~, null, Null, NULL */
  FOLIO_CONFIG_BOOL = 1,  /* true/True/TRUE, false/False/FALSE */
  FOLIO_CONFIG_INT = 2,   /* [-+]?[0-9]+ that fits in a long long ('_' between digits allowed) */
  FOLIO_CONFIG_FLOAT = 3, /* decimal or exponent form, or .inf/-.inf/.nan */
  FOLIO_CONFIG_STRING = 4 /* anything else */
} folio_config_type;

typedef struct folio_config_node folio_config_node;

struct folio_config_node {
  folio_config_kind kind;
  size_t line, column; /* 1-based position of the node's first character */
  /* mapping entries: the key of this node within its parent mapping, else NULL */
  const char *key;
  size_t key_line, key_column;
  /* scalars */
  const char *text; /* NUL-terminated, as written (after YAML unescaping); NULL for collections */
  size_t text_len;
  folio_config_type type; /* FOLIO_CONFIG_STRING for collections (unused) */
  int boolean;            /* for FOLIO_CONFIG_BOOL */
  long long integer;      /* for FOLIO_CONFIG_INT */
  double number;          /* for FOLIO_CONFIG_INT and FOLIO_CONFIG_FLOAT */
  /* mappings and sequences: children in document order (a mapping's keys are distinct) */
  size_t n_children;
  folio_config_node *children;
};

/*
 * Parses len bytes of YAML (need not be NUL-terminated) into a tree; `name`
 * stands for the file in messages ("<memory>" when NULL). The document must
 * be one mapping. On success *out is a new tree (free with
 * folio_config_node_free); it is only written on success.
 * Errors: FOLIO_EPARSE (YAML syntax, with libyaml's mark and problem; an
 * alias; an explicit tag; a key that is not a scalar; a NUL character in a
 * scalar; nesting deeper than FOLIO_CONFIG_MAX_DEPTH; a second document; a
 * top level that is not a mapping), FOLIO_EEMPTY (no document), FOLIO_EDUP
 * (a key repeated in one mapping; names both lines), FOLIO_EDIM (more than
 * FOLIO_CONFIG_MAX_BYTES), FOLIO_EINVAL (NULL out, or NULL text with len > 0),
 * FOLIO_ENOMEM.
 */
FOLIO_API folio_status folio_config_parse_tree(const char *text, size_t len, const char *name,
                                               folio_config_node **out, folio_error *err);

/* Reads the file at `path` and parses it as folio_config_parse_tree (messages
 * name the path). Extra errors: FOLIO_EIO (cannot open or read; names the OS
 * reason), FOLIO_EDIM (file larger than FOLIO_CONFIG_MAX_BYTES). */
FOLIO_API folio_status folio_config_load_tree(const char *path, folio_config_node **out,
                                              folio_error *err);

/* Frees a tree returned by folio_config_parse_tree/_load_tree; NULL is a no-op.
 * Never call it on a node inside a tree, nor on a folio_fund_config's nodes. */
FOLIO_API void folio_config_node_free(folio_config_node *root);

/* The value for `key` in a mapping node (borrowed), or NULL when the node is
 * NULL, not a mapping, or has no such key. */
FOLIO_API const folio_config_node *folio_config_get(const folio_config_node *map, const char *key);

/* "a mapping", "a sequence", "a string", "a number", "a boolean", "null": the
 * node's kind or type as messages name it. Static storage. */
FOLIO_API const char *folio_config_describe(const folio_config_node *node);

#ifdef __cplusplus
}
#endif
#endif
