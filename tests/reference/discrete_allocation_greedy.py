#!/usr/bin/env python3
"""
discrete_allocation_greedy.py — writes discrete_allocation_greedy.txt, the
expected shares and leftover of PyPortfolioOpt's
DiscreteAllocation.greedy_portfolio (pypfopt/discrete_allocation.py, commit
of robertmartin8/PyPortfolioOpt as mirrored in 2026) on five documented
cases, for ref_discrete_allocation.c.

The greedy below is a line-for-line re-implementation of greedy_portfolio
with numpy (the same float operations: int() truncation, np.sum's pairwise
sum, np.argmax's first maximum, the 10-skip counter, shorts as a second
book on short_ratio x value, reinvest), without pandas or cvxpy; weights
are given in symbol order (the dict order PyPortfolioOpt's stable sort
breaks ties by). Prices are the last row (2018-04-11) of PyPortfolioOpt's
own tests/resources/stock_prices.csv (../shared/reference/data/stock_prices.csv).

Run by hand (needs python3-numpy; never in CI):
    python3 tests/reference/discrete_allocation_greedy.py > tests/reference/discrete_allocation_greedy.txt
"""
import numpy as np

PRICES = dict(GOOG=1019.969971, AAPL=172.440002, FB=166.320007, BABA=175.360001,
              AMZN=1427.050049, GE=12.97, AMD=9.82, WMT=85.910004, BAC=29.9, GM=39.0,
              T=35.25, UAA=16.74, SHLD=3.3, XOM=77.43, RRC=14.99, BBY=70.910004,
              MA=172.360001, PFE=35.790001, JPM=110.620003, SBUX=59.419998)


def greedy(weights, prices, total, short_ratio=None, reinvest=False):
    """PyPortfolioOpt's greedy_portfolio; weights a list of (ticker, w)."""
    weights = list(weights)
    if short_ratio is None:
        short_ratio = sum(-w for _, w in weights if w < 0)
    weights.sort(key=lambda x: x[1], reverse=True)
    if weights[-1][1] < 0:
        longs = {t: w for t, w in weights if w >= 0}
        shorts = {t: -w for t, w in weights if w < 0}
        lt = sum(longs.values())
        st = sum(shorts.values())
        longs = {t: w / lt for t, w in longs.items()}
        shorts = {t: w / st for t, w in shorts.items()}
        short_val = total * short_ratio
        long_val = total
        if reinvest:
            long_val += short_val
        la, ll = greedy(list(longs.items()), prices, long_val)
        sa, sl = greedy(list(shorts.items()), prices, short_val)
        alloc = dict(la)
        alloc.update({t: -n for t, n in sa.items()})
        return {k: v for k, v in alloc.items() if v != 0}, ll + sl
    available = total
    bought, buy_prices = [], []
    for ticker, w in weights:
        price = prices[ticker]
        n = int(w * total / price)
        cost = n * price
        assert cost <= available
        available -= cost
        bought.append(n)
        buy_prices.append(price)
    while available > 0:
        cur = np.array(buy_prices) * np.array(bought)
        cur /= cur.sum()
        ideal = np.array([i[1] for i in weights])
        deficit = ideal - cur
        idx = np.argmax(deficit)
        ticker, w = weights[idx]
        price = prices[ticker]
        counter = 0
        while price > available:
            deficit[idx] = 0
            idx = np.argmax(deficit)
            if deficit[idx] < 0 or counter == 10:
                break
            ticker, w = weights[idx]
            price = prices[ticker]
            counter += 1
        if deficit[idx] <= 0 or counter == 10:
            break
        bought[idx] += 1
        available -= price
    alloc = {t: n for (t, _), n in zip(weights, bought) if n != 0}
    return alloc, available


def case(name, weights, capital, short_ratio=None, reinvest=False):
    w = sorted(weights.items())
    alloc, left = greedy(w, PRICES, capital, short_ratio, reinvest)
    print(f"case {name}")
    print(f"capital {capital!r}")
    print(f"short_ratio {short_ratio!r}" if short_ratio is not None else "short_ratio none")
    print(f"reinvest {1 if reinvest else 0}")
    for t, x in w:
        print(f"weight {t} {x!r} {PRICES[t]!r}")
    for t in sorted(alloc):
        print(f"expect {t} {alloc[t]}")
    print(f"leftover {left!r}")
    print("end")


def main():
    print("# discrete_allocation_greedy.txt — written by discrete_allocation_greedy.py (see its header):")
    print("# PyPortfolioOpt's greedy_portfolio re-implemented with numpy on the last prices of")
    print("# PyPortfolioOpt's tests/resources/stock_prices.csv. Per case: capital, short_ratio,")
    print("# reinvest, 'weight SYM w price' lines, 'expect SYM shares' lines (non-zero only), leftover.")
    syms = sorted(PRICES)
    raw = [0.137, 0.021, 0.084, 0.052, 0.011, 0.173, 0.066, 0.019, 0.045, 0.008,
           0.031, 0.095, 0.027, 0.012, 0.049, 0.036, 0.058, 0.014, 0.071, 0.029]
    tot = sum(raw)
    even = {s: r / tot for s, r in zip(syms, raw)}
    case("long_20_names_10k", even, 10000)
    case("long_20_names_3k", even, 3000)
    case("long_partial_invest", {"AAPL": 0.35, "MA": 0.25, "PFE": 0.2, "GOOG": 0.1}, 25000)
    ls = {"MA": 0.4, "PFE": 0.3, "FB": 0.25, "AAPL": 0.2, "BBY": 0.1, "XOM": 0.05,
          "BAC": -0.15, "AMD": -0.1, "SHLD": -0.05, "GE": -0.05, "WMT": 0.0}
    case("long_short_130_30", ls, 10000, 0.3)
    case("long_short_reinvest", ls, 10000, 0.3, True)
    case("ties_by_symbol", {"BAC": 0.25, "GM": 0.25, "RRC": 0.25, "T": 0.25}, 1000)


if __name__ == "__main__":
    main()
