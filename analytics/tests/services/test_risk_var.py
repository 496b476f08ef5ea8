"""Engine 7 VaR / expected shortfall and risk contributions on hand-made books.

References are independent of the engines: closed forms (z x sigma on a series whose standard
deviation is known), empyrical's definitions, and Euler's identities.
"""

from __future__ import annotations

import math

import empyrical
import numpy as np
import pytest
from scipy.stats import norm

from analytics.models import RiskMetrics
from analytics.tests.risk_book import AS_OF, Leg, make_book, market_with_betas, run_risk

pytestmark = pytest.mark.django_db

CONFIDENCE_KEYS = {0.95: "c95", 0.975: "c975", 0.99: "c99"}


@pytest.fixture(scope="module")
def market(module_db):  # type: ignore[no-untyped-def]
    return module_db(market_with_betas)


def metrics(portfolio, view: str = "portfolio") -> dict:  # type: ignore[no-untyped-def]
    return RiskMetrics.objects.get(portfolio=portfolio, as_of_date=AS_OF, view=view).metrics


def test_parametric_var_is_z_times_sigma_on_a_single_stock_book(market) -> None:
    # given 100 shares of ALT at 100 whose daily returns alternate +1% / -1%: over the last 252
    # days the mean is 0 and the sample (ddof=1) standard deviation is 0.01 x sqrt(252 / 251)
    book = make_book(market, [Leg("ALT", 100)])
    run_risk(book)
    exposure = 100 * 100.0
    sigma = exposure * 0.01 * math.sqrt(252 / 251)
    parametric = metrics(book)["var"]["parametric"]
    for confidence, key in CONFIDENCE_KEYS.items():
        entry = parametric["h1"][key]
        z = norm.ppf(confidence)
        assert entry["var"] == pytest.approx(z * sigma, rel=1e-9)
        assert entry["expected_shortfall"] == pytest.approx(sigma * norm.pdf(z) / (1 - confidence), rel=1e-9)
        assert entry["var_percent"] == pytest.approx(z * sigma / exposure * 100, rel=1e-9)
        assert entry["observations"] == 252
    assert parametric["h1"]["c95"]["var"] == pytest.approx(1.6448536269514722 * 100.0 * 1.001990049, rel=1e-8)


def test_ten_day_parametric_var_is_sqrt_10_times_one_day(market) -> None:
    book = make_book(market, [Leg("AAA", 100), Leg("BBB", -300), Leg("CCC", 40)], cash=10_000)
    run_risk(book)
    for view in ("portfolio", "longs", "shorts"):
        parametric = metrics(book, view)["var"]["parametric"]
        for key in CONFIDENCE_KEYS.values():
            assert parametric["h10"][key]["var"] == pytest.approx(
                math.sqrt(10) * parametric["h1"][key]["var"], rel=1e-12
            )
            assert parametric["h10"][key]["expected_shortfall"] == pytest.approx(
                math.sqrt(10) * parametric["h1"][key]["expected_shortfall"], rel=1e-12
            )


def test_component_vars_sum_to_the_parametric_var(market) -> None:
    book = make_book(
        market,
        [Leg("AAA", 100), Leg("BBB", -300), Leg("CCC", 40), Leg("AAA", 3, strike=100, call=False)],
        cash=5_000,
    )
    run_risk(book)
    m = metrics(book)
    assert len(m["positions"]) == 4
    for horizon in ("h1", "h10"):
        for key in CONFIDENCE_KEYS.values():
            entry = m["var"]["parametric"][horizon][key]
            assert entry["component_method"] == "euler"
            assert sum(entry["component_var"]) == pytest.approx(entry["var"], rel=1e-9)
            assert sum(entry["component_es"]) == pytest.approx(entry["expected_shortfall"], rel=1e-9)
            for method in ("historical", "monte_carlo"):
                scen = m["var"][method][horizon][key]
                assert sum(scen["component_var"]) == pytest.approx(scen["var"], rel=1e-9)
                assert sum(scen["component_es"]) == pytest.approx(scen["expected_shortfall"], rel=1e-9)


def test_historical_var_and_es_match_empyrical_on_a_single_stock_book(market) -> None:
    book = make_book(market, [Leg("AAA", 100)])
    run_risk(book)
    exposure = 100 * market.last_price["AAA"]
    returns = market.prices["AAA"].pct_change().dropna().to_numpy()[-500:]
    entry = metrics(book)["var"]["historical"]["h1"]
    for confidence, key in CONFIDENCE_KEYS.items():
        cutoff = 1 - confidence
        assert entry[key]["var"] == pytest.approx(
            -exposure * empyrical.value_at_risk(returns, cutoff=cutoff), rel=1e-9
        )
        assert entry[key]["expected_shortfall"] == pytest.approx(
            -exposure * empyrical.conditional_value_at_risk(returns, cutoff=cutoff), rel=1e-9
        )
        assert entry[key]["observations"] == 500
    ten = metrics(book)["var"]["historical"]["h10"]["c99"]
    compounded = np.array([np.prod(1 + returns[i : i + 10]) - 1 for i in range(len(returns) - 9)])
    assert ten["scenarios"] == 491
    assert ten["var"] == pytest.approx(-exposure * np.quantile(compounded, 0.01), rel=1e-9)


