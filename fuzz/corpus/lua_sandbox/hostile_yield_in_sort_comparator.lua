table.sort({3, 2, 1}, function(a, b) coroutine.yield() end)
