folio.optimize{objective = function() return coroutine.yield(1) end, x0 = {1}, maxeval = 10}
