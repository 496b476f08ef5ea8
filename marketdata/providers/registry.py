"""Builds the configured provider from settings (the only place that maps names to classes)."""

from __future__ import annotations

import datetime as dt
import functools

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

from marketdata.providers.base import MarketDataProvider

PROVIDER_NAMES = ("synthetic", "fmp", "polygon", "csv")


def market_as_of(today: dt.date | None = None) -> dt.date:
    """The market date the product works on: ``SYNTHETIC_AS_OF`` when set (synthetic only), else the
    last NYSE session strictly before today (today's session is not closed until the batch runs)."""
    from marketdata.providers.calendar import last_session_before

    if settings.MARKET_DATA_PROVIDER == "synthetic" and settings.SYNTHETIC_AS_OF:
        return dt.date.fromisoformat(settings.SYNTHETIC_AS_OF)
    return last_session_before(today or timezone.localdate())


@functools.cache
def _synthetic(seed: int, as_of: dt.date) -> MarketDataProvider:
    from marketdata.providers.synthetic import SyntheticProvider

    return SyntheticProvider(seed=seed, as_of=as_of)


def get_provider(name: str | None = None) -> MarketDataProvider:
    """The price provider named in settings (``MARKET_DATA_PROVIDER``), with FMP -> Polygon fallback."""
    name = (name or settings.MARKET_DATA_PROVIDER).lower()
    if name == "synthetic":
        return _synthetic(settings.SYNTHETIC_SEED, market_as_of())
    if name == "fmp":
        from marketdata.providers.fallback import FallbackProvider
        from marketdata.providers.fmp import FMPProvider
        from marketdata.providers.polygon import PolygonProvider

        if not settings.FMP_API_KEY:
            raise ImproperlyConfigured("MARKET_DATA_PROVIDER=fmp needs FMP_API_KEY.")
        chain: list[MarketDataProvider] = [FMPProvider(api_key=settings.FMP_API_KEY)]
        if settings.POLYGON_API_KEY:
            chain.append(PolygonProvider(api_key=settings.POLYGON_API_KEY))
        return FallbackProvider(chain) if len(chain) > 1 else chain[0]
    if name == "polygon":
        from marketdata.providers.polygon import PolygonProvider

        if not settings.POLYGON_API_KEY:
            raise ImproperlyConfigured("MARKET_DATA_PROVIDER=polygon needs POLYGON_API_KEY.")
        return PolygonProvider(api_key=settings.POLYGON_API_KEY)
    if name == "csv":
        from marketdata.providers.csv_prices import CSVProvider

        return CSVProvider.empty()
    raise ImproperlyConfigured(
        f"Unknown MARKET_DATA_PROVIDER {name!r}; use one of {', '.join(PROVIDER_NAMES)}."
    )


def get_macro_provider() -> MarketDataProvider | None:
    """Where rates come from: the synthetic market itself, else FRED when a key is set."""
    if settings.MARKET_DATA_PROVIDER == "synthetic":
        return get_provider("synthetic")
    if settings.FRED_API_KEY:
        from marketdata.providers.fred import FREDProvider

        return FREDProvider(api_key=settings.FRED_API_KEY)
    return None
