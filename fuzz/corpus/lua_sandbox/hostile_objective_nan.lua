folio.optimize{objective = function() return 0/0 end, x0 = {1}, maxeval = 10}
