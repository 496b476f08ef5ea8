"""GET /api/v1/data/prices/historical/{portfolio_id}."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from analytics.tests.valuation_book import EXPIRY, bar
from marketdata.models import PriceBar
from marketdata.selectors import model_factor_etfs
from portfolios.tests.factories import PortfolioFactory, PositionFactory

pytestmark = pytest.mark.django_db
D1, D2, D3 = dt.date(2024, 7, 2), dt.date(2024, 7, 3), dt.date(2024, 7, 5)


def url(portfolio_id: object) -> str:
    return f"/api/v1/data/prices/historical/{portfolio_id}"


@pytest.fixture
def portfolio(user):  # type: ignore[no-untyped-def]
    # AAA has bars on D1..D3, BBB misses D2; an option on CCC brings its underlying, not its OCC symbol;
    # a closed lot (DDD) is not included.
    PriceBar.objects.bulk_create(
        [bar("AAA", d, 100 + i, volume=10 + i) for i, d in enumerate((D1, D2, D3))]
        + [bar("BBB", D1, 50), bar("BBB", D3, 52.123456)]
        + [bar("CCC", D3, 20), bar("CCC  241220C00020000", D3, 1.5), bar("DDD", D3, 9)]
        + [bar("SPY", D3, 500)]
    )
    portfolio = PortfolioFactory(owner=user)
    PositionFactory(portfolio=portfolio, symbol="AAA")
    PositionFactory(portfolio=portfolio, short=True, symbol="BBB")
    PositionFactory(
        portfolio=portfolio,
        long_call=True,
        symbol="CCC  241220C00020000",
        underlying_symbol="CCC",
        expiration_date=EXPIRY,
    )
    PositionFactory(portfolio=portfolio, symbol="DDD", exit_date=dt.date(2024, 6, 1), exit_price=9)
    return portfolio


class TestHistoricalPrices:
    def test_parallel_arrays_on_the_union_of_dates(self, portfolio, auth_client) -> None:
        response = auth_client.get(url(portfolio.id), {"include_factor_etfs": "false"})

        assert response.status_code == 200, response.content
        body = response.json()
        assert body["metadata"] == {
            "lookback_days": 150,
            "start_date": "2024-07-02",
            "end_date": "2024-07-05",
            "trading_days_included": 3,
            "date_format": "iso",
            "symbol_count": 3,
            "symbols_without_data": [],
        }
        assert set(body["symbols"]) == {"AAA", "BBB", "CCC"}
        bbb = body["symbols"]["BBB"]
        assert set(bbb) == {"dates", "open", "high", "low", "close", "adjusted_close", "volume"}
        assert bbb["dates"] == ["2024-07-02", "2024-07-03", "2024-07-05"]
        assert bbb["close"] == [50.0, None, 52.1235]  # missing bar -> null; 4 decimals
        assert bbb["volume"] == [1000, None, 1000]
        assert body["symbols"]["AAA"]["adjusted_close"] == [100.0, 101.0, 102.0]
        assert body["symbols"]["AAA"]["volume"] == [10, 11, 12]
        assert body["symbols"]["CCC"]["close"] == [None, None, 20.0]
        assert body["data_source"] == "synthetic"

    def test_lookback_and_unix_dates(self, portfolio, auth_client) -> None:
        body = auth_client.get(
            url(portfolio.id), {"lookback_days": "2", "date_format": "unix", "include_factor_etfs": "false"}
        ).json()
        assert body["metadata"]["trading_days_included"] == 2
        assert body["metadata"]["start_date"] == "2024-07-03"
        assert body["symbols"]["AAA"]["dates"] == [1719964800, 1720137600]  # 00:00 UTC of D2 and D3
        assert body["symbols"]["AAA"]["close"] == [101.0, 102.0]

    def test_factor_etfs_included_by_default(self, portfolio, auth_client) -> None:
        body = auth_client.get(url(portfolio.id)).json()
        etfs = model_factor_etfs()
        assert set(etfs.values()) <= set(body["symbols"])
        assert body["metadata"]["factor_etfs"] == etfs
        assert body["symbols"]["SPY"]["close"] == [None, None, 500.0]
        # ETFs without any stored bar are listed, their arrays all null
        assert "VTV" in body["metadata"]["symbols_without_data"]
        assert body["symbols"]["VTV"]["close"] == [None, None, None]

    @pytest.mark.parametrize(
        "params",
        [
            {"lookback_days": "0"},
            {"lookback_days": "1261"},
            {"lookback_days": "x"},
            {"date_format": "epoch"},
            {"include_factor_etfs": "sometimes"},
            {"symbols": "AAA"},
        ],
    )
    def test_400_for_bad_or_unknown_params(self, portfolio, auth_client, params) -> None:
        response = auth_client.get(url(portfolio.id), params)
        assert response.status_code == 400
        assert set(response.json()["error"]["details"]) == set(params)

    def test_401_and_404(self, portfolio, api_client, other_user, client_for) -> None:
        assert api_client.get(url(portfolio.id)).status_code == 401
        assert client_for(other_user).get(url(portfolio.id)).status_code == 404

    def test_empty_portfolio_without_factor_etfs(self, user, auth_client) -> None:
        body = auth_client.get(url(PortfolioFactory(owner=user).id), {"include_factor_etfs": "false"}).json()
        assert body["symbols"] == {} and body["metadata"]["trading_days_included"] == 0

    def test_query_count_does_not_grow_with_positions(self, user, auth_client) -> None:
        counts = []
        for n in (10, 60):
            portfolio = PortfolioFactory(owner=user)
            PriceBar.objects.bulk_create([bar(f"H{n}X{i}", d, 10) for i in range(n) for d in (D1, D2, D3)])
            for i in range(n):
                PositionFactory(portfolio=portfolio, symbol=f"H{n}X{i}")
            with CaptureQueriesContext(connection) as ctx:
                response = auth_client.get(url(portfolio.id))
            assert response.status_code == 200 and len(response.json()["symbols"]) == n + 7
            counts.append(len(ctx))
        assert counts[0] == counts[1]
