"""FRED (Federal Reserve Bank of St. Louis) client: macro series such as DGS3MO and DGS10.

Endpoints (key passed as the ``api_key`` query parameter, ``file_type=json``):

- ``GET https://api.stlouisfed.org/fred/series?series_id=...``: the series' metadata, read once per
  series for its ``units`` (cached on the instance).
- ``GET https://api.stlouisfed.org/fred/series/observations?series_id=...&observation_start=...
  &observation_end=...``: ``{"count", "offset", "limit", "observations": [{"date", "value"}]}`` with
  values as strings; ``"."`` marks a day without an observation (e.g. a bond-market holiday).

Units: a series whose FRED units are a percent (Treasury yields: "Percent") is returned as a decimal,
the percent divided by 100 (4.25 -> 0.0425); any other series (VIXCLS in index points, DCOILWTICO in
USD per barrel) is returned in its own units. Days marked ``"."`` are dropped, never filled.
FRED has no prices: ``history``, ``quotes`` and ``profile`` raise :class:`ProviderError`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import pandas as pd

from marketdata.providers.base import (
    HistoryResult,
    ProfilesResult,
    ProviderError,
    QuotesResult,
)
from marketdata.providers.http import (
    VendorProvider,
)

BASE_URL = "https://api.stlouisfed.org/fred"
#: FRED allows 120 requests per minute per key
DEFAULT_REQUESTS_PER_MINUTE = 120
#: FRED's largest page of observations
PAGE_LIMIT = 100_000
_MACRO_ONLY = "FRED provides macro series only"


class FREDProvider(VendorProvider):
    """FRED macro series; percent series come back as decimals indexed by ``datetime.date``."""

    name = "fred"

    default_base_url = BASE_URL
    key_setting = "FRED_API_KEY"
    requests_per_minute = DEFAULT_REQUESTS_PER_MINUTE

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._units: dict[str, str] = {}  # series id -> FRED units, read once per series

    def _get(self, series_id: str, path: str, **params: str | int) -> dict[str, Any]:
        query = {**params, "series_id": series_id, "file_type": "json", "api_key": self._api_key}
        try:
            body = self._http.get(f"{self._base_url}/{path}", query)
        except ProviderError as exc:
            raise ProviderError(f"FRED series {series_id!r}: {exc}") from None
        if not isinstance(body, dict):
            raise ProviderError(f"FRED series {series_id!r}: unexpected {path} response")
        return body

    def units(self, series_id: str) -> str:
        """FRED's units of a series ("Percent", "Index", ...), fetched once and cached."""
        if series_id not in self._units:
            body = self._get(series_id, "series")
            seriess = body.get("seriess") or [{}]
            self._units[series_id] = str(seriess[0].get("units") or "")
        return self._units[series_id]

    def series(self, series_id: str, start: dt.date, end: dt.date) -> pd.Series:
        """Observations in [start, end] as float64 indexed by date; percent series as decimals."""
        divisor = 100.0 if "percent" in self.units(series_id).lower() else 1.0
        dates: list[dt.date] = []
        values: list[float] = []
        offset = 0
        while True:
            body = self._get(
                series_id,
                "series/observations",
                observation_start=start.isoformat(),
                observation_end=end.isoformat(),
                limit=PAGE_LIMIT,
                offset=offset,
            )
            observations = body.get("observations") or []
            for item in observations:
                raw = str(item.get("value", ".")).strip()
                if raw in (".", ""):
                    continue
                try:
                    value = float(raw)
                except ValueError:
                    continue
                dates.append(dt.date.fromisoformat(str(item["date"])))
                values.append(value / divisor)
            offset += len(observations)
            if not observations or offset >= int(body.get("count") or 0):
                break
        index = pd.Index(dates, dtype="object", name="date")
        return pd.Series(values, index=index, dtype="float64", name=series_id)

    def history(self, symbols: Sequence[str], start: dt.date, end: dt.date) -> HistoryResult:
        """Not offered: FRED has no price bars."""
        raise ProviderError(_MACRO_ONLY)

    def quotes(self, symbols: Sequence[str]) -> QuotesResult:
        """Not offered: FRED has no quotes."""
        raise ProviderError(_MACRO_ONLY)

    def profile(self, symbols: Sequence[str]) -> ProfilesResult:
        """Not offered: FRED has no security master."""
        raise ProviderError(_MACRO_ONLY)
