/*
 * fuzz_lua_json.c — libFuzzer harness of the JSON converter of the Lua face
 * (ljson.c): folio.store.decode_json (which folio.json.decode is) on the
 * input; a decoded value that encode_json writes must decode again to a
 * value that writes the same text, and digest (taken over that text) must
 * agree.
 */
#include <stddef.h>
#include <stdint.h>

#include "fuzz_lua.h"

static const char chunk[] =
  "local folio = require 'folio'\n"
  "local decode, encode, digest = folio.store.decode_json, folio.store.encode_json, folio.store.digest\n"
  "return function(text)\n"
  "  local ok, v = pcall(decode, text)\n"
  "  if not ok then\n"
  "    assert(type(v) == 'string' and v:find('decode_json', 1, true), 'decode_json raised an odd error: ' .. tostring(v))\n"
  "    return\n"
  "  end\n"
  "  local ok2, t = pcall(encode, v)\n" /* arrays with holes (nulls) and the like cannot be written */
  "  if not ok2 then return end\n"
  "  local v2 = decode(t)\n"
  "  local t2 = encode(v2)\n"
  "  assert(t2 == t, 'encode(decode(encode(v))) differs from encode(v): ' .. t .. ' vs ' .. t2)\n"
  "  assert(digest(v2) == digest(v), 'digest changed over a round trip')\n"
  "end\n";

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc;
  (void)argv;
  fz_lua_init("lua_json", chunk);
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  fz_lua_call(data, size);
  return 0;
}
