"""Position-level stress tests on the factor model (DESIGN "Stress tests").

Pure numpy/pandas: no Django. Pipeline:

1. :func:`stress_variables` builds the daily variables (7 factor regressors + 4 macro series).
2. :func:`ewma_covariance` estimates their EWMA covariance (lambda 0.94, last 252 days).
3. :func:`conditional_factor_moves` turns a scenario's shocks into moves of every variable.
4. :func:`run_stress_tests` maps moves to position returns (betas + macro sensitivities, floored
   at -100 %), revalues options fully (``revaluation.revalue_pnl``) and grades severity.

Units: returns and moves are fractions (0.05 = +5 %); the Interest Rate variable is a change of
the 10-year yield in decimal (0.01 = +100 bp); Volatility is the relative change of the VIX level
(1.5 = +150 %). Impacts are currency, signed (gain > 0); percentages are of NAV x 100.
No annualization anywhere (scenario moves are one-off shocks).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd

from analytics.engines.revaluation import VOL_FLOOR, PositionSet, revalue_pnl

__all__ = [
    "FACTOR_ETFS",
    "MACRO_VARIABLES",
    "STRESS_VARIABLES",
    "Scenario",
    "StressResult",
    "conditional_factor_moves",
    "ewma_covariance",
    "run_stress_tests",
    "severity",
    "stress_variables",
]

#: The 7 factors and their ETF proxies (data/factor_model.csv); Market first.
FACTOR_ETFS: Mapping[str, str] = MappingProxyType(
    {
        "Market": "SPY",
        "Value": "VTV",
        "Growth": "VUG",
        "Momentum": "MTUM",
        "Quality": "QUAL",
        "Size": "IWM",
        "Low Volatility": "USMV",
    }
)
MACRO_VARIABLES: tuple[str, ...] = ("Interest Rate", "Oil", "International", "Volatility")
STRESS_VARIABLES: tuple[str, ...] = (*FACTOR_ETFS, *MACRO_VARIABLES)

EWMA_LAMBDA = 0.94
EWMA_WINDOW = 252
EWMA_MIN_OBSERVATIONS = 60


def stress_variables(etf_returns: pd.DataFrame, dgs10: pd.Series, vix: pd.Series) -> pd.DataFrame:
    """Daily stress variables, one column per name of :data:`STRESS_VARIABLES`.

    ``etf_returns``: simple daily returns (fractions) with columns SPY, VTV, VUG, MTUM, QUAL,
    IWM, USMV, USO, EWG, indexed by date (the output index). ``dgs10``: 10-year yield *levels* in
    decimal; ``vix``: VIX *levels*. Market = SPY; each style = its ETF return - SPY return;
    Interest Rate = DGS10 change from its previous available observation (decimal); Oil = USO;
    International = EWG; Volatility = VIX relative change from its previous observation.
    Changes are taken on each series' own dates, then aligned: a date missing from a series is
    NaN (never filled). Missing ETF columns give NaN columns.
    """
    idx = etf_returns.index
    col = lambda s: etf_returns[s].astype(float) if s in etf_returns else pd.Series(np.nan, idx)  # noqa: E731
    spy = col("SPY")
    out = {"Market": spy}
    for name, etf in FACTOR_ETFS.items():
        if name != "Market":
            out[name] = col(etf) - spy
    rate = dgs10.astype(float).dropna()
    vol = vix.astype(float).dropna()
    out["Interest Rate"] = rate.diff().reindex(idx)
    out["Oil"] = col("USO")
    out["International"] = col("EWG")
    with np.errstate(divide="ignore", invalid="ignore"):
        out["Volatility"] = (vol / vol.shift(1) - 1.0).reindex(idx)
    return pd.DataFrame(out, index=idx)[list(STRESS_VARIABLES)]


def ewma_covariance(
    variables: pd.DataFrame,
    lam: float = EWMA_LAMBDA,
    window: int = EWMA_WINDOW,
    min_observations: int = EWMA_MIN_OBSERVATIONS,
) -> pd.DataFrame:
    """Zero-mean EWMA covariance of the last ``window`` rows (daily units, not annualized).

    Rows are chronological; the most recent row has age k = 0. Weight of age k: ``lam**k``.
    Each pair (i, j) uses the rows where both are finite, with those weights renormalized to
    sum to 1: ``cov_ij = sum_k w_k x_i,k x_j,k / sum_k w_k`` (zero mean: no demeaning). With
    complete data this equals the RiskMetrics recursion ``S_t = lam S_t-1 + (1 - lam) x_t x_t'``
    started from the zero matrix 252 days ago, divided by ``1 - lam**n`` (the weights' sum).
    Minimum observations: a pair with fewer than ``min_observations`` common rows is NaN.
    Returns a symmetric DataFrame labelled by the input columns.
    """
    x = variables.iloc[-window:].to_numpy(dtype=np.float64)
    n = x.shape[0]
    w = lam ** np.arange(n - 1, -1, -1, dtype=np.float64)[:, None]
    ok = np.isfinite(x)
    x0 = np.where(ok, x, 0.0)
    okf = ok.astype(np.float64)
    num = (x0 * w).T @ x0
    den = (okf * w).T @ okf
    count = okf.T @ okf
    with np.errstate(divide="ignore", invalid="ignore"):
        cov = np.where(count >= max(min_observations, 1), num / den, np.nan)
    return pd.DataFrame(cov, index=variables.columns, columns=variables.columns)


def conditional_factor_moves(
    cov: np.ndarray | pd.DataFrame, names: Sequence[str], shocks: Mapping[str, float]
) -> dict[str, float]:
    """Moves of every variable given the shocked ones (Gaussian conditional expectation).

    Shocked variables move by their shock; the others by ``E[x_u | x_s = s] =
    Sigma_us Sigma_ss^+ s`` (zero means; ``Sigma_ss^+`` via least squares / pseudo-inverse so a
    singular or zero-variance block does not raise). Non-finite covariance entries are treated as
    0 (no known co-movement). Units are those of the variables (see module doc). No shocks ->
    all moves 0. Raises ``KeyError`` for a shock on an unknown name and ``ValueError`` for a
    non-finite shock (input errors, not statistics).
    """
    names = list(names)
    if isinstance(cov, pd.DataFrame):
        cov = cov.loc[names, names]  # align labels to ``names``
    sigma = np.nan_to_num(np.asarray(cov, dtype=np.float64), nan=0.0, posinf=0.0, neginf=0.0)
    pos = {name: i for i, name in enumerate(names)}
    unknown = [k for k in shocks if k not in pos]
    if unknown:
        raise KeyError(f"unknown stress variable(s): {unknown}; known: {names}")
    s_idx = np.array([pos[k] for k in shocks], dtype=np.intp)
    s_val = np.array([float(v) for v in shocks.values()], dtype=np.float64)
    if not np.all(np.isfinite(s_val)):
        raise ValueError(f"non-finite shock in {dict(shocks)}")
    moves = np.zeros(len(names))
    if s_idx.size:
        coef = np.linalg.lstsq(sigma[np.ix_(s_idx, s_idx)], s_val, rcond=None)[0]
        moves = sigma[:, s_idx] @ coef
        moves[s_idx] = s_val
    return {name: float(m) for name, m in zip(names, moves, strict=True)}


def severity(impact: float, nav: float) -> str | None:
    """Severity band of a total impact (currency, signed) relative to NAV (currency).

    ``positive`` when impact > 0; else by ``|impact| / NAV``: mild < 5 %, moderate < 15 %,
    severe < 35 %, extreme >= 35 % (edges belong to the worse band; zero impact is mild).
    ``None`` when impact is not finite or NAV is not a positive finite number.
    """
    if not np.isfinite(impact):
        return None
    if impact > 0:
        return "positive"
    if not (np.isfinite(nav) and nav > 0):
        return None
    ratio = abs(impact) / nav
    if ratio < 0.05:
        return "mild"
    if ratio < 0.15:
        return "moderate"
    if ratio < 0.35:
        return "severe"
    return "extreme"


@dataclass(frozen=True)
class Scenario:
    """A stress scenario, independent of where it is stored.

    ``shocks`` maps variable names of :data:`STRESS_VARIABLES` to moves in their units
    (read-only after construction).
    """

    id: str
    name: str
    category: str = ""
    description: str = ""
    shocks: Mapping[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(
            self, "shocks", MappingProxyType({str(k): float(v) for k, v in self.shocks.items()})
        )


@dataclass(frozen=True, eq=False)
class StressResult:
    """Outcome of one scenario.

    factor_moves: move of every variable (fractions; rates decimal change).
    positions: DataFrame indexed by position id with ``underlying_return`` (fraction, floored at
        -1, NaN when the position has no model), ``pnl`` (currency, signed) and
        ``pnl_percent_nav`` (pnl / NAV x 100).
    total_pnl: sum of finite position P&Ls (currency, signed); impact_percent = total / NAV x 100
        (NaN when NAV <= 0); severity as :func:`severity`; unmodeled: ids excluded (NaN P&L).
    """

    scenario: Scenario
    factor_moves: dict[str, float]
    positions: pd.DataFrame
    total_pnl: float
    nav: float
    impact_percent: float
    severity: str | None
    unmodeled: tuple[Any, ...]


def run_stress_tests(
    scenarios: Sequence[Scenario],
    cov: pd.DataFrame,
    positions: PositionSet,
    sensitivities: pd.DataFrame | np.ndarray,
    nav: float,
    *,
    vol_floor: float = VOL_FLOOR,
) -> list[StressResult]:
    """Apply every scenario to the book (vectorized over scenarios and positions).

    Parameters
    ----------
    scenarios: shocks to apply (names of ``cov``'s labels).
    cov: covariance of the stress variables (e.g. :func:`ewma_covariance`), labelled.
    positions: the book; each row's ``underlying`` column index is ignored here, the return of
        row i comes from row i of ``sensitivities``.
    sensitivities: ``n_positions x k`` coefficients of each position's underlying on the
        variables (factor betas and macro sensitivities; options carry their underlying's),
        columns named as variables of ``cov`` (an ndarray must follow ``cov``'s order).
        A NaN coefficient contributes 0; a row with no finite coefficient is *unmodeled*:
        NaN return and P&L, excluded from the total and listed.
    nav: NAV in currency (percentages and severity divide by it).

    Position return = ``sensitivities x moves`` floored at -100 %. Stocks: linear P&L. Options:
    full BSM revaluation at ``price x (1 + return)`` with sigma x (1 + Volatility move) floored
    at ``vol_floor`` (the multiplier is 1 when Volatility is not a variable). No cap or rescaling.
    """
    names = list(cov.index)
    if isinstance(sensitivities, pd.DataFrame):
        sens = sensitivities.reindex(columns=names).to_numpy(dtype=np.float64)
    else:
        sens = np.asarray(sensitivities, dtype=np.float64).reshape(positions.n, len(names))
    modeled = np.isfinite(sens).any(axis=1)
    sens = np.nan_to_num(sens, nan=0.0, posinf=0.0, neginf=0.0)

    moves = np.array(
        [[m[k] for k in names] for m in (conditional_factor_moves(cov, names, s.shocks) for s in scenarios)],
        dtype=np.float64,
    ).reshape(len(scenarios), len(names))
    with np.errstate(invalid="ignore"):
        returns = np.maximum(moves @ sens.T, -1.0)
    returns[:, ~modeled] = np.nan
    vol_move = moves[:, names.index("Volatility")] if "Volatility" in names else np.zeros(len(moves))
    own = replace(positions, underlying=np.arange(positions.n))
    pnl = revalue_pnl(own, returns, 1.0 + vol_move, vol_floor=vol_floor)

    valid_nav = np.isfinite(nav) and nav > 0
    results = []
    for j, scenario in enumerate(scenarios):
        total = float(np.nansum(pnl[j]))
        with np.errstate(divide="ignore", invalid="ignore"):
            pct = pnl[j] / nav * 100.0 if valid_nav else np.full(positions.n, np.nan)
        frame = pd.DataFrame(
            {"underlying_return": returns[j], "pnl": pnl[j], "pnl_percent_nav": pct},
            index=pd.Index(positions.ids, name="position"),
        )
        results.append(
            StressResult(
                scenario=scenario,
                factor_moves=dict(zip(names, moves[j].tolist(), strict=True)),
                positions=frame,
                total_pnl=total,
                nav=float(nav),
                impact_percent=total / nav * 100.0 if valid_nav else float("nan"),
                severity=severity(total, nav),
                unmodeled=tuple(
                    i for i, ok in zip(positions.ids, np.isfinite(pnl[j]), strict=True) if not ok
                ),
            )
        )
    return results
