#!/usr/bin/env python3
"""Writes tests/reference/frontier_stock_prices.csv: PyPortfolioOpt's
min_volatility and max_sharpe weights on ../shared/reference/data/stock_prices.csv,
computed offline (numpy + scipy; never run by the tests).

Inputs, as PyPortfolioOpt's formulas on the complete rows (prices.dropna()):
  returns  r_t = p_t / p_{t-1} - 1 on consecutive complete rows
  mu       (prod_t (1 + r_t)) ** (252 / T) - 1      mean_historical_return(compounding=True)
  cov      252 * sample covariance of r (ddof = 1)  sample_cov
Problems (EfficientFrontier(mu, cov, weight_bounds=(0, 1))):
  min_volatility: min w'Cw, sum w = 1, 0 <= w <= 1
  max_sharpe(risk_free_rate=0.02): max (mu'w - 0.02) / sqrt(w'Cw), same constraints
Solver: scipy SLSQP finds the support; the weights are then the exact solution
of the equality-constrained KKT system on that support (numpy.linalg.solve),
and the KKT conditions of the full problem are verified to 1e-12.
"""
import csv, sys
import numpy as np
from scipy.optimize import minimize

src = sys.argv[1] if len(sys.argv) > 1 else "../shared/reference/data/stock_prices.csv"
rows = list(csv.reader(open(src)))
syms = rows[0][1:]
data = [[float(x) for x in r[1:]] for r in rows[1:] if all(x != "" for x in r[1:])]
p = np.array(data)
r = p[1:] / p[:-1] - 1
T, n = r.shape
mu = np.prod(1 + r, axis=0) ** (252.0 / T) - 1
C = 252.0 * np.cov(r, rowvar=False, ddof=1)
rf = 0.02

def support(fun, x0):
    cons = [{"type": "eq", "fun": lambda w: w.sum() - 1}]
    res = minimize(fun, x0, method="SLSQP", bounds=[(0, 1)] * n, constraints=cons,
                   options={"ftol": 1e-16, "maxiter": 2000})
    return [i for i in range(n) if res.x[i] > 1e-6]

# min_volatility: on support S, [2C_SS 1; 1' 0][w; nu] = [0; 1]
S = support(lambda w: w @ C @ w, np.ones(n) / n)
k = len(S)
K = np.zeros((k + 1, k + 1)); K[:k, :k] = 2 * C[np.ix_(S, S)]; K[:k, k] = 1; K[k, :k] = 1
sol = np.linalg.solve(K, np.r_[np.zeros(k), 1.0])
w_mv = np.zeros(n); w_mv[S] = sol[:k]
g = 2 * C @ w_mv + sol[k]          # stationarity: g_i = z_i >= 0 off the support, 0 on it
assert w_mv.min() > -1e-14 and abs(w_mv.sum() - 1) < 1e-14
assert np.all(g[[i for i in range(n) if i not in S]] > -1e-12) and np.abs(g[S]).max() < 1e-12

# max_sharpe: on support S, w ∝ C_SS^-1 (mu_S - rf); optimal iff
# (mu_i - rf) - SR * (Cw)_i / sigma <= 0 off the support (= 0 on it)
S = support(lambda w: -(mu @ w - rf) / np.sqrt(w @ C @ w), np.ones(n) / n)
y = np.linalg.solve(C[np.ix_(S, S)], mu[S] - rf)
w_ms = np.zeros(n); w_ms[S] = y / y.sum()
sig = np.sqrt(w_ms @ C @ w_ms); sr = (mu @ w_ms - rf) / sig
h = (mu - rf) - sr * (C @ w_ms) / sig
assert w_ms.min() > 0 or True
assert np.all(h <= 1e-12) and np.abs(h[S]).max() < 1e-12 and w_ms.min() > -1e-14

out = open("tests/reference/frontier_stock_prices.csv", "w")
out.write("# PyPortfolioOpt's min_volatility and max_sharpe(risk_free_rate=0.02) weights, bounds (0, 1),\n")
out.write("# on ../shared/reference/data/stock_prices.csv: complete rows only, simple returns,\n")
out.write("# mu = prod(1 + r)^(252/T) - 1 (mean_historical_return), cov = 252 * sample cov (ddof 1).\n")
out.write("# Computed offline by tests/reference/frontier_stock_prices.py (numpy %s, scipy SLSQP for the\n" % np.__version__)
out.write("# support, then the exact KKT solution on it; KKT verified to 1e-12). T = %d returns.\n" % T)
out.write("symbol,mu,min_volatility,max_sharpe\n")
for i, s in enumerate(syms):
    out.write("%s,%.17g,%.17g,%.17g\n" % (s, mu[i], w_mv[i], w_ms[i]))
out.close()
print("min vol", np.sqrt(w_mv @ C @ w_mv), "max sharpe", sr, "T", T)
