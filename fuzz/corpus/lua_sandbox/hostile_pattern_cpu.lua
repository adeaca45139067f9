string.find(string.rep('a', 1e5), string.rep('a-', 30) .. 'b')
