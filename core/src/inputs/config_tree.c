/*
 * config_tree.c — YAML text to a generic tree (libyaml's event parser), the
 * first layer of the fund files (see config_tree.h; the fund schema on top
 * is config.c).
 *
 * The tree is built iteratively from libyaml's events with an explicit stack
 * bounded by FOLIO_CONFIG_MAX_DEPTH, so a hostile file cannot exhaust the C
 * stack; the only recursion (freeing) is bounded by the same depth. Aliases
 * are refused outright rather than expanded, which rules out "billion
 * laughs" documents. Scalars are typed once, while the tree is built, under
 * the "C" numeric locale (the embedding program may use a decimal comma).
 * Every message names the file, the node's line and column.
 */
#include <limits.h>
#include <locale.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "config_internal.h"
#include "folio/config_tree.h"
#include "internal.h"
#include "plumbing.h"
#include "text_input.h"

const char *folio_config_describe(const folio_config_node *node) {
  if (!node) return "nothing";
  if (node->kind == FOLIO_CONFIG_MAPPING) return "a mapping";
  if (node->kind == FOLIO_CONFIG_SEQUENCE) return "a sequence";
  switch (node->type) {
    case FOLIO_CONFIG_NULL: return "null";
    case FOLIO_CONFIG_BOOL: return "a boolean";
    case FOLIO_CONFIG_INT:
    case FOLIO_CONFIG_FLOAT: return "a number";
    default: return "a string";
  }
}

/* ---- scalar typing (YAML 1.2 core schema) ------------------------------------ */

int folio_i_config_one_of(const char *s, const char *const *words) {
  for (size_t i = 0; words[i]; i++)
    if (strcmp(s, words[i]) == 0) return 1;
  return 0;
}

/* Copies s without the '_' digit separators into buf (size > n); returns 0
 * when an underscore is not between two digits. */
static int strip_underscores(const char *s, size_t n, char *buf) {
  size_t k = 0;
  for (size_t i = 0; i < n; i++) {
    if (s[i] == '_') {
      if (i == 0 || i + 1 == n || !is_digit(s[i - 1]) || !is_digit(s[i + 1])) return 0;
      continue;
    }
    buf[k++] = s[i];
  }
  buf[k] = '\0';
  return 1;
}

/* [-+]?[0-9]+ */
static int is_int_syntax(const char *s) {
  if (*s == '-' || *s == '+') s++;
  if (!*s) return 0;
  for (; *s; s++)
    if (!is_digit(*s)) return 0;
  return 1;
}

/* [-+]? ( \.[0-9]+ | [0-9]+ (\.[0-9]*)? ) ([eE][-+]?[0-9]+)? */
static int is_float_syntax(const char *s) {
  size_t mant = 0;
  if (*s == '-' || *s == '+') s++;
  while (is_digit(*s)) s++, mant++;
  if (*s == '.') {
    s++;
    while (is_digit(*s)) s++, mant++;
  }
  if (!mant) return 0;
  if (*s == 'e' || *s == 'E') {
    s++;
    if (*s == '-' || *s == '+') s++;
    if (!is_digit(*s)) return 0;
    while (is_digit(*s)) s++;
  }
  return *s == '\0';
}

/* Sets node->type (and its value) from the text of a plain scalar. The
 * caller has set LC_NUMERIC to "C" for strtod. */
