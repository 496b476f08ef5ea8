"""Position valuation and portfolio exposure aggregation (DESIGN.md, "Valuation").

Pure numpy/pandas: no Django, no clock, no I/O.

Conventions:
- Quantities are signed (negative = short), prices in currency per share, ``multiplier`` shares
  per unit (1 for stocks, 100 for listed options). All results in currency unless ``_pct``.
- market_value = quantity x price x multiplier (signed); cost_basis = quantity x entry_price x
  multiplier (signed); unrealized_pnl = market_value - cost_basis; pnl_percent = pnl /
  |cost_basis| x 100 (NaN when cost_basis is 0 or not finite).
- daily_pnl = quantity x (price - prev_close) x multiplier, where prev_close is the last bar
  strictly before the date (the caller passes the entry price for a position opened that day).
- delta_adjusted_exposure: stocks -> market value; options -> delta x underlying price x
  multiplier x quantity.
- Portfolio: long = sum of positive MVs, short = sum of negative MVs (<= 0), gross = sum |MV|,
  net = sum MV, NAV = net + cash; the same four for delta-adjusted exposure. Percentages are
  value / NAV x 100 and NaN when NAV <= 0 or not finite (a ratio to a non-positive equity base
  has no meaning). Weight = MV / NAV under the same rule.
- NaN policy: a NaN input makes that position's figures NaN; aggregates skip NaN rows (so one
  missing price never blanks a portfolio) and report how many rows were skipped
  (``mv_missing``, ``delta_missing``); a P&L sum is NaN only when every row of it is NaN.
- "Longs" / "shorts" views split positions by the sign of delta-adjusted exposure (> 0 / < 0);
  zero or NaN exposure is in neither view.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

__all__ = [
    "ExposureSummary",
    "exposure_summary",
    "exposures_by_group",
    "percent_of_nav",
    "portfolio_exposures",
    "position_weights",
    "split_longs_shorts",
    "value_positions",
]

FloatArray = NDArray[np.float64]

_SUM_COLUMNS = (
    "long",
    "short",
    "gross",
    "net",
    "delta_long",
    "delta_short",
    "delta_gross",
    "delta_net",
    "cost_basis",
    "unrealized_pnl",
    "daily_pnl",
    "position_count",
    "long_count",
    "short_count",
    "mv_missing",
    "delta_missing",
)
_PCT_COLUMNS = ("long", "short", "gross", "net", "delta_long", "delta_short", "delta_gross", "delta_net")


def value_positions(
    *,
    quantity: ArrayLike,
    price: ArrayLike,
    entry_price: ArrayLike,
    multiplier: ArrayLike = 1.0,
    prev_close: ArrayLike | None = None,
    is_option: ArrayLike | None = None,
    delta: ArrayLike | None = None,
    underlying_price: ArrayLike | None = None,
    index: pd.Index | ArrayLike | None = None,
) -> pd.DataFrame:
    """Value a batch of positions (one row per position, vectorized).

    ``price``/``entry_price``/``prev_close`` are per share (option premium for options);
    ``delta`` is the per-share option delta and ``underlying_price`` the underlying close (only
    read where ``is_option``; an option without them gets NaN exposure). ``prev_close`` None ->
    daily_pnl NaN. Returns columns quantity, price, multiplier, market_value, cost_basis,
    unrealized_pnl, pnl_percent, daily_pnl, delta_adjusted_exposure, side ("long" | "short" |
    "flat", from the sign of delta-adjusted exposure; NaN exposure -> "flat").
    """
    qty, px, entry, mult = (
        np.ravel(a)
        for a in np.broadcast_arrays(
            np.asarray(quantity, dtype=np.float64),
            np.asarray(price, dtype=np.float64),
            np.asarray(entry_price, dtype=np.float64),
            np.asarray(multiplier, dtype=np.float64),
        )
    )
    n = qty.shape[0]

    def column(values: ArrayLike | None, dtype: type = np.float64) -> NDArray[Any]:
        if values is None:
            return np.full(n, np.nan) if dtype is np.float64 else np.zeros(n, dtype=bool)
        return np.ravel(np.broadcast_to(np.asarray(values, dtype=dtype), (n,)))

    market_value = qty * px * mult
    cost_basis = qty * entry * mult
    pnl = market_value - cost_basis
    with np.errstate(invalid="ignore", divide="ignore"):
        abs_cost = np.abs(cost_basis)
        pnl_percent = np.where(abs_cost > 0, pnl / np.where(abs_cost > 0, abs_cost, 1.0) * 100.0, np.nan)
    daily_pnl = qty * (px - column(prev_close)) * mult
    option = column(is_option, bool)
    option_exposure = column(delta) * column(underlying_price) * mult * qty
    exposure = np.where(option, option_exposure, market_value)
    return pd.DataFrame(
        {
            "quantity": qty,
            "price": px,
            "multiplier": mult,
            "market_value": market_value,
            "cost_basis": cost_basis,
            "unrealized_pnl": pnl,
            "pnl_percent": pnl_percent,
            "daily_pnl": daily_pnl,
            "delta_adjusted_exposure": exposure,
            "side": _side(exposure),
        },
        index=None if index is None else pd.Index(index),
    )


def _side(exposure: FloatArray) -> NDArray[np.object_]:
    with np.errstate(invalid="ignore"):
        side = np.where(exposure > 0, "long", np.where(exposure < 0, "short", "flat"))
    return side.astype(object)


def percent_of_nav(value: ArrayLike, nav: ArrayLike) -> FloatArray:
    """value / NAV x 100; NaN where NAV <= 0 or not finite (broadcasts)."""
    v = np.asarray(value, dtype=np.float64)
    base = np.asarray(nav, dtype=np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        ok = np.isfinite(base) & (base > 0)
        return np.where(ok, v / np.where(ok, base, 1.0) * 100.0, np.nan)


def position_weights(market_value: ArrayLike, nav: ArrayLike) -> FloatArray:
    """weight = MV / NAV as a fraction (signed); NaN where NAV <= 0 or not finite."""
    return percent_of_nav(market_value, nav) / 100.0


def _sum_frame(positions: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Per-group sums of the exposure building blocks (NaN rows skipped and counted)."""
    mv = positions["market_value"].to_numpy(dtype=np.float64)
    de = positions["delta_adjusted_exposure"].to_numpy(dtype=np.float64)
    mv0 = np.nan_to_num(mv, nan=0.0)
    de0 = np.nan_to_num(de, nan=0.0)

    def optional(name: str) -> FloatArray:
        if name in positions:
            return positions[name].to_numpy(dtype=np.float64)
        return np.full(len(positions), np.nan)

    data = {
        "long": np.maximum(mv0, 0.0),
        "short": np.minimum(mv0, 0.0),
        "gross": np.abs(mv0),
        "net": mv0,
        "delta_long": np.maximum(de0, 0.0),
        "delta_short": np.minimum(de0, 0.0),
        "delta_gross": np.abs(de0),
        "delta_net": de0,
        "cost_basis": optional("cost_basis"),
        "unrealized_pnl": optional("unrealized_pnl"),
        "daily_pnl": optional("daily_pnl"),
        "position_count": np.ones(len(positions), dtype=np.int64),
        "long_count": (de0 > 0).astype(np.int64),
        "short_count": (de0 < 0).astype(np.int64),
        "mv_missing": np.isnan(mv).astype(np.int64),
        "delta_missing": np.isnan(de).astype(np.int64),
    }
    frame = pd.DataFrame(data, index=positions.index)
    # min_count=1: a P&L column that is NaN on every row of a group stays NaN, not 0.
    if not keys:
        return frame.sum(axis=0, min_count=1).to_frame().T
    return frame.groupby([positions[k] for k in keys], sort=True).sum(min_count=1)


