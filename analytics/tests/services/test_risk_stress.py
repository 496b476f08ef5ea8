"""Engine 7 stress tests on hand-made books: the library's scenarios through ``risk_step``."""

from __future__ import annotations

import pytest

from analytics.models import RiskMetrics, StressScenario, StressTestResult
from analytics.selectors.risk import risk_stress_inputs_get
from analytics.services.stress import stress_custom_evaluate
from analytics.tests.risk_book import AS_OF, Leg, make_book, market_with_betas, run_risk

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def market(module_db):  # type: ignore[no-untyped-def]
    return module_db(market_with_betas)


def results(portfolio) -> dict[str, StressTestResult]:  # type: ignore[no-untyped-def]
    return {r.scenario_id: r for r in StressTestResult.objects.filter(portfolio=portfolio, as_of_date=AS_OF)}


def test_library_is_seeded_with_the_30_scenarios() -> None:
    library = StressScenario.objects.filter(is_builtin=True, owner=None, is_active=True)
    assert library.count() == 30
    crisis = library.get(id="financial_crisis_2008")
    assert crisis.category == "historical"
    assert crisis.shocks["Market"] == -0.46 and crisis.shocks["Interest Rate"] == -0.0085
    assert crisis.window == "2008-09-12 to 2009-03-09" and "S&P 500" in crisis.source and crisis.description


def test_long_only_unlevered_stock_book_never_loses_more_than_its_value(market) -> None:
    # given a long-only book without cash or leverage, one name with beta 3
    book = make_book(market, [Leg("AAA", 100), Leg("CCC", 20), Leg("HIB", 250), Leg("TLT", 50)])

    # when every library scenario runs
    outcome = run_risk(book)

    # then no scenario loses more than the book is worth
    assert outcome.failures == {}
    rows = results(book)
    assert len(rows) == 30
    nav = rows["market_down_10"].portfolio_value
    for row in rows.values():
        assert row.dollar_impact >= -nav - 1e-6, row.scenario_id
        assert row.new_portfolio_value >= -1e-6
    crash = {p["symbol"]: p for p in rows["market_crash_35"].by_position}
    assert crash["HIB"]["underlying_return"] == -1.0  # 3 x -35% floored at -100%
    assert crash["HIB"]["dollar_impact"] == pytest.approx(-250 * market.last_price["HIB"])


def test_short_call_loses_when_the_market_rallies(market) -> None:
    book = make_book(market, [Leg("AAA", -2, strike=105, call=True)], cash=20_000)
    run_risk(book)
    rows = results(book)
    for scenario in ("market_up_5", "market_up_10", "market_up_20"):
        assert rows[scenario].dollar_impact < 0, scenario
    assert (
        rows["market_up_20"].dollar_impact
        < rows["market_up_10"].dollar_impact
        < rows["market_up_5"].dollar_impact
    )
    assert rows["market_down_10"].dollar_impact > 0


def test_long_put_gains_in_market_down_10(market) -> None:
    book = make_book(market, [Leg("AAA", 3, strike=95, call=False)], cash=5_000)
    run_risk(book)
    row = results(book)["market_down_10"]
    assert row.dollar_impact > 0
    assert row.severity == "positive"
    (put,) = row.by_position
    assert put["underlying_return"] == pytest.approx(-0.10)  # AAA: beta 1, styles 0


def test_bond_etf_has_non_zero_impact_in_rates_scenarios(market) -> None:
    # TLT: no equity beta, Interest Rate sensitivity -17 (per 1.00 change of the 10-year yield)
    book = make_book(market, [Leg("TLT", 100)])
    run_risk(book)
    rows = results(book)
    value = 100 * market.last_price["TLT"]
    for scenario, move in [
        ("rates_up_25bp", 0.0025),
        ("rates_down_25bp", -0.0025),
        ("rates_up_100bp", 0.01),
        ("rates_down_100bp", -0.01),
        ("rates_up_200bp", 0.02),
        ("rate_spike_300bp", 0.03),
    ]:
        assert rows[scenario].dollar_impact == pytest.approx(-17 * move * value), scenario
        assert rows[scenario].dollar_impact != 0
    assert rows["rates_up_100bp"].severity == "severe"  # -17 %: 15 % <= loss < 35 %
    assert rows["rates_up_25bp"].severity == "mild"  # -4.25 %


def test_2008_and_2020_replays_lose_more_than_10_percent_on_an_equity_book(market) -> None:
    book = make_book(market, [Leg("AAA", 100), Leg("BBB", 200), Leg("CCC", 50)])
    run_risk(book)
    rows = results(book)
    for scenario in ("financial_crisis_2008", "covid_crash_2020"):
        assert rows[scenario].percentage_impact < -10, scenario
        assert rows[scenario].severity in ("severe", "extreme")
    assert rows["market_down_10"].percentage_impact == pytest.approx(
        sum(p["dollar_impact"] for p in rows["market_down_10"].by_position)
        / rows["market_down_10"].portfolio_value
        * 100
    )


def test_positions_without_betas_are_unmodeled_never_invented(market) -> None:
    book = make_book(market, [Leg("AAA", 100), Leg("NOB", 100)])  # NOB has no factor exposure row
    run_risk(book)
    row = results(book)["market_down_10"]
    nob = next(p for p in row.by_position if p["symbol"] == "NOB")
    assert nob["dollar_impact"] is None and nob["underlying_return"] is None
    assert [u["symbol"] for u in row.unmodeled] == ["NOB"]
    assert row.unmodeled[0]["reason"] == "no_factor_betas"
    assert row.dollar_impact == pytest.approx(-0.10 * 100 * market.last_price["AAA"])


def test_unshocked_factors_move_by_their_conditional_expectation(market) -> None:
    book = make_book(market, [Leg("AAA", 100)])
    run_risk(book)
    moves = results(book)["market_down_10"].factor_moves
    assert moves["Market"] == -0.10
    # USO and EWG load positively on SPY in the generated market; VIX negatively
    assert moves["Oil"] < 0 and moves["International"] < 0 and moves["Volatility"] > 0


def test_custom_scenario_on_the_stored_inputs_equals_the_library_one(market) -> None:
    book = make_book(
        market, [Leg("AAA", 100), Leg("BBB", -100), Leg("AAA", 2, strike=100, call=True)], cash=1000
    )
    run_risk(book)
    stored = risk_stress_inputs_get(portfolio=book, as_of=None)
    library = results(book)["covid_crash_2020"]
    custom = stress_custom_evaluate(inputs=stored["inputs"], name="mine", shocks=library.shocks)
    assert custom["dollar_impact"] == pytest.approx(library.dollar_impact, rel=1e-12)
    assert custom["severity"] == library.severity
    assert [p["dollar_impact"] for p in custom["by_position"]] == pytest.approx(
        [p["dollar_impact"] for p in library.by_position], rel=1e-12
    )
    assert RiskMetrics.objects.filter(portfolio=book).count() == 3


def test_owner_scenarios_run_only_for_the_owner(market, user, other_user) -> None:
    StressScenario.objects.create(id="my_crash", name="Mine", shocks={"Market": -0.5}, owner=user)
    mine = make_book(market, [Leg("AAA", 10)], owner=user)
    theirs = make_book(market, [Leg("AAA", 10)], owner=other_user)
    run_risk(mine, theirs)
    assert "my_crash" in results(mine) and "my_crash" not in results(theirs)
    assert results(mine)["my_crash"].dollar_impact == pytest.approx(-0.5 * 10 * market.last_price["AAA"])
