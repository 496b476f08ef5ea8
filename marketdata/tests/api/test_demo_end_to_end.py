"""As a new user would: ``manage.py seed_demo`` then the market data every demo book needs.

After the README's run command (which seeds the demo and runs the batch), every symbol a demo
portfolio holds (stocks, ETFs, funds, option underlyings and the OCC option contracts) and the 7
factor ETFs have at least 252 aligned daily bars up to the as-of date.
"""

from __future__ import annotations

import datetime as dt
import io
from collections import defaultdict
from collections.abc import Iterator

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.test import override_settings
from rest_framework.test import APIClient

from marketdata.models import PriceBar
from marketdata.providers.calendar import trading_days
from portfolios.demo import DEMO_PASSWORD, demo_emails
from portfolios.models import Portfolio

AS_OF = dt.date(2026, 11, 20)
FACTOR_ETFS = ("SPY", "VTV", "VUG", "MTUM", "QUAL", "IWM", "USMV")
WINDOW = 252


DEMO_SETTINGS = {
    "MARKET_DATA_PROVIDER": "synthetic",
    "SYNTHETIC_AS_OF": AS_OF.isoformat(),
    "SYNTHETIC_SEED": 42,
}


@pytest.fixture(scope="module")
def demo_rows(module_db) -> None:  # type: ignore[no-untyped-def]
    """``seed_demo`` once for the module (both tests only read what it wrote)."""
    cache.clear()
    with override_settings(**DEMO_SETTINGS):
        module_db(call_command, "seed_demo", stdout=io.StringIO())
    cache.clear()


@pytest.fixture
def seeded_demo(db, demo_rows) -> Iterator[None]:  # type: ignore[no-untyped-def]
    cache.clear()
    with override_settings(**DEMO_SETTINGS):
        yield
    cache.clear()


def held_symbols(portfolio: Portfolio) -> set[str]:
    symbols: set[str] = set()
    for symbol, underlying in portfolio.positions.values_list("symbol", "underlying_symbol"):
        symbols.add(symbol)
        if underlying:
            symbols.add(underlying)
    return symbols


def login(email: str) -> APIClient:
    client = APIClient()
    response = client.post("/api/v1/auth/login", {"email": email, "password": DEMO_PASSWORD}, format="json")
    assert response.status_code == 200, response.content
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {response.json()['access_token']}")
    return client


@pytest.mark.slow
@pytest.mark.usefixtures("seeded_demo")
def test_every_demo_book_has_252_aligned_days_of_prices() -> None:
    window = trading_days(AS_OF - dt.timedelta(days=400), AS_OF)[-WINDOW:]
    portfolios = list(Portfolio.objects.filter(owner__email__in=demo_emails()))
    assert len(portfolios) == 3
    wanted = {p.name: held_symbols(p) | set(FACTOR_ETFS) for p in portfolios}
    all_symbols = set().union(*wanted.values())
    assert any(len(s) == 21 and s[6:12].isdigit() for s in all_symbols)  # OCC contracts are included

    dates: dict[str, set[dt.date]] = defaultdict(set)
    for symbol, day in PriceBar.objects.filter(symbol__in=all_symbols, date__gte=window[0]).values_list(
        "symbol", "date"
    ):
        dates[symbol].add(day)
    for name, symbols in wanted.items():
        short = {s: len(set(window) - dates[s]) for s in symbols if not set(window) <= dates[s]}
        assert short == {}, f"{name}: symbols missing some of the last {WINDOW} sessions: {short}"
        assert all(max(dates[s]) == AS_OF for s in symbols)


@pytest.mark.slow
@pytest.mark.usefixtures("seeded_demo")
def test_a_demo_user_sees_factor_prices_and_quotes() -> None:
    portfolio = Portfolio.objects.filter(owner__email__in=demo_emails()).order_by("name").first()
    assert portfolio is not None
    client = login(portfolio.owner.email)

    factors = client.get("/api/v1/data/factors/etf-prices", {"lookback_days": WINDOW}).json()
    assert factors["data_source"] == "synthetic"
    assert len(factors["factors"]) == 7
    for factor in factors["factors"].values():
        assert len(factor["dates"]) == WINDOW and factor["dates"][-1] == AS_OF.isoformat()
        assert None not in factor["prices"] and None not in factor["returns"]

    symbols = sorted(held_symbols(portfolio))
    quotes = client.get("/api/v1/data/prices/quotes", {"symbols": ",".join(symbols)}).json()
    assert quotes["missing"] == []
    assert sorted(q["symbol"] for q in quotes["quotes"]) == symbols
