"""Option risk grid: the book's P&L on a spot x volatility ladder, by full revaluation.

Pure numpy: no Django, no clock, no I/O.

Conventions
-----------
- A cell is one instantaneous scenario: every underlying moves by the same simple return
  ``spot_move`` (a fraction, 0.05 = +5 %) and every option's sigma is multiplied by
  ``1 + vol_move`` (a *relative* change, 0.25 = sigma x 1.25), floored at ``revaluation.VOL_FLOOR``.
  Time to expiry, rates and dividend yields are unchanged.
- Stocks are linear (``quantity x price x multiplier x spot_move``); options are fully revalued
  with the one pricer (``revaluation.revalue_pnl``: American or European per position), minus
  today's model value, so the cell (0, 0) is exactly zero.
- P&L in currency, signed (gain > 0). The grid is ``len(vol_moves) x len(spot_moves)``: rows are
  vol moves, columns spot moves. A position with a non-finite input is NaN and left out of sums.
- Delta sign flips: per group (underlying), the net delta dollars at a cell
  (stocks ``quantity x price x (1 + spot_move) x multiplier``; options the pricer's delta at the
  shocked spot and sigma x shocked spot x multiplier x quantity) compared with today's; a cell
  whose sign differs from today's (a zero counts as its own sign) is a flip.
- No annualization, no minimum observations.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from analytics.engines.option_pricer import option_greeks
from analytics.engines.revaluation import MIN_PRICE, VOL_FLOOR, PositionSet, revalue_pnl

__all__ = ["OptionGrid", "option_grid"]


@dataclass(frozen=True, eq=False)
class OptionGrid:
    """pnl: ``(n_vol, n_spot)`` total P&L (currency); by_group: group -> ``(n_vol, n_spot)``;
    position_pnl: ``(n_vol, n_spot, n_positions)``; delta_dollars: group -> ``(n_vol, n_spot)``
    net delta dollars at each cell; base_delta_dollars: group -> today's; flips: ``(group,
    spot_move, vol_move)`` where the group's net delta changes sign."""

    spot_moves: tuple[float, ...]
    vol_moves: tuple[float, ...]
    pnl: np.ndarray
    position_pnl: np.ndarray
    by_group: dict[str, np.ndarray]
    delta_dollars: dict[str, np.ndarray]
    base_delta_dollars: dict[str, float]
    flips: tuple[tuple[str, float, float], ...]


def _delta_dollars(positions: PositionSet, spot_move: np.ndarray, vol_mult: np.ndarray) -> np.ndarray:
    """Delta dollars per cell and position, ``(cells, n)``, at the shocked spot and sigma."""
    spot = np.maximum(positions.price[None, :] * (1.0 + spot_move[:, None]), MIN_PRICE)
    out = positions.quantity * positions.multiplier * spot
    idx = np.flatnonzero(positions.is_option)
    if idx.size:
        sigma = np.maximum(positions.sigma[idx][None, :] * vol_mult[:, None], VOL_FLOOR)
        with np.errstate(all="ignore"):
            delta = option_greeks(
                spot[:, idx],
                positions.strike[idx],
                positions.expiry_years[idx],
                positions.rate[idx],
                positions.dividend_yield[idx],
                sigma,
                positions.is_call[idx],
                positions.is_american[idx],
            ).delta
        out[:, idx] = np.asarray(delta, dtype=np.float64) * out[:, idx]
    return out


def _group_sums(values: np.ndarray, groups: Sequence[str], shape: tuple[int, ...]) -> dict[str, np.ndarray]:
    labels = np.asarray(list(groups), dtype=object)
    return {
        str(g): np.nansum(values[..., labels == g], axis=-1).reshape(shape) for g in dict.fromkeys(groups)
    }


def option_grid(
    positions: PositionSet,
    groups: Sequence[str],
    spot_moves: Sequence[float],
    vol_moves: Sequence[float],
) -> OptionGrid:
    """The spot x vol P&L grid of a book (module docstring), grouped by ``groups`` (one label per
    position, e.g. the underlying symbol). ``vol_moves`` must be > -1; ``spot_moves`` >= -1."""
    spots = np.asarray(spot_moves, dtype=np.float64)
    vols = np.asarray(vol_moves, dtype=np.float64)
    if len(groups) != positions.n:
        raise ValueError(f"{len(groups)} group labels for {positions.n} positions")
    if (vols <= -1.0).any() or (spots < -1.0).any():
        raise ValueError("vol moves must be > -1 and spot moves >= -1")
    nv, ns, n = vols.size, spots.size, positions.n
    cell_spot = np.tile(spots, nv)  # row-major: vol rows, spot columns
    cell_mult = np.repeat(1.0 + vols, ns)
    own = replace(positions, underlying=np.arange(n))
    returns = np.repeat(cell_spot[:, None], n, axis=1)
    # a vol multiplier (even 1.0) selects the exact pricer for every cell
    pnl = revalue_pnl(own, returns, cell_mult) if n else np.zeros((nv * ns, 0))
    deltas = _delta_dollars(own, cell_spot, cell_mult)
    base = _delta_dollars(own, np.zeros(1), np.ones(1))[0]
    by_delta = _group_sums(deltas, groups, (nv, ns))
    base_by = {g: float(v) for g, v in _group_sums(base, groups, ()).items()}
    flips = []
    for g, grid in by_delta.items():
        today = np.sign(base_by[g])
        for i, j in zip(*np.nonzero(np.sign(grid) != today), strict=True):
            flips.append((g, float(spots[j]), float(vols[i])))
    return OptionGrid(
        spot_moves=tuple(float(s) for s in spots),
        vol_moves=tuple(float(v) for v in vols),
        pnl=np.nansum(pnl, axis=1).reshape(nv, ns),
        position_pnl=pnl.reshape(nv, ns, n),
        by_group=_group_sums(pnl, groups, (nv, ns)),
        delta_dollars=by_delta,
        base_delta_dollars=base_by,
        flips=tuple(flips),
    )
