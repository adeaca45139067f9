local t = {} local c = t for i = 1, 1000 do c.x = {} c = c.x end folio.sizers.equal_weight_ls{signal = t, n_long = 1, n_short = 1}
