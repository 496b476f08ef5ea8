"""FREDProvider against recorded FRED responses (httpx.MockTransport, no network)."""

from __future__ import annotations

import datetime as dt
import json
import random
from pathlib import Path
from typing import Any

import httpx
import pandas as pd
import pytest

from marketdata.providers.base import ProviderError
from marketdata.providers.fred import FREDProvider

RECORDED = Path(__file__).parent / "recorded"
KEY = "fred-test-key-0003"
START, END = dt.date(2023, 12, 29), dt.date(2024, 1, 5)


def recorded(name: str) -> Any:
    return json.loads((RECORDED / name).read_text())


class Vendor:
    """Serves recorded FRED bodies by (path, series_id) and records every request."""

    def __init__(self, routes: dict[tuple[str, str], Any]) -> None:
        self.routes = routes
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        params = request.url.params
        assert request.url.host == "api.stlouisfed.org"
        assert params["api_key"] == KEY and params["file_type"] == "json"
        route = self.routes[(request.url.path, params["series_id"])]
        return route if isinstance(route, httpx.Response) else httpx.Response(200, json=route)


def provider(vendor: Vendor) -> FREDProvider:
    client = httpx.Client(transport=httpx.MockTransport(vendor))
    return FREDProvider(KEY, client=client, rng=random.Random(2), sleep=lambda s: None)


def dgs10_vendor() -> Vendor:
    return Vendor(
        {
            ("/fred/series", "DGS10"): recorded("fred_series_DGS10.json"),
            ("/fred/series/observations", "DGS10"): recorded("fred_observations_DGS10.json"),
        }
    )


class TestSeries:
    def test_percent_series_as_decimals_without_missing_days(self) -> None:
        vendor = dgs10_vendor()
        series = provider(vendor).series("DGS10", START, END)

        expected = pd.Series(
            [0.0388, 0.0395, 0.0391, 0.0399, 0.0405],
            index=pd.Index(
                [dt.date(2023, 12, 29)] + [dt.date(2024, 1, d) for d in (2, 3, 4, 5)], name="date"
            ),
            name="DGS10",
        )
        pd.testing.assert_series_equal(series, expected)  # "." on 2024-01-01 dropped, not filled
        observations = vendor.requests[-1].url.params
        assert observations["observation_start"] == "2023-12-29"
        assert observations["observation_end"] == "2024-01-05"

    def test_units_are_read_once_per_series(self) -> None:
        vendor = dgs10_vendor()
        fred = provider(vendor)
        fred.series("DGS10", START, END)
        fred.series("DGS10", START, END)
        paths = [r.url.path for r in vendor.requests]
        assert paths.count("/fred/series") == 1 and paths.count("/fred/series/observations") == 2

    def test_non_percent_series_keeps_its_units(self) -> None:
        vendor = Vendor(
            {
                ("/fred/series", "VIXCLS"): recorded("fred_series_VIXCLS.json"),
                ("/fred/series/observations", "VIXCLS"): recorded("fred_observations_VIXCLS.json"),
            }
        )
        series = provider(vendor).series("VIXCLS", dt.date(2024, 1, 2), END)
        assert list(series) == [13.20, 14.04, 14.13, 13.35]  # index points, not divided

    def test_pages_through_large_answers(self) -> None:
        page = recorded("fred_observations_DGS10.json")
        first = {**page, "count": 6, "limit": 3, "observations": page["observations"][:3]}
        second = {**page, "count": 6, "offset": 3, "limit": 3, "observations": page["observations"][3:]}
        answers = iter([first, second])
        vendor = Vendor({("/fred/series", "DGS10"): recorded("fred_series_DGS10.json")})

        def handler(request: httpx.Request) -> httpx.Response:
            if request.url.path.endswith("/observations"):
                vendor.requests.append(request)
                return httpx.Response(200, json=next(answers))
            return vendor(request)

        fred = FREDProvider(KEY, client=httpx.Client(transport=httpx.MockTransport(handler)))
        assert len(fred.series("DGS10", START, END)) == 5
        offsets = [r.url.params["offset"] for r in vendor.requests if r.url.path.endswith("observations")]
        assert offsets == ["0", "3"]


class TestErrors:
    def test_unknown_series(self) -> None:
        vendor = Vendor(
            {("/fred/series", "NOPE"): httpx.Response(400, json=recorded("fred_error_series_not_found.json"))}
        )
        with pytest.raises(ProviderError, match="series does not exist") as caught:
            provider(vendor).series("NOPE", START, END)
        assert "'NOPE'" in str(caught.value) and KEY not in str(caught.value)

    def test_malformed_json(self) -> None:
        vendor = Vendor({("/fred/series", "DGS10"): httpx.Response(200, text="{not json")})
        with pytest.raises(ProviderError, match="malformed JSON") as caught:
            provider(vendor).series("DGS10", START, END)
        assert "https://api.stlouisfed.org/fred/series" in str(caught.value)
        assert KEY not in str(caught.value)

    @pytest.mark.parametrize("method", ["history", "quotes", "profile"])
    def test_prices_are_not_offered(self, method: str) -> None:
        fred = provider(Vendor({}))
        call = getattr(fred, method)
        args = (["AAPL"], START, END) if method == "history" else (["AAPL"],)
        with pytest.raises(ProviderError, match="FRED provides macro series only"):
            call(*args)
