io.popen('id')
