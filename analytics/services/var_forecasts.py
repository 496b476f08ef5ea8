"""The stored one-day VaR forecast of every day (VaR backtesting; model :class:`VarForecast`).

Per portfolio and trading day ``d``: historical and parametric VaR at 95 % and 99 %, one day,
positive USD losses, made at the close of ``d`` for the next trading day.

- **Nightly** (:func:`var_forecasts_step`, a batch step after the snapshots): the day's rows are
  copied from the batch's own ``RiskMetrics`` of ``as_of`` (portfolio view,
  ``var[method]["h1"][c95|c99]``), so the stored forecast *is* the VaR the batch computed that day;
  then the portfolio's missing days are backfilled (all of them, up to
  ``settings.VAR_BACKFILL_MAX_DAYS`` trading days back, on its first run; a day the batch skipped
  afterwards).
- **Backfill** (:func:`var_forecasts_backfill`, also ``manage.py backfill_var_forecasts``): a past
  day is computed as that day's batch would have computed it, through the batch's functions:
  the positions held on ``d`` (entry_date <= d < exit_date), valued on ``d``
  (``services.valuation.position_valuations_frame`` with ``selectors.market_inputs.option_greeks_frame``:
  that day's prices, rate, implied vols), the book of ``selectors.risk_inputs.risk_book_build``,
  the returns dated on or before ``d`` (``risk_market_inputs(as_of=d)``) and the portfolio view's
  rule (``services.risk_portfolio.revaluation_reasons`` then ``services.var.var_metrics``, which
  ``view_metrics`` calls). All portfolios missing a day are computed together.
- The days of a portfolio are its snapshot dates (engine 8: every trading day since its earliest
  entry) on or before ``as_of``; a day already stored (all four rows) is not recomputed unless asked.

Writes are upserts on (portfolio, date, method, confidence, horizon_days): reruns never duplicate.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from django.conf import settings
from django.db import transaction
from django.db.models import Count, Max

from analytics.batch.result import EngineResult
from analytics.engines.valuation import portfolio_exposures
from analytics.models import ForecastSource, PortfolioSnapshot, RiskMetrics, RiskView, VarForecast
from analytics.selectors.market_inputs import option_greeks_frame
from analytics.selectors.risk_book import view_book
from analytics.selectors.risk_inputs import (
    MACRO_SERIES,
    PRICE_LOOKBACK_DAYS,
    empty_book,
    risk_book_build,
    risk_market_inputs,
    risk_market_symbols,
)
from analytics.selectors.risk_keys import confidence_key, horizon_key
from analytics.services.risk_portfolio import monte_carlo_seed, revaluation_reasons
from analytics.services.valuation import position_valuations_frame
from analytics.services.var import var_metrics
from marketdata.models import PriceBar
from marketdata.selectors import macro_frame, price_frame
from portfolios.holdings import portfolio_cash, positions_frame
from sigmasight.api.response_cache import responses_invalidate

logger = logging.getLogger(__name__)

__all__ = [
    "last_snapshot_date",
    "FORECAST_CONFIDENCES",
    "FORECAST_HORIZON",
    "FORECAST_METHODS",
    "var_forecasts_backfill",
    "var_forecasts_compute",
    "var_forecasts_missing_days",
    "var_forecasts_of_batch",
    "var_forecasts_save",
    "var_forecasts_step",
]

FORECAST_METHODS: tuple[str, ...] = ("historical", "parametric")
FORECAST_CONFIDENCES: tuple[float, ...] = (0.95, 0.99)
FORECAST_HORIZON = 1
#: Rows stored per portfolio and day.
ROWS_PER_DAY = len(FORECAST_METHODS) * len(FORECAST_CONFIDENCES)
UPDATE_FIELDS = ["value", "nav", "observations", "position_count", "inputs_as_of", "source", "calculated_at"]


def _rows(
    *,
    portfolio_id: str,
    date: dt.date,
    var: Mapping[str, Any],
    nav: float | None,
    position_count: int,
    inputs_as_of: dt.date | None,
    source: str,
) -> list[VarForecast]:
    """The four VarForecast rows of one portfolio-day from a ``var_metrics`` layout."""
    out = []
    for method in FORECAST_METHODS:
        for confidence in FORECAST_CONFIDENCES:
            entry = var[method][horizon_key(FORECAST_HORIZON)][confidence_key(confidence)]
            value = entry.get("var")
            out.append(
                VarForecast(
                    portfolio_id=portfolio_id,
                    date=date,
                    method=method,
                    confidence=confidence,
                    horizon_days=FORECAST_HORIZON,
                    value=None if value is None or not np.isfinite(value) else float(value),
                    nav=None if nav is None or not np.isfinite(nav) else float(nav),
                    observations=int(entry.get("observations") or 0),
                    position_count=position_count,
                    inputs_as_of=inputs_as_of,
                    source=source,
                )
            )
    return out


def _last_price_date(*, symbols: Iterable[str], as_of: dt.date) -> dt.date | None:
    """The last date on or before ``as_of`` with a bar of any symbol engine 7's return frame reads
    (``risk_market_symbols``: the frame's last row). One query."""
    wanted = risk_market_symbols(set(symbols))
    found = PriceBar.objects.filter(symbol__in=wanted, date__lte=as_of).aggregate(last=Max("date"))["last"]
    return found if isinstance(found, dt.date) else None


def var_forecasts_of_batch(
    *, as_of: dt.date, portfolio_ids: Sequence[str]
) -> tuple[list[VarForecast], list[str]]:
    """The rows of ``as_of`` copied from the batch's RiskMetrics (portfolio view) and the ids of the
    portfolios that have none (engine 7 failed or did not run for them)."""
    stored = {
        str(pid): metrics
        for pid, metrics in RiskMetrics.objects.filter(
            portfolio_id__in=list(portfolio_ids), as_of_date=as_of, view=RiskView.PORTFOLIO
        ).values_list("portfolio_id", "metrics")
    }
    symbols = {s for m in stored.values() for s in m.get("symbols", [])}
    inputs_as_of = _last_price_date(symbols=symbols, as_of=as_of) if stored else None
    rows: list[VarForecast] = []
    for pid, metrics in stored.items():
        if not all(m in metrics.get("var", {}) for m in FORECAST_METHODS):
            continue
        rows += _rows(
            portfolio_id=pid,
            date=as_of,
            var=metrics["var"],
            nav=metrics.get("nav"),
            position_count=int(metrics.get("position_count") or 0),
            inputs_as_of=inputs_as_of,
            source=ForecastSource.BATCH,
        )
    done = {r.portfolio_id for r in rows}
    return rows, [str(p) for p in portfolio_ids if str(p) not in done]


def _empty_rows(
    *, portfolio_ids: Sequence[str], as_of: dt.date, cash: pd.Series, inputs_as_of: dt.date | None
) -> list[VarForecast]:
    """Rows of portfolios holding nothing on ``as_of``: no loss is possible (VaR 0, as engine 7)."""
    rows: list[VarForecast] = []
    for pid in portfolio_ids:
        var = var_metrics(
            book=empty_book(), returns=pd.DataFrame(), nav=float(cash[pid]), seed=0, methods=FORECAST_METHODS
        )
        rows += _rows(
            portfolio_id=pid,
            date=as_of,
            var=var,
            nav=float(cash[pid]),
            position_count=0,
            inputs_as_of=inputs_as_of,
            source=ForecastSource.BACKFILL,
        )
    return rows


def var_forecasts_compute(
    *,
    as_of: dt.date,
    portfolio_ids: Sequence[str],
    prices: pd.DataFrame | None = None,
    macro: pd.DataFrame | None = None,
) -> list[VarForecast]:
    """The rows of ``as_of`` computed now as that day's batch would have (module doc), for each
    portfolio of ``portfolio_ids`` (VaR 0 for one holding nothing). Nothing is written. ``prices`` /
    ``macro``: the frames of :func:`_history_frames`, read once for a backfill of many days
    (``risk_market_inputs`` cuts them to what its own queries would read)."""
    ids = [str(p) for p in portfolio_ids]
    positions = positions_frame(portfolio_ids=ids, as_of=as_of)
    cash = pd.Series(portfolio_cash(portfolio_ids=ids), dtype=float).reindex(ids).fillna(0.0)
    cash.index.name = "portfolio_id"
    if positions.empty:
        return _empty_rows(portfolio_ids=ids, as_of=as_of, cash=cash, inputs_as_of=None)
    options = positions[positions["is_option"].to_numpy(dtype=bool)]
    greeks = option_greeks_frame(options=options, as_of=as_of) if len(options) else pd.DataFrame()
    valuations = position_valuations_frame(positions=positions, as_of=as_of, option_greeks=greeks)
    totals = portfolio_exposures(valuations, cash)
    risk_valuations = valuations[["price", "underlying_price", "delta_adjusted_exposure", "market_value"]]
    risk_valuations = risk_valuations.rename(columns={"delta_adjusted_exposure": "exposure"}).astype(float)
    book = risk_book_build(positions=positions, valuations=risk_valuations, option_greeks=greeks)
    risk_symbols = sorted({str(s) for s in book["risk_symbol"].dropna() if s})
    market = risk_market_inputs(as_of=as_of, risk_symbols=risk_symbols, prices=prices, macro=macro)
    inputs_as_of = market.returns.index[-1] if len(market.returns) else None
    if isinstance(inputs_as_of, pd.Timestamp):
        inputs_as_of = inputs_as_of.date()
    seed = monte_carlo_seed(as_of)
    grouped = dict(tuple(book.groupby("portfolio_id", sort=False)))
    rows: list[VarForecast] = []
    for pid in sorted(set(ids) & set(positions["portfolio_id"])):
        part = view_book(grouped.get(pid, empty_book()), RiskView.PORTFOLIO)
        reason = revaluation_reasons(part, market)
        nav = float(totals.loc[pid, "nav"]) if pid in totals.index else float(cash[pid])
        var = var_metrics(
            book=part[reason.isna()],
            returns=market.returns,
            nav=nav,
            seed=seed,
            methods=FORECAST_METHODS,
            unknown=bool(reason.notna().any()),
        )
        rows += _rows(
            portfolio_id=pid,
            date=as_of,
            var=var,
            nav=nav,
            position_count=len(part),
            inputs_as_of=inputs_as_of,
            source=ForecastSource.BACKFILL,
        )
    rows += _empty_rows(
        portfolio_ids=sorted(set(ids) - set(positions["portfolio_id"])),
        as_of=as_of,
        cash=cash,
        inputs_as_of=inputs_as_of,
    )
    return rows


@transaction.atomic
def var_forecasts_save(*, rows: Sequence[VarForecast]) -> int:
    """Upserts the rows on their key; returns how many were written. The cached /backtest answers
    of their portfolios are invalidated (a backfill outside the batch must show at once)."""
    if rows:
        VarForecast.objects.bulk_create(
            list(rows),
            update_conflicts=True,
            unique_fields=["portfolio", "date", "method", "confidence", "horizon_days"],
            update_fields=UPDATE_FIELDS,
            batch_size=2000,
        )
        responses_invalidate(portfolio_ids={row.portfolio_id for row in rows})
    return len(rows)


def last_snapshot_date(*, portfolio_ids: Sequence[str]) -> dt.date | None:
    """The latest snapshot date of the portfolios (the default last day of a backfill)."""
    found = PortfolioSnapshot.objects.filter(portfolio_id__in=list(portfolio_ids)).aggregate(last=Max("date"))
    return found["last"] if isinstance(found["last"], dt.date) else None


def var_forecasts_missing_days(
    *, portfolio_ids: Sequence[str], as_of: dt.date, max_days: int | None = None, recompute: bool = False
) -> dict[dt.date, list[str]]:
    """Day -> the portfolios to compute on it: each portfolio's last ``max_days`` snapshot dates on or
    before ``as_of`` (all when None, none when 0) lacking one of the day's rows (every one with
    ``recompute``). Two queries."""
    ids = [str(p) for p in portfolio_ids]
    dates: dict[str, list[dt.date]] = defaultdict(list)
    for pid, date in (
        PortfolioSnapshot.objects.filter(portfolio_id__in=ids, date__lte=as_of)
        .order_by("portfolio_id", "date")
        .values_list("portfolio_id", "date")
    ):
        dates[str(pid)].append(date)
    complete: set[tuple[str, dt.date]] = set()
    if not recompute:
        complete = {
            (str(pid), date)
            for pid, date, n in VarForecast.objects.filter(
                portfolio_id__in=ids, date__lte=as_of, horizon_days=FORECAST_HORIZON
            )
            .values_list("portfolio_id", "date")
            .annotate(n=Count("id"))
            .values_list("portfolio_id", "date", "n")
            if n >= ROWS_PER_DAY
        }
    days: dict[dt.date, list[str]] = defaultdict(list)
    if max_days is not None and max_days <= 0:
        return {}
    for key, own in dates.items():
        for day in own[-max_days:] if max_days is not None else own:
            if (key, day) not in complete:
                days[day].append(key)
    return dict(sorted(days.items()))


def _history_frames(
    *, portfolio_ids: Sequence[str], first: dt.date, last: dt.date
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One price frame (every risk symbol the portfolios ever held, the factor ETFs, USO, EWG, VIX)
    and one macro frame covering the windows of the days ``first`` .. ``last``. Two queries."""
    lots = positions_frame(portfolio_ids=list(portfolio_ids), include_closed=True)
    symbols = risk_market_symbols({str(s) for s in lots["risk_symbol"].dropna() if s})
    start = first - dt.timedelta(days=PRICE_LOOKBACK_DAYS)
    prices = price_frame(symbols=symbols, start=start, end=last).sort_index()
    macro = macro_frame(series_ids=list(MACRO_SERIES), start=start, end=last)
    return prices, macro


def var_forecasts_backfill(
    *,
    portfolio_ids: Sequence[str],
    as_of: dt.date,
    max_days: int | None = None,
    recompute: bool = False,
    progress: Callable[[dt.date], None] | None = None,
) -> EngineResult:
    """Computes and stores the missing forecasts of the portfolios' days on or before ``as_of``
    (module doc). A day that fails for the chunk is retried per portfolio; a portfolio's failure is
    recorded (its first failing day) and never stops the others. Idempotent."""
    plan = var_forecasts_missing_days(
        portfolio_ids=portfolio_ids, as_of=as_of, max_days=max_days, recompute=recompute
    )
    result = EngineResult(counts={"days": len(plan), "forecasts": 0})
    if not plan:
        return result
    prices, macro = _history_frames(portfolio_ids=portfolio_ids, first=min(plan), last=max(plan))
    for date, ids in plan.items():
        try:
            rows = var_forecasts_compute(as_of=date, portfolio_ids=ids, prices=prices, macro=macro)
        except Exception:  # noqa: BLE001 - retried one portfolio at a time below
            logger.exception("VaR forecast backfill of %s failed for the chunk; retrying per portfolio", date)
            rows = []
            for pid in ids:
                try:
                    rows += var_forecasts_compute(as_of=date, portfolio_ids=[pid], prices=prices, macro=macro)
                except Exception as exc:  # noqa: BLE001 - one portfolio's bad data never stops the others
                    result.failures.setdefault(pid, f"{date.isoformat()}: {exc.__class__.__name__}: {exc}")
        result.counts["forecasts"] += var_forecasts_save(rows=rows)
        if progress is not None:
            progress(date)
    return result


def var_forecasts_step(*, as_of: dt.date, portfolio_ids: list[str]) -> EngineResult:
    """Batch step: stores the batch's VaR of ``as_of`` as the day's forecasts, then backfills each
    portfolio's missing days before it (at most ``settings.VAR_BACKFILL_MAX_DAYS`` trading days
    back). Needs engine 7 (RiskMetrics of ``as_of``) and engine 8 (the snapshot dates)."""
    ids = [str(p) for p in portfolio_ids]
    rows, without = var_forecasts_of_batch(as_of=as_of, portfolio_ids=ids)
    written = var_forecasts_save(rows=rows)
    held = set(positions_frame(portfolio_ids=without, as_of=as_of)["portfolio_id"]) if without else set()
    failures = {
        pid: f"No risk metrics of {as_of.isoformat()}: the stress_tests engine failed or did not run."
        for pid in without
        if pid in held
    }
    max_days = int(settings.VAR_BACKFILL_MAX_DAYS)
    backfill = var_forecasts_backfill(
        portfolio_ids=[p for p in ids if p not in failures],
        as_of=as_of - dt.timedelta(days=1),
        max_days=max_days,
    )
    failures.update(backfill.failures)
    return EngineResult(
        counts={
            "portfolios": len(ids),
            "forecasts_of_the_day": written,
            "days_backfilled": backfill.counts["days"],
            "forecasts_backfilled": backfill.counts["forecasts"],
        },
        failures=failures,
        notes={"backfill_max_days": max_days},
    )
