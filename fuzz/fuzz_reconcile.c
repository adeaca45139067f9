/*
 * fuzz_reconcile.c — libFuzzer harness of the reconciler's JSON files
 * (lua/folio/reconcile.lua over ljson.c): one input holds up to four files
 * separated by a line "--": portfolio_config.json, the state.json of
 * strategy "a", the journal and the paper exchange's file. They are written
 * to a scratch root (a part left out: no such file) and one cycle runs on it
 * at a fixed instant (folio.reconcile.cycle with folio.exchange.paper).
 * Refusing is the reader's job; a crash, a sanitizer report or a hang is a
 * finding. The cycle may write the journal and the exchange's file: every
 * input starts from its own four files again.
 */
#include <stddef.h>
#include <stdint.h>

#include "fuzz_lua.h"

static const char chunk[] =
  "local root, strict = ...\n"
  "local folio = require 'folio'\n"
  "local names = { root .. '/portfolio_config.json', root .. '/a/state.json', root .. '/journal.json',\n"
  "                root .. '/paper.json' }\n"
  "os.execute(\"mkdir -p '\" .. root .. \"/a'\")\n"
  "return function(text)\n"
  "  local parts, at = {}, 1\n"
  "  while #parts < 4 do\n"
  "    local s, e = text:find('\\n%-%-\\n', at)\n"
  "    parts[#parts + 1] = text:sub(at, s and s - 1 or -1)\n"
  "    if not s then break end\n"
  "    at = e + 1\n"
  "  end\n"
  "  for i, path in ipairs(names) do\n"
  "    os.remove(path)\n"
  "    if parts[i] and parts[i] ~= '' then\n"
  "      local f = assert(io.open(path, 'wb'))\n"
  "      f:write(parts[i])\n"
  "      f:close()\n"
  "    end\n"
  "  end\n"
  "  local ok, err = pcall(folio.reconcile.cycle, { root = root, journal = names[3], now = 1733400000,\n"
  "                        exchange = folio.exchange.paper{ path = names[4] } })\n"
  "  if not ok and strict then\n"
  "    local m = tostring(err)\n"
  "    assert(m:find('^reconcile: ') or m:find('^paper exchange: '), 'internal error: ' .. m)\n"
  "  end\n"
  "end\n";

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc;
  (void)argv;
  fz_lua_init("reconcile", chunk);
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  fz_lua_call(data, size);
  return 0;
}
