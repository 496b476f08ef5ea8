"""Staff console for the stored results of engines 2 to 6 (read-only): valuations, aggregates,
option Greeks, factor exposures and correlations."""

from __future__ import annotations

from django.contrib import admin

from analytics import models
from analytics.admin.base import ReadOnlyAdmin


@admin.register(models.PortfolioAggregate)
class PortfolioAggregateAdmin(ReadOnlyAdmin):
    list_display = ["portfolio", "as_of_date", "nav", "gross_exposure", "net_exposure", "position_count"]
    list_filter = ["as_of_date"]
    search_fields = ["portfolio__name"]
    list_select_related = ["portfolio"]


@admin.register(models.PositionValuation)
class PositionValuationAdmin(ReadOnlyAdmin):
    list_display = ["position", "as_of_date", "price", "market_value", "unrealized_pnl", "price_source"]
    list_filter = ["as_of_date", "price_source"]
    search_fields = ["position__symbol", "portfolio__name"]
    list_select_related = ["position"]


@admin.register(models.PositionGreeks)
class PositionGreeksAdmin(ReadOnlyAdmin):
    list_display = ["position", "as_of_date", "delta", "gamma", "theta", "vega", "delta_dollars"]
    list_filter = ["as_of_date", "volatility_source"]
    search_fields = ["position__symbol"]
    list_select_related = ["position"]


@admin.register(models.SymbolFactorExposure)
class SymbolFactorExposureAdmin(ReadOnlyAdmin):
    list_display = ["symbol", "as_of_date", "r_squared", "observations", "quality_flag"]
    list_filter = ["as_of_date", "quality_flag"]
    search_fields = ["symbol"]


@admin.register(models.PortfolioFactorExposure)
class PortfolioFactorExposureAdmin(ReadOnlyAdmin):
    list_display = ["portfolio", "as_of_date", "factor", "exposure_dollar", "exposure"]
    list_filter = ["as_of_date", "factor"]
    search_fields = ["portfolio__name"]


@admin.register(models.FactorCorrelation)
class FactorCorrelationAdmin(ReadOnlyAdmin):
    list_display = ["as_of_date", "lookback_days", "condition_number"]


@admin.register(models.CorrelationResult)
class CorrelationResultAdmin(ReadOnlyAdmin):
    list_display = ["portfolio", "as_of_date", "average_correlation", "effective_number_of_bets"]
    list_filter = ["as_of_date"]
    search_fields = ["portfolio__name"]
