"""Stress tests of engine 7: library scenarios in the batch, custom scenarios on request.

The math is ``analytics.engines.stress`` (conditional or isolated factor moves on the EWMA
covariance with the VIX in log changes, betas and macro sensitivities, full revaluation of options
with their exercise style at r + the Interest Rate move, VIX options moved by the Volatility move
itself, severity bands). This module
builds the engine's inputs from a book (``risk_book``), turns results into stored rows, and
re-runs the engine for a custom scenario on the exact inputs the batch stored
(``RiskMetrics.stress_inputs``), so a custom scenario equal to a library one gives the same
numbers. Units: impacts USD signed (gain > 0), percentages of NAV x 100.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from django.utils import timezone

from analytics.engines.stress import (
    STRESS_VARIABLES,
    VIX_SYMBOLS,
    Scenario,
    run_stress_tests,
    severity,
)
from analytics.models import StressScenario
from analytics.selectors import risk as risk_selectors
from analytics.selectors.conventions import scenarios_conventions
from analytics.selectors.risk_book import book_position_set
from analytics.selectors.risk_inputs import stress_scenarios_active
from portfolios.models import Portfolio
from sigmasight.api.numbers import money, number, numbers

__all__ = [
    "book_sensitivities",
    "scenario_from_model",
    "scenario_total",
    "stress_custom_evaluate",
    "stress_scenarios_evaluate",
    "stress_scenarios_on_request",
    "vix_option_flags",
    "stress_inputs_dump",
    "stress_inputs_load",
    "StressOutcome",
    "stress_book_run",
    "stress_result_fields",
]

_INPUT_COLUMNS = [
    "portfolio_id",
    "symbol",
    "risk_symbol",
    "side",
    "exposure",
    "reason",
    "is_option",
    "is_call",
    "is_american",
    "quantity",
    "multiplier",
    "price",
    "strike",
    "expiry_years",
    "rate",
    "dividend_yield",
    "sigma",
]


def book_sensitivities(book: pd.DataFrame, betas: pd.DataFrame) -> pd.DataFrame:
    """Positions x stress variables: the risk symbol's factor betas and macro sensitivities.

    ``betas``: risk symbol x variables (columns of :data:`STRESS_VARIABLES`; missing columns and
    symbols are NaN). Options carry their underlying's row. A row of NaN = unmodeled.
    """
    return betas.reindex(index=book["risk_symbol"], columns=list(STRESS_VARIABLES)).set_axis(
        book.index, axis=0
    )


def scenario_from_model(scenario: StressScenario) -> Scenario:
    """The engine's Scenario of a stored one."""
    return Scenario(
        id=scenario.id,
        name=scenario.name,
        category=scenario.category,
        description=scenario.description,
        shocks={str(k): float(v) for k, v in (scenario.shocks or {}).items()},
    )


@dataclass(frozen=True, eq=False)
class StressBookColumns:
    """A book's per-position columns as plain lists (one conversion per portfolio, not per
    scenario) and its rows without any finite sensitivity."""

    ids: list[Any]
    symbols: list[Any]
    sides: list[Any]
    reasons: list[Any]
    no_betas: np.ndarray


def stress_book_columns(book: pd.DataFrame, sens: pd.DataFrame) -> StressBookColumns:
    no_betas = ~np.isfinite(sens.to_numpy(dtype=np.float64)).any(axis=1) if len(sens) else np.zeros(0, bool)
    return StressBookColumns(
        ids=list(book.index),
        symbols=list(book["symbol"]),
        sides=list(book["side"]),
        reasons=list(book["reason"]),
        no_betas=no_betas,
    )


def scenario_total(pnl: np.ndarray) -> float:
    """A scenario's dollar impact on a portfolio (USD): the sum of its positions' finite P&Ls
    (NaN = unmodeled, as the engine sums); 0 for a portfolio without positions."""
    pnl = np.asarray(pnl, dtype=np.float64)
    return float(np.nansum(pnl)) if pnl.size else 0.0


