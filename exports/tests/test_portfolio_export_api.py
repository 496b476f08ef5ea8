"""GET /api/v1/export/portfolio/{id}: the API's own numbers as JSON, CSV and XLSX downloads."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from typing import Any

import pytest
from openpyxl import load_workbook

from exports.models import ExportRecord
from exports.tests.book import AS_OF, FORMULA_TAG, MINUS_TAG
from portfolios.tests.factories import PortfolioFactory, PositionFactory
from sigmasight.tests.envelope import assert_error

pytestmark = pytest.mark.django_db

POSITION_COLUMNS = [
    "id",
    "symbol",
    "position_type",
    "quantity",
    "multiplier",
    "entry_price",
    "entry_date",
    "last_price",
    "market_value",
    "cost_basis",
    "unrealized_pnl",
    "tags",
]
GREEK_COLUMNS = ["delta", "gamma", "theta", "vega", "rho", "delta_dollars"]
NUMERIC = [
    "quantity",
    "multiplier",
    "entry_price",
    "last_price",
    "market_value",
    "cost_basis",
    "unrealized_pnl",
]
SHEETS = ["Positions", "Exposures", "Greeks", "Factors", "Risk"]


def url(portfolio_id: object) -> str:
    return f"/api/v1/export/portfolio/{portfolio_id}"


def download(client: Any, portfolio_id: object, **params: str) -> Any:
    response = client.get(url(portfolio_id), params)
    assert response.status_code == 200, response.content[:500]
    return response


@pytest.fixture
def api(book, owner_client):  # type: ignore[no-untyped-def]
    """The /data and /analytics responses of the book, to compare the exports with."""
    pid = book.portfolio.id
    complete = owner_client.get(f"/api/v1/data/portfolio/{pid}/complete").json()
    greeks = owner_client.get(f"/api/v1/analytics/risk/{pid}/greeks").json()
    return {
        "complete": complete,
        "positions": {p["id"]: p for p in complete["positions"]},
        "greeks": greeks,
        "greeks_by_position": {p["position_id"]: p for p in greeks["by_position"]},
        "overview": owner_client.get(f"/api/v1/analytics/portfolio/{pid}/overview").json(),
        "factors": owner_client.get(f"/api/v1/analytics/factors/{pid}/exposures").json(),
        "risk": owner_client.get(f"/api/v1/analytics/risk/{pid}/overview").json(),
        "var": owner_client.get(f"/api/v1/analytics/risk/{pid}/var").json(),
    }


class TestJSON:
    def test_shape_and_the_api_numbers(self, book, owner_client, api) -> None:
        response = download(owner_client, book.portfolio.id, format="json")

        assert response["Content-Type"] == "application/json"
        assert response["Content-Disposition"] == (
            f'attachment; filename="portfolio-export-test-book-{AS_OF.isoformat()}.json"'
        )
        body = json.loads(response.content)
        assert list(body) == ["portfolio", *SECTIONS_JSON, "data_source"]
        complete = api["complete"]["portfolio"]
        assert {
            k: body["portfolio"][k] for k in ("id", "name", "as_of_date", "total_value", "cash_balance")
        } == {k: complete[k] for k in ("id", "name", "as_of_date", "total_value", "cash_balance")}
        assert body["data_source"] == "synthetic"
        # positions: the /complete rows and the /greeks position Greeks
        assert len(body["positions"]) == 4
        for row in body["positions"]:
            assert list(row) == POSITION_COLUMNS + GREEK_COLUMNS
            assert {k: row[k] for k in POSITION_COLUMNS} == {
                k: api["positions"][row["id"]][k] for k in POSITION_COLUMNS
            }
            assert {k: row[k] for k in GREEK_COLUMNS} == {
                k: api["greeks_by_position"][row["id"]][k] for k in GREEK_COLUMNS
            }
        stock = next(r for r in body["positions"] if r["symbol"] == "JPM")
        assert (
            stock["delta"] == -50.0 and stock["gamma"] == stock["theta"] == stock["vega"] == stock["rho"] == 0
        )
        assert stock["delta_dollars"] == stock["market_value"]
        # sections: the endpoints' own payloads
        overview = api["overview"]
        assert body["exposures"]["exposures"] == overview["exposures"]
        assert body["exposures"]["delta_adjusted"] == overview["delta_adjusted"]
        assert body["exposures"]["total_value"] == overview["total_value"]
        assert body["greeks"]["current"] == api["greeks"]["current"]
        assert body["greeks"]["by_underlying"] == api["greeks"]["by_underlying"]
        model = [f for f in body["factors"] if f["kind"] == "model"]
        assert [{k: f[k] for k in api["factors"]["factors"][0]} for f in model] == api["factors"]["factors"]
        assert {f["kind"] for f in body["factors"]} == {"model", "macro", "capm"}
        assert body["risk"]["metrics"] == api["risk"]["metrics"]
        historical = next(
            v
            for v in body["risk"]["var"]
            if (v["method"], v["confidence"], v["horizon_days"]) == ("historical", 0.95, 1)
        )
        assert historical["var"] == api["var"]["var"]
        assert historical["expected_shortfall"] == api["var"]["expected_shortfall"]
        assert {v["method"] for v in body["risk"]["var"]} == {"historical", "parametric", "monte_carlo"}

    def test_include_keeps_only_the_sections_asked_for(self, book, owner_client) -> None:
        body = json.loads(
            download(owner_client, book.portfolio.id, format="json", include="risk,positions").content
        )

        assert list(body) == ["portfolio", "positions", "risk", "data_source"]
        assert list(body["positions"][0]) == POSITION_COLUMNS  # no Greek columns without greeks

    def test_every_download_is_recorded(self, book, owner_client) -> None:
        response = download(owner_client, book.portfolio.id, format="json", include="exposures")

        record = ExportRecord.objects.get(owner=book.owner)
        assert (record.kind, record.format, record.portfolio_id) == ("portfolio", "json", book.portfolio.id)
        assert record.size_bytes == len(response.content)
        assert f'filename="{record.filename}"' in response["Content-Disposition"]


SECTIONS_JSON = ["positions", "exposures", "greeks", "factors", "risk"]


class TestCSV:
    def test_round_trips_through_dictreader_with_the_api_values(self, book, owner_client, api) -> None:
        response = download(owner_client, book.portfolio.id, format="csv")

        assert response["Content-Type"] == "text/csv; charset=utf-8"
        assert response["Content-Disposition"].endswith(f'-{AS_OF.isoformat()}.csv"')
        rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8"))))
        assert len(rows) == 4
        assert list(rows[0]) == POSITION_COLUMNS + GREEK_COLUMNS
        for row in rows:
            expected = api["positions"][row["id"]]
            for name in NUMERIC:
                assert float(row[name]) == expected[name], name
            assert row["symbol"] == expected["symbol"] and row["position_type"] == expected["position_type"]
            assert row["entry_date"] == expected["entry_date"]
            for name in GREEK_COLUMNS:
                assert float(row[name]) == api["greeks_by_position"][row["id"]][name], name

    def test_formula_text_is_neutralized_and_negative_numbers_stay_numbers(self, book, owner_client) -> None:
        content = download(
            owner_client, book.portfolio.id, format="csv", include="positions"
        ).content.decode()
        rows = {r["symbol"]: r for r in csv.DictReader(io.StringIO(content))}

        assert rows["AAPL"]["tags"] == f"'{MINUS_TAG};{FORMULA_TAG}"
        assert rows["JPM"]["tags"] == f"'{FORMULA_TAG}"
        assert rows["JPM"]["quantity"] == "-50.0" and float(rows["JPM"]["market_value"]) < 0
        assert list(rows["JPM"]) == POSITION_COLUMNS

    def test_a_csv_without_positions_is_400(self, book, owner_client) -> None:
        response = owner_client.get(url(book.portfolio.id), {"format": "csv", "include": "risk"})

        error = assert_error(response, 400, "VALIDATION_ERROR")
        assert "include" in error["details"]


class TestXLSX:
    @pytest.fixture
    def workbook(self, book, owner_client):  # type: ignore[no-untyped-def]
        response = download(owner_client, book.portfolio.id, format="xlsx")
        assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        assert response["Content-Disposition"].endswith(f'-{AS_OF.isoformat()}.xlsx"')
        return load_workbook(io.BytesIO(response.content))

    def test_one_sheet_per_section_with_a_bold_frozen_header(self, workbook) -> None:
        assert workbook.sheetnames == SHEETS
        for ws in workbook.worksheets:
            assert ws.freeze_panes == "A2", ws.title
            assert all(cell.font.bold for cell in ws[1]), ws.title
            assert ws.max_row > 1, ws.title
            assert all(ws.column_dimensions[c].width and ws.column_dimensions[c].width >= 8 for c in "ABC")

    def test_positions_have_the_api_numbers_as_typed_cells(self, workbook, api) -> None:
        ws = workbook["Positions"]
        header = [c.value for c in ws[1]]
        assert header == POSITION_COLUMNS + GREEK_COLUMNS
        rows = [dict(zip(header, row, strict=True)) for row in ws.iter_rows(min_row=2)]
        assert len(rows) == 4
        for cells in rows:
            expected = api["positions"][cells["id"].value]
            greeks = api["greeks_by_position"][cells["id"].value]
            for name in NUMERIC:
                assert cells[name].data_type == "n" and cells[name].value == expected[name], name
            assert cells["market_value"].number_format == "#,##0.00"
            assert cells["entry_date"].is_date
            assert cells["entry_date"].value.date() == dt.date.fromisoformat(expected["entry_date"])
            for name in ["delta", "gamma", "theta", "vega", "rho"]:
                assert cells[name].value == greeks[name] and cells[name].number_format == "0.0000"
            assert cells["delta_dollars"].value == greeks["delta_dollars"]

    def test_formula_text_is_neutralized_and_negative_numbers_stay_numbers(self, workbook) -> None:
        ws = workbook["Positions"]
        header = [c.value for c in ws[1]]
        rows = {row[1].value: dict(zip(header, row, strict=True)) for row in ws.iter_rows(min_row=2)}

        assert rows["JPM"]["tags"].value == f"'{FORMULA_TAG}" and rows["JPM"]["tags"].data_type == "s"
        assert rows["AAPL"]["tags"].value == f"'{MINUS_TAG};{FORMULA_TAG}"
        assert rows["JPM"]["quantity"].value == -50 and rows["JPM"]["quantity"].data_type == "n"
        assert rows["JPM"]["market_value"].value < 0 and rows["JPM"]["market_value"].data_type == "n"
        for ws in workbook.worksheets:
            assert not any(c.data_type == "f" for row in ws.iter_rows() for c in row), ws.title

    def test_section_sheets_carry_the_api_numbers(self, workbook, api) -> None:
        exposures = {row[0].value: row for row in workbook["Exposures"].iter_rows(min_row=2)}
        net = api["overview"]["exposures"]["net"]
        assert exposures["exposure_net"][1].value == net["value"]
        assert exposures["exposure_net"][2].value == pytest.approx(net["percentage"] / 100)
        assert exposures["exposure_net"][2].number_format == "0.00%"
        assert exposures["position_count"][1].value == 4 and exposures["as_of_date"][1].is_date

        greeks = list(workbook["Greeks"].iter_rows(min_row=2, values_only=True))
        header = [c.value for c in workbook["Greeks"][1]]
        total = dict(zip(header, greeks[-1], strict=True))
        assert total["level"] == "portfolio"
        current = api["greeks"]["current"]
        assert {k: total[k] for k in ("delta", "delta_dollars", "theta", "vega")} == {
            k: current[k] for k in ("delta", "delta_dollars", "theta", "vega")
        }

        factors = {row[0]: row for row in workbook["Factors"].iter_rows(min_row=2, values_only=True)}
        market = next(f for f in api["factors"]["factors"] if f["name"] == "Market")
        # unrounded statistics keep 16 significant digits in a workbook (Excel itself keeps 15)
        assert factors["Market"][3] == pytest.approx(market["beta"], rel=1e-15, abs=0)
        assert factors["Market"][4] == market["exposure_dollar"]

        risk = [
            dict(zip([c.value for c in workbook["Risk"][1]], r, strict=True))
            for r in workbook["Risk"].iter_rows(min_row=2)
        ]
        var = next(
            r
            for r in risk
            if r["metric"].value == "var"
            and (r["method"].value, r["horizon_days"].value) == ("historical", 1)
            and r["confidence"].value == 0.95
        )
        assert var["value"].value == api["var"]["var"] and var["value"].number_format == "#,##0.00"
        assert var["confidence"].number_format == "0.00%"


class TestErrors:
    @pytest.mark.parametrize(
        ("params", "field"),
        [
            ({"format": "pdf"}, "format"),
            ({}, "format"),
            ({"format": "json", "include": "positions,bogus"}, "include"),
            ({"format": "json", "include": ""}, "include"),
            ({"format": "json", "sheet": "1"}, "sheet"),
        ],
    )
    def test_bad_parameters_are_400_naming_them(self, auth_client, user, params, field) -> None:
        portfolio = PortfolioFactory(owner=user)

        response = auth_client.get(url(portfolio.id), params)

        error = assert_error(response, 400, "VALIDATION_ERROR")
        assert field in error["details"], error
        assert not ExportRecord.objects.exists()

    def test_without_a_token_401(self, api_client, user) -> None:
        assert_error(api_client.get(url(PortfolioFactory(owner=user).id), {"format": "csv"}), 401)

    def test_another_users_portfolio_is_404(self, book, client_for, other_user) -> None:
        response = client_for(other_user).get(url(book.portfolio.id), {"format": "xlsx"})

        assert_error(response, 404, "NOT_FOUND")
        assert book.portfolio.name not in response.content.decode()
        assert not ExportRecord.objects.exists()

    def test_a_portfolio_without_batch_results_is_422_saying_what_is_missing(self, auth_client, user) -> None:
        portfolio = PortfolioFactory(owner=user)
        PositionFactory(portfolio=portfolio)

        response = auth_client.get(url(portfolio.id), {"format": "xlsx"})

        error = assert_error(response, 422, "INSUFFICIENT_DATA")
        assert "valuation" in error["details"]["missing"] and error["details"]["how_to_fix"]
        assert not ExportRecord.objects.exists()

    def test_an_accept_header_does_not_turn_the_download_into_406(self, book, owner_client) -> None:
        response = owner_client.get(url(book.portfolio.id), {"format": "csv"}, HTTP_ACCEPT="text/csv")

        assert response.status_code == 200
