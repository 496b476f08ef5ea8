"""/system/jobs: job state, result and cancellation, scoped to the owner (staff see all)."""

from __future__ import annotations

import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from sigmasight.system.models import Job, JobStatus
from sigmasight.system.tests.factories import JobFactory
from sigmasight.tests.envelope import assert_error, assert_timestamp

JOB_FIELDS = {
    "job_id",
    "type",
    "status",
    "progress_percent",
    "created_at",
    "started_at",
    "finished_at",
    "error",
    "errors",
    "cancel_requested",
}


def _url(job: Job, suffix: str = "") -> str:
    return f"/api/v1/system/jobs/{job.id}{suffix}"


@pytest.mark.django_db
class TestJobDetail:
    def test_returns_the_job(self, auth_client, user):
        job = JobFactory(owner=user, running=True)

        response = auth_client.get(_url(job))

        assert response.status_code == 200
        body = response.json()
        assert set(body) == JOB_FIELDS
        assert body["job_id"] == str(job.id)
        assert body["type"] == "report"
        assert body["status"] == "running"
        assert body["progress_percent"] == 40.0
        assert body["error"] is None
        assert body["finished_at"] is None
        assert_timestamp(body["created_at"])
        assert_timestamp(body["started_at"])

    def test_failed_job_carries_its_error(self, auth_client, user):
        job = JobFactory(owner=user, failed=True)

        body = auth_client.get(_url(job) + "/").json()

        assert body["status"] == "failed"
        assert body["error"] == "Provider unavailable."
        assert_timestamp(body["finished_at"])

    def test_someone_elses_job_is_404(self, auth_client, other_user):
        job = JobFactory(owner=other_user)

        error = assert_error(auth_client.get(_url(job)), 404, "NOT_FOUND")

        assert str(job.id) not in str(error)

    def test_system_job_is_hidden_from_users(self, auth_client):
        assert_error(auth_client.get(_url(JobFactory(owner=None))), 404, "NOT_FOUND")

    def test_staff_see_every_job(self, client_for, staff_user, other_user):
        for job in (JobFactory(owner=other_user), JobFactory(owner=None)):
            assert client_for(staff_user).get(_url(job)).status_code == 200

    def test_unknown_and_malformed_ids_are_404(self, auth_client):
        assert_error(auth_client.get(f"/api/v1/system/jobs/{uuid.uuid4()}"), 404, "NOT_FOUND")
        assert_error(auth_client.get("/api/v1/system/jobs/not-a-uuid"), 404, "NOT_FOUND")

    def test_requires_authentication(self, api_client, user):
        assert_error(api_client.get(_url(JobFactory(owner=user))), 401, "NOT_AUTHENTICATED")


@pytest.mark.django_db
class TestJobList:
    def test_lists_own_jobs_newest_first(self, auth_client, user, other_user):
        older, newer = JobFactory(owner=user), JobFactory(owner=user)
        JobFactory(owner=other_user)

        body = auth_client.get("/api/v1/system/jobs").json()

        assert body["count"] == 2
        assert [j["job_id"] for j in body["results"]] == [str(newer.id), str(older.id)]

    def test_filters_by_status_and_type(self, auth_client, user):
        JobFactory(owner=user)
        done = JobFactory(owner=user, succeeded=True, job_type="import")

        assert [
            j["job_id"]
            for j in auth_client.get("/api/v1/system/jobs", {"status": "succeeded"}).json()["results"]
        ] == [str(done.id)]
        assert auth_client.get("/api/v1/system/jobs", {"type": "import"}).json()["count"] == 1

    def test_unknown_status_is_400(self, auth_client):
        error = assert_error(
            auth_client.get("/api/v1/system/jobs", {"status": "done"}), 400, "VALIDATION_ERROR"
        )

        assert "status" in error["details"]

    def test_query_count_does_not_grow_with_jobs(self, auth_client, user):
        JobFactory.create_batch(3, owner=user)
        with CaptureQueriesContext(connection) as few:
            auth_client.get("/api/v1/system/jobs")
        JobFactory.create_batch(20, owner=user)
        with CaptureQueriesContext(connection) as many:
            auth_client.get("/api/v1/system/jobs")

        assert len(many) == len(few) <= 4


@pytest.mark.django_db
class TestJobResult:
    def test_finished_job_returns_its_result(self, auth_client, user):
        job = JobFactory(owner=user, succeeded=True)

        response = auth_client.get(_url(job, "/result"))

        assert response.status_code == 200
        assert response.json() == {
            "job_id": str(job.id),
            "status": "succeeded",
            "result": {"rows": 3},
            "error": None,
        }

    def test_failed_job_returns_null_result_and_error(self, auth_client, user):
        job = JobFactory(owner=user, failed=True)

        body = auth_client.get(_url(job, "/result")).json()

        assert body == {
            "job_id": str(job.id),
            "status": "failed",
            "result": None,
            "error": "Provider unavailable.",
        }

    @pytest.mark.parametrize("trait", ["queued", "running"])
    def test_unfinished_job_is_409(self, auth_client, user, trait):
        job = JobFactory(owner=user, running=trait == "running")

        error = assert_error(auth_client.get(_url(job, "/result")), 409, "CONFLICT")

        assert error["details"] == {"status": [trait]}

    def test_someone_elses_job_is_404(self, auth_client, other_user):
        assert_error(auth_client.get(_url(JobFactory(owner=other_user, succeeded=True), "/result")), 404)


@pytest.mark.django_db
class TestJobCancel:
    def test_queued_job_is_cancelled_at_once(self, auth_client, user):
        job = JobFactory(owner=user)

        response = auth_client.post(_url(job, "/cancel"))

        assert response.status_code == 200
        body = response.json()
        assert set(body) == JOB_FIELDS
        assert body["status"] == "cancelled"
        assert body["cancel_requested"] is True
        assert_timestamp(body["finished_at"])
        job.refresh_from_db()
        assert job.status == JobStatus.CANCELLED

    def test_running_job_is_asked_to_stop(self, auth_client, user):
        job = JobFactory(owner=user, running=True)

        body = auth_client.post(_url(job, "/cancel/")).json()

        assert body["status"] == "running"
        assert body["cancel_requested"] is True
        assert body["finished_at"] is None

    @pytest.mark.parametrize("trait", ["succeeded", "failed"])
    def test_finished_job_is_409(self, auth_client, user, trait):
        job = JobFactory(owner=user, **{trait: True})

        assert_error(auth_client.post(_url(job, "/cancel")), 409, "CONFLICT")
        job.refresh_from_db()
        assert job.status == trait

    def test_cancelling_twice_is_409(self, auth_client, user):
        job = JobFactory(owner=user)
        auth_client.post(_url(job, "/cancel"))

        assert_error(auth_client.post(_url(job, "/cancel")), 409, "CONFLICT")

    def test_someone_elses_job_is_404_and_untouched(self, auth_client, other_user):
        job = JobFactory(owner=other_user)

        assert_error(auth_client.post(_url(job, "/cancel")), 404, "NOT_FOUND")
        job.refresh_from_db()
        assert job.status == JobStatus.QUEUED
        assert job.cancel_requested is False

    def test_get_is_405(self, auth_client, user):
        assert_error(auth_client.get(_url(JobFactory(owner=user), "/cancel")), 405)
