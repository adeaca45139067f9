local t = {} for i = 1, 64 do t[i] = string.rep('x', 1e6) .. i end return table.concat(t)
