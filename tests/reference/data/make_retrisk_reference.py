#!/usr/bin/python3
"""Writes the expected-returns and risk-model reference files of
tests/reference/data from ../shared/reference/data/stock_prices.csv.

Run by hand, never by the tests or CI:
    /usr/bin/python3 tests/reference/data/make_retrisk_reference.py ../shared/reference /path/to/pypfopt-parent
The second argument is a directory holding the package `pypfopt` with
expected_returns.py and risk_models.py from GitHub robertmartin8/PyPortfolioOpt
(commit 65cabcee11d91777d63628744c36869ec64a1c85), unmodified. The numbers are
PyPortfolioOpt's own functions on pandas/numpy/scikit-learn (Debian 12's
python3-pandas 1.5.3, python3-numpy 1.24.2, python3-sklearn 1.2.1); every value
is written with %.17g (round-trips exactly).
"""
import sys
import warnings

import numpy as np
import pandas as pd
import sklearn

sys.path.insert(0, sys.argv[2])
from pypfopt import expected_returns as er  # noqa: E402
from pypfopt import risk_models as rm  # noqa: E402

warnings.simplefilter("ignore")
ref = sys.argv[1]
out = "tests/reference/data"
prices = pd.read_csv(ref + "/data/stock_prices.csv", index_col=0, float_precision="round_trip")
syms = list(prices.columns)
versions = "pandas %s, numpy %s, scikit-learn %s, PyPortfolioOpt 65cabcee" % (
    pd.__version__, np.__version__, sklearn.__version__)


def g(x):
    return "%.17g" % x


def write_vectors(name, formula, cols):
    with open(out + "/" + name, "w") as f:
        f.write("# " + formula + "\n# " + versions + "\n")
        f.write("symbol," + ",".join(k for k, _ in cols) + "\n")
        for s in syms:
            f.write(s + "," + ",".join(g(v[s]) for _, v in cols) + "\n")


def write_matrix(name, formula, m, extra=None):
    m = pd.DataFrame(m).loc[syms, syms]
    with open(out + "/" + name, "w") as f:
        f.write("# " + formula + "\n# " + versions + "\n")
        if extra:
            f.write("# " + extra + "\n")
        f.write("symbol," + ",".join(syms) + "\n")
        for s in syms:
            f.write(s + "," + ",".join(g(v) for v in m.loc[s].values) + "\n")


market = prices[["XOM"]]
write_vectors(
    "expected_returns.csv",
    "PyPortfolioOpt expected_returns on stock_prices.csv (frequency 252): mean_historical_return "
    "(compounding true/false, log_returns true/false), ema_historical_return (span 500, compounding "
    "true/false), capm_return (equal-weighted market and market_prices = the XOM column; "
    "risk_free_rate 0 and 0.02; compounding true/false)",
    [
        ("mean_comp", er.mean_historical_return(prices)),
        ("mean_arith", er.mean_historical_return(prices, compounding=False)),
        ("mean_log_comp", er.mean_historical_return(prices, log_returns=True)),
        ("mean_log_arith", er.mean_historical_return(prices, compounding=False, log_returns=True)),
        ("ema_comp", er.ema_historical_return(prices)),
        ("ema_arith", er.ema_historical_return(prices, compounding=False)),
        ("ema_comp_span60", er.ema_historical_return(prices, span=60)),
        ("capm_comp", er.capm_return(prices)),
        ("capm_arith_rf02", er.capm_return(prices, compounding=False, risk_free_rate=0.02)),
        ("capm_xom_comp", er.capm_return(prices, market_prices=market)),
        ("capm_xom_arith_rf02", er.capm_return(prices, market_prices=market, compounding=False,
                                               risk_free_rate=0.02)),
    ])

cs = rm.CovarianceShrinkage(prices)
shr = {}
for t in ["single_factor", "constant_correlation"]:
    m = cs.ledoit_wolf(shrinkage_target=t)
    shr["ledoit_wolf_" + t] = cs.delta
    write_matrix("cov_ledoit_wolf_%s.csv" % t,
                 "PyPortfolioOpt CovarianceShrinkage(prices).ledoit_wolf(shrinkage_target='%s'), "
                 "annualised x252; NaN returns as PyPortfolioOpt takes them" % t, m,
                 "shrinkage %s" % g(cs.delta))
m = cs.oracle_approximating()
shr["oas"] = cs.delta
write_matrix("cov_oas.csv", "PyPortfolioOpt CovarianceShrinkage(prices).oracle_approximating() "
             "(scikit-learn oas on returns with NaN as 0), annualised x252", m,
             "shrinkage %s" % g(cs.delta))
for b, tag in [(0.0, "b0"), (0.000079, "b000079")]:
    write_matrix("cov_semicovariance_%s.csv" % tag,
                 "PyPortfolioOpt risk_models.semicovariance(prices, benchmark=%r, frequency=252): "
                 "D = fmin(R - b, 0) (NaN -> 0), D'D / T * 252" % b,
                 rm.semicovariance(prices, benchmark=b))
# complete rows: no missing-data convention involved
rc = er.returns_from_prices(prices).dropna(how="any")
csc = rm.CovarianceShrinkage(rc, returns_data=True)
for t in ["single_factor", "constant_correlation"]:
    m = csc.ledoit_wolf(shrinkage_target=t)
    shr["ledoit_wolf_%s_complete" % t] = csc.delta
    write_matrix("cov_ledoit_wolf_%s_complete.csv" % t,
                 "PyPortfolioOpt ledoit_wolf(shrinkage_target='%s') on the 895 complete return rows, "
                 "x252" % t, m, "shrinkage %s" % g(csc.delta))
m = csc.oracle_approximating()
shr["oas_complete"] = csc.delta
write_matrix("cov_oas_complete.csv", "scikit-learn oas on the 895 complete return rows, x252", m,
             "shrinkage %s" % g(csc.delta))
with open(out + "/shrinkage.csv", "w") as f:
    f.write("# shrinkage constants (PyPortfolioOpt's .delta) of the cov_*.csv files\n# " + versions + "\n")
    f.write("name,value\n")
    for k, v in shr.items():
        f.write(k + "," + g(v) + "\n")
