folio.data.read_csv('/etc/passwd')
