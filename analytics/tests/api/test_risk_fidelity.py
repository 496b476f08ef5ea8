"""Risk-model fidelity through the API (DESIGN "Greeks", "Stress tests", "VaR/ES"): American short
puts never below intrinsic, VIX options moved by the VIX shock, rates reaching option values,
isolated propagation, bounded conditional VIX moves, reproducible Monte Carlo, nulls for empty views."""

from __future__ import annotations

import pytest

from analytics.engines.black_scholes import bsm_price
from analytics.engines.option_pricer import option_greeks, option_price
from analytics.models import StressScenario
from analytics.tests.risk_book import AS_OF, EXPIRY, RATE, Leg, make_book, market_with_betas, run_risk

API = "/api/v1/analytics/risk"
T = (EXPIRY - AS_OF).days / 365.0
VARIABLES = {
    "Market",
    "Value",
    "Growth",
    "Momentum",
    "Quality",
    "Size",
    "Low Volatility",
    "Interest Rate",
    "Oil",
    "International",
    "Volatility",
}
LEGS = [
    Leg("AAA", 100),
    Leg("AAA", -5, strike=150, call=False, iv=0.25),  # a short deep in-the-money American put
    Leg("VIX", 10, strike=20, call=True, iv=0.8),  # a European index option on the VIX
    Leg("TLT", 50),
    Leg("CCC", 10, strike=200, call=True, iv=0.3),  # an at-the-money American call: a real rho
]


@pytest.fixture(scope="module")
def market(module_db):  # type: ignore[no-untyped-def]
    return module_db(market_with_betas)


@pytest.fixture
def batched(user, market):  # type: ignore[no-untyped-def]
    book = make_book(market, LEGS, owner=user, cash=50_000)
    assert run_risk(book).failures == {}
    return book


def _row(scenario: dict, prefix: str) -> dict:
    return next(r for r in scenario["by_position"] if r["symbol"].startswith(prefix))


def _custom(auth_client, book, shocks: dict, propagation: str = "conditional") -> dict:  # type: ignore[no-untyped-def]
    response = auth_client.post(
        f"{API}/{book.id}/scenarios/custom",
        {"name": "probe", "shocks": shocks, "propagation": propagation},
        format="json",
    )
    assert response.status_code == 200, response.content
    return response.json()["scenarios"][0]


class TestOptionsInStress:
    def test_the_short_american_put_is_never_valued_below_intrinsic(
        self, auth_client, batched, market
    ) -> None:  # type: ignore[no-untyped-def]
        body = auth_client.get(f"{API}/{batched.id}/scenarios").json()
        s0 = market.last_price["AAA"]
        base = float(option_price(s0, 150.0, T, RATE, 0.0, 0.25, False, True))
        assert base >= 150.0 - s0  # American: at least intrinsic today
        assert float(bsm_price(s0, 150.0, T, RATE, 0.0, 0.25, False)) < 150.0 - s0  # European: below
        for scenario in body["scenarios"]:
            row = _row(scenario, "AAA   ")
            shocked_s = s0 * (1.0 + row["underlying_return"])
            value_after = base + row["dollar_impact"] / (-5 * 100)
            assert value_after >= max(150.0 - shocked_s, 0.0) - 1e-4, scenario["id"]

    def test_a_vix_call_moves_with_the_vix_shock_and_keeps_its_own_vol(
        self, auth_client, batched, market
    ) -> None:  # type: ignore[no-untyped-def]
        scenario = _custom(auth_client, batched, {"Market": -0.1, "Volatility": 1.5})
        row = _row(scenario, "VIX   ")
        vix = market.last_price["VIX"]
        assert row["underlying_return"] == pytest.approx(1.5)
        assert scenario["factor_moves"]["Volatility"] == pytest.approx(1.5)
        # revalued at 2.5x spot, its own 80% vol, European; r moved by the conditional rate move
        rate_move = scenario["factor_moves"]["Interest Rate"]
        after = bsm_price(2.5 * vix, 20.0, T, RATE + rate_move, 0.0, 0.8, True)
        before = bsm_price(vix, 20.0, T, RATE, 0.0, 0.8, True)
        assert row["dollar_impact"] == pytest.approx(float(after - before) * 10 * 100, abs=0.01)

    def test_an_isolated_rates_shock_changes_an_option_by_about_its_rho(
        self, auth_client, batched, market
    ) -> None:  # type: ignore[no-untyped-def]
        scenario = _custom(auth_client, batched, {"Interest Rate": 0.0025}, propagation="isolated")
        moves = scenario["factor_moves"]
        assert set(moves) == VARIABLES
        assert all(v == 0.0 for k, v in moves.items() if k != "Interest Rate")
        row = _row(scenario, "CCC   ")
        assert row["underlying_return"] == 0.0  # CCC has no rate sensitivity: only r moves the call
        s0 = market.last_price["CCC"]
        rho = float(option_greeks(s0, 200.0, T, RATE, 0.0, 0.3, True, True).rho)  # per 1 rate point
        assert rho > 0.1
        assert row["dollar_impact"] == pytest.approx(rho * 0.25 * 10 * 100, rel=0.02)
        exact = option_price(s0, 200.0, T, RATE + 0.0025, 0.0, 0.3, True, True) - option_price(
            s0, 200.0, T, RATE, 0.0, 0.3, True, True
        )
        assert row["dollar_impact"] == pytest.approx(float(exact) * 10 * 100, abs=0.01)

    def test_isolated_library_scenarios_move_only_their_shocks(self, auth_client, batched) -> None:  # type: ignore[no-untyped-def]
        conditional = auth_client.get(f"{API}/{batched.id}/scenarios").json()
        isolated = auth_client.get(f"{API}/{batched.id}/scenarios", {"propagation": "isolated"}).json()
        assert conditional["propagation"] == "conditional" and isolated["propagation"] == "isolated"
        assert [s["id"] for s in isolated["scenarios"]] == [s["id"] for s in conditional["scenarios"]]
        differ = 0
        for iso, cond in zip(isolated["scenarios"], conditional["scenarios"], strict=True):
            assert set(iso["factor_moves"]) == set(cond["factor_moves"]) == VARIABLES
            for name, move in iso["factor_moves"].items():
                assert move == pytest.approx(iso["shocks"].get(name, 0.0)), (iso["id"], name)
            differ += iso["impact"]["dollar_impact"] != pytest.approx(cond["impact"]["dollar_impact"])
        assert differ > 0

    def test_isolated_with_a_bad_value_is_a_400(self, auth_client, batched) -> None:  # type: ignore[no-untyped-def]
        response = auth_client.get(f"{API}/{batched.id}/scenarios", {"propagation": "sideways"})
        assert response.status_code == 400
        assert "propagation" in response.json()["error"]["details"]


