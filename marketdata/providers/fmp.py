"""Financial Modeling Prep (FMP) client: the primary real-vendor source of stock/ETF/fund data.

Endpoints (FMP API v3, key passed as the ``apikey`` query parameter):

- history: ``GET /api/v3/historical-price-full/{symbol}?from=YYYY-MM-DD&to=YYYY-MM-DD``, one request
  per symbol. Body ``{"symbol": ..., "historical": [{"date", "open", "high", "low", "close",
  "adjClose", "volume", ...}]}`` (newest first), or ``{}`` for a symbol FMP does not know.
  ``close`` is split-adjusted, ``adjClose`` split- and dividend-adjusted.
- quotes: ``GET /api/v3/quote/{A,B,...}`` (batched); unknown symbols are simply absent.
- profile: ``GET /api/v3/profile/{symbol}``; ``[]`` for an unknown symbol.

Units: prices in USD per share, volume in shares, market_cap in USD, dividend_yield a decimal per year
(``lastDiv / price``: FMP's ``lastDiv`` is the trailing annual dividend per share). FMP has no listed
options and no macro series: option symbols go to ``missing`` without a request (the fallback then
asks Polygon), and :meth:`FMPProvider.series` raises :class:`ProviderError`.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator, Sequence
from typing import Any

import pandas as pd

from marketdata.providers.base import (
    BAR_COLUMNS,
    HistoryResult,
    Profile,
    ProfilesResult,
    ProviderError,
    Quote,
    QuotesResult,
    empty_bars,
)
from marketdata.providers.http import (
    VendorHTTP,
    VendorProvider,
)

BASE_URL = "https://financialmodelingprep.com/api/v3"
#: FMP's Starter plan allows 300 requests per minute; pass a limiter for another plan
DEFAULT_REQUESTS_PER_MINUTE = 300
#: symbols per batched quote request (keeps URLs short)
QUOTE_BATCH_SIZE = 50

_OPTION_SYMBOL = re.compile(r"^(O:)?[A-Z0-9.]{1,6}\s*\d{6}[CP]\d{8}$")


def is_option_symbol(symbol: str) -> bool:
    """True for an OCC option symbol (``AAPL250117C00150000``, padded or not)."""
    return bool(_OPTION_SYMBOL.match(symbol.strip().upper()))


def fmp_ticker(symbol: str) -> str:
    """FMP's spelling of a ticker: share classes use a dash (``BRK.B`` -> ``BRK-B``)."""
    return symbol.strip().upper().replace(".", "-")


def _unique(symbols: Sequence[str]) -> list[str]:
    return list(dict.fromkeys(symbols))


