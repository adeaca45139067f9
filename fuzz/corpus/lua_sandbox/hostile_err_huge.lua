error(string.rep('x', 1e6))
