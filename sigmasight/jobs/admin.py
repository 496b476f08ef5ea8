"""Read-only admin for jobs (they are written by the workers, never by hand)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from sigmasight.jobs.models import Job


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    """Browse async work: filter by status and type, search by id, type or owner."""

    list_display = ("id", "job_type", "status", "progress_percent", "owner", "created_at", "finished_at")
    list_filter = ("status", "job_type", "cancel_requested")
    search_fields = ("=id", "job_type", "owner__email", "error")
    date_hierarchy = "created_at"
    list_select_related = ("owner",)
    readonly_fields = [field.name for field in Job._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
