"""Portfolio correlation analysis (DESIGN.md, "Correlations").

Pure numpy/pandas/scipy: no Django, no clock, no I/O.

Conventions:
- One row per underlying: a stock and its options add up by delta-adjusted exposure ``e``
  (currency, signed), see :func:`exposure_by_underlying`.
- Returns are daily LOG returns of adjusted close (:func:`log_returns`), the window is the last
  ``window`` (90) rows of the frame (dates, oldest first, already cut at the as-of date).
- rho = Pearson on pairwise-complete dates, NaN when a pair overlaps on fewer than
  ``min_overlap`` (30) dates or a series has zero variance.
- Rows are excluded (listed with a reason) when e is NaN, |e| < ``min_exposure`` ($10,000),
  |e| < ``min_gross_pct`` (1%) of gross (gross = sum |e| over every underlying with a finite e),
  the symbol has no return column, or fewer than ``min_overlap`` finite returns in the window.
- Weights w_i = |e_i| / sum |e| over the included rows (shorts count by size: rho is not
  sign-adjusted, as DESIGN states).
  average_correlation = sum_{i!=j} w_i w_j rho_ij / sum_{i!=j} w_i w_j over the pairs with a
  finite rho (NaN with fewer than 2 rows); effective_number_of_bets = 1 / sum_ij w_i w_j rho_ij
  (diagonal included; NaN if any rho is NaN or the quadratic form is <= 0).
- Clusters = connected components of the graph |rho_ij| >= ``cluster_threshold`` (0.7) with at
  least 2 names; average_correlation = plain mean of rho over the cluster's pairs;
  portfolio_percentage = sum of its |e| / sum |e| of included rows x 100.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components

from analytics.engines.conventions import CORRELATION_MIN_OVERLAP, CORRELATION_WINDOW

__all__ = [
    "REASON_BELOW_GROSS_PCT",
    "REASON_BELOW_MIN_EXPOSURE",
    "REASON_INSUFFICIENT_HISTORY",
    "REASON_MISSING_EXPOSURE",
    "REASON_NO_PRICE_HISTORY",
    "CorrelationCluster",
    "CorrelationResult",
    "correlation_analysis",
    "exposure_by_underlying",
    "log_returns",
]

REASON_MISSING_EXPOSURE = "missing_exposure"
REASON_BELOW_MIN_EXPOSURE = "below_min_exposure"
REASON_BELOW_GROSS_PCT = "below_min_gross_percent"
REASON_NO_PRICE_HISTORY = "no_price_history"
REASON_INSUFFICIENT_HISTORY = "insufficient_history"


@dataclass(frozen=True)
class CorrelationCluster:
    """A group of names linked by |rho| >= threshold (symbols sorted by |e|, largest first)."""

    name: str
    symbols: tuple[str, ...]
    average_correlation: float
    portfolio_percentage: float
    exposure: float


@dataclass(frozen=True)
class CorrelationResult:
    """Correlation analysis of one portfolio.

    ``matrix`` and ``overlap`` (pairwise-complete date counts) are [symbol x symbol] over the
    included symbols (ordered by |e|, largest first); ``exposure`` signed e and ``weights`` w_i
    per included symbol; ``excluded`` one dict per excluded symbol: symbol, exposure, reason,
    detail. ``gross_exposure`` = sum |e| over every underlying with a finite e.
    """

    symbols: tuple[str, ...]
    matrix: pd.DataFrame
    overlap: pd.DataFrame
    exposure: pd.Series
    weights: pd.Series
    average_correlation: float
    effective_number_of_bets: float
    clusters: tuple[CorrelationCluster, ...]
    excluded: tuple[dict[str, object], ...]
    gross_exposure: float


def log_returns(prices: pd.DataFrame) -> pd.DataFrame:
    """Daily log returns ln(P_t / P_{t-1}) of a price frame [date x symbol] (first row dropped).

    Non-positive or missing prices give NaN (for that day and the next); nothing is filled.
    """
    logp = np.log(prices.astype(np.float64).where(prices > 0))
    return logp.diff().iloc[1:]


def exposure_by_underlying(exposure: ArrayLike, underlying: ArrayLike) -> pd.Series:
    """Sum delta-adjusted exposure (currency, signed) per underlying symbol.

    A stock and its options therefore net out (long stock + long put reduces e). NaN
    exposures are skipped; an underlying whose every exposure is NaN gets NaN.
    """
    e = pd.Series(np.asarray(exposure, dtype=np.float64))
    keys = pd.Series(np.asarray(underlying))
    return e.groupby(keys.to_numpy(), sort=True).sum(min_count=1).rename("exposure")


def correlation_analysis(
    returns: pd.DataFrame,
    exposure: pd.Series,
    *,
    labels: pd.Series | dict[str, str] | None = None,
    window: int = CORRELATION_WINDOW,
    min_overlap: int = CORRELATION_MIN_OVERLAP,
    min_exposure: float = 10_000.0,
    min_gross_pct: float = 1.0,
    cluster_threshold: float = 0.7,
) -> CorrelationResult:
    """Correlation matrix, average correlation, effective number of bets and clusters.

    ``returns`` [date x symbol] daily LOG returns (see :func:`log_returns`); ``exposure`` signed delta-adjusted
    exposure per underlying (currency); ``labels`` an optional tag or sector per symbol used
    to name clusters ("Technology cluster" when at least 2 members share the most common label;
    otherwise the member symbols). See the module docstring for units, thresholds and NaN rules.
    """
    e_all = exposure.astype(np.float64).rename(index=str)
    finite_e = e_all[np.isfinite(e_all.to_numpy())]
    gross = float(finite_e.abs().sum())
    tail = (returns.iloc[-window:] if window > 0 else returns.iloc[:0]).rename(columns=str)
    counts = tail.notna().sum(axis=0)

    excluded: list[dict[str, object]] = []
    keep: list[str] = []
    for symbol, value in e_all.items():
        reason, detail = _exclusion(symbol, value, gross, counts, min_exposure, min_gross_pct, min_overlap)
        if reason is None:
            keep.append(str(symbol))
        else:
            excluded.append(
                {"symbol": str(symbol), "exposure": float(value), "reason": reason, "detail": detail}
            )

    e = e_all.reindex(keep)
    order = np.argsort(-np.abs(e.to_numpy()), kind="stable")
    e = e.iloc[order]
    symbols = list(e.index)
    data = tail.reindex(columns=symbols)
    matrix = (
        data.corr(method="pearson", min_periods=min_overlap)
        if symbols
        else pd.DataFrame(index=symbols, columns=symbols, dtype=np.float64)
    )
    present = data.notna().to_numpy(dtype=np.float64)
    overlap = pd.DataFrame((present.T @ present).astype(np.int64), index=symbols, columns=symbols)

    abs_e = np.abs(e.to_numpy())
    total = abs_e.sum()
    w = abs_e / total if total > 0 else np.full(len(symbols), np.nan)
    rho = matrix.to_numpy(dtype=np.float64)
    clusters = _clusters(symbols, rho, abs_e, e.to_numpy(), labels, cluster_threshold)
    return CorrelationResult(
        symbols=tuple(symbols),
        matrix=matrix,
        overlap=overlap,
        exposure=e.rename("exposure"),
        weights=pd.Series(w, index=symbols, name="weight"),
        average_correlation=_average_correlation(w, rho),
        effective_number_of_bets=_effective_bets(w, rho),
        clusters=clusters,
        excluded=tuple(excluded),
        gross_exposure=gross,
    )


def _exclusion(
    symbol: object,
    value: float,
    gross: float,
    counts: pd.Series,
    min_exposure: float,
    min_gross_pct: float,
    min_overlap: int,
) -> tuple[str | None, str]:
    if not np.isfinite(value):
        return REASON_MISSING_EXPOSURE, "no delta-adjusted exposure"
    if abs(value) < min_exposure:
        return REASON_BELOW_MIN_EXPOSURE, f"|exposure| {abs(value):,.0f} < {min_exposure:,.0f}"
    pct = abs(value) / gross * 100.0 if gross > 0 else 0.0
    if pct < min_gross_pct:
        return REASON_BELOW_GROSS_PCT, f"{pct:.2f}% of gross < {min_gross_pct:g}%"
    if symbol not in counts.index:
        return REASON_NO_PRICE_HISTORY, "no returns for this symbol"
    n = int(counts[symbol])
    if n < min_overlap:
        return REASON_INSUFFICIENT_HISTORY, f"{n} returns in window < {min_overlap}"
    return None, ""


def _average_correlation(w: NDArray[np.float64], rho: NDArray[np.float64]) -> float:
    if w.size < 2:
        return float("nan")
    pair = np.outer(w, w)
    np.fill_diagonal(pair, 0.0)
    ok = np.isfinite(rho)
    denom = pair[ok].sum()
    if not denom > 0:
        return float("nan")
    value = float((pair[ok] * rho[ok]).sum() / denom)
    return value if np.isfinite(value) else float("nan")


def _effective_bets(w: NDArray[np.float64], rho: NDArray[np.float64]) -> float:
    if w.size == 0 or not np.isfinite(rho).all() or not np.isfinite(w).all():
        return float("nan")
    quad = float(w @ rho @ w)
    return 1.0 / quad if quad > 0 else float("nan")


def _clusters(
    symbols: list[str],
    rho: NDArray[np.float64],
    abs_e: NDArray[np.float64],
    e: NDArray[np.float64],
    labels: pd.Series | dict[str, str] | None,
    threshold: float,
) -> tuple[CorrelationCluster, ...]:
    n = len(symbols)
    if n < 2:
        return ()
    with np.errstate(invalid="ignore"):
        adjacency = np.isfinite(rho) & (np.abs(rho) >= threshold)
    np.fill_diagonal(adjacency, False)
    _, component = connected_components(csr_matrix(adjacency), directed=False)
    total = abs_e.sum()
    label_of = dict(labels) if labels is not None else {}
    found: list[CorrelationCluster] = []
    for comp in np.unique(component):
        members = np.flatnonzero(component == comp)
        if members.size < 2:
            continue
        members = members[np.argsort(-abs_e[members], kind="stable")]
        sub = rho[np.ix_(members, members)]
        pairs = sub[np.triu_indices(members.size, k=1)]
        pairs = pairs[np.isfinite(pairs)]
        names = tuple(symbols[i] for i in members)
        found.append(
            CorrelationCluster(
                name=_cluster_name(names, abs_e[members], label_of),
                symbols=names,
                average_correlation=float(pairs.mean()) if pairs.size else float("nan"),
                portfolio_percentage=float(abs_e[members].sum() / total * 100.0),
                exposure=float(e[members].sum()),
            )
        )
    found.sort(key=lambda c: -c.portfolio_percentage)
    return _dedupe_names(found)


def _cluster_name(names: tuple[str, ...], abs_e: NDArray[np.float64], label_of: dict[str, str]) -> str:
    """Most common label shared by >= 2 members (ties: larger |e|, then alphabetical)."""
    member_labels = [label_of.get(s) for s in names]
    counts = Counter(lab for lab in member_labels if isinstance(lab, str) and lab)
    if counts:
        weight = {
            lab: sum(a for a, m in zip(abs_e, member_labels, strict=True) if m == lab) for lab in counts
        }
        best = min(counts, key=lambda lab: (-counts[lab], -weight[lab], lab))
        if counts[best] >= 2:
            return f"{best} cluster"
    shown = " / ".join(names[:3])
    return f"{shown} +{len(names) - 3} cluster" if len(names) > 3 else f"{shown} cluster"


def _dedupe_names(clusters: list[CorrelationCluster]) -> tuple[CorrelationCluster, ...]:
    seen: Counter[str] = Counter()
    out: list[CorrelationCluster] = []
    for c in clusters:
        seen[c.name] += 1
        if seen[c.name] > 1:
            c = CorrelationCluster(
                f"{c.name} {seen[c.name]}",
                c.symbols,
                c.average_correlation,
                c.portfolio_percentage,
                c.exposure,
            )
        out.append(c)
    return tuple(out)
