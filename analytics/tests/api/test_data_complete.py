"""GET /api/v1/data/portfolio/{id}/complete."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from analytics.tests.valuation_book import AS_OF, bar, hand_book, run_valuation_and_aggregation, sized_book
from marketdata.models import PriceBar
from marketdata.providers.calendar import trading_days
from portfolios.tests.factories import PortfolioFactory

pytestmark = pytest.mark.django_db

PORTFOLIO_FIELDS = {
    "id",
    "name",
    "currency",
    "total_value",
    "cash_balance",
    "long_value",
    "short_value",
    "gross_exposure",
    "net_exposure",
    "position_count",
    "as_of_date",
}
POSITION_FIELDS = {
    "id",
    "symbol",
    "position_type",
    "quantity",
    "multiplier",
    "entry_price",
    "entry_date",
    "last_price",
    "market_value",
    "cost_basis",
    "unrealized_pnl",
    "underlying_symbol",
    "strike_price",
    "expiration_date",
    "tags",
    "has_complete_history",
}
QUALITY_FIELDS = {
    "complete_data_positions",
    "partial_data_positions",
    "insufficient_data_positions",
    "data_as_of_date",
}


def url(portfolio_id: object) -> str:
    return f"/api/v1/data/portfolio/{portfolio_id}/complete"


@pytest.fixture
def book(user):  # type: ignore[no-untyped-def]
    book = hand_book(user)
    run_valuation_and_aggregation(book.portfolio)
    return book


class TestPortfolioComplete:
    def test_fields_and_values(self, book, auth_client) -> None:
        response = auth_client.get(url(book.portfolio.id))

        assert response.status_code == 200, response.content
        body = response.json()
        assert PORTFOLIO_FIELDS <= set(body["portfolio"])
        assert {"long_count", "short_count", "option_count", "total_market_value"} <= set(
            body["positions_summary"]
        )
        assert QUALITY_FIELDS <= set(body["data_quality"])
        assert body["data_source"] == "synthetic" and body["as_of_date"] == AS_OF.isoformat()
        expected = book.expected()
        put = expected["put"]["market_value"]
        p = body["portfolio"]
        assert p["total_value"] == pytest.approx(10200 - 2400 + 1900 + put + 480 + 10000, abs=0.01)
        assert p["cash_balance"] == 10000.0
        assert p["long_value"] == pytest.approx(12580.0)
        assert p["position_count"] == 6
        summary = body["positions_summary"]
        assert (summary["long_count"], summary["short_count"], summary["option_count"]) == (4, 1, 2)
        assert summary["total_market_value"] == p["net_exposure"]

        positions = {row["id"]: row for row in body["positions"]}
        assert len(positions) == 6
        for row in positions.values():
            assert POSITION_FIELDS <= set(row)
        aaa = positions[str(book.aaa.id)]
        assert (aaa["last_price"], aaa["market_value"], aaa["cost_basis"], aaa["unrealized_pnl"]) == (
            102.0,
            10200.0,
            9000.0,
            1200.0,
        )
        assert aaa["tags"] == ["tech"] and aaa["quantity"] == 100.0 and aaa["multiplier"] == 1
        call = positions[str(book.call.id)]
        assert call["strike_price"] == 100.0 and call["expiration_date"] == "2024-12-20"
        assert call["underlying_symbol"] == "AAA" and call["multiplier"] == 100
        ccc = positions[str(book.ccc.id)]
        assert ccc["last_price"] is None and ccc["market_value"] is None and ccc["cost_basis"] == 200.0
        # a handful of hand-made bars: no position has a complete 252-session history
        assert not any(row["has_complete_history"] for row in positions.values())
        assert body["data_quality"]["insufficient_data_positions"] == 6
        assert body["data_quality"]["data_as_of_date"] == AS_OF.isoformat()

    def test_has_complete_history_counts_the_252_sessions_ending_at_as_of(self, book, auth_client) -> None:
        # given bars for AAA on every one of the 252 sessions ending at AS_OF
        sessions = trading_days(dt.date(2023, 1, 1), AS_OF)[-252:]
        PriceBar.objects.filter(symbol="AAA").delete()
        PriceBar.objects.bulk_create([bar("AAA", d, 102 if d == AS_OF else 100) for d in sessions])

        body = auth_client.get(url(book.portfolio.id)).json()

        rows = {row["id"]: row for row in body["positions"]}
        # the AAA stock and both AAA options (through their underlying) have a complete history
        complete = {pid for pid, row in rows.items() if row["has_complete_history"]}
        assert complete == {str(book.aaa.id), str(book.call.id), str(book.put.id)}
        assert body["data_quality"]["complete_data_positions"] == 3

    def test_include_flags(self, book, auth_client) -> None:
        body = auth_client.get(
            url(book.portfolio.id), {"include_positions": "false", "include_cash": "false"}
        ).json()
        assert "positions" not in body
        assert "cash_balance" not in body["portfolio"]
        assert body["portfolio"]["total_value"] is not None

    def test_as_of_date_without_a_valuation_is_422(self, book, auth_client) -> None:
        response = auth_client.get(url(book.portfolio.id), {"as_of_date": "2024-07-03"})
        assert response.status_code == 422
        assert response.json()["error"]["details"]["as_of_date"] == "2024-07-03"

    def test_422_before_the_batch_ran(self, user, auth_client) -> None:
        response = auth_client.get(url(PortfolioFactory(owner=user).id))
        assert response.status_code == 422
        assert response.json()["error"]["code"] == "INSUFFICIENT_DATA"

    def test_401_and_404(self, api_client, book, other_user, client_for) -> None:
        assert api_client.get(url(book.portfolio.id)).status_code == 401
        assert client_for(other_user).get(url(book.portfolio.id)).status_code == 404

    @pytest.mark.parametrize(
        "params",
        [{"include_positions": "maybe"}, {"include_cash": "2"}, {"as_of_date": "2024-13-01"}, {"foo": "1"}],
    )
    def test_400_for_bad_or_unknown_params(self, book, auth_client, params) -> None:
        response = auth_client.get(url(book.portfolio.id), params)
        assert response.status_code == 400
        assert set(response.json()["error"]["details"]) == set(params)

    def test_trailing_slash(self, book, auth_client) -> None:
        assert auth_client.get(url(book.portfolio.id) + "/").status_code == 200

    def test_query_count_does_not_grow_with_positions(self, user, auth_client) -> None:
        counts = []
        for n in (10, 60):
            portfolio = sized_book(user, n)
            with CaptureQueriesContext(connection) as ctx:
                response = auth_client.get(url(portfolio.id))
            assert response.status_code == 200 and len(response.json()["positions"]) == n
            counts.append(len(ctx))
        assert counts[0] == counts[1]
