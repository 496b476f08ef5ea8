"""The reverse stress engine: the closed form on a linear book, the loss met on an option book."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from analytics.engines.revaluation import PositionSet
from analytics.engines.reverse_stress import reverse_stress
from analytics.engines.stress import STRESS_VARIABLES, Scenario, run_stress_tests

NAMES = list(STRESS_VARIABLES)


def covariance(seed: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x = rng.normal(0.0, 0.01, (400, len(NAMES)))
    x[:, 1:7] = 0.3 * x[:, :1] + 0.5 * x[:, 1:7]  # styles correlated with the market
    x[:, 7] *= 0.05  # rate changes are small
    return pd.DataFrame(np.cov(x, rowvar=False), index=NAMES, columns=NAMES)


def sensitivities(rows: list[dict[str, float]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=NAMES).fillna(0.0)


def test_linear_book_equals_the_closed_form() -> None:
    positions = PositionSet.build(quantity=[1000.0, -500.0, 200.0], price=[100.0, 80.0, 50.0])
    sens = sensitivities(
        [{"Market": 1.2, "Value": 0.3}, {"Market": 0.8, "Interest Rate": -5.0}, {"Market": 0.5, "Oil": 0.4}]
    )
    cov = covariance()
    loss = 5_000.0
    result = reverse_stress(positions, sens, cov, loss)
    exposure = np.array([100_000.0, -40_000.0, 10_000.0])
    b = sens.to_numpy().T @ exposure  # dP&L / dx
    sigma = cov.to_numpy()
    x = -loss * sigma @ b / (b @ sigma @ b)
    assert result.achieved and result.achieved_loss == pytest.approx(loss, rel=1e-9)
    moves = np.array([result.factor_moves[n] for n in NAMES])
    vol = NAMES.index("Volatility")
    assert np.delete(moves, vol) == pytest.approx(np.delete(x, vol), rel=1e-6, abs=1e-12)
    assert moves[vol] == pytest.approx(math.expm1(x[vol]), rel=1e-6, abs=1e-12)
    assert result.mahalanobis_distance == pytest.approx(loss / math.sqrt(b @ sigma @ b), rel=1e-6)
    assert result.method in {"line_search", "slsqp"}


def test_option_book_meets_the_loss_and_the_moves_reproduce_it() -> None:
    positions = PositionSet.build(
        quantity=[1000.0, -20.0, 10.0],
        price=[100.0, 100.0, 100.0],
        multiplier=[1.0, 100.0, 100.0],
        is_option=[False, True, True],
        strike=[np.nan, 90.0, 110.0],
        expiry_years=[np.nan, 0.3, 0.5],
        rate=[0.0, 0.04, 0.04],
        sigma=[np.nan, 0.3, 0.25],
        is_call=[False, False, True],
        is_american=[False, True, True],
    )
    sens = sensitivities([{"Market": 1.1, "Size": 0.4}] * 3)
    loss = 25_000.0
    result = reverse_stress(positions, sens, covariance(), loss)
    assert result.achieved and result.achieved_loss == pytest.approx(loss, rel=1e-6)
    assert result.mahalanobis_distance <= result.linear_distance * 1.5
    replay = run_stress_tests(
        [Scenario(id="r", name="r", shocks=result.factor_moves)],
        covariance(),
        positions,
        sens,
        float("nan"),
    )[0]
    assert -replay.total_pnl == pytest.approx(loss, rel=1e-6)  # conditional = isolated: all shocked


def test_bad_loss_raises() -> None:
    positions = PositionSet.build(quantity=[1.0], price=[1.0])
    with pytest.raises(ValueError):
        reverse_stress(positions, sensitivities([{"Market": 1.0}]), covariance(), 0.0)
