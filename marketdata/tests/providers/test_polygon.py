"""PolygonProvider against recorded Polygon.io responses (httpx.MockTransport, no network)."""

from __future__ import annotations

import datetime as dt
import json
import random
from pathlib import Path
from typing import Any

import httpx
import pytest

from marketdata.providers.base import BAR_COLUMNS, ProviderError
from marketdata.providers.http import TokenBucket
from marketdata.providers.polygon import PolygonProvider, polygon_ticker

RECORDED = Path(__file__).parent / "recorded"
KEY = "polygon-test-key-0002"
START, END = dt.date(2024, 1, 2), dt.date(2024, 1, 5)
AGGS = "/v2/aggs/ticker/{}/range/1/day/2024-01-02/2024-01-05"
OPTION = "AAPL240119C00190000"


def recorded(name: str) -> Any:
    return json.loads((RECORDED / name).read_text())


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


class Vendor:
    """Serves recorded bodies by URL path and records every request."""

    def __init__(self, routes: dict[str, Any]) -> None:
        self.routes = routes
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        assert request.url.host == "api.polygon.io"
        assert request.headers["Authorization"] == f"Bearer {KEY}"
        assert "apiKey" not in request.url.params  # the key never travels in a URL
        route = self.routes.get(request.url.path)
        if route is None:
            return httpx.Response(404, json=recorded("polygon_ticker_not_found.json"))
        return route if isinstance(route, httpx.Response) else httpx.Response(200, json=route)

    @property
    def paths(self) -> list[str]:
        return [r.url.path for r in self.requests]


def provider(vendor: Vendor, clock: FakeClock | None = None) -> PolygonProvider:
    clock = clock or FakeClock()
    return PolygonProvider(
        KEY,
        client=httpx.Client(transport=httpx.MockTransport(vendor)),
        limiter=TokenBucket.per_minute(5, clock=clock, sleep=clock.sleep),
        rng=random.Random(3),
        sleep=clock.sleep,
    )


class TestHistory:
    def test_stock_and_option_aggregates(self) -> None:
        vendor = Vendor(
            {
                AGGS.format("AAPL"): recorded("polygon_aggs_AAPL.json"),
                AGGS.format(f"O:{OPTION}"): recorded("polygon_aggs_option.json"),
            }
        )
        result = provider(vendor).history(["AAPL", OPTION], START, END)

        bars = result.bars
        assert list(bars.columns) == list(BAR_COLUMNS)
        assert result.missing == {}
        aapl = bars[bars["symbol"] == "AAPL"]
        # t is midnight New York time: the session date, not the UTC date of 05:00Z
        assert list(aapl["date"]) == [dt.date(2024, 1, d) for d in (2, 3, 4, 5)]
        first = aapl.iloc[0]
        assert (first["open"], first["high"], first["low"], first["close"]) == (
            187.15,
            188.44,
            183.885,
            185.64,
        )
        assert first["adjusted_close"] == first["close"]  # split-adjusted only
        assert first["volume"] == 82488674
        option = bars[bars["symbol"] == OPTION]  # keyed by the caller's OCC symbol
        assert list(option["close"]) == [1.2, 1.1, 0.55, 0.42]
        assert set(bars["source"]) == {"polygon"}
        params = vendor.requests[0].url.params
        assert params["adjusted"] == "true" and params["sort"] == "asc"

    def test_padded_occ_symbol_maps_to_the_options_ticker(self) -> None:
        vendor = Vendor({AGGS.format(f"O:{OPTION}"): recorded("polygon_aggs_option.json")})
        padded = "AAPL  240119C00190000"
        result = provider(vendor).history([padded], START, END)
        assert set(result.bars["symbol"]) == {padded}

    def test_unknown_ticker_goes_to_missing(self) -> None:
        vendor = Vendor({AGGS.format("ZZZZQ"): recorded("polygon_aggs_unknown.json")})
        result = provider(vendor).history(["ZZZZQ"], START, END)
        assert result.bars.empty
        assert "no Polygon bars for ZZZZQ" in result.missing["ZZZZQ"]

    def test_follows_next_url(self) -> None:
        page2 = "/v2/aggs/ticker/AAPL/range/1/day/1704344400000/2024-01-05"
        vendor = Vendor(
            {
                AGGS.format("AAPL"): recorded("polygon_aggs_AAPL_page1.json"),
                page2: recorded("polygon_aggs_AAPL_page2.json"),
            }
        )
        bars = provider(vendor).history(["AAPL"], START, END).bars
        assert len(bars) == 4
        assert vendor.requests[1].url.params["cursor"] == "bGltaXQ9MiZzb3J0PWFzYw"

    def test_refuses_a_next_url_on_another_host(self) -> None:
        page = recorded("polygon_aggs_AAPL_page1.json")
        page["next_url"] = "https://evil.example/steal"
        vendor = Vendor({AGGS.format("AAPL"): page})
        with pytest.raises(ProviderError, match="next_url"):
            provider(vendor).history(["AAPL"], START, END)

    def test_requests_are_paced_by_the_token_bucket(self) -> None:
        # given the free plan's 5 requests a minute and 7 symbols
        clock = FakeClock()
        vendor = Vendor({AGGS.format(f"S{i}"): recorded("polygon_aggs_unknown.json") for i in range(7)})
        # when
        provider(vendor, clock).history([f"S{i}" for i in range(7)], START, END)
        # then the 6th and 7th requests each waited 12 s
        assert clock.sleeps == [pytest.approx(12.0), pytest.approx(12.0)]


