"""GET /analytics/portfolio/{id}/performance."""

from __future__ import annotations

import uuid
from decimal import Decimal

import empyrical
import numpy as np
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from analytics.batch.services import batch_run_create, batch_run_execute
from analytics.models import PerformanceSummary
from analytics.services.snapshots import snapshots_step
from analytics.tests.performance_book import (
    FLOW_NAV,
    FLOW_RETURNS,
    RATE,
    D,
    flow_book,
    lot,
    random_walk,
    sessions,
    store_bars,
    store_rate,
)
from portfolios.tests.factories import PortfolioFactory
from sigmasight.tests.envelope import assert_error, assert_timestamp

RETURN_KEYS = {"1d", "1w", "1m", "3m", "ytd", "1y", "inception"}
API_FIELDS = {
    "returns",
    "annualized_return",
    "annualized_volatility",
    "sharpe_ratio",
    "sortino_ratio",
    "max_drawdown",
    "max_drawdown_start",
    "max_drawdown_end",
    "calmar_ratio",
    "beta",
    "alpha",
    "benchmark_returns",
    "series",
    "as_of_date",
    "calculated_at",
    "data_source",
}
N = 300  # sessions of the long book: 2023-01-02 .. 2024-02-23


def url(portfolio_id) -> str:  # type: ignore[no-untyped-def]
    return f"/api/v1/analytics/portfolio/{portfolio_id}/performance"


def long_book(owner, positions: int = 3):  # type: ignore[no-untyped-def]
    """``positions`` lots on distinct random-walk symbols over N sessions (one bought mid-way), rf 5 %."""
    days = sessions(N)
    store_bars("SPY", days, list(random_walk(N, 1)))
    store_rate(days)
    portfolio = PortfolioFactory(owner=owner, cash_balance=Decimal("2500"))
    for i in range(positions):
        symbol = f"S{i:03d}"
        store_bars(symbol, days, list(random_walk(N, 100 + i, start=50.0 + i)))
        lot(portfolio, symbol, 10 + i if i % 4 else -(5 + i), 50.0 + i, days[0 if i % 3 else 40 * (i % 5)])
    return portfolio, days


def run_snapshots(portfolio, as_of) -> None:  # type: ignore[no-untyped-def]
    result = snapshots_step(as_of=as_of, portfolio_ids=[str(portfolio.id)])
    assert not result.failures, result.failures


