"""GET /api/v1/data/prices/quotes."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator, Sequence

import pandas as pd
import pytest
from django.core.cache import cache
from django.test import override_settings
from rest_framework.test import APIClient

from marketdata.providers.base import (
    HistoryResult,
    MarketDataProvider,
    ProfilesResult,
    ProviderError,
    QuotesResult,
)
from marketdata.providers.synthetic import SyntheticProvider

URL = "/api/v1/data/prices/quotes"
AS_OF = dt.date(2026, 11, 20)
QUOTE_FIELDS = {
    "symbol",
    "last_price",
    "bid",
    "ask",
    "volume",
    "day_change",
    "day_change_percent",
    "day_high",
    "day_low",
    "updated_at",
}
TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


@pytest.fixture(autouse=True)
def synthetic_market() -> Iterator[None]:
    """The synthetic provider as of a fixed date, and no quote cached from another test."""
    cache.clear()
    with override_settings(
        MARKET_DATA_PROVIDER="synthetic", SYNTHETIC_AS_OF=AS_OF.isoformat(), SYNTHETIC_SEED=42
    ):
        yield
    cache.clear()


def assert_validation_error(response, field: str) -> None:  # type: ignore[no-untyped-def]
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["code"] == "VALIDATION_ERROR"
    assert field in error["details"]
    assert error["request_id"]


class TestQuotes:
    def test_200_shape_and_values(self, auth_client: APIClient, django_assert_max_num_queries) -> None:  # type: ignore[no-untyped-def]
        with django_assert_max_num_queries(2):  # the token's user; quotes come from the provider
            response = auth_client.get(URL, {"symbols": "aapl,MSFT,NOTATICKER,AAPL"})
        assert response.status_code == 200
        body = response.json()
        assert [q["symbol"] for q in body["quotes"]] == ["AAPL", "MSFT"]  # upper-cased, de-duplicated
        assert body["missing"] == ["NOTATICKER"]
        assert body["data_source"] == "synthetic"
        # the as-of close, 16:00 New York (EST in November) in UTC
        assert body["last_updated_at"] == "2026-11-20T21:00:00.000Z"

        bars = SyntheticProvider(as_of=AS_OF, seed=42).history(["AAPL"], dt.date(2026, 11, 19), AS_OF).bars
        prev, last = bars.iloc[0], bars.iloc[1]
        quote = body["quotes"][0]
        assert set(quote) == QUOTE_FIELDS
        assert quote["bid"] is None and quote["ask"] is None  # never simulated
        assert quote["last_price"] == pytest.approx(last["close"])
        assert quote["day_change"] == pytest.approx(last["close"] - prev["close"])
        assert quote["day_change_percent"] == pytest.approx((last["close"] / prev["close"] - 1) * 100)
        assert quote["day_high"] == pytest.approx(last["high"]) and quote["day_low"] == pytest.approx(
            last["low"]
        )
        assert quote["volume"] == int(last["volume"]) and isinstance(quote["volume"], int)
        assert TIMESTAMP.match(quote["updated_at"])

    @pytest.mark.parametrize(
        "as_of, updated_at",
        [
            ("2025-11-28", "2025-11-28T18:00:00.000Z"),  # early close: 13:00 New York (EST)
            ("2025-07-03", "2025-07-03T17:00:00.000Z"),  # early close: 13:00 New York (EDT)
            ("2025-12-01", "2025-12-01T21:00:00.000Z"),  # regular: 16:00 EST
            ("2025-06-30", "2025-06-30T20:00:00.000Z"),  # regular: 16:00 EDT
        ],
    )
    def test_updated_at_is_the_sessions_actual_close(
        self, auth_client: APIClient, as_of: str, updated_at: str
    ) -> None:
        with override_settings(SYNTHETIC_AS_OF=as_of):
            body = auth_client.get(URL, {"symbols": "AAPL"}).json()
        assert [q["updated_at"] for q in body["quotes"]] == [updated_at]
        assert body["last_updated_at"] == updated_at

    def test_option_symbols_padded_or_not(self, auth_client: APIClient) -> None:
        padded, unpadded = "SPY   270917C00675000", "SPY270917C00675000"
        response = auth_client.get(URL, {"symbols": f"{padded},{unpadded}"})
        assert response.status_code == 200, response.content
        quotes = response.json()["quotes"]
        assert [q["symbol"] for q in quotes] == [padded, unpadded]  # as stored on positions / as asked
        assert quotes[0]["last_price"] == quotes[1]["last_price"] > 0

    def test_only_unknown_symbols(self, auth_client: APIClient) -> None:
        body = auth_client.get(URL, {"symbols": "ZZZZ"}).json()
        assert body["quotes"] == [] and body["missing"] == ["ZZZZ"]
        assert body["last_updated_at"] is None

    @pytest.mark.parametrize(
        "params, field",
        [
            ({}, "symbols"),
            ({"symbols": ""}, "symbols"),
            ({"symbols": " , ,"}, "symbols"),
            ({"symbols": "AAPL,AA$PL"}, "symbols"),
            ({"symbols": "AAPL;DROP TABLE"}, "symbols"),
            ({"symbols": ",".join(f"S{i}" for i in range(101))}, "symbols"),
            ({"symbols": "AAPL", "limit": "5"}, "limit"),
        ],
    )
    def test_400(self, auth_client: APIClient, params: dict[str, str], field: str) -> None:
        assert_validation_error(auth_client.get(URL, params), field)

    def test_401_without_a_token(self, api_client: APIClient) -> None:
        response = api_client.get(URL, {"symbols": "AAPL"})
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "NOT_AUTHENTICATED"

    def test_503_when_the_provider_is_down(
        self, auth_client: APIClient, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        class Down(MarketDataProvider):
            name = "fmp"

            def history(self, symbols: Sequence[str], start: dt.date, end: dt.date) -> HistoryResult:
                raise ProviderError("down")

            def quotes(self, symbols: Sequence[str]) -> QuotesResult:
                raise ProviderError("HTTP 503 after 3 retries")

            def profile(self, symbols: Sequence[str]) -> ProfilesResult:
                raise ProviderError("down")

            def series(self, series_id: str, start: dt.date, end: dt.date) -> pd.Series:
                raise ProviderError("down")

        monkeypatch.setattr("marketdata.quotes.get_provider", Down)
        response = auth_client.get(URL, {"symbols": "AAPL"})
        assert response.status_code == 503
        assert response.json()["error"]["code"] == "SERVICE_UNAVAILABLE"
