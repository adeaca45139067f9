folio.data.read_csv('../shared/reference/data/stock_prices.csv')
