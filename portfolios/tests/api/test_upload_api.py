"""POST /api/v1/management/portfolios/upload: the one-shot CSV import, and the corpus of bad files
(each gives its documented error and writes nothing)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from portfolios.models import Portfolio, Position, Tag
from portfolios.tests.factories import PortfolioFactory
from sigmasight.tests.envelope import assert_error

CORPUS = Path(__file__).resolve().parent.parent / "csv_corpus"
README = (CORPUS / "readme_example.csv").read_bytes()
URL = "/api/v1/management/portfolios/upload"


def post(client, data: bytes, **fields):  # type: ignore[no-untyped-def]
    fields = fields or {"name": "Imported"}
    file = SimpleUploadedFile("positions.csv", data, content_type="text/csv")
    return client.post(URL, {"file": file, **fields}, format="multipart")


def counts() -> tuple[int, int, int]:
    return Portfolio.objects.count(), Position.objects.count(), Tag.objects.count()


@pytest.mark.django_db
class TestImport:
    def test_a_new_portfolio_from_the_readme_example(self, auth_client, user):
        response = post(auth_client, README)

        assert response.status_code == 201, response.content
        body = response.json()
        assert (body["positions_created"], body["positions_updated"], body["errors"], body["warnings"]) == (
            6,
            0,
            [],
            [],
        )
        portfolio = Portfolio.objects.get(pk=body["portfolio_id"], owner=user)
        assert (portfolio.name, portfolio.cash_balance) == ("Imported", Decimal("25000.00"))
        types = sorted(Position.objects.filter(portfolio=portfolio).values_list("position_type", flat=True))
        assert types == ["LC", "LONG", "LONG", "LONG", "SC", "SHORT"]
        assert body["batch_note"] == "queued" and body["batch_job_id"]

    def test_reimport_updates_instead_of_duplicating(self, auth_client, user):
        portfolio_id = post(auth_client, README).json()["portfolio_id"]
        changed = README.replace(b"MSFT,40", b"MSFT,45") + b"XOM,10,110.00,2025-09-02,Energy,\n"

        response = post(auth_client, changed, portfolio_id=portfolio_id)

        assert response.status_code == 200, response.content
        body = response.json()
        assert (body["portfolio_id"], body["positions_created"], body["positions_updated"]) == (
            portfolio_id,
            1,
            6,
        )
        assert Position.objects.filter(portfolio_id=portfolio_id).count() == 7
        assert Position.objects.get(portfolio_id=portfolio_id, symbol="MSFT").quantity == Decimal("45")
        assert Portfolio.objects.filter(owner=user).count() == 1

    def test_warnings_are_returned(self, auth_client):
        body = post(auth_client, (CORPUS / "latin1_tags.csv").read_bytes()).json()

        assert body["positions_created"] == 1
        assert any("not UTF-8" in w["message"] for w in body["warnings"])

    def test_a_semicolon_file_with_a_bom_and_an_extra_column(self, auth_client):
        body = post(auth_client, (CORPUS / "utf8_bom_semicolons.csv").read_bytes()).json()

        assert body["positions_created"] == 1
        assert [(w["row"], w["field"]) for w in body["warnings"]] == [(1, "Notes")]

    def test_someone_elses_portfolio_is_404(self, auth_client, other_user):
        theirs = PortfolioFactory(owner=other_user, name="Their Secret Book")
        before = counts()

        response = post(auth_client, README, portfolio_id=str(theirs.pk))

        assert_error(response, 404, "NOT_FOUND")
        assert "Their Secret Book" not in response.content.decode() and counts() == before

    @pytest.mark.parametrize(
        "fields", [{}, {"name": "x", "portfolio_id": "3f2504e0-4f89-11d3-9a0c-0305e82c3301"}]
    )
    def test_exactly_one_of_name_and_portfolio_id(self, auth_client, fields):
        file = SimpleUploadedFile("p.csv", README)

        response = auth_client.post(URL, {"file": file, **fields}, format="multipart")

        assert "portfolio_id" in assert_error(response, 400, "VALIDATION_ERROR")["details"]

    def test_json_is_415(self, auth_client):
        assert_error(auth_client.post(URL, {"name": "x"}, format="json"), 415, "UNSUPPORTED_MEDIA_TYPE")

    def test_requires_a_token(self, api_client):
        assert_error(post(api_client, README), 401, "NOT_AUTHENTICATED")

    def test_the_route_is_not_read_as_a_portfolio_id(self, auth_client):
        assert_error(auth_client.get(URL), 405)


# The corpus: file -> (status, code, the rows and columns reported, or a fragment of details.file)
ROW_ERRORS = {
    "bad_dates.csv": [(2, "entry_date"), (3, "entry_date"), (4, "entry_date")],
    "zero_quantity.csv": [(2, "quantity")],
    "negative_price.csv": [(2, "entry_price")],
    "unknown_ticker.csv": [(3, "ticker")],
    "malformed_occ.csv": [(2, "ticker"), (3, "ticker"), (4, "ticker")],
    "formula_cells.csv": [(2, "tags"), (3, "strategy"), (4, "ticker"), (5, "tags")],
    "duplicate_rows.csv": [(3, "ticker")],
    "two_cash_rows.csv": [(3, "ticker")],
}
FILE_ERRORS = {
    "empty.csv": "empty",
    "header_only.csv": "no data rows",
    "missing_column.csv": "Missing required column(s): entry_date",
    "binary_garbage.bin": "binary",
    "workbook.xlsx": "Excel workbook",
}


@pytest.mark.django_db
class TestTheCorpusOfBadFiles:
    @pytest.mark.parametrize(("name", "expected"), ROW_ERRORS.items(), ids=list(ROW_ERRORS))
    def test_row_errors_are_400_with_details_rows_and_nothing_written(
        self, auth_client, user, name, expected
    ):
        portfolio = PortfolioFactory(owner=user)
        before = counts()

        for fields in ({"name": "New"}, {"portfolio_id": str(portfolio.pk)}):
            error = assert_error(
                post(auth_client, (CORPUS / name).read_bytes(), **fields), 400, "VALIDATION_ERROR"
            )

            assert [(r["row"], r["field"]) for r in error["details"]["rows"]] == expected
            assert all(r["message"] for r in error["details"]["rows"])
            assert "nothing was imported" in error["message"]
            assert counts() == before

    @pytest.mark.parametrize(("name", "fragment"), FILE_ERRORS.items(), ids=list(FILE_ERRORS))
    def test_unreadable_files_are_400_with_details_file(self, auth_client, name, fragment):
        before = counts()

        error = assert_error(post(auth_client, (CORPUS / name).read_bytes()), 400, "VALIDATION_ERROR")

        assert fragment in error["details"]["file"][0] and fragment in error["message"]
        assert counts() == before

    def test_a_file_over_ten_megabytes_is_413_naming_the_limit(self, auth_client):
        data = README + b"AAPL,1,1,2025-01-02,,\n" * (10 * 1024 * 1024 // 20)
        assert len(data) > 10 * 1024 * 1024
        before = counts()

        error = assert_error(post(auth_client, data), 413, "PAYLOAD_TOO_LARGE")

        assert "10 MB" in error["message"] and counts() == before

    def test_more_rows_than_the_limit_is_413_naming_it(self, auth_client, settings):
        settings.CSV_UPLOAD_MAX_ROWS = 5
        before = counts()

        error = assert_error(post(auth_client, README), 413, "PAYLOAD_TOO_LARGE")

        assert "5 rows" in error["message"] and counts() == before

    def test_one_bad_row_among_good_ones_writes_nothing(self, auth_client):
        before = counts()
        data = README + b"AAPL,100,253.40,2025-13-01,,\n"

        error = assert_error(post(auth_client, data), 400, "VALIDATION_ERROR")

        assert [(r["row"], r["field"]) for r in error["details"]["rows"]] == [(9, "entry_date")]
        assert counts() == before


@pytest.mark.django_db
@pytest.mark.parametrize("entry_date", ["0001-01-01", "1900-01-01"])
def test_an_entry_date_before_1970_is_a_row_error_and_nothing_is_written(auth_client, entry_date):
    # a date that would make the snapshots engine fail on every run (issue "Hardening", finding 4)
    data = f"ticker,quantity,entry_price,entry_date\nAAPL,10,150,{entry_date}\n".encode()
    before = counts()

    response = post(auth_client, data)

    assert response.status_code == 400, response.content
    rows = response.json()["error"]["details"]["rows"]
    assert any(r["field"] == "entry_date" and "1970-01-01" in r["message"] for r in rows), rows
    assert counts() == before
