"""A small long/short book with options, batched by the full pipeline on the synthetic market.

``batched_book()`` builds it inside a ``module_db`` layer: a user, a portfolio (AAPL 100 long with
two formula-like tags, JPM -50 short, 2 long MSFT calls, a short AAPL put, cash 10,000) and a
run of all 8 engines for AS_OF, so every /data and /analytics endpoint the exports read answers.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.core.cache import cache
from django.test import override_settings

from accounts.models import User
from accounts.tests.factories import UserFactory
from analytics.batch.services import batch_run_create, batch_run_execute
from portfolios.models import Portfolio, Position
from portfolios.tests.factories import PortfolioFactory, PositionFactory, TagFactory

AS_OF = dt.date(2026, 11, 20)
SETTINGS = {"SYNTHETIC_AS_OF": AS_OF.isoformat(), "MARKET_DATA_PROVIDER": "synthetic", "SYNTHETIC_SEED": 42}
#: Tags a spreadsheet would run as formulas.
FORMULA_TAG = '=HYPERLINK("http://evil.example","click")'
MINUS_TAG = "-1+1"


@dataclass
class Book:
    owner: User
    portfolio: Portfolio
    positions: dict[str, Position]


def batched_book() -> Book:
    """Creates the book and runs the whole batch on it (call inside ``module_db``)."""
    cache.clear()
    with override_settings(**SETTINGS):
        owner = UserFactory()
        portfolio = PortfolioFactory(owner=owner, name="Export Test Book", cash_balance=Decimal("10000"))
        entry = dt.date(2025, 6, 2)
        tags = [TagFactory(owner=owner, name=FORMULA_TAG), TagFactory(owner=owner, name=MINUS_TAG)]
        positions = {
            "aapl": PositionFactory(
                portfolio=portfolio,
                symbol="AAPL",
                quantity=Decimal("100"),
                entry_price=Decimal("200"),
                entry_date=entry,
                tags=tags,
            ),
            "jpm": PositionFactory(
                portfolio=portfolio,
                symbol="JPM",
                quantity=Decimal("-50"),
                entry_price=Decimal("250"),
                entry_date=entry,
                position_type="SHORT",
                tags=[tags[0]],
            ),
            "msft_call": PositionFactory(
                portfolio=portfolio,
                symbol="MSFT  270115C00500000",
                position_type="LC",
                quantity=Decimal("2"),
                multiplier=100,
                entry_price=Decimal("40"),
                entry_date=entry,
                underlying_symbol="MSFT",
                option_type="call",
                strike_price=Decimal("500"),
                expiration_date=dt.date(2027, 1, 15),
            ),
            "aapl_put": PositionFactory(
                portfolio=portfolio,
                symbol="AAPL  270115P00180000",
                position_type="SP",
                quantity=Decimal("-3"),
                multiplier=100,
                entry_price=Decimal("8"),
                entry_date=entry,
                underlying_symbol="AAPL",
                option_type="put",
                strike_price=Decimal("180"),
                expiration_date=dt.date(2027, 1, 15),
            ),
        }
        run = batch_run_execute(
            run=batch_run_create(as_of=AS_OF, portfolio_ids=[str(portfolio.id)], trigger="test")
        )
        assert run.status == "succeeded", run.error
    cache.clear()
    return Book(owner=owner, portfolio=portfolio, positions=positions)
