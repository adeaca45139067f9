folio.sizers.kelly_fraction = nil
