string.rep = print
