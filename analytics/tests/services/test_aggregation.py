"""Engine 3 (portfolio aggregation) on the hand-worked book of ``analytics/tests/valuation_book.py``."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from analytics.models import PortfolioAggregate
from analytics.services.aggregation import aggregation_step
from analytics.services.valuation import valuation_step
from analytics.tests.valuation_book import AS_OF, Book, hand_book
from portfolios.tests.factories import PortfolioFactory, PositionFactory

pytestmark = pytest.mark.django_db
approx = pytest.approx


@pytest.fixture
def book() -> Book:
    return hand_book()


def run(*portfolios: object) -> object:
    ids = [str(p.id) for p in portfolios]  # type: ignore[attr-defined]
    valuation_step(as_of=AS_OF, portfolio_ids=ids)
    return aggregation_step(as_of=AS_OF, portfolio_ids=ids)


class TestAggregationStep:
    def test_totals_match_the_hand_worked_book(self, book: Book) -> None:
        # given the hand-worked values (put price p, call and put deltas from Black-Scholes)
        e = book.expected()
        p, p_prev = e["put"]["price"], e["put"]["previous_close"]
        call_exposure, put_exposure = (
            e["call"]["delta_adjusted_exposure"],
            e["put"]["delta_adjusted_exposure"],
        )

        # when
        result = run(book.portfolio)

        # then
        agg = PortfolioAggregate.objects.get(portfolio=book.portfolio, as_of_date=AS_OF)
        long, short = 10200 + 1900 + 480, -2400 - 300 * p
        net = long + short
        assert agg.long_value == approx(long)
        assert agg.short_value == approx(short)
        assert agg.gross_exposure == approx(long - short)
        assert agg.net_exposure == approx(net)
        assert agg.cash == 10000.0
        assert agg.nav == approx(net + 10000)
        assert agg.delta_long == approx(10200 + 480 + call_exposure + put_exposure)
        assert agg.delta_short == approx(-2400)
        assert agg.delta_gross == approx(10200 + 480 + call_exposure + put_exposure + 2400)
        assert agg.delta_net == approx(10200 + 480 + call_exposure + put_exposure - 2400)
        assert agg.cost_basis == approx(9000 - 2750 + 1000 - 1200 + 200 + 475)
        assert agg.unrealized_pnl == approx(1200 + 350 + 900 + (1200 - 300 * p) + 5)
        assert agg.daily_pnl == approx(200 + 100 + 300 - 300 * (p - p_prev) + 5)
        assert (agg.position_count, agg.priced_count) == (6, 5)
        totals = agg.breakdowns["totals"]
        # the gross cost of the priced positions: CCC (cost 200, no price) has no P&L, so it is not in
        # the base of pnl_percent either
        assert totals["abs_cost_basis"] == approx(9000 + 2750 + 1000 + 1200 + 475)
        assert totals["pnl_percent"] == approx(agg.unrealized_pnl / totals["abs_cost_basis"] * 100)
        assert (totals["long_count"], totals["short_count"], totals["mv_missing"]) == (4, 1, 1)
        assert result.counts == {"portfolios": 1, "positions": 6, "unpriced": 1}
        assert result.failures == {}

    def test_breakdowns_by_type_underlying_sector_and_tag(self, book: Book) -> None:
        p = book.expected()["put"]["price"]
        run(book.portfolio)
        agg = PortfolioAggregate.objects.get(portfolio=book.portfolio, as_of_date=AS_OF)
        b = agg.breakdowns

        assert set(b["type"]) == {"LONG", "SHORT", "LC", "SP"}
        assert b["type"]["LONG"]["net"] == approx(10200 + 480)
        assert (b["type"]["LONG"]["position_count"], b["type"]["LONG"]["mv_missing"]) == (3, 1)
        assert b["type"]["SP"]["short"] == approx(-300 * p)

        assert b["underlying"]["AAA"]["net"] == approx(10200 + 1900 - 300 * p)
        assert b["underlying"]["BBB"]["net"] == approx(-2400 + 480)
        assert b["underlying"]["CCC"]["net"] == 0 and b["underlying"]["CCC"]["mv_missing"] == 1

        assert set(b["sector"]) == {"Technology", "Energy", "Unknown"}
        assert b["sector"]["Technology"]["gross"] == approx(10200 + 1900 + 300 * p)

        assert set(b["tag"]) == {"tech", "hedge"}
        assert b["tag"]["tech"]["long"] == approx(12100) and b["tag"]["tech"]["position_count"] == 2
        assert b["tag"]["hedge"]["tag_type"] == "strategy" and b["tag"]["tech"]["tag_type"] == "regular"
        assert b["tag"]["tech"]["long_pct"] == approx(12100 / agg.nav * 100)

    def test_rerun_leaves_row_counts_unchanged(self, book: Book) -> None:
        run(book.portfolio)
        first = PortfolioAggregate.objects.get(portfolio=book.portfolio)
        run(book.portfolio)
        assert PortfolioAggregate.objects.count() == 1
        again = PortfolioAggregate.objects.get(portfolio=book.portfolio)
        assert again.nav == first.nav and again.calculated_at >= first.calculated_at

    def test_cash_only_and_many_portfolios_at_once(self, book: Book) -> None:
        cash_only = PortfolioFactory(cash_balance=Decimal("2500.50"))
        run(book.portfolio, cash_only)
        agg = PortfolioAggregate.objects.get(portfolio=cash_only)
        assert (agg.nav, agg.gross_exposure, agg.position_count, agg.unrealized_pnl) == (2500.5, 0, 0, 0)
        assert agg.breakdowns["type"] == {}
        assert PortfolioAggregate.objects.count() == 2

    def test_portfolio_without_valuations_fails_and_others_are_done(self, book: Book) -> None:
        # given a portfolio whose positions were never valued for the date
        stale = PositionFactory(portfolio=PortfolioFactory(), symbol="AAA", entry_date=dt.date(2024, 1, 2))
        valuation_step(as_of=AS_OF, portfolio_ids=[str(book.portfolio.id)])

        result = aggregation_step(
            as_of=AS_OF, portfolio_ids=[str(book.portfolio.id), str(stale.portfolio_id)]
        )

        assert set(result.failures) == {str(stale.portfolio_id)}
        assert "valuation missing for 1 of 1" in result.failures[str(stale.portfolio_id)]
        assert PortfolioAggregate.objects.filter(portfolio=book.portfolio).exists()
        assert not PortfolioAggregate.objects.filter(portfolio_id=stale.portfolio_id).exists()

    def test_batch_run_of_both_engines(self, book: Book) -> None:
        from analytics.batch.services import batch_run_create, batch_run_execute

        run_ = batch_run_create(
            as_of=AS_OF, engines=["valuation", "aggregation"], portfolio_ids=[book.portfolio.id]
        )
        run_ = batch_run_execute(run=run_)
        assert run_.status == "succeeded"
        assert PortfolioAggregate.objects.filter(portfolio=book.portfolio, as_of_date=AS_OF).exists()
