"""GET /api/v1/data/factors/etf-prices."""

from __future__ import annotations

import datetime as dt
import functools

import pandas as pd
import pytest
from rest_framework.test import APIClient

from marketdata.models import PriceBar
from marketdata.providers.calendar import last_session_before
from marketdata.providers.synthetic import SyntheticProvider
from marketdata.services import bars_upsert

URL = "/api/v1/data/factors/etf-prices"
AS_OF = dt.date(2026, 11, 20)
START = dt.date(2024, 11, 1)
FACTOR_ETFS = {
    "Market": "SPY",
    "Value": "VTV",
    "Growth": "VUG",
    "Momentum": "MTUM",
    "Quality": "QUAL",
    "Size": "IWM",
    "Low Volatility": "USMV",
}


@functools.cache
def synthetic_factor_bars() -> pd.DataFrame:
    """The 7 factor ETFs from the synthetic market (generated once per test session)."""
    result = SyntheticProvider(as_of=AS_OF, seed=42).history(list(FACTOR_ETFS.values()), START, AS_OF)
    assert result.missing == {}
    return result.bars


@pytest.fixture
def factor_bars(db) -> pd.DataFrame:  # type: ignore[no-untyped-def]
    bars = synthetic_factor_bars()
    bars_upsert(bars=bars)
    return bars


def adjusted_close(symbol: str, day: dt.date) -> float:
    return PriceBar.objects.get(symbol=symbol, date=day).adjusted_close


def assert_validation_error(response, field: str) -> None:  # type: ignore[no-untyped-def]
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["code"] == "VALIDATION_ERROR"
    assert field in error["details"], error


@pytest.mark.usefixtures("factor_bars")
class TestFactorETFPrices:
    def test_200_shape(self, auth_client: APIClient, django_assert_max_num_queries) -> None:  # type: ignore[no-untyped-def]
        with django_assert_max_num_queries(6):  # user, factor definitions x2, dates, prices, source
            response = auth_client.get(URL, {"lookback_days": 20})
        assert response.status_code == 200
        body = response.json()
        assert body["data_source"] == "synthetic"
        assert body["factor_model"] == {
            "version": body["factor_model"]["version"],
            "regression_window": 252,
            "minimum_data_points": 60,
        }
        assert isinstance(body["factor_model"]["version"], str) and body["factor_model"]["version"]
        assert list(body["factors"]) == list(FACTOR_ETFS)  # all 7, in display order
        dates = body["factors"]["Market"]["dates"]
        assert len(dates) == 20 and dates[-1] == AS_OF.isoformat()
        assert dates == sorted(dates)
        for name, etf in FACTOR_ETFS.items():
            factor = body["factors"][name]
            assert factor["etf_symbol"] == etf
            assert factor["dates"] == dates  # aligned across factors
            assert len(factor["prices"]) == len(factor["returns"]) == len(dates)
            assert all(isinstance(p, float) and p > 0 for p in factor["prices"])
            assert all(isinstance(r, float) and abs(r) < 0.2 for r in factor["returns"])

    def test_returns_are_price_ratios_minus_one(self, auth_client: APIClient) -> None:
        body = auth_client.get(URL, {"lookback_days": 5, "factors": "Market"}).json()
        market = body["factors"]["Market"]
        day, previous = dt.date.fromisoformat(market["dates"][2]), dt.date.fromisoformat(market["dates"][1])
        # by hand on one day: SPY's adjusted close that day over the day before, minus one
        expected = adjusted_close("SPY", day) / adjusted_close("SPY", previous) - 1
        assert market["returns"][2] == pytest.approx(expected, rel=1e-12)
        assert market["prices"][2] == pytest.approx(adjusted_close("SPY", day), abs=5e-5)
        # every day, from the published prices (rounded to 4 decimals)
        prices, returns = market["prices"], market["returns"]
        for i in range(1, len(prices)):
            assert returns[i] == pytest.approx(prices[i] / prices[i - 1] - 1, abs=1e-6)
        # the first return of the window uses the bar before the window
        first = dt.date.fromisoformat(market["dates"][0])
        before = last_session_before(first)
        assert returns[0] == pytest.approx(adjusted_close("SPY", first) / adjusted_close("SPY", before) - 1)

    def test_subset_of_factors_in_the_order_asked(self, auth_client: APIClient) -> None:
        body = auth_client.get(URL, {"factors": "Size, Value"}).json()
        assert list(body["factors"]) == ["Size", "Value"]
        assert body["factors"]["Size"]["etf_symbol"] == "IWM"
        assert len(body["factors"]["Value"]["dates"]) == 150  # the default lookback

    def test_a_repeated_factor_is_listed_once(self, auth_client: APIClient) -> None:
        response = auth_client.get(URL, {"factors": "Market,Market", "lookback_days": 3})
        assert response.status_code == 200, response.content
        assert list(response.json()["factors"]) == ["Market"]
        assert len(response.json()["factors"]["Market"]["prices"]) == 3

    def test_lookback_longer_than_the_stored_history_returns_all_of_it(self, auth_client: APIClient) -> None:
        body = auth_client.get(URL, {"lookback_days": 1260, "factors": "Quality"}).json()
        stored = PriceBar.objects.filter(symbol="QUAL").count()
        quality = body["factors"]["Quality"]
        assert len(quality["dates"]) == stored
        assert quality["returns"][0] is None  # no bar before the first stored one: null, not invented

    def test_a_missing_bar_is_null(self, auth_client: APIClient) -> None:
        day = last_session_before(AS_OF)
        PriceBar.objects.filter(symbol="VTV", date=day).delete()
        body = auth_client.get(URL, {"lookback_days": 3, "factors": "Market,Value"}).json()
        value = body["factors"]["Value"]
        assert body["factors"]["Market"]["dates"] == value["dates"]
        i = value["dates"].index(day.isoformat())
        assert value["prices"][i] is None
        assert value["returns"][i] is None and value["returns"][i + 1] is None

    @pytest.mark.parametrize(
        "params, field",
        [
            ({"lookback_days": "0"}, "lookback_days"),
            ({"lookback_days": "1261"}, "lookback_days"),
            ({"lookback_days": "-5"}, "lookback_days"),
            ({"lookback_days": "ten"}, "lookback_days"),
            ({"factors": "Market,Carry"}, "factors"),
            ({"factors": "Oil"}, "factors"),  # a macro factor has no ETF price series here
            ({"factors": ""}, "factors"),
            ({"factor": "Market"}, "factor"),
        ],
    )
    def test_400(self, auth_client: APIClient, params: dict[str, str], field: str) -> None:
        assert_validation_error(auth_client.get(URL, params), field)

    def test_401_without_a_token(self, api_client: APIClient) -> None:
        response = api_client.get(URL)
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "NOT_AUTHENTICATED"


def test_no_stored_prices_is_422_naming_the_missing_etf(auth_client: APIClient) -> None:
    response = auth_client.get(URL, {"lookback_days": 5, "factors": "Market"})
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "INSUFFICIENT_DATA"
    assert error["details"]["missing"] == {"Market": "SPY"}
