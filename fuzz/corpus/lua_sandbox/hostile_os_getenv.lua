return os.getenv('HOME')
