"""The seam onboarding -> first batch (portfolios.onboarding.batch): the Job is created in the
import's transaction, the analytics task is sent by name only after commit, and a task that cannot
be sent leaves the import standing with the Job failed."""

from __future__ import annotations

from pathlib import Path

import pytest
from celery.result import EagerResult
from django.db import transaction
from kombu.exceptions import OperationalError

from analytics.models import BatchRun
from portfolios.models import OnboardingStatus, Portfolio, Position
from portfolios.onboarding import batch, services
from portfolios.onboarding.imports import portfolio_import
from portfolios.tests.onboarding_factories import OnboardingUploadFactory
from sigmasight.system.models import Job, JobStatus

README = (Path(__file__).parent.parent / "csv_corpus" / "readme_example.csv").read_bytes()


@pytest.fixture
def sent(monkeypatch):  # type: ignore[no-untyped-def]
    """The results of the batch task sends (the real signature by name, observed)."""
    results: list = []
    real = batch.batch_signature

    class Observed:
        def __init__(self, kwargs):  # type: ignore[no-untyped-def]
            self.signature = real(kwargs)

        def apply_async(self):  # type: ignore[no-untyped-def]
            results.append(self.signature.apply_async())
            return results[-1]

    monkeypatch.setattr(batch, "batch_signature", Observed)
    return results


@pytest.mark.django_db
class TestCompleteQueuesTheBatchAfterCommit:
    def test_inside_a_transaction_nothing_runs_before_the_commit(
        self, user, sent, django_capture_on_commit_callbacks
    ):
        upload = OnboardingUploadFactory(owner=user)

        with django_capture_on_commit_callbacks() as callbacks:
            with transaction.atomic():
                upload = services.upload_complete(user=user, upload_id=upload.pk)
                # then: the Job is there, queued and the user's; the task was not sent
                job = Job.objects.get(pk=upload.batch_job_id)
                assert (job.job_type, job.status, job.owner_id) == ("batch", JobStatus.QUEUED, user.pk)
                assert upload.batch_note == "queued"
            assert sent == [] and not BatchRun.objects.exists()

        assert len(callbacks) == 1 and sent == [] and not BatchRun.objects.exists()

    def test_after_the_commit_the_eager_task_records_the_run_on_that_job(
        self, user, sent, django_capture_on_commit_callbacks
    ):
        upload = OnboardingUploadFactory(owner=user)
        with django_capture_on_commit_callbacks() as callbacks:
            upload = services.upload_complete(user=user, upload_id=upload.pk)

        for callback in callbacks:  # the commit
            callback()

        (result,) = sent
        assert isinstance(result, EagerResult) and result.successful()
        assert result.get() == str(upload.batch_job_id)  # the task returns the Job it was given
        run = BatchRun.objects.get()
        assert run.job_id == upload.batch_job_id and run.trigger == "onboarding"
        assert run.portfolio_ids == [str(upload.portfolio_id)] and run.triggered_by_id == user.pk
        assert Job.objects.count() == 1  # no second Job
        assert Job.objects.get().params["portfolio_ids"] == [str(upload.portfolio_id)]

    def test_the_eager_task_runs_the_batch_to_the_end(self, user, django_capture_on_commit_callbacks):
        upload = OnboardingUploadFactory(owner=user)

        with django_capture_on_commit_callbacks(execute=True):
            upload = services.upload_complete(user=user, upload_id=upload.pk)

        run = BatchRun.objects.get(job_id=upload.batch_job_id)
        assert run.status in (JobStatus.SUCCEEDED, JobStatus.PARTIAL, JobStatus.FAILED)
        assert Job.objects.get(pk=upload.batch_job_id).is_terminal

    def test_a_rolled_back_complete_sends_nothing_and_leaves_no_job(
        self, user, sent, django_capture_on_commit_callbacks
    ):
        upload = OnboardingUploadFactory(owner=user)

        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            with pytest.raises(RuntimeError), transaction.atomic():
                services.upload_complete(user=user, upload_id=upload.pk)
                raise RuntimeError("the caller's transaction fails later")

        assert callbacks == [] and sent == []
        assert not Job.objects.exists() and not Portfolio.objects.exists()

    def test_without_a_broker_the_import_stands_and_the_job_fails(
        self, user, monkeypatch, django_capture_on_commit_callbacks
    ):
        class NoBroker:
            def apply_async(self):  # type: ignore[no-untyped-def]
                raise OperationalError("[Errno 111] Connection refused")

        monkeypatch.setattr(batch, "batch_signature", lambda kwargs: NoBroker())
        upload = OnboardingUploadFactory(owner=user)

        with django_capture_on_commit_callbacks(execute=True):
            upload = services.upload_complete(user=user, upload_id=upload.pk)
        job_id = upload.batch_job_id
        upload.refresh_from_db()

        assert upload.status == OnboardingStatus.COMPLETED
        assert Position.objects.filter(portfolio=upload.portfolio).count() == 1
        job = Job.objects.get(pk=job_id)
        assert job.status == JobStatus.FAILED
        assert "could not be queued" in job.error and "Connection refused" in job.error
        assert upload.batch_job_id is None and upload.batch_note == "batch not queued: OperationalError"


@pytest.mark.django_db
class TestOneShotImport:
    def test_the_batch_job_is_created_with_the_import_and_used_by_the_run(
        self, user, sent, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks() as callbacks:
            outcome = portfolio_import(owner=user, data=README, name="One shot")
        assert outcome.batch_note == "queued" and not BatchRun.objects.exists()

        for callback in callbacks:
            callback()

        assert sent[0].get() == str(outcome.batch_job_id)
        assert BatchRun.objects.get().job_id == outcome.batch_job_id

    def test_an_invalid_file_creates_no_job(self, user):
        from sigmasight.api.exceptions import ApplicationError

        with pytest.raises(ApplicationError):
            portfolio_import(
                owner=user, data=b"ticker,quantity,entry_price,entry_date\nAAPL,0,1,2025-01-02\n", name="x"
            )

        assert not Job.objects.exists()
