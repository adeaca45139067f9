getmetatable('').__index.rep = print
