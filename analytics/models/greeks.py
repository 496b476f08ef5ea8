"""Engine 4 results: the Greeks of option positions (American or European pricer, DESIGN "Greeks").

Keyed by (position, as_of_date) and upserted, so rerunning a date replaces rows. Conventions:
DESIGN.md.
"""

from __future__ import annotations

from django.db import models

__all__ = ["PositionGreeks"]


class PositionGreeks(models.Model):
    """Engine 4: Greeks of an option position from the option pricer (conventions: DESIGN.md)."""

    position = models.ForeignKey("portfolios.Position", on_delete=models.CASCADE, related_name="greeks")
    portfolio = models.ForeignKey("portfolios.Portfolio", on_delete=models.CASCADE, related_name="+")
    as_of_date = models.DateField()
    underlying_price = models.FloatField(null=True)
    days_to_expiry = models.IntegerField()
    volatility = models.FloatField(null=True, help_text="Annualized decimal.")
    volatility_source = models.CharField(
        max_length=24, blank=True, default="", help_text="implied_from_mark, position or realized."
    )
    exercise = models.CharField(max_length=8, blank=True, default="", help_text="american or european.")
    risk_free_rate = models.FloatField(null=True)
    dividend_yield = models.FloatField(default=0.0)
    price = models.FloatField(null=True, help_text="Model price per share.")
    delta = models.FloatField(null=True)
    gamma = models.FloatField(null=True)
    theta = models.FloatField(null=True, help_text="Per share, per calendar day.")
    vega = models.FloatField(null=True, help_text="Per share, per 1 vol point.")
    rho = models.FloatField(null=True, help_text="Per share, per 1 rate point.")
    position_delta = models.FloatField(null=True)
    position_gamma = models.FloatField(null=True)
    position_theta = models.FloatField(null=True)
    position_vega = models.FloatField(null=True)
    position_rho = models.FloatField(null=True)
    delta_dollars = models.FloatField(null=True)
    gamma_dollars = models.FloatField(null=True)

    class Meta:
        verbose_name_plural = "position greeks"
        constraints = [
            models.UniqueConstraint(fields=["position", "as_of_date"], name="greeks_unique_position_date")
        ]
        indexes = [models.Index(fields=["portfolio", "as_of_date"])]

    def __str__(self) -> str:
        return f"{self.position_id} {self.as_of_date} delta {self.position_delta}"
