local t = setmetatable({}, {__index = function(s, k) return s[k] end}) return t.x
