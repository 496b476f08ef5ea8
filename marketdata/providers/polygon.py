"""Polygon.io client: listed options (and stocks/ETFs as the fallback behind FMP).

Why httpx and not the official ``polygon-api-client`` (now republished as ``massive``): that client
is built on urllib3's ``PoolManager`` with urllib3's own ``Retry``, so it cannot run over an
``httpx.MockTransport`` (recorded-response tests would need monkeypatching its internals), it retries
without jitter and without our token bucket (Polygon's free tier allows 5 requests a minute), and it
would add a dependency for three GET endpoints. We call the same REST endpoints directly, through the
shared plumbing of :mod:`marketdata.providers.http`; the key travels in the ``Authorization: Bearer``
header (which Polygon accepts), never in a URL.

Endpoints:

- history: ``GET /v2/aggs/ticker/{ticker}/range/1/day/{from}/{to}?adjusted=true&sort=asc`` per symbol,
  following ``next_url`` pages. Bars ``{"t": ms epoch of the session start (US/Eastern midnight),
  "o", "h", "l", "c", "v", "vw", "n"}``; a ticker Polygon does not know answers ``resultsCount: 0``.
  Polygon adjusts for splits only: ``close`` and ``adjusted_close`` are both the split-adjusted close
  (no dividend adjustment is available from this endpoint).
- quotes: ``GET /v2/aggs/ticker/{ticker}/prev`` (the previous session's bar, available on every plan):
  ``last_price`` is that close, ``updated_at`` that session's close in UTC from the exchange
  calendar (16:00 New York, 13:00 on an early close); bid/ask and the day change are None (the bar
  has no previous close to compare with).
- profile: ``GET /v3/reference/tickers/{ticker}`` (404 for an unknown ticker) and, for options,
  ``GET /v3/reference/options/contracts/{options_ticker}``. Polygon has no GICS sector: ``industry``
  is the SIC description, ``sector`` is empty and ``dividend_yield`` None.

Symbols: OCC option symbols (``AAPL250117C00150000``, or padded ``AAPL  250117C00150000``) map to
``O:AAPL250117C00150000``, ``^VIX`` to ``I:VIX``, share classes ``BRK-B`` to ``BRK.B``. Results are keyed
by the caller's symbol. Units: USD per share (per underlying share for options), volume in shares or
contracts, market_cap in USD.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from typing import Any
from zoneinfo import ZoneInfo

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
from marketdata.providers.calendar import session_close
from marketdata.providers.http import (
    VendorProvider,
)

BASE_URL = "https://api.polygon.io"
#: Polygon's free (Basic) plan allows 5 requests per minute; paid plans pass a faster limiter
DEFAULT_REQUESTS_PER_MINUTE = 5
NEW_YORK = ZoneInfo("America/New_York")
_OK_STATUSES = frozenset({"OK", "DELAYED"})

_OCC = re.compile(r"^(?:O:)?([A-Z0-9.]{1,6})\s*(\d{6})([CP])(\d{8})$")

_TYPE_TO_ASSET = {
    "CS": "stock",
    "OS": "stock",
    "ADRC": "stock",
    "GDR": "stock",
    "NYRS": "stock",
    "PFD": "stock",
    "ETF": "etf",
    "ETN": "etf",
    "ETV": "etf",
    "ETS": "etf",
    "FUND": "mutual_fund",
    "INDEX": "index",
}

_MIC_TO_EXCHANGE = {
    "XNAS": "NASDAQ",
    "XNYS": "NYSE",
    "ARCX": "NYSE ARCA",
    "XASE": "NYSE AMERICAN",
    "BATS": "CBOE BZX",
}


def polygon_ticker(symbol: str) -> str:
    """Polygon's ticker for one of our symbols (OCC options -> ``O:``, ``^`` indices -> ``I:``)."""
    text = symbol.strip().upper()
    occ = _OCC.match(text)
    if occ:
        return "O:" + "".join(occ.groups())
    if text.startswith("^"):
        return "I:" + text[1:]
    return text.replace("-", ".")


def _session_date(millis: int | float) -> dt.date:
    """The trading date of a daily aggregate (Polygon stamps it at midnight New York time)."""
    return dt.datetime.fromtimestamp(millis / 1000.0, tz=NEW_YORK).date()


def _float(value: Any) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


