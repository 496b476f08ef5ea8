"""Factories of reports and report schedules (rows only: no file, no periodic task)."""

from __future__ import annotations

import datetime as dt

import factory

from accounts.tests.factories import UserFactory
from exports.models import Report, ReportSchedule
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