static void type_plain_scalar(folio_config_node *node) {
  static const char *const nulls[] = {"", "~", "null", "Null", "NULL", NULL};
  static const char *const trues[] = {"true", "True", "TRUE", NULL};
  static const char *const falses[] = {"false", "False", "FALSE", NULL};
  static const char *const infs[] = {".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF", NULL};
  static const char *const ninfs[] = {"-.inf", "-.Inf", "-.INF", NULL};
  static const char *const nans[] = {".nan", ".NaN", ".NAN", NULL};
  const char *s = node->text;
  node->type = FOLIO_CONFIG_STRING;
  if (folio_i_config_one_of(s, nulls)) {
    node->type = FOLIO_CONFIG_NULL;
    return;
  }
  if (folio_i_config_one_of(s, trues) || folio_i_config_one_of(s, falses)) {
    node->type = FOLIO_CONFIG_BOOL;
    node->boolean = folio_i_config_one_of(s, trues);
    return;
  }
  if (folio_i_config_one_of(s, infs) || folio_i_config_one_of(s, ninfs) ||
      folio_i_config_one_of(s, nans)) {
    node->type = FOLIO_CONFIG_FLOAT;
    node->number = folio_i_config_one_of(s, nans)   ? NAN
                   : folio_i_config_one_of(s, infs) ? INFINITY
                                                    : -INFINITY;
    return;
  }
  if (node->text_len > NUMBER_MAX_LEN) return;
  char buf[NUMBER_MAX_LEN + 1];
  if (!strip_underscores(s, node->text_len, buf)) return;
  if (is_int_syntax(buf)) {
    const char *p = buf;
    int neg = *p == '-';
    if (*p == '-' || *p == '+') p++;
    unsigned long long mag = 0;
    int overflow = 0;
    for (; *p; p++) {
      unsigned d = (unsigned)(*p - '0');
      if (mag > (ULLONG_MAX - d) / 10) {
        overflow = 1;
        break;
      }
      mag = mag * 10 + d;
    }
    if (!overflow &&
        (neg ? mag <= (unsigned long long)LLONG_MAX + 1 : mag <= (unsigned long long)LLONG_MAX)) {
      node->type = FOLIO_CONFIG_INT;
      node->integer = neg ? (mag == (unsigned long long)LLONG_MAX + 1 ? LLONG_MIN : -(long long)mag)
                          : (long long)mag;
      node->number = (double)node->integer;
      return;
    }
    node->type = FOLIO_CONFIG_FLOAT; /* too large for an integer: keep the nearest double */
    node->number = strtod(buf, NULL);
    return;
  }
  if (is_float_syntax(buf)) {
    node->type = FOLIO_CONFIG_FLOAT;
    node->number = strtod(buf, NULL); /* out of range gives ±HUGE_VAL: rejected as not finite */
  }
}

/* ---- the tree ---------------------------------------------------------------- */

static void node_release(folio_config_node *node) {
  for (size_t i = 0; i < node->n_children; i++) node_release(&node->children[i]);
  free(node->children);
  free((char *)node->text);
  free((char *)node->key);
}

void folio_config_node_free(folio_config_node *root) {
  if (!root) return;
  node_release(root);
  free(root);
}

const folio_config_node *folio_config_get(const folio_config_node *map, const char *key) {
  if (!map || !key || map->kind != FOLIO_CONFIG_MAPPING) return NULL;
  for (size_t i = 0; i < map->n_children; i++)
    if (strcmp(map->children[i].key, key) == 0) return &map->children[i];
  return NULL;
}

int folio_i_config_find_duplicate(const char *const *strings, size_t stride, size_t n,
                                  size_t *first, size_t *second) {
  if (n < 2) return 0;
  folio_i_sym *items = malloc(n * sizeof *items);
  if (!items) return -1;
  for (size_t i = 0; i < n; i++) {
    items[i].s = *(const char *const *)((const char *)strings + i * stride);
    items[i].i = i;
  }
  qsort(items, n, sizeof *items, folio_i_cmp_sym);
  int found = 0;
  size_t run = 0; /* start of the current run of equal strings (sorted by index) */
  for (size_t i = 1; i < n; i++) {
    if (strcmp(items[run].s, items[i].s) != 0) {
      run = i;
      continue;
    }
    if (i == run + 1 && (!found || items[i].i < *second)) {
      *first = items[run].i;
      *second = items[i].i;
      found = 1;
    }
  }
  free(items);
  return found;
}

/* One level of the tree under construction. */
typedef struct frame {
  folio_config_node *node;
  size_t cap;        /* allocated children */
  char *pending_key; /* a mapping's key waiting for its value */
  size_t key_line, key_column;
} frame;

typedef struct builder {
  const char *name;
  folio_error *err;
  folio_config_node *root;
  frame stack[FOLIO_CONFIG_MAX_DEPTH];
  size_t depth; /* frames in use */
  int documents;
} builder;

