"""FMPProvider against recorded FMP v3 responses (httpx.MockTransport, no network)."""

from __future__ import annotations

import datetime as dt
import json
import random
from pathlib import Path
from typing import Any

import httpx
import pytest

from marketdata.providers.base import BAR_COLUMNS, ProviderError
from marketdata.providers.fmp import FMPProvider, fmp_ticker, is_option_symbol
from marketdata.providers.http import RetryPolicy

RECORDED = Path(__file__).parent / "recorded"
KEY = "fmp-test-key-0001"
PREFIX = "/api/v3/"


def recorded(name: str) -> Any:
    return json.loads((RECORDED / name).read_text())


class Vendor:
    """Serves recorded bodies by URL path (after /api/v3/) and records every request."""

    def __init__(self, routes: dict[str, Any]) -> None:
        self.routes = routes
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        assert request.url.host == "financialmodelingprep.com"
        assert request.url.params["apikey"] == KEY
        route = self.routes[request.url.path.removeprefix(PREFIX)]
        return route if isinstance(route, httpx.Response) else httpx.Response(200, json=route)

    @property
    def paths(self) -> list[str]:
        return [r.url.path.removeprefix(PREFIX) for r in self.requests]


def provider(vendor: Vendor, **kw: Any) -> FMPProvider:
    client = httpx.Client(transport=httpx.MockTransport(vendor))
    return FMPProvider(KEY, client=client, rng=random.Random(1), sleep=lambda s: None, **kw)


START, END = dt.date(2024, 1, 2), dt.date(2024, 1, 5)


class TestHistory:
    def test_parses_daily_bars_with_adjclose(self) -> None:
        vendor = Vendor({"historical-price-full/AAPL": recorded("fmp_historical_price_full_AAPL.json")})
        result = provider(vendor).history(["AAPL"], START, END)

        bars = result.bars
        assert list(bars.columns) == list(BAR_COLUMNS)
        assert result.missing == {}
        assert list(bars["date"]) == [dt.date(2024, 1, d) for d in (2, 3, 4, 5)]  # ascending
        first = bars.iloc[0]
        assert (first["open"], first["high"], first["low"], first["close"]) == (
            187.15,
            188.44,
            183.885,
            185.64,
        )
        assert first["adjusted_close"] == 184.61
        assert first["volume"] == 82488674
        assert set(bars["symbol"]) == {"AAPL"} and set(bars["source"]) == {"fmp"}
        request = vendor.requests[0]
        assert request.url.params["from"] == "2024-01-02" and request.url.params["to"] == "2024-01-05"

    def test_keeps_only_the_requested_range(self) -> None:
        vendor = Vendor({"historical-price-full/AAPL": recorded("fmp_historical_price_full_AAPL.json")})
        bars = provider(vendor).history(["AAPL"], dt.date(2024, 1, 3), dt.date(2024, 1, 4)).bars
        assert list(bars["date"]) == [dt.date(2024, 1, 3), dt.date(2024, 1, 4)]

    def test_unknown_symbol_and_options_go_to_missing(self) -> None:
        vendor = Vendor(
            {
                "historical-price-full/AAPL": recorded("fmp_historical_price_full_AAPL.json"),
                "historical-price-full/ZZZZQ": recorded("fmp_historical_price_full_unknown.json"),
            }
        )
        result = provider(vendor).history(["AAPL", "ZZZZQ", "AAPL240119C00190000"], START, END)
        assert set(result.bars["symbol"]) == {"AAPL"}
        assert result.missing["ZZZZQ"] == "unknown symbol"
        assert "options" in result.missing["AAPL240119C00190000"]
        assert vendor.paths == ["historical-price-full/AAPL", "historical-price-full/ZZZZQ"]

    def test_nothing_found_gives_an_empty_frame(self) -> None:
        vendor = Vendor({"historical-price-full/ZZZZQ": {}})
        result = provider(vendor).history(["ZZZZQ"], START, END)
        assert result.bars.empty and list(result.bars.columns) == list(BAR_COLUMNS)

    def test_share_class_uses_fmp_spelling(self) -> None:
        vendor = Vendor({"historical-price-full/BRK-B": {}})
        result = provider(vendor).history(["BRK.B"], START, END)
        assert vendor.paths == ["historical-price-full/BRK-B"]
        assert "BRK.B" in result.missing


