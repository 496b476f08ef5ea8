"""Batch engine 4 (Greeks) on hand-made bars, rates and positions with known S, K, T, r, q, sigma."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import mibian
import numpy as np
import pandas as pd
import pytest

from analytics.engines.black_scholes import bsm_greeks
from analytics.engines.option_pricer import option_greeks
from analytics.models import PositionGreeks
from analytics.services.greeks import greeks_step
from analytics.tests.quantlib_ref import quantlib_option_price
from marketdata.models import MacroSeries, PriceBar, Security
from portfolios.models import PositionType
from portfolios.tests.factories import PortfolioFactory, PositionFactory

AS_OF = dt.date(2025, 1, 10)  # a Friday
SPOT = {"XYZ": 100.0, "DIV": 50.0}
RATE = 0.045
DIV_YIELD = 0.02
GREEKS = ("price", "delta", "gamma", "theta", "vega", "rho")


def _closes(last: float, n: int, seed: int) -> np.ndarray:
    """n closes ending exactly at ``last`` with known, deterministic simple returns."""
    rng = np.random.default_rng(seed)
    returns = rng.normal(0.0, 0.015, n - 1)
    path = np.concatenate([[1.0], np.cumprod(1.0 + returns)])
    return path / path[-1] * last


def seed_market(*, as_of: dt.date = AS_OF, days: int = 90) -> dict[str, pd.Series]:
    """Bars for XYZ and DIV on the ``days`` business days up to ``as_of``, DGS3MO, and securities.

    Returns the close series per symbol (date-indexed) so tests can work out realized vols.
    """
    dates = pd.bdate_range(end=as_of, periods=days).date
    series: dict[str, pd.Series] = {}
    bars = []
    for seed, (symbol, last) in enumerate(SPOT.items()):
        closes = _closes(last, days, seed)
        series[symbol] = pd.Series(closes, index=dates)
        bars += [
            PriceBar(
                symbol=symbol,
                date=d,
                open=c,
                high=c,
                low=c,
                close=c,
                adjusted_close=c,
                volume=1000,
                source="synthetic",
            )
            for d, c in zip(dates, closes, strict=True)
        ]
    PriceBar.objects.bulk_create(bars)
    MacroSeries.objects.create(
        series_id="DGS3MO", date=as_of - dt.timedelta(days=1), value=0.01, source="fred"
    )
    MacroSeries.objects.create(series_id="DGS3MO", date=as_of, value=RATE, source="fred")
    Security.objects.create(symbol="XYZ", name="XYZ Corp", dividend_yield=None)
    Security.objects.create(symbol="DIV", name="Dividend Corp", dividend_yield=DIV_YIELD)
    return series


def expected_realized_vol(closes: pd.Series, window: int = 60) -> float:
    """Sample std (ddof=1) of the last 60 simple returns x sqrt(252), floored at 5% (worked by hand)."""
    returns = closes.to_numpy()[1:] / closes.to_numpy()[:-1] - 1.0
    return max(float(np.std(returns[-window:], ddof=1) * np.sqrt(252)), 0.05)


def option(
    portfolio,
    *,
    underlying: str,
    kind: str,
    strike: float,
    expiry: dt.date,
    quantity: float,
    iv: float | None = None,
    **extra,
):  # type: ignore[no-untyped-def]
    long = quantity > 0
    position_type = {
        ("call", True): PositionType.LC,
        ("call", False): PositionType.SC,
        ("put", True): PositionType.LP,
        ("put", False): PositionType.SP,
    }[(kind, long)]
    symbol = f"{underlying:<6}{expiry:%y%m%d}{kind[0].upper()}{int(strike * 1000):08d}"
    return PositionFactory(
        portfolio=portfolio,
        symbol=symbol,
        position_type=position_type,
        quantity=Decimal(str(quantity)),
        multiplier=100,
        entry_price=Decimal("3"),
        entry_date=dt.date(2024, 12, 2),
        underlying_symbol=underlying,
        option_type=kind,
        strike_price=Decimal(str(strike)),
        expiration_date=expiry,
        implied_volatility=iv,
        **extra,
    )


@pytest.fixture
def market(db):  # type: ignore[no-untyped-def]
    return seed_market()


@pytest.fixture
def book(market):  # type: ignore[no-untyped-def]
    portfolio = PortfolioFactory()
    positions = {
        "call": option(
            portfolio,
            underlying="XYZ",
            kind="call",
            strike=95,
            expiry=AS_OF + dt.timedelta(days=45),
            quantity=3,
            iv=0.30,
        ),
        "put": option(
            portfolio,
            underlying="XYZ",
            kind="put",
            strike=105,
            expiry=AS_OF + dt.timedelta(days=120),
            quantity=-2,
        ),
        "div_call": option(
            portfolio,
            underlying="DIV",
            kind="call",
            strike=52,
            expiry=AS_OF + dt.timedelta(days=200),
            quantity=5,
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
        "no_price": option(
            portfolio,
            underlying="NOPX",
            kind="call",
            strike=10,
            expiry=AS_OF + dt.timedelta(days=30),
            quantity=1,
            iv=0.4,
        ),
        "closed": option(
            portfolio,
            underlying="XYZ",
            kind="call",
            strike=90,
            expiry=AS_OF + dt.timedelta(days=45),
            quantity=1,
            iv=0.3,
            exit_date=AS_OF,
            exit_price=Decimal("4"),
        ),
        "stock": PositionFactory(
            portfolio=portfolio, symbol="XYZ", quantity=Decimal("100"), entry_date=dt.date(2024, 12, 2)
        ),
    }
    return portfolio, positions


def _stored(position) -> PositionGreeks:  # type: ignore[no-untyped-def]
    return PositionGreeks.objects.get(position=position, as_of_date=AS_OF)


def _assert_position_scaling(row: PositionGreeks, quantity: float) -> None:
    scale = 100 * quantity
    for name in ("delta", "gamma", "theta", "vega", "rho"):
        assert getattr(row, f"position_{name}") == pytest.approx(
            getattr(row, name) * scale, rel=1e-12, abs=1e-12
        )
    assert row.delta_dollars == pytest.approx(row.delta * row.underlying_price * scale, rel=1e-12)
    assert row.gamma_dollars == pytest.approx(row.gamma * row.underlying_price**2 * 0.01 * scale, rel=1e-12)


class TestGreeksStep:
    def test_stores_option_rows_only_for_held_options(self, book) -> None:  # type: ignore[no-untyped-def]
        portfolio, positions = book

        result = greeks_step(as_of=AS_OF, portfolio_ids=[str(portfolio.id)])

        stored = set(PositionGreeks.objects.filter(as_of_date=AS_OF).values_list("position_id", flat=True))
        expected = {positions[k].id for k in ("call", "put", "div_call", "expired", "no_price")}
        assert stored == expected  # no stock, no closed option
        assert result.counts["options"] == 5
        assert result.counts["expired"] == 1
        assert result.counts["greeks_missing"] == 1
        assert result.failures == {}

    def test_implied_vol_greeks_equal_engine_and_mibian(self, book) -> None:  # type: ignore[no-untyped-def]
        portfolio, positions = book
        greeks_step(as_of=AS_OF, portfolio_ids=[str(portfolio.id)])

        row = _stored(positions["call"])

        # given S=100, K=95, 45 days, r=4.5%, q=0 (dividend_yield null -> 0), sigma=30% implied
        assert (row.underlying_price, row.days_to_expiry, row.risk_free_rate) == (100.0, 45, RATE)
        assert (row.volatility, row.volatility_source, row.dividend_yield) == (0.30, "position", 0.0)
        # an American call without dividends is never exercised early: the European values hold
        assert row.exercise == "american"
        engine = bsm_greeks(100.0, 95.0, 45 / 365, RATE, 0.0, 0.30, True)
        ref = mibian.BS([100.0, 95.0, RATE * 100, 45], volatility=30.0)
        mib = {
            "price": ref.callPrice,
            "delta": ref.callDelta,
            "gamma": ref.gamma,
            "theta": ref.callTheta,
            "vega": ref.vega,
            "rho": ref.callRho,
        }
        for name in GREEKS:
            assert getattr(row, name) == pytest.approx(float(getattr(engine, name)), abs=1e-6), name
            assert getattr(row, name) == pytest.approx(mib[name], abs=1e-6), name
        _assert_position_scaling(row, 3)

    def test_sigma_falls_back_to_realized_vol(self, book, market) -> None:  # type: ignore[no-untyped-def]
        portfolio, positions = book
        greeks_step(as_of=AS_OF, portfolio_ids=[str(portfolio.id)])

        row = _stored(positions["put"])

        sigma = expected_realized_vol(market["XYZ"])
        assert row.volatility_source == "realized"
        assert row.volatility == pytest.approx(sigma, rel=1e-12)
        # the put on a stock is American: the pricer's values (within 0.5% of QuantLib's finite
        # differences), above the European (mibian) value by the early-exercise premium
        assert row.exercise == "american"
        engine = option_greeks(100.0, 105.0, 120 / 365, RATE, 0.0, sigma, False, True)
        for name in GREEKS:
            assert getattr(row, name) == pytest.approx(float(getattr(engine, name)), abs=1e-12), name
        reference = quantlib_option_price(100.0, 105.0, 120, RATE, 0.0, sigma, False, american=True)
        assert row.price == pytest.approx(reference, rel=0.005)
        european = mibian.BS([100.0, 105.0, RATE * 100, 120], volatility=sigma * 100)
        assert row.price > european.putPrice + 0.01
        assert row.delta < european.putDelta  # more negative: exercise brings the stock forward
        _assert_position_scaling(row, -2)
        assert row.position_delta > 0  # short put: long delta

    def test_dividend_yield_from_security(self, book) -> None:  # type: ignore[no-untyped-def]
        portfolio, positions = book
        greeks_step(as_of=AS_OF, portfolio_ids=[str(portfolio.id)])

        row = _stored(positions["div_call"])

        assert row.dividend_yield == DIV_YIELD
        ref = mibian.Me([50.0, 52.0, RATE * 100, DIV_YIELD * 50.0, 200], volatility=25.0)
        american = option_greeks(50.0, 52.0, 200 / 365, RATE, DIV_YIELD, 0.25, True, True)
        for name, value in {
            "price": ref.callPrice,
            "delta": ref.callDelta,
            "gamma": ref.gamma,
            "theta": ref.callTheta,
            "vega": ref.vega,
            "rho": ref.callRho,
        }.items():
            # the early-exercise premium is < 1e-6 here; American theta is the one-day change
            # V(T - 1 day) - V(T), which differs from mibian's instantaneous dV/dT / 365 by ~1e-5
            assert getattr(row, name) == pytest.approx(value, abs=1e-6 if name != "theta" else 5e-5), name
            assert getattr(row, name) == pytest.approx(float(getattr(american, name)), abs=1e-12), name

    def test_expired_option_has_zero_greeks(self, book) -> None:  # type: ignore[no-untyped-def]
        portfolio, positions = book
        greeks_step(as_of=AS_OF, portfolio_ids=[str(portfolio.id)])

        row = _stored(positions["expired"])

        assert row.days_to_expiry == -3
        assert row.price == pytest.approx(10.0)  # intrinsic: 110 - 100
        for name in (
            "delta",
            "gamma",
            "theta",
            "vega",
            "rho",
            "position_delta",
            "position_gamma",
            "position_theta",
            "position_vega",
            "position_rho",
            "delta_dollars",
            "gamma_dollars",
        ):
            assert getattr(row, name) == 0.0, name

    def test_missing_underlying_price_is_stored_null_and_noted(self, book) -> None:  # type: ignore[no-untyped-def]
        portfolio, positions = book

        result = greeks_step(as_of=AS_OF, portfolio_ids=[str(portfolio.id)])

        row = _stored(positions["no_price"])
        assert row.underlying_price is None
        assert row.volatility == 0.40 and row.risk_free_rate == RATE  # the known inputs are kept
        for name in (
            "price",
            "delta",
            "gamma",
            "theta",
            "vega",
            "rho",
            "position_delta",
            "delta_dollars",
            "gamma_dollars",
        ):
            assert getattr(row, name) is None, name
        assert result.notes["missing_inputs"] == [
            {
                "position_id": str(positions["no_price"].id),
                "portfolio_id": str(portfolio.id),
                "symbol": positions["no_price"].symbol,
                "missing": ["underlying_price"],
            }
        ]

    def test_missing_rate_and_history_give_nulls_not_inventions(self, db) -> None:  # type: ignore[no-untyped-def]
        # given a price on the date but no rate and too little history for a realized vol
        PriceBar.objects.create(
            symbol="XYZ",
            date=AS_OF,
            open=100,
            high=100,
            low=100,
            close=100,
            adjusted_close=100,
            volume=1,
            source="synthetic",
        )
        portfolio = PortfolioFactory()
        pos = option(
            portfolio,
            underlying="XYZ",
            kind="call",
            strike=100,
            expiry=AS_OF + dt.timedelta(days=30),
            quantity=1,
        )

        result = greeks_step(as_of=AS_OF, portfolio_ids=[str(portfolio.id)])

        row = _stored(pos)
        assert row.underlying_price == 100.0
        assert row.volatility is None and row.volatility_source == "unavailable"
        assert row.risk_free_rate is None and row.delta is None
        assert result.notes["missing_inputs"][0]["missing"] == ["volatility", "risk_free_rate"]

    def test_rerun_is_idempotent_and_drops_positions_no_longer_held(self, book) -> None:  # type: ignore[no-untyped-def]
        portfolio, positions = book
        ids = [str(portfolio.id)]
        greeks_step(as_of=AS_OF, portfolio_ids=ids)
        first = {r["position_id"]: r for r in PositionGreeks.objects.values()}

        greeks_step(as_of=AS_OF, portfolio_ids=ids)

        again = {r["position_id"]: r for r in PositionGreeks.objects.values()}
        assert again.keys() == first.keys()
        for key, row in first.items():
            assert {k: v for k, v in again[key].items() if k != "id"} == {
                k: v for k, v in row.items() if k != "id"
            }

        # when the call is closed on the as-of date and the date is rerun, its row goes
        positions["call"].exit_date = AS_OF
        positions["call"].exit_price = Decimal("7")
        positions["call"].save()
        result = greeks_step(as_of=AS_OF, portfolio_ids=ids)
        assert result.counts["stale_deleted"] == 1
        assert not PositionGreeks.objects.filter(position=positions["call"]).exists()
        assert PositionGreeks.objects.count() == 4

    def test_other_dates_and_portfolios_untouched(self, book) -> None:  # type: ignore[no-untyped-def]
        portfolio, positions = book
        other = PortfolioFactory()
        keep = option(
            other,
            underlying="XYZ",
            kind="call",
            strike=100,
            expiry=AS_OF + dt.timedelta(days=30),
            quantity=1,
            iv=0.2,
        )
        greeks_step(as_of=AS_OF, portfolio_ids=[str(other.id)])
        greeks_step(as_of=AS_OF - dt.timedelta(days=1), portfolio_ids=[str(portfolio.id)])

        greeks_step(as_of=AS_OF, portfolio_ids=[str(portfolio.id)])

        assert PositionGreeks.objects.filter(position=keep, as_of_date=AS_OF).exists()
        assert (
            PositionGreeks.objects.filter(
                portfolio=portfolio, as_of_date=AS_OF - dt.timedelta(days=1)
            ).count()
            == 6
        )  # closed lot still held the day before

    def test_portfolio_without_options(self, market) -> None:  # type: ignore[no-untyped-def]
        portfolio = PortfolioFactory()
        PositionFactory(portfolio=portfolio, symbol="XYZ", entry_date=dt.date(2024, 12, 2))

        result = greeks_step(as_of=AS_OF, portfolio_ids=[str(portfolio.id)])

        assert result.counts["options"] == 0
        assert PositionGreeks.objects.count() == 0
