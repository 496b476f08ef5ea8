"""Factories for batch runs and the stored results of engines 2-6 (valuation, aggregation, Greeks,
factors, correlations); engines 7-8 in ``risk_factories``, alerts in ``alert_factories``.

Every result defaults to :data:`AS_OF` (Friday 2024-06-28) and to a new portfolio (or position),
so instances never collide on the (portfolio | position | symbol, as_of_date) keys; pass the same
``portfolio`` and distinct dates to build a history. Money is USD, ratios are fractions, exactly as
the models document; the numbers are plausible, not computed by the engines (for hand-worked
books see ``valuation_book``, ``factor_book``, ``risk_book``, ``performance_book``).
"""

from __future__ import annotations

import datetime as dt

import factory

from analytics.models import (
    BatchRun,
    BatchStep,
    CorrelationResult,
    FactorCorrelation,
    PortfolioAggregate,
    PortfolioFactorExposure,
    PositionGreeks,
    PositionValuation,
    SymbolFactorExposure,
    VarForecast,
)
from portfolios.tests.factories import PortfolioFactory, PositionFactory
from sigmasight.system.models import JobStatus
from sigmasight.system.tests.factories import JobFactory

AS_OF = dt.date(2024, 6, 28)
FACTORS = ["Market", "Value", "Growth", "Momentum", "Quality", "Size", "Low Volatility"]
MACRO = ["Interest Rate", "Oil", "International"]
NOW = factory.LazyFunction(lambda: dt.datetime.now(dt.UTC))


def _per_factor(values: list[float], names: list[str] = FACTORS) -> dict[str, float]:
    return dict(zip(names, values, strict=True))


# Batch -------------------------------------------------------------------------------------------


class BatchRunFactory(factory.django.DjangoModelFactory):
    """A queued run of every portfolio on AS_OF; traits ``running``, ``succeeded``, ``partial``,
    ``failed``, ``with_job`` (its Job in the same status)."""

    class Meta:
        model = BatchRun

    as_of_date = AS_OF
    status = JobStatus.QUEUED
    engines = factory.LazyFunction(lambda: ["market_data", "valuation", "aggregation"])
    portfolio_ids = None
    trigger = "test"

    class Params:
        running = factory.Trait(status=JobStatus.RUNNING, started_at=NOW)
        succeeded = factory.Trait(
            status=JobStatus.SUCCEEDED,
            started_at=NOW,
            finished_at=NOW,
            counts=factory.LazyFunction(lambda: {"portfolios": 1, "steps": 3, "failed_steps": 0}),
        )
        partial = factory.Trait(
            status=JobStatus.PARTIAL,
            started_at=NOW,
            finished_at=NOW,
            counts=factory.LazyFunction(lambda: {"portfolios": 2, "steps": 6, "failed_steps": 1}),
        )
        failed = factory.Trait(
            status=JobStatus.FAILED, started_at=NOW, finished_at=NOW, error="market data unavailable"
        )
        with_job = factory.Trait(
            job=factory.SubFactory(
                JobFactory, job_type="batch", owner=None, status=factory.SelfAttribute("..status")
            )
        )


class BatchStepFactory(factory.django.DjangoModelFactory):
    """A global (portfolio null) queued valuation step of a new run; traits ``succeeded``,
    ``failed``, ``for_portfolio`` (a step of one new portfolio)."""

    class Meta:
        model = BatchStep

    run = factory.SubFactory(BatchRunFactory)
    engine = "valuation"
    portfolio = None
    status = JobStatus.QUEUED

    class Params:
        succeeded = factory.Trait(
            status=JobStatus.SUCCEEDED,
            started_at=NOW,
            finished_at=NOW,
            duration_ms=12.5,
            counts=factory.LazyFunction(lambda: {"positions": 3}),
        )
        failed = factory.Trait(
            status=JobStatus.FAILED,
            started_at=NOW,
            finished_at=NOW,
            duration_ms=3.0,
            error="RuntimeError: boom",
        )
        for_portfolio = factory.Trait(portfolio=factory.SubFactory(PortfolioFactory))


