"""Alert rules, the alerts they raise, and the record of each evaluation (run after every batch run).

A rule compares one metric of a portfolio, read from the stored batch results of the run's
``as_of_date``, with a threshold (``gt``: alert when value > threshold; ``lt``: value < threshold).
Units of ``threshold`` (and of an alert's ``value``) per metric (:data:`METRIC_UNITS`):

- ``var_1d_95``: USD, a POSITIVE loss (1-day historical VaR at 95 %, risk engine, portfolio view);
- ``gross_exposure``, ``net_exposure``: USD (sum |MV| and sum MV, PortfolioAggregate);
- ``delta_dollars``: USD (options' stored delta_dollars + stocks' market value);
- ``concentration``: the largest |position market value| / gross exposure, a fraction in [0, 1];
- ``drawdown``: the current drawdown of the NAV history (PortfolioSnapshot), a NEGATIVE fraction
  (-0.12 = 12 % below the running peak; 0 at a peak);
- ``days_to_expiry``: calendar days from as_of_date to the nearest expiration of a held option.

An alert stays open (``resolved_at`` null) until an evaluation finds its condition no longer holds;
the database allows one open alert per rule and one open expiration alert per position, so a rerun
of the same date never duplicates them. Built-in expiration alerts (``kind=expiration``, ``rule``
null) are raised for held options expiring within :data:`EXPIRATION_WINDOW_DAYS` calendar days.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q

__all__ = [
    "EXPIRATION_WINDOW_DAYS",
    "METRIC_UNITS",
    "Alert",
    "AlertEvaluation",
    "AlertKind",
    "AlertMetric",
    "AlertOperator",
    "AlertPriority",
    "AlertRule",
]

#: Built-in expiration alerts: options expiring within this many calendar days of as_of_date.
EXPIRATION_WINDOW_DAYS = 7


class AlertMetric(models.TextChoices):
    VAR_1D_95 = "var_1d_95"
    GROSS_EXPOSURE = "gross_exposure"
    NET_EXPOSURE = "net_exposure"
    DELTA_DOLLARS = "delta_dollars"
    CONCENTRATION = "concentration"
    DRAWDOWN = "drawdown"
    DAYS_TO_EXPIRY = "days_to_expiry"


#: Unit of a metric's value and threshold.
METRIC_UNITS: dict[str, str] = {
    AlertMetric.VAR_1D_95: "USD, positive loss (1-day historical VaR, 95%)",
    AlertMetric.GROSS_EXPOSURE: "USD (sum of |market value|)",
    AlertMetric.NET_EXPOSURE: "USD (sum of signed market value)",
    AlertMetric.DELTA_DOLLARS: "USD (options' delta dollars + stocks' market value)",
    AlertMetric.CONCENTRATION: "fraction in [0, 1] (largest |market value| / gross exposure)",
    AlertMetric.DRAWDOWN: "negative fraction (-0.12 = 12% below the running NAV peak)",
    AlertMetric.DAYS_TO_EXPIRY: "calendar days until the nearest held option expires",
}


class AlertOperator(models.TextChoices):
    GT = "gt", "greater than"
    LT = "lt", "less than"


class AlertPriority(models.TextChoices):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


class AlertKind(models.TextChoices):
    RULE = "rule"
    EXPIRATION = "expiration"


class AlertRule(models.Model):
    """A user's rule on one portfolio metric; evaluated after every batch run while active."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="alert_rules")
    portfolio = models.ForeignKey(
        "portfolios.Portfolio", on_delete=models.CASCADE, related_name="alert_rules"
    )
    name = models.CharField(max_length=120)
    metric = models.CharField(max_length=32, choices=AlertMetric.choices)
    operator = models.CharField(max_length=2, choices=AlertOperator.choices)
    threshold = models.FloatField(help_text="In the metric's unit (see METRIC_UNITS).")
    priority = models.CharField(max_length=8, choices=AlertPriority.choices, default=AlertPriority.MEDIUM)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "id"]
        indexes = [models.Index(fields=["portfolio", "is_active"])]

    def __str__(self) -> str:
        return f"{self.name}: {self.metric} {self.operator} {self.threshold:g}"


class Alert(models.Model):
    """A breach found by an evaluation: a rule's (``kind=rule``) or a built-in one (``expiration``).

    ``value`` is the metric's value that breached (unit of ``metric``), ``threshold`` and
    ``operator`` the condition; ``as_of_date`` the batch date that raised it. ``resolved_at`` (and
    ``resolved_as_of_date``, ``resolution``) are set by the first evaluation finding the condition
    no longer holds (or the position closed or expired). Deleting a rule deletes its alerts.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    rule = models.ForeignKey(
        AlertRule, null=True, blank=True, on_delete=models.CASCADE, related_name="alerts"
    )
    portfolio = models.ForeignKey("portfolios.Portfolio", on_delete=models.CASCADE, related_name="alerts")
    position = models.ForeignKey(
        "portfolios.Position",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text="The option of an expiration alert.",
    )
    kind = models.CharField(max_length=16, choices=AlertKind.choices, default=AlertKind.RULE)
    priority = models.CharField(max_length=8, choices=AlertPriority.choices, default=AlertPriority.MEDIUM)
    message = models.TextField()
    metric = models.CharField(max_length=32, choices=AlertMetric.choices)
    operator = models.CharField(
        max_length=4, blank=True, default="", help_text="gt, lt, or lte (expiration)."
    )
    value = models.FloatField(help_text="The metric's value that breached.")
    threshold = models.FloatField()
    as_of_date = models.DateField(help_text="Batch date whose results raised the alert.")
    triggered_at = models.DateTimeField()
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_as_of_date = models.DateField(null=True, blank=True)
    resolved_value = models.FloatField(null=True, blank=True, help_text="The metric's value at resolution.")
    resolution = models.CharField(max_length=200, blank=True, default="")

    class Meta:
        ordering = ["-triggered_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["rule"],
                condition=Q(resolved_at__isnull=True, rule__isnull=False),
                name="alert_one_open_per_rule",
            ),
            models.UniqueConstraint(
                fields=["position"],
                condition=Q(resolved_at__isnull=True, kind="expiration"),
                name="alert_one_open_expiration_per_position",
            ),
        ]
        indexes = [models.Index(fields=["portfolio", "resolved_at"])]

    def __str__(self) -> str:
        return self.message

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None


class AlertEvaluation(models.Model):
    """The metric values an evaluation computed for a portfolio on a date, and why any is missing.

    ``metrics``: {metric: value or null} (units: :data:`METRIC_UNITS`); ``notes``: {metric:
    reason} for each metric skipped or computed from partial data. Upserted per (portfolio, date).
    """

    portfolio = models.ForeignKey("portfolios.Portfolio", on_delete=models.CASCADE, related_name="+")
    as_of_date = models.DateField()
    run = models.ForeignKey(
        "analytics.BatchRun", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    metrics = models.JSONField(default=dict)
    notes = models.JSONField(default=dict)
    alerts_raised = models.PositiveIntegerField(default=0)
    alerts_resolved = models.PositiveIntegerField(default=0)
    evaluated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-as_of_date", "portfolio"]
        constraints = [
            models.UniqueConstraint(
                fields=["portfolio", "as_of_date"], name="alerteval_unique_portfolio_date"
            )
        ]

    def __str__(self) -> str:
        return f"{self.portfolio_id} {self.as_of_date}"
