"""Engine 8: NAV snapshots backfilled from lots, flows, returns, and the performance summary."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import empyrical
import numpy as np
import pytest

from analytics.models import PerformanceSummary, PortfolioSnapshot
from analytics.services.snapshots import snapshots_step
from analytics.tests.performance_book import (
    AAA_CLOSES,
    FLOW_FLOWS,
    FLOW_NAV,
    FLOW_RETURNS,
    RATE,
    D,
    flow_book,
    lot,
    random_walk,
    sessions,
    store_bars,
    store_market,
    store_rate,
)
from portfolios.models import Position
from portfolios.tests.factories import PortfolioFactory

pytestmark = pytest.mark.django_db


def snapshots(portfolio) -> list[PortfolioSnapshot]:  # type: ignore[no-untyped-def]
    return list(PortfolioSnapshot.objects.filter(portfolio=portfolio).order_by("date"))


class TestFlowBook:
    def test_nav_flows_and_returns_worked_by_hand(self):
        # given: 10 AAA held from D0 (sold on D4 at the previous close), 100 AAA bought on D2 at the close
        portfolio = flow_book()

        # when
        result = snapshots_step(as_of=D[-1], portfolio_ids=[str(portfolio.id)])

        # then: a snapshot per session from the first entry, NAV and flows as in the book's table
        rows = snapshots(portfolio)
        assert not result.failures
        assert [r.date for r in rows] == D
        np.testing.assert_allclose([r.nav for r in rows], FLOW_NAV, rtol=1e-12)
        np.testing.assert_allclose([r.flow for r in rows], FLOW_FLOWS, rtol=1e-12)
        assert rows[0].daily_return is None
        np.testing.assert_allclose(
            [r.daily_return for r in rows[1:]], FLOW_RETURNS[1:], rtol=1e-12, atol=1e-15
        )
        assert [r.position_count for r in rows] == [1, 1, 2, 2, 1, 1, 1]
        assert all(r.cash == 1000.0 for r in rows)
        assert result.counts["snapshots"] == len(D)

    def test_buying_on_day_three_is_not_a_return(self):
        portfolio = flow_book()

        snapshots_step(as_of=D[-1], portfolio_ids=[str(portfolio.id)])

        # then: D2's return is only lot A's move 11 -> 12 (10 USD) over NAV_D1 + F; without the
        # flow it would be (2320 - 1110) / 1110 = +109 %
        d2 = snapshots(portfolio)[2]
        assert d2.flow == pytest.approx(1200.0)
        assert d2.daily_return == pytest.approx(10 / 2310, rel=1e-12)

    def test_a_sale_is_not_a_loss(self):
        portfolio = flow_book()

        snapshots_step(as_of=D[-1], portfolio_ids=[str(portfolio.id)])

        # then: on D4 NAV drops by 252, of which 132 are the proceeds of lot A (a flow) and 120 the
        # loss of lot B (13.2 -> 12 on 100 shares)
        d3, d4 = snapshots(portfolio)[3:5]
        assert d4.nav - d3.nav == pytest.approx(-252.0)
        assert d4.flow == pytest.approx(-132.0)
        assert d4.daily_return == pytest.approx(-120 / 2320, rel=1e-12)

    def test_long_short_gross_net(self):
        portfolio = flow_book()
        lot(portfolio, "AAA", -5, 11, D[1])  # a short lot from D1

        snapshots_step(as_of=D[-1], portfolio_ids=[str(portfolio.id)])

        d3 = snapshots(portfolio)[3]  # closes 13.2: long 110 x 13.2, short -5 x 13.2
        assert d3.long_value == pytest.approx(110 * 13.2)
        assert d3.short_value == pytest.approx(-5 * 13.2)
        assert d3.gross_exposure == pytest.approx(115 * 13.2)
        assert d3.net_exposure == pytest.approx(105 * 13.2)
        assert d3.market_value == pytest.approx(105 * 13.2)
        assert d3.nav == pytest.approx(105 * 13.2 + 1000)


class TestTimeWeighting:
    def test_twr_chains_over_a_deposit(self):
        # given: 100 AAA from D0 (10 -> 11 on D1), then a "deposit" of 10,000 USD into AAA on D2 at
        # 12, and AAA falls to 6 by D5
        store_market()
        closes = [10.0, 11.0, 12.0, 9.0, 6.0, 6.0, 6.6]
        store_bars("AAA", D, closes)
        portfolio = PortfolioFactory()
        lot(portfolio, "AAA", 100, 10, D[0])
        lot(portfolio, "AAA", 1000, 12, D[2])

        snapshots_step(as_of=D[-1], portfolio_ids=[str(portfolio.id)])

        # then: each day is AAA's own return except D2, where the 12,000 USD flow joins the
        # denominator at the start of the day: r = (100 x (12 - 11)) / (1100 + 12000); the
        # cumulative return chains the days (-39 %) while NAV_end / NAV_start - 1 is +626 %
        rows = snapshots(portfolio)
        expected = [0.1, 100 / 13100, -0.25, -1 / 3, 0.0, 0.1]
        np.testing.assert_allclose([r.daily_return for r in rows[1:]], expected, rtol=1e-12, atol=1e-15)
        chained = float(np.prod(1 + np.array(expected)) - 1)
        assert rows[-1].cumulative_return == pytest.approx(chained, rel=1e-12)
        assert rows[-1].nav / rows[0].nav - 1 == pytest.approx(1100 * 6.6 / 1000 - 1)
        summary = PerformanceSummary.objects.get(portfolio=portfolio, as_of_date=D[-1])
        assert summary.returns["inception"] == pytest.approx(chained, rel=1e-12)
        assert summary.returns["1d"] == pytest.approx(0.1, rel=1e-12)
        assert (
            summary.returns["1w"]
            == pytest.approx(  # from D1 (the last NAV on or before D6 - 7 days)
                float(np.prod(1 + np.array(expected[1:])) - 1), rel=1e-12
            )
        )

    def test_drawdown_with_peak_and_trough_dates(self):
        # given: one lot whose wealth goes 1, 1.2, 0.9, 0.6, 0.8, 1.3, 1.25
        store_market()
        store_bars("AAA", D, [10.0, 12.0, 9.0, 6.0, 8.0, 13.0, 12.5])
        portfolio = PortfolioFactory()
        lot(portfolio, "AAA", 100, 10, D[0])

        snapshots_step(as_of=D[-1], portfolio_ids=[str(portfolio.id)])

        # then: the worst drawdown is 6 / 12 - 1 = -50 %, from the D1 peak to the D3 trough
        rows = snapshots(portfolio)
        np.testing.assert_allclose(
            [r.drawdown for r in rows], [0, 0, 9 / 12 - 1, -0.5, 8 / 12 - 1, 0, 12.5 / 13 - 1], atol=1e-12
        )
        summary = PerformanceSummary.objects.get(portfolio=portfolio, as_of_date=D[-1])
        assert summary.max_drawdown == pytest.approx(-0.5)
        assert (summary.max_drawdown_start, summary.max_drawdown_end) == (D[1], D[3])
        # Calmar = annualized return / |max drawdown|
        assert summary.calmar_ratio == pytest.approx(summary.annualized_return / 0.5)

    def test_missing_close_is_carried_forward(self):
        # given: AAA has no bar on D3 (SPY has one)
        store_market()
        store_bars(
            "AAA", [d for i, d in enumerate(D) if i != 3], [c for i, c in enumerate(AAA_CLOSES) if i != 3]
        )
        portfolio = PortfolioFactory()
        lot(portfolio, "AAA", 100, 10, D[0])

        result = snapshots_step(as_of=D[-1], portfolio_ids=[str(portfolio.id)])

        # then: D3 still has a snapshot, valued at the D2 close (a zero return), and D4 moves from it
        rows = snapshots(portfolio)
        assert rows[3].date == D[3] and rows[3].nav == pytest.approx(1200.0)
        assert rows[3].daily_return == 0.0
        assert rows[4].daily_return == pytest.approx(12.0 / 12.0 - 1)
        assert result.notes["lots_with_carried_forward_closes"] == 1

    def test_a_lot_before_its_first_bar_is_valued_at_its_entry_price(self):
        store_market()
        store_bars("AAA", D[2:], AAA_CLOSES[2:])  # AAA's history starts on D2
        portfolio = PortfolioFactory()
        lot(portfolio, "AAA", 100, 10, D[0])

        result = snapshots_step(as_of=D[-1], portfolio_ids=[str(portfolio.id)])

        rows = snapshots(portfolio)
        assert [r.nav for r in rows[:3]] == [1000.0, 1000.0, 1200.0]
        assert result.notes["lots_priced_at_entry_before_first_bar"] == 1

    def test_options_use_their_contract_bars_and_multiplier(self):
        store_market()
        store_bars("AAA", D, AAA_CLOSES)
        occ = "AAA   240621C00010000"
        store_bars(occ, D, [1.0, 1.5, 2.0, 3.0, 2.0, 2.0, 2.5])
        portfolio = PortfolioFactory()
        lot(
            portfolio,
            occ,
            2,
            1.0,
            D[0],
            position_type="LC",
            multiplier=100,
            underlying_symbol="AAA",
            option_type="call",
            strike_price=Decimal("10"),
            expiration_date=dt.date(2024, 6, 21),
        )

        snapshots_step(as_of=D[-1], portfolio_ids=[str(portfolio.id)])

        rows = snapshots(portfolio)
        assert [r.nav for r in rows] == pytest.approx([200.0, 300.0, 400.0, 600.0, 400.0, 400.0, 500.0])
        assert rows[1].daily_return == pytest.approx(0.5)


class TestAgainstEmpyrical:
    def test_sharpe_sortino_max_drawdown_of_the_stored_series(self):
        # given: a two-stock book over 120 sessions with a purchase in the middle, rf = 5 %
        days = sessions(120)
        store_bars("SPY", days, list(random_walk(120, 1)))
        store_rate(days)
        store_bars("AAA", days, list(random_walk(120, 2)))
        store_bars("BBB", days, list(random_walk(120, 3, start=50.0)))
        portfolio = PortfolioFactory(cash_balance=Decimal("5000"))
        lot(portfolio, "AAA", 100, 100, days[0])
        lot(portfolio, "BBB", -40, 50, days[10])
        lot(portfolio, "BBB", 200, 55, days[60])

        snapshots_step(as_of=days[-1], portfolio_ids=[str(portfolio.id)])

        # then: the summary's statistics equal empyrical's on the stored daily returns
        rows = snapshots(portfolio)
        r = np.array([x.daily_return for x in rows[1:]], dtype=float)
        assert len(rows) == 120 and np.isfinite(r).all()
        summary = PerformanceSummary.objects.get(portfolio=portfolio, as_of_date=days[-1])
        rf = RATE / 252
        assert summary.observations == 119
        assert summary.sharpe_ratio == pytest.approx(empyrical.sharpe_ratio(r, risk_free=rf), rel=1e-10)
        assert summary.sortino_ratio == pytest.approx(
            empyrical.sortino_ratio(r, required_return=rf), rel=1e-10
        )
        assert summary.max_drawdown == pytest.approx(empyrical.max_drawdown(r), rel=1e-10)
        assert summary.annualized_volatility == pytest.approx(empyrical.annual_volatility(r), rel=1e-10)
        assert summary.calmar_ratio == pytest.approx(empyrical.calmar_ratio(r), rel=1e-10)
        spy = np.array(random_walk(120, 1))
        b = spy[1:] / spy[:-1] - 1
        assert summary.beta == pytest.approx(empyrical.beta(r, b, risk_free=rf), rel=1e-8)
        assert summary.alpha == pytest.approx(empyrical.alpha(r, b, risk_free=rf), rel=1e-8)
        assert rows[-1].cumulative_return == pytest.approx(empyrical.cum_returns_final(r), rel=1e-10)


class TestIdempotence:
    def test_rerun_leaves_row_counts_and_values_unchanged(self):
        portfolio = flow_book()
        ids = [str(portfolio.id)]
        first = snapshots_step(as_of=D[-1], portfolio_ids=ids)
        before = [(r.date, r.nav, r.daily_return, r.drawdown) for r in snapshots(portfolio)]

        second = snapshots_step(as_of=D[-1], portfolio_ids=ids)

        assert PortfolioSnapshot.objects.count() == len(D)
        assert PerformanceSummary.objects.count() == 1
        assert [(r.date, r.nav, r.daily_return, r.drawdown) for r in snapshots(portfolio)] == before
        assert first.counts["snapshots_written"] == len(D)
        assert second.counts["snapshots_written"] == 0
        assert second.counts["snapshots_deleted"] == 0

    def test_a_later_as_of_extends_and_an_edit_rewrites_history(self):
        portfolio = flow_book()
        ids = [str(portfolio.id)]
        snapshots_step(as_of=D[4], portfolio_ids=ids)
        assert [r.date for r in snapshots(portfolio)] == D[:5]

        # when: the next days run, then the first lot is deleted (history now starts on D2)
        snapshots_step(as_of=D[-1], portfolio_ids=ids)
        Position.objects.filter(portfolio=portfolio, entry_date=D[0]).delete()
        result = snapshots_step(as_of=D[-1], portfolio_ids=ids)

        # then: rows before the new first entry are deleted, the rest recomputed
        rows = snapshots(portfolio)
        assert [r.date for r in rows] == D[2:]
        assert result.counts["snapshots_deleted"] == 2
        assert rows[0].nav == pytest.approx(2200.0) and rows[0].daily_return is None
        assert PerformanceSummary.objects.filter(portfolio=portfolio).count() == 2  # D4 and D6

    def test_an_exit_after_as_of_is_not_known_yet(self):
        portfolio = flow_book()

        snapshots_step(as_of=D[3], portfolio_ids=[str(portfolio.id)])

        # lot A is sold on D4, after as_of: held through D3 with no closing flow
        rows = snapshots(portfolio)
        assert [r.date for r in rows] == D[:4]
        assert [r.position_count for r in rows] == [1, 1, 2, 2]

    def test_chunk_of_portfolios_with_an_empty_one(self):
        portfolio = flow_book()
        empty = PortfolioFactory()
        later = PortfolioFactory()
        lot(later, "AAA", 1, 12, D[5])

        result = snapshots_step(as_of=D[-1], portfolio_ids=[str(portfolio.id), str(empty.id), str(later.id)])

        assert not result.failures
        assert result.counts["portfolios_without_positions"] == 1
        assert len(snapshots(portfolio)) == 7 and len(snapshots(later)) == 2 and not snapshots(empty)
        assert PerformanceSummary.objects.filter(portfolio=later).get().returns["inception"] == pytest.approx(
            0.05
        )

    def test_no_market_data_is_a_failure_of_that_portfolio(self):
        portfolio = PortfolioFactory()
        lot(portfolio, "ZZZ", 1, 12, D[0])

        result = snapshots_step(as_of=D[-1], portfolio_ids=[str(portfolio.id)])

        assert set(result.failures) == {str(portfolio.id)}
        assert "sync market data" in result.failures[str(portfolio.id)]
        assert not snapshots(portfolio)


class TestChunk:
    def test_a_chunk_equals_nav_and_flows_portfolio_by_portfolio(self):
        # given: 6 portfolios of random lots (longs, shorts, closed lots) over 80 sessions
        from analytics.engines.performance import nav_and_flows
        from marketdata.selectors import price_frame
        from portfolios.holdings import positions_frame

        days = sessions(80)
        store_bars("SPY", days, list(random_walk(80, 1)))
        store_rate(days)
        symbols = [f"R{i}" for i in range(8)]
        for i, s in enumerate(symbols):
            store_bars(s, days, list(random_walk(80, 10 + i, start=20.0 + i)))
        rng = np.random.default_rng(7)
        portfolios = [PortfolioFactory(cash_balance=Decimal(str(1000 * k))) for k in range(6)]
        for p in portfolios:
            for _ in range(5):
                i, j = sorted(rng.integers(0, 80, 2))
                closed = rng.random() < 0.4 and j > i
                lot(
                    p,
                    symbols[rng.integers(0, 8)],
                    float(rng.choice([-1, 1]) * rng.integers(1, 50)),
                    25.0,
                    days[i],
                    exit_price=26.0 if closed else None,
                    exit_date=days[j] if closed else None,
                )
        ids = [str(p.id) for p in portfolios]

        snapshots_step(as_of=days[-1], portfolio_ids=ids)

        # then: each portfolio's stored NAV and flows equal the engine's nav_and_flows on its own lots
        for p in portfolios:
            lots = positions_frame(portfolio_ids=[str(p.id)], include_closed=True)
            closes = price_frame(symbols=sorted(set(lots["symbol"])), field="close")
            expected = nav_and_flows(lots, closes, float(p.cash_balance))
            rows = snapshots(p)
            assert [r.date for r in rows] == [d.date() for d in expected.index]
            np.testing.assert_allclose([r.nav for r in rows], expected["nav"], rtol=1e-12)
            np.testing.assert_allclose([r.flow for r in rows], expected["flow"], rtol=1e-12, atol=1e-9)
            longs = lots[lots["quantity"] > 0]
            if len(longs):
                lv = nav_and_flows(longs, closes)["market_value"].reindex(expected.index).fillna(0.0)
                np.testing.assert_allclose([r.long_value for r in rows], lv, rtol=1e-12, atol=1e-9)

    def test_portable_upsert_path_is_idempotent_too(self, monkeypatch):
        from analytics.services import snapshots as service

        monkeypatch.setattr(service, "_use_copy", lambda: False)
        portfolio = flow_book()
        ids = [str(portfolio.id)]

        first = snapshots_step(as_of=D[-1], portfolio_ids=ids)
        second = snapshots_step(as_of=D[-1], portfolio_ids=ids)
        Position.objects.filter(portfolio=portfolio, entry_date=D[0]).delete()
        third = snapshots_step(as_of=D[-1], portfolio_ids=ids)

        assert (first.counts["snapshots_written"], second.counts["snapshots_written"]) == (7, 0)
        assert third.counts["snapshots_deleted"] == 2
        rows = snapshots(portfolio)
        assert [r.date for r in rows] == D[2:] and rows[0].daily_return is None


def test_closes_frame_equals_price_frame(monkeypatch):
    # the raw PostgreSQL read and the ORM read give the same [date x symbol] closes
    from django.db import connection

    from analytics.selectors.performance import closes_frame

    store_market()
    store_bars("AAA", D[1:5], AAA_CLOSES[1:5])
    symbols = ["ZZZ", "SPY", "AAA"]

    raw = closes_frame(symbols=symbols, start=D[0], end=D[5])
    monkeypatch.setattr(connection, "vendor", "other")
    orm = closes_frame(symbols=symbols, start=D[0], end=D[5])

    assert list(raw.columns) == symbols == list(orm.columns)
    assert list(raw.index) == list(orm.index) == [np.datetime64(d) for d in D[:6]]
    np.testing.assert_array_equal(raw.to_numpy(), orm.to_numpy())
    assert np.isnan(raw["ZZZ"]).all() and np.isnan(raw.loc[raw.index[0], "AAA"])