class PolygonProvider(VendorProvider):
    """Polygon.io: daily aggregates for stocks and options, previous-close quotes, ticker details."""

    name = "polygon"

    default_base_url = BASE_URL
    key_setting = "POLYGON_API_KEY"
    requests_per_minute = DEFAULT_REQUESTS_PER_MINUTE

    def _auth_headers(self, api_key: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {api_key}"}  # never in URLs

    def _get(self, url: str, params: dict[str, str] | None = None, **kw: Any) -> Any:
        body = self._http.get(url, params, **kw)
        if isinstance(body, dict) and body.get("status") not in (None, *_OK_STATUSES):
            reason = body.get("error") or body.get("message") or body.get("status")
            raise ProviderError(f"polygon: GET {url.split('?')[0]} answered {reason}")
        return body

    def history(self, symbols: Sequence[str], start: dt.date, end: dt.date) -> HistoryResult:
        """Daily split-adjusted bars in [start, end]; USD per share, volume in shares/contracts."""
        rows: list[dict[str, Any]] = []
        missing: dict[str, str] = {}
        for symbol in dict.fromkeys(symbols):
            ticker = polygon_ticker(symbol)
            url: str | None = (
                f"{self._base_url}/v2/aggs/ticker/{ticker}/range/1/day/{start.isoformat()}/{end.isoformat()}"
            )
            params: dict[str, str] | None = {"adjusted": "true", "sort": "asc", "limit": "50000"}
            found: list[dict[str, Any]] = []
            while url:
                body = self._get(url, params)
                found.extend(self._bars(symbol, body.get("results") or [], start, end))
                url, params = body.get("next_url"), None  # next_url carries its own cursor
                if url and not url.startswith(self._base_url + "/"):
                    # the bearer header must only ever go to Polygon itself
                    raise ProviderError(f"polygon: next_url left {self._base_url}")
            if found:
                rows.extend(found)
            else:
                missing[symbol] = f"no Polygon bars for {ticker} between {start} and {end}"
        if not rows:
            return HistoryResult(bars=empty_bars(), missing=missing)
        bars = pd.DataFrame.from_records(rows, columns=list(BAR_COLUMNS))
        bars = bars.drop_duplicates(["symbol", "date"], keep="last")
        bars = bars.sort_values(["symbol", "date"], kind="stable").reset_index(drop=True)
        return HistoryResult(bars=bars, missing=missing)

    def _bars(
        self, symbol: str, results: list[dict[str, Any]], start: dt.date, end: dt.date
    ) -> list[dict[str, Any]]:
        rows = []
        for item in results:
            close = _float(item.get("c"))
            if close is None or item.get("t") is None:
                continue
            day = _session_date(item["t"])
            if not (start <= day <= end):
                continue
            rows.append(
                {
                    "symbol": symbol,
                    "date": day,
                    "open": _float(item.get("o")) or close,
                    "high": _float(item.get("h")) or close,
                    "low": _float(item.get("l")) or close,
                    "close": close,
                    "adjusted_close": close,
                    "volume": int(_float(item.get("v")) or 0),
                    "source": self.name,
                }
            )
        return rows

    def quotes(self, symbols: Sequence[str]) -> QuotesResult:
        """Previous-session quotes: last_price = that close (USD per share); no bid/ask/change."""
        quotes: list[Quote] = []
        missing: dict[str, str] = {}
        for symbol in dict.fromkeys(symbols):
            ticker = polygon_ticker(symbol)
            body = self._get(f"{self._base_url}/v2/aggs/ticker/{ticker}/prev", {"adjusted": "true"})
            results = body.get("results") or []
            bar = results[0] if results else None
            close = _float(bar.get("c")) if bar else None
            if bar is None or close is None or bar.get("t") is None:
                missing[symbol] = f"no previous close for {ticker} at Polygon"
                continue
            volume = _float(bar.get("v"))
            quotes.append(
                Quote(
                    symbol=symbol,
                    last_price=close,
                    bid=None,
                    ask=None,
                    volume=int(volume) if volume is not None else None,
                    day_change=None,
                    day_change_percent=None,
                    day_high=_float(bar.get("h")),
                    day_low=_float(bar.get("l")),
                    updated_at=session_close(_session_date(bar["t"])),
                )
            )
        return QuotesResult(quotes=quotes, missing=missing)

    def profile(self, symbols: Sequence[str]) -> ProfilesResult:
        """Ticker details (stocks, ETFs, indices) or option contract details; market_cap in USD."""
        profiles: dict[str, Profile] = {}
        missing: dict[str, str] = {}
        for symbol in dict.fromkeys(symbols):
            ticker = polygon_ticker(symbol)
            is_option = ticker.startswith("O:")
            path = "v3/reference/options/contracts" if is_option else "v3/reference/tickers"
            body = self._get(f"{self._base_url}/{path}/{ticker}", not_found=(404,))
            details = body.get("results") if isinstance(body, dict) else None
            if not details:
                missing[symbol] = f"unknown ticker {ticker} at Polygon"
                continue
            profiles[symbol] = (
                self._option_profile(symbol, details) if is_option else self._ticker_profile(symbol, details)
            )
        return ProfilesResult(profiles=profiles, missing=missing)

    @staticmethod
    def _ticker_profile(symbol: str, details: dict[str, Any]) -> Profile:
        kind = str(details.get("type") or "").upper()
        asset_type = "index" if details.get("market") == "indices" else _TYPE_TO_ASSET.get(kind, "stock")
        mic = str(details.get("primary_exchange") or "")
        return Profile(
            symbol=symbol,
            name=str(details.get("name") or symbol),
            asset_type=asset_type,
            sector="",
            industry=str(details.get("sic_description") or "").title(),
            exchange=_MIC_TO_EXCHANGE.get(mic, mic),
            currency=str(details.get("currency_name") or "usd").upper(),
            market_cap=_float(details.get("market_cap")),
            dividend_yield=None,
        )

    @staticmethod
    def _option_profile(symbol: str, details: dict[str, Any]) -> Profile:
        underlying = str(details.get("underlying_ticker") or "")
        strike = _float(details.get("strike_price"))
        kind = str(details.get("contract_type") or "").lower()
        name = " ".join(
            part
            for part in (
                underlying,
                str(details.get("expiration_date") or ""),
                f"{strike:g}" if strike is not None else "",
                kind,
            )
            if part
        )
        mic = str(details.get("primary_exchange") or "")
        return Profile(
            symbol=symbol,
            name=name or symbol,
            asset_type="option",
            exchange=_MIC_TO_EXCHANGE.get(mic, mic),
            currency="USD",
        )

    def series(self, series_id: str, start: dt.date, end: dt.date) -> pd.Series:
        """Not offered here: macro series come from FRED."""
        raise ProviderError(f"polygon does not offer macro series ({series_id}); use the FRED provider")
