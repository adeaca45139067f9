n_short
