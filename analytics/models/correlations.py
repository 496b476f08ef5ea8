"""Engine 6 results: a portfolio's position correlation matrix, concentration and clusters.

Keyed by (portfolio, as_of_date, window) and upserted, so rerunning a date replaces rows.
"""

from __future__ import annotations

from django.db import models

__all__ = ["CorrelationResult"]


class CorrelationResult(models.Model):
    """Engine 6: a portfolio's correlation matrix, concentration and clusters on a date."""

    portfolio = models.ForeignKey("portfolios.Portfolio", on_delete=models.CASCADE, related_name="+")
    as_of_date = models.DateField()
    lookback_days = models.PositiveIntegerField()
    min_overlap = models.PositiveIntegerField()
    symbols = models.JSONField(default=list)
    matrix = models.JSONField(default=dict)
    average_correlation = models.FloatField(null=True)
    effective_number_of_bets = models.FloatField(null=True)
    clusters = models.JSONField(default=list)
    excluded = models.JSONField(default=list)
    calculated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["portfolio", "as_of_date", "lookback_days", "min_overlap"],
                name="correlation_unique_portfolio_date_window",
            )
        ]

    def __str__(self) -> str:
        return f"{self.portfolio_id} {self.as_of_date} correlations ({self.lookback_days}d)"
