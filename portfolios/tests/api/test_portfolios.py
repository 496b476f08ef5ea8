"""/management/portfolios: list, create, retrieve, update, delete."""

from __future__ import annotations

from decimal import Decimal

import pytest

from portfolios.models import Portfolio, Position
from portfolios.tests.api.helpers import API, assert_error, assert_not_found, count_queries
from portfolios.tests.factories import PortfolioFactory, PositionFactory
from sigmasight.tests.envelope import assert_timestamp

pytestmark = pytest.mark.django_db

URL = f"{API}/portfolios"
FIELDS = {
    "id",
    "name",
    "description",
    "currency",
    "cash_balance",
    "position_count",
    "created_at",
    "updated_at",
}


def detail(portfolio: Portfolio) -> str:
    return f"{URL}/{portfolio.pk}"


class TestPortfolioList:
    def test_lists_own_portfolios_with_position_count(self, auth_client, user, other_user) -> None:
        mine = PortfolioFactory(owner=user, name="Core", cash_balance=Decimal("1234.5"))
        PositionFactory.create_batch(3, portfolio=mine)
        PortfolioFactory(owner=other_user, name="Someone else's")

        response = auth_client.get(URL)

        assert response.status_code == 200
        body = response.json()
        assert set(body) == {"count", "next", "previous", "results"}
        assert body["count"] == 1
        (item,) = body["results"]
        assert set(item) == FIELDS
        assert item["id"] == str(mine.pk)
        assert item["position_count"] == 3
        assert item["cash_balance"] == 1234.5  # a JSON number
        assert item["currency"] == "USD"
        assert_timestamp(item["created_at"])
        assert_timestamp(item["updated_at"])

    @pytest.mark.parametrize("suffix", ["", "/"])
    def test_trailing_slash_is_optional(self, auth_client, suffix: str) -> None:
        assert auth_client.get(URL + suffix).status_code == 200

    def test_pagination(self, auth_client, user) -> None:
        PortfolioFactory.create_batch(3, owner=user)
        body = auth_client.get(URL, {"limit": 2}).json()
        assert body["count"] == 3 and len(body["results"]) == 2 and body["next"]
        assert len(auth_client.get(URL, {"limit": 2, "offset": 2}).json()["results"]) == 1

    @pytest.mark.parametrize(
        ("params", "field"),
        [
            ({"limit": 0}, "limit"),
            ({"limit": 501}, "limit"),
            ({"limit": "x"}, "limit"),
            ({"offset": -1}, "offset"),
            ({"sort": "name"}, "sort"),
        ],
    )
    def test_bad_pagination_parameters(self, auth_client, params: dict, field: str) -> None:
        assert_error(auth_client.get(URL, params), 400, "VALIDATION_ERROR", [field])

    def test_query_count_does_not_grow(self, auth_client, user) -> None:
        for portfolio in PortfolioFactory.create_batch(2, owner=user):
            PositionFactory(portfolio=portfolio)
        few, _ = count_queries(auth_client, URL)
        for portfolio in PortfolioFactory.create_batch(10, owner=user):
            PositionFactory.create_batch(2, portfolio=portfolio)
        many, response = count_queries(auth_client, URL)
        assert response.json()["count"] == 12
        assert few == many

    def test_unauthenticated(self, api_client) -> None:
        assert_error(api_client.get(URL), 401, "NOT_AUTHENTICATED")


class TestPortfolioCreate:
    def test_creates(self, auth_client, user) -> None:
        response = auth_client.post(
            URL,
            {"name": "Growth", "description": "d", "currency": "USD", "cash_balance": 2500.25},
            format="json",
        )

        assert response.status_code == 201, response.content
        body = response.json()
        assert set(body) == FIELDS
        assert (body["name"], body["cash_balance"], body["position_count"]) == ("Growth", 2500.25, 0)
        assert Portfolio.objects.get(pk=body["id"]).owner == user

    def test_defaults(self, auth_client) -> None:
        body = auth_client.post(f"{URL}/", {"name": "Minimal"}, format="json").json()
        assert (body["currency"], body["cash_balance"], body["description"]) == ("USD", 0.0, "")

    @pytest.mark.parametrize(
        ("payload", "field"),
        [
            ({"name": "X", "currency": "EUR"}, "currency"),
            ({"name": "X", "cash_balance": "12.345"}, "cash_balance"),
            ({"name": "X", "cash_balance": "lots"}, "cash_balance"),
            ({"name": ""}, "name"),
            ({}, "name"),
        ],
    )
    def test_validation(self, auth_client, payload: dict, field: str) -> None:
        error = assert_error(auth_client.post(URL, payload, format="json"), 400, "VALIDATION_ERROR", [field])
        if field == "currency":
            assert "only USD" in error["details"]["currency"][0]
        assert not Portfolio.objects.exists()

    def test_unauthenticated(self, api_client) -> None:
        assert_error(api_client.post(URL, {"name": "X"}, format="json"), 401, "NOT_AUTHENTICATED")


