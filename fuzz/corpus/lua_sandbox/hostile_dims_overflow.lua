folio.matrix(2^31, 2^31)
