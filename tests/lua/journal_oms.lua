-- tests/lua/journal_oms.lua — an OMS adapter for the exactly-once tests
-- (folio rebalance --oms lua:tests/lua/journal_oms.lua). Every submit() call
-- is appended, durably, to a journal file — one line per call, never
-- deduplicated, so a test sees an order that reached the OMS twice.
-- Configured by environment variables:
--   FOLIO_TEST_POSITIONS  the positions file (required)
--   FOLIO_TEST_JOURNAL    the journal file (required)
--   FOLIO_TEST_FAIL_AT    raise on this submit() call (1-based) ...
--   FOLIO_TEST_FAIL_MODE  ... "before" accepting it (default) or "after" (the
--                         order reached the OMS, then the connection dropped)
--   FOLIO_TEST_DELAY      seconds to wait in each submit() (widens the window
--                         the kill test aims at)
--   FOLIO_TEST_NO_ACCEPTED  set: the adapter has no accepted() (client order
--                         ids must then be deduplicated by the OMS)
local folio = require "folio"
local positions = assert(os.getenv("FOLIO_TEST_POSITIONS"), "FOLIO_TEST_POSITIONS")
local journal = assert(os.getenv("FOLIO_TEST_JOURNAL"), "FOLIO_TEST_JOURNAL")
local fail_at = tonumber(os.getenv("FOLIO_TEST_FAIL_AT") or "")
local fail_mode = os.getenv("FOLIO_TEST_FAIL_MODE") or "before"
local delay = tonumber(os.getenv("FOLIO_TEST_DELAY") or "")
local list, cash = folio.oms.read_positions(positions)

local function read_journal()
  local text = folio.reconcile.read_file(journal)
  return text or ""
end

local calls = 0
local a = {}
function a.get_positions() return list end
function a.get_nav(values)
  local nav = cash
  for _, p in ipairs(list) do nav = nav + p.quantity * (values[p.symbol] or p.avg_price) end
  return nav
end
function a.submit(o)
  calls = calls + 1
  if fail_at == calls and fail_mode == "before" then error("OMS down") end
  local line = folio.data.csv_row{ o.client_order_id, o.symbol, o.side, string.format("%.10g", o.quantity) } .. "\n"
  local ok, why = folio.reconcile.write_file(journal, read_journal() .. line)
  if not ok then error(why) end
  if fail_at == calls and fail_mode == "after" then error("connection lost after the OMS accepted the order") end
  if delay then folio.reconcile.sleep(delay) end
end
if not os.getenv("FOLIO_TEST_NO_ACCEPTED") then
  function a.accepted(ids)
    local have, out = {}, {}
    for id in read_journal():gmatch("([^,\n]+),[^\n]*\n") do have[id] = true end
    for _, id in ipairs(ids) do if have[id] then out[id] = true end end
    return out
  end
end
return a
