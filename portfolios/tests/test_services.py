"""portfolios.services: the write paths the API and the admin share."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from portfolios import services
from portfolios.models import PositionType, Tag
from portfolios.tests.factories import PortfolioFactory, PositionFactory, TagFactory
from sigmasight.api.exceptions import ApplicationError, Conflict, NotFound

pytestmark = pytest.mark.django_db


class TestPortfolioCreate:
    def test_keeps_the_accounts_signature(self, user) -> None:
        portfolio = services.portfolio_create(owner=user, name="Jane's Portfolio")
        assert (portfolio.currency, portfolio.cash_balance, portfolio.description) == ("USD", 0, "")


class TestPositionCreate:
    def test_derives_and_normalizes(self, user) -> None:
        portfolio = PortfolioFactory(owner=user)
        position = services.position_create(
            owner=user,
            portfolio_id=portfolio.pk,
            data={
                "symbol": "tsla250117c00300000",
                "quantity": Decimal("-2"),
                "entry_price": Decimal("12"),
                "entry_date": dt.date(2024, 6, 3),
            },
            tags=["vol"],
        )
        position.refresh_from_db()
        assert position.symbol == "TSLA  250117C00300000"
        assert (position.position_type, position.multiplier) == (PositionType.SC, 100)
        assert [t.name for t in position.tags.all()] == ["vol"]

    def test_other_users_portfolio(self, user, other_user) -> None:
        with pytest.raises(NotFound):
            services.position_create(owner=user, portfolio_id=PortfolioFactory(owner=other_user).pk, data={})

    def test_invalid_data_carries_per_field_details(self, user) -> None:
        with pytest.raises(ApplicationError) as info:
            services.position_create(
                owner=user,
                portfolio_id=PortfolioFactory(owner=user).pk,
                data={"symbol": "AAPL", "quantity": 0},
            )
        assert info.value.code == "VALIDATION_ERROR"
        assert set(info.value.details) == {"quantity", "entry_price", "entry_date"}


class TestPositionUpdate:
    def test_partial_merges_with_stored_values(self, user) -> None:
        position = PositionFactory(portfolio=PortfolioFactory(owner=user), short_put=True)
        services.position_update(owner=user, position=position, data={"quantity": Decimal("5")}, partial=True)
        position.refresh_from_db()
        assert (position.position_type, position.symbol) == (PositionType.LP, "AAPL  250620P00150000")

    def test_full_update_clears_omitted_fields(self, user) -> None:
        position = PositionFactory(
            portfolio=PortfolioFactory(owner=user), exit_price=Decimal("1"), exit_date=dt.date(2024, 2, 1)
        )
        data = {
            "symbol": "AAPL",
            "quantity": Decimal("1"),
            "entry_price": Decimal("1"),
            "entry_date": dt.date(2024, 1, 8),
        }
        services.position_update(owner=user, position=position, data=data, partial=False)
        position.refresh_from_db()
        assert position.exit_price is None and position.exit_date is None


class TestTags:
    def test_get_or_create_dedupes_and_scopes_to_owner(self, user, other_user) -> None:
        mine = TagFactory(owner=user, name="a")
        TagFactory(owner=other_user, name="b")
        tags = services.tags_get_or_create(owner=user, names=["b", "a", "b"])
        assert [t.name for t in tags] == ["a", "b"]
        assert tags[0] == mine and tags[1].owner == user
        assert services.tags_get_or_create(owner=user, names=[]) == []

    def test_get_or_create_strategy_names_and_existing_types(self, user) -> None:
        TagFactory(owner=user, name="old", tag_type="regular")
        tags = services.tags_get_or_create(
            owner=user, names=["core", "both", "old"], strategy=["both", "old", "pair"]
        )
        assert {t.name: t.tag_type for t in tags} == {
            "both": "strategy",  # a name in both lists is a strategy tag
            "core": "regular",
            "old": "regular",  # an existing tag keeps its type
            "pair": "strategy",
        }

    def test_create_conflict(self, user) -> None:
        TagFactory(owner=user, name="dup")
        with pytest.raises(Conflict) as info:
            services.tag_create(owner=user, name="dup")
        assert info.value.status_code == 409 and "name" in info.value.details
        assert Tag.objects.filter(owner=user).count() == 1

    def test_update_conflict(self, user) -> None:
        TagFactory(owner=user, name="taken")
        tag = TagFactory(owner=user, name="free")
        with pytest.raises(Conflict):
            services.tag_update(tag=tag, data={"name": "taken"})