/* Writes the path of the collection at stack level `level` (0 = top) into buf:
 * "fund", "sleeves[2]", "sleeves[2].params"; "" for the top mapping. */
static void stack_path(const builder *b, size_t level, char *buf, size_t size) {
  size_t used = 0;
  buf[0] = '\0';
  for (size_t d = 1; d <= level && used < size; d++) {
    const folio_config_node *parent = b->stack[d - 1].node, *child = b->stack[d].node;
    int n;
    if (parent->kind == FOLIO_CONFIG_MAPPING)
      n = snprintf(buf + used, size - used, "%s%s", used ? "." : "", child->key);
    else
      n = snprintf(buf + used, size - used, "[%zu]", (size_t)(child - parent->children) + 1);
    if (n < 0) break;
    used += (size_t)n;
  }
}

static folio_status build_oom(builder *b) {
  return folio_error_set(b->err, FOLIO_ENOMEM, "%s: out of memory", b->name);
}

/* Appends a node to the collection on top of the stack (or makes it the root)
 * and returns it, zeroed, with its key and position set. */
static folio_config_node *add_node(builder *b, folio_config_kind kind, const yaml_mark_t *mark) {
  folio_config_node *node;
  if (b->depth == 0) {
    node = calloc(1, sizeof *node);
    if (!node) return NULL;
    b->root = node;
  } else {
    frame *top = &b->stack[b->depth - 1];
    folio_config_node *parent = top->node;
    if (parent->n_children == top->cap) {
      size_t cap = top->cap ? top->cap * 2 : 4;
      folio_config_node *grown = realloc(parent->children, cap * sizeof *grown);
      if (!grown) return NULL;
      parent->children = grown;
      top->cap = cap;
    }
    node = &parent->children[parent->n_children++];
    memset(node, 0, sizeof *node);
    if (parent->kind == FOLIO_CONFIG_MAPPING) {
      node->key = top->pending_key;
      node->key_line = top->key_line;
      node->key_column = top->key_column;
      top->pending_key = NULL;
    }
  }
  node->kind = kind;
  node->type = FOLIO_CONFIG_STRING;
  node->line = mark->line + 1;
  node->column = mark->column + 1;
  return node;
}

/* The collection on top of the stack is complete: check a mapping's keys. */
static folio_status close_collection(builder *b) {
  frame *top = &b->stack[b->depth - 1];
  folio_config_node *node = top->node;
  if (node->kind == FOLIO_CONFIG_MAPPING && node->n_children > 1) {
    size_t first = 0, second = 0;
    int dup =
        folio_i_config_find_duplicate((const char *const *)&node->children[0].key,
                                      sizeof node->children[0], node->n_children, &first, &second);
    if (dup < 0) return build_oom(b);
    if (dup) {
      char path[PATH_MAX_LEN];
      stack_path(b, b->depth - 1, path, sizeof path);
      const folio_config_node *c = &node->children[second];
      return fail_at(b->err, FOLIO_EDUP, b->name, c->key_line, c->key_column,
                     "duplicate key '" EXCERPT "' %s%s (first at line %zu)", c->key,
                     path[0] ? "in " : "at top level", path, node->children[first].key_line);
    }
  }
  /* shrink to fit: the tree lives as long as the fund */
  if (node->n_children && node->n_children < top->cap) {
    folio_config_node *fit = realloc(node->children, node->n_children * sizeof *fit);
    if (fit) node->children = fit;
  }
  b->depth--;
  return FOLIO_OK;
}

