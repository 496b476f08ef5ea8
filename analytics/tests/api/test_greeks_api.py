"""GET /analytics/risk/{id}/greeks and POST /analytics/risk/greeks/calculate."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import mibian
import numpy as np
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from analytics.batch.services import batch_run_create, batch_run_execute
from analytics.engines.black_scholes import bsm_greeks
from analytics.engines.option_pricer import option_greeks
from analytics.models import PositionGreeks
from analytics.tests.quantlib_ref import quantlib_option_price
from analytics.tests.services.test_greeks_service import (
    AS_OF,
    RATE,
    expected_realized_vol,
    option,
    seed_market,
)
from marketdata.models import PriceBar
from portfolios.models import PositionType
from portfolios.tests.factories import PortfolioFactory, PositionFactory
from sigmasight.tests.envelope import assert_error, assert_timestamp

GREEK_KEYS = {"delta", "delta_dollars", "gamma", "gamma_dollars", "theta", "vega", "rho"}


def url(portfolio_id) -> str:  # type: ignore[no-untyped-def]
    return f"/api/v1/analytics/risk/{portfolio_id}/greeks"


CALCULATE = "/api/v1/analytics/risk/greeks/calculate"


def run_greeks_batch(*portfolios) -> None:  # type: ignore[no-untyped-def]
    run = batch_run_create(as_of=AS_OF, engines=["greeks"], portfolio_ids=[p.id for p in portfolios])
    run = batch_run_execute(run=run)
    assert run.status == "succeeded", run.counts


@pytest.fixture
def market(db):  # type: ignore[no-untyped-def]
    return seed_market()


@pytest.fixture
def book(user, market):  # type: ignore[no-untyped-def]
    """Long and short stock, long and short options on two underlyings, and an expired put."""
    portfolio = PortfolioFactory(owner=user)
    entry = dt.date(2024, 12, 2)
    positions = {
        "long_stock": PositionFactory(
            portfolio=portfolio, symbol="XYZ", quantity=Decimal("100"), entry_date=entry
        ),
        "short_stock": PositionFactory(
            portfolio=portfolio,
            symbol="DIV",
            position_type=PositionType.SHORT,
            quantity=Decimal("-40"),
            entry_date=entry,
        ),
        "call": option(
            portfolio,
            underlying="XYZ",
            kind="call",
            strike=95,
            expiry=AS_OF + dt.timedelta(days=45),
            quantity=3,
            iv=0.30,
        ),
        "short_call": option(
            portfolio,
            underlying="XYZ",
            kind="call",
            strike=110,
            expiry=AS_OF + dt.timedelta(days=14),
            quantity=-4,
            iv=0.35,
        ),
        "short_put": option(
            portfolio,
            underlying="DIV",
            kind="put",
            strike=48,
            expiry=AS_OF + dt.timedelta(days=200),
            quantity=-5,
        ),
        "long_put": option(
            portfolio,
            underlying="DIV",
            kind="put",
            strike=55,
            expiry=AS_OF + dt.timedelta(days=200),
            quantity=2,
            iv=0.25,
        ),
        "expired": option(
            portfolio,
            underlying="XYZ",
            kind="put",
            strike=110,
            expiry=AS_OF - dt.timedelta(days=3),
            quantity=1,
            iv=0.3,
        ),
    }
    return portfolio, positions


def _expected_totals(portfolio, positions, keep=lambda dd: True) -> dict[str, float]:  # type: ignore[no-untyped-def]
    """Sum of the stored option Greeks plus stocks at delta 1 per share (delta_dollars = MV)."""
    closes = {"XYZ": 100.0, "DIV": 50.0}
    totals = dict.fromkeys(GREEK_KEYS, 0.0)
    for row in PositionGreeks.objects.filter(portfolio=portfolio, as_of_date=AS_OF):
        if not keep(row.delta_dollars):
            continue
        totals["delta"] += row.position_delta
        totals["gamma"] += row.position_gamma
        totals["theta"] += row.position_theta
        totals["vega"] += row.position_vega
        totals["rho"] += row.position_rho
        totals["delta_dollars"] += row.delta_dollars
        totals["gamma_dollars"] += row.gamma_dollars
    for key in ("long_stock", "short_stock"):
        pos = positions[key]
        mv = float(pos.quantity) * closes[pos.symbol]
        if keep(mv):
            totals["delta"] += float(pos.quantity)
            totals["delta_dollars"] += mv
    return totals


def _assert_totals(actual: dict, expected: dict[str, float]) -> None:
    for name in GREEK_KEYS:
        assert actual[name] == pytest.approx(expected[name], abs=0.006), name


class TestPortfolioGreeks:
    def test_shape_and_field_names(self, auth_client, book) -> None:  # type: ignore[no-untyped-def]
        portfolio, _ = book
        run_greeks_batch(portfolio)

        response = auth_client.get(url(portfolio.id))

        assert response.status_code == 200, response.content
        body = response.json()
        assert {
            "current",
            "by_underlying",
            "after_expiry",
            "units",
            "as_of_date",
            "calculated_at",
            "data_source",
        } <= set(body)
        assert GREEK_KEYS <= set(body["current"])
        assert body["current"]["positions"] == 7
        assert [row["underlying"] for row in body["by_underlying"]] == ["DIV", "XYZ"]
        for row in body["by_underlying"]:
            assert GREEK_KEYS | {"underlying", "positions"} <= set(row)
        assert body["after_expiry"] is None
        assert body["units"]["theta"] == "per calendar day"
        assert body["units"]["vega"] == "per 1 vol point"
        assert body["units"]["rho"] == "per 1 rate point"
        assert "stocks" in body["units"]["delta"] and "market value" in body["units"]["delta_dollars"]
        assert body["as_of_date"] == AS_OF.isoformat()
        assert_timestamp(body["calculated_at"])
        assert body["data_source"] == "synthetic"
        assert body["view"] == "portfolio"
        assert body["data_quality"] == {"positions_missing_greeks": 0, "missing": []}

    def test_totals_equal_sum_of_position_greeks(self, auth_client, book) -> None:  # type: ignore[no-untyped-def]
        portfolio, positions = book
        run_greeks_batch(portfolio)

        body = auth_client.get(url(portfolio.id)).json()

        _assert_totals(body["current"], _expected_totals(portfolio, positions))
        # by underlying adds up to the book
        for name in GREEK_KEYS:
            assert sum(row[name] for row in body["by_underlying"]) == pytest.approx(
                body["current"][name], abs=0.02
            )
        assert sum(row["positions"] for row in body["by_underlying"]) == 7
        xyz = next(row for row in body["by_underlying"] if row["underlying"] == "XYZ")
        assert xyz["positions"] == 4

    def test_longs_and_shorts_split_by_delta_adjusted_exposure(self, auth_client, book) -> None:  # type: ignore[no-untyped-def]
        portfolio, positions = book
        run_greeks_batch(portfolio)

        book_ = auth_client.get(url(portfolio.id)).json()["current"]
        longs = auth_client.get(url(portfolio.id), {"view": "longs"}).json()
        shorts = auth_client.get(url(portfolio.id), {"view": "shorts"}).json()

        assert longs["view"] == "longs" and shorts["view"] == "shorts"
        _assert_totals(longs["current"], _expected_totals(portfolio, positions, keep=lambda dd: dd > 0))
        _assert_totals(shorts["current"], _expected_totals(portfolio, positions, keep=lambda dd: dd < 0))
        assert longs["current"]["delta_dollars"] > 0 > shorts["current"]["delta_dollars"]
        # long stock, long call, short put (long delta) | short stock, short call, long put; expired in neither
        assert longs["current"]["positions"] == 3
        assert shorts["current"]["positions"] == 3
        for name in GREEK_KEYS:
            assert longs["current"][name] + shorts["current"][name] == pytest.approx(book_[name], abs=0.02)

    def test_after_expiry_removes_the_nearest_expiry_and_ages_the_rest(self, auth_client, book) -> None:  # type: ignore[no-untyped-def]
        portfolio, positions = book
        run_greeks_batch(portfolio)

        body = auth_client.get(url(portfolio.id), {"include_after_expiry": "true"}).json()

        after = body["after_expiry"]
        cutoff = AS_OF + dt.timedelta(days=14)
        assert after["expiry_date"] == cutoff.isoformat()
        assert after["removed_positions"] == 2  # the 14-day short call and the already expired put
        assert after["positions"] == 5
        # then the remaining options are repriced 14 days older (same S, sigma, r, q, exercise style)
        rows = PositionGreeks.objects.filter(portfolio=portfolio, as_of_date=AS_OF).select_related("position")
        names = {"delta": "position_delta", "theta": "position_theta", "vega": "position_vega"}
        names |= {"delta_dollars": "delta_dollars", "gamma": "position_gamma"}
        expected = {name: body["current"][name] for name in names}
        unaged = dict(expected)
        for row in rows:
            for name, column in names.items():
                expected[name] -= getattr(row, column)
                unaged[name] -= getattr(row, column)
            if row.position.expiration_date <= cutoff:
                continue
            aged = option_greeks(
                row.underlying_price,
                float(row.position.strike_price),
                (row.days_to_expiry - 14) / 365.0,
                row.risk_free_rate,
                row.dividend_yield,
                row.volatility,
                row.position.option_type == "call",
                row.exercise == "american",
            )
            scale = 100 * float(row.position.quantity)
            per_share = {"delta": aged.delta, "theta": aged.theta, "vega": aged.vega, "gamma": aged.gamma}
            per_share["delta_dollars"] = aged.delta * row.underlying_price
            for name in names:
                expected[name] += float(per_share[name]) * scale
                unaged[name] += getattr(row, names[name])
        for name in names:
            assert after[name] == pytest.approx(expected[name], abs=0.02), name
        assert after["theta"] != pytest.approx(unaged["theta"], abs=0.5)  # aging changes theta

    def test_missing_greeks_are_listed_and_left_out(self, auth_client, user, market) -> None:  # type: ignore[no-untyped-def]
        portfolio = PortfolioFactory(owner=user)
        ok = option(
            portfolio,
            underlying="XYZ",
            kind="call",
            strike=100,
            expiry=AS_OF + dt.timedelta(days=30),
            quantity=1,
            iv=0.2,
        )
        bad = option(
            portfolio,
            underlying="NOPX",
            kind="call",
            strike=10,
            expiry=AS_OF + dt.timedelta(days=30),
            quantity=1,
            iv=0.2,
        )
        run_greeks_batch(portfolio)

        body = auth_client.get(url(portfolio.id)).json()

        assert body["data_quality"]["positions_missing_greeks"] == 1
        assert body["data_quality"]["missing"] == [
            {"position_id": str(bad.id), "underlying": "NOPX", "missing": ["underlying_price"]}
        ]
        stored = PositionGreeks.objects.get(position=ok)
        assert body["current"]["delta"] == pytest.approx(stored.position_delta, abs=1e-6)

    def test_requires_authentication(self, api_client, book) -> None:  # type: ignore[no-untyped-def]
        portfolio, _ = book
        assert_error(api_client.get(url(portfolio.id)), 401)

    def test_other_users_portfolio_is_404(self, client_for, other_user, book) -> None:  # type: ignore[no-untyped-def]
        portfolio, _ = book
        run_greeks_batch(portfolio)
        assert_error(client_for(other_user).get(url(portfolio.id)), 404, "NOT_FOUND")

    @pytest.mark.parametrize(
        ("params", "name"),
        [
            ({"view": "foo"}, "view"),
            ({"include_after_expiry": "maybe"}, "include_after_expiry"),
            ({"as_of_date": "yesterday"}, "as_of_date"),
            ({"foo": "1"}, "foo"),
        ],
    )
    def test_bad_params_are_400(self, auth_client, book, params, name) -> None:  # type: ignore[no-untyped-def]
        portfolio, _ = book
        run_greeks_batch(portfolio)
        error = assert_error(auth_client.get(url(portfolio.id), params), 400, "VALIDATION_ERROR")
        assert name in error["details"]

    def test_422_before_the_batch_ran(self, auth_client, book) -> None:  # type: ignore[no-untyped-def]
        portfolio, _ = book
        error = assert_error(auth_client.get(url(portfolio.id)), 422, "INSUFFICIENT_DATA")
        assert "Greeks" in error["details"]["missing"]
        assert "batch" in error["details"]["how_to_fix"]

    def test_422_for_a_date_without_a_run(self, auth_client, book) -> None:  # type: ignore[no-untyped-def]
        portfolio, _ = book
        run_greeks_batch(portfolio)
        assert_error(
            auth_client.get(url(portfolio.id), {"as_of_date": "2024-01-02"}), 422, "INSUFFICIENT_DATA"
        )
        assert auth_client.get(url(portfolio.id), {"as_of_date": AS_OF.isoformat()}).status_code == 200

    def test_stock_only_portfolio_answers_after_the_batch(self, auth_client, user, market) -> None:  # type: ignore[no-untyped-def]
        portfolio = PortfolioFactory(owner=user)
        PositionFactory(
            portfolio=portfolio, symbol="XYZ", quantity=Decimal("10"), entry_date=dt.date(2024, 12, 2)
        )
        run_greeks_batch(portfolio)

        current = auth_client.get(url(portfolio.id)).json()["current"]

        assert current["delta"] == 10.0 and current["delta_dollars"] == 1000.0
        assert current["gamma"] == current["theta"] == current["vega"] == current["rho"] == 0.0

    def test_query_count_does_not_grow_with_positions(self, auth_client, user, market) -> None:  # type: ignore[no-untyped-def]
        def build(n: int):  # type: ignore[no-untyped-def]
            portfolio = PortfolioFactory(owner=user)
            for i in range(n):
                if i % 3 == 0:
                    PositionFactory(
                        portfolio=portfolio,
                        symbol=("XYZ", "DIV")[i % 2],
                        quantity=Decimal(10 + i),
                        entry_date=dt.date(2024, 12, 2),
                    )
                else:
                    option(
                        portfolio,
                        underlying=("XYZ", "DIV")[i % 2],
                        kind=("call", "put")[i % 2],
                        strike=40 + i,
                        expiry=AS_OF + dt.timedelta(days=10 + i),
                        quantity=(-1) ** i * (1 + i % 4),
                        iv=None if i % 5 == 0 else 0.3,
                    )
            return portfolio

        small, large = build(10), build(60)
        run_greeks_batch(small, large)

        counts = []
        for portfolio in (small, large):
            with CaptureQueriesContext(connection) as ctx:
                response = auth_client.get(
                    url(portfolio.id), {"include_after_expiry": "true", "view": "longs"}
                )
            assert response.status_code == 200
            counts.append(len(ctx.captured_queries))
        assert counts[0] == counts[1], counts


class TestGreeksCalculate:
    def test_hulls_example(self, auth_client, db) -> None:  # type: ignore[no-untyped-def]
        # Hull: S=49, K=50, r=5%, sigma=20%, T=0.3846 (20 weeks); 140 calendar days -> T = 140/365
        body = {
            "as_of_date": "2025-01-06",
            "positions": [
                {
                    "underlying_price": 49,
                    "strike": 50,
                    "expiration_date": "2025-05-26",
                    "option_type": "call",
                    "quantity": 10,
                    "volatility": 0.2,
                    "risk_free_rate": 0.05,
                }
            ],
        }

        response = auth_client.post(CALCULATE, body, format="json")

        assert response.status_code == 200, response.content
        data = response.json()
        pos = data["positions"][0]
        assert pos["inputs"] == {
            "underlying_price": 49.0,
            "strike": 50.0,
            "days_to_expiry": 140,
            "volatility": 0.2,
            "risk_free_rate": 0.05,
            "dividend_yield": 0.0,
            "option_type": "call",
            "quantity": 10.0,
            "multiplier": 100.0,
            "volatility_source": "given",
            "exercise": "american",  # a stock option; without dividends never exercised early
            "sources": {
                "underlying_price": "request",
                "risk_free_rate": "request",
                "dividend_yield": "store",
                "volatility": "request",
            },
        }
        ref = mibian.BS([49, 50, 5, 140], volatility=20)
        engine = bsm_greeks(49.0, 50.0, 140 / 365, 0.05, 0.0, 0.2, True)
        expected = {
            "price": ref.callPrice,
            "delta": ref.callDelta,
            "gamma": ref.gamma,
            "theta": ref.callTheta,
            "vega": ref.vega,
            "rho": ref.callRho,
        }
        for name, value in expected.items():
            assert pos["per_share"][name] == pytest.approx(value, abs=1e-6), name
            assert pos["per_share"][name] == pytest.approx(float(getattr(engine, name)), abs=1e-12), name
        # close to Hull's textbook figures at T=0.3846 (call 2.4005, delta 0.5216, gamma 0.0655)
        assert pos["per_share"]["price"] == pytest.approx(2.4005, abs=0.02)
        assert pos["per_share"]["delta"] == pytest.approx(0.5216, abs=0.005)
        assert pos["per_share"]["gamma"] == pytest.approx(0.0655, abs=0.001)
        assert pos["position"]["delta"] == pytest.approx(expected["delta"] * 1000, abs=1e-6)
        assert pos["position"]["delta_dollars"] == pytest.approx(expected["delta"] * 49 * 1000, abs=0.005)
        assert pos["position"]["gamma_dollars"] == pytest.approx(
            expected["gamma"] * 49**2 * 0.01 * 1000, abs=0.005
        )
        assert pos["position"]["theta"] == pytest.approx(expected["theta"] * 1000, abs=0.005)
        assert data["totals"] == pos["position"]
        assert data["units"]["theta"] == "per calendar day"
        assert data["units"]["vega"] == "per 1 vol point"
        assert data["units"]["rho"] == "per 1 rate point"
        assert data["as_of_date"] == "2025-01-06"
        assert_timestamp(data["calculated_at"])
        assert "data_source" in data

    @pytest.mark.parametrize(
        ("underlying", "exercise", "expected"),
        [("XYZ", None, "american"), ("XYZ", "european", "european"), ("SPX", None, "european")],
    )
    def test_exercise_style_default_and_override(  # type: ignore[no-untyped-def]
        self, auth_client, db, underlying, exercise, expected
    ) -> None:
        position = {
            "underlying_symbol": underlying,
            "underlying_price": 100,
            "strike": 120,
            "expiration_date": "2026-01-06",
            "option_type": "put",
            "quantity": 1,
            "volatility": 0.2,
            "risk_free_rate": 0.05,
            "dividend_yield": 0.0,
        }
        if exercise:
            position["exercise"] = exercise
        body = {"as_of_date": "2025-01-06", "positions": [position]}

        pos = auth_client.post(CALCULATE, body, format="json").json()["positions"][0]

        assert pos["inputs"]["exercise"] == expected
        european = mibian.BS([100, 120, 5, 365], volatility=20).putPrice
        reference = quantlib_option_price(
            100, 120, 365, 0.05, 0.0, 0.2, False, american=expected == "american"
        )
        assert pos["per_share"]["price"] == pytest.approx(reference, rel=0.005)
        if expected == "european":
            assert pos["per_share"]["price"] == pytest.approx(european, abs=1e-6)
        else:  # a deep in-the-money American put is worth at least its intrinsic 20, the European less
            assert pos["per_share"]["price"] >= 20.0 > european

    def test_occ_mark_implies_the_volatility(self, auth_client, market) -> None:  # type: ignore[no-untyped-def]
        # given a stored bar of the contract itself (its mark)
        occ = "XYZ   250321P00105000"
        PriceBar.objects.create(
            symbol=occ, date=AS_OF, open=8, high=8, low=8, close=8.25, adjusted_close=8.25, volume=10
        )

        pos = auth_client.post(
            CALCULATE, {"positions": [{"occ_symbol": occ, "quantity": 1}]}, format="json"
        ).json()["positions"][0]

        # then sigma is the vol that reprices that mark with the American pricer
        assert pos["inputs"]["volatility_source"] == "implied_from_mark"
        assert pos["per_share"]["price"] == pytest.approx(8.25, abs=1e-8)
        days = (dt.date(2025, 3, 21) - AS_OF).days
        sigma = pos["inputs"]["volatility"]
        reference = quantlib_option_price(100.0, 105.0, days, RATE, 0.0, sigma, False, american=True)
        assert reference == pytest.approx(8.25, rel=0.005)

    def test_occ_symbol_filled_from_stored_data(self, auth_client, market) -> None:  # type: ignore[no-untyped-def]
        expiry = dt.date(2025, 3, 21)
        body = {
            "positions": [
                {"occ_symbol": "XYZ   250321C00105000", "quantity": -2},
                {"occ_symbol": "DIV250620P00050000", "quantity": 3, "volatility": 0.3},
            ]
        }

        response = auth_client.post(CALCULATE, body, format="json")

        assert response.status_code == 200, response.content
        data = response.json()
        assert data["as_of_date"] == AS_OF.isoformat()  # the latest stored bar date
        assert data["data_source"] == "synthetic"
        first, second = data["positions"]
        sigma = expected_realized_vol(market["XYZ"])
        days = (expiry - AS_OF).days
        assert first["underlying_symbol"] == "XYZ" and first["expiration_date"] == expiry.isoformat()
        assert first["inputs"]["underlying_price"] == 100.0
        assert first["inputs"]["strike"] == 105.0
        assert first["inputs"]["days_to_expiry"] == days
        assert first["inputs"]["risk_free_rate"] == RATE
        assert first["inputs"]["dividend_yield"] == 0.0
        assert first["inputs"]["volatility"] == pytest.approx(sigma, rel=1e-12)
        assert first["inputs"]["sources"] == {
            "underlying_price": "store",
            "risk_free_rate": "store",
            "dividend_yield": "store",
            "volatility": "store",
        }
        ref = mibian.BS([100.0, 105.0, RATE * 100, days], volatility=sigma * 100)  # no dividend: European
        assert first["per_share"]["delta"] == pytest.approx(ref.callDelta, abs=1e-6)
        assert first["per_share"]["theta"] == pytest.approx(ref.callTheta, abs=1e-6)
        assert first["position"]["delta"] == pytest.approx(ref.callDelta * -200, abs=1e-5)
        # the second takes the stored dividend yield of DIV (2%) and its given volatility
        assert second["inputs"]["option_type"] == "put" and second["inputs"]["dividend_yield"] == 0.02
        assert (
            first["inputs"]["volatility_source"] == "realized" and second["inputs"]["exercise"] == "american"
        )
        t = (dt.date(2025, 6, 20) - AS_OF).days / 365
        engine = option_greeks(50.0, 50.0, t, RATE, 0.02, 0.3, False, True)
        assert second["per_share"]["vega"] == pytest.approx(float(engine.vega), abs=1e-12)
        for name in GREEK_KEYS:
            assert data["totals"][name] == pytest.approx(
                first["position"][name] + second["position"][name], abs=0.011
            )

    def test_expired_option_gives_zero_greeks(self, auth_client, db) -> None:  # type: ignore[no-untyped-def]
        body = {
            "as_of_date": "2025-01-10",
            "positions": [
                {
                    "underlying_price": 90,
                    "strike": 100,
                    "expiration_date": "2025-01-03",
                    "option_type": "put",
                    "quantity": 1,
                }
            ],
        }

        data = auth_client.post(CALCULATE, body, format="json").json()

        pos = data["positions"][0]
        assert pos["expired"] is True and pos["inputs"]["days_to_expiry"] == -7
        assert pos["per_share"]["price"] == pytest.approx(10.0)
        assert {pos["per_share"][k] for k in ("delta", "gamma", "theta", "vega", "rho")} == {0.0}
        assert set(pos["position"].values()) == {0.0}

    def test_missing_input_is_422_naming_field_and_index(self, auth_client, market) -> None:  # type: ignore[no-untyped-def]
        body = {
            "positions": [
                {
                    "underlying_price": 100,
                    "strike": 100,
                    "expiration_date": "2025-03-21",
                    "option_type": "call",
                    "quantity": 1,
                    "volatility": 0.2,
                },
                {
                    "underlying_symbol": "NOPX",
                    "strike": 10,
                    "expiration_date": "2025-03-21",
                    "option_type": "call",
                    "quantity": 1,
                    "volatility": 0.2,
                },
                {
                    "strike": 10,
                    "expiration_date": "2025-03-21",
                    "option_type": "put",
                    "quantity": 1,
                    "underlying_price": 10,
                },
            ]
        }

        error = assert_error(auth_client.post(CALCULATE, body, format="json"), 422, "INSUFFICIENT_DATA")

        problems = {(p["index"], p["field"]) for p in error["details"]["positions"]}
        assert problems == {(1, "underlying_price"), (2, "volatility")}
        assert error["message"].startswith("positions[1].underlying_price")

    def test_missing_rate_in_store_is_422(self, auth_client, db) -> None:  # type: ignore[no-untyped-def]
        body = {
            "as_of_date": "2025-01-10",
            "positions": [
                {
                    "underlying_price": 100,
                    "strike": 100,
                    "expiration_date": "2025-03-21",
                    "option_type": "call",
                    "quantity": 1,
                    "volatility": 0.2,
                }
            ],
        }
        error = assert_error(auth_client.post(CALCULATE, body, format="json"), 422, "INSUFFICIENT_DATA")
        assert error["details"]["positions"] == [
            {"index": 0, "field": "risk_free_rate", "message": error["details"]["positions"][0]["message"]}
        ]

    @pytest.mark.parametrize(
        ("change", "field"),
        [
            ({"quantity": 0}, "quantity"),
            ({"strike": -1}, "strike"),
            ({"strike": 0}, "strike"),
            ({"volatility": 0}, "volatility"),
            ({"volatility": 5.5}, "volatility"),
            ({"option_type": "straddle"}, "option_type"),
            ({"expiration_date": "soon"}, "expiration_date"),
            ({"underlying_price": 0}, "underlying_price"),
            ({"dividend_yield": -0.1}, "dividend_yield"),
            ({"risk_free_rate": 3}, "risk_free_rate"),
            ({"volatilty": 0.2}, "volatilty"),
            ({"strike": None, "occ_symbol": "XYZ"}, "occ_symbol"),
            ({"occ_symbol": "XYZ   250321C00105000"}, "strike"),
        ],
    )
    def test_bad_fields_are_400(self, auth_client, db, change, field) -> None:  # type: ignore[no-untyped-def]
        position = {
            "underlying_price": 100,
            "strike": 100,
            "expiration_date": "2025-03-21",
            "option_type": "call",
            "quantity": 1,
            "volatility": 0.2,
            "risk_free_rate": 0.04,
        }
        position.update(change)
        position = {k: v for k, v in position.items() if v is not None}
        body = {
            "positions": [
                {
                    "underlying_price": 100,
                    "strike": 100,
                    "expiration_date": "2025-03-21",
                    "option_type": "call",
                    "quantity": 1,
                },
                position,
            ]
        }

        error = assert_error(auth_client.post(CALCULATE, body, format="json"), 400, "VALIDATION_ERROR")

        assert field in error["details"]["positions"]["1"], error  # {index: {field: [messages]}}

    def test_contract_fields_required_without_occ(self, auth_client, db) -> None:  # type: ignore[no-untyped-def]
        error = assert_error(
            auth_client.post(CALCULATE, {"positions": [{"quantity": 1}]}, format="json"), 400
        )
        assert {"strike", "expiration_date", "option_type"} <= set(error["details"]["positions"]["0"])

    def test_positions_required_and_capped(self, auth_client, db) -> None:  # type: ignore[no-untyped-def]
        assert_error(auth_client.post(CALCULATE, {"positions": []}, format="json"), 400, "VALIDATION_ERROR")
        assert_error(auth_client.post(CALCULATE, {}, format="json"), 400, "VALIDATION_ERROR")
        one = {
            "underlying_price": 100,
            "strike": 100,
            "expiration_date": "2025-03-21",
            "option_type": "call",
            "quantity": 1,
            "volatility": 0.2,
            "risk_free_rate": 0.04,
        }
        error = assert_error(auth_client.post(CALCULATE, {"positions": [one] * 1001}, format="json"), 400)
        assert "positions" in error["details"]
        ok = auth_client.post(
            CALCULATE, {"as_of_date": "2025-01-10", "positions": [one] * 1000}, format="json"
        )
        assert ok.status_code == 200 and len(ok.json()["positions"]) == 1000

    def test_requires_authentication(self, api_client, db) -> None:  # type: ignore[no-untyped-def]
        assert_error(api_client.post(CALCULATE, {"positions": []}, format="json"), 401)

    def test_trailing_slash_answers(self, auth_client, db) -> None:  # type: ignore[no-untyped-def]
        body = {
            "as_of_date": "2025-01-10",
            "positions": [
                {
                    "underlying_price": 100,
                    "strike": 100,
                    "expiration_date": "2025-03-21",
                    "option_type": "call",
                    "quantity": 1,
                    "volatility": 0.2,
                    "risk_free_rate": 0.04,
                }
            ],
        }
        assert auth_client.post(CALCULATE + "/", body, format="json").status_code == 200

    def test_query_count_does_not_grow_with_positions(self, auth_client, market) -> None:  # type: ignore[no-untyped-def]
        def body(n: int) -> dict:
            return {
                "positions": [
                    {
                        "occ_symbol": f"{('XYZ', 'DIV')[i % 2]}250321{'CP'[i % 2]}{(80 + i) * 1000:08d}",
                        "quantity": 1 + i,
                    }
                    for i in range(n)
                ]
            }

        counts = []
        for n in (10, 60):
            with CaptureQueriesContext(connection) as ctx:
                response = auth_client.post(CALCULATE, body(n), format="json")
            assert response.status_code == 200, response.content
            counts.append(len(ctx.captured_queries))
        assert counts[0] == counts[1], counts
        assert np.isfinite([p["per_share"]["delta"] for p in response.json()["positions"]]).all()
