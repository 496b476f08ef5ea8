"""/analytics/risk/{id}/option-grid (and the other risk-desk endpoints): shapes, identities with the
batch's own numbers, 400 / 401 / 404 / 422."""

from __future__ import annotations

import math

import pytest

from analytics.batch.services import batch_run_create, batch_run_execute
from analytics.tests.risk_book import AS_OF, EXPIRY, Leg, bar, make_book, market_with_betas, occ, run_risk
from analytics.tests.valuation_book import bs
from marketdata.models import PriceBar, Security
from portfolios.tests.factories import PortfolioFactory
from sigmasight.tests.envelope import assert_error, assert_timestamp

pytestmark = pytest.mark.django_db

API = "/api/v1/analytics/risk"
LEGS = [
    Leg("AAA", 100),
    Leg("BBB", -200),
    Leg("CCC", 30),
    Leg("AAA", 2, strike=95, call=False),
    Leg("AAA", -1, strike=110, call=True),
    Leg("TLT", 50),
]
ENDPOINTS = ["option-grid", "liquidity", "expiries", "reverse-stress", "backtest"]


def url(portfolio, endpoint: str) -> str:  # type: ignore[no-untyped-def]
    return f"{API}/{portfolio.id}/{endpoint}"


@pytest.fixture(scope="module")
def market(module_db):  # type: ignore[no-untyped-def]
    return module_db(market_with_betas)


@pytest.fixture
def book(user, market):  # type: ignore[no-untyped-def]
    return make_book(market, LEGS, owner=user, cash=20_000)


@pytest.fixture
def plain(user):  # type: ignore[no-untyped-def]
    return PortfolioFactory(owner=user)


@pytest.fixture
def batched(book):  # type: ignore[no-untyped-def]
    assert run_risk(book).failures == {}
    return book


def assert_meta(body: dict) -> None:
    assert body["as_of_date"] == AS_OF.isoformat()
    assert_timestamp(body["calculated_at"])
    assert body["data_source"] == "synthetic"
    assert set(body["conventions"]) == {"units", "window", "method", "annualization", "reference"}


class TestOptionGrid:
    def test_default_grid_shape_and_centre(self, auth_client, batched) -> None:
        response = auth_client.get(url(batched, "option-grid"))
        assert response.status_code == 200, response.content
        body = response.json()
        assert_meta(body)
        assert body["spot_moves"] == pytest.approx([-0.3 + 0.05 * i for i in range(13)])
        assert body["vol_moves"] == pytest.approx([-0.5 + 0.25 * i for i in range(7)])
        assert len(body["pnl"]) == 7 and all(len(row) == 13 for row in body["pnl"])
        assert body["pnl"][2][6] == 0.0  # spot 0, vol 0
        assert {u["underlying_symbol"] for u in body["by_underlying"]} == {"AAA", "BBB", "CCC", "TLT"}
        for i in range(7):
            for j in range(13):
                total = sum(u["pnl"][i][j] for u in body["by_underlying"])
                assert total == pytest.approx(body["pnl"][i][j], abs=0.05)
        # stocks only: BBB moves linearly and ignores the vol axis
        bbb = next(u for u in body["by_underlying"] if u["underlying_symbol"] == "BBB")
        assert bbb["pnl"][0] == bbb["pnl"][6]
        assert bbb["delta_dollars"] == pytest.approx(-200 * 50.0, abs=1e-4)

    def test_spot_slope_matches_the_stored_delta_adjusted_exposure(self, auth_client, batched) -> None:
        body = auth_client.get(
            url(batched, "option-grid"), {"spot_moves": "-0.01,0.01", "vol_moves": "0"}
        ).json()
        slope = (body["pnl"][0][1] - body["pnl"][0][0]) / 0.02
        net_delta = sum(u["delta_dollars"] for u in body["by_underlying"])
        # a nearly hedged book (net ~ -340 USD of ~36,000 gross): the central difference's
        # third-order term (~0.03 % of an option's delta dollars at h = 1 %) and the cents of the
        # cells (+-0.5 USD of slope) are the error
        gross = sum(abs(u["delta_dollars"]) for u in body["by_underlying"])
        assert slope == pytest.approx(net_delta, abs=1.0 + 1e-4 * gross)

    def test_a_hedged_underlying_loses_less_than_its_stock(self, auth_client, batched) -> None:
        body = auth_client.get(url(batched, "option-grid"), {"spot_moves": "-0.1,0", "vol_moves": "0"}).json()
        aaa = next(u for u in body["by_underlying"] if u["underlying_symbol"] == "AAA")
        assert aaa["pnl"][0][1] == 0.0
        # 100 shares at 100 lose 1,000 on -10 %; the 2 long puts and the short call gain
        assert aaa["pnl"][0][0] > -1000.0

    def test_moves_are_sorted(self, auth_client, batched) -> None:
        body = auth_client.get(url(batched, "option-grid"), {"spot_moves": "0.1,-0.1,0"}).json()
        assert body["spot_moves"] == [-0.1, 0.0, 0.1]


