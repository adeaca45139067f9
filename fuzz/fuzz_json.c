/*
 * fuzz_json.c — libFuzzer harness of the strict JSON parser every JSON
 * reader of the core goes through (json.c on jansson: folio_json_check for
 * the store's payloads, folio_i_json_parse with duplicate keys refused for
 * the manager's stats files, folio_i_json_positions for their messages).
 * An accepted document is written back (folio_i_json_dump), and that text
 * must parse again to an equal tree and write to the same bytes: the store's
 * digests are taken over it.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "json_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const char *text = (const char *)data;
  folio_error err;
  folio_status checked = folio_json_check(text, size, &err);
  if (checked != FOLIO_OK && err.message[0] == '\0') abort();

  json_t *doc = NULL;
  folio_status st = folio_i_json_parse("fuzz", text, size, 0, &doc, &err);
  if ((st == FOLIO_OK) != (checked == FOLIO_OK)) abort(); /* the check is the parse */
  if (st == FOLIO_OK) {
    char *out = NULL, *again = NULL;
    size_t len = 0, len2 = 0;
    if (folio_i_json_dump("fuzz", doc, JSON_COMPACT, &out, &len, &err) == FOLIO_OK) {
      json_t *back = NULL;
      if (folio_i_json_parse("back", out, len, 0, &back, &err) != FOLIO_OK) abort();
      if (!json_equal(doc, back)) abort();
      if (folio_i_json_dump("fuzz", back, JSON_COMPACT, &again, &len2, &err) != FOLIO_OK) abort();
      if (len != len2 || memcmp(out, again, len) != 0) abort();
      json_decref(back);
    }
    free(out);
    free(again);
    json_decref(doc);
  }

  doc = NULL;
  if (folio_i_json_parse("fuzz", text, size, JSON_REJECT_DUPLICATES, &doc, &err) == FOLIO_OK) {
    folio_i_json_pos *pos = NULL;
    size_t n = 0;
    if (folio_i_json_positions("fuzz", text, size, &pos, &n, &err) == FOLIO_OK) {
      if (n != folio_i_json_count(doc)) abort(); /* one position per key and value */
      for (size_t i = 0; i < n; i++)
        if (pos[i].line == 0 || pos[i].col == 0) abort();
      free(pos);
    }
    json_decref(doc);
  }
  return 0;
}
