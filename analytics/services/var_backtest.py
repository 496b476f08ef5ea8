"""GET /analytics/risk/{id}/backtest: the one-day VaR model of today's book backtested on request.

The batch stores no VaR history, so this is a *hypothetical* backtest of the current book (the
positions the last batch stored with its stress inputs): for each of the last ``days`` trading
days, the model's one-day VaR from the window before that day (historical: the 500 previous
days' P&L of the book; parametric: delta-normal on the 252 previous days' sample covariance), and
the book's P&L on that day's returns (stocks linear, options fully revalued, as historical VaR).
The statistics are :mod:`analytics.engines.backtest` (its docstring holds the formulas). Nothing
is written.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pandas as pd

from analytics.engines.backtest import backtest_stats, rolling_var
from analytics.engines.conventions import COVARIANCE_WINDOW, HISTORICAL_VAR_WINDOW
from analytics.engines.revaluation import delta_exposures, revalue_pnl
from analytics.selectors.conventions import conventions
from analytics.selectors.risk_book import book_position_set
from analytics.services.riskdesk import risk_desk_meta, stored_book
from marketdata.selectors import price_frame
from portfolios.models import Portfolio
from sigmasight.api.exceptions import InsufficientData
from sigmasight.api.numbers import money, number

__all__ = ["BACKTEST_WINDOWS", "var_backtest_compute"]

#: Days of history behind each day's VaR, by method.
BACKTEST_WINDOWS = {"historical": HISTORICAL_VAR_WINDOW, "parametric": COVARIANCE_WINDOW}


def var_backtest_compute(
    *, portfolio: Portfolio, method: str, confidence: float, days: int, as_of: Any = None
) -> dict[str, Any]:
    """The /backtest payload (API.md); 422 when the stored prices do not cover ``days`` plus the
    method's window."""
    stored = stored_book(portfolio=portfolio, as_of=as_of)
    book: pd.DataFrame = stored["book"]
    date: dt.date = stored["as_of_date"]
    window = BACKTEST_WINDOWS[method]
    columns = sorted(set(book["risk_symbol"]))
    start = date - dt.timedelta(days=int((days + window) * 1.5) + 30)  # trading days -> calendar
    prices = price_frame(symbols=columns, start=start, end=date).sort_index()
    returns = prices.pct_change(fill_method=None).iloc[1:].iloc[-(days + window) :]
    if len(returns) < days + window:
        raise InsufficientData(
            f"Not enough stored prices for a {days}-day backtest of {method} VaR.",
            {
                "missing": f"{days + window} daily returns before {date.isoformat()}",
                "available": len(returns),
                "portfolio_id": str(portfolio.id),
            },
        )
    positions = book_position_set(book, columns)
    matrix = returns.to_numpy(dtype=np.float64)
    pnl = revalue_pnl(positions, matrix).sum(axis=1)  # a missing bar of any symbol: NaN (skipped)
    exposure = np.bincount(positions.underlying, weights=delta_exposures(positions), minlength=len(columns))
    var = rolling_var(pnl, matrix, exposure, method=method, confidence=confidence, window=window, days=days)
    realized = pnl[-days:]
    stats = backtest_stats(var, realized, confidence)
    ok = np.isfinite(var) & np.isfinite(realized)
    dates = list(returns.index[-days:])
    flags = iter(stats.exception_flags.tolist())
    series = [
        {"date": d, "var": money(v), "pnl": money(p), "exception": bool(next(flags)) if good else None}
        for d, v, p, good in zip(dates, var, realized, ok, strict=True)
    ]
    return {
        **risk_desk_meta(portfolio, stored),
        "method": method,
        "confidence": confidence,
        "horizon_days": 1,
        "days": days,
        "window_days": window,
        "observations": stats.observations,
        "exceptions": stats.exceptions,
        "exception_dates": [s["date"] for s in series if s["exception"]],
        "expected_exceptions": number(stats.expected_exceptions, 4),
        "kupiec": _test(stats.kupiec),
        "christoffersen": {
            "independence": _test(stats.independence),
            "conditional_coverage": _test(stats.conditional_coverage),
        },
        "traffic_light": stats.traffic_light,
        "series": series,
        "conventions": conventions(
            units="var: USD, positive loss; pnl: USD, signed; statistics: likelihood ratios with chi-square "
            "p-values",
            window=f"each day's VaR from the {window} trading days before it; the last {days} days tested",
            method=f"hypothetical backtest of today's book: {method} one-day VaR at {confidence:g} vs the book's "
            "P&L on each day's returns (options fully revalued); Kupiec POF, Christoffersen independence "
            "and conditional coverage, Basel traffic light by the binomial cumulative probability",
            reference="DESIGN.md 'VaR/ES'; analytics/engines/backtest.py",
        ),
    }


def _test(pair: tuple[float, float]) -> dict[str, float | None]:
    return {"statistic": number(pair[0], 6), "p_value": number(pair[1], 6)}
