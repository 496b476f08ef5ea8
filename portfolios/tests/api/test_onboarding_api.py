"""/api/v1/portfolio/ onboarding endpoints (API.md "Onboarding"), tried as a new user would:
upload -> status/results -> preview -> validate -> complete (-> the batch runs -> /analytics answers),
plus the template, retry, re-import and the error cases. Market data: the synthetic provider."""

from __future__ import annotations

import csv
import io
import uuid
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from portfolios.csv_import.columns import COLUMNS
from portfolios.csv_import.rows import parse_csv
from portfolios.models import OnboardingStatus, OnboardingUpload, Portfolio, Position, Tag, TagType
from portfolios.onboarding import template
from portfolios.tests.factories import PortfolioFactory
from portfolios.tests.onboarding_factories import OnboardingUploadFactory
from sigmasight.system.models import Job
from sigmasight.tests.envelope import assert_error

CORPUS = Path(__file__).resolve().parent.parent / "csv_corpus"
README = (CORPUS / "readme_example.csv").read_bytes()
API = "/api/v1/portfolio"


def csv_file(data: bytes, name: str = "positions.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="text/csv")


@pytest.fixture
def upload(auth_client, django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    """``upload(data, **fields)`` -> the 202 response, the processing task run (eager Celery)."""

    def post(data: bytes = README, client=None, **fields):  # type: ignore[no-untyped-def]
        fields = fields or {"portfolio_name": "My First Book"}
        with django_capture_on_commit_callbacks(execute=True):
            return (client or auth_client).post(
                f"{API}/upload", {"file": csv_file(data), **fields}, format="multipart"
            )

    return post


@pytest.mark.django_db
class TestTheReadmeExampleAsANewUser:
    def test_upload_preview_validate_complete(self, auth_client, user, upload):
        # given: the README example uploaded for a new portfolio
        response = upload()
        assert response.status_code == 202, response.content
        accepted = response.json()
        upload_id = accepted["upload_id"]
        assert set(accepted) >= {"upload_id", "job_id", "status", "poll_url"}
        assert accepted["poll_url"] == f"/api/v1/system/jobs/{accepted['job_id']}"

        # when: the user polls the job and the status
        job = auth_client.get(accepted["poll_url"])
        assert job.status_code == 200 and job.json()["status"] == "succeeded"
        status = auth_client.get(f"{API}/upload/{upload_id}/status").json()
        assert (status["status"], status["progress_percent"]) == ("ready", 100.0)
        assert status["enrichment"]["status"] == "succeeded"

        # then: the results list every parsed row, no error
        results = auth_client.get(f"{API}/upload/{upload_id}/results/").json()
        assert (results["rows_total"], results["rows_valid"], results["rows_invalid"]) == (7, 7, 0)
        assert results["errors"] == [] and results["cash_balance"] == 25000.0
        assert [p["position_type"] for p in results["positions"]] == [
            "LONG",
            "LONG",
            "LONG",
            "SHORT",
            "LC",
            "SC",
        ]
        leg = results["positions"][4]
        assert (leg["underlying_symbol"], leg["strike_price"], leg["expiration_date"], leg["multiplier"]) == (
            "AAPL",
            230.0,
            "2027-01-15",
            100,
        )

        # the preview: types, the spread's two legs together, prices found, market values
        preview = auth_client.get(f"{API}/onboarding/{upload_id}/preview").json()
        assert preview["data_source"] == "synthetic"
        assert all(p["price"] is not None and p["market_value"] is not None for p in preview["positions"])
        (spread,) = preview["option_legs"]
        assert (spread["underlying_symbol"], spread["expiration_date"]) == ("AAPL", "2027-01-15")
        assert [(leg["strike_price"], leg["quantity"]) for leg in spread["legs"]] == [
            (230.0, 5.0),
            (250.0, -5.0),
        ]
        assert preview["summary"]["position_count"] == 6 and preview["cash_balance"] == 25000.0

        # validate: ready, every check listed
        report = auth_client.post(f"{API}/onboarding/{upload_id}/validate").json()
        assert report["ready"] is True, report
        assert [c["name"] for c in report["checks"]] == [
            "rows_valid",
            "prices",
            "history",
            "option_underlyings",
            "market_data_sync",
        ]
        assert all(c["passed"] for c in report["checks"])

        # complete: 202 with the first batch run's job
        response = auth_client.post(f"{API}/onboarding/{upload_id}/complete")
        assert response.status_code == 202, response.content
        done = response.json()
        assert done["status"] == "queued" and done["poll_url"] == f"/api/v1/system/jobs/{done['job_id']}"
        assert (done["positions_created"], done["positions_updated"]) == (6, 0)
        portfolio = Portfolio.objects.get(pk=done["portfolio_id"], owner=user)
        assert (portfolio.name, portfolio.cash_balance) == ("My First Book", Decimal("25000.00"))
        assert Position.objects.filter(portfolio=portfolio).count() == 6
        assert Tag.objects.get(owner=user, name="AAPL bull call spread").tag_type == TagType.STRATEGY
        assert auth_client.get(done["poll_url"]).json()["status"] == "queued"  # the user's own job
        assert auth_client.get(f"{API}/upload/{upload_id}/status").json()["status"] == "completed"

    @pytest.mark.slow
    def test_the_batch_runs_and_analytics_answer(
        self, auth_client, upload, django_capture_on_commit_callbacks
    ):
        upload_id = upload().json()["upload_id"]

        with django_capture_on_commit_callbacks(execute=True):
            done = auth_client.post(f"{API}/onboarding/{upload_id}/complete").json()

        job = auth_client.get(done["poll_url"]).json()
        assert job["status"] in ("succeeded", "partial"), job
        greeks = auth_client.get(f"/api/v1/analytics/risk/{done['portfolio_id']}/greeks")
        assert greeks.status_code == 200, greeks.content
        body = greeks.json()
        assert body["current"]["positions"] == 6 and body["current"]["delta"] is not None
        assert {u["underlying"] for u in body["by_underlying"]} >= {"AAPL", "TSLA"}
        overview = auth_client.get(f"/api/v1/analytics/portfolio/{done['portfolio_id']}/overview")
        assert overview.status_code == 200, overview.content


@pytest.mark.django_db
class TestUpload:
    def test_both_slash_forms_answer(self, upload, auth_client):
        response = auth_client.post(
            f"{API}/upload/", {"file": csv_file(README), "portfolio_name": "x"}, format="multipart"
        )

        assert response.status_code == 202

    @pytest.mark.parametrize(
        "fields", [{}, {"portfolio_name": "x", "portfolio_id": "3f2504e0-4f89-11d3-9a0c-0305e82c3301"}]
    )
    def test_exactly_one_target(self, auth_client, fields):
        response = auth_client.post(f"{API}/upload", {"file": csv_file(README), **fields}, format="multipart")

        assert "portfolio_id" in assert_error(response, 400, "VALIDATION_ERROR")["details"]

    def test_the_file_is_required(self, auth_client):
        response = auth_client.post(f"{API}/upload", {"portfolio_name": "x"}, format="multipart")

        assert "file" in assert_error(response, 400, "VALIDATION_ERROR")["details"]

    def test_json_is_unsupported_media_type(self, auth_client):
        assert_error(auth_client.post(f"{API}/upload", {"portfolio_name": "x"}, format="json"), 415)

    @pytest.mark.parametrize(
        ("name", "fragment"),
        [
            ("empty.csv", "empty"),
            ("header_only.csv", "no data rows"),
            ("missing_column.csv", "entry_date"),
            ("binary_garbage.bin", "binary"),
            ("workbook.xlsx", "Excel"),
        ],
    )
    def test_unreadable_files_are_400_and_nothing_is_stored(self, upload, name, fragment):
        response = upload((CORPUS / name).read_bytes())

        error = assert_error(response, 400, "VALIDATION_ERROR")
        assert fragment in error["details"]["file"][0]
        assert not OnboardingUpload.objects.exists() and not Portfolio.objects.exists()

    def test_over_ten_megabytes_is_413_with_the_limit(self, upload):
        data = README + b"AAPL,1,1,2025-01-02,,\n" * (10 * 1024 * 1024 // 20)

        error = assert_error(upload(data), 413, "PAYLOAD_TOO_LARGE")

        assert "10 MB" in error["message"] and not OnboardingUpload.objects.exists()

    def test_too_many_rows_is_413_with_the_limit(self, upload, settings):
        settings.CSV_UPLOAD_MAX_ROWS = 3

        error = assert_error(upload(), 413, "PAYLOAD_TOO_LARGE")

        assert "3 rows" in error["message"]

    def test_reimport_into_someone_elses_portfolio_is_404(self, upload, other_user):
        theirs = PortfolioFactory(owner=other_user, name="Their Secret Book")

        response = upload(portfolio_id=str(theirs.pk))

        assert_error(response, 404, "NOT_FOUND")
        assert "Their Secret Book" not in response.content.decode()

    @pytest.mark.parametrize(
        ("name", "expected"),
        [
            ("bad_dates.csv", [(2, "entry_date"), (3, "entry_date"), (4, "entry_date")]),
            ("zero_quantity.csv", [(2, "quantity")]),
            ("negative_price.csv", [(2, "entry_price")]),
            ("unknown_ticker.csv", [(3, "ticker")]),
            ("malformed_occ.csv", [(2, "ticker"), (3, "ticker"), (4, "ticker")]),
            ("formula_cells.csv", [(2, "tags"), (3, "strategy"), (4, "ticker"), (5, "tags")]),
        ],
    )
    def test_row_errors_fail_the_upload_and_complete_writes_nothing(
        self, auth_client, upload, name, expected
    ):
        upload_id = upload((CORPUS / name).read_bytes()).json()["upload_id"]

        status = auth_client.get(f"{API}/upload/{upload_id}/status").json()
        results = auth_client.get(f"{API}/upload/{upload_id}/results").json()
        complete = auth_client.post(f"{API}/onboarding/{upload_id}/complete")

        assert status["status"] == "failed"
        assert [(e["row"], e["field"]) for e in results["errors"]] == expected
        assert results["rows_invalid"] == len({row for row, _ in expected})
        error = assert_error(complete, 400, "VALIDATION_ERROR")
        assert [(e["row"], e["field"]) for e in error["details"]["rows"]] == expected
        assert not Portfolio.objects.exists() and not Position.objects.exists()


@pytest.mark.django_db
class TestStatusAndResults:
    def test_results_are_409_until_validated(self, auth_client, user):
        queued = OnboardingUploadFactory(owner=user, status=OnboardingStatus.QUEUED)

        assert_error(auth_client.get(f"{API}/upload/{queued.pk}/results"), 409, "CONFLICT")
        assert auth_client.get(f"{API}/upload/{queued.pk}/status").json()["status"] == "queued"

    def test_unknown_query_parameter_is_400(self, auth_client, user):
        ready = OnboardingUploadFactory(owner=user)

        error = assert_error(
            auth_client.get(f"{API}/upload/{ready.pk}/status?verbose=1"), 400, "VALIDATION_ERROR"
        )
        assert "verbose" in error["details"]

    @pytest.mark.parametrize(
        ("method", "path"),
        [
            ("get", "upload/{id}/status"),
            ("get", "upload/{id}/results"),
            ("get", "onboarding/{id}/preview"),
            ("post", "onboarding/{id}/validate"),
            ("post", "onboarding/{id}/retry"),
            ("post", "onboarding/{id}/complete"),
        ],
    )
    def test_someone_elses_upload_is_404(self, client_for, user, other_user, method, path):
        theirs = OnboardingUploadFactory(owner=other_user, portfolio_name="Their Secret Upload")

        response = getattr(client_for(user), method)(f"{API}/{path.format(id=theirs.pk)}")

        assert_error(response, 404, "NOT_FOUND")
        assert "Their Secret Upload" not in response.content.decode()
        theirs.refresh_from_db()
        assert theirs.status == OnboardingStatus.READY

    def test_an_unknown_id_is_404(self, auth_client):
        assert_error(auth_client.get(f"{API}/upload/{uuid.uuid4()}/status"), 404, "NOT_FOUND")


@pytest.mark.django_db
class TestRetryAndReimport:
    def test_retry_answers_202_with_a_new_job(self, auth_client, upload):
        first = upload().json()

        with_retry = auth_client.post(f"{API}/onboarding/{first['upload_id']}/retry")

        assert with_retry.status_code == 202, with_retry.content
        assert with_retry.json()["job_id"] != first["job_id"]

    def test_retry_after_complete_is_409(self, auth_client, upload):
        upload_id = upload().json()["upload_id"]
        auth_client.post(f"{API}/onboarding/{upload_id}/complete")

        assert_error(auth_client.post(f"{API}/onboarding/{upload_id}/retry"), 409, "CONFLICT")
        assert_error(auth_client.post(f"{API}/onboarding/{upload_id}/complete"), 409, "CONFLICT")

    def test_reimport_updates_instead_of_duplicating(self, auth_client, user, upload):
        upload_id = upload().json()["upload_id"]
        portfolio_id = auth_client.post(f"{API}/onboarding/{upload_id}/complete").json()["portfolio_id"]

        again = upload(README.replace(b"JNJ,80", b"JNJ,120"), portfolio_id=portfolio_id).json()
        done = auth_client.post(f"{API}/onboarding/{again['upload_id']}/complete").json()

        assert (done["portfolio_id"], done["positions_created"], done["positions_updated"]) == (
            portfolio_id,
            0,
            6,
        )
        assert Position.objects.filter(portfolio_id=portfolio_id).count() == 6
        assert Position.objects.get(portfolio_id=portfolio_id, symbol="JNJ").quantity == Decimal("120")
        assert Portfolio.objects.filter(owner=user).count() == 1


@pytest.mark.django_db
class TestTemplate:
    def test_a_csv_attachment_with_the_columns_and_example_rows(self, auth_client):
        response = auth_client.get(f"{API}/templates")

        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/csv")
        assert response["Content-Disposition"].startswith("attachment;")
        rows = list(csv.reader(io.StringIO(response.content.decode())))
        assert tuple(rows[0]) == COLUMNS
        tickers = [r[0] for r in rows[1:]]
        assert "CASH" in tickers and any(len(t) == 21 for t in tickers)

    def test_accept_text_csv_is_served(self, auth_client):
        assert auth_client.get(f"{API}/templates/", HTTP_ACCEPT="text/csv").status_code == 200

    def test_the_template_is_itself_a_valid_upload(self, auth_client):
        import datetime as dt

        result = parse_csv(auth_client.get(f"{API}/templates").content, today=dt.date(2026, 11, 24))

        assert result.ok, result.errors
        assert result.cash_balance == Decimal("25000")

    def test_text_cells_are_neutralized_against_formula_injection(self, auth_client, monkeypatch):
        evil = ("AAPL", "1", "2", "2025-01-02", '=HYPERLINK("http://evil","x")', "@cmd", "", "")
        monkeypatch.setattr(template, "TEMPLATE_ROWS", (evil,))

        rows = list(csv.reader(io.StringIO(auth_client.get(f"{API}/templates").content.decode())))

        assert rows[1][4] == '\'=HYPERLINK("http://evil","x")' and rows[1][5] == "'@cmd"

    def test_requires_a_token(self, api_client):
        assert_error(api_client.get(f"{API}/templates"), 401, "NOT_AUTHENTICATED")


@pytest.mark.django_db
def test_jobs_of_uploads_belong_to_the_uploader(auth_client, user, upload):
    accepted = upload().json()

    assert Job.objects.get(pk=accepted["job_id"]).owner_id == user.pk
