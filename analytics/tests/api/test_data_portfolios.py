"""GET /api/v1/data/portfolios."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from analytics.tests.valuation_book import AS_OF, hand_book, run_valuation_and_aggregation, sized_book
from portfolios.tests.factories import PortfolioFactory

pytestmark = pytest.mark.django_db
URL = "/api/v1/data/portfolios"
FIELDS = {"id", "name", "currency", "total_value", "cash_balance", "position_count", "created_at"}


class TestPortfolioListData:
    def test_list_shape_with_nav_and_data_source(self, user, other_user, auth_client) -> None:
        # given a valued book, a never-valued portfolio, and someone else's portfolio
        book = hand_book(user)
        run_valuation_and_aggregation(book.portfolio)
        fresh = PortfolioFactory(owner=user, cash_balance=Decimal("50"))
        PortfolioFactory(owner=other_user)

        response = auth_client.get(URL)

        assert response.status_code == 200
        body = response.json()
        assert isinstance(body, list) and len(body) == 2
        assert response["X-Data-Source"] == "synthetic"
        by_id = {item["id"]: item for item in body}
        valued = by_id[str(book.portfolio.id)]
        assert FIELDS <= set(valued)
        complete = auth_client.get(f"/api/v1/data/portfolio/{book.portfolio.id}/complete").json()
        assert valued["total_value"] == complete["portfolio"]["total_value"]
        assert valued["cash_balance"] == 10000.0
        assert valued["position_count"] == 6  # open lots; the closed one is not counted
        assert valued["valuation_status"] == "calculated"
        assert valued["as_of_date"] == AS_OF.isoformat()
        assert valued["data_source"] == "synthetic"
        assert valued["created_at"].endswith("Z")

        never = by_id[str(fresh.id)]
        assert never["total_value"] is None
        assert never["valuation_status"] == "not_calculated"
        assert never["as_of_date"] is None and never["cash_balance"] == 50.0

    def test_empty_list(self, auth_client) -> None:
        response = auth_client.get(URL)
        assert response.status_code == 200 and response.json() == []

    def test_401_without_token(self, api_client) -> None:
        assert api_client.get(URL).status_code == 401

    def test_400_for_an_unknown_param(self, auth_client) -> None:
        response = auth_client.get(URL, {"limit": "5"})
        assert response.status_code == 400
        assert "limit" in response.json()["error"]["details"]

    def test_query_count_does_not_grow_with_positions(self, user, auth_client) -> None:
        counts = []
        for n in (10, 60):
            sized_book(user, n)
            with CaptureQueriesContext(connection) as ctx:
                assert auth_client.get(URL).status_code == 200
            counts.append(len(ctx))
        assert counts[0] == counts[1]