def stress_result_fields(
    *,
    book: pd.DataFrame,
    sens: pd.DataFrame,
    shocks: Mapping[str, float],
    factor_moves: Mapping[str, float],
    pnl: np.ndarray,
    returns: np.ndarray,
    nav: float,
    prepared: StressBookColumns | None = None,
) -> dict[str, Any]:
    """The stored fields of one scenario's result for one portfolio (StressTestResult minus keys).

    ``pnl`` (USD) and ``returns`` (fractions) are the engine's per-position outcomes, aligned with
    ``book``; NaN = unmodeled. The total is the sum of the finite P&Ls (as the engine sums);
    ``percentage_impact`` = total / NAV x 100 and severity by ``engines.stress.severity``.
    ``prepared``: :func:`stress_book_columns` of ``book`` and ``sens`` (computed when omitted;
    pass it when calling once per scenario on the same book).
    """
    cols = prepared if prepared is not None else stress_book_columns(book, sens)
    pnl = np.asarray(pnl, dtype=np.float64)
    total = scenario_total(pnl)
    valid_nav = bool(np.isfinite(nav) and nav > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        pct = pnl / nav * 100.0 if valid_nav else np.full(pnl.shape, np.nan)
    by_position = [
        {
            "position_id": pid,
            "symbol": symbol,
            "side": side,
            "underlying_return": ret,
            "dollar_impact": p,
            "percentage_impact": pc,
        }
        for pid, symbol, side, ret, p, pc in zip(
            cols.ids,
            cols.symbols,
            cols.sides,
            numbers(np.asarray(returns, dtype=np.float64)),
            numbers(pnl),
            numbers(pct),
            strict=True,
        )
    ]
    no_betas = cols.no_betas
    unmodeled = [
        {
            "position_id": pid,
            "symbol": symbol,
            "reason": reason or ("no_factor_betas" if flag else "not_revaluable"),
        }
        for pid, symbol, reason, flag, ok in zip(
            cols.ids, cols.symbols, cols.reasons, no_betas, np.isfinite(pnl), strict=True
        )
        if not ok
    ]
    return {
        "portfolio_value": float(nav),
        "dollar_impact": total,
        "percentage_impact": number(total / nav * 100.0) if valid_nav else None,
        "new_portfolio_value": float(nav) + total,
        "severity": severity(total, nav),
        "shocks": {str(k): float(v) for k, v in shocks.items()},
        "factor_moves": {k: number(v) for k, v in factor_moves.items()},
        "by_position": by_position,
        "unmodeled": unmodeled,
    }


@dataclass(frozen=True, eq=False)
class StressOutcome:
    """Every scenario on a book: ``pnl`` and ``returns`` are scenarios x positions (USD and
    fractions, NaN = unmodeled); ``factor_moves`` one dict per scenario."""

    scenarios: tuple[Scenario, ...]
    factor_moves: tuple[dict[str, float], ...]
    pnl: np.ndarray
    returns: np.ndarray


def vix_option_flags(book: pd.DataFrame) -> np.ndarray:
    """True for the book's options on the VIX (their underlying moves by the Volatility move)."""
    return book["is_option"].to_numpy(dtype=bool) & book["risk_symbol"].isin(VIX_SYMBOLS).to_numpy()


def stress_book_run(
    book: pd.DataFrame,
    sens: pd.DataFrame,
    scenarios: Sequence[Scenario],
    cov: pd.DataFrame,
    *,
    propagation: str = "conditional",
) -> StressOutcome:
    """Runs the scenarios on a book (one engine call, however many portfolios the book spans:
    the factor moves are computed once per scenario). ``propagation``: ``conditional`` (the
    unshocked variables move by their conditional expectation) or ``isolated`` (only the shocked
    ones move). Totals and percentages are per portfolio, in :func:`stress_result_fields`."""
    results = run_stress_tests(
        list(scenarios),
        cov,
        book_position_set(book),
        sens,
        float("nan"),
        vix_options=vix_option_flags(book),
        propagation=propagation,
    )
    n = len(book)
    pnl = np.array([r.positions["pnl"].to_numpy() for r in results], dtype=np.float64).reshape(
        len(results), n
    )
    rets = np.array([r.positions["underlying_return"].to_numpy() for r in results], dtype=np.float64).reshape(
        len(results), n
    )
    return StressOutcome(tuple(scenarios), tuple(r.factor_moves for r in results), pnl, rets)


def stress_inputs_dump(
    book: pd.DataFrame, sens: pd.DataFrame, cov: pd.DataFrame, nav: float
) -> dict[str, Any]:
    """JSON-safe copy of a stress run's inputs (stored on the portfolio view's RiskMetrics)."""
    columns: dict[str, list[Any]] = {"position_id": list(book.index)}
    for col in _INPUT_COLUMNS:
        values = book[col].tolist()
        if col in ("is_option", "is_call", "is_american"):
            columns[col] = [bool(v) for v in values]
        elif col in ("portfolio_id", "symbol", "risk_symbol", "side", "reason"):
            columns[col] = [
                None if v is None or (isinstance(v, float) and np.isnan(v)) else str(v) for v in values
            ]
        else:
            columns[col] = numbers(values)
    return {
        "nav": number(nav),
        "variables": list(cov.index),
        "covariance": [numbers(row) for row in cov.to_numpy()],
        "sensitivity_variables": list(sens.columns),
        "sensitivities": [numbers(row) for row in sens.to_numpy()],
        "positions": columns,
    }


def stress_inputs_load(inputs: Mapping[str, Any]) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, float]:
    """(book, sensitivities, covariance, nav) from :func:`stress_inputs_dump`'s output."""
    positions = dict(inputs["positions"])
    ids = positions.pop("position_id")
    book = pd.DataFrame(positions, index=pd.Index(ids, name="position_id"))
    for col in (
        "quantity",
        "multiplier",
        "price",
        "strike",
        "expiry_years",
        "rate",
        "dividend_yield",
        "sigma",
        "exposure",
    ):
        book[col] = pd.to_numeric(book[col], errors="coerce").astype(float)
    book["is_option"] = book["is_option"].astype(bool)
    book["is_call"] = book["is_call"].astype(bool)
    # Inputs stored before exercise styles were recorded: European (what they were priced with).
    book["is_american"] = book.get("is_american", pd.Series(False, index=book.index)).astype(bool)
    variables = list(inputs["variables"])
    cov = pd.DataFrame(
        np.array(inputs["covariance"], dtype=float).reshape(len(variables), len(variables)),
        index=variables,
        columns=variables,
    )
    sens = pd.DataFrame(
        np.array(inputs["sensitivities"], dtype=float).reshape(
            len(ids), len(inputs["sensitivity_variables"])
        ),
        index=book.index,
        columns=list(inputs["sensitivity_variables"]),
    )
    nav = inputs.get("nav")
    return book, sens, cov, float("nan") if nav is None else float(nav)


