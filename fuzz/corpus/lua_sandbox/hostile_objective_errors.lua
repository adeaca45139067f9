folio.optimize{objective = function() error('boom') end, x0 = {1}, maxeval = 10}
