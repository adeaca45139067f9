require('socket')
