"""Risk-model fidelity on the seeded demo (the hedge-fund book's options), end to end through the batch:
one vol per option (its mark reprices), American short puts never below intrinsic in the crash
scenarios, the VIX call moved by the VIX shock."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.test import override_settings

from analytics.engines.option_pricer import option_price
from analytics.models import PositionGreeks, PositionValuation, StressTestResult
from marketdata.models import PriceBar
from portfolios.models import Portfolio, Position

AS_OF = "2026-11-20"


def _seed() -> None:
    with override_settings(SYNTHETIC_AS_OF=AS_OF, MARKET_DATA_PROVIDER="synthetic"):
        call_command("seed_demo")


@pytest.fixture(scope="module")
def demo_rows(module_db) -> None:  # type: ignore[no-untyped-def]
    """``seed_demo`` (with its batch) once for the module: the tests only read what it wrote."""
    cache.clear()
    module_db(_seed)
    cache.clear()


@pytest.fixture
def demo(db, demo_rows) -> Portfolio:  # type: ignore[no-untyped-def]
    return Portfolio.objects.get(owner__email="demo_hedgefundstyle@sigmasight.com")


def test_every_marked_demo_option_reprices_to_its_mark_within_half_a_cent(demo) -> None:  # type: ignore[no-untyped-def]
    options = Position.objects.filter(option_type__in=["call", "put"])
    assert options.count() >= 8
    for option in options:
        greeks = PositionGreeks.objects.filter(position=option).latest("as_of_date")
        mark = (
            PriceBar.objects.filter(symbol=option.symbol, date__lte=greeks.as_of_date)
            .order_by("-date")
            .first()
        )
        assert mark is not None, option.symbol
        assert greeks.volatility_source == "implied_from_mark", option.symbol
        assert abs(greeks.price - mark.close) < 0.005, (option.symbol, greeks.price, mark.close)
        valuation = PositionValuation.objects.get(position=option, as_of_date=greeks.as_of_date)
        assert valuation.price == pytest.approx(mark.close)  # valued at its mark
        expected_exercise = "european" if option.underlying_symbol in ("VIX", "SPX", "NDX") else "american"
        assert greeks.exercise == expected_exercise


@pytest.mark.parametrize("scenario", ["market_crash_35", "dotcom_crash_2000", "covid_crash_2020"])
def test_the_hedge_books_short_puts_stay_above_intrinsic_in_crashes(demo, scenario) -> None:  # type: ignore[no-untyped-def]
    result = StressTestResult.objects.filter(portfolio=demo, scenario_id=scenario).latest("as_of_date")
    puts = {str(p.id): p for p in Position.objects.filter(portfolio=demo, option_type="put", quantity__lt=0)}
    assert puts, "the hedge-fund demo holds short puts"
    for row in result.by_position:
        put = puts.get(row["position_id"])
        if put is None:
            continue
        greeks = PositionGreeks.objects.get(position=put, as_of_date=result.as_of_date)
        s0, k = greeks.underlying_price, float(put.strike_price)
        t = greeks.days_to_expiry / 365.0
        before = float(
            option_price(
                s0, k, t, greeks.risk_free_rate, greeks.dividend_yield, greeks.volatility, False, True
            )
        )
        after = before + row["dollar_impact"] / (float(put.quantity) * 100)
        shocked = s0 * (1.0 + row["underlying_return"])
        assert after >= max(k - shocked, 0.0) - 1e-4, (scenario, put.symbol, after, k - shocked)


def test_the_vix_call_moves_by_the_vix_shock(demo) -> None:  # type: ignore[no-untyped-def]
    result = StressTestResult.objects.filter(portfolio=demo, scenario_id="vix_spike_150").latest("as_of_date")
    vix_options = {str(p.id) for p in Position.objects.filter(portfolio=demo, underlying_symbol="VIX")}
    rows = [r for r in result.by_position if r["position_id"] in vix_options]
    assert rows, "the hedge-fund demo holds a VIX option"
    for row in rows:
        assert row["underlying_return"] == pytest.approx(1.5)
    assert result.as_of_date == dt.date.fromisoformat(AS_OF)