def portfolio_exposures(
    positions: pd.DataFrame,
    cash: float | pd.Series = 0.0,
    *,
    portfolio_col: str = "portfolio_id",
) -> pd.DataFrame:
    """Aggregate many portfolios at once: one row per portfolio id.

    ``positions``: output of :func:`value_positions` plus a ``portfolio_col`` column.
    ``cash``: a Series indexed by portfolio id (missing ids -> 0) or one scalar for all.
    Portfolios present only in ``cash`` get a row of zero exposures. Columns: long, short,
    gross, net, delta_long/short/gross/net, cost_basis, unrealized_pnl, daily_pnl (sums in
    currency), cash, nav (= net + cash), abs_cost_basis (gross cost of the priced positions),
    pnl_percent (= sum pnl / sum |cost_basis| x 100, both
    over the priced positions: the gross cost basis of the positions whose P&L is known),
    <exposure>_pct for the eight exposures (value / NAV x 100; NaN when NAV <= 0), and the
    counts position_count, long_count, short_count, mv_missing, delta_missing.
    """
    sums = _sum_frame(positions, [portfolio_col])
    if isinstance(cash, pd.Series):
        ids = sums.index.union(pd.Index(cash.index, name=portfolio_col))
        sums = sums.reindex(ids, fill_value=0)
        cash_values = cash.reindex(ids).fillna(0.0).to_numpy(dtype=np.float64)
    else:
        cash_values = np.full(len(sums), float(cash))
    return _finish(sums, cash_values, _priced_abs_cost(positions, [portfolio_col], sums.index))


