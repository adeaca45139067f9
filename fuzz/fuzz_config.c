/*
 * fuzz_config.c — libFuzzer harness of the YAML fund config (config.h over
 * config_tree.h on libyaml): the input is parsed as a generic tree
 * (folio_config_parse_tree), the tree walked (every key, scalar and
 * position; describe on every node), then validated as a fund
 * (folio_config_parse) with a fixed list of known sizers and with none.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "folio/config.h"
#include "folio/config_tree.h"

static const char *const sizers[] = {"equal_weight_ls", "kelly_fraction", "vol_target_weights",
                                     "kelly_voltarget_12", "kelly_voltarget_8", "fixed_weight", NULL};

/* Reads every byte the tree exposes; nodes are at most FOLIO_CONFIG_MAX_DEPTH deep. */
static size_t walk(const folio_config_node *n, int depth) {
  if (depth > FOLIO_CONFIG_MAX_DEPTH || n->line == 0 || n->column == 0) abort();
  size_t sum = strlen(folio_config_describe(n));
  if (n->key) sum += strlen(n->key) + n->key_line;
  if (n->kind == FOLIO_CONFIG_SCALAR) {
    if (!n->text || strlen(n->text) != n->text_len) abort(); /* no NUL inside a scalar */
    return sum + n->text_len;
  }
  for (size_t i = 0; i < n->n_children; i++) {
    sum += walk(&n->children[i], depth + 1);
    if (n->kind == FOLIO_CONFIG_MAPPING && folio_config_get(n, n->children[i].key) != &n->children[i])
      abort(); /* a mapping's keys are distinct */
  }
  return sum;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const char *text = (const char *)data;
  folio_error err;
  folio_config_node *tree = NULL;
  if (folio_config_parse_tree(text, size, "fuzz.yaml", &tree, &err) == FOLIO_OK) {
    if (tree->kind != FOLIO_CONFIG_MAPPING) abort();
    (void)walk(tree, 1);
    folio_config_node_free(tree);
  } else if (tree || err.message[0] == '\0') {
    abort();
  }
  for (int known = 0; known < 2; known++) {
    folio_fund_config *cfg = NULL;
    if (folio_config_parse(text, size, "fuzz.yaml", known ? sizers : NULL, &cfg, &err) == FOLIO_OK)
      folio_fund_config_free(cfg);
    else if (cfg || err.message[0] == '\0')
      abort();
  }
  return 0;
}
