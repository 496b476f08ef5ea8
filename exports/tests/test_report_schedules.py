"""/export/reports/schedule(s): the periodic task and its crontab, validation, next run, deletion,
ownership, and the run of a schedule whose portfolio was deleted."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django_celery_beat.models import CrontabSchedule, PeriodicTask

from exports.models import Report, ReportSchedule
from exports.reports.schedules import next_run_at, schedule_create
from exports.tasks import report_schedule_run_task
from exports.tests.report_factories import ReportScheduleFactory
from portfolios.tests.factories import PortfolioFactory
from sigmasight.tests.envelope import assert_error, assert_timestamp

pytestmark = pytest.mark.django_db

API = "/api/v1/export/reports"
UTC = dt.UTC


@pytest.fixture
def portfolio(user):  # type: ignore[no-untyped-def]
    return PortfolioFactory(owner=user)


def body(portfolio, **changes):  # type: ignore[no-untyped-def]
    return {
        "portfolio_id": str(portfolio.id),
        "template": "risk_summary",
        "format": "pdf",
        "frequency": "daily",
        "time": "06:30",
        **changes,
    }


@pytest.mark.parametrize(
    ("changes", "cron"),
    [
        ({}, ("30", "6", "*", "*")),
        ({"frequency": "weekly", "day_of_week": 0, "time": "07:05"}, ("5", "7", "1", "*")),  # Monday = cron 1
        (
            {"frequency": "weekly", "day_of_week": 6, "time": "23:59"},
            ("59", "23", "0", "*"),
        ),  # Sunday = cron 0
        ({"frequency": "monthly", "day_of_month": 28, "time": "00:00"}, ("0", "0", "*", "28")),
    ],
)
def test_create_makes_a_periodic_task_on_a_utc_crontab(auth_client, portfolio, changes, cron):
    response = auth_client.post(f"{API}/schedule", body(portfolio, **changes), format="json")

    assert response.status_code == 201, response.content
    created = response.json()
    assert set(created) >= {
        "id", "portfolio_id", "template", "format", "frequency", "day_of_week", "day_of_month", "time", "enabled",
        "next_run_at", "created_at",
    }  # fmt: skip
    assert created["enabled"] is True and created["portfolio_id"] == str(portfolio.id)
    assert created["time"] == changes.get("time", "06:30")
    assert_timestamp(created["next_run_at"])
    assert_timestamp(created["created_at"])
    schedule = ReportSchedule.objects.get(pk=created["id"])
    task = schedule.periodic_task
    assert task.task == "exports.report_schedule_run" and task.enabled
    assert json.loads(task.kwargs) == {"schedule_id": created["id"]}
    crontab = task.crontab
    assert (
        crontab.minute,
        crontab.hour,
        crontab.day_of_week,
        crontab.day_of_month,
        crontab.month_of_year,
    ) == (*cron, "*")
    assert str(crontab.timezone) == "UTC"


def test_next_run_at_is_the_next_firing_of_the_crontab(user, portfolio):
    now = dt.datetime(2026, 11, 25, 12, 0, tzinfo=UTC)  # a Wednesday
    make = lambda **kw: ReportSchedule(owner=user, portfolio=portfolio, template="full", format="pdf", **kw)  # noqa: E731

    assert next_run_at(make(frequency="daily", time=dt.time(12, 30)), now=now) == dt.datetime(
        2026, 11, 25, 12, 30, tzinfo=UTC
    )
    assert next_run_at(make(frequency="daily", time=dt.time(12, 0)), now=now) == dt.datetime(
        2026, 11, 26, 12, 0, tzinfo=UTC
    )
    assert next_run_at(make(frequency="weekly", day_of_week=0, time=dt.time(6)), now=now) == dt.datetime(
        2026, 11, 30, 6, tzinfo=UTC
    )
    assert next_run_at(make(frequency="weekly", day_of_week=2, time=dt.time(13)), now=now) == dt.datetime(
        2026, 11, 25, 13, tzinfo=UTC
    )
    assert next_run_at(make(frequency="monthly", day_of_month=1, time=dt.time(6)), now=now) == dt.datetime(
        2026, 12, 1, 6, tzinfo=UTC
    )
    assert next_run_at(make(frequency="monthly", day_of_month=25, time=dt.time(6)), now=now) == dt.datetime(
        2026, 12, 25, 6, tzinfo=UTC
    )
    assert next_run_at(make(frequency="daily", time=dt.time(6), enabled=False), now=now) is None


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"frequency": "hourly"}, "frequency"),
        ({"frequency": "weekly"}, "day_of_week"),
        ({"frequency": "weekly", "day_of_week": 7}, "day_of_week"),
        ({"frequency": "daily", "day_of_week": 1}, "day_of_week"),
        ({"frequency": "monthly"}, "day_of_month"),
        ({"frequency": "monthly", "day_of_month": 29}, "day_of_month"),
        ({"frequency": "weekly", "day_of_week": 1, "day_of_month": 3}, "day_of_month"),
        ({"time": "25:00"}, "time"),
        ({"time": "6am"}, "time"),
        ({"template": "nope"}, "template"),
        ({"format": "xlsx"}, "format"),
    ],
)
def test_a_bad_schedule_is_400_naming_the_field(auth_client, portfolio, changes, field):
    response = auth_client.post(f"{API}/schedule", body(portfolio, **changes), format="json")

    error = assert_error(response, 400, "VALIDATION_ERROR")
    assert field in error["details"], error
    assert (
        not ReportSchedule.objects.exists()
        and not PeriodicTask.objects.filter(task="exports.report_schedule_run").exists()
    )


def test_another_users_portfolio_cannot_be_scheduled(auth_client, other_user):
    response = auth_client.post(f"{API}/schedule", body(PortfolioFactory(owner=other_user)), format="json")

    assert_error(response, 404, "NOT_FOUND")


def test_list_is_paginated_and_scoped_to_the_owner(auth_client, user, other_user, portfolio):
    mine = [ReportScheduleFactory(owner=user, portfolio=portfolio) for _ in range(3)]
    ReportScheduleFactory(owner=other_user)

    page = auth_client.get(f"{API}/schedules?limit=2").json()

    assert page["count"] == 3 and len(page["results"]) == 2 and page["next"]
    assert {s["id"] for s in auth_client.get(f"{API}/schedules").json()["results"]} == {
        str(s.id) for s in mine
    }
    assert (
        auth_client.get(f"{API}/schedules?portfolio_id={PortfolioFactory(owner=user).id}").json()["count"]
        == 0
    )
    assert_error(auth_client.get(f"{API}/schedules?color=red"), 400, "VALIDATION_ERROR")


def test_delete_removes_the_schedule_and_its_periodic_task(auth_client, portfolio):
    created = auth_client.post(f"{API}/schedule", body(portfolio), format="json").json()
    task_id = ReportSchedule.objects.get(pk=created["id"]).periodic_task_id

    assert auth_client.get(f"{API}/schedules/{created['id']}").json()["id"] == created["id"]
    response = auth_client.delete(f"{API}/schedules/{created['id']}")

    assert response.status_code == 204
    assert not ReportSchedule.objects.filter(pk=created["id"]).exists()
    assert not PeriodicTask.objects.filter(pk=task_id).exists()
    assert not CrontabSchedule.objects.filter(minute="30", hour="6", periodictask__isnull=False).exists()
    assert_error(auth_client.get(f"{API}/schedules/{created['id']}"), 404, "NOT_FOUND")


def test_another_users_schedule_is_404_and_stays(auth_client, other_user):
    theirs = schedule_create(
        user=other_user, portfolio=PortfolioFactory(owner=other_user), template="full", format="pdf",
        frequency="daily", time=dt.time(6),
    )  # fmt: skip

    assert_error(auth_client.get(f"{API}/schedules/{theirs.id}"), 404, "NOT_FOUND")
    assert_error(auth_client.delete(f"{API}/schedules/{theirs.id}"), 404, "NOT_FOUND")
    assert (
        ReportSchedule.objects.filter(pk=theirs.id).exists()
        and PeriodicTask.objects.filter(pk=theirs.periodic_task_id).exists()
    )


def test_a_schedule_whose_portfolio_was_deleted_disables_itself(user, portfolio):
    schedule = schedule_create(
        user=user, portfolio=portfolio, template="full", format="pdf", frequency="daily", time=dt.time(6)
    )
    portfolio.delete()

    assert report_schedule_run_task.delay(str(schedule.id)).get() is None

    schedule.refresh_from_db()
    assert schedule.portfolio is None and schedule.enabled is False
    assert PeriodicTask.objects.get(pk=schedule.periodic_task_id).enabled is False
    assert next_run_at(schedule) is None
    assert not Report.objects.exists()
    assert report_schedule_run_task.delay(str(schedule.id)).get() is None  # a second call is a no-op


def test_an_unknown_schedule_id_runs_nothing():
    assert report_schedule_run_task.delay("3f2504e0-4f89-11d3-9a0c-0305e82c3301").get() is None
