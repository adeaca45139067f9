folio.optimize{objectve = function() return 0 end}