class TestLiquidity:
    """Every stored bar of the test market has volume 1,000 shares: ADV shares = 1,000."""

    def test_days_to_exit_by_hand(self, auth_client, market, user) -> None:
        legs = [*LEGS, Leg("CCC", 5000)]
        portfolio = make_book(market, legs, owner=user, cash=20_000)
        assert run_risk(portfolio).failures == {}
        response = auth_client.get(url(portfolio, "liquidity"))
        assert response.status_code == 200, response.content
        body = response.json()
        assert_meta(body)
        assert (body["participation"], body["adv_days"], body["confidence"]) == (0.2, 20, 0.99)
        rows = body["positions"]
        assert [r["symbol"] for r in rows].count("CCC") == 2
        by_qty = {}
        for r in rows:
            by_qty.setdefault(r["symbol"], []).append(r)
        # stocks: |shares| / (0.2 x 1,000)
        assert by_qty["AAA"][0]["days_to_exit"] == pytest.approx(100 / 200)
        assert by_qty["BBB"][0]["days_to_exit"] == pytest.approx(200 / 200)
        assert sorted(r["days_to_exit"] for r in by_qty["CCC"]) == pytest.approx([30 / 200, 5000 / 200])
        # ADV dollars = mean(close x volume) of the last 20 bars
        closes = market.prices["AAA"].iloc[-20:]
        assert by_qty["AAA"][0]["adv_dollars"] == pytest.approx(float((closes * 1000).mean()), abs=0.01)
        # options without bars of their own: delta-equivalent shares against the underlying's ADV
        days_left = (EXPIRY - AS_OF).days
        s = market.last_price["AAA"]
        put_delta = bs(s, 95, days_left, 0.045, 0.30, False)[1]
        call_delta = bs(s, 110, days_left, 0.045, 0.30, True)[1]
        put = next(r for r in rows if r["symbol"] == occ("AAA", 95, False))
        call = next(r for r in rows if r["symbol"] == occ("AAA", 110, True))
        assert put["exit_basis"] == "underlying_delta_shares"
        assert put["days_to_exit"] == pytest.approx(abs(put_delta) * 2 * 100 / 200, abs=1e-4)
        assert call["days_to_exit"] == pytest.approx(abs(call_delta) * 1 * 100 / 200, abs=1e-4)
        # buckets by |market value|
        buckets = {b["bucket"]: b for b in body["buckets"]}
        assert list(buckets) == ["<=1d", "1-3d", "3-7d", ">7d"]
        big = next(r for r in by_qty["CCC"] if r["days_to_exit"] > 7)
        assert buckets[">7d"]["market_value"] == pytest.approx(abs(big["market_value"]), abs=0.01)
        assert buckets[">7d"]["percent_of_nav"] == pytest.approx(
            abs(big["market_value"]) / body["portfolio_value"] * 100, abs=1e-3
        )
        gross = sum(abs(r["market_value"]) for r in rows)
        assert sum(b["market_value"] for b in body["buckets"]) == pytest.approx(gross, abs=0.05)
        # liquidity-adjusted VaR from the batch's parametric 1-day components
        var = auth_client.get(
            url(portfolio, "var"), {"method": "parametric", "confidence": 0.99, "horizon_days": 1}
        ).json()
        comps = {p["position_id"]: p["component_var"] for p in var["by_position"]}
        days = {r["position_id"]: r["days_to_exit"] for r in rows}
        expected = sum(c * math.sqrt(max(10.0, days[pid])) for pid, c in comps.items())
        assert body["liquidity_adjusted_var_10d"] == pytest.approx(expected, abs=0.05)
        assert body["var_10d"] == pytest.approx(var["var"] * math.sqrt(10), abs=0.01)
        assert body["liquidity_adjusted_var_10d"] > body["var_10d"]

    def test_options_with_their_own_volume_exit_in_contracts(self, auth_client, batched, market) -> None:
        symbol = occ("AAA", 95, False)
        PriceBar.objects.bulk_create(
            [bar(symbol, d, 3.0) for d in market.dates[-20:]]  # volume 1,000 contracts
        )
        body = auth_client.get(url(batched, "liquidity"), {"participation": 0.5}).json()
        put = next(r for r in body["positions"] if r["symbol"] == symbol)
        assert put["exit_basis"] == "contracts"
        assert put["days_to_exit"] == pytest.approx(2 / (0.5 * 1000))
        assert put["adv_dollars"] == pytest.approx(3000.0)

    def test_without_illiquid_positions_it_is_the_square_root_of_time_var(self, auth_client, batched) -> None:
        body = auth_client.get(url(batched, "liquidity")).json()
        assert body["liquidity_adjusted_var_10d"] == pytest.approx(body["var_10d"], abs=0.05)