# Engines 2-3: valuation and aggregation ------------------------------------------------------------


class PositionValuationFactory(factory.django.DjangoModelFactory):
    """A held long stock lot (100 AAPL @ 150) valued at 160 (previous close 158) on AS_OF; traits
    ``unpriced`` (no price: nulls, as the engine stores them), ``closed`` (not held)."""

    class Meta:
        model = PositionValuation

    position = factory.SubFactory(PositionFactory)
    portfolio = factory.SelfAttribute("position.portfolio")
    as_of_date = AS_OF
    price = 160.0
    price_source = "synthetic"
    previous_close = 158.0
    underlying_price = factory.SelfAttribute("price")
    delta = 1.0
    cost_basis = factory.LazyAttribute(
        lambda o: float(o.position.quantity * o.position.entry_price * o.position.multiplier)
    )
    market_value = factory.LazyAttribute(
        lambda o: float(o.position.quantity * o.position.multiplier) * o.price
    )
    unrealized_pnl = factory.LazyAttribute(lambda o: o.market_value - o.cost_basis)
    pnl_percent = factory.LazyAttribute(lambda o: o.unrealized_pnl / abs(o.cost_basis) * 100.0)
    daily_pnl = factory.LazyAttribute(
        lambda o: float(o.position.quantity * o.position.multiplier) * (o.price - o.previous_close)
    )
    delta_adjusted_exposure = factory.LazyAttribute(
        lambda o: o.delta * o.underlying_price * float(o.position.quantity * o.position.multiplier)
    )
    is_held = True

    class Params:
        unpriced = factory.Trait(
            price=None,
            price_source="",
            previous_close=None,
            underlying_price=None,
            market_value=None,
            unrealized_pnl=None,
            pnl_percent=None,
            daily_pnl=None,
            delta_adjusted_exposure=None,
        )
        closed = factory.Trait(is_held=False)


class PortfolioAggregateFactory(factory.django.DjangoModelFactory):
    """NAV 100,000 = 90,000 long - 10,000 short + 20,000 cash on AS_OF (3 positions, all priced);
    trait ``empty`` (cash only, no positions)."""

    class Meta:
        model = PortfolioAggregate

    portfolio = factory.SubFactory(PortfolioFactory)
    as_of_date = AS_OF
    cash = 20_000.0
    long_value = 90_000.0
    short_value = -10_000.0
    net_exposure = factory.LazyAttribute(lambda o: o.long_value + o.short_value)
    gross_exposure = factory.LazyAttribute(lambda o: o.long_value - o.short_value)
    nav = factory.LazyAttribute(lambda o: o.net_exposure + o.cash)
    delta_long = factory.SelfAttribute("long_value")
    delta_short = factory.SelfAttribute("short_value")
    delta_gross = factory.LazyAttribute(lambda o: o.delta_long - o.delta_short)
    delta_net = factory.LazyAttribute(lambda o: o.delta_long + o.delta_short)
    cost_basis = 75_000.0
    unrealized_pnl = factory.LazyAttribute(lambda o: o.net_exposure - o.cost_basis)
    daily_pnl = 350.0
    position_count = 3
    priced_count = 3
    breakdowns = factory.LazyFunction(lambda: {"by_type": {"LONG": 90_000.0, "SHORT": -10_000.0}})

    class Params:
        empty = factory.Trait(
            long_value=0.0,
            short_value=0.0,
            cost_basis=0.0,
            daily_pnl=None,
            position_count=0,
            priced_count=0,
            breakdowns=factory.LazyFunction(dict),
        )


# Engine 4: Greeks --------------------------------------------------------------------------------


