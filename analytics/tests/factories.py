"""Factories for batch runs and the stored results of the batch engines (and alerts).

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
    Alert,
    AlertEvaluation,
    AlertKind,
    AlertMetric,
    AlertOperator,
    AlertPriority,
    AlertRule,
    BatchRun,
    BatchStep,
    CorrelationResult,
    FactorCorrelation,
    PerformanceSummary,
    PortfolioAggregate,
    PortfolioFactorExposure,
    PortfolioSnapshot,
    PositionGreeks,
    PositionValuation,
    RiskMetrics,
    RiskView,
    ScenarioCategory,
    StressScenario,
    StressTestResult,
    SymbolFactorExposure,
)
from portfolios.tests.factories import PortfolioFactory, PositionFactory
from sigmasight.jobs.models import JobStatus
from sigmasight.jobs.tests.factories import JobFactory

AS_OF = dt.date(2024, 6, 28)
FACTORS = ["Market", "Value", "Growth", "Momentum", "Quality", "Size", "Low Volatility"]
MACRO = ["Interest Rate", "Oil", "International"]
_NOW = factory.LazyFunction(lambda: dt.datetime.now(dt.UTC))


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
        running = factory.Trait(status=JobStatus.RUNNING, started_at=_NOW)
        succeeded = factory.Trait(
            status=JobStatus.SUCCEEDED,
            started_at=_NOW,
            finished_at=_NOW,
            counts=factory.LazyFunction(lambda: {"portfolios": 1, "steps": 3, "failed_steps": 0}),
        )
        partial = factory.Trait(
            status=JobStatus.PARTIAL,
            started_at=_NOW,
            finished_at=_NOW,
            counts=factory.LazyFunction(lambda: {"portfolios": 2, "steps": 6, "failed_steps": 1}),
        )
        failed = factory.Trait(
            status=JobStatus.FAILED, started_at=_NOW, finished_at=_NOW, error="market data unavailable"
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
            started_at=_NOW,
            finished_at=_NOW,
            duration_ms=12.5,
            counts=factory.LazyFunction(lambda: {"positions": 3}),
        )
        failed = factory.Trait(
            status=JobStatus.FAILED,
            started_at=_NOW,
            finished_at=_NOW,
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


# Engine 7: stress tests and risk metrics --------------------------------------------------------


class StressScenarioFactory(factory.django.DjangoModelFactory):
    """A custom library scenario (Market -10 %) visible to everyone (the migration seeds the real
    library); traits ``owned`` (runs only for its owner's portfolios), ``inactive``."""

    class Meta:
        model = StressScenario

    id = factory.Sequence(lambda n: f"test_scenario_{n}")
    name = factory.Sequence(lambda n: f"Test scenario {n}")
    category = ScenarioCategory.CUSTOM
    description = "Market down 10 %."
    shocks = factory.LazyFunction(lambda: {"Market": -0.10})
    source = "hypothetical"
    display_order = factory.Sequence(lambda n: 5000 + n)

    class Params:
        owned = factory.Trait(owner=factory.SubFactory("accounts.tests.factories.UserFactory"))
        inactive = factory.Trait(is_active=False)


class StressTestResultFactory(factory.django.DjangoModelFactory):
    """A portfolio's loss of 11,000 USD (-11 % of a 100,000 NAV) in a new scenario on AS_OF;
    trait ``with_unmodeled`` (a position without betas, null impacts)."""

    class Meta:
        model = StressTestResult

    portfolio = factory.SubFactory(PortfolioFactory)
    as_of_date = AS_OF
    scenario = factory.SubFactory(StressScenarioFactory)
    portfolio_value = 100_000.0
    dollar_impact = -11_000.0
    percentage_impact = factory.LazyAttribute(lambda o: o.dollar_impact / o.portfolio_value * 100.0)
    new_portfolio_value = factory.LazyAttribute(lambda o: o.portfolio_value + o.dollar_impact)
    severity = "severe"
    shocks = factory.LazyAttribute(lambda o: dict(o.scenario.shocks))
    factor_moves = factory.LazyAttribute(lambda o: {"Market": -0.10, **o.shocks})
    by_position = factory.LazyFunction(
        lambda: [
            {
                "position_id": "00000000-0000-0000-0000-000000000001",
                "symbol": "AAA",
                "side": "long",
                "underlying_return": -0.11,
                "dollar_impact": -11_000.0,
                "percentage_impact": -11.0,
            }
        ]
    )
    unmodeled = factory.LazyFunction(list)

    class Params:
        with_unmodeled = factory.Trait(
            unmodeled=factory.LazyFunction(lambda: [{"symbol": "NOB", "reason": "no factor betas"}])
        )


def _var_metrics(nav: float = 100_000.0) -> dict:
    return {
        "nav": nav,
        "positions": [],
        "excluded": [],
        "var": {"historical": {"h1": {"c95": {"var": 1_800.0, "es": 2_400.0, "observations": 252}}}},
        "summary": {
            "beta": 1.05,
            "volatility": 0.18,
            "var_95_1d": 1_800.0,
            "es_975_1d": 2_600.0,
            "average_correlation": 0.4,
        },
        "contributions": {},
    }


class RiskMetricsFactory(factory.django.DjangoModelFactory):
    """The portfolio view's risk metrics on AS_OF (1-day historical VaR 95 % of 1,800 USD, a
    positive loss); traits ``longs`` and ``shorts`` for the other views."""

    class Meta:
        model = RiskMetrics

    portfolio = factory.SubFactory(PortfolioFactory)
    as_of_date = AS_OF
    view = RiskView.PORTFOLIO
    metrics = factory.LazyFunction(_var_metrics)
    stress_inputs = factory.LazyFunction(lambda: {"nav": 100_000.0, "book": []})

    class Params:
        longs = factory.Trait(view=RiskView.LONGS, stress_inputs=factory.LazyFunction(dict))
        shorts = factory.Trait(view=RiskView.SHORTS, stress_inputs=factory.LazyFunction(dict))


# Engine 8: snapshots and performance -------------------------------------------------------------


class PortfolioSnapshotFactory(factory.django.DjangoModelFactory):
    """A day of a portfolio's NAV history (NAV 100,000 = 80,000 MV + 20,000 cash, at its peak);
    ``first_day`` trait (no daily return), ``in_drawdown`` (5 % below the peak)."""

    class Meta:
        model = PortfolioSnapshot

    portfolio = factory.SubFactory(PortfolioFactory)
    date = factory.Sequence(lambda n: AS_OF - dt.timedelta(days=n))
    cash = 20_000.0
    long_value = 85_000.0
    short_value = -5_000.0
    market_value = factory.LazyAttribute(lambda o: o.long_value + o.short_value)
    nav = factory.LazyAttribute(lambda o: o.market_value + o.cash)
    gross_exposure = factory.LazyAttribute(lambda o: o.long_value - o.short_value)
    net_exposure = factory.SelfAttribute("market_value")
    flow = 0.0
    daily_return = 0.004
    cumulative_return = 0.08
    drawdown = 0.0
    position_count = 3

    class Params:
        first_day = factory.Trait(daily_return=None, cumulative_return=0.0, flow=80_000.0)
        in_drawdown = factory.Trait(daily_return=-0.01, cumulative_return=0.03, drawdown=-0.05)


class PerformanceSummaryFactory(factory.django.DjangoModelFactory):
    """A year of performance against SPY up to AS_OF (total return 8 %, max drawdown -6 %); trait
    ``short_history`` (too few returns for ratios: nulls)."""

    class Meta:
        model = PerformanceSummary

    portfolio = factory.SubFactory(PortfolioFactory)
    as_of_date = AS_OF
    benchmark = "SPY"
    first_date = dt.date(2023, 6, 30)
    observations = 250
    nav = 108_000.0
    total_return = 0.08
    annualized_return = 0.08
    annualized_volatility = 0.15
    sharpe_ratio = 0.2
    sortino_ratio = 0.3
    max_drawdown = -0.06
    max_drawdown_start = dt.date(2024, 3, 28)
    max_drawdown_end = dt.date(2024, 4, 19)
    calmar_ratio = factory.LazyAttribute(lambda o: o.annualized_return / abs(o.max_drawdown))
    beta = 0.95
    alpha = 0.01
    returns = factory.LazyFunction(lambda: {"1d": 0.004, "1m": 0.02, "ytd": 0.05, "inception": 0.08})
    benchmark_returns = factory.LazyFunction(
        lambda: {"1d": 0.003, "1m": 0.015, "ytd": 0.06, "inception": 0.1}
    )

    class Params:
        short_history = factory.Trait(
            first_date=dt.date(2024, 6, 24),
            observations=4,
            annualized_return=None,
            annualized_volatility=None,
            sharpe_ratio=None,
            sortino_ratio=None,
            calmar_ratio=None,
            beta=None,
            alpha=None,
            max_drawdown=None,
            max_drawdown_start=None,
            max_drawdown_end=None,
        )


# Alerts ------------------------------------------------------------------------------------------


class AlertRuleFactory(factory.django.DjangoModelFactory):
    """The portfolio owner's rule "gross exposure > 1,000,000 USD"; traits ``var`` (1-day VaR 95 %
    > 5,000 USD), ``drawdown`` (< -10 %), ``inactive``."""

    class Meta:
        model = AlertRule

    portfolio = factory.SubFactory(PortfolioFactory)
    owner = factory.SelfAttribute("portfolio.owner")
    name = factory.LazyAttribute(lambda o: f"{o.metric} {o.operator} {o.threshold:g}")
    metric = AlertMetric.GROSS_EXPOSURE
    operator = AlertOperator.GT
    threshold = 1_000_000.0
    priority = AlertPriority.MEDIUM

    class Params:
        var = factory.Trait(metric=AlertMetric.VAR_1D_95, threshold=5_000.0, priority=AlertPriority.HIGH)
        drawdown = factory.Trait(metric=AlertMetric.DRAWDOWN, operator=AlertOperator.LT, threshold=-0.10)
        inactive = factory.Trait(is_active=False)


def _breaching_value(alert: factory.builder.Resolver) -> float:
    """A value 20 % of the threshold beyond it, on the operator's side (gt: above, lt: below)."""
    step = 0.2 * (abs(alert.threshold) or 1.0)
    return alert.threshold + step if alert.operator == AlertOperator.GT else alert.threshold - step


class AlertFactory(factory.django.DjangoModelFactory):
    """An open alert raised by a new rule on AS_OF (its value breaching the rule's threshold);
    traits ``expiration`` (the built-in alert of an option expiring within 7 days), ``resolved``."""

    class Meta:
        model = Alert

    rule = factory.SubFactory(AlertRuleFactory)
    portfolio = factory.SelfAttribute("rule.portfolio")
    kind = AlertKind.RULE
    priority = factory.SelfAttribute("rule.priority")
    metric = factory.SelfAttribute("rule.metric")
    operator = factory.SelfAttribute("rule.operator")
    threshold = factory.SelfAttribute("rule.threshold")
    value = factory.LazyAttribute(_breaching_value)
    message = factory.LazyAttribute(lambda o: f"{o.metric} is {o.value:g} ({o.operator} {o.threshold:g})")
    as_of_date = AS_OF
    triggered_at = _NOW

    class Params:
        expiration = factory.Trait(
            rule=None,
            portfolio=factory.SubFactory(PortfolioFactory),
            position=factory.SubFactory(
                PositionFactory,
                long_call=True,
                portfolio=factory.SelfAttribute("..portfolio"),
                symbol="AAPL  240703C00200000",
                expiration_date=AS_OF + dt.timedelta(days=5),
            ),
            kind=AlertKind.EXPIRATION,
            priority=AlertPriority.HIGH,
            metric=AlertMetric.DAYS_TO_EXPIRY,
            operator="lte",
            threshold=7.0,
            value=5.0,
        )
        resolved = factory.Trait(
            resolved_at=_NOW,
            resolved_as_of_date=AS_OF + dt.timedelta(days=3),
            resolved_value=0.0,
            resolution="back within the threshold",
        )


class AlertEvaluationFactory(factory.django.DjangoModelFactory):
    """An evaluation of a portfolio on AS_OF by a new run: every metric computed, one alert raised;
    trait ``with_gaps`` (metrics without stored results, noted)."""

    class Meta:
        model = AlertEvaluation

    portfolio = factory.SubFactory(PortfolioFactory)
    as_of_date = AS_OF
    run = factory.SubFactory(
        BatchRunFactory, as_of_date=factory.SelfAttribute("..as_of_date"), succeeded=True
    )
    metrics = factory.LazyFunction(
        lambda: {
            AlertMetric.VAR_1D_95.value: 1_800.0,
            AlertMetric.GROSS_EXPOSURE.value: 100_000.0,
            AlertMetric.NET_EXPOSURE.value: 80_000.0,
            AlertMetric.DELTA_DOLLARS.value: 82_000.0,
            AlertMetric.CONCENTRATION.value: 0.4,
            AlertMetric.DRAWDOWN.value: -0.02,
            AlertMetric.DAYS_TO_EXPIRY.value: 30,
        }
    )
    notes = factory.LazyFunction(dict)
    alerts_raised = 1
    alerts_resolved = 0

    class Params:
        with_gaps = factory.Trait(
            metrics=factory.LazyFunction(
                lambda: {AlertMetric.VAR_1D_95.value: None, AlertMetric.DRAWDOWN.value: None}
            ),
            notes=factory.LazyFunction(
                lambda: {
                    AlertMetric.VAR_1D_95.value: "no risk metrics stored for the date",
                    AlertMetric.DRAWDOWN.value: "no snapshot stored for the date",
                }
            ),
            alerts_raised=0,
        )