@pytest.mark.django_db
class TestPerformance:
    def test_fields_and_the_flow_book(self, user, auth_client):
        portfolio = flow_book(owner=user)
        run_snapshots(portfolio, D[-1])

        response = auth_client.get(url(portfolio.id))

        assert response.status_code == 200, response.content
        body = response.json()
        assert API_FIELDS <= set(body)
        assert set(body["returns"]) == RETURN_KEYS and set(body["benchmark_returns"]) == RETURN_KEYS
        assert body["as_of_date"] == D[-1].isoformat()
        assert_timestamp(body["calculated_at"])
        assert body["data_source"] == "synthetic"
        assert body["period"] == "all" and body["benchmark"] == "SPY"
        assert [p["date"] for p in body["series"]] == [d.isoformat() for d in D]
        assert set(body["series"][0]) >= {"date", "nav", "daily_return", "cumulative_return", "drawdown"}
        assert [p["nav"] for p in body["series"]] == FLOW_NAV
        assert body["series"][0]["daily_return"] is None
        np.testing.assert_allclose(
            [p["daily_return"] for p in body["series"][1:]], FLOW_RETURNS[1:], atol=1e-15
        )
        assert body["returns"]["1d"] == pytest.approx(60 / 2200)
        assert body["benchmark_returns"]["1d"] == pytest.approx(104 / 103 - 1)
        assert body["benchmark_returns"]["inception"] == pytest.approx(104 / 100 - 1)
        assert body["risk_free_rate"] == pytest.approx(RATE)

    def test_sharpe_recomputed_from_series_matches(self, user, auth_client):
        portfolio, days = long_book(user)
        run_snapshots(portfolio, days[-1])

        body = auth_client.get(url(portfolio.id)).json()

        # then: Sharpe and Sortino from the served daily returns, rf = DGS3MO / 252
        r = np.array([p["daily_return"] for p in body["series"] if p["daily_return"] is not None])
        excess = r - RATE / 252
        sharpe = excess.mean() / excess.std(ddof=1) * np.sqrt(252)
        assert body["sharpe_ratio"] == pytest.approx(sharpe, rel=1e-9)
        assert body["sortino_ratio"] == pytest.approx(
            empyrical.sortino_ratio(r, required_return=RATE / 252), rel=1e-9
        )
        assert body["max_drawdown"] == pytest.approx(min(p["drawdown"] for p in body["series"]), rel=1e-12)
        assert body["max_drawdown"] == pytest.approx(empyrical.max_drawdown(r), rel=1e-9)
        assert body["observations"] == len(r)
        # the stored summary (period all, SPY) agrees with the endpoint's defaults
        summary = PerformanceSummary.objects.get(portfolio=portfolio, as_of_date=days[-1])
        assert body["sharpe_ratio"] == pytest.approx(summary.sharpe_ratio, rel=1e-12)
        assert body["beta"] == pytest.approx(summary.beta, rel=1e-12)
        assert body["max_drawdown_start"] == (
            summary.max_drawdown_start and summary.max_drawdown_start.isoformat()
        )

    def test_period_window(self, user, auth_client):
        portfolio, days = long_book(user)
        run_snapshots(portfolio, days[-1])
        everything = auth_client.get(url(portfolio.id)).json()

        body = auth_client.get(url(portfolio.id), {"period": "1m"}).json()

        # then: the window starts after the last NAV on or before as_of - 30 days, its returns chain
        # to the 1m period return, and cumulative/drawdown are measured from the window's start
        series = body["series"]
        assert days[-1].isoformat() == "2024-02-23"  # - 30 days = Wed 2024-01-24, a session
        assert series[0]["date"] == "2024-01-25"
        assert body["period_start_date"] == series[0]["date"]
        r = np.array([p["daily_return"] for p in series])
        assert series[-1]["cumulative_return"] == pytest.approx(np.prod(1 + r) - 1, rel=1e-12)
        assert body["returns"]["1m"] == pytest.approx(series[-1]["cumulative_return"], rel=1e-12)
        assert body["returns"] == everything["returns"]
        assert len(series) < len(everything["series"])
        assert body["sharpe_ratio"] == pytest.approx(
            empyrical.sharpe_ratio(r, risk_free=RATE / 252), rel=1e-9
        )
        assert body["max_drawdown"] == pytest.approx(min(0.0, min(p["drawdown"] for p in series)), abs=1e-15)

    def test_drawdown_dates(self, user, auth_client):
        from analytics.tests.performance_book import store_market

        store_market()
        store_bars("AAA", D, [10.0, 12.0, 9.0, 6.0, 8.0, 13.0, 12.5])
        portfolio = PortfolioFactory(owner=user)
        lot(portfolio, "AAA", 100, 10, D[0])
        run_snapshots(portfolio, D[-1])

        body = auth_client.get(url(portfolio.id)).json()

        assert body["max_drawdown"] == pytest.approx(-0.5)
        assert (body["max_drawdown_start"], body["max_drawdown_end"]) == (D[1].isoformat(), D[3].isoformat())
        assert body["max_drawdown_recovery"] == D[5].isoformat()

    def test_other_benchmark_and_as_of_date(self, user, auth_client):
        portfolio = flow_book(owner=user)
        run_snapshots(portfolio, D[-1])

        body = auth_client.get(url(portfolio.id), {"benchmark": "aaa", "as_of_date": D[3].isoformat()}).json()

        assert body["benchmark"] == "AAA" and body["as_of_date"] == D[3].isoformat()
        assert len(body["series"]) == 4
        assert body["benchmark_returns"]["1d"] == pytest.approx(13.2 / 12 - 1)

    def test_default_benchmark_without_bars_gives_null_beta(self, user, auth_client):
        # given: prices for the book's stock only (no SPY bars at all)
        store_bars("AAA", D, [10.0, 11.0, 12.0, 13.2, 12.0, 12.0, 12.6])
        portfolio = PortfolioFactory(owner=user)
        lot(portfolio, "AAA", 100, 10, D[0])
        run_snapshots(portfolio, D[-1])

        body = auth_client.get(url(portfolio.id)).json()
        explicit = auth_client.get(url(portfolio.id), {"benchmark": "SPY"})

        assert body["beta"] is None and body["alpha"] is None
        assert set(body["benchmark_returns"].values()) == {None}
        assert body["returns"]["1d"] == pytest.approx(0.05)
        assert body["risk_free_rate"] is None  # no DGS3MO stored: rf = 0
        assert_error(explicit, 400, "VALIDATION_ERROR")

    def test_trailing_slash(self, user, auth_client):
        portfolio = flow_book(owner=user)
        run_snapshots(portfolio, D[-1])

        assert auth_client.get(url(portfolio.id) + "/").status_code == 200

    def test_batch_framework_runs_the_engine(self, user, auth_client):
        portfolio = flow_book(owner=user)
        run = batch_run_create(as_of=D[-1], engines=["snapshots"], portfolio_ids=[portfolio.id])

        run = batch_run_execute(run=run)

        assert run.status == "succeeded", run.counts
        assert auth_client.get(url(portfolio.id)).status_code == 200


