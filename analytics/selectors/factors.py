"""Factor-model reads: the engine's input frames (batch) and the stored results (API).

Inputs (a constant number of queries for any number of portfolios or positions):
- :func:`position_exposures_frame`: held positions with their stored delta-adjusted exposure
  (USD, signed) of the date; options carry their underlying as ``risk_symbol``.
- :func:`factor_price_window`: adjusted closes [date x symbol] on the factor ETFs' calendar.
- :func:`simple_returns`: simple daily returns (decimal) of such a frame.
- :func:`factor_correlation_compute`: the factor regressors' correlation over a window, now.

Outputs for the API: :func:`factor_exposures_get`, :func:`factor_definitions_list`,
:func:`factor_correlation_get`. Non-finite numbers become ``None`` here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from django.db.models import Max
from django.utils import timezone

from analytics.engines.conventions import FACTOR_WINDOW
from analytics.engines.factors import factor_correlation, factor_regressors
from analytics.models import (
    FactorCorrelation,
    PortfolioAggregate,
    PortfolioFactorExposure,
    PositionValuation,
    SymbolFactorExposure,
)
from analytics.selectors.access import require
from analytics.selectors.conventions import (
    factor_correlations_conventions,
    factor_definition_conventions,
    factor_exposures_conventions,
)
from analytics.selectors.staleness import result_stale
from marketdata.models import FactorDefinition
from marketdata.selectors import data_source, macro_frame, model_factor_etfs, price_frame
from portfolios.holdings import held_on, positions_frame
from portfolios.models import OPTION_TYPES, Portfolio, Position
from sigmasight.api.exceptions import InsufficientData
from sigmasight.api.numbers import money, number

#: The macro proxies of DESIGN.md: Interest Rate = daily change of DGS10 (decimal), Oil, International.
RATE_SERIES = "DGS10"
OIL_ETF = "USO"
INTERNATIONAL_ETF = "EWG"
MACRO_ETFS: Mapping[str, str] = {
    "Interest Rate": RATE_SERIES,
    "Oil": OIL_ETF,
    "International": INTERNATIONAL_ETF,
}
CAPM_FACTOR = "CAPM"
CAPM_BENCHMARK = "SPY"

EXPOSURE_COLUMNS = [
    "position_id",
    "portfolio_id",
    "symbol",
    "risk_symbol",
    "is_option",
    "exposure",
    "has_valuation",
]


def window_start(as_of: dt.date, sessions: int) -> dt.date:
    """A calendar date safely before the first of ``sessions`` trading sessions ending at ``as_of``."""
    return as_of - dt.timedelta(days=int(sessions * 1.5) + 20)


# --- batch inputs -------------------------------------------------------------------------------


def position_exposures_frame(*, portfolio_ids: Sequence[str], as_of: dt.date) -> pd.DataFrame:
    """Held positions of the portfolios on ``as_of`` with their stored delta-adjusted exposure.

    Columns: position_id, portfolio_id, symbol, risk_symbol (the underlying for options),
    is_option, exposure (USD, signed; NaN when the valuation has none), has_valuation (a
    PositionValuation row exists for the date). Two queries.
    """
    positions = positions_frame(portfolio_ids=list(portfolio_ids), as_of=as_of)
    if positions.empty:
        return pd.DataFrame(columns=EXPOSURE_COLUMNS)
    rows = list(
        PositionValuation.objects.filter(portfolio_id__in=list(portfolio_ids), as_of_date=as_of).values_list(
            "position_id", "delta_adjusted_exposure"
        )
    )
    stored = {str(pid): (np.nan if e is None else float(e)) for pid, e in rows}
    ids = positions["id"]
    frame = pd.DataFrame(
        {
            "position_id": ids.to_numpy(),
            "portfolio_id": positions["portfolio_id"].to_numpy(),
            "symbol": positions["symbol"].to_numpy(),
            "risk_symbol": positions["risk_symbol"].replace("", np.nan).to_numpy(),
            "is_option": positions["is_option"].to_numpy(dtype=bool),
            "exposure": np.array([stored.get(pid, np.nan) for pid in ids], dtype=np.float64),
            "has_valuation": np.array([pid in stored for pid in ids], dtype=bool),
        }
    )
    return frame


def portfolio_navs(*, portfolio_ids: Sequence[str], as_of: dt.date) -> dict[str, float]:
    """NAV (USD) per portfolio from the stored aggregation of ``as_of`` (absent: not aggregated)."""
    rows = PortfolioAggregate.objects.filter(portfolio_id__in=list(portfolio_ids), as_of_date=as_of)
    return {str(pid): float(nav) for pid, nav in rows.values_list("portfolio_id", "nav")}


def factor_price_window(
    *, symbols: Sequence[str], factor_etfs: Mapping[str, str], as_of: dt.date, sessions: int
) -> pd.DataFrame:
    """Adjusted closes [date x symbol] of ``symbols`` and the factor ETFs, one query.

    Rows are the dates on which at least one factor ETF has a bar (the market calendar, so a stray
    bar of one held symbol cannot shift everyone's window), ending at ``as_of``, with enough history
    for ``sessions`` returns. Missing bars stay NaN.
    """
    etfs = list(dict.fromkeys(factor_etfs.values()))
    columns = list(dict.fromkeys([*etfs, *symbols]))
    prices = price_frame(symbols=columns, start=window_start(as_of, sessions + 1), end=as_of)
    calendar = prices[etfs].dropna(how="all").index
    return prices.reindex(calendar)


def simple_returns(prices: pd.DataFrame) -> pd.DataFrame:
    """Simple daily returns P_t / P_{t-1} - 1 (decimal); a missing bar gives NaN that day and the next."""
    return prices.pct_change(fill_method=None).iloc[1:]


def rate_changes(*, as_of: dt.date, sessions: int) -> pd.Series:
    """DGS10 level (decimal) by date over the window, for the Interest Rate regressor (one query)."""
    frame = macro_frame(series_ids=[RATE_SERIES], start=window_start(as_of, sessions + 1), end=as_of)
    if frame.empty:
        return pd.Series(dtype=np.float64, name=RATE_SERIES)
    return frame[RATE_SERIES].astype(np.float64)


@dataclass(frozen=True)
class FactorCorrelationComputed:
    """The engine's factor correlation plus the number of dates it used."""

    names: list[str]
    matrix: np.ndarray
    condition_number: float
    warnings: list[dict[str, object]]
    observations: int


def factor_correlation_from_prices(
    prices: pd.DataFrame, factor_etfs: Mapping[str, str], lookback_days: int
) -> FactorCorrelationComputed:
    """Correlation of the factor regressors (Market = SPY return, styles = ETF - SPY spreads).

    ``prices``: adjusted closes with the factor ETF columns; only dates where one of them has a bar
    count. Window: the last ``lookback_days`` daily returns; dates where every regressor is finite.
    """
    etfs = list(dict.fromkeys(factor_etfs.values()))
    etf_prices = prices.reindex(columns=etfs).dropna(how="all")
    regressors = factor_regressors(simple_returns(etf_prices), factor_etfs)
    result = factor_correlation(regressors, window=lookback_days)
    tail = regressors.iloc[-lookback_days:].to_numpy(dtype=np.float64)
    observations = int(np.isfinite(tail).all(axis=1).sum()) if tail.size else 0
    return FactorCorrelationComputed(
        names=list(result.names),
        matrix=result.matrix,
        condition_number=result.condition_number,
        warnings=list(result.warnings),
        observations=observations,
    )


def factor_correlation_compute(*, as_of: dt.date, lookback_days: int) -> FactorCorrelationComputed:
    """The factor correlation matrix over ``lookback_days`` returns ending at ``as_of`` (one query)."""
    etfs = model_factor_etfs()
    prices = price_frame(symbols=list(etfs.values()), start=window_start(as_of, lookback_days + 1), end=as_of)
    return factor_correlation_from_prices(prices, etfs, lookback_days)


def correlation_matrix_payload(computed: FactorCorrelationComputed) -> dict[str, Any]:
    """JSON-ready matrix (nested lists, None for non-finite), condition number and warnings."""
    return {
        "factors": list(computed.names),
        "matrix": [[number(v) for v in row] for row in np.asarray(computed.matrix, dtype=np.float64)],
        "condition_number": number(computed.condition_number),
        "warnings": [{**w, "correlation": number(w.get("correlation"))} for w in computed.warnings],
        "observations": computed.observations,
    }


# --- API outputs --------------------------------------------------------------------------------


def factor_definitions_list() -> list[dict[str, Any]]:
    """The active factor definitions in display order (the 7 model factors, then the macro ones),
    each with the ``data_source`` of its proxy's stored prices (3 queries)."""
    rows = list(FactorDefinition.objects.filter(is_active=True).order_by("display_order", "name"))
    source = data_source(symbols=sorted({f.etf_symbol for f in rows if f.etf_symbol}) or None)
    return [
        {
            "name": f.name,
            "etf_symbol": f.etf_symbol,
            "description": f.description,
            "calculation_method": f.calculation_method,
            "display_order": f.display_order,
            "kind": f.kind,
            "data_source": source,
            "conventions": factor_definition_conventions(kind=f.kind, etf_symbol=f.etf_symbol),
        }
        for f in rows
    ]


def _held_positions(portfolio: Portfolio, as_of: dt.date) -> list[tuple[str, str, str]]:
    """(position id, symbol, risk symbol) of the positions held on ``as_of``, one query."""
    rows = (
        Position.objects.filter(portfolio=portfolio)
        .filter(held_on(as_of))
        .order_by("symbol", "entry_date", "id")
        .values_list("id", "symbol", "underlying_symbol", "position_type")
    )
    options = {str(t) for t in OPTION_TYPES}
    return [
        (str(pid), symbol, (underlying or symbol) if ptype in options else symbol)
        for pid, symbol, underlying, ptype in rows
    ]


def factor_exposures_get(
    *, portfolio: Portfolio, view: str = "portfolio", as_of_date: dt.date | None = None
) -> dict[str, Any]:
    """The stored factor exposures of the portfolio (latest date unless ``as_of_date``).

    Portfolio level: ``beta`` = exposure_dollar / NAV (the NAV-weighted beta of the holdings);
    t_stat, p_value, r_squared and observations come from the OLS of the portfolio's hypothetical
    daily dollar P&L (today's delta-adjusted exposures x past returns) on the same regressors.
    ``view="positions"`` adds each held position's symbol-level regression (options: the
    underlying's). 422 when the batch has not produced the exposures yet. Constant query count.
    """
    qs = PortfolioFactorExposure.objects.filter(portfolio=portfolio)
    if as_of_date is None:
        latest = qs.aggregate(latest=Max("as_of_date"))["latest"]
        as_of = require(latest, what="factor exposures", portfolio=portfolio)
    else:
        as_of = as_of_date
    rows = list(qs.filter(as_of_date=as_of).values())
    require(rows or None, what="factor exposures", portfolio=portfolio, as_of=as_of)

    definitions = {f.name: f for f in FactorDefinition.objects.all()}
    by_kind: dict[str, list[Mapping[str, Any]]] = {"model": [], "capm": [], "macro": []}
    for row in rows:
        by_kind.setdefault(row["kind"], []).append(row)

    def item(row: Mapping[str, Any]) -> dict[str, Any]:
        definition = definitions.get(row["factor"])
        etf = CAPM_BENCHMARK if row["kind"] == "capm" else (definition.etf_symbol if definition else None)
        return {
            "name": row["factor"],
            "etf_symbol": etf,
            "beta": number(row["exposure"]),
            "exposure_dollar": money(row["exposure_dollar"]),
            "t_stat": number(row["t_stat"]),
            "p_value": number(row["p_value"]),
        }

    def order(row: Mapping[str, Any]) -> tuple[int, str]:
        definition = definitions.get(row["factor"])
        return (definition.display_order if definition else 10_000, row["factor"])

    model_rows = sorted(by_kind["model"], key=order)
    head = model_rows[0] if model_rows else {}
    capm = by_kind["capm"][0] if by_kind["capm"] else None
    macro_rows = sorted(by_kind["macro"], key=order)
    held = _held_positions(portfolio, as_of)
    model_etfs = [definitions[r["factor"]].etf_symbol for r in model_rows if r["factor"] in definitions]

    body: dict[str, Any] = {
        "portfolio_id": str(portfolio.id),
        "view": view,
        "factors": [item(r) for r in model_rows],
        "r_squared": number(head.get("r_squared")),
        "observations": int(head.get("observations") or 0),
        "window_days": FACTOR_WINDOW,
        "coverage": number(head.get("coverage")),
        "capm": (
            {
                "benchmark": CAPM_BENCHMARK,
                "beta": number(capm["exposure"]),
                "exposure_dollar": money(capm["exposure_dollar"]),
                "t_stat": number(capm["t_stat"]),
                "p_value": number(capm["p_value"]),
                "r_squared": number(capm["r_squared"]),
                "observations": int(capm["observations"] or 0),
            }
            if capm
            else None
        ),
        "macro_sensitivities": [item(r) for r in macro_rows],
        "as_of_date": as_of,
        "calculated_at": max(r["calculated_at"] for r in rows),
        "stale": result_stale(
            portfolio_id=portfolio.id, engines=("factors",), result_as_of=as_of, requested_as_of=as_of_date
        ),
        "data_source": data_source(symbols=sorted({s for _, _, s in held} | set(model_etfs))),
    }
    if view == "positions":
        ranked = sorted(definitions.values(), key=lambda f: (f.display_order, f.name))
        body["positions"] = _position_rows(
            held,
            as_of,
            model_names=[f.name for f in ranked if f.kind in ("market", "style")],
            macro_names=[f.name for f in ranked if f.name in MACRO_ETFS],
        )
    body["conventions"] = factor_exposures_conventions()
    return body


def _ordered(stored: dict[str, Any] | None, names: Sequence[str]) -> dict[str, float | None]:
    """``names`` first in their order (JSONB keeps no key order), then any other key; null if absent."""
    stored = stored or {}
    keys = [*names, *sorted(k for k in stored if k not in names)]
    return {k: number(stored.get(k)) for k in keys}


def _position_rows(
    held: list[tuple[str, str, str]],
    as_of: dt.date,
    *,
    model_names: Sequence[str],
    macro_names: Sequence[str],
) -> list[dict[str, Any]]:
    """Per-position symbol regressions (one query for the symbols, one for the exposures).

    ``model_names`` / ``macro_names``: the factor names in display order (keys of betas etc.).
    """
    symbols = sorted({s for _, _, s in held})
    fits = {
        f["symbol"]: f
        for f in SymbolFactorExposure.objects.filter(symbol__in=symbols, as_of_date=as_of).values(
            "symbol",
            "betas",
            "t_stats",
            "p_values",
            "r_squared",
            "observations",
            "capm_beta",
            "macro_betas",
            "quality_flag",
        )
    }
    exposures = {
        str(k): v
        for k, v in PositionValuation.objects.filter(
            position_id__in=[pid for pid, _, _ in held], as_of_date=as_of
        ).values_list("position_id", "delta_adjusted_exposure")
    }
    out = []
    for pid, symbol, risk_symbol in held:
        fit = fits.get(risk_symbol)
        out.append(
            {
                "position_id": pid,
                "symbol": symbol,
                "risk_symbol": risk_symbol,
                "delta_adjusted_exposure": money(exposures.get(pid)),
                "betas": _ordered(fit and fit["betas"], model_names),
                "t_stats": _ordered(fit and fit["t_stats"], model_names),
                "p_values": _ordered(fit and fit["p_values"], model_names),
                "r_squared": number(fit["r_squared"]) if fit else None,
                "observations": int(fit["observations"]) if fit else 0,
                "capm_beta": number(fit["capm_beta"]) if fit else None,
                "macro_betas": _ordered(fit and fit["macro_betas"], macro_names),
                "quality_flag": fit["quality_flag"] if fit else "not_computed",
            }
        )
    return out


def factor_correlation_get(*, lookback_days: int = FACTOR_WINDOW) -> dict[str, Any]:
    """The factor correlation matrix: the stored batch result for 252 days, else computed now.

    Other windows are computed from stored ETF prices as of the latest stored result's date, so
    every window answers 422 until the batch has run once.
    """
    stored = FactorCorrelation.objects.filter(lookback_days=FACTOR_WINDOW).order_by("-as_of_date").first()
    if stored is None:
        raise InsufficientData(
            "No factor correlation matrix yet.",
            {
                "missing": "factor correlation matrix",
                "how_to_fix": (
                    "Run the batch (POST /api/v1/system/batch/run-all or /system/batch/factors as staff, "
                    "or `manage.py run_batch`)."
                ),
            },
        )
    etfs = model_factor_etfs()
    if lookback_days == FACTOR_WINDOW:
        body: dict[str, Any] = {
            "factors": list(stored.factors),
            "matrix": stored.matrix,
            "condition_number": number(stored.condition_number),
            "warnings": list(stored.warnings),
            "observations": stored.observations,
            "calculated_at": stored.calculated_at,
            "source": "batch",
        }
    else:
        computed = factor_correlation_compute(as_of=stored.as_of_date, lookback_days=lookback_days)
        body = {
            **correlation_matrix_payload(computed),
            "calculated_at": timezone.now(),
            "source": "on_request",
        }
    body.update(
        {
            "lookback_days": lookback_days,
            "as_of_date": stored.as_of_date,
            "data_source": data_source(symbols=list(etfs.values())),
        }
    )
    body["conventions"] = factor_correlations_conventions(lookback_days=lookback_days)
    return body
