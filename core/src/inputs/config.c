/*
 * config.c — fund configuration files: YAML text to a generic tree (libyaml's
 * event parser), then the tree to a validated folio_fund_config (see config.h
 * and docs/config.md).
 *
 * The tree is built iteratively from libyaml's events with an explicit stack
 * bounded by FOLIO_CONFIG_MAX_DEPTH, so a hostile file cannot exhaust the C
 * stack; the only recursion (freeing, walking params) is bounded by the same
 * depth. Aliases are refused outright rather than expanded, which rules out
 * "billion laughs" documents. Scalars are typed once, while the tree is built,
 * under the "C" numeric locale (the embedding program may use a decimal
 * comma). Validation reads the tree and never modifies it; every message
 * names the file, the node's line and column, and the path of the key.
 */
#include <errno.h>
#include <limits.h>
#include <locale.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <yaml.h>

#include "folio/config.h"
#include "folio/panel.h"
#include "internal.h"

/* Longest path quoted in a message ("sleeves[12].universe[3]"). */
#define PATH_MAX_LEN 192
/* Longest excerpt of a scalar quoted in a message. */
#define EXCERPT "%.60s"
/* Numbers longer than this are not numbers (they are strings). */
#define NUMBER_MAX_LEN 400

/* ---- messages ----------------------------------------------------------------- */

#if defined(__GNUC__)
__attribute__((format(printf, 6, 7)))
#endif
static folio_status
fail_at(folio_error *err, folio_status st, const char *name, size_t line, size_t column,
        const char *fmt, ...) {
  if (!err) return st;
  char what[FOLIO_ERROR_MAX];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(what, sizeof what, fmt, ap);
  va_end(ap);
  return folio_error_set(err, st, "%s:%zu:%zu: %s", name, line, column, what);
}

/* snprintf for paths: a path longer than the buffer is cut short on purpose
 * (vsnprintf keeps the compiler's truncation warnings for real bugs elsewhere). */
#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static void
put(char *buf, size_t size, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, size, fmt, ap);
  va_end(ap);
}

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

static int is_digit(char c) { return c >= '0' && c <= '9'; }

