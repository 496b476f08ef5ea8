"""GET /analytics/risk/{id}/backtest: the stored VaR forecasts against the realized P&L.

- Forecasts: the one-day VaR the batch stored at the close of each day
  (:class:`~analytics.models.VarForecast`, written by ``analytics.services.var_forecasts``:
  nightly from the batch's own RiskMetrics, earlier days backfilled through the same functions on
  that day's positions and data).
- Realized P&L of the next trading day from the NAV snapshots (engine 8), flows excluded:
  ``pnl_t = NAV_t - NAV_t-1 - F_t`` (DESIGN.md "Performance": ``F_t`` the cost of lots opened minus
  the proceeds of lots closed on day t, at the start of the day). Cash is the portfolio's current
  balance on every snapshot (engine 8 keeps no cash ledger), so a deposit moves no difference.
- The tested days are the last ``days`` snapshot days up to the batch's as-of date, each against the
  forecast of the snapshot day before it; statistics in :mod:`analytics.engines.backtest`
  (exceptions, Kupiec, Christoffersen); the traffic light is read on the last 250 tested days
  available (``traffic_light_window``), whatever ``days`` is.

A tested day without a stored forecast (history not backfilled) is a 422 naming the missing dates
and the command that fills them; a forecast that could not be computed (``value`` null, e.g. an
unpriced position) is kept in the series as a non-observation. Nothing is written.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from analytics.engines.backtest import BASEL_WINDOW, backtest_stats, realized_pnl
from analytics.engines.conventions import COVARIANCE_WINDOW, HISTORICAL_VAR_WINDOW
from analytics.models import PortfolioSnapshot, VarForecast
from analytics.selectors.conventions import backtest_conventions
from analytics.services.riskdesk import risk_desk_meta, stored_book
from analytics.services.var_forecasts import FORECAST_HORIZON
from portfolios.models import Portfolio
from sigmasight.api.exceptions import InsufficientData
from sigmasight.api.numbers import money, number

__all__ = ["BACKTEST_WINDOWS", "var_backtest_compute"]

#: Days of history behind each day's VaR, by method.
BACKTEST_WINDOWS = {"historical": HISTORICAL_VAR_WINDOW, "parametric": COVARIANCE_WINDOW}
#: Dates listed in a 422's details.
MISSING_LISTED = 10


def _tested_days(portfolio: Portfolio, *, method: str, confidence: float, end: Any) -> pd.DataFrame:
    """Every snapshot day after the first up to ``end``: ``forecast_date`` (the day before), ``pnl``
    and the stored forecast (``var``, ``source``; NaN / None when absent, ``stored`` False). Two
    queries."""
    snaps = list(
        PortfolioSnapshot.objects.filter(portfolio=portfolio, date__lte=end)
        .order_by("date")
        .values_list("date", "nav", "flow")
    )
    dates = [d for d, _, _ in snaps]
    pnl = realized_pnl(
        np.array([n for _, n, _ in snaps], dtype=float), np.array([f for _, _, f in snaps], dtype=float)
    )
    forecasts = {
        d: (v, s)
        for d, v, s in VarForecast.objects.filter(
            portfolio=portfolio,
            method=method,
            confidence=confidence,
            horizon_days=FORECAST_HORIZON,
            date__lte=end,
        ).values_list("date", "value", "source")
    }
    rows = []
    for prev, d, p in zip(dates[:-1], dates[1:], pnl[1:], strict=True):
        value, source = forecasts.get(prev, (None, None))
        rows.append(
            {
                "date": d,
                "forecast_date": prev,
                "pnl": p,
                "stored": prev in forecasts,
                "var": np.nan if value is None else float(value),
                "source": source,
            }
        )
    return pd.DataFrame(rows, columns=["date", "forecast_date", "pnl", "stored", "var", "source"])


def var_backtest_compute(
    *, portfolio: Portfolio, method: str, confidence: float, days: int, as_of: Any = None
) -> dict[str, Any]:
    """The /backtest payload (API.md, module doc); 422 when the snapshots do not span ``days``
    tested days or a tested day has no stored forecast."""
    stored = stored_book(portfolio=portfolio, as_of=as_of)
    end = stored["as_of_date"]
    frame = _tested_days(portfolio, method=method, confidence=confidence, end=end)
    tested = frame.iloc[-days:]
    missing = tested.loc[~tested["stored"].to_numpy(dtype=bool), "forecast_date"].tolist()
    if len(tested) < days or missing:
        raise InsufficientData(
            f"Not enough stored VaR forecasts for a {days}-day backtest of {method} VaR at {confidence:g}.",
            {
                "missing": f"{days} tested days up to {end.isoformat()}, each with the stored forecast of "
                "the trading day before",
                "tested_days_available": len(tested),
                "forecasts_missing": len(missing),
                "missing_forecast_dates": [d.isoformat() for d in missing[-MISSING_LISTED:]],
                "how_to_fix": f"manage.py backfill_var_forecasts --portfolio {portfolio.id}",
                "portfolio_id": str(portfolio.id),
            },
        )
    stats = backtest_stats(tested["var"].to_numpy(), tested["pnl"].to_numpy(), confidence)
    basel = frame[frame["stored"].to_numpy(dtype=bool)].iloc[-BASEL_WINDOW:]
    light = backtest_stats(basel["var"].to_numpy(), basel["pnl"].to_numpy(), confidence)
    ok = np.isfinite(tested["var"].to_numpy()) & np.isfinite(tested["pnl"].to_numpy())
    flags = iter(stats.exception_flags.tolist())
    series = [
        {
            "date": row.date,
            "forecast_date": row.forecast_date,
            "var": money(row.var),
            "pnl": money(row.pnl),
            "exception": bool(next(flags)) if good else None,
            "source": row.source,
        }
        for row, good in zip(tested.itertuples(index=False), ok, strict=True)
    ]
    window = BACKTEST_WINDOWS[method]
    return {
        **risk_desk_meta(portfolio, stored),
        "method": method,
        "confidence": confidence,
        "horizon_days": FORECAST_HORIZON,
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
        "traffic_light": light.traffic_light,
        "traffic_light_window": {
            "observations": light.observations,
            "exceptions": light.exceptions,
            "expected_exceptions": number(light.expected_exceptions, 4),
            "start_date": basel["date"].iloc[0] if len(basel) else None,
            "end_date": basel["date"].iloc[-1] if len(basel) else None,
        },
        "series": series,
        "conventions": backtest_conventions(method=method, confidence=confidence, days=days, window=window),
    }


def _test(pair: tuple[float, float]) -> dict[str, float | None]:
    return {"statistic": number(pair[0], 6), "p_value": number(pair[1], 6)}
