"""Engines 2 and 3 results: position valuations and portfolio aggregates.

Every result is keyed by (position or portfolio, as_of_date) and upserted, so rerunning a date
replaces rows and never duplicates them. Money is USD (float64 in engines, stored as float); ratios
are fractions unless the field name says ``percent``. Conventions: DESIGN.md.
"""

from __future__ import annotations

from django.db import models

__all__ = ["PortfolioAggregate", "PositionValuation"]


class PositionValuation(models.Model):
    """Engine 2: a position's price, value and P&L on a date (USD, signed)."""

    position = models.ForeignKey("portfolios.Position", on_delete=models.CASCADE, related_name="valuations")
    portfolio = models.ForeignKey("portfolios.Portfolio", on_delete=models.CASCADE, related_name="+")
    as_of_date = models.DateField()
    price = models.FloatField(null=True, help_text="Close per share on as_of_date (null: no price).")
    price_source = models.CharField(max_length=16, blank=True, default="")
    previous_close = models.FloatField(null=True, help_text="Last close strictly before as_of_date.")
    underlying_price = models.FloatField(null=True)
    market_value = models.FloatField(null=True)
    cost_basis = models.FloatField()
    unrealized_pnl = models.FloatField(null=True)
    pnl_percent = models.FloatField(null=True, help_text="Percent of |cost basis|.")
    daily_pnl = models.FloatField(null=True)
    delta = models.FloatField(null=True, help_text="Per-share delta used (1 for stocks).")
    delta_adjusted_exposure = models.FloatField(null=True)
    is_held = models.BooleanField(default=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["position", "as_of_date"], name="valuation_unique_position_date")
        ]
        indexes = [models.Index(fields=["portfolio", "as_of_date"])]

    def __str__(self) -> str:
        return f"{self.position_id} {self.as_of_date} MV {self.market_value}"


class PortfolioAggregate(models.Model):
    """Engine 3: exposures and NAV of a portfolio on a date (USD; percentages of NAV in *_percent)."""

    portfolio = models.ForeignKey("portfolios.Portfolio", on_delete=models.CASCADE, related_name="aggregates")
    as_of_date = models.DateField()
    nav = models.FloatField()
    cash = models.FloatField()
    long_value = models.FloatField()
    short_value = models.FloatField()
    gross_exposure = models.FloatField()
    net_exposure = models.FloatField()
    delta_long = models.FloatField()
    delta_short = models.FloatField()
    delta_gross = models.FloatField()
    delta_net = models.FloatField()
    cost_basis = models.FloatField()
    unrealized_pnl = models.FloatField()
    daily_pnl = models.FloatField(null=True)
    position_count = models.PositiveIntegerField()
    priced_count = models.PositiveIntegerField()
    breakdowns = models.JSONField(default=dict, help_text="By tag, type, underlying, sector.")
    calculated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["portfolio", "as_of_date"], name="aggregate_unique_portfolio_date"
            )
        ]

    def __str__(self) -> str:
        return f"{self.portfolio_id} {self.as_of_date} NAV {self.nav:,.2f}"
