os.execute('id')