static int one_of(const char *s, const char *const *words) {
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
  if (one_of(s, nulls)) {
    node->type = FOLIO_CONFIG_NULL;
    return;
  }
  if (one_of(s, trues) || one_of(s, falses)) {
    node->type = FOLIO_CONFIG_BOOL;
    node->boolean = one_of(s, trues);
    return;
  }
  if (one_of(s, infs) || one_of(s, ninfs) || one_of(s, nans)) {
    node->type = FOLIO_CONFIG_FLOAT;
    node->number = one_of(s, nans) ? NAN : one_of(s, infs) ? INFINITY : -INFINITY;
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

/* Among n strings, the duplicate pair whose second occurrence comes first in
 * the array: returns 1 and sets *first and *second (indices), or 0 when all
 * are distinct; -1 when out of memory. O(n log n). */
typedef struct dup_item {
  const char *s;
  size_t index;
} dup_item;

static int cmp_dup_item(const void *a, const void *b) {
  const dup_item *x = a, *y = b;
  int c = strcmp(x->s, y->s);
  if (c) return c;
  return x->index < y->index ? -1 : x->index > y->index;
}

static int find_duplicate(const char *const *strings, size_t stride, size_t n, size_t *first,
                          size_t *second) {
  if (n < 2) return 0;
  dup_item *items = malloc(n * sizeof *items);
  if (!items) return -1;
  for (size_t i = 0; i < n; i++) {
    items[i].s = *(const char *const *)((const char *)strings + i * stride);
    items[i].index = i;
  }
  qsort(items, n, sizeof *items, cmp_dup_item);
  int found = 0;
  size_t run = 0; /* start of the current run of equal strings (sorted by index) */
  for (size_t i = 1; i < n; i++) {
    if (strcmp(items[run].s, items[i].s) != 0) {
      run = i;
      continue;
    }
    if (i == run + 1 && (!found || items[i].index < *second)) {
      *first = items[run].index;
      *second = items[i].index;
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
    int dup = find_duplicate((const char *const *)&node->children[0].key, sizeof node->children[0],
                             node->n_children, &first, &second);
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
  folio_error_clear(err);
  if (!name) name = "<memory>";
  if (!out) return folio_error_set(err, FOLIO_EINVAL, "%s: out is NULL", name);
  if (!text && len) return folio_error_set(err, FOLIO_EINVAL, "%s: text is NULL", name);
  if (len > FOLIO_CONFIG_MAX_BYTES)
    return folio_error_set(err, FOLIO_EDIM, "%s:1:1: input larger than %zu bytes", name,
                           (size_t)FOLIO_CONFIG_MAX_BYTES);
  /* strtod follows LC_NUMERIC: parse numbers in "C" for the duration */
  locale_t c_locale = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
  if (c_locale == (locale_t)0) return folio_error_set(err, FOLIO_ENOMEM, "%s: out of memory", name);
  yaml_parser_t parser;
  if (!yaml_parser_initialize(&parser)) {
    freelocale(c_locale);
    return folio_error_set(err, FOLIO_ENOMEM, "%s: out of memory", name);
  }
  yaml_parser_set_input_string(&parser, (const unsigned char *)(text ? text : ""), len);
  locale_t saved = uselocale(c_locale);
  builder b;
  memset(&b, 0, sizeof b);
  b.name = name;
  b.err = err;
  folio_status st = FOLIO_OK;
  for (int done = 0; !done && st == FOLIO_OK;) {
    yaml_event_t ev;
    if (!yaml_parser_parse(&parser, &ev)) {
      st = yaml_failure(&b, &parser, text, len);
      break;
    }
    st = on_event(&b, &ev, &done);
    yaml_event_delete(&ev);
  }
  uselocale(saved);
  freelocale(c_locale);
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

/* Reads a whole file (at most FOLIO_CONFIG_MAX_BYTES) into a new buffer. */
static folio_status read_file(const char *path, char **text, size_t *len, folio_error *err) {
  FILE *f = fopen(path, "rb");
  if (!f) return folio_error_set(err, FOLIO_EIO, "%s: cannot open: %s", path, strerror(errno));
  struct stat sb;
  if (fstat(fileno(f), &sb) == 0 && S_ISDIR(sb.st_mode)) {
    fclose(f);
    return folio_error_set(err, FOLIO_EIO, "%s: cannot read: is a directory", path);
  }
  size_t cap = 1 << 14, n = 0;
  char *buf = malloc(cap);
  if (!buf) {
    fclose(f);
    return folio_error_set(err, FOLIO_ENOMEM, "%s: out of memory", path);
  }
  for (;;) {
    if (n == cap) {
      if (cap > FOLIO_CONFIG_MAX_BYTES) {
        free(buf);
        fclose(f);
        return folio_error_set(err, FOLIO_EDIM, "%s:1:1: file larger than %zu bytes", path,
                               (size_t)FOLIO_CONFIG_MAX_BYTES);
      }
      char *grown = realloc(buf, cap * 2);
      if (!grown) {
        free(buf);
        fclose(f);
        return folio_error_set(err, FOLIO_ENOMEM, "%s: out of memory", path);
      }
      buf = grown;
      cap *= 2;
    }
    size_t got = fread(buf + n, 1, cap - n, f);
    n += got;
    if (got == 0) break;
  }
  int bad = ferror(f);
  int saved_errno = errno;
  fclose(f);
  if (bad) {
    free(buf);
    return folio_error_set(err, FOLIO_EIO, "%s: cannot read: %s", path, strerror(saved_errno));
  }
  if (n > FOLIO_CONFIG_MAX_BYTES) {
    free(buf);
    return folio_error_set(err, FOLIO_EDIM, "%s:1:1: file larger than %zu bytes", path,
                           (size_t)FOLIO_CONFIG_MAX_BYTES);
  }
  *text = buf;
  *len = n;
  return FOLIO_OK;
}

folio_status folio_config_load_tree(const char *path, folio_config_node **out, folio_error *err) {
  folio_error_clear(err);
  if (!path) return folio_error_set(err, FOLIO_EINVAL, "config: path is NULL");
  if (!out) return folio_error_set(err, FOLIO_EINVAL, "%s: out is NULL", path);
  char *text = NULL;
  size_t len = 0;
  folio_status st = read_file(path, &text, &len, err);
  if (st != FOLIO_OK) return st;
  st = folio_config_parse_tree(text, len, path, out, err);
  free(text);
  return st;
}

/* ---- validation ---------------------------------------------------------------- */

static const char *const session_names[FOLIO_CONFIG_N_SESSIONS] = {"RTH", "pre", "post", "IBEOS",
                                                                   "24h"};
static const char *const asset_classes[] = {"equities", "crypto", "fx", "futures", NULL};
static const char *const rebalance_freqs[] = {"daily", "weekly", "monthly", "quarterly", NULL};

const char *folio_config_session_name(size_t index) {
  return index < FOLIO_CONFIG_N_SESSIONS ? session_names[index] : NULL;
}

folio_limits_config folio_limits_config_defaults(void) {
  folio_limits_config l;
  l.fraction_of_adv = 0.01;
  l.adv_lookback_days = 21;
  l.max_position_weight = 0.20;
  l.max_gross = 2.0;
  return l;
}

typedef struct checker {
  const char *name;
  folio_error *err;
  const char *const *known_sizers;
} checker;

/* Joins a NULL-terminated list as "a, b, c" into buf. */
static const char *join(const char *const *words, char *buf, size_t size) {
  size_t used = 0;
  buf[0] = '\0';
  for (size_t i = 0; words[i] && used < size; i++) {
    int n = snprintf(buf + used, size - used, "%s%s", i ? ", " : "", words[i]);
    if (n < 0) break;
    used += (size_t)n;
  }
  return buf;
}

#if defined(__GNUC__)
__attribute__((format(printf, 5, 6)))
#endif
static folio_status
fail_node(const checker *c, folio_status st, const folio_config_node *node, const char *path,
          const char *fmt, ...) {
  char what[FOLIO_ERROR_MAX];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(what, sizeof what, fmt, ap);
  va_end(ap);
  return fail_at(c->err, st, c->name, node->line, node->column, "%s: %s", path, what);
}

/* Writes "parent.key" (or "key" when parent is empty) into buf. */
static const char *child_path(char *buf, size_t size, const char *parent, const char *key) {
  put(buf, size, "%s%s%s", parent, parent[0] ? "." : "", key);
  return buf;
}

static folio_status expect_kind(const checker *c, const folio_config_node *node, const char *path,
                                folio_config_kind kind) {
  if (node->kind == kind) return FOLIO_OK;
  return fail_node(c, FOLIO_EINVAL, node, path, "expected %s, got %s",
                   kind == FOLIO_CONFIG_MAPPING ? "a mapping" : "a sequence",
                   folio_config_describe(node));
}

/* Every key of `map` is one of `keys`; `where` is "in fund" or "at top level". */
static folio_status check_keys(const checker *c, const folio_config_node *map, const char *where,
                               const char *const *keys) {
  for (size_t i = 0; i < map->n_children; i++) {
    const folio_config_node *e = &map->children[i];
    if (one_of(e->key, keys)) continue;
    char list[256];
    return fail_at(c->err, FOLIO_EINVAL, c->name, e->key_line, e->key_column,
                   "unknown key '" EXCERPT "' %s (expected %s)", e->key, where,
                   join(keys, list, sizeof list));
  }
  return FOLIO_OK;
}

/* map[key], or NULL; a required key that is absent is an error at the mapping. */
static folio_status lookup(const checker *c, const folio_config_node *map, const char *path,
                           const char *key, int required, const folio_config_node **out) {
  *out = folio_config_get(map, key);
  if (*out || !required) return FOLIO_OK;
  return fail_node(c, FOLIO_EMISSING, map, path[0] ? path : "top level",
                   "missing required key '%s'", key);
}

/* A finite number (plain int or float scalar). */
static folio_status get_number(const checker *c, const folio_config_node *node, const char *path,
                               double *out) {
  if (node->kind != FOLIO_CONFIG_SCALAR ||
      (node->type != FOLIO_CONFIG_INT && node->type != FOLIO_CONFIG_FLOAT)) {
    if (node->kind == FOLIO_CONFIG_SCALAR && node->type == FOLIO_CONFIG_STRING)
      return fail_node(c, FOLIO_EINVAL, node, path,
                       "expected a number, got a string ('" EXCERPT "')", node->text);
    return fail_node(c, FOLIO_EINVAL, node, path, "expected a number, got %s",
                     folio_config_describe(node));
  }
  if (!isfinite(node->number))
    return fail_node(c, FOLIO_EINVAL, node, path, "must be a finite number (got " EXCERPT ")",
                     node->text);
  *out = node->number;
  return FOLIO_OK;
}

/* A scalar's text; numbers and booleans count as their text (`7203` is a
 * symbol), null and collections do not. */
static folio_status get_string(const checker *c, const folio_config_node *node, const char *path,
                               const char **out) {
  if (node->kind != FOLIO_CONFIG_SCALAR || node->type == FOLIO_CONFIG_NULL)
    return fail_node(c, FOLIO_EINVAL, node, path, "expected a string, got %s",
                     folio_config_describe(node));
  *out = node->text;
  return FOLIO_OK;
}

/* [A-Za-z0-9_.-]+ */
static int is_identifier(const char *s) {
  if (!*s) return 0;
  for (; *s; s++) {
    char ch = *s;
    if (!((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || is_digit(ch) || ch == '_' ||
          ch == '.' || ch == '-'))
      return 0;
  }
  return 1;
}

static folio_status get_identifier(const checker *c, const folio_config_node *node,
                                   const char *path, const char *what, const char **out) {
  folio_status st = get_string(c, node, path, out);
  if (st != FOLIO_OK) return st;
  if (!is_identifier(*out))
    return fail_node(c, FOLIO_EINVAL, node, path,
                     "%s '" EXCERPT "' must be letters, digits, '_', '.' or '-' (and not empty)",
                     what, *out);
  return FOLIO_OK;
}

/* One of a fixed list of names. */
static folio_status get_enum(const checker *c, const folio_config_node *node, const char *path,
                             const char *what, const char *const *names, const char **out) {
  folio_status st = get_string(c, node, path, out);
  if (st != FOLIO_OK) return st;
  if (one_of(*out, names)) return FOLIO_OK;
  char list[256];
  return fail_node(c, FOLIO_ENOTFOUND, node, path, "unknown %s '" EXCERPT "' (expected %s)", what,
                   *out, join(names, list, sizeof list));
}

static folio_status get_sizer(const checker *c, const folio_config_node *node, const char *path,
                              const char **out) {
  folio_status st = get_string(c, node, path, out);
  if (st != FOLIO_OK) return st;
  if (!**out) return fail_node(c, FOLIO_EINVAL, node, path, "sizer name is empty");
  if (!c->known_sizers || one_of(*out, c->known_sizers)) return FOLIO_OK;
  char list[384];
  return fail_node(c, FOLIO_ENOTFOUND, node, path, "unknown sizer '" EXCERPT "' (known: %s)", *out,
                   join(c->known_sizers, list, sizeof list));
}

/* Data passed through to Lua (params, calendar): no nulls, keys are plain
 * text. Recursion depth is bounded by FOLIO_CONFIG_MAX_DEPTH. */
static folio_status check_plain_data(const checker *c, const folio_config_node *node,
                                     const char *path) {
  if (node->kind == FOLIO_CONFIG_SCALAR) {
    if (node->type == FOLIO_CONFIG_NULL)
      return fail_node(c, FOLIO_EINVAL, node, path, "null is not allowed here (leave the key out)");
    return FOLIO_OK;
  }
  for (size_t i = 0; i < node->n_children; i++) {
    char sub[PATH_MAX_LEN];
    if (node->kind == FOLIO_CONFIG_MAPPING)
      child_path(sub, sizeof sub, path, node->children[i].key);
    else
      put(sub, sizeof sub, "%s[%zu]", path, i + 1);
    folio_status st = check_plain_data(c, &node->children[i], sub);
    if (st != FOLIO_OK) return st;
  }
  return FOLIO_OK;
}

static folio_status check_fund(const checker *c, const folio_config_node *root,
                               folio_fund_config *cfg) {
  static const char *const keys[] = {"id", "nav", "currency", NULL};
  const folio_config_node *fund, *node;
  char path[PATH_MAX_LEN];
  folio_status st = lookup(c, root, "", "fund", 1, &fund);
  if (st == FOLIO_OK) st = expect_kind(c, fund, "fund", FOLIO_CONFIG_MAPPING);
  if (st == FOLIO_OK) st = check_keys(c, fund, "in fund", keys);
  if (st == FOLIO_OK) st = lookup(c, fund, "fund", "id", 1, &node);
  if (st == FOLIO_OK) st = get_identifier(c, node, "fund.id", "fund id", &cfg->id);
  if (st == FOLIO_OK) st = lookup(c, fund, "fund", "nav", 1, &node);
  if (st == FOLIO_OK) st = get_number(c, node, "fund.nav", &cfg->nav);
  if (st == FOLIO_OK && !(cfg->nav > 0))
    st = fail_node(c, FOLIO_EINVAL, node, "fund.nav", "must be > 0 (got %.15g)", cfg->nav);
  if (st != FOLIO_OK) return st;
  memcpy(cfg->currency, "USD", 4);
  st = lookup(c, fund, "fund", "currency", 0, &node);
  if (st != FOLIO_OK || !node) return st;
  const char *cur = NULL;
  st = get_string(c, node, child_path(path, sizeof path, "fund", "currency"), &cur);
  if (st != FOLIO_OK) return st;
  if (strlen(cur) != 3 || cur[0] < 'A' || cur[0] > 'Z' || cur[1] < 'A' || cur[1] > 'Z' ||
      cur[2] < 'A' || cur[2] > 'Z')
    return fail_node(c, FOLIO_EINVAL, node, path,
                     "currency '" EXCERPT "' must be three upper-case letters (e.g. USD)", cur);
  memcpy(cfg->currency, cur, 4);
  return FOLIO_OK;
}

static folio_status check_sessions(const checker *c, const folio_config_node *root,
                                   folio_fund_config *cfg) {
  static const char *const keys[] = {"sizer", "gross_cap", NULL};
  const folio_config_node *sessions;
  folio_status st = lookup(c, root, "", "sessions", 1, &sessions);
  if (st == FOLIO_OK) st = expect_kind(c, sessions, "sessions", FOLIO_CONFIG_MAPPING);
  if (st != FOLIO_OK) return st;
  if (sessions->n_children == 0)
    return fail_node(c, FOLIO_EEMPTY, sessions, "sessions",
                     "no session (expected one or more of RTH, pre, post, IBEOS, 24h)");
  const folio_config_node *by_index[FOLIO_CONFIG_N_SESSIONS] = {NULL};
  for (size_t i = 0; i < sessions->n_children; i++) {
    const folio_config_node *e = &sessions->children[i];
    size_t k = 0;
    while (k < FOLIO_CONFIG_N_SESSIONS && strcmp(e->key, session_names[k]) != 0) k++;
    if (k == FOLIO_CONFIG_N_SESSIONS)
      return fail_at(
          c->err, FOLIO_ENOTFOUND, c->name, e->key_line, e->key_column,
          "sessions: unknown session '" EXCERPT "' (expected RTH, pre, post, IBEOS, 24h)", e->key);
    by_index[k] = e; /* keys are distinct: the tree checked duplicates */
  }
  for (size_t k = 0; k < FOLIO_CONFIG_N_SESSIONS; k++) {
    const folio_config_node *e = by_index[k], *node;
    if (!e) continue;
    char path[PATH_MAX_LEN], where[PATH_MAX_LEN + 3], sub[PATH_MAX_LEN];
    put(path, sizeof path, "sessions.%s", session_names[k]);
    put(where, sizeof where, "in %s", path);
    folio_session_config *s = &cfg->sessions[cfg->n_sessions];
    s->name = session_names[k];
    s->gross_cap = 1.0;
    st = expect_kind(c, e, path, FOLIO_CONFIG_MAPPING);
    if (st == FOLIO_OK) st = check_keys(c, e, where, keys);
    if (st == FOLIO_OK) st = lookup(c, e, path, "sizer", 1, &node);
    if (st == FOLIO_OK)
      st = get_sizer(c, node, child_path(sub, sizeof sub, path, "sizer"), &s->sizer);
    if (st == FOLIO_OK) st = lookup(c, e, path, "gross_cap", 0, &node);
    if (st == FOLIO_OK && node) {
      child_path(sub, sizeof sub, path, "gross_cap");
      st = get_number(c, node, sub, &s->gross_cap);
      if (st == FOLIO_OK && !(s->gross_cap >= 0))
        st = fail_node(c, FOLIO_EINVAL, node, sub, "must be >= 0 (got %.15g)", s->gross_cap);
    }
    if (st != FOLIO_OK) return st;
    cfg->n_sessions++;
  }
  return FOLIO_OK;
}

/* A symbol: non-empty, no surrounding whitespace, no control characters. */
static int is_symbol(const char *s) {
  size_t n = strlen(s);
  if (!n || s[0] == ' ' || s[n - 1] == ' ') return 0;
  for (size_t i = 0; i < n; i++)
    if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f) return 0;
  return 1;
}

static folio_status check_universe(const checker *c, const folio_config_node *node,
                                   const char *path, folio_sleeve_config *s) {
  folio_status st = expect_kind(c, node, path, FOLIO_CONFIG_SEQUENCE);
  if (st != FOLIO_OK) return st;
  if (node->n_children == 0)
    return fail_node(c, FOLIO_EINVAL, node, path, "universe is empty (list one or more symbols)");
  s->universe = calloc(node->n_children, sizeof *s->universe);
  if (!s->universe) return folio_error_set(c->err, FOLIO_ENOMEM, "%s: out of memory", c->name);
  for (size_t i = 0; i < node->n_children; i++) {
    const folio_config_node *e = &node->children[i];
    char sub[PATH_MAX_LEN];
    put(sub, sizeof sub, "%s[%zu]", path, i + 1);
    st = get_string(c, e, sub, &s->universe[i]);
    if (st != FOLIO_OK) return st;
    if (!is_symbol(s->universe[i]))
      return fail_node(c, FOLIO_EINVAL, e, sub,
                       "symbol '" EXCERPT
                       "' is empty, has surrounding spaces or a control character",
                       s->universe[i]);
    s->n_universe++;
  }
  size_t first = 0, second = 0;
  int dup = find_duplicate(s->universe, sizeof *s->universe, s->n_universe, &first, &second);
  if (dup < 0) return folio_error_set(c->err, FOLIO_ENOMEM, "%s: out of memory", c->name);
  if (dup) {
    char sub[PATH_MAX_LEN];
    put(sub, sizeof sub, "%s[%zu]", path, second + 1);
    return fail_node(c, FOLIO_EDUP, &node->children[second], sub,
                     "symbol '" EXCERPT "' listed twice (first as %s[%zu])", s->universe[second],
                     path, first + 1);
  }
  return FOLIO_OK;
}

static folio_status check_sleeve(const checker *c, const folio_config_node *e, size_t index,
                                 folio_sleeve_config *s) {
  static const char *const keys[] = {"name",      "sizer",      "policy", "universe", "asset_class",
                                     "rebalance", "allocation", "params", NULL};
  char path[PATH_MAX_LEN], where[PATH_MAX_LEN + 3], sub[PATH_MAX_LEN];
  put(path, sizeof path, "sleeves[%zu]", index + 1);
  put(where, sizeof where, "in %s", path);
  s->line = e->line;
  s->column = e->column;
  const folio_config_node *node, *sizer, *policy;
  folio_status st = expect_kind(c, e, path, FOLIO_CONFIG_MAPPING);
  if (st == FOLIO_OK) st = check_keys(c, e, where, keys);
  if (st == FOLIO_OK) st = lookup(c, e, path, "name", 1, &node);
  if (st == FOLIO_OK)
    st =
        get_identifier(c, node, child_path(sub, sizeof sub, path, "name"), "sleeve name", &s->name);
  if (st != FOLIO_OK) return st;
  sizer = folio_config_get(e, "sizer");
  policy = folio_config_get(e, "policy");
  if (sizer && policy)
    return fail_at(c->err, FOLIO_EINVAL, c->name, policy->key_line, policy->key_column,
                   "%s: give either sizer or policy, not both", path);
  if (!sizer && !policy)
    return fail_node(c, FOLIO_EMISSING, e, path, "missing required key 'sizer' (or 'policy')");
  if (sizer) {
    st = get_sizer(c, sizer, child_path(sub, sizeof sub, path, "sizer"), &s->sizer);
  } else {
    st = get_string(c, policy, child_path(sub, sizeof sub, path, "policy"), &s->policy);
    if (st == FOLIO_OK && !*s->policy)
      st = fail_node(c, FOLIO_EINVAL, policy, sub, "policy is empty");
  }
  if (st == FOLIO_OK) st = lookup(c, e, path, "universe", 1, &node);
  if (st == FOLIO_OK)
    st = check_universe(c, node, child_path(sub, sizeof sub, path, "universe"), s);
  if (st == FOLIO_OK) st = lookup(c, e, path, "asset_class", 1, &node);
  if (st == FOLIO_OK)
    st = get_enum(c, node, child_path(sub, sizeof sub, path, "asset_class"), "asset class",
                  asset_classes, &s->asset_class);
  if (st == FOLIO_OK) st = lookup(c, e, path, "rebalance", 1, &node);
  if (st == FOLIO_OK)
    st = get_enum(c, node, child_path(sub, sizeof sub, path, "rebalance"), "rebalance frequency",
                  rebalance_freqs, &s->rebalance);
  if (st == FOLIO_OK) st = lookup(c, e, path, "allocation", 1, &node);
  if (st == FOLIO_OK)
    st = get_number(c, node, child_path(sub, sizeof sub, path, "allocation"), &s->allocation);
  if (st == FOLIO_OK && !(s->allocation >= 0 && s->allocation <= 1))
    st =
        fail_node(c, FOLIO_EINVAL, node, sub, "must be between 0 and 1 (got %.15g)", s->allocation);
  if (st == FOLIO_OK) st = lookup(c, e, path, "params", 0, &node);
  if (st == FOLIO_OK && node) {
    child_path(sub, sizeof sub, path, "params");
    st = expect_kind(c, node, sub, FOLIO_CONFIG_MAPPING);
    if (st == FOLIO_OK) st = check_plain_data(c, node, sub);
    if (st == FOLIO_OK) s->params = node;
  }
  return st;
}

static folio_status check_sleeves(const checker *c, const folio_config_node *root,
                                  folio_fund_config *cfg) {
  const folio_config_node *sleeves;
  folio_status st = lookup(c, root, "", "sleeves", 1, &sleeves);
  if (st == FOLIO_OK) st = expect_kind(c, sleeves, "sleeves", FOLIO_CONFIG_SEQUENCE);
  if (st != FOLIO_OK) return st;
  if (sleeves->n_children == 0)
    return fail_node(c, FOLIO_EEMPTY, sleeves, "sleeves", "no sleeve (list one or more)");
  cfg->sleeves = calloc(sleeves->n_children, sizeof *cfg->sleeves);
  if (!cfg->sleeves) return folio_error_set(c->err, FOLIO_ENOMEM, "%s: out of memory", c->name);
  double sum = 0;
  for (size_t i = 0; i < sleeves->n_children; i++) {
    cfg->n_sleeves++; /* counted first: a half-read sleeve's universe is freed too */
    st = check_sleeve(c, &sleeves->children[i], i, &cfg->sleeves[i]);
    if (st != FOLIO_OK) return st;
    sum += cfg->sleeves[i].allocation;
  }
  size_t first = 0, second = 0;
  int dup = find_duplicate(&cfg->sleeves[0].name, sizeof cfg->sleeves[0], cfg->n_sleeves, &first,
                           &second);
  if (dup < 0) return folio_error_set(c->err, FOLIO_ENOMEM, "%s: out of memory", c->name);
  if (dup) {
    char path[PATH_MAX_LEN];
    const folio_config_node *name = folio_config_get(&sleeves->children[second], "name");
    put(path, sizeof path, "sleeves[%zu].name", second + 1);
    return fail_node(c, FOLIO_EDUP, name, path,
                     "duplicate sleeve name '" EXCERPT "' (first at line %zu)",
                     cfg->sleeves[second].name, sleeves->children[first].line);
  }
  cfg->allocation_sum = sum;
  if (sum > 1 + 1e-12)
    return fail_node(c, FOLIO_EINVAL, sleeves, "sleeves", "allocations sum to %.15g (above 1)",
                     sum);
  return FOLIO_OK;
}

static folio_status check_limits(const checker *c, const folio_config_node *root,
                                 folio_fund_config *cfg) {
  static const char *const keys[] = {"fraction_of_adv", "adv_lookback_days", "max_position_weight",
                                     "max_gross", NULL};
  cfg->limits = folio_limits_config_defaults();
  const folio_config_node *limits = folio_config_get(root, "limits"), *node;
  if (!limits) return FOLIO_OK;
  folio_status st = expect_kind(c, limits, "limits", FOLIO_CONFIG_MAPPING);
  if (st == FOLIO_OK) st = check_keys(c, limits, "in limits", keys);
  if (st != FOLIO_OK) return st;
  double *targets[] = {&cfg->limits.fraction_of_adv, NULL, &cfg->limits.max_position_weight,
                       &cfg->limits.max_gross};
  for (size_t k = 0; keys[k]; k++) {
    if (!(node = folio_config_get(limits, keys[k]))) continue;
    char path[PATH_MAX_LEN];
    child_path(path, sizeof path, "limits", keys[k]);
    if (k == 1) {
      if (node->kind != FOLIO_CONFIG_SCALAR || node->type != FOLIO_CONFIG_INT ||
          node->integer < 1 || node->integer > (long long)FOLIO_MAX_DIM)
        return fail_node(c, FOLIO_EINVAL, node, path,
                         "expected a whole number between 1 and %zu, got %s%s%s%s",
                         (size_t)FOLIO_MAX_DIM, folio_config_describe(node), node->text ? " (" : "",
                         node->text ? node->text : "", node->text ? ")" : "");
      cfg->limits.adv_lookback_days = node->integer;
      continue;
    }
    double v;
    st = get_number(c, node, path, &v);
    if (st != FOLIO_OK) return st;
    if (k == 0 && !(v > 0 && v <= 1))
      return fail_node(c, FOLIO_EINVAL, node, path, "must be in (0, 1] (got %.15g)", v);
    if (k != 0 && !(v > 0))
      return fail_node(c, FOLIO_EINVAL, node, path, "must be > 0 (got %.15g)", v);
    *targets[k] = v;
  }
  return FOLIO_OK;
}

folio_composition_config folio_composition_config_defaults(void) {
  folio_composition_config c = {"equal", 252, INFINITY, 252};
  return c;
}

/* The `composition` section: overlay, look-backs and the weekly turnover cap. */
static folio_status check_composition(const checker *c, const folio_config_node *root,
                                      folio_fund_config *cfg) {
  static const char *const keys[] = {"overlay", "hrp_lookback_days", "max_weekly_turnover",
                                     "cov_lookback_days", NULL};
  static const char *const overlays[] = {"equal", "hrp", "inverse_vol", "risk_parity",
                                         "min_variance", "bl", NULL};
  cfg->composition = folio_composition_config_defaults();
  const folio_config_node *sec = folio_config_get(root, "composition"), *node;
  if (!sec) return FOLIO_OK;
  folio_status st = expect_kind(c, sec, "composition", FOLIO_CONFIG_MAPPING);
  if (st == FOLIO_OK) st = check_keys(c, sec, "in composition", keys);
  if (st != FOLIO_OK) return st;
  char path[PATH_MAX_LEN];
  if ((node = folio_config_get(sec, "overlay"))) {
    child_path(path, sizeof path, "composition", "overlay");
    const char *v = NULL;
    if ((st = get_string(c, node, path, &v)) != FOLIO_OK) return st;
    int known = 0;
    for (size_t i = 0; overlays[i]; i++) known |= strcmp(overlays[i], v) == 0;
    if (!known)
      return fail_node(c, FOLIO_ENOTFOUND, node, path,
                       "unknown overlay '" EXCERPT "' (expected equal, hrp, inverse_vol, "
                       "risk_parity, min_variance, bl)", v);
    cfg->composition.overlay = v;
  }
  long long *ints[] = {&cfg->composition.hrp_lookback_days, &cfg->composition.cov_lookback_days};
  const char *int_keys[] = {"hrp_lookback_days", "cov_lookback_days"};
  for (int k = 0; k < 2; k++) {
    if (!(node = folio_config_get(sec, int_keys[k]))) continue;
    child_path(path, sizeof path, "composition", int_keys[k]);
    if (node->kind != FOLIO_CONFIG_SCALAR || node->type != FOLIO_CONFIG_INT || node->integer < 2 ||
        node->integer > (long long)FOLIO_MAX_DIM)
      return fail_node(c, FOLIO_EINVAL, node, path, "expected a whole number between 2 and %zu, got %s",
                       (size_t)FOLIO_MAX_DIM, folio_config_describe(node));
    *ints[k] = node->integer;
  }
  if ((node = folio_config_get(sec, "max_weekly_turnover"))) {
    child_path(path, sizeof path, "composition", "max_weekly_turnover");
    double v;
    if ((st = get_number(c, node, path, &v)) != FOLIO_OK) return st;
    if (!(v >= 0))
      return fail_node(c, FOLIO_EINVAL, node, path, "must be >= 0 (got %.15g)", v);
    cfg->composition.max_weekly_turnover = v;
  }
  return FOLIO_OK;
}

void folio_fund_config_free(folio_fund_config *cfg) {
  if (!cfg) return;
  for (size_t i = 0; i < cfg->n_sleeves; i++) free(cfg->sleeves[i].universe);
  free(cfg->sleeves);
  folio_config_node_free(cfg->root);
  free(cfg);
}

/* Validates a parsed tree; takes ownership of root in every case. */
static folio_status check_fund_config(folio_config_node *root, const char *name,
                                      const char *const *known_sizers, folio_fund_config **out,
                                      folio_error *err) {
  static const char *const keys[] = {"fund",   "sessions",    "calendar", "sleeves",
                                     "limits", "composition", "guards",   "orders", NULL};
  folio_fund_config *cfg = calloc(1, sizeof *cfg);
  if (!cfg) {
    folio_config_node_free(root);
    return folio_error_set(err, FOLIO_ENOMEM, "%s: out of memory", name);
  }
  cfg->root = root;
  checker c = {name, err, known_sizers};
  folio_status st = check_keys(&c, root, "at top level", keys);
  if (st == FOLIO_OK) st = check_fund(&c, root, cfg);
  if (st == FOLIO_OK) st = check_sessions(&c, root, cfg);
  if (st == FOLIO_OK) {
    const folio_config_node *cal = folio_config_get(root, "calendar");
    if (cal) {
      st = expect_kind(&c, cal, "calendar", FOLIO_CONFIG_MAPPING);
      if (st == FOLIO_OK) st = check_plain_data(&c, cal, "calendar");
      cfg->calendar = cal;
    }
  }
  if (st == FOLIO_OK) st = check_sleeves(&c, root, cfg);
  if (st == FOLIO_OK) st = check_limits(&c, root, cfg);
  if (st == FOLIO_OK) st = check_composition(&c, root, cfg);
  /* guards and orders: plain data, checked key by key by their consumers */
  static const char *const passthrough[] = {"guards", "orders"};
  for (int k = 0; k < 2 && st == FOLIO_OK; k++) {
    const folio_config_node *sec = folio_config_get(root, passthrough[k]);
    if (!sec) continue;
    st = expect_kind(&c, sec, passthrough[k], FOLIO_CONFIG_MAPPING);
    if (st == FOLIO_OK) st = check_plain_data(&c, sec, passthrough[k]);
    if (k == 0) cfg->guards = sec; else cfg->orders = sec;
  }
  if (st != FOLIO_OK) {
    folio_fund_config_free(cfg);
    return st;
  }
  *out = cfg;
  return FOLIO_OK;
}

folio_status folio_config_parse(const char *text, size_t len, const char *name,
                                const char *const *known_sizers, folio_fund_config **out,
                                folio_error *err) {
  if (!name) name = "<memory>";
  if (!out) {
    folio_error_clear(err);
    return folio_error_set(err, FOLIO_EINVAL, "%s: out is NULL", name);
  }
  folio_config_node *root = NULL;
  folio_status st = folio_config_parse_tree(text, len, name, &root, err);
  if (st != FOLIO_OK) return st;
  return check_fund_config(root, name, known_sizers, out, err);
}

folio_status folio_config_load_file(const char *path, const char *const *known_sizers,
                                    folio_fund_config **out, folio_error *err) {
  folio_error_clear(err);
  if (!path) return folio_error_set(err, FOLIO_EINVAL, "config: path is NULL");
  if (!out) return folio_error_set(err, FOLIO_EINVAL, "%s: out is NULL", path);
  char *text = NULL;
  size_t len = 0;
  folio_status st = read_file(path, &text, &len, err);
  if (st != FOLIO_OK) return st;
  st = folio_config_parse(text, len, path, known_sizers, out, err);
  free(text);
  return st;
}
