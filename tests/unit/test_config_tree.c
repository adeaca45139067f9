/*
 * test_config_tree.c — YAML documents as a generic tree (config_tree.c):
 * scalars typed by the YAML 1.2 core schema with their line and column,
 * lookups and descriptions, the nesting cap, and the size caps of memory and
 * files. Hostile inputs are refused without crashing or leaking (run under
 * ASan in the sanitizer build). The fund schema on top is test_config.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "folio/config_tree.h"
#include "testlib.h"

static void test_tree(void) {
  const char *text =
      "a: 1_000\nb: -7\nc: 0.5\nd: 1e3\ne: .inf\nf: ~\ng:\nh: 'true'\ni: True\nj: \"12\"\n"
      "k: 99999999999999999999\nl: [1, x]\nm: |\n  block\nn: 0x10\no: .5\n";
  folio_config_node *root = NULL;
  folio_error e;
  folio_status st = folio_config_parse_tree(text, strlen(text), "t.yaml", &root, &e);
  CHECK_MSG(st == FOLIO_OK, "%s", e.message);
  if (!root) return;
  CHECK(root->kind == FOLIO_CONFIG_MAPPING && root->n_children == 15);
  CHECK(root->line == 1 && root->column == 1);
  const folio_config_node *n;
  n = folio_config_get(root, "a");
  CHECK(n && n->type == FOLIO_CONFIG_INT && n->integer == 1000 && strcmp(n->text, "1_000") == 0);
  CHECK(n && n->line == 1 && n->column == 4 && n->key_line == 1 && n->key_column == 1);
  n = folio_config_get(root, "b");
  CHECK(n && n->type == FOLIO_CONFIG_INT && n->integer == -7 && n->line == 2);
  n = folio_config_get(root, "c");
  CHECK(n && n->type == FOLIO_CONFIG_FLOAT && n->number == 0.5);
  n = folio_config_get(root, "d");
  CHECK(n && n->type == FOLIO_CONFIG_FLOAT && n->number == 1000);
  n = folio_config_get(root, "e");
  CHECK(n && n->type == FOLIO_CONFIG_FLOAT && isinf(n->number) && n->number > 0);
  n = folio_config_get(root, "f");
  CHECK(n && n->type == FOLIO_CONFIG_NULL);
  n = folio_config_get(root, "g");
  CHECK(n && n->kind == FOLIO_CONFIG_SCALAR && n->type == FOLIO_CONFIG_NULL);
  n = folio_config_get(root, "h");
  CHECK(n && n->type == FOLIO_CONFIG_STRING && strcmp(n->text, "true") == 0);
  n = folio_config_get(root, "i");
  CHECK(n && n->type == FOLIO_CONFIG_BOOL && n->boolean == 1);
  n = folio_config_get(root, "j");
  CHECK(n && n->type == FOLIO_CONFIG_STRING);
  n = folio_config_get(root, "k");
  CHECK(n && n->type == FOLIO_CONFIG_FLOAT && n->number == 1e20);
  n = folio_config_get(root, "l");
  CHECK(n && n->kind == FOLIO_CONFIG_SEQUENCE && n->n_children == 2 &&
        n->children[0].type == FOLIO_CONFIG_INT && n->children[1].type == FOLIO_CONFIG_STRING &&
        n->children[0].key == NULL);
  CHECK(n && strcmp(folio_config_describe(n), "a sequence") == 0);
  n = folio_config_get(root, "m");
  CHECK(n && n->type == FOLIO_CONFIG_STRING && strcmp(n->text, "block\n") == 0);
  n = folio_config_get(root, "n");
  CHECK(n && n->type == FOLIO_CONFIG_STRING);
  n = folio_config_get(root, "o");
  CHECK(n && n->type == FOLIO_CONFIG_FLOAT && n->number == 0.5);
  CHECK(folio_config_get(root, "zz") == NULL);
  CHECK(folio_config_get(NULL, "a") == NULL);
  CHECK(strcmp(folio_config_describe(root), "a mapping") == 0);
  folio_config_node_free(root);
  folio_config_node_free(NULL);

  /* 64 levels are fine, 65 are not (flow and block) */
  char deep[1024];
  size_t k = 0;
  k += (size_t)sprintf(deep + k, "a: ");
  for (int i = 0; i < 63; i++) deep[k++] = '[';
  for (int i = 0; i < 63; i++) deep[k++] = ']';
  deep[k++] = '\n';
  root = NULL;
  st = folio_config_parse_tree(deep, k, "t.yaml", &root, &e);
  CHECK_MSG(st == FOLIO_OK, "%s", e.message);
  folio_config_node_free(root);
  k = 0;
  k += (size_t)sprintf(deep + k, "a: ");
  for (int i = 0; i < 64; i++) deep[k++] = '[';
  for (int i = 0; i < 64; i++) deep[k++] = ']';
  root = NULL;
  st = folio_config_parse_tree(deep, k, "t.yaml", &root, &e);
  CHECK_ERR(st, e, FOLIO_EPARSE, "t.yaml:1:67: nesting deeper than 64 levels");
  CHECK(root == NULL);
}

