"""Position revaluation kernel shared by stress tests, historical VaR and Monte Carlo VaR.

Pure numpy: no Django, no clock, no I/O.

A book is a :class:`PositionSet` (one row per position, struct-of-arrays). A scenario matrix
holds the simple return of each position's *underlying* (the stock itself for a stock, the
underlying for an option), ``n_scenarios x n_underlyings``; ``PositionSet.underlying`` maps each
position to its column, so a stock and its options share one return series (and one covariance
column downstream).

Conventions
-----------
- Units: P&L in currency (the book's currency), signed: a gain is positive, a loss negative.
  Returns are simple returns as fractions (0.01 = +1 %); volatilities annualized decimals.
- Stocks are linear: ``P&L = quantity x price x multiplier x return``.
- Options are fully revalued with the option pricer (``option_pricer.option_price``: American or
  European per ``PositionSet.is_american``, the same pricer as valuation and Greeks) at the shocked
  underlying ``price x (1 + return)`` and ``sigma x vol_multiplier``, minus today's model value
  (so a zero return and a multiplier of 1 give exactly zero P&L). Time to expiry is unchanged
  (instantaneous shock) unless ``time_shift_years`` is given.
- Returns below -100 % are floored at -100 % (a price cannot go negative); the shocked underlying
  of an option is floored at a tiny positive price so that BSM stays finite.
- Shocked volatilities (only when a multiplier is given) are floored at :data:`VOL_FLOOR` (1 %).
- Rates: an optional ``rate_shift`` (decimal, 0.01 = +100 bp) is a parallel shift of every
  option's r in the shocked valuation only (stress tests); it is not floored (BSM accepts a
  negative rate) and stocks ignore it. Without it r is unchanged (historical / Monte Carlo VaR).
- NaN policy: a non-finite input of a position gives NaN P&L for that position only (callers
  decide whether to drop the scenario or the position); nothing raises on bad numbers.
- No annualization and no minimum observation count here (a single scenario is valid).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from analytics.engines.option_pricer import option_greeks, option_price
from analytics.engines.option_scenarios import option_price_spot_scenarios

__all__ = [
    "MIN_PRICE",
    "VOL_FLOOR",
    "OptionScenarioValues",
    "PositionSet",
    "delta_exposures",
    "model_values",
    "option_base_values",
    "option_scenario_spots",
    "revalue_pnl",
]

#: Floor of a shocked implied volatility (annualized decimal) when a vol multiplier is applied.
VOL_FLOOR: float = 0.01
#: Floor of a shocked underlying price fed to BSM (a -100 % move leaves a worthless stock).
MIN_PRICE: float = 1e-12


def _as_float(values: Any, n: int, default: float) -> np.ndarray:
    if values is None:
        return np.full(n, default, dtype=np.float64)
    arr = np.asarray(values, dtype=np.float64)
    return np.broadcast_to(arr, (n,)).astype(np.float64, copy=True)


@dataclass(frozen=True, eq=False)
class PositionSet:
    """Today's positions as parallel float64 arrays (length ``n``), built by :meth:`build` or
    :meth:`from_frame` (which broadcast scalars and apply the defaults below).

    Attributes
    ----------
    is_option: bool, True for a listed option, False for a stock/ETF/fund.
    quantity: signed quantity (shares, or contracts for options).
    multiplier: 1 for stocks, 100 for options.
    price: current price of the stock, or current price of the option's underlying (currency).
    strike, expiry_years (T = calendar days / 365), rate (r, decimal), dividend_yield (q, decimal),
    sigma (annualized decimal), is_call: option terms; ignored for stocks (NaN allowed there).
    is_american: bool, True for American exercise (options on stocks and ETFs), False for
        European (index options); default False.
    underlying: int column of each position's underlying in the scenario matrix
        (default ``arange(n)``: one column per position).
    ids: labels of the positions (default ``0..n-1``), used to label per-position outputs.
    """

    is_option: np.ndarray
    quantity: np.ndarray
    multiplier: np.ndarray
    price: np.ndarray
    strike: np.ndarray
    expiry_years: np.ndarray
    rate: np.ndarray
    dividend_yield: np.ndarray
    sigma: np.ndarray
    is_call: np.ndarray
    underlying: np.ndarray
    ids: tuple[Any, ...]
    is_american: np.ndarray

    @property
    def n(self) -> int:
        """Number of positions."""
        return int(self.quantity.size)

    @property
    def n_underlyings(self) -> int:
        """Number of scenario columns the positions refer to (max index + 1)."""
        return int(self.underlying.max()) + 1 if self.n else 0

    @classmethod
    def build(
        cls,
        *,
        quantity: Sequence[float] | np.ndarray,
        price: Sequence[float] | np.ndarray,
        multiplier: Sequence[float] | np.ndarray | float = 1.0,
        is_option: Sequence[bool] | np.ndarray | bool = False,
        strike: Sequence[float] | np.ndarray | float | None = None,
        expiry_years: Sequence[float] | np.ndarray | float | None = None,
        rate: Sequence[float] | np.ndarray | float = 0.0,
        dividend_yield: Sequence[float] | np.ndarray | float = 0.0,
        sigma: Sequence[float] | np.ndarray | float | None = None,
        is_call: Sequence[bool] | np.ndarray | bool = True,
        underlying: Sequence[int] | np.ndarray | None = None,
        ids: Sequence[Any] = (),
        is_american: Sequence[bool] | np.ndarray | bool = False,
    ) -> PositionSet:
        """Keyword constructor with scalar broadcasting and defaults (stocks, r = q = 0, European)."""
        n = int(np.asarray(quantity).size)
        und = np.arange(n) if underlying is None else np.asarray(underlying)
        positions = cls(
            is_option=_as_bool(is_option, n),
            quantity=_as_float(quantity, n, np.nan),
            multiplier=_as_float(multiplier, n, np.nan),
            price=_as_float(price, n, np.nan),
            strike=_as_float(strike, n, np.nan),
            expiry_years=_as_float(expiry_years, n, np.nan),
            rate=_as_float(rate, n, np.nan),
            dividend_yield=_as_float(dividend_yield, n, np.nan),
            sigma=_as_float(sigma, n, np.nan),
            is_call=_as_bool(is_call, n),
            underlying=np.broadcast_to(und, (n,)).astype(np.intp),
            ids=tuple(ids) if len(ids) else tuple(range(n)),
            is_american=_as_bool(is_american, n),
        )
        if len(positions.ids) != n:
            raise ValueError(f"ids has {len(positions.ids)} labels for {n} positions")
        return positions

    @classmethod
    def from_frame(
        cls,
        frame: pd.DataFrame,
        underlying_columns: Sequence[Any] | None = None,
        underlying_key: str = "underlying",
    ) -> PositionSet:
        """Build from a frame with columns named like the attributes (index -> ``ids``).

        If ``underlying_columns`` (the scenario matrix's column labels) is given, the column
        ``underlying_key`` holds labels (e.g. symbols) that are mapped to integer columns.
        """
        cols: Mapping[str, Any] = {c: frame[c].to_numpy() for c in frame.columns}
        und = cols.get(underlying_key)
        if underlying_columns is not None and und is not None:
            pos = {label: i for i, label in enumerate(underlying_columns)}
            und = np.array([pos[label] for label in und], dtype=np.intp)
        return cls.build(
            quantity=cols["quantity"],
            price=cols["price"],
            multiplier=cols.get("multiplier", 1.0),
            is_option=cols.get("is_option", False),
            strike=cols.get("strike"),
            expiry_years=cols.get("expiry_years"),
            rate=cols.get("rate", 0.0),
            dividend_yield=cols.get("dividend_yield", 0.0),
            sigma=cols.get("sigma"),
            is_call=cols.get("is_call", True),
            underlying=und,
            ids=tuple(frame.index),
            is_american=cols.get("is_american", False),
        )


def _as_bool(values: Any, n: int) -> np.ndarray:
    arr = np.asarray(values)
    if arr.dtype != bool:
        arr = np.where(pd.isna(arr), False, arr).astype(bool)
    return np.broadcast_to(arr, (n,)).copy()


@dataclass(frozen=True, eq=False)
class OptionScenarioValues:
    """Per-share values of a book's options computed beforehand (e.g. once per distinct contract
    for a whole chunk of books, ``engines.scenario_batch``), in the order of the book's options
    (``flatnonzero(is_option)``): ``base`` today's value ``(n_options,)``, ``shocked`` the values at
    the scenario spots ``(n_scenarios, n_options)``. Only for spot-only scenarios (no vol, rate
    or time shift): :func:`revalue_pnl` then uses them instead of pricing."""

    base: np.ndarray
    shocked: np.ndarray


def _option_values(
    positions: PositionSet,
    idx: np.ndarray,
    spot: np.ndarray,
    sigma: np.ndarray,
    time_shift_years: float = 0.0,
    rate_shift: np.ndarray | float = 0.0,
) -> np.ndarray:
    """Per-share value of the options ``idx`` (broadcast over leading scenario axes) at
    ``r + rate_shift``, each with its exercise style."""
    t = np.maximum(positions.expiry_years[idx] - time_shift_years, 0.0)
    with np.errstate(all="ignore"):
        return np.asarray(
            option_price(
                spot,
                positions.strike[idx],
                t,
                positions.rate[idx] + rate_shift,
                positions.dividend_yield[idx],
                sigma,
                positions.is_call[idx],
                positions.is_american[idx],
            ),
            dtype=np.float64,
        )


def model_values(positions: PositionSet) -> np.ndarray:
    """Today's signed model value per position, currency.

    Stocks ``quantity x price x multiplier``; options ``quantity x multiplier x V(S, K, T, r, q,
    sigma)``. NaN for a position with a non-finite input. Shape ``(n,)``.
    """
    values = positions.quantity * positions.price * positions.multiplier
    idx = np.flatnonzero(positions.is_option)
    if idx.size:
        per_share = _option_values(positions, idx, positions.price[idx], positions.sigma[idx])
        values[idx] = positions.quantity[idx] * positions.multiplier[idx] * per_share
    return values


def delta_exposures(positions: PositionSet) -> np.ndarray:
    """Delta-adjusted dollar exposure per position, currency, signed (DESIGN "Valuation").

    Stocks: market value ``quantity x price x multiplier``. Options: ``delta x S x multiplier x
    quantity`` with the pricer's delta (analytic for European, finite differences for American; expired: 0).
    NaN where an input is not finite. Shape ``(n,)``.
    """
    exposure = positions.quantity * positions.price * positions.multiplier
    idx = np.flatnonzero(positions.is_option)
    if idx.size:
        with np.errstate(all="ignore"):
            delta = np.asarray(
                option_greeks(
                    positions.price[idx],
                    positions.strike[idx],
                    positions.expiry_years[idx],
                    positions.rate[idx],
                    positions.dividend_yield[idx],
                    positions.sigma[idx],
                    positions.is_call[idx],
                    positions.is_american[idx],
                ).delta,
                dtype=np.float64,
            )
        exposure[idx] = delta * exposure[idx]
    return exposure


def revalue_pnl(
    positions: PositionSet,
    underlying_returns: np.ndarray | pd.DataFrame,
    vol_multiplier: float | np.ndarray | None = None,
    *,
    time_shift_years: float = 0.0,
    vol_floor: float = VOL_FLOOR,
    rate_shift: float | np.ndarray | None = None,
    precomputed: OptionScenarioValues | None = None,
) -> np.ndarray:
    """P&L matrix (``n_scenarios x n_positions``, currency, signed; gains positive).

    Parameters
    ----------
    positions: today's book.
    underlying_returns: simple returns (fractions) of the underlyings, ``n_scenarios x U`` with
        ``U > positions.underlying.max()`` (a 1-D array is one scenario). Floored at -100 %.
    vol_multiplier: ``None`` (sigma unchanged), a scalar, an array ``(n_scenarios,)`` (one per
        scenario) or ``(n_scenarios, n_positions)``. Shocked sigma = ``max(sigma x multiplier,
        vol_floor)``; only options use it.
    time_shift_years: years the options age in the scenario (0 = instantaneous shock).
    rate_shift: ``None`` (r unchanged, as 0) or a parallel shift of r in decimal (0.0025 =
        +25 bp), shaped like ``vol_multiplier`` (scalar, per scenario or per cell); only options
        use it, in the shocked valuation (today's value keeps r).
    precomputed: the options' per-share values computed beforehand for these spot-only
        scenarios (:class:`OptionScenarioValues`); the result is the same as without it.

    Stocks: ``quantity x price x multiplier x return``. Options: ``quantity x multiplier x
    (V(price x (1 + return), sigma_shocked, T - shift, r + rate_shift) - V(price, sigma, T, r))`` with V the pricer of each option's exercise style.
    NaN inputs yield NaN in the affected cells only.
    """
    returns = np.asarray(underlying_returns, dtype=np.float64)
    if returns.ndim == 1:
        returns = returns[None, :]
    if positions.n == 0:
        return np.zeros((returns.shape[0], 0))
    if returns.shape[1] < positions.n_underlyings:
        raise ValueError(
            f"scenario matrix has {returns.shape[1]} columns, positions refer to {positions.n_underlyings}"
        )
    with np.errstate(invalid="ignore"):
        r = np.maximum(returns[:, positions.underlying], -1.0)  # NaN propagates
    pnl = r * (positions.quantity * positions.price * positions.multiplier)
    idx = np.flatnonzero(positions.is_option)
    if idx.size == 0:
        return pnl

    n_scen = r.shape[0]
    if precomputed is not None:
        if vol_multiplier is not None or rate_shift is not None or time_shift_years != 0.0:
            raise ValueError("precomputed option values are for spot-only scenarios")
        if precomputed.shocked.shape != (n_scen, idx.size) or precomputed.base.shape != (idx.size,):
            raise ValueError(
                f"precomputed option values are {precomputed.shocked.shape}, the book needs {(n_scen, idx.size)}"
            )
        pnl[:, idx] = (
            positions.quantity[idx] * positions.multiplier[idx] * (precomputed.shocked - precomputed.base)
        )
        return pnl
    sigma = np.broadcast_to(positions.sigma[idx], (n_scen, idx.size))
    if vol_multiplier is not None:
        with np.errstate(invalid="ignore"):
            sigma = np.maximum(sigma * _option_cells(vol_multiplier, idx), vol_floor)
    shift = 0.0 if rate_shift is None else _option_cells(rate_shift, idx)
    spot = positions.price[idx]
    shocked_spot = option_scenario_spots(spot, r[:, idx])
    base = option_base_values(positions, idx)
    if vol_multiplier is None and rate_shift is None and time_shift_years == 0.0:
        # Spot-only scenarios (historical and Monte Carlo VaR): one exercise boundary per option,
        # the early-exercise premium interpolated on a spot ladder (error < 1e-4 x strike per share,
        # option_scenarios docstring); European options exactly.
        with np.errstate(all="ignore"):
            shocked = option_price_spot_scenarios(
                shocked_spot,
                positions.strike[idx],
                positions.expiry_years[idx],
                positions.rate[idx],
                positions.dividend_yield[idx],
                positions.sigma[idx],
                positions.is_call[idx],
                positions.is_american[idx],
            )
    else:
        shocked = _option_values(positions, idx, shocked_spot, sigma, time_shift_years, shift)
    pnl[:, idx] = positions.quantity[idx] * positions.multiplier[idx] * (shocked - base)
    return pnl


def option_scenario_spots(spot: np.ndarray, returns: np.ndarray) -> np.ndarray:
    """Shocked underlying prices ``spot x (1 + return)`` of options (returns already floored at
    -100 %), floored at :data:`MIN_PRICE`; ``(n_scenarios, n_options)``."""
    return np.maximum(spot * (1.0 + returns), MIN_PRICE)


def option_base_values(positions: PositionSet, idx: np.ndarray) -> np.ndarray:
    """Today's per-share model values of the options ``idx`` (the base of :func:`revalue_pnl`)."""
    return _option_values(positions, idx, positions.price[idx], positions.sigma[idx])


def _option_cells(values: float | np.ndarray, idx: np.ndarray) -> np.ndarray:
    """A scalar, per-scenario ``(n_scenarios,)`` or per-cell ``(n_scenarios, n_positions)``
    input, shaped to broadcast against the option columns ``idx`` of a scenario matrix."""
    arr = np.asarray(values, dtype=np.float64)
    if arr.ndim == 1:
        return arr[:, None]  # one value per scenario
    if arr.ndim == 2:
        return arr[:, idx]
    return arr