class TestQuotes:
    def test_batched_quote(self) -> None:
        vendor = Vendor({"quote/AAPL,MSFT,ZZZZQ": recorded("fmp_quote_AAPL_MSFT.json")})
        result = provider(vendor).quotes(["AAPL", "MSFT", "ZZZZQ"])

        assert vendor.paths == ["quote/AAPL,MSFT,ZZZZQ"]  # one request for the batch
        assert result.missing == {"ZZZZQ": "unknown symbol"}
        aapl = {q.symbol: q for q in result.quotes}["AAPL"]
        assert aapl.last_price == 181.18
        assert aapl.bid is None and aapl.ask is None  # FMP's quote has none: never simulated
        assert aapl.day_change == -0.73 and aapl.day_change_percent == -0.4012
        assert (aapl.day_high, aapl.day_low, aapl.volume) == (182.76, 180.17, 62303300)
        assert aapl.updated_at == dt.datetime(2024, 1, 5, 21, 0, 1, tzinfo=dt.UTC)

    def test_batches_of_fifty(self) -> None:
        symbols = [f"S{i:03d}" for i in range(120)]
        vendor = Vendor({f"quote/{','.join(symbols[i : i + 50])}": [] for i in range(0, 120, 50)})
        result = provider(vendor).quotes(symbols)
        assert len(vendor.requests) == 3 and len(result.missing) == 120


class TestProfile:
    def test_stock_profile(self) -> None:
        vendor = Vendor({"profile/AAPL": recorded("fmp_profile_AAPL.json")})
        result = provider(vendor).profile(["AAPL"])
        aapl = result.profiles["AAPL"]
        assert aapl.name == "Apple Inc."
        assert aapl.asset_type == "stock"
        assert (aapl.sector, aapl.industry, aapl.exchange) == ("Technology", "Consumer Electronics", "NASDAQ")
        assert aapl.market_cap == 2817562814000
        assert aapl.dividend_yield == pytest.approx(0.96 / 181.18)  # decimal per year
        assert aapl.currency == "USD"

    def test_etf_and_unknown(self) -> None:
        vendor = Vendor(
            {
                "profile/SPY": recorded("fmp_profile_SPY.json"),
                "profile/ZZZZQ": recorded("fmp_profile_unknown.json"),
            }
        )
        result = provider(vendor).profile(["SPY", "ZZZZQ"])
        assert result.profiles["SPY"].asset_type == "etf"
        assert result.profiles["SPY"].dividend_yield == pytest.approx(6.51 / 467.92)
        assert result.missing == {"ZZZZQ": "unknown symbol"}

    def test_fund_flag(self) -> None:
        body = [
            {
                "symbol": "VFIAX",
                "companyName": "Vanguard 500 Index Admiral",
                "price": 400.0,
                "lastDiv": 0.0,
                "isEtf": False,
                "isFund": True,
                "exchangeShortName": "NASDAQ",
            }
        ]
        vendor = Vendor({"profile/VFIAX": body})
        profile = provider(vendor).profile(["VFIAX"]).profiles["VFIAX"]
        assert profile.asset_type == "mutual_fund" and profile.dividend_yield == 0.0


class TestErrors:
    def test_series_is_not_offered(self) -> None:
        with pytest.raises(ProviderError, match="does not offer macro series"):
            provider(Vendor({})).series("DGS10", START, END)

    def test_invalid_key_message_in_a_200_body(self) -> None:
        vendor = Vendor({"quote/AAPL": recorded("fmp_error_invalid_key.json")})
        with pytest.raises(ProviderError, match="Invalid API KEY") as caught:
            provider(vendor).quotes(["AAPL"])
        assert KEY not in str(caught.value)

    def test_401_names_the_url_without_the_key(self) -> None:
        vendor = Vendor({"profile/AAPL": httpx.Response(401, json=recorded("fmp_error_invalid_key.json"))})
        with pytest.raises(ProviderError) as caught:
            provider(vendor).profile(["AAPL"])
        message = str(caught.value)
        assert "fmp: GET https://financialmodelingprep.com/api/v3/profile/AAPL" in message
        assert "HTTP 401" in message and KEY not in message

    def test_server_errors_exhausted(self) -> None:
        vendor = Vendor({"quote/AAPL": httpx.Response(502)})
        with pytest.raises(ProviderError, match="after 3 attempts"):
            provider(vendor, policy=RetryPolicy(retries=2)).quotes(["AAPL"])
        assert len(vendor.requests) == 3

    def test_key_is_required_and_never_shown(self) -> None:
        with pytest.raises(ValueError):
            FMPProvider("")
        assert KEY not in repr(provider(Vendor({})))


def test_symbol_helpers() -> None:
    assert fmp_ticker("brk.b") == "BRK-B"
    assert is_option_symbol("AAPL240119C00190000")
    assert is_option_symbol("AAPL  240119P00190000")
    assert not is_option_symbol("AAPL")