static void test_api_misuse_and_files(void) {
  folio_config_node *root = NULL;
  folio_error e;
  CHECK_ERR(folio_config_parse_tree("a: 1", FOLIO_CONFIG_MAX_BYTES + 1, "big.yaml", &root, &e), e,
            FOLIO_EDIM, "big.yaml:1:1: input larger than");
  /* A folder (or a FIFO) is refused by the shared reader without blocking. */
  CHECK_ERR(folio_config_load_tree("/", &root, &e), e, FOLIO_EIO, "/: / is not a regular file");
  CHECK(root == NULL);

  char dir[] = "/tmp/folio_config_XXXXXX";
  if (!mkdtemp(dir)) {
    CHECK(0);
    return;
  }
  char path[256];
  snprintf(path, sizeof path, "%s/big.yaml", dir);
  FILE *f = fopen(path, "wb");
  CHECK(f != NULL);
  if (f) {
    /* a comment line repeated past the cap */
    static char line[4096];
    memset(line, '#', sizeof line - 1);
    line[sizeof line - 1] = '\n';
    for (size_t n = 0; n <= FOLIO_CONFIG_MAX_BYTES; n += sizeof line)
      fwrite(line, 1, sizeof line, f);
    fclose(f);
    CHECK_ERR(folio_config_load_tree(path, &root, &e), e, FOLIO_EDIM,
              "big.yaml:1:1: file larger than");
    CHECK(root == NULL);
  }
  remove(path);
  rmdir(dir);
}

/* ==== bad input ============================================================= */

/* Parses `text` straight into a tree and expects the refusal `want` with
 * `needle` in the message; *out must stay as it was. */
static void bad_tree(const char *text, size_t len, folio_status want, const char *needle) {
  folio_config_node sentinel;
  folio_config_node *root = &sentinel;
  folio_error e;
  CHECK_ERR(folio_config_parse_tree(text, len, "t.yaml", &root, &e), e, want, needle);
  CHECK(root == &sentinel);
}

/* Every documented refusal of folio_config_parse_tree and _load_tree called
 * directly (test_config.c sees the same refusals through folio_config_parse),
 * and folio_config_get/describe on the wrong kind of node or none. */