@pytest.mark.django_db
class TestPerformanceErrors:
    def test_401_without_token(self, api_client, user):
        assert_error(api_client.get(url(PortfolioFactory(owner=user).id)), 401, "NOT_AUTHENTICATED")

    def test_404_for_another_users_portfolio(self, auth_client, other_user):
        portfolio = flow_book(owner=other_user)
        run_snapshots(portfolio, D[-1])

        response = auth_client.get(url(portfolio.id))

        assert_error(response, 404, "NOT_FOUND")
        assert str(portfolio.id) not in response.content.decode()

    def test_404_for_an_unknown_portfolio(self, auth_client):
        assert_error(auth_client.get(url(uuid.uuid4())), 404, "NOT_FOUND")

    def test_422_before_the_batch(self, user, auth_client):
        portfolio = flow_book(owner=user)

        error = assert_error(auth_client.get(url(portfolio.id)), 422, "INSUFFICIENT_DATA")

        assert error["details"]["missing"] == "performance snapshots"
        assert "batch" in error["details"]["how_to_fix"].lower()

    @pytest.mark.parametrize(
        ("params", "name"),
        [
            ({"period": "2y"}, "period"),
            ({"benchmark": "NOPE"}, "benchmark"),
            ({"benchmark": "not a symbol!"}, "benchmark"),
            ({"as_of_date": "2024-13-01"}, "as_of_date"),
            ({"foo": "1"}, "foo"),
        ],
    )
    def test_400_names_the_parameter(self, user, auth_client, params, name):
        portfolio = flow_book(owner=user)
        run_snapshots(portfolio, D[-1])

        error = assert_error(auth_client.get(url(portfolio.id), params), 400, "VALIDATION_ERROR")

        assert set(error["details"]) == {name}


@pytest.mark.django_db
def test_query_count_does_not_grow_with_positions(user, auth_client):
    def count(positions: int) -> int:
        from marketdata.models import MacroSeries, PriceBar

        PriceBar.objects.all().delete()
        MacroSeries.objects.all().delete()
        portfolio, days = long_book(user, positions)
        run_snapshots(portfolio, days[-1])
        with CaptureQueriesContext(connection) as ctx:
            response = auth_client.get(url(portfolio.id), {"period": "1y"})
        assert response.status_code == 200
        return len(ctx.captured_queries)

    assert count(10) == count(60)
