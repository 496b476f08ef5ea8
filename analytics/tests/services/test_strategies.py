"""Strategy figures (analytics.selectors.strategies) on hand-made stored valuations and Greeks."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from analytics.selectors.strategies import strategy_figures, strategy_list
from analytics.tests.alerts.test_alerts_services import AS_OF, greeks, option, valuation
from portfolios.tests.factories import PortfolioFactory, PositionFactory, TagFactory

TODAY = AS_OF + dt.timedelta(days=1)
OLDER = AS_OF - dt.timedelta(days=3)


@pytest.fixture
def spread(user):  # type: ignore[no-untyped-def]
    """A strategy: long 2 calls, short 2 calls and 100 shares, with hand-made results.

    Stored (USD): long call MV 2 x 5 x 100 = 1,000 (P&L +200); short call MV -2 x 2 x 100 = -400
    (P&L -100); stock MV 100 x 50 = 5,000 (P&L +500). Net 5,600, gross 6,400, P&L 600.
    Greeks: long call delta 120, gamma 4, theta -10, vega 30, rho 8, delta$ 6,000, gamma$ 100;
    short call -60, -2, 6, -16, -4, -3,000, -50; stock delta 100 shares, delta$ 5,000 (= MV).
    Totals: delta 160, gamma 2, theta -4, vega 14, rho 4, delta$ 8,000, gamma$ 50.
    """
    portfolio = PortfolioFactory(owner=user)
    tag = TagFactory(owner=user, name="XYZ call spread", strategy=True, description="bull spread")
    expiry = AS_OF + dt.timedelta(days=45)
    long_call = option(portfolio, expiry=expiry, quantity=2, tags=[tag])
    short_call = option(portfolio, expiry=expiry, quantity=-2, symbol="XYZ   250220C00110000", tags=[tag])
    stock = PositionFactory(portfolio=portfolio, symbol="XYZ", quantity=Decimal("100"), tags=[tag])
    valuation(long_call, price=5.0, pnl=200.0)
    valuation(short_call, price=2.0, pnl=-100.0)
    valuation(stock, price=50.0, pnl=500.0)
    greeks(
        long_call,
        position_delta=120.0,
        position_gamma=4.0,
        position_theta=-10.0,
        position_vega=30.0,
        position_rho=8.0,
        delta_dollars=6_000.0,
        gamma_dollars=100.0,
    )
    greeks(
        short_call,
        position_delta=-60.0,
        position_gamma=-2.0,
        position_theta=6.0,
        position_vega=-16.0,
        position_rho=-4.0,
        delta_dollars=-3_000.0,
        gamma_dollars=-50.0,
    )
    # an older batch date with other numbers: never used
    valuation(stock, OLDER, price=10.0, pnl=-9_999.0)
    return {
        "portfolio": portfolio,
        "tag": tag,
        "long_call": long_call,
        "short_call": short_call,
        "stock": stock,
    }


def figures_of(tag, **kwargs):  # type: ignore[no-untyped-def]
    return strategy_figures(tags=[tag], today=TODAY, **kwargs)[str(tag.pk)]


@pytest.mark.django_db
class TestStrategyFigures:
    def test_sums_of_the_positions_stored_values(self, spread) -> None:  # type: ignore[no-untyped-def]
        figures = figures_of(spread["tag"])

        assert figures == {
            "position_count": 3,
            "valued_position_count": 3,
            "net_exposure": 5_600.0,
            "gross_exposure": 6_400.0,
            "pnl": 600.0,
            "greeks": {
                "delta": 160.0,
                "delta_dollars": 8_000.0,
                "gamma": 2.0,
                "gamma_dollars": 50.0,
                "theta": -4.0,
                "vega": 14.0,
                "rho": 4.0,
            },
            "as_of_date": AS_OF,
            "note": None,
        }

    def test_restricted_to_a_portfolio(self, spread, user) -> None:  # type: ignore[no-untyped-def]
        # given: the same strategy also holds 10 shares in another portfolio
        other = PortfolioFactory(owner=user)
        extra = PositionFactory(portfolio=other, symbol="XYZ", quantity=Decimal("10"), tags=[spread["tag"]])
        valuation(extra, price=50.0, pnl=20.0)

        everywhere = figures_of(spread["tag"])
        only_first = figures_of(spread["tag"], portfolio=spread["portfolio"])
        only_other = figures_of(spread["tag"], portfolio=other)

        assert (everywhere["position_count"], everywhere["net_exposure"], everywhere["pnl"]) == (
            4,
            6_100.0,
            620.0,
        )
        assert (only_first["position_count"], only_first["net_exposure"]) == (3, 5_600.0)
        assert (only_other["position_count"], only_other["net_exposure"], only_other["pnl"]) == (
            1,
            500.0,
            20.0,
        )
        assert only_other["greeks"]["delta"] == 10.0 and only_other["greeks"]["vega"] == 0.0

    def test_no_valued_positions_gives_null_figures_and_a_note(self, user) -> None:  # type: ignore[no-untyped-def]
        tag = TagFactory(owner=user, strategy=True)
        PositionFactory(portfolio=PortfolioFactory(owner=user), symbol="NEW", tags=[tag])

        figures = figures_of(tag)

        assert figures["position_count"] == 1
        assert figures["valued_position_count"] == 0
        for name in ("net_exposure", "gross_exposure", "pnl", "greeks", "as_of_date"):
            assert figures[name] is None, name
        assert "No batch valuation yet" in figures["note"]

    def test_an_empty_strategy(self, user) -> None:  # type: ignore[no-untyped-def]
        figures = figures_of(TagFactory(owner=user, strategy=True))

        assert figures["position_count"] == 0 and figures["net_exposure"] is None
        assert figures["note"] == "No open position carries this strategy tag."

    def test_a_position_opened_after_the_batch_is_noted(self, spread) -> None:  # type: ignore[no-untyped-def]
        PositionFactory(portfolio=spread["portfolio"], symbol="NEW", tags=[spread["tag"]])

        figures = figures_of(spread["tag"])

        assert (figures["position_count"], figures["valued_position_count"]) == (4, 3)
        assert figures["net_exposure"] == 5_600.0
        assert "1 of 4 positions" in figures["note"]

    def test_an_option_without_greeks_is_left_out_of_greeks(self, spread) -> None:  # type: ignore[no-untyped-def]
        spread["short_call"].greeks.all().delete()

        figures = figures_of(spread["tag"])

        assert figures["greeks"]["delta"] == 220.0  # 120 + 100 shares
        assert figures["net_exposure"] == 5_600.0
        assert "1 position(s) without stored Greeks" in figures["note"]

    def test_closed_positions_are_not_counted(self, spread) -> None:  # type: ignore[no-untyped-def]
        stock = spread["stock"]
        stock.exit_date, stock.exit_price = TODAY, Decimal("50")
        stock.save()

        figures = figures_of(spread["tag"])

        assert (figures["position_count"], figures["net_exposure"]) == (2, 600.0)


@pytest.mark.django_db
class TestStrategyList:
    def test_strategy_tags_only_by_name(self, user, other_user) -> None:  # type: ignore[no-untyped-def]
        b = TagFactory(owner=user, name="b", strategy=True)
        a = TagFactory(owner=user, name="a", strategy=True)
        TagFactory(owner=user, name="regular")
        TagFactory(owner=other_user, name="theirs", strategy=True)

        assert list(strategy_list(user=user)) == [a, b]

    def test_in_a_portfolio_lists_the_strategies_with_a_position_there(self, spread, user) -> None:  # type: ignore[no-untyped-def]
        TagFactory(owner=user, name="elsewhere", strategy=True)

        assert list(strategy_list(user=user, portfolio=spread["portfolio"])) == [spread["tag"]]
