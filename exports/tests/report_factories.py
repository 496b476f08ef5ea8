"""Factories of reports and report schedules (rows only: no file, no periodic task)."""

from __future__ import annotations

import datetime as dt

import factory

from accounts.tests.factories import UserFactory
from exports.models import ExportRecord, Report, ReportSchedule
from portfolios.tests.factories import PortfolioFactory


class ReportFactory(factory.django.DjangoModelFactory):
    """A queued full PDF report of a new portfolio of its owner."""

    class Meta:
        model = Report

    owner = factory.SubFactory(UserFactory)
    portfolio = factory.SubFactory(PortfolioFactory, owner=factory.SelfAttribute("..owner"))
    portfolio_name = factory.SelfAttribute("portfolio.name")
    template = "full"
    format = "pdf"


class ReportScheduleFactory(factory.django.DjangoModelFactory):
    """A daily 06:00 UTC full PDF schedule of a new portfolio of its owner."""

    class Meta:
        model = ReportSchedule

    owner = factory.SubFactory(UserFactory)
    portfolio = factory.SubFactory(PortfolioFactory, owner=factory.SelfAttribute("..owner"))
    portfolio_name = factory.SelfAttribute("portfolio.name")
    template = "full"
    format = "pdf"
    frequency = "daily"
    time = dt.time(6, 0)


class ReportExportRecordFactory(factory.django.DjangoModelFactory):
    """The history row of a stored report (kind ``report``)."""

    class Meta:
        model = ExportRecord

    owner = factory.SubFactory(UserFactory)
    report = factory.SubFactory(ReportFactory, owner=factory.SelfAttribute("..owner"))
    portfolio = factory.SelfAttribute("report.portfolio")
    kind = "report"
    format = factory.SelfAttribute("report.format")
    filename = factory.LazyAttribute(lambda o: f"report-{o.report.id}.{o.format}")
    size_bytes = 1024
