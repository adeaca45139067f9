setmetatable(_G, {__index = function() return 1 end})
