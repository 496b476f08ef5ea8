"""Black-Scholes-Merton engine against Hull, mibian, put-call parity and finite differences."""

from __future__ import annotations

import itertools

import mibian
import numpy as np
import pytest

from analytics.engines.black_scholes import BSMGreeks, bsm_greeks, bsm_price

SPOT = 100.0
STRIKES = (70.0, 90.0, 100.0, 110.0, 135.0)
DAYS = (3, 30, 91, 365, 730)
VOLS_PCT = (8.0, 25.0, 65.0)
RATES_PCT = (0.0, 4.5)


def test_hull_golden_example() -> None:
    # Hull, Options Futures and Other Derivatives: S=49, K=50, r=5%, sigma=20%, T=20 weeks.
    g = bsm_greeks(49.0, 50.0, 0.3846, 0.05, 0.0, 0.20, True)
    assert float(g.price) == pytest.approx(2.4005, abs=1e-4)
    assert float(g.delta) == pytest.approx(0.5216, abs=1e-4)
    assert float(g.gamma) == pytest.approx(0.0655, abs=1e-4)
    assert float(bsm_price(49.0, 50.0, 0.3846, 0.05, 0.0, 0.20, True)) == float(g.price)


def _grid() -> list[tuple[float, int, float, float]]:
    return list(itertools.product(STRIKES, DAYS, VOLS_PCT, RATES_PCT))


def _ours(k: float, days: int, vol_pct: float, r_pct: float, q: float, call: bool) -> BSMGreeks:
    return bsm_greeks(SPOT, k, days / 365.0, r_pct / 100.0, q, vol_pct / 100.0, call)


@pytest.mark.parametrize("call", [True, False])
def test_matches_mibian_bs_without_dividends(call: bool) -> None:
    for k, days, vol, r in _grid():
        ref = mibian.BS([SPOT, k, r, days], volatility=vol)
        g = _ours(k, days, vol, r, 0.0, call)
        expected = {
            "price": ref.callPrice if call else ref.putPrice,
            "delta": ref.callDelta if call else ref.putDelta,
            "gamma": ref.gamma,
            "theta": ref.callTheta if call else ref.putTheta,  # per calendar day
            "vega": ref.vega,  # per 1 vol point
            "rho": ref.callRho if call else ref.putRho,  # per 1 rate point
        }
        for name, value in expected.items():
            np.testing.assert_allclose(
                getattr(g, name), value, rtol=0, atol=1e-6, err_msg=f"{name} K={k} d={days} vol={vol} r={r}"
            )


@pytest.mark.parametrize("call", [True, False])
@pytest.mark.parametrize("q", [0.015, 0.06])
def test_matches_mibian_merton_with_dividend_yield(call: bool, q: float) -> None:
    # mibian.Me takes the annual dividend in currency and derives the yield as dividend / S.
    for k, days, vol, r in _grid():
        ref = mibian.Me([SPOT, k, r, q * SPOT, days], volatility=vol)
        g = _ours(k, days, vol, r, q, call)
        expected = {
            "price": ref.callPrice if call else ref.putPrice,
            "delta": ref.callDelta if call else ref.putDelta,
            "gamma": ref.gamma,
            "theta": ref.callTheta if call else ref.putTheta,
            "vega": ref.vega,
            "rho": ref.callRho if call else ref.putRho,
        }
        for name, value in expected.items():
            np.testing.assert_allclose(
                getattr(g, name),
                value,
                rtol=0,
                atol=1e-6,
                err_msg=f"{name} K={k} d={days} vol={vol} r={r} q={q}",
            )


def test_put_call_parity_with_dividends() -> None:
    k = np.array(STRIKES)[:, None]
    t = np.array(DAYS)[None, :] / 365.0
    r, q, vol = 0.043, 0.027, 0.31
    call = bsm_price(SPOT, k, t, r, q, vol, True)
    put = bsm_price(SPOT, k, t, r, q, vol, False)
    np.testing.assert_allclose(call - put, SPOT * np.exp(-q * t) - k * np.exp(-r * t), rtol=0, atol=1e-10)


