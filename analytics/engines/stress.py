"""Position-level stress tests on the factor model (DESIGN "Stress tests").

Pure numpy/pandas: no Django. Pipeline:

1. :func:`stress_variables` builds the daily variables (7 factor regressors + 4 macro series).
2. :func:`ewma_covariance` estimates their EWMA covariance (lambda 0.94, last 252 days).
3. :func:`conditional_factor_moves` turns a scenario's shocks into moves of every variable:
   ``propagation="conditional"`` (default) moves the unshocked ones by their Gaussian conditional
   expectation, ``"isolated"`` leaves them at 0.
4. :func:`run_stress_tests` maps moves to position returns (betas + macro sensitivities, floored
   at -100 %), revalues options fully (``revaluation.revalue_pnl``) and grades severity.

Units: returns and moves are fractions (0.05 = +5 %); the Interest Rate variable is a change of
the 10-year yield in decimal (0.01 = +100 bp); Volatility is the relative change of the VIX level
(1.5 = +150 %). Impacts are currency, signed (gain > 0); percentages are of NAV x 100.
No annualization anywhere (scenario moves are one-off shocks).

The Volatility variable is log-transformed inside the model (:data:`LOG_VARIABLES`): its daily
regressor is ``log(VIX_t / VIX_t-1)`` = log(1 + relative change), so the covariance is that of
log changes; a Volatility shock ``s`` (relative change, must be > -1) is conditioned on as
``log(1 + s)``, and the Volatility move reported and used (conditional or shocked) is
``exp(x) - 1`` of the log-space move ``x``: always above -100 % (a VIX level stays positive),
however large the other shocks. Every other variable is linear (shock = move, no transform).

Options: their sigma is multiplied by ``1 + Volatility move`` (floored at ``VOL_FLOOR``) and their
r is shifted by the Interest Rate move (a parallel shift; stocks feel rates only through their
Interest Rate sensitivity). Options on the VIX (``run_stress_tests(vix_options=...)``) move their
underlying by the Volatility move itself, not by betas, and keep their own sigma.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd

from analytics.engines.conventions import EWMA_LAMBDA, EWMA_MIN_OBSERVATIONS, EWMA_WINDOW, FACTOR_ETFS
from analytics.engines.revaluation import VOL_FLOOR, PositionSet, revalue_pnl

__all__ = [
    "FACTOR_ETFS",
    "LOG_VARIABLES",
    "MACRO_VARIABLES",
    "PROPAGATIONS",
    "STRESS_VARIABLES",
    "VIX_SYMBOLS",
    "Scenario",
    "StressResult",
    "conditional_factor_moves",
    "ewma_covariance",
    "run_stress_tests",
    "severity",
    "stress_variables",
]

MACRO_VARIABLES: tuple[str, ...] = ("Interest Rate", "Oil", "International", "Volatility")
STRESS_VARIABLES: tuple[str, ...] = (*FACTOR_ETFS, *MACRO_VARIABLES)
#: Variables modelled as log(1 + relative change) (see the module doc).
LOG_VARIABLES: frozenset[str] = frozenset({"Volatility"})
#: How unshocked variables move: by their conditional expectation, or not at all.
PROPAGATIONS: tuple[str, ...] = ("conditional", "isolated")
#: Underlying symbols of options on the VIX index (what ``vix_options`` flags).
VIX_SYMBOLS: frozenset[str] = frozenset({"VIX", "^VIX"})


def stress_variables(etf_returns: pd.DataFrame, dgs10: pd.Series, vix: pd.Series) -> pd.DataFrame:
    """Daily stress variables, one column per name of :data:`STRESS_VARIABLES`.

    ``etf_returns``: simple daily returns (fractions) with columns SPY, VTV, VUG, MTUM, QUAL,
    IWM, USMV, USO, EWG, indexed by date (the output index). ``dgs10``: 10-year yield *levels* in
    decimal; ``vix``: VIX *levels*. Market = SPY; each style = its ETF return - SPY return;
    Interest Rate = DGS10 change from its previous available observation (decimal); Oil = USO;
    International = EWG; Volatility = ``log(VIX_t / VIX_t-1)`` from the previous observation
    (the log of 1 + the relative change; a non-positive level gives a non-finite value, which
    the covariance treats as missing).
    Changes are taken on each series' own dates, then aligned: a date missing from a series is
    NaN (never filled). Missing ETF columns give NaN columns.
    """
    idx = etf_returns.index

    def col(s: str) -> pd.Series:
        return etf_returns[s].astype(float) if s in etf_returns else pd.Series(np.nan, idx)

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
        out["Volatility"] = np.log(vol / vol.shift(1)).reindex(idx)
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
    cov: np.ndarray | pd.DataFrame,
    names: Sequence[str],
    shocks: Mapping[str, float],
    *,
    propagation: str = "conditional",
) -> dict[str, float]:
    """Moves of every variable given the shocked ones.

    Shocked variables move by their shock. ``propagation="conditional"``: the others move by the
    Gaussian conditional expectation ``E[x_u | x_s = s] = Sigma_us Sigma_ss^+ s`` (zero means;
    ``Sigma_ss^+`` via least squares / pseudo-inverse so a singular or zero-variance block does
    not raise); ``"isolated"``: the others move by 0 (``cov`` is then not read).
    Non-finite covariance entries are treated as 0 (no known co-movement). Units are those of
    the variables (see module doc); a variable of :data:`LOG_VARIABLES` (Volatility) is shocked
    as ``log(1 + s)`` in the covariance's log space and its move returned as ``exp(x) - 1``, so
    it is always > -1. No shocks -> all moves 0. Raises ``KeyError`` for a shock on an unknown
    name and ``ValueError`` for a non-finite shock, a Volatility shock <= -1 (-100 %) or an
    unknown propagation (input errors, not statistics).
    """
    _check_propagation(propagation)
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
    is_log = np.array([name in LOG_VARIABLES for name in names], dtype=bool)
    too_low = [k for k, v in zip(shocks, s_val, strict=True) if is_log[pos[k]] and v <= -1.0]
    if too_low:
        raise ValueError(
            f"shock on {too_low} must be a relative change above -1 (-100 %: a VIX level cannot "
            f"reach zero), got {dict(shocks)}"
        )
    x_val = np.where(is_log[s_idx], np.log1p(np.where(is_log[s_idx], s_val, 0.0)), s_val)
    moves = np.zeros(len(names))
    if s_idx.size and propagation == "conditional":
        coef = np.linalg.lstsq(sigma[np.ix_(s_idx, s_idx)], x_val, rcond=None)[0]
        moves = sigma[:, s_idx] @ coef
    moves[is_log] = np.expm1(moves[is_log])
    moves[s_idx] = s_val  # the shocks themselves, exactly (no log round trip)
    return {name: float(m) for name, m in zip(names, moves, strict=True)}


def _check_propagation(propagation: str) -> None:
    if propagation not in PROPAGATIONS:
        raise ValueError(f"unknown propagation {propagation!r}; expected one of {PROPAGATIONS}")


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

    factor_moves: move of every variable used (all of :data:`STRESS_VARIABLES` plus any other
        label of the covariance; fractions, rates decimal change, Volatility relative change).
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
    propagation: str = "conditional",
    vix_options: Sequence[bool] | np.ndarray | None = None,
) -> list[StressResult]:
    """Apply every scenario to the book (vectorized over scenarios and positions).

    Parameters
    ----------
    scenarios: shocks to apply (names of ``cov``'s labels or of :data:`STRESS_VARIABLES`).
    cov: covariance of the stress variables (e.g. :func:`ewma_covariance` of
        :func:`stress_variables`, i.e. Volatility in log changes), labelled. A variable of
        :data:`STRESS_VARIABLES` missing from it is added with no known co-movement (it moves
        only when shocked), so every result reports all 11 moves.
    positions: the book; each row's ``underlying`` column index is ignored here, the return of
        row i comes from row i of ``sensitivities``.
    sensitivities: ``n_positions x k`` coefficients of each position's underlying on the
        variables (factor betas and macro sensitivities; options carry their underlying's),
        columns named as variables of ``cov`` (an ndarray must follow ``cov``'s order).
        A NaN coefficient contributes 0; a row with no finite coefficient is *unmodeled*:
        NaN return and P&L, excluded from the total and listed.
    nav: NAV in currency (percentages and severity divide by it).
    propagation: ``"conditional"`` (default) or ``"isolated"``, see
        :func:`conditional_factor_moves`.
    vix_options: one bool per position (default all False): True for an option on the VIX
        (its underlying symbol in :data:`VIX_SYMBOLS`). Such a row's underlying return is the
        Volatility move itself (its sensitivities are ignored, so it is modeled even without
        betas) and its sigma is kept (multiplier 1). A stress-only input, so it is an argument
        here rather than a :class:`PositionSet` field (VaR reads the VIX's own return series).

    Position return = ``sensitivities x moves`` floored at -100 % (VIX options: the Volatility
    move). Stocks: linear P&L. Options: full BSM revaluation at ``price x (1 + return)``, sigma x
    (1 + Volatility move) floored at ``vol_floor`` (VIX options: sigma) and r + Interest Rate
    move. No cap or rescaling.
    """
    _check_propagation(propagation)
    own_names = list(cov.index)
    names = own_names + [v for v in STRESS_VARIABLES if v not in own_names]
    cov = cov.reindex(index=names, columns=names)  # added variables: NaN = no co-movement
    aligned = cov.to_numpy(dtype=np.float64)  # in ``names`` order: no label lookup per scenario
    if isinstance(sensitivities, pd.DataFrame):
        sens = sensitivities.reindex(columns=names).to_numpy(dtype=np.float64)
    else:
        sens = np.asarray(sensitivities, dtype=np.float64).reshape(positions.n, len(own_names))
        sens = np.pad(sens, ((0, 0), (0, len(names) - len(own_names))), constant_values=np.nan)
    vix = np.zeros(positions.n, dtype=bool) if vix_options is None else np.asarray(vix_options, dtype=bool)
    if vix.shape != (positions.n,):
        raise ValueError(f"vix_options has shape {vix.shape}, expected ({positions.n},)")
    modeled = np.isfinite(sens).any(axis=1) | vix
    sens = np.nan_to_num(sens, nan=0.0, posinf=0.0, neginf=0.0)

    moves = np.array(
        [
            [m[k] for k in names]
            for m in (
                conditional_factor_moves(aligned, names, s.shocks, propagation=propagation) for s in scenarios
            )
        ],
        dtype=np.float64,
    ).reshape(len(scenarios), len(names))
    vol_move = moves[:, names.index("Volatility")]
    with np.errstate(invalid="ignore"):
        returns = np.maximum(moves @ sens.T, -1.0)
    returns[:, vix] = vol_move[:, None]  # > -1 by construction (log-space Volatility)
    returns[:, ~modeled] = np.nan
    vol_multiplier = np.where(vix[None, :], 1.0, 1.0 + vol_move[:, None])
    own = replace(positions, underlying=np.arange(positions.n))
    pnl = revalue_pnl(
        own,
        returns,
        vol_multiplier,
        vol_floor=vol_floor,
        rate_shift=moves[:, names.index("Interest Rate")],
    )

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
