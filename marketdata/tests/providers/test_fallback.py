"""FallbackProvider: the primary first, the next vendors only for what is still missing."""

from __future__ import annotations

import datetime as dt
import json
import random
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import httpx
import pandas as pd
import pytest

from marketdata.providers.base import (
    BAR_COLUMNS,
    HistoryResult,
    MarketDataProvider,
    Profile,
    ProfilesResult,
    ProviderError,
    Quote,
    QuotesResult,
    empty_bars,
)
from marketdata.providers.fallback import FallbackProvider
from marketdata.providers.fmp import FMPProvider
from marketdata.providers.http import TokenBucket
from marketdata.providers.polygon import PolygonProvider

RECORDED = Path(__file__).parent / "recorded"
START, END = dt.date(2024, 1, 2), dt.date(2024, 1, 5)
OPTION = "AAPL240119C00190000"
NOW = dt.datetime(2024, 1, 5, 21, 0, tzinfo=dt.UTC)


def recorded(name: str) -> Any:
    return json.loads((RECORDED / name).read_text())


class Stub(MarketDataProvider):
    """An in-memory provider that knows ``known`` symbols (or fails) and records what it was asked."""

    def __init__(self, name: str, known: Sequence[str] = (), *, fails: bool = False) -> None:
        self.name = name
        self.known = set(known)
        self.fails = fails
        self.asked: list[list[str]] = []

    def _ask(self, symbols: Sequence[str]) -> tuple[list[str], dict[str, str]]:
        self.asked.append(list(symbols))
        if self.fails:
            raise ProviderError(f"{self.name} is down")
        found = [s for s in symbols if s in self.known]
        return found, {s: f"{self.name} does not know it" for s in symbols if s not in self.known}

    def history(self, symbols: Sequence[str], start: dt.date, end: dt.date) -> HistoryResult:
        found, missing = self._ask(symbols)
        rows = [
            {
                "symbol": s,
                "date": start,
                "open": 1.0,
                "high": 1.0,
                "low": 1.0,
                "close": 1.0,
                "adjusted_close": 1.0,
                "volume": 10,
                "source": self.name,
            }
            for s in found
        ]
        bars = pd.DataFrame.from_records(rows, columns=list(BAR_COLUMNS)) if rows else empty_bars()
        return HistoryResult(bars=bars, missing=missing)

    def quotes(self, symbols: Sequence[str]) -> QuotesResult:
        found, missing = self._ask(symbols)
        quotes = [Quote(s, 1.0, None, None, None, None, None, None, None, NOW) for s in found]
        return QuotesResult(quotes=quotes, missing=missing)

    def profile(self, symbols: Sequence[str]) -> ProfilesResult:
        found, missing = self._ask(symbols)
        return ProfilesResult(profiles={s: Profile(s, self.name, "stock") for s in found}, missing=missing)

    def series(self, series_id: str, start: dt.date, end: dt.date) -> pd.Series:
        if self.fails or series_id not in self.known:
            raise ProviderError(f"{self.name} has no {series_id}")
        return pd.Series([0.04], index=[start], name=series_id)


