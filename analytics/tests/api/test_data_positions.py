"""GET /api/v1/data/positions/details and /api/v1/data/positions/top/{portfolio_id}."""

from __future__ import annotations

import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from analytics.tests.valuation_book import AS_OF, hand_book, run_valuation_and_aggregation, sized_book
from portfolios.tests.factories import PortfolioFactory, PositionFactory

pytestmark = pytest.mark.django_db
DETAILS = "/api/v1/data/positions/details"
DETAIL_FIELDS = {
    "id",
    "portfolio_id",
    "symbol",
    "position_type",
    "quantity",
    "entry_date",
    "entry_price",
    "cost_basis",
    "current_price",
    "market_value",
    "unrealized_pnl",
    "unrealized_pnl_percent",
}
SUMMARY_FIELDS = {"total_positions", "total_cost_basis", "total_market_value", "total_unrealized_pnl"}


def top_url(portfolio_id: object) -> str:
    return f"/api/v1/data/positions/top/{portfolio_id}"


@pytest.fixture
def book(user):  # type: ignore[no-untyped-def]
    book = hand_book(user)
    run_valuation_and_aggregation(book.portfolio)
    return book


class TestPositionDetails:
    def test_open_positions_with_prices_and_summary(self, book, auth_client) -> None:
        response = auth_client.get(DETAILS, {"portfolio_id": str(book.portfolio.id)})

        assert response.status_code == 200, response.content
        body = response.json()
        assert SUMMARY_FIELDS <= set(body["summary"])
        assert body["as_of_date"] == AS_OF.isoformat() and body["data_source"] == "synthetic"
        rows = {row["id"]: row for row in body["positions"]}
        assert len(rows) == 6 and str(book.closed.id) not in rows
        for row in rows.values():
            assert DETAIL_FIELDS <= set(row)
        bbb = rows[str(book.bbb_short.id)]
        assert (bbb["current_price"], bbb["market_value"], bbb["cost_basis"], bbb["unrealized_pnl"]) == (
            48.0,
            -2400.0,
            -2750.0,
            350.0,
        )
        assert bbb["unrealized_pnl_percent"] == pytest.approx(350 / 2750 * 100, abs=1e-4)
        assert bbb["status"] == "open" and bbb["valued"] is True
        summary = body["summary"]
        priced = [r for r in rows.values() if r["market_value"] is not None]
        assert summary["total_positions"] == 6 and summary["unpriced_positions"] == 1
        assert summary["total_market_value"] == pytest.approx(
            sum(r["market_value"] for r in priced), abs=0.05
        )
        assert summary["total_unrealized_pnl"] == pytest.approx(
            sum(r["unrealized_pnl"] for r in priced), abs=0.05
        )
        assert summary["total_cost_basis"] == pytest.approx(6725.0)

    def test_include_closed_adds_realized_pnl(self, book, auth_client) -> None:
        body = auth_client.get(
            DETAILS, {"portfolio_id": str(book.portfolio.id), "include_closed": "true"}
        ).json()
        rows = {row["id"]: row for row in body["positions"]}
        closed = rows[str(book.closed.id)]
        assert closed["status"] == "closed"
        assert closed["realized_pnl"] == (85 - 80) * 5 * 1
        assert closed["market_value"] is None and closed["exit_price"] == 85.0
        assert body["summary"]["total_realized_pnl"] == 25.0
        assert body["summary"]["closed_positions"] == 1

    def test_position_ids_filter(self, book, auth_client) -> None:
        ids = f"{book.aaa.id},{book.call.id}"
        body = auth_client.get(DETAILS, {"portfolio_id": str(book.portfolio.id), "position_ids": ids}).json()
        assert {row["id"] for row in body["positions"]} == {str(book.aaa.id), str(book.call.id)}
        assert body["summary"]["total_market_value"] == 10200.0 + 1900.0

    def test_position_of_another_portfolio_or_unknown_is_404(self, book, user, auth_client) -> None:
        elsewhere = PositionFactory(portfolio=PortfolioFactory(owner=user))
        unknown = uuid.uuid4()
        response = auth_client.get(
            DETAILS,
            {
                "portfolio_id": str(book.portfolio.id),
                "position_ids": f"{book.aaa.id},{elsewhere.id},{unknown}",
            },
        )
        assert response.status_code == 404
        assert set(response.json()["error"]["details"]["position_ids"]) == {str(elsewhere.id), str(unknown)}

    def test_position_added_after_the_run_is_listed_unvalued(self, book, auth_client) -> None:
        late = PositionFactory(portfolio=book.portfolio, symbol="AAA")
        rows = {
            r["id"]: r
            for r in auth_client.get(DETAILS, {"portfolio_id": str(book.portfolio.id)}).json()["positions"]
        }
        assert rows[str(late.id)]["valued"] is False and rows[str(late.id)]["market_value"] is None

    def test_portfolio_id_required_and_owned(
        self, book, other_user, client_for, api_client, auth_client
    ) -> None:
        response = auth_client.get(DETAILS)
        assert response.status_code == 400 and "portfolio_id" in response.json()["error"]["details"]
        assert (
            client_for(other_user).get(DETAILS, {"portfolio_id": str(book.portfolio.id)}).status_code == 404
        )
        assert auth_client.get(DETAILS, {"portfolio_id": str(uuid.uuid4())}).status_code == 404
        assert api_client.get(DETAILS, {"portfolio_id": str(book.portfolio.id)}).status_code == 401

    @pytest.mark.parametrize(
        "params",
        [
            {"portfolio_id": "not-a-uuid"},
            {"position_ids": "abc"},
            {"position_ids": ","},
            {"include_closed": "perhaps"},
            {"sort": "symbol"},
        ],
    )
    def test_400_for_bad_or_unknown_params(self, book, auth_client, params) -> None:
        query = {"portfolio_id": str(book.portfolio.id), **params}
        response = auth_client.get(DETAILS, query)
        assert response.status_code == 400
        assert set(response.json()["error"]["details"]) == set(params)

    def test_422_before_the_batch_ran(self, user, auth_client) -> None:
        portfolio = PortfolioFactory(owner=user)
        PositionFactory(portfolio=portfolio)
        assert auth_client.get(DETAILS, {"portfolio_id": str(portfolio.id)}).status_code == 422

    def test_query_count_does_not_grow_with_positions(self, user, auth_client) -> None:
        counts = []
        for n in (10, 60):
            portfolio = sized_book(user, n)
            with CaptureQueriesContext(connection) as ctx:
                response = auth_client.get(
                    DETAILS, {"portfolio_id": str(portfolio.id), "include_closed": "true"}
                )
            assert response.status_code == 200 and len(response.json()["positions"]) == n
            counts.append(len(ctx))
        assert counts[0] == counts[1]