class PositionGreeksFactory(factory.django.DjangoModelFactory):
    """Greeks of a long AAPL call (2 contracts x 100) on AS_OF, implied vol 30 %; position figures
    are per-share figures x quantity x multiplier. Trait ``short_put``; ``no_volatility`` (the
    engine's nulls when neither implied nor historical vol is known)."""

    class Meta:
        model = PositionGreeks

    position = factory.SubFactory(PositionFactory, long_call=True)
    portfolio = factory.SelfAttribute("position.portfolio")
    as_of_date = AS_OF
    underlying_price = 210.0
    days_to_expiry = 357
    volatility = 0.30
    volatility_source = "implied"
    risk_free_rate = 0.05
    dividend_yield = 0.0
    price = 30.0
    delta = 0.62
    gamma = 0.008
    theta = -0.05
    vega = 0.75
    rho = 1.1
    position_delta = factory.LazyAttribute(lambda o: o.delta * o.units)
    position_gamma = factory.LazyAttribute(lambda o: o.gamma * o.units)
    position_theta = factory.LazyAttribute(lambda o: o.theta * o.units)
    position_vega = factory.LazyAttribute(lambda o: o.vega * o.units)
    position_rho = factory.LazyAttribute(lambda o: o.rho * o.units)
    delta_dollars = factory.LazyAttribute(lambda o: o.position_delta * o.underlying_price)
    gamma_dollars = factory.LazyAttribute(lambda o: o.position_gamma * o.underlying_price**2 / 100.0)

    class Params:
        units = factory.LazyAttribute(lambda o: float(o.position.quantity * o.position.multiplier))
        short_put = factory.Trait(
            position=factory.SubFactory(PositionFactory, short_put=True),
            price=8.0,
            delta=-0.3,
            theta=-0.03,
            vega=0.5,
            rho=-0.6,
            volatility=0.25,
        )
        no_volatility = factory.Trait(
            volatility=None,
            volatility_source="",
            price=None,
            delta=None,
            gamma=None,
            theta=None,
            vega=None,
            rho=None,
            position_delta=None,
            position_gamma=None,
            position_theta=None,
            position_vega=None,
            position_rho=None,
            delta_dollars=None,
            gamma_dollars=None,
        )


# Engine 5: factors -------------------------------------------------------------------------------


class SymbolFactorExposureFactory(factory.django.DjangoModelFactory):
    """A 7-factor fit of a new symbol over 252 days on AS_OF (Market beta 1.1); trait
    ``insufficient_history`` (the engine's row for a symbol with too few bars)."""

    class Meta:
        model = SymbolFactorExposure

    symbol = factory.Sequence(lambda n: f"FX{n}")
    as_of_date = AS_OF
    betas = factory.LazyFunction(lambda: _per_factor([1.1, 0.2, -0.1, 0.05, 0.0, 0.3, -0.2]))
    t_stats = factory.LazyFunction(lambda: _per_factor([25.0, 2.1, -1.2, 0.8, 0.1, 3.3, -2.0]))
    p_values = factory.LazyFunction(lambda: _per_factor([0.0, 0.04, 0.23, 0.42, 0.92, 0.001, 0.05]))
    r_squared = 0.71
    observations = 252
    residual_volatility = 0.18
    capm_beta = 1.08
    macro_betas = factory.LazyFunction(lambda: _per_factor([-2.0, 0.05, 0.1], MACRO))
    macro_t_stats = factory.LazyFunction(lambda: _per_factor([-1.5, 0.9, 1.4], MACRO))
    macro_p_values = factory.LazyFunction(lambda: _per_factor([0.13, 0.37, 0.16], MACRO))
    quality_flag = "ok"

    class Params:
        insufficient_history = factory.Trait(
            betas=factory.LazyFunction(lambda: dict.fromkeys(FACTORS)),
            t_stats=factory.LazyFunction(lambda: dict.fromkeys(FACTORS)),
            p_values=factory.LazyFunction(lambda: dict.fromkeys(FACTORS)),
            r_squared=None,
            observations=40,
            residual_volatility=None,
            capm_beta=None,
            macro_betas=factory.LazyFunction(lambda: dict.fromkeys(MACRO)),
            macro_t_stats=factory.LazyFunction(lambda: dict.fromkeys(MACRO)),
            macro_p_values=factory.LazyFunction(lambda: dict.fromkeys(MACRO)),
            quality_flag="insufficient_history",
        )


