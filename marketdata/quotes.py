"""Latest quotes from the configured provider, cached briefly (the provider is the source of truth)."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

from django.core.cache import cache

from marketdata.providers.base import ProviderError
from marketdata.providers.registry import get_provider
from sigmasight.api.exceptions import ApplicationError

QUOTE_CACHE_SECONDS = 60


class ProviderUnavailable(ApplicationError):
    status_code = 503
    code = "SERVICE_UNAVAILABLE"


def quotes_get(*, symbols: Sequence[str]) -> dict[str, Any]:
    """``{quotes: [...], missing: [...], last_updated_at, data_source}`` for the requested symbols."""
    provider = get_provider()
    # hashed: OCC symbols hold spaces and 100 symbols exceed memcached's 250-character key limit
    key = f"quotes:{provider.name}:{hashlib.sha256(','.join(symbols).encode()).hexdigest()}"
    cached = cache.get(key)
    if cached is not None:
        return cached
    try:
        result = provider.quotes(list(symbols))
    except ProviderError as exc:
        raise ProviderUnavailable(f"The market-data provider did not answer: {exc}") from exc
    quotes = [
        {
            "symbol": q.symbol,
            "last_price": q.last_price,
            "bid": q.bid,
            "ask": q.ask,
            "volume": q.volume,
            "day_change": q.day_change,
            "day_change_percent": q.day_change_percent,
            "day_high": q.day_high,
            "day_low": q.day_low,
            "updated_at": q.updated_at,
        }
        for q in result.quotes
    ]
    last = max((q.updated_at for q in result.quotes), default=None)
    body = {
        "quotes": quotes,
        "missing": sorted(result.missing),
        "missing_reasons": dict(sorted(result.missing.items())),
        "last_updated_at": last,
        "data_source": provider.name,
    }
    cache.set(key, body, QUOTE_CACHE_SECONDS)
    return body
