"""Market data: the security master, daily bars, macro series, factor definitions.

Prices are USD per share, stored as float64 (``FloatField``): they feed numpy directly. Macro series
values are decimals (FRED's percent / 100). Bars are keyed (symbol, date) and upserted, never duplicated.
"""

from __future__ import annotations

from django.db import models


class AssetType(models.TextChoices):
    STOCK = "stock"
    ETF = "etf"
    MUTUAL_FUND = "mutual_fund"
    INDEX = "index"
    OPTION = "option"


class Security(models.Model):
    """One known instrument (the universe a provider knows)."""

    symbol = models.CharField(max_length=32, unique=True)
    name = models.CharField(max_length=200, blank=True, default="")
    asset_type = models.CharField(max_length=16, choices=AssetType.choices, default=AssetType.STOCK)
    sector = models.CharField(max_length=100, blank=True, default="")
    industry = models.CharField(max_length=100, blank=True, default="")
    exchange = models.CharField(max_length=32, blank=True, default="")
    currency = models.CharField(max_length=3, default="USD")
    market_cap = models.FloatField(null=True, blank=True, help_text="USD")
    dividend_yield = models.FloatField(null=True, blank=True, help_text="Decimal per year (0.015 = 1.5%).")
    source = models.CharField(max_length=16, blank=True, default="")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["symbol"]
        verbose_name_plural = "securities"

    def __str__(self) -> str:
        return self.symbol


class PriceBar(models.Model):
    """A daily OHLCV bar. ``source`` is the provider (synthetic, fmp, polygon, csv) or ``model``."""

    symbol = models.CharField(max_length=32)
    date = models.DateField()
    open = models.FloatField()
    high = models.FloatField()
    low = models.FloatField()
    close = models.FloatField()
    adjusted_close = models.FloatField()
    volume = models.BigIntegerField(default=0)
    source = models.CharField(max_length=16)

    class Meta:
        ordering = ["symbol", "date"]
        constraints = [models.UniqueConstraint(fields=["symbol", "date"], name="pricebar_unique_symbol_date")]
        indexes = [models.Index(fields=["date"])]

    def __str__(self) -> str:
        return f"{self.symbol} {self.date} {self.close}"


class MacroSeries(models.Model):
    """A macro observation (DGS3MO, DGS10, ...), value in decimal."""

    series_id = models.CharField(max_length=32)
    date = models.DateField()
    value = models.FloatField()
    source = models.CharField(max_length=16)

    class Meta:
        ordering = ["series_id", "date"]
        verbose_name_plural = "macro series"
        constraints = [models.UniqueConstraint(fields=["series_id", "date"], name="macro_unique_series_date")]

    def __str__(self) -> str:
        return f"{self.series_id} {self.date} {self.value}"


class FactorKind(models.TextChoices):
    MARKET = "market"
    STYLE = "style"
    MACRO = "macro"


class FactorDefinition(models.Model):
    """A factor of the model and its one ETF proxy (data/factor_model.csv)."""

    name = models.CharField(max_length=64, unique=True)
    etf_symbol = models.CharField(max_length=16)
    kind = models.CharField(max_length=16, choices=FactorKind.choices)
    description = models.TextField(blank=True, default="")
    calculation_method = models.TextField(blank=True, default="")
    annual_volatility_approx = models.FloatField(null=True, blank=True)
    display_order = models.PositiveIntegerField(default=0)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["display_order", "name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.etf_symbol})"