class TestConditionalVolatility:
    @pytest.mark.parametrize("shocks", [{"Interest Rate": 0.04}, {"Interest Rate": -0.04}, {"Market": 0.5}])
    def test_custom_shocks_never_move_the_vix_below_minus_100_percent(
        self, auth_client, batched, shocks
    ) -> None:  # type: ignore[no-untyped-def]
        scenario = _custom(auth_client, batched, shocks)
        assert scenario["factor_moves"]["Volatility"] > -1.0

    def test_no_library_scenario_moves_the_vix_below_minus_100_percent(self, auth_client, batched) -> None:  # type: ignore[no-untyped-def]
        body = auth_client.get(f"{API}/{batched.id}/scenarios").json()
        assert (
            len(body["scenarios"])
            == StressScenario.objects.filter(owner__isnull=True, is_active=True).count()
        )
        for scenario in body["scenarios"]:
            assert set(scenario["factor_moves"]) == VARIABLES
            assert scenario["factor_moves"]["Volatility"] > -1.0, scenario["id"]


class TestVaRAndViews:
    def test_monte_carlo_reports_its_seed_and_paths(self, auth_client, batched) -> None:  # type: ignore[no-untyped-def]
        mc = auth_client.get(f"{API}/{batched.id}/var", {"method": "monte_carlo"}).json()
        assert mc["seed"] == int(AS_OF.strftime("%Y%m%d")) and mc["paths"] == 10_000
        historical = auth_client.get(f"{API}/{batched.id}/var").json()
        assert "seed" not in historical and "paths" not in historical

    def test_an_empty_view_has_null_beta_and_volatility(self, auth_client, user, market) -> None:  # type: ignore[no-untyped-def]
        longs_only = make_book(market, [Leg("AAA", 100), Leg("CCC", 10)], owner=user)
        assert run_risk(longs_only).failures == {}
        body = auth_client.get(f"{API}/{longs_only.id}/overview", {"view": "shorts"}).json()
        assert body["metrics"]["beta"]["value"] is None
        assert body["metrics"]["annualized_volatility"]["value"] is None
        longs = auth_client.get(f"{API}/{longs_only.id}/overview", {"view": "longs"}).json()
        assert longs["metrics"]["beta"]["value"] > 0


class TestDataSource:
    def test_factor_definitions_carry_their_data_source(self, auth_client, batched) -> None:  # type: ignore[no-untyped-def]
        body = auth_client.get("/api/v1/analytics/factors/definitions").json()
        assert body and all(row["data_source"] == "synthetic" for row in body)
