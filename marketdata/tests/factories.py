"""Factories for market data: securities, daily bars, macro observations, factor definitions.

Prices are USD per share (float); macro values decimals (0.05 = 5 %). Dates are consecutive
calendar days from 2024-01-02 per factory sequence, so rows keyed (symbol, date) never collide.
"""

from __future__ import annotations

import datetime as dt

import factory

from marketdata.models import AssetType, FactorDefinition, FactorKind, MacroSeries, PriceBar, Security

FIRST_DATE = dt.date(2024, 1, 2)


def _day(n: int) -> dt.date:
    return FIRST_DATE + dt.timedelta(days=n)


class SecurityFactory(factory.django.DjangoModelFactory):
    """A US stock of the security master; traits ``etf``, ``mutual_fund``, ``option``."""

    class Meta:
        model = Security

    symbol = factory.Sequence(lambda n: f"SEC{n}")
    name = factory.LazyAttribute(lambda o: f"{o.symbol} Corp")
    asset_type = AssetType.STOCK
    sector = "Technology"
    industry = "Software"
    exchange = "NASDAQ"
    market_cap = 1.0e11
    dividend_yield = 0.01
    source = "synthetic"

    class Params:
        etf = factory.Trait(
            asset_type=AssetType.ETF, name=factory.LazyAttribute(lambda o: f"{o.symbol} ETF"), sector=""
        )
        mutual_fund = factory.Trait(
            asset_type=AssetType.MUTUAL_FUND,
            name=factory.LazyAttribute(lambda o: f"{o.symbol} Fund"),
            exchange="",
            market_cap=None,
        )
        option = factory.Trait(
            symbol=factory.Sequence(lambda n: f"AAPL  250620C{(200 + n) * 1000:08d}"),
            asset_type=AssetType.OPTION,
            name="AAPL 2025-06 200 Call",
            exchange="OPRA",
            market_cap=None,
            dividend_yield=None,
        )


class PriceBarFactory(factory.django.DjangoModelFactory):
    """A daily bar of AAPL (a new day per instance) with open = close, high/low 1 % around it;
    ``adjusted_close == close`` (no corporate actions). Trait ``model_priced`` (source "model")."""

    class Meta:
        model = PriceBar

    symbol = "AAPL"
    date = factory.Sequence(_day)
    close = 100.0
    open = factory.SelfAttribute("close")
    high = factory.LazyAttribute(lambda o: o.close * 1.01)
    low = factory.LazyAttribute(lambda o: o.close * 0.99)
    adjusted_close = factory.SelfAttribute("close")
    volume = 1_000_000
    source = "synthetic"

    class Params:
        model_priced = factory.Trait(source="model", volume=0)


class MacroSeriesFactory(factory.django.DjangoModelFactory):
    """A DGS3MO observation of 5 % (decimal), a new day per instance; trait ``dgs10`` (4.2 %),
    ``vix`` (VIXCLS, 18 points)."""

    class Meta:
        model = MacroSeries

    series_id = "DGS3MO"
    date = factory.Sequence(_day)
    value = 0.05
    source = "fred"

    class Params:
        dgs10 = factory.Trait(series_id="DGS10", value=0.042)
        vix = factory.Trait(series_id="VIXCLS", value=18.0)


class FactorDefinitionFactory(factory.django.DjangoModelFactory):
    """A style factor with its ETF proxy (the migration seeds the model's own 10); traits
    ``market``, ``macro``, ``inactive``."""

    class Meta:
        model = FactorDefinition

    name = factory.Sequence(lambda n: f"Test factor {n}")
    etf_symbol = factory.Sequence(lambda n: f"ETF{n}")
    kind = FactorKind.STYLE
    description = "A test style factor."
    calculation_method = "ETF return minus SPY return"
    annual_volatility_approx = 0.05
    display_order = factory.Sequence(lambda n: 100 + n)
    is_active = True

    class Params:
        market = factory.Trait(kind=FactorKind.MARKET, calculation_method="ETF return")
        macro = factory.Trait(kind=FactorKind.MACRO, calculation_method="Residual regression")
        inactive = factory.Trait(is_active=False)
