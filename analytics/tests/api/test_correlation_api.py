"""GET /analytics/correlation/{id}/matrix."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from analytics.services.correlations import correlations_step
from analytics.tests.factor_book import AS_OF, aggregate, hold, store_prices
from portfolios.tests.factories import PortfolioFactory, TagFactory
from sigmasight.tests.envelope import assert_error, assert_timestamp

N_BARS = 121  # 120 log returns: the 90-day default window and a 60-day custom one both fit


def url(portfolio) -> str:  # type: ignore[no-untyped-def]
    return f"/api/v1/analytics/correlation/{portfolio.id}/matrix"


def make_prices(symbols: list[str], seed: int = 5) -> pd.DataFrame:
    """Log-price random walks; the first two symbols share most of their moves."""
    rng = np.random.default_rng(seed)
    dates = [d.date() for d in pd.bdate_range(end=AS_OF, periods=N_BARS)]
    common = rng.normal(0, 0.01, N_BARS)
    moves = {s: rng.normal(0, 0.01, N_BARS) for s in symbols}
    for s in symbols[:2]:
        moves[s] = common + rng.normal(0, 0.002, N_BARS)
    frame = pd.DataFrame(moves, index=pd.Index(dates))
    frame.iloc[0] = 0.0
    prices = 40.0 * np.exp(frame.cumsum())
    store_prices(prices)
    return prices


@pytest.fixture(scope="module")
def prices(module_db) -> pd.DataFrame:  # type: ignore[no-untyped-def]
    return module_db(make_prices, ["AAA", "BBB", "CCC", "DDD"])


@pytest.fixture
def book(user, prices):  # type: ignore[no-untyped-def]
    portfolio = PortfolioFactory(owner=user)
    tech = TagFactory(owner=user, name="tech")
    hold(portfolio, "AAA", exposure=50_000.0).tags.set([tech])
    hold(portfolio, "BBB", exposure=40_000.0).tags.set([tech])
    hold(portfolio, "CCC", exposure=-30_000.0)
    hold(portfolio, "DDD", exposure=2_000.0)
    aggregate(portfolio, 100_000.0)
    return portfolio


@pytest.fixture
def batched(book):  # type: ignore[no-untyped-def]
    correlations_step(as_of=AS_OF, portfolio_ids=[str(book.id)])
    return book


def weighted(
    prices: pd.DataFrame, symbols: list[str], exposures: list[float], lookback: int
) -> tuple[float, float]:
    """Hand computation: (average correlation, effective number of bets) over the last ``lookback`` returns."""
    logret = np.log(prices[symbols]).diff().iloc[1:].iloc[-lookback:].to_numpy()
    rho = np.corrcoef(logret, rowvar=False)
    w = np.abs(exposures) / np.abs(exposures).sum()
    off = np.outer(w, w) - np.diag(w * w)
    return float((off * rho).sum() / off.sum()), float(1.0 / (w @ rho @ w))


@pytest.mark.django_db
class TestCorrelationMatrix:
    def test_stored_result_has_the_api_fields(self, auth_client, prices, batched):
        response = auth_client.get(url(batched))

        assert response.status_code == 200, response.content
        body = response.json()
        assert {
            "symbols",
            "matrix",
            "average_correlation",
            "effective_number_of_bets",
            "clusters",
            "excluded",
            "data_source",
            "as_of_date",
            "calculated_at",
        } <= set(body)
        assert body["symbols"] == ["AAA", "BBB", "CCC"]
        assert set(body["matrix"]) == {"AAA", "BBB", "CCC"} and body["matrix"]["AAA"]["AAA"] == pytest.approx(
            1.0
        )
        for cluster in body["clusters"]:
            assert {"name", "symbols", "average_correlation", "portfolio_percentage"} <= set(cluster)
        assert body["clusters"][0]["name"] == "tech cluster"
        assert [{k: e[k] for k in ("symbol", "reason")} for e in body["excluded"]] == [
            {"symbol": "DDD", "reason": "below_min_exposure"}
        ]
        average, bets = weighted(prices, ["AAA", "BBB", "CCC"], [50_000.0, 40_000.0, 30_000.0], 90)
        assert body["average_correlation"] == pytest.approx(average, rel=1e-10)
        assert body["effective_number_of_bets"] == pytest.approx(bets, rel=1e-10)
        assert body["lookback_days"] == 90 and body["min_overlap"] == 30 and body["source"] == "batch"
        assert body["as_of_date"] == "2024-06-28"
        assert body["data_source"] == "synthetic"
        assert_timestamp(body["calculated_at"])

    def test_other_windows_are_computed_now(self, auth_client, prices, batched):
        body = auth_client.get(url(batched), {"lookback_days": 60, "min_overlap": 20}).json()

        average, bets = weighted(prices, ["AAA", "BBB", "CCC"], [50_000.0, 40_000.0, 30_000.0], 60)
        assert body["average_correlation"] == pytest.approx(average, rel=1e-10)
        assert body["effective_number_of_bets"] == pytest.approx(bets, rel=1e-10)
        assert body["source"] == "on_request" and body["lookback_days"] == 60 and body["min_overlap"] == 20
        assert body["as_of_date"] == "2024-06-28"

    def test_401_without_token(self, api_client, book):
        assert_error(api_client.get(url(book)), 401, "NOT_AUTHENTICATED")

    def test_404_for_another_users_portfolio(self, client_for, other_user, batched):
        assert_error(client_for(other_user).get(url(batched)), 404, "NOT_FOUND")

    def test_422_before_the_batch(self, auth_client, book):
        error = assert_error(auth_client.get(url(book)), 422, "INSUFFICIENT_DATA")
        assert "correlation" in error["details"]["missing"]
        assert_error(auth_client.get(url(book), {"lookback_days": 60}), 422, "INSUFFICIENT_DATA")

    @pytest.mark.parametrize(
        ("params", "name"),
        [
            ({"lookback_days": "29"}, "lookback_days"),
            ({"lookback_days": "505"}, "lookback_days"),
            ({"lookback_days": "ninety"}, "lookback_days"),
            ({"min_overlap": "9"}, "min_overlap"),
            ({"min_overlap": "x"}, "min_overlap"),
            ({"lookback_days": "40", "min_overlap": "41"}, "min_overlap"),
            ({"min_overlap": "91"}, "min_overlap"),
            ({"as_of_date": "yesterday"}, "as_of_date"),
            ({"window": "90"}, "window"),
        ],
    )
    def test_400_for_bad_and_unknown_params(self, auth_client, batched, params, name):
        error = assert_error(auth_client.get(url(batched), params), 400, "VALIDATION_ERROR")

        assert name in error["details"]

    @pytest.mark.parametrize("params", [{}, {"lookback_days": 60, "min_overlap": 20}])
    def test_query_count_does_not_grow_with_positions(self, user, client_for, params):
        symbols = [f"S{i:02d}" for i in range(60)]
        make_prices(symbols, seed=9)
        tag = TagFactory(owner=user, name="book")
        small, large = PortfolioFactory(owner=user), PortfolioFactory(owner=user)
        for symbol in symbols[:10]:
            hold(small, symbol, exposure=20_000.0).tags.set([tag])
        for symbol in symbols:
            hold(large, symbol, exposure=20_000.0).tags.set([tag])
        correlations_step(as_of=AS_OF, portfolio_ids=[str(small.id), str(large.id)])
        client = client_for(user)

        counts = []
        for portfolio, size in ((small, 10), (large, 60)):
            with CaptureQueriesContext(connection) as queries:
                response = client.get(url(portfolio), params)
            assert response.status_code == 200
            assert len(response.json()["symbols"]) == size
            counts.append(len(queries))

        assert counts[0] == counts[1]
