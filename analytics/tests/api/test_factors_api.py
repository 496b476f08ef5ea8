"""/analytics/factors/{id}/exposures, /analytics/factors/definitions, /analytics/factors/correlations."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from analytics.models import SymbolFactorExposure
from analytics.services.factors import factors_step
from analytics.tests.factor_book import AS_OF, FACTOR_ETFS, aggregate, factor_market, hold
from portfolios.tests.factories import PortfolioFactory
from sigmasight.tests.envelope import assert_error, assert_timestamp

FACTOR_NAMES = list(FACTOR_ETFS)
DEFINITIONS = "/api/v1/analytics/factors/definitions"
CORRELATIONS = "/api/v1/analytics/factors/correlations"


def exposures_url(portfolio) -> str:  # type: ignore[no-untyped-def]
    return f"/api/v1/analytics/factors/{portfolio.id}/exposures"


@pytest.fixture(scope="module")
def market(module_db):  # type: ignore[no-untyped-def]
    return module_db(factor_market, stocks=("AAA", "BBB"))


@pytest.fixture
def book(user, market):  # type: ignore[no-untyped-def]
    """The user's portfolio: AAA 50,000, BBB -20,000, an AAA call 12,345; NAV 100,000."""
    portfolio = PortfolioFactory(owner=user)
    hold(portfolio, "AAA", exposure=50_000.0)
    hold(portfolio, "BBB", exposure=-20_000.0)
    hold(portfolio, "AAA   241220C00100000", exposure=12_345.0, option_of="AAA")
    aggregate(portfolio, 100_000.0)
    return portfolio


@pytest.fixture
def batched(book):  # type: ignore[no-untyped-def]
    factors_step(as_of=AS_OF, portfolio_ids=[str(book.id)])
    return book


@pytest.mark.django_db
class TestFactorExposures:
    def test_portfolio_view_has_the_api_fields(self, auth_client, batched):
        response = auth_client.get(exposures_url(batched))

        assert response.status_code == 200, response.content
        body = response.json()
        assert {
            "factors",
            "r_squared",
            "observations",
            "window_days",
            "data_source",
            "as_of_date",
            "calculated_at",
        } <= set(body)
        assert "positions" not in body
        assert [f["name"] for f in body["factors"]] == FACTOR_NAMES
        assert [f["etf_symbol"] for f in body["factors"]] == list(FACTOR_ETFS.values())
        for item in body["factors"]:
            assert set(item) == {"name", "etf_symbol", "beta", "exposure_dollar", "t_stat", "p_value"}
        assert body["window_days"] == 252 and body["observations"] == 252
        assert body["as_of_date"] == "2024-06-28"
        assert body["data_source"] == "synthetic"
        assert_timestamp(body["calculated_at"])
        assert [m["name"] for m in body["macro_sensitivities"]] == ["Interest Rate", "Oil", "International"]
        assert body["capm"]["benchmark"] == "SPY"

    def test_beta_is_dollar_exposure_over_nav(self, auth_client, batched):
        body = auth_client.get(exposures_url(batched)).json()

        aaa = SymbolFactorExposure.objects.get(symbol="AAA").betas
        bbb = SymbolFactorExposure.objects.get(symbol="BBB").betas
        market = body["factors"][0]
        dollars = 62_345.0 * aaa["Market"] - 20_000.0 * bbb["Market"]
        assert market["exposure_dollar"] == round(dollars, 2)
        assert market["beta"] == pytest.approx(dollars / 100_000.0, rel=1e-12)

    def test_positions_view_lists_each_position_with_its_symbol_regression(self, auth_client, batched):
        body = auth_client.get(exposures_url(batched), {"view": "positions"}).json()

        assert len(body["positions"]) == 3
        by_symbol = {p["symbol"]: p for p in body["positions"]}
        for position in body["positions"]:
            assert {
                "position_id",
                "symbol",
                "betas",
                "t_stats",
                "r_squared",
                "observations",
                "quality_flag",
            } <= set(position)
            assert list(position["betas"]) == FACTOR_NAMES
        option = by_symbol["AAA   241220C00100000"]
        assert option["risk_symbol"] == "AAA"
        assert option["betas"] == by_symbol["AAA"]["betas"]  # options take the underlying's betas
        assert option["quality_flag"] == "ok" and option["observations"] == 252

    def test_401_without_token(self, api_client, book):
        assert_error(api_client.get(exposures_url(book)), 401, "NOT_AUTHENTICATED")

    def test_404_for_another_users_portfolio(self, client_for, other_user, batched):
        assert_error(client_for(other_user).get(exposures_url(batched)), 404, "NOT_FOUND")

    @pytest.mark.parametrize(
        ("params", "name"),
        [
            ({"view": "longs"}, "view"),
            ({"view": ""}, "view"),
            ({"as_of_date": "2024-13-01"}, "as_of_date"),
            ({"lookback_days": "90"}, "lookback_days"),
            ({"foo": "bar"}, "foo"),
        ],
    )
    def test_400_for_bad_and_unknown_params(self, auth_client, batched, params, name):
        error = assert_error(auth_client.get(exposures_url(batched), params), 400, "VALIDATION_ERROR")

        assert name in error["details"]

    def test_422_before_the_batch(self, auth_client, book):
        error = assert_error(auth_client.get(exposures_url(book)), 422, "INSUFFICIENT_DATA")

        assert "factor exposures" in error["details"]["missing"]
        assert "batch" in error["details"]["how_to_fix"]

    def test_422_for_a_date_without_result(self, auth_client, batched):
        assert_error(
            auth_client.get(exposures_url(batched), {"as_of_date": "2024-06-27"}), 422, "INSUFFICIENT_DATA"
        )

    @pytest.mark.parametrize("view", ["portfolio", "positions"])
    def test_query_count_does_not_grow_with_positions(self, user, client_for, view):
        symbols = [f"S{i:02d}" for i in range(60)]
        factor_market(stocks=symbols)
        small, large = PortfolioFactory(owner=user), PortfolioFactory(owner=user)
        for symbol in symbols[:10]:
            hold(small, symbol, exposure=10_000.0)
        for symbol in symbols:
            hold(large, symbol, exposure=10_000.0)
        aggregate(small, 100_000.0)
        aggregate(large, 600_000.0)
        factors_step(as_of=AS_OF, portfolio_ids=[str(small.id), str(large.id)])
        client = client_for(user)

        counts = []
        for portfolio, size in ((small, 10), (large, 60)):
            with CaptureQueriesContext(connection) as queries:
                response = client.get(exposures_url(portfolio), {"view": view})
            assert response.status_code == 200
            if view == "positions":
                assert len(response.json()["positions"]) == size
            counts.append(len(queries))

        assert counts[0] == counts[1]


