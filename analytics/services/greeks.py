"""Batch engine 4 (options Greeks) and the on-demand Greeks calculator.

- :func:`greeks_step`: the batch service. For the option positions held on ``as_of`` it reads the
  market inputs (:func:`analytics.selectors.market_inputs.option_greeks_frame`: S = underlying close,
  T = calendar days / 365, r = DGS3MO, q = dividend yield else 0, sigma = implied vol else 60-day
  realized vol floored at 5%) and upserts one :class:`~analytics.models.PositionGreeks` row per
  option and date. Options whose inputs are missing are stored with null Greeks and listed in the
  notes (nothing is invented); rows of that date for positions no longer held are deleted; expired
  options (days_to_expiry <= 0) get zero Greeks.
- :func:`greeks_calculate`: Greeks of explicit option inputs computed now (no batch), filling the
  missing inputs from stored market data as of the latest bar date.

Units (DESIGN.md "Greeks"): per-share delta, gamma per USD 1 of S, theta USD per calendar day,
vega USD per 1 vol point, rho USD per 1 rate point; position Greek = per-share x multiplier x signed
quantity; delta_dollars = delta x S x multiplier x quantity; gamma_dollars = gamma x S^2 x 0.01 x
multiplier x quantity. All math is in :mod:`analytics.engines.greeks`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from django.db import transaction
from django.utils import timezone

from analytics.batch.result import EngineResult
from analytics.engines.greeks import SIGMA_GIVEN, SIGMA_UNAVAILABLE, greeks_totals, option_position_greeks
from analytics.engines.option_pricer import is_american_exercise
from analytics.models import PositionGreeks
from analytics.selectors import market_inputs
from analytics.selectors.conventions import greeks_conventions
from analytics.selectors.greeks import GREEKS_UNITS, greek_value
from marketdata import selectors as market_selectors
from portfolios.holdings import positions_frame
from sigmasight.api.exceptions import InsufficientData
from sigmasight.api.numbers import number, numbers

__all__ = [
    "MAX_CALCULATE_POSITIONS",
    "greeks_calculate",
    "greeks_step",
    "position_greeks_upsert",
]

#: Most positions one POST /analytics/risk/greeks/calculate request may carry.
MAX_CALCULATE_POSITIONS = 1000

_UPDATE_FIELDS = [
    "portfolio",
    "underlying_price",
    "days_to_expiry",
    "volatility",
    "volatility_source",
    "exercise",
    "risk_free_rate",
    "dividend_yield",
    "price",
    "delta",
    "gamma",
    "theta",
    "vega",
    "rho",
    "position_delta",
    "position_gamma",
    "position_theta",
    "position_vega",
    "position_rho",
    "delta_dollars",
    "gamma_dollars",
]

#: Engine frame column -> PositionGreeks field (the numeric ones).
_FRAME_TO_FIELD = {
    "S": "underlying_price",
    "sigma": "volatility",
    "rate": "risk_free_rate",
    "price": "price",
    "delta": "delta",
    "gamma": "gamma",
    "theta": "theta",
    "vega": "vega",
    "rho": "rho",
    "position_delta": "position_delta",
    "position_gamma": "position_gamma",
    "position_theta": "position_theta",
    "position_vega": "position_vega",
    "position_rho": "position_rho",
    "delta_dollars": "delta_dollars",
    "gamma_dollars": "gamma_dollars",
}


def _missing_inputs(frame: pd.DataFrame) -> pd.DataFrame:
    """Boolean [position x input] frame of the inputs a live option lacks (expired ones need only S).

    ``frame`` is the engine frame of :func:`option_greeks_frame` (columns S, K, sigma, rate, expired).
    """
    live = ~frame["expired"].to_numpy(dtype=bool)
    return pd.DataFrame(
        {
            "underlying_price": ~np.isfinite(frame["S"].to_numpy(dtype=float)),
            "strike": ~np.isfinite(frame["K"].to_numpy(dtype=float)),
            "volatility": live & ~np.isfinite(frame["sigma"].to_numpy(dtype=float)),
            "risk_free_rate": live & ~np.isfinite(frame["rate"].to_numpy(dtype=float)),
        },
        index=frame.index,
    )


# Batch engine 4 --------------------------------------------------------------------------------


def greeks_step(*, as_of: dt.date, portfolio_ids: Sequence[Any]) -> EngineResult:
    """Computes and stores the Greeks of the option positions of the portfolios held on ``as_of``.

    Queries: positions (1), market inputs (4), upsert (1 per 1,000 rows), stale delete (1).
    Counts: ``options`` rows stored, ``greeks_missing`` rows stored with null Greeks, ``expired``,
    ``stale_deleted``, ``skipped_no_expiration``. Notes: ``missing_inputs`` [{position_id,
    portfolio_id, symbol, missing: [input names]}] and ``no_expiration`` (options without an
    expiration date cannot be priced and are not stored).
    """
    ids = [str(pid) for pid in portfolio_ids]
    held = positions_frame(portfolio_ids=ids, as_of=as_of)
    options = held.loc[held["is_option"]]
    no_expiry = options["expiration_date"].isna()
    skipped = options.loc[no_expiry]
    options = options.loc[~no_expiry]

    rows: list[PositionGreeks] = []
    notes: dict[str, Any] = {}
    missing_count = expired_count = 0
    if not options.empty:
        frame = market_inputs.option_greeks_frame(options=options, as_of=as_of)
        frame["portfolio_id"] = options["portfolio_id"].to_numpy()
        frame["symbol"] = options["symbol"].to_numpy()
        rows = _greeks_rows(frame, as_of=as_of)
        missing = _missing_inputs(frame)
        incomplete = missing.any(axis=1)
        missing_count = int(incomplete.sum())
        expired_count = int(frame["expired"].sum())
        if missing_count:
            flags = missing.to_numpy()
            names = list(missing.columns)
            keys = zip(frame.index, frame["portfolio_id"], frame["symbol"], flags, strict=True)
            notes["missing_inputs"] = [
                {
                    "position_id": str(pid),
                    "portfolio_id": str(port),
                    "symbol": str(sym),
                    "missing": [name for name, flag in zip(names, row, strict=True) if flag],
                }
                for pid, port, sym, row in keys
                if row.any()
            ]
    if not skipped.empty:
        notes["no_expiration"] = [
            {"position_id": pid, "portfolio_id": port, "symbol": sym}
            for pid, port, sym in zip(skipped["id"], skipped["portfolio_id"], skipped["symbol"], strict=True)
        ]

    deleted = position_greeks_upsert(as_of=as_of, portfolio_ids=ids, rows=rows)
    return EngineResult(
        counts={
            "options": len(rows),
            "greeks_missing": missing_count,
            "expired": expired_count,
            "stale_deleted": deleted,
            "skipped_no_expiration": len(skipped),
        },
        notes=notes,
    )


def _greeks_rows(frame: pd.DataFrame, *, as_of: dt.date) -> list[PositionGreeks]:
    """Unsaved PositionGreeks rows from the engine frame (NaN -> null)."""
    columns = {field: numbers(frame[col].to_numpy(dtype=float)) for col, field in _FRAME_TO_FIELD.items()}
    days = frame["days_to_expiry"].to_numpy(dtype=float).astype(np.int64)
    q = np.nan_to_num(frame["dividend_yield"].to_numpy(dtype=float), nan=0.0)
    sources = frame["sigma_source"].to_numpy()
    exercise = frame["exercise"].to_numpy()
    portfolios = frame["portfolio_id"].to_numpy()
    return [
        PositionGreeks(
            position_id=pid,
            portfolio_id=portfolios[i],
            as_of_date=as_of,
            days_to_expiry=int(days[i]),
            dividend_yield=float(q[i]),
            volatility_source=str(sources[i]),
            exercise=str(exercise[i]),
            **{field: values[i] for field, values in columns.items()},
        )
        for i, pid in enumerate(frame.index)
    ]


@transaction.atomic
def position_greeks_upsert(
    *, as_of: dt.date, portfolio_ids: Sequence[str], rows: list[PositionGreeks]
) -> int:
    """Upserts the rows (keyed by position and date) and deletes that date's rows of the portfolios'
    positions not in ``rows`` (no longer held). Returns the number of stale rows deleted."""
    PositionGreeks.objects.bulk_create(
        rows,
        batch_size=1000,
        update_conflicts=True,
        unique_fields=["position", "as_of_date"],
        update_fields=_UPDATE_FIELDS,
    )
    kept = [row.position_id for row in rows]
    deleted, _ = (
        PositionGreeks.objects.filter(portfolio_id__in=list(portfolio_ids), as_of_date=as_of)
        .exclude(position_id__in=kept)
        .delete()
    )
    return deleted


# On-demand calculator --------------------------------------------------------------------------


def greeks_calculate(*, positions: list[dict[str, Any]], as_of: dt.date | None = None) -> dict[str, Any]:
    """Greeks of option positions given explicitly (POST /analytics/risk/greeks/calculate).

    Each position dict (validated by the view) carries ``strike``, ``expiration_date``,
    ``option_type`` ("call"/"put"), signed ``quantity`` (contracts), ``multiplier`` (default 100)
    and optionally ``underlying_symbol``, ``underlying_price``, ``volatility``, ``risk_free_rate``,
    ``dividend_yield`` (decimals). ``as_of`` (the valuation date, T = (expiration - as_of) days /
    365) defaults to the latest stored bar date, else the current market date.

    Missing inputs come from stored data as of ``as_of``: the underlying's close (<= 7 days old),
    DGS3MO, the security's dividend yield (else 0), 60-day realized volatility floored at 5%.
    Expired options (expiration <= as_of) need only the underlying price and get zero Greeks.
    Raises :class:`InsufficientData` (422) listing each missing ``{index, field, message}``.
    Queries: at most 5 (latest bar date, closes, rate, dividend yields, realized-vol history).
    """
    if as_of is None:
        as_of = market_selectors.latest_bar_date()
    if as_of is None:
        from marketdata.providers.registry import market_as_of

        as_of = market_as_of()

    given = pd.DataFrame(
        {
            "underlying_symbol": [(p.get("underlying_symbol") or "").upper() for p in positions],
            "underlying_price": [_nan_if_none(p.get("underlying_price")) for p in positions],
            "strike": [float(p["strike"]) for p in positions],
            "days_to_expiry": [float((p["expiration_date"] - as_of).days) for p in positions],
            "is_call": [p["option_type"] == "call" for p in positions],
            "quantity": [float(p["quantity"]) for p in positions],
            "multiplier": [float(p.get("multiplier") or 100) for p in positions],
            "volatility": [_nan_if_none(p.get("volatility")) for p in positions],
            "risk_free_rate": [_nan_if_none(p.get("risk_free_rate")) for p in positions],
            "dividend_yield": [_nan_if_none(p.get("dividend_yield")) for p in positions],
            "occ_symbol": [(p.get("occ_symbol") or "").upper() for p in positions],
        }
    )
    inputs = _fill_from_store(given, as_of=as_of)
    _raise_if_missing(inputs, given, as_of=as_of)

    frame = option_position_greeks(
        underlying_price=inputs["underlying_price"].to_numpy(),
        strike=inputs["strike"].to_numpy(),
        days_to_expiry=inputs["days_to_expiry"].to_numpy(),
        rate=inputs["risk_free_rate"].to_numpy(),
        dividend_yield=inputs["dividend_yield"].to_numpy(),
        implied_vol=inputs["volatility"].to_numpy(),
        realized_vol=inputs["realized_volatility"].to_numpy(),
        mark_price=inputs["mark_price"].to_numpy(),
        is_american=is_american_exercise(
            list(inputs["underlying_symbol"]), [p.get("exercise") for p in positions]
        ),
        implied_vol_source=SIGMA_GIVEN,
        is_call=inputs["is_call"].to_numpy(),
        quantity=inputs["quantity"].to_numpy(),
        multiplier=inputs["multiplier"].to_numpy(),
        underlying=inputs["underlying_symbol"].to_numpy(),
    )
    totals = greeks_totals(frame)
    symbols = sorted({s for s in inputs["underlying_symbol"] if s})
    return {
        "conventions": greeks_conventions(),
        "positions": _calculated_positions(frame, inputs, positions),
        "totals": {name: greek_value(name, totals[name]) for name in _TOTAL_NAMES},
        "units": dict(GREEKS_UNITS),
        "as_of_date": as_of,
        "calculated_at": timezone.now(),
        "data_source": market_selectors.data_source(symbols=symbols) if symbols else "request",
    }


_TOTAL_NAMES = ("delta", "gamma", "theta", "vega", "rho", "delta_dollars", "gamma_dollars")
_PER_SHARE_NAMES = ("price", "delta", "gamma", "theta", "vega", "rho")


def _nan_if_none(value: Any) -> float:
    return float("nan") if value is None else float(value)


def _fill_from_store(given: pd.DataFrame, *, as_of: dt.date) -> pd.DataFrame:
    """The request inputs with the missing ones read from stored market data (one query per kind).

    Adds ``realized_volatility`` (NaN where a volatility was given) and ``*_source`` columns
    (``request`` or ``store``).
    """
    inputs = given.copy()
    live = inputs["days_to_expiry"].to_numpy() > 0
    has_symbol = inputs["underlying_symbol"].to_numpy(dtype=object) != ""

    need_price = inputs["underlying_price"].isna().to_numpy() & has_symbol
    # The option's own mark (its OCC contract's last bar) implies sigma when none is given.
    need_mark = inputs["volatility"].isna().to_numpy() & live & (inputs["occ_symbol"].to_numpy() != "")
    inputs["mark_price"] = np.nan
    if need_price.any() or need_mark.any():
        wanted = sorted(
            set(inputs.loc[need_price, "underlying_symbol"]) | set(inputs.loc[need_mark, "occ_symbol"])
        )
        close = market_inputs.price_snapshot(symbols=wanted, as_of=as_of).close
        stored = close.reindex(inputs["underlying_symbol"]).to_numpy(dtype=float)
        inputs["underlying_price"] = np.where(need_price, stored, inputs["underlying_price"])
        marks = close.reindex(inputs["occ_symbol"]).to_numpy(dtype=float)
        inputs["mark_price"] = np.where(need_mark, marks, np.nan)

    need_rate = inputs["risk_free_rate"].isna().to_numpy() & live
    if need_rate.any():
        rate = market_inputs.risk_free_rate(as_of=as_of)
        inputs["risk_free_rate"] = np.where(need_rate, rate, inputs["risk_free_rate"])

    need_q = inputs["dividend_yield"].isna().to_numpy() & has_symbol
    if need_q.any():
        q = market_inputs.dividend_yields(symbols=sorted(set(inputs.loc[need_q, "underlying_symbol"])))
        stored_q = q.reindex(inputs["underlying_symbol"]).to_numpy(dtype=float)
        inputs["dividend_yield"] = np.where(need_q, stored_q, inputs["dividend_yield"])
    # DESIGN: q = the security's dividend yield, else 0 (an unknown underlying pays none).
    inputs["dividend_yield"] = inputs["dividend_yield"].fillna(0.0)

    need_vol = inputs["volatility"].isna().to_numpy() & live & has_symbol
    inputs["realized_volatility"] = np.nan
    if need_vol.any():
        vols = market_inputs.realized_vols(
            symbols=sorted(set(inputs.loc[need_vol, "underlying_symbol"])), as_of=as_of
        )
        stored_vol = vols.reindex(inputs["underlying_symbol"]).to_numpy(dtype=float)
        inputs["realized_volatility"] = np.where(need_vol, stored_vol, np.nan)

    for name in ("underlying_price", "risk_free_rate", "dividend_yield", "volatility"):
        inputs[f"{name}_source"] = np.where(given[name].isna().to_numpy(), "store", "request")
    return inputs


def _raise_if_missing(inputs: pd.DataFrame, given: pd.DataFrame, *, as_of: dt.date) -> None:
    """422 INSUFFICIENT_DATA listing every input missing from both the request and the store."""
    live = inputs["days_to_expiry"].to_numpy() > 0
    checks = {
        "underlying_price": ~np.isfinite(inputs["underlying_price"].to_numpy(dtype=float)),
        "volatility": live
        & ~np.isfinite(inputs["volatility"].to_numpy(dtype=float))
        & ~np.isfinite(inputs["mark_price"].to_numpy(dtype=float))
        & ~np.isfinite(inputs["realized_volatility"].to_numpy(dtype=float)),
        "risk_free_rate": live & ~np.isfinite(inputs["risk_free_rate"].to_numpy(dtype=float)),
    }
    problems: list[dict[str, Any]] = []
    symbols = given["underlying_symbol"].to_numpy(dtype=object)
    for field, mask in checks.items():
        for index in np.flatnonzero(mask):
            problems.append(
                {
                    "index": int(index),
                    "field": field,
                    "message": _missing_message(field, symbols[index], as_of),
                }
            )
    if problems:
        problems.sort(key=lambda p: (p["index"], p["field"]))
        first = problems[0]
        raise InsufficientData(
            f"positions[{first['index']}].{first['field']}: {first['message']}",
            {"positions": problems, "as_of_date": as_of.isoformat()},
        )


def _missing_message(field: str, symbol: str, as_of: dt.date) -> str:
    day = as_of.isoformat()
    if field == "risk_free_rate":
        return f"Not in the request and no stored DGS3MO rate on or before {day}."
    if not symbol:
        return f"Not in the request; give it, or an underlying_symbol / occ_symbol to read the {field} from stored data."
    if field == "underlying_price":
        return f"Not in the request and no stored close of {symbol} within 7 days before {day}."
    return (
        f"Not in the request and too little stored history of {symbol} for its 60-day realized "
        f"volatility (at least 20 daily returns before {day})."
    )


def _calculated_positions(
    frame: pd.DataFrame, inputs: pd.DataFrame, positions: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """The output positions: inputs used (with their sources), per-share and position Greeks."""
    out = []
    for i, (row, used) in enumerate(zip(frame.to_dict("records"), inputs.to_dict("records"), strict=True)):
        expired = bool(row["expired"])
        out.append(
            {
                "index": i,
                "occ_symbol": positions[i].get("occ_symbol"),
                "underlying_symbol": used["underlying_symbol"] or None,
                "expiration_date": positions[i]["expiration_date"],
                "expired": expired,
                "inputs": {
                    "underlying_price": number(row["S"]),
                    "strike": number(row["K"]),
                    "days_to_expiry": int(row["days_to_expiry"]),
                    "volatility": number(row["sigma"]),
                    "risk_free_rate": number(used["risk_free_rate"]),
                    "dividend_yield": number(used["dividend_yield"]),
                    "option_type": "call" if bool(row["is_call"]) else "put",
                    "quantity": float(row["quantity"]),
                    "multiplier": float(row["multiplier"]),
                    "volatility_source": row["sigma_source"],
                    "exercise": row["exercise"],
                    "sources": {
                        "underlying_price": used["underlying_price_source"],
                        "risk_free_rate": "not_needed" if expired else used["risk_free_rate_source"],
                        "dividend_yield": used["dividend_yield_source"],
                        "volatility": _volatility_source(row["sigma_source"], expired),
                    },
                },
                "per_share": {name: number(row[name]) for name in _PER_SHARE_NAMES},
                "position": {
                    name: greek_value(name, row[column]) for column, name in _POSITION_OUTPUT.items()
                },
            }
        )
    return out


_POSITION_OUTPUT = {
    "position_delta": "delta",
    "position_gamma": "gamma",
    "position_theta": "theta",
    "position_vega": "vega",
    "position_rho": "rho",
    "delta_dollars": "delta_dollars",
    "gamma_dollars": "gamma_dollars",
}


def _volatility_source(source: str, expired: bool) -> str:
    """``request`` (given volatility), ``store`` (realized vol fallback), or ``not_needed`` (expired)."""
    if expired:
        return "not_needed"
    if source == SIGMA_UNAVAILABLE:
        return "unavailable"
    return "request" if source == SIGMA_GIVEN else "store"
