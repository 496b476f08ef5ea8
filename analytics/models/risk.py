"""Engine 7 results: the stress-scenario library, stress-test results and risk metrics.

Conventions (DESIGN.md "Stress tests", "VaR/ES", "Risk contributions"):

- Scenario shocks are moves of the 11 stress variables: the 7 factors (Market = SPY return, the
  styles = ETF return minus SPY's, fractions), Interest Rate (change of the 10-year yield in
  decimal, 0.01 = +100 bp), Oil (USO return), International (EWG return) and Volatility (relative
  change of the VIX level, 1.5 = +150 %). Unshocked variables move by their conditional expectation.
- Impacts are USD, signed (a gain is positive); ``percentage_impact`` is percent of NAV (x 100).
- VaR and expected shortfall are POSITIVE USD losses; risk contributions are annualized
  volatilities as fractions of NAV.

Every result is keyed (portfolio, as_of_date, scenario | view) and upserted, so reruns of a date
replace rows and never duplicate them.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

__all__ = [
    "SHOCK_RANGES",
    "DocumentField",
    "RiskMetrics",
    "RiskView",
    "ScenarioCategory",
    "StressScenario",
    "StressTestResult",
    "shock_errors",
]

#: Allowed range (inclusive) of a shock per stress variable, in the variable's units.
SHOCK_RANGES: dict[str, tuple[float, float]] = {
    "Market": (-1.0, 3.0),
    "Value": (-1.0, 1.0),
    "Growth": (-1.0, 1.0),
    "Momentum": (-1.0, 1.0),
    "Quality": (-1.0, 1.0),
    "Size": (-1.0, 1.0),
    "Low Volatility": (-1.0, 1.0),
    "Interest Rate": (-0.1, 0.1),
    "Oil": (-1.0, 5.0),
    "International": (-1.0, 3.0),
    "Volatility": (-0.95, 10.0),
}


def shock_errors(shocks: Any) -> dict[str, list[str]]:
    """Validation messages per shock (key ``shocks.<name>``, or ``shocks``); empty when valid.

    A shock set is a non-empty mapping of known variable names (:data:`SHOCK_RANGES`) to finite
    numbers inside the variable's range.
    """
    if not isinstance(shocks, Mapping) or not shocks:
        return {"shocks": ["Expected a non-empty object mapping stress variables to moves."]}
    errors: dict[str, list[str]] = {}
    for name, value in shocks.items():
        key = f"shocks.{name}"
        if name not in SHOCK_RANGES:
            errors[key] = [f"Unknown stress variable. Known: {', '.join(SHOCK_RANGES)}."]
            continue
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            errors[key] = ["Expected a finite number."]
            continue
        low, high = SHOCK_RANGES[name]
        if not low <= float(value) <= high:
            errors[key] = [f"Must be between {low:g} and {high:g}."]
    return errors


class DocumentField(models.JSONField):
    """A JSONField for large documents (per-position arrays).

    Declaring ``get_placeholder`` makes Django's bulk insert use ``VALUES`` rather than
    PostgreSQL's ``UNNEST`` of a ``jsonb[]`` array literal, whose client-side quoting of large
    JSON is 2-3x slower; the column is a plain ``jsonb`` either way.
    """

    def get_placeholder(self, value: Any, compiler: Any, connection: Any) -> str:
        return "%s"


class ScenarioCategory(models.TextChoices):
    MARKET = "market"
    RATES = "rates"
    COMMODITIES = "commodities"
    INTERNATIONAL = "international"
    ROTATION = "rotation"
    VOLATILITY = "volatility"
    HISTORICAL = "historical"
    CUSTOM = "custom"


class RiskView(models.TextChoices):
    """Positions a result covers: all, or those with positive / negative delta-adjusted exposure."""

    PORTFOLIO = "portfolio"
    LONGS = "longs"
    SHORTS = "shorts"


class StressScenario(models.Model):
    """A stress scenario: shocks of some stress variables (units: module docstring).

    The library (``is_builtin``, ``owner`` null) is seeded by a data migration from
    ``data/stress_scenarios.csv`` and editable in the admin; a scenario with an ``owner`` runs
    only for that user's portfolios. Inactive scenarios are not run by the batch.
    """

    id = models.SlugField(primary_key=True, max_length=64, help_text="Slug, e.g. market_down_10.")
    name = models.CharField(max_length=120)
    category = models.CharField(
        max_length=32, choices=ScenarioCategory.choices, default=ScenarioCategory.CUSTOM
    )
    description = models.TextField(blank=True, default="")
    shocks = models.JSONField(default=dict, help_text='{"Market": -0.10, "Interest Rate": 0.0025}')
    window = models.CharField(max_length=64, blank=True, default="", help_text="Historical window replayed.")
    source = models.TextField(blank=True, default="", help_text="hypothetical, or the historical reference.")
    is_builtin = models.BooleanField(default=False)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="stress_scenarios",
    )
    is_active = models.BooleanField(default=True)
    display_order = models.PositiveIntegerField(default=1000)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["display_order", "id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.id})"

    def clean(self) -> None:
        errors = shock_errors(self.shocks)
        if errors:
            raise ValidationError({"shocks": [f"{k}: {m}" for k, msgs in errors.items() for m in msgs]})


class StressTestResult(models.Model):
    """A portfolio's P&L in one scenario on a date (USD signed; percentages of NAV x 100).

    ``by_position``: [{position_id, symbol, side (long|short|flat, the sign of delta-adjusted
    exposure), underlying_return, dollar_impact, percentage_impact}];
    unmodeled positions (no betas, no price) carry null impacts and are listed in ``unmodeled``.
    ``shocks`` are the shocks applied; ``factor_moves`` the move of every stress variable.
    """

    portfolio = models.ForeignKey("portfolios.Portfolio", on_delete=models.CASCADE, related_name="+")
    as_of_date = models.DateField()
    scenario = models.ForeignKey(StressScenario, on_delete=models.CASCADE, related_name="results")
    portfolio_value = models.FloatField(help_text="NAV (USD) the percentages divide by.")
    dollar_impact = models.FloatField()
    percentage_impact = models.FloatField(null=True, help_text="Percent of NAV.")
    new_portfolio_value = models.FloatField()
    severity = models.CharField(max_length=16, null=True)  # noqa: DJ001 - null: impact or NAV not finite
    shocks = models.JSONField(default=dict)
    factor_moves = models.JSONField(default=dict)
    by_position = DocumentField(default=list)
    unmodeled = models.JSONField(default=list)
    calculated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["portfolio", "as_of_date", "scenario"], name="stress_unique_portfolio_date_scenario"
            )
        ]
        indexes = [models.Index(fields=["portfolio", "as_of_date"])]

    def __str__(self) -> str:
        return f"{self.scenario_id} {self.as_of_date} {self.dollar_impact:.2f}"


class RiskMetrics(models.Model):
    """VaR/ES, volatility, beta and risk contributions of a portfolio view on a date.

    ``metrics`` (layout documented in ``analytics.services.risk``): nav, positions (the order of
    every per-position array), excluded positions, ``var[method][h1|h10][c95|c975|c99]`` with
    VaR, ES, percents, observations and component arrays, ``summary`` (beta vs SPY, annualized
    volatility, VaR 95 1-day, ES 97.5 1-day, average correlation) and ``contributions``.
    ``stress_inputs`` (portfolio view only): the book, sensitivities and EWMA covariance the
    stress tests used, so custom scenarios are computed on the same inputs.
    """

    portfolio = models.ForeignKey("portfolios.Portfolio", on_delete=models.CASCADE, related_name="+")
    as_of_date = models.DateField()
    view = models.CharField(max_length=16, choices=RiskView.choices, default=RiskView.PORTFOLIO)
    metrics = DocumentField(default=dict)
    stress_inputs = DocumentField(default=dict, blank=True)
    calculated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "risk metrics"
        constraints = [
            models.UniqueConstraint(
                fields=["portfolio", "as_of_date", "view"], name="riskmetrics_unique_portfolio_date_view"
            )
        ]

    def __str__(self) -> str:
        return f"risk {self.view} {self.as_of_date}"
