"""Admin of the exports app: the export history here; reports and schedules in
:mod:`exports.admin_reports`."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from exports import admin_reports  # noqa: F401 - registers the report and schedule admins
from exports.models import ExportRecord

# --- Export history (helper "exportfiles") ---------------------------------------------------------


@admin.register(ExportRecord)
class ExportRecordAdmin(admin.ModelAdmin):
    """The export history, read-only (written by the downloads): filter by kind, format and date,
    search by filename, owner or portfolio."""

    list_display = ("created_at", "owner", "kind", "format", "filename", "size_bytes", "portfolio")
    list_filter = ("kind", "format", ("created_at", admin.DateFieldListFilter))
    search_fields = ("=id", "filename", "owner__email", "portfolio__name")
    date_hierarchy = "created_at"
    list_select_related = ("owner", "portfolio")
    readonly_fields = [field.name for field in ExportRecord._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


# --- end of export history --------------------------------------------------------------------------
