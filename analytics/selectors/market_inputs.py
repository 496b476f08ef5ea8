"""Market inputs of the engines, built in a constant number of queries for any number of positions.

- Prices: the close (per share) on ``as_of`` or, when that bar is missing, the last one before it
  (``price_date`` says which); previous close = the last bar strictly before ``as_of``.
- Options: S = underlying close; T = calendar days to expiry / 365; r = DGS3MO on or before as_of
  (decimal); q = the underlying's dividend_yield (decimal) else 0; exercise American for options on
  stocks and ETFs, European for index options (``option_pricer.is_american_exercise``); sigma = the
  volatility implied by the option's own mark (its last bar on or before as_of, within the price-age
  rule, solved with the same pricer), else the position's implied volatility when known, else the
  annualized 60-day realized volatility of the underlying's simple daily returns (floored at 5%).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analytics.engines.conventions import MAX_PRICE_AGE_DAYS, REALIZED_VOL_WINDOW
from analytics.engines.greeks import option_position_greeks, realized_volatility
from analytics.engines.option_pricer import is_american_exercise
from marketdata.models import MacroSeries, PriceBar, Security
from marketdata.selectors import price_frame

#: Calendar days of history read for the realized-volatility fallback (60 returns + holidays).
REALIZED_VOL_LOOKBACK_DAYS = 120


@dataclass(frozen=True)
class PriceSnapshot:
    """Close on (or just before) as_of and the previous close, per symbol (float64, NaN = none)."""

    close: pd.Series
    close_date: pd.Series
    previous_close: pd.Series
    source: pd.Series


def price_snapshot(*, symbols: Sequence[str], as_of: dt.date) -> PriceSnapshot:
    """One query: the last two bars on or before ``as_of`` for each symbol (within a short window)."""
    symbols = sorted(set(symbols))
    start = as_of - dt.timedelta(days=MAX_PRICE_AGE_DAYS + 7)
    rows = list(
        PriceBar.objects.filter(symbol__in=symbols, date__gte=start, date__lte=as_of)
        .order_by("symbol", "-date")
        .values_list("symbol", "date", "close", "source")
    )
    close: dict[str, float] = {}
    close_date: dict[str, dt.date] = {}
    previous: dict[str, float] = {}
    source: dict[str, str] = {}
    for symbol, date, price, src in rows:  # newest first per symbol
        if symbol not in close_date and symbol not in close:
            if (as_of - date).days <= MAX_PRICE_AGE_DAYS:
                close[symbol], close_date[symbol], source[symbol] = price, date, src
            else:
                close[symbol] = np.nan
        if date < as_of and symbol not in previous:
            previous[symbol] = price  # the last bar strictly before as_of
    index = pd.Index(symbols, name="symbol")
    return PriceSnapshot(
        close=pd.Series(close, dtype=float).reindex(index),
        close_date=pd.Series(close_date, dtype=object).reindex(index),
        previous_close=pd.Series(previous, dtype=float).reindex(index),
        source=pd.Series(source, dtype=object).reindex(index),
    )


def risk_free_rate(*, as_of: dt.date) -> float:
    """DGS3MO (decimal) on or before as_of; NaN when the series is missing."""
    value = (
        MacroSeries.objects.filter(series_id="DGS3MO", date__lte=as_of)
        .order_by("-date")
        .values_list("value", flat=True)
        .first()
    )
    return float(value) if value is not None else float("nan")


def dividend_yields(*, symbols: Sequence[str]) -> pd.Series:
    """Dividend yield (decimal) per symbol; 0 where unknown (DESIGN: "else 0")."""
    rows = dict(Security.objects.filter(symbol__in=list(symbols)).values_list("symbol", "dividend_yield"))
    return pd.Series({s: float(rows.get(s) or 0.0) for s in symbols}, dtype=float)


def realized_vols(*, symbols: Sequence[str], as_of: dt.date, window: int = REALIZED_VOL_WINDOW) -> pd.Series:
    """Annualized realized volatility (decimal, floored at 5%) per symbol from adjusted closes."""
    symbols = sorted(set(symbols))
    if not symbols:
        return pd.Series(dtype=float)
    start = as_of - dt.timedelta(days=REALIZED_VOL_LOOKBACK_DAYS)
    prices = price_frame(symbols=symbols, start=start, end=as_of, field="adjusted_close")
    if prices.empty:
        return pd.Series(np.nan, index=symbols, dtype=float)
    returns = prices.sort_index().pct_change(fill_method=None).iloc[1:]
    vols = realized_volatility(returns, window=window)
    return pd.Series(vols, dtype=float).reindex(symbols)


def option_greeks_frame(
    *, options: pd.DataFrame, as_of: dt.date, exercise: str | None = None
) -> pd.DataFrame:
    """Greeks of option positions (rows of ``portfolios.holdings.positions_frame`` with is_option).

    Returns the engine's frame indexed by position id plus ``rate``, ``dividend_yield`` and
    ``is_american`` columns. ``exercise`` ("american"/"european") overrides the exercise style of
    every option (default: by underlying). Queries: prices of the underlyings and of the options'
    own bars (1), rate (1), dividend yields (1), realized-vol history (1).
    """
    if options.empty:
        return pd.DataFrame()
    underlyings = sorted(set(options["underlying_symbol"]))
    snapshot = price_snapshot(symbols=sorted(set(underlyings) | set(options["symbol"])), as_of=as_of)
    rate = risk_free_rate(as_of=as_of)
    q = dividend_yields(symbols=underlyings)
    marks = snapshot.close.reindex(options["symbol"]).to_numpy(dtype=float)
    needs_realized = options["implied_volatility"].isna().to_numpy()  # also when a mark does not solve
    realized = realized_vols(
        symbols=sorted(set(options.loc[needs_realized, "underlying_symbol"])), as_of=as_of
    )
    american = is_american_exercise(list(options["underlying_symbol"]), exercise)
    days = np.array([(exp - as_of).days for exp in options["expiration_date"]], dtype=float)
    frame = option_position_greeks(
        underlying_price=snapshot.close.reindex(options["underlying_symbol"]).to_numpy(),
        strike=options["strike_price"].to_numpy(),
        days_to_expiry=days,
        rate=rate,
        dividend_yield=q.reindex(options["underlying_symbol"]).to_numpy(),
        implied_vol=options["implied_volatility"].to_numpy(),
        realized_vol=realized.reindex(options["underlying_symbol"]).to_numpy(),
        mark_price=marks,
        is_american=american,
        is_call=options["is_call"].to_numpy(),
        quantity=options["quantity"].to_numpy(),
        multiplier=options["multiplier"].to_numpy(),
        underlying=options["underlying_symbol"].to_numpy(),
        index=pd.Index(options["id"], name="position_id"),
    )
    frame["rate"] = rate
    frame["dividend_yield"] = q.reindex(options["underlying_symbol"]).to_numpy()
    frame["is_american"] = american
    return frame
