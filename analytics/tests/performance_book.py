"""Hand-made books for the snapshot, performance and attribution tests (worked by hand below).

Sessions D0..D6 = Tue 2024-01-02 .. Wed 2024-01-10 (no bars on the weekend). SPY has a bar every
session; DGS3MO is 5% (decimal) throughout.

The "flow book" (cash 1,000):
- lot A: 10 AAA bought on D0 @ 10, sold on D4 @ 13.20 (the D3 close);
- lot B: 100 AAA bought on D2 @ 12 (the D2 close).
AAA closes: 10, 11, 12, 13.2, 12, 12, 12.6.

    day  held  MV      NAV     F       r
    D0   A     100     1100    100     null (first day)
    D1   A     110     1110    0       10 / 1100
    D2   A+B   1320    2320    1200    (2320 - 1110 - 1200) / (1110 + 1200) = 10 / 2310
    D3   A+B   1452    2452    0       132 / 2320
    D4   B     1200    2200    -132    (2200 - 2452 + 132) / (2452 - 132) = -120 / 2320
    D5   B     1200    2200    0       0
    D6   B     1260    2260    0       60 / 2200
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd

from marketdata.models import MacroSeries, PriceBar, Security
from portfolios.models import Portfolio, Position
from portfolios.tests.factories import PortfolioFactory, PositionFactory

D = [dt.date(2024, 1, d) for d in (2, 3, 4, 5, 8, 9, 10)]
AAA_CLOSES = [10.0, 11.0, 12.0, 13.2, 12.0, 12.0, 12.6]
SPY_CLOSES = [100.0, 101.0, 100.0, 102.0, 101.0, 103.0, 104.0]
RATE = 0.05

FLOW_NAV = [1100.0, 1110.0, 2320.0, 2452.0, 2200.0, 2200.0, 2260.0]
FLOW_FLOWS = [100.0, 0.0, 1200.0, 0.0, -132.0, 0.0, 0.0]
FLOW_RETURNS = [None, 10 / 1100, 10 / 2310, 132 / 2320, -120 / 2320, 0.0, 60 / 2200]


def bar(symbol: str, date: dt.date, close: float, adjusted: float | None = None) -> PriceBar:
    return PriceBar(
        symbol=symbol,
        date=date,
        open=close,
        high=close,
        low=close,
        close=close,
        adjusted_close=close if adjusted is None else adjusted,
        volume=1000,
        source="synthetic",
    )


def store_bars(symbol: str, dates: Sequence[dt.date], closes: Sequence[float]) -> None:
    PriceBar.objects.bulk_create([bar(symbol, d, c) for d, c in zip(dates, closes, strict=True)])


def store_rate(dates: Sequence[dt.date], value: float = RATE) -> None:
    MacroSeries.objects.bulk_create(
        [MacroSeries(series_id="DGS3MO", date=d, value=value, source="synthetic") for d in dates]
    )


def store_market(dates: Sequence[dt.date] = D) -> None:
    """SPY bars and the 5 % rate on the sessions D (the calendar of every book here)."""
    store_bars("SPY", dates, SPY_CLOSES[: len(dates)])
    store_rate(dates)


def lot(
    portfolio: Portfolio,
    symbol: str,
    quantity: float,
    entry_price: float,
    entry_date: dt.date,
    exit_price: float | None = None,
    exit_date: dt.date | None = None,
    **extra: Any,
) -> Position:
    """A stock lot (position_type from the sign) unless ``extra`` says otherwise."""
    fields: dict[str, Any] = {
        "portfolio": portfolio,
        "symbol": symbol,
        "quantity": Decimal(str(quantity)),
        "entry_price": Decimal(str(entry_price)),
        "entry_date": entry_date,
        "position_type": "LONG" if quantity > 0 else "SHORT",
        "exit_price": None if exit_price is None else Decimal(str(exit_price)),
        "exit_date": exit_date,
    }
    fields.update(extra)
    return PositionFactory(**fields)


def flow_book(owner: Any = None) -> Portfolio:
    """The flow book of the module doc (market data included)."""
    store_market()
    store_bars("AAA", D, AAA_CLOSES)
    Security.objects.get_or_create(symbol="AAA", defaults={"name": "AAA Corp", "sector": "Technology"})
    portfolio = PortfolioFactory(cash_balance=Decimal("1000"), **({"owner": owner} if owner else {}))
    lot(portfolio, "AAA", 10, 10, D[0], exit_price=13.2, exit_date=D[4])
    lot(portfolio, "AAA", 100, 12, D[2])
    return portfolio


def random_walk(n: int, seed: int, start: float = 100.0, vol: float = 0.015) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return start * np.cumprod(1.0 + rng.normal(0.0005, vol, n))


def sessions(n: int, start: str = "2023-01-02") -> list[dt.date]:
    return [d.date() for d in pd.bdate_range(start, periods=n)]
