"""/export/reports without batch results: validation, ownership, failures, download states."""

from __future__ import annotations

import pytest

from exports.models import ExportRecord, Report, ReportStatus
from exports.tests.report_factories import ReportFactory
from portfolios.tests.factories import PortfolioFactory
from sigmasight.system.models import Job
from sigmasight.tests.envelope import assert_error, assert_timestamp

pytestmark = pytest.mark.django_db

API = "/api/v1/export/reports"


@pytest.fixture
def portfolio(user):  # type: ignore[no-untyped-def]
    return PortfolioFactory(owner=user, with_positions=True)


def post_generate(client, body, capture):  # type: ignore[no-untyped-def]
    with capture(execute=True):
        return client.post(f"{API}/generate", body, format="json")


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"template": "weekly_letter"}, "template"),
        ({"format": "docx"}, "format"),
        ({"portfolio_id": "not-a-uuid"}, "portfolio_id"),
        ({"portfolio_id": None}, "portfolio_id"),
    ],
)
def test_a_bad_body_is_400_naming_the_field(
    auth_client, portfolio, change, field, django_capture_on_commit_callbacks
):
    body = {"portfolio_id": str(portfolio.id), "template": "full", "format": "pdf", **change}

    response = post_generate(auth_client, body, django_capture_on_commit_callbacks)

    error = assert_error(response, 400, "VALIDATION_ERROR")
    assert field in error["details"]
    assert not Report.objects.exists()


def test_another_users_portfolio_is_404(auth_client, other_user, django_capture_on_commit_callbacks):
    theirs = PortfolioFactory(owner=other_user)

    response = post_generate(
        auth_client,
        {"portfolio_id": str(theirs.id), "template": "full", "format": "pdf"},
        django_capture_on_commit_callbacks,
    )

    assert_error(response, 404, "NOT_FOUND")
    assert not Report.objects.exists() and not Job.objects.exists()


@pytest.mark.parametrize("fmt", ["pdf", "json"])
def test_no_batch_results_fails_the_job_with_the_422_message_and_writes_no_file(
    auth_client, portfolio, fmt, django_capture_on_commit_callbacks
):
    response = post_generate(
        auth_client,
        {"portfolio_id": str(portfolio.id), "template": "full", "format": fmt},
        django_capture_on_commit_callbacks,
    )

    assert response.status_code == 202, response.content
    accepted = response.json()
    assert accepted["status"] == "queued"
    job = auth_client.get(accepted["poll_url"]).json()
    assert job["status"] == "failed"
    api_error = assert_error(auth_client.get(f"/api/v1/analytics/portfolio/{portfolio.id}/overview"), 422)
    assert job["error"] == f"INSUFFICIENT_DATA: {api_error['message']}"
    report = Report.objects.get(pk=accepted["report_id"])
    assert report.status == ReportStatus.FAILED and not report.file and report.size_bytes is None
    assert report.error == job["error"]
    assert not ExportRecord.objects.exists()
    body = auth_client.get(f"{API}/{report.id}").json()
    assert body["status"] == "failed" and body["download_url"] is None and body["error"] == job["error"]
    assert_error(auth_client.get(f"{API}/{report.id}/download"), 409, "CONFLICT")


@pytest.mark.parametrize("state", [ReportStatus.QUEUED, ReportStatus.RUNNING])
def test_download_is_409_while_the_report_is_not_ready(auth_client, user, state):
    report = ReportFactory(owner=user, status=state)

    error = assert_error(
        auth_client.get(f"{API}/{report.id}/download", HTTP_ACCEPT="application/pdf"), 409, "CONFLICT"
    )

    assert error["details"] == {"status": [state]}


def test_report_status_shape(auth_client, user):
    report = ReportFactory(owner=user)

    body = auth_client.get(f"{API}/{report.id}").json()

    assert {
        "id", "portfolio_id", "template", "format", "status", "as_of_date", "created_at", "finished_at",
        "size_bytes", "download_url",
    } <= set(body)  # fmt: skip
    assert body["id"] == str(report.id) and body["portfolio_id"] == str(report.portfolio_id)
    assert (body["status"], body["as_of_date"], body["finished_at"], body["download_url"]) == (
        "queued",
        None,
        None,
        None,
    )
    assert_timestamp(body["created_at"])


def test_another_users_report_is_404(auth_client, other_user):
    theirs = ReportFactory(owner=other_user)

    for url in (f"{API}/{theirs.id}", f"{API}/{theirs.id}/download"):
        error = assert_error(auth_client.get(url), 404, "NOT_FOUND")
        assert str(theirs.id) not in error["message"]


def test_templates_list_formats_and_sections(auth_client):
    response = auth_client.get(f"{API}/templates")

    assert response.status_code == 200
    templates = {t["id"]: t for t in response.json()}
    assert set(templates) == {"risk_summary", "performance", "full"}
    for template in templates.values():
        assert (
            template["formats"] == ["pdf", "html", "json", "csv"]
            and template["name"]
            and template["description"]
        )
    assert templates["full"]["sections"][0] == "overview" and "correlations" in templates["full"]["sections"]
    assert "performance" in templates["performance"]["sections"]