def _chunks(items: list[str], size: int) -> Iterator[list[str]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _float(value: Any) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _check_error(body: Any, http: VendorHTTP, what: str) -> None:
    """FMP reports some failures (bad key, plan limits) as 200 with an ``Error Message`` object."""
    if isinstance(body, dict) and "Error Message" in body:
        raise ProviderError(f"{http.provider}: {what} failed: {body['Error Message']}")


class FMPProvider(VendorProvider):
    """Financial Modeling Prep: daily bars, quotes and profiles for US stocks, ETFs and funds."""

    name = "fmp"

    default_base_url = BASE_URL
    key_setting = "FMP_API_KEY"
    requests_per_minute = DEFAULT_REQUESTS_PER_MINUTE

    def _get(self, path: str, **params: str) -> Any:
        body = self._http.get(f"{self._base_url}/{path}", {**params, "apikey": self._api_key})
        _check_error(body, self._http, path.split("/", 1)[0])
        return body

    def history(self, symbols: Sequence[str], start: dt.date, end: dt.date) -> HistoryResult:
        """Daily bars in [start, end]; prices USD per share, ``adjusted_close`` from ``adjClose``."""
        rows: list[dict[str, Any]] = []
        missing: dict[str, str] = {}
        for symbol in _unique(symbols):
            if is_option_symbol(symbol):
                missing[symbol] = "FMP has no listed options data"
                continue
            body = self._get(
                f"historical-price-full/{fmp_ticker(symbol)}",
                **{"from": start.isoformat(), "to": end.isoformat()},
            )
            historical = body.get("historical") if isinstance(body, dict) else None
            if not historical:
                missing[symbol] = "unknown symbol" if not body else f"no bars between {start} and {end}"
                continue
            found = self._bars(symbol, historical, start, end)
            if not found:
                missing[symbol] = f"no bars between {start} and {end}"
            rows.extend(found)
        if not rows:
            return HistoryResult(bars=empty_bars(), missing=missing)
        bars = pd.DataFrame.from_records(rows, columns=list(BAR_COLUMNS))
        bars = bars.sort_values(["symbol", "date"], kind="stable").reset_index(drop=True)
        return HistoryResult(bars=bars, missing=missing)

    def _bars(
        self, symbol: str, historical: list[dict[str, Any]], start: dt.date, end: dt.date
    ) -> list[dict[str, Any]]:
        rows = []
        for item in historical:
            day = dt.date.fromisoformat(str(item["date"])[:10])
            close = _float(item.get("close"))
            if not (start <= day <= end) or close is None:
                continue
            adjusted = _float(item.get("adjClose"))
            rows.append(
                {
                    "symbol": symbol,
                    "date": day,
                    "open": _float(item.get("open")) or close,
                    "high": _float(item.get("high")) or close,
                    "low": _float(item.get("low")) or close,
                    "close": close,
                    "adjusted_close": adjusted if adjusted is not None else close,
                    "volume": int(item.get("volume") or 0),
                    "source": self.name,
                }
            )
        return rows

    def quotes(self, symbols: Sequence[str]) -> QuotesResult:
        """Latest quotes (USD per share); FMP's quote has no bid/ask, so those are None."""
        wanted: dict[str, str] = {}
        missing: dict[str, str] = {}
        for symbol in _unique(symbols):
            if is_option_symbol(symbol):
                missing[symbol] = "FMP has no listed options data"
            else:
                wanted[fmp_ticker(symbol)] = symbol
        quotes: list[Quote] = []
        for batch in _chunks(list(wanted), QUOTE_BATCH_SIZE):
            body = self._get(f"quote/{','.join(batch)}")
            for item in body if isinstance(body, list) else []:
                asked = wanted.pop(str(item.get("symbol", "")).upper(), None)
                if asked is None:
                    continue
                quote = self._quote(asked, item)
                if quote is None:
                    missing[asked] = "no price in the FMP quote"
                else:
                    quotes.append(quote)
        for symbol in wanted.values():
            missing[symbol] = "unknown symbol"
        return QuotesResult(quotes=quotes, missing=missing)

    def _quote(self, symbol: str, item: dict[str, Any]) -> Quote | None:
        price = _float(item.get("price"))
        if price is None:
            return None
        stamp = item.get("timestamp")
        updated = (
            dt.datetime.fromtimestamp(int(stamp), tz=dt.UTC)
            if isinstance(stamp, int | float)
            else dt.datetime.now(dt.UTC)
        )
        volume = _float(item.get("volume"))
        return Quote(
            symbol=symbol,
            last_price=price,
            bid=_float(item.get("bid")),
            ask=_float(item.get("ask")),
            volume=int(volume) if volume is not None else None,
            day_change=_float(item.get("change")),
            day_change_percent=_float(item.get("changesPercentage")),
            day_high=_float(item.get("dayHigh")),
            day_low=_float(item.get("dayLow")),
            updated_at=updated,
        )

    def profile(self, symbols: Sequence[str]) -> ProfilesResult:
        """Security master data; ``market_cap`` in USD, ``dividend_yield`` a decimal per year."""
        profiles: dict[str, Profile] = {}
        missing: dict[str, str] = {}
        for symbol in _unique(symbols):
            if is_option_symbol(symbol):
                missing[symbol] = "FMP has no listed options data"
                continue
            body = self._get(f"profile/{fmp_ticker(symbol)}")
            item = body[0] if isinstance(body, list) and body else None
            if not isinstance(item, dict):
                missing[symbol] = "unknown symbol"
                continue
            profiles[symbol] = self._profile(symbol, item)
        return ProfilesResult(profiles=profiles, missing=missing)

    @staticmethod
    def _profile(symbol: str, item: dict[str, Any]) -> Profile:
        price = _float(item.get("price"))
        last_div = _float(item.get("lastDiv"))
        dividend_yield = (
            last_div / price if last_div is not None and price is not None and price > 0 else None
        )
        if symbol.startswith("^"):
            asset_type = "index"
        elif item.get("isEtf"):
            asset_type = "etf"
        elif item.get("isFund"):
            asset_type = "mutual_fund"
        else:
            asset_type = "stock"
        return Profile(
            symbol=symbol,
            name=str(item.get("companyName") or symbol),
            asset_type=asset_type,
            sector=str(item.get("sector") or ""),
            industry=str(item.get("industry") or ""),
            exchange=str(item.get("exchangeShortName") or item.get("exchange") or ""),
            currency=str(item.get("currency") or "USD"),
            market_cap=_float(item.get("mktCap")),
            dividend_yield=dividend_yield,
        )

    def series(self, series_id: str, start: dt.date, end: dt.date) -> pd.Series:
        """Not offered: FMP is not the macro source (use FRED)."""
        raise ProviderError(f"fmp does not offer macro series ({series_id}); use the FRED provider")
