local t = {} t.x = t folio.optimize(t)
