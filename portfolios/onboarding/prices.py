"""The prices the preview and the readiness checks read: stored closes (through
:func:`marketdata.selectors.last_closes`), else a provider quote."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured

from analytics.engines.conventions import MAX_PRICE_AGE_DAYS
from marketdata.providers.base import ProviderError
from marketdata.providers.registry import get_provider
from marketdata.selectors import last_closes
from portfolios.csv_import.results import ParsedRow

logger = logging.getLogger(__name__)

#: A close older than this many calendar days before as_of counts as missing (the engines'
#: price-age rule, :data:`analytics.engines.conventions.MAX_PRICE_AGE_DAYS`).
PRICE_MAX_AGE_DAYS = MAX_PRICE_AGE_DAYS


@dataclass
class PriceInfo:
    """The latest stored close on or before as_of (``source`` "close") or a provider quote
    ("quote"); ``bars`` is the number of stored daily bars up to as_of."""

    price: float | None = None
    price_date: dt.date | None = None
    source: str | None = None
    bars: int = 0

    def fresh(self, as_of: dt.date) -> bool:
        """Whether the price is at most :data:`PRICE_MAX_AGE_DAYS` older than ``as_of``."""
        return self.price_date is not None and (as_of - self.price_date).days <= PRICE_MAX_AGE_DAYS


def rows_symbols(rows: Iterable[ParsedRow]) -> list[str]:
    """Every symbol the positions need prices for: their own and their option underlyings."""
    out: set[str] = set()
    for row in rows:
        out.add(row.symbol)
        out.add(row.lookup_symbol)
    return sorted(out)


def symbol_prices(*, symbols: Sequence[str], as_of: dt.date, quote_missing: bool) -> dict[str, PriceInfo]:
    """Latest stored close on or before ``as_of`` and the number of bars, per symbol (one query);
    with ``quote_missing`` a provider quote for the symbols without a stored close (one call)."""
    if not symbols:
        return {}
    info = {
        symbol: PriceInfo(price=last.close, price_date=last.date, source="close", bars=last.bars)
        for symbol, last in last_closes(symbols=symbols, as_of=as_of).items()
    }
    missing = [s for s in symbols if s not in info]
    if quote_missing and missing:
        try:
            quotes = get_provider().quotes(missing).quotes
        except (ProviderError, ImproperlyConfigured, OSError) as exc:
            logger.warning("Quotes for the preview failed: %s", exc)
            quotes = []
        for quote in quotes:
            info[quote.symbol] = PriceInfo(
                price=float(quote.last_price), price_date=quote.updated_at.date(), source="quote"
            )
    return info