def run_greeks(portfolio) -> None:  # type: ignore[no-untyped-def]
    run = batch_run_execute(
        run=batch_run_create(as_of=AS_OF, engines=["greeks"], portfolio_ids=[portfolio.id])
    )
    assert run.status == "succeeded", run.counts


class TestExpiries:
    def test_weeks_theta_and_assignment(self, auth_client, market, user) -> None:
        Security.objects.create(symbol="CCC", dividend_yield=0.04)
        legs = [
            *LEGS,
            Leg("AAA", -1, strike=150, call=False),  # deep ITM short put: no time value left
            Leg("CCC", -1, strike=120, call=True),  # deep ITM short call on a 4 % yielder
        ]
        portfolio = make_book(market, legs, owner=user, cash=20_000)
        run_greeks(portfolio)
        response = auth_client.get(url(portfolio, "expiries"), {"days": 200})
        assert response.status_code == 200, response.content
        body = response.json()
        assert_meta(body)
        assert [w["week_start"] for w in body["weeks"]] == ["2025-09-15"]  # Friday 2025-09-19
        week = body["weeks"][0]
        assert len(week["positions"]) == 4
        assert week["delta_dollars"] == pytest.approx(
            sum(p["delta_dollars"] for p in week["positions"]), abs=0.05
        )
        greeks = auth_client.get(url(portfolio, "greeks")).json()
        stored = {p["position_id"]: p["delta_dollars"] for p in greeks["by_position"]}
        for p in week["positions"]:
            assert p["delta_dollars"] == pytest.approx(stored[p["position_id"]], abs=0.01)
        assert len(body["theta_by_day"]) == 30
        assert body["theta_by_day"][0]["date"] == AS_OF.isoformat()
        assert body["theta_by_day"][0]["theta"] == pytest.approx(greeks["current"]["theta"], abs=0.05)
        flags = {f["symbol"]: f["code"] for f in body["assignment_risk"]}
        assert flags == {
            occ("AAA", 150, False): "deep_itm_put",
            occ("CCC", 120, True): "call_before_dividend",
        }

    def test_nothing_expires_within_the_default_90_days(self, auth_client, batched) -> None:
        run_greeks(batched)
        body = auth_client.get(url(batched, "expiries")).json()
        assert body["days"] == 90 and body["weeks"] == []
        assert body["assignment_risk"] == []


class TestReverseStress:
    @pytest.mark.parametrize("loss_percent", [10, 20])
    def test_the_custom_scenario_reproduces_the_loss(self, auth_client, batched, loss_percent: int) -> None:
        response = auth_client.get(url(batched, "reverse-stress"), {"loss_percent": loss_percent})
        assert response.status_code == 200, response.content
        body = response.json()
        assert_meta(body)
        assert body["loss_percent"] == loss_percent and body["propagation"] == "conditional"
        assert body["achieved"] is True
        assert body["target_loss"] == pytest.approx(body["portfolio_value"] * loss_percent / 100, abs=0.01)
        assert body["achieved_loss"] == pytest.approx(body["target_loss"], rel=1e-4)
        assert len(body["factor_moves"]) == 11
        assert body["mahalanobis_distance"] > 0
        assert sum(p["dollar_impact"] for p in body["by_position"]) == pytest.approx(
            -body["achieved_loss"], abs=0.05
        )
        for propagation in ("conditional", "isolated"):
            custom = auth_client.post(
                url(batched, "scenarios/custom"),
                {"name": "reverse", "shocks": body["factor_moves"], "propagation": propagation},
                format="json",
            )
            assert custom.status_code == 200, custom.content
            impact = custom.json()["scenarios"][0]["impact"]["dollar_impact"]
            assert -impact == pytest.approx(body["achieved_loss"], rel=0.005)

    def test_a_linear_book_gives_the_closed_form(self, auth_client, market, user) -> None:
        portfolio = make_book(
            market, [Leg("AAA", 100), Leg("BBB", -200), Leg("CCC", 30)], owner=user, cash=20_000
        )
        assert run_risk(portfolio).failures == {}
        # 5 % of NAV: no stock reaches its -100 % floor, so the book is linear in the moves
        body = auth_client.get(url(portfolio, "reverse-stress"), {"loss_percent": 5}).json()
        assert body["achieved_loss"] == pytest.approx(body["target_loss"], abs=0.02)
        moves, linear = body["factor_moves"], body["linear_factor_moves"]
        for name, value in linear.items():
            assert moves[name] == pytest.approx(value, rel=1e-5, abs=1e-10), name
        assert body["mahalanobis_distance"] == pytest.approx(body["linear_mahalanobis_distance"], rel=1e-5)


