"""Engine 8 results: the daily NAV history of each portfolio and its performance summary.

Conventions (DESIGN.md "Performance"): money in USD (float); returns, drawdowns and volatilities
are fractions (0.01 = 1 %). A snapshot exists for every trading day from the portfolio's earliest
entry date to the batch's as-of date; reruns upsert by (portfolio, date) and never duplicate.
"""

from __future__ import annotations

from django.db import models

__all__ = ["PerformanceSummary", "PortfolioSnapshot"]


class PortfolioSnapshot(models.Model):
    """A portfolio's NAV on one trading day (backfilled from its lots and stored closes).

    ``flow`` is the external flow F_t of the day (cost of lots opened minus proceeds of lots
    closed, at the start of the day); ``daily_return`` = (NAV_t - NAV_t-1 - F_t) / (NAV_t-1 + F_t),
    null on the first day and when the denominator is <= 0. ``cumulative_return`` and ``drawdown``
    (<= 0) are measured since the first snapshot. ``cash`` is the portfolio's current cash balance
    on every day (the app keeps no cash ledger).
    """

    portfolio = models.ForeignKey("portfolios.Portfolio", on_delete=models.CASCADE, related_name="snapshots")
    date = models.DateField()
    nav = models.FloatField(help_text="market_value + cash (USD).")
    market_value = models.FloatField(help_text="Sum of signed position values (USD).")
    cash = models.FloatField()
    long_value = models.FloatField(help_text="Sum of positive position values (USD).")
    short_value = models.FloatField(help_text="Sum of negative position values (USD, <= 0).")
    gross_exposure = models.FloatField()
    net_exposure = models.FloatField()
    flow = models.FloatField(default=0.0, help_text="External flow F_t (USD), start of the day.")
    daily_return = models.FloatField(null=True, help_text="Time-weighted daily return (fraction).")
    cumulative_return = models.FloatField(help_text="Compounded since the first snapshot (fraction).")
    drawdown = models.FloatField(help_text="Wealth / running peak - 1 (fraction, <= 0).")
    position_count = models.PositiveIntegerField(help_text="Lots held on the day.")
    calculated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["portfolio", "date"]
        constraints = [
            models.UniqueConstraint(fields=["portfolio", "date"], name="snapshot_unique_portfolio_date")
        ]

    def __str__(self) -> str:
        return f"{self.portfolio_id} {self.date} NAV {self.nav:,.2f}"


#: ``statistics_version`` of the summaries the batch writes now.
SUMMARY_STATISTICS_VERSION = 1


class PerformanceSummary(models.Model):
    """The performance statistics of a portfolio's whole snapshot history up to ``as_of_date``
    against ``benchmark`` (written by the batch with the snapshots, for fast reads elsewhere: the
    /analytics/portfolio/{id}/performance of period ``all`` reads them instead of recomputing).

    Ratios use a daily risk-free rate of DGS3MO / 252; ``returns`` and ``benchmark_returns`` map
    the periods "1d", "1w", "1m", "3m", "ytd", "1y", "inception" to chained returns (fractions).
    """

    portfolio = models.ForeignKey("portfolios.Portfolio", on_delete=models.CASCADE, related_name="+")
    as_of_date = models.DateField()
    benchmark = models.CharField(max_length=32, default="SPY")
    first_date = models.DateField()
    observations = models.PositiveIntegerField(default=0, help_text="Finite daily returns used.")
    nav = models.FloatField()
    total_return = models.FloatField(null=True)
    annualized_return = models.FloatField(null=True)
    annualized_volatility = models.FloatField(null=True)
    sharpe_ratio = models.FloatField(null=True)
    sortino_ratio = models.FloatField(null=True)
    max_drawdown = models.FloatField(null=True, help_text="Negative fraction.")
    max_drawdown_start = models.DateField(null=True, help_text="Peak before the trough.")
    max_drawdown_end = models.DateField(null=True, help_text="Trough.")
    max_drawdown_recovery = models.DateField(
        null=True, help_text="First date back at the peak (null: not yet)."
    )
    calmar_ratio = models.FloatField(null=True)
    beta = models.FloatField(null=True)
    alpha = models.FloatField(null=True, help_text="Annualized (fraction).")
    returns = models.JSONField(default=dict)
    benchmark_returns = models.JSONField(default=dict)
    risk_free_rate = models.FloatField(
        null=True, help_text="Annual DGS3MO (decimal) of the last snapshot date, carried forward."
    )
    statistics_version = models.PositiveSmallIntegerField(
        default=0,
        help_text=(
            "1: holds every statistic of /performance for period all (read instead of recomputing); "
            "0: written before max_drawdown_recovery and risk_free_rate were stored."
        ),
    )
    calculated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "performance summaries"
        constraints = [
            models.UniqueConstraint(
                fields=["portfolio", "as_of_date"], name="perfsummary_unique_portfolio_date"
            )
        ]

    def __str__(self) -> str:
        return f"{self.portfolio_id} {self.as_of_date}"
