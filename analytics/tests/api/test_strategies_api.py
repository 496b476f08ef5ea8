"""GET /api/v1/management/strategies."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from analytics.tests.alerts.test_alerts_services import AS_OF, greeks, option, valuation
from analytics.tests.services.test_strategies import spread  # noqa: F401 - fixture
from portfolios.tests.factories import PortfolioFactory, PositionFactory, TagFactory
from sigmasight.tests.envelope import assert_error

URL = "/api/v1/management/strategies"
FIELDS = {
    "id",
    "name",
    "description",
    "color",
    "position_count",
    "valued_position_count",
    "net_exposure",
    "gross_exposure",
    "pnl",
    "greeks",
    "as_of_date",
    "note",
}
GREEKS = {"delta", "delta_dollars", "gamma", "gamma_dollars", "theta", "vega", "rho"}


@pytest.mark.django_db
class TestStrategiesList:
    def test_fields_and_figures(self, auth_client, spread) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
        response = auth_client.get(URL)

        assert response.status_code == 200, response.content
        body = response.json()
        assert set(body) == {"count", "next", "previous", "results"}
        assert body["count"] == 1
        row = body["results"][0]
        assert set(row) == FIELDS
        assert set(row["greeks"]) == GREEKS
        assert row["id"] == str(spread["tag"].id)
        assert row["name"] == "XYZ call spread" and row["description"] == "bull spread"
        assert (row["net_exposure"], row["gross_exposure"], row["pnl"]) == (5600.0, 6400.0, 600.0)
        assert row["greeks"]["delta_dollars"] == 8000.0
        assert row["as_of_date"] == AS_OF.isoformat()
        assert row["note"] is None

    def test_trailing_slash_answers_too(self, auth_client, spread) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
        assert auth_client.get(URL + "/").status_code == 200

    def test_portfolio_filter(self, auth_client, spread, user) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
        empty = PortfolioFactory(owner=user)

        assert auth_client.get(URL, {"portfolio_id": str(spread["portfolio"].id)}).json()["count"] == 1
        assert auth_client.get(URL, {"portfolio_id": str(empty.id)}).json()["count"] == 0

    def test_a_strategy_without_results_has_null_figures(self, auth_client, user) -> None:  # type: ignore[no-untyped-def]
        TagFactory(owner=user, strategy=True)

        row = auth_client.get(URL).json()["results"][0]

        assert row["net_exposure"] is None and row["greeks"] is None and row["as_of_date"] is None
        assert row["note"]

    def test_only_your_strategies(self, client_for, other_user, spread) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
        assert client_for(other_user).get(URL).json()["count"] == 0

    def test_pagination(self, auth_client, user) -> None:  # type: ignore[no-untyped-def]
        for i in range(3):
            TagFactory(owner=user, name=f"s{i}", strategy=True)

        body = auth_client.get(URL, {"limit": 2}).json()

        assert body["count"] == 3 and len(body["results"]) == 2 and body["next"]
        assert [r["name"] for r in auth_client.get(URL, {"limit": 2, "offset": 2}).json()["results"]] == [
            "s2"
        ]

    def test_401_without_token(self, api_client) -> None:  # type: ignore[no-untyped-def]
        assert_error(api_client.get(URL), 401, "NOT_AUTHENTICATED")

    def test_404_for_another_users_portfolio(self, auth_client, other_user) -> None:  # type: ignore[no-untyped-def]
        theirs = PortfolioFactory(owner=other_user)

        assert_error(auth_client.get(URL, {"portfolio_id": str(theirs.id)}), 404, "NOT_FOUND")

    @pytest.mark.parametrize(
        ("params", "name"),
        [
            ({"portfolio_id": "nope"}, "portfolio_id"),
            ({"limit": "0"}, "limit"),
            ({"limit": "501"}, "limit"),
            ({"offset": "-1"}, "offset"),
            ({"sort": "name"}, "sort"),
        ],
    )
    def test_400_names_the_parameter(self, auth_client, params, name) -> None:  # type: ignore[no-untyped-def]
        error = assert_error(auth_client.get(URL, params), 400, "VALIDATION_ERROR")
        assert name in error["details"], error

    def test_queries_do_not_grow_with_positions(self, auth_client, user) -> None:  # type: ignore[no-untyped-def]
        def book(n: int):  # type: ignore[no-untyped-def]
            portfolio = PortfolioFactory(owner=user)
            tags = [TagFactory(owner=user, strategy=True) for _ in range(2)]
            for i in range(n):
                if i % 2:
                    position = option(
                        portfolio, expiry=AS_OF + dt.timedelta(days=30 + i), tags=[tags[i % 4 // 2]]
                    )
                    greeks(position, position_delta=1.0, delta_dollars=10.0)
                else:
                    position = PositionFactory(
                        portfolio=portfolio, symbol=f"S{i}", quantity=Decimal("10"), tags=[tags[i % 4 // 2]]
                    )
                valuation(position, price=10.0)
            return portfolio

        counts = []
        for n in (10, 60):
            portfolio = book(n)
            with CaptureQueriesContext(connection) as ctx:
                response = auth_client.get(URL, {"portfolio_id": str(portfolio.id)})
            assert response.status_code == 200
            assert sum(r["position_count"] for r in response.json()["results"]) == n
            counts.append(len(ctx.captured_queries))
        assert counts[0] == counts[1], counts
