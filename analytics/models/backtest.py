"""VaR backtesting history: the one-day VaR forecast of every past day (DESIGN.md "VaR/ES").

A :class:`VarForecast` is the VaR a portfolio's batch computed (or, for a day before the
portfolio's first batch run, would have computed) at the close of ``date``: the positions held on
``date``, valued at that day's prices, revalued on the returns dated on or before ``date``. It
forecasts the loss of the next trading day, which the backtest compares with the realized P&L of
that day from the snapshots (flows excluded). Keyed (portfolio, date, method, confidence,
horizon_days) and upserted, so reruns and backfills never duplicate.

Units: ``value`` USD, a positive loss (null: the VaR could not be computed, e.g. a position
without a price or too little history); ``nav`` USD; ``confidence`` a fraction (0.99).
"""

from __future__ import annotations

from django.db import models

__all__ = ["ForecastSource", "VarForecast"]


class ForecastSource(models.TextChoices):
    BATCH = "batch", "Batch run of the day (RiskMetrics)"
    BACKFILL = "backfill", "Backfill (the batch's functions on that day's positions and data)"


class VarForecast(models.Model):
    """One stored VaR forecast (see the module docstring)."""

    portfolio = models.ForeignKey("portfolios.Portfolio", on_delete=models.CASCADE, related_name="+")
    date = models.DateField(help_text="The close at which the forecast is made (for the next trading day).")
    method = models.CharField(max_length=16, help_text="historical | parametric")
    confidence = models.FloatField(help_text="Fraction, e.g. 0.99.")
    horizon_days = models.PositiveSmallIntegerField(default=1)
    value = models.FloatField(null=True, help_text="VaR, USD, positive loss (null: not computable).")
    nav = models.FloatField(null=True, help_text="NAV on date (USD).")
    observations = models.PositiveIntegerField(default=0, help_text="Daily return rows behind the VaR.")
    position_count = models.PositiveIntegerField(default=0, help_text="Positions held on date.")
    inputs_as_of = models.DateField(null=True, help_text="Date of the last daily return used.")
    source = models.CharField(max_length=16, choices=ForecastSource.choices)
    calculated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["portfolio", "method", "confidence", "date"]
        constraints = [
            models.UniqueConstraint(
                fields=["portfolio", "date", "method", "confidence", "horizon_days"],
                name="varforecast_unique_key",
            )
        ]
        indexes = [
            models.Index(fields=["portfolio", "method", "confidence", "date"], name="varforecast_series")
        ]

    def __str__(self) -> str:
        return f"{self.portfolio_id} {self.date} {self.method} {self.confidence:g}"
