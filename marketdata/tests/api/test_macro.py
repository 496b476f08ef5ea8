"""GET /api/v1/data/macro: the stored rate series (decimal) the engines use."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import override_settings
from rest_framework.test import APIClient

from marketdata.models import MacroSeries
from marketdata.providers.calendar import trading_days
from sigmasight.tests.envelope import assert_error

URL = "/api/v1/data/macro"
DAYS = trading_days(dt.date(2025, 1, 2), dt.date(2025, 3, 31))
NAMES = {
    "DGS3MO": "3-Month Treasury Constant Maturity Rate",
    "DGS10": "10-Year Treasury Constant Maturity Rate",
}


def rate(series_id: str, i: int) -> float:
    """A distinct decimal yield per series and day (4.30% + 1bp a day; 10-year 0.3% above)."""
    return round(0.043 + 0.0001 * i + (0.003 if series_id == "DGS10" else 0.0), 6)


@pytest.fixture
def stored(db: None) -> None:
    MacroSeries.objects.bulk_create(
        MacroSeries(series_id=sid, date=d, value=rate(sid, i), source="fred")
        for sid in ("DGS3MO", "DGS10")
        for i, d in enumerate(DAYS)
    )
    # another series on the same dates must not leak into the answer
    MacroSeries.objects.bulk_create(
        MacroSeries(series_id="VIXCLS", date=d, value=17.5, source="fred") for d in DAYS
    )


@pytest.mark.usefixtures("stored")
class TestMacro:
    def test_200_shape_and_values(self, auth_client: APIClient, django_assert_max_num_queries) -> None:  # type: ignore[no-untyped-def]
        with django_assert_max_num_queries(2):  # the token's user, then the one macro query
            response = auth_client.get(URL, {"series": "DGS3MO,DGS10", "lookback_days": "5"})
        assert response.status_code == 200, response.content
        body = response.json()
        assert set(body) == {"series", "data_source"}
        assert body["data_source"] == "fred"  # where the stored rows came from
        assert list(body["series"]) == ["DGS3MO", "DGS10"]
        last5 = DAYS[-5:]
        for sid in ("DGS3MO", "DGS10"):
            series = body["series"][sid]
            assert set(series) == {"name", "unit", "dates", "values"}
            assert series["name"] == NAMES[sid] and series["unit"] == "decimal"
            assert series["dates"] == [d.isoformat() for d in last5]  # the last 5, ascending
            assert series["values"] == [rate(sid, len(DAYS) - 5 + k) for k in range(5)]
            assert all(isinstance(v, float) for v in series["values"])
        assert body["series"]["DGS10"]["values"][-1] == pytest.approx(
            0.043 + 0.0001 * (len(DAYS) - 1) + 0.003
        )

    def test_defaults_both_series_and_252_days(self, auth_client: APIClient) -> None:
        body = auth_client.get(URL).json()
        assert list(body["series"]) == ["DGS3MO", "DGS10"]
        # fewer than 252 observations stored: all of them
        assert body["series"]["DGS3MO"]["dates"] == [d.isoformat() for d in DAYS]
        assert len(body["series"]["DGS10"]["values"]) == len(DAYS)

    def test_one_series_lowercase_and_repeated(self, auth_client: APIClient) -> None:
        body = auth_client.get(URL, {"series": "dgs10, DGS10", "lookback_days": "1"}).json()
        assert body["series"] == {
            "DGS10": {
                "name": NAMES["DGS10"],
                "unit": "decimal",
                "dates": [DAYS[-1].isoformat()],
                "values": [rate("DGS10", len(DAYS) - 1)],
            }
        }

    def test_each_series_ends_at_its_own_latest_date(self, auth_client: APIClient) -> None:
        MacroSeries.objects.filter(series_id="DGS10", date=DAYS[-1]).delete()
        body = auth_client.get(URL, {"lookback_days": "2"}).json()
        assert body["series"]["DGS3MO"]["dates"] == [d.isoformat() for d in DAYS[-2:]]
        assert body["series"]["DGS10"]["dates"] == [d.isoformat() for d in DAYS[-3:-1]]

    @pytest.mark.parametrize(
        "params, field",
        [
            ({"series": "DGS3MO,DGS30"}, "series"),
            ({"series": "VIXCLS"}, "series"),  # stored, but not a rate series of this endpoint
            ({"series": ""}, "series"),
            ({"series": " , "}, "series"),
            ({"lookback_days": "0"}, "lookback_days"),
            ({"lookback_days": "1261"}, "lookback_days"),
            ({"lookback_days": "-5"}, "lookback_days"),
            ({"lookback_days": "ten"}, "lookback_days"),
            ({"lookback_days": "2.5"}, "lookback_days"),
            ({"days": "5"}, "days"),
        ],
    )
    def test_400(self, auth_client: APIClient, params: dict[str, str], field: str) -> None:
        error = assert_error(auth_client.get(URL, params), 400, "VALIDATION_ERROR")
        assert field in error["details"]

    def test_unknown_series_is_named(self, auth_client: APIClient) -> None:
        error = assert_error(auth_client.get(URL, {"series": "DGS3MO,DGS30"}), 400, "VALIDATION_ERROR")
        assert "DGS30" in " ".join(error["details"]["series"])

    @pytest.mark.parametrize("days", ["1", "1260"])
    def test_lookback_bounds_are_accepted(self, auth_client: APIClient, days: str) -> None:
        response = auth_client.get(URL, {"lookback_days": days})
        assert response.status_code == 200, response.content
        assert len(response.json()["series"]["DGS3MO"]["dates"]) == min(int(days), len(DAYS))

    def test_401_without_a_token(self, api_client: APIClient) -> None:
        assert_error(api_client.get(URL), 401, "NOT_AUTHENTICATED")


@pytest.mark.django_db
class TestMacroMissing:
    def test_422_names_the_missing_series(self, auth_client: APIClient) -> None:
        MacroSeries.objects.create(series_id="DGS3MO", date=DAYS[0], value=0.043, source="synthetic")
        error = assert_error(auth_client.get(URL), 422, "INSUFFICIENT_DATA")
        assert "DGS10" in error["message"] and "DGS3MO" not in error["message"]
        assert error["details"]["missing"] == ["DGS10"]

    def test_422_when_nothing_is_stored(self, auth_client: APIClient) -> None:
        error = assert_error(auth_client.get(URL, {"series": "DGS3MO"}), 422, "INSUFFICIENT_DATA")
        assert error["details"]["missing"] == ["DGS3MO"]

    def test_data_source_of_stored_synthetic_rows(self, auth_client: APIClient) -> None:
        MacroSeries.objects.create(series_id="DGS3MO", date=DAYS[0], value=0.043, source="synthetic")
        with override_settings(MARKET_DATA_PROVIDER="synthetic"):
            body = auth_client.get(URL, {"series": "DGS3MO"}).json()
        assert body["data_source"] == "synthetic"
        assert body["series"]["DGS3MO"]["values"] == [0.043]