class TestTopPositions:
    def test_sorted_by_absolute_market_value(self, book, auth_client) -> None:
        response = auth_client.get(top_url(book.portfolio.id), {"limit": "3"})

        assert response.status_code == 200, response.content
        body = response.json()
        assert [row["symbol"] for row in body["positions"]] == ["AAA", "BBB", "AAA   241220C00100000"]
        assert [row["rank"] for row in body["positions"]] == [1, 2, 3]
        assert body["total_positions"] == 6 and body["limit"] == 3 and body["sort_by"] == "market_value"
        nav = body["summary"]["nav"]
        assert body["positions"][0]["weight"] == pytest.approx(10200 / nav, abs=1e-6)
        assert body["as_of_date"] == AS_OF.isoformat() and body["data_source"] == "synthetic"

    def test_unpriced_positions_come_last_and_weight_sort(self, book, auth_client) -> None:
        body = auth_client.get(top_url(book.portfolio.id), {"limit": "50", "sort_by": "weight"}).json()
        rows = body["positions"]
        assert len(rows) == 6 and rows[-1]["symbol"] == "CCC" and rows[-1]["market_value"] is None
        weights = [abs(r["weight"]) for r in rows[:-1]]
        assert weights == sorted(weights, reverse=True)

    @pytest.mark.parametrize(
        "params", [{"limit": "0"}, {"limit": "51"}, {"limit": "ten"}, {"sort_by": "pnl"}, {"order": "asc"}]
    )
    def test_400_for_bad_or_unknown_params(self, book, auth_client, params) -> None:
        response = auth_client.get(top_url(book.portfolio.id), params)
        assert response.status_code == 400
        assert set(response.json()["error"]["details"]) == set(params)

    def test_401_404_422(self, book, user, other_user, api_client, client_for, auth_client) -> None:
        assert api_client.get(top_url(book.portfolio.id)).status_code == 401
        assert client_for(other_user).get(top_url(book.portfolio.id)).status_code == 404
        assert auth_client.get(top_url(PortfolioFactory(owner=user).id)).status_code == 422

    def test_query_count_does_not_grow_with_positions(self, user, auth_client) -> None:
        counts = []
        for n in (10, 60):
            portfolio = sized_book(user, n)
            with CaptureQueriesContext(connection) as ctx:
                assert auth_client.get(top_url(portfolio.id), {"limit": "50"}).status_code == 200
            counts.append(len(ctx))
        assert counts[0] == counts[1]
