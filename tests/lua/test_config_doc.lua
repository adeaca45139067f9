-- tests/lua/test_config_doc.lua — docs/config.md's annotated example is a
-- valid fund file, and its `calendar:` mapping, handed verbatim to
-- folio.session.SessionMatrix as the docs say, is accepted there (the shape
-- of folio/calendar.h) and takes effect. Before the fix the example wrote
-- `calendar: {holidays: [...]}`, which SessionMatrix refuses.
local T = dofile((arg[0]:match("^(.*)/") or ".") .. "/testlib.lua")
local folio = require "folio"

local f = assert(io.open("docs/config.md", "r"))
local md = f:read("a")
f:close()
local yaml = md:match("## Annotated example%s*```yaml\n(.-)```")
T.check(yaml ~= nil, "docs/config.md has an annotated ```yaml example")

local c = folio.config.parse { text = yaml, name = "docs/config.md" }
T.eq(c.fund.id, "multi_asset_demo")
T.eq(type(c.calendar), "table")
T.eq(c.calendar.equities.holidays_add[1], "2025-01-09")

-- the example's session matrix and calendar, as a fund would build them
local args = { calendar = c.calendar }
for name, s in pairs(c.sessions) do args[name] = { sizer = s.sizer, gross_cap = s.gross_cap } end
local m = folio.session.SessionMatrix(args)
-- 2025-01-09 (a Thursday) is closed by the override; the day before trades
local r = m:resolve { asset_class = "equities", asof = "2025-01-09T12:00:00-05:00" }
T.eq(r.session, "closed"); T.eq(r.gross_cap, 0)
r = m:resolve { asset_class = "equities", asof = "2025-01-08T12:00:00-05:00" }
T.eq(r.session, "RTH"); T.eq(r.sizer, "kelly_voltarget_12")

-- the shape the example used to show is refused, naming the key
T.raises(function()
  folio.session.SessionMatrix { RTH = args.RTH, calendar = { holidays = { "2024-12-25" } } }
end, { "holidays" })

T.finish("test_config_doc")