class TestWithRecordedVendors:
    """FMP then Polygon, both on MockTransports serving recorded responses."""

    def build(self, fmp_routes: dict[str, Any]) -> tuple[FallbackProvider, list[str]]:
        polygon_paths: list[str] = []

        def fmp(request: httpx.Request) -> httpx.Response:
            route = fmp_routes[request.url.path.removeprefix("/api/v3/")]
            return route if isinstance(route, httpx.Response) else httpx.Response(200, json=route)

        def polygon(request: httpx.Request) -> httpx.Response:
            polygon_paths.append(request.url.path)
            answers = {
                f"/v2/aggs/ticker/O:{OPTION}/range/1/day/2024-01-02/2024-01-05": "polygon_aggs_option.json",
                "/v2/aggs/ticker/AAPL/range/1/day/2024-01-02/2024-01-05": "polygon_aggs_AAPL.json",
            }
            name = answers.get(request.url.path, "polygon_aggs_unknown.json")
            return httpx.Response(200, json=recorded(name))

        def fast() -> TokenBucket:
            return TokenBucket(1000.0, 1000, sleep=lambda s: None)

        chain = FallbackProvider(
            [
                FMPProvider(
                    "k1",
                    client=httpx.Client(transport=httpx.MockTransport(fmp)),
                    limiter=fast(),
                    rng=random.Random(0),
                    sleep=lambda s: None,
                ),
                PolygonProvider(
                    "k2",
                    client=httpx.Client(transport=httpx.MockTransport(polygon)),
                    limiter=fast(),
                    rng=random.Random(0),
                    sleep=lambda s: None,
                ),
            ]
        )
        return chain, polygon_paths

    def test_polygon_is_asked_only_for_what_fmp_missed(self) -> None:
        # given FMP knows AAPL, has no options and does not know ZZZZQ
        chain, polygon_paths = self.build(
            {
                "historical-price-full/AAPL": recorded("fmp_historical_price_full_AAPL.json"),
                "historical-price-full/ZZZZQ": recorded("fmp_historical_price_full_unknown.json"),
            }
        )
        # when
        result = chain.history(["AAPL", OPTION, "ZZZZQ"], START, END)
        # then Polygon saw the option and ZZZZQ only, and each bar names its vendor
        assert polygon_paths == [
            f"/v2/aggs/ticker/O:{OPTION}/range/1/day/2024-01-02/2024-01-05",
            "/v2/aggs/ticker/ZZZZQ/range/1/day/2024-01-02/2024-01-05",
        ]
        sources = result.bars.groupby("symbol")["source"].unique().to_dict()
        assert {s: list(v) for s, v in sources.items()} == {"AAPL": ["fmp"], OPTION: ["polygon"]}
        assert len(result.bars) == 8
        assert list(result.bars.columns) == list(BAR_COLUMNS)
        assert result.missing["ZZZZQ"].startswith("fmp: unknown symbol; polygon: no Polygon bars")

    def test_primary_failure_sends_everything_to_polygon(self) -> None:
        chain, polygon_paths = self.build({"historical-price-full/AAPL": httpx.Response(401, json={})})
        result = chain.history(["AAPL"], START, END)
        assert set(result.bars["source"]) == {"polygon"}
        assert len(polygon_paths) == 1
        assert chain.name == "fmp+polygon"


class TestWithStubs:
    def test_history_asks_each_provider_for_the_rest_only(self) -> None:
        first, second, third = Stub("a", ["X"]), Stub("b", ["Y"]), Stub("c", ["Z"])
        result = FallbackProvider([first, second, third]).history(["X", "Y", "Z", "W"], START, END)
        assert (first.asked, second.asked, third.asked) == (
            [["X", "Y", "Z", "W"]],
            [["Y", "Z", "W"]],
            [["Z", "W"]],
        )
        assert dict(zip(result.bars["symbol"], result.bars["source"], strict=True)) == {
            "X": "a",
            "Y": "b",
            "Z": "c",
        }
        assert result.missing == {"W": "a: a does not know it; b: b does not know it; c: c does not know it"}

    def test_stops_when_nothing_is_missing(self) -> None:
        first, second = Stub("a", ["X"]), Stub("b", ["X"])
        FallbackProvider([first, second]).quotes(["X"])
        assert second.asked == []

    def test_quotes_and_profiles(self) -> None:
        chain = FallbackProvider([Stub("a", ["X"]), Stub("b", ["Y"])])
        quotes = chain.quotes(["X", "Y", "Q"])
        assert sorted(q.symbol for q in quotes.quotes) == ["X", "Y"] and list(quotes.missing) == ["Q"]
        profiles = chain.profile(["X", "Y"])
        assert {s: p.name for s, p in profiles.profiles.items()} == {"X": "a", "Y": "b"}
        assert profiles.missing == {}

    def test_failed_provider_is_skipped_and_explained(self) -> None:
        down, backup = Stub("a", fails=True), Stub("b", ["X"])
        result = FallbackProvider([down, backup]).profile(["X", "Q"])
        assert backup.asked == [["X", "Q"]]
        assert result.missing == {"Q": "a: failed (a is down); b: b does not know it"}

    def test_every_provider_failing_raises(self) -> None:
        chain = FallbackProvider([Stub("a", fails=True), Stub("b", fails=True)])
        with pytest.raises(ProviderError, match="every provider failed: a: a is down; b: b is down"):
            chain.history(["X"], START, END)

    def test_series_from_the_first_that_offers_it(self) -> None:
        chain = FallbackProvider([Stub("fmp"), Stub("polygon"), Stub("fred", ["DGS10"])])
        assert list(chain.series("DGS10", START, END)) == [0.04]
        with pytest.raises(ProviderError, match="no provider offers series 'VIX'"):
            chain.series("VIX", START, END)

    def test_needs_a_provider(self) -> None:
        with pytest.raises(ValueError):
            FallbackProvider([])
