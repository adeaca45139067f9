-- The rebalance's clock (part of folio.rebalance, docs/rebalance.md section 3):
-- New York wall time, each asset class's close for a date alone, and whether
-- a sleeve is due at its frequency, and how much history its sizer needs.
local folio, internal = ...

local tonumber, type, string_format, math_floor = tonumber, type, string.format, math.floor
local parts = internal.rebalance


local parse_asof, local_time = folio.session.parse_asof, folio.session.local_time

-- The instant of hh:mm New York time on a date ("YYYY-MM-DD").
function parts.ny_instant(date, hh, mm)
  local t = parse_asof(string_format("%sT%02d:%02d:00-05:00", date, hh, mm))
  if local_time(t):sub(-6) == "-04:00" then t = t - 3600 end -- daylight saving time
  return t
end

-- The New York date and minute of the day of an instant.
function parts.ny_date_minute(t)
  local lt = local_time(t) -- "2024-03-08T09:30:00-05:00"
  return lt:sub(1, 10), tonumber(lt:sub(12, 13)) * 60 + tonumber(lt:sub(15, 16))
end

-- A date alone means that date's close in each asset class's own calendar;
-- the session in force is the one of the last second before the close.
function parts.class_instant(class, date, calendar)
  if class == "equities" then
    local early = folio.session.is_early_close(date, calendar)
    return parts.ny_instant(date, early and 13 or 16, 0) - 1
  elseif class == "crypto" then
    return parse_asof(date .. "T23:59:59Z")
  end
  return parts.ny_instant(date, 17, 0) - 1 -- fx and futures: the 17:00 New York roll
end

local function week_of(epoch) return math_floor((epoch / 86400 + 3) / 7) end -- Monday-based weeks
local function month_of(epoch)
  local y, m = os.date("!%Y-%m", epoch):match("^(%d+)-(%d+)$")
  return tonumber(y) * 12 + tonumber(m)
end

-- Whether a sleeve with frequency `freq` is due at `asof` after `last` (epoch seconds or nil).
function parts.due(freq, asof, last)
  if not last then return true end
  if freq == "daily" then return asof - last >= 86400 - 1 end
  if freq == "weekly" then return week_of(asof) ~= week_of(last) end
  if freq == "monthly" then return month_of(asof) ~= month_of(last) end
  if freq == "quarterly" then
    return math_floor((month_of(asof) - 1) / 3) ~= math_floor((month_of(last) - 1) / 3)
  end
  return true
end


-- The rows of complete returns a sleeve's sizer needs: its cov_window and
-- vol_window, as the sleeve gives them or as the policy declares them.
function parts.history_needed(sizer, params)
  local declared = sizer.describe and sizer:describe().params or {}
  local function window(k)
    local v = params[k]
    if v == nil and declared[k] then v = declared[k].default end
    return type(v) == "number" and v or 0
  end
  return math.max(window("cov_window"), window("vol_window"))
end