static void test_bad_input(void) {
  folio_error e;
  folio_config_node *root = NULL;
  /* NULL and size arguments */
  CHECK_ERR(folio_config_parse_tree("a: 1", 4, "t.yaml", NULL, &e), e, FOLIO_EINVAL,
            "t.yaml: out is NULL");
  bad_tree(NULL, 4, FOLIO_EINVAL, "t.yaml: text is NULL");
  bad_tree(NULL, 0, FOLIO_EEMPTY, "t.yaml:1:1: empty file");
  CHECK_ERR(folio_config_parse_tree(NULL, 0, NULL, &root, &e), e, FOLIO_EEMPTY,
            "<memory>:1:1: empty file");
  CHECK(root == NULL);
  bad_tree("a: 1", FOLIO_CONFIG_MAX_BYTES + 1, FOLIO_EDIM, "t.yaml:1:1: input larger than");
  /* malformed and hostile documents, one per documented refusal */
  bad_tree("a: [1, 2\n", 9, FOLIO_EPARSE, "t.yaml:2:1: YAML syntax error");
  bad_tree("a: &x [1]\nb: *x\n", 16, FOLIO_EPARSE, "t.yaml:2:4: alias '*x' is not allowed");
  bad_tree("a: !!str 1\n", 11, FOLIO_EPARSE, "t.yaml:1:4: explicit tag");
  bad_tree("a: \"x\\0y\"\n", 10, FOLIO_EPARSE, "t.yaml:1:4: a NUL character");
  bad_tree("? [a]\n: b\n", 10, FOLIO_EPARSE, "t.yaml:1:3: a key must be a scalar, not a sequence");
  bad_tree("a: 1\n---\nb: 2\n", 14, FOLIO_EPARSE, "t.yaml:2:1: a second YAML document");
  bad_tree("- a\n", 4, FOLIO_EPARSE, "t.yaml:1:1: the top level must be a mapping");
  bad_tree("hello\n", 6, FOLIO_EPARSE, "got a string");
  bad_tree("a: 1\nb: 2\na: 3\n", 15, FOLIO_EDUP,
           "t.yaml:3:1: duplicate key 'a' at top level (first at line 1)");
  bad_tree("a: \"\xff\"\n", 7, FOLIO_EPARSE, "t.yaml:");
  bad_tree("# only a comment\n", 17, FOLIO_EEMPTY, "t.yaml:1:1: empty file");
  /* len is honoured: the text need not be NUL-terminated, and what follows is not read */
  root = NULL;
  CHECK(folio_config_parse_tree("a: 1]]]]", 4, "t.yaml", &root, &e) == FOLIO_OK);
  CHECK(root && folio_config_get(root, "a") && folio_config_get(root, "a")->integer == 1);
  folio_config_node_free(root);

  /* 64 levels of block mappings are fine, 65 are not */
  static char deep[65 * 140 + 16];
  for (int levels = 64; levels <= 65; levels++) {
    size_t k = 0;
    for (int i = 0; i < levels - 1; i++)
      k += (size_t)sprintf(deep + k, "%*sk:\n", 2 * i, "");
    k += (size_t)sprintf(deep + k, "%*sk: 1\n", 2 * (levels - 1), "");
    root = NULL;
    folio_status st = folio_config_parse_tree(deep, k, "t.yaml", &root, &e);
    if (levels == 64)
      CHECK_MSG(st == FOLIO_OK, "%s", e.message);
    else
      CHECK_ERR(st, e, FOLIO_EPARSE, "nesting deeper than 64 levels");
    folio_config_node_free(root);
  }

  /* load_tree: NULL arguments, a missing file, and file names in the messages */
  root = NULL;
  CHECK_ERR(folio_config_load_tree(NULL, &root, &e), e, FOLIO_EINVAL, "path is NULL");
  CHECK_ERR(folio_config_load_tree("/nonexistent/t.yaml", NULL, &e), e, FOLIO_EINVAL,
            "/nonexistent/t.yaml: out is NULL");
  CHECK_ERR(folio_config_load_tree("/nonexistent/t.yaml", &root, &e), e, FOLIO_EIO,
            "/nonexistent/t.yaml: cannot open");
  CHECK(root == NULL);
  char dir[] = "/tmp/folio_config_tree_XXXXXX";
  if (mkdtemp(dir)) {
    char path[256];
    snprintf(path, sizeof path, "%s/alias.yaml", dir);
    FILE *f = fopen(path, "wb");
    CHECK(f != NULL);
    if (f) {
      fputs("a: &x [1]\nb: *x\n", f);
      fclose(f);
      CHECK_ERR(folio_config_load_tree(path, &root, &e), e, FOLIO_EPARSE, ":2:4: alias '*x'");
      CHECK(strncmp(e.message, path, strlen(path)) == 0 && root == NULL);
    }
    remove(path);
    snprintf(path, sizeof path, "%s/empty.yaml", dir);
    f = fopen(path, "wb");
    CHECK(f != NULL);
    if (f) {
      fclose(f);
      CHECK_ERR(folio_config_load_tree(path, &root, &e), e, FOLIO_EEMPTY, "empty.yaml:1:1: empty");
      CHECK(root == NULL);
    }
    remove(path);
    rmdir(dir);
  } else {
    CHECK(0);
  }

  /* get and describe: NULL node, NULL key, nodes that are not mappings */
  const char *text = "s: x\nq: [1]\nb: false\nf: 2.5\nn: ~\n";
  root = NULL;
  CHECK(folio_config_parse_tree(text, strlen(text), "t.yaml", &root, &e) == FOLIO_OK);
  if (!root) return;
  CHECK(folio_config_get(root, NULL) == NULL);
  CHECK(folio_config_get(folio_config_get(root, "s"), "s") == NULL); /* a scalar */
  CHECK(folio_config_get(folio_config_get(root, "q"), "q") == NULL); /* a sequence */
  CHECK(folio_config_get(NULL, NULL) == NULL);
  CHECK(strcmp(folio_config_describe(folio_config_get(root, "s")), "a string") == 0);
  CHECK(strcmp(folio_config_describe(folio_config_get(root, "b")), "a boolean") == 0);
  CHECK(strcmp(folio_config_describe(folio_config_get(root, "f")), "a number") == 0);
  CHECK(strcmp(folio_config_describe(folio_config_get(root, "n")), "null") == 0);
  CHECK(strcmp(folio_config_describe(NULL), "nothing") == 0);
  folio_config_node_free(root);
}

int main(void) {
  test_tree();
  test_api_misuse_and_files();
  test_bad_input();
  return tl_finish("test_config_tree");
}
