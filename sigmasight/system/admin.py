"""Read-only admin for jobs (written by the workers, never by hand) and the agent-UI commands; the
schedules of celery-beat (the nightly batch) re-registered with the console's (unfold) styling."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django_celery_beat import admin as beat_admin
from django_celery_beat.models import (
    ClockedSchedule,
    CrontabSchedule,
    IntervalSchedule,
    PeriodicTask,
    SolarSchedule,
)
from unfold.admin import ModelAdmin

from sigmasight.system.models import Job, UICommand


class ReadOnlyAdmin(ModelAdmin):
    """Viewable, searchable and deletable, never added or edited by hand."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Job)
class JobAdmin(ReadOnlyAdmin):
    """Browse async work: filter by status and type, search by id, type or owner."""

    list_display = ("id", "job_type", "status", "progress_percent", "owner", "created_at", "finished_at")
    list_filter = ("status", "job_type", "cancel_requested")
    search_fields = ("=id", "job_type", "owner__email", "error")
    date_hierarchy = "created_at"
    list_select_related = ("owner",)
    readonly_fields = [field.name for field in Job._meta.fields]


@admin.register(UICommand)
class UICommandAdmin(ReadOnlyAdmin):
    """Read-only log of the UI commands agents recorded."""

    list_display = ("created_at", "owner", "action", "target", "delivered_at")
    list_filter = ("action", ("delivered_at", admin.EmptyFieldListFilter))
    search_fields = ("owner__email", "target")
    date_hierarchy = "created_at"
    list_select_related = ("owner",)
    readonly_fields = ("id", "owner", "action", "target", "params", "created_at", "delivered_at")


# django-celery-beat registers its admins with Django's plain ModelAdmin: the same admins, styled.
for _model in (PeriodicTask, IntervalSchedule, CrontabSchedule, SolarSchedule, ClockedSchedule):
    if admin.site.is_registered(_model):
        admin.site.unregister(_model)


@admin.register(PeriodicTask)
class PeriodicTaskAdmin(beat_admin.PeriodicTaskAdmin, ModelAdmin):
    """The nightly batch entry and any other schedule (DatabaseScheduler)."""


@admin.register(CrontabSchedule)
class CrontabScheduleAdmin(beat_admin.CrontabScheduleAdmin, ModelAdmin):
    pass


@admin.register(IntervalSchedule)
class IntervalScheduleAdmin(beat_admin.IntervalScheduleAdmin, ModelAdmin):
    pass


@admin.register(SolarSchedule)
class SolarScheduleAdmin(beat_admin.SolarScheduleAdmin, ModelAdmin):
    pass


@admin.register(ClockedSchedule)
class ClockedScheduleAdmin(beat_admin.ClockedScheduleAdmin, ModelAdmin):
    pass
