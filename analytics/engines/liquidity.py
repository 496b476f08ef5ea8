"""Liquidity of a book: average daily volume, days to exit, exit buckets, liquidity-adjusted VaR.

Pure numpy/pandas: no Django, no clock, no I/O.

Conventions
-----------
- ADV (average daily volume) of a symbol over the last ``adv_days`` bars on or before the date
  (fewer if fewer are stored; none -> NaN): ``adv_shares = mean(volume)`` and ``adv_dollars =
  mean(close x volume)`` (USD per day; unadjusted close, the price the volume traded at). Bars with
  a missing close or volume are skipped.
- Days to exit = ``exit_units / (participation x adv_units)``: the trading days needed to unwind
  while trading at most ``participation`` (a fraction, 0.2 = 20 %) of the average daily volume.
  A stock's exit units are ``|shares|``; an option's are its ``|contracts|`` against the contract's
  own ADV when its bars have volume, else its delta-equivalent shares ``|delta-adjusted exposure
  / underlying price|`` against the underlying's ADV shares (a hedge would be unwound in the
  underlying). No volume at all -> NaN (unknown).
- Buckets by days to exit: ``<=1d``, ``1-3d`` (1 < d <= 3), ``3-7d`` (3 < d <= 7), ``>7d``; each
  holds the sum of ``|market value|`` (USD) and its share of NAV (x 100). Unknown days are in no
  bucket.
- Liquidity-adjusted VaR over a horizon ``h`` (10 days): each position's 1-day parametric
  component VaR (Euler, sums to the 1-day VaR) scaled by ``sqrt(max(h, days_to_exit))`` instead
  of ``sqrt(h)``: a position that cannot be sold within the horizon carries its risk for as long
  as it takes to exit (square-root-of-time, zero mean). Unknown days -> ``sqrt(h)``. Without
  illiquid positions the figure equals ``sqrt(h) x VaR_1d``. USD, a positive loss.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "BUCKETS",
    "adv_frame",
    "bucket_of",
    "days_to_exit",
    "exit_buckets",
    "liquidity_adjusted_var",
]

BUCKETS: tuple[str, ...] = ("<=1d", "1-3d", "3-7d", ">7d")


def adv_frame(bars: pd.DataFrame, adv_days: int) -> pd.DataFrame:
    """``adv_shares`` and ``adv_dollars`` per symbol (index) from long bars with columns
    ``symbol``, ``date``, ``close``, ``volume`` (any order), over each symbol's last ``adv_days``
    complete bars."""
    if bars.empty:
        return pd.DataFrame(columns=["adv_shares", "adv_dollars", "bars"], dtype=float)
    frame = bars[["symbol", "date", "close", "volume"]].copy()
    frame["close"] = pd.to_numeric(frame["close"], errors="coerce").astype(float)
    frame["volume"] = pd.to_numeric(frame["volume"], errors="coerce").astype(float)
    frame = frame[np.isfinite(frame["close"]) & np.isfinite(frame["volume"])]
    frame = frame.sort_values(["symbol", "date"]).groupby("symbol", sort=True).tail(adv_days)
    frame["dollars"] = frame["close"] * frame["volume"]
    grouped = frame.groupby("symbol", sort=True)
    return pd.DataFrame(
        {
            "adv_shares": grouped["volume"].mean(),
            "adv_dollars": grouped["dollars"].mean(),
            "bars": grouped["volume"].size().astype(float),
        }
    )


def days_to_exit(exit_units: np.ndarray, adv_units: np.ndarray, participation: float) -> np.ndarray:
    """``|exit_units| / (participation x adv_units)``; NaN where the ADV is not positive."""
    units = np.abs(np.asarray(exit_units, dtype=np.float64))
    adv = np.asarray(adv_units, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = units / (participation * adv)
    return np.where(np.isfinite(adv) & (adv > 0), out, np.nan)


def bucket_of(days: float) -> str | None:
    """The exit bucket of a number of days (None when unknown)."""
    if days is None or not math.isfinite(days):
        return None
    if days <= 1:
        return "<=1d"
    if days <= 3:
        return "1-3d"
    if days <= 7:
        return "3-7d"
    return ">7d"


def exit_buckets(market_values: np.ndarray, days: np.ndarray, nav: float) -> list[dict[str, Any]]:
    """One row per bucket of :data:`BUCKETS`: ``{bucket, market_value (sum |MV|, USD),
    percent_of_nav}`` (NaN percent when NAV is not positive)."""
    mv = np.abs(np.asarray(market_values, dtype=np.float64))
    labels = [bucket_of(float(d)) for d in np.asarray(days, dtype=np.float64)]
    out = []
    for bucket in BUCKETS:
        total = float(np.nansum([m for m, b in zip(mv, labels, strict=True) if b == bucket]))
        pct = total / nav * 100.0 if math.isfinite(nav) and nav > 0 else float("nan")
        out.append({"bucket": bucket, "market_value": total, "percent_of_nav": pct})
    return out


def liquidity_adjusted_var(component_var_1d: np.ndarray, days: np.ndarray, horizon_days: int = 10) -> float:
    """``sum_i cVaR_i x sqrt(max(h, days_i))`` (module docstring); NaN components are skipped,
    unknown days count as ``h``."""
    cvar = np.asarray(component_var_1d, dtype=np.float64)
    d = np.asarray(days, dtype=np.float64)
    scale = np.sqrt(np.maximum(horizon_days, np.where(np.isfinite(d), d, horizon_days)))
    return float(np.nansum(cvar * scale))
