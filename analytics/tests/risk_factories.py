"""Factories for the results of engines 7-8: stress scenarios and results, risk metrics, NAV
snapshots and performance summaries (USD; ratios fractions; VaR a positive loss), on AS_OF and a
new portfolio by default like those of ``analytics.tests.factories``.
"""

from __future__ import annotations

import datetime as dt

import factory

from analytics.models import (
    PerformanceSummary,
    PortfolioSnapshot,
    RiskMetrics,
    RiskView,
    ScenarioCategory,
    StressScenario,
    StressTestResult,
)
from analytics.tests.factories import AS_OF
from portfolios.tests.factories import PortfolioFactory

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