@pytest.mark.django_db
class TestFactorDefinitions:
    def test_fields_and_order(self, auth_client):
        response = auth_client.get(DEFINITIONS)

        assert response.status_code == 200
        body = response.json()
        assert [d["name"] for d in body[:7]] == FACTOR_NAMES
        assert [d["etf_symbol"] for d in body[:7]] == list(FACTOR_ETFS.values())
        for item in body:
            assert {
                "name",
                "etf_symbol",
                "description",
                "calculation_method",
                "display_order",
                "kind",
            } <= set(item)
        assert {d["kind"] for d in body[7:]} == {"macro"}
        assert [d["display_order"] for d in body] == sorted(d["display_order"] for d in body)

    def test_401_without_token(self, api_client):
        assert_error(api_client.get(DEFINITIONS), 401, "NOT_AUTHENTICATED")

    def test_400_for_unknown_params(self, auth_client):
        error = assert_error(auth_client.get(DEFINITIONS, {"kind": "macro"}), 400, "VALIDATION_ERROR")

        assert "kind" in error["details"]


def regressors_of(prices: pd.DataFrame, lookback: int) -> np.ndarray:
    returns = prices.pct_change(fill_method=None).iloc[1:].iloc[-lookback:]
    columns = [returns["SPY"]] + [
        returns[etf] - returns["SPY"] for n, etf in FACTOR_ETFS.items() if n != "Market"
    ]
    return np.column_stack(columns)


@pytest.mark.django_db
class TestFactorCorrelations:
    def test_422_before_the_batch(self, auth_client, market):
        assert_error(auth_client.get(CORRELATIONS), 422, "INSUFFICIENT_DATA")
        assert_error(auth_client.get(CORRELATIONS, {"lookback_days": 60}), 422, "INSUFFICIENT_DATA")

    def test_default_window_is_the_stored_result(self, auth_client, market, batched):
        response = auth_client.get(CORRELATIONS)

        assert response.status_code == 200
        body = response.json()
        assert {
            "factors",
            "matrix",
            "condition_number",
            "warnings",
            "as_of_date",
            "calculated_at",
            "data_source",
        } <= set(body)
        assert body["factors"] == FACTOR_NAMES
        assert body["source"] == "batch" and body["lookback_days"] == 252
        expected = np.corrcoef(regressors_of(market.prices, 252), rowvar=False)
        np.testing.assert_allclose(np.array(body["matrix"], dtype=float), expected, rtol=1e-10)
        assert body["as_of_date"] == "2024-06-28"
        assert body["data_source"] == "synthetic"
        assert_timestamp(body["calculated_at"])

    def test_other_windows_are_computed_now(self, auth_client, market, batched):
        body = auth_client.get(CORRELATIONS, {"lookback_days": 60}).json()

        expected = np.corrcoef(regressors_of(market.prices, 60), rowvar=False)
        np.testing.assert_allclose(np.array(body["matrix"], dtype=float), expected, rtol=1e-10)
        assert body["condition_number"] == pytest.approx(np.linalg.cond(expected), rel=1e-8)
        assert body["observations"] == 60 and body["source"] == "on_request"

    def test_401_without_token(self, api_client):
        assert_error(api_client.get(CORRELATIONS), 401, "NOT_AUTHENTICATED")

    @pytest.mark.parametrize(
        ("params", "name"),
        [
            ({"lookback_days": "59"}, "lookback_days"),
            ({"lookback_days": "1261"}, "lookback_days"),
            ({"lookback_days": "abc"}, "lookback_days"),
            ({"lookback_days": "1.5"}, "lookback_days"),
            ({"window": "60"}, "window"),
        ],
    )
    def test_400_for_bad_and_unknown_params(self, auth_client, params, name):
        error = assert_error(auth_client.get(CORRELATIONS, params), 400, "VALIDATION_ERROR")

        assert name in error["details"]

    def test_query_count_is_constant_across_windows(self, auth_client, batched):
        counts = []
        for lookback in (60, 500):
            with CaptureQueriesContext(connection) as queries:
                assert auth_client.get(CORRELATIONS, {"lookback_days": lookback}).status_code == 200
            counts.append(len(queries))

        assert counts[0] == counts[1]
