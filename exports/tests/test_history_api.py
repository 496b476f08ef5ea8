"""GET /api/v1/export/history: the user's exports, paginated and owner-scoped."""

from __future__ import annotations

import pytest

from exports.files import ExportFile
from exports.history import export_record_create
from exports.models import ExportRecord
from portfolios.tests.factories import PortfolioFactory
from sigmasight.tests.envelope import assert_error, assert_timestamp

pytestmark = pytest.mark.django_db

URL = "/api/v1/export/history"
FIELDS = {"id", "kind", "format", "portfolio_id", "created_at", "size_bytes", "filename"}


def record(owner, kind="portfolio", portfolio=None, fmt="csv", size=10):  # type: ignore[no-untyped-def]
    file = ExportFile(content=b"x" * size, filename=f"{kind}-{size}.{fmt}", content_type="text/csv")
    return export_record_create(owner=owner, kind=kind, file_format=fmt, file=file, portfolio=portfolio)


@pytest.fixture
def history(user, other_user):  # type: ignore[no-untyped-def]
    mine, theirs = PortfolioFactory(owner=user), PortfolioFactory(owner=other_user)
    records = [record(user, "portfolio", mine, "xlsx", size=i + 1) for i in range(3)]
    records.append(record(user, "trades", None, "fix", size=7))
    records.append(record(user, "trades", mine, "csv", size=8))
    record(other_user, "portfolio", theirs, "json")
    return {"mine": mine, "theirs": theirs, "records": records}


class TestExportHistory:
    def test_the_users_exports_newest_first_with_the_api_fields(self, auth_client, history) -> None:
        response = auth_client.get(URL)

        assert response.status_code == 200, response.content
        body = response.json()
        assert set(body) == {"count", "next", "previous", "results"}
        assert body["count"] == 5 and body["next"] is None
        assert [r["id"] for r in body["results"]] == [str(r.id) for r in reversed(history["records"])]
        first = body["results"][0]
        assert set(first) == FIELDS
        assert first | {"created_at": None} == {
            "id": str(history["records"][-1].id),
            "kind": "trades",
            "format": "csv",
            "portfolio_id": str(history["mine"].id),
            "created_at": None,
            "size_bytes": 8,
            "filename": "trades-8.csv",
        }
        assert_timestamp(first["created_at"])
        assert body["results"][1]["portfolio_id"] is None

    def test_paginated_with_limit_and_offset(self, auth_client, history) -> None:
        page = auth_client.get(URL, {"limit": 2, "offset": 2}).json()

        assert page["count"] == 5 and len(page["results"]) == 2
        assert page["next"] and page["previous"]
        assert [r["size_bytes"] for r in page["results"]] == [3, 2]

    def test_filters_by_portfolio_and_kind(self, auth_client, history) -> None:
        by_portfolio = auth_client.get(URL, {"portfolio_id": str(history["mine"].id)}).json()
        trades = auth_client.get(URL, {"kind": "trades"}).json()
        both = auth_client.get(URL, {"kind": "trades", "portfolio_id": str(history["mine"].id)}).json()

        assert by_portfolio["count"] == 4
        assert trades["count"] == 2 and {r["kind"] for r in trades["results"]} == {"trades"}
        assert both["count"] == 1 and both["results"][0]["format"] == "csv"

    def test_another_users_portfolio_is_404(self, auth_client, history) -> None:
        response = auth_client.get(URL, {"portfolio_id": str(history["theirs"].id)})

        assert_error(response, 404, "NOT_FOUND")
        assert history["theirs"].name not in response.content.decode()

    @pytest.mark.parametrize(
        ("params", "field"),
        [
            ({"kind": "pdf"}, "kind"),
            ({"portfolio_id": "nope"}, "portfolio_id"),
            ({"limit": 0}, "limit"),
            ({"offset": -1}, "offset"),
            ({"sort": "size"}, "sort"),
        ],
    )
    def test_bad_parameters_are_400_naming_them(self, auth_client, history, params, field) -> None:
        error = assert_error(auth_client.get(URL, params), 400, "VALIDATION_ERROR")

        assert field in error["details"], error

    def test_without_a_token_401(self, api_client) -> None:
        assert_error(api_client.get(URL), 401)

    def test_two_queries_whatever_the_number_of_records(
        self, auth_client, user, history, django_assert_max_num_queries
    ) -> None:
        for _ in range(20):
            record(user)
        with django_assert_max_num_queries(4):  # auth user, count, page (+ savepoint slack)
            assert auth_client.get(URL).json()["count"] == 25
        assert ExportRecord.objects.filter(owner=user).count() == 25
