"""portfolios.admin: pages load; positions saved in the admin follow the API's rules."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client

from portfolios.models import Position, PositionType
from portfolios.tests.factories import PortfolioFactory, PositionFactory, TagFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(db) -> Client:  # type: ignore[no-untyped-def]
    from accounts.tests.factories import UserFactory

    client = Client()
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def position_form(portfolio, **overrides) -> dict:  # type: ignore[no-untyped-def]
    return {
        "portfolio": str(portfolio.pk),
        "symbol": "msft",
        "quantity": "-10",
        "entry_price": "400",
        "entry_date": "2025-01-02",
        "exit_price": "",
        "exit_date": "",
        "underlying_symbol": "",
        "option_type": "",
        "strike_price": "",
        "expiration_date": "",
        "implied_volatility": "",
        **overrides,
    }


class TestAdminPages:
    @pytest.mark.parametrize("model", ["portfolio", "position", "tag"])
    def test_changelist_search_and_add_pages(self, admin, model: str) -> None:
        position = PositionFactory(long_call=True, tags=[TagFactory()])
        assert admin.get(f"/admin/portfolios/{model}/").status_code == 200
        assert admin.get(f"/admin/portfolios/{model}/", {"q": "AAPL"}).status_code == 200
        assert admin.get(f"/admin/portfolios/{model}/add/").status_code == 200
        obj = {"portfolio": position.portfolio, "position": position, "tag": position.tags.first()}[model]
        assert admin.get(f"/admin/portfolios/{model}/{obj.pk}/change/").status_code == 200

    def test_position_filters(self, admin) -> None:
        position = PositionFactory(short_put=True)
        params = {
            "position_type": "SP",
            "option_type__exact": "put",
            "portfolio__owner__id__exact": position.portfolio.owner_id,
        }
        response = admin.get("/admin/portfolios/position/", params)
        assert response.status_code == 200 and position.symbol in response.content.decode()


class TestPositionAdminSave:
    def test_derives_type_multiplier_and_symbol(self, admin) -> None:
        portfolio = PortfolioFactory()
        data = position_form(
            portfolio,
            symbol="",
            quantity="3",
            underlying_symbol="aapl",
            option_type="put",
            strike_price="150",
            expiration_date="2026-12-18",
        )
        response = admin.post("/admin/portfolios/position/add/", data)
        assert response.status_code == 302, response.content.decode()[:2000]
        position = Position.objects.get()
        assert (position.position_type, position.multiplier) == (PositionType.LP, 100)
        assert position.symbol == "AAPL  261218P00150000"

    def test_stock_sign_on_change(self, admin) -> None:
        position = PositionFactory()
        response = admin.post(
            f"/admin/portfolios/position/{position.pk}/change/",
            position_form(position.portfolio, symbol="aapl"),
        )
        assert response.status_code == 302
        position.refresh_from_db()
        assert (position.position_type, position.quantity, position.symbol) == (
            PositionType.SHORT,
            Decimal("-10"),
            "AAPL",
        )

    def test_invalid_position_shows_field_errors(self, admin) -> None:
        portfolio = PortfolioFactory()
        response = admin.post(
            "/admin/portfolios/position/add/", position_form(portfolio, quantity="0", entry_price="-1")
        )
        assert response.status_code == 200
        errors = response.context["adminform"].form.errors
        assert set(errors) >= {"quantity", "entry_price"}
        assert not Position.objects.exists()

    def test_tags_of_another_user_are_rejected(self, admin) -> None:
        portfolio = PortfolioFactory()
        foreign = TagFactory()
        response = admin.post(
            "/admin/portfolios/position/add/", {**position_form(portfolio), "tags": [str(foreign.pk)]}
        )
        assert response.status_code == 200
        assert "tags" in response.context["adminform"].form.errors


class TestPortfolioAdminInline:
    def test_inline_positions_are_derived_too(self, admin) -> None:
        portfolio = PortfolioFactory()
        data = {
            "owner": str(portfolio.owner_id),
            "name": portfolio.name,
            "description": "",
            "currency": "USD",
            "cash_balance": "100.00",
            "positions-TOTAL_FORMS": "1",
            "positions-INITIAL_FORMS": "0",
            "positions-MIN_NUM_FORMS": "0",
            "positions-MAX_NUM_FORMS": "1000",
            **{
                f"positions-0-{k}": v
                for k, v in position_form(portfolio, symbol="SPY261218C00500000", quantity="-2").items()
            },
        }
        response = admin.post(f"/admin/portfolios/portfolio/{portfolio.pk}/change/", data)
        assert response.status_code == 302, [
            f.errors for f in response.context["inline_admin_formsets"][0].formset
        ] + [response.context["adminform"].form.errors]
        position = portfolio.positions.get()
        assert (position.position_type, position.multiplier, position.symbol) == (
            PositionType.SC,
            100,
            "SPY   261218C00500000",
        )
        assert position.strike_price == Decimal("500")

    def test_inline_errors_block_the_save(self, admin) -> None:
        portfolio = PortfolioFactory()
        data = {
            "owner": str(portfolio.owner_id),
            "name": portfolio.name,
            "currency": "USD",
            "cash_balance": "0",
            "positions-TOTAL_FORMS": "1",
            "positions-INITIAL_FORMS": "0",
            **{f"positions-0-{k}": v for k, v in position_form(portfolio, quantity="0").items()},
        }
        assert admin.post(f"/admin/portfolios/portfolio/{portfolio.pk}/change/", data).status_code == 200
        assert not portfolio.positions.exists()
