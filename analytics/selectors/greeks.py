"""Reads of the stored Greeks (batch engine 4) for GET /analytics/risk/{id}/greeks.

Portfolio delta convention: ``delta`` and ``delta_dollars`` cover the whole book. Options
contribute their stored position Greeks; stocks, ETFs and funds count with a per-share delta of 1
(``delta`` = signed shares, ``delta_dollars`` = market value = shares x the close on the as-of date)
and zero gamma, theta, vega and rho. ``delta_dollars`` is therefore each position's delta-adjusted
exposure, and the ``longs`` / ``shorts`` views keep the positions whose delta_dollars is > 0 / < 0
(DESIGN.md: "Longs and shorts views split positions by the sign of their delta-adjusted exposure";
a position with zero or unknown exposure, e.g. an expired option, is in neither).

Totals are plain sums of the position Greeks (positions whose Greeks are unknown are left out of
the sums and counted in ``data_quality``). Queries: 6 whatever the number of positions.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pandas as pd

from analytics.engines.greeks import greeks_totals, option_position_greeks, stock_position_greeks
from analytics.models import BatchStep, PositionGreeks
from analytics.selectors.access import require
from analytics.selectors.conventions import greeks_conventions
from analytics.selectors.market_inputs import price_snapshot
from analytics.selectors.staleness import result_stale
from marketdata.selectors import data_source
from portfolios.holdings import positions_frame
from portfolios.models import Portfolio
from sigmasight.api.numbers import money, number, shares
from sigmasight.system.models import JobStatus

__all__ = [
    "GREEKS_UNITS",
    "GREEKS_VIEWS",
    "GREEK_NAMES",
    "PORTFOLIO_GREEKS_UNITS",
    "SHARE_GREEKS",
    "greek_value",
    "portfolio_greeks_get",
]

GREEKS_VIEWS = ("portfolio", "longs", "shorts")
GREEK_NAMES = ("delta", "delta_dollars", "gamma", "gamma_dollars", "theta", "vega", "rho")
#: Greeks counted in shares of the underlying (rounded to 6 decimals); the others are USD (cents).
SHARE_GREEKS = frozenset({"delta", "gamma"})

#: Units of the Greeks in every response (per-position and totals; per-share values are per share).
GREEKS_UNITS: dict[str, str] = {
    "delta": "shares of the underlying (per-share delta x multiplier x signed quantity)",
    "delta_dollars": "USD: delta x underlying price x multiplier x signed quantity",
    "gamma": "shares of the underlying per USD 1 move of the underlying",
    "gamma_dollars": "USD change of delta_dollars for a 1% move of the underlying",
    "theta": "per calendar day",
    "vega": "per 1 vol point",
    "rho": "per 1 rate point",
}

#: Units of the portfolio-level Greeks (the ``units`` object of the response).
PORTFOLIO_GREEKS_UNITS: dict[str, str] = {
    **GREEKS_UNITS,
    "delta": "shares of the underlying: options per-share delta x multiplier x signed quantity; "
    "stocks count 1 per share (signed shares)",
    "delta_dollars": "USD (delta-adjusted exposure): options delta x underlying close x multiplier x "
    "signed quantity; stocks their market value",
    "convention": "Totals are sums of position Greeks over the whole book: stocks have delta 1 per share "
    "and zero gamma/theta/vega/rho; options are Black-Scholes-Merton (DESIGN.md). Summing share deltas "
    "across underlyings mixes underlyings: prefer delta_dollars for the book.",
}

_GREEK_FIELDS = [
    "position_id",
    "underlying_price",
    "days_to_expiry",
    "volatility",
    "volatility_source",
    "exercise",
    "risk_free_rate",
    "dividend_yield",
    "position_delta",
    "position_gamma",
    "position_theta",
    "position_vega",
    "position_rho",
    "delta_dollars",
    "gamma_dollars",
]
_POSITION_COLUMNS = [
    "position_delta",
    "position_gamma",
    "position_theta",
    "position_vega",
    "position_rho",
    "delta_dollars",
    "gamma_dollars",
]


def portfolio_greeks_get(
    *,
    portfolio: Portfolio,
    as_of_date: dt.date | None = None,
    view: str = "portfolio",
    include_after_expiry: bool = False,
) -> dict[str, Any]:
    """The book's Greeks from the latest successful Greeks batch step (or the one of ``as_of_date``).

    422 INSUFFICIENT_DATA when the Greeks engine has not run for the portfolio. Returns
    ``{current, by_underlying, by_position, after_expiry, units, view, data_quality, as_of_date,
    calculated_at, data_source}`` with Greeks rounded at output (USD to cents, share counts to 6
    decimals).
    """
    steps = BatchStep.objects.filter(engine="greeks", portfolio=portfolio, status=JobStatus.SUCCEEDED)
    if as_of_date is not None:
        steps = steps.filter(run__as_of_date=as_of_date)
    step = steps.select_related("run").order_by("-run__as_of_date", "-finished_at").first()
    step = require(
        step,
        what="Greeks (batch engine 'greeks')" + (f" for {as_of_date.isoformat()}" if as_of_date else ""),
        portfolio=portfolio,
        as_of=as_of_date,
    )
    as_of = step.run.as_of_date

    book = _book_frame(portfolio=portfolio, as_of=as_of)
    if view == "longs":
        book = book.loc[book["delta_dollars"].to_numpy(dtype=float) > 0]
    elif view == "shorts":
        book = book.loc[book["delta_dollars"].to_numpy(dtype=float) < 0]

    symbols = sorted(set(book["underlying"])) if not book.empty else []
    return {
        "conventions": greeks_conventions(),
        "view": view,
        "current": _totals(book),
        "by_underlying": _by_underlying(book),
        "by_position": _by_position(book),
        "after_expiry": _after_expiry(book, as_of=as_of) if include_after_expiry else None,
        "units": dict(PORTFOLIO_GREEKS_UNITS),
        "data_quality": _data_quality(book),
        "as_of_date": as_of,
        "calculated_at": step.finished_at,
        "stale": result_stale(
            portfolio_id=portfolio.id, engines=("greeks",), result_as_of=as_of, requested_as_of=as_of_date
        ),
        "data_source": data_source(symbols=symbols or None),
    }


def _book_frame(*, portfolio: Portfolio, as_of: dt.date) -> pd.DataFrame:
    """One row per position held on ``as_of``: the engine's position columns plus keys.

    Options take their stored PositionGreeks row (an option with no row, e.g. added after the batch,
    has NaN Greeks and ``missing`` = "not_computed"); stocks come from the engine's stock Greeks at
    the stored close. Queries: positions (1), stored Greeks (1), stock closes (1 if any stock).
    """
    held = positions_frame(portfolio_ids=[str(portfolio.pk)], as_of=as_of)
    is_option = held["is_option"].to_numpy(dtype=bool)
    options, stocks = held.loc[is_option], held.loc[~is_option]
    parts = []

    if not stocks.empty:
        close = price_snapshot(symbols=list(stocks["symbol"]), as_of=as_of).close
        frame = stock_position_greeks(
            underlying_price=close.reindex(stocks["symbol"]).to_numpy(dtype=float),
            quantity=stocks["quantity"].to_numpy(dtype=float),
            multiplier=stocks["multiplier"].to_numpy(dtype=float),
            underlying=stocks["symbol"].to_numpy(dtype=object),
            index=pd.Index(stocks["id"], name="position_id"),
        )
        frame["is_option"] = False
        frame["expiration_date"] = None
        frame["symbol"] = stocks["symbol"].to_numpy(dtype=object)
        frame["volatility"] = np.nan
        frame["volatility_source"] = "not_applicable"
        frame["exercise"] = None
        frame["underlying_price"] = frame["S"]
        frame["missing"] = np.where(np.isfinite(frame["S"].to_numpy(dtype=float)), "", "underlying_price")
        parts.append(frame)

    if not options.empty:
        rows = list(
            PositionGreeks.objects.filter(portfolio=portfolio, as_of_date=as_of).values_list(*_GREEK_FIELDS)
        )
        stored = pd.DataFrame(rows, columns=_GREEK_FIELDS)
        stored["position_id"] = stored["position_id"].astype(str)
        stored = stored.set_index("position_id")
        frame = stored.reindex(pd.Index(options["id"], name="position_id"))
        for column in _POSITION_COLUMNS:
            frame[column] = pd.to_numeric(frame[column], errors="coerce").astype(float)
        frame["underlying"] = options["underlying_symbol"].to_numpy(dtype=object)
        frame["is_option"] = True
        frame["expiration_date"] = options["expiration_date"].to_numpy(dtype=object)
        frame["symbol"] = options["symbol"].to_numpy(dtype=object)
        frame["K"] = options["strike_price"].to_numpy(dtype=float)
        frame["is_call"] = options["is_call"].to_numpy(dtype=bool)
        frame["quantity"] = options["quantity"].to_numpy(dtype=float)
        frame["multiplier"] = options["multiplier"].to_numpy(dtype=float)
        frame["missing"] = _option_missing(frame)
        parts.append(frame[_BOOK_COLUMNS])

    if not parts:
        return pd.DataFrame(columns=_BOOK_COLUMNS)
    return pd.concat([part.reindex(columns=_BOOK_COLUMNS) for part in parts])


#: Columns of the Greeks book (a row per held position): position Greeks, keys and option inputs.
_BOOK_COLUMNS = [
    *_POSITION_COLUMNS,
    "underlying",
    "is_option",
    "expiration_date",
    "missing",
    "symbol",
    "exercise",
    "volatility",
    "volatility_source",
    "days_to_expiry",
    "underlying_price",
    "risk_free_rate",
    "dividend_yield",
    "K",
    "is_call",
    "quantity",
    "multiplier",
]


def _option_missing(frame: pd.DataFrame) -> np.ndarray:
    """Why an option's stored Greeks are null ("" when complete), from the stored inputs."""
    computed = frame["days_to_expiry"].notna().to_numpy()
    live = computed & (pd.to_numeric(frame["days_to_expiry"], errors="coerce").fillna(0).to_numpy() > 0)
    no_price = frame["underlying_price"].isna().to_numpy()
    no_vol = live & frame["volatility"].isna().to_numpy()
    no_rate = live & frame["risk_free_rate"].isna().to_numpy()
    reasons = np.full(len(frame), "", dtype=object)
    for mask, name in ((no_rate, "risk_free_rate"), (no_vol, "volatility"), (no_price, "underlying_price")):
        reasons = np.where(mask & computed, np.where(reasons == "", name, name + "," + reasons), reasons)
    unknown = frame[_POSITION_COLUMNS].isna().any(axis=1).to_numpy()
    reasons = np.where(computed & unknown & (reasons == ""), "greeks", reasons)
    return np.where(computed, reasons, "not_computed")


