"""marketdata.selectors.last_closes: the last close on or before a date, in one query."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from marketdata.models import PriceBar
from marketdata.selectors import LastClose, last_closes

DAY = dt.date(2026, 11, 20)


def bar(symbol: str, date: dt.date, close: float) -> PriceBar:
    return PriceBar.objects.create(
        symbol=symbol, date=date, open=1, high=1, low=1, close=close, adjusted_close=1, source="synthetic"
    )


@pytest.mark.django_db
def test_the_last_close_on_or_before_the_date_and_the_bar_count():
    bar("AAPL", DAY - dt.timedelta(days=2), 100.0)
    bar("AAPL", DAY, 101.5)
    bar("AAPL", DAY + dt.timedelta(days=1), 999.0)  # after the date: ignored
    bar("MSFT", DAY - dt.timedelta(days=10), 50.0)
    bar("NVDA", DAY + dt.timedelta(days=1), 1.0)  # only after: absent

    with CaptureQueriesContext(connection) as ctx:
        found = last_closes(symbols=["AAPL", "MSFT", "NVDA", "ZZZZ"], as_of=DAY)

    assert len(ctx.captured_queries) == 1
    assert found == {
        "AAPL": LastClose(close=101.5, date=DAY, bars=2),
        "MSFT": LastClose(close=50.0, date=DAY - dt.timedelta(days=10), bars=1),
    }
    assert last_closes(symbols=[], as_of=DAY) == {}