class TestBacktest:
    """The statistics on stored forecasts: analytics/tests/services/test_var_forecasts.py."""

    def test_without_stored_forecasts_is_a_422(self, auth_client, batched) -> None:
        # engine 7 alone: no snapshots, no stored VaR forecasts, nothing to test
        error = assert_error(
            auth_client.get(url(batched, "backtest"), {"days": 20}), 422, "INSUFFICIENT_DATA"
        )
        assert error["details"]["tested_days_available"] == 0
        assert "backfill_var_forecasts" in error["details"]["how_to_fix"]


class TestCommon:
    @pytest.mark.parametrize(
        ("endpoint", "params", "name"),
        [
            ("option-grid", {"spot_moves": "a,b"}, "spot_moves"),
            ("option-grid", {"spot_moves": "-1.5"}, "spot_moves"),
            ("option-grid", {"vol_moves": "-1"}, "vol_moves"),
            ("option-grid", {"vol_moves": ",".join(str(i / 100) for i in range(26))}, "vol_moves"),
            ("option-grid", {"spot_moves": "0.1,0.1"}, "spot_moves"),
            ("option-grid", {"nope": "1"}, "nope"),
            ("option-grid", {"as_of_date": "x"}, "as_of_date"),
            ("liquidity", {"participation": "0"}, "participation"),
            ("liquidity", {"participation": "1.5"}, "participation"),
            ("liquidity", {"participation": "x"}, "participation"),
            ("liquidity", {"adv_days": "0"}, "adv_days"),
            ("liquidity", {"adv_days": "300"}, "adv_days"),
            ("liquidity", {"confidence": "0.9"}, "confidence"),
            ("liquidity", {"other": "1"}, "other"),
            ("expiries", {"days": "0"}, "days"),
            ("expiries", {"days": "x"}, "days"),
            ("expiries", {"d": "1"}, "d"),
            ("reverse-stress", {"loss_percent": "0"}, "loss_percent"),
            ("reverse-stress", {"loss_percent": "101"}, "loss_percent"),
            ("reverse-stress", {"propagation": "x"}, "propagation"),
            ("reverse-stress", {"z": "1"}, "z"),
            ("backtest", {"method": "monte_carlo"}, "method"),
            ("backtest", {"confidence": "0.975"}, "confidence"),
            ("backtest", {"days": "9"}, "days"),
            ("backtest", {"days": "501"}, "days"),
        ],
    )
    def test_400_names_the_parameter(
        self, auth_client, plain, endpoint: str, params: dict, name: str
    ) -> None:
        error = assert_error(auth_client.get(url(plain, endpoint), params), 400, "VALIDATION_ERROR")
        assert name in error["details"]

    @pytest.mark.parametrize("endpoint", ENDPOINTS)
    def test_401_without_a_token(self, api_client, plain, endpoint: str) -> None:
        assert_error(api_client.get(url(plain, endpoint)), 401)

    @pytest.mark.parametrize("endpoint", ENDPOINTS)
    def test_404_for_someone_elses_portfolio(self, client_for, other_user, batched, endpoint: str) -> None:
        error = assert_error(client_for(other_user).get(url(batched, endpoint)), 404, "NOT_FOUND")
        assert str(batched.id) not in str(error["details"])

    @pytest.mark.parametrize("endpoint", ENDPOINTS)
    def test_422_before_the_batch(self, auth_client, book, endpoint: str) -> None:
        error = assert_error(auth_client.get(url(book, endpoint)), 422, "INSUFFICIENT_DATA")
        assert error["details"]["portfolio_id"] == str(book.id)
