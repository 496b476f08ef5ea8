from __future__ import annotations

import datetime as dt
from decimal import Decimal

import factory

from accounts.tests.factories import UserFactory
from portfolios.models import Portfolio, Position, PositionType, Tag, TagType

_POSITION_FACTORY = "portfolios.tests.factories.PositionFactory"  # defined below


class PortfolioFactory(factory.django.DjangoModelFactory):
    """An empty portfolio of a new user; traits ``with_positions`` (a long and a short stock lot)
    and ``with_options`` (a long stock lot, a long call and a short put on it)."""

    class Meta:
        model = Portfolio
        skip_postgeneration_save = True

    owner = factory.SubFactory(UserFactory)
    name = factory.Sequence(lambda n: f"Portfolio {n}")
    cash_balance = Decimal("0")

    class Params:
        with_positions = factory.Trait(
            long_lot=factory.RelatedFactory(_POSITION_FACTORY, "portfolio"),
            short_lot=factory.RelatedFactory(_POSITION_FACTORY, "portfolio", short=True, symbol="MSFT"),
        )
        with_options = factory.Trait(
            long_lot=factory.RelatedFactory(_POSITION_FACTORY, "portfolio"),
            call_leg=factory.RelatedFactory(_POSITION_FACTORY, "portfolio", long_call=True),
            put_leg=factory.RelatedFactory(_POSITION_FACTORY, "portfolio", short_put=True),
        )


class TagFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tag

    owner = factory.SubFactory(UserFactory)
    name = factory.Sequence(lambda n: f"tag-{n}")

    class Params:
        strategy = factory.Trait(tag_type=TagType.STRATEGY)


class PositionFactory(factory.django.DjangoModelFactory):
    """A long stock lot by default; traits ``short``, ``long_call``, ``short_call``, ``long_put``,
    ``short_put`` and ``closed`` (exited at 160 on 2024-03-01). ``tags=[tag, ...]`` attaches tags
    after creation."""

    class Meta:
        model = Position
        skip_postgeneration_save = True

    portfolio = factory.SubFactory(PortfolioFactory)
    symbol = "AAPL"
    position_type = PositionType.LONG
    quantity = Decimal("100")
    multiplier = 1
    entry_price = Decimal("150")
    entry_date = dt.date(2024, 1, 8)

    class Params:
        short = factory.Trait(position_type=PositionType.SHORT, quantity=Decimal("-50"))
        long_call = factory.Trait(
            symbol="AAPL  250620C00200000",
            position_type=PositionType.LC,
            quantity=Decimal("2"),
            multiplier=100,
            entry_price=Decimal("5.5"),
            underlying_symbol="AAPL",
            option_type="call",
            strike_price=Decimal("200"),
            expiration_date=dt.date(2025, 6, 20),
        )
        short_put = factory.Trait(
            symbol="AAPL  250620P00150000",
            position_type=PositionType.SP,
            quantity=Decimal("-3"),
            multiplier=100,
            entry_price=Decimal("4.25"),
            underlying_symbol="AAPL",
            option_type="put",
            strike_price=Decimal("150"),
            expiration_date=dt.date(2025, 6, 20),
        )
        short_call = factory.Trait(
            symbol="AAPL  250620C00200000",
            position_type=PositionType.SC,
            quantity=Decimal("-1"),
            multiplier=100,
            entry_price=Decimal("5.5"),
            underlying_symbol="AAPL",
            option_type="call",
            strike_price=Decimal("200"),
            expiration_date=dt.date(2025, 6, 20),
        )
        long_put = factory.Trait(
            symbol="AAPL  250620P00150000",
            position_type=PositionType.LP,
            quantity=Decimal("4"),
            multiplier=100,
            entry_price=Decimal("4.25"),
            underlying_symbol="AAPL",
            option_type="put",
            strike_price=Decimal("150"),
            expiration_date=dt.date(2025, 6, 20),
        )
        closed = factory.Trait(exit_price=Decimal("160"), exit_date=dt.date(2024, 3, 1))

    @factory.post_generation
    def tags(obj, create, extracted, **kwargs):  # type: ignore[no-untyped-def]  # noqa: N805
        if create and extracted:
            obj.tags.set(extracted)