static folio_status yaml_failure(builder *b, const yaml_parser_t *p, const char *text, size_t len) {
  if (p->error == YAML_MEMORY_ERROR) return build_oom(b);
  const char *problem = p->problem ? p->problem : "malformed YAML";
  if (p->error == YAML_READER_ERROR) {
    /* the reader keeps no mark: count lines up to the offending byte */
    size_t line = 1, column = 1, end = p->problem_offset < len ? p->problem_offset : len;
    for (size_t i = 0; i < end; i++) {
      if (text[i] == '\n')
        line++, column = 1;
      else
        column++;
    }
    return fail_at(b->err, FOLIO_EPARSE, b->name, line, column,
                   "invalid input: %s (byte offset %zu)", problem, p->problem_offset);
  }
  size_t at = p->problem_mark.index;
  const char *hint = at < len && text[at] == '\t' ? " (indent with spaces, not tabs)" : "";
  if (p->context)
    return fail_at(b->err, FOLIO_EPARSE, b->name, p->problem_mark.line + 1,
                   p->problem_mark.column + 1, "YAML syntax error: %s %s (line %zu)%s", problem,
                   p->context, p->context_mark.line + 1, hint);
  return fail_at(b->err, FOLIO_EPARSE, b->name, p->problem_mark.line + 1,
                 p->problem_mark.column + 1, "YAML syntax error: %s%s", problem, hint);
}

/* Handles one event; sets *done at the end of the stream. */
static folio_status on_event(builder *b, const yaml_event_t *ev, int *done) {
  const yaml_mark_t *mark = &ev->start_mark;
  const yaml_char_t *tag = NULL;
  switch (ev->type) {
    case YAML_STREAM_START_EVENT:
    case YAML_NO_EVENT: return FOLIO_OK;
    case YAML_STREAM_END_EVENT: *done = 1; return FOLIO_OK;
    case YAML_DOCUMENT_START_EVENT:
      if (b->documents++)
        return fail_at(b->err, FOLIO_EPARSE, b->name, mark->line + 1, mark->column + 1,
                       "a second YAML document (a fund file holds one document)");
      return FOLIO_OK;
    case YAML_DOCUMENT_END_EVENT: return FOLIO_OK;
    case YAML_ALIAS_EVENT:
      return fail_at(b->err, FOLIO_EPARSE, b->name, mark->line + 1, mark->column + 1,
                     "alias '*" EXCERPT
                     "' is not allowed (aliases are refused; write the value out)",
                     (const char *)ev->data.alias.anchor);
    case YAML_MAPPING_START_EVENT:
    case YAML_SEQUENCE_START_EVENT:
      tag = ev->type == YAML_MAPPING_START_EVENT ? ev->data.mapping_start.tag
                                                 : ev->data.sequence_start.tag;
      break;
    case YAML_SCALAR_EVENT: tag = ev->data.scalar.tag; break;
    case YAML_MAPPING_END_EVENT:
    case YAML_SEQUENCE_END_EVENT: return close_collection(b);
  }
  if (tag)
    return fail_at(b->err, FOLIO_EPARSE, b->name, mark->line + 1, mark->column + 1,
                   "explicit tag '" EXCERPT "' is not allowed", (const char *)tag);
  frame *top = b->depth ? &b->stack[b->depth - 1] : NULL;
  int want_key = top && top->node->kind == FOLIO_CONFIG_MAPPING && !top->pending_key;
  if (ev->type == YAML_SCALAR_EVENT) {
    const char *value = (const char *)ev->data.scalar.value;
    size_t len = ev->data.scalar.length;
    if (memchr(value, '\0', len))
      return fail_at(b->err, FOLIO_EPARSE, b->name, mark->line + 1, mark->column + 1,
                     "a NUL character inside a scalar is not allowed");
    char *text = malloc(len + 1);
    if (!text) return build_oom(b);
    memcpy(text, value, len);
    text[len] = '\0';
    if (want_key) {
      top->pending_key = text;
      top->key_line = mark->line + 1;
      top->key_column = mark->column + 1;
      return FOLIO_OK;
    }
    folio_config_node *node = add_node(b, FOLIO_CONFIG_SCALAR, mark);
    if (!node) {
      free(text);
      return build_oom(b);
    }
    node->text = text;
    node->text_len = len;
    if (ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE) type_plain_scalar(node);
    if (b->depth == 0)
      return fail_at(b->err, FOLIO_EPARSE, b->name, node->line, node->column,
                     "the top level must be a mapping (fund:, sessions:, sleeves:, ...), got %s",
                     folio_config_describe(node));
    return FOLIO_OK;
  }
  /* a mapping or a sequence starts */
  if (want_key)
    return fail_at(b->err, FOLIO_EPARSE, b->name, mark->line + 1, mark->column + 1,
                   "a key must be a scalar, not %s",
                   ev->type == YAML_MAPPING_START_EVENT ? "a mapping" : "a sequence");
  if (b->depth == FOLIO_CONFIG_MAX_DEPTH)
    return fail_at(b->err, FOLIO_EPARSE, b->name, mark->line + 1, mark->column + 1,
                   "nesting deeper than %d levels", FOLIO_CONFIG_MAX_DEPTH);
  folio_config_kind kind =
      ev->type == YAML_MAPPING_START_EVENT ? FOLIO_CONFIG_MAPPING : FOLIO_CONFIG_SEQUENCE;
  folio_config_node *node = add_node(b, kind, mark);
  if (!node) return build_oom(b);
  if (b->depth == 0 && kind != FOLIO_CONFIG_MAPPING)
    return fail_at(
        b->err, FOLIO_EPARSE, b->name, node->line, node->column,
        "the top level must be a mapping (fund:, sessions:, sleeves:, ...), got a sequence");
  frame *f = &b->stack[b->depth++];
  memset(f, 0, sizeof *f);
  f->node = node;
  return FOLIO_OK;
}

