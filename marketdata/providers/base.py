"""The market-data provider interface (pure: no Django import).

Every provider (synthetic, csv, fmp, polygon, fred) implements :class:`MarketDataProvider`.
Conventions shared by all providers:

- Prices are in the security's currency (USD), per share (per contract share for options).
- ``history`` returns daily bars as a DataFrame with the columns of :data:`BAR_COLUMNS`, one row per
  (symbol, trading date), dates as ``datetime.date``; ``adjusted_close`` is split/dividend adjusted.
- Macro series values are decimals (FRED's percent divided by 100), e.g. 0.0425 for 4.25%.
- A symbol the provider does not know is never invented: it is listed in ``missing`` with a reason.
- Providers never touch the database; the sync service (marketdata.services) persists what they return.
"""

from __future__ import annotations

import abc
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

import pandas as pd

BAR_COLUMNS: tuple[str, ...] = (
    "symbol",
    "date",
    "open",
    "high",
    "low",
    "close",
    "adjusted_close",
    "volume",
    "source",
)


def empty_bars() -> pd.DataFrame:
    """An empty bars frame with the standard columns."""
    return pd.DataFrame({c: pd.Series(dtype="object") for c in BAR_COLUMNS})


class ProviderError(Exception):
    """A provider failed for a whole request (network down, bad key, exhausted retries)."""


@dataclass(frozen=True)
class HistoryResult:
    """Daily bars for the symbols that were found, and a reason for each that was not."""

    bars: pd.DataFrame
    missing: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Quote:
    """A latest quote. ``bid``/``ask`` are None when the provider has none (never simulated)."""

    symbol: str
    last_price: float
    bid: float | None
    ask: float | None
    volume: int | None
    day_change: float | None
    day_change_percent: float | None  # percent: 1.5 = +1.5%
    day_high: float | None
    day_low: float | None
    updated_at: dt.datetime  # aware, UTC


@dataclass(frozen=True)
class QuotesResult:
    quotes: list[Quote]
    missing: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Profile:
    """Security master data for one symbol. asset_type: stock|etf|mutual_fund|index|option."""

    symbol: str
    name: str
    asset_type: str
    sector: str = ""
    industry: str = ""
    exchange: str = ""
    currency: str = "USD"
    market_cap: float | None = None  # USD
    dividend_yield: float | None = None  # decimal per year: 0.015 = 1.5%


@dataclass(frozen=True)
class ProfilesResult:
    profiles: dict[str, Profile]
    missing: dict[str, str] = field(default_factory=dict)


class MarketDataProvider(abc.ABC):
    """What the sync service needs from a source of market data."""

    #: the value stored in PriceBar.source and reported as ``data_source``
    name: str = ""

    @abc.abstractmethod
    def history(self, symbols: Sequence[str], start: dt.date, end: dt.date) -> HistoryResult:
        """Daily bars for ``symbols`` on trading days in [start, end] (both inclusive)."""

    @abc.abstractmethod
    def quotes(self, symbols: Sequence[str]) -> QuotesResult:
        """Latest quotes."""

    @abc.abstractmethod
    def profile(self, symbols: Sequence[str]) -> ProfilesResult:
        """Security master data."""

    @abc.abstractmethod
    def series(self, series_id: str, start: dt.date, end: dt.date) -> pd.Series:
        """A macro series (e.g. ``DGS3MO``, ``DGS10``) as decimals indexed by ``datetime.date``."""