def stress_custom_evaluate(
    *,
    inputs: Mapping[str, Any],
    name: str,
    shocks: Mapping[str, float],
    description: str = "",
    propagation: str = "conditional",
) -> dict[str, Any]:
    """Runs one custom scenario now on the stored inputs of the batch; returns the stored-row
    fields (see :func:`stress_result_fields`) of the result. Shocks must be validated already."""
    scenario = Scenario(
        id="custom", name=name, category="custom", description=description, shocks=dict(shocks)
    )
    return stress_scenarios_evaluate(inputs=inputs, scenarios=[scenario], propagation=propagation)[0]


def stress_scenarios_evaluate(
    *, inputs: Mapping[str, Any], scenarios: Sequence[Scenario], propagation: str
) -> list[dict[str, Any]]:
    """Runs scenarios now on the stored inputs of the batch (custom scenarios, or library ones with
    ``propagation="isolated"``, which the batch does not store); the stored-row fields of each."""
    book, sens, cov, nav = stress_inputs_load(inputs)
    outcome = stress_book_run(book, sens, scenarios, cov, propagation=propagation)
    return [
        stress_result_fields(
            book=book,
            sens=sens,
            shocks=scenario.shocks,
            factor_moves=outcome.factor_moves[j],
            pnl=outcome.pnl[j],
            returns=outcome.returns[j],
            nav=nav,
        )
        for j, scenario in enumerate(scenarios)
    ]


def stress_scenarios_on_request(
    *,
    portfolio: Portfolio,
    user: Any,
    view: str,
    as_of: Any = None,
    propagation: str = "conditional",
    scenario_ids: Sequence[str] | None = None,
    custom: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Scenarios computed now on the inputs the batch stored, in the /scenarios response shape.

    Either library (and the user's own) scenarios — ``scenario_ids`` or every active one, used for
    ``propagation="isolated"``, which the batch does not store — or one ``custom`` scenario
    (``{name, description, shocks}``, shocks validated). Nothing is written.
    """
    stored = risk_selectors.risk_stress_inputs_get(portfolio=portfolio, as_of=as_of)
    if custom is not None:
        meta = [
            {
                "id": "custom",
                "name": custom["name"],
                "category": "custom",
                "description": custom.get("description", ""),
                "window": None,
                "source": None,
            }
        ]
        scenarios = [
            Scenario(
                id="custom",
                name=custom["name"],
                category="custom",
                description=custom.get("description", ""),
                shocks=dict(custom["shocks"]),
            )
        ]
    else:
        if scenario_ids:
            found = risk_selectors.visible_scenarios(user=user, ids=scenario_ids)
            models = [found[i] for i in scenario_ids]
        else:
            models = stress_scenarios_active(owner_ids=[portfolio.owner_id])
        meta = [
            {
                "id": m.id,
                "name": m.name,
                "category": m.category,
                "description": m.description,
                "window": m.window or None,
                "source": m.source or None,
            }
            for m in models
        ]
        scenarios = [scenario_from_model(m) for m in models]
    fields = stress_scenarios_evaluate(inputs=stored["inputs"], scenarios=scenarios, propagation=propagation)
    nav = fields[0]["portfolio_value"] if fields else stored["inputs"].get("nav")
    return {
        "conventions": scenarios_conventions(propagation=propagation),
        "portfolio_id": str(portfolio.id),
        "view": view,
        "propagation": propagation,
        "portfolio_value": money(nav),
        "calculation_date": stored["as_of_date"],
        "as_of_date": stored["as_of_date"],
        "calculated_at": timezone.now(),
        "stale": stored["stale"],
        "data_source": stored["data_source"],
        "scenarios": [
            risk_selectors.scenario_payload(scenario=m, fields=f, nav=f["portfolio_value"], view=view)
            for m, f in zip(meta, fields, strict=True)
        ],
    }
