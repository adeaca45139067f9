folio.optimize{objective = function() while true do end end, x0 = {1}, maxeval = 10}
