local t = {} folio.optimize{objective = function(x) while true do t[#t + 1] = string.rep('z', 1e6) .. #t end end, x0 = {1}, maxeval = 10}
