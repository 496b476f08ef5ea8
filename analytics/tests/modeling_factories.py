"""Factories for modeling sessions (on AS_OF and a new portfolio by default) and their trades (a
buy of 10 AAPL at 200 USD; trait ``option``: a long SPY put)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import factory

from analytics.models import ModelingSession, ModelingTrade
from analytics.tests.factories import AS_OF
from portfolios.tests.factories import PortfolioFactory


class ModelingSessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ModelingSession

    portfolio = factory.SubFactory(PortfolioFactory)
    owner = factory.SelfAttribute("portfolio.owner")
    name = factory.Sequence(lambda n: f"What-if {n}")
    as_of_date = AS_OF


class ModelingTradeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ModelingTrade

    session = factory.SubFactory(ModelingSessionFactory)
    sequence = factory.Sequence(lambda n: n + 1)
    symbol = "AAPL"
    position_type = "LONG"
    quantity = Decimal("10")
    multiplier = 1
    price = 200.0
    price_source = "given"

    class Params:
        option = factory.Trait(
            symbol="SPY   270115P00600000",
            position_type="LP",
            multiplier=100,
            price=12.5,
            underlying_symbol="SPY",
            option_type="put",
            strike_price=Decimal("600"),
            expiration_date=dt.date(2027, 1, 15),
        )
