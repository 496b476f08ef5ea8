"""The conventions every engine, selector and service shares: one home for the numbers.

Pure constants (no Django): the engines use them as defaults, the selectors and services as the
windows they read and the parameters they pass, so that a docstring's "252 days" and the code agree.

Time
- :data:`TRADING_DAYS_PER_YEAR` (252): annualization of daily statistics (returns compound to
  ``^252``, volatilities ``x sqrt(252)``, covariances ``x 252``); the daily risk-free rate is
  DGS3MO / 252.
- :data:`DAYS_PER_YEAR` (365.0): option time to expiry ``T = calendar days / 365``; theta is per
  calendar day (annual theta / 365).

Prices (the price-age rule)
- A symbol's price as of a date is its last stored close on or before that date, and only when
  that bar is at most :data:`MAX_PRICE_AGE_DAYS` (7) calendar days older than the date; an older
  close counts as missing (stale), so the position is unpriced rather than valued at an old price.

Factor model (7 ETF-proxied factors, :data:`FACTOR_ETFS`, Market first)
- Market = SPY return; each style factor = its ETF's return - SPY's return.
- OLS over the last :data:`FACTOR_WINDOW` (252) daily returns, at least :data:`FACTOR_MIN_OBS`
  (60) dates where the symbol and every regressor are finite.

Volatility, covariance, correlation
- Realized volatility (the fallback sigma of options): sample std (ddof=1) of the last
  :data:`REALIZED_VOL_WINDOW` (60) simple daily returns x sqrt(252), floored at
  :data:`REALIZED_VOL_FLOOR` (0.05 = 5 %), NaN below :data:`REALIZED_VOL_MIN_OBS` (20) returns.
- EWMA covariance of the stress variables: lambda :data:`EWMA_LAMBDA` (0.94) over the last
  :data:`EWMA_WINDOW` (252) days, a pair NaN below :data:`EWMA_MIN_OBSERVATIONS` (60) rows.
- Sample covariance (parametric VaR, Monte Carlo, risk contributions): the last
  :data:`COVARIANCE_WINDOW` (252) complete daily rows, NaN below
  :data:`COVARIANCE_MIN_OBSERVATIONS` (60).
- Position correlations: Pearson of the last :data:`CORRELATION_WINDOW` (90) daily log returns,
  pairwise overlap at least :data:`CORRELATION_MIN_OVERLAP` (30) days.

Value at risk
- Historical: the last :data:`HISTORICAL_VAR_WINDOW` (500) daily return vectors, NaN below
  :data:`HISTORICAL_VAR_MIN_OBSERVATIONS` (100) scenarios; parametric and Monte Carlo on the
  252-day sample covariance; :data:`MONTE_CARLO_PATHS` (10,000) seeded paths.
- Confidences :data:`VAR_CONFIDENCES` (95 %, 97.5 %, 99 %), horizons :data:`VAR_HORIZONS`
  (1 and 10 trading days).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

__all__ = [
    "COVARIANCE_MIN_OBSERVATIONS",
    "COVARIANCE_WINDOW",
    "CORRELATION_MIN_OVERLAP",
    "CORRELATION_WINDOW",
    "DAYS_PER_YEAR",
    "EWMA_LAMBDA",
    "EWMA_MIN_OBSERVATIONS",
    "EWMA_WINDOW",
    "FACTOR_ETFS",
    "FACTOR_MIN_OBS",
    "FACTOR_WINDOW",
    "HISTORICAL_VAR_MIN_OBSERVATIONS",
    "HISTORICAL_VAR_WINDOW",
    "MARKET_FACTOR",
    "MAX_PRICE_AGE_DAYS",
    "MONTE_CARLO_PATHS",
    "REALIZED_VOL_FLOOR",
    "REALIZED_VOL_MIN_OBS",
    "REALIZED_VOL_WINDOW",
    "TRADING_DAYS_PER_YEAR",
    "VAR_CONFIDENCES",
    "VAR_HORIZONS",
]

#: Trading days per year: annualization of daily statistics.
TRADING_DAYS_PER_YEAR = 252
#: Calendar days per year: option T = calendar days / 365 (a float, so that T is one).
DAYS_PER_YEAR = 365.0

#: A close older than this many calendar days before the as-of date counts as missing (stale).
MAX_PRICE_AGE_DAYS = 7

#: The 7 factors and their ETF proxies (data/factor_model.csv), in display order, Market first.
FACTOR_ETFS: Mapping[str, str] = MappingProxyType(
    {
        "Market": "SPY",
        "Value": "VTV",
        "Growth": "VUG",
        "Momentum": "MTUM",
        "Quality": "QUAL",
        "Size": "IWM",
        "Low Volatility": "USMV",
    }
)
MARKET_FACTOR = "Market"
#: Factor regressions: daily returns in the window, minimum usable dates.
FACTOR_WINDOW = 252
FACTOR_MIN_OBS = 60

#: Realized volatility: daily returns in the window, floor (decimal), minimum finite returns.
REALIZED_VOL_WINDOW = 60
REALIZED_VOL_FLOOR = 0.05
REALIZED_VOL_MIN_OBS = 20

#: EWMA covariance of the stress variables.
EWMA_LAMBDA = 0.94
EWMA_WINDOW = 252
EWMA_MIN_OBSERVATIONS = 60

#: Sample covariance (parametric VaR, Monte Carlo, contributions): rows used, minimum rows.
COVARIANCE_WINDOW = 252
COVARIANCE_MIN_OBSERVATIONS = 60

#: Position correlations: daily log returns in the window, minimum pairwise overlap.
CORRELATION_WINDOW = 90
CORRELATION_MIN_OVERLAP = 30

#: Historical VaR: daily return vectors used, minimum scenarios.
HISTORICAL_VAR_WINDOW = 500
HISTORICAL_VAR_MIN_OBSERVATIONS = 100
#: Monte Carlo VaR: seeded paths.
MONTE_CARLO_PATHS = 10_000
#: VaR / ES confidences and horizons (trading days).
VAR_CONFIDENCES: tuple[float, ...] = (0.95, 0.975, 0.99)
VAR_HORIZONS: tuple[int, ...] = (1, 10)
