"""Admin for the security master, price bars, macro series and factor definitions.

Bars and macro observations come from providers (read-only here); securities and factor
definitions are reference data staff may correct.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from unfold.admin import ModelAdmin

from marketdata.models import FactorDefinition, MacroSeries, PriceBar, Security


class ReadOnlyAdmin(ModelAdmin):
    """No add, change or delete: the data is owned by the sync services."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Security)
class SecurityAdmin(ModelAdmin):
    """The known universe: search by symbol or name, filter by asset type, sector, exchange."""

    list_display = ("symbol", "name", "asset_type", "sector", "industry", "exchange", "source", "updated_at")
    list_filter = ("asset_type", "sector", "exchange", "source")
    search_fields = ("symbol", "name", "industry")
    ordering = ("symbol",)


@admin.register(PriceBar)
class PriceBarAdmin(ReadOnlyAdmin):
    """Daily bars: search by symbol (exact or prefix), browse by date."""

    list_display = ("symbol", "date", "open", "high", "low", "close", "adjusted_close", "volume", "source")
    list_filter = ("source",)
    search_fields = ("^symbol",)
    date_hierarchy = "date"
    show_full_result_count = False  # counting millions of bars on every page is slow
    readonly_fields = [field.name for field in PriceBar._meta.fields]


@admin.register(MacroSeries)
class MacroSeriesAdmin(ReadOnlyAdmin):
    """Macro observations (decimal values), by series and date."""

    list_display = ("series_id", "date", "value", "source")
    list_filter = ("series_id", "source")
    search_fields = ("^series_id",)
    date_hierarchy = "date"
    readonly_fields = [field.name for field in MacroSeries._meta.fields]


@admin.register(FactorDefinition)
class FactorDefinitionAdmin(ModelAdmin):
    """The factor model's factors and ETF proxies (editable)."""

    list_display = ("name", "etf_symbol", "kind", "display_order", "is_active")
    list_editable = ("display_order", "is_active")
    list_filter = ("kind", "is_active")
    search_fields = ("name", "etf_symbol")
    ordering = ("display_order", "name")
