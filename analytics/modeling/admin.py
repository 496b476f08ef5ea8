"""Staff console for modeling sessions: sessions with their trades and stored impacts (read-only)."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import admin
from django.utils.html import format_html

from analytics.admin.base import ReadOnlyAdmin
from analytics.modeling.impacts import session_impacts
from analytics.modeling.models import ModelingSession, ModelingTrade


class ModelingTradeInline(admin.TabularInline):
    model = ModelingTrade
    extra = 0
    can_delete = False
    fields = ["sequence", "symbol", "quantity", "price", "price_source", "action", "tag", "created_at"]
    readonly_fields = fields

    def has_add_permission(self, request: Any, obj: Any = None) -> bool:
        return False


@admin.register(ModelingSession)
class ModelingSessionAdmin(ReadOnlyAdmin):
    list_display = ["name", "portfolio", "owner", "status", "as_of_date", "calculated_at", "created_at"]
    list_filter = ["status", "as_of_date"]
    search_fields = ["name", "portfolio__name", "owner__email"]
    list_select_related = ["portfolio", "owner"]
    inlines = [ModelingTradeInline]
    exclude = ["results"]
    readonly_fields = ["impacts"]

    @admin.display(description="Impacts (before / after / change)")
    def impacts(self, session: ModelingSession) -> str:
        if not session.results:
            return "Not calculated."
        body = json.dumps(session_impacts(session.results), indent=1, default=str)
        return format_html("<pre style='max-height:40em;overflow:auto'>{}</pre>", body)


@admin.register(ModelingTrade)
class ModelingTradeAdmin(ReadOnlyAdmin):
    list_display = ["symbol", "session", "quantity", "price", "price_source", "tag", "created_at"]
    search_fields = ["symbol", "session__name", "tag"]
    list_select_related = ["session"]
