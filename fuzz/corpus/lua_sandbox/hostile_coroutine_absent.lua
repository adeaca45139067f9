assert(coroutine == nil)
