folio.optimize{objective = function() return 'x' end, x0 = {1}, maxeval = 10}
