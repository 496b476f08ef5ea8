"""Engine 5 results: symbol and portfolio factor exposures, and the factors' correlation matrix.

Keyed by (symbol or portfolio, as_of_date[, factor]) and upserted, so rerunning a date replaces
rows. Exposures are USD; ``exposure`` ratios are fractions of NAV. Conventions: DESIGN.md.
"""

from __future__ import annotations

from django.db import models

__all__ = ["FactorCorrelation", "PortfolioFactorExposure", "SymbolFactorExposure"]


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
