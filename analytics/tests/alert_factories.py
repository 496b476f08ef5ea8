"""Factories for alert rules, the alerts they raise and the record of each evaluation (units of
values and thresholds: ``analytics.models.METRIC_UNITS``), on AS_OF and a new portfolio by default.
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
)
from analytics.tests.factories import AS_OF, NOW, BatchRunFactory
from portfolios.tests.factories import PortfolioFactory, PositionFactory


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
    triggered_at = NOW

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
            resolved_at=NOW,
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