folio_status folio_config_parse_tree(const char *text, size_t len, const char *name,
                                     folio_config_node **out, folio_error *err) {
  folio_status st = folio_i_text_input(text, len, &name, out, FOLIO_CONFIG_MAX_BYTES, err);
  if (st != FOLIO_OK) return st;
  yaml_parser_t parser;
  if (!yaml_parser_initialize(&parser))
    return folio_error_set(err, FOLIO_ENOMEM, "%s: out of memory", name);
  yaml_parser_set_input_string(&parser, (const unsigned char *)(text ? text : ""), len);
  /* strtod follows LC_NUMERIC: parse numbers in "C" for the duration */
  folio_i_c_locale c_locale;
  st = folio_i_c_locale_begin(&c_locale, name, err);
  if (st != FOLIO_OK) {
    yaml_parser_delete(&parser);
    return st;
  }
  builder b;
  memset(&b, 0, sizeof b);
  b.name = name;
  b.err = err;
  for (int done = 0; !done && st == FOLIO_OK;) {
    yaml_event_t ev;
    if (!yaml_parser_parse(&parser, &ev)) {
      st = yaml_failure(&b, &parser, text, len);
      break;
    }
    st = on_event(&b, &ev, &done);
    yaml_event_delete(&ev);
  }
  folio_i_c_locale_end(&c_locale);
  yaml_parser_delete(&parser);
  if (st == FOLIO_OK && !b.root)
    st = fail_at(err, FOLIO_EEMPTY, name, 1, 1,
                 "empty file (expected a mapping with fund:, sessions: and sleeves:)");
  if (st != FOLIO_OK) {
    for (size_t d = 0; d < b.depth; d++) free(b.stack[d].pending_key);
    folio_config_node_free(b.root);
    return st;
  }
  *out = b.root;
  return FOLIO_OK;
}

folio_status folio_i_config_read(const char *path, const void *out, char **text, size_t *len,
                                 folio_error *err) {
  folio_error_clear(err);
  if (!path) return folio_error_set(err, FOLIO_EINVAL, "config: path is NULL");
  if (!out) return folio_error_set(err, FOLIO_EINVAL, "%s: out is NULL", path);
  folio_status st = folio_i_read_file(path, path, FOLIO_CONFIG_MAX_BYTES, text, len, err);
  if (st == FOLIO_EDIM) /* the tree's own wording: name:line:column */
    return folio_error_set(err, FOLIO_EDIM, "%s:1:1: file larger than %zu bytes", path,
                           (size_t)FOLIO_CONFIG_MAX_BYTES);
  return st;
}

folio_status folio_config_load_tree(const char *path, folio_config_node **out, folio_error *err) {
  char *text = NULL;
  size_t len = 0;
  folio_status st = folio_i_config_read(path, out, &text, &len, err);
  if (st != FOLIO_OK) return st;
  st = folio_config_parse_tree(text, len, path, out, err);
  free(text);
  return st;
}
