"""/export/reports on the seeded demo (batch run): every format end to end, the figures equal to
the API's, a scheduled run stored and recorded."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from collections.abc import Iterator

import pytest
from django.core.cache import cache
from django.test import override_settings
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from exports.models import ExportKind, ExportRecord, Report, ReportStatus
from exports.reports.schedules import schedule_create
from exports.tasks import report_schedule_run_task
from exports.tests.pdf_inspect import image_count, pdf_reader, pdf_text
from marketdata.tests.api.test_demo_end_to_end import DEMO_SETTINGS, demo_rows  # noqa: F401 - the seeded demo
from portfolios.models import Portfolio

pytestmark = pytest.mark.django_db

AS_OF = "2026-11-20"
HEDGE_FUND = "Demo Hedge Fund Style Investor Portfolio"


@pytest.fixture
def demo(db, demo_rows) -> Iterator[Portfolio]:  # type: ignore[no-untyped-def]  # noqa: F811 - the imported fixture
    cache.clear()
    with override_settings(**DEMO_SETTINGS):
        yield Portfolio.objects.select_related("owner").get(name=HEDGE_FUND)
    cache.clear()


@pytest.fixture
def client(demo) -> APIClient:  # type: ignore[no-untyped-def]
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {RefreshToken.for_user(demo.owner).access_token}")
    return api


def generate(client: APIClient, portfolio: Portfolio, template: str, fmt: str, capture) -> dict:  # type: ignore[no-untyped-def]
    with capture(execute=True):
        response = client.post(
            "/api/v1/export/reports/generate",
            {"portfolio_id": str(portfolio.id), "template": template, "format": fmt},
            format="json",
        )
    assert response.status_code == 202, response.content
    body = response.json()
    assert set(body) == {"job_id", "status", "poll_url", "report_id"}
    assert body["poll_url"] == f"/api/v1/system/jobs/{body['job_id']}"
    return body


def download(client: APIClient, accepted: dict, content_type: str) -> bytes:
    job = client.get(accepted["poll_url"]).json()
    assert job["status"] == "succeeded", job
    assert job["progress_percent"] == 100.0
    result = client.get(f"{accepted['poll_url']}/result").json()
    assert result["result"]["report_id"] == accepted["report_id"]
    report = client.get(f"/api/v1/export/reports/{accepted['report_id']}").json()
    assert report["status"] == "succeeded" and report["as_of_date"] == AS_OF
    assert report["download_url"] == f"/api/v1/export/reports/{accepted['report_id']}/download"
    response = client.get(report["download_url"])
    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    assert response["Content-Disposition"].startswith("attachment; filename=")
    data = b"".join(response.streaming_content)
    assert len(data) == report["size_bytes"]
    return data


def test_full_pdf_report_has_the_name_the_date_and_the_charts(
    client, demo, django_capture_on_commit_callbacks
):
    accepted = generate(client, demo, "full", "pdf", django_capture_on_commit_callbacks)

    reader = pdf_reader(download(client, accepted, "application/pdf"))

    text = pdf_text(reader)
    assert HEDGE_FUND in text and AS_OF in text
    assert "Conventions" in text and "per calendar day" in text and "American" in text
    assert f"Page 1 of {len(reader.pages)}" in text
    assert len(reader.pages) >= 5
    assert (
        image_count(reader) >= 8
    )  # exposures, sectors, tags, factors, heatmap, stress, VaR x2, NAV, drawdown
    record = ExportRecord.objects.get(report_id=accepted["report_id"])
    assert record.kind == ExportKind.REPORT and record.format == "pdf" and record.owner == demo.owner
    assert record.filename.endswith(".pdf") and AS_OF in record.filename


def test_risk_summary_pdf_is_two_pages(client, demo, django_capture_on_commit_callbacks):
    accepted = generate(client, demo, "risk_summary", "pdf", django_capture_on_commit_callbacks)

    reader = pdf_reader(download(client, accepted, "application/pdf"))

    assert len(reader.pages) == 2
    assert HEDGE_FUND in pdf_text(reader) and image_count(reader) >= 4


def test_html_report_is_self_contained_with_inline_svg_charts(
    client, demo, django_capture_on_commit_callbacks
):
    accepted = generate(client, demo, "full", "html", django_capture_on_commit_callbacks)

    page = download(client, accepted, "text/html; charset=utf-8").decode()

    assert page.startswith("<!DOCTYPE html>") and HEDGE_FUND in page and AS_OF in page
    assert page.count("<svg") >= 8
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", page, re.I)
    assert not re.search(r"""url\(\s*["']?\s*(https?:)?//""", page, re.I)
    assert not re.search(r"<link[^>]+stylesheet", page, re.I) and "<script" not in page
    assert "http://" not in page and "https://" not in page


def test_json_report_carries_the_api_numbers(client, demo, django_capture_on_commit_callbacks):
    overview = client.get(f"/api/v1/analytics/portfolio/{demo.id}/overview").json()
    var = client.get(
        f"/api/v1/analytics/risk/{demo.id}/var?method=historical&confidence=0.95&horizon_days=1"
    ).json()
    accepted = generate(client, demo, "full", "json", django_capture_on_commit_callbacks)

    document = json.loads(download(client, accepted, "application/json"))

    assert document["report"]["portfolio"]["name"] == HEDGE_FUND
    assert document["report"]["as_of_date"] == AS_OF and document["report"]["data_source"] == "synthetic"
    sections = document["sections"]
    assert sections["overview"]["total_value"] == overview["total_value"]
    assert sections["overview"]["exposures"] == overview["exposures"]
    entry = next(
        e
        for e in sections["var"]["entries"]
        if (e["method"], e["confidence"], e["horizon_days"]) == ("historical", 0.95, 1)
    )
    assert entry["var"] == var["var"] and entry["expected_shortfall"] == var["expected_shortfall"]
    assert len(sections["var"]["entries"]) == 18
    assert set(sections) == {
        "overview", "positions", "exposures", "greeks", "factors", "correlations", "stress_tests", "var",
        "risk_contributions", "performance",
    }  # fmt: skip
    by_type = {row["key"]: row for row in sections["exposures"]["by_type"]}
    assert round(sum(r["net"] for r in by_type.values()), 2) == pytest.approx(
        overview["exposures"]["net"]["value"], abs=0.05
    )


def test_csv_report_is_one_long_table_with_the_api_numbers(client, demo, django_capture_on_commit_callbacks):
    overview = client.get(f"/api/v1/analytics/portfolio/{demo.id}/overview").json()
    var = client.get(
        f"/api/v1/analytics/risk/{demo.id}/var?method=historical&confidence=0.95&horizon_days=1"
    ).json()
    accepted = generate(client, demo, "risk_summary", "csv", django_capture_on_commit_callbacks)

    rows = list(csv.reader(io.StringIO(download(client, accepted, "text/csv; charset=utf-8").decode())))

    assert rows[0] == ["section", "item", "metric", "value"]
    cells = {(s, i, m): v for s, i, m, v in rows[1:]}
    assert cells[("report", "", "portfolio.name")] == HEDGE_FUND
    assert cells[("report", "", "as_of_date")] == AS_OF
    assert float(cells[("overview", "", "total_value")]) == overview["total_value"]
    assert float(cells[("var", "historical 0.95 1d", "entries.var")]) == var["var"]
    assert {r[0] for r in rows[1:]} == {
        "report",
        "overview",
        "exposures",
        "greeks",
        "factors",
        "var",
        "stress_tests",
    }


def test_performance_template_holds_overview_and_performance(
    client, demo, django_capture_on_commit_callbacks
):
    accepted = generate(client, demo, "performance", "pdf", django_capture_on_commit_callbacks)

    reader = pdf_reader(download(client, accepted, "application/pdf"))

    text = pdf_text(reader)
    assert "Performance" in text and "Sharpe ratio" in text and image_count(reader) >= 3


def test_a_scheduled_run_stores_a_report_and_records_it(demo):
    schedule = schedule_create(
        user=demo.owner,
        portfolio=demo,
        template="risk_summary",
        format="json",
        frequency="daily",
        time=dt.time(6, 0),
    )

    report_id = report_schedule_run_task.delay(str(schedule.id)).get()

    report = Report.objects.get(pk=report_id)
    assert report.status == ReportStatus.SUCCEEDED and report.schedule_id == schedule.id
    assert report.file and report.size_bytes and str(report.as_of_date) == AS_OF
    assert ExportRecord.objects.filter(report=report, kind="report", owner=demo.owner).exists()
