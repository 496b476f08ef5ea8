"""A small batched book on the synthetic market for the modeling tests.

``modeling_world()``: one owner, a long/short book with a call on MSFT (``main``), the batch run
on :data:`AS_OF`, and ``copy`` = the same book without its AAPL lot and with the AAPL proceeds at
the last close in its cash, run through the batch too (what closing AAPL in a session must give).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.test import override_settings

from accounts.models import User
from accounts.tests.factories import UserFactory
from analytics.batch.services import batch_run_create, batch_run_execute
from analytics.selectors.market_inputs import price_snapshot
from portfolios.models import Portfolio
from portfolios.tests.factories import PortfolioFactory, PositionFactory

AS_OF = dt.date(2026, 11, 20)
ENTRY = dt.date(2025, 6, 2)
CASH = Decimal("25000")
SETTINGS = {"SYNTHETIC_AS_OF": AS_OF.isoformat(), "MARKET_DATA_PROVIDER": "synthetic"}


@dataclass
class World:
    owner: User
    main: Portfolio
    copy: Portfolio
    aapl_close: float


def book(owner: User, *, with_aapl: bool = True, cash: Decimal = CASH) -> Portfolio:
    portfolio = PortfolioFactory(owner=owner, cash_balance=cash)
    if with_aapl:
        PositionFactory(
            portfolio=portfolio,
            symbol="AAPL",
            quantity=Decimal("100"),
            entry_price=Decimal("200"),
            entry_date=ENTRY,
        )
    PositionFactory(
        portfolio=portfolio,
        symbol="JPM",
        quantity=Decimal("-50"),
        entry_price=Decimal("250"),
        entry_date=ENTRY,
        position_type="SHORT",
    )
    PositionFactory(
        portfolio=portfolio,
        symbol="SPY",
        quantity=Decimal("60"),
        entry_price=Decimal("500"),
        entry_date=ENTRY,
    )
    PositionFactory(
        portfolio=portfolio,
        symbol="MSFT  270115C00500000",
        position_type="LC",
        quantity=Decimal("2"),
        multiplier=100,
        entry_price=Decimal("40"),
        entry_date=ENTRY,
        underlying_symbol="MSFT",
        option_type="call",
        strike_price=Decimal("500"),
        expiration_date=dt.date(2027, 1, 15),
    )
    return portfolio


def run_batch(*portfolios: Portfolio) -> None:
    with override_settings(**SETTINGS):
        run = batch_run_create(as_of=AS_OF, portfolio_ids=[str(p.id) for p in portfolios], trigger="test")
        run = batch_run_execute(run=run)
    assert run.status == "succeeded", run.error


def modeling_world() -> World:
    owner = UserFactory()
    main = book(owner)
    run_batch(main)
    close = float(price_snapshot(symbols=["AAPL"], as_of=AS_OF).close["AAPL"])
    proceeds = (Decimal(repr(close)) * 100).quantize(Decimal("0.01"))
    copy = book(owner, with_aapl=False, cash=CASH + proceeds)
    run_batch(copy)
    return World(owner=owner, main=main, copy=copy, aapl_close=close)
