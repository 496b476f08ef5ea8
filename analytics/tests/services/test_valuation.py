"""Engine 2 (position valuation) on the hand-worked book of ``analytics/tests/valuation_book.py``."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from analytics.models import PositionValuation
from analytics.services.valuation import valuation_step
from analytics.tests.valuation_book import AS_OF, CALL_OCC, Book, bar, hand_book
from marketdata.models import PriceBar
from portfolios.tests.factories import PortfolioFactory, PositionFactory

pytestmark = pytest.mark.django_db

FIELDS = [
    "price",
    "previous_close",
    "market_value",
    "cost_basis",
    "unrealized_pnl",
    "pnl_percent",
    "daily_pnl",
    "delta",
    "delta_adjusted_exposure",
    "underlying_price",
    "price_source",
]


@pytest.fixture
def book() -> Book:
    return hand_book()


def stored(position_id: object, as_of: dt.date = AS_OF) -> PositionValuation:
    return PositionValuation.objects.get(position_id=position_id, as_of_date=as_of)


class TestValuationStep:
    def test_every_stored_number_matches_the_hand_worked_book(self, book: Book) -> None:
        # when
        result = valuation_step(as_of=AS_OF, portfolio_ids=[str(book.portfolio.id)])

        # then: six held positions valued, the closed lot not
        assert PositionValuation.objects.filter(as_of_date=AS_OF).count() == 6
        assert not PositionValuation.objects.filter(position=book.closed).exists()
        for name, expected in book.expected().items():
            row = stored(getattr(book, name).id)
            assert row.portfolio_id == book.portfolio.id
            assert row.is_held
            for field in FIELDS:
                want, got = expected[field], getattr(row, field)
                if want is None or isinstance(want, str):
                    assert got == want, (name, field)
                else:
                    assert got == pytest.approx(want, rel=1e-9, abs=1e-9), (name, field)
        assert result.counts == {
            "positions": 6,
            "priced": 5,
            "model_priced": 1,
            "missing_price": 1,
            "missing_delta": 0,
            "deleted": 0,
        }

    def test_option_delta_signs_and_exposure(self, book: Book) -> None:
        valuation_step(as_of=AS_OF, portfolio_ids=[str(book.portfolio.id)])
        call, put = stored(book.call.id), stored(book.put.id)
        assert 0 < call.delta < 1 and call.delta_adjusted_exposure > 0
        # a short put is long delta: negative delta x negative quantity
        assert -1 < put.delta < 0 and put.delta_adjusted_exposure > 0

    def test_missing_price_gives_nulls_and_a_note_and_the_others_are_computed(self, book: Book) -> None:
        result = valuation_step(as_of=AS_OF, portfolio_ids=[str(book.portfolio.id)])
        ccc = stored(book.ccc.id)
        assert ccc.price is None and ccc.market_value is None and ccc.unrealized_pnl is None
        assert ccc.cost_basis == 200.0
        assert result.notes["missing_price"] == [
            {"portfolio_id": str(book.portfolio.id), "position_id": str(book.ccc.id), "symbol": "CCC"}
        ]
        assert stored(book.aaa.id).market_value == 10200.0

    def test_rerun_leaves_row_counts_unchanged_and_removes_positions_no_longer_held(self, book: Book) -> None:
        ids = [str(book.portfolio.id)]
        valuation_step(as_of=AS_OF, portfolio_ids=ids)
        valuation_step(as_of=AS_OF, portfolio_ids=ids)
        assert PositionValuation.objects.count() == 6

        # given the CCC lot is closed before as_of, a rerun deletes its row of that date
        book.ccc.exit_date, book.ccc.exit_price = dt.date(2024, 7, 2), Decimal("21")
        book.ccc.save()
        result = valuation_step(as_of=AS_OF, portfolio_ids=ids)
        assert result.counts["deleted"] == 1
        assert PositionValuation.objects.count() == 5
        assert not PositionValuation.objects.filter(position=book.ccc).exists()

    def test_other_portfolios_rows_are_left_alone(self, book: Book) -> None:
        other = PositionFactory(portfolio=PortfolioFactory(), symbol="AAA", entry_date=dt.date(2024, 1, 2))
        valuation_step(as_of=AS_OF, portfolio_ids=[str(other.portfolio_id)])
        valuation_step(as_of=AS_OF, portfolio_ids=[str(book.portfolio.id)])
        assert PositionValuation.objects.filter(position=other).exists()

    def test_previous_close_across_a_weekend(self, book: Book) -> None:
        # given Monday 2024-07-08 bars: the previous close is Friday's
        monday = dt.date(2024, 7, 8)
        PriceBar.objects.bulk_create(
            [bar("AAA", monday, 103), bar("BBB", monday, 47), bar(CALL_OCC, monday, 10)]
        )

        valuation_step(as_of=monday, portfolio_ids=[str(book.portfolio.id)])

        aaa = stored(book.aaa.id, monday)
        assert (aaa.price, aaa.previous_close, aaa.daily_pnl) == (103.0, 102.0, 100.0)
        call = stored(book.call.id, monday)
        assert call.previous_close == 9.5 and call.daily_pnl == pytest.approx(2 * (10 - 9.5) * 100)
        # the lot opened on Friday is now measured against Friday's close
        assert stored(book.bbb_new.id, monday).daily_pnl == pytest.approx(10 * (47 - 48))

    def test_empty_portfolio_writes_nothing(self) -> None:
        portfolio = PortfolioFactory()
        result = valuation_step(as_of=AS_OF, portfolio_ids=[str(portfolio.id)])
        assert result.counts["positions"] == 0
        assert PositionValuation.objects.count() == 0
