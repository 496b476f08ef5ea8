"""A provider chain: ask the primary vendor, then the next ones only for what is still missing.

The settings layer composes ``FallbackProvider([FMPProvider(...), PolygonProvider(...)])``: FMP
answers stocks/ETFs/funds, Polygon fills in the options and anything FMP lacks. Rules:

- ``history`` / ``quotes`` / ``profile``: each provider is asked only for the symbols no earlier
  provider returned; a provider that raises :class:`ProviderError` is skipped (its symbols pass on to
  the next). Each bar keeps its own vendor in the ``source`` column, so stored bars say where they
  came from. A symbol nobody has is listed in ``missing`` with every provider's reason
  (``"fmp: unknown symbol; polygon: ..."``). If *every* provider raised, the call raises.
- ``series``: the first provider that answers wins (FMP and Polygon raise, so FRED can sit last).

Units are those of the underlying providers (USD per share; decimals for series).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import TypeVar

import pandas as pd

from marketdata.providers.base import (
    HistoryResult,
    MarketDataProvider,
    Profile,
    ProfilesResult,
    ProviderError,
    Quote,
    QuotesResult,
    empty_bars,
)

R = TypeVar("R")


class FallbackProvider(MarketDataProvider):
    """Chains providers in priority order; ``name`` is their names joined by ``+`` (``fmp+polygon``)."""

    def __init__(self, providers: Sequence[MarketDataProvider]) -> None:
        if not providers:
            raise ValueError("FallbackProvider needs at least one provider")
        self.providers: tuple[MarketDataProvider, ...] = tuple(providers)
        self.name = "+".join(p.name for p in self.providers)

    def __repr__(self) -> str:
        return f"FallbackProvider({list(self.providers)!r})"

    def _chain(
        self,
        symbols: Sequence[str],
        ask: Callable[[MarketDataProvider, list[str]], R],
        found_in: Callable[[R], set[str]],
        missing_in: Callable[[R], dict[str, str]],
    ) -> tuple[list[R], dict[str, str]]:
        """Ask each provider for the symbols still missing; returns the answers and final misses."""
        remaining = list(dict.fromkeys(symbols))
        reasons: dict[str, list[str]] = {s: [] for s in remaining}
        answers: list[R] = []
        errors: list[str] = []
        for provider in self.providers:
            if not remaining:
                break
            try:
                answer = ask(provider, remaining)
            except ProviderError as exc:
                errors.append(f"{provider.name}: {exc}")
                for symbol in remaining:
                    reasons[symbol].append(f"{provider.name}: failed ({exc})")
                continue
            answers.append(answer)
            found = found_in(answer)
            vendor_missing = missing_in(answer)
            for symbol in remaining:
                if symbol not in found:
                    why = vendor_missing.get(symbol, "not returned")
                    reasons[symbol].append(f"{provider.name}: {why}")
            remaining = [s for s in remaining if s not in found]
        if not answers and remaining:
            raise ProviderError("every provider failed: " + "; ".join(errors))
        return answers, {s: "; ".join(reasons[s]) for s in remaining}

    def history(self, symbols: Sequence[str], start: dt.date, end: dt.date) -> HistoryResult:
        """Bars from the first provider that has each symbol; ``source`` names that vendor."""
        answers, missing = self._chain(
            symbols,
            lambda p, wanted: p.history(wanted, start, end),
            lambda r: set(r.bars["symbol"]) if len(r.bars) else set(),
            lambda r: r.missing,
        )
        frames = [a.bars for a in answers if len(a.bars)]
        bars = pd.concat(frames, ignore_index=True) if frames else empty_bars()
        return HistoryResult(bars=bars, missing=missing)

    def quotes(self, symbols: Sequence[str]) -> QuotesResult:
        """Quotes from the first provider that has each symbol."""
        answers, missing = self._chain(
            symbols,
            lambda p, wanted: p.quotes(wanted),
            lambda r: {q.symbol for q in r.quotes},
            lambda r: r.missing,
        )
        quotes: list[Quote] = [q for a in answers for q in a.quotes]
        return QuotesResult(quotes=quotes, missing=missing)

    def profile(self, symbols: Sequence[str]) -> ProfilesResult:
        """Profiles from the first provider that has each symbol."""
        answers, missing = self._chain(
            symbols,
            lambda p, wanted: p.profile(wanted),
            lambda r: set(r.profiles),
            lambda r: r.missing,
        )
        profiles: dict[str, Profile] = {}
        for answer in answers:
            for symbol, item in answer.profiles.items():
                profiles.setdefault(symbol, item)
        return ProfilesResult(profiles=profiles, missing=missing)

    def series(self, series_id: str, start: dt.date, end: dt.date) -> pd.Series:
        """The series from the first provider that offers it (decimals, indexed by date)."""
        errors: list[str] = []
        for provider in self.providers:
            try:
                return provider.series(series_id, start, end)
            except ProviderError as exc:
                errors.append(f"{provider.name}: {exc}")
        raise ProviderError(f"no provider offers series {series_id!r}: " + "; ".join(errors))
