"""Market data and books for the factor and correlation tests (services and API).

``FactorMarket``: 300 business days ending Friday 2024-06-28 of the 7 factor ETFs, USO, EWG and
DGS10, generated from known factor moves (seeded), plus stocks built as known betas x factor
regressors + noise. Prices are 100 x the compounded simple returns, stored as PriceBars
(close = adjusted close), so the returns the engine reads back are exactly the ones generated
(up to float rounding of the price products). Valuations and aggregates are written directly:
the delta-adjusted exposures are hand-picked numbers.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

import numpy as np
import pandas as pd

from analytics.models import PortfolioAggregate, PositionValuation
from marketdata.models import MacroSeries, PriceBar
from portfolios.models import Portfolio, Position
from portfolios.tests.factories import PositionFactory

AS_OF = dt.date(2024, 6, 28)
FACTOR_ETFS = {
    "Market": "SPY",
    "Value": "VTV",
    "Growth": "VUG",
    "Momentum": "MTUM",
    "Quality": "QUAL",
    "Size": "IWM",
    "Low Volatility": "USMV",
}
STYLES = [f for f in FACTOR_ETFS if f != "Market"]
TRUE_BETAS = {
    "AAA": [1.2, 0.3, -0.2, 0.1, 0.0, 0.4, -0.3],
    "BBB": [0.8, -0.1, 0.5, 0.0, 0.2, -0.2, 0.1],
    "CCC": [1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
}


def bar(symbol: str, date: dt.date, close: float, source: str = "synthetic") -> PriceBar:
    return PriceBar(
        symbol=symbol,
        date=date,
        open=close,
        high=close,
        low=close,
        close=close,
        adjusted_close=close,
        volume=1000,
        source=source,
    )


def store_prices(prices: pd.DataFrame, source: str = "synthetic") -> None:
    """PriceBars for every finite value of a [date x symbol] frame."""
    rows = [
        bar(symbol, date, float(value), source)
        for symbol in prices.columns
        for date, value in prices[symbol].dropna().items()
    ]
    PriceBar.objects.bulk_create(rows, batch_size=5000)


@dataclass
class FactorMarket:
    """Generated returns [date x symbol] (the first date has no return) and the DGS10 levels."""

    dates: list[dt.date]
    returns: pd.DataFrame
    prices: pd.DataFrame
    dgs10: pd.Series
    short_history: Mapping[str, int] = field(default_factory=dict)


def factor_market(
    *,
    n_days: int = 300,
    seed: int = 7,
    stocks: Sequence[str] = ("AAA", "BBB"),
    short: Mapping[str, int] | None = None,
) -> FactorMarket:
    """Generates and stores the market: ETFs, USO, EWG, DGS10 and ``stocks`` (+ ``short`` ones).

    ``short``: {symbol: number of bars} for stocks with only their last bars (insufficient history).
    """
    rng = np.random.default_rng(seed)
    dates = [d.date() for d in pd.bdate_range(end=AS_OF, periods=n_days)]
    index = pd.Index(dates)
    market = rng.normal(0.0004, 0.01, n_days)
    spreads = rng.normal(0.0, 0.004, (n_days, len(STYLES)))
    returns = pd.DataFrame(index=index)
    returns["SPY"] = market
    for j, style in enumerate(STYLES):
        returns[FACTOR_ETFS[style]] = market + spreads[:, j]
    rates = 0.04 + np.cumsum(rng.normal(0.0, 0.0005, n_days))
    rate_change = np.diff(rates, prepend=rates[0])
    oil = rng.normal(0.0, 0.02, n_days)
    intl = rng.normal(0.0, 0.012, n_days)
    returns["USO"] = oil
    returns["EWG"] = intl
    regressors = np.column_stack([market, spreads])
    short = dict(short or {})
    for symbol in [*stocks, *short]:
        if symbol in TRUE_BETAS:
            betas = np.asarray(TRUE_BETAS[symbol])
        else:  # any other name: market beta around 1, small style tilts
            betas = rng.normal(0.0, 0.3, 7) + np.array([1.0, 0, 0, 0, 0, 0, 0])
        noise = rng.normal(0.0, 0.008, n_days)
        returns[symbol] = 0.0001 + regressors @ betas + 0.5 * rate_change + 0.05 * oil + noise
    returns.iloc[0] = 0.0
    prices = 100.0 * (1.0 + returns).cumprod()
    for symbol, count in short.items():
        prices.loc[prices.index[:-count], symbol] = np.nan
    store_prices(prices)
    MacroSeries.objects.bulk_create(
        [
            MacroSeries(series_id="DGS10", date=d, value=float(v), source="synthetic")
            for d, v in zip(dates, rates)
        ]
    )
    return FactorMarket(
        dates=dates,
        returns=returns.iloc[1:],
        prices=prices,
        dgs10=pd.Series(rates, index=index),
        short_history=short,
    )


def hold(
    portfolio: Portfolio, symbol: str, *, exposure: float | None, option_of: str | None = None
) -> Position:
    """A held position (entry 2024-01-02) with a stored valuation on AS_OF whose delta-adjusted
    exposure is ``exposure`` (USD; None stores a valuation with a null exposure)."""
    if option_of:
        position = PositionFactory(
            portfolio=portfolio,
            symbol=symbol,
            position_type="LC",
            quantity=Decimal("2"),
            multiplier=100,
            entry_price=Decimal("5"),
            entry_date=dt.date(2024, 1, 2),
            underlying_symbol=option_of,
            option_type="call",
            strike_price=Decimal("100"),
            expiration_date=dt.date(2024, 12, 20),
        )
    else:
        position = PositionFactory(
            portfolio=portfolio, symbol=symbol, quantity=Decimal("100"), entry_date=dt.date(2024, 1, 2)
        )
    PositionValuation.objects.create(
        position=position,
        portfolio=portfolio,
        as_of_date=AS_OF,
        price=100.0,
        market_value=exposure,
        cost_basis=10_000.0,
        delta=1.0,
        delta_adjusted_exposure=exposure,
    )
    return position


def hold_unvalued(portfolio: Portfolio, symbol: str) -> Position:
    """A held position without any stored valuation."""
    return PositionFactory(
        portfolio=portfolio, symbol=symbol, quantity=Decimal("10"), entry_date=dt.date(2024, 1, 2)
    )


def aggregate(portfolio: Portfolio, nav: float, as_of: dt.date = AS_OF) -> PortfolioAggregate:
    """A stored aggregation of the portfolio with this NAV (other figures zero: unused here)."""
    return PortfolioAggregate.objects.create(
        portfolio=portfolio,
        as_of_date=as_of,
        nav=nav,
        cash=0.0,
        long_value=0.0,
        short_value=0.0,
        gross_exposure=0.0,
        net_exposure=0.0,
        delta_long=0.0,
        delta_short=0.0,
        delta_gross=0.0,
        delta_net=0.0,
        cost_basis=0.0,
        unrealized_pnl=0.0,
        position_count=0,
        priced_count=0,
    )