class TestQuotes:
    def test_previous_close_quote(self) -> None:
        vendor = Vendor({"/v2/aggs/ticker/AAPL/prev": recorded("polygon_prev_AAPL.json")})
        result = provider(vendor).quotes(["AAPL"])
        quote = result.quotes[0]
        assert quote.symbol == "AAPL" and quote.last_price == 181.18
        assert quote.bid is None and quote.ask is None
        assert quote.day_change is None and quote.day_change_percent is None
        assert (quote.day_high, quote.day_low, quote.volume) == (182.76, 180.17, 62303300)
        assert quote.updated_at == dt.datetime(2024, 1, 5, 21, 0, tzinfo=dt.UTC)  # 16:00 New York

    def test_early_close_session_carries_the_early_close_time(self) -> None:
        body = recorded("polygon_prev_AAPL.json")
        # 2025-11-28 00:00 New York (EST): the session after Thanksgiving, which closes at 13:00
        body["results"][0]["t"] = int(dt.datetime(2025, 11, 28, 5, 0, tzinfo=dt.UTC).timestamp() * 1000)
        quote = provider(Vendor({"/v2/aggs/ticker/AAPL/prev": body})).quotes(["AAPL"]).quotes[0]
        assert quote.updated_at == dt.datetime(2025, 11, 28, 18, 0, tzinfo=dt.UTC)

    def test_unknown_ticker_goes_to_missing(self) -> None:
        vendor = Vendor({"/v2/aggs/ticker/ZZZZQ/prev": recorded("polygon_aggs_unknown.json")})
        result = provider(vendor).quotes(["ZZZZQ"])
        assert result.quotes == [] and "ZZZZQ" in result.missing


class TestProfile:
    def test_ticker_details(self) -> None:
        vendor = Vendor({"/v3/reference/tickers/AAPL": recorded("polygon_ticker_details_AAPL.json")})
        profile = provider(vendor).profile(["AAPL"]).profiles["AAPL"]
        assert profile.name == "Apple Inc." and profile.asset_type == "stock"
        assert profile.exchange == "NASDAQ" and profile.industry == "Electronic Computers"
        assert profile.sector == "" and profile.dividend_yield is None
        assert profile.market_cap == 2817562814000.0 and profile.currency == "USD"

    def test_option_contract_details(self) -> None:
        vendor = Vendor(
            {f"/v3/reference/options/contracts/O:{OPTION}": recorded("polygon_option_contract.json")}
        )
        profile = provider(vendor).profile([OPTION]).profiles[OPTION]
        assert profile.asset_type == "option"
        assert profile.name == "AAPL 2024-01-19 190 call"

    def test_404_goes_to_missing(self) -> None:
        vendor = Vendor({})
        result = provider(vendor).profile(["ZZZZQ"])
        assert result.profiles == {} and "ZZZZQ" in result.missing


class TestErrors:
    def test_not_authorized_raises_without_the_key(self) -> None:
        vendor = Vendor(
            {AGGS.format(f"O:{OPTION}"): httpx.Response(403, json=recorded("polygon_not_authorized.json"))}
        )
        with pytest.raises(ProviderError, match="HTTP 403: You are not entitled") as caught:
            provider(vendor).history([OPTION], START, END)
        assert KEY not in str(caught.value)

    def test_error_status_in_a_200_body(self) -> None:
        vendor = Vendor({"/v2/aggs/ticker/AAPL/prev": {"status": "ERROR", "error": "Unknown API Key"}})
        with pytest.raises(ProviderError, match="Unknown API Key"):
            provider(vendor).quotes(["AAPL"])

    def test_timeout_then_success(self) -> None:
        calls = {"n": 0}

        def handler(request: httpx.Request) -> httpx.Response:
            calls["n"] += 1
            if calls["n"] == 1:
                raise httpx.ReadTimeout("timed out", request=request)
            return httpx.Response(200, json=recorded("polygon_prev_AAPL.json"))

        clock = FakeClock()
        polygon = PolygonProvider(
            KEY,
            client=httpx.Client(transport=httpx.MockTransport(handler)),
            limiter=TokenBucket(100.0, 10, clock=clock, sleep=clock.sleep),
            sleep=clock.sleep,
        )
        assert polygon.quotes(["AAPL"]).quotes[0].last_price == 181.18
        assert calls["n"] == 2

    def test_series_is_not_offered(self) -> None:
        with pytest.raises(ProviderError, match="FRED"):
            provider(Vendor({})).series("DGS10", START, END)


@pytest.mark.parametrize(
    ("symbol", "ticker"),
    [
        ("AAPL", "AAPL"),
        ("brk-b", "BRK.B"),
        ("^VIX", "I:VIX"),
        ("AAPL250117C00150000", "O:AAPL250117C00150000"),
        ("SPY   250321P00500000", "O:SPY250321P00500000"),
        ("O:AAPL250117C00150000", "O:AAPL250117C00150000"),
    ],
)
def test_polygon_ticker(symbol: str, ticker: str) -> None:
    assert polygon_ticker(symbol) == ticker
