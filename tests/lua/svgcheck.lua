-- tests/lua/svgcheck.lua — a small XML checker for the SVG that folio.plot
-- writes (tag balance, quoted attributes, entities, one root) and the checks
-- every chart must pass; shared by test_plot.lua and test_backtest.lua.
--   local svg = dofile(".../svgcheck.lua")(T)   -- T: tests/lua/testlib.lua
--   svg.parse_xml(doc) -> root | nil, why; svg.check_doc(doc, label) -> root
--   svg.find_all(el, pred), svg.has_class(el, class), svg.coords_inside(root, W, H)
--   svg.series_of(root), svg.legend_of(root), svg.names(elements) -> "a|b|c"
return function(T)
  local ENTITIES = { amp = "&", lt = "<", gt = ">", quot = '"', apos = "'" }

  -- Decodes the five entities and numeric references; nil, why on a raw '<'
  -- or a bad '&'.
  local function decode(s)
    if s:find("<", 1, true) then return nil, "raw '<' in text" end
    local bad
    local out = s:gsub("&([^;]*);?", function(name)
      if ENTITIES[name] then return ENTITIES[name] end
      local n = name:match("^#(%d+)$") or name:match("^#x(%x+)$")
      if n then return utf8.char(tonumber(n, name:find("x") and 16 or 10)) end
      bad = "bad entity &" .. name
      return ""
    end)
    if bad then return nil, bad end
    return out
  end

  -- Parses a document into a tree {name, attrs, children, text}; nil, why when
  -- it is not well-formed (unbalanced tags, unquoted or repeated attributes,
  -- raw '<' or '&', anything but whitespace around the single root).
  local function parse_xml(doc)
    local pos, stack, root = 1, {}, nil
    local n = #doc
    while pos <= n do
      local lt = doc:find("<", pos, true)
      local text = doc:sub(pos, (lt or n + 1) - 1)
      if #stack == 0 then
        if text:find("%S") then return nil, "text outside the root at " .. pos end
      else
        local t, why = decode(text)
        if not t then return nil, why .. " at " .. pos end
        local top = stack[#stack]
        top.text = top.text .. t
      end
      if not lt then break end
      if doc:sub(lt, lt + 3) == "<!--" then
        local e = doc:find("-->", lt + 4, true)
        if not e then return nil, "unterminated comment" end
        pos = e + 3
      elseif doc:sub(lt, lt + 1) == "<?" then
        local e = doc:find("?>", lt + 2, true)
        if not e or lt ~= 1 then return nil, "misplaced processing instruction" end
        pos = e + 2
      elseif doc:sub(lt, lt + 1) == "</" then
        local name, e = doc:match("^</([%w:_%-]+)%s*>()", lt)
        if not name then return nil, "bad end tag at " .. lt end
        local top = table.remove(stack)
        if not top or top.name ~= name then return nil, "end tag </" .. name .. "> does not match at " .. lt end
        pos = e
      else
        local name, p = doc:match("^<([%a_][%w:_%-]*)()", lt)
        if not name then return nil, "bad start tag at " .. lt end
        local el = { name = name, attrs = {}, order = {}, children = {}, text = "" }
        while true do
          local ws, p2 = doc:match("^(%s*)()", p)
          if doc:sub(p2, p2 + 1) == "/>" then p = p2 + 2; el.empty = true; break end
          if doc:sub(p2, p2) == ">" then p = p2 + 1; break end
          if ws == "" then return nil, "no space before an attribute at " .. p2 end
          local an, q, p3 = doc:match("^([%a_][%w:_%-]*)=([\"'])()", p2)
          if not an then return nil, "unquoted or malformed attribute in <" .. name .. "> at " .. p2 end
          local e = doc:find(q, p3, true)
          if not e then return nil, "unterminated attribute value at " .. p3 end
          local v, why = decode(doc:sub(p3, e - 1))
          if not v then return nil, why .. " in attribute " .. an end
          if el.attrs[an] then return nil, "repeated attribute " .. an end
          el.attrs[an] = v
          el.order[#el.order + 1] = an
          p = e + 1
        end
        if #stack == 0 then
          if root then return nil, "a second root element <" .. name .. ">" end
          root = el
        else
          local parent = stack[#stack]
          parent.children[#parent.children + 1] = el
        end
        if not el.empty then stack[#stack + 1] = el end
        pos = p
      end
    end
    if #stack > 0 then return nil, "unclosed <" .. stack[#stack].name .. ">" end
    if not root then return nil, "no root element" end
    return root
  end

  -- All elements under el (depth first, document order) that pred accepts.
  local function find_all(el, pred, out)
    out = out or {}
    for _, c in ipairs(el.children) do
      if pred(c) then out[#out + 1] = c end
      find_all(c, pred, out)
    end
    return out
  end

  local function has_class(el, class)
    return el.attrs.class and (" " .. el.attrs.class .. " "):find(" " .. class .. " ", 1, true) ~= nil
  end

  -- Every coordinate finite and inside the viewBox; rects with width and
  -- height >= 0 that end inside it too. Returns true or false, why.
  local function coords_inside(root, W, H)
    local bad
    local function num(s, what)
      local v = tonumber(s)
      if not v or v ~= v or v == math.huge or v == -math.huge then bad = bad or (what .. " is not finite: " .. tostring(s)) end
      return v or 0
    end
    local function inside(x, y, what)
      if x < 0 or x > W or y < 0 or y > H then bad = bad or string.format("%s (%g, %g) outside 0 0 %g %g", what, x, y, W, H) end
    end
    find_all(root, function(el)
      local a = el.attrs
      for _, k in ipairs({ "x", "x1", "x2" }) do if a[k] then inside(num(a[k], k), 0, el.name .. "." .. k) end end
      for _, k in ipairs({ "y", "y1", "y2" }) do if a[k] then inside(0, num(a[k], k), el.name .. "." .. k) end end
      if el.name == "rect" then
        local w, h = num(a.width, "width"), num(a.height, "height")
        if w < 0 or h < 0 then bad = bad or "negative rect size" end
        inside(num(a.x, "x") + w, num(a.y, "y") + h, "rect end")
      end
      if a.points then
        for px, py in a.points:gmatch("([^%s,]+),([^%s,]+)") do inside(num(px, "points"), num(py, "points"), "point") end
      end
      if a.d then
        local rest = a.d:gsub("[MLZ]", " ")
        for px, py in rest:gmatch("([^%s,]+),([^%s,]+)") do inside(num(px, "d"), num(py, "d"), "path point") end
      end
      return false
    end)
    if bad then return false, bad end
    return true
  end

  -- Parses doc and checks what every document must have: one <svg> root with
  -- the SVG namespace, a viewBox matching width and height, a <title>, finite
  -- coordinates inside the viewBox. Returns the root.
  local function check_doc(doc, label)
    local root, why = parse_xml(doc)
    if not T.check(root ~= nil, label .. ": well-formed (" .. tostring(why) .. ")") then return nil end
    T.eq(root.name, "svg", label .. ": svg root")
    T.eq(root.attrs.xmlns, "http://www.w3.org/2000/svg", label .. ": namespace")
    local W, H = tonumber(root.attrs.width), tonumber(root.attrs.height)
    T.eq(root.attrs.viewBox, "0 0 " .. root.attrs.width .. " " .. root.attrs.height, label .. ": viewBox")
    T.eq(root.children[1] and root.children[1].name, "title", label .. ": <title> first")
    local ok, bad = coords_inside(root, W, H)
    T.check(ok, label .. ": coordinates inside the viewBox (" .. tostring(bad) .. ")")
    return root
  end

  local function series_of(root)
    return find_all(root, function(el) return has_class(el, "series") end)
  end

  local function legend_of(root)
    return find_all(root, function(el) return has_class(el, "legend-item") end)
  end

  local function names(els)
    local out = {}
    for i, el in ipairs(els) do out[i] = el.attrs["data-name"] end
    return table.concat(out, "|")
  end

  return { parse_xml = parse_xml, find_all = find_all, has_class = has_class, coords_inside = coords_inside,
    check_doc = check_doc, series_of = series_of, legend_of = legend_of, names = names, decode = decode }
end