class TestPortfolioRetrieve:
    def test_gets(self, auth_client, user) -> None:
        portfolio = PortfolioFactory(owner=user)
        PositionFactory(portfolio=portfolio)
        for url in (detail(portfolio), detail(portfolio) + "/"):
            body = auth_client.get(url).json()
            assert body["id"] == str(portfolio.pk) and body["position_count"] == 1

    def test_other_users_portfolio_is_not_found(self, auth_client, other_user) -> None:
        theirs = PortfolioFactory(owner=other_user, name="Secret book")
        assert_not_found(auth_client.get(detail(theirs)), "Secret book", str(theirs.pk))

    def test_malformed_id_is_not_found(self, auth_client) -> None:
        assert_error(auth_client.get(f"{URL}/not-a-uuid"), 404, "NOT_FOUND")

    def test_unauthenticated(self, api_client, user) -> None:
        assert_error(api_client.get(detail(PortfolioFactory(owner=user))), 401, "NOT_AUTHENTICATED")


class TestPortfolioUpdate:
    def test_patch(self, auth_client, user) -> None:
        portfolio = PortfolioFactory(owner=user, name="Old", description="keep")
        response = auth_client.patch(
            detail(portfolio), {"name": "New", "cash_balance": "10.10"}, format="json"
        )
        assert response.status_code == 200, response.content
        assert (response.json()["name"], response.json()["description"], response.json()["cash_balance"]) == (
            "New",
            "keep",
            10.1,
        )
        portfolio.refresh_from_db()
        assert portfolio.cash_balance == Decimal("10.10")

    def test_put(self, auth_client, user) -> None:
        portfolio = PortfolioFactory(owner=user, description="gone")
        PositionFactory(portfolio=portfolio)
        response = auth_client.put(
            detail(portfolio) + "/", {"name": "Replaced", "cash_balance": 5}, format="json"
        )
        assert response.status_code == 200
        assert response.json()["name"] == "Replaced" and response.json()["position_count"] == 1

    def test_validation(self, auth_client, user) -> None:
        portfolio = PortfolioFactory(owner=user)
        response = auth_client.patch(detail(portfolio), {"currency": "GBP"}, format="json")
        assert_error(response, 400, "VALIDATION_ERROR", ["currency"])

    def test_other_users_portfolio_is_not_found(self, auth_client, other_user) -> None:
        theirs = PortfolioFactory(owner=other_user, name="Theirs")
        assert_not_found(auth_client.patch(detail(theirs), {"name": "Mine now"}, format="json"), "Theirs")
        theirs.refresh_from_db()
        assert theirs.name == "Theirs"

    def test_unauthenticated(self, api_client, user) -> None:
        response = api_client.patch(detail(PortfolioFactory(owner=user)), {"name": "x"}, format="json")
        assert_error(response, 401, "NOT_AUTHENTICATED")


class TestPortfolioDelete:
    def test_deletes_with_positions(self, auth_client, user) -> None:
        portfolio = PortfolioFactory(owner=user)
        PositionFactory(portfolio=portfolio)
        response = auth_client.delete(detail(portfolio))
        assert response.status_code == 204
        assert not Portfolio.objects.exists() and not Position.objects.exists()

    def test_other_users_portfolio_is_not_found(self, auth_client, other_user) -> None:
        theirs = PortfolioFactory(owner=other_user)
        assert_not_found(auth_client.delete(detail(theirs)))
        assert Portfolio.objects.filter(pk=theirs.pk).exists()

    def test_unauthenticated(self, api_client, user) -> None:
        assert_error(api_client.delete(detail(PortfolioFactory(owner=user))), 401, "NOT_AUTHENTICATED")
