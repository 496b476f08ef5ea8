"""GET /api/v1/analytics/portfolio/{id}/overview."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from analytics.tests.valuation_book import AS_OF, hand_book, run_valuation_and_aggregation, sized_book
from portfolios.tests.factories import PortfolioFactory

pytestmark = pytest.mark.django_db


def url(portfolio_id: object) -> str:
    return f"/api/v1/analytics/portfolio/{portfolio_id}/overview"


FIELDS = {
    "total_value",
    "cash_balance",
    "total_pnl",
    "total_pnl_percent",
    "exposures",
    "delta_adjusted",
    "position_count",
    "as_of_date",
    "calculated_at",
    "data_source",
}


class TestPortfolioOverview:
    def test_fields_and_numbers_equal_the_sums_of_position_market_values(self, user, auth_client) -> None:
        # given the hand-worked book valued by the batch
        book = hand_book(user)
        run_valuation_and_aggregation(book.portfolio)

        # when
        response = auth_client.get(url(book.portfolio.id))
        positions = auth_client.get(f"/api/v1/data/portfolio/{book.portfolio.id}/complete").json()[
            "positions"
        ]

        # then
        assert response.status_code == 200, response.content
        body = response.json()
        assert FIELDS <= set(body)
        assert set(body["exposures"]) == {"long", "short", "gross", "net"}
        assert set(body["exposures"]["long"]) == {"value", "percentage"}
        assert set(body["delta_adjusted"]) == {"long", "short", "gross", "net"}
        assert body["as_of_date"] == AS_OF.isoformat()
        assert body["calculated_at"].endswith("Z")
        assert body["data_source"] == "synthetic"

        mvs = [p["market_value"] for p in positions if p["market_value"] is not None]
        tolerance = 0.01 * len(mvs)
        exposures = body["exposures"]
        assert exposures["long"]["value"] == pytest.approx(sum(v for v in mvs if v > 0), abs=tolerance)
        assert exposures["short"]["value"] == pytest.approx(sum(v for v in mvs if v < 0), abs=tolerance)
        assert exposures["gross"]["value"] == pytest.approx(sum(abs(v) for v in mvs), abs=tolerance)
        assert exposures["net"]["value"] == pytest.approx(sum(mvs), abs=tolerance)
        assert body["total_value"] == pytest.approx(sum(mvs) + 10000, abs=tolerance)
        assert body["cash_balance"] == 10000.0
        nav = body["total_value"]
        assert exposures["long"]["percentage"] == pytest.approx(
            exposures["long"]["value"] / nav * 100, rel=1e-4
        )
        pnl = [p["unrealized_pnl"] for p in positions if p["unrealized_pnl"] is not None]
        assert body["total_pnl"] == pytest.approx(sum(pnl), abs=tolerance)
        # total_pnl_percent is of the gross cost basis (sum of |cost basis| of the priced positions)
        gross_cost = sum(abs(p["cost_basis"]) for p in positions if p["market_value"] is not None)
        assert body["total_pnl_percent_base"] == "gross_cost_basis"
        assert body["gross_cost_basis"] == pytest.approx(gross_cost, abs=tolerance)
        assert body["total_pnl_percent"] == pytest.approx(sum(pnl) / gross_cost * 100, abs=1e-3)
        exposure = [
            p["delta_adjusted_exposure"] for p in positions if p["delta_adjusted_exposure"] is not None
        ]
        assert body["delta_adjusted"]["net"]["value"] == pytest.approx(sum(exposure), abs=tolerance)
        assert (body["position_count"], body["priced_position_count"], body["missing_price_count"]) == (
            6,
            5,
            1,
        )

    def test_422_before_the_batch_ran(self, user, auth_client) -> None:
        portfolio = PortfolioFactory(owner=user)
        response = auth_client.get(url(portfolio.id))
        assert response.status_code == 422
        error = response.json()["error"]
        assert error["code"] == "INSUFFICIENT_DATA"
        assert "how_to_fix" in error["details"]

    def test_422_for_a_date_without_a_run(self, user, auth_client) -> None:
        book = hand_book(user)
        run_valuation_and_aggregation(book.portfolio)
        assert auth_client.get(url(book.portfolio.id), {"as_of_date": "2024-07-03"}).status_code == 422
        assert auth_client.get(url(book.portfolio.id), {"as_of_date": AS_OF.isoformat()}).status_code == 200

    def test_401_without_token(self, api_client, user) -> None:
        portfolio = PortfolioFactory(owner=user)
        assert api_client.get(url(portfolio.id)).status_code == 401

    def test_404_for_another_users_portfolio(self, other_user, auth_client) -> None:
        book = hand_book(other_user)
        run_valuation_and_aggregation(book.portfolio)
        response = auth_client.get(url(book.portfolio.id))
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "NOT_FOUND"

    @pytest.mark.parametrize("params", [{"as_of_date": "yesterday"}, {"view": "longs"}])
    def test_400_for_bad_or_unknown_params(self, user, auth_client, params) -> None:
        portfolio = PortfolioFactory(owner=user)
        response = auth_client.get(url(portfolio.id), params)
        assert response.status_code == 400
        assert set(response.json()["error"]["details"]) == set(params)

    def test_query_count_does_not_grow_with_positions(self, user, auth_client) -> None:
        counts = []
        for n in (10, 60):
            portfolio = sized_book(user, n)
            with CaptureQueriesContext(connection) as ctx:
                assert auth_client.get(url(portfolio.id)).status_code == 200
            counts.append(len(ctx))
        assert counts[0] == counts[1]
