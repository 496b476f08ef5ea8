"""Risk-desk analyses computed on request from the last batch's stored inputs (nothing is written).

- :func:`option_grid_compute`: the spot x vol P&L grid (``engines.option_grid``) of the book the
  batch stored with its stress inputs (``RiskMetrics.stress_inputs``: the same positions, prices,
  option terms, exercise styles and sigmas as the stress tests and VaR).
- :func:`reverse_stress_compute`: the most likely factor move (``engines.reverse_stress``) losing
  a share of NAV on the same stored inputs (book, sensitivities, EWMA covariance) that
  ``POST /scenarios/custom`` reruns, so posting the returned moves reproduces the loss.

They live in services (not selectors) because they load the stored engine-7 inputs with
``services.stress.stress_inputs_load``, as custom scenarios do. Payloads are the API.md shapes,
rounded here (money to the cent), with ``conventions`` describing how the numbers were made.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from django.utils import timezone

from analytics.engines.option_grid import option_grid
from analytics.engines.reverse_stress import reverse_stress
from analytics.models import SHOCK_RANGES
from analytics.selectors import risk as risk_selectors
from analytics.selectors.conventions import option_grid_conventions, reverse_stress_conventions
from analytics.selectors.risk_book import book_position_set
from analytics.services.stress import stress_inputs_load, vix_option_flags
from portfolios.models import Portfolio
from sigmasight.api.exceptions import InsufficientData
from sigmasight.api.numbers import money, number, percent

__all__ = [
    "DEFAULT_SPOT_MOVES",
    "DEFAULT_VOL_MOVES",
    "option_grid_compute",
    "reverse_stress_compute",
    "risk_desk_meta",
    "stored_book",
]

#: Default spot ladder: -30 % .. +30 % by 5 % (13 columns).
DEFAULT_SPOT_MOVES: tuple[float, ...] = tuple(round(-0.3 + 0.05 * i, 2) for i in range(13))
#: Default relative vol ladder: -50 % .. +100 % by 25 % (7 rows).
DEFAULT_VOL_MOVES: tuple[float, ...] = tuple(round(-0.5 + 0.25 * i, 2) for i in range(7))


def stored_book(*, portfolio: Portfolio, as_of: Any = None) -> dict[str, Any]:
    """The book, sensitivities, covariance and NAV the batch stored with its stress inputs, with
    the priceable rows split from the excluded ones (422 when the batch has not run)."""
    stored = risk_selectors.risk_stress_inputs_get(portfolio=portfolio, as_of=as_of)
    book, sens, cov, nav = stress_inputs_load(stored["inputs"])
    reason = book["reason"].where(book["reason"].notna(), None)
    ok = reason.isna().to_numpy()
    excluded = [
        {"position_id": str(pid), "symbol": sym, "reason": r}
        for pid, sym, r in zip(book.index[~ok], book["symbol"][~ok], reason[~ok], strict=True)
    ]
    return {
        "as_of_date": stored["as_of_date"],
        "stale": stored["stale"],
        "data_source": stored["data_source"],
        "book": book[ok],
        "sens": sens[ok],
        "cov": cov,
        "nav": nav,
        "excluded": excluded,
    }


def risk_desk_meta(portfolio: Portfolio, stored: dict[str, Any]) -> dict[str, Any]:
    """The fields every risk-desk payload shares (portfolio, NAV, dates, source, excluded rows)."""
    return {
        "portfolio_id": str(portfolio.id),
        "portfolio_value": money(stored["nav"]),
        "as_of_date": stored["as_of_date"],
        "calculated_at": timezone.now(),
        "data_source": stored["data_source"],
        "stale": stored["stale"],
        "excluded": stored["excluded"],
    }


def _money_grid(grid: np.ndarray) -> list[list[float | None]]:
    return [[money(v) for v in row] for row in np.asarray(grid, dtype=np.float64)]


def option_grid_compute(
    *,
    portfolio: Portfolio,
    spot_moves: Sequence[float] = DEFAULT_SPOT_MOVES,
    vol_moves: Sequence[float] = DEFAULT_VOL_MOVES,
    as_of: Any = None,
) -> dict[str, Any]:
    """The option risk grid of the stored book (API.md ``/option-grid``): total and per-underlying
    P&L (USD, rows = vol moves, columns = spot moves) and the cells where an underlying's net delta
    changes sign."""
    stored = stored_book(portfolio=portfolio, as_of=as_of)
    book: pd.DataFrame = stored["book"]
    groups = [str(s) for s in book["risk_symbol"]]
    grid = option_grid(book_position_set(book), groups, spot_moves, vol_moves)
    nav = stored["nav"]
    with np.errstate(divide="ignore", invalid="ignore"):
        pnl_percent = grid.pnl / nav * 100.0 if np.isfinite(nav) and nav > 0 else grid.pnl * np.nan
    return {
        **risk_desk_meta(portfolio, stored),
        "spot_moves": list(grid.spot_moves),
        "vol_moves": list(grid.vol_moves),
        "pnl": _money_grid(grid.pnl),
        "pnl_percent": [[percent(v) for v in row] for row in pnl_percent],
        "by_underlying": [
            {
                "underlying_symbol": symbol,
                "pnl": _money_grid(values),
                "delta_dollars": money(grid.base_delta_dollars[symbol]),
            }
            for symbol, values in sorted(grid.by_group.items())
        ],
        "delta_sign_flips": [
            {"symbol": symbol, "spot_move": spot, "vol_move": vol} for symbol, spot, vol in grid.flips
        ],
        "conventions": option_grid_conventions(),
    }


#: Decimals of the reported factor moves (as the /scenarios factor_moves).
MOVE_DIGITS = 8


def reverse_stress_compute(
    *, portfolio: Portfolio, loss_percent: float, propagation: str = "conditional", as_of: Any = None
) -> dict[str, Any]:
    """The reverse stress test of the stored book (API.md ``/reverse-stress``): the minimum
    Mahalanobis-distance move of the 11 stress variables losing ``loss_percent`` of NAV.

    All 11 moves are returned, so POSTing them as ``shocks`` to /scenarios/custom shocks every
    variable and either ``propagation`` gives the same P&L (``propagation`` is echoed)."""
    stored = stored_book(portfolio=portfolio, as_of=as_of)
    book: pd.DataFrame = stored["book"]
    nav = stored["nav"]
    target = loss_percent / 100.0 * nav if np.isfinite(nav) and nav > 0 else float("nan")
    if not np.isfinite(target):
        raise InsufficientData(
            "The portfolio has no positive NAV to take a share of.",
            {"missing": "a positive NAV", "portfolio_id": str(portfolio.id)},
        )
    result = reverse_stress(
        book_position_set(book),
        stored["sens"],
        stored["cov"],
        target,
        vix_options=vix_option_flags(book),
        bounds=SHOCK_RANGES,  # what POST /scenarios/custom accepts
    )
    return {
        **risk_desk_meta(portfolio, stored),
        "loss_percent": loss_percent,
        "propagation": propagation,
        "target_loss": money(result.target_loss),
        "achieved_loss": money(result.achieved_loss),
        "achieved": result.achieved,
        "mahalanobis_distance": number(result.mahalanobis_distance, 6),
        "linear_mahalanobis_distance": number(result.linear_distance, 6),
        "method": result.method,
        "factor_moves": {k: number(v, MOVE_DIGITS) for k, v in result.factor_moves.items()},
        "linear_factor_moves": {k: number(v, MOVE_DIGITS) for k, v in result.linear_moves.items()},
        "by_position": [
            {
                "position_id": str(pid),
                "symbol": symbol,
                "dollar_impact": money(p),
                "percentage_impact": percent(p / nav * 100.0),
            }
            for pid, symbol, p in zip(book.index, book["symbol"], result.position_pnl, strict=True)
        ],
        "conventions": reverse_stress_conventions(),
    }
