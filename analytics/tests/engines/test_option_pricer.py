"""European/American option pricer against QuantLib (finite differences, analytic European)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import QuantLib as ql

from analytics.engines.black_scholes import bsm_greeks, intrinsic_value
from analytics.engines.option_pricer import (
    american_price,
    is_american_exercise,
    option_greeks,
    option_price,
)

TODAY = ql.Date(15, 1, 2025)
K = 100.0


class QlOption:
    """One QuantLib BSM process with settable quotes; prices American/European vanillas."""

    def __init__(self) -> None:
        ql.Settings.instance().evaluationDate = TODAY
        dc = ql.Actual365Fixed()
        self.spot, self.r, self.q, self.vol = (ql.SimpleQuote(x) for x in (100.0, 0.0, 0.0, 0.2))
        self.process = ql.BlackScholesMertonProcess(
            ql.QuoteHandle(self.spot),
            ql.YieldTermStructureHandle(ql.FlatForward(TODAY, ql.QuoteHandle(self.q), dc)),
            ql.YieldTermStructureHandle(ql.FlatForward(TODAY, ql.QuoteHandle(self.r), dc)),
            ql.BlackVolTermStructureHandle(
                ql.BlackConstantVol(TODAY, ql.NullCalendar(), ql.QuoteHandle(self.vol), dc)
            ),
        )

    def option(
        self, s: float, days: int, r: float, q: float, vol: float, call: bool, american: bool
    ) -> ql.VanillaOption:
        self.spot.setValue(s)
        self.r.setValue(r)
        self.q.setValue(q)
        self.vol.setValue(vol)
        payoff = ql.PlainVanillaPayoff(ql.Option.Call if call else ql.Option.Put, K)
        exercise = ql.AmericanExercise(TODAY, TODAY + days) if american else ql.EuropeanExercise(TODAY + days)
        return ql.VanillaOption(payoff, exercise)

    def fd(self, grid: int = 800) -> ql.PricingEngine:
        return ql.FdBlackScholesVanillaEngine(self.process, grid, grid)


MONEYNESS = (0.6, 0.9, 1.0, 1.1, 1.5)
DAYS = (7, 91, 365, 730)
RATES = (0.0, 0.08)
DIVIDENDS = (0.0, 0.06)


def _american_grid() -> list[tuple[float, int, float, float, float, bool]]:
    points = itertools.product(MONEYNESS, DAYS, RATES, DIVIDENDS, (0.15, 0.4), (True, False))
    # keep the cases with an early-exercise premium (a call with q = 0 is European, tested below)
    return [p for p in points if (p[3] > 0 if p[5] else p[2] > 0)]


def test_american_within_half_percent_of_quantlib_fd() -> None:
    ql_opt = QlOption()
    engine = ql_opt.fd(800)
    grid = _american_grid()
    expected = []
    for m, days, r, q, vol, call in grid:
        opt = ql_opt.option(K * m, days, r, q, vol, call, True)
        opt.setPricingEngine(engine)
        expected.append(opt.NPV())
    m, days, r, q, vol, call = (np.array(col) for col in zip(*grid, strict=True))
    ours = american_price(K * m, K, days / 365.0, r, q, vol, call)
    ref = np.array(expected)
    big = ref > 0.05
    rel = np.abs(ours[big] - ref[big]) / ref[big]
    assert rel.max() < 0.005, grid[int(np.flatnonzero(big)[np.argmax(rel)])]
    assert np.abs(ours[~big] - ref[~big]).max() < 0.005


def test_american_bounds_on_the_grid() -> None:
    m, days, r, q, vol, call = (np.array(col) for col in zip(*_american_grid(), strict=True))
    S, T = K * m, days / 365.0
    american = option_price(S, K, T, r, q, vol, call, True)
    european = option_price(S, K, T, r, q, vol, call, False)
    assert np.all(american >= intrinsic_value(S, K, call))
    assert np.all(american >= european)


@pytest.mark.parametrize("call", [True, False])
def test_european_matches_quantlib_analytic(call: bool) -> None:
    ql_opt = QlOption()
    engine = ql.AnalyticEuropeanEngine(ql_opt.process)
    for m, days, r, q, vol in itertools.product(
        MONEYNESS, (7, 182, 730), (0.0, 0.045), (0.0, 0.03), (0.1, 0.5)
    ):
        opt = ql_opt.option(K * m, days, r, q, vol, call, False)
        opt.setPricingEngine(engine)
        ours = option_greeks(K * m, K, days / 365.0, r, q, vol, call, False)
        assert float(ours.price) == pytest.approx(opt.NPV(), abs=1e-6)
        assert float(ours.delta) == pytest.approx(opt.delta(), abs=1e-6)
        assert float(ours.gamma) == pytest.approx(opt.gamma(), abs=1e-6)
        assert float(ours.vega) == pytest.approx(opt.vega() / 100.0, abs=1e-6)
        assert float(ours.rho) == pytest.approx(opt.rho() / 100.0, abs=1e-6)
        assert float(ours.theta) == pytest.approx(opt.thetaPerDay(), abs=1e-6)


def test_hull_golden_example_european() -> None:
    g = option_greeks(49.0, 50.0, 0.3846, 0.05, 0.0, 0.20, True, False)
    assert float(g.price) == pytest.approx(2.4005, abs=1e-4)
    assert float(g.delta) == pytest.approx(0.5216, abs=1e-4)
    assert float(g.gamma) == pytest.approx(0.0655, abs=1e-4)


def test_deep_itm_put_american_at_least_intrinsic_european_below() -> None:
    args = (100.0, 150.0, 1.0, 0.05, 0.0, 0.20, False)
    assert float(option_price(*args, True)) >= 50.0
    assert float(option_price(*args, False)) < 50.0


def test_american_call_without_dividends_is_european() -> None:
    S = np.array([60.0, 100.0, 140.0])
    args = (S, 100.0, 0.75, 0.05, 0.0, 0.3, True)
    american, european = option_greeks(*args, True), bsm_greeks(*args)
    for name in ("price", "delta", "gamma", "theta", "vega", "rho"):
        np.testing.assert_array_equal(getattr(american, name), getattr(european, name))


def test_american_greeks_match_quantlib_fd() -> None:
    ql_opt = QlOption()
    engine = ql_opt.fd(400)
    cases = [
        (1.0, 182, 0.05, 0.0, 0.3, False),
        (0.9, 365, 0.08, 0.02, 0.25, False),
        (1.1, 91, 0.03, 0.01, 0.4, False),
        (1.2, 730, 0.05, 0.0, 0.2, False),
        (1.0, 365, 0.02, 0.06, 0.3, True),
        (1.25, 182, 0.04, 0.05, 0.35, True),
        (0.8, 730, 0.0, 0.04, 0.25, True),
    ]
    for m, days, r, q, vol, call in cases:
        opt = ql_opt.option(K * m, days, r, q, vol, call, True)
        opt.setPricingEngine(engine)
        price, delta, gamma = opt.NPV(), opt.delta(), opt.gamma()

        def bumped(**kw: float) -> float:
            args = {"s": K * m, "days": days, "r": r, "q": q, "vol": vol} | kw
            o = ql_opt.option(args["s"], int(args["days"]), args["r"], args["q"], args["vol"], call, True)
            o.setPricingEngine(engine)
            return float(o.NPV())

        vega = (bumped(vol=vol + 0.01) - bumped(vol=vol - 0.01)) / 2.0  # per vol point
        rho = (
            (bumped(r=r + 0.001) - bumped(r=r - 0.001)) / 0.2
            if r > 0
            else (bumped(r=r + 0.001) - price) / 0.1
        )
        theta = bumped(days=days - 1) - price  # per calendar day
        ours = option_greeks(K * m, K, days / 365.0, r, q, vol, call, True)
        label = f"m={m} d={days} r={r} q={q} vol={vol} call={call}"
        assert float(ours.price) == pytest.approx(price, rel=5e-3), label
        assert float(ours.delta) == pytest.approx(delta, abs=5e-3), label
        assert float(ours.gamma) == pytest.approx(gamma, rel=0.03, abs=2e-4), label
        assert float(ours.theta) == pytest.approx(theta, rel=0.03, abs=5e-4), label
        assert float(ours.vega) == pytest.approx(vega, rel=0.02, abs=2e-3), label
        assert float(ours.rho) == pytest.approx(rho, rel=0.03, abs=2e-3), label


def test_nan_policy_matches_black_scholes() -> None:
    g = option_greeks(
        [np.nan, 100.0, 100.0, 100.0, 100.0],
        [100.0, 100.0, 100.0, 0.0, 120.0],
        [1.0, 0.0, 1.0, 1.0, -0.1],
        0.05,
        0.01,
        [0.2, np.nan, 0.0, 0.2, np.nan],
        False,
        True,
    )
    np.testing.assert_array_equal(g.price, [np.nan, 0.0, np.nan, np.nan, 20.0])
    for name in ("delta", "gamma", "theta", "vega", "rho"):
        np.testing.assert_array_equal(getattr(g, name), [np.nan, 0.0, np.nan, np.nan, 0.0])


def test_theta_at_short_expiry_is_the_last_day_decay() -> None:
    # half a day left: V(T - 1 day) is the intrinsic value
    g = option_greeks(95.0, 100.0, 0.5 / 365.0, 0.05, 0.0, 0.3, False, True)
    assert float(g.theta) == pytest.approx(5.0 - float(g.price), abs=1e-12)


def test_exercise_style() -> None:
    got = is_american_exercise(["AAPL", "SPY", "SPX", "^VIX", "ndx", "RUT", "XSP", "DJX", None])
    assert got.tolist() == [True, True, False, False, False, False, False, False, True]
    assert is_american_exercise(["SPX", "AAPL"], ["american", "european"]).tolist() == [True, False]
    assert is_american_exercise(["SPX", "AAPL"], [None, ""]).tolist() == [False, True]
    assert is_american_exercise("AAPL", "European").tolist() == [False]
    with pytest.raises(ValueError):
        is_american_exercise(["AAPL"], ["bermudan"])


def _american_fd_greeks(
    S: np.ndarray, T: np.ndarray, r: np.ndarray, q: np.ndarray, vol: np.ndarray, call: np.ndarray
) -> dict[str, np.ndarray]:
    """Central differences of the American pricer itself (boundary re-solved at every bump)."""

    def price(s: np.ndarray = S, rate: np.ndarray = r, sigma: np.ndarray = vol) -> np.ndarray:
        return option_price(s, K, T, rate, q, sigma, call, True)

    h = 1e-4 * S
    return {
        "delta": (price(s=S + h) - price(s=S - h)) / (2 * h),
        "gamma": (price(s=S + h) - 2 * price() + price(s=S - h)) / (h * h),
        "vega": (price(sigma=vol + 1e-5) - price(sigma=vol - 1e-5)) / 2e-5 / 100.0,
        "rho": (price(rate=r + 1e-6) - price(rate=r - 1e-6)) / 2e-6 / 100.0,
    }


def test_american_greeks_are_the_derivatives_of_the_american_price() -> None:
    # one boundary solve per option: the sigma and rate Greeks include the boundary's move
    rng = np.random.default_rng(8)
    n = 300
    S = K * np.exp(rng.uniform(-0.3, 0.3, n))
    T = rng.integers(7, 730, n) / 365.0
    r, q, vol = rng.uniform(0.005, 0.08, n), rng.uniform(0.0, 0.06, n), rng.uniform(0.1, 0.8, n)
    call = rng.random(n) < 0.5
    # and options in the bands where two quadrature levels are blended (kappa = r sqrt(T) / sigma)
    S = np.concatenate([S, [100.0, 95.0, 100.0, 105.0]])
    T = np.concatenate([T, [1.0, 1.0, 1.0, 1.0]])
    r = np.concatenate([r, [0.06, 0.06, 0.06, 0.06]])
    q = np.concatenate([q, [0.0, 0.0, 0.0, 0.0]])
    vol = np.concatenate([vol, [0.06 / 0.9, 0.06 / 0.9, 0.06 / 3.6, 0.06 / 11.0]])
    call = np.concatenate([call, [False, False, False, False]])
    ours = option_greeks(S, K, T, r, q, vol, call, True)
    assert np.array_equal(ours.price, option_price(S, K, T, r, q, vol, call, True))
    for name, fd in _american_fd_greeks(S, T, r, q, vol, call).items():
        np.testing.assert_allclose(getattr(ours, name), fd, rtol=1e-3, atol=1e-5, err_msg=name)


def test_worthless_american_options_have_zero_greeks() -> None:
    # far out of the money: value 0 = intrinsic, but not in the exercise region
    g = option_greeks([5000.0, 2.0], 100.0, 0.05, 0.05, 0.03, 0.2, [False, True], True)
    for name in ("price", "delta", "gamma", "vega", "rho", "theta"):
        assert np.all(np.abs(getattr(g, name)) < 1e-12), name
