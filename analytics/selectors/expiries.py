"""GET /analytics/risk/{id}/expiries: the option book by expiry week, theta as it ages, early
assignment flags.

Reads (3 queries): the latest successful Greeks batch step (or ``as_of``'s; 422 before it ran),
the stored PositionGreeks of that date joined with their positions, and the data source. The math
is :mod:`analytics.engines.expiries` (its docstring holds every convention); the option inputs are
the ones the Greeks engine stored (S, sigma and its source, r, q, exercise style).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pandas as pd
from django.utils import timezone

from analytics.engines.expiries import (
    PUT_TIME_VALUE_THRESHOLD,
    ExpiryBook,
    assignment_flags,
    theta_by_day,
    week_start,
)
from analytics.models import BatchStep, PositionGreeks
from analytics.selectors.access import require
from analytics.selectors.conventions import expiries_conventions
from marketdata.selectors import data_source
from portfolios.models import Portfolio
from sigmasight.api.numbers import money, shares
from sigmasight.system.models import JobStatus

__all__ = ["THETA_DAYS", "expiries_get"]

#: Calendar days of the theta calendar.
THETA_DAYS = 30

_FIELDS = [
    "position_id",
    "position__symbol",
    "position__underlying_symbol",
    "position__option_type",
    "position__strike_price",
    "position__expiration_date",
    "position__quantity",
    "position__multiplier",
    "underlying_price",
    "volatility",
    "exercise",
    "risk_free_rate",
    "dividend_yield",
    "position_delta",
    "delta_dollars",
    "days_to_expiry",
]
_COLUMNS = [
    "position_id",
    "symbol",
    "underlying",
    "option_type",
    "strike",
    "expiration",
    "quantity",
    "multiplier",
    "spot",
    "sigma",
    "exercise",
    "rate",
    "dividend_yield",
    "delta",
    "delta_dollars",
    "days_to_expiry",
]


def _stored_options(portfolio: Portfolio, as_of: dt.date) -> pd.DataFrame:
    rows = PositionGreeks.objects.filter(portfolio=portfolio, as_of_date=as_of).values_list(*_FIELDS)
    frame = pd.DataFrame(list(rows), columns=_COLUMNS)
    frame["position_id"] = frame["position_id"].astype(str)
    for col in ("strike", "quantity", "multiplier", "spot", "sigma", "rate", "dividend_yield", "delta"):
        frame[col] = pd.to_numeric(frame[col], errors="coerce").astype(float)
    frame["delta_dollars"] = pd.to_numeric(frame["delta_dollars"], errors="coerce").astype(float)
    return frame.sort_values(["expiration", "symbol"]).reset_index(drop=True)


def _expiry_book(frame: pd.DataFrame) -> ExpiryBook:
    return ExpiryBook(
        spot=frame["spot"].to_numpy(dtype=float),
        strike=frame["strike"].to_numpy(dtype=float),
        expiration=tuple(frame["expiration"]),
        rate=frame["rate"].to_numpy(dtype=float),
        dividend_yield=frame["dividend_yield"].fillna(0.0).to_numpy(dtype=float),
        sigma=frame["sigma"].to_numpy(dtype=float),
        is_call=(frame["option_type"] == "call").to_numpy(dtype=bool),
        is_american=(frame["exercise"] == "american").to_numpy(dtype=bool),
        units=(frame["quantity"] * frame["multiplier"]).to_numpy(dtype=float),
    )


def expiries_get(*, portfolio: Portfolio, days: int, as_of: dt.date | None = None) -> dict[str, Any]:
    """The /expiries payload (API.md): options expiring within ``days`` calendar days by expiry
    week (Monday) with their stored delta dollars, the book's theta for the next 30 calendar days
    as it ages, and the short options at risk of early assignment."""
    steps = BatchStep.objects.filter(engine="greeks", portfolio=portfolio, status=JobStatus.SUCCEEDED)
    if as_of is not None:
        steps = steps.filter(run__as_of_date=as_of)
    step = require(
        steps.select_related("run").order_by("-run__as_of_date", "-finished_at").first(),
        what="Greeks (batch engine 'greeks')",
        portfolio=portfolio,
        as_of=as_of,
    )
    date = step.run.as_of_date
    frame = _stored_options(portfolio, date)
    book = _expiry_book(frame)
    horizon = date + dt.timedelta(days=days)
    weeks: dict[dt.date, dict[str, Any]] = {}
    for row in frame.itertuples(index=False):
        if not (date < row.expiration <= horizon):
            continue
        week = weeks.setdefault(week_start(row.expiration), {"positions": [], "delta_dollars": 0.0})
        week["positions"].append(
            {
                "position_id": row.position_id,
                "symbol": row.symbol,
                "underlying_symbol": row.underlying,
                "expiration_date": row.expiration,
                "days_to_expiry": (row.expiration - date).days,
                "quantity": row.quantity,
                "delta": shares(row.delta),
                "delta_dollars": money(row.delta_dollars),
            }
        )
        if np.isfinite(row.delta_dollars):
            week["delta_dollars"] += float(row.delta_dollars)
    flags = assignment_flags(book, date)
    ids, symbols = frame["position_id"].tolist(), frame["symbol"].tolist()
    return {
        "portfolio_id": str(portfolio.id),
        "days": days,
        "weeks": [
            {"week_start": start, "positions": w["positions"], "delta_dollars": money(w["delta_dollars"])}
            for start, w in sorted(weeks.items())
        ],
        "theta_by_day": [{"date": d, "theta": money(t)} for d, t in theta_by_day(book, date, THETA_DAYS)],
        "assignment_risk": [
            {
                "position_id": ids[i],
                "symbol": symbols[i],
                "code": code,
                "reason": reason,
            }
            for i, code, reason in flags
        ],
        "as_of_date": date,
        "calculated_at": timezone.now(),
        "stale": False,
        "data_source": data_source(symbols=sorted(set(frame["underlying"].dropna())) or None),
        "conventions": expiries_conventions(
            days=days, theta_days=THETA_DAYS, put_threshold=PUT_TIME_VALUE_THRESHOLD
        ),
    }
