assert(('').debug == nil) assert(getmetatable('') == false)
