"""Correlation engine on hand-made series whose correlations are known exactly."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analytics.engines.correlations import (
    REASON_BELOW_GROSS_PCT,
    REASON_BELOW_MIN_EXPOSURE,
    REASON_INSUFFICIENT_HISTORY,
    REASON_MISSING_EXPOSURE,
    REASON_NO_PRICE_HISTORY,
    correlation_analysis,
    exposure_by_underlying,
    log_returns,
)

DATES = pd.bdate_range("2024-01-02", periods=100)


def _orthonormal(n_cols: int, seed: int = 0, n_rows: int = 90) -> np.ndarray:
    """Zero-mean, mutually orthogonal columns: their Pearson correlations are exactly 0."""
    rng = np.random.default_rng(seed)
    raw = rng.normal(size=(n_rows, n_cols))
    raw -= raw.mean(axis=0)
    q, _ = np.linalg.qr(raw)
    return q * 0.01 * np.sqrt(n_rows)  # ~1% daily moves


def _returns() -> pd.DataFrame:
    """A, B with rho(A, B) = 0.8 exactly; C uncorrelated with both; the 10 oldest rows noisy."""
    q = _orthonormal(3)
    window = pd.DataFrame(
        {
            "A": q[:, 0],
            "B": 0.8 * q[:, 0] + 0.6 * q[:, 1],
            "C": q[:, 2],
        },
        index=DATES[10:],
    )
    junk = pd.DataFrame(
        np.random.default_rng(5).normal(0, 0.5, (10, 3)), index=DATES[:10], columns=["A", "B", "C"]
    )
    return pd.concat([junk, window])


def test_stock_and_its_options_aggregate_by_underlying() -> None:
    # A: 30,000 of stock + a long call with delta 0.5 x S 200 x 100 x 2 = 20,000
    e = exposure_by_underlying(
        [30_000.0, 0.5 * 200 * 100 * 2, -30_000.0, 20_000.0, np.nan], ["A", "A", "B", "C", "D"]
    )
    assert e["A"] == 50_000 and e["B"] == -30_000 and e["C"] == 20_000
    assert np.isnan(e["D"])


def test_average_correlation_enb_and_cluster_by_hand() -> None:
    e = pd.Series({"A": 50_000.0, "B": -30_000.0, "C": 20_000.0})
    result = correlation_analysis(_returns(), e)
    # window = last 90 rows, where rho_AB = 0.8, rho_AC = rho_BC = 0
    assert result.symbols == ("A", "B", "C")
    np.testing.assert_allclose(result.matrix.to_numpy(), [[1, 0.8, 0], [0.8, 1, 0], [0, 0, 1]], atol=1e-12)
    # w = |e| / 100,000 = 0.5, 0.3, 0.2
    np.testing.assert_allclose(result.weights, [0.5, 0.3, 0.2])
    # average = 2 (0.5 x 0.3 x 0.8) / 2 (0.5 x 0.3 + 0.5 x 0.2 + 0.3 x 0.2) = 0.24 / 0.62
    assert result.average_correlation == pytest.approx(0.24 / 0.62, abs=1e-12)
    # ENB = 1 / (0.25 + 0.09 + 0.04 + 2 x 0.5 x 0.3 x 0.8) = 1 / 0.62
    assert result.effective_number_of_bets == pytest.approx(1 / 0.62, abs=1e-12)
    assert len(result.clusters) == 1
    cluster = result.clusters[0]
    assert cluster.symbols == ("A", "B")
    assert cluster.average_correlation == pytest.approx(0.8)
    assert cluster.portfolio_percentage == pytest.approx(80.0)  # (50,000 + 30,000) / 100,000
    assert cluster.exposure == pytest.approx(20_000)
    assert cluster.name == "A / B cluster"
    assert result.excluded == ()
    assert (result.overlap.to_numpy() == 90).all()


def test_cluster_named_by_most_common_shared_label() -> None:
    e = pd.Series({"A": 50_000.0, "B": -30_000.0, "C": 20_000.0})
    labels = {"A": "Technology", "B": "Technology", "C": "Energy"}
    result = correlation_analysis(_returns(), e, labels=labels)
    assert result.clusters[0].name == "Technology cluster"
    mixed = correlation_analysis(_returns(), e, labels={"A": "Technology", "B": "Energy"})
    assert mixed.clusters[0].name == "A / B cluster"  # no label shared by 2 names


def test_exclusions_are_listed_with_reasons() -> None:
    returns = _returns()
    returns["SHORTHIST"] = np.r_[np.full(80, np.nan), np.linspace(-0.01, 0.01, 20)]
    e = pd.Series(
        {
            "A": 50_000.0,
            "B": -30_000.0,
            "C": 20_000.0,
            "TINY": 9_999.0,
            "NOPRICE": 15_000.0,
            "SHORTHIST": 12_000.0,
            "NODELTA": np.nan,
        }
    )
    result = correlation_analysis(returns, e)
    reasons = {x["symbol"]: x["reason"] for x in result.excluded}
    assert reasons == {
        "TINY": REASON_BELOW_MIN_EXPOSURE,
        "NOPRICE": REASON_NO_PRICE_HISTORY,
        "SHORTHIST": REASON_INSUFFICIENT_HISTORY,
        "NODELTA": REASON_MISSING_EXPOSURE,
    }
    assert result.symbols == ("A", "B", "C")
    assert result.gross_exposure == pytest.approx(50_000 + 30_000 + 20_000 + 9_999 + 15_000 + 12_000)
    assert result.effective_number_of_bets == pytest.approx(1 / 0.62)
    # 1% of gross: with a $1,000 minimum, C (20,000) is 0.99% of a 2,020,000 gross
    big = pd.Series({"A": 1_500_000.0, "B": -500_000.0, "C": 20_000.0})
    result = correlation_analysis(_returns(), big, min_exposure=1_000.0)
    assert [(x["symbol"], x["reason"]) for x in result.excluded] == [("C", REASON_BELOW_GROSS_PCT)]
    assert result.effective_number_of_bets == pytest.approx(1 / (0.75**2 + 0.25**2 + 2 * 0.75 * 0.25 * 0.8))


def test_pairwise_overlap_minimum() -> None:
    q = _orthonormal(2, seed=3)
    frame = pd.DataFrame({"A": q[:, 0], "B": q[:, 1], "C": q[:, 0] * 2 + 0.001}, index=DATES[:90])
    frame.iloc[:45, 0] = np.nan  # A only on the last 45 dates
    frame.iloc[50:, 2] = np.nan  # C only on the first 50 dates: overlap with A = 5 dates
    e = pd.Series({"A": 40_000.0, "B": 40_000.0, "C": 20_000.0})
    result = correlation_analysis(frame, e)
    assert np.isnan(result.matrix.loc["A", "C"])
    assert result.overlap.loc["A", "C"] == 5 and result.overlap.loc["B", "C"] == 50
    # pairwise-complete Pearson on the 45 common dates, computed independently
    both = frame[["A", "B"]].dropna().to_numpy()
    assert result.matrix.loc["A", "B"] == pytest.approx(np.corrcoef(both.T)[0, 1], abs=1e-12)
    assert np.isnan(result.effective_number_of_bets)  # ENB needs the full matrix
    w = np.array([0.4, 0.4, 0.2])
    rho = result.matrix.to_numpy()
    finite = [(0, 1), (1, 2)]
    expected = sum(w[i] * w[j] * rho[i, j] for i, j in finite) / sum(w[i] * w[j] for i, j in finite)
    assert result.average_correlation == pytest.approx(expected, abs=1e-12)


def test_log_returns_and_single_name() -> None:
    prices = pd.DataFrame({"A": [100.0, 110.0, 99.0, np.nan, 100.0]}, index=DATES[:5])
    lr = log_returns(prices)
    assert lr["A"].iloc[0] == pytest.approx(np.log(1.1))
    assert lr["A"].iloc[1] == pytest.approx(np.log(0.9))
    assert lr["A"].iloc[2:].isna().all()
    one = correlation_analysis(_returns(), pd.Series({"A": 50_000.0}))
    assert one.effective_number_of_bets == pytest.approx(1.0)
    assert np.isnan(one.average_correlation) and one.clusters == ()
    empty = correlation_analysis(_returns(), pd.Series(dtype=float))
    assert empty.symbols == () and np.isnan(empty.effective_number_of_bets)