def greek_value(name: str, value: Any) -> float | None:
    """Output rounding of a position-level or total Greek: share counts (``delta``, ``gamma``) to
    6 decimals, the USD amounts (the others) to cents; None when unknown."""
    return shares(value) if name in SHARE_GREEKS else money(value)


def _rounded(totals: pd.Series) -> dict[str, Any]:
    return {name: greek_value(name, totals[name]) for name in GREEK_NAMES}


def _rounded_rows(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """:func:`_rounded` of every row of ``frame`` (columns named as GREEK_NAMES), column by column
    (the same values as row by row, without a pandas Series per row)."""
    columns = [[greek_value(name, v) for v in frame[name].tolist()] for name in GREEK_NAMES]
    return [dict(zip(GREEK_NAMES, values, strict=True)) for values in zip(*columns, strict=True)]


def _totals(book: pd.DataFrame) -> dict[str, Any]:
    totals = greeks_totals(book)
    return {**_rounded(totals), "positions": int(len(book))}


def _by_underlying(book: pd.DataFrame) -> list[dict[str, Any]]:
    if book.empty:
        return []
    grouped = greeks_totals(book, by="underlying")
    return [
        {"underlying": str(underlying), **greeks, "positions": int(count)}
        for underlying, greeks, count in zip(
            grouped.index.tolist(), _rounded_rows(grouped), grouped["positions"].tolist(), strict=True
        )
    ]


def _after_expiry(book: pd.DataFrame, *, as_of: dt.date) -> dict[str, Any]:
    """The book once the nearest expiration after ``as_of`` has passed.

    Every option expiring on or before that date is removed (including ones already expired, which
    have zero Greeks); the remaining options are aged to that date: repriced with the same pricer,
    exercise style, underlying price, sigma, rate and dividend yield as stored for ``as_of``, and
    ``days_to_expiry`` reduced by the calendar days to the cutoff (the underlying does not move).
    Stocks keep their Greeks. ``expiry_date`` is null when no held option expires after ``as_of``.
    """
    expiries = [d for d in book.loc[book["is_option"].astype(bool), "expiration_date"] if d is not None]
    upcoming = [d for d in expiries if d > as_of]
    cutoff = min(upcoming) if upcoming else as_of
    removed = np.array(
        [
            bool(opt) and d is not None and d <= cutoff
            for opt, d in zip(book["is_option"], book["expiration_date"], strict=True)
        ],
        dtype=bool,
    )
    remaining = book.loc[~removed].copy()
    aging = remaining["is_option"].to_numpy(dtype=bool)
    if upcoming and aging.any():
        options = remaining.loc[aging]
        aged = option_position_greeks(
            underlying_price=options["underlying_price"].to_numpy(dtype=float),
            strike=options["K"].to_numpy(dtype=float),
            days_to_expiry=options["days_to_expiry"].to_numpy(dtype=float) - (cutoff - as_of).days,
            rate=options["risk_free_rate"].to_numpy(dtype=float),
            dividend_yield=options["dividend_yield"].to_numpy(dtype=float),
            implied_vol=options["volatility"].to_numpy(dtype=float),
            realized_vol=np.nan,
            is_call=options["is_call"].to_numpy(dtype=bool),
            quantity=options["quantity"].to_numpy(dtype=float),
            multiplier=options["multiplier"].to_numpy(dtype=float),
            is_american=(options["exercise"] == "american").to_numpy(dtype=bool),
            index=options.index,
        )
        remaining.loc[aging, _POSITION_COLUMNS] = aged[_POSITION_COLUMNS].to_numpy(dtype=float)
    return {
        "expiry_date": min(upcoming) if upcoming else None,
        "removed_positions": int(removed.sum()),
        **_totals(remaining),
    }


def _by_position(book: pd.DataFrame) -> list[dict[str, Any]]:
    """One row per position of the view: identity, the option's exercise and sigma, its Greeks
    (built column by column: one Python list per column, no pandas row objects)."""
    if book.empty:
        return []
    renamed = book.rename(columns=_POSITION_NAMES)
    rows = []
    for pid, symbol, underlying, is_option, exercise, vol, vol_source, days, greeks in zip(
        renamed.index.tolist(),
        renamed["symbol"].tolist(),
        renamed["underlying"].tolist(),
        renamed["is_option"].tolist(),
        renamed["exercise"].tolist(),
        renamed["volatility"].tolist(),
        renamed["volatility_source"].tolist(),
        renamed["days_to_expiry"].tolist(),
        _rounded_rows(renamed),
        strict=True,
    ):
        option = bool(is_option)
        rows.append(
            {
                "position_id": str(pid),
                "symbol": str(symbol),
                "underlying_symbol": str(underlying),
                "is_option": option,
                "exercise": (exercise or None) if option else None,
                "volatility": number(vol) if option else None,
                "volatility_source": str(vol_source or "") or None,
                "days_to_expiry": int(days) if option and pd.notna(days) else None,
                **greeks,
            }
        )
    return rows


#: Book column -> output name of the position-level Greeks.
_POSITION_NAMES = {
    "position_delta": "delta",
    "position_gamma": "gamma",
    "position_theta": "theta",
    "position_vega": "vega",
    "position_rho": "rho",
}


def _data_quality(book: pd.DataFrame) -> dict[str, Any]:
    missing = book.loc[book["missing"] != ""]
    return {
        "positions_missing_greeks": int(len(missing)),
        "missing": [
            {
                "position_id": str(pid),
                "underlying": str(row["underlying"]),
                "missing": str(row["missing"]).split(","),
            }
            for pid, row in missing.iterrows()
        ],
    }
