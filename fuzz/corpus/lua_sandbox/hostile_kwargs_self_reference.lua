local t = {} t.signal = t folio.sizers.equal_weight_ls(t)
