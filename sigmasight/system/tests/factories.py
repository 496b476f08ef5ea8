"""Factories for jobs and UI commands."""

from __future__ import annotations

import datetime as dt

import factory

from accounts.tests.factories import UserFactory
from sigmasight.system.models import Job, JobStatus, UICommand, UICommandAction


class JobFactory(factory.django.DjangoModelFactory):
    """A queued job owned by a user; traits ``running``, ``succeeded``, ``failed``."""

    class Meta:
        model = Job

    owner = factory.SubFactory(UserFactory)
    job_type = "report"
    status = JobStatus.QUEUED

    class Params:
        running = factory.Trait(
            status=JobStatus.RUNNING,
            progress_percent=40.0,
            started_at=factory.LazyFunction(lambda: dt.datetime.now(dt.UTC)),
        )
        succeeded = factory.Trait(
            status=JobStatus.SUCCEEDED,
            progress_percent=100.0,
            result={"rows": 3},
            started_at=factory.LazyFunction(lambda: dt.datetime.now(dt.UTC)),
            finished_at=factory.LazyFunction(lambda: dt.datetime.now(dt.UTC)),
        )
        failed = factory.Trait(
            status=JobStatus.FAILED,
            error="Provider unavailable.",
            started_at=factory.LazyFunction(lambda: dt.datetime.now(dt.UTC)),
            finished_at=factory.LazyFunction(lambda: dt.datetime.now(dt.UTC)),
        )


class UICommandFactory(factory.django.DjangoModelFactory):
    """A pending ``navigate`` command."""

    class Meta:
        model = UICommand

    owner = factory.SubFactory(UserFactory)
    action = UICommandAction.NAVIGATE
    target = factory.Sequence(lambda n: f"portfolio.view.{n}")
    params = factory.LazyFunction(dict)