def test_monte_carlo_is_seeded_and_close_to_parametric_for_stocks(market) -> None:
    book = make_book(market, [Leg("AAA", 100), Leg("CCC", 40)])
    run_risk(book)
    first = metrics(book)["var"]["monte_carlo"]
    run_risk(book)
    again = metrics(book)["var"]["monte_carlo"]
    assert first == again
    parametric = metrics(book)["var"]["parametric"]["h1"]["c95"]["var"]
    assert first["h1"]["c95"]["scenarios"] == 10_000
    assert first["h1"]["c95"]["var"] == pytest.approx(parametric, rel=0.05)


def test_ctrs_sum_to_total_risk_and_factor_split_is_consistent(market) -> None:
    book = make_book(
        market, [Leg("AAA", 100), Leg("BBB", -300), Leg("TLT", 80), Leg("AAA", 2, strike=100)], cash=3_000
    )
    run_risk(book)
    c = metrics(book)["contributions"]
    by = c["by_position"]
    assert sum(by["ctr"]) == pytest.approx(c["total_risk"], rel=1e-9)
    assert sum(by["ctr_percent"]) == pytest.approx(100.0, rel=1e-9)
    for w, mctr, ctr in zip(by["weight"], by["mctr"], by["ctr"], strict=True):
        assert ctr == pytest.approx(w * mctr, rel=1e-12)
    assert c["model_total_risk"] ** 2 == pytest.approx(
        c["factor_risk"] ** 2 + c["specific_risk"] ** 2, rel=1e-9
    )
    assert sum(f["ctr"] for f in c["by_factor"]) + c["specific"]["ctr"] == pytest.approx(
        c["model_total_risk"], rel=1e-9
    )
    assert sum(f["contribution_to_factor_risk"] for f in c["by_factor"]) == pytest.approx(
        c["factor_risk"], rel=1e-9
    )
    assert [f["factor"] for f in c["by_factor"]][0] == "Market"
    # total risk is annualized volatility as a fraction of NAV
    assert metrics(book)["summary"]["annualized_volatility"] == c["total_risk"]


def test_views_split_by_sign_of_delta_adjusted_exposure(market) -> None:
    book = make_book(
        market,
        [Leg("AAA", 100), Leg("BBB", -300), Leg("AAA", -2, strike=100, call=True), Leg("CCC", 60)],
        cash=20_000,
    )
    run_risk(book)
    longs, shorts, whole = metrics(book, "longs"), metrics(book, "shorts"), metrics(book)
    assert {p["symbol"] for p in longs["positions"]} == {"AAA", "CCC"}
    assert len(shorts["positions"]) == 2 and all(
        p["delta_adjusted_exposure"] < 0 for p in shorts["positions"]
    )
    assert len(whole["positions"]) == 4
    assert "monte_carlo" not in longs["var"] and "monte_carlo" in whole["var"]
    # beta vs SPY: exposure-weighted CAPM betas over NAV
    expected = (
        sum(
            p["delta_adjusted_exposure"] * {"AAA": 1.0, "BBB": 0.9, "CCC": 1.1}[p["symbol"].split()[0]]
            for p in whole["positions"]
        )
        / whole["nav"]
    )
    assert whole["summary"]["beta"] == pytest.approx(expected, rel=1e-12)
    assert longs["summary"]["average_correlation"] is not None


def test_positions_without_enough_history_are_excluded_with_a_reason(market) -> None:
    from marketdata.models import PriceBar

    PriceBar.objects.filter(symbol="CCC", date__lt=market.dates[-40]).delete()
    book = make_book(market, [Leg("AAA", 100), Leg("CCC", 10)])
    run_risk(book)
    m = metrics(book)
    assert [p["symbol"] for p in m["positions"]] == ["AAA"]
    assert m["excluded"] == [
        {"position_id": m["excluded"][0]["position_id"], "symbol": "CCC", "reason": "insufficient_history"}
    ]
    assert m["var"]["historical"]["h1"]["c95"]["var"] > 0


def test_a_book_with_non_positive_nav_gets_nulls_not_errors(market) -> None:
    # NAV = 100 x 100 - 300 x 50 = -5,000: weights and percentages are not defined
    book = make_book(market, [Leg("AAA", 100), Leg("BBB", -300)])
    outcome = run_risk(book)
    assert outcome.failures == {}
    m = metrics(book)
    assert m["nav"] == pytest.approx(-5_000)
    entry = m["var"]["historical"]["h1"]["c95"]
    assert entry["var"] > 0 and entry["var_percent"] is None
    c = m["contributions"]
    assert c["total_risk"] is None and c["factor_risk"] is None
    assert all(w is None for w in c["by_position"]["weight"])
