"""Batch runs and the stored results of the batch engines.

Every result is keyed by (position or portfolio or symbol, as_of_date) and upserted, so rerunning a
date replaces rows and never duplicates them. Money is USD (float64 in engines, stored as float);
ratios are fractions unless the field name says ``percent``. Conventions: DESIGN.md.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models

from sigmasight.system.models import JobStatus


class BatchRun(models.Model):
    """One run of the pipeline for an as-of date over some or all portfolios."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    as_of_date = models.DateField(db_index=True)
    status = models.CharField(max_length=16, choices=JobStatus.choices, default=JobStatus.QUEUED)
    engines = models.JSONField(default=list, help_text="Engines run, in order.")
    portfolio_ids = models.JSONField(null=True, blank=True, help_text="Null = every portfolio.")
    job = models.ForeignKey(
        "jobs.Job", null=True, blank=True, on_delete=models.SET_NULL, related_name="batch_runs"
    )
    triggered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    trigger = models.CharField(max_length=32, default="manual", help_text="manual, schedule, api, onboarding")
    counts = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"batch {self.as_of_date} {self.status}"


class BatchStep(models.Model):
    """One engine's work in a run: globally (portfolio null) or for one portfolio."""

    run = models.ForeignKey(BatchRun, on_delete=models.CASCADE, related_name="steps")
    engine = models.CharField(max_length=32)
    portfolio = models.ForeignKey(
        "portfolios.Portfolio", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    status = models.CharField(max_length=16, choices=JobStatus.choices, default=JobStatus.QUEUED)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    duration_ms = models.FloatField(null=True, blank=True)
    counts = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True, default="")

    class Meta:
        ordering = ["run", "id"]
        indexes = [models.Index(fields=["run", "engine"])]

    def __str__(self) -> str:
        return f"{self.engine} {self.status}"


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


class PositionGreeks(models.Model):
    """Engine 4: Black-Scholes-Merton Greeks of an option position (conventions: DESIGN.md)."""

    position = models.ForeignKey("portfolios.Position", on_delete=models.CASCADE, related_name="greeks")
    portfolio = models.ForeignKey("portfolios.Portfolio", on_delete=models.CASCADE, related_name="+")
    as_of_date = models.DateField()
    underlying_price = models.FloatField(null=True)
    days_to_expiry = models.IntegerField()
    volatility = models.FloatField(null=True, help_text="Annualized decimal.")
    volatility_source = models.CharField(max_length=16, blank=True, default="")
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
        constraints = [
            models.UniqueConstraint(fields=["position", "as_of_date"], name="greeks_unique_position_date")
        ]
        indexes = [models.Index(fields=["portfolio", "as_of_date"])]

    def __str__(self) -> str:
        return f"{self.position_id} {self.as_of_date} delta {self.position_delta}"


class SymbolFactorExposure(models.Model):
    """Engine 5: one symbol's factor regression on a date, shared by every position holding it.

    ``betas``, ``t_stats``, ``p_values``: {factor name: value}; ``macro_betas``: sensitivities to
    Interest Rate (per 1.00 change of the 10y yield in decimal), Oil, International.
    """

    symbol = models.CharField(max_length=32)
    as_of_date = models.DateField()
    betas = models.JSONField(default=dict)
    t_stats = models.JSONField(default=dict)
    p_values = models.JSONField(default=dict)
    r_squared = models.FloatField(null=True)
    observations = models.PositiveIntegerField(default=0)
    residual_volatility = models.FloatField(null=True, help_text="Annualized.")
    capm_beta = models.FloatField(null=True)
    macro_betas = models.JSONField(default=dict)
    macro_t_stats = models.JSONField(default=dict)
    macro_p_values = models.JSONField(default=dict)
    quality_flag = models.CharField(max_length=32, default="ok")
    calculated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["symbol", "as_of_date"], name="symfactor_unique_symbol_date")
        ]

    def __str__(self) -> str:
        return f"{self.symbol} {self.as_of_date} ({self.quality_flag})"


class PortfolioFactorExposure(models.Model):
    """Engine 5: a portfolio's dollar exposure to one factor (sum of delta-adjusted exposure x beta).

    ``kind``: ``model`` (the 7 factors of the style model), ``capm`` (factor "CAPM": univariate beta
    vs SPY) or ``macro`` (Interest Rate, Oil, International, fitted on the style-model residuals).
    Readers wanting the 7-factor model filter ``kind="model"``. ``t_stat``, ``p_value``,
    ``r_squared``, ``observations`` come from the same regression run on the portfolio's
    hypothetical daily dollar P&L (today's delta-adjusted exposures x past returns of the covered
    symbols); ``coverage`` = covered sum |e| / sum |e|.
    """

    portfolio = models.ForeignKey("portfolios.Portfolio", on_delete=models.CASCADE, related_name="+")
    as_of_date = models.DateField()
    factor = models.CharField(max_length=64)
    kind = models.CharField(max_length=16, default="model")
    exposure_dollar = models.FloatField(null=True)
    exposure = models.FloatField(null=True, help_text="exposure_dollar / NAV (fraction).")
    t_stat = models.FloatField(null=True)
    p_value = models.FloatField(null=True)
    r_squared = models.FloatField(null=True)
    observations = models.PositiveIntegerField(default=0)
    coverage = models.FloatField(null=True, help_text="Covered share of sum |delta-adjusted exposure|.")
    calculated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["portfolio", "as_of_date", "factor"], name="pfactor_unique_portfolio_date_factor"
            )
        ]

    def __str__(self) -> str:
        return f"{self.portfolio_id} {self.as_of_date} {self.factor}"


class FactorCorrelation(models.Model):
    """The factor regressors' correlation matrix over a window, with its condition number."""

    as_of_date = models.DateField()
    lookback_days = models.PositiveIntegerField()
    factors = models.JSONField(default=list)
    matrix = models.JSONField(default=list)
    condition_number = models.FloatField(null=True)
    warnings = models.JSONField(default=list)
    observations = models.PositiveIntegerField(default=0)
    calculated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["as_of_date", "lookback_days"], name="factorcorr_unique_date_window"
            )
        ]

    def __str__(self) -> str:
        return f"factor correlations {self.as_of_date} ({self.lookback_days}d)"


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


from analytics.models_risk import *  # noqa
from analytics.models_performance import *  # noqa
from analytics.models_alerts import *  # noqa
