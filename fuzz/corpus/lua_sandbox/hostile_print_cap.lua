for i = 1, 1e5 do print(string.rep('x', 100)) end