@pytest.mark.parametrize("call", [True, False])
def test_greeks_equal_finite_differences_with_dividends(call: bool) -> None:
    s, k, t, r, q, vol = 103.0, 100.0, 0.45, 0.04, 0.025, 0.28
    g = bsm_greeks(s, k, t, r, q, vol, call)

    def v(**kw: float) -> float:
        args = {"S": s, "K": k, "T": t, "r": r, "q": q, "sigma": vol} | kw
        return float(bsm_price(args["S"], args["K"], args["T"], args["r"], args["q"], args["sigma"], call))

    h = 1e-3
    assert float(g.delta) == pytest.approx((v(S=s + h) - v(S=s - h)) / (2 * h), abs=1e-7)
    assert float(g.gamma) == pytest.approx((v(S=s + h) - 2 * v() + v(S=s - h)) / h**2, abs=1e-5)
    dt = 1e-5
    theta_per_day = -(v(T=t + dt) - v(T=t - dt)) / (2 * dt) / 365.0
    assert float(g.theta) == pytest.approx(theta_per_day, abs=1e-8)
    dv = 1e-5
    assert float(g.vega) == pytest.approx(
        (v(sigma=vol + dv) - v(sigma=vol - dv)) / (2 * dv) / 100.0, abs=1e-8
    )
    assert float(g.rho) == pytest.approx((v(r=r + dv) - v(r=r - dv)) / (2 * dv) / 100.0, abs=1e-8)


def test_expired_options_are_intrinsic_with_zero_greeks() -> None:
    s = np.array([120.0, 80.0, 120.0, 80.0])
    call = np.array([True, True, False, False])
    for t in (0.0, -0.01):
        # sigma, r and q are irrelevant once expired, even NaN.
        g = bsm_greeks(s, 100.0, t, np.nan, np.nan, np.nan, call)
        np.testing.assert_array_equal(g.price, [20.0, 0.0, 0.0, 20.0])
        for name in ("delta", "gamma", "theta", "vega", "rho"):
            np.testing.assert_array_equal(getattr(g, name), np.zeros(4))


def test_invalid_inputs_give_nan_without_raising() -> None:
    sigma = np.array([0.0, -0.2, np.nan, 0.2, 0.2, 0.2, 0.2])
    s = np.array([100.0, 100.0, 100.0, np.nan, -1.0, 100.0, 100.0])
    k = np.array([100.0, 100.0, 100.0, 100.0, 100.0, 0.0, 100.0])
    t = np.array([0.5, 0.5, 0.5, 0.5, 0.5, 0.5, np.nan])
    g = bsm_greeks(s, k, t, 0.03, 0.0, sigma, True)
    for name in ("price", "delta", "gamma", "theta", "vega", "rho"):
        assert np.isnan(getattr(g, name)).all(), name
    assert np.isnan(bsm_price(100.0, 100.0, 0.5, np.nan, 0.0, 0.2, False))


def test_broadcasting_and_mixed_option_types() -> None:
    strikes = np.array([[90.0], [100.0], [110.0]])
    expiries = np.array([0.1, 0.5, 1.0, 2.0])
    call = np.array([True, False, True, False])
    g = bsm_greeks(100.0, strikes, expiries, 0.03, 0.01, 0.25, call)
    assert g.price.shape == (3, 4)
    for i, j in itertools.product(range(3), range(4)):
        one = bsm_greeks(100.0, strikes[i, 0], expiries[j], 0.03, 0.01, 0.25, call[j])
        assert g.delta[i, j] == pytest.approx(float(one.delta), abs=1e-15)
        assert g.price[i, j] == pytest.approx(float(one.price), abs=1e-12)
    assert np.ndim(bsm_price(100.0, 100.0, 1.0, 0.03, 0.0, 0.2, 1)) == 0
    assert (g.delta[:, ~call] < 0).all() and (g.delta[:, call] > 0).all()


def test_result_is_frozen() -> None:
    g = bsm_greeks(100.0, 100.0, 1.0, 0.03, 0.0, 0.2, True)
    with pytest.raises(AttributeError):
        g.price = np.array(0.0)  # type: ignore[misc]
