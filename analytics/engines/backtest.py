"""VaR backtesting: exceptions, Kupiec POF, Christoffersen independence / conditional coverage,
Basel traffic light, and the realized P&L the forecasts are tested against.

Pure numpy/scipy: no Django, no clock, no I/O.

Conventions
-----------
- VaR is a positive loss (USD); P&L is signed (gain > 0). An exception is a day whose P&L is
  below ``-VaR`` (strictly). ``p = 1 - confidence`` is the expected exception rate.
- Kupiec proportion of failures: ``LR_pof = -2 ln[(1-p)^(n-x) p^x] + 2 ln[(1-x/n)^(n-x) (x/n)^x]``
  (``0 ln 0 = 0``), chi-square with 1 degree of freedom.
- Christoffersen independence: with ``n_ij`` the count of days in state j after a day in state i
  (1 = exception), ``pi_01 = n01 / (n00 + n01)``, ``pi_11 = n11 / (n10 + n11)``,
  ``pi = (n01 + n11) / (n00 + n01 + n10 + n11)``: ``LR_ind = -2 ln[(1-pi)^(n00+n10) pi^(n01+n11)]
  + 2 ln[(1-pi_01)^n00 pi_01^n01 (1-pi_11)^n10 pi_11^n11]``, chi-square(1); conditional coverage
  ``LR_cc = LR_pof + LR_ind``, chi-square(2). p-values are the chi-square survival functions.
- Basel traffic light by the binomial cumulative probability ``P(X <= x)`` of the observed
  exceptions under ``p``: green below 95 %, yellow below 99.99 %, red from 99.99 % (250 days at
  99 %: green 0-4, yellow 5-9, red 10+).
- Realized P&L (:func:`realized_pnl`, DESIGN.md "Performance"): from consecutive NAV snapshots and
  the day's external flow ``F_t`` (cost of lots opened minus proceeds of lots closed, at the start
  of the day), ``pnl_t = NAV_t - NAV_t-1 - F_t`` (USD, signed): a new position's cost is a flow,
  not a gain. NaN on the first day.
- :data:`BASEL_WINDOW` (250): the traffic light is read on the last 250 tested days.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.stats import binom, chi2

__all__ = [
    "BASEL_WINDOW",
    "BacktestStats",
    "backtest_stats",
    "christoffersen",
    "kupiec_pof",
    "realized_pnl",
    "traffic_light",
]

#: Tested days of the Basel traffic light.
BASEL_WINDOW = 250


def _xlogy(x: float, y: float) -> float:
    return 0.0 if x == 0 else x * math.log(y)


def kupiec_pof(n: int, x: int, p: float) -> tuple[float, float]:
    """``(LR_pof, p_value)`` for ``x`` exceptions in ``n`` days at expected rate ``p``."""
    if n <= 0:
        return float("nan"), float("nan")
    phat = x / n
    stat = -2 * (_xlogy(n - x, 1 - p) + _xlogy(x, p)) + 2 * (_xlogy(n - x, 1 - phat) + _xlogy(x, phat))
    stat = max(stat, 0.0)
    return stat, float(chi2.sf(stat, 1))


def christoffersen(exceptions: np.ndarray, p: float) -> dict[str, tuple[float, float]]:
    """``{"independence": (LR_ind, p_value), "conditional_coverage": (LR_cc, p_value)}``."""
    e = np.asarray(exceptions, dtype=bool)
    if e.size < 2:
        nan = (float("nan"), float("nan"))
        return {"independence": nan, "conditional_coverage": nan}
    prev, cur = e[:-1], e[1:]
    n00 = int(np.sum(~prev & ~cur))
    n01 = int(np.sum(~prev & cur))
    n10 = int(np.sum(prev & ~cur))
    n11 = int(np.sum(prev & cur))
    pi01 = n01 / (n00 + n01) if n00 + n01 else 0.0
    pi11 = n11 / (n10 + n11) if n10 + n11 else 0.0
    pi = (n01 + n11) / (n00 + n01 + n10 + n11)
    restricted = _xlogy(n00 + n10, 1 - pi) + _xlogy(n01 + n11, pi)
    unrestricted = _xlogy(n00, 1 - pi01) + _xlogy(n01, pi01) + _xlogy(n10, 1 - pi11) + _xlogy(n11, pi11)
    ind = max(-2 * restricted + 2 * unrestricted, 0.0)
    pof, _ = kupiec_pof(int(e.size), int(e.sum()), p)
    cc = pof + ind
    return {
        "independence": (ind, float(chi2.sf(ind, 1))),
        "conditional_coverage": (cc, float(chi2.sf(cc, 2))),
    }


def traffic_light(n: int, x: int, p: float) -> str:
    """``green`` / ``yellow`` / ``red`` by the binomial ``P(X <= x)`` (module doc)."""
    cumulative = float(binom.cdf(x, n, p))
    if cumulative < 0.95:
        return "green"
    if cumulative < 0.9999 - 1e-12:
        return "yellow"
    return "red"


@dataclass(frozen=True)
class BacktestStats:
    observations: int
    exceptions: int
    expected_exceptions: float
    exception_flags: np.ndarray
    kupiec: tuple[float, float]
    independence: tuple[float, float]
    conditional_coverage: tuple[float, float]
    traffic_light: str


def backtest_stats(var: np.ndarray, pnl: np.ndarray, confidence: float) -> BacktestStats:
    """Exceptions and tests of a VaR series (positive losses) against realized P&L, same length;
    days where either is NaN are dropped first."""
    v, x = np.asarray(var, dtype=np.float64), np.asarray(pnl, dtype=np.float64)
    ok = np.isfinite(v) & np.isfinite(x)
    flags = x[ok] < -v[ok]
    n, k, p = int(ok.sum()), int(flags.sum()), 1.0 - confidence
    chris = christoffersen(flags, p)
    return BacktestStats(
        observations=n,
        exceptions=k,
        expected_exceptions=n * p,
        exception_flags=flags,
        kupiec=kupiec_pof(n, k, p),
        independence=chris["independence"],
        conditional_coverage=chris["conditional_coverage"],
        traffic_light=traffic_light(n, k, p) if n else "green",
    )


def realized_pnl(nav: np.ndarray, flow: np.ndarray) -> np.ndarray:
    """Daily P&L (USD, signed) of consecutive snapshots, flows excluded (module doc); NaN first."""
    v, f = np.asarray(nav, dtype=np.float64), np.asarray(flow, dtype=np.float64)
    out = np.full(v.shape, np.nan)
    out[1:] = v[1:] - v[:-1] - f[1:]
    return out
