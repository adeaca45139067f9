rawset(string, 'rep', print)
