"""Cached /data and /analytics GET responses (sigmasight/api/response_cache.py, issue 15).

One user holds a 3-position and a 30-position book (stocks, shorts and listed options on the
synthetic market), batched by the whole pipeline; another user holds nothing. With the cache on:

* a cached response is the uncached one (a hit is byte for byte the miss), and the query count of every GET is the
  same for both books, on a miss and on a hit (a hit runs no query at all);
* a position write, a portfolio write and a batch run change the next response;
* another user never gets a cached response: 404, before and after the owner's entry exists.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from django.core.cache import cache, caches
from django.core.management import call_command
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from accounts.models import User
from accounts.tests.factories import UserFactory
from analytics.batch.services import batch_run_create, batch_run_execute
from portfolios.models import Portfolio, Position
from portfolios.tests.factories import PortfolioFactory, PositionFactory

AS_OF = dt.date(2026, 11, 20)
SETTINGS = {"SYNTHETIC_AS_OF": AS_OF.isoformat(), "MARKET_DATA_PROVIDER": "synthetic", "SYNTHETIC_SEED": 42}
CACHE_ON = {"API_RESPONSE_CACHE_SECONDS": 600}
V1 = "/api/v1"
STOCKS = [
    "AAPL", "MSFT", "JPM", "XOM", "JNJ", "PG", "NVDA", "AMZN", "GOOGL", "META", "TSLA", "V", "MA",
    "HD", "KO", "PEP", "WMT", "DIS", "BAC", "CVX", "PFE", "MRK", "CSCO", "INTC", "ORCL", "SPY", "QQQ",
]  # fmt: skip

#: Every cached GET, with ``{p}`` for the portfolio id.
URLS = [
    "/data/portfolios",
    "/data/portfolio/{p}/complete",
    "/data/portfolio/{p}/data-quality",
    "/data/positions/details?portfolio_id={p}",
    "/data/positions/top/{p}",
    "/data/prices/historical/{p}?lookback_days=30",
    "/data/factors/etf-prices?lookback_days=30",
    "/analytics/portfolio/{p}/overview",
    "/analytics/portfolio/{p}/performance",
    "/analytics/portfolio/{p}/performance?period=1m",
    "/analytics/positions/attribution?portfolio_id={p}",
    "/analytics/risk/{p}/overview",
    "/analytics/risk/{p}/var",
    "/analytics/risk/{p}/contributions",
    "/analytics/risk/{p}/greeks?include_after_expiry=true",
    "/analytics/risk/{p}/scenarios?scenarios=market_down_10,covid_crash_2020",
    "/analytics/factors/{p}/exposures",
    "/analytics/factors/definitions",
    "/analytics/factors/correlations",
    "/analytics/correlation/{p}/matrix",
    "/analytics/risk/{p}/option-grid",
    "/analytics/risk/{p}/liquidity",
    "/analytics/risk/{p}/expiries",
    "/analytics/risk/{p}/reverse-stress?loss_percent=20",
    "/analytics/risk/{p}/backtest?method=parametric&days=10",
]
PORTFOLIO_URLS = [u for u in URLS if "{p}" in u]


@dataclass
class Books:
    owner: User
    other: User
    small: Portfolio
    big: Portfolio


def _option(portfolio: Portfolio, underlying: str, strike: int, call: bool, qty: int) -> Position:
    letter = "C" if call else "P"
    return PositionFactory(
        portfolio=portfolio,
        symbol=f"{underlying:<6}270115{letter}{strike * 1000:08d}",
        position_type=("LC" if call else "LP") if qty > 0 else ("SC" if call else "SP"),
        quantity=Decimal(qty),
        multiplier=100,
        entry_price=Decimal("10"),
        entry_date=dt.date(2025, 6, 2),
        underlying_symbol=underlying,
        option_type="call" if call else "put",
        strike_price=Decimal(strike),
        expiration_date=dt.date(2027, 1, 15),
    )


def _stock(portfolio: Portfolio, symbol: str, qty: int) -> Position:
    return PositionFactory(
        portfolio=portfolio,
        symbol=symbol,
        position_type="LONG" if qty > 0 else "SHORT",
        quantity=Decimal(qty),
        entry_price=Decimal("100"),
        entry_date=dt.date(2025, 6, 2),
    )


def _build() -> Books:
    cache.clear()
    with override_settings(**SETTINGS):
        owner, other = UserFactory(), UserFactory()
        small = PortfolioFactory(owner=owner, name="Small", cash_balance=Decimal("10000"))
        _stock(small, "AAPL", 100)
        _stock(small, "JPM", -50)
        _option(small, "MSFT", 500, True, 2)
        big = PortfolioFactory(owner=owner, name="Big", cash_balance=Decimal("100000"))
        for i, symbol in enumerate(STOCKS):
            _stock(big, symbol, -40 if i % 4 == 3 else 60 + i)
        _option(big, "MSFT", 500, True, 2)
        _option(big, "AAPL", 180, False, -3)
        _option(big, "SPY", 600, False, 1)
        run = batch_run_execute(
            run=batch_run_create(as_of=AS_OF, portfolio_ids=[str(small.id), str(big.id)], trigger="test")
        )
        assert run.status == "succeeded", run.error
        # the test settings' batch stores only the last few VaR forecasts: enough for /backtest
        call_command(
            "backfill_var_forecasts", "--days", "11", "--as-of", AS_OF.isoformat(), stdout=io.StringIO()
        )
    cache.clear()
    return Books(owner=owner, other=other, small=small, big=big)


@pytest.fixture(scope="module")
def books(module_db: Any) -> Books:
    return module_db(_build)


@pytest.fixture
def cache_on() -> Iterator[None]:
    with override_settings(**SETTINGS, **CACHE_ON):
        yield


def client(user: User) -> APIClient:
    c = APIClient()
    c.force_authenticate(user)
    return c


def path(url: str, portfolio: Portfolio) -> str:
    return V1 + url.format(p=portfolio.id)


def _without_time(content: bytes) -> Any:
    body = json.loads(content)
    if isinstance(body, dict):
        body.pop("calculated_at", None)
    return body


def counted_get(c: APIClient, url: str) -> tuple[int, bytes, int]:
    with CaptureQueriesContext(connection) as queries:
        response = c.get(url)
    return response.status_code, response.content, len(queries)


@pytest.mark.django_db
class TestCachedResponses:
    @pytest.mark.parametrize("url", URLS)
    def test_cached_equals_uncached_and_queries_do_not_grow(self, books: Books, url: str) -> None:
        c = client(books.owner)
        counts = {}
        for book in (books.small, books.big):
            with override_settings(**SETTINGS, API_RESPONSE_CACHE_SECONDS=0):
                status, uncached, plain = counted_get(c, path(url, book))
            assert status == 200, uncached[:300]
            with override_settings(**SETTINGS, **CACHE_ON):
                cache.clear()
                _, miss, on_miss = counted_get(c, path(url, book))
                _, hit, on_hit = counted_get(c, path(url, book))
            assert hit == miss
            # endpoints computed on request stamp ``calculated_at`` with the time of computing
            assert _without_time(miss) == _without_time(uncached)
            counts[book.name] = (plain, on_miss, on_hit)
        # the same number of queries for 3 and for 30 positions, uncached, on a miss and on a hit
        assert counts["Small"] == counts["Big"], counts
        plain, on_miss, on_hit = counts["Small"]
        assert on_miss == plain and on_hit == 0

    def test_a_position_write_changes_the_next_response(self, books: Books, cache_on: None) -> None:
        c = client(books.owner)
        url = path("/data/positions/details?portfolio_id={p}", books.small)
        before = c.get(url).json()
        aapl = Position.objects.get(portfolio=books.small, symbol="AAPL")

        patched = c.patch(f"{V1}/management/positions/{aapl.id}", {"quantity": "150"}, format="json")

        assert patched.status_code == 200, patched.content
        after = c.get(url).json()
        quantity = {p["symbol"]: p["quantity"] for p in after["positions"]}
        assert {p["symbol"]: p["quantity"] for p in before["positions"]}["AAPL"] == 100
        assert quantity["AAPL"] == 150

    def test_a_new_and_a_deleted_position_change_the_next_response(
        self, books: Books, cache_on: None
    ) -> None:
        c = client(books.owner)
        url = path("/data/positions/details?portfolio_id={p}", books.small)
        count = len(c.get(url).json()["positions"])
        added = _stock(books.small, "KO", 10)  # an ORM write outside the API
        assert len(c.get(url).json()["positions"]) == count + 1
        added.delete()
        assert len(c.get(url).json()["positions"]) == count

    def test_a_portfolio_write_changes_the_next_response(self, books: Books, cache_on: None) -> None:
        c = client(books.owner)
        url = path("/data/portfolio/{p}/complete", books.small)
        names = lambda: {p["name"] for p in c.get(f"{V1}/data/portfolios").json()}  # noqa: E731
        assert c.get(url).json()["portfolio"]["name"] == "Small" and names() == {"Small", "Big"}
        portfolio = Portfolio.objects.get(pk=books.small.pk)
        portfolio.name = "Renamed"
        portfolio.save()
        assert c.get(url).json()["portfolio"]["name"] == "Renamed"
        assert names() == {"Renamed", "Big"}

    def test_a_position_write_changes_the_list_of_portfolios(self, books: Books, cache_on: None) -> None:
        c = client(books.owner)
        counts = lambda: {p["name"]: p["position_count"] for p in c.get(f"{V1}/data/portfolios").json()}  # noqa: E731
        before = counts()
        added = _stock(books.small, "KO", 10)
        assert counts() == {**before, "Small": before["Small"] + 1}
        added.delete()
        assert counts() == before

    def test_a_batch_run_changes_the_next_response(self, books: Books, cache_on: None) -> None:
        c = client(books.owner)
        url = path("/analytics/risk/{p}/greeks", books.small)
        before = c.get(url).json()
        # a write the cache cannot see (no signal): the cached response stays until the batch
        Position.objects.filter(portfolio=books.small, symbol="MSFT  270115C00500000").update(
            quantity=Decimal("4")
        )
        assert c.get(url).json() == before
        run = batch_run_execute(run=batch_run_create(as_of=AS_OF, portfolio_ids=[str(books.small.id)]))
        assert run.status == "succeeded", run.error
        after = c.get(url).json()
        option = lambda body: next(p for p in body["by_position"] if p["is_option"])  # noqa: E731
        assert option(after)["delta"] == pytest.approx(2 * option(before)["delta"], rel=1e-6)
        assert after["calculated_at"] != before["calculated_at"]

    def test_a_var_forecast_backfill_changes_the_next_backtest(self, books: Books, cache_on: None) -> None:
        from analytics.models import VarForecast
        from analytics.services.var_forecasts import var_forecasts_save

        c = client(books.owner)
        url = path("/analytics/risk/{p}/backtest?method=parametric&days=10", books.small)
        before = c.get(url).json()
        rows = list(VarForecast.objects.filter(portfolio=books.small, method="parametric"))
        for row in rows:
            row.value = 0.0  # every losing day an exception: the saved rows must show at once
        var_forecasts_save(rows=rows)
        after = c.get(url).json()
        losing_days = sum(1 for day in after["series"] if day["pnl"] < 0)
        assert after["exceptions"] == losing_days > before["exceptions"]

    @pytest.mark.parametrize("url", PORTFOLIO_URLS)
    def test_another_user_never_gets_a_cached_response(self, books: Books, cache_on: None, url: str) -> None:
        target = path(url, books.big)
        assert client(books.other).get(target).status_code == 404  # before the owner's entry
        assert client(books.owner).get(target).status_code == 200
        assert client(books.owner).get(target).status_code == 200  # cached now
        response = client(books.other).get(target)
        assert response.status_code == 404, response.content[:200]
        assert response.json()["error"]["code"] == "NOT_FOUND"

    def test_an_id_spelled_differently_is_invalidated_too(self, books: Books, cache_on: None) -> None:
        c = client(books.owner)
        url = f"{V1}/data/positions/details?portfolio_id={str(books.small.id).upper()}"
        response = c.get(url)
        assert response.status_code == 200, response.content
        count = len(response.json()["positions"])
        added = _stock(books.small, "KO", 10)
        assert len(c.get(url).json()["positions"]) == count + 1
        added.delete()


@pytest.mark.django_db
def test_with_redis_a_hit_is_the_miss_and_a_write_invalidates(books: Books, redis_url: str) -> None:
    """The production backend: entries and generations in Redis (a key prefix of this test only)."""
    redis_cache = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": redis_url,
            "KEY_PREFIX": f"test-response-cache-{uuid.uuid4().hex}",
        }
    }
    with override_settings(**SETTINGS, **CACHE_ON, CACHES=redis_cache):  # Django swaps the cache in
        assert type(caches["default"]).__name__ == "RedisCache"
        c = client(books.owner)
        url = path("/data/positions/details?portfolio_id={p}", books.small)
        _, miss, _ = counted_get(c, url)
        _, hit, on_hit = counted_get(c, url)
        assert hit == miss and on_hit == 0
        count = len(json.loads(hit)["positions"])
        added = _stock(books.small, "KO", 10)
        assert len(c.get(url).json()["positions"]) == count + 1
        added.delete()
        assert len(c.get(url).json()["positions"]) == count