class PortfolioFactorExposureFactory(factory.django.DjangoModelFactory):
    """A portfolio's Market exposure (model kind): 110,000 USD on a NAV of 100,000 (beta 1.1);
    traits ``capm`` and ``macro`` (Interest Rate) for the other kinds."""

    class Meta:
        model = PortfolioFactorExposure

    portfolio = factory.SubFactory(PortfolioFactory)
    as_of_date = AS_OF
    factor = "Market"
    kind = "model"
    exposure_dollar = 110_000.0
    exposure = 1.1
    t_stat = 24.0
    p_value = 0.0
    r_squared = 0.8
    observations = 252
    coverage = 1.0

    class Params:
        capm = factory.Trait(factor="CAPM", kind="capm", exposure_dollar=105_000.0, exposure=1.05)
        macro = factory.Trait(
            factor="Interest Rate", kind="macro", exposure_dollar=-200_000.0, exposure=-2.0, t_stat=-1.5
        )


class FactorCorrelationFactory(factory.django.DjangoModelFactory):
    """The 252-day correlation matrix of two regressors (Market, Value) on AS_OF (the next one on
    the day before: the key is (date, window)); trait ``collinear`` (a pair above 0.8 flagged, as
    the engine warns)."""

    class Meta:
        model = FactorCorrelation

    as_of_date = factory.Sequence(lambda n: AS_OF - dt.timedelta(days=n))
    lookback_days = 252
    factors = factory.LazyFunction(lambda: ["Market", "Value"])
    matrix = factory.LazyFunction(lambda: [[1.0, 0.2], [0.2, 1.0]])
    condition_number = 1.5
    warnings = factory.LazyFunction(list)
    observations = 252

    class Params:
        collinear = factory.Trait(
            matrix=factory.LazyFunction(lambda: [[1.0, 0.9], [0.9, 1.0]]),
            condition_number=19.0,
            warnings=factory.LazyFunction(lambda: ["Market and Value are correlated above 0.8 (0.90)"]),
        )


# Engine 6: correlations --------------------------------------------------------------------------


class CorrelationResultFactory(factory.django.DjangoModelFactory):
    """A portfolio's 90-day correlations of two symbols (one cluster) on AS_OF; trait
    ``with_exclusion`` (a symbol without enough overlapping returns)."""

    class Meta:
        model = CorrelationResult

    portfolio = factory.SubFactory(PortfolioFactory)
    as_of_date = AS_OF
    lookback_days = 90
    min_overlap = 30
    symbols = factory.LazyFunction(lambda: ["AAA", "BBB"])
    matrix = factory.LazyFunction(lambda: {"AAA": {"AAA": 1.0, "BBB": 0.8}, "BBB": {"AAA": 0.8, "BBB": 1.0}})
    average_correlation = 0.8
    effective_number_of_bets = 1.1
    clusters = factory.LazyFunction(lambda: [["AAA", "BBB"]])
    excluded = factory.LazyFunction(list)

    class Params:
        with_exclusion = factory.Trait(
            excluded=factory.LazyFunction(lambda: [{"symbol": "NEW", "reason": "insufficient overlap"}])
        )


# VaR backtesting: stored forecasts ---------------------------------------------------------------


class VarForecastFactory(factory.django.DjangoModelFactory):
    """The 1-day historical 99 % VaR forecast of a new portfolio at the close of AS_OF (as the
    batch stores it); trait ``backfilled`` (computed later for that past day)."""

    class Meta:
        model = VarForecast

    portfolio = factory.SubFactory(PortfolioFactory)
    date = AS_OF
    method = "historical"
    confidence = 0.99
    horizon_days = 1
    value = 12_345.67
    nav = 1_000_000.0
    observations = 500
    position_count = 10
    inputs_as_of = AS_OF
    source = "batch"

    class Params:
        backfilled = factory.Trait(source="backfill")
