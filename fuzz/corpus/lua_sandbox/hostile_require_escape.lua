require('../../etc/passwd')
