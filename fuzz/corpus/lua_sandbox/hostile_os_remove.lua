os.remove('/tmp/folio-hostile')