def _priced_abs_cost(positions: pd.DataFrame, keys: list[str], index: pd.Index) -> FloatArray:
    """Gross cost basis (sum of |cost_basis|) of the priced positions (finite unrealized P&L) per
    group: the base of pnl_percent, so numerator and base cover the same positions."""
    priced = np.isfinite(positions["unrealized_pnl"].to_numpy(dtype=np.float64))
    cost = positions["cost_basis"].abs().where(priced)
    grouped = cost.groupby([positions[k] for k in keys] if len(keys) > 1 else positions[keys[0]])
    return grouped.sum(min_count=1).reindex(index).to_numpy(dtype=np.float64)


def _finish(sums: pd.DataFrame, cash: FloatArray, abs_cost: FloatArray) -> pd.DataFrame:
    out = sums.copy()
    out.insert(4, "cash", cash)
    out.insert(5, "nav", out["net"].to_numpy(dtype=np.float64) + cash)
    out["abs_cost_basis"] = abs_cost
    nav = out["nav"].to_numpy(dtype=np.float64)
    pnl = out["unrealized_pnl"].to_numpy(dtype=np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        out["pnl_percent"] = np.where(abs_cost > 0, pnl / abs_cost * 100.0, np.nan)
    for name in _PCT_COLUMNS:
        out[f"{name}_pct"] = percent_of_nav(out[name].to_numpy(dtype=np.float64), nav)
    return out


@dataclass(frozen=True)
class ExposureSummary:
    """One portfolio's exposures (currency unless noted; ``*_pct`` = value / NAV x 100)."""

    long: float
    short: float
    gross: float
    net: float
    cash: float
    nav: float
    delta_long: float
    delta_short: float
    delta_gross: float
    delta_net: float
    cost_basis: float
    unrealized_pnl: float
    daily_pnl: float
    pnl_percent: float
    long_pct: float
    short_pct: float
    gross_pct: float
    net_pct: float
    delta_long_pct: float
    delta_short_pct: float
    delta_gross_pct: float
    delta_net_pct: float
    position_count: int
    long_count: int
    short_count: int
    mv_missing: int
    delta_missing: int


def exposure_summary(positions: pd.DataFrame, cash: float = 0.0) -> ExposureSummary:
    """Single-portfolio aggregation of :func:`value_positions` output (see module conventions)."""
    sums = _sum_frame(positions, [])
    priced = np.isfinite(positions["unrealized_pnl"].to_numpy(dtype=np.float64))
    abs_cost = positions["cost_basis"].abs().where(priced)
    abs_cost_sum = float(abs_cost.sum()) if abs_cost.notna().any() else np.nan
    row = _finish(sums, np.array([float(cash)]), np.array([abs_cost_sum])).iloc[0]
    values: dict[str, Any] = {}  # int counts and float amounts, per the field's type
    for f in fields(ExposureSummary):
        v = row[f.name]
        values[f.name] = int(v) if f.type in ("int", int) else float(v)
    return ExposureSummary(**values)


def exposures_by_group(
    positions: pd.DataFrame,
    key: str,
    *,
    nav: float | pd.Series | None = None,
    portfolio_col: str | None = None,
) -> pd.DataFrame:
    """Long/short/gross/net (and delta-adjusted) exposures per value of an arbitrary key column.

    ``key``: e.g. "tag", "position_type", "underlying", "sector" (NaN keys are dropped; explode
    a many-to-many tag list first, a position then counts once in each of its tags).
    ``portfolio_col``: group per (portfolio, key) for many portfolios at once. ``nav``: a scalar,
    or a Series by portfolio id when ``portfolio_col`` is given; adds ``<exposure>_pct`` columns
    (value / that portfolio's NAV x 100; NaN when NAV <= 0). Counts as in
    :func:`portfolio_exposures`.
    """
    keys = [portfolio_col, key] if portfolio_col else [key]
    out = _sum_frame(positions, keys)
    if nav is not None:
        if isinstance(nav, pd.Series) and portfolio_col:
            base = nav.reindex(out.index.get_level_values(portfolio_col)).to_numpy(dtype=np.float64)
        else:
            base = np.full(len(out), float(nav))
        for name in _PCT_COLUMNS:
            out[f"{name}_pct"] = percent_of_nav(out[name].to_numpy(dtype=np.float64), base)
    return out


def split_longs_shorts(positions: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """("longs", "shorts") views: rows with delta-adjusted exposure > 0 and < 0 respectively.

    Rows with zero or NaN exposure appear in neither view. Index and columns are preserved.
    """
    de = positions["delta_adjusted_exposure"]
    return positions[de > 0], positions[de < 0]
