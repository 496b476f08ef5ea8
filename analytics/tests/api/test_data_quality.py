"""GET /api/v1/data/portfolio/{id}/data-quality (real counts from stored bars)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from analytics.tests.valuation_book import AS_OF, EXPIRY, bar
from marketdata.models import PriceBar
from marketdata.providers.calendar import trading_days
from marketdata.selectors import model_factor_etfs
from portfolios.tests.factories import PortfolioFactory, PositionFactory

pytestmark = pytest.mark.django_db
SESSIONS = trading_days(dt.date(2023, 1, 1), AS_OF)[-252:]


def url(portfolio_id: object) -> str:
    return f"/api/v1/data/portfolio/{portfolio_id}/data-quality"


def bars(symbol: str, count: int) -> list[PriceBar]:
    """Bars on the last ``count`` sessions of the 252-session window ending at AS_OF."""
    return [bar(symbol, d, 100.0) for d in SESSIONS[len(SESSIONS) - count :]]


@pytest.fixture
def portfolio(user):  # type: ignore[no-untyped-def]
    # FULL: 252 bars; PART: 100; THIN: 30; NONE: none; an option on FULL (through its underlying);
    # a lot closed before AS_OF is not counted.
    portfolio = PortfolioFactory(owner=user)
    PriceBar.objects.bulk_create(bars("FULL", 252) + bars("PART", 100) + bars("THIN", 30))
    for symbol in ("FULL", "PART", "THIN", "NONE"):
        PositionFactory(portfolio=portfolio, symbol=symbol, entry_date=dt.date(2024, 1, 2))
    PositionFactory(
        portfolio=portfolio,
        long_call=True,
        symbol="FULL  241220C00100000",
        underlying_symbol="FULL",
        expiration_date=EXPIRY,
        entry_date=dt.date(2024, 1, 2),
    )
    PositionFactory(
        portfolio=portfolio,
        symbol="PART",
        entry_date=dt.date(2024, 1, 2),
        exit_date=dt.date(2024, 3, 1),
        exit_price=Decimal("1"),
    )
    return portfolio


class TestDataQuality:
    def test_counts_from_stored_bars(self, portfolio, auth_client) -> None:
        response = auth_client.get(url(portfolio.id))

        assert response.status_code == 200, response.content
        body = response.json()
        assert body["as_of_date"] == AS_OF.isoformat()  # the portfolio's last stored bar
        assert body["window"] == {
            "sessions": 252,
            "start_date": SESSIONS[0].isoformat(),
            "end_date": AS_OF.isoformat(),
        }
        assert body["summary"] == {
            "total_positions": 5,
            "complete_data": 2,
            "partial_data": 1,
            "insufficient_data": 2,
            "data_coverage_percent": 40.0,
        }
        quality = body["position_data_quality"]
        assert quality["complete_history"] == ["FULL"]
        assert quality["partial_history"] == [{"symbol": "PART", "days_available": 100, "days_missing": 152}]
        assert [(r["symbol"], r["days_available"]) for r in quality["insufficient_data"]] == [
            ("NONE", 0),
            ("THIN", 30),
        ]
        assert all(r["reason"] for r in quality["insufficient_data"])
        assert body["data_source"] == "synthetic"

    def test_calculation_feasibility(self, portfolio, auth_client) -> None:
        # given: no factor ETF bars yet
        body = auth_client.get(url(portfolio.id)).json()
        feasibility = body["calculation_feasibility"]
        regression = feasibility["factor_regression"]
        assert (regression["positions_eligible"], regression["positions_excluded"]) == (3, 2)
        assert regression["min_days_required"] == 60 and regression["window_days"] == 252
        assert regression["feasible"] is False and "SPY" in regression["reason"]
        correlation = feasibility["correlation_matrix"]
        # FULL (+ its option), PART and THIN have >= 30 bars in the last 90 sessions
        assert (correlation["positions_eligible"], correlation["min_days_required"]) == (4, 30)
        assert correlation["feasible"] is True and correlation["reason"] is None
        volatility = feasibility["volatility_analysis"]
        assert (
            volatility["positions_eligible"],
            volatility["positions_excluded"],
            volatility["feasible"],
        ) == (4, 1, True)

        # when the factor ETFs have 60 bars, the regression becomes feasible
        PriceBar.objects.bulk_create([b for etf in model_factor_etfs().values() for b in bars(etf, 60)])
        regression = auth_client.get(url(portfolio.id)).json()["calculation_feasibility"]["factor_regression"]
        assert regression["feasible"] is True and regression["reason"] is None

    def test_as_of_date_param_moves_the_window(self, portfolio, auth_client) -> None:
        # 10 sessions earlier, the last 10 bars of each symbol fall outside the window
        earlier = SESSIONS[-11]
        body = auth_client.get(url(portfolio.id), {"as_of_date": earlier.isoformat()}).json()
        partial = body["position_data_quality"]["partial_history"]
        assert {"symbol": "FULL", "days_available": 242, "days_missing": 10} in partial
        assert {"symbol": "PART", "days_available": 90, "days_missing": 162} in partial

    def test_empty_portfolio(self, user, auth_client) -> None:
        body = auth_client.get(url(PortfolioFactory(owner=user).id)).json()
        assert body["summary"]["total_positions"] == 0
        assert body["summary"]["data_coverage_percent"] is None

    def test_401_and_404(self, api_client, portfolio, other_user, client_for) -> None:
        assert api_client.get(url(portfolio.id)).status_code == 401
        assert client_for(other_user).get(url(portfolio.id)).status_code == 404

    @pytest.mark.parametrize("params", [{"as_of_date": "nope"}, {"lookback_days": "5"}])
    def test_400_for_bad_or_unknown_params(self, portfolio, auth_client, params) -> None:
        response = auth_client.get(url(portfolio.id), params)
        assert response.status_code == 400
        assert set(response.json()["error"]["details"]) == set(params)

    def test_query_count_does_not_grow_with_positions(self, user, auth_client) -> None:
        counts = []
        for n in (10, 60):
            portfolio = PortfolioFactory(owner=user)
            PriceBar.objects.bulk_create([b for i in range(n) for b in bars(f"Q{n}X{i}", 5)])
            for i in range(n):
                PositionFactory(portfolio=portfolio, symbol=f"Q{n}X{i}", entry_date=dt.date(2024, 1, 2))
            with CaptureQueriesContext(connection) as ctx:
                assert auth_client.get(url(portfolio.id)).status_code == 200
            counts.append(len(ctx))
        assert counts[0] == counts[1]
