/*
 * fuzz_positions.c — libFuzzer harness of the positions file reader of
 * `folio rebalance` (folio.oms.read_positions: symbol,quantity,avg_price
 * [,strategy] over folio.data.read_records) and of the prices reader
 * (folio.data.read_csv: the wide CSV into a labelled matrix). The input is
 * written to a file in a scratch folder and read by both; a positions list
 * that is read must be sorted by symbol with finite numbers, and a matrix
 * must have as many labels as its shape says.
 */
#include <stddef.h>
#include <stdint.h>

#include "fuzz_lua.h"

static const char chunk[] =
  "local dir, strict = ...\n"
  "local folio = require 'folio'\n"
  "local path = dir .. '/positions.csv'\n"
  "local function finite(x) return type(x) == 'number' and x == x and x ~= math.huge and x ~= -math.huge end\n"
  "return function(text)\n"
  "  local f = assert(io.open(path, 'wb'))\n"
  "  f:write(text)\n"
  "  f:close()\n"
  "  local ok, list, cash = pcall(folio.oms.read_positions, path)\n"
  "  if ok then\n"
  "    assert(finite(cash), 'cash is not finite')\n"
  "    for i, p in ipairs(list) do\n"
  "      assert(finite(p.quantity) and finite(p.avg_price) and p.avg_price > 0, 'bad position ' .. p.symbol)\n"
  "      if i > 1 then assert(list[i - 1].symbol < p.symbol, 'positions not sorted') end\n"
  "    end\n"
  "  elseif strict then\n"
  "    assert(tostring(list):find('oms: ', 1, true), 'internal error: ' .. tostring(list))\n"
  "  end\n"
  "  local ok2, m = pcall(folio.data.read_csv, path)\n"
  "  if ok2 then\n"
  "    local rows, cols = m:shape()\n"
  "    assert(#m:rows() == rows and #m:cols() == cols, 'labels do not match the shape')\n"
  "  end\n"
  "end\n";

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc;
  (void)argv;
  fz_lua_init("positions", chunk);
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  fz_lua_call(data, size);
  return 0;
}
