local m = folio.matrix{{1}} assert(m[-1] == nil) return m:get(math.maxinteger, 1)
